// Text from the system reaches the terminal escaped; JSON keeps it exact.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeControl } from '../../src/render/escape.js';
import { accelctl } from '../helpers/cli.js';

const QEMU = path.resolve(__dirname, '../fixtures/machines/qemu-6.1');
const COMM = 'evil\u001b]0;owned\u0007\u001b[2J';
const NAME = 'Single \u001b[31mred\u001b[0m port\u009b';
const TYPE = 'sys/devices/virtual/mtty/mtty/mdev_supported_types/mtty-1';
const HELD = '0b0e0b0e-0001-4000-8000-000000000001';
let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-escape-'));
  fs.cpSync(QEMU, root, { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(path.join(root, 'proc/266/comm'), COMM + '\n');
  fs.writeFileSync(path.join(root, TYPE, 'name'), NAME + '\n');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const noControl = (s: string) => expect(s).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);

describe('escapeControl', () => {
  it('escapes C0, DEL, C1 and the bidi and line-separator controls; leaves text, backslashes and non-ASCII letters', () => {
    expect(escapeControl('a\u001b[1mb\tc\nd\u007f\u009b\u202e\u2028')).toBe('a\\x1b[1mb\\x09c\\x0ad\\x7f\\x9b\\u202e\\u2028');
    expect(escapeControl('qemu-system-x86 ünï \\x1b')).toBe('qemu-system-x86 ünï \\x1b');
  });
});

describe('system text in the output', () => {
  it('list: a holder comm with an ESC sequence is shown escaped; --json has it exact', () => {
    const text = accelctl(['--root', root, 'list']);
    expect(text.code).toBe(0);
    noControl(text.stdout);
    expect(text.stdout).toContain('266 (evil\\x1b]0;owned\\x07\\x1b[2J)');
    const json = accelctl(['--root', root, 'list', '--json']);
    const held = (JSON.parse(json.stdout) as { partitions: { uuid: string; holders: { command: string }[] }[] }).partitions.find((p) => p.uuid === HELD)!;
    expect(held.holders[0]!.command).toBe(COMM);
  });

  it('groups: the same', () => {
    const r = accelctl(['--root', root, 'groups']);
    noControl(r.stdout);
    expect(r.stdout).toContain('266 (evil\\x1b]0;owned\\x07\\x1b[2J)');
  });

  it('types: a type name with escapes from the driver is shown escaped; --json has it exact', () => {
    const r = accelctl(['--root', root, 'types', '--parent', 'mtty']);
    expect(r.code).toBe(0);
    noControl(r.stdout);
    expect(r.stdout).toContain('Single \\x1b[31mred\\x1b[0m port\\x9b');
    const j = JSON.parse(accelctl(['--root', root, 'types', '--parent', 'mtty', '--json']).stdout);
    expect(JSON.stringify(j)).toContain(JSON.stringify(NAME).slice(1, -1));
  });

  it('remove of a held partition: the refusal names the holder escaped', () => {
    const r = accelctl(['--root', root, 'remove', HELD], { ACCELCTL_ALLOW_NONROOT: '1' });
    noControl(r.stderr);
    expect(r.stderr).toContain('(evil\\x1b]0;owned\\x07\\x1b[2J)');
  });
});

describe('system text in warnings and refusals (issue 9 audit)', () => {
  it('a garbage sysfs value with C1 and bidi controls is quoted escaped in its warning', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-escape-w-'));
    try {
      fs.cpSync(QEMU, dir, { recursive: true, verbatimSymlinks: true });
      fs.writeFileSync(path.join(dir, TYPE, 'available_instances'), '1\u009b2J\u202e\n');
      const r = accelctl(['--root', dir, 'types', '--parent', 'mtty']);
      expect(r.code).toBe(0);
      noControl(r.stderr);
      expect(r.stderr).not.toContain('\u202e');
      expect(r.stderr).toContain('"1\\x9b2J\\u202e" is not an integer');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bind refused for a mounted disk: a mount point with an ESC sequence and a newline is named escaped', async () => {
    const { makeHarness, runner } = await import('./lifecycle/harness.js');
    const h = makeHarness();
    try {
      const { MOUNTED_VF: VF, mountVfDisk } = await import('./lifecycle/mounted.js');
      // mountinfo escapes the newline as \012; the ESC is the kernel's raw byte.
      mountVfDisk(h.root, '40 1 259:8 / /media/u/\u001b]0;x\u0007\\012accelctl:\\040ok rw - vfat /dev/nvme1n1 rw\n');
      const err = await runner('bind')(h.ctx, [VF], {}).catch((e) => e);
      expect(err.exitCode).toBe(5);
      noControl(err.message);
      expect(err.message).toContain('/dev/nvme1n1 is mounted on /media/u/\\x1b]0;x\\x07\\x0aaccelctl: ok');
    } finally {
      h.cleanup();
    }
  });
});
