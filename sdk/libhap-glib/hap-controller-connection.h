/* hap-controller-connection.h — one controller connection to a HAP accessory, over IP
 * or Bluetooth LE
 * SPDX-License-Identifier: LGPL-2.1-or-later
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

/**
 * HapControllerConnection:
 *
 * One controller connection to a HAP accessory, over IP or Bluetooth LE, on behalf of
 * a [class@Hap.Controller].
 *
 * Connecting, pairing, verifying, reading, writing and subscribing have asynchronous
 * calls in the style of GIO (`_async` and `_finish`): over IP they run on the
 * thread-default main context of their caller and never block it (the CPU-bound SRP
 * step of Pair Setup runs in a worker thread). The other calls block, like
 * #GSocketClient's synchronous API; each blocking call that has an asynchronous twin
 * runs it on a private main context until it is done. Either way a call honours its
 * #GCancellable and gives up with %G_IO_ERROR_TIMED_OUT when one step (connecting, one
 * request's answer) takes longer than the connection's
 * [property@Hap.ControllerConnection:timeout]. Requests may overlap: they are
 * pipelined and each answer goes to its call, in order (not while pairing, which
 * changes the connection's encryption). A call made while the socket has no room for
 * the previous request yet fails with %G_IO_ERROR_PENDING.
 *
 * Events of subscribed characteristics come as the
 * [signal@Hap.ControllerConnection::event] signal.
 *
 * Errors: an accessory's TLV8 Error item is a %HAP_PAIRING_ERROR, a JSON status a
 * %HAP_STATUS_ERROR, a malformed response %HAP_ERROR_INVALID_DATA, a bad proof or
 * signature %HAP_ERROR_AUTHENTICATION, and everything about the socket a %G_IO_ERROR.
 *
 * Over Bluetooth LE (hap_controller_connection_connect_ble(), through BlueZ on the
 * system bus) the same calls work on the accessory's GATT database: pairing,
 * hap_controller_connection_get_json() of "/accessories" (built from signature reads)
 * and of "/characteristics?id=…", hap_controller_connection_put_json() of
 * "/characteristics", timed writes, events (an indication, then a read of the value),
 * the pairings calls and identify answer as they do over IP. A HAP-BLE status becomes
 * the HAP status IP would give, link failures are %G_IO_ERROR, and
 * hap_controller_connection_request() fails with %G_IO_ERROR_NOT_SUPPORTED. The
 * asynchronous calls do not block there either: each HAP-BLE procedure's GATT writes
 * and reads are D-Bus calls to BlueZ whose answers come to the caller's main context.
 * A link carries one procedure at a time, so calls made meanwhile wait their turn; a
 * procedure cancelled after its first write leaves the accessory in the middle of it,
 * and the link is then disconnected. ::event comes after each indication (with the
 * value read after it), ::closed when BlueZ reports the link down, once subscribed.
 * Connecting is hap_controller_connection_connect_ble_async().
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapControllerConnection, hap_controller_connection, HAP, CONTROLLER_CONNECTION, GObject)

/**
 * HapPairSetupFlags:
 * @HAP_PAIR_SETUP_FLAGS_NONE: a normal Pair Setup that stores a pairing
 * @HAP_PAIR_SETUP_FLAGS_TRANSIENT: `kPairingFlag_Transient`: M1–M4 only, no pairing is
 *   stored and the connection is secured with the SRP session key
 * @HAP_PAIR_SETUP_FLAGS_SPLIT: `kPairingFlag_Split`: the setup code is reused from an
 *   earlier transient Pair Setup
 * @HAP_PAIR_SETUP_FLAGS_WITH_AUTH: send Method 1 (Pair Setup with Auth) instead of 0, as
 *   iOS does by default; not a wire flag (bit 0 is unused by HAP), and the accessory
 *   then ignores Transient and Split
 *
 * How hap_controller_connection_pair_setup() pairs.
 */
