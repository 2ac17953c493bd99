/* hap-crypto.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-crypto-private.h"

#include <string.h>

void
hap_crypto_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialized");
      g_once_init_leave (&initialized, 1);
    }
}

/* RFC 5869 over HMAC-SHA-512. libsodium gained crypto_kdf_hkdf_sha512 only in 1.0.19;
 * Debian 12 ships 1.0.18, so extract-and-expand is written here on its HMAC. */
void
hap_hkdf_sha512 (const guint8 *ikm,  gsize ikm_len,
                 const guint8 *salt, gsize salt_len,
                 const guint8 *info, gsize info_len,
                 guint8       *out,  gsize out_len)
{
  guint8 prk[crypto_auth_hmacsha512_BYTES];
  guint8 block[crypto_auth_hmacsha512_BYTES];
  crypto_auth_hmacsha512_state st;
  static const guint8 zero_salt[crypto_auth_hmacsha512_BYTES] = { 0 };
  gsize done = 0;
  guint8 counter = 1;

  g_assert (out_len <= 255 * sizeof block);

  if (salt == NULL || salt_len == 0)
    {
      salt = zero_salt;
      salt_len = sizeof zero_salt;
    }

  /* Extract: PRK = HMAC(salt, IKM) */
  crypto_auth_hmacsha512_init (&st, salt, salt_len);
  crypto_auth_hmacsha512_update (&st, ikm, ikm_len);
  crypto_auth_hmacsha512_final (&st, prk);

  /* Expand: T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i) */
  while (done < out_len)
    {
      gsize n;

      crypto_auth_hmacsha512_init (&st, prk, sizeof prk);
      if (counter > 1)
        crypto_auth_hmacsha512_update (&st, block, sizeof block);
      if (info_len > 0)
        crypto_auth_hmacsha512_update (&st, info, info_len);
      crypto_auth_hmacsha512_update (&st, &counter, 1);
      crypto_auth_hmacsha512_final (&st, block);

      n = MIN (sizeof block, out_len - done);
      memcpy (out + done, block, n);
      done += n;
      counter++;
    }

  sodium_memzero (prk, sizeof prk);
  sodium_memzero (block, sizeof block);
  sodium_memzero (&st, sizeof st);
}

void
hap_hkdf_sha512_str (const guint8 *ikm, gsize ikm_len,
                     const char   *salt,
                     const char   *info,
                     guint8       *out, gsize out_len)
{
  hap_hkdf_sha512 (ikm, ikm_len,
                   (const guint8 *) salt, strlen (salt),
                   (const guint8 *) info, strlen (info),
                   out, out_len);
}

void
hap_nonce_from_counter (guint64 counter, guint8 nonce8[HAP_AEAD_NONCE_LEN])
{
  for (guint i = 0; i < 8; i++)
    nonce8[i] = (guint8) (counter >> (8 * i));
}

/* HAP §5.3 / docs/protocol.md §0: the 8-byte HAP nonce is prefixed with 4 zero bytes. */
static inline void
expand_nonce (const guint8 nonce8[HAP_AEAD_NONCE_LEN],
              guint8       nonce12[crypto_aead_chacha20poly1305_ietf_NPUBBYTES])
{
  memset (nonce12, 0, 4);
  memcpy (nonce12 + 4, nonce8, 8);
}

void
hap_aead_encrypt (const guint8  key[HAP_AEAD_KEY_LEN],
                  const guint8  nonce8[HAP_AEAD_NONCE_LEN],
                  const guint8 *aad,   gsize aad_len,
                  const guint8 *plain, gsize plain_len,
                  guint8       *out)
{
  guint8 nonce12[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

  expand_nonce (nonce8, nonce12);
  crypto_aead_chacha20poly1305_ietf_encrypt (out, NULL, plain, plain_len, aad, aad_len,
                                             NULL, nonce12, key);
}

gboolean
hap_aead_decrypt (const guint8  key[HAP_AEAD_KEY_LEN],
                  const guint8  nonce8[HAP_AEAD_NONCE_LEN],
                  const guint8 *aad, gsize aad_len,
                  const guint8 *in,  gsize in_len,
                  guint8       *out)
{
  guint8 nonce12[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

  if (in_len < HAP_AEAD_TAG_LEN)
    return FALSE;

  expand_nonce (nonce8, nonce12);
  return crypto_aead_chacha20poly1305_ietf_decrypt (out, NULL, NULL, in, in_len, aad, aad_len,
                                                    nonce12, key) == 0;
}

gboolean
hap_secure_equal (const void *a, const void *b, gsize len)
{
  return sodium_memcmp (a, b, len) == 0;
}

void
hap_byte_array_wipe_free (GByteArray *array)
{
  if (array == NULL)
    return;
  sodium_memzero (array->data, array->len);
  g_byte_array_unref (array);
}

void
hap_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  sodium_memzero (secret, strlen (secret));
  g_free (secret);
}
