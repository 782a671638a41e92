// Never hang, never wedge (issue 9) on the real 6.1 kernel, one boot:
// (a) a VFIO holder that keeps only a device fd (the group and container fds
//     closed, so no /proc scan names it) makes the kernel's mdev remove block:
//     `remove` and `remove --force` return at their bound with exit 5 naming the
//     write still pending, and the next command that takes the host lock runs
//     at once; the pending write finishes when the holder lets go.
// (b) SIGINT and SIGTERM in the middle of `create --count 8`: the run is
//     undone (the mdevs as before), one line says so, exit 130 and 143.
import { describe, expect, it } from 'vitest';
import { ACCELCTL_BIN, shq, type Guest } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';

let guest: Guest;
const acc = `node ${shq(ACCELCTL_BIN)}`;
const out = (script: string, timeoutMs = 60_000): Promise<string> => guestOut(guest, script, { timeoutMs });
const mdevs = async (): Promise<string[]> => (await out('ls /sys/bus/mdev/devices')).split('\n').filter(Boolean).sort();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Opens the group, sets a container and a type1 IOMMU, takes the device fd,
// then closes the group and the container: only the device fd stays (the
// kernel keeps the group referenced through it). Says "held" and sleeps.
const HOLDER = `
import fcntl, os, struct, sys, time
group, uuid = sys.argv[1], sys.argv[2]
c = os.open('/dev/vfio/vfio', os.O_RDWR)
g = os.open('/dev/vfio/' + group, os.O_RDWR)
fcntl.ioctl(g, 0x3B68, struct.pack('i', c))            # VFIO_GROUP_SET_CONTAINER
fcntl.ioctl(c, 0x3B66, 3)                              # VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU
d = fcntl.ioctl(g, 0x3B6A, bytearray(uuid.encode() + b'\\0'), True)  # VFIO_GROUP_GET_DEVICE_FD
os.close(g)
os.close(c)
print('held', d, flush=True)
time.sleep(600)
`;

// Runs accelctl with -v and its stderr on a pipe shrunk to one page and filled
// but for a few bytes: accelctl can only go on as this script reads (16 bytes
// at a time), so it is held just after its first partition appears, when the
// signal goes (16 bytes per 25 ms: the second create's trace line needs about
// 200 bytes more, 300 ms, far more than the first create takes). Then all is
// drained; prints the exit status and the stderr lines (the trace and the error).
const SIGNALLER = `
import fcntl, os, signal, subprocess, sys, time
sig, cmd = getattr(signal, sys.argv[1]), sys.argv[2:]
devs = '/sys/bus/mdev/devices'
before = set(os.listdir(devs))
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)                               # F_SETPIPE_SZ: one page
os.write(w, b'#' * 4080)
p = subprocess.Popen(cmd, stdout=open('/tmp/signalled.out', 'w'), stderr=w)
os.close(w)
data = b''
while set(os.listdir(devs)) == before and p.poll() is None:
    data += os.read(r, 16)
    time.sleep(0.025)
p.send_signal(sig)
while True:
    chunk = os.read(r, 65536)
    if not chunk:
        break
    data += chunk
print('exit', p.wait())
print(data.decode().lstrip('#'), end='')
`;

/** A new mtty-1 partition and a holder of only its device fd; returns the uuid and the holder's pid. */
async function heldPartition(tag: string): Promise<{ uuid: string; pid: string }> {
  const uuid = await out(`${acc} create --parent mtty --type mtty-1`);
  expect(uuid).toMatch(UUID);
  const group = await out(`basename $(readlink /sys/bus/mdev/devices/${uuid}/iommu_group)`);
  const pid = await out(`setsid /usr/bin/python3 /tmp/holder.py ${group} ${uuid} </dev/null >/tmp/holder-${tag}.log 2>&1 & echo $!`);
  const held = await guest.sh(`for i in $(seq 1 300); do grep -q held /tmp/holder-${tag}.log && exit 0; sleep 0.1; done; cat /tmp/holder-${tag}.log; exit 1`);
  expect(held.code, held.stdout).toBe(0);
  // Only a device fd: no descriptor of the process names /dev/vfio/<group>, so accelctl sees no holder.
  expect(await out(`ls -l /proc/${pid}/fd | grep -c /dev/vfio/ || true`)).toBe('0');
  return { uuid, pid };
}

