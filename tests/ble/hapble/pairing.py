"""Controller side of Pair Setup, Pair Verify, Pair Resume and pairings management
(docs/protocol.md §1.2–§1.4, §2.2–§2.3, §3.1–§3.5). Only message bytes in and out: the
transport (BLE writes to 4C/4E/50) is the caller's."""
import uuid

from . import crypto, srp, tlv8

# §1.2
T_METHOD, T_IDENTIFIER, T_SALT, T_PUBLIC_KEY, T_PROOF, T_ENCRYPTED_DATA = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05
T_STATE, T_ERROR, T_RETRY_DELAY, T_CERTIFICATE, T_SIGNATURE, T_PERMISSIONS = 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B
T_SESSION_ID, T_FLAGS, T_SEPARATOR = 0x0E, 0x13, 0xFF
# §1.3
M_PAIR_SETUP, M_PAIR_VERIFY, M_ADD, M_REMOVE, M_LIST, M_RESUME = 0, 2, 3, 4, 5, 6
# §1.4
E_UNKNOWN, E_AUTHENTICATION, E_BACKOFF, E_MAX_PEERS, E_MAX_TRIES, E_UNAVAILABLE, E_BUSY = 1, 2, 3, 4, 5, 6, 7


class PairingError(Exception):
    def __init__(self, state, code, message=""):
        super().__init__("pairing error %s in state %s %s" % (code, state, message))
        self.state = state
        self.code = code


def _expect(message, state):
    items = tlv8.to_dict(message)
    got = items.get(T_STATE)
    if got != bytes((state,)):
        raise PairingError(got, None, "expected State=%d in %s" % (state, message.hex()))
    if T_ERROR in items:
        raise PairingError(state, items[T_ERROR][0])
    return items


class Controller:
    """A controller's long-term identity and what it learnt about one accessory."""

    def __init__(self, identifier=None):
        self.identifier = (identifier or str(uuid.uuid4()).upper()).encode()
        self.ltsk = crypto.ed25519_new()
        self.ltpk = crypto.ed25519_public_bytes(self.ltsk)
        self.accessory_id = None
        self.accessory_ltpk = None


class PairSetup:
    """M1…M6 with the setup code (Method 0, no flags)."""

    def __init__(self, controller, setup_code):
        self.controller = controller
        self.srp = srp.SrpClient(setup_code)
        self.key = None

    def m1(self):
        return tlv8.encode([(T_STATE, 1), (T_METHOD, M_PAIR_SETUP)])

    def m3(self, m2):
        items = _expect(m2, 2)
        proof = self.srp.process_challenge(items[T_SALT], items[T_PUBLIC_KEY])
        return tlv8.encode([(T_STATE, 3), (T_PUBLIC_KEY, self.srp.public_key()), (T_PROOF, proof)])

    def m5(self, m4):
        items = _expect(m4, 4)
        if not self.srp.verify_server(items.get(T_PROOF, b"")):
            raise PairingError(4, None, "the accessory's SRP proof is wrong")
        K = self.srp.K
        self.key = crypto.hkdf(K, "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info")
        x = crypto.hkdf(K, "Pair-Setup-Controller-Sign-Salt", "Pair-Setup-Controller-Sign-Info")
        c = self.controller
        signature = c.ltsk.sign(x + c.identifier + c.ltpk)
        sub = tlv8.encode([(T_IDENTIFIER, c.identifier), (T_PUBLIC_KEY, c.ltpk), (T_SIGNATURE, signature)])
        return tlv8.encode([(T_STATE, 5), (T_ENCRYPTED_DATA, crypto.seal(self.key, "PS-Msg05", sub))])

    def finish(self, m6):
        items = _expect(m6, 6)
        sub = tlv8.to_dict(crypto.open_(self.key, "PS-Msg06", items[T_ENCRYPTED_DATA]))
        x = crypto.hkdf(self.srp.K, "Pair-Setup-Accessory-Sign-Salt", "Pair-Setup-Accessory-Sign-Info")
        if not crypto.ed25519_verify(sub[T_PUBLIC_KEY], sub[T_SIGNATURE], x + sub[T_IDENTIFIER] + sub[T_PUBLIC_KEY]):
            raise PairingError(6, None, "the accessory's M6 signature is wrong")
        self.controller.accessory_id = sub[T_IDENTIFIER]
        self.controller.accessory_ltpk = sub[T_PUBLIC_KEY]


class SessionKeys:
    """What a verified (or resumed) session has: the shared secret, both ciphers, and the
    Session ID a later Pair Resume presents (§3.2, §3.4)."""

    def __init__(self, shared, session_id):
        self.shared = shared
        self.session_id = session_id
        self.read = crypto.SessionCipher(crypto.hkdf(shared, "Control-Salt", "Control-Read-Encryption-Key"))
        self.write = crypto.SessionCipher(crypto.hkdf(shared, "Control-Salt", "Control-Write-Encryption-Key"))


def verify_session_id(shared):
    return crypto.hkdf(shared, "Pair-Verify-ResumeSessionID-Salt", "Pair-Verify-ResumeSessionID-Info", 8)


