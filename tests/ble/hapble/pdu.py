"""HAP-BLE PDUs (docs/protocol.md §5.2, §5.3, §5.7).

Request, first fragment:  control 0x00 ‖ opcode ‖ TID ‖ IID LE16 [‖ body length LE16 ‖ body]
Response, first fragment: control 0x02 ‖ TID ‖ status [‖ body length LE16 ‖ body]
Continuation:             control 0x80 (request) / 0x82 (response) ‖ TID ‖ more body
"""
import struct

# §5.2 opcodes
SIGNATURE_READ = 0x01
WRITE = 0x02
READ = 0x03
TIMED_WRITE = 0x04
EXECUTE_WRITE = 0x05
SERVICE_SIGNATURE_READ = 0x06
CHARACTERISTIC_CONFIGURATION = 0x07
PROTOCOL_CONFIGURATION = 0x08
TOKEN = 0x10
TOKEN_UPDATE = 0x11
INFO = 0x12

# §5.2 statuses
SUCCESS = 0x00
UNSUPPORTED_PDU = 0x01
MAX_PROCEDURES = 0x02
INSUFFICIENT_AUTHORIZATION = 0x03
INVALID_INSTANCE_ID = 0x04
INSUFFICIENT_AUTHENTICATION = 0x05
INVALID_REQUEST = 0x06

# §5.3 body parameters
PARAM_VALUE = 0x01
PARAM_AAD = 0x02
PARAM_ORIGIN = 0x03
PARAM_CHARACTERISTIC_TYPE = 0x04
PARAM_CHARACTERISTIC_IID = 0x05
PARAM_SERVICE_TYPE = 0x06
PARAM_SERVICE_IID = 0x07
PARAM_TTL = 0x08
PARAM_RETURN_RESPONSE = 0x09
PARAM_PROPERTIES = 0x0A
PARAM_USER_DESCRIPTION = 0x0B
PARAM_PRESENTATION_FORMAT = 0x0C
PARAM_VALID_RANGE = 0x0D
PARAM_STEP = 0x0E
PARAM_SERVICE_PROPERTIES = 0x0F
PARAM_LINKED_SERVICES = 0x10
PARAM_VALID_VALUES = 0x11
PARAM_VALID_VALUES_RANGE = 0x12

# §5.6 Characteristic Configuration and Protocol Configuration parameters
CHAR_CONFIG_PROPERTIES = 0x01
CHAR_CONFIG_INTERVAL = 0x02
PROTO_GENERATE_KEY = 0x01
PROTO_GET_ALL = 0x02
PROTO_SET_ADVERTISING_ID = 0x03
PROTO_STATE_NUMBER = 0x01
PROTO_CONFIG_NUMBER = 0x02
PROTO_ADVERTISING_ID = 0x03
PROTO_BROADCAST_KEY = 0x04

# §5.4 characteristic properties
PROP_READ_OPEN = 0x0001
PROP_WRITE_OPEN = 0x0002
PROP_AAD = 0x0004
PROP_TIMED_WRITE = 0x0008
PROP_SECURE_READ = 0x0010
PROP_SECURE_WRITE = 0x0020
PROP_HIDDEN = 0x0040
PROP_NOTIFY_CONNECTED = 0x0080
PROP_NOTIFY_DISCONNECTED = 0x0100
PROP_BROADCAST = 0x0200


class PduError(ValueError):
    pass


def request(opcode, tid, iid, body=None):
    """The whole request PDU, before fragmentation."""
    out = bytes((0x00, opcode, tid)) + struct.pack("<H", iid)
    if body is not None:
        out += struct.pack("<H", len(body)) + bytes(body)
    return out


def fragment_request(pdu, size):
    """Splits a request PDU into GATT writes of at most @size bytes (§5.7)."""
    if size < 7:
        raise ValueError("fragments this small cannot carry a header")
    tid = pdu[2]
    fragments = [pdu[:size]]
    rest = pdu[size:]
    while rest:
        fragments.append(bytes((0x80, tid)) + rest[:size - 2])
        rest = rest[size - 2:]
    return fragments


