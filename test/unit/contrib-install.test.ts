// contrib/install.sh as an operator runs it, into a --prefix tree: which
// files it writes, what they run, that a second run changes nothing, and
// that remove takes back its own files and nothing else. (The installed rule
// doing its job under the real udevd: test/e2e/boot.test.ts.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = path.join(REPO, 'contrib/install.sh');
const RULE = 'etc/udev/rules.d/60-accelctl.rules';
const UNIT = 'etc/systemd/system/accelctl-auto.service';
const WANTS = 'etc/systemd/system/multi-user.target.wants/accelctl-auto.service';

let prefix: string;
let tools: string;

function install(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('sh', [SCRIPT, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const read = (rel: string) => fs.readFileSync(path.join(prefix, rel), 'utf8');

beforeEach(() => {
  prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'accelctl-contrib-'));
  // An accelctl and a node at paths with a space, as a checkout may have.
  tools = path.join(prefix, 'opt/accel tools');
  fs.mkdirSync(tools, { recursive: true });
  fs.writeFileSync(path.join(tools, 'accelctl'), '#!/usr/bin/env node\n', { mode: 0o755 });
  fs.writeFileSync(path.join(tools, 'node'), '#!/bin/sh\n', { mode: 0o755 });
});
afterEach(() => fs.rmSync(prefix, { recursive: true, force: true }));

describe('contrib/install.sh', () => {
  it('install writes the rule, the unit and its enable link, naming node and accelctl by absolute path', () => {
    const r = install('install', '--prefix', prefix, '--accelctl', path.join(tools, 'accelctl'), '--node', path.join(tools, 'node'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `install.sh: wrote ${prefix}/${RULE}`,
      `install.sh: wrote ${prefix}/${UNIT}`,
      `install.sh: linked ${prefix}/${WANTS} (enabled)`,
    ]);
    const run = `/usr/bin/env ACCELCTL_LOCK_TIMEOUT=120 '${tools}/node' '${tools}/accelctl' start --auto --parent %k`;
    const rules = read(RULE).split('\n').filter((l) => l.startsWith('ACTION'));
    expect(rules).toEqual([
      `ACTION=="change", ENV{MDEV_STATE}=="registered", TEST=="/etc/mdevctl.d/$kernel", RUN+="${run}"`,
      `ACTION=="add", SUBSYSTEM!="module", TEST=="/etc/mdevctl.d/$kernel", RUN+="${run}"`,
      // bind --persist: the function's saved binding applied when it is added.
      `ACTION=="add", SUBSYSTEM=="pci", TEST=="/etc/accelctl/bindings/$kernel", RUN+="${run.replace('--parent', '--device')}"`,
    ]);
    expect(read(UNIT)).toContain(`\nExecStart="${tools}/node" "${tools}/accelctl" start --auto\n`);
    // It runs when either directory has something: definitions only, bindings only, or both ("|": any one of them).
    expect(read(UNIT).split('\n').filter((l) => l.startsWith('Condition'))).toEqual([
      'ConditionDirectoryNotEmpty=|/etc/mdevctl.d',
      'ConditionDirectoryNotEmpty=|/etc/accelctl/bindings',
    ]);
    expect(read(UNIT)).toContain('\nType=oneshot\n');
    expect(read(UNIT)).toContain('\nEnvironment=ACCELCTL_LOCK_TIMEOUT=120\n');
    expect(read(UNIT)).toContain('\nWantedBy=multi-user.target\n');
    expect(fs.readlinkSync(path.join(prefix, WANTS))).toBe('../accelctl-auto.service');
    expect(read(RULE).split('\n')[0]).toMatch(/^# Installed by accelctl contrib\/install\.sh/);
  });

  it('by default runs this checkout\'s bin/accelctl with the node on PATH, unquoted when the paths have no space', () => {
    const r = install('install', '--prefix', prefix);
    expect(r.code, r.stderr).toBe(0);
    const node = spawnSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).stdout.trim();
    const bin = path.join(REPO, 'bin/accelctl');
    const q = (p: string) => (/\s/.test(p) ? `'${p}'` : p);
    expect(read(RULE)).toContain(`RUN+="/usr/bin/env ACCELCTL_LOCK_TIMEOUT=120 ${q(node)} ${q(bin)} start --auto --parent %k"`);
  });

  it('a second install changes nothing and says so', () => {
    const args = ['install', '--prefix', prefix, '--accelctl', path.join(tools, 'accelctl'), '--node', path.join(tools, 'node')];
    expect(install(...args).code).toBe(0);
    const before = [read(RULE), read(UNIT)];
    const r = install(...args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/wrote|linked/);
    expect(r.stdout.match(/unchanged/g)).toHaveLength(3);
    expect([read(RULE), read(UNIT)]).toEqual(before);
  });

  it('remove deletes exactly its three files, leaves a neighbour alone, and a second remove finds nothing', () => {
    expect(install('install', '--prefix', prefix).code).toBe(0);
    fs.writeFileSync(path.join(prefix, 'etc/udev/rules.d/70-other.rules'), '# not ours\n');
    const r = install('remove', '--prefix', prefix);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/removed/g)).toHaveLength(3);
    for (const f of [RULE, UNIT, WANTS]) expect(fs.existsSync(path.join(prefix, f))).toBe(false);
    expect(read('etc/udev/rules.d/70-other.rules')).toBe('# not ours\n');
    const again = install('remove', '--prefix', prefix);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/removed/);
    expect(again.stdout.match(/absent/g)).toHaveLength(3);
  });

  it('never overwrites or removes a file it did not write (exit 1, file untouched)', () => {
    fs.mkdirSync(path.join(prefix, 'etc/udev/rules.d'), { recursive: true });
    fs.writeFileSync(path.join(prefix, RULE), '# the operator\'s own rule\n');
    const i = install('install', '--prefix', prefix);
    expect(i.code).toBe(1);
    expect(i.stderr).toMatch(/not written by this script: left alone/);
    expect(read(RULE)).toBe('# the operator\'s own rule\n');
    const r = install('remove', '--prefix', prefix);
    expect(r.code).toBe(1);
    expect(read(RULE)).toBe('# the operator\'s own rule\n');
  });

  it('bad usage is exit 2: no action, an unknown option, a missing accelctl, a path udev would misread', () => {
    expect(install().code).toBe(2);
    expect(install('frobnicate').code).toBe(2);
    expect(install('install', '--prefix', prefix, '--bogus').code).toBe(2);
    const missing = install('install', '--prefix', prefix, '--accelctl', path.join(prefix, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
    const pct = path.join(prefix, '100%');
    fs.mkdirSync(pct);
    fs.writeFileSync(path.join(pct, 'accelctl'), '');
    const bad = install('install', '--prefix', prefix, '--accelctl', path.join(pct, 'accelctl'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot go into a udev rule/);
    expect(fs.existsSync(path.join(prefix, RULE))).toBe(false);
  });
});
