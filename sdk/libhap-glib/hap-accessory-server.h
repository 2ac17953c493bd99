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

/**
 * HapAccessoryServer:
 *
 * Serves one [class@Hap.Accessory] (or a bridge and its bridged accessories) to HomeKit
 * controllers: over IP (TCP, HTTP, DNS-SD `_hap._tcp`), over Bluetooth LE through
 * BlueZ, or both at once with one identity, one set of pairings and one database.
 *
 * The server keeps the accessory's identity, keys and pairings in a state directory. It
 * runs on the thread-default #GMainContext of the thread that calls
 * hap_accessory_server_start(); any number of servers may share one context. Connection
 * limits and timers are properties, read while running: at
 * [property@Hap.AccessoryServer:max-connections] the oldest connection that has not
 * completed Pair Verify is evicted; verified sessions never are (a new connection is
 * refused instead), and they have no idle timeout.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapAccessoryServer, hap_accessory_server, HAP, ACCESSORY_SERVER, GObject)

/**
 * hap_accessory_server_new:
 * @accessory: the accessory to serve
 * @state_dir: (type filename): the directory that holds the accessory's identity, keys
 *   and pairings (created with mode 0700 if missing)
 *
 * Creates a server; configure it, then call hap_accessory_server_start().
 *
 * Returns: (transfer full): a new server
 */
HAP_AVAILABLE_IN_ALL
HapAccessoryServer *hap_accessory_server_new              (HapAccessory        *accessory,
                                                           const char          *state_dir);

/**
 * hap_accessory_server_set_port:
 * @self: a server, not started
 * @port: the TCP port, or 0 for any free port
 *
 * Sets the HAP/IP port.
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_port         (HapAccessoryServer  *self,
                                                           guint16              port);
/**
 * hap_accessory_server_set_bind_address:
 * @self: a server, not started
 * @address: (nullable): the address to listen on, or %NULL for all addresses
 *
 * Sets the address HAP/IP listens on.
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_bind_address (HapAccessoryServer  *self,
                                                           const char          *address);
/**
 * hap_accessory_server_set_setup_code:
 * @self: a server, not started
 * @setup_code: (nullable): a setup code ("XXX-XX-XXX"), or %NULL for the stored one
 *   (or a new random one)
 * @error: return location for a #GError
 *
 * Sets the setup code controllers pair with. The code is stored in the state
 * directory: a simulator's convenience. A device whose code is set at the factory
 * keeps only the code's SRP salt and verifier instead
 * (hap_accessory_server_set_setup_verifier(), hap_provision_state_dir()).
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_SETUP_CODE for a malformed code
 */
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_set_setup_code   (HapAccessoryServer  *self,
                                                           const char          *setup_code,
                                                           GError             **error);
/**
 * hap_accessory_server_set_setup_verifier:
 * @self: a server, not started
 * @salt: the SRP salt (16 bytes) of the code on the device's label
 * @verifier: its SRP verifier (384 bytes)
 * @setup_id: (nullable): the label's setup ID, or %NULL to keep the stored one
 * @error: return location for a #GError
 *
 * Serves as a provisioned device, which holds no setup code. The salt and verifier
 * replace any stored code in the state directory;
 * hap_accessory_server_get_setup_code() and hap_accessory_server_dup_setup_payload()
 * then return %NULL. A later hap_accessory_server_set_setup_code() goes back to a
 * stored code. hap_setup_verifier_compute() makes the salt and verifier.
 *
 * Returns: %FALSE with an error when the sizes are wrong or the state cannot be written
 */
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_set_setup_verifier (HapAccessoryServer *self,
                                                             GBytes             *salt,
                                                             GBytes             *verifier,
                                                             const char         *setup_id,
                                                             GError            **error);
/**
 * hap_accessory_server_set_transports:
 * @self: a server, not started
 * @transports: IP, BLE or both
 *
 * Sets the transports to serve on; by default those of
 * hap_accessory_get_transports().
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_transports   (HapAccessoryServer  *self,
                                                           HapTransportFlags    transports);
/**
 * hap_accessory_server_get_transports:
 * @self: a server
 *
 * Gets the transports served on.
 *
 * Returns: the transports
 */
