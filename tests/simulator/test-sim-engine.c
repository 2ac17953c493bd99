/* test-sim-engine.c — the engine's life cycle, values, pairings, quirk catalog and the
 * accessory file's "simulator" section
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <glib/gstdio.h>

#include "hap-sim-engine.h"
#include "hap-sim-error.h"
#include "sim-fixture.h"

static const char lamp_json[] =
  "{\"accessories\":[{\"name\":\"Lamp\",\"services\":[{\"type\":\"Lightbulb\",\"characteristics\":["
  "{\"type\":\"On\",\"value\":false},{\"type\":\"Brightness\",\"value\":50}]}]}]}";

/* ---- the quirk catalog ------------------------------------------------------------- */

static void
test_catalog (void)
{
  guint n, per_layer[HAP_SIM_LAYER_BLE + 1] = { 0 };
  const HapSimQuirkInfo * const *all = hap_sim_quirk_catalog (&n);
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  static const char * const prefixes[] = { "txt-", "http-", "tlv-", "json-", "val-", "ev-", "fault-", "ble-" };

  /* Issue 4: at least 30 quirks, every IP layer of simulator/QUIRKS.md, plus faults. */
  g_assert_cmpuint (n, >=, 30);
  for (guint i = 0; i < n; i++)
    {
      const HapSimQuirkInfo *q = all[i];

      g_assert_true (g_str_has_prefix (q->name, prefixes[q->layer]));
      g_assert_false (g_hash_table_contains (names, q->name));
      g_hash_table_add (names, (gpointer) q->name);
      g_assert_nonnull (q->description);
      g_assert_null (strchr (q->description, '\n'));
      g_assert_cmpuint (strlen (q->description), >, 10);
      g_assert_true (hap_sim_quirk_lookup (q->name) == q);
      if (i > 0)
        g_assert_cmpint (all[i - 1]->layer, <=, q->layer);
      for (const HapSimQuirkParam *p = q->params; p != NULL && p->name != NULL; p++)
        {
          g_assert_nonnull (p->description);
          g_assert_nonnull (p->default_value);
        }
      per_layer[q->layer]++;
    }
  for (guint l = 0; l <= HAP_SIM_LAYER_BLE; l++)
    {
      if (per_layer[l] == 0)
        g_test_message ("no quirk in layer %s", hap_sim_layer_to_string (l));
      g_assert_cmpuint (per_layer[l], >, 0);
    }
  g_assert_null (hap_sim_quirk_lookup ("no-such-quirk"));
}

