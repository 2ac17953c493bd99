#!/bin/sh
# Runs a command in a private network and mount namespace: loopback only, a private /run
# with its own D-Bus system bus and avahi-daemon, so nothing leaves the machine and no
# port or service name clashes with the host.
#   run-in-namespace.sh COMMAND…
# As root it uses the namespaces directly. An ordinary user gets them inside a user
# namespace (unshare --user --map-root-user: root there, the same user outside), which
# needs unprivileged user namespaces (Debian's default since 11).
set -eu
if [ "${HAP_IN_NAMESPACE:-}" != 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    HAP_IN_NAMESPACE=1 exec unshare --net --mount --fork "$0" "$@"
  fi
  HAP_IN_NAMESPACE=1 exec unshare --user --map-root-user --net --mount --fork "$0" "$@"
fi
# Root of a user namespace (ours, or tools/run-tests.sh's for a non-root caller) rather
# than of the machine: only the caller's uid is mapped, and setgroups(2) is denied.
in_user_namespace=0
[ "$(awk '{ print $1, $2, $3 }' /proc/self/uid_map)" = "0 0 4294967295" ] || in_user_namespace=1
mount -t tmpfs tmpfs /run
if [ "$in_user_namespace" = 1 ]; then
  # Only the caller is mapped (as root): avahi-daemon, which gives its runtime directory
  # to the avahi user even with --no-drop-root, finds that user to be root here — in
  # this mount namespace only.
  mkdir /run/hap-ns-etc
  sed -E 's/^(avahi):([^:]*):[0-9]+:[0-9]+:/\1:\2:0:0:/' /etc/passwd > /run/hap-ns-etc/passwd
  sed -E 's/^(avahi):([^:]*):[0-9]+:/\1:\2:0:/' /etc/group > /run/hap-ns-etc/group
  mount --bind /run/hap-ns-etc/passwd /etc/passwd
  mount --bind /run/hap-ns-etc/group /etc/group
fi
mkdir -p /run/dbus /run/avahi-daemon
ip link set lo up
# mDNS over IPv6 does not work on loopback: a veth pair (both ends here) carries it.
echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad
ip link add hapv0 type veth peer name hapv1
ip link set hapv0 up
ip link set hapv1 up
export HAP_NS_DIR="$(mktemp -d)"
cat > "$HAP_NS_DIR/avahi.conf" <<'CONF'
[server]
host-name=hapsim
use-ipv4=yes
use-ipv6=yes
allow-interfaces=lo,hapv0
enable-dbus=yes
ratelimit-interval-usec=0
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
CONF
# Without a PID namespace the bus would outlive the test: stop it when the command ends.
if [ "$in_user_namespace" = 1 ]; then
  # The system bus would switch to its user, which needs setgroups(2), denied in a user
  # namespace: the same configuration without the switch.
  sed -e 's|<user>[^<]*</user>||' \
      -e 's|<includedir>system.d</includedir>|<includedir>/usr/share/dbus-1/system.d</includedir>|' \
      /usr/share/dbus-1/system.conf > "$HAP_NS_DIR/system-bus.conf"
  bus_pid="$(dbus-daemon --config-file="$HAP_NS_DIR/system-bus.conf" --fork --print-pid 2>/dev/null)"
else
  bus_pid="$(dbus-daemon --system --fork --print-pid 2>/dev/null)"
fi
status=0
"$@" || status=$?
kill "$bus_pid" 2>/dev/null || true
rm -rf "$HAP_NS_DIR"
exit "$status"
