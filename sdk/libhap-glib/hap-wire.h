/* hap-wire.h — wire codecs and constants for inspection and fault injection
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a trace needs to show what passed on the wire and a quirk needs to bend it: HTTP
 * messages as the server parsed them, JSON and TLV8 bodies written the way the server
 * writes them, and the HAP-BLE PDU constants, value and advertisement decoders. Part of
 * the inspection API (hap-inspection.h includes it), installed and exported only with
 * -Dinspection=true; the server uses the same codecs internally either way.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#ifndef __HAP_INSIDE__
# define __HAP_INSIDE__
# define __HAP_WIRE_DEFINED_INSIDE__
#endif
#include "hap-version.h"
#include "hap-error.h"
#include "hap-types.h"
#include "hap-characteristic.h"
#ifdef __HAP_WIRE_DEFINED_INSIDE__
# undef __HAP_INSIDE__
# undef __HAP_WIRE_DEFINED_INSIDE__
#endif

G_BEGIN_DECLS

/* Inside libhap-glib built with -Dinspection=false these functions are internal (the
 * server uses the HTTP and TLV8 codecs itself) and not exported. */
#if defined(HAP_COMPILATION) && !HAP_ENABLE_INSPECTION
# define HAP_AVAILABLE_IN_INSPECTION __attribute__((visibility ("hidden"))) extern
#else
# define HAP_AVAILABLE_IN_INSPECTION HAP_AVAILABLE_IN_ALL
#endif

/* ---- HTTP messages, as the hooks see them ------------------------------------------- */

/**
 * HapHttpHeader:
 * @name: the header's name, as received
 * @value: its value, trimmed
 *
 * One header line of a #HapHttpMessage.
 */
typedef struct
{
  char   *name;
  char   *value;
} HapHttpHeader;

/**
 * HapHttpMessage:
 * @method: a request's method ("GET"), or %NULL in a response
 * @target: a request's target ("/characteristics?id=1.9"), or %NULL
 * @status: a response's status code (200)
 * @reason: a response's reason phrase ("OK"), or %NULL
 * @is_event: %TRUE for an "EVENT/1.0" status line
 * @version: "HTTP/1.1" or "EVENT/1.0"
 * @headers: (element-type HapHttpHeader): the headers, in the order received
 * @body: the body, never %NULL (maybe empty); a request hook may replace it
 * @length: bytes of the whole message as received
 * @flags: %HAP_REQUEST_SPLIT on requests whose bytes came in more than one read
 *
 * One decrypted HTTP message of a HAP/IP connection. Hooks get it borrowed.
 */
typedef struct
{
  char          *method;
  char          *target;
  guint          status;
  char          *reason;
  gboolean       is_event;
  char          *version;
  GArray        *headers;
  GBytes        *body;
  gsize          length;
  guint32        flags;
} HapHttpMessage;

/**
 * HAP_REQUEST_SPLIT:
 *
 * #HapHttpMessage.flags bit: the request's bytes arrived in more than one read.
 */
#define HAP_REQUEST_SPLIT 0x1u

/**
 * hap_http_message_get_header:
 * @message: a message
 * @name: a header name, compared without case
 *
 * Returns: (nullable): the value of the first header called @name
 */
HAP_AVAILABLE_IN_INSPECTION
const char  *hap_http_message_get_header (HapHttpMessage  *message,
                                          const char      *name);

/**
 * hap_http_split_target:
 * @target: a request target such as "/path?a=1&b=2"
 * @path: (out) (transfer full): the path
 * @query: (out) (transfer full) (element-type utf8 utf8): the percent-decoded query
 *   parameters (keys without "=" map to ""; "+" is not a space), maybe empty
 * @error: return location for a #GError
 *
 * Splits a request target; a trailing "#fragment" is dropped.
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_DATA on a bad percent escape
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean     hap_http_split_target       (const char       *target,
                                          char            **path,
                                          GHashTable      **query,
                                          GError          **error);

/**
 * hap_http_reason_phrase:
 * @status: an HTTP status code
 *
 * Returns: the reason phrase the server writes for @status ("OK", "Multi-Status"…),
 *   "Unknown" for a code it never sends
 */
HAP_AVAILABLE_IN_INSPECTION
const char  *hap_http_reason_phrase      (guint             status);

/* ---- JSON bodies, written the way the server writes them ----------------------------- */

