/* hap-http-parser.c — incremental HTTP/1.1 message parser and writers for HAP/IP
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The parser keeps every received byte in one buffer and walks it with a cursor that
 * only moves forward, so a message delivered one byte per push is scanned once, not
 * once per push. Messages may be pipelined: bytes after a complete message stay in the
 * buffer and start the next one.
 *
 * Line ends: RFC 9112 §2.2 lets a recipient accept a bare LF as a line terminator and
 * ignore a preceding CR. This parser does exactly that for the start line, header
 * lines, chunk-size lines, the CRLF after chunk data and trailers: each line ends at
 * "\n", and one "\r" right before it is stripped. The header section therefore ends at
 * the first empty line, whether written "\r\n" (what every HAP controller sends) or
 * "\n". A CR anywhere else is a control character and rejected.
 *
 * Deliberately strict, because the peer is either a HomeKit controller or an accessory
 * and neither has a reason to send anything unusual (RFC 9112 §11 request smuggling):
 *  - no leading empty lines, no obs-fold, no whitespace between a field name and ':';
 *  - request targets in origin form ("/…") without control, space or non-ASCII bytes;
 *  - Content-Length is one run of digits; repeated fields must agree, lists are refused;
 *  - Transfer-Encoding must be exactly "chunked" and never comes with Content-Length.
 */
#include "hap-http-parser-private.h"

#include "hap-error.h"
#include "hap-model-private.h"

#include <string.h>

/* A chunk-size line ("1a;name=value") may not be longer than this. */
#define CHUNK_LINE_MAX 1024

/* The buffer is compacted on push once the consumed prefix is at least this large and
 * more than half of the buffer, so pipelined messages cost amortised O(1) moves. */
#define COMPACT_MIN 4096
/* An emptied buffer that held more than this is released, not reused. */
#define SHRINK_ABOVE (64 * 1024)

typedef enum
{
  STATE_START_LINE,
  STATE_HEADERS,
  STATE_BODY_LENGTH,
  STATE_CHUNK_SIZE,
  STATE_CHUNK_DATA,
  STATE_CHUNK_DATA_END,
  STATE_TRAILERS,
  STATE_FAILED,
} ParserState;

typedef enum
{
  LINE_FOUND,
  LINE_NEED_MORE,
  LINE_TOO_LONG,
} LineResult;

struct _HapHttpParser
{
  HapHttpParseMode  mode;
  ParserState       state;

  GByteArray       *buf;
  gsize             head;     /* offset in buf where the current message starts */
  /* The offsets below are relative to head. */
  gsize             cursor;   /* first byte not processed yet */
  gsize             scan;     /* where the search for the next '\n' resumes (≥ cursor) */
  gsize             section_start;  /* first byte of the trailer section */

  HapHttpMessage   *msg;      /* message being parsed */
  gboolean          has_content_length;
  guint64           content_length;
  gboolean          chunked;
  guint64           chunk_size;
  GByteArray       *chunked_body;

  GError           *error;    /* set once failed */
  GBytes           *empty;    /* shared by every message without a body */
};

/* RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 * "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static gboolean
is_tchar (guint8 c)
{
  if (g_ascii_isalnum (c))
    return TRUE;
  return c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

static gboolean
is_token (const guint8 *s, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!is_tchar (s[i]))
      return FALSE;
  return TRUE;
}

/* RFC 9110 §5.5: field-value bytes are VCHAR, SP, HTAB or obs-text; everything else is
 * a control character (NUL, a stray CR, DEL …). The reason phrase uses the same set. */
static gboolean
is_field_byte (guint8 c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static gboolean
is_ows (guint8 c)
{
  return c == ' ' || c == '\t';
}

/* Received text quoted in an error message: C-escaped, so the message stays UTF-8. */
static char *
escape_for_message (const char *s,
                    gsize       len)
{
  g_autofree char *copy = g_strndup (s, len);

  return g_strescape (copy, NULL);
}

static void
header_clear (gpointer data)
{
  HapHttpHeader *header = data;

  g_free (header->name);   /* and the value: see dup_pair() */
}

/* Copies [a, a + a_len) and [b, b + b_len) as two strings in one allocation, owned by
 * the first: a request is parsed on every GET's path, and strings that are freed
 * together (a header's name and value, a status line's version and reason) need not be
 * allocated one by one. */
static char *
dup_pair (const guint8  *a,
          gsize          a_len,
          const guint8  *b,
          gsize          b_len,
          char         **b_copy)
{
  char *block = g_malloc (a_len + b_len + 2);

  memcpy (block, a, a_len);
  block[a_len] = '\0';
  *b_copy = block + a_len + 1;
  memcpy (*b_copy, b, b_len);
  (*b_copy)[b_len] = '\0';
  return block;
}

static HapHttpMessage *
message_new (void)
{
  HapHttpMessage *message = g_new0 (HapHttpMessage, 1);

  /* Room for the few headers a HAP request has, without growing twice. */
  message->headers = g_array_sized_new (FALSE, TRUE, sizeof (HapHttpHeader), 4);
  g_array_set_clear_func (message->headers, header_clear);
  return message;
}

void
hap_http_message_free (HapHttpMessage *message)
{
  if (message == NULL)
    return;

  /* A request line's strings are in one block owned by the method, a status line's by
   * the version (parse_request_line(), parse_status_line()). */
  if (message->method != NULL)
    g_free (message->method);
  else
    g_free (message->version);
  g_clear_pointer (&message->headers, g_array_unref);
  g_clear_pointer (&message->body, g_bytes_unref);
  g_free (message);
}

const char *
hap_http_message_get_header (HapHttpMessage *message,
                             const char     *name)
{
  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < message->headers->len; i++)
    {
      const HapHttpHeader *header = &g_array_index (message->headers, HapHttpHeader, i);

      if (g_ascii_strcasecmp (header->name, name) == 0)
        return header->value;
    }
  return NULL;
}

