/* hap-pairing-client.c — Pair Setup, Pair Verify and pairings management, controller side
 * (docs/protocol.md §2, §3)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-pairing-client-private.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-srp-private.h"
#include "hap-tlv8-private.h"

#define ACCESSORY_ID_LEN 17   /* docs/protocol.md §2.5: "XX:XX:XX:XX:XX:XX" */

static const char *
tlv_error_name (guint64 code)
{
  static const char *names[] = { NULL, "Unknown", "Authentication", "Backoff", "MaxPeers",
                                 "MaxTries", "Unavailable", "Busy" };

  return code < G_N_ELEMENTS (names) && names[code] != NULL ? names[code] : "unassigned";
}

/* Parses a response and checks its State. docs/protocol.md §2.2: an error response
 * carries the expected state and the Error item; its code goes to *@tlv_error. */
static HapTlv8 *
parse_response (const char   *what,
                const guint8 *response,
                gsize         len,
                guint8        expected_state,
                int          *tlv_error,
                GError      **error)
{
  g_autoptr(HapTlv8) tlv = NULL;
  guint64 state, code;
  gsize code_len;

  if (tlv_error != NULL)
    *tlv_error = 0;
  tlv = hap_tlv8_parse (response, len, error);
  if (tlv == NULL)
    {
      g_prefix_error (error, "%s: M%u: ", what, expected_state);
      return NULL;
    }
  if (hap_tlv8_get (tlv, HAP_TLV_ERROR, &code_len) != NULL)
    {
      /* §1.2: Error is one byte, present only when non-zero. */
      if (code_len != 1 || !hap_tlv8_get_uint (tlv, HAP_TLV_ERROR, &code) || code == 0)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "%s: M%u: Error item is not one non-zero byte", what, expected_state);
          return NULL;
        }
      if (tlv_error != NULL)
        *tlv_error = (int) code;
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "%s: M%u: accessory reported error %u (%s)",
                   what, expected_state, (guint) code, tlv_error_name (code));
      return NULL;
    }
  if (!hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &state) || state != expected_state)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "%s: response needs State %u", what, expected_state);
      return NULL;
    }
  return g_steal_pointer (&tlv);
}

static gboolean
invalid (GError **error, HapError code, const char *what, const char *message)
{
  g_set_error (error, HAP_ERROR, code, "%s: %s", what, message);
  return FALSE;
}

/* AEAD with an 8-byte ASCII nonce such as "PS-Msg05" (docs/protocol.md §0). */
static void
append_encrypted (GByteArray *out, const guint8 key[32], const char *nonce, GByteArray *plain)
{
  g_autofree guint8 *cipher = g_malloc (plain->len + HAP_AEAD_TAG_LEN);

  hap_aead_encrypt (key, (const guint8 *) nonce, NULL, 0, plain->data, plain->len, cipher);
  hap_tlv8_append (out, HAP_TLV_ENCRYPTED_DATA, cipher, plain->len + HAP_AEAD_TAG_LEN);
}

/* Decrypts the EncryptedData item of @tlv and parses the sub-TLV inside. */
static HapTlv8 *
decrypt_sub_tlv (const char *what, HapTlv8 *tlv, const guint8 key[32], const char *nonce,
                 GError **error)
{
  g_autoptr(HapSecretBytes) plain = NULL;
  const guint8 *enc;
  gsize enc_len;
  HapTlv8 *inner;

  enc = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &enc_len);
  if (enc == NULL || enc_len < HAP_AEAD_TAG_LEN)
    return invalid (error, HAP_ERROR_INVALID_DATA, what, "EncryptedData is missing"), NULL;
  plain = g_byte_array_sized_new (enc_len);
  g_byte_array_set_size (plain, enc_len - HAP_AEAD_TAG_LEN);
  if (!hap_aead_decrypt (key, (const guint8 *) nonce, NULL, 0, enc, enc_len, plain->data))
    return invalid (error, HAP_ERROR_AUTHENTICATION, what, "EncryptedData does not verify"), NULL;
  inner = hap_tlv8_parse (plain->data, plain->len, error);
  if (inner == NULL)
    g_prefix_error (error, "%s: encrypted sub-TLV: ", what);
  return inner;
}

