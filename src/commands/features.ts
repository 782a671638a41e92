/**
 * `features [--output FILE|-] [--expiry DURATION] [--label KEY=VALUE]...`:
 * Node Feature Discovery labels of this host (src/nfd/features.ts), written
 * atomically into NFD's features.d directory under --root, or printed. A
 * command of its own rather than an `export` format: export prints a plan
 * that apply reads back, while this is a file with a home, an expiry and a
 * timer that rewrites it. Like `health --output`, a report file: it changes
 * no kernel state, so it is not a plan; the entry writes it (not in a dry run).
 */
import type { Given } from '../command.js';
import type { Context, Outcome } from '../context.js';
import { errnoName, FailedError, fromErrno, NotFoundError, UsageError } from '../errors.js';
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_FILE, featuresOf, healthLabels, readInventory, renderFeatureFile, rfc3339, type Feature } from '../nfd/features.js';
import { VERSION } from '../globals.js';

export interface FeaturesOptions {
  /** Seconds until the labels expire; null: no +expiry-time directive. */
  expirySeconds: number | null;
  labels: Feature[];
  /** `-` for stdout; undefined: NFD's directory under --root. */
  output: string | undefined;
  /** --health: the health report (a host path, like health --output's) whose outcome becomes labels. */
  health: string | undefined;
  healthMaxAgeS: number;
}

export const check = ({ opts }: Given<'features'>): FeaturesOptions => ({
  expirySeconds: opts.expiry,
  labels: opts.label,
  output: opts.output,
  health: opts.health,
  healthMaxAgeS: opts.healthMaxAge,
});

/** The labels of the health report at `file`: exit 3 when it is not there, 1 when it is not a health report. */
function healthOf(file: string, maxAgeS: number): Feature[] {
  let text: string;
  let ageS: number;
  try {
    text = readFileSync(file, 'utf8');
    ageS = (Date.now() - statSync(file).mtimeMs) / 1000;
  } catch (err) {
    if (errnoName(err) === 'ENOENT') throw new NotFoundError(`--health ${file}: no such file`, 'write it with accelctl health --format json --output FILE');
    throw fromErrno('read', file, err);
  }
  const labels = healthLabels(text, ageS, maxAgeS);
  if (labels === null) throw new FailedError(`--health ${file}: not a health report (expected the JSON of accelctl health --format json)`);
  return labels;
}

export async function run(ctx: Context, o: FeaturesOptions): Promise<Outcome> {
  const { features, skipped } = featuresOf(readInventory(ctx.env));
  for (const s of skipped) ctx.warn(`${s}: left out`);
  const health = o.health === undefined ? [] : healthOf(o.health, o.healthMaxAgeS);
  const taken = new Set([...features, ...health].map((f) => f.key));
  for (const l of o.labels) {
    if (taken.has(l.key)) throw new UsageError(`--label ${l.key}: accelctl sets that label itself`);
    taken.add(l.key);
  }
  const all = [...features, ...health, ...o.labels];
  const expires = o.expirySeconds === null ? null : new Date(Date.now() + o.expirySeconds * 1000);
  const text = renderFeatureFile(all, { expires, version: VERSION });
  const json = (path: string | null) => ({ schemaVersion: 1, path, expiryTime: expires && rfc3339(expires), features: all, skipped });
  if (o.output === '-') return { json: json(null), text };
  const output = o.output ?? ctx.env.path(DEFAULT_FILE);
  const shown = ctx.env.kernelPath(output);
  // The entry writes it: a dot-file beside it renamed into place (NFD skips dot-files, so it never reads half a file).
  return { json: json(shown), text: '', report: { path: output, shown, content: text, what: `${all.length} labels` } };
}
