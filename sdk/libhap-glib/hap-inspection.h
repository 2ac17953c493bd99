/* hap-inspection.h — the inspection and fault-injection API of libhap-glib
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a simulator or a test harness needs and a device does not: observing every
 * connection and message of a running HapAccessoryServer, rewriting them on the way out
 * (deliberate protocol misbehaviour, "quirks"), and, through hap-wire.h, the codecs to
 * read and write what passes through. Installed, and built into the library, only when
 * libhap-glib is configured with -Dinspection=true (the default); a device build can
 * leave it out with -Dinspection=false, and the server then has no hook call sites.
 *
 * Include it after <libhap-glib/hap.h>. It is not part of hap.h so that code written for
 * a device cannot come to depend on it by accident.
 */
#pragma once

#include <gio/gio.h>

#ifndef __HAP_INSIDE__
# define __HAP_INSIDE__
# define __HAP_INSPECTION_DEFINED_INSIDE__
#endif
#include "hap-version.h"
#include "hap-accessory-server.h"
#include "hap-wire.h"
#ifdef __HAP_INSPECTION_DEFINED_INSIDE__
# undef __HAP_INSIDE__
# undef __HAP_INSPECTION_DEFINED_INSIDE__
#endif

G_BEGIN_DECLS

/* ---- the HAP/IP server: hooks ------------------------------------------------------- */

/**
 * HapConnection:
 *
 * One controller connection of a #HapAccessoryServer over HAP/IP (opaque, reference
 * counted). Hooks get it borrowed; it stays valid while referenced, and
 * hap_connection_get_server() returns %NULL once it closed.
 */
typedef struct _HapConnection HapConnection;

/**
 * HapHookVerdict:
 * @HAP_HOOK_CONTINUE: handle the request normally
 * @HAP_HOOK_ANSWERED: the hook sent the answer itself (hap_connection_send_response())
 * @HAP_HOOK_HANG: never answer: the connection stays busy and later requests queue,
 *   until hap_connection_request_done()
 * @HAP_HOOK_CLOSE: close the connection without answering
 * @HAP_HOOK_DELAY: handle it normally after the delay the hook set (the hooks are not
 *   asked again)
 *
 * What a request hook decides about a request.
 */
typedef enum
{
  HAP_HOOK_CONTINUE,
  HAP_HOOK_ANSWERED,
  HAP_HOOK_HANG,
  HAP_HOOK_CLOSE,
  HAP_HOOK_DELAY,
} HapHookVerdict;

/**
 * HapMessageKind:
 * @HAP_MESSAGE_RESPONSE: "HTTP/1.1 …" answering a request (the request is %NULL for an
 *   answer to a malformed one)
 * @HAP_MESSAGE_EVENT: "EVENT/1.0 …"
 * @HAP_MESSAGE_RAW: bytes a hook sent with hap_connection_send_raw()
 *
 * What a message passed to #HapServerHooks.message is.
 */
typedef enum
{
  HAP_MESSAGE_RESPONSE,
  HAP_MESSAGE_EVENT,
  HAP_MESSAGE_RAW,
} HapMessageKind;

/**
 * HapServerHooks:
 * @accept: a controller connected; %FALSE closes it at once, before anything is read
 * @secured: Pair Verify (or a transient Pair Setup) finished: the session is encrypted
 *   from now on
 * @closed: the connection closed, for any reason; it is still valid during the call
 * @request: a complete, decrypted request before it is handled. The hook may replace
 *   `request->body` (the server then handles the new one) and returns what to do; for
 *   %HAP_HOOK_DELAY it sets `*delay_ms`
 * @response: the answer to a request (%NULL for a malformed one) before it is written:
 *   the status, the content type (a static string or %NULL) and the body may be
 *   replaced
 * @message: the whole plaintext message about to be framed and sent; it may be
 *   rewritten, and left empty nothing is sent
 * @txt: the DNS-SD TXT items ("key=value", g_free()d strings) about to be published
 *
 * Observation and interception points of the HAP/IP transport. Every member may be
 * %NULL; every hook runs on the server's #GMainContext. A server without hooks
 * behaves exactly as one built without the inspection API.
 */
