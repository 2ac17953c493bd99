/* quirks-events.c — EV quirks: events and subscriptions as real devices get them wrong
 * (simulator/QUIRKS.md rows 43–46, and the "EVENT with an empty body" parser variant)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Row 18 (several messages coalesced in one read) is an HTTP-layer quirk and lives in
 * quirks-http.c.
 */
#include "hap-sim-quirk.h"

#include <math.h>
#include <string.h>

#include "hap-sim-accessory.h"

#define CT_JSON "application/hap+json"

/* ---- helpers -------------------------------------------------------------------------- */


/* "ev" as the server reads it: true/false or 1/0 (hap-ip-endpoints.c); -1 when absent
 * or malformed. */
static int
member_ev (JsonObject *item)
{
  JsonNode *node = item != NULL ? json_object_get_member (item, "ev") : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return -1;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? 1 : 0;
  if (type == G_TYPE_INT64 && (json_node_get_int (node) == 0 || json_node_get_int (node) == 1))
    return (int) json_node_get_int (node);
  return -1;
}

/* The "characteristics" array of a PUT /characteristics request, parsed into @root. */
static JsonArray *
request_items (HapHttpMessage  *request,
               JsonNode       **root)
{
  gsize len;
  const guint8 *data;

  *root = NULL;
  if (!hap_sim_request_is (request, "PUT", "/characteristics"))
    return NULL;
  data = g_bytes_get_data (request->body, &len);
  *root = hap_sim_parse_json (data, len);
  if (*root == NULL || !JSON_NODE_HOLDS_OBJECT (*root))
    return NULL;
  return hap_sim_json_member_array (json_node_get_object (*root), "characteristics");
}

/* Every characteristic of the accessory and of the accessories bridged to it. */
static GPtrArray *
all_characteristics (HapSimQuirk *quirk)
{
  HapAccessory *primary = hap_sim_accessory_get_accessory (quirk->accessory);
  GPtrArray *out = g_ptr_array_new ();
  GPtrArray *bridged;

  if (primary == NULL)
    return out;
  bridged = hap_accessory_get_bridged_accessories (primary);
  for (guint i = 0; i <= (bridged != NULL ? bridged->len : 0); i++)
    {
      HapAccessory *accessory = i == 0 ? primary : g_ptr_array_index (bridged, i - 1);
      GPtrArray *services = hap_accessory_get_services (accessory);

      for (guint j = 0; j < services->len; j++)
        {
          GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (services, j));

          for (guint k = 0; k < characteristics->len; k++)
            g_ptr_array_add (out, g_ptr_array_index (characteristics, k));
        }
    }
  return out;
}

static gboolean
is_subscribed (HapConnection     *conn,
               HapCharacteristic *characteristic)
{
  g_autoptr(GPtrArray) subscriptions = hap_connection_dup_subscriptions (conn);

  for (guint i = 0; i < subscriptions->len; i++)
    if (g_ptr_array_index (subscriptions, i) == characteristic)
      return TRUE;
  return FALSE;
}

/* ---- ev-subscription-limit (row 43) --------------------------------------------------- */

/* The PUT itself succeeds (204), so the controller believes it is subscribed; from then
 * on this connection gets no event at all (HA #37996: aiohomekit now subscribes in
 * batches). hap-controller sends one PUT for everything it is asked to subscribe. */
static HapHookVerdict
limit_request (HapSimQuirk    *quirk,
               HapConnection  *conn,
               HapHttpMessage *request,
               guint          *delay_ms)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *items = request_items (request, &root);
  guint subscribing = 0;

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    if (member_ev (hap_sim_json_element_object (items, i)) == 1)
      subscribing++;
  if (subscribing > hap_sim_quirk_get_uint (quirk, "max-subscriptions"))
    hap_sim_quirk_set_conn_data (quirk, conn, GINT_TO_POINTER (TRUE), NULL);
  return HAP_HOOK_CONTINUE;
}

static void
limit_message (HapSimQuirk    *quirk,
               HapConnection  *conn,
               HapMessageKind  kind,
               HapHttpMessage *request,
               GByteArray     *message)
{
  if (kind == HAP_MESSAGE_EVENT && hap_sim_quirk_get_conn_data (quirk, conn) != NULL)
    g_byte_array_set_size (message, 0);
}

/* ---- ev-no-push (row 44) -------------------------------------------------------------- */

typedef struct
{
  guint64  aid, iid;
  gboolean refused;
} PushEntry;

