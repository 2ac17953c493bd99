#!/usr/bin/python3
"""A small BLE peripheral on BlueZ's D-Bus API, driven by the virtual BlueZ test.

It exports a GATT application and an LE advertisement with python3-dbus (the way an
accessory would), registers them asynchronously (the registration must not block: the
virtual BlueZ calls back GetManagedObjects meanwhile), records every call it receives,
and takes one JSON command per line on stdin, answering one JSON line on stdout.

Layouts (--layout): "main" (the test database below), "ccc" (exports its own 0x2902,
which the virtual BlueZ refuses), "badlink" (a characteristic whose Service points
nowhere).
"""
import json
import os
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BLUEZ = "org.bluez"
OM = "org.freedesktop.DBus.ObjectManager"
PROPS = "org.freedesktop.DBus.Properties"
SERVICE = "org.bluez.GattService1"
CHRC = "org.bluez.GattCharacteristic1"
DESC = "org.bluez.GattDescriptor1"
ADVERT = "org.bluez.LEAdvertisement1"

HAP_BASE = "-0000-1000-8000-0026bb765291"
LONG_VALUE = bytes(i % 251 for i in range(600))

calls = {"reads": [], "writes": [], "start_notify": 0, "stop_notify": 0, "confirm": 0,
         "handles": {}, "release": 0, "adv_get_all": 0}


def record_options(options):
    return {str(k): (str(v) if isinstance(v, dbus.ObjectPath) else
                     int(v) if isinstance(v, (dbus.UInt16, dbus.Int16, dbus.UInt32)) else str(v))
            for k, v in options.items()}


