#!/usr/bin/env node
// Times `accelctl health` over 24 mtty partitions in the real-kernel sandbox
// (one boot): the self-tests side by side (--jobs J, default 2: the guest has
// 2 CPUs) against one after another (--jobs 1), interleaved, and prints both
// times and the ratio (target: at most 0.5x), and the time of `accelctl
// --version` (the start-up both pay). Build first (npm run build).
//   node bench/health.mjs [--runs N] [--jobs J]
// ACCELCTL_BENCH_BIN runs another build of accelctl inside the guest.
import { bootGuest, REPO, shq } from '../test/sandbox/guest.mjs';

const N = 24;
const arg = (name, dflt) => Number(process.argv[process.argv.indexOf(name) + 1] || 0) || dflt;
const runs = arg('--runs', 3);
const jobs = arg('--jobs', 2);
const BIN = process.env.ACCELCTL_BENCH_BIN ?? `${REPO}/bin/accelctl`;
const TARGET = 0.5;

async function timedHealth(guest, j) {
  // Milliseconds inside the guest, around the one command.
  const r = await guest.sh(
    `t0=$(date +%s%N); node ${shq(BIN)} health --json --expect ${N} --jobs ${j} >/tmp/health.json; rc=$?; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 ))"; exit $rc`,
    { timeoutMs: 900_000 },
  );
  if (r.code !== 0) throw new Error(`health --jobs ${j} failed (${r.code}):\n${r.stdout}${r.stderr}${(await guest.sh('cat /tmp/health.json')).stdout}`);
  const report = JSON.parse((await guest.sh('cat /tmp/health.json')).stdout);
  if (report.results.length !== N || !report.results.every((x) => x.ok)) throw new Error(`health --jobs ${j}: expected ${N} healthy results`);
  return Number(/ms=(\d+)\s*$/.exec(r.stdout)?.[1]);
}

const guest = await bootGuest({ name: 'bench-health' });
try {
  const create = await guest.sh(`node ${shq(BIN)} create --parent mtty --type mtty-1 --count ${N} >/dev/null && ls /sys/bus/mdev/devices | wc -l`);
  if (create.code !== 0 || create.stdout.trim() !== String(N)) throw new Error(`could not create ${N} partitions: ${create.stdout}${create.stderr}`);
  // Warm the page cache and give every mtty its first MSI eventfd, so no run pays first-time costs.
  await timedHealth(guest, 1);
  const one = [];
  const side = [];
  const start = [];
  for (let i = 0; i < runs; i++) {
    one.push(await timedHealth(guest, 1));
    side.push(await timedHealth(guest, jobs));
    const v = await guest.sh(`t0=$(date +%s%N); node ${shq(BIN)} --version >/dev/null; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 ))"`);
    start.push(Number(/ms=(\d+)/.exec(v.stdout)?.[1]));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const a = median(one);
  const b = median(side);
  const cpus = (await guest.sh('nproc')).stdout.trim();
  console.log(`health over ${N} mtty partitions, guest with ${cpus} CPUs, median of ${runs}:`);
  console.log(`  --jobs 1 (one after another): ${a} ms (runs: ${one.join(', ')})`);
  console.log(`  --jobs ${jobs} (side by side):     ${b} ms (runs: ${side.join(', ')})`);
  console.log(`  accelctl --version (start-up, paid by both): ${median(start)} ms (runs: ${start.join(', ')})`);
  console.log(`  ratio side by side / one after another = ${(b / a).toFixed(2)}x (target <= ${TARGET}x)`);
  const s = median(start);
  console.log(`  ratio without the start-up = ${((b - s) / (a - s)).toFixed(2)}x`);
} finally {
  await guest.close();
}