typedef enum /*< flags >*/
{
  HAP_PAIR_SETUP_FLAGS_NONE      = 0,
  HAP_PAIR_SETUP_FLAGS_WITH_AUTH = 1 << 0,
  HAP_PAIR_SETUP_FLAGS_TRANSIENT = 1 << 4,
  HAP_PAIR_SETUP_FLAGS_SPLIT     = 1 << 24,
} HapPairSetupFlags;

/**
 * hap_controller_connection_new:
 * @controller: the controller whose identity and pairings the connection uses
 *
 * Creates an unconnected connection.
 *
 * Returns: (transfer full): a new connection
 */
HAP_AVAILABLE_IN_ALL
HapControllerConnection *hap_controller_connection_new       (HapController           *controller);
/**
 * hap_controller_connection_get_controller:
 * @self: a connection
 *
 * Gets the controller.
 *
 * Returns: (transfer none): the controller
 */
HAP_AVAILABLE_IN_ALL
HapController  *hap_controller_connection_get_controller     (HapControllerConnection *self);
/**
 * hap_controller_connection_set_timeout:
 * @self: a connection
 * @timeout_ms: milliseconds each call may take, or 0 to wait forever
 *
 * Sets the per-call timeout (default 10000).
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_set_timeout        (HapControllerConnection *self,
                                                              guint                    timeout_ms);
/**
 * hap_controller_connection_get_timeout:
 * @self: a connection
 *
 * Gets the per-call timeout.
 *
 * Returns: milliseconds, or 0 for none
 */
HAP_AVAILABLE_IN_ALL
guint           hap_controller_connection_get_timeout        (HapControllerConnection *self);

/**
 * hap_controller_connection_connect:
 * @self: a connection
 * @host: a host name or address
 * @port: the accessory's HAP port
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Opens a TCP connection to an accessory.
 *
 * Returns: %FALSE with a %G_IO_ERROR when it could not connect
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_connect            (HapControllerConnection *self,
                                                              const char              *host,
                                                              guint16                  port,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_connect_async:
 * @self: a connection
 * @host: a host name or address
 * @port: the accessory's HAP port
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Opens a TCP connection to an accessory without blocking; see
 * hap_controller_connection_connect().
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_connect_async      (HapControllerConnection *self,
                                                              const char              *host,
                                                              guint16                  port,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_connect_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_connect_async().
 *
 * Returns: %FALSE with a %G_IO_ERROR when it could not connect
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_connect_finish     (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);
/**
 * hap_controller_connection_connect_ble:
 * @self: a connection
 * @adapter: (nullable): BlueZ's adapter ("hci1"), or %NULL for the first
 * @address: the accessory's Bluetooth address ("AA:BB:CC:DD:EE:FF")
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Connects over Bluetooth LE, scanning for the accessory when BlueZ does not know it
 * yet.
 *
 * Returns: %FALSE with %G_IO_ERROR_NOT_FOUND (no BlueZ, no such adapter, the device was
 *   not seen), %G_IO_ERROR_TIMED_OUT or %G_IO_ERROR_FAILED
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_connect_ble        (HapControllerConnection *self,
                                                              const char              *adapter,
                                                              const char              *address,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_connect_ble_async:
 * @self: a connection
 * @adapter: (nullable): the BlueZ adapter ("hci1"), or %NULL for the first one
 * @address: the accessory's Bluetooth address ("AA:BB:CC:DD:EE:FF")
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Connects to a HAP-BLE accessory without blocking; see
 * hap_controller_connection_connect_ble(). Finding the device, connecting and reading
 * its GATT database run in a worker thread; @callback runs in the thread-default main
 * context of the caller.
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_connect_ble_async  (HapControllerConnection *self,
                                                              const char              *adapter,
                                                              const char              *address,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_connect_ble_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_connect_ble_async().
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_connect_ble_finish (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);
/**
 * hap_controller_connection_is_ble:
 * @self: a connection
 *
 * Tells the transport.
 *
 * Returns: %TRUE after hap_controller_connection_connect_ble()
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_is_ble             (HapControllerConnection *self);
/**
 * hap_controller_connection_close:
 * @self: a connection
 *
 * Closes the connection; it may be connected again.
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_close              (HapControllerConnection *self);
/**
 * hap_controller_connection_is_secure:
 * @self: a connection
 *
 * Tells whether the connection is encrypted.
 *
 * Returns: %TRUE once Pair Verify (or a transient Pair Setup) secured it
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_is_secure          (HapControllerConnection *self);
/**
 * hap_controller_connection_get_accessory_id:
 * @self: a connection
 *
 * Gets the accessory's device id.
 *
 * Returns: (nullable): the device id once Pair Setup or Pair Verify learnt it, else
 *   %NULL
 */
