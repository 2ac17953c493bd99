/* hap-sim-trace-entry.c — one parsed line of an accessory's traffic trace
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The row texts and the search text are made once, when the line arrives; the detail
 * (pretty-printed bodies can be large) is made again from the line when asked for.
 */
#include "hap-sim-trace-entry-private.h"

#include <string.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n.h>

#include <libhap-glib/hap-inspection.h>
#include <libhap-glib/hap.h>
#include "hap-sim-ui-util.h"

struct _HapSimTraceEntry
{
  GObject          parent_instance;
  char            *line;
  char            *time_label;
  char            *summary;
  char            *haystack;     /* casefolded summary, body text and characteristic names */
  guint64          seq;
  guint64          session;
  gboolean         has_session;
  gboolean         failed;       /* an error status or a TLV Error item */
  HapSimTraceKind  kind;
  gboolean         ble;          /* "transport":"ble" */
};

G_DEFINE_FINAL_TYPE (HapSimTraceEntry, hap_sim_trace_entry, G_TYPE_OBJECT)

static const struct
{
  const char *name;
  const char *label;
} kinds[] = {
  [HAP_SIM_TRACE_KIND_CONNECTED] = { "connected", "Connected" },
  [HAP_SIM_TRACE_KIND_SECURED]   = { "secured",   "Secured" },
  [HAP_SIM_TRACE_KIND_CLOSED]    = { "closed",    "Closed" },
  [HAP_SIM_TRACE_KIND_REQUEST]   = { "request",   "Request" },
  [HAP_SIM_TRACE_KIND_RESPONSE]  = { "response",  "Response" },
  [HAP_SIM_TRACE_KIND_EVENT]     = { "event",     "Event" },
  [HAP_SIM_TRACE_KIND_RAW]       = { "raw",       "Raw" },
  [HAP_SIM_TRACE_KIND_INDICATION]    = { "indication",    "Indication" },
  [HAP_SIM_TRACE_KIND_ADVERTISEMENT] = { "advertisement", "Advertisement" },
  [HAP_SIM_TRACE_KIND_BROADCAST]     = { "broadcast",     "Broadcast" },
};

/* ---- reading the line ----------------------------------------------------------- */

