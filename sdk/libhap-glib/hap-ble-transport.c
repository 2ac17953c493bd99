/* hap-ble-transport.c — HAP over Bluetooth LE as a transport of the accessory core:
 * BlueZ's peripheral API over D-Bus (docs/bluez.md §1–§2), the advertisement, GSN,
 * disconnected events and broadcast notifications (docs/protocol.md §5.9–§5.12)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything talks to bluetoothd asynchronously: bluetoothd calls back into our objects
 * (GetManagedObjects, GetAll) while it registers them, and a blocking call would
 * deadlock (docs/bluez.md §1.1). Without BlueZ, or without a usable adapter, one warning
 * is logged and the transport waits; IP goes on. When bluetoothd restarts or the
 * adapter comes back, the application and advertisement are registered again.
 */
#include "hap-ble-private.h"

#include "hap-inspection.h"

#include <string.h>

#include "hap-ble-advertisement-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"
#include "hap-model-private.h"

#define BLUEZ              "org.bluez"
#define IFACE_ADAPTER      "org.bluez.Adapter1"
#define IFACE_DEVICE       "org.bluez.Device1"
#define IFACE_GATT_MANAGER "org.bluez.GattManager1"
#define IFACE_ADV_MANAGER  "org.bluez.LEAdvertisingManager1"

/* docs/protocol.md §5.9: 20 ms for a while after start, a GSN change or a disconnection,
 * else a regular interval within the ADK's 160–2500 ms (Apple's recommended 1285 ms). */
#define FAST_INTERVAL_MS          20
#define REGULAR_INTERVAL_MS       1285
#define FAST_AFTER_START_MS       30000
#define FAST_AFTER_EVENT_MS       3000
/* §5.10: a broadcast notification is advertised for 3 s. */
#define BROADCAST_DURATION_MS     3000
/* Where the accessory's services start in the adapter's ATT database. bluetoothd hands
 * out handles it is not told upwards and never reuses freed ones (shared/gatt-db.c's
 * next handle), so an accessory that registers again would move; a fixed start keeps
 * controllers' caches valid across restarts. bluetoothd 5.66's own services take
 * 0x0001–0x0012 (GAP, GATT, Device Information); the gap leaves room for more. */
#define HAP_BLE_FIRST_HANDLE      0x0020

struct _HapBleTransport
{
  HapAccessoryServer *server;
  GCancellable       *cancellable;
  GDBusConnection    *bus;
  guint               name_watch;
  guint               signal_added;
  guint               signal_removed;
  guint               signal_properties;
  char               *root;               /* our objects' path prefix */
  char               *adapter;            /* the adapter in use, or NULL */
  gboolean            warned;             /* one warning per missing BlueZ/adapter */
  HapBleGatt         *gatt;
  HapBleAdvertising  *advertising;
  HapBleLink         *link;               /* the one connected central, or NULL */
  char               *dropped_device;     /* disconnected by us, not gone yet */
  gboolean           *notifying;          /* CCC state per attribute (bluetoothd's aggregate) */

  gboolean            gsn_bumped;         /* disconnected event raised this period */
  gboolean            advertising_stale;  /* changed while connected (docs/bluez.md §5.4) */
  gint64              fast_until;         /* monotonic µs */
  GSource            *fast_timer;
  GBytes             *broadcast;          /* an encrypted notification being advertised */
  HapCharacteristic  *broadcast_characteristic;   /* whose change it is (NULL: injected) */
  gboolean            injected;           /* ... or a payload the simulator asked for */
  gboolean            withdrawn;          /* a hook emptied the advertisement: unregistered */
  guint               broadcast_interval_ms;
  GSource            *broadcast_timer;
};

static void choose_adapter (HapBleTransport *ble);
static void update_advertising (HapBleTransport *ble);

HapAccessoryServer *
_hap_ble_transport_get_server (HapBleTransport *ble)
{
  return ble->server;
}

HapBleGatt *
_hap_ble_transport_get_gatt (HapBleTransport *ble)
{
  return ble->gatt;
}

/* ---- public API of the BLE transport ---------------------------------------------------- */

const char *
hap_accessory_server_get_ble_adapter (HapAccessoryServer *self)
{
  HapBleTransport *ble;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  ble = _hap_accessory_server_get_transport (self, &hap_ble_transport);
  return ble != NULL && ble->adapter != NULL ? strrchr (ble->adapter, '/') + 1 : NULL;
}

guint
hap_accessory_server_get_gsn (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), 0);
  return self->storage != NULL ? self->storage->gsn : 0;
}

static const char *
accessory_name (HapBleTransport *ble)
{
  return hap_accessory_get_name (ble->server->accessory);
}

void
_hap_ble_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

GSource *
_hap_ble_add_timeout (HapBleTransport *ble, guint ms, GSourceFunc func, gpointer data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, ble->server->context);
  return source;
}

/* ---- the advertisement (docs/protocol.md §5.9, §5.10) --------------------------------- */

