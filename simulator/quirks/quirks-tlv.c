/* quirks-tlv.c — pairing TLV8 quirks (simulator/QUIRKS.md rows 21–27, 53, 54 and the TLV
 * parser variants)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The quirks here either rewrite the TLV8 body the server wrote for POST /pair-setup,
 * /pair-verify or /pairings (response hook) or answer a pairing request themselves
 * (request hook). The server's pairing logic is left alone: a quirk changes what the
 * controller sees, not what the accessory believes. So, for instance, after a quirk
 * emptied M4 the accessory still waits for M5 on that connection (and answers Busy to
 * Pair Setup on other connections until it closes or 30 s pass, docs/protocol.md §2.2),
 * as a real accessory whose firmware sent a broken M4 would.
 *
 * Rewriting parses the server's body with the strict reader of hap-inspection.h and
 * writes it again with its writer, so values over 255 bytes are fragmented exactly as the
 * server did. A body that is no longer valid TLV8 (another TLV quirk enabled earlier broke
 * it, e.g. tlv-duplicate-state) is left as it is.
 */
#include "hap-sim-quirk.h"

#include <string.h>


#define CT_TLV8 "application/pairing+tlv8"

typedef enum
{
  PATH_NONE,
  PATH_PAIR_SETUP,
  PATH_PAIR_VERIFY,
  PATH_PAIRINGS,
} PairingPath;

static PairingPath
pairing_path (HapHttpMessage *request)
{
  if (hap_sim_request_is (request, "POST", "/pair-setup"))
    return PATH_PAIR_SETUP;
  if (hap_sim_request_is (request, "POST", "/pair-verify"))
    return PATH_PAIR_VERIFY;
  if (hap_sim_request_is (request, "POST", "/pairings"))
    return PATH_PAIRINGS;
  return PATH_NONE;
}

/* The request's TLV8 items, or NULL when the body is not valid TLV8 (the server then
 * answers 400 by itself). */
static HapTlv8 *
parse_request (HapHttpMessage *request)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (request->body, &len);

  return hap_tlv8_parse (data, len, NULL);
}

/* The items of a pairing response (200 with a TLV8 body), or NULL when this is not one. */
static HapTlv8 *
parse_response (HapHttpMessage *request, guint status, GByteArray *body)
{
  if (status != 200 || pairing_path (request) == PATH_NONE)
    return NULL;
  return hap_tlv8_parse (body->data, body->len, NULL);
}

static void
append_item (GByteArray *out, const HapTlv8Item *item)
{
  hap_tlv8_append (out, item->type, item->value, item->len);
}

static guint
response_state (HapTlv8 *tlv)
{
  guint64 state = 0;

  hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &state);
  return (guint) state;
}

static void
replace_body (GByteArray *body, GByteArray *out)
{
  hap_sim_body_replace (body, out->data, out->len);
}

/* Answers a pairing request the way the error responses of docs/protocol.md §2.2 look:
 * State = @state, Error = @code. */
static void
send_tlv_error (HapConnection *conn, guint8 state, guint8 code)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, state);
  hap_tlv8_append_uint8 (out, HAP_TLV_ERROR, code);
  hap_connection_send_response (conn, 200, CT_TLV8, out->data, out->len);
}

/* ---- #21 tlv-state-missing ---------------------------------------------------------- */

/* aiohomekit #20 / cc2534a: the neoHub's pairing responses carry no State at all, and
 * aiohomekit learnt to assume the expected one. Our controller (hap-pairing-client.c
 * parse_response) and hap-controller both insist on State and fail the pairing
 * ("response needs State 2" / "M2: Missing state"). */
static void
state_missing_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                        guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(HapTlv8) tlv = parse_response (request, *status, body);
  g_autoptr(GByteArray) out = NULL;

  if (tlv == NULL || hap_tlv8_get (tlv, HAP_TLV_STATE, NULL) == NULL)
    return;
  out = g_byte_array_sized_new (body->len);
  for (guint i = 0; i < hap_tlv8_get_n_items (tlv); i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);
      if (item->type != HAP_TLV_STATE)
        append_item (out, item);
    }
  replace_body (body, out);
}

