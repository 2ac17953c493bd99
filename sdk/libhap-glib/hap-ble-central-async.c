/* hap-ble-central-async.c — hap-ble-central's GATT calls without blocking (see
 * hap-ble-central-private.h)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * g_dbus_connection_call() on the central's own bus connection: each callback runs in
 * the thread-default main context of the caller, as GDBus does, not in the central's
 * private context (whose signals still wait for hap_ble_central_wait() or _dispatch()).
 * The deadline becomes the call's D-Bus timeout; cancelling completes the task at once
 * with G_IO_ERROR_CANCELLED, though BlueZ may still carry the GATT request out.
 */
#include "hap-ble-central-internal.h"

#include <string.h>

static void
call_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GTask) task = data;
  GError *call_error = NULL;
  GError *error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call_error);
  if (reply == NULL)
    {
      _hap_ble_central_set_call_error (&error, call_error, g_task_get_task_data (task));
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, reply, (GDestroyNotify) g_variant_unref);
}

void
hap_ble_central_call_async (HapBleCentral       *self,
                            const char          *path,
                            const char          *interface,
                            const char          *method,
                            GVariant            *parameters,
                            const GVariantType  *reply_type,
                            gint64               deadline,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, hap_ble_central_call_async);
  /* The name errors are reported under, as hap_ble_central_call() does. */
  g_task_set_task_data (task, g_strdup_printf ("%s.%s", strrchr (interface, '.') + 1, method), g_free);
  g_dbus_connection_call (self->bus, HAP_BLUEZ_NAME, path, interface, method, parameters, reply_type,
                          G_DBUS_CALL_FLAGS_NONE, _hap_ble_central_timeout_ms_until (deadline), cancellable,
                          call_done, task);
}

GVariant *
hap_ble_central_call_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hap_ble_central_read_value_async (HapBleCentral       *self,
                                  const char          *path,
                                  gint64               deadline,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  hap_ble_central_call_async (self, path, HAP_BLUEZ_CHARACTERISTIC_INTERFACE, "ReadValue",
                              g_variant_new ("(a{sv})", &options), G_VARIANT_TYPE ("(ay)"), deadline, cancellable,
                              callback, user_data);
}

GBytes *
hap_ble_central_read_value_finish (GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply = hap_ble_central_call_finish (result, error);
  g_autoptr(GVariant) value = NULL;

  if (reply == NULL)
    return NULL;
  value = g_variant_get_child_value (reply, 0);
  return g_variant_get_data_as_bytes (value);
}

void
hap_ble_central_write_value_async (HapBleCentral       *self,
                                   const char          *path,
                                   GBytes              *data,
                                   gint64               deadline,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GVariantBuilder options;

  /* Write Request (not Command), as hap_ble_central_write_value(). */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "type", g_variant_new_string ("request"));
  hap_ble_central_call_async (self, path, HAP_BLUEZ_CHARACTERISTIC_INTERFACE, "WriteValue",
                              g_variant_new ("(@aya{sv})",
                                             g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, data, TRUE),
                                             &options),
                              NULL, deadline, cancellable, callback, user_data);
}

gboolean
hap_ble_central_write_value_finish (GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply = hap_ble_central_call_finish (result, error);

  return reply != NULL;
}

void
hap_ble_central_abandon (HapBleCentral *self)
{
  if (self->device_path == NULL || self->abandoned)
    return;
  /* Nobody waits for the answer: the link is unusable either way. The device path stays
   * for hap_ble_central_free(), whose blocking Disconnect then comes before any new
   * connection of the caller's. */
  g_dbus_connection_call (self->bus, HAP_BLUEZ_NAME, self->device_path, HAP_BLUEZ_DEVICE_INTERFACE, "Disconnect",
                          NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
  self->abandoned = TRUE;
  self->connected = self->services_resolved = FALSE;
}

/* ---- watching ---- */

static void
on_watched (GDBusConnection *bus, const char *sender, const char *path, const char *interface,
            const char *signal, GVariant *parameters, gpointer data)
{
  HapBleCentral *self = data;
  const char *changed_interface;
  g_autoptr(GVariant) changed = NULL;

  if (self->watch_func == NULL || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}@as)", &changed_interface, &changed, NULL);
  self->watch_func (self->watch_data, path, changed_interface, changed);
}

void
hap_ble_central_watch (HapBleCentral *self, GMainContext *context, HapBleCentralWatchFunc func, gpointer user_data)
{
  hap_ble_central_unwatch (self);
  self->watch_func = func;
  self->watch_data = user_data;
  /* GDBus calls a subscriber in the thread-default context of its subscribing. No
   * destroy notify: GDBus would run it in @context, which may be gone by then; the
   * emissions it queued check that the subscription still exists. */
  g_main_context_push_thread_default (context);
  self->watch_id = g_dbus_connection_signal_subscribe (self->bus, HAP_BLUEZ_NAME, "org.freedesktop.DBus.Properties",
                                                       "PropertiesChanged", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                       on_watched, self, NULL);
  g_main_context_pop_thread_default (context);
}

void
hap_ble_central_unwatch (HapBleCentral *self)
{
  if (self->watch_id != 0)
    g_dbus_connection_signal_unsubscribe (self->bus, self->watch_id);
  self->watch_id = 0;
  self->watch_func = NULL;
  self->watch_data = NULL;
}