static GBytes *
regular_payload (HapBleTransport *ble)
{
  HapStorage *storage = ble->server->storage;
  HapBleAdvertisement adv = { 0 };

  adv.status_flags = storage->pairings->len > 0 ? 0 : HAP_BLE_ADV_STATUS_NOT_PAIRED;
  hap_ble_device_id_parse (storage->device_id, adv.device_id);
  adv.category = (guint16) hap_accessory_get_category (ble->server->accessory);
  adv.gsn = (guint16) storage->gsn;
  /* BLE's CN is 1..255; IP's c# 1..65535 counts the same changes. */
  adv.configuration_number = (guint8) ((storage->config_number - 1) % 255 + 1);
  hap_ble_advertisement_set_setup_id (&adv, storage->setup_id);
  return hap_ble_advertisement_build (&adv);
}

static gboolean
on_fast_done (gpointer user_data)
{
  HapBleTransport *ble = user_data;

  g_clear_pointer (&ble->fast_timer, g_source_unref);
  update_advertising (ble);
  return G_SOURCE_REMOVE;
}

/* Advertises at 20 ms for at least @ms from now. */
static void
advertise_fast (HapBleTransport *ble, guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  if (until <= ble->fast_until)
    return;
  ble->fast_until = until;
  _hap_ble_clear_source (&ble->fast_timer);
  ble->fast_timer = _hap_ble_add_timeout (ble, ms, on_fast_done, ble);
}

/* The simulator's advertisement hook (hap-inspection.h); takes @payload. */
static GBytes *
apply_advertisement_hook (HapBleTransport *ble, GBytes *payload)
{
  const HapBleHooks *hooks = HAP_SERVER_BLE_HOOKS (ble->server);
  HapBleAdvertisementInfo info = { 0 };
  GByteArray *bytes;

  if (hooks == NULL || hooks->advertisement == NULL)
    return payload;
  info.kind = ble->broadcast != NULL ? HAP_BLE_ADVERTISEMENT_NOTIFICATION : HAP_BLE_ADVERTISEMENT_REGULAR;
  info.injected = ble->broadcast != NULL && ble->injected;
  info.gsn = (guint16) ble->server->storage->gsn;
  info.characteristic = ble->broadcast != NULL ? ble->broadcast_characteristic : NULL;
  bytes = g_bytes_unref_to_array (payload);
  hooks->advertisement (ble->server, &info, bytes, ble->server->ble_hooks_data);
  return g_byte_array_free_to_bytes (bytes);
}

static void on_advertisement_registered (GObject *source, GAsyncResult *result, gpointer user_data);

