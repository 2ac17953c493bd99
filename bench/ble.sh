#!/usr/bin/env bash
# HAP over Bluetooth LE: procedure latency and the accessory's CPU per procedure, through
# hap-virtual-bluez (in a private network namespace) and, with --vm, through real
# bluetoothd 5.66 on btvirt controllers in the QEMU guest of tests/ble/vm; the memory of
# one BLE accessory; and the accessory's own CPU per Pair Resume against a full Pair
# Verify (bench/pair-resume-cpu, no transport). hapctl bench is the client (HAP-NodeJS
# has no BLE to compare with). Prints a markdown table; also writes it to OUT.md if given.
#   bench/ble.sh [--vm] [OUT.md]
# Environment: BENCH_BUILD (default <repo>/_bench, a release build).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BUILD=${BENCH_BUILD:-$REPO/_bench}
CODE=031-45-154

# measure OUT LABEL: one BLE lamp on hci0, hapctl on hci1; appends JSON lines to OUT.
# Needs a system bus with org.bluez (DBUS_SYSTEM_BUS_ADDRESS) and a writable $WORK.
measure() {
  local out=$1 label=$2 pid port_line
  sed 's/"accessories"/"transports": ["ble"], "accessories"/' "$REPO/accessories/lightbulb.json" >"$WORK/lamp.json"
  "$BUILD/simulator/hap-simulator" --headless --bus none --state-dir "$WORK/state" --setup-code "$CODE" \
    --ble-adapter hci0 "$WORK/lamp.json" >"$WORK/sim.out" 2>"$WORK/sim.err" &
  pid=$!
  for _ in $(seq 300); do grep -q '"event":"ready"' "$WORK/sim.out" && break; sleep 0.1; done
  grep -q '"event":"ready"' "$WORK/sim.out" || { echo "ble.sh: the accessory did not get ready" >&2; cat "$WORK/sim.err" >&2; return 1; }
  sleep 1
  printf '{"label":"%s","key":"idle_rss_kb","value":%s}\n' "$label" "$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)" >>"$out"
  # The accessory's BD address, from its advertisement (btvirt and hap-virtual-bluez
  # number their adapters differently).
  local id address=""
  id=$(sed -n 's/.*"device_id":"\([^"]*\)".*/\1/p' "$WORK/sim.out")
  for _ in $(seq 20); do
    address=$("$BUILD/hapctl/hapctl" --adapter hci1 --json discover --ble --timeout 2 2>/dev/null |
              python3 -c "import json,sys; print(next((e['address'] for e in json.load(sys.stdin) if e.get('device_id')=='$id'), ''))" 2>/dev/null || true)
    [ -n "$address" ] && break
  done
  [ -n "$address" ] || { echo "ble.sh: $id not discovered" >&2; return 1; }
  ADDRESS=ble:$address
  for spec in "pair-verify ${COUNT_VERIFY:-200}" "pair-resume ${COUNT_VERIFY:-200}" "get ${COUNT_GET:-500}" "put ${COUNT_GET:-500}"; do
    set -- $spec
    if "$BUILD/hapctl/hapctl" --controller "$WORK/controller" --adapter hci1 bench "$ADDRESS" \
         --setup-code "$CODE" --server-pid "$pid" --json --scenario "$1" --count "$2" >"$WORK/bench.out" 2>"$WORK/bench.err"; then
      printf '{"label":"%s","key":"scenario","value":%s}\n' "$label" "$(cat "$WORK/bench.out")" >>"$out"
    else
      printf '{"label":"%s","key":"failed:%s","value":"%s"}\n' "$label" "$1" "$(tail -1 "$WORK/bench.err" | tr -d '"\\')" >>"$out"
    fi
    echo "#   $label $1: $(cat "$WORK/bench.out" 2>/dev/null) $(tail -n 1 "$WORK/bench.err" 2>/dev/null)" >&2
  done
  printf '{"label":"%s","key":"busy_rss_kb","value":%s}\n' "$label" "$(awk '/^VmRSS:/ {print $2}' /proc/$pid/status)" >>"$out"
  kill -TERM "$pid"; wait "$pid" || true
}

# Inside the VM: real bluetoothd is already on the system bus.
if [ "${1:-}" = "--in-vm" ]; then
  WORK=$(mktemp -d /tmp/hap-ble-bench.XXXXXX)   # the guest's own /tmp
  COUNT_VERIFY=50 COUNT_GET=100 measure "$2" vm
  exit 0
fi

