#!/bin/sh
# Runs a command inside a QEMU VM (TCG; no KVM needed) where a real bluetoothd 5.66 serves
# virtual LE controllers made by btvirt. The guest runs Debian's kernel (tests/ble/vm/prepare.sh)
# and the HOST's programs: the host root is shared read-only over virtio-9p, so bluetoothd,
# python3, node and the build tree are the ones installed here.
#
#   run-in-vm.sh [options] -- COMMAND [ARG]...
#
#   --controllers N   btvirt controllers, hci0..hci(N-1) (default 2)
#   --user-channel K  power off the last K controllers once bluetoothd has them, so that a
#                     program can bind an HCI user channel to them (default 0)
#   --timeout S       whole run, boot included, in seconds (default 300)
#   --share DIR       writable host directory, mounted at the same path in the guest (default:
#                     a new directory under ${TMPDIR:-/tmp}); the harness keeps its files and
#                     logs in DIR/hapvm/: console.log, status, btvirt.log, dbus.log,
#                     bluetoothd.log, main.conf, dmesg.log
#   --experimental    start bluetoothd with -E (experimental interfaces, e.g. advertising
#                     MinInterval/MaxInterval; docs/bluez.md §1.3)
#   --debug           start bluetoothd with -d (verbose log)
#   --btmon           record every controller's HCI traffic to DIR/hapvm/hci.btsnoop
#                     (read it with btmon -r)
#   --memory MB       guest memory (default 1024)
#   --cache DIR       image cache given to prepare.sh
#   --quiet           do not stream the guest console to stdout
#
# COMMAND runs as root in the guest, in the caller's current directory (read-only there, like
# the whole host root; /tmp, /run, /var/tmp are empty tmpfs), with the caller's environment
# except HOME (/tmp/home), TMPDIR (/tmp), XDG_*_HOME, XDG_RUNTIME_DIR and D-Bus addresses; it
# gets DBUS_SYSTEM_BUS_ADDRESS for the guest's bus plus HAP_VM=1, HAP_VM_SHARE, HAP_VM_LOGDIR,
# HAP_VM_CONTROLLERS, HAP_VM_USER_CHANNEL. Its output reaches the console log.
#
# Exit status: COMMAND's, or one of these when the harness failed (message on stderr):
#   120 host problem (bad arguments, missing package, image not prepared)
#   121 the VM did not boot
#   122 guest setup failed (9p root, modules, btvirt, dbus-daemon)
#   123 bluetoothd did not come up with all controllers powered
#   124 COMMAND did not finish within --timeout
set -eu

EX_HOST=120 EX_BOOT=121 EX_SETUP=122 EX_BLUETOOTHD=123 EX_TIMEOUT=124

here=$(cd "$(dirname "$0")" && pwd -P)
controllers=2 user_channel=0 timeout_s=300 share="" experimental=0 debug=0 btmon=0 memory=1024
cache="" quiet=0

say () { echo "run-in-vm: $*" >&2; }
usage () { sed -n '2,/^set -eu/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit $EX_HOST; }
number () { case $2 in ''|*[!0-9]*) say "$1 needs a number, not '$2'"; exit $EX_HOST ;; esac; }

while [ $# -gt 0 ]; do
  case $1 in
    --controllers) number "$1" "${2-}"; controllers=$2; shift 2 ;;
    --user-channel) number "$1" "${2-}"; user_channel=$2; shift 2 ;;
    --timeout) number "$1" "${2-}"; timeout_s=$2; shift 2 ;;
    --memory) number "$1" "${2-}"; memory=$2; shift 2 ;;
    --share) share=${2-}; shift 2 ;;
    --cache) cache=${2-}; shift 2 ;;
    --experimental) experimental=1; shift ;;
    --debug) debug=1; shift ;;
    --btmon) btmon=1; shift ;;
    --quiet) quiet=1; shift ;;
    --) shift; break ;;
    -h|--help) usage ;;
    *) say "unknown option '$1'"; usage ;;
  esac
