#!/usr/bin/python3
"""Unit tests of the hapble controller's own building blocks, against published
vectors (docs/protocol.md §7, RFC 8439) and hand-made bytes: the controller must be right
before it can judge the accessory. Prints TAP."""
import os
import struct
import sys
import unittest

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hapble import adv, crypto, pdu, srp, tlv8  # noqa: E402


def h(text):
    return bytes.fromhex("".join(text.split()))


# docs/protocol.md §7.1 (I = "alice", p = "password123").
SALT = h("BEB25379D1A8581EB5A727673A2441EE")
A_PRIV = h("60975527035CF2AD1989806F0407210BC81EDC04E2762A56AFD529DDDA2D4393")
B_PRIV = h("E487CB59D31AC550471E81F00F6928E01DDA08E974A004F49E61F5D105284D20")
V = h("""9B5E061701EA7AEB39CF6E3519655A853CF94C75CAF2555EF1FAF759BB79CB47
7014E04A88D68FFC05323891D4C205B8DE81C2F203D8FAD1B24D2C109737F1BE
BBD71F912447C4A03C26B9FAD8EDB3E780778E302529ED1EE138CCFC36D4BA31
3CC48B14EA8C22A0186B222E655F2DF5603FD75DF76B3B08FF8950069ADD03A7
54EE4AE88587CCE1BFDE36794DBAE4592B7B904F442B041CB17AEBAD1E3AEBE3
CBE99DE65F4BB1FA00B0E7AF06863DB53B02254EC66E781E3B62A8212C86BEB0
D50B5BA6D0B478D8C4E9BBCEC21765326FBD14058D2BBDE2C33045F03873E539
48D78B794F0790E48C36AED6E880F557427B2FC06DB5E1E2E1D7E661AC482D18
E528D7295EF7437295FF1A72D402771713F16876DD050AE5B7AD53CCB90855C9
3956648358ADFD966422F52498732D68D1D7FBEF10D78034AB8DCB6F0FCF885C
C2B2EA2C3E6AC86609EA058A9DA8CC63531DC915414DF568B09482DDAC1954DE
C7EB714F6FF7D44CD5B86F6BD115810930637C01D0F6013BC9740FA2C633BA89""")
A_PUB = h("""FAB6F5D2615D1E323512E7991CC37443F487DA604CA8C9230FCB04E541DCE628
0B27CA4680B0374F179DC3BDC7553FE62459798C701AD864A91390A28C93B644
ADBF9C00745B942B79F9012A21B9B78782319D83A1F8362866FBD6F46BFC0DDB
2E1AB6E4B45A9906B82E37F05D6F97F6A3EB6E182079759C4F6847837B62321A
C1B4FA68641FCB4BB98DD697A0C73641385F4BAB25B793584CC39FC8D48D4BD8
67A9A3C10F8EA12170268E34FE3BBE6FF89998D60DA2F3E4283CBEC1393D52AF
724A57230C604E9FBCE583D7613E6BFFD67596AD121A8707EEC4694495703368
6A155F644D5C5863B48F61BDBF19A53EAB6DAD0A186B8C152E5F5D8CAD4B0EF8
AA4EA5008834C3CD342E5E0F167AD04592CD8BD279639398EF9E114DFAAAB919
E14E850989224DDD98576D79385D2210902E9F9B1F2D86CFA47EE244635465F7
1058421A0184BE51DD10CC9D079E6F1604E7AA9B7CF7883C7D4CE12B06EBE160
81E23F27A231D18432D7D1BB55C28AE21FFCF005F57528D15A88881BB3BBB7FE""")
B_PUB = h("""40F57088A482D4C7733384FE0D301FDDCA9080AD7D4F6FDF09A01006C3CB6D56
2E41639AE8FA21DE3B5DBA7585B275589BDB279863C562807B2B99083CD1429C
DBE89E25BFBD7E3CAD3173B2E3C5A0B174DA6D5391E6A06E465F037A40062548
39A56BF76DA84B1C94E0AE208576156FE5C140A4BA4FFC9E38C3B07B88845FC6
F7DDDA93381FE0CA6084C4CD2D336E5451C464CCB6EC65E7D16E548A273E8262
84AF2559B6264274215960FFF47BDD63D3AFF064D6137AF769661C9D4FEE4738
2603C88EAA0980581D07758461B777E4356DDA5835198B51FEEA308D70F75450
B71675C08C7D8302FD7539DD1FF2A11CB4258AA70D234436AA42B6A0615F3F91
5D55CC3B966B2716B36E4D1A06CE5E5D2EA3BEE5A1270E8751DA45B60B997B0F
FDB0F9962FEE4F03BEE780BA0A845B1D9271421783AE6601A61EA2E342E4F2E8
BC935A409EAD19F221BD1B74E2964DD19FC845F60EFC09338B60B6B256D8CAC8
89CCA306CC370A0B18C8B886E95DA0AF5235FEF4393020D2B7F3056904759042""")
U = h("""03AE5F3C3FA9EFF1A50D7DBB8D2F60A1EA66EA712D50AE976EE34641A1CD0E51
C4683DA383E8595D6CB56A15D5FBC7543E07FBDDD316217E01A391A18EF06DFF""")
S = h("""F1036FECD017C8239C0D5AF7E0FCF0D408B009E36411618A60B23AABBFC38339
7268231214BAACDC94CA1C53F442FB51C1B027C318AE238E16414D60D1881B66
486ADE10ED02BA33D098F6CE9BCF1BB0C46CA2C47F2F174C59A9C61E2560899B
83EF61131E6FB30B714F4E43B735C9FE6080477C1B83E4093E4D456B9BCA492C
F9339D45BC42E67CE6C02C243E49F5DA42A869EC855780E84207B8A1EA6501C4
78AAC0DFD3D22614F531A00D826B7954AE8B14A985A429315E6DD3664CF47181
496A94329CDE8005CAE63C2F9CA4969BFE84001924037C446559BDBB9DB9D4DD
142FBCD75EEF2E162C843065D99E8F05762C4DB7ABD9DB203D41AC85A58C05BD
4E2DBF822A934523D54E0653D376CE8B56DCB4527DDDC1B994DC7509463A7468
D7F02B1BEB1685714CE1DD1E71808A137F788847B7C6B7BFA1364474B3B7E894
78954F6A8E68D45B85A88E4EBFEC13368EC0891C3BC86CF50097880178D86135
E728723458538858D715B7B247406222C1019F53603F016952D497100858824C""")
K = h("""5CBC219DB052138EE1148C71CD4498963D682549CE91CA24F098468F06015BEB
6AF245C2093F98C3651BCA83AB8CAB2B580BBF02184FEFDF26142F73DF95AC50""")
M1 = h("""5F7C14AB57ED0E94FD1D78C6B4DD09ED7E340B7E05D419A9FD760F6B35E523D1
310777A1AE1D2826F596F3A85116CC457C7C964D4F44DED5559DA818C88B617F""")
M2 = h("""2FA0E81F5CB73B88FA0964270F321DD641F2227A5D805C40F1BFE96AAF6A19FF
CE8E23287965A39EAB9D5A02215F89E128177ED2C4F103E655A045531BCBF7AD""")
K_MULT = h("""A9C2E2559BF0EBB53F0CBBF62282906BEDE7F2182F00678211FBD5BDE5B28503
3A4993503B87397F9BE5EC02080FEDBC0835587AD039060879B8621E8C3659E0""")
HAP_SALT = h("263FEA64889756A8E25FD53DD5FA1022")
HAP_V_HEAD = h("D0BE3DFCC3B28A4D612943215AD71005CA4E240A5672EFF427F30EEAC1737561")
HAP_V_TAIL = h("A2AD7C89946EEE79D726649BCEAB43BB920F11260F8017C9921A60C169B28569")