HAP_AVAILABLE_IN_ALL
const char     *hap_controller_connection_get_accessory_id   (HapControllerConnection *self);

/**
 * hap_controller_connection_pair_setup:
 * @self: a connection
 * @setup_code: the accessory's setup code ("XXX-XX-XXX")
 * @flags: how to pair
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs Pair Setup (M1 to M6). On success the accessory is stored in the controller,
 * and its file.
 *
 * Returns: %FALSE with an error; a wrong code is %HAP_PAIRING_ERROR_AUTHENTICATION
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_setup         (HapControllerConnection *self,
                                                              const char              *setup_code,
                                                              HapPairSetupFlags        flags,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_pair_setup_async:
 * @self: a connection
 * @setup_code: the accessory's setup code ("XXX-XX-XXX")
 * @flags: how to pair
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Runs Pair Setup without blocking; see hap_controller_connection_pair_setup().
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_pair_setup_async   (HapControllerConnection *self,
                                                              const char              *setup_code,
                                                              HapPairSetupFlags        flags,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_pair_setup_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_pair_setup_async().
 *
 * Returns: %FALSE with an error; a wrong code is %HAP_PAIRING_ERROR_AUTHENTICATION
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_setup_finish  (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);
/**
 * hap_controller_connection_pair_verify:
 * @self: a connection
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Runs Pair Verify (M1 to M4): checks the accessory's signature with the key the
 * controller stored for it, then encrypts the connection.
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_verify        (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

/**
 * hap_controller_connection_pair_verify_async:
 * @self: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Runs Pair Verify without blocking; see hap_controller_connection_pair_verify().
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_pair_verify_async  (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_pair_verify_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_pair_verify_async().
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_verify_finish (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);
/**
 * hap_controller_connection_pair_resume:
 * @self: a connection
 * @out_resumed: (out) (optional): whether the session was resumed rather than verified
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Secures the connection the quickest way. Over Bluetooth LE that is Pair Resume when
 * the controller keeps a resume ticket for the accessory, and a full Pair Verify when
 * it does not or the accessory refuses the ticket; each secure BLE session leaves a new
 * ticket in the controller. Over IP it is a Pair Verify.
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_resume        (HapControllerConnection *self,
                                                              gboolean                *out_resumed,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_pair_resume_async:
 * @self: a connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Secures the connection the quickest way without blocking; see
 * hap_controller_connection_pair_resume().
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_pair_resume_async  (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_pair_resume_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @out_resumed: (out) (optional): whether the session was resumed rather than verified
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_pair_resume_async().
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_pair_resume_finish (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              gboolean                *out_resumed,
                                                              GError                 **error);

/**
 * hap_controller_connection_request:
 * @self: a connection
 * @method: the HTTP method ("GET")
 * @target: the request target ("/accessories")
 * @content_type: (nullable): the body's content type, or %NULL without a body
 * @body: (nullable): the body, or %NULL
 * @out_headers: (out) (optional) (transfer full) (element-type utf8 utf8): the response
 *   headers, lowercase names to values
 * @out_body: (out) (optional) (transfer full): the response body
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes one HTTP exchange, encrypted once the connection is secure. IP only.
 *
 * Returns: the HTTP status, or 0 with @error set
 */
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
/**
 * hap_controller_connection_get_json:
 * @self: a connection
 * @target: the request target ("/accessories", "/characteristics?id=1.10")
 * @out_status: (out) (optional): the HTTP status
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends `GET @target` and parses the `application/hap+json` body of a 200 or 207
 * answer.
 *
 * Returns: (transfer full): the body, or %NULL with an error; any other HTTP status is
 *   an error, a %HAP_STATUS_ERROR when the body carries a status
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_get_json           (HapControllerConnection *self,
                                                              const char              *target,
                                                              guint                   *out_status,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_get_json_async:
 * @self: a connection
 * @target: the request target ("/accessories", "/characteristics?id=1.10")
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Sends `GET @target` without blocking; see hap_controller_connection_get_json().
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_get_json_async     (HapControllerConnection *self,
                                                              const char              *target,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_get_json_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @out_status: (out) (optional): the HTTP status
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_get_json_async().
 *
 * Returns: (transfer full): the body, or %NULL with an error, as
 *   hap_controller_connection_get_json()
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_get_json_finish    (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              guint                   *out_status,
                                                              GError                 **error);
/**
 * hap_controller_connection_put_json:
 * @self: a connection
 * @target: the request target ("/characteristics")
 * @body: the JSON body
 * @out_status: (out) (optional): the HTTP status
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends `PUT @target` with a JSON body.
 *
 * Returns: (transfer full): the parsed body of a 207 answer, or a JSON null node for
 *   204; %NULL with an error otherwise
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_put_json           (HapControllerConnection *self,
                                                              const char              *target,
                                                              JsonNode                *body,
                                                              guint                   *out_status,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_put_json_async:
 * @self: a connection
 * @target: the request target ("/characteristics")
 * @body: the JSON body
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Sends `PUT @target` with a JSON body without blocking; see
 * hap_controller_connection_put_json().
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_put_json_async     (HapControllerConnection *self,
                                                              const char              *target,
                                                              JsonNode                *body,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_put_json_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @out_status: (out) (optional): the HTTP status
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_put_json_async().
 *
 * Returns: (transfer full): as hap_controller_connection_put_json()
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_put_json_finish    (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              guint                   *out_status,
                                                              GError                 **error);
/**
 * hap_controller_connection_timed_write:
 * @self: a connection
 * @characteristics: the write, `{"characteristics":[…]}`
 * @ttl_ms: how long the accessory should hold the prepared write
 * @out_status: (out) (optional): the HTTP status of the write
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Makes a timed write: `PUT /prepare` with @ttl_ms and a random pid, then
 * `PUT /characteristics` with @characteristics and that pid.
 *
 * Returns: (transfer full): as hap_controller_connection_put_json(); a refused prepare
 *   is an error
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_timed_write        (HapControllerConnection *self,
                                                              JsonNode                *characteristics,
                                                              guint                    ttl_ms,
                                                              guint                   *out_status,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_subscribe_async:
 * @self: a verified connection
 * @ids: (array zero-terminated=1): characteristics as "aid.iid" ("1.10")
 * @subscribe: %TRUE to subscribe, %FALSE to unsubscribe
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async) (closure user_data): called when the call is done
 * @user_data: data for @callback
 *
 * Subscribes to (or unsubscribes from) events of characteristics without blocking:
 * `PUT /characteristics` with `"ev"`. From then on the connection reads its socket
 * in the thread-default main context of the caller and emits
 * [signal@Hap.ControllerConnection::event] for each change, until it is closed.
 */
