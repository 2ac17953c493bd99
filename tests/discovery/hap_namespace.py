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


def ble_discover(run_hapctl, device_id, want=lambda e: True, tries=20):
    """`hapctl --json discover --ble` (through @run_hapctl, which adds the controller and
    adapter options) until the accessory @device_id shows up as @want wants it; the last
    entry seen, or None."""
    import json
    import time
    entry = None
    for _ in range(tries):
        r = run_hapctl("--json", "discover", "--ble", "--timeout", "1")
        try:
            entries = json.loads(r.stdout) if r.returncode == 0 else []
        except ValueError:
            entries = []
        entry = next((e for e in entries if e["device_id"] == device_id), None)
        if entry is not None and want(entry):
            return entry
        time.sleep(0.3)
    return entry