HAP_AVAILABLE_IN_ALL
HapTransportFlags   hap_accessory_server_get_transports   (HapAccessoryServer  *self);
/**
 * hap_accessory_server_set_ble_adapter:
 * @self: a server
 * @adapter: (nullable): BlueZ's adapter ("hci0"), or %NULL for the first one that can
 *   be a peripheral, powered or not
 * @error: return location for a #GError
 *
 * Chooses the Bluetooth adapter for HAP over BLE. While running, the BLE transport
 * moves to it: its connected central, if any, is dropped; IP sessions stay.
 *
 * Returns: %FALSE when the transport could not start on @adapter
 */
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_set_ble_adapter  (HapAccessoryServer  *self,
                                                           const char          *adapter,
                                                           GError             **error);
/**
 * hap_accessory_server_get_ble_adapter:
 * @self: a server
 *
 * Gets the adapter the BLE transport serves on.
 *
 * Returns: (nullable): the adapter ("hci0") once registered; %NULL before, or while
 *   BlueZ or the adapter is missing
 */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_ble_adapter  (HapAccessoryServer  *self);
/**
 * hap_accessory_server_get_gsn:
 * @self: a started server
 *
 * Gets the Bluetooth LE global state number, which counts changes for controllers
 * that are not connected.
 *
 * Returns: the state number, 1 to 65535
 */
HAP_AVAILABLE_IN_ALL
guint               hap_accessory_server_get_gsn          (HapAccessoryServer  *self);
/**
 * hap_accessory_server_set_event_window:
 * @self: a server
 * @milliseconds: the window (default 250)
 *
 * Sets how often events may go to one connection: at most once per window, and the
 * first change after a quiet window goes out at once. Programmable Switch Event is
 * never held back.
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_event_window (HapAccessoryServer  *self,
                                                           guint                milliseconds);
/**
 * hap_accessory_server_set_handler_timeout:
 * @self: a server
 * @milliseconds: the timeout (default 5000)
 *
 * Sets how long a read or write handler may take: past it the controller gets
 * %HAP_STATUS_TIMED_OUT.
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_handler_timeout (HapAccessoryServer *self,
                                                              guint               milliseconds);

/**
 * HAP_DEFAULT_MAX_CONNECTIONS:
 *
 * Default of [property@Hap.AccessoryServer:max-connections]: 256 HAP/IP connections
 * per accessory (HAP requires at least 8; HomeKitADK keeps 17).
 */
#define HAP_DEFAULT_MAX_CONNECTIONS    256
/**
 * HAP_DEFAULT_IDLE_TIMEOUT_MS:
 *
 * Default of [property@Hap.AccessoryServer:idle-timeout]: a connection that has not
 * completed Pair Verify and takes no pairing step for 60 s is closed (HomeKitADK's idle
 * time).
 */
#define HAP_DEFAULT_IDLE_TIMEOUT_MS    60000
/**
 * HAP_DEFAULT_STALL_TIMEOUT_MS:
 *
 * Default of [property@Hap.AccessoryServer:stall-timeout]: a request or encrypted frame
 * left incomplete for 10 s closes its connection.
 */
#define HAP_DEFAULT_STALL_TIMEOUT_MS   10000
/**
 * HAP_DEFAULT_PAIRING_TIMEOUT_MS:
 *
 * Default of [property@Hap.AccessoryServer:pairing-timeout]: a Pair Setup or Pair
 * Verify waiting 30 s for the controller's next step is dropped (HomeKitADK's Pair
 * Setup timeout).
 */
#define HAP_DEFAULT_PAIRING_TIMEOUT_MS 30000

