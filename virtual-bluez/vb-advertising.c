/* vb-advertising.c — LEAdvertisingManager1 of one adapter and its advertisements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bluetoothd 5.66 src/advertising.c, minus the kernel: an advertisement is read with
 * Properties.GetAll (no ObjectManager needed), re-read when it emits
 * PropertiesChanged, released (Release()) when its Timeout expires or the daemon
 * stops, and dropped without Release() on UnregisterAdvertisement or when its owner
 * leaves the bus (docs/bluez.md §1.3).
 */
#include "vb-advertising.h"

#include <string.h>

#include "vb-ad.h"
#include "vb-adapter.h"
#include "vb-daemon.h"
#include "vb-error.h"
#include "vb-uuid.h"

#define IFACE_MANAGER "org.bluez.LEAdvertisingManager1"
#define IFACE_ADVERT  "org.bluez.LEAdvertisement1"

typedef struct
{
  VbAdvertising *manager;
  char *owner;
  char *path;
  GDBusMethodInvocation *registration;   /* until replied */
  GCancellable *cancellable;
  guint changed_subscription;
  GVariant *properties;                  /* a{sv}, as last read */
  VbAdData ad;
  VbAdPayload payload;
  guint8 instance;
  gboolean registered;
  guint timeout_timer;
  guint refreshes;                       /* PropertiesChanged taken: each one re-programs the controller */
} Advert;

static void
advert_free (Advert *advert)
{
  GDBusConnection *connection = advert->manager->adapter->daemon->connection;

  g_cancellable_cancel (advert->cancellable);
  g_clear_object (&advert->cancellable);
  if (advert->registration != NULL)
    vb_return_error (g_steal_pointer (&advert->registration), VB_ERROR_FAILED,
                     "Failed to complete registration");
  if (advert->changed_subscription != 0)
    g_dbus_connection_signal_unsubscribe (connection, advert->changed_subscription);
  g_clear_handle_id (&advert->timeout_timer, g_source_remove);
  g_clear_pointer (&advert->properties, g_variant_unref);
  vb_ad_data_clear (&advert->ad);
  vb_ad_payload_clear (&advert->payload);
  g_free (advert->owner);
  g_free (advert->path);
  g_free (advert);
}

static void
emit_instances (VbAdvertising *advertising)
{
  vb_objects_emit_changed (advertising->adapter->daemon->objects, advertising->adapter->path,
                           IFACE_MANAGER, "SupportedInstances", "ActiveInstances", NULL);
}

static void
call_release (Advert *advert)
{
  g_dbus_connection_call (advert->manager->adapter->daemon->connection, advert->owner, advert->path,
                          IFACE_ADVERT, "Release", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          NULL, NULL, NULL);
}

/* Removes @advert; @release calls its Release() first. */
static void
advert_remove (Advert *advert, gboolean release)
{
  VbAdvertising *advertising = advert->manager;
  gboolean was_registered = advert->registered;

  vb_log ("advertisement %s %s removed%s", advert->owner, advert->path, release ? " (released)" : "");
  if (release && was_registered)
    call_release (advert);
  g_ptr_array_remove (advertising->adverts, advert);
  emit_instances (advertising);
  if (was_registered)
    vb_daemon_advertising_changed (advertising->adapter->daemon, advertising->adapter);
}

static Advert *
find_advert (VbAdvertising *advertising, const char *owner, const char *path)
{
  for (guint i = 0; i < advertising->adverts->len; i++)
    {
      Advert *advert = g_ptr_array_index (advertising->adverts, i);

      if (g_strcmp0 (advert->owner, owner) == 0 && (path == NULL || strcmp (advert->path, path) == 0))
        return advert;
    }
  return NULL;
}

/* Parses @properties and builds the payloads into @advert; on failure @advert keeps
 * what it had. */
static gboolean
advert_apply (Advert *advert, GVariant *properties, GError **error)
{
  VbAdapter *adapter = advert->manager->adapter;
  VbAdData ad;
  VbAdPayload payload = { NULL, NULL, 0 };

  vb_ad_data_init (&ad);
  if (!vb_ad_parse (properties, adapter->daemon->options.experimental, &ad, error) ||
      !vb_ad_build (&ad, adapter->discoverable, vb_adapter_get_alias (adapter), &payload, error))
    {
      vb_ad_data_clear (&ad);
      return FALSE;
    }
  vb_ad_data_clear (&advert->ad);
  advert->ad = ad;
  vb_ad_payload_clear (&advert->payload);
  advert->payload = payload;
  g_clear_pointer (&advert->properties, g_variant_unref);
  advert->properties = g_variant_ref (properties);
  return TRUE;
}

