#!/bin/bash
# Stage 2 of the Bluetooth test VM, run by initramfs-init.sh in a chroot of the host root
# (read-only 9p; /tmp, /run, /var/tmp, /var/lib/bluetooth are tmpfs). Starts btvirt with N
# virtual LE controllers, a private system bus, bluetoothd, then the command given to
# run-in-vm.sh, and records progress and the command's exit status in hapvm/status.
#
#   guest-run.sh CONF      CONF: hapvm/vm.conf in the share (variables HAPVM_*)
#
# Status lines (read by run-in-vm.sh): "btvirt-ready", "bluetoothd-ready", "exit=N", or
# "failed-setup=why" / "failed-bluetoothd=why".
set -eu
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8

# shellcheck source=/dev/null # written by run-in-vm.sh for this run
. "$1"
dir=$HAPVM_SHARE/hapvm
n=$HAPVM_CONTROLLERS
reserved=$HAPVM_USER_CHANNEL

uptime_s () { cut -d' ' -f1 /proc/uptime; }
say () { echo "hapvm: [$(uptime_s)] $*"; }
mark () { echo "$* uptime=$(uptime_s)" >> "$dir/status"; }

pids=()
stop_all () {
  # Newest first: bluetoothd before the bus it is on, btvirt last.
  local i
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    kill "${pids[i]}" 2>/dev/null || true
  done
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    # Give each a moment to flush its log; the VM powers off right after anyway.
    timeout 3 tail --pid="${pids[i]}" -f /dev/null 2>/dev/null || true
  done
  dmesg > "$dir/dmesg.log" 2>&1 || true
}
fail () {
  # $1: setup | bluetoothd
  mark "failed-$1=$2"
  say "FAILED ($1): $2"
  stop_all
  exit 1
}

