/**
 * Shell completion scripts generated from the command model.
 *
 * Each value slot (an option's value, a positional argument) completes to one
 * of: fixed choices, files, directories, values read from the host through
 * `accelctl __complete KIND` (src/commands/complete.ts), or nothing. The
 * scripts find --root (and ACCELCTL_ROOT=... before the command) and --parent
 * on the line being completed and pass them on, so candidates come from the
 * tree the command would act on. Global options complete before and after
 * the command, as commander accepts them there.
 */
import type { Command } from 'commander';
import type { CompleteKind } from '../commands/complete.js';
import { describeProgram, type CommandModel, type OptionModel } from './model.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

type Value =
  | { kind: 'none' }
  | { kind: 'choices'; words: string[] }
  | { kind: 'files' }
  | { kind: 'dirs' }
  | { kind: 'host'; what: CompleteKind };

type ArgModel = CommandModel['arguments'][number];

const NONE: Value = { kind: 'none' };

/** Option values read from the host, by long option name. */
const HOST_OPTIONS: Record<string, CompleteKind> = { '--parent': 'parents', '--type': 'types', '--uuid': 'live-uuids', '--device': 'pci' };
/** Commands whose --uuid names a new partition: no existing UUID fits. */
const NEW_UUID: ReadonlySet<string> = new Set(['create', 'start']);
/** Positional arguments read from the host: by `command argument`, else by argument name. */
const HOST_ARGS: Record<string, CompleteKind> = {
  'undefine uuid': 'defined-uuids',
  'modify uuid': 'defined-uuids',
  'start uuid': 'defined-uuids',
  'bind device': 'pci',
  'unbind device': 'pci',
  'sriov device': 'pci',
  uuid: 'live-uuids',
  device: 'devices',
  group: 'groups',
};

/** `command` null: a global option. */
function optionValue(command: string | null, o: OptionModel): Value {
  if (o.choices) return { kind: 'choices', words: o.choices };
  if (o.long === '--root') return { kind: 'dirs' };
  if (/<file>/.test(o.flags)) return { kind: 'files' };
  const host = o.long === null ? undefined : HOST_OPTIONS[o.long];
  if (host === undefined || (o.long === '--uuid' && command !== null && NEW_UUID.has(command))) return NONE;
  return { kind: 'host', what: host };
}

function argValue(command: string, a: ArgModel): Value {
  if (a.choices) return { kind: 'choices', words: a.choices };
  const host = HOST_ARGS[`${command} ${a.name}`] ?? HOST_ARGS[a.name];
  return host === undefined ? NONE : { kind: 'host', what: host };
}

const flagWords = (opts: OptionModel[]): string[] =>
  opts.flatMap((o) => [o.short, o.long].filter((x): x is string => x !== null));

/** commander takes -V/--version only before the command. */
const afterCommand = (globals: OptionModel[]): OptionModel[] => globals.filter((o) => o.long !== '--version');

function bashValue(v: Value): string {
  switch (v.kind) {
    case 'none':
      return ':';
    case 'choices':
      return `_accelctl_words "${v.words.join(' ')}"`;
    case 'files':
      return '_accelctl_files -f';
    case 'dirs':
      return '_accelctl_files -d';
    case 'host':
      return `_accelctl_host ${v.what}`;
  }
}

