#!/usr/bin/python3
"""The smoke test's central: python3-bleak (Debian's 0.20.2) through bluetoothd on one adapter.

Finds the smoke peripheral's advertisement (ManufacturerData[0x004C] with its HAP-style payload,
and its local name from the scan response), connects (retrying once: docs/bluez.md §3 saw about
one flaky connection in four), checks Device1.Connected with Properties.Get rather than relying
on signals (docs/bluez.md §5.1), then reads, writes, reads back, subscribes, asks for
indications and expects a non-empty and a zero-length one, unsubscribes and disconnects.
Exits 0 when every step gave what peripheral.py is written to give, 1 otherwise.
"""

import argparse
import asyncio
import sys
import time

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError
from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

# Must match peripheral.py.
CHAR_UUID = "8f1c0d11-5b0e-4c59-9a53-3f3a6a1e7b01"
APPLE = 0x004C
HAP_ADV = bytes([0x06, 0x2D, 0x01, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6,
                 0x05, 0x00, 0x01, 0x00, 0x01, 0x02])
LOCAL_NAME = "HAP-VM-Smoke"
INITIAL_VALUE = b"hap-vm-smoke"
WRITTEN = b"written-by-central"
INDICATIONS = [b"\x01first-indication", b""]
SCAN_WINDOW = 10  # seconds

START = time.monotonic()


def log(msg):
    print(f"central: [{time.monotonic() - START:6.2f}] {msg}", flush=True)


class Failure(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failure(what)


async def device_connected(path):
    """Device1.Connected as bluetoothd has it now, or None if the object is gone."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        reply = await bus.call(Message(
            destination="org.bluez", path=path, interface="org.freedesktop.DBus.Properties",
            member="Get", signature="ss", body=["org.bluez.Device1", "Connected"]))
        if reply.message_type != MessageType.METHOD_RETURN:
            return None
        return bool(reply.body[0].value)
    finally:
        bus.disconnect()


async def find_peripheral(adapter, timeout):
    found = asyncio.get_running_loop().create_future()
    seen = {}

    def on_advertisement(device, adv):
        data = adv.manufacturer_data.get(APPLE)
        if data is None:
            return
        if seen.get(device.address) != (bytes(data).hex(), adv.local_name):
            log(f"advertisement from {device.address}: {bytes(data).hex()} name={adv.local_name!r}")
        seen[device.address] = (bytes(data).hex(), adv.local_name)
        # The name arrives in the scan response, possibly after the first report.
        if bytes(data) == HAP_ADV and adv.local_name == LOCAL_NAME and not found.done():
            found.set_result(device)

    # btvirt's controllers report advertisements only when scanning or advertising is switched
    # on (emulator/btdev.c), never periodically: one missed report would leave a single long
    # scan blind. Scanning in windows switches the scan on again every few seconds.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log(f"scanning on {adapter}")
        async with BleakScanner(detection_callback=on_advertisement, adapter=adapter):
            try:
                return await asyncio.wait_for(asyncio.shield(found),
                                              min(SCAN_WINDOW, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                pass
    raise Failure(f"no matching advertisement within {timeout} s; seen: {seen}")


async def connect(device, adapter):
    path = device.details["path"]
    for attempt in (1, 2):
        client = BleakClient(device, adapter=adapter, timeout=60)
        t = time.monotonic()
        try:
            await client.connect()
            log(f"connected in {time.monotonic() - t:.1f} s (attempt {attempt})")
            return client
        except (BleakError, asyncio.TimeoutError, EOFError) as e:
            state = await device_connected(path)
            log(f"connect attempt {attempt} failed after {time.monotonic() - t:.1f} s: "
                f"{type(e).__name__}: {e}; Connected={state}")
            if attempt == 2:
                raise Failure(f"could not connect: {e}")
            await asyncio.sleep(2)


async def run(adapter):
    device = await find_peripheral(adapter, timeout=60)
    log(f"found {device.address} ({device.name}) at {device.details['path']}")

    client = await connect(device, adapter)
    path = device.details["path"]
    try:
        expect(await device_connected(path) is True, "Device1.Connected is not true after connect")

        char = client.services.get_characteristic(CHAR_UUID)
        expect(char is not None, f"characteristic {CHAR_UUID} not discovered")
        expect({"read", "write", "indicate"} <= set(char.properties),
               f"unexpected characteristic properties {char.properties}")

        value = bytes(await client.read_gatt_char(char))
        log(f"read {value!r}")
        expect(value == INITIAL_VALUE, f"read {value!r}, expected {INITIAL_VALUE!r}")

        await client.write_gatt_char(char, WRITTEN, response=True)
        value = bytes(await client.read_gatt_char(char))
        log(f"wrote and read back {value!r}")
        expect(value == WRITTEN, f"read back {value!r}, expected {WRITTEN!r}")

        received = []
        all_in = asyncio.Event()

        def on_indication(_char, data):
            received.append(bytes(data))
            log(f"indication {bytes(data)!r}")
            if len(received) >= len(INDICATIONS):
                all_in.set()

        await client.start_notify(char, on_indication)
        await client.write_gatt_char(char, b"indicate", response=True)
        try:
            await asyncio.wait_for(all_in.wait(), 30)
        except asyncio.TimeoutError:
            raise Failure(f"indications: got {received!r} within 30 s, expected {INDICATIONS!r}")
        expect(received == INDICATIONS, f"indications {received!r}, expected {INDICATIONS!r}")
        await client.stop_notify(char)
    finally:
        await client.disconnect()

    for _ in range(50):
        if await device_connected(path) is not True:
            break
        await asyncio.sleep(0.1)
    expect(await device_connected(path) is not True, "still connected after disconnect")
    log("disconnected")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default="hci1")
    args = parser.parse_args()
    try:
        asyncio.run(run(args.adapter))
    except Failure as e:
        log(f"FAIL: {e}")
        return 1
    log(f"PASS in {time.monotonic() - START:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
