/* hap-controller-connection.h — one controller connection to a HAP accessory, over IP
 * or Bluetooth LE
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every call blocks, like GSocketClient's synchronous API: it honours @cancellable and
 * gives up with G_IO_ERROR_TIMED_OUT after the connection's timeout. Meant for command
 * line tools, tests and benchmark drivers, not for main-loop applications.
 *
 * Errors: an accessory's TLV Error item is a HAP_PAIRING_ERROR (the TLV code), a JSON
 * status a HAP_STATUS_ERROR, a malformed response HAP_ERROR_INVALID_DATA, a bad proof or
 * signature HAP_ERROR_AUTHENTICATION and everything about the socket a G_IO_ERROR.
 *
 * Over Bluetooth LE (hap_controller_connection_connect_ble(), through BlueZ on the
 * system bus) the same calls work on the accessory's GATT database (hap-protocol.md §5):
 * pairing, get_json ("/accessories", built from signature reads, and
 * "/characteristics?id=…"), put_json ("/characteristics"), timed_write, wait_event (an
 * indication, then a read of the value), the pairings calls and identify answer as they
 * do over IP. A HAP-BLE response status becomes the HAP status IP would give
 * (hap-ble-json-private.h), link failures are G_IO_ERROR, and request() is
 * G_IO_ERROR_NOT_SUPPORTED.
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hap-controller.h"

G_BEGIN_DECLS

#define HAP_TYPE_CONTROLLER_CONNECTION (hap_controller_connection_get_type ())

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapControllerConnection, hap_controller_connection, HAP, CONTROLLER_CONNECTION, GObject)

/**
 * HapPairSetupFlags:
 * @HAP_PAIR_SETUP_FLAGS_NONE: a normal Pair Setup that stores a pairing
 * @HAP_PAIR_SETUP_FLAGS_TRANSIENT: kPairingFlag_Transient: M1–M4 only, no pairing is
 *   stored and the connection is secured with the SRP session key
 * @HAP_PAIR_SETUP_FLAGS_SPLIT: kPairingFlag_Split (hap-protocol.md §1.5)
 * @HAP_PAIR_SETUP_FLAGS_WITH_AUTH: send Method 1 (Pair Setup with Auth) instead of 0, as
 *   iOS and hap-controller do by default; not a wire flag (bit 0 is unused by HAP), and
 *   the accessory then ignores Transient/Split (§1.5)
 */
typedef enum
{
  HAP_PAIR_SETUP_FLAGS_NONE      = 0,
  HAP_PAIR_SETUP_FLAGS_WITH_AUTH = 1 << 0,
  HAP_PAIR_SETUP_FLAGS_TRANSIENT = 1 << 4,
  HAP_PAIR_SETUP_FLAGS_SPLIT     = 1 << 24,
} HapPairSetupFlags;

HAP_AVAILABLE_IN_ALL
HapControllerConnection *hap_controller_connection_new       (HapController           *controller);
HAP_AVAILABLE_IN_ALL
HapController  *hap_controller_connection_get_controller     (HapControllerConnection *self);
/* Per-call timeout in milliseconds (default 10000; 0 = wait forever). */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_set_timeout        (HapControllerConnection *self,
                                                              guint                    timeout_ms);
HAP_AVAILABLE_IN_ALL
guint           hap_controller_connection_get_timeout        (HapControllerConnection *self);

HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_connect            (HapControllerConnection *self,
                                                              const char              *host,
                                                              guint16                  port,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* Connects over Bluetooth LE to the accessory with BD address @address
 * ("AA:BB:CC:DD:EE:FF"), through BlueZ's adapter @adapter ("hci1", or NULL for the
 * first), scanning for it when BlueZ does not know it yet. Errors are G_IO_ERROR:
 * NOT_FOUND (no BlueZ, no such adapter, the device was not seen), TIMED_OUT, FAILED. */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_connect_ble        (HapControllerConnection *self,
                                                              const char              *adapter,
                                                              const char              *address,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* TRUE after hap_controller_connection_connect_ble(). */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_is_ble             (HapControllerConnection *self);
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_close              (HapControllerConnection *self);
/* TRUE once Pair Verify (or a transient Pair Setup) encrypted the connection. */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_is_secure          (HapControllerConnection *self);
/* The device id of the accessory, once Pair Setup or Pair Verify learnt it. */
HAP_AVAILABLE_IN_ALL
const char     *hap_controller_connection_get_accessory_id   (HapControllerConnection *self);

/* Pair Setup M1–M6 (hap-protocol.md §2.2); on success the accessory is stored in the
 * controller (and its file). */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_setup         (HapControllerConnection *self,
                                                              const char              *setup_code,
                                                              HapPairSetupFlags        flags,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* Pair Verify M1–M4 (§3.1): checks the accessory's signature with the LTPK the
 * controller stored for the device id of M2, then encrypts the connection. */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_verify        (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

/* Secures the connection the quickest way: over BLE, with Pair Resume (Method 6,
 * hap-protocol.md §3.4) when the controller keeps a resume ticket for the accessory, else
 * (and when the accessory does not know the ticket, or refuses it) with a full Pair
 * Verify, as hap_controller_connection_pair_verify() does. Over IP it is a Pair Verify.
 * Each secure BLE session leaves a new ticket in the controller (and its file).
 * @out_resumed (may be NULL) tells whether the session was resumed. */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_resume        (HapControllerConnection *self,
                                                              gboolean                *out_resumed,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

/* One HTTP exchange. Returns the status (0 on error); @out_headers (lowercase names
 * → values) and @out_body may be NULL. @body may be NULL. */
HAP_AVAILABLE_IN_ALL
guint           hap_controller_connection_request            (HapControllerConnection *self,
                                                              const char              *method,
                                                              const char              *target,
                                                              const char              *content_type,
                                                              GBytes                  *body,
                                                              GHashTable             **out_headers,
                                                              GBytes                 **out_body,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* GET @target: the parsed application/hap+json body of a 200 or 207 answer. Any other
 * status is an error: HAP_STATUS_ERROR when the body carries a "status". */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_get_json           (HapControllerConnection *self,
                                                              const char              *target,
                                                              guint                   *out_status,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* PUT @body to @target: the parsed body of a 207 answer, or a JSON null node for 204. */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_put_json           (HapControllerConnection *self,
                                                              const char              *target,
                                                              JsonNode                *body,
                                                              guint                   *out_status,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* The body of the next EVENT/1.0 message, or NULL without an error after @timeout_ms
 * (0 = wait forever). */
/* Timed write (hap-protocol.md §4.8): PUT /prepare with @ttl_ms and a random pid, then
 * PUT /characteristics with @characteristics ({"characteristics":[…]}) and that pid.
 * Returns like hap_controller_connection_put_json(); a refused prepare is an error. */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_timed_write        (HapControllerConnection *self,
                                                              JsonNode                *characteristics,
                                                              guint                    ttl_ms,
                                                              guint                   *out_status,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_wait_event         (HapControllerConnection *self,
                                                              guint                    timeout_ms,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

/* Pairings management over a verified connection (§3.5). */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_add_pairing        (HapControllerConnection *self,
                                                              const char              *identifier,
                                                              const guint8             ltpk[32],
                                                              gboolean                 admin,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_remove_pairing     (HapControllerConnection *self,
                                                              const char              *identifier,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* A JSON array of {"identifier", "public-key" (hex), "admin"} objects. */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_list_pairings      (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* POST /identify (only allowed while the accessory is unpaired, §4.8). */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_identify           (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

/* BLE only, on a verified connection: Protocol Configuration (hap-protocol.md §5.6) on
 * the Protocol Information service. With @generate_key the accessory derives a new
 * broadcast encryption key from this session (§2.3), which is checked against the
 * controller's own derivation and stored in the controller with the advertising
 * identifier and the GSN. Returns {"gsn":N,"configuration_number":N,"advertising_id":
 * "XX:XX:XX:XX:XX:XX","broadcast_key":BOOL} (whether the accessory reported a valid
 * key; the key itself is never in the JSON). */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_configure_protocol (HapControllerConnection *self,
                                                              gboolean                 generate_key,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/* BLE only, on a verified connection: Characteristic Configuration (§5.6) enabling
 * broadcast notifications of @aid.@iid at @interval_ms (20, 1280 or 2560), or disabling
 * them (@interval_ms 0). Enabling first generates a broadcast key when the controller has
 * no valid one for this accessory (§5.10: keys expire 32767 GSN increments later). */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_set_broadcast      (HapControllerConnection *self,
                                                              guint64                  aid,
                                                              guint64                  iid,
                                                              guint                    interval_ms,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

G_END_DECLS
