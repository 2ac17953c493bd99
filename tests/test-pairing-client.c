/* test-pairing-client.c — the controller state machines of hap-pairing-client.c driven
 * directly against the accessory's (hap-pair-setup.c, hap-pair-verify.c, hap-pairings.c),
 * with no sockets: bodies go from one function to the other.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-frame-private.h"
#include "hap-pairing-client-private.h"
#include "hap-pairing-private.h"
#include "hap-tlv8-private.h"

#define CODE          "031-45-154"
#define CONTROLLER_ID "11111111-2222-3333-4444-555555555555"
#define USER_ID       "AAAAAAAA-0000-0000-0000-000000000002"

typedef GByteArray *(*Handler) (HapPairingContext *ctx,
                                HapPairingSession *session,
                                const guint8      *body,
                                gsize              len,
                                GError           **error);

typedef struct
{
  char                  *dir;
  HapStorage            *storage;
  HapPairingContext      ctx;
  HapPairingSession      session;
  HapControllerIdentity  identity;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  hap_crypto_init ();
  f->dir = g_dir_make_tmp ("hap-pairing-client-XXXXXX", NULL);
  f->storage = hap_storage_open (f->dir, &error);
  g_assert_no_error (error);
  hap_secret_free (f->storage->setup_code);
  f->storage->setup_code = g_strdup (CODE);
  f->ctx.storage = f->storage;
  f->identity.id = CONTROLLER_ID;
  crypto_sign_keypair (f->identity.ltpk, f->identity.ltsk);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  hap_pairing_session_clear (&f->ctx, &f->session);
  hap_pairing_context_clear_resumable (&f->ctx);
  hap_storage_free (f->storage);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

/* The accessory's answer to @request; it must not be malformed. */
static GByteArray *
accessory (Fixture *f, Handler handler, GByteArray *request)
{
  g_autoptr(GError) error = NULL;
  GByteArray *response = handler (&f->ctx, &f->session, request->data, request->len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

/* @message rebuilt with the last byte of the @type item's value flipped. */
static GByteArray *
tamper (GByteArray *message, guint8 type)
{
  g_autoptr(HapTlv8) tlv = hap_tlv8_parse (message->data, message->len, NULL);
  GByteArray *out = g_byte_array_new ();
  gboolean done = FALSE;

  g_assert_nonnull (tlv);
  for (guint i = 0; i < hap_tlv8_get_n_items (tlv); i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);
      g_autofree guint8 *value = g_memdup2 (item->value, item->len);

      if (item->type == type && item->len > 0)
        {
          value[item->len - 1] ^= 0x01;
          done = TRUE;
        }
      hap_tlv8_append (out, item->type, value, item->len);
    }
  g_assert_true (done);
  return out;
}

/* Runs Pair Setup to the end and returns the finished client. */
static HapPairSetupClient *
run_setup (Fixture *f, guint32 flags)
{
  HapPairSetupClient *setup = hap_pair_setup_client_new (&f->identity, CODE, flags);
  g_autoptr(GByteArray) request = hap_pair_setup_client_start (setup);
  guint steps = 0;

  while (request != NULL)
    {
      g_autoptr(GByteArray) response = accessory (f, hap_pair_setup_handle, request);
      g_autoptr(GError) error = NULL;
      int tlv_error = -1;

      g_clear_pointer (&request, g_byte_array_unref);
      request = hap_pair_setup_client_step (setup, response->data, response->len, &tlv_error, &error);
      g_assert_no_error (error);
      g_assert_cmpint (tlv_error, ==, 0);
      steps++;
    }
  /* §2.2: three round trips; a transient setup (§3.6, Method 0 only) stops after two. */
  g_assert_cmpuint (steps, ==, ((flags & HAP_PAIRING_FLAG_TRANSIENT) &&
                                !(flags & HAP_PAIR_SETUP_CLIENT_WITH_AUTH)) ? 2 : 3);
  g_assert_true (hap_pair_setup_client_is_done (setup));
  return setup;
}

/* Runs Pair Verify; writes the controller's keys. */
static void
run_verify (Fixture *f, const guint8 *accessory_ltpk, guint8 enc[32], guint8 dec[32])
{
  g_autoptr(HapPairVerifyClient) verify = hap_pair_verify_client_new (&f->identity, accessory_ltpk);
  g_autoptr(GByteArray) m1 = hap_pair_verify_client_start (verify);
  g_autoptr(GByteArray) m2 = accessory (f, hap_pair_verify_handle, m1);
  g_autoptr(GByteArray) m3 = NULL;
  g_autoptr(GByteArray) m4 = NULL;
  g_autoptr(GError) error = NULL;

  m3 = hap_pair_verify_client_step (verify, m2->data, m2->len, NULL, &error);
  g_assert_no_error (error);
  m4 = accessory (f, hap_pair_verify_handle, m3);
  g_assert_true (hap_pair_verify_client_finish (verify, m4->data, m4->len, enc, dec, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (hap_pair_verify_client_get_accessory_id (verify), ==, f->storage->device_id);
}

/* Both directions through hap_frame_codec: each side decrypts what the other sent. */
static void
check_codecs (Fixture *f, const guint8 enc[32], const guint8 dec[32])
{
  g_autoptr(HapFrameCodec) controller = hap_frame_codec_new (dec, enc);
  g_autoptr(HapFrameCodec) acc = hap_frame_codec_new (f->session.decrypt_key, f->session.encrypt_key);
  static const char request[] = "GET /accessories HTTP/1.1\r\n\r\n";
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(GByteArray) plain = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint8 big[1500];

  g_assert_true (f->session.secured);
  g_assert_cmpmem (enc, 32, f->session.decrypt_key, 32);
  g_assert_cmpmem (dec, 32, f->session.encrypt_key, 32);

  hap_frame_codec_encrypt (controller, (const guint8 *) request, strlen (request), wire);
  g_assert_true (hap_frame_codec_decrypt (acc, wire->data, wire->len, plain, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (plain->data, plain->len, request, strlen (request));

  randombytes_buf (big, sizeof big);
  g_byte_array_set_size (wire, 0);
  g_byte_array_set_size (plain, 0);
  hap_frame_codec_encrypt (acc, big, sizeof big, wire);
  g_assert_true (hap_frame_codec_decrypt (controller, wire->data, wire->len, plain, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (plain->data, plain->len, big, sizeof big);
}

static void
test_setup_then_verify (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) setup = run_setup (f, 0);
  HapPairing *pairing;
  guint8 enc[32], dec[32];

  g_assert_cmpstr (hap_pair_setup_client_get_accessory_id (setup), ==, f->storage->device_id);
  g_assert_cmpmem (hap_pair_setup_client_get_accessory_ltpk (setup), 32, f->storage->public_key, 32);
  g_assert_false (hap_pair_setup_client_get_session_keys (setup, enc, dec));
  g_assert_cmpuint (f->storage->pairings->len, ==, 1);
  pairing = g_ptr_array_index (f->storage->pairings, 0);
  g_assert_cmpstr (pairing->identifier, ==, CONTROLLER_ID);
  g_assert_cmpmem (pairing->public_key, 32, f->identity.ltpk, 32);
  g_assert_true (pairing->admin);

  run_verify (f, hap_pair_setup_client_get_accessory_ltpk (setup), enc, dec);
  g_assert_false (f->session.transient);
  g_assert_cmpstr (f->session.controller_id, ==, CONTROLLER_ID);
  check_codecs (f, enc, dec);

  /* Without the accessory's key the signature is not checked; keys still match. */
  run_verify (f, NULL, enc, dec);
  check_codecs (f, enc, dec);
}

static void
test_wrong_code (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) setup = hap_pair_setup_client_new (&f->identity, "123-45-679", 0);
  g_autoptr(GByteArray) m1 = hap_pair_setup_client_start (setup);
  g_autoptr(GByteArray) m2 = accessory (f, hap_pair_setup_handle, m1);
  g_autoptr(GByteArray) m3 = hap_pair_setup_client_step (setup, m2->data, m2->len, NULL, NULL);
  g_autoptr(GByteArray) m4 = accessory (f, hap_pair_setup_handle, m3);
  g_autoptr(GByteArray) m5 = NULL;
  g_autoptr(GError) error = NULL;
  int tlv_error = 0;

  /* §2.2 M4: a wrong code is State=4, Error=Authentication. */
  m5 = hap_pair_setup_client_step (setup, m4->data, m4->len, &tlv_error, &error);
  g_assert_null (m5);
  g_assert_cmpint (tlv_error, ==, HAP_TLV_ERROR_AUTHENTICATION);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_FAILED);
  g_assert_false (hap_pair_setup_client_is_done (setup));
  g_assert_cmpuint (f->storage->failed_attempts, ==, 1);
  g_assert_cmpuint (f->storage->pairings->len, ==, 0);

  /* A failed client answers errors only. */
  g_clear_error (&error);
  g_assert_null (hap_pair_setup_client_step (setup, m4->data, m4->len, &tlv_error, &error));
  g_assert_cmpint (tlv_error, ==, 0);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_FAILED);
}

/* Runs Pair Setup with the response to M(2·@at − 1) tampered in its @type item;
 * returns the controller's error. */
static GError *
setup_tampered (Fixture *f, guint at, guint8 type, int *tlv_error)
{
  g_autoptr(HapPairSetupClient) setup = hap_pair_setup_client_new (&f->identity, CODE, 0);
  g_autoptr(GByteArray) request = hap_pair_setup_client_start (setup);
  GError *error = NULL;

  for (guint step = 1; request != NULL; step++)
    {
      g_autoptr(GByteArray) response = accessory (f, hap_pair_setup_handle, request);

      if (step == at)
        {
          GByteArray *forged = tamper (response, type);
          g_byte_array_unref (response);
          response = forged;
        }
      g_clear_pointer (&request, g_byte_array_unref);
      request = hap_pair_setup_client_step (setup, response->data, response->len, tlv_error, &error);
    }
  g_assert_false (hap_pair_setup_client_is_done (setup));
  g_assert_nonnull (error);
  return error;
}

static void
test_tampered_setup (Fixture *f, gconstpointer data)
{
  GError *error;
  int tlv_error = -1;

  /* M2 with another salt: the controller's proof fails at the accessory (M4 error). */
  error = setup_tampered (f, 1, HAP_TLV_SALT, &tlv_error);
  g_assert_cmpint (tlv_error, ==, HAP_TLV_ERROR_AUTHENTICATION);
  g_clear_error (&error);

  /* M4 with a wrong accessory proof. */
  error = setup_tampered (f, 2, HAP_TLV_PROOF, &tlv_error);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_cmpint (tlv_error, ==, 0);
  g_clear_error (&error);

  /* M6 whose encrypted data does not verify (the accessory stored the pairing). */
  error = setup_tampered (f, 3, HAP_TLV_ENCRYPTED_DATA, &tlv_error);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_assert_cmpint (tlv_error, ==, 0);
  g_clear_error (&error);
}

static void
test_tampered_verify (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) setup = run_setup (f, 0);
  const guint8 *ltpk = hap_pair_setup_client_get_accessory_ltpk (setup);
  guint8 other_pk[32], other_sk[64], enc[32], dec[32];
  static const guint8 types[] = { HAP_TLV_ENCRYPTED_DATA, HAP_TLV_PUBLIC_KEY, 0 };

  crypto_sign_keypair (other_pk, other_sk);
  /* M2 tampered (ciphertext or ephemeral key), or signed by a key we do not expect. */
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      const guint8 *expected = types[i] != 0 ? ltpk : other_pk;
      g_autoptr(HapPairVerifyClient) verify = hap_pair_verify_client_new (&f->identity, expected);
      g_autoptr(GByteArray) m1 = hap_pair_verify_client_start (verify);
      g_autoptr(GByteArray) m2 = accessory (f, hap_pair_verify_handle, m1);
      g_autoptr(GByteArray) forged = types[i] ? tamper (m2, types[i]) : g_byte_array_ref (m2);
      g_autoptr(GByteArray) m3 = NULL;
      g_autoptr(GError) error = NULL;

      m3 = hap_pair_verify_client_step (verify, forged->data, forged->len, NULL, &error);
      g_assert_null (m3);
      g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
    }

  /* M4 with the wrong State, then M4 with an Error for an unknown controller. */
  {
    g_autoptr(HapPairVerifyClient) verify = hap_pair_verify_client_new (&f->identity, ltpk);
    g_autoptr(GByteArray) m1 = hap_pair_verify_client_start (verify);
    g_autoptr(GByteArray) m2 = accessory (f, hap_pair_verify_handle, m1);
    g_autoptr(GByteArray) m3 G_GNUC_UNUSED = hap_pair_verify_client_step (verify, m2->data, m2->len, NULL, NULL);
    g_autoptr(GByteArray) m4 = g_byte_array_new ();
    g_autoptr(GError) error = NULL;

    hap_tlv8_append_uint8 (m4, HAP_TLV_STATE, 2);
    g_assert_false (hap_pair_verify_client_finish (verify, m4->data, m4->len, enc, dec, NULL, &error));
    g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  }
  {
    HapControllerIdentity stranger = f->identity;
    g_autoptr(HapPairVerifyClient) verify = NULL;
    g_autoptr(GByteArray) m1 = NULL, m2 = NULL, m3 = NULL, m4 = NULL;
    g_autoptr(GError) error = NULL;
    int tlv_error = 0;

    stranger.id = "unknown-controller";
    verify = hap_pair_verify_client_new (&stranger, ltpk);
    m1 = hap_pair_verify_client_start (verify);
    m2 = accessory (f, hap_pair_verify_handle, m1);
    m3 = hap_pair_verify_client_step (verify, m2->data, m2->len, NULL, NULL);
    m4 = accessory (f, hap_pair_verify_handle, m3);
    g_assert_false (hap_pair_verify_client_finish (verify, m4->data, m4->len, enc, dec,
                                                   &tlv_error, &error));
    g_assert_cmpint (tlv_error, ==, HAP_TLV_ERROR_AUTHENTICATION);
    g_assert_error (error, HAP_ERROR, HAP_ERROR_FAILED);
    sodium_memzero (&stranger, sizeof stranger);
  }
  sodium_memzero (other_sk, sizeof other_sk);
}

static void
test_transient (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) setup = run_setup (f, HAP_PAIRING_FLAG_TRANSIENT);
  guint8 enc[32], dec[32];

  g_assert_true (hap_pair_setup_client_get_session_keys (setup, enc, dec));
  g_assert_true (f->session.transient);
  g_assert_null (hap_pair_setup_client_get_accessory_id (setup));
  g_assert_null (hap_pair_setup_client_get_accessory_ltpk (setup));
  g_assert_cmpuint (f->storage->pairings->len, ==, 0);
  check_codecs (f, enc, dec);
}

