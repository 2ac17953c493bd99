/* vb-daemon.c — the virtual BlueZ process: options, bus, adapters
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-daemon.h"

#include <stdarg.h>
#include <string.h>

#include "vb-adapter.h"
#include "vb-advertising.h"
#include "vb-device.h"
#include "vb-error.h"
#include "vb-gatt-client.h"
#include "vb-gatt-server.h"

#define TEST_PATH "/org/hapsim/VirtualBluez"

gboolean vb_verbose;

void
vb_print (const char *prefix, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("hap-virtual-bluez: %s%s\n", prefix, message);
}

VbAdapter *
vb_daemon_find_adapter (VbDaemon   *daemon,
                        const char *path)
{
  for (guint i = 0; i < daemon->adapters->len; i++)
    {
      VbAdapter *adapter = g_ptr_array_index (daemon->adapters, i);

      if (strcmp (adapter->path, path) == 0)
        return adapter;
    }
  return NULL;
}

void
vb_daemon_advertising_changed (VbDaemon  *daemon,
                               VbAdapter *advertiser)
{
  for (guint i = 0; i < daemon->adapters->len; i++)
    {
      VbAdapter *adapter = g_ptr_array_index (daemon->adapters, i);
      VbDevice *device;

      if (adapter == advertiser)
        continue;
      vb_adapter_scan (adapter, advertiser);
      device = vb_adapter_find_device (adapter, advertiser);
      if (device != NULL)
        vb_device_remote_advertising (device);
    }
}

void
vb_daemon_gatt_changed (VbDaemon  *daemon,
                        VbAdapter *peripheral)
{
  for (guint i = 0; i < daemon->adapters->len; i++)
    {
      VbAdapter *adapter = g_ptr_array_index (daemon->adapters, i);
      VbDevice *device = vb_adapter_find_device (adapter, peripheral);

      if (device != NULL && device->connection != NULL && device->connection->up &&
          device->connection->central_device == device && device->client != NULL)
        {
          vb_gatt_client_sync (device->client, &peripheral->gatt->db);
          vb_device_set_gatt_uuids (device, vb_gatt_server_list_uuids (peripheral->gatt, TRUE));
        }
    }
}

gboolean
vb_daemon_next_central_added (VbDaemon *daemon)
{
  switch (daemon->options.new_central)
    {
    case VB_NEW_CENTRAL_ADDED:
      return TRUE;
    case VB_NEW_CENTRAL_CHANGED:
      return FALSE;
    case VB_NEW_CENTRAL_ALTERNATE:
    default:
      return daemon->new_central_count++ % 2 == 0;
    }
}

/* ---- /org/bluez: AgentManager1 and ProfileManager1 ---- */

