"""Helpers for tests that run inside run-in-namespace.sh (private network, /run, bus)."""
import os, subprocess, time


def start_avahi(ns_dir):
    """Starts avahi-daemon with the namespace's config; returns its Popen once it answers."""
    log = open(os.path.join(ns_dir, "avahi.log"), "a")
    proc = subprocess.Popen(["avahi-daemon", "-f", os.path.join(ns_dir, "avahi.conf"), "--no-drop-root",
                             "--no-chroot", "--no-rlimits"], stdout=log, stderr=log)
    for _ in range(100):
        if subprocess.run(["avahi-daemon", "-c"], capture_output=True).returncode == 0:
            return proc
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("avahi-daemon did not start")


def private_bus_config(socket_path):
    """dbus-daemon configuration for a private bus on unix:path=@socket_path on which
    anyone may own any name and eavesdrop: a stand-in system bus for tests (BlueZ's and
    the simulator's names on one bus that nothing else uses)."""
    return f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={socket_path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/> <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def ble_discover(run_hapctl, device_id, want=lambda e: True, seconds=60):
    """`hapctl --json discover --ble` (through @run_hapctl, which adds the controller and
    adapter options) until the accessory @device_id shows up as @want wants it, for up to
    @seconds; the last entry seen, or None. Each scan is longer than the one before (1, 2,
    then 3 s): bluetoothd under QEMU may need more than a second to report, and may take
    tens of seconds to advertise again after a link closed (tests/ble/vm)."""
    import json
    import time
    entry = None
    deadline = time.monotonic() + seconds
    scan = 1
    while True:
        r = run_hapctl("--json", "discover", "--ble", "--timeout", str(scan))
        try:
            entries = json.loads(r.stdout) if r.returncode == 0 else []
        except ValueError:
            entries = []
        found = next((e for e in entries if e["device_id"] == device_id), None)
        if found is not None:
            entry = found
            if want(found):
                return found
        if time.monotonic() >= deadline:
            return entry
        scan = min(scan + 1, 3)
        time.sleep(0.3)
        time.sleep(0.3)
    return entry


def start_private_system_bus(work, log):
    """A dbus-daemon on WORK/bus (private_bus_config) made the system bus of this process
    and its children (DBUS_SYSTEM_BUS_ADDRESS); returns its Popen once it listens. LOG:
    a file for its stderr."""
    socket = os.path.join(work, "bus")
    config = os.path.join(work, "bus.conf")
    with open(config, "w") as f:
        f.write(private_bus_config(socket))
    bus = subprocess.Popen(["dbus-daemon", "--config-file=" + config, "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=log, text=True)
    bus.stdout.readline()
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + socket
    return bus
