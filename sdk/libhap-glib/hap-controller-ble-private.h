/* hap-controller-ble-private.h — a controller's link to one HAP-BLE accessory, under
 * HapControllerConnection (docs/protocol.md §5)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   hap-ble-central.c          BlueZ's central D-Bus API (adapter, device, GATT calls);
 *                              hap-ble-central-async.c the same without blocking
 *   hap-controller-ble.c       the link: GATT map by iid, blocking HAP-BLE transactions,
 *                              session encryption, indications
 *   hap-controller-ble-exchange.c  one transaction's steps between its GATT calls
 *   hap-controller-ble-async.c the transactions driven by D-Bus callbacks, queued
 *   hap-controller-ble-ops.c   the blocking HapControllerConnection calls over the link:
 *                              timed writes, events, identify, configuration
 *   hap-controller-ble-ops-async.c, hap-controller-ble-accessories.c  GET and PUT
 *   hap-controller-ble-events.c  indications and the link going down, for ::event
 *   hap-ble-json.c             wire ↔ JSON mapping, no I/O
 *
 * Every call gives up after the link's timeout (per procedure) and honours a
 * GCancellable; the blocking ones are marked as such.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hap-ble-signature-private.h"
#include "hap-cipher-private.h"

G_BEGIN_DECLS

typedef struct _HapControllerBle HapControllerBle;

/* A HAP characteristic of the remote GATT database (docs/protocol.md §5.1): a GATT
 * characteristic with a Characteristic Instance ID descriptor, in a service with a
 * Service Instance ID characteristic. */
typedef struct
{
  char     *path;           /* the BlueZ GattCharacteristic1 object */
  char     *type_uuid;      /* full uppercase UUID */
  guint16   iid;
  guint16   service_iid;
  char     *service_type_uuid;
  gboolean  indicate;       /* GATT flags have "indicate" (the "ev" permission) */
  gboolean  subscribed;     /* StartNotify was called */
} HapBleRemoteCharacteristic;

typedef struct
{
  char                       *type_uuid;
  guint16                     iid;
  GPtrArray                  *characteristics;  /* HapBleRemoteCharacteristic, by iid */
  HapBleRemoteCharacteristic *service_signature; /* A5, target of service-level PDUs */
} HapBleRemoteService;

/* The GATT database mapped by iid; read by hap_ble_gatt_map_read() after a connection
 * (hap-controller-ble-gatt.c). */
typedef struct _HapBleCentral HapBleCentral;

typedef struct
{
  HapBleCentral *central;
  guint          timeout_ms;     /* per GATT read */
  GPtrArray     *services;       /* HapBleRemoteService, by iid */
  GHashTable    *by_iid;         /* iid → HapBleRemoteCharacteristic (owned) */
  GHashTable    *by_path;        /* object path → HapBleRemoteCharacteristic */
  guint          mtu;            /* the ATT MTU BlueZ reported, 0 when it did not */
  char          *advertised_id;  /* the device id of the last regular advertisement */
} HapBleGattMap;

void              hap_ble_gatt_map_init            (HapBleGattMap     *self,
                                                    HapBleCentral     *central,
                                                    guint              timeout_ms);
/* Reads the Service Instance ID characteristics and Characteristic Instance ID
 * descriptors of the connected device (GATT services without the former are not HAP's). */
gboolean          hap_ble_gatt_map_read            (HapBleGattMap     *self,
                                                    GCancellable      *cancellable,
                                                    GError           **error);
void              hap_ble_gatt_map_clear           (HapBleGattMap     *self);
void              hap_ble_remote_characteristic_free (gpointer         characteristic);
void              hap_ble_remote_service_free      (gpointer           service);

/* Finds @address on @adapter (NULL: the first), connects and maps the accessory's GATT
 * database. */
HapControllerBle *hap_controller_ble_connect       (const char        *adapter,
                                                    const char        *address,
                                                    guint              timeout_ms,
                                                    GCancellable      *cancellable,
                                                    GError           **error);
/* Disconnects and wipes the session. */
void              hap_controller_ble_free          (HapControllerBle  *self);
void              hap_controller_ble_set_timeout   (HapControllerBle  *self,
                                                    guint              timeout_ms);
const char       *hap_controller_ble_get_address   (HapControllerBle  *self);
const char       *hap_controller_ble_get_adapter   (HapControllerBle  *self);
/* The device id in the advertisement BlueZ last saw (docs/protocol.md §5.9), or NULL. */
const char       *hap_controller_ble_get_advertised_id (HapControllerBle *self);
gboolean          hap_controller_ble_is_connected  (HapControllerBle  *self);
gboolean          hap_controller_ble_is_secure     (HapControllerBle  *self);
/* Secures the link with the session keys (wiped here). @shared_secret, when not NULL,
 * is the session's shared secret: the input of the broadcast key (§2.3). */
