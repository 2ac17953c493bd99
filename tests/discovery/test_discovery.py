#!/usr/bin/python3
"""DNS-SD tests: hap-simulator's _hap._tcp records as avahi-browse and python3-zeroconf
see them. Runs inside run-in-namespace.sh (private network, /run, bus and avahi-daemon).
Prints TAP."""
import base64, hashlib, json, os, shutil, signal, subprocess, sys, tempfile, time

import hap_namespace
from hap_tap import Tap

SIM = os.environ["HAP_SIMULATOR"]
PAIR = os.environ["HAP_TEST_PAIR"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
NS = os.environ["HAP_NS_DIR"]
WORK = tempfile.mkdtemp(prefix="hap-disco-")
tap = Tap()
check = tap.check
avahi = None


def start_avahi():
    global avahi
    avahi = hap_namespace.start_avahi(NS)


def stop_avahi():
    global avahi
    if avahi:
        avahi.terminate()
        avahi.wait(10)
        avahi = None


class Runner:
    def __init__(self, files, state, extra=()):
        self.proc = subprocess.Popen([SIM, "--headless", "--state-dir", state, *extra, *files],
                                     stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "sim.log"), "a"),
                                     text=True)
        self.ready = []
        deadline = time.time() + 15
        while len(self.ready) < len(files):
            if time.time() > deadline:
                raise RuntimeError("runner not ready")
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("runner exited before ready")
            self.ready.append(json.loads(line))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(10) == 0, "runner did not exit cleanly"


def browse():
    """{name: {"txt": {...}, "protocols": set(), "port": int}} from avahi-browse -rpt."""
    out = subprocess.run(["avahi-browse", "-rpt", "_hap._tcp"], capture_output=True, text=True, timeout=20).stdout
    found = {}
    for line in out.splitlines():
        f = line.split(";")
        if f[0] != "=" or len(f) < 10:
            continue
        name = f[3].replace("\\032", " ").replace("\\035", "#")
        txt = {}
        for item in f[9].split('" "'):
            k, _, v = item.strip('"').partition("=")
            txt[k] = v
        entry = found.setdefault(name, {"txt": txt, "protocols": set(), "port": int(f[8])})
        entry["protocols"].add(f[2])
        entry["txt"] = txt
    return found


def wait_for(pred, timeout=10):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = browse()
        if pred(last):
            return last
        time.sleep(0.3)
    return last


def setup_hash(setup_id, device_id):
    return base64.b64encode(hashlib.sha512((setup_id + device_id).encode()).digest()[:4]).decode()


def expected_txt(ready, category, paired=False, c=1):
    return {"c#": str(c), "ff": "0", "id": ready["device_id"], "pv": "1.1", "s#": "1",
            "sf": "0" if paired else "1", "ci": str(category),
            "sh": setup_hash(ready["setup_payload"][-4:], ready["device_id"])}


def sub(d, keys):
    return {k: d.get(k) for k in keys}


def test_txt_and_names():
    state = os.path.join(WORK, "s1")
    lamp = os.path.join(ACCESSORIES, "lightbulb.json")
    twin = os.path.join(WORK, "twin.json")
    shutil.copy(lamp, twin)
    r = Runner([lamp, twin, os.path.join(ACCESSORIES, "outlet.json")], state, ["--bind", "127.0.0.1"])
    names = [x["name"] for x in r.ready]
    check("same-named accessories get distinct advertised names",
          len(set(names)) == 3 and "Desk Lamp" in names and "Desk Lamp #2" in names, names)
    seen = wait_for(lambda s: all(n in s for n in names))
    for ready, category in zip(r.ready, (5, 5, 7)):
        got = seen.get(ready["name"])
        want = expected_txt(ready, category)
        check(f"avahi-browse TXT of {ready['name']}", got and sub(got["txt"], want) == want,
              got and got["txt"])
        check(f"avahi-browse port of {ready['name']}", got and got["port"] == ready["port"])
        check(f"--bind 127.0.0.1 advertises IPv4 only for {ready['name']}",
              got and got["protocols"] == {"IPv4"}, got and got["protocols"])
        check(f"md is the model of {ready['name']}", got and got["txt"].get("md"))

    # An independent mDNS implementation sees the same.
    zc = subprocess.run(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "zeroconf_browse.py"),
                         "_hap._tcp.local.", "5"], capture_output=True, text=True, timeout=60)
    try:
        zseen = json.loads(zc.stdout)
    except ValueError:
        zseen = {}
    for ready, category in zip(r.ready, (5, 5, 7)):
        got = zseen.get(ready["name"])
        want = expected_txt(ready, category)
        check(f"zeroconf TXT of {ready['name']}", got and sub(got["txt"], want) == want, (got, zc.stderr[-500:]))
        check(f"zeroconf port of {ready['name']}", got and got["port"] == ready["port"])

    # sf: 1 → 0 when paired, back to 1 when the last pairing goes.
    lamp_ready = r.ready[0]
    ctrl = os.path.join(WORK, "controller")
    p = subprocess.run([PAIR, "pair", str(lamp_ready["port"]), lamp_ready["setup_code"], ctrl], capture_output=True, text=True)
    check("pairing succeeds", p.returncode == 0, p.stderr)
    s = wait_for(lambda s: s.get("Desk Lamp", {}).get("txt", {}).get("sf") == "0")
    check("sf goes to 0 on pairing", s.get("Desk Lamp", {}).get("txt", {}).get("sf") == "0", s.get("Desk Lamp"))
    p = subprocess.run([PAIR, "unpair", str(lamp_ready["port"]), ctrl], capture_output=True, text=True)
    check("removing the last pairing succeeds", p.returncode == 0, p.stderr)
    s = wait_for(lambda s: s.get("Desk Lamp", {}).get("txt", {}).get("sf") == "1")
    check("sf goes back to 1 when unpaired", s.get("Desk Lamp", {}).get("txt", {}).get("sf") == "1", s.get("Desk Lamp"))
    r.stop()
    seen = wait_for(lambda s: not any(n in s for n in names), timeout=10)
    check("records are withdrawn on exit", not any(n in seen for n in names), list(seen))


