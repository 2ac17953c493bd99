/* hap-ble-browser.c — see hap-ble-browser.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * BlueZ reports what it hears as Device1 objects of the scanning adapter: a device that
 * appears (InterfacesAdded) and every change of its ManufacturerData, RSSI or Name
 * (PropertiesChanged; DuplicateData makes it report repeated advertisements too). The
 * browser keeps the last Apple payload per device and turns each new one into a record.
 */
#include "hap-ble-browser.h"

#include <string.h>

#include "hap-ble-advertisement-private.h"
#include "hap-ble-central-private.h"
#include "hap-ble-json-private.h"
#include "hap-controller-private.h"
#include "hap-crypto-private.h"

/* How many GSNs past the last one known an encrypted notification may be (§5.10: the
 * nonce is the GSN, which the controller must guess). Every connection with an event,
 * every disconnected event and every broadcast add one; the controller updates its
 * count from each advertisement it sees, so a few hundred covers long absences. */
#define GSN_WINDOW          512
/* Records waiting to be taken, at most: a browser nobody reads does not grow. */
#define MAX_PENDING_RECORDS 256
/* Each call to BlueZ while starting. */
#define CALL_TIMEOUT_MS     10000

typedef struct
{
  char    *address;
  char    *name;
  gboolean has_rssi;
  gint16   rssi;
  GBytes  *payload;    /* Apple manufacturer data, as last reported */
  GBytes  *reported;   /* the payload last turned into a record */
} Device;

struct _HapBleBrowser
{
  GObject        parent_instance;

  HapController *controller;
  char          *adapter;
  HapBleCentral *central;
  GHashTable    *devices;   /* path → Device */
  GHashTable    *formats;   /* "DEVICE-ID/IID" → HapFormat + 1 */
  GHashTable    *gsns;      /* device id → last GSN of a regular advertisement */
  GQueue         records;   /* JsonNode */
};

G_DEFINE_FINAL_TYPE (HapBleBrowser, hap_ble_browser, G_TYPE_OBJECT)

static void
device_free (gpointer data)
{
  Device *device = data;

  g_free (device->address);
  g_free (device->name);
  g_clear_pointer (&device->payload, g_bytes_unref);
  g_clear_pointer (&device->reported, g_bytes_unref);
  g_free (device);
}

static void
hap_ble_browser_finalize (GObject *object)
{
  HapBleBrowser *self = HAP_BLE_BROWSER (object);

  hap_ble_browser_stop (self);
  g_clear_object (&self->controller);
  g_free (self->adapter);
  g_hash_table_unref (self->devices);
  g_hash_table_unref (self->formats);
  g_hash_table_unref (self->gsns);
  G_OBJECT_CLASS (hap_ble_browser_parent_class)->finalize (object);
}

static void
hap_ble_browser_class_init (HapBleBrowserClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hap_ble_browser_finalize;
}

static void
hap_ble_browser_init (HapBleBrowser *self)
{
  self->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, device_free);
  self->formats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->gsns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->records);
}

HapBleBrowser *
hap_ble_browser_new (HapController *controller, const char *adapter)
{
  HapBleBrowser *self;

  g_return_val_if_fail (controller == NULL || HAP_IS_CONTROLLER (controller), NULL);
  self = g_object_new (HAP_TYPE_BLE_BROWSER, NULL);
  self->controller = controller != NULL ? g_object_ref (controller) : NULL;
  self->adapter = g_strdup (adapter);
  return self;
}

const char *
hap_ble_browser_get_adapter (HapBleBrowser *self)
{
  g_return_val_if_fail (HAP_IS_BLE_BROWSER (self), NULL);
  return self->central != NULL ? hap_ble_central_get_adapter (self->central) : self->adapter;
}

void
hap_ble_browser_set_value_format (HapBleBrowser *self, const char *device_id, guint64 iid, HapFormat format)
{
  g_return_if_fail (HAP_IS_BLE_BROWSER (self));
  g_return_if_fail (device_id != NULL);
  g_hash_table_replace (self->formats, g_strdup_printf ("%s/%" G_GUINT64_FORMAT, device_id, iid),
                        GINT_TO_POINTER (format + 1));
}

