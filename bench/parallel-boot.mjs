#!/usr/bin/env node
// Boot-time start on the real kernel in the sandbox (one boot): as udev does
// when parents register, one `accelctl start --auto --parent P` per parent, all
// at once, against mdevctl 1.2.0's `mdevctl start-parent-mdevs P` doing the
// same from the same definitions. Each parent gets as many auto definitions
// as its first type has room for, up to 16 (the sandbox has mtty, mdpy and
// mbochs). Wall time of the whole parallel start, interleaved runs, medians;
// prints the ratio (target: accelctl at most 0.5x of mdevctl).
// Build first (npm run build).   node bench/parallel-boot.mjs [--runs N]
import { bootGuest, REPO, shq } from '../test/sandbox/guest.mjs';
import { median } from './lib.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 0) || 3;
const BIN = process.env.ACCELCTL_BENCH_BIN ?? `${REPO}/bin/accelctl`;
const acc = `node ${shq(BIN)}`;

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
    `t0=$(date +%s%N); for p in ${parents}; do ( ${cmd} $p >/dev/null 2>/tmp/pb.$p.err || echo "$p failed: $(cat /tmp/pb.$p.err)" ) & done; wait; t1=$(date +%s%N); echo "ms=$(( (t1 - t0) / 1000000 ))"; ls /sys/bus/mdev/devices | wc -l`;
  const clear = 'for u in $(ls /sys/bus/mdev/devices); do echo 1 > /sys/bus/mdev/devices/$u/remove; done';
  const tools = {
    accelctl: `${acc} start --auto --parent`,
    mdevctl: 'mdevctl start-parent-mdevs',
  };
  const times = { accelctl: [], mdevctl: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, cmd] of Object.entries(tools)) {
      const o = await sh(guest, parallel(cmd));
      if (/failed:/.test(o)) throw new Error(`${name}: ${o}`);
      const started = Number(o.trim().split('\n').pop());
      if (started !== total) throw new Error(`${name} run ${i}: ${started} of ${total} partitions started`);
      times[name].push(Number(/ms=(\d+)/.exec(o)[1]));
      await sh(guest, clear);
    }
  }
  const a = median(times.accelctl);
  const m = median(times.mdevctl);
  console.log(`parents: ${rooms.map((r) => `${r.parent} (${r.n} x ${r.type})`).join(', ')}: ${total} auto definitions`);
  console.log(`accelctl start --auto --parent P, in parallel: ${times.accelctl.join(', ')} ms (median ${a})`);
  console.log(`mdevctl start-parent-mdevs P, in parallel:     ${times.mdevctl.join(', ')} ms (median ${m})`);
  console.log(`ratio accelctl/mdevctl: ${(a / m).toFixed(2)} (target <= 0.5)`);
} finally {
  await guest.close();
}
