# shellcheck shell=sh
# debian-root.sh — shared by tools/run-tests-debian13.sh and tools/run-tests-arm64.sh
# (sourced, POSIX sh): a Debian root made once with debootstrap and kept in a cache, the
# host's name resolution and certificate authorities copied in on every run, and a
# command run in it with the checkout mounted read-only at /mnt/checkout.
# The caller defines say() and die() and runs as root.

# debian_root_make ROOT SUITE MIRROR SECURITY-MIRROR [PACKAGE,...]
#   Makes ROOT (minbase, with ca-certificates and rsync, and the packages given) unless
#   an earlier run finished it; a half-made root from an interrupted run is started over.
debian_root_make () {
  _root=$1 _suite=$2 _mirror=$3 _security=$4 _include=${5:+,$5}
  [ -e "$_root/.hap-root-ready" ] && return 0
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap ||
      die "cannot install debootstrap"
  fi
  say "making a Debian $_suite root in $_root (once; kept for the next runs)"
  rm -rf "$_root.tmp"
  mkdir -p "$(dirname "$_root")"
  # rsync copies the checkout in; ca-certificates carries the host's CAs (an intercepting
  # proxy's, for npm and apt) into the root.
  debootstrap --variant=minbase --include="ca-certificates,rsync$_include" \
      "$_suite" "$_root.tmp" "$_mirror" > "$_root.debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $_root.debootstrap.log"
  cat > "$_root.tmp/etc/apt/sources.list" <<EOF
deb $_mirror $_suite main
deb $_mirror $_suite-updates main
deb $_security $_suite-security main
EOF
  # No documentation or manual pages in the root: they only cost time and disk.
  cat > "$_root.tmp/etc/dpkg/dpkg.cfg.d/01-hap-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
EOF
  touch "$_root.tmp/.hap-root-ready"
  mv "$_root.tmp" "$_root"
}

# debian_root_refresh ROOT
#   The host's name resolution and certificate authorities, fresh on every run (the
#   command run in the root calls update-ca-certificates).
debian_root_refresh () {
  cp -L /etc/resolv.conf "$1/etc/resolv.conf"
  mkdir -p "$1/usr/local/share/ca-certificates"
  for _crt in /usr/local/share/ca-certificates/*.crt; do
    [ -e "$_crt" ] && cp "$_crt" "$1/usr/local/share/ca-certificates/"
  done
  mkdir -p "$1/build" "$1/mnt/checkout" "$1/proc" "$1/sys" "$1/dev" "$1/.hap-old-root"
}

# debian_root_run ROOT CHECKOUT [NAME=VALUE...] COMMAND [ARG...]
#   Runs COMMAND in ROOT with a clean environment (PATH, HOME, LANG, TERM and the
#   NAME=VALUE given), CHECKOUT read-only at /mnt/checkout, /proc, /sys and /dev. The
#   mounts live in a private mount namespace: they vanish with it, whatever happens.
#   ROOT becomes that namespace's "/" (pivot_root, not chroot): in a chroot the kernel
#   refuses new user namespaces, which tools/cross/in-binfmt-ns.py needs.
debian_root_run () {
  unshare --mount --propagation private sh -c '
    set -eu
    root=$1 checkout=$2
    shift 2
    # The root a mount point of its own: pivot_root needs one, and so does the tests'"'"'
    # "unshare --mount", which makes "/" private.
    mount --bind "$root" "$root"
    mount --bind "$checkout" "$root/mnt/checkout"
    mount -o remount,bind,ro "$root/mnt/checkout"
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    cd "$root"
    pivot_root . .hap-old-root
    cd /
    # The host'"'"'s file systems out of reach (umount: the root'"'"'s own, from here on).
    umount -l /.hap-old-root
    exec /usr/bin/env -i \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
  ' debian-root "$@"
}

# debian_root_sync_checkout DEST (inside the root)
#   Copies the checkout at /mnt/checkout to DEST as it is (uncommitted changes too),
#   without the host's build directories, npm modules and artifacts; DEST's own build
#   directories are kept between runs.
debian_root_sync_checkout () {
  mkdir -p "$1"
  rsync -a --delete --exclude="/_build*" --exclude="/_asan*" --exclude="/_fuzz*" \
    --exclude="/_bench*" --exclude=/_flatpak --exclude=/artifacts --exclude=node_modules \
    --exclude=/.git /mnt/checkout/ "$1/"
}
