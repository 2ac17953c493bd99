/* hap-types.c — value formats, permission strings and UUID forms
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-types.h"
#include "hap-error.h"
#include "hap-json-reader.h"
#include "hap-model-private.h"

#include <math.h>
#include <string.h>

/* docs/protocol.md §4.11: Apple-defined types are 0000XXXX-0000-1000-8000-0026BB765291. */
#define APPLE_UUID_SUFFIX "-0000-1000-8000-0026BB765291"
#define UUID_LENGTH 36

/* docs/protocol.md §4.7: string maxLen defaults to 64 (bytes, as the ADK counts them);
 * data maxDataLen defaults to 2097152. */
#define DEFAULT_MAX_LEN       64
#define DEFAULT_MAX_DATA_LEN  2097152

/* A float is on the minStep grid when (value - min) / step is this close to a whole
 * number: controllers send decimal text such as 21.3 whose binary value is slightly off
 * the grid, and some round-trip it through IEEE single precision (§4.7). */
#define STEP_EPSILON 1e-4

/* Integers up to 2^53 are exact in a double. */
#define MAX_EXACT_INTEGER 9007199254740992.0

static const char * const format_names[] = {
  [HAP_FORMAT_BOOL]   = "bool",
  [HAP_FORMAT_UINT8]  = "uint8",
  [HAP_FORMAT_UINT16] = "uint16",
  [HAP_FORMAT_UINT32] = "uint32",
  [HAP_FORMAT_UINT64] = "uint64",
  [HAP_FORMAT_INT]    = "int",
  [HAP_FORMAT_FLOAT]  = "float",
  [HAP_FORMAT_STRING] = "string",
  [HAP_FORMAT_TLV8]   = "tlv8",
  [HAP_FORMAT_DATA]   = "data",
};

static const struct {
  const char *name;
  HapPerms    perm;
} perm_names[] = {
  { "pr", HAP_PERM_PAIRED_READ },
  { "pw", HAP_PERM_PAIRED_WRITE },
  { "ev", HAP_PERM_EVENTS },
  { "aa", HAP_PERM_ADDITIONAL_AUTH },
  { "tw", HAP_PERM_TIMED_WRITE },
  { "hd", HAP_PERM_HIDDEN },
  { "wr", HAP_PERM_WRITE_RESPONSE },
};

const char *
hap_format_to_string (HapFormat format)
{
  if ((guint) format >= G_N_ELEMENTS (format_names))
    return NULL;

  return format_names[format];
}

gboolean
hap_format_from_string (const char *name,
                        HapFormat  *format)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    {
      if (strcmp (name, format_names[i]) == 0)
        {
          if (format != NULL)
            *format = (HapFormat) i;
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
hap_perm_from_string (const char *name,
                      HapPerms   *perm)
{
  g_return_val_if_fail (name != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (perm_names); i++)
    {
      if (strcmp (name, perm_names[i].name) == 0)
        {
          if (perm != NULL)
            *perm = perm_names[i].perm;
          return TRUE;
        }
    }

  return FALSE;
}

const GVariantType *
hap_format_get_variant_type (HapFormat format)
{
  switch (format)
    {
    case HAP_FORMAT_BOOL:   return G_VARIANT_TYPE_BOOLEAN;
    case HAP_FORMAT_UINT8:  return G_VARIANT_TYPE_BYTE;
    case HAP_FORMAT_UINT16: return G_VARIANT_TYPE_UINT16;
    case HAP_FORMAT_UINT32: return G_VARIANT_TYPE_UINT32;
    case HAP_FORMAT_UINT64: return G_VARIANT_TYPE_UINT64;
    case HAP_FORMAT_INT:    return G_VARIANT_TYPE_INT32;
    case HAP_FORMAT_FLOAT:  return G_VARIANT_TYPE_DOUBLE;
    case HAP_FORMAT_STRING: return G_VARIANT_TYPE_STRING;
    case HAP_FORMAT_TLV8:
    case HAP_FORMAT_DATA:   return G_VARIANT_TYPE_BYTESTRING;
    default:
      g_return_val_if_reached (NULL);
    }
}

static gboolean
is_full_uuid (const char *text)
{
  if (strlen (text) != UUID_LENGTH)
    return FALSE;

  for (guint i = 0; i < UUID_LENGTH; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isxdigit (text[i]))
        return FALSE;
    }

  return TRUE;
}

char *
hap_uuid_normalize (const char *text)
{
  gsize len;

  g_return_val_if_fail (text != NULL, NULL);

  if (is_full_uuid (text))
    return g_ascii_strup (text, -1);

  /* Short Apple form: the first 32-bit group, 1–8 hex digits (docs/protocol.md §4.11). */
  len = strlen (text);
  if (len == 0 || len > 8)
    return NULL;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isxdigit (text[i]))
        return NULL;
    }

  return g_strdup_printf ("%08" G_GINT64_MODIFIER "X" APPLE_UUID_SUFFIX,
                          g_ascii_strtoull (text, NULL, 16));
}

