#!/bin/sh
# The Flatpak, built and run sandboxed, without Flathub (issue 15): makes stand-in GNOME 48
# runtimes from Debian 13 packages (make-runtime.sh, cached), builds CI's variant of
# flatpak/io.github.hapsim.Simulator.json (ci-manifest.py: Debian's .orig tarballs for the
# module sources) with flatpak-builder, installs it in scratch installations and runs
# test_flatpak.py as an ordinary user in a private network (run-in-namespace.sh).
#   tests/flatpak/run.sh [--no-build] [BUILD_DIR]
# --no-build installs the app the last run built (_flatpak/repo) instead of building it:
# for work on test_flatpak.py.
# BUILD_DIR (default _build) gives the controllers outside the sandbox: hapctl and
# `hap-simulator ctl`, and hap-virtual-bluez (org.bluez for the BLE checks, run as root
# outside the sandbox). Prints TAP; writes a meson-style testlog (one JSON line per check)
# to _flatpak/testlog.json for tools/run-tests.sh's summary, and the window's screenshot
# and the app's logs to artifacts/flatpak/.
# Cache: $HAP_FLATPAK_CACHE (default /var/cache/hap-flatpak): the runtimes (repository,
# installation, and flatpak-builder's state, so that only the app module is rebuilt), the
# .deb files and the source tarballs. Nothing touches the caller's own Flatpak
# installations: FLATPAK_SYSTEM_DIR (the runtimes) is in the cache, FLATPAK_USER_DIR (the
# app) and the homes are in _flatpak/ and a scratch folder under /var/tmp removed at exit.
# Times measured on a shared 2-core machine: about 7 min from nothing with the .deb files
# cached (11 min with their download, under load), under a minute after (ccache).
# Needs root (mmdebstrap, namespaces), flatpak, flatpak-builder, mmdebstrap, elfutils,
# xdg-desktop-portal and /dev/fuse.
set -eu
cd "$(dirname "$0")/../.."
checkout=$(pwd)
no_build=0
[ "${1:-}" = --no-build ] && { no_build=1; shift; }
build=$checkout/${1:-_build}
app=io.github.hapsim.Simulator
manifest=$checkout/flatpak/$app.json
cache=${HAP_FLATPAK_CACHE:-/var/cache/hap-flatpak}
work=$checkout/_flatpak
artifacts=$checkout/artifacts/flatpak
testlog=$work/testlog.json

say () { echo "flatpak-ci: $*" >&2; }
step_start=$(date +%s)
step () { now=$(date +%s); say "$1 ($((now - step_start)) s)"; step_start=$now; }
# A step that fails is one failed test in the summary (then the tests cannot run).
die () {
  say "$*"
  # shellcheck disable=SC1003
  printf '{"name": "flatpak: %s", "result": "FAIL"}\n' "$(echo "$*" | tr -d '"\\')" >> "$testlog"
  echo "not ok - flatpak: $*"
  exit 1
}

if [ "$no_build" = 1 ]; then
  rm -f "$testlog"
else
  rm -rf "$work"
fi
rm -rf "$artifacts"
mkdir -p "$work" "$artifacts"
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, namespaces)"
for tool in flatpak flatpak-builder mmdebstrap eu-strip xdg-dbus-proxy bwrap ostree Xvfb avahi-browse; do
  command -v "$tool" > /dev/null || die "$tool is missing (tools/install-deps.sh installs it)"
done
# The file chooser portal's test runs the real xdg-desktop-portal and document portal.
for portal in xdg-desktop-portal xdg-document-portal; do
  [ -x /usr/libexec/$portal ] || die "/usr/libexec/$portal is missing (tools/install-deps.sh installs it)"
done
[ -c /dev/fuse ] || die "/dev/fuse is missing: the document portal needs FUSE"
for exe in hapctl/hapctl simulator/hap-simulator virtual-bluez/hap-virtual-bluez; do
  [ -x "$build/$exe" ] || die "$build/$exe is needed (build it first)"
done
mkdir -p "$cache"
# Scratch locations only: never the caller's own flatpak installations or settings.
export HOME="$work/root-home" XDG_DATA_HOME="$work/root-home/data" XDG_CACHE_HOME="$work/root-home/cache"
# The app's installation and the user's home: a folder uid 65534 can reach, gone at exit.
scratch=$(mktemp -d /var/tmp/hap-flatpak.XXXXXX)
chmod 755 "$scratch"
trap 'rm -rf "$scratch"' EXIT
export XDG_CONFIG_HOME="$work/root-home/config" FLATPAK_USER_DIR="$scratch/user"
unset DBUS_SESSION_BUS_ADDRESS
mkdir -p "$HOME"
total_start=$(date +%s)

