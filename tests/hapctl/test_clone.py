#!/usr/bin/python3
"""`hapctl clone` round trips: every real device (tests/data/real-devices) and every sample
accessory is served by hap-simulator, cloned, and the clone equals what was served
(for a real device: its recording, types as written); the clone, served in turn, clones
to the same bytes. Runs in a private network namespace (tests/discovery/run-in-namespace.sh).
Prints TAP."""
import json, os, shutil, signal, subprocess, sys, tempfile

SIM = os.environ["HAP_SIMULATOR"]
HAPCTL = os.environ["HAPCTL"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
REAL_DEVICES = os.environ["HAP_REAL_DEVICES_DIR"]
CODE = "031-45-154"
WORK = tempfile.mkdtemp(prefix="hapctl-clone-")
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"# FAILED {name}: {detail}", file=sys.stderr)


def without_ev(accessories):
    """The database with the per-connection "ev" left out."""
    for acc in accessories:
        for svc in acc["services"]:
            for ch in svc["characteristics"]:
                ch.pop("ev", None)
    return accessories


def first_difference(a, b, path=""):
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: only on one side"
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} != {len(b)} elements"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def stop(proc, name, log):
    """SIGTERM; the simulator exits 0 (under ASan: without leaks or errors)."""
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(10)
    log.close()
    with open(log.name) as f:
        check(f"{name}: hap-simulator exits cleanly", code == 0, f"exit {code}: {f.read()[-2000:]}")


def serve_and_clone(source, name):
    """Serves @source, pairs, clones it into WORK; returns the clone's path and bytes."""
    state = os.path.join(WORK, name + ".state")
    controller = os.path.join(WORK, name + ".controller")
    out = os.path.join(WORK, name + ".clone.json")
    log = open(os.path.join(WORK, name + ".log"), "w")
    proc = subprocess.Popen([SIM, "--headless", "--bind", "127.0.0.1", "--setup-code", CODE,
                             "--state-dir", state, source],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"hap-simulator exited before ready serving {source}")
        addr = f"127.0.0.1:{json.loads(line)['port']}"
        for args in (["pair", addr, CODE], ["clone", addr, out]):
            r = subprocess.run([HAPCTL, "--controller", controller, *args], capture_output=True,
                               text=True, timeout=60)
            if r.returncode != 0:
                raise RuntimeError(f"hapctl {args[0]} failed: {r.stderr}")
    finally:
        stop(proc, name, log)
    with open(out, "rb") as f:
        return out, f.read()


# What each recording gets wrong: hap-simulator warns once per oddity (tests/test-dump.c).
ODDITIES = {"eve_energy": 8, "idevices_switch": 14, "nanoleaf_bulb": 3, "simpleconnect_fan": 22,
            "synthetic_float_minstep": 5}


def round_trip(source, name, expected, oddities=None):
    """Clone of @source equals @expected (a list of accessories); the clone clones to itself."""
    try:
        first, first_bytes = serve_and_clone(source, name)
        if oddities is not None:
            with open(os.path.join(WORK, name + ".log")) as f:
                n = f.read().count("(served as recorded)")
            check(f"{name}: one warning per oddity", n == oddities, f"{n} warnings, expected {oddities}")
        clone = without_ev(json.loads(first_bytes))
        diff = first_difference(expected, clone)
        check(f"{name}: the clone equals what was served", diff is None, diff)
        _, second_bytes = serve_and_clone(first, name + "-again")
        check(f"{name}: the clone, served, clones to the same bytes", second_bytes == first_bytes,
              f"{len(first_bytes)} vs {len(second_bytes)} bytes")
    except Exception as e:  # a failure of the harness is a failed check, not a skip
        check(f"{name}: round trip", False, repr(e))


def served_database(source, name):
    """What hapctl --json accessories prints for @source, as a list of accessories."""
    state = os.path.join(WORK, name + ".state")
    controller = os.path.join(WORK, name + ".controller")
    log = open(os.path.join(WORK, name + ".log"), "w")
    proc = subprocess.Popen([SIM, "--headless", "--bind", "127.0.0.1", "--setup-code", CODE,
                             "--state-dir", state, source],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        addr = f"127.0.0.1:{json.loads(proc.stdout.readline())['port']}"
        subprocess.run([HAPCTL, "--controller", controller, "pair", addr, CODE], check=True,
                       capture_output=True, timeout=60)
        r = subprocess.run([HAPCTL, "--controller", controller, "--json", "accessories", addr],
                           check=True, capture_output=True, text=True, timeout=60)
        return without_ev(json.loads(r.stdout)["accessories"])
    finally:
        stop(proc, name, log)


def main():
    devices = sorted(f for f in os.listdir(REAL_DEVICES) if f.endswith(".json"))
    check("15 real devices", len(devices) == 15, devices)
    for f in devices:
        with open(os.path.join(REAL_DEVICES, f)) as fp:
            recorded = without_ev(json.load(fp))
        round_trip(os.path.join(REAL_DEVICES, f), f[:-5], recorded, ODDITIES.get(f[:-5], 0))

    # The simulator's own samples: a clone is served as the original was.
    for f in ("lightbulb.json", "bridge.json"):
        try:
            served = served_database(os.path.join(ACCESSORIES, f), "served-" + f[:-5])
        except Exception as e:
            check(f"sample {f}: served", False, repr(e))
            continue
        round_trip(os.path.join(ACCESSORIES, f), "sample-" + f[:-5], served)

    # Usage and failures.
    r = subprocess.run([HAPCTL, "clone", "127.0.0.1:1"], capture_output=True, text=True)
    check("clone without FILE is a usage error", r.returncode == 2, r.stderr)
    r = subprocess.run([HAPCTL, "--controller", os.path.join(WORK, "none"), "clone", "127.0.0.1:1",
                        os.path.join(WORK, "x.json")], capture_output=True, text=True, timeout=60)
    check("clone of nothing listening fails", r.returncode == 1 and not os.path.exists(os.path.join(WORK, "x.json")),
          r.stderr)

    shutil.rmtree(WORK, ignore_errors=True)
    print(f"1..{len(results)}")
    for i, (name, ok) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")


main()
