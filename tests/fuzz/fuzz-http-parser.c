/* fuzz-http-parser.c — libFuzzer target for the incremental HTTP/1.1 parser
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: one selector byte, then the byte stream. For both parse modes the stream is
 * parsed twice: in one push, and in pieces whose sizes follow a sequence seeded by the
 * selector, draining messages after every push. Properties checked (abort() if not):
 *  - both ways give the same messages and end with the same error code (the parser
 *    does not depend on how TCP cut the stream);
 *  - every message is well formed (body never NULL, mode-specific fields set);
 *  - what the writers make of an accepted message parses back to the same message;
 *  - hap_http_split_target() on a request target returns a path that prefixes it.
 */
#include "hap-http-parser-private.h"

#include "hap-error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const gsize piece_sizes[] = { 1, 1, 2, 3, 5, 8, 13, 64, 500, 4096, 8193, G_MAXSIZE };

typedef struct
{
  GPtrArray *messages;
  gint       error_code;   /* -1: no error */
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->messages, g_ptr_array_unref);
}

static void
check (gboolean condition)
{
  if (!condition)
    abort ();
}

static void
check_message (HapHttpParseMode  mode,
               HapHttpMessage   *message)
{
  check (message->body != NULL);
  check (message->headers != NULL);
  check (message->version != NULL);
  if (mode == HAP_HTTP_PARSE_REQUESTS)
    {
      check (message->method != NULL && message->target != NULL);
      check (message->target[0] == '/');
      check (message->reason == NULL && !message->is_event);
    }
  else
    {
      check (message->method == NULL && message->target == NULL);
      check (message->reason != NULL);
      check (message->status >= 100 && message->status <= 599);
      check (!message->is_event || message->status == 200);
    }
  for (guint i = 0; i < message->headers->len; i++)
    {
      HapHttpHeader *header = &g_array_index (message->headers, HapHttpHeader, i);

      check (header->name[0] != '\0');
      check (hap_http_message_get_header (message, header->name) != NULL);
    }
}

/* Pushes @data in pieces (step_seed 0: all at once) and drains after every push. */
static void
run_parser (HapHttpParseMode  mode,
            const guint8     *data,
            gsize             size,
            guint             step_seed,
            Outcome          *outcome)
{
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (mode);
  g_autoptr(GError) error = NULL;
  guint32 state = step_seed;
  gsize off = 0;

  outcome->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_http_message_free);
  outcome->error_code = -1;

  while (off < size && error == NULL)
    {
      gsize n = size - off;
      HapHttpMessage *message;

      if (step_seed != 0)
        {
          state = state * 1103515245u + 12345u;
          n = MIN (n, piece_sizes[(state >> 16) % G_N_ELEMENTS (piece_sizes)]);
        }
      hap_http_parser_push (parser, data + off, n);
      off += n;
      check (hap_http_parser_get_pending (parser) <= off);

      while ((message = hap_http_parser_next (parser, &error)) != NULL)
        {
          check_message (mode, message);
          g_ptr_array_add (outcome->messages, message);
        }
    }

  if (error != NULL)
    {
      check (error->domain == HAP_ERROR);
      check (error->code == HAP_ERROR_INVALID_DATA || error->code == HAP_ERROR_TOO_LARGE);
      check (g_utf8_validate (error->message, -1, NULL));
      outcome->error_code = error->code;

      /* A failed parser stays failed. */
      g_clear_error (&error);
      hap_http_parser_push (parser, (const guint8 *) "GET / HTTP/1.1\r\n\r\n", 18);
      check (hap_http_parser_next (parser, &error) == NULL);
      check (error != NULL && error->code == outcome->error_code);
    }
}

static void
check_same_message (HapHttpMessage *a,
                    HapHttpMessage *b)
{
  check (g_strcmp0 (a->method, b->method) == 0);
  check (g_strcmp0 (a->target, b->target) == 0);
  check (g_strcmp0 (a->version, b->version) == 0);
  check (g_strcmp0 (a->reason, b->reason) == 0);
  check (a->status == b->status && a->is_event == b->is_event);
  check (a->headers->len == b->headers->len);
  for (guint i = 0; i < a->headers->len; i++)
    {
      HapHttpHeader *x = &g_array_index (a->headers, HapHttpHeader, i);
      HapHttpHeader *y = &g_array_index (b->headers, HapHttpHeader, i);

      check (strcmp (x->name, y->name) == 0 && strcmp (x->value, y->value) == 0);
    }
  check (g_bytes_equal (a->body, b->body));
}

