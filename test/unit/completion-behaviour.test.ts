// The completion scripts as a user meets them: each generated script is loaded
// into the real shell and completes a partial command line; the candidates the
// shell would offer are checked.
//   bash: a driver sets COMP_LINE/COMP_POINT/COMP_WORDS/COMP_CWORD as bash does
//         (COMP_WORDS broken at COMP_WORDBREAKS) and calls the function; what
//         readline would put on the line is the text before the last word-break
//         character plus each COMPREPLY entry (checked once against real
//         readline below, through a pty).
//   zsh:  test/helpers/zsh-complete.zsh drives an interactive zsh with
//         compinit through zsh/zpty and records what the real compadd accepts.
//   fish: `complete -C LINE`.
// Values from the host come from the captured qemu-6.1 tree (parents mbochs,
// mdpy, mtty; two live mtty partitions; 16 PCI functions), named by --root or
// ACCELCTL_ROOT on the line, as a run would take them.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it as vitestIt } from 'vitest';
import { BIN } from '../helpers/cli.js';

const REPO = resolve(dirname(BIN), '..');
const FIXTURE = join(REPO, 'test/fixtures/machines/qemu-6.1');
const SCRIPT = { bash: 'completions/accelctl.bash', zsh: 'completions/_accelctl', fish: 'completions/accelctl.fish' } as const;
type Shell = keyof typeof SCRIPT;
const SHELLS = Object.keys(SCRIPT) as Shell[];

const MTTY = ['0b0e0b0e-0001-4000-8000-000000000001', '0b0e0b0e-0002-4000-8000-000000000002'];
const VISIBLE_COMMANDS = [
  'types', 'list', 'topology', 'groups', 'inspect', 'create', 'remove', 'bind', 'unbind', 'sriov', 'define', 'undefine',
  'start', 'stop', 'modify', 'apply', 'assert', 'export', 'features', 'selftest', 'health', 'completion', 'schema',
];

// `accelctl` on PATH is this checkout's, as an installed one would be.
const tmp = mkdtempSync(join(tmpdir(), 'accelctl-complete-'));
// maxRetries: a shell that was just hung up may still be writing a file there.
afterAll(() => rmSync(tmp, { recursive: true, force: true, maxRetries: 10 }));
mkdirSync(join(tmp, 'bin'));
symlinkSync(BIN, join(tmp, 'bin/accelctl'));
// The lines below are typed as a user would, with the tree's path unquoted:
// name it through a link with a plain path, so a checkout whose path has a
// space (quoting is tested on its own, with 'my trees') completes the same.
const ROOT = join(tmp, 'root');
symlinkSync(FIXTURE, ROOT);
// A working directory with a file and a directory, for file completion.
const CWD = join(tmp, 'work');
mkdirSync(join(CWD, 'plans'), { recursive: true });
writeFileSync(join(CWD, 'report.prom'), '');
// A root with saved definitions only (undefine, modify, start take defined UUIDs).
const SAVED = '5ae0d000-0000-4000-8000-000000000001';
const DEFROOT = join(tmp, 'defroot');
mkdirSync(join(DEFROOT, 'etc/mdevctl.d/mtty'), { recursive: true });
writeFileSync(join(DEFROOT, 'etc/mdevctl.d/mtty', SAVED), '{"mdev_type":"mtty-1","start":"manual","attrs":[]}\n');

// The fixture tree again behind a name in $HOME and behind one with a space.
symlinkSync(FIXTURE, join(tmp, 'tree'));
mkdirSync(join(tmp, 'my trees'));
symlinkSync(FIXTURE, join(tmp, 'my trees/qemu'));

const ENV = {
  PATH: `${join(tmp, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`,
  HOME: tmp,
  XDG_CONFIG_HOME: join(tmp, 'config'),
  XDG_DATA_HOME: join(tmp, 'data'),
  LC_ALL: 'C.UTF-8',
  // compinit's index of completion functions, written by the first zsh line, read by the others.
  ZSH_COMPDUMP: join(tmp, 'zcompdump'),
  TERM: 'dumb',
};