def test_config_number():
    state = os.path.join(WORK, "s2")
    path = os.path.join(WORK, "fan.json")
    doc = {"accessories": [{"name": "Ceiling Fan", "category": "FAN",
                            "services": [{"type": "Fanv2"}]}]}
    json.dump(doc, open(path, "w"))
    r = Runner([path], state, ["--bind", "127.0.0.1"])
    s = wait_for(lambda s: "Ceiling Fan" in s)
    c1 = int(s["Ceiling Fan"]["txt"]["c#"])
    r.stop()
    doc["accessories"][0]["services"].append({"type": "Lightbulb"})
    json.dump(doc, open(path, "w"))
    r = Runner([path], state, ["--bind", "127.0.0.1"])
    s = wait_for(lambda s: "Ceiling Fan" in s and s["Ceiling Fan"]["txt"]["c#"] != str(c1))
    c2 = int(s["Ceiling Fan"]["txt"]["c#"])
    check("c# increases after the file gains a service", c2 == c1 + 1, (c1, c2))
    r.stop()
    r = Runner([path], state, ["--bind", "127.0.0.1"])
    s = wait_for(lambda s: "Ceiling Fan" in s)
    check("c# stays when nothing changed", s["Ceiling Fan"]["txt"]["c#"] == str(c2), s["Ceiling Fan"]["txt"])
    r.stop()


def test_ipv6_when_unbound():
    state = os.path.join(WORK, "s3")
    r = Runner([os.path.join(ACCESSORIES, "thermostat.json")], state)
    name = r.ready[0]["name"]
    s = wait_for(lambda s: s.get(name, {}).get("protocols") == {"IPv4", "IPv6"})
    check("an unbound accessory is advertised over IPv4 and IPv6",
          s.get(name, {}).get("protocols") == {"IPv4", "IPv6"}, s.get(name))
    r.stop()


def test_daemon_appears_later():
    stop_avahi()
    state = os.path.join(WORK, "s4")
    r = Runner([os.path.join(ACCESSORIES, "garage-door.json")], state, ["--bind", "127.0.0.1"])
    check("ready without avahi-daemon", len(r.ready) == 1)
    time.sleep(0.5)
    start_avahi()
    name = r.ready[0]["name"]
    s = wait_for(lambda s: name in s, timeout=15)
    check("registered once avahi-daemon starts", name in s, list(s))
    log = open(os.path.join(WORK, "sim.log")).read()
    check("one clear warning while the daemon was absent", log.count("mDNS advertising unavailable") == 1, log[-2000:])
    r.stop()


def test_daemon_busy_at_start():
    """avahi-daemon running but not answering when the accessory starts (busy probing
    thousands of records; here stopped with SIGSTOP): libavahi-client's first ping times
    out after 25 s and it takes the daemon for absent, waiting for a bus name that is
    already there. The advertiser connects again, so the record is registered once the
    daemon answers."""
    state = os.path.join(WORK, "s5")
    avahi.send_signal(signal.SIGSTOP)
    try:
        r = Runner([os.path.join(ACCESSORIES, "outlet.json")], state, ["--bind", "127.0.0.1"])
    finally:
        avahi.send_signal(signal.SIGCONT)
    name = r.ready[0]["name"]
    s = wait_for(lambda s: name in s, timeout=30)
    check("registered once a busy avahi-daemon answers again", name in s, list(s))
    r.stop()


def test_past_avahi_client_limit():
    """avahi-daemon allows 1,024 objects per client by default, one per record: 1,100
    accessories in one process are all registered and browsable all the same."""
    n = 1100
    ws = os.path.join(WORK, "many")
    os.makedirs(ws)
    lamp = json.load(open(os.path.join(ACCESSORIES, "lightbulb.json")))
    for i in range(n):
        lamp["accessories"][0]["name"] = f"Many {i:04d}"
        with open(os.path.join(ws, f"many-{i:04d}.json"), "w") as f:
            json.dump(lamp, f)
    log = open(os.path.join(WORK, "many.log"), "w")
    proc = subprocess.Popen([SIM, "--headless", "--state-dir", os.path.join(WORK, "s-many"), "--bind", "127.0.0.1", ws],
                            stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        ready = 0
        deadline = time.time() + 120
        while ready < n and time.time() < deadline:
            if not proc.stdout.readline():
                break
            ready += 1
        check(f"{n} accessories start", ready == n, ready)
        names = set()
        deadline = time.time() + 60
        while time.time() < deadline:
            out = subprocess.run(["avahi-browse", "-pt", "_hap._tcp"], capture_output=True, text=True,
                                 timeout=60).stdout
            names = {line.split(";")[3] for line in out.splitlines() if line.startswith("+")}
            if len(names) >= n:
                break
            time.sleep(1)
        check(f"all {n} are browsable (past avahi-daemon's 1,024 objects per client)", len(names) == n, len(names))
        errors = [line for line in open(os.path.join(WORK, "many.log")) if "not discoverable" in line]
        check("no record was refused", not errors, errors[:3])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def main():
    start_avahi()
    tests = [test_txt_and_names, test_config_number, test_ipv6_when_unbound, test_daemon_appears_later,
             test_daemon_busy_at_start, test_past_avahi_client_limit]
    tap.run(tests)
    stop_avahi()
    return tap.report()


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