void              hap_controller_ble_set_session   (HapControllerBle  *self,
                                                    guint8             encrypt_key[32],
                                                    guint8             decrypt_key[32],
                                                    const guint8      *shared_secret);
/* Copies the session's shared secret; FALSE when there is none. */
gboolean          hap_controller_ble_get_shared_secret (HapControllerBle *self,
                                                        guint8            shared_secret[32]);

/* The services by iid (HapBleRemoteService). */
GPtrArray        *hap_controller_ble_get_services  (HapControllerBle  *self);
HapBleRemoteCharacteristic *hap_controller_ble_lookup (HapControllerBle *self,
                                                       guint16           iid);
/* The first characteristic of type @type (short or full UUID) in a service of type
 * @service_type, or NULL. */
HapBleRemoteCharacteristic *hap_controller_ble_find   (HapControllerBle *self,
                                                       const char       *service_type,
                                                       const char       *type);

/* One HAP-BLE procedure (docs/protocol.md §5.2, §5.7): the request fragmented to the
 * GATT value size, each fragment encrypted once the session is secure (§5.8), written to
 * @target, then the response read back fragment by fragment. @body NULL sends no body.
 * The response's status and body (NULL when it had none) are returned; a status other
 * than Success is not an error here. Errors: G_IO_ERROR for the link,
 * HAP_ERROR_INVALID_DATA for a malformed response, HAP_ERROR_AUTHENTICATION for a
 * fragment that does not decrypt (the link is then dropped). */
gboolean          hap_controller_ble_transaction   (HapControllerBle            *self,
                                                    HapBleRemoteCharacteristic  *target,
                                                    guint8                       opcode,
                                                    guint16                      iid,
                                                    GBytes                      *body,
                                                    guint8                      *out_status,
                                                    GBytes                     **out_body,
                                                    GCancellable                *cancellable,
                                                    GError                     **error);
/* A pairing TLV8 written with return-response to Pair Setup (4C), Pair Verify (4E) or
 * Pairing Pairings (50) (docs/protocol.md §5.6): the response's TLV8. A status other than
 * Success is a HAP_STATUS_ERROR. */
GBytes           *hap_controller_ble_pairing_write (HapControllerBle  *self,
                                                    const char        *type,
                                                    const guint8      *tlv,
                                                    gsize              len,
                                                    GCancellable      *cancellable,
                                                    GError           **error);

/* Indications (docs/protocol.md §5.12): StartNotify/StopNotify on @characteristic. */
gboolean          hap_controller_ble_subscribe     (HapControllerBle            *self,
                                                    HapBleRemoteCharacteristic  *characteristic,
                                                    gboolean                     enable,
                                                    GCancellable                *cancellable,
                                                    GError                     **error);
/* The iid of the next characteristic that indicated a change, or 0 without an error
 * when nothing came within @timeout_ms (0: wait forever). */
guint16           hap_controller_ble_next_indication (HapControllerBle *self,
                                                      guint             timeout_ms,
                                                      GCancellable     *cancellable,
                                                      GError          **error);

/* Characteristic Signature Read of @iid (docs/protocol.md §5.6), cached for the link's
 * lifetime: the raw body, or NULL with *@out_status the refusing status (no error) or
 * with an error. */
GBytes           *hap_controller_ble_read_signature (HapControllerBle  *self,
                                                     guint16            iid,
                                                     guint8            *out_status,
                                                     GCancellable      *cancellable,
                                                     GError           **error);
/* The same parsed; a refusing status is a HAP_STATUS_ERROR here. */
const HapBleCharacteristicSignature *hap_controller_ble_get_signature (HapControllerBle *self,
                                                                       guint16           iid,
                                                                       GCancellable     *cancellable,
                                                                       GError          **error);

/* ---- hap-controller-ble-async.c: the same without blocking ----
 *
 * Callbacks run in the caller's thread-default main context; no source object. One
 * procedure at a time per link: the others wait their turn (a blocking one meanwhile
 * fails with G_IO_ERROR_PENDING). A link freed meanwhile completes them with
 * G_IO_ERROR_CLOSED. */
