// The native shim against C on the real kernel (docs/kernel.md §6): the mtty FIFO
// loop (pwrite TX + pread RX per byte, device fd) and the edu doorbell loop
// (liveness write + read through mmapped BAR0), each run by accelctl's shim
// (bench/shim-loops.ts, the same functions the selftest profiles use) and by
// test/native/bench_loops.c, interleaved in one guest. Prints ops/s and the
// ratio shim / C (target >= 0.8x).
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bootGuest } from '../test/sandbox/guest.mjs';
import { median } from './lib.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
// Under the checkout so the guest (host root, read-only) sees it.
const out = join(repo, '.sandbox-cache', 'bench');
mkdirSync(out, { recursive: true });
execFileSync('cc', ['-O2', '-Wall', '-o', join(out, 'bench_loops'), join(repo, 'test/native/bench_loops.c')]);
await build({
  entryPoints: [join(repo, 'bench/shim-loops.ts')],
  outfile: join(out, 'shim-loops.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi'],
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  // koffi resolves from the checkout's node_modules.
  nodePaths: [join(repo, 'node_modules')],
});

const fmtUs = (s) => `${(s * 1e6).toFixed(2)} us`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const UUID = 'be4c0000-0000-4000-8000-000000000001';
const guest = await bootGuest({ name: 'bench-shim' });
let failed = false;
try {
  const sh = async (script) => {
    const r = await guest.sh(script, { timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`guest: ${script}: ${r.stderr || r.stdout}`);
    return r.stdout.trim();
  };
  await sh(`echo ${UUID} > /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create`);
  const edu = (await sh(`for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor):$(cat $d/device)" = 0x1234:0x11e8 ] && basename $d && break; done`)).split('\n')[0];
  await sh(`modprobe vfio-pci; d=/sys/bus/pci/devices/${edu}; echo vfio-pci > $d/driver_override; [ -e $d/driver ] && echo ${edu} > $d/driver/unbind; echo ${edu} > /sys/bus/pci/drivers_probe`);
  const group = async (dir) => (await sh(`basename $(readlink ${dir}/iommu_group)`)).trim();
  const loops = [
    { loop: 'null', device: '-', group: '-', n: 200_000, unit: 'calls/s' },
    { loop: 'mtty', device: UUID, group: await group(`/sys/bus/mdev/devices/${UUID}`), n: 100_000, unit: 'pairs/s' },
    { loop: 'edu', device: edu, group: await group(`/sys/bus/pci/devices/${edu}`), n: 5_000_000, unit: 'pairs/s' },
  ];
  const rates = {};
  for (const l of loops) {
    const c = [];
    const js = [];
    for (let i = 0; i < ROUNDS; i++) {
      c.push(JSON.parse(await sh(`${out}/bench_loops ${l.loop} ${l.group} ${l.device} ${l.n}`)).opsPerSec);
      js.push(JSON.parse(await sh(`node ${out}/shim-loops.mjs ${l.loop} ${l.device} ${l.n}`)).opsPerSec);
    }
    const ratio = median(js) / median(c);
    console.log(
      `shim ${l.loop} loop (${l.n} per run, median of ${ROUNDS} interleaved): C ${Math.round(median(c))} ${l.unit}, ` +
        `accelctl shim ${Math.round(median(js))} ${l.unit}, ratio ${ratio.toFixed(2)}x${l.loop === 'null' ? ' (calibration, no target)' : ' (target >= 0.80x)'}`,
    );
    console.log(`  runs: C ${c.map(Math.round).join(' ')}; shim ${js.map(Math.round).join(' ')}`);
    rates[l.loop] = { c: median(c), js: median(js) };
    if (l.loop === 'null') {
      console.log(`  one call through koffi costs ${fmtUs(1 / median(js) - 1 / median(c))} more than the same syscall from C`);
      continue;
    }
    if (l.loop === 'mtty') {
      // pwrite + pread: two calls a byte. The best a loop of koffi calls can do
      // is C's time plus two calls' worth of koffi.
      const perCall = 1 / rates.null.js - 1 / rates.null.c;
      const best = 1 / median(c) / (1 / median(c) + 2 * perCall);
      console.log(`  the best any two-koffi-calls-a-byte loop can reach here: ${best.toFixed(2)}x (C's ${fmtUs(1 / median(c))} a byte + 2 x ${fmtUs(perCall)})`);
    }
    if (ratio < 0.8) failed = true;
  }
} finally {
  await guest.close();
}
// Exit 1 when a target is missed, so bench/run.mjs reports it.
process.exitCode = failed ? 1 : 0;
