#!/usr/bin/python3
"""The desktop app end to end: the real hap-simulator window, driven through AT-SPI the
way a screen reader or a user would, checked on the wire with hapctl (the project's
controller) and through `hap-simulator ctl` (the app's D-Bus control API).

Runs inside e2e_session.py (private X server, private session bus, no system bus). With
HAP_VIRTUAL_BLUEZ set, a private system bus with hap-virtual-bluez on it (adapters hci0
and hci1) comes first: the BLE steps create an accessory served over BLE in the window
(on the first usable adapter) and drive it with hapctl as the central on the other one.
Environment: HAP_SIMULATOR, HAPCTL, HAP_ACCESSORIES_DIR, E2E_WORKDIR, E2E_TAP,
SCREENSHOT_DIR (where the PNGs, the AT-SPI tree dump and the app's log are left),
HAP_VIRTUAL_BLUEZ (optional).
Writes TAP to $E2E_TAP.
"""
import ctypes
import glob
import json
import os
import resource
import signal
import shutil
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atspi_util as A  # noqa: E402
import screenshots  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "discovery"))
import hap_namespace  # noqa: E402

SIM = os.environ["HAP_SIMULATOR"]
HAPCTL = os.environ["HAPCTL"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
WORK = os.environ["E2E_WORKDIR"]
SHOTS = os.environ.get("SCREENSHOT_DIR") or os.path.join(WORK, "screenshots")
CODE = "031-45-154"
CONTROLLER = os.path.join(WORK, "controller")
WORKSPACE = os.path.join(WORK, "workspace")
APP_LOG = os.path.join(WORK, "app.log")
NEW_NAME = "Attic Thermostat"
BLE_NAME = "Porch Light"
BLE_CONTROLLER = os.path.join(WORK, "controller-ble")


class Ble:
    """Which virtual adapter serves the accessory (the first usable one: BlueZ's order,
    hci0 or hci1, read from the Setup page) and which one hapctl uses (the other)."""
    adapter = "hci0"
    central = "hci1"

    @staticmethod
    def address(adapter):
        """hap-virtual-bluez's default public address of hciN: 00:AA:01:01:00:(N+1)."""
        return "00:AA:01:01:00:%02X" % (int(adapter[3:]) + 1)
BLE_QUIRK = "ble-gsn-rollover"


class Tap:
    def __init__(self, path):
        self.out = open(path, "a", buffering=1)
        self.n = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def ok(self, cond, desc, detail=""):
        self.n += 1
        self.out.write(f"{'ok' if cond else 'not ok'} {self.n} - {desc}\n")
        if not cond:
            self.failed += 1
            self.diag(detail)
        return bool(cond)

    def skip(self, desc, reason):
        """A test that could not run here: counted, never as a pass."""
        self.n += 1
        self.out.write(f"ok {self.n} - {desc} # SKIP {reason}\n")

    def diag(self, text):
        for line in str(text).splitlines():
            self.out.write(f"# {line}\n")

    def plan(self):
        self.diag(f"{time.monotonic() - self.t0:.1f} s in all")
        self.out.write(f"1..{self.n}\n")


tap = Tap(os.environ["E2E_TAP"])
# Ends with dbus-run-session (the app ends with this script, see app_preexec).
ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)   # PR_SET_PDEATHSIG


def run(cmd, timeout=30):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        # Whatever was captured comes as bytes here, text=True or not.
        text = [(b or b"").decode(errors="replace") if isinstance(b, bytes) else (b or "")
                for b in (e.stdout, e.stderr)]
        return subprocess.CompletedProcess(cmd, 124, text[0], text[1] + f"\n(timed out after {timeout} s)")


def ctl(*args, timeout=30):
    return run([SIM, "ctl", *args], timeout)


