/* hap-accessory-loader.c — accessories from a JSON file (format: accessories/README.md)
 *
 * Every problem is one HAP_ERROR_INVALID_FILE error reading
 * "FILE:LINE:COL: PATH: what is wrong", with PATH like
 * accessories[0].services[2].characteristics[1].format.
 *
 * LINE:COL, the messages and the typed getters come from hap-json-reader.c; this file
 * holds what the format means.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-accessory.h"
#include "hap-accessory-dump-private.h"
#include "hap-error.h"
#include "hap-json.h"
#include "hap-json-reader.h"
#include "hap-model-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A snapshot is held in memory and sent whole in one POST /resource answer. */
#define MAX_SNAPSHOT_SIZE (8 * 1024 * 1024)

#define CATEGORY_OTHER  1
#define CATEGORY_BRIDGE 2

typedef struct
{
  HapJsonReader  json;      /* file name and positions, for messages */
  char          *base_dir;  /* for relative snapshot paths */
  GHashTable    *aids;      /* aid → path of its first user */
} Loader;

typedef struct
{
  HapAccessory *accessory;
  GHashTable   *iids;          /* iid → path of its first user */
  GHashTable   *ids;           /* service "id" → HapService */
  GHashTable   *id_paths;      /* service "id" → path */
  GPtrArray    *links;         /* Link */
  char         *primary_path;  /* the service marked primary, if any */
  gboolean      information_seen;
} AccessoryState;

typedef struct
{
  HapService *service;
  char       *id;
  char       *path;
} Link;

/* Characteristics --------------------------------------------------------------- */

static const char * const characteristic_keys[] = {
  "type", "value", "iid", "format", "perms", "unit", "minValue", "maxValue", "minStep",
  "maxLen", "maxDataLen", "validValues", "validValuesRange", "description", NULL
};

static gboolean
format_is_integer (HapFormat format)
{
  return format >= HAP_FORMAT_UINT8 && format <= HAP_FORMAT_INT;
}

/* docs/protocol.md §4.10: iids are unique across the services and characteristics of
 * one accessory. */
static gboolean
claim_iid (Loader         *self,
           AccessoryState *state,
           JsonObject     *object,
           const char     *path,
           guint64        *out,
           GError        **error)
{
  JsonNode *node;
  const char *user;
  gint64 iid;

  *out = 0;
  if (!hap_json_reader_member (&self->json, object, path, "iid", HAP_JSON_KIND_INTEGER, FALSE,
                                &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!hap_json_reader_int_in_range (&self->json, node, path, "iid", 1, G_MAXUINT32, error))
    return FALSE;

  iid = json_node_get_int (node);
  if ((user = g_hash_table_lookup (state->iids, &iid)) != NULL)
    return hap_json_reader_fail (&self->json, path, "iid", error,
                                  "iid %" G_GINT64_FORMAT " is already used by %s", iid, user);

  g_hash_table_insert (state->iids, g_memdup2 (&iid, sizeof iid), g_strdup (path));
  *out = (guint64) iid;
  return TRUE;
}

static gboolean
parse_perms (Loader     *self,
             JsonArray  *array,
             const char *path,
             HapPerms   *out,
             GError    **error)
{
  *out = HAP_PERM_NONE;

  if (json_array_get_length (array) == 0)
    return hap_json_reader_fail (&self->json, path, NULL, error,
                                  "must list at least one permission");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node;
      HapPerms perm;

      if (!hap_json_reader_element (&self->json, array, i, path, HAP_JSON_KIND_STRING,
                                     &node, error))
        return FALSE;
      if (!hap_perm_from_string (json_node_get_string (node), &perm))
        {
          char key[16];

          g_snprintf (key, sizeof key, "[%u]", i);
          return hap_json_reader_fail (&self->json, path, key, error,
                                        "unknown permission “%s” "
                                        "(expected one of pr, pw, ev, aa, tw, hd, wr)",
                                        json_node_get_string (node));
        }
      *out |= perm;
    }

  return TRUE;
}

/* The characteristic this entry fills: the service's own one of a standard type
 * (hap_service_new() added the required ones), a new standard one, or a vendor one. */
