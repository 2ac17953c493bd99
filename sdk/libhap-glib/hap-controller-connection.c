/* hap-controller-connection.c — see hap-controller-connection.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The transport: one blocking GSocket, responses and EVENT/1.0 messages parsed by
 * hap-http-parser and sorted into two queues, HAP framing (hap-frame) once secure.
 * The pairing procedures themselves are hap-pairing-client's state machines.
 *
 * Over Bluetooth LE (hap_controller_connection_connect_ble) every call below is handed
 * to the HAP-BLE link (hap-controller-ble*.c) instead, which answers in the same JSON.
 */
#include "hap-controller-private.h"

#include <string.h>

#include "hap-controller-ble-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-json.h"
#include "hap-frame-private.h"

#define DEFAULT_TIMEOUT_MS 10000
#define PAIRING_TLV8       "application/pairing+tlv8"
#define HAP_JSON           "application/hap+json"

struct _HapControllerConnection
{
  GObject             parent_instance;

  HapController      *controller;
  guint               timeout_ms;
  char               *host;
  guint16             port;
  char               *accessory_id;

  GSocketConnection  *stream;
  GSocket            *socket;
  HapHttpParser      *parser;
  HapFrameCodec      *codec;
  GQueue              responses;
  GQueue              events;
  gboolean            closed;
  gboolean            broken;   /* a frame or message did not decode: only EOF is awaited */
  GByteArray         *raw;      /* when set, received plaintext goes here, not to the parser */

  HapControllerBle   *ble;      /* set instead of the socket over Bluetooth LE */
};

enum { PROP_0, PROP_CONTROLLER, PROP_TIMEOUT, N_PROPS };
static GParamSpec *properties[N_PROPS];

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
   * Milliseconds each blocking call may take; 0 waits forever.
   */
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXUINT, DEFAULT_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_controller_connection_init (HapControllerConnection *self)
{
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  g_queue_init (&self->responses);
  g_queue_init (&self->events);
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

gboolean
hap_controller_connection_connect (HapControllerConnection *self,
                                   const char              *host,
                                   guint16                  port,
                                   GCancellable            *cancellable,
                                   GError                 **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  hap_controller_connection_close (self);
  g_clear_pointer (&self->accessory_id, g_free);
  g_socket_client_set_timeout (client, (self->timeout_ms + 999) / 1000);
  self->stream = g_socket_client_connect_to_host (client, host, port, cancellable, error);
  if (self->stream == NULL)
    return FALSE;
  self->socket = g_socket_connection_get_socket (self->stream);
  /* The timeout applies per call (g_socket_condition_timed_wait), not per syscall. */
  g_socket_set_timeout (self->socket, 0);
  self->parser = hap_http_parser_new (HAP_HTTP_PARSE_RESPONSES);
  g_free (self->host);
  self->host = g_strdup (host);
  self->port = port;
  return TRUE;
}

gboolean
hap_controller_connection_connect_ble (HapControllerConnection *self,
                                       const char              *adapter,
                                       const char              *address,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  hap_controller_connection_close (self);
  g_clear_pointer (&self->accessory_id, g_free);
  g_clear_pointer (&self->host, g_free);
  self->port = 0;
  self->ble = hap_controller_ble_connect (adapter, address, self->timeout_ms, cancellable, error);
  return self->ble != NULL;
}

gboolean
hap_controller_connection_is_ble (HapControllerConnection *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  return self->ble != NULL;
}

HapControllerBle *
hap_controller_connection_get_ble (HapControllerConnection *self)
{
  return self->ble;
}

static gboolean
not_connected (GError **error)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "not connected");
  return FALSE;
}

/* ---- sending and receiving ---- */

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

/* Waits until @deadline (monotonic µs, -1 = forever) for bytes, decrypts and parses
 * them and queues complete messages. */
static gboolean
pump (HapControllerConnection *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  guint8 buf[8192];
  gint64 left = -1;
  gssize n;

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
  if (!g_socket_condition_timed_wait (self->socket, G_IO_IN, left, cancellable, error))
    return FALSE;
  n = g_socket_receive (self->socket, (char *) buf, sizeof buf, cancellable, error);
  if (n <= 0)
    {
      self->closed = TRUE;
      if (n == 0)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "connection closed by the accessory");
      return FALSE;
    }
  if (self->broken)
    return TRUE;

  if (self->codec != NULL)
    {
      g_autoptr(GByteArray) plain = g_byte_array_new ();

      if (!hap_frame_codec_decrypt (self->codec, buf, (gsize) n, plain, error))
        {
          self->broken = TRUE;
          return FALSE;
        }
      if (self->raw != NULL)
        g_byte_array_append (self->raw, plain->data, plain->len);
      else
        hap_http_parser_push (self->parser, plain->data, plain->len);
    }
  else if (self->raw != NULL)
    g_byte_array_append (self->raw, buf, (gsize) n);
  else
    hap_http_parser_push (self->parser, buf, (gsize) n);
  if (self->raw != NULL)
    return TRUE;

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
      g_queue_push_tail (message->is_event ? &self->events : &self->responses, message);
    }
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

      if (!pump (self, deadline, NULL, &error))
        break;
    }
  self->raw = NULL;
  return raw;
}

