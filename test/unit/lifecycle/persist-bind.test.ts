// bind --persist: the binding and its owner saved in /etc/accelctl/bindings/<addr>,
// brought back by `start --auto --device ADDR` (what the udev rule runs when the
// function is added), forgotten by unbind, shown by groups. On a generated
// two-node host with the fake kernel (harness.ts), as the other bind tests.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { BindOutput } from '../../../src/schemas/bind.js';
import { BoundDevice } from '../../../src/schemas/bind.js';
import { StartOutput } from '../../../src/schemas/create.js';
import { PersistDryRun } from '../../../src/schemas/define.js';
import { GroupsOutput } from '../../../src/schemas/groups.js';
import { UnbindOutput } from '../../../src/schemas/unbind.js';
import { makeHarness, runner, type Harness } from './harness.js';

const bind = runner('bind');
const unbind = runner('unbind');
const start = runner('start');
const groups = runner('groups');

let h: Harness;
afterEach(() => h?.cleanup());

const EDU = '0000:81:00.0'; // driverless, group 10
const NIC = '0000:00:03.0'; // e1000e, group 3
const ON_VFIO = '0000:41:00.0'; // already on vfio-pci with a matching override
const dev = (bdf: string) => `/sys/bus/pci/devices/${bdf}`;
const saved = (h: Harness, bdf: string) => `${h.root}/etc/accelctl/bindings/${bdf}`;
const driverOf = (h: Harness, bdf: string) => {
  try {
    return path.basename(fs.readlinkSync(`${h.root}${dev(bdf)}/driver`));
  } catch {
    return null;
  }
};
const override = (h: Harness, bdf: string) => fs.readFileSync(`${h.root}${dev(bdf)}/driver_override`, 'utf8').trim();

/**
 * What the kernel's remove and rescan leave: the function back with no
 * driver_override, no /dev/vfio node, bound to the driver the kernel picks
 * for it (its host driver, or none). Played through the fake kernel's files.
 */
function readd(h: Harness, bdf: string): void {
  const now = driverOf(h, bdf);
  if (now !== null) h.kernel.write(`${h.root}/sys/bus/pci/drivers/${now}/unbind`, bdf);
  h.kernel.write(`${h.root}${dev(bdf)}/driver_override`, '\n');
  const group = path.basename(fs.readlinkSync(`${h.root}${dev(bdf)}/iommu_group`));
  fs.rmSync(`${h.root}/dev/vfio/${group}`, { force: true });
  h.kernel.write(`${h.root}/sys/bus/pci/drivers_probe`, bdf);
  h.kernel.log.length = 0;
  h.kernel.chowns.length = 0;
  h.kernel.chmods.length = 0;
}

