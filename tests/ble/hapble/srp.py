"""SRP-6a, client side, as HAP uses it (docs/protocol.md §2.1): RFC 5054's 3072-bit group,
g = 5, SHA-512, user name "Pair-Setup", password the setup code with its dashes.

Where implementations disagree about leading zero bytes (§2.1 ⚠), this follows the ADK:
K hashes S without leading zeros, M1 hashes A and B without leading zeros, u and M2 use
A (and B) padded to 384 bytes."""
import hashlib
import secrets

N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF")
N = int(N_HEX, 16)
G = 5
N_LEN = 384


def H(*parts):
    digest = hashlib.sha512()
    for part in parts:
        digest.update(part)
    return digest.digest()


def to_bytes(value, pad=False):
    """Big-endian; minimal length, or padded to the group's 384 bytes."""
    raw = value.to_bytes(N_LEN, "big")
    return raw if pad else (raw.lstrip(b"\0") or b"\0")


def from_bytes(data):
    return int.from_bytes(data, "big")


K_MULT = from_bytes(H(to_bytes(N, True), to_bytes(G, True)))


def private_key_x(salt, username, password):
    return from_bytes(H(salt, H(username + b":" + password)))


def verifier(salt, username, password):
    return pow(G, private_key_x(salt, username, password), N)


def session_key(S):
    return H(to_bytes(S))


def client_proof(username, salt, A, B, K):
    hn, hg = H(to_bytes(N, True)), H(to_bytes(G))
    return H(bytes(a ^ b for a, b in zip(hn, hg)), H(username), salt, to_bytes(A), to_bytes(B), K)


def server_proof(A, M1, K):
    return H(to_bytes(A, True), M1, K)


def scrambler(A, B):
    return from_bytes(H(to_bytes(A, True), to_bytes(B, True)))


class SrpClient:
    """One Pair Setup attempt: M2's salt and B in, M3's A and M1 out, M4's M2 checked."""

    def __init__(self, password, username=b"Pair-Setup", a=None):
        self.username = username
        self.password = password if isinstance(password, bytes) else password.encode()
        self.a = from_bytes(a) if a is not None else from_bytes(secrets.token_bytes(32))
        self.A = pow(G, self.a, N)
        self.K = None
        self.M1 = None

    def public_key(self):
        return to_bytes(self.A)

    def process_challenge(self, salt, B_bytes):
        B = from_bytes(B_bytes)
        if B % N == 0:
            raise ValueError("illegal SRP B from the accessory")
        u = scrambler(self.A, B)
        x = private_key_x(salt, self.username, self.password)
        S = pow((B - K_MULT * pow(G, x, N)) % N, self.a + u * x, N)
        self.S = S
        self.K = session_key(S)
        self.M1 = client_proof(self.username, salt, self.A, B, self.K)
        return self.M1

    def verify_server(self, M2):
        return M2 == server_proof(self.A, self.M1, self.K)


def server_side(salt, v, b, A):
    """The accessory's computations, only to check the §7.1 vector: (B, S)."""
    B = (K_MULT * v + pow(G, b, N)) % N
    u = scrambler(A, B)
    S = pow(A * pow(v, u, N), b, N)
    return B, S