typedef struct
{
  gboolean       (*accept)   (HapAccessoryServer *server,
                              HapConnection      *conn,
                              gpointer            user_data);
  void           (*secured)  (HapAccessoryServer *server,
                              HapConnection      *conn,
                              gpointer            user_data);
  void           (*closed)   (HapAccessoryServer *server,
                              HapConnection      *conn,
                              gpointer            user_data);
  HapHookVerdict (*request)  (HapAccessoryServer *server,
                              HapConnection      *conn,
                              HapHttpMessage     *request,
                              guint              *delay_ms,
                              gpointer            user_data);
  void           (*response) (HapAccessoryServer *server,
                              HapConnection      *conn,
                              HapHttpMessage     *request,
                              guint              *status,
                              const char        **content_type,
                              GByteArray         *body,
                              gpointer            user_data);
  void           (*message)  (HapAccessoryServer *server,
                              HapConnection      *conn,
                              HapMessageKind      kind,
                              HapHttpMessage     *request,
                              GByteArray         *message,
                              gpointer            user_data);
  void           (*txt)      (HapAccessoryServer *server,
                              GPtrArray          *items,
                              gpointer            user_data);
} HapServerHooks;

/**
 * hap_accessory_server_set_hooks:
 * @self: a server
 * @hooks: (nullable): the hooks, which must outlive the server (a static table); %NULL
 *   removes them
 * @user_data: passed to every hook
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_accessory_server_set_hooks         (HapAccessoryServer   *self,
                                                     const HapServerHooks *hooks,
                                                     gpointer              user_data);
/**
 * hap_accessory_server_refresh_txt:
 * @self: a server
 *
 * Publishes the TXT record again, through the txt hook (after it changed its mind).
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_accessory_server_refresh_txt       (HapAccessoryServer *self);

/**
 * HAP_SETUP_SALT_LEN:
 *
 * The length of the SRP salt that Pair Setup sends in M2.
 */
#define HAP_SETUP_SALT_LEN 16

/**
 * hap_accessory_server_set_fixed_salt:
 * @self: a server
 * @salt: (array fixed-size=16) (nullable): %HAP_SETUP_SALT_LEN bytes, or %NULL for a
 *   random salt again
 *
 * Makes Pair Setup use @salt instead of a fresh random one (a fault that real devices
 * with a constant salt show). Applies to Pair Setups that start afterwards.
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_accessory_server_set_fixed_salt    (HapAccessoryServer *self,
                                                     const guint8       *salt);

/* ---- pairings and stored state ------------------------------------------------------ */

/**
 * HapPairing:
 * @identifier: the controller's pairing identifier
 * @public_key: its Ed25519 long-term public key
 * @admin: whether it is an admin
 * @added: when it was added (Unix time, seconds), 0 when not known
 *
 * One pairing of an accessory, read-only for applications.
 */
typedef struct
{
  char     *identifier;
  guint8    public_key[32];
  gboolean  admin;
  gint64    added;
} HapPairing;

/**
 * hap_accessory_server_get_pairings:
 * @self: a server
 *
 * Returns: (transfer none) (element-type HapPairing): the pairings, in the order they
 *   were added
 */
HAP_AVAILABLE_IN_INSPECTION
GPtrArray   *hap_accessory_server_get_pairings      (HapAccessoryServer *self);
/**
 * hap_accessory_server_remove_pairing:
 * @self: a server
 * @controller_id: a pairing identifier
 * @error: return location for a #GError
 *
 * Removes a pairing as a controller's Remove Pairing does: the controller's sessions
 * close and, when no admin remains, every pairing goes.
 *
 * Returns: %FALSE with %HAP_ERROR_FAILED if there is no such pairing
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean     hap_accessory_server_remove_pairing    (HapAccessoryServer *self,
                                                     const char         *controller_id,
                                                     GError            **error);

/**
 * HapStoredState:
 *
 * What an accessory's state directory holds (opaque): its identity and pairings, read
 * without starting a server.
 */
