#!/usr/bin/env python3
"""One line per HCI command, event and ATT PDU of a run-in-vm.sh --btmon trace.

    hci-summary.py SHARE/hapvm/hci.btsnoop [--index 0,2] [--verbose]

btmon 5.66 (`btmon -r`) segfaults on these traces at the first ATT Read By Type Request
(characteristic discovery) of a HAP accessory's GATT database, so this reads the btsnoop
file itself (monitor format, datalink 2001): connections, disconnections with their
reasons, advertising data and reports, and every ATT PDU with its handle and value in hex,
ACL fragments reassembled. Only the Python standard library is used.
"""
import argparse
import struct
import sys

COMMANDS = {
    0x0406: "Disconnect", 0x2002: "LE Read Buffer Size", 0x2006: "LE Set Adv Params",
    0x2008: "LE Set Adv Data", 0x2009: "LE Set Scan Rsp Data", 0x200A: "LE Set Adv Enable",
    0x200B: "LE Set Scan Params", 0x200C: "LE Set Scan Enable", 0x200D: "LE Create Connection",
    0x200E: "LE Create Connection Cancel", 0x2013: "LE Connection Update",
    0x2016: "LE Read Remote Features", 0x2020: "LE Remote Conn Param Reply",
    0x2036: "LE Set Ext Adv Params", 0x2037: "LE Set Ext Adv Data", 0x2039: "LE Set Ext Adv Enable",
}
ATT = {
    0x01: "Error Response", 0x02: "Exchange MTU Request", 0x03: "Exchange MTU Response",
    0x04: "Find Information Request", 0x05: "Find Information Response",
    0x08: "Read By Type Request", 0x09: "Read By Type Response", 0x0A: "Read Request",
    0x0B: "Read Response", 0x0C: "Read Blob Request", 0x0D: "Read Blob Response",
    0x10: "Read By Group Type Request", 0x11: "Read By Group Type Response",
    0x12: "Write Request", 0x13: "Write Response", 0x16: "Prepare Write Request",
    0x17: "Prepare Write Response", 0x18: "Execute Write Request", 0x19: "Execute Write Response",
    0x1B: "Notification", 0x1D: "Indication", 0x1E: "Confirmation", 0x52: "Write Command",
}
HANDLE_FIRST = {0x0A, 0x0C, 0x12, 0x16, 0x17, 0x1B, 0x1D, 0x52}   # opcode, handle, ...
DISCOVERY = {0x04, 0x05, 0x08, 0x09, 0x10, 0x11}           # shown with --verbose only


def le16(data, at=0):
    return struct.unpack_from("<H", data, at)[0]


def address(data):
    return ":".join(f"{b:02x}" for b in reversed(data[:6]))


def command(payload):
    opcode, args = le16(payload), payload[3:]
    text = COMMANDS.get(opcode, f"opcode 0x{opcode:04x}")
    if opcode in (0x200A, 0x200C, 0x2039) and args:
        text += f" enable={args[0]}"
    elif opcode == 0x0406 and len(args) >= 3:
        text += f" handle={le16(args)} reason=0x{args[2]:02x}"
    elif opcode in (0x2008, 0x2009) and args:
        text += " " + args[1:1 + args[0]].hex()
    elif opcode == 0x200D and len(args) >= 12:
        text += f" peer={address(args[6:12])}"
    return text


