/* hap-controller-ble-async.c — HAP-BLE procedures without blocking: the steps of
 * hap-controller-ble-exchange.c driven by hap-ble-central-async.c's callbacks, in the
 * caller's thread-default main context
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One procedure at a time per link (HapControllerBle.busy); the others wait in
 * HapControllerBle.waiting, in order. Each GATT call is bounded
 * by the procedure's deadline (the link's timeout from its start, as the blocking
 * procedure) and by the caller's GCancellable. A procedure cancelled after its first
 * fragment went out leaves the accessory in the middle of it and the session's nonces
 * unknown: the link is then dropped, as an IP connection is when a request is cut
 * (hap-controller-transport.c). Cancelled before, the link stays usable.
 */
#include "hap-controller-ble-internal.h"

#include "hap-ble-json-private.h"
#include "hap-error.h"

typedef struct
{
  HapControllerBle           *ble;
  HapBleRemoteCharacteristic *target;
  guint8                      opcode;
  guint16                     iid;
  GBytes                     *request;
  HapBleExchange              exchange;
  gboolean                    started;   /* a fragment was handed to BlueZ */
  guint8                      status;
  GBytes                     *body;
} Transaction;

static void
transaction_free (Transaction *transaction)
{
  _hap_ble_exchange_clear (&transaction->exchange);
  g_clear_pointer (&transaction->request, g_bytes_unref);
  g_clear_pointer (&transaction->body, g_bytes_unref);
  _hap_controller_ble_unref (transaction->ble);
  g_free (transaction);
}

static gboolean
link_closed (HapControllerBle *self, GError **error)
{
  if (!self->closed)
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed");
  return TRUE;
}

static void transaction_start (GTask *task);

/* The link is free again: the oldest waiting procedure starts. */
static void
start_waiting (HapControllerBle *self)
{
  if (!self->closed && !self->busy && self->waiting.length > 0)
    transaction_start (g_queue_pop_head (&self->waiting));
}

/* Ends @task: TRUE, or with @error (taken), leaving the link as the failure leaves it;
 * then the next procedure may start. */
static void
transaction_done (GTask *task, GError *error)
{
  Transaction *transaction = g_task_get_task_data (task);
  HapControllerBle *self = transaction->ble;

  /* Held: a callback may close the link. */
  _hap_controller_ble_ref (self);
  if (!self->closed)
    {
      self->busy = FALSE;
      if (error != NULL && transaction->started && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          hap_ble_central_abandon (self->central);
          _hap_controller_ble_drop_session (self);
        }
      else if (error != NULL)
        _hap_controller_ble_link_lost (self, NULL);
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  start_waiting (self);
  _hap_controller_ble_unref (self);
}

static void transaction_write_next (GTask *task);

static void
transaction_read (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Transaction *transaction = g_task_get_task_data (task);
  HapControllerBle *self = transaction->ble;
  g_autoptr(GBytes) value = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  value = hap_ble_central_read_value_finish (result, &error);
  if (link_closed (self, error == NULL ? &error : NULL))
    {
      g_task_return_error (task, error);
      return;
    }
  if (value == NULL)
    return transaction_done (task, error);
  switch (_hap_ble_exchange_take_response (&transaction->exchange, value, &error))
    {
    case HAP_BLE_PDU_COMPLETE:
      _hap_ble_exchange_finish (&transaction->exchange, &transaction->status, &transaction->body, &error);
      return transaction_done (task, error);
    case HAP_BLE_PDU_NEED_MORE:
      /* docs/protocol.md §5.7: one GATT read per response fragment. (The cancellable
       * is taken before the task: arguments are evaluated in no given order.) */
      cancellable = g_task_get_cancellable (task);
      hap_ble_central_read_value_async (self->central, transaction->target->path, transaction->exchange.deadline,
                                        cancellable, transaction_read, g_steal_pointer (&task));
      return;
    default:
      /* A fragment that does not authenticate dropped the link already. */
      return transaction_done (task, error);
    }
}

static void
transaction_written (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  Transaction *transaction = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok = hap_ble_central_write_value_finish (result, &error);

  if (link_closed (transaction->ble, ok ? &error : NULL))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!ok)
    return transaction_done (task, error);
  transaction_write_next (g_steal_pointer (&task));
}

/* Takes @task. */
static void
transaction_write_next (GTask *task)
{
  Transaction *transaction = g_task_get_task_data (task);
  HapControllerBle *self = transaction->ble;
  g_autoptr(GBytes) fragment = _hap_ble_exchange_next_request (&transaction->exchange);

  if (fragment == NULL)
    {
      hap_ble_central_read_value_async (self->central, transaction->target->path, transaction->exchange.deadline,
                                        g_task_get_cancellable (task), transaction_read, task);
      return;
    }
  transaction->started = TRUE;
  hap_ble_central_write_value_async (self->central, transaction->target->path, fragment,
                                     transaction->exchange.deadline, g_task_get_cancellable (task),
                                     transaction_written, task);
}

/* Takes @task; the link is free. */
static void
transaction_start (GTask *task)
{
  Transaction *transaction = g_task_get_task_data (task);
  HapControllerBle *self = transaction->ble;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      start_waiting (self);
      return;
    }
  /* The deadline and the TID are the procedure's from now: waiting does not count. */
  if (!_hap_ble_exchange_init (&transaction->exchange, self, transaction->target, transaction->opcode,
                               transaction->iid, transaction->request, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      start_waiting (self);
      return;
    }
  self->busy = TRUE;
  transaction_write_next (task);
}

