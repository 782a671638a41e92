/** `inspect DEVICE`: the VFIO view of one device (docs/cli.md). Opens it read-only in effect: nothing is written. */
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import type { InspectDevice, InspectDocument } from '../schemas/inspect.js';
import { nativeSys } from '../vfio/ffi.js';
import { describeDevice } from '../vfio/describe.js';
import { openSession, resolveVfioDevice } from '../vfio/open.js';
import type { Sys } from '../vfio/sys.js';
import { renderInspect } from '../render/inspect.js';
import { makeStyle } from '../render/style.js';

export async function inspect(ctx: Context, arg: string, sys: Sys): Promise<InspectDevice> {
  const dev = await resolveVfioDevice(ctx.env, arg);
  const session = await openSession({ sys, trace: ctx.trace }, ctx.env, dev);
  try {
    return describeDevice(session, dev);
  } finally {
    session.close();
  }
}

/** `run` with the VFIO system calls given: tests hand in a fake. */
/** The device named. */
export const check = ({ args }: Given<'inspect'>): string => args[0]!;

export async function runWith(ctx: Context, name: string, sys: Sys = nativeSys()): Promise<Outcome> {
  const device = await inspect(ctx, name, sys);
  const doc: InspectDocument = { schemaVersion: 1, devices: [device] };
  return { json: doc, text: renderInspect(doc.devices, makeStyle(ctx.color)) };
}

export const run = (ctx: Context, name: string): Promise<Outcome> => runWith(ctx, name);