const char *
_hap_sim_trace_get_string (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
_hap_sim_trace_get_int (JsonObject *object, const char *name, gint64 *out)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

JsonArray *
_hap_sim_trace_get_array (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
find_header (JsonObject *object, const char *name)
{
  JsonArray *headers = _hap_sim_trace_get_array (object, "headers");

  for (guint i = 0; headers != NULL && i < json_array_get_length (headers); i++)
    {
      JsonNode *pair = json_array_get_element (headers, i);
      JsonArray *array = JSON_NODE_HOLDS_ARRAY (pair) ? json_node_get_array (pair) : NULL;

      if (array != NULL && json_array_get_length (array) == 2 &&
          g_ascii_strcasecmp (json_array_get_string_element (array, 0), name) == 0)
        return json_array_get_string_element (array, 1);
    }
  return NULL;
}

/* The numeric value of the first TLV item of @type. */
gboolean
_hap_sim_trace_find_tlv_number (JsonArray *tlv, const char *type, gint64 *out)
{
  for (guint i = 0; tlv != NULL && i < json_array_get_length (tlv); i++)
    {
      JsonNode *node = json_array_get_element (tlv, i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (item != NULL && g_strcmp0 (_hap_sim_trace_get_string (item, "type"), type) == 0)
        return _hap_sim_trace_get_int (item, "value", out);
    }
  return FALSE;
}

static void
append_status (GString *out, gint64 status)
{
  g_string_append_printf (out, "%" G_GINT64_FORMAT " %s", status,
                          hap_http_reason_phrase (CLAMP (status, 0, G_MAXUINT)));
}

static const char *
pairing_method_name (gint64 method)
{
  static const char * const names[] = {
    "Pair Setup", "Pair Setup with Authentication", "Pair Verify",
    "Add Pairing", "Remove Pairing", "List Pairings",
  };

  return method >= 0 && method < (gint64) G_N_ELEMENTS (names) ? names[method] : NULL;
}

static const char *
pairing_error_name (gint64 error)
{
  static const char * const names[] = {
    NULL, "Unknown", "Authentication", "Backoff", "Max Peers", "Max Tries",
    "Unavailable", "Busy",
  };

  return error >= 0 && error < (gint64) G_N_ELEMENTS (names) ? names[error] : NULL;
}

/* "Pair Setup M1 (State 1, Method 0)": the step from the path and the State item. */
void
_hap_sim_trace_append_pairing_summary (GString *out, const char *path, JsonArray *tlv)
{
  gint64 state, method, error;

  if (g_strcmp0 (path, "/pair-setup") == 0)
    g_string_append (out, _("Pair Setup"));
  else if (g_strcmp0 (path, "/pair-verify") == 0)
    g_string_append (out, _("Pair Verify"));
  else if (g_strcmp0 (path, "/pairings") == 0)
    g_string_append (out, _("Pairings"));
  else
    g_string_append (out, _("Pairing"));

  if (!_hap_sim_trace_find_tlv_number (tlv, "State", &state))
    return;
  g_string_append_printf (out, _(" M%lld (State %lld"), (long long) state, (long long) state);
  if (_hap_sim_trace_find_tlv_number (tlv, "Method", &method))
    g_string_append_printf (out, _(", Method %lld"), (long long) method);
  if (_hap_sim_trace_find_tlv_number (tlv, "Error", &error))
    g_string_append_printf (out, _(", Error %lld"), (long long) error);
  g_string_append_c (out, ')');
}

/* Each characteristic of a body {"characteristics":[{"aid":1,"iid":10,…}]}: calls @func
 * with the aid, iid and object. */
static void
foreach_characteristic (JsonNode *body,
                        void    (*func) (guint64, guint64, JsonObject *, gpointer),
                        gpointer  data)
{
  JsonArray *array;

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return;
  array = _hap_sim_trace_get_array (json_node_get_object (body), "characteristics");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      gint64 aid, iid;

      if (object != NULL && _hap_sim_trace_get_int (object, "aid", &aid) && _hap_sim_trace_get_int (object, "iid", &iid))
        func (aid, iid, object, data);
    }
}

typedef struct
{
  GString  *out;
  gboolean  any;
} ValuesCall;

/* "1.10 = true", "1.10 ev = true" */
static void
append_value (guint64 aid, guint64 iid, JsonObject *object, gpointer data)
{
  ValuesCall *call = data;
  const char *members[] = { "value", "ev" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *node = json_object_get_member (object, members[i]);
      g_autofree char *text = NULL;

      if (node == NULL)
        continue;
      text = json_to_string (node, FALSE);
      g_string_append_printf (call->out, "%s%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT "%s = %s",
                              call->any ? ", " : "", aid, iid, i == 1 ? _(" ev") : "", text);
      call->any = TRUE;
    }
}

typedef struct
{
  GString         *out;
  HapSimAccessory *accessory;
} NamesCall;

static void
append_name (NamesCall *call, guint64 aid, guint64 iid)
{
  HapCharacteristic *c = NULL;

  if (call->accessory != NULL)
    c = hap_sim_accessory_lookup (call->accessory, aid, iid);
  g_string_append_printf (call->out, "\n%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT " %s",
                          aid, iid, c != NULL ? hap_sim_ui_characteristic_label (c) : "");
}

static void
append_name_cb (guint64 aid, guint64 iid, JsonObject *object, gpointer data)
{
  append_name (data, aid, iid);
}

/* The characteristics named by a query "id=1.10,1.11&ev=1". */
static void
append_query_names (NamesCall *call, const char *query)
{
  g_auto(GStrv) params = g_strsplit (query, "&", -1);

  for (guint i = 0; params[i] != NULL; i++)
    {
      g_auto(GStrv) ids = NULL;

      if (!g_str_has_prefix (params[i], "id="))
        continue;
      ids = g_strsplit (params[i] + 3, ",", -1);
      for (guint j = 0; ids[j] != NULL; j++)
        {
          guint64 aid, iid;
          char *end;

          aid = g_ascii_strtoull (ids[j], &end, 10);
          if (*end != '.')
            continue;
          iid = g_ascii_strtoull (end + 1, &end, 10);
          if (*end == '\0')
            append_name (call, aid, iid);
        }
    }
}

static char *
format_time (const char *iso, gboolean full)
{
  g_autoptr(GDateTime) utc = iso != NULL ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *date = NULL;

  if (utc == NULL)
    return g_strdup (iso != NULL ? iso : "");
  local = g_date_time_to_local (utc);
  if (full)
    {
      date = hap_sim_ui_format_time (g_date_time_to_unix (local) * G_USEC_PER_SEC);
      return g_strdup_printf ("%s.%06d", date, g_date_time_get_microsecond (local));
    }
  return g_strdup_printf ("%02d:%02d:%02d.%03d", g_date_time_get_hour (local),
                          g_date_time_get_minute (local), g_date_time_get_second (local),
                          g_date_time_get_microsecond (local) / 1000);
}

static void
build_summary (HapSimTraceEntry *self, JsonObject *o, GString *s)
{
  const char *path = _hap_sim_trace_get_string (o, "path");
  const char *query = _hap_sim_trace_get_string (o, "query");
  const char *content_type = find_header (o, "Content-Type");
  JsonArray *tlv = _hap_sim_trace_get_array (o, "tlv");
  JsonNode *body = json_object_get_member (o, "body");
  gint64 status = 0, length = 0;
  gboolean has_status = _hap_sim_trace_get_int (o, "status", &status);

  _hap_sim_trace_get_int (o, "length", &length);
  if (self->kind <= HAP_SIM_TRACE_KIND_CLOSED && self->has_session)
    g_string_append_printf (s, "%s %" G_GUINT64_FORMAT " ", self->ble ? _("BLE link") : _("session"),
                            self->session);

  if (self->ble && self->kind >= HAP_SIM_TRACE_KIND_REQUEST)
    {
      _hap_sim_trace_ble_summary (o, self->kind, s);
      return;
    }
  switch (self->kind)
    {
    case HAP_SIM_TRACE_KIND_CONNECTED:
      g_string_append (s, _("connected"));
      if (_hap_sim_trace_get_string (o, "peer") != NULL)
        g_string_append_printf (s, _(" from %s"), _hap_sim_trace_get_string (o, "peer"));
      break;

    case HAP_SIM_TRACE_KIND_SECURED:
      g_string_append (s, _("secured"));
      if (_hap_sim_trace_get_string (o, "controller") != NULL)
        g_string_append_printf (s, _(" for %s"), _hap_sim_trace_get_string (o, "controller"));
      break;

    case HAP_SIM_TRACE_KIND_CLOSED:
      g_string_append (s, _("closed"));
      break;

    case HAP_SIM_TRACE_KIND_REQUEST:
      if (tlv != NULL)
        {
          _hap_sim_trace_append_pairing_summary (s, path, tlv);
          break;
        }
      g_string_append_printf (s, "%s %s%s%s", _hap_sim_trace_get_string (o, "method") ?: "?", path ?: "",
                              query != NULL ? "?" : "", query ?: "");
      {
        ValuesCall call = { g_string_new (NULL), FALSE };

        foreach_characteristic (body, append_value, &call);
        if (call.any)
          g_string_append_printf (s, " · %s", call.out->str);
        g_string_free (call.out, TRUE);
      }
      break;

    case HAP_SIM_TRACE_KIND_EVENT:
    case HAP_SIM_TRACE_KIND_RESPONSE:
    case HAP_SIM_TRACE_KIND_RAW:
      if (self->kind == HAP_SIM_TRACE_KIND_EVENT)
        g_string_append (s, _("EVENT · "));
      else if (self->kind == HAP_SIM_TRACE_KIND_RAW)
        g_string_append (s, _("Raw · "));

      if (json_object_has_member (o, "redacted"))
        {
          g_string_append_printf (s, _("redacted pairing message (%lld bytes)"),
                                  (long long) length);
          break;
        }
      if (tlv != NULL)
        {
          if (has_status && status != 200)
            {
              append_status (s, status);
              g_string_append (s, " · ");
            }
          _hap_sim_trace_append_pairing_summary (s, path, tlv);
          break;
        }
      if (self->kind == HAP_SIM_TRACE_KIND_EVENT)
        {
          ValuesCall call = { s, FALSE };

          foreach_characteristic (body, append_value, &call);
          if (call.any)
            break;
        }
      if (has_status)
        append_status (s, status);
      else
        g_string_append (s, self->kind == HAP_SIM_TRACE_KIND_RESPONSE ? _("unframed response")
                                                                     : _("unframed"));
      if (content_type != NULL)
        g_string_append_printf (s, " · %s", content_type);
      else if (length > 0 || !has_status)
        g_string_append_printf (s, _(" · %lld bytes"), (long long) length);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* The text searched: the summary, the body as text, TLV items and the characteristics
 * touched with their names ("1.11 Brightness"). */
static void
build_haystack (HapSimTraceEntry *self, JsonObject *o, HapSimAccessory *accessory, GString *h)
{
  JsonNode *body = json_object_get_member (o, "body");
  JsonArray *tlv = _hap_sim_trace_get_array (o, "tlv");
  NamesCall names = { h, accessory };

  g_string_append (h, self->summary);
  if (body != NULL)
    {
      g_autofree char *text = json_to_string (body, FALSE);

      g_string_append_printf (h, "\n%s", text);
      foreach_characteristic (body, append_name_cb, &names);
    }
  if (_hap_sim_trace_get_string (o, "text") != NULL)
    g_string_append_printf (h, "\n%s", _hap_sim_trace_get_string (o, "text"));
  if (_hap_sim_trace_get_string (o, "query") != NULL)
    append_query_names (&names, _hap_sim_trace_get_string (o, "query"));
  for (guint i = 0; tlv != NULL && i < json_array_get_length (tlv); i++)
    {
      JsonNode *node = json_array_get_element (tlv, i);
      g_autofree char *text = json_to_string (node, FALSE);

      g_string_append_printf (h, "\n%s", text);
    }
  if (self->ble)
    _hap_sim_trace_ble_haystack (o, h);
}

HapSimTraceEntry *
hap_sim_trace_entry_new (const char *line, HapSimAccessory *accessory, GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(HapSimTraceEntry) self = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonObject *o;
  const char *kind;
  gint64 number = 0, status = 0;
  guint k = G_N_ELEMENTS (kinds);

  g_return_val_if_fail (line != NULL, NULL);
  g_return_val_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory), NULL);

  /* Trace files can come from anywhere: bounded nesting (hap-json.c). */
  if (!(root = hap_json_parse (line, -1, error)))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Not a trace entry"));
      return NULL;
    }
  o = json_node_get_object (root);

  self = g_object_new (HAP_SIM_TYPE_TRACE_ENTRY, NULL);
  self->line = g_strdup (line);
  kind = _hap_sim_trace_get_string (o, "kind");
  for (guint i = 0; kind != NULL && i < G_N_ELEMENTS (kinds); i++)
    if (g_str_equal (kind, kinds[i].name))
      k = i;
  if (k == G_N_ELEMENTS (kinds) || !_hap_sim_trace_get_int (o, "seq", &number))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Not a trace entry: kind “%s”"), kind ?: "");
      return NULL;
    }
  self->kind = k;
  self->seq = number;
  self->ble = g_strcmp0 (_hap_sim_trace_get_string (o, "transport"), "ble") == 0;
  if (k >= HAP_SIM_TRACE_KIND_INDICATION && !self->ble)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Not a trace entry: kind “%s” without \"transport\":\"ble\""), kind);
      return NULL;
    }
  if (_hap_sim_trace_get_int (o, "session", &number))
    {
      self->session = number;
      self->has_session = TRUE;
    }
  if (self->ble)
    self->failed = _hap_sim_trace_ble_failed (o, self->kind);
  else
    self->failed = (_hap_sim_trace_get_int (o, "status", &status) && status >= 400) ||
                   _hap_sim_trace_find_tlv_number (_hap_sim_trace_get_array (o, "tlv"), "Error", &number);
  self->time_label = format_time (_hap_sim_trace_get_string (o, "time"), FALSE);

  build_summary (self, o, text);
  self->summary = g_string_free (g_steal_pointer (&text), FALSE);
  text = g_string_new (NULL);
  build_haystack (self, o, accessory, text);
  self->haystack = g_utf8_casefold (text->str, text->len);
  return g_steal_pointer (&self);
}