void              hap_controller_ble_transaction_async   (HapControllerBle            *self,
                                                          HapBleRemoteCharacteristic  *target,
                                                          guint8                       opcode,
                                                          guint16                      iid,
                                                          GBytes                      *body,
                                                          GCancellable                *cancellable,
                                                          GAsyncReadyCallback          callback,
                                                          gpointer                     user_data);
gboolean          hap_controller_ble_transaction_finish  (GAsyncResult                *result,
                                                          guint8                      *out_status,
                                                          GBytes                     **out_body,
                                                          GError                     **error);
void              hap_controller_ble_pairing_write_async (HapControllerBle            *self,
                                                          const char                  *type,
                                                          const guint8                *tlv,
                                                          gsize                        len,
                                                          GCancellable                *cancellable,
                                                          GAsyncReadyCallback          callback,
                                                          gpointer                     user_data);
GBytes           *hap_controller_ble_pairing_write_finish (GAsyncResult               *result,
                                                           GError                    **error);
void              hap_controller_ble_get_signature_async (HapControllerBle            *self,
                                                          guint16                      iid,
                                                          GCancellable                *cancellable,
                                                          GAsyncReadyCallback          callback,
                                                          gpointer                     user_data);
const HapBleCharacteristicSignature *hap_controller_ble_get_signature_finish (GAsyncResult *result,
                                                                              GError      **error);

/* ---- hap-controller-ble-ops-async.c ----
 *
 * GET /accessories, GET /characteristics?… and PUT /characteristics without
 * blocking. */
void              hap_controller_ble_get_json_async      (HapControllerBle            *self,
                                                          const char                  *target,
                                                          GCancellable                *cancellable,
                                                          GAsyncReadyCallback          callback,
                                                          gpointer                     user_data);
void              hap_controller_ble_put_json_async      (HapControllerBle            *self,
                                                          const char                  *target,
                                                          JsonNode                    *body,
                                                          GCancellable                *cancellable,
                                                          GAsyncReadyCallback          callback,
                                                          gpointer                     user_data);
/* Either's result: the JSON and the HTTP-like status, as the blocking calls give them. */
JsonNode         *hap_controller_ble_json_finish         (GAsyncResult                *result,
                                                          guint                       *out_status,
                                                          GError                     **error);

/* ---- hap-controller-ble-events.c ----
 *
 * Calls @event_func with the value read after each indication of a subscribed
 * characteristic, and @closed_func when BlueZ reports the link down, both in @context
 * while it runs, until the link is freed. A second call replaces the first. */
typedef void (*HapControllerBleEventFunc)  (gpointer      user_data,
                                            guint16       iid,
                                            JsonNode     *value);
typedef void (*HapControllerBleClosedFunc) (gpointer      user_data,
                                            const GError *error);
void              hap_controller_ble_watch_events        (HapControllerBle            *self,
                                                          GMainContext                *context,
                                                          HapControllerBleEventFunc    event_func,
                                                          HapControllerBleClosedFunc   closed_func,
                                                          gpointer                     user_data);

/* ---- hap-controller-ble-ops.c ---- */

JsonNode         *hap_controller_ble_timed_write   (HapControllerBle  *self,
                                                    JsonNode          *characteristics,
                                                    guint              ttl_ms,
                                                    guint             *out_status,
                                                    GCancellable      *cancellable,
                                                    GError           **error);
JsonNode         *hap_controller_ble_wait_event    (HapControllerBle  *self,
                                                    guint              timeout_ms,
                                                    GCancellable      *cancellable,
                                                    GError           **error);
gboolean          hap_controller_ble_identify      (HapControllerBle  *self,
                                                    GCancellable      *cancellable,
                                                    GError           **error);

/* What Protocol Configuration reports (docs/protocol.md §5.6). */
typedef struct
{
  guint16  gsn;
  guint8   configuration_number;
  gboolean has_advertising_id;
  guint8   advertising_id[6];
  gboolean has_key;
  guint8   key[32];          /* a secret: wipe it */
} HapBleProtocolParams;

gboolean          hap_controller_ble_protocol_configuration (HapControllerBle     *self,
                                                             gboolean              generate_key,
                                                             HapBleProtocolParams *params,
                                                             GCancellable         *cancellable,
                                                             GError              **error);
/* Characteristic Configuration: broadcast on (@interval a HapBleBroadcastInterval) or
 * off (@interval 0). Checks the configuration the accessory answers with. */
gboolean          hap_controller_ble_configure_characteristic (HapControllerBle *self,
                                                               guint16           iid,
                                                               guint8            interval,
                                                               GCancellable     *cancellable,
                                                               GError          **error);

G_END_DECLS
