/* hap-pair-setup.c — Pair Setup M1–M6, accessory side (docs/protocol.md §2)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-pairing-private.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-tlv8-private.h"

GByteArray *
hap_pairing_error_response (guint8 state, guint8 tlv_error)
{
  GByteArray *out = g_byte_array_sized_new (6);

  /* docs/protocol.md §2.2: errors carry the expected next state and the error code. */
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, state);
  hap_tlv8_append_uint8 (out, HAP_TLV_ERROR, tlv_error);
  return out;
}

void
hap_pairing_context_setup_code_changed (HapPairingContext *ctx)
{
  ctx->have_verifier = FALSE;
  ctx->have_split = FALSE;
}

static void
ensure_verifier (HapPairingContext *ctx)
{
  if (ctx->have_verifier)
    return;
  /* A provisioned device has no code, only the salt and verifier made at the factory
   * (docs/protocol.md §2.1): M1 then costs no modular exponentiation for v. Its salt is
   * fixed with the verifier, so a fixed-salt request cannot apply. */
  if (ctx->storage->has_setup_verifier)
    {
      memcpy (ctx->salt, ctx->storage->setup_salt, sizeof ctx->salt);
      memcpy (ctx->verifier, ctx->storage->setup_verifier, sizeof ctx->verifier);
      ctx->have_verifier = TRUE;
      return;
    }
  hap_crypto_init ();
  if (ctx->use_fixed_salt)
    memcpy (ctx->salt, ctx->fixed_salt, sizeof ctx->salt);
  else
    randombytes_buf (ctx->salt, sizeof ctx->salt);
  /* HAP §5.6.2 / docs/protocol.md §2.1: I = "Pair-Setup", p = the code with dashes. */
  hap_srp_compute_verifier (HAP_SRP_USERNAME, ctx->storage->setup_code, ctx->salt, ctx->verifier);
  ctx->have_verifier = TRUE;
}

static void
setup_reset (HapPairingContext *ctx, HapPairingSession *session)
{
  g_clear_pointer (&session->srp, hap_srp_server_free);
  sodium_memzero (session->setup_key, sizeof session->setup_key);
  session->setup_state = 0;
  session->setup_flags = 0;
  if (ctx->setup_owner == session)
    ctx->setup_owner = NULL;
}

void
hap_pairing_session_clear (HapPairingContext *ctx, HapPairingSession *session)
{
  setup_reset (ctx, session);
  sodium_memzero (session->verify_shared, sizeof session->verify_shared);
  sodium_memzero (session->verify_key, sizeof session->verify_key);
  sodium_memzero (session->encrypt_key, sizeof session->encrypt_key);
  sodium_memzero (session->decrypt_key, sizeof session->decrypt_key);
  sodium_memzero (session->shared_secret, sizeof session->shared_secret);
  session->verify_state = 0;
  g_clear_pointer (&session->controller_id, g_free);
}

static GByteArray *
setup_fail (HapPairingContext *ctx, HapPairingSession *session, guint8 state, guint8 code)
{
  setup_reset (ctx, session);
  return hap_pairing_error_response (state, code);
}

static gboolean
malformed (GError **error, const char *what)
{
  g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "pair-setup: %s", what);
  return FALSE;
}