/* ---- the detail ------------------------------------------------------------------- */

void
_hap_sim_trace_append_tlv_item (GString *out, JsonObject *item)
{
  const char *type = _hap_sim_trace_get_string (item, "type") ?: "?";
  JsonNode *value = json_object_get_member (item, "value");
  gint64 length = 0;

  if (json_object_has_member (item, "redacted"))
    {
      _hap_sim_trace_get_int (item, "length", &length);
      g_string_append_printf (out, _("%s: redacted (%lld bytes)\n"), type, (long long) length);
    }
  else if (value != NULL && json_node_get_value_type (value) == G_TYPE_INT64)
    {
      gint64 n = json_node_get_int (value);
      const char *name = NULL;

      if (g_str_equal (type, "Method"))
        name = pairing_method_name (n);
      else if (g_str_equal (type, "Error"))
        name = pairing_error_name (n);
      g_string_append_printf (out, "%s: %" G_GINT64_FORMAT "%s%s%s\n", type, n,
                              name != NULL ? " (" : "", name ?: "", name != NULL ? ")" : "");
    }
  else if (value != NULL && json_node_get_value_type (value) == G_TYPE_STRING)
    g_string_append_printf (out, "%s: %s\n", type, json_node_get_string (value));
  else if (_hap_sim_trace_get_string (item, "hex") != NULL)
    g_string_append_printf (out, _("%s: %s (hex)\n"), type, _hap_sim_trace_get_string (item, "hex"));
  else
    g_string_append_printf (out, "%s\n", type);
}