static void
test_add_list_remove (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) setup = run_setup (f, 0);
  g_autoptr(GByteArray) add = NULL, added = NULL, list = NULL, listed = NULL;
  g_autoptr(GByteArray) rm_request = NULL, removed = NULL, denied = NULL;
  g_autoptr(GPtrArray) pairings = NULL;
  g_autoptr(GError) error = NULL;
  guint8 user_pk[32], user_sk[64], enc[32], dec[32];
  HapPairing *p;
  int tlv_error = -1;

  run_verify (f, hap_pair_setup_client_get_accessory_ltpk (setup), enc, dec);
  crypto_sign_keypair (user_pk, user_sk);
  sodium_memzero (user_sk, sizeof user_sk);

  add = hap_pairings_request_add (USER_ID, user_pk, FALSE);
  added = accessory (f, hap_pairings_handle, add);
  g_assert_true (hap_pairings_parse_response (added->data, added->len, &tlv_error, &error));
  g_assert_no_error (error);
  g_assert_cmpint (tlv_error, ==, 0);

  list = hap_pairings_request_list ();
  listed = accessory (f, hap_pairings_handle, list);
  pairings = hap_pairings_parse_list (listed->data, listed->len, &tlv_error, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pairings->len, ==, 2);
  p = g_ptr_array_index (pairings, 0);
  g_assert_cmpstr (p->identifier, ==, CONTROLLER_ID);
  g_assert_cmpmem (p->public_key, 32, f->identity.ltpk, 32);
  g_assert_true (p->admin);
  p = g_ptr_array_index (pairings, 1);
  g_assert_cmpstr (p->identifier, ==, USER_ID);
  g_assert_cmpmem (p->public_key, 32, user_pk, 32);
  g_assert_false (p->admin);

  rm_request = hap_pairings_request_remove (USER_ID);
  removed = accessory (f, hap_pairings_handle, rm_request);
  g_assert_true (hap_pairings_parse_response (removed->data, removed->len, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&pairings, g_ptr_array_unref);
  g_clear_pointer (&listed, g_byte_array_unref);
  listed = accessory (f, hap_pairings_handle, list);
  pairings = hap_pairings_parse_list (listed->data, listed->len, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pairings->len, ==, 1);

  /* §3.5: a TLV error is reported as its code. */
  denied = hap_pairing_error_response (2, HAP_TLV_ERROR_AUTHENTICATION);
  g_assert_false (hap_pairings_parse_response (denied->data, denied->len, &tlv_error, &error));
  g_assert_cmpint (tlv_error, ==, HAP_TLV_ERROR_AUTHENTICATION);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (hap_pairings_parse_list (denied->data, denied->len, &tlv_error, &error));
  g_assert_cmpint (tlv_error, ==, HAP_TLV_ERROR_AUTHENTICATION);
}

