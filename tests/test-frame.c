/* test-frame.c — HAP/IP encrypted framing (docs/protocol.md §3.3)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-frame-private.h"

#include "hap-crypto-private.h"
#include "hap-error.h"

#include <string.h>

#define FRAME_OVERHEAD (2 + HAP_AEAD_TAG_LEN)

/* Controller→accessory ("Control-Write") and accessory→controller ("Control-Read")
 * keys; the values only need to differ. */
static const guint8 write_key[32] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
  0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20,
};
static const guint8 read_key[32] = {
  0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f,
  0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};

/* An accessory decrypts with Control-Write and encrypts with Control-Read; a
 * controller the other way round. */
static HapFrameCodec *
accessory_codec (void)
{
  return hap_frame_codec_new (write_key, read_key);
}

static HapFrameCodec *
controller_codec (void)
{
  return hap_frame_codec_new (read_key, write_key);
}

static guint8 *
pattern (gsize len)
{
  guint8 *data = g_malloc (MAX (len, 1));

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (i * 31 + 7);
  return data;
}

static gsize
frame_len_at (GByteArray *wire,
              gsize       offset)
{
  g_assert_cmpuint (offset + 2, <=, wire->len);
  return wire->data[offset] | ((gsize) wire->data[offset + 1] << 8);
}

/* Checks the frame layout of @wire for @len plaintext bytes. */
static void
assert_frames (GByteArray *wire,
               gsize       len)
{
  gsize expected_frames = (len + HAP_FRAME_MAX_PLAINTEXT - 1) / HAP_FRAME_MAX_PLAINTEXT;
  gsize offset = 0, frames = 0, remaining = len;

  g_assert_cmpuint (wire->len, ==, len + expected_frames * FRAME_OVERHEAD);
  while (offset < wire->len)
    {
      gsize n = frame_len_at (wire, offset);

      g_assert_cmpuint (n, ==, MIN (remaining, HAP_FRAME_MAX_PLAINTEXT));
      remaining -= n;
      offset += FRAME_OVERHEAD + n;
      frames++;
    }
  g_assert_cmpuint (offset, ==, wire->len);
  g_assert_cmpuint (frames, ==, expected_frames);
}

