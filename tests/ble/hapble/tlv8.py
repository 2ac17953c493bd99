"""TLV8 (docs/protocol.md §1.1): type, length, value; values over 255 bytes are split into
consecutive items of the same type, every one but the last exactly 255 bytes long."""


class TlvError(ValueError):
    pass


def encode(items):
    """items: iterable of (type, value) where value is bytes or a non-negative int (then
    little-endian, minimal length, at least one byte)."""
    out = bytearray()
    for tlv_type, value in items:
        if isinstance(value, int):
            value = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "little")
        value = bytes(value)
        if not value:
            out += bytes((tlv_type, 0))
            continue
        for start in range(0, len(value), 255):
            chunk = value[start:start + 255]
            out += bytes((tlv_type, len(chunk))) + chunk
    return bytes(out)


def decode(data):
    """A list of (type, value) with fragments merged. Raises TlvError on a truncated item
    or a continuation after a short fragment."""
    items = []
    pos = 0
    last_len = None
    while pos < len(data):
        if pos + 2 > len(data):
            raise TlvError("truncated TLV header at %d" % pos)
        tlv_type, length = data[pos], data[pos + 1]
        if pos + 2 + length > len(data):
            raise TlvError("TLV type 0x%02x at %d claims %d bytes, %d left"
                           % (tlv_type, pos, length, len(data) - pos - 2))
        value = bytes(data[pos + 2:pos + 2 + length])
        if items and items[-1][0] == tlv_type and last_len == 255:
            if length == 0:
                raise TlvError("empty continuation of TLV type 0x%02x" % tlv_type)
            items[-1] = (tlv_type, items[-1][1] + value)
        else:
            items.append((tlv_type, value))
        last_len = length
        pos += 2 + length
    return items


def to_dict(data_or_items):
    """The first value of each type."""
    items = decode(data_or_items) if isinstance(data_or_items, (bytes, bytearray)) else data_or_items
    out = {}
    for tlv_type, value in items:
        out.setdefault(tlv_type, value)
    return out


def le_int(value):
    return int.from_bytes(value, "little")
