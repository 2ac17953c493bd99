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
