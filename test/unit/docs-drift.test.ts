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

describe('the man page', () => {
  it('formats with groff without a warning, and names every command, FILES and EXIT STATUS', async () => {
    const { spawnSync } = await import('node:child_process');
    // .ci/run installs groff-base; a machine without it fails here, loudly.
    const warn = spawnSync('groff', ['-man', '-ww', '-z', 'man/accelctl.8'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(warn.error, 'groff must be installed (apt-get install groff-base)').toBeUndefined();
    expect(warn.stderr).toBe('');
    expect(warn.status).toBe(0);
    const text = spawnSync('groff', ['-man', '-Tascii', '-P-cbou', 'man/accelctl.8'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }).stdout;
    const { COMMAND_NAMES } = await import('../../src/commands/table.js');
    for (const c of COMMAND_NAMES) expect(text).toMatch(new RegExp(`^   ${c}\\b`, 'm'));
    for (const h of ['FILES', 'EXIT STATUS', 'JSON OUTPUT']) expect(text).toMatch(new RegExp(`^${h}$`, 'm'));
    expect(text).toMatch(/contrib\/install\.sh\s+install/);
    expect(text).toContain('ACCELCTL_LOCK_TIMEOUT');
  });

  it('passes mandoc -T lint without a warning (a dated .TH, no markup mistakes)', async () => {
    const { spawnSync } = await import('node:child_process');
    // host-deps.sh test installs mandoc; a machine without it fails here, loudly.
    // -W warning: warnings and worse; STYLE notes (lines over 80 bytes) are below that.
    const r = spawnSync('mandoc', ['-T', 'lint', '-W', 'warning', 'man/accelctl.8'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(r.error, 'mandoc must be installed (apt-get install mandoc)').toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync('man/accelctl.8', 'utf8')).toMatch(/^\.TH ACCELCTL 8 \d{4}-\d{2}-\d{2} /);
  });
});
