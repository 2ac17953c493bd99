/* hap-accessory-dump.c — accessories from what a real device answered to
 * GET /accessories, served as recorded
 *
 * Two formats carry such a recording: the wire format itself (a bare array of
 * accessories, or {"accessories": […]}, each with an "aid" and services with "iid"s, as
 * aiohomekit, Home Assistant's fixtures and `hapctl clone` write it), and Home
 * Assistant's homekit_controller diagnostics download, whose data."entity-map" is that
 * array and data."config-num" the configuration number.
 *
 * Reproducing the device is the point, so the objects are kept as recorded and served
 * member for member (types as written, perms, metadata, members this SDK does not know;
 * hap-recorded-json.c), only iid, value and ev coming from the live model. The model is
 * built from the same objects (format, perms, constraints) so that reads, writes and
 * their validation follow the recorded metadata. What breaks the rules of docs/protocol.md §4.10 but can still be
 * served (a value outside its range, no perms or format, a duplicate iid) is served and
 * logged as one warning per oddity with its JSON path; what cannot be served (no aid, a
 * service without characteristics) is an error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-accessory-dump-private.h"
#include "hap-error.h"
#include "hap-model-private.h"

#include <math.h>
#include <string.h>

#define UUID_ACCESSORY_INFORMATION "0000003E-0000-1000-8000-0026BB765291"
#define UUID_NAME                  "00000023-0000-1000-8000-0026BB765291"

typedef struct
{
  HapJsonReader *json;
  GHashTable    *iids;   /* iid → path of its first user, per accessory */
} Dump;

/* Detection ----------------------------------------------------------------------- */

static gboolean
looks_like_wire_accessory (JsonNode *node)
{
  JsonObject *object;
  JsonArray *services;
  JsonNode *first;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  object = json_node_get_object (node);
  /* This simulator's own format names every accessory. */
  if (json_object_has_member (object, "name"))
    return FALSE;
  if (json_object_has_member (object, "aid"))
    return TRUE;
  if ((first = json_object_get_member (object, "services")) == NULL || !JSON_NODE_HOLDS_ARRAY (first))
    return FALSE;
  services = json_node_get_array (first);
  return json_array_get_length (services) > 0 &&
         JSON_NODE_HOLDS_OBJECT (json_array_get_element (services, 0)) &&
         json_object_has_member (json_array_get_object_element (services, 0), "iid");
}

HapDumpFormat
_hap_accessory_dump_detect (JsonNode *root)
{
  JsonObject *object;
  JsonNode *node;

  if (root == NULL)
    return HAP_DUMP_NONE;
  if (JSON_NODE_HOLDS_ARRAY (root))
    return HAP_DUMP_WIRE;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return HAP_DUMP_NONE;

  object = json_node_get_object (root);
  if ((node = json_object_get_member (object, "data")) != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
      json_object_has_member (json_node_get_object (node), "entity-map"))
    return HAP_DUMP_HOME_ASSISTANT;
  if ((node = json_object_get_member (object, "accessories")) != NULL && JSON_NODE_HOLDS_ARRAY (node) &&
      json_array_get_length (json_node_get_array (node)) > 0 &&
      looks_like_wire_accessory (json_array_get_element (json_node_get_array (node), 0)))
    return HAP_DUMP_WIRE;
  return HAP_DUMP_NONE;
}

/* Messages ------------------------------------------------------------------------ */

static void warn_oddity (Dump *self, const char *path, const char *key, const char *format, ...)
  G_GNUC_PRINTF (4, 5);

/* One warning per oddity, at its place in the file. */
static void
warn_oddity (Dump       *self,
             const char *path,
             const char *key,
             const char *format,
             ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  hap_json_reader_fail (self->json, path, key, &error, "%s", message);
  g_warning ("%s (served as recorded)", error->message);
}