/* ---- Pair Setup ---- */

enum { SETUP_M1, SETUP_M2, SETUP_M4, SETUP_M6, SETUP_DONE, SETUP_FAILED };

struct _HapPairSetupClient
{
  int            state;          /* the response expected next */
  char          *id;
  guint8         ltsk[64];
  guint8         ltpk[32];
  char          *setup_code;
  guint32        flags;
  HapSrpClient  *srp;
  guint8         setup_key[32];
  char           accessory_id[ACCESSORY_ID_LEN + 1];
  guint8         accessory_ltpk[32];
  guint8         encrypt_key[32];
  guint8         decrypt_key[32];
};

HapPairSetupClient *
hap_pair_setup_client_new (const HapControllerIdentity *identity, const char *setup_code,
                           guint32 flags)
{
  HapPairSetupClient *client = g_new0 (HapPairSetupClient, 1);

  hap_crypto_init ();
  client->id = g_strdup (identity->id);
  memcpy (client->ltsk, identity->ltsk, 64);
  memcpy (client->ltpk, identity->ltpk, 32);
  client->setup_code = g_strdup (setup_code);
  client->flags = flags;
  return client;
}

void
hap_pair_setup_client_free (HapPairSetupClient *client)
{
  if (client == NULL)
    return;
  g_free (client->id);
  hap_secret_free (client->setup_code);
  hap_srp_client_free (client->srp);
  sodium_memzero (client, sizeof *client);
  g_free (client);
}

/* docs/protocol.md §1.5: Transient applies to Method 0 only; the accessory ignores it
 * for Method 1. */
static gboolean
setup_is_transient (HapPairSetupClient *client)
{
  return (client->flags & HAP_PAIRING_FLAG_TRANSIENT) &&
         !(client->flags & HAP_PAIR_SETUP_CLIENT_WITH_AUTH);
}

GByteArray *
hap_pair_setup_client_start (HapPairSetupClient *client)
{
  GByteArray *out = g_byte_array_sized_new (12);

  g_return_val_if_fail (client->state == SETUP_M1, NULL);

  /* docs/protocol.md §2.2 M1: State=1, Method=0 or 1, Flags only when some are set.
   * Bit 0 of @flags is this API's request for Method 1, not a wire flag. */
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (out, HAP_TLV_METHOD, (client->flags & HAP_PAIR_SETUP_CLIENT_WITH_AUTH)
                                              ? HAP_METHOD_PAIR_SETUP_WITH_AUTH
                                              : HAP_METHOD_PAIR_SETUP);
  if ((client->flags & ~HAP_PAIR_SETUP_CLIENT_WITH_AUTH) != 0)
    hap_tlv8_append_uint (out, HAP_TLV_FLAGS, client->flags & ~HAP_PAIR_SETUP_CLIENT_WITH_AUTH);
  client->state = SETUP_M2;
  return out;
}

static GByteArray *
setup_m2 (HapPairSetupClient *client, HapTlv8 *tlv, GError **error)
{
  const guint8 *b, *salt, *a;
  gsize b_len, salt_len, a_len;
  GByteArray *out;

  /* §2.2 M2: PublicKey=B (≤ 384 bytes, leading zeros may be stripped), Salt (16). */
  b = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &b_len);
  salt = hap_tlv8_get (tlv, HAP_TLV_SALT, &salt_len);
  if (b == NULL || b_len == 0 || b_len > HAP_SRP_PRIME_LEN ||
      salt == NULL || salt_len != HAP_SRP_SALT_LEN)
    return invalid (error, HAP_ERROR_INVALID_DATA, "pair-setup",
                    "M2 needs PublicKey (1..384 bytes) and a 16-byte Salt"), NULL;
  client->srp = hap_srp_client_new (HAP_SRP_USERNAME, client->setup_code, salt, salt_len,
                                    b, b_len, NULL, error);
  if (client->srp == NULL)
    return NULL;

  /* §2.2 M3: State=3, PublicKey=A (384 bytes), Proof=M1. */
  out = g_byte_array_sized_new (HAP_SRP_PRIME_LEN + 80);
  a = hap_srp_client_get_public_key (client->srp, &a_len);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 3);
  hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, a, a_len);
  hap_tlv8_append (out, HAP_TLV_PROOF, hap_srp_client_get_proof (client->srp), HAP_SRP_PROOF_LEN);
  client->state = SETUP_M4;
  return out;
}

