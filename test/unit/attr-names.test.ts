// Attribute names: one check for --attr, definition files and plan files.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attrNameProblem, checkAttr, DEVICE_CONTROL_FILES } from '../../src/validate.js';
import { accelctl } from '../helpers/cli.js';

const QEMU = path.resolve(__dirname, '../fixtures/machines/qemu-6.1');
// What an mtty mdev's directory held on the sandbox's 6.1 kernel beyond the captured files.
const LIVE_MDEV_DIR = ['driver', 'iommu_group', 'mdev_type', 'power', 'remove', 'subsystem', 'uevent', 'vfio-dev'];

describe('attribute names', () => {
  it("every file of an mdev's own directory in the captured 6.1 tree is refused", () => {
    const devs = path.join(QEMU, 'sys/bus/mdev/devices');
    const names = new Set<string>(LIVE_MDEV_DIR);
    for (const u of fs.readdirSync(devs)) for (const f of fs.readdirSync(path.join(devs, u))) names.add(f);
    expect(names.size).toBeGreaterThanOrEqual(8);
    for (const n of names) {
      expect(DEVICE_CONTROL_FILES.has(n), n).toBe(true);
      expect(() => checkAttr(`${n}=1`), n).toThrow(/own control files/);
    }
  });

  it('paths, dot-dot, __proto__, control characters and NUL are refused; ordinary names pass', () => {
    for (const bad of ['a/b', '..', 'x..y', '/abs', '__proto__', 'esc\u001b[31m', 'nul\u0000', 'new\nline', '', 'sp ace', 'é']) {
      expect(attrNameProblem(bad), JSON.stringify(bad)).not.toBeNull();
    }
    for (const ok of ['foo', 'x.y', 'x-y', '_u', 'A1', 'n'.repeat(64), 'assign_adapter']) expect(attrNameProblem(ok), ok).toBeNull();
    expect(() => checkAttr('foo=a\u0000b')).toThrow('newline or NUL');
  });

  it('--attr driver_override=x on the command line: exit 2 naming it, before anything else', () => {
    const r = accelctl(['--root', QEMU, 'define', '--parent', 'mtty', '--type', 'mtty-1', '--attr', 'driver_override=x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('accelctl: invalid attribute name "driver_override": one of the device\'s own control files, not an attribute\n');
  });
});
