/* hap-ble-pdu-private.h — HAP-BLE PDU framing: opcodes, statuses, body parameters,
 * fragment assembly and fragmenting (docs/protocol.md §5.2, §5.3, §5.6, §5.7)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure wire logic, no I/O: the GATT layer hands every (already decrypted) value written to
 * or read from a HAP characteristic to an assembler, and sends the fragments built here
 * (encrypting each one itself when a session is secured).
 *
 *   request, first fragment:   0x00 ‖ opcode ‖ TID ‖ IID(LE16) [‖ body_len(LE16) ‖ body…]
 *   response, first fragment:  0x02 ‖ TID ‖ status [‖ body_len(LE16) ‖ body…]
 *   continuation:              0x80 (request) / 0x82 (response) ‖ TID ‖ body…
 *
 * A PDU without a body has no length field; a PDU may also carry an explicit empty body
 * (length 0). The two are kept apart everywhere (a NULL body vs an empty one).
 */
#pragma once

#include <glib.h>

#include "hap-tlv8-private.h"

G_BEGIN_DECLS

/* docs/protocol.md §5.2: the body length is 16 bits. */
#define HAP_BLE_PDU_MAX_BODY                 65535
#define HAP_BLE_PDU_REQUEST_HEADER_LEN       5   /* control, opcode, TID, IID(2) */
#define HAP_BLE_PDU_RESPONSE_HEADER_LEN      3   /* control, TID, status */
#define HAP_BLE_PDU_CONTINUATION_HEADER_LEN  2   /* control, TID */
#define HAP_BLE_PDU_BODY_LENGTH_LEN          2
/* Smallest max_fragment the fragmenters accept: a request's first fragment with a body
 * length and one body byte, so that every fragment moves the body forward. */
#define HAP_BLE_PDU_MIN_FRAGMENT             8

/* docs/protocol.md §5.2: control field. */
#define HAP_BLE_PDU_CONTROL_CONTINUATION     0x80
#define HAP_BLE_PDU_CONTROL_RESERVED         0x60  /* bits 6–5, must be 0 */
#define HAP_BLE_PDU_CONTROL_IID_64BIT        0x10  /* bit 4, not supported */
#define HAP_BLE_PDU_CONTROL_TYPE_MASK        0x0E  /* bits 3–1 */
#define HAP_BLE_PDU_CONTROL_TYPE_REQUEST     0x00
#define HAP_BLE_PDU_CONTROL_TYPE_RESPONSE    0x02
#define HAP_BLE_PDU_CONTROL_LENGTH           0x01  /* bit 0: control field length, must be 0 */

/* The opcodes (HapBleOpcode), statuses (HapBlePduStatus) and parameter types
 * (HapBleParam) are public (hap-wire.h): the hooks see them. */

/* docs/protocol.md §5.6: HAP-Param-Origin values. */
#define HAP_BLE_ORIGIN_LOCAL  0
#define HAP_BLE_ORIGIN_REMOTE 1

/* docs/protocol.md §5.6: Protocol Configuration request body (each item has length 0
 * except the advertising identifier, 6 bytes). */
typedef enum
{
  HAP_BLE_PROTOCOL_CONFIG_GENERATE_BROADCAST_KEY = 0x01,
  HAP_BLE_PROTOCOL_CONFIG_GET_ALL                = 0x02,
  HAP_BLE_PROTOCOL_CONFIG_SET_ADVERTISING_ID     = 0x03,
} HapBleProtocolConfigRequest;

/* docs/protocol.md §5.6: Protocol Configuration response body (Get-All). */
typedef enum
{
  HAP_BLE_PROTOCOL_CONFIG_STATE_NUMBER    = 0x01,  /* GSN, LE16 */
  HAP_BLE_PROTOCOL_CONFIG_CONFIG_NUMBER   = 0x02,  /* CN, uint8 */
  HAP_BLE_PROTOCOL_CONFIG_ADVERTISING_ID  = 0x03,  /* 6 bytes */
  HAP_BLE_PROTOCOL_CONFIG_BROADCAST_KEY   = 0x04,  /* 32 bytes, only while valid */
} HapBleProtocolConfigParam;

/* docs/protocol.md §5.6: Characteristic Configuration request and response body. */
typedef enum
{
  HAP_BLE_CHARACTERISTIC_CONFIG_PROPERTIES         = 0x01,  /* LE16 */
  HAP_BLE_CHARACTERISTIC_CONFIG_BROADCAST_INTERVAL = 0x02,  /* uint8, HapBleBroadcastInterval */
} HapBleCharacteristicConfigParam;

