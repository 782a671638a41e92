// npm run demo: the main job on a machine without accelerators. Boots the
// real-kernel sandbox (building it on first use) and runs accelctl there as an
// operator would, printing each command and what it answered.
import { bootGuest, ensureSandbox } from '../test/sandbox/guest.mjs';

const UUID = 'a0e3f1c2-5d6b-4e7f-8a9b-0c1d2e3f4a5b';
const steps = [
  ['types'],
  ['create', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', UUID],
  ['list'],
  ['topology', '--near-node', '1'],
  ['groups'],
  ['inspect', UUID],
  ['selftest', UUID],
  ['remove', UUID],
];

await ensureSandbox();
const guest = await bootGuest({ name: 'demo' });
let failed = 0;
try {
  console.log(`guest booted in ${(guest.bootMs / 1000).toFixed(1)} s\n`);
  for (const args of steps) {
    const r = await guest.accelctl(args, { env: { FORCE_COLOR: process.stdout.isTTY ? '1' : '0' } });
    console.log(`# accelctl ${args.join(' ')}   (exit ${r.code}, ${r.ms.toFixed(0)} ms in the guest)`);
    process.stdout.write(r.stdout);
    if (r.stderr) process.stdout.write(r.stderr);
    console.log();
    if (r.code !== 0) failed++;
  }
} finally {
  await guest.close();
}
process.exitCode = failed ? 1 : 0;
