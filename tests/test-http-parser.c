/* test-http-parser.c — incremental HTTP/1.1 parser, query splitting and writers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-http-parser-private.h"

#include "hap-error.h"

#include <string.h>

/* Helpers */

typedef struct
{
  GPtrArray *messages;  /* HapHttpMessage */
  GError    *error;     /* error that stopped the stream, if any */
} ParseResult;

static void
parse_result_clear (ParseResult *result)
{
  g_clear_pointer (&result->messages, g_ptr_array_unref);
  g_clear_error (&result->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ParseResult, parse_result_clear)

/* Pushes @len bytes in pieces of @step bytes (0 = all at once), draining complete
 * messages after every push, and stops at the first error. */
static void
parse_stream (HapHttpParseMode  mode,
              const void       *data,
              gsize             len,
              gsize             step,
              ParseResult      *result)
{
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (mode);
  const guint8 *p = data;
  gsize off = 0;

  result->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_http_message_free);
  result->error = NULL;

  if (step == 0)
    step = MAX (len, 1);

  while (off < len && result->error == NULL)
    {
      gsize n = MIN (step, len - off);
      HapHttpMessage *message;

      hap_http_parser_push (parser, p + off, n);
      off += n;
      while ((message = hap_http_parser_next (parser, &result->error)) != NULL)
        g_ptr_array_add (result->messages, message);
    }
}

static HapHttpMessage *
parse_one (HapHttpParseMode  mode,
           const char       *text)
{
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (mode);
  g_autoptr(GError) error = NULL;
  HapHttpMessage *message;

  hap_http_parser_push (parser, (const guint8 *) text, strlen (text));
  message = hap_http_parser_next (parser, &error);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_cmpuint (hap_http_parser_get_pending (parser), ==, 0);
  g_assert_null (hap_http_parser_next (parser, &error));
  g_assert_no_error (error);
  return message;
}

static void
assert_body (HapHttpMessage *message,
             const char     *expected)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (message->body, &len);

  g_assert_nonnull (message->body);
  g_assert_cmpmem (data, len, expected, strlen (expected));
}

static void
assert_messages_equal (HapHttpMessage *a,
                       HapHttpMessage *b)
{
  g_assert_cmpstr (a->method, ==, b->method);
  g_assert_cmpstr (a->target, ==, b->target);
  g_assert_cmpuint (a->status, ==, b->status);
  g_assert_cmpstr (a->reason, ==, b->reason);
  g_assert_cmpint (a->is_event, ==, b->is_event);
  g_assert_cmpstr (a->version, ==, b->version);
  g_assert_cmpuint (a->headers->len, ==, b->headers->len);
  for (guint i = 0; i < a->headers->len; i++)
    {
      HapHttpHeader *ha = &g_array_index (a->headers, HapHttpHeader, i);
      HapHttpHeader *hb = &g_array_index (b->headers, HapHttpHeader, i);

      g_assert_cmpstr (ha->name, ==, hb->name);
      g_assert_cmpstr (ha->value, ==, hb->value);
    }
  g_assert_true (g_bytes_equal (a->body, b->body));
}

/* Parses @text whole, then again with every piece size from 1 to 17 and a few larger,
 * and checks that all ways give the same messages. */
static GPtrArray *
parse_all_ways (HapHttpParseMode  mode,
                const char       *text,
                guint             expected_count)
{
  g_auto(ParseResult) whole = { 0 };
  static const gsize steps[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 16, 17, 64, 333 };
  gsize len = strlen (text);

  parse_stream (mode, text, len, 0, &whole);
  g_assert_no_error (whole.error);
  g_assert_cmpuint (whole.messages->len, ==, expected_count);

  for (gsize s = 0; s < G_N_ELEMENTS (steps); s++)
    {
      g_auto(ParseResult) split = { 0 };

      parse_stream (mode, text, len, steps[s], &split);
      g_assert_no_error (split.error);
      g_assert_cmpuint (split.messages->len, ==, expected_count);
      for (guint i = 0; i < expected_count; i++)
        assert_messages_equal (whole.messages->pdata[i], split.messages->pdata[i]);
    }

  return g_ptr_array_ref (whole.messages);
}

/* Requests */

static void
test_request_simple (void)
{
  g_autoptr(HapHttpMessage) message = NULL;

  message = parse_one (HAP_HTTP_PARSE_REQUESTS,
                       "GET /accessories HTTP/1.1\r\n"
                       "Host: lamp._hap._tcp.local\r\n"
                       "X-Empty:\r\n"
                       "X-Spaces: \t padded value \t \r\n"
                       "\r\n");
  g_assert_cmpstr (message->method, ==, "GET");
  g_assert_cmpstr (message->target, ==, "/accessories");
  g_assert_cmpstr (message->version, ==, "HTTP/1.1");
  g_assert_cmpuint (message->status, ==, 0);
  g_assert_null (message->reason);
  g_assert_false (message->is_event);
  g_assert_cmpuint (message->headers->len, ==, 3);
  g_assert_cmpstr (g_array_index (message->headers, HapHttpHeader, 0).name, ==, "Host");
  g_assert_cmpstr (hap_http_message_get_header (message, "host"), ==, "lamp._hap._tcp.local");
  g_assert_cmpstr (hap_http_message_get_header (message, "HOST"), ==, "lamp._hap._tcp.local");
  g_assert_cmpstr (hap_http_message_get_header (message, "x-empty"), ==, "");
  g_assert_cmpstr (hap_http_message_get_header (message, "X-Spaces"), ==, "padded value");
  g_assert_null (hap_http_message_get_header (message, "Content-Length"));
  g_assert_cmpuint (g_bytes_get_size (message->body), ==, 0);
}

