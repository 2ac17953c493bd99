#!/usr/bin/python3
"""tools/run-simulator.sh, headless, serving the demo workspace (accessories/ and
accessories/ble/) where a BlueZ is present. Prints TAP. Three runs:

  --virtual-bluez   the script starts hap-virtual-bluez on a bus of its own, one adapter
                    per BLE accessory plus one for a controller;
  BlueZ running     a hap-virtual-bluez already owns org.bluez on the system bus: the
                    script hands its adapters out to the BLE accessories;
  no BlueZ          the IP accessories only.

Each time the IP accessories are reachable (ctl list, hapctl pairs and reads one over
TCP) and the BLE ones too (hapctl discovers all of them over the virtual BlueZ, pairs
with the door lock and writes it with a timed write). The script's children go with it.
The binaries are the build's (HAP_SIMULATOR, HAP_VIRTUAL_BLUEZ, HAPCTL); the system
daemons are this test's own (RUN_SIMULATOR_NO_DAEMONS=1, private buses)."""
import json, os, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "discovery"))
from hap_namespace import private_bus_config  # noqa: E402
from hap_tap import Tap  # noqa: E402

SIM = os.environ["HAP_SIMULATOR"]
VBLUEZ = os.environ["HAP_VIRTUAL_BLUEZ"]
HAPCTL = os.environ["HAPCTL"]
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(SOURCE, "tools", "run-simulator.sh")
WORK = tempfile.mkdtemp(prefix="run-simulator-test-")
BLE_IDS = ["bedside-lamp", "button", "contact-sensor", "door-lock"]
tap = Tap()
check = tap.check
results = tap.results