static GByteArray *
setup_m4 (HapPairSetupClient *client, HapTlv8 *tlv, GError **error)
{
  const guint8 *proof, *k;
  gsize proof_len;
  guint8 x[32], signature[64];
  g_autoptr(HapSecretBytes) info = NULL;
  g_autoptr(HapSecretBytes) sub = NULL;
  GByteArray *out;

  proof = hap_tlv8_get (tlv, HAP_TLV_PROOF, &proof_len);
  if (proof == NULL || proof_len != HAP_SRP_PROOF_LEN)
    return invalid (error, HAP_ERROR_INVALID_DATA, "pair-setup", "M4 needs a 64-byte Proof"), NULL;
  if (!hap_srp_client_verify_server (client->srp, proof, proof_len))
    return invalid (error, HAP_ERROR_AUTHENTICATION, "pair-setup",
                    "M4 Proof does not match (accessory does not know the code)"), NULL;
  k = hap_srp_client_get_session_key (client->srp);

  if (setup_is_transient (client))
    {
      /* §3.6 / §2.2: a transient setup ends here with control keys from K. */
      hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "SplitSetupSalt", "ControllerEncrypt-Control",
                           client->encrypt_key, 32);
      hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "SplitSetupSalt", "AccessoryEncrypt-Control",
                           client->decrypt_key, 32);
      g_clear_pointer (&client->srp, hap_srp_client_free);
      client->state = SETUP_DONE;
      return NULL;
    }

  /* §2.2 M5: iOSDeviceInfo = iOSDeviceX ‖ pairing id ‖ LTPK, signed with the LTSK. */
  hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info",
                       client->setup_key, 32);
  hap_hkdf_sha512_str (k, HAP_SRP_KEY_LEN, "Pair-Setup-Controller-Sign-Salt",
                       "Pair-Setup-Controller-Sign-Info", x, sizeof x);
  info = g_byte_array_sized_new (64 + strlen (client->id));
  g_byte_array_append (info, x, 32);
  g_byte_array_append (info, (const guint8 *) client->id, strlen (client->id));
  g_byte_array_append (info, client->ltpk, 32);
  crypto_sign_detached (signature, NULL, info->data, info->len, client->ltsk);
  sodium_memzero (x, sizeof x);

  sub = g_byte_array_sized_new (160);
  hap_tlv8_append_string (sub, HAP_TLV_IDENTIFIER, client->id);
  hap_tlv8_append (sub, HAP_TLV_PUBLIC_KEY, client->ltpk, 32);
  hap_tlv8_append (sub, HAP_TLV_SIGNATURE, signature, 64);

  out = g_byte_array_sized_new (sub->len + HAP_AEAD_TAG_LEN + 8);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 5);
  append_encrypted (out, client->setup_key, "PS-Msg05", sub);
  client->state = SETUP_M6;
  return out;
}

