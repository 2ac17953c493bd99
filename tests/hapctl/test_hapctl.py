#!/usr/bin/python3
"""hapctl against a real hap-simulator on 127.0.0.1. Runs inside
tests/discovery/run-in-namespace.sh (private network, /run, bus; avahi-daemon started
here as test_discovery.py does). Prints TAP."""
import json, os, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "discovery"))
from hap_namespace import start_avahi  # noqa: E402

SIM = os.environ["HAP_SIMULATOR"]
HAPCTL = os.environ["HAPCTL"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
NS = os.environ["HAP_NS_DIR"]
CODE = "031-45-154"
WORK = tempfile.mkdtemp(prefix="hapctl-test-")
CONTROLLER = os.path.join(WORK, "hapctl", "controller")
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"# FAILED {name}: {detail}", file=sys.stderr)


def hapctl(*args, controller=CONTROLLER, timeout=30):
    return subprocess.run([HAPCTL, "--controller", controller, *args], capture_output=True, text=True,
                          timeout=timeout)


def start_simulator():
    proc = subprocess.Popen([SIM, "--headless", "--bind", "127.0.0.1", "--setup-code", CODE,
                             "--state-dir", os.path.join(WORK, "state"),
                             os.path.join(ACCESSORIES, "lightbulb.json")],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "sim.log"), "a"), text=True)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("simulator exited before ready")
    return proc, json.loads(line)


def find_iid(tree, aid, ctype):
    for acc in tree["accessories"]:
        if acc["aid"] == aid:
            for svc in acc["services"]:
                for ch in svc["characteristics"]:
                    if ch["type"] == ctype:
                        return ch["iid"]
    raise KeyError(ctype)


def discover(ready, paired):
    """hapctl discover --json until the accessory shows up with the expected sf."""
    entry = None
    for _ in range(20):
        out = hapctl("--json", "discover", "--timeout", "2")
        try:
            entries = json.loads(out.stdout) if out.returncode == 0 else []
        except ValueError:
            entries = []
        entry = next((e for e in entries if e["name"] == ready["name"] and e["port"] == ready["port"]), None)
        if entry and entry["paired"] == paired:
            return entry
        time.sleep(0.5)
    return entry


