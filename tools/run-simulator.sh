#!/bin/sh
# Builds hap-simulator and serves the demo accessories in the foreground.
#   tools/run-simulator.sh [--virtual-bluez] [extra hap-simulator options] [FILE.json|DIR…]
# With a display ($DISPLAY or $WAYLAND_DISPLAY) it opens the desktop app on its
# workspace, which starts as a copy of accessories/ the first time (the app edits its
# workspace; the repository's files stay as they are). Without one, or with --headless,
# it serves accessories/ (or the files given) without a window. State
# (identity, pairings) is kept in $XDG_STATE_HOME/hap-simulator (default
# ~/.local/state/hap-simulator). The control API is on the session bus; without one (a
# container, ssh as root) a session bus is started at $XDG_RUNTIME_DIR/bus, which is
# where `hap-simulator ctl` looks for it too.
#
# Bluetooth LE: where BlueZ runs (org.bluez on the system bus) the BLE demo accessories
# of accessories/ble/ are served too, one per adapter (--ble-adapter hci0,hci1,… from the
# adapters BlueZ has; those left without one are listed stopped, with a warning saying
# how to give them one). --virtual-bluez starts hap-virtual-bluez instead, on a bus of its
# own ($XDG_RUNTIME_DIR/hap-virtual-bluez/bus), with one adapter per BLE accessory plus
# one for a controller (hapctl), and stops it on exit.
#
# Environment: HAP_SIMULATOR and HAP_VIRTUAL_BLUEZ name binaries to use as they are (no
# dependency check, no build); RUN_SIMULATOR_NO_DAEMONS=1 starts no system dbus-daemon or
# avahi-daemon (a harness that provides the buses itself).
set -eu
cd "$(dirname "$0")/.."

virtual_bluez=no
for arg in "$@"; do
  shift
  case "$arg" in
    --virtual-bluez) virtual_bluez=yes;;
    *) set -- "$@" "$arg";;
  esac
done

if [ -z "${HAP_SIMULATOR:-}" ]; then
  tools/install-deps.sh
fi

# mDNS needs the system bus and avahi-daemon; containers have no init to start them.
if [ "$(id -u)" = 0 ] && [ "${RUN_SIMULATOR_NO_DAEMONS:-0}" != 1 ]; then
  if ! dbus-send --system --dest=org.freedesktop.DBus --print-reply / org.freedesktop.DBus.GetId >/dev/null 2>&1; then
    mkdir -p /run/dbus
    rm -f /run/dbus/pid
    dbus-daemon --system --fork
  fi
  if ! avahi-daemon -c 2>/dev/null; then
    avahi-daemon -D --no-drop-root --no-rlimits || echo "run-simulator: avahi-daemon did not start; accessories are still reachable by address" >&2
  fi
fi

# hap-simulator ctl needs the session bus; GLib finds it at $XDG_RUNTIME_DIR/bus.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"
  mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
  if ! dbus-send --session --dest=org.freedesktop.DBus --print-reply / org.freedesktop.DBus.GetId >/dev/null 2>&1; then
    rm -f "$XDG_RUNTIME_DIR/bus"
    dbus-daemon --session --address="unix:path=$XDG_RUNTIME_DIR/bus" --fork --nopidfile
  fi
  echo "run-simulator: control with: XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR _build/simulator/hap-simulator ctl list" >&2
fi

if [ -n "${HAP_SIMULATOR:-}" ]; then
  simulator="$HAP_SIMULATOR"
else
  [ -d _build ] || meson setup _build --buildtype=release >/dev/null
  targets=simulator/hap-simulator
  [ "$virtual_bluez" = no ] || [ -n "${HAP_VIRTUAL_BLUEZ:-}" ] || targets="$targets virtual-bluez/hap-virtual-bluez"
  ninja -C _build $targets >/dev/null
  simulator=_build/simulator/hap-simulator
fi

has_file=no
headless=no
has_adapter=no
for arg in "$@"; do
  case "$arg" in
    --headless) headless=yes;;
    --ble-adapter|--ble-adapter=*) has_adapter=yes;;
    -*) ;;
    *) [ -e "$arg" ] && has_file=yes;;
  esac
done
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  headless=yes
fi

# ---- Bluetooth LE ----------------------------------------------------------------------

bluez_running() {
  dbus-send --system --dest=org.freedesktop.DBus --print-reply / org.freedesktop.DBus.NameHasOwner \
    string:org.bluez 2>/dev/null | grep -q "boolean true"
}

# The adapters BlueZ has, "hci0,hci1,…" (sorted by number).
bluez_adapters() {
  dbus-send --system --dest=org.bluez --print-reply / org.freedesktop.DBus.ObjectManager.GetManagedObjects \
    2>/dev/null | grep -o '"/org/bluez/hci[0-9]*"' | tr -d '"' | sed 's|/org/bluez/||' | sort -u -k1.4n |
    paste -sd, -
}

