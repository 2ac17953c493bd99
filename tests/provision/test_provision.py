#!/usr/bin/python3
"""hap-provision end to end: a batch of 1,000 devices, their labels and manifests, and one
of them served by hap-simulator and paired with the code from its label. Runs inside
run-in-namespace.sh (private network, /run, bus and avahi-daemon). Prints TAP."""
import base64, csv, hashlib, json, os, re, select, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "discovery"))
import hap_namespace  # noqa: E402
from hap_tap import Tap  # noqa: E402

PROVISION = os.environ["HAP_PROVISION"]
SIM = os.environ["HAP_SIMULATOR"]
PAIR = os.environ["HAP_TEST_PAIR"]
LOCK = os.path.join(os.environ["HAP_ACCESSORIES_DIR"], "lock.json")
NS = os.environ["HAP_NS_DIR"]
WORK = tempfile.mkdtemp(prefix="hap-provision-")
OUT = os.path.join(WORK, "factory")
DOOR_LOCK = 6
tap = Tap()
check = tap.check


def provision(*args):
    return subprocess.run([PROVISION, *args], capture_output=True, text=True, timeout=300)


def code_is_allowed(code):
    """docs/protocol.md §2.4, written out again here: XXX-XX-XXX, not all digits equal,
    not 123-45-678 or 876-54-321."""
    digits = code.replace("-", "")
    return (re.fullmatch(r"\d{3}-\d{2}-\d{3}", code) is not None and len(set(digits)) > 1
            and digits not in ("12345678", "87654321"))


def decode_payload(payload):
    """X-HM:// + 9 base-36 digits + setup ID (docs/protocol.md §2.4)."""
    assert payload.startswith("X-HM://") and len(payload) == 20, payload
    n = int(payload[7:16], 36)
    code = n & ((1 << 27) - 1)
    return {"code": f"{code // 100000:03d}-{code // 1000 % 100:02d}-{code % 1000:03d}",
            "paired": bool(n >> 27 & 1), "ip": bool(n >> 28 & 1), "ble": bool(n >> 29 & 1),
            "category": n >> 31 & 0xFF, "setup_id": payload[16:]}


def setup_hash(setup_id, device_id):
    return base64.b64encode(hashlib.sha512((setup_id + device_id).encode()).digest()[:4]).decode()


def spellings(code):
    return (code, code.replace("-", ""))


def read_identity(state_dir):
    with open(os.path.join(state_dir, "identity")) as f:
        return dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)


def files_holding(state_dir, code):
    """Files under @state_dir that contain @code in either spelling."""
    hits = []
    for name in os.listdir(state_dir):
        data = open(os.path.join(state_dir, name), "rb").read()
        if any(s.encode() in data for s in spellings(code)):
            hits.append(name)
    return hits


