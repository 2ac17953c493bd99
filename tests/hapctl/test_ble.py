#!/usr/bin/python3
"""hapctl as a HAP-BLE controller against hap-simulator serving a lightbulb over BLE,
end to end through BlueZ's D-Bus API. Prints TAP.

The same file runs in two places:
  - CI (meson suite 'ble'): HAP_BLE_VIRTUAL=1 makes it start its own dbus-daemon and
    hap-virtual-bluez (HAP_VIRTUAL_BLUEZ), on which hci0 and hci1 talk in memory;
  - a VM with real bluetoothd on btvirt controllers: DBUS_SYSTEM_BUS_ADDRESS (or the system
    bus) already has org.bluez, and nothing is started but the simulator.
Environment: HAPCTL, HAP_SIMULATOR, HAP_ACCESSORIES_DIR; HAP_VIRTUAL_BLUEZ_ARGS (options of
the virtual BlueZ, e.g. its bluetoothd pitfalls); HAP_BLE_ACCESSORY_ADAPTER (default
hci0) serves the accessory, HAP_BLE_CONTROLLER_ADAPTER (default hci1) is hapctl's;
HAP_SIM_CTL_BUS is where the simulator's control API goes (default: the system bus
address, so `hap-simulator ctl` reaches it on the same bus).

GSN arithmetic (docs/protocol.md §5.11): 1…65535 wrapping to 1; +1 once per connection that
carried an indication, +1 once per disconnected period with a change, +1 per broadcast."""
import json, os, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "discovery"))
import hap_namespace  # noqa: E402
from hap_namespace import start_private_system_bus  # noqa: E402
from hap_tap import Tap  # noqa: E402

