/**
 * `start UUID` creates a partition from its definition (parent, type, attrs);
 * `start --parent P --type T [--uuid U] [--attr K=V]...` starts a transient
 * one, as mdevctl's start does. Already running as defined: nothing to do.
 * `start --auto [--parent P]` starts every definition marked auto (of P): what
 * a udev rule runs when a parent registers, so saved partitions come back
 * after a reboot (mdevctl's start-parent-mdevs).
 * `start --auto --device ADDR` applies the persisted binding of one PCI
 * function (`bind --persist`): what the udev rule runs when the function is
 * added, so a binding and its owner come back after a reboot (driverctl's job).
 * `start --auto` with neither --parent nor --device does both for the whole
 * host: every auto definition and every persisted binding of a function that
 * is present, each on its own (what the boot unit runs, so a function added
 * before its driver was loaded, when the udev rule could not bind it, is
 * bound once it is). Whatever is already as saved is nothing to do.
 */
import { randomUUID } from 'node:crypto';
import { planned, type Given, type PartResult, type Planned } from '../command.js';
import type { Context } from '../context.js';
import { AccelError, BusyError, EXIT, NotFoundError, UsageError, type ExitCode } from '../errors.js';
import { createdPartitions, planCreate, type CreatedPartition, type CreatePlan, type CreateRequest } from '../plan/mdev.js';
import { oneUuid } from '../persist/args.js';
import { oneDefinition } from '../persist/select.js';
import { definitionHook, listDefinitions, type Attr, type Definition } from '../persist/store.js';
import { parentNames } from '../sysfs/mdev.js';
import { vfioNode } from '../env.js';
import { resolveOwner } from '../host/accounts.js';
import { refuseHeld } from '../host/held.js';
import { inUse } from '../host/inuse.js';
import { boundAddresses, readBinding } from '../persist/bindings.js';
import { bindSteps, currentDriver, isVfioDriver, ownerSteps, rememberStep, requireDriver } from '../plan/pci.js';
import { pciFunction } from '../sysfs/device.js';
import { readPciSync } from '../sysfs/pci.js';
import type { Plan } from '../plan/types.js';
import type { z } from 'zod';
import type { BoundDevice } from '../schemas/bind.js';

interface StartArgs {
  uuid: string | undefined;
  parent: string | undefined;
  type: string | undefined;
  extra: Attr[];
}

export type StartOptions = ({ auto: false } & StartArgs) | { auto: true; parent: string | undefined; device?: undefined } | { auto: true; device: string; parent?: undefined };

/** Every argument checked before the root check and the lock, so bad input is exit 2 for anyone. */
export function check({ args, opts }: Given<'start'>): StartOptions {
  const { device } = opts;
  if (opts.auto) {
    const given = { type: opts.type !== undefined, uuid: opts.uuid !== undefined, attr: opts.attr.length > 0 };
    const extra = (['type', 'uuid', 'attr'] as const).filter((k) => given[k]).map((k) => `--${k}`);
    if (args.length > 0 || extra.length > 0) {
      throw new UsageError(`start --auto starts the saved auto definitions and takes only --parent or --device (got ${[...args, ...extra].join(' ')})`);
    }
    if (device !== undefined) {
      if (opts.parent !== undefined) throw new UsageError('start --auto takes --parent (definitions) or --device (a persisted binding), not both');
      return { auto: true, device };
    }
    return { auto: true, parent: opts.parent };
  }
  if (device !== undefined) throw new UsageError('start --device applies a persisted binding and needs --auto', 'accelctl start --auto --device ADDR');
  return {
    auto: false,
    uuid: oneUuid('start', args, opts.uuid, false),
    parent: opts.parent,
    type: opts.type,
    extra: opts.attr,
  };
}

/** What a start's callouts get: the definition as saved, or a transient one (start manual) with its attributes. */
const startHook = (req: CreateRequest, def: Definition | null) =>
  definitionHook('start', def ?? { uuid: req.uuids[0]!, parent: req.parent, type: req.type, start: 'manual', attrs: req.attrs });

async function request(ctx: Context, a: StartArgs): Promise<CreateRequest & { def: Definition | null }> {
  const { uuid, parent, type, extra } = a;
  const def = uuid === undefined ? null : await oneDefinition(ctx.env, uuid, parent);
  if (def !== null) {
    if (type !== undefined && type !== def.type) throw new UsageError(`${uuid} is defined as ${def.type}, not ${type}`, 'accelctl modify --type changes the definition');
    return { parent: def.parent, type: def.type, uuids: [def.uuid], attrs: [...def.attrs, ...extra], def };
  }
  if (parent === undefined || type === undefined) {
    if (uuid !== undefined) throw new NotFoundError(`no definition of ${uuid}`, 'give --parent and --type to start a transient partition');
    throw new UsageError('start needs a defined UUID, or --parent and --type');
  }
  return { parent, type, uuids: [uuid ?? randomUUID()], attrs: extra, def: null };
}