char *
hap_uuid_to_short (const char *uuid)
{
  g_autofree char *full = NULL;
  const char *p;

  g_return_val_if_fail (uuid != NULL, NULL);

  full = hap_uuid_normalize (uuid);
  if (full == NULL)
    return NULL;

  if (strcmp (full + 8, APPLE_UUID_SUFFIX) != 0)
    return g_steal_pointer (&full);

  /* "0000003E" → "3E", "00000000" → "0". */
  full[8] = '\0';
  for (p = full; *p == '0' && p[1] != '\0'; p++)
    ;

  return g_strdup (p);
}

/* Values: defaults, validation and JSON input per format. */

static gboolean
format_is_integer (HapFormat format)
{
  return format >= HAP_FORMAT_UINT8 && format <= HAP_FORMAT_INT;
}

static void
format_limits (HapFormat  format,
               double    *lo,
               double    *hi)
{
  switch (format)
    {
    case HAP_FORMAT_UINT8:  *lo = 0; *hi = G_MAXUINT8; break;
    case HAP_FORMAT_UINT16: *lo = 0; *hi = G_MAXUINT16; break;
    case HAP_FORMAT_UINT32: *lo = 0; *hi = G_MAXUINT32; break;
    /* The largest double below 2^64: (double) G_MAXUINT64 rounds up to 2^64, which
     * does not convert back to a guint64. */
    case HAP_FORMAT_UINT64: *lo = 0; *hi = 18446744073709549568.0; break;
    case HAP_FORMAT_INT:    *lo = G_MININT32; *hi = G_MAXINT32; break;
    default:                *lo = -G_MAXDOUBLE; *hi = G_MAXDOUBLE; break;
    }
}

gboolean
hap_variant_get_number (GVariant *value,
                        double   *number)
{
  double v;

  g_return_val_if_fail (value != NULL, FALSE);

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BYTE:   v = g_variant_get_byte (value); break;
    case G_VARIANT_CLASS_INT16:  v = g_variant_get_int16 (value); break;
    case G_VARIANT_CLASS_UINT16: v = g_variant_get_uint16 (value); break;
    case G_VARIANT_CLASS_INT32:  v = g_variant_get_int32 (value); break;
    case G_VARIANT_CLASS_UINT32: v = g_variant_get_uint32 (value); break;
    case G_VARIANT_CLASS_INT64:  v = (double) g_variant_get_int64 (value); break;
    case G_VARIANT_CLASS_UINT64: v = (double) g_variant_get_uint64 (value); break;
    case G_VARIANT_CLASS_DOUBLE: v = g_variant_get_double (value); break;
    default:                     return FALSE;
    }
  if (number != NULL)
    *number = v;
  return TRUE;
}

const char *
_hap_format_decimal (guint64 value,
                     char    buf[HAP_DECIMAL_DIGITS])
{
  char *p = buf + HAP_DECIMAL_DIGITS;

  do
    *--p = (char) ('0' + value % 10);
  while ((value /= 10) != 0);
  return p;
}

void
_hap_string_append_uint64 (GString *out,
                           guint64  value)
{
  char buf[HAP_DECIMAL_DIGITS];
  const char *digits = _hap_format_decimal (value, buf);

  g_string_append_len (out, digits, buf + sizeof buf - digits);
}

void
_hap_string_append_int64 (GString *out,
                          gint64   value)
{
  if (value < 0)
    {
      g_string_append_c (out, '-');
      /* Negated as unsigned: -G_MININT64 does not fit a gint64. */
      _hap_string_append_uint64 (out, -(guint64) value);
      return;
    }
  _hap_string_append_uint64 (out, (guint64) value);
}

char *
hap_double_to_string (double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Whole numbers in digits: the shortest %g of 100 is 1e+02. Below 2^53 every whole
   * double is exact in "%.0f". */
  if (value == floor (value) && fabs (value) < 9007199254740992.0)
    return g_strdup_printf ("%.0f", value);

  /* 17 significant digits always read back exactly; fewer usually do, and the fewest
   * are what a person wrote (0.1, not 0.10000000000000001). */
  for (int precision = 1; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, value);
      if (!isfinite (value) || g_ascii_strtod (buf, NULL) == value)
        break;
    }
  return g_strdup (buf);
}

