#!/usr/bin/python3
"""`hap-simulator ctl` and the D-Bus control API against a real hap-simulator on a private
dbus-daemon, talking HAP to it with hapctl and raw sockets. Runs inside
tests/discovery/run-in-namespace.sh (private network). Prints TAP.

  test_ctl.py                  the API, command by command
  test_ctl.py --workspace-200  200 accessory files in one folder served by one process
"""
import base64, hashlib, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

SIM = os.environ["HAP_SIMULATOR"]
HAPCTL = os.environ["HAPCTL"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
WORK = tempfile.mkdtemp(prefix="hap-ctl-test-")
CONTROLLER = os.path.join(WORK, "controller")
BUS = None
MONITOR_LOG = os.path.join(WORK, "monitor.log")
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"# FAILED {name}: {str(detail)[:2000]}", file=sys.stderr)
    return bool(cond)


def ctl(*args, bus=None, timeout=30):
    return subprocess.run([SIM, "ctl", "--bus", bus or BUS, *args], capture_output=True, text=True,
                          timeout=timeout)


def ctl_json(*args):
    r = ctl("--json", *args)
    try:
        return json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        return None


def hapctl(*args, timeout=30):
    return subprocess.run([HAPCTL, "--controller", CONTROLLER, *args], capture_output=True, text=True,
                          timeout=timeout)


def start_bus():
    """A private session bus; its address goes to the simulator and to every ctl call."""
    proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                            stdout=subprocess.PIPE, text=True)
    address = proc.stdout.readline().strip()
    if not address:
        raise RuntimeError("dbus-daemon did not start")
    return proc, address


def start_simulator(*paths, name="sim"):
    log = open(os.path.join(WORK, name + ".log"), "a")
    return subprocess.Popen([SIM, "--headless", "--bus", BUS, "--state-dir", os.path.join(WORK, name + "-state"),
                             *paths], stdout=log, stderr=log)


