/**
 * What bin/accelctl loads: picks the bundle of the invoked command and loads
 * only that. scripts/build.mjs makes one CommonJS bundle of the whole program
 * per command (dist/cmd/<name>.cjs, holding just that command's code) and one
 * with every command (dist/cmd/all.cjs) for help, version and usage errors.
 * One file per run, and CommonJS rather than an ES module: Node 20's ES
 * module loader alone costs ~10 ms a run, and a tree of split chunks more.
 */
import { commandIn } from './argv.js';

/** Inlined by scripts/build.mjs from the command table: the command names, and the global options that take a value. */
declare const ACCELCTL_COMMANDS: readonly string[];
declare const ACCELCTL_GLOBAL_VALUED: readonly string[];

module.require(`./cmd/${commandIn(process.argv, ACCELCTL_COMMANDS, ACCELCTL_GLOBAL_VALUED) ?? 'all'}.cjs`);