static HapHttpMessage *
parse_single (HapHttpParseMode  mode,
              GByteArray       *wire)
{
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (mode);
  g_autoptr(GError) error = NULL;
  HapHttpMessage *message;

  hap_http_parser_push (parser, wire->data, wire->len);
  message = hap_http_parser_next (parser, &error);
  check (message != NULL && error == NULL);
  check (hap_http_parser_get_pending (parser) == 0);
  return message;
}

/* Writers applied to what the parser accepted must produce parseable messages. */
static void
check_rewrite (HapHttpParseMode  mode,
               HapHttpMessage   *message)
{
  g_autoptr(GByteArray) wire = g_byte_array_new ();
  g_autoptr(HapHttpMessage) again = NULL;
  gsize body_len;
  const guint8 *body = g_bytes_get_data (message->body, &body_len);
  const char *content_type = hap_http_message_get_header (message, "Content-Type");

  if (mode == HAP_HTTP_PARSE_REQUESTS)
    {
      hap_http_append_request (wire, message->method, message->target,
                               hap_http_message_get_header (message, "Host"),
                               content_type, body, body_len);
      again = parse_single (mode, wire);
      check (strcmp (again->method, message->method) == 0);
      check (strcmp (again->target, message->target) == 0);
      check (g_bytes_equal (again->body, message->body));
      return;
    }

  if (message->is_event)
    {
      hap_http_append_event (wire, (const char *) body, body_len);
      again = parse_single (mode, wire);
      check (again->is_event && g_bytes_equal (again->body, message->body));
      return;
    }

  /* 1xx and 304 responses never carry a body, so the writer has no business there. */
  if (message->status < 200 || message->status == 304)
    return;
  hap_http_append_response (wire, message->status, content_type, body, body_len);
  again = parse_single (mode, wire);
  check (again->status == message->status);
  check (strcmp (again->reason, hap_http_reason_phrase (message->status)) == 0);
  check (message->status == 204 ? g_bytes_get_size (again->body) == 0
                                : g_bytes_equal (again->body, message->body));
}

static void
check_target (const char *target)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autofree char *path = NULL;

  if (hap_http_split_target (target, &path, &query, &error))
    {
      GHashTableIter iter;
      gpointer key, value;

      check (error == NULL && path != NULL && query != NULL);
      check (strncmp (path, target, strlen (path)) == 0);
      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &key, &value))
        check (g_utf8_validate (key, -1, NULL) && g_utf8_validate (value, -1, NULL));
    }
  else
    {
      check (error != NULL && error->code == HAP_ERROR_INVALID_DATA);
      check (g_utf8_validate (error->message, -1, NULL));
      check (path == NULL && query == NULL);
    }
}

static void
fuzz_mode (HapHttpParseMode  mode,
           const guint8     *data,
           gsize             size,
           guint             selector)
{
  Outcome whole = { 0 };
  Outcome pieces = { 0 };

  run_parser (mode, data, size, 0, &whole);
  run_parser (mode, data, size, selector + 1, &pieces);

  check (whole.error_code == pieces.error_code);
  check (whole.messages->len == pieces.messages->len);
  for (guint i = 0; i < whole.messages->len; i++)
    {
      HapHttpMessage *message = whole.messages->pdata[i];

      check_same_message (message, pieces.messages->pdata[i]);
      check_rewrite (mode, message);
      if (mode == HAP_HTTP_PARSE_REQUESTS)
        check_target (message->target);
    }

  outcome_clear (&whole);
  outcome_clear (&pieces);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  guint selector;

  if (size < 1)
    return 0;
  selector = data[0];

  fuzz_mode (HAP_HTTP_PARSE_REQUESTS, data + 1, size - 1, selector);
  fuzz_mode (HAP_HTTP_PARSE_RESPONSES, data + 1, size - 1, selector);

  /* The raw bytes as a target too: the splitter must cope with anything. */
  if (size > 1 && memchr (data + 1, '\0', size - 1) == NULL)
    {
      g_autofree char *target = g_strndup ((const char *) data + 1, size - 1);

      check_target (target);
    }

  return 0;
}