HAPCTL = os.environ["HAPCTL"]
SIM = os.environ["HAP_SIMULATOR"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
ACC_ADAPTER = os.environ.get("HAP_BLE_ACCESSORY_ADAPTER", "hci0")
CTL_ADAPTER = os.environ.get("HAP_BLE_CONTROLLER_ADAPTER", "hci1")
VIRTUAL = os.environ.get("HAP_BLE_VIRTUAL") == "1"
CODE = "031-45-154"
WORK = tempfile.mkdtemp(prefix="hapctl-ble-test-")
CONTROLLER = os.path.join(WORK, "controller")
GUEST = "0C0FFEE0-0000-4000-8000-00000000BEEF"
tap = Tap()
check = tap.check
results = tap.results
processes = []





def next_gsn(gsn, steps=1):
    for _ in range(steps):
        gsn = 1 if gsn == 65535 else gsn + 1
    return gsn


def log(name):
    return open(os.path.join(WORK, name), "a")


def start_virtual_bluez():
    """A private bus with hap-virtual-bluez on it; DBUS_SYSTEM_BUS_ADDRESS points there."""
    processes.append(start_private_system_bus(WORK, log("dbus.log")))
    extra = os.environ.get("HAP_VIRTUAL_BLUEZ_ARGS", "").split()
    daemon = subprocess.Popen([os.environ["HAP_VIRTUAL_BLUEZ"], *extra], stdout=subprocess.PIPE,
                              stderr=log("virtual-bluez.log"), text=True)
    processes.append(daemon)
    if daemon.stdout.readline().strip() != "ready":
        raise RuntimeError("hap-virtual-bluez did not start")


def start_simulator():
    with open(os.path.join(ACCESSORIES, "lightbulb.json")) as f:
        description = json.load(f)
    description["transports"] = ["ble"]
    path = os.path.join(WORK, "lamp.json")
    with open(path, "w") as f:
        json.dump(description, f)
    proc = subprocess.Popen([SIM, "--headless", "--bus", CTL_BUS, "--setup-code", CODE,
                             "--state-dir", os.path.join(WORK, "state"), "--ble-adapter", ACC_ADAPTER, path],
                            stdout=subprocess.PIPE, stderr=log("sim.log"), text=True)
    processes.append(proc)
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError("the simulator exited before ready: " + open(os.path.join(WORK, "sim.log")).read()[-800:])
    return proc, json.loads(line)


# Under QEMU (tests/ble/vm) the accessory can take tens of seconds to advertise again
# after a link closed or its advertisement changed: hapctl waits longer to find it.
HAPCTL_OPTIONS = ["--adapter", CTL_ADAPTER, *(["--timeout", "40"] if os.environ.get("HAP_VM") == "1" else [])]


def hapctl(*args, controller=CONTROLLER, timeout=120):
    return subprocess.run([HAPCTL, "--controller", controller, *HAPCTL_OPTIONS, *args],
                          capture_output=True, text=True, timeout=timeout)


def ctl(*args):
    return subprocess.run([SIM, "ctl", "--bus", CTL_BUS, *args], capture_output=True, text=True, timeout=30)


def discover(device_id, want=lambda e: True, seconds=60):
    return hap_namespace.ble_discover(hapctl, device_id, want, seconds)


def read_line(proc, timeout=None):
    """One line of a watch's stdout, or '' after @timeout (default: longer than hapctl's
    own --timeout for finding the accessory)."""
    import select
    ready, _, _ = select.select([proc.stdout], [], [], timeout or 60)
    return proc.stdout.readline().strip() if ready else ""


def watch(*args, json_output=False):
    proc = subprocess.Popen([HAPCTL, "--controller", CONTROLLER, *HAPCTL_OPTIONS,
                             *(["--json"] if json_output else []), "watch", *args],
                            stdout=subprocess.PIPE, stderr=log("watch.log"), text=True)
    processes.append(proc)
    return proc


def finish(proc, timeout=20):
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode


def find_iid(tree, service_type, ctype):
    for svc in tree["accessories"][0]["services"]:
        if svc["type"] == service_type:
            for ch in svc["characteristics"]:
                if ch["type"] == ctype:
                    return ch["iid"], ch
    raise KeyError(ctype)


def run(ready):
    device_id = ready["device_id"]
    check("simulator serves over BLE on the accessory adapter",
          ready["transports"] == ["ble"] and ready["ble_adapter"] == ACC_ADAPTER, ready)

    # ---- discover ----
    entry = discover(device_id)
    if not check("discover --ble lists the accessory", entry is not None, "not found"):
        return
    address = "ble:" + entry["address"]
    gsn = entry["gsn"]
    check("discover: name, category, unpaired, CN, CV, setup hash",
          entry["name"] == ready["name"] and entry["category_id"] == 5 and entry["paired"] is False and
          entry["status_flags"] & 1 == 1 and entry["configuration_number"] >= 1 and
          entry["compatible_version"] == 2 and len(entry["setup_hash"]) == 8 and 1 <= gsn <= 65535 and
          entry["adapter"] == CTL_ADAPTER, entry)
    # A slow BlueZ (real bluetoothd in a TCG VM) may need more than a second to report.
    for _ in range(5):
        r = hapctl("discover", "--ble", "--timeout", "2")
        if device_id in r.stdout:
            break
    check("discover --ble prints name, address and device id",
          ready["name"] in r.stdout and entry["address"] in r.stdout and device_id in r.stdout and
          "not paired" in r.stdout, r.stdout + r.stderr)

    # ---- pair ----
    r = hapctl("pair", address, "111-22-334")
    check("pair with a wrong code fails", r.returncode == 1 and "Authentication" in r.stderr, r.stderr)
    r = hapctl("pair", address, CODE)
    check("pair", r.returncode == 0 and r.stdout.strip() == f"paired with {device_id}", r.stdout + r.stderr)
    saved = open(CONTROLLER).read() if os.path.exists(CONTROLLER) else ""
    check("controller file is 0600 and keeps the BD address",
          os.path.exists(CONTROLLER) and os.stat(CONTROLLER).st_mode & 0o777 == 0o600 and
          f"ble-address={entry['address']}" in saved, saved)
    entry = discover(device_id, lambda e: e["paired"])
    check("discover shows paired (SF bit 0 clear)", entry is not None and entry["paired"] is True and
          entry["status_flags"] & 1 == 0, entry)

    # ---- accessories ----
    r = hapctl("--json", "accessories", address)
    tree = json.loads(r.stdout) if r.returncode == 0 else {"accessories": [{"services": []}]}
    check("accessories --json: aid 1", r.returncode == 0 and tree["accessories"][0]["aid"] == 1, r.stderr)
    try:
        brightness, bchar = find_iid(tree, "43", "8")
        on, _ = find_iid(tree, "43", "25")
        _, version = find_iid(tree, "A2", "37")
    except KeyError as e:
        check("accessories lists Lightbulb and Protocol Information", False, repr(e) + r.stdout)
        return
    check("accessories: Brightness as in the file, with its metadata",
          bchar["value"] == 75 and bchar["format"] == "int" and bchar["perms"] == ["pr", "pw", "ev"] and
          bchar["minValue"] == 0 and bchar["maxValue"] == 100 and bchar["unit"] == "percentage", bchar)
    check("accessories: HAP-BLE version 2.2.0, no Pairing service",
          version["value"] == "2.2.0" and all(s["type"] != "55" for s in tree["accessories"][0]["services"]),
          version)
    lightbulb = next(s for s in tree["accessories"][0]["services"] if s["type"] == "43")
    check("accessories: Lightbulb is primary", lightbulb["primary"] is True, lightbulb)
    r = hapctl("accessories", address)
    check("accessories tree", "Lightbulb" in r.stdout and "Brightness" in r.stdout, r.stdout)
    clone = os.path.join(WORK, "ble-clone.json")
    r = hapctl("clone", address, clone)
    try:
        with open(clone) as f:
            cloned = json.load(f)
    except (OSError, ValueError) as e:
        cloned = repr(e)
    check("clone over BLE writes the database as accessories --json prints it",
          r.returncode == 0 and cloned == tree["accessories"], r.stderr + repr(cloned)[:500])

    # ---- verify and resume ----
    r = hapctl("verify", address)
    check("verify resumes the last session", r.returncode == 0 and r.stdout.strip() == f"resumed {device_id}",
          r.stdout + r.stderr)
    r = hapctl("verify", "--full", address)
    check("verify --full", r.returncode == 0 and r.stdout.strip() == f"verified {device_id}", r.stdout + r.stderr)

    # ---- get, put, timed put ----
    b = f"1.{brightness}"
    r = hapctl("get", address, b, f"1.{on}")
    check("get", r.returncode == 0 and r.stdout.splitlines() == [f"{b} = 75", f"1.{on} = true"], r.stdout + r.stderr)
    r = hapctl("put", address, f"{b}=42")
    check("put", r.returncode == 0, r.stderr)
    r = hapctl("get", address, b)
    check("put reads back", r.stdout.strip() == f"{b} = 42", r.stdout + r.stderr)
    r = hapctl("put", address, f"{b}=500")
    check("put out of range: -70410", r.returncode == 1 and f"{b}: -70410" in r.stderr, r.stderr)
    r = hapctl("get", address, "1.999")
    check("get an unknown iid: -70409", r.returncode == 1 and "1.999: -70409" in r.stderr, r.stderr)
    r = hapctl("put", "--timed", "--ttl", "2000", address, f"{b}=17")
    check("put --timed (Timed Write + Execute Write)", r.returncode == 0, r.stderr)
    r = hapctl("--json", "get", address, b)
    got = json.loads(r.stdout) if r.returncode == 0 else {}
    check("timed write took effect", got == {"characteristics": [{"aid": 1, "iid": brightness, "value": 17}]},
          r.stdout + r.stderr)
    r = hapctl("put", "--timed", address, f"{b}=101")
    check("put --timed out of range: -70410", r.returncode == 1 and "-70410" in r.stderr, r.stderr)

    # ---- connected events ----
    entry = discover(device_id)
    gsn = entry["gsn"] if entry else -1
    w = watch("--count", "1", address, b, f"1.{on}")
    check("watch subscribes", read_line(w) == "watching")
    r = ctl("set", device_id, b, "33")
    check("ctl set", r.returncode == 0, r.stderr)
    line = read_line(w)
    check("watch prints the indicated change", line == f"{b} = 33", line)
    check("watch exits after --count", finish(w) == 0)
    entry = discover(device_id, lambda e: e["gsn"] != gsn)
    check("GSN +1 after a connection with an indication", entry is not None and entry["gsn"] == next_gsn(gsn),
          (gsn, entry))
    gsn = entry["gsn"] if entry else gsn

    # ---- disconnected events ----
    check("ctl set while disconnected", ctl("set", device_id, b, "34").returncode == 0)
    entry = discover(device_id, lambda e: e["gsn"] != gsn)
    check("GSN +1 for a change while disconnected", entry is not None and entry["gsn"] == next_gsn(gsn),
          (gsn, entry))
    check("ctl set again", ctl("set", device_id, b, "35").returncode == 0)
    time.sleep(0.5)
    entry = discover(device_id)
    check("no second GSN step in the same disconnected period",
          entry is not None and entry["gsn"] == next_gsn(gsn), (gsn, entry))
    gsn = next_gsn(gsn)
    w = watch("--disconnected", "--count", "1", address, b)
    check("watch --disconnected starts", read_line(w) == "watching")
    check("ctl set during watch --disconnected", ctl("set", device_id, f"1.{on}", "false").returncode == 0)
    line = read_line(w)
    check("watch --disconnected sees the GSN step", line == f"gsn {next_gsn(gsn)}", (gsn, line))
    check("watch --disconnected exits after --count", finish(w) == 0)
    gsn = next_gsn(gsn)

    # ---- reconnect with resume ----
    r = hapctl("verify", address)
    check("reconnect resumes", r.returncode == 0 and r.stdout.strip() == f"resumed {device_id}", r.stdout + r.stderr)
    r = hapctl("get", address, b, f"1.{on}")
    check("values changed while disconnected", r.stdout.splitlines() == [f"{b} = 35", f"1.{on} = false"],
          r.stdout + r.stderr)
    # A restarted accessory has forgotten its sessions (§3.4): the resume falls back to a
    # full Pair Verify within the same exchange, and the next one resumes again.
    r = ctl("restart", device_id)
    check("ctl restart", r.returncode == 0, r.stderr)
    discover(device_id)
    r = hapctl("verify", address)
    check("resume after a restart falls back to Pair Verify",
          r.returncode == 0 and r.stdout.strip() == f"verified {device_id}", r.stdout + r.stderr)
    r = hapctl("verify", address)
    check("and the next connection resumes", r.returncode == 0 and r.stdout.strip() == f"resumed {device_id}",
          r.stdout + r.stderr)

    # ---- broadcast notifications ----
    r = hapctl("broadcast", address, b, "on")
    check("broadcast on", r.returncode == 0 and r.stdout.strip() == f"broadcast on for {b} (every 20 ms)",
          r.stdout + r.stderr)
    saved = open(CONTROLLER).read()
    check("the broadcast key and advertising id are kept",
          "broadcast-key=" in saved and f"advertising-id={device_id}" in saved, saved)
    r = hapctl("broadcast", address, f"1.{on}", "on", "--interval", "7")
    check("broadcast: a bad interval is a usage error", r.returncode == 2, r.stderr)
    entry = discover(device_id)
    gsn = entry["gsn"] if entry else -1
    w = watch("--disconnected", "--count", "1", address, b, json_output=True)
    check("watch --disconnected (broadcast) starts", read_line(w) == "watching")
    check("ctl set with broadcast on", ctl("set", device_id, b, "55").returncode == 0)
    line = read_line(w)
    try:
        event = json.loads(line)
    except ValueError:
        event = None
    check("the broadcast value decrypts, GSN +1",
          event == {"aid": 1, "iid": brightness, "value": 55, "gsn": next_gsn(gsn), "broadcast": True},
          (gsn, line))
    finish(w)
    r = hapctl("broadcast", address, b, "off")
    check("broadcast off", r.returncode == 0 and r.stdout.strip() == f"broadcast off for {b}", r.stdout + r.stderr)

    # ---- pairings ----
    r = hapctl("pairings", address, "list")
    own = open(CONTROLLER).read().split("id=")[1].split("\n")[0]
    check("pairings list: this controller, admin", r.returncode == 0 and len(r.stdout.splitlines()) == 1 and
          r.stdout.split()[:2] == [own, "admin"], r.stdout + r.stderr)
    r = hapctl("pairings", address, "add", GUEST, "11" * 32, "user")
    check("pairings add", r.returncode == 0, r.stderr)
    r = hapctl("--json", "pairings", address, "list")
    listed = {p["identifier"]: p for p in json.loads(r.stdout)} if r.returncode == 0 else {}
    check("pairings add shows the user with its key",
          sorted(listed) == sorted([own, GUEST]) and not listed[GUEST]["admin"] and
          listed[GUEST]["public-key"] == "11" * 32, r.stdout + r.stderr)
    r = hapctl("pairings", address, "remove", GUEST)
    check("pairings remove", r.returncode == 0, r.stderr)
    r = hapctl("pairings", address, "list")
    check("pairings remove takes it off the list", r.returncode == 0 and GUEST not in r.stdout, r.stdout)
    r = hapctl("identify", address)
    check("identify refused when paired: -70401", r.returncode == 1 and "-70401" in r.stderr, r.stderr)

    # ---- unpair ----
    copy = os.path.join(WORK, "copy")
    shutil.copy(CONTROLLER, copy)
    r = hapctl("unpair", address)
    check("unpair", r.returncode == 0 and r.stdout.strip() == f"unpaired from {device_id}", r.stdout + r.stderr)
    r = hapctl("get", address, b, controller=copy)
    check("neither resume nor verify after unpair", r.returncode == 1 and "Authentication" in r.stderr, r.stderr)
    r = hapctl("identify", address)
    check("identify allowed when unpaired", r.returncode == 0, r.stderr)
    # Under QEMU's emulation (tests/ble/vm) bluetoothd can take tens of seconds to bring the
    # advertisement back after the last link closed: discover waits up to a minute.
    entry = discover(device_id, lambda e: not e["paired"])
    check("discover shows unpaired again", entry is not None and entry["paired"] is False, entry)
    r = hapctl("get", address)
    check("usage error exits 2", r.returncode == 2, r.stderr)

    # ---- bench (shape only, never the speed) ----
    r = subprocess.run([HAPCTL, "--adapter", CTL_ADAPTER, "bench", address, "--setup-code", CODE, "--count", "3",
                        "--server-pid", str(SIMULATOR.pid), "--json"], capture_output=True, text=True, timeout=120)
    lines = {}
    for text in r.stdout.splitlines():
        try:
            obj = json.loads(text)
            lines[obj["scenario"]] = obj
        except (ValueError, KeyError):
            pass
    check("bench ble: one JSON line per scenario",
          r.returncode == 0 and sorted(lines) == ["get", "pair-resume", "pair-verify", "put"], r.stdout + r.stderr)
    check("bench ble: latencies and server CPU are numbers",
          all(isinstance(o.get("median_ms"), (int, float)) and o["median_ms"] > 0 and o["count"] == 3 and
              isinstance(o.get("server_cpu_us"), (int, float)) for o in lines.values()), lines)
    entry = discover(device_id)
    check("bench leaves the accessory unpaired", entry is not None and entry["paired"] is False, entry)


def main():
    global CTL_BUS, SIMULATOR
    try:
        if VIRTUAL:
            start_virtual_bluez()
        CTL_BUS = os.environ.get("HAP_SIM_CTL_BUS") or os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or "system"
        SIMULATOR, ready = start_simulator()
        run(ready)
    except Exception as e:  # a crash of the harness is a failed check, not a skip
        check("run", False, repr(e))
    finally:
        for proc in reversed(processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if any(not ok for _, ok in results):
            for name in ("sim.log", "virtual-bluez.log", "watch.log"):
                path = os.path.join(WORK, name)
                if os.path.exists(path):
                    print(f"# --- {name} (end) ---", file=sys.stderr)
                    for text in open(path).read()[-3000:].splitlines():
                        print("# " + text, file=sys.stderr)
            print_hci_digest()
        shutil.rmtree(WORK, ignore_errors=True)
    tap.report()
    # The exit status says it too, for runners that do not read TAP (tests/ble/vm).
    sys.exit(0 if all(ok for _, ok in results) else 1)


def print_hci_digest():
    """In the VM with --btmon (tests/ble/vm): the advertising, scanning and link events of
    both controllers, the last 120 of them, so that a failure shows whether the accessory
    stopped advertising or the controller stopped scanning."""
    trace = os.path.join(os.environ.get("HAP_VM_LOGDIR", ""), "hci.btsnoop")
    if not os.environ.get("HAP_VM_LOGDIR") or not os.path.exists(trace):
        return
    summary = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ble", "vm", "hci-summary.py")
    r = subprocess.run([sys.executable, summary, trace], capture_output=True, text=True, timeout=120)
    keep = ("Adv Enable", "Adv Data", "Scan Enable", "Connection Complete", "Disconnection Complete")
    lines, last_report = [], None
    for line in r.stdout.splitlines():
        if "Advertising Report type=0" in line:
            report = line.split(None, 1)[1]
            if report != last_report:  # one line per change of what is advertised
                lines.append(line)
            last_report = report
        elif any(k in line for k in keep) and "Command Complete" not in line:
            lines.append(line)
    print("# --- HCI digest (end) ---", file=sys.stderr)
    for line in lines[-120:]:
        print("# " + line, file=sys.stderr)


main()
