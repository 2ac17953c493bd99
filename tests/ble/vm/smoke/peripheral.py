#!/usr/bin/python3
"""A small GATT peripheral on BlueZ's D-Bus API, for the VM smoke test (tests/ble/vm).

Registers, on one adapter, an application with one primary service holding one
read/write/indicate characteristic, and a connectable LE advertisement carrying a HAP-style
regular advertisement in ManufacturerData[0x004C] (docs/protocol.md §5.9) and a local name.

Writing b"indicate" to the characteristic makes the peripheral send two indications: a
non-empty one, then, once the first is confirmed (Confirm()), a zero-length one (HAP's
connected events are empty indications, docs/bluez.md §1.2).

With --expect-central, SIGTERM ends the run and the exit status says whether a central did
what the smoke test's central does: read, write b"written-by-central" with the options
bluetoothd passes (device on this adapter, link "LE", mtu), subscribe, and confirm both
indications. Runs on /usr/bin/python3 (python3-dbus, python3-gi).
"""

import argparse
import os
import signal
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BLUEZ = "org.bluez"
PROPS = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
ADAPTER = "org.bluez.Adapter1"
GATT_MANAGER = "org.bluez.GattManager1"
ADV_MANAGER = "org.bluez.LEAdvertisingManager1"
SERVICE_IFACE = "org.bluez.GattService1"
CHAR_IFACE = "org.bluez.GattCharacteristic1"
ADV_IFACE = "org.bluez.LEAdvertisement1"

# Random 128-bit UUIDs private to this test.
SERVICE_UUID = "8f1c0d10-5b0e-4c59-9a53-3f3a6a1e7b01"
CHAR_UUID = "8f1c0d11-5b0e-4c59-9a53-3f3a6a1e7b01"

APPLE = 0x004C
DEVICE_ID = bytes([0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6])
# HAP regular advertisement payload after the company ID (docs/protocol.md §5.9): type 0x06,
# STL 0x2D (subtype 1, length 13), SF 0x01 (not paired), Device ID, ACID 5 (lightbulb) LE16,
# GSN 1 LE16, CN 1, CV 0x02.
HAP_ADV = bytes([0x06, 0x2D, 0x01]) + DEVICE_ID + bytes([0x05, 0x00, 0x01, 0x00, 0x01, 0x02])
LOCAL_NAME = "HAP-VM-Smoke"

INITIAL_VALUE = b"hap-vm-smoke"
EXPECTED_WRITE = b"written-by-central"
INDICATIONS = [b"\x01first-indication", b""]

APP_PATH = "/org/hapsim/smoke"
ADV_PATH = "/org/hapsim/smoke/advertisement0"


def log(msg):
    print(f"peripheral: [{time.monotonic():.2f}] {msg}", flush=True)


