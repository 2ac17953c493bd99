/* test-trace.c — the simulator's traffic trace: bounds, JSON lines, redaction of secrets
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <json-glib/json-glib.h>
#include <sodium.h>

#include "hap-sim-trace.h"
#include "hap-tlv8-private.h"
#include "sim-fixture.h"

/* ---- helpers ---------------------------------------------------------------------- */

static HapHttpMessage *
parse_request (const guint8 *bytes,
               gsize         len)
{
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (HAP_HTTP_PARSE_REQUESTS);
  g_autoptr(GError) error = NULL;
  HapHttpMessage *message;

  hap_http_parser_push (parser, bytes, len);
  message = hap_http_parser_next (parser, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static HapHttpMessage *
parse_request_text (const char *text)
{
  return parse_request ((const guint8 *) text, strlen (text));
}

/* An HTTP message with @head (without the blank line) and a binary body. */
static GByteArray *
message_with_body (const char   *head,
                   const guint8 *body,
                   gsize         len)
{
  GByteArray *out = g_byte_array_new ();
  g_autofree char *full = g_strdup_printf ("%s\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n", head, len);

  g_byte_array_append (out, (const guint8 *) full, strlen (full));
  g_byte_array_append (out, body, len);
  return out;
}

/* Every line must be one JSON object whose keys follow the documented order. */
static JsonObject *
check_line (const char *line)
{
  static const char * const order[] = {
    "seq", "time", "session", "peer", "controller", "kind", "method", "path", "query",
    "status", "headers", "head", "body", "tlv", "tlv-error", "text", "base64", "redacted",
    "length", "truncated", NULL
  };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) members = NULL;
  guint position = 0;
  JsonObject *object;

  g_assert_null (strchr (line, '\n'));
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_node_get_object (json_parser_get_root (parser));

  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      while (order[position] != NULL && g_strcmp0 (order[position], l->data) != 0)
        position++;
      if (order[position] == NULL)
        g_error ("key “%s” out of order or unknown in %s", (const char *) l->data, line);
    }
  g_assert_true (g_regex_match_simple ("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z$",
                                       json_object_get_string_member (object, "time"), 0, 0));
  return json_object_ref (object);
}

/* The newest line, checked, with its time replaced by "T" for exact comparisons. */
static char *
last_line (HapSimTrace *trace)
{
  g_autoptr(GPtrArray) lines = hap_sim_trace_dup_lines (trace, hap_sim_trace_get_last_seq (trace) - 1, 0);
  g_autoptr(GRegex) regex = g_regex_new ("\"time\":\"[^\"]*\"", 0, 0, NULL);
  g_autoptr(JsonObject) object = NULL;

  g_assert_cmpuint (lines->len, ==, 1);
  object = check_line (g_ptr_array_index (lines, 0));
  return g_regex_replace_literal (regex, g_ptr_array_index (lines, 0), -1, 0, "\"time\":\"T\"", 0, NULL);
}

/* ---- the ring --------------------------------------------------------------------- */

static void
test_bounded_by_entries (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (3, 1 << 20);
  g_autoptr(GPtrArray) all = NULL, since = NULL, paged = NULL;
  g_autoptr(JsonObject) first = NULL;

  for (int i = 0; i < 5; i++)
    hap_sim_trace_record_session (trace, NULL, i % 2 ? "secured" : "connected");

  g_assert_cmpuint (hap_sim_trace_get_n_entries (trace), ==, 3);
  g_assert_cmpuint (hap_sim_trace_get_last_seq (trace), ==, 5);

  /* The oldest were dropped: seq 3, 4, 5 remain, oldest first. */
  all = hap_sim_trace_dup_lines (trace, 0, 0);
  g_assert_cmpuint (all->len, ==, 3);
  first = check_line (g_ptr_array_index (all, 0));
  g_assert_cmpint (json_object_get_int_member (first, "seq"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (first, "kind"), ==, "connected");
  g_assert_false (json_object_has_member (first, "session"));

  since = hap_sim_trace_dup_lines (trace, 4, 0);
  g_assert_cmpuint (since->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (since, 0), "{\"seq\":5,"));

  /* @max pages from the oldest wanted entry on. */
  paged = hap_sim_trace_dup_lines (trace, 0, 2);
  g_assert_cmpuint (paged->len, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (paged, 0), "{\"seq\":3,"));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (paged, 1), "{\"seq\":4,"));

  /* Clearing keeps the numbering going, so readers polling with "since" miss nothing. */
  hap_sim_trace_clear (trace);
  g_assert_cmpuint (hap_sim_trace_get_n_entries (trace), ==, 0);
  g_clear_pointer (&all, g_ptr_array_unref);
  all = hap_sim_trace_dup_lines (trace, 0, 0);
  g_assert_cmpuint (all->len, ==, 0);
  hap_sim_trace_record_session (trace, NULL, "closed");
  g_assert_cmpuint (hap_sim_trace_get_last_seq (trace), ==, 6);
}

