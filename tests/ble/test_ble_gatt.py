#!/usr/bin/python3
"""HAP over Bluetooth LE, byte by byte, against hap-simulator through hap-virtual-bluez.

The controller is tests/ble/hapble: an independent HAP-BLE implementation in Python
(python3-bleak as a plain GATT client, python3-cryptography), written from
docs/protocol.md §2–§3 and §5. Expected bytes are built here from those sections, never
read back from the accessory and echoed. Where the reference sheet defers to Apple's ADK
for a status code, the ADK's choice is expected and the case says so.

Each case gets a fresh accessory (its own hap-simulator and state directory) on its own
virtual adapter, and its own central adapter(s); cases run concurrently (--jobs).
Output is TAP. Binaries: HAP_SIMULATOR and HAP_VIRTUAL_BLUEZ (meson passes its own).
"""
import asyncio
import hashlib
import json
import os
import struct
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dbus_fast import MessageType, Variant  # noqa: E402

from hapble import adv, client, pairing, pdu, tlv8  # noqa: E402
from hapble.fixture import Fixture, dropped_after, expect, expect_eq, le16  # noqa: E402
from hapble.tap import case, main  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LAMP = os.path.join(HERE, "data", "ble-lamp.json")
SETUP_CODE = "518-08-582"
WRONG_CODE = "518-08-583"

# ble-lamp.json's fixed instance ids (the pairing, information and protocol services get
# theirs from the SDK and are looked up by type).
SVC_LIGHTBULB, SVC_SENSOR, SVC_VENDOR = 48, 64, 80
ON, BRIGHTNESS, NAME, TEMPERATURE, TIMED, BLOB, COUNTER = 51, 52, 53, 66, 81, 82, 83
VENDOR = "8e6d%04x-5a33-4d1c-9c7e-5e1a7b0c0001"
BLOB_VALUE = bytes((i * 7 + 3) & 0xFF for i in range(700))

with open(os.path.join(HERE, "..", "..", "data", "hap-types.json")) as f:
    CATALOG = {c["uuid"].lower(): c for c in json.load(f)["characteristics"]}


def expect_response(response, tid, status, body=None):
    """A whole response, byte for byte: control 0x02, the request's TID, @status, and
    @body (None: no body at all, not even a length)."""
    expect_eq(response.tid, tid, "TID echo")
    expect_eq(response.status, status, "status")
    expect_eq(response.body, body, "body")
    first = response.fragments[0]
    if body is None:
        expect_eq(first, bytes((0x02, tid, status)), "response PDU")
    else:
        expect_eq(first[:5], bytes((0x02, tid, status)) + le16(len(body)), "response header")


def signature_body(char_uuid, service_iid, service_uuid, properties, description, fmt, unit=None,
                   valid_range=None, step=None):
    """§5.6 Characteristic Signature Read response body, in the listed TLV order."""
    items = [(pdu.PARAM_CHARACTERISTIC_TYPE, client.uuid_le_bytes(char_uuid)),
             (pdu.PARAM_SERVICE_IID, le16(service_iid)),
             (pdu.PARAM_SERVICE_TYPE, client.uuid_le_bytes(service_uuid)),
             (pdu.PARAM_PROPERTIES, le16(properties))]
    if description is not None:
        items.append((pdu.PARAM_USER_DESCRIPTION, description.encode()))
    items.append((pdu.PARAM_PRESENTATION_FORMAT, pdu.presentation_format(fmt, unit)))
    if valid_range is not None:
        items.append((pdu.PARAM_VALID_RANGE, valid_range))
    if step is not None:
        items.append((pdu.PARAM_STEP, step))
    return tlv8.encode(items)


EVENTS = pdu.PROP_NOTIFY_CONNECTED | pdu.PROP_NOTIFY_DISCONNECTED
SECURE_RW = pdu.PROP_SECURE_READ | pdu.PROP_SECURE_WRITE


# ==== GATT layout (§5.1) ==================================================================

@case("layout")
async def gatt_database(fx):
    """Every service and characteristic as bluetoothd sees them: Service Instance ID
    characteristic (read only, LE16 service iid), HAP characteristics read+write
    (+indicate with events), the CCC only with indicate, one read-only Characteristic
    Instance ID descriptor with the LE16 iid; pairing service 55 and protocol service A2."""
    acc = await fx.start()
    chars = json.loads(await fx.ctl("chars", acc.device_id, "--json"))
    perms = {c["iid"]: c["perms"] for c in chars}
    c = await fx.connect()

    # The app's own objects, as bluetoothd reads them (Flags of descriptors included).
    owner = (await fx.on_air())["Owner"]
    root = "/io/github/hapsim/ble/dev_" + acc.device_id.replace(":", "_")
    reply = await fx.call(owner, root, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
    expect_eq(reply.message_type, MessageType.METHOD_RETURN, "GetManagedObjects on the app")
    objects = {path: {i: {k: v.value for k, v in props.items()} for i, props in ifaces.items()}
               for path, ifaces in reply.body[0].items()}
    app_chars = {p: o["org.bluez.GattCharacteristic1"] for p, o in objects.items()
                 if "org.bluez.GattCharacteristic1" in o}
    app_descs = {p: o["org.bluez.GattDescriptor1"] for p, o in objects.items() if "org.bluez.GattDescriptor1" in o}
    for path, props in app_descs.items():
        expect_eq(props["Flags"], ["read"], "Flags of descriptor %s" % path)
        expect(props["UUID"].lower() != client.CCC_UUID, "the app must not export a CCC (%s)" % path)
    for path, props in app_chars.items():
        expect(not any(f.startswith(("encrypt", "secure")) for f in props["Flags"]), "no LE security flags")

    seen_iids = set()
    for bleak_service in c.client.services:
        if not bleak_service.uuid.endswith(client.HAP_BASE) and not bleak_service.uuid.startswith("8e6d"):
            continue
        iid_chars = [ch for ch in bleak_service.characteristics if ch.uuid == client.SERVICE_IID_UUID]
        expect_eq(len(iid_chars), 1, "Service Instance ID characteristics in %s" % bleak_service.uuid)
        expect_eq(iid_chars[0].properties, ["read"], "Service Instance ID flags")
        expect_eq(iid_chars[0].descriptors, [], "descriptors of the Service Instance ID characteristic")
        service_iid_bytes = await c.client.read_gatt_char(iid_chars[0])
        service_iid = struct.unpack("<H", service_iid_bytes)[0]
        expect_eq(len(service_iid_bytes), 2, "Service Instance ID length")
        for ch in bleak_service.characteristics:
            if ch.uuid == client.SERVICE_IID_UUID:
                continue
            iid_descs = [d for d in ch.descriptors if d.uuid == client.CHARACTERISTIC_IID_UUID]
            ccc = [d for d in ch.descriptors if d.uuid == client.CCC_UUID]
            expect_eq(len(iid_descs), 1, "Characteristic Instance ID descriptors of %s" % ch.uuid)
            raw = bytes(await c.client.read_gatt_descriptor(iid_descs[0].handle))
            expect_eq(len(raw), 2, "Characteristic Instance ID length")
            iid = struct.unpack("<H", raw)[0]
            seen_iids.add(iid)
            events = "ev" in perms[iid]
            expect_eq(sorted(ch.properties), sorted(["read", "write"] + (["indicate"] if events else [])),
                      "GATT properties of iid %d (%s)" % (iid, ch.uuid))
            expect_eq(len(ccc), 1 if events else 0, "CCC of iid %d" % iid)
            if ccc:
                # bluetoothd puts the CCC right after the value handle (docs/bluez.md §1.1);
                # bleak's handle of a characteristic is its declaration's (the path name).
                expect_eq(ccc[0].handle, ch.handle + 2, "CCC handle of iid %d" % iid)
            # The signature names the same service and type: the maps agree.
            sig = tlv8.to_dict((await c.signature_read(iid)).body)
            expect_eq(sig[pdu.PARAM_SERVICE_IID], le16(service_iid), "service iid in the signature of %d" % iid)
            expect_eq(sig[pdu.PARAM_SERVICE_TYPE], client.uuid_le_bytes(bleak_service.uuid), "service type")
            expect_eq(sig[pdu.PARAM_CHARACTERISTIC_TYPE], client.uuid_le_bytes(ch.uuid), "characteristic type")
    expect_eq(seen_iids, set(perms), "every characteristic of the database is on GATT, once")

    pairing_service = c.service("55")
    expect_eq(sorted(ch.uuid[:8] for ch in pairing_service.characteristics),
              ["0000004c", "0000004e", "0000004f", "00000050"], "Pairing service characteristics")
    info = c.service("A2")
    expect_eq(sorted(ch.uuid[:8] for ch in info.characteristics), ["00000037", "000000a5"],
              "Protocol Information characteristics")
    expect(c.service("3E").iid == 1, "Accessory Information is iid 1")
    # Version "2.2.0" (§5) — a paired read.
    await c.pair_setup(SETUP_CODE)
    await c.pair_verify()
    r = await c.read(info.find("37").iid)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, b"2.2.0")]))


