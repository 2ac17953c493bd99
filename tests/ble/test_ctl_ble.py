#!/usr/bin/python3
"""`hap-simulator ctl` and the D-Bus control API for BLE accessories, against
hap-virtual-bluez on a private bus. Prints TAP.

One hap-simulator serves a workspace of three: "lamp" (a lightbulb over BLE), "sensor"
(a contact sensor over BLE) and "outlet" (over IP), with --ble-adapter hci0: the lamp
takes hci0, the sensor finds it busy and joins stopped. hci1 and hci2 are free for moves,
hapctl is the controller on hci3. Checked: ctl list/ble/adapters/transports/adapter and
trace --transport, the busy-adapter refusals and their message, claims released by
stop, remove, moves and transports, the GSN and the central as ctl shows them while
hapctl drives the accessory over BLE, broadcasts, and the BleChanged signal.
Environment: HAP_SIMULATOR, HAP_VIRTUAL_BLUEZ, HAPCTL, HAP_ACCESSORIES_DIR."""
import json, os, re, select, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "discovery"))
import hap_namespace  # noqa: E402
from hap_namespace import start_private_system_bus  # noqa: E402
from hap_tap import Tap  # noqa: E402

SIM = os.environ["HAP_SIMULATOR"]
VBLUEZ = os.environ["HAP_VIRTUAL_BLUEZ"]
HAPCTL = os.environ["HAPCTL"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
CODE = "031-45-154"
WORK = tempfile.mkdtemp(prefix="ctl-ble-test-")
CONTROLLER = os.path.join(WORK, "controller")
CTL_ADAPTER = "hci3"
BUS = None
tap = Tap()
check = tap.check
results = tap.results
processes = []


# What must never appear in a log of ours.
BAD_LOG = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|CRITICAL|g_assertion")




def address(adapter):
    """hap-virtual-bluez's public address of hciN: 00:AA:01:01:00:(N+1)."""
    return "00:AA:01:01:00:%02X" % (int(adapter[3:]) + 1)


def log(name):
    return open(os.path.join(WORK, name), "a")


def start_bus():
    processes.append(start_private_system_bus(WORK, log("dbus.log")))
    return os.environ["DBUS_SYSTEM_BUS_ADDRESS"]


def start_virtual_bluez():
    daemon = subprocess.Popen([VBLUEZ, "--adapters", "4"], stdout=subprocess.PIPE,
                              stderr=log("virtual-bluez.log"), text=True)
    processes.append(daemon)
    if daemon.stdout.readline().strip() != "ready":
        raise RuntimeError("hap-virtual-bluez did not start")


def write_workspace():
    ws = os.path.join(WORK, "ws")
    os.mkdir(ws)
    with open(os.path.join(ACCESSORIES, "lightbulb.json")) as f:
        lamp = json.load(f)
    lamp["transports"] = ["ble"]
    with open(os.path.join(ws, "lamp.json"), "w") as f:
        json.dump(lamp, f)
    shutil.copy(os.path.join(ACCESSORIES, "ble", "contact-sensor.json"), os.path.join(ws, "sensor.json"))
    shutil.copy(os.path.join(ACCESSORIES, "outlet.json"), os.path.join(ws, "outlet.json"))
    return ws


def start_simulator(ws):
    proc = subprocess.Popen([SIM, "--headless", "--bus", BUS, "--setup-code", CODE, "--bind", "127.0.0.1",
                             "--state-dir", os.path.join(WORK, "state"), "--ble-adapter", "hci0", ws],
                            stdout=subprocess.PIPE, stderr=log("sim.log"))
    processes.append(proc)
    ready = {}
    deadline = time.monotonic() + 60
    while len(ready) < 2 and time.monotonic() < deadline:
        line = read_line(proc, deadline - time.monotonic())
        if not line:
            break
        event = json.loads(line)
        ready[event["name"]] = event
    return proc, ready


_pending = {}


def read_line(proc, timeout=20):
    """One line of @proc's stdout (opened in binary), or '' after @timeout. Reads the file
    descriptor itself: a buffered readline() would swallow lines that select() then
    never reports."""
    fd = proc.stdout.fileno()
    buf = _pending.setdefault(fd, bytearray())
    deadline = time.monotonic() + max(timeout, 0)
    while b"\n" not in buf:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return ""
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf.extend(chunk)
    if b"\n" not in buf:
        line, buf[:] = bytes(buf), b""
    else:
        index = buf.index(b"\n")
        line, buf[:] = bytes(buf[:index]), buf[index + 1:]
    return line.decode(errors="replace").strip()


def ctl(*args, timeout=30):
    return subprocess.run([SIM, "ctl", "--bus", BUS, *args], capture_output=True, text=True, timeout=timeout)


def ctl_json(*args):
    r = ctl("--json", *args)
    try:
        return json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        return None


def row(listing, key, value):
    return next((r for r in listing or [] if r.get(key) == value), None)


def used_by():
    """ctl adapters --json as {name: used-by}."""
    return {a["name"]: a["used-by"] for a in ctl_json("adapters") or []}


def ble(acc):
    return ctl_json("ble", acc) or {}


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(0.1)


def hapctl(*args, timeout=60):
    return subprocess.run([HAPCTL, "--controller", CONTROLLER, "--adapter", CTL_ADAPTER, *args],
                          capture_output=True, text=True, timeout=timeout)


def discover(device_id, want=lambda e: True, seconds=60):
    return hap_namespace.ble_discover(hapctl, device_id, want, seconds)


def finish(proc, timeout=20):
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.returncode


class SignalWatch:
    """dbus-monitor for BleChanged on the bus, started before the action it should see."""

    def __init__(self):
        self.proc = subprocess.Popen(["dbus-monitor", "--address", BUS,
                                      "type='signal',interface='io.github.hapsim.Simulator1',member='BleChanged'"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        processes.append(self.proc)
        read_line(self.proc, 5)    # its own NameAcquired: it is listening
        self.member = None

    def saw(self, acc, timeout=5.0):
        """True once BleChanged(acc) arrives within @timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = read_line(self.proc, deadline - time.monotonic())
            if "member=BleChanged" in line:
                self.member = True
            elif self.member and line.startswith("string "):
                if line == f'string "{acc}"':
                    return True
                self.member = None
        return False

    def close(self):
        self.proc.terminate()
        finish(self.proc)


# ---- the cases -------------------------------------------------------------------------

def run_start(ready):
    listing = ctl_json("list")
    lamp, sensor, outlet = (row(listing, "id", i) for i in ("lamp", "sensor", "outlet"))
    if not check("list --json has the three accessories", lamp and sensor and outlet, listing):
        raise RuntimeError("nothing to test")
    check("list: transports", (lamp["transports"], sensor["transports"], outlet["transports"]) ==
          (["ble"], ["ble"], ["ip"]), listing)
    check("the lamp and the IP outlet run; the sensor, without a free adapter, joined stopped",
          lamp["state"] != "stopped" and outlet["state"] != "stopped" and sensor["state"] == "stopped", listing)
    check("ready lines: the lamp on hci0, the outlet on IP",
          ready.get(lamp["name"], {}).get("ble_adapter") == "hci0" and ready.get(outlet["name"], {}).get("port"),
          ready)
    text = open(os.path.join(WORK, "sim.log")).read()
    check("the warning says who holds the adapter and how to move",
          "sensor: cannot serve BLE on hci0: “lamp” already serves HAP over BLE on hci0" in text and
          "hap-simulator ctl adapter sensor hciN" in text and "hap-simulator ctl adapters" in text, text[-2000:])
    r = ctl("list")
    header = r.stdout.splitlines()[0].split() if r.stdout else []
    lamp_line = next((line.split() for line in r.stdout.splitlines() if line.startswith("lamp ")), [])
    check("list table: a TRANSPORTS column",
          "TRANSPORTS" in header and len(lamp_line) > header.index("TRANSPORTS") - 1 and "ble" in lamp_line,
          r.stdout + r.stderr)
    return lamp, sensor, outlet


def run_adapters():
    adapters = ctl_json("adapters")
    check("adapters --json: hci0…hci3 with their addresses",
          adapters is not None and [a["name"] for a in adapters] == ["hci0", "hci1", "hci2", "hci3"] and
          all(a["address"] == address(a["name"]) and a["peripheral"] is True for a in adapters), adapters)
    check("adapters --json: used-by", used_by() == {"hci0": "lamp", "hci1": "", "hci2": "", "hci3": ""},
          adapters)
    check("adapters: the accessory's adapter is powered", row(adapters, "name", "hci0")["powered"] is True,
          adapters)
    r = ctl("adapters")
    lines = [line.split() for line in r.stdout.splitlines()]
    check("adapters table: NAME ADDRESS PERIPHERAL POWERED USED-BY",
          r.returncode == 0 and lines[0] == ["NAME", "ADDRESS", "PERIPHERAL", "POWERED", "USED-BY"] and
          lines[1] == ["hci0", address("hci0"), "yes", "yes", "lamp"] and lines[2][0] == "hci1" and
          lines[2][-1] == "-", r.stdout + r.stderr)
    r = ctl("adapters", "extra")
    check("adapters takes no argument (exit 2)", r.returncode == 2, r.stderr)


def run_ble_view(lamp, outlet):
    info = ble("lamp")
    fields = info.get("advertisement-fields", {})
    check("ble --json: transports, adapter, state advertising",
          info.get("transports") == ["ble"] and info.get("adapter") == "hci0" and
          info.get("adapter-in-use") == "hci0" and info.get("state") == "advertising" and "central" not in info,
          info)
    check("ble --json: GSN and CN as advertised, the device id in the advertisement",
          1 <= info.get("gsn", 0) <= 65535 and info.get("cn", 0) >= 1 and fields.get("gsn") == info["gsn"] and
          fields.get("cn") == info["cn"] % 256 and fields.get("device-id") == lamp["device-id"], info)
    check("ble --json: no broadcast key, no broadcasts, an advertising id",
          info.get("broadcast-key") is False and info.get("broadcasts") == {} and
          re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", info.get("advertising-id", "")), info)
    r = ctl("ble", "lamp")
    shown = dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in r.stdout.splitlines() if "  " in line)
    check("ble table: every field", r.returncode == 0 and shown.get("transports") == "ble" and
          shown.get("adapter") == "hci0" and shown.get("state") == "advertising" and shown.get("central") == "-" and
          shown.get("gsn") == str(info["gsn"]) and shown.get("cn") == str(info["cn"]) and
          shown.get("advertising id") == info["advertising-id"] and shown.get("broadcast key") == "no" and
          shown.get("broadcasts") == "-", r.stdout + r.stderr)
    check("ble table: the advertisement in hex and its status flags (unpaired)",
          shown.get("advertisement") == bytes(info.get("advertisement", [])).hex() and
          shown.get("advertisement", "").startswith("06") and shown.get("status flags") == "0x01 (not paired)",
          r.stdout)
    out = ble("outlet")
    check("ble --json of an IP accessory: transports and adapter only",
          out == {"transports": ["ip"], "adapter": ""}, out)
    r = ctl("ble", "outlet")
    check("ble table of an IP accessory", r.returncode == 0 and "transports      ip" in r.stdout and
          "no BLE" in r.stdout, r.stdout + r.stderr)
    r = ctl("ble", "nothing")
    check("ble of an unknown accessory exits 1", r.returncode == 1 and "nothing" in r.stderr, r.stderr)


def run_refusals():
    # Stopped, an adapter is only remembered; starting claims it.
    r = ctl("adapter", "sensor", "hci0")
    check("adapter of a stopped accessory is remembered", r.returncode == 0 and ble("sensor").get("adapter") == "hci0",
          r.stderr)
    r = ctl("start", "sensor")
    check("start on a busy adapter is refused, naming the holder and the way out",
          r.returncode == 1 and "“lamp” already serves HAP over BLE on hci0" in r.stderr and
          "hap-simulator ctl adapter sensor hciN" in r.stderr and
          "hap-simulator ctl adapter lamp hciN" in r.stderr, r.stderr)
    check("the refused accessory stays stopped", row(ctl_json("list"), "id", "sensor")["state"] == "stopped")
    r = ctl("adapter", "sensor", "hci1")
    r2 = ctl("start", "sensor")
    check("on a free adapter it starts", r.returncode == 0 and r2.returncode == 0, r.stderr + r2.stderr)
    check("adapters: hci1 used by the sensor",
          wait_for(lambda: used_by().get("hci1") == "sensor"), used_by())
    check("ble: the sensor advertises on hci1",
          wait_for(lambda: ble("sensor").get("state") == "advertising" and
                   ble("sensor").get("adapter-in-use") == "hci1"), ble("sensor"))
    r = ctl("adapter", "sensor", "hci0")
    check("moving a running accessory onto a busy adapter is refused",
          r.returncode == 1 and "“lamp” already serves HAP over BLE on hci0" in r.stderr, r.stderr)
    check("… and it stays where it was", ble("sensor").get("adapter") == "hci1" and used_by().get("hci1") == "sensor",
          ble("sensor"))
    r = ctl("adapter", "sensor", "auto")
    check("'the first usable' is refused while another accessory serves BLE",
          r.returncode == 1 and "the first usable adapter" in r.stderr, r.stderr)
    r = ctl("add", os.path.join(WORK, "ws", "lamp.json"))
    check("AddAccessory of a second BLE accessory onto the busy adapter is refused, saying why",
          r.returncode == 1 and "already serves HAP over BLE on hci0" in r.stderr, r.stderr)
    check("… and adds nothing", [a["id"] for a in ctl_json("list") or []] == ["lamp", "outlet", "sensor"],
          ctl_json("list"))
    r = ctl("adapter", "sensor", "hci/1")
    check("adapter: a name that is not one gives InvalidArgument", r.returncode == 1 and
          "not an adapter name" in r.stderr, r.stderr)
    r = ctl("adapter", "sensor")
    check("adapter without a name exits 2", r.returncode == 2, r.stderr)


def run_move():
    # Its device ID exists since it first started (the list had "" before).
    sensor = row(ctl_json("list"), "id", "sensor")
    watch = SignalWatch()
    r = ctl("adapter", "sensor", "hci2")
    check("adapter: a running accessory moves", r.returncode == 0, r.stderr)
    check("BleChanged(sensor) on the move", watch.saw("sensor"))
    watch.close()
    check("adapters after the move: hci1 free, hci2 the sensor's",
          wait_for(lambda: used_by() == {"hci0": "lamp", "hci1": "", "hci2": "sensor", "hci3": ""}), used_by())
    entry = discover(sensor["device-id"], lambda e: e["address"] == address("hci2"))
    check("a controller finds the sensor on the new adapter", entry is not None and
          entry["address"] == address("hci2"), entry)


def run_transports(lamp):
    watch = SignalWatch()
    r = ctl("transports", "lamp", "ip")
    check("transports lamp ip", r.returncode == 0, r.stderr)
    check("BleChanged(lamp) when BLE goes off", watch.saw("lamp"))
    watch.close()
    listing = row(ctl_json("list"), "id", "lamp")
    check("list: the lamp is on IP only, running with a port",
          listing["transports"] == ["ip"] and listing["state"] != "stopped" and listing["port"] > 0, listing)
    check("ble: no BLE state", ble("lamp") == {"transports": ["ip"], "adapter": "hci0"}, ble("lamp"))
    check("hci0 released", wait_for(lambda: used_by().get("hci0") == ""), used_by())
    # Someone else takes hci0 meanwhile: BLE back on is then refused, and nothing changes.
    r = ctl("adapter", "sensor", "hci0")
    check("the sensor takes the freed hci0", r.returncode == 0 and wait_for(lambda: used_by().get("hci0") == "sensor"),
          r.stderr + str(used_by()))
    r = ctl("transports", "lamp", "ip,ble")
    check("BLE back on a busy adapter is refused, naming the sensor",
          r.returncode == 1 and "“sensor” already serves HAP over BLE on hci0" in r.stderr, r.stderr)
    listing = row(ctl_json("list"), "id", "lamp")
    check("… and the lamp keeps serving on IP", listing["transports"] == ["ip"] and listing["state"] != "stopped",
          listing)
    ctl("adapter", "sensor", "hci2")
    r = ctl("transports", "lamp", "ble")
    check("transports lamp ble", r.returncode == 0, r.stderr)
    check("the lamp is back on hci0", wait_for(lambda: used_by() == {"hci0": "lamp", "hci1": "", "hci2": "sensor",
                                                                    "hci3": ""}), used_by())
    check("list: ble", row(ctl_json("list"), "id", "lamp")["transports"] == ["ble"])
    entry = discover(lamp["device-id"])
    check("a controller finds the lamp again", entry is not None and entry["address"] == address("hci0"), entry)
    r = ctl("transports", "lamp", "wifi")
    check("transports: an unknown name exits 2", r.returncode == 2 and "wifi" in r.stderr, r.stderr)
    r = subprocess.run(["dbus-send", f"--bus={BUS}", "--print-reply", "--dest=io.github.hapsim.Simulator",
                        "/io/github/hapsim/Simulator", "io.github.hapsim.Simulator1.SetTransports", "string:lamp",
                        "array:string:"], capture_output=True, text=True, timeout=10)
    check("SetTransports with no transport: InvalidArgument",
          r.returncode != 0 and "Error.InvalidArgument" in r.stderr, r.stderr)


def run_stop_remove():
    ctl("stop", "sensor")
    check("stop releases the adapter", wait_for(lambda: used_by().get("hci2") == ""), used_by())
    r = ctl("start", "sensor")
    check("start claims it again", r.returncode == 0 and wait_for(lambda: used_by().get("hci2") == "sensor"),
          r.stderr + str(used_by()))
    r = ctl("remove", "sensor")
    check("remove releases the adapter", r.returncode == 0 and wait_for(lambda: used_by().get("hci2") == ""),
          r.stderr + str(used_by()))
    r = ctl("add", os.path.join(WORK, "ws", "sensor.json"), "--no-start")
    r2 = ctl("adapter", "sensor", "hci1")
    r3 = ctl("start", "sensor")
    check("added again, it serves on the adapter it is given",
          r.stdout.strip() == "sensor" and r2.returncode == 0 and r3.returncode == 0 and
          wait_for(lambda: used_by().get("hci1") == "sensor"), r.stderr + r2.stderr + r3.stderr)


def characteristic_iid(acc, ctype):
    return next((c["iid"] for c in ctl_json("chars", acc) or [] if c["type"] == ctype), None)


def run_controller(lamp):
    device_id = lamp["device-id"]
    addr = "ble:" + address("hci0")
    brightness = characteristic_iid("lamp", "Brightness")
    b = f"1.{brightness}"
    r = hapctl("pair", addr, CODE)
    check("hapctl pairs over BLE", r.returncode == 0 and device_id in r.stdout, r.stdout + r.stderr)
    own = open(CONTROLLER).read().split("id=")[1].split("\n")[0] if os.path.exists(CONTROLLER) else "?"
    check("ble: back to advertising once the controller left",
          wait_for(lambda: ble("lamp").get("state") == "advertising" and "central" not in ble("lamp")), ble("lamp"))

    # A connection stays up while hapctl watches: ctl shows the central.
    gsn = ble("lamp").get("gsn", 0)
    w = subprocess.Popen([HAPCTL, "--controller", CONTROLLER, "--adapter", CTL_ADAPTER, "watch", "--count", "1",
                          addr, b], stdout=subprocess.PIPE, stderr=log("watch.log"))
    processes.append(w)
    check("watch subscribes", read_line(w, 30) == "watching")
    info = wait_for(lambda: (lambda i: i if i.get("central", {}).get("controller-id") else None)(ble("lamp")))
    central = (info or {}).get("central", {})
    check("ble --json while connected: state connected, the central's address, secured, the controller",
          info and info["state"] == "connected" and central["address"] == address(CTL_ADAPTER) and
          central["secured"] is True and central["controller-id"] == own and
          central["subscriptions"] == [b] and central["procedures"] >= 1 and central["established"] > 0, info)
    r = ctl("ble", "lamp")
    check("ble table while connected: the central line",
          f"central         {address(CTL_ADAPTER)} (secured, controller {own})" in r.stdout and
          "state           connected" in r.stdout, r.stdout)
    watch = SignalWatch()
    check("ctl set while connected", ctl("set", "lamp", b, "33").returncode == 0)
    check("watch sees the indication", read_line(w, 20) == f"{b} = 33")
    finish(w)
    check("BleChanged(lamp) while the central indicates and leaves", watch.saw("lamp", 10))
    watch.close()
    check("central gone after the disconnection",
          wait_for(lambda: ble("lamp").get("state") == "advertising" and "central" not in ble("lamp")), ble("lamp"))
    after = wait_for(lambda: ble("lamp").get("gsn") if ble("lamp").get("gsn") != gsn else None)
    check("GSN +1 after a connection that carried an indication (docs/protocol.md §5.11)",
          after == (1 if gsn == 65535 else gsn + 1), (gsn, after))
    gsn = after or gsn

    # A write while nobody is connected: GSN +1, in ctl and in the advertisement.
    watch = SignalWatch()
    check("ctl set while disconnected", ctl("set", "lamp", b, "34").returncode == 0)
    check("BleChanged(lamp) on the advertisement change", watch.saw("lamp"))
    watch.close()
    info = ble("lamp")
    check("GSN +1 after a write while disconnected, advertised as such",
          info.get("gsn") == (1 if gsn == 65535 else gsn + 1) and
          info.get("advertisement-fields", {}).get("gsn") == info.get("gsn"), (gsn, info))
    entry = discover(device_id, lambda e: e["gsn"] == info.get("gsn"))
    check("the controller sees the same GSN", entry is not None and entry["gsn"] == info.get("gsn"), (info, entry))

    # Broadcast notifications: the key and the characteristic show up.
    r = hapctl("broadcast", addr, b, "on")
    check("hapctl broadcast on", r.returncode == 0, r.stdout + r.stderr)
    info = wait_for(lambda: (lambda i: i if i.get("broadcast-key") else None)(ble("lamp")))
    check("ble --json: broadcast key, the characteristic at 20 ms",
          info and info["broadcast-key"] is True and info["broadcasts"] == {str(brightness): 1}, info)
    r = ctl("ble", "lamp")
    check("ble table: paired in the status flags", "status flags    0x00 (paired)" in r.stdout, r.stdout)
    check("ble table: broadcast key yes and the broadcasting characteristic",
          "broadcast key   yes" in r.stdout and f"broadcasts      {b} every 20 ms" in r.stdout, r.stdout)
    return b


def run_trace(outlet, b):
    r = ctl("trace", "lamp", "--transport", "ble")
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    kinds = {e.get("kind") for e in lines}
    check("trace --transport ble: BLE entries only, PDUs, links and advertisements among them",
          r.returncode == 0 and lines and all(e.get("transport") == "ble" for e in lines) and
          {"advertisement", "connected", "request", "response"} <= kinds, kinds or r.stderr)
    r = ctl("trace", "lamp", "--transport", "ip")
    check("trace --transport ip of a BLE-only accessory: nothing", r.returncode == 0 and r.stdout == "", r.stdout)
    # Some IP traffic for the outlet: an unverified request is answered (and traced).
    import socket
    with socket.create_connection(("127.0.0.1", outlet["port"]), timeout=5) as s:
        s.sendall(b"GET /accessories HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(4096)
    full = ctl("trace", "outlet").stdout.splitlines()
    r = ctl("trace", "outlet", "--transport", "ip")
    ip_lines = r.stdout.splitlines()
    check("trace --transport ip: the IP entries, none with a transport",
          full and ip_lines == full and all("transport" not in json.loads(line) for line in ip_lines), r.stdout)
    check("trace --transport ble of an IP accessory: nothing", ctl("trace", "outlet", "--transport", "ble").stdout == "")
    r = ctl("trace", "lamp", "--transport", "zigbee")
    check("trace --transport: an unknown one exits 2", r.returncode == 2, r.stderr)
    # Following, only BLE lines count towards --count.
    last = int(json.loads(ctl("trace", "lamp").stdout.splitlines()[-1])["seq"])
    f = subprocess.Popen([SIM, "ctl", "--bus", BUS, "trace", "lamp", "--since", str(last), "--follow",
                          "--transport", "ble", "--count", "1"], stdout=subprocess.PIPE, stderr=log("follow.log"))
    processes.append(f)
    time.sleep(0.5)
    ctl("set", "lamp", b, "35")
    line = read_line(f, 15)
    check("trace --follow --transport ble prints the new BLE entry",
          line and json.loads(line).get("transport") == "ble" and finish(f) == 0, line)


def run_files(first):
    """The same three as files on the command line, all BLE ones given one adapter: the
    first takes it, the second joins stopped with the warning, the IP one serves."""
    status = finish_simulator(first)
    check("the simulator exits cleanly on SIGTERM", status == 0, status)
    ws = os.path.join(WORK, "ws")
    files = [os.path.join(ws, n) for n in ("lamp.json", "sensor.json", "outlet.json")]
    with log("sim2.log") as err:
        proc = subprocess.Popen([SIM, "--headless", "--bus", BUS, "--bus-name", "io.github.hapsim.Files",
                                 "--setup-code", CODE, "--bind", "127.0.0.1", "--state-dir", os.path.join(WORK, "state2"),
                                 "--ble-adapter", "hci2", *files], stdout=subprocess.PIPE, stderr=err)
    processes.append(proc)
    r = None
    for _ in range(100):
        r = subprocess.run([SIM, "ctl", "--bus", BUS, "--name", "io.github.hapsim.Files", "--json", "list"],
                           capture_output=True, text=True, timeout=30)
        if r.returncode == 0 and len(json.loads(r.stdout)) == 3:
            break
        time.sleep(0.1)
    listing = json.loads(r.stdout) if r.returncode == 0 else []
    states = {a["id"]: a["state"] for a in listing}
    check("files on the command line: the IP one and the first BLE one serve, the second BLE one waits stopped",
          proc.poll() is None and states.get("sensor") == "stopped" and states.get("lamp") not in (None, "stopped") and
          states.get("outlet") not in (None, "stopped"), (proc.poll(), states))
    text = open(os.path.join(WORK, "sim2.log")).read()
    check("… with the warning naming the holder", "sensor: cannot serve BLE on hci2: “lamp” already serves" in text,
          text[-1500:])


def finish_simulator(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def main():
    global BUS
    proc = None
    try:
        BUS = start_bus()
        start_virtual_bluez()
        proc, ready = start_simulator(write_workspace())
        lamp, sensor, outlet = run_start(ready)
        run_adapters()
        run_ble_view(lamp, outlet)
        run_refusals()
        run_move()
        run_transports(lamp)
        run_stop_remove()
        b = run_controller(lamp)
        run_trace(outlet, b)
        run_files(proc)
        proc = None
    except Exception as e:  # a crash of the harness is a failed check, not a skip
        check("run", False, repr(e))
    finally:
        for p in reversed(processes):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if proc is not None:
            check("the simulator exits cleanly on SIGTERM", proc.returncode == 0, proc.returncode)
        for name in ("sim.log", "sim2.log", "virtual-bluez.log"):
            path = os.path.join(WORK, name)
            bad = [line for line in open(path, errors="replace")] if os.path.exists(path) else []
            bad = [line for line in bad if BAD_LOG.search(line)]
            check(f"{name}: no sanitizer report or critical", not bad, "".join(bad[:10]))
        if any(not ok for _, ok in results):
            for name in ("sim.log", "virtual-bluez.log", "watch.log"):
                path = os.path.join(WORK, name)
                if os.path.exists(path):
                    print(f"# --- {name} (end) ---", file=sys.stderr)
                    for text in open(path, errors="replace").read()[-3000:].splitlines():
                        print("# " + text, file=sys.stderr)
    tap.report()
    if all(ok for _, ok in results):
        shutil.rmtree(WORK, ignore_errors=True)
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
