/* hap-ble-value.c — HAP-BLE values, properties, presentation formats and UUID bytes
 * (docs/protocol.md §5.3–§5.5, §4.11)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-value-private.h"

#include "hap-ble-le-private.h"
#include "hap-characteristic.h"
#include "hap-error.h"

#include <math.h>
#include <string.h>

/* Values. */

gsize
hap_ble_format_get_size (HapFormat format)
{
  switch (format)
    {
    case HAP_FORMAT_BOOL:
    case HAP_FORMAT_UINT8:  return 1;
    case HAP_FORMAT_UINT16: return 2;
    case HAP_FORMAT_UINT32:
    case HAP_FORMAT_INT:
    case HAP_FORMAT_FLOAT:  return 4;
    case HAP_FORMAT_UINT64: return 8;
    case HAP_FORMAT_STRING:
    case HAP_FORMAT_TLV8:
    case HAP_FORMAT_DATA:   return 0;
    default:
      g_return_val_if_reached (0);
    }
}

gboolean
hap_ble_format_can_broadcast (HapFormat format)
{
  /* docs/protocol.md §5.10: a broadcast carries the value in 8 bytes. */
  return hap_ble_format_get_size (format) > 0;
}

static guint32
float_bits (float f)
{
  guint32 bits;

  memcpy (&bits, &f, sizeof bits);
  return bits;
}

static float
float_from_bits (guint32 bits)
{
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

GBytes *
hap_ble_value_encode (HapFormat  format,
                      GVariant  *value)
{
  guint8 buf[8];
  gsize size;

  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (format <= HAP_FORMAT_DATA, NULL);
  g_return_val_if_fail (g_variant_is_of_type (value, hap_format_get_variant_type (format)), NULL);

  switch (format)
    {
    case HAP_FORMAT_BOOL:   buf[0] = g_variant_get_boolean (value) ? 1 : 0; break;
    case HAP_FORMAT_UINT8:  buf[0] = g_variant_get_byte (value); break;
    case HAP_FORMAT_UINT16: hap_ble_put_le (buf, g_variant_get_uint16 (value), 2); break;
    case HAP_FORMAT_UINT32: hap_ble_put_le (buf, g_variant_get_uint32 (value), 4); break;
    case HAP_FORMAT_UINT64: hap_ble_put_le (buf, g_variant_get_uint64 (value), 8); break;
    case HAP_FORMAT_INT:    hap_ble_put_le (buf, (guint32) g_variant_get_int32 (value), 4); break;
    case HAP_FORMAT_FLOAT:
      /* docs/protocol.md §5.5: single precision on BLE. IEEE conversion (C11 Annex F)
       * rounds to nearest and overflows to ±infinity. */
      hap_ble_put_le (buf, float_bits ((float) g_variant_get_double (value)), 4);
      break;
    case HAP_FORMAT_STRING:
      {
        gsize len = 0;
        const char *str = g_variant_get_string (value, &len);

        return g_bytes_new (str, len);
      }
    case HAP_FORMAT_TLV8:
    case HAP_FORMAT_DATA:
      {
        gsize len = 0;
        const guint8 *bytes = g_variant_get_fixed_array (value, &len, 1);

        return g_bytes_new (bytes, len);
      }
    default:
      g_return_val_if_reached (NULL);
    }

  size = hap_ble_format_get_size (format);
  return g_bytes_new (buf, size);
}

/* The shortest decimal (at most 9 significant digits, which always suffice for a float)
 * that converts back to @f. Controllers and users think of 21.3 °C, not of
 * 21.299999237060547, and the model prints doubles in their shortest form. Not
 * hap_double_to_string(): that one is shortest for a double, this for a float. */
static double
float_to_shortest_double (float f)
{
  static const char * const formats[] = {
    "%.1g", "%.2g", "%.3g", "%.4g", "%.5g", "%.6g", "%.7g", "%.8g", "%.9g",
  };

  if (!isfinite (f))
    return (double) f;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      char text[G_ASCII_DTOSTR_BUF_SIZE];
      double d;

      g_ascii_formatd (text, sizeof text, formats[i], (double) f);
      d = g_ascii_strtod (text, NULL);
      if ((float) d == f)
        return d;
    }

  return (double) f;
}

