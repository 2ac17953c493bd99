/* quirks-http.c — HTTP framing and transport quirks (simulator/QUIRKS.md rows 9–20 and the
 * "HTTP framing" parser variants)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Request-side quirks decide in the request hook what a request gets (an error, no
 * answer, a closed connection). Response-side quirks rewrite the plaintext message in
 * the message hook, so that they stack: each one edits the head line by line and keeps
 * the line endings and header spellings it found. Formatting quirks (lower-case names,
 * no space after the colon, LF-only) therefore belong after the ones that add or remove
 * headers, and http-coalesce last, as hooks run in the order quirks were enabled.
 *
 * What hap-controller 0.10 (npm, tests/interop) makes of them, from its sources
 * (lib/transport/ip/http-connection.js and http-parser-js): it sends every request in
 * one write, with "Host: address:port" and Content-Type before Content-Length; it has no
 * request timeout, so a request that is never answered waits forever; its response
 * parser tolerates a missing reason phrase, "Name:value", HTTP/1.0, LF-only lines, every
 * chunked form (and chunked wins over Content-Length), header names in any case (it
 * never reads them) and stray bytes after a response; a response without
 * Content-Length is read until end of stream, which it never acts on, so such a
 * response (and the bare 470) never completes; and it cannot parse an EVENT/1.0 message
 * arriving where it expects a response.
 */
#include "hap-sim-quirk.h"

#include <string.h>


/* ---- the head of a plaintext message, edited line by line ------------------------- */

typedef struct
{
  GPtrArray  *lines;     /* char *, no line endings; [0] is the start line */
  gboolean    lf_only;   /* the start line ended in a bare LF */
  GByteArray *body;      /* everything after the blank line */
} Head;

static void
head_clear (Head *head)
{
  g_clear_pointer (&head->lines, g_ptr_array_unref);
  g_clear_pointer (&head->body, g_byte_array_unref);
}

/* FALSE when @message has no complete head (nothing to edit). */
static gboolean
head_parse (const GByteArray *message,
            Head             *head)
{
  const char *data = (const char *) message->data;
  gsize len = message->len;
  gsize pos = 0;

  head->lines = g_ptr_array_new_with_free_func (g_free);
  head->lf_only = FALSE;
  head->body = NULL;
  while (pos < len)
    {
      const char *nl = memchr (data + pos, '\n', len - pos);
      gsize end, line_end;

      if (nl == NULL)
        break;
      end = (gsize) (nl - data);
      line_end = end;
      if (line_end > pos && data[line_end - 1] == '\r')
        line_end--;
      else if (head->lines->len == 0)
        head->lf_only = TRUE;

      if (line_end == pos && head->lines->len > 0)
        {
          head->body = g_byte_array_sized_new ((guint) (len - end - 1));
          g_byte_array_append (head->body, message->data + end + 1, (guint) (len - end - 1));
          return TRUE;
        }
      g_ptr_array_add (head->lines, g_strndup (data + pos, line_end - pos));
      pos = end + 1;
    }
  head_clear (head);
  return FALSE;
}

/* Writes @head back into @message, with the line ending it was found with. */
static void
head_write (Head       *head,
            GByteArray *message)
{
  const char *eol = head->lf_only ? "\n" : "\r\n";

  g_byte_array_set_size (message, 0);
  for (guint i = 0; i < head->lines->len; i++)
    {
      const char *line = g_ptr_array_index (head->lines, i);
      g_byte_array_append (message, (const guint8 *) line, (guint) strlen (line));
      g_byte_array_append (message, (const guint8 *) eol, (guint) strlen (eol));
    }
  g_byte_array_append (message, (const guint8 *) eol, (guint) strlen (eol));
  g_byte_array_append (message, head->body->data, head->body->len);
}

/* Index of the first header line named @name (any case), or -1. */
static int
head_find (Head       *head,
           const char *name)
{
  gsize name_len = strlen (name);

  for (guint i = 1; i < head->lines->len; i++)
    {
      const char *line = g_ptr_array_index (head->lines, i);
      const char *colon = strchr (line, ':');

      if (colon != NULL && (gsize) (colon - line) == name_len &&
          g_ascii_strncasecmp (line, name, name_len) == 0)
        return (int) i;
    }
  return -1;
}

static const char *
head_value (Head *head,
            int   index)
{
  const char *value = strchr (g_ptr_array_index (head->lines, (guint) index), ':') + 1;

  while (*value == ' ' || *value == '\t')
    value++;
  return value;
}

/* The status code of a response's start line ("HTTP/1.1 470 …"), or 0. */
static guint
head_status (Head *head)
{
  const char *space = strchr (g_ptr_array_index (head->lines, 0), ' ');

  return space != NULL ? (guint) g_ascii_strtoull (space + 1, NULL, 10) : 0;
}

static void
replace_message (GByteArray *message,
                 const char *text)
{
  hap_sim_body_replace (message, text, strlen (text));
}

/* ---- per-connection state, and closing once the answer is written ----------------- */

/* The message hook runs before the bytes are framed and written; the write itself
 * happens right after it, synchronously. An idle on the server's context therefore runs
 * once the answer is in the socket (bar a full socket buffer, which loopback and LAN
 * tests do not reach) and closes the connection as the device did. */
