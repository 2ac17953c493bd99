/* hap-connection.c — one controller's TCP connection: bytes in and out, the switch to
 * encrypted frames, request sequencing and event delivery
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ip-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-model-private.h"

static void     on_io (gpointer user_data, GIOCondition condition);
static void     flush_events (HapConnection *conn);
static void     update_reading (HapConnection *conn);
static void     schedule_processing (HapConnection *conn);

/* Backpressure: a controller that pipelines faster than slow handlers answer, or that
 * does not read its responses, is not read from until it catches up — memory per
 * connection stays bounded: at most MAX_QUEUED_REQUESTS parsed requests, one read's
 * worth of unparsed bytes (or one request being received, up to
 * HAP_HTTP_MAX_BODY_BYTES), and MAX_PENDING_OUTPUT of unsent output plus the one
 * response that crossed it. Events wait (coalesced) while the output is over the cap. */
#define MAX_QUEUED_REQUESTS 32
#define MAX_PENDING_OUTPUT  (256 * 1024)
/* After a burst the output buffer goes back to a small one instead of keeping its peak
 * capacity; a slow reader's sent prefix is dropped once it is this large. */
#define SHRINK_OUTPUT_ABOVE (64 * 1024)
/* Fairness: one connection answers at most this many pipelined requests per main-loop
 * turn, the rest from an idle (below I/O priority). A hundred clients pipelining
 * thousands of requests each then delay another controller's request by a few hundred
 * answers, not by everything they queued. */
#define REQUESTS_PER_TURN   16

HapConnection *
_hap_connection_ref (HapConnection *conn)
{
  g_atomic_int_inc (&conn->ref_count);
  return conn;
}

void
_hap_connection_unref (HapConnection *conn)
{
  if (!g_atomic_int_dec_and_test (&conn->ref_count))
    return;

  g_assert (conn->server == NULL);
  g_clear_pointer (&conn->session, _hap_session_unref);
  g_clear_object (&conn->stream);
  g_clear_pointer (&conn->parser, hap_http_parser_free);
  g_clear_pointer (&conn->codec, hap_frame_codec_free);
  g_clear_pointer (&conn->out, hap_byte_array_wipe_free);
  g_clear_pointer (&conn->pending_events, g_ptr_array_unref);
  g_queue_clear_full (&conn->requests, (GDestroyNotify) hap_http_message_free);
  g_clear_pointer (&conn->current, hap_http_message_free);
  g_free (conn->peer);
  g_free (conn);
}

