# bash completion for accelctl (generated from the command model; do not edit)
# The line is split here, not taken from COMP_WORDS: bash also breaks words
# at ':' and '=' (PCI addresses, --option=value).

_accelctl_words() { local IFS=$' \t\n'; COMPREPLY=( $(compgen -W "$1" -- "$cur") ); }

_accelctl_files() { compopt -o filenames 2>/dev/null; local IFS=$'\n'; COMPREPLY=( $(compgen "$1" -- "$cur") ); }

# Values from the host (or --root): one per line from accelctl __complete.
_accelctl_host() {
  local -a a=(__complete "$1")
  [ -n "$parent" ] && a+=(--parent "$parent")
  [[ "$root" == "~/"* ]] && root="$HOME/${root#"~/"}"
  [ -n "$root" ] && a+=(--root "$root")
  local IFS=$'\n'
  COMPREPLY=( $(compgen -W "$("$prog" "${a[@]}" 2>/dev/null)" -- "$cur") )
}

# 0 when word $2 is an option that takes a value in command $1.
_accelctl_valued() {
  case "$1:$2" in
    types:--parent|types:--type|list:-p|list:--parent|list:-u|list:--uuid|topology:--near-node|topology:--near-cpu|create:--parent|create:--type|create:--uuid|create:--count|create:--attr|bind:--driver|bind:--owner|unbind:--driver|sriov:--vfs|define:-p|define:--parent|define:-t|define:--type|define:-u|define:--uuid|define:--attr|define:--jsonfile|undefine:-u|undefine:--uuid|undefine:-p|undefine:--parent|start:--device|start:-p|start:--parent|start:-t|start:--type|start:-u|start:--uuid|start:--attr|stop:-u|stop:--uuid|modify:-u|modify:--uuid|modify:-p|modify:--parent|modify:-t|modify:--type|modify:--attr|modify:--del-attr|modify:--addattr|modify:--value|modify:-i|modify:--index|modify:--jsonfile|apply:-f|apply:--file|apply:-c|apply:--config|assert:-f|assert:--file|assert:-c|assert:--config|export:-o|export:--output|export:-c|export:--config|features:--output|features:--expiry|features:--label|features:--health|features:--health-max-age|selftest:--profile|selftest:--iterations|selftest:--timeout|selftest:--format|health:--format|health:--output|health:--expect|health:--jobs|health:--timeout|*:--root|*:--color) return 0 ;;
  esac
  return 1
}

_accelctl_value() {
  case "$1:$2" in
    types:--parent) _accelctl_host parents ;;
    types:--type) _accelctl_host types ;;
    list:-p|list:--parent) _accelctl_host parents ;;
    list:-u|list:--uuid) _accelctl_host live-uuids ;;
    topology:--near-node) : ;;
    topology:--near-cpu) : ;;
    create:--parent) _accelctl_host parents ;;
    create:--type) _accelctl_host types ;;
    create:--uuid) : ;;
    create:--count) : ;;
    create:--attr) : ;;
    bind:--driver) : ;;
    bind:--owner) : ;;
    unbind:--driver) : ;;
    sriov:--vfs) : ;;
    define:-p|define:--parent) _accelctl_host parents ;;
    define:-t|define:--type) _accelctl_host types ;;
    define:-u|define:--uuid) _accelctl_host live-uuids ;;
    define:--attr) : ;;
    define:--jsonfile) _accelctl_files -f ;;
    undefine:-u|undefine:--uuid) _accelctl_host live-uuids ;;
    undefine:-p|undefine:--parent) _accelctl_host parents ;;
    start:--device) _accelctl_host pci ;;
    start:-p|start:--parent) _accelctl_host parents ;;
    start:-t|start:--type) _accelctl_host types ;;
    start:-u|start:--uuid) : ;;
    start:--attr) : ;;
    stop:-u|stop:--uuid) _accelctl_host live-uuids ;;
    modify:-u|modify:--uuid) _accelctl_host live-uuids ;;
    modify:-p|modify:--parent) _accelctl_host parents ;;
    modify:-t|modify:--type) _accelctl_host types ;;
    modify:--attr) : ;;
    modify:--del-attr) : ;;
    modify:--addattr) : ;;
    modify:--value) : ;;
    modify:-i|modify:--index) : ;;
    modify:--jsonfile) _accelctl_files -f ;;
    apply:-f|apply:--file) _accelctl_files -f ;;
    apply:-c|apply:--config) : ;;
    assert:-f|assert:--file) _accelctl_files -f ;;
    assert:-c|assert:--config) : ;;
    export:-o|export:--output) _accelctl_words "yaml json" ;;
    export:-c|export:--config) : ;;
    features:--output) _accelctl_files -f ;;
    features:--expiry) : ;;
    features:--label) : ;;
    features:--health) _accelctl_files -f ;;
    features:--health-max-age) : ;;
    selftest:--profile) _accelctl_words "auto generic mtty edu" ;;
    selftest:--iterations) : ;;
    selftest:--timeout) : ;;
    selftest:--format) _accelctl_words "text json junit" ;;
    health:--format) _accelctl_words "text json junit prometheus" ;;
    health:--output) _accelctl_files -f ;;
    health:--expect) : ;;
    health:--jobs) : ;;
    health:--timeout) : ;;
    *:--root) _accelctl_files -d ;;
    *:--color) _accelctl_words "auto always never" ;;
  esac
}

