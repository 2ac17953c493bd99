#!/bin/bash
# Feasibility probe, run INSIDE the VM:
#   run-in-vm.sh --controllers 3 --user-channel 1 -- tests/ble/vm/probe/noble-probe.sh MODULES_DIR [--gatt]
# The smoke peripheral advertises on hci0 through bluetoothd; hap-controller's BLEDiscovery
# scans on hci2, which bluetoothd was made to let go (--user-channel 1), over noble's HCI user
# channel. MODULES_DIR is what install-noble.sh printed (on the host; the guest sees it read-only).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ "${HAP_VM:-}" = 1 ] || { echo "noble-probe: run me through tests/ble/vm/run-in-vm.sh" >&2; exit 2; }
modules=$1/node_modules
gatt=${2:-}            # --gatt: also connect and exchange data over GATT
expect=""
[ "$gatt" = --gatt ] && expect=--expect-central
user_hci=$((HAP_VM_CONTROLLERS - 1))

out=$HAP_VM_SHARE/noble-probe
rm -rf "$out"
mkdir -p "$out"
/usr/bin/python3 "$here/../smoke/peripheral.py" --adapter hci0 --ready "$out/peripheral.ready" \
  --timeout 300 ${expect:+"$expect"} &
peripheral=$!
trap 'kill "$peripheral" 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  [ -e "$out/peripheral.ready" ] && break
  kill -0 "$peripheral" 2>/dev/null || { echo "noble-probe: the peripheral exited early" >&2; exit 1; }
  sleep 0.1
done
[ -e "$out/peripheral.ready" ] || { echo "noble-probe: the peripheral never got ready" >&2; exit 1; }

# noble-scan.js ends itself with SIGKILL (its exit would hang on the HCI socket; the shell then
# reports "Killed") and leaves its verdict in a file; the watchdog is for anything else that hangs.
NOBLE_HCI_DEVICE_ID=$user_hci HCI_CHANNEL_USER=1 timeout -s KILL 150 \
  node "$here/noble-scan.js" "$modules" 90 a1:b2:c3:d4:e5:f6 "$out/result" ${gatt:+"$gatt"} || true
verdict=$(cat "$out/result" 2>/dev/null || echo "none (node died)")
echo "noble-probe: verdict $verdict"
kill -TERM "$peripheral"
peripheral_rc=0
wait "$peripheral" || peripheral_rc=$?
trap - EXIT
echo "noble-probe: peripheral exited with $peripheral_rc"
[ "$verdict" = PASS ] && [ "$peripheral_rc" = 0 ]
