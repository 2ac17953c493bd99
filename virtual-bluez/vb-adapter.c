/* vb-adapter.c — /org/bluez/hciN: Adapter1, discovery and the adapter's devices
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An LE-only controller as bluetoothd 5.66 shows it (ControllerMode=le, like
 * btvirt -L; docs/bluez.md §1.4): powered at start (AutoEnable), Roles central and
 * peripheral. While it discovers, the advertisements of the other virtual adapters
 * appear on it as Device1 objects.
 */
#include "vb-adapter.h"

#include <string.h>

#include "vb-advertising.h"
#include "vb-daemon.h"
#include "vb-device.h"
#include "vb-error.h"
#include "vb-gatt-client.h"
#include "vb-gatt-server.h"
#include "vb-uuid.h"

#define IFACE_ADAPTER "org.bluez.Adapter1"

/* SetDiscoveryFilter of one client (adapter.c struct discovery_filter). */
typedef struct
{
  char **uuids;          /* full form */
  gboolean has_rssi;
  gint16 rssi;
  gboolean has_pathloss;
  guint16 pathloss;
  char *transport;
  gboolean discoverable;
  char *pattern;
} DiscoveryFilter;

static void
discovery_filter_free (DiscoveryFilter *filter)
{
  g_strfreev (filter->uuids);
  g_free (filter->transport);
  g_free (filter->pattern);
  g_free (filter);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DiscoveryFilter, discovery_filter_free)

static VbObjects *
adapter_objects (VbAdapter *adapter)
{
  return adapter->daemon->objects;
}

static void
adapter_emit (VbAdapter *adapter, const char *property)
{
  vb_objects_emit_changed (adapter_objects (adapter), adapter->path, IFACE_ADAPTER, property, NULL);
}

const char *
vb_adapter_get_alias (VbAdapter *adapter)
{
  return adapter->alias != NULL ? adapter->alias : adapter->name;
}

/* ---- devices ---- */

VbDevice *
vb_adapter_find_device (VbAdapter *adapter,
                        VbAdapter *remote)
{
  return g_hash_table_lookup (adapter->devices, remote->address);
}

VbDevice *
vb_adapter_ensure_device (VbAdapter *adapter,
                          VbAdapter *remote)
{
  VbDevice *device = vb_adapter_find_device (adapter, remote);

  if (device == NULL)
    {
      device = vb_device_new (adapter, remote);
      g_hash_table_insert (adapter->devices, device->address, device);
    }
  return device;
}

void
vb_adapter_remove_device (VbAdapter *adapter,
                          VbDevice  *device)
{
  g_hash_table_steal (adapter->devices, device->address);
  vb_device_free (device);
}

/* The adapter's devices, as a list that stays valid while links are dropped (a
 * dropped link can let a pending Connect elsewhere add a device here). */
static GPtrArray *
list_devices (VbAdapter *adapter)
{
  GPtrArray *devices = g_ptr_array_new ();
  GHashTableIter iter;
  VbDevice *device;

  g_hash_table_iter_init (&iter, adapter->devices);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &device))
    g_ptr_array_add (devices, device);
  return devices;
}

/* ---- discovery ---- */

static gboolean
filter_matches (const DiscoveryFilter *filter, VbAdapter *advertiser, const VbScanData *scan)
{
  if (filter == NULL)
    return TRUE;
  if (filter->transport != NULL && strcmp (filter->transport, "bredr") == 0)
    return FALSE;
  if (filter->has_rssi && VB_RSSI < filter->rssi)
    return FALSE;
  if (filter->has_pathloss && scan->has_tx_power && scan->tx_power - VB_RSSI > filter->pathloss)
    return FALSE;
  if (filter->discoverable && !(scan->flags & 0x03))
    return FALSE;
  if (filter->pattern != NULL && filter->pattern[0] != '\0' &&
      !g_str_has_prefix (advertiser->address, filter->pattern) &&
      !(scan->name != NULL && g_str_has_prefix (scan->name, filter->pattern)))
    return FALSE;
  if (filter->uuids != NULL && filter->uuids[0] != NULL)
    {
      gboolean any = FALSE;

      for (guint i = 0; scan->uuids != NULL && scan->uuids[i] != NULL && !any; i++)
        any = g_strv_contains ((const char *const *) filter->uuids, scan->uuids[i]);
      if (!any)
        return FALSE;
    }
  return TRUE;
}

/* bluetoothd merges the filters of all discovering clients: a report that one of them
 * wants is reported. */
