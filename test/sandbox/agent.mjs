// In-guest agent of the sandbox: runs shell scripts for the host over the
// virtio-serial port named "accelctl.agent", speaking JSON lines.
//   request:  {id, script, user?, timeoutMs?, env?, stdin?}  -> /bin/sh -c script
//             {id, op: "ping"} | {id, op: "poweroff"}
//   response: {id, code, signal, stdout, stderr, ms, timedOut}
// Plain node, no dependencies: it runs with the host's node over the 9p root.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PORT_NAME = 'accelctl.agent';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function log(msg) {
  process.stderr.write(`sandbox-agent: ${msg}\n`);
}

function findPort() {
  const base = '/sys/class/virtio-ports';
  let entries = [];
  try {
    entries = fs.readdirSync(base);
  } catch {
    return null;
  }
  for (const e of entries) {
    try {
      if (fs.readFileSync(path.join(base, e, 'name'), 'utf8').trim() === PORT_NAME) return `/dev/${e}`;
    } catch {
      /* port without a name */
    }
  }
  return null;
}

function lookupUser(name) {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name || (/^\d+$/.test(name) && f[2] === name)) {
      return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' };
    }
  }
  throw new Error(`no such user in the guest: ${name}`);
}

function groupsOf(user) {
  try {
    return execFileSync('id', ['-G', user.name], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  } catch {
    return [user.gid];
  }
}

const STUCK_GRACE_MS = 2000;
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

function run(req, reply) {
  const t0 = performance.now();
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    ...(req.env ?? {}),
  };
  /** @type {import('node:child_process').SpawnOptions} */
  const opts = { cwd: REPO, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] };
  if (req.user && req.user !== 'root') {
    let u;
    try {
      u = lookupUser(req.user);
    } catch (e) {
      reply({ id: req.id, code: 127, signal: null, stdout: '', stderr: `${e.message}\n`, ms: 0, timedOut: false });
      return;
    }
    // node's uid/gid options do not set supplementary groups; setpriv does.
    const groups = groupsOf(u).join(',');
    opts.env = { ...env, HOME: u.home, USER: u.name, LOGNAME: u.name, ...(req.env ?? {}) };
    req = { ...req, argv: ['setpriv', `--reuid=${u.uid}`, `--regid=${u.gid}`, `--groups=${groups}`, '--', '/bin/sh', '-c', req.script] };
  }
  const argv = req.argv ?? ['/bin/sh', '-c', req.script];
  const child = spawn(argv[0], argv.slice(1), opts);
  const out = [];
  const err = [];
  child.stdout.on('data', (d) => out.push(d));
  child.stderr.on('data', (d) => err.push(d));
  child.stdin.on('error', () => {});
  child.stdin.end(req.stdin ?? '');
  let timedOut = false;
  const timer =
    req.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
          // A process blocked in the kernel (e.g. writing an mdev's `remove`
          // while the device is held) ignores SIGKILL until the call returns:
          // answer anyway rather than leave the host waiting.
          setTimeout(() => {
            if (replied) return;
            err.push(Buffer.from(`sandbox-agent: pid ${child.pid} still alive ${STUCK_GRACE_MS} ms after SIGKILL (blocked in the kernel?)\n`));
            finish(null, 'SIGKILL');
          }, STUCK_GRACE_MS);
        }, req.timeoutMs)
      : null;
  // Reply when the script exits, not when its pipes close: a background
  // child (a VFIO holder started with &) may keep stdout open for ever. Give
  // the pipes a moment to drain, then stop reading them.
  let replied = false;
  const finish = (code, signal) => {
    if (replied) return;
    replied = true;
    if (timer) clearTimeout(timer);
    child.stdout.destroy();
    child.stderr.destroy();
    reply({
      id: req.id,
      code: code ?? 128 + (SIGNALS[signal] ?? 0),
      signal: signal ?? null,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      ms: Math.round(performance.now() - t0),
      timedOut,
    });
  };
  child.on('close', finish);
  child.on('error', (e) => {
    err.push(Buffer.from(`${e.message}\n`));
    finish(127, null);
  });
  child.on('exit', (code, signal) => setTimeout(() => finish(code, signal), 300));
}

function serve(dev) {
  const fd = fs.openSync(dev, 'r+');
  let closed = false;
  const writes = [];
  let writing = false;
  const pump = () => {
    if (writing || closed || writes.length === 0) return;
    writing = true;
    const buf = writes.shift();
    fs.write(fd, buf, 0, buf.length, null, (e, n) => {
      writing = false;
      if (e) {
        log(`write: ${e.message}`);
        return;
      }
      if (n < buf.length) writes.unshift(buf.subarray(n));
      pump();
    });
  };
  const reply = (obj) => {
    writes.push(Buffer.from(JSON.stringify(obj) + '\n'));
    pump();
  };
  const stream = fs.createReadStream('', { fd, autoClose: false, highWaterMark: 65536 });
  let pending = '';
  stream.on('data', (chunk) => {
    pending += chunk.toString('utf8');
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.trim()) continue;
      let req;
      try {
        req = JSON.parse(line);
      } catch {
        log(`bad request line: ${line.slice(0, 200)}`);
        continue;
      }
      if (req.op === 'ping') {
        reply({ id: req.id, pong: true, uptime: fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0] });
      } else if (req.op === 'poweroff') {
        reply({ id: req.id, poweroff: true });
        setTimeout(() => {
          try {
            execFileSync('sync');
          } catch {
            /* best effort */
          }
          // Force: nothing in the guest needs an orderly shutdown.
          fs.writeFileSync('/proc/sysrq-trigger', 'o');
        }, 100);
      } else {
        run(req, reply);
      }
    }
  });
  // The port reads EOF while the host end is not connected: reopen.
  const reopen = () => {
    if (closed) return;
    closed = true;
    try {
      fs.closeSync(fd);
    } catch {
      /* already closed */
    }
    setTimeout(() => serve(dev), 200);
  };
  stream.on('end', reopen);
  stream.on('error', (e) => {
    log(`read: ${e.message}`);
    reopen();
  });
  const uptime = fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0];
  if (!announced) log(`ready on ${dev} at ${uptime} s`);
  announced = true;
  reply({ hello: true, uptime });
}
let announced = false;

const dev = findPort();
if (!dev) {
  log(`no virtio port named ${PORT_NAME}; idle`);
  setInterval(() => {}, 1 << 30);
} else {
  serve(dev);
}