HapHttpParser *
hap_http_parser_new (HapHttpParseMode mode)
{
  HapHttpParser *self = g_new0 (HapHttpParser, 1);

  self->mode = mode;
  self->state = STATE_START_LINE;
  self->buf = g_byte_array_new ();
  self->empty = g_bytes_new_static ("", 0);
  return self;
}

static void
reset_message_state (HapHttpParser *self)
{
  g_clear_pointer (&self->msg, hap_http_message_free);
  g_clear_pointer (&self->chunked_body, g_byte_array_unref);
  self->has_content_length = FALSE;
  self->content_length = 0;
  self->chunked = FALSE;
  self->chunk_size = 0;
  self->section_start = 0;
}

void
hap_http_parser_free (HapHttpParser *self)
{
  if (self == NULL)
    return;

  reset_message_state (self);
  g_byte_array_unref (self->buf);
  g_bytes_unref (self->empty);
  g_clear_error (&self->error);
  g_free (self);
}

void
hap_http_parser_push (HapHttpParser *self,
                      const guint8  *data,
                      gsize          len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  /* A failed parser never looks at its input again. */
  if (self->state == STATE_FAILED || len == 0)
    return;

  if (self->head > 0)
    {
      if (self->head == self->buf->len)
        {
          /* After a burst (a large body, a long pipeline) the buffer starts small again
           * rather than keeping its peak capacity for the life of the connection. */
          if (self->buf->len > SHRINK_ABOVE)
            {
              g_byte_array_unref (self->buf);
              self->buf = g_byte_array_new ();
            }
          else
            g_byte_array_set_size (self->buf, 0);
          self->head = 0;
        }
      else if (self->head >= COMPACT_MIN && self->head > self->buf->len / 2)
        {
          g_byte_array_remove_range (self->buf, 0, self->head);
          self->head = 0;
        }
    }

  g_byte_array_append (self->buf, data, len);
}

gsize
hap_http_parser_get_pending (HapHttpParser *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->buf->len - self->head;
}

G_GNUC_PRINTF (3, 4)
static void
fail (HapHttpParser *self,
      HapError       code,
      const char    *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_clear_error (&self->error);
  self->error = g_error_new_valist (HAP_ERROR, code, format, args);
  va_end (args);

  self->state = STATE_FAILED;
  reset_message_state (self);
}

static inline const guint8 *
message_base (HapHttpParser *self)
{
  return self->buf->data + self->head;
}

static inline gsize
message_avail (HapHttpParser *self)
{
  return self->buf->len - self->head;
}

/* Looks for the line starting at the cursor. A line, with its terminator, must end at
 * or before @limit (relative to head). On LINE_FOUND, *line and *line_len describe it
 * without CR LF and *next is the offset after the '\n'; the cursor is not moved. */
static LineResult
find_line (HapHttpParser  *self,
           gsize           limit,
           const guint8  **line,
           gsize          *line_len,
           gsize          *next)
{
  const guint8 *base = message_base (self);
  gsize avail = message_avail (self);
  gsize end = MIN (avail, limit);
  const guint8 *nl = NULL;
  gsize len;

  if (self->scan < end)
    nl = memchr (base + self->scan, '\n', end - self->scan);

  if (nl == NULL)
    {
      self->scan = MAX (self->scan, end);
      return avail >= limit ? LINE_TOO_LONG : LINE_NEED_MORE;
    }

  *next = (gsize) (nl - base) + 1;
  self->scan = *next;

  len = (gsize) (nl - base) - self->cursor;
  if (len > 0 && base[self->cursor + len - 1] == '\r')
    len--;
  *line = base + self->cursor;
  *line_len = len;
  return LINE_FOUND;
}

