/**
 * `features [--output FILE|-] [--expiry DURATION] [--label KEY=VALUE]...`:
 * Node Feature Discovery labels of this host (src/nfd/features.ts), written
 * atomically into NFD's features.d directory under --root, or printed. A
 * command of its own rather than an `export` format: export prints a plan
 * that apply reads back, while this is a file with a home, an expiry and a
 * timer that rewrites it. Like `health --output`, a report file: it changes
 * no kernel state, so it is not a plan; the entry writes it (not in a dry run).
 */
import type { Raw } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { UsageError } from '../errors.js';
import { DEFAULT_FILE, featuresOf, parseExpiry, parseLabel, readInventory, renderFeatureFile, rfc3339, type Feature } from '../nfd/features.js';
import { VERSION } from '../globals.js';
import { checkOutputPath } from '../validate.js';

export interface FeaturesOptions {
  /** Seconds until the labels expire; null: no +expiry-time directive. */
  expirySeconds: number | null;
  labels: Feature[];
  /** `-` for stdout; undefined: NFD's directory under --root. */
  output: string | undefined;
}

export const parse = ({ opts }: Raw): FeaturesOptions => ({
  expirySeconds: parseExpiry(typeof opts.expiry === 'string' ? opts.expiry : '1h'),
  labels: ((opts.label as string[] | undefined) ?? []).map(parseLabel),
  output: typeof opts.output === 'string' ? checkOutputPath(opts.output) : undefined,
});

export async function run(ctx: Context, o: FeaturesOptions): Promise<Outcome> {
  const { features, skipped } = featuresOf(await readInventory(ctx.env));
  for (const s of skipped) ctx.warn(`${s}: left out`);
  const taken = new Set(features.map((f) => f.key));
  for (const l of o.labels) {
    if (taken.has(l.key)) throw new UsageError(`--label ${l.key}: accelctl sets that label itself`);
    taken.add(l.key);
  }
  const all = [...features, ...o.labels];
  const expires = o.expirySeconds === null ? null : new Date(Date.now() + o.expirySeconds * 1000);
  const text = renderFeatureFile(all, { expires, version: VERSION });
  const json = (path: string | null) => ({ schemaVersion: 1, path, expiryTime: expires && rfc3339(expires), features: all, skipped });
  if (o.output === '-') return { json: json(null), text };
  const output = o.output ?? ctx.env.path(DEFAULT_FILE);
  const shown = ctx.env.kernelPath(output);
  // The entry writes it: a dot-file beside it renamed into place (NFD skips dot-files, so it never reads half a file).
  return { json: json(shown), text: '', report: { path: output, shown, content: text, what: `${all.length} labels` } };
}
