/* test-ble-pdu.c — HAP-BLE PDU framing (docs/protocol.md §5.2, §5.3, §5.7)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-pdu-private.h"
#include "hap-error.h"

#include <string.h>

static const guint8 all_opcodes[] = {
  0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x10, 0x11, 0x12,
};

static guint8 *
pattern (gsize len)
{
  guint8 *data = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    data[i] = (guint8) (i * 7 + 3);
  return data;
}

static void
assert_bytes (GBytes       *bytes,
              const guint8 *expected,
              gsize         len)
{
  gsize n = 0;
  const guint8 *data = g_bytes_get_data (bytes, &n);

  g_assert_cmpmem (data, n, expected, len);
}

/* Feeds every fragment to a fresh request assembler; all but the last must need more. */
static void
assemble_request (GPtrArray     *fragments,
                  gsize          max_body,
                  HapBleRequest *request)
{
  g_auto(HapBleRequestAssembler) assembler = { 0 };

  hap_ble_request_assembler_init (&assembler, max_body);
  for (guint i = 0; i < fragments->len; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (fragments, i), &len);
      HapBlePduResult result = hap_ble_request_assembler_feed (&assembler, data, len, request, &error);

      g_assert_no_error (error);
      g_assert_cmpint (result, ==, i + 1 == fragments->len ? HAP_BLE_PDU_COMPLETE : HAP_BLE_PDU_NEED_MORE);
      g_assert_true (hap_ble_request_assembler_is_busy (&assembler) == (i + 1 < fragments->len));
    }
}

static void
assemble_response (GPtrArray      *fragments,
                   HapBleResponse *response)
{
  g_auto(HapBleResponseAssembler) assembler = { 0 };

  hap_ble_response_assembler_init (&assembler, HAP_BLE_PDU_MAX_BODY);
  for (guint i = 0; i < fragments->len; i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = 0;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (fragments, i), &len);
      HapBlePduResult result = hap_ble_response_assembler_feed (&assembler, data, len, response, &error);

      g_assert_no_error (error);
      g_assert_cmpint (result, ==, i + 1 == fragments->len ? HAP_BLE_PDU_COMPLETE : HAP_BLE_PDU_NEED_MORE);
    }
}

/* docs/protocol.md §5.2: names of every opcode and status, unknown ones NULL. */
static void
test_names (void)
{
  g_assert_cmpstr (hap_ble_opcode_to_string (0x01), ==, "HAP-Characteristic-Signature-Read");
  g_assert_cmpstr (hap_ble_opcode_to_string (0x08), ==, "HAP-Protocol-Configuration");
  g_assert_cmpstr (hap_ble_opcode_to_string (0x12), ==, "HAP-Info");
  for (guint i = 0; i < G_N_ELEMENTS (all_opcodes); i++)
    g_assert_nonnull (hap_ble_opcode_to_string (all_opcodes[i]));
  g_assert_null (hap_ble_opcode_to_string (0x00));
  g_assert_null (hap_ble_opcode_to_string (0x09));
  g_assert_null (hap_ble_opcode_to_string (0x0F));
  g_assert_null (hap_ble_opcode_to_string (0x13));
  g_assert_null (hap_ble_opcode_to_string (0xFF));

  g_assert_cmpstr (hap_ble_pdu_status_to_string (0x00), ==, "Success");
  g_assert_cmpstr (hap_ble_pdu_status_to_string (0x05), ==, "Insufficient Authentication");
  g_assert_cmpstr (hap_ble_pdu_status_to_string (0x06), ==, "Invalid Request");
  g_assert_null (hap_ble_pdu_status_to_string (0x07));

  g_assert_true (hap_ble_opcode_is_service_level (HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ));
  g_assert_true (hap_ble_opcode_is_service_level (HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION));
  g_assert_false (hap_ble_opcode_is_service_level (HAP_BLE_OPCODE_CHARACTERISTIC_READ));
  g_assert_false (hap_ble_opcode_is_service_level (0x42));
}

