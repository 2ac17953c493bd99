/* hap-pair-verify.c — Pair Verify M1–M4, accessory side (docs/protocol.md §3.1–3.2)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-pairing-private.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-tlv8-private.h"

static void
verify_reset (HapPairingSession *session)
{
  sodium_memzero (session->verify_shared, sizeof session->verify_shared);
  sodium_memzero (session->verify_key, sizeof session->verify_key);
  session->verify_state = 0;
}

static GByteArray *
verify_fail (HapPairingSession *session, guint8 tlv_error)
{
  verify_reset (session);
  return hap_pairing_error_response (4, tlv_error);
}

/* M2 of a full Pair Verify for the controller's ephemeral key @pk (docs/protocol.md §3.1). */
static GByteArray *
full_m2 (HapPairingContext *ctx, HapPairingSession *session, const guint8 pk[32])
{
  static const guint8 nonce2[8] = { 'P', 'V', '-', 'M', 's', 'g', '0', '2' };
  HapStorage *storage = ctx->storage;
  guint8 esk[32], signature[64];
  g_autoptr(HapSecretBytes) sub = NULL;
  g_autoptr(GByteArray) out = NULL;
  guint8 info[32 + 17 + 32];
  g_autofree guint8 *cipher = NULL;

  /* A new M1 discards a half-done verify on this session (ADK, citing the spec). */
  verify_reset (session);
  memcpy (session->controller_epk, pk, 32);
  randombytes_buf (esk, sizeof esk);
  crypto_scalarmult_base (session->accessory_epk, esk);
  if (crypto_scalarmult (session->verify_shared, esk, session->controller_epk) != 0)
    {
      sodium_memzero (esk, sizeof esk);
      return verify_fail (session, HAP_TLV_ERROR_AUTHENTICATION);
    }
  sodium_memzero (esk, sizeof esk);

  /* AccessoryInfo = AccessoryCvPK ‖ Device ID ‖ ControllerCvPK, signed with the LTSK. */
  memcpy (info, session->accessory_epk, 32);
  memcpy (info + 32, storage->device_id, 17);
  memcpy (info + 49, session->controller_epk, 32);
  crypto_sign_detached (signature, NULL, info, sizeof info, storage->secret_key);

  hap_hkdf_sha512_str (session->verify_shared, 32, "Pair-Verify-Encrypt-Salt",
                       "Pair-Verify-Encrypt-Info", session->verify_key, 32);

  sub = g_byte_array_sized_new (96);
  hap_tlv8_append (sub, HAP_TLV_IDENTIFIER, (const guint8 *) storage->device_id, 17);
  hap_tlv8_append (sub, HAP_TLV_SIGNATURE, signature, 64);
  cipher = g_malloc (sub->len + HAP_AEAD_TAG_LEN);
  hap_aead_encrypt (session->verify_key, nonce2, NULL, 0, sub->data, sub->len, cipher);

  out = g_byte_array_sized_new (160);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 2);
  hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, session->accessory_epk, 32);
  hap_tlv8_append (out, HAP_TLV_ENCRYPTED_DATA, cipher, sub->len + HAP_AEAD_TAG_LEN);
  session->verify_state = 2;
  return g_steal_pointer (&out);
}

/* ---- BLE Pair Resume (docs/protocol.md §3.4) ----------------------------------------- */

/* HKDF(previous shared secret, salt = controller PK ‖ session id, @info). */
static void
resume_key (const guint8  shared[32],
            const guint8  pk[32],
            const guint8  session_id[HAP_RESUME_ID_LEN],
            const char   *info,
            guint8        out[32])
{
  guint8 salt[32 + HAP_RESUME_ID_LEN];

  memcpy (salt, pk, 32);
  memcpy (salt + 32, session_id, HAP_RESUME_ID_LEN);
  hap_hkdf_sha512 (shared, 32, salt, sizeof salt, (const guint8 *) info, strlen (info), out, 32);
}

static void
forget_entry (HapResumeEntry *entry)
{
  g_free (entry->controller_id);
  sodium_memzero (entry, sizeof *entry);
}

/* Caches @session's secret under @session_id, replacing the least recently used entry. */
static void
remember_session (HapPairingContext *ctx,
                  HapPairingSession *session,
                  const guint8       session_id[HAP_RESUME_ID_LEN])
{
  HapResumeEntry *victim = &ctx->resume_cache[0];

  for (guint i = 0; i < HAP_RESUME_CACHE_SIZE; i++)
    {
      HapResumeEntry *entry = &ctx->resume_cache[i];
      if (!entry->used)
        {
          victim = entry;
          break;
        }
      if (entry->stamp < victim->stamp)
        victim = entry;
    }
  forget_entry (victim);
  victim->used = TRUE;
  victim->stamp = ++ctx->resume_stamp;
  memcpy (victim->session_id, session_id, HAP_RESUME_ID_LEN);
  memcpy (victim->shared_secret, session->shared_secret, 32);
  victim->controller_id = g_strdup (session->controller_id);
}

