# Completes one command line with zsh's real completion system and prints the
# candidates, one per line. zsh/zpty drives an interactive zsh (completion
# needs the line editor); in it, compinit loads the completion function from
# $1 through fpath as an installed one is, and a compadd wrapper records each
# candidate that the real compadd (also called) accepts for the word being
# completed. Usage: zsh -f zsh-complete.zsh COMPLETIONS_DIR 'LINE'
# With ZSH_COMPDUMP set, compinit keeps its function index in that file (much
# faster from the second line on); without, it scans fpath each time.
zmodload zsh/zpty || { print -u2 'zsh/zpty missing'; exit 2 }
dir=$1 line=$2
setup=$(mktemp) || exit 2
trap 'rm -f $setup' EXIT
if [[ -n $ZSH_COMPDUMP ]]; then cinit="-d ${(q)ZSH_COMPDUMP}"; else cinit=-D; fi
cat > $setup <<SETUP
PROMPT=
fpath=(${(q)dir} \$fpath)
autoload -U compinit && compinit -u ${cinit}
bindkey '^I' complete-word
zstyle ':completion:*' insert-tab false
# Print the matches only after completion: between two marker lines.
compprefuncs=( __mark )
comppostfuncs=( __mark exit )
__mark() { print -r -- '@@MARK@@' }
compadd() {
  # Calls that only ask for matches (-O, -A, -D) are not additions.
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return; fi
  local -a __hits
  builtin compadd -O __hits "\$@"
  (( \$#__hits )) && print -rl -- "@@HIT@@"\$^__hits
  builtin compadd "\$@"
}
print -r -- '@@READY@@'
SETUP
zpty z zsh -f -i
zpty -w z "source ${(q)setup}"
# Blocks until the marker (the caller's timeout bounds a zsh that never says it).
zpty -r z out '*@@READY@@*' || { print -u2 'zsh did not come up'; exit 2 }
zpty -w -n z "$line"$'\t'
marks=0
while zpty -r z out; do
  [[ $out == *@@MARK@@* ]] && { (( ++marks == 2 )) && break; continue }
  out=${out//$'\r'/} out=${out//$'\n'/}
  [[ $out == @@HIT@@* ]] && print -r -- ${out#@@HIT@@}
done
zpty -d z
(( marks == 2 )) || { print -u2 'completion did not finish'; exit 2 }
