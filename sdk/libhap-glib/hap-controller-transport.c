/* hap-controller-transport.c — HapControllerConnection's IP transport
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One GSocket, read without blocking whenever a socket source says it is readable;
 * responses and EVENT/1.0 messages parsed by hap-http-parser and sorted into two
 * queues that waiters (GTasks) take from; HAP framing (hap-frame) once secure. A
 * request is written without blocking too, the rest when the socket has room.
 */
#include "hap-controller-connection-private.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-json.h"
#include "hap-frame-private.h"
#include "hap-sync-private.h"

static gboolean
not_connected (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "not connected");
  return FALSE;
}

/* ---- sending ---- */

gboolean
hap_controller_connection_send_wire (HapControllerConnection *self,
                                     const guint8            *data,
                                     gsize                    len,
                                     GError                 **error)
{
  gsize done = 0;

  if (self->socket == NULL)
    return not_connected (error);
  while (done < len)
    {
      gssize n = g_socket_send (self->socket, (const char *) data + done, len - done, NULL, error);
      if (n < 0)
        {
          self->closed = TRUE;
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

GByteArray *
hap_controller_connection_encrypt (HapControllerConnection *self, const guint8 *plain, gsize len)
{
  GByteArray *out;

  if (self->codec == NULL)
    return NULL;
  out = g_byte_array_new ();
  hap_frame_codec_encrypt (self->codec, plain, len, out);
  return out;
}

gboolean
hap_controller_connection_send (HapControllerConnection *self,
                                const guint8            *data,
                                gsize                    len,
                                GError                 **error)
{
  g_autoptr(GByteArray) frames = hap_controller_connection_encrypt (self, data, len);

  if (frames != NULL)
    return hap_controller_connection_send_wire (self, frames->data, frames->len, error);
  return hap_controller_connection_send_wire (self, data, len, error);
}

/* ---- receiving ----
 *
 * Whatever the socket has is read without blocking, decrypted, parsed and queued
 * (pump_available); then the oldest waiter of each kind takes its message
 * (serve_waiters). Readiness comes from a socket source per waiter, in the waiter's
 * main context, and from the event watch that hap_controller_connection_watch_events()
 * puts in the caller's context: events then arrive while nothing else is pending. */

#define MAX_QUEUED_EVENTS 1024

typedef struct
{
  HapControllerConnection *self;
  GTask                   *task;
  gboolean                 event;
  HapDeadline             *deadline;
  GSource                 *source;
} Waiter;

static void
waiter_free (Waiter *waiter)
{
  if (waiter->source != NULL)
    g_source_destroy (waiter->source);
  g_clear_pointer (&waiter->source, g_source_unref);
  g_clear_pointer (&waiter->deadline, hap_deadline_free);
  g_free (waiter);
}

/* Takes @waiter off the list and completes it with @message or @error (one is set). */
static void
waiter_complete (Waiter *waiter, HapHttpMessage *message, GError *error)
{
  HapControllerConnection *self = waiter->self;
  g_autoptr(GTask) task = waiter->task;

  g_queue_remove (&self->waiters, waiter);
  if (error != NULL)
    hap_deadline_fix_error (waiter->deadline, error);
  waiter_free (waiter);
  if (message != NULL)
    g_task_return_pointer (task, message, (GDestroyNotify) hap_http_message_free);
  else
    g_task_return_error (task, error);
}

void
hap_controller_connection_fail_waiters (HapControllerConnection *self, const GError *error)
{
  while (self->waiters.length > 0)
    waiter_complete (g_queue_peek_head (&self->waiters), NULL, g_error_copy (error));
}

static void
serve_waiters (HapControllerConnection *self)
{
  gboolean served = TRUE;

  /* A completion may start or end other operations: look again from the start. */
  while (served)
    {
      served = FALSE;
      for (GList *l = self->waiters.head; l != NULL; l = l->next)
        {
          Waiter *waiter = l->data;
          GQueue *queue = waiter->event ? &self->events : &self->responses;

          if (queue->length > 0)
            {
              waiter_complete (waiter, g_queue_pop_head (queue), NULL);
              served = TRUE;
              break;
            }
        }
    }
}

static gboolean
is_integer (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
}

/* The characteristics of an EVENT/1.0 body, as the ::event signal gives them. */
static void
emit_events (HapControllerConnection *self, GPtrArray *bodies)
{
  g_autoptr(HapControllerConnection) hold G_GNUC_UNUSED = g_object_ref (self);

  for (guint i = 0; i < bodies->len; i++)
    {
      GBytes *body = g_ptr_array_index (bodies, i);
      gsize len;
      const char *data = g_bytes_get_data (body, &len);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = hap_json_parse (data != NULL ? data : "", (gssize) len, &error);
      JsonNode *list = NULL;
      JsonArray *array;

      if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
        list = json_object_get_member (json_node_get_object (root), "characteristics");
      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        {
          g_debug ("an event without characteristics: %s", error != NULL ? error->message : "");
          continue;
        }
      array = json_node_get_array (list);
      for (guint j = 0; j < json_array_get_length (array); j++)
        {
          JsonNode *item = json_array_get_element (array, j);
          JsonObject *object;

          if (!JSON_NODE_HOLDS_OBJECT (item))
            continue;
          object = json_node_get_object (item);
          /* An accessory's JSON: ids that are not integers are skipped, not trusted. */
          if (!is_integer (json_object_get_member (object, "aid")) ||
              !is_integer (json_object_get_member (object, "iid")) ||
              !json_object_has_member (object, "value"))
            continue;
          hap_controller_connection_emit_event (self, (guint64) json_object_get_int_member (object, "aid"),
                                                (guint64) json_object_get_int_member (object, "iid"),
                                                json_object_get_member (object, "value"));
        }
    }
}

/* Decrypts and parses @len received bytes; events' bodies go to @events. */
static gboolean
take_bytes (HapControllerConnection *self, const guint8 *buf, gsize len, GPtrArray *events, GError **error)
{
  g_autoptr(GByteArray) plain = NULL;

  if (self->broken)
    return TRUE;
  if (self->codec != NULL)
    {
      plain = g_byte_array_new ();
      if (!hap_frame_codec_decrypt (self->codec, buf, len, plain, error))
        {
          self->broken = TRUE;
          return FALSE;
        }
      buf = plain->data;
      len = plain->len;
    }
  if (self->raw != NULL)
    {
      g_byte_array_append (self->raw, buf, len);
      return TRUE;
    }
  hap_http_parser_push (self->parser, buf, len);
  for (;;)
    {
      g_autoptr(GError) parse_error = NULL;
      HapHttpMessage *message = hap_http_parser_next (self->parser, &parse_error);

      if (parse_error != NULL)
        {
          self->broken = TRUE;
          g_propagate_error (error, g_steal_pointer (&parse_error));
          return FALSE;
        }
      if (message == NULL)
        return TRUE;
      if (!message->is_event)
        {
          if (self->skip_responses > 0)
            {
              self->skip_responses--;
              hap_http_message_free (message);
              continue;
            }
          g_queue_push_tail (&self->responses, message);
          continue;
        }
      if (events != NULL)
        g_ptr_array_add (events, g_bytes_ref (message->body));
      /* Kept for hap_controller_connection_wait_event(), within bounds when nobody
       * waits: the signal has them all. */
      g_queue_push_tail (&self->events, message);
      if (self->events.length > MAX_QUEUED_EVENTS)
        hap_http_message_free (g_queue_pop_head (&self->events));
    }
}

/* Reads what the socket has without blocking. FALSE with an error when the accessory
 * closed the connection or sent what does not decode. */
static gboolean
pump_available (HapControllerConnection *self, GPtrArray *events, GError **error)
{
  guint8 buf[8192];

  if (self->socket == NULL)
    return not_connected (error);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n;

      if (self->closed)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection closed by the accessory");
          return FALSE;
        }
      n = g_socket_receive_with_blocking (self->socket, (char *) buf, sizeof buf, FALSE, NULL, &local_error);
      if (n < 0 && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return TRUE;
      if (n <= 0)
        {
          self->closed = TRUE;
          if (n < 0)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          continue;
        }
      if (!take_bytes (self, buf, (gsize) n, events, error))
        return FALSE;
    }
}

/* The socket is readable: read, hand messages to waiters, emit events. */
static gboolean
socket_readable (HapControllerConnection *self)
{
  g_autoptr(HapControllerConnection) hold G_GNUC_UNUSED = g_object_ref (self);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GError) error = NULL;
  gboolean ok = pump_available (self, events, &error);

  serve_waiters (self);
  if (!ok)
    hap_controller_connection_fail_waiters (self, error);
  emit_events (self, events);
  if (!ok && !self->closed_emitted)
    {
      self->closed_emitted = TRUE;
      hap_controller_connection_emit_closed (self, error);
    }
  return ok;
}

static gboolean
waiter_ready (GSocket *socket, GIOCondition condition, gpointer data)
{
  Waiter *waiter = data;
  GError *error = NULL;

  if (!hap_deadline_check (waiter->deadline, &error))
    {
      waiter_complete (waiter, NULL, error);
      return G_SOURCE_REMOVE;
    }
  socket_readable (waiter->self);
  return G_SOURCE_CONTINUE;
}

void
hap_controller_connection_read_message_async (HapControllerConnection *self,
                                              gboolean                 event,
                                              guint                    timeout_ms,
                                              GCancellable            *cancellable,
                                              GAsyncReadyCallback      callback,
                                              gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  GQueue *queue = event ? &self->events : &self->responses;
  GError *error = NULL;
  Waiter *waiter;

  g_task_set_source_tag (task, hap_controller_connection_read_message_async);
  if (queue->length > 0)
    {
      g_task_return_pointer (task, g_queue_pop_head (queue), (GDestroyNotify) hap_http_message_free);
      return;
    }
  if (self->socket == NULL)
    {
      not_connected (&error);
      g_task_return_error (task, error);
      return;
    }
  if (self->closed)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection closed by the accessory");
      return;
    }
  waiter = g_new0 (Waiter, 1);
  waiter->self = self;
  waiter->task = g_steal_pointer (&task);
  waiter->event = event;
  waiter->deadline = hap_deadline_new (cancellable, timeout_ms, g_task_get_context (waiter->task));
  waiter->source = g_socket_create_source (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                           hap_deadline_get_cancellable (waiter->deadline));
  g_source_set_callback (waiter->source, (GSourceFunc) (void (*) (void)) waiter_ready, waiter, NULL);
  g_source_attach (waiter->source, g_task_get_context (waiter->task));
  g_queue_push_tail (&self->waiters, waiter);
}