static void
push_record (HapBleBrowser *self, JsonNode *record)
{
  if (self->records.length >= MAX_PENDING_RECORDS)
    json_node_unref (g_queue_pop_head (&self->records));
  g_queue_push_tail (&self->records, record);
}

/* ---- payloads ---- */

static void
report_advertisement (HapBleBrowser *self, Device *device, const HapBleAdvertisement *advertisement)
{
  g_autofree char *device_id = hap_ble_device_id_to_string (advertisement->device_id);

  g_hash_table_replace (self->gsns, g_strdup (device_id), GUINT_TO_POINTER (advertisement->gsn));
  /* Keeps the controller's GSN window current (no-op without a broadcast key). */
  if (self->controller != NULL && !hap_controller_set_last_gsn (self->controller, device_id, advertisement->gsn, NULL))
    g_debug ("could not save the GSN of %s", device_id);
  push_record (self, hap_ble_advertisement_record (hap_ble_central_get_adapter (self->central), device->address,
                                                   device->name, device->has_rssi ? &device->rssi : NULL,
                                                   advertisement));
}

/* §5.10: decrypted with the key kept for that advertising id, the GSN guessed from the
 * last one known. */
static void
report_notification (HapBleBrowser *self, Device *device, const guint8 *data, gsize len)
{
  HapBleEncryptedNotification notification;
  HapBroadcastKey key;
  const char *device_id = NULL;
  gboolean opened = FALSE;
  int format = -1;

  if (len != HAP_BLE_ENCRYPTED_NOTIFICATION_LEN)
    return;
  if (self->controller != NULL &&
      (device_id = hap_controller_find_broadcast_key (self->controller, data + 2, &key)) != NULL)
    {
      gpointer seen = g_hash_table_lookup (self->gsns, device_id);
      guint16 last = seen != NULL ? (guint16) GPOINTER_TO_UINT (seen) : key.gsn;

      opened = hap_ble_encrypted_notification_open (key.key, data, len, last, GSN_WINDOW, &notification, NULL);
      sodium_memzero (&key, sizeof key);
    }
  if (opened)
    {
      g_autofree char *format_key = g_strdup_printf ("%s/%u", device_id, notification.iid);
      gpointer stored = g_hash_table_lookup (self->formats, format_key);

      format = stored != NULL ? GPOINTER_TO_INT (stored) - 1 : -1;
      g_hash_table_replace (self->gsns, g_strdup (device_id), GUINT_TO_POINTER (notification.gsn));
      if (!hap_controller_set_last_gsn (self->controller, device_id, notification.gsn, NULL))
        g_debug ("could not save the GSN of %s", device_id);
    }
  push_record (self, hap_ble_notification_record (hap_ble_central_get_adapter (self->central), device->address,
                                                  data + 2, device_id, opened ? &notification : NULL, format));
  sodium_memzero (&notification, sizeof notification);
}

/* A new Apple payload (or a device seen for the first time since the start). */
static void
report (HapBleBrowser *self, Device *device)
{
  HapBleAdvertisement advertisement;
  gsize len;
  const guint8 *data;

  if (device->payload == NULL || !device->has_rssi ||
      (device->reported != NULL && g_bytes_equal (device->payload, device->reported)))
    return;
  g_clear_pointer (&device->reported, g_bytes_unref);
  device->reported = g_bytes_ref (device->payload);
  data = g_bytes_get_data (device->payload, &len);
  if (hap_ble_advertisement_parse (data, len, &advertisement, NULL))
    report_advertisement (self, device, &advertisement);
  else if (len > 0 && data[0] == HAP_BLE_ADV_TYPE_ENCRYPTED_NOTIFICATION)
    report_notification (self, device, data, len);
  /* Other Apple payloads (iBeacon, Continuity …) are not HAP's. */
}