class PairVerify:
    """M1…M4 (§3.1). @ephemeral may be given (a Pair Resume that fell back)."""

    def __init__(self, controller, ephemeral=None):
        self.controller = controller
        self.ephemeral = ephemeral or crypto.x25519_new()
        self.public = crypto.x25519_public_bytes(self.ephemeral)
        self.shared = None

    def m1(self):
        return tlv8.encode([(T_STATE, 1), (T_PUBLIC_KEY, self.public)])

    def m3(self, m2):
        items = _expect(m2, 2)
        accessory_public = items[T_PUBLIC_KEY]
        self.shared = crypto.x25519_shared(self.ephemeral, accessory_public)
        self.key = crypto.hkdf(self.shared, "Pair-Verify-Encrypt-Salt", "Pair-Verify-Encrypt-Info")
        sub = tlv8.to_dict(crypto.open_(self.key, "PV-Msg02", items[T_ENCRYPTED_DATA]))
        c = self.controller
        if sub[T_IDENTIFIER] != c.accessory_id:
            raise PairingError(2, None, "M2 from %r, paired with %r" % (sub[T_IDENTIFIER], c.accessory_id))
        if not crypto.ed25519_verify(c.accessory_ltpk, sub[T_SIGNATURE], accessory_public + sub[T_IDENTIFIER] + self.public):
            raise PairingError(2, None, "the accessory's M2 signature is wrong")
        signature = c.ltsk.sign(self.public + c.identifier + accessory_public)
        inner = tlv8.encode([(T_IDENTIFIER, c.identifier), (T_SIGNATURE, signature)])
        return tlv8.encode([(T_STATE, 3), (T_ENCRYPTED_DATA, crypto.seal(self.key, "PV-Msg03", inner))])

    def finish(self, m4):
        _expect(m4, 4)
        return SessionKeys(self.shared, verify_session_id(self.shared))


class PairResume:
    """Method 6 (§3.4): M1 with the previous session's ID; M2 either resumes (Method 6 and
    a new Session ID) or is a plain Pair Verify M2 when the accessory did not know the ID."""

    def __init__(self, controller, previous):
        self.controller = controller
        self.previous = previous
        self.ephemeral = crypto.x25519_new()
        self.public = crypto.x25519_public_bytes(self.ephemeral)
        self.fallback = None

    def m1(self):
        prev = self.previous
        key = crypto.hkdf(prev.shared, self.public + prev.session_id, "Pair-Resume-Request-Info")
        tag = crypto.seal(key, "PR-Msg01", b"")
        return tlv8.encode([(T_STATE, 1), (T_METHOD, M_RESUME), (T_PUBLIC_KEY, self.public),
                            (T_SESSION_ID, prev.session_id), (T_ENCRYPTED_DATA, tag)])

    def is_resumed(self, m2):
        items = tlv8.to_dict(m2)
        return items.get(T_METHOD) == bytes((M_RESUME,))

    def finish(self, m2):
        """SessionKeys when resumed; raises PairingError on an error TLV."""
        items = _expect(m2, 2)
        new_id = items[T_SESSION_ID]
        if len(new_id) != 8:
            raise PairingError(2, None, "Session ID of %d bytes" % len(new_id))
        salt = self.public + new_id
        key = crypto.hkdf(self.previous.shared, salt, "Pair-Resume-Response-Info")
        if crypto.open_(key, "PR-Msg02", items[T_ENCRYPTED_DATA]) != b"":
            raise PairingError(2, None, "PR-Msg02 carries data")
        shared = crypto.hkdf(self.previous.shared, salt, "Pair-Resume-Shared-Secret-Info")
        return SessionKeys(shared, new_id)

    def fallback_m3(self, m2):
        """The accessory answered with a full Pair Verify M2: go on with our key."""
        self.fallback = PairVerify(self.controller, self.ephemeral)
        return self.fallback.m3(m2)


def add_pairing(identifier, public_key, admin):
    return tlv8.encode([(T_STATE, 1), (T_METHOD, M_ADD), (T_IDENTIFIER, identifier),
                        (T_PUBLIC_KEY, public_key), (T_PERMISSIONS, 1 if admin else 0)])


def remove_pairing(identifier):
    return tlv8.encode([(T_STATE, 1), (T_METHOD, M_REMOVE), (T_IDENTIFIER, identifier)])


def list_pairings():
    return tlv8.encode([(T_STATE, 1), (T_METHOD, M_LIST)])


def parse_pairings_list(m2):
    """[(identifier, ltpk, permissions)] from a List Pairings M2 (records separated by 0xFF)."""
    items = tlv8.decode(m2)
    if not items or items[0] != (T_STATE, b"\x02"):
        raise PairingError(None, None, "list response %s" % m2.hex())
    records, current = [], {}
    for tlv_type, value in items[1:]:
        if tlv_type == T_ERROR:
            raise PairingError(2, value[0])
        if tlv_type == T_SEPARATOR:
            records.append(current)
            current = {}
        else:
            current[tlv_type] = value
    if current:
        records.append(current)
    return [(r[T_IDENTIFIER], r[T_PUBLIC_KEY], r[T_PERMISSIONS][0]) for r in records]