/* ---- parser variants of #21: State last, Error without State ------------------------ */

/* State moves to the end of its record (the first one: in a List Pairings response the
 * records after a separator carry no State). Readers that look items up by type (ours,
 * hap-controller's Map, aiohomekit's TLV.reorder) do not care; only a reader that
 * expects State as the first item breaks. */
static void
state_last_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                     guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(HapTlv8) tlv = parse_response (request, *status, body);
  g_autoptr(GByteArray) out = NULL;
  const HapTlv8Item *state = NULL;
  guint n, i;

  if (tlv == NULL)
    return;
  n = hap_tlv8_get_n_items (tlv);
  out = g_byte_array_sized_new (body->len);
  for (i = 0; i < n; i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);
      if (item->type == HAP_TLV_SEPARATOR)
        break;
      if (item->type == HAP_TLV_STATE && state == NULL)
        state = item;
      else
        append_item (out, item);
    }
  if (state == NULL)
    return;
  append_item (out, state);
  for (; i < n; i++)
    append_item (out, hap_tlv8_get_item (tlv, i));
  replace_body (body, out);
}

/* Only error responses lose State: `07 01 06` instead of `06 01 02 07 01 06`. Our
 * controller and hap-controller look for Error before State and still report the right
 * error; code that checks State first (aiohomekit's pair setup of the time asserted
 * State == M2 before looking at Error) fails with a state error instead. */
static void
error_without_state_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                              guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(HapTlv8) tlv = parse_response (request, *status, body);

  if (tlv == NULL || hap_tlv8_get (tlv, HAP_TLV_ERROR, NULL) == NULL)
    return;
  state_missing_response (quirk, conn, request, status, content_type, body);
}

/* ---- #22 tlv-state-first-required ---------------------------------------------------- */

/* homekit_python #35: the Hue bridge answered an M3 whose State was not the first item
 * with {State: 2, Error: 1} — that exact response, whatever the request's State, is what
 * is sent here. Our controller, aiohomekit and hap-controller all put State first, so
 * they never see it; a controller that orders TLVs by type (Method 0x00 before State
 * 0x06) does. A request that is not TLV8 at all is left to the server (400). */
static HapHookVerdict
state_first_request (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                     guint *delay_ms)
{
  g_autoptr(HapTlv8) tlv = NULL;

  if (pairing_path (request) == PATH_NONE || (tlv = parse_request (request)) == NULL)
    return HAP_HOOK_CONTINUE;
  if (hap_tlv8_get_n_items (tlv) > 0 && hap_tlv8_get_item (tlv, 0)->type == HAP_TLV_STATE)
    return HAP_HOOK_CONTINUE;
  send_tlv_error (conn, 2, HAP_TLV_ERROR_UNKNOWN);
  return HAP_HOOK_ANSWERED;
}

/* ---- #23 tlv-reject-setup-with-auth -------------------------------------------------- */

/* hap-controller #31: a Hue BSB002 (ff=2) answered M1 with Method 1 (Pair Setup with
 * Auth, hap-controller's default in startPairing) with M2 {State: 2, Error: 1}; pairing
 * with Method 0 works. hap-controller reports "M2: Error: 1" unless the caller passes
 * PairMethods.PairSetup; our controller sends Method 1 only when asked
 * (HAP_PAIR_SETUP_FLAGS_WITH_AUTH) and then gets HAP_TLV_ERROR_UNKNOWN. */
static HapHookVerdict
reject_with_auth_request (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                          guint *delay_ms)
{
  g_autoptr(HapTlv8) tlv = NULL;
  guint64 state, method;

  if (pairing_path (request) != PATH_PAIR_SETUP || (tlv = parse_request (request)) == NULL)
    return HAP_HOOK_CONTINUE;
  if (!hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &state) || state != 1 ||
      !hap_tlv8_get_uint (tlv, HAP_TLV_METHOD, &method) ||
      method != HAP_METHOD_PAIR_SETUP_WITH_AUTH)
    return HAP_HOOK_CONTINUE;
  send_tlv_error (conn, 2, HAP_TLV_ERROR_UNKNOWN);
  return HAP_HOOK_ANSWERED;
}