/* docs/protocol.md §5.2: exact first-fragment bytes, written out by hand. */
static void
test_exact_bytes (void)
{
  static const guint8 body[] = { 0x01, 0x01, 0x01 };  /* Param-Value = 1 */
  /* control 00, opcode 03 (read), TID 42, IID 0x0033 LE, no length field. */
  static const guint8 read_request[] = { 0x00, 0x03, 0x42, 0x33, 0x00 };
  /* control 00, opcode 02 (write), TID 42, IID 0x0133 LE, length 3 LE, body. */
  static const guint8 write_request[] = { 0x00, 0x02, 0x42, 0x33, 0x01, 0x03, 0x00, 0x01, 0x01, 0x01 };
  /* control 00 … with an explicit empty body: length 0. */
  static const guint8 empty_request[] = { 0x00, 0x06, 0x42, 0x10, 0x00, 0x00, 0x00 };
  /* control 02, TID 42, status 00, length 3, body. */
  static const guint8 response[] = { 0x02, 0x42, 0x00, 0x03, 0x00, 0x01, 0x01, 0x01 };
  /* control 02, TID 42, status 05 (insufficient authentication), no body. */
  static const guint8 status_only[] = { 0x02, 0x42, 0x05 };
  g_autoptr(GPtrArray) a = hap_ble_pdu_fragment_request (0x03, 0x42, 0x0033, NULL, 0, FALSE, 512);
  g_autoptr(GPtrArray) b = hap_ble_pdu_fragment_request (0x02, 0x42, 0x0133, body, 3, TRUE, 512);
  g_autoptr(GPtrArray) c = hap_ble_pdu_fragment_request (0x06, 0x42, 0x0010, NULL, 0, TRUE, 512);
  g_autoptr(GPtrArray) d = hap_ble_pdu_fragment_response (0x42, 0x00, body, 3, TRUE, 512);
  g_autoptr(GPtrArray) e = hap_ble_pdu_fragment_response (0x42, 0x05, NULL, 0, FALSE, 512);

  g_assert_cmpuint (a->len, ==, 1);
  assert_bytes (g_ptr_array_index (a, 0), read_request, sizeof read_request);
  g_assert_cmpuint (b->len, ==, 1);
  assert_bytes (g_ptr_array_index (b, 0), write_request, sizeof write_request);
  g_assert_cmpuint (c->len, ==, 1);
  assert_bytes (g_ptr_array_index (c, 0), empty_request, sizeof empty_request);
  g_assert_cmpuint (d->len, ==, 1);
  assert_bytes (g_ptr_array_index (d, 0), response, sizeof response);
  g_assert_cmpuint (e->len, ==, 1);
  assert_bytes (g_ptr_array_index (e, 0), status_only, sizeof status_only);
}

/* Every opcode and every status survives fragmenting and assembly, with and without a
 * body; a missing body and an empty one stay apart. */
