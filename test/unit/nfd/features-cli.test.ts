// `accelctl features`: the command around src/nfd/features.ts, on a copy of
// the captured qemu-6.1 tree; its --json checked against its JSON Schema.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { TABLE } from '../../../src/commands/table.js';
import type { Context } from '../../../src/context.js';
import { invoke, type Mode } from '../../../src/entry.js';
import { fsWriter } from '../../../src/plan/writer.js';
import { Env } from '../../../src/env.js';
import { AccelError, EXIT } from '../../../src/errors.js';
import { schemaRegistry } from '../../../src/schemas/index.js';
import { makeCtx, REPO } from '../inventory/helpers.js';

const DIR = 'etc/kubernetes/node-feature-discovery/features.d';
let roots: string[] = [];
afterEach(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  roots = [];
});
const SPEC = TABLE.find((s) => s.name === 'features')!;
/** Through the entry, as main runs it: parse (exit 2 on bad input), run, then the entry writes the report file (not in a dry run). */
const run = (ctx: Context, _args: string[], opts: Record<string, unknown>, mode: Mode = { dryRun: false, kernel: fsWriter }) =>
  invoke(SPEC, ctx, { args: [], opts }, mode, TABLE);
const copy = (): Env => {
  const root = mkdtempSync(join(tmpdir(), 'accelctl-features-'));
  cpSync(join(REPO, 'test/fixtures/machines/qemu-6.1'), root, { recursive: true, verbatimSymlinks: true });
  roots.push(root);
  return new Env(root);
};

describe('accelctl features', () => {
  it('writes the feature file into NFD\'s directory under --root, expiring an hour from now; --json follows its schema', async () => {
    const env = copy();
    const ctx = makeCtx(env, { json: true });
    const before = Date.now();
    const out = await run(ctx, [], { label: ['config=large', 'config.state=success'] });
    const file = join(env.root, DIR, 'accelctl');
    const text = readFileSync(file, 'utf8');
    const expiry = /^# \+expiry-time=(\S+)$/m.exec(text)![1]!;
    const ms = Date.parse(expiry) - before;
    expect(ms).toBeGreaterThan(3600_000 - 2000);
    expect(ms).toBeLessThanOrEqual(3600_000 + 60_000);
    expect(text).toContain('\naccelctl.io/mdev.mtty-1.available=21\n');
    expect(text.endsWith('accelctl.io/config=large\naccelctl.io/config.state=success\n')).toBe(true);
    expect(readdirSync(join(env.root, DIR))).toEqual(['accelctl']);
    expect(ctx.messages).toEqual(['wrote 13 labels to /etc/kubernetes/node-feature-discovery/features.d/accelctl']);
    const schema = (await schemaRegistry(TABLE).get('features')!()) as z.ZodType;
    expect(schema.parse(out.json)).toEqual(out.json);
    expect(out.json).toMatchObject({ path: '/etc/kubernetes/node-feature-discovery/features.d/accelctl', expiryTime: expiry, skipped: [] });
  });

  it('--output - prints the file and writes nothing; --expiry 0 leaves the directive out', async () => {
    const env = copy();
    const out = await run(makeCtx(env), [], { output: '-', expiry: '0' });
    expect(out.text).not.toContain('+expiry-time');
    expect(out.text).toContain('accelctl.io/vfio-ready=3\n');
    expect(existsSync(join(env.root, 'etc/kubernetes'))).toBe(false);
  });

  it('--dry-run writes no file and says what it would write', async () => {
    const env = copy();
    const ctx = makeCtx(env, { json: true });
    const out = await run(ctx, [], {}, { dryRun: true });
    expect(existsSync(join(env.root, 'etc/kubernetes'))).toBe(false);
    expect(ctx.messages).toEqual(['dry run: would write 11 labels to /etc/kubernetes/node-feature-discovery/features.d/accelctl']);
    expect(out).not.toHaveProperty('report');
  });

  it('--health: labels from the last health report (pass, fail, none), stale past --health-max-age; a missing file is exit 3, another file exit 1', async () => {
    const env = copy();
    const report = join(env.root, 'health.json');
    const labels = async (opts: Record<string, unknown>) => ((await run(makeCtx(env, { json: true }), [], { output: '-', health: report, ...opts })).text ?? '').split('\n').filter((l) => l.includes('health'));
    const ok = (device: string, pass: boolean) => ({ device, profile: 'mtty', profileVersion: 1, ok: pass, steps: [], metrics: {} });
    writeFileSync(report, JSON.stringify({ schemaVersion: 1, results: [ok('a', true), ok('b', true)] }));
    expect(await labels({})).toEqual(['accelctl.io/health=pass', 'accelctl.io/health.failed=0', 'accelctl.io/health.tested=2']);
    writeFileSync(report, JSON.stringify({ schemaVersion: 1, results: [ok('a', true), ok('b', false)] }));
    expect(await labels({})).toEqual(['accelctl.io/health=fail', 'accelctl.io/health.failed=1', 'accelctl.io/health.tested=2']);
    writeFileSync(report, JSON.stringify({ schemaVersion: 1, results: [] }));
    expect(await labels({})).toEqual(['accelctl.io/health=none', 'accelctl.io/health.failed=0', 'accelctl.io/health.tested=0']);
    // Two days old: the counts no longer describe the host.
    const old = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(report, old, old);
    expect(await labels({})).toEqual(['accelctl.io/health=stale']);
    expect(await labels({ healthMaxAge: '3d' })).toEqual(['accelctl.io/health=none', 'accelctl.io/health.failed=0', 'accelctl.io/health.tested=0']);
    const code = (opts: Record<string, unknown>) => run(makeCtx(env), [], { output: '-', ...opts }).then(() => 0, (e: AccelError) => e.exitCode);
    expect(await code({ health: join(env.root, 'nosuch.json') })).toBe(EXIT.notFound);
    writeFileSync(report, '<testsuites/>');
    expect(await code({ health: report })).toBe(EXIT.failed);
    expect(await code({ health: report, healthMaxAge: 'soon' })).toBe(EXIT.usage);
    writeFileSync(report, JSON.stringify({ schemaVersion: 1, results: [] }));
    expect(await code({ health: report, label: ['health=green'] })).toBe(EXIT.usage);
  });

  it('refuses a --label that is not a label, or one accelctl sets itself (exit 2), before writing', async () => {
    const env = copy();
    for (const label of ['no spaces=1', 'vfio-ready=9']) {
      const err = await run(makeCtx(env), [], { label: [label] }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, label).toBeInstanceOf(AccelError);
      expect((err as AccelError).exitCode).toBe(EXIT.usage);
    }
    expect(existsSync(join(env.root, 'etc/kubernetes'))).toBe(false);
  });
});
