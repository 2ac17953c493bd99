/* quirks-values.c — VAL quirks: characteristic values and metadata as real devices get
 * them wrong (simulator/QUIRKS.md rows 37–42 and the "Model" parser variants)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Most of these bend JSON the server already produced: the response hook rewrites the
 * bodies of GET /accessories and /characteristics, the message hook the bodies of
 * EVENT/1.0 messages. Bodies that do not need a change are left byte for byte as the
 * server wrote them. Quirks that refuse writes work in the request hook instead: they
 * replace the refused entries' values by {} (a value no format accepts) before the
 * server sees the request, so the server answers exactly those entries with -70410 in
 * its usual 207 and writes the others — as the device does.
 */
#include "hap-sim-quirk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hap-sim-accessory.h"

#define APPLE_UUID_SUFFIX "-0000-1000-8000-0026BB765291"

/* A vendor service type for val-empty-service ("SIM" in its first group). */
#define EMPTY_SERVICE_TYPE "5349D000-0000-4000-8000-000000000001"

/* ---- JSON helpers --------------------------------------------------------------------- */


static const char *
member_string (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonNode *
new_int_node (gint64 value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, value);
  return node;
}

/* A number as the server writes it: whole numbers as integers (hap-json-writer.c). */
static JsonNode *
new_number_node (double value)
{
  JsonNode *node;

  if (value == floor (value) && fabs (value) < 9007199254740992.0)
    return new_int_node ((gint64) value);
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_double (node, value);
  return node;
}

/* @value of @format as the server writes it in JSON (docs/protocol.md §4.7). */
static JsonNode *
value_to_json (HapFormat  format,
               GVariant  *value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  switch (format)
    {
    case HAP_FORMAT_BOOL:
      json_node_set_boolean (node, g_variant_get_boolean (value));
      break;
    case HAP_FORMAT_UINT8:
      json_node_set_int (node, g_variant_get_byte (value));
      break;
    case HAP_FORMAT_UINT16:
      json_node_set_int (node, g_variant_get_uint16 (value));
      break;
    case HAP_FORMAT_UINT32:
      json_node_set_int (node, g_variant_get_uint32 (value));
      break;
    case HAP_FORMAT_UINT64:
      /* JSON integers in json-glib are signed: the top half of uint64 saturates. */
      json_node_set_int (node, (gint64) MIN (g_variant_get_uint64 (value), (guint64) G_MAXINT64));
      break;
    case HAP_FORMAT_INT:
      json_node_set_int (node, g_variant_get_int32 (value));
      break;
    case HAP_FORMAT_FLOAT:
      json_node_unref (node);
      return new_number_node (g_variant_get_double (value));
    case HAP_FORMAT_STRING:
      json_node_set_string (node, g_variant_get_string (value, NULL));
      break;
    case HAP_FORMAT_TLV8:
    case HAP_FORMAT_DATA:
    default:
      {
        gsize len = 0;
        const guchar *data = g_variant_get_fixed_array (value, &len, 1);
        g_autofree char *b64 = g_base64_encode (data, len);

        json_node_set_string (node, b64);
      }
      break;
    }
  return node;
}

/* Same type, short or full, in any case. */
static gboolean
type_equal (const char *type,
            const char *other)
{
  g_autofree char *a = type != NULL ? hap_uuid_normalize (type) : NULL;
  g_autofree char *b = hap_uuid_normalize (other);

  return a != NULL && b != NULL && g_str_equal (a, b);
}

/* Apple-defined types live on Apple's base UUID (docs/protocol.md §4.11). */
static gboolean
type_is_apple (const char *type)
{
  g_autofree char *full = type != NULL ? hap_uuid_normalize (type) : NULL;

  return full != NULL && g_str_has_suffix (full, APPLE_UUID_SUFFIX);
}

/* ---- walking bodies ------------------------------------------------------------------- */

/* Returns TRUE when it changed @characteristic. */
typedef gboolean (*CharacteristicFunc) (HapSimQuirk *quirk,
                                        guint64      aid,
                                        JsonObject  *characteristic,
                                        gpointer     user_data);

/* Calls @func on every characteristic object of a database ({"accessories":[…]}) or of
 * a read, write or event body ({"characteristics":[…]}); TRUE when any call changed one. */