/* A setup client waiting for M2, M4 or M6 (@at = 1, 2, 3) of a real exchange. */
static HapPairSetupClient *
setup_waiting (Fixture *f, guint at)
{
  HapPairSetupClient *setup = hap_pair_setup_client_new (&f->identity, CODE, 0);
  g_autoptr(GByteArray) request = hap_pair_setup_client_start (setup);

  hap_pairing_session_clear (&f->ctx, &f->session);
  for (guint step = 1; step < at; step++)
    {
      g_autoptr(GByteArray) response = accessory (f, hap_pair_setup_handle, request);
      g_clear_pointer (&request, g_byte_array_unref);
      request = hap_pair_setup_client_step (setup, response->data, response->len, NULL, NULL);
      g_assert_nonnull (request);
    }
  return setup;
}

/* Feeds @body to every response parser in every state: always an error, never a crash. */
static void
feed_everywhere (Fixture *f, const guint8 *body, gsize len, gboolean must_fail)
{
  /* Random bodies only meet a client waiting for M2: no SRP exchange per body. */
  for (guint at = 1; at <= (must_fail ? 3 : 1); at++)
    {
      g_autoptr(HapPairSetupClient) setup = setup_waiting (f, at);
      g_autoptr(GByteArray) out = NULL;
      g_autoptr(GError) error = NULL;
      int tlv_error = -1;

      out = hap_pair_setup_client_step (setup, body, len, &tlv_error, &error);
      g_assert_true (out == NULL && error != NULL);
      g_assert_true (tlv_error == 0 || error->code == HAP_ERROR_FAILED);
    }
  {
    g_autoptr(HapPairVerifyClient) verify = hap_pair_verify_client_new (&f->identity, NULL);
    g_autoptr(HapPairVerifyClient) verify4 = hap_pair_verify_client_new (&f->identity, NULL);
    g_autoptr(GByteArray) m1 G_GNUC_UNUSED = hap_pair_verify_client_start (verify);
    g_autoptr(GByteArray) m1b G_GNUC_UNUSED = hap_pair_verify_client_start (verify4);
    g_autoptr(GByteArray) m3 = NULL;
    g_autoptr(GError) error = NULL;
    guint8 enc[32], dec[32];

    m3 = hap_pair_verify_client_step (verify, body, len, NULL, &error);
    g_assert_true (m3 == NULL && error != NULL);
    g_clear_error (&error);
    /* Not expecting M4 yet: refused whatever it holds. */
    g_assert_false (hap_pair_verify_client_finish (verify4, body, len, enc, dec, NULL, &error));
    g_assert_error (error, HAP_ERROR, HAP_ERROR_FAILED);
  }
  {
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GError) error = NULL;
    gboolean ok;

    list = hap_pairings_parse_list (body, len, NULL, &error);
    g_assert_true ((list == NULL) == (error != NULL));
    g_assert_true (!must_fail || list == NULL);
    g_clear_error (&error);
    ok = hap_pairings_parse_response (body, len, NULL, &error);
    g_assert_true (ok == (error == NULL));
  }
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  static const guint8 truncated[] = { 0x06, 0x05, 0x02 };
  static const guint8 no_state[] = { 0x03, 0x01, 0x00 };
  static const guint8 wrong_state[] = { 0x06, 0x01, 0x07 };
  static const guint8 empty_error[] = { 0x06, 0x01, 0x02, 0x07, 0x00 };
  static const guint8 zero_error[] = { 0x06, 0x01, 0x02, 0x07, 0x01, 0x00 };
  static const guint8 no_key[] = { 0x06, 0x01, 0x02, 0x01, 0x01, 'A', 0x0B, 0x01, 0x01 };
  static const guint8 empty_record[] = { 0x06, 0x01, 0x02, 0xFF, 0x00 };
  struct { const guint8 *data; gsize len; } cases[] = {
    { NULL, 0 },
    { truncated, sizeof truncated }, { no_state, sizeof no_state },
    { wrong_state, sizeof wrong_state }, { empty_error, sizeof empty_error },
    { zero_error, sizeof zero_error }, { no_key, sizeof no_key },
    { empty_record, sizeof empty_record },
  };
  g_autoptr(GRand) rng = g_rand_new_with_seed (20240521);
  g_autoptr(GByteArray) bad_perms = g_byte_array_new ();
  guint8 pk[32] = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    feed_everywhere (f, cases[i].data, cases[i].len, TRUE);

  /* A list record with Permissions 2 (§1.6 knows only 0 and 1). */
  hap_tlv8_append_uint8 (bad_perms, HAP_TLV_STATE, 2);
  hap_tlv8_append_string (bad_perms, HAP_TLV_IDENTIFIER, CONTROLLER_ID);
  hap_tlv8_append (bad_perms, HAP_TLV_PUBLIC_KEY, pk, 32);
  hap_tlv8_append_uint8 (bad_perms, HAP_TLV_PERMISSIONS, 2);
  feed_everywhere (f, bad_perms->data, bad_perms->len, TRUE);

  /* Random bodies, some starting with a valid State item. */
  for (guint i = 0; i < 200; i++)
    {
      gsize len = (gsize) g_rand_int_range (rng, 0, 600);
      g_autofree guint8 *body = g_malloc (len + 1);

      for (gsize j = 0; j < len; j++)
        body[j] = (guint8) g_rand_int_range (rng, 0, 256);
      if (len >= 3 && (i & 1))
        {
          body[0] = HAP_TLV_STATE;
          body[1] = 1;
          body[2] = (guint8) (2 * g_rand_int_range (rng, 1, 4));
        }
      feed_everywhere (f, body, len, FALSE);
    }
}

