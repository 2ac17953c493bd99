"""hapble — a small, independent HAP-over-BLE controller for tests.

Written from the protocol facts in docs/protocol.md (§1–§3, §5),
not from the SDK's C code, so that it catches the accessory's mistakes instead of
sharing them. Modules:

  tlv8      TLV8 items with 255-byte fragmentation (§1.1)
  crypto    HKDF-SHA-512, ChaCha20-Poly1305 with HAP's nonces (§0, §2.3)
  srp       SRP-6a over the 3072-bit group with SHA-512, client side (§2.1)
  pdu       HAP-BLE PDUs, fragmentation and reassembly (§5.2, §5.7)
  pairing   Pair Setup, Pair Verify, Pair Resume, pairings (§2.2, §3)
  adv       the regular and the encrypted-notification advertisement (§5.9, §5.10)
  client    the controller over python3-bleak: GATT map, transactions, procedures
  bench     starts a private dbus-daemon, hap-virtual-bluez and hap-simulator
"""
