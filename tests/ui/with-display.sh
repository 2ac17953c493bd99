#!/bin/sh
# with-display.sh CMD… — runs CMD on a private Xvfb display. Xvfb picks a free display
# number itself (-displayfd), so UI tests can run in parallel without xvfb-run's races.
set -eu
fifo=$(mktemp -u /tmp/with-display.XXXXXX)
mkfifo "$fifo"
exec 3<>"$fifo"
rm -f "$fifo"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; wait $xvfb 2>/dev/null || true' EXIT INT TERM
read -r display <&3
export DISPLAY=":$display"
unset WAYLAND_DISPLAY
"$@"