static gboolean
setup_m6 (HapPairSetupClient *client, HapTlv8 *tlv, GError **error)
{
  g_autoptr(HapTlv8) inner = NULL;
  g_autoptr(GByteArray) info = NULL;
  const guint8 *id, *ltpk, *sig;
  gsize id_len, ltpk_len, sig_len;
  guint8 x[32];

  inner = decrypt_sub_tlv ("pair-setup: M6", tlv, client->setup_key, "PS-Msg06", error);
  if (inner == NULL)
    return FALSE;
  id = hap_tlv8_get (inner, HAP_TLV_IDENTIFIER, &id_len);
  ltpk = hap_tlv8_get (inner, HAP_TLV_PUBLIC_KEY, &ltpk_len);
  sig = hap_tlv8_get (inner, HAP_TLV_SIGNATURE, &sig_len);
  if (id == NULL || id_len != ACCESSORY_ID_LEN || memchr (id, '\0', id_len) != NULL ||
      ltpk == NULL || ltpk_len != 32 || sig == NULL || sig_len != 64)
    return invalid (error, HAP_ERROR_INVALID_DATA, "pair-setup",
                    "M6 needs a 17-byte Identifier, a 32-byte PublicKey and a 64-byte Signature");

  /* §2.2 M6: AccessoryInfo = AccessoryX ‖ Device ID ‖ AccessoryLTPK. */
  hap_hkdf_sha512_str (hap_srp_client_get_session_key (client->srp), HAP_SRP_KEY_LEN,
                       "Pair-Setup-Accessory-Sign-Salt", "Pair-Setup-Accessory-Sign-Info",
                       x, sizeof x);
  info = g_byte_array_sized_new (32 + id_len + 32);
  g_byte_array_append (info, x, 32);
  g_byte_array_append (info, id, id_len);
  g_byte_array_append (info, ltpk, 32);
  sodium_memzero (x, sizeof x);
  if (crypto_sign_verify_detached (sig, info->data, info->len, ltpk) != 0)
    return invalid (error, HAP_ERROR_AUTHENTICATION, "pair-setup",
                    "M6 accessory signature does not verify");

  memcpy (client->accessory_id, id, id_len);
  client->accessory_id[id_len] = '\0';
  memcpy (client->accessory_ltpk, ltpk, 32);
  g_clear_pointer (&client->srp, hap_srp_client_free);
  sodium_memzero (client->setup_key, sizeof client->setup_key);
  client->state = SETUP_DONE;
  return TRUE;
}

GByteArray *
hap_pair_setup_client_step (HapPairSetupClient  *client,
                            const guint8        *response,
                            gsize                len,
                            int                 *tlv_error,
                            GError             **error)
{
  static const guint8 expected[] = { 0, 2, 4, 6 };
  g_autoptr(HapTlv8) tlv = NULL;
  GByteArray *out = NULL;
  int state = client->state;

  if (tlv_error != NULL)
    *tlv_error = 0;
  if (state < SETUP_M2 || state > SETUP_M6)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "pair-setup: no response expected");
      return NULL;
    }

  client->state = SETUP_FAILED;
  tlv = parse_response ("pair-setup", response, len, expected[state], tlv_error, error);
  if (tlv == NULL)
    return NULL;
  switch (state)
    {
    case SETUP_M2:
      out = setup_m2 (client, tlv, error);
      break;
    case SETUP_M4:
      out = setup_m4 (client, tlv, error);
      break;
    default:
      setup_m6 (client, tlv, error);
      break;
    }
  return out;
}

gboolean
hap_pair_setup_client_is_done (HapPairSetupClient *client)
{
  return client->state == SETUP_DONE;
}

const char *
hap_pair_setup_client_get_accessory_id (HapPairSetupClient *client)
{
  return client->state == SETUP_DONE && client->accessory_id[0] != '\0' ? client->accessory_id : NULL;
}

const guint8 *
hap_pair_setup_client_get_accessory_ltpk (HapPairSetupClient *client)
{
  return hap_pair_setup_client_get_accessory_id (client) != NULL ? client->accessory_ltpk : NULL;
}

gboolean
hap_pair_setup_client_get_session_keys (HapPairSetupClient *client,
                                        guint8              encrypt_key[32],
                                        guint8              decrypt_key[32])
{
  if (client->state != SETUP_DONE || !setup_is_transient (client))
    return FALSE;
  memcpy (encrypt_key, client->encrypt_key, 32);
  memcpy (decrypt_key, client->decrypt_key, 32);
  return TRUE;
}

/* ---- Pair Verify ---- */

/* HKDF(shared, salt = controller PK ‖ session id, @info) (docs/protocol.md §2.3). */
static void
resume_key (const guint8  shared[32],
            const guint8  pk[32],
            const guint8  session_id[8],
            const char   *info,
            guint8        out[32])
{
  guint8 salt[40];

  memcpy (salt, pk, 32);
  memcpy (salt + 32, session_id, 8);
  hap_hkdf_sha512 (shared, 32, salt, sizeof salt, (const guint8 *) info, strlen (info), out, 32);
}

enum { VERIFY_M1, VERIFY_M2, VERIFY_M4, VERIFY_DONE, VERIFY_FAILED };