static gboolean
advert_timeout (gpointer data)
{
  Advert *advert = data;

  advert->timeout_timer = 0;
  advert_remove (advert, TRUE);
  return G_SOURCE_REMOVE;
}

static void
arm_timeout (Advert *advert)
{
  g_clear_handle_id (&advert->timeout_timer, g_source_remove);
  if (advert->ad.timeout > 0)
    advert->timeout_timer = g_timeout_add_seconds (advert->ad.timeout, advert_timeout, advert);
}

/* bluetoothd re-parses a changed property and refreshes the instance (5.66,
 * properties_changed(); the documentation says changes are ignored). */
static void
advert_properties_changed (GDBusConnection *connection,
                           const char      *sender,
                           const char      *object_path,
                           const char      *interface_name,
                           const char      *signal_name,
                           GVariant        *parameters,
                           gpointer         user_data)
{
  Advert *advert = user_data;
  VbAdvertising *advertising = advert->manager;
  g_autoptr(GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;
  const char *iface;
  GVariantDict dict;
  g_autoptr(GVariant) merged = NULL;
  g_autoptr(GError) error = NULL;

  if (!advert->registered || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}^a&s)", &iface, &changed, &invalidated);
  if (strcmp (iface, IFACE_ADVERT) != 0)
    return;
  g_variant_dict_init (&dict, advert->properties);
  {
    GVariantIter iter;
    const char *name;
    GVariant *value;

    g_variant_iter_init (&iter, changed);
    while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
      {
        g_variant_dict_insert_value (&dict, name, value);
        g_variant_unref (value);
      }
  }
  merged = g_variant_ref_sink (g_variant_dict_end (&dict));
  if (!advert_apply (advert, merged, &error))
    {
      vb_warn ("advertisement %s %s: change ignored: %s", advert->owner, advert->path, error->message);
      return;
    }
  arm_timeout (advert);
  if (advertising->hidden)
    {
      /* docs/bluez.md §5.4: the refresh re-adds the instance and the kernel then
       * advertises during the connection. */
      vb_warn ("advertisement %s changed during a connection: it is on air again "
               "(as with bluetoothd; defer changes to the disconnect)", advert->path);
      advertising->hidden = FALSE;
    }
  advert->refreshes++;
  vb_log ("advertisement %s %s refreshed", advert->owner, advert->path);
  vb_daemon_advertising_changed (advertising->adapter->daemon, advertising->adapter);
}

static void
got_properties (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariant) properties = NULL;
  Advert *advert;
  GDBusMethodInvocation *invocation;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  advert = user_data;
  invocation = g_steal_pointer (&advert->registration);
  if (reply == NULL)
    {
      g_autofree char *name = g_dbus_error_get_remote_error (error);

      if (name == NULL)
        name = g_dbus_error_encode_gerror (error);
      g_dbus_error_strip_remote_error (error);
      vb_return_error (invocation, VB_ERROR_FAILED, "Failed to register advertisement (GetAll: %s: %s)",
                       name, error->message);
      advert_remove (advert, FALSE);
      return;
    }
  g_variant_get (reply, "(@a{sv})", &properties);
  if (!advert_apply (advert, properties, &error))
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      advert_remove (advert, FALSE);
      return;
    }
  advert->registered = TRUE;
  advert->changed_subscription =
    g_dbus_connection_signal_subscribe (advert->manager->adapter->daemon->connection, advert->owner,
                                        "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                        advert->path, IFACE_ADVERT, G_DBUS_SIGNAL_FLAGS_NONE,
                                        advert_properties_changed, advert, NULL);
  /* add_client_complete(): an Instance property is told its instance. */
  {
    g_autoptr(GVariant) instance = g_variant_lookup_value (properties, "Instance", NULL);

    if (instance != NULL)
      g_dbus_connection_call (advert->manager->adapter->daemon->connection, advert->owner,
                              advert->path, "org.freedesktop.DBus.Properties", "Set",
                              g_variant_new ("(ssv)", IFACE_ADVERT, "Instance",
                                             g_variant_new_byte (advert->instance)),
                              NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
  }
  arm_timeout (advert);
  vb_log ("advertisement %s %s registered on %s (instance %u, %" G_GSIZE_FORMAT " bytes)",
          advert->owner, advert->path, advert->manager->adapter->path, advert->instance,
          g_bytes_get_size (advert->payload.adv_data));
  g_dbus_method_invocation_return_value (invocation, NULL);
  emit_instances (advert->manager);
  vb_daemon_advertising_changed (advert->manager->adapter->daemon, advert->manager->adapter);
}

