// Persistent definitions and declarative plans on the real 6.1 kernel (one
// boot), side by side with the real mdevctl 1.2.0: each tool sees the other's
// definitions, start/stop, apply/assert/export with a real VFIO holder.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCELCTL_BIN, REPO, shq, type Guest, type RunResult } from '../sandbox/guest.js';
import { guestOut, withGuest } from './helpers.js';
import { recordingScript } from '../helpers/callout.js';

let guest: Guest;
const U1 = '5b0f0000-0000-4000-8000-000000000001';
const U2 = '5b0f0000-0000-4000-8000-000000000002';
const GOLDEN = (name: string) => fs.readFileSync(path.join(REPO, 'test/unit/persist/golden', name), 'utf8');

const ax = (args: string[], opts: { user?: string } = {}): Promise<RunResult> => guest.accelctl(args, { timeoutMs: 60_000, ...opts });

const out = (script: string): Promise<string> => guestOut(guest, script, { timeoutMs: 60_000 });

const live = async (): Promise<string[]> => (await out('ls /sys/bus/mdev/devices')).split('\n').filter(Boolean).sort();
const typeOf = (u: string) => out(`basename $(readlink /sys/bus/mdev/devices/${u}/mdev_type)`);
const writePlan = (file: string, text: string) => out(`cat > ${file} <<'EOF'\n${text}EOF`);
const plan = (partitions: string) => `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n${partitions}`;

