// The inventory commands through the real entry: exit codes, one-line
// errors on stderr, nothing on stdout when failing, JSON only with --json.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accelctl } from '../helpers/cli.js';
import { profileTree, type Tree } from './inventory/helpers.js';

let t: Tree;
beforeAll(() => {
  t = profileTree('two-node');
});
afterAll(() => t.dispose());

describe('inventory commands through bin/accelctl', () => {
  it('types --json prints one JSON document and exits 0', () => {
    const r = accelctl(['--root', t.root, 'types', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ schemaVersion: 1, parents: [{ name: 'mtty' }] });
  });

  it('list text ends with the footer; ACCELCTL_ROOT works too', () => {
    const r = accelctl(['list'], { ACCELCTL_ROOT: t.root });
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('2 partitions listed');
  });

  it('--parent nosuch: exit 3, one line with did-you-mean, a hint, empty stdout', () => {
    const r = accelctl(['--root', t.root, 'types', '--parent', 'mttx']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('accelctl: no mdev parent mttx; did you mean mtty?\nhint: mdev parents: mtty\n');
  });

  it('--uuid that is not a UUID: exit 2', () => {
    const r = accelctl(['--root', t.root, 'list', '--uuid', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^accelctl: invalid UUID "abc"/);
  });

  it('--near-node 7 on a two-node host: exit 3 naming the nodes', () => {
    const r = accelctl(['--root', t.root, 'topology', '--near-node', '7']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('accelctl: no NUMA node 7\nhint: nodes: 0, 1\n');
  });

  it('--near-node and --near-cpu together: exit 2', () => {
    const r = accelctl(['--root', t.root, 'topology', '--near-node', '0', '--near-cpu', '0']);
    expect(r.code).toBe(2);
  });

  it('groups 99: exit 3; groups x: exit 2', () => {
    expect(accelctl(['--root', t.root, 'groups', '99']).code).toBe(3);
    expect(accelctl(['--root', t.root, 'groups', 'x']).code).toBe(2);
  });

  it('garbage available_instances: exit 0, the field null, one warning naming the kernel path, no stack', () => {
    const tree = profileTree('two-node');
    try {
      writeFileSync(join(tree.root, 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/available_instances'), 'abc\n');
      const r = accelctl(['--root', tree.root, 'types', '--json']);
      expect(r.code).toBe(0);
      const t = JSON.parse(r.stdout).parents.find((p: { name: string }) => p.name === 'mtty').types.find((x: { id: string }) => x.id === 'mtty-1');
      expect(t.availableInstances).toBeNull();
      expect(r.stderr).toBe('accelctl: warning: malformed /sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1/available_instances: "abc" is not an integer in 0..2147483647: shown as unknown\n');
    } finally {
      tree.dispose();
    }
  });

  it('a dangling /sys/class/mdev_bus entry is skipped', () => {
    const tree = profileTree('two-node');
    try {
      symlinkSync('../../devices/virtual/gone/gone', join(tree.root, 'sys/class/mdev_bus/gone'));
      const r = accelctl(['--root', tree.root, 'types', '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).parents.map((p: { name: string }) => p.name)).toEqual(['mtty']);
    } finally {
      tree.dispose();
    }
  });

  it('schema list prints a JSON Schema without --json', () => {
    const r = accelctl(['schema', 'list']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.properties.partitions.type).toBe('array');
  });

  it('half a megabyte of JSON arrives whole through a non-blocking pipe with a slow reader (short writes and EAGAIN)', async () => {
    const { spawn, execFileSync } = await import('node:child_process');
    const { closeSync, constants, mkdtempSync, openSync, rmSync } = await import('node:fs');
    const { Socket } = await import('node:net');
    const { BIN } = await import('../helpers/cli.js');
    const tree = profileTree('large', { parents: 8, mdevs: 2048 });
    const dir = mkdtempSync('/tmp/accelctl-pipe-');
    try {
      // O_NONBLOCK lives on the open file: the child's stdout is non-blocking too.
      execFileSync('mkfifo', [`${dir}/fifo`]);
      const rfd = openSync(`${dir}/fifo`, constants.O_RDONLY | constants.O_NONBLOCK);
      const wfd = openSync(`${dir}/fifo`, constants.O_WRONLY | constants.O_NONBLOCK);
      const child = spawn(process.execPath, [BIN, '--root', tree.root, 'list', '--json'], { stdio: ['ignore', wfd, 'pipe'] });
      closeSync(wfd);
      const reader = new Socket({ fd: rfd, readable: true, writable: false });
      reader.pause(); // let the pipe fill before reading anything
      const chunks: Buffer[] = [];
      reader.on('data', (c: Buffer) => chunks.push(c));
      setTimeout(() => reader.resume(), 300);
      const [code] = await Promise.all([
        new Promise<number | null>((res) => child.on('close', res)),
        new Promise<void>((res) => reader.on('end', res)),
      ]);
      expect(code).toBe(0);
      const out = Buffer.concat(chunks).toString('utf8');
      expect(out.length).toBeGreaterThan(500_000); // the pipe holds 64 KiB
      expect(JSON.parse(out).partitions).toHaveLength(2048);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      tree.dispose();
    }
  });
});
