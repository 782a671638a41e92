// mdevctl's callouts and notifiers around define, start, stop, modify and
// undefine: real scripts in the fixture tree's /etc/mdevctl.d/scripts.d, run by
// the executor (through the fake kernel's runHook, which runs them for real).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { accelctl } from '../../helpers/cli.js';
import { recordingScript } from '../../helpers/callout.js';
import { defFile, fails, IDLE, layout, makeHarness, U1, type Harness, runner } from './helpers.js';

const define = runner('define');
const start = runner('start');
const stop = runner('stop');
const modify = runner('modify');
const undefine = runner('undefine');

let h: Harness;
afterEach(() => h?.cleanup());

const scripts = (h: Harness, kind: 'callouts' | 'notifiers') => path.join(h.root, 'etc/mdevctl.d/scripts.d', kind);
function install(h: Harness, kind: 'callouts' | 'notifiers', name: string, text: string): void {
  fs.mkdirSync(scripts(h, kind), { recursive: true });
  fs.writeFileSync(path.join(scripts(h, kind), name), text, { mode: 0o755 });
}
const logOf = (file: string): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trimEnd().split('\n') : []);
const call = (event: string, action: string, state: string, type: string, stdin: string, uuid = U1) =>
  `-t ${type} -e ${event} -a ${action} -s ${state} -u ${uuid} -p mtty | ${stdin}`;

describe('callouts around the definition commands, as mdevctl runs them', () => {
  it('define -a, start, stop, modify, undefine: pre and post with the definition on stdin, then the notifiers', async () => {
    h = makeHarness();
    const log = path.join(h.root, 'callout.log');
    const nlog = path.join(h.root, 'notify.log');
    install(h, 'callouts', 'rec', recordingScript(log));
    install(h, 'notifiers', 'rec', recordingScript(nlog));
    const auto = '{"mdev_type":"mtty-1","start":"auto","attrs":[]}';
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1, auto: true });
    await start(h.ctx, [U1], {});
    await stop(h.ctx, [U1], {});
    await modify(h.ctx, [U1], { attr: ['foo=bar'] });
    await undefine(h.ctx, [U1], {});
    const modified = '{"mdev_type":"mtty-1","start":"auto","attrs":[{"foo":"bar"}]}';
    expect(logOf(log)).toEqual([
      call('pre', 'define', 'none', 'mtty-1', auto),
      call('post', 'define', 'success', 'mtty-1', auto),
      call('pre', 'start', 'none', 'mtty-1', auto),
      call('post', 'start', 'success', 'mtty-1', auto),
      // As mdevctl: stop passes the running device's config.
      call('pre', 'stop', 'none', 'mtty-1', '{"mdev_type":"mtty-1","start":"manual","attrs":[]}'),
      call('post', 'stop', 'success', 'mtty-1', '{"mdev_type":"mtty-1","start":"manual","attrs":[]}'),
      call('pre', 'modify', 'none', 'mtty-1', modified),
      call('post', 'modify', 'success', 'mtty-1', modified),
      call('pre', 'undefine', 'none', 'mtty-1', modified),
      call('post', 'undefine', 'success', 'mtty-1', modified),
    ]);
    expect(logOf(nlog)).toEqual([
      call('notify', 'define', 'success', 'mtty-1', auto),
      call('notify', 'start', 'success', 'mtty-1', auto),
      call('notify', 'stop', 'success', 'mtty-1', '{"mdev_type":"mtty-1","start":"manual","attrs":[]}'),
      call('notify', 'modify', 'success', 'mtty-1', modified),
      call('notify', 'undefine', 'success', 'mtty-1', modified),
    ]);
  });

  it('a pre callout exiting non-zero refuses the action: exit 1 naming it, nothing changed, no post, notifiers told "none"', async () => {
    h = makeHarness();
    const log = path.join(h.root, 'callout.log');
    const nlog = path.join(h.root, 'notify.log');
    install(h, 'callouts', 'rec', recordingScript(log));
    install(h, 'notifiers', 'rec', recordingScript(nlog));
    fs.writeFileSync(`${log}.refuse`, '3');
    const before = await layout(h);
    const e = await fails(start(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 }));
    expect(e.exitCode).toBe(EXIT.failed);
    expect(e.message).toBe(`callout /etc/mdevctl.d/scripts.d/callouts/rec refused start of ${U1} (exit 3): refused by the test: nothing changed`);
    expect(await layout(h)).toEqual(before);
    expect(h.kernel.log).toEqual([]);
    const e2 = await fails(define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 }));
    expect(e2.exitCode).toBe(EXIT.failed);
    expect(fs.existsSync(defFile(h, 'mtty', U1))).toBe(false);
    expect(logOf(log).map((l) => l.split(' | ')[0])).toEqual([
      `-t mtty-1 -e pre -a start -s none -u ${U1} -p mtty`,
      `-t mtty-1 -e pre -a define -s none -u ${U1} -p mtty`,
    ]);
    expect(logOf(nlog).map((l) => l.split(' | ')[0])).toEqual([
      `-t mtty-1 -e notify -a start -s none -u ${U1} -p mtty`,
      `-t mtty-1 -e notify -a define -s none -u ${U1} -p mtty`,
    ]);
    expect(h.info).toContain('rec: refused by the test');
  });

  it('exit 2 means "not my type": the next callout in name order decides, and gets the post', async () => {
    h = makeHarness();
    const log = path.join(h.root, 'b.log');
    install(h, 'callouts', 'a-other-vendor', `#!/bin/sh\necho "$*" >> '${h.root}/a.log'\nexit 2\n`);
    install(h, 'callouts', 'b-rec', recordingScript(log));
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    expect(logOf(`${h.root}/a.log`)).toEqual([`-t mtty-1 -e pre -a define -s none -u ${U1} -p mtty`]);
    expect(logOf(log).map((l) => l.split(' | ')[0])).toEqual([
      `-t mtty-1 -e pre -a define -s none -u ${U1} -p mtty`,
      `-t mtty-1 -e post -a define -s success -u ${U1} -p mtty`,
    ]);
  });

  it('a step that fails after pre: post says failure, and the host is restored', async () => {
    h = makeHarness();
    const log = path.join(h.root, 'callout.log');
    install(h, 'callouts', 'rec', recordingScript(log));
    h.kernel.failures.set('/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create', 'EIO');
    const before = await layout(h);
    const e = await fails(start(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 }));
    expect(e.exitCode).not.toBe(EXIT.ok);
    expect(logOf(log).map((l) => l.split(' | ')[0])).toEqual([
      `-t mtty-1 -e pre -a start -s none -u ${U1} -p mtty`,
      `-t mtty-1 -e post -a start -s failure -u ${U1} -p mtty`,
    ]);
    expect(await layout(h)).toEqual(before);
  });

  it('a callout that hangs is killed after its time and refuses; nothing changed', async () => {
    h = makeHarness();
    install(h, 'callouts', 'hang', '#!/bin/sh\nexec sleep 600\n');
    h.kernel.hookTimeoutMs = 300;
    const e = await fails(define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 }));
    expect(e.exitCode).toBe(EXIT.failed);
    expect(e.message).toBe(`callout /etc/mdevctl.d/scripts.d/callouts/hang refused define of ${U1} (killed after 300 ms): nothing changed`);
    expect(fs.existsSync(defFile(h, 'mtty', U1))).toBe(false);
  });

  it('start of a partition already running as defined, or stop of one not running: no action, no callout', async () => {
    h = makeHarness();
    const log = path.join(h.root, 'callout.log');
    install(h, 'callouts', 'rec', recordingScript(log));
    await define(h.ctx, [], { uuid: IDLE });
    await start(h.ctx, [IDLE], {});
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    await stop(h.ctx, [U1], {});
    expect(logOf(log).map((l) => l.split(' ')[5])).toEqual(['define', 'define', 'define', 'define']);
  });
});