static void
test_bounded_by_bytes (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (1000, 4000);
  g_autofree char *body = g_strnfill (500, 'x');
  g_autofree char *request = g_strdup_printf ("PUT /x HTTP/1.1\r\nContent-Length: 500\r\n\r\n%s", body);
  g_autoptr(HapHttpMessage) message = parse_request_text (request);
  g_autoptr(GPtrArray) lines = NULL;
  guint n;

  for (int i = 0; i < 20; i++)
    hap_sim_trace_record_request (trace, NULL, message);

  /* 20 × 500 body bytes cannot fit in 4000: only the newest few remain. */
  n = hap_sim_trace_get_n_entries (trace);
  g_assert_cmpuint (n, >=, 2);
  g_assert_cmpuint (n, <=, 7);
  lines = hap_sim_trace_dup_lines (trace, 0, 0);
  g_assert_cmpuint (lines->len, ==, n);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (lines, n - 1), "{\"seq\":20,"));
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(JsonObject) object = check_line (g_ptr_array_index (lines, i));
      g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, body);
    }
}

static void
test_truncated (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  gsize len = 100 * 1024;
  g_autofree guint8 *jpeg = g_malloc (len);
  g_autoptr(GByteArray) message = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree guint8 *decoded = NULL;
  gsize decoded_len;

  for (gsize i = 0; i < len; i++)
    jpeg[i] = (guint8) (i * 7 + 0xd8);
  message = message_with_body ("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg", jpeg, len);
  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, NULL, message->data, message->len);

  lines = hap_sim_trace_dup_lines (trace, 0, 0);
  object = check_line (g_ptr_array_index (lines, 0));
  g_assert_cmpint (json_object_get_int_member (object, "status"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (object, "length"), ==, len);
  g_assert_true (json_object_get_boolean_member (object, "truncated"));
  decoded = g_base64_decode (json_object_get_string_member (object, "base64"), &decoded_len);
  /* 64 KiB of the message are kept, head included: the body's first bytes match. */
  g_assert_cmpuint (decoded_len, <, len);
  g_assert_cmpuint (decoded_len, >, 60 * 1024);
  g_assert_cmpmem (decoded, decoded_len, jpeg, decoded_len);
}

/* ---- HTTP formatting -------------------------------------------------------------- */

