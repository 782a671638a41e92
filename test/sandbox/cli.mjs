#!/usr/bin/env node
// Sandbox front end for humans and npm scripts (plain node, no build step):
//   node test/sandbox/cli.mjs build                 build/check the cache
//   node test/sandbox/cli.mjs run -- <accelctl args> one boot, one accelctl command, its exit code
//   node test/sandbox/cli.mjs sh -- '<script>'       same for a shell script
//   node test/sandbox/cli.mjs shell                  interactive root shell on the guest console
//   node test/sandbox/cli.mjs capture [DIR]          set up a representative state, snapshot sysfs into DIR
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootGuest, ensureSandbox, qemuArgs, deathSigPrefix, REPO, shq } from './guest.mjs';

const DEFAULT_CAPTURE_DIR = path.join(REPO, 'test/fixtures/machines/qemu-6.1');
const note = (m) => process.stderr.write(`sandbox: ${m}\n`);

async function withGuest(name, fn) {
  const t = Date.now();
  note('booting (TCG: ~15 s on an idle host, longer when other guests run)...');
  const g = await bootGuest({ name });
  note(`guest up in ${(g.bootMs / 1000).toFixed(1)} s`);
  try {
    return await fn(g);
  } finally {
    await g.close();
    note(`done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

function afterDashes(argv) {
  const i = argv.indexOf('--');
  return i >= 0 ? argv.slice(i + 1) : argv;
}

async function cmdRun(argv) {
  const args = afterDashes(argv);
  const r = await withGuest('run', (g) => g.accelctl(args, { timeoutMs: 600_000 }));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.code;
}

async function cmdSh(argv) {
  const script = afterDashes(argv).join(' ');
  const r = await withGuest('sh', (g) => g.sh(script, { timeoutMs: 600_000 }));
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  return r.code;
}

async function cmdShell() {
  await ensureSandbox();
  note('interactive guest: root shell on the console; Ctrl-A X quits QEMU, "poweroff -f" powers off');
  const argv = [...deathSigPrefix(), 'qemu-system-x86_64', ...qemuArgs({ shell: true })];
  const q = spawn(argv[0], argv.slice(1), { stdio: 'inherit' });
  return await new Promise((resolve) => q.on('exit', (code) => resolve(code ?? 1)));
}

/** The guest-side setup of the capture: one mdev of each mtty type, a bound edu, a VF, a VFIO holder. */
const CAPTURE_SETUP = String.raw`
set -u
U1=0b0e0b0e-0001-4000-8000-000000000001
U2=0b0e0b0e-0002-4000-8000-000000000002
T=/sys/class/mdev_bus/mtty/mdev_supported_types
echo $U1 > $T/mtty-1/create
echo $U2 > $T/mtty-2/create
edu_on_node() {
  for d in /sys/bus/pci/devices/*; do
    [ "$(cat $d/vendor):$(cat $d/device):$(cat $d/numa_node)" = "0x1234:0x11e8:$1" ] && basename $d
  done
}
E0=$(edu_on_node 0)
echo vfio-pci > /sys/bus/pci/devices/$E0/driver_override
[ -e /sys/bus/pci/devices/$E0/driver ] && echo $E0 > /sys/bus/pci/devices/$E0/driver/unbind
echo $E0 > /sys/bus/pci/drivers_probe
PF=
for d in /sys/bus/pci/devices/*; do
  [ -e $d/sriov_totalvfs ] && [ "$(cat $d/sriov_totalvfs)" -gt 0 ] && PF=$(basename $d) && break
done
if [ -n "$PF" ]; then echo 1 > /sys/bus/pci/devices/$PF/sriov_numvfs || echo "VF enable failed on $PF" >&2; fi
# A real VFIO client holding the mtty-1 mdev, as a VM would.
setsid qemu-system-x86_64 -machine q35 -accel tcg -m 64 -nographic -S -nodefaults \
  -device vfio-pci,sysfsdev=/sys/bus/mdev/devices/$U1 </dev/null >/tmp/holder.log 2>&1 &
HOLDER=$!
for i in $(seq 1 200); do
  ls -l /proc/$HOLDER/fd 2>/dev/null | grep -q '/dev/vfio/[0-9]' && break
  sleep 0.2
done
ls -l /proc/$HOLDER/fd | grep -q '/dev/vfio/[0-9]' || { echo "holder never opened its group" >&2; cat /tmp/holder.log >&2; exit 1; }
echo "mdevs=$U1,$U2 edu0=$E0 edu1=$(edu_on_node 1) pf=$PF holder=$HOLDER"
`;

async function cmdCapture(argv) {
  const outDir = path.resolve(argv[0] ?? DEFAULT_CAPTURE_DIR);
  return await withGuest('capture', async (g) => {
    const setup = await g.sh(CAPTURE_SETUP, { timeoutMs: 120_000 });
    process.stderr.write(setup.stderr);
    if (setup.code !== 0) throw new Error(`capture setup failed (${setup.code}):\n${setup.stdout}${setup.stderr}`);
    note(`state: ${setup.stdout.trim()}`);
    const qemuVersion = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
    const meta = { setup: setup.stdout.trim(), qemu: qemuVersion };
    const cap = await g.sh(`node test/sandbox/capture.mjs --meta ${shq(JSON.stringify(meta))}`, { timeoutMs: 300_000 });
    if (cap.code !== 0) throw new Error(`capture failed (${cap.code}):\n${cap.stderr}`);
    const tgz = Buffer.from(cap.stdout.trim(), 'base64');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbx-capture-'));
    fs.writeFileSync(path.join(tmp, 'capture.tgz'), tgz);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const x = spawnSync('tar', ['-xzf', path.join(tmp, 'capture.tgz'), '-C', outDir, '--no-same-owner'], { encoding: 'utf8' });
    fs.rmSync(tmp, { recursive: true, force: true });
    if (x.status !== 0) throw new Error(`unpacking the capture failed: ${x.stderr}`);
    note(`captured ${tgz.length} bytes (tgz) into ${path.relative(process.cwd(), outDir) || outDir}`);
    return 0;
  });
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'build':
      await ensureSandbox();
      note('cache ok');
      return 0;
    case 'run':
      return cmdRun(rest);
    case 'sh':
      return cmdSh(rest);
    case 'shell':
      return cmdShell();
    case 'capture':
      return cmdCapture(rest);
    default:
      process.stderr.write(
        'usage: node test/sandbox/cli.mjs build | run -- <accelctl args> | sh -- <script> | shell | capture [DIR]\n',
      );
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`sandbox: ${e instanceof Error ? e.message : e}\n`);
    process.exit(1);
  },
);