typedef struct
{
  HapConnection *conn;
  GSource       *idle;      /* a close waiting for the answer to go out */
  guint64        counter;   /* the quirk's own count */
} ConnState;

static void
conn_state_free (gpointer data)
{
  ConnState *cs = data;

  if (cs->idle != NULL)
    {
      g_source_destroy (cs->idle);
      g_source_unref (cs->idle);
    }
  hap_connection_unref (cs->conn);
  g_free (cs);
}

static ConnState *
conn_state (HapSimQuirk   *quirk,
            HapConnection *conn)
{
  ConnState *cs = hap_sim_quirk_get_conn_data (quirk, conn);

  if (cs == NULL)
    {
      cs = g_new0 (ConnState, 1);
      cs->conn = hap_connection_ref (conn);
      hap_sim_quirk_set_conn_data (quirk, conn, cs, conn_state_free);
    }
  return cs;
}

static gboolean
close_soon_cb (gpointer data)
{
  ConnState *cs = data;
  g_autoptr(HapConnection) conn = hap_connection_ref (cs->conn);

  /* Closing frees @cs (the quirk's data for this connection): touch nothing after. */
  g_clear_pointer (&cs->idle, g_source_unref);
  hap_connection_close (conn);
  return G_SOURCE_REMOVE;
}

static void
close_soon (HapSimQuirk   *quirk,
            HapConnection *conn)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  ConnState *cs = conn_state (quirk, conn);

  if (cs->idle != NULL)
    return;
  cs->idle = g_idle_source_new ();
  g_source_set_callback (cs->idle, close_soon_cb, cs, NULL);
  g_source_attach (cs->idle, context);
}

/* ---- #9 single-write requests only ------------------------------------------------- */

/* homekit_python #12/#16: early devices read a request with one recv() and act on what
 * it returned, so a request split over two TCP segments went unanswered. */
static const HapSimQuirkParam single_write_params[] = {
  { "action", HAP_SIM_PARAM_STRING, "What a split request gets: no answer ever, or a closed connection",
    "hang", 0, 0, "hang|close" },
  { NULL }
};

static HapHookVerdict
single_write_request (HapSimQuirk    *quirk,
                      HapConnection  *conn,
                      HapHttpMessage *request,
                      guint          *delay_ms)
{
  if (!(request->flags & HAP_REQUEST_SPLIT))
    return HAP_HOOK_CONTINUE;
  if (g_str_equal (hap_sim_quirk_get_string (quirk, "action"), "close"))
    return HAP_HOOK_CLOSE;
  return HAP_HOOK_HANG;
}

/* ---- #10 Host header required ------------------------------------------------------ */

/* HA #32729/#32969: the Insignia NS-CH1XGO8 and Lennox S30 answered requests without a
 * Host header with an error; Lennox also rejected "Host: addr:port" while another device
 * (HA #32729) wanted the port; a long mDNS host name overflowed the Insignia's buffer.
 * hap-controller always sends "Host: address:port", so port=forbidden fails every one
 * of its requests, Pair Setup included. */
static const HapSimQuirkParam host_params[] = {
  { "port", HAP_SIM_PARAM_STRING,
    "any: Host needed, with or without :port; forbidden: a :port gets 400 (Lennox); required: Host without :port gets 400 (HA #32729)",
    "any", 0, 0, "any|forbidden|required" },
  { "max-length", HAP_SIM_PARAM_UINT,
    "A longer Host value closes the connection, as the overflowing device did (0: no limit)",
    "0", 0, 65535, NULL },
  { NULL }
};

static gboolean
host_has_port (const char *host)
{
  const char *colon;

  if (host[0] == '[')   /* "[fe80::1]:51826" */
    return strstr (host, "]:") != NULL;
  colon = strchr (host, ':');
  return colon != NULL && strchr (colon + 1, ':') == NULL;
}

static HapHookVerdict
answer_status (HapConnection *conn,
               guint          status)
{
  hap_connection_send_response (conn, status, NULL, NULL, 0);
  return HAP_HOOK_ANSWERED;
}

static HapHookVerdict
host_request (HapSimQuirk    *quirk,
              HapConnection  *conn,
              HapHttpMessage *request,
              guint          *delay_ms)
{
  const char *host = hap_http_message_get_header (request, "Host");
  const char *port = hap_sim_quirk_get_string (quirk, "port");
  guint max_length = hap_sim_quirk_get_uint (quirk, "max-length");

  if (host == NULL || host[0] == '\0')
    return answer_status (conn, 400);
  if (max_length > 0 && strlen (host) > max_length)
    return HAP_HOOK_CLOSE;
  if (g_str_equal (port, "forbidden") && host_has_port (host))
    return answer_status (conn, 400);
  if (g_str_equal (port, "required") && !host_has_port (host))
    return answer_status (conn, 400);
  return HAP_HOOK_CONTINUE;
}

/* ---- #11 minimum request size ------------------------------------------------------ */

/* HA #20885: a Lennox S30 answered "GET /accessories" with a 58-byte plaintext request
 * (Host padded with six characters) and never answered the same request at 57 bytes or
 * less; padding the Host header made it work. Only encrypted requests: Pair Verify
 * worked. */