static void
test_request_line (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  const char *body = "{ \"characteristics\" : [ {\"aid\":1, \"iid\":9,\n \"value\":1.0,\"big\":18446744073709551615,\"s\":\"a\\\"b\\u00e9\"} ] }";
  g_autofree char *text = g_strdup_printf ("PUT /characteristics?x=1&y=%%20 HTTP/1.1\r\nHost: lamp\r\n"
                                           "Content-Type: application/hap+json\r\n"
                                           "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
  g_autoptr(HapHttpMessage) request = parse_request_text (text);
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;

  hap_sim_trace_record_request (trace, NULL, request);
  line = last_line (trace);
  /* White space goes, everything else stays as sent (1.0, the uint64, the escapes). */
  expected = g_strdup_printf ("{\"seq\":1,\"time\":\"T\",\"kind\":\"request\",\"method\":\"PUT\","
                              "\"path\":\"/characteristics\",\"query\":\"x=1&y=%%20\","
                              "\"headers\":[[\"Host\",\"lamp\"],[\"Content-Type\",\"application/hap+json\"],"
                              "[\"Content-Length\",\"%zu\"]],"
                              "\"body\":{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":1.0,"
                              "\"big\":18446744073709551615,\"s\":\"a\\\"b\\u00e9\"}]},\"length\":%zu}",
                              strlen (body), strlen (body));
  g_assert_cmpstr (line, ==, expected);
}

static void
test_response_lines (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  g_autoptr(HapHttpMessage) request = parse_request_text ("GET /characteristics?id=1.9 HTTP/1.1\r\n\r\n");
  const char *ok = "HTTP/1.1 200 OK\r\nContent-Type: application/hap+json\r\nContent-Length: 52\r\n\r\n"
                   "{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":true}]}";
  const char *no_content = "HTTP/1.1 204 No Content\r\n\r\n";
  const char *event = "EVENT/1.0 200 OK\r\ncontent-type:application/hap+json\r\nContent-Length: 2\r\n\r\n{}";
  g_autofree char *line = NULL;

  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, request,
                                (const guint8 *) ok, strlen (ok));
  line = last_line (trace);
  g_assert_cmpstr (line, ==,
                   "{\"seq\":1,\"time\":\"T\",\"kind\":\"response\",\"method\":\"GET\","
                   "\"path\":\"/characteristics\",\"query\":\"id=1.9\",\"status\":200,"
                   "\"headers\":[[\"Content-Type\",\"application/hap+json\"],[\"Content-Length\",\"52\"]],"
                   "\"body\":{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":true}]},\"length\":52}");
  g_clear_pointer (&line, g_free);

  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, request,
                                (const guint8 *) no_content, strlen (no_content));
  line = last_line (trace);
  g_assert_cmpstr (line, ==,
                   "{\"seq\":2,\"time\":\"T\",\"kind\":\"response\",\"method\":\"GET\","
                   "\"path\":\"/characteristics\",\"query\":\"id=1.9\",\"status\":204,"
                   "\"headers\":[],\"length\":0}");
  g_clear_pointer (&line, g_free);

  /* Header names as sent (http-lowercase-headers, simulator/QUIRKS.md row 14), values trimmed. */
  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_EVENT, NULL,
                                (const guint8 *) event, strlen (event));
  line = last_line (trace);
  g_assert_cmpstr (line, ==,
                   "{\"seq\":3,\"time\":\"T\",\"kind\":\"event\",\"status\":200,"
                   "\"headers\":[[\"content-type\",\"application/hap+json\"],[\"Content-Length\",\"2\"]],"
                   "\"body\":{},\"length\":2}");
}

/* What quirks put on the wire is shown as it is, never "fixed" by a lenient parser. */
static void
test_quirky_messages (void)
{
  static const struct
  {
    const char *message;
    gssize      len;
    const char *expected;   /* from "kind" on */
  } cases[] = {
    /* json-trailing-commas (simulator/QUIRKS.md row 28): trailing comma → not JSON → text */
    { "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"a\":1,}", -1,
      "\"status\":200,\"headers\":[[\"Content-Length\",\"9\"]],\"text\":\"{\\\"a\\\":1,}\",\"length\":8}" },
    /* json-glib would read these three; a strict controller would not. */
    { "HTTP/1.1 200 OK\r\n\r\n{'a':1}", -1,
      "\"status\":200,\"headers\":[],\"text\":\"{'a':1}\",\"length\":7}" },
    { "HTTP/1.1 200 OK\r\n\r\n{\"a\":0x10}", -1,
      "\"status\":200,\"headers\":[],\"text\":\"{\\\"a\\\":0x10}\",\"length\":10}" },
    { "HTTP/1.1 200 OK\r\n\r\n{\"a\":1}{\"b\":2}", -1,
      "\"status\":200,\"headers\":[],\"text\":\"{\\\"a\\\":1}{\\\"b\\\":2}\",\"length\":14}" },
    /* #17/#18: two messages in one write; the second is part of the first's body here. */
    { "EVENT/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}EVENT/1.0 200 OK\r\n\r\n", -1,
      "\"status\":200,\"headers\":[[\"Content-Length\",\"2\"]],"
      "\"text\":\"{}EVENT/1.0 200 OK\\r\\n\\r\\n\",\"length\":22}" },
    /* #15: a bare status line */
    { "HTTP/1.1 470 Connection Authorization Required\r\n\r\n", -1,
      "\"status\":470,\"headers\":[],\"length\":0}" },
    /* LF-only framing does not split: the whole message is the body. */
    { "HTTP/1.1 200 OK\nContent-Length: 2\n\n{}", -1,
      "\"text\":\"HTTP/1.1 200 OK\\nContent-Length: 2\\n\\n{}\",\"length\":37}" },
    /* Garbage, with a NUL: base64 of all of it. */
    { "\x01\x02\x00\xff", 4,
      "\"base64\":\"AQIA/w==\",\"length\":4}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
      gsize len = cases[i].len < 0 ? strlen (cases[i].message) : (gsize) cases[i].len;
      g_autofree char *line = NULL;
      g_autofree char *expected = g_strconcat ("{\"seq\":1,\"time\":\"T\",\"kind\":\"raw\",",
                                               cases[i].expected, NULL);

      g_test_message ("case %u", i);
      hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RAW, NULL,
                                    (const guint8 *) cases[i].message, len);
      line = last_line (trace);
      g_assert_cmpstr (line, ==, expected);
    }
}

