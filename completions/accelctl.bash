# bash completion for accelctl (generated from the command model; do not edit)
_accelctl() {
  local cur prev cmd opts i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --color) COMPREPLY=( $(compgen -W "auto always never" -- "$cur") ); return ;;
    --output) COMPREPLY=( $(compgen -W "yaml json" -- "$cur") ); return ;;
    --profile) COMPREPLY=( $(compgen -W "auto generic mtty edu" -- "$cur") ); return ;;
    --format) COMPREPLY=( $(compgen -W "text json junit" -- "$cur") ); return ;;
    --format) COMPREPLY=( $(compgen -W "text json junit prometheus" -- "$cur") ); return ;;
    --root|--output|-f) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  cmd=""
  for ((i=1; i<COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [ -z "$cmd" ]; then
    COMPREPLY=( $(compgen -W "types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export selftest health completion schema -V --version --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" -- "$cur") )
    return
  fi
  case "$cmd" in
    types) opts="--parent --type $globals" ;;
    list) opts="--parent --uuid --defined --all $globals" ;;
    topology) opts="--near-node --near-cpu --all $globals" ;;
    groups) opts=" $globals" ;;
    inspect) opts=" $globals" ;;
    create) opts="--parent --type --uuid --count --attr $globals" ;;
    remove) opts="--force $globals" ;;
    bind) opts="--driver --owner --force --group $globals" ;;
    unbind) opts="--driver $globals" ;;
    sriov) opts="--vfs --autoprobe --no-autoprobe --force $globals" ;;
    define) opts="--parent --type --uuid --auto --attr $globals" ;;
    undefine) opts="--parent $globals" ;;
    start) opts="--auto --parent --type --uuid --attr $globals" ;;
    stop) opts=" $globals" ;;
    modify) opts="--parent --type --auto --manual --attr --del-attr $globals" ;;
    apply) opts="-f --file -c --config $globals" ;;
    assert) opts="-f --file -c --config $globals" ;;
    export) opts="-o --output -c --config $globals" ;;
    selftest) opts="--profile --iterations --timeout --format $globals" ;;
    health) opts="--format --output $globals" ;;
    completion) opts="bash zsh fish $globals" ;;
    schema) opts=" $globals" ;;
    *) opts="$globals" ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -F _accelctl accelctl
