/* hap-ip-endpoints.c — HAP/IP resources (docs/protocol.md §4.2–4.8)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ip-private.h"

#include <stdlib.h>
#include <string.h>

#include "hap-access-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-json.h"
#include "hap-model-private.h"

#define CT_TLV8 "application/pairing+tlv8"
#define CT_JSON "application/hap+json"

static void
send_status (HapConnection *conn, guint http_status, int hap_status)
{
  char body[32];
  int len = g_snprintf (body, sizeof body, "{\"status\":%d}", hap_status);

  _hap_connection_send_response (conn, http_status, CT_JSON, (const guint8 *) body, (gsize) len);
}

static void
send_json (HapConnection *conn, guint http_status, GString *json)
{
  _hap_connection_send_response (conn, http_status, CT_JSON, (const guint8 *) json->str, json->len);
}

/* ---- pairing endpoints ------------------------------------------------------------- */

typedef GByteArray *(*PairingHandler) (HapPairingContext *, HapPairingSession *,
                                       const guint8 *, gsize, GError **);

static void
handle_pairing (HapConnection *conn, HapHttpMessage *request, PairingHandler handler)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapSecretBytes) response = NULL;
  gsize len;
  const guint8 *body = g_bytes_get_data (request->body, &len);
  HapPairingSession *pairing = &conn->session->pairing;
  gboolean was_secured = pairing->secured;

  response = handler (&conn->server->pairing, pairing, body, len, &error);
  if (response == NULL)
    {
      g_debug ("%s: %s", conn->peer, error->message);
      _hap_connection_send_response (conn, 400, NULL, NULL, 0);
      return;
    }
  /* docs/protocol.md §3.1: Pair Verify M4 (and transient Pair Setup M4) go out in
   * plaintext; everything after is framed and encrypted. */
  _hap_connection_send_response (conn, 200, CT_TLV8, response->data, response->len);
  if (!was_secured && pairing->secured && conn->server != NULL)
    _hap_connection_secured (conn);
}

/* ---- GET /accessories -------------------------------------------------------------- */

static void
handle_accessories (HapConnection *conn)
{
  g_autoptr(GString) json = g_string_sized_new (4096);

  _hap_accessory_server_append_database (conn->server, json);
  send_json (conn, 200, json);
}

/* ---- /characteristics: shared request state for reads and writes --------------------- */

typedef struct
{
  guint64            aid;
  guint64            iid;
  HapCharacteristic *characteristic;
  int                status;
  GVariant          *value;          /* write: value to write; read: value read */
  gboolean           has_value;
  gboolean           has_ev;
  gboolean           ev;
  gboolean           want_response;  /* "r" */
  gboolean           done;
} CharOp;

typedef struct
{
  gint           ref_count;
  HapConnection *conn;
  gboolean       is_write;
  gboolean       meta, perms, type, ev;   /* GET flags */
  GArray        *ops;                     /* CharOp */
  guint          outstanding;
  gboolean       finished;
} CharRequest;

static CharRequest *
char_request_ref (CharRequest *req)
{
  req->ref_count++;
  return req;
}

static void
char_request_unref (CharRequest *req)
{
  if (--req->ref_count > 0)
    return;
  for (guint i = 0; i < req->ops->len; i++)
    g_clear_pointer (&g_array_index (req->ops, CharOp, i).value, g_variant_unref);
  g_array_unref (req->ops);
  _hap_connection_unref (req->conn);
  g_free (req);
}

static void
append_op_json (CharRequest *req, CharOp *op, GString *json, gboolean with_status)
{
  if (op->status == HAP_STATUS_SUCCESS && op->characteristic != NULL &&
      (!req->is_write || (op->want_response && op->value != NULL)))
    {
      HapJsonFlags flags = HAP_JSON_AID | HAP_JSON_VALUE;

      if (!req->is_write)
        flags |= (req->meta ? HAP_JSON_META : 0) | (req->perms ? HAP_JSON_PERMS : 0) |
                 (req->type ? HAP_JSON_TYPE : 0) | (req->ev ? HAP_JSON_EV : 0);
      _hap_characteristic_append_json (op->characteristic, json, flags, op->value,
                                       _hap_session_is_subscribed (req->conn->session,
                                                                   op->characteristic));
      if (with_status)
        {
          /* Insert ,"status":0 before the closing brace. */
          g_string_truncate (json, json->len - 1);
          g_string_append (json, ",\"status\":0}");
        }
      return;
    }
  g_string_append (json, "{\"aid\":");
  _hap_string_append_uint64 (json, op->aid);
  g_string_append (json, ",\"iid\":");
  _hap_string_append_uint64 (json, op->iid);
  g_string_append (json, ",\"status\":");
  _hap_string_append_int64 (json, op->status);
  g_string_append_c (json, '}');
}

