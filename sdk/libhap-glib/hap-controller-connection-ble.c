/* hap-controller-connection-ble.c — HapControllerConnection over Bluetooth LE:
 * connecting, and ::event / ::closed from the HAP-BLE link
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Connecting is the one step over BLE that still blocks somewhere: finding the device
 * (waiting for BlueZ's discovery to report it), Device1.Connect with its retries and
 * the waits for Connected and ServicesResolved, then the GATT map read
 * (hap_controller_ble_connect(), hap-ble-central-device.c, hap-controller-ble-gatt.c)
 * are written as blocking loops over the link's private main context. Rather than
 * blocking the caller, hap_controller_connection_connect_ble_async() runs them in a
 * worker thread: the new link is nobody else's until it is handed over in the caller's
 * context. Everything after that (pairing, reads, writes, events) is driven by D-Bus
 * callbacks on the caller's context (hap-controller-ble-async.c).
 */
#include "hap-controller-connection-private.h"

#include "hap-sync-private.h"

typedef struct
{
  char             *adapter;
  char             *address;
  guint             timeout_ms;
  HapControllerBle *ble;
} ConnectBle;

static void
connect_ble_free (ConnectBle *data)
{
  g_free (data->adapter);
  g_free (data->address);
  g_clear_pointer (&data->ble, hap_controller_ble_free);
  g_free (data);
}

static void
connect_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ConnectBle *data = task_data;
  GError *error = NULL;

  data->ble = hap_controller_ble_connect (data->adapter, data->address, data->timeout_ms, cancellable, &error);
  if (data->ble == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* In the caller's context again: the link becomes the connection's. */
static void
connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (source);
  ConnectBle *data = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }
  hap_controller_connection_close (self);
  self->ble = g_steal_pointer (&data->ble);
  if (self->timeout_ms != data->timeout_ms)
    hap_controller_ble_set_timeout (self->ble, self->timeout_ms);
  g_task_return_boolean (task, TRUE);
}

void
hap_controller_connection_connect_ble_async (HapControllerConnection *self,
                                             const char              *adapter,
                                             const char              *address,
                                             GCancellable            *cancellable,
                                             GAsyncReadyCallback      callback,
                                             gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;
  ConnectBle *data;

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  g_return_if_fail (address != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_controller_connection_connect_ble_async);
  hap_controller_connection_close (self);
  g_clear_pointer (&self->accessory_id, g_free);
  g_clear_pointer (&self->host, g_free);
  self->port = 0;

  data = g_new0 (ConnectBle, 1);
  data->adapter = g_strdup (adapter);
  data->address = g_strdup (address);
  data->timeout_ms = self->timeout_ms;
  worker = g_task_new (self, cancellable, connected, g_steal_pointer (&task));
  g_task_set_source_tag (worker, connect_in_thread);
  g_task_set_task_data (worker, data, (GDestroyNotify) connect_ble_free);
  /* Cancelled, the thread's own calls give up; its result is then an error. */
  g_task_set_return_on_cancel (worker, FALSE);
  g_task_run_in_thread (worker, connect_in_thread);
}

gboolean
hap_controller_connection_connect_ble_finish (HapControllerConnection *self,
                                              GAsyncResult            *result,
                                              GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hap_controller_connection_connect_ble (HapControllerConnection *self,
                                       const char              *adapter,
                                       const char              *address,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  HapSync sync;
  gboolean ok;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  hap_sync_begin (&sync);
  hap_controller_connection_connect_ble_async (self, adapter, address, cancellable, hap_sync_done, &sync);
  ok = hap_controller_connection_connect_ble_finish (self, hap_sync_wait (&sync), error);
  hap_sync_end (&sync);
  return ok;
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

/* ---- events over BLE (hap-controller-ble-events.c) ---- */

static void
ble_event (gpointer data, guint16 iid, JsonNode *value)
{
  g_autoptr(HapControllerConnection) self = g_object_ref (data);

  /* docs/protocol.md §5: a HAP-BLE accessory is aid 1. */
  hap_controller_connection_emit_event (self, 1, iid, value);
}

static void
ble_closed (gpointer data, const GError *error)
{
  g_autoptr(HapControllerConnection) self = g_object_ref (data);

  if (self->closed_emitted)
    return;
  self->closed_emitted = TRUE;
  hap_controller_connection_emit_closed (self, error);
}

void
hap_controller_connection_watch_ble_events (HapControllerConnection *self, GMainContext *context)
{
  if (self->ble != NULL)
    hap_controller_ble_watch_events (self->ble, context, ble_event, ble_closed, self);
}
