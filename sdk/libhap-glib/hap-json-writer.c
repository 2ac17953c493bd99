/* hap-json-writer.c — compact JSON output straight into a GString: strings, values
 * per format, and characteristic objects
 *
 * The accessory database, every characteristic read and every event go through here,
 * so this avoids building JsonNode trees: everything is appended as text in one pass.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-model-private.h"

#include <math.h>
#include <string.h>

/* Integers below 2^53 are exact in a double and printed without exponent. */
#define MAX_EXACT_INTEGER 9007199254740992.0

/* docs/protocol.md §4.10: maxLen is written only when it is not this default. */
#define DEFAULT_MAX_LEN 64

void
hap_json_append_string (GString    *out,
                        const char *str)
{
  static const char hex[] = "0123456789abcdef";
  const char *p, *end, *run;

  g_return_if_fail (out != NULL);

  if (str == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  g_string_append_c (out, '"');

  end = str + strlen (str);
  run = p = str;
  while (p < end)
    {
      guchar c = (guchar) *p;

      if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80)
        {
          p++;
          continue;
        }

      g_string_append_len (out, run, p - run);

      if (c >= 0x80)
        {
          /* Valid UTF-8 passes through unchanged; a broken sequence becomes U+FFFD so
           * the output stays valid JSON (docs/protocol.md §4.1: JSON is UTF-8). */
          gunichar ch = g_utf8_get_char_validated (p, end - p);

          if (ch == (gunichar) -1 || ch == (gunichar) -2)
            {
              g_string_append (out, "\xef\xbf\xbd");
              p++;
            }
          else
            {
              const char *after = g_utf8_next_char (p);

              g_string_append_len (out, p, after - p);
              p = after;
            }
          run = p;
          continue;
        }

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          g_string_append (out, "\\u00");
          g_string_append_c (out, hex[c >> 4]);
          g_string_append_c (out, hex[c & 0xf]);
          break;
        }
      p++;
      run = p;
    }

  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

void
hap_json_append_double (GString *out,
                        double   value)
{
  g_autofree char *text = NULL;

  g_return_if_fail (out != NULL);

  /* JSON has no NaN or infinity. */
  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }

  /* Whole numbers as integers: 100 not 1e+02, and -0 as 0. */
  if (value == floor (value) && fabs (value) < MAX_EXACT_INTEGER)
    {
      _hap_string_append_int64 (out, (gint64) value);
      return;
    }

  text = hap_double_to_string (value);
  g_string_append (out, text);
}

void
hap_json_append_value (GString   *out,
                       HapFormat  format,
                       GVariant  *value)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (value != NULL);

  if (!g_variant_is_of_type (value, hap_format_get_variant_type (format)))
    {
      g_critical ("%s: value of type '%s' does not match format %s",
                  G_STRFUNC, g_variant_get_type_string (value), hap_format_to_string (format));
      g_string_append (out, "null");
      return;
    }

  /* docs/protocol.md §4.7: one JSON encoding per format. */
  switch (format)
    {
    case HAP_FORMAT_BOOL:
      g_string_append (out, g_variant_get_boolean (value) ? "true" : "false");
      break;

    case HAP_FORMAT_UINT8:
      _hap_string_append_uint64 (out, g_variant_get_byte (value));
      break;

    case HAP_FORMAT_UINT16:
      _hap_string_append_uint64 (out, g_variant_get_uint16 (value));
      break;

    case HAP_FORMAT_UINT32:
      _hap_string_append_uint64 (out, g_variant_get_uint32 (value));
      break;

    case HAP_FORMAT_UINT64:
      _hap_string_append_uint64 (out, g_variant_get_uint64 (value));
      break;

    case HAP_FORMAT_INT:
      _hap_string_append_int64 (out, g_variant_get_int32 (value));
      break;

    case HAP_FORMAT_FLOAT:
      hap_json_append_double (out, g_variant_get_double (value));
      break;

    case HAP_FORMAT_STRING:
      hap_json_append_string (out, g_variant_get_string (value, NULL));
      break;

    case HAP_FORMAT_TLV8:
    case HAP_FORMAT_DATA:
      {
        gsize len = 0;
        const guchar *data = g_variant_get_fixed_array (value, &len, 1);
        g_autofree char *b64 = g_base64_encode (data, len);

        /* Base64 needs no escaping. */
        g_string_append_c (out, '"');
        g_string_append (out, b64);
        g_string_append_c (out, '"');
      }
      break;

    default:
      g_string_append (out, "null");
      break;
    }
}

