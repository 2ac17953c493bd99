/* hap-accessory-loader.c — accessories from a JSON file (format: accessories/README.md)
 *
 * Every problem is one HAP_ERROR_INVALID_FILE error reading
 * "FILE:LINE:COL: PATH: what is wrong", with PATH like
 * accessories[0].services[2].characteristics[1].format.
 *
 * Positions: json-glib 1.6 emits JsonParser::object-member only after it has consumed
 * the member's value and the comma after it, so json_parser_get_current_line/pos()
 * point past the value there. Instead, once json-glib has accepted the text, a small
 * scanner walks the same text and records where each path's key and value start.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-accessory.h"
#include "hap-error.h"
#include "hap-model-private.h"

#include <string.h>

#define MAX_NESTING     256
#define CATEGORY_OTHER  1
#define CATEGORY_BRIDGE 2

typedef struct
{
  guint line, col;          /* where the value starts, 1-based, columns in bytes */
  guint key_line, key_col;  /* where its member name starts, or 0 */
} Pos;

typedef struct
{
  const char *origin;       /* file name used in messages */
  char       *base_dir;     /* for relative snapshot paths */
  GHashTable *positions;    /* path → Pos */
  GHashTable *aids;         /* aid → path of its first user */
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

typedef enum
{
  KIND_STRING,
  KIND_INTEGER,
  KIND_NUMBER,
  KIND_BOOLEAN,
  KIND_ARRAY,
  KIND_OBJECT,
} Kind;

static const char * const kind_names[] = {
  "a string", "an integer", "a number", "true or false", "an array", "an object",
};

static char *
child_path (const char *path,
            const char *key)
{
  if (key == NULL)
    return g_strdup (path);
  if (*path == '\0')
    return g_strdup (key);

  return g_strconcat (path, *key == '[' ? "" : ".", key, NULL);
}

static char *
element_path (const char *path,
              guint       index_)
{
  return g_strdup_printf ("%s[%u]", path, index_);
}

/* Position index ---------------------------------------------------------------- */

typedef struct
{
  const char *p, *end;
  guint       line, col;
  GHashTable *positions;
} Scanner;

static void
scan_advance (Scanner *s)
{
  if (*s->p == '\n')
    {
      s->line++;
      s->col = 0;
    }
  s->col++;
  s->p++;
}

static gboolean
scan_at (Scanner    *s,
         const char *text)
{
  gsize len = strlen (text);

  return (gsize) (s->end - s->p) >= len && memcmp (s->p, text, len) == 0;
}

/* Whitespace and C comments, which json-glib 1.6 accepts between tokens. */
static void
scan_skip (Scanner *s)
{
  while (s->p < s->end)
    {
      if (strchr (" \t\r\n", *s->p) != NULL)
        scan_advance (s);
      else if (scan_at (s, "/*"))
        {
          while (s->p < s->end && !scan_at (s, "*/"))
            scan_advance (s);
          for (int i = 0; i < 2 && s->p < s->end; i++)
            scan_advance (s);
        }
      else
        break;
    }
}

/* A string literal's text. Escapes are kept as the escaped character, which is exact
 * for \" and \\; a key with other escapes just misses its position (the enclosing
 * object's is used). */
static char *
scan_string (Scanner *s)
{
  GString *str = g_string_new (NULL);
  char quote = *s->p;

  scan_advance (s);
  while (s->p < s->end && *s->p != quote)
    {
      if (*s->p == '\\' && s->p + 1 < s->end)
        scan_advance (s);
      g_string_append_c (str, *s->p);
      scan_advance (s);
    }
  if (s->p < s->end)
    scan_advance (s);

  return g_string_free (str, FALSE);
}

static Pos *
scan_pos (Scanner    *s,
          const char *path)
{
  Pos *pos = g_hash_table_lookup (s->positions, path);

  if (pos == NULL)
    {
      pos = g_new0 (Pos, 1);
      g_hash_table_insert (s->positions, g_strdup (path), pos);
    }
  return pos;
}

static gboolean
scan_value (Scanner    *s,
            const char *path,
            guint       depth)
{
  Pos *pos;
  char open;
  guint index_ = 0;

  scan_skip (s);
  if (s->p >= s->end || depth > MAX_NESTING)
    return FALSE;

  pos = scan_pos (s, path);
  pos->line = s->line;
  pos->col = s->col;

  if (*s->p == '"' || *s->p == '\'')
    {
      g_free (scan_string (s));
      return TRUE;
    }
  if (*s->p != '{' && *s->p != '[')
    {
      /* Numbers, true, false, null. */
      while (s->p < s->end && strchr (" \t\r\n,]}:/", *s->p) == NULL)
        scan_advance (s);
      return TRUE;
    }

  open = *s->p;
  scan_advance (s);
  for (;;)
    {
      g_autofree char *child = NULL;
      guint key_line = 0, key_col = 0;

      scan_skip (s);
      if (s->p >= s->end)
        return FALSE;
      if (*s->p == (open == '{' ? '}' : ']'))
        break;
      if (*s->p == ',')
        {
          scan_advance (s);
          continue;
        }

      if (open == '{')
        {
          g_autofree char *key = NULL;

          if (*s->p != '"' && *s->p != '\'')
            return FALSE;
          key_line = s->line;
          key_col = s->col;
          key = scan_string (s);
          scan_skip (s);
          if (s->p >= s->end || *s->p != ':')
            return FALSE;
          scan_advance (s);
          child = child_path (path, key);
        }
      else
        child = element_path (path, index_++);

      if (!scan_value (s, child, depth + 1))
        return FALSE;
      if (key_line > 0)
        {
          pos = scan_pos (s, child);
          pos->key_line = key_line;
          pos->key_col = key_col;
        }
    }
  scan_advance (s);

  return TRUE;
}

/* Errors and typed access ------------------------------------------------------- */

static const Pos *
find_pos (Loader     *self,
          const char *path)
{
  g_autofree char *prefix = g_strdup (path);

  for (;;)
    {
      const Pos *pos = g_hash_table_lookup (self->positions, prefix);
      char *dot, *bracket;

      if (pos != NULL && pos->line > 0)
        return pos;
      if (*prefix == '\0')
        return NULL;

      /* An unknown position is the enclosing one's: "a.b[2].c" → "a.b[2]" → "a.b". */
      dot = strrchr (prefix, '.');
      bracket = strrchr (prefix, '[');
      if (dot != NULL && bracket != NULL)
        *(dot > bracket ? dot : bracket) = '\0';
      else if (dot != NULL || bracket != NULL)
        *(dot != NULL ? dot : bracket) = '\0';
      else
        *prefix = '\0';
    }
}

static gboolean
fail_valist (Loader      *self,
             const char  *path,
             const char  *key,
             gboolean     at_key,
             GError     **error,
             const char  *format,
             va_list      args) G_GNUC_PRINTF (6, 0);

/* Sets "ORIGIN:LINE:COL: PATH: message" for @path (plus @key, a member name or an
 * "[index]") and returns FALSE. @at_key points at the member name, not its value. */
static gboolean
fail_valist (Loader      *self,
             const char  *path,
             const char  *key,
             gboolean     at_key,
             GError     **error,
             const char  *format,
             va_list      args)
{
  g_autofree char *full = child_path (path, key);
  g_autofree char *message = g_strdup_vprintf (format, args);
  const Pos *pos = find_pos (self, full);
  guint line = 1, col = 1;

  if (pos != NULL)
    {
      gboolean use_key = at_key && pos->key_line > 0;

      line = use_key ? pos->key_line : pos->line;
      col = use_key ? pos->key_col : pos->col;
    }

  g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE, "%s:%u:%u: %s: %s",
               self->origin, line, col, *full != '\0' ? full : "(top level)", message);
  return FALSE;
}

