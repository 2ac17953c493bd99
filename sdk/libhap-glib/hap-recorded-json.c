/* hap-recorded-json.c — a recorded device's services and characteristics as it served
 * them (hap-accessory-dump.c keeps the objects): member for member, in its order, with
 * the live iid, value and "ev" (docs/protocol.md §4.10)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-model-private.h"

static void
append_key (GString    *out,
            gboolean   *first,
            const char *key)
{
  if (!*first)
    g_string_append_c (out, ',');
  *first = FALSE;
  hap_json_append_string (out, key);
  g_string_append_c (out, ':');
}

static void
append_value (HapCharacteristic *self,
              GString           *out,
              GVariant          *value)
{
  HapFormat format = hap_characteristic_get_format (self);
  JsonNode *recorded = _hap_characteristic_get_recorded_value (self);

  /* A read passes the stored value too: while it is the one loaded, the device's. */
  if (recorded != NULL &&
      (value == NULL || g_variant_equal (value, hap_characteristic_get_value (self))))
    hap_json_append_node (out, recorded);
  else if (value != NULL)
    hap_json_append_value (out, format, value);
  else if (hap_characteristic_is_event_only (self))
    g_string_append (out, "null");
  else
    hap_json_append_value (out, format, hap_characteristic_get_value (self));
}

void
_hap_characteristic_append_recorded_json (HapCharacteristic *self,
                                          GString           *out,
                                          HapJsonFlags       flags,
                                          GVariant          *value,
                                          gboolean           subscribed)
{
  JsonObject *recorded = _hap_characteristic_get_recorded (self);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE, had_value = FALSE;

  g_string_append_c (out, '{');
  if (flags & HAP_JSON_AID)
    {
      HapService *service = hap_characteristic_get_service (self);
      HapAccessory *accessory = service != NULL ? hap_service_get_accessory (service) : NULL;

      append_key (out, &first, "aid");
      g_string_append_printf (out, "%" G_GUINT64_FORMAT,
                              accessory != NULL ? hap_accessory_get_aid (accessory) : 0);
    }

  /* Member for member, in the device's order; "ev" is per connection, so ours. */
  json_object_iter_init_ordered (&iter, recorded);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      HapJsonFlags needs = g_str_equal (name, "type") ? HAP_JSON_TYPE
                           : g_str_equal (name, "perms") ? HAP_JSON_PERMS
                           : g_str_equal (name, "value") ? HAP_JSON_VALUE
                           : HAP_JSON_META;

      if (g_str_equal (name, "aid") || g_str_equal (name, "ev"))
        continue;
      if (g_str_equal (name, "iid"))
        {
          append_key (out, &first, "iid");
          g_string_append_printf (out, "%" G_GUINT64_FORMAT, hap_characteristic_get_iid (self));
          continue;
        }
      had_value |= needs == HAP_JSON_VALUE;
      if (!(flags & needs))
        continue;
      append_key (out, &first, name);
      if (needs == HAP_JSON_VALUE)
        append_value (self, out, value);
      else
        hap_json_append_node (out, member);
    }

  /* A read (not the database) of a readable characteristic the device listed without
   * a value still answers one. */
  if ((flags & HAP_JSON_VALUE) && !(flags & HAP_JSON_TYPE) && !had_value &&
      (hap_characteristic_get_perms (self) & HAP_PERM_PAIRED_READ))
    {
      append_key (out, &first, "value");
      append_value (self, out, value);
    }
  if (flags & HAP_JSON_EV)
    {
      append_key (out, &first, "ev");
      g_string_append (out, subscribed ? "true" : "false");
    }
  g_string_append_c (out, '}');
}

void
_hap_service_append_recorded_json (HapService *self,
                                   GString    *out)
{
  GPtrArray *characteristics = hap_service_get_characteristics (self);
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_iter_init_ordered (&iter, _hap_service_get_recorded (self));
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      append_key (out, &first, name);
      if (g_str_equal (name, "iid"))
        g_string_append_printf (out, "%" G_GUINT64_FORMAT, hap_service_get_iid (self));
      else if (g_str_equal (name, "characteristics"))
        {
          g_string_append_c (out, '[');
          for (guint i = 0; i < characteristics->len; i++)
            {
              if (i > 0)
                g_string_append_c (out, ',');
              _hap_characteristic_append_json (g_ptr_array_index (characteristics, i), out,
                                               HAP_JSON_DB, NULL, FALSE);
            }
          g_string_append_c (out, ']');
        }
      else
        hap_json_append_node (out, member);
    }
  g_string_append_c (out, '}');
}
