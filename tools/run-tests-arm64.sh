#!/bin/sh
# Cross-builds the device build of the SDK (-Dsimulator=false -Dinspection=false, no
# introspection) for arm64 with Debian's cross toolchain and runs its unit tests under
# QEMU's user-mode emulator (qemu-aarch64): the SDK, its examples and the `unit` suite,
# as tools/run-tests.sh's run_device_build does natively.
#
# Usage (as root): tools/run-tests-arm64.sh [--shell [COMMAND]]
#   The build runs in a Debian 12 amd64 root, made once with debootstrap and kept in
#   $HAP_ARM64_CACHE (default ${XDG_CACHE_HOME:-/var/cache}/hap-cross-arm64), in which
#   arm64 is a foreign dpkg architecture with crossbuild-essential-arm64, the SDK's arm64
#   -dev packages and qemu-user: the host's own packages are left alone. Each run copies
#   the checkout into the root (build directory kept unless HAP_ARM64_CLEAN=1), builds
#   with tools/cross/arm64-linux-gnu.ini and runs the suite in a private network
#   namespace and a private binfmt_misc (tools/cross/in-binfmt-ns.py; Linux 6.7 or
#   later). The suite's testlog.json is copied to artifacts/arm64/testlog.json for
#   tools/run-tests.sh's count.
#   --shell [COMMAND] opens a shell in the copy of the checkout in the root instead, or
#   runs COMMAND there, for debugging.
# Time (2 shared cores, 2026-12-07): 11 min the first time (about 6 of them for the root
#   and its packages), 3 min when nothing changed (test-dump alone takes 2.5 min emulated).
# Needs: debootstrap (installed here when missing), unshare and pivot_root from
#   util-linux, /usr/bin/python3 in the root (tools/cross/in-binfmt-ns.py).
set -eu
cd "$(dirname "$0")/.."
checkout=$(pwd)

cache=${HAP_ARM64_CACHE:-${XDG_CACHE_HOME:-/var/cache}/hap-cross-arm64}
root=$cache/root
mirror=${HAP_ARM64_MIRROR:-http://deb.debian.org/debian}
security=${HAP_ARM64_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
src=/build/hap-simulator
testlog=artifacts/arm64/testlog.json

say () { echo "run-tests-arm64: $*" >&2; }
die () { say "$*"; exit 1; }
. tools/debian-root.sh

[ "$(id -u)" = 0 ] || die "run me as root (debootstrap, namespaces and mounts need it)"

# A stale log from an earlier run must not be counted for this one.
rm -f "$testlog"
debian_root_make "$root" bookworm "$mirror" "$security" iproute2
debian_root_refresh "$root"

# What the device build needs (meson.build with -Dsimulator=false: GLib, json-glib,
# libsodium, GMP, Avahi), for arm64; the build machine's tools (meson, python3 for
# gen-catalog.py, glib-mkenums) are the root's own amd64 packages.
packages="crossbuild-essential-arm64 gcc meson ninja-build pkg-config python3 \
  libglib2.0-dev-bin qemu-user \
  libglib2.0-dev:arm64 libjson-glib-dev:arm64 libsodium-dev:arm64 libgmp-dev:arm64 \
  libavahi-client-dev:arm64 libavahi-glib-dev:arm64"

# What runs inside the root: $1 = the command (run-tests or shell), $2 = shell's command.
inner='
set -eu
. /mnt/checkout/tools/debian-root.sh
update-ca-certificates > /dev/null 2>&1 || true
# The packages once, again when the list changes.
if [ "$(cat /.hap-arm64-packages 2>/dev/null)" != "$HAP_PACKAGES" ]; then
  dpkg --add-architecture arm64
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q > /dev/null
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $HAP_PACKAGES > /var/log/hap-arm64-apt.log 2>&1 ||
    { tail -20 /var/log/hap-arm64-apt.log >&2; exit 1; }
  apt-get clean
  echo "$HAP_PACKAGES" > /.hap-arm64-packages
fi
[ "${HAP_ARM64_CLEAN:-0}" = 1 ] && rm -rf "$HAP_SRC"
debian_root_sync_checkout "$HAP_SRC"
cd "$HAP_SRC"
if [ "$1" = shell ]; then
  [ -n "$2" ] && exec bash -c "$2"
  exec bash -l
fi
dir=_build-arm64
if [ ! -d "$dir" ]; then
  meson setup "$dir" --cross-file tools/cross/arm64-linux-gnu.ini -Dwerror=true \
    -Dsimulator=false -Dinspection=false -Dintrospection=disabled
fi
rm -f "$dir/meson-logs/testlog.json"
ninja -C "$dir" -j2
# A private network namespace (loopback only) and /run, as in tools/run-tests.sh; in a
# user namespace whose own binfmt_misc runs arm64 programs under qemu-aarch64, for the
# tests that re-execute themselves (the ELF header of an aarch64 program, as in
# /usr/share/binfmts/qemu-aarch64). Emulated, the SRP-heavy tests take up to 16 times as
# long as natively (test-dump: 16 s, 256 s under QEMU): three times the timeouts.
/usr/bin/python3 tools/cross/in-binfmt-ns.py /usr/bin/qemu-aarch64 \
  7f454c460201010000000000000000000200b700 ffffffffffffff00fffffffffffffffffeffffff \
  unshare --net --mount --fork sh -c \
  "mount -t tmpfs tmpfs /run && ip link set lo up && exec meson test -C $dir --print-errorlogs --num-processes 2 --timeout-multiplier 3 --suite unit"
'

mode=run-tests
[ "${1:-}" = --shell ] && mode=shell
status=0
# $(echo $packages): the list on one line, spaces squeezed, as the root remembers it.
# shellcheck disable=SC2086,SC2116
debian_root_run "$root" "$checkout" \
  HAP_SRC="$src" HAP_PACKAGES="$(echo $packages)" \
  ${HAP_ARM64_CLEAN:+HAP_ARM64_CLEAN=$HAP_ARM64_CLEAN} \
  /bin/sh -c "$inner" inner "$mode" "${2:-}" || status=$?
[ "$mode" = shell ] && exit $status

if [ -e "$root$src/_build-arm64/meson-logs/testlog.json" ]; then
  mkdir -p "$(dirname "$testlog")"
  cp "$root$src/_build-arm64/meson-logs/testlog.json" "$testlog"
fi
exit $status
