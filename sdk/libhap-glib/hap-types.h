/* hap-types.h — enums and forward declarations shared by the libhap-glib model
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib-object.h>
#include "hap-version.h"

G_BEGIN_DECLS

typedef struct _HapAccessory       HapAccessory;
typedef struct _HapService         HapService;
typedef struct _HapCharacteristic  HapCharacteristic;
typedef struct _HapAccessoryServer HapAccessoryServer;

/**
 * HapFormat:
 * @HAP_FORMAT_BOOL: `bool`: a boolean, as a #GVariant of type `b`
 * @HAP_FORMAT_UINT8: `uint8`: `y`
 * @HAP_FORMAT_UINT16: `uint16`: `q`
 * @HAP_FORMAT_UINT32: `uint32`: `u`
 * @HAP_FORMAT_UINT64: `uint64`: `t`
 * @HAP_FORMAT_INT: `int`, a signed 32-bit integer: `i`
 * @HAP_FORMAT_FLOAT: `float`: `d`
 * @HAP_FORMAT_STRING: `string`, UTF-8: `s`
 * @HAP_FORMAT_TLV8: `tlv8`, bytes that are base64 in JSON: `ay`
 * @HAP_FORMAT_DATA: `data`, bytes that are base64 in JSON: `ay`
 *
 * The value format of a characteristic (HAP specification, "Characteristic Value
 * Formats"). hap_format_get_variant_type() gives the #GVariantType each one is held in.
 */
typedef enum
{
  HAP_FORMAT_BOOL,
  HAP_FORMAT_UINT8,
  HAP_FORMAT_UINT16,
  HAP_FORMAT_UINT32,
  HAP_FORMAT_UINT64,
  HAP_FORMAT_INT,
  HAP_FORMAT_FLOAT,
  HAP_FORMAT_STRING,
  HAP_FORMAT_TLV8,
  HAP_FORMAT_DATA,
} HapFormat;

/**
 * HapPerms:
 * @HAP_PERM_NONE: no permission
 * @HAP_PERM_PAIRED_READ: `pr`: paired controllers may read the value
 * @HAP_PERM_PAIRED_WRITE: `pw`: paired controllers may write it
 * @HAP_PERM_EVENTS: `ev`: controllers may subscribe to changes
 * @HAP_PERM_ADDITIONAL_AUTH: `aa`: writes carry additional authorization data
 * @HAP_PERM_TIMED_WRITE: `tw`: writes must be timed writes
 * @HAP_PERM_HIDDEN: `hd`: hidden from users
 * @HAP_PERM_WRITE_RESPONSE: `wr`: a write may return a value
 * @HAP_PERM_ADMIN_ONLY: only admin controllers may read or write (the catalog's
 *   `adminOnlyAccess`; never written as a permission string)
 *
 * What controllers may do with a characteristic (HAP specification, "Characteristic
 * Permissions").
 */
typedef enum /*< flags >*/
{
  HAP_PERM_NONE            = 0,
  HAP_PERM_PAIRED_READ     = 1 << 0,
  HAP_PERM_PAIRED_WRITE    = 1 << 1,
  HAP_PERM_EVENTS          = 1 << 2,
  HAP_PERM_ADDITIONAL_AUTH = 1 << 3,
  HAP_PERM_TIMED_WRITE     = 1 << 4,
  HAP_PERM_HIDDEN          = 1 << 5,
  HAP_PERM_WRITE_RESPONSE  = 1 << 6,
  HAP_PERM_ADMIN_ONLY      = 1 << 7,
} HapPerms;

/**
 * HapTransportFlags:
 * @HAP_TRANSPORT_IP: HAP over IP: TCP, HTTP, DNS-SD `_hap._tcp` (the default)
 * @HAP_TRANSPORT_BLE: HAP over Bluetooth LE through BlueZ (GATT, advertisements)
 *
 * The transports an accessory is served on. Both at once share one identity, one set of
 * pairings and one database.
 */
typedef enum /*< flags >*/
{
  HAP_TRANSPORT_IP  = 1 << 0,
  HAP_TRANSPORT_BLE = 1 << 1,
} HapTransportFlags;

/**
 * hap_format_to_string:
 * @format: a format
 *
 * Gives the name HAP's JSON uses for @format.
 *
 * Returns: the name ("bool", "uint8", "string" …)
 */
HAP_AVAILABLE_IN_ALL
const char *hap_format_to_string   (HapFormat    format);
/**
 * hap_format_from_string:
 * @name: a format name as HAP's JSON writes it ("uint8")
 * @format: (out): the format
 *
 * Looks up a format by its JSON name.
 *
 * Returns: %FALSE for an unknown name
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_format_from_string (const char  *name,
                                    HapFormat   *format);
/**
 * hap_perm_from_string:
 * @name: one permission string of HAP's JSON ("pr", "pw", "ev", "aa", "tw", "hd", "wr")
 * @perm: (out): the matching single flag
 *
 * Looks up one permission by its JSON string.
 *
 * Returns: %FALSE for an unknown permission string
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_perm_from_string   (const char  *name,
                                    HapPerms    *perm);

/**
 * hap_uuid_to_short:
 * @uuid: a full UUID ("00000043-0000-1000-8000-0026BB765291")
 *
 * Shortens a UUID the way HAP's JSON writes types: Apple's base UUID becomes its short
 * hexadecimal form ("43"), any other UUID is given in full, in uppercase.
 *
 * Returns: (transfer full): the short form; free with g_free()
 */
HAP_AVAILABLE_IN_ALL
char       *hap_uuid_to_short      (const char  *uuid);
/**
 * hap_uuid_normalize:
 * @text: a short Apple form ("43", "0043") or a full UUID in any case
 *
 * Expands and uppercases a type UUID.
 *
 * Returns: (transfer full) (nullable): the full uppercase UUID, or %NULL if @text is
 *   not a UUID
 */
HAP_AVAILABLE_IN_ALL
char       *hap_uuid_normalize     (const char  *text);

/**
 * hap_variant_get_number:
 * @value: a #GVariant of any type
 * @number: (out) (optional): @value as a double
 *
 * Reads a numeric #GVariant (a byte, a 16-, 32- or 64-bit integer or a double) as a
 * double. Integers beyond 2^53 round to the nearest double; booleans and text are not
 * numbers here.
 *
 * Returns: %TRUE if @value is numeric; otherwise @number is left alone
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_variant_get_number (GVariant    *value,
                                    double      *number);
/**
 * hap_double_to_string:
 * @value: a double
 *
 * Formats @value in the shortest `%g` form that g_ascii_strtod() reads back as the
 * same double: "0.1" rather than "0.10000000000000001", "1e-07", "21.5"; whole
 * numbers below 2^53 in plain digits ("100", not "1e+02"). The decimal point is always '.', whatever the locale. NaN and the infinities become
 * "nan", "inf" and "-inf".
 *
 * Returns: (transfer full): the text; free with g_free()
 */
HAP_AVAILABLE_IN_ALL
char       *hap_double_to_string   (double       value);

G_END_DECLS
