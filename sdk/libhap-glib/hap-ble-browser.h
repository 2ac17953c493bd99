/* hap-ble-browser.h — HAP accessories seen in Bluetooth LE advertisements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hap-controller.h"
#include "hap-types.h"

G_BEGIN_DECLS

#define HAP_TYPE_BLE_BROWSER (hap_ble_browser_get_type ())

/**
 * HapBleBrowser:
 *
 * Collects the HAP accessories seen in Bluetooth LE advertisements, through BlueZ:
 * regular advertisements and encrypted broadcast notifications.
 *
 * Blocking like [class@Hap.ControllerConnection]: records are collected while
 * hap_ble_browser_next() waits.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapBleBrowser, hap_ble_browser, HAP, BLE_BROWSER, GObject)

/**
 * hap_ble_browser_new:
 * @controller: (nullable): a controller whose broadcast keys decrypt notifications and
 *   which remembers the last global state number seen, or %NULL
 * @adapter: (nullable): BlueZ's adapter ("hci1"), or %NULL for the first
 *
 * Creates a browser; hap_ble_browser_start() starts scanning.
 *
 * Returns: (transfer full): a new browser
 */
HAP_AVAILABLE_IN_ALL
HapBleBrowser *hap_ble_browser_new              (HapController  *controller,
                                                 const char     *adapter);
/**
 * hap_ble_browser_start:
 * @self: a browser
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Starts LE discovery.
 *
 * Returns: %FALSE with a %G_IO_ERROR when there is no BlueZ or no such adapter, or
 *   BlueZ refused
 */
HAP_AVAILABLE_IN_ALL
gboolean       hap_ble_browser_start            (HapBleBrowser  *self,
                                                 GCancellable   *cancellable,
                                                 GError        **error);
/**
 * hap_ble_browser_stop:
 * @self: a browser
 *
 * Stops LE discovery.
 */
HAP_AVAILABLE_IN_ALL
void           hap_ble_browser_stop             (HapBleBrowser  *self);
/**
 * hap_ble_browser_get_adapter:
 * @self: a browser
 *
 * Gets the adapter scanned on.
 *
 * Returns: (nullable): the adapter ("hci1") once started, else %NULL
 */
HAP_AVAILABLE_IN_ALL
const char    *hap_ble_browser_get_adapter      (HapBleBrowser  *self);
/**
 * hap_ble_browser_set_value_format:
 * @self: a browser
 * @device_id: an accessory's device id
 * @iid: a characteristic's instance id
 * @format: the characteristic's format
 *
 * Tells the browser how to decode the broadcast values of one characteristic: the 8
 * bytes of a notification carry no format of their own. Records of decrypted
 * notifications then carry a "value".
 */
HAP_AVAILABLE_IN_ALL
void           hap_ble_browser_set_value_format (HapBleBrowser  *self,
                                                 const char     *device_id,
                                                 guint64         iid,
                                                 HapFormat       format);
/**
 * hap_ble_browser_next:
 * @self: a started browser
 * @timeout_ms: how long to wait, or 0 to wait forever
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Waits for the next record: a device seen for the first time since the start, or
 * one whose advertisement changed. Records are JSON objects of two kinds:
 *
 * - `{"type":"advertisement", "adapter", "address", "name", "rssi", "device_id",
 *   "category_id", "category", "gsn", "configuration_number", "compatible_version",
 *   "status_flags", "paired", "setup_hash"}`
 * - `{"type":"notification", "adapter", "address", "advertising_id", "decrypted"`, and
 *   when decrypted `"device_id", "aid", "iid", "gsn", "value_hex"` and maybe `"value"}`
 *
 * Returns: (transfer full) (nullable): the record, or %NULL without an error when
 *   nothing came within @timeout_ms
 */
HAP_AVAILABLE_IN_ALL
JsonNode      *hap_ble_browser_next             (HapBleBrowser  *self,
                                                 guint           timeout_ms,
                                                 GCancellable   *cancellable,
                                                 GError        **error);

G_END_DECLS
