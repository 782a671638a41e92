# Completes one command line in an interactive bash (real readline, TAB) with
# the completion script $1 loaded, and prints the line as it stands after the
# TAB. zsh/zpty provides the terminal. Usage: zsh -f bash-readline.zsh SCRIPT 'LINE'
zmodload zsh/zpty || { print -u2 'zsh/zpty missing'; exit 2 }
script=$1 line=$2
# A terminal that readline can redraw on (the test's TERM may be dumb).
TERM=xterm zpty b bash --norc --noprofile -i
# No prompt; one TAB inserts the single match (or the common prefix).
zpty -w b "unset HISTFILE; PS1= PS2=; bind 'set bell-style none'; source ${(q)script}; echo @@READY@@"
ready=0
for i in {1..50}; do
  zpty -r -t b out || { sleep 0.1; continue }
  out=${out//$'\r'/} out=${out//$'\n'/}
  # The output line, not the echo of the typed command.
  [[ $out == *@@READY@@ && $out != *'echo @@READY@@' ]] && { ready=1; break }
done
(( ready )) || { print -u2 'bash did not come up'; exit 2 }
# TAB, then to the start of the line (C-a) and make it an echo: bash prints the line as TAB left it.
zpty -w -n b "$line"$'\t'$'\x01'"echo @@LINE@@ "$'\r'
while zpty -r b out; do
  out=${out//$'\r'/} out=${out//$'\n'/}
  [[ $out == *@@LINE@@* && $out != *'echo @@LINE@@'* ]] && { print -r -- ${out#*@@LINE@@ }; break }
done
zpty -d b
