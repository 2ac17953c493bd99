/* hap-ble-advertising.c — the org.bluez.LEAdvertisement1 object of a HAP-BLE accessory
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bluetoothd reads the object with Properties.GetAll when it is registered and follows
 * its PropertiesChanged (docs/bluez.md §1.3), so a new GSN or status is one signal. The
 * name goes to the scan response; the Flags AD (0x06) comes from the adapter being
 * discoverable. MinInterval/MaxInterval are honoured only by bluetoothd -E.
 */
#include "hap-ble-private.h"

#include "hap-ble-advertisement-private.h"

static const char introspection_xml[] =
  "<node>"
  " <interface name='org.bluez.LEAdvertisement1'>"
  "  <method name='Release'/>"
  "  <property name='Type' type='s' access='read'/>"
  "  <property name='ManufacturerData' type='a{qv}' access='read'/>"
  "  <property name='LocalName' type='s' access='read'/>"
  "  <property name='MinInterval' type='u' access='read'/>"
  "  <property name='MaxInterval' type='u' access='read'/>"
  " </interface>"
  "</node>";

struct _HapBleAdvertising
{
  GDBusConnection *bus;
  GDBusNodeInfo   *introspection;
  char            *path;
  guint            registration;
  GBytes          *data;
  char            *local_name;
  guint            interval_ms;
  gboolean         intervals_applied;
  GCallback        released;
  gpointer         user_data;
};

static GVariant *
manufacturer_data (HapBleAdvertising *adv)
{
  GVariantBuilder builder;
  gsize len = 0;
  const guint8 *data = adv->data != NULL ? g_bytes_get_data (adv->data, &len) : NULL;
  static const guint8 none = 0;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{qv}"));
  g_variant_builder_add (&builder, "{qv}", (guint16) HAP_BLE_COMPANY_ID_APPLE,
                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, len > 0 ? data : &none, len, 1));
  return g_variant_builder_end (&builder);
}

static GVariant *
get_property (GDBusConnection *connection, const char *sender, const char *object_path,
              const char *interface_name, const char *property_name, GError **error,
              gpointer user_data)
{
  HapBleAdvertising *adv = user_data;

  if (g_str_equal (property_name, "Type"))
    return g_variant_new_string ("peripheral");
  if (g_str_equal (property_name, "ManufacturerData"))
    return manufacturer_data (adv);
  if (g_str_equal (property_name, "LocalName"))
    return g_variant_new_string (adv->local_name != NULL ? adv->local_name : "");
  if (g_str_equal (property_name, "MinInterval") || g_str_equal (property_name, "MaxInterval"))
    return g_variant_new_uint32 (adv->interval_ms);
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", property_name);
  return NULL;
}

static void
method_call (GDBusConnection *connection, const char *sender, const char *object_path,
             const char *interface_name, const char *method_name, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  HapBleAdvertising *adv = user_data;

  g_dbus_method_invocation_return_value (invocation, NULL);
  if (adv->released != NULL)
    ((void (*) (gpointer)) adv->released) (adv->user_data);
}

static const GDBusInterfaceVTable vtable = { method_call, get_property, NULL, { 0 } };

HapBleAdvertising *
_hap_ble_advertising_new (GDBusConnection  *bus,
                          const char       *path,
                          GCallback         released,
                          gpointer          user_data,
                          GError          **error)
{
  HapBleAdvertising *adv = g_new0 (HapBleAdvertising, 1);

  adv->bus = g_object_ref (bus);
  adv->path = g_strdup (path);
  adv->released = released;
  adv->user_data = user_data;
  adv->introspection = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_assert (adv->introspection != NULL);
  adv->registration = g_dbus_connection_register_object (bus, path, adv->introspection->interfaces[0],
                                                         &vtable, adv, NULL, error);
  if (adv->registration == 0)
    {
      _hap_ble_advertising_free (adv);
      return NULL;
    }
  return adv;
}

void
_hap_ble_advertising_free (HapBleAdvertising *adv)
{
  if (adv == NULL)
    return;
  if (adv->registration != 0)
    g_dbus_connection_unregister_object (adv->bus, adv->registration);
  g_clear_pointer (&adv->data, g_bytes_unref);
  g_dbus_node_info_unref (adv->introspection);
  g_object_unref (adv->bus);
  g_free (adv->local_name);
  g_free (adv->path);
  g_free (adv);
}

const char *
_hap_ble_advertising_get_path (HapBleAdvertising *adv)
{
  return adv->path;
}

GBytes *
_hap_ble_advertising_get_data (HapBleAdvertising *adv)
{
  return adv->data;
}

void
_hap_ble_advertising_set_intervals_applied (HapBleAdvertising *adv,
                                            gboolean           applied)
{
  adv->intervals_applied = applied;
}

void
_hap_ble_advertising_set (HapBleAdvertising *adv,
                          GBytes            *data,
                          const char        *local_name,
                          guint              interval_ms,
                          gboolean           notify)
{
  GVariantBuilder changed;
  gboolean any = FALSE;

  g_variant_builder_init (&changed, G_VARIANT_TYPE ("a{sv}"));
  if (adv->data == NULL || !g_bytes_equal (adv->data, data))
    {
      g_clear_pointer (&adv->data, g_bytes_unref);
      adv->data = g_bytes_ref (data);
      g_variant_builder_add (&changed, "{sv}", "ManufacturerData", manufacturer_data (adv));
      any = TRUE;
    }
  if (g_strcmp0 (adv->local_name, local_name) != 0)
    {
      g_free (adv->local_name);
      adv->local_name = g_strdup (local_name);
      g_variant_builder_add (&changed, "{sv}", "LocalName", g_variant_new_string (local_name));
      any = TRUE;
    }
  if (adv->interval_ms != interval_ms)
    {
      adv->interval_ms = interval_ms;
      g_variant_builder_add (&changed, "{sv}", "MinInterval", g_variant_new_uint32 (interval_ms));
      g_variant_builder_add (&changed, "{sv}", "MaxInterval", g_variant_new_uint32 (interval_ms));
      /* Each PropertiesChanged makes bluetoothd re-add the instance: advertising goes off
       * and on again. For an interval it ignores that is a gap for nothing, and a central
       * connecting in that gap fails (btvirt answers LE Create Connection at once with
       * 0x3e, and Linux 6.1 then wedges that link for minutes: tests/ble/vm). */
      any = any || adv->intervals_applied;
    }
  if (any && notify)
    g_dbus_connection_emit_signal (adv->bus, NULL, adv->path, "org.freedesktop.DBus.Properties",
                                   "PropertiesChanged",
                                   g_variant_new ("(s@a{sv}@as)", "org.bluez.LEAdvertisement1",
                                                  g_variant_builder_end (&changed),
                                                  g_variant_new_strv (NULL, 0)),
                                   NULL);
  else
    g_variant_builder_clear (&changed);
}