typedef struct _HapStoredState HapStoredState;

/**
 * hap_stored_state_load:
 * @state_dir: a state directory, as given to hap_accessory_server_new()
 * @error: return location for a #GError
 *
 * Reads the state a server would start from. Nothing is created: a directory without
 * an identity (an accessory that never started) fails with %G_IO_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full) (nullable): the state, or %NULL with @error set
 *   (%HAP_ERROR_STORAGE for a corrupt file)
 */
HAP_AVAILABLE_IN_INSPECTION
HapStoredState *hap_stored_state_load            (const char     *state_dir,
                                                  GError        **error);
/**
 * hap_stored_state_free:
 * @state: (transfer full): a stored state
 */
HAP_AVAILABLE_IN_INSPECTION
void            hap_stored_state_free            (HapStoredState *state);
/**
 * hap_stored_state_get_device_id:
 * @state: a stored state
 *
 * Returns: the device ID, "AA:BB:CC:DD:EE:FF"
 */
HAP_AVAILABLE_IN_INSPECTION
const char     *hap_stored_state_get_device_id   (HapStoredState *state);
/**
 * hap_stored_state_get_setup_code:
 * @state: a stored state
 *
 * Returns: (nullable): the setup code "XXX-XX-XXX", %NULL for a provisioned device
 *   (which keeps only the SRP verifier of its code)
 */
HAP_AVAILABLE_IN_INSPECTION
const char     *hap_stored_state_get_setup_code  (HapStoredState *state);
/**
 * hap_stored_state_get_setup_id:
 * @state: a stored state
 *
 * Returns: the four-character setup ID
 */
HAP_AVAILABLE_IN_INSPECTION
const char     *hap_stored_state_get_setup_id    (HapStoredState *state);
/**
 * hap_stored_state_get_pairings:
 * @state: a stored state
 *
 * Returns: (transfer none) (element-type HapPairing): the pairings
 */
HAP_AVAILABLE_IN_INSPECTION
GPtrArray      *hap_stored_state_get_pairings    (HapStoredState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapStoredState, hap_stored_state_free)

/* ---- HAP/IP connections -------------------------------------------------------------- */

/**
 * hap_accessory_server_dup_connections:
 * @self: a server
 *
 * Returns: (transfer full) (element-type HapConnection): the open connections, each
 *   referenced (the array frees them)
 */
HAP_AVAILABLE_IN_INSPECTION
GPtrArray   *hap_accessory_server_dup_connections   (HapAccessoryServer *self);

/**
 * hap_connection_ref:
 * @conn: a connection
 *
 * Returns: (transfer full): @conn
 */
HAP_AVAILABLE_IN_INSPECTION
HapConnection *hap_connection_ref                   (HapConnection      *conn);
/**
 * hap_connection_unref:
 * @conn: (transfer full): a connection
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_connection_unref                   (HapConnection      *conn);
/**
 * hap_connection_get_server:
 * @conn: a connection
 *
 * Returns: (transfer none) (nullable): its server, %NULL once it closed
 */
HAP_AVAILABLE_IN_INSPECTION
HapAccessoryServer *hap_connection_get_server       (HapConnection      *conn);
/**
 * hap_connection_get_id:
 * @conn: a connection
 *
 * Returns: the connection's session id (shared with HAP-BLE connections)
 */
HAP_AVAILABLE_IN_INSPECTION
guint64      hap_connection_get_id                  (HapConnection      *conn);
/**
 * hap_connection_get_peer:
 * @conn: a connection
 *
 * Returns: the controller's address, "addr:port"
 */
HAP_AVAILABLE_IN_INSPECTION
const char  *hap_connection_get_peer                (HapConnection      *conn);
/**
 * hap_connection_get_controller_id:
 * @conn: a connection
 *
 * Returns: (nullable): the verified controller's pairing identifier
 */
HAP_AVAILABLE_IN_INSPECTION
const char  *hap_connection_get_controller_id       (HapConnection      *conn);
/**
 * hap_connection_is_secured:
 * @conn: a connection
 *
 * Returns: whether Pair Verify (or a transient Pair Setup) encrypted it
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean     hap_connection_is_secured              (HapConnection      *conn);
/**
 * hap_connection_get_connected_time:
 * @conn: a connection
 *
 * Returns: when it connected, wall-clock µs (g_get_real_time())
 */