static HapResumeEntry *
lookup_resumable (HapPairingContext *ctx, const guint8 *session_id)
{
  for (guint i = 0; i < HAP_RESUME_CACHE_SIZE; i++)
    {
      HapResumeEntry *entry = &ctx->resume_cache[i];
      if (entry->used && hap_secure_equal (entry->session_id, session_id, HAP_RESUME_ID_LEN))
        return entry;
    }
  return NULL;
}

void
hap_pairing_context_forget_resumable (HapPairingContext *ctx, const char *identifier)
{
  for (guint i = 0; i < HAP_RESUME_CACHE_SIZE; i++)
    if (ctx->resume_cache[i].used && g_strcmp0 (ctx->resume_cache[i].controller_id, identifier) == 0)
      forget_entry (&ctx->resume_cache[i]);
}

void
hap_pairing_context_clear_resumable (HapPairingContext *ctx)
{
  for (guint i = 0; i < HAP_RESUME_CACHE_SIZE; i++)
    forget_entry (&ctx->resume_cache[i]);
}

/* The session keys of a verified (or resumed) session, from its shared secret (§3.2). */
static void
secure_session (HapPairingSession *session, const char *controller_id)
{
  hap_hkdf_sha512_str (session->shared_secret, 32, "Control-Salt", "Control-Read-Encryption-Key",
                       session->encrypt_key, 32);
  hap_hkdf_sha512_str (session->shared_secret, 32, "Control-Salt", "Control-Write-Encryption-Key",
                       session->decrypt_key, 32);
  g_free (session->controller_id);
  session->controller_id = g_strdup (controller_id);
  session->secured = TRUE;
  session->transient = FALSE;
}

static GByteArray *
handle_resume_m1 (HapPairingContext *ctx, HapPairingSession *session, HapTlv8 *tlv, GError **error)
{
  static const guint8 nonce1[8] = { 'P', 'R', '-', 'M', 's', 'g', '0', '1' };
  static const guint8 nonce2[8] = { 'P', 'R', '-', 'M', 's', 'g', '0', '2' };
  const guint8 *pk, *session_id, *enc;
  gsize pk_len, id_len, enc_len;
  HapResumeEntry *entry;
  guint8 previous[32], key[32], new_id[HAP_RESUME_ID_LEN], tag[HAP_AEAD_TAG_LEN], empty = 0;
  g_autofree char *controller_id = NULL;
  g_autoptr(GByteArray) out = NULL;

  pk = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &pk_len);
  session_id = hap_tlv8_get (tlv, HAP_TLV_SESSION_ID, &id_len);
  enc = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &enc_len);
  if (pk == NULL || pk_len != 32 || session_id == NULL || id_len != HAP_RESUME_ID_LEN ||
      enc == NULL || enc_len != HAP_AEAD_TAG_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pair-resume: M1 needs a 32-byte PublicKey, an 8-byte SessionID and a "
                   "16-byte EncryptedData");
      return NULL;
    }

  /* An unknown (or forgotten) session, or one whose controller is no longer paired:
   * answer as a full Pair Verify from the same key, which the controller can finish. */
  entry = lookup_resumable (ctx, session_id);
  if (entry == NULL || hap_storage_find_pairing (ctx->storage, entry->controller_id,
                                                 strlen (entry->controller_id)) == NULL)
    return full_m2 (ctx, session, pk);

  /* The entry is used up whatever happens next (§3.4). */
  verify_reset (session);
  memcpy (previous, entry->shared_secret, 32);
  controller_id = g_strdup (entry->controller_id);
  forget_entry (entry);

  resume_key (previous, pk, session_id, "Pair-Resume-Request-Info", key);
  if (!hap_aead_decrypt (key, nonce1, NULL, 0, enc, enc_len, &empty))
    {
      sodium_memzero (previous, sizeof previous);
      sodium_memzero (key, sizeof key);
      return hap_pairing_error_response (2, HAP_TLV_ERROR_AUTHENTICATION);
    }

  randombytes_buf (new_id, sizeof new_id);
  resume_key (previous, pk, new_id, "Pair-Resume-Response-Info", key);
  hap_aead_encrypt (key, nonce2, NULL, 0, &empty, 0, tag);
  resume_key (previous, pk, new_id, "Pair-Resume-Shared-Secret-Info", session->shared_secret);
  sodium_memzero (previous, sizeof previous);
  sodium_memzero (key, sizeof key);

  secure_session (session, controller_id);
  remember_session (ctx, session, new_id);

  out = g_byte_array_sized_new (40);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 2);
  hap_tlv8_append_uint8 (out, HAP_TLV_METHOD, HAP_METHOD_PAIR_RESUME);
  hap_tlv8_append (out, HAP_TLV_SESSION_ID, new_id, sizeof new_id);
  hap_tlv8_append (out, HAP_TLV_ENCRYPTED_DATA, tag, sizeof tag);
  return g_steal_pointer (&out);
}