static void
advance (HapHttpParser *self,
         gsize          next)
{
  self->cursor = next;
  self->scan = MAX (self->scan, next);
}

static gboolean
parse_version (const guint8 *s,
               gsize         len,
               gboolean      allow_event,
               gboolean     *is_event)
{
  *is_event = FALSE;
  if (len == 8 && (memcmp (s, "HTTP/1.1", 8) == 0 || memcmp (s, "HTTP/1.0", 8) == 0))
    return TRUE;
  /* docs/protocol.md §4.9: accessories push notifications as "EVENT/1.0 200 OK". */
  if (allow_event && len == 9 && memcmp (s, "EVENT/1.0", 9) == 0)
    {
      *is_event = TRUE;
      return TRUE;
    }
  return FALSE;
}

/* RFC 9112 §3: request-line = method SP request-target SP HTTP-version */
static gboolean
parse_request_line (HapHttpParser *self,
                    const guint8  *line,
                    gsize          len)
{
  const guint8 *sp1, *sp2;
  gsize method_len, target_len;
  gboolean is_event;

  sp1 = memchr (line, ' ', len);
  if (sp1 == NULL)
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Malformed HTTP request line: no target");
      return FALSE;
    }
  method_len = (gsize) (sp1 - line);
  if (!is_token (line, method_len))
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Malformed HTTP request line: bad method");
      return FALSE;
    }

  sp2 = memchr (sp1 + 1, ' ', len - method_len - 1);
  if (sp2 == NULL)
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Malformed HTTP request line: no version");
      return FALSE;
    }
  target_len = (gsize) (sp2 - sp1) - 1;

  /* HAP only uses origin-form targets (docs/protocol.md §4.2). RFC 3986 allows no
   * control characters, spaces or raw non-ASCII bytes in a URI. */
  if (target_len == 0 || sp1[1] != '/')
    {
      fail (self, HAP_ERROR_INVALID_DATA,
            "Malformed HTTP request line: target must start with '/'");
      return FALSE;
    }
  for (gsize i = 0; i < target_len; i++)
    {
      guint8 c = sp1[1 + i];

      if (c <= 0x20 || c >= 0x7f)
        {
          fail (self, HAP_ERROR_INVALID_DATA,
                "Malformed HTTP request line: byte 0x%02x in target", c);
          return FALSE;
        }
    }

  if (!parse_version (sp2 + 1, len - (gsize) (sp2 + 1 - line), FALSE, &is_event))
    {
      fail (self, HAP_ERROR_INVALID_DATA,
            "Malformed HTTP request line: unsupported version");
      return FALSE;
    }

  /* One copy of the line, cut at its two spaces (hap_http_message_free()). */
  self->msg->method = g_strndup ((const char *) line, len);
  self->msg->method[method_len] = '\0';
  self->msg->method[sp2 - line] = '\0';
  self->msg->target = self->msg->method + method_len + 1;
  self->msg->version = self->msg->method + (sp2 + 1 - line);
  return TRUE;
}

/* RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
 * A missing SP before an empty reason is tolerated, as §4 recommends. */
