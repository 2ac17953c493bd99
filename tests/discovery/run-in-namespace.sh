#!/bin/sh
# Runs a command in a private network and mount namespace: loopback only, a private /run
# with its own D-Bus system bus and avahi-daemon, so nothing leaves the machine and no
# port or service name clashes with the host.
#   run-in-namespace.sh COMMAND…
set -eu
if [ "${HAP_IN_NAMESPACE:-}" != 1 ]; then
  HAP_IN_NAMESPACE=1 exec unshare --net --mount --fork "$0" "$@"
fi
mount -t tmpfs tmpfs /run
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
bus_pid="$(dbus-daemon --system --fork --print-pid 2>/dev/null)"
status=0
"$@" || status=$?
kill "$bus_pid" 2>/dev/null || true
rm -rf "$HAP_NS_DIR"
exit "$status"
