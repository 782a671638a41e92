/**
 * A file accelctl owns (an mdevctl definition, bind's memory) as a plan step,
 * undone by putting back the bytes found when the plan was made, and by
 * removing again the directories the write created (when they are empty
 * then), so a failed run leaves the tree exactly as it found it.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostPath } from '../env.js';
import { readText } from '../files.js';
import type { FileStep } from './types.js';

export function fileStep(
  path: HostPath,
  content: string | null,
  note: string,
  undoNote: string | ((before: string | null) => string),
  opts: { private?: boolean } = {},
): FileStep {
  const before = readText(path);
  const made: HostPath[] = [];
  if (content !== null) for (let d = dirname(path); d !== dirname(d) && !existsSync(d); d = dirname(d)) made.push(d as HostPath);
  const priv = opts.private ? { private: true } : {};
  return {
    kind: 'file',
    path,
    content,
    note,
    ...priv,
    undo: [{ kind: 'file', path, content: before, note: typeof undoNote === 'string' ? undoNote : undoNote(before), ...priv, ...(made.length > 0 ? { removeDirs: made } : {}) }],
  };
}