/* Characteristic objects (docs/protocol.md §4.5, §4.10). */

static gboolean
format_is_integer (HapFormat format)
{
  return format >= HAP_FORMAT_UINT8 && format <= HAP_FORMAT_INT;
}

static gboolean
format_is_numeric (HapFormat format)
{
  return format_is_integer (format) || format == HAP_FORMAT_FLOAT;
}

static void
append_key (GString    *out,
            gboolean   *first,
            const char *key)
{
  if (!*first)
    g_string_append_c (out, ',');
  *first = FALSE;
  g_string_append_c (out, '"');
  g_string_append (out, key);
  g_string_append (out, "\":");
}

static void
append_perms (GString  *out,
              HapPerms  perms)
{
  static const struct { HapPerms perm; const char *name; } names[] = {
    { HAP_PERM_PAIRED_READ,     "pr" },
    { HAP_PERM_PAIRED_WRITE,    "pw" },
    { HAP_PERM_EVENTS,          "ev" },
    { HAP_PERM_ADDITIONAL_AUTH, "aa" },
    { HAP_PERM_TIMED_WRITE,     "tw" },
    { HAP_PERM_HIDDEN,          "hd" },
    { HAP_PERM_WRITE_RESPONSE,  "wr" },
  };
  gboolean first = TRUE;

  /* HAP_PERM_ADMIN_ONLY has no perm string (docs/protocol.md §4.10). */
  g_string_append_c (out, '[');
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (perms & names[i].perm)
        {
          if (!first)
            g_string_append_c (out, ',');
          first = FALSE;
          g_string_append_c (out, '"');
          g_string_append (out, names[i].name);
          g_string_append_c (out, '"');
        }
    }
  g_string_append_c (out, ']');
}

static void
append_meta (HapCharacteristic *self,
             GString           *out,
             gboolean          *first)
{
  const HapValueConstraints *c = _hap_characteristic_get_constraints (self);
  HapFormat format = hap_characteristic_get_format (self);
  const char *unit = hap_characteristic_get_unit (self);
  const char *description;

  if (format_is_numeric (format))
    {
      if (unit != NULL)
        {
          append_key (out, first, "unit");
          hap_json_append_string (out, unit);
        }
      if (!isnan (c->min_value))
        {
          append_key (out, first, "minValue");
          hap_json_append_double (out, c->min_value);
        }
      if (!isnan (c->max_value))
        {
          append_key (out, first, "maxValue");
          hap_json_append_double (out, c->max_value);
        }
      if (!isnan (c->min_step))
        {
          append_key (out, first, "minStep");
          hap_json_append_double (out, c->min_step);
        }
    }

  /* §4.10: maxLen only when it differs from the default 64. */
  if (format == HAP_FORMAT_STRING && c->max_len > 0 && c->max_len != DEFAULT_MAX_LEN)
    {
      append_key (out, first, "maxLen");
      _hap_string_append_int64 (out, c->max_len);
    }
  if (format == HAP_FORMAT_DATA && c->max_data_len >= 0)
    {
      append_key (out, first, "maxDataLen");
      _hap_string_append_int64 (out, c->max_data_len);
    }

  if (format_is_integer (format) && c->valid_values != NULL)
    {
      append_key (out, first, "valid-values");
      g_string_append_c (out, '[');
      for (guint i = 0; i < c->valid_values->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _hap_string_append_int64 (out, g_array_index (c->valid_values, int, i));
        }
      g_string_append_c (out, ']');
    }
  /* ADK shape: a list of [start,end] pairs (docs/protocol.md §4.10, §8). */
  if (format_is_integer (format) && c->valid_ranges != NULL)
    {
      append_key (out, first, "valid-values-range");
      g_string_append_c (out, '[');
      for (guint i = 0; i + 1 < c->valid_ranges->len; i += 2)
        {
          g_string_append (out, i > 0 ? ",[" : "[");
          _hap_string_append_int64 (out, g_array_index (c->valid_ranges, int, i));
          g_string_append_c (out, ',');
          _hap_string_append_int64 (out, g_array_index (c->valid_ranges, int, i + 1));
          g_string_append_c (out, ']');
        }
      g_string_append_c (out, ']');
    }

  if ((description = hap_characteristic_get_description (self)) != NULL)
    {
      append_key (out, first, "description");
      hap_json_append_string (out, description);
    }
}

