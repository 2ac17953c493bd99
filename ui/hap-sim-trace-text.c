/* hap-sim-trace-text.c — the words the Traffic page shows for a trace entry
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read from the entry's typed fields (hap-sim-trace-entry.h). The row texts are made
 * once and kept with the entry; the search text when first searched; the detail
 * (pretty-printed bodies can be large) again each time it is asked for. A JSON body is
 * parsed here because it is what the accessory sent, not because of the trace.
 */
#include "hap-sim-trace-text-private.h"

#include <string.h>

#include <glib/gi18n.h>

#include <libhap-glib/hap-inspection.h>
#include <libhap-glib/hap.h>
#include "hap-sim-ui-util.h"

typedef struct
{
  char     *time_label;
  char     *summary;
  char     *haystack;     /* casefolded summary, body text and characteristic names */
  gboolean  failed;       /* an error status or a TLV Error item */
} Texts;

static const char * const kind_labels[] = {
  [HAP_SIM_TRACE_KIND_CONNECTED] = "Connected",
  [HAP_SIM_TRACE_KIND_SECURED]   = "Secured",
  [HAP_SIM_TRACE_KIND_CLOSED]    = "Closed",
  [HAP_SIM_TRACE_KIND_REQUEST]   = "Request",
  [HAP_SIM_TRACE_KIND_RESPONSE]  = "Response",
  [HAP_SIM_TRACE_KIND_EVENT]     = "Event",
  [HAP_SIM_TRACE_KIND_RAW]       = "Raw",
  [HAP_SIM_TRACE_KIND_INDICATION]    = "Indication",
  [HAP_SIM_TRACE_KIND_ADVERTISEMENT] = "Advertisement",
  [HAP_SIM_TRACE_KIND_BROADCAST]     = "Broadcast",
};

/* ---- BLE PDU objects -------------------------------------------------------------- */

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

gboolean
_hap_sim_trace_find_json_tlv_number (JsonArray *tlv, const char *type, gint64 *out)
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

/* ---- pairing TLVs ----------------------------------------------------------------- */