static GByteArray *
handle_m1 (HapPairingContext *ctx, HapPairingSession *session, HapTlv8 *tlv, GError **error)
{
  guint64 method, flags = 0;
  gint64 now = g_get_monotonic_time ();
  const guint8 *salt;
  const guint8 *verifier;
  g_autoptr(GByteArray) out = NULL;
  const guint8 *pk;
  gsize pk_len;

  /* HAP §5.6.1 / docs/protocol.md §2.2: Method must be 0 or 1, Flags at most 4 bytes.
   * Without an MFi coprocessor, Method 1 proceeds like Method 0 (as HAP-NodeJS does). */
  if (!hap_tlv8_get_uint (tlv, HAP_TLV_METHOD, &method) || method > 1)
    return malformed (error, "M1 needs Method 0 or 1"), NULL;
  if (hap_tlv8_get (tlv, HAP_TLV_FLAGS, &pk_len) != NULL &&
      (!hap_tlv8_get_uint (tlv, HAP_TLV_FLAGS, &flags) || pk_len > 4))
    return malformed (error, "M1 Flags is longer than 4 bytes"), NULL;
  if (method == HAP_METHOD_PAIR_SETUP_WITH_AUTH)
    flags = 0;

  /* A new M1 on the same session restarts its procedure (ADK behaviour). */
  if (ctx->setup_owner == session)
    setup_reset (ctx, session);

  /* HAP §5.6.2 checks, in the ADK's order. */
  if (ctx->storage->pairings->len > 0)
    return hap_pairing_error_response (2, HAP_TLV_ERROR_UNAVAILABLE);
  if (ctx->storage->failed_attempts >= HAP_MAX_FAILED_ATTEMPTS)
    return hap_pairing_error_response (2, HAP_TLV_ERROR_MAX_TRIES);
  if (ctx->setup_owner != NULL)
    {
      if (now - ctx->setup_owner_since < HAP_PAIR_SETUP_STALE_USEC)
        return hap_pairing_error_response (2, HAP_TLV_ERROR_BUSY);
      /* docs/protocol.md §2.2: an owner silent for 30 s is released. */
      setup_reset (ctx, ctx->setup_owner);
    }

  ensure_verifier (ctx);
  salt = ctx->salt;
  verifier = ctx->verifier;
  if ((flags & HAP_PAIRING_FLAG_SPLIT) && !(flags & HAP_PAIRING_FLAG_TRANSIENT))
    {
      /* §3.6: Split alone reuses the remembered salt and verifier. */
      if (!ctx->have_split)
        return hap_pairing_error_response (2, HAP_TLV_ERROR_AUTHENTICATION);
      salt = ctx->split_salt;
      verifier = ctx->split_verifier;
    }
  else if ((flags & HAP_PAIRING_FLAG_SPLIT) && (flags & HAP_PAIRING_FLAG_TRANSIENT))
    {
      memcpy (ctx->split_salt, ctx->salt, sizeof ctx->salt);
      memcpy (ctx->split_verifier, ctx->verifier, sizeof ctx->verifier);
      ctx->have_split = TRUE;
    }

  session->srp = hap_srp_server_new (salt, verifier, NULL);
  session->setup_flags = (guint32) flags & (HAP_PAIRING_FLAG_TRANSIENT | HAP_PAIRING_FLAG_SPLIT);
  session->setup_state = 2;
  ctx->setup_owner = session;
  ctx->setup_owner_since = now;

  out = g_byte_array_sized_new (420);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 2);
  pk = hap_srp_server_get_public_key (session->srp, &pk_len);
  hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, pk, pk_len);
  hap_tlv8_append (out, HAP_TLV_SALT, salt, HAP_SRP_SALT_LEN);
  if (session->setup_flags & HAP_PAIRING_FLAG_SPLIT)
    hap_tlv8_append_uint (out, HAP_TLV_FLAGS, session->setup_flags);
  return g_steal_pointer (&out);
}

static void
count_failure (HapPairingContext *ctx)
{
  g_autoptr(GError) error = NULL;

  /* HAP §5.6.4: the counter survives restarts, so it is written before answering. */
  ctx->storage->failed_attempts++;
  if (!hap_storage_save_state (ctx->storage, &error))
    g_warning ("%s", error->message);
}