static const HapSimQuirkParam min_size_params[] = {
  { "min-bytes", HAP_SIM_PARAM_UINT, "Encrypted requests shorter than this (whole plaintext request) get no answer",
    "58", 0, 65535, NULL },
  { "action", HAP_SIM_PARAM_STRING, "ignore: the request is dropped and later ones are served; hang: the connection answers nothing more",
    "ignore", 0, 0, "ignore|hang" },
  { NULL }
};

static HapHookVerdict
min_size_request (HapSimQuirk    *quirk,
                  HapConnection  *conn,
                  HapHttpMessage *request,
                  guint          *delay_ms)
{
  if (!hap_connection_is_secured (conn) ||
      request->length >= hap_sim_quirk_get_uint (quirk, "min-bytes"))
    return HAP_HOOK_CONTINUE;
  if (g_str_equal (hap_sim_quirk_get_string (quirk, "action"), "hang"))
    return HAP_HOOK_HANG;
  /* Answered with nothing: the request is over and the next one is served. */
  return HAP_HOOK_ANSWERED;
}

/* ---- #12 header order -------------------------------------------------------------- */

/* aiohomekit #20: the Heatmiser neoHub's parser needs Content-Length before
 * Content-Type and rejected the other order — the order hap-controller and this tree's
 * own controller send, so every PUT and POST of theirs fails, pairing included. */
static HapHookVerdict
header_order_request (HapSimQuirk    *quirk,
                      HapConnection  *conn,
                      HapHttpMessage *request,
                      guint          *delay_ms)
{
  int type_at = -1, length_at = -1;

  for (guint i = 0; i < request->headers->len; i++)
    {
      HapHttpHeader *header = &g_array_index (request->headers, HapHttpHeader, i);

      if (type_at < 0 && g_ascii_strcasecmp (header->name, "Content-Type") == 0)
        type_at = (int) i;
      else if (length_at < 0 && g_ascii_strcasecmp (header->name, "Content-Length") == 0)
        length_at = (int) i;
    }
  if (type_at >= 0 && length_at >= 0 && type_at < length_at)
    return answer_status (conn, 400);
  return HAP_HOOK_CONTINUE;
}

/* ---- #13 no pipelining ------------------------------------------------------------- */

/* d2c46fd (aiohomekit): overlapping requests "can trip up some devices (like Aqara)".
 * A request that arrives while an earlier one of the connection is still unanswered
 * closes the connection instead of the answer: the hub's one request buffer was
 * overwritten. hap-controller queues its requests (one at a time per connection), so
 * it never trips this; aiohomekit serialises them too since d2c46fd.
 *
 * The server takes requests up one by one and the hooks see a request only when its
 * turn comes, so arrival is judged by bytes: hap_connection_get_bytes_in() counts what
 * the socket delivered; the requests taken up so far account for part of it. When the
 * answer to the current request is about to go out and more bytes than that came in,
 * the next request was sent before this answer. Counting starts with the first request
 * the quirk sees on a connection; a request another quirk's request hook ended before
 * this one saw it is not counted, so enable this quirk first. */
static guint64
wire_length (HapConnection *conn,
             gsize          plain_len)
{
  /* docs/protocol.md §3.2: a frame carries up to 1024 plaintext bytes plus a 2-byte
   * length and a 16-byte tag; controllers frame each request on its own. */
  if (!hap_connection_is_secured (conn))
    return plain_len;
  return plain_len + 18 * ((plain_len + 1023) / 1024);
}

static HapHookVerdict
no_pipelining_request (HapSimQuirk    *quirk,
                       HapConnection  *conn,
                       HapHttpMessage *request,
                       guint          *delay_ms)
{
  ConnState *cs = hap_sim_quirk_get_conn_data (quirk, conn);
  guint64 length = wire_length (conn, request->length);

  /* Already judged: requests queued behind the dropped one die with the connection. */
  if (cs != NULL && cs->idle != NULL)
    return HAP_HOOK_CLOSE;
  /* counter: wire bytes of the requests taken up so far. */
  if (cs == NULL)
    {
      guint64 received = hap_connection_get_bytes_in (conn);

      cs = conn_state (quirk, conn);
      cs->counter = received > length ? received - length : 0;
    }
  cs->counter += length;
  return HAP_HOOK_CONTINUE;
}

static void
no_pipelining_message (HapSimQuirk    *quirk,
                       HapConnection  *conn,
                       HapMessageKind  kind,
                       HapHttpMessage *request,
                       GByteArray     *message)
{
  ConnState *cs = hap_sim_quirk_get_conn_data (quirk, conn);

  if (kind == HAP_MESSAGE_RAW || cs == NULL)
    return;
  if (cs->idle == NULL &&
      (kind != HAP_MESSAGE_RESPONSE || hap_connection_get_bytes_in (conn) <= cs->counter))
    return;
  g_byte_array_set_size (message, 0);
  close_soon (quirk, conn);
}

/* ---- #14 lower-case header names --------------------------------------------------- */

/* 7d37d17 (aiohomekit): a device sent "content-type:"/"content-length:"; header names
 * are case-insensitive (RFC 9110 §5.1), but hand-written parsers compare them exactly. */