const BASH_DRIVER = `
source "$1"
COMP_LINE="$2"
COMP_POINT=\${#COMP_LINE}
# COMP_WORDS as bash makes them: words at blanks, and each run of word-break characters a word of its own.
COMP_WORDS=()
w="" prevbrk=0
for ((j=0; j<\${#COMP_LINE}; j++)); do
  c="\${COMP_LINE:j:1}"
  if [[ "$c" == [[:blank:]] ]]; then [ -n "$w" ] && COMP_WORDS+=("$w"); w=""; prevbrk=0; continue; fi
  if [[ "$COMP_WORDBREAKS" == *"$c"* ]]; then
    if (( !prevbrk )) && [ -n "$w" ]; then COMP_WORDS+=("$w"); w=""; fi
    w+="$c"; prevbrk=1; continue
  fi
  if (( prevbrk )) && [ -n "$w" ]; then COMP_WORDS+=("$w"); w=""; fi
  w+="$c"; prevbrk=0
done
COMP_WORDS+=("$w")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_accelctl accelctl "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;

/** The candidates for the end of `line`, as whole tokens (bash's and fish's as they would stand on the line). */
/** `config`: fish with its own completions for other commands (env, sudo), as an interactive fish has them. */
function complete(shell: Shell, line: string, env: Record<string, string> = {}, config = false): string[] {
  const script = join(REPO, SCRIPT[shell]);
  const argv: Record<Shell, string[]> = {
    bash: ['bash', '--norc', '--noprofile', '-c', BASH_DRIVER, 'driver', script, line],
    zsh: ['zsh', '-f', join(REPO, 'test/helpers/zsh-complete.zsh'), dirname(script), line],
    fish: ['fish', ...(config ? [] : ['--no-config']), '-c', 'source $argv[1]; complete -C $argv[2]', script, line],
  };
  const [cmd, ...args] = argv[shell];
  const r = spawnSync(cmd!, args, { encoding: 'utf8', cwd: CWD, env: { ...ENV, ...env }, timeout: 30_000 });
  expect(r.error, `${shell} must be installed (sh scripts/host-deps.sh test)`).toBeUndefined();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  let out = r.stdout.split('\n').filter((l) => l !== '');
  if (shell === 'fish') out = out.map((l) => l.split('\t')[0]!);
  if (shell === 'bash') {
    // Readline keeps the token up to its last word-break character (':' '=').
    const tok = /\S*$/.exec(line)![0];
    const brk = /^.*[:=]/.exec(tok)?.[0] ?? '';
    out = out.map((c) => brk + c);
  }
  // File names: a directory may come with its slash.
  return [...new Set(out.map((c) => c.replace(/\/$/, '')))].sort();
}

const sorted = (xs: string[]): string[] => [...xs].sort();

// Generous: other work on the machine can make a shell start slowly.
const it = (name: string, fn: () => void): void => vitestIt(name, fn, 180_000);

describe.each(SHELLS)('%s completion, by behaviour', (shell) => {
  const c = (line: string, env?: Record<string, string>): string[] => complete(shell, line, env);

  it('offers the command names, and never the hidden __complete', () => {
    expect(c('accelctl ')).toEqual(sorted(VISIBLE_COMMANDS));
    expect(c('accelctl sr')).toEqual(['sriov']);
    expect(c('accelctl __')).toEqual([]);
  });

  it('health --format offers every format, prometheus included; selftest --format its own', () => {
    expect(c('accelctl health --format ')).toEqual(sorted(['text', 'json', 'junit', 'prometheus']));
    expect(c('accelctl health --format pr')).toEqual(['prometheus']);
    expect(c('accelctl selftest --format ')).toEqual(sorted(['text', 'json', 'junit']));
  });

  it('--format=VALUE in one word completes the value', () => {
    expect(c('accelctl health --format=pr').map((x) => x.replace(/^--format=/, ''))).toEqual(['prometheus']);
  });

  it('health --output completes file names, not formats', () => {
    expect(c('accelctl health --output ')).toEqual(['plans', 'report.prom']);
    expect(c('accelctl health --output re')).toEqual(['report.prom']);
  });

  it('export -o / --output offers yaml and json', () => {
    expect(c('accelctl export -o ')).toEqual(['json', 'yaml']);
    expect(c('accelctl export --output ')).toEqual(['json', 'yaml']);
  });

  it('global options complete after the command as well as before it', () => {
    expect(c('accelctl types --ro')).toEqual(['--root']);
    expect(c('accelctl list --js')).toEqual(['--json']);
    expect(c('accelctl --ro')).toEqual(['--root']);
    const stop = c('accelctl stop --');
    expect(stop).toEqual(expect.arrayContaining(['--root', '--json', '--color', '--no-color', '--verbose', '--quiet', '--dry-run', '--debug']));
    expect(stop).not.toContain('--version'); // commander takes it only before the command
    expect(c('accelctl remove --f')).toEqual(['--force']);
  });

  it('--root completes directories', () => {
    expect(c('accelctl types --root ')).toEqual(['plans']);
  });

  it('parent names from the tree --root names, before or after the command, or --root=', () => {
    const parents = ['mbochs', 'mdpy', 'mtty'];
    expect(c(`accelctl --root ${ROOT} types --parent `)).toEqual(parents);
    expect(c(`accelctl create --root ${ROOT} --parent `)).toEqual(parents);
    expect(c(`accelctl --root=${ROOT} list --parent m`)).toEqual(parents);
    expect(c(`accelctl --root ${ROOT} create --parent mt`)).toEqual(['mtty']);
  });

  it('a --root written with ~/, quoted or with an escaped space', () => {
    expect(c('accelctl --root ~/tree stop ')).toEqual(MTTY);
    expect(c(`accelctl --root "${tmp}/my trees/qemu" stop `)).toEqual(MTTY);
    expect(c(`accelctl --root '${tmp}/my trees/qemu' bind 0000:8`)).toEqual(['0000:80:00.0', '0000:81:00.0']);
    expect(c(`accelctl --root ${tmp}/my\\ trees/qemu types --parent mt`)).toEqual(['mtty']);
  });

  it('ACCELCTL_ROOT, in the environment or before the command on the line, names the tree; --root wins', () => {
    expect(c('accelctl types --parent ', { ACCELCTL_ROOT: ROOT })).toEqual(['mbochs', 'mdpy', 'mtty']);
    expect(c(`ACCELCTL_ROOT=${ROOT} accelctl types --parent `)).toEqual(['mbochs', 'mdpy', 'mtty']);
    expect(c(`ACCELCTL_ROOT=${DEFROOT} accelctl --root ${ROOT} stop `)).toEqual(MTTY);
  });

  it('type ids: of the chosen --parent, else of every parent', () => {
    expect(c(`accelctl --root ${ROOT} create --parent mtty --type `)).toEqual(['mtty-1', 'mtty-2']);
    expect(c(`accelctl --root ${ROOT} types --parent mdpy --type `)).toEqual(['mdpy-hd', 'mdpy-vga', 'mdpy-xga']);
    expect(c(`accelctl --root ${ROOT} create --type mb`)).toEqual(['mbochs-large', 'mbochs-medium', 'mbochs-small']);
  });

  it('UUIDs: live partitions for remove, stop, inspect, list --uuid; definitions for undefine, modify, start', () => {
    expect(c(`accelctl --root ${ROOT} remove `)).toEqual(MTTY);
    expect(c(`accelctl --root ${ROOT} remove ${MTTY[0]} 0b0e0b0e-0002`)).toEqual([MTTY[1]]);
    expect(c(`accelctl --root ${ROOT} stop 0b`)).toEqual(MTTY);
    expect(c(`accelctl --root ${ROOT} list --uuid `)).toEqual(MTTY);
    expect(c(`accelctl --root ${ROOT} inspect 0b0e`)).toEqual(MTTY);
    expect(c(`accelctl --root ${ROOT} create --uuid `)).toEqual([]); // a new UUID: nothing to offer
    for (const cmd of ['undefine', 'modify', 'start']) expect(c(`accelctl --root ${DEFROOT} ${cmd} `)).toEqual([SAVED]);
  });

  it('PCI addresses for bind, unbind, sriov; devices (PCI and mdev) for inspect; colons in the word', () => {
    expect(c(`accelctl --root ${ROOT} bind 0000:8`)).toEqual(['0000:80:00.0', '0000:81:00.0']);
    expect(c(`accelctl --root ${ROOT} unbind 0000:00:1`)).toEqual(['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3']);
    expect(c(`accelctl --root ${ROOT} sriov `)).toHaveLength(16);
    expect(c(`accelctl --root ${ROOT} inspect `)).toHaveLength(18);
    expect(c(`accelctl --root ${ROOT} groups 1`)).toEqual(['1', '10', '11', '12', '13', '14', '15']);
  });

  it('arguments count by position, past option values: one UUID for stop, many for remove', () => {
    expect(c(`accelctl --root ${ROOT} stop ${MTTY[0]} `)).not.toContain(MTTY[1]);
    expect(c(`accelctl --root ${ROOT} remove ${MTTY[0]} `)).toContain(MTTY[1]);
    expect(c(`accelctl --root ${ROOT} selftest --timeout 5 0b`)).toEqual(MTTY);
    expect(c(`accelctl --root ${ROOT} selftest --timeout 5 ${MTTY[0]} `)).not.toContain(MTTY[1]);
  });

  it('a root that does not exist offers nothing, quietly', () => {
    expect(c('accelctl --root /nonexistent/accelctl types --parent ')).toEqual([]);
    expect(c('accelctl bind ', { ACCELCTL_ROOT: '/nonexistent/accelctl' })).toEqual([]);
  });
});

describe('after a command that runs accelctl (sudo, env): the shell hands the rest of the line to the accelctl script', () => {
  // bash does this through the bash-completion package (its _command_offset
  // rewrites COMP_LINE), which this machine need not have: not checked here.
  vitestIt('zsh after sudo, fish after env', () => {
    expect(complete('zsh', `sudo accelctl --root ${ROOT} stop 0b`)).toEqual(MTTY);
    expect(complete('zsh', `sudo accelctl --root ${ROOT} types --parent `)).toEqual(['mbochs', 'mdpy', 'mtty']);
    expect(complete('fish', `env accelctl --root ${ROOT} stop 0b`, {}, true)).toEqual(MTTY);
  }, 180_000);
});

describe('bash completion through real readline (an interactive bash on a pty)', () => {
  // The driver above assumes what readline does with COMPREPLY (keep the token
  // up to its last ':' or '=', add the reply); here readline itself does it.
  const tab = (line: string): string => {
    const r = spawnSync('zsh', ['-f', join(REPO, 'test/helpers/bash-readline.zsh'), join(REPO, SCRIPT.bash), line], {
      encoding: 'utf8',
      cwd: CWD,
      env: ENV,
      timeout: 30_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trimEnd();
  };
  it('one TAB completes a PCI address past its colons, a --opt=value, a UUID and a file name', () => {
    expect(tab(`accelctl --root ${ROOT} bind 0000:81`)).toBe(`accelctl --root ${ROOT} bind 0000:81:00.0`);
    expect(tab(`accelctl --root ${ROOT} unbind 0000:00:1f.`)).toBe(`accelctl --root ${ROOT} unbind 0000:00:1f.`);
    expect(tab('accelctl health --format=pr')).toBe('accelctl health --format=prometheus');
    expect(tab(`accelctl --root ${ROOT} stop 0b0e0b0e-0002`)).toBe(`accelctl --root ${ROOT} stop ${MTTY[1]}`);
    expect(tab('accelctl health --output re')).toBe('accelctl health --output report.prom');
    expect(tab('accelctl types --ro')).toBe('accelctl types --root');
  });
});
