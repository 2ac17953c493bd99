/* hap-controller-json.c — HTTP and JSON requests of HapControllerConnection
 * (docs/protocol.md §4.5–4.9)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each request is an exchange of hap-controller-connection.c, asynchronous on the
 * caller's main context; the blocking calls wrap the asynchronous ones
 * (hap-sync-private.h). Over Bluetooth LE the HAP-BLE link answers in the same JSON,
 * its procedures driven by D-Bus callbacks on the caller's main context too
 * (hap-controller-ble-async.c, hap-controller-ble-ops-async.c).
 */
#include "hap-controller-private.h"

#include <string.h>

#include "hap-controller-ble-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-json.h"
#include "hap-sync-private.h"

#define PAIRING_TLV8       "application/pairing+tlv8"
#define HAP_JSON           "application/hap+json"

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

  if (hap_controller_connection_get_ble (self) != NULL)
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
  if (hap_controller_connection_get_ble (self) != NULL)
    {
      JsonNode *root = hap_controller_ble_timed_write (hap_controller_connection_get_ble (self), characteristics, ttl_ms, &status, cancellable,
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
  if (hap_controller_connection_get_ble (self) != NULL)
    return hap_controller_ble_wait_event (hap_controller_connection_get_ble (self), timeout_ms, cancellable, error);
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
  if (hap_controller_connection_get_ble (self) != NULL)
    return hap_controller_ble_identify (hap_controller_connection_get_ble (self), cancellable, error);
  status = hap_controller_connection_request (self, "POST", "/identify", NULL, NULL, NULL, &body,
                                              cancellable, error);
  if (status == 0)
    return FALSE;
  if (status != 204 && status != 200)
    return set_status_error (status, body, error), FALSE;
  return TRUE;
}

/* ---- GET and PUT ---- */

typedef struct
{
  guint     status;
  JsonNode *root;
  gboolean  put;
} JsonResult;

static void
json_result_free (JsonResult *result)
{
  g_clear_pointer (&result->root, json_node_unref);
  g_free (result);
}

static GTask *
json_task_new (HapControllerConnection *self,
               gboolean                 put,
               gpointer                 tag,
               GCancellable            *cancellable,
               GAsyncReadyCallback      callback,
               gpointer                 user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  JsonResult *result = g_new0 (JsonResult, 1);

  result->put = put;
  g_task_set_source_tag (task, tag);
  g_task_set_task_data (task, result, (GDestroyNotify) json_result_free);
  return task;
}

static void
json_task_return (GTask *task, guint status, JsonNode *root, GError *error)
{
  JsonResult *result = g_task_get_task_data (task);

  result->status = status;
  if (root == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
}

static void
json_answered (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr(GTask) task = data;
  JsonResult *result = g_task_get_task_data (task);
  g_autoptr(HapHttpMessage) response = NULL;
  GError *error = NULL;
  JsonNode *root;

  response = hap_controller_connection_exchange_finish (HAP_CONTROLLER_CONNECTION (source), res, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  result->status = response->status;
  if (result->put && response->status == 204)
    root = json_node_new (JSON_NODE_NULL);
  else if (response->status != 200 && response->status != 207)
    root = (set_status_error (response->status, response->body, &error), NULL);
  else
    root = parse_json (response->body, &error);
  json_task_return (task, result->status, root, error);
}

/* Over BLE the link answers in the JSON already. */
static void
ble_answered (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  guint status = 0;
  JsonNode *root = hap_controller_ble_json_finish (res, &status, &error);

  json_task_return (task, status, root, error);
}

static JsonNode *
json_task_finish (HapControllerConnection *self, GAsyncResult *result, guint *out_status, GError **error)
{
  JsonResult *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  data = g_task_get_task_data (G_TASK (result));
  if (out_status != NULL)
    *out_status = data->status;
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hap_controller_connection_get_json_async (HapControllerConnection *self,
                                          const char              *target,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  HapControllerBle *ble;

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  g_return_if_fail (target != NULL);

  task = json_task_new (self, FALSE, hap_controller_connection_get_json_async, cancellable, callback, user_data);
  if ((ble = hap_controller_connection_get_ble (self)) != NULL)
    {
      hap_controller_ble_get_json_async (ble, target, cancellable, ble_answered, g_steal_pointer (&task));
      return;
    }
  hap_controller_connection_exchange_async (self, "GET", target, NULL, NULL, 0, cancellable, json_answered,
                                            g_steal_pointer (&task));
}

JsonNode *
hap_controller_connection_get_json_finish (HapControllerConnection *self,
                                           GAsyncResult            *result,
                                           guint                   *out_status,
                                           GError                 **error)
{
  return json_task_finish (self, result, out_status, error);
}

JsonNode *
hap_controller_connection_get_json (HapControllerConnection *self,
                                    const char              *target,
                                    guint                   *out_status,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  HapSync sync;
  JsonNode *root;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  g_return_val_if_fail (target != NULL, NULL);

  hap_sync_begin (&sync);
  hap_controller_connection_get_json_async (self, target, cancellable, hap_sync_done, &sync);
  root = hap_controller_connection_get_json_finish (self, hap_sync_wait (&sync), out_status, error);
  hap_sync_end (&sync);
  return root;
}

void
hap_controller_connection_put_json_async (HapControllerConnection *self,
                                          const char              *target,
                                          JsonNode                *body,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *text = NULL;
  HapControllerBle *ble;

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  g_return_if_fail (target != NULL);
  g_return_if_fail (body != NULL);

  task = json_task_new (self, TRUE, hap_controller_connection_put_json_async, cancellable, callback, user_data);
  if ((ble = hap_controller_connection_get_ble (self)) != NULL)
    {
      hap_controller_ble_put_json_async (ble, target, body, cancellable, ble_answered, g_steal_pointer (&task));
      return;
    }
  text = json_to_string (body, FALSE);
  hap_controller_connection_exchange_async (self, "PUT", target, HAP_JSON, (const guint8 *) text, strlen (text),
                                            cancellable, json_answered, g_steal_pointer (&task));
}

JsonNode *
hap_controller_connection_put_json_finish (HapControllerConnection *self,
                                           GAsyncResult            *result,
                                           guint                   *out_status,
                                           GError                 **error)
{
  return json_task_finish (self, result, out_status, error);
}

JsonNode *
hap_controller_connection_put_json (HapControllerConnection *self,
                                    const char              *target,
                                    JsonNode                *body,
                                    guint                   *out_status,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  HapSync sync;
  JsonNode *root;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  g_return_val_if_fail (target != NULL && body != NULL, NULL);

  hap_sync_begin (&sync);
  hap_controller_connection_put_json_async (self, target, body, cancellable, hap_sync_done, &sync);
  root = hap_controller_connection_put_json_finish (self, hap_sync_wait (&sync), out_status, error);
  hap_sync_end (&sync);
  return root;
}

/* ---- subscribing ---- */

/* "aid.iid" → numbers; FALSE for anything else. */
static gboolean
parse_id (const char *id, gint64 *aid, gint64 *iid)
{
  g_auto(GStrv) parts = g_strsplit (id, ".", -1);
  guint64 a, i;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT64, &a, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT64, &i, NULL))
    return FALSE;
  *aid = (gint64) a;
  *iid = (gint64) i;
  return TRUE;
}

/* 204, or a 207 whose items all have status 0; else the first failing status. */
static gboolean
check_subscribed (JsonNode *root, guint status, GError **error)
{
  JsonNode *list;
  JsonArray *array = NULL;

  if (status == 204 || !JSON_NODE_HOLDS_OBJECT (root))
    return TRUE;
  list = json_object_get_member (json_node_get_object (root), "characteristics");
  if (list != NULL && JSON_NODE_HOLDS_ARRAY (list))
    array = json_node_get_array (list);
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      gint64 code;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      code = json_object_get_int_member_with_default (json_node_get_object (item), "status", 0);
      if (code != 0)
        {
          g_set_error (error, HAP_STATUS_ERROR, (int) code, "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ": %d %s",
                       json_object_get_int_member_with_default (json_node_get_object (item), "aid", 0),
                       json_object_get_int_member_with_default (json_node_get_object (item), "iid", 0),
                       (int) code, hap_status_to_string ((HapStatus) code));
          return FALSE;
        }
    }
  return TRUE;
}

static void
subscribed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(JsonNode) root = NULL;
  GError *error = NULL;
  guint status = 0;

  root = hap_controller_connection_put_json_finish (HAP_CONTROLLER_CONNECTION (source), result, &status, &error);
  if (root == NULL || !check_subscribed (root, status, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
hap_controller_connection_subscribe_async (HapControllerConnection *self,
                                           const char * const      *ids,
                                           gboolean                 subscribe,
                                           GCancellable            *cancellable,
                                           GAsyncReadyCallback      callback,
                                           gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  g_return_if_fail (ids != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_controller_connection_subscribe_async);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "characteristics");
  json_builder_begin_array (builder);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      gint64 aid, iid;

      if (!parse_id (ids[i], &aid, &iid))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   "“%s” is not a characteristic id (aid.iid)", ids[i]);
          return;
        }
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "aid");
      json_builder_add_int_value (builder, aid);
      json_builder_set_member_name (builder, "iid");
      json_builder_add_int_value (builder, iid);
      json_builder_set_member_name (builder, "ev");
      json_builder_add_boolean_value (builder, subscribe);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  /* Events then reach ::event in the caller's context even when nothing else runs. */
  if (subscribe && hap_controller_connection_get_ble (self) == NULL)
    hap_controller_connection_watch_events (self, g_task_get_context (task));
  else if (subscribe)
    hap_controller_connection_watch_ble_events (self, g_task_get_context (task));
  hap_controller_connection_put_json_async (self, "/characteristics", body, cancellable, subscribed,
                                            g_steal_pointer (&task));
}