/**
 * hap_json_append_string:
 * @out: the text to append to
 * @str: a UTF-8 string
 *
 * Appends @str as a JSON string literal, quoted and escaped as the server escapes its
 * own bodies.
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_json_append_string      (GString          *out,
                                          const char       *str);
/**
 * hap_json_append_node:
 * @out: the text to append to
 * @node: a JSON node
 *
 * Appends @node compactly, members in their order and numbers in their shortest
 * round-trip form: the way the server writes its bodies, so that a response hook that
 * rewrites one changes only what it meant to change.
 */
HAP_AVAILABLE_IN_INSPECTION
void         hap_json_append_node        (GString          *out,
                                          JsonNode         *node);

/* ---- TLV8 (HAP's type-length-value encoding of pairing bodies and tlv8 values) ------ */

/**
 * HapTlv8Type:
 * @HAP_TLV_METHOD: the pairing method (#HapPairingMethod)
 * @HAP_TLV_IDENTIFIER: a pairing identifier
 * @HAP_TLV_SALT: the SRP salt (16 bytes)
 * @HAP_TLV_PUBLIC_KEY: an SRP, Curve25519 or Ed25519 public key
 * @HAP_TLV_PROOF: an SRP proof
 * @HAP_TLV_ENCRYPTED_DATA: ChaCha20-Poly1305 sealed sub-TLVs
 * @HAP_TLV_STATE: the message number (M1…M6)
 * @HAP_TLV_ERROR: a #HapTlv8Error
 * @HAP_TLV_RETRY_DELAY: seconds to wait before retrying
 * @HAP_TLV_CERTIFICATE: an MFi certificate
 * @HAP_TLV_SIGNATURE: an Ed25519 (or MFi) signature
 * @HAP_TLV_PERMISSIONS: 1 for an admin pairing
 * @HAP_TLV_FRAGMENT_DATA: a non-last fragment
 * @HAP_TLV_FRAGMENT_LAST: the last fragment
 * @HAP_TLV_SESSION_ID: a Pair Resume session identifier (HAP over BLE)
 * @HAP_TLV_FLAGS: pairing type flags (transient, split)
 * @HAP_TLV_SEPARATOR: separates records (empty)
 *
 * The item types of pairing bodies (HAP specification R2, 5.15 "TLV8").
 */
typedef enum
{
  HAP_TLV_METHOD         = 0x00,
  HAP_TLV_IDENTIFIER     = 0x01,
  HAP_TLV_SALT           = 0x02,
  HAP_TLV_PUBLIC_KEY     = 0x03,
  HAP_TLV_PROOF          = 0x04,
  HAP_TLV_ENCRYPTED_DATA = 0x05,
  HAP_TLV_STATE          = 0x06,
  HAP_TLV_ERROR          = 0x07,
  HAP_TLV_RETRY_DELAY    = 0x08,
  HAP_TLV_CERTIFICATE    = 0x09,
  HAP_TLV_SIGNATURE      = 0x0A,
  HAP_TLV_PERMISSIONS    = 0x0B,
  HAP_TLV_FRAGMENT_DATA  = 0x0C,
  HAP_TLV_FRAGMENT_LAST  = 0x0D,
  HAP_TLV_SESSION_ID     = 0x0E,
  HAP_TLV_FLAGS          = 0x13,
  HAP_TLV_SEPARATOR      = 0xFF,
} HapTlv8Type;

/**
 * HapPairingMethod:
 * @HAP_METHOD_PAIR_SETUP: Pair Setup
 * @HAP_METHOD_PAIR_SETUP_WITH_AUTH: Pair Setup with MFi authentication
 * @HAP_METHOD_PAIR_VERIFY: Pair Verify
 * @HAP_METHOD_ADD_PAIRING: Add Pairing
 * @HAP_METHOD_REMOVE_PAIRING: Remove Pairing
 * @HAP_METHOD_LIST_PAIRINGS: List Pairings
 * @HAP_METHOD_PAIR_RESUME: Pair Resume (HAP over BLE)
 *
 * Values of the %HAP_TLV_METHOD item.
 */
typedef enum
{
  HAP_METHOD_PAIR_SETUP           = 0,
  HAP_METHOD_PAIR_SETUP_WITH_AUTH = 1,
  HAP_METHOD_PAIR_VERIFY          = 2,
  HAP_METHOD_ADD_PAIRING          = 3,
  HAP_METHOD_REMOVE_PAIRING       = 4,
  HAP_METHOD_LIST_PAIRINGS        = 5,
  HAP_METHOD_PAIR_RESUME          = 6,
} HapPairingMethod;

