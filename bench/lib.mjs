// Small timing helpers shared by the benchmarks: medians of wall time,
// measured side by side (interleaved) so a noisy neighbour hits both.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export function timeOnce(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 400)}`);
  }
  return ms;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs each named command `runs` times, interleaved; returns medians in ms. */
export function sideBySide(cases, runs, warmup = 2) {
  const samples = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of cases) {
      const ms = timeOnce(c.cmd, c.args, c.opts);
      if (i >= warmup) samples[c.name].push(ms);
    }
  }
  return Object.fromEntries(cases.map((c) => [c.name, median(samples[c.name])]));
}

export function sandboxInfo(repo) {
  const p = `${repo}/.sandbox-cache/current.json`;
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
}

export const fmt = (ms) => `${ms.toFixed(1)} ms`;