class Srp(unittest.TestCase):
    def test_multiplier(self):
        self.assertEqual(srp.to_bytes(srp.K_MULT), K_MULT)

    def test_vector(self):
        client = srp.SrpClient(b"password123", username=b"alice", a=A_PRIV)
        self.assertEqual(srp.to_bytes(client.A, True), A_PUB)
        self.assertEqual(srp.to_bytes(srp.verifier(SALT, b"alice", b"password123"), True), V)
        B, S_server = srp.server_side(SALT, srp.from_bytes(V), srp.from_bytes(B_PRIV), client.A)
        self.assertEqual(srp.to_bytes(B, True), B_PUB)
        self.assertEqual(srp.to_bytes(srp.scrambler(client.A, B)), U)
        proof = client.process_challenge(SALT, B_PUB)
        self.assertEqual(srp.to_bytes(client.S, True), S)
        self.assertEqual(srp.to_bytes(S_server, True), S)
        self.assertEqual(client.K, K)
        self.assertEqual(proof, M1)
        self.assertTrue(client.verify_server(M2))
        self.assertFalse(client.verify_server(bytes(64)))

    def test_hap_verifier(self):
        v = srp.to_bytes(srp.verifier(HAP_SALT, b"Pair-Setup", b"518-08-582"), True)
        self.assertEqual((v[:32], v[-32:]), (HAP_V_HEAD, HAP_V_TAIL))

    def test_illegal_b(self):
        with self.assertRaises(ValueError):
            srp.SrpClient("518-08-582").process_challenge(SALT, srp.to_bytes(srp.N, True))