/**
 * HapTlv8Error:
 * @HAP_TLV_ERROR_UNKNOWN: generic error
 * @HAP_TLV_ERROR_AUTHENTICATION: wrong setup code or signature
 * @HAP_TLV_ERROR_BACKOFF: retry after %HAP_TLV_RETRY_DELAY
 * @HAP_TLV_ERROR_MAX_PEERS: no room for another pairing
 * @HAP_TLV_ERROR_MAX_TRIES: too many failed Pair Setup attempts
 * @HAP_TLV_ERROR_UNAVAILABLE: already paired
 * @HAP_TLV_ERROR_BUSY: another Pair Setup is in progress
 *
 * Values of the %HAP_TLV_ERROR item.
 */
typedef enum
{
  HAP_TLV_ERROR_UNKNOWN        = 0x01,
  HAP_TLV_ERROR_AUTHENTICATION = 0x02,
  HAP_TLV_ERROR_BACKOFF        = 0x03,
  HAP_TLV_ERROR_MAX_PEERS      = 0x04,
  HAP_TLV_ERROR_MAX_TRIES      = 0x05,
  HAP_TLV_ERROR_UNAVAILABLE    = 0x06,
  HAP_TLV_ERROR_BUSY           = 0x07,
} HapTlv8Error;

/**
 * HapTlv8Item:
 * @type: the item's type
 * @len: the length of @value
 * @value: (array length=len): the merged value of adjacent fragments, valid while the
 *   #HapTlv8 lives
 *
 * One item of a parsed TLV8 list.
 */
typedef struct
{
  guint8        type;
  gsize         len;
  const guint8 *value;
} HapTlv8Item;

/**
 * HapTlv8:
 *
 * A parsed TLV8 list (opaque), from hap_tlv8_parse().
 */
typedef struct _HapTlv8 HapTlv8;

/**
 * hap_tlv8_parse:
 * @data: (array length=len) (nullable): TLV8 bytes
 * @len: their length
 * @error: return location for a #GError
 *
 * Reads a TLV8 list strictly, as the server does: adjacent items of one type are
 * concatenated (every fragment but the last must be exactly 255 bytes, and a
 * continuation may not be empty), and within one record (between separators) a type
 * may not appear twice apart. Empty input is a valid empty list.
 *
 * Returns: (transfer full) (nullable): the list, or %NULL with %HAP_ERROR_INVALID_DATA
 *   saying what is wrong at which byte offset
 */
HAP_AVAILABLE_IN_INSPECTION
HapTlv8           *hap_tlv8_parse          (const guint8  *data,
                                            gsize          len,
                                            GError       **error);
/**
 * hap_tlv8_free:
 * @tlv: (transfer full): a list
 */
HAP_AVAILABLE_IN_INSPECTION
void               hap_tlv8_free           (HapTlv8       *tlv);
/**
 * hap_tlv8_get_n_items:
 * @tlv: a list
 *
 * Returns: the number of items (fragments merged, separators counted)
 */
HAP_AVAILABLE_IN_INSPECTION
guint              hap_tlv8_get_n_items    (HapTlv8       *tlv);
/**
 * hap_tlv8_get_item:
 * @tlv: a list
 * @index: an item index below hap_tlv8_get_n_items()
 *
 * Returns: (transfer none): the item
 */
HAP_AVAILABLE_IN_INSPECTION
const HapTlv8Item *hap_tlv8_get_item       (HapTlv8       *tlv,
                                            guint          index);
/**
 * hap_tlv8_get:
 * @tlv: a list
 * @type: an item type
 * @len: (out) (optional): the value's length
 *
 * Returns: (transfer none) (nullable): the value of the first item of @type in the
 *   first record
 */
HAP_AVAILABLE_IN_INSPECTION
const guint8      *hap_tlv8_get            (HapTlv8       *tlv,
                                            guint8         type,
                                            gsize         *len);
/**
 * hap_tlv8_get_uint:
 * @tlv: a list
 * @type: an item type
 * @value: (out): the value
 *
 * Reads the first item of @type as a little-endian unsigned integer of 1 to 8 bytes.
 *
 * Returns: %FALSE if it is absent, empty or longer than 8 bytes
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean           hap_tlv8_get_uint       (HapTlv8       *tlv,
                                            guint8         type,
                                            guint64       *value);
/**
 * hap_tlv8_append:
 * @buf: the bytes to append to
 * @type: the item type
 * @value: (array length=len) (nullable): the value
 * @len: its length
 *
 * Appends one item, fragmented into 255-byte items when longer (no trailing empty item
 * for an exact multiple of 255; an empty value gives one empty item).
 */