/* ---- pairing bodies --------------------------------------------------------------- */

static char *
hex_of (const guint8 *data, gsize len)
{
  char *hex = g_malloc (len * 2 + 1);
  return sodium_bin2hex (hex, len * 2 + 1, data, len);
}

/* None of @secret's bytes, in hex or base64 (at any alignment), is in @line. */
static void
assert_not_leaked (const char   *line,
                   const guint8 *secret,
                   gsize         len)
{
  g_autofree char *lower = g_ascii_strdown (line, -1);

  for (gsize offset = 0; offset < 3 && offset + 12 <= len; offset++)
    {
      g_autofree char *hex = hex_of (secret + offset, 12);
      g_autofree char *b64 = g_base64_encode (secret + offset, 12);

      g_assert_null (strstr (lower, hex));
      /* The middle of the base64 text does not depend on what came before. */
      b64[12] = '\0';
      g_assert_null (strstr (line, b64 + 4));
    }
}

static void
test_pairing_request_redacted (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  g_autoptr(GByteArray) tlv = g_byte_array_new ();
  g_autoptr(GByteArray) http = NULL;
  g_autoptr(HapHttpMessage) request = NULL;
  guint8 public_key[384], proof[64];
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;

  randombytes_buf (public_key, sizeof public_key);
  randombytes_buf (proof, sizeof proof);
  hap_tlv8_append_uint8 (tlv, HAP_TLV_STATE, 3);
  hap_tlv8_append (tlv, HAP_TLV_PUBLIC_KEY, public_key, sizeof public_key);
  hap_tlv8_append (tlv, HAP_TLV_PROOF, proof, sizeof proof);
  http = message_with_body ("POST /pair-setup HTTP/1.1\r\nContent-Type: application/pairing+tlv8",
                            tlv->data, tlv->len);
  request = parse_request (http->data, http->len);

  hap_sim_trace_record_request (trace, NULL, request);
  line = last_line (trace);
  expected = g_strdup_printf ("{\"seq\":1,\"time\":\"T\",\"kind\":\"request\",\"method\":\"POST\","
                              "\"path\":\"/pair-setup\",\"headers\":[[\"Content-Type\",\"application/pairing+tlv8\"],"
                              "[\"Content-Length\",\"%u\"]],\"tlv\":[{\"type\":\"State\",\"value\":3},"
                              "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":384},"
                              "{\"type\":\"Proof\",\"redacted\":true,\"length\":64}],\"length\":%u}",
                              tlv->len, tlv->len);
  g_assert_cmpstr (line, ==, expected);
  assert_not_leaked (line, public_key, sizeof public_key);
  assert_not_leaked (line, proof, sizeof proof);
}

