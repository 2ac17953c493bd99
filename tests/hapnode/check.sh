#!/usr/bin/env bash
# Self-check of the HAP-NodeJS harness (TAP on stdout).
#   check.sh BUILD_DIR
# 1. tests/hapnode/install.sh BUILD_DIR (the only network access);
# 2. everything else runs inside a private network namespace
#    (`unshare --net`, only lo, brought up): accessory.mjs on 127.0.0.1, then
#    curl/hap-controller from other processes check that it answers like a HAP
#    accessory.  Exits 0 only if every test passed.
# Environment: NODE, NPM, CURL (default: from PATH); HAP_CONTROLLER_MODULES
# (node_modules dir holding hap-controller; default: the first
# <repo>/_build*/tests/interop/npm/node_modules that has it; pairing tests are
# skipped when none is found).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
NODE=${NODE:-node}
CURL=${CURL:-curl}
export NODE CURL

READY_TIMEOUT=15   # s, per accessory.mjs start
STOP_TIMEOUT=6     # s, SIGTERM → exit
TOTAL_TIMEOUT=150  # s, the whole namespace part

# ---------------------------------------------------------------------------
# Inner part: runs in the private network namespace.
if [ "${1:-}" = "--inner" ]; then
  BUILD=$2
  ip link set lo up
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/hapnode-check.XXXXXX")
  PIDS=()
  cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
  }
  trap cleanup EXIT
  trap 'exit 1' TERM INT

  T=0
  FAILED=0
  ok()     { T=$((T + 1)); echo "ok $T - $1"; }
  not_ok() { T=$((T + 1)); FAILED=1; echo "not ok $T - $1"; [ -z "${2:-}" ] || sed 's/^/# /' <<<"$2"; }
  check()  { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected '$3', got '$2'"; fi; }
  skip()   { T=$((T + 1)); echo "ok $T - $1 # SKIP $2"; }

  # start NAME ARGS…: runs accessory.mjs, output in $WORK/NAME.{out,err}; sets PID.
  start() {
    local name=$1; shift
    "$NODE" "$HERE/accessory.mjs" --bind 127.0.0.1 --storage "$WORK/$name.state" "$@" \
      >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PID=$!
    PIDS+=("$PID")
  }
  # wait_ready NAME N: waits for N ready lines (bounded); 0 if they came.
  wait_ready() {
    local i
    for ((i = 0; i < READY_TIMEOUT * 10; i++)); do
      [ "$(grep -c '"event":"ready"' "$WORK/$1.out" 2>/dev/null)" -ge "$2" ] && return 0
      kill -0 "$PID" 2>/dev/null || break
      sleep 0.1
    done
    return 1
  }
  # field NAME LINE KEY: KEY of the LINE-th (1-based) ready line.
  field() {
    "$NODE" -e 'const l=require("fs").readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean);
                const v=JSON.parse(l[+process.argv[2]-1])[process.argv[3]]; console.log(v===undefined?"":v)' \
      "$WORK/$1.out" "$2" "$3"
  }
  # stop PID: SIGTERM, bounded wait; sets STOPPED to the exit status (or
  # "timeout").  Not usable in $(…): only this shell can wait for its children.
  stop() {
    local i
    kill -TERM "$1" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
      if ! kill -0 "$1" 2>/dev/null; then
        STOPPED=0
        wait "$1" || STOPPED=$?
        return
      fi
      sleep 0.1
    done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    STOPPED=timeout
  }
  http() { # METHOD PORT PATH → status code
    "$CURL" -s --noproxy '*' --max-time 5 -o /dev/null -w '%{http_code}' -X "$1" "http://127.0.0.1:$2$3" || true
  }

  echo "1..17"
  echo "# network namespace interfaces: $(ip -o link show | awk -F': ' '{print $2}' | tr '\n' ' ')"

  # --- single Desk Lamp, no mDNS advertiser ---------------------------------
  start lamp --advertiser none
  LAMP=$PID
  if wait_ready lamp 1; then
    ok "accessory.mjs (Desk Lamp, --advertiser none) printed a ready line"
    sed 's/^/# /' "$WORK/lamp.out"
  else
    not_ok "accessory.mjs (Desk Lamp, --advertiser none) printed a ready line" "$(cat "$WORK/lamp.err")"
  fi
  PORT=$(field lamp 1 port 2>/dev/null || true)
  DEVID=$(field lamp 1 device_id 2>/dev/null || true)
  CODE=$(field lamp 1 setup_code 2>/dev/null || true)
  check "ready line: name, device_id, setup_code, pid" \
    "$(field lamp 1 name 2>/dev/null)|$([[ $DEVID =~ ^([0-9A-F]{2}:){5}[0-9A-F]{2}$ ]] && echo id)|$CODE|$(field lamp 1 pid 2>/dev/null)" \
    "Desk Lamp|id|031-45-154|$LAMP"
  listen=$(ss -Hltn "sport = :${PORT:-0}" | awk '{print $4}' | sort -u | tr '\n' ' ')
  check "HAP TCP server listens on 127.0.0.1 only" "$listen" "127.0.0.1:$PORT "
  udp=$(ss -Huanp | grep -c "pid=$LAMP," || true)
  check "no UDP (mDNS) socket with --advertiser none" "$udp" "0"
  check "POST /identify before pairing → 204" "$(http POST "$PORT" /identify)" "204"
  check "GET /accessories without a session → 470" "$(http GET "$PORT" /accessories)" "470"

  # --- pairing with hap-controller (optional) --------------------------------
  PAIR_STEPS=("hap-controller pair-setup with HAP-NodeJS"
              "GET /accessories (verified session) lists Lightbulb with Brightness"
              "PUT then GET /characteristics: Brightness 42"
              "remove own pairing")
  HC=${HAP_CONTROLLER_MODULES:-}
  if [ -z "$HC" ]; then
    for d in "$REPO"/_build*/tests/interop/npm/node_modules; do
      [ -f "$d/hap-controller/package.json" ] && [ -d "$d/libsodium-wrappers" ] && { HC=$d; break; }
    done
  fi
  if [ -n "$HC" ] && [ -f "$HC/hap-controller/package.json" ]; then
    echo "# hap-controller $("$NODE" -p "require('$HC/hap-controller/package.json').version") from $HC"
    NODE_PATH="$HC" timeout 60 "$NODE" "$HERE/pair.mjs" 127.0.0.1 "$PORT" "$DEVID" "$CODE" \
      >"$WORK/pair.out" 2>"$WORK/pair.err" || true
    for s in "${PAIR_STEPS[@]}"; do
      line=$(grep -F -- " $s" "$WORK/pair.out" | head -1 || true)
      case "$line" in
        PASS*) ok "$s${line#PASS "$s"}" ;;
        FAIL*) not_ok "$s" "${line#FAIL "$s": }
