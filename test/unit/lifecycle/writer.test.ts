import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsWriter } from '../../../src/plan/writer.js';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const setup = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-writer-')));

describe('fsWriter', () => {
  it('writes exactly the value, replacing the old content, and never creates a missing file', () => {
    setup();
    const f = path.join(dir, 'create');
    fs.writeFileSync(f, 'something longer');
    fsWriter.write(f, 'abc');
    expect(fs.readFileSync(f, 'utf8')).toBe('abc');
    expect(() => fsWriter.write(path.join(dir, 'nosuch'), '1')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(fs.existsSync(path.join(dir, 'nosuch'))).toBe(false);
  });

  it('a bounded write that completes is done; one that fails names the errno', async () => {
    setup();
    const f = path.join(dir, 'remove');
    fs.writeFileSync(f, '');
    expect(await fsWriter.writeBounded(f, '1', 5000)).toEqual({ state: 'done' });
    expect(fs.readFileSync(f, 'utf8')).toBe('1');
    expect(await fsWriter.writeBounded(path.join(dir, 'nosuch'), '1', 5000)).toEqual({ state: 'failed', errno: 'ENOENT' });
  });

  it('a write that blocks (a FIFO nobody reads) is given up on after the bound, without hanging us', async () => {
    setup();
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    expect(await fsWriter.writeBounded(fifo, '1', 300)).toEqual({ state: 'pending' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    // Unblock the child left behind: it finishes its write into our reader.
    const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    await new Promise((r) => setTimeout(r, 1000));
    const buf = Buffer.alloc(8);
    expect(fs.readSync(fd, buf)).toBe(1);
    expect(buf.toString('utf8', 0, 1)).toBe('1');
    fs.closeSync(fd);
  });
});
