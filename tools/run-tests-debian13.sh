#!/bin/sh
# Runs tools/run-tests.sh in a Debian 13 (trixie) root, so that one machine proves both
# Debian 12 (the host) and 13 (GLib 2.84, GTK 4.18, libadwaita 1.7, gcc 14, clang 19).
#
# Usage (as root): tools/run-tests-debian13.sh [--shell]
#   The root is made once with debootstrap from Debian's archive and kept in
#   $HAP_DEBIAN13_CACHE (default ${XDG_CACHE_HOME:-/var/cache}/hap-trixie), with the
#   packages tools/install-deps.sh installs in it, npm's cache and the BLE VM's kernel.
#   Each run copies the checkout into the root (rsync: build directories are kept between
#   runs unless HAP_DEBIAN13_CLEAN=1) and runs tools/run-tests.sh there, which ends with
#   the same "tests: N passed, N failed" line; the screenshots land in
#   artifacts/debian13/screenshots/.
#   HAP_TESTS_SUBSET=ci-debian13 runs every suite, normal and ASan+UBSan, but two BLE VM
#   tests, with shorter fuzzing (see tools/run-tests.sh).
#   --shell [COMMAND] opens a shell in the copy of the checkout in the root instead (same
#   mounts), or runs COMMAND there, for debugging.
# Needs: debootstrap (installed here when missing), and unshare/chroot from util-linux.
set -eu
cd "$(dirname "$0")/.."
checkout=$(pwd)

cache=${HAP_DEBIAN13_CACHE:-${XDG_CACHE_HOME:-/var/cache}/hap-trixie}
root=$cache/root
mirror=${HAP_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
# Where the checkout is copied to, inside the root.
src=/build/hap-simulator

say () { echo "run-tests-debian13: $*" >&2; }
die () { say "$*"; exit 1; }
. tools/debian-root.sh

[ "$(id -u)" = 0 ] || die "run me as root (debootstrap, chroot and mounts need it)"

debian_root_make "$root" trixie "$mirror" \
  "${HAP_DEBIAN13_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
debian_root_refresh "$root"

# What runs inside the root: $1 = the command (run-tests or shell).
inner='
set -eu
. /mnt/checkout/tools/debian-root.sh
update-ca-certificates > /dev/null 2>&1 || true
[ "${HAP_DEBIAN13_CLEAN:-0}" = 1 ] && rm -rf "$HAP_SRC"
debian_root_sync_checkout "$HAP_SRC"
cd "$HAP_SRC"
rm -rf artifacts   # the last run'"'"'s screenshots
if [ "$1" = shell ]; then
  [ -n "$2" ] && exec bash -c "$2"
  exec bash -l
fi
exec tools/run-tests.sh
'

mode=run-tests
[ "${1:-}" = --shell ] && mode=shell
status=0
debian_root_run "$root" "$checkout" \
  NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
  ${FUZZ_SECONDS:+FUZZ_SECONDS=$FUZZ_SECONDS} \
  ${HAP_TESTS_SUBSET:+HAP_TESTS_SUBSET=$HAP_TESTS_SUBSET} \
  ${HAP_DEBIAN13_CLEAN:+HAP_DEBIAN13_CLEAN=$HAP_DEBIAN13_CLEAN} \
  HAP_SRC="$src" \
  /bin/sh -c "$inner" inner "$mode" "${2:-}" || status=$?
[ "$mode" = shell ] && exit $status

# The end-to-end test's screenshots, next to the Debian 12 ones.
if ls "$root$src"/artifacts/screenshots/*.png > /dev/null 2>&1; then
  mkdir -p artifacts/debian13/screenshots
  cp "$root$src"/artifacts/screenshots/*.png artifacts/debian13/screenshots/
  say "screenshots in artifacts/debian13/screenshots/"
fi
exit $status