/* Numeric value as a double (exact below 2^53, which covers every catalog bound);
 * callers have checked the value against its numeric format. */
static double
number_get (GVariant *value)
{
  double v = 0;

  hap_variant_get_number (value, &v);
  return v;
}

/* @v must already lie within the format's limits. */
static GVariant *
number_new (HapFormat format,
            double    v)
{
  switch (format)
    {
    case HAP_FORMAT_UINT8:  return g_variant_new_byte ((guint8) v);
    case HAP_FORMAT_UINT16: return g_variant_new_uint16 ((guint16) v);
    case HAP_FORMAT_UINT32: return g_variant_new_uint32 ((guint32) v);
    case HAP_FORMAT_UINT64: return g_variant_new_uint64 ((guint64) v);
    case HAP_FORMAT_INT:    return g_variant_new_int32 ((gint32) v);
    default:                return g_variant_new_double (v);
    }
}

static char *
format_number (double v)
{
  GString *s = g_string_new (NULL);

  hap_json_append_double (s, v);
  return g_string_free (s, FALSE);
}

static gboolean
valid_values_contain (const HapValueConstraints *c,
                      double                     v)
{
  for (guint i = 0; i < c->valid_values->len; i++)
    {
      if (g_array_index (c->valid_values, int, i) == v)
        return TRUE;
    }
  return FALSE;
}

static gboolean
valid_ranges_contain (const HapValueConstraints *c,
                      double                     v)
{
  for (guint i = 0; i + 1 < c->valid_ranges->len; i += 2)
    {
      if (v >= g_array_index (c->valid_ranges, int, i) &&
          v <= g_array_index (c->valid_ranges, int, i + 1))
        return TRUE;
    }
  return FALSE;
}

static char *
describe_int_array (GArray     *array,
                    gboolean    pairs)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < array->len; i += pairs ? 2 : 1)
    {
      if (i > 0)
        g_string_append (s, ", ");
      if (pairs && i + 1 < array->len)
        g_string_append_printf (s, "[%d, %d]", g_array_index (array, int, i),
                                g_array_index (array, int, i + 1));
      else
        g_string_append_printf (s, "%d", g_array_index (array, int, i));
    }
  return g_string_free (s, FALSE);
}

/* 0, FALSE, "" or empty bytes, moved into [minValue, maxValue], onto the minStep grid
 * and onto the valid values, so that a fresh characteristic's value always validates. */
GVariant *
_hap_value_default (HapFormat                  format,
                    const HapValueConstraints *c)
{
  double v = 0, lo, hi;

  switch (format)
    {
    case HAP_FORMAT_BOOL:
      return g_variant_ref_sink (g_variant_new_boolean (FALSE));
    case HAP_FORMAT_STRING:
      return g_variant_ref_sink (g_variant_new_string (""));
    case HAP_FORMAT_TLV8:
    case HAP_FORMAT_DATA:
      return g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1));
    default:
      break;
    }

  if (!isnan (c->min_value) && v < c->min_value)
    v = c->min_value;
  if (!isnan (c->max_value) && v > c->max_value)
    v = c->max_value;
  if (!isnan (c->min_step) && c->min_step > 0)
    {
      double base = isnan (c->min_value) ? 0 : c->min_value;
      double k = (v - base) / c->min_step;

      if (fabs (k - round (k)) > STEP_EPSILON)
        {
          v = base + ceil (k) * c->min_step;
          if (!isnan (c->max_value) && v > c->max_value)
            v = base + floor (k) * c->min_step;
        }
    }
  if (c->valid_values != NULL && c->valid_values->len > 0 && !valid_values_contain (c, v))
    v = g_array_index (c->valid_values, int, 0);
  if (c->valid_ranges != NULL && c->valid_ranges->len >= 2 && !valid_ranges_contain (c, v))
    v = g_array_index (c->valid_ranges, int, 0);

  format_limits (format, &lo, &hi);
  if (format_is_integer (format))
    v = ceil (v);
  v = CLAMP (v, lo, hi);

  return g_variant_ref_sink (number_new (format, v));
}

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
  *error = g_error_new_valist (HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE, format, args);
  va_end (args);

  return FALSE;
}

