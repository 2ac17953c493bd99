#!/bin/sh
# Installs the Debian 12 or 13 packages this project builds, runs and tests with.
# Safe to re-run; does nothing when everything is present.
set -eu

PACKAGES="meson ninja-build gcc clang pkg-config python3 gettext \
  libglib2.0-dev libglib2.0-dev-bin libjson-glib-dev libsodium-dev libgmp-dev \
  libavahi-client-dev libavahi-glib-dev libqrencode-dev \
  dbus avahi-daemon avahi-utils iproute2 util-linux curl \
  libclang-rt-dev llvm libpng-dev python3-zeroconf zbar-tools \
  libgtk-4-dev libadwaita-1-dev libgtk-4-bin desktop-file-utils appstream libxml2-utils \
  xvfb xauth x11-apps imagemagick at-spi2-core python3-pyatspi python3-gi \
  gir1.2-gtk-4.0 dbus-x11 gsettings-desktop-schemas dconf-service \
  python3-dbus python3-bleak \
  qemu-system-x86 busybox-static cpio kmod bluez bluez-test-tools"
# The last line serves tests/ble/vm: a QEMU guest that boots Debian's kernel (fetched into a
# cache by tests/ble/vm/prepare.sh) and runs the HOST's bluetoothd, btvirt and python3 over 9p.
# tests/ble: the independent HAP-BLE controller (Debian's /usr/bin/python3 with bleak over
# dbus-fast, and cryptography for X25519/Ed25519/ChaCha20-Poly1305/HKDF).
PACKAGES="$PACKAGES python3-cryptography"
# tests/i18n, tests/ui: localedef makes a German locale for the translation tests.
PACKAGES="$PACKAGES locales"
# tests/ui/e2e (ui-e2e-wayland): the app on a Wayland compositor, weston's headless backend.
PACKAGES="$PACKAGES weston"
# tests/flatpak: the Flatpak built with flatpak-builder (which runs eu-strip from elfutils on
# the host) against stand-in GNOME runtimes that mmdebstrap makes from Debian packages,
# and run sandboxed (bubblewrap, xdg-dbus-proxy; ostree prunes flatpak-builder's cache;
# xdg-desktop-portal and its document portal, on FUSE, for the file chooser portal).
PACKAGES="$PACKAGES flatpak flatpak-builder elfutils mmdebstrap xdg-dbus-proxy bubblewrap ostree \
  xdg-desktop-portal fuse3"
# GObject introspection (Hap-1.gir, the Python example and its test) and the HTML
# reference (-Ddocs=true). Both are optional in the build: names that this release's
# archive does not know are left out below rather than failing the install.
OPTIONAL="gobject-introspection libgirepository1.0-dev gi-docgen"
# Node.js may come from elsewhere than Debian (its npm then conflicts with Debian's):
# ask for Debian's only when the commands are missing.
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs"
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

for p in $OPTIONAL; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
     apt-cache show "$p" > /dev/null 2>&1; then
    PACKAGES="$PACKAGES $p"
  else
    echo "install-deps: $p is not in this release's archive; leaving it out" >&2
  fi
done

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "install-deps: missing packages:$missing (run as root, or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another process may hold the dpkg lock for a while on fresh machines.
for attempt in 1 2 3 4 5 6; do
  if apt-get update -q && apt-get install -y -q --no-install-recommends $missing; then
    exit 0
  fi
  echo "install-deps: apt failed (attempt $attempt), retrying in 10 s" >&2
  sleep 10
done
exit 1
