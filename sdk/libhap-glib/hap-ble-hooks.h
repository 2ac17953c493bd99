/* hap-ble-hooks.h — observation and interception points of the HAP-BLE transport
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The BLE counterpart of hap-server-hooks.h, for the simulator in this tree: its trace,
 * its inspection of centrals and advertisements, and its BLE quirks (deliberate
 * misbehaviour of real battery devices, device-quirks.md rows 47–52). Not installed,
 * no ABI promise. Every hook may be NULL and runs on the server's GMainContext; a server
 * without them behaves exactly as before.
 */
#pragma once

#include <gio/gio.h>

#include "hap-accessory-server.h"
#include "hap-server-hooks.h"

G_BEGIN_DECLS

/* A connected central (one HAP-BLE link), as hooks and inspection see it. */
typedef struct _HapBleLink HapBleConnection;

/* One complete request, decrypted and reassembled. */
typedef struct
{
  guint8             opcode;
  guint8             tid;
  guint16            iid;
  GBytes            *body;             /* NULL when the request has none */
  HapCharacteristic *characteristic;   /* the one written to */
} HapBleRequestInfo;

/* The response about to be fragmented and sent; a hook may change every field. */
typedef struct
{
  guint8   tid;
  guint8   status;                     /* HAP-BLE PDU status (hap-protocol.md §5.2) */
  GBytes  *body;                       /* owned by the struct; NULL: no body */
  gsize    max_fragment;               /* plaintext bytes per fragment; 0: one fragment */
} HapBleResponseInfo;

/* What an advertisement carries: Apple's manufacturer data. */
typedef enum
{
  HAP_BLE_ADVERTISEMENT_REGULAR,       /* §5.9 */
  HAP_BLE_ADVERTISEMENT_NOTIFICATION,  /* §5.10, an encrypted broadcast notification */
} HapBleAdvertisementKind;

typedef struct
{
  HapBleAdvertisementKind  kind;
  gboolean                 injected;        /* hap_accessory_server_advertise_ble_payload() */
  guint16                  gsn;             /* the GSN now */
  HapCharacteristic       *characteristic;  /* the broadcast change, or NULL */
} HapBleAdvertisementInfo;

typedef struct
{
  void           (*connected)     (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   gpointer            user_data);
  /* Pair Verify (or a resume, or a transient Pair Setup) secured the link. */
  void           (*secured)       (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   gpointer            user_data);
  /* The link is gone (either side); @connection is still valid during the call. */
  void           (*disconnected)  (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   gpointer            user_data);
  /* A complete request before it is handled. HAP_HOOK_CONTINUE handles it,
   * HAP_HOOK_DELAY after *@delay_ms, HAP_HOOK_HANG never answers (the procedure times
   * out), HAP_HOOK_CLOSE drops the link. */
  HapHookVerdict (*request)       (HapAccessoryServer      *server,
                                   HapBleConnection        *connection,
                                   const HapBleRequestInfo *request,
                                   guint                   *delay_ms,
                                   gpointer                 user_data);
  /* The answer to @request before it is fragmented (every field may change). */
  void           (*response)      (HapAccessoryServer      *server,
                                   HapBleConnection        *connection,
                                   const HapBleRequestInfo *request,
                                   HapBleResponseInfo      *response,
                                   gpointer                 user_data);
  /* A zero-length indication was sent for @characteristic. */
  void           (*indication)    (HapAccessoryServer *server,
                                   HapBleConnection   *connection,
                                   HapCharacteristic  *characteristic,
                                   gpointer            user_data);
  /* The manufacturer data about to be advertised; it may be rewritten. Emptied, the
   * accessory stops advertising until the next change. */
  void           (*advertisement) (HapAccessoryServer            *server,
                                   const HapBleAdvertisementInfo *info,
                                   GByteArray                    *payload,
                                   gpointer                 user_data);
  /* While the GATT application is built: FALSE leaves @characteristic of @service out
   * (NULL: the Service Instance ID characteristic). Applies at the next start. */
  gboolean       (*gatt_include)  (HapAccessoryServer *server,
                                   HapService         *service,
                                   HapCharacteristic  *characteristic,
                                   gpointer            user_data);
} HapBleHooks;

/* @hooks must outlive the server (a static table). NULL removes them. */
void          hap_accessory_server_set_ble_hooks    (HapAccessoryServer *self,
                                                     const HapBleHooks  *hooks,
                                                     gpointer            user_data);