static gboolean
parse_status_line (HapHttpParser *self,
                   const guint8  *line,
                   gsize          len)
{
  const guint8 *sp, *code, *reason;
  gsize version_len, reason_len;
  gboolean is_event;
  guint status;

  sp = memchr (line, ' ', len);
  version_len = sp != NULL ? (gsize) (sp - line) : len;
  if (sp == NULL || !parse_version (line, version_len, TRUE, &is_event))
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Malformed HTTP status line: unsupported version");
      return FALSE;
    }

  code = sp + 1;
  if (len - version_len - 1 < 3 ||
      code[0] < '1' || code[0] > '5' ||
      !g_ascii_isdigit (code[1]) || !g_ascii_isdigit (code[2]))
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Malformed HTTP status line: bad status code");
      return FALSE;
    }
  status = (guint) ((code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0'));

  reason = code + 3;
  reason_len = len - version_len - 4;
  if (reason_len > 0)
    {
      if (reason[0] != ' ')
        {
          fail (self, HAP_ERROR_INVALID_DATA, "Malformed HTTP status line: bad status code");
          return FALSE;
        }
      reason++;
      reason_len--;
    }
  for (gsize i = 0; i < reason_len; i++)
    if (!is_field_byte (reason[i]))
      {
        fail (self, HAP_ERROR_INVALID_DATA,
              "Malformed HTTP status line: control character in reason phrase");
        return FALSE;
      }

  /* docs/protocol.md §4.9: events are always "EVENT/1.0 200 OK". */
  if (is_event && status != 200)
    {
      fail (self, HAP_ERROR_INVALID_DATA, "EVENT/1.0 message with status %u", status);
      return FALSE;
    }

  self->msg->version = dup_pair (line, version_len, reason, reason_len, &self->msg->reason);
  self->msg->status = status;
  self->msg->is_event = is_event;
  return TRUE;
}

/* RFC 9110 §8.6: Content-Length = 1*DIGIT. Values beyond the body limit are clamped
 * to HAP_HTTP_MAX_BODY_BYTES + 1 so that huge digit strings cannot overflow. */
static gboolean
parse_content_length (const char *value,
                      guint64    *out)
{
  guint64 n = 0;

  if (*value == '\0')
    return FALSE;
  for (const char *p = value; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      if (n <= HAP_HTTP_MAX_BODY_BYTES)
        n = n * 10 + (guint64) (*p - '0');
    }
  *out = MIN (n, (guint64) HAP_HTTP_MAX_BODY_BYTES + 1);
  return TRUE;
}

static gboolean
parse_header_line (HapHttpParser *self,
                   const guint8  *line,
                   gsize          len,
                   gboolean       is_trailer)
{
  const guint8 *colon, *value;
  gsize name_len, value_len;
  HapHttpHeader header;

  /* RFC 9112 §5.2: obs-fold is rejected rather than unfolded. */
  if (is_ows (line[0]))
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Obsolete line folding in HTTP header section");
      return FALSE;
    }

  colon = memchr (line, ':', len);
  if (colon == NULL)
    {
      fail (self, HAP_ERROR_INVALID_DATA, "HTTP header line without ':'");
      return FALSE;
    }
  name_len = (gsize) (colon - line);
  /* RFC 9112 §5.1: no whitespace between field name and colon. */
  if (!is_token (line, name_len))
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Invalid HTTP header field name");
      return FALSE;
    }

  value = colon + 1;
  value_len = len - name_len - 1;
  while (value_len > 0 && is_ows (value[0]))
    {
      value++;
      value_len--;
    }
  while (value_len > 0 && is_ows (value[value_len - 1]))
    value_len--;
  for (gsize i = 0; i < value_len; i++)
    if (!is_field_byte (value[i]))
      {
        fail (self, HAP_ERROR_INVALID_DATA,
              "Control character 0x%02x in HTTP header value", value[i]);
        return FALSE;
      }

  /* Trailer fields are checked but not kept: nothing in HAP uses them, and RFC 9110
   * §6.5.1 forbids merging them into the header section blindly. */
  if (is_trailer)
    return TRUE;

  if (self->msg->headers->len >= HAP_HTTP_MAX_HEADERS)
    {
      fail (self, HAP_ERROR_TOO_LARGE, "More than %d HTTP header fields",
            HAP_HTTP_MAX_HEADERS);
      return FALSE;
    }

  header.name = dup_pair (line, name_len, value, value_len, &header.value);
  g_array_append_val (self->msg->headers, header);

  if (g_ascii_strcasecmp (header.name, "Content-Length") == 0)
    {
      guint64 length;

      if (!parse_content_length (header.value, &length))
        {
          g_autofree char *quoted = escape_for_message (header.value, strlen (header.value));

          fail (self, HAP_ERROR_INVALID_DATA, "Invalid Content-Length “%s”", quoted);
          return FALSE;
        }
      /* RFC 9112 §6.3: differing Content-Length values make the framing unknowable. */
      if (self->has_content_length && length != self->content_length)
        {
          fail (self, HAP_ERROR_INVALID_DATA, "Conflicting Content-Length fields");
          return FALSE;
        }
      self->has_content_length = TRUE;
      self->content_length = length;
    }
  else if (g_ascii_strcasecmp (header.name, "Transfer-Encoding") == 0)
    {
      /* Only the chunked coding is understood; "chunked" twice is invalid too
       * (RFC 9112 §6.1: a sender must not apply chunked more than once). */
      if (self->chunked || g_ascii_strcasecmp (header.value, "chunked") != 0)
        {
          g_autofree char *quoted = escape_for_message (header.value, strlen (header.value));

          fail (self, HAP_ERROR_INVALID_DATA, "Unsupported Transfer-Encoding “%s”", quoted);
          return FALSE;
        }
      self->chunked = TRUE;
    }

  return TRUE;
}

static HapHttpMessage *
complete_message (HapHttpParser *self,
                  GBytes        *body)
{
  HapHttpMessage *message = g_steal_pointer (&self->msg);

  message->body = body;
  message->length = self->cursor;
  self->head += self->cursor;
  self->cursor = 0;
  self->scan = 0;
  self->state = STATE_START_LINE;
  reset_message_state (self);
  return message;
}

/* Called after the empty line ending the header section: picks the body framing
 * (RFC 9112 §6.3 as narrowed by the contract in hap-http-parser-private.h). */
