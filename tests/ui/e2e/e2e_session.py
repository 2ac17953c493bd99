#!/usr/bin/python3
"""Runs e2e_app.py on a private X server (or e2e_wayland.py on a private Wayland
compositor) and a private session bus, and leaves nothing behind.

    e2e_session.py [--wayland] SCRIPT [ARG…]

- Xvfb picks a free display itself (-displayfd), as tests/ui/with-display.sh does.
- With --wayland, weston's headless backend instead, its socket in the session's private
  XDG_RUNTIME_DIR, and no DISPLAY at all: GDK_BACKEND=wayland, and nothing to fall back to.
  Its debug protocol is on (--debug): the script asks it for its scene graph and a
  screenshot (weston-debug, weston-screenshooter).
- SCRIPT runs under `dbus-run-session`: the app's GApplication name, the control API,
  the AT-SPI bus and registry (D-Bus activated) are all private to the test.
- There is no system bus (DBUS_SYSTEM_BUS_ADDRESS points at nothing), so the app never
  advertises on the host's avahi-daemon: the test is the same inside the test namespace
  and outside it. (SCRIPT's BLE steps start a private one of their own, with nothing on
  it but hap-virtual-bluez.)
- This process is a child subreaper: whatever the session leaves running (the app, the
  dbus-daemons, at-spi-bus-launcher, at-spi2-registryd, hapctl) is re-parented here and
  killed, by pid, at the end, on SIGTERM (meson's timeout) and after E2E_TIMEOUT seconds
  (270, under meson's 300). The display server and the session get SIGKILL if this
  process is killed.
- SCRIPT writes TAP to the file named by $E2E_TAP; this process copies it to stdout as
  it grows (so that meson's stdout pipe is held by nobody else), and adds a failing test
  and the plan when SCRIPT dies before printing its plan.
"""
import ctypes
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
TIMEOUT = float(os.environ.get("E2E_TIMEOUT", "270"))


def log(text):
    print(f"# {text}", flush=True)