static void
append_body (GString *out, JsonObject *o)
{
  JsonNode *body = json_object_get_member (o, "body");
  JsonArray *tlv = _hap_sim_trace_get_array (o, "tlv");
  const char *text = _hap_sim_trace_get_string (o, "text");
  const char *base64 = _hap_sim_trace_get_string (o, "base64");
  gboolean truncated = json_object_has_member (o, "truncated");
  gint64 length = 0;

  _hap_sim_trace_get_int (o, "length", &length);
  if (json_object_has_member (o, "redacted"))
    {
      g_string_append_printf (out, _("Pairing message redacted (%lld bytes)\n"),
                              (long long) length);
      return;
    }
  if (_hap_sim_trace_get_string (o, "head") != NULL)
    g_string_append_printf (out, _("Head: %s\n\n"), _hap_sim_trace_get_string (o, "head"));
  if (tlv != NULL)
    {
      g_string_append_printf (out, _("TLV (%lld bytes):\n"), (long long) length);
      for (guint i = 0; i < json_array_get_length (tlv); i++)
        {
          JsonNode *node = json_array_get_element (tlv, i);

          if (JSON_NODE_HOLDS_OBJECT (node))
            _hap_sim_trace_append_tlv_item (out, json_node_get_object (node));
        }
      if (_hap_sim_trace_get_string (o, "tlv-error") != NULL)
        g_string_append_printf (out, _("TLV error: %s\n"), _hap_sim_trace_get_string (o, "tlv-error"));
      return;
    }
  if (body == NULL && text == NULL && base64 == NULL)
    return;

  g_string_append_printf (out, _("Body (%lld bytes%s%s):\n"), (long long) length,
                          base64 != NULL ? _(", base64") : "",
                          truncated ? _(", truncated") : "");
  if (body != NULL)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autofree char *pretty = NULL;

      json_generator_set_pretty (generator, TRUE);
      json_generator_set_root (generator, body);
      pretty = json_generator_to_data (generator, NULL);
      g_string_append_printf (out, "%s\n", pretty);
    }
  else if (text != NULL)
    g_string_append_printf (out, "%s\n", text);
  else
    {
      gsize len = strlen (base64);

      for (gsize i = 0; i < len; i += 76)
        g_string_append_printf (out, "%.*s\n", (int) MIN (76, len - i), base64 + i);
    }
  if (truncated)
    g_string_append (out, "…\n");
}