/**
 * hap_accessory_server_set_advertiser:
 * @self: a server, not started
 * @advertiser: (nullable): the advertiser to publish through, or %NULL for one of the
 *   server's own
 *
 * Shares one DNS-SD advertiser between the servers of a process.
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_advertiser   (HapAccessoryServer  *self,
                                                           HapAdvertiser       *advertiser);
/**
 * hap_accessory_server_set_advertise:
 * @self: a server
 * @advertise: whether to publish the `_hap._tcp` record
 *
 * Turns DNS-SD advertising on (the default) or off, for embedders without mDNS.
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_set_advertise    (HapAccessoryServer  *self,
                                                           gboolean             advertise);
/**
 * hap_accessory_server_get_advertised_name:
 * @self: a server
 *
 * Gets the DNS-SD service name, which Avahi may have changed after a collision.
 *
 * Returns: (nullable): the name once the record is established, else %NULL
 */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_advertised_name (HapAccessoryServer *self);

/**
 * hap_accessory_server_start:
 * @self: a server
 * @error: return location for a #GError
 *
 * Loads or creates the state, assigns missing instance ids, listens and advertises.
 *
 * Returns: %FALSE with an error when the state is unusable or the port is taken
 */
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_start            (HapAccessoryServer  *self,
                                                           GError             **error);
/**
 * hap_accessory_server_stop:
 * @self: a server
 *
 * Closes every connection, withdraws the advertisements and flushes the state.
 */
HAP_AVAILABLE_IN_ALL
void                hap_accessory_server_stop             (HapAccessoryServer  *self);

/**
 * hap_accessory_server_get_accessory:
 * @self: a server
 *
 * Gets the accessory served.
 *
 * Returns: (transfer none): the accessory
 */
HAP_AVAILABLE_IN_ALL
HapAccessory       *hap_accessory_server_get_accessory    (HapAccessoryServer  *self);
/**
 * hap_accessory_server_get_port:
 * @self: a server
 *
 * Gets the HAP/IP port.
 *
 * Returns: the port listened on once started (the one chosen, for port 0)
 */
HAP_AVAILABLE_IN_ALL
guint16             hap_accessory_server_get_port         (HapAccessoryServer  *self);
/**
 * hap_accessory_server_get_device_id:
 * @self: a started server
 *
 * Gets the accessory's device id.
 *
 * Returns: (nullable): the device id ("AB:CD:EF:01:23:45"), or %NULL before start
 */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_device_id    (HapAccessoryServer  *self);
/**
 * hap_accessory_server_get_setup_code:
 * @self: a server
 *
 * Gets the setup code.
 *
 * Returns: (nullable): the code, or %NULL on a provisioned device (it keeps only a
 *   verifier)
 */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_setup_code   (HapAccessoryServer  *self);
/**
 * hap_accessory_server_get_setup_id:
 * @self: a server
 *
 * Gets the setup ID.
 *
 * Returns: (nullable): the setup ID, or %NULL before start
 */
HAP_AVAILABLE_IN_ALL
const char         *hap_accessory_server_get_setup_id     (HapAccessoryServer  *self);
/**
 * hap_accessory_server_dup_setup_payload:
 * @self: a server
 *
 * Builds the `X-HM://` payload of the accessory's QR code.
 *
 * Returns: (transfer full) (nullable): the payload, or %NULL on a provisioned device
 *   (the payload encodes the code, which is on the label, not on the device)
 */
HAP_AVAILABLE_IN_ALL
char               *hap_accessory_server_dup_setup_payload (HapAccessoryServer *self);
/**
 * hap_accessory_server_is_paired:
 * @self: a server
 *
 * Tells whether any controller is paired.
 *
 * Returns: %TRUE when paired
 */
HAP_AVAILABLE_IN_ALL
gboolean            hap_accessory_server_is_paired        (HapAccessoryServer  *self);
/**
 * hap_accessory_server_get_config_number:
 * @self: a server
 *
 * Gets the configuration number, which grows when the accessory's database changes.
 *
 * Returns: the configuration number
 */
HAP_AVAILABLE_IN_ALL
guint               hap_accessory_server_get_config_number (HapAccessoryServer *self);
/**
 * hap_accessory_server_get_n_connections:
 * @self: a server
 *
 * Counts open sessions, all transports together (IP connections, BLE centrals).
 *
 * Returns: the number of sessions
 */
HAP_AVAILABLE_IN_ALL
guint               hap_accessory_server_get_n_connections (HapAccessoryServer *self);

G_END_DECLS
