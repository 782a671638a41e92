// npm run bench: start-up and scale on generated trees, then the real-kernel
// benchmarks in the sandbox. Figures are medians of interleaved runs; the
// ratios are what to quote (the machines are shared and noisy).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sideBySide, sandboxInfo, fmt } from './lib.mjs';
import { esmVersusBundles } from './esm.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const cli = join(repo, 'bin/accelctl');
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);
const results = [];

function generate(dir, parents, mdevs) {
  const r = spawnSync(process.execPath, [join(repo, 'test/gen/generate.mjs'), '--parents', String(parents), '--mdevs', String(mdevs), dir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('generator failed');
}

function startup() {
  const dir = mkdtempSync(join(tmpdir(), 'accelctl-bench-'));
  try {
    generate(dir, 1, 0);
    const m = sideBySide(
      [
        { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
        { name: 'accelctl types --json', cmd: process.execPath, args: [cli, '--root', dir, 'types', '--json'] },
        { name: 'accelctl --help', cmd: process.execPath, args: [cli, '--help'] },
      ],
      30,
    );
    const ratio = m['accelctl types --json'] / m['node -e 0'];
    console.log(`start-up (median of 30): node -e 0 ${fmt(m['node -e 0'])}, accelctl types --json ${fmt(m['accelctl types --json'])}, --help ${fmt(m['accelctl --help'])}`);
    console.log(`  ratio types --json / node -e 0 = ${ratio.toFixed(2)}x (target <= 1.30x)`);
    results.push({ bench: 'startup', ratio, target: 1.3, ok: ratio <= 1.3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** accelctl list --json vs mdevctl list --dumpjson on the same generated tree. */
function scale() {
  const mdevctl = sandboxInfo(repo)?.mdevctl;
  // The standing target is at 16384 mdevs; 4096 shows how the time grows.
  const sizes = [
    [64, 4096],
    [64, 16384],
  ];
  const rows = [];
  for (const [parents, mdevs] of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'accelctl-bench-'));
    try {
      generate(dir, parents, mdevs);
      const cases = [{ name: 'accelctl', cmd: process.execPath, args: [cli, '--root', dir, 'list', '--json'] }];
      if (mdevctl && existsSync(mdevctl)) {
        // mdevctl has no root option: give it the tree as /sys in a private
        // mount namespace (the host's /sys is untouched). The namespace set-up
        // is timed too, so measure it alone and subtract it.
        const ns = (inner) => ['-m', 'sh', '-c', `mount --bind ${dir}/sys /sys && mount --bind ${dir}/etc /etc 2>/dev/null; ${inner}`];
        cases.push({ name: 'mdevctl', cmd: 'unshare', args: ns(`${mdevctl} list --dumpjson >/dev/null`) });
        cases.push({ name: 'ns-overhead', cmd: 'unshare', args: ns('true') });
        // The floor of any Node program: what the target leaves for the work.
        cases.push({ name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] });
      }
      const m = sideBySide(cases, 7, 1);
      rows.push({ parents, mdevs, ...m });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  for (const r of rows) {
    const md = r.mdevctl !== undefined ? r.mdevctl - r['ns-overhead'] : undefined;
    const ratio = md !== undefined ? r.accelctl / md : undefined;
    console.log(
      `scale ${r.mdevs} mdevs / ${r.parents} parents: accelctl list --json ${fmt(r.accelctl)}` +
        (md !== undefined ? `, mdevctl list --dumpjson ${fmt(md)} (namespace set-up ${fmt(r['ns-overhead'])} subtracted), ratio ${ratio.toFixed(2)}x${r.mdevs === 16384 ? ' (target <= 0.35x)' : ''}` : ' (mdevctl not available: run test/sandbox/build.sh)'),
    );
    if (md !== undefined) {
      const floor = r['node -e 0'] / md;
      console.log(`  floor: node -e 0 alone (${fmt(r['node -e 0'])}) is ${floor.toFixed(2)}x mdevctl's time; accelctl's own work is ${fmt(r.accelctl - r['node -e 0'])}, ${((r.accelctl - r['node -e 0']) / md).toFixed(2)}x`);
    }
    if (r.mdevs === 16384 && ratio !== undefined) results.push({ bench: 'scale', ratio, target: 0.35, ok: ratio <= 0.35 });
  }
  if (rows.length === 2) {
    const [a, b] = rows;
    const growth = b.accelctl / a.accelctl;
    console.log(`  growth 4096 -> 16384 mdevs: ${growth.toFixed(2)}x for 4x the devices (linear or better when <= 4)`);
  }
}

function sandboxBench(file) {
  const path = join(repo, 'bench', file);
  if (!existsSync(path)) return;
  const r = spawnSync(process.execPath, [path], { stdio: 'inherit' });
  if (r.status !== 0) results.push({ bench: file, ok: false });
}

if (want('startup')) startup();
if (want('layout')) {
  const { bundles, esm } = await esmVersusBundles();
  results.push({ bench: 'layout (bundles kept)', ratio: bundles, target: 1.3, ok: bundles <= 1.3 && bundles <= esm });
}
if (want('scale')) scale();
if (want('shim')) sandboxBench('shim.mjs');
if (want('lifecycle')) sandboxBench('lifecycle.mjs');
if (want('health')) sandboxBench('health.mjs');
if (want('parallel-boot')) sandboxBench('parallel-boot.mjs');
if (want('held-refusal')) sandboxBench('held-refusal.mjs');
if (want('bounded')) sandboxBench('bounded-writer.mjs');

console.log('\nsummary:');
for (const r of results) console.log(`  ${r.bench}: ${r.ratio !== undefined ? r.ratio.toFixed(2) + 'x' : ''} ${r.ok ? 'within target' : 'MISSED target'}`);