function bash(program: Command): string {
  const m = describeProgram(program);
  const after = flagWords(afterCommand(m.globals)).join(' ');
  const pattern = (command: string, o: OptionModel): string => flagWords([o]).map((f) => `${command}:${f}`).join('|');
  const slots = [
    ...m.commands.flatMap((c) => c.options.filter((o) => o.takesValue).map((o) => [pattern(c.name, o), optionValue(c.name, o)] as const)),
    ...m.globals.filter((o) => o.takesValue).map((o) => [pattern('*', o), optionValue(null, o)] as const),
  ];
  const valued = slots.map(([p]) => p).join('|');
  const values = slots.map(([p, v]) => `    ${p}) ${bashValue(v)} ;;`).join('\n');
  const options = m.commands
    .map((c) => `    ${c.name}) _accelctl_words "${[...flagWords(c.options), after].join(' ')}" ;;`)
    .join('\n');
  const args = m.commands
    .flatMap((c) =>
      c.arguments.flatMap((a, i) => {
        const v = argValue(c.name, a);
        return v.kind === 'none' ? [] : [`    ${c.name}:${a.variadic ? '*' : i}) ${bashValue(v)}; return 0 ;;`];
      }),
    )
    .join('\n');
  return `# bash completion for accelctl (generated from the command model; do not edit)
# The line is split here, not taken from COMP_WORDS: bash also breaks words
# at ':' and '=' (PCI addresses, --option=value).

_accelctl_words() { local IFS=$' \\t\\n'; COMPREPLY=( $(compgen -W "$1" -- "$cur") ); }

_accelctl_files() { compopt -o filenames 2>/dev/null; local IFS=$'\\n'; COMPREPLY=( $(compgen "$1" -- "$cur") ); }

# Values from the host (or --root): one per line from accelctl __complete.
_accelctl_host() {
  local -a a=(__complete "$1")
  [ -n "$parent" ] && a+=(--parent "$parent")
  [[ "$root" == "~/"* ]] && root="$HOME/\${root#"~/"}"
  [ -n "$root" ] && a+=(--root "$root")
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$("$prog" "\${a[@]}" 2>/dev/null)" -- "$cur") )
}

# 0 when word $2 is an option that takes a value in command $1.
_accelctl_valued() {
  case "$1:$2" in
    ${valued}) return 0 ;;
  esac
  return 1
}

_accelctl_value() {
  case "$1:$2" in
${values}
  esac
}

_accelctl_options() {
  case "$1" in
    "") _accelctl_words "${flagWords(m.globals).join(' ')}" ;;
${options}
    *) _accelctl_words "${after}" ;;
  esac
}

# Positional argument $2 (from 0) of command $1; 1 when it takes no values we know (then: options).
_accelctl_arg() {
  case "$1:$2" in
${args}
    *) return 1 ;;
  esac
}

# Readline replaces only the text after the last word-break character of the
# token, so the candidates lose what comes before it.
_accelctl_trim() {
  local pre="\${1%"$2"}" brk="" j k w
  for ((j=\${#1}-1; j>=0; j--)); do
    if [[ "$COMP_WORDBREAKS" == *"\${1:j:1}"* ]]; then brk="\${1:0:j+1}"; break; fi
  done
  [ -z "$pre$brk" ] && return
  for k in "\${!COMPREPLY[@]}"; do
    w="$pre\${COMPREPLY[k]}"
    COMPREPLY[k]="\${w#"$brk"}"
  done
}

# Splits $1 into the array "words" as the shell reads quotes and backslashes
# (nothing is expanded); the last word is the one being completed, "" after a
# blank. tok: that word as typed.
_accelctl_split() {
  local s="$1" w="" q="" c j started=0 from=0
  words=()
  for ((j=0; j<\${#s}; j++)); do
    c="\${s:j:1}"
    if [ "$q" = "'" ]; then
      if [ "$c" = "'" ]; then q=""; else w+="$c"; fi
    elif [ "$q" = '"' ]; then
      if [ "$c" = '"' ]; then
        q=""
      elif [ "$c" = '\\' ]; then
        case "\${s:j+1:1}" in '"'|'\\'|'$') ((j++)); w+="\${s:j:1}" ;; *) w+="$c" ;; esac
      else
        w+="$c"
      fi
    elif [ "$c" = '\\' ]; then
      ((j++)); w+="\${s:j:1}"; started=1
    elif [ "$c" = "'" ] || [ "$c" = '"' ]; then
      q="$c"; started=1
    elif [[ "$c" == [[:blank:]] ]]; then
      (( started )) && words+=("$w")
      w="" started=0 from=$((j+1))
    else
      w+="$c"; started=1
    fi
  done
  words+=("$w")
  tok="\${s:from}"
}

_accelctl() {
  local prog cmd="" root="" parent="" want="" cur tok w i=0 n=0
  local -a words
  _accelctl_split "\${COMP_LINE:0:COMP_POINT}"
  cur="\${words[\${#words[@]}-1]}"
  # Assignments before the command; ACCELCTL_ROOT there is the root, as for a run.
  while (( i < \${#words[@]} - 1 )) && [[ "\${words[i]}" == [A-Za-z_]*=* ]]; do
    [[ "\${words[i]}" == ACCELCTL_ROOT=* ]] && root="\${words[i]#ACCELCTL_ROOT=}"
    ((i++))
  done
  prog="\${words[i]}"
  [[ "$prog" == "~/"* ]] && prog="$HOME/\${prog#"~/"}"
  for ((i++; i < \${#words[@]} - 1; i++)); do
    w="\${words[i]}"
    case "$w" in
      --root=*) root="\${w#*=}" ;;
      --parent=*) parent="\${w#*=}" ;;
      --*=*) ;;
      -*)
        if _accelctl_valued "$cmd" "$w"; then
          if (( i + 1 == \${#words[@]} - 1 )); then want="$w"; break; fi
          ((i++))
          case "$w" in
            --root) root="\${words[i]}" ;;
            --parent) parent="\${words[i]}" ;;
          esac
        fi ;;
      *) if [ -z "$cmd" ]; then cmd="$w"; else ((n++)); fi ;;
    esac
  done
  if [ -z "$want" ] && [[ "$cur" == --*=* ]] && _accelctl_valued "$cmd" "\${cur%%=*}"; then
    want="\${cur%%=*}"
    cur="\${cur#*=}"
  fi
  COMPREPLY=()
  if [ -n "$want" ]; then
    _accelctl_value "$cmd" "$want"
  elif [[ "$cur" == -* ]]; then
    _accelctl_options "$cmd"
  elif [ -z "$cmd" ]; then
    _accelctl_words "${m.commands.map((c) => c.name).join(' ')}"
  else
    _accelctl_arg "$cmd" "$n" || _accelctl_options "$cmd"
  fi
  # A word being completed inside quotes: readline's own quote handling applies.
  case "$tok" in
    *[\\"\\'\\\\]*) ;;
    *) _accelctl_trim "$tok" "$cur" ;;
  esac
}
complete -F _accelctl accelctl
`;
}

