/* hap-sim-quirk.c — the quirk catalog, enabled quirks and their parameters
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-quirk.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hap-sim-accessory.h"
#include <libhap-glib/hap.h>
#include "hap-sim-error.h"

const char *
hap_sim_layer_to_string (HapSimLayer layer)
{
  static const char * const names[] = { "TXT", "HTTP", "TLV", "JSON", "VAL", "EV", "FAULT", "BLE" };

  g_return_val_if_fail ((guint) layer < G_N_ELEMENTS (names), NULL);
  return names[layer];
}

static int
compare_quirks (gconstpointer a, gconstpointer b)
{
  const HapSimQuirkInfo *qa = *(const HapSimQuirkInfo * const *) a;
  const HapSimQuirkInfo *qb = *(const HapSimQuirkInfo * const *) b;

  if (qa->layer != qb->layer)
    return qa->layer < qb->layer ? -1 : 1;
  return strcmp (qa->name, qb->name);
}

/* Built on first use and kept: the tables are static, so this is the one piece of
 * process-wide state, immutable once made (g_once). */
const HapSimQuirkInfo * const *
hap_sim_quirk_catalog (guint *n_quirks)
{
  static GPtrArray *catalog;

  if (g_once_init_enter (&catalog))
    {
      const HapSimQuirkInfo *(*tables[]) (guint *) = {
        hap_sim_quirks_txt, hap_sim_quirks_http, hap_sim_quirks_tlv, hap_sim_quirks_json,
        hap_sim_quirks_values, hap_sim_quirks_events, hap_sim_quirks_faults, hap_sim_quirks_ble,
        hap_sim_quirks_ble_advertising, hap_sim_quirks_ble_faults,
      };
      GPtrArray *all = g_ptr_array_new ();

      for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
        {
          guint n = 0;
          const HapSimQuirkInfo *table = tables[t] (&n);

          for (guint i = 0; i < n; i++)
            g_ptr_array_add (all, (gpointer) &table[i]);
        }
      g_ptr_array_sort (all, compare_quirks);
      g_once_init_leave (&catalog, all);
    }
  if (n_quirks != NULL)
    *n_quirks = catalog->len;
  return (const HapSimQuirkInfo * const *) catalog->pdata;
}

const HapSimQuirkInfo *
hap_sim_quirk_lookup (const char *name)
{
  guint n;
  const HapSimQuirkInfo * const *all = hap_sim_quirk_catalog (&n);

  for (guint i = 0; i < n; i++)
    if (g_str_equal (all[i]->name, name))
      return all[i];
  return NULL;
}

/* ---- parameters -------------------------------------------------------------------- */

static const HapSimQuirkParam *
find_param (const HapSimQuirkInfo *info, const char *name)
{
  for (const HapSimQuirkParam *p = info->params; p != NULL && p->name != NULL; p++)
    if (g_str_equal (p->name, name))
      return p;
  return NULL;
}

static gboolean
param_bad (const HapSimQuirkInfo *info, const HapSimQuirkParam *param, GError **error,
           const char *why)
{
  g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT, _("%s: parameter “%s”: %s"),
               info->name, param->name, why);
  return FALSE;
}

/* A number from any numeric variant, or from text. */
static gboolean
variant_to_double (GVariant *value, double *out)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      const char *text = g_variant_get_string (value, NULL);
      char *end = NULL;

      *out = g_ascii_strtod (text, &end);
      return *text != '\0' && end != NULL && *end == '\0';
    }
  return hap_variant_get_number (value, out);
}

/* A whole number given where text is wanted (an iid typed on the command line, or
 * written without quotes in the accessory file) as its decimal digits; NULL for anything
 * else. Not fractions: 1.10 arrives as the double 1.1, and its text would be another one. */