def run(ready):
    addr = f"127.0.0.1:{ready['port']}"

    entry = discover(ready, False)
    check("discover lists the accessory", entry is not None, "not found")
    if entry:
        txt = entry["txt"]
        check("discover TXT id", txt.get("id") == ready["device_id"], txt)
        check("discover TXT sf unpaired", txt.get("sf") == "1" and entry["paired"] is False, txt)
        check("discover TXT ci", txt.get("ci") == "5" and entry["category"].lower() == "lightbulb", entry)
        check("discover TXT md and c#", txt.get("md") and txt.get("c#"), txt)
    text = hapctl("discover", "--timeout", "2")
    check("discover prints name and TXT", ready["name"] in text.stdout and ready["device_id"] in text.stdout,
          text.stdout)

    r = hapctl("pair", addr, "000-00-001" if CODE != "000-00-001" else "111-22-334")
    check("pair with a wrong code fails", r.returncode == 1 and "Authentication" in r.stderr, r.stderr)
    r = hapctl("pair", addr, CODE)
    check("pair", r.returncode == 0 and ready["device_id"] in r.stdout, r.stderr)
    check("controller file is 0600", os.stat(CONTROLLER).st_mode & 0o777 == 0o600)
    entry = discover(ready, True)
    check("discover shows paired", entry is not None and entry["txt"].get("sf") == "0", entry)

    r = hapctl("--json", "accessories", addr)
    tree = json.loads(r.stdout) if r.returncode == 0 else {"accessories": []}
    check("accessories --json", r.returncode == 0 and tree["accessories"][0]["aid"] == 1, r.stderr)
    brightness = find_iid(tree, 1, "8")
    r = hapctl("accessories", addr)
    check("accessories tree", "Lightbulb" in r.stdout and "Brightness" in r.stdout, r.stdout)

    r = hapctl("get", addr, f"1.{brightness}")
    check("get", r.returncode == 0 and r.stdout.startswith(f"1.{brightness} = "), r.stdout + r.stderr)
    r = hapctl("put", addr, f"1.{brightness}=42")
    check("put", r.returncode == 0, r.stderr)
    r = hapctl("get", addr, f"1.{brightness}")
    check("put reads back", r.stdout.strip() == f"1.{brightness} = 42", r.stdout)
    r = hapctl("put", addr, f"1.{brightness}=500")
    check("put invalid value", r.returncode != 0 and "-70410" in r.stderr, r.stderr)

    watch = subprocess.Popen([HAPCTL, "--controller", CONTROLLER, "watch", "--count", "1", addr,
                              f"1.{brightness}"], stdout=subprocess.PIPE, text=True)
    check("watch subscribes", watch.stdout.readline().strip() == "watching")
    r = hapctl("put", addr, f"1.{brightness}=17")
    try:
        out, _ = watch.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        watch.kill()
        out, _ = watch.communicate()
    check("watch receives the event", watch.returncode == 0 and f"1.{brightness} = 17" in out, out)

    r = hapctl("pairings", addr, "list")
    own = open(CONTROLLER).read().split("id=")[1].split("\n")[0]
    check("pairings list", r.returncode == 0 and own in r.stdout and "admin" in r.stdout, r.stdout)
    guest = "0C0FFEE0-0000-4000-8000-00000000BEEF"
    r = hapctl("pairings", addr, "add", guest, "11" * 32, "user")
    check("pairings add", r.returncode == 0, r.stderr)
    r = hapctl("--json", "pairings", addr, "list")
    listed = {p["identifier"]: p for p in json.loads(r.stdout)} if r.returncode == 0 else {}
    check("pairings add shows the user with its key",
          guest in listed and not listed[guest]["admin"] and listed[guest]["public-key"].lower() == "11" * 32,
          r.stdout + r.stderr)
    r = hapctl("pairings", addr, "remove", guest)
    check("pairings remove", r.returncode == 0, r.stderr)
    r = hapctl("pairings", addr, "list")
    check("pairings remove takes it off the list", r.returncode == 0 and guest not in r.stdout, r.stdout)
    r = hapctl("identify", addr)
    check("identify refused when paired", r.returncode == 1 and "-70401" in r.stderr, r.stderr)
    r = hapctl("get", addr)
    check("usage error exits 2", r.returncode == 2, r.stderr)
    r = hapctl("--timeout", "0", "identify", addr)
    check("--timeout 0 is a usage error", r.returncode == 2 and "--timeout" in r.stderr, r.stderr)
    # A listener that accepts and never answers: --timeout bounds the wait.
    import socket
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    started = time.monotonic()
    r = hapctl("--timeout", "1", "identify", f"127.0.0.1:{silent.getsockname()[1]}")
    elapsed = time.monotonic() - started
    silent.close()
    check("--timeout 1 gives up on a silent accessory after about a second",
          r.returncode == 1 and 0.9 <= elapsed < 5, (elapsed, r.stderr))

    copy = os.path.join(WORK, "copy")
    shutil.copy(CONTROLLER, copy)
    r = hapctl("unpair", addr)
    check("unpair", r.returncode == 0, r.stderr)
    r = hapctl("get", addr, f"1.{brightness}", controller=copy)
    check("verify refused after unpair", r.returncode == 1 and "Authentication" in r.stderr, r.stderr)
    r = hapctl("identify", addr)
    check("identify allowed when unpaired", r.returncode == 0, r.stderr)

    with open(copy, "w") as f:
        f.write("[controller\nbroken")
    r = hapctl("pairings", addr, controller=copy)
    check("corrupt controller file is an error naming it", r.returncode == 1 and copy in r.stderr, r.stderr)
    check("corrupt controller file kept", open(copy).read() == "[controller\nbroken")


def run_timed_write():
    """hapctl put --timed against the lock sample, whose Lock Target State has "tw"."""
    ctl = os.path.join(WORK, "lock-controller")
    proc = subprocess.Popen([SIM, "--headless", "--bind", "127.0.0.1", "--setup-code", CODE,
                             "--state-dir", os.path.join(WORK, "lock-state"),
                             os.path.join(ACCESSORIES, "lock.json")],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "lock.log"), "a"), text=True)
    try:
        ready = json.loads(proc.stdout.readline())
        addr = f"127.0.0.1:{ready['port']}"
        r = hapctl("pair", addr, CODE, controller=ctl)
        check("timed write: pair the lock", r.returncode == 0, r.stderr)
        tree = json.loads(hapctl("--json", "accessories", addr, controller=ctl).stdout)
        target = find_iid(tree, 1, "1E")
        r = hapctl("put", addr, f"1.{target}=0", controller=ctl)
        check("timed write: a plain put on a tw characteristic is refused with -70410",
              r.returncode == 1 and "-70410" in r.stderr, r.stderr)
        r = hapctl("put", "--timed", addr, f"1.{target}=0", controller=ctl)
        check("timed write: put --timed succeeds", r.returncode == 0, r.stderr)
        r = hapctl("get", addr, f"1.{target}", controller=ctl)
        check("timed write: the value was written", r.stdout.strip() == f"1.{target} = 0", r.stdout + r.stderr)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def start_hapnode():
    """HAP-NodeJS 1.2.0 (tests/hapnode/accessory.mjs): an accessory we did not write."""
    env = dict(os.environ, NODE_PATH=os.environ["HAPNODE_MODULES"])
    proc = subprocess.Popen(["node", os.environ["HAPNODE_ACCESSORY"], "--bind", "127.0.0.1", "--port", "0",
                             "--pincode", CODE, "--storage", os.path.join(WORK, "hapnode"),
                             "--advertiser", "none"],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "hapnode.log"), "a"),
                            text=True, env=env)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("HAP-NodeJS exited before ready: " + open(os.path.join(WORK, "hapnode.log")).read()[-500:])
    return proc, json.loads(line)


