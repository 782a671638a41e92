// The values the completion scripts offer, as `accelctl __complete` reads them
// from a host tree (here the captured qemu-6.1 machine).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { candidates } from '../../src/commands/complete.js';
import { Env } from '../../src/env.js';
import { accelctl } from '../helpers/cli.js';

const ROOT = 'test/fixtures/machines/qemu-6.1';
const env = new Env(ROOT);
const MTTY1 = '0b0e0b0e-0001-4000-8000-000000000001';
const MTTY2 = '0b0e0b0e-0002-4000-8000-000000000002';

describe('__complete candidates from a host tree', () => {
  it('parents: the mdev parents', () => {
    expect(candidates(env, 'parents')).toEqual(['mbochs', 'mdpy', 'mtty']);
  });
  it('types: every type id, or those of one parent', () => {
    expect(candidates(env, 'types')).toEqual(['mbochs-large', 'mbochs-medium', 'mbochs-small', 'mdpy-hd', 'mdpy-vga', 'mdpy-xga', 'mtty-1', 'mtty-2']);
    expect(candidates(env, 'types', 'mtty')).toEqual(['mtty-1', 'mtty-2']);
    expect(candidates(env, 'types', 'nosuch')).toEqual([]);
  });
  it('a --parent that is not a plain sysfs name filters nothing and reaches nothing outside', () => {
    expect(candidates(env, 'types', '../../../..')).toEqual(candidates(env, 'types'));
  });
  it('live UUIDs, of one parent too', () => {
    expect(candidates(env, 'live-uuids')).toEqual([MTTY1, MTTY2]);
    expect(candidates(env, 'live-uuids', 'mtty')).toEqual([MTTY1, MTTY2]);
    expect(candidates(env, 'live-uuids', 'mdpy')).toEqual([]);
  });
  it('PCI addresses in address order, devices add the live mdevs, groups are numbers', () => {
    const pci = candidates(env, 'pci');
    expect(pci).toContain('0000:81:00.0');
    expect(pci.indexOf('0000:00:02.0')).toBeLessThan(pci.indexOf('0000:00:1f.0'));
    expect(pci).toHaveLength(16);
    expect(candidates(env, 'devices')).toEqual([...pci, MTTY1, MTTY2]);
    expect(candidates(env, 'groups')).toEqual(Array.from({ length: 16 }, (_, i) => String(i)));
  });
  it('an unknown kind offers nothing', () => {
    expect(candidates(env, 'bogus')).toEqual([]);
  });

  describe('with saved definitions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'accelctl-complete-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(ROOT, dir, { recursive: true, verbatimSymlinks: true });
    const saved = '5ae0d000-0000-4000-8000-000000000001';
    mkdirSync(join(dir, 'etc/mdevctl.d/mtty'), { recursive: true });
    mkdirSync(join(dir, 'etc/mdevctl.d/gone0'), { recursive: true });
    writeFileSync(join(dir, 'etc/mdevctl.d/mtty', saved), '{"mdev_type":"mtty-1","start":"manual","attrs":[]}\n');
    writeFileSync(join(dir, 'etc/mdevctl.d/gone0', MTTY2), '{"mdev_type":"x","start":"auto","attrs":[]}\n');
    const e = new Env(dir);
    it('defined UUIDs, the union with live ones, and parents only a definition names', () => {
      expect(candidates(e, 'defined-uuids')).toEqual([MTTY2, saved].sort());
      expect(candidates(e, 'defined-uuids', 'mtty')).toEqual([saved]);
      expect(candidates(e, 'uuids')).toEqual([MTTY1, MTTY2, saved].sort());
      expect(candidates(e, 'parents')).toEqual(['gone0', 'mbochs', 'mdpy', 'mtty']);
    });
  });
});

describe('accelctl __complete (what the scripts run)', () => {
  it('prints one candidate per line, honouring --root before or after it, and ACCELCTL_ROOT', () => {
    for (const args of [['__complete', 'parents', '--root', ROOT], ['--root', ROOT, '__complete', 'parents']]) {
      const r = accelctl(args);
      expect(r).toEqual({ code: 0, stdout: 'mbochs\nmdpy\nmtty\n', stderr: '' });
    }
    expect(accelctl(['__complete', 'types', '--parent', 'mtty'], { ACCELCTL_ROOT: ROOT }).stdout).toBe('mtty-1\nmtty-2\n');
  });
  it('never fails loudly: a missing root, an unknown kind, no kind or stray options print nothing and exit 0', () => {
    for (const args of [['__complete', 'parents', '--root', '/nonexistent/accelctl'], ['__complete', 'bogus', '--root', ROOT], ['__complete'], ['__complete', 'pci', '--frob', 'x', 'y', '--root', ROOT + '/proc/cmdline']]) {
      expect(accelctl(args)).toEqual({ code: 0, stdout: '', stderr: '' });
    }
  });
  it('is hidden from --help', () => {
    const h = accelctl(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).not.toContain('__complete');
  });
});