class Application(dbus.service.Object):
    """The ObjectManager root; GetManagedObjects lists objects in insertion order."""

    def __init__(self, bus, path):
        self.path = path
        self.objects = []
        super().__init__(bus, path)

    def add(self, obj):
        self.objects.append(obj)

    @dbus.service.method(OM, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return {obj.path: obj.interfaces() for obj in self.objects}

    @dbus.service.signal(OM, signature="oas")
    def InterfacesRemoved(self, path, interfaces):
        pass


class Attribute(dbus.service.Object):
    iface = None

    def __init__(self, bus, path, uuid, flags):
        self.path = path
        self.uuid = uuid
        self.flags = flags
        self.handle = 0
        super().__init__(bus, path)

    def properties(self):
        raise NotImplementedError

    def interfaces(self):
        return {self.iface: self.properties()}

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.properties()

    @dbus.service.method(PROPS, in_signature="ssv")
    def Set(self, iface, name, value):
        if name != "Handle":
            raise dbus.exceptions.DBusException("read-only", name="org.bluez.Error.NotSupported")
        self.handle = int(value)
        calls["handles"][self.path] = self.handle

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass


class Service(Attribute):
    iface = SERVICE

    def properties(self):
        return {"UUID": self.uuid, "Primary": dbus.Boolean(True),
                "Handle": dbus.UInt16(self.handle)}


class Characteristic(Attribute):
    iface = CHRC

    def __init__(self, bus, path, uuid, flags, service_path, value=b"", read_error=None,
                 write_error=None):
        super().__init__(bus, path, uuid, flags)
        self.service_path = service_path
        self.value = value
        self.read_error = read_error
        self.write_error = write_error

    def properties(self):
        return {"UUID": self.uuid, "Service": dbus.ObjectPath(self.service_path),
                "Flags": dbus.Array(self.flags, signature="s"), "Handle": dbus.UInt16(self.handle)}

    @dbus.service.method(CHRC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        opts = record_options(options)
        calls["reads"].append({"path": self.path, "options": opts})
        if self.read_error:
            raise dbus.exceptions.DBusException(self.read_error[1], name=self.read_error[0])
        offset = int(options.get("offset", 0))
        # As bluetoothd expects: the value from the offset on.
        return dbus.ByteArray(self.value[offset:])

    @dbus.service.method(CHRC, in_signature="aya{sv}")
    def WriteValue(self, value, options):
        calls["writes"].append({"path": self.path, "length": len(value),
                                "options": record_options(options), "head": bytes(value[:4]).hex()})
        if self.write_error:
            raise dbus.exceptions.DBusException(self.write_error[1], name=self.write_error[0])
        self.value = bytes(value)

    @dbus.service.method(CHRC)
    def StartNotify(self):
        calls["start_notify"] += 1

    @dbus.service.method(CHRC)
    def StopNotify(self):
        calls["stop_notify"] += 1

    @dbus.service.method(CHRC)
    def Confirm(self):
        calls["confirm"] += 1


class Descriptor(Attribute):
    iface = DESC

    def __init__(self, bus, path, uuid, flags, chrc_path, value=b""):
        super().__init__(bus, path, uuid, flags)
        self.chrc_path = chrc_path
        self.value = value

    def properties(self):
        return {"UUID": self.uuid, "Characteristic": dbus.ObjectPath(self.chrc_path),
                "Flags": dbus.Array(self.flags, signature="s"), "Handle": dbus.UInt16(self.handle)}

    @dbus.service.method(DESC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        calls["reads"].append({"path": self.path, "options": record_options(options)})
        return dbus.ByteArray(self.value[int(options.get("offset", 0)):])


class Advertisement(dbus.service.Object):
    def __init__(self, bus, path, props):
        self.path = path
        self.props = props
        super().__init__(bus, path)

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        calls["adv_get_all"] += 1
        return self.props

    @dbus.service.method(ADVERT)
    def Release(self):
        calls["release"] += 1

    @dbus.service.signal(PROPS, signature="sa{sv}as")
    def PropertiesChanged(self, iface, changed, invalidated):
        pass


def build(bus, root, layout):
    """The test database (see test_virtual_bluez.py for the handles it gets)."""
    app = Application(bus, root)
    sa = Service(bus, root + "/service0", "0000003e" + HAP_BASE, None)
    app.add(sa)
    if layout == "badlink":
        app.add(Characteristic(bus, sa.path + "/char0", "00000014" + HAP_BASE, ["read"],
                               root + "/nowhere"))
        return app, {}
    chars = {
        "iid": Characteristic(bus, sa.path + "/char0", "e604e95d-a759-4817-87d3-aa005083a0d1",
                              ["read"], sa.path, value=b"\x01\x00"),
        "hap": Characteristic(bus, sa.path + "/char1", "00000023" + HAP_BASE,
                              ["read", "write", "indicate"], sa.path, value=b"hap"),
        "long": Characteristic(bus, sa.path + "/char2", "000000a1" + HAP_BASE, ["read", "write"],
                               sa.path, value=LONG_VALUE),
        "notify": Characteristic(bus, sa.path + "/char3", "000000a2" + HAP_BASE,
                                 ["notify", "write-without-response"], sa.path),
    }
    for name in ("iid", "hap"):
        app.add(chars[name])
    iid_desc = Descriptor(bus, chars["hap"].path + "/desc0", "dc46f0fe-81d2-4616-b5d9-6abdd796939a",
                          ["read"], chars["hap"].path, value=b"\x09\x00")
    app.add(iid_desc)
    if layout == "ccc":
        app.add(Descriptor(bus, chars["hap"].path + "/desc1", "00002902-0000-1000-8000-00805f9b34fb",
                           ["read", "write"], chars["hap"].path))
    app.add(chars["long"])
    app.add(chars["notify"])
    sb = Service(bus, root + "/service1", "000000a5" + HAP_BASE, None)
    app.add(sb)
    chars["b"] = Characteristic(bus, sb.path + "/char0", "000000b1" + HAP_BASE, ["read"], sb.path,
                                value=b"b")
    chars["fail"] = Characteristic(bus, sb.path + "/char1", "000000b2" + HAP_BASE, ["read", "write"],
                                   sb.path, read_error=("org.bluez.Error.NotPermitted", "no"),
                                   write_error=("org.bluez.Error.Failed", "0x81"))
    app.add(chars["b"])
    app.add(chars["fail"])
    chars["service_b"] = sb
    return app, chars


def to_dbus_adv(props):
    out = {}
    for key, value in props.items():
        if key == "ManufacturerData":
            out[key] = dbus.Dictionary({dbus.UInt16(int(k)): dbus.ByteArray(bytes.fromhex(v))
                                        for k, v in value.items()}, signature="qv")
        elif key in ("ServiceUUIDs", "Includes"):
            out[key] = dbus.Array(value, signature="s")
        elif key in ("MinInterval", "MaxInterval"):
            out[key] = dbus.UInt32(value)
        elif key in ("Appearance", "Timeout", "Duration"):
            out[key] = dbus.UInt16(value)
        else:
            out[key] = value
    return out


class Controller:
    def __init__(self, bus, layout):
        self.bus = bus
        self.layout = layout
        self.app = None
        self.chars = {}
        self.advert = None

    def reply(self, **fields):
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()

    def error_reply(self, error):
        self.reply(ok=False, error=error.get_dbus_name(), message=error.get_dbus_message())

    def adapter(self, path, iface):
        return dbus.Interface(self.bus.get_object(BLUEZ, path), iface)

    def handle(self, cmd):
        name = cmd["cmd"]
        if name == "register":
            if self.app is None:
                self.app, self.chars = build(self.bus, cmd.get("path", "/app"), self.layout)
            # Asynchronous: GetManagedObjects is served while the call is pending.
            self.adapter(cmd["adapter"], "org.bluez.GattManager1").RegisterApplication(
                self.app.path, {}, reply_handler=lambda: self.reply(ok=True),
                error_handler=self.error_reply)
        elif name == "unregister":
            self.adapter(cmd["adapter"], "org.bluez.GattManager1").UnregisterApplication(
                self.app.path, reply_handler=lambda: self.reply(ok=True),
                error_handler=self.error_reply)
        elif name == "advertise":
            if self.advert is None:
                self.advert = Advertisement(self.bus, cmd.get("path", "/adv"),
                                            to_dbus_adv(cmd["props"]))
            else:
                self.advert.props = to_dbus_adv(cmd["props"])
            self.adapter(cmd["adapter"], "org.bluez.LEAdvertisingManager1").RegisterAdvertisement(
                self.advert.path, {}, reply_handler=lambda: self.reply(ok=True),
                error_handler=self.error_reply)
        elif name == "set_adv":
            changed = to_dbus_adv(cmd["props"])
            self.advert.props.update(changed)
            self.advert.PropertiesChanged(ADVERT, changed, [])
            self.reply(ok=True)
        elif name == "notify":
            chrc = self.chars[cmd["chrc"]]
            chrc.PropertiesChanged(CHRC, {"Value": dbus.ByteArray(bytes.fromhex(cmd["value"]))}, [])
            self.reply(ok=True)
        elif name == "remove_service":
            service = self.chars["service_b"]
            self.app.InterfacesRemoved(service.path, [SERVICE])
            self.reply(ok=True)
        elif name == "disconnect":
            dbus.Interface(self.bus.get_object(BLUEZ, cmd["device"]), "org.bluez.Device1").Disconnect(
                reply_handler=lambda: self.reply(ok=True), error_handler=self.error_reply)
        elif name == "set_adapter":
            props = dbus.Interface(self.bus.get_object(BLUEZ, cmd["adapter"]), PROPS)
            for key, value in cmd["props"].items():
                if isinstance(value, bool):
                    value = dbus.Boolean(value)
                elif isinstance(value, int):
                    value = dbus.UInt32(value)
                props.Set("org.bluez.Adapter1", key, value)
            self.reply(ok=True)
        elif name == "state":
            self.reply(ok=True, calls=calls)
        elif name == "exit":
            self.reply(ok=True)
            GLib.idle_add(loop.quit)
        else:
            self.reply(ok=False, error="unknown command " + name)


def main():
    global loop
    layout = sys.argv[1] if len(sys.argv) > 1 else "main"
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    controller = Controller(bus, layout)
    loop = GLib.MainLoop()

    def on_stdin(fd, condition):
        line = sys.stdin.readline()
        if not line:
            loop.quit()
            return False
        try:
            controller.handle(json.loads(line))
        except dbus.exceptions.DBusException as error:
            controller.error_reply(error)
        return True

    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_IN | GLib.IO_HUP, on_stdin)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    controller.reply(ok=True, ready=True, unique_name=bus.get_unique_name(), pid=os.getpid())
    loop.run()


if __name__ == "__main__":
    main()
