/**
 * Node Feature Discovery label keys and values, and the parsers of the
 * options that name them (`features --label`, `--expiry`, `--health-max-age`).
 * Light on purpose: the command table (on every run's start-up path) uses
 * these parsers; the inventory and the feature file are in ./features.ts.
 */
import { UsageError } from '../errors.js';
import { parseDurationMs } from '../validate.js';

export const PREFIX = 'accelctl.io/';

/** A label name part: alphanumerics at both ends, `-`, `_`, `.` between, at most 63 characters (Kubernetes). */
export const LABEL_NAME_RE = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
/** A label prefix: a DNS subdomain, at most 253 characters. */
const PREFIX_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/** A label value: empty, or like a name part. */
const VALUE_RE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;

export interface Feature {
  key: string;
  value: string;
}

/** Whether `key` (`prefix/name` or `name`) is a valid Kubernetes label key. */
export function validKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (!LABEL_NAME_RE.test(name)) return false;
  if (slash < 0) return true;
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && PREFIX_RE.test(prefix);
}

export const validValue = (value: string): boolean => VALUE_RE.test(value);

/** `KEY=VALUE` of --label: a key without `/` gets the accelctl.io/ prefix. */
export function parseLabel(spec: string): Feature {
  const eq = spec.indexOf('=');
  const rawKey = eq < 0 ? spec : spec.slice(0, eq);
  const value = eq < 0 ? '' : spec.slice(eq + 1);
  const key = rawKey.includes('/') ? rawKey : PREFIX + rawKey;
  if (!validKey(key)) throw new UsageError(`--label ${spec}: ${key} is not a valid label key (name: at most 63 of A-Z a-z 0-9 . _ -, alphanumeric at both ends)`);
  if (!validValue(value)) throw new UsageError(`--label ${spec}: ${JSON.stringify(value)} is not a valid label value (at most 63 of A-Z a-z 0-9 . _ -, alphanumeric at both ends)`);
  return { key, value };
}

/** --expiry: `0` (no directive), or a number with s, m, h or d. Returns seconds, or null for none. */
/** NFD drops labels past their expiry; a year is far beyond any re-write timer, and keeps the date valid. */
const MAX_EXPIRY_S = 366 * 86_400;

/** `--expiry`: seconds, or null for 0 (no +expiry-time directive). */
export function parseExpiry(spec: string): number | null {
  const ms = parseDurationMs(spec);
  if (ms === null || ms / 1000 > MAX_EXPIRY_S) {
    throw new UsageError(`--expiry ${JSON.stringify(spec)}: expected a duration such as 90s, 10m, 1h or 2d (at most 366d), or 0 for none`);
  }
  const s = Math.round(ms / 1000);
  return s === 0 ? null : s;
}

/** `--health-max-age`: a report older than this is stale (default a day). */
export const DEFAULT_HEALTH_MAX_AGE_S = 86_400;

/** `--health-max-age`: a positive duration, in seconds. */
export function parseMaxAge(spec: string): number {
  const ms = parseDurationMs(spec);
  if (ms === null || ms <= 0) throw new UsageError(`--health-max-age ${JSON.stringify(spec)}: expected a duration such as 6h, 1d or 90m`);
  return ms / 1000;
}