/* The number of the first item of @type of an IP entry's pairing body, or -1. */
static gint64
find_tlv_number (HapSimTraceEntry *entry, guint8 type)
{
  guint n = hap_sim_trace_entry_get_n_tlv_items (entry);

  for (guint i = 0; i < n; i++)
    {
      const HapSimTraceTlvItem *item = hap_sim_trace_entry_get_tlv_item (entry, i);

      if (item->type == type)
        return item->show == HAP_SIM_TRACE_TLV_NUMBER ? (gint64) item->number : -1;
    }
  return -1;
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
_hap_sim_trace_append_pairing_summary (GString *out, const char *path, gint64 state,
                                       gint64 method, gint64 error)
{
  if (g_strcmp0 (path, "/pair-setup") == 0)
    g_string_append (out, _("Pair Setup"));
  else if (g_strcmp0 (path, "/pair-verify") == 0)
    g_string_append (out, _("Pair Verify"));
  else if (g_strcmp0 (path, "/pairings") == 0)
    g_string_append (out, _("Pairings"));
  else
    g_string_append (out, _("Pairing"));

  if (state < 0)
    return;
  g_string_append_printf (out, _(" M%lld (State %lld"), (long long) state, (long long) state);
  if (method >= 0)
    g_string_append_printf (out, _(", Method %lld"), (long long) method);
  if (error >= 0)
    g_string_append_printf (out, _(", Error %lld"), (long long) error);
  g_string_append_c (out, ')');
}

void
_hap_sim_trace_append_tlv_line (GString *out, const char *type, gboolean has_number,
                                gint64 number, const char *text, const char *hex,
                                gboolean redacted, gint64 length)
{
  if (redacted)
    g_string_append_printf (out, _("%s: redacted (%lld bytes)\n"), type, (long long) length);
  else if (has_number)
    {
      const char *name = NULL;

      if (g_str_equal (type, "Method"))
        name = pairing_method_name (number);
      else if (g_str_equal (type, "Error"))
        name = pairing_error_name (number);
      g_string_append_printf (out, "%s: %" G_GINT64_FORMAT "%s%s%s\n", type, number,
                              name != NULL ? " (" : "", name ?: "", name != NULL ? ")" : "");
    }
  else if (text != NULL)
    g_string_append_printf (out, "%s: %s\n", type, text);
  else if (hex != NULL)
    g_string_append_printf (out, _("%s: %s (hex)\n"), type, hex);
  else
    g_string_append_printf (out, "%s\n", type);
}

/* "State", or "0x1F" for a type HAP does not define, as the trace names them. */
static char *
tlv_type_label (const HapSimTraceTlvItem *item)
{
  const char *name = hap_sim_trace_tlv_type_name (item->type);

  return name != NULL ? g_strdup (name) : g_strdup_printf ("0x%02X", item->type);
}

static void
append_tlv_item (GString *out, const HapSimTraceTlvItem *item)
{
  g_autofree char *type = tlv_type_label (item);

  _hap_sim_trace_append_tlv_line (out, type, item->show == HAP_SIM_TRACE_TLV_NUMBER,
                                  (gint64) item->number,
                                  item->show == HAP_SIM_TRACE_TLV_STRING ? item->text : NULL,
                                  item->show == HAP_SIM_TRACE_TLV_HEX ? item->text : NULL,
                                  item->show == HAP_SIM_TRACE_TLV_REDACTED, item->length);
}

static void
append_pairing_summary (GString *out, HapSimTraceEntry *entry)
{
  _hap_sim_trace_append_pairing_summary (out, hap_sim_trace_entry_get_path (entry),
                                         find_tlv_number (entry, HAP_TLV_STATE),
                                         find_tlv_number (entry, HAP_TLV_METHOD),
                                         find_tlv_number (entry, HAP_TLV_ERROR));
}

/* ---- bodies ----------------------------------------------------------------------- */

/* The body when it is one JSON value (as the trace decided, strictly). */
static JsonNode *
parse_body (HapSimTraceEntry *entry)
{
  const guint8 *data;
  gsize len;

  if (hap_sim_trace_entry_get_body_format (entry) != HAP_SIM_TRACE_BODY_JSON)
    return NULL;
  data = hap_sim_trace_entry_get_body (entry, &len);
  /* Bounded nesting (hap-json.c): the body is whatever a quirk made of it. */
  return hap_json_parse ((const char *) data, len, NULL);
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

/* ---- the row texts ---------------------------------------------------------------- */

static char *
format_time (gint64 time, gboolean full)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  int usec = (int) (time % G_USEC_PER_SEC);
  g_autofree char *date = NULL;

  if (local == NULL)
    return g_strdup ("");
  if (full)
    {
      date = hap_sim_ui_format_time (g_date_time_to_unix (local) * G_USEC_PER_SEC);
      return g_strdup_printf ("%s.%06d", date, usec);
    }
  return g_strdup_printf ("%02d:%02d:%02d.%03d", g_date_time_get_hour (local),
                          g_date_time_get_minute (local), g_date_time_get_second (local),
                          usec / 1000);
}

static gboolean
is_ble (HapSimTraceEntry *entry)
{
  return hap_sim_trace_entry_get_transport (entry) == HAP_TRANSPORT_BLE;
}

static void
build_summary (HapSimTraceEntry *entry, GString *s)
{
  HapSimTraceKind kind = hap_sim_trace_entry_get_kind (entry);
  const char *path = hap_sim_trace_entry_get_path (entry);
  const char *query = hap_sim_trace_entry_get_query (entry);
  const char *content_type = hap_sim_trace_entry_lookup_header (entry, "Content-Type");
  gboolean tlv = hap_sim_trace_entry_has_tlv (entry);
  int status = hap_sim_trace_entry_get_status (entry);
  gboolean has_status = status >= 0;
  g_autoptr(JsonNode) body = NULL;
  guint64 session;
  gsize length = 0;

  hap_sim_trace_entry_get_length (entry, &length);
  if (kind <= HAP_SIM_TRACE_KIND_CLOSED && hap_sim_trace_entry_get_session (entry, &session))
    g_string_append_printf (s, "%s %" G_GUINT64_FORMAT " ", is_ble (entry) ? _("BLE link") : _("session"),
                            session);

  if (is_ble (entry) && kind >= HAP_SIM_TRACE_KIND_REQUEST)
    {
      _hap_sim_trace_ble_summary (hap_sim_trace_entry_get_ble_pdu (entry), kind, s);
      return;
    }
  switch (kind)
    {
    case HAP_SIM_TRACE_KIND_CONNECTED:
      g_string_append (s, _("connected"));
      if (hap_sim_trace_entry_get_peer (entry) != NULL)
        g_string_append_printf (s, _(" from %s"), hap_sim_trace_entry_get_peer (entry));
      break;

    case HAP_SIM_TRACE_KIND_SECURED:
      g_string_append (s, _("secured"));
      if (hap_sim_trace_entry_get_controller (entry) != NULL)
        g_string_append_printf (s, _(" for %s"), hap_sim_trace_entry_get_controller (entry));
      break;

    case HAP_SIM_TRACE_KIND_CLOSED:
      g_string_append (s, _("closed"));
      break;

    case HAP_SIM_TRACE_KIND_REQUEST:
      if (tlv)
        {
          append_pairing_summary (s, entry);
          break;
        }
      g_string_append_printf (s, "%s %s%s%s", hap_sim_trace_entry_get_method (entry) ?: "?",
                              path ?: "", query != NULL ? "?" : "", query ?: "");
      {
        ValuesCall call = { g_string_new (NULL), FALSE };

        body = parse_body (entry);
        foreach_characteristic (body, append_value, &call);
        if (call.any)
          g_string_append_printf (s, " · %s", call.out->str);
        g_string_free (call.out, TRUE);
      }
      break;

    case HAP_SIM_TRACE_KIND_EVENT:
    case HAP_SIM_TRACE_KIND_RESPONSE:
    case HAP_SIM_TRACE_KIND_RAW:
      if (kind == HAP_SIM_TRACE_KIND_EVENT)
        g_string_append (s, _("EVENT · "));
      else if (kind == HAP_SIM_TRACE_KIND_RAW)
        g_string_append (s, _("Raw · "));

      if (hap_sim_trace_entry_get_redacted (entry))
        {
          g_string_append_printf (s, _("redacted pairing message (%lld bytes)"),
                                  (long long) length);
          break;
        }
      if (tlv)
        {
          if (has_status && status != 200)
            {
              append_status (s, status);
              g_string_append (s, " · ");
            }
          append_pairing_summary (s, entry);
          break;
        }
      if (kind == HAP_SIM_TRACE_KIND_EVENT)
        {
          ValuesCall call = { s, FALSE };

          body = parse_body (entry);
          foreach_characteristic (body, append_value, &call);
          if (call.any)
            break;
        }
      if (has_status)
        append_status (s, status);
      else
        g_string_append (s, kind == HAP_SIM_TRACE_KIND_RESPONSE ? _("unframed response")
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

static void
texts_free (gpointer data)
{
  Texts *texts = data;

  g_free (texts->time_label);
  g_free (texts->summary);
  g_free (texts->haystack);
  g_free (texts);
}

static Texts *
get_texts (HapSimTraceEntry *entry)
{
  static GQuark quark;
  Texts *texts;
  GString *summary;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("hap-sim-trace-text");
  if ((texts = g_object_get_qdata (G_OBJECT (entry), quark)) != NULL)
    return texts;

  texts = g_new0 (Texts, 1);
  texts->time_label = format_time (hap_sim_trace_entry_get_time (entry), FALSE);
  summary = g_string_new (NULL);
  build_summary (entry, summary);
  texts->summary = g_string_free (summary, FALSE);
  if (is_ble (entry))
    texts->failed = _hap_sim_trace_ble_failed (hap_sim_trace_entry_get_ble_pdu (entry),
                                               hap_sim_trace_entry_get_kind (entry));
  else
    texts->failed = hap_sim_trace_entry_get_status (entry) >= 400 ||
                    find_tlv_number (entry, HAP_TLV_ERROR) >= 0;
  g_object_set_qdata_full (G_OBJECT (entry), quark, texts, texts_free);
  return texts;
}

/* The text searched: the summary, the body as text, TLV items and the characteristics
 * touched with their names ("1.11 Brightness"). */
static void
build_haystack (HapSimTraceEntry *entry, HapSimAccessory *accessory, GString *h)
{
  g_autoptr(JsonNode) body = parse_body (entry);
  NamesCall names = { h, accessory };
  guint n_items = hap_sim_trace_entry_get_n_tlv_items (entry);

  g_string_append (h, get_texts (entry)->summary);
  if (body != NULL)
    {
      g_autofree char *text = json_to_string (body, FALSE);

      g_string_append_printf (h, "\n%s", text);
      foreach_characteristic (body, append_name_cb, &names);
    }
  if (hap_sim_trace_entry_get_body_format (entry) == HAP_SIM_TRACE_BODY_TEXT)
    {
      gsize len;
      const guint8 *data = hap_sim_trace_entry_get_body (entry, &len);

      g_string_append_c (h, '\n');
      g_string_append_len (h, (const char *) data, len);
    }
  if (hap_sim_trace_entry_get_query (entry) != NULL)
    append_query_names (&names, hap_sim_trace_entry_get_query (entry));
  for (guint i = 0; i < n_items; i++)
    {
      g_string_append_c (h, '\n');
      append_tlv_item (h, hap_sim_trace_entry_get_tlv_item (entry, i));
    }
  if (is_ble (entry))
    _hap_sim_trace_ble_haystack (hap_sim_trace_entry_get_ble_pdu (entry), h);
}

HapSimTraceGroup
hap_sim_trace_text_get_group (HapSimTraceEntry *entry)
{
  switch (hap_sim_trace_entry_get_kind (entry))
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
    case HAP_SIM_TRACE_KIND_CONNECTED:
    case HAP_SIM_TRACE_KIND_SECURED:
    case HAP_SIM_TRACE_KIND_CLOSED:
    case HAP_SIM_TRACE_KIND_ADVERTISEMENT:
    default:
      return HAP_SIM_TRACE_GROUP_SESSIONS;
    }
}

const char *
hap_sim_trace_text_get_kind_label (HapSimTraceEntry *entry)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (entry), NULL);
  return kind_labels[hap_sim_trace_entry_get_kind (entry)];
}

const char *
hap_sim_trace_text_get_style_class (HapSimTraceEntry *entry)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (entry), NULL);

  if (get_texts (entry)->failed)
    return "error";
  switch (hap_sim_trace_entry_get_kind (entry))
    {
    case HAP_SIM_TRACE_KIND_REQUEST:  return "accent";
    case HAP_SIM_TRACE_KIND_RESPONSE: return "success";
    case HAP_SIM_TRACE_KIND_EVENT:
    case HAP_SIM_TRACE_KIND_INDICATION:
    case HAP_SIM_TRACE_KIND_BROADCAST:
                                      return "warning";
    case HAP_SIM_TRACE_KIND_RAW:      return NULL;
    case HAP_SIM_TRACE_KIND_ADVERTISEMENT:
    default:                          return "dim-label";
    }
}

