#!/usr/bin/python3
"""The installed Flatpak, run sandboxed as an ordinary user (uid 65534) inside
tests/discovery/run-in-namespace.sh (private network, /run and system bus; avahi-daemon and
a session bus started here): headless with the demo accessories, advertised and paired
from outside the sandbox, controlled over the session bus from outside and inside, the
window under Xvfb (screenshot kept), without the Avahi talk-name (no record, and the
app says why), HAP over BLE through org.bluez (hap-virtual-bluez on the namespace's system
bus, outside the sandbox; hapctl pairs, reads and watches from outside) and without that
talk-name (not advertised, and the app says why), and Import and Export through the file
chooser portal (the real xdg-desktop-portal and document portal; filechooser_backend.py
stands in for the dialog).
Prints TAP; tests/flatpak/run.sh installs the app and runs this."""
import gzip, json, os, re, select, shutil, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "discovery"))
import hap_namespace  # noqa: E402
from hap_namespace import start_avahi  # noqa: E402
from hap_tap import Tap  # noqa: E402

APP = "io.github.hapsim.Simulator"
UID = 65534
NS = os.environ["HAP_NS_DIR"]
SIM = os.environ["HAP_SIMULATOR"]          # the host build: `hap-simulator ctl` outside
HAPCTL = os.environ["HAPCTL"]
VIRTUAL_BLUEZ = os.environ["HAP_VIRTUAL_BLUEZ"]   # the host build's, run as root outside
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
MANIFEST = os.environ["HAP_FLATPAK_MANIFEST"]
HOME = os.environ["HAP_FLATPAK_HOME"]      # the user's home, owned by UID
ARTIFACTS = os.environ["HAP_FLATPAK_ARTIFACTS"]
USER_DIR = os.environ["FLATPAK_USER_DIR"]
RUNTIME_DIR = f"/run/user/{UID}"
APP_DATA = os.path.join(HOME, ".var", "app", APP)   # the sandbox's XDG folders live here
CODE_RE = re.compile(r"^\d{3}-\d{2}-\d{3}$")
tap = Tap()
started = []   # Popen objects to stop at the end


def user_env(**extra):
    env = {"PATH": "/usr/bin:/bin", "HOME": HOME, "LANG": "C.UTF-8", "XDG_RUNTIME_DIR": RUNTIME_DIR,
           "DBUS_SESSION_BUS_ADDRESS": f"unix:path={RUNTIME_DIR}/bus",
           "FLATPAK_USER_DIR": USER_DIR, "FLATPAK_SYSTEM_DIR": os.environ["FLATPAK_SYSTEM_DIR"],
           # For xdg-desktop-portal, which the session bus activates with its own environment.
           "XDG_DESKTOP_PORTAL_DIR": PORTAL_DIR, "XDG_CURRENT_DESKTOP": PORTAL_DESKTOP}
    env.update(extra)
    return env


def as_user(*argv):
    return ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--", *argv]


def run_user(*argv, timeout=60, **extra):
    return subprocess.run(as_user(*argv), env=user_env(**extra), capture_output=True, text=True,
                          timeout=timeout)


def chown_tree(path):
    for root, dirs, files in os.walk(path):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.lchown(name, UID, UID)


def accessory_name(path):
    """The name an accessory file serves under: its first accessory's (a bridge's)."""
    return json.load(open(path))["accessories"][0]["name"]


def copy_demo(dest):
    """The demo accessories (what tools/run-simulator.sh serves without BlueZ: the IP
    ones of accessories/), into a folder of the sandbox's own; their names."""
    os.makedirs(dest, exist_ok=True)
    names = []
    for f in sorted(os.listdir(ACCESSORIES)):
        if f.endswith((".json", ".jpg")):
            shutil.copy(os.path.join(ACCESSORIES, f), dest)
        if f.endswith(".json"):
            names.append(accessory_name(os.path.join(ACCESSORIES, f)))
    chown_tree(os.path.join(HOME, ".var"))
    return names


def sandbox_pids(comm):
    """PIDs of processes named @comm in this network namespace (ours alone)."""
    mine = os.readlink("/proc/self/ns/net")
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            # The kernel keeps 15 characters of a name: hap-simulator-app is hap-simulator-a.
            if os.readlink(f"/proc/{p}/ns/net") == mine and open(f"/proc/{p}/comm").read().strip() == comm[:15]:
                pids.append(int(p))
        except OSError:
            pass
    return pids