/* A PUT that mixed subscriptions with writes: the writes went on to the server. */
typedef struct
{
  HapHttpMessage *request;   /* identity only */
  GArray         *entries;   /* PushEntry, in request order */
} PushPending;

static void
push_pending_free (PushPending *pending)
{
  g_array_unref (pending->entries);
  g_free (pending);
}

static void
append_status_row (JsonArray *rows,
                   guint64    aid,
                   guint64    iid,
                   int        status)
{
  JsonObject *row = json_object_new ();

  json_object_set_int_member (row, "aid", (gint64) aid);
  json_object_set_int_member (row, "iid", (gint64) iid);
  json_object_set_int_member (row, "status", status);
  json_array_add_object_element (rows, row);
}

static JsonNode *
characteristics_body (JsonArray *rows)
{
  JsonObject *object = json_object_new ();
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);

  json_object_set_array_member (object, "characteristics", rows);
  json_node_take_object (root, object);
  return root;
}

/* mode=status: every entry with "ev" gets -70406 ("notifications not supported") and
 * subscribes nothing; entries without "ev" are written as usual. mode=close: the
 * connection goes away, as the device in 3ced7af did. hap-controller takes the 207 to
 * its subscribe PUT as success (it records every characteristic as subscribed and
 * leaves the -70406 rows to its caller); a closed connection makes subscribe throw. */
static HapHookVerdict
no_push_request (HapSimQuirk    *quirk,
                 HapConnection  *conn,
                 HapHttpMessage *request,
                 guint          *delay_ms)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GArray) entries = NULL;
  JsonArray *items = request_items (request, &root);
  JsonArray *kept;
  guint n, refused = 0;

  if (items == NULL || (n = json_array_get_length (items)) == 0)
    return HAP_HOOK_CONTINUE;
  entries = g_array_sized_new (FALSE, TRUE, sizeof (PushEntry), n);
  kept = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      JsonObject *item = hap_sim_json_element_object (items, i);
      PushEntry entry = { 0 };

      /* A malformed entry makes the whole request a 400: the server says so. */
      if (!hap_sim_json_member_uint (item, "aid", &entry.aid) || !hap_sim_json_member_uint (item, "iid", &entry.iid))
        {
          json_array_unref (kept);
          return HAP_HOOK_CONTINUE;
        }
      entry.refused = json_object_has_member (item, "ev");
      if (entry.refused)
        refused++;
      else
        json_array_add_element (kept, json_node_copy (json_array_get_element (items, i)));
      g_array_append_val (entries, entry);
    }
  if (refused == 0)
    {
      json_array_unref (kept);
      return HAP_HOOK_CONTINUE;
    }
  if (g_str_equal (hap_sim_quirk_get_string (quirk, "mode"), "close"))
    {
      json_array_unref (kept);
      return HAP_HOOK_CLOSE;
    }

  if (refused == n)
    {
      JsonArray *rows = json_array_new ();
      g_autoptr(JsonNode) reply = NULL;
      g_autoptr(GByteArray) body = g_byte_array_new ();

      json_array_unref (kept);
      for (guint i = 0; i < n; i++)
        {
          PushEntry *entry = &g_array_index (entries, PushEntry, i);
          append_status_row (rows, entry->aid, entry->iid, HAP_STATUS_NOTIFICATION_NOT_SUPPORTED);
        }
      reply = characteristics_body (rows);
      hap_sim_body_replace_json (body, reply);
      hap_connection_send_response (conn, 207, CT_JSON, body->data, body->len);
      return HAP_HOOK_ANSWERED;
    }

  /* Mixed: the server writes the rest; the response hook puts the refusals back. */
  {
    PushPending *pending = g_new0 (PushPending, 1);

    json_object_set_array_member (json_node_get_object (root), "characteristics", kept);
    hap_sim_request_replace_body_json (request, root);
    pending->request = request;
    pending->entries = g_steal_pointer (&entries);
    hap_sim_quirk_set_conn_data (quirk, conn, pending, (GDestroyNotify) push_pending_free);
  }
  return HAP_HOOK_CONTINUE;
}

