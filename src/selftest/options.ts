/** The parsers of the --timeout and --format options of selftest and health (used through src/commands/option-parsers.ts). */
import { UsageError } from '../errors.js';
import { parseDurationMs } from '../validate.js';

export const DEFAULT_TIMEOUT_S = 10;

export function parseTimeoutMs(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_S * 1000;
  const v = String(value);
  const ms = parseDurationMs(v);
  if (ms === null || ms < 1 || ms > 86_400_000) {
    throw new UsageError(`invalid --timeout ${JSON.stringify(v)}: expected a duration (30s, 2m, 500ms; a plain number is seconds), at least 1ms and at most 24h`);
  }
  return ms;
}

/** `--json` is `--format json`; asking for both json and another format is a contradiction. */
export function parseFormat(value: unknown, json: boolean): string {
  const format = value === undefined ? (json ? 'json' : 'text') : String(value);
  if (json && format !== 'json') throw new UsageError(`--json contradicts --format ${format}`);
  return format;
}