class Tlv(unittest.TestCase):
    def test_fragmentation(self):
        value = bytes(range(256)) * 2
        data = tlv8.encode([(1, value), (2, 5), (0xFF, b"")])
        self.assertEqual(data[:2], b"\x01\xff")
        self.assertEqual(data[257:259], b"\x01\xff")
        self.assertEqual(data[514:516], b"\x01\x02")
        self.assertEqual(data[-5:], b"\x02\x01\x05\xff\x00")
        self.assertEqual(tlv8.decode(data), [(1, value), (2, b"\x05"), (0xFF, b"")])

    def test_exact_255(self):
        self.assertEqual(len(tlv8.encode([(3, bytes(255))])), 257)
        self.assertEqual(tlv8.decode(tlv8.encode([(3, bytes(255)), (3, b"x")])), [(3, bytes(255) + b"x")])

    def test_separate_items_not_merged(self):
        self.assertEqual(tlv8.decode(b"\x01\x01a\x01\x01b"), [(1, b"a"), (1, b"b")])

    def test_truncated(self):
        for bad in (b"\x01", b"\x01\x05abc"):
            with self.assertRaises(tlv8.TlvError):
                tlv8.decode(bad)


class Crypto(unittest.TestCase):
    def test_nonces(self):
        self.assertEqual(crypto.nonce12("PS-Msg05"), b"\0\0\0\0PS-Msg05")
        self.assertEqual(crypto.nonce12(1), b"\0\0\0\0\x01" + bytes(7))
        self.assertEqual(crypto.nonce12(2**64 - 1), b"\0\0\0\0" + b"\xff" * 8)

    def test_rfc8439_aead(self):
        # RFC 8439 §2.8.2: the AEAD vector (its nonce has a non-zero prefix: the library direct).
        key = bytes(range(0x80, 0xA0))
        plaintext = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
                     b"the future, sunscreen would be it.")
        aad = h("50515253c0c1c2c3c4c5c6c7")
        sealed = crypto.ChaCha20Poly1305(key).encrypt(h("070000004041424344454647"), plaintext, aad)
        self.assertEqual(sealed[-16:], h("1ae10b594f09e26a7e902ecbd0600691"))

    def test_rfc8439_stream(self):
        # RFC 8439 §2.4.2: key 00..1f, nonce 00000000 0000004a 00000000, block counter 1.
        plaintext = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
                     b"the future, sunscreen would be it.")
        stream = crypto.chacha20_xor(bytes(range(32)), h("0000004a00000000"), plaintext)
        self.assertEqual(stream[:16], h("6e2e359a2568f98041ba0728dd0d6981"))
        self.assertEqual(stream[-2:], h("874d"))
        # The AEAD's ciphertext is that stream from block 1: what broadcast decryption uses.
        key = bytes(range(1, 33))
        self.assertEqual(crypto.seal(key, 7, b"twelve bytes")[:12], crypto.chacha20_xor(key, 7, b"twelve bytes"))

    def test_session_counters(self):
        key = bytes(32)
        a, b = crypto.SessionCipher(key), crypto.SessionCipher(key)
        for i in range(3):
            self.assertEqual(b.open(a.seal(b"x%d" % i)), b"x%d" % i)
        sealed = a.seal(b"y")
        with self.assertRaises(crypto.InvalidTag):
            crypto.SessionCipher(key).open(sealed)    # counter 0, sealed with 3

    def test_hkdf_rfc5869_sha512_shape(self):
        self.assertEqual(len(crypto.hkdf(b"k", "salt", "info", 8)), 8)
        self.assertNotEqual(crypto.hkdf(b"k", "a", "b"), crypto.hkdf(b"k", "a", "c"))


