"""A HAP-BLE controller over python3-bleak (BlueZ's GATT client API).

Transactions follow docs/protocol.md §5.7: the request PDU is written in fragments of at
most fragment_size bytes (GATT Write Requests), then the response is read fragment by
fragment until its body is whole. Once a session is secured every fragment, either way,
is one AEAD record with its own nonce (§5.8)."""
import asyncio
import random
import struct

from bleak import BleakClient, BleakScanner

from . import adv, crypto, pairing, pdu, tlv8

SERVICE_IID_UUID = "e604e95d-a759-4817-87d3-aa005083a0d1"
CHARACTERISTIC_IID_UUID = "dc46f0fe-81d2-4616-b5d9-6abdd796939a"
CCC_UUID = "00002902-0000-1000-8000-00805f9b34fb"
HAP_BASE = "-0000-1000-8000-0026bb765291"


def hap_uuid(short):
    """"25" → the 128-bit HAP UUID string, lowercase like bleak's."""
    return ("%08x" % int(short, 16)) + HAP_BASE if len(short) <= 8 else short.lower()


def uuid_le_bytes(uuid):
    """§5.3: a UUID in a PDU body is its 16 bytes in little-endian order."""
    return bytes.fromhex(uuid.replace("-", ""))[::-1]


class GattCharacteristic:
    def __init__(self, bleak_char, iid, service):
        self.bleak = bleak_char
        self.uuid = bleak_char.uuid
        self.iid = iid
        self.service = service

    def __repr__(self):
        return "<char %s iid %d>" % (self.uuid[:8], self.iid)


class GattService:
    def __init__(self, bleak_service, iid):
        self.bleak = bleak_service
        self.uuid = bleak_service.uuid
        self.iid = iid
        self.characteristics = []
        self.iid_characteristic = None   # the Service Instance ID characteristic

    def find(self, short):
        for ch in self.characteristics:
            if ch.uuid == hap_uuid(short):
                return ch
        return None


class LinkDropped(Exception):
    pass


async def find_accessory(adapter, device_id=None, timeout=10.0):
    """(BLEDevice, manufacturer payload) of the first HAP accessory advertising (with
    @device_id, "AA:BB:…", when given) seen from @adapter."""
    wanted = adv.device_id_bytes(device_id) if device_id else None
    found = asyncio.get_running_loop().create_future()

    def on_detect(device, data):
        payload = data.manufacturer_data.get(adv.APPLE)
        if payload is None or found.done():
            return
        if payload[:1] == b"\x06" and (wanted is None or payload[3:9] == wanted):
            found.set_result((device, bytes(payload)))

    scanner = BleakScanner(detection_callback=on_detect, adapter=adapter)
    await scanner.start()
    try:
        return await asyncio.wait_for(found, timeout)
    finally:
        await scanner.stop()


class AdvertisementWatch:
    """Every Apple manufacturer payload @adapter sees from @address while it runs."""

    def __init__(self, adapter, address):
        self.adapter = adapter
        self.address = address
        self.payloads = []
        self.changed = asyncio.Event()
        self.scanner = BleakScanner(detection_callback=self._on_detect, adapter=adapter)

    def _on_detect(self, device, data):
        if device.address != self.address:
            return
        payload = data.manufacturer_data.get(adv.APPLE)
        if payload is not None:
            self.payloads.append(bytes(payload))
            self.changed.set()

    async def __aenter__(self):
        await self.scanner.start()
        return self

    async def __aexit__(self, *exc):
        await self.scanner.stop()

    async def wait_for(self, predicate, timeout, after=0):
        """The first payload for which @predicate holds, among those seen from index
        @after on (earlier ones included by default) or later; its index is left in
        self.index."""
        deadline = asyncio.get_running_loop().time() + timeout
        seen = after
        while True:
            for i, payload in enumerate(self.payloads[seen:], seen):
                if predicate(payload):
                    self.index = i
                    return payload
            seen = len(self.payloads)
            self.changed.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise asyncio.TimeoutError("no matching advertisement; saw %s"
                                           % [p.hex() for p in self.payloads[-5:]])
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass


class HapBleClient:
    def __init__(self, adapter, controller=None, fragment_size=512):
        self.adapter = adapter
        self.controller = controller or pairing.Controller()
        self.fragment_size = fragment_size
        self.client = None
        self.session = None           # pairing.SessionKeys once verified
        self.last_session = None      # for Pair Resume after a reconnection
        self.services = {}            # service iid → GattService
        self.services_without_iid = []
        self.characteristics = {}     # characteristic iid → GattCharacteristic
        self.dropped = asyncio.Event()
        self.indications = {}         # characteristic iid → asyncio.Queue of values
        self._read_values = {}        # characteristic iid → the values GATT reads returned
        self._other_values = {}       # characteristic iid → non-empty values seen as notifications
        self._tid = random.randrange(1, 255)

    # ---- connection -------------------------------------------------------------------

    async def connect(self, device, timeout=10.0):
        self.dropped.clear()
        self.session = None
        self.client = BleakClient(device, adapter=self.adapter,
                                  disconnected_callback=lambda _: self.dropped.set(), timeout=timeout)
        await self.client.connect()
        await self.discover()
        return self

    async def disconnect(self):
        if self.client is not None and self.client.is_connected:
            await self.client.disconnect()
        if self.session is not None:
            self.last_session = self.session
        self.session = None

    @property
    def connected(self):
        return self.client is not None and self.client.is_connected and not self.dropped.is_set()

    async def wait_dropped(self, timeout):
        """True when the link went down within @timeout seconds."""
        try:
            await asyncio.wait_for(self.dropped.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        if self.session is not None:
            self.last_session = self.session
            self.session = None
        return True

    async def discover(self):
        """Reads every Service Instance ID characteristic and Characteristic Instance ID
        descriptor (§5.1) into the iid maps. A HAP service without the Service Instance ID
        characteristic (a quirk) goes to services_without_iid, its iid None."""
        self.services.clear()
        self.services_without_iid = []
        self.characteristics.clear()
        for bleak_service in self.client.services:
            if not bleak_service.uuid.endswith(HAP_BASE) and not any(
                    c.uuid == SERVICE_IID_UUID for c in bleak_service.characteristics):
                continue
            iid_chars = [c for c in bleak_service.characteristics if c.uuid == SERVICE_IID_UUID]
            if iid_chars:
                service_iid = struct.unpack("<H", await self.client.read_gatt_char(iid_chars[0]))[0]
                service = GattService(bleak_service, service_iid)
                service.iid_characteristic = iid_chars[0]
                self.services[service_iid] = service
            else:
                service = GattService(bleak_service, None)
                self.services_without_iid.append(service)
            for bleak_char in bleak_service.characteristics:
                if bleak_char.uuid == SERVICE_IID_UUID:
                    continue
                descriptors = [d for d in bleak_char.descriptors if d.uuid == CHARACTERISTIC_IID_UUID]
                iid = struct.unpack("<H", await self.client.read_gatt_descriptor(descriptors[0].handle))[0]
                ch = GattCharacteristic(bleak_char, iid, service)
                service.characteristics.append(ch)
                self.characteristics[iid] = ch

    def service(self, short):
        for service in self.services.values():
            if service.uuid == hap_uuid(short):
                return service
        raise KeyError(short)

    def char(self, key, service=None):
        """By iid (int) or by short type ("4C"), optionally within a service type."""
        if isinstance(key, int):
            return self.characteristics[key]
        for ch in self.characteristics.values():
            if ch.uuid == hap_uuid(key) and (service is None or ch.service.uuid == hap_uuid(service)):
                return ch
        raise KeyError(key)

    # ---- raw GATT ---------------------------------------------------------------------

    async def gatt_write(self, ch, data):
        await self.client.write_gatt_char(ch.bleak, bytes(data), response=True)

    async def gatt_read(self, ch):
        value = bytes(await self.client.read_gatt_char(ch.bleak))
        # BlueZ sets the characteristic's Value after a read, and bleak reports that as a
        # notification when subscribed: remember what reads returned (see subscribe).
        self._read_values.setdefault(ch.iid, []).append(value)
        return value

    def next_tid(self):
        self._tid = self._tid % 254 + 1
        return self._tid

    # ---- transactions (§5.7) ----------------------------------------------------------

    def plain_fragment_size(self):
        return self.fragment_size - (crypto.TAG_LEN if self.session else 0)

    async def write_fragment(self, ch, plaintext):
        data = self.session.write.seal(plaintext) if self.session else plaintext
        await self.gatt_write(ch, data)

    async def read_fragment(self, ch):
        data = await self.gatt_read(ch)
        return self.session.read.open(data) if self.session else data

    async def read_response(self, ch, tid):
        assembler = pdu.ResponseAssembler(tid)
        while not assembler.feed(await self.read_fragment(ch)):
            pass
        return assembler.response()

    async def send_request(self, ch, opcode, body=None, iid=None, tid=None):
        """Writes one request to @ch (the PDU's iid is @ch's unless given); its TID."""
        tid = self.next_tid() if tid is None else tid
        request = pdu.request(opcode, tid, ch.iid if iid is None else iid, body)
        for fragment in pdu.fragment_request(request, self.plain_fragment_size()):
            await self.write_fragment(ch, fragment)
        return tid

    async def transaction(self, ch, opcode, body=None, iid=None, tid=None, check_tid=True):
        """One request and its response on @ch; the PDU's iid is @ch's unless given.
        Without @check_tid a response with another TID is taken as it comes (its tid
        says which)."""
        tid = await self.send_request(ch, opcode, body, iid, tid)
        return await self.read_response(ch, tid if check_tid else None)

    async def read(self, key):
        return await self.transaction(self.char(key), pdu.READ)

    async def write(self, key, value, return_response=False, extra=()):
        items = [(pdu.PARAM_VALUE, value)] + list(extra)
        if return_response:
            items.append((pdu.PARAM_RETURN_RESPONSE, 1))
        return await self.transaction(self.char(key), pdu.WRITE, tlv8.encode(items))

    async def signature_read(self, key):
        return await self.transaction(self.char(key), pdu.SIGNATURE_READ)

    async def service_signature_read(self, service, iid=None):
        """§5.6: sent to the service's A5 with the service iid."""
        ch = service.find("A5")
        return await self.transaction(ch, pdu.SERVICE_SIGNATURE_READ, iid=service.iid if iid is None else iid)

    async def protocol_configuration(self, items):
        info = self.service("A2")
        return await self.transaction(info.find("A5"), pdu.PROTOCOL_CONFIGURATION, tlv8.encode(items),
                                      iid=info.iid)

    async def characteristic_configuration(self, key, items):
        return await self.transaction(self.char(key), pdu.CHARACTERISTIC_CONFIGURATION,
                                      tlv8.encode(items) if items is not None else None)

    # ---- pairing (§5.6 last paragraph: pairing TLVs in param 0x01 of a write) ----------

    async def pairing_exchange(self, short, message):
        """Writes a pairing message with Return-Response and gives back the reply TLV8."""
        response = await self.write(short, message, return_response=True)
        if response.status != pdu.SUCCESS:
            raise pairing.PairingError(None, None, "HAP-BLE status %d" % response.status)
        return tlv8.to_dict(response.body)[pdu.PARAM_VALUE]

    async def pairing_exchange_by_read(self, short, message):
        """The other way (§5.6): a Write without Return-Response (answered with an empty
        Success), then a Characteristic Read of the same characteristic gives the reply."""
        response = await self.write(short, message)
        if (response.status, response.body) != (pdu.SUCCESS, None):
            raise pairing.PairingError(None, None, "write answered %r" % response)
        response = await self.read(short)
        if response.status != pdu.SUCCESS:
            raise pairing.PairingError(None, None, "HAP-BLE status %d" % response.status)
        return tlv8.to_dict(response.body)[pdu.PARAM_VALUE]

    async def pair_setup(self, setup_code, by_read=False):
        exchange = self.pairing_exchange_by_read if by_read else self.pairing_exchange
        setup = pairing.PairSetup(self.controller, setup_code)
        m2 = await exchange("4C", setup.m1())
        m4 = await exchange("4C", setup.m3(m2))
        m6 = await exchange("4C", setup.m5(m4))
        setup.finish(m6)

    async def pair_verify(self, by_read=False):
        exchange = self.pairing_exchange_by_read if by_read else self.pairing_exchange
        verify = pairing.PairVerify(self.controller)
        m2 = await exchange("4E", verify.m1())
        m4 = await exchange("4E", verify.m3(m2))
        self.session = verify.finish(m4)
        return self.session

    async def pair_resume(self, previous=None):
        """True when resumed, False when the accessory fell back to a full verify (which
        this completes). Either way the session is secured afterwards."""
        resume = pairing.PairResume(self.controller, previous or self.last_session)
        m2 = await self.pairing_exchange("4E", resume.m1())
        if resume.is_resumed(m2):
            self.session = resume.finish(m2)
            return True
        m4 = await self.pairing_exchange("4E", resume.fallback_m3(m2))
        self.session = resume.fallback.finish(m4)
        return False

    async def list_pairings(self):
        return pairing.parse_pairings_list(await self.pairing_exchange("50", pairing.list_pairings()))

    async def add_pairing(self, identifier, public_key, admin):
        return tlv8.to_dict(await self.pairing_exchange("50", pairing.add_pairing(identifier, public_key, admin)))

    async def remove_pairing(self, identifier):
        return tlv8.to_dict(await self.pairing_exchange("50", pairing.remove_pairing(identifier)))

    def broadcast_key(self):
        """§2.3: HKDF(the session's shared secret, salt = our LTPK, "Broadcast-Encryption-Key")."""
        return crypto.hkdf(self.session.shared, self.controller.ltpk, "Broadcast-Encryption-Key")

    # ---- indications (§5.12) ----------------------------------------------------------

    async def subscribe(self, key):
        """A queue of the indications of @key: HAP indications are empty (§5.12). BlueZ
        also reports the Value each of our own reads fetched (bleak cannot tell them
        apart, and they may come before the read's reply): non-empty values are kept
        aside, and unexplained_values() lists those no read returned."""
        ch = self.char(key)
        queue = self.indications.setdefault(ch.iid, asyncio.Queue())

        def on_value(_, data):
            data = bytes(data)
            if data:
                self._other_values.setdefault(ch.iid, []).append(data)
            else:
                queue.put_nowait(data)
        await self.client.start_notify(ch.bleak, on_value)
        return queue

    def unexplained_values(self, key):
        """Non-empty values reported for @key that none of our reads returned: a
        non-empty indication (wrong in HAP)."""
        iid = self.char(key).iid
        reads = self._read_values.get(iid, [])
        return [v for v in self._other_values.get(iid, []) if v not in reads]

    async def unsubscribe(self, key):
        await self.client.stop_notify(self.char(key).bleak)
