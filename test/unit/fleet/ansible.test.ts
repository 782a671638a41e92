// The accelctl.vfio collection on fixture trees: built and installed from its
// tarball once, then ansible-playbook against localhost (local connection).
// The plan tests run a fake-kernel accelctl (fake-accelctl.ts: the real
// program with the unit tests' fake kernel behind its one kernel writer) so
// that a create on a fixture tree makes a device appear, as the kernel would;
// reads, planning, refusals and JSON are the shipped code. The facts and health
// tests run the real bin/accelctl.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accelctl, fixtureCopy, playbook, readmePlaybook, setupFleet, snapshot, type Fleet } from './fleet-helpers.js';

let fleet: Fleet;
const HELD = '0b0e0b0e-0001-4000-8000-000000000001'; // held open by pid 266 in the fixture's /proc
const SPARE = '0b0e0b0e-0002-4000-8000-000000000002'; // mtty-2, not held

const planText = (partitions: string) => `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n${partitions}`;
const TWO = planText('        - type: mtty-1\n          count: 2\n');
const indent = (text: string, n: number) => text.replace(/^(?=.)/gm, ' '.repeat(n));

/** One play on localhost; each task's args get `root` (and the fake's `executable` for plan tasks unless real). */
const play = (tasks: string) => `- hosts: localhost\n  gather_facts: false\n  tasks:\n${indent(tasks, 4)}`;
const planTask = (name: string, root: string, args: string) =>
  `- name: ${name}\n  accelctl.vfio.plan:\n    executable: ${join(fleet.bin, 'accelctl')}\n    root: ${root}\n${indent(args, 4)}`;
const contentArg = (plan: string) => `content: |\n${indent(plan, 2)}`;

const mttyRows = (root: string) =>
  (JSON.parse(accelctl(fleet, root, ['list', '--json'])).partitions as { uuid: string; type: string }[]).map((p) => [p.uuid, p.type]);

beforeAll(async () => {
  fleet = await setupFleet();
}, 120_000);

afterAll(() => fleet?.dispose());