/* Takes the advertisement off the air, or puts it back. */
static void
set_registered (HapBleTransport *ble, gboolean registered)
{
  const char *path = _hap_ble_advertising_get_path (ble->advertising);

  if (registered != ble->withdrawn)
    return;
  ble->withdrawn = !registered;
  if (registered)
    g_dbus_connection_call (ble->bus, BLUEZ, ble->adapter, IFACE_ADV_MANAGER, "RegisterAdvertisement",
                            g_variant_new ("(o@a{sv})", path, g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, ble->cancellable, on_advertisement_registered, ble);
  else
    g_dbus_connection_call (ble->bus, BLUEZ, ble->adapter, IFACE_ADV_MANAGER, "UnregisterAdvertisement",
                            g_variant_new ("(o)", path), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                            ble->cancellable, NULL, NULL);
}

static void
update_advertising (HapBleTransport *ble)
{
  g_autoptr(GBytes) payload = NULL;
  guint interval;

  if (ble->advertising == NULL)
    return;
  /* docs/bluez.md §5.4: changing the advertisement during a connection makes the kernel
   * advertise again, and the controller sees a GSN change mid-connection: wait. */
  if (ble->link != NULL)
    {
      ble->advertising_stale = TRUE;
      return;
    }
  ble->advertising_stale = FALSE;
  if (ble->broadcast != NULL)
    {
      payload = g_bytes_ref (ble->broadcast);
      interval = ble->broadcast_interval_ms;
    }
  else
    {
      payload = regular_payload (ble);
      interval = g_get_monotonic_time () < ble->fast_until ? FAST_INTERVAL_MS : REGULAR_INTERVAL_MS;
    }
  payload = apply_advertisement_hook (ble, payload);
  /* An emptied advertisement is taken off the air (a device that stops advertising). */
  if (g_bytes_get_size (payload) == 0)
    {
      set_registered (ble, FALSE);
      return;
    }
  _hap_ble_advertising_set (ble->advertising, payload, accessory_name (ble), interval, !ble->withdrawn);
  set_registered (ble, TRUE);
}

void
_hap_ble_transport_bump_gsn (HapBleTransport *ble)
{
  HapStorage *storage = ble->server->storage;
  g_autoptr(GError) error = NULL;

  /* docs/protocol.md §5.11: 1..65535, wrapping to 1, persisted. */
  storage->gsn = hap_ble_gsn_next ((guint16) storage->gsn);
  /* §5.10: a broadcast key lasts 32767 GSN steps; then disconnected events again. */
  if (storage->has_broadcast_key &&
      hap_ble_broadcast_key_is_expired ((guint16) storage->broadcast_key_gsn, (guint16) storage->gsn))
    {
      g_message ("%s: the BLE broadcast key expired", accessory_name (ble));
      storage->has_broadcast_key = FALSE;
      sodium_memzero (storage->broadcast_key, sizeof storage->broadcast_key);
    }
  if (!hap_storage_save_ble (storage, &error))
    g_warning ("%s: %s", accessory_name (ble), error->message);
}

static gboolean
on_broadcast_done (gpointer user_data)
{
  HapBleTransport *ble = user_data;

  g_clear_pointer (&ble->broadcast_timer, g_source_unref);
  g_clear_pointer (&ble->broadcast, g_bytes_unref);
  g_clear_object (&ble->broadcast_characteristic);
  ble->injected = FALSE;
  update_advertising (ble);
  return G_SOURCE_REMOVE;
}

static guint
broadcast_interval_ms (guint code)
{
  switch (code)
    {
    case HAP_BLE_BROADCAST_INTERVAL_1280_MS: return 1280;
    case HAP_BLE_BROADCAST_INTERVAL_2560_MS: return 2560;
    case HAP_BLE_BROADCAST_INTERVAL_20_MS:
    default:                                 return 20;
    }
}

/* docs/protocol.md §5.10: GSN + 1 and the change, encrypted, advertised for 3 s. */
static void
broadcast (HapBleTransport *ble, HapCharacteristic *characteristic, guint interval_code)
{
  HapStorage *storage = ble->server->storage;
  HapBleEncryptedNotification notification = { 0 };

  _hap_ble_transport_bump_gsn (ble);
  if (!storage->has_broadcast_key)
    {
      /* The key expired with this very step: it was a disconnected event (§5.10). */
      ble->gsn_bumped = TRUE;
      advertise_fast (ble, FAST_AFTER_EVENT_MS);
      update_advertising (ble);
      return;
    }
  if (storage->has_advertising_id)
    memcpy (notification.advertising_id, storage->advertising_id, 6);
  else
    hap_ble_device_id_parse (storage->device_id, notification.advertising_id);
  notification.gsn = (guint16) storage->gsn;
  notification.iid = (guint16) hap_characteristic_get_iid (characteristic);
  hap_ble_encrypted_notification_set_value (&notification, hap_characteristic_get_format (characteristic),
                                            hap_characteristic_get_value (characteristic));
  g_clear_pointer (&ble->broadcast, g_bytes_unref);
  g_clear_object (&ble->broadcast_characteristic);
  ble->broadcast = hap_ble_encrypted_notification_build (storage->broadcast_key, &notification);
  ble->broadcast_characteristic = g_object_ref (characteristic);
  ble->injected = FALSE;
  ble->broadcast_interval_ms = broadcast_interval_ms (interval_code);
  sodium_memzero (&notification, sizeof notification);
  /* Each further change restarts the 3 s. */
  _hap_ble_clear_source (&ble->broadcast_timer);
  ble->broadcast_timer = _hap_ble_add_timeout (ble, BROADCAST_DURATION_MS, on_broadcast_done, ble);
  update_advertising (ble);
}

/* Core hook: any value changed. While a central is connected its link has the events;
 * otherwise a broadcast or a disconnected event (docs/protocol.md §5.10–§5.12). */
static void
ble_value_changed (gpointer state, HapCharacteristic *characteristic, gpointer origin)
{
  HapBleTransport *ble = state;
  HapStorage *storage = ble->server->storage;
  gpointer interval;

  if (ble->link != NULL || ble->advertising == NULL ||
      !(hap_characteristic_get_perms (characteristic) & HAP_PERM_EVENTS))
    return;
  if (storage->has_broadcast_key &&
      g_hash_table_lookup_extended (storage->broadcast,
                                    GUINT_TO_POINTER ((guint) hap_characteristic_get_iid (characteristic)),
                                    NULL, &interval))
    {
      broadcast (ble, characteristic, GPOINTER_TO_UINT (interval));
      return;
    }
  /* §5.11: one GSN step per disconnected period, then 20 ms for at least 3 s. */
  if (!ble->gsn_bumped)
    {
      ble->gsn_bumped = TRUE;
      _hap_ble_transport_bump_gsn (ble);
      advertise_fast (ble, FAST_AFTER_EVENT_MS);
      update_advertising (ble);
    }
}

/* Core hook: paired or unpaired. */
static void
ble_status_changed (gpointer state)
{
  HapBleTransport *ble = state;
  HapStorage *storage = ble->server->storage;

  /* docs/protocol.md §3.5: without pairings the broadcast key and advertising id go. */
  if (storage->pairings->len == 0 &&
      (storage->has_broadcast_key || storage->has_advertising_id || g_hash_table_size (storage->broadcast) > 0))
    {
      g_autoptr(GError) error = NULL;

      hap_storage_reset_ble (storage);
      if (!hap_storage_save_ble (storage, &error))
        g_warning ("%s: %s", accessory_name (ble), error->message);
    }
  update_advertising (ble);
}

/* ---- centrals ------------------------------------------------------------------------ */

static void
on_disconnect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GVariant) reply G_GNUC_UNUSED = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, NULL);
}

void
_hap_ble_transport_disconnect (HapBleTransport *ble, const char *device)
{
  if (ble->bus == NULL)
    return;
  g_dbus_connection_call (ble->bus, BLUEZ, device, IFACE_DEVICE, "Disconnect", NULL, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, on_disconnect_done, NULL);
}