static void
test_pairing_response_redacted (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  g_autoptr(HapHttpMessage) request = parse_request_text ("POST /pair-setup HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  g_autoptr(GByteArray) tlv = g_byte_array_new ();
  g_autoptr(GByteArray) http = NULL;
  guint8 salt[16], public_key[384];
  g_autofree char *line = NULL;
  g_autofree char *expected = NULL;

  randombytes_buf (salt, sizeof salt);
  randombytes_buf (public_key, sizeof public_key);
  hap_tlv8_append_uint8 (tlv, HAP_TLV_STATE, 2);
  hap_tlv8_append (tlv, HAP_TLV_SALT, salt, sizeof salt);
  /* 384 bytes go as 255 + 129: the fragments are merged into one item. */
  hap_tlv8_append (tlv, HAP_TLV_PUBLIC_KEY, public_key, sizeof public_key);
  hap_tlv8_append_uint (tlv, HAP_TLV_FLAGS, HAP_PAIRING_FLAG_TRANSIENT);
  http = message_with_body ("HTTP/1.1 200 OK\r\nContent-Type: application/pairing+tlv8",
                            tlv->data, tlv->len);

  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, request, http->data, http->len);
  line = last_line (trace);
  expected = g_strdup_printf ("{\"seq\":1,\"time\":\"T\",\"kind\":\"response\",\"method\":\"POST\","
                              "\"path\":\"/pair-setup\",\"status\":200,"
                              "\"headers\":[[\"Content-Type\",\"application/pairing+tlv8\"],"
                              "[\"Content-Length\",\"%u\"]],\"tlv\":[{\"type\":\"State\",\"value\":2},"
                              "{\"type\":\"Salt\",\"redacted\":true,\"length\":16},"
                              "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":384},"
                              "{\"type\":\"Flags\",\"value\":16}],\"length\":%u}",
                              tlv->len, tlv->len);
  g_assert_cmpstr (line, ==, expected);
  assert_not_leaked (line, salt, sizeof salt);
  assert_not_leaked (line, public_key, sizeof public_key);
}

static void
test_pairing_items (void)
{
  static const guint8 unknown_short[] = { 0x12, 0x34 };
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  g_autoptr(HapHttpMessage) request = NULL;
  g_autoptr(GByteArray) tlv = g_byte_array_new ();
  g_autoptr(GByteArray) http = NULL;
  guint8 unknown_long[20], ltpk[32], signature[64];
  g_autofree char *line = NULL;

  randombytes_buf (unknown_long, sizeof unknown_long);
  randombytes_buf (ltpk, sizeof ltpk);
  randombytes_buf (signature, sizeof signature);

  /* Add Pairing (docs/protocol.md §3.5) plus oddities: every kind of item. */
  hap_tlv8_append_uint8 (tlv, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (tlv, HAP_TLV_METHOD, HAP_METHOD_ADD_PAIRING);
  hap_tlv8_append_string (tlv, HAP_TLV_IDENTIFIER, "E2A3F0B1-6D2C-4C7A-9C5E-0D0F9C3A7B21");
  hap_tlv8_append (tlv, HAP_TLV_PUBLIC_KEY, ltpk, sizeof ltpk);
  hap_tlv8_append_uint8 (tlv, HAP_TLV_PERMISSIONS, 1);
  hap_tlv8_append (tlv, HAP_TLV_SIGNATURE, signature, sizeof signature);
  hap_tlv8_append (tlv, 0x20, unknown_short, sizeof unknown_short);
  hap_tlv8_append (tlv, 0x21, unknown_long, sizeof unknown_long);
  hap_tlv8_append_separator (tlv);
  hap_tlv8_append_uint8 (tlv, HAP_TLV_ERROR, HAP_TLV_ERROR_AUTHENTICATION);
  /* Not on a pairing path, but its Content-Type says what it is. */
  http = message_with_body ("POST /other HTTP/1.1\r\nContent-Type: application/pairing+tlv8",
                            tlv->data, tlv->len);
  request = parse_request (http->data, http->len);

  hap_sim_trace_record_request (trace, NULL, request);
  line = last_line (trace);
  g_assert_nonnull (strstr (line,
                            "\"tlv\":[{\"type\":\"State\",\"value\":1},{\"type\":\"Method\",\"value\":3},"
                            "{\"type\":\"Identifier\",\"value\":\"E2A3F0B1-6D2C-4C7A-9C5E-0D0F9C3A7B21\"},"
                            "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":32},"
                            "{\"type\":\"Permissions\",\"value\":1},"
                            "{\"type\":\"Signature\",\"redacted\":true,\"length\":64},"
                            "{\"type\":\"0x20\",\"hex\":\"1234\"},"
                            "{\"type\":\"0x21\",\"redacted\":true,\"length\":20},"
                            "{\"type\":\"Separator\"},{\"type\":\"Error\",\"value\":2}]"));
  g_assert_null (strstr (line, "tlv-error"));
  assert_not_leaked (line, ltpk, sizeof ltpk);
  assert_not_leaked (line, signature, sizeof signature);
  assert_not_leaked (line, unknown_long, sizeof unknown_long);
}

