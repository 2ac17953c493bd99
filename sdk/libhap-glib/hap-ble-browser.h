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

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapBleBrowser, hap_ble_browser, HAP, BLE_BROWSER, GObject)

/* Scans for HAP-BLE advertisements (hap-protocol.md §5.9, §5.10) through BlueZ's adapter
 * @adapter ("hci1", or NULL for the first). With @controller (may be NULL), encrypted
 * notifications of accessories whose broadcast key it keeps are decrypted, and the last
 * GSN seen is remembered in it. Blocking like HapControllerConnection: records are
 * collected while hap_ble_browser_next() waits. */
HAP_AVAILABLE_IN_ALL
HapBleBrowser *hap_ble_browser_new              (HapController  *controller,
                                                 const char     *adapter);
/* Starts LE discovery. Errors are G_IO_ERROR (no BlueZ, no such adapter, BlueZ said no). */
HAP_AVAILABLE_IN_ALL
gboolean       hap_ble_browser_start            (HapBleBrowser  *self,
                                                 GCancellable   *cancellable,
                                                 GError        **error);
HAP_AVAILABLE_IN_ALL
void           hap_ble_browser_stop             (HapBleBrowser  *self);
/* "hci1", once started. */
HAP_AVAILABLE_IN_ALL
const char    *hap_ble_browser_get_adapter      (HapBleBrowser  *self);
/* Decrypted broadcast values of @iid of accessory @device_id are reported as "value"
 * in @format (the 8 bytes carry no format of their own). */
HAP_AVAILABLE_IN_ALL
void           hap_ble_browser_set_value_format (HapBleBrowser  *self,
                                                 const char     *device_id,
                                                 guint64         iid,
                                                 HapFormat       format);
/* The next record: a device seen for the first time since the start, or one whose
 * advertisement changed. NULL without an error when nothing came within @timeout_ms
 * (0: wait forever). Records are JSON objects:
 *   {"type":"advertisement","adapter","address","name","rssi","device_id","category_id",
 *    "category","gsn","configuration_number","compatible_version","status_flags",
 *    "paired","setup_hash"}
 *   {"type":"notification","adapter","address","advertising_id","decrypted"[,
 *    "device_id","aid","iid","gsn","value_hex"[,"value"]]} */
HAP_AVAILABLE_IN_ALL
JsonNode      *hap_ble_browser_next             (HapBleBrowser  *self,
                                                 guint           timeout_ms,
                                                 GCancellable   *cancellable,
                                                 GError        **error);

G_END_DECLS