def ctl_json(*args):
    r = ctl("--json", *args)
    if r.returncode != 0:
        raise RuntimeError(f"ctl {' '.join(args)}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def hapctl(*args, controller=CONTROLLER, timeout=30):
    return run([HAPCTL, "--controller", controller, *args], timeout)


def out(r):
    return f"exit {r.returncode}\nstdout: {r.stdout.strip()}\nstderr: {r.stderr.strip()}"


def timed(label):
    """Logs how long a step took (the report's timings)."""
    class Timer:
        def __enter__(self):
            self.t = time.monotonic()

        def __exit__(self, *exc):
            tap.diag(f"{label}: {time.monotonic() - self.t:.2f} s")
    return Timer()


class App:
    """The running window: its process, its AT-SPI tree, and the ports of its accessories."""

    def __init__(self):
        self.proc = None
        self.acc = None     # the AT-SPI application
        self.frame = None   # the main window
        self.ids = {}       # accessory id -> ctl list row

    def start(self):
        os.makedirs(WORKSPACE)
        for name in ("lightbulb.json", "thermostat.json"):
            shutil.copy(os.path.join(ACCESSORIES, name), WORKSPACE)
        self.proc = subprocess.Popen([SIM, "--workspace", WORKSPACE, "--state-dir", os.path.join(WORK, "state"),
                                      "--bind", "127.0.0.1", "--setup-code", CODE],
                                     stdin=subprocess.DEVNULL, stdout=open(APP_LOG, "w"),
                                     stderr=subprocess.STDOUT, cwd=WORK, preexec_fn=app_preexec)

    def quit(self):
        """app.quit through GApplication's org.gtk.Actions, as a desktop shell would; then
        SIGTERM, then SIGKILL. Returns how it ended."""
        if self.proc is None or self.proc.poll() is not None:
            return "not running"
        r = run(["gdbus", "call", "--session", "--dest", "io.github.hapsim.Simulator",
                 "--object-path", "/io/github/hapsim/Simulator", "--method", "org.gtk.Actions.Activate",
                 "quit", "[]", "{}"], 10)
        try:
            self.proc.wait(10)
            return "quit" if r.returncode == 0 else f"gdbus: {r.stderr.strip()}"
        except subprocess.TimeoutExpired:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(10)
            return "SIGTERM"
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "SIGKILL"

    def refresh_ids(self):
        self.ids = {row["id"]: row for row in ctl_json("list")}
        return self.ids

    def addr(self, acc_id):
        return f"127.0.0.1:{self.ids[acc_id]['port']}"

    def locate(self):
        """Finds the window's lasting parts once: the sidebar list, the view switcher's
        tabs, the Add Accessory button and the five pages (GTK names a label-less widget
        after its type: HapSimControlsPage…). The pages' insides are not walked here."""
        self.pages, self.tabs = {}, {}
        self.sidebar = self.add_button = None

        def prune(obj):
            n, r = A.name(obj), A.role(obj)
            page = page_of(obj)
            if page:
                self.pages.setdefault(page, obj)
                return True
            if r == "page tab list":
                for tab in A.children(obj):
                    self.tabs.setdefault(A.name(tab), tab)
                return True
            if r == "list" and n == "Accessories":
                self.sidebar = obj
                return True
            if r in ("push button", "toggle button") and n == "Add Accessory":
                self.add_button = obj   # the inner one (the toggle button) comes last
            return False
        for _ in A.walk(self.frame, prune=prune):
            pass
        missing = [p for p in PAGES.values() if p not in self.pages]
        if missing or self.sidebar is None or not all(t in self.tabs for t in PAGES):
            raise A.NotFound(f"window parts missing: pages {missing}, sidebar {self.sidebar}, "
                             f"tabs {list(self.tabs)}")

    def sidebar_rows(self):
        return {A.name(row): row for row in A.children(self.sidebar)}

    def sidebar_row(self, name):
        return next((n for n in self.sidebar_rows() if n.startswith(name + ", ")), None)

    def select(self, name):
        """Selects the sidebar row of @name (AT-SPI Selection), then waits until the row
        is selected and the controls page shows the accessory (its description is the
        name: GTK 4.18 leaves the rows of the folded Accessory Information out of the tree)."""
        rows = A.children(self.sidebar)
        index = next((i for i, r in enumerate(rows) if A.name(r).startswith(name + ", ")), None)
        if index is None:
            raise A.NotFound(f"no sidebar row for {name!r}: {[A.name(r) for r in rows]}")
        # On the controls page: GTK 4.18 leaves a hidden page's insides out of the tree.
        controls = self.page("Controls")
        self.sidebar.querySelection().selectChild(index)
        if not A.poll(lambda: A.is_selected(A.children(self.sidebar)[index]) and
                      A.find(controls, desc=name), 5):
            raise A.NotFound(f"selecting {name!r}: the row is not selected or the controls do not show it")

    def find_tab(self, title):
        """The view switcher's tab @title, looked up again: the Bluetooth tab is only
        there while a BLE accessory is selected. Also finds the page."""
        found = {}

        def prune(obj):
            n, r = A.name(obj), A.role(obj)
            page = page_of(obj)
            if page:
                self.pages.setdefault(page, obj)
                return True
            if r == "page tab list":
                for tab in A.children(obj):
                    if A.name(tab) == title:
                        found.setdefault("tab", tab)   # the first switcher, as locate() keeps
                return True
            return False
        for _ in A.walk(self.frame, prune=prune):
            pass
        if "tab" in found:
            self.tabs[title] = found["tab"]
        return found.get("tab")

    def page(self, title):
        """Clicks the view switcher's button of the page @title ("Controls" … "Quirks");
        returns the page's accessible."""
        if (title not in PAGES or title not in self.tabs) and not A.poll(lambda: self.find_tab(title), 5):
            raise A.NotFound(f"no page tab {title!r}")
        A.do_action(self.tabs[title])
        if not A.poll(lambda: A.is_selected(self.tabs[title]), 5):
            raise A.NotFound(f"page tab {title!r} not on after a click:\n" + A.dump(self.tabs[title], 20))
        if title == BLE_PAGE[0]:
            self.find_tab(title)
        return self.pages[PAGES.get(title, BLE_PAGE[1])]


PAGES = {"Controls": "HapSimControlsPage", "Setup": "HapSimSetupPage", "Pairings": "HapSimPairingsPage",
         "Traffic": "HapSimTrafficPage", "Quirks": "HapSimQuirksPage"}
# Shown for accessories served over BLE only.
BLE_PAGE = ("Bluetooth", "HapSimBlePage")


def page_of(obj):
    """Which page (its type name, a value of PAGES) @obj is, or None. GTK 4.8 names a
    label-less widget after its type (HapSimSetupPage); GTK 4.18 wraps each page of the
    view stack in a panel named after the page's title ("Setup"). The controls page is
    named "Controls" itself."""
    n = A.name(obj)
    types = {**PAGES, BLE_PAGE[0]: BLE_PAGE[1]}
    if n in types.values():
        return n
    if n in types and A.role(obj) == "panel":
        return types[n]
    return None


def app_preexec():
    """In the app's process: a core file in WORK when it crashes (a backtrace is printed
    from it), and SIGKILL if this script dies first."""
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG


def crash_backtrace():
    cores = glob.glob(os.path.join(WORK, "core*"))
    if not shutil.which("gdb"):
        return "(gdb is not installed: no backtrace from %s)" % (cores or "a core file")
    if not cores:
        return "no core file (core_pattern: %s)" % open("/proc/sys/kernel/core_pattern").read().strip()
    r = run(["gdb", "-batch", "-nx", "-ex", "bt 40", SIM, cores[0]], 120)
    return "\n".join(line for line in r.stdout.splitlines() if line.startswith("#")) or out(r)


app = App()


# ---- steps -----------------------------------------------------------------------------

def step_start():
    with timed("start: app on the bus, accessories running"):
        app.start()
        r = ctl("wait", "--timeout", "60", timeout=70)
    if not tap.ok(r.returncode == 0, "the app starts and `ctl wait` sees its accessories running", out(r)):
        raise SystemExit
    ids = app.refresh_ids()
    tap.ok(set(ids) == {"lightbulb", "thermostat"} and all(row["port"] for row in ids.values()),
           "ctl list: the workspace's two accessories, each on a port", ids)

    with timed("AT-SPI: app and window found"):
        app.acc = A.poll(lambda: A.find_app(app.proc.pid), 30)
        app.frame = app.acc and A.poll(lambda: next((w for w in A.toplevels(app.acc)
                                                    if A.name(w) == "HAP Simulator"), None), 30)
    if not tap.ok(app.frame is not None, "the window is in the AT-SPI tree (app found by pid)",
                  f"app={app.acc} toplevels={[A.name(w) for w in A.toplevels(app.acc)] if app.acc else None}"):
        raise SystemExit
    with timed("AT-SPI: window parts located"):
        located = A.poll(lambda: app.locate() or True, 10)
    if not tap.ok(located, "the window has its sidebar, view switcher and five pages",
                  A.dump(app.frame, 300)):
        raise SystemExit
    rows = A.poll(lambda: app.sidebar_row("Desk Lamp") and app.sidebar_row("Hallway Thermostat") and
                  list(app.sidebar_rows()), 10)
    tap.ok(rows and all(", " in r for r in rows),
           "the sidebar lists both accessories as \"<name>, <status>\"", rows)


def step_pair():
    with timed("pair with hapctl"):
        r = hapctl("pair", app.addr("lightbulb"), CODE)
    if not tap.ok(r.returncode == 0 and app.ids["lightbulb"]["device-id"] in r.stdout,
                  "hapctl pairs with the lightbulb (setup code 031-45-154, by address)", out(r)):
        raise SystemExit
    row = A.poll(lambda: (n := app.sidebar_row("Desk Lamp")) and "Paired" in n and n, 5)
    tap.ok(row, "the sidebar row says the lightbulb is paired", app.sidebar_row("Desk Lamp"))


def chars(acc_id):
    return {(c["service"], c["type"]): c for c in ctl_json("chars", acc_id)}


def step_controls_to_wire():
    ch = chars("lightbulb")
    on, brightness = ch[("Lightbulb", "On")], ch[("Lightbulb", "Brightness")]
    on_id, br_id = f"{on['aid']}.{on['iid']}", f"{brightness['aid']}.{brightness['iid']}"
    addr = app.addr("lightbulb")
    app.select("Desk Lamp")
    page = app.page("Controls")

    switch = A.wait_find(page, roles=A.SWITCH_ROLES, desc=on_id)
    tap.ok(A.name_matches(A.name(switch), "On"), f"the On switch: accessible label \"On\", description \"{on_id}\"",
           A.name(switch))
    before = A.is_checked(switch)
    tap.ok(before is (on["value"] is True), "the switch shows the engine's value", f"checked={before} value={on['value']}")

    # A subscribed controller sees the window's change as an event.
    watch = subprocess.Popen([HAPCTL, "--controller", CONTROLLER, "watch", "--count", "1", addr, on_id],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        subscribed = watch.stdout.readline().strip() == "watching"
        tap.ok(subscribed, "hapctl watch subscribes to On", watch.stderr.read() if not subscribed else "")
        with timed("toggle On in the window → EVENT at hapctl watch"):
            A.do_action(switch)
            try:
                events, errors = watch.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                watch.kill()
                events, errors = watch.communicate()
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
    want = "false" if before else "true"
    tap.ok(f"{on_id} = {want}" in events, f"toggling the switch through AT-SPI sends an EVENT {on_id} = {want}",
           f"watch: {events!r} {errors!r}")
    r = hapctl("get", addr, on_id)
    tap.ok(r.returncode == 0 and r.stdout.strip() == f"{on_id} = {want}", "hapctl get reads the new On value", out(r))
    shown = "On" if want == "true" else "Off"
    tap.ok(A.poll(lambda: A.name(A.find(page, roles="label", desc=f"value {on_id}")) == shown, 5),
           f"the row's value label \"value {on_id}\" says {shown}",
           A.name(A.find(page, roles="label", desc=f"value {on_id}")))
    return on_id, br_id, addr


def step_wire_to_controls(on_id, br_id, addr):
    page = app.pages["HapSimControlsPage"]
    with timed("hapctl put Brightness=42 → value label"):
        r = hapctl("put", addr, f"{br_id}=42")
        tap.ok(r.returncode == 0, "hapctl put Brightness 42", out(r))
        label = A.poll(lambda: (l := A.find(page, roles="label", desc=f"value {br_id}")) and
                       A.name(l).startswith("42") and l, 5)
    tap.ok(label, f"the value label \"value {br_id}\" shows 42 within 5 s",
           A.name(A.find(page, roles="label", desc=f"value {br_id}")))
    spin = A.find(page, roles="spin button", desc=br_id)
    tap.ok(spin.queryValue().currentValue == 42, "the Brightness spin button holds 42", spin.queryValue().currentValue)

    switch = A.find(page, roles=A.SWITCH_ROLES, desc=on_id)
    target = not A.is_checked(switch)
    value = "true" if target else "false"
    r = hapctl("put", addr, f"{on_id}={value}")
    tap.ok(r.returncode == 0, f"hapctl put On {value}", out(r))
    tap.ok(A.poll(lambda: A.is_checked(A.find(page, roles=A.SWITCH_ROLES, desc=on_id)) is target, 5),
           "the On switch follows within 5 s", A.dump(A.find(page, roles=A.SWITCH_ROLES, desc=on_id)))


def step_spin_button():
    """The thermostat's Target Temperature set through the Value interface."""
    ch = chars("thermostat")
    target = ch[("Thermostat", "TargetTemperature")]
    spec = f"{target['aid']}.{target['iid']}"
    app.select("Hallway Thermostat")
    page = app.page("Controls")
    spin = A.wait_find(page, roles="spin button", desc=spec)
    tap.ok(A.name_matches(A.name(spin), "Target Temperature"),
           f"Target Temperature: a spin button labelled so, description \"{spec}\"", A.name(spin))
    spin.queryValue().currentValue = 23.5
    value = A.poll(lambda: (v := ctl("get", "thermostat", spec).stdout.strip()) == "23.5" and v, 5)
    tap.ok(value, "setting the spin button to 23.5 through AT-SPI changes the accessory's value",
           ctl("get", "thermostat", spec).stdout)
    label = A.poll(lambda: (l := A.find(page, roles="label", desc=f"value {spec}")) and
                   A.name(l).startswith("23.5") and A.name(l), 5)
    tap.ok(label and "°C" in label, "its value label reads \"23.5 °C\"",
           A.name(A.find(page, roles="label", desc=f"value {spec}")))


QUIRK = "json-global-status"


def workspace_has_quirk(name):
    with open(os.path.join(WORKSPACE, "lightbulb.json")) as f:
        return name in f.read()


def step_quirk(br_id, addr):
    app.select("Desk Lamp")
    page = app.page("Quirks")
    switch = A.wait_find(page, roles=A.SWITCH_ROLES, name_is=QUIRK)
    tap.ok(not A.is_checked(switch), f"quirk switch \"{QUIRK}\" found, off")
    r = hapctl("get", addr, br_id)
    tap.ok(r.returncode == 0, "before: hapctl get answers", out(r))

    with timed(f"quirk {QUIRK} on in the window → on the wire"):
        A.do_action(switch)
        enabled = A.poll(lambda: any(q["name"] == QUIRK for q in ctl_json("quirks", "lightbulb")), 5)
    tap.ok(enabled, f"switching {QUIRK} on in the window enables it in the engine", ctl("quirks", "lightbulb").stdout)
    r = hapctl("get", addr, br_id)
    tap.ok(r.returncode == 1 and "500" in r.stderr and "-70407" in r.stderr,
           f"on the wire: reads answered HTTP 500 {{\"status\":-70407}} (hapctl get fails)", out(r))
    tap.ok(A.poll(lambda: workspace_has_quirk(QUIRK), 5), "the quirk is saved in the workspace's lightbulb.json")

    A.do_action(A.find(page, roles=A.SWITCH_ROLES, name_is=QUIRK))
    disabled = A.poll(lambda: not any(q["name"] == QUIRK for q in ctl_json("quirks", "lightbulb")), 5)
    tap.ok(disabled, f"switching it off disables it", ctl("quirks", "lightbulb").stdout)
    r = hapctl("get", addr, br_id)
    tap.ok(r.returncode == 0 and r.stdout.startswith(f"{br_id} = "), "conforming again: hapctl get answers", out(r))
    tap.ok(A.poll(lambda: not workspace_has_quirk(QUIRK), 5), "… and the file no longer lists it")


# ---- HAP over BLE (with HAP_VIRTUAL_BLUEZ) ----------------------------------------------

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/> <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


def child_dies_with_us():
    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)   # PR_SET_PDEATHSIG


def start_virtual_bluez():
    """A private system bus with hap-virtual-bluez on it, for the app and hapctl (both
    read DBUS_SYSTEM_BUS_ADDRESS). False without HAP_VIRTUAL_BLUEZ."""
    program = os.environ.get("HAP_VIRTUAL_BLUEZ")
    if not program:
        return False
    socket = os.path.join(WORK, "system-bus")
    config = os.path.join(WORK, "system-bus.conf")
    with open(config, "w") as f:
        f.write(BUS_CONFIG % socket)
    logs = open(os.path.join(WORK, "virtual-bluez.log"), "w")
    bus = subprocess.Popen(["dbus-daemon", "--config-file=" + config, "--nofork", "--print-address=1"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=logs, text=True,
                           preexec_fn=child_dies_with_us)
    bus.stdout.readline()
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + socket
    daemon = subprocess.Popen([program], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=logs, text=True,
                              preexec_fn=child_dies_with_us)
    return tap.ok(daemon.stdout.readline().strip() == "ready", "hap-virtual-bluez runs on a private system bus")


def ble_hapctl(*args, timeout=60):
    return hapctl("--adapter", Ble.central, *args, controller=BLE_CONTROLLER, timeout=timeout)


def ble_discover(device_id, want=lambda e: True, seconds=60):
    """What a controller scanning on the other adapter sees (hapctl discover --ble)."""
    return hap_namespace.ble_discover(ble_hapctl, device_id, want, seconds)



def new_accessory_item():
    """The Add Accessory menu's "New Accessory…" item, once the menu is open."""
    items = A.find_all(A.parent(app.add_button), roles="menu item")
    named = [i for i in items if A.name_matches(A.name(i), "New Accessory…")]
    if named:
        return named[0]
    # GTK 4.18 names no item of a popover menu: take the first of add_menu
    # (ui/hap-sim-window.ui); the editor's title proves which one it was.
    return items[0] if items and not any(A.name(i) for i in items) else None


def open_new_accessory_editor():
    A.do_action(app.add_button)
    item = A.poll(new_accessory_item, 5)
    if item is None:
        raise A.NotFound("the Add Accessory menu has no New Accessory…")
    A.do_action(item)
    editor = A.poll(lambda: next((w for w in A.toplevels(app.acc) if A.name(w) == "New Accessory"), None), 5)
    if editor is None:
        raise A.NotFound("the editor did not open")
    return editor


def step_ble_create():
    """A lamp served over BLE, made in the editor: Transports → BLE, adapter left at the
    first usable one."""
    before = set(app.refresh_ids())
    editor = open_new_accessory_editor()
    A.set_text(A.find(editor, name_is="Accessory Name"), BLE_NAME)
    picked, shown = pick_from_dropdown(A.find(editor, roles="combo box", name_is="Service Type"), "Lightbulb")
    if not tap.ok(picked, "BLE: Service Type Lightbulb picked", shown):
        return None
    A.do_action(A.find(editor, roles="push button", name_is="Add Service"))
    A.do_action(A.find(editor, roles=("push button", "toggle button"), name_is="BLE"))
    adapter_row = A.poll(lambda: A.find(editor, name_is="Bluetooth Adapter"), 5)
    tap.ok(adapter_row is not None and A.find(adapter_row, roles="label", name_is="First usable"),
           "choosing BLE shows the Bluetooth Adapter row, on \"First usable\"",
           A.dump(adapter_row, 40) if adapter_row else A.dump(editor, 300))
    create = A.poll(lambda: (b := A.find(editor, roles="push button", name_is="Create Accessory")) and
                    A.is_sensitive(b) and b, 5)
    A.do_action(create)
    ids = A.poll(lambda: set(app.refresh_ids()) - before, 10)
    if not tap.ok(ids and len(ids) == 1, f"BLE: the engine has a new accessory \"{BLE_NAME}\"", app.ids):
        return None
    acc_id = next(iter(ids))
    with open(os.path.join(WORKSPACE, acc_id + ".json")) as f:
        definition = json.load(f)
    tap.ok(definition.get("transports") == ["ble"] and "ble-adapter" not in definition.get("simulator", {}),
           "its file says \"transports\": [\"ble\"] and names no adapter (the first usable)", definition)
    row = A.poll(lambda: app.sidebar_row(BLE_NAME), 5)
    tap.ok(row and row.endswith(", BLE"), "the sidebar row names its transport: BLE", row)

    app.select(BLE_NAME)
    setup = app.page("Setup")
    adapter = A.poll(lambda: next((A.name(l) for l in A.find_all(setup, roles="label")
                                   if A.name(l) in ("hci0", "hci1")), None), 10)
    tap.ok(adapter and A.find_all(setup, roles="label", name_is="BLE"),
           f"the Setup page shows the transport BLE and the adapter in use ({adapter})", A.dump(setup, 200))
    if adapter:
        Ble.adapter = adapter
        Ble.central = "hci1" if adapter == "hci0" else "hci0"
    return acc_id


def step_ble_pair_and_quirk(acc_id):
    device_id = app.ids[acc_id]["device-id"]
    entry = ble_discover(device_id)
    if not tap.ok(entry is not None and entry["address"] == Ble.address(Ble.adapter) and entry["paired"] is False,
                  f"hapctl discover --ble ({Ble.central}) sees it on {Ble.adapter}'s address, unpaired", entry):
        return None
    with timed("pair over BLE with hapctl"):
        r = ble_hapctl("pair", "ble:" + Ble.address(Ble.adapter), CODE)
    if not tap.ok(r.returncode == 0 and device_id in r.stdout, "hapctl pairs with it over BLE", out(r)):
        return None
    row = A.poll(lambda: (n := app.sidebar_row(BLE_NAME)) and "Paired" in n and n, 10)
    tap.ok(row, "the sidebar row says paired", app.sidebar_row(BLE_NAME))

    app.select(BLE_NAME)
    page = app.page("Quirks")
    switch = A.wait_find(page, roles=A.SWITCH_ROLES, name_is=BLE_QUIRK)
    tap.ok(not A.is_checked(switch), f"the Quirks page lists the BLE quirk {BLE_QUIRK}, off")
    A.do_action(switch)
    enabled = A.poll(lambda: any(q["name"] == BLE_QUIRK for q in ctl_json("quirks", acc_id)), 5)
    tap.ok(enabled, f"switching {BLE_QUIRK} on in the window enables it", ctl("quirks", acc_id).stdout)
    entry = ble_discover(device_id, lambda e: e["gsn"] == 65535)
    tap.ok(entry is not None and entry["gsn"] == 65535,
           "at the controller: the advertisement's GSN is 65535, about to wrap", entry)
    ble = app.page(BLE_PAGE[0])
    tap.ok(A.poll(lambda: A.find_all(ble, roles="label", name_is="65535"), 5),
           "the Bluetooth page shows GSN 65535", A.dump(ble, 200))
    tap.ok(A.find_all(ble, roles="label", name_is="Advertising") and
           A.find_all(ble, roles="label", name_is=device_id),
           "… the state Advertising and the advertisement's device id", A.dump(ble, 200))
    return device_id


def step_ble_indication(acc_id, device_id):
    """A value changed in the window reaches the central as an indication; the connection
    that carried it wraps the GSN to 1 (ble-gsn-rollover, docs/protocol.md §5.11)."""
    on = next(c for c in ctl_json("chars", acc_id) if c["type"] == "On")
    on_id = f"{on['aid']}.{on['iid']}"
    app.select(BLE_NAME)
    page = app.page("Controls")
    switch = A.wait_find(page, roles=A.SWITCH_ROLES, desc=on_id)
    before = A.is_checked(switch)
    watch = subprocess.Popen([HAPCTL, "--controller", BLE_CONTROLLER, "--adapter", Ble.central, "watch",
                              "--count", "1", "ble:" + Ble.address(Ble.adapter), on_id],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        subscribed = watch.stdout.readline().strip() == "watching"
        tap.ok(subscribed, "hapctl watch subscribes over BLE", "" if subscribed else watch.stderr.read())
        ble = app.page(BLE_PAGE[0])
        tap.ok(A.poll(lambda: A.find_all(ble, roles="label", name_is="Connected"), 10),
               "the Bluetooth page shows the central connected", A.dump(ble, 200))
        tap.ok(A.find_all(ble, roles="label", name_is=Ble.address(Ble.central)),
               f"… with its address ({Ble.central}'s)", A.dump(ble, 200))
        os.makedirs(SHOTS, exist_ok=True)
        dismiss_toasts()
        time.sleep(0.5)   # drawn; AT-SPI cannot tell when
        dismiss_toasts()  # one that came meanwhile
        ok, detail = screenshots.capture(os.path.join(SHOTS, "bluetooth.png"))
        tap.ok(ok, "screenshot of the bluetooth page (a central connected): bluetooth.png, not blank", detail)
        page = app.page("Controls")
        switch = A.wait_find(page, roles=A.SWITCH_ROLES, desc=on_id)
        with timed("toggle On in the window → indication at hapctl watch"):
            A.do_action(switch)
            try:
                events, errors = watch.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                watch.kill()
                events, errors = watch.communicate()
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()
    want = "false" if before else "true"
    tap.ok(f"{on_id} = {want}" in events, f"the central gets the indication and reads {on_id} = {want}",
           f"watch: {events!r} {errors!r}")
    entry = ble_discover(device_id, lambda e: e["gsn"] == 1)
    tap.ok(entry is not None and entry["gsn"] == 1, "the GSN wrapped from 65535 to 1 (ble-gsn-rollover)", entry)
    ble = app.page(BLE_PAGE[0])
    tap.ok(A.poll(lambda: A.find_all(ble, roles="label", name_is="Advertising"), 10),
           "the Bluetooth page shows it advertising again", A.dump(ble, 200))


def step_ble():
    acc_id = guarded(step_ble_create)
    if not acc_id:
        return
    device_id = guarded(step_ble_pair_and_quirk, acc_id)
    if device_id:
        guarded(step_ble_indication, acc_id, device_id)


def find_dialog_button(label, timeout=5):
    """A button @label in a window other than the main one (a dialog just opened)."""
    def look():
        for window in A.toplevels(app.acc):
            if A.name(window) == "HAP Simulator":
                continue
            for obj in A.walk(window):
                if A.role(obj) == "push button" and A.name_matches(A.name(obj), label):
                    return obj
        return None
    return A.poll(look, timeout)


def step_remove_pairing(br_id, addr):
    pairings = ctl_json("pairings", "lightbulb")
    tap.ok(len(pairings) == 1, "ctl pairings: one pairing before", pairings)
    controller = pairings[0]["controller-id"]
    app.select("Desk Lamp")
    page = app.page("Pairings")
    button = A.wait_find(page, roles="push button", name_is=f"Remove Pairing {controller}")
    tap.ok(A.is_sensitive(button), f"the \"Remove Pairing {controller}\" button")
    with timed("remove the pairing in the window"):
        A.do_action(button)
        remove = find_dialog_button("Remove")
        if not tap.ok(remove is not None, "a confirmation dialog asks, with a Remove button",
                      "\n".join(f"{A.role(w)} {A.name(w)!r}" for w in A.toplevels(app.acc))):
            return
        A.do_action(remove)
        gone = A.poll(lambda: ctl_json("pairings", "lightbulb") == [], 5)
    tap.ok(gone, "confirming removes it: ctl pairings is empty", ctl("pairings", "lightbulb").stdout)
    r = hapctl("get", addr, br_id)
    tap.ok(r.returncode == 1, "the controller is no longer paired: its next request fails", out(r))
    tap.ok(A.poll(lambda: not A.find_all(page, roles="push button", name_prefix="Remove Pairing"), 5),
           "the pairing's row is gone from the page")
    row = A.poll(lambda: (n := app.sidebar_row("Desk Lamp")) and "Paired" not in n and n, 5)
    tap.ok(row, "the sidebar row no longer says paired", app.sidebar_row("Desk Lamp"))


def step_new_accessory():
    """New Accessory… from the Add Accessory menu, through the editor dialog."""
    before = set(app.refresh_ids())
    if not tap.ok(app.add_button, "the \"Add Accessory\" menu button"):
        return
    A.do_action(app.add_button)   # the GtkMenuButton's own toggle button: the menu opens
    item = A.poll(new_accessory_item, 5)
    if not tap.ok(item, "its menu has \"New Accessory…\""):
        return
    A.do_action(item)
    editor = A.poll(lambda: next((w for w in A.toplevels(app.acc) if A.name(w) == "New Accessory"), None), 5)
    if not tap.ok(editor, "the editor opens (window \"New Accessory\")",
                  [A.name(w) for w in A.toplevels(app.acc)]):
        return

    create = A.find(editor, roles="push button", name_is="Create Accessory")
    tap.ok(not A.is_sensitive(create), "Create Accessory is disabled while the form is empty")
    name_row = A.find(editor, name_is="Accessory Name")
    A.set_text(name_row, NEW_NAME)
    dropdown = A.find(editor, roles="combo box", name_is="Service Type")
    picked, shown = pick_from_dropdown(dropdown, "Thermostat")
    if not tap.ok(picked, "Service Type: Thermostat picked in the drop-down", f"the drop-down shows {shown}"):
        return
    A.do_action(A.find(editor, roles="push button", name_is="Add Service"))
    create = A.poll(lambda: (b := A.find(editor, roles="push button", name_is="Create Accessory")) and
                    A.is_sensitive(b) and b, 5)
    if not tap.ok(create, "with a name and a service, Create Accessory is enabled",
                  A.dump(editor, 400)):
        return
    with timed("create the accessory"):
        A.do_action(create)
        ids = A.poll(lambda: set(app.refresh_ids()) - before, 10)
    new = [app.ids[i] for i in ids or ()]
    tap.ok(len(new) == 1 and new[0]["name"] == NEW_NAME, f"the engine has a new accessory \"{NEW_NAME}\"", app.ids)
    if len(new) != 1:
        return
    acc_id = new[0]["id"]
    r = ctl("wait", "--timeout", "10")
    tap.ok(r.returncode == 0 and app.refresh_ids()[acc_id]["port"], "it runs, on a port", out(r))
    types = {(c["service"], c["type"]) for c in ctl_json("chars", acc_id)}
    tap.ok(("Thermostat", "TargetTemperature") in types and ("Thermostat", "CurrentTemperature") in types,
           "it has a Thermostat service with its required characteristics", sorted(types))
    path = os.path.join(WORKSPACE, acc_id + ".json")
    try:
        with open(path) as f:
            definition = json.load(f)
    except (OSError, ValueError) as e:
        definition = str(e)
    accessory = definition["accessories"][0] if isinstance(definition, dict) else {}
    tap.ok(accessory.get("name") == NEW_NAME and accessory.get("category") in ("THERMOSTAT", 9),
           f"its file {acc_id}.json is in the workspace, category THERMOSTAT", definition)
    tap.ok(A.poll(lambda: app.sidebar_row(NEW_NAME), 5), "the sidebar lists it")
    tap.ok(A.poll(lambda: all(A.name(w) != "New Accessory" for w in A.toplevels(app.acc)), 5),
           "the editor closed")
    # And it is a real accessory: a controller pairs with it and reads the target.
    controller = os.path.join(WORK, "controller-new")
    addr = f"127.0.0.1:{app.ids[acc_id]['port']}"
    r = hapctl("pair", addr, CODE, controller=controller)
    tap.ok(r.returncode == 0, "hapctl pairs with the new thermostat", out(r))
    target = next(c for c in ctl_json("chars", acc_id) if c["type"] == "TargetTemperature")
    spec = f"{target['aid']}.{target['iid']}"
    r = hapctl("get", addr, spec, controller=controller)
    tap.ok(r.returncode == 0 and r.stdout.startswith(f"{spec} = "), "… and reads its Target Temperature", out(r))
    # The issue's "done when": change its temperature in the window, see the controller's
    # view change, and see what the controller sent.
    app.select(NEW_NAME)
    page = app.page("Controls")
    spin = A.wait_find(page, roles="spin button", desc=spec)
    spin.queryValue().currentValue = 24.5
    seen = A.poll(lambda: (g := hapctl("get", addr, spec, controller=controller)).returncode == 0 and
                  g.stdout.strip() == f"{spec} = 24.5", 5)
    tap.ok(seen, "Target Temperature set to 24.5 in the window: hapctl get reads 24.5",
           out(hapctl("get", addr, spec, controller=controller)))
    traffic = app.page("Traffic")
    tap.ok(A.poll(lambda: A.find_all(traffic, roles="label", name_prefix=f"GET /characteristics?id={spec}"), 5),
           f"the Traffic page shows what the controller sent: GET /characteristics?id={spec}")


def pick_from_dropdown(dropdown, wanted):
    """Picks @wanted in a GtkDropDown as a keyboard user does: open it, type in its search
    entry until @wanted is the one item left, press Return (XTest). Selecting the item
    through AT-SPI is not enough: GTK 4.8's drop-down only takes an item on activation,
    which AT-SPI cannot trigger. Returns (whether the drop-down shows @wanted now, the
    labels it shows)."""
    toggle = A.find(dropdown, roles=("push button", "toggle button"))

    def shown():
        # The toggle button's own label (not the popup's rows) is the selected item.
        return [A.name(o) for o in walk_outside_lists(toggle) if A.role(o) == "label"]
    A.do_action(toggle)
    popup = A.wait_find(dropdown, roles="list")   # the popover is built on first use
    search = A.wait_find(dropdown, roles="entry")
    A.set_text(search, wanted)

    def only_item():
        items = A.children(popup)
        if len(items) != 1 or not any(A.role(o) == "label" and A.name(o) == wanted for o in A.walk(items[0])):
            return None
        return items[0]
    item = A.poll(only_item, 5)
    if item is None:
        raise A.NotFound(f"typing {wanted!r} does not leave it alone in the list:\n" + A.dump(popup, 100))
    try:
        item.queryComponent().grabFocus()
    except Exception:  # noqa: BLE001 - it is focused already when the popup opens
        pass
    A.poll(lambda: A.is_focused(item), 2)
    A.press_key("Return")
    ok = A.poll(lambda: wanted in shown(), 5)
    if not ok:
        # GTK 4.18 keeps the focus in the search entry, where Return does nothing: go
        # down into the list, as a keyboard user would, and take the row there.
        A.press_key("Down")
        A.poll(lambda: A.is_focused(item), 2)
        A.press_key("Return")
        ok = A.poll(lambda: wanted in shown(), 5)
    return bool(ok), shown()


def walk_outside_lists(root):
    yield root
    for child in A.children(root):
        if A.role(child) != "list":
            yield from walk_outside_lists(child)


def step_second_instance():
    """One instance per session: starting the app again hands its files to the running
    one (GApplication "open") and exits."""
    outside = os.path.join(WORK, "import")
    os.makedirs(outside, exist_ok=True)
    shutil.copy(os.path.join(ACCESSORIES, "outlet.json"), outside)
    started = time.monotonic()
    r = run([SIM, os.path.join(outside, "outlet.json")], 30)
    took = time.monotonic() - started
    tap.ok(r.returncode == 0 and took < 15, "a second `hap-simulator FILE.json` exits at once, status 0",
           f"{out(r)} after {took:.1f} s")
    tap.ok(A.poll(lambda: "outlet" in app.refresh_ids(), 5),
           "the running app imported the file and serves it", list(app.ids))
    tap.ok(os.path.exists(os.path.join(WORKSPACE, "outlet.json")), "the file is now in its workspace")
    tap.ok(app.proc.poll() is None, "the first instance is still running")


def dismiss_toasts():
    """Closes the toasts on show, so that they do not cover the screenshots (they would
    only time out in an active window, and without a window manager none is). Their close
    button has no accessible name in libadwaita 1.2: it is the toast widget's button."""
    def prune(obj):
        return page_of(obj) is not None or A.role(obj) == "page tab list"
    for _ in range(10):
        toasts = [o for o in A.walk(app.frame, prune=prune) if A.name(o) == "AdwToastWidget"]
        if not toasts:
            return
        for toast in toasts:
            for button in A.find_all(toast, roles="push button"):
                A.do_action(button)
        time.sleep(0.3)


def step_screenshots():
    os.makedirs(SHOTS, exist_ok=True)
    app.select("Desk Lamp")
    dismiss_toasts()
    for title in PAGES:
        page = title.lower()
        app.page(title)
        time.sleep(0.5)   # the page has to be drawn, and AT-SPI cannot tell when it is
        path = os.path.join(SHOTS, f"{page}.png")
        ok, detail = screenshots.capture(path)
        tap.ok(ok, f"screenshot of the {page} page: {os.path.basename(path)}, not blank", detail)
        # Checked while shown: GTK 4.18 leaves the hidden pages' insides out of the tree.
        if title == "Traffic":
            traffic = app.pages["HapSimTrafficPage"]
            # The list follows the newest entries, and a list view has rows only for what is
            # on screen (GTK 4.18 keeps no more): search for the first exchange.
            search = A.find(traffic, name_is="Search Traffic")
            A.set_text(search, "Pair Setup M1")
            tap.ok(A.poll(lambda: A.find_all(traffic, roles="label", name_prefix="Pair Setup M1"), 5),
                   "the traffic page lists the lightbulb's exchanges (a search finds Pair Setup M1)")
            A.set_text(search, "")
        elif title == "Setup":
            setup = app.pages["HapSimSetupPage"]
            tap.ok(A.find_all(setup, roles="label", name_is=CODE) and A.find_all(setup, name_is="Setup QR code"),
                   "the setup page shows the setup code and the QR code")


def diagnostics():
    os.makedirs(SHOTS, exist_ok=True)
    if app.acc is not None:
        tree = "\n\n".join(A.dump(w) for w in A.toplevels(app.acc))
        with open(os.path.join(SHOTS, "atspi-tree.txt"), "w") as f:
            f.write(tree)
        tap.diag("AT-SPI tree of the app (the first 300 lines; all of it in atspi-tree.txt):")
        tap.diag("\n".join(tree.splitlines()[:300]))
    tap.diag("the app's output:")
    tap.diag(log_excerpt(app_log()))


def log_excerpt(log, lines=60):
    """A sanitizer's report from its first line (its stack is what matters), else the
    last @lines lines."""
    all_lines = log.splitlines()
    start = next((i for i, line in enumerate(all_lines)
                  if "ERROR: AddressSanitizer" in line or "ERROR: LeakSanitizer" in line or
                  "runtime error:" in line), None)
    if start is not None:
        return "\n".join(all_lines[start:start + 80])
    return "\n".join(all_lines[-lines:])


def app_log():
    try:
        with open(APP_LOG, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def guarded(step, *args):
    try:
        return step(*args)
    except SystemExit:
        raise
    except Exception:  # noqa: BLE001 - reported as a failing test
        tap.ok(False, f"{step.__name__} ran to the end", traceback.format_exc())
        return False


def main():
    try:
        ble = guarded(start_virtual_bluez)
        # Without the app and a paired controller nothing after makes sense.
        if guarded(step_start) is False or guarded(step_pair) is False:
            raise SystemExit
        ids = guarded(step_controls_to_wire)
        if ids:
            on_id, br_id, addr = ids
            guarded(step_wire_to_controls, on_id, br_id, addr)
            guarded(step_spin_button)
            guarded(step_quirk, br_id, addr)
            guarded(step_remove_pairing, br_id, addr)
        guarded(step_new_accessory)
        if ble:
            step_ble()
        guarded(step_second_instance)
        guarded(step_screenshots)
    except SystemExit:
        pass
    finally:
        finish()
    return 1 if tap.failed else 0


def finish():
    """The end of every run (e2e_wayland.py's too): diagnostics when something failed, the
    app quit as a desktop would and checked to end well, its log kept, the plan."""
    if tap.failed:
        diagnostics()
    if app.proc is not None:
        how = app.quit()
        if not tap.ok(how == "quit" and app.proc.returncode == 0, "app.quit ends the app with status 0",
                      f"{how}, exit status {app.proc.returncode}"):
            if app.proc.returncode is not None and app.proc.returncode < 0:
                tap.diag("backtrace of the crash:\n" + crash_backtrace())
            tap.diag("the app's output:\n" + log_excerpt(app_log()))
    if os.path.exists(APP_LOG):
        os.makedirs(SHOTS, exist_ok=True)
        shutil.copy(APP_LOG, os.path.join(SHOTS, "app.log"))
    tap.plan()


if __name__ == "__main__":
    sys.exit(main())