@case("layout")
async def advertisement_bytes(fx):
    """§5.9 regular advertisement, byte by byte, before and after pairing; flags 0x06;
    the name in the scan response; the setup hash from the ready line."""
    acc = await fx.start()
    ready = acc.ready
    expect_eq((ready["transports"], ready["ble_adapter"]), (["ble"], fx.peripheral), "ready line")
    payload_fields = adv.setup_payload_fields(ready["setup_payload"])
    expect_eq((payload_fields["ble"], payload_fields["ip"], payload_fields["category"], payload_fields["code"]),
              (True, False, 5, 51808582), "setup payload: BLE only, lightbulb, the code")
    setup_id = payload_fields["setup_id"]
    device_id = adv.device_id_bytes(acc.device_id)
    setup_hash = hashlib.sha512((setup_id + acc.device_id).encode()).digest()[:4]
    expected = bytes((0x06, 0x31, 0x01)) + device_id + le16(5) + le16(1) + bytes((1, 2)) + setup_hash

    record = await fx.on_air()
    expect_eq(bytes(record["AdvertisingData"]), b"\x02\x01\x06" + bytes((0x16, 0xFF, 0x4C, 0x00)) + expected,
              "ADV_IND payload: Flags 0x06, then Apple's manufacturer data")
    expect_eq(bytes(record["ScanResponse"]), bytes((len("BLE Test Lamp") + 1, 0x09)) + b"BLE Test Lamp",
              "scan response: the complete local name")
    expect_eq(record["Type"], "peripheral", "connectable advertisement")
    seen = await fx.advertisement()
    expect_eq(seen.payload, expected, "manufacturer data seen by a central")

    c = await fx.connect()
    await c.pair_setup(SETUP_CODE)
    await c.disconnect()
    paired = bytes((0x06, 0x31, 0x00)) + device_id + le16(5) + le16(1) + bytes((1, 2)) + setup_hash
    seen = await fx.advertisement(lambda a: a.paired)
    expect_eq(seen.payload, paired, "after Pair Setup: SF 0, GSN and CN unchanged")


@case("layout")
async def config_number(fx):
    """§5.9/§4.12: a changed database (one more characteristic) advertises CN + 1;
    pairing and GSN stay; Protocol Configuration reports the same CN."""
    acc = await fx.start()
    c = await fx.paired()
    await c.disconnect()
    before = await fx.advertisement(lambda a: a.paired)
    expect_eq(before.config_number, 1, "CN of a new accessory")
    with open(LAMP) as f:
        doc = json.load(f)
    doc["accessories"][0]["services"][0]["characteristics"].append({"type": "Hue", "iid": 54, "value": 10})
    # The simulator keeps an accessory's state under its file's name: same name, other dir.
    os.makedirs(os.path.join(fx.bench.dir, acc.label))
    changed = os.path.join(fx.bench.dir, acc.label, os.path.basename(LAMP))
    with open(changed, "w") as f:
        json.dump(doc, f)
    acc.path = changed
    await asyncio.to_thread(acc.restart)
    await fx.forget()
    after = await fx.advertisement(lambda a: a.config_number != 1)
    expect_eq(after.payload, before.payload[:13] + bytes((2,)) + before.payload[14:], "only CN changed")
    await fx.reconnect(c)
    await c.pair_verify()
    r = await c.protocol_configuration([(pdu.PROTO_GET_ALL, b"")])
    expect_eq(tlv8.to_dict(r.body)[pdu.PROTO_CONFIG_NUMBER], b"\x02", "CN over Protocol Configuration")
    r = await c.read(54)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<f", 10.0))]))


@case("layout")
async def fast_advertising_after_start(fx):
    """§5.9: the first 30 s after start are advertised at 20 ms (asked of bluetoothd as
    MinInterval/MaxInterval), then the regular interval."""
    await fx.start()
    record = await fx.on_air()
    expect_eq((record["MinInterval"], record["MaxInterval"]), (20, 20),
              "advertising interval right after start (ms)")


async def interval_change_after_start(fx):
    """Starts the accessory and waits out the 30 s of fast advertising (§5.9); returns its
    record of hap-virtual-bluez before and after."""
    started = time.monotonic()
    await fx.start()
    await asyncio.sleep(1.0)
    before = await fx.on_air()
    await asyncio.sleep(max(0.0, 33.0 - (time.monotonic() - started)))
    return before, await fx.on_air()


@case("negative", long=True)
async def interval_alone_not_signalled_without_experimental(fx):
    """bluetoothd without -E ignores MinInterval/MaxInterval, yet re-programs the controller
    for each PropertiesChanged (advertising off and on: a central connecting then fails).
    The accessory sees that (no SupportedCapabilities) and keeps the end of the fast
    period to itself."""
    before, after = await interval_change_after_start(fx)
    expect_eq(after["Refreshes"], before["Refreshes"], "no refresh when only the interval changed")
    expect_eq(after["AdvertisingData"], before["AdvertisingData"], "the same advertisement on air")


@case("experimental", long=True)
async def interval_signalled_with_experimental(fx):
    """With -E (SupportedCapabilities exported) the interval is applied, so the end of
    the fast period is signalled: MinInterval/MaxInterval go to the regular 1285 ms."""
    before, after = await interval_change_after_start(fx)
    expect_eq((before["MinInterval"], before["IntervalsApplied"]), (20, True), "fast at first, applied")
    expect_eq((after["MinInterval"], after["MaxInterval"]), (1285, 1285), "regular interval after 30 s")
    expect(after["Refreshes"] == before["Refreshes"] + 1, "exactly one refresh for it: %r -> %r"
           % (before["Refreshes"], after["Refreshes"]))


