/* hap-accessory-server.h — serves one HAP accessory (or bridge) over HAP/IP
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <gio/gio.h>

#include "hap-accessory.h"
#include "hap-advertiser.h"
#include "hap-connection-limit.h"

G_BEGIN_DECLS

#define HAP_TYPE_ACCESSORY_SERVER (hap_accessory_server_get_type ())

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapAccessoryServer, hap_accessory_server, HAP, ACCESSORY_SERVER, GObject)

/* @state_dir holds this accessory's identity, keys and pairings (created 0700 if
 * missing). The server runs on the thread-default GMainContext of the thread that calls
 * hap_accessory_server_start(); any number of servers may share one context. */
HAP_AVAILABLE_IN_ALL
HapAccessoryServer *hap_accessory_server_new              (HapAccessory        *accessory,
                                                           const char          *state_dir);

/* Before start: "port" (0 = any free port), "bind-address" (NULL = all addresses),
 * "setup-code" (NULL = the stored one, or a new random one). A setup code given here is
 * stored in the state directory: the simulator's convenience. A device whose code is set
 * at the factory keeps only its SRP salt and verifier instead
 * (hap_accessory_server_set_setup_verifier(), hap_provision_state_dir()). */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_port         (HapAccessoryServer  *self,
                                                           guint16              port);
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_bind_address (HapAccessoryServer  *self,
                                                           const char          *address);
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_set_setup_code   (HapAccessoryServer  *self,
                                                           const char          *setup_code,
                                                           GError             **error);
/* Before start: serve as a provisioned device, with the SRP @salt (16 bytes) and
 * @verifier (384 bytes) of the code on its label and that label's @setup_id (NULL: keep
 * the stored one). They replace any stored setup code in the state directory, so that no
 * setup code exists on the device; hap_accessory_server_get_setup_code() and
 * hap_accessory_server_dup_setup_payload() then return NULL. A later
 * hap_accessory_server_set_setup_code() goes back to a stored code. */
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_set_setup_verifier (HapAccessoryServer *self,
                                                             GBytes             *salt,
                                                             GBytes             *verifier,
                                                             const char         *setup_id,
                                                             GError            **error);
/* Before start: the transports to serve on (default: what the accessory declares,
 * hap_accessory_get_transports()). */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_transports   (HapAccessoryServer  *self,
                                                           HapTransportFlags    transports);
HAP_AVAILABLE_IN_ALL
HapTransportFlags   hap_accessory_server_get_transports   (HapAccessoryServer  *self);
/* The BlueZ adapter for HAP over BLE ("hci0"); NULL (the default) picks the first
 * powered-or-not adapter that can be a peripheral. While running, the BLE transport
 * moves to it (its connected central, if any, is dropped; IP sessions stay); FALSE
 * when it could not start there. */
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_set_ble_adapter  (HapAccessoryServer  *self,
                                                           const char          *adapter,
                                                           GError             **error);
/* The BlueZ adapter the BLE transport serves on ("hci0"), once registered; NULL
 * before, or while BlueZ or the adapter is missing. */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_ble_adapter  (HapAccessoryServer  *self);
/* The BLE global state number (hap-protocol.md §5.11), 1..65535, valid after start. */
HAP_AVAILABLE_IN_ALL
guint               hap_accessory_server_get_gsn          (HapAccessoryServer  *self);
/* Events for one connection are sent at most once per window (default 250 ms); the first
 * change after a quiet window goes out at once. Programmable Switch Event is never held. */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_event_window (HapAccessoryServer  *self,
                                                           guint                milliseconds);
/* A read/write handler that has not answered after this long gives -70408 (default 5000). */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_handler_timeout (HapAccessoryServer *self,
                                                              guint               milliseconds);

/* Connection limits and timers (HAP/IP) are GObject properties, read while running:
 * "max-connections", "connection-limit" (a #HapConnectionLimit shared with other servers
 * on the same context; set before start), "idle-timeout", "stall-timeout" and
 * "pairing-timeout" (milliseconds, 0 = never). At a cap the oldest connection that has
 * not completed Pair Verify is evicted; verified sessions never are (a new connection is
 * refused instead), and they have no idle timeout. */