/* Method 1 (Pair Setup with Auth, what iOS and hap-controller send): M1 carries
 * Method 1 and no Flags item; an accessory without an MFi chip pairs as with Method 0,
 * and Transient is ignored for Method 1 (§1.5). */
static void
test_with_auth (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) probe = hap_pair_setup_client_new (&f->identity, CODE, HAP_PAIR_SETUP_CLIENT_WITH_AUTH);
  g_autoptr(GByteArray) m1 = hap_pair_setup_client_start (probe);
  static const guint8 expected_m1[] = { 0x06, 0x01, 0x01, 0x00, 0x01, 0x01 };
  g_autoptr(HapPairSetupClient) setup = NULL;

  g_assert_cmpmem (m1->data, m1->len, expected_m1, sizeof expected_m1);
  setup = run_setup (f, HAP_PAIR_SETUP_CLIENT_WITH_AUTH | HAP_PAIRING_FLAG_TRANSIENT);
  g_assert_cmpstr (hap_pair_setup_client_get_accessory_id (setup), ==, f->storage->device_id);
  g_assert_cmpuint (f->storage->pairings->len, ==, 1);
  g_assert_false (f->session.transient);
}

/* ---- BLE Pair Resume (docs/protocol.md §3.4) ---- */

/* A full verify on a resumable (BLE) session; returns the controller's ticket. */
static void
verify_for_ticket (Fixture *f, const guint8 *ltpk, HapResumeTicket *ticket)
{
  g_autoptr(HapPairVerifyClient) verify = hap_pair_verify_client_new (&f->identity, ltpk);
  g_autoptr(GByteArray) m1 = hap_pair_verify_client_start (verify);
  g_autoptr(GByteArray) m2 = NULL;
  g_autoptr(GByteArray) m3 = NULL;
  g_autoptr(GByteArray) m4 = NULL;
  guint8 enc[32], dec[32];

  hap_pairing_session_clear (&f->ctx, &f->session);
  memset (&f->session, 0, sizeof f->session);
  f->session.resumable = TRUE;
  m2 = accessory (f, hap_pair_verify_handle, m1);
  m3 = hap_pair_verify_client_step (verify, m2->data, m2->len, NULL, NULL);
  g_assert_nonnull (m3);
  m4 = accessory (f, hap_pair_verify_handle, m3);
  g_assert_true (hap_pair_verify_client_finish (verify, m4->data, m4->len, enc, dec, NULL, NULL));
  g_assert_false (hap_pair_verify_client_was_resumed (verify));
  g_assert_true (hap_pair_verify_client_get_ticket (verify, ticket));
  check_codecs (f, enc, dec);
}