static gboolean fail (Loader *, const char *, const char *, GError **, const char *, ...) G_GNUC_PRINTF (5, 6);
static gboolean fail_key (Loader *, const char *, const char *, GError **, const char *, ...) G_GNUC_PRINTF (5, 6);

static gboolean
fail (Loader      *self,
      const char  *path,
      const char  *key,
      GError     **error,
      const char  *format,
      ...)
{
  va_list args;

  va_start (args, format);
  fail_valist (self, path, key, FALSE, error, format, args);
  va_end (args);
  return FALSE;
}

static gboolean
fail_key (Loader      *self,
          const char  *path,
          const char  *key,
          GError     **error,
          const char  *format,
          ...)
{
  va_list args;

  va_start (args, format);
  fail_valist (self, path, key, TRUE, error, format, args);
  va_end (args);
  return FALSE;
}

static const char *
describe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN: return "a boolean";
    case G_TYPE_INT64:   return "an integer";
    case G_TYPE_DOUBLE:  return "a number";
    case G_TYPE_STRING:  return "a string";
    default:             return "a value";
    }
}

static gboolean
node_is (JsonNode *node,
         Kind      kind)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  switch (kind)
    {
    case KIND_STRING:  return type == G_TYPE_STRING;
    case KIND_INTEGER: return type == G_TYPE_INT64;
    case KIND_NUMBER:  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
    case KIND_BOOLEAN: return type == G_TYPE_BOOLEAN;
    case KIND_ARRAY:   return JSON_NODE_HOLDS_ARRAY (node);
    case KIND_OBJECT:  return JSON_NODE_HOLDS_OBJECT (node);
    default:           return FALSE;
    }
}

