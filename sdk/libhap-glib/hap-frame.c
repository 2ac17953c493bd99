/* hap-frame.c — HAP/IP encrypted framing (docs/protocol.md §3.3)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each direction of a verified session is a sequence of frames
 *
 *   LE16(len) ‖ ChaCha20-Poly1305(key, nonce = 0⁴ ‖ LE64(counter), aad = LE16(len)) ‖ tag
 *
 * with 0 ≤ len ≤ 1024 and the counter starting at 0 and advancing by one per frame.
 * Frames that arrive whole inside one received buffer are decrypted straight from that
 * buffer into the caller's output array; only a frame split across reads is collected
 * in a fixed-size buffer inside the codec, so decryption never allocates.
 */
#include "hap-frame-private.h"

#include "hap-cipher-private.h"
#include "hap-error.h"

#include <string.h>

#define LENGTH_BYTES 2
#define MAX_FRAME_BYTES (LENGTH_BYTES + HAP_FRAME_MAX_PLAINTEXT + HAP_AEAD_TAG_LEN)

struct _HapFrameCodec
{
  /* The session's keys and counters: the codec's own, or a session's (borrowed). */
  HapCipher  own_cipher;
  HapCipher *cipher;

  /* A received frame that is not complete yet: partial_len bytes of it. */
  guint8    partial[MAX_FRAME_BYTES];
  gsize     partial_len;

  gboolean  failed;
  HapError  failure;
};

HapFrameCodec *
hap_frame_codec_new (const guint8 decrypt_key[32],
                     const guint8 encrypt_key[32])
{
  HapFrameCodec *codec;

  g_return_val_if_fail (decrypt_key != NULL, NULL);
  g_return_val_if_fail (encrypt_key != NULL, NULL);

  hap_crypto_init ();

  codec = g_new0 (HapFrameCodec, 1);
  hap_cipher_init (&codec->own_cipher, decrypt_key, encrypt_key);
  codec->cipher = &codec->own_cipher;
  return codec;
}

HapFrameCodec *
hap_frame_codec_new_for_cipher (HapCipher *cipher)
{
  HapFrameCodec *codec;

  g_return_val_if_fail (cipher != NULL, NULL);

  codec = g_new0 (HapFrameCodec, 1);
  codec->cipher = cipher;
  return codec;
}

void
hap_frame_codec_free (HapFrameCodec *codec)
{
  if (codec == NULL)
    return;

  /* Its own keys and any buffered ciphertext (a borrowed cipher is its owner's to wipe). */
  sodium_memzero (codec, sizeof *codec);
  g_free (codec);
}

void
hap_frame_codec_encrypt (HapFrameCodec *codec,
                         const guint8  *plain,
                         gsize          len,
                         GByteArray    *out)
{
  g_return_if_fail (codec != NULL);
  g_return_if_fail (plain != NULL || len == 0);
  g_return_if_fail (out != NULL);

  while (len > 0)
    {
      /* docs/protocol.md §3.3: frames carry at most 1024 bytes of plaintext. */
      gsize n = MIN (len, HAP_FRAME_MAX_PLAINTEXT);
      guint8 *frame;
      guint start = out->len;

      g_byte_array_set_size (out, start + LENGTH_BYTES + (guint) n + HAP_AEAD_TAG_LEN);
      frame = out->data + start;
      frame[0] = (guint8) (n & 0xff);
      frame[1] = (guint8) (n >> 8);

      /* The two length bytes are the AAD; one nonce per frame and direction. */
      hap_cipher_seal (codec->cipher, frame, LENGTH_BYTES, plain, n, frame + LENGTH_BYTES);

      plain += n;
      len -= n;
    }
}

static inline gsize
frame_length (const guint8 *frame)
{
  return (gsize) frame[0] | ((gsize) frame[1] << 8);
}