static void
no_push_response (HapSimQuirk    *quirk,
                  HapConnection  *conn,
                  HapHttpMessage *request,
                  guint          *status,
                  const char    **content_type,
                  GByteArray     *body)
{
  PushPending *pending = hap_sim_quirk_get_conn_data (quirk, conn);
  g_autoptr(JsonNode) server_root = NULL;
  g_autoptr(JsonNode) reply = NULL;
  JsonArray *server_rows = NULL, *rows;
  guint next = 0;

  if (pending == NULL || pending->request != request)
    return;
  if (*status == 207)
    {
      server_root = hap_sim_parse_json (body->data, body->len);
      if (server_root != NULL && JSON_NODE_HOLDS_OBJECT (server_root))
        server_rows = hap_sim_json_member_array (json_node_get_object (server_root), "characteristics");
    }
  if (*status == 204 || server_rows != NULL)
    {
      rows = json_array_new ();
      for (guint i = 0; i < pending->entries->len; i++)
        {
          PushEntry *entry = &g_array_index (pending->entries, PushEntry, i);

          if (entry->refused)
            append_status_row (rows, entry->aid, entry->iid, HAP_STATUS_NOTIFICATION_NOT_SUPPORTED);
          else if (server_rows == NULL)
            append_status_row (rows, entry->aid, entry->iid, HAP_STATUS_SUCCESS);
          else if (next < json_array_get_length (server_rows))
            json_array_add_element (rows, json_node_copy (json_array_get_element (server_rows, next++)));
        }
      reply = characteristics_body (rows);
      hap_sim_body_replace_json (body, reply);
      *status = 207;
      *content_type = CT_JSON;
    }
  /* Anything else (a 400 for the rest) stays the server's answer. */
  hap_sim_quirk_set_conn_data (quirk, conn, NULL, NULL);
}

/* ---- ev-immediate-event (row 45) ------------------------------------------------------ */

typedef struct
{
  HapCharacteristic *characteristic;   /* ref */
  GVariant          *old_value;
} OldValue;

static void
old_value_free (OldValue *old)
{
  g_object_unref (old->characteristic);
  g_variant_unref (old->old_value);
  g_free (old);
}

typedef struct
{
  HapHttpMessage *request;   /* identity only */
  GPtrArray      *values;    /* OldValue */
} WritePending;

static void
write_pending_free (WritePending *pending)
{
  g_ptr_array_unref (pending->values);
  g_free (pending);
}

/* With "unchanged": remember the values before the write, to tell unchanged ones. */
static HapHookVerdict
immediate_request (HapSimQuirk    *quirk,
                   HapConnection  *conn,
                   HapHttpMessage *request,
                   guint          *delay_ms)
{
  g_autoptr(JsonNode) root = NULL;
  JsonArray *items;
  WritePending *pending;

  if (!hap_sim_quirk_get_bool (quirk, "unchanged") ||
      (items = request_items (request, &root)) == NULL)
    return HAP_HOOK_CONTINUE;
  pending = g_new0 (WritePending, 1);
  pending->request = request;
  pending->values = g_ptr_array_new_with_free_func ((GDestroyNotify) old_value_free);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = hap_sim_json_element_object (items, i);
      HapCharacteristic *characteristic;
      OldValue *old;
      guint64 aid, iid;

      if (item == NULL || !json_object_has_member (item, "value") ||
          !hap_sim_json_member_uint (item, "aid", &aid) || !hap_sim_json_member_uint (item, "iid", &iid) ||
          (characteristic = hap_sim_quirk_lookup_characteristic (quirk, aid, iid)) == NULL)
        continue;
      old = g_new0 (OldValue, 1);
      old->characteristic = g_object_ref (characteristic);
      old->old_value = g_variant_ref (hap_characteristic_get_value (characteristic));
      g_ptr_array_add (pending->values, old);
    }
  hap_sim_quirk_set_conn_data (quirk, conn, pending, (GDestroyNotify) write_pending_free);
  return HAP_HOOK_CONTINUE;
}

/* Status of the entry for aid.iid: 0 for a 204 (@rows NULL), else from its row of the
 * 207; -1 when it has none. */
static int
entry_status (JsonArray *rows,
              guint64    aid,
              guint64    iid)
{
  if (rows == NULL)
    return 0;
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = hap_sim_json_element_object (rows, i);
      JsonNode *status;
      guint64 row_aid, row_iid;

      if (!hap_sim_json_member_uint (row, "aid", &row_aid) || !hap_sim_json_member_uint (row, "iid", &row_iid) ||
          row_aid != aid || row_iid != iid)
        continue;
      status = json_object_get_member (row, "status");
      if (status == NULL || !JSON_NODE_HOLDS_VALUE (status) ||
          json_node_get_value_type (status) != G_TYPE_INT64)
        return -1;
      return (int) json_node_get_int (status);
    }
  return -1;
}

