/* test-quirks-tlv.c — the pairing TLV8 quirks (simulator/quirks/quirks-tlv.c) on the wire
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test enables a quirk, pairs (or sends pairing requests) as a controller, checks the
 * TLV8 bytes the accessory sent, then disables the quirk and checks conforming bytes and
 * a working pairing again. Pair Setup requests of one test go over one connection where
 * possible: a new M1 on the same connection restarts the procedure on the accessory
 * (docs/protocol.md §2.2), whereas another connection would get Busy until the server
 * noticed the first one close.
 */
#include "sim-fixture.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-srp-private.h"
#include "hap-tlv8-private.h"

#define CT_TLV8 "application/pairing+tlv8"

static HapHttpMessage *
post_tlv (HapTestClient *client, const char *path, const guint8 *body, gsize len)
{
  HapHttpMessage *response = hap_test_client_request (client, "POST", path, CT_TLV8,
                                                      (const char *) body, len);

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 200);
  return response;
}

/* Pair Setup M1 with @method, State first. */
static HapHttpMessage *
send_m1 (HapTestClient *client, guint8 method)
{
  const guint8 m1[] = { 0x06, 0x01, 0x01, 0x00, 0x01, method };

  return post_tlv (client, "/pair-setup", m1, sizeof m1);
}

static const guint8 *
body_of (HapHttpMessage *message, gsize *len)
{
  return g_bytes_get_data (message->body, len);
}

static void
assert_body (HapHttpMessage *message, const guint8 *expected, gsize expected_len)
{
  gsize len;
  const guint8 *data = body_of (message, &len);

  g_assert_cmpmem (data, len, expected, expected_len);
}

static HapTlv8 *
parse_body (HapHttpMessage *message)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data = body_of (message, &len);
  HapTlv8 *tlv = hap_tlv8_parse (data, len, &error);

  g_assert_no_error (error);
  return tlv;
}

/* M2 as the server writes it: State 2, PublicKey B, Salt (hap-pair-setup.c handle_m1). */
static GByteArray *
conforming_m2 (HapTlv8 *tlv)
{
  GByteArray *out = g_byte_array_new ();
  const guint8 *b, *salt;
  gsize b_len, salt_len;

  b = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &b_len);
  salt = hap_tlv8_get (tlv, HAP_TLV_SALT, &salt_len);
  g_assert_nonnull (b);
  g_assert_nonnull (salt);
  g_assert_cmpuint (salt_len, ==, HAP_SRP_SALT_LEN);
  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 2);
  hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, b, b_len);
  hap_tlv8_append (out, HAP_TLV_SALT, salt, salt_len);
  return out;
}

/* Asserts a conforming M2 and returns its salt. */
static void
assert_conforming_m2 (HapHttpMessage *m2, guint8 salt_out[HAP_SRP_SALT_LEN])
{
  g_autoptr(HapTlv8) tlv = parse_body (m2);
  g_autoptr(GByteArray) expected = conforming_m2 (tlv);

  assert_body (m2, expected->data, expected->len);
  if (salt_out != NULL)
    memcpy (salt_out, hap_tlv8_get (tlv, HAP_TLV_SALT, NULL), HAP_SRP_SALT_LEN);
}

/* M1 … M4 by hand (docs/protocol.md §2.2), so that M4's bytes can be checked. Returns M4;
 * *@srp_out holds the controller's SRP state (K) for decrypting it. */
static HapHttpMessage *
setup_to_m4 (HapTestClient *client, guint8 method, HapSrpClient **srp_out)
{
  g_autoptr(HapHttpMessage) m2 = send_m1 (client, method);
  g_autoptr(HapTlv8) tlv = parse_body (m2);
  g_autoptr(GByteArray) m3 = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  const guint8 *b, *salt, *a;
  gsize b_len, salt_len, a_len;
  HapSrpClient *srp;

  b = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &b_len);
  salt = hap_tlv8_get (tlv, HAP_TLV_SALT, &salt_len);
  g_assert_nonnull (b);
  g_assert_nonnull (salt);
  srp = hap_srp_client_new (HAP_SRP_USERNAME, HAP_TEST_SETUP_CODE, salt, salt_len, b, b_len,
                            NULL, &error);
  g_assert_no_error (error);
  a = hap_srp_client_get_public_key (srp, &a_len);
  hap_tlv8_append_uint8 (m3, HAP_TLV_STATE, 3);
  hap_tlv8_append (m3, HAP_TLV_PUBLIC_KEY, a, a_len);
  hap_tlv8_append (m3, HAP_TLV_PROOF, hap_srp_client_get_proof (srp), HAP_SRP_PROOF_LEN);
  *srp_out = srp;
  return post_tlv (client, "/pair-setup", m3->data, m3->len);
}