static char *
integer_to_text (GVariant *value)
{
  double number;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    return g_strdup_printf ("%" G_GINT64_FORMAT, g_variant_get_int64 (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    return g_strdup_printf ("%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
  /* The narrower integer types, each exact in a double. */
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE) || !variant_to_double (value, &number))
    return NULL;
  return g_strdup_printf ("%.0f", number);
}

static GVariant *
convert_param (const HapSimQuirkInfo  *info,
               const HapSimQuirkParam *param,
               GVariant               *value,
               GError                **error)
{
  double number;

  switch (param->type)
    {
    case HAP_SIM_PARAM_BOOL:
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        return g_variant_new_boolean (g_variant_get_boolean (value));
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        {
          const char *text = g_variant_get_string (value, NULL);
          if (g_str_equal (text, "true") || g_str_equal (text, "1") || g_str_equal (text, "on"))
            return g_variant_new_boolean (TRUE);
          if (g_str_equal (text, "false") || g_str_equal (text, "0") || g_str_equal (text, "off"))
            return g_variant_new_boolean (FALSE);
        }
      param_bad (info, param, error, "expected true or false");
      return NULL;

    case HAP_SIM_PARAM_UINT:
    case HAP_SIM_PARAM_INT:
    case HAP_SIM_PARAM_DOUBLE:
      if (!variant_to_double (value, &number) || number != number)
        {
          param_bad (info, param, error, "expected a number");
          return NULL;
        }
      if (param->type != HAP_SIM_PARAM_DOUBLE && number != (double) (gint64) number)
        {
          param_bad (info, param, error, "expected a whole number");
          return NULL;
        }
      if ((param->min != 0 || param->max != 0) && (number < param->min || number > param->max))
        {
          g_autofree char *why = g_strdup_printf ("%g is not within %g…%g", number, param->min, param->max);
          param_bad (info, param, error, why);
          return NULL;
        }
      if (param->type == HAP_SIM_PARAM_UINT)
        {
          if (number < 0 || number > G_MAXUINT32)
            {
              param_bad (info, param, error, "expected 0…4294967295");
              return NULL;
            }
          return g_variant_new_uint32 ((guint32) number);
        }
      if (param->type == HAP_SIM_PARAM_INT)
        {
          if (number < G_MININT32 || number > G_MAXINT32)
            {
              param_bad (info, param, error, "out of range");
              return NULL;
            }
          return g_variant_new_int32 ((gint32) number);
        }
      return g_variant_new_double (number);

    case HAP_SIM_PARAM_STRING:
      {
        g_autofree char *text = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)
                                ? g_variant_dup_string (value, NULL) : integer_to_text (value);

        if (text == NULL)
          {
            param_bad (info, param, error, "expected a string");
            return NULL;
          }
        if (param->choices != NULL)
          {
            g_auto(GStrv) choices = g_strsplit (param->choices, "|", -1);
            if (!g_strv_contains ((const char * const *) choices, text))
              {
                g_autofree char *why = g_strdup_printf ("expected one of %s", param->choices);
                param_bad (info, param, error, why);
                return NULL;
              }
          }
        return g_variant_new_string (text);
      }

    default:
      g_assert_not_reached ();
    }
}

HapSimQuirk *
hap_sim_quirk_new (const HapSimQuirkInfo *info,
                   HapSimAccessory       *accessory,
                   GVariant              *params,
                   GError               **error)
{
  g_autoptr(GHashTable) values = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) g_variant_unref);
  /* A floating @params is taken, as GVariant consumers do. */
  g_autoptr(GVariant) held G_GNUC_UNUSED = params != NULL ? g_variant_ref_sink (params) : NULL;
  HapSimQuirk *quirk;

  for (const HapSimQuirkParam *p = info->params; p != NULL && p->name != NULL; p++)
    {
      g_autoptr(GVariant) text = g_variant_ref_sink (g_variant_new_string (p->default_value));
      GVariant *value = convert_param (info, p, text, error);

      if (value == NULL)
        return NULL;
      g_hash_table_insert (values, (gpointer) p->name, g_variant_ref_sink (value));
    }

  if (params != NULL)
    {
      GVariantIter iter;
      const char *key;
      GVariant *raw;

      if (!g_variant_is_of_type (params, G_VARIANT_TYPE_VARDICT))
        {
          g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                       _("%s: parameters must be a dictionary a{sv}"), info->name);
          return NULL;
        }
      g_variant_iter_init (&iter, params);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &raw))
        {
          g_autoptr(GVariant) owned = raw;
          const HapSimQuirkParam *param = find_param (info, key);
          GVariant *value;

          if (param == NULL)
            {
              g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                           _("%s: no parameter “%s”"), info->name, key);
              return NULL;
            }
          if ((value = convert_param (info, param, owned, error)) == NULL)
            return NULL;
          g_hash_table_insert (values, (gpointer) param->name, g_variant_ref_sink (value));
        }
    }

  quirk = g_new0 (HapSimQuirk, 1);
  quirk->info = info;
  quirk->accessory = accessory;
  quirk->params = g_steal_pointer (&values);
  quirk->conn_data = g_hash_table_new (NULL, NULL);
  return quirk;
}

typedef struct
{
  gpointer       data;
  GDestroyNotify destroy;
} ConnData;

static void
conn_data_free (ConnData *cd)
{
  if (cd->destroy != NULL)
    cd->destroy (cd->data);
  g_free (cd);
}

void
hap_sim_quirk_free (HapSimQuirk *quirk)
{
  GHashTableIter iter;
  gpointer value;

  if (quirk->info->disable != NULL)
    quirk->info->disable (quirk);
  g_hash_table_iter_init (&iter, quirk->conn_data);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    conn_data_free (value);
  g_hash_table_unref (quirk->conn_data);
  g_hash_table_unref (quirk->params);
  g_free (quirk);
}

static GVariant *
get_param (HapSimQuirk *quirk, const char *name, const GVariantType *type)
{
  GVariant *value = g_hash_table_lookup (quirk->params, name);

  /* A quirk asking for a parameter it does not declare is a bug in the quirk. */
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (g_variant_is_of_type (value, type), NULL);
  return value;
}

gboolean
hap_sim_quirk_get_bool (HapSimQuirk *quirk, const char *param)
{
  GVariant *value = get_param (quirk, param, G_VARIANT_TYPE_BOOLEAN);
  return value != NULL && g_variant_get_boolean (value);
}