static void
on_device_changed (gpointer user_data, const char *path, GVariant *properties, gboolean added)
{
  HapBleBrowser *self = user_data;
  Device *device = g_hash_table_lookup (self->devices, path);
  g_autoptr(GBytes) payload = hap_ble_manufacturer_data_lookup (properties);
  const char *text;

  if (device == NULL)
    {
      device = g_new0 (Device, 1);
      device->address = g_variant_lookup (properties, "Address", "&s", &text)
                        ? g_ascii_strup (text, -1) : hap_ble_device_path_to_address (path);
      if (device->address == NULL)
        {
          device_free (device);
          return;
        }
      g_hash_table_insert (self->devices, g_strdup (path), device);
    }
  if (g_variant_lookup (properties, "Name", "&s", &text))
    {
      g_free (device->name);
      device->name = g_strdup (text);
    }
  /* BlueZ drops RSSI when discovery stops: one that is there was heard just now. */
  if (g_variant_lookup (properties, "RSSI", "n", &device->rssi))
    device->has_rssi = TRUE;
  if (payload != NULL)
    {
      g_clear_pointer (&device->payload, g_bytes_unref);
      device->payload = g_steal_pointer (&payload);
    }
  report (self, device);
}

static void
on_device_removed (gpointer user_data, const char *path)
{
  HapBleBrowser *self = user_data;

  g_hash_table_remove (self->devices, path);
}

/* ---- running ---- */

/* Devices BlueZ already knows: only those heard during the current discovery count. */
static gboolean
load_known_devices (HapBleBrowser *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) objects = hap_ble_central_get_objects (self->central,
                                                            g_get_monotonic_time () + CALL_TIMEOUT_MS * 1000,
                                                            cancellable, error);
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  if (objects == NULL)
    return FALSE;
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) properties = g_variant_lookup_value (interfaces, HAP_BLUEZ_DEVICE_INTERFACE,
                                                              G_VARIANT_TYPE_VARDICT);
      g_autofree char *prefix = g_strconcat (hap_ble_central_get_adapter_path (self->central), "/", NULL);

      if (properties != NULL && g_str_has_prefix (path, prefix))
        on_device_changed (self, path, properties, TRUE);
      g_variant_unref (interfaces);
    }
  return TRUE;
}

gboolean
hap_ble_browser_start (HapBleBrowser *self, GCancellable *cancellable, GError **error)
{
  static const HapBleCentralHandlers handlers = {
    .device_changed = on_device_changed,
    .device_removed = on_device_removed,
  };

  g_return_val_if_fail (HAP_IS_BLE_BROWSER (self), FALSE);
  if (self->central != NULL)
    return TRUE;
  self->central = hap_ble_central_new (self->adapter, CALL_TIMEOUT_MS, cancellable, error);
  if (self->central == NULL)
    return FALSE;
  hap_ble_central_set_handlers (self->central, &handlers, self);
  if (!hap_ble_central_start_discovery (self->central, cancellable, error) ||
      !load_known_devices (self, cancellable, error))
    {
      hap_ble_browser_stop (self);
      return FALSE;
    }
  return TRUE;
}

void
hap_ble_browser_stop (HapBleBrowser *self)
{
  g_return_if_fail (HAP_IS_BLE_BROWSER (self));
  g_clear_pointer (&self->central, hap_ble_central_free);
  g_hash_table_remove_all (self->devices);
  g_queue_clear_full (&self->records, (GDestroyNotify) json_node_unref);
}

JsonNode *
hap_ble_browser_next (HapBleBrowser *self, guint timeout_ms, GCancellable *cancellable, GError **error)
{
  gint64 deadline = timeout_ms == 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  g_return_val_if_fail (HAP_IS_BLE_BROWSER (self), NULL);
  if (self->central == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "the browser is not started");
      return NULL;
    }
  hap_ble_central_dispatch (self->central);
  while (self->records.length == 0)
    {
      GError *local_error = NULL;

      if (!hap_ble_central_wait (self->central, deadline, cancellable, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            g_error_free (local_error);
          else
            g_propagate_error (error, local_error);
          return NULL;
        }
    }
  return g_queue_pop_head (&self->records);
}