def stop(proc, timeout=30):
    if proc is None:
        return None
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def start_bus(name):
    path = os.path.join(WORK, name)
    with open(path + ".conf", "w") as f:
        f.write(private_bus_config(path))
    proc = subprocess.Popen(["dbus-daemon", "--config-file=" + path + ".conf", "--nofork", "--print-address=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    proc.stdout.readline()
    return proc, "unix:path=" + path


class Run:
    """One run of the script with its own session bus, runtime and state directories."""

    def __init__(self, label, system_bus, *args):
        self.label = label
        self.dir = os.path.join(WORK, label)
        os.makedirs(os.path.join(self.dir, "xdg"), mode=0o700)
        self.session, self.session_address = start_bus(label + "-session")
        self.env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        self.env.update(DBUS_SESSION_BUS_ADDRESS=self.session_address, XDG_RUNTIME_DIR=os.path.join(self.dir, "xdg"),
                        XDG_STATE_HOME=os.path.join(self.dir, "state"), HOME=self.dir, HAP_SIMULATOR=SIM,
                        HAP_VIRTUAL_BLUEZ=VBLUEZ, RUN_SIMULATOR_NO_DAEMONS="1", DBUS_SYSTEM_BUS_ADDRESS=system_bus)
        self.log_path = os.path.join(self.dir, "script.log")
        self.proc = subprocess.Popen(["sh", SCRIPT, *args, "--bind", "127.0.0.1"], env=self.env, cwd=self.dir,
                                     stdout=open(os.path.join(self.dir, "ready.jsonl"), "w"),
                                     stderr=open(self.log_path, "w"))
        self.system_bus = system_bus

    def ctl(self, *args, timeout=30):
        return subprocess.run([SIM, "ctl", "--bus", self.session_address, *args], capture_output=True, text=True,
                              timeout=timeout)

    def ctl_json(self, *args):
        r = self.ctl("--json", *args)
        try:
            return json.loads(r.stdout) if r.returncode == 0 else None
        except ValueError:
            return None

    def hapctl(self, *args, adapter=None, timeout=60):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.system_bus)
        return subprocess.run([HAPCTL, "--controller", os.path.join(self.dir, "controller"),
                               *(["--adapter", adapter] if adapter else []), *args],
                              capture_output=True, text=True, timeout=timeout, env=env)

    def log(self):
        return open(self.log_path, errors="replace").read()

    def leftovers(self):
        """PIDs (other than ours) whose environment names this run's runtime directory."""
        mark = ("XDG_RUNTIME_DIR=" + self.env["XDG_RUNTIME_DIR"]).encode()
        found = []
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        found.append(int(pid))
            except OSError:
                pass
        return found

    def finish(self):
        status = stop(self.proc)
        check(f"{self.label}: the script exits on SIGTERM", status in (0, 143, -signal.SIGTERM), status)
        left = []
        for _ in range(50):
            left = self.leftovers()
            if not left:
                break
            time.sleep(0.1)
        check(f"{self.label}: nothing it started is left running", not left, left)
        bad = [line for line in self.log().splitlines()
               if "CRITICAL" in line or "runtime error:" in line or "Sanitizer" in line]
        check(f"{self.label}: no critical or sanitizer report in its log", not bad, bad[:10])
        stop(self.session)


def check_ip(run, listing):
    ip = [a for a in listing if a["transports"] == ["ip"]]
    check(f"{run.label}: the IP accessories run with ports",
          len(ip) >= 19 and all(a["port"] > 0 and a["state"] != "stopped" for a in ip), ip)
    lamp = next((a for a in listing if a["id"] == "lightbulb"), None)
    setup = run.ctl_json("setup", "lightbulb") or {}
    chars = run.ctl_json("chars", "lightbulb") or []
    on = next((c["iid"] for c in chars if c["type"] == "On"), None)
    r = run.hapctl("pair", f"127.0.0.1:{lamp['port']}", setup.get("setup-code", "?"))
    check(f"{run.label}: hapctl pairs with the IP lightbulb", r.returncode == 0 and lamp["device-id"] in r.stdout,
          r.stdout + r.stderr)
    r = run.hapctl("get", f"127.0.0.1:{lamp['port']}", f"1.{on}")
    check(f"{run.label}: and reads it over IP", r.returncode == 0 and r.stdout.strip() in (f"1.{on} = true", f"1.{on} = false"),
          r.stdout + r.stderr)


def check_ble(run, listing, controller_adapter):
    ble = {a["id"]: a for a in listing if "ble" in a["transports"]}
    check(f"{run.label}: the BLE demo accessories run", sorted(ble) == BLE_IDS and
          all(a["state"] != "stopped" for a in ble.values()) and
          ble["bedside-lamp"]["transports"] == ["ip", "ble"], listing)
    adapters = {a["name"]: a["used-by"] for a in run.ctl_json("adapters") or []}
    check(f"{run.label}: one adapter each, the controller's free",
          sorted(v for v in adapters.values() if v) == BLE_IDS and adapters.get(controller_adapter) == "", adapters)
    found = {}
    for _ in range(10):
        r = run.hapctl("--json", "discover", "--ble", "--timeout", "2", adapter=controller_adapter)
        try:
            found = {e["device_id"]: e for e in json.loads(r.stdout)} if r.returncode == 0 else {}
        except ValueError:
            found = {}
        if all(a["device-id"] in found for a in ble.values()):
            break
    check(f"{run.label}: hapctl discovers every BLE accessory over BlueZ",
          all(a["device-id"] in found for a in ble.values()), (sorted(found), ble))
    lock = ble.get("door-lock")
    entry = found.get(lock["device-id"]) if lock else None
    if not check(f"{run.label}: the door lock advertises as a lock (category 6)",
                 entry is not None and entry["category_id"] == 6, entry):
        return
    address = "ble:" + entry["address"]
    setup = run.ctl_json("setup", "door-lock") or {}
    target = next((c["iid"] for c in run.ctl_json("chars", "door-lock") or [] if c["type"] == "LockTargetState"),
                  None)
    r = run.hapctl("pair", address, setup.get("setup-code", "?"), adapter=controller_adapter)
    check(f"{run.label}: hapctl pairs with the door lock over BLE", r.returncode == 0, r.stdout + r.stderr)
    r = run.hapctl("put", address, f"1.{target}=0", adapter=controller_adapter)
    check(f"{run.label}: the lock refuses a write that is not timed", r.returncode == 1, r.stdout + r.stderr)
    r = run.hapctl("put", "--timed", address, f"1.{target}=0", adapter=controller_adapter)
    got = run.ctl("get", "door-lock", "LockMechanism/LockTargetState").stdout.strip()
    check(f"{run.label}: a timed write unlocks it", r.returncode == 0 and got == "0", (r.stderr, got))


def check_pick(run):
    """An adapter freed at run time goes to the next accessory that turns BLE on."""
    r = run.ctl("transports", "lightbulb", "ip,ble")
    check(f"{run.label}: BLE on with every listed adapter taken is refused, saying which holds what",
          r.returncode == 1 and "already serves HAP over BLE" in r.stderr and "ctl adapter lightbulb hciN" in r.stderr,
          r.stderr)
    r = run.ctl("remove", "contact-sensor")
    adapters = {a["name"]: a["used-by"] for a in run.ctl_json("adapters") or []}
    check(f"{run.label}: remove frees the contact sensor's adapter", r.returncode == 0 and
          adapters.get("hci2") == "", (r.stderr, adapters))
    r = run.ctl("transports", "lightbulb", "ip,ble")
    info = run.ctl_json("ble", "lightbulb") or {}
    check(f"{run.label}: BLE on for an IP accessory takes the freed adapter of the list",
          r.returncode == 0 and info.get("adapter") == "hci2" and info.get("transports") == ["ip", "ble"], (r.stderr, info))
    for _ in range(50):
        adapters = {a["name"]: a["used-by"] for a in run.ctl_json("adapters") or []}
        if adapters.get("hci2") == "lightbulb":
            break
        time.sleep(0.1)
    check(f"{run.label}: adapters shows it there", adapters.get("hci2") == "lightbulb", adapters)


def wait_up(run):
    r = run.ctl("wait", "--timeout", "120", timeout=150)
    if not check(f"{run.label}: ctl wait: every accessory runs", r.returncode == 0, r.stderr + run.log()[-3000:]):
        return None
    return run.ctl_json("list") or []


def run_virtual():
    bus, address = start_bus("virtual-system")   # no BlueZ on it: the script brings its own
    run = Run("virtual", address, "--virtual-bluez")
    try:
        listing = wait_up(run)
        if listing is None:
            return
        vbus = "unix:path=" + os.path.join(run.env["XDG_RUNTIME_DIR"], "hap-virtual-bluez", "bus")
        check("virtual: the script says where the virtual BlueZ is and which adapter is the controller's",
              vbus in run.log() and "--adapter hci4" in run.log(), run.log()[-2000:])
        run.system_bus = vbus
        check_ip(run, listing)
        check_ble(run, listing, "hci4")
        check_pick(run)
    finally:
        run.finish()
        stop(bus)


def run_bluez_present():
    bus, address = start_bus("bluez-system")
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=address)
    vb = subprocess.Popen([VBLUEZ, "--adapters", "5"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          text=True, env=env)
    run = None
    try:
        if not check("bluez: hap-virtual-bluez starts", vb.stdout.readline().strip() == "ready"):
            return
        run = Run("bluez", address)
        listing = wait_up(run)
        if listing is None:
            return
        check("bluez: the script found BlueZ and its adapters",
              "BlueZ is running (adapters: hci0,hci1,hci2,hci3,hci4)" in run.log(), run.log()[-2000:])
        check_ip(run, listing)
        check_ble(run, listing, "hci4")
    finally:
        if run is not None:
            run.finish()
        stop(vb)
        stop(bus)


def run_no_bluez():
    bus, address = start_bus("plain-system")
    run = Run("plain", address)
    try:
        listing = wait_up(run)
        if listing is None:
            return
        check("plain: without BlueZ only the IP accessories are served",
              listing and all(a["transports"] == ["ip"] for a in listing), listing)
        check_ip(run, listing)
    finally:
        run.finish()
        stop(bus)


def main():
    for part in (run_virtual, run_bluez_present, run_no_bluez):
        try:
            part()
        except Exception as e:  # a crash of the harness is a failed check, not a skip
            check(part.__name__, False, repr(e))
    tap.report()
    ok = all(ok for _, ok in results)
    if ok:
        shutil.rmtree(WORK, ignore_errors=True)
    else:
        print(f"# logs kept in {WORK}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