const char *
hap_sim_trace_text_get_time_label (HapSimTraceEntry *entry)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (entry), NULL);
  return get_texts (entry)->time_label;
}

const char *
hap_sim_trace_text_get_summary (HapSimTraceEntry *entry)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (entry), NULL);
  return get_texts (entry)->summary;
}

gboolean
hap_sim_trace_text_matches (HapSimTraceEntry *entry,
                            HapSimAccessory  *accessory,
                            const char       *folded)
{
  Texts *texts;

  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (entry), FALSE);
  g_return_val_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory), FALSE);

  if (folded == NULL)
    return TRUE;
  texts = get_texts (entry);
  if (texts->haystack == NULL)
    {
      g_autoptr(GString) h = g_string_new (NULL);

      build_haystack (entry, accessory, h);
      texts->haystack = g_utf8_casefold (h->str, h->len);
    }
  return strstr (texts->haystack, folded) != NULL;
}

/* ---- the detail ------------------------------------------------------------------- */

static void
append_body (GString *out, HapSimTraceEntry *entry)
{
  HapSimTraceBodyFormat format = hap_sim_trace_entry_get_body_format (entry);
  gboolean truncated = hap_sim_trace_entry_get_truncated (entry);
  guint n_items = hap_sim_trace_entry_get_n_tlv_items (entry);
  const guint8 *data;
  gsize length = 0, len;

  hap_sim_trace_entry_get_length (entry, &length);
  if (hap_sim_trace_entry_get_redacted (entry))
    {
      g_string_append_printf (out, _("Pairing message redacted (%lld bytes)\n"),
                              (long long) length);
      return;
    }
  if (hap_sim_trace_entry_get_head (entry) != NULL)
    g_string_append_printf (out, _("Head: %s\n\n"), hap_sim_trace_entry_get_head (entry));
  if (hap_sim_trace_entry_has_tlv (entry))
    {
      g_string_append_printf (out, _("TLV (%lld bytes):\n"), (long long) length);
      for (guint i = 0; i < n_items; i++)
        append_tlv_item (out, hap_sim_trace_entry_get_tlv_item (entry, i));
      if (hap_sim_trace_entry_get_tlv_error (entry) != NULL)
        g_string_append_printf (out, _("TLV error: %s\n"), hap_sim_trace_entry_get_tlv_error (entry));
      return;
    }
  if (format == HAP_SIM_TRACE_BODY_NONE)
    return;

  g_string_append_printf (out, _("Body (%lld bytes%s%s):\n"), (long long) length,
                          format == HAP_SIM_TRACE_BODY_BINARY ? _(", base64") : "",
                          truncated ? _(", truncated") : "");
  data = hap_sim_trace_entry_get_body (entry, &len);
  if (format == HAP_SIM_TRACE_BODY_JSON)
    {
      g_autoptr(JsonNode) body = parse_body (entry);
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      g_autofree char *pretty = NULL;

      if (body != NULL)
        {
          json_generator_set_pretty (generator, TRUE);
          json_generator_set_root (generator, body);
          pretty = json_generator_to_data (generator, NULL);
        }
      g_string_append_printf (out, "%s\n", pretty ?: "");
    }
  else if (format == HAP_SIM_TRACE_BODY_TEXT)
    {
      g_string_append_len (out, (const char *) data, len);
      g_string_append_c (out, '\n');
    }
  else
    {
      g_autofree char *base64 = g_base64_encode (data, len);
      gsize n = strlen (base64);

      for (gsize i = 0; i < n; i += 76)
        g_string_append_printf (out, "%.*s\n", (int) MIN (76, n - i), base64 + i);
    }
  if (truncated)
    g_string_append (out, "…\n");
}

