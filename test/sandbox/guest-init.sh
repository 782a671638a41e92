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

arg() {
  found=1
  for w in $(cat /proc/cmdline); do # the last one wins, so a test can override
    case $w in "$1="*) val=${w#*=}; found=0 ;; esac
  done
  [ $found = 0 ] && echo "$val"
}
# Paths travel octal-encoded (guest.mjs: octalArg): a kernel command line
# word cannot hold a space.
path_arg() {
  v=$(arg "$1") || return 1
  printf %b "$(echo "$v" | sed 's/[0-7]\{3\}/\\0&/g')"
}
log() { echo "sandbox-init: [$(cut -d' ' -f1 /proc/uptime)] $*" >/dev/console; }
# One line the host watches for (guest.mjs: consoleFatal), then power off, so
# a guest that cannot come up says why at once instead of timing out.
fail() {
  echo "sandbox-init: FATAL: $*" >/dev/console
  sync
  if [ -x "${BB:-}" ]; then "$BB" poweroff -f; fi
  echo o >/proc/sysrq-trigger
  exit 1
}
REPO=$(path_arg sbx_repo_oct) || fail "no sbx_repo_oct= on the kernel command line"
CACHE=$(path_arg sbx_cache_oct) || fail "no sbx_cache_oct= on the kernel command line"
MODE=$(arg sbx_mode || echo agent)
KVER=$(uname -r)
BB="$CACHE/x/bin/busybox"
[ -x "$BB" ] || fail "no busybox at $BB (sandbox cache $CACHE)"

# tmpfs over DIR, as on a booted host; a checkout that lives under DIR (a
# clone in /tmp) is bind-mounted back so the guest still sees it at its path.
fresh_tmpfs() { # DIR MODE
  case "$REPO/" in
    "$1"/*)
      mkdir -p /.sbx-repo
      mount --bind "$REPO" /.sbx-repo || fail "cannot bind-mount the checkout $REPO"
      mount -t tmpfs -o "mode=$2" tmpfs "$1"
      mkdir -p "$REPO"
      mount --move /.sbx-repo "$REPO" || fail "cannot keep the checkout $REPO visible under $1" ;;
    *) mount -t tmpfs -o "mode=$2" tmpfs "$1" ;;
  esac
}
fresh_tmpfs /tmp 1777
fresh_tmpfs /run 0755
mkdir -p /run/lock

# A checkout under a 0700 directory (/root) is out of reach of the guest's
# unprivileged users, whom tests run the checkout's CLI as: open the way in
# this guest's overlay only (the host's modes are untouched).
d=$REPO
while [ "$d" != / ] && [ -n "$d" ]; do
  d=$(dirname "$d")
  chmod o+x "$d" 2>/dev/null
done
unset d

# This kernel's modules, and kmod (the host has no modprobe). The guest gets
# its own /lib/modules: on a host that runs this kernel or has its headers
# package installed, /lib/modules/$KVER is a real directory, and a link made
# there would land inside it where modprobe never looks.
[ -f "$CACHE/x/lib/modules/$KVER/modules.dep" ] \
  || fail "no modules for kernel $KVER in $CACHE/x/lib/modules (run test/sandbox/build.sh)"
if [ -d "/lib/modules/$KVER" ] && [ ! -L "/lib/modules/$KVER" ]; then
  log "the host root has a real /lib/modules/$KVER ($(ls -A "/lib/modules/$KVER" | tr '\n' ' ')): hidden by the guest's own /lib/modules"
fi
mkdir -p /lib/modules
mount -t tmpfs -o mode=0755 tmpfs /lib/modules || fail "cannot mount a tmpfs on /lib/modules"
ln -s "$CACHE/x/lib/modules/$KVER" "/lib/modules/$KVER"
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
err=$(modprobe -a vfio vfio_iommu_type1 vfio-pci mdev mtty mdpy mbochs 2>&1) || log "modprobe: $err"
for m in vfio vfio_iommu_type1 vfio_pci mdev mtty mdpy mbochs; do
  [ -d "/sys/module/$m" ] || fail "module $m did not load (${err:-modprobe said nothing}; /lib/modules/$KVER -> $(readlink "/lib/modules/$KVER"))"
done
ip link set lo up 2>/dev/null
ip link set eth0 up 2>/dev/null

# PID 1 goes to busybox init: it reaps orphans and respawns the agent.
NODE=/usr/bin/node
[ -x "$NODE" ] || fail "the agent cannot start: no $NODE on the host root"
[ -f "$REPO/test/sandbox/agent.mjs" ] || fail "the agent cannot start: $REPO/test/sandbox/agent.mjs not found"
# The checkout's path reaches the agent's wrapper through the environment
# (busybox init passes it on), so no inittab quoting of a path with spaces. An
# agent that exits is said on the console, which the host watches while it
# waits for the agent's greeting.
export SBX_AGENT="$REPO/test/sandbox/agent.mjs"
cat >/run/sandbox-agent <<'EOF2'
#!/bin/sh
/usr/bin/node "$SBX_AGENT"
echo "sandbox-agent: FATAL: the agent exited with status $? (console above)" >/dev/console
sleep 1
EOF2
chmod 755 /run/sandbox-agent
{
  echo "::respawn:/run/sandbox-agent"
  if [ "$MODE" = shell ]; then
    # inittab splits at spaces: name busybox by a plain path.
    ln -sfn "$BB" /run/busybox
    echo "ttyS0::respawn:/run/busybox setsid /run/busybox cttyhack /bin/bash -l"
  fi
  echo "::shutdown:/bin/sync"
} >/etc/inittab
log "init done, starting the agent (kernel $KVER, mode $MODE)"
exec "$BB" init