static gboolean
validate_number (HapFormat                  format,
                 const HapValueConstraints *c,
                 GVariant                  *value,
                 GError                   **error)
{
  g_autofree char *text = NULL;
  double v = number_get (value);

  if (!isfinite (v))
    return invalid (error, "value is not a finite number");

  text = format_number (v);
  if (format == HAP_FORMAT_UINT64)
    {
      /* Print large uint64 values exactly rather than through a double. */
      g_free (text);
      text = g_strdup_printf ("%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
    }

  if (!isnan (c->min_value) && v < c->min_value)
    {
      g_autofree char *bound = format_number (c->min_value);
      return invalid (error, "value %s is below minValue %s", text, bound);
    }

  if (!isnan (c->max_value) && v > c->max_value)
    {
      g_autofree char *bound = format_number (c->max_value);
      return invalid (error, "value %s is above maxValue %s", text, bound);
    }

  /* Valid values are minValue + k·minStep (k ≥ 0 when minValue is set, since smaller
   * values were refused above). Whole steps on integer formats are checked exactly,
   * everything else within STEP_EPSILON of the grid. */
  if (!isnan (c->min_step) && c->min_step > 0)
    {
      double base = isnan (c->min_value) ? 0 : c->min_value;
      gboolean exact = format_is_integer (format) && c->min_step == floor (c->min_step) &&
                       c->min_step < MAX_EXACT_INTEGER && base == floor (base) &&
                       fabs (base) < MAX_EXACT_INTEGER;
      gboolean on_grid;

      if (exact && format == HAP_FORMAT_UINT64 && base >= 0)
        {
          guint64 u = g_variant_get_uint64 (value);

          on_grid = u >= (guint64) base && (u - (guint64) base) % (guint64) c->min_step == 0;
        }
      else if (exact && format != HAP_FORMAT_UINT64)
        {
          /* Every other integer format fits in 32 bits. */
          gint64 diff = (gint64) v - (gint64) base;

          on_grid = (guint64) ABS (diff) % (guint64) c->min_step == 0;
        }
      else
        {
          double k = (v - base) / c->min_step;
          on_grid = fabs (k - round (k)) <= STEP_EPSILON;
        }

      if (!on_grid)
        {
          g_autofree char *step_text = format_number (c->min_step);
          g_autofree char *base_text = format_number (base);
          return invalid (error, "value %s is not a multiple of minStep %s from %s",
                          text, step_text, base_text);
        }
    }

  if (c->valid_values != NULL && c->valid_values->len > 0 &&
      !valid_values_contain (c, v))
    {
      g_autofree char *list = describe_int_array (c->valid_values, FALSE);
      return invalid (error, "value %s is not one of the valid values (%s)", text, list);
    }

  if (c->valid_ranges != NULL && c->valid_ranges->len >= 2 &&
      !valid_ranges_contain (c, v))
    {
      g_autofree char *list = describe_int_array (c->valid_ranges, TRUE);
      return invalid (error, "value %s is outside the valid value ranges (%s)", text, list);
    }

  return TRUE;
}

gboolean
_hap_value_validate (HapFormat                  format,
                     const HapValueConstraints *c,
                     GVariant                  *value,
                     GError                   **error)
{
  const GVariantType *type;

  type = hap_format_get_variant_type (format);
  if (!g_variant_is_of_type (value, type))
    return invalid (error, "expected a value of format %s (GVariant type '%.*s'), got type '%s'",
                    hap_format_to_string (format),
                    (int) g_variant_type_get_string_length (type),
                    g_variant_type_peek_string (type),
                    g_variant_get_type_string (value));

  switch (format)
    {
    case HAP_FORMAT_BOOL:
      return TRUE;

    case HAP_FORMAT_STRING:
      {
        gsize len = 0;
        const char *str = g_variant_get_string (value, &len);
        int max_len = c->max_len > 0 ? c->max_len : DEFAULT_MAX_LEN;

        if (!g_utf8_validate (str, len, NULL))
          return invalid (error, "string is not valid UTF-8");
        /* maxLen counts bytes of the UTF-8 encoding, as the ADK does. */
        if (len > (gsize) max_len)
          return invalid (error, "string of %" G_GSIZE_FORMAT " bytes is longer than maxLen %d",
                          len, max_len);
        return TRUE;
      }

    case HAP_FORMAT_DATA:
      {
        gsize len = g_variant_get_size (value);
        int max = c->max_data_len >= 0 ? c->max_data_len : DEFAULT_MAX_DATA_LEN;

        if (len > (gsize) max)
          return invalid (error, "data of %" G_GSIZE_FORMAT " bytes is longer than maxDataLen %d",
                          len, max);
        return TRUE;
      }

    case HAP_FORMAT_TLV8:
      return TRUE;

    default:
      return validate_number (format, c, value, error);
    }
}

/* Strict RFC 4648 base64 with padding; g_base64_decode() silently skips bad input. */
static gboolean
base64_is_valid (const char *text)
{
  gsize len = strlen (text);
  gsize pad = 0;

  if (len % 4 != 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '=')
        {
          if (i + 2 < len)
            return FALSE;
          pad++;
        }
      else if (pad > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        return FALSE;
    }

  return TRUE;
}

GVariant *
_hap_value_from_json (HapFormat   format,
                      JsonNode   *node,
                      GError    **error)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  switch (format)
    {
    case HAP_FORMAT_BOOL:
      /* docs/protocol.md §4.7: controllers may write true/false or 1/0. */
      if (type == G_TYPE_BOOLEAN)
        return g_variant_new_boolean (json_node_get_boolean (node));
      if (type == G_TYPE_INT64 && (json_node_get_int (node) == 0 || json_node_get_int (node) == 1))
        return g_variant_new_boolean (json_node_get_int (node) == 1);
      invalid (error, "expected a boolean (true, false, 0 or 1), got %s", hap_json_reader_describe_node (node));
      return NULL;

    case HAP_FORMAT_UINT8:
    case HAP_FORMAT_UINT16:
    case HAP_FORMAT_UINT32:
    case HAP_FORMAT_UINT64:
    case HAP_FORMAT_INT:
      {
        double lo, hi, v;
        g_autofree char *lo_text = NULL;
        g_autofree char *hi_text = NULL;

        format_limits (format, &lo, &hi);

        if (type == G_TYPE_INT64)
          {
            gint64 i = json_node_get_int (node);

            if (i >= lo && (format == HAP_FORMAT_UINT64 || i <= hi))
              return format == HAP_FORMAT_UINT64 ? g_variant_new_uint64 ((guint64) i)
                                                 : number_new (format, (double) i);
            v = (double) i;
          }
        else if (type == G_TYPE_DOUBLE)
          {
            /* An integral number written as 50.0 is accepted; 1.5 is not. */
            v = json_node_get_double (node);
            if (!isfinite (v) || v != floor (v))
              {
                g_autofree char *v_text = format_number (v);

                invalid (error, "expected an integer, got %s", v_text);
                return NULL;
              }
            /* 2^64 itself is the first double above the uint64 range. */
            if (v >= lo && (format == HAP_FORMAT_UINT64 ? v < 18446744073709551616.0 : v <= hi))
              return number_new (format, v);
          }
        else
          {
            invalid (error, "expected an integer, got %s", hap_json_reader_describe_node (node));
            return NULL;
          }

        lo_text = format_number (lo);
        hi_text = format == HAP_FORMAT_UINT64 ? g_strdup_printf ("%" G_GUINT64_FORMAT, G_MAXUINT64)
                                              : format_number (hi);
        {
          g_autofree char *v_text = format_number (v);
          invalid (error, "value %s is out of range for %s (%s to %s)",
                   v_text, hap_format_to_string (format), lo_text, hi_text);
        }
        return NULL;
      }

    case HAP_FORMAT_FLOAT:
      if (type == G_TYPE_INT64)
        return g_variant_new_double ((double) json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        return g_variant_new_double (json_node_get_double (node));
      invalid (error, "expected a number, got %s", hap_json_reader_describe_node (node));
      return NULL;

    case HAP_FORMAT_STRING:
      if (type == G_TYPE_STRING)
        return g_variant_new_string (json_node_get_string (node));
      invalid (error, "expected a string, got %s", hap_json_reader_describe_node (node));
      return NULL;

    case HAP_FORMAT_TLV8:
    case HAP_FORMAT_DATA:
      {
        const char *text;
        guchar *data;
        gsize len = 0;

        /* docs/protocol.md §4.7: tlv8 and data travel as base64 strings. */
        if (type != G_TYPE_STRING)
          {
            invalid (error, "expected a base64 string, got %s", hap_json_reader_describe_node (node));
            return NULL;
          }
        text = json_node_get_string (node);
        if (!base64_is_valid (text))
          {
            invalid (error, "value is not valid base64");
            return NULL;
          }
        data = g_base64_decode (text, &len);
        return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, len, TRUE, g_free, data);
      }

    default:
      g_return_val_if_reached (NULL);
    }
}