static GVariant *
decode_fixed (HapFormat     format,
              const guint8 *data,
              GError      **error)
{
  switch (format)
    {
    case HAP_FORMAT_BOOL:
      /* docs/protocol.md §5.5: the ADK refuses anything but 0 and 1. */
      if (data[0] > 1)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "BLE bool value byte 0x%02X is neither 0 nor 1", data[0]);
          return NULL;
        }
      return g_variant_new_boolean (data[0] == 1);
    case HAP_FORMAT_UINT8:  return g_variant_new_byte (data[0]);
    case HAP_FORMAT_UINT16: return g_variant_new_uint16 ((guint16) hap_ble_get_le (data, 2));
    case HAP_FORMAT_UINT32: return g_variant_new_uint32 ((guint32) hap_ble_get_le (data, 4));
    case HAP_FORMAT_UINT64: return g_variant_new_uint64 (hap_ble_get_le (data, 8));
    case HAP_FORMAT_INT:    return g_variant_new_int32 ((gint32) (guint32) hap_ble_get_le (data, 4));
    case HAP_FORMAT_FLOAT:
      return g_variant_new_double (float_to_shortest_double (float_from_bits ((guint32) hap_ble_get_le (data, 4))));
    default:
      g_return_val_if_reached (NULL);
    }
}

GVariant *
hap_ble_value_decode (HapFormat      format,
                      const guint8  *data,
                      gsize          len,
                      GError       **error)
{
  GVariant *value;
  gsize size;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (format <= HAP_FORMAT_DATA, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  size = hap_ble_format_get_size (format);
  if (size > 0)
    {
      /* docs/protocol.md §5.5: fixed-size formats have exactly their size. */
      if (len != size)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "BLE %s value has %" G_GSIZE_FORMAT " bytes; it must have %"
                       G_GSIZE_FORMAT, hap_format_to_string (format), len, size);
          return NULL;
        }
      value = decode_fixed (format, data, error);
      return value != NULL ? g_variant_ref_sink (value) : NULL;
    }

  if (format == HAP_FORMAT_STRING)
    {
      g_autofree char *str = NULL;
      const char *end = NULL;

      /* With an explicit length g_utf8_validate_len() also refuses NUL bytes, which a
       * GVariant string cannot hold. */
      if (!g_utf8_validate_len ((const char *) data, len, &end))
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "BLE string value of %" G_GSIZE_FORMAT " bytes is not valid UTF-8 "
                       "(or holds a NUL) at byte offset %" G_GSIZE_FORMAT,
                       len, (gsize) (end - (const char *) data));
          return NULL;
        }
      /* g_strndup (NULL, 0) is NULL, and an empty GBytes has NULL data. */
      str = len > 0 ? g_strndup ((const char *) data, len) : g_strdup ("");
      return g_variant_ref_sink (g_variant_new_take_string (g_steal_pointer (&str)));
    }

  /* tlv8 and data: raw bytes. */
  return g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, len, 1));
}

/* Properties (docs/protocol.md §5.4). */

static const struct
{
  HapPerms perm;
  guint16  property;
} perm_properties[] = {
  { HAP_PERM_PAIRED_READ,     HAP_BLE_PROPERTY_SECURE_READ },
  { HAP_PERM_PAIRED_WRITE,    HAP_BLE_PROPERTY_SECURE_WRITE },
  { HAP_PERM_ADDITIONAL_AUTH, HAP_BLE_PROPERTY_ADDITIONAL_AUTH },
  { HAP_PERM_TIMED_WRITE,     HAP_BLE_PROPERTY_TIMED_WRITE },
  { HAP_PERM_HIDDEN,          HAP_BLE_PROPERTY_HIDDEN },
};