struct _HapPairVerifyClient
{
  int       state;
  char     *id;
  guint8    ltsk[64];
  gboolean  know_accessory;
  guint8    accessory_ltpk[32];
  char      accessory_id[ACCESSORY_ID_LEN + 1];
  guint8    esk[32];
  guint8    epk[32];
  guint8    shared[32];         /* the session's, kept until freed (resume ticket) */
  gboolean  resume;             /* M1 asks to resume @ticket */
  gboolean  resumed;
  HapResumeTicket ticket;       /* the one to resume; once done, the next one */
};

HapPairVerifyClient *
hap_pair_verify_client_new (const HapControllerIdentity *identity, const guint8 *accessory_ltpk)
{
  HapPairVerifyClient *client = g_new0 (HapPairVerifyClient, 1);

  hap_crypto_init ();
  client->id = g_strdup (identity->id);
  memcpy (client->ltsk, identity->ltsk, 64);
  if (accessory_ltpk != NULL)
    {
      memcpy (client->accessory_ltpk, accessory_ltpk, 32);
      client->know_accessory = TRUE;
    }
  return client;
}

void
hap_pair_verify_client_free (HapPairVerifyClient *client)
{
  if (client == NULL)
    return;
  g_free (client->id);
  sodium_memzero (client, sizeof *client);
  g_free (client);
}

GByteArray *
hap_pair_verify_client_start (HapPairVerifyClient *client)
{
  GByteArray *out = g_byte_array_sized_new (40);

  g_return_val_if_fail (client->state == VERIFY_M1, NULL);

  /* docs/protocol.md §3.1 M1: State=1, PublicKey = a fresh X25519 key; no Method on IP. */
  randombytes_buf (client->esk, sizeof client->esk);
  crypto_scalarmult_base (client->epk, client->esk);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 1);
  if (client->resume)
    {
      static const guint8 nonce1[8] = { 'P', 'R', '-', 'M', 's', 'g', '0', '1' };
      guint8 key[32], tag[HAP_AEAD_TAG_LEN], empty = 0;

      /* §3.4 resume M1: Method 6, the key, the session id and a tag over nothing under
       * HKDF(shared, PK ‖ session id, "Pair-Resume-Request-Info"). */
      resume_key (client->ticket.shared_secret, client->epk, client->ticket.session_id,
                  "Pair-Resume-Request-Info", key);
      hap_aead_encrypt (key, nonce1, NULL, 0, &empty, 0, tag);
      sodium_memzero (key, sizeof key);
      hap_tlv8_append_uint8 (out, HAP_TLV_METHOD, HAP_METHOD_PAIR_RESUME);
      hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, client->epk, 32);
      hap_tlv8_append (out, HAP_TLV_SESSION_ID, client->ticket.session_id, 8);
      hap_tlv8_append (out, HAP_TLV_ENCRYPTED_DATA, tag, sizeof tag);
    }
  else
    hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, client->epk, 32);
  client->state = VERIFY_M2;
  return out;
}

/* The accessory resumed: check its tag and derive the new shared secret (§3.4). */
static gboolean
resume_m2 (HapPairVerifyClient *client, HapTlv8 *tlv, GError **error)
{
  static const guint8 nonce2[8] = { 'P', 'R', '-', 'M', 's', 'g', '0', '2' };
  const guint8 *session_id, *tag;
  gsize id_len, tag_len;
  guint8 key[32], empty = 0;
  gboolean ok;

  session_id = hap_tlv8_get (tlv, HAP_TLV_SESSION_ID, &id_len);
  tag = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &tag_len);
  if (session_id == NULL || id_len != 8 || tag == NULL || tag_len != HAP_AEAD_TAG_LEN)
    return invalid (error, HAP_ERROR_INVALID_DATA, "pair-resume",
                    "M2 needs an 8-byte SessionID and a 16-byte EncryptedData");
  resume_key (client->ticket.shared_secret, client->epk, session_id, "Pair-Resume-Response-Info", key);
  ok = hap_aead_decrypt (key, nonce2, NULL, 0, tag, tag_len, &empty);
  sodium_memzero (key, sizeof key);
  if (!ok)
    return invalid (error, HAP_ERROR_AUTHENTICATION, "pair-resume", "M2 tag does not verify");
  resume_key (client->ticket.shared_secret, client->epk, session_id,
              "Pair-Resume-Shared-Secret-Info", client->shared);
  memcpy (client->ticket.session_id, session_id, 8);
  memcpy (client->ticket.shared_secret, client->shared, 32);
  sodium_memzero (client->esk, sizeof client->esk);
  client->resumed = TRUE;
  client->state = VERIFY_DONE;
  return TRUE;
}

