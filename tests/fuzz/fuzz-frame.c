/* fuzz-frame.c — libFuzzer target for HAP/IP encrypted framing (docs/protocol.md §3.3)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: one selector byte, then a payload used three ways with fixed session keys:
 *  1. as received ciphertext, fed in pieces to a fresh decoder: almost always rejected,
 *     which exercises length checks and partial-frame buffering; whatever it accepts,
 *     it must account for (pending ≤ one frame);
 *  2. as plaintext: the controller encrypts it in several calls, the accessory decrypts
 *     the stream in pieces, and the result must equal the input exactly;
 *  3. the stream of (2) with one byte flipped: the decoder may only ever output a
 *     prefix of the true plaintext and must fail with AUTHENTICATION or TOO_LARGE or
 *     still wait for bytes.
 * Piece sizes and split points follow a sequence seeded by the selector byte.
 */
#include "hap-frame-private.h"

#include "hap-crypto-private.h"
#include "hap-error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FRAME_OVERHEAD (2 + HAP_AEAD_TAG_LEN)
#define MAX_FRAME      (HAP_FRAME_MAX_PLAINTEXT + FRAME_OVERHEAD)

static const guint8 write_key[32] = {
  0x48, 0x41, 0x50, 0x2d, 0x57, 0x72, 0x69, 0x74, 0x65, 0x2d, 0x4b, 0x65, 0x79, 0x2d, 0x30, 0x31,
  0x02, 0x03, 0x05, 0x07, 0x0b, 0x0d, 0x11, 0x13, 0x17, 0x1d, 0x1f, 0x25, 0x29, 0x2b, 0x2f, 0x35,
};
static const guint8 read_key[32] = {
  0x48, 0x41, 0x50, 0x2d, 0x52, 0x65, 0x61, 0x64, 0x2d, 0x4b, 0x65, 0x79, 0x2d, 0x2d, 0x30, 0x32,
  0x35, 0x2f, 0x2b, 0x29, 0x25, 0x1f, 0x1d, 0x17, 0x13, 0x11, 0x0d, 0x0b, 0x07, 0x05, 0x03, 0x02,
};

static const gsize piece_sizes[] = {
  1, 1, 2, 3, 17, 18, 19, 1023, 1041, 1042, 1043, 2084, G_MAXSIZE,
};

typedef struct
{
  guint32 state;
} Pieces;

static gsize
next_piece (Pieces *pieces,
            gsize   remaining)
{
  pieces->state = pieces->state * 1103515245u + 12345u;
  return MIN (remaining, piece_sizes[(pieces->state >> 16) % G_N_ELEMENTS (piece_sizes)]);
}

static void
check (gboolean condition)
{
  if (!condition)
    abort ();
}

/* Feeds @wire to @codec in pieces. Returns the error code, or -1 if all was accepted. */
static gint
feed (HapFrameCodec *codec,
      const guint8  *wire,
      gsize          len,
      Pieces        *pieces,
      GByteArray    *plain)
{
  gsize off = 0;

  while (off < len)
    {
      g_autoptr(GError) error = NULL;
      gsize n = next_piece (pieces, len - off);

      if (!hap_frame_codec_decrypt (codec, wire + off, n, plain, &error))
        {
          check (error != NULL && error->domain == HAP_ERROR);
          check (error->code == HAP_ERROR_AUTHENTICATION || error->code == HAP_ERROR_TOO_LARGE);
          return error->code;
        }
      check (error == NULL);
      check (hap_frame_codec_get_pending (codec) < MAX_FRAME);
      off += n;
    }
  return -1;
}

/* (1) The input as ciphertext. */
static void
fuzz_ciphertext (const guint8 *data,
                 gsize         size,
                 guint         selector)
{
  g_autoptr(HapFrameCodec) accessory = hap_frame_codec_new (write_key, read_key);
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  Pieces pieces = { selector };
  gint code;

  code = feed (accessory, data, size, &pieces, plain);
  if (code != -1)
    {
      /* A failed decoder stays failed. */
      check (!hap_frame_codec_decrypt (accessory, data, size, plain, &error));
      check (error != NULL && error->code == code);
    }
}

/* (2) and (3): the input as plaintext. */
static void
fuzz_plaintext (const guint8 *data,
                gsize         size,
                guint         selector)
{
  g_autoptr(HapFrameCodec) controller = hap_frame_codec_new (read_key, write_key);
  g_autoptr(HapFrameCodec) accessory = hap_frame_codec_new (write_key, read_key);
  g_autoptr(HapFrameCodec) victim = hap_frame_codec_new (write_key, read_key);
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GByteArray) tampered_plain = g_byte_array_new ();
  Pieces split = { selector * 7u + 1u };
  Pieces pieces = { selector + 3u };
  gsize off = 0, position;
  gint code;

  /* Encrypt in several calls, so frames of all sizes and the counter carry over. */
  while (off < size)
    {
      gsize n = next_piece (&split, size - off);
      guint before = wire->len;
      gsize frames = (n + HAP_FRAME_MAX_PLAINTEXT - 1) / HAP_FRAME_MAX_PLAINTEXT;

      hap_frame_codec_encrypt (controller, data + off, n, wire);
      check (wire->len - before == n + frames * FRAME_OVERHEAD);
      off += n;
    }

  code = feed (accessory, wire->data, wire->len, &pieces, plain);
  check (code == -1);
  check (hap_frame_codec_get_pending (accessory) == 0);
  check (plain->len == size && (size == 0 || memcmp (plain->data, data, size) == 0));

  if (wire->len == 0)
    return;

  /* Flip one bit somewhere; nothing forged may come out. */
  position = ((gsize) selector * 2654435761u) % wire->len;
  wire->data[position] ^= (guint8) (1u << (selector % 8));
  pieces.state = selector;
  code = feed (victim, wire->data, wire->len, &pieces, tampered_plain);
  check (tampered_plain->len <= size);
  check (tampered_plain->len == 0 || memcmp (tampered_plain->data, data, tampered_plain->len) == 0);
  if (code == -1)
    {
      /* Only possible when a length byte grew: the decoder still waits for the rest. */
      check (hap_frame_codec_get_pending (victim) > 0);
      check (tampered_plain->len < size);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  guint selector;

  if (size < 1)
    return 0;
  selector = data[0];

  fuzz_ciphertext (data + 1, size - 1, selector);
  fuzz_plaintext (data + 1, size - 1, selector);
  return 0;
}