@case("layout")
async def signature_reads(fx):
    """§5.6 Characteristic Signature Read of every kind of characteristic, exact bodies;
    without a session, and on 4C/4E/4F refused once secured."""
    await fx.start()
    c = await fx.connect()
    lb, ts, vs = client.hap_uuid("43"), client.hap_uuid("8A"), VENDOR % 1
    bright = CATALOG[client.hap_uuid("08")]
    temp = CATALOG[client.hap_uuid("11")]
    cases = {
        ON: signature_body(client.hap_uuid("25"), SVC_LIGHTBULB, lb, SECURE_RW | EVENTS | pdu.PROP_BROADCAST,
                           "On", "bool"),
        BRIGHTNESS: signature_body(client.hap_uuid("08"), SVC_LIGHTBULB, lb, SECURE_RW | EVENTS | pdu.PROP_BROADCAST,
                                   "Brightness", "int", "percentage",
                                   struct.pack("<ii", bright["minValue"], bright["maxValue"])),
        NAME: signature_body(client.hap_uuid("23"), SVC_LIGHTBULB, lb, pdu.PROP_SECURE_READ, "Name", "string"),
        TEMPERATURE: signature_body(client.hap_uuid("11"), SVC_SENSOR, ts,
                                    pdu.PROP_SECURE_READ | EVENTS | pdu.PROP_BROADCAST,
                                    "Current Temperature", "float", "celsius",
                                    struct.pack("<ff", temp["minValue"], temp["maxValue"]), struct.pack("<f", 0.5)),
        TIMED: signature_body(VENDOR % 2, SVC_VENDOR, vs, SECURE_RW | pdu.PROP_TIMED_WRITE, "Timed Level",
                              "uint8", None, bytes((0, 10))),
        BLOB: signature_body(VENDOR % 3, SVC_VENDOR, vs, SECURE_RW, "Blob", "data"),
        COUNTER: signature_body(VENDOR % 4, SVC_VENDOR, vs, SECURE_RW | EVENTS | pdu.PROP_BROADCAST, "Counter",
                                "uint32"),
    }
    pairing_iid = c.service("55").iid
    for short, props, fmt in (("4C", pdu.PROP_READ_OPEN | pdu.PROP_WRITE_OPEN, "tlv8"),
                              ("4E", pdu.PROP_READ_OPEN | pdu.PROP_WRITE_OPEN, "tlv8"),
                              ("4F", pdu.PROP_READ_OPEN, "uint8"),
                              ("50", SECURE_RW, "tlv8")):
        uuid = client.hap_uuid(short)
        cases[c.char(short).iid] = signature_body(uuid, pairing_iid, client.hap_uuid("55"), props,
                                                  CATALOG[uuid]["displayName"], fmt)
    identify = c.char("14")
    cases[identify.iid] = signature_body(client.hap_uuid("14"), 1, client.hap_uuid("3E"), pdu.PROP_SECURE_WRITE,
                                         "Identify", "bool")
    for iid, body in cases.items():
        r = await c.signature_read(iid)
        expect_response(r, r.tid, pdu.SUCCESS, body)

    await c.pair_setup(SETUP_CODE)
    await c.pair_verify()
    r = await c.signature_read("50")
    expect_response(r, r.tid, pdu.SUCCESS, cases[c.char("50").iid])
    r = await c.signature_read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, cases[ON])
    # §5.8 (ADK): a procedure on 4C/4E/4F ends the secured session before its first
    # fragment is read, so it is plaintext — and afterwards the session is gone.
    for short in ("4F", "4C"):
        c.session = None
        r = await c.signature_read(short)
        expect_response(r, r.tid, pdu.SUCCESS, cases[c.char(short).iid])
        r = await c.read(ON)
        expect_response(r, r.tid, pdu.INSUFFICIENT_AUTHENTICATION)
        await c.pair_verify()


@case("layout")
async def service_signatures(fx):
    """§5.6 Service Signature Read on A5: properties (primary/hidden/configuration) and
    linked services; a wrong or zero service iid → Success with properties 0, no links.
    A5's own value reads as the same LE16 properties (the SDK's stated intent)."""
    await fx.start()
    c = await fx.connect()

    def body(props, links=()):
        return tlv8.encode([(pdu.PARAM_SERVICE_PROPERTIES, le16(props)),
                            (pdu.PARAM_LINKED_SERVICES, b"".join(le16(i) for i in links))])
    lightbulb, sensor, info = c.services[SVC_LIGHTBULB], c.services[SVC_SENSOR], c.service("A2")
    for service, expected in ((lightbulb, body(0x0001, [SVC_SENSOR])), (sensor, body(0x0002)),
                              (info, body(0x0004))):
        r = await c.service_signature_read(service)
        expect_response(r, r.tid, pdu.SUCCESS, expected)
    # ADK: properties 0 without links leave out the 0x0F parameter.
    for wrong in (0, 0x1234, SVC_SENSOR):
        r = await c.service_signature_read(lightbulb, iid=wrong)
        expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_LINKED_SERVICES, b"")]))
    # Services without properties or links have no A5 (§5.1).
    expect(c.services[SVC_VENDOR].find("A5") is None, "no A5 on a plain service")

    # A5 read as a characteristic: the reference sheet leaves its value open; the ADK
    # answers an empty value, the SDK means to serve the LE16 properties
    # (hap-ble-database.c). Either is accepted — anything else is not.
    await c.pair_setup(SETUP_CODE)
    await c.pair_verify()
    for service, props in ((lightbulb, 0x0001), (sensor, 0x0002), (info, 0x0004)):
        r = await c.read(service.find("A5").iid)
        expect_eq(r.status, pdu.SUCCESS, "status of an A5 read")
        value = tlv8.to_dict(r.body)[pdu.PARAM_VALUE]
        expect(value in (b"", le16(props)),
               "A5 of service %d reads %s (expected empty or %s)" % (service.iid, value.hex(), le16(props).hex()))


# ==== procedures (§5.6) ===================================================================

@case("procedures")
async def read_and_write(fx):
    """Read; Write without and with Return-Response; an invalid value; a read-only and a
    write-only characteristic (ADK statuses)."""
    await fx.start()
    c = await fx.paired()
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    r = await c.write(ON, b"\x01")
    expect_response(r, r.tid, pdu.SUCCESS)
    expect_eq(await fx.get_value("Lightbulb/On"), True, "On after the write")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 1)))
    r = await c.write(BRIGHTNESS, struct.pack("<i", 75), return_response=True)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<i", 75))]))
    r = await c.read(TEMPERATURE)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<f", 21.5))]))
    r = await c.read(NAME)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, b"Lamp")]))
    # Out of range, wrong length, bool 2 → Invalid Request; the value stays.
    for iid, value in ((BRIGHTNESS, struct.pack("<i", 150)), (BRIGHTNESS, b"\x01"), (ON, b"\x02")):
        r = await c.write(iid, value)
        expect_response(r, r.tid, pdu.INVALID_REQUEST)
    expect_eq(await fx.get_value("Lightbulb/Brightness"), 75, "Brightness after refused writes")
    # A write without the value parameter, and Return-Response other than 1.
    r = await c.transaction(c.char(ON), pdu.WRITE, tlv8.encode([(pdu.PARAM_RETURN_RESPONSE, 1)]))
    expect_response(r, r.tid, pdu.INVALID_REQUEST)
    r = await c.transaction(c.char(ON), pdu.WRITE, tlv8.encode([(pdu.PARAM_VALUE, b"\x00"),
                                                                 (pdu.PARAM_RETURN_RESPONSE, 2)]))
    expect_response(r, r.tid, pdu.INVALID_REQUEST)
    # ADK: a read-only characteristic written, a write-only one read → Unsupported-PDU.
    r = await c.write(NAME, b"x")
    expect_response(r, r.tid, pdu.UNSUPPORTED_PDU)
    r = await c.read(c.char("14").iid)
    expect_response(r, r.tid, pdu.UNSUPPORTED_PDU)


@case("procedures")
async def timed_write(fx):
    """§5.6 Timed Write then Execute Write; a plain write to a tw characteristic →
    Invalid Request (ADK); an expired TTL → Unsupported-PDU; Return-Response in the
    timed request gives the value in the execute response."""
    await fx.start()
    c = await fx.paired()
    ch = c.char(TIMED)
    r = await c.write(TIMED, b"\x05")
    expect_response(r, r.tid, pdu.INVALID_REQUEST)
    r = await c.transaction(ch, pdu.TIMED_WRITE, tlv8.encode([(pdu.PARAM_TTL, 50), (pdu.PARAM_VALUE, b"\x07")]))
    expect_response(r, r.tid, pdu.SUCCESS)
    expect_eq(await fx.get_value(TIMED_PATH), 3, "value before Execute Write")
    r = await c.transaction(ch, pdu.EXECUTE_WRITE)
    expect_response(r, r.tid, pdu.SUCCESS)
    expect_eq(await fx.get_value(TIMED_PATH), 7, "value after Execute Write")

    r = await c.transaction(ch, pdu.TIMED_WRITE, tlv8.encode([(pdu.PARAM_TTL, 50), (pdu.PARAM_VALUE, b"\x09"),
                                                              (pdu.PARAM_RETURN_RESPONSE, 1)]))
    expect_response(r, r.tid, pdu.SUCCESS)
    r = await c.transaction(ch, pdu.EXECUTE_WRITE)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, b"\x09")]))

    r = await c.transaction(ch, pdu.TIMED_WRITE, tlv8.encode([(pdu.PARAM_TTL, 2), (pdu.PARAM_VALUE, b"\x01")]))
    expect_response(r, r.tid, pdu.SUCCESS)
    await asyncio.sleep(0.6)
    r = await c.transaction(ch, pdu.EXECUTE_WRITE)
    expect_response(r, r.tid, pdu.UNSUPPORTED_PDU)
    expect_eq(await fx.get_value(TIMED_PATH), 9, "value after an expired timed write")
    # A timed write without its TTL.
    r = await c.transaction(ch, pdu.TIMED_WRITE, tlv8.encode([(pdu.PARAM_VALUE, b"\x01")]))
    expect_response(r, r.tid, pdu.INVALID_REQUEST)
    r = await c.read(TIMED)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, b"\x09")]))


