#!/usr/bin/env node
// Boot-time start on the real kernel in the sandbox (one boot): as udev does
// when parents register, one `accelctl start --auto --parent P` per parent, all
// at once, against mdevctl 1.2.0's `mdevctl start-parent-mdevs P` doing the
// same from the same definitions. Each parent gets as many auto definitions
// as its first type has room for, up to 16 (the sandbox has mtty, mdpy and
// mbochs). Wall time of the whole parallel start, interleaved runs, medians;
// prints the ratio (target: accelctl at most 0.5x of mdevctl).
//
// In the same rounds, the floor under that ratio: one Node process per parent,
// all at once, doing nothing (`node -e 0`), and doing what any Node tool that
// takes an flock must do before its first write (load koffi and libc, flock a
// file). accelctl cannot start P processes in less than that; the report
// gives accelctl/mdevctl, floor/mdevctl and accelctl/floor.
// --base DIR adds a second accelctl (another checkout, built) to the same rounds,
// for before/after figures from one boot.
// Build first (npm run build).   node bench/parallel-boot.mjs [--runs N] [--base DIR]
import { bootGuest, REPO, shq } from '../test/sandbox/guest.mjs';
import { median } from './lib.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 0) || 3;
const BIN = process.env.ACCELCTL_BENCH_BIN ?? `${REPO}/bin/accelctl`;
const acc = `node ${shq(BIN)}`;
const baseAt = process.argv.indexOf('--base');
const BASE = baseAt > 0 ? process.argv[baseAt + 1] : undefined;
// What accelctl's flock costs to reach: koffi from the checkout, libc, one flock(2) on a file of the run's own.
const KOFFI = `const k=require(${JSON.stringify(`${REPO}/node_modules/koffi`)});const f=k.load('libc.so.6').func('int flock(int,int)');const fd=require('fs').openSync('/tmp/pb.floor.'+process.argv[1],'w');if(f(fd,6)!==0)process.exit(1)`;

async function sh(guest, script) {
  const r = await guest.sh(script, { timeoutMs: 900_000 });
  if (r.code !== 0) throw new Error(`${script} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const guest = await bootGuest({ name: 'bench-parallel-boot' });
try {
  await sh(guest, `${acc} --version >/dev/null && mdevctl --version`);
  const rooms = (await sh(guest, 'for p in /sys/class/mdev_bus/*; do t=$(ls $p/mdev_supported_types | head -1); echo "$(basename $p) $t $(cat $p/mdev_supported_types/$t/available_instances)"; done'))
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
    .map(([parent, type, n]) => ({ parent, type, n: Math.min(16, Number(n)) }))
    .filter((r) => r.n > 0);
  const total = rooms.reduce((s, r) => s + r.n, 0);
  for (const r of rooms) await sh(guest, `for i in $(seq 1 ${r.n}); do ${acc} define --parent ${r.parent} --type ${r.type} --auto >/dev/null || exit 1; done`);
  const parents = rooms.map((r) => r.parent).join(' ');
  const parallel = (cmd) =>
    `t0=$(date +%s%N); for p in ${parents}; do ( ${cmd.includes('$p') ? cmd : `${cmd} $p`} >/dev/null 2>/tmp/pb.$p.err || echo "$p failed: $(cat /tmp/pb.$p.err)" ) & done; wait; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 ))"; ls /sys/bus/mdev/devices | wc -l`;
  const clear = 'for u in $(ls /sys/bus/mdev/devices); do echo 1 > /sys/bus/mdev/devices/$u/remove; done';
  const tools = {
    accelctl: { cmd: `${acc} start --auto --parent`, starts: total },
    ...(BASE ? { 'accelctl (base)': { cmd: `node ${shq(`${BASE}/bin/accelctl`)} start --auto --parent`, starts: total } } : {}),
    mdevctl: { cmd: 'mdevctl start-parent-mdevs', starts: total },
    'node -e 0': { cmd: `node -e 0`, starts: 0 },
    'node + koffi + flock': { cmd: `node -e ${shq(KOFFI)}`, starts: 0 },
    // accelctl's own fixed cost: the same command for a parent with no definitions (start-up, bundle, koffi, the lock, the report).
    'accelctl, nothing to start': { cmd: `${acc} start --auto --parent none-$p`, starts: 0 },
  };
  const times = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, { cmd, starts }] of Object.entries(tools)) {
      const o = await sh(guest, parallel(cmd));
      if (/failed:/.test(o)) throw new Error(`${name}: ${o}`);
      const started = Number(o.trim().split('\n').pop());
      if (started !== starts) throw new Error(`${name} run ${i}: ${started} of ${starts} partitions started`);
      times[name].push(Number(/ms=(\d+)/.exec(o)[1]));
      if (starts > 0) await sh(guest, clear);
    }
  }
  const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  const n = rooms.length;
  const a = med.accelctl;
  const m = med.mdevctl;
  const floor = med['node + koffi + flock'];
  console.log(`parents: ${rooms.map((r) => `${r.parent} (${r.n} x ${r.type})`).join(', ')}: ${total} auto definitions`);
  console.log(`accelctl start --auto --parent P, in parallel: ${times.accelctl.join(', ')} ms (median ${a})`);
  if (BASE) console.log(`the same from ${BASE}:   ${times['accelctl (base)'].join(', ')} ms (median ${med['accelctl (base)']}; ratio ${(med['accelctl (base)'] / m).toFixed(2)} of mdevctl, this one ${(a / med['accelctl (base)']).toFixed(2)}x of it)`);
  console.log(`mdevctl start-parent-mdevs P, in parallel:     ${times.mdevctl.join(', ')} ms (median ${m})`);
  console.log(`floor, ${n} x node -e 0 in parallel:           ${times['node -e 0'].join(', ')} ms (median ${med['node -e 0']})`);
  console.log(`floor, ${n} x node + koffi + flock in parallel: ${times['node + koffi + flock'].join(', ')} ms (median ${floor})`);
  console.log(`accelctl with nothing to start, in parallel: ${times['accelctl, nothing to start'].join(', ')} ms (median ${med['accelctl, nothing to start']})`);
  console.log(`ratio accelctl/mdevctl: ${(a / m).toFixed(2)} (target <= 0.5)`);
  console.log(`ratio floor/mdevctl:    ${(med['node -e 0'] / m).toFixed(2)} (node -e 0), ${(floor / m).toFixed(2)} (node + koffi + flock): the target is below this when > 0.5`);
  console.log(`ratio accelctl/floor:   ${(a / floor).toFixed(2)} (accelctl's own work over node + koffi + flock); with nothing to start ${(med['accelctl, nothing to start'] / floor).toFixed(2)}`);
} finally {
  await guest.close();
}
