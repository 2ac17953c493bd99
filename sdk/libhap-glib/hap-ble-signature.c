/* hap-ble-signature.c — Characteristic Signature Read bodies (docs/protocol.md §5.3–§5.6);
 * the Service Signature ones are in hap-ble-service-signature.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-signature-private.h"

#include "hap-ble-le-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"
#include "hap-model-private.h"
#include "hap-tlv8-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* docs/protocol.md §5.3: the default string maxLen, which the valid range leaves out. */
#define DEFAULT_MAX_LEN 64
/* The model's largest string maxLen (hap_characteristic_set_max_len()). */
#define MODEL_MAX_LEN   256

static gboolean
format_is_unsigned (HapFormat format)
{
  return format >= HAP_FORMAT_UINT8 && format <= HAP_FORMAT_UINT64;
}

static guint64
unsigned_natural_max (HapFormat format)
{
  gsize size = hap_ble_format_get_size (format);

  return size == 8 ? G_MAXUINT64 : (G_GUINT64_CONSTANT (1) << (8 * size)) - 1;
}

/* An integer bound of the model (a double, NAN when unset) in [lo, hi]: minimums round
 * up and maximums down, since only integers in between are valid values. */
static double
integer_bound (double   v,
               gboolean is_min,
               double   lo,
               double   hi)
{
  if (isnan (v))
    return is_min ? lo : hi;

  v = is_min ? ceil (v) : floor (v);
  return CLAMP (v, lo, hi);
}

static guint64
double_to_unsigned (double   v,
                    guint64  natural_max)
{
  /* (double) G_MAXUINT64 is 2⁶⁴, which does not convert back: clamp first. */
  if (v >= (double) natural_max)
    return natural_max;
  return v <= 0 ? 0 : (guint64) v;
}

/* docs/protocol.md §5.3, 0x0D. */
static void
append_valid_range (GByteArray                *buf,
                    HapFormat                  format,
                    const HapValueConstraints *c)
{
  guint8 range[16];
  gsize size = hap_ble_format_get_size (format);

  if (format_is_unsigned (format))
    {
      guint64 natural = unsigned_natural_max (format);
      guint64 lo = double_to_unsigned (integer_bound (c->min_value, TRUE, 0, (double) natural), natural);
      guint64 hi = double_to_unsigned (integer_bound (c->max_value, FALSE, 0, (double) natural), natural);

      if (lo == 0 && hi == natural)
        return;
      hap_ble_put_le (range, lo, size);
      hap_ble_put_le (range + size, hi, size);
    }
  else if (format == HAP_FORMAT_INT)
    {
      gint32 lo = (gint32) integer_bound (c->min_value, TRUE, G_MININT32, G_MAXINT32);
      gint32 hi = (gint32) integer_bound (c->max_value, FALSE, G_MININT32, G_MAXINT32);

      if (lo == G_MININT32 && hi == G_MAXINT32)
        return;
      hap_ble_put_le (range, (guint32) lo, 4);
      hap_ble_put_le (range + 4, (guint32) hi, 4);
    }
  else if (format == HAP_FORMAT_FLOAT)
    {
      float lo = isnan (c->min_value) ? -INFINITY : (float) c->min_value;
      float hi = isnan (c->max_value) ? INFINITY : (float) c->max_value;
      guint32 bits;

      if (isinf (lo) && lo < 0 && isinf (hi) && hi > 0)
        return;
      memcpy (&bits, &lo, 4);
      hap_ble_put_le (range, bits, 4);
      memcpy (&bits, &hi, 4);
      hap_ble_put_le (range + 4, bits, 4);
    }
  else if (format == HAP_FORMAT_STRING)
    {
      int max_len = c->max_len < 0 ? DEFAULT_MAX_LEN : c->max_len;

      if (max_len == DEFAULT_MAX_LEN)
        return;
      /* Minimum length 0 ‖ maximum length, two LE16. */
      size = 2;
      hap_ble_put_le (range, 0, 2);
      hap_ble_put_le (range + 2, (guint64) MIN (max_len, G_MAXUINT16), 2);
    }
  else
    {
      /* bool, tlv8, data: no range. */
      return;
    }

  hap_tlv8_append (buf, HAP_BLE_PARAM_VALID_RANGE, range, 2 * size);
}

