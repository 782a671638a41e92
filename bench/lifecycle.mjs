#!/usr/bin/env node
// Times `accelctl create --count 24` against 24 `mdevctl start` runs in the
// real-kernel sandbox (one boot), removing the partitions after each, and
// prints both times and the ratio. Build first (npm run build).
//   node bench/lifecycle.mjs [--runs N]
// ACCELCTL_BENCH_BIN runs another build of accelctl inside the guest.
import { bootGuest, REPO, shq } from '../test/sandbox/guest.mjs';

const N = 24;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 0) || 1;
const BIN = process.env.ACCELCTL_BENCH_BIN ?? `${REPO}/bin/accelctl`;
const TYPE = '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1';

/** Milliseconds of the part of `script` between the two timestamps, measured inside the guest. */
function timed(script) {
  return `t0=$(date +%s%N); ${script}; rc=$?; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 ))"; exit $rc`;
}

async function run(guest, label, script) {
  const r = await guest.sh(timed(script), { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`${label} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  const ms = Number(/ms=(\d+)\s*$/.exec(r.stdout)?.[1]);
  const live = Number((await guest.sh('ls /sys/bus/mdev/devices | wc -l')).stdout.trim());
  if (live !== N) throw new Error(`${label}: ${live} mdevs live, expected ${N}`);
  return ms;
}

async function clean(guest) {
  const r = await guest.sh(`for u in $(ls /sys/bus/mdev/devices); do echo 1 > /sys/bus/mdev/devices/$u/remove; done; cat ${TYPE}/available_instances`);
  if (r.stdout.trim() !== String(N)) throw new Error(`cleanup left ${r.stdout.trim()} available instead of ${N}`);
}

const guest = await bootGuest({ name: 'bench-lifecycle' });
try {
  // Warm the page cache (node, the bundle, mdevctl) so neither side pays first-run costs.
  await guest.sh(`node ${shq(BIN)} --version; mdevctl list >/dev/null`);
  const acc = [];
  const mdc = [];
  for (let i = 0; i < runs; i++) {
    acc.push(await run(guest, 'accelctl', `node ${shq(BIN)} create --parent mtty --type mtty-1 --count ${N} >/dev/null`));
    await clean(guest);
    mdc.push(
      await run(
        guest,
        'mdevctl',
        `for i in $(seq 1 ${N}); do mdevctl start --parent mtty --type mtty-1 -u $(cat /proc/sys/kernel/random/uuid) >/dev/null || exit 1; done`,
      ),
    );
    await clean(guest);
  }
  const best = (xs) => Math.min(...xs);
  const a = best(acc);
  const m = best(mdc);
  console.log(`accelctl create --count ${N}: ${a} ms (runs: ${acc.join(', ')})`);
  console.log(`${N} x mdevctl start:         ${m} ms (runs: ${mdc.join(', ')})`);
  console.log(`ratio mdevctl/accelctl: ${(m / a).toFixed(1)}x`);
} finally {
  await guest.close();
}