static void
test_round_trip_opcodes_statuses (void)
{
  g_autofree guint8 *body = pattern (40);

  for (guint i = 0; i < G_N_ELEMENTS (all_opcodes); i++)
    {
      for (guint variant = 0; variant < 3; variant++)
        {
          gsize len = variant == 2 ? 40 : 0;
          gboolean has_body = variant > 0;
          g_autoptr(GPtrArray) fragments = hap_ble_pdu_fragment_request (all_opcodes[i], (guint8) (0x80 + i),
                                                                         (guint16) (0x1234 + i), body, len,
                                                                         has_body, 20);
          g_auto(HapBleRequest) request = { 0 };

          assemble_request (fragments, HAP_BLE_PDU_MAX_BODY, &request);
          g_assert_cmpuint (request.opcode, ==, all_opcodes[i]);
          g_assert_cmpuint (request.tid, ==, 0x80 + i);
          g_assert_cmpuint (request.iid, ==, 0x1234 + i);
          if (!has_body)
            g_assert_null (request.body);
          else
            assert_bytes (request.body, body, len);
        }
    }

  for (guint status = 0; status <= HAP_BLE_PDU_STATUS_INVALID_REQUEST; status++)
    {
      for (guint variant = 0; variant < 3; variant++)
        {
          gsize len = variant == 2 ? 40 : 0;
          gboolean has_body = variant > 0;
          g_autoptr(GPtrArray) fragments = hap_ble_pdu_fragment_response ((guint8) (0x10 + status), (guint8) status,
                                                                          body, len, has_body, 20);
          g_auto(HapBleResponse) response = { 0 };

          assemble_response (fragments, &response);
          g_assert_cmpuint (response.tid, ==, 0x10 + status);
          g_assert_cmpuint (response.status, ==, status);
          if (!has_body)
            g_assert_null (response.body);
          else
            assert_bytes (response.body, body, len);
        }
    }
}

/* Expected number of fragments: the first carries max - header bytes of the body, each
 * continuation max - 2. */
static guint
expected_fragments (gsize body_len,
                    gsize header,
                    gsize max)
{
  gsize first = max - header;

  if (body_len <= first)
    return 1;
  return 1 + (guint) ((body_len - first + (max - 2) - 1) / (max - 2));
}

/* docs/protocol.md §5.7: every size at several fragment limits: each fragment within the
 * limit, the first carrying the header, continuations carrying 0x80/0x82 ‖ TID. */
static void
test_fragment_sizes (void)
{
  static const gsize limits[] = { 8, 9, 10, 20, 100, 496, 512 };
  g_autofree guint8 *body = pattern (1100);

  for (guint l = 0; l < G_N_ELEMENTS (limits); l++)
    {
      gsize max = limits[l];

      for (gsize len = 0; len <= 1100; len += (len < 60 ? 1 : 37))
        {
          g_autoptr(GPtrArray) req = hap_ble_pdu_fragment_request (0x02, 0x77, 0x0102, body, len, TRUE, max);
          g_autoptr(GPtrArray) rsp = hap_ble_pdu_fragment_response (0x77, 0x00, body, len, TRUE, max);
          g_auto(HapBleRequest) request = { 0 };
          g_auto(HapBleResponse) response = { 0 };

          g_assert_cmpuint (req->len, ==, expected_fragments (len, 7, max));
          g_assert_cmpuint (rsp->len, ==, expected_fragments (len, 5, max));
          for (guint i = 0; i < req->len; i++)
            {
              gsize n = 0;
              const guint8 *f = g_bytes_get_data (g_ptr_array_index (req, i), &n);

              g_assert_cmpuint (n, <=, max);
              g_assert_cmpuint (f[0], ==, i == 0 ? 0x00 : 0x80);
              if (i > 0)
                {
                  g_assert_cmpuint (f[1], ==, 0x77);
                  g_assert_cmpuint (n, >, 2);
                }
              if (i + 1 < req->len)
                g_assert_cmpuint (n, ==, max);
            }
          for (guint i = 0; i < rsp->len; i++)
            {
              gsize n = 0;
              const guint8 *f = g_bytes_get_data (g_ptr_array_index (rsp, i), &n);

              g_assert_cmpuint (n, <=, max);
              g_assert_cmpuint (f[0], ==, i == 0 ? 0x02 : 0x82);
              if (i + 1 < rsp->len)
                g_assert_cmpuint (n, ==, max);
            }

          assemble_request (req, HAP_BLE_PDU_MAX_BODY, &request);
          assert_bytes (request.body, body, len);
          assemble_response (rsp, &response);
          assert_bytes (response.body, body, len);
        }
    }
}

/* Boundaries with a 20-byte limit: request header 7, so 13 body bytes fill the first
 * fragment exactly; the 14th goes alone into a 3-byte continuation; 13 + 18 fill the
 * first continuation exactly. */