static GByteArray *
verify_m2 (HapPairVerifyClient *client, HapTlv8 *tlv, GError **error)
{
  const guint8 *apk, *id, *sig;
  gsize apk_len, id_len, sig_len;
  guint8 key[32], info[32 + ACCESSORY_ID_LEN + 32], signature[64];
  g_autoptr(HapTlv8) inner = NULL;
  g_autoptr(HapSecretBytes) cinfo = NULL;
  g_autoptr(HapSecretBytes) sub = NULL;
  GByteArray *out;

  apk = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &apk_len);
  if (apk == NULL || apk_len != 32)
    return invalid (error, HAP_ERROR_INVALID_DATA, "pair-verify", "M2 needs a 32-byte PublicKey"), NULL;
  if (crypto_scalarmult (client->shared, client->esk, apk) != 0)
    return invalid (error, HAP_ERROR_INVALID_DATA, "pair-verify",
                    "M2 PublicKey gives no shared secret"), NULL;
  sodium_memzero (client->esk, sizeof client->esk);

  /* §3.1 M2: sub-TLV {Identifier, Signature} under Pair-Verify-Encrypt, nonce PV-Msg02. */
  hap_hkdf_sha512_str (client->shared, 32, "Pair-Verify-Encrypt-Salt", "Pair-Verify-Encrypt-Info",
                       key, sizeof key);
  inner = decrypt_sub_tlv ("pair-verify: M2", tlv, key, "PV-Msg02", error);
  if (inner == NULL)
    {
      sodium_memzero (key, sizeof key);
      return NULL;
    }
  id = hap_tlv8_get (inner, HAP_TLV_IDENTIFIER, &id_len);
  sig = hap_tlv8_get (inner, HAP_TLV_SIGNATURE, &sig_len);
  if (id == NULL || id_len != ACCESSORY_ID_LEN || memchr (id, '\0', id_len) != NULL ||
      sig == NULL || sig_len != 64)
    {
      sodium_memzero (key, sizeof key);
      return invalid (error, HAP_ERROR_INVALID_DATA, "pair-verify",
                      "M2 needs a 17-byte Identifier and a 64-byte Signature"), NULL;
    }

  /* AccessoryInfo = AccessoryCvPK ‖ Device ID ‖ ControllerCvPK, signed with its LTSK. */
  memcpy (info, apk, 32);
  memcpy (info + 32, id, ACCESSORY_ID_LEN);
  memcpy (info + 32 + ACCESSORY_ID_LEN, client->epk, 32);
  if (client->know_accessory &&
      crypto_sign_verify_detached (sig, info, sizeof info, client->accessory_ltpk) != 0)
    {
      sodium_memzero (key, sizeof key);
      return invalid (error, HAP_ERROR_AUTHENTICATION, "pair-verify",
                      "M2 accessory signature does not verify"), NULL;
    }
  memcpy (client->accessory_id, id, ACCESSORY_ID_LEN);
  client->accessory_id[ACCESSORY_ID_LEN] = '\0';

  /* §3.1 M3: iOSDeviceInfo = ControllerCvPK ‖ pairing id ‖ AccessoryCvPK. */
  cinfo = g_byte_array_sized_new (64 + strlen (client->id));
  g_byte_array_append (cinfo, client->epk, 32);
  g_byte_array_append (cinfo, (const guint8 *) client->id, strlen (client->id));
  g_byte_array_append (cinfo, apk, 32);
  crypto_sign_detached (signature, NULL, cinfo->data, cinfo->len, client->ltsk);

  sub = g_byte_array_sized_new (128);
  hap_tlv8_append_string (sub, HAP_TLV_IDENTIFIER, client->id);
  hap_tlv8_append (sub, HAP_TLV_SIGNATURE, signature, 64);
  out = g_byte_array_sized_new (sub->len + HAP_AEAD_TAG_LEN + 8);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 3);
  append_encrypted (out, key, "PV-Msg03", sub);
  sodium_memzero (key, sizeof key);
  client->state = VERIFY_M4;
  return out;
}