/* A type as recorded: a short ("3E") or full UUID, vendor ones included. */
static gboolean
get_type (Dump        *self,
          JsonObject  *object,
          const char  *path,
          char       **uuid,
          GError     **error)
{
  const char *text;
  JsonNode *node;

  if (!hap_json_reader_member (self->json, object, path, "type", HAP_JSON_KIND_STRING, TRUE,
                                &node, error))
    return FALSE;
  text = json_node_get_string (node);
  if ((*uuid = hap_uuid_normalize (text)) != NULL)
    return TRUE;

  /* Some devices leave the dashes out of a full UUID. */
  if (strlen (text) == 32 && strspn (text, "0123456789abcdefABCDEF") == 32)
    {
      g_autofree char *dashed = g_strdup_printf ("%.8s-%.4s-%.4s-%.4s-%.12s", text, text + 8,
                                                 text + 12, text + 16, text + 20);

      *uuid = hap_uuid_normalize (dashed);
      warn_oddity (self, path, "type", "“%s” is a UUID without dashes", text);
      return TRUE;
    }
  return hap_json_reader_fail (self->json, path, "type", error,
                                "“%s” is not a HAP type (a short or full UUID)", text);
}

/* docs/protocol.md §4.10: iids are unique across the services and characteristics of
 * one accessory. A device that repeats one is served as it is. */
static gboolean
get_iid (Dump        *self,
         JsonObject  *object,
         const char  *path,
         guint64     *out,
         GError     **error)
{
  JsonNode *node;
  const char *user;
  gint64 iid;

  if (!hap_json_reader_member (self->json, object, path, "iid", HAP_JSON_KIND_INTEGER, TRUE,
                                &node, error) ||
      !hap_json_reader_int_in_range (self->json, node, path, "iid", 1, G_MAXINT64, error))
    return FALSE;

  iid = json_node_get_int (node);
  if ((user = g_hash_table_lookup (self->iids, &iid)) != NULL)
    warn_oddity (self, path, "iid", "iid %" G_GINT64_FORMAT " is already used by %s", iid, user);
  else
    g_hash_table_insert (self->iids, g_memdup2 (&iid, sizeof iid), g_strdup (path));
  *out = (guint64) iid;
  return TRUE;
}

/* Characteristics ----------------------------------------------------------------- */

static gboolean
format_is_integer (HapFormat format)
{
  return format >= HAP_FORMAT_UINT8 && format <= HAP_FORMAT_INT;
}

/* The format values are checked as when the device did not say (§4.10 makes it
 * required): the catalog's, else what the value looks like. */
static HapFormat
guess_format (const HapCharacteristicType *catalog,
              JsonNode                    *value)
{
  if (catalog != NULL)
    return catalog->format;
  if (value != NULL && JSON_NODE_HOLDS_VALUE (value))
    switch (json_node_get_value_type (value))
      {
      case G_TYPE_BOOLEAN: return HAP_FORMAT_BOOL;
      case G_TYPE_INT64:   return HAP_FORMAT_INT;
      case G_TYPE_DOUBLE:  return HAP_FORMAT_FLOAT;
      case G_TYPE_STRING:  return HAP_FORMAT_STRING;
      default: break;
      }
  return HAP_FORMAT_DATA;
}

static gboolean
get_format (Dump                        *self,
            JsonObject                  *object,
            const char                  *path,
            const HapCharacteristicType *catalog,
            HapFormat                   *out,
            GError                     **error)
{
  JsonNode *node;

  if (!hap_json_reader_member (self->json, object, path, "format", HAP_JSON_KIND_STRING, FALSE,
                                &node, error))
    return FALSE;
  if (node == NULL)
    {
      *out = guess_format (catalog, json_object_get_member (object, "value"));
      warn_oddity (self, path, NULL, "no “format”: values are checked as %s",
                   hap_format_to_string (*out));
      return TRUE;
    }
  if (!hap_format_from_string (json_node_get_string (node), out))
    return hap_json_reader_fail (self->json, path, "format", error,
                                  "unknown format “%s” (expected one of bool, uint8, uint16, "
                                  "uint32, uint64, int, float, string, tlv8, data)",
                                  json_node_get_string (node));
  return TRUE;
}