def test_batch():
    start = time.monotonic()
    p = provision("--accessory", LOCK, "--count", "1000", OUT)
    elapsed = time.monotonic() - start
    check("a batch of 1,000 is provisioned", p.returncode == 0, p.stderr)
    check(f"a batch of 1,000 takes under a minute ({elapsed:.1f} s)", elapsed < 60, elapsed)
    with open(os.path.join(OUT, "manifest-0001-1000.json")) as f:
        rows = json.load(f)
    with open(os.path.join(OUT, "manifest-0001-1000.csv"), newline="") as f:
        csv_rows = list(csv.DictReader(f))
    check("the manifest lists 1,000 devices", len(rows) == 1000, len(rows))
    check("the CSV manifest says what the JSON one says", csv_rows == rows, (csv_rows[:1], rows[:1]))
    codes = [r["setup_code"] for r in rows]
    check("all setup codes are distinct", len(set(codes)) == 1000, len(set(codes)))
    bad = [c for c in codes if not code_is_allowed(c)]
    check("no setup code is one of the disallowed ones", not bad, bad)
    check("all device IDs are distinct", len({r["device_id"] for r in rows}) == 1000)
    for name in ("manifest-0001-1000.json", "manifest-0001-1000.csv"):
        mode = os.stat(os.path.join(OUT, name)).st_mode & 0o777
        check(f"{name} is 0600", mode == 0o600, oct(mode))
    check("labels/ is 0700", os.stat(os.path.join(OUT, "labels")).st_mode & 0o777 == 0o700)

    wrong_payload, leaked, wrong_identity, wrong_mode = [], [], [], []
    for r in rows:
        d = decode_payload(r["setup_payload"])
        if (d["code"], d["setup_id"], d["category"], d["ip"], d["ble"], d["paired"]) != \
                (r["setup_code"], r["setup_id"], DOOR_LOCK, True, False, False):
            wrong_payload.append((r["serial"], d))
        state = r["state_dir"]
        hits = files_holding(state, r["setup_code"])
        if hits:
            leaked.append((r["serial"], hits))
        ident = read_identity(state)
        if (ident.get("device-id"), ident.get("setup-id"), "setup-code" in ident,
                len(base64.b64decode(ident.get("setup-verifier", "")))) != \
                (r["device_id"], r["setup_id"], False, 384):
            wrong_identity.append((r["serial"], ident.keys()))
        modes = {os.stat(os.path.join(state, n)).st_mode & 0o777 for n in os.listdir(state)}
        if os.stat(state).st_mode & 0o777 != 0o700 or modes != {0o600}:
            wrong_mode.append((r["serial"], modes))
    check("each payload encodes the label's code, setup ID, category and IP flag", not wrong_payload,
          wrong_payload[:3])
    check("no state directory file holds its setup code, with or without dashes", not leaked, leaked[:3])
    check("each identity holds the device ID, setup ID and a 384-byte verifier, no code",
          not wrong_identity, wrong_identity[:3])
    check("state directories are 0700 with 0600 files", not wrong_mode, wrong_mode[:3])

    # zbarimg decodes each label to the manifest's payload (a sample: it takes ~0.1 s each).
    mismatched = []
    for r in rows[::50]:
        z = subprocess.run(["zbarimg", "--quiet", "--raw", r["label"]], capture_output=True, text=True)
        if z.stdout.strip() != r["setup_payload"]:
            mismatched.append((r["serial"], z.stdout.strip(), z.stderr[-200:]))
    check("QR labels decode (zbarimg) to exactly the manifest's payload", not mismatched, mismatched[:3])
    return rows


def test_rerun(rows):
    first = rows[0]
    before = open(os.path.join(first["state_dir"], "identity")).read()
    p = provision("--accessory", LOCK, "--count", "2", OUT)
    check("re-provisioning existing devices is refused", p.returncode == 1 and
          "already holds a device" in p.stderr and "--replace" in p.stderr, (p.returncode, p.stderr))
    check("a refused run changes nothing", open(os.path.join(first["state_dir"], "identity")).read() == before)
    p = provision("--accessory", LOCK, "--count", "2", "--first", "1001", OUT)
    check("a later batch numbers past the first", p.returncode == 0 and
          os.path.exists(os.path.join(OUT, "manifest-1001-1002.json")), p.stderr)
    p = provision("--category", "5", "--transports", "ble", "--count", "1", "--first", "1000", "--replace", OUT)
    with open(os.path.join(OUT, "manifest-1000-1000.json")) as f:
        row = json.load(f)[0]
    d = decode_payload(row["setup_payload"])
    check("--replace provisions a new device in place", p.returncode == 0 and
          row["device_id"] != rows[999]["device_id"] and
          read_identity(row["state_dir"])["device-id"] == row["device_id"], (p.stderr, row))
    check("--category and --transports reach the payload", (d["category"], d["ip"], d["ble"]) == (5, False, True), d)


