/** Shell completion scripts generated from the command model. */
import type { Command } from 'commander';
import { describeProgram, type OptionModel } from './model.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const flagWords = (opts: OptionModel[]): string[] =>
  opts.flatMap((o) => [o.short, o.long].filter((x): x is string => x !== null));

function bash(program: Command): string {
  const m = describeProgram(program);
  const globals = flagWords(m.globals).join(' ');
  const cases = m.commands
    .map((c) => {
      const words = [...flagWords(c.options), ...c.arguments.flatMap((a) => a.choices ?? [])].join(' ');
      return `    ${c.name}) opts="${words} $globals" ;;`;
    })
    .join('\n');
  const valued = [...m.globals, ...m.commands.flatMap((c) => c.options)]
    .filter((o) => o.takesValue && o.choices)
    .map((o) => `    ${o.long}) COMPREPLY=( $(compgen -W "${o.choices!.join(' ')}" -- "$cur") ); return ;;`);
  const uniqueValued = [...new Set(valued)].join('\n');
  return `# bash completion for accelctl (generated from the command model; do not edit)
_accelctl() {
  local cur prev cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
${uniqueValued}
    --root|--output|-f) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  cmd=""
  for ((i=1; i<COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [ -z "$cmd" ]; then
    COMPREPLY=( $(compgen -W "${m.commands.map((c) => c.name).join(' ')} ${globals}" -- "$cur") )
    return
  fi
  case "$cmd" in
${cases}
    *) opts="$globals" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _accelctl accelctl
`;
}

const zq = (s: string): string => s.replace(/'/g, `'\\''`).replace(/[[\]:]/g, '\\$&');

function zshSpec(o: OptionModel): string {
  const names = [o.short, o.long].filter((x): x is string => x !== null);
  const value = o.takesValue ? (o.choices ? `:value:(${o.choices.join(' ')})` : ':value:_files') : '';
  const desc = `[${zq(o.description)}]`;
  if (names.length > 1) return `'(${names.join(' ')})'{${names.join(',')}}'${desc}${value}'`;
  return `'${names[0]}${desc}${value}'`;
}

function zsh(program: Command): string {
  const m = describeProgram(program);
  const globals = m.globals.map((o) => `    ${zshSpec(o)}`).join(' \\\n');
  const cmds = m.commands.map((c) => `    '${c.name}:${zq(c.description)}'`).join('\n');
  const cases = m.commands
    .map((c) => {
      const specs = c.options.map((o) => `        ${zshSpec(o)}`);
      c.arguments.forEach((a, i) => specs.push(`        '${i + 1}:${a.name}:${a.choices ? `(${a.choices.join(' ')})` : ''}'`));
      return `      ${c.name})\n        _arguments \\\n${[...specs, `        $globals`].join(' \\\n')}\n        ;;`;
    })
    .join('\n');
  return `#compdef accelctl
# zsh completion for accelctl (generated from the command model; do not edit)
_accelctl() {
  local -a commands globals
  globals=(
${m.globals.map((o) => `    ${zshSpec(o)}`).join('\n')}
  )
  commands=(
${cmds}
  )
  _arguments -C \\
${globals} \\
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
`.replace(/\$globals/g, '$globals[@]');
}

function fish(program: Command): string {
  const m = describeProgram(program);
  const fq = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const opt = (o: OptionModel, cond: string): string => {
    const parts = ['complete -c accelctl', cond];
    if (o.short) parts.push(`-s ${o.short.slice(1)}`);
    if (o.long) parts.push(`-l ${o.long.slice(2)}`);
    if (o.takesValue) parts.push(o.choices ? `-x -a ${fq(o.choices.join(' '))}` : '-r');
    parts.push(`-d ${fq(o.description)}`);
    return parts.join(' ');
  };
  const names = m.commands.map((c) => c.name).join(' ');
  const lines = [
    '# fish completion for accelctl (generated from the command model; do not edit)',
    'complete -c accelctl -f',
    ...m.globals.map((o) => opt(o, '')),
    ...m.commands.map((c) => `complete -c accelctl -n 'not __fish_seen_subcommand_from ${names}' -a ${c.name} -d ${fq(c.description)}`),
    ...m.commands.flatMap((c) => [
      ...c.options.map((o) => opt(o, `-n '__fish_seen_subcommand_from ${c.name}'`)),
      ...c.arguments
        .filter((a) => a.choices)
        .map((a) => `complete -c accelctl -n '__fish_seen_subcommand_from ${c.name}' -a ${fq(a.choices!.join(' '))}`),
    ]),
  ];
  return lines.map((l) => l.replace(/  +/g, ' ')).join('\n') + '\n';
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