TIMED_PATH = "8E6D0001-5A33-4D1C-9C7E-5E1A7B0C0001/8E6D0002-5A33-4D1C-9C7E-5E1A7B0C0001"


@case("procedures")
async def fragmented_transactions(fx):
    """§5.7: long values in both directions, with fragments of 100 bytes (unsecured
    signature reads) and 512 bytes (secured, 496 plaintext + tag each)."""
    await fx.start()
    c = await fx.connect(fragment_size=100)
    r = await c.signature_read(BLOB)
    expect_eq(r.status, pdu.SUCCESS, "signature read with 100-byte fragments")
    await c.pair_setup(SETUP_CODE)
    await c.pair_verify()
    r = await c.read(BLOB)
    body = tlv8.encode([(pdu.PARAM_VALUE, BLOB_VALUE)])
    expect_response(r, r.tid, pdu.SUCCESS, body)
    # The accessory fragments its response to the 512-byte GATT value: 496 plaintext
    # bytes and the tag; continuations 0x82 ‖ TID ‖ data.
    sizes = [len(f) for f in r.fragments]
    expect_eq(sizes, [496, len(body) + 5 + 2 - 496], "response fragment sizes (plaintext)")
    expect(all(f[:2] == bytes((0x82, r.tid)) for f in r.fragments[1:]), "continuations 0x82 ‖ TID")
    expect_eq(sum(sizes) - 5 - 2 * (len(sizes) - 1), len(body), "body split over the fragments")

    value = bytes(range(256)) * 6   # 1536 bytes
    c.fragment_size = 512
    r = await c.write(BLOB, value, return_response=True)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, value)]))
    expect_eq([len(f) for f in r.fragments][0], 496, "a secured fragment is 512 bytes with its tag")
    r = await c.read(BLOB)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, value)]))


@case("procedures")
async def unknown_opcodes_and_iids(fx):
    """§5.2: unknown opcodes → Unsupported-PDU with the TID echoed; an iid that is not
    the addressed characteristic's → Invalid Instance ID."""
    await fx.start()
    c = await fx.connect()
    for opcode in (0x00, 0x09, 0x0F, 0x10, 0x12, 0x7F, 0xFF):
        tid = c.next_tid()
        r = await c.transaction(c.char(ON), opcode, tid=tid)
        expect_response(r, tid, pdu.UNSUPPORTED_PDU)
    for opcode, iid in ((pdu.SIGNATURE_READ, BRIGHTNESS), (pdu.SIGNATURE_READ, 0xFFFF), (pdu.READ, 1),
                        (pdu.WRITE, 0)):
        body = tlv8.encode([(pdu.PARAM_VALUE, b"\x01")]) if opcode == pdu.WRITE else None
        r = await c.transaction(c.char(ON), opcode, body, iid=iid)
        expect_response(r, r.tid, pdu.INVALID_INSTANCE_ID)
    # With a session too.
    await c.pair_setup(SETUP_CODE)
    await c.pair_verify()
    r = await c.transaction(c.char(ON), 0x09)
    expect_response(r, r.tid, pdu.UNSUPPORTED_PDU)
    r = await c.transaction(c.char(ON), pdu.READ, iid=BRIGHTNESS)
    expect_response(r, r.tid, pdu.INVALID_INSTANCE_ID)


@case("procedures")
async def unpaired_access(fx):
    """§5.8: before pairing, reads and writes → Insufficient Authentication (5) and
    nothing changes; unpaired Identify is allowed, and refused without a session once
    paired; Characteristic/Protocol Configuration without a session → Unsupported-PDU
    (ADK); pairings management → 5."""
    await fx.start()
    c = await fx.connect()
    tid = c.next_tid()
    r = await c.transaction(c.char(ON), pdu.WRITE, tlv8.encode([(pdu.PARAM_VALUE, b"\x01")]), tid=tid)
    expect_eq(r.fragments, [bytes((0x02, tid, pdu.INSUFFICIENT_AUTHENTICATION))], "write before pairing")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.INSUFFICIENT_AUTHENTICATION)
    r = await c.write(ON, b"\x01", return_response=True)
    expect_response(r, r.tid, pdu.INSUFFICIENT_AUTHENTICATION)
    expect_eq(await fx.get_value("Lightbulb/On"), False, "On untouched")
    r = await c.write("14", b"\x01")
    expect_response(r, r.tid, pdu.SUCCESS)
    # Pairing Features (4F) is readable without a session: 0, no MFi authentication.
    r = await c.read("4F")
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    r = await c.characteristic_configuration(COUNTER, None)
    expect_response(r, r.tid, pdu.UNSUPPORTED_PDU)
    r = await c.protocol_configuration([(pdu.PROTO_GET_ALL, b"")])
    expect_response(r, r.tid, pdu.UNSUPPORTED_PDU)
    r = await c.write("50", pairing.list_pairings(), return_response=True)
    expect_response(r, r.tid, pdu.INSUFFICIENT_AUTHENTICATION)
    await c.pair_setup(SETUP_CODE)
    r = await c.write("14", b"\x01")
    expect_response(r, r.tid, pdu.INSUFFICIENT_AUTHENTICATION)


@case("procedures")
async def characteristic_configuration(fx):
    """§5.6 Characteristic Configuration: read, enable broadcast with an interval,
    disable; refused for a characteristic that cannot broadcast."""
    await fx.start()
    c = await fx.paired()
    CP, CI = pdu.CHAR_CONFIG_PROPERTIES, pdu.CHAR_CONFIG_INTERVAL
    r = await c.characteristic_configuration(COUNTER, None)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(CP, le16(0))]))
    r = await c.characteristic_configuration(COUNTER, [(CP, le16(1)), (CI, b"\x02")])
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(CP, le16(1)), (CI, b"\x02")]))
    r = await c.characteristic_configuration(COUNTER, None)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(CP, le16(1)), (CI, b"\x02")]))
    r = await c.characteristic_configuration(COUNTER, [(CP, le16(1))])
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(CP, le16(1)), (CI, b"\x01")]))
    r = await c.characteristic_configuration(COUNTER, [(CP, le16(0))])
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(CP, le16(0))]))
    # No events (Name), an unknown interval, unknown property bits → Invalid Request.
    for iid, items in ((NAME, [(CP, le16(1))]), (COUNTER, [(CP, le16(1)), (CI, b"\x04")]),
                       (COUNTER, [(CP, le16(0x0003))])):
        r = await c.characteristic_configuration(iid, items)
        expect_response(r, r.tid, pdu.INVALID_REQUEST)
    r = await c.characteristic_configuration(COUNTER, None)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(CP, le16(0))]))