static gboolean
resolve_characteristic (Loader             *self,
                        HapService         *service,
                        GHashTable         *claimed,
                        JsonObject         *object,
                        const char         *path,
                        HapCharacteristic **out,
                        GError            **error)
{
  const HapCharacteristicType *catalog;
  g_autofree char *uuid = NULL;
  g_autofree char *perms_path = hap_json_reader_child_path (path, "perms");
  JsonNode *type, *format_node, *perms_node;
  HapFormat format = HAP_FORMAT_DATA;
  HapPerms perms = HAP_PERM_NONE;

  if (!hap_json_reader_member (&self->json, object, path, "type", HAP_JSON_KIND_STRING, TRUE,
                                &type, error) ||
      !hap_json_reader_member (&self->json, object, path, "format", HAP_JSON_KIND_STRING, FALSE,
                                &format_node, error) ||
      !hap_json_reader_member (&self->json, object, path, "perms", HAP_JSON_KIND_ARRAY, FALSE,
                                &perms_node, error))
    return FALSE;

  if (format_node != NULL && !hap_format_from_string (json_node_get_string (format_node), &format))
    return hap_json_reader_fail (&self->json, path, "format", error,
                                  "unknown format “%s” (expected one of bool, uint8, uint16, "
                                  "uint32, uint64, int, float, string, tlv8, data)",
                                  json_node_get_string (format_node));
  if (perms_node != NULL &&
      !parse_perms (self, json_node_get_array (perms_node), perms_path, &perms, error))
    return FALSE;

  if ((catalog = hap_catalog_lookup_characteristic (json_node_get_string (type))) != NULL)
    {
      HapCharacteristic *existing = hap_service_get_characteristic (service, catalog->uuid);

      if (existing != NULL && g_hash_table_contains (claimed, existing))
        return hap_json_reader_fail (&self->json, path, "type", error,
                                      "characteristic “%s” is listed twice in this service",
                                      catalog->name);
      *out = existing != NULL ? g_object_ref (existing) : hap_characteristic_new (catalog->uuid);
    }
  else if (strlen (json_node_get_string (type)) == 36 &&
           (uuid = hap_uuid_normalize (json_node_get_string (type))) != NULL)
    {
      /* A vendor type: nothing to inherit, so the file must say what it is. */
      if (format_node == NULL || perms_node == NULL)
        return hap_json_reader_fail (&self->json, path, "type", error,
                                      "vendor characteristic “%s” needs “format” and “perms”",
                                      json_node_get_string (type));
      *out = hap_characteristic_new_custom (uuid, format, perms);
    }
  else
    return hap_json_reader_fail (&self->json, path, "type", error,
                                  "unknown characteristic type “%s” "
                                  "(use a catalog name or a full UUID)",
                                  json_node_get_string (type));

  if (format_node != NULL)
    hap_characteristic_set_format (*out, format);
  if (perms_node != NULL)
    hap_characteristic_set_perms (*out, perms);

  return TRUE;
}

/* validValues: [v, …]; validValuesRange: [[start, end], …]. Integers that fit in 32 bits. */
static gboolean
parse_int_list (Loader      *self,
                JsonArray   *array,
                const char  *path,
                gboolean     pairs,
                GArray      *out,
                GError     **error)
{
  guint n = json_array_get_length (array);

  if (n == 0)
    return hap_json_reader_fail (&self->json, path, NULL, error, "must not be empty");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = hap_json_reader_element_path (path, i);
      JsonNode *node;
      JsonArray *items = array;
      guint first = i, count = 1;

      if (pairs)
        {
          if (!hap_json_reader_element (&self->json, array, i, path, HAP_JSON_KIND_ARRAY,
                                         &node, error))
            return FALSE;
          items = json_node_get_array (node);
          if (json_array_get_length (items) != 2)
            return hap_json_reader_fail (&self->json, item_path, NULL, error,
                                          "expected a [start, end] pair");
          first = 0;
          count = 2;
        }

      for (guint k = first; k < first + count; k++)
        {
          const char *list_path = pairs ? item_path : path;
          char key[16];
          int v;

          g_snprintf (key, sizeof key, "[%u]", k);
          if (!hap_json_reader_element (&self->json, items, k, list_path, HAP_JSON_KIND_INTEGER,
                                         &node, error) ||
              !hap_json_reader_int_in_range (&self->json, node, list_path, key,
                                              G_MININT32, G_MAXINT32, error))
            return FALSE;
          v = (int) json_node_get_int (node);
          g_array_append_val (out, v);
        }

      if (pairs && g_array_index (out, int, out->len - 2) > g_array_index (out, int, out->len - 1))
        return hap_json_reader_fail (&self->json, item_path, NULL, error, "start is above end");
    }

  return TRUE;
}

/* Keys that make sense for some formats only: a misplaced one is refused like a
 * misspelt one. */
static gboolean
check_applies (Loader      *self,
               JsonObject  *object,
               const char  *path,
               HapFormat    format,
               GError     **error)
{
  static const struct { const char *key; const char *formats; } rules[] = {
    { "minValue", "numeric" }, { "maxValue", "numeric" }, { "minStep", "numeric" },
    { "unit", "numeric" }, { "maxLen", "string" }, { "maxDataLen", "data" },
    { "validValues", "integer" }, { "validValuesRange", "integer" },
  };
  gboolean integer = format_is_integer (format);

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      const char *formats = rules[i].formats;
      gboolean applies = g_str_equal (formats, "numeric") ? integer || format == HAP_FORMAT_FLOAT :
                         g_str_equal (formats, "integer") ? integer :
                         g_str_equal (formats, "string") ? format == HAP_FORMAT_STRING :
                         format == HAP_FORMAT_DATA;

      if (!applies && json_object_has_member (object, rules[i].key))
        return hap_json_reader_fail_key (&self->json, path, rules[i].key, error,
                                          "“%s” applies to %s formats only, not %s",
                                          rules[i].key, formats, hap_format_to_string (format));
    }

  return TRUE;
}

