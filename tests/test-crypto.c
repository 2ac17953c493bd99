/* test-crypto.c — HKDF-SHA-512 and HAP's ChaCha20-Poly1305 framing
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Expected values were computed independently of this library (Python's hmac/hashlib and
 * the cryptography package) while writing the tests. HKDF test case 1 equals the
 * published HKDF-SHA-512 vector set built on RFC 5869's inputs.
 */
#include "hap-crypto-private.h"

#include <string.h>

static guint8 *
hex_decode (const char *hex,
            gsize      *len)
{
  gsize n = strlen (hex);
  guint8 *out;

  g_assert_cmpuint (n % 2, ==, 0);
  out = g_malloc (n / 2 + 1);
  for (gsize i = 0; i < n / 2; i++)
    {
      int hi = g_ascii_xdigit_value (hex[2 * i]);
      int lo = g_ascii_xdigit_value (hex[2 * i + 1]);

      g_assert_cmpint (hi, >=, 0);
      g_assert_cmpint (lo, >=, 0);
      out[i] = (guint8) (hi << 4 | lo);
    }
  *len = n / 2;
  return out;
}

static guint8 *
byte_range (guint first,
            guint last)
{
  guint8 *out = g_malloc (last - first + 1);

  for (guint i = first; i <= last; i++)
    out[i - first] = (guint8) i;
  return out;
}

static void
check_hkdf (const guint8 *ikm,  gsize ikm_len,
            const guint8 *salt, gsize salt_len,
            const guint8 *info, gsize info_len,
            const char   *expected_hex)
{
  g_autofree guint8 *expected = NULL;
  g_autofree guint8 *okm = NULL;
  gsize expected_len;

  expected = hex_decode (expected_hex, &expected_len);
  okm = g_malloc (expected_len);
  hap_hkdf_sha512 (ikm, ikm_len, salt, salt_len, info, info_len, okm, expected_len);
  g_assert_cmpmem (okm, expected_len, expected, expected_len);
}

/* RFC 5869 test case 1 inputs with SHA-512, 42-byte output. */
static void
test_hkdf_basic (void)
{
  guint8 ikm[22];
  g_autofree guint8 *salt = byte_range (0x00, 0x0c);
  g_autofree guint8 *info = byte_range (0xf0, 0xf9);

  memset (ikm, 0x0b, sizeof ikm);
  check_hkdf (ikm, sizeof ikm, salt, 13, info, 10,
              "832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c1481579338da362c"
              "b8d9f925d7cb");
}

/* RFC 5869 test case 2 inputs (80-byte IKM, salt and info) with SHA-512, 82-byte output
 * (two HMAC blocks). */
static void
test_hkdf_long (void)
{
  g_autofree guint8 *ikm = byte_range (0x00, 0x4f);
  g_autofree guint8 *salt = byte_range (0x60, 0xaf);
  g_autofree guint8 *info = byte_range (0xb0, 0xff);

  check_hkdf (ikm, 80, salt, 80, info, 80,
              "ce6c97192805b346e6161e821ed165673b84f400a2b514b2fe23d84cd189ddf1b695b48c"
              "bd1c8388441137b3ce28f16aa64ba33ba466b24df6cfcb021ecff235f6a2056ce3af1de4"
              "4d572097a8505d9e7a93");
}

/* RFC 5869 test case 3 inputs: empty salt (→ 64 zero bytes) and empty info. */
static void
test_hkdf_empty_salt (void)
{
  guint8 ikm[22];

  memset (ikm, 0x0b, sizeof ikm);
  check_hkdf (ikm, sizeof ikm, NULL, 0, NULL, 0,
              "f5fa02b18298a72a8c23898a8703472c6eb179dc204c03425c970e3b164bf90fff22d048"
              "36d0e2343bac");
}

/* Exactly one HMAC block of output (64 bytes), empty salt and info. */
static void
test_hkdf_one_block (void)
{
  guint8 ikm[22];

  memset (ikm, 0x0c, sizeof ikm);
  check_hkdf (ikm, sizeof ikm, (const guint8 *) "", 0, NULL, 0,
              "1407d46013d98bc6decefcfee55f0f90b0c7f63d68eb1a80eaf07e953cfc0a3a5240a155"
              "d6e4daa965bb30aba641f5b977d26f0184264ad621bf514ec865459e");
}