static void
test_request_content_length (void)
{
  g_autoptr(HapHttpMessage) message = NULL;

  message = parse_one (HAP_HTTP_PARSE_REQUESTS,
                       "PUT /characteristics HTTP/1.1\r\n"
                       "Content-Type: application/hap+json\r\n"
                       "Content-Length: 52\r\n"
                       "\r\n"
                       "{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":true}]}");
  g_assert_cmpstr (message->method, ==, "PUT");
  g_assert_cmpstr (hap_http_message_get_header (message, "content-type"), ==,
                   "application/hap+json");
  assert_body (message, "{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":true}]}");
}

static void
test_request_http10_and_duplicates (void)
{
  g_autoptr(HapHttpMessage) message = NULL;

  /* Repeated Content-Length fields with the same value are one length (RFC 9110 §8.6);
   * the first of several equally named headers is returned. */
  message = parse_one (HAP_HTTP_PARSE_REQUESTS,
                       "POST /pair-setup HTTP/1.0\r\n"
                       "Content-Length: 3\r\n"
                       "X-Dup: first\r\n"
                       "content-length: 003\r\n"
                       "X-Dup: second\r\n"
                       "\r\n"
                       "abc");
  g_assert_cmpstr (message->version, ==, "HTTP/1.0");
  g_assert_cmpstr (hap_http_message_get_header (message, "x-dup"), ==, "first");
  assert_body (message, "abc");
}

