/* hap-controller-ble-internal.h — HapControllerBle's fields and its HAP-BLE procedure
 * steps, shared by the blocking link (hap-controller-ble.c) and the asynchronous one
 * (hap-controller-ble-async.c, hap-controller-ble-ops-async.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-controller-ble-private.h"
#include "hap-ble-central-private.h"
#include "hap-ble-pdu-private.h"

G_BEGIN_DECLS

/* Indications waiting to be read, at most (one per characteristic is kept anyway). */
#define HAP_CONTROLLER_BLE_MAX_PENDING_EVENTS 256

struct _HapControllerBle
{
  HapBleCentral *central;
  char          *address;
  guint          timeout_ms;
  HapBleGattMap  map;
  GHashTable    *signatures;       /* iid → CachedSignature */

  gboolean       secure;
  HapCipher      cipher;
  gboolean       has_shared_secret;
  guint8         shared_secret[32];
  guint8         next_tid;

  GQueue         events;           /* GUINT_TO_POINTER (iid) of indicated characteristics */
  /* An asynchronous procedure is between two of its GATT calls: HAP-BLE has one
   * procedure at a time per link (docs/protocol.md §5.7), and the session's nonces
   * must go out in order; asynchronous ones queue, blocking ones are refused. */
  gboolean       busy;
  GQueue         waiting;          /* GTask of procedures waiting for the link */

  /* hap_controller_ble_watch_events() */
  HapControllerBleEventFunc  event_func;
  HapControllerBleClosedFunc closed_func;
  gpointer                   event_data;
  GQueue                     event_pending;   /* GUINT_TO_POINTER (iid) to read */
  gboolean                   event_reading;
  /* hap_controller_ble_free() ran: only the struct is left, for the asynchronous
   * procedures that hold a reference. */
  gboolean       closed;
  guint          ref_count;
};

HapControllerBle *_hap_controller_ble_ref   (HapControllerBle *self);
/* Stops hap_controller_ble_watch_events(). */
void              _hap_controller_ble_unwatch_events (HapControllerBle *self);
/* Completes the waiting procedures with G_IO_ERROR_CLOSED (the link is being freed). */
void              _hap_controller_ble_fail_waiting (HapControllerBle *self);
void              _hap_controller_ble_unref (HapControllerBle *self);

/* One HAP-BLE procedure (docs/protocol.md §5.7): the request's fragments written in
 * order, then the response read fragment by fragment. The GATT calls are the caller's
 * (blocking or not); these are the steps between them. */
typedef struct
{
  HapControllerBle           *ble;
  HapBleRemoteCharacteristic *target;
  guint8                      opcode;
  guint8                      tid;
  gint64                      deadline;      /* of the whole procedure, -1 for none */
  GPtrArray                  *fragments;     /* plaintext request fragments (GBytes) */
  guint                       written;
  HapBleResponseAssembler     assembler;
  HapBleResponse              response;
} HapBleExchange;

/* Checks the link and fragments the request; FALSE with an error (the exchange is then
 * cleared already). */
gboolean  _hap_ble_exchange_init           (HapBleExchange              *exchange,
                                            HapControllerBle            *self,
                                            HapBleRemoteCharacteristic  *target,
                                            guint8                       opcode,
                                            guint16                      iid,
                                            GBytes                      *body,
                                            GError                     **error);
/* The next fragment to write, sealed once the session is secure (§5.8); NULL once all
 * were handed out. */
GBytes   *_hap_ble_exchange_next_request   (HapBleExchange              *exchange);
/* One value read back from the characteristic: HAP_BLE_PDU_NEED_MORE (read again),
 * HAP_BLE_PDU_COMPLETE, or HAP_BLE_PDU_ERROR with an error (a fragment that does not
 * authenticate drops the link; a timeout). */
HapBlePduResult _hap_ble_exchange_take_response (HapBleExchange         *exchange,
                                                 GBytes                 *value,
                                                 GError                **error);
/* The complete response's status and body (see hap_controller_ble_transaction()). */
gboolean  _hap_ble_exchange_finish         (HapBleExchange              *exchange,
                                            guint8                      *out_status,
                                            GBytes                     **out_body,
                                            GError                     **error);
void      _hap_ble_exchange_clear          (HapBleExchange              *exchange);

/* TRUE with G_IO_ERROR_CONNECTION_CLOSED (and the session dropped) when the accessory
 * disconnected. */
gboolean  _hap_controller_ble_link_lost    (HapControllerBle            *self,
                                            GError                     **error);
void      _hap_controller_ble_drop_session (HapControllerBle            *self);
/* The cached Characteristic Signature Read body of @iid, or NULL. */
GBytes   *hap_controller_ble_signature_lookup (HapControllerBle         *self,
                                               guint16                   iid);
/* Caches a Characteristic Signature Read's body of @iid. */
void      _hap_controller_ble_cache_signature (HapControllerBle         *self,
                                               guint16                   iid,
                                               GBytes                   *body);
/* A pairing write's response parsed (hap_controller_ble_pairing_write()). */
GBytes   *_hap_controller_ble_pairing_value (guint8                      status,
                                             GBytes                     *response,
                                             GError                    **error);
/* The request body of a pairing write of @tlv. */
GBytes   *_hap_controller_ble_pairing_body (const guint8                *tlv,
                                            gsize                        len);

/* ---- hap-controller-ble-accessories.c: GET /accessories without blocking ---- */

void      hap_controller_ble_get_accessories_async  (HapControllerBle     *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
JsonNode *hap_controller_ble_get_accessories_finish (GAsyncResult         *result,
                                                     GError              **error);

/* ---- hap-controller-ble-ops.c, shared with hap-controller-ble-ops-async.c ---- */

/* HAP-Param-Value of a response body; NULL with an error when it is missing. */
GBytes   *_hap_controller_ble_response_value (GBytes                     *body,
                                              guint16                     iid,
                                              GError                    **error);
/* The HAP status of an operation the signature's properties refuse, 0 when allowed. */
HapStatus _hap_controller_ble_check_access (const HapBleCharacteristicSignature *signature,
                                            gboolean                             write);
/* The entries of {"characteristics":[…]} (§4.6), or NULL with an error. */
JsonArray *_hap_controller_ble_write_entries (JsonNode                  *body,
                                              GError                   **error);
/* An integer member, -1 when it is missing or not an integer. */
gint64    _hap_controller_ble_member_int   (JsonObject                  *object,
                                            const char                  *name);

G_END_DECLS
