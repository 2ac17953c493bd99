#!/bin/sh
# Builds and runs every test: unit, protocol and desktop-app tests (the end-to-end one
# leaves screenshots in artifacts/screenshots/), the hap-controller interop suite,
# the same suite again under ASan+UBSan, and each fuzz target for FUZZ_SECONDS (45; 20 in
# the ci-debian13 subset); the device build (SDK only) natively, installed, and
# cross-built for arm64 under QEMU.
# Ends with one summary line "tests: N passed, N failed".
set -u
cd "$(dirname "$0")/.."

tools/install-deps.sh || exit 1

userns=""
[ "$(id -u)" = 0 ] || userns="--user --map-root-user"
# HAP_TESTS_SUBSET=ci-debian13 (a second system within CI's hour, see
# tools/run-tests-debian13.sh): every suite but two BLE VM tests (below), each fuzz
# target for 20 s rather than 45, and neither the arm64 cross build nor the Flatpak again.
subset=${HAP_TESTS_SUBSET:-}
case $subset in
  "") FUZZ_SECONDS=${FUZZ_SECONDS:-45} ;;
  ci-debian13) FUZZ_SECONDS=${FUZZ_SECONDS:-20} ;;
  *) echo "run-tests: unknown HAP_TESTS_SUBSET '$subset' (known: ci-debian13)" >&2; exit 2 ;;
esac
suites=""
status=0
logs=""

run_suite () {
  dir=$1; shift
  if [ ! -d "$dir" ]; then
    meson setup "$dir" -Dwerror=true "$@" || return 1
  else
    # A build directory from an earlier run gets the options of this one, and the
    # default options added to meson.build since (meson applies those at setup only).
    meson configure "$dir" -Dpkgconfig.relocatable=true "$@" > /dev/null || return 1
  fi
  ninja -C "$dir" || return 1
  # hap-controller and hap-nodejs come from the npm registry; everything after runs offline.
  tests/interop/run-interop.sh --install-only "$dir/simulator/hap-simulator" "$dir/tests/interop" || return 1
  tests/hapnode/install.sh "$dir/tests/hapnode" || return 1
  # The BLE VM tests boot Debian's kernel, fetched into a cache once; without it they fail
  # with their own message (exit 120), so a failure here does not stop the other tests.
  tests/ble/vm/prepare.sh > /dev/null ||
    echo "run-tests: the BLE VM image could not be prepared; the ble-vm tests will fail" >&2
  # Every test runs in a private network namespace (loopback only) with a private /run:
  # no packet leaves the machine, no port or mDNS name clashes with the host, and the
  # host's D-Bus and avahi-daemon are out of reach. Without root, a user namespace
  # provides them (unshare --user --map-root-user; see README "Running the tests").
  # $userns and $suites unquoted: empty, or options.
  # shellcheck disable=SC2086
  unshare $userns --net --mount --fork sh -c \
    'mount -t tmpfs tmpfs /run && ip link set lo up && exec meson test -C "$0" --print-errorlogs --num-processes 2 "$@"' \
    "$dir" $suites || status=1
  logs="$logs $dir/meson-logs/testlog.json"
}

# A device's build: the SDK, its examples and unit tests alone, without the inspection and
# fault-injection API (no hooks compiled in, hap-inspection.h not installed) and without
# the simulator, GTK or libadwaita; and that SDK installed, with an example built against
# the installed headers and .pc alone (suite installed).
run_device_build () {
  dir=_build-device
  if [ ! -d "$dir" ]; then
    meson setup "$dir" -Dwerror=true -Dsimulator=false -Dinspection=false || return 1
  else
    meson configure "$dir" -Dpkgconfig.relocatable=true > /dev/null || return 1
  fi
  ninja -C "$dir" || return 1
  # shellcheck disable=SC2086
  unshare $userns --net --mount --fork sh -c \
    'mount -t tmpfs tmpfs /run && ip link set lo up && exec meson test -C "$0" --print-errorlogs --num-processes 2 --suite unit --suite installed' \
    "$dir" || status=1
  logs="$logs $dir/meson-logs/testlog.json"
}

# On Debian 13 the BLE VM's own smoke test is left out (tests/ble/vm/meson.build says why),
# and so is hapctl-ble-vm (4-5 minutes, run alone: more than CI's hour has left); there
# hap-controller drives our accessory through Debian 13's bluetoothd.
[ "$subset" = ci-debian13 ] && suites="--no-suite ble-vm-harness --no-suite ble-vm-long"
run_suite _build || status=1
run_device_build || status=1
# The same device build cross-compiled for arm64, its unit suite under qemu-aarch64
# (tools/run-tests-arm64.sh: a Debian 12 root with arm64 as a foreign architecture, cached
# in /var/cache/hap-cross-arm64): on the host system only and as root, like the Flatpak.
if [ "$subset" = ci-debian13 ]; then
  :
elif [ "$(id -u)" = 0 ]; then
  tools/run-tests-arm64.sh || status=1
  logs="$logs artifacts/arm64/testlog.json"
else
  echo "run-tests: the arm64 cross build needs root: skipped" >&2
  skipped_arm64=1
fi
# The end-to-end UI test's screenshots of the main views, kept as CI artifacts.
mkdir -p artifacts/screenshots
cp _build/tests/ui/e2e/screenshots/*.png artifacts/screenshots/ 2>/dev/null &&
  echo "run-tests: screenshots in artifacts/screenshots/"
# ui-e2e-wayland's, from weston.
cp _build/tests/ui/e2e/screenshots/wayland/wayland.png artifacts/screenshots/ 2>/dev/null || true
# The Flatpak built and run sandboxed (tests/flatpak/run.sh): on the host system only, not
# again in the Debian 13 root (its runtime is made of Debian 13 packages anyway), and only
# as root (mmdebstrap and the namespaces it runs the app in need it); its stand-in runtimes
# are cached in /var/cache/hap-flatpak.
if [ "$subset" = ci-debian13 ]; then
  :
elif [ "$(id -u)" = 0 ]; then
  tests/flatpak/run.sh _build || status=1
  logs="$logs _flatpak/testlog.json"
else
  echo "run-tests: the Flatpak test needs root: skipped" >&2
  skipped_flatpak=1
fi
# Introspection-free build with sanitizers; leaks count as errors. (g-ir-scanner runs
# a program linked with the library under test, which an ASan library cannot be loaded
# into without preloading the runtime.)
# Every suite, on Debian 13 too (there the desktop-app tests without leak checking: see
# tests/ui/meson.build).
suites=""
run_suite _asan -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug \
  -Dintrospection=disabled || status=1
tests/fuzz/run-fuzzers.sh "$FUZZ_SECONDS" || status=1
logs="$logs _fuzz/meson-logs/testlog.json"

python3 - ${skipped_flatpak:+--skipped} ${skipped_arm64:+--skipped} $logs <<'PY'
import json, sys
passed = failed = skipped = 0
while sys.argv[1:2] == ["--skipped"]:
    skipped += 1
    del sys.argv[1]
for path in sys.argv[1:]:
    try:
        lines = open(path).read().splitlines()
    except OSError:
        failed += 1
        continue
    for line in lines:
        r = json.loads(line).get("result")
        if r == "OK": passed += 1
        elif r == "SKIP": skipped += 1
        else: failed += 1
print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
[ $? -eq 0 ] || status=1
exit $status
