import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { givenOf, type Raw } from '../../src/command.js';
import { check, runWith as healthWith } from '../../src/commands/health.js';
import { TABLE } from '../../src/commands/table.js';
import { deliverReport } from '../../src/entry.js';
import { replaceFile, writeFileAtomic } from '../../src/files.js';
import { fsWriter } from '../../src/plan/writer.js';
import { FakeSys, testContext } from './vfio-fake.js';

/** health's options as the entry gets them: parsed by the table, then the command's check. */
const parseHealth = (raw: Raw) => check(givenOf(TABLE.find((c) => c.name === 'health')!, raw));

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const tmp = () => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-files-')));

describe('files accelctl writes where others may write', () => {
  it('health --output: links planted at the target and at the old guessable temporary name are never written through', async () => {
    tmp();
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    const out = path.join(dir, 'report.json');
    fs.symlinkSync(victim, out);
    fs.symlinkSync(victim, `${out}.tmp-${process.pid}`);
    const ctx = testContext();
    deliverReport(ctx, await healthWith(ctx, parseHealth({ args: [], opts: { json: true, output: out, format: 'json' } }), new FakeSys()), { dryRun: false, kernel: fsWriter });
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.lstatSync(out).isFile()).toBe(true);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).schemaVersion).toBe(1);
    expect(fs.statSync(out).mode & 0o777).toBe(0o644);
    // Only the planted link is left beside it: no temporary behind.
    expect(fs.readdirSync(dir).sort()).toEqual(['report.json', 'report.json.tmp-' + process.pid, 'victim']);
  });

  it('health --output under --dry-run: the tests run, no report file is written, and it says so', async () => {
    tmp();
    const out = path.join(dir, 'report.json');
    const said: string[] = [];
    const ctx = { ...testContext(), info: (m: string) => said.push(m) };
    const r = deliverReport(ctx, await healthWith(ctx, parseHealth({ args: [], opts: { output: out, format: 'junit' } }), new FakeSys()), { dryRun: true });
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(said).toEqual([`dry run: would write junit report of 3 devices to ${out}`]);
    expect(r).not.toHaveProperty('report');
  });

  it('a definition written over a planted symlink replaces the link, not its target', () => {
    tmp();
    const victim = path.join(dir, 'shadow');
    fs.writeFileSync(victim, 'root:x:0:\n');
    const def = path.join(dir, 'etc/mdevctl.d/mtty/11111111-2222-4333-8444-555555555555');
    fs.mkdirSync(path.dirname(def), { recursive: true });
    fs.symlinkSync(victim, def);
    replaceFile(def, '{}');
    expect(fs.readFileSync(victim, 'utf8')).toBe('root:x:0:\n');
    expect(fs.lstatSync(def).isFile()).toBe(true);
    expect(fs.readFileSync(def, 'utf8')).toBe('{}');
  });

  it('a failed rename leaves no temporary behind and the target as it was', () => {
    tmp();
    const target = path.join(dir, 'adir');
    fs.mkdirSync(target);
    expect(() => writeFileAtomic(target, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(fs.readdirSync(dir)).toEqual(['adir']);
    expect(fs.lstatSync(target).isDirectory()).toBe(true);
  });

  it('modes: the given one (0600 for private state), directories created 0700 when asked', () => {
    tmp();
    const p = path.join(dir, 'run/accelctl/bind/x.json');
    writeFileAtomic(p, '{}', { mode: 0o600, dirMode: 0o700 });
    expect(fs.statSync(p).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(p)).mode & 0o777).toBe(0o700);
  });
});

describe('/dev/vfio/N ownership (bind --owner, sriov undo)', () => {
  it('the writer never follows a link planted where the node should be: ELOOP, the link and its target untouched', async () => {
    const { fsWriter } = await import('../../src/plan/writer.js');
    tmp();
    const victim = path.join(dir, 'shadow');
    fs.writeFileSync(victim, 'root only\n', { mode: 0o600 });
    const node = path.join(dir, '13');
    fs.symlinkSync(victim, node);
    for (const change of [() => fsWriter.chown(node, 4242, 104), () => fsWriter.chmod(node, 0o660)]) {
      let err: unknown;
      try {
        change();
      } catch (e) {
        err = e;
      }
      expect((err as NodeJS.ErrnoException).code).toBe('ELOOP');
    }
    const st = fs.statSync(victim);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([0, 0, 0o600]);
    expect(fs.lstatSync(node).isSymbolicLink()).toBe(true);
  });

  it('a node is given its owner and mode 0660', async () => {
    const { fsWriter } = await import('../../src/plan/writer.js');
    tmp();
    const node = path.join(dir, '13');
    fs.writeFileSync(node, '', { mode: 0o600 });
    fsWriter.chown(node, 4242, 104);
    fsWriter.chmod(node, 0o660);
    const st = fs.lstatSync(node);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([4242, 104, 0o660]);
  });
});