GByteArray *
hap_pair_verify_client_step (HapPairVerifyClient  *client,
                             const guint8         *response,
                             gsize                 len,
                             int                  *tlv_error,
                             GError              **error)
{
  g_autoptr(HapTlv8) tlv = NULL;

  if (tlv_error != NULL)
    *tlv_error = 0;
  if (client->state != VERIFY_M2)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "pair-verify: not expecting M2");
      return NULL;
    }
  client->state = VERIFY_FAILED;
  tlv = parse_response ("pair-verify", response, len, 2, tlv_error, error);
  if (tlv == NULL)
    return NULL;
  /* §3.4: a resumed session answers with Method 6; otherwise this is a full M2 for the
   * same key (the accessory did not know the session). */
  if (client->resume && hap_tlv8_get (tlv, HAP_TLV_METHOD, NULL) != NULL)
    {
      resume_m2 (client, tlv, error);
      return NULL;
    }
  return verify_m2 (client, tlv, error);
}

gboolean
hap_pair_verify_client_finish (HapPairVerifyClient  *client,
                               const guint8         *response,
                               gsize                 len,
                               guint8                encrypt_key[32],
                               guint8                decrypt_key[32],
                               int                  *tlv_error,
                               GError              **error)
{
  g_autoptr(HapTlv8) tlv = NULL;

  if (tlv_error != NULL)
    *tlv_error = 0;
  if (client->state != VERIFY_M4)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "pair-verify: not expecting M4");
      return FALSE;
    }
  client->state = VERIFY_FAILED;
  tlv = parse_response ("pair-verify", response, len, 4, tlv_error, error);
  if (tlv == NULL)
    {
      sodium_memzero (client->shared, sizeof client->shared);
      return FALSE;
    }

  /* §3.2: the controller sends with Control-Write and receives with Control-Read. */
  hap_hkdf_sha512_str (client->shared, 32, "Control-Salt", "Control-Write-Encryption-Key",
                       encrypt_key, 32);
  hap_hkdf_sha512_str (client->shared, 32, "Control-Salt", "Control-Read-Encryption-Key",
                       decrypt_key, 32);
  /* §3.4: the id under which a BLE accessory remembers this session. */
  hap_hkdf_sha512_str (client->shared, 32, "Pair-Verify-ResumeSessionID-Salt",
                       "Pair-Verify-ResumeSessionID-Info", client->ticket.session_id, 8);
  memcpy (client->ticket.shared_secret, client->shared, 32);
  client->state = VERIFY_DONE;
  return TRUE;
}

HapPairVerifyClient *
hap_pair_verify_client_new_resume (const HapControllerIdentity *identity,
                                   const guint8                *accessory_ltpk,
                                   const HapResumeTicket       *ticket)
{
  HapPairVerifyClient *client = hap_pair_verify_client_new (identity, accessory_ltpk);

  client->resume = TRUE;
  client->ticket = *ticket;
  return client;
}

gboolean
hap_pair_verify_client_is_done (HapPairVerifyClient *client)
{
  return client->state == VERIFY_DONE;
}

gboolean
hap_pair_verify_client_was_resumed (HapPairVerifyClient *client)
{
  return client->state == VERIFY_DONE && client->resumed;
}

gboolean
hap_pair_verify_client_get_keys (HapPairVerifyClient *client,
                                 guint8               encrypt_key[32],
                                 guint8               decrypt_key[32])
{
  if (client->state != VERIFY_DONE)
    return FALSE;
  hap_hkdf_sha512_str (client->shared, 32, "Control-Salt", "Control-Write-Encryption-Key",
                       encrypt_key, 32);
  hap_hkdf_sha512_str (client->shared, 32, "Control-Salt", "Control-Read-Encryption-Key",
                       decrypt_key, 32);
  return TRUE;
}

gboolean
hap_pair_verify_client_get_ticket (HapPairVerifyClient *client,
                                   HapResumeTicket     *ticket)
{
  if (client->state != VERIFY_DONE)
    return FALSE;
  *ticket = client->ticket;
  return TRUE;
}

