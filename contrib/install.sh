#!/bin/sh
# Installs or removes accelctl's boot files: the udev rule that starts a
# parent's saved auto definitions when it registers, and a systemd unit that
# starts them all once at boot.
#
#   contrib/install.sh install [--prefix DIR] [--accelctl PATH] [--node PATH]
#   contrib/install.sh remove  [--prefix DIR]
#
# Writes only these, under DIR (default: none, i.e. the live system):
#   /etc/udev/rules.d/60-accelctl.rules
#   /etc/systemd/system/accelctl-auto.service
#   /etc/systemd/system/multi-user.target.wants/accelctl-auto.service (the
#     link `systemctl enable` makes)
# Each file it writes carries a marker line; `remove` deletes only files that
# carry it. Both commands are idempotent. Without --prefix, udev and systemd
# are told to reload when they are running.
#   --accelctl PATH   the accelctl the files run (default: this checkout's bin/accelctl)
#   --node PATH       the node that runs it (default: node on PATH); udev's own
#                     PATH is short, so the files name node explicitly
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
MARK='# Installed by accelctl contrib/install.sh; "contrib/install.sh remove" removes this file.'
RULE=/etc/udev/rules.d/60-accelctl.rules
UNIT=/etc/systemd/system/accelctl-auto.service
WANTS=/etc/systemd/system/multi-user.target.wants/accelctl-auto.service

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$1" >&2; exit "${2:-1}"; }
usage() {
  echo "usage: contrib/install.sh install|remove [--prefix DIR] [--accelctl PATH] [--node PATH]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
action=$1
shift
case $action in install | remove) ;; -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; *) usage ;; esac

prefix=
accelctl=
node=
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --accelctl) [ $# -ge 2 ] || usage; accelctl=$2; shift 2 ;;
    --accelctl=*) accelctl=${1#*=}; shift ;;
    --node) [ $# -ge 2 ] || usage; node=$2; shift 2 ;;
    --node=*) node=${1#*=}; shift ;;
    *) echo "install.sh: unknown argument: $1" >&2; usage ;;
  esac
done
if [ -n "$prefix" ]; then
  [ -d "$prefix" ] || die "--prefix $prefix: no such directory" 2
  prefix=$(cd "$prefix" && pwd)
  [ "$prefix" = / ] && prefix=
fi

# Absolute, existing, and free of the characters udev and systemd give a
# meaning to inside a command line (%, $, quotes, backslash).
abs_path() { # NAME PATH
  case $2 in /*) p=$2 ;; *) p=$(pwd)/$2 ;; esac
  [ -f "$p" ] || die "$1 $2: no such file" 2
  case $p in *[\'\"%\$\\]*) die "$1 $p: a path with ' \" % \$ or \\ cannot go into a udev rule" 2 ;; esac
  printf %s "$p"
}
# One word in a udev RUN (single quotes) or a systemd ExecStart (double quotes).
quoted() { # STYLE PATH
  case $2 in
    *[[:space:]]*) if [ "$1" = udev ]; then printf "'%s'" "$2"; else printf '"%s"' "$2"; fi ;;
    *) printf %s "$2" ;;
  esac
}

ours() { [ -f "$1" ] && grep -qxF "$MARK" "$1"; }

# put SRC DEST: DEST becomes SRC unless it already is; a file that is not ours is left alone.
put() {
  if [ -e "$2" ] && ! ours "$2"; then
    die "$2 exists and was not written by this script: left alone (remove it first)"
  fi
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    say "unchanged $2"
    rm -f "$1"
    return 0
  fi
  mkdir -p "$(dirname "$2")"
  chmod 644 "$1"
  mv -f "$1" "$2"
  say "wrote $2"
}

reload() {
  [ -z "$prefix" ] || return 0
  if command -v udevadm >/dev/null 2>&1 && udevadm control --ping >/dev/null 2>&1; then
    udevadm control --reload && say "udev reloaded" || say "warning: udevadm control --reload failed"
  fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl daemon-reload && say "systemd reloaded" || say "warning: systemctl daemon-reload failed"
  fi
}

if [ "$action" = install ]; then
  accelctl=$(abs_path --accelctl "${accelctl:-$HERE/../bin/accelctl}")
  accelctl=$(cd "$(dirname "$accelctl")" && printf '%s/%s' "$(pwd)" "$(basename "$accelctl")")
  if [ -z "$node" ]; then
    node=$(command -v node) || die "node is not on PATH: give --node PATH" 2
  fi
  node=$(abs_path --node "$node")
  [ -x "$node" ] || die "--node $node is not executable" 2
  tmp_rule=$(mktemp)
  tmp_unit=$(mktemp)
  trap 'rm -f "$tmp_rule" "$tmp_unit"' EXIT
  # sed's replacement text: escape & | and backslash (paths hold no backslash).
  sub() { printf %s "$1" | sed 's/[&|]/\\&/g'; }
  { echo "$MARK"; sed -e "s|@NODE@|$(sub "$(quoted udev "$node")")|g" -e "s|@ACCELCTL@|$(sub "$(quoted udev "$accelctl")")|g" "$HERE/60-accelctl.rules.in"; } >"$tmp_rule"
  { echo "$MARK"; sed -e "s|@NODE@|$(sub "$(quoted systemd "$node")")|g" -e "s|@ACCELCTL@|$(sub "$(quoted systemd "$accelctl")")|g" "$HERE/accelctl-auto.service.in"; } >"$tmp_unit"
  put "$tmp_rule" "$prefix$RULE"
  put "$tmp_unit" "$prefix$UNIT"
  if [ -L "$prefix$WANTS" ] && [ "$(readlink "$prefix$WANTS")" = ../accelctl-auto.service ]; then
    say "unchanged $prefix$WANTS"
  elif [ -e "$prefix$WANTS" ] || [ -L "$prefix$WANTS" ]; then
    die "$prefix$WANTS exists and is not the link this script makes: left alone"
  else
    mkdir -p "$(dirname "$prefix$WANTS")"
    ln -s ../accelctl-auto.service "$prefix$WANTS"
    say "linked $prefix$WANTS (enabled)"
  fi
  for f in /lib/udev/rules.d/60-mdevctl.rules /usr/lib/udev/rules.d/60-mdevctl.rules /etc/udev/rules.d/60-mdevctl.rules; do
    if [ -e "$prefix$f" ]; then
      say "note: mdevctl's rule $prefix$f is installed too: both start the same definitions; keep one"
      break
    fi
  done
  reload
else
  for f in "$prefix$RULE" "$prefix$UNIT"; do
    if [ ! -e "$f" ]; then
      say "absent $f"
    elif ours "$f"; then
      rm -f "$f"
      say "removed $f"
    else
      die "$f was not written by this script: left alone"
    fi
  done
  if [ -L "$prefix$WANTS" ] && [ "$(readlink "$prefix$WANTS")" = ../accelctl-auto.service ]; then
    rm -f "$prefix$WANTS"
    say "removed $prefix$WANTS"
  elif [ -e "$prefix$WANTS" ] || [ -L "$prefix$WANTS" ]; then
    die "$prefix$WANTS is not the link this script makes: left alone"
  else
    say "absent $prefix$WANTS"
  fi
  reload
fi