/* A body the strict reader refuses (tlv-duplicate-state, simulator/QUIRKS.md row 26:
 * two adjacent State items) is listed item by item, still redacted. */
static void
test_pairing_malformed (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  g_autoptr(HapHttpMessage) request = parse_request_text ("POST /pair-verify HTTP/1.1\r\n\r\n");
  guint8 body[3 + 3 + 2 + 32 + 2 + 10];
  guint8 *key = body + 8;   /* the PublicKey's value */
  g_autoptr(GByteArray) http = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GPtrArray) lines = NULL;

  body[0] = HAP_TLV_STATE; body[1] = 1; body[2] = 2;
  body[3] = HAP_TLV_STATE; body[4] = 1; body[5] = 2;
  body[6] = HAP_TLV_PUBLIC_KEY; body[7] = 32;
  randombytes_buf (key, 32);
  /* A truncated EncryptedData: 200 bytes declared, 10 present. */
  body[40] = HAP_TLV_ENCRYPTED_DATA; body[41] = 200;
  randombytes_buf (body + 42, 10);
  http = message_with_body ("HTTP/1.1 200 OK\r\nContent-Type: application/pairing+tlv8", body, sizeof body);

  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, request, http->data, http->len);
  line = last_line (trace);
  g_assert_nonnull (strstr (line,
                            "\"tlv\":[{\"type\":\"State\",\"value\":2},{\"type\":\"State\",\"value\":2},"
                            "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":32},"
                            "{\"type\":\"EncryptedData\",\"redacted\":true,\"length\":10}],"
                            "\"tlv-error\":\"TLV8 item of type 0x06 at byte offset 3 continues a 1-byte fragment"));
  g_assert_true (g_str_has_suffix (line, ",\"length\":52}"));
  assert_not_leaked (line, key, 32);

  /* Without a blank line the body cannot be found: nothing of the message is kept. */
  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, request, body, sizeof body);
  g_clear_pointer (&line, g_free);
  line = last_line (trace);
  g_assert_cmpstr (line, ==, "{\"seq\":2,\"time\":\"T\",\"kind\":\"response\",\"method\":\"POST\","
                             "\"path\":\"/pair-verify\",\"redacted\":true,\"length\":52}");

  /* Raw bytes answering nothing, declaring a pairing body, are decoded too. */
  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RAW, NULL, http->data, http->len);
  lines = hap_sim_trace_dup_lines (trace, 2, 0);
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (lines, 0), "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":32}"));
  assert_not_leaked (g_ptr_array_index (lines, 0), key, 32);
}

/* ---- listener --------------------------------------------------------------------- */

/* The entry's line, as the control API sends it ("cleared" for a clear). */
static void
collect_line (HapSimTraceEntry *entry,
              guint64           first_seq,
              gpointer          user_data)
{
  g_ptr_array_add (user_data, entry != NULL ? hap_sim_trace_entry_to_json (entry)
                                            : g_strdup ("cleared"));
}

static void
test_listener (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  g_autoptr(GPtrArray) heard = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) heard2 = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) lines = NULL;
  guint first, second;

  hap_sim_trace_record_session (trace, NULL, "connected");
  first = hap_sim_trace_add_listener (trace, collect_line, heard);
  hap_sim_trace_record_session (trace, NULL, "secured");
  second = hap_sim_trace_add_listener (trace, collect_line, heard2);
  g_assert_cmpuint (first, !=, second);
  hap_sim_trace_record_session (trace, NULL, "closed");
  hap_sim_trace_remove_listener (trace, first);
  hap_sim_trace_record_session (trace, NULL, "connected");
  hap_sim_trace_remove_listener (trace, second);
  hap_sim_trace_record_session (trace, NULL, "secured");

  /* Only what was recorded while listening, exactly as dup_lines formats it; each
   * listener independently of the other. */
  g_assert_cmpuint (heard->len, ==, 2);
  g_assert_cmpuint (heard2->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (heard2, 0), ==, g_ptr_array_index (heard, 1));
  g_assert_nonnull (strstr (g_ptr_array_index (heard2, 1), "\"seq\":4"));
  lines = hap_sim_trace_dup_lines (trace, 1, 2);
  g_assert_cmpstr (g_ptr_array_index (heard, 0), ==, g_ptr_array_index (lines, 0));
  g_assert_cmpstr (g_ptr_array_index (heard, 1), ==, g_ptr_array_index (lines, 1));
  g_assert_nonnull (strstr (g_ptr_array_index (heard, 1), "\"kind\":\"closed\""));
}

