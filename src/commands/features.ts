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
import { errnoName, FailedError, fromErrno, NotFoundError, UsageError } from '../errors.js';
import { readFileSync, statSync } from 'node:fs';
import { DEFAULT_FILE, DEFAULT_HEALTH_MAX_AGE_S, featuresOf, healthLabels, parseExpiry, parseLabel, readInventory, renderFeatureFile, rfc3339, type Feature } from '../nfd/features.js';
import { VERSION } from '../globals.js';
import { checkOutputPath, parseDurationMs } from '../validate.js';

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

export const parse = ({ opts }: Raw): FeaturesOptions => ({
  expirySeconds: parseExpiry(typeof opts.expiry === 'string' ? opts.expiry : '1h'),
  labels: ((opts.label as string[] | undefined) ?? []).map(parseLabel),
  output: typeof opts.output === 'string' ? checkOutputPath(opts.output) : undefined,
  health: typeof opts.health === 'string' ? checkOutputPath(opts.health, '--health') : undefined,
  healthMaxAgeS: typeof opts.healthMaxAge === 'string' ? maxAge(opts.healthMaxAge) : DEFAULT_HEALTH_MAX_AGE_S,
});

function maxAge(spec: string): number {
  const ms = parseDurationMs(spec);
  if (ms === null || ms <= 0) throw new UsageError(`--health-max-age ${JSON.stringify(spec)}: expected a duration such as 6h, 1d or 90m`);
  return ms / 1000;
}

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
