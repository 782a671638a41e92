// The accelctl.vfio collection on the real 6.1 kernel (one boot): the guest
// runs the host's ansible-playbook (Debian's ansible-core) against localhost
// with the real bin/accelctl on PATH. The collection is built and installed on
// the host into the checkout's .test-results/ (the guest sees the host root
// read-only; its own /tmp is a tmpfs, where HOME and ansible's temp dirs go).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootGuest, REPO, type Guest } from '../sandbox/guest.js';
import { installCollection, parseRecord, readmePlaybook, RECORD_ENV, type PlayRun } from '../unit/fleet/fleet-helpers.js';
import { guestOut } from './helpers.js';

let guest: Guest;
const COLLECTIONS = join(REPO, '.test-results/fleet-e2e/collections');
const ENV = {
  ...RECORD_ENV,
  HOME: '/tmp/ansible-home',
  ANSIBLE_LOCAL_TEMP: '/tmp/ansible-home/tmp',
  ANSIBLE_REMOTE_TEMP: '/tmp/ansible-home/tmp',
  ANSIBLE_COLLECTIONS_PATH: COLLECTIONS,
  ANSIBLE_NOCOLOR: '1',
  // The module goes to python's stdin instead of a file in the temp dir: one step less a task.
  ANSIBLE_PIPELINING: '1',
  ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
  // The README's playbook names no executable: accelctl is found on PATH.
  PATH: `${join(REPO, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
};
const PLAN = 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          count: 2\n';

const out = (script: string): Promise<string> => guestOut(guest, script, { timeoutMs: 120_000, env: ENV });
const live = async (): Promise<string[]> => (await out('ls /sys/bus/mdev/devices')).split('\n').filter(Boolean).sort();

/** Writes each text to /tmp/NAME.yml in the guest and runs them in one ansible-playbook -i localhost, -c local. */
async function play(...books: [string, string][]): Promise<PlayRun> {
  for (const [name, text] of books) await out(`cat > /tmp/${name}.yml <<'EOF'\n${text}EOF`);
  const files = books.map(([name]) => `/tmp/${name}.yml`).join(' ');
  const r = await guest.sh(`ansible-playbook -i localhost, -c local ${files}`, { timeoutMs: 300_000, env: ENV });
  return parseRecord(r.code, r.stdout, r.stderr);
}

// ignore_errors: the failure is recorded (and checked) and the next playbook of the same run still runs.
const assertPlay =
  '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: plan\n      ignore_errors: true\n      accelctl.vfio.plan:\n        src: /tmp/plan.yaml\n        state: asserted\n';

describe('accelctl.vfio on the real kernel', () => {
  beforeAll(async () => {
    rmSync(join(REPO, '.test-results/fleet-e2e'), { recursive: true, force: true });
    mkdirSync(COLLECTIONS, { recursive: true });
    installCollection(join(REPO, '.test-results/fleet-e2e'), COLLECTIONS, { ...process.env, HOME: join(REPO, '.test-results/fleet-e2e') });
    guest = await bootGuest({ name: 'fleet' });
    await out(`mkdir -p /tmp/ansible-home/tmp && cat > /tmp/plan.yaml <<'EOF'\n${PLAN}EOF`);
  }, 600_000);

  afterAll(async () => {
    await guest?.close();
  }, 60_000);

  // One ansible-playbook run for four tasks: under TCG its start-up is most of the cost.
  it('one play: the plan applies (changed), again (unchanged), facts equal accelctl list --json, health passes', async () => {
    expect(await live()).toEqual([]);
    const r = await play([
      'apply',
      [
        '- hosts: localhost',
        '  gather_facts: false',
        '  tasks:',
        ...['first', 'second'].flatMap((name) => [`    - name: ${name}`, '      accelctl.vfio.plan:', '        src: /tmp/plan.yaml']),
        '    - name: facts',
        '      accelctl.vfio.facts:',
        '    - name: health',
        '      accelctl.vfio.health:',
        '',
      ].join('\n'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.tasks.get('first')!.changed).toBe(true);
    expect(r.tasks.get('second')!.changed).toBe(false);
    expect(r.tasks.get('second')!.changes).toEqual([]);
    const two = await live();
    expect(two).toHaveLength(2);
    for (const u of two) expect(await out(`basename $(readlink /sys/bus/mdev/devices/${u}/mdev_type)`)).toBe('mtty-1');

    const facts = (r.tasks.get('facts')!.ansible_facts as { accelctl: { partitions: unknown[]; parents: { name: string }[] } }).accelctl;
    const list = JSON.parse(await out('accelctl list --json'));
    expect(facts.partitions).toEqual(list.partitions);
    expect(facts.partitions).toHaveLength(2);
    expect(facts.parents.map((p) => p.name)).toContain('mtty');

    const health = r.tasks.get('health')!;
    expect(health.status).toBe('ok');
    const results = health.results as { device: string; ok: boolean; profile: string }[];
    expect(results.filter((x) => x.profile === 'mtty').map((x) => x.device).sort()).toEqual(two);
    expect(results.every((x) => x.ok)).toBe(true);
  }, 600_000);

  it('accelctl features writes NFD labels that agree with types --json and the live partitions', async () => {
    await out('accelctl features --expiry 10m');
    const text = await out('cat /etc/kubernetes/node-feature-discovery/features.d/accelctl; ls -A /etc/kubernetes/node-feature-discovery/features.d');
    const labels = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => l.startsWith('accelctl.io/'))
        .map((l) => l.split('=') as [string, string]),
    );
    const types = JSON.parse(await out('accelctl types --json')).parents.flatMap((p: { types: { id: string; availableInstances: number }[] }) => p.types);
    for (const t of types) expect(labels[`accelctl.io/mdev.${t.id}.available`], t.id).toBe(String(t.availableInstances));
    // The two live mtty partitions (mtty is virtual: no NUMA node), plus any function on vfio-pci.
    expect(Number(labels['accelctl.io/vfio-ready.node-none'])).toBe(2);
    expect(text).toMatch(/^# \+expiry-time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(text.trim().endsWith('\naccelctl')).toBe(true);
  });

  it('after a manual create, an asserted play fails naming the new partition; the README playbook puts it right', async () => {
    const extra = (await out('accelctl create --parent mtty --type mtty-2')).trim();
    expect(extra).toMatch(/^[0-9a-f-]{36}$/);
    // One ansible-playbook run (its start-up is most of the cost under TCG): the asserted play, then the README's.
    const r = await play(['assert', assertPlay], ['readme', readmePlaybook()]);
    const t = r.tasks.get('plan')!;
    expect(t.status).toBe('failed');
    expect(t.msg).toBe(`host differs from config default: mtty: ${extra} (mtty-2) is not in the plan`);
    expect(r.code, r.stderr).toBe(0);
    const readme = [...r.tasks.values()].slice(1);
    expect(readme).toHaveLength(4);
    expect(readme[0]!.changed).toBe(true);
    expect(readme[1]!.status).toBe('ok');
    const after = await live();
    expect(after).toHaveLength(2);
    expect(after).not.toContain(extra);
  }, 600_000);
});
