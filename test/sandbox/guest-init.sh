#!/bin/sh
# Stage 2 of the sandbox guest, PID 1 on the overlay root (host root read-only
# underneath, tmpfs on top). Makes the host userland look like a booted host
# for this kernel, loads VFIO and the mdev samples, then hands PID 1 to
# busybox init, which runs the agent (and a root shell on ttyS0 in shell mode)
# and reaps orphans.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=000 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/lock

arg() {
  for w in $(cat /proc/cmdline); do
    case $w in "$1="*) echo "${w#*=}"; return 0 ;; esac
  done
  return 1
}
REPO=$(arg sbx_repo)
CACHE=$(arg sbx_cache)
MODE=$(arg sbx_mode || echo agent)
KVER=$(uname -r)
BB="$CACHE/x/bin/busybox"
log() { echo "sandbox-init: [$(cut -d' ' -f1 /proc/uptime)] $*" >/dev/console; }

fail() {
  log "FATAL: $*"
  sync
  "$BB" poweroff -f
}
[ -x "$BB" ] || fail "no busybox at $BB (sbx_cache=$CACHE)"

# This kernel's modules, and kmod (the host has no modprobe).
mkdir -p /lib/modules
ln -sfn "$CACHE/x/lib/modules/$KVER" "/lib/modules/$KVER"
for t in modprobe depmod insmod rmmod lsmod modinfo; do
  [ -e "/usr/sbin/$t" ] || ln -s "$CACHE/x/bin/kmod" "/usr/sbin/$t"
done
echo /usr/sbin/modprobe >/proc/sys/kernel/modprobe

# mdevctl from the cache (compared against in tests); 1.2.0 refuses to run
# without these directories.
for t in mdevctl lsmdev; do
  [ -e "/usr/bin/$t" ] || ln -s "$CACHE/x/usr/bin/mdevctl" "/usr/local/sbin/$t"
done
mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
# systemd is not running: poweroff/reboot go to busybox init instead.
for t in poweroff reboot halt; do ln -sfn "$BB" "/usr/local/sbin/$t"; done

hostname sandbox
echo sandbox >/etc/hostname
# An unprivileged user for permission tests.
grep -q '^sandbox:' /etc/passwd || {
  echo 'sandbox:x:4242:4242:accelctl sandbox user:/home/sandbox:/bin/sh' >>/etc/passwd
  echo 'sandbox:x:4242:' >>/etc/group
  mkdir -p /home/sandbox && chown 4242:4242 /home/sandbox
}

log "stage 2 started"
# Coldplug: no udev here, so load the drivers the PCI and virtio devices ask
# for (e1000e, nvme, ahci, virtio_console, ...), as udev would at boot. Other
# buses (cpu features, ACPI, platform) only cost boot time under TCG.
cat /sys/bus/pci/devices/*/modalias /sys/bus/virtio/devices/*/modalias 2>/dev/null \
  | sort -u | xargs modprobe -qab 2>/dev/null
log "coldplug done"
# VFIO and the mdev samples. 6.1 has no separate vfio_mdev module.
modprobe -a vfio vfio_iommu_type1 vfio-pci mdev mtty mdpy mbochs || log "modprobe failed"
for m in vfio vfio_iommu_type1 vfio_pci mdev mtty mdpy mbochs; do
  [ -d "/sys/module/$m" ] || log "module $m is not loaded"
done
ip link set lo up 2>/dev/null
ip link set eth0 up 2>/dev/null

# PID 1 goes to busybox init: it reaps orphans and respawns the agent.
AGENT="/usr/bin/node $REPO/test/sandbox/agent.mjs"
{
  echo "::respawn:$AGENT"
  if [ "$MODE" = shell ]; then
    echo "ttyS0::respawn:$BB setsid $BB cttyhack /bin/bash -l"
  fi
  echo "::shutdown:/bin/sync"
} >/etc/inittab
log "init done, starting the agent (kernel $KVER, mode $MODE)"
exec "$BB" init
