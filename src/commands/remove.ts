/**
 * `remove UUID... [--force]`. The kernel's remove write blocks for as long as
 * a process holds the partition (docs/kernel.md §1), so holders are found first and
 * the command refuses, naming them. Every remove write, held or not (a
 * holder may keep only a device fd, which no /proc scan shows), goes through
 * the executor's bounded path (ACCELCTL_REMOVE_TIMEOUT, read by main): one still
 * pending then stops the run, the ones done are recreated, exit 5.
 */
import { planned, type Given, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { BusyError, NotFoundError, UsageError, type AccelError } from '../errors.js';
import type { PlanError } from '../plan/execute.js';
import { PendingWriteError } from '../plan/stop.js';
import { who } from '../host/held.js';
import { removeSteps } from '../plan/mdev.js';
import type { Step } from '../plan/types.js';
import { findHoldersSync, type Holder } from '../sysfs/holders.js';
import { listDirSync } from '../sysfs/attr.js';
import { mdevDir, readMdev, type Mdev } from '../sysfs/mdev.js';
import { didYouMean } from '../sysfs/suggest.js';
import { checkUuid } from '../validate.js';
import { definedAttrs } from '../persist/store.js';

export interface RemoveOptions {
  uuids: string[];
  force: boolean;
}

export function check({ args, opts }: Given<'remove'>): RemoveOptions {
  if (args.length === 0) throw new UsageError('remove needs at least one UUID');
  return { uuids: [...new Set(args.map((a) => checkUuid(a)))], force: opts.force };
}

export async function run(ctx: Context, { uuids, force }: RemoveOptions): Promise<Planned> {
  const { env } = ctx;
  const mdevs: Mdev[] = [];
  for (const uuid of uuids) {
    const m = readMdev(env, uuid);
    if (m === null) {
      const live = listDirSync(env.sys('bus/mdev/devices')).filter((u) => !uuids.includes(u));
      throw new NotFoundError(`no mdev ${uuid}${didYouMean(uuid, live)}`, 'accelctl list shows the live mdevs');
    }
    mdevs.push(m);
  }
  const holders = findHoldersSync(env);
  const heldBy = (m: Mdev): Holder[] => (m.iommuGroup === null ? [] : (holders.get(m.iommuGroup) ?? []));
  const held = mdevs.filter((m) => heldBy(m).length > 0);
  if (held.length > 0 && !force) {
    throw new BusyError(
      held.map((m) => `${m.uuid} is in use by ${who(heldBy(m))}`).join('; '),
      'stop the process first; remove --force tries anyway and gives up waiting after a few seconds',
    );
  }
  // An undone remove gives the partition back with its definition's attributes.
  const steps: Step[] = [];
  for (const m of mdevs) steps.push(...removeSteps(env, m, await definedAttrs(env, m)));
  const plan = { steps };
  // A remove still pending: say who holds it, as far as /proc shows.
  const failed = (err: PlanError): AccelError => {
    const f = err.failure;
    if (!(f instanceof PendingWriteError)) return err;
    const m = mdevs.find((x) => env.kernelPath(`${mdevDir(env, x.uuid)}/remove`) === f.target);
    if (m === undefined) return err;
    const hs = heldBy(m);
    const by = hs.length > 0 ? who(hs) : 'a process accelctl cannot see (a device fd or mapping, not the group node)';
    const rest = err.message.slice(f.message.length);
    return new BusyError(
      `remove of ${m.uuid} still pending after ${f.ms / 1000} s: held by ${by}; write ${JSON.stringify(f.value)} to ${f.target} is still in the kernel${rest}`,
      f.hint,
    );
  };
  return planned(plan, () => {
    const partitions = mdevs.map((m) => ({ uuid: m.uuid, parent: m.parent, type: m.type, iommuGroup: m.iommuGroup }));
    if (!ctx.quiet) for (const m of mdevs) ctx.info(`removed ${m.uuid}`);
    return { json: { schemaVersion: 1, partitions }, text: '' };
  }, { failed });
}