static gboolean
foreach_characteristic (HapSimQuirk        *quirk,
                        JsonNode           *root,
                        CharacteristicFunc  func,
                        gpointer            user_data)
{
  JsonObject *object;
  JsonArray *accessories, *rows;
  gboolean changed = FALSE;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  object = json_node_get_object (root);

  if ((accessories = hap_sim_json_member_array (object, "accessories")) != NULL)
    for (guint i = 0; i < json_array_get_length (accessories); i++)
      {
        JsonObject *accessory = hap_sim_json_element_object (accessories, i);
        JsonArray *services = hap_sim_json_member_array (accessory, "services");
        guint64 aid = 0;

        hap_sim_json_member_uint (accessory, "aid", &aid);
        for (guint j = 0; services != NULL && j < json_array_get_length (services); j++)
          {
            JsonArray *characteristics = hap_sim_json_member_array (hap_sim_json_element_object (services, j),
                                                       "characteristics");

            for (guint k = 0; characteristics != NULL && k < json_array_get_length (characteristics); k++)
              {
                JsonObject *characteristic = hap_sim_json_element_object (characteristics, k);

                if (characteristic != NULL)
                  changed |= func (quirk, aid, characteristic, user_data);
              }
          }
      }

  if ((rows = hap_sim_json_member_array (object, "characteristics")) != NULL)
    for (guint i = 0; i < json_array_get_length (rows); i++)
      {
        JsonObject *row = hap_sim_json_element_object (rows, i);
        guint64 aid = 0;

        if (row == NULL)
          continue;
        hap_sim_json_member_uint (row, "aid", &aid);
        changed |= func (quirk, aid, row, user_data);
      }

  return changed;
}

/* The characteristic a body object describes (its "iid" on @aid), or NULL. */
static HapCharacteristic *
lookup_object (HapSimQuirk *quirk,
               guint64      aid,
               JsonObject  *characteristic)
{
  guint64 iid;

  if (!hap_sim_json_member_uint (characteristic, "iid", &iid))
    return NULL;
  return hap_sim_quirk_lookup_characteristic (quirk, aid, iid);
}

static gboolean
is_db_or_read (HapHttpMessage *request,
               guint           status)
{
  return (status == 200 || status == 207) &&
         (hap_sim_request_is (request, "GET", "/accessories") ||
          hap_sim_request_is (request, "GET", "/characteristics"));
}

/* Applies @func to every characteristic of @body; writes it back only when it changed. */
static void
rewrite_body (HapSimQuirk        *quirk,
              GByteArray         *body,
              CharacteristicFunc  func,
              gpointer            user_data)
{
  g_autoptr(JsonNode) root = hap_sim_parse_json (body->data, body->len);

  if (foreach_characteristic (quirk, root, func, user_data))
    hap_sim_body_replace_json (body, root);
}

/* Offset of the body of a whole HTTP message (after the blank line), or -1. */
static gssize
find_body (GByteArray *message)
{
  for (gsize i = 0; i + 3 < message->len; i++)
    if (memcmp (message->data + i, "\r\n\r\n", 4) == 0)
      return (gssize) (i + 4);
  return -1;
}

/* Replaces the body of @message, keeping its headers but the Content-Length value. */
static void
message_set_body (GByteArray   *message,
                  gsize         body_offset,
                  const guint8 *body,
                  gsize         len)
{
  g_autoptr(GString) out = g_string_sized_new (body_offset + len + 8);
  const char *head = (const char *) message->data;
  gsize pos = 0;

  while (pos < body_offset)
    {
      const char *line = head + pos;
      const char *eol = g_strstr_len (line, body_offset - pos, "\r\n");
      gsize line_len = eol != NULL ? (gsize) (eol - line) : body_offset - pos;

      if (line_len > 15 && g_ascii_strncasecmp (line, "Content-Length:", 15) == 0)
        {
          gsize keep = 15;

          /* Keep the header as it was written (name, spacing), change the number. */
          while (keep < line_len && line[keep] == ' ')
            keep++;
          g_string_append_len (out, line, keep);
          g_string_append_printf (out, "%" G_GSIZE_FORMAT, len);
        }
      else
        g_string_append_len (out, line, line_len);
      if (eol != NULL)
        g_string_append (out, "\r\n");
      pos += line_len + 2;
    }
  g_string_append_len (out, (const char *) body, len);
  g_byte_array_set_size (message, 0);
  g_byte_array_append (message, (const guint8 *) out->str, out->len);
}

/* Applies @func to the characteristics of an EVENT message's JSON body. */
static void
rewrite_event (HapSimQuirk        *quirk,
               GByteArray         *message,
               CharacteristicFunc  func,
               gpointer            user_data)
{
  gssize offset = find_body (message);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GByteArray) body = NULL;

  if (offset < 0)
    return;
  root = hap_sim_parse_json (message->data + offset, message->len - (gsize) offset);
  if (!foreach_characteristic (quirk, root, func, user_data))
    return;
  body = g_byte_array_new ();
  hap_sim_body_replace_json (body, root);
  message_set_body (message, (gsize) offset, body->data, body->len);
}

/* TRUE for a write entry's value that the quirk refuses. */
typedef gboolean (*WriteCheck) (HapSimQuirk       *quirk,
                                HapCharacteristic *characteristic,
                                JsonNode          *value);

/* See the top of the file: refused entries get the value {} so that the server itself
 * answers them with -70410 and writes the rest. */
