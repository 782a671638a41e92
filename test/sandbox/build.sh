#!/usr/bin/env bash
# Builds the real-kernel sandbox: a Debian 6.1 kernel, the vfio-mdev sample
# modules built against its headers, and a busybox initramfs that mounts the
# host root over 9p. Everything lands in $REPO/.sandbox-cache/<kernel-version>/;
# nothing is installed on the host except the packages scripts/host-deps.sh
# names (QEMU, gcc, make, xz-utils) when they are missing.
# Idempotent: a stamp file (keyed by the hash of this script and the initramfs
# init) makes a second run a no-op.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
T0=$(date +%s.%N)

say() { printf 'sandbox: %s\n' "$*" >&2; }
die() { printf 'sandbox: ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }
step() { # step <label> <command...>: run and time one build step
  local label=$1; shift
  local t; t=$(date +%s.%N)
  "$@"
  say "$label done in $(elapsed "$t")"
}

# --- host packages ------------------------------------------------------------
# QEMU, a C compiler and make for the sample modules, xz for the kernel source.
sh "$REPO/scripts/host-deps.sh" sandbox || die "host packages missing (see above)"

# --- which kernel -------------------------------------------------------------
command -v apt-cache >/dev/null || die "apt-cache not found (this script needs a Debian host)"
IMAGE_PKG=$(apt-cache depends linux-image-amd64 2>/dev/null \
  | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$IMAGE_PKG" ] || die "cannot tell which kernel linux-image-amd64 depends on (apt-get update?)"
KVER=${IMAGE_PKG#linux-image-}            # e.g. 6.1.0-56-amd64
KABI=${KVER%-amd64}                        # e.g. 6.1.0-56
KSERIES=$(echo "$KVER" | cut -d. -f1,2)    # e.g. 6.1
CACHE="$REPO/.sandbox-cache/$KVER"
X="$CACHE/x"                               # every .deb is dpkg -x'ed here
HEADERS="$X/usr/src/linux-headers-$KVER"
MODDIR="$X/lib/modules/$KVER"
STAMP="$CACHE/.complete"

# The stamp records the inputs that shape the outputs, so editing this script
# or the initramfs init rebuilds what depends on them (downloads stay cached).
want_stamp=$(cat "$HERE/build.sh" "$HERE/initramfs-init.sh" | sha256sum | cut -c1-16)
write_current() {
  cat >"$REPO/.sandbox-cache/current.json" <<EOF
{"kver":"$KVER","cache":"$CACHE","kernel":"$CACHE/vmlinuz","initrd":"$CACHE/initramfs.cpio.gz","busybox":"$X/bin/busybox","kmod":"$X/bin/kmod","mdevctl":"$X/usr/bin/mdevctl"}
EOF
}
# One build at a time (vitest and cli.mjs may both call us).
mkdir -p "$REPO/.sandbox-cache"
exec 9>"$REPO/.sandbox-cache/.lock"
flock 9
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want_stamp" ]; then
  write_current
  echo "sandbox: cache ok ($CACHE)"
  exit 0
fi

say "building into $CACHE (kernel $KVER)"
mkdir -p "$CACHE/debs" "$X"
rm -f "$STAMP"

# --- download + extract -------------------------------------------------------
PKGS=(
  "linux-image-$KVER"
  "linux-headers-$KVER"
  "linux-headers-$KABI-common"
  "linux-kbuild-$KSERIES"
  "linux-source-$KSERIES"
  busybox-static
  mdevctl
  kmod       # the host has no modprobe/depmod; the guest borrows these
)
download() {
  local missing=() p
  for p in "${PKGS[@]}"; do
    compgen -G "$CACHE/debs/${p}_*.deb" >/dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get download ${missing[*]}"
  # Sandbox user root: _apt cannot write into a root-owned checkout.
  (cd "$CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "${missing[@]}" >&2) \
    || die "apt-get download failed for: ${missing[*]}"
}
extract() {
  local deb
  for deb in "$CACHE"/debs/*.deb; do
    local mark="$CACHE/debs/.x-$(basename "$deb")"
    [ -f "$mark" ] && continue
    dpkg -x "$deb" "$X"
    touch "$mark"
  done
}
step "download" download
step "extract" extract
[ -f "$X/boot/vmlinuz-$KVER" ] || die "kernel image missing after extract"
ln -sfn "x/boot/vmlinuz-$KVER" "$CACHE/vmlinuz"

# --- headers fix-up --------------------------------------------------------------
# The -amd64 headers' Makefile includes the -common one by absolute /usr/src
# path; point it at our copy. The scripts/tools links are relative
# (../../lib/linux-kbuild-6.1/...) and resolve inside $X already; check it.
sed -i "s|^include /usr/src/|include $X/usr/src/|" "$HEADERS/Makefile"
grep -q "^include $X/usr/src/linux-headers-$KABI-common/Makefile" "$HEADERS/Makefile" \
  || die "unexpected headers Makefile: $(cat "$HEADERS/Makefile")"
for l in scripts tools; do
  [ -e "$HEADERS/$l/" ] || die "$HEADERS/$l does not resolve (linux-kbuild-$KSERIES layout changed?)"
done

# --- vfio-mdev samples ------------------------------------------------------------
SAMPLES="$CACHE/samples/vfio-mdev"
build_samples() {
  if [ ! -f "$SAMPLES/mtty.c" ]; then
    local tarball; tarball=$(ls "$X/usr/src/linux-source-$KSERIES".tar.*)
    rm -rf "$CACHE/samples.tmp" && mkdir -p "$CACHE/samples.tmp"
    tar -xf "$tarball" -C "$CACHE/samples.tmp" --wildcards "linux-source-$KSERIES/samples/vfio-mdev/*"
    rm -rf "$CACHE/samples"
    mv "$CACHE/samples.tmp/linux-source-$KSERIES/samples" "$CACHE/samples"
    rm -rf "$CACHE/samples.tmp"
  fi
  # Kbuild refuses a source or module directory whose path has a space or a
  # colon (a checkout in "/tmp/acc test"): then build in a copy of the
  # headers, kbuild and samples under a plain temp path.
  local headers=$HEADERS samples=$SAMPLES tmp=
  case $CACHE in
    *[\ :]*)
      tmp=$(mktemp -d /tmp/accelctl-kbuild.XXXXXX)
      mkdir -p "$tmp/x/usr/src" "$tmp/x/usr/lib"
      cp -a "$HEADERS" "$X/usr/src/linux-headers-$KABI-common" "$tmp/x/usr/src/"
      cp -a "$X/usr/lib/linux-kbuild-$KSERIES" "$tmp/x/usr/lib/"
      cp -a "$SAMPLES" "$tmp/samples"
      headers=$tmp/x/usr/src/linux-headers-$KVER
      samples=$tmp/samples
      sed -i "s|^include .*/usr/src/linux-headers-$KABI-common/Makefile\$|include $tmp/x/usr/src/linux-headers-$KABI-common/Makefile|" "$headers/Makefile"
      ;;
  esac
  make -s -C "$headers" M="$samples" -j"$(nproc)" \
    CONFIG_SAMPLE_VFIO_MDEV_MTTY=m CONFIG_SAMPLE_VFIO_MDEV_MDPY=m CONFIG_SAMPLE_VFIO_MDEV_MBOCHS=m \
    modules >"$CACHE/samples-build.log" 2>&1 \
    || { cat "$CACHE/samples-build.log" >&2; [ -z "$tmp" ] || rm -rf "$tmp"; die "building the vfio-mdev samples failed"; }
  mkdir -p "$MODDIR/extra"
  cp "$samples"/mtty.ko "$samples"/mdpy.ko "$samples"/mbochs.ko "$MODDIR/extra/"
  [ -z "$tmp" ] || rm -rf "$tmp"
}
step "samples (mtty mdpy mbochs)" build_samples

# --- depmod (with the extracted kmod; the host has none) --------------------------
mkdir -p "$CACHE/tools"
for t in depmod modprobe; do ln -sfn ../x/bin/kmod "$CACHE/tools/$t"; done
step "depmod" "$CACHE/tools/depmod" -b "$X" "$KVER"

# --- initramfs ------------------------------------------------------------------------
# Only what reaching the 9p root and the overlay needs; the rest of
# /lib/modules is reached through the 9p root once mounted.
INITRD_MODULES=(virtio_pci 9pnet_virtio 9p overlay)
build_initramfs() {
  local stage="$CACHE/initramfs"
  rm -rf "$stage" && mkdir -p "$stage/bin" "$stage/modules"
  cp "$X/bin/busybox" "$stage/bin/busybox"
  cp "$HERE/initramfs-init.sh" "$stage/init" && chmod 755 "$stage/init"
  : >"$stage/modules.list"
  local m line path base
  for m in "${INITRD_MODULES[@]}"; do
    while read -r line; do
      case $line in
        # The path may hold spaces: it ends at .ko, options (none here) follow.
        insmod\ *) path=$(printf '%s\n' "$line" | sed -E 's/^insmod (.*\.ko(\.xz|\.zst|\.gz)?)( .*)?$/\1/')
                   base=$(basename "$path")
                   if [ ! -f "$stage/modules/$base" ]; then
                     cp "$path" "$stage/modules/$base"
                     echo "$base" >>"$stage/modules.list"
                   fi ;;
        builtin\ *) ;;
        *) die "modprobe --show-depends $m: unexpected line: $line" ;;
      esac
    done < <("$CACHE/tools/modprobe" -d "$X" -S "$KVER" --show-depends "$m")
  done
  echo "$KVER" >"$stage/kver"
  (cd "$stage" && find . | "$X/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$CACHE/initramfs.cpio.gz.tmp")
  mv "$CACHE/initramfs.cpio.gz.tmp" "$CACHE/initramfs.cpio.gz"
  say "initramfs modules: $(tr '\n' ' ' <"$stage/modules.list")"
}
step "initramfs" build_initramfs

echo "$want_stamp" >"$STAMP"
write_current
say "build complete in $(elapsed "$T0")"
echo "sandbox: built ($CACHE)"
