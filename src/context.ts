import type { Env } from './env.js';
import type { ExitCode } from './errors.js';

/** What every command gets: the root object and the output policy, decided once in main. */
export interface Context {
  env: Env;
  json: boolean;
  /** Color decided once (JSON, --color, NO_COLOR, FORCE_COLOR, TTY, in that order). */
  color: boolean;
  verbose: boolean;
  quiet: boolean;
  /** Diagnostics on stderr (not shown with --quiet). */
  info(message: string): void;
  /** Each system write and ioctl, on stderr with -v. */
  trace(message: string): void;
  /** Warnings on stderr (not shown with --quiet). */
  warn(message: string): void;
}

/** What a command returns: data for --json, a rendering for people, and an exit code. */
export interface Outcome {
  json?: unknown;
  text?: string;
  /** Defaults to 0. */
  exitCode?: ExitCode;
}