/* Parameters: defaults, conversion from other types and text, range and name errors. */
static void
test_quirk_params (void)
{
  static const HapSimQuirkParam params[] = {
    { "delay-ms", HAP_SIM_PARAM_UINT, "a delay", "250", 0, 60000, NULL },
    { "mode", HAP_SIM_PARAM_STRING, "a mode", "close", 0, 0, "close|hang" },
    { "ratio", HAP_SIM_PARAM_DOUBLE, "a ratio", "0.5", 0, 1, NULL },
    { "strict", HAP_SIM_PARAM_BOOL, "strict", "true", 0, 0, NULL },
    { NULL }
  };
  static const HapSimQuirkInfo info = { "fault-test", HAP_SIM_LAYER_FAULT, "A test quirk (no device)", 0, params };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) dup = NULL;
  g_autofree char *printed = NULL;
  HapSimQuirk *quirk;

  quirk = hap_sim_quirk_new (&info, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "delay-ms"), ==, 250);
  g_assert_cmpstr (hap_sim_quirk_get_string (quirk, "mode"), ==, "close");
  g_assert_cmpfloat (hap_sim_quirk_get_double (quirk, "ratio"), ==, 0.5);
  g_assert_true (hap_sim_quirk_get_bool (quirk, "strict"));
  dup = hap_sim_quirk_dup_params (quirk);
  printed = g_variant_print (dup, FALSE);
  g_assert_cmpstr (printed, ==,
                   "{'delay-ms': <uint32 250>, 'mode': <'close'>, 'ratio': <0.5>, 'strict': <true>}");
  hap_sim_quirk_free (quirk);

  quirk = hap_sim_quirk_new (&info, NULL,
                             g_variant_new_parsed ("{'delay-ms': <int64 3000>, 'mode': <'hang'>, "
                                                   "'ratio': <'0.25'>, 'strict': <'off'>}"), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "delay-ms"), ==, 3000);
  g_assert_cmpstr (hap_sim_quirk_get_string (quirk, "mode"), ==, "hang");
  g_assert_cmpfloat (hap_sim_quirk_get_double (quirk, "ratio"), ==, 0.25);
  g_assert_false (hap_sim_quirk_get_bool (quirk, "strict"));
  hap_sim_quirk_free (quirk);

  g_assert_null (hap_sim_quirk_new (&info, NULL, g_variant_new_parsed ("{'delay-ms': <70000>}"), &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "delay-ms"));
  g_clear_error (&error);
  g_assert_null (hap_sim_quirk_new (&info, NULL, g_variant_new_parsed ("{'delay-ms': <1.5>}"), &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (hap_sim_quirk_new (&info, NULL, g_variant_new_parsed ("{'mode': <'explode'>}"), &error));
  g_assert_nonnull (strstr (error->message, "close|hang"));
  g_clear_error (&error);
  g_assert_null (hap_sim_quirk_new (&info, NULL, g_variant_new_parsed ("{'colour': <'red'>}"), &error));
  g_assert_nonnull (strstr (error->message, "no parameter “colour”"));
  g_clear_error (&error);
}

/* A whole number where text is wanted (an iid typed on the command line) is its digits;
 * a fraction is refused: 1.10 arrives as 1.1, and its text would name something else. */
static void
test_quirk_text_params (void)
{
  static const HapSimQuirkParam params[] = {
    { "which", HAP_SIM_PARAM_STRING, "any text", "", 0, 0, NULL },
    { NULL }
  };
  static const HapSimQuirkInfo info = { "fault-text", HAP_SIM_LAYER_FAULT, "A test quirk (no device)", 0, params };
  static const struct { const char *given; const char *text; } numbers[] = {
    { "{'which': <int64 83>}", "83" },
    { "{'which': <uint16 65535>}", "65535" },
    { "{'which': <int32 -1>}", "-1" },
    { "{'which': <uint64 18446744073709551615>}", "18446744073709551615" },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      HapSimQuirk *quirk = hap_sim_quirk_new (&info, NULL, g_variant_new_parsed (numbers[i].given), &error);

      g_assert_no_error (error);
      g_assert_cmpstr (hap_sim_quirk_get_string (quirk, "which"), ==, numbers[i].text);
      hap_sim_quirk_free (quirk);
    }
  g_assert_null (hap_sim_quirk_new (&info, NULL, g_variant_new_parsed ("{'which': <1.1>}"), &error));
  g_assert_nonnull (strstr (error->message, "expected a string"));
  g_clear_error (&error);
  g_assert_null (hap_sim_quirk_new (&info, NULL, g_variant_new_parsed ("{'which': <true>}"), &error));
  g_assert_nonnull (strstr (error->message, "expected a string"));
}

/* ---- the "simulator" section of accessory files ------------------------------------ */

static char *
write_temp (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_file_section (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sim-engine-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autoptr(GError) error = NULL;
  static const struct { const char *text; const char *message; } broken[] = {
    { "{\"accessories\":[{\"name\":\"A\",\"services\":[]}],\n \"simulator\":{\"quirks\":{\"no-such\":{}}}}",
      ":2:25: simulator.quirks.no-such: unknown quirk “no-such”" },
    { "{\"accessories\":[{\"name\":\"A\",\"services\":[]}],\n \"simulator\":{\"colour\":1}}",
      ":2:15: simulator.colour: unknown key “colour”" },
    { "{\"accessories\":[{\"name\":\"A\",\"services\":[]}],\n \"simulator\":[]}",
      ":2:14: simulator: expected an object" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *file = write_temp (dir, "broken.json", broken[i].text);
      HapSimAccessory *acc = hap_sim_accessory_new_from_file ("broken", file, state, NULL, &error);

      g_assert_null (acc);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, file));
      g_assert_nonnull (strstr (error->message, broken[i].message));
      g_clear_error (&error);
    }
  {
    g_autofree char *file = g_build_filename (dir, "broken.json", NULL);
    g_unlink (file);
  }
  g_rmdir (dir);
}

/* A quirk declared in the file is on from the start, with its parameters. */
static void
test_file_quirks (void)
{
  guint n;
  const HapSimQuirkInfo * const *all = hap_sim_quirk_catalog (&n);
  const HapSimQuirkInfo *with_params = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sim-engine-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autofree char *text = NULL, *file = NULL;
  g_autoptr(HapSimAccessory) acc = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) params = NULL;
  HapSimQuirk *quirk;

  for (guint i = 0; i < n && with_params == NULL; i++)
    if (all[i]->params != NULL && all[i]->params[0].name != NULL &&
        all[i]->params[0].type == HAP_SIM_PARAM_UINT)
      with_params = all[i];
  g_assert_nonnull (with_params);

  text = g_strdup_printf ("{\"accessories\":[{\"name\":\"A\",\"services\":[]}],"
                          "\"simulator\":{\"quirks\":{\"%s\":{\"%s\":%s}}}}", with_params->name,
                          with_params->params[0].name, with_params->params[0].default_value);
  file = write_temp (dir, "quirky.json", text);
  acc = hap_sim_accessory_new_from_file ("quirky", file, state, NULL, &error);
  g_assert_no_error (error);
  quirk = hap_sim_accessory_get_quirk (acc, with_params->name);
  g_assert_nonnull (quirk);
  params = hap_sim_quirk_dup_params (quirk);
  g_assert_true (g_variant_lookup (params, with_params->params[0].name, "u", NULL));
  g_assert_cmpuint (hap_sim_accessory_get_quirks (acc)->len, ==, 1);
  g_assert_true (hap_sim_accessory_disable_quirk (acc, with_params->name, &error));
  g_assert_false (hap_sim_accessory_disable_quirk (acc, with_params->name, &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND);
  g_clear_object (&acc);
  g_unlink (file);
  g_rmdir (dir);
}

/* ---- life cycle over real sockets -------------------------------------------------- */

static gboolean
port_answers (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;

  g_socket_client_set_timeout (client, 2);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  return conn != NULL;
}

static void
spin_until (gboolean *flag, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (1000);
}

static gboolean
set_true (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_engine_life_cycle (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sim-engine-XXXXXX", NULL);
  g_autofree char *ws = g_build_filename (dir, "workspace", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autoptr(HapSimEngine) engine = hap_sim_engine_new (state);
  g_autoptr(GError) error = NULL;
  HapSimAccessory *a, *b, *c;
  guint16 port_a, port_b;
  gboolean waited = FALSE;

  g_mkdir (ws, 0700);
  g_free (write_temp (ws, "lamp2.json", lamp_json));
  g_free (write_temp (ws, "lamp.json", lamp_json));
  hap_sim_engine_set_advertise (engine, FALSE);
  hap_sim_engine_set_bind_address (engine, "127.0.0.1");
  g_assert_true (hap_sim_engine_add_workspace (engine, ws, TRUE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hap_sim_engine_get_accessories (engine)->len, ==, 2);

  a = hap_sim_engine_lookup (engine, "lamp", &error);
  b = hap_sim_engine_lookup (engine, "lamp2", &error);
  g_assert_no_error (error);
  /* Sorted by file name, whatever order the directory lists them in. */
  g_assert_true (g_ptr_array_index (hap_sim_engine_get_accessories (engine), 0) == a);
  g_assert_true (g_ptr_array_index (hap_sim_engine_get_accessories (engine), 1) == b);
  g_assert_cmpint (hap_sim_accessory_get_state (a), ==, HAP_SIM_STATE_RUNNING);
  port_a = hap_accessory_server_get_port (hap_sim_accessory_get_server (a));
  port_b = hap_accessory_server_get_port (hap_sim_accessory_get_server (b));
  g_assert_true (port_answers (port_a));
  g_assert_true (port_answers (port_b));
  /* By device ID too. */
  g_assert_true (hap_sim_engine_lookup (engine, hap_accessory_server_get_device_id (hap_sim_accessory_get_server (b)),
                                        NULL) == b);
  g_assert_null (hap_sim_engine_lookup (engine, "nope", &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Stopping one leaves the other serving. */
  hap_sim_accessory_stop (a);
  g_assert_cmpint (hap_sim_accessory_get_state (a), ==, HAP_SIM_STATE_STOPPED);
  g_assert_null (hap_sim_accessory_get_server (a));
  g_assert_false (port_answers (port_a));
  g_assert_true (port_answers (port_b));
  g_assert_true (hap_sim_accessory_start (a, &error));
  g_assert_cmpuint (hap_accessory_server_get_port (hap_sim_accessory_get_server (a)), ==, port_a);

  /* A power cycle: off, then back on the same port. */
  hap_sim_accessory_power_cycle (a, 100);
  g_assert_false (port_answers (port_a));
  g_timeout_add (400, set_true, &waited);
  spin_until (&waited, 5000);
  g_assert_cmpint (hap_sim_accessory_get_state (a), ==, HAP_SIM_STATE_RUNNING);
  g_assert_true (port_answers (port_a));

  /* A restart on a new listener: another port, although the server keeps its last one
   * for port 0, and although the next port is taken here. */
  {
    g_autoptr(GSocket) taken = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
    guint16 next = (guint16) (port_a < 65535 ? port_a + 1 : 1024);
    g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, next);
    guint16 now;

    /* Taken by us, or already by someone else (the other accessory): busy either way. */
    if (g_socket_bind (taken, address, FALSE, NULL))
      g_assert_true (g_socket_listen (taken, NULL));

    g_assert_true (hap_sim_accessory_restart (a, TRUE, &error));
    g_assert_no_error (error);
    now = hap_accessory_server_get_port (hap_sim_accessory_get_server (a));
    g_assert_cmpuint (now, !=, port_a);
    g_assert_cmpuint (now, !=, next);
  }

  /* Added at run time with a unique id; removed without touching the others. */
  {
    g_autofree char *file = g_build_filename (ws, "lamp.json", NULL);
    c = hap_sim_engine_add_file (engine, file, TRUE, &error);
  }
  g_assert_no_error (error);
  g_assert_cmpstr (hap_sim_accessory_get_id (c), ==, "lamp-2");
  g_assert_true (hap_sim_engine_remove (engine, "lamp-2", &error));
  g_assert_cmpuint (hap_sim_engine_get_accessories (engine)->len, ==, 2);
  g_assert_true (port_answers (port_b));
  g_assert_false (hap_sim_engine_remove (engine, "lamp-2", &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A broken file in a workspace adds nothing. */
  {
    g_autoptr(HapSimEngine) other = hap_sim_engine_new (state);
    g_free (write_temp (ws, "zz-broken.json", "{\"accessories\":[]}"));
    hap_sim_engine_set_advertise (other, FALSE);
    g_assert_false (hap_sim_engine_add_workspace (other, ws, FALSE, &error));
    g_assert_nonnull (strstr (error->message, "zz-broken.json:1:"));
    g_assert_cmpuint (hap_sim_engine_get_accessories (other)->len, ==, 0);
    g_clear_error (&error);
  }
  hap_sim_engine_stop_all (engine);
}

/* ---- values, characteristic specs, pairings, factory reset over the fixture --------- */

typedef struct
{
  const char *spec;
  GVariant   *value;
  gboolean    ok;
  GError     *error;
  char       *origin;
  guint       changes;
} SetCall;

static void
on_changed (HapSimAccessory *acc, HapCharacteristic *c, GVariant *value, const char *origin, gpointer data)
{
  SetCall *call = data;

  g_free (call->origin);
  call->origin = g_strdup (origin);
  call->changes++;
}

static void
do_set (HapSimAccessory *acc, gpointer data)
{
  SetCall *call = data;
  HapCharacteristic *c = hap_sim_accessory_find (acc, call->spec, &call->error);
  gulong id;

  if (c == NULL)
    return;
  id = g_signal_connect (acc, "value-changed", G_CALLBACK (on_changed), call);
  call->ok = hap_sim_accessory_set_value (acc, c, call->value, &call->error);
  g_signal_handler_disconnect (acc, id);
}

static void
test_set_value_events (void)
{
  SimFixture *fx = sim_fixture_start (NULL, lamp_json);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapHttpMessage) response = NULL;
  g_autoptr(HapHttpMessage) event = NULL;
  guint64 iid = hap_test_client_find_iid (client, 1, "8");   /* Brightness */
  g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", iid);
  g_autofree char *expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":80}]}", iid);
  SetCall call = { "Lightbulb/Brightness", NULL, FALSE, NULL, NULL, 0 };

  response = hap_test_client_request (client, "PUT", "/characteristics", "application/hap+json", body, strlen (body));
  g_assert_cmpuint (response->status, ==, 204);

  /* A D-Bus style int64 for a uint8 percentage: converted, set, sent as an event. */
  call.value = g_variant_new_int64 (80);
  sim_fixture_invoke (fx, do_set, &call);
  g_assert_no_error (call.error);
  g_assert_true (call.ok);
  g_assert_cmpstr (call.origin, ==, "api");
  event = hap_test_client_wait_event (client, 2000);
  g_assert_nonnull (event);
  g_assert_cmpmem (g_bytes_get_data (event->body, NULL), g_bytes_get_size (event->body), expected, strlen (expected));

  /* Out of range: refused, value kept, no event. */
  g_clear_pointer (&call.origin, g_free);
  call.value = g_variant_new_int64 (101);
  sim_fixture_invoke (fx, do_set, &call);
  g_assert_error (call.error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&call.error);
  g_assert_null (hap_test_client_wait_event (client, 300));

  /* Specs: aid.iid, unknown names. */
  {
    g_autofree char *spec = g_strdup_printf ("1.%" G_GUINT64_FORMAT, iid);
    SetCall by_iid = { spec, g_variant_new_double (30.0), FALSE, NULL, NULL, 0 };
    SetCall unknown = { "Lightbulb/Hue", g_variant_new_int64 (1), FALSE, NULL, NULL, 0 };
    SetCall bad_bool = { "Lightbulb/On", g_variant_new_string ("yes"), FALSE, NULL, NULL, 0 };
    SetCall good_bool = { "Lightbulb/On", g_variant_new_int64 (1), FALSE, NULL, NULL, 0 };

    sim_fixture_invoke (fx, do_set, &by_iid);
    g_assert_no_error (by_iid.error);
    g_assert_cmpuint (by_iid.changes, ==, 1);
    g_free (by_iid.origin);
    sim_fixture_invoke (fx, do_set, &unknown);
    g_assert_error (unknown.error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND);
    g_clear_error (&unknown.error);
    g_variant_unref (g_variant_ref_sink (unknown.value));
    sim_fixture_invoke (fx, do_set, &bad_bool);
    g_assert_error (bad_bool.error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT);
    g_clear_error (&bad_bool.error);
    sim_fixture_invoke (fx, do_set, &good_bool);
    g_assert_no_error (good_bool.error);
    g_free (good_bool.origin);
  }
  g_free (call.origin);
  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

typedef struct
{
  char   *controller;
  guint   n_pairings;
  gint64  added;
  gboolean removed;
  GError *error;
} PairingCall;

static void
do_list_pairings (HapSimAccessory *acc, gpointer data)
{
  PairingCall *call = data;
  GPtrArray *pairings = hap_accessory_server_get_pairings (hap_sim_accessory_get_server (acc));

  call->n_pairings = pairings->len;
  if (pairings->len > 0)
    {
      HapPairing *first = g_ptr_array_index (pairings, 0);
      call->controller = g_strdup (first->identifier);
      call->added = first->added;
    }
}

static void
do_remove_pairing (HapSimAccessory *acc, gpointer data)
{
  PairingCall *call = data;

  call->removed = hap_accessory_server_remove_pairing (hap_sim_accessory_get_server (acc), call->controller,
                                                       &call->error);
}

static void
do_factory_reset (HapSimAccessory *acc, gpointer data)
{
  PairingCall *call = data;

  call->removed = hap_sim_accessory_factory_reset (acc, &call->error);
}

static void
test_pairings_and_reset (void)
{
  SimFixture *fx = sim_fixture_start (NULL, lamp_json);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  PairingCall call = { 0 };
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  sim_fixture_invoke (fx, do_list_pairings, &call);
  g_assert_cmpuint (call.n_pairings, ==, 1);
  g_assert_cmpstr (call.controller, ==, "sim-fixture-admin");
  g_assert_cmpint (call.added, >=, now - 60);
  g_assert_cmpint (call.added, <=, now + 1);

  /* Removing the pairing closes that controller's session (docs/protocol.md §3.5). */
  sim_fixture_invoke (fx, do_remove_pairing, &call);
  g_assert_no_error (call.error);
  g_assert_true (call.removed);
  g_assert_true (hap_test_client_wait_closed (client, 2000));
  sim_fixture_invoke (fx, do_remove_pairing, &call);
  g_assert_false (call.removed);
  g_assert_nonnull (call.error);
  g_clear_error (&call.error);
  g_free (call.controller);

  /* A factory reset wipes the identity: a new device ID, and it serves again. */
  {
    g_autoptr(HapTestClient) guest = sim_fixture_connect (fx);

    sim_fixture_invoke (fx, do_factory_reset, &call);
    g_assert_no_error (call.error);
    g_assert_true (call.removed);
    g_assert_true (hap_test_client_wait_closed (guest, 2000));
  }
  sim_fixture_stop (fx);
}

static void
do_identify (HapSimAccessory *acc, gpointer data)
{
  hap_sim_accessory_identify (acc);
  *(GVariant **) data = hap_sim_accessory_dup_identify_log (acc);
}

static void
test_identify_log (void)
{
  SimFixture *fx = sim_fixture_start (NULL, lamp_json);
  g_autoptr(HapTestClient) guest = sim_fixture_connect (fx);
  g_autoptr(HapHttpMessage) response = NULL;
  g_autoptr(GVariant) log = NULL;
  g_autoptr(GVariant) first = NULL, second = NULL;
  const char *source;

  response = hap_test_client_request (guest, "POST", "/identify", NULL, NULL, 0);
  g_assert_cmpuint (response->status, ==, 204);
  sim_fixture_invoke (fx, do_identify, &log);
  g_assert_cmpuint (g_variant_n_children (log), ==, 2);
  first = g_variant_get_child_value (log, 0);
  second = g_variant_get_child_value (log, 1);
  g_assert_true (g_variant_lookup (first, "source", "&s", &source));
  g_assert_cmpstr (source, ==, "controller");
  g_assert_true (g_variant_lookup (second, "source", "&s", &source));
  g_assert_cmpstr (source, ==, "api");
  g_assert_true (g_variant_lookup (second, "accessory", "&s", &source));
  g_assert_cmpstr (source, ==, "Lamp");
  sim_fixture_stop (fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sim-engine/catalog", test_catalog);
  g_test_add_func ("/sim-engine/quirk-params", test_quirk_params);
  g_test_add_func ("/sim-engine/quirk-text-params", test_quirk_text_params);
  g_test_add_func ("/sim-engine/file-section", test_file_section);
  g_test_add_func ("/sim-engine/file-quirks", test_file_quirks);
  g_test_add_func ("/sim-engine/life-cycle", test_engine_life_cycle);
  g_test_add_func ("/sim-engine/set-value-events", test_set_value_events);
  g_test_add_func ("/sim-engine/pairings-and-reset", test_pairings_and_reset);
  g_test_add_func ("/sim-engine/identify-log", test_identify_log);
  return g_test_run ();
}