# How many of the files and workspaces given (default: what will be served) are BLE.
count_ble_files() {
  n=0
  for arg in "$@"; do
    case "$arg" in -*) continue;; esac
    if [ -d "$arg" ]; then
      for f in "$arg"/*.json; do
        [ -e "$f" ] && grep -q '"transports".*"ble"' "$f" && n=$((n + 1))
      done
    elif [ -f "$arg" ] && grep -q '"transports".*"ble"' "$arg"; then
      n=$((n + 1))
    fi
  done
  echo "$n"
}

# What this script started, newest first: each is stopped (and waited for) in turn, so
# that the simulator leaves BlueZ before BlueZ leaves its bus.
children=""
cleanup() {
  for pid in $children; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}

ble_dirs=""
if [ "$has_file" = no ]; then
  ble_dirs=accessories/ble
fi
ble_adapters=""

if [ "$virtual_bluez" = yes ]; then
  vbluez="${HAP_VIRTUAL_BLUEZ:-_build/virtual-bluez/hap-virtual-bluez}"
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"
  vdir="$XDG_RUNTIME_DIR/hap-virtual-bluez"
  mkdir -p "$vdir" && chmod 700 "$vdir"
  rm -f "$vdir/bus"
  cat > "$vdir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$vdir/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy>
</busconfig>
EOF
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  dbus-daemon --config-file="$vdir/bus.conf" --nofork --nopidfile >/dev/null 2>"$vdir/dbus.log" &
  children="$!"
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [ -S "$vdir/bus" ] && break
    sleep 0.1
  done
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$vdir/bus"
  # One adapter per BLE accessory (bluetoothd merges an adapter's GATT applications into
  # one database), and one more for the controller.
  if [ "$has_file" = no ]; then
    n_ble=$(count_ble_files accessories $ble_dirs)
  else
    n_ble=$(count_ble_files "$@")
  fi
  [ "$n_ble" -ge 1 ] || n_ble=1
  n_adapters=$((n_ble + 1))
  [ "$n_adapters" -le 16 ] || n_adapters=16
  fifo="$vdir/ready"
  rm -f "$fifo" && mkfifo "$fifo"
  "$vbluez" --bus "$DBUS_SYSTEM_BUS_ADDRESS" --adapters "$n_adapters" > "$fifo" &
  children="$! $children"
  read -r line < "$fifo" || line=""
  rm -f "$fifo"
  if [ "$line" != ready ]; then
    echo "run-simulator: hap-virtual-bluez did not start" >&2
    exit 1
  fi
  controller="hci$((n_adapters - 1))"
  echo "run-simulator: virtual BlueZ with $n_adapters adapters on $DBUS_SYSTEM_BUS_ADDRESS; a controller uses $controller:" >&2
  echo "  DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS _build/hapctl/hapctl --adapter $controller discover --ble" >&2
  if [ "$has_adapter" = no ]; then
    adapters=""
    i=0
    while [ "$i" -lt $((n_adapters - 1)) ]; do
      adapters="${adapters:+$adapters,}hci$i"
      i=$((i + 1))
    done
    ble_adapters="$adapters"
  fi
elif bluez_running; then
  adapters=$(bluez_adapters)
  if [ -n "$adapters" ] && [ "$has_adapter" = no ]; then
    ble_adapters="$adapters"
  fi
  echo "run-simulator: BlueZ is running (adapters: ${adapters:-none}); BLE accessories are served, one per adapter" >&2
else
  # No BlueZ: the IP accessories only (BLE ones would wait for bluetoothd).
  ble_dirs=""
fi

# ---- run ---------------------------------------------------------------------------------

if [ "$headless" = no ]; then
  workspace="${XDG_DATA_HOME:-$HOME/.local/share}/hap-simulator/workspace"
  if [ ! -d "$workspace" ] || [ -z "$(ls -A "$workspace")" ]; then
    mkdir -p "$workspace"
    cp accessories/*.json accessories/*.jpg "$workspace"/
    echo "run-simulator: the demo accessories were copied to $workspace" >&2
  fi
  set -- --workspace "$workspace" "$@"
else
  if [ "$has_file" = no ]; then
    set -- "$@" accessories $ble_dirs
  fi
  # The runner's option (the desktop app picks adapters in its editor).
  [ -z "$ble_adapters" ] || set -- --ble-adapter "$ble_adapters" "$@"
  case " $* " in *" --headless "*) ;; *) set -- --headless "$@";; esac
fi

if [ -z "$children" ]; then
  exec "$simulator" "$@"
fi
# Children to stop on exit: run the simulator in the background and wait, so that a
# signal reaches the trap at once.
"$simulator" "$@" &
sim=$!
children="$sim $children"
status=0
wait "$sim" || status=$?
exit "$status"