static void
char_request_finish (CharRequest *req)
{
  HapConnection *conn = req->conn;
  GString *json;
  gboolean all_ok = TRUE, any_value = FALSE;

  req->finished = TRUE;
  if (conn->server == NULL)
    return;

  for (guint i = 0; i < req->ops->len; i++)
    {
      CharOp *op = &g_array_index (req->ops, CharOp, i);
      all_ok &= op->status == HAP_STATUS_SUCCESS;
      any_value |= op->want_response;
    }

  /* docs/protocol.md §4.6: a write where everything succeeded and nothing was asked
   * back is 204; otherwise 207 with a status for every entry. §4.5: a read is 200 when
   * all succeeded, else 207 with a status on every entry. */
  if (req->is_write && all_ok && !any_value)
    {
      _hap_connection_send_response (conn, 204, NULL, NULL, 0);
      _hap_connection_request_done (conn);
      return;
    }

  json = _hap_connection_take_buffer (conn, HAP_BUFFER_JSON);
  g_string_append (json, "{\"characteristics\":[");
  for (guint i = 0; i < req->ops->len; i++)
    {
      if (i > 0)
        g_string_append_c (json, ',');
      append_op_json (req, &g_array_index (req->ops, CharOp, i), json,
                      req->is_write || !all_ok);
    }
  g_string_append (json, "]}");
  send_json (conn, (!req->is_write && all_ok) ? 200 : 207, json);
  _hap_connection_keep_buffer (conn, HAP_BUFFER_JSON, json);
  _hap_connection_request_done (conn);
}

static void
op_complete (CharRequest *req, CharOp *op, int status, GVariant *value)
{
  if (op->done)
    return;
  op->done = TRUE;
  op->status = status;
  if (value != NULL)
    {
      g_clear_pointer (&op->value, g_variant_unref);
      op->value = g_variant_ref_sink (value);
    }
  if (--req->outstanding == 0 && !req->finished)
    char_request_finish (req);
}

typedef struct
{
  CharRequest *req;
  guint        index;
} OpRef;

/* The core's read or write of one entry finished (hap-server-ops.c). */
static void
on_operation_done (int status, GVariant *value, gpointer user_data)
{
  OpRef *ref = user_data;
  CharRequest *req = ref->req;
  CharOp *op = &g_array_index (req->ops, CharOp, ref->index);

  op_complete (req, op, hap_access_to_ip_status ((HapAccess) status),
               status == HAP_ACCESS_OK ? value : NULL);
  char_request_unref (req);
  g_free (ref);
}

static OpRef *
op_ref_new (CharRequest *req, guint index)
{
  OpRef *ref = g_new0 (OpRef, 1);

  ref->req = char_request_ref (req);
  ref->index = index;
  req->outstanding++;
  return ref;
}

/* Parses "1.9,1.10" into ops, in place rather than split into strings (every read goes
 * through here). FALSE when malformed: each id is digits '.' digits, ids are separated
 * by single commas. */
static gboolean
parse_ids (const char *text, GArray *ops)
{
  const char *p = text;

  for (;;)
    {
      CharOp op = { 0 };
      char *end = NULL;

      if (!g_ascii_isdigit (*p))
        return FALSE;
      op.aid = g_ascii_strtoull (p, &end, 10);
      if (*end != '.' || !g_ascii_isdigit (end[1]))
        return FALSE;
      op.iid = g_ascii_strtoull (end + 1, &end, 10);
      g_array_append_val (ops, op);
      if (*end == '\0')
        return TRUE;
      if (*end != ',')
        return FALSE;
      p = end + 1;
    }
}

/* ADK accepts 0/1 for the GET flags; HAP-NodeJS also true/false. */
static gboolean
parse_flag (const char *v, gboolean *out)
{
  *out = FALSE;
  if (v == NULL || g_str_equal (v, "0") || g_str_equal (v, "false"))
    return TRUE;
  if (g_str_equal (v, "1") || g_str_equal (v, "true"))
    return (*out = TRUE);
  return FALSE;
}