const zq = (s: string): string => s.replace(/'/g, `'\\''`).replace(/[[\]:]/g, '\\$&');

function zshAction(v: Value, message: string): string {
  switch (v.kind) {
    case 'none':
      return `:${message}: `;
    case 'choices':
      return `:${message}:(${v.words.join(' ')})`;
    case 'files':
      return `:${message}:_files`;
    case 'dirs':
      return `:${message}:_files -/`;
    case 'host':
      return `:${message}:_accelctl_host ${v.what}`;
  }
}

function zshSpec(o: OptionModel, command: string | null): string {
  const names = [o.short, o.long].filter((x): x is string => x !== null);
  const value = o.takesValue ? zshAction(optionValue(command, o), (/<([^>]+)>/.exec(o.flags)?.[1] ?? 'value').replace(/[:\s]/g, '-')) : '';
  const desc = `[${zq(o.description)}]`;
  // `--opt=`: the value may also follow in the same word (--format=json), as commander takes it.
  const spelled = names.map((n) => (o.takesValue && n.startsWith('--') ? `${n}=` : n));
  if (names.length > 1) return `'(${names.join(' ')})'{${spelled.join(',')}}'${desc}${value}'`;
  return `'${spelled[0]}${desc}${value}'`;
}

function zsh(program: Command): string {
  const m = describeProgram(program);
  const cmds = m.commands.map((c) => `    '${c.name}:${zq(c.description)}'`).join('\n');
  const cases = m.commands
    .map((c) => {
      const specs = c.options.map((o) => `        ${zshSpec(o, c.name)}`);
      c.arguments.forEach((a, i) => specs.push(`        '${a.variadic ? '*' : i + 1}${zshAction(argValue(c.name, a), a.name)}'`));
      return `      ${c.name})\n        _arguments \\\n${[...specs, `        $after[@]`].join(' \\\n')}\n        ;;`;
    })
    .join('\n');
  return `#compdef accelctl