# ---- the runtimes: made once per package set, installed once ---------------------------
repo=$(tests/flatpak/make-runtime.sh "$cache") || die "the stand-in runtimes could not be made"
runtime_cache=$(dirname "$repo")
export FLATPAK_SYSTEM_DIR="$runtime_cache/installation"
if [ ! -e "$FLATPAK_SYSTEM_DIR/.ready" ]; then
  rm -rf "$FLATPAK_SYSTEM_DIR"
  { flatpak --system remote-add --no-gpg-verify standin "$repo" &&
    flatpak --system install -y --noninteractive standin org.gnome.Platform//48 org.gnome.Sdk//48
  } > "$work/runtime-install.log" 2>&1 || die "installing the runtimes failed ($work/runtime-install.log)"
  touch "$FLATPAK_SYSTEM_DIR/.ready"
fi
step "runtimes ready"

# ---- the module sources: Debian 13's .orig tarballs -----------------------------------
sources=$cache/sources
if ! tests/flatpak/ci-manifest.py "$manifest" "$sources" "$work/manifest.json" 2> /dev/null; then
  apt_dir=$cache/apt-src
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$sources"
  # A private deb-src list: the host's apt configuration stays as it is.
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${HAP_FLATPAK_MIRROR:-http://deb.debian.org/debian} trixie main" \
    > "$apt_dir/sources.list"
  set -- -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o APT::Sandbox::User=root
  packages=$(tests/flatpak/ci-manifest.py "$manifest" --debian-sources)
  # shellcheck disable=SC2086
  { apt-get "$@" update && (cd "$sources" && apt-get "$@" source --download-only $packages); } \
    > "$work/sources.log" 2>&1 ||
    die "apt-get source failed ($work/sources.log)"
  tests/flatpak/ci-manifest.py "$manifest" "$sources" "$work/manifest.json" ||
    die "the CI manifest could not be written"
fi
step "CI manifest written ($work/manifest.json)"

# ---- build and install ----------------------------------------------------------------
state=$runtime_cache/builder-state
[ "$no_build" = 1 ] || flatpak-builder --disable-rofiles-fuse --disable-download --ccache --force-clean \
  --state-dir="$state" \
  --repo="$work/repo" "$work/build-dir" "$work/manifest.json" > "$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; die "flatpak-builder failed ($work/build.log)"; }
# Each build leaves its app module in the state's cache; only the last one is reused.
[ "$no_build" = 1 ] || ostree --repo="$state/cache" prune --refs-only > /dev/null 2>&1 || true
rm -rf "$work/build-dir"
step "built"
{ flatpak --user remote-add --no-gpg-verify ci "$work/repo" &&
  flatpak --user install -y --noninteractive ci "$app"; } > "$work/install.log" 2>&1 ||
  die "installing the app failed ($work/install.log)"
step "installed"

# ---- run it sandboxed, as uid 65534 ---------------------------------------------------
# The user's home and the host's `hap-simulator ctl` where uid 65534 reaches them (the
# checkout may be under /root).
user_home=$scratch/home
mkdir -p "$user_home" "$scratch/bin" "$scratch/sdk/libhap-glib"
# With the library it links, where its run path ($ORIGIN/../sdk/libhap-glib) finds it.
cp "$build/simulator/hap-simulator" "$scratch/bin/"
cp -P "$build"/sdk/libhap-glib/libhap-glib-1.so "$build"/sdk/libhap-glib/libhap-glib-1.so.0 \
  "$build"/sdk/libhap-glib/libhap-glib-1.so.0.0.0 "$scratch/sdk/libhap-glib/"
chown -R 65534:65534 "$user_home" "$FLATPAK_USER_DIR"
status=0
HAP_FLATPAK_HOME=$user_home HAP_FLATPAK_ARTIFACTS=$artifacts HAP_FLATPAK_MANIFEST=$manifest \
HAP_SIMULATOR=$scratch/bin/hap-simulator HAPCTL=$build/hapctl/hapctl \
HAP_VIRTUAL_BLUEZ=$build/virtual-bluez/hap-virtual-bluez \
HAP_ACCESSORIES_DIR=$checkout/accessories \
  tests/discovery/run-in-namespace.sh /usr/bin/python3 tests/flatpak/test_flatpak.py > "$work/tap.txt" || status=1
cat "$work/tap.txt"
/usr/bin/python3 - "$work/tap.txt" "$testlog" <<'PY'
import json, re, sys
with open(sys.argv[2], "a") as out:
    for line in open(sys.argv[1]):
        m = re.match(r"(ok|not ok) \d+ - (.*)", line)
        if m:
            out.write(json.dumps({"name": "flatpak: " + m.group(2),
                                  "result": "OK" if m.group(1) == "ok" else "FAIL"}) + "\n")
PY
grep -q '^1\.\.[1-9]' "$work/tap.txt" || die "test_flatpak.py printed no plan"
step "tests run"
say "total $(( $(date +%s) - total_start )) s"
exit $status