/* docs/protocol.md §5.3, 0x0E. */
static void
append_step (GByteArray                *buf,
             HapFormat                  format,
             const HapValueConstraints *c)
{
  guint8 step[8];
  gsize size = hap_ble_format_get_size (format);

  if (isnan (c->min_step))
    return;

  if (format_is_unsigned (format) || format == HAP_FORMAT_INT)
    {
      double r = round (c->min_step);

      if (r <= 1)
        return;
      if (format == HAP_FORMAT_INT)
        hap_ble_put_le (step, (guint64) MIN (r, (double) G_MAXINT32), size);
      else
        hap_ble_put_le (step, double_to_unsigned (r, unsigned_natural_max (format)), size);
    }
  else if (format == HAP_FORMAT_FLOAT)
    {
      float f = (float) c->min_step;
      guint32 bits;

      if (f == 0)
        return;
      memcpy (&bits, &f, 4);
      hap_ble_put_le (step, bits, 4);
    }
  else
    {
      return;
    }

  hap_tlv8_append (buf, HAP_BLE_PARAM_STEP_VALUE, step, size);
}

static int
compare_int (const void *a,
             const void *b)
{
  int x = *(const int *) a, y = *(const int *) b;

  return (x > y) - (x < y);
}

/* docs/protocol.md §5.3, 0x11 and 0x12: bytes, so only for uint8 characteristics. */
static void
append_valid_values (GByteArray                *buf,
                     HapFormat                  format,
                     const HapValueConstraints *c)
{
  if (format != HAP_FORMAT_UINT8)
    return;

  if (c->valid_values != NULL && c->valid_values->len > 0)
    {
      g_autofree int *sorted = g_memdup2 (c->valid_values->data, c->valid_values->len * sizeof (int));
      g_autoptr(GByteArray) values = g_byte_array_new ();

      qsort (sorted, c->valid_values->len, sizeof (int), compare_int);
      for (guint i = 0; i < c->valid_values->len; i++)
        {
          guint8 v = (guint8) sorted[i];

          if (sorted[i] < 0 || sorted[i] > G_MAXUINT8)
            continue;
          if (values->len > 0 && values->data[values->len - 1] == v)
            continue;
          g_byte_array_append (values, &v, 1);
        }
      if (values->len > 0)
        hap_tlv8_append (buf, HAP_BLE_PARAM_VALID_VALUES, values->data, values->len);
    }

  if (c->valid_ranges != NULL && c->valid_ranges->len >= 2)
    {
      guint n = c->valid_ranges->len / 2;
      g_autofree int *pairs = g_memdup2 (c->valid_ranges->data, 2 * n * sizeof (int));
      g_autoptr(GByteArray) ranges = g_byte_array_new ();

      /* Pairs sort by their start: compare_int on the first int of each pair. */
      qsort (pairs, n, 2 * sizeof (int), compare_int);
      for (guint i = 0; i < n; i++)
        {
          int start = pairs[2 * i], end = pairs[2 * i + 1];
          guint8 pair[2];

          if (start < 0 || end > G_MAXUINT8 || start > end)
            continue;
          pair[0] = (guint8) start;
          pair[1] = (guint8) end;
          g_byte_array_append (ranges, pair, 2);
        }
      if (ranges->len > 0)
        hap_tlv8_append (buf, HAP_BLE_PARAM_VALID_VALUES_RANGE, ranges->data, ranges->len);
    }
}

static void
append_uuid (GByteArray *buf,
             guint8      type,
             const char *uuid)
{
  guint8 bytes[HAP_BLE_UUID_LEN];

  /* The model only stores UUIDs that hap_uuid_normalize() accepted. */
  if (!hap_ble_uuid_to_bytes (uuid, bytes))
    g_return_if_reached ();
  hap_tlv8_append (buf, type, bytes, sizeof bytes);
}

