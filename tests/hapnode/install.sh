#!/usr/bin/env bash
# Installs HAP-NodeJS (npm "hap-nodejs") into BUILD_DIR/hapnode/node_modules,
# unless that exact version is already there.  The only step of this harness
# that uses the network.
#   install.sh BUILD_DIR
# Environment: NODE, NPM (default: from PATH).
# --ignore-scripts is safe: hap-nodejs 1.2.0 and its dependencies are pure
# JavaScript (mDNS via @homebridge/ciao or bonjour-hap, both pure JS; D-Bus for
# avahi/resolved via @homebridge/dbus-native, pure JS); nothing is compiled.
set -euo pipefail

HAPNODE_VERSION=1.2.0

if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
NODE=${NODE:-node}
NPM=${NPM:-npm}

mkdir -p "$1/hapnode"
PREFIX=$(cd "$1/hapnode" && pwd)
MODULES="$PREFIX/node_modules"
LOG="$PREFIX/npm-install.log"

installed_version() {
  "$NODE" -p "require('$MODULES/hap-nodejs/package.json').version" 2>/dev/null || true
}

if [ "$(installed_version)" = "$HAPNODE_VERSION" ]; then
  echo "# hap-nodejs $HAPNODE_VERSION already in $MODULES"
else
  echo "# installing hap-nodejs@$HAPNODE_VERSION into $PREFIX"
  if ! "$NPM" install --prefix "$PREFIX" --no-audit --no-fund --ignore-scripts \
        "hap-nodejs@$HAPNODE_VERSION" >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "Bail out! npm install hap-nodejs@$HAPNODE_VERSION failed (log: $LOG)" >&2
    exit 1
  fi
fi

got=$(installed_version)
if [ "$got" != "$HAPNODE_VERSION" ]; then
  [ -f "$LOG" ] && cat "$LOG" >&2
  echo "Bail out! hap-nodejs $HAPNODE_VERSION not found in $MODULES (found: '${got:-none}')" >&2
  exit 1
fi
# Loading the library must work without install scripts having run.
if ! "$NODE" -e "require('$MODULES/hap-nodejs')" >"$PREFIX/load-check.log" 2>&1; then
  cat "$PREFIX/load-check.log" >&2
  echo "Bail out! hap-nodejs $HAPNODE_VERSION installed but cannot be loaded" >&2
  exit 1
fi