/* ---- #24 tlv-zero-salt --------------------------------------------------------------- */

/* HA #73709 / aiohomekit PR #150: the LIFX Beam's SRP salt (and keys) have leading zero
 * bytes; controllers that go through big integers drop them and compute a wrong proof.
 * An all-zero salt is the extreme case. The accessory computes its verifier with that
 * salt, so the right setup code still pairs; only the salt's bytes are unusual. */
static void
zero_salt_apply (HapSimQuirk *quirk)
{
  static const guint8 zeros[HAP_SETUP_SALT_LEN] = { 0 };
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);

  if (server != NULL)
    hap_accessory_server_set_fixed_salt (server, zeros);
}

static void
zero_salt_disable (HapSimQuirk *quirk)
{
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);

  if (server != NULL)
    hap_accessory_server_set_fixed_salt (server, NULL);
}

/* ---- #25 tlv-m4-incomplete-mfi ------------------------------------------------------- */

/* Row 25 ("M4 EncryptedData without Signature, or Signature without Certificate") is
 * about Pair Setup with Auth: an MFi accessory's M4 carries, besides Proof,
 * EncryptedData (nonce "PS-Msg04") holding the MFi Signature and Certificate
 * (docs/protocol.md §2.2). This server has no MFi coprocessor and sends a plain M4 for
 * Method 1 (as HAP-NodeJS does). The closest faithful misbehaviour is therefore to add
 * that EncryptedData with one of its two items missing, encrypted with the real session
 * key so a controller gets past decryption and trips on the content. Neither item can be
 * genuine: the Certificate is a placeholder, the Signature 64 fixed bytes.
 *
 * Our controller and hap-controller ignore EncryptedData in M4 and pair; aiohomekit
 * decrypts it when present and tolerates a missing item (the handling the catalog cites);
 * an iOS controller that verifies MFi authentication rejects the accessory. */
typedef struct
{
  guint64 method;   /* of the last M1 on this connection, + 1 (0: none seen) */
} MfiConnData;

static HapHookVerdict
mfi_request (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
             guint *delay_ms)
{
  g_autoptr(HapTlv8) tlv = NULL;
  guint64 state, method;
  MfiConnData *data;

  if (pairing_path (request) != PATH_PAIR_SETUP || (tlv = parse_request (request)) == NULL)
    return HAP_HOOK_CONTINUE;
  if (!hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &state) || state != 1 ||
      !hap_tlv8_get_uint (tlv, HAP_TLV_METHOD, &method))
    return HAP_HOOK_CONTINUE;
  data = hap_sim_quirk_get_conn_data (quirk, conn);
  if (data == NULL)
    {
      data = g_new0 (MfiConnData, 1);
      hap_sim_quirk_set_conn_data (quirk, conn, data, g_free);
    }
  data->method = method + 1;
  return HAP_HOOK_CONTINUE;
}

static void
mfi_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
              guint *status, const char **content_type, GByteArray *body)
{
  static const char certificate[] = "HAP simulator placeholder, not an MFi certificate";
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GByteArray) sub = NULL;
  g_autoptr(GBytes) sealed = NULL;
  MfiConnData *data = hap_sim_quirk_get_conn_data (quirk, conn);

  if (pairing_path (request) != PATH_PAIR_SETUP ||
      (tlv = parse_response (request, *status, body)) == NULL ||
      response_state (tlv) != 4 || hap_tlv8_get (tlv, HAP_TLV_PROOF, NULL) == NULL ||
      hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, NULL) != NULL)
    return;
  if (hap_sim_quirk_get_bool (quirk, "only-with-auth") &&
      (data == NULL || data->method != HAP_METHOD_PAIR_SETUP_WITH_AUTH + 1))
    return;
  sub = g_byte_array_new ();
  if (g_str_equal (hap_sim_quirk_get_string (quirk, "missing"), "signature"))
    {
      hap_tlv8_append (sub, HAP_TLV_CERTIFICATE, (const guint8 *) certificate,
                       sizeof certificate - 1);
    }
  else
    {
      guint8 signature[64];
      memset (signature, 0x5A, sizeof signature);
      hap_tlv8_append (sub, HAP_TLV_SIGNATURE, signature, sizeof signature);
    }
  /* NULL without a Pair Setup key (a transient setup): there is no M4 to extend. */
  if ((sealed = hap_connection_seal_pair_setup_data (conn, sub->data, sub->len)) == NULL)
    return;
  hap_tlv8_append (body, HAP_TLV_ENCRYPTED_DATA, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
}

