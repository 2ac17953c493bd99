#!/usr/bin/python3
"""HAP over BLE across the life of BlueZ and of the accessory, through hap-virtual-bluez:
bluetoothd going away and coming back, an adapter that is missing, ATT handles across
restarts, an accessory on IP and BLE at once, the GSN wrapping and the broadcast key
expiring (docs/protocol.md §5.10, §5.11; the BLE transport's promises in docs/ble.md).

Each case has a bench of its own (dbus-daemon, hap-virtual-bluez, hap-simulator), since
some stop and restart the virtual BlueZ; cases run one after the other. TAP output.
Binaries: HAP_SIMULATOR and HAP_VIRTUAL_BLUEZ (meson passes its own)."""
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dbus_fast import Message, MessageType  # noqa: E402
from dbus_fast.aio import MessageBus  # noqa: E402

from hapble import adv, bench, client, tlv8  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LAMP = os.path.join(HERE, "data", "ble-lamp.json")
SETUP_CODE = "518-08-582"
ON = 51


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_eq(got, want, what):
    if got != want:
        raise AssertionError("%s:\n  got  %r\n  want %r" % (what, got, want))


def address_of(adapter):
    return "00:AA:01:01:00:%02X" % (int(adapter[3:]) + 1)


async def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


async def vb_call(b, member, signature="", body=()):
    bus = await MessageBus(bus_address=b.address).connect()
    try:
        return await bus.call(Message(destination="org.bluez", path="/org/hapsim/VirtualBluez",
                                      interface="org.hapsim.VirtualBluez1", member=member,
                                      signature=signature, body=list(body)))
    finally:
        bus.disconnect()


async def on_air(b, adapter="hci0"):
    """hap-virtual-bluez's record of the advertisement registered on @adapter, or None."""
    reply = await vb_call(b, "GetAdvertisements")
    if reply.message_type != MessageType.METHOD_RETURN:
        return None
    for entry in reply.body[0]:
        if entry["Adapter"].value == "/org/bluez/" + adapter:
            return {k: v.value for k, v in entry.items()}
    return None


async def database(b, adapter="hci0"):
    reply = await vb_call(b, "GetDatabase", "o", ["/org/bluez/" + adapter])
    expect_eq(reply.message_type, MessageType.METHOD_RETURN, "GetDatabase")
    # (handle, kind, UUID, object path): the path names our objects, which must not
    # matter; what a controller caches is the handles and UUIDs.
    return json.dumps(["%04x %s %s" % (h, kind, uuid) for h, kind, uuid, _ in reply.body[0]])


def restart_virtual_bluez(b):
    status = b.vb.stop()
    b.check_log(b.vb, status)
    b.vb = bench.Process("hap-virtual-bluez", [b.vbluez, "--bus", b.address, "--adapters", "2"],
                         os.path.join(b.dir, "vbluez-%d.log" % time.monotonic_ns()), b.env)
    line = bench._read_line(b.vb.proc, time.monotonic() + 20, "hap-virtual-bluez")
    expect_eq(line.strip(), "ready", "hap-virtual-bluez's first line")


def state_file(acc, name):
    """A file of the accessory's state: hap-simulator keeps one directory per accessory
    file (named after it) under --state-dir."""
    directory = os.path.join(acc.state_dir, os.path.splitext(os.path.basename(acc.path))[0])
    os.makedirs(directory, mode=0o700, exist_ok=True)
    return os.path.join(directory, name)


