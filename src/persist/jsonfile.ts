/**
 * `--jsonfile F` of define and modify: a definition in mdevctl's JSON (what
 * `list -d --dumpjson -u U` prints, or a file of /etc/mdevctl.d), checked as a
 * definition file is. A file named on the command line that is bad is bad
 * input (exit 2), not a damaged host.
 */
import { readFileSync } from 'node:fs';
import { errnoName, fromErrno, NotFoundError, UsageError } from '../errors.js';
import { checkName } from '../validate.js';
import { parseDefinition, type Attr } from './store.js';

/** What mdevctl takes from the file: the type, the start mode and the attributes. */
export interface FromFile {
  type: string;
  start: 'auto' | 'manual';
  attrs: Attr[];
}

export async function readJsonfile(file: string): Promise<FromFile> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoName(err) === 'ENOENT') throw new NotFoundError(`no file ${file}`);
    throw fromErrno('read', file, err);
  }
  try {
    const d = await parseDefinition(file, '-', '-', text);
    return { type: checkName(d.type, 'type'), start: d.start, attrs: d.attrs };
  } catch (err) {
    if (err instanceof Error && !(err instanceof UsageError)) throw new UsageError(err.message.replace(/^malformed definition /, ''));
    throw err;
  }
}