# Inside the namespace: a private system bus and hap-virtual-bluez.
if [ "${1:-}" = "--inner" ]; then
  out=$2
  mount -t tmpfs tmpfs /run
  ip link set lo up
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/hap-ble-bench.XXXXXX")
  trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
  cat >"$WORK/bus.conf" <<CONF
<busconfig><type>custom</type><listen>unix:path=$WORK/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*" eavesdrop="true"/>
<allow eavesdrop="true"/></policy></busconfig>
CONF
  dbus-daemon --config-file="$WORK/bus.conf" --nofork --nopidfile &
  for _ in $(seq 100); do [ -S "$WORK/bus" ] && break; sleep 0.05; done
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$WORK/bus"
  "$BUILD/virtual-bluez/hap-virtual-bluez" --bus system >"$WORK/vb.out" 2>"$WORK/vb.err" &
  for _ in $(seq 100); do grep -q ready "$WORK/vb.out" && break; sleep 0.05; done
  measure "$out" virtual
  exit 0
fi

VM=0
if [ "${1:-}" = "--vm" ]; then VM=1; shift; fi
OUT=""
[ "$#" -eq 1 ] && OUT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$REPO"
[ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release >&2
ninja -C "$BUILD" >&2
# The guest sees the host root read-only: results go to a share it can write, which must
# not be under /tmp (tests/ble/vm/README.md).
SHARE=$(mktemp -d "$REPO/.ble-bench.XXXXXX")
RESULTS=$SHARE/results.jsonl
trap 'rm -rf "$SHARE"' EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >&2
printf '{"label":"protocol","key":"pair_resume_cpu","value":%s}\n' "$("$BUILD/bench/pair-resume-cpu" 2000)" >>"$RESULTS"
unshare --net --mount --fork -- bash "$HERE/ble.sh" --inner "$RESULTS"
if [ "$VM" = 1 ]; then
  "$REPO/tests/ble/vm/prepare.sh" >/dev/null
  "$REPO/tests/ble/vm/run-in-vm.sh" --quiet --share "$SHARE" --timeout 900 -- bash "$HERE/ble.sh" --in-vm "$RESULTS" >&2 ||
    printf '{"label":"vm","key":"error","value":"the VM run failed"}\n' >>"$RESULTS"
fi

python3 - "$RESULTS" "$OUT" <<'PY'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    d = rows.setdefault(r["label"], {})
    if r["key"] == "scenario":
        d[r["value"]["scenario"]] = r["value"]
    else:
        d[r["key"]] = r["value"]

def fmt(v, unit=""):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    return (f"{v:,.0f}" if v >= 100 else f"{v:.2f}" if v >= 1 else f"{v:.3f}") + unit

def cell(label, scenario, field, unit=""):
    d = rows.get(label, {})
    if "error" in d:
        return d["error"]
    if f"failed:{scenario}" in d:
        return "FAILED: " + d[f"failed:{scenario}"]
    return fmt((d.get(scenario) or {}).get(field), unit)

lines = ["| metric | through hap-virtual-bluez | through bluetoothd 5.66 (QEMU TCG) |", "|---|---|---|"]
for sc in ("pair-verify", "pair-resume", "get", "put"):
    lines.append(f"| {sc}: median latency | {cell('virtual', sc, 'median_ms', ' ms')} | {cell('vm', sc, 'median_ms', ' ms')} |")
    lines.append(f"| {sc}: p99 latency | {cell('virtual', sc, 'p99_ms', ' ms')} | {cell('vm', sc, 'p99_ms', ' ms')} |")
    lines.append(f"| {sc}: accessory CPU | {cell('virtual', sc, 'server_cpu_us', ' µs/op')} | {cell('vm', sc, 'server_cpu_us', ' µs/op')} |")
for key, name in (("idle_rss_kb", "RSS of one BLE accessory, idle"), ("busy_rss_kb", "RSS after the scenarios")):
    lines.append(f"| {name} | {fmt(rows.get('virtual', {}).get(key), ' kB')} | {fmt(rows.get('vm', {}).get(key), ' kB')} |")
p = rows.get("protocol", {}).get("pair_resume_cpu", {})
lines.append("")
lines.append(f"Accessory CPU of the pairing exchange alone (bench/pair-resume-cpu, {p.get('rounds')} rounds, medians): "
             f"full Pair Verify {fmt(p.get('verify_us'), ' µs')}, Pair Resume {fmt(p.get('resume_us'), ' µs')} "
             f"({p.get('ratio')}× less).")
text = "\n".join(lines) + "\n"
print(text, end="")
if sys.argv[2]:
    open(sys.argv[2], "w").write(text)
PY
