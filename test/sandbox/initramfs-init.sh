#!/bin/busybox sh
# Stage 1 (/init of the sandbox initramfs): reach the host root over 9p, put a
# tmpfs-backed overlay on top so the guest can write /etc, /var, ... without
# touching the host, and hand over to stage 2 (guest-init.sh, read from the
# host root, so editing it needs no rebuild).
/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin /lower /upper /newroot
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

fail() {
  echo "sandbox-init: FATAL: $*"
  echo "sandbox-init: powering off"
  sync
  poweroff -f
  sleep 5
  exit 1
}

mount -t proc proc /proc || fail "mount proc"
mount -t sysfs sysfs /sys || fail "mount sysfs"
mount -t devtmpfs devtmpfs /dev || fail "mount devtmpfs"

for m in $(cat /modules.list); do
  insmod "/modules/$m" || fail "insmod $m"
done

arg() { # arg NAME: value of NAME=... on the kernel command line
  found=1
  for w in $(cat /proc/cmdline); do # the last one wins, so a test can override
    case $w in "$1="*) val=${w#*=}; found=0 ;; esac
  done
  [ $found = 0 ] && echo "$val"
}
# The checkout's path, octal-encoded (a command line word holds no space).
REPO=$(arg sbx_repo_oct) || fail "no sbx_repo_oct= on the kernel command line"
REPO=$(printf %b "$(echo "$REPO" | sed 's/[0-7]\{3\}/\\0&/g')")
NINEP_CACHE=$(arg sbx_9pcache) || NINEP_CACHE=loose

# The 9p device may take a moment to show up after virtio_pci loads.
i=0
until mount -t 9p -o "trans=virtio,version=9p2000.L,ro,msize=512000,cache=$NINEP_CACHE" hostroot /lower 2>/dev/null; do
  i=$((i + 1))
  [ $i -ge 50 ] && fail "cannot mount the 9p host root (mount_tag hostroot)"
  sleep 0.1
done
mount -t tmpfs -o mode=0755 tmpfs /upper || fail "mount tmpfs upper"
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot \
  || fail "mount overlay"

STAGE2="$REPO/test/sandbox/guest-init.sh"
[ -f "/newroot$STAGE2" ] || fail "stage 2 not found at $STAGE2 (is the checkout on the host root?)"
umount /proc /sys
umount /dev
exec switch_root /newroot /bin/sh "$STAGE2"