@case("procedures")
async def protocol_configuration(fx):
    """§5.6 Protocol Configuration on A2's A5: Get-All (GSN, CN, advertising id =
    device id), generate the broadcast key (= HKDF of the session secret and our LTPK,
    §2.3), set the advertising identifier; not on another service's A5."""
    acc = await fx.start()
    c = await fx.paired()
    P = pdu
    device_id = adv.device_id_bytes(acc.device_id)
    r = await c.protocol_configuration([(P.PROTO_GET_ALL, b"")])
    expect_response(r, r.tid, P.SUCCESS, tlv8.encode([(P.PROTO_STATE_NUMBER, le16(1)), (P.PROTO_CONFIG_NUMBER, b"\x01"),
                                                      (P.PROTO_ADVERTISING_ID, device_id)]))
    r = await c.protocol_configuration([(P.PROTO_GENERATE_KEY, b"")])
    expect_response(r, r.tid, P.SUCCESS)
    key = c.broadcast_key()
    r = await c.protocol_configuration([(P.PROTO_GET_ALL, b"")])
    expect_response(r, r.tid, P.SUCCESS, tlv8.encode([(P.PROTO_STATE_NUMBER, le16(1)), (P.PROTO_CONFIG_NUMBER, b"\x01"),
                                                      (P.PROTO_ADVERTISING_ID, device_id),
                                                      (P.PROTO_BROADCAST_KEY, key)]))
    new_id = bytes.fromhex("A1B2C3D4E5F6")
    r = await c.protocol_configuration([(P.PROTO_SET_ADVERTISING_ID, new_id), (P.PROTO_GET_ALL, b"")])
    expect_response(r, r.tid, P.SUCCESS, tlv8.encode([(P.PROTO_STATE_NUMBER, le16(1)), (P.PROTO_CONFIG_NUMBER, b"\x01"),
                                                      (P.PROTO_ADVERTISING_ID, new_id),
                                                      (P.PROTO_BROADCAST_KEY, key)]))
    r = await c.protocol_configuration([(P.PROTO_SET_ADVERTISING_ID, b"\x01\x02\x03")])
    expect_response(r, r.tid, P.INVALID_REQUEST)
    # On the Lightbulb's A5 (no "supports configuration").
    lightbulb = c.services[SVC_LIGHTBULB]
    r = await c.transaction(lightbulb.find("A5"), P.PROTOCOL_CONFIGURATION, tlv8.encode([(P.PROTO_GET_ALL, b"")]),
                            iid=SVC_LIGHTBULB)
    expect_response(r, r.tid, P.UNSUPPORTED_PDU)


@case("procedures")
async def max_procedures(fx):
    """§5.7: one procedure at a time — a request on another characteristic while one
    waits to be read gets Max-Procedures; the first still completes."""
    await fx.start()
    c = await fx.paired()
    on, bright = c.char(ON), c.char(BRIGHTNESS)
    tid1 = c.next_tid()
    await c.write_fragment(on, pdu.request(pdu.READ, tid1, ON))
    tid2 = c.next_tid()
    await c.write_fragment(bright, pdu.request(pdu.READ, tid2, BRIGHTNESS))
    r2 = await c.read_response(bright, tid2)
    expect_response(r2, tid2, pdu.MAX_PROCEDURES)
    r1 = await c.read_response(on, tid1)
    expect_response(r1, tid1, pdu.SUCCESS, bytes((1, 1, 0)))
    r = await c.read(BRIGHTNESS)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<i", 50))]))


# ==== pairing (§2, §3) ====================================================================

@case("pairing")
async def pair_setup_wrong_code(fx):
    """§2.2 M4 with a wrong setup code: State 4, Error Authentication (2), in a Success
    PDU; then the right code pairs."""
    await fx.start()
    c = await fx.connect()
    setup = pairing.PairSetup(c.controller, WRONG_CODE)
    m2 = await c.pairing_exchange("4C", setup.m1())
    r = await c.write("4C", setup.m3(m2), return_response=True)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, bytes((6, 1, 4, 7, 1, 2)))]))
    await c.pair_setup(SETUP_CODE)
    await c.pair_verify()
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    # Paired now: another Pair Setup M1 → M2 with Error Unavailable (6).
    c.session = None
    r = await c.write("4C", pairing.PairSetup(c.controller, SETUP_CODE).m1(), return_response=True)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, bytes((6, 1, 2, 7, 1, 6)))]))


@case("pairing")
async def pairing_by_read(fx):
    """§5.6: Pair Setup and Pair Verify with Writes without Return-Response, each reply
    fetched by a Characteristic Read of 4C/4E."""
    await fx.start()
    c = await fx.connect()
    await c.pair_setup(SETUP_CODE, by_read=True)
    await c.pair_verify(by_read=True)
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    # A read of 4E with no reply waiting: an empty value.
    c.session = None
    r = await c.read("4E")
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, b"")]))


@case("pairing")
async def remove_own_pairing(fx):
    """§3.5: the last admin removes itself: the response comes, then the link is
    dropped; the accessory is unpaired (SF bit set) and can be set up again."""
    await fx.start()
    c = await fx.paired()
    reply = await c.remove_pairing(c.controller.identifier)
    expect_eq(reply, {pairing.T_STATE: b"\x02"}, "Remove Pairing response")
    expect_eq(await c.wait_dropped(3), True, "the link of the removed controller is dropped")
    expect_eq((await fx.advertisement(lambda a: not a.paired)).status_flags, 0x01, "unpaired again")
    other = await fx.connect(pairing.Controller())
    await other.pair_setup(SETUP_CODE)
    await other.pair_verify()
    expect_eq(await other.list_pairings(), [(other.controller.identifier, other.controller.ltpk, 1)],
              "only the new pairing")


@case("pairing")
async def pairings_management(fx):
    """§3.5 over 50: list, add a regular user, list, the user verifies and may not list
    (Error 2), remove it, list; a removed controller's verify fails at M4."""
    await fx.start()
    admin = await fx.paired()
    pairings = await admin.list_pairings()
    expect_eq(pairings, [(admin.controller.identifier, admin.controller.ltpk, 1)], "list after setup")
    user = pairing.Controller()
    user.accessory_id, user.accessory_ltpk = admin.controller.accessory_id, admin.controller.accessory_ltpk
    expect_eq(await admin.add_pairing(user.identifier, user.ltpk, admin=False), {pairing.T_STATE: b"\x02"}, "add")
    pairings = await admin.list_pairings()
    expect_eq(sorted(pairings), sorted([(admin.controller.identifier, admin.controller.ltpk, 1),
                                        (user.identifier, user.ltpk, 0)]), "list after add")
    await admin.disconnect()

    u = await fx.connect(user)
    await u.pair_verify()
    r = await u.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    reply = await u.pairing_exchange("50", pairing.list_pairings())
    expect_eq(tlv8.decode(reply), [(pairing.T_STATE, b"\x02"), (pairing.T_ERROR, b"\x02")], "a user may not list")
    await u.disconnect()

    await fx.reconnect(admin)
    await admin.pair_verify()
    expect_eq(await admin.remove_pairing(user.identifier), {pairing.T_STATE: b"\x02"}, "remove")
    expect_eq(await admin.list_pairings(), [(admin.controller.identifier, admin.controller.ltpk, 1)],
              "list after remove")
    await admin.disconnect()

    await fx.reconnect(u)
    try:
        await u.pair_verify()
        raise AssertionError("a removed controller verified")
    except pairing.PairingError as error:
        expect_eq((error.state, error.code), (4, pairing.E_AUTHENTICATION), "verify of a removed controller")
    await fx.still_serving(admin.controller)


@case("pairing")
async def pair_resume(fx):
    """§3.4: resume with the Session ID of the last verify, then with the resumed one;
    the consumed ID and an unknown one fall back to a full Pair Verify, which works."""
    await fx.start()
    c = await fx.paired()
    first = c.session
    await c.disconnect()

    await fx.reconnect(c)
    expect_eq(await c.pair_resume(first), True, "resumed with the verify's Session ID")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    second = c.session
    expect(second.session_id != first.session_id, "a fresh Session ID")
    await c.disconnect()

    await fx.reconnect(c)
    expect_eq(await c.pair_resume(second), True, "resumed with the resumed Session ID")
    third = c.session
    r = await c.read(BRIGHTNESS)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<i", 50))]))
    await c.disconnect()

    for stale in (first, pairing.SessionKeys(third.shared, os.urandom(8))):
        await fx.reconnect(c)
        expect_eq(await c.pair_resume(stale), False, "an unknown Session ID falls back to Pair Verify")
        r = await c.read(ON)
        expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
        await c.disconnect()