describe('bind --persist', () => {
  it('binds, gives /dev/vfio/N to the owner with mode 0660, and saves {driver, owner} as a file', async () => {
    h = makeHarness({ json: true });
    const out = await bind(h.ctx, [EDU], { persist: true, owner: 'sandbox:kvm' });
    expect(h.kernel.log).toEqual([
      { path: `${dev(EDU)}/driver_override`, value: 'vfio-pci' },
      { path: '/sys/bus/pci/drivers_probe', value: EDU },
    ]);
    expect(h.kernel.chowns).toEqual([{ path: '/dev/vfio/10', uid: 4242, gid: 104 }]);
    expect(h.kernel.chmods).toEqual([{ path: '/dev/vfio/10', mode: 0o660 }]);
    expect(fs.statSync(`${h.root}/dev/vfio/10`).mode & 0o777).toBe(0o660);
    expect(fs.readFileSync(saved(h, EDU), 'utf8')).toBe('{"driver":"vfio-pci","owner":"sandbox:kvm"}\n');
    expect(fs.statSync(saved(h, EDU)).mode & 0o777).toBe(0o644);
    expect(out.json).toEqual({
      schemaVersion: 1,
      devices: [{ address: EDU, driver: 'vfio-pci', previousDriver: null, iommuGroup: 10, vfioDevice: '/dev/vfio/10', owner: { uid: 4242, gid: 104, mode: '0660' }, changed: true, persisted: true }],
    });
    expect(BindOutput.safeParse(out.json).success).toBe(true);
    // The executor wrote the file: it is a plan step, traced as a dry run would print it.
    expect(h.trace).toContain(`file  /etc/accelctl/bindings/${EDU} <- ${JSON.stringify('{"driver":"vfio-pci","owner":"sandbox:kvm"}\n')}`);
  });

  it('text: the binding says it is persisted; a second bind --persist changes nothing', async () => {
    h = makeHarness();
    const out = await bind(h.ctx, [EDU], { persist: true });
    expect(out.text).toBe(`${EDU}: no driver -> vfio-pci (/dev/vfio/10), persisted`);
    expect(fs.readFileSync(saved(h, EDU), 'utf8')).toBe('{"driver":"vfio-pci","owner":null}\n');
    h.kernel.log.length = 0;
    const again = await bind(h.ctx, [EDU], { persist: true });
    expect(h.kernel.log).toEqual([]);
    expect(h.info).toContain(`${EDU} is already bound to vfio-pci, persisted: nothing to do`);
    expect(again.text).toBe(`${EDU}: already on vfio-pci (/dev/vfio/10), persisted`);
  });

  it('a function already on vfio-pci: --persist only saves the file; a new --owner replaces the saved one', async () => {
    h = makeHarness({ json: true });
    const out = await bind(h.ctx, [ON_VFIO], { persist: true });
    expect(h.kernel.log).toEqual([]);
    expect(fs.readFileSync(saved(h, ON_VFIO), 'utf8')).toBe('{"driver":"vfio-pci","owner":null}\n');
    expect((out.json as { devices: { changed: boolean; persisted: boolean }[] }).devices[0]).toMatchObject({ changed: true, persisted: true });
    await bind(h.ctx, [ON_VFIO], { persist: true, owner: 'nobody' });
    expect(fs.readFileSync(saved(h, ON_VFIO), 'utf8')).toBe('{"driver":"vfio-pci","owner":"nobody"}\n');
    // bind without --persist leaves the saved binding as it is.
    await bind(h.ctx, [ON_VFIO], {});
    expect(fs.readFileSync(saved(h, ON_VFIO), 'utf8')).toBe('{"driver":"vfio-pci","owner":"nobody"}\n');
  });

  it('--dry-run prints the binding file with the writes and writes nothing', async () => {
    h = makeHarness({ json: true, dryRun: true });
    const before = h.snapshot();
    const out = await bind(h.ctx, [EDU], { persist: true, owner: 'sandbox:kvm' });
    expect(out.json).toEqual({
      schemaVersion: 1,
      dryRun: true,
      writes: [
        { path: `${dev(EDU)}/driver_override`, value: 'vfio-pci' },
        { path: '/sys/bus/pci/drivers_probe', value: EDU },
      ],
      chowns: [{ path: '/dev/vfio/10', uid: 4242, gid: 104, mode: 0o660 }],
      files: [
        // bind's memory of the previous driver (none: a driverless edu), before the driver changes.
        { path: `/run/accelctl/bind/${EDU}.json`, content: '{"previousDriver":null,"previousOverride":null}\n' },
        { path: `/etc/accelctl/bindings/${EDU}`, content: '{"driver":"vfio-pci","owner":"sandbox:kvm"}\n' },
      ],
    });
    expect(PersistDryRun.safeParse(out.json).success).toBe(true);
    expect(BindOutput.safeParse(out.json).success).toBe(true);
    expect(h.snapshot()).toEqual(before);
    expect(fs.existsSync(`${h.root}/etc/accelctl`)).toBe(false);
    expect(h.kernel.log).toEqual([]);
    // The text form names the file and the mode as well.
    const t = makeHarness({ dryRun: true });
    const text = await bind(t.ctx, [EDU], { persist: true, owner: 'sandbox:kvm' });
    expect(text.text).toContain('chown /dev/vfio/10 4242:104 mode 0660');
    expect(text.text).toContain(`file  /etc/accelctl/bindings/${EDU} <- `);
    t.cleanup();
  });

  it('--group --persist saves every function it binds; the owner goes with the named one', async () => {
    h = makeHarness();
    await bind(h.ctx, ['00:1f.2'], { group: true, persist: true, owner: 'sandbox' });
    expect(fs.readdirSync(`${h.root}/etc/accelctl/bindings`).sort()).toEqual(['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']);
    expect(fs.readFileSync(saved(h, '0000:00:1f.2'), 'utf8')).toBe('{"driver":"vfio-pci","owner":"sandbox"}\n');
    expect(fs.readFileSync(saved(h, '0000:00:1f.0'), 'utf8')).toBe('{"driver":"vfio-pci","owner":null}\n');
  });

  it('bad input writes nothing: an unknown owner (exit 3), a malformed owner (exit 2), a missing driver (exit 3)', async () => {
    h = makeHarness();
    const before = h.snapshot();
    for (const [opts, code] of [
      [{ persist: true, owner: 'nosuchuser' }, EXIT.notFound],
      [{ persist: true, owner: 'a:b:c' }, EXIT.usage],
      [{ persist: true, driver: 'vfio-nope' }, EXIT.notFound],
      [{ persist: true, driver: '../x' }, EXIT.usage],
    ] as const) {
      const e = await bind(h.ctx, [EDU], opts).catch((x) => x);
      expect(e.exitCode, JSON.stringify(opts)).toBe(code);
    }
    expect(h.snapshot()).toEqual(before);
    expect(fs.existsSync(`${h.root}/etc/accelctl`)).toBe(false);
  });
});

