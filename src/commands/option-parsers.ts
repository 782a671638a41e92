/**
 * The parsers of option values: one per option, named by what it reads, used
 * by the command table (./table.ts) and nowhere else. The entry applies them
 * once (parseOptions in src/command.ts); a command module gets the results,
 * typed from its table entry, and never parses an option itself
 * (test/unit/options-table.test.ts). Every error is a UsageError (exit 2)
 * with the message the option has always had.
 *
 * On every run's start-up path (the table imports this): only light modules
 * here, the validators of src/validate.ts and their like.
 */
import type { Globals } from '../command.js';
import { DEFAULT_HEALTH_MAX_AGE_S, parseExpiry, parseLabel, parseMaxAge, type Feature } from '../nfd/labels.js';
import { DEFAULT_TIMEOUT_S, parseFormat, parseTimeoutMs } from '../selftest/options.js';
import { checkAttr, checkAttrName, checkBdf, checkDriver, checkInt, checkName, checkOutputPath, checkParent, checkUuid } from '../validate.js';

/** --parent: a PCI address (in full) or a virtual parent's name. */
export const parent = (v: string): string => checkParent(v);
/** --type: an mdev type id. */
export const typeId = (v: string): string => checkName(v, 'type');
/** --uuid: lower case. */
export const uuid = (v: string): string => checkUuid(v);
/** --attr NAME=VALUE. */
export const attr = (v: string): { name: string; value: string } => checkAttr(v);
/** --del-attr, --addattr: an attribute name. */
export const attrName = (v: string): string => checkAttrName(v);
/** --driver. */
export const driver = (v: string): string => checkDriver(v);
/** start --device: a PCI function's address, in full. */
export const pciAddress = (v: string): string => checkBdf(v);
/** export --config: the name written into the plan file. */
export const configName = (v: string): string => checkName(v, 'config name');

/** Whole numbers within each option's bounds. */
export const count = (v: string): number => checkInt(v, '--count', 1, 4096);
export const vfs = (v: string): number => checkInt(v, '--vfs', 0, 65535);
export const index = (v: string): number => checkInt(v, '--index', 0, 2 ** 32 - 1);
export const nearNode = (v: string): number => checkInt(v, '--near-node');
export const nearCpu = (v: string): number => checkInt(v, '--near-cpu');
export const iterations = (v: string): number => checkInt(v, '--iterations', 1, 100_000_000);
export const expect = (v: string): number => checkInt(v, '--expect', 0, 100_000);
export const jobs = (v: string): number => checkInt(v, '--jobs', 1, 256);

/** --timeout: a duration in ms (default 10 s). */
export const timeout = (v: string): number => parseTimeoutMs(v);
export const noTimeout = (): number => DEFAULT_TIMEOUT_S * 1000;
/** --format, with the global --json (which is --format json; both, differing, contradict). */
export const format = (v: string, g: Globals): string => parseFormat(v, g.json);
export const noFormat = (g: Globals): string => parseFormat(undefined, g.json);

/** A report file (health --output, features --output). */
export const outputFile = (v: string): string => checkOutputPath(v);
/** features --health: the health report to read. */
export const healthFile = (v: string): string => checkOutputPath(v, '--health');
/** features --expiry: seconds, null for none (default 1h). */
export const expiry = (v: string): number | null => parseExpiry(v);
export const noExpiry = (): number | null => parseExpiry('1h');
/** features --label KEY=VALUE. */
export const label = (v: string): Feature => parseLabel(v);
/** features --health-max-age: seconds (default a day). */
export const maxAge = (v: string): number => parseMaxAge(v);
export const noMaxAge = (): number => DEFAULT_HEALTH_MAX_AGE_S;
/** selftest --iterations: null for the profile's own. */
export const noIterations = (): number | null => null;
