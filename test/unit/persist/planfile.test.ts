// Plan files that are not plans: bounded, never hanging, exit 2 with one line and no stack.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../../helpers/cli.js';
import { profileTree, type Tree } from '../inventory/helpers.js';

let t: Tree;
beforeAll(() => {
  t = profileTree('two-node');
});
afterAll(() => t.dispose());

const file = (name: string, text: string | Buffer): string => {
  const p = path.join(t.root, name);
  fs.writeFileSync(p, text);
  return p;
};

/** The real entry; `stdin` is piped text or an fd. The spawn timeout only keeps a hang from stalling the suite (status null fails). */
function run(args: string[], stdin?: string | number) {
  const r = spawnSync(process.execPath, [BIN, '--root', t.root, ...args], {
    encoding: 'utf8',
    input: typeof stdin === 'string' ? stdin : undefined,
    stdio: [typeof stdin === 'number' ? stdin : 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '', ACCELCTL_ROOT: undefined },
    timeout: 20_000,
    maxBuffer: 4 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, stdout empty, stderr exactly one `accelctl: ...` line (no stack, no hint). */
function refused(r: ReturnType<typeof run>, message: string | RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(typeof message === 'string' ? new RegExp(`^accelctl: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
}

const PLAN = 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-1\n        - type: mtty-2\n';

describe('plan files that are not plans', () => {
  it('bigger than 1 MiB: refused', () => {
    const big = file('big.yaml', PLAN + '#' + 'x'.repeat(1024 * 1024) + '\n');
    refused(run(['assert', '-f', big]), `plan file ${big} is ${fs.statSync(big).size} bytes: more than 1048576 (1 MiB) is not a plan`);
  });

  it('/dev/zero: refused at once as a device (never read without end)', () => {
    refused(run(['apply', '-f', '/dev/zero']), 'plan file /dev/zero is a device: give a regular file, or - for stdin');
  });

  it('a directory: refused', () => {
    refused(run(['assert', '-f', t.root]), `plan file ${t.root} is a directory: give a regular file, or - for stdin`);
  });

  it('a FIFO with no writer: refused, never waits for one', () => {
    const fifo = path.join(t.root, 'plan.fifo');
    const mk = spawnSync('mkfifo', [fifo]);
    expect(mk.status).toBe(0);
    refused(run(['apply', '-f', fifo]), `plan file ${fifo} is a FIFO: give a regular file, or - for stdin`);
  });

  it('a YAML alias bomb ("billion laughs"): refused with bounded memory', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    const bomb = file('bomb.yaml', lines.join('\n') + '\n');
    refused(run(['assert', '-f', bomb]), `${bomb}: too many YAML aliases (more than 100): not a plan`);
  });

  it('nested 200000 deep: refused, no stack overflow trace', () => {
    const deep = file('deep.yaml', '['.repeat(200_000) + ']'.repeat(200_000) + '\n');
    refused(run(['assert', '-f', deep]), `${deep}: nested too deeply to be a plan`);
  });

  it('binary or NUL bytes: refused', () => {
    refused(run(['assert', '-f', file('nul.yaml', 'version: v1\0\n')]), /: contains NUL bytes: not a plan$/);
    refused(run(['assert', '-f', file('latin1.yaml', Buffer.from([0x76, 0xe9, 0x0a]))]), /: not UTF-8 text$/);
  });

  it('a YAML syntax error names the line and column', () => {
    const bad = file('syntax.yaml', 'version: v1\nconfigs:\n  default: [\n    - parent: mtty\n');
    const r = run(['assert', '-f', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`accelctl: ${bad}:4:5: not valid YAML or JSON: Block collections are not allowed within flow collections\n`);
  });

  it("an attribute named after one of the device's control files, or __proto__: refused naming it", () => {
    const ctl = file('ctl.yaml', 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - { type: mtty-1, attrs: { remove: "1" } }\n');
    refused(run(['apply', '-f', ctl, '--dry-run']), `${ctl}: configs.default[0].partitions[0].attrs.remove: one of the device's own control files, not an attribute`);
    const proto = file('proto.yaml', 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - { type: mtty-1, attrs: { __proto__: "1" } }\n');
    refused(run(['apply', '-f', proto, '--dry-run']), `${proto}: the key __proto__ is not allowed`);
  });
});

describe('-f - reads the plan from stdin', () => {
  it('a plan on stdin is read as a file would be', () => {
    const one = 'version: v1\nconfigs:\n  default:\n    - parent: mtty\n      partitions:\n        - type: mtty-2\n';
    const fromFile = run(['assert', '-f', file('p.yaml', one)]);
    const fromStdin = run(['assert', '-f', '-'], one);
    expect(fromStdin.code).toBe(1);
    expect(fromStdin.code).toBe(fromFile.code);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromStdin.stdout).not.toBe('');
  });

  it('more than 1 MiB on stdin: refused after reading 1 MiB + 1 byte', () => {
    refused(run(['assert', '-f', '-'], PLAN + '#' + 'y'.repeat(2 * 1024 * 1024)), 'stdin: more than 1048576 bytes (1 MiB) is not a plan');
  });

  it('/dev/zero as stdin: refused, bounded', () => {
    const fd = fs.openSync('/dev/zero', 'r');
    try {
      refused(run(['assert', '-f', '-'], fd), 'stdin: more than 1048576 bytes (1 MiB) is not a plan');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('a syntax error on stdin names stdin, the line and the column', () => {
    const r = run(['assert', '-f', '-'], 'version: v1\nconfigs: [\n  - a\n b: c\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('accelctl: stdin:3:5: not valid YAML or JSON: Implicit keys need to be on a single line\n');
  });
});
