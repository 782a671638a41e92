/** `--owner USER[:GROUP]`: names resolved through the root's /etc/passwd and /etc/group. */
import { readFileSync } from 'node:fs';
import type { Env } from '../env.js';
import { errnoName, NotFoundError, UsageError } from '../errors.js';

export interface Owner {
  uid: number;
  gid: number;
  /** As the user wrote it, for messages. */
  spec: string;
}

function readTable(env: Env, file: string): string[][] {
  let text: string;
  try {
    text = readFileSync(env.etc(file), 'utf8');
  } catch (err) {
    if (errnoName(err) === 'ENOENT') return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;
const ID = /^\d{1,10}$/;

/** USER alone takes the user's login group, as `chown USER:` does. */
export function resolveOwner(env: Env, spec: string): Owner {
  const [user, group, ...rest] = spec.split(':');
  if (rest.length > 0 || user === undefined || (!NAME.test(user) && !ID.test(user)) || (group !== undefined && group !== '' && !NAME.test(group) && !ID.test(group))) {
    throw new UsageError(`invalid --owner ${JSON.stringify(spec)}: expected USER[:GROUP] (names or numeric ids)`);
  }
  const passwd = readTable(env, 'passwd');
  const entry = ID.test(user) ? passwd.find((f) => f[2] === user) : passwd.find((f) => f[0] === user);
  if (!entry && !ID.test(user)) throw new NotFoundError(`no user ${user} in ${env.kernelPath(env.etc('passwd'))}`);
  const uid = ID.test(user) ? Number(user) : Number(entry![2]);
  let gid: number;
  if (group === undefined || group === '') {
    if (!entry || !ID.test(entry[3] ?? '')) throw new UsageError(`user ${user} has no login group: give one as --owner ${user}:GROUP`);
    gid = Number(entry[3]);
  } else if (ID.test(group)) {
    gid = Number(group);
  } else {
    const g = readTable(env, 'group').find((f) => f[0] === group);
    if (!g || !ID.test(g[2] ?? '')) throw new NotFoundError(`no group ${group} in ${env.kernelPath(env.etc('group'))}`);
    gid = Number(g[2]);
  }
  return { uid, gid, spec };
}