static gboolean
headers_done (HapHttpParser *self,
              gboolean      *complete)
{
  HapHttpMessage *msg = self->msg;
  gboolean no_body = FALSE;

  *complete = FALSE;

  /* RFC 9112 §6.3: both present is a request-smuggling pattern; refuse it. */
  if (self->chunked && self->has_content_length)
    {
      fail (self, HAP_ERROR_INVALID_DATA,
            "HTTP message has both Content-Length and Transfer-Encoding");
      return FALSE;
    }
  /* RFC 9112 §6.1: chunked is not defined for HTTP/1.0. */
  if (self->chunked && strcmp (msg->version, "HTTP/1.1") != 0)
    {
      fail (self, HAP_ERROR_INVALID_DATA, "%s message with Transfer-Encoding", msg->version);
      return FALSE;
    }

  if (self->mode == HAP_HTTP_PARSE_RESPONSES)
    {
      if (msg->status < 200 || msg->status == 204)
        {
          /* RFC 9110 §8.6: no Content-Length (other than 0) or body for 1xx and 204. */
          if (self->chunked || self->content_length > 0)
            {
              fail (self, HAP_ERROR_INVALID_DATA, "HTTP %u response announces a body",
                    msg->status);
              return FALSE;
            }
          no_body = TRUE;
        }
      else if (msg->status == 304)
        {
          /* RFC 9110 §15.4.5: Content-Length describes the resource, not a body. */
          no_body = TRUE;
        }
      else if (msg->is_event && !self->has_content_length)
        {
          fail (self, HAP_ERROR_INVALID_DATA, "EVENT/1.0 message without Content-Length");
          return FALSE;
        }
      else if (!self->chunked && !self->has_content_length)
        {
          /* Reading until the connection closes cannot work on a HAP session. */
          fail (self, HAP_ERROR_INVALID_DATA,
                "HTTP %u response without Content-Length or chunked body", msg->status);
          return FALSE;
        }
    }
  else if (!self->chunked && !self->has_content_length)
    {
      no_body = TRUE;
    }

  if (no_body)
    {
      *complete = TRUE;
      return TRUE;
    }

  if (self->chunked)
    {
      self->chunked_body = g_byte_array_new ();
      self->state = STATE_CHUNK_SIZE;
      return TRUE;
    }

  if (self->content_length > HAP_HTTP_MAX_BODY_BYTES)
    {
      fail (self, HAP_ERROR_TOO_LARGE, "HTTP body larger than %d bytes",
            HAP_HTTP_MAX_BODY_BYTES);
      return FALSE;
    }
  self->state = STATE_BODY_LENGTH;
  return TRUE;
}

/* RFC 9112 §7.1: chunk-size [ chunk-ext ] where chunk-size = 1*HEXDIG and
 * chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ); extensions are
 * checked for control characters and otherwise ignored. */
static gboolean
parse_chunk_size (HapHttpParser *self,
                  const guint8  *line,
                  gsize          len)
{
  guint64 size = 0;
  gsize i = 0;

  while (i < len && g_ascii_isxdigit (line[i]))
    {
      size = size * 16 + (guint64) g_ascii_xdigit_value (line[i]);
      if (size > HAP_HTTP_MAX_BODY_BYTES)
        {
          fail (self, HAP_ERROR_TOO_LARGE, "HTTP body larger than %d bytes",
                HAP_HTTP_MAX_BODY_BYTES);
          return FALSE;
        }
      i++;
    }
  if (i == 0)
    {
      fail (self, HAP_ERROR_INVALID_DATA, "Invalid HTTP chunk size");
      return FALSE;
    }

  while (i < len && is_ows (line[i]))
    i++;
  if (i < len)
    {
      if (line[i] != ';')
        {
          fail (self, HAP_ERROR_INVALID_DATA, "Invalid HTTP chunk size");
          return FALSE;
        }
      for (; i < len; i++)
        if (!is_field_byte (line[i]))
          {
            fail (self, HAP_ERROR_INVALID_DATA, "Control character in HTTP chunk extension");
            return FALSE;
          }
    }

  if (self->chunked_body->len + size > HAP_HTTP_MAX_BODY_BYTES)
    {
      fail (self, HAP_ERROR_TOO_LARGE, "HTTP body larger than %d bytes",
            HAP_HTTP_MAX_BODY_BYTES);
      return FALSE;
    }

  self->chunk_size = size;
  return TRUE;
}