/* ---- a real session ---------------------------------------------------------------- */

typedef struct
{
  HapSimTrace *trace;
} GetTrace;

static void
get_trace (HapSimAccessory *accessory,
           gpointer         user_data)
{
  GetTrace *out = user_data;

  out->trace = hap_sim_accessory_get_trace (accessory);
}

static void
test_real_session (void)
{
  SimFixture *fixture = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(HapTestClient) second = hap_test_client_new ("4C1A2B3C-0000-4000-8000-00000000BEEF");
  g_autoptr(HapHttpMessage) response = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  GetTrace got = { 0 };
  g_autofree char *on_query = NULL;
  g_autofree char *on_target = NULL;
  gboolean seen_m1 = FALSE, seen_m2 = FALSE, seen_secured = FALSE, seen_get = FALSE,
           seen_get_response = FALSE, seen_add = FALSE;

  sim_fixture_invoke (fixture, get_trace, &got);
  g_assert_nonnull (got.trace);

  client = sim_fixture_connect_paired (fixture);
  on_query = g_strdup_printf ("id=1.%" G_GUINT64_FORMAT, hap_test_client_find_iid (client, 1, "25"));
  on_target = g_strconcat ("/characteristics?", on_query, NULL);
  response = hap_test_client_request (client, "GET", on_target, NULL, NULL, 0);
  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 200);
  /* A plaintext public key on the wire (Add Pairing, inside the session). */
  g_assert_cmpint (hap_test_client_add_pairing (client, hap_test_client_get_id (second),
                                                hap_test_client_get_public_key (second), FALSE), ==, 0);

  lines = hap_sim_trace_dup_lines (got.trace, 0, 0);
  g_assert_cmpuint (lines->len, >, 8);
  for (guint i = 0; i < lines->len; i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      g_autoptr(JsonObject) object = check_line (line);
      const char *kind = json_object_get_string_member (object, "kind");
      const char *path = json_object_get_string_member_with_default (object, "path", "");

      g_test_message ("%s", line);

      /* The setup code is never on the wire, so never in the trace, in any spelling. */
      g_assert_null (strstr (line, HAP_TEST_SETUP_CODE));
      g_assert_null (strstr (line, "03145154"));
      assert_not_leaked (line, hap_test_client_get_public_key (second), 32);
      assert_not_leaked (line, hap_test_client_get_public_key (client), 32);

      g_assert_true (json_object_has_member (object, "session"));
      g_assert_true (g_str_has_prefix (json_object_get_string_member (object, "peer"), "127.0.0.1:"));

      if (g_str_equal (kind, "request") && g_str_equal (path, "/pair-setup") &&
          strstr (line, "{\"type\":\"State\",\"value\":1}") != NULL)
        seen_m1 = strstr (line, "{\"type\":\"Method\",\"value\":0}") != NULL;
      if (g_str_equal (kind, "response") && g_str_equal (path, "/pair-setup") &&
          strstr (line, "{\"type\":\"State\",\"value\":2}") != NULL)
        /* B is sent without leading zero bytes (hap-srp.c), so one run in 256 has 383. */
        seen_m2 = strstr (line, "{\"type\":\"Salt\",\"redacted\":true,\"length\":16}") != NULL &&
                  (strstr (line, "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":384}") != NULL ||
                   strstr (line, "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":383}") != NULL);
      if (g_str_equal (kind, "secured"))
        seen_secured = g_strcmp0 (json_object_get_string_member_with_default (object, "controller", NULL),
                                  hap_test_client_get_id (client)) == 0;
      if (g_str_equal (kind, "request") && g_str_equal (path, "/characteristics"))
        seen_get = g_strcmp0 (json_object_get_string_member (object, "query"), on_query) == 0 &&
                   g_strcmp0 (json_object_get_string_member (object, "controller"),
                              hap_test_client_get_id (client)) == 0;
      if (g_str_equal (kind, "response") && g_str_equal (path, "/characteristics"))
        seen_get_response = json_object_get_int_member (object, "status") == 200 &&
                            JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "body")) &&
                            json_object_has_member (json_object_get_object_member (object, "body"),
                                                    "characteristics");
      if (g_str_equal (kind, "request") && g_str_equal (path, "/pairings"))
        seen_add = strstr (line, "{\"type\":\"PublicKey\",\"redacted\":true,\"length\":32}") != NULL &&
                   strstr (line, hap_test_client_get_id (second)) != NULL;
    }
  g_assert_true (seen_m1);
  g_assert_true (seen_m2);
  g_assert_true (seen_secured);
  g_assert_true (seen_get);
  g_assert_true (seen_get_response);
  g_assert_true (seen_add);

  g_clear_pointer (&client, hap_test_client_free);
  sim_fixture_stop (fixture);
}

