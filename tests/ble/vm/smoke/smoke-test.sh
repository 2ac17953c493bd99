#!/bin/bash
# The BLE smoke test, run INSIDE the VM by run-in-vm.sh (meson: suite ble-vm):
# peripheral.py on hci0 and central.py on hci1 exchange reads, writes and indications through
# the guest's bluetoothd. Fails if either side saw something other than expected.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ "${HAP_VM:-}" = 1 ] || { echo "smoke-test: run me through tests/ble/vm/run-in-vm.sh" >&2; exit 2; }

out=$HAP_VM_SHARE/smoke
rm -rf "$out"
mkdir -p "$out"

/usr/bin/python3 "$here/peripheral.py" --adapter hci0 --ready "$out/peripheral.ready" \
  --expect-central --timeout 300 &
peripheral=$!
trap 'kill "$peripheral" 2>/dev/null || true' EXIT

# Python and its modules load slowly under TCG: allow a minute.
for _ in $(seq 600); do
  [ -e "$out/peripheral.ready" ] && break
  kill -0 "$peripheral" 2>/dev/null || { echo "smoke-test: the peripheral exited early" >&2; exit 1; }
  sleep 0.1
done
[ -e "$out/peripheral.ready" ] || { echo "smoke-test: the peripheral never got ready" >&2; exit 1; }

central_rc=0
/usr/bin/python3 "$here/central.py" --adapter hci1 || central_rc=$?

kill -TERM "$peripheral"
peripheral_rc=0
wait "$peripheral" || peripheral_rc=$?
trap - EXIT
echo "smoke-test: central exit $central_rc, peripheral exit $peripheral_rc, ${SECONDS} s"
[ "$central_rc" = 0 ] && [ "$peripheral_rc" = 0 ]