#define NOTIFY_PROPERTIES (HAP_BLE_PROPERTY_NOTIFY_CONNECTED | \
                           HAP_BLE_PROPERTY_NOTIFY_DISCONNECTED | \
                           HAP_BLE_PROPERTY_BROADCAST)

guint16
hap_ble_properties_from_perms (HapPerms  perms,
                               HapFormat format,
                               gboolean  read_without_security,
                               gboolean  write_without_security)
{
  guint16 properties = 0;

  for (guint i = 0; i < G_N_ELEMENTS (perm_properties); i++)
    {
      if (perms & perm_properties[i].perm)
        properties |= perm_properties[i].property;
    }

  if (perms & HAP_PERM_EVENTS)
    {
      properties |= HAP_BLE_PROPERTY_NOTIFY_CONNECTED | HAP_BLE_PROPERTY_NOTIFY_DISCONNECTED;
      if (hap_ble_format_can_broadcast (format))
        properties |= HAP_BLE_PROPERTY_BROADCAST;
    }

  if (read_without_security)
    properties |= HAP_BLE_PROPERTY_READ_WITHOUT_SECURITY;
  if (write_without_security)
    properties |= HAP_BLE_PROPERTY_WRITE_WITHOUT_SECURITY;

  return properties;
}

HapPerms
hap_ble_properties_to_perms (guint16 properties)
{
  HapPerms perms = HAP_PERM_NONE;

  for (guint i = 0; i < G_N_ELEMENTS (perm_properties); i++)
    {
      if (properties & perm_properties[i].property)
        perms |= perm_properties[i].perm;
    }

  if (properties & NOTIFY_PROPERTIES)
    perms |= HAP_PERM_EVENTS;

  return perms;
}

/* Presentation format (docs/protocol.md §5.5). */

#define GATT_FORMAT_OPAQUE 0x1B  /* tlv8 and data */

static const guint8 gatt_formats[] = {
  [HAP_FORMAT_BOOL]   = 0x01,
  [HAP_FORMAT_UINT8]  = 0x04,
  [HAP_FORMAT_UINT16] = 0x06,
  [HAP_FORMAT_UINT32] = 0x08,
  [HAP_FORMAT_UINT64] = 0x0A,
  [HAP_FORMAT_INT]    = 0x10,
  [HAP_FORMAT_FLOAT]  = 0x14,
  [HAP_FORMAT_STRING] = 0x19,
  [HAP_FORMAT_TLV8]   = GATT_FORMAT_OPAQUE,
  [HAP_FORMAT_DATA]   = GATT_FORMAT_OPAQUE,
};

static const struct
{
  const char *name;
  guint16     code;
} gatt_units[] = {
  { "celsius",    0x272F },
  { "arcdegrees", 0x2763 },
  { "percentage", 0x27AD },
  { "lux",        0x2731 },
  { "seconds",    0x2703 },
};

guint8
hap_ble_format_to_gatt (HapFormat format)
{
  g_return_val_if_fail (format <= HAP_FORMAT_DATA, GATT_FORMAT_OPAQUE);

  return gatt_formats[format];
}

gboolean
hap_ble_format_from_gatt (guint8     code,
                          HapFormat *format)
{
  /* tlv8 and data share one code, so the wire cannot tell them apart: report data, and
   * let a caller that knows the type (e.g. from the catalog) say tlv8. */
  if (code == GATT_FORMAT_OPAQUE)
    {
      if (format != NULL)
        *format = HAP_FORMAT_DATA;
      return TRUE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (gatt_formats); i++)
    {
      if (gatt_formats[i] == code)
        {
          if (format != NULL)
            *format = (HapFormat) i;
          return TRUE;
        }
    }

  return FALSE;
}

guint16
hap_ble_unit_to_gatt (const char *unit)
{
  for (guint i = 0; unit != NULL && i < G_N_ELEMENTS (gatt_units); i++)
    {
      if (strcmp (unit, gatt_units[i].name) == 0)
        return gatt_units[i].code;
    }

  return HAP_BLE_UNIT_UNITLESS;
}