static void
test_round_trip_sizes (void)
{
  static const gsize sizes[] = { 0, 1, 1023, 1024, 1025, 2048, 5000 };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      g_autoptr(HapFrameCodec) accessory = accessory_codec ();
      g_autoptr(HapFrameCodec) controller = controller_codec ();
      g_autoptr(GByteArray) wire = g_byte_array_new ();
      g_autoptr(GByteArray) plain = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *data = pattern (sizes[s]);

      hap_frame_codec_encrypt (accessory, data, sizes[s], wire);
      assert_frames (wire, sizes[s]);

      g_assert_true (hap_frame_codec_decrypt (controller, wire->data, wire->len, plain, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (plain->data, plain->len, data, sizes[s]);
      g_assert_cmpuint (hap_frame_codec_get_pending (controller), ==, 0);
    }
}

static void
test_frame_counts (void)
{
  g_autoptr(HapFrameCodec) codec = controller_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autofree guint8 *data = pattern (5000);

  hap_frame_codec_encrypt (codec, data, 0, wire);
  g_assert_cmpuint (wire->len, ==, 0);

  hap_frame_codec_encrypt (codec, data, 1, wire);
  g_assert_cmpuint (wire->len, ==, 1 + FRAME_OVERHEAD);
  g_byte_array_set_size (wire, 0);

  hap_frame_codec_encrypt (codec, data, 1024, wire);
  g_assert_cmpuint (wire->len, ==, 1024 + FRAME_OVERHEAD);
  g_byte_array_set_size (wire, 0);

  hap_frame_codec_encrypt (codec, data, 1025, wire);
  g_assert_cmpuint (wire->len, ==, 1025 + 2 * FRAME_OVERHEAD);
  g_assert_cmpuint (frame_len_at (wire, 0), ==, 1024);
  g_assert_cmpuint (frame_len_at (wire, 1024 + FRAME_OVERHEAD), ==, 1);
  g_byte_array_set_size (wire, 0);

  /* 5000 = 4 × 1024 + 904 */
  hap_frame_codec_encrypt (codec, data, 5000, wire);
  g_assert_cmpuint (wire->len, ==, 5000 + 5 * FRAME_OVERHEAD);
  for (gsize i = 0; i < 4; i++)
    g_assert_cmpuint (frame_len_at (wire, i * (1024 + FRAME_OVERHEAD)), ==, 1024);
  g_assert_cmpuint (frame_len_at (wire, 4 * (1024 + FRAME_OVERHEAD)), ==, 904);

  /* Encryption appends. */
  g_byte_array_set_size (wire, 3);
  hap_frame_codec_encrypt (codec, data, 10, wire);
  g_assert_cmpuint (wire->len, ==, 3 + 10 + FRAME_OVERHEAD);
  g_assert_cmpuint (frame_len_at (wire, 3), ==, 10);
}

/* docs/protocol.md §0/§3.3: nonce = 00000000 ‖ LE64(counter), AAD = LE16(len). The codec
 * must produce exactly what libsodium gives for those inputs, frame after frame, across
 * separate encrypt calls. */
static void
test_nonce_counter (void)
{
  g_autoptr(HapFrameCodec) codec = accessory_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autofree guint8 *data = pattern (2100);
  static const gsize calls[] = { 5, 2100, 0, 1, 1024 };
  guint64 counter = 0;

  for (gsize c = 0; c < G_N_ELEMENTS (calls); c++)
    {
      gsize offset = 0, done = 0;

      g_byte_array_set_size (wire, 0);
      hap_frame_codec_encrypt (codec, data, calls[c], wire);

      while (done < calls[c])
        {
          gsize n = MIN (calls[c] - done, HAP_FRAME_MAX_PLAINTEXT);
          guint8 nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = { 0 };
          guint8 aad[2] = { (guint8) (n & 0xff), (guint8) (n >> 8) };
          g_autofree guint8 *expected = g_malloc (n + HAP_AEAD_TAG_LEN);
          unsigned long long expected_len = 0;

          for (int i = 0; i < 8; i++)
            nonce[4 + i] = (guint8) (counter >> (8 * i));
          crypto_aead_chacha20poly1305_ietf_encrypt (expected, &expected_len, data + done, n,
                                                     aad, sizeof aad, NULL, nonce, read_key);
          g_assert_cmpuint (expected_len, ==, n + HAP_AEAD_TAG_LEN);

          g_assert_cmpmem (wire->data + offset, 2, aad, 2);
          g_assert_cmpmem (wire->data + offset + 2, n + HAP_AEAD_TAG_LEN,
                           expected, n + HAP_AEAD_TAG_LEN);

          offset += n + FRAME_OVERHEAD;
          done += n;
          counter++;
        }
      g_assert_cmpuint (offset, ==, wire->len);
    }
  /* 1 + 3 + 0 + 1 + 1 frames */
  g_assert_cmpuint (counter, ==, 6);
}

static void
test_byte_at_a_time (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autofree guint8 *data = pattern (2500);
  gsize frame_end[3];

  hap_frame_codec_encrypt (controller, data, 2500, wire);
  frame_end[0] = 1024 + FRAME_OVERHEAD;
  frame_end[1] = 2 * (1024 + FRAME_OVERHEAD);
  frame_end[2] = wire->len;

  for (gsize i = 0; i < wire->len; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize frames_done = 0;

      g_assert_true (hap_frame_codec_decrypt (accessory, wire->data + i, 1, plain, &error));
      g_assert_no_error (error);

      while (frames_done < 3 && i + 1 >= frame_end[frames_done])
        frames_done++;
      /* Plaintext appears exactly when a frame is complete. */
      g_assert_cmpuint (plain->len, ==, MIN (frames_done * 1024, 2500));
      g_assert_cmpuint (hap_frame_codec_get_pending (accessory), ==,
                        i + 1 - (frames_done > 0 ? frame_end[frames_done - 1] : 0));
    }
  g_assert_cmpmem (plain->data, plain->len, data, 2500);
}

static void
test_random_chunks (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x4841500a);

  /* Many messages of random size, delivered in random pieces. */
  for (int round = 0; round < 200; round++)
    {
      gsize len = (gsize) g_rand_int_range (rand, 0, 3000);
      g_autofree guint8 *data = g_malloc (MAX (len, 1));

      for (gsize i = 0; i < len; i++)
        data[i] = (guint8) g_rand_int (rand);
      g_byte_array_append (expected, data, (guint) len);
      hap_frame_codec_encrypt (accessory, data, len, wire);
    }

  for (gsize off = 0; off < wire->len; )
    {
      g_autoptr(GError) error = NULL;
      gsize n = (gsize) g_rand_int_range (rand, 1, 2500);

      n = MIN (n, wire->len - off);

      g_assert_true (hap_frame_codec_decrypt (controller, wire->data + off, n, plain, &error));
      g_assert_no_error (error);
      off += n;
    }
  g_assert_cmpmem (plain->data, plain->len, expected->data, expected->len);
  g_assert_cmpuint (hap_frame_codec_get_pending (controller), ==, 0);
}