static GByteArray *
handle_m3 (HapPairingContext *ctx, HapPairingSession *session, HapTlv8 *tlv, GError **error)
{
  const guint8 *a, *proof;
  gsize a_len, proof_len;
  guint8 m2[HAP_SRP_PROOF_LEN];
  const guint8 *k;
  g_autoptr(GByteArray) out = NULL;

  a = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &a_len);
  proof = hap_tlv8_get (tlv, HAP_TLV_PROOF, &proof_len);
  if (a == NULL || a_len == 0 || a_len > HAP_SRP_PRIME_LEN ||
      proof == NULL || proof_len != HAP_SRP_PROOF_LEN)
    return malformed (error, "M3 needs PublicKey (1..384 bytes) and a 64-byte Proof"), NULL;

  if (!hap_srp_server_verify (session->srp, a, a_len, proof, proof_len, m2, NULL))
    {
      /* HAP §5.6.4: wrong setup code. */
      count_failure (ctx);
      return setup_fail (ctx, session, 4, HAP_TLV_ERROR_AUTHENTICATION);
    }

  if (ctx->storage->failed_attempts != 0)
    {
      g_autoptr(GError) save_error = NULL;
      ctx->storage->failed_attempts = 0;
      if (!hap_storage_save_state (ctx->storage, &save_error))
        g_warning ("%s", save_error->message);
    }

  k = hap_srp_server_get_session_key (session->srp);
  out = g_byte_array_sized_new (80);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 4);
  hap_tlv8_append (out, HAP_TLV_PROOF, m2, sizeof m2);

  if (session->setup_flags & HAP_PAIRING_FLAG_TRANSIENT)
    {
      /* docs/protocol.md §3.6: transient setup ends at M4 with control keys from K. */
      hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "SplitSetupSalt", "AccessoryEncrypt-Control",
                           session->encrypt_key, 32);
      hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "SplitSetupSalt", "ControllerEncrypt-Control",
                           session->decrypt_key, 32);
      session->secured = TRUE;
      session->transient = TRUE;
      setup_reset (ctx, session);
      return g_steal_pointer (&out);
    }

  hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info",
                       session->setup_key, 32);
  session->setup_state = 4;
  ctx->setup_owner_since = g_get_monotonic_time ();
  return g_steal_pointer (&out);
}