static guint8
free_instance (VbAdvertising *advertising)
{
  for (guint8 instance = 1; instance <= VB_MAX_ADVERTISEMENTS; instance++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < advertising->adverts->len && !used; i++)
        used = ((Advert *) g_ptr_array_index (advertising->adverts, i))->instance == instance;
      if (!used)
        return instance;
    }
  return 0;
}

static void
register_advertisement (VbAdvertising *advertising, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  const char *path;
  Advert *advert;
  guint8 instance;

  g_variant_get (parameters, "(&oa{sv})", &path, NULL);
  if (find_advert (advertising, sender, path) != NULL)
    {
      vb_return_error (invocation, VB_ERROR_ALREADY_EXISTS, VB_MSG_ALREADY_EXISTS);
      return;
    }
  instance = free_instance (advertising);
  if (instance == 0)
    {
      vb_return_error (invocation, VB_ERROR_NOT_PERMITTED, "Maximum advertisements reached");
      return;
    }
  advert = g_new0 (Advert, 1);
  advert->manager = advertising;
  advert->owner = g_strdup (sender);
  advert->path = g_strdup (path);
  advert->instance = instance;
  /* The handler's reference, answered (and dropped) once GetAll has come back. */
  advert->registration = invocation;
  advert->cancellable = g_cancellable_new ();
  vb_ad_data_init (&advert->ad);
  g_ptr_array_add (advertising->adverts, advert);
  g_dbus_connection_call (advertising->adapter->daemon->connection, sender, path,
                          "org.freedesktop.DBus.Properties", "GetAll",
                          g_variant_new ("(s)", IFACE_ADVERT), G_VARIANT_TYPE ("(a{sv})"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, advert->cancellable,
                          got_properties, advert);
}

static void
manager_method (gpointer               object,
                GDBusMethodInvocation *invocation,
                const char            *method,
                GVariant              *parameters)
{
  VbAdvertising *advertising = object;

  if (strcmp (method, "RegisterAdvertisement") == 0)
    register_advertisement (advertising, invocation, parameters);
  else if (strcmp (method, "UnregisterAdvertisement") == 0)
    {
      const char *path;
      Advert *advert;

      g_variant_get (parameters, "(&o)", &path);
      advert = find_advert (advertising, g_dbus_method_invocation_get_sender (invocation), path);
      if (advert == NULL)
        {
          vb_return_error (invocation, VB_ERROR_DOES_NOT_EXIST, VB_MSG_DOES_NOT_EXIST);
          return;
        }
      /* client_remove(): no Release() for an explicit unregistration. */
      advert_remove (advert, FALSE);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static GVariant *
manager_get (gpointer object, const char *property)
{
  VbAdvertising *advertising = object;

  if (strcmp (property, "ActiveInstances") == 0)
    return g_variant_new_byte ((guint8) advertising->adverts->len);
  if (strcmp (property, "SupportedInstances") == 0)
    return g_variant_new_byte ((guint8) (VB_MAX_ADVERTISEMENTS - advertising->adverts->len));
  if (strcmp (property, "SupportedIncludes") == 0)
    {
      static const char *const includes[] = { "tx-power", "appearance", "local-name", NULL };

      return g_variant_new_strv (includes, -1);
    }
  /* 5.66 exports these two only with -E (G_DBUS_PROPERTY_FLAG_EXPERIMENTAL), the same
   * switch that makes it honour MinInterval/MaxInterval: a client can tell from them.
   * Checked against the real bluetoothd 5.66 under QEMU (tests/ble/vm). */
  if (!advertising->adapter->daemon->options.experimental)
    return NULL;
  if (strcmp (property, "SupportedFeatures") == 0)
    return g_variant_new_strv (NULL, 0);
  if (strcmp (property, "SupportedCapabilities") == 0)
    {
      GVariantBuilder builder;

      g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "MaxAdvLen", g_variant_new_byte (31));
      g_variant_builder_add (&builder, "{sv}", "MaxScnRspLen", g_variant_new_byte (31));
      return g_variant_builder_end (&builder);
    }
  return NULL;
}

static const VbInterface manager_iface = { IFACE_MANAGER, manager_method, manager_get, NULL };

VbAdvertising *
vb_advertising_new (VbAdapter  *adapter,
                    GError    **error)
{
  VbAdvertising *advertising = g_new0 (VbAdvertising, 1);

  advertising->adapter = adapter;
  advertising->adverts = g_ptr_array_new_with_free_func ((GDestroyNotify) advert_free);
  if (!vb_objects_export (adapter->daemon->objects, adapter->path, &manager_iface, advertising, error))
    {
      vb_advertising_free (advertising, FALSE);
      return NULL;
    }
  return advertising;
}

void
vb_advertising_free (VbAdvertising *advertising,
                     gboolean       release)
{
  if (advertising == NULL)
    return;
  for (guint i = 0; release && i < advertising->adverts->len; i++)
    {
      Advert *advert = g_ptr_array_index (advertising->adverts, i);

      if (advert->registered)
        call_release (advert);
    }
  g_ptr_array_unref (advertising->adverts);
  g_free (advertising);
}

void
vb_scan_data_clear (VbScanData *scan)
{
  g_clear_pointer (&scan->name, g_free);
  g_clear_pointer (&scan->manufacturer_data, g_variant_unref);
  g_clear_pointer (&scan->service_data, g_variant_unref);
  g_clear_pointer (&scan->uuids, g_strfreev);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_ascii_strcasecmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
on_air (VbAdvertising *advertising)
{
  return advertising->adapter->powered && !advertising->hidden;
}

gboolean
vb_advertising_get_scan_data (VbAdvertising *advertising,
                              VbScanData    *scan)
{
  g_autoptr(GHashTable) manufacturer = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
  g_autoptr(GHashTable) service_data = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                              (GDestroyNotify) g_bytes_unref);
  g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func (g_free);
  gboolean any = FALSE;

  memset (scan, 0, sizeof *scan);
  if (!on_air (advertising))
    return FALSE;
  for (guint i = 0; i < advertising->adverts->len; i++)
    {
      Advert *advert = g_ptr_array_index (advertising->adverts, i);
      g_autofree char *name = NULL;

      if (!advert->registered)
        continue;
      any = TRUE;
      scan->connectable |= advert->ad.peripheral;
      scan->flags = advert->payload.flags;
      name = vb_ad_payload_name (&advert->payload);
      if (name != NULL)
        {
          g_free (scan->name);
          scan->name = g_steal_pointer (&name);
        }
      for (guint m = 0; m < advert->ad.manufacturer->len; m++)
        {
          const VbAdManufacturer *entry = &g_array_index (advert->ad.manufacturer, VbAdManufacturer, m);

          g_hash_table_replace (manufacturer, GUINT_TO_POINTER (entry->company), g_bytes_ref (entry->data));
        }
      for (guint s = 0; s < advert->ad.service_data->len; s++)
        {
          const VbAdServiceData *entry = &g_array_index (advert->ad.service_data, VbAdServiceData, s);
          char full[VB_UUID_STRLEN];

          vb_uuid_parse (entry->uuid, full);
          g_hash_table_replace (service_data, g_strdup (full), g_bytes_ref (entry->data));
        }
      for (guint u = 0; u < advert->ad.service_uuids->len; u++)
        {
          char full[VB_UUID_STRLEN];

          vb_uuid_parse (g_ptr_array_index (advert->ad.service_uuids, u), full);
          if (!g_ptr_array_find_with_equal_func (uuids, full, g_str_equal, NULL))
            g_ptr_array_add (uuids, g_strdup (full));
        }
      if (advert->ad.includes & VB_AD_INCLUDE_TX_POWER)
        {
          scan->has_tx_power = TRUE;
          scan->tx_power = advert->ad.has_tx_power ? advert->ad.tx_power : 0;
        }
      if (advert->ad.has_appearance || (advert->ad.includes & VB_AD_INCLUDE_APPEARANCE))
        {
          scan->has_appearance = TRUE;
          scan->appearance = advert->ad.has_appearance ? advert->ad.appearance : 0;
        }
    }
  if (!any)
    return FALSE;
  if (g_hash_table_size (manufacturer) > 0)
    {
      GVariantBuilder builder;
      GHashTableIter iter;
      gpointer key, value;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{qv}"));
      g_hash_table_iter_init (&iter, manufacturer);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_variant_builder_add (&builder, "{qv}", (guint16) GPOINTER_TO_UINT (key),
                               g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, value, TRUE));
      scan->manufacturer_data = g_variant_ref_sink (g_variant_builder_end (&builder));
    }
  if (g_hash_table_size (service_data) > 0)
    {
      GVariantBuilder builder;
      GHashTableIter iter;
      gpointer key, value;

      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_hash_table_iter_init (&iter, service_data);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_variant_builder_add (&builder, "{sv}", (const char *) key,
                               g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, value, TRUE));
      scan->service_data = g_variant_ref_sink (g_variant_builder_end (&builder));
    }
  g_ptr_array_sort (uuids, compare_strings);
  g_ptr_array_add (uuids, NULL);
  scan->uuids = (char **) g_ptr_array_free (g_steal_pointer (&uuids), FALSE);
  return TRUE;
}

