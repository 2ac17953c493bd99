#!/usr/bin/python3
"""The simulator's BLE quirks (simulator/QUIRKS.md, section BLE) as an independent HAP-BLE
controller sees them on the air, through hap-virtual-bluez: each misbehaviour on the wire
(signature bytes, advertisement bytes, PDU status and TID, fragments, the ATT database),
then conforming behaviour again once the quirk is switched off.

The controller is tests/ble/hapble (python3-bleak as a plain GATT client); what a quirk
must produce is built here from docs/protocol.md §5 and simulator/QUIRKS.md rows 47–52, never
read back from the accessory. Each case has its own hap-simulator (ble-lamp.json) on its
own virtual adapter; cases run concurrently (--jobs). TAP output. Binaries: HAP_SIMULATOR
and HAP_VIRTUAL_BLUEZ (meson passes its own)."""
import asyncio
import json
import os
import struct
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hapble import adv, client, pdu, tlv8  # noqa: E402
from hapble.fixture import LAMP, ON, SETUP_CODE, Fixture, dropped_after, expect, expect_eq  # noqa: E402
from hapble.tap import case, main  # noqa: E402

# ble-lamp.json: the vendor service 80 and its characteristics (Timed Level uint8 3, Blob
# 700 bytes of data, Counter uint32 7).
TIMED, BLOB, COUNTER = 81, 82, 83
VENDOR_SERVICE = "8e6d0001-5a33-4d1c-9c7e-5e1a7b0c0001"
SERVICE_IID_UUID = client.SERVICE_IID_UUID
SIGNATURE_UUID = client.hap_uuid("A5")

# docs/protocol.md §5.9: STL 0x31 (subtype 1, 17 bytes follow) with the setup hash, 0x2D
# (13) without.
STL_WITH_HASH, STL_WITHOUT_HASH = 0x31, 0x2D


async def eventually(probe, check, what, timeout=8.0):
    """Polls @probe (a coroutine function) until @check holds for its value; the value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if check(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError("%s: still %r after %.0f s" % (what, value, timeout))
        await asyncio.sleep(0.1)


def manufacturer_data(record):
    """Apple's manufacturer data (after the company id) out of a registered
    advertisement's AdvertisingData: Flags, then LEN 0xFF 4C 00 payload (§5.9)."""
    ad = bytes(record["AdvertisingData"])
    expect_eq(ad[:3], b"\x02\x01\x06", "Flags AD")
    expect_eq(ad[4:7], b"\xff\x4c\x00", "manufacturer-specific AD, company 0x004C")
    return ad[7:4 + ad[3]]


async def advertised_payload(fx):
    record = await fx.advertised()
    return manufacturer_data(record) if record is not None else None


async def advertised_gsn(fx):
    payload = await advertised_payload(fx)
    return adv.Regular(payload).gsn if payload is not None and payload[:1] == b"\x06" else None


def without(items, *types):
    return [(t, v) for t, v in items if t not in types]


# ==== row 47: signatures without perms or format ==========================================