static void
test_fragment_boundaries (void)
{
  g_autofree guint8 *body = pattern (64);
  g_autoptr(GPtrArray) exact = hap_ble_pdu_fragment_request (0x02, 1, 2, body, 13, TRUE, 20);
  g_autoptr(GPtrArray) one_more = hap_ble_pdu_fragment_request (0x02, 1, 2, body, 14, TRUE, 20);
  g_autoptr(GPtrArray) two_exact = hap_ble_pdu_fragment_request (0x02, 1, 2, body, 31, TRUE, 20);
  g_autoptr(GPtrArray) two_more = hap_ble_pdu_fragment_request (0x02, 1, 2, body, 32, TRUE, 20);
  g_autoptr(GPtrArray) rsp_exact = hap_ble_pdu_fragment_response (1, 0, body, 15, TRUE, 20);
  g_autoptr(GPtrArray) rsp_more = hap_ble_pdu_fragment_response (1, 0, body, 16, TRUE, 20);
  guint8 tail[3] = { 0x80, 1, body[13] };
  guint8 rsp_tail[3] = { 0x82, 1, body[15] };
  g_auto(HapBleRequest) request = { 0 };

  g_assert_cmpuint (exact->len, ==, 1);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (exact, 0)), ==, 20);

  g_assert_cmpuint (one_more->len, ==, 2);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (one_more, 0)), ==, 20);
  assert_bytes (g_ptr_array_index (one_more, 1), tail, sizeof tail);
  assemble_request (one_more, 64, &request);
  assert_bytes (request.body, body, 14);

  g_assert_cmpuint (two_exact->len, ==, 2);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (two_exact, 1)), ==, 20);
  g_assert_cmpuint (two_more->len, ==, 3);
  g_assert_cmpuint (g_bytes_get_size (g_ptr_array_index (two_more, 2)), ==, 3);

  g_assert_cmpuint (rsp_exact->len, ==, 1);
  g_assert_cmpuint (rsp_more->len, ==, 2);
  assert_bytes (g_ptr_array_index (rsp_more, 1), rsp_tail, sizeof rsp_tail);

  /* Largest body the length field can express. */
  {
    g_autofree guint8 *big = pattern (HAP_BLE_PDU_MAX_BODY);
    g_autoptr(GPtrArray) max_body = hap_ble_pdu_fragment_response (9, 0, big, HAP_BLE_PDU_MAX_BODY, TRUE, 496);
    g_auto(HapBleResponse) response = { 0 };

    assemble_response (max_body, &response);
    assert_bytes (response.body, big, HAP_BLE_PDU_MAX_BODY);
  }
}

typedef struct
{
  const char   *name;
  gboolean      response;       /* feed the response assembler */
  const guint8 *prefix;         /* fed first and accepted (NEED_MORE), or NULL */
  gsize         prefix_len;
  const guint8 *bad;
  gsize         bad_len;
  gint          code;
  const char   *message;        /* substring of the error message */
} MalformedCase;

#define BYTES(...) (const guint8[]) { __VA_ARGS__ }, sizeof ((const guint8[]) { __VA_ARGS__ })

/* A request first fragment declaring 10 body bytes and carrying 2. */
#define PARTIAL_REQUEST BYTES (0x00, 0x02, 0x21, 0x05, 0x00, 0x0A, 0x00, 0xAA, 0xBB)
#define PARTIAL_RESPONSE BYTES (0x02, 0x21, 0x00, 0x0A, 0x00, 0xAA, 0xBB)