static gboolean
apply_constraints (Loader             *self,
                   HapCharacteristic  *characteristic,
                   JsonObject         *object,
                   const char         *path,
                   GError            **error)
{
  static const char * const number_keys[] = { "minValue", "maxValue", "minStep" };
  JsonNode *numbers[3], *unit, *description, *max_len, *max_data_len, *values, *ranges;
  double min, max;

  if (!check_applies (self, object, path, hap_characteristic_get_format (characteristic), error))
    return FALSE;

  for (guint i = 0; i < 3; i++)
    if (!hap_json_reader_member (&self->json, object, path, number_keys[i], HAP_JSON_KIND_NUMBER,
                                  FALSE, &numbers[i], error))
      return FALSE;
  if (!hap_json_reader_member (&self->json, object, path, "unit", HAP_JSON_KIND_STRING, FALSE,
                                &unit, error) ||
      !hap_json_reader_member (&self->json, object, path, "description", HAP_JSON_KIND_STRING,
                                FALSE, &description, error) ||
      !hap_json_reader_member (&self->json, object, path, "maxLen", HAP_JSON_KIND_INTEGER, FALSE,
                                &max_len, error) ||
      !hap_json_reader_member (&self->json, object, path, "maxDataLen", HAP_JSON_KIND_INTEGER,
                                FALSE, &max_data_len, error) ||
      !hap_json_reader_member (&self->json, object, path, "validValues", HAP_JSON_KIND_ARRAY,
                                FALSE, &values, error) ||
      !hap_json_reader_member (&self->json, object, path, "validValuesRange", HAP_JSON_KIND_ARRAY,
                                FALSE, &ranges, error))
    return FALSE;

  min = numbers[0] ? json_node_get_double (numbers[0]) : hap_characteristic_get_min_value (characteristic);
  max = numbers[1] ? json_node_get_double (numbers[1]) : hap_characteristic_get_max_value (characteristic);
  if (min > max)
    return hap_json_reader_fail (&self->json, path, numbers[1] ? "maxValue" : "minValue", error,
                                  "minValue %g is above maxValue %g", min, max);
  if (numbers[2] != NULL && !(json_node_get_double (numbers[2]) > 0))
    return hap_json_reader_fail (&self->json, path, "minStep", error, "minStep must be above 0");

  hap_characteristic_set_min_value (characteristic, min);
  hap_characteristic_set_max_value (characteristic, max);
  if (numbers[2] != NULL)
    hap_characteristic_set_min_step (characteristic, json_node_get_double (numbers[2]));
  if (unit != NULL)
    hap_characteristic_set_unit (characteristic, json_node_get_string (unit));
  if (description != NULL)
    hap_characteristic_set_description (characteristic, json_node_get_string (description));

  /* docs/protocol.md §4.7: maxLen up to 256 bytes. */
  if (max_len != NULL)
    {
      if (!hap_json_reader_int_in_range (&self->json, max_len, path, "maxLen", 1, 256, error))
        return FALSE;
      hap_characteristic_set_max_len (characteristic, (int) json_node_get_int (max_len));
    }
  if (max_data_len != NULL)
    {
      if (!hap_json_reader_int_in_range (&self->json, max_data_len, path, "maxDataLen",
                                          0, G_MAXINT, error))
        return FALSE;
      hap_characteristic_set_max_data_len (characteristic, (int) json_node_get_int (max_data_len));
    }

  for (guint i = 0; i < 2; i++)
    {
      JsonNode *node = i == 0 ? values : ranges;
      g_autofree char *list_path =
        hap_json_reader_child_path (path, i == 0 ? "validValues" : "validValuesRange");
      g_autoptr(GArray) ints = g_array_new (FALSE, FALSE, sizeof (int));

      if (node == NULL)
        continue;
      if (!parse_int_list (self, json_node_get_array (node), list_path, i == 1, ints, error))
        return FALSE;
      if (i == 0)
        hap_characteristic_set_valid_values (characteristic, (int *) ints->data, ints->len);
      else
        hap_characteristic_set_valid_values_range (characteristic, (int *) ints->data, ints->len / 2);
    }

  return TRUE;
}

static gboolean
load_characteristic (Loader         *self,
                     AccessoryState *state,
                     HapService     *service,
                     GHashTable     *claimed,
                     JsonObject     *object,
                     const char     *path,
                     GError        **error)
{
  g_autoptr(HapCharacteristic) characteristic = NULL;
  JsonNode *value;
  guint64 iid;

  if (!hap_json_reader_check_keys (&self->json, object, path, characteristic_keys, error) ||
      !resolve_characteristic (self, service, claimed, object, path, &characteristic, error) ||
      !apply_constraints (self, characteristic, object, path, error) ||
      !claim_iid (self, state, object, path, &iid, error))
    return FALSE;

  if (iid != 0)
    hap_characteristic_set_iid (characteristic, iid);

  /* The value comes last, checked against the constraints set above. */
  if ((value = json_object_get_member (object, "value")) != NULL)
    {
      g_autoptr(GVariant) variant = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!(variant = hap_characteristic_value_from_json (characteristic, value, &local_error)))
        return hap_json_reader_fail (&self->json, path, "value", error,
                                      "%s", local_error->message);
      hap_characteristic_set_value (characteristic, variant, NULL);
    }

  if (hap_characteristic_get_service (characteristic) == NULL)
    hap_service_add_characteristic (service, characteristic);
  g_hash_table_add (claimed, characteristic);

  return TRUE;
}