# zsh completion for accelctl (generated from the command model; do not edit)

# Values from the host (or --root): one per line from accelctl __complete.
# The kind comes last: _arguments puts its compadd options (-J, -X...) first.
_accelctl_host() {
  local -a vals args
  args=(__complete \${@[-1]})
  [[ -n $_accelctl_parent ]] && args+=(--parent $_accelctl_parent)
  [[ $_accelctl_root == '~/'* ]] && _accelctl_root=$HOME/\${_accelctl_root#'~/'}
  [[ -n $_accelctl_root ]] && args+=(--root $_accelctl_root)
  vals=(\${(f)"$($_accelctl_prog $args 2>/dev/null)"})
  compadd "\${@[1,-2]}" -a vals
}

_accelctl() {
  local -a commands after
  local _accelctl_prog=\${(Q)words[1]} _accelctl_root= _accelctl_parent= w i
  [[ $_accelctl_prog == '~/'* ]] && _accelctl_prog=$HOME/\${_accelctl_prog#'~/'}
  # Assignments before the command; ACCELCTL_ROOT there is the root, as for a run.
  for w in \${(z)LBUFFER}; do
    [[ $w == [A-Za-z_]*=* ]] || break
    [[ $w == ACCELCTL_ROOT=* ]] && _accelctl_root=\${(Q)w#ACCELCTL_ROOT=}
  done
  for (( i = 2; i < CURRENT; i++ )); do
    w=\${(Q)words[i]}
    case $w in
      --root) _accelctl_root=\${(Q)words[i+1]} ;;
      --root=*) _accelctl_root=\${w#*=} ;;
      --parent) _accelctl_parent=\${(Q)words[i+1]} ;;
      --parent=*) _accelctl_parent=\${w#*=} ;;
    esac
  done
  after=(
${afterCommand(m.globals).map((o) => `    ${zshSpec(o, null)}`).join('\n')}
  )
  commands=(
${cmds}
  )
  _arguments -C -A '-*' \\
${m.globals.map((o) => `    ${zshSpec(o, null)}`).join(' \\\n')} \\
    '1:command:->command' \\
    '*::arg:->args'
  case $state in
    command) _describe 'command' commands ;;
    args)
      case $words[1] in
