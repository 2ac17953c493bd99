/* hap-controller-ble-ops-async.c — GET and PUT /characteristics over a HAP-BLE link
 * without blocking (hap-controller-ble-ops.c has the blocking twins and the mapping)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One entry after the other, each a short chain of procedures of
 * hap-controller-ble-async.c: the Characteristic Signature Read when it is not cached,
 * then the read, the write, or StartNotify/StopNotify for "ev" (§5.12). GET
 * /accessories is hap-controller-ble-accessories.c's.
 */
#include "hap-controller-ble-internal.h"

#include <string.h>

#include "hap-ble-json-private.h"
#include "hap-ble-le-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"
#include "hap-tlv8-private.h"

typedef struct
{
  HapControllerBle           *ble;
  gboolean                    put;
  GArray                     *ids;        /* GET: aid, iid pairs */
  HapJsonFlags                flags;
  JsonNode                   *body;       /* PUT */
  JsonArray                  *entries;
  guint                       index;      /* of the entry being done */
  GArray                      *results;   /* HapBleCharacteristicResult */
  HapBleCharacteristicResult  current;
  HapFormat                   format;     /* of the current characteristic */
  JsonNode                   *value;      /* PUT: the current entry's, or NULL */
  gboolean                    want_response;
  guint                       status;
} JsonOp;

static void
json_op_free (JsonOp *op)
{
  _hap_controller_ble_unref (op->ble);
  g_clear_pointer (&op->ids, g_array_unref);
  g_clear_pointer (&op->body, json_node_unref);
  hap_ble_characteristic_result_clear (&op->current);
  g_clear_pointer (&op->results, g_array_unref);
  g_free (op);
}

static void next_entry (GTask *task);

/* The current entry is done (with its status): on to the next. Takes @task. */
static void
entry_done (GTask *task)
{
  JsonOp *op = g_task_get_task_data (task);

  g_array_append_val (op->results, op->current);
  memset (&op->current, 0, sizeof op->current);
  op->index++;
  next_entry (task);
}

/* Takes @task and @error. */
static void
op_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* A signature that did not come: a refusing status ends the entry with it, anything
 * else the operation. Takes @task and @error. */
static void
signature_failed (GTask *task, GError *error)
{
  JsonOp *op = g_task_get_task_data (task);

  if (error->domain != HAP_STATUS_ERROR)
    return op_fail (task, error);
  op->current.status = error->code;
  g_error_free (error);
  entry_done (task);
}

/* ---- reading ---- */

static void
value_read (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  JsonOp *op = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) value = NULL;
  GError *error = NULL;
  guint16 iid = (guint16) op->current.iid;
  guint8 pdu_status;

  if (!hap_controller_ble_transaction_finish (result, &pdu_status, &body, &error))
    return op_fail (task, error);
  if ((op->current.status = hap_ble_status_to_hap (pdu_status)) != HAP_STATUS_SUCCESS)
    return entry_done (task);
  if ((value = _hap_controller_ble_response_value (body, iid, &error)) == NULL ||
      (op->current.value = hap_ble_value_decode (op->format, g_bytes_get_data (value, NULL),
                                                 g_bytes_get_size (value), &error)) == NULL)
    return op_fail (task, error);
  entry_done (task);
}

static void
read_signature_done (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  JsonOp *op = g_task_get_task_data (task);
  const HapBleCharacteristicSignature *signature;
  guint16 iid = (guint16) op->current.iid;
  GError *error = NULL;

  if ((signature = hap_controller_ble_get_signature_finish (result, &error)) == NULL)
    return signature_failed (task, error);
  op->current.characteristic = hap_ble_characteristic_signature_create (signature, iid);
  op->format = signature->format;
  if ((op->current.status = _hap_controller_ble_check_access (signature, FALSE)) != HAP_STATUS_SUCCESS)
    return entry_done (task);
  hap_controller_ble_transaction_async (op->ble, hap_controller_ble_lookup (op->ble, iid),
                                        HAP_BLE_OPCODE_CHARACTERISTIC_READ, iid, NULL, g_task_get_cancellable (task),
                                        value_read, task);
}

static void
start_read (GTask *task)
{
  JsonOp *op = g_task_get_task_data (task);
  HapBleRemoteCharacteristic *remote = NULL;

  op->current.aid = g_array_index (op->ids, gint64, op->index * 2);
  op->current.iid = g_array_index (op->ids, gint64, op->index * 2 + 1);
  op->current.status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
  if (op->current.aid == HAP_BLE_AID && op->current.iid <= G_MAXUINT16)
    remote = hap_controller_ble_lookup (op->ble, (guint16) op->current.iid);
  if (remote == NULL)
    return entry_done (task);
  op->current.subscribed = remote->subscribed;
  hap_controller_ble_get_signature_async (op->ble, (guint16) op->current.iid, g_task_get_cancellable (task),
                                          read_signature_done, task);
}