HAP_AVAILABLE_IN_INSPECTION
void               hap_tlv8_append         (GByteArray    *buf,
                                            guint8         type,
                                            const guint8  *value,
                                            gsize          len);
/**
 * hap_tlv8_append_uint8:
 * @buf: the bytes to append to
 * @type: the item type
 * @value: a one-byte value
 */
HAP_AVAILABLE_IN_INSPECTION
void               hap_tlv8_append_uint8   (GByteArray    *buf,
                                            guint8         type,
                                            guint8         value);
/**
 * hap_tlv8_append_uint:
 * @buf: the bytes to append to
 * @type: the item type
 * @value: the value
 *
 * Appends @value in its shortest little-endian form (0 as one zero byte).
 */
HAP_AVAILABLE_IN_INSPECTION
void               hap_tlv8_append_uint    (GByteArray    *buf,
                                            guint8         type,
                                            guint64        value);
/**
 * hap_tlv8_append_string:
 * @buf: the bytes to append to
 * @type: the item type
 * @str: a string, appended without its NUL
 */
HAP_AVAILABLE_IN_INSPECTION
void               hap_tlv8_append_string  (GByteArray    *buf,
                                            guint8         type,
                                            const char    *str);
/**
 * hap_tlv8_append_separator:
 * @buf: the bytes to append to
 *
 * Appends an empty %HAP_TLV_SEPARATOR item.
 */
HAP_AVAILABLE_IN_INSPECTION
void               hap_tlv8_append_separator (GByteArray  *buf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapTlv8, hap_tlv8_free)

/* ---- HAP over BLE: wire constants --------------------------------------------------- */

/**
 * HapBleOpcode:
 * @HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ: HAP-Characteristic-Signature-Read
 * @HAP_BLE_OPCODE_CHARACTERISTIC_WRITE: HAP-Characteristic-Write
 * @HAP_BLE_OPCODE_CHARACTERISTIC_READ: HAP-Characteristic-Read
 * @HAP_BLE_OPCODE_CHARACTERISTIC_TIMED_WRITE: HAP-Characteristic-Timed-Write
 * @HAP_BLE_OPCODE_CHARACTERISTIC_EXECUTE_WRITE: HAP-Characteristic-Execute-Write
 * @HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ: HAP-Service-Signature-Read
 * @HAP_BLE_OPCODE_CHARACTERISTIC_CONFIGURATION: HAP-Characteristic-Configuration
 * @HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION: HAP-Protocol-Configuration
 * @HAP_BLE_OPCODE_TOKEN: HAP-Token-Request
 * @HAP_BLE_OPCODE_TOKEN_UPDATE: HAP-Token-Update-Request
 * @HAP_BLE_OPCODE_INFO: HAP-Info-Request
 *
 * HAP-BLE PDU opcodes (HAP specification R2, 7.3.3.2). Requests carry other values
 * too, which the accessory refuses, so #HapBleRequestInfo.opcode is a #guint8.
 */
typedef enum
{
  HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ = 0x01,
  HAP_BLE_OPCODE_CHARACTERISTIC_WRITE          = 0x02,
  HAP_BLE_OPCODE_CHARACTERISTIC_READ           = 0x03,
  HAP_BLE_OPCODE_CHARACTERISTIC_TIMED_WRITE    = 0x04,
  HAP_BLE_OPCODE_CHARACTERISTIC_EXECUTE_WRITE  = 0x05,
  HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ        = 0x06,
  HAP_BLE_OPCODE_CHARACTERISTIC_CONFIGURATION  = 0x07,
  HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION        = 0x08,
  HAP_BLE_OPCODE_TOKEN                         = 0x10,
  HAP_BLE_OPCODE_TOKEN_UPDATE                  = 0x11,
  HAP_BLE_OPCODE_INFO                          = 0x12,
} HapBleOpcode;

/**
 * HapBlePduStatus:
 * @HAP_BLE_PDU_STATUS_SUCCESS: success
 * @HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU: unsupported PDU
 * @HAP_BLE_PDU_STATUS_MAX_PROCEDURES: too many procedures
 * @HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHORIZATION: insufficient authorization
 * @HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID: invalid instance ID
 * @HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHENTICATION: insufficient authentication
 * @HAP_BLE_PDU_STATUS_INVALID_REQUEST: invalid request
 *
 * HAP-BLE response status codes (HAP specification R2, 7.3.3.5).
 */
