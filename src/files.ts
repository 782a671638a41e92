/**
 * Files accelctl writes (mdevctl definitions, bind memory, reports): written
 * to a temporary file with a random name beside the target, then renamed, so
 * a reader (mdevctl, another accelctl, a collector) never sees half a file,
 * and nothing planted at a guessable name or at the target (a symlink into
 * /etc) is ever written through: the temporary is opened
 * O_CREAT|O_EXCL|O_NOFOLLOW, and rename replaces a link instead of following it.
 */
import { createRequire } from 'node:module';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoName, fromErrno, MalformedError } from './errors.js';

/**
 * node:crypto on first use: loading it loads Node's streams too (~30
 * modules), which a read-only run, here for the entry's report file, would
 * pay on every start-up.
 */
let crypto: typeof import('node:crypto') | undefined;
const randomHex = (bytes: number): string => (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).randomBytes(bytes).toString('hex');

/** The file's text, or null when it does not exist. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoName(err) === 'ENOENT' || errnoName(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/** fsync of a directory: what makes a rename, create or unlink in it survive a power cut. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * mkdir -p; with `durable`, each directory it creates is recorded in its
 * parent (fsync of the parent), so /etc/mdevctl.d/<parent> survives with
 * the definition written into it.
 */
function makeDirs(dir: string, mode: number, durable: boolean): void {
  const first = mkdirSync(dir, { recursive: true, mode });
  if (!durable || first === undefined) return;
  const created: string[] = [];
  for (let d = dir; d !== dirname(first); d = dirname(d)) created.unshift(d);
  for (const d of created) syncDir(dirname(d));
}

export interface WriteOptions {
  /** Mode of the new file (default 0644). */
  mode?: number;
  /** Also fsync the directory, so the rename itself is on disk when this returns (default true). */
  durable?: boolean;
  /** Mode of directories created on the way (default 0755). */
  dirMode?: number;
}

/** Writes `content` to `path` through a fresh random temporary and a rename; fsynced before the rename. */
export function writeFileAtomic(path: string, content: string | Uint8Array, opts: WriteOptions = {}): void {
  const durable = opts.durable ?? true;
  const dir = dirname(path);
  makeDirs(dir, opts.dirMode ?? 0o755, durable);
  const tmp = join(dir, `.${basename(path)}.accelctl-${randomHex(6)}`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, opts.mode ?? 0o644);
  try {
    try {
      const buf = typeof content === 'string' ? Buffer.from(content) : content;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) syncDir(dir);
}

/** `content` null deletes the file (absent already is fine). Durable either way: both fsync the directory. */
export function replaceFile(path: string, content: string | null, opts: { mode?: number; dirMode?: number } = {}): void {
  if (content !== null) {
    writeFileAtomic(path, content, { mode: opts.mode ?? 0o644, dirMode: opts.dirMode ?? 0o755 });
    return;
  }
  try {
    unlinkSync(path);
  } catch (err) {
    if (errnoName(err) === 'ENOENT' || errnoName(err) === 'ENOTDIR') return;
    throw err;
  }
  syncDir(dirname(path));
}

/** rmdir of a directory accelctl made, left alone when something is in it now (or it is gone already). */
export function removeEmptyDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = errnoName(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT') return;
    throw err;
  }
  syncDir(dirname(dir));
}

/**
 * A report file (health --output, features): written atomically with mode
 * 0644, a failure reported as `write <shown>: <errno>` with the errno's exit
 * code. Only the entry calls this, and never in a dry run.
 */
export function writeReportFile(path: string, content: string, shown: string): void {
  try {
    writeFileAtomic(path, content, { mode: 0o644 });
  } catch (err) {
    throw fromErrno('write', shown, err);
  }
}

/**
 * A small JSON file of accelctl's own state (bind's memory, a persisted
 * binding): null when it does not exist; one that is not JSON or not of the
 * shape `is` accepts is a MalformedError naming `shown` and `shape`, never guessed at.
 */
export function readJsonState<T>(path: string, shown: string, is: (v: unknown) => v is T, shape: string): T | null {
  const text = readText(path);
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedError(shown, text, 'JSON');
  }
  if (!is(parsed)) throw new MalformedError(shown, text, shape);
  return parsed;
}