_accelctl_options() {
  case "$1" in
    "") _accelctl_words "-V --version --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    types) _accelctl_words "--parent --type --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    list) _accelctl_words "-p --parent -u --uuid -d --defined --all --dumpjson --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    topology) _accelctl_words "--near-node --near-cpu --all --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    groups) _accelctl_words "--root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    inspect) _accelctl_words "--root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    create) _accelctl_words "--parent --type --uuid --count --attr --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    remove) _accelctl_words "--force --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    bind) _accelctl_words "--driver --owner --force --group --persist --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    unbind) _accelctl_words "--driver --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    sriov) _accelctl_words "--vfs --autoprobe --no-autoprobe --force --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    define) _accelctl_words "-p --parent -t --type -u --uuid -a --auto --attr --jsonfile --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    undefine) _accelctl_words "-u --uuid -p --parent --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    start) _accelctl_words "--auto --device -p --parent -t --type -u --uuid --attr --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    stop) _accelctl_words "-u --uuid --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    modify) _accelctl_words "-u --uuid -p --parent -t --type -a --auto -m --manual --attr --del-attr --addattr --value --delattr -i --index --jsonfile --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    apply) _accelctl_words "-f --file -c --config --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    assert) _accelctl_words "-f --file -c --config --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    export) _accelctl_words "-o --output -c --config --counts --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    features) _accelctl_words "--output --expiry --label --health --health-max-age --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    selftest) _accelctl_words "--profile --iterations --timeout --format --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    health) _accelctl_words "--format --output --allow-none --expect --jobs --timeout --root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    completion) _accelctl_words "--root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    schema) _accelctl_words "--root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
    *) _accelctl_words "--root --json --color --no-color -v --verbose -q --quiet --dry-run --debug" ;;
  esac
}

# Positional argument $2 (from 0) of command $1; 1 when it takes no values we know (then: options).
_accelctl_arg() {
  case "$1:$2" in
    groups:0) _accelctl_host groups; return 0 ;;
    inspect:0) _accelctl_host devices; return 0 ;;
    remove:*) _accelctl_host live-uuids; return 0 ;;
    bind:0) _accelctl_host pci; return 0 ;;
    unbind:0) _accelctl_host pci; return 0 ;;
    sriov:0) _accelctl_host pci; return 0 ;;
    undefine:0) _accelctl_host defined-uuids; return 0 ;;
    start:0) _accelctl_host defined-uuids; return 0 ;;
    stop:0) _accelctl_host live-uuids; return 0 ;;
    modify:0) _accelctl_host defined-uuids; return 0 ;;
    selftest:0) _accelctl_host devices; return 0 ;;
    health:*) _accelctl_host devices; return 0 ;;
    completion:0) _accelctl_words "bash zsh fish"; return 0 ;;
    *) return 1 ;;
  esac
}