static gboolean
check_length (HapFrameCodec  *codec,
              gsize           length,
              GError        **error)
{
  /* docs/protocol.md §3.3: frames carry at most 1024 bytes; reject the
   * frame as soon as its length bytes arrive instead of buffering its body. */
  if (length <= HAP_FRAME_MAX_PLAINTEXT)
    return TRUE;

  codec->failed = TRUE;
  codec->failure = HAP_ERROR_TOO_LARGE;
  g_set_error (error, HAP_ERROR, HAP_ERROR_TOO_LARGE,
               "Encrypted frame declares %" G_GSIZE_FORMAT " bytes, more than %d",
               length, HAP_FRAME_MAX_PLAINTEXT);
  return FALSE;
}

/* Decrypts one whole frame (length bytes, ciphertext, tag) and appends its plaintext. */
static gboolean
open_frame (HapFrameCodec  *codec,
            const guint8   *frame,
            GByteArray     *plain,
            GError        **error)
{
  gsize length = frame_length (frame);
  guint8 empty;
  guint start = plain->len;
  guint8 *dest = &empty;
  gboolean ok;

  if (length > 0)
    {
      g_byte_array_set_size (plain, start + (guint) length);
      dest = plain->data + start;
    }

  ok = hap_cipher_open (codec->cipher, frame, LENGTH_BYTES,
                        frame + LENGTH_BYTES, length + HAP_AEAD_TAG_LEN, dest);
  if (!ok)
    {
      /* docs/protocol.md §3.3: a frame that does not authenticate ends the session.
       * A modified length byte, ciphertext or tag and a replayed or reordered frame
       * (whose counter no longer matches) all end up here. */
      if (length > 0)
        {
          sodium_memzero (dest, length);
          g_byte_array_set_size (plain, start);
        }
      codec->failed = TRUE;
      codec->failure = HAP_ERROR_AUTHENTICATION;
      g_set_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                   "Encrypted frame %" G_GUINT64_FORMAT " failed authentication",
                   codec->cipher->open.counter);
      return FALSE;
    }
  return TRUE;
}

gboolean
hap_frame_codec_decrypt (HapFrameCodec  *codec,
                         const guint8   *data,
                         gsize           len,
                         GByteArray     *plain,
                         GError        **error)
{
  g_return_val_if_fail (codec != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (plain != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (codec->failed)
    {
      g_set_error (error, HAP_ERROR, codec->failure,
                   "Encrypted session already failed");
      return FALSE;
    }

  while (len > 0)
    {
      gsize need;

      if (codec->partial_len == 0 && len >= LENGTH_BYTES)
        {
          /* Fast path: a whole frame inside @data is decrypted where it lies. */
          gsize length = frame_length (data);
          gsize total = LENGTH_BYTES + length + HAP_AEAD_TAG_LEN;

          if (!check_length (codec, length, error))
            return FALSE;
          if (len >= total)
            {
              if (!open_frame (codec, data, plain, error))
                return FALSE;
              data += total;
              len -= total;
              continue;
            }
        }

      /* Slow path: collect the length bytes, then the rest of the frame. */
      if (codec->partial_len < LENGTH_BYTES)
        {
          gsize n = MIN (len, LENGTH_BYTES - codec->partial_len);

          memcpy (codec->partial + codec->partial_len, data, n);
          codec->partial_len += n;
          data += n;
          len -= n;
          if (codec->partial_len < LENGTH_BYTES)
            break;
          if (!check_length (codec, frame_length (codec->partial), error))
            return FALSE;
        }

      need = LENGTH_BYTES + frame_length (codec->partial) + HAP_AEAD_TAG_LEN
             - codec->partial_len;
      if (len < need)
        {
          memcpy (codec->partial + codec->partial_len, data, len);
          codec->partial_len += len;
          break;
        }

      memcpy (codec->partial + codec->partial_len, data, need);
      data += need;
      len -= need;
      codec->partial_len = 0;
      if (!open_frame (codec, codec->partial, plain, error))
        return FALSE;
    }

  return TRUE;
}

gsize
hap_frame_codec_get_pending (HapFrameCodec *codec)
{
  g_return_val_if_fail (codec != NULL, 0);

  return codec->partial_len;
}