/* The largest session number in @trace's lines. */
static guint64
max_session (HapSimTrace *trace)
{
  g_autoptr(GPtrArray) lines = hap_sim_trace_dup_lines (trace, 0, 0);
  guint64 max = 0;

  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(JsonObject) object = check_line (g_ptr_array_index (lines, i));

      if (json_object_has_member (object, "session"))
        max = MAX (max, (guint64) json_object_get_int_member (object, "session"));
    }
  return max;
}

static void
restart (HapSimAccessory *accessory, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hap_sim_accessory_restart (accessory, FALSE, &error));
  g_assert_no_error (error);
}

/* hap-inspection.h promises session ids unique within the process and never reused:
 * a restarted accessory (a new server) does not start again at session 1. */
static void
test_session_ids_survive_restart (void)
{
  SimFixture *fixture = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) before = NULL;
  g_autoptr(HapTestClient) after = NULL;
  g_autoptr(HapHttpMessage) response = NULL;
  GetTrace got = { 0 };
  guint64 first_max, first_new = G_MAXUINT64;
  g_autoptr(GPtrArray) lines = NULL;

  sim_fixture_invoke (fixture, get_trace, &got);
  before = sim_fixture_connect (fixture);
  response = hap_test_client_request (before, "GET", "/accessories", NULL, NULL, 0);
  g_assert_cmpuint (response->status, ==, 470);
  first_max = max_session (got.trace);
  g_assert_cmpuint (first_max, >, 0);
  g_clear_pointer (&before, hap_test_client_free);

  sim_fixture_invoke (fixture, restart, NULL);
  sim_fixture_invoke (fixture, get_trace, &got);
  hap_sim_trace_clear (got.trace);
  after = sim_fixture_connect (fixture);
  g_clear_pointer (&response, hap_http_message_free);
  response = hap_test_client_request (after, "GET", "/accessories", NULL, NULL, 0);
  g_assert_cmpuint (response->status, ==, 470);
  lines = hap_sim_trace_dup_lines (got.trace, 0, 0);
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(JsonObject) object = check_line (g_ptr_array_index (lines, i));

      if (json_object_has_member (object, "session"))
        first_new = MIN (first_new, (guint64) json_object_get_int_member (object, "session"));
    }
  g_assert_cmpuint (first_new, !=, G_MAXUINT64);
  g_assert_cmpuint (first_new, >, first_max);
  g_clear_pointer (&after, hap_test_client_free);
  sim_fixture_stop (fixture);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_assert_cmpint (sodium_init (), >=, 0);

  g_test_add_func ("/trace/bounded-by-entries", test_bounded_by_entries);
  g_test_add_func ("/trace/bounded-by-bytes", test_bounded_by_bytes);
  g_test_add_func ("/trace/truncated", test_truncated);
  g_test_add_func ("/trace/request-line", test_request_line);
  g_test_add_func ("/trace/response-lines", test_response_lines);
  g_test_add_func ("/trace/quirky-messages", test_quirky_messages);
  g_test_add_func ("/trace/pairing-request-redacted", test_pairing_request_redacted);
  g_test_add_func ("/trace/pairing-response-redacted", test_pairing_response_redacted);
  g_test_add_func ("/trace/pairing-items", test_pairing_items);
  g_test_add_func ("/trace/pairing-malformed", test_pairing_malformed);
  g_test_add_func ("/trace/listener", test_listener);
  g_test_add_func ("/trace/real-session", test_real_session);
  g_test_add_func ("/trace/session-ids-survive-restart", test_session_ids_survive_restart);

  return g_test_run ();
}