/* The accessory's proof M2 from M4, checked against the controller's SRP state. */
static const guint8 *
m4_proof (HapTlv8 *tlv, HapSrpClient *srp)
{
  gsize len;
  const guint8 *proof = hap_tlv8_get (tlv, HAP_TLV_PROOF, &len);

  g_assert_nonnull (proof);
  g_assert_cmpuint (len, ==, HAP_SRP_PROOF_LEN);
  g_assert_true (hap_srp_client_verify_server (srp, proof, len));
  return proof;
}

static void
remove_pairings_cb (HapSimAccessory *accessory, gpointer user_data)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);
  GPtrArray *pairings = hap_accessory_server_get_pairings (server);

  while (pairings->len > 0)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup (((HapPairing *) g_ptr_array_index (pairings, 0))->identifier);

      g_assert_true (hap_accessory_server_remove_pairing (server, id, &error));
      g_assert_no_error (error);
    }
}

/* The accessory is unpaired again (every pairing removed, as RemovePairing does). */
static void
unpair (SimFixture *fx)
{
  sim_fixture_invoke (fx, remove_pairings_cb, NULL);
}

static const guint8 unavailable[] = { 0x06, 0x01, 0x02, 0x07, 0x01, 0x06 };

/* ---- #21 and its variants ----------------------------------------------------------- */

static void
test_state_missing (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) again = NULL;
  g_autoptr(HapHttpMessage) paired = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GByteArray) expected = NULL;
  static const guint8 unavailable_no_state[] = { 0x07, 0x01, 0x06 };

  sim_fixture_enable_quirk (fx, "tlv-state-missing", NULL);
  m2 = send_m1 (client, 0);
  tlv = parse_body (m2);
  g_assert_null (hap_tlv8_get (tlv, HAP_TLV_STATE, NULL));
  /* Exactly the server's M2 without its leading 06 01 02. */
  expected = conforming_m2 (tlv);
  assert_body (m2, expected->data + 3, expected->len - 3);
  /* Our controller insists on State ("response needs State 2"), as hap-controller does. */
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, -1);

  sim_fixture_disable_quirk (fx, "tlv-state-missing");
  again = send_m1 (client, 0);
  assert_conforming_m2 (again, NULL);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);

  /* Error responses lose State too. */
  sim_fixture_enable_quirk (fx, "tlv-state-missing", NULL);
  paired = send_m1 (client, 0);
  assert_body (paired, unavailable_no_state, sizeof unavailable_no_state);
  sim_fixture_disable_quirk (fx, "tlv-state-missing");
  g_clear_pointer (&paired, hap_http_message_free);
  paired = send_m1 (client, 0);
  assert_body (paired, unavailable, sizeof unavailable);

  sim_fixture_stop (fx);
}

static void
test_state_last (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) paired = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GByteArray) expected = NULL;
  static const guint8 unavailable_state_last[] = { 0x07, 0x01, 0x06, 0x06, 0x01, 0x02 };

  sim_fixture_enable_quirk (fx, "tlv-state-last", NULL);
  m2 = send_m1 (client, 0);
  tlv = parse_body (m2);
  expected = conforming_m2 (tlv);
  /* PublicKey and Salt as the server wrote them, then 06 01 02. */
  g_byte_array_remove_range (expected, 0, 3);
  hap_tlv8_append_uint8 (expected, HAP_TLV_STATE, 2);
  assert_body (m2, expected->data, expected->len);
  /* Our reader looks items up by type: pairing works. */
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);
  paired = send_m1 (client, 0);
  assert_body (paired, unavailable_state_last, sizeof unavailable_state_last);

  sim_fixture_disable_quirk (fx, "tlv-state-last");
  g_clear_pointer (&paired, hap_http_message_free);
  paired = send_m1 (client, 0);
  assert_body (paired, unavailable, sizeof unavailable);

  sim_fixture_stop (fx);
}