void
vb_advertising_set_hidden (VbAdvertising *advertising,
                           gboolean       hidden)
{
  if (advertising->hidden == hidden)
    return;
  advertising->hidden = hidden;
  vb_daemon_advertising_changed (advertising->adapter->daemon, advertising->adapter);
}

void
vb_advertising_refresh (VbAdvertising *advertising)
{
  for (guint i = 0; i < advertising->adverts->len; i++)
    {
      Advert *advert = g_ptr_array_index (advertising->adverts, i);
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) properties = NULL;

      if (!advert->registered)
        continue;
      properties = g_variant_ref (advert->properties);
      if (!advert_apply (advert, properties, &error))
        vb_warn ("advertisement %s no longer fits: %s (keeps its old data)", advert->path, error->message);
    }
  vb_daemon_advertising_changed (advertising->adapter->daemon, advertising->adapter);
}

void
vb_advertising_name_vanished (VbAdvertising *advertising,
                              const char    *name)
{
  Advert *advert;

  while ((advert = find_advert (advertising, name, NULL)) != NULL)
    {
      /* Nobody is left to reply to. */
      g_clear_object (&advert->registration);
      advert_remove (advert, FALSE);
    }
}

static GVariant *
bytes_or_empty (GBytes *bytes)
{
  if (bytes == NULL)
    return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, "", 0, TRUE, NULL, NULL);
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