HAP_AVAILABLE_IN_INSPECTION
gint64       hap_connection_get_connected_time      (HapConnection      *conn);
/**
 * hap_connection_get_secured_time:
 * @conn: a connection
 *
 * Returns: when it was secured, wall-clock µs, or 0
 */
HAP_AVAILABLE_IN_INSPECTION
gint64       hap_connection_get_secured_time        (HapConnection      *conn);
/**
 * hap_connection_get_n_requests:
 * @conn: a connection
 *
 * Returns: the requests received so far
 */
HAP_AVAILABLE_IN_INSPECTION
guint64      hap_connection_get_n_requests          (HapConnection      *conn);
/**
 * hap_connection_get_bytes_in:
 * @conn: a connection
 *
 * Returns: the bytes received, as on the wire
 */
HAP_AVAILABLE_IN_INSPECTION
guint64      hap_connection_get_bytes_in            (HapConnection      *conn);
/**
 * hap_connection_get_bytes_out:
 * @conn: a connection
 *
 * Returns: the bytes sent, as on the wire
 */
HAP_AVAILABLE_IN_INSPECTION
guint64      hap_connection_get_bytes_out           (HapConnection      *conn);
/**
 * hap_connection_dup_subscriptions:
 * @conn: a connection
 *
 * Returns: (transfer full) (element-type HapCharacteristic): the characteristics it
 *   subscribed to, referenced
 */
HAP_AVAILABLE_IN_INSPECTION
GPtrArray   *hap_connection_dup_subscriptions       (HapConnection      *conn);

/* ---- HAP/IP fault injection ---------------------------------------------------------- */

/**
 * hap_connection_seal_pair_setup_data:
 * @conn: a connection
 * @data: (array length=len): sub-TLVs
 * @len: their length
 *
 * Encrypts @data as the EncryptedData of this connection's Pair Setup M4 would be
 * (the Pair Setup session key, nonce "PS-Msg04"), so that a response hook can add
 * what an MFi accessory sends there. The key itself never leaves the library.
 *
 * Returns: (transfer full) (nullable): ciphertext and tag, %NULL unless this connection
 *   just sent M4 of a Pair Setup with a session key
 */
HAP_AVAILABLE_IN_INSPECTION
GBytes      *hap_connection_seal_pair_setup_data    (HapConnection      *conn,
                                                     const guint8       *data,
                                                     gsize               len);
/**
 * hap_connection_send_response:
 * @conn: a connection
 * @status: the HTTP status
 * @content_type: (nullable): the content type, or %NULL for none
 * @body: (array length=len) (nullable): the body
 * @len: its length
 *
 * Sends an HTTP response, through the response and message hooks like any other.
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_connection_send_response           (HapConnection      *conn,
                                                     guint               status,
                                                     const char         *content_type,
                                                     const guint8       *body,
                                                     gsize               len);
/**
 * hap_connection_send_raw:
 * @conn: a connection
 * @data: (array length=len): bytes
 * @len: their length
 *
 * Sends bytes as they are (framed and encrypted once the session is secured).
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_connection_send_raw                (HapConnection      *conn,
                                                     const guint8       *data,
                                                     gsize               len);
/**
 * hap_connection_queue_event:
 * @conn: a connection
 * @characteristic: a characteristic of the server's accessory
 *
 * Queues an event for @characteristic, subscribed or not, under the usual coalescing;
 * while a request is being answered it goes out after that response.
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_connection_queue_event             (HapConnection      *conn,
                                                     HapCharacteristic  *characteristic);
/**
 * hap_connection_request_done:
 * @conn: a connection
 *
 * Ends a request a hook hung (%HAP_HOOK_HANG): later requests are served again.
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_connection_request_done            (HapConnection      *conn);
/**
 * hap_connection_close:
 * @conn: a connection
 *
 * Closes the connection.
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_connection_close                   (HapConnection      *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapConnection, hap_connection_unref)

/* ---- HAP over BLE: hooks ------------------------------------------------------------ */