void
hap_controller_ble_transaction_async (HapControllerBle            *self,
                                      HapBleRemoteCharacteristic  *target,
                                      guint8                       opcode,
                                      guint16                      iid,
                                      GBytes                      *body,
                                      GCancellable                *cancellable,
                                      GAsyncReadyCallback          callback,
                                      gpointer                     user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Transaction *transaction = g_new0 (Transaction, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, hap_controller_ble_transaction_async);
  transaction->ble = _hap_controller_ble_ref (self);
  transaction->target = target;
  transaction->opcode = opcode;
  transaction->iid = iid;
  transaction->request = body != NULL ? g_bytes_ref (body) : NULL;
  g_task_set_task_data (task, transaction, (GDestroyNotify) transaction_free);
  if (link_closed (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  /* HAP-BLE has one procedure at a time per link (§5.7): the others wait their turn,
   * as requests pipelined on an IP connection do. */
  if (self->busy || self->waiting.length > 0)
    {
      g_queue_push_tail (&self->waiting, g_steal_pointer (&task));
      return;
    }
  transaction_start (g_steal_pointer (&task));
}

void
_hap_controller_ble_fail_waiting (HapControllerBle *self)
{
  while (self->waiting.length > 0)
    {
      g_autoptr(GTask) task = g_queue_pop_head (&self->waiting);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed");
    }
}

gboolean
hap_controller_ble_transaction_finish (GAsyncResult  *result,
                                       guint8        *out_status,
                                       GBytes       **out_body,
                                       GError       **error)
{
  Transaction *transaction;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  transaction = g_task_get_task_data (G_TASK (result));
  *out_status = transaction->status;
  if (out_body != NULL)
    *out_body = transaction->body != NULL ? g_bytes_ref (transaction->body) : NULL;
  return TRUE;
}

/* ---- pairing writes ---- */

static void
pairing_written (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GBytes) response = NULL;
  GError *error = NULL;
  GBytes *value;
  guint8 status;

  if (!hap_controller_ble_transaction_finish (result, &status, &response, &error) ||
      (value = _hap_controller_ble_pairing_value (status, response, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, (GDestroyNotify) g_bytes_unref);
}

void
hap_controller_ble_pairing_write_async (HapControllerBle    *self,
                                        const char          *type,
                                        const guint8        *tlv,
                                        gsize                len,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  HapBleRemoteCharacteristic *target = self->closed ? NULL : hap_controller_ble_find (self, "55", type);
  g_autoptr(GBytes) body = NULL;

  g_task_set_source_tag (task, hap_controller_ble_pairing_write_async);
  if (target == NULL)
    {
      if (self->closed)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed");
      else
        g_task_return_new_error (task, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                                 "the accessory has no pairing characteristic %s", type);
      return;
    }
  body = _hap_controller_ble_pairing_body (tlv, len);
  hap_controller_ble_transaction_async (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_WRITE, target->iid, body,
                                        cancellable, pairing_written, g_steal_pointer (&task));
}

GBytes *
hap_controller_ble_pairing_write_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- signatures ---- */

typedef struct
{
  HapControllerBle *ble;
  guint16           iid;
} SignatureRead;

static void
signature_read_free (SignatureRead *read)
{
  _hap_controller_ble_unref (read->ble);
  g_free (read);
}

static void
signature_answered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  SignatureRead *read = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  guint8 status;

  if (!hap_controller_ble_transaction_finish (result, &status, &body, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (status != HAP_BLE_PDU_STATUS_SUCCESS)
    {
      g_autofree char *what = g_strdup_printf ("signature of characteristic %u", read->iid);

      hap_ble_status_error (&error, status, what);
      g_task_return_error (task, error);
      return;
    }
  if (body == NULL)
    {
      g_task_return_new_error (task, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                               "characteristic %u: a signature without a body", read->iid);
      return;
    }
  if (!read->ble->closed)
    _hap_controller_ble_cache_signature (read->ble, read->iid, body);
  g_task_return_boolean (task, TRUE);
}

void
hap_controller_ble_get_signature_async (HapControllerBle    *self,
                                        guint16              iid,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SignatureRead *read = g_new0 (SignatureRead, 1);
  HapBleRemoteCharacteristic *target;

  g_task_set_source_tag (task, hap_controller_ble_get_signature_async);
  read->ble = _hap_controller_ble_ref (self);
  read->iid = iid;
  g_task_set_task_data (task, read, (GDestroyNotify) signature_read_free);
  /* Cached, or an iid the link does not have: _finish() answers without any I/O. */
  target = self->closed ? NULL : hap_controller_ble_lookup (self, iid);
  if (self->closed || target == NULL || g_hash_table_contains (self->signatures, GUINT_TO_POINTER (iid)))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  hap_controller_ble_transaction_async (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ, iid, NULL,
                                        cancellable, signature_answered, g_steal_pointer (&task));
}

const HapBleCharacteristicSignature *
hap_controller_ble_get_signature_finish (GAsyncResult *result, GError **error)
{
  SignatureRead *read;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  read = g_task_get_task_data (G_TASK (result));
  if (link_closed (read->ble, error))
    return NULL;
  /* Cached now (or refused without I/O): the blocking lookup parses it. */
  return hap_controller_ble_get_signature (read->ble, read->iid, NULL, error);
}
