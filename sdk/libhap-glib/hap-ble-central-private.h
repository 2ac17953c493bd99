/* hap-ble-central-private.h — the central side of BlueZ's D-Bus API: one adapter,
 * discovery, one device's link and its remote GATT objects (docs/bluez.md §1.5, §5)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every HapBleCentral has its own connection to the system bus (DBUS_SYSTEM_BUS_ADDRESS
 * is honoured) whose signals are dispatched in a private GMainContext. Method calls block
 * (g_dbus_connection_call_sync) except those of hap-ble-central-async.c; signals are only
 * handled while hap_ble_central_wait() runs, so a caller sees them between its own
 * calls, never in the middle of one (hap_ble_central_watch() has them on another
 * context).
 *
 * Deadlines are monotonic times in µs (g_get_monotonic_time()), -1 for none. Errors are
 * G_IO_ERROR: NOT_FOUND (no BlueZ, adapter or device), TIMED_OUT, CANCELLED,
 * CONNECTION_CLOSED (the link went down), and FAILED for what BlueZ refused (its error
 * name is in the message).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HAP_BLUEZ_ADAPTER_INTERFACE        "org.bluez.Adapter1"
#define HAP_BLUEZ_DEVICE_INTERFACE         "org.bluez.Device1"
#define HAP_BLUEZ_SERVICE_INTERFACE        "org.bluez.GattService1"
#define HAP_BLUEZ_CHARACTERISTIC_INTERFACE "org.bluez.GattCharacteristic1"
#define HAP_BLUEZ_DESCRIPTOR_INTERFACE     "org.bluez.GattDescriptor1"

typedef struct _HapBleCentral HapBleCentral;

/* What the signals of BlueZ bring, delivered from hap_ble_central_wait(). Any may be
 * NULL. @properties is a{sv}: all Device1 properties for a device that appeared, the
 * changed ones otherwise. */
typedef struct
{
  void (*device_changed) (gpointer    user_data,
                          const char *path,
                          GVariant   *properties,
                          gboolean    added);
  void (*device_removed) (gpointer    user_data,
                          const char *path);
  /* A remote characteristic's Value changed: a notification or indication (ay). */
  void (*value_changed)  (gpointer    user_data,
                          const char *path,
                          GVariant   *value);
} HapBleCentralHandlers;

/* Opens a bus connection and picks @adapter ("hci1"), or the first adapter for NULL;
 * powers it on when it is off. @timeout_ms (0: none) bounds each of the calls that have
 * no deadline parameter. */
