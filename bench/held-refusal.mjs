#!/usr/bin/env node
// How long `apply` takes to refuse a plan that would remove a partition a
// running QEMU holds open (it must refuse before any write, and never wait
// on the kernel's blocking remove), against the same apply with nothing to do
// on the same host: the ratio is what to quote (target <= 2x: the refusal only
// adds a scan of /proc for holders). Real kernel in the sandbox (one boot).
// Build first (npm run build).   node bench/held-refusal.mjs [--runs N]
// This is the timing that test/e2e/persist.test.ts ("apply refuses ... a
// running QEMU holds") used to assert as "under 10 s".
import { bootGuest, REPO, shq } from '../test/sandbox/guest.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 0) || 5;
const BIN = process.env.ACCELCTL_BENCH_BIN ?? `${REPO}/bin/accelctl`;
const acc = `node ${shq(BIN)}`;
const U1 = '5b0f0000-0000-4000-8000-0000000000b1';
const U2 = '5b0f0000-0000-4000-8000-0000000000b2';

async function sh(guest, script, ok = [0]) {
  const r = await guest.sh(script, { timeoutMs: 600_000 });
  if (!ok.includes(r.code)) throw new Error(`${script} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  return r;
}

/** Milliseconds of one command inside the guest, and its exit status. */
async function timed(guest, cmd, rc) {
  const r = await sh(guest, `t0=$(date +%s%N); ${cmd} >/dev/null 2>/tmp/bench.err; rc=$?; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 )) rc=$rc"`);
  const m = /ms=(\d+) rc=(\d+)/.exec(r.stdout);
  if (!m || Number(m[2]) !== rc) throw new Error(`${cmd}: exit ${m?.[2]}, expected ${rc}: ${(await sh(guest, 'cat /tmp/bench.err')).stdout}`);
  return Number(m[1]);
}

const plan = (partitions) => `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:${partitions}\n`;

const guest = await bootGuest({ name: 'bench-held-refusal' });
try {
  await sh(guest, `${acc} --version >/dev/null`);
  await sh(guest, `${acc} create --parent mtty --type mtty-1 --uuid ${U1} >/dev/null && ${acc} create --parent mtty --type mtty-1 --uuid ${U2} >/dev/null`);
  await sh(guest, `cat > /tmp/none.yaml <<'X'\n${plan(' []')}X`);
  await sh(guest, `cat > /tmp/same.yaml <<'X'\n${plan(`\n        - type: mtty-1\n          uuid: ${U1}\n        - type: mtty-1\n          uuid: ${U2}`)}X`);
  const group = (await sh(guest, `basename $(readlink /sys/bus/mdev/devices/${U1}/iommu_group)`)).stdout.trim();
  const pid = (
    await sh(
      guest,
      `setsid qemu-system-x86_64 -machine q35 -accel tcg -m 64 -nographic -S -nodefaults ` +
        `-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/${U1} </dev/null >/tmp/qemu.log 2>&1 & echo $!`,
    )
  ).stdout.trim();
  await sh(guest, `for i in $(seq 1 300); do ls -l /proc/${pid}/fd 2>/dev/null | grep -q /dev/vfio/${group} && exit 0; sleep 0.1; done; cat /tmp/qemu.log; exit 1`);
  const refused = [];
  const noop = [];
  for (let i = 0; i < runs; i++) {
    refused.push(await timed(guest, `${acc} apply -f /tmp/none.yaml`, 5));
    noop.push(await timed(guest, `${acc} apply -f /tmp/same.yaml`, 0));
  }
  await sh(guest, `kill ${pid}; for i in $(seq 1 100); do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.1; done; exit 1`);
  const live = (await sh(guest, 'ls /sys/bus/mdev/devices | wc -l')).stdout.trim();
  if (live !== '2') throw new Error(`${live} mdevs live after the refusals, expected 2`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const r = median(refused);
  const n = median(noop);
  console.log(`apply refused (partition held by QEMU, exit 5): median ${r} ms (runs: ${refused.join(', ')})`);
  console.log(`apply with nothing to do:                      median ${n} ms (runs: ${noop.join(', ')})`);
  console.log(`ratio refused/no-op: ${(r / n).toFixed(2)}x (target <= 2x)`);
  if (r / n > 2) process.exitCode = 1;
} finally {
  await guest.close();
}
