/* hap-ble-json-private.h — what a controller reads and writes over HAP-BLE, in the JSON
 * shapes of HAP over IP (docs/protocol.md §4.5, §4.6, §4.10), so that one API serves both
 * transports. No I/O: bodies and values in, JSON out (and back).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hap-ble-advertisement-private.h"
#include "hap-ble-signature-private.h"
#include "hap-error.h"
#include "hap-model-private.h"

G_BEGIN_DECLS

/* BLE accessories have one accessory, aid 1 (docs/protocol.md §5.1). */
#define HAP_BLE_AID 1

/* The HAP status (§4.4) a controller reports for a HAP-BLE PDU status (§5.2):
 * Success 0; Insufficient Authentication −70401 (no or wrong session, as IP's 470);
 * Max-Procedures −70403 (busy); Invalid Instance ID −70409; Invalid Request −70410 (a
 * value the accessory refused, or a write without the timed procedure "tw" asks for);
 * Unsupported-PDU −70410 too (the ADK's answer to an Execute Write whose TTL ran out,
 * which IP reports as −70410); Insufficient Authorization −70411; anything else −70402. */
HapStatus  hap_ble_status_to_hap          (guint8         status);
/* Sets a HAP_STATUS_ERROR for @status naming both codes ("…: HAP-BLE Invalid-Request
 * (-70410 …)"); returns FALSE. */
gboolean   hap_ble_status_error           (GError       **error,
                                           guint8         status,
                                           const char    *what);

/* A heap HapBleCharacteristicSignature, cleared and freed (for hash tables). */
void       hap_ble_json_signature_free    (gpointer       signature);

/* ---- the accessory database (GET /accessories) ---- */

typedef struct
{
  guint16  iid;
  GBytes  *signature;      /* Characteristic Signature Read body */
  GBytes  *value;          /* the BLE value bytes read, or NULL: no "value" member */
} HapBleDbCharacteristic;

typedef struct
{
  guint16  iid;
  char    *type_uuid;
  GBytes  *signature;      /* Service Signature Read body, or NULL (defaults: not
                              primary, not hidden, no links) */
  GArray  *characteristics; /* HapBleDbCharacteristic */
} HapBleDbService;

HapBleDbService *hap_ble_db_service_new         (guint16          iid,
                                                 const char      *type_uuid,
                                                 GBytes          *signature);
void             hap_ble_db_service_free        (HapBleDbService *service);
/* Takes references to @signature and @value (which may be NULL). */
void             hap_ble_db_service_add         (HapBleDbService *service,
                                                 guint16          iid,
                                                 GBytes          *signature,
                                                 GBytes          *value);
/* {"accessories":[{"aid":1,"services":[{"iid","type","primary","hidden","linked",
 * "characteristics":[{"iid","type","perms","format","value",…meta}]}]}]}, written by the
 * same code as the IP server's database. A signature that does not parse, belongs to
 * another service or a value that does not decode is HAP_ERROR_INVALID_DATA naming the
 * iid. */
JsonNode        *hap_ble_accessories_to_json    (GPtrArray       *services,
                                                 GError         **error);

/* ---- GET and PUT /characteristics ---- */

/* "/characteristics?id=1.10,1.11[&meta=1][&perms=1][&type=1][&ev=1]" (§4.5): the ids as
 * (aid, iid) pairs of gint64 in @ids and the extra members asked for in @flags
 * (HAP_JSON_META, _PERMS, _TYPE, _EV). HAP_ERROR_INVALID_DATA otherwise. */
gboolean   hap_ble_parse_characteristics_query (const char    *target,
                                                GArray        *ids,
                                                HapJsonFlags  *flags,
                                                GError       **error);

/* One entry of a read or write answer. */
typedef struct
{
  gint64             aid;
  gint64             iid;
  int                status;          /* HapStatus */
  HapCharacteristic *characteristic;  /* the signature's model, for "value" and meta */
  GVariant          *value;           /* read, or written back for "r"; NULL when none */
  gboolean           subscribed;
} HapBleCharacteristicResult;

void       hap_ble_characteristic_result_clear (HapBleCharacteristicResult *result);

/* The answer IP gives for these results (hap-ip-endpoints.c, §4.5, §4.6): a read is 200
 * when everything succeeded, else 207 with a status on every entry; a write is 204 (a
 * JSON null node) when everything succeeded and nothing was asked back, else 207. */
JsonNode  *hap_ble_characteristics_to_json (GArray        *results,
                                            gboolean       is_write,
                                            HapJsonFlags   read_flags,
                                            guint         *out_status);

/* The BLE bytes of a JSON value for @format (docs/protocol.md §4.7, §5.5), or NULL with
 * HAP_STATUS_ERROR / HAP_STATUS_INVALID_VALUE. */
GBytes    *hap_ble_value_from_json        (HapFormat      format,
                                           JsonNode      *node,
                                           GError       **error);

/* {"characteristics":[{"aid":1,"iid":@iid,"value":…}]}: an event as IP's EVENT/1.0 body. */
JsonNode  *hap_ble_event_to_json          (HapCharacteristic *characteristic,
                                           GVariant          *value);

/* ---- discovery (docs/protocol.md §5.9, §5.10) ---- */

/* What a browser reports for a regular advertisement:
 * {"type":"advertisement","adapter","address","name" (null when unknown),"rssi" (null
 * when unknown),"device_id","category_id","category" (its name, or null),"gsn",
 * "configuration_number","compatible_version","status_flags","paired","setup_hash" (8
 * hex digits, or null)}. */
JsonNode  *hap_ble_advertisement_record   (const char                        *adapter,
                                           const char                        *address,
                                           const char                        *name,
                                           const gint16                      *rssi,
                                           const HapBleAdvertisement         *advertisement);
/* … and for an encrypted notification: {"type":"notification","adapter","address",
 * "advertising_id","decrypted"} plus, when @notification is not NULL (it was opened with
 * the key of accessory @device_id), "device_id","aid","iid","gsn","value_hex" (the 8
 * value bytes) and, when @format is a format that can be broadcast, "value". */
JsonNode  *hap_ble_notification_record    (const char                        *adapter,
                                           const char                        *address,
                                           const guint8                       advertising_id[6],
                                           const char                        *device_id,
                                           const HapBleEncryptedNotification *notification,
                                           int                                format);

G_END_DECLS