def stop_sandbox(proc):
    """Stops the app in the sandbox (SIGTERM, as a desktop session would) and its
    `flatpak run`."""
    for comm in ("hap-simulator-app", "hap-simulator"):
        for pid in sandbox_pids(comm):
            os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        for comm in ("hap-simulator-app", "hap-simulator", "bwrap", "xdg-dbus-proxy"):
            for pid in sandbox_pids(comm):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)


def start_headless(log_name, *flatpak_opts, args=()):
    """`flatpak run APP --headless …` as the user; (Popen, ready lines) once every
    accessory is ready, or what was ready after 60 s."""
    log = open(os.path.join(ARTIFACTS, log_name), "w")
    proc = subprocess.Popen(as_user("flatpak", "run", *flatpak_opts, APP, "--headless", *args),
                            env=user_env(), stdout=subprocess.PIPE, stderr=log)
    started.append(proc)
    return proc


def read_ready(proc, count, timeout=60):
    ready = []
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    buf = ""
    while len(ready) < count and time.monotonic() < deadline and proc.poll() is None:
        try:
            buf += os.read(fd, 65536).decode()
        except BlockingIOError:
            pass
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            if line.startswith("{"):
                ev = json.loads(line)
                if ev.get("event") == "ready":
                    ready.append(ev)
        time.sleep(0.1)
    return ready


def browse(timeout=10, want=None):
    """Resolved _hap._tcp records seen by avahi-browse outside the sandbox: {device id:
    name}, polled until @want (a set of device ids) is all there or @timeout."""
    seen = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = subprocess.run(["avahi-browse", "-p", "-t", "-r", "-k", "_hap._tcp"], capture_output=True,
                           text=True, timeout=30)
        for line in r.stdout.splitlines():
            f = line.split(";")
            if f[0] == "=" and len(f) >= 10:
                m = re.search(r'"id=([0-9A-F:]+)"', f[9])
                if m:
                    seen[m.group(1)] = f[3].replace("\\032", " ")
        if want is not None and want <= set(seen):
            break
        time.sleep(0.5)
    return seen


def ctl_list(*prefix):
    r = subprocess.run(as_user(*prefix, "ctl", "--json", "list"), env=user_env(), capture_output=True,
                       text=True, timeout=60)
    try:
        return json.loads(r.stdout), r
    except ValueError:
        return None, r


# ---- the installation ---------------------------------------------------------------------

def finish_args_expected():
    text = re.sub(r"/\*.*?\*/", "", open(MANIFEST).read(), flags=re.S)
    want = set()
    for arg in json.loads(text)["finish-args"]:
        key, value = arg[2:].split("=", 1)
        want.add((key, value))
        # build-finish writes x11 next to fallback-x11, for flatpak versions older than
        # 0.11 that do not know it; newer ones leave X11 out where Wayland is.
        if (key, value) == ("socket", "fallback-x11"):
            want.add(("socket", "x11"))
    return want


def test_installed():
    r = run_user("flatpak", "info", APP)
    tap.check("the app is installed on the GNOME 48 runtime",
              r.returncode == 0 and re.search(r"Runtime: org\.gnome\.Platform/x86_64/48", r.stdout), r)
    r = run_user("flatpak", "info", "--show-permissions", APP)
    have, section = set(), None
    names = {"shared": "share", "sockets": "socket", "devices": "device"}
    for line in r.stdout.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif "=" in line:
            k, v = line.split("=", 1)
            if section == "Context":
                for item in filter(None, v.split(";")):
                    have.add((names.get(k, k), item))
            elif section == "System Bus Policy":
                have.add(("system-" + v + "-name", k))
            else:
                have.add((section, line))
    want = finish_args_expected()
    tap.check("the sandbox's permissions are exactly the manifest's finish-args",
              r.returncode == 0 and have == want, f"have {sorted(have)} want {sorted(want)}")