char *
hap_sim_trace_entry_dup_detail (HapSimTraceEntry *self)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *time = NULL;
  JsonObject *o;
  JsonArray *headers;
  const char *method, *path, *query;
  gint64 status;

  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);

  /* The line parsed when the entry was made. */
  if (!(root = hap_json_parse (self->line, -1, NULL)))
    g_return_val_if_reached (NULL);
  o = json_node_get_object (root);

  time = format_time (_hap_sim_trace_get_string (o, "time"), TRUE);
  g_string_append_printf (out, "%s · #%" G_GUINT64_FORMAT, kinds[self->kind].label, self->seq);
  if (self->has_session)
    g_string_append_printf (out, " · %s %" G_GUINT64_FORMAT, self->ble ? _("BLE link") : _("session"),
                            self->session);
  g_string_append_printf (out, " · %s\n", time);
  if (_hap_sim_trace_get_string (o, "peer") != NULL)
    g_string_append_printf (out, _("Peer: %s\n"), _hap_sim_trace_get_string (o, "peer"));
  if (_hap_sim_trace_get_string (o, "controller") != NULL)
    g_string_append_printf (out, _("Controller: %s\n"), _hap_sim_trace_get_string (o, "controller"));
  if (self->ble)
    {
      g_string_append (out, _("Transport: Bluetooth LE\n"));
      _hap_sim_trace_ble_detail (o, self->kind, out);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }

  method = _hap_sim_trace_get_string (o, "method");
  path = _hap_sim_trace_get_string (o, "path");
  query = _hap_sim_trace_get_string (o, "query");
  if (method != NULL || path != NULL)
    g_string_append_printf (out, "\n%s%s %s%s%s\n",
                            self->kind == HAP_SIM_TRACE_KIND_REQUEST ? "" : _("In answer to "),
                            method ?: "", path ?: "", query != NULL ? "?" : "", query ?: "");
  if (_hap_sim_trace_get_int (o, "status", &status))
    {
      g_string_append (out, self->kind == HAP_SIM_TRACE_KIND_EVENT ? _("\nEVENT ") : _("\nStatus: "));
      append_status (out, status);
      g_string_append_c (out, '\n');
    }

  headers = _hap_sim_trace_get_array (o, "headers");
  if (headers != NULL && json_array_get_length (headers) > 0)
    {
      g_string_append_c (out, '\n');
      for (guint i = 0; i < json_array_get_length (headers); i++)
        {
          JsonNode *node = json_array_get_element (headers, i);
          JsonArray *pair = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

          if (pair != NULL && json_array_get_length (pair) == 2)
            g_string_append_printf (out, "%s: %s\n", json_array_get_string_element (pair, 0),
                                    json_array_get_string_element (pair, 1));
        }
    }

  if (self->kind >= HAP_SIM_TRACE_KIND_REQUEST)
    {
      g_autoptr(GString) body = g_string_new (NULL);

      append_body (body, o);
      if (body->len > 0)
        g_string_append_printf (out, "\n%s", body->str);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- the object ------------------------------------------------------------------- */

static void
hap_sim_trace_entry_finalize (GObject *object)
{
  HapSimTraceEntry *self = HAP_SIM_TRACE_ENTRY (object);

  g_free (self->line);
  g_free (self->time_label);
  g_free (self->summary);
  g_free (self->haystack);
  G_OBJECT_CLASS (hap_sim_trace_entry_parent_class)->finalize (object);
}

static void
hap_sim_trace_entry_class_init (HapSimTraceEntryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hap_sim_trace_entry_finalize;
}

static void
hap_sim_trace_entry_init (HapSimTraceEntry *self)
{
}

const char *
hap_sim_trace_entry_get_line (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return self->line;
}

guint64
hap_sim_trace_entry_get_seq (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), 0);
  return self->seq;
}