HAP_AVAILABLE_IN_ALL
void            hap_controller_connection_subscribe_async    (HapControllerConnection *self,
                                                              const char * const      *ids,
                                                              gboolean                 subscribe,
                                                              GCancellable            *cancellable,
                                                              GAsyncReadyCallback      callback,
                                                              gpointer                 user_data);
/**
 * hap_controller_connection_subscribe_finish:
 * @self: a connection
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes hap_controller_connection_subscribe_async().
 *
 * Returns: %FALSE with an error: %G_IO_ERROR_INVALID_ARGUMENT for a malformed id,
 *   a %HAP_STATUS_ERROR for the first characteristic the accessory refused
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_subscribe_finish   (HapControllerConnection *self,
                                                              GAsyncResult            *result,
                                                              GError                 **error);
/**
 * hap_controller_connection_wait_event:
 * @self: a connection
 * @timeout_ms: how long to wait, or 0 to wait forever
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Waits for the next event of a characteristic the connection subscribed to.
 *
 * Returns: (transfer full) (nullable): the body of the `EVENT/1.0` message, or %NULL
 *   without an error after @timeout_ms
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_wait_event         (HapControllerConnection *self,
                                                              guint                    timeout_ms,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

/**
 * hap_controller_connection_add_pairing:
 * @self: a verified connection, as an admin controller
 * @identifier: the new controller's pairing identifier
 * @ltpk: (array fixed-size=32): its Ed25519 long-term public key
 * @admin: whether it may manage pairings itself
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Adds a pairing to the accessory.
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_add_pairing        (HapControllerConnection *self,
                                                              const char              *identifier,
                                                              const guint8             ltpk[32],
                                                              gboolean                 admin,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_remove_pairing:
 * @self: a verified connection, as an admin controller
 * @identifier: the pairing identifier to remove
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Removes a pairing from the accessory.
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_remove_pairing     (HapControllerConnection *self,
                                                              const char              *identifier,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_list_pairings:
 * @self: a verified connection, as an admin controller
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Lists the accessory's pairings.
 *
 * Returns: (transfer full): a JSON array of `{"identifier", "public-key" (hex),
 *   "admin"}` objects, or %NULL with an error
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_list_pairings      (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_identify:
 * @self: a connection to an unpaired accessory
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Asks the accessory to identify itself (`POST /identify`, allowed only while it is
 * unpaired).
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_identify           (HapControllerConnection *self,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

/**
 * hap_controller_connection_configure_protocol:
 * @self: a verified Bluetooth LE connection
 * @generate_key: whether the accessory should derive a new broadcast encryption key
 *   from this session
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Sends a Protocol Configuration request to the Protocol Information service. A new
 * broadcast key is checked against the controller's own derivation and stored in the
 * controller with the advertising identifier and the global state number.
 *
 * Returns: (transfer full): `{"gsn":N, "configuration_number":N, "advertising_id":
 *   "XX:XX:XX:XX:XX:XX", "broadcast_key":BOOL}` (whether the accessory reported a valid
 *   key; the key itself is never in the JSON), or %NULL with an error
 */
HAP_AVAILABLE_IN_ALL
JsonNode       *hap_controller_connection_configure_protocol (HapControllerConnection *self,
                                                              gboolean                 generate_key,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);
/**
 * hap_controller_connection_set_broadcast:
 * @self: a verified Bluetooth LE connection
 * @aid: the accessory instance id
 * @iid: the characteristic's instance id
 * @interval_ms: the broadcast interval (20, 1280 or 2560), or 0 to disable
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Enables or disables broadcast notifications of a characteristic (Characteristic
 * Configuration). Enabling first generates a broadcast key when the controller has no
 * valid one for the accessory (keys expire 32767 state numbers later).
 *
 * Returns: %FALSE with an error
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_connection_set_broadcast      (HapControllerConnection *self,
                                                              guint64                  aid,
                                                              guint64                  iid,
                                                              guint                    interval_ms,
                                                              GCancellable            *cancellable,
                                                              GError                 **error);

G_END_DECLS
