/**
 * Styling for people. Color is decided once in main (ctx.color) and passed in;
 * chalk alone does not honour NO_COLOR, so it is never asked to decide.
 * chalk (and the os/tty modules it pulls in) is loaded only when color is on:
 * main awaits `loadColor()` before the command runs, so most runs (pipes,
 * --json, CI) never pay for it.
 */
import type { ChalkInstance } from 'chalk';

export interface Style {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  head(s: string): string;
}

let chalk: ChalkInstance | null = null;

export async function loadColor(): Promise<void> {
  if (chalk) return;
  const { Chalk } = await import('chalk');
  chalk = new Chalk({ level: 1 });
}

const plain = (s: string): string => s;
const PLAIN: Style = { enabled: false, bold: plain, dim: plain, ok: plain, bad: plain, warn: plain, head: plain };

export function makeStyle(enabled: boolean): Style {
  if (!enabled) return PLAIN;
  const c = chalk;
  if (!c) throw new Error('internal: color requested before loadColor()');
  return {
    enabled,
    bold: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    ok: (s) => c.green(s),
    bad: (s) => c.red(s),
    warn: (s) => c.yellow(s),
    head: (s) => c.bold(s),
  };
}