static gboolean
has_duplicates (GArray *ops)
{
  /* Aids and iids may use all 64 bits (a Hue bridge's do); requests name few ids. */
  for (guint i = 0; i < ops->len; i++)
    for (guint j = 0; j < i; j++)
      {
        CharOp *a = &g_array_index (ops, CharOp, i), *b = &g_array_index (ops, CharOp, j);

        if (a->aid == b->aid && a->iid == b->iid)
          return TRUE;
      }
  return FALSE;
}

static CharRequest *
char_request_new (HapConnection *conn, gboolean is_write)
{
  CharRequest *req = g_new0 (CharRequest, 1);

  req->ref_count = 1;
  req->conn = _hap_connection_ref (conn);
  req->is_write = is_write;
  /* Most requests name one characteristic: room for it without a reallocation. */
  req->ops = g_array_sized_new (FALSE, TRUE, sizeof (CharOp), 1);
  return req;
}

/* Runs the prepared ops: synchronous ones complete now, handlers asynchronously. */
static void
char_request_run (CharRequest *req)
{
  /* Count every op as outstanding until it has been started, so that one completing
   * synchronously cannot finish the request early. */
  req->outstanding = 1;
  for (guint i = 0; i < req->ops->len; i++)
    {
      CharOp *op = &g_array_index (req->ops, CharOp, i);
      HapCharacteristic *characteristic = op->characteristic;

      if (op->done || characteristic == NULL)
        continue;
      if (!req->is_write)
        {
          /* docs/protocol.md §4.5: event-only types read as null on IP. */
          if (!hap_characteristic_has_read_handler (characteristic) &&
              hap_characteristic_is_event_only (characteristic))
            op->done = TRUE;
          else
            _hap_accessory_server_read (req->conn->server, characteristic, on_operation_done,
                                        op_ref_new (req, i));
        }
      else if (op->has_value)
        _hap_accessory_server_write (req->conn->server, req->conn->session, characteristic,
                                     op->value, op->want_response, on_operation_done,
                                     op_ref_new (req, i));
      else
        op->done = TRUE;
    }
  if (--req->outstanding == 0)
    char_request_finish (req);
}

/* Answers the whole request with one HTTP status and {"status":-70410}. */
static void
char_request_reject (CharRequest *req, guint http_status)
{
  HapConnection *conn = req->conn;

  send_status (conn, http_status, HAP_STATUS_INVALID_VALUE);
  _hap_connection_request_done (conn);
  char_request_unref (req);
}

static void
handle_get_characteristics (HapConnection *conn, const GString *target)
{
  CharRequest *req = char_request_new (conn, FALSE);
  const char *ids = NULL, *meta = NULL, *perms = NULL, *type = NULL, *ev = NULL;
  const char *cursor = NULL, *key, *value;

  /* One pass over the query; a repeated key counts with its last value, as in
   * hap_http_split_target(). */
  while (_hap_http_target_next (target, &cursor, &key, &value))
    {
      if (strcmp (key, "id") == 0)
        ids = value;
      else if (strcmp (key, "meta") == 0)
        meta = value;
      else if (strcmp (key, "perms") == 0)
        perms = value;
      else if (strcmp (key, "type") == 0)
        type = value;
      else if (strcmp (key, "ev") == 0)
        ev = value;
    }

  /* docs/protocol.md §4.5: a missing or malformed id list is 400 (-70410); so is a flag
   * other than 0/1. */
  if (ids == NULL || !parse_ids (ids, req->ops) ||
      !parse_flag (meta, &req->meta) || !parse_flag (perms, &req->perms) ||
      !parse_flag (type, &req->type) || !parse_flag (ev, &req->ev))
    {
      char_request_reject (req, 400);
      return;
    }
  if (has_duplicates (req->ops))
    {
      char_request_reject (req, 422);
      return;
    }

  for (guint i = 0; i < req->ops->len; i++)
    {
      CharOp *op = &g_array_index (req->ops, CharOp, i);
      HapCharacteristic *characteristic = _hap_accessory_server_lookup (conn->server, op->aid, op->iid);

      if (characteristic == NULL)
        {
          op->status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
          op->done = TRUE;
          continue;
        }
      op->characteristic = characteristic;
      op->status = hap_access_to_ip_status (hap_access_check_read (conn->session, characteristic));
      op->done = op->status != HAP_STATUS_SUCCESS;
    }
  char_request_run (req);
  char_request_unref (req);
}

