#!/bin/sh
# The SDK as an application developer gets it: installs this build into a scratch
# DESTDIR, builds a copy of sdk/examples/example-lightbulb.c out of tree with nothing but
# the compiler and `pkg-config libhap-glib-1` pointed at the installed .pc (relocatable,
# see meson.build), then runs it and pairs, verifies and unpairs with hap-test-pair.
#
# Usage: check-installed-sdk.sh BUILD-DIR EXAMPLE-SOURCE HAP-TEST-PAIR
#   $CC: the compiler command (meson passes the build's).
set -eu
build=$1 example=$2 pair=$3
code=031-45-154

fail () { echo "installed-sdk: $*" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hap-installed-sdk-XXXXXX")
pid=""
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# --no-rebuild: meson test already built everything; another ninja run here could race it.
meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" > "$tmp/install.log" 2>&1 ||
  { cat "$tmp/install.log" >&2; fail "meson install failed"; }

pc=$(find "$tmp/root" -name libhap-glib-1.pc)
[ -n "$pc" ] || fail "no libhap-glib-1.pc installed under $tmp/root"
# Only the installed .pc: no uninstalled one from the build tree, whatever the caller set.
PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_PATH
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
case $(pkg-config --cflags libhap-glib-1) in
  *"$tmp/root"*) ;;
  *) fail "pkg-config's flags do not point into the install: $(pkg-config --cflags libhap-glib-1)
(a build directory made before meson.build set pkgconfig.relocatable=true: meson configure $build -Dpkgconfig.relocatable=true)" ;;
esac

# A copy of the example alone in an empty directory: no private header can be reached.
mkdir "$tmp/src"
cp "$example" "$tmp/src/example-lightbulb.c"
libdir=$(pkg-config --variable=libdir libhap-glib-1)
cd "$tmp/src"
# $CC unquoted: a command with its arguments; pkg-config's output is a list of flags.
# shellcheck disable=SC2046,SC2086
${CC:-cc} -o example-lightbulb example-lightbulb.c \
    $(pkg-config --cflags --libs libhap-glib-1) -Wl,-rpath,"$libdir" ||
  fail "the example does not build against the installed SDK"
ldd ./example-lightbulb | grep -q "libhap-glib-1.so.0 => $libdir/" ||
  fail "the example is not linked with the installed library: $(ldd ./example-lightbulb)"

./example-lightbulb "$tmp/state" "$code" > "$tmp/out" 2> "$tmp/err" &
pid=$!
port=""
for _ in $(seq 300); do
  port=$(sed -n 's/^Serving .* on port \([0-9][0-9]*\)$/\1/p' "$tmp/out")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$port" ] || fail "the example did not start: $(cat "$tmp/out" "$tmp/err")"
grep -qx "Setup code: $code" "$tmp/out" || fail "the example does not show its setup code: $(cat "$tmp/out")"

# Pair-setup, then pair-verify (an encrypted session) and removing the pairing.
"$pair" pair "$port" "$code" "$tmp/controller" || fail "pairing with the example failed"
"$pair" unpair "$port" "$tmp/controller" || fail "pair-verify and unpairing failed"

# SIGTERM: the example stops its server and exits cleanly.
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" = 0 ] || fail "the example exited with $status on SIGTERM: $(cat "$tmp/err")"
echo "installed-sdk: built out of tree against $pc; paired, verified and unpaired on port $port"