static void
link_up (HapBleTransport *ble, const char *device)
{
  if (g_strcmp0 (ble->dropped_device, device) == 0)
    return;
  if (ble->link != NULL)
    {
      /* docs/protocol.md §5.8: one controller connection at a time. */
      if (!g_str_equal (_hap_ble_link_get_device (ble->link), device))
        {
          g_message ("%s: refusing a second central %s", accessory_name (ble), device);
          _hap_ble_transport_disconnect (ble, device);
        }
      return;
    }
  g_debug ("%s: central %s connected", accessory_name (ble), device);
  ble->link = _hap_ble_link_new (ble, device);
  /* §5.11: the once-per-period GSN flag is cleared on connect and on disconnect. */
  ble->gsn_bumped = FALSE;
  /* A CCC write may come before bluetoothd reports the connection (docs/bluez.md §5.1);
   * bluetoothd's StopNotify at the last disconnection keeps this in step. */
  for (guint i = 0; ble->gatt != NULL && i < _hap_ble_gatt_get_n_attributes (ble->gatt); i++)
    if (ble->notifying[i])
      _hap_ble_link_set_notify (ble->link, _hap_ble_gatt_get_attribute (ble->gatt, i), TRUE);
}

static void
after_disconnect (HapBleTransport *ble)
{
  ble->gsn_bumped = FALSE;
  /* §5.9: fast advertising after a disconnection, with what changed meanwhile. */
  advertise_fast (ble, FAST_AFTER_EVENT_MS);
  update_advertising (ble);
}

static void
link_down (HapBleTransport *ble, const char *device)
{
  if (g_strcmp0 (ble->dropped_device, device) == 0)
    g_clear_pointer (&ble->dropped_device, g_free);
  if (ble->link == NULL || !g_str_equal (_hap_ble_link_get_device (ble->link), device))
    return;
  g_debug ("%s: central %s disconnected", accessory_name (ble), device);
  g_clear_pointer (&ble->link, _hap_ble_link_free);
  after_disconnect (ble);
}

static gboolean
free_link_later (gpointer data)
{
  _hap_ble_link_free (data);
  return G_SOURCE_REMOVE;
}

void
_hap_ble_transport_link_closed (HapBleTransport *ble, HapBleLink *link)
{
  g_autofree char *device = NULL;
  GSource *idle;

  if (ble->link != link)
    return;
  device = g_strdup (_hap_ble_link_get_device (link));
  _hap_ble_transport_disconnect (ble, device);
  /* The link's own code is still on the stack: free it from the main loop. */
  ble->link = NULL;
  idle = g_idle_source_new ();
  g_source_set_callback (idle, free_link_later, link, NULL);
  g_source_attach (idle, ble->server->context);
  g_source_unref (idle);
  after_disconnect (ble);
  /* Until bluetoothd reports it gone, the dropped central's requests are refused. */
  g_free (ble->dropped_device);
  ble->dropped_device = g_steal_pointer (&device);
}

/* The link of the central behind a GATT request, or NULL after answering it with an
 * error: a second central, or one we dropped. */
static HapBleLink *
link_for_request (HapBleTransport *ble, const char *device, GDBusMethodInvocation *invocation)
{
  if (g_strcmp0 (ble->dropped_device, device) == 0)
    {
      _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.NotPermitted", "the link is being closed");
      return NULL;
    }
  /* bluetoothd may not have told us about the connection yet (docs/bluez.md §1.5). */
  if (ble->link == NULL)
    link_up (ble, device);
  if (ble->link == NULL || !g_str_equal (_hap_ble_link_get_device (ble->link), device))
    {
      _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.NotPermitted",
                                 "HAP-BLE accessories serve one central at a time");
      return NULL;
    }
  return ble->link;
}

static void
on_gatt_read (gpointer user_data, HapBleAttribute *attribute, const char *device, guint16 offset,
              GDBusMethodInvocation *invocation)
{
  HapBleTransport *ble = user_data;
  HapBleLink *link = link_for_request (ble, device, invocation);

  if (link != NULL)
    _hap_ble_link_read (link, attribute, offset, invocation);
}

static void
on_gatt_write (gpointer user_data, HapBleAttribute *attribute, const char *device, guint16 offset,
               GBytes *value, GDBusMethodInvocation *invocation)
{
  HapBleTransport *ble = user_data;
  HapBleLink *link = link_for_request (ble, device, invocation);

  if (link != NULL)
    _hap_ble_link_write (link, attribute, offset, value, invocation);
}

static void
on_gatt_notify (gpointer user_data, HapBleAttribute *attribute, gboolean enabled)
{
  HapBleTransport *ble = user_data;

  ble->notifying[attribute->index] = enabled;
  if (ble->link != NULL)
    _hap_ble_link_set_notify (ble->link, attribute, enabled);
}

static void
on_gatt_confirm (gpointer user_data, HapBleAttribute *attribute)
{
  HapBleTransport *ble = user_data;

  if (ble->link != NULL)
    _hap_ble_link_confirmed (ble->link);
}