describe('start --auto --device: the persisted binding when the function is added again', () => {
  it('a driverless edu comes back on vfio-pci with its owner and mode 0660', async () => {
    h = makeHarness({ json: true });
    // The fake kernel records chowns without making them: an owner who owns the fixture already lets the second run find it done.
    const me = `${process.getuid!()}:${process.getgid!()}`;
    await bind(h.ctx, [EDU], { persist: true, owner: me });
    readd(h, EDU);
    expect(driverOf(h, EDU)).toBeNull();
    const out = await start(h.ctx, [], { auto: true, device: EDU });
    expect(h.kernel.log).toEqual([
      { path: `${dev(EDU)}/driver_override`, value: 'vfio-pci' },
      { path: '/sys/bus/pci/drivers_probe', value: EDU },
    ]);
    expect(driverOf(h, EDU)).toBe('vfio-pci');
    expect(override(h, EDU)).toBe('vfio-pci');
    expect(h.kernel.chowns).toEqual([{ path: '/dev/vfio/10', uid: process.getuid!(), gid: process.getgid!() }]);
    expect(h.kernel.chmods).toEqual([{ path: '/dev/vfio/10', mode: 0o660 }]);
    expect(out.json).toEqual({
      schemaVersion: 1,
      partitions: [],
      skipped: [],
      failed: [],
      bindings: [{ address: EDU, driver: 'vfio-pci', previousDriver: null, iommuGroup: 10, vfioDevice: '/dev/vfio/10', owner: { uid: process.getuid!(), gid: process.getgid!(), mode: '0660' }, changed: true, persisted: true }],
    });
    expect(StartOutput.safeParse(out.json).success).toBe(true);
    // StartOutput's union also takes a dry run's shape: the bindings themselves must be the published BoundDevice.
    expect(BoundDevice.array().safeParse((out.json as { bindings?: unknown[] }).bindings ?? []).success).toBe(true);
    // Run again (udevadm trigger replays add events): nothing to do.
    h.kernel.log.length = 0;
    const again = await start(h.ctx, [], { auto: true, device: EDU });
    expect(h.kernel.log).toEqual([]);
    expect(h.info).toContain(`${EDU} is already on vfio-pci as persisted: nothing to do`);
    expect((again.json as { bindings: { changed: boolean }[] }).bindings[0]!.changed).toBe(false);
    // After a reboot (/run is empty) it came up driverless: nothing is remembered, so unbind lets the kernel probe.
    fs.rmSync(`${h.root}/run/accelctl`, { recursive: true, force: true });
    readd(h, EDU);
    await start(h.ctx, [], { auto: true, device: EDU });
    expect(driverOf(h, EDU)).toBe('vfio-pci');
    expect(fs.existsSync(`${h.root}/run/accelctl/bind/${EDU}.json`)).toBe(false);
    h.kernel.log.length = 0;
    await unbind(h.ctx, [EDU], {});
    expect(h.kernel.log).toEqual([
      { path: `${dev(EDU)}/driver_override`, value: '\n' },
      { path: '/sys/bus/pci/drivers/vfio-pci/unbind', value: EDU },
      { path: '/sys/bus/pci/drivers_probe', value: EDU },
    ]);
    expect(driverOf(h, EDU)).toBeNull();
  });

  it('a NIC the kernel gave to e1000e on add is taken off it; unbind gives it back and forgets the binding', async () => {
    h = makeHarness({ json: true });
    h.kernel.defaults.set(NIC, 'e1000e');
    await bind(h.ctx, [NIC], { persist: true });
    readd(h, NIC);
    expect(driverOf(h, NIC)).toBe('e1000e');
    const out = await start(h.ctx, [], { auto: true, device: '00:03.0' });
    expect(h.kernel.log).toEqual([
      { path: `${dev(NIC)}/driver_override`, value: 'vfio-pci' },
      { path: '/sys/bus/pci/drivers/e1000e/unbind', value: NIC },
      { path: '/sys/bus/pci/drivers_probe', value: NIC },
    ]);
    expect(driverOf(h, NIC)).toBe('vfio-pci');
    expect((out.json as { bindings: unknown[] }).bindings[0]).toMatchObject({ address: NIC, driver: 'vfio-pci', previousDriver: 'e1000e', owner: null });

    h.kernel.log.length = 0;
    const back = await unbind(h.ctx, [NIC], {});
    expect(driverOf(h, NIC)).toBe('e1000e');
    expect(fs.existsSync(saved(h, NIC))).toBe(false);
    expect(back.json).toEqual({ schemaVersion: 1, devices: [{ address: NIC, driver: 'e1000e', previousDriver: 'vfio-pci', changed: true, forgot: true }] });
    expect(UnbindOutput.safeParse(back.json).success).toBe(true);
    // Added again after unbind: no binding, so it stays on its host driver.
    readd(h, NIC);
    const none = await start(h.ctx, [], { auto: true, device: NIC });
    expect(h.kernel.log).toEqual([]);
    expect(driverOf(h, NIC)).toBe('e1000e');
    expect(none.json).toEqual({ schemaVersion: 1, partitions: [], skipped: [], failed: [], bindings: [] });
    expect(h.info).toContain(`${NIC} has no persisted binding: nothing to do`);
  });

  it('--dry-run prints the writes and the chown and changes nothing', async () => {
    h = makeHarness();
    await bind(h.ctx, [EDU], { persist: true, owner: 'nobody' });
    readd(h, EDU);
    const before = h.snapshot();
    const dry = makeHarness({ dryRun: true });
    const ctx = { ...dry.ctx, env: h.env };
    const out = await start(ctx, [], { auto: true, device: EDU });
    expect(out.text).toBe(
      [
        `write ${dev(EDU)}/driver_override <- "vfio-pci"`,
        `write /sys/bus/pci/drivers_probe <- "${EDU}"`,
        `wait  ${dev(EDU).replace(/.*/, `${EDU} to be bound to vfio-pci`)}`,
        'wait  /dev/vfio/10 to appear',
        'chown /dev/vfio/10 65534:65534 mode 0660',
      ].join('\n'),
    );
    expect(h.snapshot()).toEqual(before);
    dry.cleanup();
  });

  it('refuses to take a host driver the host is using (exit 5), as bind does', async () => {
    h = makeHarness();
    h.kernel.defaults.set(NIC, 'e1000e');
    await bind(h.ctx, [NIC], { persist: true });
    readd(h, NIC);
    const nic = fs.realpathSync(`${h.root}${dev(NIC)}`);
    fs.mkdirSync(`${h.root}/sys/class/net`, { recursive: true });
    fs.symlinkSync(path.relative(`${h.root}/sys/class/net`, `${nic}/net/eth0`), `${h.root}/sys/class/net/eth0`);
    fs.writeFileSync(`${nic}/net/eth0/flags`, '0x1003\n');
    fs.writeFileSync(`${nic}/net/eth0/operstate`, 'up\n');
    const e = await start(h.ctx, [], { auto: true, device: NIC }).catch((x) => x);
    expect(e.exitCode).toBe(EXIT.busy);
    expect(e.message).toBe(`${NIC} (e1000e) is in use by the host: network interface eth0 is up`);
    expect(h.kernel.log).toEqual([]);
    expect(driverOf(h, NIC)).toBe('e1000e');
  });

  it('bad input: --device without --auto, with --parent, not a PCI address (exit 2); a malformed file (exit 1); driver not loaded (exit 3)', async () => {
    h = makeHarness();
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ device: EDU }, EXIT.usage, /start --device applies a persisted binding and needs --auto/],
      [{ auto: true, device: EDU, parent: 'mtty' }, EXIT.usage, /--parent \(definitions\) or --device \(a persisted binding\), not both/],
      [{ auto: true, device: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002' }, EXIT.usage, /invalid PCI address/],
      [{ auto: true, device: '../../etc/passwd' }, EXIT.usage, /invalid PCI address/],
      [{ auto: true, device: '0000:99:00.0' }, EXIT.notFound, /no PCI function 0000:99:00.0/],
    ];
    for (const [opts, code, msg] of cases) {
      const e = await start(h.ctx, [], opts).catch((x) => x);
      expect(e.exitCode, JSON.stringify(opts)).toBe(code);
      expect(e.message).toMatch(msg);
    }
    fs.mkdirSync(`${h.root}/etc/accelctl/bindings`, { recursive: true });
    fs.writeFileSync(saved(h, EDU), '{"driver":"../evil","owner":null}\n');
    const bad = await start(h.ctx, [], { auto: true, device: EDU }).catch((x) => x);
    expect(bad.exitCode).toBe(EXIT.failed);
    expect(bad.message).toMatch(new RegExp(`^malformed /etc/accelctl/bindings/${EDU}: `));
    fs.writeFileSync(saved(h, EDU), '{"driver":"vfio-nope","owner":null}\n');
    const gone = await start(h.ctx, [], { auto: true, device: EDU }).catch((x) => x);
    expect(gone.exitCode).toBe(EXIT.notFound);
    expect(gone.message).toBe('driver vfio-nope is not loaded (no /sys/bus/pci/drivers/vfio-nope)');
    expect(h.kernel.log).toEqual([]);
    expect(driverOf(h, EDU)).toBeNull();
  });
});