@case("pairing")
async def resume_after_removal(fx):
    """§3.4/§3.5: a removed pairing's Session IDs are purged: its resume falls back to a
    full verify, which fails at M4 with Authentication."""
    await fx.start()
    admin = await fx.paired()
    user = pairing.Controller()
    user.accessory_id, user.accessory_ltpk = admin.controller.accessory_id, admin.controller.accessory_ltpk
    await admin.add_pairing(user.identifier, user.ltpk, admin=True)
    await admin.disconnect()
    u = await fx.connect(user)
    await u.pair_verify()
    await u.disconnect()
    user_session = u.last_session

    await fx.reconnect(admin)
    await admin.pair_verify()
    await admin.remove_pairing(user.identifier)
    await admin.disconnect()

    await fx.reconnect(u)
    resume = pairing.PairResume(user, user_session)
    m2 = await u.pairing_exchange("4E", resume.m1())
    expect_eq(resume.is_resumed(m2), False, "no resume for a removed pairing")
    m4 = await u.pairing_exchange("4E", resume.fallback_m3(m2))
    expect_eq(tlv8.decode(m4), [(pairing.T_STATE, b"\x04"), (pairing.T_ERROR, b"\x02")], "M4 of the fallback")
    await fx.still_serving(admin.controller)


@case("pairing")
async def verify_while_secured(fx):
    """§5.8: a Pair Verify started in a secured session drops that session (its first
    fragment is plaintext) and establishes a new one; the old keys are gone."""
    await fx.start()
    c = await fx.paired()
    old = c.session
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    c.session = None
    await c.pair_verify()
    expect(c.session.shared != old.shared, "a new shared secret")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    # A request sealed with the old session's next key/nonce does not authenticate.
    c.session = old
    expect_eq(await dropped_after(c, lambda: c.write_fragment(c.char(ON), pdu.request(pdu.READ, 9, ON))), True,
              "the old session's keys drop the link")
    await fx.still_serving(c.controller)


# ==== events (§5.10–§5.12) ================================================================

@case("events")
async def connected_events(fx):
    """§5.12: a change made by the device → zero-length indication, then a read gives
    the new value; the writer's own write is not indicated; unsubscribed → nothing."""
    await fx.start()
    c = await fx.paired()
    on_events = await c.subscribe(ON)
    bright_events = await c.subscribe(BRIGHTNESS)
    await fx.set_value("Lightbulb/On", "true")
    expect_eq(await asyncio.wait_for(on_events.get(), 3), b"", "a zero-length indication")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 1)))

    r = await c.write(BRIGHTNESS, struct.pack("<i", 20))
    expect_response(r, r.tid, pdu.SUCCESS)
    await asyncio.sleep(1.5)
    expect(bright_events.empty(), "no indication to the writer for its own write")
    expect_eq(c.unexplained_values(BRIGHTNESS), [], "non-empty indications")
    await fx.set_value("Lightbulb/Brightness", "33")
    expect_eq(await asyncio.wait_for(bright_events.get(), 3), b"", "indication for a device change")
    r = await c.read(BRIGHTNESS)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<i", 33))]))

    # Two characteristics changing at once: both indicated (one waits for the other's
    # confirmation).
    await asyncio.gather(fx.set_value("Lightbulb/On", "false"), fx.set_value("Lightbulb/Brightness", "44"))
    expect_eq(await asyncio.wait_for(on_events.get(), 3), b"", "indication of On")
    expect_eq(await asyncio.wait_for(bright_events.get(), 3), b"", "indication of Brightness")
    r = await c.read(BRIGHTNESS)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<i", 44))]))

    await c.unsubscribe(ON)
    await fx.set_value("Lightbulb/On", "true")
    await asyncio.sleep(1.5)
    expect(on_events.empty(), "no indication after unsubscribing")
    for iid in (ON, BRIGHTNESS):
        expect_eq(c.unexplained_values(iid), [], "non-empty indications")
    expect(c.connected, "still connected")


@case("events")
async def subscriptions_outlive_sessions(fx):
    """§5.12: the CCC subscriptions of a connection carry over to its next security
    session (a second Pair Verify on the same link)."""
    await fx.start()
    c = await fx.paired()
    events = await c.subscribe(ON)
    c.session = None
    await c.pair_verify()
    await fx.set_value("Lightbulb/On", "true")
    expect_eq(await asyncio.wait_for(events.get(), 3), b"", "indication in the new session")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 1)))


@case("events")
async def no_events_unsecured(fx):
    """§5.12: no indication to a session that is not secured (subscribed before Pair
    Verify)."""
    await fx.start()
    c = await fx.connect()
    await c.pair_setup(SETUP_CODE)
    events = await c.subscribe(ON)
    await fx.set_value("Lightbulb/On", "true")
    await asyncio.sleep(1.5)
    expect(events.empty(), "no indication before Pair Verify")
    expect_eq(c.unexplained_values(ON), [], "non-empty indications")


@case("events")
async def gsn_steps(fx):
    """§5.11: the advertised GSN steps once per connection after its first event, and
    once per disconnected period after a change; not for a connection without events,
    nor for a characteristic without events."""
    await fx.start()
    first = await fx.advertisement()
    g0 = first.gsn
    expect_eq(g0, 1, "GSN of a new accessory")
    c = await fx.paired()
    await c.disconnect()
    expect_eq((await fx.advertisement(lambda a: a.paired)).gsn, g0, "no events, no step")

    await fx.reconnect(c)
    await c.pair_verify()
    events = await c.subscribe(ON)
    for value in ("true", "false", "true"):
        await fx.set_value("Lightbulb/On", value)
        expect_eq(await asyncio.wait_for(events.get(), 3), b"", "indication")
        await c.read(ON)
    r = await c.protocol_configuration([(pdu.PROTO_GET_ALL, b"")])
    expect_eq(tlv8.to_dict(r.body)[pdu.PROTO_STATE_NUMBER], le16(g0 + 1), "GSN during the connection")
    # docs/bluez.md §5.4: the advertisement is not touched while connected (that would put
    # it back on air); the new GSN goes out after the disconnection.
    record = await fx.on_air()
    expect_eq(record["Visible"], False, "off air while connected")
    expect_eq(adv.Regular(bytes(record["AdvertisingData"])[7:]).gsn, g0, "advertised GSN during the connection")
    await c.disconnect()

    async with client.AdvertisementWatch(fx.central, fx.address) as watch:
        def gsn_is(n):
            return lambda p: p[:1] == b"\x06" and adv.Regular(p).gsn == n
        await watch.wait_for(gsn_is(g0 + 1), 5)
        # Disconnected: the first change steps once, the next ones do not.
        await fx.set_value("Lightbulb/Brightness", "10")
        await watch.wait_for(gsn_is(g0 + 2), 5)
        await fx.set_value("Lightbulb/Brightness", "11")
        await fx.set_value("Lightbulb/On", "false")
        await fx.set_value("Lightbulb/Name", '"Other"')     # no events at all
        await asyncio.sleep(1.0)
        expect_eq(adv.Regular(watch.payloads[-1]).gsn, g0 + 2, "one step per disconnected period")

    # A new period begins with a connection.
    await fx.reconnect(c)
    await c.pair_verify()
    r = await c.protocol_configuration([(pdu.PROTO_GET_ALL, b"")])
    expect_eq(tlv8.to_dict(r.body)[pdu.PROTO_STATE_NUMBER], le16(g0 + 2), "GSN over Protocol Configuration")
    await c.disconnect()
    async with client.AdvertisementWatch(fx.central, fx.address) as watch:
        await watch.wait_for(gsn_is(g0 + 2), 5)
        await fx.set_value("Lightbulb/Brightness", "12")
        await watch.wait_for(gsn_is(g0 + 3), 5)


