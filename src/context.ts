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
  /**
   * A report file the command produced (health --output, features): the
   * entry writes it, atomically, after the command returned; a dry run
   * writes nothing and says what it would have written. Commands never write.
   */
  report?: ReportFile;
}

export interface ReportFile {
  /** Where, as the file system calls take it. */
  path: string;
  /** Where, as the user is told (under --root: the kernel path). */
  shown: string;
  content: string;
  /** What it is, for the line said once it is written: "json report of 3 devices". */
  what: string;
}