HapHttpMessage *
hap_http_parser_next (HapHttpParser  *self,
                      GError        **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  for (;;)
    {
      const guint8 *line = NULL;
      gsize line_len = 0, next = 0;
      LineResult found;
      gboolean complete;

      switch (self->state)
        {
        case STATE_FAILED:
          g_propagate_error (error, g_error_copy (self->error));
          return NULL;

        case STATE_START_LINE:
        case STATE_HEADERS:
          /* The whole header section, start line and final empty line included, must
           * fit in HAP_HTTP_MAX_HEADER_BYTES. */
          found = find_line (self, HAP_HTTP_MAX_HEADER_BYTES, &line, &line_len, &next);
          if (found == LINE_NEED_MORE)
            return NULL;
          if (found == LINE_TOO_LONG)
            {
              fail (self, HAP_ERROR_TOO_LARGE, "HTTP header section larger than %d bytes",
                    HAP_HTTP_MAX_HEADER_BYTES);
              continue;
            }

          if (self->state == STATE_START_LINE)
            {
              gboolean ok;

              self->msg = message_new ();
              if (self->mode == HAP_HTTP_PARSE_REQUESTS)
                ok = parse_request_line (self, line, line_len);
              else
                ok = parse_status_line (self, line, line_len);
              if (!ok)
                continue;
              advance (self, next);
              self->state = STATE_HEADERS;
              continue;
            }

          advance (self, next);
          if (line_len > 0)
            {
              parse_header_line (self, line, line_len, FALSE);
              continue;
            }

          if (!headers_done (self, &complete))
            continue;
          if (complete)
            return complete_message (self, g_bytes_ref (self->empty));
          continue;

        case STATE_BODY_LENGTH:
          if (message_avail (self) - self->cursor < self->content_length)
            return NULL;
          {
            GBytes *body = g_bytes_new (message_base (self) + self->cursor,
                                        (gsize) self->content_length);

            self->cursor += (gsize) self->content_length;
            return complete_message (self, body);
          }

        case STATE_CHUNK_SIZE:
          found = find_line (self, self->cursor + CHUNK_LINE_MAX, &line, &line_len, &next);
          if (found == LINE_NEED_MORE)
            return NULL;
          if (found == LINE_TOO_LONG)
            {
              fail (self, HAP_ERROR_INVALID_DATA, "HTTP chunk size line too long");
              continue;
            }
          if (!parse_chunk_size (self, line, line_len))
            continue;
          advance (self, next);
          if (self->chunk_size == 0)
            {
              self->section_start = self->cursor;
              self->state = STATE_TRAILERS;
            }
          else
            {
              self->state = STATE_CHUNK_DATA;
            }
          continue;

        case STATE_CHUNK_DATA:
          if (message_avail (self) - self->cursor < self->chunk_size)
            return NULL;
          g_byte_array_append (self->chunked_body, message_base (self) + self->cursor,
                               (guint) self->chunk_size);
          advance (self, self->cursor + (gsize) self->chunk_size);
          self->state = STATE_CHUNK_DATA_END;
          continue;

        case STATE_CHUNK_DATA_END:
          {
            /* RFC 9112 §7.1: chunk-data is followed by CRLF (or a bare LF, see top). */
            const guint8 *p = message_base (self) + self->cursor;
            gsize avail = message_avail (self) - self->cursor;

            if (avail == 0)
              return NULL;
            if (p[0] == '\n')
              {
                advance (self, self->cursor + 1);
              }
            else if (p[0] == '\r')
              {
                if (avail < 2)
                  return NULL;
                if (p[1] != '\n')
                  {
                    fail (self, HAP_ERROR_INVALID_DATA, "HTTP chunk not followed by CRLF");
                    continue;
                  }
                advance (self, self->cursor + 2);
              }
            else
              {
                fail (self, HAP_ERROR_INVALID_DATA, "HTTP chunk longer than its size");
                continue;
              }
            self->state = STATE_CHUNK_SIZE;
            continue;
          }

        case STATE_TRAILERS:
          found = find_line (self, self->section_start + HAP_HTTP_MAX_HEADER_BYTES,
                             &line, &line_len, &next);
          if (found == LINE_NEED_MORE)
            return NULL;
          if (found == LINE_TOO_LONG)
            {
              fail (self, HAP_ERROR_TOO_LARGE, "HTTP trailer section larger than %d bytes",
                    HAP_HTTP_MAX_HEADER_BYTES);
              continue;
            }
          advance (self, next);
          if (line_len > 0)
            {
              parse_header_line (self, line, line_len, TRUE);
              continue;
            }
          return complete_message (self,
                                   g_byte_array_free_to_bytes (g_steal_pointer (&self->chunked_body)));

        default:
          g_assert_not_reached ();
        }
    }
}

/* Query splitting */

