#!/bin/sh
# Makes stand-in org.gnome.Platform//48 and org.gnome.Sdk//48 runtimes from Debian 13
# (trixie) packages, which carry GNOME 48's library generation (GLib 2.84, GTK 4.18,
# libadwaita 1.7): Flathub cannot be reached from CI, the Debian archive can.
#   make-runtime.sh CACHE_DIR
# Prints the path of an OSTree repository holding both runtimes. The repository is kept
# in CACHE_DIR/runtime-KEY, KEY being a hash of this script (package sets and fixes
# included), so a second run only prints the path; the .deb files are kept in
# CACHE_DIR/debs for the next package set. Needs root, mmdebstrap and flatpak.
# Each fix below was found by a failure; its comment says which.
set -eu
cache=$1
mirror=${HAP_FLATPAK_MIRROR:-http://deb.debian.org/debian}
suite=trixie

# The platform: what the app links that the manifest does not build, plus the fonts and
# icons a GNOME runtime has (else the window shows boxes and missing-icon images).
platform_pkgs="libgtk-4-1 libadwaita-1-0 libjson-glib-1.0-0 libgmp10 libpng16-16t64 \
  libdbus-1-3 librsvg2-common fonts-cantarell adwaita-icon-theme"
# The SDK: the platform plus compilers and headers. g++: avahi's configure insists on a
# C++ compiler; libxml2-utils: flatpak-builder's xml-stripblanks runs xmllint;
# appstream-util: flatpak-builder 1.2 runs appstream-compose; locales: `flatpak build`
# sets LC_ALL=en_US.utf8; ccache: flatpak-builder --ccache, so that a rebuild of the app
# module (every run: a "dir" source is never cached) compiles only what changed;
# gettext: the catalogs (po/) and the translated desktop file and metainfo (msgfmt --xml,
# with gettext's own metainfo rules).
sdk_pkgs="$platform_pkgs gcc g++ libc6-dev make autoconf automake libtool patch pkgconf \
  pkg-config meson ninja-build python3 libglib2.0-dev libgtk-4-dev libadwaita-1-dev \
  libjson-glib-dev libgmp-dev libpng-dev libdbus-1-dev libexpat1-dev appstream-util \
  desktop-file-utils libgtk-4-bin libxml2-utils locales ccache gettext"

key=$(sha256sum < "$0" | cut -c1-16)
out=$cache/runtime-$key
if [ -e "$out/.ready" ]; then
  echo "$out/repo"
  exit 0
fi

say () { echo "make-runtime: $*" >&2; }
mkdir -p "$cache/debs"
rm -rf "$out" && mkdir -p "$out"
# Older runtimes (other keys) are 0.5 GB each: keep only this one.
for old in "$cache"/runtime-*; do
  [ "$old" = "$out" ] || rm -rf "$old"
done

# $1 = name (platform|sdk), $2 = packages; leaves $out/$1 laid out as a runtime.
make_tree () {
  name=$1 pkgs=$2
  tree=$out/$name.tree
  say "$name: mmdebstrap $suite ($(echo "$pkgs" | wc -w) packages asked for)"
  extra_hook=true
  # shellcheck disable=SC2016
  [ "$name" = sdk ] && extra_hook='chroot "$1" localedef -i en_US -c -f UTF-8 en_US.UTF-8'
  # shellcheck disable=SC2016 # $1: the hook's argument, the tree
  mmdebstrap --quiet --mode=root --variant=essential \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --include="$(echo "$pkgs" | tr -s ' ' ',')" \
    --skip=download/empty --skip=essential/unlink \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives/' \
    --setup-hook="sync-in $cache/debs /var/cache/apt/archives/" \
    --customize-hook="$extra_hook" \
    --customize-hook="sync-out /var/cache/apt/archives $cache/debs" \
    "$suite" "$tree" "$mirror" > "$out/$name.log" 2>&1 || {
      tail -20 "$out/$name.log" >&2; say "$name: mmdebstrap failed ($out/$name.log)"; exit 1; }
  rt=$out/$name
  mkdir -p "$rt"
  mv "$tree/usr" "$rt/files"
  mv "$tree/etc" "$rt/files/etc"
  rm -rf "$tree"
  f=$rt/files
  # /app/lib first: the manifest's libsodium, libqrencode and avahi over anything Debian's.
  printf '/app/lib\ninclude /etc/ld.so.conf.d/*.conf\n' > "$f/etc/ld.so.conf"
  # flatpak runs ldconfig with PATH=/app/bin:/usr/bin; Debian keeps it in /usr/sbin.
  ln -sf ../sbin/ldconfig "$f/bin/ldconfig"
  # Nothing setuid in a sandbox, and no password hashes in a runtime.
  find "$f" -perm /6000 -type f -exec chmod ug-s {} +
  rm -f "$f"/etc/shadow* "$f"/etc/gshadow*
  # meson installs into /app/lib (not lib/x86_64-linux-gnu) only when the system looks
  # like neither Debian nor a lib64 one: the app's RPATH-less binaries find /app/lib.
  rm -rf "${f:?}/lib64" && ln -s lib/x86_64-linux-gnu "$f/lib64"
  rm -f "$f/etc/debian_version"
  if [ "$name" = sdk ]; then
    id=org.gnome.Sdk
    env='[Environment]
PKG_CONFIG_PATH=/app/lib/pkgconfig:/app/share/pkgconfig
'
  else
    id=org.gnome.Platform
    env=
  fi
  printf '[Runtime]\nname=%s\nruntime=org.gnome.Platform/x86_64/48\nsdk=org.gnome.Sdk/x86_64/48\n\n%s' \
    "$id" "$env" > "$rt/metadata"
  say "$name: $(du -sh "$f" | cut -f1); exporting"
  flatpak build-export --runtime --files=files --no-update-summary "$out/repo" "$rt" 48 \
    > "$out/$name-export.log" 2>&1 || { tail -20 "$out/$name-export.log" >&2; exit 1; }
  rm -rf "$rt"
}

make_tree platform "$platform_pkgs"
make_tree sdk "$sdk_pkgs"
flatpak build-update-repo "$out/repo" > /dev/null
touch "$out/.ready"
say "runtimes ready in $out/repo ($(du -sh "$out/repo" | cut -f1))"
echo "$out/repo"