# Readline replaces only the text after the last word-break character of the
# token, so the candidates lose what comes before it.
_accelctl_trim() {
  local pre="${1%"$2"}" brk="" j k w
  for ((j=${#1}-1; j>=0; j--)); do
    if [[ "$COMP_WORDBREAKS" == *"${1:j:1}"* ]]; then brk="${1:0:j+1}"; break; fi
  done
  [ -z "$pre$brk" ] && return
  for k in "${!COMPREPLY[@]}"; do
    w="$pre${COMPREPLY[k]}"
    COMPREPLY[k]="${w#"$brk"}"
  done
}

# Splits $1 into the array "words" as the shell reads quotes and backslashes
# (nothing is expanded); the last word is the one being completed, "" after a
# blank. tok: that word as typed.
_accelctl_split() {
  local s="$1" w="" q="" c j started=0 from=0
  words=()
  for ((j=0; j<${#s}; j++)); do
    c="${s:j:1}"
    if [ "$q" = "'" ]; then
      if [ "$c" = "'" ]; then q=""; else w+="$c"; fi
    elif [ "$q" = '"' ]; then
      if [ "$c" = '"' ]; then
        q=""
      elif [ "$c" = '\' ]; then
        case "${s:j+1:1}" in '"'|'\'|'$') ((j++)); w+="${s:j:1}" ;; *) w+="$c" ;; esac
      else
        w+="$c"
      fi
    elif [ "$c" = '\' ]; then
      ((j++)); w+="${s:j:1}"; started=1
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
  tok="${s:from}"
}

_accelctl() {
  local prog cmd="" root="" parent="" want="" cur tok w i=0 n=0
  local -a words
  _accelctl_split "${COMP_LINE:0:COMP_POINT}"
  cur="${words[${#words[@]}-1]}"
  # Assignments before the command; ACCELCTL_ROOT there is the root, as for a run.
  while (( i < ${#words[@]} - 1 )) && [[ "${words[i]}" == [A-Za-z_]*=* ]]; do
    [[ "${words[i]}" == ACCELCTL_ROOT=* ]] && root="${words[i]#ACCELCTL_ROOT=}"
    ((i++))
  done
  prog="${words[i]}"
  [[ "$prog" == "~/"* ]] && prog="$HOME/${prog#"~/"}"
  for ((i++; i < ${#words[@]} - 1; i++)); do
    w="${words[i]}"
    case "$w" in
      --root=*) root="${w#*=}" ;;
      --parent=*) parent="${w#*=}" ;;
      --*=*) ;;
      -*)
        if _accelctl_valued "$cmd" "$w"; then
          if (( i + 1 == ${#words[@]} - 1 )); then want="$w"; break; fi
          ((i++))
          case "$w" in
            --root) root="${words[i]}" ;;
            --parent) parent="${words[i]}" ;;
          esac
        fi ;;
      *) if [ -z "$cmd" ]; then cmd="$w"; else ((n++)); fi ;;
    esac
  done
  if [ -z "$want" ] && [[ "$cur" == --*=* ]] && _accelctl_valued "$cmd" "${cur%%=*}"; then
    want="${cur%%=*}"
    cur="${cur#*=}"
  fi
  COMPREPLY=()
  if [ -n "$want" ]; then
    _accelctl_value "$cmd" "$want"
  elif [[ "$cur" == -* ]]; then
    _accelctl_options "$cmd"
  elif [ -z "$cmd" ]; then
    _accelctl_words "types list topology groups inspect create remove bind unbind sriov define undefine start stop modify apply assert export features selftest health completion schema"
  else
    _accelctl_arg "$cmd" "$n" || _accelctl_options "$cmd"
  fi
  # A word being completed inside quotes: readline's own quote handling applies.
  case "$tok" in
    *[\"\'\\]*) ;;
    *) _accelctl_trim "$tok" "$cur" ;;
  esac
}
complete -F _accelctl accelctl