static void
lowercase_message (HapSimQuirk    *quirk,
                   HapConnection  *conn,
                   HapMessageKind  kind,
                   HapHttpMessage *request,
                   GByteArray     *message)
{
  Head head;

  if (kind == HAP_MESSAGE_RAW || !head_parse (message, &head))
    return;
  for (guint i = 1; i < head.lines->len; i++)
    {
      char *line = g_ptr_array_index (head.lines, i);
      char *colon = strchr (line, ':');

      for (char *p = line; colon != NULL && p < colon; p++)
        *p = g_ascii_tolower (*p);
    }
  head_write (&head, message);
  head_clear (&head);
}

/* ---- #15 bare 470 ------------------------------------------------------------------ */

/* HA #32969 / 0481e0b: the Insignia NS-CH1XGO8 and Lennox S30 sent
 * "HTTP/1.1 470 Connection Authorization Required\r\n\r\n" — no headers, no body —
 * and did so inside an encrypted session, so a parser waiting for Content-Length (or
 * reading to end of stream, as hap-controller's does) hangs. */
#define BARE_470 "HTTP/1.1 470 Connection Authorization Required\r\n\r\n"

static const HapSimQuirkParam bare_470_params[] = {
  { "secured-after", HAP_SIM_PARAM_UINT,
    "On a verified session, the Nth request and every later one get the bare 470 (0: only where the server sends 470 anyway)",
    "0", 0, 1000000, NULL },
  { NULL }
};

static HapHookVerdict
bare_470_request (HapSimQuirk    *quirk,
                  HapConnection  *conn,
                  HapHttpMessage *request,
                  guint          *delay_ms)
{
  guint after = hap_sim_quirk_get_uint (quirk, "secured-after");
  ConnState *cs;

  if (after == 0 || !hap_connection_is_secured (conn))
    return HAP_HOOK_CONTINUE;
  cs = conn_state (quirk, conn);
  if (++cs->counter < after)
    return HAP_HOOK_CONTINUE;
  /* Goes through the message hook below like any 470. */
  return answer_status (conn, 470);
}

static void
bare_470_message (HapSimQuirk    *quirk,
                  HapConnection  *conn,
                  HapMessageKind  kind,
                  HapHttpMessage *request,
                  GByteArray     *message)
{
  Head head;

  if (kind != HAP_MESSAGE_RESPONSE || !head_parse (message, &head))
    return;
  if (head_status (&head) == 470)
    replace_message (message, BARE_470);
  head_clear (&head);
}

/* ---- #16 pairing errors as HTTP errors --------------------------------------------- */

/* e3edcd8 (aiohomekit): the Insignia and Lennox answered a failed pairing step with an
 * HTTP error status and the TLV (State, Error) in the body, where HAP wants 200. A
 * controller that stops at the status never sees the TLV error (e.g. MaxTries or
 * Busy) and reports a generic HTTP failure, as this tree's HapController does;
 * hap-controller ignores the status of pairing responses and reads the TLV anyway. */
static const HapSimQuirkParam pairing_status_params[] = {
  { "status", HAP_SIM_PARAM_UINT, "HTTP status of pairing responses that carry an Error TLV",
    "400", 400, 599, NULL },
  { NULL }
};

static void
pairing_status_response (HapSimQuirk    *quirk,
                         HapConnection  *conn,
                         HapHttpMessage *request,
                         guint          *status,
                         const char    **content_type,
                         GByteArray     *body)
{
  g_autoptr(GError) error = NULL;
  HapTlv8 *tlv;

  if (*status != 200 ||
      !(hap_sim_request_is (request, "POST", "/pair-setup") ||
        hap_sim_request_is (request, "POST", "/pair-verify") ||
        hap_sim_request_is (request, "POST", "/pairings")))
    return;
  tlv = hap_tlv8_parse (body->data, body->len, &error);
  if (tlv == NULL)
    return;
  if (hap_tlv8_get (tlv, HAP_TLV_ERROR, NULL) != NULL)
    *status = hap_sim_quirk_get_uint (quirk, "status");
  hap_tlv8_free (tlv);
}

/* ---- #17 bytes after the response -------------------------------------------------- */

/* aiohomekit #1 / PR #37: Homebridge sent a stray CRLF after a response, which a strict
 * parser takes as the start of the next message. */
static const HapSimQuirkParam trailing_params[] = {
  { "bytes", HAP_SIM_PARAM_STRING, "Bytes sent after each response, with C escapes (\\r, \\n, \\xNN…)",
    "\\r\\n", 0, 0, NULL },
  { NULL }
};

static void
trailing_message (HapSimQuirk    *quirk,
                  HapConnection  *conn,
                  HapMessageKind  kind,
                  HapHttpMessage *request,
                  GByteArray     *message)
{
  g_autofree char *bytes = NULL;

  if (kind != HAP_MESSAGE_RESPONSE || message->len == 0)
    return;
  bytes = g_strcompress (hap_sim_quirk_get_string (quirk, "bytes"));
  g_byte_array_append (message, (const guint8 *) bytes, (guint) strlen (bytes));
}

/* ---- #18 several messages in one write ---------------------------------------------- */

/* HAP-NodeJS #640 / openHAB #20089: an EVENT and the next response (or two EVENTs)
 * arrive in one TCP segment. An EVENT is held back (up to hold-ms) and written together
 * with the next message of its connection, EVENT first. hap-controller parses responses
 * with a fresh response parser per request, which fails on the leading "EVENT/1.0". */
static const HapSimQuirkParam coalesce_params[] = {
  { "hold-ms", HAP_SIM_PARAM_UINT, "How long an EVENT waits for a message to share a write with",
    "500", 1, 60000, NULL },
  { NULL }
};