export async function run(ctx: Context, o: StartOptions): Promise<Planned> {
  if (o.auto && o.device !== undefined) return startBinding(ctx, o.device);
  if (o.auto) return startAuto(ctx, o.parent);
  const { def, ...req } = await request(ctx, o);
  const created = await planCreate(ctx.env, req);
  // Already running as asked: no action, so no callouts (mdevctl refuses a second start).
  const plan = { ...created, hooks: created.steps.length > 0 ? [startHook(req, def)] : [] };
  const uuid = req.uuids[0]!;
  return planned(plan, () => ({ json: { schemaVersion: 1, partitions: createdPartitions(ctx.env, req, plan) }, text: uuid }), {
    notes: plan.existing.length > 0 ? [`${uuid} is already running as ${req.type} on ${req.parent}: nothing to do`] : [],
  });
}

/**
 * Every auto definition (of one parent) started, each on its own: one that
 * cannot start (its type gone, no capacity, a kernel refusal) is undone and
 * reported, and the others still start, as a boot needs. Definitions whose
 * parent is not present are skipped: udev runs this again when it registers.
 * Exit status: that of the first failure, else 0.
 */
async function startAuto(ctx: Context, parent: string | undefined): Promise<Planned> {
  const defs = (await listDefinitions(ctx.env, parent)).filter((d) => d.start === 'auto');
  const present = new Set(parentNames(ctx.env));
  // Each present definition is one part, planned when its turn comes (after the one before started).
  const entries: { d: Definition; req: CreateRequest | null; part: number }[] = [];
  const plans: CreatePlan[] = [];
  const parts: (() => Promise<Plan>)[] = [];
  for (const d of defs) {
    if (!present.has(d.parent)) {
      entries.push({ d, req: null, part: -1 });
      continue;
    }
    const req: CreateRequest = { parent: d.parent, type: d.type, uuids: [d.uuid], attrs: d.attrs };
    const i = parts.length;
    entries.push({ d, req, part: i });
    parts.push(async () => {
      const p = await planCreate(ctx.env, req);
      return (plans[i] = { ...p, hooks: p.steps.length > 0 ? [startHook(req, d)] : [] });
    });
  }
  // With no --parent, every persisted binding too (after the definitions): one part per function present.
  const bound: { address: string; part: number }[] = [];
  const bindingViews: (BindingView | undefined)[] = [];
  if (parent === undefined) {
    for (const address of boundAddresses(ctx.env)) {
      if (readPciSync(ctx.env, address) === null) {
        bound.push({ address, part: -1 });
        continue;
      }
      const i = parts.length;
      bound.push({ address, part: i });
      parts.push(async () => {
        const v = await bindingPlan(ctx, address);
        bindingViews[i] = v ?? undefined;
        return v?.plan ?? { steps: [] };
      });
    }
  }
  /** What each persisted binding came to, after the definitions' report. */
  const reportBindings = (results: PartResult[], ran: boolean) => {
    const bindings: BoundBinding[] = [];
    const skipped: { address: string; reason: string }[] = [];
    const failed: { address: string; error: string; exitCode: ExitCode }[] = [];
    const lines: string[] = [];
    for (const { address, part } of bound) {
      const r = results[part];
      const v = bindingViews[part];
      if (part === -1 || r === undefined) {
        skipped.push({ address, reason: 'function not present' });
        lines.push(`skipped binding ${address}: the function is not present`);
      } else if ('error' in r) {
        failed.push({ address, error: r.error.message, exitCode: r.error.exitCode });
        lines.push(`failed binding ${address}: ${r.error.message}`);
      } else if (ran && v !== undefined) {
        const { binding, text } = v.report();
        bindings.push(binding);
        lines.push(text);
      }
    }
    return { bindings, skipped, failed, lines };
  };
  /** What each definition came to; `ran`: the parts were executed (else a dry run planned them). */
  const report = (results: PartResult[], ran: boolean) => {
    const partitions: CreatedPartition[] = [];
    const skipped: { uuid: string; parent: string; type: string; reason: string }[] = [];
    const failed: ReturnType<typeof failure>[] = [];
    const lines: string[] = [];
    for (const { d, req, part } of entries) {
      const r = results[part];
      if (req === null || r === undefined) {
        skipped.push({ uuid: d.uuid, parent: d.parent, type: d.type, reason: 'parent not present' });
        lines.push(`skipped ${d.uuid}: parent ${d.parent} is not present`);
      } else if ('error' in r) {
        failed.push(failure(d, r.error));
        lines.push(`failed ${d.uuid} (${d.type} on ${d.parent}): ${r.error.message}`);
      } else if (ran) {
        const p = createdPartitions(ctx.env, req, plans[part]!)[0]!;
        partitions.push(p);
        lines.push(p.created ? `started ${d.uuid} (${d.type} on ${d.parent})` : `${d.uuid} already running (${d.type} on ${d.parent})`);
      }
    }
    const b = reportBindings(results, ran);
    lines.push(...b.lines);
    return { partitions, skipped, failed, lines, b, exitCode: failed[0]?.exitCode ?? b.failed[0]?.exitCode ?? EXIT.ok };
  };
  return {
    parts,
    keepGoing: true,
    done: (results) => {
      const { partitions, skipped, failed, lines, b, exitCode } = report(results, true);
      if (parent !== undefined) {
        if (defs.length === 0) ctx.info(`no auto definitions for ${parent}: nothing to start`);
        return { json: { schemaVersion: 1, partitions, skipped, failed, bindings: [] }, text: lines.join('\n'), exitCode };
      }
      if (defs.length === 0 && bound.length === 0) ctx.info('no auto definitions and no persisted bindings: nothing to start');
      const json = { schemaVersion: 1, partitions, skipped, failed, bindings: b.bindings, skippedBindings: b.skipped, failedBindings: b.failed };
      return { json, text: lines.join('\n'), exitCode };
    },
    // The writes go to stdout as for every dry run; what would be skipped or
    // fail says so on stderr, and the exit status is the one the run would have.
    dryRun: (results) => {
      const { lines, exitCode } = report(results, false);
      return { warnings: lines, exitCode };
    },
  };
}