static GByteArray *
handle_m1 (HapPairingContext *ctx, HapPairingSession *session, HapTlv8 *tlv, GError **error)
{
  const guint8 *pk;
  gsize pk_len;
  guint64 method;

  /* HAP §5.7.1: exactly a 32-byte X25519 key. A Method TLV is malformed on IP; on BLE
   * Method 6 asks to resume a session (docs/protocol.md §3.1, §3.4). */
  if (hap_tlv8_get (tlv, HAP_TLV_METHOD, NULL) != NULL && session->resumable)
    {
      if (!hap_tlv8_get_uint (tlv, HAP_TLV_METHOD, &method) || method != HAP_METHOD_PAIR_RESUME)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "pair-verify: M1 Method must be 6 (Pair Resume)");
          return NULL;
        }
      return handle_resume_m1 (ctx, session, tlv, error);
    }
  pk = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &pk_len);
  if (pk == NULL || pk_len != 32 || hap_tlv8_get (tlv, HAP_TLV_METHOD, NULL) != NULL)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pair-verify: M1 needs a 32-byte PublicKey and no Method");
      return NULL;
    }
  return full_m2 (ctx, session, pk);
}

static GByteArray *
handle_m3 (HapPairingContext *ctx, HapPairingSession *session, HapTlv8 *tlv, GError **error)
{
  static const guint8 nonce3[8] = { 'P', 'V', '-', 'M', 's', 'g', '0', '3' };
  const guint8 *enc, *id, *sig;
  gsize enc_len, id_len, sig_len;
  g_autoptr(HapSecretBytes) plain = NULL;
  g_autoptr(HapTlv8) inner = NULL;
  g_autoptr(GByteArray) info = NULL;
  g_autoptr(GByteArray) out = NULL;
  HapPairing *pairing;

  enc = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &enc_len);
  if (enc == NULL || enc_len < HAP_AEAD_TAG_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pair-verify: M3 needs EncryptedData");
      return NULL;
    }

  plain = g_byte_array_sized_new (enc_len);
  g_byte_array_set_size (plain, enc_len - HAP_AEAD_TAG_LEN);
  /* HAP §5.7.4: a tag failure is an authentication error. */
  if (!hap_aead_decrypt (session->verify_key, nonce3, NULL, 0, enc, enc_len, plain->data))
    return verify_fail (session, HAP_TLV_ERROR_AUTHENTICATION);

  inner = hap_tlv8_parse (plain->data, plain->len, NULL);
  id = inner ? hap_tlv8_get (inner, HAP_TLV_IDENTIFIER, &id_len) : NULL;
  sig = inner ? hap_tlv8_get (inner, HAP_TLV_SIGNATURE, &sig_len) : NULL;
  if (id == NULL || sig == NULL || sig_len != 64)
    return verify_fail (session, HAP_TLV_ERROR_AUTHENTICATION);

  /* Unknown controller → Authentication (docs/protocol.md §3.1). */
  pairing = hap_storage_find_pairing (ctx->storage, (const char *) id, id_len);
  if (pairing == NULL)
    return verify_fail (session, HAP_TLV_ERROR_AUTHENTICATION);

  /* iOSDeviceInfo = ControllerCvPK ‖ pairing id ‖ AccessoryCvPK */
  info = g_byte_array_sized_new (64 + id_len);
  g_byte_array_append (info, session->controller_epk, 32);
  g_byte_array_append (info, id, id_len);
  g_byte_array_append (info, session->accessory_epk, 32);
  if (crypto_sign_verify_detached (sig, info->data, info->len, pairing->public_key) != 0)
    return verify_fail (session, HAP_TLV_ERROR_AUTHENTICATION);

  /* docs/protocol.md §3.2: the accessory sends with Control-Read, receives with
   * Control-Write. M4 itself is plaintext; encryption starts after it. */
  memcpy (session->shared_secret, session->verify_shared, 32);
  secure_session (session, pairing->identifier);
  /* §3.4: a BLE session can be resumed later under an id both sides derive. */
  if (session->resumable)
    {
      guint8 session_id[HAP_RESUME_ID_LEN];

      hap_hkdf_sha512_str (session->shared_secret, 32, "Pair-Verify-ResumeSessionID-Salt",
                           "Pair-Verify-ResumeSessionID-Info", session_id, sizeof session_id);
      remember_session (ctx, session, session_id);
    }
  verify_reset (session);

  out = g_byte_array_sized_new (3);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 4);
  return g_steal_pointer (&out);
}

GByteArray *
hap_pair_verify_handle (HapPairingContext  *ctx,
                        HapPairingSession  *session,
                        const guint8       *body,
                        gsize               len,
                        GError            **error)
{
  g_autoptr(HapTlv8) tlv = NULL;
  guint64 state;

  tlv = hap_tlv8_parse (body, len, error);
  if (tlv == NULL)
    return NULL;
  if (!hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &state))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "pair-verify: State is missing");
      return NULL;
    }

  switch (state)
    {
    case 1:
      return handle_m1 (ctx, session, tlv, error);
    case 3:
      if (session->verify_state != 2)
        return verify_fail (session, HAP_TLV_ERROR_UNKNOWN);
      return handle_m3 (ctx, session, tlv, error);
    default:
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pair-verify: State must be 1 or 3");
      return NULL;
    }
}
