#!/bin/sh
# The Debian packages this checkout needs beyond Node, installed when missing
# (as root; otherwise the missing ones are named and the exit is 1). One list
# for every caller: test/sandbox/build.sh (what = sandbox) and `npm test`'s
# pretest, which .ci/run runs (what = test).
#   host-deps.sh sandbox   QEMU, and what builds the sample modules and unpacks the kernel source
#   host-deps.sh test      that, plus the shells the completion tests run, groff and mandoc for
#                          the man page, and udev: the boot-path test runs the host's systemd-udevd
#                          (/lib/systemd/systemd-udevd, a link to udevadm) in the sandbox guest;
#                          ansible-core for the accelctl.vfio collection tests
set -eu
pairs="qemu-system-x86_64:qemu-system-x86 cc:gcc make:make xz:xz-utils"
case "${1:-}" in
  sandbox) ;;
  test) pairs="$pairs zsh:zsh fish:fish groff:groff-base udevadm:udev mandoc:mandoc ansible-playbook:ansible-core" ;;
  *) echo "usage: $0 sandbox|test" >&2; exit 2 ;;
esac
need=""
for p in $pairs; do
  command -v "${p%%:*}" >/dev/null 2>&1 || need="$need ${p#*:}"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "host-deps: missing:$need; not root: run 'apt-get install$need' as root" >&2
  exit 1
fi
echo "host-deps: installing$need (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086 # one word per package
if ! apt-get install -y -q $need >&2; then
  echo "host-deps: install failed; running apt-get update and retrying" >&2
  apt-get update -q >&2
  apt-get install -y -q $need >&2
fi
for p in $pairs; do
  command -v "${p%%:*}" >/dev/null 2>&1 || { echo "host-deps: ${p%%:*} still missing after installing ${p#*:}" >&2; exit 1; }
done