static gboolean
on_gatt_include (gpointer user_data, HapService *service, HapCharacteristic *characteristic)
{
  HapBleTransport *ble = user_data;
  const HapBleHooks *hooks = HAP_SERVER_BLE_HOOKS (ble->server);

  return hooks == NULL || hooks->gatt_include == NULL ||
         hooks->gatt_include (ble->server, service, characteristic, ble->server->ble_hooks_data);
}

static const HapBleGattHandlers gatt_handlers = {
  on_gatt_read, on_gatt_write, on_gatt_notify, on_gatt_confirm, on_gatt_include,
};

/* ---- BlueZ: adapter, registration ---------------------------------------------------- */

static void
warn_once (HapBleTransport *ble, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
warn_once (HapBleTransport *ble, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (ble->warned)
    return;
  ble->warned = TRUE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_warning ("%s: HAP over BLE is waiting: %s", accessory_name (ble), message);
}

/* Forgets everything registered with the adapter (bluetoothd went away, or the adapter
 * did); the objects are exported again when it comes back. */
static void
unregister (HapBleTransport *ble)
{
  if (ble->link != NULL)
    {
      HapBleLink *link = g_steal_pointer (&ble->link);
      _hap_ble_link_free (link);
    }
  g_clear_pointer (&ble->dropped_device, g_free);
  g_clear_pointer (&ble->gatt, _hap_ble_gatt_free);
  g_clear_pointer (&ble->advertising, _hap_ble_advertising_free);
  g_clear_pointer (&ble->notifying, g_free);
  g_clear_pointer (&ble->adapter, g_free);
  ble->withdrawn = FALSE;
}

/* TRUE when the bluetoothd call behind @result succeeded; otherwise says why, as
 * "BlueZ refused @what: …" (nothing for a cancelled call). */
static gboolean
call_succeeded (HapBleTransport *ble, GObject *source, GAsyncResult *result, const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply != NULL)
    return TRUE;
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_dbus_error_strip_remote_error (error);
      g_warning ("%s: BlueZ refused %s: %s", accessory_name (ble), what, error->message);
    }
  return FALSE;
}

static void
on_registered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  call_succeeded (user_data, source, result, "the HAP-BLE GATT application");
}

static void
on_advertisement_registered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HapBleTransport *ble = user_data;

  if (call_succeeded (ble, source, result, "the HAP-BLE advertisement"))
    g_signal_emit_by_name (ble->server, "ble-advertised", strrchr (ble->adapter, '/') + 1);
}

static void
on_adapter_property_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  call_succeeded (user_data, source, result, "a setting of the adapter");
}

static void
set_adapter_property (HapBleTransport *ble, const char *name, GVariant *value)
{
  g_dbus_connection_call (ble->bus, BLUEZ, ble->adapter, "org.freedesktop.DBus.Properties", "Set",
                          g_variant_new ("(ssv)", IFACE_ADAPTER, name, value), NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, ble->cancellable, on_adapter_property_set, ble);
}

