/* test-models.c — the engine's list models: the trace (bounded, items-changed at both
 * ends, other threads), its typed entries, and an accessory's pairings and sessions
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "hap-sim-inspect.h"
#include "hap-sim-trace-model.h"
#include "sim-fixture.h"

/* ---- items-changed, recorded ------------------------------------------------------ */

typedef struct
{
  guint position, removed, added;
} Change;

static void
on_items_changed (GListModel *model, guint position, guint removed, guint added, gpointer data)
{
  Change change = { position, removed, added };

  g_array_append_val (data, change);
}

static void
assert_change (GArray *changes, guint index, guint position, guint removed, guint added)
{
  Change *change;

  g_assert_cmpuint (index, <, changes->len);
  change = &g_array_index (changes, Change, index);
  g_assert_cmpuint (change->position, ==, position);
  g_assert_cmpuint (change->removed, ==, removed);
  g_assert_cmpuint (change->added, ==, added);
}

static guint64
seq_at (GListModel *model, guint position)
{
  g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (model, position);

  return hap_sim_trace_entry_get_seq (entry);
}

/* ---- the trace model -------------------------------------------------------------- */

static void
test_trace_bound (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (3, 1 << 20);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autoptr(HapSimTraceModel) model = NULL;
  GListModel *list;

  /* What the trace held before the model was made is there from the start. */
  hap_sim_trace_record_session (trace, NULL, "connected");
  model = hap_sim_trace_model_new (trace);
  list = G_LIST_MODEL (model);
  g_assert_true (g_list_model_get_item_type (list) == HAP_SIM_TYPE_TRACE_ENTRY);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  g_signal_connect (model, "items-changed", G_CALLBACK (on_items_changed), changes);

  /* Below the bound: added at the end, one change each. */
  hap_sim_trace_record_session (trace, NULL, "secured");
  hap_sim_trace_record_session (trace, NULL, "closed");
  g_assert_cmpuint (changes->len, ==, 2);
  assert_change (changes, 0, 1, 0, 1);
  assert_change (changes, 1, 2, 0, 1);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 3);

  /* At the bound: the oldest goes from the start, the new one comes at the end. */
  hap_sim_trace_record_session (trace, NULL, "connected");
  g_assert_cmpuint (changes->len, ==, 4);
  assert_change (changes, 2, 0, 1, 0);
  assert_change (changes, 3, 2, 0, 1);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 3);
  g_assert_cmpuint (seq_at (list, 0), ==, 2);
  g_assert_cmpuint (seq_at (list, 2), ==, 4);
  g_assert_null (g_list_model_get_item (list, 3));

  /* Clear: everything goes at once. */
  hap_sim_trace_clear (trace);
  g_assert_cmpuint (changes->len, ==, 5);
  assert_change (changes, 4, 0, 3, 0);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);

  /* Detached: the trace goes on alone. */
  hap_sim_trace_model_detach (model);
  hap_sim_trace_record_session (trace, NULL, "connected");
  g_assert_cmpuint (changes->len, ==, 5);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
}

/* Bounded in bytes too: entries dropped for their size leave the model as well. */
static void
test_trace_bound_bytes (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (1000, 4000);
  g_autoptr(HapSimTraceModel) model = hap_sim_trace_model_new (trace);
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (HAP_HTTP_PARSE_REQUESTS);
  g_autofree char *body = g_strnfill (500, 'x');
  g_autofree char *text = g_strdup_printf ("PUT /x HTTP/1.1\r\nContent-Length: 500\r\n\r\n%s", body);
  g_autoptr(HapHttpMessage) request = NULL;
  g_autoptr(GError) error = NULL;

  hap_http_parser_push (parser, (const guint8 *) text, strlen (text));
  request = hap_http_parser_next (parser, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 20; i++)
    hap_sim_trace_record_request (trace, NULL, request);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==,
                    hap_sim_trace_get_n_entries (trace));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), <, 20);
  g_assert_cmpuint (seq_at (G_LIST_MODEL (model), g_list_model_get_n_items (G_LIST_MODEL (model)) - 1), ==, 20);
}

static gpointer
record_thread (gpointer data)
{
  for (guint i = 0; i < 10; i++)
    hap_sim_trace_record_session (data, NULL, "connected");
  return NULL;
}

/* Recorded elsewhere: nothing changes until the model's main context runs, then all of
 * it, in order. */