typedef struct
{
  HapConnection *conn;
  GByteArray    *held;
  GSource       *timer;
} Coalesce;

static void
coalesce_free (gpointer data)
{
  Coalesce *co = data;

  if (co->timer != NULL)
    {
      g_source_destroy (co->timer);
      g_source_unref (co->timer);
    }
  g_byte_array_unref (co->held);
  hap_connection_unref (co->conn);
  g_free (co);
}

static gboolean
coalesce_timeout (gpointer data)
{
  Coalesce *co = data;
  g_autoptr(HapConnection) conn = hap_connection_ref (co->conn);
  g_autoptr(GByteArray) held = g_steal_pointer (&co->held);

  co->held = g_byte_array_new ();
  /* From the timer (which returns REMOVE) or from coalesce_disable. */
  if (co->timer != NULL)
    {
      g_source_destroy (co->timer);
      g_clear_pointer (&co->timer, g_source_unref);
    }
  /* Sending may close the connection and free @co. The raw message passes the hook
   * below untouched. */
  hap_connection_send_raw (conn, held->data, held->len);
  return G_SOURCE_REMOVE;
}

/* Turned off: held EVENTs go out now rather than never. */
static void
coalesce_disable (HapSimQuirk *quirk)
{
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);
  g_autoptr(GPtrArray) conns = NULL;

  if (server == NULL)
    return;
  conns = hap_accessory_server_dup_connections (server);
  for (guint i = 0; i < conns->len; i++)
    {
      Coalesce *co = hap_sim_quirk_get_conn_data (quirk, g_ptr_array_index (conns, i));

      if (co != NULL && co->held->len > 0)
        coalesce_timeout (co);   /* sends them; @co may be gone after */
    }
}

static void
coalesce_message (HapSimQuirk    *quirk,
                  HapConnection  *conn,
                  HapMessageKind  kind,
                  HapHttpMessage *request,
                  GByteArray     *message)
{
  Coalesce *co = hap_sim_quirk_get_conn_data (quirk, conn);

  if (kind == HAP_MESSAGE_RAW || message->len == 0)
    return;
  if (co != NULL && co->held->len > 0)
    {
      g_byte_array_prepend (message, co->held->data, co->held->len);
      g_byte_array_set_size (co->held, 0);
      if (co->timer != NULL)
        {
          g_source_destroy (co->timer);
          g_clear_pointer (&co->timer, g_source_unref);
        }
      return;
    }
  if (kind != HAP_MESSAGE_EVENT)
    return;

  if (co == NULL)
    {
      co = g_new0 (Coalesce, 1);
      co->conn = hap_connection_ref (conn);
      co->held = g_byte_array_new ();
      hap_sim_quirk_set_conn_data (quirk, conn, co, coalesce_free);
    }
  g_byte_array_append (co->held, message->data, message->len);
  g_byte_array_set_size (message, 0);
  {
    g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

    co->timer = g_timeout_source_new (hap_sim_quirk_get_uint (quirk, "hold-ms"));
    g_source_set_callback (co->timer, coalesce_timeout, co, NULL);
    g_source_attach (co->timer, context);
  }
}

/* ---- #19 bulk reads hang ------------------------------------------------------------ */

/* HA #181138: a Heatmiser neoHub never answered a GET /characteristics of 49 ids whose
 * plaintext request was exactly 1024 bytes (one full frame); aiohomekit timed out after
 * 30 s, closed and reconnected, once a minute. */
static const HapSimQuirkParam bulk_params[] = {
  { "min-ids", HAP_SIM_PARAM_UINT, "A read of at least this many ids is never answered (0: off)",
    "49", 0, 1000000, NULL },
  { "exact-bytes", HAP_SIM_PARAM_UINT, "A read whose plaintext request is exactly this long is never answered (0: off)",
    "1024", 0, 1000000, NULL },
  { NULL }
};

static HapHookVerdict
bulk_request (HapSimQuirk    *quirk,
              HapConnection  *conn,
              HapHttpMessage *request,
              guint          *delay_ms)
{
  guint min_ids = hap_sim_quirk_get_uint (quirk, "min-ids");
  guint exact = hap_sim_quirk_get_uint (quirk, "exact-bytes");
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) query = NULL;
  const char *ids;

  if (!hap_sim_request_is (request, "GET", "/characteristics"))
    return HAP_HOOK_CONTINUE;
  if (exact > 0 && request->length == exact)
    return HAP_HOOK_HANG;
  if (min_ids == 0 || !hap_http_split_target (request->target, &path, &query, NULL))
    return HAP_HOOK_CONTINUE;
  ids = g_hash_table_lookup (query, "id");
  if (ids != NULL)
    {
      guint n = 1;

      for (const char *p = ids; *p != '\0'; p++)
        n += *p == ',';
      if (n >= min_ids)
        return HAP_HOOK_HANG;
    }
  return HAP_HOOK_CONTINUE;
}

/* ---- #20 URI too long --------------------------------------------------------------- */

/* esp-homekit-sdk #30: ESP-IDF's HTTP server (CONFIG_HTTPD_MAX_URI_LEN, 512 by default)
 * answered a long GET /characteristics with "414 URI Too Long" and the text "URI is too
 * long for server to interpret", and the HomeKit session was terminated. */
