/**
 * `sriov DEVICE --vfs N [--autoprobe | --no-autoprobe] [--force]`: set a PF's
 * VF count and list its VFs. Changing a non-zero count removes every VF first:
 * one the host uses (as bind checks a PF) is refused unless --force.
 */
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { BusyError, NotFoundError, UsageError } from '../errors.js';
import { pciFunction } from '../sysfs/device.js';
import { who } from '../host/held.js';
import { inUse } from '../host/inuse.js';
import { sriovSteps } from '../plan/sriov.js';
import { makeStyle } from '../render/style.js';
import { renderTable, footer, withFooter } from '../render/table.js';
import { existsSync } from '../sysfs/attr.js';
import { findHoldersSync } from '../sysfs/holders.js';
import { pciDir, readPciSync, type PciFunction } from '../sysfs/pci.js';
import type { z } from 'zod';
import type { VirtualFunction } from '../schemas/sriov.js';
import { vfioNode } from '../env.js';

type Vf = z.infer<typeof VirtualFunction>;

async function readVfs(ctx: Context, pf: PciFunction): Promise<Vf[]> {
  const out: Vf[] = [];
  for (const a of pf.virtfns) {
    const f = readPciSync(ctx.env, a);
    const g = f?.iommuGroup ?? null;
    out.push({ address: a, driver: f?.driver ?? null, iommuGroup: g, vfioDevice: vfioNode(g) });
  }
  return out;
}

/** Disabling VFs that a process holds through VFIO would block in the kernel, as an mdev remove does. */
async function refuseHeldVfs(ctx: Context, pf: PciFunction): Promise<void> {
  const holders = findHoldersSync(ctx.env);
  const held: string[] = [];
  for (const vf of await readVfs(ctx, pf)) {
    const hs = vf.iommuGroup === null ? [] : (holders.get(vf.iommuGroup) ?? []);
    if (hs.length > 0) held.push(`${vf.address} is in use by ${who(hs)}`);
  }
  if (held.length > 0) throw new BusyError(held.join('; '), 'stop the processes using the VFs first');
}

/** VFs the host uses (an interface up, a block device mounted, swap, dm/md): removing them pulls that away. */
async function refuseUsedVfs(ctx: Context, pf: PciFunction): Promise<void> {
  const busy: string[] = [];
  for (const a of pf.virtfns) {
    const vf = readPciSync(ctx.env, a);
    if (vf !== null) busy.push(...inUse(ctx.env, vf).map((why) => `${a} (${vf.driver ?? 'no driver'}): ${why}`));
  }
  if (busy.length > 0) throw new BusyError(`removing the VFs of ${pf.address} would pull them from the host: ${busy.join('; ')}`, 'stop using them first, or sriov --force');
}

export interface SriovOptions {
  device: string;
  vfs: number;
  /** --autoprobe / --no-autoprobe; null: leave it. */
  autoprobe: boolean | null;
  /** Remove VFs the host uses. */
  force: boolean;
}

export function check({ args, opts }: Given<'sriov'>): SriovOptions {
  if (args.length !== 1) throw new UsageError('sriov takes one device (the PF)');
  return { device: args[0]!, vfs: opts.vfs, autoprobe: opts.autoprobe ?? null, force: opts.force };
}

export async function run(ctx: Context, { device, vfs, autoprobe, force }: SriovOptions): Promise<Planned> {
  const { env } = ctx;
  const pf = pciFunction(env, device, 'sriov');
  if (pf.physfn !== null) throw new UsageError(`${pf.address} is a VF of ${pf.physfn}: give the PF`);
  if (pf.sriovTotalvfs === null) throw new UsageError(`${pf.address} is not SR-IOV capable (no sriov_totalvfs)`);
  if (vfs > pf.sriovTotalvfs) {
    throw new BusyError(`${pf.address} supports at most ${pf.sriovTotalvfs} VFs, ${vfs} asked for`);
  }
  if (autoprobe !== null && !existsSync(`${pciDir(env, pf.address)}/sriov_drivers_autoprobe`)) {
    throw new NotFoundError(`${pf.address} has no sriov_drivers_autoprobe`);
  }
  if ((pf.sriovNumvfs ?? 0) !== vfs && (pf.sriovNumvfs ?? 0) > 0) {
    // A VFIO holder stays a refusal even with --force: the kernel would block removing its VF.
    await refuseHeldVfs(ctx, pf);
    if (!force) await refuseUsedVfs(ctx, pf);
  }
  const steps = sriovSteps(env, pf, vfs, autoprobe);
  const changed = (pf.sriovNumvfs ?? 0) !== vfs;
  const notes = changed ? [] : [`${pf.address} already has ${vfs} VFs: nothing to do`];
  return planned({ steps }, async () => {
    const now = readPciSync(env, pf.address) ?? pf;
    const list = await readVfs(ctx, now);
    const style = makeStyle(ctx.color);
    const text =
      list.length === 0
        ? `${pf.address}: SR-IOV disabled`
        : withFooter(renderTable(list, [
            { header: 'ADDRESS', value: (v) => v.address },
            { header: 'DRIVER', value: (v) => v.driver },
            { header: 'GROUP', value: (v) => v.iommuGroup, align: 'right' },
            { header: 'VFIO', value: (v) => v.vfioDevice },
          ], style), footer(list.length, 'VF', style), ctx.quiet);
    return {
      json: { schemaVersion: 1, device: pf.address, totalvfs: pf.sriovTotalvfs, numvfs: now.sriovNumvfs ?? vfs, changed, vfs: list },
      text,
    };
  }, { notes });
}
