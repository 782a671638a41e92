import { describe, expect, it } from 'vitest';
import { accelctl } from '../helpers/cli.js';

describe('the entry: usage errors and exit codes', () => {
  it('an unknown command exits 2 with a suggestion and a hint', () => {
    const r = accelctl(['typse']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'typse'/);
    expect(r.stderr).toMatch(/Did you mean types\?/);
    expect(r.stdout).toBe('');
  });

  it('an unknown option exits 2', () => {
    const r = accelctl(['types', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('a bad --color value exits 2 naming the choices', () => {
    const r = accelctl(['types', '--color', 'sometimes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/always, never|auto/);
  });

  it('--root pointing at nothing is one clear line and exit 2, no stack', () => {
    const r = accelctl(['--root', '/nonexistent/accelctl-root', 'types']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('accelctl: --root /nonexistent/accelctl-root: no such directory\n');
  });

  it('ACCELCTL_ROOT is the default for --root', () => {
    const r = accelctl(['types'], { ACCELCTL_ROOT: '/nonexistent/env-root' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/env-root');
  });

  it('global options are accepted after the command too', () => {
    const r = accelctl(['types', '--root', '/nonexistent/after']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/after');
  });

  it('--version and --help exit 0 on stdout', () => {
    const v = accelctl(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = accelctl(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/Usage: accelctl/);
    expect(h.stdout).toMatch(/topology/);
  });

  it('completion prints a script for each shell and refuses others with exit 2', () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = accelctl(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('accelctl');
      expect(r.stdout).toContain('topology');
    }
    expect(accelctl(['completion', 'tcsh']).code).toBe(2);
  });

  // .ci/run installs zsh and fish so these checks always run.
  for (const [shell, argv] of [
    ['bash', ['bash', '-n']],
    ['zsh', ['zsh', '-n']],
    ['fish', ['fish', '-n']],
  ] as const) {
    it(`the ${shell} completion script parses in ${shell}`, async () => {
      const { spawnSync } = await import('node:child_process');
      const script = accelctl(['completion', shell]).stdout;
      // fish -n does not read a script from stdin: give each shell a file.
      const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
      const dir = mkdtempSync('/tmp/accelctl-completion-');
      writeFileSync(`${dir}/script`, script);
      const r = spawnSync(argv[0], [...argv.slice(1), `${dir}/script`], { encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
      expect(r.error).toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }
});

describe('commandIn: which command a run needs declared', async () => {
  const { buildProgram } = await import('../../src/cli.js');
  const { commandIn: scan } = await import('../../src/argv.js');
  const { COMMAND_NAMES, TABLE } = await import('../../src/commands/table.js');
  const { GLOBAL_VALUED } = await import('../../src/globals.js');
  const commandIn = (argv: string[]) => scan(argv, COMMAND_NAMES, GLOBAL_VALUED);
  it('finds the command word past global options and their values', () => {
    expect(commandIn(['node', 'accelctl', '--root', '/x', 'types', '--json'])).toBe('types');
    expect(commandIn(['node', 'accelctl', '--color', 'never', '-v', 'list'])).toBe('list');
    expect(commandIn(['node', 'accelctl', 'remove', 'a', 'b'])).toBe('remove');
  });
  it('gives up (whole tree) for help, typos and no command', () => {
    expect(commandIn(['node', 'accelctl', '--help'])).toBeUndefined();
    expect(commandIn(['node', 'accelctl', 'typse'])).toBeUndefined();
    expect(commandIn(['node', 'accelctl', '--root', 'types'])).toBeUndefined();
    expect(commandIn(['node', 'accelctl', '--', 'types'])).toBeUndefined();
  });
  it('declares only that command, with its options and the globals', () => {
    const p = buildProgram(TABLE, async () => {}, 'create');
    expect(p.commands.map((c) => c.name())).toEqual(['create']);
    const longs = p.commands[0]!.options.map((o) => o.long);
    expect(longs).toEqual(expect.arrayContaining(['--parent', '--type', '--count', '--attr', '--root', '--json', '--dry-run']));
    expect(buildProgram(TABLE, async () => {}).commands.length).toBeGreaterThan(20);
  });
});

describe('the real root, however it is spelled, keeps the root check', () => {
  it('`--root /.` and `--root //` are `/`: a mutating command as non-root is refused with exit 4 before any write', async () => {
    const { chmodSync, cpSync, mkdtempSync, symlinkSync, rmSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const { BIN } = await import('../helpers/cli.js');
    const dir = mkdtempSync('/tmp/accelctl-root-');
    chmodSync(dir, 0o755); // nobody must be able to reach the link
    symlinkSync('/', `${dir}/slash`);
    // nobody runs a copy of the built CLI (bin/ and dist/): the checkout may
    // sit under a directory nobody cannot enter (/root is 0700).
    const checkout = dirname(dirname(BIN));
    for (const d of ['bin', 'dist']) cpSync(join(checkout, d), join(dir, 'cli', d), { recursive: true });
    try {
      for (const root of ['/.', '//', `${dir}/slash`]) {
        // setpriv drops to nobody, as an operator's unprivileged shell would be.
        const { spawnSync } = await import('node:child_process');
        const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(dir, 'cli/bin/accelctl'), '--root', root, 'create', '--parent', 'mtty', '--type', 'mtty-1'], { encoding: 'utf8', cwd: dir });
        expect(r.error).toBeUndefined();
        expect(r.status).toBe(4);
        expect(r.stderr).toMatch(/create needs root/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
