/* hap-cipher-private.h — the AEAD state of a verified HAP session, without any framing
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * After Pair Verify (or a transient Pair Setup, or a BLE Pair Resume) each direction of
 * a session has its own key and a 64-bit counter that starts at 0 and advances by one
 * per sealed or opened record (docs/protocol.md §3.2). What a record is depends on the
 * transport: IP seals length-prefixed frames of up to 1024 bytes with the two length
 * bytes as AAD (§3.3, hap-frame.c); BLE seals every GATT fragment with no AAD (§5.8).
 * Both use this one state.
 */
#pragma once

#include <glib.h>

#include "hap-crypto-private.h"

G_BEGIN_DECLS

typedef struct
{
  guint8   key[HAP_AEAD_KEY_LEN];
  guint64  counter;
} HapCipherDirection;

typedef struct
{
  HapCipherDirection seal;   /* what this side sends */
  HapCipherDirection open;   /* what this side receives */
} HapCipher;

/* Role-neutral: an accessory passes (Control-Write key, Control-Read key), a controller
 * the opposite. Keys are copied; counters start at 0. */
void      hap_cipher_init   (HapCipher     *cipher,
                             const guint8   open_key[HAP_AEAD_KEY_LEN],
                             const guint8   seal_key[HAP_AEAD_KEY_LEN]);
/* Wipes keys and counters. */
void      hap_cipher_clear  (HapCipher     *cipher);

/* Seals one record: @out receives len + HAP_AEAD_TAG_LEN bytes (ciphertext ‖ tag).
 * Advances the seal counter. */
void      hap_cipher_seal   (HapCipher     *cipher,
                             const guint8  *aad,
                             gsize          aad_len,
                             const guint8  *plain,
                             gsize          len,
                             guint8        *out);
/* Opens one record (ciphertext ‖ tag, @in_len ≥ HAP_AEAD_TAG_LEN) into @out
 * (in_len − HAP_AEAD_TAG_LEN bytes). The open counter advances only when the tag
 * verifies; FALSE otherwise (a modified, replayed or reordered record). */
gboolean  hap_cipher_open   (HapCipher     *cipher,
                             const guint8  *aad,
                             gsize          aad_len,
                             const guint8  *in,
                             gsize          in_len,
                             guint8        *out);

G_END_DECLS