describe('start --auto with neither --parent nor --device: the boot unit applies every persisted binding too', () => {
  it('functions added before their driver was there are bound, one not present is skipped, a second run has nothing to do', async () => {
    h = makeHarness({ json: true });
    const me = `${process.getuid!()}:${process.getgid!()}`;
    h.kernel.defaults.set(NIC, 'e1000e');
    await bind(h.ctx, [EDU], { persist: true, owner: me });
    await bind(h.ctx, [NIC], { persist: true });
    // A function with a saved binding that is not on this host now (pulled card, other slot).
    fs.writeFileSync(saved(h, '0000:99:00.0'), '{"driver":"vfio-pci","owner":null}\n');
    readd(h, EDU);
    readd(h, NIC);
    expect([driverOf(h, EDU), driverOf(h, NIC)]).toEqual([null, 'e1000e']);
    const out = await start(h.ctx, [], { auto: true });
    expect(out.exitCode ?? EXIT.ok).toBe(EXIT.ok);
    expect([driverOf(h, EDU), driverOf(h, NIC)]).toEqual(['vfio-pci', 'vfio-pci']);
    expect([override(h, EDU), override(h, NIC)]).toEqual(['vfio-pci', 'vfio-pci']);
    expect(h.kernel.chowns).toEqual([{ path: '/dev/vfio/10', uid: process.getuid!(), gid: process.getgid!() }]);
    // Sorted by address: the NIC (00:03.0) before the edu (81:00.0).
    expect(out.json).toEqual({
      schemaVersion: 1,
      partitions: [],
      skipped: [],
      failed: [],
      bindings: [
        { address: NIC, driver: 'vfio-pci', previousDriver: 'e1000e', iommuGroup: 3, vfioDevice: '/dev/vfio/3', owner: null, changed: true, persisted: true },
        { address: EDU, driver: 'vfio-pci', previousDriver: null, iommuGroup: 10, vfioDevice: '/dev/vfio/10', owner: { uid: process.getuid!(), gid: process.getgid!(), mode: '0660' }, changed: true, persisted: true },
      ],
      skippedBindings: [{ address: '0000:99:00.0', reason: 'function not present' }],
      failedBindings: [],
    });
    expect(StartOutput.safeParse(out.json).success).toBe(true);
    // StartOutput's union also takes a dry run's shape: the bindings themselves must be the published BoundDevice.
    expect(BoundDevice.array().safeParse((out.json as { bindings?: unknown[] }).bindings ?? []).success).toBe(true);
    // Idempotent: udev's own `start --auto --device` may have run first at boot.
    h.kernel.log.length = 0;
    const again = await start(h.ctx, [], { auto: true });
    expect(h.kernel.log).toEqual([]);
    expect((again.json as { bindings: { changed: boolean }[] }).bindings.map((b) => b.changed)).toEqual([false, false]);
    // --parent keeps to definitions: no binding is touched.
    readd(h, EDU);
    const parentOnly = await start(h.ctx, [], { auto: true, parent: 'mtty' });
    expect(h.kernel.log).toEqual([]);
    expect(driverOf(h, EDU)).toBeNull();
    expect(parentOnly.json).toEqual({ schemaVersion: 1, partitions: [], skipped: [], failed: [], bindings: [] });
  });

  it('text says what each binding came to; a binding that cannot be applied fails alone (its exit status), the others still apply', async () => {
    h = makeHarness();
    await bind(h.ctx, [EDU], { persist: true });
    readd(h, EDU);
    fs.writeFileSync(saved(h, NIC), '{"driver":"vfio-nope","owner":null}\n');
    const out = await start(h.ctx, [], { auto: true });
    expect(out.exitCode).toBe(EXIT.notFound);
    expect(driverOf(h, EDU)).toBe('vfio-pci');
    expect(driverOf(h, NIC)).toBe('e1000e');
    expect(out.text).toBe(
      [
        `failed binding ${NIC}: driver vfio-nope is not loaded (no /sys/bus/pci/drivers/vfio-nope)`,
        `${EDU}: no driver -> vfio-pci (/dev/vfio/10) (persisted binding)`,
      ].join('\n'),
    );
    const json = await start({ ...h.ctx, json: true }, [], { auto: true });
    expect((json.json as { failedBindings: unknown[] }).failedBindings).toEqual([
      { address: NIC, error: 'driver vfio-nope is not loaded (no /sys/bus/pci/drivers/vfio-nope)', exitCode: EXIT.notFound },
    ]);
    expect(StartOutput.safeParse(json.json).success).toBe(true);
    // StartOutput's union also takes a dry run's shape: the bindings themselves must be the published BoundDevice.
    expect(BoundDevice.array().safeParse((json.json as { bindings?: unknown[] }).bindings ?? []).success).toBe(true);
  });

  it('nothing saved at all: nothing to start, exit 0', async () => {
    h = makeHarness({ json: true });
    const out = await start(h.ctx, [], { auto: true });
    expect(out.exitCode ?? EXIT.ok).toBe(EXIT.ok);
    expect(h.info).toContain('no auto definitions and no persisted bindings: nothing to start');
    expect(out.json).toEqual({ schemaVersion: 1, partitions: [], skipped: [], failed: [], bindings: [], skippedBindings: [], failedBindings: [] });
  });
});