gboolean
hap_controller_connection_subscribe_finish (HapControllerConnection *self,
                                            GAsyncResult            *result,
                                            GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- TLV8 for hap-controller-pairing.c ---- */

static void
tlv_answered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(HapHttpMessage) response = NULL;
  GError *error = NULL;

  response = hap_controller_connection_exchange_finish (HAP_CONTROLLER_CONNECTION (source), result, &error);
  if (response == NULL)
    g_task_return_error (task, error);
  else if (response->status != 200)
    {
      set_status_error (response->status, response->body, &error);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, g_bytes_ref (response->body), (GDestroyNotify) g_bytes_unref);
}

static void
ble_tlv_answered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  GBytes *response = hap_controller_ble_pairing_write_finish (result, &error);

  if (response == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, response, (GDestroyNotify) g_bytes_unref);
}

void
hap_controller_connection_post_tlv_async (HapControllerConnection *self,
                                          const char              *path,
                                          GByteArray              *tlv,
                                          GCancellable            *cancellable,
                                          GAsyncReadyCallback      callback,
                                          gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  HapControllerBle *ble = hap_controller_connection_get_ble (self);

  g_task_set_source_tag (task, hap_controller_connection_post_tlv_async);
  /* docs/protocol.md §5.6: over BLE, the same TLV8 goes to 4C, 4E or 50. */
  if (ble != NULL)
    {
      const char *type = g_str_equal (path, "/pair-setup") ? "4C" : g_str_equal (path, "/pair-verify") ? "4E" : "50";

      hap_controller_ble_pairing_write_async (ble, type, tlv->data, tlv->len, cancellable, ble_tlv_answered,
                                              g_steal_pointer (&task));
      return;
    }
  hap_controller_connection_exchange_async (self, "POST", path, PAIRING_TLV8, tlv->data, tlv->len, cancellable,
                                            tlv_answered, g_steal_pointer (&task));
}

GBytes *
hap_controller_connection_post_tlv_finish (HapControllerConnection *self,
                                           GAsyncResult            *result,
                                           GError                 **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

GBytes *
hap_controller_connection_post_tlv (HapControllerConnection *self,
                                    const char              *path,
                                    GByteArray              *tlv,
                                    GCancellable            *cancellable,
                                    GError                 **error)
{
  HapSync sync;
  GBytes *response;

  hap_sync_begin (&sync);
  hap_controller_connection_post_tlv_async (self, path, tlv, cancellable, hap_sync_done, &sync);
  response = hap_controller_connection_post_tlv_finish (self, hap_sync_wait (&sync), error);
  hap_sync_end (&sync);
  return response;
}