@case("quirks")
async def signature_incomplete(fx):
    """ble-signature-incomplete: the vendor characteristics' Characteristic Signature Read
    bodies lose param 0x0A (properties), 0x0C (presentation format) or both, the other
    params as before; Apple characteristics untouched unless named; off: whole again."""
    await fx.start()
    c = await fx.connect()
    full = {iid: tlv8.decode((await c.signature_read(iid)).body) for iid in (TIMED, ON)}
    expect({pdu.PARAM_PROPERTIES, pdu.PARAM_PRESENTATION_FORMAT} <= {t for t, _ in full[TIMED]},
           "a conforming signature has properties and format")

    await fx.quirk("ble-signature-incomplete")
    r = await c.signature_read(TIMED)
    expect_eq(r.status, pdu.SUCCESS, "status")
    expect_eq(tlv8.decode(r.body), without(full[TIMED], pdu.PARAM_PROPERTIES, pdu.PARAM_PRESENTATION_FORMAT),
              "vendor signature without perms and format")
    expect_eq(tlv8.decode((await c.signature_read(ON)).body), full[ON], "On (Apple-defined) untouched")

    await fx.quirk("ble-signature-incomplete", missing="format", characteristics="Lightbulb/On")
    expect_eq(tlv8.decode((await c.signature_read(ON)).body), without(full[ON], pdu.PARAM_PRESENTATION_FORMAT),
              "On named: without format only")
    expect_eq(tlv8.decode((await c.signature_read(TIMED)).body), full[TIMED], "the vendor one not named")
    await fx.quirk("ble-signature-incomplete", missing="perms")
    expect_eq(tlv8.decode((await c.signature_read(TIMED)).body), without(full[TIMED], pdu.PARAM_PROPERTIES),
              "without perms only")

    await fx.quirk("ble-signature-incomplete", "off")
    for iid in (TIMED, ON):
        expect_eq(tlv8.decode((await c.signature_read(iid)).body), full[iid], "off: signature of %d whole" % iid)


# ==== row 48: Identify presented as data =================================================

@case("quirks")
async def identify_as_data(fx):
    """ble-identify-as-data: Identify's presentation format (param 0x0C) names data 0x1B
    instead of bool 0x01, exponent, unit, namespace and description as before."""
    await fx.start()
    c = await fx.connect()
    identify = c.char("14", service="3E")
    conforming = tlv8.to_dict((await c.signature_read(identify.iid)).body)[pdu.PARAM_PRESENTATION_FORMAT]
    expect_eq(conforming, pdu.presentation_format("bool"), "conforming: bool")
    await fx.quirk("ble-identify-as-data")
    items = tlv8.decode((await c.signature_read(identify.iid)).body)
    expect_eq(dict(items)[pdu.PARAM_PRESENTATION_FORMAT], bytes((0x1B,)) + conforming[1:], "presented as data")
    on_format = tlv8.to_dict((await c.signature_read(ON)).body)[pdu.PARAM_PRESENTATION_FORMAT]
    expect_eq(on_format, pdu.presentation_format("bool"), "other bools untouched")
    await fx.quirk("ble-identify-as-data", "off")
    expect_eq(tlv8.to_dict((await c.signature_read(identify.iid)).body)[pdu.PARAM_PRESENTATION_FORMAT],
              conforming, "off: bool again")


# ==== row 49: malformed advertisements ===================================================

@case("quirks")
async def advertisement_malformed(fx):
    """ble-advertisement-malformed: the 15-byte form (STL 0x2D, no setup hash), a 19-byte
    payload whose STL says 13, a payload cut to truncate-to bytes — as registered with
    bluetoothd and as a scanning central sees it; off: the 19-byte form again."""
    await fx.start()
    full = await eventually(lambda: advertised_payload(fx), lambda p: p is not None, "advertised")
    expect_eq((len(full), full[1]), (19, STL_WITH_HASH), "conforming: 19 bytes, STL 0x31")

    await fx.quirk("ble-advertisement-malformed")
    short = await eventually(lambda: advertised_payload(fx), lambda p: p != full, "the short form")
    expect_eq(short, full[:1] + bytes((STL_WITHOUT_HASH,)) + full[2:15], "15 bytes, STL 0x2D, no setup hash")
    async with client.AdvertisementWatch(fx.central, fx.address) as watch:
        seen = await watch.wait_for(lambda p: len(p) == 15, 10)
    expect_eq(seen, short, "what a central scanning sees")

    await fx.quirk("ble-advertisement-malformed", style="wrong-stl")
    wrong = await eventually(lambda: advertised_payload(fx), lambda p: p != short, "the wrong STL")
    expect_eq(wrong, full[:1] + bytes((STL_WITHOUT_HASH,)) + full[2:], "19 bytes behind an STL of 13")
    await fx.quirk("ble-advertisement-malformed", style="truncated", truncate_to=11)
    cut = await eventually(lambda: advertised_payload(fx), lambda p: p != wrong, "the truncated form")
    expect_eq(cut, full[:11], "cut to 11 bytes")

    await fx.quirk("ble-advertisement-malformed", "off")
    again = await eventually(lambda: advertised_payload(fx), lambda p: p != cut, "conforming again")
    expect_eq(again, full, "off: the 19-byte form")