static void
manager_method (gpointer               object,
                GDBusMethodInvocation *invocation,
                const char            *method,
                GVariant              *parameters)
{
  VbDaemon *daemon = object;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *path;
  g_autofree char *key = NULL;

  if (strcmp (method, "RegisterProfile") == 0 || strcmp (method, "UnregisterProfile") == 0)
    {
      /* No BR/EDR and no profiles here. */
      vb_return_error (invocation, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
      return;
    }
  g_variant_get_child (parameters, 0, "&o", &path);
  key = g_strdup_printf ("%s %s", sender, path);
  if (strcmp (method, "RegisterAgent") == 0)
    {
      const char *capability;

      g_variant_get_child (parameters, 1, "&s", &capability);
      if (g_hash_table_contains (daemon->agents, key))
        {
          vb_return_error (invocation, VB_ERROR_ALREADY_EXISTS, VB_MSG_ALREADY_EXISTS);
          return;
        }
      /* Remembered, never called: nothing pairs. */
      g_hash_table_insert (daemon->agents, g_steal_pointer (&key), g_strdup (capability));
    }
  else if (!g_hash_table_contains (daemon->agents, key))
    {
      vb_return_error (invocation, VB_ERROR_DOES_NOT_EXIST, "No such Agent");
      return;
    }
  else if (strcmp (method, "UnregisterAgent") == 0)
    g_hash_table_remove (daemon->agents, key);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

static GVariant *
no_properties (gpointer object, const char *property)
{
  return NULL;
}

static const VbInterface agent_manager_iface = { "org.bluez.AgentManager1", manager_method, no_properties, NULL };
static const VbInterface profile_manager_iface = { "org.bluez.ProfileManager1", manager_method, no_properties, NULL };

/* ---- org.hapsim.VirtualBluez1 ---- */

static void
test_method (gpointer               object,
             GDBusMethodInvocation *invocation,
             const char            *method,
             GVariant              *parameters)
{
  VbDaemon *daemon = object;

  if (strcmp (method, "GetAdvertisements") == 0)
    {
      GVariantBuilder builder;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
      for (guint i = 0; i < daemon->adapters->len; i++)
        vb_advertising_describe (((VbAdapter *) g_ptr_array_index (daemon->adapters, i))->advertising,
                                 &builder);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(aa{sv})", &builder));
    }
  else if (strcmp (method, "GetDatabase") == 0)
    {
      const char *path;
      VbAdapter *adapter;

      g_variant_get (parameters, "(&o)", &path);
      adapter = vb_daemon_find_adapter (daemon, path);
      if (adapter == NULL)
        vb_return_error (invocation, VB_ERROR_DOES_NOT_EXIST, "No such adapter");
      else
        g_dbus_method_invocation_return_value (invocation,
                                               g_variant_new ("(@a(qsss))", vb_gatt_server_describe (adapter->gatt)));
    }
}

static const VbInterface test_iface = { "org.hapsim.VirtualBluez1", test_method, no_properties, NULL };

/* ---- bus names that leave ---- */

static void
name_owner_changed (GDBusConnection *connection,
                    const char      *sender,
                    const char      *object_path,
                    const char      *interface_name,
                    const char      *signal_name,
                    GVariant        *parameters,
                    gpointer         user_data)
{
  VbDaemon *daemon = user_data;
  const char *name, *old_owner, *new_owner;
  GHashTableIter iter;
  const char *key;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sss)")))
    return;
  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (name[0] != ':' || new_owner[0] != '\0')
    return;
  vb_log ("%s left the bus", name);
  for (guint i = 0; i < daemon->adapters->len; i++)
    vb_adapter_name_vanished (g_ptr_array_index (daemon->adapters, i), name);
  g_hash_table_iter_init (&iter, daemon->agents);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    if (g_str_has_prefix (key, name) && key[strlen (name)] == ' ')
      g_hash_table_iter_remove (&iter);
}

VbDaemon *
vb_daemon_new (GDBusConnection  *connection,
               const VbOptions  *options,
               GError          **error)
{
  VbDaemon *daemon = g_new0 (VbDaemon, 1);

  daemon->options = *options;
  vb_verbose = options->verbose;
  daemon->connection = g_object_ref (connection);
  daemon->adapters = g_ptr_array_new ();
  daemon->agents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  daemon->objects = vb_objects_new (connection, error);
  if (daemon->objects == NULL)
    goto fail;
  /* Before any object, so that no client that leaves goes unnoticed. */
  daemon->name_owner_subscription =
    g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                        "NameOwnerChanged", "/org/freedesktop/DBus", NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, name_owner_changed, daemon, NULL);
  if (!vb_objects_export (daemon->objects, "/org/bluez", &agent_manager_iface, daemon, error) ||
      !vb_objects_export (daemon->objects, "/org/bluez", &profile_manager_iface, daemon, error) ||
      !vb_objects_export_unmanaged (daemon->objects, TEST_PATH, &test_iface, daemon, error))
    goto fail;
  for (guint i = 0; i < options->n_adapters; i++)
    {
      guint8 address[6];
      VbAdapter *adapter;

      memcpy (address, options->address_prefix, 5);
      address[5] = (guint8) (i + 1);
      adapter = vb_adapter_new (daemon, i, address, error);
      if (adapter == NULL)
        goto fail;
      g_ptr_array_add (daemon->adapters, adapter);
    }
  return daemon;

fail:
  vb_daemon_free (daemon);
  return NULL;
}

void
vb_daemon_free (VbDaemon *daemon)
{
  if (daemon == NULL)
    return;
  for (guint i = 0; i < daemon->adapters->len; i++)
    vb_adapter_shutdown (g_ptr_array_index (daemon->adapters, i));
  for (guint i = 0; i < daemon->adapters->len; i++)
    vb_adapter_free (g_ptr_array_index (daemon->adapters, i));
  g_ptr_array_unref (daemon->adapters);
  if (daemon->name_owner_subscription != 0)
    g_dbus_connection_signal_unsubscribe (daemon->connection, daemon->name_owner_subscription);
  if (daemon->objects != NULL)
    {
      vb_objects_unexport (daemon->objects, "/org/bluez");
      vb_objects_free (daemon->objects);
    }
  g_hash_table_unref (daemon->agents);
  g_object_unref (daemon->connection);
  g_free (daemon);
}