@case("events")
async def broadcast_notification(fx):
    """§5.10: after Protocol Configuration (key, advertising id) and Characteristic
    Configuration (broadcast on Counter), a change while disconnected is advertised
    as an encrypted notification: TY 0x11, STL 0x36, our advertising id, GSN + 1, the
    iid and the value, 4-byte tag; then the regular advertisement with that GSN."""
    await fx.start()
    c = await fx.paired()
    advertising_id = bytes.fromhex("0A0B0C0D0E0F")
    r = await c.protocol_configuration([(pdu.PROTO_GENERATE_KEY, b""), (pdu.PROTO_SET_ADVERTISING_ID, advertising_id),
                                        (pdu.PROTO_GET_ALL, b"")])
    params = tlv8.to_dict(r.body)
    key = params[pdu.PROTO_BROADCAST_KEY]
    expect_eq(key, c.broadcast_key(), "the broadcast key is HKDF(shared secret, LTPK)")
    gsn = struct.unpack("<H", params[pdu.PROTO_STATE_NUMBER])[0]
    r = await c.characteristic_configuration(COUNTER, [(pdu.CHAR_CONFIG_PROPERTIES, le16(1)),
                                                       (pdu.CHAR_CONFIG_INTERVAL, b"\x01")])
    expect_eq(r.status, pdu.SUCCESS, "broadcast enabled")
    await c.disconnect()

    async with client.AdvertisementWatch(fx.central, fx.address) as watch:
        await watch.wait_for(lambda p: p[:1] == b"\x06", 5)
        await fx.set_value(COUNTER_PATH, "305419896")    # 0x12345678
        payload = await watch.wait_for(lambda p: p[:1] == b"\x11", 5)
        record = await fx.on_air()
        note = adv.EncryptedNotification(payload)
        expect_eq((note.type, note.stl, note.advertising_id), (0x11, 0x36, advertising_id), "notification header")
        expect_eq(bytes(record["AdvertisingData"])[:7], bytes((2, 1, 6, 0x1B, 0xFF, 0x4C, 0x00)), "AD header")
        expect_eq((record["MinInterval"], record["MaxInterval"]), (20, 20), "advertised at the configured 20 ms")
        decrypted = note.decrypt(key, range(gsn, gsn + 4))
        expect(decrypted is not None, "the notification authenticates with the broadcast key")
        expect_eq(decrypted, (gsn + 1, COUNTER, struct.pack("<Q", 0x12345678)), "GSN, iid, value")
        regular = await watch.wait_for(lambda p: p[:1] == b"\x06", 6, after=watch.index + 1)
        expect_eq(adv.Regular(regular).gsn, gsn + 1, "back to regular advertising with the new GSN")


COUNTER_PATH = "8E6D0001-5A33-4D1C-9C7E-5E1A7B0C0001/8E6D0004-5A33-4D1C-9C7E-5E1A7B0C0001"


# ==== negative cases ======================================================================

MALFORMED = {
    "reserved control bit 6": bytes((0x40, pdu.SIGNATURE_READ, 0x21)) + le16(ON),
    "64-bit iid bit": bytes((0x10, pdu.SIGNATURE_READ, 0x22)) + le16(ON) + bytes(6),
    "response type in a request": bytes((0x02, pdu.SIGNATURE_READ, 0x23)) + le16(ON),
    "truncated header": bytes((0x00, pdu.SIGNATURE_READ, 0x24, ON)),
    "body longer than declared": bytes((0x00, pdu.WRITE, 0x25)) + le16(ON) + le16(3) + bytes((1, 1, 1, 9, 9)),
    "continuation first": bytes((0x80, 0x26, 1, 2, 3)),
}


@case("negative")
async def malformed_pdus(fx):
    """Each malformed first fragment drops the link (hap-ble-link.c: whatever breaks the
    protocol drops session and link); the accessory serves the next connection."""
    await fx.start()
    for what, data in MALFORMED.items():
        c = await fx.connect()
        expect_eq(await dropped_after(c, lambda: c.gatt_write(c.char(ON), data)), True, "dropped after " + what)
    await fx.still_serving()


@case("negative")
async def malformed_secured(fx):
    """Malformed plaintext inside a valid AEAD record drops the link too, and a paired
    controller verifies again afterwards."""
    await fx.start()
    c = await fx.paired()
    expect_eq(await dropped_after(c, lambda: c.write_fragment(c.char(ON), MALFORMED["body longer than declared"])),
              True, "dropped")
    await fx.still_serving(c.controller)


@case("negative")
async def continuation_wrong_tid(fx):
    """§5.2: a continuation must carry the first fragment's TID."""
    await fx.start()
    c = await fx.connect()
    request = pdu.request(pdu.WRITE, 0x31, ON, tlv8.encode([(pdu.PARAM_VALUE, bytes(40))]))
    first, rest = request[:20], request[20:]
    await c.gatt_write(c.char(ON), first)
    expect_eq(await dropped_after(c, lambda: c.gatt_write(c.char(ON), bytes((0x80, 0x32)) + rest)), True,
              "dropped after a continuation with another TID")
    await fx.still_serving()


@case("negative")
async def abandoned_procedure(fx):
    """A central that disconnects in the middle of a request leaves nothing behind: the
    next connection's first request is served."""
    await fx.start()
    c = await fx.connect()
    request = pdu.request(pdu.WRITE, 0x35, ON, tlv8.encode([(pdu.PARAM_VALUE, bytes(60))]))
    await c.gatt_write(c.char(ON), request[:30])
    await c.disconnect()
    await fx.reconnect(c)
    r = await c.signature_read(BRIGHTNESS)
    expect_eq(r.status, pdu.SUCCESS, "first request on the next connection")
    await c.pair_setup(SETUP_CODE)
    await c.pair_verify()
    on = c.char(ON)
    await c.write_fragment(on, pdu.request(pdu.READ, 0x36, ON))
    await c.disconnect()
    await fx.still_serving(c.controller)


@case("negative", long=True)
async def fragments_never_end(fx):
    """§5.8: a procedure not finished within 10 s drops the link."""
    await fx.start()
    c = await fx.connect()
    request = pdu.request(pdu.WRITE, 0x41, ON, tlv8.encode([(pdu.PARAM_VALUE, bytes(100))]))
    await c.gatt_write(c.char(ON), request[:30])
    t0 = time.monotonic()
    await c.gatt_write(c.char(ON), bytes((0x80, 0x41)) + request[30:40])
    expect_eq(await c.wait_dropped(15), True, "dropped")
    elapsed = time.monotonic() - t0
    expect(8.5 <= elapsed <= 12.5, "dropped %.1f s after the request started (10 s expected)" % elapsed)
    await fx.still_serving()


@case("negative")
async def read_without_write(fx):
    """§5.7: a GATT read on a HAP characteristic without a request written → dropped."""
    await fx.start()
    c = await fx.connect()
    expect_eq(await dropped_after(c, lambda: c.gatt_read(c.char(ON))), True, "dropped")
    await fx.still_serving()


@case("negative")
async def read_before_complete(fx):
    """A read while the request's fragments are still arriving → dropped."""
    await fx.start()
    c = await fx.connect()
    request = pdu.request(pdu.WRITE, 0x51, ON, tlv8.encode([(pdu.PARAM_VALUE, bytes(60))]))
    await c.gatt_write(c.char(ON), request[:30])
    expect_eq(await dropped_after(c, lambda: c.gatt_read(c.char(ON))), True, "dropped")
    await fx.still_serving()


@case("negative")
async def tampered_ciphertext(fx):
    """§5.8: a fragment that does not authenticate drops the link; the controller
    verifies again on a new connection."""
    await fx.start()
    c = await fx.paired()
    sealed = bytearray(c.session.write.seal(pdu.request(pdu.READ, 0x61, ON)))
    sealed[3] ^= 0x01
    expect_eq(await dropped_after(c, lambda: c.gatt_write(c.char(ON), bytes(sealed))), True, "dropped")
    await fx.still_serving(c.controller)