describe('callouts through bin/accelctl', () => {
  it('--dry-run runs no callout and prints where they would run; a real define runs them', () => {
    h = makeHarness();
    const log = path.join(h.root, 'callout.log');
    install(h, 'callouts', 'rec', recordingScript(log));
    install(h, 'notifiers', 'rec', recordingScript(`${log}.n`));
    const dry = accelctl(['--root', h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '-a', '--dry-run']);
    expect(dry.code).toBe(0);
    const lines = dry.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`callout /etc/mdevctl.d/scripts.d/callouts/* -t mtty-1 -e pre -a define -s none -u ${U1} -p mtty`);
    expect(lines[1]).toMatch(/^file {2}\/etc\/mdevctl.d\/mtty\//);
    expect(lines.slice(2)).toEqual([
      `callout /etc/mdevctl.d/scripts.d/callouts/* -t mtty-1 -e post -a define -s success -u ${U1} -p mtty`,
      `notify /etc/mdevctl.d/scripts.d/notifiers/* -t mtty-1 -e notify -a define -s success -u ${U1} -p mtty`,
    ]);
    const dj = JSON.parse(accelctl(['--root', h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '--dry-run', '--json']).stdout);
    expect(dj.callouts).toHaveLength(3);
    expect(fs.existsSync(log)).toBe(false);
    const r = accelctl(['--root', h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1, '-a']);
    expect(r.code, r.stderr).toBe(0);
    expect(logOf(log)).toEqual([
      call('pre', 'define', 'none', 'mtty-1', '{"mdev_type":"mtty-1","start":"auto","attrs":[]}'),
      call('post', 'define', 'success', 'mtty-1', '{"mdev_type":"mtty-1","start":"auto","attrs":[]}'),
    ]);
  });

  it('ACCELCTL_CALLOUT_TIMEOUT bounds a hanging callout; a value that is not a duration is exit 2', () => {
    h = makeHarness();
    install(h, 'callouts', 'hang', '#!/bin/sh\nexec sleep 600\n');
    const r = accelctl(['--root', h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1], { ACCELCTL_CALLOUT_TIMEOUT: '500ms' });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(`accelctl: callout /etc/mdevctl.d/scripts.d/callouts/hang refused define of ${U1} (killed after 500 ms): nothing changed`);
    expect(accelctl(['--root', h.root, 'define', '-p', 'mtty', '-t', 'mtty-1', '-u', U1], { ACCELCTL_CALLOUT_TIMEOUT: 'soon' }).code).toBe(2);
  });
});
