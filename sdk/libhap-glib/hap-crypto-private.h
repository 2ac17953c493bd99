/* hap-crypto-private.h — HKDF-SHA-512, HAP's ChaCha20-Poly1305 nonces, secret hygiene
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Ed25519, X25519, SHA-512 and ChaCha20-Poly1305 come straight from libsodium; this
 * file only adds what libsodium 1.0.18 (Debian 12) lacks or what HAP frames specially.
 */
#pragma once

#include <glib.h>
#include <sodium.h>

G_BEGIN_DECLS

#define HAP_AEAD_KEY_LEN   32
#define HAP_AEAD_TAG_LEN   16
#define HAP_AEAD_NONCE_LEN 8   /* HAP passes 8 bytes; libsodium's IETF nonce is 4 zero bytes ‖ these */

void      hap_crypto_init        (void);

void      hap_hkdf_sha512        (const guint8 *ikm,  gsize ikm_len,
                                  const guint8 *salt, gsize salt_len,
                                  const guint8 *info, gsize info_len,
                                  guint8       *out,  gsize out_len);
/* Same, with NUL-terminated ASCII salt and info (the terminator is not hashed). */
void      hap_hkdf_sha512_str    (const guint8 *ikm, gsize ikm_len,
                                  const char   *salt,
                                  const char   *info,
                                  guint8       *out, gsize out_len);

/* nonce8: 8 bytes. "PS-Msg05" style nonces are passed as the 8 ASCII bytes. */
void      hap_nonce_from_counter (guint64 counter, guint8 nonce8[HAP_AEAD_NONCE_LEN]);

/* out must hold plain_len + HAP_AEAD_TAG_LEN bytes. */
void      hap_aead_encrypt       (const guint8  key[HAP_AEAD_KEY_LEN],
                                  const guint8  nonce8[HAP_AEAD_NONCE_LEN],
                                  const guint8 *aad,   gsize aad_len,
                                  const guint8 *plain, gsize plain_len,
                                  guint8       *out);
/* in = ciphertext ‖ tag; out must hold in_len - HAP_AEAD_TAG_LEN bytes.
 * Returns FALSE (and writes nothing meaningful) when the tag does not verify. */
gboolean  hap_aead_decrypt       (const guint8  key[HAP_AEAD_KEY_LEN],
                                  const guint8  nonce8[HAP_AEAD_NONCE_LEN],
                                  const guint8 *aad, gsize aad_len,
                                  const guint8 *in,  gsize in_len,
                                  guint8       *out);

/* Constant-time comparison (sodium_memcmp) of equal-length buffers. */
gboolean  hap_secure_equal       (const void *a, const void *b, gsize len);

/* Wipes then frees; NULL-safe. For GByteArrays that held key material or plaintext. */
void      hap_byte_array_wipe_free (GByteArray *array);
/* Wipes a string (e.g. a setup code) then frees it; NULL-safe. */
void      hap_secret_free        (char *secret);

/* g_autoptr(HapSecretBytes) wipes on scope exit. */
typedef GByteArray HapSecretBytes;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSecretBytes, hap_byte_array_wipe_free)

G_END_DECLS
