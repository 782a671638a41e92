// Smoke test of the real-kernel sandbox itself: one boot, and the machine
// shows what docs/kernel.md §5 says the other e2e tests stand on.
import { describe, it, expect } from 'vitest';
import type { Guest } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';

let guest: Guest;

/** Run a script in the guest and return its stdout, failing loudly otherwise. */
const out = (script: string): Promise<string> => guestOut(guest, script);

describe('sandbox guest', () => {
  withGuest({ name: 'smoke' }, (g) => {
    guest = g;
  });

  it('runs the Debian 6.1 kernel', async () => {
    expect(await out('uname -r')).toMatch(/^6\.1\.0-\d+-amd64$/);
  });

  it('has the mtty parent with its two types', async () => {
    const base = '/sys/class/mdev_bus/mtty/mdev_supported_types';
    expect(await out(`cat ${base}/mtty-1/available_instances`)).toBe('24');
    expect(await out(`cat ${base}/mtty-2/available_instances`)).toBe('12');
    expect(await out(`cat ${base}/mtty-1/device_api`)).toBe('vfio-pci');
  });

  it('has the VFIO container device', async () => {
    expect(await out('test -c /dev/vfio/vfio && echo yes')).toBe('yes');
  });

  it('has two NUMA nodes', async () => {
    expect(await out('cat /sys/devices/system/node/online')).toBe('0-1');
  });

  it('has one edu device on each node', async () => {
    // One grep instead of a shell loop: forks are slow under TCG.
    const lines = await out('cd /sys/bus/pci/devices && grep -H . */device */numa_node');
    const attrs = new Map<string, Record<string, string>>();
    for (const line of lines.split('\n')) {
      const m = /^([^/]+)\/(device|numa_node):(.*)$/.exec(line);
      if (!m) continue;
      const [, bdf, key, value] = m as unknown as [string, string, string, string];
      attrs.set(bdf, { ...attrs.get(bdf), [key]: value });
    }
    const vendors = await out('cd /sys/bus/pci/devices && grep -l 0x1234 */vendor');
    const nodes = vendors
      .split('\n')
      .map((p) => p.split('/')[0] ?? '')
      .filter((bdf) => attrs.get(bdf)?.device === '0x11e8')
      .map((bdf) => attrs.get(bdf)?.numa_node)
      .sort();
    expect(nodes).toEqual(['0', '1']);
  });

  it('has the IOMMU on', async () => {
    expect(Number(await out('ls /sys/kernel/iommu_groups | wc -l'))).toBeGreaterThan(0);
    expect(await out('cat /sys/bus/pci/devices/*/iommu_group/type | sort -u')).toMatch(/DMA/);
  });

  it('runs the extracted mdevctl', async () => {
    const types = await out('mdevctl types');
    expect(types).toContain('mtty-1');
    expect(types).toContain('Single port serial');
  });

  it('runs scripts as an unprivileged user and enforces timeouts', async () => {
    expect(await (await guest.sh('id -u', { user: 'sandbox' })).stdout.trim()).toBe('4242');
    const r = await guest.sh('sleep 30', { timeoutMs: 1000 });
    expect(r.timedOut).toBe(true);
    expect(r.code).not.toBe(0);
  });
});
