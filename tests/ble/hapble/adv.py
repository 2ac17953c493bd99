"""The two HAP-BLE advertisements as manufacturer data of company 0x004C (Apple):
regular (docs/protocol.md §5.9) and encrypted notification (§5.10). @payload here is
what follows the company id."""
import hashlib
import struct

from . import crypto

APPLE = 0x004C


class Regular:
    def __init__(self, payload):
        payload = bytes(payload)
        self.payload = payload
        if len(payload) not in (15, 19):
            raise ValueError("regular advertisement of %d bytes: %s" % (len(payload), payload.hex()))
        self.type = payload[0]
        self.stl = payload[1]
        self.status_flags = payload[2]
        self.device_id = payload[3:9]
        self.category, self.gsn = struct.unpack_from("<HH", payload, 9)
        self.config_number = payload[13]
        self.compatible_version = payload[14]
        self.setup_hash = payload[15:19] if len(payload) == 19 else None

    @property
    def paired(self):
        return not (self.status_flags & 0x01)


def device_id_bytes(device_id):
    """"AA:BB:CC:DD:EE:FF" as its 6 bytes."""
    return bytes.fromhex(device_id.replace(":", ""))


def setup_hash(setup_id, device_id):
    """§2.4: the first 4 bytes of SHA-512(Setup ID ‖ Device ID string)."""
    return hashlib.sha512(setup_id.encode() + device_id.encode()).digest()[:4]


def setup_payload_fields(payload):
    """§2.4: X-HM:// + 9 base-36 digits + Setup ID → dict."""
    if not payload.startswith("X-HM://") or len(payload) != 20:
        raise ValueError(payload)
    value = int(payload[7:16], 36)
    return {"code": value & ((1 << 27) - 1), "paired": bool(value >> 27 & 1), "ip": bool(value >> 28 & 1),
            "ble": bool(value >> 29 & 1), "category": value >> 31 & 0xFF, "setup_id": payload[16:]}


class EncryptedNotification:
    def __init__(self, payload):
        payload = bytes(payload)
        if len(payload) != 24:
            raise ValueError("encrypted notification of %d bytes: %s" % (len(payload), payload.hex()))
        self.payload = payload
        self.type = payload[0]
        self.stl = payload[1]
        self.advertising_id = payload[2:8]
        self.ciphertext = payload[8:20]
        self.tag = payload[20:24]

    def decrypt(self, key, gsn_candidates):
        """(gsn, iid, value 8 bytes) for the GSN whose nonce makes the 4-byte tag match
        (AAD = the advertising identifier) and whose plaintext starts with that GSN; None
        when none does."""
        for gsn in gsn_candidates:
            plain = crypto.chacha20_xor(key, gsn, self.ciphertext)
            sealed = crypto.seal(key, gsn, plain, aad=self.advertising_id)
            if sealed[12:16] == self.tag and struct.unpack_from("<H", plain)[0] == gsn:
                return gsn, struct.unpack_from("<H", plain, 2)[0], plain[4:12]
        return None


def parse(payload):
    payload = bytes(payload)
    if payload[:1] == b"\x06":
        return Regular(payload)
    if payload[:1] == b"\x11":
        return EncryptedNotification(payload)
    raise ValueError("not a HAP advertisement: %s" % payload.hex())