def event(payload, verbose):
    code, args = payload[0], payload[2:]
    if code == 0x0E and len(args) >= 4:
        opcode, status = le16(args, 1), args[3]
        if status == 0 and opcode not in COMMANDS and not verbose:
            return None
        return f"Command Complete {COMMANDS.get(opcode, hex(opcode))} status=0x{status:02x}"
    if code == 0x0F and len(args) >= 4:
        return f"Command Status {COMMANDS.get(le16(args, 2), hex(le16(args, 2)))} status=0x{args[0]:02x}"
    if code == 0x05 and len(args) >= 4:
        return f"Disconnection Complete handle={le16(args, 1)} reason=0x{args[3]:02x}"
    if code == 0x13:
        return None   # Number of Completed Packets
    if code == 0x3E and args:
        sub = args[0]
        if sub == 0x01 and len(args) >= 12:
            role = "central" if args[4] == 0 else "peripheral"
            return (f"LE Connection Complete status=0x{args[1]:02x} handle={le16(args, 2)} "
                    f"{role} peer={address(args[6:12])}")
        if sub == 0x02:
            lines, at = [], 2
            for _ in range(args[1]):
                kind, peer, length = args[at], address(args[at + 2:at + 8]), args[at + 8]
                lines.append(f"LE Advertising Report type={kind} {peer} {args[at + 9:at + 9 + length].hex()}")
                at += 10 + length
            return "\n".join(lines)
        return f"LE Meta Event 0x{sub:02x}" if verbose else None
    return f"Event 0x{code:02x}"


def att(pdu, verbose):
    if not pdu:
        return "ATT (empty)"
    opcode, rest = pdu[0], pdu[1:]
    if opcode in DISCOVERY and not verbose:
        return None
    name = ATT.get(opcode, f"ATT opcode 0x{opcode:02x}")
    if opcode in HANDLE_FIRST and len(rest) >= 2:
        return f"ATT {name} 0x{le16(rest):04x} {rest[2:].hex()}".rstrip()
    if opcode == 0x01 and len(rest) >= 4:
        return f"ATT {name} to 0x{rest[0]:02x} handle=0x{le16(rest, 1):04x} error=0x{rest[3]:02x}"
    return f"ATT {name} {rest.hex()}".rstrip()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trace")
    parser.add_argument("--index", help="controllers to show, e.g. 0,2 (default: all)")
    parser.add_argument("--verbose", action="store_true", help="also GATT discovery and every command")
    opts = parser.parse_args()
    indexes = {int(i) for i in opts.index.split(",")} if opts.index else None

    data = open(opts.trace, "rb").read()
    if data[:8] != b"btsnoop\0" or struct.unpack_from(">I", data, 12)[0] != 2001:
        sys.exit(f"{opts.trace}: not a btmon (monitor format) btsnoop file")
    partial = {}   # (index, direction, handle) -> [expected L2CAP length, bytes so far]
    at, first = 16, None
    while at + 24 <= len(data):
        _, length, flags, _, stamp = struct.unpack_from(">IIIIq", data, at)
        payload = data[at + 24:at + 24 + length]
        at += 24 + length
        index, opcode = flags >> 16, flags & 0xFFFF
        if indexes is not None and index not in indexes:
            continue
        first = stamp if first is None else first
        prefix = f"{(stamp - first) / 1e6:10.3f} hci{index}"
        text = None
        if opcode == 2:
            text = "> " + command(payload)
        elif opcode == 3:
            summary = event(payload, opts.verbose)
            text = None if summary is None else "\n".join("< " + s for s in summary.split("\n"))
        elif opcode in (4, 5) and len(payload) >= 4:
            direction = ">" if opcode == 4 else "<"
            handle, boundary = le16(payload) & 0x0FFF, (le16(payload) >> 12) & 0x3
            key = (index, direction, handle)
            if boundary != 0x1:      # a start: L2CAP length, CID, then the first bytes
                partial[key] = [le16(payload, 4) + 4 if len(payload) >= 6 else 0, payload[4:]]
            elif key in partial:
                partial[key][1] += payload[4:]
            else:
                continue
            expected, sdu = partial[key]
            if len(sdu) < expected:
                continue
            del partial[key]
            cid = le16(sdu, 2)
            text = (att(sdu[4:], opts.verbose) if cid == 4 else f"L2CAP cid=0x{cid:04x} {sdu[4:].hex()}")
            text = None if text is None else f"{direction} handle={handle} {text}"
        elif opcode in (0, 1):
            text = "controller added" if opcode == 0 else "controller removed"
        if text:
            for line in text.split("\n"):
                print(prefix, line)


if __name__ == "__main__":
    main()