static gint64
deadline_after (guint timeout_ms)
{
  return timeout_ms == 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;
}

HapHttpMessage *
hap_controller_connection_read_message (HapControllerConnection *self,
                                        gboolean                 event,
                                        guint                    timeout_ms,
                                        GCancellable            *cancellable,
                                        GError                 **error)
{
  GQueue *queue = event ? &self->events : &self->responses;
  gint64 deadline = deadline_after (timeout_ms);

  while (queue->length == 0)
    if (!pump (self, deadline, cancellable, error))
      return NULL;
  return g_queue_pop_head (queue);
}

gboolean
hap_controller_connection_wait_closed (HapControllerConnection *self, guint timeout_ms)
{
  gint64 deadline = deadline_after (timeout_ms);

  while (!self->closed)
    {
      g_autoptr(GError) error = NULL;

      if (!pump (self, deadline, NULL, &error) &&
          (self->socket == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)))
        return FALSE;
    }
  return TRUE;
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
  g_autoptr(GByteArray) request = g_byte_array_new ();

  if (self->socket == NULL)
    return not_connected (error), NULL;
  hap_http_append_request (request, method, target, self->host, content_type, body, body_len);
  if (!hap_controller_connection_send (self, request->data, request->len, error))
    return NULL;
  return hap_controller_connection_read_message (self, FALSE, self->timeout_ms, cancellable, error);
}

guint
hap_controller_connection_request (HapControllerConnection *self,
                                   const char              *method,
                                   const char              *target,
                                   const char              *content_type,
                                   GBytes                  *body,
                                   GHashTable             **out_headers,
                                   GBytes                 **out_body,
                                   GCancellable            *cancellable,
                                   GError                 **error)
{
  g_autoptr(HapHttpMessage) response = NULL;
  const guint8 *data = NULL;
  gsize len = 0;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), 0);
  g_return_val_if_fail (method != NULL && target != NULL, 0);

  if (self->ble != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s %s: HAP-BLE has no HTTP requests", method, target);
      return 0;
    }

  if (body != NULL)
    data = g_bytes_get_data (body, &len);
  response = hap_controller_connection_exchange (self, method, target, content_type, data, len,
                                                 cancellable, error);
  if (response == NULL)
    return 0;
  if (out_headers != NULL)
    {
      *out_headers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      for (guint i = 0; i < response->headers->len; i++)
        {
          HapHttpHeader *h = &g_array_index (response->headers, HapHttpHeader, i);
          g_hash_table_replace (*out_headers, g_ascii_strdown (h->name, -1), g_strdup (h->value));
        }
    }
  if (out_body != NULL)
    *out_body = g_bytes_ref (response->body);
  return response->status;
}

/* ---- JSON ---- */

/* An accessory's body, with bounded nesting (hap-json.c says why). */
static JsonNode *
parse_json (GBytes *body, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  return hap_json_parse (data != NULL ? data : "", (gssize) len, error);
}

/* A failed HTTP status: HAP_STATUS_ERROR when the body names a HAP status (§4.4). */
static void
set_status_error (guint status, GBytes *body, GError **error)
{
  g_autoptr(JsonNode) root = g_bytes_get_size (body) > 0 ? parse_json (body, NULL) : NULL;

  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      json_object_has_member (json_node_get_object (root), "status"))
    {
      int code = (int) json_object_get_int_member (json_node_get_object (root), "status");
      g_set_error (error, HAP_STATUS_ERROR, code, "HTTP %u: %d %s", status, code,
                   hap_status_to_string ((HapStatus) code));
    }
  else
    g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "HTTP %u %s", status,
                 hap_http_reason_phrase (status));
}

JsonNode *
hap_controller_connection_get_json (HapControllerConnection *self,
                                    const char              *target,
                                    guint                   *out_status,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  g_autoptr(GBytes) body = NULL;
  guint status;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  if (self->ble != NULL)
    {
      JsonNode *root = hap_controller_ble_get_json (self->ble, target, &status, cancellable, error);

      if (out_status != NULL)
        *out_status = status;
      return root;
    }
  status = hap_controller_connection_request (self, "GET", target, NULL, NULL, NULL, &body,
                                              cancellable, error);
  if (out_status != NULL)
    *out_status = status;
  if (status == 0)
    return NULL;
  if (status != 200 && status != 207)
    return set_status_error (status, body, error), NULL;
  return parse_json (body, error);
}

