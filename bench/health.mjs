#!/usr/bin/env node
// Times `accelctl health` over 24 mtty partitions in the real-kernel sandbox
// (one boot): the self-tests side by side (--jobs J, default 2: the guest has
// 2 CPUs) against one after another (--jobs 1), interleaved, and prints both
// times and the ratio (target: at most 0.5x). Then the floor under that ratio,
// measured in the same guest in the same minutes:
//   - start-up: `accelctl --version` (node, the CLI bundle), paid once by
//     both runs whatever the jobs; what is left of --jobs 1 is the part
//     side by side can shorten;
//   - parallelism: one shell busy loop alone vs J at once (TCG runs a vCPU
//     per host thread, but the host has 2 cores shared with other guests), so
//     P = J * one / J-at-once is how many CPUs' worth of work the guest
//     really gets side by side (J when the host is idle, 1 when it is full);
//   - floor = (start-up + (one after another - start-up) / P) / one after
//     another: the best ratio any scheduler could reach, worker start-up
//     free. A ratio near the floor is the guest's limit, not the code's.
// Build first (npm run build).
//   node bench/health.mjs [--runs N] [--jobs J]
// ACCELCTL_BENCH_BIN runs another build of accelctl inside the guest.
import { bootGuest, REPO, shq } from '../test/sandbox/guest.mjs';

const N = 24;
const arg = (name, dflt) => Number(process.argv[process.argv.indexOf(name) + 1] || 0) || dflt;
const runs = arg('--runs', 3);
const jobs = arg('--jobs', 2);
const BIN = process.env.ACCELCTL_BENCH_BIN ?? `${REPO}/bin/accelctl`;
const TARGET = 0.5;
/** Shell loop rounds of about a second of guest CPU under TCG. */
const SPIN = 100_000;

/** Milliseconds inside the guest around one script. */
async function timed(guest, script) {
  const r = await guest.sh(`t0=$(date +%s%N); ${script}; rc=$?; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 ))"; exit $rc`, { timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`${script} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  return Number(/ms=(\d+)\s*$/.exec(r.stdout)?.[1]);
}

async function timedHealth(guest, j) {
  const ms = await timed(guest, `node ${shq(BIN)} health --json --expect ${N} --jobs ${j} >/tmp/health.json`).catch(async (e) => {
    throw new Error(`health --jobs ${j}: ${e.message}${(await guest.sh('cat /tmp/health.json')).stdout}`);
  });
  const report = JSON.parse((await guest.sh('cat /tmp/health.json')).stdout);
  if (report.results.length !== N || !report.results.every((x) => x.ok)) throw new Error(`health --jobs ${j}: expected ${N} healthy results`);
  return ms;
}

const spin = `i=0; while [ $i -lt ${SPIN} ]; do i=$((i+1)); done`;

const guest = await bootGuest({ name: 'bench-health' });
try {
  const create = await guest.sh(`node ${shq(BIN)} create --parent mtty --type mtty-1 --count ${N} >/dev/null && ls /sys/bus/mdev/devices | wc -l`);
  if (create.code !== 0 || create.stdout.trim() !== String(N)) throw new Error(`could not create ${N} partitions: ${create.stdout}${create.stderr}`);
  // Warm the page cache. mtty keeps the first MSI eventfd an mdev is given,
  // so from the second run on every device skips its MSI queue (at once).
  await timedHealth(guest, 1);
  const one = [];
  const side = [];
  const start = [];
  const spinOne = [];
  const spinSide = [];
  for (let i = 0; i < runs; i++) {
    one.push(await timedHealth(guest, 1));
    side.push(await timedHealth(guest, jobs));
    start.push(await timed(guest, `node ${shq(BIN)} --version >/dev/null`));
    spinOne.push(await timed(guest, `sh -c ${shq(spin)}`));
    spinSide.push(await timed(guest, `${Array.from({ length: jobs }, () => `sh -c ${shq(spin)} &`).join(' ')} wait`));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const a = median(one);
  const b = median(side);
  const s = median(start);
  const p = Math.min(jobs, Math.max(1, (jobs * median(spinOne)) / median(spinSide)));
  const floor = (s + Math.max(0, a - s) / p) / a;
  const ratio = b / a;
  const cpus = (await guest.sh('nproc')).stdout.trim();
  console.log(`health over ${N} mtty partitions, guest with ${cpus} CPUs, median of ${runs} interleaved runs:`);
  console.log(`  --jobs 1 (one after another): ${a} ms (runs: ${one.join(', ')})`);
  console.log(`  --jobs ${jobs} (side by side):     ${b} ms (runs: ${side.join(', ')})`);
  console.log(`  ratio side by side / one after another = ${ratio.toFixed(2)}x (target <= ${TARGET}x)`);
  console.log(`  floor: start-up (accelctl --version) ${s} ms (runs: ${start.join(', ')}) of the ${a} ms;`);
  console.log(`         ${jobs} busy loops at once give ${p.toFixed(2)} CPUs' worth (one alone ${median(spinOne)} ms, ${jobs} at once ${median(spinSide)} ms)`);
  console.log(`  floor = (start-up + rest / ${p.toFixed(2)}) / one after another = ${floor.toFixed(2)}x: the best any scheduler could do here${floor > TARGET ? `; the ${TARGET}x target is below it` : ''}`);
  console.log(`  ratio / floor = ${(ratio / floor).toFixed(2)} (1.00: no overhead beyond the floor)`);
} finally {
  await guest.close();
}
