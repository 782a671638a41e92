/**
 * Patterns every user-supplied name must match before it is joined into a
 * path: no argument can reach a file outside a device's own control files.
 */
import { UsageError } from './errors.js';

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Full PCI address: domain:bus:slot.function. */
export const BDF_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
/** Short PCI address for domain 0. */
export const SHORT_BDF_RE = /^[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
/** mdev type ids (`mtty-1`, `nvidia-35`, `i915-GVTg_V5_4`) and parent names (`mtty`, a BDF). */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,63}$/;
/** Attribute names written under an mdev (mdevctl's `attrs`). */
export const ATTR_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
export const DRIVER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

function shown(value: string): string {
  return JSON.stringify(value.length > 70 ? value.slice(0, 70) + '…' : value);
}

export function checkUuid(value: string, what = 'UUID'): string {
  const v = value.toLowerCase();
  if (!UUID_RE.test(v)) throw new UsageError(`invalid ${what} ${shown(value)}: expected 8-4-4-4-12 hex digits`);
  return v;
}

/** Accepts `0000:81:00.0` or `81:00.0` (domain 0); returns the full lower-case address. */
export function checkBdf(value: string): string {
  const v = value.toLowerCase();
  if (BDF_RE.test(v)) return v;
  if (SHORT_BDF_RE.test(v)) return `0000:${v}`;
  throw new UsageError(`invalid PCI address ${shown(value)}: expected DDDD:BB:SS.F or BB:SS.F`);
}

/**
 * A parent as the user names it: a PCI address (`0000:81:00.0`, or `81:00.0`
 * for domain 0; returned in full, as sysfs names it) or a virtual device's
 * name (`mtty`). Every command that takes a parent checks it here.
 */
export function checkParent(value: string): string {
  const v = value.toLowerCase();
  return BDF_RE.test(v) || SHORT_BDF_RE.test(v) ? checkBdf(v) : checkName(value, 'parent');
}

/** Whether `value` is a sysfs name accelctl will put in a path: NAME_RE, and no `..` anywhere. */
export function isName(value: string): boolean {
  return NAME_RE.test(value) && !value.includes('..');
}

export function checkName(value: string, what: string): string {
  if (!isName(value)) {
    throw new UsageError(`invalid ${what} ${shown(value)}: letters, digits and _ . : + - only`);
  }
  return value;
}

/**
 * Files of a device's own sysfs directory, which an attribute write must never
 * reach: what an mdev holds on the 6.1 kernel (remove, uevent, driver,
 * subsystem, power, iommu_group, mdev_type, vfio-dev; test/fixtures/machines/qemu-6.1
 * keeps the first of them), and the driver-core and PCI control files a
 * device directory can hold on other kernels and buses.
 */
export const DEVICE_CONTROL_FILES: ReadonlySet<string> = new Set([
  'remove', 'uevent', 'driver', 'driver_override', 'subsystem', 'power', 'iommu_group', 'mdev_type', 'vfio-dev',
  'reset', 'reset_method', 'enable', 'online', 'dev', 'bind', 'unbind', 'new_id', 'remove_id', 'rescan', 'config',
  'modalias', 'firmware_node', 'of_node', 'physfn', 'sriov_numvfs', 'sriov_drivers_autoprobe', 'numa_node',
  'waiting_for_supplier', 'supplier', 'consumer', 'mdev_supported_types',
]);

/**
 * Why a name may not be an mdev attribute, or null when it may: the one check
 * for `--attr`, definition files and plan files alike.
 */
export function attrNameProblem(name: string): string | null {
  if (!ATTR_RE.test(name) || name.includes('..')) return 'letters, digits and _ . - only';
  if (name === '__proto__') return 'a reserved name';
  if (DEVICE_CONTROL_FILES.has(name)) return "one of the device's own control files, not an attribute";
  return null;
}

/** Values go into a sysfs file as written: no newline or NUL. */
export function attrValueProblem(value: string): string | null {
  return /[\n\0]/.test(value) ? 'newline or NUL' : null;
}

export function checkAttrName(value: string): string {
  const problem = attrNameProblem(value);
  if (problem !== null) throw new UsageError(`invalid attribute name ${shown(value)}: ${problem}`);
  return value;
}

export function checkDriver(value: string): string {
  if (!DRIVER_RE.test(value) || value.includes('..')) {
    throw new UsageError(`invalid driver name ${shown(value)}`);
  }
  return value;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `2m`, `500ms`, `1h`, `2d`, or a plain number of seconds -> milliseconds; null when it is none of these. */
export function parseDurationMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] ?? 's']! : null;
}

/**
 * A bound from the environment (ACCELCTL_LOCK_TIMEOUT, ACCELCTL_REMOVE_TIMEOUT,
 * ACCELCTL_WRITE_TIMEOUT): seconds, or a duration (`500ms`, `2m`), in ms;
 * unset, empty or not a duration: the default (`defaultS` seconds).
 */
export function envBoundMs(raw: string | undefined, defaultS: number): number {
  return (raw !== undefined && raw.trim() !== '' ? parseDurationMs(raw) : null) ?? defaultS * 1000;
}

/** A file path the user names for a report (--output): non-empty, and no NUL (no file can be named so). */
export function checkOutputPath(value: string, what = '--output'): string {
  if (value === '' || value.includes('\0')) throw new UsageError(`invalid ${what} ${shown(value)}: expected a file path`);
  return value;
}

export function checkInt(value: string, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid ${what} ${shown(value)}: expected a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`invalid ${what} ${value}: expected ${min}..${max}`);
  return n;
}

/** Parses `K=V` for `--attr`. Values go into a sysfs file as written: no newline or NUL. */
export function checkAttr(value: string): { name: string; value: string } {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`invalid --attr ${shown(value)}: expected NAME=VALUE`);
  const name = checkAttrName(value.slice(0, eq));
  const v = value.slice(eq + 1);
  const problem = attrValueProblem(v);
  if (problem !== null) throw new UsageError(`invalid --attr value for ${name}: ${problem}`);
  return { name, value: v };
}

export type DeviceSpec =
  | { kind: 'mdev'; uuid: string }
  | { kind: 'pci'; address: string }
  | { kind: 'group'; group: number };

/** A device as docs/cli.md names it: an mdev UUID, a PCI address, `group:N` or `/dev/vfio/N`. */
export function parseDeviceSpec(value: string): DeviceSpec {
  const v = value.toLowerCase();
  if (UUID_RE.test(v)) return { kind: 'mdev', uuid: v };
  if (BDF_RE.test(v) || SHORT_BDF_RE.test(v)) return { kind: 'pci', address: checkBdf(v) };
  const g = /^(?:group:|\/dev\/vfio\/)(\d{1,6})$/.exec(v);
  if (g) return { kind: 'group', group: Number(g[1]) };
  throw new UsageError(
    `invalid device ${shown(value)}`,
    'name a device by mdev UUID, PCI address (0000:81:00.0 or 81:00.0), group:N or /dev/vfio/N',
  );
}