static const MalformedCase malformed_cases[] = {
  { "empty", FALSE, NULL, 0, (const guint8 *) "", 0, HAP_ERROR_INVALID_DATA, "Empty request fragment" },
  { "control-length-bit", FALSE, NULL, 0, BYTES (0x01, 0x03, 0x01, 0x02, 0x00), HAP_ERROR_INVALID_DATA, "bit 0" },
  { "reserved-bit-5", FALSE, NULL, 0, BYTES (0x20, 0x03, 0x01, 0x02, 0x00), HAP_ERROR_INVALID_DATA, "reserved bits" },
  { "reserved-bit-6", FALSE, NULL, 0, BYTES (0x40, 0x03, 0x01, 0x02, 0x00), HAP_ERROR_INVALID_DATA, "reserved bits" },
  { "iid-64bit", FALSE, NULL, 0, BYTES (0x10, 0x03, 0x01, 0x02, 0x00, 0, 0, 0, 0, 0, 0), HAP_ERROR_INVALID_DATA, "64-bit instance IDs" },
  { "response-to-request-assembler", FALSE, NULL, 0, BYTES (0x02, 0x01, 0x00), HAP_ERROR_INVALID_DATA, "response where a request" },
  { "response-continuation-to-request-assembler", FALSE, PARTIAL_REQUEST, BYTES (0x82, 0x21, 0xCC), HAP_ERROR_INVALID_DATA, "response where a request" },
  { "request-to-response-assembler", TRUE, NULL, 0, BYTES (0x00, 0x03, 0x01, 0x02, 0x00), HAP_ERROR_INVALID_DATA, "request where a response" },
  { "unknown-pdu-type", FALSE, NULL, 0, BYTES (0x04, 0x03, 0x01, 0x02, 0x00), HAP_ERROR_INVALID_DATA, "unknown PDU type 2" },
  { "continuation-without-first", FALSE, NULL, 0, BYTES (0x80, 0x21, 0xCC), HAP_ERROR_INVALID_DATA, "without a first fragment" },
  { "response-continuation-without-first", TRUE, NULL, 0, BYTES (0x82, 0x21, 0xCC), HAP_ERROR_INVALID_DATA, "without a first fragment" },
  { "tid-mismatch", FALSE, PARTIAL_REQUEST, BYTES (0x80, 0x22, 0xCC), HAP_ERROR_INVALID_DATA, "TID 0x22" },
  { "response-tid-mismatch", TRUE, PARTIAL_RESPONSE, BYTES (0x82, 0x20, 0xCC), HAP_ERROR_INVALID_DATA, "TID 0x20" },
  { "first-beyond-length", FALSE, NULL, 0, BYTES (0x00, 0x02, 0x21, 0x05, 0x00, 0x01, 0x00, 0xAA, 0xBB), HAP_ERROR_INVALID_DATA, "2 body bytes, more than the 1" },
  { "response-first-beyond-length", TRUE, NULL, 0, BYTES (0x02, 0x21, 0x00, 0x00, 0x00, 0xAA), HAP_ERROR_INVALID_DATA, "1 body bytes, more than the 0" },
  { "continuation-beyond-length", FALSE, PARTIAL_REQUEST,
    BYTES (0x80, 0x21, 1, 2, 3, 4, 5, 6, 7, 8, 9), HAP_ERROR_INVALID_DATA, "9 body bytes, but only 8 of the declared 10" },
  { "truncated-request-header", FALSE, NULL, 0, BYTES (0x00, 0x03, 0x01, 0x02), HAP_ERROR_INVALID_DATA, "Truncated request header: 4 of 5" },
  { "truncated-response-header", TRUE, NULL, 0, BYTES (0x02, 0x01), HAP_ERROR_INVALID_DATA, "Truncated response header: 2 of 3" },
  { "truncated-body-length", FALSE, NULL, 0, BYTES (0x00, 0x03, 0x01, 0x02, 0x00, 0x05), HAP_ERROR_INVALID_DATA, "body length field has 1 of 2" },
  { "truncated-continuation", FALSE, PARTIAL_REQUEST, BYTES (0x80), HAP_ERROR_INVALID_DATA, "no TID" },
  { "body-over-limit", FALSE, NULL, 0, BYTES (0x00, 0x02, 0x21, 0x05, 0x00, 0x01, 0x01), HAP_ERROR_TOO_LARGE, "257-byte body, more than the 256" },
  { "response-body-over-limit", TRUE, NULL, 0, BYTES (0x02, 0x21, 0x00, 0xFF, 0xFF), HAP_ERROR_TOO_LARGE, "65535-byte body, more than the 256" },
};