gboolean
hap_sim_trace_entry_get_session (HapSimTraceEntry *self, guint64 *session)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), FALSE);
  if (session != NULL)
    *session = self->session;
  return self->has_session;
}

HapSimTraceKind
hap_sim_trace_entry_get_kind (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), HAP_SIM_TRACE_KIND_RAW);
  return self->kind;
}

HapSimTraceGroup
hap_sim_trace_entry_get_group (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), 0);

  switch (self->kind)
    {
    case HAP_SIM_TRACE_KIND_REQUEST:
      return HAP_SIM_TRACE_GROUP_REQUESTS;
    case HAP_SIM_TRACE_KIND_RESPONSE:
    case HAP_SIM_TRACE_KIND_RAW:
      return HAP_SIM_TRACE_GROUP_RESPONSES;
    case HAP_SIM_TRACE_KIND_EVENT:
    case HAP_SIM_TRACE_KIND_INDICATION:
    case HAP_SIM_TRACE_KIND_BROADCAST:
      return HAP_SIM_TRACE_GROUP_EVENTS;
    case HAP_SIM_TRACE_KIND_ADVERTISEMENT:
    case HAP_SIM_TRACE_KIND_CONNECTED:
    case HAP_SIM_TRACE_KIND_SECURED:
    case HAP_SIM_TRACE_KIND_CLOSED:
    default:
      return HAP_SIM_TRACE_GROUP_SESSIONS;
    }
}