// Each test runs ansible-playbook (Python start-up, a module per task): seconds, more on a loaded machine.
describe('accelctl.vfio collection', { timeout: 120_000 }, () => {
  it('ansible-doc renders each module from the installed tarball', () => {
    for (const m of ['plan', 'facts', 'health']) {
      const doc = JSON.parse(execFileSync('ansible-doc', ['--json', `accelctl.vfio.${m}`], { env: fleet.env, encoding: 'utf8' }))[`accelctl.vfio.${m}`];
      expect(doc.doc.module, m).toBe(m);
      expect(Object.keys(doc.doc.options), m).toEqual(expect.arrayContaining(['executable', 'root']));
      expect(doc.examples, m).toContain(`accelctl.vfio.${m}:`);
      expect(doc.return, m).not.toBeNull();
      const text = execFileSync('ansible-doc', [`accelctl.vfio.${m}`], { env: fleet.env, encoding: 'utf8' });
      expect(text).toContain(`> ACCELCTL.VFIO.${m.toUpperCase()}`);
      expect(text).toContain('RETURN VALUES:');
    }
  });

  it('every module EXAMPLES block passes ansible-playbook --syntax-check', () => {
    for (const m of ['plan', 'facts', 'health']) {
      const examples = JSON.parse(execFileSync('ansible-doc', ['--json', `accelctl.vfio.${m}`], { env: fleet.env, encoding: 'utf8' }))[`accelctl.vfio.${m}`].examples;
      const file = join(fleet.dir, `examples-${m}.yml`);
      writeFileSync(file, play(examples));
      const out = execFileSync('ansible-playbook', ['-i', 'localhost,', '--syntax-check', file], { env: fleet.env, encoding: 'utf8' });
      expect(out, m).toContain(file);
    }
  });

  it('check mode reports the change, lists the planned writes, and leaves the tree byte for byte', () => {
    const root = fixtureCopy(fleet);
    const before = snapshot(root);
    const r = playbook(fleet, play(planTask('apply', root, contentArg(TWO))), { check: true, diff: true });
    const t = r.tasks.get('apply')!;
    expect(r.code, r.stderr).toBe(0);
    expect(t.status).toBe('ok');
    expect(t.changed).toBe(true);
    const writes = (t.writes as { path: string; value: string }[]).map((w) => w.path);
    expect(writes).toEqual([`/sys/bus/mdev/devices/${SPARE}/remove`, '/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create']);
    const diff = t.diff as { before: string; after: string };
    expect(diff.before).toBe(`${HELD} mtty mtty-1 active\n${SPARE} mtty mtty-2 active\n`);
    expect(diff.after).toContain(`write /sys/bus/mdev/devices/${SPARE}/remove <- 1\n`);
    expect(snapshot(root)).toEqual(before);
  });

  it('a real run converges (changed, diff before/after), a second run is unchanged, and accelctl assert agrees', () => {
    const root = fixtureCopy(fleet);
    const first = playbook(fleet, play(planTask('apply', root, contentArg(TWO))), { diff: true });
    expect(first.code, first.stderr).toBe(0);
    const t = first.tasks.get('apply')!;
    expect(t.changed).toBe(true);
    expect((t.changes as { action: string; type: string }[]).map((c) => [c.action, c.type])).toEqual([
      ['remove', 'mtty-2'],
      ['create', 'mtty-1'],
    ]);
    const rows = mttyRows(root);
    expect(rows.map((r) => r[1])).toEqual(['mtty-1', 'mtty-1']);
    expect(rows.map((r) => r[0])).toContain(HELD);
    const diff = t.diff as { before: string; after: string };
    expect(diff.before).toContain(`${SPARE} mtty mtty-2 active`);
    expect(diff.after).not.toContain(SPARE);
    expect(diff.after.trim().split('\n')).toHaveLength(2);

    const planFile = join(root, 'two.yaml');
    writeFileSync(planFile, TWO);
    expect(accelctl(fleet, root, ['assert', '-f', planFile, '--json'])).toContain('"matches": true');
    const again = playbook(fleet, play(planTask('apply', root, `src: ${planFile}`)));
    expect(again.code, again.stderr).toBe(0);
    expect(again.tasks.get('apply')!.changed).toBe(false);
    expect(again.tasks.get('apply')!.changes).toEqual([]);
    expect(mttyRows(root)).toEqual(rows);
  });

  it('asserted passes on the exported plan and fails on another, listing the differences; it changes nothing', () => {
    const root = fixtureCopy(fleet);
    const exported = join(root, 'exported.yaml');
    writeFileSync(exported, accelctl(fleet, root, ['export']));
    const other = join(root, 'other.yaml');
    writeFileSync(other, TWO);
    const before = snapshot(root);
    const r = playbook(
      fleet,
      play(
        [
          planTask('exported', root, `src: ${exported}\nstate: asserted`),
          planTask('other', root, `src: ${other}\nstate: asserted`),
        ].join('\n'),
      ),
    );
    expect(r.tasks.get('exported')!.status).toBe('ok');
    expect(r.tasks.get('exported')!.changed).toBe(false);
    const bad = r.tasks.get('other')!;
    expect(bad.status).toBe('failed');
    expect(bad.msg).toBe(`host differs from config default: mtty: ${SPARE} (mtty-2) is not in the plan; mtty: one more mtty-1 is missing`);
    expect(bad.rc).toBe(1);
    expect((bad.differences as { kind: string }[]).map((d) => d.kind)).toEqual(['extra', 'missing']);
    expect(r.code).not.toBe(0);
    expect(snapshot(root)).toEqual(before);
  });

  it("a refused apply fails the task with accelctl's one-line message and exit code, and changes nothing", () => {
    const root = fixtureCopy(fleet);
    const before = snapshot(root);
    const r = playbook(fleet, play(planTask('empty mtty', root, contentArg(planText('        []\n').replace('partitions:\n        []', 'partitions: []')))));
    const t = r.tasks.get('empty mtty')!;
    expect(t.status).toBe('failed');
    expect(t.msg).toBe(`${HELD} is in use by pid 266 (qemu-system-x86): apply refused, nothing changed`);
    expect(t.rc).toBe(5);
    // The host lock (/run/accelctl/lock, an flock'd file) is made on first use and kept; it is no host state.
    const after = snapshot(root);
    const lock = ['run', 'run/accelctl', 'run/accelctl/lock'];
    expect([...after.keys()].filter((k) => !before.has(k))).toEqual(lock);
    for (const k of lock) after.delete(k);
    expect(after).toEqual(before);
  });

  it('a plan naming an unknown config fails with accelctl exit 3 (not found)', () => {
    const root = fixtureCopy(fleet);
    const r = playbook(fleet, play(planTask('apply', root, `${contentArg(TWO)}\nconfig: nosuch`)));
    const t = r.tasks.get('apply')!;
    expect(t.status).toBe('failed');
    expect(t.rc).toBe(3);
    expect(t.msg).toMatch(/has no config nosuch$/);
  });

  it('facts carry the partitions of list --json, definitions, types with availability, groups and NUMA nodes', () => {
    const root = fixtureCopy(fleet);
    const r = playbook(fleet, play(`- name: facts\n  accelctl.vfio.facts:\n    root: ${root}\n    executable: ${fleet.real}\n`));
    const t = r.tasks.get('facts')!;
    expect(t.status, JSON.stringify(t)).toBe('ok');
    const facts = (t.ansible_facts as { accelctl: Record<string, unknown> }).accelctl;
    const json = (args: string[]) => JSON.parse(accelctl(fleet, root, [...args, '--json']));
    expect(facts.partitions).toEqual(json(['list']).partitions);
    expect((facts.partitions as unknown[]).length).toBe(2);
    expect(facts.definitions).toEqual(json(['list', '--defined']).partitions);
    expect(facts.parents).toEqual(json(['types']).parents);
    expect(facts.groups).toEqual(json(['groups']).groups);
    const topo = json(['topology']);
    expect(facts.numa).toEqual({ nodes: topo.nodes, unattached: topo.unattached });
    expect((facts.numa as { nodes: unknown[] }).nodes).toHaveLength(2);
  });

  it('health fails the task on a failed step, naming it, and registers the results', () => {
    // On a fixture tree /dev/vfio/vfio is a plain file: the open step fails, as on a host without VFIO.
    const root = fixtureCopy(fleet);
    const r = playbook(fleet, play(`- name: health\n  accelctl.vfio.health:\n    root: ${root}\n    executable: ${fleet.real}\n    devices: [${SPARE}]\n`));
    const t = r.tasks.get('health')!;
    expect(t.status).toBe('failed');
    expect(t.rc).toBe(1);
    expect(t.failed_steps).toEqual([`${SPARE}: open: VFIO_GET_API_VERSION /dev/vfio/vfio: ENOTTY`]);
    expect(t.msg).toBe(`health check failed: ${SPARE}: open: VFIO_GET_API_VERSION /dev/vfio/vfio: ENOTTY`);
    expect((t.results as { device: string; ok: boolean }[]).map((x) => [x.device, x.ok])).toEqual([[SPARE, false]]);
  });

  it('an exit 1 without a JSON document fails with accelctl\'s message, not a parse error', () => {
    // A stand-in accelctl that fails as accelctl does when an operation fails (exit 1, one line on stderr).
    const exe = join(fleet.dir, 'failing-accelctl');
    writeFileSync(exe, '#!/bin/sh\necho "accelctl: cannot read /sys/kernel/iommu_groups: EIO" >&2\necho "hint: none" >&2\nexit 1\n', { mode: 0o755 });
    const r = playbook(fleet, play(`- name: health\n  accelctl.vfio.health:\n    executable: ${exe}\n`));
    const t = r.tasks.get('health')!;
    expect(t.status).toBe('failed');
    expect(t.msg).toBe('cannot read /sys/kernel/iommu_groups: EIO');
    expect(t.rc).toBe(1);
  });

  it('an executable that is not there fails the task naming it', () => {
    const r = playbook(fleet, play(`- name: facts\n  accelctl.vfio.facts:\n    executable: accelctl-not-installed\n`));
    const t = r.tasks.get('facts')!;
    expect(t.status).toBe('failed');
    expect(t.msg).toContain('accelctl-not-installed');
  });
});