static void
register_with_adapter (HapBleTransport *ble, const char *adapter, gboolean intervals_applied)
{
  HapAccessoryServer *server = ble->server;
  g_autoptr(GError) error = NULL;
  g_autofree char *adv_path = g_strdup_printf ("%s/advertisement", ble->root);

  ble->adapter = g_strdup (adapter);
  ble->gatt = _hap_ble_gatt_new (ble->bus, ble->root, server->accessory, HAP_BLE_FIRST_HANDLE,
                                 &gatt_handlers, ble, &error);
  if (ble->gatt == NULL)
    {
      g_warning ("%s: cannot export the GATT application: %s", accessory_name (ble), error->message);
      unregister (ble);
      return;
    }
  ble->notifying = g_new0 (gboolean, _hap_ble_gatt_get_n_attributes (ble->gatt));
  ble->advertising = _hap_ble_advertising_new (ble->bus, adv_path, NULL, ble, &error);
  if (ble->advertising == NULL)
    {
      g_warning ("%s: cannot export the advertisement: %s", accessory_name (ble), error->message);
      unregister (ble);
      return;
    }
  _hap_ble_advertising_set_intervals_applied (ble->advertising, intervals_applied);
  /* docs/protocol.md §5.9: 20 ms for the first 30 s. */
  advertise_fast (ble, FAST_AFTER_START_MS);
  update_advertising (ble);

  /* docs/bluez.md §1.3–§1.4: powered, discoverable for good (flags 0x06), named. */
  set_adapter_property (ble, "Powered", g_variant_new_boolean (TRUE));
  set_adapter_property (ble, "DiscoverableTimeout", g_variant_new_uint32 (0));
  set_adapter_property (ble, "Discoverable", g_variant_new_boolean (TRUE));
  set_adapter_property (ble, "Alias", g_variant_new_string (accessory_name (ble)));
  g_dbus_connection_call (ble->bus, BLUEZ, adapter, IFACE_GATT_MANAGER, "RegisterApplication",
                          g_variant_new ("(o@a{sv})", ble->root, g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                          NULL, G_DBUS_CALL_FLAGS_NONE, -1, ble->cancellable, on_registered, ble);
  if (!ble->withdrawn)
    g_dbus_connection_call (ble->bus, BLUEZ, adapter, IFACE_ADV_MANAGER, "RegisterAdvertisement",
                            g_variant_new ("(o@a{sv})", adv_path, g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                            NULL, G_DBUS_CALL_FLAGS_NONE, -1, ble->cancellable, on_advertisement_registered, ble);
  ble->warned = FALSE;
  g_message ("%s: HAP over BLE on %s", accessory_name (ble), adapter);
}

/* Whether an object's a{sa{sv}} (InterfacesAdded, GetManagedObjects) has @name. */
static gboolean
has_interface (GVariant *interfaces, const char *name)
{
  g_autoptr(GVariant) properties = g_variant_lookup_value (interfaces, name, NULL);

  return properties != NULL;
}

static gboolean
has_role (GVariant *adapter_props, const char *role)
{
  g_autofree const char **roles = NULL;

  if (!g_variant_lookup (adapter_props, "Roles", "^a&s", &roles))
    return FALSE;
  return g_strv_contains (roles, role);
}

/* docs/bluez.md §1.4: an adapter with GattManager1 and LEAdvertisingManager1 whose Roles
 * include "peripheral"; the one asked for, or the first. */
static void
on_managed_objects (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HapBleTransport *ble = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariant) objects = NULL;
  g_autofree char *wanted = NULL;
  g_autofree char *chosen = NULL;   /* the first usable adapter by path */
  gboolean chosen_applies_intervals = FALSE;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  if (reply == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        warn_once (ble, "cannot list BlueZ's adapters: %s", error->message);
      return;
    }
  if (ble->adapter != NULL)
    return;
  if (ble->server->ble_adapter != NULL)
    wanted = g_str_has_prefix (ble->server->ble_adapter, "/") ? g_strdup (ble->server->ble_adapter)
                                                               : g_strconcat ("/org/bluez/", ble->server->ble_adapter, NULL);
  objects = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = interfaces;
      g_autoptr(GVariant) adapter = g_variant_lookup_value (interfaces, IFACE_ADAPTER, G_VARIANT_TYPE ("a{sv}"));
      gboolean usable;

      if (adapter == NULL || (wanted != NULL && !g_str_equal (path, wanted)))
        continue;
      usable = has_interface (interfaces, IFACE_GATT_MANAGER) &&
               has_interface (interfaces, IFACE_ADV_MANAGER) &&
               has_role (adapter, "peripheral");
      if (!usable)
        {
          if (wanted != NULL)
            warn_once (ble, "adapter %s cannot be an LE peripheral (no advertising manager, or no "
                       "\"peripheral\" role)", path);
          continue;
        }
      if (chosen == NULL || strcmp (path, chosen) < 0)
        {
          g_autoptr(GVariant) manager = g_variant_lookup_value (interfaces, IFACE_ADV_MANAGER, G_VARIANT_TYPE ("a{sv}"));
          g_autoptr(GVariant) caps = manager ? g_variant_lookup_value (manager, "SupportedCapabilities", NULL) : NULL;

          g_free (chosen);
          chosen = g_strdup (path);
          /* bluetoothd 5.66 exports SupportedCapabilities only with -E, the switch that
           * makes it apply MinInterval/MaxInterval; later releases always do both. */
          chosen_applies_intervals = caps != NULL;
        }
    }
  if (chosen == NULL)
    {
      if (wanted == NULL)
        warn_once (ble, "BlueZ has no adapter that can be an LE peripheral");
      else if (!ble->warned)
        warn_once (ble, "BlueZ has no adapter %s", wanted);
      return;
    }
  register_with_adapter (ble, chosen, chosen_applies_intervals);
}

static void
choose_adapter (HapBleTransport *ble)
{
  g_dbus_connection_call (ble->bus, BLUEZ, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                          NULL, G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE, -1,
                          ble->cancellable, on_managed_objects, ble);
}

static gboolean
is_our_device (HapBleTransport *ble, const char *path)
{
  return ble->adapter != NULL && g_str_has_prefix (path, ble->adapter) &&
         g_str_has_prefix (path + strlen (ble->adapter), "/dev_") &&
         strchr (path + strlen (ble->adapter) + 1, '/') == NULL;
}

static void
device_connected_changed (HapBleTransport *ble, const char *path, GVariant *properties)
{
  gboolean connected;

  if (!is_our_device (ble, path) || !g_variant_lookup (properties, "Connected", "b", &connected))
    return;
  if (connected)
    link_up (ble, path);
  else
    link_down (ble, path);
}

static void
on_interfaces_added (GDBusConnection *bus, const char *sender, const char *object_path,
                     const char *interface_name, const char *signal_name, GVariant *parameters,
                     gpointer user_data)
{
  HapBleTransport *ble = user_data;
  const char *path;
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(GVariant) device = NULL;

  g_variant_get (parameters, "(&o@a{sa{sv}})", &path, &interfaces);
  if (ble->adapter == NULL && has_interface (interfaces, IFACE_ADAPTER))
    {
      choose_adapter (ble);
      return;
    }
  /* docs/bluez.md §1.5: a first-time central may show up here already connected. */
  device = g_variant_lookup_value (interfaces, IFACE_DEVICE, G_VARIANT_TYPE ("a{sv}"));
  if (device != NULL)
    device_connected_changed (ble, path, device);
}