/**
 * HapBleConnection:
 *
 * A connected central (one HAP-BLE link) of a #HapAccessoryServer (opaque, reference
 * counted).
 */
typedef struct _HapBleLink HapBleConnection;

/**
 * HapBleRequestInfo:
 * @opcode: the PDU opcode (a #HapBleOpcode, or another value the accessory refuses)
 * @tid: the transaction id
 * @iid: the instance id addressed
 * @body: (nullable): the body, %NULL when the request has none
 * @characteristic: the characteristic written to
 *
 * One complete request, decrypted and reassembled.
 */
typedef struct
{
  guint8             opcode;
  guint8             tid;
  guint16            iid;
  GBytes            *body;
  HapCharacteristic *characteristic;
} HapBleRequestInfo;

/**
 * HapBleResponseInfo:
 * @tid: the transaction id
 * @status: a #HapBlePduStatus
 * @body: (nullable): the body, owned by the struct (a hook replacing it unrefs the old
 *   one); %NULL for none
 * @max_fragment: plaintext bytes per fragment; 0 for one fragment
 *
 * The response about to be fragmented and sent; a hook may change every field.
 */
typedef struct
{
  guint8   tid;
  guint8   status;
  GBytes  *body;
  gsize    max_fragment;
} HapBleResponseInfo;

/**
 * HapBleAdvertisementKind:
 * @HAP_BLE_ADVERTISEMENT_REGULAR: a regular advertisement
 * @HAP_BLE_ADVERTISEMENT_NOTIFICATION: an encrypted broadcast notification
 *
 * What an advertisement's manufacturer data carries.
 */
typedef enum
{
  HAP_BLE_ADVERTISEMENT_REGULAR,
  HAP_BLE_ADVERTISEMENT_NOTIFICATION,
} HapBleAdvertisementKind;

/**
 * HapBleAdvertisementInfo:
 * @kind: what it carries
 * @injected: whether it came from hap_accessory_server_advertise_ble_payload()
 * @gsn: the global state number now
 * @characteristic: (nullable): the broadcast change, if any
 *
 * What an advertisement hook is told about the manufacturer data it sees.
 */
typedef struct
{
  HapBleAdvertisementKind  kind;
  gboolean                 injected;
  guint16                  gsn;
  HapCharacteristic       *characteristic;
} HapBleAdvertisementInfo;

/**
 * HapBleHooks:
 * @connected: a central connected
 * @secured: Pair Verify (or a resume, or a transient Pair Setup) secured the link
 * @disconnected: the link is gone (either side); it is still valid during the call
 * @request: a complete request before it is handled: %HAP_HOOK_CONTINUE handles it,
 *   %HAP_HOOK_DELAY after `*delay_ms`, %HAP_HOOK_HANG never answers (the procedure
 *   times out), %HAP_HOOK_CLOSE drops the link
 * @response: the answer to a request before it is fragmented
 * @indication: a zero-length indication was sent for a characteristic
 * @advertisement: the manufacturer data about to be advertised; it may be rewritten,
 *   and emptied the accessory stops advertising until the next change
 * @gatt_include: while the GATT application is built: %FALSE leaves the characteristic
 *   of the service out (%NULL characteristic: the Service Instance ID one); applies at
 *   the next start
 *
 * The HAP-BLE counterpart of #HapServerHooks. Every member may be %NULL and runs on
 * the server's #GMainContext.
 */