static void
test_error_without_state (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) paired = NULL;
  static const guint8 unavailable_no_state[] = { 0x07, 0x01, 0x06 };

  sim_fixture_enable_quirk (fx, "tlv-error-without-state", NULL);
  /* Responses without Error keep their State. */
  m2 = send_m1 (client, 0);
  assert_conforming_m2 (m2, NULL);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);
  paired = send_m1 (client, 0);
  assert_body (paired, unavailable_no_state, sizeof unavailable_no_state);
  /* Our controller (like hap-controller) reads Error before State, so it still
   * reports Unavailable. */
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==,
                   HAP_TLV_ERROR_UNAVAILABLE);

  sim_fixture_disable_quirk (fx, "tlv-error-without-state");
  g_clear_pointer (&paired, hap_http_message_free);
  paired = send_m1 (client, 0);
  assert_body (paired, unavailable, sizeof unavailable);

  sim_fixture_stop (fx);
}

/* ---- #22 ----------------------------------------------------------------------------- */

static void
test_state_first_required (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) rejected = NULL;
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) accepted = NULL;
  static const guint8 method_first[] = { 0x00, 0x01, 0x00, 0x06, 0x01, 0x01 };
  static const guint8 hue_error[] = { 0x06, 0x01, 0x02, 0x07, 0x01, 0x01 };

  sim_fixture_enable_quirk (fx, "tlv-state-first-required", NULL);
  rejected = post_tlv (client, "/pair-setup", method_first, sizeof method_first);
  assert_body (rejected, hue_error, sizeof hue_error);
  m2 = send_m1 (client, 0);
  assert_conforming_m2 (m2, NULL);

  sim_fixture_disable_quirk (fx, "tlv-state-first-required");
  accepted = post_tlv (client, "/pair-setup", method_first, sizeof method_first);
  assert_conforming_m2 (accepted, NULL);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);

  /* Our controller puts State first: it pairs-verifies and manages pairings through
   * the quirk (the admin pairs on first use). */
  sim_fixture_enable_quirk (fx, "tlv-state-first-required", NULL);
  {
    g_autoptr(HapTestClient) verified = hap_test_client_clone (client);
    guint n = 0;

    hap_test_client_connect (verified, sim_fixture_get_port (fx));
    g_assert_cmpint (hap_test_client_pair_verify (verified), ==, 0);
    g_assert_cmpint (hap_test_client_list_pairings (verified, &n), ==, 0);
    g_assert_cmpuint (n, ==, 1);
  }

  sim_fixture_stop (fx);
}

/* ---- #23 ----------------------------------------------------------------------------- */

static void
test_reject_setup_with_auth (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) rejected = NULL;
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) m2_auth = NULL;
  static const guint8 hue_error[] = { 0x06, 0x01, 0x02, 0x07, 0x01, 0x01 };

  sim_fixture_enable_quirk (fx, "tlv-reject-setup-with-auth", NULL);
  rejected = send_m1 (client, HAP_METHOD_PAIR_SETUP_WITH_AUTH);
  assert_body (rejected, hue_error, sizeof hue_error);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE,
                                               HAP_PAIR_SETUP_FLAGS_WITH_AUTH), ==,
                   HAP_TLV_ERROR_UNKNOWN);
  /* Method 0 is fine. */
  m2 = send_m1 (client, HAP_METHOD_PAIR_SETUP);
  assert_conforming_m2 (m2, NULL);

  sim_fixture_disable_quirk (fx, "tlv-reject-setup-with-auth");
  m2_auth = send_m1 (client, HAP_METHOD_PAIR_SETUP_WITH_AUTH);
  assert_conforming_m2 (m2_auth, NULL);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE,
                                               HAP_PAIR_SETUP_FLAGS_WITH_AUTH), ==, 0);

  sim_fixture_stop (fx);
}

/* ---- #24 ----------------------------------------------------------------------------- */

static void
restart_cb (HapSimAccessory *accessory, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hap_sim_accessory_restart (accessory, FALSE, &error));
  g_assert_no_error (error);
}