/* The string form HAP uses everywhere (docs/protocol.md §2.3); no NUL is hashed. */
static void
test_hkdf_str (void)
{
  g_autofree guint8 *ikm = byte_range (0x00, 0x3f);
  g_autofree guint8 *expected = NULL;
  guint8 okm[32];
  gsize expected_len;

  expected = hex_decode ("b6335536162d6629e4c0bade85f1b712c85a364bab0dedb25014cfb814489273",
                         &expected_len);
  hap_hkdf_sha512_str (ikm, 64, "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info",
                       okm, sizeof okm);
  g_assert_cmpmem (okm, sizeof okm, expected, expected_len);
}

/* ---- AEAD ---- */

static const char sunscreen[] =
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
  "future, sunscreen would be it.";

static const guint8 rfc8439_aad[] = {
  0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
};

/* RFC 8439 §2.8.2 through libsodium's IETF construction: its nonce starts with
 * 07 00 00 00, which HAP's 8-byte nonces cannot express, so this pins the primitive
 * hap_aead_* build on. */
static void
test_aead_rfc8439 (void)
{
  static const guint8 nonce[12] = {
    0x07, 0x00, 0x00, 0x00, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
  };
  g_autofree guint8 *key = byte_range (0x80, 0x9f);
  g_autofree guint8 *expected = NULL;
  gsize plain_len = strlen (sunscreen);
  g_autofree guint8 *out = g_malloc (plain_len + HAP_AEAD_TAG_LEN);
  unsigned long long out_len = 0;
  gsize expected_len;

  hap_crypto_init ();
  expected = hex_decode (
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca96712"
    "82fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58"
    "fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
    "1ae10b594f09e26a7e902ecbd0600691", &expected_len);

  crypto_aead_chacha20poly1305_ietf_encrypt (out, &out_len, (const guint8 *) sunscreen,
                                             plain_len, rfc8439_aad, sizeof rfc8439_aad,
                                             NULL, nonce, key);
  g_assert_cmpmem (out, out_len, expected, expected_len);
}

/* The RFC 8439 key, AAD and plaintext with HAP nonce "PS-Msg05", i.e. the IETF nonce
 * 00 00 00 00 ‖ "PS-Msg05" (docs/protocol.md §0). */
static void
test_aead_hap_nonce (void)
{
  g_autofree guint8 *key = byte_range (0x80, 0x9f);
  g_autofree guint8 *expected = NULL;
  gsize plain_len = strlen (sunscreen);
  g_autofree guint8 *out = g_malloc (plain_len + HAP_AEAD_TAG_LEN);
  g_autofree guint8 *back = g_malloc (plain_len);
  gsize expected_len;

  hap_crypto_init ();
  expected = hex_decode (
    "2a406c56cc7527e91eb384cb16ee1943208d32f7d4942884d13cc6ac1ac5d857dc047dc3fa2dc284"
    "f79b8d1d4f88348f08b06a1c205fc7f76adde60a7df791bea5e4db309db42e17b7fca7b33ec7374f"
    "de64089a110b741ff4a993ac32f0e262efd511b546099dddbd8ba5e10d76ac97dd30194d75142fd1"
    "dba7adcefe6c951f57b4", &expected_len);

  hap_aead_encrypt (key, (const guint8 *) "PS-Msg05", rfc8439_aad, sizeof rfc8439_aad,
                    (const guint8 *) sunscreen, plain_len, out);
  g_assert_cmpmem (out, plain_len + HAP_AEAD_TAG_LEN, expected, expected_len);

  g_assert_true (hap_aead_decrypt (key, (const guint8 *) "PS-Msg05",
                                   rfc8439_aad, sizeof rfc8439_aad,
                                   out, plain_len + HAP_AEAD_TAG_LEN, back));
  g_assert_cmpmem (back, plain_len, sunscreen, plain_len);
}