GBytes *
hap_ble_characteristic_signature_build (HapCharacteristic *characteristic,
                                        guint16            properties)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  const HapValueConstraints *c;
  HapService *service;
  HapFormat format;
  const char *description;
  guint8 presentation[HAP_BLE_PRESENTATION_FORMAT_LEN];

  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (characteristic), NULL);
  service = hap_characteristic_get_service (characteristic);
  g_return_val_if_fail (service != NULL, NULL);
  g_return_val_if_fail (hap_characteristic_get_iid (characteristic) <= G_MAXUINT16, NULL);
  g_return_val_if_fail (hap_service_get_iid (service) <= G_MAXUINT16, NULL);

  format = hap_characteristic_get_format (characteristic);
  c = _hap_characteristic_get_constraints (characteristic);

  append_uuid (buf, HAP_BLE_PARAM_CHARACTERISTIC_TYPE, hap_characteristic_get_type_uuid (characteristic));
  hap_ble_tlv_append_le16 (buf, HAP_BLE_PARAM_SERVICE_IID, (guint16) hap_service_get_iid (service));
  append_uuid (buf, HAP_BLE_PARAM_SERVICE_TYPE, hap_service_get_type_uuid (service));
  hap_ble_tlv_append_le16 (buf, HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES, properties);

  description = hap_characteristic_get_description (characteristic);
  if (description != NULL && description[0] != '\0')
    hap_tlv8_append_string (buf, HAP_BLE_PARAM_USER_DESCRIPTION, description);

  hap_ble_presentation_format_build (format, hap_characteristic_get_unit (characteristic), presentation);
  hap_tlv8_append (buf, HAP_BLE_PARAM_PRESENTATION_FORMAT, presentation, sizeof presentation);

  append_valid_range (buf, format, c);
  append_step (buf, format, c);
  append_valid_values (buf, format, c);

  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

/* Parsing (controller side). */

static gboolean
invalid (GError    **error,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError    **error,
         const char *format,
         ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;

  va_start (args, format);
  *error = g_error_new_valist (HAP_ERROR, HAP_ERROR_INVALID_DATA, format, args);
  va_end (args);
  return FALSE;
}

/* A required item of exactly @size bytes. */
static const guint8 *
get_required (HapTlv8     *tlv,
              guint8       type,
              gsize        size,
              const char  *name,
              GError     **error)
{
  gsize len = 0;
  const guint8 *value = hap_tlv8_get (tlv, type, &len);

  if (value == NULL)
    {
      invalid (error, "Characteristic signature lacks its %s (type 0x%02X)", name, type);
      return NULL;
    }
  if (len != size)
    {
      invalid (error, "Characteristic signature %s (type 0x%02X) has %" G_GSIZE_FORMAT
               " bytes; it must have %" G_GSIZE_FORMAT, name, type, len, size);
      return NULL;
    }
  return value;
}

/* One number of @format from @data (whose size the caller checked) as a double. */
static double
number_from_bytes (HapFormat     format,
                   const guint8 *data)
{
  g_autoptr(GVariant) value = hap_ble_value_decode (format, data, hap_ble_format_get_size (format), NULL);
  double number;

  if (value == NULL || !hap_variant_get_number (value, &number))
    g_return_val_if_reached (NAN);
  return number;
}

static gboolean
format_is_number (HapFormat format)
{
  return format_is_unsigned (format) || format == HAP_FORMAT_INT || format == HAP_FORMAT_FLOAT;
}

static gboolean
parse_valid_range (HapTlv8                        *tlv,
                   HapBleCharacteristicSignature  *sig,
                   GError                        **error)
{
  const char *name = hap_format_to_string (sig->format);
  gsize size = hap_ble_format_get_size (sig->format);
  gsize len = 0;
  const guint8 *range = hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_RANGE, &len);
  double lo, hi;

  if (range == NULL)
    return TRUE;

  if (sig->format == HAP_FORMAT_STRING)
    {
      /* docs/protocol.md §5.3: LE16 minimum length (0) ‖ LE16 maximum length. */
      if (len != 4)
        return invalid (error, "String valid range (type 0x0D) has %" G_GSIZE_FORMAT
                        " bytes; it must have 4", len);
      sig->max_len = (int) hap_ble_get_le (range + 2, 2);
      if (sig->max_len == 0)
        return invalid (error, "String valid range (type 0x0D) gives a maximum length of 0");
      return TRUE;
    }

  if (!format_is_number (sig->format))
    return invalid (error, "A %s characteristic cannot have a valid range (type 0x0D)", name);

  if (len != 2 * size)
    return invalid (error, "%s valid range (type 0x0D) has %" G_GSIZE_FORMAT " bytes; it "
                    "must have %" G_GSIZE_FORMAT, name, len, 2 * size);

  lo = number_from_bytes (sig->format, range);
  hi = number_from_bytes (sig->format, range + size);
  if (isnan (lo) || isnan (hi))
    return invalid (error, "Float valid range (type 0x0D) holds a NaN");
  if (lo > hi)
    return invalid (error, "%s valid range (type 0x0D) has its minimum above its maximum", name);

  /* An infinite float bound is no bound. */
  sig->min_value = isinf (lo) ? NAN : lo;
  sig->max_value = isinf (hi) ? NAN : hi;
  return TRUE;
}