static void
test_trace_threads (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (100, 1 << 20);
  g_autoptr(HapSimTraceModel) model = hap_sim_trace_model_new (trace);
  GListModel *list = G_LIST_MODEL (model);
  GThread *thread;

  thread = g_thread_new ("record", record_thread, trace);
  g_thread_join (thread);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  /* Recorded here while those are queued: queued after them, not before. */
  hap_sim_trace_record_session (trace, NULL, "closed");
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 11);
  for (guint i = 0; i < 11; i++)
    g_assert_cmpuint (seq_at (list, i), ==, i + 1);
}

/* ---- typed entries: the fields, and the one serializer ----------------------------- */

static void
test_entry_fields (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (10, 1 << 20);
  g_autoptr(HapSimTraceModel) model = hap_sim_trace_model_new (trace);
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (HAP_HTTP_PARSE_REQUESTS);
  const char *request_text = "GET /characteristics?id=1.9 HTTP/1.1\r\nHost: lamp\r\n\r\n";
  const char *ok = "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/hap+json\r\n"
                   "Content-Length: 13\r\n\r\n{ \"a\" : 1 }  ";
  const char *bent = "HTTP/1.1 200 OK\nno CRLF\n\nhello";
  const guint8 pairing[] = { 0x06, 0x01, 0x02, 0x03, 0x03, 0xAA, 0xBB, 0xCC };
  g_autoptr(GByteArray) pairing_message = g_byte_array_new ();
  g_autoptr(HapHttpMessage) request = NULL;
  g_autoptr(HapHttpMessage) pair = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GError) error = NULL;
  const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/pairing+tlv8\r\n"
                     "Content-Length: 8\r\n\r\n";
  GListModel *list = G_LIST_MODEL (model);
  const HapSimTraceTlvItem *item;
  const guint8 *body;
  gsize len, length;

  hap_http_parser_push (parser, (const guint8 *) request_text, strlen (request_text));
  request = hap_http_parser_next (parser, &error);
  g_assert_no_error (error);
  hap_sim_trace_record_request (trace, NULL, request);
  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, request,
                                (const guint8 *) ok, strlen (ok));
  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RAW, NULL,
                                (const guint8 *) bent, strlen (bent));
  g_byte_array_append (pairing_message, (const guint8 *) head, strlen (head));
  g_byte_array_append (pairing_message, pairing, sizeof pairing);
  hap_http_parser_push (parser, (const guint8 *) "POST /pair-setup HTTP/1.1\r\n\r\n", 29);
  pair = hap_http_parser_next (parser, &error);
  g_assert_no_error (error);
  hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, pair,
                                pairing_message->data, pairing_message->len);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 4);

  {
    g_autoptr(HapSimTraceEntry) get = g_list_model_get_item (list, 0);

    g_assert_cmpint (hap_sim_trace_entry_get_kind (get), ==, HAP_SIM_TRACE_KIND_REQUEST);
    g_assert_cmpint (hap_sim_trace_entry_get_transport (get), ==, HAP_TRANSPORT_IP);
    g_assert_cmpstr (hap_sim_trace_entry_get_method (get), ==, "GET");
    g_assert_cmpstr (hap_sim_trace_entry_get_path (get), ==, "/characteristics");
    g_assert_cmpstr (hap_sim_trace_entry_get_query (get), ==, "id=1.9");
    g_assert_cmpuint (hap_sim_trace_entry_get_n_headers (get), ==, 1);
    g_assert_cmpstr (hap_sim_trace_entry_lookup_header (get, "HOST"), ==, "lamp");
    g_assert_cmpint (hap_sim_trace_entry_get_status (get), ==, -1);
    g_assert_cmpint (hap_sim_trace_entry_get_body_format (get), ==, HAP_SIM_TRACE_BODY_NONE);
    g_assert_false (hap_sim_trace_entry_get_session (get, NULL));
    g_assert_cmpint (hap_sim_trace_entry_get_time (get), >, 0);
    g_assert_null (hap_sim_trace_entry_get_ble_pdu (get));
  }
  {
    g_autoptr(HapSimTraceEntry) response = g_list_model_get_item (list, 1);

    g_assert_cmpint (hap_sim_trace_entry_get_status (response), ==, 207);
    g_assert_cmpstr (hap_sim_trace_entry_get_header_name (response, 0), ==, "Content-Type");
    g_assert_cmpstr (hap_sim_trace_entry_get_header_value (response, 1), ==, "13");
    g_assert_cmpint (hap_sim_trace_entry_get_body_format (response), ==, HAP_SIM_TRACE_BODY_JSON);
    body = hap_sim_trace_entry_get_body (response, &len);
    g_assert_cmpmem (body, len, "{ \"a\" : 1 }  ", 13);
    g_assert_true (hap_sim_trace_entry_get_length (response, &length));
    g_assert_cmpuint (length, ==, 13);
  }
  {
    g_autoptr(HapSimTraceEntry) raw = g_list_model_get_item (list, 2);

    /* A head that does not split: no status, the whole message is the body. */
    g_assert_cmpint (hap_sim_trace_entry_get_status (raw), ==, -1);
    g_assert_cmpuint (hap_sim_trace_entry_get_n_headers (raw), ==, 0);
    g_assert_cmpint (hap_sim_trace_entry_get_body_format (raw), ==, HAP_SIM_TRACE_BODY_TEXT);
    body = hap_sim_trace_entry_get_body (raw, &len);
    g_assert_cmpmem (body, len, bent, strlen (bent));
  }
  {
    g_autoptr(HapSimTraceEntry) m2 = g_list_model_get_item (list, 3);

    /* Pairing: the items, the secret as its length; no body bytes. */
    g_assert_true (hap_sim_trace_entry_has_tlv (m2));
    g_assert_cmpint (hap_sim_trace_entry_get_body_format (m2), ==, HAP_SIM_TRACE_BODY_NONE);
    g_assert_null (hap_sim_trace_entry_get_body (m2, &len));
    g_assert_cmpuint (hap_sim_trace_entry_get_n_tlv_items (m2), ==, 2);
    item = hap_sim_trace_entry_get_tlv_item (m2, 0);
    g_assert_cmpstr (hap_sim_trace_tlv_type_name (item->type), ==, "State");
    g_assert_cmpint (item->show, ==, HAP_SIM_TRACE_TLV_NUMBER);
    g_assert_cmpuint (item->number, ==, 2);
    item = hap_sim_trace_entry_get_tlv_item (m2, 1);
    g_assert_cmpstr (hap_sim_trace_tlv_type_name (item->type), ==, "PublicKey");
    g_assert_cmpint (item->show, ==, HAP_SIM_TRACE_TLV_REDACTED);
    g_assert_cmpuint (item->length, ==, 3);
    g_assert_null (item->text);
    g_assert_true (hap_sim_trace_entry_get_length (m2, &length));
    g_assert_cmpuint (length, ==, sizeof pairing);
  }

  /* The control API's lines are the entries' own serialization. */
  lines = hap_sim_trace_dup_lines (trace, 0, 0);
  g_assert_cmpuint (lines->len, ==, 4);
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (list, i);
      g_autofree char *line = hap_sim_trace_entry_to_json (entry);

      g_assert_cmpstr (line, ==, g_ptr_array_index (lines, i));
    }
  g_ptr_array_set_free_func (lines, g_free);
}