#define HAP_BLE_CHARACTERISTIC_CONFIG_ENABLE_BROADCAST 0x0001

typedef enum
{
  HAP_BLE_BROADCAST_INTERVAL_20_MS   = 0x01,  /* the default */
  HAP_BLE_BROADCAST_INTERVAL_1280_MS = 0x02,
  HAP_BLE_BROADCAST_INTERVAL_2560_MS = 0x03,
} HapBleBroadcastInterval;

/* docs/protocol.md §5.6: HAP-Info response body. */
typedef enum
{
  HAP_BLE_INFO_STATE_NUMBER     = 0x01,
  HAP_BLE_INFO_CONFIG_NUMBER    = 0x02,
  HAP_BLE_INFO_DEVICE_ID        = 0x03,
  HAP_BLE_INFO_FEATURE_FLAGS    = 0x04,
  HAP_BLE_INFO_MODEL_NAME       = 0x05,
  HAP_BLE_INFO_PROTOCOL_VERSION = 0x06,
  HAP_BLE_INFO_STATUS_FLAG      = 0x07,
  HAP_BLE_INFO_CATEGORY         = 0x08,
  HAP_BLE_INFO_SETUP_HASH       = 0x09,
} HapBleInfoParam;

/* "HAP-Characteristic-Write" …, or NULL for an unknown opcode. */
const char *hap_ble_opcode_to_string     (guint8 opcode);
/* "Success", "Unsupported-PDU" …, or NULL for an unknown status. */
const char *hap_ble_pdu_status_to_string (guint8 status);
/* TRUE for the opcodes addressed to a service iid (Service Signature Read, Protocol
 * Configuration), FALSE for the characteristic-level ones and unknown opcodes. */
gboolean    hap_ble_opcode_is_service_level (guint8 opcode);

/* What feeding one fragment to an assembler gave. */
typedef enum
{
  /* Malformed fragment: @error says exactly what. The partial PDU, if any, is dropped and
   * the assembler is idle again. */
  HAP_BLE_PDU_ERROR,
  /* Taken; the PDU needs more continuation fragments. */
  HAP_BLE_PDU_NEED_MORE,
  /* The PDU is complete and was moved to the caller's struct; the assembler is idle. */
  HAP_BLE_PDU_COMPLETE,
  /* A first fragment arrived while a PDU was still incomplete. The incomplete PDU is
   * dropped (@error describes it) and the new fragment was NOT consumed: feed it again to
   * start the new PDU, or give up on the link — the caller decides. */
  HAP_BLE_PDU_INTERRUPTED,
  /* An empty continuation (control ‖ TID, no data) with the TID of the PDU completed
   * last. Controllers may send these between a request and the first read of its
   * response, and the ADK tolerates them (docs/protocol.md §5.7); nothing to do. */
  HAP_BLE_PDU_IGNORED,
} HapBlePduResult;

/* One complete request. @body is NULL when the request had no body (no length field),
 * else the body, possibly empty. */
typedef struct
{
  guint8  opcode;
  guint8  tid;
  guint16 iid;
  GBytes *body;
} HapBleRequest;

/* One complete response; @body as for HapBleRequest. */
typedef struct
{
  guint8  tid;
  guint8  status;
  GBytes *body;
} HapBleResponse;

void hap_ble_request_clear  (HapBleRequest  *request);
void hap_ble_response_clear (HapBleResponse *response);

/* The state both assemblers share. Fields are private. */
typedef struct
{
  gsize       max_body;      /* largest declared body accepted */
  gboolean    busy;          /* a first fragment was taken, the body is not complete */
  guint8      first;         /* opcode (request) or status (response) */
  guint8      tid;
  guint16     iid;
  gboolean    has_body;
  gsize       body_len;      /* declared */
  GByteArray *body;          /* received so far; NULL while idle */
  gboolean    has_last_tid;  /* TID of the PDU completed last, for HAP_BLE_PDU_IGNORED */
  guint8      last_tid;
} HapBlePduAssembler;

/* Accessory side: requests written by the controller. May live on the stack or inside
 * another struct: initialize it with hap_ble_request_assembler_init(), clear it with
 * hap_ble_request_assembler_clear() (which is also safe on zero-filled memory). */
