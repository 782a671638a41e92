// mdevctl's callouts and notifiers around define, start, stop, modify and
// undefine: real scripts in the fixture tree's /etc/mdevctl.d/scripts.d, run by
// the executor (through the fake kernel's runHook, which runs them for real).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../src/errors.js';
import { accelctl } from '../../helpers/cli.js';
import { recordingScript } from '../../helpers/callout.js';
import { defFile, defs, fails, HELD, IDLE, layout, makeHarness, U1, U2, type Harness, runner } from './helpers.js';

const define = runner('define');
const start = runner('start');
const stop = runner('stop');
const modify = runner('modify');
const undefine = runner('undefine');
const apply = runner('apply');

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

describe('callouts around apply, as mdevctl runs them for the same changes', () => {
  const MANUAL = '{"mdev_type":"mtty-1","start":"manual","attrs":[]}';
  const AUTO = '{"mdev_type":"mtty-1","start":"auto","attrs":[]}';
  /**
   * Before: HELD (mtty-1) and IDLE (mtty-2) running, none defined; U1 and U2
   * defined (mtty-1, manual), not running. The plan (persist) keeps HELD,
   * starts U1, drops IDLE, so: stop IDLE, start U1 (its definition), undefine
   * U2, define HELD (new), modify U1 (manual -> auto).
   */
  async function setUp(): Promise<{ log: string; nlog: string; file: string }> {
    h = makeHarness();
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U1 });
    await define(h.ctx, [], { parent: 'mtty', type: 'mtty-1', uuid: U2 });
    const log = path.join(h.root, 'callout.log');
    const nlog = path.join(h.root, 'notify.log');
    install(h, 'callouts', 'rec', recordingScript(log));
    install(h, 'notifiers', 'rec', recordingScript(nlog));
    const file = path.join(h.root, 'plan.yaml');
    fs.writeFileSync(
      file,
      `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          uuid: ${HELD}\n        - type: mtty-1\n          uuid: ${U1}\n      persist: true\n`,
    );
    return { log, nlog, file };
  }
  const each = (event: string, state: string) => [
    call(event, 'stop', state, 'mtty-2', '{"mdev_type":"mtty-2","start":"manual","attrs":[]}', IDLE),
    call(event, 'start', state, 'mtty-1', MANUAL, U1),
    call(event, 'undefine', state, 'mtty-1', MANUAL, U2),
    call(event, 'define', state, 'mtty-1', AUTO, HELD),
    call(event, 'modify', state, 'mtty-1', AUTO, U1),
  ];

  it('stop, start, undefine, define, modify: every pre before the first write, then each post and the notifiers', async () => {
    const { log, nlog, file } = await setUp();
    await apply(h.ctx, [], { file });
    expect(await layout(h)).toEqual([`mtty ${U1} mtty-1`, `mtty ${HELD} mtty-1`]);
    expect(Object.keys(defs(h)).sort()).toEqual([`mtty/${U1}`, `mtty/${HELD}`].sort());
    expect(logOf(log)).toEqual([...each('pre', 'none'), ...each('post', 'success')]);
    expect(logOf(nlog)).toEqual(each('notify', 'success'));
  });

  it('a pre refusal refuses the whole apply: exit 1 naming the callout, nothing written, the callouts that passed get post failure', async () => {
    const { log, nlog, file } = await setUp();
    // The third pre (undefine of U2) refuses: the script counts its calls.
    install(
      h,
      'callouts',
      'rec',
      `#!/bin/sh\nin=$(cat)\nprintf '%s | %s\\n' "$*" "$in" >> '${log}'\nn=$(grep -c ' -e pre ' '${log}')\ncase " $* " in *" -e pre "*) if [ "$n" -eq 3 ]; then echo no >&2; exit 4; fi ;; esac\nexit 0\n`,
    );
    const before = await layout(h);
    const files = defs(h);
    const e = await fails(apply(h.ctx, [], { file }));
    expect(e.exitCode).toBe(EXIT.failed);
    expect(e.message).toBe(`callout /etc/mdevctl.d/scripts.d/callouts/rec refused undefine of ${U2} (exit 4): no: nothing changed`);
    expect(await layout(h)).toEqual(before);
    expect(defs(h)).toEqual(files);
    expect(h.kernel.log).toEqual([]);
    const [stopPre, startPre, undefinePre] = each('pre', 'none');
    const [stopPost, startPost] = each('post', 'failure');
    expect(logOf(log)).toEqual([stopPre, startPre, undefinePre, stopPost, startPost]);
    const notify = each('notify', 'failure');
    expect(logOf(nlog)).toEqual([notify[0], notify[1], each('notify', 'none')[2]]);
  });

  it('a write that fails after the pres: the layout and definitions are restored, every post says failure', async () => {
    const { log, file } = await setUp();
    h.kernel.failures.set('/sys/class/mdev_bus/mtty/mdev_supported_types/mtty-1/create', 'EIO');
    const before = await layout(h);
    const files = defs(h);
    const e = await fails(apply(h.ctx, [], { file }));
    expect(e.message).toMatch(/^apply failed: .*previous layout restored/);
    expect(await layout(h)).toEqual(before);
    expect(defs(h)).toEqual(files);
    expect(logOf(log)).toEqual([...each('pre', 'none'), ...each('post', 'failure')]);
  });

  it('an apply with nothing to do runs no callout; --dry-run runs none and prints them', async () => {
    const { log, file } = await setUp();
    const dry = accelctl(['--root', h.root, 'apply', '-f', file, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const lines = dry.stdout.trimEnd().split('\n');
    const c = '/etc/mdevctl.d/scripts.d/callouts/*';
    expect(lines.slice(0, 5)).toEqual(each('pre', 'none').map((l) => `callout ${c} ${l.split(' | ')[0]}`));
    expect(lines).toContain(`callout ${c} -t mtty-1 -e post -a modify -s success -u ${U1} -p mtty`);
    expect(fs.existsSync(log)).toBe(false);
    await apply(h.ctx, [], { file });
    fs.rmSync(log);
    await apply(h.ctx, [], { file });
    expect(fs.existsSync(log)).toBe(false);
  });

  it('a partition started with attributes no definition has gets the transient config (start manual, the plan\'s attributes)', async () => {
    h = makeHarness();
    const orig = h.kernel.write.bind(h.kernel);
    h.kernel.write = (p, v) => {
      orig(p, v);
      if (p.endsWith('/create')) fs.writeFileSync(`${h.root}/sys/bus/mdev/devices/${v}/foo`, '');
    };
    const log = path.join(h.root, 'callout.log');
    install(h, 'callouts', 'rec', recordingScript(log));
    const file = path.join(h.root, 'plan.yaml');
    fs.writeFileSync(
      file,
      `version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n          uuid: ${HELD}\n        - type: mtty-2\n          uuid: ${IDLE}\n        - type: mtty-1\n          uuid: ${U1}\n          attrs: { foo: bar }\n`,
    );
    await apply(h.ctx, [], { file });
    expect(logOf(log)).toEqual([
      call('pre', 'start', 'none', 'mtty-1', '{"mdev_type":"mtty-1","start":"manual","attrs":[{"foo":"bar"}]}'),
      call('post', 'start', 'success', 'mtty-1', '{"mdev_type":"mtty-1","start":"manual","attrs":[{"foo":"bar"}]}'),
    ]);
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