describe('unbind forgets a persisted binding', () => {
  it('the file goes with the binding; a second unbind has nothing to do', async () => {
    h = makeHarness({ json: true });
    await bind(h.ctx, [EDU], { persist: true });
    const u = await unbind(h.ctx, [EDU], {});
    expect(fs.existsSync(saved(h, EDU))).toBe(false);
    expect(driverOf(h, EDU)).toBeNull();
    expect((u.json as { devices: { forgot: boolean }[] }).devices[0]!.forgot).toBe(true);
    const again = await unbind(h.ctx, [EDU], {});
    expect((again.json as { devices: { changed: boolean; forgot: boolean }[] }).devices[0]).toMatchObject({ changed: false, forgot: false });
  });

  it('a function off VFIO (or gone) still has its binding forgotten', async () => {
    h = makeHarness({ json: true });
    fs.mkdirSync(`${h.root}/etc/accelctl/bindings`, { recursive: true });
    fs.writeFileSync(saved(h, EDU), '{"driver":"vfio-pci","owner":null}\n');
    const u = await unbind(h.ctx, [EDU], {});
    expect(h.kernel.log).toEqual([]);
    expect(fs.existsSync(saved(h, EDU))).toBe(false);
    expect(u.json).toEqual({ schemaVersion: 1, devices: [{ address: EDU, driver: null, previousDriver: null, changed: true, forgot: true }] });
    // Removed from the bus: the address alone finds the file.
    fs.writeFileSync(saved(h, '0000:99:00.0'), '{"driver":"vfio-pci","owner":null}\n');
    const g = await unbind(h.ctx, ['99:00.0'], {});
    expect(fs.existsSync(saved(h, '0000:99:00.0'))).toBe(false);
    expect((g.json as { devices: { forgot: boolean }[] }).devices[0]!.forgot).toBe(true);
    const missing = await unbind(h.ctx, ['99:00.0'], {}).catch((x) => x);
    expect(missing.exitCode).toBe(EXIT.notFound);
  });

  it('--dry-run shows the file deleted and keeps it', async () => {
    h = makeHarness();
    await bind(h.ctx, [EDU], { persist: true });
    const dry = makeHarness({ dryRun: true, json: true });
    const out = await unbind({ ...dry.ctx, env: h.env }, [EDU], {});
    expect((out.json as { files: unknown }).files).toEqual([
      { path: `/etc/accelctl/bindings/${EDU}`, content: null },
      { path: `/run/accelctl/bind/${EDU}.json`, content: null },
    ]);
    expect(fs.existsSync(saved(h, EDU))).toBe(true);
    expect(driverOf(h, EDU)).toBe('vfio-pci');
    dry.cleanup();
  });

  it('a release that fails puts the file back with the binding', async () => {
    h = makeHarness();
    await bind(h.ctx, [EDU], { persist: true });
    h.kernel.failures.set('/sys/bus/pci/drivers/vfio-pci/unbind', 'EBUSY');
    const e = await unbind(h.ctx, [EDU], {}).catch((x) => x);
    expect(e.exitCode).not.toBe(EXIT.ok);
    expect(e.message).toContain(`restored /etc/accelctl/bindings/${EDU}`);
    expect(fs.readFileSync(saved(h, EDU), 'utf8')).toBe('{"driver":"vfio-pci","owner":null}\n');
    expect(driverOf(h, EDU)).toBe('vfio-pci');
  });
});