def test_exports():
    share = os.path.join(USER_DIR, "exports", "share")
    desktop = os.path.join(share, "applications", APP + ".desktop")
    text = open(desktop).read() if os.path.exists(desktop) else ""
    tap.check("the desktop file is exported and runs the app through flatpak",
              re.search(r"^Exec=.*flatpak run .*--command=hap-simulator .*" + re.escape(APP), text, re.M), text)
    icons = [os.path.join(share, "icons", "hicolor", d, "apps", APP + s)
             for d, s in (("scalable", ".svg"), ("symbolic", "-symbolic.svg"))]
    tap.check("the icons are exported", all(os.path.exists(i) for i in icons), icons)
    files = os.path.join(USER_DIR, "app", APP, "current", "active", "files")
    # flatpak-builder 1.2 moves the metainfo to share/appdata (1.4 keeps share/metainfo).
    metas = [os.path.join(files, "share", d, APP + s)
             for d, s in (("metainfo", ".metainfo.xml"), ("appdata", ".appdata.xml"))]
    meta = next((m for m in metas if os.path.exists(m)), metas[0])
    text = open(meta).read() if os.path.exists(meta) else ""
    tap.check("the metainfo is installed with screenshots and release notes",
              "<screenshot" in text and re.search(r"<release [^>]*version=", text), meta)
    r = subprocess.run(["appstreamcli", "validate", "--no-net", meta], capture_output=True, text=True)
    tap.check("the installed metainfo validates", r.returncode == 0, r.stdout + r.stderr)
    composed = os.path.join(files, "share", "app-info", "xmls", APP + ".xml.gz")
    text = gzip.open(composed, "rt").read() if os.path.exists(composed) else ""
    tap.check("the AppStream catalog composed at build time has the screenshots and releases",
              "<screenshot" in text and "<release " in text, composed)


# ---- headless, advertised, paired, controlled ----------------------------------------------

def test_headless():
    names = copy_demo(os.path.join(APP_DATA, "data", "demo"))
    proc = start_headless("headless.log", args=[os.path.join(APP_DATA, "data", "demo")])
    try:
        ready = read_ready(proc, len(names))
        tap.check(f"headless in the sandbox: all {len(names)} demo accessories ready",
                  sorted(e["name"] for e in ready) == sorted(names), f"ready {len(ready)}: {ready}")
        pids = sandbox_pids("hap-simulator")
        status = open(f"/proc/{pids[0]}/status").read() if pids else ""
        info = open(f"/proc/{pids[0]}/root/.flatpak-info").read() if pids else ""
        tap.check("the app runs sandboxed: flatpak's info file, uid 65534, no capabilities, own user namespace",
                  f"name={APP}" in info and re.search(rf"^Uid:\s+{UID}\b", status, re.M)
                  and re.search(r"^CapEff:\s+0+$", status, re.M)
                  and os.readlink(f"/proc/{pids[0]}/ns/user") != os.readlink("/proc/self/ns/user"),
                  status[:600])
        ids = {e["device_id"] for e in ready}
        seen = browse(want=ids)
        tap.check("every accessory's mDNS record is seen outside the sandbox (avahi-browse)",
                  ids and ids <= set(seen), f"want {sorted(ids)} seen {seen}")

        outside, r = ctl_list(SIM)
        tap.check("hap-simulator ctl list from outside reaches the app over the session bus",
                  outside is not None and sorted(a["name"] for a in outside) == sorted(names), r)
        inside, r = ctl_list("flatpak", "run", f"--command=hap-simulator", APP)
        tap.check("hap-simulator ctl list from inside a second sandbox (flatpak run --command)",
                  inside is not None and sorted(a["name"] for a in inside) == sorted(names), r)

        bulb = next(e for e in ready if e["name"] == accessory_name(os.path.join(ACCESSORIES, "lightbulb.json")))
        addr = f"127.0.0.1:{bulb['port']}"
        controller = os.path.join(NS, "controller")
        r = subprocess.run([HAPCTL, "--controller", controller, "pair", addr, bulb["setup_code"]],
                           capture_output=True, text=True, timeout=60)
        tap.check("hapctl pairs from outside the sandbox", r.returncode == 0 and CODE_RE.match(bulb["setup_code"]), r)
        r = subprocess.run([HAPCTL, "--controller", controller, "--json", "accessories", addr],
                           capture_output=True, text=True, timeout=60)
        try:
            tree = json.loads(r.stdout)
        except ValueError:
            tree = {}
        tap.check("hapctl reads the attribute database over the verified session",
                  r.returncode == 0 and tree.get("accessories"), r)
        after, r = ctl_list(SIM)
        entry = next((a for a in after or [] if a["name"] == bulb["name"]), {})
        tap.check("ctl list shows the accessory paired", entry.get("paired") is True, entry)
        state = os.path.join(APP_DATA, ".local", "state", "hap-simulator")
        kept = [os.path.join(d, f) for d, _, fs in os.walk(state) for f in fs]
        tap.check("identity and pairings are kept in the sandbox's XDG state folder",
                  kept and not os.path.exists(os.path.join(HOME, ".local", "state", "hap-simulator")),
                  f"{state}: {kept}")
    finally:
        stop_sandbox(proc)


