/**
 * Text that comes from the system (a process's comm, a sysfs attribute a
 * driver wrote) printed for people: control characters (C0, DEL, C1) and the
 * Unicode controls that reorder or break lines are shown escaped (`\x1b`,
 * `\u202e`), so no terminal escape from another process reaches the
 * operator's terminal. JSON output is left alone: JSON.stringify escapes C0
 * itself and the bytes stay exact.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string): string => {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

export function escapeControl(text: string): string {
  return text.replace(UNSAFE, hex);
}
