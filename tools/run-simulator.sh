#!/bin/sh
# Builds hap-simulator and serves the sample accessories in the foreground.
#   tools/run-simulator.sh [extra hap-simulator options] [FILE.json…]
# With no files it serves every sample in accessories/. State (identity, pairings) is kept
# in $XDG_STATE_HOME/hap-simulator (default ~/.local/state/hap-simulator).
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

[ -d _build ] || meson setup _build --buildtype=release >/dev/null
ninja -C _build simulator/hap-simulator >/dev/null

has_file=no
for arg in "$@"; do case "$arg" in *.json) has_file=yes;; esac; done
if [ "$has_file" = no ]; then
  set -- "$@" accessories/*.json
fi
exec _build/simulator/hap-simulator --headless "$@"