$(tail -5 "$WORK/pair.err")" ;;
        *)     not_ok "$s" "not run; pair.mjs stderr: $(tail -5 "$WORK/pair.err")" ;;
      esac
    done
  elif [ -n "${HAP_CONTROLLER_MODULES:-}" ]; then
    # Asked for explicitly (as meson does): missing is a failure, not a skip.
    for s in "${PAIR_STEPS[@]}"; do not_ok "$s" "hap-controller not found in $HAP_CONTROLLER_MODULES"; done
  else
    for s in "${PAIR_STEPS[@]}"; do skip "$s" "hap-controller not found (run tests/interop/run-interop.sh --install-only)"; done
  fi
  stop "$LAMP"
  check "SIGTERM → unpublish, exit status 0" "$STOPPED" "0"

  # --- bridge with 3 lights, ciao advertiser confined to lo ------------------
  start bridge --bridge --advertiser ciao --lock
  BRIDGE=$PID
  if wait_ready bridge 2; then
    ok "--bridge --lock --advertiser ciao: 2 ready lines (bridge, lock)"
  else
    not_ok "--bridge --lock --advertiser ciao: 2 ready lines (bridge, lock)" "$(cat "$WORK/bridge.out" "$WORK/bridge.err")"
  fi
  check "bridge answers POST /identify → 204" "$(http POST "$(field bridge 1 port 2>/dev/null)" /identify)" "204"
  if grep -q 'Initial networks \[lo\]' "$WORK/bridge.err"; then ok "ciao advertises on lo only"
  else not_ok "ciao advertises on lo only" "$(grep -i 'ciao\|network' "$WORK/bridge.err" | head -5)"; fi
  stop "$BRIDGE"
  check "bridge: SIGTERM → exit status 0" "$STOPPED" "0"

  # --- --count 3 -------------------------------------------------------------
  start count --count 3 --advertiser none
  COUNT=$PID
  if wait_ready count 3; then
    ports=$(for i in 1 2 3; do field count "$i" port; done | sort -u | wc -l)
    codes=""
    for i in 1 2 3; do codes+="$(http POST "$(field count "$i" port)" /identify) "; done
    check "--count 3: 3 ready lines, 3 distinct ports, each /identify → 204" "$ports|$codes" "3|204 204 204 "
  else
    not_ok "--count 3: 3 ready lines, 3 distinct ports, each /identify → 204" "$(cat "$WORK/count.out" "$WORK/count.err")"
  fi
  stop "$COUNT"
  check "--count 3: SIGTERM → exit status 0" "$STOPPED" "0"

  exit "$FAILED"
fi

# ---------------------------------------------------------------------------
# Outer part.
if [ "$#" -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)

if ! "$HERE/install.sh" "$BUILD" >&2; then
  echo "Bail out! tests/hapnode/install.sh failed"
  exit 1
fi
export NODE_PATH="$BUILD/hapnode/node_modules${NODE_PATH:+:$NODE_PATH}"
# HAP-NodeJS debug output (DEBUG=ciao:*) is needed for the "lo only" check.
export DEBUG="ciao:NetworkManager${DEBUG:+,$DEBUG}"

# --kill-child: if unshare dies, everything inside the namespace is SIGKILLed.
status=0
timeout -k 5 "$TOTAL_TIMEOUT" unshare --net --fork --kill-child -- bash "$HERE/check.sh" --inner "$BUILD" || status=$?
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "Bail out! timed out after ${TOTAL_TIMEOUT} s"
elif [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
  echo "Bail out! could not run in a private network namespace (unshare --net, exit status $status)"
fi
exit "$status"