static GByteArray *
handle_m5 (HapPairingContext *ctx, HapPairingSession *session, HapTlv8 *tlv, GError **error)
{
  static const guint8 nonce5[8] = { 'P', 'S', '-', 'M', 's', 'g', '0', '5' };
  static const guint8 nonce6[8] = { 'P', 'S', '-', 'M', 's', 'g', '0', '6' };
  HapStorage *storage = ctx->storage;
  const guint8 *enc, *id, *ltpk, *sig;
  gsize enc_len, id_len, ltpk_len, sig_len;
  g_autoptr(HapSecretBytes) plain = NULL;
  g_autoptr(HapSecretBytes) info = NULL;
  g_autoptr(HapSecretBytes) sub = NULL;
  g_autoptr(HapTlv8) inner = NULL;
  g_autoptr(GError) save_error = NULL;
  g_autoptr(GByteArray) out = NULL;
  const guint8 *k = hap_srp_server_get_session_key (session->srp);
  guint8 x[32], signature[64];
  HapPairing *pairing;

  enc = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &enc_len);
  if (enc == NULL || enc_len < HAP_AEAD_TAG_LEN)
    return malformed (error, "M5 needs EncryptedData"), NULL;

  plain = g_byte_array_sized_new (enc_len);
  g_byte_array_set_size (plain, enc_len - HAP_AEAD_TAG_LEN);
  if (!hap_aead_decrypt (session->setup_key, nonce5, NULL, 0, enc, enc_len, plain->data))
    return setup_fail (ctx, session, 6, HAP_TLV_ERROR_AUTHENTICATION);

  inner = hap_tlv8_parse (plain->data, plain->len, NULL);
  id = inner ? hap_tlv8_get (inner, HAP_TLV_IDENTIFIER, &id_len) : NULL;
  ltpk = inner ? hap_tlv8_get (inner, HAP_TLV_PUBLIC_KEY, &ltpk_len) : NULL;
  sig = inner ? hap_tlv8_get (inner, HAP_TLV_SIGNATURE, &sig_len) : NULL;
  if (id == NULL || id_len == 0 || id_len > HAP_PAIRING_ID_MAX_LEN ||
      ltpk == NULL || ltpk_len != 32 || sig == NULL || sig_len != 64 ||
      !g_utf8_validate ((const char *) id, id_len, NULL) || memchr (id, '\0', id_len) != NULL)
    return setup_fail (ctx, session, 6, HAP_TLV_ERROR_AUTHENTICATION);

  /* HAP §5.6.6.1: iOSDeviceInfo = iOSDeviceX ‖ pairing id ‖ LTPK, Ed25519-signed. */
  hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "Pair-Setup-Controller-Sign-Salt",
                       "Pair-Setup-Controller-Sign-Info", x, sizeof x);
  info = g_byte_array_sized_new (32 + id_len + 32);
  g_byte_array_append (info, x, 32);
  g_byte_array_append (info, id, id_len);
  g_byte_array_append (info, ltpk, 32);
  if (crypto_sign_verify_detached (sig, info->data, info->len, ltpk) != 0)
    return setup_fail (ctx, session, 6, HAP_TLV_ERROR_AUTHENTICATION);

  /* The accessory is unpaired here (checked at M1 under Busy), so there is room. The
   * first pairing is an admin (docs/protocol.md §2.2). */
  pairing = g_new0 (HapPairing, 1);
  pairing->added = g_get_real_time () / G_USEC_PER_SEC;
  pairing->identifier = g_strndup ((const char *) id, id_len);
  memcpy (pairing->public_key, ltpk, 32);
  pairing->admin = TRUE;
  g_ptr_array_add (storage->pairings, pairing);
  if (!hap_storage_save_pairings (storage, &save_error))
    {
      g_warning ("%s", save_error->message);
      g_ptr_array_remove (storage->pairings, pairing);
      return setup_fail (ctx, session, 6, HAP_TLV_ERROR_UNKNOWN);
    }

  /* HAP §5.6.6.2: AccessoryInfo = AccessoryX ‖ Device ID ‖ AccessoryLTPK. */
  hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "Pair-Setup-Accessory-Sign-Salt",
                       "Pair-Setup-Accessory-Sign-Info", x, sizeof x);
  g_byte_array_set_size (info, 0);
  g_byte_array_append (info, x, 32);
  g_byte_array_append (info, (const guint8 *) storage->device_id, 17);
  g_byte_array_append (info, storage->public_key, 32);
  crypto_sign_detached (signature, NULL, info->data, info->len, storage->secret_key);
  sodium_memzero (x, sizeof x);

  sub = g_byte_array_sized_new (128);
  hap_tlv8_append (sub, HAP_TLV_IDENTIFIER, (const guint8 *) storage->device_id, 17);
  hap_tlv8_append (sub, HAP_TLV_PUBLIC_KEY, storage->public_key, 32);
  hap_tlv8_append (sub, HAP_TLV_SIGNATURE, signature, 64);

  out = g_byte_array_sized_new (sub->len + HAP_AEAD_TAG_LEN + 8);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 6);
  {
    g_autofree guint8 *cipher = g_malloc (sub->len + HAP_AEAD_TAG_LEN);
    hap_aead_encrypt (session->setup_key, nonce6, NULL, 0, sub->data, sub->len, cipher);
    hap_tlv8_append (out, HAP_TLV_ENCRYPTED_DATA, cipher, sub->len + HAP_AEAD_TAG_LEN);
  }

  setup_reset (ctx, session);
  if (ctx->pairings_changed != NULL)
    ctx->pairings_changed (ctx->user_data, pairing->identifier, FALSE);
  return g_steal_pointer (&out);
}

GByteArray *
hap_pair_setup_handle (HapPairingContext  *ctx,
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
    return malformed (error, "State is missing"), NULL;

  switch (state)
    {
    case 1:
      return handle_m1 (ctx, session, tlv, error);
    case 3:
      if (session->setup_state != 2 || ctx->setup_owner != session)
        return setup_fail (ctx, session, 4, HAP_TLV_ERROR_UNKNOWN);
      return handle_m3 (ctx, session, tlv, error);
    case 5:
      if (session->setup_state != 4 || ctx->setup_owner != session)
        return setup_fail (ctx, session, 6, HAP_TLV_ERROR_UNKNOWN);
      return handle_m5 (ctx, session, tlv, error);
    default:
      malformed (error, "State must be 1, 3 or 5");
      return NULL;
    }
}