describe('definitions and plans on the real kernel, next to mdevctl', () => {
  withGuest({ name: 'persist' }, (g) => {
    guest = g;
  });

  it('define as a non-root user: exit 4, nothing written; assert and list --defined need no root', async () => {
    const r = await ax(['define', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', U1], { user: 'sandbox' });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('define needs root');
    expect(await out('ls /etc/mdevctl.d')).toBe('scripts.d');
    await writePlan('/tmp/empty.yaml', 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions: []\n');
    expect((await ax(['assert', '-f', '/tmp/empty.yaml'], { user: 'sandbox' })).code).toBe(0);
    expect((await ax(['list', '--defined', '--json'], { user: 'sandbox' })).code).toBe(0);
  });

  it('accelctl define writes what mdevctl writes, and mdevctl list --defined sees it', async () => {
    const d = await ax(['define', '--parent', 'mtty', '--type', 'mtty-1', '--uuid', U1]);
    expect(d.code, d.stderr).toBe(0);
    expect(await out(`cat /etc/mdevctl.d/mtty/${U1}`)).toBe(GOLDEN('mdevctl-define-manual.json'));
    const m = JSON.parse(await out('mdevctl list --defined --dumpjson'));
    expect(m).toEqual([{ mtty: [{ [U1]: { mdev_type: 'mtty-1', start: 'manual', attrs: [] } }] }]);
    // Nothing started: a definition is only a file.
    expect(await live()).toEqual([]);
  });

  it('mdevctl define (auto, attributes) is seen by accelctl list --defined, and modify round-trips with mdevctl', async () => {
    await out(`mdevctl define -a -p mtty -t mtty-2 -u ${U2} && mdevctl modify -u ${U2} --addattr=foo --value=bar`);
    const r = await ax(['list', '--defined', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout).partitions.map((p: { uuid: string; type: string; state: string }) => [p.uuid, p.type, p.state]);
    expect(rows).toEqual([
      [U1, 'mtty-1', 'defined'],
      [U2, 'mtty-2', 'defined'],
    ]);
    expect((await ax(['modify', U2, '--attr', 'x=1'])).code).toBe(0);
    expect(await out(`cat /etc/mdevctl.d/mtty/${U2}`)).toBe(GOLDEN('mdevctl-define-auto-attrs.json'));
    expect(await out(`mdevctl list -d -u ${U2}`)).toBe(`${U2} mtty mtty-2 auto`);
    expect((await ax(['modify', U2, '--del-attr', 'foo', '--del-attr', 'x'])).code).toBe(0);
  });

  it('start creates the defined partition; list --all and mdevctl agree; stop removes it and keeps the definition', async () => {
    const s = await ax(['start', U1]);
    expect(s.code, s.stderr).toBe(0);
    expect(await live()).toEqual([U1]);
    expect(await typeOf(U1)).toBe('mtty-1');
    expect(await out('mdevctl list')).toBe(`${U1} mtty mtty-1 manual (defined)`);
    const all = JSON.parse((await ax(['list', '--all', '--json'])).stdout).partitions;
    expect(all.map((p: { uuid: string; state: string; vfioDevice: string | null }) => [p.uuid, p.state, p.vfioDevice !== null])).toEqual([
      [U1, 'active+defined', true],
      [U2, 'defined', false],
    ]);
    // mdevctl's own start of accelctl's neighbour definition.
    await out(`mdevctl start -u ${U2}`);
    expect(await live()).toEqual([U1, U2]);
    expect((await ax(['stop', U1])).code).toBe(0);
    expect((await ax(['stop', U2])).code).toBe(0);
    expect(await live()).toEqual([]);
    expect(await out('ls /etc/mdevctl.d/mtty')).toBe(`${U1}\n${U2}`);
    // Transient start: a partition with no definition.
    const t = await ax(['start', '--parent', 'mtty', '--type', 'mtty-2']);
    expect(t.code, t.stderr).toBe(0);
    const tu = t.stdout.trim();
    expect((await ax(['list', '--uuid', tu, '--json'])).stdout).toContain('"state": "active"');
    expect((await ax(['stop', tu])).code).toBe(0);
    expect((await ax(['undefine', U1])).code).toBe(0);
    expect((await ax(['undefine', U2])).code).toBe(0);
    expect(await out('mdevctl list -d')).toBe('');
    expect((await ax(['undefine', U2])).code).toBe(3);
  });

  it('apply creates 3 partitions, assert says 0, a second apply is a no-op, a smaller plan removes the extra ones', async () => {
    await writePlan('/tmp/three.yaml', plan('        - type: mtty-1\n          count: 3\n'));
    const a = await ax(['apply', '-f', '/tmp/three.yaml']);
    expect(a.code, a.stderr).toBe(0);
    const three = await live();
    expect(three).toHaveLength(3);
    for (const u of three) expect(await typeOf(u)).toBe('mtty-1');
    expect((await ax(['assert', '-f', '/tmp/three.yaml'])).code).toBe(0);

    const again = await ax(['apply', '-f', '/tmp/three.yaml']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to do');
    expect(await live()).toEqual(three);

    await writePlan('/tmp/one.yaml', plan('        - type: mtty-1\n'));
    const differ = await ax(['assert', '-f', '/tmp/one.yaml']);
    expect(differ.code).toBe(1);
    expect(differ.stdout.trim().split('\n')).toHaveLength(2);
    const smaller = await ax(['apply', '-f', '/tmp/one.yaml', '--json']);
    expect(smaller.code, smaller.stderr).toBe(0);
    expect(JSON.parse(smaller.stdout).changes.map((c: { action: string }) => c.action)).toEqual(['remove', 'remove']);
    const one = await live();
    expect(one).toHaveLength(1);
    expect(three).toContain(one[0]);
    expect((await ax(['assert', '-f', '/tmp/one.yaml'])).code).toBe(0);
  });

  it('export | apply is a no-op; persist: true leaves definitions mdevctl reads', async () => {
    await writePlan('/tmp/persist.yaml', plan(`        - type: mtty-2\n          uuid: ${U2}\n        - type: mtty-1\n          count: 1\n`) + '      persist: true\n');
    const a = await ax(['apply', '-f', '/tmp/persist.yaml']);
    expect(a.code, a.stderr).toBe(0);
    const now = await live();
    expect(now).toHaveLength(2);
    expect(now).toContain(U2);
    const defined = (await out('mdevctl list -d')).split('\n').sort();
    expect(defined).toEqual(now.map((u) => `${u} mtty ${u === U2 ? 'mtty-2' : 'mtty-1'} auto (active)`).sort());

    const e = await out(`node ${shq(ACCELCTL_BIN)} export > /tmp/export.yaml && cat /tmp/export.yaml`);
    expect(e).toContain('persist: true');
    // v2: each partition says it is defined, start auto, as apply persisted it.
    expect(e).toContain('version: v2');
    expect(e.match(/start: auto/g)).toHaveLength(2);
    const r = await ax(['apply', '-f', '/tmp/export.yaml', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).changed).toBe(false);
    expect(await live()).toEqual(now);
    expect((await ax(['assert', '-f', '/tmp/export.yaml'])).code).toBe(0);
  });

  it('a kernel refusal part way through apply restores the previous layout, same UUIDs and types', async () => {
    const before = await live();
    const types = await Promise.all(before.map(typeOf));
    // Removes both, creates two mtty-1, then mtty has no attribute "nosuch": the write fails (ENOENT).
    await writePlan('/tmp/fail.yaml', plan('        - type: mtty-1\n          count: 2\n        - type: mtty-1\n          attrs: { nosuch: "1" }\n'));
    const r = await ax(['apply', '-f', '/tmp/fail.yaml']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('does not exist (set nosuch on');
    expect(r.stderr).toContain('previous layout restored');
    expect(await live()).toEqual(before);
    expect(await Promise.all(before.map(typeOf))).toEqual(types);
    expect((await ax(['assert', '-f', '/tmp/export.yaml'])).code).toBe(0);
  });

  it('apply refuses, before any write, to remove a partition a running QEMU holds (exit 5, holder named)', async () => {
    const before = await live();
    const held = before.find((u) => u !== U2)!;
    const group = await out(`basename $(readlink /sys/bus/mdev/devices/${held}/iommu_group)`);
    const pid = await out(
      `setsid qemu-system-x86_64 -machine q35 -accel tcg -m 64 -nographic -S -nodefaults ` +
        `-device vfio-pci,sysfsdev=/sys/bus/mdev/devices/${held} </dev/null >/tmp/qemu.log 2>&1 & echo $!`,
    );
    const open = await guest.sh(`for i in $(seq 1 300); do ls -l /proc/${pid}/fd 2>/dev/null | grep -q /dev/vfio/${group} && exit 0; sleep 0.1; done; cat /tmp/qemu.log; exit 1`);
    expect(open.code, open.stdout).toBe(0);
    await writePlan('/tmp/none.yaml', 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions: []\n');
    const r = await ax(['apply', '-f', '/tmp/none.yaml']);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${held} is in use by pid ${pid} (qemu-system-x86`);
    expect(r.stderr).toContain('nothing changed');
    expect(await live()).toEqual(before);
    await out(`kill ${pid}; for i in $(seq 1 100); do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.1; done; exit 1`);
    const done = await ax(['apply', '-f', '/tmp/none.yaml']);
    expect(done.code, done.stderr).toBe(0);
    expect(await live()).toEqual([]);
    // persist was not set in this plan: the definitions stay for mdevctl and accelctl start.
    expect((await out('ls /etc/mdevctl.d/mtty')).split('\n')).toHaveLength(2);
  });

  it('auto definitions come back when the parent registers again (rmmod, modprobe), started as the udev rule does; mdevctl start-parent-mdevs starts the same', async () => {
    const U3 = '5b0f0000-0000-4000-8000-000000000003';
    await out('rm -rf /etc/mdevctl.d/mtty');
    expect(await live()).toEqual([]);
    for (const [u, t, auto] of [[U1, 'mtty-1', true], [U2, 'mtty-2', true], [U3, 'mtty-1', false]] as const) {
      const d = await ax(['define', '--parent', 'mtty', '--type', t, '--uuid', u, ...(auto ? ['--auto'] : [])]);
      expect(d.code, d.stderr).toBe(0);
    }
    // The parent goes away and registers again, as at boot or a driver reload.
    const reload = 'rmmod mtty && modprobe mtty && test -d /sys/class/mdev_bus/mtty';
    await out(reload);
    expect(await live()).toEqual([]);
    const r = await ax(['start', '--auto', '--parent', 'mtty', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { partitions: { uuid: string; created: boolean }[]; skipped: unknown[]; failed: unknown[] };
    expect(j.partitions.map((p) => [p.uuid, p.created])).toEqual([[U1, true], [U2, true]]);
    expect([j.skipped, j.failed]).toEqual([[], []]);
    expect(await live()).toEqual([U1, U2]);
    expect(await typeOf(U2)).toBe('mtty-2');
    expect(await out('mdevctl list')).toBe(`${U1} mtty mtty-1 auto (defined)\n${U2} mtty mtty-2 auto (defined)`);
    // Run again (udev sends both add and change): nothing to do.
    const again = await ax(['start', '--auto', '--parent', 'mtty']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${U1} already running (mtty-1 on mtty)\n${U2} already running (mtty-2 on mtty)\n`);
    // mdevctl's own start-parent-mdevs, after the same reload, starts the same set.
    for (const u of [U1, U2]) expect((await ax(['stop', u])).code).toBe(0);
    await out(reload);
    await out('mdevctl start-parent-mdevs mtty');
    expect(await live()).toEqual([U1, U2]);
    for (const u of [U1, U2]) expect((await ax(['stop', u])).code).toBe(0);
    await out('rm -rf /etc/mdevctl.d/mtty');
  });

  it('modify --addattr/--delattr at --index: mdevctl and accelctl make the same file from the same edits; an index past the list changes nothing in either', async () => {
    const U5 = '5b0f0000-0000-4000-8000-000000000005';
    const U6 = '5b0f0000-0000-4000-8000-000000000006';
    await out(`mdevctl define -p mtty -t mtty-1 -u ${U5} && mdevctl define -p mtty -t mtty-1 -u ${U6}`);
    const file = (u: string) => out(`cat /etc/mdevctl.d/mtty/${u}`);
    for (const edit of [
      ['--addattr=a', '--value=1'],
      ['--addattr=b', '--value=2', '--index=0'],
      ['--addattr=c', '--value=x y', '-i', '1'],
      ['--addattr=a', '--value=9', '-i', '3'],
      ['--delattr', '-i', '0'],
      ['--delattr'],
    ]) {
      await out(`mdevctl modify -u ${U5} ${edit.map(shq).join(' ')}`);
      const r = await ax(['modify', '-u', U6, ...edit]);
      expect(r.code, `${edit.join(' ')}: ${r.stderr}`).toBe(0);
      expect(await file(U6), edit.join(' ')).toBe(await file(U5));
    }
    expect(JSON.parse(await file(U6)).attrs).toEqual([{ c: 'x y' }, { a: '1' }]);
    expect((await guest.sh(`mdevctl modify -u ${U5} --delattr -i 2`)).code).not.toBe(0);
    const past = await ax(['modify', '-u', U6, '--delattr', '-i', '2']);
    expect(past.code).toBe(3);
    expect(await file(U6)).toBe(await file(U5));
    await out(`mdevctl undefine -u ${U5} && mdevctl undefine -u ${U6}`);
  });

  it('one recording callout and notifier see the same invocations from mdevctl and from accelctl (define --auto, start, stop, modify, undefine); a refusing pre stops both', async () => {
    const U4 = '5b0f0000-0000-4000-8000-000000000004';
    const scripts = '/etc/mdevctl.d/scripts.d';
    await out(
      `cat > ${scripts}/callouts/rec <<'EOF'\n${recordingScript('/tmp/callout.log')}EOF\n` +
        `cat > ${scripts}/notifiers/rec <<'EOF'\n${recordingScript('/tmp/notify.log')}EOF\n` +
        `chmod 755 ${scripts}/callouts/rec ${scripts}/notifiers/rec`,
    );
    const logs = async () => {
      const r = await out('cat /tmp/callout.log; echo ---; cat /tmp/notify.log; rm -f /tmp/callout.log /tmp/notify.log');
      return r;
    };
    await out(
      `mdevctl define -a -p mtty -t mtty-1 -u ${U4} && mdevctl start -u ${U4} && mdevctl stop -u ${U4} && ` +
        `mdevctl modify -u ${U4} --addattr=foo --value=bar && mdevctl undefine -u ${U4}`,
    );
    const byMdevctl = await logs();
    for (const args of [
      ['define', '-a', '-p', 'mtty', '-t', 'mtty-1', '-u', U4],
      ['start', '-u', U4],
      ['stop', '-u', U4],
      ['modify', '-u', U4, '--attr', 'foo=bar'],
      ['undefine', '-u', U4],
    ]) {
      const r = await ax(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const byAccelctl = await logs();
    expect(byAccelctl).toBe(byMdevctl);
    // What both gave (mdevctl's is the reference): 10 callout lines, 5 notifier lines.
    const [callouts, notifies] = byMdevctl.split('\n---\n');
    expect(callouts!.split('\n')).toHaveLength(10);
    expect(callouts!.split('\n')[0]).toBe(`-t mtty-1 -e pre -a define -s none -u ${U4} -p mtty | {"mdev_type":"mtty-1","start":"auto","attrs":[]}`);
    expect(notifies!.split('\n')).toHaveLength(5);
    // A pre callout that refuses: neither tool starts the partition.
    await out(`mdevctl define -p mtty -t mtty-1 -u ${U4} && echo 3 > /tmp/callout.log.refuse`);
    expect((await guest.sh(`mdevctl start -u ${U4}`)).code).not.toBe(0);
    const r = await ax(['start', '-u', U4]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`accelctl: callout /etc/mdevctl.d/scripts.d/callouts/rec refused start of ${U4} (exit 3)`);
    expect(await live()).toEqual([]);
    const [c2, n2] = (await logs()).split('\n---\n').map((x) => x!.split('\n'));
    // Each tool's refused start: one pre to the callout, and the notifiers told -s none; the same from both.
    const pre = `-t mtty-1 -e pre -a start -s none -u ${U4} -p mtty | {"mdev_type":"mtty-1","start":"manual","attrs":[]}`;
    expect(c2!.slice(-2)).toEqual([pre, pre]);
    const none = pre.replace('-e pre', '-e notify');
    expect(n2!.slice(-2)).toEqual([none, none]);
    await out(`rm -f /tmp/callout.log.refuse ${scripts}/callouts/rec ${scripts}/notifiers/rec; mdevctl undefine -u ${U4}`);
  });
});