def start_xvfb(workdir):
    """Xvfb on the first free display; returns (process, ":N"). The pipe stays open until
    Xvfb has written the whole line: it treats a closed pipe as a fatal error."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp", "-noreset"],
                            pass_fds=[write_fd], stdin=subprocess.DEVNULL, preexec_fn=die_with_parent,
                            stdout=open(os.path.join(workdir, "xvfb.log"), "w"), stderr=subprocess.STDOUT)
    os.close(write_fd)
    data = b""
    deadline = time.monotonic() + 15
    while b"\n" not in data and time.monotonic() < deadline:
        ready, _, _ = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(read_fd, 64) if ready else b""
        if not chunk:
            break
        data += chunk
    os.close(read_fd)
    if b"\n" not in data:
        xvfb.kill()
        xvfb.wait()
        raise RuntimeError("Xvfb did not start: " + open(os.path.join(workdir, "xvfb.log")).read()[-2000:])
    return xvfb, ":" + data.decode().strip()


WESTON_SOCKET = "wayland-e2e"


def start_weston(workdir, runtime):
    """weston, headless, on the socket WESTON_SOCKET in @runtime; returns (process, socket
    name) once the socket is there. The pixman renderer: the headless backend draws nothing
    without one, and the screenshot would be empty. (weston 10 and 14 both take these
    options; 14 also names the backend "headless".)"""
    log_path = os.path.join(workdir, "weston.log")
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"):
        env.pop(var, None)
    weston = subprocess.Popen(["weston", "--backend=headless-backend.so", "--use-pixman",
                               "--width=1280", "--height=800", "--socket=" + WESTON_SOCKET,
                               "--no-config", "--idle-time=0", "--debug", "--log=" + log_path],
                              env=env, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent,
                              stdout=open(os.path.join(workdir, "weston.out"), "w"),
                              stderr=subprocess.STDOUT)
    socket = os.path.join(runtime, WESTON_SOCKET)
    deadline = time.monotonic() + 30
    while not os.path.exists(socket) and weston.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if not os.path.exists(socket) or weston.poll() is not None:
        weston.kill()
        weston.wait()
        text = ""
        for name in ("weston.log", "weston.out"):
            try:
                with open(os.path.join(workdir, name), errors="replace") as f:
                    text += f.read()[-2000:]
            except OSError:
                pass
        raise RuntimeError("weston did not start: " + text)
    return weston, WESTON_SOCKET


def die_with_parent():
    """In the child: SIGKILL when this supervisor dies, even by SIGKILL."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def own_children():
    """Pids whose parent is this process (re-parented orphans included)."""
    me = os.getpid()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == me:
            pids.append(int(entry))
    return pids


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def reap(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return True
        if done == pid:
            return True
        time.sleep(0.05)
    return False


def kill_leftovers(keep=()):
    """SIGTERM, then SIGKILL, every child of ours but @keep, repeatedly: killing one may
    orphan its own children onto us. Returns what was found still running."""
    found = []
    for _ in range(20):
        pids = [p for p in own_children() if p not in keep]
        if not pids:
            break
        for pid in pids:
            found.append(f"{pid} ({comm(pid)})")
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in pids:
            if not reap(pid, 3):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                reap(pid, 3)
    return found


class TapRelay:
    """Copies the TAP file to stdout as it grows; counts the tests and sees the plan."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = ""
        self.count = 0
        self.plan = False

    def pump(self):
        try:
            with open(self.path) as f:
                f.seek(self.offset)
                data = f.read()
                self.offset = f.tell()
        except FileNotFoundError:
            return
        data = self.partial + data
        lines = data.split("\n")
        self.partial = lines.pop()
        for line in lines:
            if line.startswith("ok ") or line.startswith("not ok "):
                self.count += 1
            if line.startswith("1.."):
                self.plan = True
            print(line, flush=True)


def on_signal(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    args = sys.argv[1:]
    wayland = args[:1] == ["--wayland"]
    if wayland:
        args = args[1:]
    if not args:
        print("usage: e2e_session.py [--wayland] SCRIPT [ARG…]", file=sys.stderr)
        return 2
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        log("cannot become a child subreaper: what the session leaves running may survive it")

    keep_workdir = os.environ.get("E2E_KEEP_WORKDIR") == "1"
    workdir = tempfile.mkdtemp(prefix="hap-e2e-")
    os.chmod(workdir, 0o700)
    tap_path = os.path.join(workdir, "results.tap")
    relay = TapRelay(tap_path)
    status = 1
    server = None
    session = None
    try:
        runtime = os.path.join(workdir, "runtime")
        os.mkdir(runtime, 0o700)
        env = dict(os.environ)
        for var in ("GTK_A11Y", "NO_AT_BRIDGE", "DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET",
                    "DBUS_SESSION_BUS_ADDRESS", "GTK_DEBUG", "GSK_RENDERER"):
            env.pop(var, None)
        if wayland:
            server, socket = start_weston(workdir, runtime)
            env.update({"WAYLAND_DISPLAY": socket, "GDK_BACKEND": "wayland"})
        else:
            server, display = start_xvfb(workdir)
            env.update({"DISPLAY": display, "GDK_BACKEND": "x11"})
        env.update({
            "GSETTINGS_BACKEND": "memory",
            "DBUS_SYSTEM_BUS_ADDRESS": "unix:path=" + os.path.join(workdir, "no-system-bus"),
            "XDG_RUNTIME_DIR": runtime,
            "XDG_CONFIG_HOME": os.path.join(workdir, "config"),
            "XDG_DATA_HOME": os.path.join(workdir, "data"),
            "XDG_CACHE_HOME": os.path.join(workdir, "cache"),
            "XDG_STATE_HOME": os.path.join(workdir, "state-home"),
            "E2E_WORKDIR": workdir,
            "E2E_TAP": tap_path,
            "LC_ALL": "C.UTF-8",
        })
        session_log = os.path.join(workdir, "session.log")
        session = subprocess.Popen(["dbus-run-session", "--", "/usr/bin/python3", *args],
                                   env=env, stdin=subprocess.DEVNULL,
                                   stdout=open(session_log, "w"), stderr=subprocess.STDOUT,
                                   preexec_fn=die_with_parent)
        deadline = time.monotonic() + TIMEOUT
        while session.poll() is None and time.monotonic() < deadline:
            relay.pump()
            time.sleep(0.1)
        timed_out = session.poll() is None
        if timed_out:
            log(f"timed out after {TIMEOUT:.0f} s: stopping the session")
            kill_leftovers(keep=(server.pid,))
        relay.pump()
        status = 1 if timed_out else session.returncode
        with open(session_log, errors="replace") as f:
            tail = f.read()[-6000:]
        if status != 0 or not relay.plan:
            log(f"session exited with status {status}; its output (dbus, AT-SPI, script stderr):")
            for line in tail.splitlines():
                log("  " + line)
            if wayland:
                with open(os.path.join(workdir, "weston.log"), errors="replace") as f:
                    log("weston's log:")
                    for line in f.read()[-3000:].splitlines():
                        log("  " + line)
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - reported as a failing test
        log(f"harness error: {error!r}")
    finally:
        leftovers = kill_leftovers(keep=(server.pid,) if server else ())
        if leftovers:
            log("stopped what the session left running: " + ", ".join(leftovers))
        if server is not None:
            server.terminate()
            try:
                server.wait(5)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        kill_leftovers()
        relay.pump()
        if relay.partial:
            print(relay.partial, flush=True)
        if not relay.plan:
            relay.count += 1
            print(f"not ok {relay.count} - the end-to-end script finished without a plan (status {status})")
            print(f"1..{relay.count}", flush=True)
            status = 1
        if keep_workdir:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