static void
test_zero_salt (void)
{
  static const guint8 zeros[HAP_SRP_SALT_LEN] = { 0 };
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapTestClient) after_restart = NULL;
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) m2_restarted = NULL;
  g_autoptr(HapHttpMessage) m2_random = NULL;
  guint8 salt[HAP_SRP_SALT_LEN];

  sim_fixture_enable_quirk (fx, "tlv-zero-salt", NULL);
  m2 = send_m1 (client, 0);
  assert_conforming_m2 (m2, salt);
  g_assert_cmpmem (salt, sizeof salt, zeros, sizeof zeros);
  /* The verifier was made with that salt and the code: a wrong code fails at M4, the
   * right one pairs. */
  g_assert_cmpint (hap_test_client_pair_setup (client, "111-22-333", 0), ==,
                   HAP_TLV_ERROR_AUTHENTICATION);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);

  /* A restarted server (the started hook) keeps the zero salt. */
  unpair (fx);
  hap_test_client_disconnect (client);
  sim_fixture_invoke (fx, restart_cb, NULL);
  after_restart = sim_fixture_connect (fx);
  m2_restarted = send_m1 (after_restart, 0);
  assert_conforming_m2 (m2_restarted, salt);
  g_assert_cmpmem (salt, sizeof salt, zeros, sizeof zeros);

  sim_fixture_disable_quirk (fx, "tlv-zero-salt");
  m2_random = send_m1 (after_restart, 0);
  assert_conforming_m2 (m2_random, salt);
  /* 16 random bytes are all zero with probability 2^-128. */
  g_assert_true (memcmp (salt, zeros, sizeof zeros) != 0);
  g_assert_cmpint (hap_test_client_pair_setup (after_restart, HAP_TEST_SETUP_CODE, 0), ==, 0);

  sim_fixture_stop (fx);
}

/* ---- #25 ----------------------------------------------------------------------------- */

/* Decrypts M4's EncryptedData (nonce "PS-Msg04", key from K) and returns the plaintext. */
static GByteArray *
decrypt_m4 (HapTlv8 *tlv, HapSrpClient *srp)
{
  static const guint8 nonce4[8] = { 'P', 'S', '-', 'M', 's', 'g', '0', '4' };
  guint8 key[32];
  gsize enc_len;
  const guint8 *enc = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &enc_len);
  GByteArray *plain;

  g_assert_nonnull (enc);
  g_assert_cmpuint (enc_len, >, HAP_AEAD_TAG_LEN);
  hap_hkdf_sha512_str (hap_srp_client_get_session_key (srp), HAP_SRP_KEY_LEN,
                       "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info", key, sizeof key);
  plain = g_byte_array_sized_new (enc_len);
  g_byte_array_set_size (plain, enc_len - HAP_AEAD_TAG_LEN);
  g_assert_true (hap_aead_decrypt (key, nonce4, NULL, 0, enc, enc_len, plain->data));
  return plain;
}

static void
test_m4_incomplete_mfi (void)
{
  static const char certificate[] = "HAP simulator placeholder, not an MFi certificate";
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);

  sim_fixture_enable_quirk (fx, "tlv-m4-incomplete-mfi", NULL);

  /* Method 1: M4 = State, Proof, EncryptedData{Certificate} (no Signature). */
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, HAP_METHOD_PAIR_SETUP_WITH_AUTH, &srp);
    g_autoptr(HapTlv8) tlv = parse_body (m4);
    g_autoptr(GByteArray) expected = g_byte_array_new ();
    g_autoptr(GByteArray) plain = decrypt_m4 (tlv, srp);
    g_autoptr(GByteArray) sub = g_byte_array_new ();
    gsize enc_len;
    const guint8 *enc = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &enc_len);

    hap_tlv8_append_uint8 (expected, HAP_TLV_STATE, 4);
    hap_tlv8_append (expected, HAP_TLV_PROOF, m4_proof (tlv, srp), HAP_SRP_PROOF_LEN);
    hap_tlv8_append (expected, HAP_TLV_ENCRYPTED_DATA, enc, enc_len);
    assert_body (m4, expected->data, expected->len);
    hap_tlv8_append (sub, HAP_TLV_CERTIFICATE, (const guint8 *) certificate,
                     sizeof certificate - 1);
    g_assert_cmpmem (plain->data, plain->len, sub->data, sub->len);
  }

  /* Method 0 is left alone (only-with-auth). */
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, HAP_METHOD_PAIR_SETUP, &srp);
    g_autoptr(HapTlv8) tlv = parse_body (m4);
    g_autoptr(GByteArray) expected = g_byte_array_new ();

    hap_tlv8_append_uint8 (expected, HAP_TLV_STATE, 4);
    hap_tlv8_append (expected, HAP_TLV_PROOF, m4_proof (tlv, srp), HAP_SRP_PROOF_LEN);
    assert_body (m4, expected->data, expected->len);
  }

  /* The other variant: a Signature and no Certificate, for Method 0 too. */
  sim_fixture_enable_quirk (fx, "tlv-m4-incomplete-mfi",
                            "{'missing': <'certificate'>, 'only-with-auth': <false>}");
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, HAP_METHOD_PAIR_SETUP, &srp);
    g_autoptr(HapTlv8) tlv = parse_body (m4);
    g_autoptr(GByteArray) plain = decrypt_m4 (tlv, srp);
    g_autoptr(GByteArray) sub = g_byte_array_new ();
    guint8 signature[64];

    m4_proof (tlv, srp);
    memset (signature, 0x5A, sizeof signature);
    hap_tlv8_append (sub, HAP_TLV_SIGNATURE, signature, sizeof signature);
    g_assert_cmpmem (plain->data, plain->len, sub->data, sub->len);
  }

  /* Our controller ignores EncryptedData in M4 and pairs (an MFi-checking iOS would
   * not). */
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE,
                                               HAP_PAIR_SETUP_FLAGS_WITH_AUTH), ==, 0);
  unpair (fx);

  sim_fixture_disable_quirk (fx, "tlv-m4-incomplete-mfi");
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, HAP_METHOD_PAIR_SETUP_WITH_AUTH, &srp);
    g_autoptr(HapTlv8) tlv = parse_body (m4);
    g_autoptr(GByteArray) expected = g_byte_array_new ();

    hap_tlv8_append_uint8 (expected, HAP_TLV_STATE, 4);
    hap_tlv8_append (expected, HAP_TLV_PROOF, m4_proof (tlv, srp), HAP_SRP_PROOF_LEN);
    assert_body (m4, expected->data, expected->len);
  }
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE,
                                               HAP_PAIR_SETUP_FLAGS_WITH_AUTH), ==, 0);

  sim_fixture_stop (fx);
}