void
vb_advertising_describe (VbAdvertising   *advertising,
                         GVariantBuilder *builder)
{
  for (guint i = 0; i < advertising->adverts->len; i++)
    {
      Advert *advert = g_ptr_array_index (advertising->adverts, i);
      GVariantBuilder entry;

      if (!advert->registered)
        continue;
      g_variant_builder_init (&entry, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&entry, "{sv}", "Adapter", g_variant_new_object_path (advertising->adapter->path));
      g_variant_builder_add (&entry, "{sv}", "Owner", g_variant_new_string (advert->owner));
      g_variant_builder_add (&entry, "{sv}", "Path", g_variant_new_object_path (advert->path));
      g_variant_builder_add (&entry, "{sv}", "Type",
                             g_variant_new_string (advert->ad.peripheral ? "peripheral" : "broadcast"));
      g_variant_builder_add (&entry, "{sv}", "Visible", g_variant_new_boolean (on_air (advertising)));
      g_variant_builder_add (&entry, "{sv}", "AdvertisingData", bytes_or_empty (advert->payload.adv_data));
      g_variant_builder_add (&entry, "{sv}", "ScanResponse", bytes_or_empty (advert->payload.scan_response));
      g_variant_builder_add (&entry, "{sv}", "Flags", g_variant_new_byte (advert->payload.flags));
      g_variant_builder_add (&entry, "{sv}", "LocalName",
                             g_variant_new_string (advert->ad.local_name != NULL ? advert->ad.local_name : ""));
      g_variant_builder_add (&entry, "{sv}", "MinInterval", g_variant_new_uint32 (advert->ad.min_interval_ms));
      g_variant_builder_add (&entry, "{sv}", "MaxInterval", g_variant_new_uint32 (advert->ad.max_interval_ms));
      g_variant_builder_add (&entry, "{sv}", "IntervalsApplied", g_variant_new_boolean (advert->ad.intervals_applied));
      g_variant_builder_add (&entry, "{sv}", "Refreshes", g_variant_new_uint32 (advert->refreshes));
      g_variant_builder_add (&entry, "{sv}", "Duration", g_variant_new_uint16 (advert->ad.duration));
      g_variant_builder_add (&entry, "{sv}", "Timeout", g_variant_new_uint16 (advert->ad.timeout));
      g_variant_builder_add (builder, "a{sv}", &entry);
    }
}
