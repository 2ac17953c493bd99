#!/bin/sh
# PID 1 of the Bluetooth test VM: busybox ash from the initramfs that prepare.sh builds.
#
# Loads the virtio/9p modules, mounts the run's share (virtio-9p tag "hapshare", the host
# directory given to run-in-vm.sh) and reads hapvm/vm.conf from it, mounts the HOST root
# read-only (tag "hostroot") with writable tmpfs where programs write, loads the Bluetooth
# modules and hands over to stage 2 (guest-run.sh, a bash script on the host root) in a chroot.
# Progress goes to hapvm/status in the share, which is how run-in-vm.sh tells a VM that did not
# boot from one whose guest setup failed. Changing this file makes prepare.sh rebuild the image.
PATH=/bin:/sbin
export PATH

mount -t devtmpfs devtmpfs /dev
# The archive has no /dev/console node (it is built without root); use devtmpfs's.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys

say () { echo "hapvm-init: $*"; }
mark () { [ -d /share/hapvm ] && echo "$* uptime=$(cut -d' ' -f1 /proc/uptime)" >> /share/hapvm/status; }
halt_vm () {
  sync
  poweroff -f
  # Only reached if ACPI power-off did not work; QEMU runs with -no-reboot.
  echo b > /proc/sysrq-trigger
}
fail () {
  say "FAILED: $*"
  mark "failed-setup=$*"
  [ -d /share/hapvm ] && dmesg > /share/hapvm/dmesg.log
  halt_vm
}

kver=$(cat /lib/modules/version)
load () {
  while read -r rel; do
    insmod "/lib/modules/$kver/$rel" || return 1
  done < "/lib/modules/$1"
}

load load-early || fail "loading the virtio and 9p modules"
# The share is written by the guest and read by the host afterwards: no caching.
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 hapshare /share ||
  fail "mounting the share"
[ -f /share/hapvm/vm.conf ] || fail "the share has no hapvm/vm.conf"
# shellcheck source=/dev/null # written by run-in-vm.sh for this run
. /share/hapvm/vm.conf
mark booted

# cache=loose and a large msize: without them loading shared libraries over 9p fails
# (docs/bluez.md §3, route 2).
mount -t 9p -o trans=virtio,version=9p2000.L,cache=loose,msize=262144,ro hostroot /newroot ||
  fail "mounting the host root"
for dir in tmp run var/tmp var/lib/bluetooth; do
  [ -d "/newroot/$dir" ] || fail "/$dir does not exist on the host"
  mode=755
  case $dir in tmp|var/tmp) mode=1777 ;; esac
  mount -t tmpfs -o "mode=$mode" tmpfs "/newroot/$dir" || fail "mounting a tmpfs on /$dir"
done
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts -o ptmxmode=666 devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm
# The share appears at its host path, so paths are the same inside and outside. Under /tmp
# that path is created in the tmpfs just mounted.
mkdir -p "/newroot$HAPVM_SHARE" || fail "creating $HAPVM_SHARE in the guest"
mount --bind /share "/newroot$HAPVM_SHARE" || fail "binding the share to $HAPVM_SHARE"

load load-late || fail "loading the Bluetooth modules"
mark modules

chroot /newroot /bin/bash "$HAPVM_STAGE2" "$HAPVM_SHARE/hapvm/vm.conf"
say "stage 2 exited with $?"
halt_vm