def test_without_avahi():
    """The negative control: without the talk-name, the proxy hides avahi-daemon."""
    names = copy_demo(os.path.join(APP_DATA, "data", "demo"))
    # Fresh identities, so that no record left from the run above can be mistaken for these.
    state = os.path.join(APP_DATA, "data", "state-no-avahi")
    proc = start_headless("no-avahi.log", "--system-no-talk-name=org.freedesktop.Avahi",
                          args=["--state-dir", state, os.path.join(APP_DATA, "data", "demo")])
    try:
        ready = read_ready(proc, len(names))
        tap.check("without the Avahi talk-name the accessories are still served",
                  len(ready) == len(names), ready)
        ids = {e["device_id"] for e in ready}
        seen = browse(timeout=4)
        tap.check("without the Avahi talk-name no record appears",
                  ids and not ids & set(seen), f"ids {sorted(ids)} seen {seen}")
    finally:
        stop_sandbox(proc)
    log = open(os.path.join(ARTIFACTS, "no-avahi.log")).read()
    tap.check("without the Avahi talk-name the app says mDNS is unavailable",
              "mDNS advertising unavailable" in log, log[-2000:])


# ---- HAP over BLE through org.bluez ------------------------------------------------------
# hap-virtual-bluez (the host build's) is org.bluez on the namespace's system bus, a plain
# process outside the sandbox; the app reaches it only through flatpak's xdg-dbus-proxy
# (--system-talk-name=org.bluez), and hapctl is the central on the second adapter.
ACC_ADAPTER, CTL_ADAPTER = "hci0", "hci1"
bluez = None          # its Popen, while it runs
bluez_ready = False   # it printed "ready": it owns org.bluez
# As root outside the sandbox, with a controller file of its own.
HAPCTL_BLE = [HAPCTL, "--adapter", CTL_ADAPTER, "--controller", os.path.join(NS, "ble-controller")]


def start_virtual_bluez():
    """hap-virtual-bluez (adapters hci0 and hci1) on the system bus, once; whether it owns
    org.bluez. As root: the system bus lets root own the name (bluetooth.conf)."""
    global bluez, bluez_ready
    if bluez is None:
        bluez = subprocess.Popen([VIRTUAL_BLUEZ, "--adapters", "2"], stdout=subprocess.PIPE, text=True,
                                 stderr=open(os.path.join(ARTIFACTS, "virtual-bluez.log"), "w"))
        started.append(bluez)
        bluez_ready = bluez.stdout.readline().strip() == "ready"
    return bluez_ready and bluez.poll() is None


def stop_virtual_bluez():
    global bluez
    if bluez is not None and bluez.poll() is None:
        bluez.terminate()
        bluez.wait(timeout=10)
    bluez = None


def ble_accessory(dest):
    """accessories/ble/bedside-lamp.json served over BLE alone, in a folder of the
    sandbox's own; its path and name."""
    os.makedirs(dest, exist_ok=True)
    definition = json.load(open(os.path.join(ACCESSORIES, "ble", "bedside-lamp.json")))
    definition["transports"] = ["ble"]
    path = os.path.join(dest, "bedside-lamp.json")
    json.dump(definition, open(path, "w"))
    chown_tree(os.path.join(HOME, ".var"))
    return path, definition["accessories"][0]["name"]


def hapctl_ble(*args, timeout=60):
    return subprocess.run([*HAPCTL_BLE, *args], capture_output=True, text=True, timeout=timeout)


def char_iid(tree, service_type, ctype):
    for svc in tree.get("accessories", [{}])[0].get("services", []):
        if svc["type"] == service_type:
            for ch in svc["characteristics"]:
                if ch["type"] == ctype:
                    return ch["iid"]
    return None


