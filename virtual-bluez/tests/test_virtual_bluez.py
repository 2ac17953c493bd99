#!/usr/bin/python3
"""End-to-end test of hap-virtual-bluez (TAP on stdout).

A private dbus-daemon, hap-virtual-bluez on it (DBUS_SYSTEM_BUS_ADDRESS), a peripheral
written on python3-dbus (vb_peripheral.py, hci0) and Debian's python3-bleak 0.20.2 as
the central (hci1), plus raw D-Bus calls with dbus_fast where bleak hides the detail.

    HAP_VIRTUAL_BLUEZ=path/to/hap-virtual-bluez /usr/bin/python3 test_virtual_bluez.py

The expected ATT layout of the test database ("main" layout of vb_peripheral.py),
after bluetoothd's own services (GAP 0x0001-0x0005, GATT 0x0006-0x000F, Device
Information 0x0010-0x0012):
    0x0013 service A (0000003e-…)     0x001f service B (000000a5-…)
    0x0014/15 iid   (read)            0x0020/21 b    (read)
    0x0016/17 hap   (read,write,indicate)  0x0022/23 fail (read,write; errors)
    0x0018    CCC (added by BlueZ, right after the value)
    0x0019    IID descriptor (the app's)
    0x001a/1b long  (read,write; 600-byte value)
    0x001c/1d notify (notify)
    0x001e    CCC
"""
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
VIRTUAL_BLUEZ = os.environ.get("HAP_VIRTUAL_BLUEZ")
HAP = "-0000-1000-8000-0026bb765291"
SIG = "-0000-1000-8000-00805f9b34fb"
HCI0, HCI1 = "/org/bluez/hci0", "/org/bluez/hci1"
ADDR0, ADDR1 = "00:AA:01:01:00:01", "00:AA:01:01:00:02"
DEV0_ON_1 = HCI1 + "/dev_00_AA_01_01_00_01"      # the peripheral, seen by the central
DEV1_ON_0 = HCI0 + "/dev_00_AA_01_01_00_02"      # the central, seen by the peripheral
LONG_VALUE = bytes(i % 251 for i in range(600))
HAP_ADV = "062d" + "31" + "a1b2c3d4e5f6" + "0700" + "0100" + "01" + "02"   # HAP-BLE regular advert
ADVERT = {"Type": "peripheral", "ManufacturerData": {"76": HAP_ADV}, "LocalName": "VB Test",
          "MinInterval": 20, "MaxInterval": 20}


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, condition, description, detail=None):
        self.count += 1
        if not condition:
            self.failed += 1
        print(("ok" if condition else "not ok") + " %d - %s" % (self.count, description), flush=True)
        if not condition and detail is not None:
            for line in str(detail).splitlines():
                print("# " + line, flush=True)
        return condition

    def diag(self, text):
        print("# " + text, flush=True)

    def finish(self):
        print("1..%d" % self.count, flush=True)
        return 1 if self.failed or self.count == 0 else 0