static gboolean
wanted_by_a_client (VbAdapter *adapter, VbAdapter *advertiser, const VbScanData *scan)
{
  GHashTableIter iter;
  gpointer sender;

  g_hash_table_iter_init (&iter, adapter->discovery);
  while (g_hash_table_iter_next (&iter, &sender, NULL))
    if (filter_matches (g_hash_table_lookup (adapter->filters, sender), advertiser, scan))
      return TRUE;
  return FALSE;
}

void
vb_adapter_scan (VbAdapter *adapter,
                 VbAdapter *advertiser)
{
  VbScanData scan;

  if (!adapter->discovering || !adapter->powered || adapter == advertiser)
    return;
  if (vb_advertising_get_scan_data (advertiser->advertising, &scan) &&
      wanted_by_a_client (adapter, advertiser, &scan))
    vb_device_update_scan (vb_adapter_ensure_device (adapter, advertiser), &scan);
  vb_scan_data_clear (&scan);
}

static gboolean
scan_all (gpointer data)
{
  VbAdapter *adapter = data;
  GPtrArray *adapters = adapter->daemon->adapters;

  for (guint i = 0; i < adapters->len; i++)
    vb_adapter_scan (adapter, g_ptr_array_index (adapters, i));
  return G_SOURCE_REMOVE;
}

static void
set_discovering (VbAdapter *adapter, gboolean discovering)
{
  GHashTableIter iter;
  VbDevice *device;

  if (adapter->discovering == discovering)
    return;
  adapter->discovering = discovering;
  adapter_emit (adapter, "Discovering");
  if (discovering)
    {
      /* Reports arrive a moment after the reply, as from a controller. */
      g_idle_add (scan_all, adapter);
      return;
    }
  g_hash_table_iter_init (&iter, adapter->devices);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &device))
    vb_device_discovery_stopped (device);
}

static void
stop_all_discovery (VbAdapter *adapter)
{
  g_hash_table_remove_all (adapter->discovery);
  set_discovering (adapter, FALSE);
}

/* parse_discovery_filter_entry(): known keys with their types, else InvalidArguments. */
static DiscoveryFilter *
parse_filter (GVariant *properties, GError **error)
{
  g_autoptr(DiscoveryFilter) filter = g_new0 (DiscoveryFilter, 1);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, properties);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = value;
      gboolean ok = TRUE;

      if (strcmp (key, "UUIDs") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
        {
          g_autofree const char **uuids = g_variant_get_strv (value, NULL);
          g_autoptr(GPtrArray) full = g_ptr_array_new_with_free_func (g_free);

          for (guint i = 0; uuids[i] != NULL && ok; i++)
            {
              char normalized[VB_UUID_STRLEN];

              ok = vb_uuid_parse (uuids[i], normalized) != VB_UUID_INVALID;
              g_ptr_array_add (full, g_strdup (normalized));
            }
          g_ptr_array_add (full, NULL);
          g_strfreev (filter->uuids);
          filter->uuids = (char **) g_ptr_array_free (g_steal_pointer (&full), FALSE);
        }
      else if (strcmp (key, "RSSI") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_INT16))
        {
          filter->has_rssi = TRUE;
          filter->rssi = g_variant_get_int16 (value);
          ok = filter->rssi >= -127 && filter->rssi <= 20;
        }
      else if (strcmp (key, "Pathloss") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
        {
          filter->has_pathloss = TRUE;
          filter->pathloss = g_variant_get_uint16 (value);
          ok = filter->pathloss <= 137;
        }
      else if (strcmp (key, "Transport") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          const char *transport = g_variant_get_string (value, NULL);

          ok = strcmp (transport, "auto") == 0 || strcmp (transport, "le") == 0 ||
               strcmp (transport, "bredr") == 0;
          g_free (filter->transport);
          filter->transport = g_strdup (transport);
        }
      else if (strcmp (key, "DuplicateData") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        ;  /* Accepted; every change is reported either way here. */
      else if (strcmp (key, "Discoverable") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        filter->discoverable = g_variant_get_boolean (value);
      else if (strcmp (key, "Pattern") == 0 && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          g_free (filter->pattern);
          filter->pattern = g_variant_dup_string (value, NULL);
        }
      else
        ok = FALSE;
      if (!ok)
        {
          g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENTS, VB_MSG_INVALID_ARGS);
          return NULL;
        }
    }
  /* RSSI and Pathloss together are refused. */
  if (filter->has_rssi && filter->has_pathloss)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENTS, VB_MSG_INVALID_ARGS);
      return NULL;
    }
  return g_steal_pointer (&filter);
}