HapTransportFlags
hap_sim_trace_entry_get_transport (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), HAP_TRANSPORT_IP);
  return self->ble ? HAP_TRANSPORT_BLE : HAP_TRANSPORT_IP;
}

const char *
hap_sim_trace_entry_get_kind_label (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return kinds[self->kind].label;
}

const char *
hap_sim_trace_entry_get_style_class (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);

  if (self->failed)
    return "error";
  switch (self->kind)
    {
    case HAP_SIM_TRACE_KIND_REQUEST:  return "accent";
    case HAP_SIM_TRACE_KIND_RESPONSE: return "success";
    case HAP_SIM_TRACE_KIND_EVENT:
    case HAP_SIM_TRACE_KIND_INDICATION:
    case HAP_SIM_TRACE_KIND_BROADCAST:
                                      return "warning";
    case HAP_SIM_TRACE_KIND_ADVERTISEMENT:
                                      return "dim-label";
    case HAP_SIM_TRACE_KIND_RAW:      return NULL;
    default:                          return "dim-label";
    }
}

const char *
hap_sim_trace_entry_get_time_label (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return self->time_label;
}

const char *
hap_sim_trace_entry_get_summary (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return self->summary;
}

gboolean
hap_sim_trace_entry_matches (HapSimTraceEntry *self, const char *folded)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), FALSE);
  return folded == NULL || strstr (self->haystack, folded) != NULL;
}
