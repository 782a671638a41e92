/**
 * `bind DEVICE [--driver vfio-pci] [--owner USER[:GROUP]] [--force] [--group] [--persist]`:
 * hands a PCI function (and with --group the rest of its IOMMU group) to a
 * VFIO driver, refusing one its host driver is using unless --force, and
 * remembering the previous driver for `unbind`. --persist also saves the
 * binding (/etc/accelctl/bindings/<addr>) so udev brings it back whenever the
 * function is added again (a reboot): src/persist/bindings.ts.
 */
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { BusyError, UsageError } from '../errors.js';
import { resolveOwner } from '../host/accounts.js';
import { pciFunction } from '../sysfs/device.js';
import { inUse } from '../host/inuse.js';
import { readMemory } from '../host/memory.js';
import { bindSteps, currentDriver, isVfioDriver, ownerSteps, rememberStep, requireDriver } from '../plan/pci.js';
import { hasBinding, saveBindingSteps } from '../persist/bindings.js';
import { refuseHeld } from '../host/held.js';
import { blocker, readGroup } from '../sysfs/iommu.js';
import { readPciSync, type PciFunction } from '../sysfs/pci.js';
import { vfioNode, type Env } from '../env.js';

/** The other members of the function's group that keep host drivers (bridges aside). */
async function groupBlockers(env: Env, fn: PciFunction): Promise<PciFunction[]> {
  if (fn.iommuGroup === null) return [];
  const g = readGroup(env, fn.iommuGroup);
  const names = (g?.devices ?? []).filter((m) => m.name !== fn.address && m.bus === 'pci' && blocker(m) !== null).map((m) => m.name);
  const out: PciFunction[] = [];
  for (const n of names) {
    const f = readPciSync(env, n);
    if (f) out.push(f);
  }
  return out;
}

export interface BindOptions {
  device: string;
  driver: string;
  owner: string | undefined;
  force: boolean;
  group: boolean;
  /** --persist: save the binding so it returns when the function is added again (a reboot). */
  persist: boolean;
}

export function check({ args, opts }: Given<'bind'>): BindOptions {
  if (args.length !== 1) throw new UsageError('bind takes one device');
  return { device: args[0]!, ...opts };
}

export async function run(ctx: Context, o: BindOptions): Promise<Planned> {
  const { env } = ctx;
  const { driver } = o;
  const fn = pciFunction(env, o.device, 'bind');
  const owner = o.owner !== undefined ? resolveOwner(env, o.owner) : null;
  requireDriver(env, driver);
  const others = isVfioDriver(driver) ? await groupBlockers(env, fn) : [];
  if (others.length > 0 && !o.group) {
    throw new BusyError(
      `IOMMU group ${fn.iommuGroup} also holds ${others.map((o) => `${o.address} (${o.driver})`).join(', ')}: VFIO cannot use the group while they keep host drivers`,
      'bind the whole group with --group',
    );
  }
  if (isVfioDriver(fn.driver) && fn.driver !== driver) await refuseHeld(env, fn.address, fn.iommuGroup, 'stop the process first: taking the device off its driver now would block until it lets go');
  const targets = [fn, ...others];
  if (!o.force) {
    const busy = targets.flatMap((t) => inUse(env, t).map((why) => `${t.address} (${t.driver}): ${why}`));
    if (busy.length > 0) throw new BusyError(`in use by the host: ${busy.join('; ')}`, 'stop using it first, or bind --force');
  }
  const chown = ownerSteps(env, fn.iommuGroup, owner);
  // A function already on the driver stays as it is (its driver_override too): bind changes nothing there.
  const already = (t: PciFunction): boolean => t.driver === driver;
  // --persist saves each function it binds; the owner goes with the named one (the group's node is one for all).
  const saving = new Map(o.persist ? targets.map((t) => [t.address, saveBindingSteps(env, t.address, { driver, owner: t === fn ? (o.owner ?? null) : null })] as const) : []);
  const save = [...saving.values()].flat();
  const steps = [...targets.flatMap((t) => (already(t) ? [] : [rememberStep(env, t), ...bindSteps(env, t, driver)])), ...chown, ...save];
  const notes = steps.length === 0 ? [`${fn.address} is already bound to ${driver}${o.persist ? ', persisted' : ''}: nothing to do`] : [];
  return planned({ steps }, () => {
    const devices = targets.map((t) => {
      const moved = t.driver !== driver;
      const remembered = moved ? t.driver : (readMemory(env, t.address)?.previousDriver ?? null);
      return {
        address: t.address,
        driver: currentDriver(env, t.address),
        previousDriver: remembered,
        iommuGroup: t.iommuGroup,
        vfioDevice: vfioNode(t.iommuGroup),
        owner: owner && t === fn ? { uid: owner.uid, gid: owner.gid, mode: '0660' as const } : null,
        changed: moved || (t === fn && chown.length > 0) || (saving.get(t.address)?.length ?? 0) > 0,
        persisted: hasBinding(env, t.address),
        stayed: !moved,
      };
    });
    const text = devices
      .map((d) => {
        const node = d.vfioDevice ? ` (${d.vfioDevice})` : '';
        const given = d.owner && chown.length > 0 ? `, ${d.vfioDevice} given to ${o.owner} (mode 0660)` : '';
        const kept = o.persist && d.persisted ? ', persisted' : '';
        return d.stayed
          ? `${d.address}: already on ${d.driver}${node}${given}${kept}`
          : `${d.address}: ${d.previousDriver ?? 'no driver'} -> ${d.driver ?? 'no driver'}${node}${given}${kept}`;
      })
      .join('\n');
    return { json: { schemaVersion: 1, devices: devices.map(({ stayed: _, ...d }) => d) }, text };
  }, { notes, ...(o.persist ? { files: true } : {}) });
}
