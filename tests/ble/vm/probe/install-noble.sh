#!/bin/sh
# Installs hap-controller@0.10.2 (and with it @stoprocent/noble and its HCI socket binding)
# for the noble feasibility probe, into a cache directory on the host; prints the directory
# holding node_modules. Needs the npm registry (run it outside any network sandbox).
#
#   install-noble.sh [DIR]   default: ${XDG_CACHE_HOME:-$HOME/.cache}/hap-simulator/ble-probe
#
# @stoprocent/bluetooth-hci-socket ships prebuilt linux-x64 N-API binaries, which
# node-gyp-build finds at run time: no compiler is needed, and npm 11's refusal to run
# install scripts without allowScripts does not matter.
set -eu
HC_VERSION=0.10.2
home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
dir=${1:-${XDG_CACHE_HOME:-$home/.cache}/hap-simulator/ble-probe}
mkdir -p "$dir"
have=$(node -p "require('$dir/node_modules/hap-controller/package.json').version" 2>/dev/null || true)
if [ "$have" != "$HC_VERSION" ]; then
  npm install --prefix "$dir" --no-audit --no-fund "hap-controller@$HC_VERSION" > "$dir/install.log" 2>&1 ||
    { cat "$dir/install.log" >&2; echo "install-noble: npm install failed" >&2; exit 1; }
fi
echo "$dir"