static void
refuse_writes (HapSimQuirk    *quirk,
               HapHttpMessage *request,
               WriteCheck      refuse)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *items;
  gboolean changed = FALSE;
  gsize len;
  const guint8 *data;

  if (!hap_sim_request_is (request, "PUT", "/characteristics"))
    return;
  data = g_bytes_get_data (request->body, &len);
  root = hap_sim_parse_json (data, len);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (items = hap_sim_json_member_array (json_node_get_object (root), "characteristics")) == NULL)
    return;

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = hap_sim_json_element_object (items, i);
      JsonNode *value = item != NULL ? json_object_get_member (item, "value") : NULL;
      HapCharacteristic *characteristic;
      guint64 aid;
      JsonNode *refused;

      if (value == NULL || !hap_sim_json_member_uint (item, "aid", &aid) ||
          (characteristic = lookup_object (quirk, aid, item)) == NULL ||
          !refuse (quirk, characteristic, value))
        continue;
      refused = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (refused, json_object_new ());
      json_object_set_member (item, "value", refused);
      changed = TRUE;
    }

  if (changed)
    hap_sim_request_replace_body_json (request, root);
}

/* ---- structure of the database -------------------------------------------------------- */

/* The service the structural quirks bend, in the first accessory that has one: its
 * primary service, else its first service other than Accessory Information (3E) and
 * HAP Protocol Information (A2). */
static JsonObject *
db_target_service (JsonNode    *root,
                   JsonObject **accessory_out)
{
  JsonArray *accessories;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      (accessories = hap_sim_json_member_array (json_node_get_object (root), "accessories")) == NULL)
    return NULL;

  for (guint i = 0; i < json_array_get_length (accessories); i++)
    {
      JsonObject *accessory = hap_sim_json_element_object (accessories, i);
      JsonArray *services = hap_sim_json_member_array (accessory, "services");
      JsonObject *first = NULL;

      for (guint j = 0; services != NULL && j < json_array_get_length (services); j++)
        {
          JsonObject *service = hap_sim_json_element_object (services, j);
          JsonNode *primary;
          const char *type;

          if (service == NULL)
            continue;
          primary = json_object_get_member (service, "primary");
          if (primary != NULL && JSON_NODE_HOLDS_VALUE (primary) &&
              json_node_get_value_type (primary) == G_TYPE_BOOLEAN &&
              json_node_get_boolean (primary))
            {
              first = service;
              break;
            }
          type = member_string (service, "type");
          if (first == NULL && !type_equal (type, "3E") && !type_equal (type, "A2"))
            first = service;
        }
      if (first != NULL)
        {
          if (accessory_out != NULL)
            *accessory_out = accessory;
          return first;
        }
    }
  return NULL;
}

/* The largest iid of an accessory object (services and characteristics). */
static guint64
max_iid (JsonObject *accessory)
{
  JsonArray *services = hap_sim_json_member_array (accessory, "services");
  guint64 max = 0, iid;

  for (guint i = 0; services != NULL && i < json_array_get_length (services); i++)
    {
      JsonObject *service = hap_sim_json_element_object (services, i);
      JsonArray *characteristics = hap_sim_json_member_array (service, "characteristics");

      if (hap_sim_json_member_uint (service, "iid", &iid))
        max = MAX (max, iid);
      for (guint j = 0; characteristics != NULL && j < json_array_get_length (characteristics); j++)
        if (hap_sim_json_member_uint (hap_sim_json_element_object (characteristics, j), "iid", &iid))
          max = MAX (max, iid);
    }
  return max;
}

/* Runs @edit on the target service of a GET /accessories body. */
typedef void (*ServiceEdit) (HapSimQuirk *quirk,
                             JsonObject  *accessory,
                             JsonObject  *service);

static void
edit_target_service (HapSimQuirk    *quirk,
                     HapHttpMessage *request,
                     guint           status,
                     GByteArray     *body,
                     ServiceEdit     edit)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *accessory = NULL, *service;

  if (status != 200 || !hap_sim_request_is (request, "GET", "/accessories"))
    return;
  root = hap_sim_parse_json (body->data, body->len);
  if ((service = db_target_service (root, &accessory)) == NULL)
    return;
  edit (quirk, accessory, service);
  hap_sim_body_replace_json (body, root);
}

/* @spec names one characteristic (hap_sim_accessory_find); fills its aid and iid. */
static gboolean
find_characteristic (HapSimQuirk *quirk,
                     const char  *spec,
                     guint64     *aid,
                     guint64     *iid)
{
  g_autoptr(GError) error = NULL;
  HapCharacteristic *characteristic;
  HapService *service;
  HapAccessory *accessory;

  if (spec == NULL || *spec == '\0')
    return FALSE;
  characteristic = hap_sim_accessory_find (quirk->accessory, spec, &error);
  if (characteristic == NULL)
    {
      g_debug ("%s: %s", quirk->info->name, error->message);
      return FALSE;
    }
  service = hap_characteristic_get_service (characteristic);
  accessory = service != NULL ? hap_service_get_accessory (service) : NULL;
  if (accessory == NULL)
    return FALSE;
  *aid = hap_accessory_get_aid (accessory);
  *iid = hap_characteristic_get_iid (characteristic);
  return TRUE;
}

