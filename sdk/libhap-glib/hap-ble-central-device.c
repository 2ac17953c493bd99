/* hap-ble-central-device.c — see hap-ble-central-private.h: finding a device, its link
 * (Device1.Connect with bluetoothd's pitfalls) and its remote GATT attributes
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-central-internal.h"

#include <string.h>

/* How often a state BlueZ may not signal (docs/bluez.md §5.1) is read again. */
#define POLL_MS                250
/* Failed Device1.Connect attempts before giving up (docs/bluez.md §3: a second
 * connection within one bluetoothd run fails now and then). */
#define CONNECT_ATTEMPTS       3
#define CONNECT_RETRY_MS       500
#define DISCONNECT_TIMEOUT_MS  5000

/* ---- finding the device ---- */

/* The device with @address among the objects BlueZ has, or NULL. */
static char *
lookup_device (HapBleCentral *self, const char *address, gint64 deadline, GCancellable *cancellable,
               GError **error)
{
  g_autoptr(GVariant) objects = hap_ble_central_get_objects (self, deadline, cancellable, error);
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  if (objects == NULL)
    return NULL;
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) device = g_variant_lookup_value (interfaces, HAP_BLUEZ_DEVICE_INTERFACE,
                                                          G_VARIANT_TYPE_VARDICT);
      const char *device_address = NULL;

      g_variant_unref (interfaces);
      if (device != NULL && _hap_ble_central_is_device_path (self, path) &&
          g_variant_lookup (device, "Address", "&s", &device_address) &&
          g_ascii_strcasecmp (device_address, address) == 0)
        return g_strdup (path);
    }
  return NULL;
}

char *
hap_ble_central_find_device (HapBleCentral *self, const char *address, gint64 deadline,
                             GCancellable *cancellable, GError **error)
{
  GError *local_error = NULL;
  char *path;
  gboolean was_discovering = self->discovering;

  path = lookup_device (self, address, deadline, cancellable, &local_error);
  if (path != NULL || local_error != NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      return path;
    }

  /* Unknown to BlueZ (or forgotten: unpaired devices go ~30 s after a disconnect,
   * docs/bluez.md §1.5 item 3): discover it. */
  g_clear_pointer (&self->found_path, g_free);
  self->wanted_address = g_strdup (address);
  if (hap_ble_central_start_discovery (self, cancellable, &local_error))
    {
      /* It may have appeared between the lookup and the start. */
      self->found_path = lookup_device (self, address, deadline, cancellable, &local_error);
      while (self->found_path == NULL && local_error == NULL)
        if (!hap_ble_central_wait (self, deadline, cancellable, &local_error) &&
            g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
          {
            g_clear_error (&local_error);
            g_set_error (&local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         "no Bluetooth LE device %s seen by %s", address, self->adapter);
          }
    }
  if (!was_discovering)
    hap_ble_central_stop_discovery (self);
  g_clear_pointer (&self->wanted_address, g_free);
  path = g_steal_pointer (&self->found_path);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      g_clear_pointer (&path, g_free);
    }
  return path;
}

/* ---- the link ---- */

/* Reads a boolean property of the device (TRUE/FALSE), -1 on error. */
static int
get_device_flag (HapBleCentral *self, const char *name, gint64 deadline, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) value = _hap_ble_central_get_property (self, self->device_path, HAP_BLUEZ_DEVICE_INTERFACE, name,
                                            deadline, cancellable, error);

  if (value == NULL)
    return -1;
  return g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean (value);
}

static gboolean
call_connect (HapBleCentral *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  for (guint attempt = 1; ; attempt++)
    {
      GError *local_error = NULL;
      g_autoptr(GVariant) reply = NULL;

      reply = g_dbus_connection_call_sync (self->bus, HAP_BLUEZ_NAME, self->device_path, HAP_BLUEZ_DEVICE_INTERFACE,
                                           "Connect", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                                           _hap_ble_central_timeout_ms_until (deadline), cancellable, &local_error);
      /* "Already connected" and "in progress" end the same way: with Connected. */
      if (reply != NULL || _hap_ble_central_is_remote_error (local_error, "org.bluez.Error.AlreadyConnected") ||
          _hap_ble_central_is_remote_error (local_error, "org.bluez.Error.InProgress"))
        {
          g_clear_error (&local_error);
          return TRUE;
        }
      if (attempt == CONNECT_ATTEMPTS || !g_dbus_error_is_remote_error (local_error))
        {
          _hap_ble_central_set_call_error (error, local_error, "Device1.Connect");
          return FALSE;
        }
      g_debug ("Device1.Connect attempt %u failed: %s", attempt, local_error->message);
      g_error_free (local_error);
      if (!_hap_ble_central_sleep_ms (self, CONNECT_RETRY_MS, deadline, cancellable, error))
        return FALSE;
    }
}

