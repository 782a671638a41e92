/**
 * `remove UUID... [--force]`. The kernel's remove write blocks for as long as
 * a process holds the partition (docs/kernel.md §1), so holders are found first and
 * the command refuses, naming them. With --force the write is tried anyway in
 * a child process, waited for a bounded time, and reported if still pending.
 */
import { planned, type Planned, type Raw } from '../command.js';
import type { Context } from '../context.js';
import { BusyError, NotFoundError, UsageError } from '../errors.js';
import { who } from '../host/held.js';
import { removeSteps } from '../plan/mdev.js';
import { findHoldersSync, type Holder } from '../sysfs/holders.js';
import { listDirSync } from '../sysfs/attr.js';
import { mdevDir, readMdev, type Mdev } from '../sysfs/mdev.js';
import { didYouMean } from '../sysfs/suggest.js';
import { checkUuid } from '../validate.js';

/** ACCELCTL_REMOVE_TIMEOUT (seconds, default 5): how long --force waits for a held partition. */
function forceWaitMs(): number {
  const raw = process.env.ACCELCTL_REMOVE_TIMEOUT;
  const s = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(s) && s >= 0 ? s * 1000 : 5000;
}

export interface RemoveOptions {
  uuids: string[];
  force: boolean;
}

export function parse({ args, opts }: Raw): RemoveOptions {
  if (args.length === 0) throw new UsageError('remove needs at least one UUID');
  return { uuids: [...new Set(args.map((a) => checkUuid(a)))], force: opts.force === true };
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
  const waitMs = forceWaitMs();
  const plan = { steps: mdevs.flatMap((m) => removeSteps(env, m, heldBy(m).length > 0 ? waitMs : undefined)) };
  return planned(plan, ({ pending }) => {
    if (pending.length > 0) {
      const stuck = mdevs.filter((m) => pending.some((p) => p.path === `${mdevDir(env, m.uuid)}/remove`));
      const done = mdevs.filter((m) => !stuck.includes(m));
      throw new BusyError(
        stuck.map((m) => `remove of ${m.uuid} still pending after ${waitMs / 1000} s: held by ${who(heldBy(m))}`).join('; ') +
          (done.length > 0 ? `; removed ${done.map((m) => m.uuid).join(', ')}` : ''),
        'the kernel finishes the removal when the holder closes the device',
      );
    }
    const partitions = mdevs.map((m) => ({ uuid: m.uuid, parent: m.parent, type: m.type, iommuGroup: m.iommuGroup }));
    if (!ctx.quiet) for (const m of mdevs) ctx.info(`removed ${m.uuid}`);
    return { json: { schemaVersion: 1, partitions }, text: '' };
  });
}