static gboolean
json_bool (JsonNode *node, gboolean *out)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_BOOLEAN)
    {
      *out = json_node_get_boolean (node);
      return TRUE;
    }
  /* The ADK also accepts 0 and 1. */
  if (type == G_TYPE_INT64 && (json_node_get_int (node) == 0 || json_node_get_int (node) == 1))
    {
      *out = json_node_get_int (node) == 1;
      return TRUE;
    }
  return FALSE;
}

static gboolean
json_uint (JsonNode *node, guint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64 || json_node_get_int (node) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

/* Checks one PUT entry and fills @op; FALSE when the entry is malformed (400). */
static gboolean
prepare_write_op (HapConnection *conn, JsonNode *item, CharOp *op, gboolean timed_ok,
                  gboolean has_pid)
{
  JsonObject *obj;
  JsonNode *value_node, *ev_node, *r_node;
  HapAccess access;
  g_autoptr(GError) error = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (item))
    return FALSE;
  obj = json_node_get_object (item);
  if (!json_uint (json_object_get_member (obj, "aid"), &op->aid) ||
      !json_uint (json_object_get_member (obj, "iid"), &op->iid))
    return FALSE;
  value_node = json_object_get_member (obj, "value");
  ev_node = json_object_get_member (obj, "ev");
  r_node = json_object_get_member (obj, "r");
  if (ev_node != NULL && !json_bool (ev_node, &op->ev))
    return FALSE;
  if (r_node != NULL && !json_bool (r_node, &op->want_response))
    return FALSE;
  op->has_ev = ev_node != NULL;
  op->done = TRUE;

  op->characteristic = _hap_accessory_server_lookup (conn->server, op->aid, op->iid);
  if (op->characteristic == NULL)
    {
      op->status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
      return TRUE;
    }

  /* docs/protocol.md §4.6: an entry with neither value nor ev is invalid. */
  if (value_node == NULL && !op->has_ev)
    {
      op->status = HAP_STATUS_INVALID_VALUE;
      return TRUE;
    }
  if (op->has_ev && (access = hap_access_check_subscribe (conn->session, op->characteristic)) != HAP_ACCESS_OK)
    {
      op->status = hap_access_to_ip_status (access);
      return TRUE;
    }
  if (value_node != NULL)
    {
      /* docs/protocol.md §4.8: tw characteristics are only written through a prepared
       * write (hap-access.c), and a pid that does not match a live prepare fails every
       * entry. */
      if ((access = hap_access_check_write (conn->session, op->characteristic, has_pid)) != HAP_ACCESS_OK)
        {
          op->status = hap_access_to_ip_status (access);
          return TRUE;
        }
      if (has_pid && !timed_ok)
        {
          op->status = HAP_STATUS_INVALID_VALUE;
          return TRUE;
        }
      op->value = hap_characteristic_value_from_json (op->characteristic, value_node, &error);
      if (op->value == NULL)
        {
          op->status = HAP_STATUS_INVALID_VALUE;
          return TRUE;
        }
      op->has_value = TRUE;
      op->done = FALSE;
    }
  if (op->has_ev)
    _hap_session_subscribe (conn->session, op->characteristic, op->ev);
  return TRUE;
}

/* The request's JSON body, or NULL when it is empty, not JSON or nested deeper than
 * HAP_JSON_MAX_DEPTH: callers answer 400 with -70410 (docs/protocol.md §4.4, HAP spec
 * 6.7.1.1 "Invalid value in request"). The depth check comes before json-glib, whose
 * parser recurses per level (hap-json.c). */
static JsonNode *
parse_json_body (HapHttpMessage *request)
{
  gsize len;
  const char *data = g_bytes_get_data (request->body, &len);

  if (len == 0)
    return NULL;
  return hap_json_parse (data, (gssize) len, NULL);
}