static int
hex_value (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

/* RFC 3986 §2.1 percent-decoding of [s, s + len), appended to @out with a NUL after it.
 * '+' stays '+': HAP query strings are URI queries, not HTML form data. Decoded text
 * must be UTF-8 without NUL. */
static gboolean
percent_decode_append (GString     *out,
                       const char  *s,
                       gsize        len,
                       GError     **error)
{
  gsize start = out->len;
  const char *end = s + len;
  const char *p = s;

  while (p < end)
    {
      const char *percent = memchr (p, '%', (gsize) (end - p));
      int hi, lo;

      /* Runs without escapes (nearly every query) are copied whole. */
      g_string_append_len (out, p, (percent != NULL ? percent : end) - p);
      if (percent == NULL)
        break;
      if (end - percent < 3 || (hi = hex_value (percent[1])) < 0 || (lo = hex_value (percent[2])) < 0)
        {
          g_autofree char *quoted = escape_for_message (s, len);

          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "Bad percent escape in query “%s”", quoted);
          return FALSE;
        }
      g_string_append_c (out, (char) (hi * 16 + lo));
      p = percent + 3;
    }

  if (memchr (out->str + start, '\0', out->len - start) != NULL ||
      !g_utf8_validate (out->str + start, (gssize) (out->len - start), NULL))
    {
      g_autofree char *quoted = escape_for_message (s, len);

      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "Query “%s” does not decode to UTF-8 text", quoted);
      return FALSE;
    }
  g_string_append_c (out, '\0');
  return TRUE;
}

gboolean
_hap_http_target_split (const char  *target,
                        GString     *out,
                        GError     **error)
{
  const char *hash, *question, *end, *p;

  g_string_truncate (out, 0);

  /* docs/protocol.md §4.5: a trailing "#fragment" is ignored. */
  hash = strchr (target, '#');
  end = hash != NULL ? hash : target + strlen (target);
  question = memchr (target, '?', (gsize) (end - target));

  g_string_append_len (out, target, (question != NULL ? question : end) - target);
  g_string_append_c (out, '\0');

  /* "a=1&b=2": empty fields ("a=1&&b=2") are skipped; a key without '=' maps to "". */
  for (p = question != NULL ? question + 1 : end; p < end; )
    {
      const char *amp = memchr (p, '&', (gsize) (end - p));
      const char *field_end = amp != NULL ? amp : end;
      const char *eq = memchr (p, '=', (gsize) (field_end - p));

      if (field_end > p)
        {
          if (!percent_decode_append (out, p, (gsize) ((eq != NULL ? eq : field_end) - p), error))
            return FALSE;
          if (eq != NULL)
            {
              if (!percent_decode_append (out, eq + 1, (gsize) (field_end - eq - 1), error))
                return FALSE;
            }
          else
            {
              g_string_append_c (out, '\0');
            }
        }
      p = field_end + 1;
    }
  return TRUE;
}

/* Steps over one NUL-terminated string in a split target. */
static const char *
next_string (const char *s)
{
  return s + strlen (s) + 1;
}

gboolean
_hap_http_target_next (const GString  *split,
                       const char    **cursor,
                       const char    **key,
                       const char    **value)
{
  const char *p = *cursor != NULL ? *cursor : next_string (split->str);

  if (p >= split->str + split->len)
    return FALSE;
  *key = p;
  *value = next_string (p);
  *cursor = next_string (*value);
  return TRUE;
}