describe('README Fleet section', { timeout: 120_000 }, () => {
  it('its playbook runs as shown (accelctl on PATH; here the fake-kernel one, ACCELCTL_ROOT a fixture copy): changed, then unchanged', () => {
    const text = readmePlaybook();
    const root = fixtureCopy(fleet);
    const env = { ACCELCTL_ROOT: root };
    const first = playbook(fleet, text, { env, name: 'fleet' });
    expect(first.code, first.stderr).toBe(0);
    const [apply, asserted, facts, free] = [...first.tasks.values()];
    expect(first.tasks.size).toBe(4);
    expect(apply!.changed).toBe(true);
    expect(asserted!.status).toBe('ok');
    expect((facts!.ansible_facts as { accelctl: { partitions: unknown[] } }).accelctl.partitions).toEqual(JSON.parse(accelctl(fleet, root, ['list', '--json'])).partitions);
    const types = JSON.parse(accelctl(fleet, root, ['types', '--parent', 'mtty', '--type', 'mtty-1', '--json']));
    expect(free!.msg).toBe(String(types.parents[0].types[0].availableInstances));
    const second = playbook(fleet, text, { env, name: 'fleet' });
    expect(second.code, second.stderr).toBe(0);
    expect([...second.tasks.values()].every((t) => t.status === 'ok' && t.changed !== true)).toBe(true);
  });
});
