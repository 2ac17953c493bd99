#!/usr/bin/python3
"""Smoke test of `hapctl bench` against a real hap-simulator on 127.0.0.1: every scenario
with small counts, --json and --server-pid; checks the shape of the output, never the
speed. Runs in a private network namespace (meson.build). Prints TAP."""
import json, os, shutil, signal, subprocess, sys, tempfile

SIM = os.environ["HAP_SIMULATOR"]
HAPCTL = os.environ["HAPCTL"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
CODE = "031-45-154"
COUNT = 5
CONNECTIONS = 3
SCENARIOS = ["pair-setup", "pair-verify", "get", "put", "events", "sessions"]
WORK = tempfile.mkdtemp(prefix="hapctl-bench-test-")
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"# FAILED {name}: {detail}", file=sys.stderr)


def start_simulator():
    proc = subprocess.Popen([SIM, "--headless", "--bind", "127.0.0.1", "--setup-code", CODE,
                             "--state-dir", os.path.join(WORK, "state"),
                             os.path.join(ACCESSORIES, "lightbulb.json")],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "sim.log"), "a"), text=True)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("simulator exited before ready")
    return proc, json.loads(line)


def bench(*args, timeout=120):
    return subprocess.run([HAPCTL, "bench", *args], capture_output=True, text=True, timeout=timeout)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def run(sim, ready):
    addr = f"127.0.0.1:{ready['port']}"
    args = [addr, "--setup-code", CODE, "--server-pid", str(sim.pid), "--count", str(COUNT),
            "--connections", str(CONNECTIONS), "--json"]
    for s in SCENARIOS:
        args += ["--scenario", s]
    r = bench(*args)
    check("bench --json exits 0", r.returncode == 0, r.stderr)
    lines = {}
    for text in r.stdout.splitlines():
        try:
            obj = json.loads(text)
        except ValueError:
            check("bench --json prints only JSON lines", False, text)
            continue
        lines[obj.get("scenario")] = obj
    check("one JSON line per scenario", sorted(lines) == sorted(SCENARIOS), r.stdout)

    for s in SCENARIOS:
        obj = lines.get(s, {})
        keys = {"scenario", "count", "median_ms", "p99_ms", "per_second", "server_cpu_us"}
        check(f"{s}: keys", keys <= set(obj), obj)
        check(f"{s}: median and p99 are numbers >= 0, p99 >= median",
              is_number(obj.get("median_ms")) and is_number(obj.get("p99_ms"))
              and obj["p99_ms"] >= obj["median_ms"], obj)
        check(f"{s}: server_cpu_us measured with --server-pid", is_number(obj.get("server_cpu_us")), obj)
        check(f"{s}: per_second is a number >= 0 or null",
              obj.get("per_second") is None or is_number(obj.get("per_second")), obj)
        expected = CONNECTIONS if s == "sessions" else COUNT
        check(f"{s}: count", obj.get("count") == expected, obj)
    sessions = lines.get("sessions", {})
    check("sessions: answered == connections",
          sessions.get("answered") == CONNECTIONS and sessions.get("connections") == CONNECTIONS, sessions)
    check("sessions: server_rss_kb > 0", is_number(sessions.get("server_rss_kb"))
          and sessions["server_rss_kb"] > 0, sessions)
    for s in ("get", "put"):
        check(f"{s}: per_second is a number", is_number(lines.get(s, {}).get("per_second")), lines.get(s))

    # The accessory is left unpaired: a second run can pair again; the table output works.
    r = bench(addr, "--setup-code", CODE, "--count", "2", "--connections", "2", "--scenario", "pair-setup",
              "--scenario", "sessions")
    check("second run (table) exits 0", r.returncode == 0, r.stderr)
    out = r.stdout.splitlines()
    check("table has a header and a row per scenario",
          len(out) == 3 and out[0].startswith("scenario") and out[1].startswith("pair-setup")
          and out[2].startswith("sessions") and "2/2 answered" in out[2], r.stdout)

    r = bench(addr, "--setup-code", "000-00-001", "--count", "1", "--scenario", "pair-verify")
    check("wrong setup code exits 1 with a message", r.returncode == 1 and "hapctl bench" in r.stderr, r.stderr)
    r = bench(addr, "--setup-code", CODE, "--scenario", "nonsense")
    check("unknown scenario exits 2", r.returncode == 2, r.stderr)
    r = bench(addr, "--count", "1")
    check("missing --setup-code exits 2", r.returncode == 2, r.stderr)
    r = bench("127.0.0.1:1", "--setup-code", CODE, "--count", "1", "--scenario", "get")
    check("unreachable accessory exits 1", r.returncode == 1 and r.stderr.strip() != "", r.stderr)


def main():
    sim, ready = start_simulator()
    try:
        run(sim, ready)
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"1..{len(results)}")
    for i, (name, ok) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")


main()