static HapPerms
get_perms (Dump                        *self,
           JsonObject                  *object,
           const char                  *path,
           const HapCharacteristicType *catalog)
{
  JsonNode *node = json_object_get_member (object, "perms");
  g_autofree char *perms_path = hap_json_reader_child_path (path, "perms");
  HapPerms perms = HAP_PERM_NONE;
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      perms = catalog != NULL ? catalog->perms
              : json_object_has_member (object, "value") ? HAP_PERM_PAIRED_READ : HAP_PERM_NONE;
      warn_oddity (self, path, node != NULL ? "perms" : NULL,
                   "“perms” is missing or not an array: access is checked as the %s",
                   catalog != NULL ? "catalog's" : "value suggests");
      return perms;
    }

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      HapPerms perm;
      char key[16];

      g_snprintf (key, sizeof key, "[%u]", i);
      if (hap_json_reader_node_is (element, HAP_JSON_KIND_STRING) &&
          hap_perm_from_string (json_node_get_string (element), &perm))
        perms |= perm;
      else
        warn_oddity (self, perms_path, key, "unknown permission %s: ignored for access checks",
                     hap_json_reader_node_is (element, HAP_JSON_KIND_STRING)
                       ? json_node_get_string (element) : hap_json_reader_describe_node (element));
    }
  return perms;
}

/* A recorded number member, or NAN (with a warning when present but not a number). */
static double
get_number (Dump       *self,
            JsonObject *object,
            const char *path,
            const char *key)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL)
    return NAN;
  if (!hap_json_reader_node_is (node, HAP_JSON_KIND_NUMBER))
    {
      warn_oddity (self, path, key, "expected a number, got %s: not enforced",
                   hap_json_reader_describe_node (node));
      return NAN;
    }
  return json_node_get_double (node);
}

/* valid-values [v, …]; valid-values-range [start, end] (HAP) or [[start, end], …]. */
static GArray *
get_int_list (Dump       *self,
              JsonObject *object,
              const char *path,
              const char *key,
              gboolean    ranges)
{
  JsonNode *node = json_object_get_member (object, key);
  g_autoptr(GArray) ints = g_array_new (FALSE, FALSE, sizeof (int));
  JsonArray *array;

  if (node == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    goto bad;

  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (ranges && JSON_NODE_HOLDS_ARRAY (element))
        {
          JsonArray *pair = json_node_get_array (element);

          if (json_array_get_length (pair) != 2)
            goto bad;
          for (guint k = 0; k < 2; k++)
            {
              JsonNode *bound = json_array_get_element (pair, k);
              int v;

              if (!hap_json_reader_node_is (bound, HAP_JSON_KIND_INTEGER) ||
                  json_node_get_int (bound) < G_MININT32 || json_node_get_int (bound) > G_MAXINT32)
                goto bad;
              v = (int) json_node_get_int (bound);
              g_array_append_val (ints, v);
            }
        }
      else if (hap_json_reader_node_is (element, HAP_JSON_KIND_INTEGER) &&
               json_node_get_int (element) >= G_MININT32 && json_node_get_int (element) <= G_MAXINT32)
        {
          int v = (int) json_node_get_int (element);

          g_array_append_val (ints, v);
        }
      else
        goto bad;
    }
  if (ints->len == 0 || (ranges && ints->len % 2 != 0))
    goto bad;
  for (guint i = 0; ranges && i < ints->len; i += 2)
    if (g_array_index (ints, int, i) > g_array_index (ints, int, i + 1))
      goto bad;
  return g_steal_pointer (&ints);

bad:
  warn_oddity (self, path, key, "expected %s: not enforced",
               ranges ? "[start, end] integer ranges" : "a list of integers");
  return NULL;
}