/* ---- pairings and sessions of an accessory ---------------------------------------- */

typedef struct
{
  GArray *pairing_changes;
  GArray *session_changes;
  guint   n_pairings;
  guint   n_sessions;
  char   *admin_id;
  gboolean admin;
  char   *fingerprint;
  gint64  added;
  char   *session_controller;
  GVariant *listed;
} Watch;

static void
watch_connect (HapSimAccessory *accessory, gpointer data)
{
  Watch *watch = data;

  g_signal_connect (hap_sim_accessory_get_pairings (accessory), "items-changed",
                    G_CALLBACK (on_items_changed), watch->pairing_changes);
  g_signal_connect (hap_sim_accessory_get_sessions (accessory), "items-changed",
                    G_CALLBACK (on_items_changed), watch->session_changes);
}

static void
watch_read (HapSimAccessory *accessory, gpointer data)
{
  Watch *watch = data;
  GListModel *pairings = hap_sim_accessory_get_pairings (accessory);
  GListModel *sessions = hap_sim_accessory_get_sessions (accessory);

  watch->n_pairings = g_list_model_get_n_items (pairings);
  watch->n_sessions = g_list_model_get_n_items (sessions);
  g_clear_pointer (&watch->admin_id, g_free);
  g_clear_pointer (&watch->fingerprint, g_free);
  g_clear_pointer (&watch->session_controller, g_free);
  if (watch->n_pairings > 0)
    {
      g_autoptr(HapSimPairing) pairing = g_list_model_get_item (pairings, 0);

      watch->admin_id = g_strdup (hap_sim_pairing_get_controller_id (pairing));
      watch->admin = hap_sim_pairing_get_admin (pairing);
      watch->fingerprint = g_strdup (hap_sim_pairing_get_fingerprint (pairing));
      watch->added = hap_sim_pairing_get_added (pairing);
    }
  if (watch->n_sessions > 0)
    {
      g_autoptr(HapSimSession) session = g_list_model_get_item (sessions, 0);

      watch->session_controller = g_strdup (hap_sim_session_get_controller_id (session));
    }
}