def run_hapnode(ready):
    addr = f"127.0.0.1:{ready['port']}"
    ctl = os.path.join(WORK, "hapnode-controller")

    r = hapctl("pair", addr, "111-22-334", controller=ctl)
    check("HAP-NodeJS: pair with a wrong code fails", r.returncode == 1 and "Authentication" in r.stderr, r.stderr)
    r = hapctl("pair", addr, CODE, controller=ctl)
    check("HAP-NodeJS: pair", r.returncode == 0, r.stderr)
    r = hapctl("--json", "accessories", addr, controller=ctl)
    tree = json.loads(r.stdout) if r.returncode == 0 else {"accessories": []}
    try:
        brightness = find_iid(tree, 1, "8")
    except KeyError:
        check("HAP-NodeJS: accessories lists Brightness", False, r.stdout + r.stderr)
        return
    check("HAP-NodeJS: accessories lists Brightness", True)
    r = hapctl("put", addr, f"1.{brightness}=42", controller=ctl)
    check("HAP-NodeJS: put", r.returncode == 0, r.stderr)
    r = hapctl("get", addr, f"1.{brightness}", controller=ctl)
    check("HAP-NodeJS: get reads back", r.stdout.strip() == f"1.{brightness} = 42", r.stdout + r.stderr)
    r = hapctl("put", addr, f"1.{brightness}=500", controller=ctl)
    check("HAP-NodeJS: put out of range is refused with its status",
          r.returncode != 0 and "-704" in r.stderr, r.stderr)

    watch = subprocess.Popen([HAPCTL, "--controller", ctl, "watch", "--count", "1", addr, f"1.{brightness}"],
                             stdout=subprocess.PIPE, text=True)
    check("HAP-NodeJS: watch subscribes", watch.stdout.readline().strip() == "watching")
    hapctl("put", addr, f"1.{brightness}=17", controller=ctl)
    try:
        out, _ = watch.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        watch.kill()
        out, _ = watch.communicate()
    check("HAP-NodeJS: watch receives the event", watch.returncode == 0 and f"1.{brightness} = 17" in out, out)

    r = hapctl("pairings", addr, "list", controller=ctl)
    own = open(ctl).read().split("id=")[1].split("\n")[0]
    check("HAP-NodeJS: pairings list", r.returncode == 0 and own in r.stdout, r.stdout + r.stderr)
    copy = os.path.join(WORK, "hapnode-copy")
    shutil.copy(ctl, copy)
    r = hapctl("unpair", addr, controller=ctl)
    check("HAP-NodeJS: unpair", r.returncode == 0, r.stderr)
    r = hapctl("get", addr, f"1.{brightness}", controller=copy)
    check("HAP-NodeJS: verify refused after unpair", r.returncode == 1, r.stdout + r.stderr)


def main():
    avahi = start_avahi(NS)
    sim, ready = start_simulator()
    try:
        run(ready)
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)
        avahi.terminate()
        avahi.wait(10)
    try:
        run_timed_write()
    except Exception as e:  # a crash of this part is a failed check, not a skip
        check("timed write: run", False, repr(e))
    node, node_ready = None, None
    try:
        node, node_ready = start_hapnode()
        run_hapnode(node_ready)
    except Exception as e:  # a failure of the harness is a failed check, not a skip
        check("HAP-NodeJS: run", False, repr(e))
    finally:
        if node is not None:
            node.send_signal(signal.SIGTERM)
            node.wait(10)
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"1..{len(results)}")
    for i, (name, ok) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")


main()