#define URI_TOO_LONG_TEXT "URI is too long for server to interpret"

static const HapSimQuirkParam uri_params[] = {
  { "max-uri", HAP_SIM_PARAM_UINT, "Longest request target answered",
    "512", 1, 1000000, NULL },
  { "close", HAP_SIM_PARAM_BOOL, "Close the connection after the 414, as ESP-IDF does", "true", 0, 0, NULL },
  { NULL }
};

static HapHookVerdict
uri_request (HapSimQuirk    *quirk,
             HapConnection  *conn,
             HapHttpMessage *request,
             guint          *delay_ms)
{
  if (strlen (request->target) <= hap_sim_quirk_get_uint (quirk, "max-uri"))
    return HAP_HOOK_CONTINUE;
  hap_connection_send_response (conn, 414, "text/html", (const guint8 *) URI_TOO_LONG_TEXT,
                                strlen (URI_TOO_LONG_TEXT));
  if (hap_sim_quirk_get_bool (quirk, "close"))
    close_soon (quirk, conn);
  return HAP_HOOK_ANSWERED;
}

/* ---- parser variants: status line, header syntax, line endings ---------------------- */

static const HapSimQuirkParam no_reason_params[] = {
  { "keep-space", HAP_SIM_PARAM_BOOL, "Keep the space after the status code (\"HTTP/1.1 200 \")", "false", 0, 0, NULL },
  { NULL }
};

static void
no_reason_message (HapSimQuirk    *quirk,
                   HapConnection  *conn,
                   HapMessageKind  kind,
                   HapHttpMessage *request,
                   GByteArray     *message)
{
  Head head;
  char *start, *space, *second;

  if (kind == HAP_MESSAGE_RAW || !head_parse (message, &head))
    return;
  start = g_ptr_array_index (head.lines, 0);
  space = strchr (start, ' ');
  second = space != NULL ? strchr (space + 1, ' ') : NULL;
  if (second != NULL)
    {
      second[hap_sim_quirk_get_bool (quirk, "keep-space") ? 1 : 0] = '\0';
      head_write (&head, message);
    }
  head_clear (&head);
}

static void
no_space_message (HapSimQuirk    *quirk,
                  HapConnection  *conn,
                  HapMessageKind  kind,
                  HapHttpMessage *request,
                  GByteArray     *message)
{
  Head head;

  if (kind == HAP_MESSAGE_RAW || !head_parse (message, &head))
    return;
  for (guint i = 1; i < head.lines->len; i++)
    {
      char *line = g_ptr_array_index (head.lines, i);
      char *colon = strchr (line, ':');

      if (colon != NULL)
        {
          char *value = colon + 1;

          while (*value == ' ' || *value == '\t')
            value++;
          memmove (colon + 1, value, strlen (value) + 1);
        }
    }
  head_write (&head, message);
  head_clear (&head);
}

static void
http10_message (HapSimQuirk    *quirk,
                HapConnection  *conn,
                HapMessageKind  kind,
                HapHttpMessage *request,
                GByteArray     *message)
{
  if (kind == HAP_MESSAGE_RESPONSE && message->len >= 8 &&
      memcmp (message->data, "HTTP/1.1", 8) == 0)
    message->data[7] = '0';
}

static void
lf_only_message (HapSimQuirk    *quirk,
                 HapConnection  *conn,
                 HapMessageKind  kind,
                 HapHttpMessage *request,
                 GByteArray     *message)
{
  Head head;

  if (kind == HAP_MESSAGE_RAW || !head_parse (message, &head))
    return;
  head.lf_only = TRUE;
  head_write (&head, message);
  head_clear (&head);
}

/* ---- parser variants: body framing -------------------------------------------------- */

static const HapSimQuirkParam chunked_params[] = {
  { "style", HAP_SIM_PARAM_STRING,
    "single: one chunk; bytes: 1-byte chunks; upper-hex: 31-byte chunks, sizes in upper case (1F); extension: \";x=1\" on every size line; trailer: a trailer field after the last chunk",
    "single", 0, 0, "single|bytes|upper-hex|extension|trailer" },
  { "capital", HAP_SIM_PARAM_BOOL, "Spell it \"Transfer-Encoding: Chunked\"", "false", 0, 0, NULL },
  { NULL }
};