char *
hap_sim_trace_text_dup_detail (HapSimTraceEntry *entry)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *time = NULL;
  HapSimTraceKind kind;
  const char *method, *path, *query;
  guint n_headers;
  guint64 session;
  int status;

  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (entry), NULL);

  kind = hap_sim_trace_entry_get_kind (entry);
  time = format_time (hap_sim_trace_entry_get_time (entry), TRUE);
  g_string_append_printf (out, "%s · #%" G_GUINT64_FORMAT, kind_labels[kind],
                          hap_sim_trace_entry_get_seq (entry));
  if (hap_sim_trace_entry_get_session (entry, &session))
    g_string_append_printf (out, " · %s %" G_GUINT64_FORMAT, is_ble (entry) ? _("BLE link") : _("session"),
                            session);
  g_string_append_printf (out, " · %s\n", time);
  if (hap_sim_trace_entry_get_peer (entry) != NULL)
    g_string_append_printf (out, _("Peer: %s\n"), hap_sim_trace_entry_get_peer (entry));
  if (hap_sim_trace_entry_get_controller (entry) != NULL)
    g_string_append_printf (out, _("Controller: %s\n"), hap_sim_trace_entry_get_controller (entry));
  if (is_ble (entry))
    {
      g_string_append (out, _("Transport: Bluetooth LE\n"));
      _hap_sim_trace_ble_detail (hap_sim_trace_entry_get_ble_pdu (entry), kind, out);
      return g_string_free (g_steal_pointer (&out), FALSE);
    }

  method = hap_sim_trace_entry_get_method (entry);
  path = hap_sim_trace_entry_get_path (entry);
  query = hap_sim_trace_entry_get_query (entry);
  if (method != NULL || path != NULL)
    g_string_append_printf (out, "\n%s%s %s%s%s\n",
                            kind == HAP_SIM_TRACE_KIND_REQUEST ? "" : _("In answer to "),
                            method ?: "", path ?: "", query != NULL ? "?" : "", query ?: "");
  if ((status = hap_sim_trace_entry_get_status (entry)) >= 0)
    {
      g_string_append (out, kind == HAP_SIM_TRACE_KIND_EVENT ? _("\nEVENT ") : _("\nStatus: "));
      append_status (out, status);
      g_string_append_c (out, '\n');
    }

  n_headers = hap_sim_trace_entry_get_n_headers (entry);
  if (n_headers > 0)
    {
      g_string_append_c (out, '\n');
      for (guint i = 0; i < n_headers; i++)
        g_string_append_printf (out, "%s: %s\n", hap_sim_trace_entry_get_header_name (entry, i),
                                hap_sim_trace_entry_get_header_value (entry, i));
    }

  if (kind >= HAP_SIM_TRACE_KIND_REQUEST)
    {
      g_autoptr(GString) body = g_string_new (NULL);

      append_body (body, entry);
      if (body->len > 0)
        g_string_append_printf (out, "\n%s", body->str);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
