#!/usr/bin/python3
"""N copies of the lamp in one hap-simulator, registered with a stock avahi-daemon.

Run it in the discovery tests' namespace (private network, /run, system bus):
    tests/discovery/run-in-namespace.sh bench/mdns-many.py [--build DIR] [--runs 2] N

Starts avahi-daemon with the namespace's configuration, then hap-simulator with N lamp
files (--bind 127.0.0.1) --runs times on one state directory (the first run generates
the identities, the others are restarts). For each run it prints, in seconds from the
start: the last ready line, the last record avahi-daemon established (the advertiser's
debug line), how many ready lines were forced by the simulator's 5 s timeout, the
simulator's and avahi-daemon's RSS and CPU time, and how many _hap._tcp services
`avahi-browse -p` lists in --browse-seconds (it reads avahi-daemon's cache: see
--cache-entries-max). --check makes it a test: exit 1 unless all were.
AVAHI_WRAPPER (e.g. "perf record -g -o /tmp/avahi.data") prefixes avahi-daemon's
command line."""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def start_avahi(ns_dir, wrapper, cache_entries_max):
    """The namespace's avahi-daemon configuration, with @cache_entries_max when given."""
    conf = os.path.join(ns_dir, "avahi.conf")
    if cache_entries_max is not None:
        with open(conf) as f:
            text = f.read().replace("[server]\n", f"[server]\ncache-entries-max={cache_entries_max}\n", 1)
        conf = os.path.join(ns_dir, "avahi-bench.conf")
        with open(conf, "w") as f:
            f.write(text)
    log = open(os.path.join(ns_dir, "avahi.log"), "a")
    cmd = shlex.split(wrapper) + ["avahi-daemon", "-f", conf,
                                  "--no-drop-root", "--no-chroot", "--no-rlimits"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=log)
    for _ in range(200):
        if subprocess.run(["avahi-daemon", "-c"], capture_output=True).returncode == 0:
            return proc
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("avahi-daemon did not start")


def cpu_s(pid):
    """User + system CPU time of @pid so far, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def browse(seconds):
    """Services avahi-browse lists in @seconds (without -t: "all for now" comes before
    thousands of answers are in)."""
    out = subprocess.run(["timeout", str(seconds), "avahi-browse", "-p", "_hap._tcp"],
                         capture_output=True, text=True).stdout
    return len(set(re.findall(r"^\+;lo;IPv4;([^;]*);", out, re.M)))


def avahi_pid():
    for _ in range(100):
        try:
            with open("/run/avahi-daemon/pid") as f:
                return int(f.read())
        except (OSError, ValueError):   # not written yet
            time.sleep(0.05)
    raise RuntimeError("avahi-daemon wrote no pid file")


def run_once(sim, files, state_dir, n, timeout, browse_seconds):
    avahi_cpu_before = cpu_s(avahi_pid())
    env = dict(os.environ, G_MESSAGES_DEBUG="Hap")
    start = time.monotonic()
    proc = subprocess.Popen([sim, "--headless", "--bus", "none", "--bind", "127.0.0.1",
                             "--state-dir", state_dir, "--setup-code", "031-45-154", *files],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    marks = {"ready": 0, "advertised": 0, "forced": 0, "refused": 0,
             "last_ready": None, "last_advertised": None, "warnings": []}
    done = threading.Event()

    def read_stdout():
        for line in proc.stdout:
            if '"event":"ready"' in line:
                marks["ready"] += 1
                marks["last_ready"] = time.monotonic() - start
                if marks["ready"] >= n and marks["advertised"] >= n:
                    done.set()

    def read_stderr():
        for line in proc.stderr:
            if "advertised “" in line:
                marks["advertised"] += 1
                marks["last_advertised"] = time.monotonic() - start
                if marks["ready"] >= n and marks["advertised"] >= n:
                    done.set()
            elif "not advertised after" in line:
                marks["forced"] += 1
            elif "not discoverable" in line:
                marks["refused"] += 1
            elif "WARNING" in line and len(marks["warnings"]) < 5:
                marks["warnings"].append(line.strip())

    threads = [threading.Thread(target=read_stdout, daemon=True),
               threading.Thread(target=read_stderr, daemon=True)]
    for t in threads:
        t.start()
    done.wait(timeout)
    daemon = avahi_pid()
    result = dict(marks, sim_rss_kb=rss_kb(proc.pid), avahi_rss_kb=rss_kb(daemon),
                  sim_cpu=cpu_s(proc.pid), avahi_cpu=cpu_s(daemon) - avahi_cpu_before)
    result["browsed"] = browse(browse_seconds)
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("count", type=int)
    parser.add_argument("--build", default=os.path.join(REPO, "_build"))
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--browse-seconds", type=int, default=20)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 unless every run established and avahi-browse listed every lamp "
                             "(the discovery suite's smoke test of this script)")
    parser.add_argument("--cache-entries-max", type=int,
                        help="avahi-daemon's cache size (default 4,096 records per interface: "
                             "avahi-browse, which reads that cache, lists at most a third as many services)")
    args = parser.parse_args()
    ns_dir = os.environ.get("HAP_NS_DIR")
    if ns_dir is None:
        sys.exit("mdns-many.py: run it through tests/discovery/run-in-namespace.sh")
    failed = False
    work = tempfile.mkdtemp(prefix="hap-mdns-many.", dir="/run")
    avahi = None
    try:
        with open(os.path.join(REPO, "accessories", "lightbulb.json")) as f:
            template = f.read()
        files = []
        for i in range(1, args.count + 1):
            path = os.path.join(work, f"lamp-{i}.json")
            with open(path, "w") as f:
                f.write(template.replace('"Desk Lamp"', f'"Lamp {i}"'))
            files.append(path)
        avahi = start_avahi(ns_dir, os.environ.get("AVAHI_WRAPPER", ""), args.cache_entries_max)
        sim = os.path.join(args.build, "simulator", "hap-simulator")
        for run in range(args.runs):
            r = run_once(sim, files, os.path.join(work, "state"), args.count, args.timeout,
                         args.browse_seconds)
            label = "first start" if run == 0 else "restart"
            fmt = lambda v: "–" if v is None else f"{v:.1f}"
            print(f"{args.count} {label}: {r['ready']} ready (last {fmt(r['last_ready'])} s, "
                  f"{r['forced']} forced by the 5 s timeout), {r['advertised']} established "
                  f"(last {fmt(r['last_advertised'])} s), {r['refused']} refused, "
                  f"simulator RSS {r['sim_rss_kb']} kB CPU {fmt(r['sim_cpu'])} s, avahi-daemon RSS "
                  f"{r['avahi_rss_kb']} kB CPU {fmt(r['avahi_cpu'])} s, avahi-browse -p lists "
                  f"{r['browsed']} in {args.browse_seconds} s", flush=True)
            for w in r["warnings"]:
                print("  " + w, flush=True)
            if r["advertised"] < args.count or r["ready"] < args.count or r["browsed"] < args.count:
                failed = True
    finally:
        if avahi is not None:
            avahi.terminate()
            try:
                avahi.wait(30)
            except subprocess.TimeoutExpired:
                avahi.kill()
        shutil.rmtree(work, ignore_errors=True)
    if args.check and failed:
        sys.exit("mdns-many.py: not every lamp was established, ready and listed")


if __name__ == "__main__":
    main()
