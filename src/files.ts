/**
 * Small files accelctl owns (mdevctl definitions, bind memory, the lock): replaced through a temporary file
 * and a rename, so a reader (mdevctl, another accelctl) never sees half a file.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoName } from './errors.js';

/** The file's text, or null when it does not exist. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoName(err) === 'ENOENT' || errnoName(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/** `content` null deletes the file (absent already is fine). */
export function replaceFile(path: string, content: string | null): void {
  if (content === null) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const tmp = `${path}.accelctl-${process.pid}`;
  try {
    writeFileSync(tmp, content, { mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