/* Events for written values that did not change, to every other subscriber. */
static void
send_unchanged (HapSimQuirk   *quirk,
                HapConnection *writer,
                WritePending  *pending,
                JsonArray     *rows)
{
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);
  g_autoptr(GPtrArray) connections = NULL;

  if (server == NULL)
    return;
  connections = hap_accessory_server_dup_connections (server);
  for (guint i = 0; i < pending->values->len; i++)
    {
      OldValue *old = g_ptr_array_index (pending->values, i);
      HapService *service = hap_characteristic_get_service (old->characteristic);
      HapAccessory *accessory = service != NULL ? hap_service_get_accessory (service) : NULL;

      if (accessory == NULL ||
          entry_status (rows, hap_accessory_get_aid (accessory),
                        hap_characteristic_get_iid (old->characteristic)) != 0 ||
          !g_variant_equal (old->old_value, hap_characteristic_get_value (old->characteristic)))
        continue;
      for (guint j = 0; j < connections->len; j++)
        {
          HapConnection *other = g_ptr_array_index (connections, j);

          if (other != writer && hap_connection_is_secured (other) &&
              is_subscribed (other, old->characteristic))
            hap_connection_queue_event (other, old->characteristic);
        }
    }
}

/* HAP-Java (HAP-Java #83) answers a subscribe PUT and at once sends an EVENT with the
 * current values of what was subscribed. The event is queued while the connection is
 * still answering the PUT, so it follows the 204/207 on the wire. */
static void
immediate_response (HapSimQuirk    *quirk,
                    HapConnection  *conn,
                    HapHttpMessage *request,
                    guint          *status,
                    const char    **content_type,
                    GByteArray     *body)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) response_root = NULL;
  WritePending *pending = hap_sim_quirk_get_conn_data (quirk, conn);
  JsonArray *items, *rows = NULL;

  if ((*status != 204 && *status != 207) || (items = request_items (request, &root)) == NULL)
    return;
  if (*status == 207)
    {
      response_root = hap_sim_parse_json (body->data, body->len);
      if (response_root == NULL || !JSON_NODE_HOLDS_OBJECT (response_root) ||
          (rows = hap_sim_json_member_array (json_node_get_object (response_root), "characteristics")) == NULL)
        return;
    }

  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = hap_sim_json_element_object (items, i);
      HapCharacteristic *characteristic;
      guint64 aid, iid;

      if (member_ev (item) != 1 || !hap_sim_json_member_uint (item, "aid", &aid) ||
          !hap_sim_json_member_uint (item, "iid", &iid) || entry_status (rows, aid, iid) != 0 ||
          (characteristic = hap_sim_quirk_lookup_characteristic (quirk, aid, iid)) == NULL)
        continue;
      hap_connection_queue_event (conn, characteristic);
    }

  if (pending != NULL && pending->request == request)
    {
      send_unchanged (quirk, conn, pending, rows);
      hap_sim_quirk_set_conn_data (quirk, conn, NULL, NULL);
    }
}

/* ---- ev-unsolicited (row 46) ---------------------------------------------------------- */

typedef struct
{
  GSource *timer;
} UnsolicitedState;

static gboolean
unsolicited_tick (gpointer user_data)
{
  HapSimQuirk *quirk = user_data;
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);
  g_autoptr(GPtrArray) connections = NULL;
  g_autoptr(GPtrArray) characteristics = NULL;
  const char *spec = hap_sim_quirk_get_string (quirk, "characteristic");
  HapCharacteristic *only = NULL;

  if (server == NULL)
    return G_SOURCE_CONTINUE;
  if (spec != NULL && *spec != '\0')
    {
      g_autoptr(GError) error = NULL;

      if ((only = hap_sim_accessory_find (quirk->accessory, spec, &error)) == NULL)
        {
          g_debug ("%s: %s", quirk->info->name, error->message);
          return G_SOURCE_CONTINUE;
        }
    }
  characteristics = all_characteristics (quirk);
  connections = hap_accessory_server_dup_connections (server);
  for (guint i = 0; i < connections->len; i++)
    {
      HapConnection *conn = g_ptr_array_index (connections, i);

      /* Never before Pair Verify: a plaintext EVENT would be another quirk. */
      if (!hap_connection_is_secured (conn))
        continue;
      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);
          HapPerms perms = hap_characteristic_get_perms (characteristic);

          if ((only != NULL && characteristic != only) ||
              !(perms & HAP_PERM_PAIRED_READ) || !(perms & HAP_PERM_EVENTS) ||
              hap_characteristic_is_event_only (characteristic) ||
              is_subscribed (conn, characteristic))
            continue;
          hap_connection_queue_event (conn, characteristic);
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
unsolicited_disable (HapSimQuirk *quirk)
{
  UnsolicitedState *state = quirk->state;

  if (state == NULL)
    return;
  g_source_destroy (state->timer);
  g_source_unref (state->timer);
  g_clear_pointer (&quirk->state, g_free);
}

