#!/usr/bin/python3
"""sdk/examples/lightbulb.py (libhap-glib through GObject introspection) paired with and
driven by hapctl. Runs inside tests/discovery/run-in-namespace.sh (a private network);
GI_TYPELIB_PATH and LD_LIBRARY_PATH point at the build's sdk/libhap-glib. Prints TAP."""
import json, os, queue, shutil, subprocess, sys, tempfile, threading, time

EXAMPLE = os.environ["HAP_PY_EXAMPLE"]
HAPCTL = os.environ["HAPCTL"]
CODE = "482-91-735"
WORK = tempfile.mkdtemp(prefix="gir-python-test-")
CONTROLLER = os.path.join(WORK, "controller")
results = []
lines = queue.Queue()
seen = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"# FAILED {name}: {detail}", file=sys.stderr)


def hapctl(*args, timeout=30):
    return subprocess.run([HAPCTL, "--controller", CONTROLLER, *args], capture_output=True,
                          text=True, timeout=timeout)


def pump(stream):
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def wait_line(predicate, timeout=10):
    """The first line the example printed (since the last call) that matches."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if predicate(line):
            return line
    return None


def find_iid(tree, ctype):
    for svc in tree["accessories"][0]["services"]:
        for ch in svc["characteristics"]:
            if ch["type"] == ctype:
                return ch["iid"]
    raise KeyError(ctype)


def run():
    proc = subprocess.Popen(["/usr/bin/python3", EXAMPLE, "--state-dir", os.path.join(WORK, "state"),
                             "--setup-code", CODE, "--bind", "127.0.0.1"],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "example.log"), "w"),
                            text=True)
    threading.Thread(target=pump, args=(proc.stdout,), daemon=True).start()
    try:
        services = []
        ready = wait_line(lambda l: (services.append(l) if l.startswith("service ") else None) or
                          l.startswith("Serving "), timeout=30)
        check("the Python example starts", ready is not None,
              open(os.path.join(WORK, "example.log")).read())
        if ready is None:
            return
        check("the Python example walks the tree (services, characteristics)",
              any("Brightness" in s and "On" in s for s in services), services)
        port = int(ready.rsplit(" ", 1)[1])
        addr = f"127.0.0.1:{port}"

        r = hapctl("pair", addr, CODE)
        check("hapctl pairs with the Python accessory", r.returncode == 0, r.stderr)
        check("the pairing-added signal reaches Python",
              wait_line(lambda l: l.startswith("paired with ")) is not None, seen)

        r = hapctl("--json", "accessories", addr)
        tree = json.loads(r.stdout) if r.returncode == 0 else {"accessories": [{"services": []}]}
        check("hapctl reads the accessory database", r.returncode == 0, r.stderr)
        try:
            on, brightness = find_iid(tree, "25"), find_iid(tree, "8")
        except KeyError as e:
            check("the database has On and Brightness", False, e)
            return

        r = hapctl("get", addr, f"1.{brightness}")
        check("get answers from the Python read handler", r.stdout.strip() == f"1.{brightness} = 50",
              r.stdout + r.stderr)
        check("the read handler ran", wait_line(lambda l: l == "read Brightness -> 50") is not None, seen)

        r = hapctl("put", addr, f"1.{on}=true")
        check("put On", r.returncode == 0, r.stderr)
        check("the Python write handler sees On = True",
              wait_line(lambda l: l == "write On = True") is not None, seen)

        r = hapctl("put", addr, f"1.{brightness}=3")
        check("a write the handler refuses fails with its status",
              r.returncode != 0 and "-70410" in r.stderr, r.stdout + r.stderr)
        check("the handler refused it", wait_line(lambda l: l == "refused Brightness = 3") is not None, seen)

        r = hapctl("put", addr, f"1.{brightness}=70")
        check("put Brightness", r.returncode == 0, r.stderr)
        check("the Python write handler sees Brightness = 70",
              wait_line(lambda l: l == "write Brightness = 70") is not None, seen)
        r = hapctl("get", addr, f"1.{brightness}")
        check("get reads back the written value", r.stdout.strip() == f"1.{brightness} = 70", r.stdout)

        r = hapctl("put", addr, f"1.{brightness}=500")
        check("the library still validates before Python sees the value",
              r.returncode != 0 and "-70410" in r.stderr, r.stderr)
        check("the handler did not see the invalid value",
              wait_line(lambda l: "500" in l, timeout=1) is None, seen)
    finally:
        proc.terminate()
        try:
            rc = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        check("the Python example exits cleanly on SIGTERM", rc == 0, rc)


try:
    run()
finally:
    shutil.rmtree(WORK, ignore_errors=True)
print(f"1..{len(results)}")
for i, (name, ok) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
sys.exit(0 if results and all(ok for _, ok in results) else 1)