class Response:
    def __init__(self, tid, status, body, fragments):
        self.tid = tid
        self.status = status
        self.body = body              # None when the response has no body
        self.fragments = fragments    # the plaintext fragments as read

    def __repr__(self):
        return "Response(tid=0x%02x, status=%d, body=%s)" % (
            self.tid, self.status, None if self.body is None else self.body.hex())


class ResponseAssembler:
    """Feeds response fragments; done once the body is whole. Strict about every byte:
    a tests' oracle, not a tolerant client."""

    def __init__(self, expected_tid=None):
        self.expected_tid = expected_tid
        self.fragments = []
        self.tid = None
        self.status = None
        self.body_len = None
        self.body = bytearray()
        self.done = False

    def feed(self, fragment):
        fragment = bytes(fragment)
        self.fragments.append(fragment)
        if self.done:
            raise PduError("a fragment after the response was complete")
        if not self.fragments[1:]:
            if len(fragment) < 3:
                raise PduError("response shorter than its header: %s" % fragment.hex())
            if fragment[0] != 0x02:
                raise PduError("first response fragment with control 0x%02x" % fragment[0])
            self.tid, self.status = fragment[1], fragment[2]
            if self.expected_tid is not None and self.tid != self.expected_tid:
                raise PduError("response TID 0x%02x, request TID 0x%02x" % (self.tid, self.expected_tid))
            if len(fragment) == 3:
                self.done = True
                return True
            if len(fragment) < 5:
                raise PduError("response with a partial body length: %s" % fragment.hex())
            self.body_len = struct.unpack_from("<H", fragment, 3)[0]
            self.body += fragment[5:]
        else:
            if len(fragment) < 2 or fragment[0] != 0x82:
                raise PduError("continuation fragment %s" % fragment.hex())
            if fragment[1] != self.tid:
                raise PduError("continuation TID 0x%02x, response TID 0x%02x" % (fragment[1], self.tid))
            self.body += fragment[2:]
        if len(self.body) > self.body_len:
            raise PduError("response body of %d bytes, %d declared" % (len(self.body), self.body_len))
        self.done = len(self.body) == self.body_len
        return self.done

    def response(self):
        body = None if self.body_len is None else bytes(self.body)
        return Response(self.tid, self.status, body, self.fragments)


# §5.5: BT SIG presentation format codes and the binary value of each HAP format.
FORMATS = {
    "bool": (0x01, "<B"), "uint8": (0x04, "<B"), "uint16": (0x06, "<H"), "uint32": (0x08, "<I"),
    "uint64": (0x0A, "<Q"), "int": (0x10, "<i"), "float": (0x14, "<f"), "string": (0x19, None),
    "tlv8": (0x1B, None), "data": (0x1B, None),
}
UNITS = {None: 0x2700, "celsius": 0x272F, "arcdegrees": 0x2763, "percentage": 0x27AD, "lux": 0x2731,
         "seconds": 0x2703}


def encode_value(fmt, value):
    code, packing = FORMATS[fmt]
    if packing is None:
        return value.encode() if isinstance(value, str) else bytes(value)
    return struct.pack(packing, value)


def decode_value(fmt, data):
    code, packing = FORMATS[fmt]
    if packing is None:
        return data.decode() if fmt == "string" else bytes(data)
    if len(data) != struct.calcsize(packing):
        raise PduError("%s value of %d bytes" % (fmt, len(data)))
    return struct.unpack(packing, data)[0]


def presentation_format(fmt, unit=None):
    """§5.3 param 0x0C: format, exponent 0, unit LE16, namespace 1, description 0."""
    return struct.pack("<BbHBH", FORMATS[fmt][0], 0, UNITS[unit], 1, 0)