static void
set_discovery_filter (VbAdapter *adapter, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GVariant) properties = g_variant_get_child_value (parameters, 0);
  g_autoptr(GError) error = NULL;
  DiscoveryFilter *filter;

  if (!adapter->powered)
    {
      vb_return_error (invocation, VB_ERROR_NOT_READY, VB_MSG_NOT_READY);
      return;
    }
  if (g_variant_n_children (properties) == 0)
    {
      /* An empty filter clears the client's. */
      g_hash_table_remove (adapter->filters, sender);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  filter = parse_filter (properties, &error);
  if (filter == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  g_hash_table_replace (adapter->filters, g_strdup (sender), filter);
  g_dbus_method_invocation_return_value (invocation, NULL);
  if (adapter->discovering)
    g_idle_add (scan_all, adapter);
}

static void
adapter_method (gpointer               object,
                GDBusMethodInvocation *invocation,
                const char            *method,
                GVariant              *parameters)
{
  VbAdapter *adapter = object;
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  if (strcmp (method, "StartDiscovery") == 0)
    {
      if (!adapter->powered)
        vb_return_error (invocation, VB_ERROR_NOT_READY, VB_MSG_NOT_READY);
      else if (g_hash_table_contains (adapter->discovery, sender))
        vb_return_error (invocation, VB_ERROR_IN_PROGRESS, VB_MSG_BUSY);
      else
        {
          g_hash_table_add (adapter->discovery, g_strdup (sender));
          g_dbus_method_invocation_return_value (invocation, NULL);
          if (adapter->discovering)
            g_idle_add (scan_all, adapter);
          set_discovering (adapter, TRUE);
        }
    }
  else if (strcmp (method, "StopDiscovery") == 0)
    {
      if (!adapter->powered)
        vb_return_error (invocation, VB_ERROR_NOT_READY, VB_MSG_NOT_READY);
      else if (!g_hash_table_remove (adapter->discovery, sender))
        vb_return_error (invocation, VB_ERROR_FAILED, "No discovery started");
      else
        {
          g_dbus_method_invocation_return_value (invocation, NULL);
          if (g_hash_table_size (adapter->discovery) == 0)
            set_discovering (adapter, FALSE);
        }
    }
  else if (strcmp (method, "SetDiscoveryFilter") == 0)
    set_discovery_filter (adapter, invocation, parameters);
  else if (strcmp (method, "GetDiscoveryFilters") == 0)
    {
      static const char *const filters[] = {
        "UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern", NULL,
      };

      g_dbus_method_invocation_return_value (invocation,
                                             g_variant_new ("(@as)", g_variant_new_strv (filters, -1)));
    }
  else if (strcmp (method, "RemoveDevice") == 0)
    {
      const char *path;
      GHashTableIter iter;
      VbDevice *device, *found = NULL;

      g_variant_get (parameters, "(&o)", &path);
      g_hash_table_iter_init (&iter, adapter->devices);
      while (found == NULL && g_hash_table_iter_next (&iter, NULL, (gpointer *) &device))
        if (device->exported && strcmp (device->path, path) == 0)
          found = device;
      if (found == NULL)
        {
          vb_return_error (invocation, VB_ERROR_DOES_NOT_EXIST, VB_MSG_DOES_NOT_EXIST);
          return;
        }
      vb_adapter_remove_device (adapter, found);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static GVariant *
adapter_get (gpointer object, const char *property)
{
  VbAdapter *adapter = object;

  if (strcmp (property, "Address") == 0)
    return g_variant_new_string (adapter->address);
  if (strcmp (property, "AddressType") == 0)
    return g_variant_new_string ("public");
  if (strcmp (property, "Name") == 0)
    return g_variant_new_string (adapter->name);
  if (strcmp (property, "Alias") == 0)
    return g_variant_new_string (vb_adapter_get_alias (adapter));
  if (strcmp (property, "Class") == 0)
    return g_variant_new_uint32 (0);   /* no BR/EDR, no class of device */
  if (strcmp (property, "Powered") == 0)
    return g_variant_new_boolean (adapter->powered);
  if (strcmp (property, "PowerState") == 0)
    return g_variant_new_string (adapter->powered ? "on" : "off");
  if (strcmp (property, "Discoverable") == 0)
    return g_variant_new_boolean (adapter->discoverable);
  if (strcmp (property, "DiscoverableTimeout") == 0)
    return g_variant_new_uint32 (adapter->discoverable_timeout);
  if (strcmp (property, "Pairable") == 0)
    return g_variant_new_boolean (adapter->pairable);
  if (strcmp (property, "PairableTimeout") == 0)
    return g_variant_new_uint32 (adapter->pairable_timeout);
  if (strcmp (property, "Discovering") == 0)
    return g_variant_new_boolean (adapter->discovering);
  if (strcmp (property, "UUIDs") == 0)
    {
      g_auto(GStrv) uuids = NULL;

      /* Adapter1 is exported before its GATT database exists. */
      if (adapter->gatt == NULL)
        return g_variant_new_strv (NULL, 0);
      uuids = vb_gatt_server_list_uuids (adapter->gatt, TRUE);
      return g_variant_new_strv ((const char *const *) uuids, -1);
    }
  if (strcmp (property, "Modalias") == 0)
    return g_variant_new_string ("usb:v1D6Bp0246d0542");   /* DeviceID of bluetoothd 5.66 */
  if (strcmp (property, "Roles") == 0)
    {
      static const char *const roles[] = { "central", "peripheral", NULL };

      return g_variant_new_strv (roles, -1);
    }
  return NULL;
}

static gboolean
discoverable_expired (gpointer data)
{
  VbAdapter *adapter = data;

  adapter->discoverable_timer = 0;
  adapter->discoverable = FALSE;
  adapter_emit (adapter, "Discoverable");
  vb_advertising_refresh (adapter->advertising);
  return G_SOURCE_REMOVE;
}

/* DiscoverableTimeout: bluetoothd's default of 180 s ends discoverability, and with
 * it the General Discoverable flag of the adverts (docs/bluez.md §1.3: HAP needs 0x06). */
static void
arm_discoverable (VbAdapter *adapter)
{
  g_clear_handle_id (&adapter->discoverable_timer, g_source_remove);
  if (adapter->discoverable && adapter->discoverable_timeout > 0)
    adapter->discoverable_timer = g_timeout_add_seconds (adapter->discoverable_timeout,
                                                         discoverable_expired, adapter);
}

static void
set_powered (VbAdapter *adapter, gboolean powered)
{
  if (adapter->powered == powered)
    return;
  adapter->powered = powered;
  if (!powered)
    {
      g_autoptr(GPtrArray) devices = list_devices (adapter);

      /* Powering off drops links and discovery; discoverability ends. */
      for (guint i = 0; i < devices->len; i++)
        vb_device_drop_connection (g_ptr_array_index (devices, i));
      stop_all_discovery (adapter);
      if (adapter->discoverable)
        {
          adapter->discoverable = FALSE;
          g_clear_handle_id (&adapter->discoverable_timer, g_source_remove);
          adapter_emit (adapter, "Discoverable");
        }
    }
  adapter_emit (adapter, "Powered");
  adapter_emit (adapter, "PowerState");
  vb_advertising_refresh (adapter->advertising);
}

static gboolean
adapter_set (gpointer     object,
             const char  *property,
             GVariant    *value,
             GError     **error)
{
  VbAdapter *adapter = object;

  if (strcmp (property, "Powered") == 0)
    set_powered (adapter, g_variant_get_boolean (value));
  else if (strcmp (property, "Alias") == 0)
    {
      const char *alias = g_variant_get_string (value, NULL);

      g_free (adapter->alias);
      adapter->alias = alias[0] != '\0' ? g_strdup (alias) : NULL;
      adapter_emit (adapter, "Alias");
      vb_advertising_refresh (adapter->advertising);
    }
  else if (strcmp (property, "Discoverable") == 0)
    {
      gboolean discoverable = g_variant_get_boolean (value);

      if (!adapter->powered)
        {
          g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_READY, VB_MSG_NOT_READY);
          return FALSE;
        }
      if (discoverable != adapter->discoverable)
        {
          adapter->discoverable = discoverable;
          adapter_emit (adapter, "Discoverable");
          vb_advertising_refresh (adapter->advertising);
        }
      arm_discoverable (adapter);
    }
  else if (strcmp (property, "DiscoverableTimeout") == 0)
    {
      adapter->discoverable_timeout = g_variant_get_uint32 (value);
      adapter_emit (adapter, "DiscoverableTimeout");
      arm_discoverable (adapter);
    }
  else if (strcmp (property, "Pairable") == 0)
    {
      adapter->pairable = g_variant_get_boolean (value);
      adapter_emit (adapter, "Pairable");
    }
  else if (strcmp (property, "PairableTimeout") == 0)
    {
      adapter->pairable_timeout = g_variant_get_uint32 (value);
      adapter_emit (adapter, "PairableTimeout");
    }
  else
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY,
                   "Property '%s' is not writable", property);
      return FALSE;
    }
  return TRUE;
}