/* The recorded metadata, as constraints for writes (docs/protocol.md §4.7). */
static void
apply_metadata (Dump              *self,
                HapCharacteristic *characteristic,
                JsonObject        *object,
                const char        *path)
{
  HapFormat format = hap_characteristic_get_format (characteristic);
  double min = get_number (self, object, path, "minValue");
  double max = get_number (self, object, path, "maxValue");
  double step = get_number (self, object, path, "minStep");
  JsonNode *node;

  if (format_is_integer (format) || format == HAP_FORMAT_FLOAT)
    {
      if (!isnan (min) && !isnan (max) && min > max)
        warn_oddity (self, path, "maxValue", "minValue %g is above maxValue %g: not enforced", min, max);
      else
        {
          if (!isnan (min))
            hap_characteristic_set_min_value (characteristic, min);
          if (!isnan (max))
            hap_characteristic_set_max_value (characteristic, max);
        }
      if (!isnan (step) && step <= 0)
        warn_oddity (self, path, "minStep", "minStep %g is not above 0: not enforced", step);
      else if (!isnan (step))
        hap_characteristic_set_min_step (characteristic, step);
    }

  if (format_is_integer (format))
    {
      g_autoptr(GArray) values = get_int_list (self, object, path, "valid-values", FALSE);
      g_autoptr(GArray) ranges = get_int_list (self, object, path, "valid-values-range", TRUE);

      if (values != NULL)
        hap_characteristic_set_valid_values (characteristic, (int *) values->data, values->len);
      if (ranges != NULL)
        hap_characteristic_set_valid_values_range (characteristic, (int *) ranges->data, ranges->len / 2);
    }

  /* docs/protocol.md §4.7: maxLen is 1 to 256 bytes. */
  if (format == HAP_FORMAT_STRING && (node = json_object_get_member (object, "maxLen")) != NULL)
    {
      if (hap_json_reader_node_is (node, HAP_JSON_KIND_INTEGER) &&
          json_node_get_int (node) >= 1 && json_node_get_int (node) <= 256)
        hap_characteristic_set_max_len (characteristic, (int) json_node_get_int (node));
      else
        warn_oddity (self, path, "maxLen", "maxLen must be an integer from 1 to 256: not enforced");
    }
  if (format == HAP_FORMAT_DATA && (node = json_object_get_member (object, "maxDataLen")) != NULL)
    {
      if (hap_json_reader_node_is (node, HAP_JSON_KIND_INTEGER) &&
          json_node_get_int (node) >= 0 && json_node_get_int (node) <= G_MAXINT)
        hap_characteristic_set_max_data_len (characteristic, (int) json_node_get_int (node));
      else
        warn_oddity (self, path, "maxDataLen", "maxDataLen must be a non-negative integer: not enforced");
    }

  if ((node = json_object_get_member (object, "unit")) != NULL &&
      hap_json_reader_node_is (node, HAP_JSON_KIND_STRING))
    hap_characteristic_set_unit (characteristic, json_node_get_string (node));
  if ((node = json_object_get_member (object, "description")) != NULL &&
      hap_json_reader_node_is (node, HAP_JSON_KIND_STRING))
    hap_characteristic_set_description (characteristic, json_node_get_string (node));
}

static gboolean
load_characteristic (Dump        *self,
                     HapService  *service,
                     JsonObject  *object,
                     const char  *path,
                     GError     **error)
{
  g_autoptr(HapCharacteristic) characteristic = NULL;
  const HapCharacteristicType *catalog;
  g_autofree char *uuid = NULL;
  HapFormat format;
  HapPerms perms;
  JsonNode *value;
  guint64 iid;

  if (!get_type (self, object, path, &uuid, error) ||
      !get_iid (self, object, path, &iid, error))
    return FALSE;
  catalog = hap_catalog_lookup_characteristic (uuid);
  if (!get_format (self, object, path, catalog, &format, error))
    return FALSE;
  perms = get_perms (self, object, path, catalog);

  /* Nothing from the catalog: only what the device recorded. */
  characteristic = hap_characteristic_new_custom (uuid, format, perms);
  hap_characteristic_set_iid (characteristic, iid);
  apply_metadata (self, characteristic, object, path);

  /* The model's value, for writes and events; the recorded one is served until a value
   * is set (a null, as devices answer for values they do not give out, included). */
  if ((value = json_object_get_member (object, "value")) != NULL && !JSON_NODE_HOLDS_NULL (value))
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GVariant) variant = hap_characteristic_value_from_json (characteristic, value, &local_error);

      if (variant == NULL || !hap_characteristic_set_value (characteristic, variant, &local_error))
        warn_oddity (self, path, "value", "%s", local_error->message);
    }

  _hap_characteristic_set_recorded (characteristic, object);
  hap_service_add_characteristic (service, characteristic);
  return TRUE;
}

/* Services ------------------------------------------------------------------------ */

