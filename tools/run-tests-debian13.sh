#!/bin/sh
# Runs tools/run-tests.sh in a Debian 13 (trixie) root, so that one machine proves both
# Debian 12 (the host) and 13 (GLib 2.84, GTK 4.18, libadwaita 1.7, gcc 14, clang 19).
#
# Usage (as root): tools/run-tests-debian13.sh [--shell]
#   The root is made once with debootstrap from Debian's archive and kept in
#   $HAP_DEBIAN13_CACHE (default ${XDG_CACHE_HOME:-/var/cache}/hap-trixie), with the
#   packages tools/install-deps.sh installs in it, npm's cache and the BLE VM's kernel.
#   Each run copies the checkout into the root (rsync: build directories are kept between
#   runs unless HAP_DEBIAN13_CLEAN=1) and runs tools/run-tests.sh there, which ends with
#   the same "tests: N passed, N failed" line; the screenshots land in
#   artifacts/debian13/screenshots/.
#   HAP_TESTS_SUBSET=ci-debian13 runs the normal build and the ASan+UBSan build of the
#   unit, protocol and simulator suites only (see tools/run-tests.sh).
#   --shell [COMMAND] opens a shell in the copy of the checkout in the root instead (same
#   mounts), or runs COMMAND there, for debugging.
# Needs: debootstrap (installed here when missing), and unshare/chroot from util-linux.
set -eu
cd "$(dirname "$0")/.."
checkout=$(pwd)

cache=${HAP_DEBIAN13_CACHE:-${XDG_CACHE_HOME:-/var/cache}/hap-trixie}
root=$cache/root
mirror=${HAP_DEBIAN13_MIRROR:-http://deb.debian.org/debian}
# Where the checkout is copied to, inside the root.
src=/build/hap-simulator

say () { echo "run-tests-debian13: $*" >&2; }
die () { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run me as root (debootstrap, chroot and mounts need it)"

if [ ! -e "$root/.hap-root-ready" ]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap ||
      die "cannot install debootstrap"
  fi
  say "making a Debian 13 root in $root (once; kept for the next runs)"
  rm -rf "$root.tmp"
  mkdir -p "$cache"
  # rsync copies the checkout in; ca-certificates carries the host's CAs (an intercepting
  # proxy's, for npm) into the root.
  debootstrap --variant=minbase --include=ca-certificates,rsync \
      trixie "$root.tmp" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $cache/debootstrap.log"
  cat > "$root.tmp/etc/apt/sources.list" <<EOF
deb $mirror trixie main
deb $mirror trixie-updates main
deb ${HAP_DEBIAN13_SECURITY_MIRROR:-http://deb.debian.org/debian-security} trixie-security main
EOF
  # No documentation or manual pages in the root: they only cost time and disk.
  cat > "$root.tmp/etc/dpkg/dpkg.cfg.d/01-hap-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
EOF
  touch "$root.tmp/.hap-root-ready"
  mv "$root.tmp" "$root"
fi

# The host's name resolution and certificate authorities, fresh on every run.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mkdir -p "$root/usr/local/share/ca-certificates"
for crt in /usr/local/share/ca-certificates/*.crt; do
  [ -e "$crt" ] && cp "$crt" "$root/usr/local/share/ca-certificates/"
done
mkdir -p "$root/build" "$root/mnt/checkout" "$root/proc" "$root/sys" "$root/dev"

# What runs inside the root: $1 = the command (run-tests or shell).
inner='
set -eu
update-ca-certificates > /dev/null 2>&1 || true
mkdir -p "$HAP_SRC"
[ "${HAP_DEBIAN13_CLEAN:-0}" = 1 ] && rm -rf "$HAP_SRC"
mkdir -p "$HAP_SRC"
# The checkout as it is (uncommitted changes too), without the host'"'"'s build directories
# and npm modules; the root'"'"'s own build directories are kept.
rsync -a --delete --exclude="/_build*" --exclude="/_asan*" --exclude="/_fuzz*" \
  --exclude="/_bench*" --exclude=/_flatpak --exclude=/artifacts --exclude=node_modules --exclude=/.git /mnt/checkout/ "$HAP_SRC/"
cd "$HAP_SRC"
rm -rf artifacts   # the last run'"'"'s screenshots
if [ "$1" = shell ]; then
  [ -n "$2" ] && exec bash -c "$2"
  exec bash -l
fi
exec tools/run-tests.sh
'

# A private mount namespace: the mounts vanish with it, whatever happens.
mode=run-tests
[ "${1:-}" = --shell ] && mode=shell
status=0
unshare --mount --propagation private sh -c '
  set -eu
  root=$1 checkout=$2 mode=$3 inner=$4
  # The root a mount point of its own: the tests'"'"' "unshare --mount" makes "/" private,
  # which fails on a directory that is not one.
  mount --bind "$root" "$root"
  mount --bind "$checkout" "$root/mnt/checkout"
  mount -o remount,bind,ro "$root/mnt/checkout"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  exec chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    ${FUZZ_SECONDS:+FUZZ_SECONDS=$FUZZ_SECONDS} \
    ${HAP_TESTS_SUBSET:+HAP_TESTS_SUBSET=$HAP_TESTS_SUBSET} \
    ${HAP_DEBIAN13_CLEAN:+HAP_DEBIAN13_CLEAN=$HAP_DEBIAN13_CLEAN} \
    HAP_SRC='"$src"' \
    /bin/sh -c "$inner" inner "$mode" "$5"
' unshare "$root" "$checkout" "$mode" "$inner" "${2:-}" || status=$?
[ "$mode" = shell ] && exit $status

# The end-to-end test's screenshots, next to the Debian 12 ones.
if ls "$root$src"/artifacts/screenshots/*.png > /dev/null 2>&1; then
  mkdir -p artifacts/debian13/screenshots
  cp "$root$src"/artifacts/screenshots/*.png artifacts/debian13/screenshots/
  say "screenshots in artifacts/debian13/screenshots/"
fi
exit $status