/* Each malformed fragment gives its error, drops the partial PDU, and leaves an idle
 * assembler that accepts a good PDU next. */
static void
test_malformed (gconstpointer data)
{
  const MalformedCase *mc = data;
  static const guint8 good_request[] = { 0x00, 0x03, 0x05, 0x01, 0x00 };
  static const guint8 good_response[] = { 0x02, 0x05, 0x00 };
  g_auto(HapBleRequestAssembler) requests = { 0 };
  g_auto(HapBleResponseAssembler) responses = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(HapBleRequest) request = { 0 };
  g_auto(HapBleResponse) response = { 0 };
  HapBlePduResult result;

  hap_ble_request_assembler_init (&requests, 256);
  hap_ble_response_assembler_init (&responses, 256);

  if (mc->prefix != NULL)
    {
      result = mc->response
               ? hap_ble_response_assembler_feed (&responses, mc->prefix, mc->prefix_len, &response, &error)
               : hap_ble_request_assembler_feed (&requests, mc->prefix, mc->prefix_len, &request, &error);
      g_assert_no_error (error);
      g_assert_cmpint (result, ==, HAP_BLE_PDU_NEED_MORE);
    }

  result = mc->response
           ? hap_ble_response_assembler_feed (&responses, mc->bad, mc->bad_len, &response, &error)
           : hap_ble_request_assembler_feed (&requests, mc->bad, mc->bad_len, &request, &error);
  g_assert_cmpint (result, ==, HAP_BLE_PDU_ERROR);
  g_assert_error (error, HAP_ERROR, mc->code);
  if (strstr (error->message, mc->message) == NULL)
    g_error ("%s: message \"%s\" lacks \"%s\"", mc->name, error->message, mc->message);
  g_assert_null (request.body);
  g_assert_null (response.body);
  g_clear_error (&error);

  g_assert_false (hap_ble_request_assembler_is_busy (&requests));
  g_assert_false (hap_ble_response_assembler_is_busy (&responses));

  /* A continuation of the dropped PDU is now out of place. */
  if (mc->prefix != NULL)
    {
      static const guint8 more_request[] = { 0x80, 0x21, 0x01 };
      static const guint8 more_response[] = { 0x82, 0x21, 0x01 };

      result = mc->response
               ? hap_ble_response_assembler_feed (&responses, more_response, 3, &response, &error)
               : hap_ble_request_assembler_feed (&requests, more_request, 3, &request, &error);
      g_assert_cmpint (result, ==, HAP_BLE_PDU_ERROR);
      g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }

  result = mc->response
           ? hap_ble_response_assembler_feed (&responses, good_response, sizeof good_response, &response, &error)
           : hap_ble_request_assembler_feed (&requests, good_request, sizeof good_request, &request, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, HAP_BLE_PDU_COMPLETE);
}

/* docs/protocol.md §5.7: a new first fragment while a PDU is incomplete is reported, the
 * old PDU dropped and the fragment left to the caller, who may feed it again. */
