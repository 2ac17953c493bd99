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