guint
hap_sim_quirk_get_uint (HapSimQuirk *quirk, const char *param)
{
  GVariant *value = get_param (quirk, param, G_VARIANT_TYPE_UINT32);
  return value != NULL ? g_variant_get_uint32 (value) : 0;
}

gint
hap_sim_quirk_get_int (HapSimQuirk *quirk, const char *param)
{
  GVariant *value = get_param (quirk, param, G_VARIANT_TYPE_INT32);
  return value != NULL ? g_variant_get_int32 (value) : 0;
}

double
hap_sim_quirk_get_double (HapSimQuirk *quirk, const char *param)
{
  GVariant *value = get_param (quirk, param, G_VARIANT_TYPE_DOUBLE);
  return value != NULL ? g_variant_get_double (value) : 0.0;
}

const char *
hap_sim_quirk_get_string (HapSimQuirk *quirk, const char *param)
{
  GVariant *value = get_param (quirk, param, G_VARIANT_TYPE_STRING);
  return value != NULL ? g_variant_get_string (value, NULL) : "";
}

GVariant *
hap_sim_quirk_dup_params (HapSimQuirk *quirk)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  /* In declaration order, so listings are stable. */
  for (const HapSimQuirkParam *p = quirk->info->params; p != NULL && p->name != NULL; p++)
    g_variant_builder_add (&builder, "{sv}", p->name, g_hash_table_lookup (quirk->params, p->name));
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

HapAccessoryServer *
hap_sim_quirk_get_server (HapSimQuirk *quirk)
{
  return hap_sim_accessory_get_server (quirk->accessory);
}

gpointer
hap_sim_quirk_get_conn_data (HapSimQuirk *quirk, gconstpointer conn)
{
  ConnData *cd = g_hash_table_lookup (quirk->conn_data, conn);
  return cd != NULL ? cd->data : NULL;
}

void
hap_sim_quirk_set_conn_data (HapSimQuirk   *quirk,
                             gconstpointer  conn,
                             gpointer       data,
                             GDestroyNotify destroy)
{
  ConnData *cd = g_new0 (ConnData, 1);

  hap_sim_quirk_forget_conn (quirk, conn);
  cd->data = data;
  cd->destroy = destroy;
  g_hash_table_insert (quirk->conn_data, (gpointer) conn, cd);
}

void
hap_sim_quirk_forget_conn (HapSimQuirk *quirk, gconstpointer conn)
{
  ConnData *cd = g_hash_table_lookup (quirk->conn_data, conn);

  if (cd == NULL)
    return;
  g_hash_table_remove (quirk->conn_data, conn);
  conn_data_free (cd);
}

/* ---- helpers for quirk code -------------------------------------------------------- */

gboolean
hap_sim_request_is (HapHttpMessage *request, const char *method, const char *path)
{
  const char *target;
  gsize len = strlen (path);

  if (request == NULL || request->target == NULL || path == NULL)
    return FALSE;
  if (method != NULL && (request->method == NULL || !g_str_equal (request->method, method)))
    return FALSE;
  target = request->target;
  return strncmp (target, path, len) == 0 && (target[len] == '\0' || target[len] == '?');
}

JsonNode *
hap_sim_parse_json (const guint8 *data, gsize len)
{
  /* Bodies come from controllers and accessories: bounded nesting (hap-json.c). */
  if (len == 0)
    return NULL;
  return hap_json_parse ((const char *) data, (gssize) len, NULL);
}

JsonArray *
hap_sim_json_member_array (JsonObject *object,
                           const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

JsonObject *
hap_sim_json_element_object (JsonArray *array,
                guint      index)
{
  JsonNode *node = json_array_get_element (array, index);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

gboolean
hap_sim_json_member_uint (JsonObject *object,
             const char *name,
             guint64    *out)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

void
hap_sim_body_replace (GByteArray *body, const void *data, gsize len)
{
  g_byte_array_set_size (body, 0);
  g_byte_array_append (body, data, (guint) len);
}

void
hap_sim_body_replace_json (GByteArray *body, JsonNode *node)
{
  g_autoptr(GString) text = g_string_sized_new (body->len + 64);

  /* Not json_to_string(): it prints 0.1 as 0.10000000000000001 and 100.0 for whole
   * doubles, changing numbers the quirk did not mean to touch. */
  hap_json_append_node (text, node);
  hap_sim_body_replace (body, text->str, text->len);
}

void
hap_sim_request_replace_body_json (HapHttpMessage *request, JsonNode *node)
{
  GString *text = g_string_sized_new (256);
  gsize len;

  hap_json_append_node (text, node);
  len = text->len;
  g_bytes_unref (request->body);
  request->body = g_bytes_new_take (g_string_free (text, FALSE), len);
}

HapCharacteristic *
hap_sim_quirk_lookup_characteristic (HapSimQuirk *quirk, guint64 aid, guint64 iid)
{
  return hap_sim_accessory_lookup (quirk->accessory, aid, iid);
}

GSource *
hap_sim_quirk_add_timeout (guint        ms,
                           GSourceFunc  func,
                           gpointer     data)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  GSource *source = ms > 0 ? g_timeout_source_new (ms) : g_idle_source_new ();

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  return source;
}

void
hap_sim_quirk_clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