def read_line(proc, timeout):
    """One line of @proc's stdout, or '' after @timeout seconds."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    return proc.stdout.readline().strip() if ready else ""


def test_ble():
    tap.check("hap-virtual-bluez owns org.bluez on the namespace's system bus", start_virtual_bluez(),
              open(os.path.join(ARTIFACTS, "virtual-bluez.log")).read()[-1000:])
    path, name = ble_accessory(os.path.join(APP_DATA, "data", "ble"))
    proc = start_headless("ble.log", args=["--ble-adapter", ACC_ADAPTER, "--state-dir",
                                           os.path.join(APP_DATA, "data", "state-ble"), path])
    watch = None
    try:
        ready = read_ready(proc, 1, timeout=30)
        event = ready[0] if ready else {}
        # Ready once BlueZ took the advertisement; without it, after 5 s with ble_adapter null.
        tap.check("the sandboxed app advertises over BLE on hci0 through the proxy (ready line)",
                  event.get("name") == name and event.get("transports") == ["ble"]
                  and event.get("ble_adapter") == ACC_ADAPTER, ready)
        device_id = event.get("device_id", "none")
        entry = hap_namespace.ble_discover(hapctl_ble, device_id, seconds=15)
        tap.check("hapctl discover --ble on hci1 lists it, unpaired",
                  entry is not None and entry["name"] == name and entry["paired"] is False, entry)
        if entry is None:
            return
        address = "ble:" + entry["address"]
        r = hapctl_ble("pair", address, event["setup_code"])
        tap.check("hapctl pairs over BLE from outside the sandbox",
                  r.returncode == 0 and r.stdout.strip() == f"paired with {device_id}", r.stdout + r.stderr)
        r = hapctl_ble("--json", "accessories", address)
        try:
            tree = json.loads(r.stdout)
        except ValueError:
            tree = {}
        brightness = char_iid(tree, "43", "8")
        b = f"1.{brightness}"
        r = hapctl_ble("get", address, b)
        tap.check("hapctl get over BLE returns the file's Brightness (60)",
                  brightness is not None and r.returncode == 0 and r.stdout.strip() == f"{b} = 60",
                  r.stdout + r.stderr)
        watch = subprocess.Popen([*HAPCTL_BLE, "watch", "--count", "1", address, b], stdout=subprocess.PIPE,
                                 stderr=open(os.path.join(ARTIFACTS, "ble-watch.log"), "w"), text=True)
        started.append(watch)
        watching = read_line(watch, 30)
        r = subprocess.run(as_user(SIM, "ctl", "set", device_id, b, "33"), env=user_env(),
                           capture_output=True, text=True, timeout=30)
        line = read_line(watch, 30) if watching == "watching" else ""
        tap.check("ctl set from outside (session bus) reaches hapctl's watch as a BLE indication",
                  watching == "watching" and r.returncode == 0 and line == f"{b} = 33",
                  (watching, line, r.stderr))
        r = hapctl_ble("get", address, b)
        tap.check("and a later hapctl get reads the new value",
                  r.returncode == 0 and r.stdout.strip() == f"{b} = 33", r.stdout + r.stderr)
    finally:
        if watch is not None and watch.poll() is None:
            watch.kill()
            watch.wait()
        stop_sandbox(proc)


def test_without_bluez():
    """The negative control: without the talk-name the proxy hides org.bluez, which is
    still there for hapctl outside."""
    path, name = ble_accessory(os.path.join(APP_DATA, "data", "ble"))
    # Fresh identity: nothing the run above left advertised can be mistaken for it.
    proc = start_headless("no-bluez.log", "--system-no-talk-name=org.bluez",
                          args=["--ble-adapter", ACC_ADAPTER, "--state-dir",
                                os.path.join(APP_DATA, "data", "state-no-bluez"), path])
    try:
        running = start_virtual_bluez()
        # Without BlueZ the ready line comes after the simulator's 5 s timeout.
        ready = read_ready(proc, 1, timeout=20)
        event = ready[0] if ready else {}
        tap.check("without the org.bluez talk-name the accessory is not advertised (ready with no adapter)",
                  running and event.get("name") == name and "ble_adapter" in event
                  and event["ble_adapter"] is None, ready)
        r = hapctl_ble("--json", "discover", "--ble", "--timeout", "3")
        try:
            seen = [e["device_id"] for e in json.loads(r.stdout)]
        except (ValueError, KeyError, TypeError):
            seen = None
        tap.check("without the org.bluez talk-name hapctl discover --ble does not list it",
                  seen is not None and event.get("device_id") and event["device_id"] not in seen
                  and bluez is not None and bluez.poll() is None, (r.stdout, r.stderr, event))
    finally:
        stop_sandbox(proc)
        stop_virtual_bluez()
    log = open(os.path.join(ARTIFACTS, "no-bluez.log")).read()
    tap.check("without the org.bluez talk-name the app says BlueZ is not running",
              f"{name}: HAP over BLE is waiting: BlueZ (org.bluez) is not running" in log, log[-2000:])


# ---- the window ---------------------------------------------------------------------------

def start_xvfb():
    """Display :99 in a private X socket folder (this mount namespace only), once."""
    if os.path.exists("/tmp/.X11-unix/X99"):
        return
    os.makedirs("/tmp/.X11-unix", mode=0o1777, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", "/tmp/.X11-unix"], check=True)
    os.chmod("/tmp/.X11-unix", 0o1777)
    xvfb = subprocess.Popen(["Xvfb", ":99", "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-ac"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(NS, "xvfb.log"), "w"))
    started.append(xvfb)
    for _ in range(100):
        if os.path.exists("/tmp/.X11-unix/X99"):
            break
        time.sleep(0.05)


def start_window(log_name):
    """The window, sandboxed, on :99; (Popen, whether it mapped, xwininfo's tree). Toasts
    are logged (G_MESSAGES_DEBUG=hap-sim-window) to artifacts/flatpak/LOG_NAME."""
    start_xvfb()
    log = open(os.path.join(ARTIFACTS, log_name), "w")
    env = user_env(DISPLAY=":99")
    proc = subprocess.Popen(as_user("flatpak", "run", "--env=GSK_RENDERER=cairo", "--env=GTK_A11Y=none",
                                    "--env=NO_AT_BRIDGE=1", "--env=G_MESSAGES_DEBUG=hap-sim-window", APP),
                            env=env, stdout=log, stderr=log)
    started.append(proc)
    tree = ""
    for _ in range(60):
        tree = subprocess.run(["xwininfo", "-display", ":99", "-root", "-tree"], capture_output=True,
                              text=True).stdout
        if '"HAP Simulator"' in tree:
            break
        time.sleep(0.5)
    return proc, '"HAP Simulator"' in tree, tree


def test_window():
    workspace = os.path.join(APP_DATA, "data", "hap-simulator", "workspace")
    names = copy_demo(workspace)
    proc, mapped, tree = start_window("window.log")
    try:
        tap.check("the window maps under Xvfb", mapped, tree[-1500:])
        listed = None
        for _ in range(40):
            listed, r = ctl_list(SIM)
            if listed and len(listed) == len(names):
                break
            time.sleep(0.5)
        tap.check("the window serves its workspace from the sandbox's XDG data folder",
                  listed is not None and sorted(a["name"] for a in listed) == sorted(names), listed)
        for _ in range(40):
            if listed and all(a["state"] == "advertised" for a in listed):
                break
            time.sleep(0.5)
            listed, r = ctl_list(SIM)
        ids = {a["device-id"] for a in listed or []}
        seen = browse(want=ids)
        tap.check("the window's accessories are advertised from the sandbox and seen outside",
                  ids and all(a["state"] == "advertised" for a in listed) and ids <= set(seen),
                  f"{[(a['name'], a['state']) for a in listed or []]} seen {seen}")
        time.sleep(2)   # let it paint
        shot = os.path.join(ARTIFACTS, "window.png")
        subprocess.run(["import", "-display", ":99", "-window", "root", shot], capture_output=True, timeout=60)
        colors = subprocess.run(["identify", "-format", "%k", shot], capture_output=True, text=True).stdout
        tap.check("the screenshot shows a drawn window (artifacts/flatpak/window.png)",
                  colors.isdigit() and int(colors) > 50, f"{shot}: {colors} colours")
    finally:
        stop_sandbox(proc)


# ---- the file chooser portal -----------------------------------------------------------
# Real: xdg-desktop-portal (the frontend the sandboxed app's GtkFileChooserNative calls),
# xdg-document-portal (FUSE on /run/user/UID/doc: how the sandbox gets the file chosen) and
# the permission store, activated by the session bus as on a desktop. A double: only the
# backend that would show the dialog to a human (filechooser_backend.py answers what the
# test wrote in PORTAL_CONTROL and records each call in PORTAL_CALLS).
# In a folder uid 65534 reaches (HAP_NS_DIR is root's alone, the checkout may be too).
PORTAL_HOME = tempfile.mkdtemp(prefix="hap-portal.")
PORTAL_DIR = os.path.join(PORTAL_HOME, "portals")
PORTAL_CONTROL = os.path.join(PORTAL_HOME, "control.json")
PORTAL_CALLS = os.path.join(PORTAL_HOME, "calls.jsonl")
backend_ready = False
PORTAL_DESKTOP = "hapci"
PORTAL_NAME = "org.freedesktop.impl.portal.desktop.hapci"
APP_PATH = "/" + APP.replace(".", "/")


def start_portal_backend():
    """Before the session bus activates xdg-desktop-portal (libadwaita asks its Settings
    portal at start-up): xdg-desktop-portal 1.16 (Debian 12) picks backends by the .portal
    files in XDG_DESKTOP_PORTAL_DIR whose UseIn matches XDG_CURRENT_DESKTOP, both in the
    bus's environment (user_env)."""
    os.chmod(PORTAL_HOME, 0o755)
    os.makedirs(PORTAL_DIR, exist_ok=True)
    backend = shutil.copy(os.path.join(HERE, "filechooser_backend.py"), PORTAL_HOME)
    with open(os.path.join(PORTAL_DIR, "hapci.portal"), "w") as f:
        f.write(f"[portal]\nDBusName={PORTAL_NAME}\nInterfaces=org.freedesktop.impl.portal.FileChooser;\n"
                f"UseIn={PORTAL_DESKTOP}\n")
    for path in (PORTAL_CONTROL, PORTAL_CALLS):
        open(path, "w").close()
        os.chown(path, UID, UID)
    proc = subprocess.Popen(as_user("/usr/bin/python3", backend, PORTAL_NAME,
                                    PORTAL_CONTROL, PORTAL_CALLS),
                            env=user_env(), stdout=subprocess.PIPE,
                            stderr=open(os.path.join(ARTIFACTS, "portal-backend.log"), "w"), text=True)
    started.append(proc)
    return proc.stdout.readline().strip() == "ready"


def portal_answer(response, path=None):
    with open(PORTAL_CONTROL, "w") as f:
        json.dump({"response": response, "uris": ["file://" + path] if path else []}, f)


def portal_calls():
    with open(PORTAL_CALLS) as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_calls(count, timeout=15):
    calls = portal_calls()
    deadline = time.monotonic() + timeout
    while len(calls) < count and time.monotonic() < deadline:
        time.sleep(0.2)
        calls = portal_calls()
    return calls


def app_action(name):
    """app.NAME through GApplication's org.gtk.Actions, from outside the sandbox."""
    return run_user("gdbus", "call", "--session", "--dest", APP, "--object-path", APP_PATH,
                    "--method", "org.gtk.Actions.Activate", name, "[]", "{}", timeout=30)


def toasts(log_name):
    text = open(os.path.join(ARTIFACTS, log_name), errors="replace").read()
    return re.findall(r"toast: (.*)", text)


def wait_for(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_portal():
    tap.check("the FileChooser backend double owns its name on the session bus", backend_ready)
    workspace = os.path.join(APP_DATA, "data", "hap-simulator", "workspace")
    names = copy_demo(workspace)
    # Outside every folder the sandbox is given: reachable only through the portals.
    downloads, exports = os.path.join(HOME, "Downloads"), os.path.join(HOME, "Exports")
    os.makedirs(downloads, exist_ok=True)
    os.makedirs(exports, exist_ok=True)
    chosen = os.path.join(downloads, "portal-lamp.json")
    definition = json.load(open(os.path.join(ACCESSORIES, "lightbulb.json")))
    definition["accessories"][0]["name"] = "Portal Lamp"
    json.dump(definition, open(chosen, "w"))
    saved = os.path.join(exports, "portal-lamp-export.json")
    chown_tree(downloads)
    chown_tree(exports)
    before = set(os.listdir(workspace))
    proc, mapped, _ = start_window("portal.log")
    try:
        listed = wait_for(lambda: (lambda l: l if l and len(l) == len(names) else None)(ctl_list(SIM)[0]))
        pids = sandbox_pids("hap-simulator-app")
        tap.check("the sandbox sees neither the chosen file's folder nor the export folder",
                  mapped and listed and pids and not os.path.exists(f"/proc/{pids[0]}/root{downloads}")
                  and not os.path.exists(f"/proc/{pids[0]}/root{exports}"), pids)

        # Import: OpenFile answered with a file the sandbox cannot see.
        portal_answer(0, chosen)
        r = app_action("import")
        calls = wait_calls(1)
        call = calls[0] if calls else {}
        opts = call.get("options", {})
        tap.check("app.import reaches the backend through xdg-desktop-portal: OpenFile with the app's ID and title",
                  r.returncode == 0 and call.get("method") == "OpenFile" and call.get("app_id") == APP
                  and call.get("title") == "Import Accessory File" and opts.get("modal") is True
                  and call.get("parent_window", "").startswith("x11:"), (r, calls))
        tap.check("OpenFile carries the JSON filter",
                  any(["*.json"] == [p for kind, p in f[1] if kind == 0] for f in opts.get("filters", [])), opts)
        listed = wait_for(lambda: (lambda l: l if l and "Portal Lamp" in [a["name"] for a in l] else None)(
            ctl_list(SIM)[0]))
        tap.check("the chosen file is imported: `ctl list` from outside shows it",
                  listed and len(listed) == len(names) + 1, listed)
        added = set(os.listdir(workspace)) - before
        copied = [f for f in added if f.endswith(".json")
                  and json.load(open(os.path.join(workspace, f)))["accessories"][0]["name"] == "Portal Lamp"]
        tap.check("its file is copied into the sandbox's workspace", copied, sorted(added))
        tap.check("the app says it imported it",
                  wait_for(lambda: any(t.startswith("Imported") and "Portal Lamp" in t for t in toasts("portal.log"))),
                  toasts("portal.log"))

        # Export (the imported accessory is selected): SaveFile, written where the backend said.
        portal_answer(0, saved)
        r = app_action("export")
        calls = wait_calls(2)
        call = calls[1] if len(calls) > 1 else {}
        opts = call.get("options", {})
        tap.check("app.export: SaveFile with the app's title and the accessory's file name (its ID)",
                  r.returncode == 0 and call.get("method") == "SaveFile" and call.get("app_id") == APP
                  and call.get("title") == "Export Accessory File" and opts.get("modal") is True
                  and opts.get("current_name") in copied, (calls, copied))
        written = wait_for(lambda: os.path.exists(saved) and os.path.getsize(saved) > 0)
        content = {}
        try:
            content = json.load(open(saved)) if written else {}
        except ValueError:
            pass
        tap.check("the export is written to the path the backend answered, outside the sandbox's folders",
                  content.get("accessories", [{}])[0].get("name") == "Portal Lamp", saved)
        # The FUSE file system is the user's alone (no allow_other): listed as the user.
        r = run_user("sh", "-c", f"ls {RUNTIME_DIR}/doc/by-app/{APP}/*/")
        granted = r.stdout.split()
        tap.check("the document portal granted the app both files (doc/by-app/APP)",
                  "portal-lamp.json" in granted and "portal-lamp-export.json" in granted, r)
        tap.check("the app says it exported it", wait_for(lambda: "Exported" in toasts("portal.log")),
                  toasts("portal.log"))

        # Negative control: the user cancels.
        told = len(toasts("portal.log"))
        files = set(os.listdir(workspace))
        portal_answer(1)
        r = app_action("import")
        calls = wait_calls(3)
        time.sleep(2)   # what an import would take, and more
        listed, _ = ctl_list(SIM)
        tap.check("cancelled in the chooser: OpenFile was asked, nothing imported, no message",
                  r.returncode == 0 and len(calls) == 3 and calls[2]["method"] == "OpenFile"
                  and listed and len(listed) == len(names) + 1 and set(os.listdir(workspace)) == files
                  and len(toasts("portal.log")) == told, (calls[2:], toasts("portal.log")))
    finally:
        stop_sandbox(proc)
        shutil.copy(PORTAL_CALLS, os.path.join(ARTIFACTS, "portal-calls.jsonl"))


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    os.makedirs(RUNTIME_DIR, exist_ok=True)
    os.chown(RUNTIME_DIR, UID, UID)
    os.chmod(RUNTIME_DIR, 0o700)
    started.append(start_avahi(NS))
    bus = subprocess.Popen(as_user("dbus-daemon", "--session", "--nofork", "--nopidfile",
                                   f"--address=unix:path={RUNTIME_DIR}/bus"),
                           env=user_env(), stdout=subprocess.DEVNULL,
                           stderr=open(os.path.join(ARTIFACTS, "session-bus.log"), "w"))
    started.append(bus)
    for _ in range(100):
        if os.path.exists(f"{RUNTIME_DIR}/bus"):
            break
        time.sleep(0.05)
    try:
        global backend_ready
        backend_ready = start_portal_backend()
        tap.run([test_installed, test_exports, test_headless, test_without_avahi, test_ble, test_without_bluez,
                 test_window, test_portal])
    finally:
        for proc in reversed(started):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(PORTAL_HOME, ignore_errors=True)
    return tap.report()


if __name__ == "__main__":
    sys.exit(main())