static gboolean
parse_step (HapTlv8                        *tlv,
            HapBleCharacteristicSignature  *sig,
            GError                        **error)
{
  const char *name = hap_format_to_string (sig->format);
  gsize size = hap_ble_format_get_size (sig->format);
  gsize len = 0;
  const guint8 *step = hap_tlv8_get (tlv, HAP_BLE_PARAM_STEP_VALUE, &len);
  double v;

  if (step == NULL)
    return TRUE;

  if (!format_is_number (sig->format))
    return invalid (error, "A %s characteristic cannot have a step value (type 0x0E)", name);
  if (len != size)
    return invalid (error, "%s step value (type 0x0E) has %" G_GSIZE_FORMAT " bytes; it must "
                    "have %" G_GSIZE_FORMAT, name, len, size);

  v = number_from_bytes (sig->format, step);
  if (!isfinite (v) || v < 0)
    return invalid (error, "%s step value (type 0x0E) is negative or not finite", name);

  sig->min_step = v > 0 ? v : NAN;
  return TRUE;
}

static gboolean
parse_valid_values (HapTlv8                        *tlv,
                    HapBleCharacteristicSignature  *sig,
                    GError                        **error)
{
  gsize values_len = 0, ranges_len = 0;
  const guint8 *values = hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_VALUES, &values_len);
  const guint8 *ranges = hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_VALUES_RANGE, &ranges_len);
  gboolean integer = format_is_unsigned (sig->format) || sig->format == HAP_FORMAT_INT;

  if ((values != NULL || ranges != NULL) && !integer)
    return invalid (error, "A %s characteristic cannot have valid values (types 0x11, 0x12)",
                    hap_format_to_string (sig->format));

  if (values != NULL && values_len > 0)
    {
      sig->valid_values = g_array_sized_new (FALSE, FALSE, sizeof (int), (guint) values_len);
      for (gsize i = 0; i < values_len; i++)
        {
          int v = values[i];
          g_array_append_val (sig->valid_values, v);
        }
    }

  if (ranges != NULL && ranges_len > 0)
    {
      if (ranges_len % 2 != 0)
        return invalid (error, "Valid value ranges (type 0x12) have an odd length (%"
                        G_GSIZE_FORMAT ")", ranges_len);
      sig->valid_ranges = g_array_sized_new (FALSE, FALSE, sizeof (int), (guint) ranges_len);
      for (gsize i = 0; i < ranges_len; i += 2)
        {
          int pair[2] = { ranges[i], ranges[i + 1] };

          if (pair[0] > pair[1])
            return invalid (error, "Valid value range %d-%d (type 0x12) is reversed",
                            pair[0], pair[1]);
          g_array_append_vals (sig->valid_ranges, pair, 2);
        }
    }

  return TRUE;
}

static gboolean
parse_description (HapTlv8                        *tlv,
                   HapBleCharacteristicSignature  *sig,
                   GError                        **error)
{
  gsize len = 0;
  const guint8 *text = hap_tlv8_get (tlv, HAP_BLE_PARAM_USER_DESCRIPTION, &len);

  if (text == NULL)
    return TRUE;

  if (!g_utf8_validate_len ((const char *) text, len, NULL))
    return invalid (error, "User description (type 0x0B) is not UTF-8 text");

  sig->description = g_strndup ((const char *) text, len);
  return TRUE;
}