/* ---- #26 ----------------------------------------------------------------------------- */

static void
assert_duplicate_state (HapHttpMessage *m2, guint8 second)
{
  gsize len;
  const guint8 *data = body_of (m2, &len);
  const guint8 head[] = { 0x06, 0x01, 0x02, 0x06, 0x01, second };
  g_autoptr(GError) error = NULL;
  g_autoptr(HapTlv8) strict = NULL;
  g_autoptr(HapTlv8) rest = NULL;
  g_autoptr(GByteArray) expected = NULL;

  g_assert_cmpuint (len, >, sizeof head);
  g_assert_cmpmem (data, sizeof head, head, sizeof head);
  /* After the two State items, the server's M2 unchanged. */
  rest = hap_tlv8_parse (data + sizeof head, len - sizeof head, &error);
  g_assert_no_error (error);
  expected = conforming_m2 (rest);
  g_assert_cmpmem (data + sizeof head, len - sizeof head, expected->data + 3, expected->len - 3);
  /* A 1-byte fragment cannot be continued (docs/protocol.md §1.1): strict readers refuse. */
  strict = hap_tlv8_parse (data, len, &error);
  g_assert_null (strict);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
}

static void
test_duplicate_state (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) m2_same = NULL;
  g_autoptr(HapHttpMessage) m2_ok = NULL;

  sim_fixture_enable_quirk (fx, "tlv-duplicate-state", NULL);
  m2 = send_m1 (client, 0);
  assert_duplicate_state (m2, 0x01);   /* the request's State, as in aiohomekit #24 */
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, -1);

  sim_fixture_enable_quirk (fx, "tlv-duplicate-state", "{'second': <'same'>}");
  m2_same = send_m1 (client, 0);
  assert_duplicate_state (m2_same, 0x02);

  sim_fixture_disable_quirk (fx, "tlv-duplicate-state");
  m2_ok = send_m1 (client, 0);
  assert_conforming_m2 (m2_ok, NULL);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);

  sim_fixture_stop (fx);
}

/* ---- #27 and zero-length items ------------------------------------------------------ */

