"""The shared fixture of the HAP-BLE end-to-end tests (test_ble_gatt.py,
test_ble_quirks.py): one case's accessory (a hap-simulator on its own virtual adapter),
its centrals and a D-Bus connection to the bench, plus small assertion helpers."""
import asyncio
import json
import os
import struct

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from . import adv, bench, client, pdu, tlv8

LAMP = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "ble-lamp.json")
SETUP_CODE = "518-08-582"
ON = 51   # ble-lamp.json's Lightbulb/On


def le16(value):
    return struct.pack("<H", value)


def adapter_address(adapter):
    """hap-virtual-bluez's default public address of hciN: 00:AA:01:01:00:(N+1)."""
    return "00:AA:01:01:00:%02X" % (int(adapter[3:]) + 1)


def expect_eq(got, want, what):
    if got != want:
        raise AssertionError("%s:\n  got  %r\n  want %r" % (what, got, want))


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


async def dropped_after(c, action, timeout=3.0):
    """Runs @action (which may fail: the accessory answers a GATT error before dropping)
    and returns True when the link went down within @timeout."""
    try:
        await action()
    except Exception:
        pass
    return await c.wait_dropped(timeout)


class Fixture:
    """One case's accessory, centrals and D-Bus connection."""

    counter = 0

    def __init__(self, bench_, adapters, name):
        self.bench = bench_
        self.adapters = adapters
        self.peripheral = adapters[0]
        self.central = adapters[1]
        self.name = name
        self.acc = None
        self.clients = []
        self.bus = None

    async def start(self, path=LAMP, setup_code=SETUP_CODE):
        Fixture.counter += 1
        self.acc = bench.Accessory(self.bench, path, self.peripheral, "%s-%d" % (self.name, Fixture.counter),
                                   setup_code=setup_code)
        self.bench.accessories.append(self.acc)
        await asyncio.to_thread(self.acc.start)
        return self.acc

    @property
    def address(self):
        return adapter_address(self.peripheral)

    def device_on_peripheral(self, central=None):
        """The central's Device1 path on the accessory's adapter (what bluetoothd passes
        as the "device" option)."""
        return "/org/bluez/%s/dev_%s" % (self.peripheral, adapter_address(central or self.central).replace(":", "_"))

    async def new_client(self, controller=None, adapter=None, fragment_size=None):
        # Fragments as large as one ATT Write Request carries (MTU − 3), at most 512.
        c = client.HapBleClient(adapter or self.central, controller,
                                fragment_size or min(512, getattr(self.bench, "mtu", 517) - 3))
        self.clients.append(c)
        return c

    async def connect(self, controller=None, adapter=None, fragment_size=None):
        c = await self.new_client(controller, adapter, fragment_size)
        device, _ = await client.find_accessory(c.adapter, self.acc.device_id)
        await c.connect(device)
        return c

    async def reconnect(self, c):
        device, _ = await client.find_accessory(c.adapter, self.acc.device_id)
        await c.connect(device)
        return c

    async def forget(self, adapters=None):
        """Removes the accessory's device object from the centrals' adapters (a
        controller discovering it anew). Needed after the database changed: bleak 0.20
        keeps removed services in its map and then fails with KeyError
        'org.bluez.GattService1' (bleak issue #1435, fixed in later versions)."""
        device = "dev_" + self.address.replace(":", "_")
        for adapter in adapters or self.adapters[1:]:
            await self.call("org.bluez", "/org/bluez/" + adapter, "org.bluez.Adapter1", "RemoveDevice", "o",
                            ["/org/bluez/%s/%s" % (adapter, device)])

    async def paired(self, controller=None):
        c = await self.connect(controller)
        await c.pair_setup(SETUP_CODE)
        await c.pair_verify()
        return c

    async def ctl(self, *args):
        return await asyncio.to_thread(self.acc.ctl, *args)

    async def set_value(self, characteristic, json_value):
        return await self.ctl("set", self.acc.device_id, characteristic, json_value)

    async def get_value(self, characteristic):
        return json.loads(await self.ctl("get", self.acc.device_id, characteristic))

    async def dbus(self):
        if self.bus is None:
            self.bus = await MessageBus(bus_address=self.bench.address).connect()
        return self.bus

    async def call(self, destination, path, interface, member, signature="", body=()):
        bus = await self.dbus()
        reply = await bus.call(Message(destination=destination, path=path, interface=interface, member=member,
                                       signature=signature, body=list(body)))
        return reply

    async def quirk(self, name, state="on", **params):
        """hap-simulator ctl quirk: switches @name on (with @params, "max_ms" for
        "max-ms") or off on this case's accessory."""
        args = ["%s=%s" % (k.replace("_", "-"), str(v).lower() if isinstance(v, bool) else v)
                for k, v in params.items()]
        return await self.ctl("quirk", self.acc.device_id, name, state, *args)

    async def vb_call(self, member, signature="", body=()):
        reply = await self.call("org.bluez", "/org/hapsim/VirtualBluez", "org.hapsim.VirtualBluez1", member,
                                signature, body)
        expect_eq(reply.message_type, MessageType.METHOD_RETURN, member)
        return reply.body[0]

    async def advertised(self):
        """hap-virtual-bluez's record of our advertisement (AdvertisingData, ScanResponse,
        intervals, Owner…), plain values; None when none is registered."""
        for entry in await self.vb_call("GetAdvertisements"):
            if entry["Adapter"].value == "/org/bluez/" + self.peripheral:
                return {k: v.value for k, v in entry.items()}
        return None

    async def on_air(self):
        """The registered advertisement (see advertised()); there must be one."""
        record = await self.advertised()
        if record is None:
            raise AssertionError("nothing registered on %s" % self.peripheral)
        return record

    async def database(self):
        """The accessory's adapter's ATT database as bluetoothd holds it: [(service UUID,
        [characteristic UUIDs])], in handle order, lower-case."""
        services = []
        for _, kind, uuid, _ in await self.vb_call("GetDatabase", "o", ["/org/bluez/" + self.peripheral]):
            if kind == "service":
                services.append((uuid.lower(), []))
            elif kind == "characteristic" and services:
                services[-1][1].append(uuid.lower())
        return services

    async def advertisement(self, predicate=lambda a: True, timeout=5.0):
        """The first regular advertisement of our accessory (seen from the central's
        adapter) for which @predicate holds."""
        async with client.AdvertisementWatch(self.central, self.address) as watch:
            payload = await watch.wait_for(lambda p: p[:1] == b"\x06" and predicate(adv.Regular(p)), timeout)
        return adv.Regular(payload)

    async def still_serving(self, controller=None):
        """After a negative case: a new connection gets served (verified when
        @controller is paired, else a Characteristic Signature Read)."""
        for c in self.clients:
            if c.connected:
                await c.disconnect()
        c = await self.connect(controller)
        if controller is not None and controller.accessory_ltpk is not None:
            await c.pair_verify()
            r = await c.read(ON)
            expect_eq((r.status, tlv8.decode(r.body)[0][0]), (pdu.SUCCESS, pdu.PARAM_VALUE), "read after recovery")
        else:
            r = await c.signature_read(ON)
            expect_eq(r.status, pdu.SUCCESS, "signature read after recovery")
        await c.disconnect()

    async def close(self):
        for c in self.clients:
            try:
                await c.disconnect()
            except Exception:
                pass
        if self.acc is not None:
            await asyncio.to_thread(self.acc.stop)
        # The next case may get these adapters: no stale device object (same address,
        # another accessory) may be left on the centrals' side.
        await self.forget()
        if self.bus is not None:
            self.bus.disconnect()

    def log_tail(self):
        if self.acc is None:
            return ""
        path = os.path.join(self.bench.dir, "sim-%s-%d.log" % (self.acc.label, self.acc.starts))
        try:
            with open(path, errors="replace") as f:
                return "".join(f.readlines()[-25:])
        except OSError:
            return ""
