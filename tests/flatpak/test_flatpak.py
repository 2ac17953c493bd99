#!/usr/bin/python3
"""The installed Flatpak, run sandboxed as an ordinary user (uid 65534) inside
tests/discovery/run-in-namespace.sh (private network, /run and system bus; avahi-daemon and
a session bus started here): headless with the demo accessories, advertised and paired
from outside the sandbox, controlled over the session bus from outside and inside, the
window under Xvfb (screenshot kept), and without the Avahi talk-name (no record, and the
app says why). Prints TAP; tests/flatpak/run.sh installs the app and runs this."""
import gzip, json, os, re, shutil, signal, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "discovery"))
from hap_namespace import start_avahi  # noqa: E402
from hap_tap import Tap  # noqa: E402

APP = "io.github.hapsim.Simulator"
UID = 65534
NS = os.environ["HAP_NS_DIR"]
SIM = os.environ["HAP_SIMULATOR"]          # the host build: `hap-simulator ctl` outside
HAPCTL = os.environ["HAPCTL"]
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
           "FLATPAK_USER_DIR": USER_DIR, "FLATPAK_SYSTEM_DIR": os.environ["FLATPAK_SYSTEM_DIR"]}
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
            if os.readlink(f"/proc/{p}/ns/net") == mine and open(f"/proc/{p}/comm").read().strip() == comm:
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


# ---- the window ---------------------------------------------------------------------------

def test_window():
    # A private X socket folder (this mount namespace only): display :99 is ours.
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
    workspace = os.path.join(APP_DATA, "data", "hap-simulator", "workspace")
    names = copy_demo(workspace)
    log = open(os.path.join(ARTIFACTS, "window.log"), "w")
    env = user_env(DISPLAY=":99")
    proc = subprocess.Popen(as_user("flatpak", "run", "--env=GSK_RENDERER=cairo", "--env=GTK_A11Y=none",
                                    "--env=NO_AT_BRIDGE=1", APP), env=env, stdout=log, stderr=log)
    started.append(proc)
    try:
        tree = ""
        for _ in range(60):
            tree = subprocess.run(["xwininfo", "-display", ":99", "-root", "-tree"], capture_output=True,
                                  text=True).stdout
            if '"HAP Simulator"' in tree:
                break
            time.sleep(0.5)
        tap.check("the window maps under Xvfb", '"HAP Simulator"' in tree, tree[-1500:])
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


def main():
    os.makedirs(ARTIFACTS, exist_ok=True)
    os.makedirs(RUNTIME_DIR, exist_ok=True)
    os.chown(RUNTIME_DIR, UID, UID)
    os.chmod(RUNTIME_DIR, 0o700)
    started.append(start_avahi(NS))
    bus = subprocess.Popen(as_user("dbus-daemon", "--session", "--nofork", "--nopidfile",
                                   f"--address=unix:path={RUNTIME_DIR}/bus"),
                           env=user_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(bus)
    for _ in range(100):
        if os.path.exists(f"{RUNTIME_DIR}/bus"):
            break
        time.sleep(0.05)
    try:
        tap.run([test_installed, test_exports, test_headless, test_without_avahi, test_window])
    finally:
        for proc in reversed(started):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return tap.report()


if __name__ == "__main__":
    sys.exit(main())