static const HapSimQuirkParam mfi_params[] = {
  { "missing", HAP_SIM_PARAM_STRING,
    "which MFi item the encrypted M4 data lacks: the Signature (only a Certificate is "
    "sent) or the Certificate (only a Signature)",
    "signature", 0, 0, "signature|certificate" },
  { "only-with-auth", HAP_SIM_PARAM_BOOL,
    "only when M1 asked for Pair Setup with Auth (Method 1), as MFi accessories do",
    "true", 0, 0, NULL },
  { NULL }
};

/* ---- #26 tlv-duplicate-state --------------------------------------------------------- */

/* aiohomekit #24: a bridge's M6 carried two adjacent State items, 06 then 05 (the
 * request's State echoed), which aiohomekit merged into State = b'\x06\x05' and
 * rejected. "request" reproduces that; "same" repeats the response's State. Adjacent
 * items of one type are fragments of one value (docs/protocol.md §1.1), and a fragment
 * other than the last must be 255 bytes long: our reader rejects the body as invalid
 * data. hap-controller concatenates too but only reads the first byte of State, so it
 * goes on. */
static void
duplicate_state_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                          guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(HapTlv8) tlv = parse_response (request, *status, body);
  g_autoptr(GByteArray) out = NULL;
  gboolean echo = g_str_equal (hap_sim_quirk_get_string (quirk, "second"), "request");

  if (tlv == NULL)
    return;
  out = g_byte_array_sized_new (body->len + 3);
  for (guint i = 0; i < hap_tlv8_get_n_items (tlv); i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

      append_item (out, item);
      if (item->type == HAP_TLV_STATE && item->len == 1)
        hap_tlv8_append_uint8 (out, HAP_TLV_STATE,
                               echo && item->value[0] > 0 ? item->value[0] - 1 : item->value[0]);
    }
  replace_body (body, out);
}

static const HapSimQuirkParam duplicate_state_params[] = {
  { "second", HAP_SIM_PARAM_STRING,
    "the second State: the request's State (as in aiohomekit #24) or the same as the first",
    "request", 0, 0, "request|same" },
  { NULL }
};

/* ---- #27 tlv-unknown-types ----------------------------------------------------------- */

/* No device reported; the spec says unknown types are ignored (docs/protocol.md §1.1,
 * ADK), so a future type may appear anywhere. The item has a 2-byte value (01 00, like a
 * small little-endian integer). Our reader and hap-controller ignore it; a reader that
 * takes items by position, or rejects unknown types, breaks. The type range leaves out
 * the assigned ones (0x00–0x0E, 0x13 Flags) so the item never collides with a real one. */
static void
unknown_types_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                        guint *status, const char **content_type, GByteArray *body)
{
  static const guint8 value[2] = { 0x01, 0x00 };
  g_autoptr(HapTlv8) tlv = parse_response (request, *status, body);
  g_autoptr(GByteArray) out = NULL;
  guint8 type = (guint8) hap_sim_quirk_get_uint (quirk, "type");

  if (tlv == NULL)
    return;
  out = g_byte_array_sized_new (body->len + 4);
  if (g_str_equal (hap_sim_quirk_get_string (quirk, "position"), "before"))
    {
      hap_tlv8_append (out, type, value, sizeof value);
      g_byte_array_append (out, body->data, body->len);
    }
  else
    {
      g_byte_array_append (out, body->data, body->len);
      hap_tlv8_append (out, type, value, sizeof value);
    }
  replace_body (body, out);
}

static const HapSimQuirkParam unknown_types_params[] = {
  { "type", HAP_SIM_PARAM_UINT, "the unassigned TLV type to add", "66", 20, 254, NULL },
  { "position", HAP_SIM_PARAM_STRING,
    "before the expected items (catalog row 27) or after them", "before", 0, 0, "before|after" },
  { NULL }
};

