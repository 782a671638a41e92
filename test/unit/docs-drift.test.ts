import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from '../../src/docs/index.js';

describe('generated docs follow the command model', () => {
  for (const [path, text] of Object.entries(generatedFiles())) {
    it(`${path} is up to date (run npm run gen)`, () => {
      expect(readFileSync(path, 'utf8')).toBe(text);
    });
  }
});