static void
test_interrupted (void)
{
  static const guint8 partial[] = { 0x00, 0x02, 0x21, 0x05, 0x00, 0x04, 0x00, 0xAA };
  static const guint8 other[] = { 0x00, 0x02, 0x22, 0x06, 0x00, 0x01, 0x00, 0xEE };
  static const guint8 late[] = { 0x80, 0x21, 0xBB, 0xCC, 0xDD };
  g_auto(HapBleRequestAssembler) assembler = { 0 };
  g_auto(HapBleRequest) request = { 0 };
  g_autoptr(GError) error = NULL;

  hap_ble_request_assembler_init (&assembler, 512);
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, partial, sizeof partial, &request, &error),
                   ==, HAP_BLE_PDU_NEED_MORE);
  g_assert_no_error (error);

  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, other, sizeof other, &request, &error),
                   ==, HAP_BLE_PDU_INTERRUPTED);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "TID 0x21 had only 1 of its 4 body bytes"));
  g_clear_error (&error);
  g_assert_false (hap_ble_request_assembler_is_busy (&assembler));
  g_assert_null (request.body);

  /* The caller chose to start the new request. */
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, other, sizeof other, &request, &error),
                   ==, HAP_BLE_PDU_COMPLETE);
  g_assert_no_error (error);
  g_assert_cmpuint (request.tid, ==, 0x22);
  g_assert_cmpuint (request.iid, ==, 6);
  assert_bytes (request.body, (const guint8[]) { 0xEE }, 1);
  hap_ble_request_clear (&request);

  /* The rest of the dropped request no longer fits anywhere. */
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, late, sizeof late, &request, &error),
                   ==, HAP_BLE_PDU_ERROR);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
}

/* docs/protocol.md §5.7 (ADK): empty continuations carry no data; while assembling they
 * change nothing, and right after a complete PDU with its TID they are ignored. */
static void
test_empty_continuations (void)
{
  static const guint8 first[] = { 0x00, 0x02, 0x31, 0x05, 0x00, 0x02, 0x00, 0xAA };
  static const guint8 empty_same[] = { 0x80, 0x31 };
  static const guint8 empty_other[] = { 0x80, 0x32 };
  static const guint8 rest[] = { 0x80, 0x31, 0xBB };
  g_auto(HapBleRequestAssembler) assembler = { 0 };
  g_auto(HapBleRequest) request = { 0 };
  g_autoptr(GError) error = NULL;

  hap_ble_request_assembler_init (&assembler, 512);
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, first, sizeof first, &request, &error),
                   ==, HAP_BLE_PDU_NEED_MORE);
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, empty_same, 2, &request, &error),
                   ==, HAP_BLE_PDU_NEED_MORE);
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, rest, sizeof rest, &request, &error),
                   ==, HAP_BLE_PDU_COMPLETE);
  g_assert_no_error (error);
  assert_bytes (request.body, (const guint8[]) { 0xAA, 0xBB }, 2);

  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, empty_same, 2, &request, &error),
                   ==, HAP_BLE_PDU_IGNORED);
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, empty_same, 2, &request, &error),
                   ==, HAP_BLE_PDU_IGNORED);
  g_assert_no_error (error);
  /* The completed request was not touched by the ignored fragments. */
  assert_bytes (request.body, (const guint8[]) { 0xAA, 0xBB }, 2);

  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, empty_other, 2, &request, &error),
                   ==, HAP_BLE_PDU_ERROR);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  /* After clear the last TID is forgotten too. */
  hap_ble_request_clear (&request);
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, first, sizeof first, &request, &error),
                   ==, HAP_BLE_PDU_NEED_MORE);
  hap_ble_request_assembler_clear (&assembler);
  g_assert_false (hap_ble_request_assembler_is_busy (&assembler));
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, rest, sizeof rest, &request, &error),
                   ==, HAP_BLE_PDU_ERROR);
  g_clear_error (&error);
  /* The limit survives clear. */
  g_assert_cmpint (hap_ble_request_assembler_feed (&assembler, first, sizeof first, &request, &error),
                   ==, HAP_BLE_PDU_NEED_MORE);
  g_assert_no_error (error);
}

/* The caller's limit is inclusive and leaves memory bounded; 0 allows only bodiless and
 * empty PDUs. */