typedef enum
{
  HAP_BLE_PDU_STATUS_SUCCESS                     = 0x00,
  HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU             = 0x01,
  HAP_BLE_PDU_STATUS_MAX_PROCEDURES              = 0x02,
  HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHORIZATION  = 0x03,
  HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID         = 0x04,
  HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHENTICATION = 0x05,
  HAP_BLE_PDU_STATUS_INVALID_REQUEST             = 0x06,
} HapBlePduStatus;

/**
 * HapBleParam:
 * @HAP_BLE_PARAM_VALUE: HAP-Param-Value
 * @HAP_BLE_PARAM_ADDITIONAL_AUTHORIZATION: HAP-Param-Additional-Authorization-Data
 * @HAP_BLE_PARAM_ORIGIN: HAP-Param-Origin
 * @HAP_BLE_PARAM_CHARACTERISTIC_TYPE: HAP-Param-Characteristic-Type
 * @HAP_BLE_PARAM_CHARACTERISTIC_IID: HAP-Param-Characteristic-Instance-ID
 * @HAP_BLE_PARAM_SERVICE_TYPE: HAP-Param-Service-Type
 * @HAP_BLE_PARAM_SERVICE_IID: HAP-Param-Service-Instance-ID
 * @HAP_BLE_PARAM_TTL: HAP-Param-TTL (units of 100 ms)
 * @HAP_BLE_PARAM_RETURN_RESPONSE: HAP-Param-Return-Response
 * @HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES: HAP-Param-HAP-Characteristic-Properties-Descriptor
 * @HAP_BLE_PARAM_USER_DESCRIPTION: HAP-Param-GATT-User-Description-Descriptor
 * @HAP_BLE_PARAM_PRESENTATION_FORMAT: HAP-Param-GATT-Presentation-Format-Descriptor
 * @HAP_BLE_PARAM_VALID_RANGE: HAP-Param-GATT-Valid-Range
 * @HAP_BLE_PARAM_STEP_VALUE: HAP-Param-HAP-Step-Value-Descriptor
 * @HAP_BLE_PARAM_SERVICE_PROPERTIES: HAP-Param-HAP-Service-Properties
 * @HAP_BLE_PARAM_LINKED_SERVICES: HAP-Param-HAP-Linked-Services
 * @HAP_BLE_PARAM_VALID_VALUES: HAP-Param-HAP-Valid-Values-Descriptor
 * @HAP_BLE_PARAM_VALID_VALUES_RANGE: HAP-Param-HAP-Valid-Values-Range-Descriptor
 *
 * The TLV8 item types of HAP-BLE PDU bodies (HAP specification R2, 7.3.3.4).
 */
typedef enum
{
  HAP_BLE_PARAM_VALUE                        = 0x01,
  HAP_BLE_PARAM_ADDITIONAL_AUTHORIZATION     = 0x02,
  HAP_BLE_PARAM_ORIGIN                       = 0x03,
  HAP_BLE_PARAM_CHARACTERISTIC_TYPE          = 0x04,
  HAP_BLE_PARAM_CHARACTERISTIC_IID           = 0x05,
  HAP_BLE_PARAM_SERVICE_TYPE                 = 0x06,
  HAP_BLE_PARAM_SERVICE_IID                  = 0x07,
  HAP_BLE_PARAM_TTL                          = 0x08,
  HAP_BLE_PARAM_RETURN_RESPONSE              = 0x09,
  HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES    = 0x0A,
  HAP_BLE_PARAM_USER_DESCRIPTION             = 0x0B,
  HAP_BLE_PARAM_PRESENTATION_FORMAT          = 0x0C,
  HAP_BLE_PARAM_VALID_RANGE                  = 0x0D,
  HAP_BLE_PARAM_STEP_VALUE                   = 0x0E,
  HAP_BLE_PARAM_SERVICE_PROPERTIES           = 0x0F,
  HAP_BLE_PARAM_LINKED_SERVICES              = 0x10,
  HAP_BLE_PARAM_VALID_VALUES                 = 0x11,
  HAP_BLE_PARAM_VALID_VALUES_RANGE           = 0x12,
} HapBleParam;

/**
 * HAP_BLE_ADV_STATUS_NOT_PAIRED:
 *
 * The status-flags bit of a regular advertisement set while the accessory is unpaired.
 */
#define HAP_BLE_ADV_STATUS_NOT_PAIRED 0x01
/**
 * HAP_BLE_ADV_LEN:
 *
 * The length of Apple's manufacturer data in a regular advertisement without a setup
 * hash (4 more bytes with one).
 */