/* ---- parser variant: zero-length items ----------------------------------------------- */

/* A zero-length item right after State. The default type is Flags: the ADK writes a
 * Flags value of 0 in zero bytes (docs/protocol.md §1.1, minimal integer length), so an
 * empty Flags item is what such firmware sends. Our reader accepts it (get_uint says
 * "absent" for an empty value); readers that expect at least one byte for an integer
 * item do not. */
static void
zero_length_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                      guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(HapTlv8) tlv = parse_response (request, *status, body);
  g_autoptr(GByteArray) out = NULL;
  guint8 type = (guint8) hap_sim_quirk_get_uint (quirk, "type");
  gboolean done = FALSE;

  if (tlv == NULL)
    return;
  out = g_byte_array_sized_new (body->len + 2);
  for (guint i = 0; i < hap_tlv8_get_n_items (tlv); i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

      append_item (out, item);
      if (item->type == HAP_TLV_STATE && !done)
        {
          hap_tlv8_append (out, type, NULL, 0);
          done = TRUE;
        }
    }
  if (!done)
    return;
  replace_body (body, out);
}

static const HapSimQuirkParam zero_length_params[] = {
  { "type", HAP_SIM_PARAM_UINT, "the type of the empty item (default 0x13, Flags)",
    "19", 0, 254, NULL },
  { NULL }
};

/* ---- #53 tlv-empty-m4 ---------------------------------------------------------------- */

/* hap-controller #23, #54, #187 (and #140: "M4: Empty TLV"): Shelly 1 (mongoose
 * firmware) and the Somfy Connectivity Kit answer M3 with an empty body, or with M4
 * reporting an error, although the setup code was right. Only a successful M4 (State 4
 * with Proof) is touched: "empty" sends no bytes, "state" only State=4, "error" State=4
 * with Error=Authentication (what an accessory that got the SRP check wrong would say,
 * docs/protocol.md §2.2). Every controller fails the pairing; ours with "response needs
 * State 4", "M4 needs a 64-byte Proof" or the Authentication error. */
static void
empty_m4_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                   guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GByteArray) out = NULL;
  const char *reply = hap_sim_quirk_get_string (quirk, "body");

  if (pairing_path (request) != PATH_PAIR_SETUP ||
      (tlv = parse_response (request, *status, body)) == NULL ||
      response_state (tlv) != 4 || hap_tlv8_get (tlv, HAP_TLV_PROOF, NULL) == NULL)
    return;
  out = g_byte_array_new ();
  if (!g_str_equal (reply, "empty"))
    hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 4);
  if (g_str_equal (reply, "error"))
    hap_tlv8_append_uint8 (out, HAP_TLV_ERROR, HAP_TLV_ERROR_AUTHENTICATION);
  replace_body (body, out);
}

static const HapSimQuirkParam empty_m4_params[] = {
  { "body", HAP_SIM_PARAM_STRING,
    "what M4 holds: nothing, only State=4, or State=4 with Error=Authentication",
    "empty", 0, 0, "empty|state|error" },
  { NULL }
};

/* ---- #54 tlv-list-pairings-empty ----------------------------------------------------- */

/* hap-controller #227: once a controller added a pairing to an Aqara FP2, List Pairings
 * came back with an empty body (hap-controller printed "{}"). The pairings are still
 * stored and work; only the list is empty. Our controller rejects the body ("response
 * needs State 2"). The flag lives as long as the quirk is enabled. */
typedef struct
{
  gboolean added;
} ListEmptyState;

static void
list_empty_enable (HapSimQuirk *quirk)
{
  if (quirk->state == NULL)
    quirk->state = g_new0 (ListEmptyState, 1);
}

static void
list_empty_disable (HapSimQuirk *quirk)
{
  g_clear_pointer (&quirk->state, g_free);
}