static gboolean
load_service (Dump          *self,
              HapAccessory  *accessory,
              JsonObject    *object,
              const char    *path,
              GError       **error)
{
  g_autoptr(HapService) service = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *list_path = hap_json_reader_child_path (path, "characteristics");
  JsonNode *characteristics, *node;
  JsonArray *array;
  guint64 iid;

  if (!get_type (self, object, path, &uuid, error) ||
      !get_iid (self, object, path, &iid, error) ||
      !hap_json_reader_member (self->json, object, path, "characteristics", HAP_JSON_KIND_ARRAY,
                                TRUE, &characteristics, error))
    return FALSE;

  service = hap_service_new_custom (uuid);
  hap_service_set_iid (service, iid);
  if ((node = json_object_get_member (object, "primary")) != NULL)
    {
      if (hap_json_reader_node_is (node, HAP_JSON_KIND_BOOLEAN))
        hap_service_set_primary (service, json_node_get_boolean (node));
      else
        warn_oddity (self, path, "primary", "expected a boolean, got %s", hap_json_reader_describe_node (node));
    }
  if ((node = json_object_get_member (object, "hidden")) != NULL)
    {
      if (hap_json_reader_node_is (node, HAP_JSON_KIND_BOOLEAN))
        hap_service_set_hidden (service, json_node_get_boolean (node));
      else
        warn_oddity (self, path, "hidden", "expected a boolean, got %s", hap_json_reader_describe_node (node));
    }

  array = json_node_get_array (characteristics);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *item_path = hap_json_reader_element_path (list_path, i);

      if (!hap_json_reader_element (self->json, array, i, list_path, HAP_JSON_KIND_OBJECT, &node, error) ||
          !load_characteristic (self, service, json_node_get_object (node), item_path, error))
        return FALSE;
    }

  _hap_service_set_recorded (service, object);
  hap_accessory_add_service (accessory, service);
  return TRUE;
}

/* "linked": [iid, …], once every service of the accessory is known. */
static void
link_services (Dump         *self,
               HapAccessory *accessory,
               const char   *path)
{
  GPtrArray *services = hap_accessory_get_services (accessory);

  for (guint i = 0; i < services->len; i++)
    {
      HapService *service = g_ptr_array_index (services, i);
      JsonNode *linked = json_object_get_member (_hap_service_get_recorded (service), "linked");
      g_autofree char *service_path = g_strdup_printf ("%s.services[%u]", path, i);
      g_autofree char *linked_path = hap_json_reader_child_path (service_path, "linked");
      JsonArray *array;

      if (linked == NULL)
        continue;
      if (!JSON_NODE_HOLDS_ARRAY (linked))
        {
          warn_oddity (self, service_path, "linked", "expected an array of service iids");
          continue;
        }
      array = json_node_get_array (linked);
      for (guint k = 0; k < json_array_get_length (array); k++)
        {
          JsonNode *element = json_array_get_element (array, k);
          HapService *target = NULL;
          char key[16];

          for (guint s = 0; hap_json_reader_node_is (element, HAP_JSON_KIND_INTEGER) && s < services->len; s++)
            if (hap_service_get_iid (g_ptr_array_index (services, s)) == (guint64) json_node_get_int (element))
              target = g_ptr_array_index (services, s);
          g_snprintf (key, sizeof key, "[%u]", k);
          if (target == NULL || target == service)
            warn_oddity (self, linked_path, key, "links to no other service of this accessory");
          else
            hap_service_add_linked_service (service, target);
        }
    }
}

/* Accessories --------------------------------------------------------------------- */

