/* hap-cipher.c — per-direction AEAD keys and counters of a HAP session (docs/protocol.md §3.2)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-cipher-private.h"

#include <string.h>

void
hap_cipher_init (HapCipher    *cipher,
                 const guint8  open_key[HAP_AEAD_KEY_LEN],
                 const guint8  seal_key[HAP_AEAD_KEY_LEN])
{
  memcpy (cipher->open.key, open_key, HAP_AEAD_KEY_LEN);
  memcpy (cipher->seal.key, seal_key, HAP_AEAD_KEY_LEN);
  cipher->open.counter = 0;
  cipher->seal.counter = 0;
}

void
hap_cipher_clear (HapCipher *cipher)
{
  sodium_memzero (cipher, sizeof *cipher);
}

void
hap_cipher_seal (HapCipher    *cipher,
                 const guint8 *aad,
                 gsize         aad_len,
                 const guint8 *plain,
                 gsize         len,
                 guint8       *out)
{
  guint8 nonce[HAP_AEAD_NONCE_LEN];

  /* docs/protocol.md §3.2: nonce = 0⁴ ‖ LE64(counter), one counter per direction. */
  hap_nonce_from_counter (cipher->seal.counter++, nonce);
  hap_aead_encrypt (cipher->seal.key, nonce, aad, aad_len, plain, len, out);
}

gboolean
hap_cipher_open (HapCipher    *cipher,
                 const guint8 *aad,
                 gsize         aad_len,
                 const guint8 *in,
                 gsize         in_len,
                 guint8       *out)
{
  guint8 nonce[HAP_AEAD_NONCE_LEN];

  if (in_len < HAP_AEAD_TAG_LEN)
    return FALSE;
  hap_nonce_from_counter (cipher->open.counter, nonce);
  if (!hap_aead_decrypt (cipher->open.key, nonce, aad, aad_len, in, in_len, out))
    return FALSE;
  cipher->open.counter++;
  return TRUE;
}