static void
test_unknown_types (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) paired = NULL;
  g_autoptr(HapHttpMessage) paired_after = NULL;
  g_autoptr(HapHttpMessage) conforming = NULL;
  g_autoptr(HapTlv8) rest = NULL;
  g_autoptr(GByteArray) expected = NULL;
  static const guint8 head[] = { 0x42, 0x02, 0x01, 0x00 };
  static const guint8 unknown_before[] = { 0x42, 0x02, 0x01, 0x00, 0x06, 0x01, 0x02, 0x07, 0x01, 0x06 };
  static const guint8 unknown_after[] = { 0x06, 0x01, 0x02, 0x07, 0x01, 0x06, 0xC8, 0x02, 0x01, 0x00 };
  gsize len;
  const guint8 *data;

  sim_fixture_enable_quirk (fx, "tlv-unknown-types", NULL);
  m2 = send_m1 (client, 0);
  data = body_of (m2, &len);
  g_assert_cmpuint (len, >, sizeof head);
  g_assert_cmpmem (data, sizeof head, head, sizeof head);
  rest = hap_tlv8_parse (data + sizeof head, len - sizeof head, NULL);
  g_assert_nonnull (rest);
  expected = conforming_m2 (rest);
  g_assert_cmpmem (data + sizeof head, len - sizeof head, expected->data, expected->len);
  /* Unknown types are ignored by our reader (and hap-controller's): pairing works. */
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);
  paired = send_m1 (client, 0);
  assert_body (paired, unknown_before, sizeof unknown_before);

  sim_fixture_enable_quirk (fx, "tlv-unknown-types", "{'type': <uint32 200>, 'position': <'after'>}");
  paired_after = send_m1 (client, 0);
  assert_body (paired_after, unknown_after, sizeof unknown_after);

  sim_fixture_disable_quirk (fx, "tlv-unknown-types");
  conforming = send_m1 (client, 0);
  assert_body (conforming, unavailable, sizeof unavailable);

  sim_fixture_stop (fx);
}

static void
test_zero_length_items (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) m2 = NULL;
  g_autoptr(HapHttpMessage) paired = NULL;
  g_autoptr(HapHttpMessage) conforming = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GByteArray) expected = NULL;
  static const guint8 with_empty_flags[] = { 0x06, 0x01, 0x02, 0x13, 0x00, 0x07, 0x01, 0x06 };

  sim_fixture_enable_quirk (fx, "tlv-zero-length-items", NULL);
  m2 = send_m1 (client, 0);
  tlv = parse_body (m2);
  expected = conforming_m2 (tlv);
  /* 06 01 02, the empty Flags item 13 00, then PublicKey and Salt. */
  g_byte_array_set_size (expected, expected->len + 2);
  memmove (expected->data + 5, expected->data + 3, expected->len - 5);
  expected->data[3] = HAP_TLV_FLAGS;
  expected->data[4] = 0;
  assert_body (m2, expected->data, expected->len);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);
  paired = send_m1 (client, 0);
  assert_body (paired, with_empty_flags, sizeof with_empty_flags);

  sim_fixture_disable_quirk (fx, "tlv-zero-length-items");
  conforming = send_m1 (client, 0);
  assert_body (conforming, unavailable, sizeof unavailable);

  sim_fixture_stop (fx);
}

/* ---- #53 ----------------------------------------------------------------------------- */

static void
test_empty_m4 (void)
{
  static const guint8 state_only[] = { 0x06, 0x01, 0x04 };
  static const guint8 auth_error[] = { 0x06, 0x01, 0x04, 0x07, 0x01, 0x02 };
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect (fx);

  sim_fixture_enable_quirk (fx, "tlv-empty-m4", NULL);
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, 0, &srp);
    assert_body (m4, NULL, 0);
  }
  /* Our controller: "response needs State 4"; hap-controller: "M4: Empty TLV". */
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, -1);

  sim_fixture_enable_quirk (fx, "tlv-empty-m4", "{'body': <'state'>}");
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, 0, &srp);
    assert_body (m4, state_only, sizeof state_only);
  }
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, -1);

  sim_fixture_enable_quirk (fx, "tlv-empty-m4", "{'body': <'error'>}");
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, 0, &srp);
    assert_body (m4, auth_error, sizeof auth_error);
  }
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==,
                   HAP_TLV_ERROR_AUTHENTICATION);

  sim_fixture_disable_quirk (fx, "tlv-empty-m4");
  {
    g_autoptr(HapSrpClient) srp = NULL;
    g_autoptr(HapHttpMessage) m4 = setup_to_m4 (client, 0, &srp);
    g_autoptr(HapTlv8) tlv = parse_body (m4);
    g_autoptr(GByteArray) expected = g_byte_array_new ();

    hap_tlv8_append_uint8 (expected, HAP_TLV_STATE, 4);
    hap_tlv8_append (expected, HAP_TLV_PROOF, m4_proof (tlv, srp), HAP_SRP_PROOF_LEN);
    assert_body (m4, expected->data, expected->len);
  }
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);

  sim_fixture_stop (fx);
}

