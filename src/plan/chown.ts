/**
 * Giving a /dev/vfio/N node to a user: lchown(2) and a mode, never through a
 * symbolic link. A link planted where the node should be is refused (ELOOP),
 * so a chown can never land on a file the link names (/etc/shadow).
 */
import { chmodSync, lchownSync, lstatSync } from 'node:fs';

const loop = (path: string) => Object.assign(new Error(`${path} is a symbolic link`), { code: 'ELOOP' });

/** The mode bits a node is given with `--owner`: its owner and group read and write it (`0660`). */
export const OWNER_MODE = 0o660;

export function chownNoFollow(path: string, uid: number, gid: number): void {
  if (lstatSync(path).isSymbolicLink()) throw loop(path);
  lchownSync(path, uid, gid);
}

export function chmodNoFollow(path: string, mode: number): void {
  // Linux has no lchmod: chmod(2) follows a link, so look first. /dev/vfio
  // is root's (0755): only root could swap the node for a link in between.
  if (lstatSync(path).isSymbolicLink()) throw loop(path);
  chmodSync(path, mode);
}