typedef struct
{
  HapBlePduAssembler core;
} HapBleRequestAssembler;

/* Controller side: responses read from the accessory. */
typedef struct
{
  HapBlePduAssembler core;
} HapBleResponseAssembler;

/* @max_body (0 … HAP_BLE_PDU_MAX_BODY) bounds the memory one PDU may take: a first
 * fragment declaring a longer body is refused with HAP_ERROR_TOO_LARGE. The declared
 * length is reserved at once, so the body is never reallocated (and no unwiped copy of
 * it is left behind). */
void            hap_ble_request_assembler_init   (HapBleRequestAssembler  *self,
                                                  gsize                    max_body);
/* Drops (and wipes) any partial PDU and forgets the last TID; keeps the limit, so the
 * assembler can be fed again. Safe on zero-filled memory and when called twice. */
void            hap_ble_request_assembler_clear  (HapBleRequestAssembler  *self);
/* TRUE while a first fragment was taken and continuations are awaited. */
gboolean        hap_ble_request_assembler_is_busy (HapBleRequestAssembler *self);
/* Feeds one GATT write value (decrypted already when the session is secured). On
 * HAP_BLE_PDU_COMPLETE fills @request, which must be empty (zeroed or cleared), and the
 * caller clears it with hap_ble_request_clear(); other results leave it alone. On
 * HAP_BLE_PDU_ERROR and HAP_BLE_PDU_INTERRUPTED sets @error: HAP_ERROR_TOO_LARGE for a
 * declared body above the limit, HAP_ERROR_INVALID_DATA for everything else. Unknown
 * opcodes are passed through (the accessory answers them with Unsupported-PDU). */
HapBlePduResult hap_ble_request_assembler_feed   (HapBleRequestAssembler  *self,
                                                  const guint8            *fragment,
                                                  gsize                    len,
                                                  HapBleRequest           *request,
                                                  GError                 **error);

/* The same for the values a controller reads back. Unknown status codes are passed
 * through; matching the response's TID with the request's is the caller's job. */
void            hap_ble_response_assembler_init  (HapBleResponseAssembler *self,
                                                  gsize                    max_body);
void            hap_ble_response_assembler_clear (HapBleResponseAssembler *self);
gboolean        hap_ble_response_assembler_is_busy (HapBleResponseAssembler *self);
HapBlePduResult hap_ble_response_assembler_feed  (HapBleResponseAssembler *self,
                                                  const guint8            *fragment,
                                                  gsize                    len,
                                                  HapBleResponse          *response,
                                                  GError                 **error);

/* Fragments of one PDU, each at most @max_fragment bytes (≥ HAP_BLE_PDU_MIN_FRAGMENT;
 * with a secured session the caller passes its GATT value limit minus the 16-byte tag).
 * @has_body FALSE omits the length field (then @body_len must be 0); TRUE writes it even
 * for an empty body. @body_len ≤ HAP_BLE_PDU_MAX_BODY. Returns a GPtrArray of GBytes
 * (first fragment first), never empty; the bytes are wiped when freed. */
GPtrArray *hap_ble_pdu_fragment_request  (guint8        opcode,
                                          guint8        tid,
                                          guint16       iid,
                                          const guint8 *body,
                                          gsize         body_len,
                                          gboolean      has_body,
                                          gsize         max_fragment);
GPtrArray *hap_ble_pdu_fragment_response (guint8        tid,
                                          guint8        status,
                                          const guint8 *body,
                                          gsize         body_len,
                                          gboolean      has_body,
                                          gsize         max_fragment);

/* Body parameters (docs/protocol.md §5.3) are TLV8 (hap-tlv8-private.h); BLE adds fixed
 * two-byte little-endian items (iids, properties, GSN), which hap_tlv8_append_uint()
 * would shorten. */
void       hap_ble_tlv_append_le16 (GByteArray   *buf,
                                    guint8        type,
                                    guint16       value);
/* FALSE when @type is absent or its value is not exactly 2 bytes. */
gboolean   hap_ble_tlv_get_le16    (HapTlv8      *tlv,
                                    guint8        type,
                                    guint16      *value);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HapBleRequest, hap_ble_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HapBleResponse, hap_ble_response_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HapBleRequestAssembler, hap_ble_request_assembler_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HapBleResponseAssembler, hap_ble_response_assembler_clear)

G_END_DECLS
