/* hap-sim-trace-text-ble.c — the HAP over BLE entries of the trace, for people
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The entries' PDU objects (hap_sim_trace_entry_get_ble_pdu) carry each PDU already
 * decoded: opcode name, TID, IID,
 * the characteristic's name, status and the body's parameters with values in the
 * characteristic's format, pairing TLVs decoded and redacted. Here they are put in
 * words: one summary line for the list, and the detail one item per line.
 */
#include "hap-sim-trace-text-private.h"

#include <glib/gi18n.h>

/* The pairing characteristics whose Value is pairing TLV8 (§5.8), and the IP path that
 * names the same exchange, so that both transports read "Pair Setup M3 (State 3)". */
static const char *
pairing_path (const char *characteristic)
{
  if (g_strcmp0 (characteristic, "PairSetup") == 0)
    return "/pair-setup";
  if (g_strcmp0 (characteristic, "PairVerify") == 0)
    return "/pair-verify";
  if (g_strcmp0 (characteristic, "PairingPairings") == 0)
    return "/pairings";
  return NULL;
}

static JsonObject *
element_object (JsonArray *array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* "Pair Setup M3 (State 3)" of a pairing value's TLV items. */
static void
append_pairing_summary (GString *out, const char *path, JsonArray *tlv)
{
  gint64 state = -1, method = -1, error = -1;

  _hap_sim_trace_find_json_tlv_number (tlv, "State", &state);
  _hap_sim_trace_find_json_tlv_number (tlv, "Method", &method);
  _hap_sim_trace_find_json_tlv_number (tlv, "Error", &error);
  _hap_sim_trace_append_pairing_summary (out, path, state, method, error);
}

static void
append_tlv_item (GString *out, JsonObject *item)
{
  JsonNode *value = json_object_get_member (item, "value");
  gint64 length = 0;

  _hap_sim_trace_get_int (item, "length", &length);
  _hap_sim_trace_append_tlv_line (out, _hap_sim_trace_get_string (item, "type") ?: "?",
                                  value != NULL && json_node_get_value_type (value) == G_TYPE_INT64,
                                  value != NULL && json_node_get_value_type (value) == G_TYPE_INT64
                                    ? json_node_get_int (value) : 0,
                                  value != NULL && json_node_get_value_type (value) == G_TYPE_STRING
                                    ? json_node_get_string (value) : NULL,
                                  _hap_sim_trace_get_string (item, "hex"),
                                  json_object_has_member (item, "redacted"), length);
}

/* "Value = true", "Pair Setup M3 (State 3)", "BroadcastEncryptionKey redacted (32 bytes)" */
static void
append_param_summary (GString *out, JsonObject *param, const char *characteristic)
{
  const char *type = _hap_sim_trace_get_string (param, "type") ?: "?";
  JsonNode *value = json_object_get_member (param, "value");
  JsonArray *tlv = _hap_sim_trace_get_array (param, "tlv");
  gint64 length = 0;

  if (tlv != NULL)
    append_pairing_summary (out, pairing_path (characteristic), tlv);
  else if (json_object_has_member (param, "redacted"))
    {
      _hap_sim_trace_get_int (param, "length", &length);
      g_string_append_printf (out, _("%s redacted (%lld bytes)"), type, (long long) length);
    }
  else if (value != NULL)
    {
      g_autofree char *text = json_to_string (value, FALSE);

      g_string_append_printf (out, "%s = %s", type, text);
    }
  else if (_hap_sim_trace_get_string (param, "hex") != NULL)
    g_string_append_printf (out, "%s = 0x%s", type, _hap_sim_trace_get_string (param, "hex"));
  else
    g_string_append (out, type);
}

/* "IID 51 On" */
static void
append_iid (GString *out, JsonObject *o)
{
  gint64 iid;

  if (!_hap_sim_trace_get_int (o, "iid", &iid))
    return;
  g_string_append_printf (out, _(" · IID %lld"), (long long) iid);
  if (_hap_sim_trace_get_string (o, "characteristic") != NULL)
    g_string_append_printf (out, " %s", _hap_sim_trace_get_string (o, "characteristic"));
}

static void
append_pdu_summary (GString *out, JsonObject *o, HapSimTraceKind kind)
{
  JsonArray *params = _hap_sim_trace_get_array (o, "params");
  const char *characteristic = _hap_sim_trace_get_string (o, "characteristic");
  gint64 tid = 0, response_tid, status;

  if (kind == HAP_SIM_TRACE_KIND_RESPONSE && _hap_sim_trace_get_int (o, "status", &status))
    {
      const char *name = _hap_sim_trace_get_string (o, "status-name");

      if (name != NULL)
        g_string_append_printf (out, "%s · ", name);
      else
        g_string_append_printf (out, _("Status %lld · "), (long long) status);
    }
  g_string_append (out, _hap_sim_trace_get_string (o, "opcode") ?: "?");
  _hap_sim_trace_get_int (o, "tid", &tid);
  g_string_append_printf (out, _(" · TID %lld"), (long long) tid);
  if (_hap_sim_trace_get_int (o, "response-tid", &response_tid))
    g_string_append_printf (out, _(" (answered as TID %lld)"), (long long) response_tid);
  append_iid (out, o);
  for (guint i = 0; params != NULL && i < json_array_get_length (params); i++)
    {
      JsonObject *param = element_object (params, i);

      if (param == NULL)
        continue;
      g_string_append (out, " · ");
      append_param_summary (out, param, characteristic);
    }
  if (params == NULL && _hap_sim_trace_get_string (o, "hex") != NULL)
    g_string_append_printf (out, _(" · 0x%s (not TLV8)"), _hap_sim_trace_get_string (o, "hex"));
  if (json_object_has_member (o, "unfragmented"))
    g_string_append (out, _(" · unfragmented"));
}

static JsonObject *
get_object (JsonObject *o, const char *name)
{
  JsonNode *node = json_object_get_member (o, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

void
_hap_sim_trace_ble_summary (JsonObject *o, HapSimTraceKind kind, GString *out)
{
  JsonObject *fields;
  gint64 gsn = 0, sf = 0, cn = 0, length = 0;

  switch (kind)
    {
    case HAP_SIM_TRACE_KIND_REQUEST:
    case HAP_SIM_TRACE_KIND_RESPONSE:
      append_pdu_summary (out, o, kind);
      break;

    case HAP_SIM_TRACE_KIND_INDICATION:
      g_string_append (out, _("Indication"));
      append_iid (out, o);
      break;

    case HAP_SIM_TRACE_KIND_ADVERTISEMENT:
      _hap_sim_trace_get_int (o, "gsn", &gsn);
      if (json_object_has_member (o, "withdrawn"))
        {
          g_string_append (out, _("Withdrawn: not advertising"));
          break;
        }
      if ((fields = get_object (o, "fields")) != NULL)
        {
          _hap_sim_trace_get_int (fields, "sf", &sf);
          _hap_sim_trace_get_int (fields, "cn", &cn);
          g_string_append_printf (out, _("GSN %lld · SF 0x%02x (%s) · CN %lld"), (long long) gsn,
                                  (guint) sf, (sf & 1) ? _("not paired") : _("paired"), (long long) cn);
          if (!json_object_has_member (fields, "setup-hash"))
            g_string_append (out, _(" · no setup hash"));
        }
      else
        {
          _hap_sim_trace_get_int (o, "length", &length);
          g_string_append_printf (out, _("GSN %lld · does not parse: %s (%lld bytes)"),
                                  (long long) gsn, _hap_sim_trace_get_string (o, "error") ?: "?", (long long) length);
        }
      break;

    case HAP_SIM_TRACE_KIND_BROADCAST:
      _hap_sim_trace_get_int (o, "gsn", &gsn);
      g_string_append_printf (out, _("GSN %lld"), (long long) gsn);
      append_iid (out, o);
      if (json_object_has_member (o, "injected"))
        g_string_append (out, _(" · injected by a quirk"));
      break;

    default:
      g_assert_not_reached ();
    }
}

gboolean
_hap_sim_trace_ble_failed (JsonObject *o, HapSimTraceKind kind)
{
  JsonArray *params = _hap_sim_trace_get_array (o, "params");
  gint64 status, error;

  /* §5.5: status 0 is success; a response under another TID than the request's is
   * something a controller must cope with, so it stands out too. */
  if (_hap_sim_trace_get_int (o, "status", &status) && status != 0)
    return TRUE;
  if (json_object_has_member (o, "response-tid") || json_object_has_member (o, "error") ||
      json_object_has_member (o, "params-error"))
    return TRUE;
  for (guint i = 0; params != NULL && i < json_array_get_length (params); i++)
    {
      JsonObject *param = element_object (params, i);

      if (param != NULL && _hap_sim_trace_find_json_tlv_number (_hap_sim_trace_get_array (param, "tlv"), "Error", &error))
        return TRUE;
    }
  return FALSE;
}

void
_hap_sim_trace_ble_haystack (JsonObject *o, GString *out)
{
  static const char * const members[] = { "params", "fields", "characteristic", "advertising-id", "hex" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *node = json_object_get_member (o, members[i]);
      g_autofree char *text = NULL;

      if (node == NULL)
        continue;
      text = json_to_string (node, FALSE);
      g_string_append_printf (out, "\n%s", text);
    }
}

static void
append_param_detail (GString *out, JsonObject *param)
{
  const char *type = _hap_sim_trace_get_string (param, "type") ?: "?";
  JsonNode *value = json_object_get_member (param, "value");
  JsonArray *tlv = _hap_sim_trace_get_array (param, "tlv");
  gint64 length = 0;

  if (tlv != NULL)
    {
      g_string_append_printf (out, _("%s (pairing TLV8):\n"), type);
      for (guint i = 0; i < json_array_get_length (tlv); i++)
        {
          JsonObject *item = element_object (tlv, i);

          if (item != NULL)
            {
              g_string_append (out, "  ");
              append_tlv_item (out, item);
            }
        }
      if (_hap_sim_trace_get_string (param, "tlv-error") != NULL)
        g_string_append_printf (out, _("  TLV error: %s\n"), _hap_sim_trace_get_string (param, "tlv-error"));
      return;
    }
  if (json_object_has_member (param, "redacted"))
    {
      _hap_sim_trace_get_int (param, "length", &length);
      g_string_append_printf (out, _("%s: redacted (%lld bytes)\n"), type, (long long) length);
      return;
    }
  if (value != NULL)
    {
      g_autofree char *text = json_to_string (value, FALSE);

      g_string_append_printf (out, "%s: %s\n", type, text);
    }
  else if (_hap_sim_trace_get_string (param, "hex") != NULL)
    g_string_append_printf (out, _("%s: %s (hex%s)\n"), type, _hap_sim_trace_get_string (param, "hex"),
                            json_object_has_member (param, "truncated") ? _(", truncated") : "");
  else
    g_string_append_printf (out, "%s\n", type);
  if (_hap_sim_trace_get_string (param, "value-error") != NULL)
    g_string_append_printf (out, _("  does not decode: %s\n"), _hap_sim_trace_get_string (param, "value-error"));
}

static void
append_pdu_detail (GString *out, JsonObject *o, HapSimTraceKind kind)
{
  JsonArray *params = _hap_sim_trace_get_array (o, "params");
  gint64 tid = 0, response_tid, iid, status, length = 0;

  g_string_append_printf (out, _("\nOpcode: %s\n"), _hap_sim_trace_get_string (o, "opcode") ?: "?");
  _hap_sim_trace_get_int (o, "tid", &tid);
  g_string_append_printf (out, _("TID: %lld\n"), (long long) tid);
  if (_hap_sim_trace_get_int (o, "response-tid", &response_tid))
    g_string_append_printf (out, _("Answered as TID: %lld (not the request's)\n"), (long long) response_tid);
  if (_hap_sim_trace_get_int (o, "iid", &iid))
    g_string_append_printf (out, _("IID: %lld (%s)\n"), (long long) iid,
                            _hap_sim_trace_get_string (o, "characteristic") ?: "?");
  if (kind == HAP_SIM_TRACE_KIND_RESPONSE && _hap_sim_trace_get_int (o, "status", &status))
    g_string_append_printf (out, _("Status: %lld (%s)\n"), (long long) status,
                            _hap_sim_trace_get_string (o, "status-name") ?: _("unknown"));
  if (json_object_has_member (o, "unfragmented"))
    g_string_append (out, _("Sent as one fragment, over the MTU\n"));
  if (!_hap_sim_trace_get_int (o, "length", &length))
    return;
  g_string_append_printf (out, _("\nBody (%lld bytes):\n"), (long long) length);
  for (guint i = 0; params != NULL && i < json_array_get_length (params); i++)
    {
      JsonObject *param = element_object (params, i);

      if (param != NULL)
        append_param_detail (out, param);
    }
  if (params == NULL && _hap_sim_trace_get_string (o, "hex") != NULL)
    g_string_append_printf (out, _("%s (hex)\n"), _hap_sim_trace_get_string (o, "hex"));
  if (_hap_sim_trace_get_string (o, "params-error") != NULL)
    g_string_append_printf (out, _("Not TLV8: %s\n"), _hap_sim_trace_get_string (o, "params-error"));
}

static void
append_fields_detail (GString *out, JsonObject *fields)
{
  gint64 sf = 0, acid = 0, gsn = 0, cn = 0, cv = 0;

  _hap_sim_trace_get_int (fields, "sf", &sf);
  _hap_sim_trace_get_int (fields, "acid", &acid);
  _hap_sim_trace_get_int (fields, "gsn", &gsn);
  _hap_sim_trace_get_int (fields, "cn", &cn);
  _hap_sim_trace_get_int (fields, "cv", &cv);
  g_string_append_printf (out, _("Status flags: 0x%02x (%s)\n"), (guint) sf, (sf & 1) ? _("not paired") : _("paired"));
  g_string_append_printf (out, _("Device ID: %s\n"), _hap_sim_trace_get_string (fields, "device-id") ?: "?");
  g_string_append_printf (out, _("Category: %lld\n"), (long long) acid);
  g_string_append_printf (out, _("GSN: %lld\n"), (long long) gsn);
  g_string_append_printf (out, _("Configuration number: %lld\n"), (long long) cn);
  g_string_append_printf (out, _("Compatible version: %lld\n"), (long long) cv);
  g_string_append_printf (out, _("Setup hash: %s\n"), _hap_sim_trace_get_string (fields, "setup-hash") ?: _("none"));
}

void
_hap_sim_trace_ble_detail (JsonObject *o, HapSimTraceKind kind, GString *out)
{
  JsonObject *fields;
  gint64 gsn, iid, length = 0;

  switch (kind)
    {
    case HAP_SIM_TRACE_KIND_REQUEST:
    case HAP_SIM_TRACE_KIND_RESPONSE:
      append_pdu_detail (out, o, kind);
      return;

    case HAP_SIM_TRACE_KIND_INDICATION:
      if (_hap_sim_trace_get_int (o, "iid", &iid))
        g_string_append_printf (out, _("\nIndication of IID %lld (%s): its value changed; the "
                                       "controller reads it\n"), (long long) iid, _hap_sim_trace_get_string (o, "characteristic") ?: "?");
      return;

    case HAP_SIM_TRACE_KIND_ADVERTISEMENT:
    case HAP_SIM_TRACE_KIND_BROADCAST:
      g_string_append_c (out, '\n');
      if (_hap_sim_trace_get_int (o, "gsn", &gsn))
        g_string_append_printf (out, _("GSN: %lld\n"), (long long) gsn);
      if (json_object_has_member (o, "withdrawn"))
        g_string_append (out, _("Withdrawn: nothing is advertised\n"));
      if (_hap_sim_trace_get_int (o, "iid", &iid))
        g_string_append_printf (out, _("IID: %lld (%s)\n"), (long long) iid,
                                _hap_sim_trace_get_string (o, "characteristic") ?: "?");
      if (_hap_sim_trace_get_string (o, "advertising-id") != NULL)
        g_string_append_printf (out, _("Advertising identifier: %s\n"), _hap_sim_trace_get_string (o, "advertising-id"));
      if (json_object_has_member (o, "injected"))
        g_string_append (out, _("Injected by a quirk\n"));
      if ((fields = get_object (o, "fields")) != NULL)
        append_fields_detail (out, fields);
      if (_hap_sim_trace_get_string (o, "error") != NULL)
        g_string_append_printf (out, _("Does not parse: %s\n"), _hap_sim_trace_get_string (o, "error"));
      if (_hap_sim_trace_get_string (o, "hex") != NULL)
        {
          _hap_sim_trace_get_int (o, "length", &length);
          g_string_append_printf (out, _("\nManufacturer data (%lld bytes):\n%s\n"), (long long) length,
                                  _hap_sim_trace_get_string (o, "hex"));
        }
      return;

    default:
      /* connected, secured, closed: the head says it all. */
      return;
    }
}