/* @key of @object, checked to be of @kind; *out is NULL when absent. */
static gboolean
member (Loader      *self,
        JsonObject  *object,
        const char  *path,
        const char  *key,
        Kind         kind,
        gboolean     required,
        JsonNode   **out,
        GError     **error)
{
  *out = json_object_get_member (object, key);
  if (*out == NULL)
    return !required || fail (self, path, NULL, error, "missing required key “%s”", key);
  if (!node_is (*out, kind))
    return fail (self, path, key, error, "expected %s, got %s", kind_names[kind], describe_node (*out));

  return TRUE;
}

/* Element @index_ of @array (at @path), checked to be of @kind. */
static gboolean
element (Loader      *self,
         JsonArray   *array,
         guint        index_,
         const char  *path,
         Kind         kind,
         JsonNode   **out,
         GError     **error)
{
  char key[16];

  *out = json_array_get_element (array, index_);
  g_snprintf (key, sizeof key, "[%u]", index_);
  if (!node_is (*out, kind))
    return fail (self, path, key, error, "expected %s, got %s", kind_names[kind], describe_node (*out));

  return TRUE;
}

static gboolean
int_in_range (Loader      *self,
              JsonNode    *node,
              const char  *path,
              const char  *key,
              gint64       min,
              gint64       max,
              GError     **error)
{
  gint64 v = json_node_get_int (node);

  if (v < min || v > max)
    return fail (self, path, key, error, "%" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                 " to %" G_GINT64_FORMAT ")", v, min, max);
  return TRUE;
}

static gboolean
check_keys (Loader             *self,
            JsonObject         *object,
            const char         *path,
            const char * const *allowed,
            GError            **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (allowed, l->data))
        {
          g_autofree char *expected = g_strjoinv (", ", (char **) allowed);

          /* A typo must not be silently ignored. */
          return fail_key (self, path, l->data, error, "unknown key “%s” (expected one of %s)",
                           (const char *) l->data, expected);
        }
    }

  return TRUE;
}

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