${cases}
      esac
      ;;
  esac
}
_accelctl "$@"
`;
}

/**
 * Every option word that takes a value, in any command: the fish script skips
 * their values when counting arguments. One list serves all commands only
 * while no word takes a value in one command and none in another.
 */
function valuedWords(m: ReturnType<typeof describeProgram>): string[] {
  const all = [...m.globals, ...m.commands.flatMap((c) => c.options)];
  const valued = new Set(flagWords(all.filter((o) => o.takesValue)));
  const flags = new Set(flagWords(all.filter((o) => !o.takesValue)));
  const both = [...valued].filter((w) => flags.has(w));
  if (both.length > 0) throw new Error(`internal: ${both.join(', ')} takes a value in one command and not in another; count per command`);
  return [...valued];
}

function fish(program: Command): string {
  const m = describeProgram(program);
  const fq = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const fishValue = (v: Value): string => {
    switch (v.kind) {
      case 'none':
        return '-x';
      case 'choices':
        return `-x -a ${fq(v.words.join(' '))}`;
      case 'files':
        return '-r -F';
      case 'dirs':
        return `-x -a '(__fish_complete_directories)'`;
      case 'host':
        return `-x -a '(__accelctl_host ${v.what})'`;
    }
  };
  const names = m.commands.map((c) => c.name).join(' ');
  const noCommand = `-n 'not __fish_seen_subcommand_from ${names}'`;
  const opt = (o: OptionModel, command: string | null, cond: string): string => {
    const parts = ['complete -c accelctl', cond];
    if (o.short) parts.push(`-s ${o.short.slice(1)}`);
    if (o.long) parts.push(`-l ${o.long.slice(2)}`);
    if (o.takesValue) parts.push(fishValue(optionValue(command, o)));
    parts.push(`-d ${fq(o.description)}`);
    return parts.join(' ');
  };
  const argLine = (c: CommandModel, a: ArgModel, i: number): string[] => {
    const v = argValue(c.name, a);
    const cond = `-n '__fish_seen_subcommand_from ${c.name}; and __accelctl_arg ${i}${a.variadic ? ' more' : ''}'`;
    if (v.kind === 'none') return [];
    if (v.kind === 'files') return [`complete -c accelctl ${cond} -F`];
    return [`complete -c accelctl ${cond} ${fishValue(v).replace(/^-x /, '')}`];
  };
  const lines = [
    '# fish completion for accelctl (generated from the command model; do not edit)',
    '',
    '# Values from the host (or --root): one per line from accelctl __complete.',
    'function __accelctl_host',
    '    set -l tokens (commandline -opc)',
    '    set -l args __complete $argv[1]',
    '    # Assignments before the command; ACCELCTL_ROOT there is the root, as for a run.',
    "    while set -q tokens[2]; and string match -qr '^[A-Za-z_][A-Za-z0-9_]*=' -- $tokens[1]",
    "        string match -q 'ACCELCTL_ROOT=*' -- $tokens[1]; and set -a args --root (string replace ACCELCTL_ROOT= '' -- $tokens[1])",
    '        set -e tokens[1]',
    '    end',
    '    set -l i 2',
    '    while test $i -le (count $tokens)',
    '        switch $tokens[$i]',
    '            case --root --parent',
    '                set -l opt $tokens[$i]',
    '                set i (math $i + 1)',
    '                set -q tokens[$i]; and set -a args $opt $tokens[$i]',
    "            case '--root=*' '--parent=*'",
    '                set -a args (string split -m 1 = -- $tokens[$i])',
    '        end',
    '        set i (math $i + 1)',
    '    end',
    '    # ~/ is not expanded in the tokens.',
    '    command $tokens[1] (string replace -r -- \'^~/\' "$HOME/" $args) 2>/dev/null',
    'end',
    '',
    '# True when the word being completed is argument $argv[1] (from 0) after the',
    '# command, or a later one with "more": option values do not count.',
    'function __accelctl_arg',
    '    set -l n -1',
    '    set -l skip 0',
    '    for w in (commandline -opc)[2..-1]',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $w',
    "            case '-*=*'",
    `            case ${valuedWords(m).join(' ')}`,
    '                set skip 1',
    "            case '-*' '*=*'",
    '            case \'*\'',
    '                set n (math $n + 1)',
    '        end',
    '    end',
    '    test $n -eq $argv[1]; or begin; set -q argv[2]; and test $n -gt $argv[1]; end',
    'end',
    '',
    'complete -c accelctl -f',
    ...m.globals.map((o) => opt(o, null, o.long === '--version' ? noCommand : '')),
    ...m.commands.map((c) => `complete -c accelctl ${noCommand} -a ${c.name} -d ${fq(c.description)}`),
    ...m.commands.flatMap((c) => [
      ...c.options.map((o) => opt(o, c.name, `-n '__fish_seen_subcommand_from ${c.name}'`)),
      ...c.arguments.flatMap((a, i) => argLine(c, a, i)),
    ]),
  ];
  return lines.map((l) => (l.startsWith(' ') ? l : l.replace(/  +/g, ' '))).join('\n') + '\n';
}

export function completionScript(program: Command, shell: Shell): string {
  switch (shell) {
    case 'bash':
      return bash(program);
    case 'zsh':
      return zsh(program);
    case 'fish':
      return fish(program);
  }
}