/* The timer runs on the context the quirk was enabled on: the accessory's. */
static void
unsolicited_enable (HapSimQuirk *quirk)
{
  UnsolicitedState *state;
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();

  unsolicited_disable (quirk);
  state = g_new0 (UnsolicitedState, 1);
  state->timer = g_timeout_source_new (hap_sim_quirk_get_uint (quirk, "interval-ms"));
  g_source_set_callback (state->timer, unsolicited_tick, quirk, NULL);
  g_source_attach (state->timer, context);
  quirk->state = state;
}

/* ---- ev-empty-body -------------------------------------------------------------------- */

/* hap-controller's event parser emits the empty body and JSON.parse("") throws inside
 * its 'data' handler: an uncaught exception in the application. */
static void
empty_body_message (HapSimQuirk    *quirk,
                    HapConnection  *conn,
                    HapMessageKind  kind,
                    HapHttpMessage *request,
                    GByteArray     *message)
{
  static const char empty[] =
    "EVENT/1.0 200 OK\r\nContent-Type: application/hap+json\r\nContent-Length: 0\r\n\r\n";

  if (kind != HAP_MESSAGE_EVENT)
    return;
  g_byte_array_set_size (message, 0);
  g_byte_array_append (message, (const guint8 *) empty, strlen (empty));
}

/* ---- the table ------------------------------------------------------------------------ */

static const HapSimQuirkParam limit_params[] = {
  { "max-subscriptions", HAP_SIM_PARAM_UINT,
    "Events stop on a connection after one PUT subscribes to more than this many",
    "26", 0, 100000, NULL },
  { NULL }
};

static const HapSimQuirkParam no_push_params[] = {
  { "mode", HAP_SIM_PARAM_STRING,
    "status: -70406 for every entry with ev; close: drop the connection",
    "status", 0, 0, "status|close" },
  { NULL }
};

static const HapSimQuirkParam immediate_params[] = {
  { "unchanged", HAP_SIM_PARAM_BOOL,
    "Also send events to the other subscribers for writes that did not change the value",
    "false", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkParam unsolicited_params[] = {
  { "interval-ms", HAP_SIM_PARAM_UINT,
    "Milliseconds between two rounds of unsolicited events",
    "5000", 10, 3600000, NULL },
  { "characteristic", HAP_SIM_PARAM_STRING,
    "Only this characteristic (\"1.10\", \"Lightbulb/On\"); empty: every one with ev that "
    "the connection did not subscribe to",
    "", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkInfo events_quirks[] = {
  {
    .name = "ev-subscription-limit",
    .layer = HAP_SIM_LAYER_EV,
    .description = "Events stop after one PUT subscribes to more than 26 characteristics (unnamed bridge, HA #37996)",
    .catalog_row = 43,
    .params = limit_params,
    .request = limit_request,
    .message = limit_message,
  },
  {
    .name = "ev-no-push",
    .layer = HAP_SIM_LAYER_EV,
    .description = "No push support: subscriptions fail with -70406 or drop the connection (unnamed accessory, 2020)",
    .catalog_row = 44,
    .params = no_push_params,
    .request = no_push_request,
    .response = no_push_response,
  },
  {
    .name = "ev-immediate-event",
    .layer = HAP_SIM_LAYER_EV,
    .description = "An EVENT right after the subscribe PUT, optionally events for unchanged writes (HAP-Java/openHAB)",
    .catalog_row = 45,
    .params = immediate_params,
    .request = immediate_request,
    .response = immediate_response,
  },
  {
    .name = "ev-unsolicited",
    .layer = HAP_SIM_LAYER_EV,
    .description = "Events for characteristics the controller never subscribed to (reported by HA users, 2019)",
    .catalog_row = 46,
    .params = unsolicited_params,
    .enable = unsolicited_enable,
    .disable = unsolicited_disable,
  },
  {
    .name = "ev-empty-body",
    .layer = HAP_SIM_LAYER_EV,
    .description = "EVENT/1.0 messages with an empty body (parser variant, no device named)",
    .catalog_row = 0,
    .message = empty_body_message,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_events (guint *n)
{
  *n = G_N_ELEMENTS (events_quirks);
  return events_quirks;
}
