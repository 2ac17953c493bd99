#!/bin/sh
# Fetches Debian 12's current kernel and builds the small initramfs that tests/ble/vm/run-in-vm.sh
# boots. Idempotent: a second run with the same kernel version only checks a stamp.
#
#   prepare.sh [CACHE_DIR]
#
# CACHE_DIR defaults to $HAP_VM_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/hap-simulator/vm,
# so machines that keep the home directory reuse it. The result is CACHE_DIR/<kernel version>/
# holding vmlinuz and initramfs.cpio.gz; its path is the only line printed on stdout.
#
# Only the kernel comes from the archive: everything else the guest runs (bluetoothd, btvirt,
# dbus-daemon, python3, node, our build tree) is the host's, shared read-only over virtio-9p.
# Host packages (busybox-static, kmod, cpio, qemu-system-x86, bluez, ...) come from
# tools/install-deps.sh. Works as root or not: `apt-get download` needs no privileges; only
# refreshing stale package lists (`apt-get update`) needs root.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
cache=${1:-${HAP_VM_CACHE:-${XDG_CACHE_HOME:-$home/.cache}/hap-simulator/vm}}

say () { echo "prepare: $*" >&2; }
die () { say "error: $*"; exit 1; }

# Modules the guest needs, loaded in this order by the initramfs (their dependencies are
# resolved here with the host's kmod). Early: what mounting the 9p shares needs. Late: the
# Bluetooth stack, and the AF_ALG sockets btvirt's emulated controllers do their AES/CMAC
# through (without them btvirt fails with "Failed to open Virtual HCI device"). Crypto
# templates are loaded up front rather than on demand, which would need busybox modprobe.
# The kernel's default RNG (drbg: hmac(sha512) or ctr(aes), seeded by jitterentropy, which
# hashes with sha3-256) comes before ecdh_generic: without it ECDH key generation fails its
# self-test (-EFAULT) and the kernel disables LE Secure Connections pairing ("Unable to create
# ECDH crypto context").
EARLY_MODULES="virtio_pci 9pnet_virtio 9p virtio_rng"
LATE_MODULES="sha3_generic jitterentropy_rng sha512_generic ctr drbg bluetooth hci_vhci ecdh_generic cmac ccm ecb algif_hash algif_skcipher"

# Everything that shapes the image is in the stamp: the kernel version, this script (which
# names the modules), the initramfs /init and busybox. Any change rebuilds.
stamp_text () {
  printf 'kernel=%s\nprepare=%s\ninit=%s\nbusybox=%s\n' "$1" \
    "$(sha256sum "$here/prepare.sh" | cut -d' ' -f1)" \
    "$(sha256sum "$here/initramfs-init.sh" | cut -d' ' -f1)" \
    "$(sha256sum /bin/busybox | cut -d' ' -f1)"
}

for tool in apt-cache apt-get dpkg-deb depmod modprobe cpio gzip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is missing (run tools/install-deps.sh)"
done
# The initramfs has no libc: its busybox must be the static one (package busybox-static).
[ -x /bin/busybox ] || die "/bin/busybox is missing (install busybox-static)"
if ! /bin/busybox --list >/dev/null 2>&1 || LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
  die "/bin/busybox is not statically linked (install busybox-static)"
fi