void
_hap_characteristic_append_json (HapCharacteristic *self,
                                 GString           *out,
                                 HapJsonFlags       flags,
                                 GVariant          *value,
                                 gboolean           subscribed)
{
  HapFormat format;
  HapPerms perms;
  gboolean first = TRUE;

  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (out != NULL);

  if (_hap_characteristic_get_recorded (self) != NULL)
    {
      _hap_characteristic_append_recorded_json (self, out, flags, value, subscribed);
      return;
    }

  format = hap_characteristic_get_format (self);
  perms = hap_characteristic_get_perms (self);

  g_string_append_c (out, '{');

  if (flags & HAP_JSON_AID)
    {
      HapService *service = hap_characteristic_get_service (self);
      HapAccessory *accessory = service != NULL ? hap_service_get_accessory (service) : NULL;

      append_key (out, &first, "aid");
      _hap_string_append_uint64 (out,
                                 accessory != NULL ? hap_accessory_get_aid (accessory) : 0);
    }

  append_key (out, &first, "iid");
  _hap_string_append_uint64 (out, hap_characteristic_get_iid (self));

  if (flags & HAP_JSON_TYPE)
    {
      const char *uuid = hap_characteristic_get_type_uuid (self);
      g_autofree char *short_type = hap_uuid_to_short (uuid);

      append_key (out, &first, "type");
      hap_json_append_string (out, short_type != NULL ? short_type : uuid);
    }

  if (flags & HAP_JSON_PERMS)
    {
      append_key (out, &first, "perms");
      append_perms (out, perms);
    }

  if (flags & HAP_JSON_META)
    {
      append_key (out, &first, "format");
      hap_json_append_string (out, hap_format_to_string (format));
    }

  /* §4.10: a value only for readable characteristics. Event-only types read as null,
   * but an explicit @value (an event being sent) is written as is. */
  if ((flags & HAP_JSON_VALUE) && (perms & HAP_PERM_PAIRED_READ))
    {
      append_key (out, &first, "value");
      if (value != NULL)
        hap_json_append_value (out, format, value);
      else if (hap_characteristic_is_event_only (self))
        g_string_append (out, "null");
      else
        hap_json_append_value (out, format, hap_characteristic_get_value (self));
    }

  if (flags & HAP_JSON_META)
    append_meta (self, out, &first);

  if (flags & HAP_JSON_EV)
    {
      append_key (out, &first, "ev");
      g_string_append (out, subscribed ? "true" : "false");
    }

  g_string_append_c (out, '}');
}

void
hap_json_append_node (GString  *out,
                      JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, json_node_get_object (node));
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            hap_json_append_string (out, name);
            g_string_append_c (out, ':');
            hap_json_append_node (out, member);
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        g_string_append_c (out, '[');
        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            hap_json_append_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_INT64:
          _hap_string_append_int64 (out, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          hap_json_append_double (out, json_node_get_double (node));
          break;
        case G_TYPE_STRING:
          hap_json_append_string (out, json_node_get_string (node));
          break;
        default:
          g_string_append (out, "null");
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}