gboolean
hap_http_split_target (const char  *target,
                       char       **path,
                       GHashTable **query,
                       GError     **error)
{
  g_autoptr(GString) split = NULL;

  g_return_val_if_fail (target != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  split = g_string_sized_new (strlen (target) + 2);
  if (!_hap_http_target_split (target, split, error))
    return FALSE;

  if (path != NULL)
    *path = g_strdup (split->str);
  if (query != NULL)
    {
      const char *cursor = NULL, *key, *value;

      /* A later duplicate key replaces an earlier one. */
      *query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      while (_hap_http_target_next (split, &cursor, &key, &value))
        g_hash_table_insert (*query, g_strdup (key), g_strdup (value));
    }
  return TRUE;
}

/* Writers */

typedef struct
{
  guint       status;
  const char *phrase;
} ReasonPhrase;

/* RFC 9110 §15 names; 470 is HAP's (docs/protocol.md §4.3). */
static const ReasonPhrase reason_phrases[] = {
  { 100, "Continue" },
  { 200, "OK" },
  { 204, "No Content" },
  { 207, "Multi-Status" },
  { 400, "Bad Request" },
  { 403, "Forbidden" },
  { 404, "Not Found" },
  { 405, "Method Not Allowed" },
  { 408, "Request Timeout" },
  { 411, "Length Required" },
  { 413, "Payload Too Large" },
  { 414, "URI Too Long" },
  { 422, "Unprocessable Entity" },
  { 429, "Too Many Requests" },
  { 431, "Request Header Fields Too Large" },
  { 470, "Connection Authorization Required" },
  { 500, "Internal Server Error" },
  { 501, "Not Implemented" },
  { 503, "Service Unavailable" },
};

const char *
hap_http_reason_phrase (guint status)
{
  for (gsize i = 0; i < G_N_ELEMENTS (reason_phrases); i++)
    if (reason_phrases[i].status == status)
      return reason_phrases[i].phrase;
  return "Unknown";
}

/* Responses and events are written on every request: their heads are put together from
 * strings and digits, without printf's parsing of a format, in a buffer on the stack
 * that goes to @out in one append (bench/README.md, "Where the accessory's time goes":
 * an append per piece cost about as much as the rest of the head). */
typedef struct
{
  GByteArray *out;
  gsize       len;
  char        buf[256];
} Head;

static void
head_flush (Head *head)
{
  g_byte_array_append (head->out, (const guint8 *) head->buf, (guint) head->len);
  head->len = 0;
}

static void
head_append (Head *head, const char *text, gsize len)
{
  if (head->len + len > sizeof head->buf)
    {
      /* A long content type from a hook: written through. */
      head_flush (head);
      if (len > sizeof head->buf)
        {
          g_byte_array_append (head->out, (const guint8 *) text, (guint) len);
          return;
        }
    }
  memcpy (head->buf + head->len, text, len);
  head->len += len;
}

static void
append_text (Head *head, const char *text)
{
  head_append (head, text, strlen (text));
}

static void
append_decimal (Head *head, guint64 value)
{
  char buf[HAP_DECIMAL_DIGITS];
  const char *digits = _hap_format_decimal (value, buf);

  head_append (head, digits, (gsize) (buf + sizeof buf - digits));
}

G_GNUC_PRINTF (2, 3)
static void
append_printf (GByteArray *out,
               const char *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  g_byte_array_append (out, (const guint8 *) text, (guint) strlen (text));
}

static void
append_body (GByteArray   *out,
             const guint8 *body,
             gsize         body_len)
{
  if (body_len > 0)
    g_byte_array_append (out, body, (guint) body_len);
}

void
hap_http_append_response (GByteArray   *out,
                          guint         status,
                          const char   *content_type,
                          const guint8 *body,
                          gsize         body_len)
{
  Head head;

  g_return_if_fail (out != NULL);
  g_return_if_fail (status >= 100 && status <= 599);
  g_return_if_fail (body != NULL || body_len == 0);

  head.out = out;
  head.len = 0;
  append_text (&head, "HTTP/1.1 ");
  append_decimal (&head, status);
  append_text (&head, " ");
  append_text (&head, hap_http_reason_phrase (status));
  append_text (&head, "\r\n");

  /* RFC 9110 §8.6 / §15.3.5: a 204 carries neither Content-Length nor content; the
   * ADK and HAP-NodeJS send it with no body headers at all, so this does too. */
  if (status == 204)
    {
      append_text (&head, "\r\n");
      head_flush (&head);
      return;
    }

  if (content_type != NULL)
    {
      append_text (&head, "Content-Type: ");
      append_text (&head, content_type);
      append_text (&head, "\r\n");
    }
  append_text (&head, "Content-Length: ");
  append_decimal (&head, body_len);
  append_text (&head, "\r\n\r\n");
  head_flush (&head);
  append_body (out, body, body_len);
}

void
hap_http_append_event (GByteArray *out,
                       const char *json,
                       gsize       json_len)
{
  Head head;

  g_return_if_fail (out != NULL);
  g_return_if_fail (json != NULL || json_len == 0);

  /* docs/protocol.md §4.9 */
  head.out = out;
  head.len = 0;
  append_text (&head, "EVENT/1.0 200 OK\r\n"
                     "Content-Type: application/hap+json\r\n"
                     "Content-Length: ");
  append_decimal (&head, json_len);
  append_text (&head, "\r\n\r\n");
  head_flush (&head);
  append_body (out, (const guint8 *) json, json_len);
}

void
hap_http_append_request (GByteArray   *out,
                         const char   *method,
                         const char   *target,
                         const char   *host,
                         const char   *content_type,
                         const guint8 *body,
                         gsize         body_len)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (method != NULL);
  g_return_if_fail (target != NULL);
  g_return_if_fail (body != NULL || body_len == 0);

  append_printf (out, "%s %s HTTP/1.1\r\n", method, target);
  if (host != NULL)
    append_printf (out, "Host: %s\r\n", host);
  if (content_type != NULL)
    append_printf (out, "Content-Type: %s\r\n", content_type);
  /* RFC 9110 §8.6: Content-Length is sent whenever there is content or the method
   * gives content a meaning; a bodiless GET or HEAD gets none. */
  if (body_len > 0 || content_type != NULL ||
      (strcmp (method, "GET") != 0 && strcmp (method, "HEAD") != 0))
    append_printf (out, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);
  append_printf (out, "\r\n");
  append_body (out, body, body_len);
}