def browse_txt(name, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = subprocess.run(["avahi-browse", "-rpt", "_hap._tcp"], capture_output=True, text=True,
                             timeout=20).stdout
        for line in out.splitlines():
            f = line.split(";")
            if f[0] == "=" and len(f) >= 10 and f[3].replace("\\032", " ") == name:
                return dict(item.strip('"').partition("=")[::2] for item in f[9].split('" "'))
        time.sleep(0.3)
    return None


def read_ready(proc, timeout=15):
    """The runner's ready line, or an exception after @timeout seconds."""
    if not select.select([proc.stdout], [], [], timeout)[0]:
        raise RuntimeError("hap-simulator printed no ready line")
    return json.loads(proc.stdout.readline())


def test_served(rows):
    device = rows[1]
    state = os.path.join(WORK, "sim-state")
    shutil.copytree(device["state_dir"], os.path.join(state, "lock"))
    os.chmod(state, 0o700)
    log_path = os.path.join(WORK, "sim.log")
    env = dict(os.environ, G_MESSAGES_DEBUG="all")
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--nopidfile", "--print-address=1"],
                           stdout=subprocess.PIPE, text=True)
    bus_address = bus.stdout.readline().strip()
    with open(log_path, "w") as log:
        sim = subprocess.Popen([SIM, "--headless", "--verbose", "--bus", bus_address, "--state-dir", state,
                                "--bind", "127.0.0.1", LOCK],
                               stdout=subprocess.PIPE, stderr=log, text=True, env=env)
    try:
        try:
            ready = read_ready(sim)
        except (RuntimeError, ValueError) as e:
            raise RuntimeError(f"{e}: exit {sim.wait(5)} {open(log_path).read()[-1500:]}")
        check("the provisioned device starts with its own identity",
              ready.get("device_id") == device["device_id"], ready)
        check("it shows no setup code and no payload (they are on the label)",
              ready.get("setup_code") is None and ready.get("setup_payload") is None, ready)
        txt = browse_txt(ready["name"])
        check("its advertised setup hash (sh) matches the label's setup ID and its device ID",
              txt is not None and txt.get("sh") == setup_hash(device["setup_id"], device["device_id"]), txt)
        ctrl = os.path.join(WORK, "controller")
        wrong = "123-45-670" if device["setup_code"] != "123-45-670" else "123-45-671"
        p = subprocess.run([PAIR, "pair", str(ready["port"]), wrong, ctrl], capture_output=True, text=True, timeout=30)
        check("a wrong code is refused", p.returncode != 0 and not os.path.exists(ctrl), p.stderr)
        p = subprocess.run([PAIR, "pair", str(ready["port"]), device["setup_code"], ctrl], capture_output=True,
                           text=True, timeout=30)
        check("the code from its label pairs", p.returncode == 0, p.stderr)
        ctl = subprocess.run([SIM, "ctl", "--bus", bus_address, "setup", "lock"], capture_output=True, text=True,
                             timeout=30)
        check("ctl setup says the code is on the label only, and shows the setup ID",
              ctl.returncode == 0 and "provisioned: on the device's label only" in ctl.stdout
              and device["setup_id"] in ctl.stdout, (ctl.stdout, ctl.stderr))
        ctl_json = subprocess.run([SIM, "ctl", "--bus", bus_address, "--json", "setup", "lock"], capture_output=True,
                                  text=True, timeout=30)
        got = json.loads(ctl_json.stdout) if ctl_json.returncode == 0 else {}
        check("GetSetup says provisioned, with no code and no payload",
              got == {"setup-code": "", "setup-payload": "", "setup-id": device["setup_id"], "provisioned": True},
              ctl_json.stdout)
    finally:
        sim.send_signal(signal.SIGTERM)
        rest = sim.communicate(timeout=10)[0]
        bus.terminate()
        bus.wait(10)
    logs = open(log_path).read() + rest
    check("the simulator logged at debug level", "DEBUG" in logs or "debug" in logs.lower(), logs[-500:])
    check("nothing it printed or logged holds the code, in either spelling",
          not any(s in logs for s in spellings(device["setup_code"])), "code found in the log")
    hits = files_holding(os.path.join(state, "lock"), device["setup_code"])
    check("after pairing, its state directory still holds no code", not hits, hits)


def main():
    avahi = hap_namespace.start_avahi(NS)
    try:
        rows = []

        def test_batch_and_keep():
            rows.extend(test_batch())

        tap.run([test_batch_and_keep])
        if rows:
            tap.run([test_rerun, test_served], rows)
    finally:
        avahi.terminate()
        avahi.wait(10)
    return tap.report()


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