/* ---- #54 ----------------------------------------------------------------------------- */

static HapHttpMessage *
list_raw (HapTestClient *admin)
{
  static const guint8 list[] = { 0x06, 0x01, 0x01, 0x00, 0x01, 0x05 };

  return post_tlv (admin, "/pairings", list, sizeof list);
}

/* The List Pairings body the server writes for the admin alone (hap-pairings.c). */
static GByteArray *
admin_list (HapTestClient *admin)
{
  GByteArray *out = g_byte_array_new ();

  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 2);
  hap_tlv8_append_string (out, HAP_TLV_IDENTIFIER, hap_test_client_get_id (admin));
  hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, hap_test_client_get_public_key (admin), 32);
  hap_tlv8_append_uint8 (out, HAP_TLV_PERMISSIONS, 1);
  return out;
}

static void
test_list_pairings_empty (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) admin = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) guest = hap_test_client_new ("7F4C1A3E-2B9D-4E55-8A61-0C3D5E7F9A12");
  g_autoptr(HapHttpMessage) before = NULL;
  g_autoptr(HapHttpMessage) after = NULL;
  g_autoptr(HapHttpMessage) conforming = NULL;
  g_autoptr(GByteArray) expected = admin_list (admin);
  guint n = 0;

  sim_fixture_enable_quirk (fx, "tlv-list-pairings-empty", NULL);
  /* Before any Add Pairing the list is right. */
  before = list_raw (admin);
  assert_body (before, expected->data, expected->len);
  g_assert_cmpint (hap_test_client_add_pairing (admin, hap_test_client_get_id (guest),
                                                hap_test_client_get_public_key (guest), FALSE),
                   ==, 0);
  after = list_raw (admin);
  assert_body (after, NULL, 0);
  /* Our controller rejects the empty body ("response needs State 2"); hap-controller
   * returns {} (hap-controller #227). */
  g_assert_cmpint (hap_test_client_list_pairings (admin, &n), ==, -1);

  sim_fixture_disable_quirk (fx, "tlv-list-pairings-empty");
  conforming = list_raw (admin);
  /* The pairing was stored all along. */
  hap_tlv8_append_separator (expected);
  hap_tlv8_append_string (expected, HAP_TLV_IDENTIFIER, hap_test_client_get_id (guest));
  hap_tlv8_append (expected, HAP_TLV_PUBLIC_KEY, hap_test_client_get_public_key (guest), 32);
  hap_tlv8_append_uint8 (expected, HAP_TLV_PERMISSIONS, 0);
  assert_body (conforming, expected->data, expected->len);
  g_assert_cmpint (hap_test_client_list_pairings (admin, &n), ==, 0);
  g_assert_cmpuint (n, ==, 2);

  /* after-add false: empty from the start. */
  sim_fixture_enable_quirk (fx, "tlv-list-pairings-empty", "{'after-add': <false>}");
  g_clear_pointer (&after, hap_http_message_free);
  after = list_raw (admin);
  assert_body (after, NULL, 0);

  sim_fixture_stop (fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  hap_crypto_init ();

  g_test_add_func ("/quirks/tlv/state-missing", test_state_missing);
  g_test_add_func ("/quirks/tlv/state-last", test_state_last);
  g_test_add_func ("/quirks/tlv/error-without-state", test_error_without_state);
  g_test_add_func ("/quirks/tlv/state-first-required", test_state_first_required);
  g_test_add_func ("/quirks/tlv/reject-setup-with-auth", test_reject_setup_with_auth);
  g_test_add_func ("/quirks/tlv/zero-salt", test_zero_salt);
  g_test_add_func ("/quirks/tlv/m4-incomplete-mfi", test_m4_incomplete_mfi);
  g_test_add_func ("/quirks/tlv/duplicate-state", test_duplicate_state);
  g_test_add_func ("/quirks/tlv/unknown-types", test_unknown_types);
  g_test_add_func ("/quirks/tlv/zero-length-items", test_zero_length_items);
  g_test_add_func ("/quirks/tlv/empty-m4", test_empty_m4);
  g_test_add_func ("/quirks/tlv/list-pairings-empty", test_list_pairings_empty);
  return g_test_run ();
}