# ==== row 50: write-first characteristics ================================================

@case("quirks")
async def write_first(fx):
    """ble-write-first: reads of the vendor characteristics answer Invalid Request (no
    body) until a controller wrote them; a written one stays readable across connections;
    status=empty-value answers Success with an empty Value; off: all readable."""
    await fx.start()
    await fx.quirk("ble-write-first")
    c = await fx.paired()
    for iid in (TIMED, COUNTER):
        r = await c.read(iid)
        expect_eq((r.status, r.body), (pdu.INVALID_REQUEST, None), "read of %d before any write" % iid)
    expect_eq((await c.read(ON)).status, pdu.SUCCESS, "On (Apple-defined) reads as usual")
    r = await c.write(COUNTER, struct.pack("<I", 9))
    expect_eq(r.status, pdu.SUCCESS, "the write")
    r = await c.read(COUNTER)
    expect_eq((r.status, r.body), (pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<I", 9))])),
              "read after the write")

    await c.disconnect()
    await fx.reconnect(c)
    await c.pair_verify()
    expect_eq((await c.read(COUNTER)).status, pdu.SUCCESS, "still readable on the next connection")
    expect_eq((await c.read(TIMED)).status, pdu.INVALID_REQUEST, "the unwritten one still is not")

    # New parameters make a new quirk: nothing written yet.
    await fx.quirk("ble-write-first", status="empty-value", characteristics="%d" % COUNTER)
    r = await c.read(COUNTER)
    expect_eq((r.status, r.body), (pdu.SUCCESS, bytes((pdu.PARAM_VALUE, 0))), "Success with an empty Value")
    expect_eq((await c.read(TIMED)).status, pdu.SUCCESS, "not selected: readable")

    await fx.quirk("ble-write-first", "off")
    r = await c.read(COUNTER)
    expect_eq((r.status, r.body), (pdu.SUCCESS, tlv8.encode([(pdu.PARAM_VALUE, struct.pack("<I", 9))])),
              "off: readable")


# ==== row 51: incomplete services ========================================================

def characteristics_of(database, uuid):
    return [chars for service, chars in database if service == uuid]


async def hap_database(fx, check, what):
    """The ATT database once the accessory's application is registered (its Pairing
    service is last) and @check holds: a quirk's restart unregisters it for a moment."""
    return await eventually(fx.database, lambda db: characteristics_of(db, client.hap_uuid("55")) and check(db),
                            what)


@case("quirks")
async def no_service_signature(fx):
    """ble-no-service-signature: the ATT database loses the Service Signature (A5) of
    every service (Lightbulb, TemperatureSensor, Protocol Information), or of the named
    one only; off: the same database as before."""
    await fx.start()
    before = await hap_database(fx, lambda db: True, "registered")
    with_signature = [s for s, chars in before if SIGNATURE_UUID in chars]
    expect_eq(sorted(with_signature), sorted([client.hap_uuid("43"), client.hap_uuid("8A"), client.hap_uuid("A2")]),
              "conforming: A5 on the linked, the hidden and the protocol service")

    await fx.quirk("ble-no-service-signature")
    after = await hap_database(fx, lambda db: db != before, "a database without A5")
    expect_eq(after, [(s, [c for c in chars if c != SIGNATURE_UUID]) for s, chars in before],
              "every A5 gone, nothing else")
    await fx.quirk("ble-no-service-signature", services="Lightbulb")
    named = await hap_database(fx, lambda db: db != after, "only the Lightbulb's A5 gone")
    expect_eq([s for s, chars in named if SIGNATURE_UUID in chars],
              [s for s in with_signature if s != client.hap_uuid("43")], "services=Lightbulb")

    await fx.quirk("ble-no-service-signature", "off")
    await hap_database(fx, lambda db: db == before, "off: the database as before")


@case("quirks")
async def service_no_iid(fx):
    """ble-service-no-iid: the vendor service has no Service Instance ID characteristic,
    in the ATT database and for a central discovering it; off: it has one again."""
    await fx.start()
    before = await hap_database(fx, lambda db: True, "registered")
    expect_eq(characteristics_of(before, VENDOR_SERVICE)[0][0], SERVICE_IID_UUID, "conforming: iid first")

    await fx.quirk("ble-service-no-iid")
    after = await hap_database(fx, lambda db: db != before, "a database without the iid")
    expect_eq(after, [(s, chars[1:] if s == VENDOR_SERVICE else chars) for s, chars in before],
              "only the vendor service's Service Instance ID gone")
    # A central cannot tell a vendor service without it from any other GATT service.
    c = await fx.connect()
    expect(COUNTER not in c.characteristics and VENDOR_SERVICE not in [s.uuid for s in c.services.values()],
           "the vendor service is not recognised as a HAP service")
    expect_eq([sorted(ch.uuid for ch in s.characteristics) for s in c.client.services if s.uuid == VENDOR_SERVICE],
              [["8e6d%04x-5a33-4d1c-9c7e-5e1a7b0c0001" % n for n in (2, 3, 4)]], "its GATT characteristics")
    await c.disconnect()
    await fx.forget()
    await fx.quirk("ble-service-no-iid", services="Lightbulb")
    await hap_database(fx, lambda db: characteristics_of(db, client.hap_uuid("43"))[0][0] != SERVICE_IID_UUID,
                       "the Lightbulb without its iid")
    c = await fx.connect()
    expect_eq([s.uuid for s in c.services_without_iid], [client.hap_uuid("43")], "a HAP service without iid")
    await c.disconnect()
    await fx.forget()

    await fx.quirk("ble-service-no-iid", "off")
    await hap_database(fx, lambda db: db == before, "off: the database as before")
    c = await fx.connect()
    expect_eq((c.services_without_iid, c.char(COUNTER).service.iid), ([], 80), "off: discovered with its iid")


@case("quirks")
async def empty_service_from_file(fx):
    """ble-empty-service, declared in the accessory file's "simulator" section: from the
    first start the vendor service holds its Service Instance ID and nothing else, and
    its characteristics are not reachable; switched off at run time, they are back."""
    with open(LAMP) as f:
        doc = json.load(f)
    doc["simulator"] = {"quirks": {"ble-empty-service": {}}}
    os.makedirs(os.path.join(fx.bench.dir, fx.name))
    path = os.path.join(fx.bench.dir, fx.name, "ble-lamp.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    acc = await fx.start(path)
    enabled = json.loads(await fx.ctl("--json", "quirks", acc.device_id))
    expect_eq([q["name"] for q in enabled], ["ble-empty-service"], "enabled from the file")
    db = await hap_database(fx, lambda d: True, "registered")
    expect_eq(characteristics_of(db, VENDOR_SERVICE), [[SERVICE_IID_UUID]], "the vendor service is empty")
    c = await fx.connect()
    expect(COUNTER not in c.characteristics, "Counter not discovered")
    expect_eq(c.service(VENDOR_SERVICE).characteristics, [], "a central sees an empty service")
    await c.disconnect()
    await fx.forget()

    await fx.quirk("ble-empty-service", "off")
    db = await hap_database(fx, lambda d: len(characteristics_of(d, VENDOR_SERVICE)[0]) > 1, "filled again")
    expect_eq(characteristics_of(db, VENDOR_SERVICE)[0],
              [SERVICE_IID_UUID] + ["8e6d%04x-5a33-4d1c-9c7e-5e1a7b0c0001" % n for n in (2, 3, 4)], "off")
    c = await fx.connect()
    expect_eq(c.char(COUNTER).service.iid, 80, "Counter discovered again")


# ==== row 52: battery devices, GSN, notifications ========================================

@case("quirks")
async def silent_when_paired(fx):
    """ble-silent-when-paired: unpaired, it advertises; paired, the advertisement is
    withdrawn from bluetoothd; a change (a disconnected event, GSN + 1) brings it back for
    advertise-ms, then it is withdrawn again; off: advertised for good."""
    await fx.start()
    await fx.quirk("ble-silent-when-paired", advertise_ms=1500)
    payload = await eventually(lambda: advertised_payload(fx), lambda p: p is not None, "advertised unpaired")
    expect(not adv.Regular(payload).paired, "unpaired")
    gsn = adv.Regular(payload).gsn
    c = await fx.connect()
    await c.pair_setup(SETUP_CODE)
    await c.disconnect()
    await eventually(fx.advertised, lambda r: r is None, "withdrawn once paired")
    await asyncio.sleep(1.0)
    expect(await fx.advertised() is None, "still silent a second later")

    await fx.set_value("1.%d" % ON, "true")
    t0 = time.monotonic()
    awake = await eventually(lambda: advertised_payload(fx), lambda p: p is not None, "awake after the change")
    expect_eq((adv.Regular(awake).paired, adv.Regular(awake).gsn), (True, gsn + 1), "paired, GSN + 1")
    await eventually(fx.advertised, lambda r: r is None, "silent again")
    expect(time.monotonic() - t0 >= 1.2, "awake for about advertise-ms (%.1f s)" % (time.monotonic() - t0))

    await fx.quirk("ble-silent-when-paired", "off")
    back = await eventually(lambda: advertised_payload(fx), lambda p: p is not None, "advertised once off")
    expect_eq(adv.Regular(back).gsn, gsn + 1, "off: advertised, same GSN")
    await asyncio.sleep(2.0)
    expect(await fx.advertised() is not None, "and stays advertised")


@case("quirks")
async def gsn_rollover(fx):
    """ble-gsn-rollover: the GSN is set to 65535 − steps-before; the next disconnected
    event wraps it to 1 (§5.11); off: it counts on from there."""
    await fx.start()
    expect_eq(await eventually(lambda: advertised_gsn(fx), lambda g: g is not None, "advertised"), 1, "GSN")
    await fx.quirk("ble-gsn-rollover", steps_before=2)
    await eventually(lambda: advertised_gsn(fx), lambda g: g == 65533, "GSN 65535 − 2")
    await fx.quirk("ble-gsn-rollover", steps_before=0)
    await eventually(lambda: advertised_gsn(fx), lambda g: g == 65535, "GSN 65535")
    await fx.set_value("1.%d" % ON, "true")
    await eventually(lambda: advertised_gsn(fx), lambda g: g != 65535, "the next GSN")
    expect_eq(await advertised_gsn(fx), 1, "65535 wraps to 1")

    await fx.quirk("ble-gsn-rollover", "off")
    c = await fx.connect()       # a new disconnected period (§5.11)
    await c.disconnect()
    await fx.set_value("1.%d" % ON, "false")
    expect_eq(await eventually(lambda: advertised_gsn(fx), lambda g: g != 1, "one more step"), 2, "off: 1 → 2")


@case("quirks")
async def notification_without_key(fx):
    """ble-notification-without-key: an encrypted notification (§5.10) with the device's
    advertising identifier, GSN + 1, On's iid and value, sealed under a key nobody was
    given (key=zeros: the 32 zero bytes, so that it can be opened here); then the regular
    advertisement with that GSN. Repeating with a random key it opens with no key the test
    knows; off: no more."""
    acc = await fx.start()
    gsn = await eventually(lambda: advertised_gsn(fx), lambda g: g is not None, "advertised")
    async with client.AdvertisementWatch(fx.central, fx.address) as watch:
        await watch.wait_for(lambda p: p[:1] == b"\x06", 10)
        await fx.quirk("ble-notification-without-key", key="zeros", duration_ms=1500)
        note = adv.EncryptedNotification(await watch.wait_for(lambda p: p[:1] == b"\x11", 10))
        expect_eq((note.type, note.stl, note.advertising_id), (0x11, 0x36, adv.device_id_bytes(acc.device_id)),
                  "TY, STL and advertising identifier")
        expect_eq(note.decrypt(bytes(32), range(gsn, gsn + 4)), (gsn + 1, ON, bytes(8)),
                  "sealed with the zero key: GSN + 1, On's iid, false")
        regular = await watch.wait_for(lambda p: p[:1] == b"\x06", 6, after=watch.index + 1)
        expect_eq(adv.Regular(regular).gsn, gsn + 1, "then regular, with that GSN")

        await fx.quirk("ble-notification-without-key", interval_ms=800, duration_ms=300)
        note = adv.EncryptedNotification(await watch.wait_for(lambda p: p[:1] == b"\x11", 10,
                                                              after=watch.index + 1))
        expect(note.decrypt(bytes(32), range(gsn, gsn + 10)) is None, "random key: the zero key does not open it")
        await watch.wait_for(lambda p: p[:1] == b"\x11", 5, after=watch.index + 1)   # and it repeats
        await fx.quirk("ble-notification-without-key", "off")
        await asyncio.sleep(0.5)     # one in flight may still end
        seen = len(watch.payloads)
        await asyncio.sleep(2.0)
        expect_eq([p.hex() for p in watch.payloads[seen:] if p[:1] == b"\x11"], [], "off: no more notifications")
    payload = await eventually(lambda: advertised_payload(fx), lambda p: p is not None and p[:1] == b"\x06",
                               "regular advertising once off")
    expect_eq(len(payload), 19, "a regular advertisement")


# ==== fault injection ====================================================================

@case("quirks")
async def slow_response(fx):
    """ble-slow-response: Characteristic Signature Reads answered delay-ms late, other
    procedures on time; off: on time."""
    await fx.start()
    c = await fx.connect()

    async def timed(coro):
        t0 = time.monotonic()
        r = await coro
        expect_eq(r.status, pdu.SUCCESS, "status")
        return time.monotonic() - t0

    base = await timed(c.signature_read(ON))
    await fx.quirk("ble-slow-response", delay_ms=1500, opcode="signature-read")
    slow = await timed(c.signature_read(ON))
    expect(slow >= 1.4 and slow > base + 1.0, "signature read %.2f s (before %.2f s)" % (slow, base))
    other = await timed(c.service_signature_read(c.service("43")))
    expect(other < 1.0, "service signature read not delayed (%.2f s)" % other)
    await fx.quirk("ble-slow-response", "off")
    fast = await timed(c.signature_read(ON))
    expect(fast < 1.0, "off: %.2f s" % fast)


@case("quirks", long=True)
async def hang(fx):
    """ble-hang: reads are never answered; the accessory's 10 s procedure timer (§5.8)
    drops the link; off: a new connection reads."""
    await fx.start()
    c = await fx.paired()
    await fx.quirk("ble-hang", opcode="read")
    expect_eq((await c.signature_read(ON)).status, pdu.SUCCESS, "other procedures answered")
    t0 = time.monotonic()
    expect_eq(await dropped_after(c, lambda: asyncio.wait_for(c.read(ON), 15), 15), True, "the link dropped")
    elapsed = time.monotonic() - t0
    expect(9.0 <= elapsed <= 12.5, "dropped %.1f s after the read (10 s expected)" % elapsed)
    await fx.quirk("ble-hang", "off")
    await fx.still_serving(c.controller)


@case("quirks")
async def wrong_tid(fx):
    """ble-wrong-tid: the response carries the request's TID + tid-offset; a strict
    controller refuses it; off: the request's TID."""
    await fx.start()
    c = await fx.connect()
    await fx.quirk("ble-wrong-tid", tid_offset=5)
    r = await c.transaction(c.char(ON), pdu.SIGNATURE_READ, tid=0x30, check_tid=False)
    expect_eq((r.fragments[0][:3], r.status), (bytes((0x02, 0x35, 0x00)), pdu.SUCCESS), "response TID 0x30 + 5")
    try:
        await c.transaction(c.char(ON), pdu.SIGNATURE_READ, tid=0xFE)
    except pdu.PduError as error:
        expect("TID 0x03" in str(error), "0xFE + 5 wraps to 0x03: %s" % error)
    else:
        raise AssertionError("a response with another TID was taken")
    await fx.quirk("ble-wrong-tid", "off")
    r = await c.transaction(c.char(ON), pdu.SIGNATURE_READ, tid=0x31)
    expect_eq(r.fragments[0][:3], bytes((0x02, 0x31, 0x00)), "off: the request's TID")


@case("quirks")
async def unfragmented(fx):
    """ble-unfragmented: the 700-byte Blob's read response (711 bytes plaintext, 727
    sealed) goes out as one GATT value, which ATT cuts at 512 bytes: the controller reads
    512 bytes that do not authenticate. Conforming (and off): 2 fragments of ≤ 512."""
    await fx.start()
    c = await fx.paired()
    expected = tlv8.encode([(pdu.PARAM_VALUE, bytes((i * 7 + 3) & 0xFF for i in range(700)))])
    r = await c.read(BLOB)
    expect_eq((r.status, r.body, [len(f) for f in r.fragments]), (pdu.SUCCESS, expected, [496, 217]),
              "conforming: two fragments (496 + 16 = 512 bytes sealed, then the rest)")

    await fx.quirk("ble-unfragmented")
    r = await c.read(ON)
    expect_eq((r.status, len(r.fragments)), (pdu.SUCCESS, 1), "a short response is one fragment anyway")
    blob = c.char(BLOB)
    await c.send_request(blob, pdu.READ)
    value = await c.gatt_read(blob)
    expect_eq(len(value), 512, "one GATT value, cut by ATT")
    try:
        c.session.read.open(value)
    except Exception:
        pass
    else:
        raise AssertionError("a truncated sealed fragment authenticated")
    trace = [json.loads(line) for line in (await fx.ctl("trace", fx.acc.device_id)).splitlines()]
    responses = [e for e in trace if e.get("transport") == "ble" and e.get("kind") == "response" and
                 e.get("iid") == BLOB]
    expect(responses and responses[-1].get("unfragmented") is True, "the trace says unfragmented: %r" % responses[-1:])

    await c.disconnect()
    await fx.quirk("ble-unfragmented", "off")
    await fx.reconnect(c)
    await c.pair_verify()
    r = await c.read(BLOB)
    expect_eq((r.body, len(r.fragments)), (expected, 2), "off: fragmented again")


@case("quirks")
async def drop_on_request(fx):
    """ble-drop-on-request: the 2nd request of the secured session drops the link,
    unanswered; off: any number of requests."""
    await fx.start()
    await fx.quirk("ble-drop-on-request", requests=2)
    c = await fx.paired()
    expect_eq((await c.read(ON)).status, pdu.SUCCESS, "the first request")
    expect_eq(await dropped_after(c, lambda: asyncio.wait_for(c.read(ON), 5)), True, "dropped at the second")
    await fx.quirk("ble-drop-on-request", "off")
    await fx.reconnect(c)
    await c.pair_verify()
    for n in range(4):
        expect_eq((await c.read(ON)).status, pdu.SUCCESS, "off: request %d" % (n + 1))


if __name__ == "__main__":
    sys.exit(main(Fixture))
