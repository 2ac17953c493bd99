#!/bin/sh
# Builds hap-simulator and serves the demo accessories in the foreground.
#   tools/run-simulator.sh [extra hap-simulator options] [FILE.json|DIR…]
# With a display ($DISPLAY or $WAYLAND_DISPLAY) it opens the desktop app on its
# workspace, which starts as a copy of accessories/ the first time (the app edits its
# workspace; the repository's files stay as they are). Without one, or with --headless,
# it serves accessories/ (or the files given) without a window. State
# (identity, pairings) is kept in $XDG_STATE_HOME/hap-simulator (default
# ~/.local/state/hap-simulator). The control API is on the session bus; without one (a
# container, ssh as root) a session bus is started at $XDG_RUNTIME_DIR/bus, which is
# where `hap-simulator ctl` looks for it too.
set -eu
cd "$(dirname "$0")/.."

tools/install-deps.sh

# mDNS needs the system bus and avahi-daemon; containers have no init to start them.
if [ "$(id -u)" = 0 ]; then
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

[ -d _build ] || meson setup _build --buildtype=release >/dev/null
ninja -C _build simulator/hap-simulator >/dev/null

has_file=no
headless=no
for arg in "$@"; do
  case "$arg" in --headless) headless=yes;; -*) ;; *) [ -e "$arg" ] && has_file=yes;; esac
done
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  headless=yes
fi

if [ "$headless" = no ]; then
  workspace="${XDG_DATA_HOME:-$HOME/.local/share}/hap-simulator/workspace"
  if [ ! -d "$workspace" ] || [ -z "$(ls -A "$workspace")" ]; then
    mkdir -p "$workspace"
    cp accessories/*.json accessories/*.jpg "$workspace"/
    echo "run-simulator: the demo accessories were copied to $workspace" >&2
  fi
  exec _build/simulator/hap-simulator --workspace "$workspace" "$@"
fi

if [ "$has_file" = no ]; then
  set -- "$@" accessories
fi
case " $* " in *" --headless "*) ;; *) set -- --headless "$@";; esac
exec _build/simulator/hap-simulator "$@"