describe('groups shows persisted bindings', () => {
  it('in JSON (null for members without one) and in the DEVICES column', async () => {
    h = makeHarness({ json: true });
    await bind(h.ctx, [EDU], { persist: true, owner: 'sandbox:kvm' });
    const out = await groups(h.ctx, ['10'], {});
    expect(GroupsOutput.safeParse(out.json).success).toBe(true);
    const members = (out.json as { groups: { devices: { name: string; persisted?: unknown }[] }[] }).groups[0]!.devices;
    expect(members.find((m) => m.name === EDU)!.persisted).toEqual({ driver: 'vfio-pci', owner: 'sandbox:kvm' });
    const all = await groups(h.ctx, [], {});
    const others = (all.json as { groups: { devices: { name: string; persisted?: unknown }[] }[] }).groups.flatMap((g) => g.devices).filter((m) => m.name !== EDU);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((m) => m.persisted === null)).toBe(true);
    const text = await groups({ ...h.ctx, json: false }, ['10'], {});
    expect(text.text).toContain(`${EDU} (vfio-pci, persisted vfio-pci for sandbox:kvm)`);
  });

  it('a malformed binding file is a warning there, not a failure', async () => {
    h = makeHarness({ json: true });
    fs.mkdirSync(`${h.root}/etc/accelctl/bindings`, { recursive: true });
    fs.writeFileSync(saved(h, EDU), 'not json');
    const out = await groups(h.ctx, ['10'], {});
    expect(GroupsOutput.safeParse(out.json).success).toBe(true);
    expect(h.info).toContain(`warning: malformed /etc/accelctl/bindings/${EDU}: "not json" is not JSON`);
  });
});