/* The Name of the first Accessory Information service, if the recording has one. */
static const char *
recorded_name (JsonArray *services)
{
  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      JsonNode *node = json_array_get_element (services, i);
      JsonObject *service;
      JsonArray *characteristics;
      g_autofree char *uuid = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !(service = json_node_get_object (node)) ||
          !(node = json_object_get_member (service, "type")) ||
          !hap_json_reader_node_is (node, HAP_JSON_KIND_STRING) ||
          g_strcmp0 (uuid = hap_uuid_normalize (json_node_get_string (node)), UUID_ACCESSORY_INFORMATION) != 0 ||
          !(node = json_object_get_member (service, "characteristics")) ||
          !JSON_NODE_HOLDS_ARRAY (node))
        continue;

      characteristics = json_node_get_array (node);
      for (guint k = 0; k < json_array_get_length (characteristics); k++)
        {
          JsonNode *element = json_array_get_element (characteristics, k);
          g_autofree char *type = NULL;
          JsonObject *characteristic;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            continue;
          characteristic = json_node_get_object (element);
          if ((node = json_object_get_member (characteristic, "type")) != NULL &&
              hap_json_reader_node_is (node, HAP_JSON_KIND_STRING) &&
              g_strcmp0 (type = hap_uuid_normalize (json_node_get_string (node)), UUID_NAME) == 0 &&
              (node = json_object_get_member (characteristic, "value")) != NULL &&
              hap_json_reader_node_is (node, HAP_JSON_KIND_STRING) &&
              g_utf8_validate (json_node_get_string (node), -1, NULL))
            return json_node_get_string (node);
        }
      return NULL;
    }
  return NULL;
}

