/* hap-frame-private.h — HAP/IP encrypted framing (docs/protocol.md §3.3)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Frame: LE16(len) ‖ ChaCha20-Poly1305(len bytes) ‖ tag(16); len ≤ 1024; the two length
 * bytes are the AAD; nonce = 4 zero bytes ‖ LE64(counter), one counter per direction.
 */
#pragma once

#include <glib.h>

#include "hap-cipher-private.h"

G_BEGIN_DECLS

#define HAP_FRAME_MAX_PLAINTEXT 1024

typedef struct _HapFrameCodec HapFrameCodec;

/* Role-neutral: an accessory passes (Control-Write key, Control-Read key), a controller
 * the opposite. Keys are copied. */
HapFrameCodec *hap_frame_codec_new     (const guint8    decrypt_key[32],
                                        const guint8    encrypt_key[32]);
/* Frames with a session's cipher (hap-cipher-private.h), which must outlive the codec. */
HapFrameCodec *hap_frame_codec_new_for_cipher (HapCipher *cipher);
void           hap_frame_codec_free    (HapFrameCodec  *codec);   /* wipes keys and buffers */

/* Encrypts @len bytes as ⌈len/1024⌉ frames appended to @out (nothing for len 0). */
void           hap_frame_codec_encrypt (HapFrameCodec  *codec,
                                        const guint8   *plain,
                                        gsize           len,
                                        GByteArray     *out);
/* Buffers @len received bytes and appends the plaintext of every complete frame to
 * @plain. Returns FALSE with HAP_ERROR_TOO_LARGE (declared length > 1024) or
 * HAP_ERROR_AUTHENTICATION (tag mismatch); the codec is then unusable. */
gboolean       hap_frame_codec_decrypt (HapFrameCodec  *codec,
                                        const guint8   *data,
                                        gsize           len,
                                        GByteArray     *plain,
                                        GError        **error);
/* Received bytes of an incomplete frame still buffered. */
gsize          hap_frame_codec_get_pending (HapFrameCodec *codec);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapFrameCodec, hap_frame_codec_free)

G_END_DECLS