# The kernel package that linux-image-amd64 points at today. Its version moves with Debian
# point releases (docs/bluez.md §5.5), so it is looked up, never written down.
kernel_package () {
  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

mkdir -p "$cache"
pkg=$(kernel_package)
if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
  say "no package list knows linux-image-amd64; running apt-get update"
  apt-get update -q >&2 || true
  pkg=$(kernel_package)
fi
if [ -z "$pkg" ]; then
  # No lists (non-root without apt-get update, say): an image built earlier still serves.
  newest=$(for d in "$cache"/*/; do
             [ -f "$d/stamp" ] && basename "$d"; done | sort -V | tail -n 1)
  [ -n "$newest" ] || die "cannot find the kernel version: 'apt-cache depends linux-image-amd64' knows nothing (run apt-get update as root)"
  say "warning: apt-cache knows no linux-image-amd64; using the cached $newest"
  pkg=linux-image-$newest
fi
kver=${pkg#linux-image-}
out=$cache/$kver

if [ -f "$out/stamp" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initramfs.cpio.gz" ] &&
   [ "$(cat "$out/stamp")" = "$(stamp_text "$kver")" ]; then
  echo "$out"
  exit 0
fi

say "building the guest image for kernel $kver in $out"
# A build killed half-way leaves ~500 MB behind; clear such leftovers (an hour old at least,
# so a concurrent build is left alone).
find "$cache" -maxdepth 1 -name '.build.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
work=$(mktemp -d "$cache/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# apt-get download writes into the current directory. As root, apt warns that it downloads
# unsandboxed when user _apt cannot write there; that warning is harmless.
download () { (cd "$work" && apt-get download -q "$pkg" >"$work/download.log" 2>&1); }
if ! download; then
  cat "$work/download.log" >&2
  # A 404 usually means the package lists are older than the archive.
  if [ "$(id -u)" = 0 ]; then
    say "download failed; refreshing the package lists and retrying"
    apt-get update -q >&2 || true
    pkg=$(kernel_package)
    [ "linux-image-$kver" = "$pkg" ] || die "linux-image-amd64 now points at $pkg; run prepare.sh again"
    download || { cat "$work/download.log" >&2; die "apt-get download $pkg failed"; }
  else
    die "apt-get download $pkg failed (stale package lists? run 'apt-get update' as root)"
  fi
fi

deb=$(ls "$work"/*.deb)
mkdir "$work/pkg"
dpkg-deb -x "$deb" "$work/pkg"
rm -f "$deb"
# Debian 13's kernel packages ship /usr/lib/modules: give the tree a merged /usr's lib link,
# through which depmod, modprobe -d and the copies below find the modules on 12 and 13.
if [ ! -e "$work/pkg/lib" ] && [ -d "$work/pkg/usr/lib/modules" ]; then
  ln -s usr/lib "$work/pkg/lib"
fi
kroot=$work/pkg/lib/modules/$kver
[ -f "$work/pkg/boot/vmlinuz-$kver" ] || die "$deb has no boot/vmlinuz-$kver"
[ -d "$kroot" ] || die "$deb has no lib/modules/$kver"
# The package leaves modules.dep to its postinst; make it for this tree only.
depmod -b "$work/pkg" "$kver"

# The initramfs: static busybox, its applet links, /init, and the module subset.
rd=$work/initramfs
mkdir -p "$rd/bin" "$rd/sbin" "$rd/dev" "$rd/proc" "$rd/sys" "$rd/newroot" "$rd/share" \
         "$rd/lib/modules/$kver"
cp /bin/busybox "$rd/bin/busybox"
for applet in $("$rd/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$rd/bin/$applet"
done
# The kernel runs /sbin/modprobe for on-demand module loads; busybox's reads modules.dep.
ln -s ../bin/busybox "$rd/sbin/modprobe"
cp "$here/initramfs-init.sh" "$rd/init"
chmod 755 "$rd/init"

# Copy each wanted module with its dependencies; record the load order (dependencies first,
# as `modprobe --show-depends` lists them) so /init can insmod without modprobe.
order () {
  for m in "$@"; do
    modprobe -d "$work/pkg" -S "$kver" --show-depends "$m" ||
      die "module $m not found in $kver"
  done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | awk '!seen[$0]++'
}
copy_modules () {
  list=$1; shift
  : > "$rd/lib/modules/$list"
  for path in $(order "$@"); do
    rel=${path#"$kroot"/}
    mkdir -p "$rd/lib/modules/$kver/$(dirname "$rel")"
    cp "$path" "$rd/lib/modules/$kver/$rel"
    grep -qx "$rel" "$rd/lib/modules/$list" || echo "$rel" >> "$rd/lib/modules/$list"
  done
}
# shellcheck disable=SC2086 # the lists are split into module names on purpose
copy_modules load-early $EARLY_MODULES
# shellcheck disable=SC2086
copy_modules load-late $LATE_MODULES
cp "$kroot/modules.builtin" "$kroot/modules.builtin.modinfo" "$kroot/modules.order" \
   "$rd/lib/modules/$kver/"
depmod -b "$rd" "$kver"
echo "$kver" > "$rd/lib/modules/version"

(cd "$rd" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 > "$work/initramfs.cpio.gz"

# Publish atomically: a concurrent run sees either the old image or the new one.
mkdir -p "$out.new"
mv "$work/pkg/boot/vmlinuz-$kver" "$out.new/vmlinuz"
mv "$work/initramfs.cpio.gz" "$out.new/initramfs.cpio.gz"
cp "$work/pkg/boot/config-$kver" "$out.new/config"
stamp_text "$kver" > "$out.new/stamp"
rm -rf "$out"
mv "$out.new" "$out"
# Images of older kernels are of no further use: keep the cache at one image.
for old in "$cache"/*/; do
  old=${old%/}
  [ "$old" != "$out" ] && [ -f "$old/stamp" ] && rm -rf "$old"
done
say "ready: $(du -sh "$out" | cut -f1) in $out"
echo "$out"
