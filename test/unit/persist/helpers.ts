/** The lifecycle harness (generated two-node host + fake kernel), plus the definition files under <root>/etc. */
import fs from 'node:fs';
import path from 'node:path';
import { listMdevs } from '../../../src/sysfs/mdev.js';
import { makeHarness, runner, type Harness } from '../lifecycle/harness.js';

export { makeHarness, runner, type Harness };

/** In the two-node tree: mtty-1 held by pid 4242 (qemu-system-x86), and an idle mtty-2. */
export const HELD = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001';
export const IDLE = '83b8f4f2-509f-382f-3c1e-e6bfe0fa1002';
export const U1 = '5b0f0000-0000-4000-8000-000000000001';
export const U2 = '5b0f0000-0000-4000-8000-000000000002';

export const GOLDEN = (name: string): string => fs.readFileSync(path.join(import.meta.dirname, 'golden', name), 'utf8');

export const defFile = (h: Harness, parent: string, uuid: string): string => path.join(h.root, 'etc/mdevctl.d', parent, uuid);

export function writeDef(h: Harness, parent: string, uuid: string, text: string): void {
  fs.mkdirSync(path.dirname(defFile(h, parent, uuid)), { recursive: true });
  fs.writeFileSync(defFile(h, parent, uuid), text);
}

/** Every file under <root>/etc/mdevctl.d with its bytes. */
export function defs(h: Harness): Record<string, string> {
  const out: Record<string, string> = {};
  const base = path.join(h.root, 'etc/mdevctl.d');
  for (const p of fs.readdirSync(base)) {
    const dir = path.join(base, p);
    if (p === 'scripts.d' || !fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir)) out[`${p}/${f}`] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  return out;
}

/** The live layout as "parent uuid type" lines, sorted. */
export async function layout(h: Harness): Promise<string[]> {
  return (listMdevs(h.env)).map((m) => `${m.parent} ${m.uuid} ${m.type}`).sort();
}

export async function fails(p: Promise<unknown>): Promise<{ exitCode: number; message: string; hint?: string }> {
  return p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e) => e,
  );
}