/* Both directions of one session, interleaved: each side's counters are independent. */
static void
test_two_codecs (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GError) error = NULL;

  for (int i = 0; i < 10; i++)
    {
      g_autoptr(GByteArray) request = g_byte_array_new ();
      g_autoptr(GByteArray) response = g_byte_array_new ();
      g_autoptr(GByteArray) got = g_byte_array_new ();
      g_autofree char *req = g_strdup_printf ("GET /characteristics?id=1.%d HTTP/1.1\r\n\r\n", i);
      g_autofree char *rsp = g_strnfill ((gsize) (i * 400), 'r');

      hap_frame_codec_encrypt (controller, (const guint8 *) req, strlen (req), request);
      g_assert_true (hap_frame_codec_decrypt (accessory, request->data, request->len, got, &error));
      g_assert_no_error (error);
      g_assert_cmpmem (got->data, got->len, req, strlen (req));

      g_byte_array_set_size (got, 0);
      hap_frame_codec_encrypt (accessory, (const guint8 *) rsp, strlen (rsp), response);
      g_assert_true (hap_frame_codec_decrypt (controller, response->data, response->len, got,
                                              &error));
      g_assert_no_error (error);
      g_assert_cmpmem (got->data, got->len, rsp, strlen (rsp));
    }
}