/* ---- writing ---- */

static void
value_written (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  JsonOp *op = g_task_get_task_data (task);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GBytes) value = NULL;
  GError *error = NULL;
  guint8 pdu_status;

  if (!hap_controller_ble_transaction_finish (result, &pdu_status, &response, &error))
    return op_fail (task, error);
  if ((op->current.status = hap_ble_status_to_hap (pdu_status)) != HAP_STATUS_SUCCESS || !op->want_response)
    return entry_done (task);
  if ((value = _hap_controller_ble_response_value (response, (guint16) op->current.iid, &error)) == NULL ||
      (op->current.value = hap_ble_value_decode (op->format, g_bytes_get_data (value, NULL),
                                                 g_bytes_get_size (value), &error)) == NULL)
    return op_fail (task, error);
  entry_done (task);
}

static void
write_signature_done (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  JsonOp *op = g_task_get_task_data (task);
  const HapBleCharacteristicSignature *signature;
  guint16 iid = (guint16) op->current.iid;
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;

  if ((signature = hap_controller_ble_get_signature_finish (result, &error)) == NULL)
    return signature_failed (task, error);
  op->current.characteristic = hap_ble_characteristic_signature_create (signature, iid);
  op->format = signature->format;
  if ((op->current.status = _hap_controller_ble_check_access (signature, TRUE)) != HAP_STATUS_SUCCESS)
    return entry_done (task);
  if ((bytes = hap_ble_value_from_json (signature->format, op->value, &error)) == NULL)
    {
      op->current.status = error->code;
      g_error_free (error);
      return entry_done (task);
    }
  /* As write_characteristic() in hap-controller-ble-ops.c, without a TTL. */
  hap_tlv8_append (request, HAP_BLE_PARAM_VALUE, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (op->want_response)
    hap_tlv8_append_uint8 (request, HAP_BLE_PARAM_RETURN_RESPONSE, 1);
  body = g_bytes_new (request->data, request->len);
  hap_controller_ble_transaction_async (op->ble, hap_controller_ble_lookup (op->ble, iid),
                                        HAP_BLE_OPCODE_CHARACTERISTIC_WRITE, iid, body,
                                        g_task_get_cancellable (task), value_written, task);
}

/* The entry's value, when it has one and nothing failed before. Takes @task. */
static void
start_write (GTask *task)
{
  JsonOp *op = g_task_get_task_data (task);

  if (op->value == NULL || op->current.status != HAP_STATUS_SUCCESS)
    return entry_done (task);
  op->current.status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
  if (hap_controller_ble_lookup (op->ble, (guint16) op->current.iid) == NULL)
    return entry_done (task);
  hap_controller_ble_get_signature_async (op->ble, (guint16) op->current.iid, g_task_get_cancellable (task),
                                          write_signature_done, task);
}

typedef struct
{
  GTask                      *task;
  HapBleRemoteCharacteristic *target;
  gboolean                    enable;
} NotifyCall;

static void
notify_set (GObject *source, GAsyncResult *result, gpointer data)
{
  NotifyCall *call = data;
  GTask *task = call->task;
  JsonOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GVariant) reply = hap_ble_central_call_finish (result, &error);

  if (reply == NULL || op->ble->closed)
    {
      g_free (call);
      if (reply != NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed");
      return op_fail (task, error);
    }
  call->target->subscribed = call->enable;
  g_free (call);
  start_write (task);
}

static void
events_signature_done (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  JsonOp *op = g_task_get_task_data (task);
  JsonObject *entry = json_array_get_object_element (op->entries, op->index);
  gboolean enable = json_object_get_boolean_member (entry, "ev");
  const HapBleCharacteristicSignature *signature;
  HapBleRemoteCharacteristic *target;
  GError *error = NULL;
  NotifyCall *call;

  if ((signature = hap_controller_ble_get_signature_finish (result, &error)) == NULL)
    return signature_failed (task, error);
  target = hap_controller_ble_lookup (op->ble, (guint16) op->current.iid);
  if (!target->indicate || !(signature->properties & HAP_BLE_PROPERTY_NOTIFY_CONNECTED))
    {
      op->current.status = HAP_STATUS_NOTIFICATION_NOT_SUPPORTED;
      return entry_done (task);
    }
  op->current.status = HAP_STATUS_SUCCESS;
  if (target->subscribed == enable)
    return start_write (task);
  call = g_new0 (NotifyCall, 1);
  call->task = task;
  call->target = target;
  call->enable = enable;
  hap_ble_central_call_async (op->ble->central, target->path, HAP_BLUEZ_CHARACTERISTIC_INTERFACE,
                              enable ? "StartNotify" : "StopNotify", NULL, NULL,
                              op->ble->timeout_ms == 0 ? -1
                                                       : g_get_monotonic_time () + (gint64) op->ble->timeout_ms * 1000,
                              g_task_get_cancellable (task), notify_set, call);
}

static void
start_entry (GTask *task)
{
  JsonOp *op = g_task_get_task_data (task);
  JsonNode *node = json_array_get_element (op->entries, op->index);
  JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonNode *ev;

  if (entry == NULL)
    return op_fail (task, g_error_new (HAP_ERROR, HAP_ERROR_INVALID_DATA, "characteristics[%u] is not an object",
                                       op->index));
  op->current.aid = _hap_controller_ble_member_int (entry, "aid");
  op->current.iid = _hap_controller_ble_member_int (entry, "iid");
  op->current.status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
  op->value = json_object_get_member (entry, "value");
  op->want_response = json_object_get_boolean_member_with_default (entry, "r", FALSE);
  ev = json_object_get_member (entry, "ev");
  if (op->current.aid != HAP_BLE_AID || op->current.iid <= 0 || op->current.iid > G_MAXUINT16)
    return entry_done (task);
  /* §4.6: an entry writes a value, (un)subscribes, or both. */
  op->current.status = op->value == NULL && ev == NULL ? HAP_STATUS_INVALID_VALUE : HAP_STATUS_SUCCESS;
  if (ev == NULL)
    return start_write (task);
  if (!JSON_NODE_HOLDS_VALUE (ev) || json_node_get_value_type (ev) != G_TYPE_BOOLEAN)
    op->current.status = HAP_STATUS_INVALID_VALUE;
  else if (hap_controller_ble_lookup (op->ble, (guint16) op->current.iid) == NULL)
    op->current.status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
  else
    return hap_controller_ble_get_signature_async (op->ble, (guint16) op->current.iid,
                                                   g_task_get_cancellable (task), events_signature_done, task);
  entry_done (task);
}

/* ---- both ---- */

/* Takes @task. */
static void
next_entry (GTask *task)
{
  JsonOp *op = g_task_get_task_data (task);
  JsonNode *root;

  if (op->ble->closed)
    return op_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed"));
  if (op->put ? op->index < json_array_get_length (op->entries) : op->index * 2 < op->ids->len)
    return op->put ? start_entry (task) : start_read (task);
  root = hap_ble_characteristics_to_json (op->results, op->put, op->flags, &op->status);
  g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static GTask *
json_op_new (HapControllerBle *self, gboolean put, GCancellable *cancellable, GAsyncReadyCallback callback,
             gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  JsonOp *op = g_new0 (JsonOp, 1);

  g_task_set_source_tag (task, json_op_new);
  op->ble = _hap_controller_ble_ref (self);
  op->put = put;
  op->results = g_array_new (FALSE, TRUE, sizeof (HapBleCharacteristicResult));
  g_array_set_clear_func (op->results, (GDestroyNotify) hap_ble_characteristic_result_clear);
  g_task_set_task_data (task, op, (GDestroyNotify) json_op_free);
  return task;
}

static void
accessories_read (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  JsonOp *op = g_task_get_task_data (task);
  GError *error = NULL;
  JsonNode *root = hap_controller_ble_get_accessories_finish (result, &error);

  if (root == NULL)
    return op_fail (task, error);
  op->status = 200;
  g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

void
hap_controller_ble_get_json_async (HapControllerBle    *self,
                                   const char          *target,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = json_op_new (self, FALSE, cancellable, callback, user_data);
  JsonOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_str_has_prefix (target, "/characteristics?"))
    {
      op->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      if (!hap_ble_parse_characteristics_query (target, op->ids, &op->flags, &error))
        return op_fail (task, error);
      return next_entry (task);
    }
  if (g_str_equal (target, "/accessories"))
    {
      hap_controller_ble_get_accessories_async (self, cancellable, accessories_read, task);
      return;
    }
  op_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "GET %s has no HAP-BLE equivalent", target));
}

void
hap_controller_ble_put_json_async (HapControllerBle    *self,
                                   const char          *target,
                                   JsonNode            *body,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = json_op_new (self, TRUE, cancellable, callback, user_data);
  JsonOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_str_equal (target, "/characteristics"))
    return op_fail (task, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "PUT %s has no HAP-BLE equivalent",
                                       target));
  if (self->closed)
    return op_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed"));
  op->body = json_node_copy (body);
  if ((op->entries = _hap_controller_ble_write_entries (op->body, &error)) == NULL)
    return op_fail (task, error);
  next_entry (task);
}

JsonNode *
hap_controller_ble_json_finish (GAsyncResult *result, guint *out_status, GError **error)
{
  JsonOp *op;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  op = g_task_get_task_data (G_TASK (result));
  if (out_status != NULL)
    *out_status = op->status;
  return g_task_propagate_pointer (G_TASK (result), error);
}
