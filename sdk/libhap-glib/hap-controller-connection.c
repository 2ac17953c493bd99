/* hap-controller-connection.c — see hap-controller-connection.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The object, connecting and closing. The transport (reading, waiting, one exchange)
 * is hap-controller-transport.c, the requests hap-controller-json.c, the pairing
 * procedures (hap-pairing-client's state machines) hap-controller-pairing.c. Every
 * operation is asynchronous on the caller's thread-default main context; the blocking
 * calls run it on a private context (hap-sync-private.h).
 *
 * Over Bluetooth LE (hap_controller_connection_connect_ble) every call below is handed
 * to the HAP-BLE link (hap-controller-ble*.c) instead, which answers in the same JSON,
 * asynchronously too (hap-controller-ble-async.c); connecting over BLE is
 * hap-controller-connection-ble.c.
 */
#include "hap-controller-connection-private.h"

#include <string.h>

#include "hap-controller-ble-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-frame-private.h"
#include "hap-sync-private.h"

#define DEFAULT_TIMEOUT_MS 10000

enum { PROP_0, PROP_CONTROLLER, PROP_TIMEOUT, N_PROPS };
static GParamSpec *properties[N_PROPS];
enum { SIGNAL_EVENT, SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HapControllerConnection, hap_controller_connection, G_TYPE_OBJECT)

static void
hap_controller_connection_dispose (GObject *object)
{
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (object);

  hap_controller_connection_close (self);
  g_clear_object (&self->controller);
  G_OBJECT_CLASS (hap_controller_connection_parent_class)->dispose (object);
}

static void
hap_controller_connection_finalize (GObject *object)
{
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (object);

  g_free (self->host);
  g_free (self->accessory_id);
  G_OBJECT_CLASS (hap_controller_connection_parent_class)->finalize (object);
}

static void
hap_controller_connection_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_CONTROLLER:
      g_value_set_object (value, self->controller);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_controller_connection_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_CONTROLLER:
      self->controller = g_value_dup_object (value);
      break;
    case PROP_TIMEOUT:
      hap_controller_connection_set_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_controller_connection_class_init (HapControllerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hap_controller_connection_dispose;
  object_class->finalize = hap_controller_connection_finalize;
  object_class->get_property = hap_controller_connection_get_property;
  object_class->set_property = hap_controller_connection_set_property;

  /**
   * HapControllerConnection:controller:
   *
   * The controller whose identity and pairings the connection uses.
   */
  properties[PROP_CONTROLLER] =
    g_param_spec_object ("controller", NULL, NULL, HAP_TYPE_CONTROLLER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /**
   * HapControllerConnection:timeout:
   *
   * Milliseconds each step may take (connecting, one request's answer, one wait
   * for an event); 0 waits forever.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HapControllerConnection::event:
   * @self: the connection
   * @aid: the accessory instance id
   * @iid: the characteristic's instance id
   * @value: the new value
   *
   * A characteristic the connection subscribed to changed (one `EVENT/1.0` message
   * gives one emission per characteristic it carries; over BLE, one per indication,
   * with the value read after it). Emitted while the thread-default main context of
   * hap_controller_connection_subscribe_async()'s caller runs, or (over IP) while any
   * other call on the connection waits.
   */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_UINT64, JSON_TYPE_NODE);
  /**
   * HapControllerConnection::closed:
   * @self: the connection
   * @error: why: %G_IO_ERROR_CONNECTION_CLOSED when the accessory closed it, else what
   *   failed (a frame that does not decrypt, a malformed message)
   *
   * The connection ended while it was being read: by the event watch of
   * hap_controller_connection_subscribe_async() or by a call waiting for an answer;
   * over BLE, when BlueZ reports the link down after a subscription. Not emitted by
   * hap_controller_connection_close().
   */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
hap_controller_connection_init (HapControllerConnection *self)
{
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  g_queue_init (&self->responses);
  g_queue_init (&self->events);
  g_queue_init (&self->waiters);
}

HapControllerConnection *
hap_controller_connection_new (HapController *controller)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER (controller), NULL);
  return g_object_new (HAP_TYPE_CONTROLLER_CONNECTION, "controller", controller, NULL);
}

HapController *
hap_controller_connection_get_controller (HapControllerConnection *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  return self->controller;
}

void
hap_controller_connection_set_timeout (HapControllerConnection *self, guint timeout_ms)
{
  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  if (self->timeout_ms == timeout_ms)
    return;
  self->timeout_ms = timeout_ms;
  if (self->ble != NULL)
    hap_controller_ble_set_timeout (self->ble, timeout_ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint
hap_controller_connection_get_timeout (HapControllerConnection *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), 0);
  return self->timeout_ms;
}

gboolean
hap_controller_connection_is_secure (HapControllerConnection *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  if (self->ble != NULL)
    return hap_controller_ble_is_secure (self->ble);
  return self->codec != NULL;
}

const char *
hap_controller_connection_get_accessory_id (HapControllerConnection *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  return self->accessory_id;
}