static void
test_wrong_direction (void)
{
  /* A codec cannot read its own output: the two directions use different keys. */
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) other = accessory_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  hap_frame_codec_encrypt (accessory, (const guint8 *) "hello", 5, wire);
  g_assert_false (hap_frame_codec_decrypt (other, wire->data, wire->len, plain, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_cmpuint (plain->len, ==, 0);
}

typedef enum
{
  TAMPER_LENGTH,
  TAMPER_CIPHERTEXT,
  TAMPER_TAG,
} Tamper;

static void
check_tamper (Tamper tamper,
              gsize  step)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree guint8 *data = pattern (300);
  gsize second;
  gboolean ok = TRUE;

  /* Two frames: 100 bytes then 200; the second one is modified. */
  hap_frame_codec_encrypt (controller, data, 100, wire);
  second = wire->len;
  hap_frame_codec_encrypt (controller, data + 100, 200, wire);

  switch (tamper)
    {
    case TAMPER_LENGTH:
      /* 200 → 201 and 199: still within the limit, but the AAD (and framing) differ. */
      wire->data[second] ^= 0x01;
      break;
    case TAMPER_CIPHERTEXT:
      wire->data[second + 2 + 57] ^= 0x80;
      break;
    case TAMPER_TAG:
      wire->data[wire->len - 1] ^= 0x01;
      break;
    default:
      g_assert_not_reached ();
    }
  /* A trailing byte so that a frame lengthened by the tampering is complete too. */
  g_byte_array_append (wire, (const guint8 *) "\0", 1);

  for (gsize off = 0; off < wire->len && ok; off += step)
    ok = hap_frame_codec_decrypt (accessory,
                                  wire->data + off, MIN (step, wire->len - off), plain,
                                  &error);
  g_assert_false (ok);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  /* The first frame got through; nothing of the second. */
  g_assert_cmpmem (plain->data, plain->len, data, 100);

  /* The codec stays failed. */
  g_assert_false (hap_frame_codec_decrypt (accessory, wire->data, second, plain, &again));
  g_assert_error (again, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_cmpuint (plain->len, ==, 100);
}

static void
test_tampered_length (void)
{
  check_tamper (TAMPER_LENGTH, 1);
  check_tamper (TAMPER_LENGTH, 1000);
}

static void
test_tampered_ciphertext (void)
{
  check_tamper (TAMPER_CIPHERTEXT, 1);
  check_tamper (TAMPER_CIPHERTEXT, 1000);
}

static void
test_tampered_tag (void)
{
  check_tamper (TAMPER_TAG, 1);
  check_tamper (TAMPER_TAG, 1000);
}

static void
test_replay (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GByteArray) first = g_byte_array_new ();
  g_autoptr(GByteArray) second = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  hap_frame_codec_encrypt (controller, (const guint8 *) "PUT one", 7, first);
  hap_frame_codec_encrypt (controller, (const guint8 *) "PUT two", 7, second);

  g_assert_true (hap_frame_codec_decrypt (accessory, first->data, first->len, plain, &error));
  g_assert_no_error (error);
  /* The same frame again: its nonce was counter 0, the receiver expects 1. */
  g_assert_false (hap_frame_codec_decrypt (accessory, first->data, first->len, plain, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_cmpmem (plain->data, plain->len, "PUT one", 7);
}

static void
test_reorder (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GByteArray) first = g_byte_array_new ();
  g_autoptr(GByteArray) second = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  hap_frame_codec_encrypt (controller, (const guint8 *) "one", 3, first);
  hap_frame_codec_encrypt (controller, (const guint8 *) "two", 3, second);

  g_assert_false (hap_frame_codec_decrypt (accessory, second->data, second->len, plain, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_cmpuint (plain->len, ==, 0);
}

static void
check_too_large (guint length,
                 gsize step)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 header[2] = { (guint8) (length & 0xff), (guint8) (length >> 8) };
  gboolean ok = TRUE;

  /* Rejected as soon as the two length bytes are in, before any body arrives. */
  for (gsize off = 0; off < 2 && ok; off += step)
    ok = hap_frame_codec_decrypt (accessory, header + off, MIN (step, 2 - off), plain, &error);
  g_assert_false (ok);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
  g_assert_cmpuint (plain->len, ==, 0);

  g_clear_error (&error);
  g_assert_false (hap_frame_codec_decrypt (accessory, header, 2, plain, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
}

static void
test_too_large (void)
{
  check_too_large (1025, 1);
  check_too_large (1025, 2);
  check_too_large (0xffff, 1);
  check_too_large (0x8000, 2);
}

static void
test_too_large_after_good_frame (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  hap_frame_codec_encrypt (controller, (const guint8 *) "ok", 2, wire);
  g_byte_array_append (wire, (const guint8 *) "\x01\x04", 2);   /* declares 1025 */
  g_assert_false (hap_frame_codec_decrypt (accessory, wire->data, wire->len, plain, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
  g_assert_cmpmem (plain->data, plain->len, "ok", 2);
}

/* A frame of length 0 (only the tag) is valid, yields nothing and uses a nonce. */
static void
test_empty_frame (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 wire[2 * FRAME_OVERHEAD + 3];
  guint8 nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = { 0 };
  unsigned long long clen;

  /* Counter 0: empty frame. Counter 1: "abc". */
  wire[0] = 0;
  wire[1] = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt (wire + 2, &clen, NULL, 0, wire, 2, NULL, nonce,
                                             write_key);
  g_assert_cmpuint (clen, ==, HAP_AEAD_TAG_LEN);
  wire[FRAME_OVERHEAD] = 3;
  wire[FRAME_OVERHEAD + 1] = 0;
  nonce[4] = 1;
  crypto_aead_chacha20poly1305_ietf_encrypt (wire + FRAME_OVERHEAD + 2, &clen,
                                             (const guint8 *) "abc", 3,
                                             wire + FRAME_OVERHEAD, 2, NULL, nonce, write_key);

  g_assert_true (hap_frame_codec_decrypt (accessory, wire, FRAME_OVERHEAD, plain, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (plain->len, ==, 0);
  g_assert_cmpuint (hap_frame_codec_get_pending (accessory), ==, 0);

  for (gsize i = FRAME_OVERHEAD; i < sizeof wire; i++)
    {
      g_assert_true (hap_frame_codec_decrypt (accessory, wire + i, 1, plain, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpmem (plain->data, plain->len, "abc", 3);
}

static void
test_output_appends (void)
{
  g_autoptr(HapFrameCodec) accessory = accessory_codec ();
  g_autoptr(HapFrameCodec) controller = controller_codec ();
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;

  g_byte_array_append (plain, (const guint8 *) "old:", 4);
  hap_frame_codec_encrypt (controller, (const guint8 *) "new", 3, wire);
  g_assert_true (hap_frame_codec_decrypt (accessory, wire->data, wire->len, plain, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (plain->data, plain->len, "old:new", 7);

  /* Zero bytes in are fine. */
  g_assert_true (hap_frame_codec_decrypt (accessory, NULL, 0, plain, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (plain->len, ==, 7);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  hap_crypto_init ();

  g_test_add_func ("/frame/round-trip/sizes", test_round_trip_sizes);
  g_test_add_func ("/frame/round-trip/frame-counts", test_frame_counts);
  g_test_add_func ("/frame/round-trip/byte-at-a-time", test_byte_at_a_time);
  g_test_add_func ("/frame/round-trip/random-chunks", test_random_chunks);
  g_test_add_func ("/frame/round-trip/two-codecs", test_two_codecs);
  g_test_add_func ("/frame/round-trip/empty-frame", test_empty_frame);
  g_test_add_func ("/frame/round-trip/output-appends", test_output_appends);
  g_test_add_func ("/frame/nonce-counter", test_nonce_counter);
  g_test_add_func ("/frame/reject/wrong-direction", test_wrong_direction);
  g_test_add_func ("/frame/reject/tampered-length", test_tampered_length);
  g_test_add_func ("/frame/reject/tampered-ciphertext", test_tampered_ciphertext);
  g_test_add_func ("/frame/reject/tampered-tag", test_tampered_tag);
  g_test_add_func ("/frame/reject/replay", test_replay);
  g_test_add_func ("/frame/reject/reorder", test_reorder);
  g_test_add_func ("/frame/reject/too-large", test_too_large);
  g_test_add_func ("/frame/reject/too-large-after-good", test_too_large_after_good_frame);

  return g_test_run ();
}