def stop_process(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


def raw_request(port, request, timeout=10):
    """Plaintext HTTP on a fresh connection; returns the bytes up to the end of the headers."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


IDENTIFY = b"POST /identify HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"


def refuses(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        return False
    except ConnectionRefusedError:
        return True


def accessory(listing, aid):
    return next((a for a in listing or [] if a["id"] == aid), None)


def wait_for(predicate, timeout=15, step=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(step)


def controller_identity():
    """(pairing id, Ed25519 public key) of hapctl's controller file (hap-controller.c layout)."""
    ident, key = None, None
    for line in open(CONTROLLER):
        if line.startswith("id="):
            ident = line[3:].strip()
        elif line.startswith("secret-key="):
            key = base64.b64decode(line[len("secret-key="):].strip())[32:]
    return ident, key


def parse_monitor(text):
    """dbus-monitor output → [(member, [argument lines])]."""
    signals = []
    for line in text.splitlines():
        m = re.match(r"signal .*interface=io\.github\.hapsim\.Simulator1; member=(\w+)", line)
        if m:
            signals.append((m.group(1), []))
        elif signals and line.startswith("   "):
            signals[-1][1].append(line.strip())
    return signals


# ---- parts of the main run ---------------------------------------------------------------

def run_usage():
    r = subprocess.run([SIM, "ctl", "--help"], capture_output=True, text=True, timeout=10)
    commands = ["list", "add", "remove", "stop", "start", "power-cycle", "restart", "chars", "get", "set",
                "identify", "identify-log", "setup", "pairings", "unpair", "factory-reset", "sessions",
                "quirks", "quirk", "trace", "wait", "ble", "adapters", "transports", "adapter"]
    missing = [c for c in commands if not re.search(rf"^  {re.escape(c)}\b", r.stdout, re.M)]
    check("--help lists every command", r.returncode == 0 and not missing, missing or r.stderr)
    check("--help has examples", "Examples:" in r.stdout and "ctl set " in r.stdout, r.stdout)
    r = subprocess.run([SIM, "ctl", "frobnicate"], capture_output=True, text=True, timeout=10)
    check("unknown command exits 2", r.returncode == 2 and "frobnicate" in r.stderr, r.stderr)
    r = subprocess.run([SIM, "ctl", "--bus", BUS, "get", "x"], capture_output=True, text=True, timeout=10)
    check("missing argument exits 2", r.returncode == 2 and "usage" in r.stderr, r.stderr)
    r = subprocess.run([SIM, "ctl", "--bus", BUS, "trace", "x", "--since", "abc"], capture_output=True,
                       text=True, timeout=10)
    check("bad number exits 2", r.returncode == 2, r.stderr)
    start = time.monotonic()
    r = ctl("--name", "io.github.hapsim.Nobody", "wait", "--timeout", "1")
    check("wait times out when the name is not on the bus",
          r.returncode == 1 and "timed out" in r.stderr and time.monotonic() - start < 10, r.stderr)
    r = ctl("--name", "io.github.hapsim.Nobody", "list")
    check("a D-Bus error prints 'hap-simulator ctl: MESSAGE' and exits 1",
          r.returncode == 1 and r.stderr.startswith("hap-simulator ctl: ") and "GDBus.Error" not in r.stderr,
          r.stderr)


def run_introspection():
    """The XML in the source tree is the API's documentation: every method and signal
    is documented there, and the running object introspects as exactly that."""
    import xml.etree.ElementTree as ET
    path = os.path.join(os.environ["HAP_SOURCE_ROOT"], "simulator", "io.github.hapsim.Simulator1.xml")
    text = open(path).read()
    iface = ET.fromstring(text).find("interface")
    members = [(e.tag, e.get("name")) for e in iface if e.tag in ("method", "signal")]
    undocumented = [name for tag, name in members
                    if not re.search(rf"<!--(?:(?!-->).)*-->\s*<{tag} name=\"{name}\"", text, re.S)]
    check("every method and signal has a comment in the XML", members and not undocumented, undocumented)
    r = subprocess.run(["dbus-send", f"--bus={BUS}", "--print-reply=literal", "--dest=io.github.hapsim.Simulator",
                        "/io/github/hapsim/Simulator", "org.freedesktop.DBus.Introspectable.Introspect"],
                       capture_output=True, text=True, timeout=10)
    live = set()
    if r.returncode == 0:
        node = ET.fromstring(r.stdout.strip())
        live_iface = next((i for i in node.findall("interface") if i.get("name") == "io.github.hapsim.Simulator1"),
                          [])
        live = {(e.tag, e.get("name")) for e in live_iface if e.tag in ("method", "signal")}
    check("the object introspects as the XML", r.returncode == 0 and live == set(members),
          set(members) ^ live or r.stderr)


def run_list():
    listing = ctl_json("list")
    check("list --json gives both accessories",
          listing is not None and [a["id"] for a in listing] == ["lightbulb", "outlet"], listing)
    bulb = accessory(listing, "lightbulb")
    outlet = accessory(listing, "outlet")
    if not check("list --json: lightbulb and outlet present", bulb and outlet, listing):
        return None, None
    check("list: name", bulb["name"].startswith("Desk Lamp") and outlet["name"].startswith("Coffee Machine"), listing)
    check("list: device-id", re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", bulb["device-id"]) is not None and
          bulb["device-id"] != outlet["device-id"], listing)
    check("list: port", isinstance(bulb["port"], int) and bulb["port"] > 0 and bulb["port"] != outlet["port"],
          listing)
    check("list: state", bulb["state"] in ("running", "advertised"), bulb)
    check("list: unpaired, no sessions", bulb["paired"] is False and bulb["sessions"] == 0, bulb)
    check("list: category", bulb["category"] == 5 and outlet["category"] == 7, listing)
    check("list: file", bulb["file"] == os.path.join(ACCESSORIES, "lightbulb.json"), bulb)
    check("list: bridged and quirks", bulb["bridged"] == 0 and bulb["quirks"] == [] and
          isinstance(bulb["connections"], int), bulb)
    check("list: transports", bulb["transports"] == ["ip"] and outlet["transports"] == ["ip"], listing)
    r = ctl("list")
    check("list prints a table", r.returncode == 0 and r.stdout.startswith("ID") and "lightbulb" in r.stdout and
          bulb["device-id"] in r.stdout, r.stdout + r.stderr)
    return bulb, outlet


def run_pairing(bulb):
    setup = ctl_json("setup", "lightbulb")
    check("setup --json", setup is not None and re.fullmatch(r"\d{3}-\d{2}-\d{3}", setup.get("setup-code", "")) and
          setup["setup-payload"].startswith("X-HM://") and len(setup["setup-id"]) == 4, setup)
    if not setup:
        return None
    r = ctl("setup", "lightbulb")
    check("setup prints the code", r.returncode == 0 and setup["setup-code"] in r.stdout, r.stdout)
    addr = f"127.0.0.1:{bulb['port']}"
    before = int(time.time())
    r = hapctl("pair", addr, setup["setup-code"])
    check("hapctl pairs with the code from ctl setup", r.returncode == 0, r.stderr)
    ident, key = controller_identity()
    pairings = ctl_json("pairings", "lightbulb")
    check("pairings --json lists the controller",
          pairings is not None and len(pairings) == 1 and pairings[0]["controller-id"] == ident and
          pairings[0]["admin"] is True, pairings)
    if pairings:
        expected = ":".join(f"{b:02x}" for b in hashlib.sha256(key).digest()[:16])
        check("pairings: fingerprint is SHA-256 of the public key", pairings[0]["fingerprint"] == expected,
              (pairings[0]["fingerprint"], expected))
        check("pairings: added time", before - 2 <= pairings[0]["added"] <= time.time() + 2, pairings[0])
    r = ctl("pairings", "lightbulb")
    check("pairings prints a table", r.returncode == 0 and ident in r.stdout, r.stdout)
    check("list shows paired", accessory(ctl_json("list"), "lightbulb")["paired"] is True)
    return setup["setup-code"]


def run_values(bulb):
    chars = ctl_json("chars", "lightbulb")
    by_type = {c["type"]: c for c in chars or []}
    check("chars --json", "On" in by_type and "Brightness" in by_type and "Name" in by_type, chars)
    if "Brightness" not in by_type:
        return None
    b = by_type["Brightness"]
    check("chars: fields", b["aid"] == 1 and b["service"] == "Lightbulb" and b["format"] == "int" and
          set(b["perms"]) >= {"pr", "pw", "ev"} and b["unit"] == "percentage" and b["min"] == 0 and
          b["max"] == 100 and b["value"] == 75, b)
    check("chars: bool value", by_type["On"]["value"] is True and by_type["On"]["format"] == "bool", by_type["On"])
    r = ctl("chars", "lightbulb")
    check("chars prints a table", r.returncode == 0 and "Brightness" in r.stdout and "percentage" in r.stdout,
          r.stdout)
    iid = b["iid"]
    addr = f"127.0.0.1:{bulb['port']}"

    r = ctl("set", "lightbulb", "Lightbulb/Brightness", "42")
    check("set by name", r.returncode == 0, r.stderr)
    r = ctl("get", "lightbulb", f"1.{iid}")
    check("get by aid.iid", r.returncode == 0 and r.stdout.strip() == "42", r.stdout + r.stderr)
    r = hapctl("get", addr, f"1.{iid}")
    check("a controller reads the value set through ctl", r.stdout.strip() == f"1.{iid} = 42", r.stdout + r.stderr)
    r = hapctl("put", addr, f"1.{iid}=33")
    check("a controller's write shows in ctl get", r.returncode == 0 and
          ctl("get", "lightbulb", "Lightbulb/Brightness").stdout.strip() == "33", r.stderr)
    r = ctl("set", "lightbulb", "Lightbulb/Brightness", "42")
    r = ctl("set", "lightbulb", "Lightbulb/On", "false")
    check("set a bool", r.returncode == 0 and ctl("get", "lightbulb", "Lightbulb/On").stdout.strip() == "false",
          r.stderr)
    r = ctl("set", "lightbulb", f"1.{iid}", "500")
    check("set out of range: exit 1, InvalidArgument message stripped",
          r.returncode == 1 and r.stderr.startswith("hap-simulator ctl: ") and "GDBus.Error" not in r.stderr, r.stderr)
    check("out-of-range value not stored", ctl("get", "lightbulb", f"1.{iid}").stdout.strip() == "42")
    r = ctl("get", "nosuch", "1.1")
    check("unknown accessory: exit 1", r.returncode == 1 and "nosuch" in r.stderr, r.stderr)
    r = ctl("get", "lightbulb", "Lightbulb/Nonsense")
    check("unknown characteristic: exit 1", r.returncode == 1, r.stderr)
    r = ctl("get", bulb["device-id"], f"1.{iid}")
    check("the device ID works as an id", r.returncode == 0 and r.stdout.strip() == "42", r.stderr)

    # A subscribed controller gets an event for a value set through the API.
    watch = subprocess.Popen([HAPCTL, "--controller", CONTROLLER, "watch", "--count", "1", addr, f"1.{iid}"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check("hapctl watch subscribes", watch.stdout.readline().strip() == "watching")
    ident, _ = controller_identity()
    sessions = ctl_json("sessions", "lightbulb") or []
    mine = [s for s in sessions if s["controller-id"] == ident]
    check("sessions --json shows the verified session with its subscription",
          len(mine) == 1 and mine[0]["secured"] is True and f"1.{iid}" in mine[0]["subscriptions"] and
          mine[0]["established"] >= mine[0]["connected"] > 0 and mine[0]["requests"] >= 1 and
          mine[0]["bytes-in"] > 0 and mine[0]["bytes-out"] > 0 and mine[0]["peer"].startswith("127.0.0.1:"),
          sessions)
    check("list counts the session", accessory(ctl_json("list"), "lightbulb")["sessions"] >= 1)
    r = ctl("sessions", "lightbulb")
    check("sessions prints a table", r.returncode == 0 and ident in r.stdout, r.stdout)
    r = ctl("set", "lightbulb", f"1.{iid}", "17")
    try:
        out, err = watch.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        watch.kill()
        out, err = watch.communicate()
    check("the subscribed controller receives the event", watch.returncode == 0 and f"1.{iid} = 17" in out,
          out + err)
    return iid


def pick_latency_quirk(catalog):
    """A fault quirk that delays answers, with its milliseconds parameter."""
    for q in catalog or []:
        if not re.search(r"latency|delay|slow", q["name"]):
            continue
        ms = next((p for p in q["params"] if "ms" in p["name"] and p["type"] in ("uint", "int", "double")), None)
        if ms is None:
            continue
        params = {ms["name"]: 1500}
        for p in q["params"]:
            # Make it apply to every request if it is probabilistic.
            if re.search(r"prob|percent|chance|every", p["name"]) and "max" in p:
                params[p["name"]] = p["max"]
        return q, params
    return None, None


def run_quirks(bulb, iid):
    catalog = ctl_json("quirks")
    check("quirks --json: the catalog", catalog and all(
        {"name", "layer", "description", "catalog-row", "params"} <= set(q) and
        all({"name", "type", "description", "default"} <= set(p) for p in q["params"]) for q in catalog), catalog)
    check("quirk names are kebab-case with a layer prefix",
          catalog and all(re.fullmatch(r"(txt|http|tlv|json|val|ev|fault|ble)-[a-z0-9-]+", q["name"]) for q in catalog),
          [q["name"] for q in catalog or []])
    with open(os.path.join(os.environ["HAP_SOURCE_ROOT"], "simulator", "QUIRKS.md")) as f:
        documented = re.findall(r"^\| `([a-z0-9-]+)` \| (\d+) \|", f.read(), re.M)
    check("simulator/QUIRKS.md lists exactly the catalog (regenerate it from ctl quirks --json)",
          catalog and documented == [(q["name"], str(q["catalog-row"])) for q in catalog],
          sorted(set(documented) ^ set((q["name"], str(q["catalog-row"])) for q in catalog or [])))
    r = ctl("quirks")
    check("quirks prints a table", r.returncode == 0 and r.stdout.startswith("NAME"), r.stdout + r.stderr)
    quirk, params = pick_latency_quirk(catalog)
    if not check("the catalog has a latency fault to toggle", quirk is not None,
                 [q["name"] for q in catalog or []]):
        return
    addr = f"127.0.0.1:{bulb['port']}"

    def timed_get():
        start = time.monotonic()
        r = hapctl("get", addr, f"1.{iid}", timeout=60)
        return time.monotonic() - start, r

    base, r = timed_get()
    check("get before the quirk", r.returncode == 0, r.stderr)
    args = [f"{k}={v}" for k, v in params.items()]
    r = ctl("quirk", "lightbulb", quirk["name"], "on", *args)
    check(f"quirk {quirk['name']} on", r.returncode == 0, r.stderr)
    enabled = ctl_json("quirks", "lightbulb")
    check("quirks ID --json shows it with its parameters",
          enabled and enabled[0]["name"] == quirk["name"] and
          all(enabled[0]["params"].get(k) == v for k, v in params.items()), enabled)
    check("list shows the quirk", accessory(ctl_json("list"), "lightbulb")["quirks"] == [quirk["name"]])
    slow, r = timed_get()
    check("the quirk delays the next request", r.returncode == 0 and slow >= 1.4 and slow > base + 1.0,
          (base, slow, r.stderr))
    r = ctl("quirk", "lightbulb", quirk["name"], "off")
    check("quirk off", r.returncode == 0, r.stderr)
    fast, r = timed_get()
    check("off again: no delay", r.returncode == 0 and fast < 1.0, (fast, r.stderr))
    check("quirks ID empty again", ctl_json("quirks", "lightbulb") == [])
    r = ctl("quirk", "lightbulb", "no-such-quirk", "on")
    check("unknown quirk: exit 1", r.returncode == 1 and "no-such-quirk" in r.stderr, r.stderr)
    r = ctl("quirk", "lightbulb", quirk["name"], "on", "no-such-param=1")
    check("unknown parameter: exit 1", r.returncode == 1 and "no-such-param" in r.stderr, r.stderr)
    r = ctl("quirk", "lightbulb", quirk["name"], "maybe")
    check("quirk usage error exits 2", r.returncode == 2, r.stderr)


def run_trace(bulb, outlet, code):
    r = ctl("trace", "lightbulb")
    lines = r.stdout.splitlines()
    entries = []
    try:
        entries = [json.loads(line) for line in lines]
    except ValueError as e:
        check("trace lines are JSON", False, e)
    check("trace prints JSON lines", r.returncode == 0 and len(entries) > 0, r.stderr)
    check("trace: seq increases", all(a["seq"] < b["seq"] for a, b in zip(entries, entries[1:])))
    check("trace holds the controller's GET /characteristics",
          any(e.get("kind") == "request" and e.get("method") == "GET" and e.get("path") == "/characteristics"
              for e in entries), lines[-20:])
    tlvs = [t for e in entries for t in e.get("tlv", [])]
    redacted = [t for t in tlvs if t.get("redacted")]
    check("trace: pairing TLVs are decoded", len(tlvs) > 0 and any(t.get("type") == "State" for t in tlvs), tlvs[:10])
    check("trace: secrets are redacted to their lengths",
          len(redacted) > 0 and all("value" not in t and t.get("length", 0) > 0 for t in redacted) and
          {"PublicKey", "Proof", "EncryptedData"} & {t.get("type") for t in redacted}, redacted[:10])
    check("trace: no setup code anywhere", code is not None and code not in r.stdout and
          code.replace("-", "") not in r.stdout)
    last = entries[-1]["seq"] if entries else 0

    r = ctl("trace", "lightbulb", "--since", str(entries[0]["seq"] if entries else 0), "--max", "2")
    got = [json.loads(line) for line in r.stdout.splitlines()]
    check("trace --since --max", r.returncode == 0 and len(got) == 2 and entries and
          got[0]["seq"] > entries[0]["seq"], r.stdout)

    # --follow prints entries as they are recorded. --max 1 bounds what the backlog can
    # give, so the second line can only come from a TraceEntry signal.
    follow = subprocess.Popen([SIM, "ctl", "--bus", BUS, "trace", "lightbulb", "--follow", "--since", str(last),
                               "--max", "1", "--count", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    # Traffic until the follower has its lines (it subscribes asynchronously).
    deadline = time.monotonic() + 15
    while follow.poll() is None and time.monotonic() < deadline:
        raw_request(bulb["port"], IDENTIFY)
        time.sleep(0.3)
    try:
        out, err = follow.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        follow.kill()
        out, err = follow.communicate()
    followed = out.splitlines()
    ok = follow.returncode == 0 and len(followed) == 2
    check("trace --follow --count 2 prints two new lines and exits", ok, out + err)
    if ok:
        seqs = [json.loads(line)["seq"] for line in followed]
        check("trace --follow: the lines are new and in order", last < seqs[0] < seqs[1], seqs)

    def trace_signals():
        time.sleep(0.5)
        return sum(1 for m, _ in parse_monitor(open(MONITOR_LOG).read()) if m == "TraceEntry")

    seen = trace_signals()
    check("TraceEntry signals were emitted while followed", seen > 0, seen)
    raw_request(bulb["port"], IDENTIFY)
    check("no TraceEntry once the follower stopped following", trace_signals() == seen)
    # A follower that dies without unfollowing must not keep the signals going.
    follow = subprocess.Popen([SIM, "ctl", "--bus", BUS, "trace", "lightbulb", "--follow", "--max", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    follow.stdout.readline()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and trace_signals() == seen:
        raw_request(bulb["port"], IDENTIFY)
    seen = trace_signals()
    check("a new follower gets signals again", seen > 0)
    follow.kill()
    follow.wait()
    time.sleep(0.5)
    seen = trace_signals()
    raw_request(bulb["port"], IDENTIFY)
    check("no TraceEntry once the follower left the bus", trace_signals() == seen)

    r = ctl("trace", "lightbulb", "--clear")
    check("trace --clear prints, then clears", r.returncode == 0 and len(r.stdout.splitlines()) > 0, r.stderr)
    r = ctl("trace", "lightbulb")
    check("trace empty after --clear", r.returncode == 0 and r.stdout == "", r.stdout)
    raw_request(bulb["port"], IDENTIFY)
    r = ctl("trace", "lightbulb")
    seqs = [json.loads(line)["seq"] for line in r.stdout.splitlines()]
    check("after --clear new entries are traced, seq keeps counting", seqs and min(seqs) > last, r.stdout)


def run_identify(outlet):
    r = ctl("identify", "outlet")
    check("identify", r.returncode == 0, r.stderr)
    reply = raw_request(outlet["port"], IDENTIFY)
    check("unpaired POST /identify answers 204", reply.startswith(b"HTTP/1.1 204"), reply)
    log = wait_for(lambda: (lambda l: l if l and len(l) >= 2 else None)(ctl_json("identify-log", "outlet")), 5)
    check("identify-log --json: api then controller",
          log and [e["source"] for e in log][-2:] == ["api", "controller"] and
          log[-1]["accessory"].startswith("Coffee Machine") and log[-1]["time"] >= log[-2]["time"] > 0, log)
    r = ctl("identify-log", "outlet")
    check("identify-log prints a table", r.returncode == 0 and "controller" in r.stdout and "api" in r.stdout,
          r.stdout)


def run_unpair(bulb, iid):
    addr = f"127.0.0.1:{bulb['port']}"
    ident, _ = controller_identity()
    watch = subprocess.Popen([HAPCTL, "--controller", CONTROLLER, "watch", addr, f"1.{iid}"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check("watch before unpair", watch.stdout.readline().strip() == "watching")
    r = ctl("unpair", "lightbulb", ident)
    check("unpair", r.returncode == 0, r.stderr)
    try:
        watch.wait(15)
    except subprocess.TimeoutExpired:
        watch.kill()
        watch.wait()
    check("the removed controller's session closes (hapctl watch ends with an error)",
          watch.returncode not in (0, None) and watch.returncode != -signal.SIGKILL, watch.returncode)
    sessions = ctl_json("sessions", "lightbulb") or []
    check("no session of the removed controller", all(s["controller-id"] != ident for s in sessions), sessions)
    check("pairings empty after unpair", ctl_json("pairings", "lightbulb") == [])
    check("list shows unpaired", accessory(ctl_json("list"), "lightbulb")["paired"] is False)
    r = ctl("unpair", "lightbulb", ident)
    check("unpairing again: exit 1, no pairing", r.returncode == 1 and "no pairing" in r.stderr, r.stderr)
    r = subprocess.run(["dbus-send", f"--bus={BUS}", "--print-reply", "--dest=io.github.hapsim.Simulator",
                        "/io/github/hapsim/Simulator", "io.github.hapsim.Simulator1.RemovePairing",
                        "string:lightbulb", f"string:{ident}"], capture_output=True, text=True, timeout=10)
    check("D-Bus error name NotFound", "io.github.hapsim.Simulator1.Error.NotFound" in r.stderr, r.stderr)
    r = subprocess.run(["dbus-send", f"--bus={BUS}", "--print-reply", "--dest=io.github.hapsim.Simulator",
                        "/io/github/hapsim/Simulator", "io.github.hapsim.Simulator1.SetValue",
                        "string:lightbulb", "string:Lightbulb/Brightness", "variant:int32:500"],
                       capture_output=True, text=True, timeout=10)
    check("D-Bus error name InvalidArgument", "io.github.hapsim.Simulator1.Error.InvalidArgument" in r.stderr,
          r.stderr)


def run_lifecycle(outlet):
    port = outlet["port"]
    r = ctl("stop", "outlet")
    check("stop", r.returncode == 0, r.stderr)
    check("stopped: state", accessory(ctl_json("list"), "outlet")["state"] == "stopped")
    check("stopped accessory refuses TCP", refuses(port))
    check("stopped: device ID still listed", accessory(ctl_json("list"), "outlet")["device-id"] == outlet["device-id"])
    check("stopped: sessions empty", ctl_json("sessions", "outlet") == [])
    r = subprocess.run(["dbus-send", f"--bus={BUS}", "--print-reply", "--dest=io.github.hapsim.Simulator",
                        "/io/github/hapsim/Simulator", "io.github.hapsim.Simulator1.RemovePairing",
                        "string:outlet", "string:x"], capture_output=True, text=True, timeout=10)
    check("D-Bus error name BadState (unpair while stopped)",
          "io.github.hapsim.Simulator1.Error.BadState" in r.stderr, r.stderr)
    r = ctl("start", "outlet")
    check("start", r.returncode == 0, r.stderr)
    again = accessory(ctl_json("list"), "outlet")
    check("started: state and port", again["state"] in ("running", "advertised") and again["port"] > 0, again)
    check("started accessory answers", raw_request(again["port"], IDENTIFY).startswith(b"HTTP/1.1 204"))

    r = ctl("power-cycle", "outlet", "--off-ms", "1500")
    check("power-cycle", r.returncode == 0, r.stderr)
    check("power-cycle: off at once", accessory(ctl_json("list"), "outlet")["state"] == "stopped")
    back = wait_for(lambda: (lambda a: a if a["state"] != "stopped" else None)(accessory(ctl_json("list"), "outlet")),
                    15)
    check("power-cycle: on again on the same port", back and back["port"] == again["port"], back)

    r = ctl("restart", "outlet", "--new-port")
    check("restart --new-port", r.returncode == 0, r.stderr)
    moved = wait_for(lambda: (lambda a: a if a["state"] != "stopped" else None)(accessory(ctl_json("list"), "outlet")),
                     15)
    check("restart --new-port: another port", moved and moved["port"] != again["port"], (again, moved))
    if moved:
        check("restart: the old port refuses", refuses(again["port"]))
        check("restart: the new port answers", raw_request(moved["port"], IDENTIFY).startswith(b"HTTP/1.1 204"))

    r = ctl("factory-reset", "outlet")
    check("factory-reset", r.returncode == 0, r.stderr)
    reset = wait_for(lambda: (lambda a: a if a["state"] != "stopped" and a["device-id"] != outlet["device-id"]
                              else None)(accessory(ctl_json("list"), "outlet")), 15)
    check("factory-reset: a new device ID", reset and reset["device-id"] != outlet["device-id"], (outlet, reset))

    # add / remove at runtime; the same file twice gets a unique id.
    extra = os.path.join(WORK, "extra")
    os.makedirs(extra)
    shutil.copy(os.path.join(ACCESSORIES, "outlet.json"), os.path.join(extra, "outlet.json"))
    r = subprocess.run([SIM, "ctl", "--bus", BUS, "add", "outlet.json"], capture_output=True, text=True,
                       timeout=30, cwd=extra)
    new_id = r.stdout.strip()
    check("add (relative path) prints a unique id", r.returncode == 0 and new_id == "outlet-2", r.stdout + r.stderr)
    added = accessory(ctl_json("list"), new_id)
    check("added accessory runs", added and added["state"] in ("running", "advertised") and
          added["file"] == os.path.join(extra, "outlet.json"), added)
    if added:
        check("added accessory answers", raw_request(added["port"], IDENTIFY).startswith(b"HTTP/1.1 204"))
    r = ctl("add", "--no-start", os.path.join(ACCESSORIES, "lightbulb.json"))
    idle = r.stdout.strip()
    check("add --no-start", r.returncode == 0 and accessory(ctl_json("list"), idle)["state"] == "stopped",
          r.stdout + r.stderr)
    r = ctl("setup", idle)
    check("setup of a never-started accessory: exit 1", r.returncode == 1, r.stderr)
    follower = subprocess.Popen([SIM, "ctl", "--bus", BUS, "trace", new_id, "--follow", "--max", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    follower.stdout.readline()  # the identify above is in the backlog: following from here
    r = ctl("remove", new_id)
    check("remove", r.returncode == 0 and accessory(ctl_json("list"), new_id) is None, r.stderr)
    try:
        _, err = follower.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        follower.kill()
        _, err = follower.communicate()
    check("trace --follow ends with exit 1 when the accessory is removed",
          follower.returncode == 1 and "removed" in err, (follower.returncode, err))
    if added:
        check("removed accessory refuses TCP", refuses(added["port"]))
    r = ctl("remove", idle)
    check("remove a stopped one", r.returncode == 0 and [a["id"] for a in ctl_json("list")] == ["lightbulb", "outlet"],
          r.stderr)
    broken = os.path.join(WORK, "broken.json")
    with open(broken, "w") as f:
        f.write('{"accessories": [ {"name": 5} ]}')
    r = ctl("add", broken)
    check("add a broken file: exit 1 naming it", r.returncode == 1 and "broken.json" in r.stderr, r.stderr)
    r = ctl("remove", "nosuch")
    check("remove unknown: exit 1", r.returncode == 1, r.stderr)


def run_ble_without_bluez(outlet):
    """The BLE calls where no BlueZ runs (the namespace's system bus has no org.bluez);
    tests/ble/test_ctl_ble.py has them against the virtual BlueZ."""
    r = ctl("adapters")
    check("adapters without BlueZ: exit 1, saying BlueZ is not there",
          r.returncode == 1 and "BlueZ" in r.stderr and "org.bluez" in r.stderr, r.stderr)
    check("ble --json of an IP accessory", ctl_json("ble", "outlet") == {"transports": ["ip"], "adapter": ""},
          ctl_json("ble", "outlet"))
    r = ctl("transports", "outlet", "ip,ble")
    info = ctl_json("ble", "outlet")
    check("transports ip,ble without BlueZ: BLE waits, IP goes on",
          r.returncode == 0 and info.get("transports") == ["ip", "ble"] and info.get("state") == "waiting" and
          info.get("adapter-in-use") == "", (r.stderr, info))
    listing = accessory(ctl_json("list"), "outlet")
    check("… the list shows both, and the outlet still answers over IP",
          listing["transports"] == ["ip", "ble"] and listing["port"] > 0 and
          raw_request(listing["port"], b"GET /accessories HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1"),
          listing)
    r = ctl("transports", "outlet", "ip")
    check("transports ip: back to IP only", r.returncode == 0 and ctl_json("ble", "outlet") ==
          {"transports": ["ip"], "adapter": ""}, r.stderr)
    r = ctl("transports", "outlet", "ble,usb")
    check("transports: a bad list exits 2", r.returncode == 2, r.stderr)
    # The BLE demo files load (simulator section included), each as a BLE accessory.
    ble_dir = os.path.join(ACCESSORIES, "ble")
    names = sorted(n for n in os.listdir(ble_dir) if n.endswith(".json"))
    loaded = []
    for name in names:
        r = ctl("add", os.path.join(ble_dir, name), "--no-start")
        ident = r.stdout.strip()
        info = ctl_json("ble", ident) if r.returncode == 0 else None
        if r.returncode == 0 and info and "ble" in info["transports"]:
            loaded.append(name)
        else:
            print(f"# {name}: {r.stderr.strip()} {info}", file=sys.stderr)
        if r.returncode == 0:
            ctl("remove", ident)
    check("accessories/ble/*.json load as BLE accessories",
          len(names) >= 4 and loaded == names, (names, loaded))


def run_signals(text, ident):
    signals = parse_monitor(text)
    names = {s[0] for s in signals}

    def has(member, *needles):
        return any(m == member and all(any(n in a for a in args) for n in needles) for m, args in signals)

    check("signal ValueChanged with origin api", has("ValueChanged", '"lightbulb"', '"api"'), sorted(names))
    check("signal ValueChanged with origin controller", has("ValueChanged", '"lightbulb"', '"controller"'),
          sorted(names))
    check("signal PairingAdded", has("PairingAdded", '"lightbulb"', f'"{ident}"'), sorted(names))
    check("signal PairingRemoved", has("PairingRemoved", '"lightbulb"', f'"{ident}"'), sorted(names))
    check("signal SessionOpened", has("SessionOpened", '"lightbulb"', f'"{ident}"'), sorted(names))
    check("signal SessionClosed", has("SessionClosed", '"lightbulb"'), sorted(names))
    check("signal StateChanged stopped", has("StateChanged", '"outlet"', '"stopped"'), sorted(names))
    check("signal Identified", has("Identified", '"outlet"', '"api"') and has("Identified", '"outlet"', '"controller"'),
          sorted(names))
    check("signal AccessoryAdded / AccessoryRemoved", has("AccessoryAdded", '"outlet-2"') and
          has("AccessoryRemoved", '"outlet-2"'), sorted(names))
    check("signal TraceEntry while followed", has("TraceEntry", '"lightbulb"'), sorted(names))
    check("signal BleChanged when the transports changed", has("BleChanged", '"outlet"'), sorted(names))


def run_main():
    global BUS
    bus, BUS = start_bus()
    monitor = sim = None
    try:
        run_usage()
        monitor = subprocess.Popen(["dbus-monitor", "--address", BUS,
                                    "type='signal',interface='io.github.hapsim.Simulator1'"],
                                   stdout=open(MONITOR_LOG, "w"), stderr=subprocess.DEVNULL)
        sim = start_simulator(os.path.join(ACCESSORIES, "lightbulb.json"), os.path.join(ACCESSORIES, "outlet.json"))
        r = ctl("wait", "--timeout", "30", timeout=60)
        if not check("wait: the simulator is up", r.returncode == 0, r.stderr + open(os.path.join(WORK, "sim.log")).read()[-2000:]):
            return
        run_introspection()
        bulb, outlet = run_list()
        if bulb is None:
            return
        code = run_pairing(bulb)
        iid = run_values(bulb)
        if iid is not None:
            run_quirks(bulb, iid)
        run_trace(bulb, outlet, code)
        run_identify(outlet)
        if iid is not None:
            run_unpair(bulb, iid)
        run_lifecycle(outlet)
        run_ble_without_bluez(outlet)
        time.sleep(0.5)  # let dbus-monitor write the last signals
        run_signals(open(MONITOR_LOG).read(), controller_identity()[0])
        status = stop_process(sim)
        sim = None
        check("the simulator exits 0 on SIGTERM", status == 0, status)
    finally:
        stop_process(sim)
        stop_process(monitor)
        stop_process(bus)


# ---- 200 accessories ---------------------------------------------------------------------

def run_workspace(n=200):
    global BUS
    bus, BUS = start_bus()
    sim = None
    ws = os.path.join(WORK, "workspace")
    os.makedirs(ws)
    for i in range(n):
        with open(os.path.join(ws, f"lamp-{i:03}.json"), "w") as f:
            json.dump({"accessories": [{"name": f"Lamp {i:03}", "category": "LIGHTBULB", "services": [
                {"type": "Lightbulb", "primary": True, "characteristics": [{"type": "On", "value": i % 2 == 0}]}]}]},
                f)
    try:
        start = time.monotonic()
        sim = start_simulator(ws, name="ws")
        r = ctl("wait", "--timeout", "240", timeout=300)
        check(f"wait: {n} accessories up", r.returncode == 0, r.stderr)
        print(f"# {n} accessories running after {time.monotonic() - start:.1f} s", file=sys.stderr)
        listing = ctl_json("list") or []
        check(f"list --json shows {n} accessories", len(listing) == n, len(listing))
        check("every one running", all(a["state"] in ("running", "advertised") for a in listing),
              [a["id"] for a in listing if a["state"] not in ("running", "advertised")][:10])
        check("ids follow the file names", sorted(a["id"] for a in listing) == [f"lamp-{i:03}" for i in range(n)],
              [a["id"] for a in listing][:5])
        ports = [a["port"] for a in listing]
        check("distinct ports", len(set(ports)) == n and all(p > 0 for p in ports))
        check("distinct device IDs", len({a["device-id"] for a in listing}) == n)
        bad = []
        for a in listing:
            try:
                reply = raw_request(a["port"], IDENTIFY)
            except OSError as e:
                reply = repr(e).encode()
            if not reply.startswith(b"HTTP/1.1 204"):
                bad.append((a["id"], reply[:60]))
        check(f"all {n} answer an unpaired POST /identify with 204", not bad and len(listing) == n, bad[:10])
        log = ctl_json("identify-log", "lamp-199")
        check("identify reached the last accessory", log and log[-1]["source"] == "controller", log)
        status = stop_process(sim, 60)
        sim = None
        check("the simulator exits 0 on SIGTERM", status == 0, status)

        # 1,000 files on the command line, first start (identities made): the control API
        # is exported before they start, and answers while they do.
        many = [os.path.join(ws, f"lamp-{i:03}.json") for i in range(n)]
        for i in range(n, 1000):
            path = os.path.join(WORK, f"more-{i:04}.json")
            shutil.copy(many[0], path)
            many.append(path)
        sim = start_simulator(*many, name="many")
        first = None
        deadline = time.monotonic() + 60
        while first is None and time.monotonic() < deadline and sim.poll() is None:
            first = ctl_json("list")
            time.sleep(0.02)
        check("ctl list answers while 1,000 accessories start, with part of them",
              first is not None and len(first) < 1000, None if first is None else len(first))
        r = ctl("wait", "--timeout", "240", timeout=300)
        listing = ctl_json("list") or []
        check("then all 1,000 run", r.returncode == 0 and len(listing) == 1000, (r.stderr, len(listing)))
        check("the simulator exits 0 on SIGTERM while serving 1,000", stop_process(sim, 60) == 0)
        sim = None
    finally:
        stop_process(sim)
        stop_process(bus)


def main():
    try:
        if "--workspace-200" in sys.argv[1:]:
            run_workspace()
        else:
            run_main()
    except Exception as e:  # a crash of the harness is a failed check, not a skip
        check("run", False, repr(e))
        import traceback
        traceback.print_exc()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"1..{len(results)}")
    for i, (name, ok) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")


main()