static void
handle_put_characteristics (HapConnection *conn, HapHttpMessage *request)
{
  g_autoptr(JsonNode) root = parse_json_body (request);
  JsonArray *items;
  JsonNode *pid_node;
  guint64 pid = 0;
  gboolean has_pid, timed_ok = FALSE;
  CharRequest *req;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "characteristics") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "characteristics")))
    {
      send_status (conn, 400, HAP_STATUS_INVALID_VALUE);
      _hap_connection_request_done (conn);
      return;
    }
  items = json_object_get_array_member (json_node_get_object (root), "characteristics");
  pid_node = json_object_get_member (json_node_get_object (root), "pid");
  has_pid = pid_node != NULL;
  if ((has_pid && !json_uint (pid_node, &pid)) || json_array_get_length (items) == 0)
    {
      send_status (conn, 400, HAP_STATUS_INVALID_VALUE);
      _hap_connection_request_done (conn);
      return;
    }
  if (has_pid)
    {
      /* The prepared pid is single-use (docs/protocol.md §4.8). */
      timed_ok = conn->prepared && conn->prepared_pid == pid &&
                 g_get_monotonic_time () <= conn->prepared_deadline_usec;
      conn->prepared = FALSE;
    }

  req = char_request_new (conn, TRUE);
  g_array_set_size (req->ops, json_array_get_length (items));
  for (guint i = 0; i < req->ops->len; i++)
    {
      CharOp *op = &g_array_index (req->ops, CharOp, i);
      if (!prepare_write_op (conn, json_array_get_element (items, i), op, timed_ok, has_pid))
        {
          char_request_reject (req, 400);
          return;
        }
    }
  if (has_duplicates (req->ops))
    {
      char_request_reject (req, 422);
      return;
    }
  char_request_run (req);
  char_request_unref (req);
}

/* ---- PUT /prepare, POST /resource, POST /identify ---------------------------------- */

static void
handle_prepare (HapConnection *conn, HapHttpMessage *request)
{
  g_autoptr(JsonNode) root = parse_json_body (request);
  guint64 ttl, pid;
  JsonObject *obj;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_uint (json_object_get_member (obj = json_node_get_object (root), "ttl"), &ttl) ||
      !json_uint (json_object_get_member (obj, "pid"), &pid))
    {
      send_status (conn, 400, HAP_STATUS_INVALID_VALUE);
      return;
    }
  /* A new prepare replaces the pending one. */
  conn->prepared = TRUE;
  conn->prepared_pid = pid;
  conn->prepared_deadline_usec = g_get_monotonic_time () + (gint64) MIN (ttl, G_MAXINT32) * 1000;
  send_status (conn, 200, HAP_STATUS_SUCCESS);
}

static void
handle_resource (HapConnection *conn, HapHttpMessage *request)
{
  g_autoptr(JsonNode) root = parse_json_body (request);
  JsonObject *obj;
  JsonNode *type, *aid_node;
  guint64 aid = 1;
  HapAccessory *accessory;
  GBytes *jpeg;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      send_status (conn, 400, HAP_STATUS_INVALID_VALUE);
      return;
    }
  obj = json_node_get_object (root);
  type = json_object_get_member (obj, "resource-type");
  aid_node = json_object_get_member (obj, "aid");
  if (type == NULL || !JSON_NODE_HOLDS_VALUE (type) ||
      json_node_get_value_type (type) != G_TYPE_STRING ||
      (aid_node != NULL && !json_uint (aid_node, &aid)))
    {
      send_status (conn, 400, HAP_STATUS_INVALID_VALUE);
      return;
    }
  if (!g_str_equal (json_node_get_string (type), "image"))
    {
      send_status (conn, 422, HAP_STATUS_INVALID_VALUE);
      return;
    }
  accessory = _hap_accessory_server_lookup_accessory (conn->server, aid);
  jpeg = accessory != NULL ? hap_accessory_get_snapshot (accessory) : NULL;
  if (jpeg == NULL)
    {
      send_status (conn, 404, HAP_STATUS_RESOURCE_DOES_NOT_EXIST);
      return;
    }
  _hap_connection_send_response (conn, 200, "image/jpeg", g_bytes_get_data (jpeg, NULL),
                                 g_bytes_get_size (jpeg));
}

static void
handle_identify (HapConnection *conn)
{
  /* HAP §6.7.6: unpaired identify only. */
  if (conn->server->storage->pairings->len > 0)
    {
      send_status (conn, 400, HAP_STATUS_INSUFFICIENT_PRIVILEGES);
      return;
    }
  _hap_accessory_identify (conn->server->accessory);
  _hap_connection_send_response (conn, 204, NULL, NULL, 0);
}

/* ---- dispatch ----------------------------------------------------------------------- */

typedef enum
{
  EP_UNKNOWN,
  EP_IDENTIFY,
  EP_PAIR_SETUP,
  EP_PAIR_VERIFY,
  EP_PAIRINGS,
  EP_ACCESSORIES,
  EP_CHARACTERISTICS,
  EP_PREPARE,
  EP_RESOURCE,
} Endpoint;