/* ---- val-format-omitted (row 37) ------------------------------------------------------ */

static gboolean
drop_apple_format (HapSimQuirk *quirk,
                   guint64      aid,
                   JsonObject  *object,
                   gpointer     user_data)
{
  const char *type = member_string (object, "type");
  HapCharacteristic *characteristic;

  if (!json_object_has_member (object, "format"))
    return FALSE;
  /* Reads with meta=1 but without type=1 carry no type: ask the model. */
  if (type == NULL && (characteristic = lookup_object (quirk, aid, object)) != NULL)
    type = hap_characteristic_get_type_uuid (characteristic);
  if (!type_is_apple (type))
    return FALSE;
  json_object_remove_member (object, "format");
  return TRUE;
}

/* aiohomekit before PR #16 took the format from every characteristic and failed here;
 * hap-controller passes the JSON on without looking at format. */
static void
format_omitted_response (HapSimQuirk    *quirk,
                         HapConnection  *conn,
                         HapHttpMessage *request,
                         guint          *status,
                         const char    **content_type,
                         GByteArray     *body)
{
  if (is_db_or_read (request, *status))
    rewrite_body (quirk, body, drop_apple_format, NULL);
}

/* ---- val-bool-as-int (row 38) --------------------------------------------------------- */

static gboolean
bool_to_int (HapSimQuirk *quirk,
             guint64      aid,
             JsonObject  *object,
             gpointer     user_data)
{
  JsonNode *value = json_object_get_member (object, "value");

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
      json_node_get_value_type (value) != G_TYPE_BOOLEAN)
    return FALSE;
  json_object_set_member (object, "value", new_int_node (json_node_get_boolean (value) ? 1 : 0));
  return TRUE;
}

static gboolean
refuse_bool_literal (HapSimQuirk       *quirk,
                     HapCharacteristic *characteristic,
                     JsonNode          *value)
{
  return hap_characteristic_get_format (characteristic) == HAP_FORMAT_BOOL &&
         JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN;
}

static HapHookVerdict
bool_as_int_request (HapSimQuirk    *quirk,
                     HapConnection  *conn,
                     HapHttpMessage *request,
                     guint          *delay_ms)
{
  if (hap_sim_quirk_get_bool (quirk, "strict-writes"))
    refuse_writes (quirk, request, refuse_bool_literal);
  return HAP_HOOK_CONTINUE;
}

/* Reads, the database and write responses with "r" (all carry values). */
static void
bool_as_int_response (HapSimQuirk    *quirk,
                      HapConnection  *conn,
                      HapHttpMessage *request,
                      guint          *status,
                      const char    **content_type,
                      GByteArray     *body)
{
  if (is_db_or_read (request, *status) ||
      (*status == 207 && hap_sim_request_is (request, "PUT", "/characteristics")))
    rewrite_body (quirk, body, bool_to_int, NULL);
}

/* hap-controller hands the 1/0 to the application unchanged (a JS number, not a boolean). */
static void
bool_as_int_message (HapSimQuirk    *quirk,
                     HapConnection  *conn,
                     HapMessageKind  kind,
                     HapHttpMessage *request,
                     GByteArray     *message)
{
  if (kind == HAP_MESSAGE_EVENT)
    rewrite_event (quirk, message, bool_to_int, NULL);
}

/* ---- val-strict-step (row 39) --------------------------------------------------------- */

/* Digits after the decimal point in the shortest text that reads back as @v: 21.5 → 1,
 * 21.700000000000003 → 15, 1e-05 → 5. */
static int
count_decimals (double v)
{
  g_autofree char *buf = hap_double_to_string (v);
  const char *dot, *exp_mark, *end;
  int digits = 0, exponent = 0;

  exp_mark = strpbrk (buf, "eE");
  end = exp_mark != NULL ? exp_mark : buf + strlen (buf);
  if ((dot = strchr (buf, '.')) != NULL && dot < end)
    digits = (int) (end - dot - 1);
  if (exp_mark != NULL)
    exponent = atoi (exp_mark + 1);
  return MAX (digits - exponent, 0);
}

/* The server accepts a value within 1e-4 steps of the minStep grid (hap-types.c), as
 * controllers that convert °F send 22.222222 or 21.700000000000003. The Honeywell T6 Pro
 * wants the grid exactly, with no more decimals than minStep has (HA #37083: aiohomekit
 * now rounds to minStep before writing). */
