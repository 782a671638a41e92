import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_STRUCTS, FIELD_SIZE, IOCTL, type FieldType } from '../../src/vfio/structs.js';

type CLayout = Record<string, { size: number; fields: Record<string, [number, number]> }> & { ioctl: Record<string, number> };

const SOURCE = fileURLToPath(new URL('../native/vfio_layout.c', import.meta.url));
let dir: string;
let c: CLayout;

beforeAll(() => {
  const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error('cc not found: the layout test compiles test/native/vfio_layout.c against /usr/include/linux/vfio.h');
  dir = mkdtempSync(join(tmpdir(), 'vfio-layout-'));
  const bin = join(dir, 'vfio_layout');
  execFileSync('cc', ['-Wall', '-Werror', '-o', bin, SOURCE]);
  c = JSON.parse(execFileSync(bin, { encoding: 'utf8' })) as CLayout;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('VFIO struct tables match the C compiler on linux/vfio.h', () => {
  it('covers every struct the C program prints and nothing else', () => {
    const cNames = Object.keys(c).filter((k) => k !== 'ioctl').sort();
    expect(ALL_STRUCTS.map((s) => s.name).sort()).toEqual(cNames);
  });

  for (const s of ALL_STRUCTS) {
    it(`${s.name}: size and every field's offset and width`, () => {
      const want = c[s.name]!;
      expect(s.size).toBe(want.size);
      const ours = Object.fromEntries(
        Object.entries(s.fields).map(([n, [off, t]]) => [n, [off, FIELD_SIZE[t as FieldType]]]),
      );
      expect(ours).toEqual(want.fields);
    });
  }

  it('ioctl request numbers', () => {
    expect({ ...IOCTL }).toEqual(c.ioctl);
  });
});
