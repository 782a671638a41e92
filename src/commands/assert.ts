/** `assert -f FILE [-c NAME]`: exit 0 when the host matches the plan, 1 listing each difference. No root needed. */
import type { z } from 'zod';
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { EXIT } from '../errors.js';
import { loadPlan, type Desired } from '../persist/planfile.js';
import { reconcile, type ParentDiff } from '../persist/reconcile.js';
import type { AssertOutput } from '../schemas/plan.js';

type Difference = z.infer<typeof AssertOutput>['differences'][number];

function differences(d: ParentDiff): Difference[] {
  const p = d.parent;
  const retyped = new Set(d.create.filter((c) => c.fixed).map((c) => c.uuid));
  return [
    ...d.remove.map((m): Difference =>
      retyped.has(m.uuid)
        ? { parent: p, kind: 'extra', uuid: m.uuid, type: m.type, detail: `${m.uuid} is ${m.type}, the plan says ${d.create.find((c) => c.uuid === m.uuid)!.type}` }
        : { parent: p, kind: 'extra', uuid: m.uuid, type: m.type, detail: `${m.uuid} (${m.type}) is not in the plan` },
    ),
    ...d.create.map((c): Difference => ({
      parent: p,
      kind: 'missing',
      uuid: c.fixed ? c.uuid : null,
      type: c.type,
      detail: c.fixed ? `${c.uuid} (${c.type}) is missing` : `one more ${c.type} is missing`,
    })),
    ...d.define.map((x): Difference => ({ parent: p, kind: 'definition', uuid: x.uuid, type: x.type, detail: `definition of ${x.uuid} is missing or differs` })),
    ...d.undefine.map((x): Difference => ({ parent: p, kind: 'definition', uuid: x.uuid, type: x.type, detail: `definition of ${x.uuid} is not in the plan` })),
  ];
}

export interface AssertOptions {
  file: string;
  desired: Desired;
}

export async function check({ opts: { file, config } }: Given<'assert'>): Promise<AssertOptions> {
  return { file, desired: await loadPlan(file, config) };
}

export async function run(ctx: Context, { file, desired }: AssertOptions): Promise<Outcome> {
  const diffs = await reconcile(ctx.env, desired);
  const list = diffs.flatMap(differences);
  const json = { schemaVersion: 1, config: desired.config, matches: list.length === 0, differences: list };
  if (list.length === 0) {
    ctx.info(`host matches config ${desired.config} of ${file}`);
    return { json, text: '' };
  }
  return { json, text: list.map((x) => `${x.parent}: ${x.detail}`).join('\n'), exitCode: EXIT.failed };
}