static void
on_interfaces_removed (GDBusConnection *bus, const char *sender, const char *object_path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  HapBleTransport *ble = user_data;
  const char *path;
  g_autofree const char **interfaces = NULL;

  g_variant_get (parameters, "(&o^a&s)", &path, &interfaces);
  if (g_strcmp0 (path, ble->adapter) == 0 && g_strv_contains (interfaces, IFACE_ADAPTER))
    {
      g_message ("%s: adapter %s is gone; HAP over BLE waits for it", accessory_name (ble), path);
      unregister (ble);
    }
  else if (is_our_device (ble, path) && g_strv_contains (interfaces, IFACE_DEVICE))
    link_down (ble, path);
}

static void
on_properties_changed (GDBusConnection *bus, const char *sender, const char *object_path,
                       const char *interface_name, const char *signal_name, GVariant *parameters,
                       gpointer user_data)
{
  HapBleTransport *ble = user_data;
  const char *iface;
  g_autoptr(GVariant) changed = NULL;

  g_variant_get (parameters, "(&s@a{sv}@as)", &iface, &changed, NULL);
  if (g_str_equal (iface, IFACE_DEVICE))
    device_connected_changed (ble, object_path, changed);
}

static void
on_bluez_appeared (GDBusConnection *bus, const char *name, const char *owner, gpointer user_data)
{
  HapBleTransport *ble = user_data;

  ble->signal_added = g_dbus_connection_signal_subscribe (bus, owner, "org.freedesktop.DBus.ObjectManager",
                                                          "InterfacesAdded", NULL, NULL,
                                                          G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_added, ble, NULL);
  ble->signal_removed = g_dbus_connection_signal_subscribe (bus, owner, "org.freedesktop.DBus.ObjectManager",
                                                            "InterfacesRemoved", NULL, NULL,
                                                            G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_removed, ble, NULL);
  ble->signal_properties = g_dbus_connection_signal_subscribe (bus, owner, "org.freedesktop.DBus.Properties",
                                                               "PropertiesChanged", NULL, IFACE_DEVICE,
                                                               G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed,
                                                               ble, NULL);
  choose_adapter (ble);
}

static void
unsubscribe (HapBleTransport *ble)
{
  guint *ids[] = { &ble->signal_added, &ble->signal_removed, &ble->signal_properties };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    if (*ids[i] != 0)
      {
        g_dbus_connection_signal_unsubscribe (ble->bus, *ids[i]);
        *ids[i] = 0;
      }
}

static void
on_bluez_vanished (GDBusConnection *bus, const char *name, gpointer user_data)
{
  HapBleTransport *ble = user_data;

  if (bus == NULL)
    {
      warn_once (ble, "no D-Bus system bus");
      return;
    }
  if (ble->adapter != NULL)
    g_message ("%s: bluetoothd went away; HAP over BLE waits for it", accessory_name (ble));
  unsubscribe (ble);
  unregister (ble);
  warn_once (ble, "BlueZ (org.bluez) is not running");
}

static void
on_bus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HapBleTransport *ble = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_finish (result, &error);

  if (bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        warn_once (ble, "no D-Bus system bus: %s", error->message);
      return;
    }
  ble->bus = bus;
  ble->name_watch = g_bus_watch_name_on_connection (bus, BLUEZ, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                    on_bluez_appeared, on_bluez_vanished, ble, NULL);
}

/* ---- the transport table -------------------------------------------------------------- */

static gpointer
ble_start (HapAccessoryServer *server, GError **error)
{
  HapBleTransport *ble;
  g_autofree char *id = NULL;

  if (!_hap_ble_database_check (server->accessory, error))
    return NULL;
  ble = g_new0 (HapBleTransport, 1);
  ble->server = server;
  ble->cancellable = g_cancellable_new ();
  /* One object tree per accessory, so that many share one connection to the bus. */
  id = g_strdelimit (g_strdup (server->storage->device_id), ":", '_');
  ble->root = g_strdup_printf ("/io/github/hapsim/ble/dev_%s", id);
  g_main_context_push_thread_default (server->context);
  g_bus_get (G_BUS_TYPE_SYSTEM, ble->cancellable, on_bus, ble);
  g_main_context_pop_thread_default (server->context);
  return ble;
}