static void
append_text (GByteArray *out,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static void
append_text (GByteArray *out,
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

static GByteArray *
encode_chunked (const GByteArray *body,
                const char       *style)
{
  GByteArray *out = g_byte_array_sized_new (body->len + 64);
  gboolean extension = g_str_equal (style, "extension");
  gboolean upper = g_str_equal (style, "upper-hex");
  gsize chunk = body->len;

  if (g_str_equal (style, "bytes"))
    chunk = 1;
  else if (upper)
    chunk = 0x1F;

  for (gsize offset = 0; offset < body->len; offset += chunk)
    {
      gsize n = MIN (chunk, body->len - offset);

      if (upper)
        append_text (out, "%" G_GSIZE_MODIFIER "X%s\r\n", n, extension ? ";x=1" : "");
      else
        append_text (out, "%" G_GSIZE_MODIFIER "x%s\r\n", n, extension ? ";x=1" : "");
      g_byte_array_append (out, body->data + offset, (guint) n);
      g_byte_array_append (out, (const guint8 *) "\r\n", 2);
    }
  append_text (out, "0%s\r\n", extension ? ";x=1" : "");
  if (g_str_equal (style, "trailer"))
    append_text (out, "X-Trailer: end\r\n");
  g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  return out;
}

/* Chunked responses are legal HTTP/1.1 and the HomeKit ADK sends /accessories that way
 * (docs/protocol.md §4.2 table); parsers written against HAP-NodeJS often only know
 * Content-Length. */
static void
chunk_response (GByteArray *message,
                const char *style,
                gboolean    capital,
                gboolean    keep_length)
{
  g_autoptr(GByteArray) encoded = NULL;
  Head head;
  int length_at;
  char *te;

  if (!head_parse (message, &head))
    return;
  length_at = head_find (&head, "Content-Length");
  if (length_at < 0)   /* 204: no body to frame */
    {
      head_clear (&head);
      return;
    }
  te = g_strdup (capital ? "Transfer-Encoding: Chunked" : "Transfer-Encoding: chunked");
  if (keep_length)
    g_ptr_array_insert (head.lines, length_at, te);
  else
    {
      g_free (g_ptr_array_index (head.lines, (guint) length_at));
      g_ptr_array_index (head.lines, (guint) length_at) = te;
    }
  encoded = encode_chunked (head.body, style);
  g_byte_array_unref (head.body);
  head.body = g_steal_pointer (&encoded);
  head_write (&head, message);
  head_clear (&head);
}

static void
chunked_message (HapSimQuirk    *quirk,
                 HapConnection  *conn,
                 HapMessageKind  kind,
                 HapHttpMessage *request,
                 GByteArray     *message)
{
  if (kind == HAP_MESSAGE_RESPONSE)
    chunk_response (message, hap_sim_quirk_get_string (quirk, "style"),
                    hap_sim_quirk_get_bool (quirk, "capital"), FALSE);
}

/* RFC 9112 §6.3: with both, chunked wins and the message is suspicious; some parsers
 * take Content-Length, read the chunk framing as body and lose sync. */
static void
chunked_length_message (HapSimQuirk    *quirk,
                        HapConnection  *conn,
                        HapMessageKind  kind,
                        HapHttpMessage *request,
                        GByteArray     *message)
{
  if (kind == HAP_MESSAGE_RESPONSE)
    chunk_response (message, "single", TRUE, TRUE);
}

/* A body delimited by the end of the connection (RFC 9112 §6.3 rule 8): no
 * Content-Length, "Connection: close", and the connection closes after it. */
static void
no_length_message (HapSimQuirk    *quirk,
                   HapConnection  *conn,
                   HapMessageKind  kind,
                   HapHttpMessage *request,
                   GByteArray     *message)
{
  Head head;
  int length_at;

  if (kind != HAP_MESSAGE_RESPONSE || !head_parse (message, &head))
    return;
  length_at = head_find (&head, "Content-Length");
  if (length_at >= 0)
    {
      g_free (g_ptr_array_index (head.lines, (guint) length_at));
      g_ptr_array_index (head.lines, (guint) length_at) = g_strdup ("Connection: close");
      head_write (&head, message);
      close_soon (quirk, conn);
    }
  head_clear (&head);
}

static const HapSimQuirkParam wrong_length_params[] = {
  { "error", HAP_SIM_PARAM_STRING,
    "too-large: the client waits for bytes that never come (or eats the next message); too-small: the rest of the body is left over as garbage",
    "too-large", 0, 0, "too-large|too-small" },
  { "by", HAP_SIM_PARAM_UINT, "How many bytes Content-Length is off (too-small stops at 0)", "1", 1, 1000000, NULL },
  { NULL }
};

static void
wrong_length_message (HapSimQuirk    *quirk,
                      HapConnection  *conn,
                      HapMessageKind  kind,
                      HapHttpMessage *request,
                      GByteArray     *message)
{
  Head head;
  int length_at;

  if (kind != HAP_MESSAGE_RESPONSE || !head_parse (message, &head))
    return;
  length_at = head_find (&head, "Content-Length");
  if (length_at >= 0)
    {
      guint64 length = g_ascii_strtoull (head_value (&head, length_at), NULL, 10);
      guint by = hap_sim_quirk_get_uint (quirk, "by");
      char *line = g_ptr_array_index (head.lines, (guint) length_at);
      char *colon = strchr (line, ':');
      g_autofree char *name = g_strndup (line, (gsize) (colon - line));

      if (g_str_equal (hap_sim_quirk_get_string (quirk, "error"), "too-small"))
        length = length > by ? length - by : 0;
      else
        length += by;
      g_ptr_array_index (head.lines, (guint) length_at) =
        g_strdup_printf ("%s: %" G_GUINT64_FORMAT, name, length);
      g_free (line);
      head_write (&head, message);
    }
  head_clear (&head);
}

/* An EVENT/1.0 with an empty body (and Content-Length: 0), as listed in the catalog's
 * parser variants: a controller that parses every event as JSON fails on it. */
static void
empty_event_message (HapSimQuirk    *quirk,
                     HapConnection  *conn,
                     HapMessageKind  kind,
                     HapHttpMessage *request,
                     GByteArray     *message)
{
  Head head;
  int length_at;

  if (kind != HAP_MESSAGE_EVENT || !head_parse (message, &head))
    return;
  length_at = head_find (&head, "Content-Length");
  if (length_at >= 0)
    {
      char *line = g_ptr_array_index (head.lines, (guint) length_at);
      char *colon = strchr (line, ':');
      g_autofree char *name = g_strndup (line, (gsize) (colon - line));

      g_ptr_array_index (head.lines, (guint) length_at) = g_strdup_printf ("%s: 0", name);
      g_free (line);
      g_byte_array_set_size (head.body, 0);
      head_write (&head, message);
    }
  head_clear (&head);
}

/* ---- the table ---------------------------------------------------------------------- */

static const HapSimQuirkInfo http_quirks[] = {
  {
    .name = "http-single-write",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Requests not sent in one TCP write go unanswered (early HAP devices)",
    .catalog_row = 9,
    .params = single_write_params,
    .request = single_write_request,
  },
  {
    .name = "http-host-required",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Requires a Host header, with or without :port (Insignia NS-CH1XGO8, Lennox S30)",
    .catalog_row = 10,
    .params = host_params,
    .request = host_request,
  },
  {
    .name = "http-min-request-size",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Short encrypted requests get no reply until padded (Lennox iComfort S30)",
    .catalog_row = 11,
    .params = min_size_params,
    .request = min_size_request,
  },
  {
    .name = "http-strict-header-order",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Content-Type before Content-Length gets 400 (Heatmiser neoHub)",
    .catalog_row = 12,
    .request = header_order_request,
  },
  {
    .name = "http-no-pipelining",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "A request sent before the previous answer closes the connection (Aqara hub)",
    .catalog_row = 13,
    .request = no_pipelining_request,
    .message = no_pipelining_message,
  },
  {
    .name = "http-lowercase-headers",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Lower-case response header names (device in aiohomekit 7d37d17)",
    .catalog_row = 14,
    .message = lowercase_message,
  },
  {
    .name = "http-bare-470",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "470 with no headers and no body, also inside encrypted sessions (Insignia NS-CH1XGO8, Lennox S30)",
    .catalog_row = 15,
    .params = bare_470_params,
    .request = bare_470_request,
    .message = bare_470_message,
  },
  {
    .name = "http-pairing-error-status",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Pairing errors sent as HTTP 4xx with the TLV error in the body (Insignia, Lennox)",
    .catalog_row = 16,
    .params = pairing_status_params,
    .response = pairing_status_response,
  },
  {
    .name = "http-trailing-bytes",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Extra bytes after the end of each response (Homebridge, aiohomekit #1)",
    .catalog_row = 17,
    .params = trailing_params,
    .message = trailing_message,
  },
  {
    .name = "http-coalesce",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "EVENT held back and sent in one write with the next message (HAP-NodeJS #640, Netatmo CO2 sensors)",
    .catalog_row = 18,
    .params = coalesce_params,
    .disable = coalesce_disable,
    .message = coalesce_message,
  },
  {
    .name = "http-bulk-read-hang",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Never answers large bulk reads: 49 ids or a 1024-byte request (Heatmiser neoHub)",
    .catalog_row = 19,
    .params = bulk_params,
    .request = bulk_request,
  },
  {
    .name = "http-uri-too-long",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Long request targets get 414 URI Too Long and a closed session (esp-homekit-sdk bridge)",
    .catalog_row = 20,
    .params = uri_params,
    .request = uri_request,
  },
  {
    .name = "http-no-reason-phrase",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Status lines without reason phrase, \"HTTP/1.1 200\" (parser variant)",
    .catalog_row = 0,
    .params = no_reason_params,
    .message = no_reason_message,
  },
  {
    .name = "http-header-no-space",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Header fields without a space after the colon, \"Content-Length:52\" (parser variant)",
    .catalog_row = 0,
    .message = no_space_message,
  },
  {
    .name = "http-version-1-0",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Responses with an HTTP/1.0 status line (parser variant)",
    .catalog_row = 0,
    .message = http10_message,
  },
  {
    .name = "http-lf-only",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Bare LF line endings in status line and headers (parser variant)",
    .catalog_row = 0,
    .message = lf_only_message,
  },
  {
    .name = "http-chunked",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Chunked transfer coding in several shapes, as the HomeKit ADK sends /accessories (parser variant)",
    .catalog_row = 0,
    .params = chunked_params,
    .message = chunked_message,
  },
  {
    .name = "http-chunked-with-length",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "\"Transfer-Encoding: Chunked\" and Content-Length on one response (parser variant)",
    .catalog_row = 0,
    .message = chunked_length_message,
  },
  {
    .name = "http-no-content-length",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Response bodies without Content-Length, ended by closing the connection (parser variant)",
    .catalog_row = 0,
    .message = no_length_message,
  },
  {
    .name = "http-wrong-content-length",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "Content-Length too large or too small for the body (parser variant)",
    .catalog_row = 0,
    .params = wrong_length_params,
    .message = wrong_length_message,
  },
  {
    .name = "http-empty-event",
    .layer = HAP_SIM_LAYER_HTTP,
    .description = "EVENT/1.0 messages with an empty body (parser variant)",
    .catalog_row = 0,
    .message = empty_event_message,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_http (guint *n)
{
  *n = G_N_ELEMENTS (http_quirks);
  return http_quirks;
}