@case("negative")
async def replayed_fragment(fx):
    """§5.8: the same AEAD record again (its nonce is spent) drops the link."""
    await fx.start()
    c = await fx.paired()
    on = c.char(ON)
    sealed = c.session.write.seal(pdu.request(pdu.READ, 0x71, ON))
    await c.gatt_write(on, sealed)
    r = await c.read_response(on, 0x71)
    expect_response(r, 0x71, pdu.SUCCESS, bytes((1, 1, 0)))
    expect_eq(await dropped_after(c, lambda: c.gatt_write(on, sealed)), True, "dropped after the replay")
    await fx.still_serving(c.controller)


@case("negative")
async def execute_without_timed_write(fx):
    """An Execute Write without a Timed Write, and a Write while a Timed Write waits,
    break the procedure (ADK: InvalidState → link dropped)."""
    await fx.start()
    c = await fx.paired()
    expect_eq(await dropped_after(c, lambda: c.transaction(c.char(TIMED), pdu.EXECUTE_WRITE)), True,
              "Execute Write alone")
    await fx.reconnect(c)
    await c.pair_verify()
    r = await c.transaction(c.char(TIMED), pdu.TIMED_WRITE,
                            tlv8.encode([(pdu.PARAM_TTL, 50), (pdu.PARAM_VALUE, b"\x04")]))
    expect_response(r, r.tid, pdu.SUCCESS)
    expect_eq(await dropped_after(c, lambda: c.write(TIMED, b"\x04")), True, "a Write instead of the Execute")
    expect_eq(await fx.get_value(TIMED_PATH), 3, "nothing written")
    await fx.still_serving(c.controller)


@case("negative", long=True)
async def no_procedure_after_connect(fx):
    """§5.8: no HAP procedure within 10 s of connecting → dropped."""
    await fx.start()
    t0 = time.monotonic()
    c = await fx.connect()
    t1 = time.monotonic()
    expect_eq(await c.wait_dropped(15), True, "dropped")
    t2 = time.monotonic()
    expect(8.5 <= t2 - t0 and t2 - t1 <= 12.5, "dropped %.1f–%.1f s after connecting" % (t2 - t1, t2 - t0))
    await fx.still_serving()


@case("negative", long=True)
async def secure_session_idle(fx):
    """§5.8: a secured session without transactions for 30 s → dropped (not earlier)."""
    await fx.start()
    c = await fx.paired()
    r = await c.read(ON)
    t0 = time.monotonic()
    expect_eq(r.status, pdu.SUCCESS, "read")
    expect_eq(await c.wait_dropped(25), False, "still connected 25 s after the last procedure")
    expect_eq(await c.wait_dropped(10), True, "dropped")
    elapsed = time.monotonic() - t0
    expect(28.5 <= elapsed <= 33.5, "dropped %.1f s after the last procedure (30 s expected)" % elapsed)
    await fx.still_serving(c.controller)


@case("negative", adapters=3)
async def second_central(fx):
    """§5.8 one controller connection: while one central is connected the accessory is
    not on air (a second central cannot connect), and GATT requests of a second device
    are refused; the first keeps working; afterwards the second connects."""
    await fx.start()
    other = fx.adapters[2]
    # The second central has seen the accessory before the first connects.
    second = await fx.new_client(adapter=other)
    device2, _ = await client.find_accessory(other, fx.acc.device_id)
    c = await fx.paired()
    record = await fx.on_air()
    expect_eq(record["Visible"], False, "not advertising while connected")
    try:
        second.client = None
        await asyncio.wait_for(second.connect(device2, timeout=3), 5)
        connected = second.connected and not await second.wait_dropped(2)
    except Exception:
        connected = False
    expect_eq(connected, False, "a second central stays unconnected")
    # GATT requests from another device, as bluetoothd would forward them.
    owner = record["Owner"]
    path = await app_char_path(fx, owner, VENDOR % 3)
    options = {"device": Variant("o", fx.device_on_peripheral(other)), "link": Variant("s", "LE"),
               "mtu": Variant("q", 517)}
    reply = await fx.call(owner, path, "org.bluez.GattCharacteristic1", "WriteValue", "aya{sv}",
                          [pdu.request(pdu.SIGNATURE_READ, 1, BLOB), options])
    expect_eq((reply.message_type, reply.error_name), (MessageType.ERROR, "org.bluez.Error.NotPermitted"),
              "a write from a second device")
    reply = await fx.call(owner, path, "org.bluez.GattCharacteristic1", "ReadValue", "a{sv}", [options])
    expect_eq((reply.message_type, reply.error_name), (MessageType.ERROR, "org.bluez.Error.NotPermitted"),
              "a read from a second device")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    expect(c.connected, "the first central is still connected")
    await c.disconnect()
    device2, _ = await client.find_accessory(other, fx.acc.device_id)
    await second.connect(device2)
    r = await second.signature_read(ON)
    expect_eq(r.status, pdu.SUCCESS, "the second central is served after the first left")


async def app_char_path(fx, owner, uuid):
    root = "/io/github/hapsim/ble/dev_" + fx.acc.device_id.replace(":", "_")
    reply = await fx.call(owner, root, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
    for path, ifaces in reply.body[0].items():
        props = ifaces.get("org.bluez.GattCharacteristic1")
        if props and props["UUID"].value.lower() == uuid:
            return path
    raise AssertionError("no app object for " + uuid)


@case("negative")
async def write_sizes(fx):
    """docs/bluez.md §5.3: a 514-byte GATT write (MTU 517 − 3) is a valid fragment,
    sealed or not; 515 bytes are refused with InvalidValueLength and the link stays."""
    await fx.start()
    c = await fx.paired()
    blob = c.char(BLOB)
    # One secured fragment of exactly 514 bytes: 498 plaintext bytes.
    for value_len in range(400, 498):
        request = pdu.request(pdu.WRITE, 0x11, BLOB, tlv8.encode([(pdu.PARAM_VALUE, bytes(value_len))]))
        if len(request) == 498:
            break
    value = bytes((i * 13) & 0xFF for i in range(value_len))
    request = pdu.request(pdu.WRITE, 0x11, BLOB, tlv8.encode([(pdu.PARAM_VALUE, value)]))
    sealed = c.session.write.seal(request)
    expect_eq(len(sealed), 514, "fragment size")
    await c.gatt_write(blob, sealed)
    r = await c.read_response(blob, 0x11)
    expect_response(r, 0x11, pdu.SUCCESS)
    r = await c.read(BLOB)
    expect_response(r, r.tid, pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, value)]))

    # 515 bytes can only come from bluetoothd itself (an ATT Write Request carries at most
    # MTU − 3): ask the app directly, as bluetoothd would, for the connected central.
    owner = (await fx.on_air())["Owner"]
    path = await app_char_path(fx, owner, VENDOR % 3)
    options = {"device": Variant("o", fx.device_on_peripheral()), "link": Variant("s", "LE"),
               "mtu": Variant("q", 517)}
    reply = await fx.call(owner, path, "org.bluez.GattCharacteristic1", "WriteValue", "aya{sv}",
                          [bytes(515), options])
    expect_eq((reply.message_type, reply.error_name), (MessageType.ERROR, "org.bluez.Error.InvalidValueLength"),
              "a 515-byte write")
    r = await c.read(ON)
    expect_response(r, r.tid, pdu.SUCCESS, bytes((1, 1, 0)))
    await c.disconnect()

    # Unsecured: a 514-byte plaintext request is assembled and answered.
    u = await fx.connect(pairing.Controller())
    blob = u.char(BLOB)
    for value_len in range(400, 514):
        request = pdu.request(pdu.WRITE, 0x12, BLOB, tlv8.encode([(pdu.PARAM_VALUE, bytes(value_len))]))
        if len(request) == 514:
            break
    expect_eq(len(request), 514, "plaintext fragment size")
    await u.gatt_write(blob, request)
    r = await u.read_response(blob, 0x12)
    expect_response(r, 0x12, pdu.INSUFFICIENT_AUTHENTICATION)


if __name__ == "__main__":
    sys.exit(main(Fixture))