static void
ble_stop (gpointer state)
{
  HapBleTransport *ble = state;

  g_cancellable_cancel (ble->cancellable);
  _hap_ble_clear_source (&ble->fast_timer);
  _hap_ble_clear_source (&ble->broadcast_timer);
  g_clear_pointer (&ble->broadcast, g_bytes_unref);
  g_clear_object (&ble->broadcast_characteristic);
  if (ble->bus != NULL)
    {
      /* Unregistering the objects is enough: bluetoothd notices the application and
       * advertisement are gone, as when their owner leaves the bus. */
      if (ble->adapter != NULL && ble->advertising != NULL)
        {
          g_dbus_connection_call (ble->bus, BLUEZ, ble->adapter, IFACE_GATT_MANAGER, "UnregisterApplication",
                                  g_variant_new ("(o)", ble->root), NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                                  NULL, NULL, NULL);
          g_dbus_connection_call (ble->bus, BLUEZ, ble->adapter, IFACE_ADV_MANAGER, "UnregisterAdvertisement",
                                  g_variant_new ("(o)", _hap_ble_advertising_get_path (ble->advertising)),
                                  NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
        }
      unsubscribe (ble);
      if (ble->name_watch != 0)
        g_bus_unwatch_name (ble->name_watch);
    }
  unregister (ble);
  g_clear_object (&ble->bus);
  g_clear_object (&ble->cancellable);
  g_free (ble->root);
  g_free (ble);
}

static void
ble_close_session (HapSession *session)
{
  HapBleLink *link = session->link;

  if (link != NULL)
    _hap_ble_link_drop (link, TRUE, "its pairing was removed");
}

static void
ble_queue_event (HapSession *session, HapCharacteristic *characteristic)
{
  if (session->link != NULL)
    _hap_ble_link_queue_event (session->link, characteristic);
}

const HapTransport hap_ble_transport = {
  .name = "ble",
  .flag = HAP_TRANSPORT_BLE,
  .start = ble_start,
  .stop = ble_stop,
  .close_session = ble_close_session,
  .queue_event = ble_queue_event,
  .value_changed = ble_value_changed,
  .status_changed = ble_status_changed,
};

/* ---- hap-inspection.h ------------------------------------------------------------------ */

/* Not built with -Dinspection=false: nothing inside the library calls these. */
#if HAP_ENABLE_INSPECTION

void
hap_accessory_server_set_ble_hooks (HapAccessoryServer *self,
                                    const HapBleHooks  *hooks,
                                    gpointer            user_data)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));

  self->ble_hooks = hooks;
  self->ble_hooks_data = user_data;
}

void
hap_accessory_server_refresh_ble_advertisement (HapAccessoryServer *self)
{
  HapBleTransport *ble;

  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  if ((ble = _hap_accessory_server_get_transport (self, &hap_ble_transport)) != NULL)
    update_advertising (ble);
}

void
hap_accessory_server_advertise_ble_payload (HapAccessoryServer *self,
                                            GBytes             *payload,
                                            guint               duration_ms)
{
  HapBleTransport *ble;

  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (payload != NULL);
  if ((ble = _hap_accessory_server_get_transport (self, &hap_ble_transport)) == NULL)
    return;
  g_clear_pointer (&ble->broadcast, g_bytes_unref);
  g_clear_object (&ble->broadcast_characteristic);
  ble->broadcast = g_bytes_ref (payload);
  ble->injected = TRUE;
  ble->broadcast_interval_ms = FAST_INTERVAL_MS;
  _hap_ble_clear_source (&ble->broadcast_timer);
  ble->broadcast_timer = _hap_ble_add_timeout (ble, duration_ms, on_broadcast_done, ble);
  update_advertising (ble);
}

gboolean
hap_accessory_server_set_gsn (HapAccessoryServer *self, guint gsn, GError **error)
{
  HapBleTransport *ble;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), FALSE);
  g_return_val_if_fail (self->storage != NULL, FALSE);
  if (gsn < 1 || gsn > 65535)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "a GSN is 1..65535, not %u", gsn);
      return FALSE;
    }
  self->storage->gsn = gsn;
  if (!hap_storage_save_ble (self->storage, error))
    return FALSE;
  if ((ble = _hap_accessory_server_get_transport (self, &hap_ble_transport)) != NULL)
    update_advertising (ble);
  return TRUE;
}

HapBleConnection *
hap_accessory_server_dup_ble_connection (HapAccessoryServer *self)
{
  HapBleTransport *ble;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  ble = _hap_accessory_server_get_transport (self, &hap_ble_transport);
  return ble != NULL && ble->link != NULL ? hap_ble_connection_ref (ble->link) : NULL;
}

GBytes *
hap_accessory_server_dup_ble_advertisement (HapAccessoryServer *self)
{
  HapBleTransport *ble;
  GBytes *data;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  ble = _hap_accessory_server_get_transport (self, &hap_ble_transport);
  if (ble == NULL || ble->advertising == NULL || ble->withdrawn)
    return NULL;
  data = _hap_ble_advertising_get_data (ble->advertising);
  return data != NULL ? g_bytes_ref (data) : NULL;
}

void
hap_accessory_server_get_ble_broadcast (HapAccessoryServer *self,
                                        guint8              advertising_id[6],
                                        gboolean           *has_key,
                                        GHashTable        **intervals)
{
  HapStorage *storage;

  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (self->storage != NULL);
  storage = self->storage;
  if (advertising_id != NULL)
    {
      if (storage->has_advertising_id)
        memcpy (advertising_id, storage->advertising_id, 6);
      else
        hap_ble_device_id_parse (storage->device_id, advertising_id);
    }
  if (has_key != NULL)
    *has_key = storage->has_broadcast_key;
  if (intervals != NULL)
    *intervals = g_hash_table_ref (storage->broadcast);
}
#endif /* HAP_ENABLE_INSPECTION */