done
[ $# -gt 0 ] || { say "no command given"; usage; }
if [ "$controllers" -lt 1 ] || [ "$controllers" -gt 16 ]; then
  say "--controllers must be 1..16"; exit $EX_HOST
fi
[ "$user_channel" -lt "$controllers" ] ||
  { say "--user-channel must leave bluetoothd at least one controller"; exit $EX_HOST; }

for tool in qemu-system-x86_64 btvirt dbus-daemon dbus-send timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    { say "'$tool' is missing (run tools/install-deps.sh)"; exit $EX_HOST; }
done
[ -x /usr/libexec/bluetooth/bluetoothd ] ||
  { say "bluetoothd is missing (run tools/install-deps.sh)"; exit $EX_HOST; }

# The guest mounts empty tmpfs over these host directories: nothing of the host below them is
# visible inside, so the harness and COMMAND's directory must live elsewhere.
hidden_in_guest () {
  case $1/ in /tmp/*|/run/*|/var/tmp/*|/var/lib/bluetooth/*) return 0 ;; esac
  return 1
}
if hidden_in_guest "$here"; then
  say "the harness ($here) is under a directory the guest replaces with a tmpfs"
  exit $EX_HOST
fi
if hidden_in_guest "$(pwd -P)"; then
  say "warning: the current directory $(pwd -P) is not visible in the guest; COMMAND runs in /"
fi

# The image: cached after the first prepare.sh (which needs the Debian archive only then).
if ! kdir=$(sh "$here/prepare.sh" ${cache:+"$cache"}); then
  say "the VM image is not prepared and could not be (see above)"
  exit $EX_HOST
fi

if [ -z "$share" ]; then
  share=$(mktemp -d "${TMPDIR:-/tmp}/hapvm.XXXXXX")
fi
mkdir -p "$share"
share=$(cd "$share" && pwd -P)
case $share in
  *,*|*"
"*) say "the share path may not contain commas or newlines (QEMU option syntax): $share"
      exit $EX_HOST ;;
  /) say "the share may not be /"; exit $EX_HOST ;;
esac
hv=$share/hapvm
rm -rf "$hv"
mkdir -p "$hv"
console=$hv/console.log

# Single-quotes a value for the sourced vm.conf.
shq () { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
  echo "HAPVM_SHARE=$(shq "$share")"
  echo "HAPVM_STAGE2=$(shq "$here/guest-run.sh")"
  echo "HAPVM_CWD=$(shq "$(pwd -P)")"
  echo "HAPVM_CONTROLLERS=$controllers"
  echo "HAPVM_USER_CHANNEL=$user_channel"
  echo "HAPVM_EXPERIMENTAL=$experimental"
  echo "HAPVM_BLUETOOTHD_DEBUG=$debug"
  echo "HAPVM_BTMON=$btmon"
} > "$hv/vm.conf"
env -0 > "$hv/env"
printf '%s\0' "$@" > "$hv/argv"
: > "$hv/status"
: > "$console"

say "kernel $(basename "$kdir"), share $share"
say "console log: $console"
start=$(date +%s)

# -nodefaults: no VGA, NIC or default serial; only what is listed. The guest has no network.
# multidevs=remap keeps 9p inode numbers unique should the host root span file systems.
timeout -k 10 "$timeout_s" qemu-system-x86_64 \
  -accel tcg,thread=multi -cpu max -smp 2 -m "$memory" \
  -nodefaults -no-user-config -display none -no-reboot \
  -kernel "$kdir/vmlinuz" -initrd "$kdir/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=4" \
  -serial "file:$console" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$share,mount_tag=hapshare,security_model=none,multidevs=remap" \
  -device virtio-rng-pci \
  > "$hv/qemu.log" 2>&1 &
qemu_pid=$!
tail_pid=""
if [ "$quiet" = 0 ]; then
  tail -n +1 -f --pid="$qemu_pid" "$console" &
  tail_pid=$!
fi
# If we are stopped (meson's timeout, ^C), take the VM down with us.
trap 'kill "$qemu_pid" 2>/dev/null; exit 130' INT TERM HUP

qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
trap - INT TERM HUP
[ -z "$tail_pid" ] || wait "$tail_pid" 2>/dev/null || true
elapsed=$(( $(date +%s) - start ))

# Reads "key[=value] uptime=T" lines from the status file.
has () { grep -q "^$1[= ]" "$hv/status"; }
value () { sed -n "s/^$1=\([^ ]*\).*/\1/p" "$hv/status" | tail -n 1; }
uptime_of () { sed -n "s/^$1[= ].*uptime=\([0-9.]*\).*/\1/p" "$hv/status" | tail -n 1; }

timed_out=0
[ "$qemu_rc" -ne 124 ] && [ "$qemu_rc" -ne 137 ] || timed_out=1
why=""
[ "$timed_out" = 0 ] || why=" (timed out after $timeout_s s)"

if has exit; then
  rc=$(value exit)
  say "bluetoothd ready at $(uptime_of bluetoothd-ready) s guest uptime; COMMAND exited with $rc; wall time $elapsed s"
  say "console log: $console"
  exit "$rc"
fi
if ! has booted; then
  say "the VM did not boot$why: QEMU exited with $qemu_rc; see $console and $hv/qemu.log"
  tail -n 20 "$console" >&2 || true
  exit $EX_BOOT
fi
if has failed-bluetoothd || { has btvirt-ready && ! has bluetoothd-ready; }; then
  say "bluetoothd did not come up$why: $(value failed-bluetoothd); see $hv/bluetoothd.log and $console"
  tail -n 20 "$hv/bluetoothd.log" >&2 || true
  exit $EX_BLUETOOTHD
fi
if ! has bluetoothd-ready; then
  msg=$(sed -n 's/^failed\(-setup\)\{0,1\}=\(.*\) uptime=.*/\2/p' "$hv/status" | tail -n 1)
  say "guest setup failed$why: ${msg:-stopped early}; see $console, $hv/btvirt.log, $hv/dmesg.log"
  tail -n 20 "$console" >&2 || true
  exit $EX_SETUP
fi
if [ "$timed_out" = 1 ]; then
  say "COMMAND did not finish within $timeout_s s; see $console"
  exit $EX_TIMEOUT
fi
say "the VM stopped while COMMAND ran (QEMU exit $qemu_rc), without its exit status; see $console"
exit $EX_SETUP