class Pdu(unittest.TestCase):
    def test_request_and_fragments(self):
        body = bytes(range(20))
        whole = pdu.request(pdu.WRITE, 0x42, 0x0133, body)
        self.assertEqual(whole[:7], bytes((0, 2, 0x42, 0x33, 0x01, 20, 0)))
        fragments = pdu.fragment_request(whole, 10)
        self.assertEqual(fragments[0], whole[:10])
        self.assertEqual(fragments[1], bytes((0x80, 0x42)) + whole[10:18])
        self.assertEqual(b"".join([fragments[0]] + [f[2:] for f in fragments[1:]]), whole)
        self.assertEqual(pdu.request(pdu.READ, 1, 2), bytes((0, 3, 1, 2, 0)))

    def test_response_assembly(self):
        a = pdu.ResponseAssembler(7)
        self.assertFalse(a.feed(bytes((2, 7, 0, 5, 0, 1, 2))))
        self.assertTrue(a.feed(bytes((0x82, 7, 3, 4, 5))))
        self.assertEqual(a.response().body, bytes((1, 2, 3, 4, 5)))
        for bad in (bytes((2, 8, 0)), bytes((0, 7, 0)), bytes((2, 7, 0, 5))):
            with self.assertRaises(pdu.PduError):
                pdu.ResponseAssembler(7).feed(bad)
        b = pdu.ResponseAssembler(7)
        b.feed(bytes((2, 7, 0, 2, 0, 1)))
        with self.assertRaises(pdu.PduError):
            b.feed(bytes((0x82, 6, 2)))

    def test_values(self):
        self.assertEqual(pdu.encode_value("float", 21.5), struct.pack("<f", 21.5))
        self.assertEqual(pdu.decode_value("int", b"\xff\xff\xff\xff"), -1)
        self.assertEqual(pdu.presentation_format("int", "percentage"), bytes((0x10, 0, 0xAD, 0x27, 1, 0, 0)))


class Advertisement(unittest.TestCase):
    def test_setup_hash_vector(self):
        # docs/protocol.md §7.2: Setup ID "abc", Device ID 00:00:00:00:00:00 → "+KjpzQ==".
        import base64
        self.assertEqual(base64.b64encode(adv.setup_hash("abc", "00:00:00:00:00:00")), b"+KjpzQ==")

    def test_setup_payload(self):
        # §7.2: 518-08-582, 7OSX, BLE only, category 7.
        fields = adv.setup_payload_fields("X-HM://0076CDMX27OSX")
        self.assertEqual(fields, {"code": 51808582, "paired": False, "ip": False, "ble": True, "category": 7,
                                  "setup_id": "7OSX"})

    def test_encrypted_notification_roundtrip(self):
        key, advertising_id, gsn = bytes(range(32)), bytes(range(6)), 300
        plain = struct.pack("<HH", gsn, 83) + struct.pack("<Q", 99)
        sealed = crypto.seal(key, gsn, plain, aad=advertising_id)
        note = adv.EncryptedNotification(bytes((0x11, 0x36)) + advertising_id + sealed[:12] + sealed[12:16])
        self.assertEqual(note.decrypt(key, range(290, 310)), (gsn, 83, struct.pack("<Q", 99)))
        self.assertIsNone(note.decrypt(key, range(0, 10)))
        tampered = adv.EncryptedNotification(note.payload[:-1] + bytes((note.payload[-1] ^ 1,)))
        self.assertIsNone(tampered.decrypt(key, range(290, 310)))


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    tests = list(suite)
    flat = []
    for s in tests:
        flat.extend(s)
    print("1..%d" % len(flat))
    failed = 0
    for i, test in enumerate(flat, 1):
        result = unittest.TestResult()
        test.run(result)
        problems = result.failures + result.errors
        if problems or not result.wasSuccessful():
            failed += 1
            print("not ok %d - %s" % (i, test.id()))
            for _, text in problems:
                for line in text.splitlines():
                    print("#   " + line)
        else:
            print("ok %d - %s" % (i, test.id()))
    sys.exit(1 if failed else 0)