static void
test_request_byte_at_a_time (void)
{
  const char *text =
    "POST /pair-verify HTTP/1.1\r\n"
    "Content-Type: application/pairing+tlv8\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "\x06\x01\x01\x03\x00";
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (HAP_HTTP_PARSE_REQUESTS);
  g_autoptr(HapHttpMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = strlen (text) + 1;   /* the body ends with a NUL byte */

  for (gsize i = 0; i < len; i++)
    {
      hap_http_parser_push (parser, (const guint8 *) text + i, 1);
      message = hap_http_parser_next (parser, &error);
      g_assert_no_error (error);
      if (i + 1 < len)
        {
          g_assert_null (message);
          g_assert_cmpuint (hap_http_parser_get_pending (parser), ==, i + 1);
        }
    }
  g_assert_nonnull (message);
  g_assert_cmpuint (hap_http_parser_get_pending (parser), ==, 0);
  g_assert_cmpstr (message->target, ==, "/pair-verify");
  g_assert_cmpmem (g_bytes_get_data (message->body, NULL), g_bytes_get_size (message->body),
                   "\x06\x01\x01\x03\x00", 5);
}

static void
test_request_pipelined (void)
{
  const char *text =
    "GET /accessories HTTP/1.1\r\n\r\n"
    "PUT /characteristics HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
    "POST /identify HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    "3\r\nabc\r\n0\r\n\r\n"
    "GET /characteristics?id=1.9 HTTP/1.1\r\nHost: x\r\n\r\n";
  g_autoptr(GPtrArray) messages = parse_all_ways (HAP_HTTP_PARSE_REQUESTS, text, 4);
  HapHttpMessage *m;

  m = messages->pdata[0];
  g_assert_cmpstr (m->method, ==, "GET");
  g_assert_cmpstr (m->target, ==, "/accessories");
  assert_body (m, "");
  m = messages->pdata[1];
  g_assert_cmpstr (m->method, ==, "PUT");
  assert_body (m, "{}");
  m = messages->pdata[2];
  g_assert_cmpstr (m->method, ==, "POST");
  assert_body (m, "abc");
  m = messages->pdata[3];
  g_assert_cmpstr (m->target, ==, "/characteristics?id=1.9");
  g_assert_cmpstr (hap_http_message_get_header (m, "Host"), ==, "x");
}

static void
test_request_pending (void)
{
  const char *first = "GET /a HTTP/1.1\r\n\r\n";
  const char *second = "GET /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nab";
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (HAP_HTTP_PARSE_REQUESTS);
  g_autoptr(GError) error = NULL;
  g_autofree char *both = g_strconcat (first, second, NULL);
  HapHttpMessage *message;

  hap_http_parser_push (parser, (const guint8 *) both, strlen (both));
  g_assert_cmpuint (hap_http_parser_get_pending (parser), ==, strlen (both));

  message = hap_http_parser_next (parser, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message->target, ==, "/a");
  hap_http_message_free (message);
  g_assert_cmpuint (hap_http_parser_get_pending (parser), ==, strlen (second));

  g_assert_null (hap_http_parser_next (parser, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hap_http_parser_get_pending (parser), ==, strlen (second));

  hap_http_parser_push (parser, (const guint8 *) "cdGE", 4);
  message = hap_http_parser_next (parser, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (message->target, ==, "/b");
  assert_body (message, "abcd");
  hap_http_message_free (message);
  g_assert_cmpuint (hap_http_parser_get_pending (parser), ==, 2);
}

static void
test_request_chunked (void)
{
  const char *text =
    "PUT /characteristics HTTP/1.1\r\n"
    "Transfer-Encoding: Chunked\r\n"
    "\r\n"
    "5\r\nhello\r\n"
    "1;name=value;flag\r\n \r\n"
    "00a \t; ext\r\n0123456789\r\n"
    "0\r\n"
    "X-Trailer: ignored\r\n"
    "Another: one\r\n"
    "\r\n";
  g_autoptr(GPtrArray) messages = parse_all_ways (HAP_HTTP_PARSE_REQUESTS, text, 1);
  HapHttpMessage *m = messages->pdata[0];

  assert_body (m, "hello 0123456789");
  /* Trailer fields are not merged into the headers. */
  g_assert_null (hap_http_message_get_header (m, "X-Trailer"));
  g_assert_cmpuint (m->headers->len, ==, 1);
}

static void
test_request_bare_lf (void)
{
  const char *text =
    "PUT /characteristics HTTP/1.1\n"
    "Content-Length: 2\n"
    "\n"
    "{}"
    "POST /x HTTP/1.1\r\n"
    "Transfer-Encoding: chunked\n"
    "\r\n"
    "2\nab\n"
    "0\n"
    "\n";
  g_autoptr(GPtrArray) messages = parse_all_ways (HAP_HTTP_PARSE_REQUESTS, text, 2);

  assert_body (messages->pdata[0], "{}");
  g_assert_cmpstr (hap_http_message_get_header (messages->pdata[0], "Content-Length"), ==, "2");
  assert_body (messages->pdata[1], "ab");
}

static void
test_request_many_small_messages (void)
{
  g_autoptr(GString) stream = g_string_new (NULL);
  g_auto(ParseResult) result = { 0 };
  const guint count = 2000;

  /* Enough pipelined data, pushed in odd pieces, for the parser to compact its buffer
   * many times while messages are still pending. */
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"n\":%u}", i);

      g_string_append_printf (stream,
                              "PUT /characteristics?n=%u HTTP/1.1\r\n"
                              "Content-Length: %zu\r\n\r\n%s",
                              i, strlen (body), body);
    }

  parse_stream (HAP_HTTP_PARSE_REQUESTS, stream->str, stream->len, 4099, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (result.messages->len, ==, count);
  for (guint i = 0; i < count; i++)
    {
      HapHttpMessage *m = result.messages->pdata[i];
      g_autofree char *target = g_strdup_printf ("/characteristics?n=%u", i);
      g_autofree char *body = g_strdup_printf ("{\"n\":%u}", i);

      g_assert_cmpstr (m->target, ==, target);
      assert_body (m, body);
    }
}

/* Responses */

static void
test_response_simple (void)
{
  g_autoptr(HapHttpMessage) message = NULL;

  message = parse_one (HAP_HTTP_PARSE_RESPONSES,
                       "HTTP/1.1 207 Multi-Status\r\n"
                       "Content-Type: application/hap+json\r\n"
                       "Content-Length: 2\r\n"
                       "\r\n"
                       "{}");
  g_assert_cmpuint (message->status, ==, 207);
  g_assert_cmpstr (message->reason, ==, "Multi-Status");
  g_assert_cmpstr (message->version, ==, "HTTP/1.1");
  g_assert_false (message->is_event);
  g_assert_null (message->method);
  g_assert_null (message->target);
  assert_body (message, "{}");
}

static void
test_response_event (void)
{
  const char *json = "{\"characteristics\":[{\"aid\":1,\"iid\":10,\"value\":1}]}";
  g_autofree char *text = g_strdup_printf ("EVENT/1.0 200 OK\r\n"
                                           "Content-Type: application/hap+json\r\n"
                                           "Content-Length: %zu\r\n"
                                           "\r\n%s", strlen (json), json);
  g_autoptr(HapHttpMessage) message = parse_one (HAP_HTTP_PARSE_RESPONSES, text);

  g_assert_true (message->is_event);
  g_assert_cmpstr (message->version, ==, "EVENT/1.0");
  g_assert_cmpuint (message->status, ==, 200);
  g_assert_cmpstr (message->reason, ==, "OK");
  assert_body (message, json);
}

static void
test_response_no_body (void)
{
  const char *text =
    "HTTP/1.1 204 No Content\r\n\r\n"
    "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
    "HTTP/1.1 100 Continue\r\n\r\n"
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
    "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"
    "HTTP/1.1 470 \r\nContent-Length: 0\r\n\r\n";
  g_autoptr(GPtrArray) messages = parse_all_ways (HAP_HTTP_PARSE_RESPONSES, text, 6);
  static const guint statuses[] = { 204, 204, 100, 304, 200, 470 };

  for (guint i = 0; i < messages->len; i++)
    {
      HapHttpMessage *m = messages->pdata[i];

      g_assert_cmpuint (m->status, ==, statuses[i]);
      assert_body (m, "");
    }
  /* A missing reason phrase is an empty one. */
  g_assert_cmpstr (((HapHttpMessage *) messages->pdata[4])->reason, ==, "");
  g_assert_cmpstr (((HapHttpMessage *) messages->pdata[5])->reason, ==, "");
}

static void
test_response_chunked_and_events (void)
{
  const char *text =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: application/hap+json\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n"
    "10\r\n{\"accessories\":[\r\n"
    "2\r\n]}\r\n"
    "0\r\n\r\n"
    "EVENT/1.0 200 OK\r\nContent-Length: 1\r\n\r\nA"
    "EVENT/1.0 200 OK\r\nContent-Length: 1\r\n\r\nB"
    "HTTP/1.1 204 No Content\r\n\r\n";
  g_autoptr(GPtrArray) messages = parse_all_ways (HAP_HTTP_PARSE_RESPONSES, text, 4);

  assert_body (messages->pdata[0], "{\"accessories\":[]}");
  g_assert_false (((HapHttpMessage *) messages->pdata[0])->is_event);
  g_assert_true (((HapHttpMessage *) messages->pdata[1])->is_event);
  assert_body (messages->pdata[1], "A");
  assert_body (messages->pdata[2], "B");
  g_assert_cmpuint (((HapHttpMessage *) messages->pdata[3])->status, ==, 204);
}

/* Malformed input */

typedef struct
{
  HapHttpParseMode mode;
  const char      *text;
  gint             code;
} BadCase;

#define REQ HAP_HTTP_PARSE_REQUESTS
#define RSP HAP_HTTP_PARSE_RESPONSES
#define INVALID HAP_ERROR_INVALID_DATA
#define TOO_LARGE HAP_ERROR_TOO_LARGE

static const BadCase bad_cases[] = {
  /* start lines */
  { REQ, "\r\nGET / HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET\r\n\r\n", INVALID },
  { REQ, "GET /x\r\n\r\n", INVALID },
  { REQ, "GET /x HTTP/2.0\r\n\r\n", INVALID },
  { REQ, "GET /x http/1.1\r\n\r\n", INVALID },
  { REQ, "GET /x HTTP/1.1 \r\n\r\n", INVALID },
  { REQ, "GET /x  HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET  /x HTTP/1.1\r\n\r\n", INVALID },
  { REQ, " GET /x HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "G(T /x HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET x HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET http://host/x HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "EVENT/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", INVALID },
  { REQ, "GET /x EVENT/1.0\r\n\r\n", INVALID },
  { REQ, "GET /x HTTP/1.1\r\r\n\r\n", INVALID },
  /* control characters and non-ASCII in the target */
  { REQ, "GET /a\x01z HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET /a\tz HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET /a\x7fz HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET /a\rz HTTP/1.1\r\n\r\n", INVALID },
  { REQ, "GET /\xc3\xa4 HTTP/1.1\r\n\r\n", INVALID },
  /* header lines */
  { REQ, "GET / HTTP/1.1\r\nNoColon\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\nHost : a\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\n: a\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\nBad(Name): a\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\nX: a\rz\r\n\r\n", INVALID },
  { REQ, "GET / HTTP/1.1\r\nX: a\x7fz\r\n\r\n", INVALID },
  /* Content-Length */
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 2,2\r\n\r\nab", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 1.0\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length:\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n", TOO_LARGE },
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", TOO_LARGE },
  /* transfer codings */
  { REQ, "PUT / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
         "Transfer-Encoding: chunked\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", INVALID },
  /* chunk sizes and chunk framing */
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a\x01\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rX", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n", INVALID },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", TOO_LARGE },
  { REQ, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
         "FFFFFFFFFFFFFFFFFFFFFFFF\r\n", TOO_LARGE },
  /* status lines */
  { RSP, "GET / HTTP/1.1\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1\r\n\r\n", INVALID },
  { RSP, "HTTP/2 200 OK\r\n\r\n", INVALID },
  { RSP, "FOO/1.0 200 OK\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 600 Weird\r\nContent-Length: 0\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 099 Weird\r\nContent-Length: 0\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n", INVALID },
  { RSP, "EVENT/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n", INVALID },
  /* response body framing */
  { RSP, "HTTP/1.1 200 OK\r\n\r\n", INVALID },
  { RSP, "EVENT/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", INVALID },
  { RSP, "EVENT/1.0 200 OK\r\nContent-Type: application/hap+json\r\n\r\n{}", INVALID },
  { RSP, "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", INVALID },
  { RSP, "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", INVALID },
  { RSP, "HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n", TOO_LARGE },
  { RSP, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", INVALID },
};

static void
check_bad_case (const BadCase *bad,
                gsize          step)
{
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (bad->mode);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree char *escaped = g_strescape (bad->text, NULL);
  const guint8 *text = (const guint8 *) bad->text;
  gsize len = strlen (bad->text);
  gboolean failed = FALSE;

  for (gsize off = 0; off < len && !failed; off += step)
    {
      HapHttpMessage *message;

      hap_http_parser_push (parser, text + off, MIN (step, len - off));
      message = hap_http_parser_next (parser, &error);
      if (message != NULL)
        g_error ("'%s' accepted as a message (step %zu)", escaped, step);
      failed = error != NULL;
    }

  if (!failed)
    g_error ("'%s' not rejected (step %zu)", escaped, step);
  if (!g_error_matches (error, HAP_ERROR, bad->code))
    g_error ("'%s': expected code %d, got '%s' (step %zu)",
             escaped, bad->code, error->message, step);
  if (step == 1)
    g_test_message ("'%s' -> %s", escaped, error->message);

  /* The parser stays failed, whatever comes next. */
  hap_http_parser_push (parser, (const guint8 *) "GET / HTTP/1.1\r\n\r\n", 18);
  g_assert_null (hap_http_parser_next (parser, &again));
  g_assert_error (again, HAP_ERROR, bad->code);
}

static void
test_malformed (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      check_bad_case (&bad_cases[i], 1);
      check_bad_case (&bad_cases[i], 7);
      check_bad_case (&bad_cases[i], G_MAXSIZE / 2);
    }
}

static void
test_malformed_after_good (void)
{
  /* An error in the second of two pipelined messages does not spoil the first. */
  g_auto(ParseResult) result = { 0 };
  const char *text = "GET /ok HTTP/1.1\r\n\r\nGET /bad HTTP/1.1\r\nNoColon\r\n\r\n";

  parse_stream (HAP_HTTP_PARSE_REQUESTS, text, strlen (text), 0, &result);
  g_assert_cmpuint (result.messages->len, ==, 1);
  g_assert_cmpstr (((HapHttpMessage *) result.messages->pdata[0])->target, ==, "/ok");
  g_assert_error (result.error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
}

/* Limits */

/* Builds a request whose header section (start line to final empty line) has exactly
 * @size bytes. */
static char *
request_with_header_size (gsize size)
{
  const char *start = "GET / HTTP/1.1\r\n";
  const char *prefix = "X-Pad: ";
  gsize fixed = strlen (start) + strlen (prefix) + 2 + 2;
  g_autoptr(GString) s = g_string_new (start);

  g_assert_cmpuint (size, >, fixed);
  g_string_append (s, prefix);
  for (gsize i = 0; i < size - fixed; i++)
    g_string_append_c (s, 'a');
  g_string_append (s, "\r\n\r\n");
  g_assert_cmpuint (s->len, ==, size);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
test_limit_header_bytes (void)
{
  g_autofree char *fits = request_with_header_size (HAP_HTTP_MAX_HEADER_BYTES);
  g_autofree char *over = request_with_header_size (HAP_HTTP_MAX_HEADER_BYTES + 1);
  g_autofree char *no_newline = g_strnfill (HAP_HTTP_MAX_HEADER_BYTES + 1, 'A');
  g_auto(ParseResult) ok = { 0 };
  g_auto(ParseResult) big = { 0 };
  g_auto(ParseResult) endless = { 0 };

  parse_stream (REQ, fits, strlen (fits), 1, &ok);
  g_assert_no_error (ok.error);
  g_assert_cmpuint (ok.messages->len, ==, 1);

  parse_stream (REQ, over, strlen (over), 1, &big);
  g_assert_error (big.error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
  g_assert_cmpuint (big.messages->len, ==, 0);

  /* A start line that never ends is refused once it passes the limit. */
  parse_stream (REQ, no_newline, strlen (no_newline), 0, &endless);
  g_assert_error (endless.error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
}

static void
test_limit_header_count (void)
{
  g_autoptr(GString) ok = g_string_new ("GET / HTTP/1.1\r\n");
  g_autoptr(GString) over = NULL;
  g_auto(ParseResult) r1 = { 0 };
  g_auto(ParseResult) r2 = { 0 };

  for (guint i = 0; i < HAP_HTTP_MAX_HEADERS; i++)
    g_string_append_printf (ok, "X-%u: %u\r\n", i, i);
  over = g_string_new (ok->str);
  g_string_append (ok, "\r\n");
  g_string_append (over, "X-Last: 1\r\n\r\n");

  parse_stream (REQ, ok->str, ok->len, 0, &r1);
  g_assert_no_error (r1.error);
  g_assert_cmpuint (((HapHttpMessage *) r1.messages->pdata[0])->headers->len, ==,
                    HAP_HTTP_MAX_HEADERS);

  parse_stream (REQ, over->str, over->len, 0, &r2);
  g_assert_error (r2.error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
}

static void
test_limit_body (void)
{
  g_autofree guint8 *body = g_malloc (HAP_HTTP_MAX_BODY_BYTES + 1);
  g_autoptr(GByteArray) exact = g_byte_array_new ();
  g_autoptr(GByteArray) chunked = g_byte_array_new ();
  g_autoptr(GByteArray) chunked_over = g_byte_array_new ();
  g_auto(ParseResult) r1 = { 0 };
  g_auto(ParseResult) r2 = { 0 };
  g_auto(ParseResult) r3 = { 0 };
  const char *head = "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  const gsize half = HAP_HTTP_MAX_BODY_BYTES / 2;
  g_autofree char *size_line = g_strdup_printf ("%zx\r\n", half);

  for (gsize i = 0; i <= HAP_HTTP_MAX_BODY_BYTES; i++)
    body[i] = (guint8) (i * 7);

  /* Exactly the limit with Content-Length, in 4 KiB pushes. */
  hap_http_append_request (exact, "PUT", "/", NULL, NULL, body, HAP_HTTP_MAX_BODY_BYTES);
  parse_stream (REQ, exact->data, exact->len, 4096, &r1);
  g_assert_no_error (r1.error);
  g_assert_cmpuint (r1.messages->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (((HapHttpMessage *) r1.messages->pdata[0])->body, NULL),
                   HAP_HTTP_MAX_BODY_BYTES, body, HAP_HTTP_MAX_BODY_BYTES);

  /* Exactly the limit as two chunks. */
  g_byte_array_append (chunked, (const guint8 *) head, strlen (head));
  for (int i = 0; i < 2; i++)
    {
      g_byte_array_append (chunked, (const guint8 *) size_line, strlen (size_line));
      g_byte_array_append (chunked, body + i * half, half);
      g_byte_array_append (chunked, (const guint8 *) "\r\n", 2);
    }
  g_byte_array_append (chunked_over, chunked->data, chunked->len);
  g_byte_array_append (chunked, (const guint8 *) "0\r\n\r\n", 5);
  parse_stream (REQ, chunked->data, chunked->len, 65536, &r2);
  g_assert_no_error (r2.error);
  g_assert_cmpuint (r2.messages->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (((HapHttpMessage *) r2.messages->pdata[0])->body, NULL),
                   HAP_HTTP_MAX_BODY_BYTES, body, HAP_HTTP_MAX_BODY_BYTES);

  /* One more chunk byte is too much, rejected at its size line. */
  g_byte_array_append (chunked_over, (const guint8 *) "1\r\n", 3);
  parse_stream (REQ, chunked_over->data, chunked_over->len, 65536, &r3);
  g_assert_error (r3.error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
}

static void
test_limit_chunk_line (void)
{
  g_autoptr(GString) s = g_string_new ("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;");
  g_auto(ParseResult) result = { 0 };

  for (int i = 0; i < 2000; i++)
    g_string_append_c (s, 'x');
  parse_stream (REQ, s->str, s->len, 100, &result);
  g_assert_error (result.error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
}

static void
test_limit_trailers (void)
{
  g_autoptr(GString) s = g_string_new ("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       "1\r\nx\r\n0\r\n");
  g_auto(ParseResult) result = { 0 };

  /* Trailers count against the same limit as the header section. */
  for (int i = 0; i < HAP_HTTP_MAX_HEADER_BYTES / 16 + 1; i++)
    g_string_append (s, "X-Trailer: 0123\r\n");
  g_string_append (s, "\r\n");
  parse_stream (REQ, s->str, s->len, 1000, &result);
  g_assert_error (result.error, HAP_ERROR, HAP_ERROR_TOO_LARGE);
  g_assert_cmpuint (result.messages->len, ==, 0);
}

/* Writers */

static void
assert_bytes (GByteArray *out,
              const char *expected)
{
  g_assert_cmpmem (out->data, out->len, expected, strlen (expected));
}

static void
test_write_response (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const char *json = "{\"status\":-70401}";

  hap_http_append_response (out, 200, "application/hap+json", (const guint8 *) json,
                            strlen (json));
  assert_bytes (out, "HTTP/1.1 200 OK\r\n"
                     "Content-Type: application/hap+json\r\n"
                     "Content-Length: 17\r\n"
                     "\r\n"
                     "{\"status\":-70401}");

  g_byte_array_set_size (out, 0);
  hap_http_append_response (out, 470, NULL, NULL, 0);
  assert_bytes (out, "HTTP/1.1 470 Connection Authorization Required\r\n"
                     "Content-Length: 0\r\n"
                     "\r\n");

  /* 204: neither Content-Type nor Content-Length, never a body. */
  g_byte_array_set_size (out, 0);
  hap_http_append_response (out, 204, "application/hap+json", NULL, 0);
  assert_bytes (out, "HTTP/1.1 204 No Content\r\n\r\n");

  /* Writers append. */
  g_byte_array_set_size (out, 0);
  g_byte_array_append (out, (const guint8 *) "xy", 2);
  hap_http_append_response (out, 207, "application/hap+json", (const guint8 *) "{}", 2);
  assert_bytes (out, "xyHTTP/1.1 207 Multi-Status\r\n"
                     "Content-Type: application/hap+json\r\n"
                     "Content-Length: 2\r\n"
                     "\r\n{}");
}

static void
test_write_event (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  const char *json = "{\"characteristics\":[{\"aid\":1,\"iid\":10,\"value\":1}]}";
  g_autoptr(HapHttpMessage) parsed = NULL;

  hap_http_append_event (out, json, strlen (json));
  assert_bytes (out, "EVENT/1.0 200 OK\r\n"
                     "Content-Type: application/hap+json\r\n"
                     "Content-Length: 50\r\n"
                     "\r\n"
                     "{\"characteristics\":[{\"aid\":1,\"iid\":10,\"value\":1}]}");

  g_byte_array_append (out, (const guint8 *) "", 1);
  parsed = parse_one (RSP, (const char *) out->data);
  g_assert_true (parsed->is_event);
  assert_body (parsed, json);
}

static void
test_write_request (void)
{
  static const char pair_setup[] =
    "POST /pair-setup HTTP/1.1\r\n"
    "Content-Type: application/pairing+tlv8\r\n"
    "Content-Length: 6\r\n"
    "\r\n"
    "\x00\x01\x00\x06\x01\x01";
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(ParseResult) result = { 0 };
  HapHttpMessage *m;

  hap_http_append_request (out, "GET", "/characteristics?id=1.9", "lamp.local", NULL, NULL, 0);
  assert_bytes (out, "GET /characteristics?id=1.9 HTTP/1.1\r\n"
                     "Host: lamp.local\r\n"
                     "\r\n");

  g_byte_array_set_size (out, 0);
  hap_http_append_request (out, "POST", "/pair-setup", NULL, "application/pairing+tlv8",
                           (const guint8 *) "\x00\x01\x00\x06\x01\x01", 6);
  g_assert_cmpmem (out->data, out->len, pair_setup, sizeof pair_setup - 1);

  g_byte_array_set_size (out, 0);
  hap_http_append_request (out, "POST", "/identify", "h", NULL, NULL, 0);
  assert_bytes (out, "POST /identify HTTP/1.1\r\n"
                     "Host: h\r\n"
                     "Content-Length: 0\r\n"
                     "\r\n");

  /* Everything written parses back. */
  hap_http_append_request (out, "PUT", "/characteristics", "h", "application/hap+json",
                           (const guint8 *) "{}", 2);
  parse_stream (REQ, out->data, out->len, 1, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (result.messages->len, ==, 2);
  m = result.messages->pdata[1];
  g_assert_cmpstr (m->method, ==, "PUT");
  g_assert_cmpstr (hap_http_message_get_header (m, "content-type"), ==, "application/hap+json");
  assert_body (m, "{}");
}

static void
test_writer_round_trip_responses (void)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_auto(ParseResult) result = { 0 };
  static const guint statuses[] = { 200, 204, 207, 400, 404, 405, 413, 414, 422, 429,
                                    470, 500, 503 };

  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    hap_http_append_response (out, statuses[i], "application/hap+json",
                              (const guint8 *) "{\"status\":0}", 12);
  hap_http_append_event (out, "{}", 2);

  parse_stream (RSP, out->data, out->len, 3, &result);
  g_assert_no_error (result.error);
  g_assert_cmpuint (result.messages->len, ==, G_N_ELEMENTS (statuses) + 1);
  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      HapHttpMessage *m = result.messages->pdata[i];

      g_assert_cmpuint (m->status, ==, statuses[i]);
      g_assert_cmpstr (m->reason, ==, hap_http_reason_phrase (statuses[i]));
      assert_body (m, statuses[i] == 204 ? "" : "{\"status\":0}");
    }
  g_assert_true (((HapHttpMessage *) result.messages->pdata[G_N_ELEMENTS (statuses)])->is_event);
}

static void
test_reason_phrases (void)
{
  static const struct { guint status; const char *phrase; } phrases[] = {
    { 200, "OK" },
    { 204, "No Content" },
    { 207, "Multi-Status" },
    { 400, "Bad Request" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 413, "Payload Too Large" },
    { 414, "URI Too Long" },
    { 422, "Unprocessable Entity" },
    { 429, "Too Many Requests" },
    { 470, "Connection Authorization Required" },
    { 500, "Internal Server Error" },
    { 503, "Service Unavailable" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (phrases); i++)
    g_assert_cmpstr (hap_http_reason_phrase (phrases[i].status), ==, phrases[i].phrase);
  g_assert_nonnull (hap_http_reason_phrase (299));
}

/* Query splitting */

static void
test_split_target (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autofree char *path = NULL;

  g_assert_true (hap_http_split_target ("/characteristics?id=1.9,1.10&meta=1&ev=1",
                                        &path, &query, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "/characteristics");
  g_assert_cmpuint (g_hash_table_size (query), ==, 3);
  g_assert_cmpstr (g_hash_table_lookup (query, "id"), ==, "1.9,1.10");
  g_assert_cmpstr (g_hash_table_lookup (query, "meta"), ==, "1");
  g_assert_cmpstr (g_hash_table_lookup (query, "ev"), ==, "1");
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&query, g_hash_table_unref);

  /* Percent-decoding of keys and values; '+' is literal; '=' in values is kept. */
  g_assert_true (hap_http_split_target ("/x?id=1.9%2C1.10&a%20b=c+d&e=f=g&u=%C3%A4",
                                        &path, &query, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "/x");
  g_assert_cmpstr (g_hash_table_lookup (query, "id"), ==, "1.9,1.10");
  g_assert_cmpstr (g_hash_table_lookup (query, "a b"), ==, "c+d");
  g_assert_cmpstr (g_hash_table_lookup (query, "e"), ==, "f=g");
  g_assert_cmpstr (g_hash_table_lookup (query, "u"), ==, "\xc3\xa4");
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&query, g_hash_table_unref);

  /* Keys without '=' map to ""; empty fields vanish; a fragment is dropped. */
  g_assert_true (hap_http_split_target ("/characteristics?id=1.9&&ev&=v&x=#frag&y=1",
                                        &path, &query, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (path, ==, "/characteristics");
  g_assert_cmpuint (g_hash_table_size (query), ==, 4);
  g_assert_cmpstr (g_hash_table_lookup (query, "id"), ==, "1.9");
  g_assert_cmpstr (g_hash_table_lookup (query, "ev"), ==, "");
  g_assert_cmpstr (g_hash_table_lookup (query, ""), ==, "v");
  g_assert_cmpstr (g_hash_table_lookup (query, "x"), ==, "");
  g_assert_false (g_hash_table_contains (query, "y"));
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&query, g_hash_table_unref);

  /* A later duplicate replaces an earlier one. */
  g_assert_true (hap_http_split_target ("/p?a=1&a=2", NULL, &query, &error));
  g_assert_cmpstr (g_hash_table_lookup (query, "a"), ==, "2");
  g_clear_pointer (&query, g_hash_table_unref);

  /* No query, empty query, fragment only. */
  g_assert_true (hap_http_split_target ("/accessories", &path, &query, &error));
  g_assert_cmpstr (path, ==, "/accessories");
  g_assert_cmpuint (g_hash_table_size (query), ==, 0);
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&query, g_hash_table_unref);

  g_assert_true (hap_http_split_target ("/a?", &path, &query, &error));
  g_assert_cmpstr (path, ==, "/a");
  g_assert_cmpuint (g_hash_table_size (query), ==, 0);
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&query, g_hash_table_unref);

  g_assert_true (hap_http_split_target ("/a#x?b=1", &path, NULL, &error));
  g_assert_cmpstr (path, ==, "/a");
  g_clear_pointer (&path, g_free);
  g_assert_no_error (error);
}

static void
test_split_target_bad (void)
{
  static const char *bad[] = {
    "/x?a=%", "/x?a=%4", "/x?a=%zz", "/x?a=%4g", "/x?%=1", "/x?a=1%",
    "/x?a=%00", "/x?a=%ff", "/x?a=%C3",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GHashTable) query = NULL;
      g_autofree char *path = NULL;

      g_assert_false (hap_http_split_target (bad[i], &path, &query, &error));
      g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
      g_assert_null (path);
      g_assert_null (query);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http/request/simple", test_request_simple);
  g_test_add_func ("/http/request/content-length", test_request_content_length);
  g_test_add_func ("/http/request/http10-duplicates", test_request_http10_and_duplicates);
  g_test_add_func ("/http/request/byte-at-a-time", test_request_byte_at_a_time);
  g_test_add_func ("/http/request/pipelined", test_request_pipelined);
  g_test_add_func ("/http/request/pending", test_request_pending);
  g_test_add_func ("/http/request/chunked", test_request_chunked);
  g_test_add_func ("/http/request/bare-lf", test_request_bare_lf);
  g_test_add_func ("/http/request/many-small", test_request_many_small_messages);
  g_test_add_func ("/http/response/simple", test_response_simple);
  g_test_add_func ("/http/response/event", test_response_event);
  g_test_add_func ("/http/response/no-body", test_response_no_body);
  g_test_add_func ("/http/response/chunked-and-events", test_response_chunked_and_events);
  g_test_add_func ("/http/malformed/all", test_malformed);
  g_test_add_func ("/http/malformed/after-good", test_malformed_after_good);
  g_test_add_func ("/http/limits/header-bytes", test_limit_header_bytes);
  g_test_add_func ("/http/limits/header-count", test_limit_header_count);
  g_test_add_func ("/http/limits/body", test_limit_body);
  g_test_add_func ("/http/limits/chunk-line", test_limit_chunk_line);
  g_test_add_func ("/http/limits/trailers", test_limit_trailers);
  g_test_add_func ("/http/write/response", test_write_response);
  g_test_add_func ("/http/write/event", test_write_event);
  g_test_add_func ("/http/write/request", test_write_request);
  g_test_add_func ("/http/write/round-trip", test_writer_round_trip_responses);
  g_test_add_func ("/http/write/reason-phrases", test_reason_phrases);
  g_test_add_func ("/http/split-target/good", test_split_target);
  g_test_add_func ("/http/split-target/bad", test_split_target_bad);

  return g_test_run ();
}