/* hap-protocol.md §4.10: iids are unique across the services and characteristics of
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
  if (!member (self, object, path, "iid", KIND_INTEGER, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!int_in_range (self, node, path, "iid", 1, G_MAXUINT32, error))
    return FALSE;

  iid = json_node_get_int (node);
  if ((user = g_hash_table_lookup (state->iids, &iid)) != NULL)
    return fail (self, path, "iid", error, "iid %" G_GINT64_FORMAT " is already used by %s", iid, user);

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
    return fail (self, path, NULL, error, "must list at least one permission");

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node;
      HapPerms perm;

      if (!element (self, array, i, path, KIND_STRING, &node, error))
        return FALSE;
      if (!hap_perm_from_string (json_node_get_string (node), &perm))
        {
          char key[16];

          g_snprintf (key, sizeof key, "[%u]", i);
          return fail (self, path, key, error,
                       "unknown permission “%s” (expected one of pr, pw, ev, aa, tw, hd, wr)",
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
  g_autofree char *perms_path = child_path (path, "perms");
  JsonNode *type, *format_node, *perms_node;
  HapFormat format = HAP_FORMAT_DATA;
  HapPerms perms = HAP_PERM_NONE;

  if (!member (self, object, path, "type", KIND_STRING, TRUE, &type, error) ||
      !member (self, object, path, "format", KIND_STRING, FALSE, &format_node, error) ||
      !member (self, object, path, "perms", KIND_ARRAY, FALSE, &perms_node, error))
    return FALSE;

  if (format_node != NULL && !hap_format_from_string (json_node_get_string (format_node), &format))
    return fail (self, path, "format", error,
                 "unknown format “%s” (expected one of bool, uint8, uint16, uint32, uint64, "
                 "int, float, string, tlv8, data)", json_node_get_string (format_node));
  if (perms_node != NULL &&
      !parse_perms (self, json_node_get_array (perms_node), perms_path, &perms, error))
    return FALSE;

  if ((catalog = hap_catalog_lookup_characteristic (json_node_get_string (type))) != NULL)
    {
      HapCharacteristic *existing = hap_service_get_characteristic (service, catalog->uuid);

      if (existing != NULL && g_hash_table_contains (claimed, existing))
        return fail (self, path, "type", error,
                     "characteristic “%s” is listed twice in this service", catalog->name);
      *out = existing != NULL ? g_object_ref (existing) : hap_characteristic_new (catalog->uuid);
    }
  else if (strlen (json_node_get_string (type)) == 36 &&
           (uuid = hap_uuid_normalize (json_node_get_string (type))) != NULL)
    {
      /* A vendor type: nothing to inherit, so the file must say what it is. */
      if (format_node == NULL || perms_node == NULL)
        return fail (self, path, "type", error, "vendor characteristic “%s” needs “format” and “perms”",
                     json_node_get_string (type));
      *out = hap_characteristic_new_custom (uuid, format, perms);
    }
  else
    return fail (self, path, "type", error,
                 "unknown characteristic type “%s” (use a catalog name or a full UUID)",
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
    return fail (self, path, NULL, error, "must not be empty");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = element_path (path, i);
      JsonNode *node;
      JsonArray *items = array;
      guint first = i, count = 1;

      if (pairs)
        {
          if (!element (self, array, i, path, KIND_ARRAY, &node, error))
            return FALSE;
          items = json_node_get_array (node);
          if (json_array_get_length (items) != 2)
            return fail (self, item_path, NULL, error, "expected a [start, end] pair");
          first = 0;
          count = 2;
        }

      for (guint k = first; k < first + count; k++)
        {
          int v;

          if (!element (self, items, k, pairs ? item_path : path, KIND_INTEGER, &node, error) ||
              !int_in_range (self, node, pairs ? item_path : path, NULL, G_MININT32, G_MAXINT32, error))
            return FALSE;
          v = (int) json_node_get_int (node);
          g_array_append_val (out, v);
        }

      if (pairs && g_array_index (out, int, out->len - 2) > g_array_index (out, int, out->len - 1))
        return fail (self, item_path, NULL, error, "start is above end");
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
        return fail_key (self, path, rules[i].key, error, "“%s” applies to %s formats only, not %s",
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
    if (!member (self, object, path, number_keys[i], KIND_NUMBER, FALSE, &numbers[i], error))
      return FALSE;
  if (!member (self, object, path, "unit", KIND_STRING, FALSE, &unit, error) ||
      !member (self, object, path, "description", KIND_STRING, FALSE, &description, error) ||
      !member (self, object, path, "maxLen", KIND_INTEGER, FALSE, &max_len, error) ||
      !member (self, object, path, "maxDataLen", KIND_INTEGER, FALSE, &max_data_len, error) ||
      !member (self, object, path, "validValues", KIND_ARRAY, FALSE, &values, error) ||
      !member (self, object, path, "validValuesRange", KIND_ARRAY, FALSE, &ranges, error))
    return FALSE;

  min = numbers[0] ? json_node_get_double (numbers[0]) : hap_characteristic_get_min_value (characteristic);
  max = numbers[1] ? json_node_get_double (numbers[1]) : hap_characteristic_get_max_value (characteristic);
  if (min > max)
    return fail (self, path, numbers[1] ? "maxValue" : "minValue", error,
                 "minValue %g is above maxValue %g", min, max);
  if (numbers[2] != NULL && !(json_node_get_double (numbers[2]) > 0))
    return fail (self, path, "minStep", error, "minStep must be above 0");

  hap_characteristic_set_min_value (characteristic, min);
  hap_characteristic_set_max_value (characteristic, max);
  if (numbers[2] != NULL)
    hap_characteristic_set_min_step (characteristic, json_node_get_double (numbers[2]));
  if (unit != NULL)
    hap_characteristic_set_unit (characteristic, json_node_get_string (unit));
  if (description != NULL)
    hap_characteristic_set_description (characteristic, json_node_get_string (description));

  /* hap-protocol.md §4.7: maxLen up to 256 bytes. */
  if (max_len != NULL)
    {
      if (!int_in_range (self, max_len, path, "maxLen", 1, 256, error))
        return FALSE;
      hap_characteristic_set_max_len (characteristic, (int) json_node_get_int (max_len));
    }
  if (max_data_len != NULL)
    {
      if (!int_in_range (self, max_data_len, path, "maxDataLen", 0, G_MAXINT, error))
        return FALSE;
      hap_characteristic_set_max_data_len (characteristic, (int) json_node_get_int (max_data_len));
    }

  for (guint i = 0; i < 2; i++)
    {
      JsonNode *node = i == 0 ? values : ranges;
      g_autofree char *list_path = child_path (path, i == 0 ? "validValues" : "validValuesRange");
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

  if (!check_keys (self, object, path, characteristic_keys, error) ||
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
        return fail (self, path, "value", error, "%s", local_error->message);
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

  if (!member (self, object, path, "type", KIND_STRING, TRUE, &node, error))
    return FALSE;
  type = json_node_get_string (node);

  if ((catalog = hap_catalog_lookup_service (type)) != NULL &&
      g_str_equal (catalog->uuid, hap_service_get_type_uuid (information)))
    {
      /* Accessory Information already exists (iid 1): an entry for it adds to it. */
      if (state->information_seen)
        return fail (self, path, "type", error, "Accessory Information is listed twice");
      state->information_seen = TRUE;
      *out = g_object_ref (information);
    }
  else if (catalog != NULL)
    *out = hap_service_new (type);
  else if (strlen (type) == 36 && (uuid = hap_uuid_normalize (type)) != NULL)
    *out = hap_service_new_custom (uuid);
  else
    return fail (self, path, "type", error,
                 "unknown service type “%s” (use a catalog name or a full UUID)", type);

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
  g_autofree char *linked_path = child_path (path, "linked");
  g_autofree char *list_path = child_path (path, "characteristics");
  JsonNode *iid, *primary, *hidden, *id, *linked, *characteristics;

  if (!check_keys (self, object, path, service_keys, error) ||
      !resolve_service (self, state, object, path, &service, error) ||
      !member (self, object, path, "iid", KIND_INTEGER, FALSE, &iid, error) ||
      !member (self, object, path, "primary", KIND_BOOLEAN, FALSE, &primary, error) ||
      !member (self, object, path, "hidden", KIND_BOOLEAN, FALSE, &hidden, error) ||
      !member (self, object, path, "id", KIND_STRING, FALSE, &id, error) ||
      !member (self, object, path, "linked", KIND_ARRAY, FALSE, &linked, error) ||
      !member (self, object, path, "characteristics", KIND_ARRAY, FALSE, &characteristics, error))
    return FALSE;

  if (service == hap_accessory_get_information_service (state->accessory))
    {
      if (iid != NULL && json_node_get_int (iid) != 1)
        return fail (self, path, "iid", error, "Accessory Information always has iid 1");
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
        return fail (self, path, "primary", error, "only one service may be primary (%s already is)",
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
        return fail (self, path, "id", error, "id “%s” is already used by %s",
                     json_node_get_string (id), other);
      g_hash_table_insert (state->ids, g_strdup (json_node_get_string (id)), service);
      g_hash_table_insert (state->id_paths, g_strdup (json_node_get_string (id)), g_strdup (path));
    }

  /* Links are resolved once every service of the accessory is known. */
  for (guint i = 0; linked != NULL && i < json_array_get_length (json_node_get_array (linked)); i++)
    {
      JsonNode *node;
      Link *link;

      if (!element (self, json_node_get_array (linked), i, linked_path, KIND_STRING, &node, error))
        return FALSE;
      link = g_new0 (Link, 1);
      link->service = service;
      link->id = g_strdup (json_node_get_string (node));
      link->path = element_path (linked_path, i);
      g_ptr_array_add (state->links, link);
    }

  for (guint i = 0; characteristics != NULL && i < json_array_get_length (json_node_get_array (characteristics)); i++)
    {
      g_autofree char *item_path = element_path (list_path, i);
      JsonNode *node;

      if (!element (self, json_node_get_array (characteristics), i, list_path, KIND_OBJECT, &node, error) ||
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

/* The category an accessory takes from its first service when the file names none
 * (hap-protocol.md §4.14). */
static const struct {
  const char *service;
  int         category;
} service_categories[] = {
  { "Fan", 3 }, { "Fanv2", 3 }, { "GarageDoorOpener", 4 }, { "Lightbulb", 5 },
  { "LockMechanism", 6 }, { "Outlet", 7 }, { "Switch", 8 }, { "Thermostat", 9 },
  { "TemperatureSensor", 10 }, { "HumiditySensor", 10 }, { "MotionSensor", 10 },
  { "ContactSensor", 10 }, { "LightSensor", 10 }, { "LeakSensor", 10 },
  { "OccupancySensor", 10 }, { "SmokeSensor", 10 }, { "CarbonMonoxideSensor", 10 },
  { "CarbonDioxideSensor", 10 }, { "AirQualitySensor", 10 }, { "SecuritySystem", 11 },
  { "Door", 12 }, { "Window", 13 }, { "WindowCovering", 14 },
  { "StatelessProgrammableSwitch", 15 }, { "StatefulProgrammableSwitch", 15 },
  { "CameraRTPStreamManagement", 17 }, { "CameraOperatingMode", 17 }, { "Doorbell", 18 },
  { "AirPurifier", 19 }, { "HeaterCooler", 21 }, { "HumidifierDehumidifier", 22 },
  { "Speaker", 26 }, { "SmartSpeaker", 26 }, { "Valve", 28 }, { "IrrigationSystem", 28 },
  { "Faucet", 29 }, { "Television", 31 }, { "WiFiRouter", 33 },
};

static int
category_from_services (JsonNode *services,
                        gboolean  has_bridged)
{
  JsonArray *array = services != NULL ? json_node_get_array (services) : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const HapServiceType *type;

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !(node = json_object_get_member (json_node_get_object (node), "type")) ||
          !node_is (node, KIND_STRING) ||
          !(type = hap_catalog_lookup_service (json_node_get_string (node))) ||
          g_str_equal (type->name, "AccessoryInformation") ||
          g_str_equal (type->name, "ProtocolInformation"))
        continue;

      for (guint k = 0; k < G_N_ELEMENTS (service_categories); k++)
        if (g_str_equal (type->name, service_categories[k].service))
          return service_categories[k].category;
      return CATEGORY_OTHER;
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
    *out = category_from_services (services, has_bridged);
  else if (node_is (node, KIND_STRING))
    {
      if ((*out = hap_catalog_lookup_category (json_node_get_string (node))) < 0)
        return fail (self, path, "category", error, "unknown category “%s” (see hap-protocol.md §4.14)",
                     json_node_get_string (node));
    }
  else if (node_is (node, KIND_INTEGER))
    {
      gint64 id = json_node_get_int (node);

      if (id < 0 || id > G_MAXINT || hap_catalog_category_name ((int) id) == NULL)
        return fail (self, path, "category", error, "unknown category %" G_GINT64_FORMAT, id);
      *out = (int) id;
    }
  else
    return fail (self, path, "category", error, "expected a category name or number, got %s",
                 describe_node (node));

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

      if (!member (self, object, path, information_keys[i].key, KIND_STRING, FALSE, &node, error))
        return FALSE;
      if (node == NULL)
        continue;

      /* hap_accessory_set_information() would cut a long string; a file gets an error. */
      if (characteristic == NULL)
        characteristic = probe = hap_characteristic_new (type);
      value = g_variant_ref_sink (g_variant_new_string (json_node_get_string (node)));
      if (!hap_characteristic_validate (characteristic, value, &local_error))
        return fail (self, path, information_keys[i].key, error, "%s", local_error->message);
      if (*json_node_get_string (node) == '\0' && g_str_equal (type, "Name"))
        return fail (self, path, "name", error, "the name must not be empty");

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

  /* hap-protocol.md §4.10: aid 1 is the primary (or bridge) accessory; a bridged one
   * without an aid gets one from the server. */
  if (!member (self, object, path, "aid", KIND_INTEGER, FALSE, &node, error) ||
      (node != NULL && !int_in_range (self, node, path, "aid", 1, G_MAXUINT32, error)))
    return FALSE;
  if (is_primary && node != NULL && json_node_get_int (node) != 1)
    return fail (self, path, "aid", error, "the first accessory is the primary one, with aid 1");
  if (!is_primary && node == NULL)
    return TRUE;

  aid = is_primary ? 1 : json_node_get_int (node);
  if ((user = g_hash_table_lookup (self->aids, &aid)) != NULL)
    return fail (self, path, "aid", error, "aid %" G_GINT64_FORMAT " is already used by %s", aid, user);

  g_hash_table_insert (self->aids, g_memdup2 (&aid, sizeof aid), g_strdup (path));
  hap_accessory_set_aid (state->accessory, (guint64) aid);
  return TRUE;
}

static gboolean
load_snapshot (Loader         *self,
               AccessoryState *state,
               JsonObject     *object,
               const char     *path,
               GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *full = NULL;
  const char *file;
  char *contents = NULL;
  gsize length = 0;
  JsonNode *node;

  if (!member (self, object, path, "snapshot", KIND_STRING, FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  /* Relative to the accessory file. */
  file = json_node_get_string (node);
  full = g_path_is_absolute (file) ? g_strdup (file) : g_build_filename (self->base_dir, file, NULL);
  if (!g_file_get_contents (full, &contents, &length, &local_error))
    return fail (self, path, "snapshot", error, "cannot read snapshot: %s", local_error->message);

  bytes = g_bytes_new_take (contents, length);
  /* A JPEG starts with an SOI marker, FF D8 FF. */
  if (length < 3 || memcmp (contents, "\xff\xd8\xff", 3) != 0)
    return fail (self, path, "snapshot", error, "“%s” is not a JPEG image", file);

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
  g_autofree char *list_path = child_path (path, "services");
  JsonNode *name, *services;
  gint64 one = 1;
  int category = CATEGORY_OTHER;

  if (!check_keys (self, object, path, accessory_keys, error) ||
      !member (self, object, path, "name", KIND_STRING, TRUE, &name, error) ||
      !member (self, object, path, "services", KIND_ARRAY, FALSE, &services, error) ||
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
      g_autofree char *item_path = element_path (list_path, i);
      JsonNode *node;

      if (!element (self, json_node_get_array (services), i, list_path, KIND_OBJECT, &node, error) ||
          !load_service (self, &state, json_node_get_object (node), item_path, error))
        return NULL;
    }

  for (guint i = 0; i < state.links->len; i++)
    {
      Link *link = g_ptr_array_index (state.links, i);
      HapService *target = g_hash_table_lookup (state.ids, link->id);

      if (target == NULL || target == link->service)
        {
          fail (self, link->path, NULL, error, target == NULL
                ? "no service with id “%s” in this accessory"
                : "a service cannot link to itself (“%s”)", link->id);
          return NULL;
        }
      hap_service_add_linked_service (link->service, target);
    }

  return g_steal_pointer (&state.accessory);
}

/* Documents --------------------------------------------------------------------- */

static HapAccessory *
load_document (Loader    *self,
               JsonNode  *root,
               GError   **error)
{
  static const char * const top_keys[] = { "accessories", NULL };
  g_autoptr(HapAccessory) primary = NULL;
  JsonNode *accessories;
  JsonArray *array;
  guint n;

  if (root == NULL)
    {
      fail (self, "", NULL, error, "the file is empty");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (self, "", NULL, error, "expected an object with an “accessories” array, got %s",
            describe_node (root));
      return NULL;
    }

  if (!check_keys (self, json_node_get_object (root), "", top_keys, error) ||
      !member (self, json_node_get_object (root), "", "accessories", KIND_ARRAY, TRUE, &accessories, error))
    return NULL;

  array = json_node_get_array (accessories);
  if ((n = json_array_get_length (array)) == 0)
    {
      fail (self, "accessories", NULL, error, "must list at least one accessory");
      return NULL;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *item_path = element_path ("accessories", i);
      g_autoptr(HapAccessory) accessory = NULL;
      JsonNode *node;

      if (!element (self, array, i, "accessories", KIND_OBJECT, &node, error) ||
          !(accessory = load_accessory (self, json_node_get_object (node), item_path, i == 0, n > 1, error)))
        return NULL;

      /* The first accessory is served at aid 1; any others are bridged to it. */
      if (i == 0)
        primary = g_steal_pointer (&accessory);
      else
        hap_accessory_add_bridged_accessory (primary, accessory);
    }

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
               self->origin, MAX (line, 1), MAX (col, 1), message);
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
  Loader loader = { 0 };
  Scanner scanner = { 0 };

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  if (length < 0)
    length = strlen (data);

  base_dir = origin != NULL ? g_path_get_dirname (origin) : g_get_current_dir ();
  positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  aids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  loader.origin = origin != NULL ? origin : "<data>";
  loader.base_dir = base_dir;
  loader.positions = positions;
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
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE, "%s:%u:%u: invalid JSON: not UTF-8 text",
                   loader.origin, line, col);
      return NULL;
    }

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &parse_error))
    {
      set_syntax_error (&loader, parse_error, error);
      return NULL;
    }

  /* Partial results are fine: lookups fall back to the enclosing path. */
  scanner.p = data;
  scanner.end = data + length;
  scanner.line = scanner.col = 1;
  scanner.positions = positions;
  scan_value (&scanner, "", 0);

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