typedef struct
{
  void           (*connected)     (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   gpointer            user_data);
  void           (*secured)       (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   gpointer            user_data);
  void           (*disconnected)  (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   gpointer            user_data);
  HapHookVerdict (*request)       (HapAccessoryServer      *server,
                                   HapBleConnection        *connection,
                                   const HapBleRequestInfo *request,
                                   guint                   *delay_ms,
                                   gpointer                 user_data);
  void           (*response)      (HapAccessoryServer      *server,
                                   HapBleConnection        *connection,
                                   const HapBleRequestInfo *request,
                                   HapBleResponseInfo      *response,
                                   gpointer                 user_data);
  void           (*indication)    (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   HapCharacteristic  *characteristic,
                                   gpointer            user_data);
  void           (*advertisement) (HapAccessoryServer            *server,
                                   const HapBleAdvertisementInfo *info,
                                   GByteArray                    *payload,
                                   gpointer                       user_data);
  gboolean       (*gatt_include)  (HapAccessoryServer *server,
                                   HapService         *service,
                                   HapCharacteristic  *characteristic,
                                   gpointer            user_data);
} HapBleHooks;

/**
 * hap_accessory_server_set_ble_hooks:
 * @self: a server
 * @hooks: (nullable): the hooks, which must outlive the server; %NULL removes them
 * @user_data: passed to every hook
 */
HAP_AVAILABLE_IN_INSPECTION
void          hap_accessory_server_set_ble_hooks    (HapAccessoryServer *self,
                                                     const HapBleHooks  *hooks,
                                                     gpointer            user_data);
/**
 * hap_accessory_server_refresh_ble_advertisement:
 * @self: a server
 *
 * Publishes the advertisement again (after an advertisement hook changed its mind).
 */
HAP_AVAILABLE_IN_INSPECTION
void          hap_accessory_server_refresh_ble_advertisement (HapAccessoryServer *self);
/**
 * hap_accessory_server_advertise_ble_payload:
 * @self: a server
 * @payload: Apple's manufacturer data
 * @duration_ms: how long
 *
 * Advertises @payload instead of the regular advertisement for @duration_ms, as a
 * broadcast notification would be.
 */
HAP_AVAILABLE_IN_INSPECTION
void          hap_accessory_server_advertise_ble_payload (HapAccessoryServer *self,
                                                          GBytes             *payload,
                                                          guint               duration_ms);
/**
 * hap_accessory_server_restart_ble:
 * @self: a server
 *
 * Stops and starts the BLE transport (a new GATT application, after a gatt_include
 * hook changed its mind); its central, if any, is dropped.
 */
HAP_AVAILABLE_IN_INSPECTION
void          hap_accessory_server_restart_ble       (HapAccessoryServer *self);
/**
 * hap_accessory_server_set_gsn:
 * @self: a server
 * @gsn: a global state number, 1 to 65535
 * @error: return location for a #GError
 *
 * Sets the GSN as if it had counted there (and saves it), e.g. just below the wrap.
 *
 * Returns: %FALSE with @error set when @gsn is out of range or cannot be saved
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean      hap_accessory_server_set_gsn           (HapAccessoryServer *self,
                                                      guint               gsn,
                                                      GError            **error);

/* ---- HAP over BLE: inspection ------------------------------------------------------- */

/**
 * hap_accessory_server_dup_ble_connection:
 * @self: a server
 *
 * Returns: (transfer full) (nullable): the connected central
 */
HAP_AVAILABLE_IN_INSPECTION
HapBleConnection *hap_accessory_server_dup_ble_connection  (HapAccessoryServer *self);
/**
 * hap_accessory_server_dup_ble_advertisement:
 * @self: a server
 *
 * Returns: (transfer full) (nullable): the manufacturer data advertised now (or waiting
 *   for the disconnection), %NULL when the BLE transport is not registered
 */
HAP_AVAILABLE_IN_INSPECTION
GBytes       *hap_accessory_server_dup_ble_advertisement (HapAccessoryServer *self);
/**
 * hap_accessory_server_get_ble_broadcast:
 * @self: a server
 * @advertising_id: (out caller-allocates) (array fixed-size=6) (optional): the
 *   advertising identifier (the device ID's bytes unless a controller set one)
 * @has_key: (out) (optional): whether a broadcast key exists
 * @intervals: (out) (transfer full) (optional) (element-type guint guint): the iids
 *   with broadcast enabled, with their interval codes 1 to 3
 */
HAP_AVAILABLE_IN_INSPECTION
void          hap_accessory_server_get_ble_broadcast (HapAccessoryServer *self,
                                                      guint8              advertising_id[6],
                                                      gboolean           *has_key,
                                                      GHashTable        **intervals);