/* Services ---------------------------------------------------------------------- */

static const char * const service_keys[] = {
  "type", "iid", "primary", "hidden", "id", "linked", "characteristics", NULL
};

static gboolean
resolve_service (Loader          *self,
                 AccessoryState  *state,
                 JsonObject      *object,
                 const char      *path,
                 HapService     **out,
                 GError         **error)
{
  HapService *information = hap_accessory_get_information_service (state->accessory);
  const HapServiceType *catalog;
  g_autofree char *uuid = NULL;
  const char *type;
  JsonNode *node;

  if (!hap_json_reader_member (&self->json, object, path, "type", HAP_JSON_KIND_STRING, TRUE,
                                &node, error))
    return FALSE;
  type = json_node_get_string (node);

  if ((catalog = hap_catalog_lookup_service (type)) != NULL &&
      g_str_equal (catalog->uuid, hap_service_get_type_uuid (information)))
    {
      /* Accessory Information already exists (iid 1): an entry for it adds to it. */
      if (state->information_seen)
        return hap_json_reader_fail (&self->json, path, "type", error,
                                      "Accessory Information is listed twice");
      state->information_seen = TRUE;
      *out = g_object_ref (information);
    }
  else if (catalog != NULL)
    *out = hap_service_new (type);
  else if (strlen (type) == 36 && (uuid = hap_uuid_normalize (type)) != NULL)
    *out = hap_service_new_custom (uuid);
  else
    return hap_json_reader_fail (&self->json, path, "type", error,
                                  "unknown service type “%s” (use a catalog name or a full UUID)",
                                  type);

  return TRUE;
}

static void
link_free (Link *link)
{
  g_free (link->id);
  g_free (link->path);
  g_free (link);
}

static gboolean
load_service (Loader         *self,
              AccessoryState *state,
              JsonObject     *object,
              const char     *path,
              GError        **error)
{
  g_autoptr(HapService) service = NULL;
  g_autoptr(GHashTable) claimed = g_hash_table_new (NULL, NULL);
  g_autofree char *linked_path = hap_json_reader_child_path (path, "linked");
  g_autofree char *list_path = hap_json_reader_child_path (path, "characteristics");
  JsonNode *iid, *primary, *hidden, *id, *linked, *characteristics;

  if (!hap_json_reader_check_keys (&self->json, object, path, service_keys, error) ||
      !resolve_service (self, state, object, path, &service, error) ||
      !hap_json_reader_member (&self->json, object, path, "iid", HAP_JSON_KIND_INTEGER, FALSE,
                                &iid, error) ||
      !hap_json_reader_member (&self->json, object, path, "primary", HAP_JSON_KIND_BOOLEAN, FALSE,
                                &primary, error) ||
      !hap_json_reader_member (&self->json, object, path, "hidden", HAP_JSON_KIND_BOOLEAN, FALSE,
                                &hidden, error) ||
      !hap_json_reader_member (&self->json, object, path, "id", HAP_JSON_KIND_STRING, FALSE,
                                &id, error) ||
      !hap_json_reader_member (&self->json, object, path, "linked", HAP_JSON_KIND_ARRAY, FALSE,
                                &linked, error) ||
      !hap_json_reader_member (&self->json, object, path, "characteristics", HAP_JSON_KIND_ARRAY,
                                FALSE, &characteristics, error))
    return FALSE;

  if (service == hap_accessory_get_information_service (state->accessory))
    {
      if (iid != NULL && json_node_get_int (iid) != 1)
        return hap_json_reader_fail (&self->json, path, "iid", error,
                                      "Accessory Information always has iid 1");
    }
  else
    {
      guint64 value;

      if (!claim_iid (self, state, object, path, &value, error))
        return FALSE;
      if (value != 0)
        hap_service_set_iid (service, value);
    }

  if (primary != NULL && json_node_get_boolean (primary))
    {
      /* §4.10: at most one primary service. */
      if (state->primary_path != NULL)
        return hap_json_reader_fail (&self->json, path, "primary", error,
                                      "only one service may be primary (%s already is)",
                                      state->primary_path);
      state->primary_path = g_strdup (path);
      hap_service_set_primary (service, TRUE);
    }
  if (hidden != NULL)
    hap_service_set_hidden (service, json_node_get_boolean (hidden));

  if (id != NULL)
    {
      const char *other = g_hash_table_lookup (state->id_paths, json_node_get_string (id));

      if (other != NULL)
        return hap_json_reader_fail (&self->json, path, "id", error,
                                      "id “%s” is already used by %s",
                                      json_node_get_string (id), other);
      g_hash_table_insert (state->ids, g_strdup (json_node_get_string (id)), service);
      g_hash_table_insert (state->id_paths, g_strdup (json_node_get_string (id)), g_strdup (path));
    }

  /* Links are resolved once every service of the accessory is known. */
  for (guint i = 0; linked != NULL && i < json_array_get_length (json_node_get_array (linked)); i++)
    {
      JsonNode *node;
      Link *link;

      if (!hap_json_reader_element (&self->json, json_node_get_array (linked), i, linked_path,
                                     HAP_JSON_KIND_STRING, &node, error))
        return FALSE;
      link = g_new0 (Link, 1);
      link->service = service;
      link->id = g_strdup (json_node_get_string (node));
      link->path = hap_json_reader_element_path (linked_path, i);
      g_ptr_array_add (state->links, link);
    }

  for (guint i = 0; characteristics != NULL && i < json_array_get_length (json_node_get_array (characteristics)); i++)
    {
      g_autofree char *item_path = hap_json_reader_element_path (list_path, i);
      JsonNode *node;

      if (!hap_json_reader_element (&self->json, json_node_get_array (characteristics), i,
                                     list_path, HAP_JSON_KIND_OBJECT, &node, error) ||
          !load_characteristic (self, state, service, claimed, json_node_get_object (node), item_path, error))
        return FALSE;
    }

  if (hap_service_get_accessory (service) == NULL)
    hap_accessory_add_service (state->accessory, service);

  return TRUE;
}

