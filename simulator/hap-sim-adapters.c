/* hap-sim-adapters.c — BlueZ's adapters (GetManagedObjects), with the accessory on each
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-adapters.h"

#include "hap-sim-error.h"
#include "hap-sim-inspect.h"
#include <glib/gi18n.h>

#define BLUEZ         "org.bluez"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define ADAPTER_PREFIX "/org/bluez/"
/* bluetoothd answers at once or not at all (it is stuck or gone). */
#define CALL_TIMEOUT_MS 5000

void
hap_sim_adapter_free (HapSimAdapter *adapter)
{
  if (adapter == NULL)
    return;
  g_free (adapter->name);
  g_free (adapter->address);
  g_free (adapter->used_by);
  g_free (adapter);
}

/* The accessory serving HAP over BLE on @name: the one BlueZ registered it with, or,
 * while it waits for BlueZ, the one that asked for @name. */
static char *
find_user (HapSimEngine *engine, const char *name)
{
  GPtrArray *accessories = hap_sim_engine_get_accessories (engine);

  for (guint i = 0; i < accessories->len; i++)
    {
      HapSimAccessory *accessory = g_ptr_array_index (accessories, i);
      HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);
      const char *in_use;

      if (server == NULL || !(hap_accessory_server_get_transports (server) & HAP_TRANSPORT_BLE))
        continue;
      in_use = hap_accessory_server_get_ble_adapter (server);
      if (g_strcmp0 (in_use != NULL ? in_use : hap_sim_accessory_get_ble_adapter (accessory), name) == 0)
        return g_strdup (hap_sim_accessory_get_id (accessory));
    }
  return NULL;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  const HapSimAdapter *x = *(HapSimAdapter * const *) a, *y = *(HapSimAdapter * const *) b;

  return g_strcmp0 (x->name, y->name);
}

static void
on_managed_objects (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HapSimEngine *engine = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GPtrArray) adapters = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_new_error (task, HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE,
                               _("BlueZ (org.bluez on the system bus) did not answer: %s"), error->message);
      return;
    }

  adapters = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_sim_adapter_free);
  objects = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = interfaces;
      g_autoptr(GVariant) properties = g_variant_lookup_value (interfaces, IFACE_ADAPTER, G_VARIANT_TYPE_VARDICT);
      g_autofree const char **roles = NULL;
      HapSimAdapter *adapter;
      const char *address = NULL;

      if (properties == NULL || !g_str_has_prefix (path, ADAPTER_PREFIX))
        continue;
      adapter = g_new0 (HapSimAdapter, 1);
      adapter->name = g_strdup (path + strlen (ADAPTER_PREFIX));
      g_variant_lookup (properties, "Address", "&s", &address);
      adapter->address = g_strdup (address != NULL ? address : "");
      g_variant_lookup (properties, "Powered", "b", &adapter->powered);
      /* docs/bluez.md §1.4: Roles lists "peripheral" when the controller can advertise. */
      if (g_variant_lookup (properties, "Roles", "^a&s", &roles))
        adapter->peripheral = g_strv_contains (roles, "peripheral");
      adapter->used_by = find_user (engine, adapter->name);
      g_ptr_array_add (adapters, adapter);
    }
  g_ptr_array_sort (adapters, compare_names);
  g_task_return_pointer (task, g_steal_pointer (&adapters), (GDestroyNotify) g_ptr_array_unref);
}

static void
on_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_finish (result, &error);
  /* Read before the task is handed on: argument evaluation order is unspecified, so
   * g_task_get_cancellable (task) next to g_steal_pointer (&task) may see NULL. */
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (bus == NULL)
    {
      g_task_return_new_error (task, HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE,
                               _("no system bus for BlueZ: %s"), error->message);
      return;
    }
  g_dbus_connection_call (bus, BLUEZ, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", NULL,
                          G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS,
                          cancellable, on_managed_objects, g_steal_pointer (&task));
}

void
hap_sim_engine_list_adapters_async (HapSimEngine        *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (HAP_SIM_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_sim_engine_list_adapters_async);
  g_bus_get (G_BUS_TYPE_SYSTEM, cancellable, on_bus, task);
}

GPtrArray *
hap_sim_engine_list_adapters_finish (HapSimEngine  *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

GVariant *
hap_sim_adapters_to_variant (GPtrArray *adapters)
{
  GVariantBuilder list;

  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < adapters->len; i++)
    {
      const HapSimAdapter *adapter = g_ptr_array_index (adapters, i);
      GVariantBuilder dict;

      g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
      hap_sim_dict_add (&dict, "name", "s", adapter->name);
      hap_sim_dict_add (&dict, "address", "s", adapter->address);
      hap_sim_dict_add (&dict, "powered", "b", adapter->powered);
      hap_sim_dict_add (&dict, "peripheral", "b", adapter->peripheral);
      hap_sim_dict_add (&dict, "used-by", "s", adapter->used_by != NULL ? adapter->used_by : "");
      g_variant_builder_add_value (&list, g_variant_builder_end (&dict));
    }
  return g_variant_builder_end (&list);
}
