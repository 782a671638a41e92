// Runs in the sandbox guest for test/e2e/journal.test.ts: for each kill point
// k, puts the host in the starting state, runs `accelctl apply --verbose` and
// kill -9s it as soon as it has said (trace) its k-th step, then runs a
// mutating command that recovers (`remove` of a UUID nobody has: it recovers,
// then fails to plan), then `apply` again. One JSON line per k on stdout.
// Argv: <accelctl bin> <plan file> <kill points> <A> <B> <C1> <C2> <D> <NOBODY>
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';

const [bin, plan, points, A, B, , , D, NOBODY] = process.argv.slice(2);
const JOURNAL = '/var/lib/accelctl/journal';
const TYPES = '/sys/class/mdev_bus/mtty/mdev_supported_types';

const sh = (script) => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
const ls = (dir) => {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
};
const live = () => ls('/sys/bus/mdev/devices');
/** What mdevctl makes of the definitions: it must read every one of them. */
const defined = () => {
  const r = spawnSync('mdevctl', ['list', '--defined'], { encoding: 'utf8' });
  return { code: r.status, lines: r.stdout.split('\n').filter(Boolean).sort(), stderr: r.stderr.trim() };
};
const temporaries = () => [...ls('/etc/mdevctl.d/mtty'), ...ls('/var/lib/accelctl')].filter((n) => n.includes('.accelctl-'));
/** The host as mdevctl sees it (`mdevctl` costs a second of a loaded guest: only where the test reads it). */
const state = (withMdevctl = true) => ({
  live: live(),
  defined: withMdevctl ? defined() : null,
  defFiles: ls('/etc/mdevctl.d/mtty'),
  journal: fs.existsSync(JOURNAL),
  temporaries: temporaries(),
});
const accelctl = (args) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr.trim() };
};

/** mdevctl's own bytes for A's and D's definitions, from the first reset. */
let definitions = null;

/** Live A (mtty-1) and B (mtty-2); A defined auto, D defined manual (mtty-2, not live), as mdevctl defines them. */
function reset() {
  for (const u of live()) fs.writeFileSync(`/sys/bus/mdev/devices/${u}/remove`, '1');
  fs.rmSync('/etc/mdevctl.d/mtty', { recursive: true, force: true });
  fs.rmSync('/var/lib/accelctl', { recursive: true, force: true });
  fs.writeFileSync(`${TYPES}/mtty-1/create`, A);
  fs.writeFileSync(`${TYPES}/mtty-2/create`, B);
  if (definitions === null) {
    sh(`mdevctl define -u ${A} -p mtty -t mtty-1 -a && mdevctl define -u ${D} -p mtty -t mtty-2`);
    definitions = Object.fromEntries([A, D].map((u) => [u, fs.readFileSync(`/etc/mdevctl.d/mtty/${u}`)]));
  } else {
    fs.mkdirSync('/etc/mdevctl.d/mtty');
    for (const [u, bytes] of Object.entries(definitions)) fs.writeFileSync(`/etc/mdevctl.d/mtty/${u}`, bytes);
  }
}

/** apply --verbose, killed once its k-th step line (write, file, delete) is on stderr. */
function killedApply(k) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'apply', '-f', plan, '--verbose'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let n = 0;
    let rest = '';
    let at = null;
    const trace = [];
    child.stderr.on('data', (d) => {
      rest += d.toString();
      const lines = rest.split('\n');
      rest = lines.pop();
      for (const l of lines) {
        trace.push(l);
        if (at === null && /^(write|file|delete|chown) /.test(l) && ++n === k) {
          at = l;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('close', (code, signal) => resolve({ at, code, signal, trace }));
  });
}

for (let k = 1; k <= Number(points); k++) {
  reset();
  const before = state(k === 1);
  const run = await killedApply(k);
  const atKill = state(false);
  const recover = accelctl(['remove', NOBODY]);
  const recovered = state();
  const again = accelctl(['apply', '-f', plan]);
  const final = state();
  process.stdout.write(JSON.stringify({ k, before, run, atKill, recover, recovered, again, final }) + '\n');
}