/* Accessories ------------------------------------------------------------------- */

static const char * const accessory_keys[] = {
  "name", "category", "aid", "manufacturer", "model", "serial_number",
  "firmware_revision", "hardware_revision", "snapshot", "services", NULL
};

/* Optional information strings and the characteristic each one sets. */
static const struct {
  const char *key;
  const char *type;
} information_keys[] = {
  { "name",              "Name" },
  { "manufacturer",      "Manufacturer" },
  { "model",             "Model" },
  { "serial_number",     "SerialNumber" },
  { "firmware_revision", "FirmwareRevision" },
  { "hardware_revision", "HardwareRevision" },
};

int
_hap_loader_category_from_services (JsonNode *services,
                                    gboolean  has_bridged)
{
  JsonArray *array = services != NULL ? json_node_get_array (services) : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const HapServiceType *type;
      int category;

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !(node = json_object_get_member (json_node_get_object (node), "type")) ||
          !hap_json_reader_node_is (node, HAP_JSON_KIND_STRING) ||
          !(type = hap_catalog_lookup_service (json_node_get_string (node))) ||
          g_str_equal (type->name, "AccessoryInformation") ||
          g_str_equal (type->name, "ProtocolInformation"))
        continue;

      category = hap_catalog_service_category (type->name);
      return category >= 0 ? category : CATEGORY_OTHER;
    }

  /* A first accessory with nothing of its own but others bridged to it is a bridge. */
  return has_bridged ? CATEGORY_BRIDGE : CATEGORY_OTHER;
}

static gboolean
get_category (Loader      *self,
              JsonObject  *object,
              const char  *path,
              JsonNode    *services,
              gboolean     has_bridged,
              int         *out,
              GError     **error)
{
  JsonNode *node = json_object_get_member (object, "category");

  if (node == NULL)
    *out = _hap_loader_category_from_services (services, has_bridged);
  else if (hap_json_reader_node_is (node, HAP_JSON_KIND_STRING))
    {
      if ((*out = hap_catalog_lookup_category (json_node_get_string (node))) < 0)
        return hap_json_reader_fail (&self->json, path, "category", error,
                                      "unknown category “%s” (see docs/protocol.md §4.14)",
                                      json_node_get_string (node));
    }
  else if (hap_json_reader_node_is (node, HAP_JSON_KIND_INTEGER))
    {
      gint64 id = json_node_get_int (node);

      if (id < 0 || id > G_MAXINT || hap_catalog_category_name ((int) id) == NULL)
        return hap_json_reader_fail (&self->json, path, "category", error,
                                      "unknown category %" G_GINT64_FORMAT, id);
      *out = (int) id;
    }
  else
    return hap_json_reader_fail (&self->json, path, "category", error,
                                  "expected a category name or number, got %s",
                                  hap_json_reader_describe_node (node));

  return TRUE;
}

static gboolean
load_information (Loader         *self,
                  AccessoryState *state,
                  JsonObject     *object,
                  const char     *path,
                  GError        **error)
{
  HapService *information = hap_accessory_get_information_service (state->accessory);

  for (guint i = 0; i < G_N_ELEMENTS (information_keys); i++)
    {
      const char *type = information_keys[i].type;
      HapCharacteristic *characteristic = hap_service_get_characteristic (information, type);
      g_autoptr(HapCharacteristic) probe = NULL;
      g_autoptr(GVariant) value = NULL;
      g_autoptr(GError) local_error = NULL;
      JsonNode *node;

      if (!hap_json_reader_member (&self->json, object, path, information_keys[i].key,
                                    HAP_JSON_KIND_STRING, FALSE, &node, error))
        return FALSE;
      if (node == NULL)
        continue;

      /* hap_accessory_set_information() would cut a long string; a file gets an error. */
      if (characteristic == NULL)
        characteristic = probe = hap_characteristic_new (type);
      value = g_variant_ref_sink (g_variant_new_string (json_node_get_string (node)));
      if (!hap_characteristic_validate (characteristic, value, &local_error))
        return hap_json_reader_fail (&self->json, path, information_keys[i].key, error,
                                      "%s", local_error->message);
      if (*json_node_get_string (node) == '\0' && g_str_equal (type, "Name"))
        return hap_json_reader_fail (&self->json, path, "name", error,
                                      "the name must not be empty");

      hap_accessory_set_information (state->accessory, type, json_node_get_string (node));
    }

  return TRUE;
}