static const VbInterface adapter_iface = { IFACE_ADAPTER, adapter_method, adapter_get, adapter_set };

VbAdapter *
vb_adapter_new (VbDaemon      *daemon,
                guint          index,
                const guint8   address[6],
                GError       **error)
{
  VbAdapter *adapter = g_new0 (VbAdapter, 1);

  adapter->daemon = daemon;
  adapter->index = index;
  adapter->path = g_strdup_printf ("/org/bluez/hci%u", index);
  g_snprintf (adapter->address, sizeof adapter->address, "%02X:%02X:%02X:%02X:%02X:%02X",
              address[0], address[1], address[2], address[3], address[4], address[5]);
  /* main.c's default Name, numbered from the second adapter on. */
  adapter->name = index == 0 ? g_strdup ("BlueZ 5.66") : g_strdup_printf ("BlueZ 5.66 #%u", index + 1);
  adapter->powered = TRUE;
  adapter->discoverable_timeout = 180;
  adapter->pairable = TRUE;
  adapter->discovery = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  adapter->filters = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) discovery_filter_free);
  adapter->devices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) vb_device_free);
  if (!vb_objects_export (adapter_objects (adapter), adapter->path, &adapter_iface, adapter, error) ||
      (adapter->gatt = vb_gatt_server_new (adapter, error)) == NULL ||
      (adapter->advertising = vb_advertising_new (adapter, error)) == NULL)
    {
      vb_adapter_free (adapter);
      return NULL;
    }
  return adapter;
}