static char *
describe_peer (GSocketConnection *stream)
{
  g_autoptr(GSocketAddress) address = g_socket_connection_get_remote_address (stream, NULL);
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("unknown");
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

HapConnection *
_hap_connection_new (HapIpTransport    *ip,
                     GSocketConnection *stream)
{
  HapConnection *conn = g_new0 (HapConnection, 1);
  int one = 1;

  conn->ref_count = 1;
  conn->server = ip->server;
  conn->ip = ip;
  conn->session = _hap_session_new (ip->server, &hap_ip_transport, conn);
  conn->stream = g_object_ref (stream);
  conn->socket = g_socket_connection_get_socket (stream);
  conn->fd = g_socket_get_fd (conn->socket);
  conn->peer = describe_peer (stream);
  conn->parser = hap_http_parser_new (HAP_HTTP_PARSE_REQUESTS);
  conn->out = g_byte_array_new ();
  conn->pending_events = g_ptr_array_new ();
  g_queue_init (&conn->requests);
  conn->pairing_activity_usec = g_get_monotonic_time ();
  conn->reading = TRUE;

  /* Events are small and latency-bound: no Nagle delay (HAP-NodeJS does the same). */
  setsockopt (conn->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  g_socket_set_blocking (conn->socket, FALSE);

  conn->watch = hap_poll_group_add (ip->poll, conn->fd, G_IO_IN, on_io, conn);
  if (conn->watch == NULL)
    g_warning ("%s: cannot watch the connection: %s", conn->peer, g_strerror (errno));
  return conn;
}

/* Input ends inside a request or a frame (complete requests left in the parser by
 * backpressure do not count: they wait for us, not for the controller). */
static gboolean
has_partial_input (HapConnection *conn)
{
  return (hap_http_parser_get_pending (conn->parser) > 0 && !conn->parser_full) ||
         (conn->codec != NULL && hap_frame_codec_get_pending (conn->codec) > 0);
}

static gboolean
output_backed_up (HapConnection *conn)
{
  return conn->out->len - conn->out_offset >= MAX_PENDING_OUTPUT;
}

/* Reads while the controller is not too far ahead (backpressure): fewer than
 * MAX_QUEUED_REQUESTS parsed, none complete left in the parser, output under the cap.
 * Writes while output waits. */
static void
update_reading (HapConnection *conn)
{
  GIOCondition condition = 0;
  gboolean reading;

  if (conn->server == NULL || conn->watch == NULL)
    return;
  reading = conn->requests.length < MAX_QUEUED_REQUESTS && !conn->parser_full &&
            !output_backed_up (conn);
  if (reading)
    condition |= G_IO_IN;
  if (conn->out_offset < conn->out->len)
    condition |= G_IO_OUT;
  /* The stall clock counts only time spent waiting for the controller: it starts again
   * when reading resumes with part of a request or frame in hand. */
  if (reading && !conn->reading)
    conn->partial_since_usec = has_partial_input (conn) ? g_get_monotonic_time () : 0;
  conn->reading = reading;
  hap_poll_watch_set_condition (conn->watch, condition);
}

void
_hap_connection_close (HapConnection *conn)
{
  HapAccessoryServer *server = conn->server;
  HapIpTransport *ip = conn->ip;

  if (server == NULL)
    return;

  g_debug ("%s: connection closed", conn->peer);
  if (HAP_SERVER_HOOKS (server) != NULL && HAP_SERVER_HOOKS (server)->closed != NULL)
    HAP_SERVER_HOOKS (server)->closed (server, conn, server->hooks_data);
  g_clear_pointer (&conn->watch, hap_poll_watch_remove);
  if (conn->process_source != NULL)
    {
      g_source_destroy (conn->process_source);
      g_clear_pointer (&conn->process_source, g_source_unref);
    }
  if (conn->grew || conn->out->len > SHRINK_OUTPUT_ABOVE ||
      hap_http_parser_get_pending (conn->parser) > SHRINK_OUTPUT_ABOVE)
    _hap_ip_transport_schedule_trim (ip);
  if (conn->delay_timer != NULL)
    {
      g_source_destroy (conn->delay_timer);
      g_clear_pointer (&conn->delay_timer, g_source_unref);
    }
  if (conn->event_timer != NULL)
    {
      g_source_destroy (conn->event_timer);
      g_clear_pointer (&conn->event_timer, g_source_unref);
    }

  /* Subscriptions, pairing procedures and keys go with the session. */
  g_ptr_array_set_size (conn->pending_events, 0);
  _hap_session_close (conn->session);
  g_clear_pointer (&conn->codec, hap_frame_codec_free);   /* it borrowed the session's cipher */
  g_io_stream_close (G_IO_STREAM (conn->stream), NULL, NULL);
  conn->server = NULL;
  conn->ip = NULL;
  _hap_ip_transport_remove_connection (ip, conn);   /* drops the transport's reference */
}

void
_hap_connection_drop (HapConnection *conn, const char *reason)
{
  if (conn->server == NULL)
    return;
  g_debug ("%s: closing: %s", conn->peer, reason);
  _hap_connection_close (conn);
}

/* Writes as much of conn->out as the socket takes now. Plain send(2) on the fd: a
 * would-block is the common case under load and GSocket would allocate a GError for it. */
static void
flush_output (HapConnection *conn)
{
  while (conn->out_offset < conn->out->len)
    {
      gssize n = send (conn->fd, conn->out->data + conn->out_offset,
                       conn->out->len - conn->out_offset, MSG_NOSIGNAL);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
          g_debug ("%s: send failed: %s", conn->peer, g_strerror (errno));
          _hap_connection_close (conn);
          return;
        }
      conn->out_offset += (gsize) n;
      conn->bytes_out += (guint64) n;
    }

  if (conn->out_offset == conn->out->len)
    {
      if (conn->out->len > SHRINK_OUTPUT_ABOVE)
        {
          /* A burst is over: do not keep its capacity for the life of the connection. */
          hap_byte_array_wipe_free (conn->out);
          conn->out = g_byte_array_new ();
          conn->grew = TRUE;
        }
      else
        {
          sodium_memzero (conn->out->data, conn->out->len);
          g_byte_array_set_size (conn->out, 0);
        }
      conn->out_offset = 0;
      if (conn->close_after_flush)
        {
          _hap_connection_close (conn);
          return;
        }
      if (!conn->busy && (conn->requests.length > 0 || conn->parser_full))
        schedule_processing (conn);
    }
  else if (conn->out_offset >= SHRINK_OUTPUT_ABOVE && conn->out_offset > conn->out->len / 2)
    {
      /* A slow reader: drop what it has read, or the buffer would only grow. */
      sodium_memzero (conn->out->data, conn->out_offset);
      g_byte_array_remove_range (conn->out, 0, (guint) conn->out_offset);
      conn->out_offset = 0;
      conn->grew = TRUE;
    }

  /* Events held while the output was over the cap go out now that it is not. */
  if (!output_backed_up (conn) && conn->pending_events->len > 0 && !conn->busy &&
      conn->event_timer == NULL)
    flush_events (conn);
  if (conn->server != NULL)
    update_reading (conn);
}

void
_hap_connection_send (HapConnection *conn, const guint8 *data, gsize len)
{
  if (conn->server == NULL)
    return;
  if (conn->codec != NULL)
    hap_frame_codec_encrypt (conn->codec, data, len, conn->out);
  else
    g_byte_array_append (conn->out, data, len);
  flush_output (conn);
}

/* Passes a whole plaintext message through the message hook, then sends it. */
static void
send_message (HapConnection *conn, HapMessageKind kind, GByteArray *message)
{
  HapAccessoryServer *server = conn->server;

  if (server == NULL)
    return;
  if (HAP_SERVER_HOOKS (server) != NULL && HAP_SERVER_HOOKS (server)->message != NULL && !conn->in_hook)
    {
      _hap_connection_ref (conn);
      conn->in_hook = TRUE;
      HAP_SERVER_HOOKS (server)->message (server, conn, kind, kind == HAP_MESSAGE_EVENT ? NULL : conn->current,
                              message, server->hooks_data);
      conn->in_hook = FALSE;
      if (message->len > 0)
        _hap_connection_send (conn, message->data, message->len);
      _hap_connection_unref (conn);
      return;
    }
  if (message->len > 0)
    _hap_connection_send (conn, message->data, message->len);
}

/* A kept buffer larger than this is let go: one big answer (a large database) should
 * not stay allocated for the connection's lifetime. */
#define KEEP_BUFFER_MAX 4096

GString *
_hap_connection_take_buffer (HapConnection *conn,
                             HapBuffer      which)
{
  GString *buffer = conn->ip != NULL ? g_steal_pointer (&conn->ip->buffers[which]) : NULL;

  if (buffer == NULL)
    return g_string_sized_new (256);
  g_string_truncate (buffer, 0);
  return buffer;
}

void
_hap_connection_keep_buffer (HapConnection *conn,
                             HapBuffer      which,
                             GString       *buffer)
{
  /* The slot is looked up again: the connection may have closed meanwhile. */
  if (conn->ip != NULL && conn->ip->buffers[which] == NULL && buffer->allocated_len <= KEEP_BUFFER_MAX)
    conn->ip->buffers[which] = buffer;
  else
    g_string_free (buffer, TRUE);
}

/* The same for plaintext bytes, which are wiped before they are kept or freed. */
static GByteArray *
take_plain_buffer (HapConnection  *conn,
                   HapPlainBuffer  which)
{
  GByteArray *buffer = conn->ip != NULL ? g_steal_pointer (&conn->ip->plain[which]) : NULL;

  return buffer != NULL ? buffer : g_byte_array_new ();
}

static void
keep_plain_buffer (HapConnection  *conn,
                   HapPlainBuffer  which,
                   GByteArray     *buffer)
{
  /* Kept when what it holds now is small. Only those bytes are wiped, as when each
   * answer had its own buffer. */
  if (conn->ip != NULL && conn->ip->plain[which] == NULL && buffer->len <= KEEP_BUFFER_MAX)
    {
      sodium_memzero (buffer->data, buffer->len);
      g_byte_array_set_size (buffer, 0);
      conn->ip->plain[which] = buffer;
    }
  else
    {
      hap_byte_array_wipe_free (buffer);
    }
}

void
_hap_connection_send_response (HapConnection *conn,
                               guint          status,
                               const char    *content_type,
                               const guint8  *body,
                               gsize          len)
{
  HapAccessoryServer *server = conn->server;
  GByteArray *copy = NULL;
  GByteArray *message;

  if (server == NULL)
    return;
  /* Sending may drop the last other reference. */
  _hap_connection_ref (conn);
  if (HAP_SERVER_HOOKS (server) != NULL && HAP_SERVER_HOOKS (server)->response != NULL && !conn->in_hook)
    {
      copy = take_plain_buffer (conn, HAP_PLAIN_HOOK);
      g_byte_array_append (copy, body, (guint) len);
      conn->in_hook = TRUE;
      HAP_SERVER_HOOKS (server)->response (server, conn, conn->current, &status, &content_type, copy,
                               server->hooks_data);
      conn->in_hook = FALSE;
      body = copy->data;
      len = copy->len;
    }

  message = take_plain_buffer (conn, HAP_PLAIN_MESSAGE);
  hap_http_append_response (message, status, content_type, body, len);
  send_message (conn, HAP_MESSAGE_RESPONSE, message);
  keep_plain_buffer (conn, HAP_PLAIN_MESSAGE, message);
  if (copy != NULL)
    keep_plain_buffer (conn, HAP_PLAIN_HOOK, copy);
  _hap_connection_unref (conn);
}

static gboolean
on_delay_done (gpointer user_data)
{
  HapConnection *conn = user_data;

  g_clear_pointer (&conn->delay_timer, g_source_unref);
  if (conn->server != NULL && conn->current != NULL)
    _hap_connection_handle_request (conn, conn->current);
  return G_SOURCE_REMOVE;
}

/* The request hook (hap-inspection.h) may answer, delay, hang or close instead. */
static void
dispatch_request (HapConnection *conn)
{
  HapAccessoryServer *server = conn->server;
  HapHookVerdict verdict = HAP_HOOK_CONTINUE;
  guint delay_ms = 0;

  /* The idle and pairing timers run from the last pairing step (hap-ip-transport.c). */
  if (g_str_has_prefix (conn->current->target, "/pair-setup") ||
      g_str_has_prefix (conn->current->target, "/pair-verify"))
    conn->pairing_activity_usec = g_get_monotonic_time ();
  if (HAP_SERVER_HOOKS (server) != NULL && HAP_SERVER_HOOKS (server)->request != NULL)
    verdict = HAP_SERVER_HOOKS (server)->request (server, conn, conn->current, &delay_ms, server->hooks_data);
  if (conn->server == NULL)
    return;
  switch (verdict)
    {
    case HAP_HOOK_CONTINUE:
      _hap_connection_handle_request (conn, conn->current);
      break;
    case HAP_HOOK_ANSWERED:
      _hap_connection_request_done (conn);
      break;
    case HAP_HOOK_HANG:
      break;
    case HAP_HOOK_CLOSE:
      _hap_connection_close (conn);
      break;
    case HAP_HOOK_DELAY:
      conn->delay_timer = g_timeout_source_new (delay_ms);
      g_source_set_callback (conn->delay_timer, on_delay_done, _hap_connection_ref (conn),
                             (GDestroyNotify) _hap_connection_unref);
      g_source_attach (conn->delay_timer, server->context);
      break;
    default:
      g_assert_not_reached ();
    }
}

static gboolean parse_requests (HapConnection *conn);

static void
process_requests (HapConnection *conn)
{
  guint answered = 0;

  _hap_connection_ref (conn);
  while (conn->server != NULL && !conn->busy && !output_backed_up (conn))
    {
      HapHttpMessage *request;

      /* Requests left in the parser by backpressure come in order, after the queue. */
      if (conn->requests.length == 0 && conn->parser_full && !parse_requests (conn))
        break;
      if (answered++ == REQUESTS_PER_TURN)
        {
          if (conn->requests.length > 0)
            schedule_processing (conn);
          break;
        }
      request = g_queue_pop_head (&conn->requests);
      if (request == NULL)
        break;
      conn->busy = TRUE;
      conn->n_requests++;
      g_clear_pointer (&conn->current, hap_http_message_free);
      conn->current = request;
      dispatch_request (conn);
    }
  update_reading (conn);
  _hap_connection_unref (conn);
}

static gboolean
process_requests_idle (gpointer user_data)
{
  HapConnection *conn = user_data;

  g_clear_pointer (&conn->process_source, g_source_unref);
  process_requests (conn);
  return G_SOURCE_REMOVE;
}

static void
schedule_processing (HapConnection *conn)
{
  if (conn->server == NULL || conn->process_source != NULL)
    return;
  /* Later requests run from the main loop so a long pipeline cannot recurse. One idle
   * per connection: one per answered request piled up by the hundred thousand under a
   * pipelining client (each holding a reference). */
  conn->process_source = g_idle_source_new ();
  g_source_set_callback (conn->process_source, process_requests_idle,
                         _hap_connection_ref (conn), (GDestroyNotify) _hap_connection_unref);
  g_source_attach (conn->process_source, conn->server->context);
}

void
_hap_connection_request_done (HapConnection *conn)
{
  conn->busy = FALSE;
  g_clear_pointer (&conn->current, hap_http_message_free);
  if (conn->server == NULL)
    return;
  /* HAP §6.8: events wait while a response is in flight, then go out. */
  if (conn->pending_events->len > 0 && conn->event_timer == NULL)
    flush_events (conn);
  if (conn->server != NULL && !conn->busy && (conn->requests.length > 0 || conn->parser_full) &&
      !output_backed_up (conn))
    schedule_processing (conn);
}

/* Moves complete requests out of the parser, up to MAX_QUEUED_REQUESTS queued (the rest
 * wait there: parser_full). A malformed one gets 400 and the connection closes: the
 * byte stream can no longer be trusted to be in sync. */
static gboolean
parse_requests (HapConnection *conn)
{
  conn->parser_full = FALSE;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      HapHttpMessage *request;

      if (conn->requests.length >= MAX_QUEUED_REQUESTS)
        {
          conn->parser_full = hap_http_parser_get_pending (conn->parser) > 0;
          return TRUE;
        }
      request = hap_http_parser_next (conn->parser, &error);
      if (request != NULL)
        {
          g_queue_push_tail (&conn->requests, request);
          conn->n_parsed++;
          continue;
        }
      if (error == NULL)
        return TRUE;

      g_debug ("%s: bad request: %s", conn->peer, error->message);
      conn->close_after_flush = TRUE;
      if (g_error_matches (error, HAP_ERROR, HAP_ERROR_TOO_LARGE))
        _hap_connection_send_response (conn, 413, NULL, NULL, 0);
      else
        _hap_connection_send_response (conn, 400, NULL, NULL, 0);
      return FALSE;
    }
}