gboolean
hap_ble_characteristic_signature_parse (const guint8                  *body,
                                        gsize                          len,
                                        HapBleCharacteristicSignature *signature,
                                        GError                       **error)
{
  g_autoptr(HapTlv8) tlv = NULL;
  const guint8 *type, *service_iid, *service_type, *properties, *presentation;

  g_return_val_if_fail (body != NULL || len == 0, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (signature, 0, sizeof *signature);
  signature->min_value = NAN;
  signature->max_value = NAN;
  signature->min_step = NAN;
  signature->max_len = -1;

  tlv = hap_tlv8_parse (body, len, error);
  if (tlv == NULL)
    return FALSE;

  if (!(type = get_required (tlv, HAP_BLE_PARAM_CHARACTERISTIC_TYPE, HAP_BLE_UUID_LEN,
                             "characteristic type", error)) ||
      !(service_iid = get_required (tlv, HAP_BLE_PARAM_SERVICE_IID, 2,
                                    "service instance ID", error)) ||
      !(service_type = get_required (tlv, HAP_BLE_PARAM_SERVICE_TYPE, HAP_BLE_UUID_LEN,
                                     "service type", error)) ||
      !(properties = get_required (tlv, HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES, 2,
                                   "properties", error)) ||
      !(presentation = get_required (tlv, HAP_BLE_PARAM_PRESENTATION_FORMAT,
                                     HAP_BLE_PRESENTATION_FORMAT_LEN,
                                     "presentation format", error)))
    return FALSE;

  signature->type_uuid = hap_ble_uuid_from_bytes (type);
  signature->service_iid = (guint16) hap_ble_get_le (service_iid, 2);
  signature->service_type_uuid = hap_ble_uuid_from_bytes (service_type);
  signature->properties = (guint16) hap_ble_get_le (properties, 2);

  if (!hap_ble_presentation_format_parse (presentation, HAP_BLE_PRESENTATION_FORMAT_LEN,
                                          &signature->format, &signature->unit_code, error))
    return FALSE;
  signature->unit = hap_ble_unit_from_gatt (signature->unit_code);

  /* tlv8 and data share a format code; the catalog knows which one a standard type is. */
  if (signature->format == HAP_FORMAT_DATA)
    {
      const HapCharacteristicType *catalog = hap_catalog_lookup_characteristic (signature->type_uuid);

      if (catalog != NULL && catalog->format == HAP_FORMAT_TLV8)
        signature->format = HAP_FORMAT_TLV8;
    }

  return parse_description (tlv, signature, error) &&
         parse_valid_range (tlv, signature, error) &&
         parse_step (tlv, signature, error) &&
         parse_valid_values (tlv, signature, error);
}

void
hap_ble_characteristic_signature_clear (HapBleCharacteristicSignature *signature)
{
  g_return_if_fail (signature != NULL);

  g_clear_pointer (&signature->type_uuid, g_free);
  g_clear_pointer (&signature->service_type_uuid, g_free);
  g_clear_pointer (&signature->description, g_free);
  g_clear_pointer (&signature->valid_values, g_array_unref);
  g_clear_pointer (&signature->valid_ranges, g_array_unref);
}

HapCharacteristic *
hap_ble_characteristic_signature_create (const HapBleCharacteristicSignature *signature,
                                         guint16                              iid)
{
  HapCharacteristic *characteristic;

  g_return_val_if_fail (signature != NULL, NULL);
  g_return_val_if_fail (signature->type_uuid != NULL, NULL);

  characteristic = hap_characteristic_new_custom (signature->type_uuid, signature->format,
                                                  hap_ble_properties_to_perms (signature->properties));
  hap_characteristic_set_iid (characteristic, iid);
  hap_characteristic_set_unit (characteristic, signature->unit);
  if (signature->description != NULL)
    hap_characteristic_set_description (characteristic, signature->description);

  if (!isnan (signature->min_value))
    hap_characteristic_set_min_value (characteristic, signature->min_value);
  if (!isnan (signature->max_value))
    hap_characteristic_set_max_value (characteristic, signature->max_value);
  if (!isnan (signature->min_step))
    hap_characteristic_set_min_step (characteristic, signature->min_step);
  if (signature->max_len > 0)
    hap_characteristic_set_max_len (characteristic, MIN (signature->max_len, MODEL_MAX_LEN));
  if (signature->valid_values != NULL)
    hap_characteristic_set_valid_values (characteristic,
                                         (const int *) signature->valid_values->data,
                                         signature->valid_values->len);
  if (signature->valid_ranges != NULL)
    hap_characteristic_set_valid_values_range (characteristic,
                                               (const int *) signature->valid_ranges->data,
                                               signature->valid_ranges->len / 2);

  return characteristic;
}