def ip_lamp(b):
    """ble-lamp.json served on IP and BLE."""
    with open(LAMP) as f:
        doc = json.load(f)
    doc["transports"] = ["ip", "ble"]
    path = os.path.join(b.dir, "ip-ble-lamp.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def ip_identify(port):
    """POST /identify over TCP (allowed while unpaired, docs/protocol.md §4.2): the HTTP
    status."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /identify HTTP/1.1\r\nHost: lamp\r\nContent-Length: 0\r\n\r\n")
        return int(s.recv(200).split(b" ")[1])


async def signature_works(b, acc):
    """A central on hci1 finds the accessory, connects and gets a signature."""
    c = client.HapBleClient("hci1")
    device, _ = await client.find_accessory("hci1", acc.device_id, timeout=15)
    await c.connect(device)
    try:
        r = await c.signature_read(ON)
        expect_eq(r.status, 0, "Characteristic Signature Read status")
    finally:
        await c.disconnect()


# ---- cases ------------------------------------------------------------------------------

async def bluetoothd_restart(b):
    """bluetoothd goes away: one message, IP goes on; it comes back: the accessory
    registers its application and advertisement again by itself and is usable."""
    acc = b.accessory(ip_lamp(b), "hci0", "restart", extra=["--bind", "127.0.0.1"])
    expect_eq(acc.ready["transports"], ["ip", "ble"], "transports in the ready line")
    expect(await on_air(b) is not None, "advertised at start")
    await signature_works(b, acc)

    status = b.vb.stop()
    b.check_log(b.vb, status)
    await wait_until(lambda: asyncio.sleep(0, "BlueZ (org.bluez) is not running" in acc.log_text()), 10,
                     "the accessory to say that BlueZ is gone")
    expect_eq(ip_identify(acc.ready["port"]), 204, "IP /identify while BlueZ is gone")

    b.vb = bench.Process("hap-virtual-bluez", [b.vbluez, "--bus", b.address, "--adapters", "2"],
                         os.path.join(b.dir, "vbluez-again.log"), b.env)
    expect_eq(bench._read_line(b.vb.proc, time.monotonic() + 20, "hap-virtual-bluez").strip(), "ready",
              "hap-virtual-bluez again")

    async def advertised():
        return await on_air(b) is not None
    await wait_until(advertised, 15, "the advertisement to be registered again")
    expect_eq(acc.log_text().count("HAP over BLE on /org/bluez/hci0"), 2, "registered twice, in all")
    await signature_works(b, acc)


async def missing_adapter(b):
    """An adapter that does not exist: one warning naming it, IP serves; when it
    appears (a new hap-virtual-bluez with more adapters), the accessory registers."""
    acc = b.accessory(ip_lamp(b), "hci3", "missing", extra=["--bind", "127.0.0.1"])
    await wait_until(lambda: asyncio.sleep(0, "hci3" in acc.log_text()), 10, "the warning")
    log = acc.log_text()
    expect_eq(log.count("HAP over BLE is waiting"), 1, "warnings about the missing adapter")
    expect("BlueZ has no adapter /org/bluez/hci3" in log, "the warning names the adapter: " + log)
    expect_eq(ip_identify(acc.ready["port"]), 204, "IP /identify without the adapter")
    expect(acc.ready["ble_adapter"] is None, "ready line: no adapter yet")

    status = b.vb.stop()
    b.check_log(b.vb, status)
    b.vb = bench.Process("hap-virtual-bluez", [b.vbluez, "--bus", b.address, "--adapters", "4"],
                         os.path.join(b.dir, "vbluez-4.log"), b.env)
    bench._read_line(b.vb.proc, time.monotonic() + 20, "hap-virtual-bluez")

    async def advertised():
        return await on_air(b, "hci3") is not None
    await wait_until(advertised, 15, "registration on hci3 once it exists")


async def stable_handles(b):
    """The same database gets the same ATT handles after the accessory restarts and after
    bluetoothd restarts (bluetoothd inserts attributes in the order of the application's
    GetManagedObjects reply, which follows the database)."""
    acc = b.accessory(LAMP, "hci0", "handles")
    first = await database(b)
    expect("4c" in first.lower() or "0000004c" in first.lower(), "the pairing service is in the database")
    acc.restart()
    async def registered():
        return await on_air(b) is not None
    await wait_until(registered, 15, "registration after the accessory's restart")
    second = await database(b)
    if second != first:
        import difflib
        raise AssertionError("ATT handles after the accessory restarted:\n" +
                             "\n".join(difflib.unified_diff(json.loads(first), json.loads(second), lineterm="", n=1)))
    restart_virtual_bluez(b)
    await wait_until(registered, 15, "registration after bluetoothd's restart")
    expect_eq(await database(b), first, "ATT handles after bluetoothd restarted")


async def gsn_wraps(b):
    """docs/protocol.md §5.11: the GSN after 65535 is 1, and it persists."""
    acc = bench.Accessory(b, LAMP, "hci0", "wrap")
    with open(state_file(acc, "ble"), "w") as f:
        f.write("[ble]\ngsn=65535\n")
    b.accessories.append(acc)
    acc.start()
    async with client.AdvertisementWatch("hci1", address_of("hci0")) as watch:
        await watch.wait_for(lambda p: p[:1] == b"\x06" and adv.Regular(p).gsn == 65535, 10)
        # A change while nobody is connected: one GSN step (a disconnected event).
        acc.set_value("1.%d" % ON, "true")
        payload = await watch.wait_for(lambda p: p[:1] == b"\x06" and adv.Regular(p).gsn != 65535, 10)
        expect_eq(adv.Regular(payload).gsn, 1, "the GSN after 65535")
    acc.stop()
    with open(state_file(acc, "ble")) as f:
        expect("gsn=1\n" in f.read(), "the GSN persisted")


async def broadcast_key_expires(b):
    """docs/protocol.md §5.10: a broadcast key expires after 32767 GSN steps; a change
    then is a disconnected event (one GSN step, no encrypted notification) and the key
    is forgotten."""
    acc = bench.Accessory(b, LAMP, "hci0", "expiry")
    key = base64.b64encode(bytes(range(32))).decode()
    # Generated at GSN 1000: valid through 1000 + 32766, expired at the next step.
    with open(state_file(acc, "ble"), "w") as f:
        f.write("[ble]\ngsn=%d\nbroadcast-key=%s\nbroadcast-key-gsn=1000\nbroadcast=%d:1;\n"
                % (1000 + 32766, key, ON))
    b.accessories.append(acc)
    acc.start()
    async with client.AdvertisementWatch("hci1", address_of("hci0")) as watch:
        await watch.wait_for(lambda p: p[:1] == b"\x06", 10)
        acc.set_value("1.%d" % ON, "true")
        payload = await watch.wait_for(lambda p: p[:1] == b"\x06" and adv.Regular(p).gsn == 1000 + 32767, 10)
        expect(all(p[:1] != b"\x11" for p in watch.payloads), "no encrypted notification with an expired key")
        expect_eq(adv.Regular(payload).gsn, 1000 + 32767, "one GSN step")
    expect("broadcast key expired" in acc.log_text(), "the expiry is logged")
    acc.stop()
    with open(state_file(acc, "ble")) as f:
        saved = f.read()
    expect("broadcast-key=" not in saved, "the expired key is forgotten: " + saved)



def hapctl(b, controller, *args):
    result = subprocess.run([os.environ["HAPCTL"], "--controller", controller, "--adapter", "hci1"] + list(args),
                            capture_output=True, env=b.env, timeout=60, text=True)
    if result.returncode != 0:
        raise AssertionError("hapctl %s: %s%s" % (" ".join(args), result.stdout, result.stderr))
    return result.stdout


async def ip_and_ble_one_identity(b):
    """An accessory on IP and BLE at once has one identity and one set of pairings: a
    controller paired over BLE reads over IP with the same pairing, and its unpairing
    over IP shows in the BLE advertisement (docs/protocol.md §5.9 SF)."""
    acc = b.accessory(ip_lamp(b), "hci0", "both", extra=["--bind", "127.0.0.1"])
    controller = os.path.join(b.dir, "controller")
    ble = "ble:" + address_of("hci0")
    ip = "127.0.0.1:%d" % acc.ready["port"]
    hapctl(b, controller, "pair", ble, SETUP_CODE)
    expect_eq(len(json.loads(acc.ctl("pairings", acc.device_id, "--json"))), 1, "one pairing")
    hapctl(b, controller, "put", ble, "1.%d=true" % ON)
    expect("true" in hapctl(b, controller, "get", ip, "1.%d" % ON), "IP reads what BLE wrote, verified")
    async with client.AdvertisementWatch("hci1", address_of("hci0")) as watch:
        await watch.wait_for(lambda p: p[:1] == b"\x06" and adv.Regular(p).paired, 10)
        hapctl(b, controller, "unpair", ip)
        after = len(watch.payloads)
        await watch.wait_for(lambda p: p[:1] == b"\x06" and not adv.Regular(p).paired, 10, after)
    expect_eq(json.loads(acc.ctl("pairings", acc.device_id, "--json")), [], "no pairing left")


def ip_pair_setup_m1(port):
    """Pair Setup M1 (State 1, Method 0) over IP: the response's TLV items."""
    body = tlv8.encode([(0x06, b"\x01"), (0x00, b"\x00")])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /pair-setup HTTP/1.1\r\nHost: lamp\r\nContent-Type: application/pairing+tlv8\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        head, rest = data.split(b"\r\n\r\n", 1)
        length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
        while len(rest) < length:
            rest += s.recv(4096)
        return tlv8.to_dict(rest[:length])


async def pair_setup_shared(b):
    """One Pair Setup at a time across transports (docs/protocol.md §2.2 Busy): while a
    BLE controller is between M2 and M3, an IP controller's M1 gets Busy; once the BLE
    link is gone, IP may pair."""
    acc = b.accessory(ip_lamp(b), "hci0", "busy", extra=["--bind", "127.0.0.1"])
    c = client.HapBleClient("hci1")
    device, _ = await client.find_accessory("hci1", acc.device_id, timeout=15)
    await c.connect(device)
    m2 = tlv8.to_dict(await c.pairing_exchange("4C", tlv8.encode([(0x06, b"\x01"), (0x00, b"\x00")])))
    expect_eq(m2[0x06], b"\x02", "BLE M2 state")
    expect(0x07 not in m2, "BLE M2 carries no error")
    busy = ip_pair_setup_m1(acc.ready["port"])
    expect_eq((busy.get(0x06), busy.get(0x07)), (b"\x02", b"\x07"), "IP M1 while BLE pairs: State 2, Error Busy")
    await c.disconnect()
    await asyncio.sleep(0.5)
    again = ip_pair_setup_m1(acc.ready["port"])
    expect(0x07 not in again and again.get(0x06) == b"\x02" and 0x03 in again,
           "IP M1 once the BLE link is gone: a normal M2 (%r)" % again)

CASES = [pair_setup_shared, ip_and_ble_one_identity, bluetoothd_restart, missing_adapter, stable_handles, gsn_wraps, broadcast_key_expires]


def main():
    print("1..%d" % len(CASES), flush=True)
    failed = 0
    for n, case in enumerate(CASES, 1):
        t0 = time.monotonic()
        problem = None
        try:
            b = bench.Bench(adapters=2)
        except bench.BenchError as error:
            print("not ok %d - %s # bench: %s" % (n, case.__name__, error), flush=True)
            failed += 1
            continue
        try:
            asyncio.run(case(b))
        except BaseException:   # noqa: B902 — report everything
            problem = traceback.format_exc()
        errors = b.close(keep=problem is not None)
        if errors and problem is None:
            problem = "log problems:\n" + "\n".join(errors)
        if problem is None:
            print("ok %d - %s (%.1f s)" % (n, case.__name__, time.monotonic() - t0), flush=True)
        else:
            failed += 1
            print("not ok %d - %s (%.1f s)" % (n, case.__name__, time.monotonic() - t0), flush=True)
            for line in (problem + "\nlogs kept in " + b.dir).splitlines():
                print("# " + line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