static void
test_body_limit (void)
{
  g_autofree guint8 *body = pattern (300);
  g_autoptr(GPtrArray) at_limit = hap_ble_pdu_fragment_request (0x02, 1, 1, body, 300, TRUE, 100);
  g_autoptr(GPtrArray) empty = hap_ble_pdu_fragment_request (0x02, 1, 1, NULL, 0, TRUE, 100);
  g_autoptr(GPtrArray) none = hap_ble_pdu_fragment_request (0x03, 1, 1, NULL, 0, FALSE, 100);
  g_auto(HapBleRequest) a = { 0 };
  g_auto(HapBleRequest) b = { 0 };
  g_auto(HapBleRequest) c = { 0 };
  g_auto(HapBleRequestAssembler) zero = { 0 };
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const guint8 *first;

  assemble_request (at_limit, 300, &a);
  assert_bytes (a.body, body, 300);
  assemble_request (empty, 0, &b);
  g_assert_nonnull (b.body);
  g_assert_cmpuint (g_bytes_get_size (b.body), ==, 0);
  assemble_request (none, 0, &c);
  g_assert_null (c.body);

  hap_ble_request_assembler_init (&zero, 299);
  first = g_bytes_get_data (g_ptr_array_index (at_limit, 0), &len);
  g_assert_cmpint (hap_ble_request_assembler_feed (&zero, first, len, &a, &error), ==, HAP_BLE_PDU_ERROR);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
}

/* docs/protocol.md §5.3: fixed two-byte little-endian parameters. */
static void
test_tlv_le16 (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(HapTlv8) tlv = NULL;
  static const guint8 expected[] = { 0x07, 0x02, 0x01, 0x00, 0x0A, 0x02, 0x34, 0x12, 0x05, 0x01, 0x09 };
  guint16 v = 0;

  hap_ble_tlv_append_le16 (buf, HAP_BLE_PARAM_SERVICE_IID, 1);
  hap_ble_tlv_append_le16 (buf, HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES, 0x1234);
  hap_tlv8_append_uint8 (buf, HAP_BLE_PARAM_CHARACTERISTIC_IID, 9);
  g_assert_cmpmem (buf->data, buf->len, expected, sizeof expected);

  tlv = hap_tlv8_parse (buf->data, buf->len, NULL);
  g_assert_nonnull (tlv);
  g_assert_true (hap_ble_tlv_get_le16 (tlv, HAP_BLE_PARAM_SERVICE_IID, &v));
  g_assert_cmpuint (v, ==, 1);
  g_assert_true (hap_ble_tlv_get_le16 (tlv, HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES, &v));
  g_assert_cmpuint (v, ==, 0x1234);
  /* One byte is not a LE16, and absent is absent. */
  g_assert_false (hap_ble_tlv_get_le16 (tlv, HAP_BLE_PARAM_CHARACTERISTIC_IID, &v));
  g_assert_false (hap_ble_tlv_get_le16 (tlv, HAP_BLE_PARAM_VALUE, &v));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ble-pdu/names", test_names);
  g_test_add_func ("/ble-pdu/exact-bytes", test_exact_bytes);
  g_test_add_func ("/ble-pdu/round-trip/opcodes-statuses", test_round_trip_opcodes_statuses);
  g_test_add_func ("/ble-pdu/fragment/sizes", test_fragment_sizes);
  g_test_add_func ("/ble-pdu/fragment/boundaries", test_fragment_boundaries);
  for (guint i = 0; i < G_N_ELEMENTS (malformed_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ble-pdu/malformed/%s", malformed_cases[i].name);
      g_test_add_data_func (path, &malformed_cases[i], test_malformed);
    }
  g_test_add_func ("/ble-pdu/interrupted", test_interrupted);
  g_test_add_func ("/ble-pdu/empty-continuations", test_empty_continuations);
  g_test_add_func ("/ble-pdu/body-limit", test_body_limit);
  g_test_add_func ("/ble-pdu/tlv-le16", test_tlv_le16);

  return g_test_run ();
}
