"""The primitives of HAP (docs/protocol.md §0, §2.3): HKDF-SHA-512 with ASCII salt and
info, ChaCha20-Poly1305 (IETF) with 8-byte HAP nonces prefixed by four zero bytes."""
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.exceptions import InvalidSignature, InvalidTag

TAG_LEN = 16


def _b(value):
    return value.encode() if isinstance(value, str) else bytes(value)


def hkdf(ikm, salt, info, length=32):
    return HKDF(algorithm=hashes.SHA512(), length=length, salt=_b(salt), info=_b(info)).derive(bytes(ikm))


def nonce12(nonce):
    """An 8-byte HAP nonce (a string like "PS-Msg05", bytes, or a 64-bit counter) as the
    96-bit IETF nonce: 00 00 00 00 ‖ nonce (a counter little-endian)."""
    if isinstance(nonce, int):
        nonce = nonce.to_bytes(8, "little")
    nonce = _b(nonce)
    if len(nonce) != 8:
        raise ValueError("HAP nonces are 8 bytes")
    return b"\0\0\0\0" + nonce


def seal(key, nonce, plaintext, aad=b""):
    return ChaCha20Poly1305(bytes(key)).encrypt(nonce12(nonce), bytes(plaintext), bytes(aad) or None)


def open_(key, nonce, ciphertext, aad=b""):
    """Raises cryptography's InvalidTag when the tag does not match."""
    return ChaCha20Poly1305(bytes(key)).decrypt(nonce12(nonce), bytes(ciphertext), bytes(aad) or None)


def chacha20_xor(key, nonce, data, block_counter=1):
    """The raw ChaCha20 stream (RFC 8439 §2.4) starting at @block_counter, as the AEAD uses
    it for the plaintext (block 0 makes the Poly1305 key)."""
    full_nonce = block_counter.to_bytes(4, "little") + nonce12(nonce)
    encryptor = Cipher(algorithms.ChaCha20(bytes(key), full_nonce), mode=None).encryptor()
    return encryptor.update(bytes(data)) + encryptor.finalize()


class SessionCipher:
    """One direction of a secured HAP session: a key and a 64-bit counter from 0,
    incremented after every AEAD operation (§3.2)."""

    def __init__(self, key):
        self.key = bytes(key)
        self.counter = 0

    def seal(self, plaintext):
        out = seal(self.key, self.counter, plaintext)
        self.counter += 1
        return out

    def open(self, ciphertext):
        out = open_(self.key, self.counter, ciphertext)
        self.counter += 1
        return out


def x25519_new():
    return x25519.X25519PrivateKey.generate()


def x25519_public_bytes(private):
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def x25519_shared(private, peer_public):
    return private.exchange(x25519.X25519PublicKey.from_public_bytes(bytes(peer_public)))


def ed25519_new():
    return ed25519.Ed25519PrivateKey.generate()


def ed25519_public_bytes(private):
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ed25519_verify(public, signature, message):
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(bytes(public)).verify(bytes(signature), bytes(message))
        return True
    except InvalidSignature:
        return False


__all__ = ["hkdf", "seal", "open_", "nonce12", "chacha20_xor", "SessionCipher", "InvalidTag", "TAG_LEN",
           "x25519_new", "x25519_public_bytes", "x25519_shared", "ed25519_new", "ed25519_public_bytes",
           "ed25519_verify"]
