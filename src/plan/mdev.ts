/** Plans for creating and removing mdevs (docs/kernel.md §1). */
import { existsSync, lstatSync } from 'node:fs';
import { under, vfioNode, type Env } from '../env.js';
import { readGroupLinkSync } from '../sysfs/attr.js';
import { BusyError, NotFoundError } from '../errors.js';
import { parentNames, parentTypeDir, mdevDir, readMdev, readParentSync, readParentTypeSync, type Mdev, type MdevParent, type MdevType } from '../sysfs/mdev.js';
import { didYouMean } from '../sysfs/suggest.js';
import { resolveType } from '../sysfs/resolve.js';
import { isName } from '../validate.js';
import { wait, write, type Plan, type Step, type WriteStep } from './types.js';

export interface CreateRequest {
  parent: string;
  type: string;
  uuids: string[];
  attrs: { name: string; value: string }[];
}

/** The parent's type, or a NotFoundError with a did-you-mean. */
export async function findType(env: Env, parent: string, type: string): Promise<MdevType> {
  // The usual case reads that one type (a boot-time start --auto plans one create per definition,
  // under the host lock); a parent or type that is not there reads the parent for the error's suggestions.
  // A name checkName would refuse goes the long way too, so its error is the one it always was.
  return (isName(type) ? readParentTypeSync(env, parent, type) : null) ?? typeIn(env, parent, readParentSync(env, parent), type);
}

/** findType on a parent already read (null: it is not there), for callers that check several types or use the parent too. The type is resolved by the one type resolver (sysfs/resolve.ts). */
export function typeIn(env: Env, parent: string, p: MdevParent | null, type: string): MdevType {
  if (p === null) {
    throw new NotFoundError(`no mdev parent ${parent}${didYouMean(parent, parentNames(env))}`, 'accelctl types lists parents and types');
  }
  return resolveType(p, type);
}

function lexists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

const removeStep = (env: Env, uuid: string, note: string): WriteStep => write(under(mdevDir(env, uuid), 'remove'), '1', note);

export function createSteps(env: Env, req: CreateRequest, uuid: string): Step[] {
  const dir = mdevDir(env, uuid);
  const steps: Step[] = [
    // The UUID without a newline, as mdevctl writes it.
    write(under(parentTypeDir(env, req.parent, req.type), 'create'), uuid, `create ${uuid}`, async () =>
      existsSync(dir) ? [removeStep(env, uuid, `removed ${uuid}`)] : [],
    ),
    wait(`${env.kernelPath(dir)} to appear`, () => existsSync(dir)),
  ];
  return [...steps, ...attrSteps(env, uuid, req.attrs, 'set')];
}

export interface CreatePlan extends Plan {
  /** UUIDs that already exist as asked (an idempotent create): nothing to do for them. */
  existing: string[];
}

/** Checks everything a create needs before the first write; throws naming what is wrong. */
export async function planCreate(env: Env, req: CreateRequest): Promise<CreatePlan> {
  const t = await findType(env, req.parent, req.type);
  const existing: string[] = [];
  const fresh: string[] = [];
  for (const uuid of req.uuids) {
    // One lstat for the usual case, a fresh random UUID: readMdev walks the whole path.
    const m = lexists(mdevDir(env, uuid)) ? readMdev(env, uuid) : null;
    if (m === null) {
      fresh.push(uuid);
      continue;
    }
    if (m.parent !== req.parent || m.type !== req.type) {
      throw new BusyError(`UUID ${uuid} is already in use by a ${m.type} partition on ${m.parent}`);
    }
    existing.push(uuid);
  }
  // Unknown (garbage in available_instances, warned about): the kernel's create says whether there is room.
  if (t.availableInstances !== null && fresh.length > t.availableInstances) {
    throw new BusyError(
      `${req.type} on ${req.parent} has ${t.availableInstances} available instance${t.availableInstances === 1 ? '' : 's'}, ${fresh.length} asked for`,
      'types of one parent can share a pool: accelctl types shows what is left',
    );
  }
  return { steps: fresh.flatMap((u) => createSteps(env, req, u)), existing };
}

/** What create and start report of each partition a plan made, or found running as asked. */
export interface CreatedPartition {
  uuid: string;
  parent: string;
  type: string;
  iommuGroup: number | null;
  vfioDevice: string | null;
  created: boolean;
}

/** After the plan ran: each of the request's partitions with the group the kernel gave it. */
export function createdPartitions(env: Env, req: CreateRequest, plan: CreatePlan): CreatedPartition[] {
  return req.uuids.map((uuid) => {
    const group = readGroupLinkSync(env, under(mdevDir(env, uuid), 'iommu_group'));
    return {
      uuid,
      parent: req.parent,
      type: req.type,
      iommuGroup: group,
      vfioDevice: vfioNode(group),
      created: !plan.existing.includes(uuid),
    };
  });
}

/**
 * Removes one mdev; undone by creating it again with the same UUID and type,
 * waiting for it to appear, and writing `attrs` (its definition's, in order:
 * persist/store.ts definedAttrs) as `start` does, so the undo says done only
 * of a partition that is there again as it was (and a later undo step, or the
 * next command, finds it). The attributes come from the plan, not from a
 * file read during the undo: the undo puts back what was there when the
 * command looked. The remove write blocks while anything holds the device:
 * the executor bounds it (bounded.ts).
 */
export function removeSteps(env: Env, m: Mdev, attrs: readonly { name: string; value: string }[]): Step[] {
  const dir = mdevDir(env, m.uuid);
  // Done once the device is there: a crash recovery asks this, not the path (journal.ts).
  const recreate = write(under(parentTypeDir(env, m.parent, m.type), 'create'), m.uuid, `recreated ${m.uuid}`, undefined, { k: 'exists', path: dir });
  const back = [recreate, wait(`${env.kernelPath(dir)} to come back`, () => existsSync(dir)), ...attrSteps(env, m.uuid, attrs, 'put back')];
  const step = { ...removeStep(env, m.uuid, `remove ${m.uuid}`), undo: back };
  return [step, wait(`${env.kernelPath(dir)} to go away`, () => !existsSync(dir))];
}

/** The attribute writes after a create (in order), as mdevctl's start makes them. */
function attrSteps(env: Env, uuid: string, attrs: readonly { name: string; value: string }[], verb: string): WriteStep[] {
  const dir = mdevDir(env, uuid);
  return attrs.map((a) => {
    const path = under(dir, a.name);
    return write(path, a.value, `${verb} ${a.name} on ${uuid}`, undefined, { k: 'reads', path, value: a.value });
  });
}