static gboolean
refuse_off_grid (HapSimQuirk       *quirk,
                 HapCharacteristic *characteristic,
                 JsonNode          *value)
{
  HapFormat format = hap_characteristic_get_format (characteristic);
  double step = hap_characteristic_get_min_step (characteristic);
  double base = hap_characteristic_get_min_value (characteristic);
  double v, k;
  GType type;

  if (format < HAP_FORMAT_UINT8 || format > HAP_FORMAT_FLOAT || isnan (step) || step <= 0 ||
      !JSON_NODE_HOLDS_VALUE (value))
    return FALSE;
  type = json_node_get_value_type (value);
  if (type == G_TYPE_INT64)
    v = (double) json_node_get_int (value);
  else if (type == G_TYPE_DOUBLE)
    v = json_node_get_double (value);
  else
    return FALSE;
  if (isnan (base))
    base = 0;
  k = (v - base) / step;
  return fabs (k - round (k)) > 1e-9 || count_decimals (v) > count_decimals (step);
}

/* hap-controller writes what its caller gives it, so a °F conversion is refused. */
static HapHookVerdict
strict_step_request (HapSimQuirk    *quirk,
                     HapConnection  *conn,
                     HapHttpMessage *request,
                     guint          *delay_ms)
{
  refuse_writes (quirk, request, refuse_off_grid);
  return HAP_HOOK_CONTINUE;
}

/* ---- val-minstep-zero (row 40) -------------------------------------------------------- */

static gboolean
zero_min_step (HapSimQuirk *quirk,
               guint64      aid,
               JsonObject  *object,
               gpointer     user_data)
{
  if (!json_object_has_member (object, "minStep"))
    return FALSE;
  json_object_set_member (object, "minStep", new_int_node (0));
  return TRUE;
}

/* A controller that rounds to minStep divides by zero (HA #100183); hap-controller does
 * not use minStep. */
static void
minstep_zero_response (HapSimQuirk    *quirk,
                       HapConnection  *conn,
                       HapHttpMessage *request,
                       guint          *status,
                       const char    **content_type,
                       GByteArray     *body)
{
  if (is_db_or_read (request, *status))
    rewrite_body (quirk, body, zero_min_step, NULL);
}

/* ---- val-linked-zero (row 41) and val-linked-missing ---------------------------------- */

static void
append_linked (JsonObject *service,
               guint64     iid)
{
  JsonArray *linked = hap_sim_json_member_array (service, "linked");

  if (linked == NULL)
    {
      linked = json_array_new ();
      json_object_set_array_member (service, "linked", linked);
    }
  json_array_add_int_element (linked, (gint64) iid);
}

static void
link_zero (HapSimQuirk *quirk,
           JsonObject  *accessory,
           JsonObject  *service)
{
  append_linked (service, 0);
}

/* hap-controller passes linked through; a controller that resolves each linked iid to a
 * service (aiohomekit before PR #335) finds none for 0. */
static void
linked_zero_response (HapSimQuirk    *quirk,
                      HapConnection  *conn,
                      HapHttpMessage *request,
                      guint          *status,
                      const char    **content_type,
                      GByteArray     *body)
{
  edit_target_service (quirk, request, *status, body, link_zero);
}

static void
link_missing (HapSimQuirk *quirk,
              JsonObject  *accessory,
              JsonObject  *service)
{
  append_linked (service, max_iid (accessory) + 1);
}

static void
linked_missing_response (HapSimQuirk    *quirk,
                         HapConnection  *conn,
                         HapHttpMessage *request,
                         guint          *status,
                         const char    **content_type,
                         GByteArray     *body)
{
  edit_target_service (quirk, request, *status, body, link_missing);
}

/* ---- val-stale-accessories (row 42) --------------------------------------------------- */

typedef struct
{
  GHashTable *values;   /* HapCharacteristic (ref) → JsonNode: the value at snapshot time */
} StaleState;

static void
stale_state_free (StaleState *state)
{
  g_hash_table_unref (state->values);
  g_free (state);
}

static void
snapshot_accessory (GHashTable   *values,
                    HapAccessory *accessory)
{
  GPtrArray *services = hap_accessory_get_services (accessory);

  for (guint i = 0; i < services->len; i++)
    {
      GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (services, i));

      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);

          if (!(hap_characteristic_get_perms (characteristic) & HAP_PERM_PAIRED_READ) ||
              hap_characteristic_is_event_only (characteristic))
            continue;
          g_hash_table_replace (values, g_object_ref (characteristic),
                                value_to_json (hap_characteristic_get_format (characteristic),
                                               hap_characteristic_get_value (characteristic)));
        }
    }
}