describe('never hang, never wedge, on the real kernel', () => {
  withGuest({ name: 'runtime' }, async (g) => {
    guest = g;
    await out(`cat > /tmp/holder.py <<'EOF'\n${HOLDER}\nEOF\ncat > /tmp/signaller.py <<'EOF'\n${SIGNALLER}\nEOF`);
  });

  it('a holder with only a device fd: remove and remove --force return at their bound with exit 5 naming the pending write; the lock is free at once', async () => {
    const a = await heldPartition('a');
    const b = await heldPartition('b');
    for (const [p, args] of [
      [a, ['remove', a.uuid]],
      [b, ['remove', '--force', b.uuid]],
    ] as const) {
      const r = await guest.accelctl([...args], { timeoutMs: 60_000, env: { ACCELCTL_REMOVE_TIMEOUT: '2' } });
      expect(r.timedOut, r.stderr).toBeFalsy();
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toContain(`remove of ${p.uuid} still pending after 2 s: held by a process accelctl cannot see`);
      expect(r.stderr).toContain(`write "1" to /sys/bus/mdev/devices/${p.uuid}/remove is still in the kernel`);
      // The host lock is free: nobody holds the flock (the writer child left behind has no descriptor of it).
      expect(await out('flock -n /run/accelctl/lock echo free')).toBe('free');
    }
    // Another command that takes the lock, on another parent, right after: it does not wait for anyone.
    const c = await guest.accelctl(['create', '--parent', 'mdpy', '--type', 'mdpy-vga'], { timeoutMs: 60_000, env: { ACCELCTL_LOCK_TIMEOUT: '0' } });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim()).toMatch(UUID);
    await out(`echo 1 > /sys/bus/mdev/devices/${c.stdout.trim()}/remove`);
    // The writes left behind are still blocked in the kernel (their writer children alive) while the holders live.
    expect(Number(await out(`pgrep -f "accelctl bounded [w]riter" | wc -l`))).toBe(2);
    // Once the holders let go, the kernel finishes the removals and the writers end.
    await out(`kill ${a.pid} ${b.pid}`);
    const gone = await guest.sh(
      `for i in $(seq 1 600); do [ -e /sys/bus/mdev/devices/${a.uuid} ] || [ -e /sys/bus/mdev/devices/${b.uuid} ] || pgrep -f "accelctl bounded [w]riter" >/dev/null || exit 0; sleep 0.1; done; ls /sys/bus/mdev/devices; exit 1`,
      { timeoutMs: 90_000 },
    );
    expect(gone.code, gone.stdout).toBe(0);
    expect(await mdevs()).toEqual([]);
  }, 240_000);

  it.each([
    ['INT', 130],
    ['TERM', 143],
  ] as const)('SIG%s in the middle of create --count 8: nothing left behind, one line says what was undone, exit %i', async (sig, status) => {
    const before = await mdevs();
    const r = await guest.sh(`/usr/bin/python3 /tmp/signaller.py SIG${sig} node ${shq(ACCELCTL_BIN)} create --parent mtty --type mtty-1 --count 8 -v`, { timeoutMs: 120_000 });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0], r.stdout + r.stderr).toBe(`exit ${status}`);
    // Held after its first create (on a loaded host the signal may land a create later): every
    // partition it made is undone, and the one error line names each removal.
    const made = lines.filter((l) => l.includes('mtty-1/create <-')).length;
    expect(made, r.stdout).toBeGreaterThanOrEqual(1);
    expect(made, r.stdout).toBeLessThan(8);
    const errors = lines.filter((l) => l.startsWith('accelctl:'));
    expect(errors, r.stdout).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^accelctl: interrupted by SIG${sig}; undone: removed [0-9a-f-]{36}(, removed [0-9a-f-]{36}){${made - 1}}$`));
    expect(await out('cat /tmp/signalled.out')).toBe('');
    expect(await mdevs()).toEqual(before);
    expect(await out('cat /sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/available_instances')).toBe('24');
  }, 180_000);
});
