#!/usr/bin/env bash
# Interop tests of hap-simulator against the independent controller library
# hap-controller (npm).  Called by meson (tests/interop/meson.build):
#   run-interop.sh <path of hap-simulator> <build dir for the npm install>
# Environment: NODE, NPM (programs found by meson; default: from PATH),
# HAP_ACCESSORIES_DIR (default: <repo>/accessories).
set -euo pipefail

INSTALL_ONLY=no
if [ "${1:-}" = "--install-only" ]; then
  INSTALL_ONLY=yes
  shift
fi
if [ "$#" -ne 2 ]; then
  echo "usage: $0 [--install-only] HAP_SIMULATOR BUILD_DIR" >&2
  exit 2
fi

SIMULATOR=$(realpath "$1")
BUILD=$2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
NODE=${NODE:-node}
NPM=${NPM:-npm}
HC_VERSION=0.10.2

mkdir -p "$BUILD"
BUILD=$(cd "$BUILD" && pwd)
MODULES="$BUILD/npm/node_modules"

installed_version() {
  "$NODE" -p "require('$MODULES/hap-controller/package.json').version" 2>/dev/null || true
}

if [ "$(installed_version)" != "$HC_VERSION" ] || [ ! -d "$MODULES/libsodium-wrappers" ]; then
  echo "# installing hap-controller@$HC_VERSION into $BUILD/npm"
  # --ignore-scripts: only native BLE/USB add-ons of optional transports have
  # install scripts; the IP transport used here needs none of them.
  if ! "$NPM" install --prefix "$BUILD/npm" --no-audit --no-fund --ignore-scripts \
        "hap-controller@$HC_VERSION" >"$BUILD/npm-install.log" 2>&1; then
    cat "$BUILD/npm-install.log" >&2
    echo "Bail out! npm install hap-controller@$HC_VERSION failed" >&2
    exit 1
  fi
fi
if [ "$(installed_version)" != "$HC_VERSION" ]; then
  echo "Bail out! hap-controller $HC_VERSION not found in $MODULES" >&2
  exit 1
fi
# tools/run-tests.sh installs first, then runs every test without network access.
[ "$INSTALL_ONLY" = yes ] && exit 0

export NODE_PATH="$MODULES${NODE_PATH:+:$NODE_PATH}"
export HAP_SIMULATOR="$SIMULATOR"
export HAP_ACCESSORIES_DIR="${HAP_ACCESSORIES_DIR:-$REPO/accessories}"

shopt -s nullglob
TESTS=("$HERE"/*.test.mjs)
if [ "${#TESTS[@]}" -eq 0 ]; then
  echo "Bail out! no test files in $HERE" >&2
  exit 1
fi

# node exits non-zero when any test fails; set -e then fails this script.
# The tests run in a private network namespace (loopback only): nothing leaves the
# machine and no port clashes with anything else running. npm needed the real network
# above; node does not.
# Without root, a user namespace provides it (unshare --user --map-root-user).
cd "$BUILD"
userns=""
[ "$(id -u)" = 0 ] || userns="--user --map-root-user"
# shellcheck disable=SC2086
exec unshare $userns --net -- sh -c 'ip link set lo up && exec "$0" "$@"' \
  "$NODE" --test --test-reporter=tap "${TESTS[@]}"