/* Resumes @ticket on a fresh session: TRUE when resumed, FALSE when the accessory fell
 * back to a full verify (which is then finished). The ticket is updated either way. */
static gboolean
resume (Fixture *f, const guint8 *ltpk, HapResumeTicket *ticket)
{
  g_autoptr(HapPairVerifyClient) verify = hap_pair_verify_client_new_resume (&f->identity, ltpk, ticket);
  g_autoptr(GByteArray) m1 = hap_pair_verify_client_start (verify);
  g_autoptr(GByteArray) m2 = NULL;
  g_autoptr(GByteArray) m3 = NULL;
  g_autoptr(GError) error = NULL;
  guint8 enc[32], dec[32];
  guint64 method;
  g_autoptr(HapTlv8) tlv = hap_tlv8_parse (m1->data, m1->len, NULL);

  /* M1: State 1, Method 6, PublicKey, SessionID, a 16-byte tag. */
  g_assert_true (hap_tlv8_get_uint (tlv, HAP_TLV_METHOD, &method));
  g_assert_cmpuint (method, ==, 6);
  g_assert_nonnull (hap_tlv8_get (tlv, HAP_TLV_SESSION_ID, NULL));

  hap_pairing_session_clear (&f->ctx, &f->session);
  memset (&f->session, 0, sizeof f->session);
  f->session.resumable = TRUE;
  m2 = accessory (f, hap_pair_verify_handle, m1);
  m3 = hap_pair_verify_client_step (verify, m2->data, m2->len, NULL, &error);
  g_assert_no_error (error);
  if (m3 == NULL)
    {
      g_assert_true (hap_pair_verify_client_was_resumed (verify));
      g_assert_true (f->session.secured);
      g_assert_true (hap_pair_verify_client_get_keys (verify, enc, dec));
    }
  else
    {
      g_autoptr(GByteArray) m4 = accessory (f, hap_pair_verify_handle, m3);
      g_assert_true (hap_pair_verify_client_finish (verify, m4->data, m4->len, enc, dec, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (hap_pair_verify_client_get_ticket (verify, ticket));
  check_codecs (f, enc, dec);
  return hap_pair_verify_client_was_resumed (verify);
}

static void
test_resume (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) setup = run_setup (f, 0);
  const guint8 *ltpk = hap_pair_setup_client_get_accessory_ltpk (setup);
  HapResumeTicket ticket, stale, others[HAP_RESUME_CACHE_SIZE];
  guint8 old_secret[32];

  verify_for_ticket (f, ltpk, &ticket);
  /* The accessory derived the same id and secret from the session (§3.4). */
  g_assert_cmpmem (f->session.shared_secret, 32, ticket.shared_secret, 32);

  /* Resumed: new session id, new shared secret, working keys; no M3/M4. */
  stale = ticket;
  memcpy (old_secret, ticket.shared_secret, 32);
  g_assert_true (resume (f, ltpk, &ticket));
  g_assert_true (memcmp (ticket.session_id, stale.session_id, 8) != 0);
  g_assert_true (memcmp (ticket.shared_secret, old_secret, 32) != 0);
  g_assert_cmpmem (f->session.shared_secret, 32, ticket.shared_secret, 32);
  g_assert_true (resume (f, ltpk, &ticket));

  /* A used-up ticket falls back to a full verify from the same M1 key, which works. */
  g_assert_false (resume (f, ltpk, &stale));

  /* The cache keeps the 8 most recent sessions: 8 newer ones push the oldest out. */
  stale = ticket;
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    verify_for_ticket (f, ltpk, &others[i]);
  g_assert_false (resume (f, ltpk, &stale));
  g_assert_true (resume (f, ltpk, &others[G_N_ELEMENTS (others) - 1]));

  /* A removed pairing cannot resume. */
  verify_for_ticket (f, ltpk, &ticket);
  g_assert_true (hap_pairings_remove (&f->ctx, CONTROLLER_ID, strlen (CONTROLLER_ID), NULL));
  for (guint i = 0; i < HAP_RESUME_CACHE_SIZE; i++)
    g_assert_false (f->ctx.resume_cache[i].used);
}

static void
test_resume_rejected (Fixture *f, gconstpointer data)
{
  g_autoptr(HapPairSetupClient) setup = run_setup (f, 0);
  const guint8 *ltpk = hap_pair_setup_client_get_accessory_ltpk (setup);
  HapResumeTicket ticket;

  verify_for_ticket (f, ltpk, &ticket);

  /* A wrong tag (a controller that does not know the secret): Authentication, and the
   * cached session is gone. */
  {
    HapResumeTicket forged = ticket;
    g_autoptr(HapPairVerifyClient) verify = NULL;
    g_autoptr(GByteArray) m1 = NULL;
    g_autoptr(GByteArray) m2 = NULL;
    g_autoptr(GError) error = NULL;
    int tlv_error = 0;

    forged.shared_secret[0] ^= 1;
    verify = hap_pair_verify_client_new_resume (&f->identity, ltpk, &forged);
    m1 = hap_pair_verify_client_start (verify);
    hap_pairing_session_clear (&f->ctx, &f->session);
    memset (&f->session, 0, sizeof f->session);
    f->session.resumable = TRUE;
    m2 = accessory (f, hap_pair_verify_handle, m1);
    g_assert_null (hap_pair_verify_client_step (verify, m2->data, m2->len, &tlv_error, &error));
    g_assert_error (error, HAP_ERROR, HAP_ERROR_FAILED);
    g_assert_cmpint (tlv_error, ==, HAP_TLV_ERROR_AUTHENTICATION);
    g_assert_false (f->session.secured);
    g_assert_false (resume (f, ltpk, &ticket));
  }

  /* Malformed resume M1s, and Method 6 where resuming is not allowed (IP). */
  {
    static const struct { guint8 pk, id, enc; } shapes[] = { { 31, 8, 16 }, { 32, 7, 16 }, { 32, 8, 15 },
                                                            { 32, 8, 17 }, { 0, 8, 16 } };
    guint8 bytes[40] = { 0 };

    for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
      {
        g_autoptr(GByteArray) m1 = g_byte_array_new ();
        g_autoptr(GError) error = NULL;

        hap_tlv8_append_uint8 (m1, HAP_TLV_STATE, 1);
        hap_tlv8_append_uint8 (m1, HAP_TLV_METHOD, HAP_METHOD_PAIR_RESUME);
        if (shapes[i].pk > 0)
          hap_tlv8_append (m1, HAP_TLV_PUBLIC_KEY, bytes, shapes[i].pk);
        hap_tlv8_append (m1, HAP_TLV_SESSION_ID, bytes, shapes[i].id);
        hap_tlv8_append (m1, HAP_TLV_ENCRYPTED_DATA, bytes, shapes[i].enc);
        f->session.resumable = TRUE;
        g_assert_null (hap_pair_verify_handle (&f->ctx, &f->session, m1->data, m1->len, &error));
        g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
        g_clear_error (&error);
        f->session.resumable = FALSE;
        g_assert_null (hap_pair_verify_handle (&f->ctx, &f->session, m1->data, m1->len, &error));
        g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
      }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/pairing-client/setup-then-verify", test_setup_then_verify);
  ADD ("/pairing-client/wrong-code", test_wrong_code);
  ADD ("/pairing-client/tampered-setup", test_tampered_setup);
  ADD ("/pairing-client/tampered-verify", test_tampered_verify);
  ADD ("/pairing-client/transient", test_transient);
  ADD ("/pairing-client/with-auth", test_with_auth);
  ADD ("/pairing-client/add-list-remove", test_add_list_remove);
  ADD ("/pairing-client/malformed", test_malformed);
  ADD ("/pairing-client/resume", test_resume);
  ADD ("/pairing-client/resume-rejected", test_resume_rejected);
#undef ADD

  return g_test_run ();
}
