#!/bin/sh
# run-e2e.sh [--wayland] — the desktop app end to end: the real hap-simulator window on a
# private X server and session bus, driven through AT-SPI, checked on the wire with hapctl
# (see e2e_app.py for the steps, e2e_session.py for the sandbox). Prints TAP.
# With --wayland: on a headless weston instead, with no X server at all (e2e_wayland.py).
#
# Meson runs it as the tests ui-e2e and ui-e2e-wayland. By hand, from the source root:
#   HAP_SIMULATOR=_build/simulator/hap-simulator HAPCTL=_build/hapctl/hapctl \
#   HAP_ACCESSORIES_DIR=accessories SCREENSHOT_DIR=/tmp/shots tests/ui/e2e/run-e2e.sh
# Without SCREENSHOT_DIR the PNGs go to the work directory, which is deleted at the end
# unless E2E_KEEP_WORKDIR=1 (it keeps the workspace, state and logs for a look after).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

: "${HAP_SIMULATOR:?set HAP_SIMULATOR to the hap-simulator binary}"
: "${HAPCTL:?set HAPCTL to the hapctl binary}"
: "${HAP_ACCESSORIES_DIR:?set HAP_ACCESSORIES_DIR to the accessories/ directory}"

wayland="" script=e2e_app.py tools="Xvfb import"
if [ "${1:-}" = --wayland ]; then
  # weston-screenshooter is optional: without it the screenshot is a skipped test.
  wayland=--wayland script=e2e_wayland.py tools="weston weston-debug"
fi

missing=""
for tool in $tools dbus-run-session gdbus identify; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
/usr/bin/python3 -c 'import pyatspi' >/dev/null 2>&1 || missing="$missing python3-pyatspi"
if [ -n "$missing" ]; then
  echo "Bail out! missing:$missing (tools/install-deps.sh installs them)"
  exit 1
fi

# Absolute: the app runs in the test's work directory.
HAP_SIMULATOR=$(readlink -f "$HAP_SIMULATOR")
HAPCTL=$(readlink -f "$HAPCTL")
HAP_ACCESSORIES_DIR=$(readlink -f "$HAP_ACCESSORIES_DIR")
# Made first: readlink -f fails (and set -e ends this silently) when its parent is missing.
if [ -n "${SCREENSHOT_DIR:-}" ]; then
  mkdir -p "$SCREENSHOT_DIR"
  SCREENSHOT_DIR=$(readlink -f "$SCREENSHOT_DIR")
fi
export HAP_SIMULATOR HAPCTL HAP_ACCESSORIES_DIR SCREENSHOT_DIR
# $wayland unquoted: empty, or the option.
exec /usr/bin/python3 "$here/e2e_session.py" $wayland "$here/$script"