static void
mark_split (HapConnection *conn, guint queued, gboolean partial)
{
  HapHttpMessage *first = g_queue_peek_nth (&conn->requests, queued);

  if (partial && first != NULL)
    first->flags |= HAP_REQUEST_SPLIT;
}

/* The stall clock (hap-ip-transport.c) starts when input ends inside a request or a
 * frame and restarts whenever a request completes: a controller streaming pipelined
 * requests makes progress although its reads rarely end on a boundary; one that sends
 * a body shorter than its Content-Length, or part of a frame, does not. */
static void
note_partial_input (HapConnection *conn, guint64 parsed_before)
{
  if (!has_partial_input (conn))
    conn->partial_since_usec = 0;
  else if (conn->partial_since_usec == 0 || conn->n_parsed != parsed_before)
    conn->partial_since_usec = g_get_monotonic_time ();
}

static void
read_once (HapConnection *conn)
{
  guint8 *recv_buffer = conn->ip->recv_buffer;
  gboolean partial = FALSE;
  guint queued = 0;
  guint64 parsed = conn->n_parsed;
  gssize n;

  n = recv (conn->fd, recv_buffer, HAP_POLL_GROUP_BUFFER_SIZE, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
    return;
  if (n > 0)
    {
      conn->bytes_in += (guint64) n;
      /* A request that began in an earlier read arrived split (HAP_REQUEST_SPLIT). */
      partial = hap_http_parser_get_pending (conn->parser) > 0 ||
                (conn->codec != NULL && hap_frame_codec_get_pending (conn->codec) > 0);
      queued = conn->requests.length;
    }

  if (n <= 0)
    {
      _hap_connection_close (conn);
    }
  else if (conn->close_after_flush)
    {
      /* Answered with an error and closing: ignore further input. */
    }
  else if (conn->codec != NULL)
    {
      g_autoptr(GError) error = NULL;
      GByteArray *plain = take_plain_buffer (conn, HAP_PLAIN_RECV);

      /* HAP §6.5.2: a frame that fails to authenticate closes this connection only. */
      if (!hap_frame_codec_decrypt (conn->codec, recv_buffer, (gsize) n, plain, &error))
        {
          keep_plain_buffer (conn, HAP_PLAIN_RECV, plain);
          g_debug ("%s: closing: %s", conn->peer, error->message);
          _hap_connection_close (conn);
        }
      else
        {
          hap_http_parser_push (conn->parser, plain->data, plain->len);
          /* The parser has its own copy. */
          keep_plain_buffer (conn, HAP_PLAIN_RECV, plain);
          if (parse_requests (conn))
            {
              mark_split (conn, queued, partial);
              process_requests (conn);
            }
        }
    }
  else
    {
      hap_http_parser_push (conn->parser, recv_buffer, (gsize) n);
      if (parse_requests (conn))
        {
          mark_split (conn, queued, partial);
          process_requests (conn);
        }
    }
  sodium_memzero (recv_buffer, (gsize) MAX (n, 0));
  if (conn->server != NULL)
    note_partial_input (conn, parsed);
}

static void
on_io (gpointer user_data, GIOCondition condition)
{
  HapConnection *conn = user_data;

  _hap_connection_ref (conn);
  if (condition & G_IO_OUT)
    flush_output (conn);
  if (conn->server != NULL && conn->watch != NULL &&
      (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    {
      if (hap_poll_watch_get_condition (conn->watch) & G_IO_IN)
        read_once (conn);
      else if (condition & (G_IO_HUP | G_IO_ERR))
        _hap_connection_close (conn);   /* gone while we were not reading: nobody to answer */
    }
  _hap_connection_unref (conn);
}

void
_hap_connection_secured (HapConnection *conn)
{
  HapAccessoryServer *server = conn->server;

  /* docs/protocol.md §3.3: frames are sealed with the session's keys from now on. */
  _hap_session_secure (conn->session);
  conn->codec = hap_frame_codec_new_for_cipher (&conn->session->cipher);
  g_debug ("%s: session secured%s", conn->peer, conn->session->pairing.transient ? " (transient)" : "");
  if (HAP_SERVER_HOOKS (server) != NULL && HAP_SERVER_HOOKS (server)->secured != NULL)
    HAP_SERVER_HOOKS (server)->secured (server, conn, server->hooks_data);
}

/* Sends every pending event in one EVENT/1.0 message with the current values. */
static void
flush_events (HapConnection *conn)
{
  g_autoptr(GString) json = NULL;

  if (conn->server == NULL || conn->pending_events->len == 0)
    return;
  if (conn->busy)
    return;   /* sent by _hap_connection_request_done */
  if (output_backed_up (conn))
    return;   /* sent by flush_output once the controller reads again */

  json = g_string_sized_new (64 + 48 * conn->pending_events->len);
  g_string_append (json, "{\"characteristics\":[");
  for (guint i = 0; i < conn->pending_events->len; i++)
    {
      HapCharacteristic *characteristic = g_ptr_array_index (conn->pending_events, i);
      HapService *service = hap_characteristic_get_service (characteristic);
      HapAccessory *accessory = service ? hap_service_get_accessory (service) : NULL;

      if (accessory == NULL)
        continue;
      if (json->str[json->len - 1] == '}')
        g_string_append_c (json, ',');
      g_string_append (json, "{\"aid\":");
      _hap_string_append_uint64 (json, hap_accessory_get_aid (accessory));
      g_string_append (json, ",\"iid\":");
      _hap_string_append_uint64 (json, hap_characteristic_get_iid (characteristic));
      g_string_append (json, ",\"value\":");
      hap_json_append_value (json, hap_characteristic_get_format (characteristic),
                             hap_characteristic_get_value (characteristic));
      g_string_append_c (json, '}');
    }
  g_string_append (json, "]}");
  g_ptr_array_set_size (conn->pending_events, 0);
  conn->last_event_usec = g_get_monotonic_time ();

  {
    g_autoptr(GByteArray) message = g_byte_array_sized_new (json->len + 96);
    hap_http_append_event (message, json->str, json->len);
    send_message (conn, HAP_MESSAGE_EVENT, message);
  }
}

static gboolean
on_event_timer (gpointer user_data)
{
  HapConnection *conn = user_data;

  g_clear_pointer (&conn->event_timer, g_source_unref);
  _hap_connection_ref (conn);
  flush_events (conn);
  _hap_connection_unref (conn);
  return G_SOURCE_REMOVE;
}

void
_hap_connection_queue_event (HapConnection     *conn,
                             HapCharacteristic *characteristic)
{
  HapAccessoryServer *server = conn->server;
  gint64 window, now, due;

  if (server == NULL)
    return;
  if (!g_ptr_array_find (conn->pending_events, characteristic, NULL))
    g_ptr_array_add (conn->pending_events, characteristic);

  /* docs/protocol.md §4.9: Programmable Switch Event is delivered at once. Otherwise a
   * connection gets at most one EVENT per window: the first change after a quiet window
   * goes out now, later ones are coalesced until the window ends. */
  window = (gint64) server->event_window_ms * 1000;
  now = g_get_monotonic_time ();
  due = conn->last_event_usec + window;
  if (hap_characteristic_is_event_only (characteristic) || window == 0 || now >= due)
    {
      if (conn->event_timer != NULL)
        {
          g_source_destroy (conn->event_timer);
          g_clear_pointer (&conn->event_timer, g_source_unref);
        }
      flush_events (conn);
      return;
    }
  if (conn->event_timer == NULL)
    {
      conn->event_timer = g_timeout_source_new ((guint) ((due - now + 999) / 1000));
      g_source_set_callback (conn->event_timer, on_event_timer, conn, NULL);
      g_source_attach (conn->event_timer, server->context);
    }
}

/* ---- hap-inspection.h ------------------------------------------------------------ */

/* Not built with -Dinspection=false: nothing inside the library calls these. */
#if HAP_ENABLE_INSPECTION

HapConnection *
hap_connection_ref (HapConnection *conn)
{
  return _hap_connection_ref (conn);
}

void
hap_connection_unref (HapConnection *conn)
{
  _hap_connection_unref (conn);
}

HapAccessoryServer *
hap_connection_get_server (HapConnection *conn)
{
  return conn->server;
}

guint64
hap_connection_get_id (HapConnection *conn)
{
  return conn->session->id;
}

const char *
hap_connection_get_peer (HapConnection *conn)
{
  return conn->peer;
}

const char *
hap_connection_get_controller_id (HapConnection *conn)
{
  return _hap_session_get_controller_id (conn->session);
}

gboolean
hap_connection_is_secured (HapConnection *conn)
{
  return _hap_session_is_secured (conn->session);
}

gint64
hap_connection_get_connected_time (HapConnection *conn)
{
  return conn->session->established_usec;
}

gint64
hap_connection_get_secured_time (HapConnection *conn)
{
  return conn->session->secured_usec;
}

guint64
hap_connection_get_n_requests (HapConnection *conn)
{
  return conn->n_requests;
}

guint64
hap_connection_get_bytes_in (HapConnection *conn)
{
  return conn->bytes_in;
}

guint64
hap_connection_get_bytes_out (HapConnection *conn)
{
  return conn->bytes_out;
}

GBytes *
hap_connection_seal_pair_setup_data (HapConnection *conn,
                                     const guint8  *data,
                                     gsize          len)
{
  static const guint8 zeros[32] = { 0 };
  static const guint8 nonce4[8] = { 'P', 'S', '-', 'M', 's', 'g', '0', '4' };
  HapPairingSession *pairing;
  guint8 *cipher;

  g_return_val_if_fail (conn != NULL, NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  pairing = &conn->session->pairing;
  if (pairing->setup_state != 4 || sodium_memcmp (pairing->setup_key, zeros, 32) == 0)
    return NULL;
  cipher = g_malloc (len + HAP_AEAD_TAG_LEN);
  hap_aead_encrypt (pairing->setup_key, nonce4, NULL, 0, data, len, cipher);
  return g_bytes_new_take (cipher, len + HAP_AEAD_TAG_LEN);
}

GPtrArray *
hap_connection_dup_subscriptions (HapConnection *conn)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer characteristic;

  g_hash_table_iter_init (&iter, conn->session->subscriptions);
  while (g_hash_table_iter_next (&iter, &characteristic, NULL))
    g_ptr_array_add (out, g_object_ref (characteristic));
  return out;
}

void
hap_connection_send_response (HapConnection *conn,
                              guint          status,
                              const char    *content_type,
                              const guint8  *body,
                              gsize          len)
{
  _hap_connection_send_response (conn, status, content_type, body, len);
}

void
hap_connection_send_raw (HapConnection *conn, const guint8 *data, gsize len)
{
  g_autoptr(GByteArray) message = g_byte_array_sized_new ((guint) len);

  g_byte_array_append (message, data, (guint) len);
  send_message (conn, HAP_MESSAGE_RAW, message);
}

void
hap_connection_queue_event (HapConnection *conn, HapCharacteristic *characteristic)
{
  _hap_connection_queue_event (conn, characteristic);
}

void
hap_connection_request_done (HapConnection *conn)
{
  if (conn->busy)
    _hap_connection_request_done (conn);
}

void
hap_connection_close (HapConnection *conn)
{
  _hap_connection_close (conn);
}
#endif /* HAP_ENABLE_INSPECTION */
