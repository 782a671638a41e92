// Bounded kernel writes (src/plan/bounded.ts): one long-lived writer child per
// run, fed writes over a pipe, against the former design (one node child
// spawned per write) and against a plain synchronous write. N writes to plain
// files (what the kernel's cost would be added to), median of interleaved runs.
// Run alone: node bench/bounded-writer.mjs [N] [runs]; npm run bench includes it.
// Measured when it was written (2 shared cores, a sandbox guest running, so
// absolute times are inflated; the ratios are the point): 8 writes, one child
// per run 0.11x the time of one child per write; 1 write, 0.96x (the same one
// start-up). A plain write stays far cheaper: that is why only the control
// files that can block go through the child (bounded.ts blockingKind).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { median, fmt } from './lib.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const N = Number(process.argv[2] ?? 8);
const RUNS = Number(process.argv[3] ?? 15);

const dir = mkdtempSync(join(tmpdir(), 'accelctl-bounded-bench-'));
const out = join(repo, 'node_modules/.cache/accelctl-bench/bounded.mjs');
buildSync({ entryPoints: [join(repo, 'src/plan/bounded.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'error' });
const { BoundedWriter } = await import(out);

// The former writer (src/plan/writer.ts before the long-lived child): one node start-up per write.
const OLD_CHILD = `
const fs = require('node:fs');
const [path, value] = process.argv.slice(1);
try {
  fs.writeSync(1, 'w');
  const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
  fs.writeSync(fd, value);
  fs.closeSync(fd);
} catch (e) {
  process.stderr.write(String(e.code || e.message));
  process.exit(1);
}`;
const oldWrite = (path, value) =>
  new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['-e', OLD_CHILD, path, value], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });

const files = Array.from({ length: N }, (_, i) => join(dir, `remove${i}`));
for (const f of files) writeFileSync(f, '');

const cases = {
  'plain write (unbounded)': async () => {
    for (const f of files) {
      const fd = openSync(f, constants.O_WRONLY | constants.O_TRUNC);
      writeSync(fd, '1');
      closeSync(fd);
    }
  },
  'one child per write (before)': async () => {
    for (const f of files) await oldWrite(f, '1');
  },
  'one child per run (now)': async () => {
    const w = new BoundedWriter();
    for (const f of files) {
      const r = await w.write(f, '1', 10_000);
      if (r.state !== 'done') throw new Error(JSON.stringify(r));
    }
    w.close();
  },
};

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < RUNS + 2; i++) {
  for (const [k, fn] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= 2) samples[k].push(ms);
  }
}
rmSync(dir, { recursive: true, force: true });
const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
console.log(`bounded writes, ${N} per run (median of ${RUNS}):`);
for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(30)} ${fmt(v)}`);
const ratio = m['one child per run (now)'] / m['one child per write (before)'];
console.log(`  ratio now / before = ${ratio.toFixed(2)}x (${N} writes; the child's start-up is paid once)`);