const failure = (d: Definition, err: AccelError): { uuid: string; parent: string; type: string; error: string; exitCode: ExitCode } => ({
  uuid: d.uuid,
  parent: d.parent,
  type: d.type,
  error: err.message,
  exitCode: err.exitCode,
});

/** One persisted binding planned: its plan, what to say before it runs, and its report once it ran. */
interface BindingView {
  plan: Plan;
  notes: string[];
  report(): { binding: BoundBinding; text: string };
}

/** As bind reports a function (the published BoundDevice): one shape for both commands' JSON. */
type BoundBinding = z.infer<typeof BoundDevice>;

/**
 * `--auto --device ADDR`: the persisted binding of one PCI function
 * (src/persist/bindings.ts) applied: driver_override set to its driver, the
 * function moved there (unbound from whatever the kernel gave it when it was
 * added, then drivers_probe), and /dev/vfio/N given to the saved owner with
 * mode 0660. What the udev rule runs on the function's `add` event, as
 * driverctl's rule does with /etc/driverctl.d. The same refusals as `bind`
 * (a host driver in use, a VFIO device held open); the IOMMU group is not
 * checked: at boot its other members come one event at a time, each bringing
 * its own persisted binding. Null when the function has none; refusals throw.
 */
async function bindingPlan(ctx: Context, device: string): Promise<BindingView | null> {
  const { env } = ctx;
  const fn = pciFunction(env, device, 'start --auto --device');
  const saved = readBinding(env, fn.address);
  if (saved === null) return null;
  const { driver } = saved;
  requireDriver(env, driver);
  const owner = saved.owner === null ? null : resolveOwner(env, saved.owner);
  if (isVfioDriver(fn.driver) && fn.driver !== driver) await refuseHeld(env, fn.address, fn.iommuGroup, 'stop the process first: taking the device off its driver now would block until it lets go');
  if (fn.driver !== driver) {
    const busy = inUse(env, fn);
    if (busy.length > 0) throw new BusyError(`${fn.address} (${fn.driver}) is in use by the host: ${busy.join('; ')}`, 'stop using it, then run this again (or bind --force)');
  }
  // A host driver it came up on is what unbind gives it back to (bind's memory, a step before the move); none: unbind lets the kernel probe again.
  const remember = fn.driver !== driver && fn.driver !== null ? [rememberStep(env, fn)] : [];
  const steps = [...remember, ...bindSteps(env, fn, driver), ...ownerSteps(env, fn.iommuGroup, owner)];
  const notes = steps.length === 0 ? [`${fn.address} is already on ${driver} as persisted: nothing to do`] : [];
  return {
    plan: { steps },
    notes,
    report: () => {
      const now = currentDriver(env, fn.address);
      const node = vfioNode(fn.iommuGroup);
      const binding: BoundBinding = {
        address: fn.address,
        driver: now,
        previousDriver: fn.driver,
        iommuGroup: fn.iommuGroup,
        vfioDevice: node,
        owner: owner ? { uid: owner.uid, gid: owner.gid, mode: '0660' } : null,
        changed: steps.length > 0,
        persisted: true,
      };
      const given = owner && steps.some((s) => s.kind === 'chown') ? `, ${node} given to ${saved.owner}` : '';
      const text =
        fn.driver !== driver
          ? `${fn.address}: ${fn.driver ?? 'no driver'} -> ${now ?? 'no driver'}${node ? ` (${node})` : ''}${given} (persisted binding)`
          : `${fn.address}: already on ${now}${node ? ` (${node})` : ''}${given} (persisted binding)`;
      return { binding, text };
    },
  };
}

async function startBinding(ctx: Context, device: string): Promise<Planned> {
  const none = { schemaVersion: 1, partitions: [], skipped: [], failed: [], bindings: [] };
  const v = await bindingPlan(ctx, device);
  if (v === null) {
    const address = pciFunction(ctx.env, device, 'start --auto --device').address;
    return planned({ steps: [] }, () => {
      ctx.info(`${address} has no persisted binding: nothing to do`);
      return { json: none, text: '' };
    });
  }
  return planned(
    v.plan,
    () => {
      const { binding, text } = v.report();
      return { json: { ...none, bindings: [binding] }, text };
    },
    { notes: v.notes },
  );
}
