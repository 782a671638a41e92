// What reaches the disk and in which order: node:fs wrapped to record each
// open (with its flags), fsync (by the path behind the fd), rename and unlink.
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const log: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const where = (fd: number) => real.readlinkSync(`/proc/self/fd/${fd}`);
  const wrapped = {
    ...real,
    openSync: (p: string, flags: number, mode?: number) => {
      const fd = real.openSync(p, flags, mode);
      if (typeof flags === 'number' && flags & real.constants.O_CREAT) log.push(`create ${p} ${flags}`);
      return fd;
    },
    fsyncSync: (fd: number) => {
      log.push(`fsync ${where(fd)}`);
      real.fsyncSync(fd);
    },
    renameSync: (a: string, b: string) => {
      log.push(`rename ${a} ${b}`);
      real.renameSync(a, b);
    },
    unlinkSync: (p: string) => {
      log.push(`unlink ${p}`);
      real.unlinkSync(p);
    },
  };
  return { ...wrapped, default: wrapped };
});

const fs = await vi.importActual<typeof import('node:fs')>('node:fs');
const { replaceFile, writeFileAtomic } = await import('../../src/files.js');

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-durable-'));
  log.length = 0;
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const UUID = '11111111-2222-4333-8444-555555555555';

describe('durable writes', () => {
  it('a new definition: the file is fsynced before its rename, then its directory, and /etc/mdevctl.d records the new parent directory', () => {
    fs.mkdirSync(path.join(root, 'etc/mdevctl.d'), { recursive: true });
    const def = path.join(root, 'etc/mdevctl.d/mtty', UUID);
    replaceFile(def, '{}');
    const tmpName = /^create (\S+) /.exec(log.find((l) => l.startsWith('create '))!)![1]!;
    expect(log).toEqual([
      `fsync ${path.join(root, 'etc/mdevctl.d')}`,
      expect.stringMatching(/^create /),
      `fsync ${tmpName}`,
      `rename ${tmpName} ${def}`,
      `fsync ${path.join(root, 'etc/mdevctl.d/mtty')}`,
    ]);
    expect(fs.readFileSync(def, 'utf8')).toBe('{}');
  });

  it('the temporary is opened O_CREAT|O_EXCL|O_NOFOLLOW under a fresh random name beside the target', () => {
    const target = path.join(root, 'report.xml');
    writeFileAtomic(target, 'a');
    writeFileAtomic(target, 'b');
    const creates = log.filter((l) => l.startsWith('create ')).map((l) => l.split(' '));
    expect(creates).toHaveLength(2);
    const { O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    for (const [, name, flags] of creates) {
      expect(path.dirname(name!)).toBe(root);
      expect(Number(flags) & (O_CREAT | O_EXCL | O_NOFOLLOW)).toBe(O_CREAT | O_EXCL | O_NOFOLLOW);
    }
    expect(creates[0]![1]).not.toBe(creates[1]![1]);
  });

  it('a removed definition: the unlink is followed by an fsync of its directory', () => {
    const def = path.join(root, 'etc/mdevctl.d/mtty', UUID);
    fs.mkdirSync(path.dirname(def), { recursive: true });
    fs.writeFileSync(def, '{}');
    replaceFile(def, null);
    expect(log).toEqual([`unlink ${def}`, `fsync ${path.dirname(def)}`]);
  });
});