const char *
hap_ble_unit_from_gatt (guint16 code)
{
  for (guint i = 0; i < G_N_ELEMENTS (gatt_units); i++)
    {
      if (gatt_units[i].code == code)
        return gatt_units[i].name;
    }

  return NULL;
}

void
hap_ble_presentation_format_build (HapFormat   format,
                                   const char *unit,
                                   guint8      out[HAP_BLE_PRESENTATION_FORMAT_LEN])
{
  g_return_if_fail (out != NULL);

  out[0] = hap_ble_format_to_gatt (format);
  out[1] = 0;                               /* exponent */
  hap_ble_put_le (out + 2, hap_ble_unit_to_gatt (unit), 2);
  out[4] = 1;                               /* namespace: Bluetooth SIG */
  hap_ble_put_le (out + 5, 0, 2);                   /* description */
}

gboolean
hap_ble_presentation_format_parse (const guint8  *data,
                                   gsize          len,
                                   HapFormat     *format,
                                   guint16       *unit_code,
                                   GError       **error)
{
  HapFormat parsed;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len != HAP_BLE_PRESENTATION_FORMAT_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "GATT presentation format has %" G_GSIZE_FORMAT " bytes; it must have %d",
                   len, HAP_BLE_PRESENTATION_FORMAT_LEN);
      return FALSE;
    }

  if (!hap_ble_format_from_gatt (data[0], &parsed))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "GATT presentation format code 0x%02X is not a HAP format", data[0]);
      return FALSE;
    }

  if (data[1] != 0)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "GATT presentation format has exponent %d; HAP values are unscaled",
                   (gint8) data[1]);
      return FALSE;
    }

  if (format != NULL)
    *format = parsed;
  if (unit_code != NULL)
    *unit_code = (guint16) hap_ble_get_le (data + 2, 2);
  return TRUE;
}

/* UUIDs. */

gboolean
hap_ble_uuid_to_bytes (const char *uuid,
                       guint8      bytes[HAP_BLE_UUID_LEN])
{
  g_autofree char *full = NULL;
  guint n = 0;

  g_return_val_if_fail (uuid != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  full = hap_uuid_normalize (uuid);
  if (full == NULL)
    return FALSE;

  /* docs/protocol.md §4.11: the canonical string is big-endian; BLE wants it reversed. */
  for (const char *p = full; *p != '\0'; p++)
    {
      if (*p == '-')
        continue;
      g_assert (n < 2 * HAP_BLE_UUID_LEN);
      if (n % 2 == 0)
        bytes[HAP_BLE_UUID_LEN - 1 - n / 2] = (guint8) (g_ascii_xdigit_value (*p) << 4);
      else
        bytes[HAP_BLE_UUID_LEN - 1 - n / 2] |= (guint8) g_ascii_xdigit_value (*p);
      n++;
    }

  return TRUE;
}

static char *
format_uuid (const guint8  bytes[HAP_BLE_UUID_LEN],
             gboolean      uppercase)
{
  const char *digits = uppercase ? "0123456789ABCDEF" : "0123456789abcdef";
  GString *out = g_string_sized_new (36);

  for (guint i = 0; i < HAP_BLE_UUID_LEN; i++)
    {
      guint8 b = bytes[HAP_BLE_UUID_LEN - 1 - i];

      if (i == 4 || i == 6 || i == 8 || i == 10)
        g_string_append_c (out, '-');
      g_string_append_c (out, digits[b >> 4]);
      g_string_append_c (out, digits[b & 0x0F]);
    }

  return g_string_free (out, FALSE);
}

char *
hap_ble_uuid_from_bytes (const guint8 bytes[HAP_BLE_UUID_LEN])
{
  g_return_val_if_fail (bytes != NULL, NULL);

  return format_uuid (bytes, TRUE);
}

char *
hap_ble_uuid_to_gatt (const char *uuid)
{
  guint8 bytes[HAP_BLE_UUID_LEN];

  g_return_val_if_fail (uuid != NULL, NULL);

  if (!hap_ble_uuid_to_bytes (uuid, bytes))
    return NULL;

  return format_uuid (bytes, FALSE);
}