JsonNode *
hap_controller_connection_put_json (HapControllerConnection *self,
                                    const char              *target,
                                    JsonNode                *json,
                                    guint                   *out_status,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  g_autofree char *text = NULL;
  gsize text_len;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) body = NULL;
  guint status;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  if (self->ble != NULL)
    {
      JsonNode *root = hap_controller_ble_put_json (self->ble, target, json, &status, cancellable, error);

      if (out_status != NULL)
        *out_status = status;
      return root;
    }
  text = json_to_string (json, FALSE);
  text_len = strlen (text);
  request = g_bytes_new_take (g_steal_pointer (&text), text_len);

  status = hap_controller_connection_request (self, "PUT", target, HAP_JSON, request, NULL, &body,
                                              cancellable, error);
  if (out_status != NULL)
    *out_status = status;
  if (status == 0)
    return NULL;
  if (status == 204)
    return json_node_new (JSON_NODE_NULL);
  if (status != 200 && status != 207)
    return set_status_error (status, body, error), NULL;
  return parse_json (body, error);
}

JsonNode *
hap_controller_connection_timed_write (HapControllerConnection *self,
                                       JsonNode                *characteristics,
                                       guint                    ttl_ms,
                                       guint                   *out_status,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  g_autoptr(JsonBuilder) prepare = json_builder_new ();
  g_autoptr(JsonNode) prepare_node = NULL;
  g_autoptr(JsonNode) prepared = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint64 pid;
  guint status = 0;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  g_return_val_if_fail (characteristics != NULL && JSON_NODE_HOLDS_OBJECT (characteristics), NULL);

  /* docs/protocol.md §5.6: over BLE, Timed Write + Execute Write per characteristic. */
  if (self->ble != NULL)
    {
      JsonNode *root = hap_controller_ble_timed_write (self->ble, characteristics, ttl_ms, &status, cancellable,
                                                       error);

      if (out_status != NULL)
        *out_status = status;
      return root;
    }

  /* A pid the accessory has not seen: 63 random bits (JSON integers are signed here). */
  randombytes_buf (&pid, sizeof pid);
  pid >>= 1;
  json_builder_begin_object (prepare);
  json_builder_set_member_name (prepare, "ttl");
  json_builder_add_int_value (prepare, ttl_ms);
  json_builder_set_member_name (prepare, "pid");
  json_builder_add_int_value (prepare, (gint64) pid);
  json_builder_end_object (prepare);
  prepare_node = json_builder_get_root (prepare);

  prepared = hap_controller_connection_put_json (self, "/prepare", prepare_node, &status, cancellable, error);
  if (prepared == NULL)
    {
      if (out_status != NULL)
        *out_status = status;
      return NULL;
    }
  /* docs/protocol.md §4.8: 200 with {"status":0}. */
  if (status != 200 || !JSON_NODE_HOLDS_OBJECT (prepared) ||
      json_object_get_int_member_with_default (json_node_get_object (prepared), "status", -1) != 0)
    {
      if (out_status != NULL)
        *out_status = status;
      g_set_error (error, HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE, "the accessory refused the timed write's prepare");
      return NULL;
    }

  body = json_node_copy (characteristics);
  json_object_set_int_member (json_node_get_object (body), "pid", (gint64) pid);
  return hap_controller_connection_put_json (self, "/characteristics", body, out_status, cancellable, error);
}

JsonNode *
hap_controller_connection_wait_event (HapControllerConnection *self,
                                      guint                    timeout_ms,
                                      GCancellable            *cancellable,
                                      GError                 **error)
{
  g_autoptr(HapHttpMessage) event = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  if (self->ble != NULL)
    return hap_controller_ble_wait_event (self->ble, timeout_ms, cancellable, error);
  event = hap_controller_connection_read_message (self, TRUE, timeout_ms, cancellable, &local_error);
  if (event == NULL)
    {
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return parse_json (event->body, error);
}

gboolean
hap_controller_connection_identify (HapControllerConnection *self,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  g_autoptr(GBytes) body = NULL;
  guint status;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  if (self->ble != NULL)
    return hap_controller_ble_identify (self->ble, cancellable, error);
  status = hap_controller_connection_request (self, "POST", "/identify", NULL, NULL, NULL, &body,
                                              cancellable, error);
  if (status == 0)
    return FALSE;
  if (status != 204 && status != 200)
    return set_status_error (status, body, error), FALSE;
  return TRUE;
}

/* ---- for hap-controller-pairing.c ---- */

GBytes *
hap_controller_connection_post_tlv (HapControllerConnection *self,
                                    const char              *path,
                                    GByteArray              *tlv,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  g_autoptr(HapHttpMessage) response = NULL;

  /* docs/protocol.md §5.6: over BLE, the same TLV8 goes to 4C, 4E or 50. */
  if (self->ble != NULL)
    {
      const char *type = g_str_equal (path, "/pair-setup") ? "4C" : g_str_equal (path, "/pair-verify") ? "4E" : "50";

      return hap_controller_ble_pairing_write (self->ble, type, tlv->data, tlv->len, cancellable, error);
    }
  response = hap_controller_connection_exchange (self, "POST", path, PAIRING_TLV8, tlv->data, tlv->len,
                                                 cancellable, error);
  if (response == NULL)
    return NULL;
  if (response->status != 200)
    return set_status_error (response->status, response->body, error), NULL;
  return g_bytes_ref (response->body);
}

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
