// Crash safety on the real 6.1 kernel (issue 9, src/plan/journal.ts), one boot:
// an apply that removes a partition, creates two, undefines one definition and
// writes two is kill -9ed at each of its steps (test/e2e/journal-kill.mjs
// kills it as soon as its --verbose trace names the k-th step, so the kill
// lands on that step's write or just after it). The next mutating run says so
// in one warning and puts the host back as it was (partitions and definitions,
// mdevctl reading every definition); the apply after it converges.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCELCTL_BIN, REPO, shq, type Guest } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';

let guest: Guest;
const A = '6a000000-0000-4000-8000-00000000000a';
const B = '6a000000-0000-4000-8000-00000000000b';
const C1 = '6a000000-0000-4000-8000-0000000000c1';
const C2 = '6a000000-0000-4000-8000-0000000000c2';
const D = '6a000000-0000-4000-8000-00000000000d';
const NOBODY = '6a000000-0000-4000-8000-0000000dead0';
const PLAN = '/tmp/journal-plan.yaml';
/** The plan's steps, in order: remove B, create C1, create C2, delete D's definition, define C1, define C2. */
const STEPS = 6;

interface State {
  live: string[];
  /** `mdevctl list --defined` (not read at the kill, nor before every kill point but the first). */
  defined: { code: number; lines: string[]; stderr: string } | null;
  defFiles: string[];
  journal: boolean;
  temporaries: string[];
}
interface Point {
  k: number;
  before: State;
  run: { at: string | null; code: number | null; signal: string | null; trace: string[] };
  atKill: State;
  recover: { code: number; stderr: string };
  recovered: State;
  again: { code: number; stderr: string };
  final: State;
}

const journalWarnings = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('accelctl: warning: journal'));

describe('kill -9 at each step of an apply on the real kernel', () => {
  withGuest({ name: 'journal' }, (g) => {
    guest = g;
  });

  it('the next run puts back partitions and definitions (mdevctl reads them all), the apply after converges', async () => {
    await guestOut(
      guest,
      `cat > ${PLAN} <<'EOF'\nversion: v1\nconfigs:\n  default:\n    - parent: mtty\n      persist: true\n      partitions:\n        - { type: mtty-1, uuids: [${A}, ${C1}] }\n        - { type: mtty-2, uuids: [${C2}] }\nEOF`,
    );
    const driver = path.join(REPO, 'test/e2e/journal-kill.mjs');
    const args = [ACCELCTL_BIN, PLAN, String(STEPS), A, B, C1, C2, D, NOBODY].map(shq).join(' ');
    const t0 = Date.now();
    const r = await guest.sh(`node ${shq(driver)} ${args}`, { timeoutMs: 240_000 });
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const points = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Point);
    expect(points).toHaveLength(STEPS);

    // `mdevctl list --defined` lines; "(active)": the definition's partition is live.
    const before = { live: [A, B].sort(), defined: [`${A} mtty mtty-1 auto (active)`, `${D} mtty mtty-2 manual`].sort() };
    const after = { live: [A, C1, C2].sort(), defined: [`${A} mtty mtty-1 auto (active)`, `${C1} mtty mtty-1 auto (active)`, `${C2} mtty mtty-2 auto (active)`].sort() };
    const summary: string[] = [];
    for (const p of points) {
      const what = `kill ${p.k} (${p.run.at ?? 'after the run ended'}): ${JSON.stringify(p, null, 1).slice(0, 3000)}`;
      expect(p.before.live, what).toEqual(before.live);
      expect(p.before.defFiles, what).toEqual([A, D].sort());
      if (p.k === 1) expect(p.before.defined!.lines, what).toEqual(before.defined);
      expect(p.run.at, what).toMatch(/^(write|file|delete) /);
      const killed = p.run.signal === 'SIGKILL';
      // A kill that lands after the plan's last step (the run was printing, or exiting) finds the journal gone and the plan done.
      if (!p.atKill.journal) {
        expect(p.atKill.live, `${what}: no journal, so the plan was done`).toEqual(after.live);
        expect(p.atKill.defFiles, `${what}: no journal, so the plan was done`).toEqual([A, C1, C2].sort());
      }
      // Recovery: one warning when there was a journal, and the host as before the apply.
      expect(p.recover.code, what).toBe(3);
      expect(journalWarnings(p.recover.stderr), what).toHaveLength(p.atKill.journal ? 1 : 0);
      if (p.atKill.journal) {
        expect(p.recover.stderr, what).toMatch(/journal \/var\/lib\/accelctl\/journal was left by pid \d+, which died in the middle of its plan/);
        expect(p.recovered.live, what).toEqual(before.live);
        expect(p.recovered.defined!.code, what).toBe(0);
        expect(p.recovered.defined!.lines, what).toEqual(before.defined);
      }
      expect(p.recovered.journal, what).toBe(false);
      expect(p.recovered.temporaries, what).toEqual([]);
      // The apply after converges: every definition intact and readable by mdevctl.
      expect(p.again.code, what).toBe(0);
      expect(journalWarnings(p.again.stderr), what).toEqual([]);
      expect(p.final.live, what).toEqual(after.live);
      expect(p.final.defined!.code, what).toBe(0);
      expect(p.final.defined!.stderr, what).toBe('');
      expect(p.final.defined!.lines, what).toEqual(after.defined);
      expect(p.final.journal, what).toBe(false);
      expect(p.final.temporaries, what).toEqual([]);
      const changedAtKill = [
        p.atKill.live.includes(B) ? null : 'B removed',
        p.atKill.live.includes(C1) ? 'C1 created' : null,
        p.atKill.live.includes(C2) ? 'C2 created' : null,
        p.atKill.defFiles.includes(D) ? null : 'D undefined',
        p.atKill.defFiles.includes(C1) ? 'C1 defined' : null,
        p.atKill.defFiles.includes(C2) ? 'C2 defined' : null,
      ].filter((x) => x !== null);
      summary.push(`k=${p.k} ${killed ? 'killed' : 'finished'} at "${p.run.at}", done by then: [${changedAtKill.join(', ')}], journal ${p.atKill.journal ? 'left' : 'none'}`);
    }
    console.log(`journal e2e: ${STEPS} kill points in ${seconds.toFixed(0)} s of guest time\n  ${summary.join('\n  ')}`);
    // The kills land inside the run: on a remove, a create and a definition file at least.
    const killedWith = (re: RegExp) => points.some((p) => p.run.signal === 'SIGKILL' && p.atKill.journal && re.test(p.run.at ?? ''));
    expect(killedWith(/\/remove </), summary.join('\n')).toBe(true);
    expect(killedWith(/\/create </), summary.join('\n')).toBe(true);
    expect(killedWith(/^(file|delete) /), summary.join('\n')).toBe(true);
  }, 300_000);
});