/* The values now: on enable and whenever the server (re)starts. */
static void
stale_snapshot (HapSimQuirk *quirk)
{
  StaleState *state = quirk->state;
  HapAccessory *primary = hap_sim_accessory_get_accessory (quirk->accessory);
  GPtrArray *bridged;

  g_hash_table_remove_all (state->values);
  if (primary == NULL)
    return;
  snapshot_accessory (state->values, primary);
  bridged = hap_accessory_get_bridged_accessories (primary);
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    snapshot_accessory (state->values, g_ptr_array_index (bridged, i));
}

static void
stale_enable (HapSimQuirk *quirk)
{
  StaleState *state = quirk->state;

  if (state == NULL)
    {
      state = g_new0 (StaleState, 1);
      state->values = g_hash_table_new_full (NULL, NULL, g_object_unref,
                                             (GDestroyNotify) json_node_unref);
      quirk->state = state;
    }
  stale_snapshot (quirk);
}

static void
stale_disable (HapSimQuirk *quirk)
{
  g_clear_pointer (&quirk->state, stale_state_free);
}

typedef struct
{
  gboolean has_bogus;
  guint64  bogus_aid, bogus_iid;
  double   bogus_value;
} StaleTarget;

static gboolean
stale_value (HapSimQuirk *quirk,
             guint64      aid,
             JsonObject  *object,
             gpointer     user_data)
{
  StaleState *state = quirk->state;
  StaleTarget *target = user_data;
  HapCharacteristic *characteristic;
  JsonNode *old;
  guint64 iid;

  if (!json_object_has_member (object, "value") || !hap_sim_json_member_uint (object, "iid", &iid))
    return FALSE;
  if (target->has_bogus && aid == target->bogus_aid && iid == target->bogus_iid)
    {
      json_object_set_member (object, "value", new_number_node (target->bogus_value));
      return TRUE;
    }
  characteristic = hap_sim_quirk_lookup_characteristic (quirk, aid, iid);
  if (characteristic == NULL || (old = g_hash_table_lookup (state->values, characteristic)) == NULL)
    return FALSE;
  json_object_set_member (object, "value", json_node_copy (old));
  return TRUE;
}

/* Only the database is stale: reads and events carry the real values. Controllers that
 * take initial state from /accessories (aiohomekit before PR #152086, hap-controller's
 * users) show the stale value until the first read or event. */
static void
stale_response (HapSimQuirk    *quirk,
                HapConnection  *conn,
                HapHttpMessage *request,
                guint          *status,
                const char    **content_type,
                GByteArray     *body)
{
  StaleTarget target = { 0 };

  if (*status != 200 || !hap_sim_request_is (request, "GET", "/accessories") || quirk->state == NULL)
    return;
  target.has_bogus = find_characteristic (quirk, hap_sim_quirk_get_string (quirk, "characteristic"),
                                          &target.bogus_aid, &target.bogus_iid);
  target.bogus_value = hap_sim_quirk_get_double (quirk, "value");
  rewrite_body (quirk, body, stale_value, &target);
}

/* ---- val-uuid-lowercase --------------------------------------------------------------- */

/* Replaces a "type" member by the full lower-case UUID; TRUE when it changed. */
static gboolean
lowercase_type (JsonObject *object)
{
  const char *type = member_string (object, "type");
  g_autofree char *full = type != NULL ? hap_uuid_normalize (type) : NULL;
  g_autofree char *lower = NULL;

  if (full == NULL)
    return FALSE;
  lower = g_ascii_strdown (full, -1);
  if (g_str_equal (lower, type))
    return FALSE;
  json_object_set_string_member (object, "type", lower);
  return TRUE;
}

static gboolean
lowercase_characteristic_type (HapSimQuirk *quirk,
                               guint64      aid,
                               JsonObject  *object,
                               gpointer     user_data)
{
  return lowercase_type (object);
}

/* hap-controller upper-cases and expands every type itself (ensureServiceUuid). */
static void
uuid_lowercase_response (HapSimQuirk    *quirk,
                         HapConnection  *conn,
                         HapHttpMessage *request,
                         guint          *status,
                         const char    **content_type,
                         GByteArray     *body)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *accessories;
  gboolean changed;

  if (!is_db_or_read (request, *status))
    return;
  root = hap_sim_parse_json (body->data, body->len);
  changed = foreach_characteristic (quirk, root, lowercase_characteristic_type, NULL);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      (accessories = hap_sim_json_member_array (json_node_get_object (root), "accessories")) != NULL)
    for (guint i = 0; i < json_array_get_length (accessories); i++)
      {
        JsonArray *services = hap_sim_json_member_array (hap_sim_json_element_object (accessories, i), "services");

        for (guint j = 0; services != NULL && j < json_array_get_length (services); j++)
          {
            JsonObject *service = hap_sim_json_element_object (services, j);

            if (service != NULL)
              changed |= lowercase_type (service);
          }
      }
  if (changed)
    hap_sim_body_replace_json (body, root);
}

