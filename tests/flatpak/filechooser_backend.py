#!/usr/bin/python3
"""A FileChooser backend for xdg-desktop-portal, for CI (tests/flatpak/test_flatpak.py).

The test double is only the dialog: the real xdg-desktop-portal (the frontend the
sandboxed app calls, org.freedesktop.portal.FileChooser) and the real xdg-document-portal
(which grants the sandbox the chosen file under /run/user/UID/doc) run. What a desktop's
backend (GNOME's, KDE's, GTK's) does by showing a dialog to a human, this does by answering
with what the test wrote in CONTROL: {"response": 0, "uris": ["file:///…"]} (0: the user
chose; 1: cancelled). Every call is appended to LOG as a JSON line (method, app_id, title,
options such as modal, filters, current_name) for the test to read.
  filechooser_backend.py BUS_NAME CONTROL LOG
Owns BUS_NAME on the session bus (DBUS_SESSION_BUS_ADDRESS); a .portal file naming it,
in XDG_DESKTOP_PORTAL_DIR, makes xdg-desktop-portal use it."""
import json, sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

IFACE = "org.freedesktop.impl.portal.FileChooser"


def plain(value):
    """A D-Bus value as JSON: byte arrays (current_folder, current_file) as text."""
    if isinstance(value, dbus.Array) and value.signature == "y":
        return bytes(value).rstrip(b"\0").decode(errors="replace")
    if isinstance(value, (dbus.Array, dbus.Struct, list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dbus.Dictionary):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, (int, float)):
        return int(value) if isinstance(value, int) else float(value)
    return str(value)


class FileChooser(dbus.service.Object):
    def __init__(self, bus, control, log):
        super().__init__(bus, "/org/freedesktop/portal/desktop")
        self.control, self.log = control, log

    def answer(self, method, handle, app_id, parent_window, title, options):
        with open(self.log, "a") as out:
            out.write(json.dumps({"method": method, "app_id": str(app_id), "parent_window": str(parent_window),
                                  "title": str(title), "options": plain(options)}) + "\n")
        try:
            with open(self.control) as f:
                control = json.load(f)
        except (OSError, ValueError):
            control = {"response": 2}   # "other": the test wrote no answer
        results = {}
        if control.get("uris"):
            results["uris"] = dbus.Array(control["uris"], signature="s")
        return dbus.UInt32(control.get("response", 2)), dbus.Dictionary(results, signature="sv")

    @dbus.service.method(IFACE, in_signature="osssa{sv}", out_signature="ua{sv}")
    def OpenFile(self, handle, app_id, parent_window, title, options):
        return self.answer("OpenFile", handle, app_id, parent_window, title, options)

    @dbus.service.method(IFACE, in_signature="osssa{sv}", out_signature="ua{sv}")
    def SaveFile(self, handle, app_id, parent_window, title, options):
        return self.answer("SaveFile", handle, app_id, parent_window, title, options)


def main():
    name, control, log = sys.argv[1:4]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    # Both kept referenced: the object is exported and the name owned while they live.
    kept = (FileChooser(bus, control, log), dbus.service.BusName(name, bus, do_not_queue=True))
    print("ready", flush=True)
    GLib.MainLoop().run()
    del kept


if __name__ == "__main__":
    main()
