#!/usr/bin/python3
"""The runner and the descriptor limit: it raises its soft limit to the hard one, and
refuses at once, saying why, when even the hard limit is too low for the workspace.
Prints TAP."""
import json, os, shutil, signal, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "discovery"))
from hap_tap import Tap  # noqa: E402

SIM = os.environ["HAP_SIMULATOR"]
LAMP = os.path.join(os.environ["HAP_ACCESSORIES_DIR"], "lightbulb.json")
WORK = tempfile.mkdtemp(prefix="hap-fdlimit-")
tap = Tap()
check = tap.check


def workspace(n):
    ws = os.path.join(WORK, f"ws-{n}")
    os.makedirs(ws)
    lamp = json.load(open(LAMP))
    for i in range(n):
        lamp["accessories"][0]["name"] = f"Limit {i:03d}"
        with open(os.path.join(ws, f"l{i:03d}.json"), "w") as f:
            json.dump(lamp, f)
    return ws


def run(nofile, ws, tag):
    """Starts the runner under prlimit; returns (exit code or None if it served, stderr, limit seen)."""
    cmd = ["prlimit", f"--nofile={nofile}", SIM, "--headless", "--bind", "127.0.0.1",
           "--state-dir", os.path.join(WORK, f"state-{tag}"), ws]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        return proc.wait(10), proc.stderr.read(), None
    limits = open(f"/proc/{proc.pid}/limits").read()
    soft = next(l.split()[3] for l in limits.splitlines() if l.startswith("Max open files"))
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    return None, "", soft


def test_limits():
    ws = workspace(100)
    code, err, _ = run("300:300", ws, "low")
    check("100 accessories under a hard limit of 300 are refused with exit 1", code == 1, (code, err))
    check("the message names the accessories, the descriptors needed and the limit",
          "100 accessories need about 356 file descriptors" in err and "limit is 300" in err, err)
    code, err, soft = run("64:4096", ws, "raised")
    check("a soft limit below the hard one is raised to it, and the runner serves",
          code is None and soft == "4096", (code, soft, err))


def main():
    tap.run([test_limits])
    return tap.report()


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