/* Waits until the device property @name is TRUE: signals, and Properties.Get after every
 * pause because the signal may never come (docs/bluez.md §5.1). */
static gboolean
wait_for_flag (HapBleCentral *self, const char *name, gboolean *flag, gint64 deadline,
               GCancellable *cancellable, GError **error)
{
  while (!*flag)
    {
      int value = get_device_flag (self, name, deadline, cancellable, error);

      if (value < 0)
        return FALSE;
      if (value)
        *flag = TRUE;
      else if (!_hap_ble_central_pause_ms (self, POLL_MS, deadline, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
hap_ble_central_connect (HapBleCentral *self, const char *device_path, gint64 deadline,
                         GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (self->device_path == NULL, FALSE);

  self->device_path = g_strdup (device_path);
  self->connected = self->services_resolved = FALSE;
  if (!call_connect (self, deadline, cancellable, error) ||
      !wait_for_flag (self, "Connected", &self->connected, deadline, cancellable, error) ||
      !wait_for_flag (self, "ServicesResolved", &self->services_resolved, deadline, cancellable, error))
    {
      g_prefix_error (error, "connecting to %s: ", device_path);
      hap_ble_central_disconnect (self);
      return FALSE;
    }
  return TRUE;
}

void
hap_ble_central_disconnect (HapBleCentral *self)
{
  g_autoptr(GVariant) reply = NULL;

  if (self->device_path == NULL)
    return;
  /* Also when no longer connected: a pending connection attempt is cancelled this way. */
  reply = hap_ble_central_call (self, self->device_path, HAP_BLUEZ_DEVICE_INTERFACE, "Disconnect", NULL, NULL,
                                g_get_monotonic_time () + DISCONNECT_TIMEOUT_MS * 1000, NULL, NULL);
  self->connected = self->services_resolved = FALSE;
  self->abandoned = FALSE;
  g_clear_pointer (&self->device_path, g_free);
}

gboolean
hap_ble_central_is_connected (HapBleCentral *self)
{
  return self->device_path != NULL && self->connected && !self->abandoned;
}

const char *
hap_ble_central_get_device_path (HapBleCentral *self)
{
  return self->device_path;
}

/* ---- remote attributes ---- */

GBytes *
hap_ble_central_read_value (HapBleCentral *self, const char *path, const char *interface, gint64 deadline,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  reply = hap_ble_central_call (self, path, interface, "ReadValue", g_variant_new ("(a{sv})", &options),
                                G_VARIANT_TYPE ("(ay)"), deadline, cancellable, error);
  if (reply == NULL)
    return NULL;
  value = g_variant_get_child_value (reply, 0);
  return g_variant_get_data_as_bytes (value);
}

gboolean
hap_ble_central_write_value (HapBleCentral *self, const char *path, const guint8 *data, gsize len,
                             gint64 deadline, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder options;
  GVariant *value;

  /* Write Request (not Command): HAP characteristics are "write" only (docs/bluez.md §2). */
  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "type", g_variant_new_string ("request"));
  value = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1);
  reply = hap_ble_central_call (self, path, HAP_BLUEZ_CHARACTERISTIC_INTERFACE, "WriteValue",
                                g_variant_new ("(@aya{sv})", value, &options), NULL, deadline, cancellable, error);
  return reply != NULL;
}

gboolean
hap_ble_central_set_notify (HapBleCentral *self, const char *path, gboolean enable, gint64 deadline,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = hap_ble_central_call (self, path, HAP_BLUEZ_CHARACTERISTIC_INTERFACE,
                                enable ? "StartNotify" : "StopNotify", NULL, NULL, deadline, cancellable, error);
  return reply != NULL;
}

/* ---- helpers ---- */

char *
hap_ble_device_path_to_address (const char *path)
{
  const char *name = strrchr (path, '/');
  char *address;

  if (name == NULL || !g_str_has_prefix (name, "/dev_") || strlen (name) != 5 + 17)
    return NULL;
  address = g_ascii_strup (name + 5, -1);
  for (guint i = 2; i < 17; i += 3)
    {
      if (address[i] != '_')
        return g_free (address), NULL;
      address[i] = ':';
    }
  return address;
}

GBytes *
hap_ble_manufacturer_data_lookup (GVariant *properties)
{
  g_autoptr(GVariant) data = g_variant_lookup_value (properties, "ManufacturerData", G_VARIANT_TYPE ("a{qv}"));
  GVariantIter iter;
  guint16 company;
  GVariant *value;

  if (data == NULL)
    return NULL;
  g_variant_iter_init (&iter, data);
  while (g_variant_iter_next (&iter, "{qv}", &company, &value))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = value;

      /* docs/protocol.md §5.9: Apple's company identifier. */
      if (company == 0x004C && g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
        return g_variant_get_data_as_bytes (value);
    }
  return NULL;
}
