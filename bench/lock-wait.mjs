#!/usr/bin/env node
// How long one boot-time `start --auto --parent P` holds the host lock when P
// has 16 auto definitions, on the real kernel in the sandbox (one boot). At
// boot udev runs one per parent at once, so with 8 parents the last waits for
// 7 of them: the default ACCELCTL_LOCK_TIMEOUT (src/lock.ts) must exceed that.
// Build first (npm run build).   node bench/lock-wait.mjs [--runs N]
import { bootGuest, REPO, shq } from '../test/sandbox/guest.mjs';

const N = 16;
const PARENTS = 8;
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 0) || 3;
const BIN = process.env.ACCELCTL_BENCH_BIN ?? `${REPO}/bin/accelctl`;
const acc = `node ${shq(BIN)}`;

async function sh(guest, script) {
  const r = await guest.sh(script, { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`${script} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const guest = await bootGuest({ name: 'bench-lock-wait' });
try {
  await sh(guest, `${acc} --version >/dev/null`);
  await sh(guest, `for i in $(seq 1 ${N}); do ${acc} define --parent mtty --type mtty-1 --auto >/dev/null || exit 1; done`);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = await sh(
      guest,
      `t0=$(date +%s%N); ${acc} start --auto --parent mtty >/dev/null || exit 1; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 ))"; ls /sys/bus/mdev/devices | wc -l`,
    );
    const ms = Number(/ms=(\d+)/.exec(out)?.[1]);
    const live = Number(out.trim().split('\n').pop());
    if (live !== N) throw new Error(`run ${i}: ${live} mdevs live, expected ${N}`);
    times.push(ms);
    await sh(guest, `${acc} stop --all >/dev/null 2>&1 || for u in $(ls /sys/bus/mdev/devices); do echo 1 > /sys/bus/mdev/devices/$u/remove; done`);
  }
  await sh(guest, `for u in $(ls /etc/mdevctl.d/mtty); do ${acc} undefine $u >/dev/null; done`);
  const worst = Math.max(...times);
  console.log(`start --auto --parent mtty, ${N} auto definitions: ${times.join(', ')} ms (worst ${worst})`);
  console.log(`the last of ${PARENTS} parallel parents waits about ${PARENTS - 1} x ${worst} = ${((PARENTS - 1) * worst / 1000).toFixed(1)} s`);
} finally {
  await guest.close();
}