static void
watch_list (HapSimAccessory *accessory, gpointer data)
{
  Watch *watch = data;

  g_clear_pointer (&watch->listed, g_variant_unref);
  watch->listed = g_variant_ref_sink (hap_sim_inspect_pairings (accessory));
}

/* Until the models have @pairings and @sessions items and (when not NULL) the first
 * session is of @controller: the models follow the server from an idle callback, and a
 * session is listed as soon as it connects, before Pair Verify. */
static void
wait_for_models (SimFixture *fx, Watch *watch, guint pairings, guint sessions,
                 const char *controller)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      sim_fixture_invoke (fx, watch_read, watch);
      if (watch->n_pairings == pairings && watch->n_sessions == sessions &&
          (controller == NULL || g_strcmp0 (watch->session_controller, controller) == 0))
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("waited for %u pairings and %u sessions (%s), have %u and %u (%s)",
                 pairings, sessions, controller ?: "any", watch->n_pairings, watch->n_sessions,
                 watch->session_controller ?: "none");
      g_usleep (10 * 1000);
    }
}

static void
test_pairings (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  Watch watch = { g_array_new (FALSE, FALSE, sizeof (Change)),
                  g_array_new (FALSE, FALSE, sizeof (Change)) };
  guint8 key[32] = { 1, 2, 3 };
  HapTestClient *client;
  GVariantIter iter;
  GVariant *dict;
  const char *id;
  gboolean admin;

  sim_fixture_invoke (fx, watch_connect, &watch);
  wait_for_models (fx, &watch, 0, 0, NULL);

  /* Pair and verify: one pairing, the admin's; one session, verified. */
  client = sim_fixture_connect_paired (fx);
  wait_for_models (fx, &watch, 1, 1, hap_test_client_get_id (client));
  g_assert_cmpstr (watch.admin_id, ==, hap_test_client_get_id (client));
  g_assert_true (watch.admin);
  g_assert_cmpuint (strlen (watch.fingerprint), ==, 16 * 3 - 1);
  g_assert_cmpint (watch.added, >, 0);
  assert_change (watch.pairing_changes, 0, 0, 0, 1);

  /* Another controller added, then removed: the model follows, one item at a time. */
  g_assert_cmpint (hap_test_client_add_pairing (client, "models-user", key, FALSE), ==, 0);
  wait_for_models (fx, &watch, 2, 1, NULL);
  g_assert_cmpuint (watch.pairing_changes->len, ==, 2);
  assert_change (watch.pairing_changes, 1, 1, 0, 1);

  /* The control API lists the same objects. */
  sim_fixture_invoke (fx, watch_list, &watch);
  g_assert_cmpuint (g_variant_n_children (watch.listed), ==, 2);
  g_variant_iter_init (&iter, watch.listed);
  g_assert_true (g_variant_iter_next (&iter, "@a{sv}", &dict));
  g_assert_true (g_variant_lookup (dict, "controller-id", "&s", &id));
  g_assert_cmpstr (id, ==, hap_test_client_get_id (client));
  g_variant_unref (dict);
  g_assert_true (g_variant_iter_next (&iter, "@a{sv}", &dict));
  g_assert_true (g_variant_lookup (dict, "controller-id", "&s", &id));
  g_assert_cmpstr (id, ==, "models-user");
  g_assert_true (g_variant_lookup (dict, "admin", "b", &admin));
  g_assert_false (admin);
  g_variant_unref (dict);

  g_assert_cmpint (hap_test_client_remove_pairing (client, "models-user"), ==, 0);
  wait_for_models (fx, &watch, 1, 1, NULL);
  g_assert_cmpuint (watch.pairing_changes->len, ==, 3);
  assert_change (watch.pairing_changes, 2, 1, 1, 0);

  /* The session goes when the controller leaves. */
  hap_test_client_free (client);
  wait_for_models (fx, &watch, 1, 0, NULL);
  assert_change (watch.session_changes, watch.session_changes->len - 1, 0, 1, 0);

  sim_fixture_stop (fx);
  g_array_unref (watch.pairing_changes);
  g_array_unref (watch.session_changes);
  g_free (watch.admin_id);
  g_free (watch.fingerprint);
  g_free (watch.session_controller);
  g_clear_pointer (&watch.listed, g_variant_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/models/trace/bound", test_trace_bound);
  g_test_add_func ("/models/trace/bound-bytes", test_trace_bound_bytes);
  g_test_add_func ("/models/trace/threads", test_trace_threads);
  g_test_add_func ("/models/trace/entry-fields", test_entry_fields);
  g_test_add_func ("/models/pairings", test_pairings);
  return g_test_run ();
}