tap = Tap()

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class Environment:
    """A private bus and one hap-virtual-bluez on it."""

    def __init__(self, *args):
        self.tmp = tempfile.mkdtemp(prefix="vb-test-")
        socket = os.path.join(self.tmp, "bus")
        config = os.path.join(self.tmp, "bus.conf")
        with open(config, "w") as f:
            f.write(BUS_CONFIG % socket)
        self.bus = subprocess.Popen(["dbus-daemon", "--config-file=" + config, "--nofork",
                                     "--print-address=1"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, text=True)
        self.address = self.bus.stdout.readline().strip()
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=" + socket
        self.stderr_path = os.path.join(self.tmp, "virtual-bluez.log")
        self.stderr = open(self.stderr_path, "w")
        # A GLib critical in the daemon aborts it (and fails the test).
        env = dict(os.environ, G_DEBUG="gc-friendly,fatal-criticals")
        self.daemon = subprocess.Popen([VIRTUAL_BLUEZ, "--verbose", *args], stdout=subprocess.PIPE,
                                       stderr=self.stderr, text=True, env=env)
        self.ready = self.daemon.stdout.readline().strip() == "ready"
        self.peripherals = []

    def log(self):
        with open(self.stderr_path) as f:
            return f.read()

    async def peripheral(self, layout="main"):
        p = Peripheral(layout)
        await p.start()
        self.peripherals.append(p)
        return p

    def stop_daemon(self):
        """SIGTERM; returns (exit status, log)."""
        if self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        self.stderr.close()
        return self.daemon.returncode, self.log()

    def close(self):
        for p in self.peripherals:
            p.kill()
        if self.daemon.poll() is None:
            self.stop_daemon()
        self.bus.terminate()
        self.bus.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def sanitizer_clean(log):
    return not any(marker in log for marker in ("AddressSanitizer", "LeakSanitizer",
                                                "runtime error:", "CRITICAL **", "WARNING **"))


class Peripheral:
    def __init__(self, layout):
        self.layout = layout

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            "/usr/bin/python3", os.path.join(HERE, "vb_peripheral.py"), self.layout,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        hello = await self.read()
        self.unique_name = hello["unique_name"]

    async def read(self):
        line = await asyncio.wait_for(self.proc.stdout.readline(), 20)
        if not line:
            raise RuntimeError("peripheral exited")
        return json.loads(line)

    async def cmd(self, **command):
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()
        return await self.read()

    async def calls(self):
        return (await self.cmd(cmd="state"))["calls"]

    def kill(self):
        if self.proc.returncode is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass

    async def reap(self):
        self.kill()
        await self.proc.wait()


# ---- raw D-Bus ----

from dbus_fast import BusType, Message, MessageType, Variant  # noqa: E402
from dbus_fast.aio import MessageBus  # noqa: E402


class Raw:
    """A dbus_fast connection that logs every signal and reply from org.bluez in order."""

    async def connect(self):
        self.bus = await MessageBus(bus_type=BusType.SYSTEM, negotiate_unix_fd=True).connect()
        self.log = []
        self.bus.add_message_handler(self._record)
        await self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                        "AddMatch", "s", ["type='signal',sender='org.bluez'"])
        return self

    def _record(self, msg):
        if msg.message_type == MessageType.SIGNAL and msg.sender != "org.freedesktop.DBus":
            self.log.append(("signal", msg.member, msg.path, msg.body))
        elif msg.message_type in (MessageType.METHOD_RETURN, MessageType.ERROR):
            self.log.append(("reply", msg.reply_serial))
        return None

    async def call(self, dest, path, iface, member, signature="", body=()):
        return await asyncio.wait_for(self.bus.call(Message(destination=dest, path=path, interface=iface,
                                                            member=member, signature=signature,
                                                            body=list(body))), 30)

    async def bluez(self, path, iface, member, signature="", body=()):
        return await self.call("org.bluez", path, iface, member, signature, body)

    async def get(self, path, iface, prop):
        reply = await self.bluez(path, "org.freedesktop.DBus.Properties", "Get", "ss", [iface, prop])
        if reply.message_type == MessageType.ERROR:
            return None
        return reply.body[0].value

    async def set(self, path, iface, prop, variant):
        return await self.bluez(path, "org.freedesktop.DBus.Properties", "Set", "ssv", [iface, prop, variant])

    async def objects(self):
        reply = await self.bluez("/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
        return reply.body[0]

    async def database(self, adapter):
        reply = await self.call("org.bluez", "/org/hapsim/VirtualBluez", "org.hapsim.VirtualBluez1",
                                "GetDatabase", "o", [adapter])
        return [tuple(entry) for entry in reply.body[0]]

    async def adverts(self):
        reply = await self.call("org.bluez", "/org/hapsim/VirtualBluez", "org.hapsim.VirtualBluez1",
                                "GetAdvertisements")
        return [{k: v.value for k, v in entry.items()} for entry in reply.body[0]]

    def close(self):
        self.bus.disconnect()


def error_of(reply):
    if reply.message_type == MessageType.ERROR:
        return reply.error_name, (reply.body[0] if reply.body else "")
    return None


async def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return True
        await asyncio.sleep(0.05)
    return False


async def _false(coroutine):
    return (await coroutine) is False


async def _count_at_least(peripheral, name, count):
    return (await peripheral.calls())[name] >= count


async def _more_writes(peripheral, count):
    return len((await peripheral.calls())["writes"]) > count


# ---- scenario A: the accessory's life with a bleak central ----

async def scenario_main(env):
    from bleak import BleakClient, BleakScanner
    from bleak.exc import BleakDBusError

    raw = await Raw().connect()
    objects = await raw.objects()
    tap.ok(HCI0 in objects and HCI1 in objects and
           {"org.bluez.Adapter1", "org.bluez.GattManager1", "org.bluez.LEAdvertisingManager1"}
           <= set(objects[HCI0]) and
           objects[HCI0]["org.bluez.Adapter1"]["Roles"].value == ["central", "peripheral"] and
           objects[HCI0]["org.bluez.Adapter1"]["Address"].value == ADDR0 and
           objects[HCI1]["org.bluez.Adapter1"]["Address"].value == ADDR1,
           "GetManagedObjects: two adapters with distinct addresses, GattManager1, "
           "LEAdvertisingManager1, Roles central+peripheral", sorted(objects))

    acc = await env.peripheral("main")
    reply = await acc.cmd(cmd="register", adapter=HCI0, path="/app")
    tap.ok(reply.get("ok"), "RegisterApplication succeeds while the app serves GetManagedObjects "
           "(called asynchronously)", reply)
    db = await raw.database(HCI0)
    layout = {(h, kind, uuid) for h, kind, uuid, _ in db}
    expected = {(0x13, "service", "0000003e" + HAP), (0x14, "characteristic", "e604e95d-a759-4817-87d3-aa005083a0d1"),
                (0x16, "characteristic", "00000023" + HAP), (0x17, "value", "00000023" + HAP),
                (0x18, "descriptor", "00002902" + SIG), (0x19, "descriptor", "dc46f0fe-81d2-4616-b5d9-6abdd796939a"),
                (0x1a, "characteristic", "000000a1" + HAP), (0x1d, "value", "000000a2" + HAP),
                (0x1e, "descriptor", "00002902" + SIG), (0x1f, "service", "000000a5" + HAP),
                (0x23, "value", "000000b2" + HAP), (0x06, "service", "00001801" + SIG),
                (0x10, "service", "0000180a" + SIG)}
    tap.ok(expected <= layout, "handles: core services 0x0001-0x0012, app from 0x0013 in reply "
           "order, CCC right after the value, before the app's descriptor", sorted(db))
    calls = await acc.calls()
    tap.ok(calls["handles"].get("/app/service0") == 0x13 and
           calls["handles"].get("/app/service0/char1") == 0x17 and
           calls["handles"].get("/app/service0/char1/desc0") == 0x19,
           "allocated handles written back with Properties.Set(Handle) (value handle for a "
           "characteristic)", calls["handles"])

    again = await acc.cmd(cmd="register", adapter=HCI0, path="/app")
    tap.ok(again.get("error") == "org.bluez.Error.AlreadyExists",
           "second RegisterApplication of the same path: AlreadyExists", again)

    # Advertising: Flags follow the adapter's Discoverable.
    await acc.cmd(cmd="set_adapter", adapter=HCI0, props={"Discoverable": True, "DiscoverableTimeout": 0})
    reply = await acc.cmd(cmd="advertise", adapter=HCI0, props=ADVERT)
    tap.ok(reply.get("ok"), "RegisterAdvertisement (Properties.GetAll, no ObjectManager)", reply)
    adverts = await raw.adverts()
    ad = adverts[0] if adverts else {}
    expected_air = bytes.fromhex("020106") + bytes([3 + len(HAP_ADV) // 2, 0xff, 0x4c, 0x00]) + bytes.fromhex(HAP_ADV)
    tap.ok(ad.get("AdvertisingData") == expected_air and ad.get("Flags") == 0x06 and
           ad.get("ScanResponse") == bytes([8, 0x09]) + b"VB Test",
           "ADV_IND payload: Flags 0x06 (discoverable) + Apple manufacturer data; LocalName in "
           "the scan response", ad)
    tap.ok(ad.get("MinInterval") == 20 and ad.get("MaxInterval") == 20 and
           ad.get("IntervalsApplied") is False,
           "MinInterval/MaxInterval 20 ms recorded (not applied: bluetoothd without -E)", ad)
    manager = await raw.get(HCI0, "org.bluez.LEAdvertisingManager1", "ActiveInstances")
    tap.ok(manager == 1, "ActiveInstances is 1", manager)
    objects = await raw.objects()
    manager_props = objects[HCI0]["org.bluez.LEAdvertisingManager1"]
    tap.ok("SupportedCapabilities" not in manager_props and "SupportedFeatures" not in manager_props,
           "without -E no SupportedCapabilities/SupportedFeatures (5.66 marks them experimental)",
           sorted(manager_props))
    await acc.cmd(cmd="set_adapter", adapter=HCI0, props={"Discoverable": False})
    flags_off = (await raw.adverts())[0]["Flags"]
    await acc.cmd(cmd="set_adapter", adapter=HCI0, props={"Discoverable": True})
    flags_on = (await raw.adverts())[0]["Flags"]
    tap.ok(flags_off == 0x04 and flags_on == 0x06, "Flags 0x04 when not discoverable, 0x06 again "
           "when discoverable", (flags_off, flags_on))

    oversize = dict(ADVERT, ManufacturerData={"76": "00" * 26})
    oversize_acc = await env.peripheral("main")
    reply = await oversize_acc.cmd(cmd="advertise", adapter=HCI0, props=oversize)
    tap.ok(reply.get("error") == "org.bluez.Error.Failed" and
           reply.get("message", "").startswith("Failed to parse advertisement."),
           "advertising data over 31 bytes (with Flags): refused as bluetoothd 5.66 does "
           "(org.bluez.Error.Failed \"Failed to parse advertisement.\")", reply)
    bad_type = await oversize_acc.cmd(cmd="advertise", adapter=HCI0, props=dict(ADVERT, Type="central"))
    tap.ok(bad_type.get("error") == "org.bluez.Error.Failed", "Type other than peripheral/broadcast "
           "refused", bad_type)

    # The central scans with bleak on hci1.
    found = {}

    def seen(device, adv):
        if device.address == ADDR0:
            found["device"] = device
            found["adv"] = adv

    scanner = BleakScanner(detection_callback=seen, adapter="hci1")
    await scanner.start()
    await wait_for(lambda: "adv" in found, 10)
    await scanner.stop()
    adv = found.get("adv")
    tap.ok(adv is not None and adv.manufacturer_data.get(0x004C) == bytes.fromhex(HAP_ADV) and
           adv.local_name == "VB Test" and adv.rssi == -50,
           "BleakScanner on hci1 sees hci0's advertisement: manufacturer data, name, RSSI", adv)
    props = (await raw.objects()).get(DEV0_ON_1, {}).get("org.bluez.Device1", {})
    tap.ok(props.get("Adapter") and props["Adapter"].value == HCI1 and
           props["AdvertisingFlags"].value == b"\x06" and props["Paired"].value is False and
           "RSSI" not in props,
           "Device1 on hci1: Adapter, AdvertisingFlags 0x06, Paired false; RSSI invalidated "
           "after discovery stopped", {k: v.value for k, v in props.items()})

    # Connect with bleak.
    disconnected = asyncio.Event()
    client = BleakClient(found["device"], adapter="hci1",
                         disconnected_callback=lambda c: disconnected.set())
    raw.log.clear()
    await asyncio.wait_for(client.connect(), 20)
    tap.ok(client.is_connected, "bleak connects")
    order = [e for e in raw.log if e[0] == "signal" and e[2] == DEV0_ON_1 and e[1] == "PropertiesChanged"]
    changed_keys = [list(e[3][1].keys()) for e in order]
    tap.ok(changed_keys and changed_keys[0] == ["Connected"] and ["ServicesResolved"] in changed_keys,
           "Connected=true, then ServicesResolved=true on the central's device", changed_keys)
    services = {s.handle: s.uuid for s in client.services}
    chars = {c.handle: (c.uuid, c.properties) for c in client.services.characteristics.values()}
    descs = {d.handle: d.uuid for d in client.services.descriptors.values()}
    tap.ok(services == {0x06: "00001801" + SIG, 0x13: "0000003e" + HAP, 0x1f: "000000a5" + HAP},
           "services: GATT (GAP and DIS are claimed by bluetoothd), then the app's, by start handle",
           services)
    tap.ok(chars.get(0x16) == ("00000023" + HAP, ["read", "write", "indicate"]) and
           chars.get(0x1a, ("",))[0] == "000000a1" + HAP and chars.get(0x1c, ("",))[0] == "000000a2" + HAP and
           chars.get(0x07, ("",))[0] == "00002a05" + SIG,
           "characteristics named by their declaration handle (bleak's handles), with Flags", chars)
    tap.ok(descs.get(0x18) == "00002902" + SIG and descs.get(0x19) == "dc46f0fe-81d2-4616-b5d9-6abdd796939a" and
           descs.get(0x1e) == "00002902" + SIG,
           "descriptors: the automatic CCCs and the app's descriptor", descs)
    tree = await raw.objects()
    chrc_props = tree.get(DEV0_ON_1 + "/service0013/char0016", {}).get("org.bluez.GattCharacteristic1", {})
    tap.ok(chrc_props.get("MTU") and chrc_props["MTU"].value == 517 and "NotifyAcquired" not in chrc_props and
           chrc_props["Notifying"].value is False and "Handle" not in chrc_props,
           "GattCharacteristic1 as in 5.66: MTU 517, no NotifyAcquired for indicate-only, no "
           "Handle (added after 5.66)", {k: v.value for k, v in chrc_props.items()})

    # The peripheral's view of the central.
    central_props = tree.get(DEV1_ON_0, {}).get("org.bluez.Device1", {})
    tap.ok(central_props.get("Connected") and central_props["Connected"].value is True,
           "the central appears on hci0 as Device1 dev_00_AA_01_01_00_02, Connected", central_props)
    added = [e for e in raw.log if e[0] == "signal" and e[1] == "InterfacesAdded" and e[3][0] == DEV1_ON_0]
    tap.ok(added and added[0][3][1]["org.bluez.Device1"]["Connected"].value is True,
           "first central: InterfacesAdded with Connected=true (alternating mode, first)",
           added[:1])
    visible = [a["Visible"] for a in await raw.adverts()]
    tap.ok(visible == [False], "the advertisement is off air while a central is connected", visible)

    # Reads.
    value = await client.read_gatt_char(0x14)
    calls = await acc.calls()
    first = calls["reads"][-1] if calls["reads"] else {}
    tap.ok(value == b"\x01\x00" and first.get("options") == {"device": DEV1_ON_0, "link": "LE", "mtu": 517},
           "read: the app's ReadValue gets {device, link LE, mtu 517}, no offset", first)
    before = len(calls["reads"])
    value = await client.read_gatt_char(0x1a)
    calls = await acc.calls()
    offsets = [r["options"].get("offset", 0) for r in calls["reads"][before:]]
    tap.ok(value == LONG_VALUE[:512] and offsets == [0],
           "600-byte value at MTU 517: one ReadValue, cut to ATT's 512 (bluetoothd cuts each "
           "answer to 512 < MTU-1, so no Read Blob follows)", (len(value), offsets))
    desc = await client.read_gatt_descriptor(0x19)
    ccc = await client.read_gatt_descriptor(0x18)
    tap.ok(desc == b"\x09\x00" and ccc == b"\x00\x00", "descriptor reads: the app's, and the CCC "
           "(0 before subscribing)", (desc, ccc))
    try:
        await client.read_gatt_char(0x22)
        read_error = None
    except BleakDBusError as e:
        read_error = (e.dbus_error, e.dbus_error_details)
    tap.ok(read_error == ("org.bluez.Error.NotPermitted", "Read not permitted"),
           "app NotPermitted on read: ATT Read Not Permitted, client NotPermitted", read_error)

    # Writes.
    before = len(calls["writes"])
    await client.write_gatt_char(0x1a, LONG_VALUE[:514], response=True)
    calls = await acc.calls()
    writes = calls["writes"][before:]
    tap.ok(len(writes) == 1 and writes[0]["length"] == 514 and "offset" not in writes[0]["options"],
           "514 bytes (MTU-3) go in one Write Request, one WriteValue", writes)
    try:
        await client.write_gatt_char(0x1a, LONG_VALUE[:515], response=True)
        long_error = None
    except BleakDBusError as e:
        long_error = (e.dbus_error, e.dbus_error_details)
    tap.ok(long_error == ("org.bluez.Error.InvalidArguments", "Invalid Length"),
           "515 bytes: long write over ATT's 512 refused (Invalid Attribute Value Length)", long_error)
    try:
        await client.write_gatt_char(0x22, b"x", response=True)
        app_error = None
    except BleakDBusError as e:
        app_error = (e.dbus_error, e.dbus_error_details)
    # bleak appends its own description of the code in parentheses.
    tap.ok(app_error is not None and app_error[0] == "org.bluez.Error.Failed" and
           app_error[1].startswith("Operation failed with ATT error: 0x81"),
           "app Failed \"0x81\": ATT application error 0x81 at the client", app_error)

    # Indications, zero-length included.
    received = []
    await client.start_notify(0x16, lambda _, data: received.append(bytes(data)))
    # StartNotify() is sent without waiting for its reply, as bluetoothd does: give the
    # application's main loop a moment, then check it came exactly once.
    await wait_for(lambda: _count_at_least(acc, "start_notify", 1), 5)
    await asyncio.sleep(0.2)
    calls = await acc.calls()
    tap.ok(calls["start_notify"] == 1, "StartNotify reaches the app once", calls["start_notify"])
    ccc = await client.read_gatt_descriptor(0x18)
    tap.ok(ccc == b"\x02\x00", "CCC of an indicate-only characteristic is 2", ccc)
    await acc.cmd(cmd="notify", chrc="hap", value="")
    await acc.cmd(cmd="notify", chrc="hap", value="0102")
    await acc.cmd(cmd="notify", chrc="hap", value="0102")
    await wait_for(lambda: len(received) >= 3, 5)
    tap.ok(received == [b"", b"\x01\x02", b"\x01\x02"],
           "indications reach bleak: empty, and equal values twice", received)
    await wait_for(lambda: _count_at_least(acc, "confirm", 3), 5)
    await asyncio.sleep(0.2)
    calls = await acc.calls()
    tap.ok(calls["confirm"] == 3, "the app gets Confirm() for each indication", calls["confirm"])
    await client.stop_notify(0x16)
    await wait_for(lambda: _count_at_least(acc, "stop_notify", 1), 5)
    await asyncio.sleep(0.2)
    calls = await acc.calls()
    tap.ok(calls["start_notify"] == 1 and calls["stop_notify"] == 1, "StopNotify reaches the app once",
           (calls["start_notify"], calls["stop_notify"]))

    # Disconnect from bleak: reply first, then Connected=false.
    await asyncio.wait_for(client.disconnect(), 15)
    tap.ok(disconnected.is_set() and not client.is_connected, "bleak disconnects cleanly (its bus "
           "closes on Connected=false, after the reply)")
    peripheral_side = await raw.get(DEV1_ON_0, "org.bluez.Device1", "Connected")
    visible = [a["Visible"] for a in await raw.adverts()]
    tap.ok(peripheral_side is False and visible == [True],
           "after the disconnect: the central's Device1 on hci0 Connected=false, advertising again",
           (peripheral_side, visible))
    cached = await raw.get(DEV0_ON_1 + "/service0013/char0016", "org.bluez.GattCharacteristic1", "UUID")
    tap.ok(cached == "00000023" + HAP, "remote GATT objects stay after the disconnect "
           "([GATT] Cache=always)", cached)

    # Raw Connect/Disconnect: the order on one connection.
    reply = await raw.bluez(DEV0_ON_1, "org.bluez.Device1", "Connect")
    tap.ok(error_of(reply) is None, "Device1.Connect (raw)", error_of(reply))
    added = [e for e in raw.log if e[0] == "signal" and e[1] == "PropertiesChanged" and e[2] == DEV1_ON_0]
    tap.ok(any(e[3][1].get("Connected") and e[3][1]["Connected"].value for e in added),
           "reconnecting central: PropertiesChanged(Connected=true) on the lingering Device1", added)
    again = await raw.bluez(DEV0_ON_1, "org.bluez.Device1", "Connect")
    tap.ok(error_of(again) is None, "Connect on a connected device succeeds", error_of(again))
    raw.log.clear()
    msg = Message(destination="org.bluez", path=DEV0_ON_1, interface="org.bluez.Device1", member="Disconnect")
    reply = await asyncio.wait_for(raw.bus.call(msg), 10)
    await wait_for(lambda: any(e[0] == "signal" and e[2] == DEV0_ON_1 for e in raw.log), 5)
    sequence = [e for e in raw.log if e[0] == "reply" and e[1] == msg.serial or
                (e[0] == "signal" and e[2] == DEV0_ON_1 and e[1] == "PropertiesChanged")]
    tap.ok(error_of(reply) is None and len(sequence) >= 2 and sequence[0][0] == "reply" and
           sequence[1][3][1].get("Connected").value is False,
           "Disconnect: the reply arrives before Connected=false", sequence)
    again = await raw.bluez(DEV0_ON_1, "org.bluez.Device1", "Disconnect")
    tap.ok(error_of(again) == ("org.bluez.Error.NotConnected", "Not Connected"),
           "Disconnect when not connected: NotConnected", error_of(again))

    # The peripheral disconnects the central.
    disconnected.clear()
    client = BleakClient(found["device"], adapter="hci1", disconnected_callback=lambda c: disconnected.set())
    await asyncio.wait_for(client.connect(), 20)
    reply = await acc.cmd(cmd="disconnect", device=DEV1_ON_0)
    await wait_for(lambda: disconnected.is_set(), 5)
    tap.ok(reply.get("ok") and disconnected.is_set(),
           "Disconnect called by the accessory on the central's Device1: bleak sees the "
           "disconnection", reply)

    # The accessory process dies while connected.
    disconnected.clear()
    client = BleakClient(found["device"], adapter="hci1", disconnected_callback=lambda c: disconnected.set())
    await asyncio.wait_for(client.connect(), 20)
    acc.kill()
    await wait_for(lambda: disconnected.is_set(), 5)
    db = await raw.database(HCI0)
    adverts = await raw.adverts()
    active = await raw.get(HCI0, "org.bluez.LEAdvertisingManager1", "ActiveInstances")
    tap.ok(disconnected.is_set() and all(h < 0x13 for h, *_ in db) and adverts == [] and active == 0,
           "the accessory process exits: application and advertisement unregistered, central "
           "disconnected", (disconnected.is_set(), len(db), adverts, active))
    raw.close()


# ---- scenario B: small MTU, missing Connected signal, "changed" appearance ----

async def scenario_small_mtu(env):
    from bleak import BleakClient

    raw = await Raw().connect()
    acc = await env.peripheral("main")
    await acc.cmd(cmd="register", adapter=HCI0, path="/app")
    await acc.cmd(cmd="set_adapter", adapter=HCI0, props={"Discoverable": True, "DiscoverableTimeout": 0})
    await acc.cmd(cmd="advertise", adapter=HCI0, props=ADVERT)
    await raw.bluez(HCI1, "org.bluez.Adapter1", "StartDiscovery")
    await wait_for(lambda: raw.get(DEV0_ON_1, "org.bluez.Device1", "RSSI"), 5)
    # The accessory bumps its GSN with PropertiesChanged on the advertisement.
    raw.log.clear()
    new_adv = HAP_ADV[:-8] + "0200" + HAP_ADV[-4:]
    await acc.cmd(cmd="set_adv", props={"ManufacturerData": {"76": new_adv}})

    def manufacturer_updates():
        return [e[3][1]["ManufacturerData"].value for e in raw.log
                if e[0] == "signal" and e[1] == "PropertiesChanged" and e[2] == DEV0_ON_1 and
                "ManufacturerData" in e[3][1]]

    await wait_for(manufacturer_updates, 5)
    updates = manufacturer_updates()
    adverts = await raw.adverts()
    tap.ok(updates and updates[-1][0x4c].value == bytes.fromhex(new_adv) and
           adverts[0]["AdvertisingData"].endswith(bytes.fromhex(new_adv)),
           "PropertiesChanged on the advertisement refreshes it; the scanner gets "
           "PropertiesChanged(ManufacturerData)", updates)
    await raw.bluez(HCI1, "org.bluez.Adapter1", "StopDiscovery")
    stop_again = await raw.bluez(HCI1, "org.bluez.Adapter1", "StopDiscovery")
    tap.ok(error_of(stop_again) == ("org.bluez.Error.Failed", "No discovery started"),
           "StopDiscovery without a session: Failed", error_of(stop_again))

    raw.log.clear()
    reply = await raw.bluez(DEV0_ON_1, "org.bluez.Device1", "Connect")
    connected_signals = [e for e in raw.log if e[0] == "signal" and e[2] == DEV0_ON_1 and
                         e[1] == "PropertiesChanged" and "Connected" in e[3][1]]
    connected = await raw.get(DEV0_ON_1, "org.bluez.Device1", "Connected")
    tap.ok(error_of(reply) is None and connected_signals == [] and connected is True,
           "--no-connected-signal: Connect returns, no Connected=true signal, Get says true",
           connected_signals)
    added = [e for e in raw.log if e[0] == "signal" and e[1] == "InterfacesAdded" and e[3][0] == DEV1_ON_0]
    changed = [e for e in raw.log if e[0] == "signal" and e[1] == "PropertiesChanged" and e[2] == DEV1_ON_0]
    tap.ok(added and added[0][3][1]["org.bluez.Device1"]["Connected"].value is False and
           changed and changed[0][3][1]["Connected"].value is True,
           "--new-central changed: InterfacesAdded(Connected=false), then PropertiesChanged", (added, changed))
    mtu = await raw.get(DEV0_ON_1 + "/service0013/char001a", "org.bluez.GattCharacteristic1", "MTU")
    tap.ok(mtu == 185, "MTU property follows --mtu", mtu)
    hidden = [a["Visible"] for a in await raw.adverts()]
    await acc.cmd(cmd="set_adv", props={"ManufacturerData": {"76": HAP_ADV}})
    await asyncio.sleep(0.2)
    shown = [a["Visible"] for a in await raw.adverts()]
    tap.ok(hidden == [False] and shown == [True] and "changed during a connection" in env.log(),
           "changing the advertisement during a connection puts it on air again, as with "
           "bluetoothd (docs/bluez.md §5.4), with a warning", (hidden, shown))

    calls = await acc.calls()
    before = len(calls["reads"])
    reply = await raw.bluez(DEV0_ON_1 + "/service0013/char001a", "org.bluez.GattCharacteristic1", "ReadValue",
                           "a{sv}", [{}])
    calls = await acc.calls()
    offsets = [r["options"].get("offset", 0) for r in calls["reads"][before:]]
    value = reply.body[0] if error_of(reply) is None else error_of(reply)
    tap.ok(value == LONG_VALUE[:512] and offsets == [0, 184, 368],
           "600-byte value at MTU 185: Read then Read Blobs at 184 and 368; the client gets 512 "
           "bytes (ATT's maximum)", offsets)
    before = len(calls["reads"])
    reply = await raw.bluez(DEV0_ON_1 + "/service0013/char001a", "org.bluez.GattCharacteristic1", "ReadValue",
                           "a{sv}", [{"offset": Variant("q", 400)}])
    calls = await acc.calls()
    offsets = [r["options"].get("offset", 0) for r in calls["reads"][before:]]
    tap.ok(error_of(reply) is None and offsets == [400] and reply.body[0][400:] == LONG_VALUE[400:512],
           "ReadValue with offset 400: Read Blob at 400 (the reply is bluetoothd's cached value "
           "with the new bytes at 400)", offsets)
    bad = await raw.bluez(DEV0_ON_1 + "/service0013/char001a", "org.bluez.GattCharacteristic1", "ReadValue",
                         "a{sv}", [{"offset": Variant("u", 4)}])
    tap.ok(error_of(bad) == ("org.bluez.Error.InvalidArguments", "Invalid arguments in method call"),
           "an offset that is not a uint16: InvalidArguments", error_of(bad))

    before = len(calls["writes"])
    reply = await raw.bluez(DEV0_ON_1 + "/service0013/char001a", "org.bluez.GattCharacteristic1", "WriteValue",
                           "aya{sv}", [LONG_VALUE[:300], {"type": Variant("s", "request")}])
    calls = await acc.calls()
    writes = calls["writes"][before:]
    tap.ok(error_of(reply) is None and len(writes) == 1 and writes[0]["length"] == 300 and
           "offset" not in writes[0]["options"] and writes[0]["options"]["mtu"] == 185,
           "300 bytes at MTU 185: prepared writes merged into one WriteValue (no offset)", writes)
    reply = await raw.bluez(DEV0_ON_1 + "/service0013/char0016/desc0018", "org.bluez.GattDescriptor1",
                           "WriteValue", "aya{sv}", [b"\x01\x00", {}])
    tap.ok(error_of(reply) == ("org.bluez.Error.NotPermitted", "Write not permitted"),
           "writing a CCC directly: NotPermitted (StartNotify/StopNotify only)", error_of(reply))
    reply = await raw.bluez(DEV0_ON_1 + "/service0013/char001c", "org.bluez.GattCharacteristic1", "StartNotify")
    tap.ok(error_of(reply) is None, "StartNotify on a notify characteristic", error_of(reply))
    raw.log.clear()
    await acc.cmd(cmd="notify", chrc="notify", value="ff" * 300)
    def notified():
        return [e[3][1]["Value"].value for e in raw.log
                if e[0] == "signal" and e[2] == DEV0_ON_1 + "/service0013/char001c" and
                e[1] == "PropertiesChanged" and "Value" in e[3][1]]

    await wait_for(notified, 5)
    values = notified()
    calls = await acc.calls()
    tap.ok(values == [b"\xff" * 182] and calls["confirm"] == 0,
           "notifications are cut to MTU-3 (182 bytes); no Confirm() for notifications",
           [len(v) for v in values])
    # AcquireNotify / AcquireWrite: the fd-passing variants (bleak >= 0.21 uses
    # AcquireNotify for "notify" characteristics).
    char1c = DEV0_ON_1 + "/service0013/char001c"
    reply = await raw.bluez(char1c, "org.bluez.GattCharacteristic1", "StopNotify")
    reply = await raw.bluez(char1c, "org.bluez.GattCharacteristic1", "AcquireNotify", "a{sv}", [{}])
    tap.ok(error_of(reply) is None and len(reply.unix_fds) == 1 and reply.body[1] == 185,
           "AcquireNotify hands out a socket and the MTU", error_of(reply))
    if error_of(reply) is None:
        loop = asyncio.get_running_loop()
        notify_sock = socket.socket(fileno=reply.unix_fds[0])
        notify_sock.setblocking(False)
        acquired = await raw.get(char1c, "org.bluez.GattCharacteristic1", "NotifyAcquired")
        await asyncio.sleep(0.1)
        await acc.cmd(cmd="notify", chrc="notify", value="0a0b")
        data = await asyncio.wait_for(loop.sock_recv(notify_sock, 512), 5)
        tap.ok(acquired is True and data == b"\x0a\x0b",
               "a notification arrives on the acquired socket; NotifyAcquired is true", (acquired, data))
        calls = await acc.calls()
        stops = calls["stop_notify"]
        notify_sock.close()
        released = await wait_for(lambda: _false(raw.get(char1c, "org.bluez.GattCharacteristic1",
                                                         "NotifyAcquired")), 5)
        await asyncio.sleep(0.2)
        calls = await acc.calls()
        tap.ok(released and calls["stop_notify"] == stops + 1,
               "closing it releases the notifications (NotifyAcquired false, StopNotify)",
               (released, calls["stop_notify"]))
    reply = await raw.bluez(char1c, "org.bluez.GattCharacteristic1", "AcquireWrite", "a{sv}", [{}])
    tap.ok(error_of(reply) is None and len(reply.unix_fds) == 1, "AcquireWrite hands out a socket",
           error_of(reply))
    if error_of(reply) is None:
        write_sock = socket.socket(fileno=reply.unix_fds[0])
        before = len((await acc.calls())["writes"])
        write_sock.send(b"hi")
        await wait_for(lambda: _more_writes(acc, before), 5)
        writes = (await acc.calls())["writes"][before:]
        refused = await raw.bluez(char1c, "org.bluez.GattCharacteristic1", "WriteValue", "aya{sv}",
                                  [b"x", {"type": Variant("s", "command")}])
        tap.ok(len(writes) == 1 and writes[0]["length"] == 2 and writes[0]["head"] == "6869" and
               error_of(refused) == ("org.bluez.Error.NotPermitted", "Write acquired"),
               "a datagram on the acquired socket becomes a write command; WriteValue is refused "
               "meanwhile", (writes, error_of(refused)))
        write_sock.close()

    # A service removed by InterfacesRemoved disappears from the central. (Done here with
    # raw calls: bleak 0.20.2 keeps a removed service in its map and fails on its next
    # connection, with real bluetoothd too.)
    raw.log.clear()
    await acc.cmd(cmd="remove_service")
    gone = await wait_for(lambda: any(e[1] == "InterfacesRemoved" and e[3][0] == DEV0_ON_1 + "/service001f"
                                      for e in raw.log if e[0] == "signal"), 5)
    db = await raw.database(HCI0)
    tap.ok(gone and not any(h == 0x1f for h, *_ in db),
           "app InterfacesRemoved(GattService1): the service leaves the database and the central",
           sorted(db))
    uuids = await raw.get(DEV0_ON_1, "org.bluez.Device1", "UUIDs")
    tap.ok(uuids is not None and "000000a5" + HAP not in uuids and "0000003e" + HAP in uuids,
           "the central's Device1 UUIDs follow", uuids)
    reply = await acc.cmd(cmd="unregister", adapter=HCI0)
    tap.ok(reply.get("ok"), "the application stays registered after InterfacesRemoved (5.66 "
           "removes only the named service): UnregisterApplication succeeds", reply)
    gone = await wait_for(lambda: any(e[1] == "InterfacesRemoved" and e[3][0] == DEV0_ON_1 + "/service0013"
                                      for e in raw.log if e[0] == "signal"), 5)
    tap.ok(gone, "UnregisterApplication: the central's mirror loses the services (Service Changed)")

    core_before = await raw.get(DEV0_ON_1 + "/service0006", "org.bluez.GattService1", "UUID")
    reply = await raw.bluez(DEV0_ON_1, "org.bluez.Device1", "Disconnect")
    tap.ok(error_of(reply) is None, "Disconnect", error_of(reply))
    core_after = await raw.get(DEV0_ON_1 + "/service0006", "org.bluez.GattService1", "UUID")
    tap.ok(core_before == "00001801" + SIG and core_after is None,
           "--gatt-cache no: the mirrored objects go at the disconnect", (core_before, core_after))
    raw.close()


# ---- scenario C: applications bluetoothd (or this double) refuses; shutdown ----

async def scenario_refusals(env):
    raw = await Raw().connect()
    ccc = await env.peripheral("ccc")
    reply = await ccc.cmd(cmd="register", adapter=HCI0, path="/app")
    tap.ok(reply.get("error") == "org.bluez.Error.Failed" and "0x2902" in reply.get("message", ""),
           "an application exporting its own CCC (0x2902) is refused (stricter than 5.66)", reply)
    badlink = await env.peripheral("badlink")
    reply = await badlink.cmd(cmd="register", adapter=HCI0, path="/app")
    tap.ok(reply.get("error") == "org.bluez.Error.Failed" and
           reply.get("message", "").startswith("No valid service object found"),
           "a characteristic whose Service names no service of the app: refused", reply)
    db = await raw.database(HCI0)
    tap.ok(all(h < 0x13 for h, *_ in db), "refused applications leave nothing in the database", db)
    reply = await badlink.cmd(cmd="unregister", adapter=HCI0)
    tap.ok(reply.get("error") == "org.bluez.Error.DoesNotExist", "UnregisterApplication of an "
           "unknown application: DoesNotExist", reply)

    timed = await env.peripheral("main")
    reply = await timed.cmd(cmd="advertise", adapter=HCI0, props=dict(ADVERT, Timeout=1))
    released = await wait_for(lambda: _count_at_least(timed, "release", 1), 5)
    adverts = await raw.adverts()
    tap.ok(reply.get("ok") and released and adverts == [],
           "an advertisement's Timeout ends it with Release()", (reply, adverts))

    acc = await env.peripheral("main")
    reply = await acc.cmd(cmd="register", adapter=HCI1, path="/app")
    db = await raw.database(HCI1)
    starts = [h for h, kind, *_ in db if kind == "service" and h >= 0x13]
    tap.ok(reply.get("ok") and starts == [0x13, 0x1f], "a second adapter has its own database", starts)
    other = await env.peripheral("main")
    reply = await other.cmd(cmd="register", adapter=HCI1, path="/app")
    db = await raw.database(HCI1)
    starts = [h for h, kind, *_ in db if kind == "service" and h >= 0x13]
    tap.ok(reply.get("ok") and starts == [0x13, 0x1f, 0x24, 0x30],
           "a second application's services follow the first's (one database per adapter)", starts)
    reply = await acc.cmd(cmd="unregister", adapter=HCI1)
    again = await acc.cmd(cmd="register", adapter=HCI1, path="/app")
    db = await raw.database(HCI1)
    starts = [h for h, kind, *_ in db if kind == "service" and h >= 0x13]
    tap.ok(reply.get("ok") and again.get("ok") and starts == [0x13, 0x1f, 0x24, 0x30],
           "re-registered with the handles written back to it, the application gets them again",
           starts)
    reply = await other.cmd(cmd="unregister", adapter=HCI1)
    fresh = await env.peripheral("main")
    again = await fresh.cmd(cmd="register", adapter=HCI1, path="/app")
    db = await raw.database(HCI1)
    starts = [h for h, kind, *_ in db if kind == "service" and h >= 0x13]
    tap.ok(reply.get("ok") and again.get("ok") and starts == [0x13, 0x1f, 0x35, 0x41],
           "a new application goes after the highest handle ever used (gatt-db never moves back)",
           starts)
    reply = await acc.cmd(cmd="advertise", adapter=HCI1, props=dict(ADVERT, Timeout=0))
    tap.ok(reply.get("ok"), "advertisement registered before the daemon stops", reply)

    status, log = env.stop_daemon()
    await wait_for(lambda: _count_at_least(acc, "release", 1), 5)
    calls = await acc.calls()
    tap.ok(calls["release"] == 1, "the daemon stopping calls the advertisement's Release()",
           calls["release"])
    tap.ok(status == 0, "hap-virtual-bluez exits 0 on SIGTERM", status)
    raw.close()
    return log


async def guarded(scenario, env):
    """Runs @scenario, then reaps the peripherals inside the same event loop."""
    try:
        return await asyncio.wait_for(scenario(env), 240)
    finally:
        for p in env.peripherals:
            await p.reap()


def run(name, scenario, *args):
    env = Environment(*args)
    log = ""
    try:
        if not tap.ok(env.ready, "%s: hap-virtual-bluez %s prints ready" % (name, " ".join(args))):
            return
        result = asyncio.run(guarded(scenario, env))
        if isinstance(result, str):
            log = result
    except Exception as error:  # a crash of the scenario is a failure, with its cause
        import traceback
        tap.ok(False, "%s: scenario ran to the end" % name, traceback.format_exc())
    finally:
        if env.daemon.poll() is None:
            status, log = env.stop_daemon()
            tap.ok(status == 0, "%s: hap-virtual-bluez exits 0 on SIGTERM" % name, log[-2000:])
        elif not log:
            log = env.log()
        tap.ok(sanitizer_clean(log), "%s: no sanitizer report, GLib warning or critical" % name,
               log[-4000:])
        env.close()


def main():
    if VIRTUAL_BLUEZ is None:
        print("Bail out! HAP_VIRTUAL_BLUEZ is not set")
        return 1
    run("main", scenario_main)
    run("small MTU", scenario_small_mtu, "--mtu", "185", "--no-connected-signal", "--new-central", "changed",
        "--gatt-cache", "no")
    run("refusals", scenario_refusals)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