/**
 * HAP_DEFAULT_MAX_CONNECTIONS:
 *
 * Default of #HapAccessoryServer:max-connections: 256 HAP/IP connections per accessory
 * (HAP requires at least 8; HomeKitADK keeps 17).
 */
#define HAP_DEFAULT_MAX_CONNECTIONS    256
/**
 * HAP_DEFAULT_IDLE_TIMEOUT_MS:
 *
 * Default of #HapAccessoryServer:idle-timeout: a connection that has not completed Pair
 * Verify and takes no pairing step for 60 s is closed (HomeKitADK's idle time).
 */
#define HAP_DEFAULT_IDLE_TIMEOUT_MS    60000
/**
 * HAP_DEFAULT_STALL_TIMEOUT_MS:
 *
 * Default of #HapAccessoryServer:stall-timeout: a request or encrypted frame left
 * incomplete for 10 s closes its connection.
 */
#define HAP_DEFAULT_STALL_TIMEOUT_MS   10000
/**
 * HAP_DEFAULT_PAIRING_TIMEOUT_MS:
 *
 * Default of #HapAccessoryServer:pairing-timeout: a Pair Setup or Pair Verify waiting
 * 30 s for the controller's next step is dropped (HomeKitADK's Pair Setup timeout).
 */
#define HAP_DEFAULT_PAIRING_TIMEOUT_MS 30000

/* DNS-SD (hap-protocol.md §4.13): by default the server advertises _hap._tcp through a
 * HapAdvertiser of its own. Servers of one process should share one (set it before
 * start), and embedders without mDNS can turn advertising off. */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_advertiser   (HapAccessoryServer  *self,
                                                           HapAdvertiser       *advertiser);
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_advertise    (HapAccessoryServer  *self,
                                                           gboolean             advertise);
/* The advertised service name once established (Avahi may have renamed it after a
 * collision), else NULL. */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_advertised_name (HapAccessoryServer *self);

HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_start            (HapAccessoryServer  *self,
                                                           GError             **error);
/* Closes every connection and flushes state. */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_stop             (HapAccessoryServer  *self);

HAP_AVAILABLE_IN_ALL
HapAccessory       *hap_accessory_server_get_accessory    (HapAccessoryServer  *self);
HAP_AVAILABLE_IN_ALL
guint16             hap_accessory_server_get_port         (HapAccessoryServer  *self);
/* "AB:CD:EF:01:23:45", valid after start. */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_device_id    (HapAccessoryServer  *self);
/* The setup code, or NULL on a provisioned device (it keeps only a verifier). */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_setup_code   (HapAccessoryServer  *self);
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_setup_id     (HapAccessoryServer  *self);
/* "X-HM://…", free with g_free(); NULL on a provisioned device (the payload encodes the
 * code: it is on the device's label, not on the device). */
HAP_AVAILABLE_IN_ALL
char               *hap_accessory_server_dup_setup_payload (HapAccessoryServer *self);
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_is_paired        (HapAccessoryServer  *self);
HAP_AVAILABLE_IN_ALL
guint               hap_accessory_server_get_config_number (HapAccessoryServer *self);
/* Open sessions, all transports together (IP connections, BLE centrals). */
HAP_AVAILABLE_IN_ALL
guint               hap_accessory_server_get_n_connections (HapAccessoryServer *self);

/* Signals:
 *   "pairing-added"   (const char *controller_id, gboolean admin)
 *   "pairing-removed" (const char *controller_id)
 *   "paired-changed"  ()       — the accessory became paired or unpaired
 *   "advertised"      (const char *name) — the DNS-SD record is established under
 *                      @name, or (@name NULL) avahi-daemon is not running
 *   "ble-advertised"  (const char *adapter) — BlueZ accepted the BLE advertisement on
 *                      @adapter ("hci0")
 */

G_END_DECLS