static gboolean
load_aid (Loader         *self,
          AccessoryState *state,
          JsonObject     *object,
          const char     *path,
          gboolean        is_primary,
          GError        **error)
{
  const char *user;
  JsonNode *node;
  gint64 aid;

  /* docs/protocol.md §4.10: aid 1 is the primary (or bridge) accessory; a bridged one
   * without an aid gets one from the server. */
  if (!hap_json_reader_member (&self->json, object, path, "aid", HAP_JSON_KIND_INTEGER, FALSE,
                                &node, error) ||
      (node != NULL && !hap_json_reader_int_in_range (&self->json, node, path, "aid", 1,
                                                       G_MAXUINT32, error)))
    return FALSE;
  if (is_primary && node != NULL && json_node_get_int (node) != 1)
    return hap_json_reader_fail (&self->json, path, "aid", error,
                                  "the first accessory is the primary one, with aid 1");
  if (!is_primary && node == NULL)
    return TRUE;

  aid = is_primary ? 1 : json_node_get_int (node);
  if ((user = g_hash_table_lookup (self->aids, &aid)) != NULL)
    return hap_json_reader_fail (&self->json, path, "aid", error,
                                  "aid %" G_GINT64_FORMAT " is already used by %s", aid, user);

  g_hash_table_insert (self->aids, g_memdup2 (&aid, sizeof aid), g_strdup (path));
  hap_accessory_set_aid (state->accessory, (guint64) aid);
  return TRUE;
}

/* The contents of @full, a regular file of at most MAX_SNAPSHOT_SIZE bytes, or NULL
 * and *reason. /dev/zero, a FIFO or a /proc file would otherwise be read for ever: the
 * open does not wait for a FIFO's writer, and the read stops one byte past the limit
 * whatever the size stat gives. */