#define HAP_BLE_ADV_LEN               15
/**
 * HAP_BLE_BROADCAST_KEY_LEN:
 *
 * The length of a broadcast encryption key.
 */
#define HAP_BLE_BROADCAST_KEY_LEN     32

/* ---- HAP over BLE: codecs for traces and fault injection ---------------------------- */

/**
 * hap_ble_opcode_name:
 * @opcode: a PDU opcode
 *
 * Returns: (nullable): "Characteristic-Read"…, %NULL for a code HAP does not define
 */
HAP_AVAILABLE_IN_INSPECTION
const char       *hap_ble_opcode_name (guint8 opcode);
/**
 * hap_ble_status_name:
 * @status: a PDU status
 *
 * Returns: (nullable): "Success"…, %NULL for a code HAP does not define
 */
HAP_AVAILABLE_IN_INSPECTION
const char       *hap_ble_status_name (guint8 status);
/**
 * hap_ble_decode_value:
 * @characteristic: the characteristic the value belongs to
 * @data: (array length=len): the value in its HAP-BLE form
 * @len: its length
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the value as a #GVariant of the
 *   characteristic's format, %NULL with %HAP_ERROR_INVALID_DATA when the bytes do not
 *   fit the format
 */
HAP_AVAILABLE_IN_INSPECTION
GVariant         *hap_ble_decode_value (HapCharacteristic *characteristic,
                                        const guint8      *data,
                                        gsize              len,
                                        GError           **error);

/**
 * HapBleAdvertisementFields:
 * @status_flags: SF (%HAP_BLE_ADV_STATUS_NOT_PAIRED while unpaired)
 * @device_id: the device ID, "AA:BB:CC:DD:EE:FF"
 * @category: the accessory category
 * @gsn: the global state number
 * @configuration_number: the configuration number (1 to 255)
 * @compatible_version: the compatible version
 * @has_setup_hash: whether a setup hash is present
 * @setup_hash: the setup hash
 *
 * A regular advertisement's fields.
 */
typedef struct
{
  guint8   status_flags;
  char     device_id[18];
  guint16  category;
  guint16  gsn;
  guint8   configuration_number;
  guint8   compatible_version;
  gboolean has_setup_hash;
  guint8   setup_hash[4];
} HapBleAdvertisementFields;

/**
 * hap_ble_parse_advertisement:
 * @data: (array length=len): Apple's manufacturer data
 * @len: its length
 * @fields: (out caller-allocates): the fields
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_DATA saying what is wrong for anything but a
 *   well-formed regular advertisement (a corrupted or truncated one, or an encrypted
 *   notification)
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean          hap_ble_parse_advertisement (const guint8              *data,
                                               gsize                      len,
                                               HapBleAdvertisementFields *fields,
                                               GError                   **error);

/**
 * hap_ble_format_can_broadcast:
 * @format: a value format
 *
 * Returns: whether values of @format (at most 8 bytes: all but string, tlv8 and data)
 *   may be sent in broadcast notifications
 */
HAP_AVAILABLE_IN_INSPECTION
gboolean          hap_ble_format_can_broadcast (HapFormat format);

/**
 * hap_ble_gsn_next:
 * @gsn: a global state number
 *
 * Returns: the GSN after @gsn: GSNs run 1 to 65535 and wrap to 1
 */
HAP_AVAILABLE_IN_INSPECTION
guint16           hap_ble_gsn_next (guint16 gsn);

/**
 * hap_ble_build_encrypted_notification:
 * @key: (array fixed-size=32): a broadcast key (%HAP_BLE_BROADCAST_KEY_LEN bytes)
 * @advertising_id: (array fixed-size=6): the advertising identifier
 * @gsn: the GSN it announces
 * @characteristic: (nullable): the characteristic whose iid and current value it
 *   carries (its format must satisfy hap_ble_format_can_broadcast()), or %NULL for
 *   iid 0 and a zero value
 *
 * Builds the manufacturer data of an encrypted broadcast notification, as the
 * accessory sends it for a broadcast-enabled change; with a key no controller holds it
 * is the fault a device shows when it broadcasts before any key was generated.
 *
 * Returns: (transfer full): the manufacturer data
 */
HAP_AVAILABLE_IN_INSPECTION
GBytes           *hap_ble_build_encrypted_notification (const guint8       key[32],
                                                        const guint8       advertising_id[6],
                                                        guint16            gsn,
                                                        HapCharacteristic *characteristic);

G_END_DECLS