void
vb_adapter_free (VbAdapter *adapter)
{
  if (adapter == NULL)
    return;
  g_clear_handle_id (&adapter->discoverable_timer, g_source_remove);
  g_idle_remove_by_data (adapter);
  g_hash_table_remove_all (adapter->devices);
  vb_advertising_free (adapter->advertising, TRUE);
  vb_gatt_server_free (adapter->gatt);
  vb_objects_unexport (adapter_objects (adapter), adapter->path);
  g_hash_table_unref (adapter->devices);
  g_hash_table_unref (adapter->discovery);
  g_hash_table_unref (adapter->filters);
  g_free (adapter->name);
  g_free (adapter->alias);
  g_free (adapter->path);
  g_free (adapter);
}

void
vb_adapter_shutdown (VbAdapter *adapter)
{
  g_autoptr(GPtrArray) devices = list_devices (adapter);

  for (guint i = 0; i < devices->len; i++)
    vb_device_drop_connection (g_ptr_array_index (devices, i));
  g_hash_table_remove_all (adapter->discovery);
  adapter->discovering = FALSE;
}

void
vb_adapter_name_vanished (VbAdapter  *adapter,
                          const char *name)
{
  g_autoptr(GPtrArray) devices = NULL;

  g_hash_table_remove (adapter->filters, name);
  if (g_hash_table_remove (adapter->discovery, name) && g_hash_table_size (adapter->discovery) == 0)
    set_discovering (adapter, FALSE);
  vb_advertising_name_vanished (adapter->advertising, name);
  if (vb_gatt_server_name_vanished (adapter->gatt, name))
    {
      /* Policy of the virtual BlueZ (not bluetoothd's): an accessory that crashed or
       * quit does not leave centrals connected to an empty database. */
      devices = list_devices (adapter);
      for (guint i = 0; i < devices->len; i++)
        {
          VbDevice *device = g_ptr_array_index (devices, i);

          if (device->connection != NULL && device->connection->peripheral_device == device)
            vb_device_drop_connection (device);
        }
      g_clear_pointer (&devices, g_ptr_array_unref);
    }
  devices = list_devices (adapter);
  for (guint i = 0; i < devices->len; i++)
    {
      VbDevice *device = g_ptr_array_index (devices, i);

      if (device->client != NULL)
        vb_gatt_client_name_vanished (device->client, name);
    }
}

void
vb_adapter_uuids_changed (VbAdapter *adapter)
{
  adapter_emit (adapter, "UUIDs");
}