static void
list_empty_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                     guint *status, const char **content_type, GByteArray *body)
{
  ListEmptyState *state = quirk->state;
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(HapTlv8) req = NULL;
  guint64 method;

  if (state == NULL || pairing_path (request) != PATH_PAIRINGS ||
      (tlv = parse_response (request, *status, body)) == NULL ||
      (req = parse_request (request)) == NULL ||
      !hap_tlv8_get_uint (req, HAP_TLV_METHOD, &method) ||
      hap_tlv8_get (tlv, HAP_TLV_ERROR, NULL) != NULL)
    return;
  if (method == HAP_METHOD_ADD_PAIRING)
    state->added = TRUE;
  else if (method == HAP_METHOD_LIST_PAIRINGS &&
           (state->added || !hap_sim_quirk_get_bool (quirk, "after-add")))
    g_byte_array_set_size (body, 0);
}

static const HapSimQuirkParam list_empty_params[] = {
  { "after-add", HAP_SIM_PARAM_BOOL,
    "only after an Add Pairing succeeded (as reported); false: always", "true", 0, 0, NULL },
  { NULL }
};

/* ---- the table ----------------------------------------------------------------------- */

static const HapSimQuirkInfo tlv_quirks[] = {
  {
    .name = "tlv-state-missing",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Pairing responses without the State item (Heatmiser neoHub)",
    .catalog_row = 21,
    .response = state_missing_response,
  },
  {
    .name = "tlv-state-last",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "State item last instead of first in pairing responses (parser variant of "
                   "the Heatmiser neoHub quirk)",
    .catalog_row = 0,
    .response = state_last_response,
  },
  {
    .name = "tlv-error-without-state",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Pairing error responses with Error but no State (parser variant of the "
                   "Heatmiser neoHub quirk)",
    .catalog_row = 0,
    .response = error_without_state_response,
  },
  {
    .name = "tlv-state-first-required",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Answers State 2 + Error 1 to pairing requests whose first item is not "
                   "State (Philips Hue bridge)",
    .catalog_row = 22,
    .request = state_first_request,
  },
  {
    .name = "tlv-reject-setup-with-auth",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Rejects Pair Setup with Auth (Method 1) with M2 Error 1 (Philips Hue "
                   "BSB002, ff=2 devices)",
    .catalog_row = 23,
    .request = reject_with_auth_request,
  },
  {
    .name = "tlv-zero-salt",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "All-zero SRP salt in Pair Setup M2 (LIFX Beam)",
    .catalog_row = 24,
    .enable = zero_salt_apply,
    .started = zero_salt_apply,
    .disable = zero_salt_disable,
  },
  {
    .name = "tlv-m4-incomplete-mfi",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Pair Setup M4 with MFi EncryptedData lacking the Signature or the "
                   "Certificate (unnamed MFi accessories)",
    .catalog_row = 25,
    .params = mfi_params,
    .request = mfi_request,
    .response = mfi_response,
  },
  {
    .name = "tlv-duplicate-state",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Two adjacent State items in pairing responses (HomeKit bridge of "
                   "aiohomekit #24)",
    .catalog_row = 26,
    .params = duplicate_state_params,
    .response = duplicate_state_response,
  },
  {
    .name = "tlv-unknown-types",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Unassigned TLV types before the expected items of pairing responses "
                   "(no device seen; spec-allowed)",
    .catalog_row = 27,
    .params = unknown_types_params,
    .response = unknown_types_response,
  },
  {
    .name = "tlv-zero-length-items",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "A zero-length item (empty Flags) after State in pairing responses "
                   "(parser variant; ADK-style zero-byte integers)",
    .catalog_row = 0,
    .params = zero_length_params,
    .response = zero_length_response,
  },
  {
    .name = "tlv-empty-m4",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "Empty or failing Pair Setup M4 after a correct SRP exchange (Shelly 1, "
                   "Somfy Connectivity Kit)",
    .catalog_row = 53,
    .params = empty_m4_params,
    .response = empty_m4_response,
  },
  {
    .name = "tlv-list-pairings-empty",
    .layer = HAP_SIM_LAYER_TLV,
    .description = "List Pairings answers an empty body after Add Pairing (Aqara FP2)",
    .catalog_row = 54,
    .params = list_empty_params,
    .enable = list_empty_enable,
    .disable = list_empty_disable,
    .response = list_empty_response,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_tlv (guint *n)
{
  *n = G_N_ELEMENTS (tlv_quirks);
  return tlv_quirks;
}