static void
test_aead_tamper (void)
{
  guint8 key[HAP_AEAD_KEY_LEN];
  const guint8 *nonce = (const guint8 *) "PS-Msg05";
  static const guint8 aad[] = { 0x10, 0x00 };
  static const char plain[] = "pairing sub-TLV";
  gsize plain_len = sizeof plain - 1;
  guint8 sealed[sizeof plain - 1 + HAP_AEAD_TAG_LEN];
  guint8 opened[sizeof plain - 1];
  guint8 other_aad[] = { 0x11, 0x00 };

  hap_crypto_init ();
  randombytes_buf (key, sizeof key);
  hap_aead_encrypt (key, nonce, aad, sizeof aad, (const guint8 *) plain, plain_len, sealed);

  /* Untouched: opens. */
  g_assert_true (hap_aead_decrypt (key, nonce, aad, sizeof aad, sealed, sizeof sealed, opened));
  g_assert_cmpmem (opened, plain_len, plain, plain_len);

  /* A flipped ciphertext bit. */
  sealed[0] ^= 0x01;
  g_assert_false (hap_aead_decrypt (key, nonce, aad, sizeof aad, sealed, sizeof sealed, opened));
  sealed[0] ^= 0x01;

  /* A flipped tag bit. */
  sealed[sizeof sealed - 1] ^= 0x80;
  g_assert_false (hap_aead_decrypt (key, nonce, aad, sizeof aad, sealed, sizeof sealed, opened));
  sealed[sizeof sealed - 1] ^= 0x80;

  /* Different AAD, missing AAD, other nonce, truncated input. */
  g_assert_false (hap_aead_decrypt (key, nonce, other_aad, sizeof other_aad,
                                    sealed, sizeof sealed, opened));
  g_assert_false (hap_aead_decrypt (key, nonce, NULL, 0, sealed, sizeof sealed, opened));
  g_assert_false (hap_aead_decrypt (key, (const guint8 *) "PS-Msg06", aad, sizeof aad,
                                    sealed, sizeof sealed, opened));
  g_assert_false (hap_aead_decrypt (key, nonce, aad, sizeof aad, sealed,
                                    HAP_AEAD_TAG_LEN - 1, opened));

  /* Still opens after all the restoring. */
  g_assert_true (hap_aead_decrypt (key, nonce, aad, sizeof aad, sealed, sizeof sealed, opened));
}

/* docs/protocol.md §0: a counter n becomes 00000000 ‖ LE64(n). */
static void
test_nonce_counter (void)
{
  static const guint8 le[8] = { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 };
  static const guint8 one[8] = { 0x01, 0, 0, 0, 0, 0, 0, 0 };
  static const guint8 expected_one[] = {
    0x8b, 0x74, 0x18, 0x61, 0x11, 0xf6, 0x4b, 0xd9, 0xe0, 0x77, 0x32, 0x5e, 0xc0,
    0x9b, 0x9d, 0x4a, 0x84, 0x9a, 0xa6, 0x20, 0xfa,
  };
  g_autofree guint8 *key = byte_range (0x80, 0x9f);
  guint8 nonce[HAP_AEAD_NONCE_LEN];
  guint8 sealed[5 + HAP_AEAD_TAG_LEN];
  static const guint8 frame_aad[] = { 0x05, 0x00 };

  hap_nonce_from_counter (G_GUINT64_CONSTANT (0x0102030405060708), nonce);
  g_assert_cmpmem (nonce, sizeof nonce, le, sizeof le);

  hap_nonce_from_counter (1, nonce);
  g_assert_cmpmem (nonce, sizeof nonce, one, sizeof one);

  /* Frame 1 of an IP session: 2-byte LE length as AAD, counter nonce. Expected value
   * from Python's ChaCha20Poly1305 with nonce 00000000 0100000000000000. */
  hap_crypto_init ();
  hap_aead_encrypt (key, nonce, frame_aad, sizeof frame_aad, (const guint8 *) "hello", 5,
                    sealed);
  g_assert_cmpmem (sealed, sizeof sealed, expected_one, sizeof expected_one);
}

static void
test_secure_equal (void)
{
  static const guint8 a[4] = { 1, 2, 3, 4 };
  static const guint8 b[4] = { 1, 2, 3, 5 };

  hap_crypto_init ();
  g_assert_true (hap_secure_equal (a, a, sizeof a));
  g_assert_false (hap_secure_equal (a, b, sizeof a));
  g_assert_true (hap_secure_equal (a, b, 3));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crypto/hkdf/rfc5869-1-sha512", test_hkdf_basic);
  g_test_add_func ("/crypto/hkdf/rfc5869-2-sha512-long", test_hkdf_long);
  g_test_add_func ("/crypto/hkdf/rfc5869-3-sha512-empty-salt", test_hkdf_empty_salt);
  g_test_add_func ("/crypto/hkdf/one-block", test_hkdf_one_block);
  g_test_add_func ("/crypto/hkdf/strings", test_hkdf_str);
  g_test_add_func ("/crypto/aead/rfc8439", test_aead_rfc8439);
  g_test_add_func ("/crypto/aead/hap-nonce", test_aead_hap_nonce);
  g_test_add_func ("/crypto/aead/tamper", test_aead_tamper);
  g_test_add_func ("/crypto/aead/counter-nonce", test_nonce_counter);
  g_test_add_func ("/crypto/secure-equal", test_secure_equal);

  return g_test_run ();
}