/* ---- val-no-perms --------------------------------------------------------------------- */

typedef struct
{
  guint64 aid, iid;
} CharacteristicId;

static gboolean
drop_perms (HapSimQuirk *quirk,
            guint64      aid,
            JsonObject  *object,
            gpointer     user_data)
{
  CharacteristicId *target = user_data;
  guint64 iid;

  if (aid != target->aid || !hap_sim_json_member_uint (object, "iid", &iid) || iid != target->iid ||
      !json_object_has_member (object, "perms"))
    return FALSE;
  json_object_remove_member (object, "perms");
  return TRUE;
}

/* The main service of the model, as db_target_service() picks it in the database. */
static HapService *
model_target_service (HapAccessory *accessory)
{
  GPtrArray *services = hap_accessory_get_services (accessory);
  HapService *first = NULL;

  for (guint i = 0; i < services->len; i++)
    {
      HapService *service = g_ptr_array_index (services, i);
      const char *type = hap_service_get_type_uuid (service);

      if (hap_service_get_primary (service))
        return service;
      if (first == NULL && !type_equal (type, "3E") && !type_equal (type, "A2"))
        first = service;
    }
  return first;
}

/* The "characteristic" parameter, else the first characteristic of the main service. */
static gboolean
no_perms_target (HapSimQuirk      *quirk,
                 CharacteristicId *target)
{
  HapAccessory *primary = hap_sim_accessory_get_accessory (quirk->accessory);
  GPtrArray *bridged;

  if (find_characteristic (quirk, hap_sim_quirk_get_string (quirk, "characteristic"),
                           &target->aid, &target->iid))
    return TRUE;
  if (primary == NULL)
    return FALSE;
  bridged = hap_accessory_get_bridged_accessories (primary);
  for (guint i = 0; i <= (bridged != NULL ? bridged->len : 0); i++)
    {
      HapAccessory *accessory = i == 0 ? primary : g_ptr_array_index (bridged, i - 1);
      HapService *service = model_target_service (accessory);
      GPtrArray *characteristics;

      if (service == NULL)
        continue;
      characteristics = hap_service_get_characteristics (service);
      if (characteristics->len == 0)
        return FALSE;
      target->aid = hap_accessory_get_aid (accessory);
      target->iid = hap_characteristic_get_iid (g_ptr_array_index (characteristics, 0));
      return TRUE;
    }
  return FALSE;
}

/* hap-controller keeps the characteristic; code reading perms.includes() throws. */
static void
no_perms_response (HapSimQuirk    *quirk,
                   HapConnection  *conn,
                   HapHttpMessage *request,
                   guint          *status,
                   const char    **content_type,
                   GByteArray     *body)
{
  CharacteristicId target = { 0 };

  if (is_db_or_read (request, *status) && no_perms_target (quirk, &target))
    rewrite_body (quirk, body, drop_perms, &target);
}

/* ---- val-service-no-iid, val-duplicate-iid, val-empty-service ------------------------- */

static void
drop_service_iid (HapSimQuirk *quirk,
                  JsonObject  *accessory,
                  JsonObject  *service)
{
  json_object_remove_member (service, "iid");
}

/* hap-controller keeps the service; anything keyed by aid.iid collides on "undefined". */
static void
service_no_iid_response (HapSimQuirk    *quirk,
                         HapConnection  *conn,
                         HapHttpMessage *request,
                         guint          *status,
                         const char    **content_type,
                         GByteArray     *body)
{
  edit_target_service (quirk, request, *status, body, drop_service_iid);
}

/* The second characteristic of the target service repeats the first one's iid (with a
 * single characteristic, the service repeats it). */
static void
duplicate_iid (HapSimQuirk *quirk,
               JsonObject  *accessory,
               JsonObject  *service)
{
  JsonArray *characteristics = hap_sim_json_member_array (service, "characteristics");
  JsonObject *first, *second;
  guint64 iid;

  if (characteristics == NULL || json_array_get_length (characteristics) == 0 ||
      !hap_sim_json_member_uint ((first = hap_sim_json_element_object (characteristics, 0)), "iid", &iid))
    return;
  if (json_array_get_length (characteristics) >= 2 &&
      (second = hap_sim_json_element_object (characteristics, 1)) != NULL)
    json_object_set_member (second, "iid", new_int_node ((gint64) iid));
  else
    json_object_set_member (service, "iid", new_int_node ((gint64) iid));
}

static void
duplicate_iid_response (HapSimQuirk    *quirk,
                        HapConnection  *conn,
                        HapHttpMessage *request,
                        guint          *status,
                        const char    **content_type,
                        GByteArray     *body)
{
  edit_target_service (quirk, request, *status, body, duplicate_iid);
}

/* A vendor service with "characteristics":[] after the target service's accessory's
 * last one, on a fresh iid. */