class Characteristic(dbus.service.Object):
    def __init__(self, bus, path, service_path, events):
        super().__init__(bus, path)
        self.path = path
        self.service_path = service_path
        self.value = INITIAL_VALUE
        self.notifying = False
        self.pending = []
        self.events = events

    def properties(self):
        return {
            CHAR_IFACE: {
                "UUID": dbus.String(CHAR_UUID),
                "Service": dbus.ObjectPath(self.service_path),
                "Flags": dbus.Array(["read", "write", "indicate"], signature="s"),
            }
        }

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface != CHAR_IFACE:
            raise dbus.exceptions.DBusException("no such interface",
                                                name="org.freedesktop.DBus.Error.InvalidArgs")
        return self.properties()[CHAR_IFACE]

    @dbus.service.method(CHAR_IFACE, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        offset = int(options.get("offset", 0))
        self.events["read"] += 1
        log(f"ReadValue {dict(options)}")
        return dbus.Array(self.value[offset:], signature="y")

    @dbus.service.method(CHAR_IFACE, in_signature="aya{sv}")
    def WriteValue(self, value, options):
        value = bytes(value)
        log(f"WriteValue {value!r} {dict(options)}")
        if value == b"indicate":
            self.pending = list(INDICATIONS)
            GLib.idle_add(self.send_next)
            return
        self.value = value
        self.events["writes"].append((value, {str(k): v for k, v in options.items()}))

    @dbus.service.method(CHAR_IFACE)
    def StartNotify(self):
        log("StartNotify")
        self.notifying = True
        self.events["start_notify"] += 1

    @dbus.service.method(CHAR_IFACE)
    def StopNotify(self):
        log("StopNotify")
        self.notifying = False
        self.events["stop_notify"] += 1

    @dbus.service.method(CHAR_IFACE)
    def Confirm(self):
        # bluetoothd calls this when the central confirmed an indication (docs/bluez.md §1.2).
        self.events["confirms"] += 1
        log(f"Confirm ({self.events['confirms']})")
        if self.pending:
            GLib.idle_add(self.send_next)

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    def send_next(self):
        if not self.pending:
            return False
        if not self.notifying:
            log("asked to indicate, but no central subscribed")
            self.pending = []
            return False
        value = self.pending.pop(0)
        log(f"indicating {value!r}")
        # Emitted by hand every time: bluetoothd sends whatever Value the signal carries,
        # including an empty one.
        self.PropertiesChanged(CHAR_IFACE, {"Value": dbus.Array(value, signature="y")}, [])
        self.events["indications_sent"] += 1
        return False


class Service(dbus.service.Object):
    def __init__(self, bus, path):
        super().__init__(bus, path)
        self.path = path

    def properties(self):
        return {SERVICE_IFACE: {"UUID": dbus.String(SERVICE_UUID), "Primary": dbus.Boolean(True)}}

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.properties()[SERVICE_IFACE]


class Application(dbus.service.Object):
    def __init__(self, bus, events):
        super().__init__(bus, APP_PATH)
        self.service = Service(bus, APP_PATH + "/service0")
        self.chrc = Characteristic(bus, APP_PATH + "/service0/char0", self.service.path, events)

    @dbus.service.method(OBJECT_MANAGER, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        # Parents before children: bluetoothd adds attributes in reply order.
        return {
            dbus.ObjectPath(self.service.path): self.service.properties(),
            dbus.ObjectPath(self.chrc.path): self.chrc.properties(),
        }


class Advertisement(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, ADV_PATH)

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface != ADV_IFACE:
            raise dbus.exceptions.DBusException("no such interface",
                                                name="org.freedesktop.DBus.Error.InvalidArgs")
        return {
            "Type": dbus.String("peripheral"),
            "ManufacturerData": dbus.Dictionary(
                {dbus.UInt16(APPLE): dbus.Array(HAP_ADV, signature="y")}, signature="qv"),
            "LocalName": dbus.String(LOCAL_NAME),
        }

    @dbus.service.method(ADV_IFACE)
    def Release(self):
        log("advertisement released")


def check(events, adapter):
    """Peripheral-side expectations of the smoke test; returns a list of failures."""
    problems = []
    if events["read"] < 1:
        problems.append("no ReadValue")
    writes = [opts for value, opts in events["writes"] if value == EXPECTED_WRITE]
    if not writes:
        problems.append(f"no WriteValue of {EXPECTED_WRITE!r}")
    else:
        opts = writes[0]
        if not str(opts.get("device", "")).startswith(f"/org/bluez/{adapter}/dev_"):
            problems.append(f"WriteValue options lack a device on {adapter}: {opts}")
        if str(opts.get("link", "")) != "LE":
            problems.append(f"WriteValue options link is not LE: {opts}")
        if int(opts.get("mtu", 0)) < 23:
            problems.append(f"WriteValue options mtu missing or below 23: {opts}")
    if events["start_notify"] < 1:
        problems.append("no StartNotify (central never subscribed)")
    if events["confirms"] < len(INDICATIONS):
        problems.append(f"{events['confirms']} of {len(INDICATIONS)} indications confirmed")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default="hci0")
    parser.add_argument("--ready", help="file created once advertising")
    parser.add_argument("--expect-central", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    adapter_path = f"/org/bluez/{args.adapter}"
    adapter = bus.get_object(BLUEZ, adapter_path)
    adapter_props = dbus.Interface(adapter, PROPS)
    adapter_props.Set(ADAPTER, "Powered", dbus.Boolean(True))
    # HAP wants the LE General Discoverable flag (0x06), which bluetoothd only puts in the
    # advertisement while the adapter is discoverable (docs/bluez.md §1.3).
    adapter_props.Set(ADAPTER, "DiscoverableTimeout", dbus.UInt32(0))
    adapter_props.Set(ADAPTER, "Discoverable", dbus.Boolean(True))
    log(f"{args.adapter} {adapter_props.Get(ADAPTER, 'Address')}, "
        f"roles {list(adapter_props.Get(ADAPTER, 'Roles'))}")

    events = {"read": 0, "writes": [], "start_notify": 0, "stop_notify": 0,
              "confirms": 0, "indications_sent": 0}
    app = Application(bus, events)
    adv = Advertisement(bus)
    loop = GLib.MainLoop()
    state = {"registered": 0, "failed": None}

    def registered(what):
        log(f"{what} registered")
        state["registered"] += 1
        if state["registered"] == 2 and args.ready:
            with open(args.ready + ".tmp", "w") as f:
                f.write(f"{os.getpid()}\n")
            os.rename(args.ready + ".tmp", args.ready)

    def failed(what, error):
        state["failed"] = f"{what}: {error}"
        log(f"registering the {what} failed: {error}")
        loop.quit()

    # Asynchronous on purpose: bluetoothd calls back into us (GetManagedObjects, GetAll)
    # before it replies (docs/bluez.md §1.1).
    dbus.Interface(adapter, GATT_MANAGER).RegisterApplication(
        APP_PATH, {}, reply_handler=lambda: registered("application"),
        error_handler=lambda e: failed("application", e))
    dbus.Interface(adapter, ADV_MANAGER).RegisterAdvertisement(
        ADV_PATH, {}, reply_handler=lambda: registered("advertisement"),
        error_handler=lambda e: failed("advertisement", e))

    def stop(reason):
        log(f"stopping: {reason}")
        loop.quit()
        return False

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop, "SIGTERM")
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop, "SIGINT")
    GLib.timeout_add(int(args.timeout * 1000), stop, "timeout")
    loop.run()

    if state["failed"]:
        return 1
    if not args.expect_central:
        return 0
    problems = check(events, args.adapter)
    for p in problems:
        log(f"FAIL: {p}")
    if not problems:
        log(f"PASS: read {events['read']}, writes {len(events['writes'])}, "
            f"confirms {events['confirms']}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
