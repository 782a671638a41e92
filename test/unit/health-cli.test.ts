// health as CI runs it, through bin/accelctl on fixture trees: finding no
// device, or not the number expected, is a failure unless asked for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHost } from '../gen/generate.mjs';
import { accelctl } from '../helpers/cli.js';
import { ROOT } from './vfio-fake.js';

let empty: string;

beforeAll(() => {
  empty = mkdtempSync(join(tmpdir(), 'accelctl-health-'));
  // A host with an mdev parent and a function on a host driver: nothing VFIO can test.
  buildHost(empty, {
    nodes: [{ cpus: '0-1', distances: [10] }],
    pci: [{ address: '0000:00:02.0', vendor: '0x1af4', device: '0x1041', class: '0x020000', driver: 'virtio-pci', numaNode: 0, group: 1 }],
    parents: [{ name: 'mtty', types: [{ id: 'mtty-1', availableInstances: 24 }] }],
  });
});

afterAll(() => rmSync(empty, { recursive: true, force: true }));

describe('health: no false green', () => {
  it('no VFIO device: exit 1, one line, nothing on stdout (text and --json)', () => {
    for (const json of [[], ['--json']]) {
      const r = accelctl(['--root', empty, 'health', ...json]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.split('\n')[0]).toBe('accelctl: no VFIO devices found');
      expect(r.stdout).toBe('');
    }
  });

  it('--allow-none and --expect 0 accept a host without devices: exit 0, an empty report', () => {
    for (const flag of [['--allow-none'], ['--expect', '0']]) {
      const r = accelctl(['--root', empty, 'health', '--json', ...flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ schemaVersion: 1, results: [] });
    }
  });

  it('--expect N with fewer or more devices: exit 1 naming the count and the devices, before any test', () => {
    // The captured guest has three: two live mdevs and one function on vfio-pci.
    for (const n of ['2', '4']) {
      const r = accelctl(['--root', ROOT, 'health', '--expect', n]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^accelctl: expected ${n} VFIO devices, found 3 \\(0b0e0b0e-0001-4000-8000-000000000001, 0b0e0b0e-0002-4000-8000-000000000002, 0000:41:00.0\\)`));
      expect(r.stdout).toBe('');
    }
    const named = accelctl(['--root', ROOT, 'health', '0b0e0b0e-0002-4000-8000-000000000002', '--expect', '2']);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/^accelctl: expected 2 VFIO devices, found 1 /);
  });

  it('bad values are usage errors: --expect -1, --jobs 0, --allow-none with --expect, --timeout 5x', () => {
    for (const args of [['--expect', '-1'], ['--jobs', '0'], ['--allow-none', '--expect', '1'], ['--timeout', '5x']]) {
      const r = accelctl(['--root', empty, 'health', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
    }
  });
});