/* A device without a Name: the file's, like a native file names its accessory. */
static char *
fallback_name (Dump    *self,
               guint64  aid)
{
  g_autofree char *base = NULL;
  char *dot;

  if (aid != 1)
    return g_strdup_printf ("Accessory %" G_GUINT64_FORMAT, aid);
  base = g_path_get_basename (self->json->origin);
  if ((dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  return g_steal_pointer (&base);
}

static HapAccessory *
load_accessory (Dump        *self,
                JsonObject  *object,
                const char  *path,
                guint64      aid,
                gboolean     has_bridged,
                GError     **error)
{
  g_autoptr(HapAccessory) accessory = NULL;
  g_autoptr(GHashTable) iids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autofree char *list_path = hap_json_reader_child_path (path, "services");
  g_autofree char *name = NULL;
  JsonNode *services, *node;
  JsonArray *array;

  if (!hap_json_reader_member (self->json, object, path, "services", HAP_JSON_KIND_ARRAY, TRUE,
                                &services, error))
    return NULL;
  array = json_node_get_array (services);
  name = g_strdup (recorded_name (array));
  if (name == NULL)
    name = fallback_name (self, aid);

  /* Category and name as for a native file: they are not in the recording. */
  accessory = hap_accessory_new (name, _hap_loader_category_from_services (services, aid == 1 && has_bridged));
  _hap_accessory_set_recorded (accessory, 0, 0);
  hap_accessory_set_aid (accessory, aid);

  self->iids = iids;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *item_path = hap_json_reader_element_path (list_path, i);

      if (!hap_json_reader_element (self->json, array, i, list_path, HAP_JSON_KIND_OBJECT, &node, error) ||
          !load_service (self, accessory, json_node_get_object (node), item_path, error))
        {
          self->iids = NULL;
          return NULL;
        }
    }
  link_services (self, accessory, path);
  self->iids = NULL;

  return g_steal_pointer (&accessory);
}

/* The accessory list of @root in @format, its path, and the configuration number. */
static gboolean
find_accessories (Dump           *self,
                  JsonNode       *root,
                  HapDumpFormat   format,
                  JsonArray     **out,
                  const char    **out_path,
                  guint          *config_number,
                  GError        **error)
{
  static const char * const wire_keys[] = { "accessories", "simulator", NULL };
  JsonNode *data, *list, *number;

  *config_number = 0;
  if (format == HAP_DUMP_WIRE && JSON_NODE_HOLDS_ARRAY (root))
    {
      *out = json_node_get_array (root);
      *out_path = "";
      return TRUE;
    }
  if (format == HAP_DUMP_WIRE)
    {
      if (!hap_json_reader_check_keys (self->json, json_node_get_object (root), "", wire_keys, error) ||
          !hap_json_reader_member (self->json, json_node_get_object (root), "", "accessories",
                                    HAP_JSON_KIND_ARRAY, TRUE, &list, error))
        return FALSE;
      *out = json_node_get_array (list);
      *out_path = "accessories";
      return TRUE;
    }

  /* Home Assistant: {"data": {"config-num": N, "entity-map": […], …}, …}. */
  if (!hap_json_reader_member (self->json, json_node_get_object (root), "", "data",
                                HAP_JSON_KIND_OBJECT, TRUE, &data, error) ||
      !hap_json_reader_member (self->json, json_node_get_object (data), "data", "entity-map",
                                HAP_JSON_KIND_ARRAY, TRUE, &list, error) ||
      !hap_json_reader_member (self->json, json_node_get_object (data), "data", "config-num",
                                HAP_JSON_KIND_INTEGER, FALSE, &number, error))
    return FALSE;
  /* docs/protocol.md §4.12: c# is 1 to 65535. */
  if (number != NULL && !hap_json_reader_int_in_range (self->json, number, "data", "config-num",
                                                        1, 65535, error))
    return FALSE;
  *config_number = number != NULL ? (guint) json_node_get_int (number) : 0;
  *out = json_node_get_array (list);
  *out_path = "data.entity-map";
  return TRUE;
}

static HapAccessory *
load_dump (Dump           *self,
           JsonNode       *root,
           HapDumpFormat   format,
           GError        **error)
{
  g_autoptr(GHashTable) aids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func (g_object_unref);
  HapAccessory *root_accessory = NULL;
  const char *list_path;
  guint config_number, root_index = 0, n;
  JsonArray *array;

  if (!find_accessories (self, root, format, &array, &list_path, &config_number, error))
    return NULL;
  if ((n = json_array_get_length (array)) == 0)
    {
      hap_json_reader_fail (self->json, list_path, NULL, error, "must list at least one accessory");
      return NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = hap_json_reader_element_path (list_path, i);
      HapAccessory *accessory;
      const char *user;
      JsonNode *node, *aid;
      gint64 value;

      if (!hap_json_reader_element (self->json, array, i, list_path, HAP_JSON_KIND_OBJECT, &node, error) ||
          !hap_json_reader_member (self->json, json_node_get_object (node), item_path, "aid",
                                    HAP_JSON_KIND_INTEGER, TRUE, &aid, error) ||
          !hap_json_reader_int_in_range (self->json, aid, item_path, "aid", 1, G_MAXINT64, error))
        return NULL;
      /* Requests name accessories by aid: two with one aid cannot be served. */
      value = json_node_get_int (aid);
      if ((user = g_hash_table_lookup (aids, &value)) != NULL)
        {
          hap_json_reader_fail (self->json, item_path, "aid", error,
                                 "aid %" G_GINT64_FORMAT " is already used by %s", value, user);
          return NULL;
        }
      g_hash_table_insert (aids, g_memdup2 (&value, sizeof value), g_strdup (item_path));

      if (!(accessory = load_accessory (self, json_node_get_object (node), item_path, (guint64) value,
                                        n > 1, error)))
        return NULL;
      g_ptr_array_add (loaded, accessory);
      if (value == 1)
        {
          root_accessory = accessory;
          root_index = i;
        }
    }

  /* docs/protocol.md §4.10: the accessory itself, or the bridge, is aid 1. */
  if (root_accessory == NULL)
    {
      hap_json_reader_fail (self->json, list_path, NULL, error,
                             "no accessory has aid 1 (the accessory itself, or the bridge)");
      return NULL;
    }

  _hap_accessory_set_recorded (root_accessory, root_index, config_number);
  for (guint i = 0; i < loaded->len; i++)
    if (g_ptr_array_index (loaded, i) != root_accessory)
      hap_accessory_add_bridged_accessory (root_accessory, g_ptr_array_index (loaded, i));

  return g_object_ref (root_accessory);
}

HapAccessory *
_hap_accessory_dump_load (HapJsonReader  *json,
                          JsonNode       *root,
                          HapDumpFormat   format,
                          GError        **error)
{
  Dump dump = { json, NULL };
  HapAccessory *accessory;

  g_return_val_if_fail (format != HAP_DUMP_NONE, NULL);

  if ((accessory = load_dump (&dump, root, format, error)) == NULL && error != NULL && *error != NULL)
    {
      /* Say which format the content was taken for. */
      char *message = g_strdup_printf ("%s (read as %s)", (*error)->message,
                                       format == HAP_DUMP_WIRE
                                         ? "a device's GET /accessories answer"
                                         : "a Home Assistant diagnostics download");

      g_free ((*error)->message);
      (*error)->message = message;
    }
  return accessory;
}