static GBytes *
read_snapshot (const char  *file,
               const char  *full,
               char       **reason)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  struct stat st;
  int fd = g_open (full, O_RDONLY | O_NONBLOCK | O_CLOEXEC, 0);
  int saved;

  if (fd < 0)
    {
      saved = errno;
      *reason = g_strdup_printf ("cannot read snapshot: %s: %s", full, g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      *reason = g_strdup_printf ("“%s” is not a regular file", file);
      return NULL;
    }
  for (;;)
    {
      guint8 buf[65536];
      gssize n = read (fd, buf, sizeof buf);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          saved = errno;
          close (fd);
          *reason = g_strdup_printf ("cannot read snapshot: %s: %s", full, g_strerror (saved));
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (data, buf, (guint) n);
      if (data->len > MAX_SNAPSHOT_SIZE)
        {
          close (fd);
          *reason = g_strdup_printf ("“%s” is larger than %d MiB", file, MAX_SNAPSHOT_SIZE / (1024 * 1024));
          return NULL;
        }
    }
  close (fd);
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

static gboolean
load_snapshot (Loader         *self,
               AccessoryState *state,
               JsonObject     *object,
               const char     *path,
               GError        **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *full = NULL;
  g_autofree char *reason = NULL;
  const char *file;
  const guint8 *contents;
  gsize length = 0;
  JsonNode *node;

  if (!hap_json_reader_member (&self->json, object, path, "snapshot", HAP_JSON_KIND_STRING, FALSE,
                                &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  /* Relative to the accessory file. */
  file = json_node_get_string (node);
  full = g_path_is_absolute (file) ? g_strdup (file) : g_build_filename (self->base_dir, file, NULL);
  if ((bytes = read_snapshot (file, full, &reason)) == NULL)
    return hap_json_reader_fail (&self->json, path, "snapshot", error, "%s", reason);

  contents = g_bytes_get_data (bytes, &length);
  /* A JPEG starts with an SOI marker, FF D8 FF. */
  if (length < 3 || memcmp (contents, "\xff\xd8\xff", 3) != 0)
    return hap_json_reader_fail (&self->json, path, "snapshot", error,
                                  "“%s” is not a JPEG image", file);

  hap_accessory_set_snapshot (state->accessory, bytes);
  return TRUE;
}

static void
accessory_state_clear (AccessoryState *state)
{
  g_clear_pointer (&state->iids, g_hash_table_unref);
  g_clear_pointer (&state->ids, g_hash_table_unref);
  g_clear_pointer (&state->id_paths, g_hash_table_unref);
  g_clear_pointer (&state->links, g_ptr_array_unref);
  g_clear_pointer (&state->primary_path, g_free);
  g_clear_object (&state->accessory);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AccessoryState, accessory_state_clear)

static HapAccessory *
load_accessory (Loader      *self,
                JsonObject  *object,
                const char  *path,
                gboolean     is_primary,
                gboolean     has_bridged,
                GError     **error)
{
  g_auto(AccessoryState) state = { 0 };
  g_autofree char *list_path = hap_json_reader_child_path (path, "services");
  JsonNode *name, *services;
  gint64 one = 1;
  int category = CATEGORY_OTHER;

  if (!hap_json_reader_check_keys (&self->json, object, path, accessory_keys, error) ||
      !hap_json_reader_member (&self->json, object, path, "name", HAP_JSON_KIND_STRING, TRUE,
                                &name, error) ||
      !hap_json_reader_member (&self->json, object, path, "services", HAP_JSON_KIND_ARRAY, FALSE,
                                &services, error) ||
      !get_category (self, object, path, services, has_bridged, &category, error))
    return NULL;

  state.accessory = hap_accessory_new (json_node_get_string (name), category);
  state.iids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  state.ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  state.id_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  state.links = g_ptr_array_new_with_free_func ((GDestroyNotify) link_free);
  g_hash_table_insert (state.iids, g_memdup2 (&one, sizeof one),
                       g_strdup_printf ("%s (Accessory Information)", path));

  if (!load_information (self, &state, object, path, error) ||
      !load_aid (self, &state, object, path, is_primary, error) ||
      !load_snapshot (self, &state, object, path, error))
    return NULL;

  for (guint i = 0; services != NULL && i < json_array_get_length (json_node_get_array (services)); i++)
    {
      g_autofree char *item_path = hap_json_reader_element_path (list_path, i);
      JsonNode *node;

      if (!hap_json_reader_element (&self->json, json_node_get_array (services), i, list_path,
                                     HAP_JSON_KIND_OBJECT, &node, error) ||
          !load_service (self, &state, json_node_get_object (node), item_path, error))
        return NULL;
    }

  for (guint i = 0; i < state.links->len; i++)
    {
      Link *link = g_ptr_array_index (state.links, i);
      HapService *target = g_hash_table_lookup (state.ids, link->id);

      if (target == NULL || target == link->service)
        {
          hap_json_reader_fail (&self->json, link->path, NULL, error, target == NULL
                                 ? "no service with id “%s” in this accessory"
                                 : "a service cannot link to itself (“%s”)", link->id);
          return NULL;
        }
      hap_service_add_linked_service (link->service, target);
    }

  return g_steal_pointer (&state.accessory);
}

/* Documents --------------------------------------------------------------------- */

/* "transports": ["ip", "ble"]: which transports serve the accessory (default IP). */
static gboolean
load_transports (Loader *self, JsonObject *root, HapAccessory *accessory, GError **error)
{
  JsonNode *node;
  JsonArray *array;
  HapTransportFlags transports = 0;

  if (!hap_json_reader_member (&self->json, root, "", "transports", HAP_JSON_KIND_ARRAY, FALSE,
                                &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return hap_json_reader_fail (&self->json, "transports", NULL, error,
                                  "must list at least one of \"ip\" and \"ble\"");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *path = hap_json_reader_element_path ("transports", i);
      HapTransportFlags flag;
      const char *name;
      JsonNode *element;

      if (!hap_json_reader_element (&self->json, array, i, "transports", HAP_JSON_KIND_STRING,
                                     &element, error))
        return FALSE;
      name = json_node_get_string (element);
      if (g_str_equal (name, "ip"))
        flag = HAP_TRANSPORT_IP;
      else if (g_str_equal (name, "ble"))
        flag = HAP_TRANSPORT_BLE;
      else
        return hap_json_reader_fail (&self->json, path, NULL, error,
                                      "unknown transport “%s” (\"ip\" or \"ble\")", name);
      if (transports & flag)
        return hap_json_reader_fail (&self->json, path, NULL, error, "“%s” is listed twice", name);
      transports |= flag;
    }
  /* docs/protocol.md §5.1: HAP over BLE has no bridges. */
  if ((transports & HAP_TRANSPORT_BLE) && hap_accessory_get_bridged_accessories (accessory) != NULL &&
      hap_accessory_get_bridged_accessories (accessory)->len > 0)
    return hap_json_reader_fail (&self->json, "transports", NULL, error,
                                  "HAP over BLE serves one accessory and has no bridges: "
                                  "a file with several accessories is served over \"ip\" only");
  hap_accessory_set_transports (accessory, transports);
  return TRUE;
}

static HapAccessory *
load_document (Loader    *self,
               JsonNode  *root,
               GError   **error)
{
  /* "simulator" belongs to hap-simulator (quirks, behaviours); the SDK leaves it alone. */
  static const char * const top_keys[] = { "accessories", "transports", "simulator", NULL };
  g_autoptr(HapAccessory) primary = NULL;
  JsonNode *accessories;
  JsonArray *array;
  HapDumpFormat dump;
  guint n;

  if (root == NULL)
    {
      hap_json_reader_fail (&self->json, "", NULL, error, "the file is empty");
      return NULL;
    }
  /* What a real device answered (hap-accessory-dump.c), told apart by its content. */
  if ((dump = _hap_accessory_dump_detect (root)) != HAP_DUMP_NONE)
    return _hap_accessory_dump_load (&self->json, root, dump, error);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      hap_json_reader_fail (&self->json, "", NULL, error,
                             "expected an object with an “accessories” array (or a device's "
                             "GET /accessories answer), got %s",
                             hap_json_reader_describe_node (root));
      return NULL;
    }

  if (!hap_json_reader_check_keys (&self->json, json_node_get_object (root), "",
                                    top_keys, error) ||
      !hap_json_reader_member (&self->json, json_node_get_object (root), "", "accessories",
                                HAP_JSON_KIND_ARRAY, TRUE, &accessories, error))
    return NULL;

  array = json_node_get_array (accessories);
  if ((n = json_array_get_length (array)) == 0)
    {
      hap_json_reader_fail (&self->json, "accessories", NULL, error,
                             "must list at least one accessory");
      return NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = hap_json_reader_element_path ("accessories", i);
      g_autoptr(HapAccessory) accessory = NULL;
      JsonNode *node;

      if (!hap_json_reader_element (&self->json, array, i, "accessories", HAP_JSON_KIND_OBJECT,
                                     &node, error) ||
          !(accessory = load_accessory (self, json_node_get_object (node), item_path, i == 0, n > 1, error)))
        return NULL;

      /* The first accessory is served at aid 1; any others are bridged to it. */
      if (i == 0)
        primary = g_steal_pointer (&accessory);
      else
        hap_accessory_add_bridged_accessory (primary, accessory);
    }

  if (!load_transports (self, json_node_get_object (root), primary, error))
    return NULL;
  return g_steal_pointer (&primary);
}

/* json-glib says "<data>:LINE:COL: Parse error: what"; keep LINE:COL and what. */
static void
set_syntax_error (Loader       *self,
                  const GError *parse_error,
                  GError      **error)
{
  const char *message = parse_error->message;
  guint line = 1, col = 1;

  if (g_str_has_prefix (message, "<data>:"))
    {
      char *end = NULL;

      line = (guint) g_ascii_strtoull (message + strlen ("<data>:"), &end, 10);
      if (end != NULL && *end == ':')
        col = (guint) g_ascii_strtoull (end + 1, &end, 10);
      if (end != NULL && g_str_has_prefix (end, ": "))
        message = end + 2;
    }
  if (g_str_has_prefix (message, "Parse error: "))
    message += strlen ("Parse error: ");

  g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE, "%s:%u:%u: invalid JSON: %s",
               self->json.origin, MAX (line, 1), MAX (col, 1), message);
}

HapAccessory *
hap_accessory_new_from_data (const char  *data,
                             gssize       length,
                             const char  *origin,
                             GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GHashTable) positions = NULL;
  g_autoptr(GHashTable) aids = NULL;
  g_autofree char *base_dir = NULL;
  const char *bad = NULL;
  guint depth_line = 0, depth_col = 0;
  Loader loader = { 0 };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (length < 0)
    length = strlen (data);

  base_dir = origin != NULL ? g_path_get_dirname (origin) : g_get_current_dir ();
  aids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  loader.json.origin = origin != NULL ? origin : "<data>";
  loader.base_dir = base_dir;
  loader.aids = aids;

  /* json-glib refuses bad UTF-8 without saying where; find the place first. */
  if (!g_utf8_validate (data, length, &bad))
    {
      guint line = 1, col = 1;

      for (const char *p = data; p < bad; p++)
        {
          col = *p == '\n' ? 1 : col + 1;
          line += *p == '\n';
        }
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE, "%s:%u:%u: invalid JSON: %s",
                   loader.json.origin, line, col,
                   bad < data + length && *bad == '\0' ? "a NUL byte" : "not UTF-8 text");
      return NULL;
    }

  /* json-glib's parser recurses per array or object: count first (hap-json.c). */
  if (!hap_json_check_depth (data, length, HAP_JSON_MAX_DEPTH, &depth_line, &depth_col))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE,
                   "%s:%u:%u: invalid JSON: arrays and objects nest deeper than %u levels",
                   loader.json.origin, depth_line, depth_col, HAP_JSON_MAX_DEPTH);
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      set_syntax_error (&loader, parse_error, error);
      return NULL;
    }
  /* Numbers json-glib cannot hold and \u0000 in strings, reported as written. */
  if (!hap_json_reader_check_literals (loader.json.origin, data, length, error))
    return NULL;

  /* Where each path is in the text, for LINE:COL in the messages from here on. */
  positions = hap_json_reader_scan_positions (data, length);
  loader.json.positions = positions;

  return load_document (&loader, json_parser_get_root (parser), error);
}

HapAccessory *
hap_accessory_new_from_file (const char  *path,
                             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, &local_error))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE, "%s: cannot read: %s",
                   path, local_error->message);
      return NULL;
    }

  return hap_accessory_new_from_data (contents, length, path, error);
}