HapBleCentral *hap_ble_central_new              (const char                  *adapter,
                                                 guint                        timeout_ms,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
/* Stops discovery, disconnects the device and closes the bus connection. */
void           hap_ble_central_free             (HapBleCentral               *self);
void           hap_ble_central_set_handlers     (HapBleCentral               *self,
                                                 const HapBleCentralHandlers *handlers,
                                                 gpointer                     user_data);
/* "hci1" and "/org/bluez/hci1". */
const char    *hap_ble_central_get_adapter      (HapBleCentral               *self);
const char    *hap_ble_central_get_adapter_path (HapBleCentral               *self);

/* Dispatches the signals that arrived, waiting for the first one until @deadline. FALSE
 * with TIMED_OUT after @deadline or with CANCELLED. */
gboolean       hap_ble_central_wait             (HapBleCentral               *self,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
/* Dispatches the signals that already arrived, without waiting. */
void           hap_ble_central_dispatch         (HapBleCentral               *self);
/* A method call on org.bluez that must answer before @deadline. */
GVariant      *hap_ble_central_call             (HapBleCentral               *self,
                                                 const char                  *path,
                                                 const char                  *interface,
                                                 const char                  *method,
                                                 GVariant                    *parameters,
                                                 const GVariantType          *reply_type,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
/* ObjectManager.GetManagedObjects of org.bluez: a{oa{sa{sv}}}. */
GVariant      *hap_ble_central_get_objects      (HapBleCentral               *self,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);

/* LE discovery on the adapter (SetDiscoveryFilter Transport=le, DuplicateData=true, so
 * that every advertisement change is signalled). Stopping is best effort. */
gboolean       hap_ble_central_start_discovery  (HapBleCentral               *self,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
void           hap_ble_central_stop_discovery   (HapBleCentral               *self);

/* The device object of BD address @address on the adapter, waiting for it to be
 * discovered when BlueZ does not know it yet (a new path, free with g_free). */
char          *hap_ble_central_find_device      (HapBleCentral               *self,
                                                 const char                  *address,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
/* Device1.Connect, retried while BlueZ reports a failed attempt; then waits for
 * Connected and ServicesResolved, reading them with Properties.Get as well because the
 * signals may never come (docs/bluez.md §5.1). One device per HapBleCentral. */
gboolean       hap_ble_central_connect          (HapBleCentral               *self,
                                                 const char                  *device_path,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
/* Device1.Disconnect of the connected device (best effort, bounded by a few seconds). */
void           hap_ble_central_disconnect       (HapBleCentral               *self);
gboolean       hap_ble_central_is_connected     (HapBleCentral               *self);
const char    *hap_ble_central_get_device_path  (HapBleCentral               *self);

/* GattCharacteristic1/GattDescriptor1 ReadValue and WriteValue (type "request") of a
 * remote attribute, and StartNotify/StopNotify of a characteristic. */
GBytes        *hap_ble_central_read_value       (HapBleCentral               *self,
                                                 const char                  *path,
                                                 const char                  *interface,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
gboolean       hap_ble_central_write_value      (HapBleCentral               *self,
                                                 const char                  *path,
                                                 const guint8                *data,
                                                 gsize                        len,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);
gboolean       hap_ble_central_set_notify       (HapBleCentral               *self,
                                                 const char                  *path,
                                                 gboolean                     enable,
                                                 gint64                       deadline,
                                                 GCancellable                *cancellable,
                                                 GError                     **error);

/* ---- hap-ble-central-async.c ----
 *
 * The same calls without blocking: the callback runs in the thread-default main context
 * of the caller (not the central's private one). No source object: the results are
 * GTasks of these functions. */
void           hap_ble_central_call_async        (HapBleCentral               *self,
                                                  const char                  *path,
                                                  const char                  *interface,
                                                  const char                  *method,
                                                  GVariant                    *parameters,
                                                  const GVariantType          *reply_type,
                                                  gint64                       deadline,
                                                  GCancellable                *cancellable,
                                                  GAsyncReadyCallback          callback,
                                                  gpointer                     user_data);
GVariant      *hap_ble_central_call_finish       (GAsyncResult                *result,
                                                  GError                     **error);
/* GattCharacteristic1.ReadValue. */
void           hap_ble_central_read_value_async  (HapBleCentral               *self,
                                                  const char                  *path,
                                                  gint64                       deadline,
                                                  GCancellable                *cancellable,
                                                  GAsyncReadyCallback          callback,
                                                  gpointer                     user_data);
GBytes        *hap_ble_central_read_value_finish (GAsyncResult                *result,
                                                  GError                     **error);
/* GattCharacteristic1.WriteValue, type "request". */
void           hap_ble_central_write_value_async (HapBleCentral               *self,
                                                  const char                  *path,
                                                  GBytes                      *data,
                                                  gint64                       deadline,
                                                  GCancellable                *cancellable,
                                                  GAsyncReadyCallback          callback,
                                                  gpointer                     user_data);
gboolean       hap_ble_central_write_value_finish (GAsyncResult               *result,
                                                   GError                    **error);
/* Device1.Disconnect without waiting for its answer; the central counts as
 * disconnected at once (for a link left in an unknown state by a cancelled procedure),
 * and hap_ble_central_disconnect() or _free() still disconnect it, blocking. */
void           hap_ble_central_abandon           (HapBleCentral               *self);

/* PropertiesChanged of any org.bluez object, delivered in @context (NULL: the global
 * default) while it runs, besides the central's own handlers: for a caller that
 * reacts to indications and disconnections from its own main loop. */
typedef void (*HapBleCentralWatchFunc) (gpointer    user_data,
                                        const char *path,
                                        const char *interface,
                                        GVariant   *changed);
/* One watch per central: a new one replaces the last. */
void           hap_ble_central_watch             (HapBleCentral               *self,
                                                  GMainContext                *context,
                                                  HapBleCentralWatchFunc       func,
                                                  gpointer                     user_data);
void           hap_ble_central_unwatch           (HapBleCentral               *self);

/* The BlueZ-given "AA:BB:CC:DD:EE:FF" of a Device1 path ("…/dev_AA_BB_CC_DD_EE_FF"), or
 * NULL when the name does not have that form. */
char          *hap_ble_device_path_to_address   (const char                  *path);
/* Apple's manufacturer data (company 0x004C) in a Device1 property dict, or NULL. */
GBytes        *hap_ble_manufacturer_data_lookup (GVariant                    *properties);

G_END_DECLS