count_controllers () {
  local c=0 d
  for d in /sys/class/bluetooth/hci*; do
    [ -e "$d" ] || continue
    case ${d##*/} in *:*) continue ;; esac   # hciX:Y are connections, not controllers
    c=$((c + 1))
  done
  echo "$c"
}

have_controllers () { [ "$(count_controllers)" -ge "$1" ]; }
no_controllers () { [ "$(count_controllers)" -eq 0 ]; }

# Waits up to $1 seconds (in 0.2 s steps) for the command after it to succeed.
wait_for () {
  local tries=$(( $1 * 5 )); shift
  while (( tries-- > 0 )); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

say "kernel $(uname -r), $(nproc) CPUs, $n controllers, experimental=$HAPVM_EXPERIMENTAL"
mkdir -p /run/hapvm /run/dbus /run/user/0 /tmp/home
chmod 700 /run/user/0

# --- Optionally an HCI trace of every controller (btsnoop format; read it with btmon -r).
if [ "$HAPVM_BTMON" = 1 ]; then
  btmon -w "$dir/hci.btsnoop" > /dev/null 2>> "$dir/btmon.log" &
  pids+=("$!")
fi

# --- btvirt: N LE-only controllers on /dev/vhci. It sometimes comes up with fewer than asked
# (docs/bluez.md §3 route 2), so restart it until all are there.
[ -c /dev/vhci ] || fail setup "/dev/vhci is missing (hci_vhci not loaded?)"
for attempt in 1 2 3; do
  echo "--- attempt $attempt: btvirt -L -l$n" >> "$dir/btvirt.log"
  btvirt -L -l"$n" >> "$dir/btvirt.log" 2>&1 &
  btvirt_pid=$!
  if wait_for 10 have_controllers "$n"; then
    break
  fi
  say "btvirt made $(count_controllers) of $n controllers; restarting it"
  kill "$btvirt_pid" 2>/dev/null || true
  wait "$btvirt_pid" 2>/dev/null || true
  btvirt_pid=
  wait_for 5 no_controllers || true
done
[ -n "$btvirt_pid" ] || fail setup "btvirt did not create $n controllers in 3 attempts"
pids+=("$btvirt_pid")
mark btvirt-ready

# --- A private system bus with an allow-all policy: the guest is ours alone.
cat > /run/hapvm/system-bus.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file=/run/hapvm/system-bus.conf --nofork --nopidfile \
  >> "$dir/dbus.log" 2>&1 &
pids+=("$!")
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket
wait_for 10 test -S /run/dbus/system_bus_socket || fail setup "dbus-daemon did not start"

# --- bluetoothd with the settings the BLE tests rely on (option names as in 5.66's main.conf):
# LE only, no reverse discovery of a connecting central's services, one ATT channel, and the
# GATT cache kept (docs/bluez.md §5.2: Cache=no breaks reconnecting centrals).
cat > /run/hapvm/main.conf <<'EOF'
[General]
ControllerMode = le
ReverseServiceDiscovery = false

[GATT]
Cache = always
Channels = 1

[Policy]
AutoEnable = true
EOF
cp /run/hapvm/main.conf "$dir/main.conf"
btd_args=(-n -f /run/hapvm/main.conf)
[ "$HAPVM_EXPERIMENTAL" = 1 ] && btd_args+=(-E)
[ "$HAPVM_BLUETOOTHD_DEBUG" = 1 ] && btd_args+=(-d)
echo "--- /usr/libexec/bluetooth/bluetoothd ${btd_args[*]}" >> "$dir/bluetoothd.log"
# -n keeps it in the foreground and copies its syslog lines to stderr.
/usr/libexec/bluetooth/bluetoothd "${btd_args[@]}" >> "$dir/bluetoothd.log" 2>&1 &
btd_pid=$!
pids+=("$btd_pid")

adapter_powered () {
  dbus-send --system --print-reply=literal --dest=org.bluez "/org/bluez/hci$1" \
    org.freedesktop.DBus.Properties.Get string:org.bluez.Adapter1 string:Powered \
    2>/dev/null | grep -q 'boolean true'
}
all_powered () {
  local i
  kill -0 "$btd_pid" 2>/dev/null || return 1
  for (( i=0; i<n; i++ )); do adapter_powered "$i" || return 1; done
}
if ! wait_for 30 all_powered; then
  kill -0 "$btd_pid" 2>/dev/null || fail bluetoothd "bluetoothd exited (see bluetoothd.log)"
  fail bluetoothd "not all of hci0..hci$((n - 1)) came up powered within 30 s"
fi

# --- Controllers kept for programs that open an HCI user channel themselves (noble, meshd):
# the kernel only grants the user channel on a controller that is down, so power them off
# through bluetoothd; binding the channel then takes the controller away from bluetoothd.
for (( i=n-reserved; i<n; i++ )); do
  dbus-send --system --print-reply --dest=org.bluez "/org/bluez/hci$i" \
    org.freedesktop.DBus.Properties.Set string:org.bluez.Adapter1 string:Powered \
    variant:boolean:false > /dev/null || fail bluetoothd "cannot power off hci$i"
  wait_for 10 eval '! adapter_powered '"$i" || fail bluetoothd "hci$i stays powered"
done
mark bluetoothd-ready
say "bluetoothd $(/usr/libexec/bluetooth/bluetoothd -v) ready; powered: hci0..hci$((n - reserved - 1)), kept down for user channels: $reserved"

# --- The command, with the caller's environment minus what points at the host's session
# or at places that are read-only here.
cmd=()
while IFS= read -r -d '' arg; do cmd+=("$arg"); done < "$dir/argv"
envs=()
while IFS= read -r -d '' kv; do
  name=${kv%%=*}
  [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
  case $name in
    DBUS_SESSION_BUS_ADDRESS|DBUS_SYSTEM_BUS_ADDRESS|DISPLAY|WAYLAND_DISPLAY|HOME|PWD|OLDPWD|\
    SHLVL|_|TMPDIR|XDG_RUNTIME_DIR|XDG_CONFIG_HOME|XDG_DATA_HOME|XDG_CACHE_HOME|XDG_STATE_HOME)
      continue ;;
  esac
  envs+=("$kv")
done < "$dir/env"
envs+=(HOME=/tmp/home TMPDIR=/tmp XDG_RUNTIME_DIR=/run/user/0
       DBUS_SYSTEM_BUS_ADDRESS="$DBUS_SYSTEM_BUS_ADDRESS"
       HAP_VM=1 HAP_VM_SHARE="$HAPVM_SHARE" HAP_VM_LOGDIR="$dir"
       HAP_VM_CONTROLLERS="$n" HAP_VM_USER_CHANNEL="$reserved")

cd "$HAPVM_CWD" 2>/dev/null || { say "cannot enter $HAPVM_CWD; running in /"; cd /; }
say "running: ${cmd[*]}"
set +e
env -i "${envs[@]}" "${cmd[@]}" < /dev/null
rc=$?
set -e
say "command exited with $rc"
mark "exit=$rc"
stop_all