/* Publishes the advertisement again (after an advertisement hook changed its mind). */
void          hap_accessory_server_refresh_ble_advertisement (HapAccessoryServer *self);
/* Advertises @payload (Apple's manufacturer data) instead of the regular one for
 * @duration_ms, as a broadcast notification would be (the simulator's notification
 * before any key exists). */
void          hap_accessory_server_advertise_ble_payload (HapAccessoryServer *self,
                                                          GBytes             *payload,
                                                          guint               duration_ms);
/* Stops and starts the BLE transport (a new GATT application, after a gatt_include hook
 * changed its mind); its central, if any, is dropped. */
void          hap_accessory_server_restart_ble       (HapAccessoryServer *self);
/* Sets the GSN (1..65535) as if it had counted there (saved), e.g. just below the
 * wrap. */
gboolean      hap_accessory_server_set_gsn           (HapAccessoryServer *self,
                                                      guint               gsn,
                                                      GError            **error);

/* ---- inspection ---------------------------------------------------------------------- */

/* The connected central (a new reference), or NULL. */
HapBleConnection *hap_accessory_server_dup_ble_connection  (HapAccessoryServer *self);
/* The manufacturer data advertised now (or waiting for the disconnection), or NULL
 * when the BLE transport is not registered. */
GBytes       *hap_accessory_server_dup_ble_advertisement (HapAccessoryServer *self);
/* The advertising identifier (6 bytes: the device id's unless a controller set one),
 * whether a broadcast key exists, and the iids with broadcast enabled (their interval
 * codes 1..3 as values). */
void          hap_accessory_server_get_ble_broadcast (HapAccessoryServer *self,
                                                      guint8              advertising_id[6],
                                                      gboolean           *has_key,
                                                      GHashTable        **intervals);

HapBleConnection *hap_ble_connection_ref                (HapBleConnection *connection);
void              hap_ble_connection_unref              (HapBleConnection *connection);
/* Unique within the server (the session's id, shared with IP connections). */
guint64           hap_ble_connection_get_id             (HapBleConnection *connection);
/* The central's BD address, "AA:BB:CC:DD:EE:FF". */
const char       *hap_ble_connection_get_address        (HapBleConnection *connection);
const char       *hap_ble_connection_get_device_path    (HapBleConnection *connection);
/* The verified controller's pairing identifier, or NULL. */
const char       *hap_ble_connection_get_controller_id  (HapBleConnection *connection);
gboolean          hap_ble_connection_is_secured         (HapBleConnection *connection);
/* Real time, µs; the secured time is 0 until then. */
gint64            hap_ble_connection_get_connected_time (HapBleConnection *connection);
gint64            hap_ble_connection_get_secured_time   (HapBleConnection *connection);
guint64           hap_ble_connection_get_n_procedures   (HapBleConnection *connection);
guint64           hap_ble_connection_get_bytes_in       (HapBleConnection *connection);
guint64           hap_ble_connection_get_bytes_out      (HapBleConnection *connection);
/* The characteristics it subscribed to (CCC), each referenced. */
GPtrArray        *hap_ble_connection_dup_subscriptions  (HapBleConnection *connection);
/* Drops the link (as a procedure timeout would). */
void              hap_ble_connection_disconnect         (HapBleConnection *connection);

/* ---- decoding, for traces and inspection (hap-ble-hooks.c) ----------------------------- */

/* "Characteristic-Read", "Success"…; NULL for a code HAP does not define. */
const char       *hap_ble_opcode_name (guint8 opcode);
const char       *hap_ble_status_name (guint8 status);
/* A characteristic's value in its HAP-BLE form (hap-protocol.md §5.5) → GVariant of its
 * format; NULL with HAP_ERROR_INVALID_DATA when the bytes do not fit the format. */
GVariant         *hap_ble_decode_value (HapCharacteristic *characteristic,
                                        const guint8      *data,
                                        gsize              len,
                                        GError           **error);

/* A regular advertisement's fields (§5.9). */
typedef struct
{
  guint8   status_flags;
  char     device_id[18];          /* "AA:BB:CC:DD:EE:FF" */
  guint16  category;
  guint16  gsn;
  guint8   configuration_number;
  guint8   compatible_version;
  gboolean has_setup_hash;
  guint8   setup_hash[4];
} HapBleAdvertisementFields;

/* FALSE with HAP_ERROR_INVALID_DATA saying what is wrong for anything but a well-formed
 * regular advertisement (a corrupted or truncated one, or an encrypted notification). */
gboolean          hap_ble_parse_advertisement (const guint8              *data,
                                               gsize                      len,
                                               HapBleAdvertisementFields *fields,
                                               GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapBleConnection, hap_ble_connection_unref)

G_END_DECLS
