#!/bin/bash
# hap-controller 0.10.2 (npm) against our HAP-BLE accessory through a real bluetoothd, run
# INSIDE the VM (meson: suite ble-vm):
#   run-in-vm.sh --controllers 3 --user-channel 1 -- hapcontroller-test.sh HAP_SIMULATOR NODE_MODULES
# hap-simulator serves a BLE lightbulb on hci0 through bluetoothd, with its control API on a
# private bus; hap-ble-controller.js drives hci2, which bluetoothd was made to let go, over
# noble's HCI user channel, and prints TAP (test point 1 is this script's setup).
# NODE_MODULES: where tests/interop/run-interop.sh --install-only put hap-controller.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ "${HAP_VM:-}" = 1 ] || { echo "hapcontroller-test: run me through tests/ble/vm/run-in-vm.sh" >&2; exit 2; }
[ $# = 2 ] || { echo "usage: $0 HAP_SIMULATOR NODE_MODULES" >&2; exit 2; }
simulator=$(realpath -m "$1")
modules=$(realpath -m "$2")
[ -d "$modules/hap-controller" ] || {
  echo "Bail out! hap-controller is not installed in $modules (run tests/interop/run-interop.sh --install-only)"
  exit 1
}
[ "${HAP_VM_USER_CHANNEL:-0}" -ge 1 ] || { echo "Bail out! needs --user-channel 1 (a controller for noble)"; exit 1; }
user_hci=$((HAP_VM_CONTROLLERS - 1))
setup_code=482-91-637
setup_step="start a private dbus-daemon and hap-simulator with a BLE lightbulb on hci0"

out=$HAP_VM_SHARE/hapcontroller
rm -rf "$out"
mkdir -p "$out/accessory" /tmp/hapcontroller
echo "# logs in $out"
now () { date +%s.%N; }
t0=$(now)

pids=()
cleanup () {
  local i
  for (( i=${#pids[@]}-1; i>=0; i-- )); do kill "${pids[i]}" 2>/dev/null || true; done
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    timeout 5 tail --pid="${pids[i]}" -f /dev/null 2>/dev/null || kill -KILL "${pids[i]}" 2>/dev/null || true
  done
}
trap cleanup EXIT
setup_failed () {
  echo "1..7"
  echo "not ok 1 - $setup_step # $1"
  echo "# hap-simulator's stderr ($out/simulator.stderr), last lines:"
  tail -n 30 "$out/simulator.stderr" 2>/dev/null | sed 's/^/#   /'
  exit 1
}

# The accessory: accessories/lightbulb.json served over BLE, with On false at first so that
# every write and event of the test changes a value. Its ctl id is the file's name.
node -e '
  const fs = require("fs");
  const a = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  a.transports = ["ble"];
  a.accessories[0].services.find((s) => s.type === "Lightbulb")
    .characteristics.find((c) => c.type === "On").value = false;
  fs.writeFileSync(process.argv[2], JSON.stringify(a, null, 2));
' "$here/../../../../accessories/lightbulb.json" "$out/accessory/lightbulb.json"

# A private bus for hap-simulator's control API (bluetoothd is on the guest's system bus).
cat > /tmp/hapcontroller/bus.conf <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=/tmp/hapcontroller/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file=/tmp/hapcontroller/bus.conf --nofork --nopidfile \
  > "$out/dbus.log" 2>&1 &
pids+=("$!")
bus=unix:path=/tmp/hapcontroller/bus
for _ in $(seq 100); do [ -S /tmp/hapcontroller/bus ] && break; sleep 0.1; done
[ -S /tmp/hapcontroller/bus ] || setup_failed "the private dbus-daemon did not start"

# A critical warning in the accessory is a failure: it aborts (and every later step fails).
G_DEBUG=gc-friendly,fatal-criticals \
"$simulator" --headless --verbose --ble-adapter hci0 --setup-code "$setup_code" --bus "$bus" \
  --state-dir "$out/state" "$out/accessory/lightbulb.json" \
  > "$out/simulator.stdout" 2> "$out/simulator.stderr" &
simulator_pid=$!
pids+=("$simulator_pid")
ready=""
for _ in $(seq 600); do
  ready=$(grep -m1 '"event":"ready"' "$out/simulator.stdout" 2>/dev/null || true)
  [ -n "$ready" ] && break
  kill -0 "$simulator_pid" 2>/dev/null || setup_failed "hap-simulator exited early"
  sleep 0.1
done
[ -n "$ready" ] || setup_failed "hap-simulator printed no ready line within 60 s"
echo "# ready: $ready"

# The node script checks the ready line's fields and writes its configuration.
config=$out/controller.json
# shellcheck disable=SC2016 # the ${…} are JavaScript's
if ! node -e '
  const [ready, code, ...rest] = process.argv.slice(1);
  const r = JSON.parse(ready);
  const want = { setup_code: code, ble_adapter: "hci0", transports: JSON.stringify(["ble"]) };
  for (const [k, v] of Object.entries(want)) {
    const got = typeof r[k] === "string" ? r[k] : JSON.stringify(r[k]);
    if (got !== v) { console.log(`# ready line: ${k} is ${got}, expected ${v}`); process.exit(1); }
  }
  if (!/^([0-9A-F]{2}:){5}[0-9A-F]{2}$/.test(r.device_id)) { console.log("# bad device_id"); process.exit(1); }
  const [modules, simulator, bus, result, config, setupStep, setupSeconds] = rest;
  require("fs").writeFileSync(config, JSON.stringify({ modules, deviceId: r.device_id, setupCode: code,
    simulator, bus, accessory: "lightbulb", result, setupStep, setupSeconds }, null, 2));
' "$ready" "$setup_code" "$modules" "$simulator" "$bus" "$out/result" "$config" "$setup_step" \
  "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')"; then
  setup_failed "the ready line is not what was asked for"
fi

# The script ends itself with SIGKILL (node's exit would hang on the HCI socket; see the
# script), so its verdict comes from the result file; the watchdog is for anything else.
# In the background, so that bash does not report the expected "Killed".
NOBLE_HCI_DEVICE_ID=$user_hci HCI_CHANNEL_USER=1 timeout -s KILL 360 \
  node "$here/hap-ble-controller.js" "$config" 2>&1 &
wait $! || true
verdict=$(cat "$out/result" 2>/dev/null || echo "FAIL node died without a verdict")
echo "# verdict: $verdict"

kill -TERM "$simulator_pid"
simulator_rc=0
wait "$simulator_pid" || simulator_rc=$?
echo "# hap-simulator exited with $simulator_rc; ${SECONDS} s in all"
echo "# hap-simulator's stderr ($out/simulator.stderr), last lines:"
tail -n 40 "$out/simulator.stderr" | sed 's/^/#   /'

[ "$verdict" = PASS ] && [ "$simulator_rc" = 0 ]