void
hap_controller_connection_close (HapControllerConnection *self)
{
  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  g_clear_pointer (&self->ble, hap_controller_ble_free);
  if (self->waiters.length > 0)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed");

      hap_controller_connection_fail_waiters (self, error);
    }
  if (self->watch != NULL)
    g_source_destroy (self->watch);
  g_clear_pointer (&self->watch, g_source_unref);
  self->skip_responses = 0;
  self->writing = FALSE;
  self->closed_emitted = FALSE;
  if (self->stream != NULL)
    g_io_stream_close (G_IO_STREAM (self->stream), NULL, NULL);
  g_clear_object (&self->stream);
  self->socket = NULL;
  g_clear_pointer (&self->parser, hap_http_parser_free);
  g_clear_pointer (&self->codec, hap_frame_codec_free);
  g_queue_clear_full (&self->responses, (GDestroyNotify) hap_http_message_free);
  g_queue_clear_full (&self->events, (GDestroyNotify) hap_http_message_free);
  self->closed = FALSE;
  self->broken = FALSE;
}

void
hap_controller_connection_emit_event (HapControllerConnection *self, guint64 aid, guint64 iid, JsonNode *value)
{
  g_signal_emit (self, signals[SIGNAL_EVENT], 0, aid, iid, value);
}

void
hap_controller_connection_emit_closed (HapControllerConnection *self, const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
}

/* ---- connecting ---- */

static void
connected (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  HapControllerConnection *self = g_task_get_source_object (task);
  HapDeadline *deadline = g_task_get_task_data (task);
  GError *error = NULL;
  GSocketConnection *stream;

  stream = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (stream == NULL)
    {
      hap_deadline_fix_error (deadline, error);
      g_task_return_error (task, error);
      return;
    }
  hap_controller_connection_close (self);
  self->stream = stream;
  self->socket = g_socket_connection_get_socket (self->stream);
  /* Waits are bounded by deadlines (above), not by the socket. The socket itself stays
   * blocking for the test helpers' blocking writes; every receive here is explicitly
   * non-blocking. */
  g_socket_set_timeout (self->socket, 0);
  self->parser = hap_http_parser_new (HAP_HTTP_PARSE_RESPONSES);
  g_task_return_boolean (task, TRUE);
}

void
hap_controller_connection_connect_async (HapControllerConnection *self,
                                         const char              *host,
                                         guint16                  port,
                                         GCancellable            *cancellable,
                                         GAsyncReadyCallback      callback,
                                         gpointer                 user_data)
{
  g_autoptr(GSocketClient) client = NULL;
  g_autoptr(GTask) task = NULL;
  HapDeadline *deadline;

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  g_return_if_fail (host != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_controller_connection_connect_async);
  hap_controller_connection_close (self);
  g_clear_pointer (&self->accessory_id, g_free);
  g_free (self->host);
  self->host = g_strdup (host);
  self->port = port;

  deadline = hap_deadline_new (cancellable, self->timeout_ms, g_task_get_context (task));
  g_task_set_task_data (task, deadline, (GDestroyNotify) hap_deadline_free);
  client = g_socket_client_new ();
  /* Accessories are on the local network; a proxy lookup would also run in a thread. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_connect_to_host_async (client, host, port, hap_deadline_get_cancellable (deadline),
                                         connected, g_steal_pointer (&task));
}

gboolean
hap_controller_connection_connect_finish (HapControllerConnection *self,
                                          GAsyncResult            *result,
                                          GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hap_controller_connection_connect (HapControllerConnection *self,
                                   const char              *host,
                                   guint16                  port,
                                   GCancellable            *cancellable,
                                   GError                 **error)
{
  HapSync sync;
  gboolean ok;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  hap_sync_begin (&sync);
  hap_controller_connection_connect_async (self, host, port, cancellable, hap_sync_done, &sync);
  ok = hap_controller_connection_connect_finish (self, hap_sync_wait (&sync), error);
  hap_sync_end (&sync);
  return ok;
}
/* ---- for hap-controller-pairing.c ---- */

void
hap_controller_connection_set_session_keys (HapControllerConnection *self,
                                            guint8                   encrypt_key[32],
                                            guint8                   decrypt_key[32])
{
  hap_controller_connection_set_session (self, encrypt_key, decrypt_key, NULL);
}

void
hap_controller_connection_set_session (HapControllerConnection *self,
                                       guint8                   encrypt_key[32],
                                       guint8                   decrypt_key[32],
                                       const guint8            *shared_secret)
{
  if (self->ble != NULL)
    {
      hap_controller_ble_set_session (self->ble, encrypt_key, decrypt_key, shared_secret);
      return;
    }
  g_clear_pointer (&self->codec, hap_frame_codec_free);
  self->codec = hap_frame_codec_new (decrypt_key, encrypt_key);
  sodium_memzero (encrypt_key, 32);
  sodium_memzero (decrypt_key, 32);
}

void
hap_controller_connection_set_accessory_id (HapControllerConnection *self, const char *id)
{
  g_free (self->accessory_id);
  self->accessory_id = g_strdup (id);
}

const char *
hap_controller_connection_get_host (HapControllerConnection *self, guint16 *port)
{
  *port = self->port;
  return self->host;
}
