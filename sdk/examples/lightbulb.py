#!/usr/bin/python3
# lightbulb.py — a HomeKit lightbulb served from Python through GObject introspection
#
# Usage: lightbulb.py [--state-dir DIR] [--setup-code XXX-XX-XXX] [--bind ADDRESS]
#                     [--port PORT]
#
# The Python twin of example-lightbulb.c: builds the accessory in code, answers
# controllers' reads and writes from Python handlers and serves it over HAP/IP. It needs
# python3-gi and the Hap-1 typelib (installed, or GI_TYPELIB_PATH and LD_LIBRARY_PATH
# pointing at a build directory's sdk/libhap-glib).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
import argparse
import signal
import sys

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Hap", "1")
from gi.repository import GLib, Hap  # noqa: E402


class Lamp:
    """What a real device would drive: here, two numbers and some printing."""

    def __init__(self):
        self.on = False
        self.brightness = 50

    def on_write_on(self, characteristic, value, task, *_):
        # The value has been validated already (a bool for On). Accepting it stores it
        # and sends events to the controllers that subscribed.
        self.on = value.get_boolean()
        print(f"write On = {self.on}", flush=True)
        task.return_boolean(True)

    def on_write_brightness(self, characteristic, value, task, *_):
        level = value.get_int32()
        if 0 < level < 5:
            # This lamp's driver flickers below 5 %. A handler may refuse a write with
            # any HAP status; the old value stays.
            Hap.task_return_status(task, Hap.Status.INVALID_VALUE, "the lamp cannot dim below 5 %")
            print(f"refused Brightness = {level}", flush=True)
            return
        self.brightness = level
        print(f"write Brightness = {level}", flush=True)
        task.return_boolean(True)

    def on_read_brightness(self, characteristic, task, *_):
        # Reads may be answered later (from a timeout, an I/O callback …); this one
        # answers at once, from the lamp's own state.
        print(f"read Brightness -> {self.brightness}", flush=True)
        Hap.task_return_value(task, GLib.Variant("i", self.brightness))


def build_accessory(lamp):
    # Accessory Information (Identify, Manufacturer, Model, Name …) comes for free.
    accessory = Hap.Accessory.new("Python Lamp", Hap.catalog_lookup_category("LIGHTBULB"))
    accessory.set_information("Manufacturer", "Example")
    accessory.connect("identify", lambda _accessory: print("identify", flush=True))

    # A Lightbulb service starts with its required On characteristic.
    bulb = Hap.Service.new("Lightbulb")
    bulb.set_primary(True)
    bulb.get_characteristic("On").set_write_handler(lamp.on_write_on)

    brightness = Hap.Characteristic.new("Brightness")
    brightness.set_min_value(0)
    brightness.set_max_value(100)
    brightness.set_min_step(1)
    brightness.set_value(GLib.Variant("i", lamp.brightness))
    brightness.set_read_handler(lamp.on_read_brightness)
    brightness.set_write_handler(lamp.on_write_brightness)
    bulb.add_characteristic(brightness)

    accessory.add_service(bulb)
    return accessory


def main():
    parser = argparse.ArgumentParser(description="Serve a HomeKit lightbulb from Python")
    parser.add_argument("--state-dir", default="python-lightbulb-state")
    parser.add_argument("--setup-code")
    parser.add_argument("--bind")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    lamp = Lamp()
    accessory = build_accessory(lamp)
    # Walking the tree works as it does in C.
    for service in accessory.get_services():
        names = [c.get_description() for c in service.get_characteristics()]
        print(f"service {service.get_type_uuid()}: {', '.join(n or '?' for n in names)}")

    server = Hap.AccessoryServer.new(accessory, args.state_dir)
    server.set_port(args.port)
    if args.bind:
        server.set_bind_address(args.bind)
    try:
        if args.setup_code:
            server.set_setup_code(args.setup_code)
        server.start()
    except GLib.Error as error:
        print(f"Cannot start: {error.message}", file=sys.stderr)
        return 1
    server.connect("pairing-added",
                   lambda _server, controller, admin: print(f"paired with {controller}", flush=True))

    print(f"Serving \u201c{accessory.get_name()}\u201d on port {server.get_port()}")
    print(f"Device ID: {server.get_device_id()}")
    print(f"Setup code: {server.get_setup_code()}")
    print(f"Setup payload: {server.dup_setup_payload()}", flush=True)

    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
