#!/usr/bin/python3
"""The desktop app on Wayland: the real hap-simulator window on a headless weston, with
no X server to fall back to, proven to be a Wayland client and driven through AT-SPI.

Runs inside `e2e_session.py --wayland` (weston's headless backend, WAYLAND_DISPLAY set,
DISPLAY unset, GDK_BACKEND=wayland, a private XDG_RUNTIME_DIR and session bus). The steps
and the helpers are e2e_app.py's; this adds what tells Wayland from X11, from three sides:
- the app's own environment (/proc/PID/environ): no DISPLAY, GDK_BACKEND=wayland;
- the app itself: with G_MESSAGES_DEBUG=hap-sim-application it logs the type of its
  GdkDisplay ("display: GdkWaylandDisplay wayland-e2e");
- the compositor: weston's scene graph (weston-debug, over its debug protocol) has an
  xdg_toplevel "HAP Simulator" whose client is the app's pid.
Then a screenshot from weston (weston-screenshooter), checked to show something where
the scene graph says the window is. Writes TAP to $E2E_TAP.
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import atspi_util as A  # noqa: E402
import e2e_app as E  # noqa: E402
import screenshots  # noqa: E402

tap, app = E.tap, E.app
SOCKET = os.environ.get("WAYLAND_DISPLAY", "")
RUNTIME = os.environ.get("XDG_RUNTIME_DIR", "")
# More distinct colours than weston's desktop background has in any region (about 25):
# antialiased text and icons, so the window really is drawn where weston says it is.
WINDOW_MIN_COLOURS = 100
# The app's startup logs its GdkDisplay's type name in this log domain.
os.environ["G_MESSAGES_DEBUG"] = "hap-sim-application"


def step_session():
    """What the app is started in: a Wayland socket in the private runtime directory and
    nothing that names an X server."""
    socket = os.path.join(RUNTIME, SOCKET)
    ok = (SOCKET and RUNTIME.startswith(E.WORK) and os.path.exists(socket) and
          "DISPLAY" not in os.environ and os.environ.get("GDK_BACKEND") == "wayland")
    if not tap.ok(ok, "the session: WAYLAND_DISPLAY is weston's socket in the test's runtime directory, "
                  "no DISPLAY, GDK_BACKEND=wayland",
                  f"WAYLAND_DISPLAY={SOCKET!r} XDG_RUNTIME_DIR={RUNTIME!r} DISPLAY={os.environ.get('DISPLAY')!r} "
                  f"GDK_BACKEND={os.environ.get('GDK_BACKEND')!r}"):
        raise SystemExit


def app_environ(pid):
    with open(f"/proc/{pid}/environ", "rb") as f:
        pairs = [item.decode(errors="replace").split("=", 1) for item in f.read().split(b"\0") if b"=" in item]
    return dict(pairs)


def scene_graph():
    r = E.run(["weston-debug", "scene-graph"], 20)
    return r.stdout if r.returncode == 0 else f"(weston-debug: {E.out(r)})"


def app_view(graph, pid):
    """The scene graph's line of the app's toplevel (weston: "View N (role xdg_toplevel,
    PID P, surface ID S, top-level window 'TITLE' of APP-ID, 0x…)") and the position line
    after it, or None."""
    lines = graph.splitlines()
    for i, line in enumerate(lines):
        if "role xdg_toplevel" in line and f"PID {pid}," in line and "'HAP Simulator'" in line:
            position = next((lines[j] for j in range(i + 1, min(i + 4, len(lines)))
                             if "position:" in lines[j]), "")
            return line.strip(), position.strip()
    return None


def step_on_wayland():
    pid = app.proc.pid
    env = app_environ(pid)
    tap.ok("DISPLAY" not in env and env.get("GDK_BACKEND") == "wayland" and env.get("WAYLAND_DISPLAY") == SOCKET,
           f"the app's environment (/proc/{pid}/environ): no DISPLAY, GDK_BACKEND=wayland, "
           f"WAYLAND_DISPLAY={SOCKET}",
           {k: env.get(k) for k in ("DISPLAY", "GDK_BACKEND", "WAYLAND_DISPLAY")})
    wanted = f"display: GdkWaylandDisplay {SOCKET}"
    said = A.poll(lambda: next((line for line in E.app_log().splitlines() if "display: " in line), None), 10)
    tap.ok(said and said.endswith(wanted), f"the app logs its GdkDisplay: \"{wanted}\"",
           said or E.log_excerpt(E.app_log()))
    if said:
        tap.diag(f"app: {said.strip()}")
    # The window is mapped once GTK has committed its first frame: poll.
    with E.timed("the app's toplevel in weston's scene graph"):
        view = A.poll(lambda: app_view(scene_graph(), pid), 60, 0.5)
    if not tap.ok(view, f"weston's scene graph has an xdg_toplevel 'HAP Simulator' from the app's pid {pid}",
                  scene_graph()):
        return None
    tap.diag(f"weston: {view[0]}")
    tap.diag(f"weston: {view[1]}")
    return view


def step_control_in_engine():
    """The On switch again, its new value read through the app's D-Bus control API
    (`hap-simulator ctl chars`), not over HAP."""
    on = E.chars("lightbulb")[("Lightbulb", "On")]
    on_id = f"{on['aid']}.{on['iid']}"
    page = app.page("Controls")
    switch = A.wait_find(page, roles=A.SWITCH_ROLES, desc=on_id)
    want = not A.is_checked(switch)
    A.do_action(switch)
    value = A.poll(lambda: (v := E.chars("lightbulb")[("Lightbulb", "On")]["value"]) is want and str(v), 15)
    tap.ok(value, f"toggling On in the window: `hap-simulator ctl chars lightbulb` reads {str(want).lower()}",
           E.ctl("chars", "lightbulb").stdout)


def step_screenshot(view):
    """weston-screenshooter (allowed by --debug) writes wayland-screenshot-*.png to its
    work directory; kept as wayland.png. Checked where the scene graph puts the window."""
    os.makedirs(E.SHOTS, exist_ok=True)
    path = os.path.join(E.SHOTS, "wayland.png")
    if os.path.exists(path):
        os.remove(path)
    app.select("Desk Lamp")
    app.page("Controls")
    E.dismiss_toasts()
    match = re.search(r"\((-?\d+), (-?\d+)\) -> \((-?\d+), (-?\d+)\)", view[1] if view else "")
    region = ""
    if match:
        x1, y1, x2, y2 = (max(0, int(v)) for v in match.groups())
        region = f"[{x2 - x1}x{y2 - y1}+{x1}+{y1}]"

    def shoot():
        for old in glob.glob(os.path.join(E.SHOTS, "wayland-screenshot-*.png")):
            os.remove(old)
        try:
            r = subprocess.run(["weston-screenshooter"], cwd=E.SHOTS, capture_output=True, text=True,
                               timeout=30, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, str(e)
        made = glob.glob(os.path.join(E.SHOTS, "wayland-screenshot-*.png"))
        if r.returncode != 0 or not made:
            return None, E.out(r)
        os.replace(made[0], path)
        return screenshots.colours(path + region), ""
    # The window is drawn some time after it is mapped, and AT-SPI cannot tell when: take
    # screenshots until the window's part of one is more than a blank frame.
    last = {}

    def drawn():
        n, why = shoot()
        last.update(colours=n, why=why)
        return n is None or n > WINDOW_MIN_COLOURS

    A.poll(drawn, 30, 1.0)
    if last.get("colours") is None:
        # Not every weston grants its screenshot protocol the same way: say so, do not pass.
        tap.skip("weston's screenshot wayland.png", "weston-screenshooter made no screenshot")
        tap.diag(last.get("why", ""))
        return
    tap.ok(last["colours"] > WINDOW_MIN_COLOURS,
           f"weston's screenshot wayland.png shows the window ({last['colours']} colours in {region or 'it'})",
           f"{last['colours']} colours; the view: {view}")


def main():
    try:
        E.guarded(step_session)
        if E.guarded(E.step_start) is False:
            raise SystemExit
        view = E.guarded(step_on_wayland)
        if E.guarded(E.step_pair) is False:
            raise SystemExit
        ids = E.guarded(E.step_controls_to_wire)
        if ids:
            E.guarded(E.step_wire_to_controls, *ids)
        E.guarded(step_control_in_engine)
        E.guarded(step_screenshot, view)
    except SystemExit:
        pass
    finally:
        E.finish()
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