const char *
hap_pair_verify_client_get_accessory_id (HapPairVerifyClient *client)
{
  return client->accessory_id[0] != '\0' ? client->accessory_id : NULL;
}

/* ---- Add, Remove and List Pairings ---- */

static GByteArray *
pairings_request (guint8 method)
{
  GByteArray *out = g_byte_array_sized_new (64);

  /* docs/protocol.md §3.5: State=1 and the Method, then the operation's items. */
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (out, HAP_TLV_METHOD, method);
  return out;
}

GByteArray *
hap_pairings_request_add (const char *identifier, const guint8 ltpk[32], gboolean admin)
{
  GByteArray *out = pairings_request (HAP_METHOD_ADD_PAIRING);

  hap_tlv8_append_string (out, HAP_TLV_IDENTIFIER, identifier);
  hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, ltpk, 32);
  hap_tlv8_append_uint8 (out, HAP_TLV_PERMISSIONS, admin ? 1 : 0);
  return out;
}

GByteArray *
hap_pairings_request_remove (const char *identifier)
{
  GByteArray *out = pairings_request (HAP_METHOD_REMOVE_PAIRING);

  hap_tlv8_append_string (out, HAP_TLV_IDENTIFIER, identifier);
  return out;
}

GByteArray *
hap_pairings_request_list (void)
{
  return pairings_request (HAP_METHOD_LIST_PAIRINGS);
}

gboolean
hap_pairings_parse_response (const guint8 *response, gsize len, int *tlv_error, GError **error)
{
  g_autoptr(HapTlv8) tlv = parse_response ("pairings", response, len, 2, tlv_error, error);

  return tlv != NULL;
}

/* One record of a List Pairings response: Identifier, PublicKey (32), Permissions. */
static HapPairing *
list_record (const HapTlv8Item *id, const HapTlv8Item *pk, const HapTlv8Item *perms,
             GError **error)
{
  HapPairing *pairing;

  if (id == NULL || id->len == 0 || id->len > HAP_PAIRING_ID_MAX_LEN ||
      !g_utf8_validate ((const char *) id->value, id->len, NULL) ||
      memchr (id->value, '\0', id->len) != NULL ||
      pk == NULL || pk->len != 32 || perms == NULL || perms->len != 1 || perms->value[0] > 1)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pairings: every listed pairing needs Identifier, a 32-byte PublicKey "
                   "and Permissions 0 or 1");
      return NULL;
    }
  pairing = g_new0 (HapPairing, 1);
  pairing->identifier = g_strndup ((const char *) id->value, id->len);
  memcpy (pairing->public_key, pk->value, 32);
  pairing->admin = perms->value[0] == 1;
  return pairing;
}

GPtrArray *
hap_pairings_parse_list (const guint8 *response, gsize len, int *tlv_error, GError **error)
{
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GPtrArray) list = NULL;
  const HapTlv8Item *id = NULL, *pk = NULL, *perms = NULL;
  guint n;

  tlv = parse_response ("pairings", response, len, 2, tlv_error, error);
  if (tlv == NULL)
    return NULL;

  /* §3.5: records separated by a zero-length 0xFF item (the first also holds State). */
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_pairing_free);
  n = hap_tlv8_get_n_items (tlv);
  for (guint i = 0; i <= n; i++)
    {
      const HapTlv8Item *item = i < n ? hap_tlv8_get_item (tlv, i) : NULL;
      HapPairing *pairing;

      if (item != NULL && item->type != HAP_TLV_SEPARATOR)
        {
          if (item->type == HAP_TLV_IDENTIFIER)
            id = item;
          else if (item->type == HAP_TLV_PUBLIC_KEY)
            pk = item;
          else if (item->type == HAP_TLV_PERMISSIONS)
            perms = item;
          continue;
        }
      /* End of a record; only a response with no record at all may end empty. */
      if (item == NULL && list->len == 0 && id == NULL && pk == NULL && perms == NULL)
        break;
      if ((pairing = list_record (id, pk, perms, error)) == NULL)
        return NULL;
      g_ptr_array_add (list, pairing);
      id = pk = perms = NULL;
    }
  return g_steal_pointer (&list);
}