static void
add_empty_service (HapSimQuirk *quirk,
                   JsonObject  *accessory,
                   JsonObject  *service)
{
  JsonArray *services = hap_sim_json_member_array (accessory, "services");
  JsonObject *empty = json_object_new ();

  json_object_set_int_member (empty, "iid", (gint64) max_iid (accessory) + 1);
  json_object_set_string_member (empty, "type", EMPTY_SERVICE_TYPE);
  json_object_set_boolean_member (empty, "primary", FALSE);
  json_object_set_boolean_member (empty, "hidden", FALSE);
  json_object_set_array_member (empty, "linked", json_array_new ());
  json_object_set_array_member (empty, "characteristics", json_array_new ());
  json_array_add_object_element (services, empty);
}

static void
empty_service_response (HapSimQuirk    *quirk,
                        HapConnection  *conn,
                        HapHttpMessage *request,
                        guint          *status,
                        const char    **content_type,
                        GByteArray     *body)
{
  edit_target_service (quirk, request, *status, body, add_empty_service);
}

/* ---- the table ------------------------------------------------------------------------ */

static const HapSimQuirkParam bool_as_int_params[] = {
  { "strict-writes", HAP_SIM_PARAM_BOOL,
    "Refuse true/false in writes to bool characteristics with -70410 (only 1/0 work)",
    "true", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkParam stale_params[] = {
  { "characteristic", HAP_SIM_PARAM_STRING,
    "One characteristic (\"1.10\" or \"Thermostat/CurrentTemperature\") that /accessories "
    "reports as \"value\" instead; empty for none",
    "", 0, 0, NULL },
  { "value", HAP_SIM_PARAM_DOUBLE,
    "The bogus value of \"characteristic\" (Ecobee: 100 °C right after a restart)",
    "100", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkParam no_perms_params[] = {
  { "characteristic", HAP_SIM_PARAM_STRING,
    "The characteristic without perms (\"1.10\", \"Lightbulb/On\"); empty: the first one of "
    "the main service",
    "", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkInfo values_quirks[] = {
  {
    .name = "val-format-omitted",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "No format on Apple-defined characteristics, only on vendor ones (iDevices Switch)",
    .catalog_row = 37,
    .response = format_omitted_response,
  },
  {
    .name = "val-bool-as-int",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "Bool values as 1/0 in reads and events; true/false writes refused with -70410 (Ecobee Switch+)",
    .catalog_row = 38,
    .params = bool_as_int_params,
    .request = bool_as_int_request,
    .response = bool_as_int_response,
    .message = bool_as_int_message,
  },
  {
    .name = "val-strict-step",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "Writes off the minStep grid or more precise than minStep refused with -70410 (Honeywell T6 Pro)",
    .catalog_row = 39,
    .request = strict_step_request,
  },
  {
    .name = "val-minstep-zero",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "minStep 0 in the metadata of stepped characteristics (MEL-AC-HomeKit)",
    .catalog_row = 40,
    .response = minstep_zero_response,
  },
  {
    .name = "val-linked-zero",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "The main service's linked list contains iid 0 (Schlage Encode Plus)",
    .catalog_row = 41,
    .response = linked_zero_response,
  },
  {
    .name = "val-stale-accessories",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "/accessories reports values from when it started, or a bogus one like 100 °C (Ecobee thermostats)",
    .catalog_row = 42,
    .params = stale_params,
    .enable = stale_enable,
    .disable = stale_disable,
    .started = stale_snapshot,
    .response = stale_response,
  },
  {
    .name = "val-uuid-lowercase",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "Full lower-case UUIDs instead of short types (parser variant, no device named)",
    .catalog_row = 0,
    .response = uuid_lowercase_response,
  },
  {
    .name = "val-no-perms",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "A characteristic without perms (parser variant; on BLE: Schlage Sense, row 47)",
    .catalog_row = 0,
    .params = no_perms_params,
    .response = no_perms_response,
  },
  {
    .name = "val-service-no-iid",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "The main service has no iid (parser variant; on BLE: row 51, unnamed devices)",
    .catalog_row = 0,
    .response = service_no_iid_response,
  },
  {
    .name = "val-duplicate-iid",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "Two characteristics of the main service share one iid (parser variant, no device named)",
    .catalog_row = 0,
    .response = duplicate_iid_response,
  },
  {
    .name = "val-linked-missing",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "The main service links to an iid that does not exist (parser variant, no device named)",
    .catalog_row = 0,
    .response = linked_missing_response,
  },
  {
    .name = "val-empty-service",
    .layer = HAP_SIM_LAYER_VAL,
    .description = "An extra service with an empty characteristics list (parser variant; on BLE: row 51)",
    .catalog_row = 0,
    .response = empty_service_response,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_values (guint *n)
{
  *n = G_N_ELEMENTS (values_quirks);
  return values_quirks;
}