HapHttpMessage *
hap_controller_connection_read_message_finish (HapControllerConnection *self,
                                               GAsyncResult            *result,
                                               GError                 **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

HapHttpMessage *
hap_controller_connection_read_message (HapControllerConnection *self,
                                        gboolean                 event,
                                        guint                    timeout_ms,
                                        GCancellable            *cancellable,
                                        GError                 **error)
{
  HapSync sync;
  HapHttpMessage *message;

  hap_sync_begin (&sync);
  hap_controller_connection_read_message_async (self, event, timeout_ms, cancellable, hap_sync_done, &sync);
  message = hap_controller_connection_read_message_finish (self, hap_sync_wait (&sync), error);
  hap_sync_end (&sync);
  return message;
}

static gboolean
watch_ready (GSocket *socket, GIOCondition condition, gpointer data)
{
  g_autoptr(HapControllerConnection) self = g_object_ref (data);

  if (socket_readable (self))
    return G_SOURCE_CONTINUE;
  /* Closed or broken: waiters learnt it; the source must not spin on EOF. A handler of
   * ::closed may have closed the connection (and cleared the watch) or even subscribed
   * on a new one. */
  if (self->watch == g_main_current_source ())
    g_clear_pointer (&self->watch, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
hap_controller_connection_watch_events (HapControllerConnection *self, GMainContext *context)
{
  if (self->socket == NULL || self->closed)
    return;
  if (self->watch != NULL)
    {
      if (g_source_get_context (self->watch) == context ||
          (context == NULL && g_source_get_context (self->watch) == g_main_context_default ()))
        return;
      g_source_destroy (self->watch);
      g_clear_pointer (&self->watch, g_source_unref);
    }
  self->watch = g_socket_create_source (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  /* The source does not hold the connection: close() destroys it first. */
  g_source_set_callback (self->watch, (GSourceFunc) (void (*) (void)) watch_ready, self, NULL);
  g_source_attach (self->watch, context);
}

/* Blocking test helpers: they read the socket directly, outside any waiter. */
static gboolean
pump_wait (HapControllerConnection *self, gint64 deadline, GError **error)
{
  gint64 left = -1;

  if (self->socket == NULL)
    return not_connected (error);
  if (self->closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection closed by the accessory");
      return FALSE;
    }
  if (deadline >= 0 && (left = deadline - g_get_monotonic_time ()) <= 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
      return FALSE;
    }
  if (!g_socket_condition_timed_wait (self->socket, G_IO_IN, left, NULL, error))
    return FALSE;
  return pump_available (self, NULL, error);
}

GByteArray *
hap_controller_connection_read_raw (HapControllerConnection *self,
                                    guint                    quiet_ms,
                                    guint                    timeout_ms)
{
  GByteArray *raw = g_byte_array_new ();
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  self->raw = raw;
  while (g_get_monotonic_time () < end)
    {
      g_autoptr(GError) error = NULL;
      gint64 deadline = raw->len == 0 ? end : MIN (end, g_get_monotonic_time () + (gint64) quiet_ms * 1000);

      if (!pump_wait (self, deadline, &error))
        break;
    }
  self->raw = NULL;
  return raw;
}

gboolean
hap_controller_connection_wait_closed (HapControllerConnection *self, guint timeout_ms)
{
  gint64 deadline = timeout_ms == 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!self->closed)
    {
      g_autoptr(GError) error = NULL;

      if (!pump_wait (self, deadline, &error) &&
          (self->socket == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)))
        return FALSE;
    }
  return TRUE;
}

/* ---- one exchange ---- */

typedef struct
{
  GBytes       *request;
  gsize         written;
  GCancellable *cancellable;
  GSource      *writable;
} Exchange;

static void
exchange_free (Exchange *exchange)
{
  if (exchange->writable != NULL)
    g_source_destroy (exchange->writable);
  g_clear_pointer (&exchange->writable, g_source_unref);
  g_clear_pointer (&exchange->request, g_bytes_unref);
  g_clear_object (&exchange->cancellable);
  g_free (exchange);
}

static void
exchange_answered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  HapHttpMessage *message;

  message = hap_controller_connection_read_message_finish (HAP_CONTROLLER_CONNECTION (source), result, &error);
  if (message == NULL)
    {
      /* The answer may still come: it must not be taken for the next request's. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        HAP_CONTROLLER_CONNECTION (source)->skip_responses++;
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, message, (GDestroyNotify) hap_http_message_free);
}

/* Writes what the socket takes without blocking. TRUE while the task goes on (sent, or
 * waiting for room), FALSE once it was completed with an error. The socket is written
 * directly rather than through GOutputStream's write_all_async so that how much went out
 * is known exactly: a request cancelled before its first byte leaves the connection
 * usable, one cut in the middle does not. */
static gboolean
exchange_write (GTask *task)
{
  HapControllerConnection *self = g_task_get_source_object (task);
  Exchange *exchange = g_task_get_task_data (task);
  gsize len;
  const char *data = g_bytes_get_data (exchange->request, &len);

  while (exchange->written < len)
    {
      GError *error = NULL;
      gssize n;

      if (self->socket == NULL)
        {
          not_connected (&error);
          g_task_return_error (task, error);
          return FALSE;
        }
      if (g_cancellable_set_error_if_cancelled (exchange->cancellable, &error))
        {
          if (exchange->written > 0)
            self->closed = TRUE;
          g_task_return_error (task, error);
          return FALSE;
        }
      n = g_socket_send_with_blocking (self->socket, data + exchange->written, len - exchange->written, FALSE,
                                       NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (error);
          return TRUE;
        }
      if (n < 0)
        {
          self->closed = TRUE;
          g_task_return_error (task, error);
          return FALSE;
        }
      exchange->written += (gsize) n;
    }
  return TRUE;
}

static void
exchange_sent (GTask *task)
{
  HapControllerConnection *self = g_task_get_source_object (task);
  Exchange *exchange = g_task_get_task_data (task);
  GCancellable *cancellable = exchange->cancellable;

  hap_controller_connection_read_message_async (self, FALSE, self->timeout_ms, cancellable, exchange_answered, task);
}

static gboolean
exchange_writable (GSocket *socket, GIOCondition condition, gpointer data)
{
  GTask *task = data;
  HapControllerConnection *self = g_task_get_source_object (task);
  Exchange *exchange = g_task_get_task_data (task);

  if (!exchange_write (task))
    {
      self->writing = FALSE;
      return G_SOURCE_REMOVE;
    }
  if (exchange->written < g_bytes_get_size (exchange->request))
    return G_SOURCE_CONTINUE;
  self->writing = FALSE;
  g_clear_pointer (&exchange->writable, g_source_unref);
  exchange_sent (g_object_ref (task));
  return G_SOURCE_REMOVE;
}

void
hap_controller_connection_exchange_async (HapControllerConnection *self,
                                          const char              *method,
                                          const char              *target,
                                          const char              *content_type,
                                          const guint8            *body,
                                          gsize                    body_len,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GByteArray) frames = NULL;
  Exchange *exchange;
  GError *error = NULL;

  g_task_set_source_tag (task, hap_controller_connection_exchange_async);
  if (self->socket == NULL || self->closed)
    {
      if (self->socket == NULL)
        not_connected (&error);
      else
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection closed by the accessory");
      g_task_return_error (task, error);
      return;
    }
  if (self->writing)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "another request is being sent");
      return;
    }
  hap_http_append_request (request, method, target, self->host, content_type, body, body_len);
  frames = hap_controller_connection_encrypt (self, request->data, request->len);
  exchange = g_new0 (Exchange, 1);
  exchange->request = frames != NULL ? g_byte_array_free_to_bytes (g_steal_pointer (&frames))
                                     : g_byte_array_free_to_bytes (g_steal_pointer (&request));
  exchange->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, exchange, (GDestroyNotify) exchange_free);

  /* A request usually fits the socket buffer at once; the deadline is the answer's.
   * Requests written one after the other are pipelined: their waiters queue in the
   * same order as the answers come. */
  if (!exchange_write (task))
    return;
  if (exchange->written == g_bytes_get_size (exchange->request))
    {
      exchange_sent (g_steal_pointer (&task));
      return;
    }
  self->writing = TRUE;
  exchange->writable = g_socket_create_source (self->socket, G_IO_OUT, cancellable);
  g_source_attach (exchange->writable, g_task_get_context (task));
  g_source_set_callback (exchange->writable, (GSourceFunc) (void (*) (void)) exchange_writable,
                         g_steal_pointer (&task), g_object_unref);
}

HapHttpMessage *
hap_controller_connection_exchange_finish (HapControllerConnection *self,
                                           GAsyncResult            *result,
                                           GError                 **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

HapHttpMessage *
hap_controller_connection_exchange (HapControllerConnection *self,
                                    const char              *method,
                                    const char              *target,
                                    const char              *content_type,
                                    const guint8            *body,
                                    gsize                    body_len,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  HapSync sync;
  HapHttpMessage *message;

  hap_sync_begin (&sync);
  hap_controller_connection_exchange_async (self, method, target, content_type, body, body_len, cancellable,
                                            hap_sync_done, &sync);
  message = hap_controller_connection_exchange_finish (self, hap_sync_wait (&sync), error);
  hap_sync_end (&sync);
  return message;
}