static Endpoint
lookup_endpoint (const char *path)
{
  static const struct { const char *path; Endpoint ep; } table[] = {
    { "/identify", EP_IDENTIFY },         { "/pair-setup", EP_PAIR_SETUP },
    { "/pair-verify", EP_PAIR_VERIFY },   { "/pairings", EP_PAIRINGS },
    { "/accessories", EP_ACCESSORIES },   { "/characteristics", EP_CHARACTERISTICS },
    { "/prepare", EP_PREPARE },           { "/resource", EP_RESOURCE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (path, table[i].path))
      return table[i].ep;
  return EP_UNKNOWN;
}

static gboolean
method_allowed (Endpoint ep, const char *method)
{
  switch (ep)
    {
    case EP_ACCESSORIES:     return g_str_equal (method, "GET");
    case EP_CHARACTERISTICS: return g_str_equal (method, "GET") || g_str_equal (method, "PUT");
    case EP_PREPARE:         return g_str_equal (method, "PUT");
    case EP_UNKNOWN:         return TRUE;
    default:                 return g_str_equal (method, "POST");
    }
}

void
_hap_connection_handle_request (HapConnection  *conn,
                                HapHttpMessage *request)
{
  g_autoptr(GError) error = NULL;
  gboolean secured = _hap_session_is_secured (conn->session);
  GString *target = _hap_connection_take_buffer (conn, HAP_BUFFER_TARGET);
  Endpoint ep;

  _hap_connection_ref (conn);
  if (!_hap_http_target_split (request->target, target, &error))
    {
      send_status (conn, 400, HAP_STATUS_INVALID_VALUE);
      goto done;
    }
  ep = lookup_endpoint (target->str);   /* the path comes first */

  /* docs/protocol.md §4.2: pairing endpoints and /identify work without a session;
   * everything else needs Pair Verify first (470). */
  if (!secured && ep != EP_PAIR_SETUP && ep != EP_PAIR_VERIFY && ep != EP_IDENTIFY)
    {
      if (ep == EP_ACCESSORIES || ep == EP_CHARACTERISTICS || ep == EP_PREPARE || ep == EP_RESOURCE)
        send_status (conn, 470, HAP_STATUS_INSUFFICIENT_AUTHORIZATION);
      else
        _hap_connection_send_response (conn, 470, NULL, NULL, 0);
      goto done;
    }
  if (ep == EP_UNKNOWN)
    {
      _hap_connection_send_response (conn, 404, NULL, NULL, 0);
      goto done;
    }
  if (!method_allowed (ep, request->method))
    {
      _hap_connection_send_response (conn, 405, NULL, NULL, 0);
      goto done;
    }
  /* docs/protocol.md §3.6: transient sessions may not use the accessory's resources;
   * pairing endpoints are plaintext-only (§4.2). */
  if ((secured && (ep == EP_PAIR_SETUP || ep == EP_PAIR_VERIFY)) ||
      (_hap_session_is_transient (conn->session) && ep != EP_IDENTIFY))
    {
      _hap_connection_send_response (conn, 400, NULL, NULL, 0);
      goto done;
    }

  switch (ep)
    {
    case EP_IDENTIFY:
      handle_identify (conn);
      break;
    case EP_PAIR_SETUP:
      handle_pairing (conn, request, hap_pair_setup_handle);
      break;
    case EP_PAIR_VERIFY:
      handle_pairing (conn, request, hap_pair_verify_handle);
      break;
    case EP_PAIRINGS:
      handle_pairing (conn, request, hap_pairings_handle);
      break;
    case EP_ACCESSORIES:
      handle_accessories (conn);
      break;
    case EP_CHARACTERISTICS:
      if (g_str_equal (request->method, "GET"))
        handle_get_characteristics (conn, target);
      else
        handle_put_characteristics (conn, request);
      _hap_connection_keep_buffer (conn, HAP_BUFFER_TARGET, target);
      _hap_connection_unref (conn);
      return;   /* these call _hap_connection_request_done themselves */
    case EP_PREPARE:
      handle_prepare (conn, request);
      break;
    case EP_RESOURCE:
      handle_resource (conn, request);
      break;
    case EP_UNKNOWN:
    default:
      g_assert_not_reached ();
    }

done:
  _hap_connection_keep_buffer (conn, HAP_BUFFER_TARGET, target);
  _hap_connection_request_done (conn);
  _hap_connection_unref (conn);
}
