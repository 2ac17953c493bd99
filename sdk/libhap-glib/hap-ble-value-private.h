/* hap-ble-value-private.h — HAP-BLE characteristic values, properties, presentation
 * formats and 128-bit UUIDs (docs/protocol.md §5.3–§5.5, §4.11)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "hap-wire.h"
#include "hap-types.h"

G_BEGIN_DECLS

/* Values (docs/protocol.md §5.5). */

/* Encodes @value, which must have the GVariant type of @format
 * (hap_format_get_variant_type()): bool 1 byte 0/1; uint8/16/32/64 and int (LE32 signed)
 * little-endian at their exact size; float as IEEE-754 single precision LE (a double
 * outside its range becomes ±infinity); string as UTF-8 without terminator; tlv8 and data
 * as the raw bytes. Never fails; checking the value against the characteristic's
 * constraints is the model's job (hap_characteristic_validate()). */
GBytes   *hap_ble_value_encode       (HapFormat      format,
                                      GVariant      *value);
/* The inverse, for @len bytes: a new reference (not floating) to a GVariant of @format's
 * type, or NULL with HAP_ERROR_INVALID_DATA naming the format and length (wrong size for a
 * fixed-size format, a bool byte other than 0 or 1, a string that is not UTF-8 or has a
 * NUL). A float becomes the shortest decimal that maps to the same single-precision
 * number (0.1f → 0.1), so that values read over BLE look the way they do over IP. */
GVariant *hap_ble_value_decode       (HapFormat      format,
                                      const guint8  *data,
                                      gsize          len,
                                      GError       **error);
/* Size of the value of a fixed-size format (1, 2, 4 or 8), 0 for string, tlv8, data. */
gsize     hap_ble_format_get_size    (HapFormat      format);

/* HAP characteristic properties, param 0x0A (docs/protocol.md §5.4). */
typedef enum /*< flags >*/
{
  HAP_BLE_PROPERTY_READ_WITHOUT_SECURITY  = 0x0001,
  HAP_BLE_PROPERTY_WRITE_WITHOUT_SECURITY = 0x0002,
  HAP_BLE_PROPERTY_ADDITIONAL_AUTH        = 0x0004,
  HAP_BLE_PROPERTY_TIMED_WRITE            = 0x0008,
  HAP_BLE_PROPERTY_SECURE_READ            = 0x0010,
  HAP_BLE_PROPERTY_SECURE_WRITE           = 0x0020,
  HAP_BLE_PROPERTY_HIDDEN                 = 0x0040,
  HAP_BLE_PROPERTY_NOTIFY_CONNECTED       = 0x0080,
  HAP_BLE_PROPERTY_NOTIFY_DISCONNECTED    = 0x0100,
  HAP_BLE_PROPERTY_BROADCAST              = 0x0200,
} HapBleCharacteristicProperties;

/* The properties bitfield of a characteristic with @perms and @format:
 *   pr → SECURE_READ, pw → SECURE_WRITE, aa → ADDITIONAL_AUTH, tw → TIMED_WRITE,
 *   hd → HIDDEN, ev → NOTIFY_CONNECTED | NOTIFY_DISCONNECTED, plus BROADCAST when
 *   hap_ble_format_can_broadcast (@format);
 *   wr and adminOnlyAccess have no bit (BLE writes can always return a response).
 * The two "without a secure session" bits are not in HapPerms: the transport decides
 * them (Pair Setup and Pair Verify read+write, Pairing Features read, Identify write
 * while unpaired; docs/protocol.md §5.1, §5.8) and passes them here. A transport that
 * does not offer disconnected or broadcast events masks those bits off the result. */
guint16   hap_ble_properties_from_perms (HapPerms     perms,
                                         HapFormat    format,
                                         gboolean     read_without_security,
                                         gboolean     write_without_security);
/* The controller's view: SECURE_READ → pr, SECURE_WRITE → pw, ADDITIONAL_AUTH → aa,
 * TIMED_WRITE → tw, HIDDEN → hd, any of the three notify bits → ev. The "without
 * security" bits have no HapPerms equivalent and are dropped (keep the raw bitfield). */
HapPerms  hap_ble_properties_to_perms   (guint16      properties);

/* GATT presentation format descriptor, param 0x0C (docs/protocol.md §5.3, §5.5):
 * format(1) ‖ exponent(1) = 0 ‖ unit(LE16) ‖ namespace(1) = 1 ‖ description(LE16) = 0. */
#define HAP_BLE_PRESENTATION_FORMAT_LEN 7
#define HAP_BLE_UNIT_UNITLESS           0x2700

/* BT SIG format code: bool 0x01, uint8 0x04, uint16 0x06, uint32 0x08, uint64 0x0A,
 * int 0x10, float 0x14, string 0x19, tlv8 and data 0x1B. */
guint8       hap_ble_format_to_gatt    (HapFormat      format);
/* FALSE for a code HAP does not use. 0x1B, shared by tlv8 and data, gives data. */
gboolean     hap_ble_format_from_gatt  (guint8         code,
                                        HapFormat     *format);
/* BT SIG unit of a model unit string ("celsius" 0x272F, "arcdegrees" 0x2763,
 * "percentage" 0x27AD, "lux" 0x2731, "seconds" 0x2703); NULL and any other string
 * (which BLE cannot express) give HAP_BLE_UNIT_UNITLESS. */
guint16      hap_ble_unit_to_gatt      (const char    *unit);
/* The model's unit string, or NULL for unitless and for codes HAP does not use. */
const char  *hap_ble_unit_from_gatt    (guint16        code);
void         hap_ble_presentation_format_build (HapFormat   format,
                                                const char *unit,
                                                guint8      out[HAP_BLE_PRESENTATION_FORMAT_LEN]);
/* Requires exactly 7 bytes, a known format code and exponent 0 (a scaled value would be
 * misread); namespace and description are not checked. @unit_code is the raw unit (pass
 * it to hap_ble_unit_from_gatt()). HAP_ERROR_INVALID_DATA otherwise. */
gboolean     hap_ble_presentation_format_parse (const guint8  *data,
                                                gsize          len,
                                                HapFormat     *format,
                                                guint16       *unit_code,
                                                GError       **error);

/* 128-bit UUIDs (docs/protocol.md §4.11): on BLE the type TLVs carry the 16 bytes of the
 * UUID in little-endian order, i.e. the canonical string's bytes reversed. */
#define HAP_BLE_UUID_LEN 16

/* Accepts what hap_uuid_normalize() accepts (a full UUID in any case, or a short Apple
 * form such as "3E"). FALSE if @uuid is not a UUID. */
gboolean  hap_ble_uuid_to_bytes    (const char    *uuid,
                                    guint8         bytes[HAP_BLE_UUID_LEN]);
/* The model's canonical form: full, uppercase ("0000003E-0000-1000-8000-0026BB765291"),
 * as hap_characteristic_get_type_uuid() returns it. */
char     *hap_ble_uuid_from_bytes  (const guint8   bytes[HAP_BLE_UUID_LEN]);
/* Full lowercase form, as BlueZ writes UUID properties ("0000003e-0000-1000-8000-
 * 0026bb765291"); NULL if @uuid is not a UUID. Parse BlueZ's strings back with
 * hap_uuid_normalize(). */
char     *hap_ble_uuid_to_gatt     (const char    *uuid);

G_END_DECLS