/**
 * hap_ble_connection_ref:
 * @connection: a connection
 *
 * Returns: (transfer full): @connection
 */
HAP_AVAILABLE_IN_INSPECTION
HapBleConnection *hap_ble_connection_ref                (HapBleConnection *connection);
/**
 * hap_ble_connection_unref:
 * @connection: (transfer full): a connection
 */
HAP_AVAILABLE_IN_INSPECTION
void              hap_ble_connection_unref              (HapBleConnection *connection);
/**
 * hap_ble_connection_get_id:
 * @connection: a connection
 *
 * Returns: its session id, shared with HAP/IP connections
 */
HAP_AVAILABLE_IN_INSPECTION
guint64           hap_ble_connection_get_id             (HapBleConnection *connection);
/**
 * hap_ble_connection_get_address:
 * @connection: a connection
 *
 * Returns: the central's BD address, "AA:BB:CC:DD:EE:FF"
 */
HAP_AVAILABLE_IN_INSPECTION
const char       *hap_ble_connection_get_address        (HapBleConnection *connection);
/**
 * hap_ble_connection_get_device_path:
 * @connection: a connection
 *
 * Returns: the central's BlueZ object path
 */
HAP_AVAILABLE_IN_INSPECTION
const char       *hap_ble_connection_get_device_path    (HapBleConnection *connection);
/**
 * hap_ble_connection_get_controller_id:
 * @connection: a connection
 *
 * Returns: (nullable): the verified controller's pairing identifier
 */
HAP_AVAILABLE_IN_INSPECTION
const char       *hap_ble_connection_get_controller_id  (HapBleConnection *connection);
/**
 * hap_ble_connection_is_secured:
 * @connection: a connection
 *
 * Returns: whether the link is secured
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean          hap_ble_connection_is_secured         (HapBleConnection *connection);
/**
 * hap_ble_connection_get_connected_time:
 * @connection: a connection
 *
 * Returns: when it connected, wall-clock µs
 */
HAP_AVAILABLE_IN_INSPECTION
gint64            hap_ble_connection_get_connected_time (HapBleConnection *connection);
/**
 * hap_ble_connection_get_secured_time:
 * @connection: a connection
 *
 * Returns: when it was secured, wall-clock µs, or 0
 */
HAP_AVAILABLE_IN_INSPECTION
gint64            hap_ble_connection_get_secured_time   (HapBleConnection *connection);
/**
 * hap_ble_connection_get_n_procedures:
 * @connection: a connection
 *
 * Returns: the procedures (requests) so far
 */
HAP_AVAILABLE_IN_INSPECTION
guint64           hap_ble_connection_get_n_procedures   (HapBleConnection *connection);
/**
 * hap_ble_connection_get_bytes_in:
 * @connection: a connection
 *
 * Returns: the bytes written by the central
 */
HAP_AVAILABLE_IN_INSPECTION
guint64           hap_ble_connection_get_bytes_in       (HapBleConnection *connection);
/**
 * hap_ble_connection_get_bytes_out:
 * @connection: a connection
 *
 * Returns: the bytes read by the central
 */
HAP_AVAILABLE_IN_INSPECTION
guint64           hap_ble_connection_get_bytes_out      (HapBleConnection *connection);
/**
 * hap_ble_connection_dup_subscriptions:
 * @connection: a connection
 *
 * Returns: (transfer full) (element-type HapCharacteristic): the characteristics it
 *   subscribed to (indications enabled), referenced
 */
HAP_AVAILABLE_IN_INSPECTION
GPtrArray        *hap_ble_connection_dup_subscriptions  (HapBleConnection *connection);
/**
 * hap_ble_connection_disconnect:
 * @connection: a connection
 *
 * Drops the link, as a procedure timeout would.
 */
HAP_AVAILABLE_IN_INSPECTION
void              hap_ble_connection_disconnect         (HapBleConnection *connection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapBleConnection, hap_ble_connection_unref)

G_END_DECLS
