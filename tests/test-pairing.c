/* test-pairing.c — pairing, sessions, events and timed writes against a real server on
 * loopback, driven by the test controller in hap-test-client.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "hap-test-client.h"
#include "hap-tlv8-private.h"

static const char *LAMP =
  "{\"accessories\":[{\"name\":\"Test Lamp\",\"category\":\"LIGHTBULB\",\"services\":["
  "{\"type\":\"Lightbulb\",\"primary\":true,\"characteristics\":["
  "{\"type\":\"On\",\"value\":false},{\"type\":\"Brightness\",\"value\":50}]},"
  "{\"type\":\"LockMechanism\",\"characteristics\":["
  "{\"type\":\"LockTargetState\",\"perms\":[\"pr\",\"pw\",\"ev\",\"tw\"]}]},"
  "{\"type\":\"StatelessProgrammableSwitch\"}]}]}";

typedef struct
{
  char          *dir;
  HapTestServer *server;
  HapTestClient *admin;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("hap-test-XXXXXX", NULL);
  f->server = hap_test_server_start (NULL, LAMP, f->dir);
  f->admin = hap_test_client_new ("11111111-2222-3333-4444-555555555555");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  hap_test_client_free (f->admin);
  if (f->server != NULL)
    hap_test_server_stop (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static guint16
port (Fixture *f)
{
  return hap_test_server_get_port (f->server);
}

/* Pairs f->admin and leaves it connected with a verified session. */
static void
pair_admin (Fixture *f)
{
  hap_test_client_connect (f->admin, port (f));
  g_assert_cmpint (hap_test_client_pair_setup (f->admin, HAP_TEST_SETUP_CODE, 0), ==, 0);
  g_assert_cmpint (hap_test_client_pair_verify (f->admin), ==, 0);
}

static HapTestClient *
verified_client (Fixture *f, HapTestClient *identity)
{
  HapTestClient *c = hap_test_client_clone (identity);

  hap_test_client_connect (c, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (c), ==, 0);
  return c;
}

static char *
get_value_json (HapTestClient *c, guint64 iid, guint *http_status)
{
  g_autofree char *target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, iid);
  g_autoptr(HapHttpMessage) r = hap_test_client_request (c, "GET", target, NULL, NULL, 0);

  g_assert_nonnull (r);
  *http_status = r->status;
  return g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
}

static guint
put_json (HapTestClient *c, const char *json, char **body)
{
  g_autoptr(HapHttpMessage) r = hap_test_client_request (c, "PUT", "/characteristics",
                                                         "application/hap+json", json, strlen (json));
  g_assert_nonnull (r);
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
  return r->status;
}

static void
test_setup_verify_read_write (Fixture *f, gconstpointer data)
{
  guint64 on, bri;
  guint status;
  g_autofree char *json = NULL;
  g_autofree char *put = NULL;

  pair_admin (f);
  on = hap_test_client_find_iid (f->admin, 1, "25");
  bri = hap_test_client_find_iid (f->admin, 1, "8");

  json = get_value_json (f->admin, bri, &status);
  g_assert_cmpuint (status, ==, 200);
  {
    g_autofree char *expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":50}]}", bri);
    g_assert_cmpstr (json, ==, expected);
  }

  put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":true},"
                         "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":75}]}", on, bri);
  g_assert_cmpuint (put_json (f->admin, put, NULL), ==, 204);
  g_free (json);
  json = get_value_json (f->admin, bri, &status);
  g_assert_nonnull (strstr (json, "\"value\":75"));
  g_free (json);
  json = get_value_json (f->admin, on, &status);
  g_assert_nonnull (strstr (json, "\"value\":true"));
}

static void
test_write_response (Fixture *f, gconstpointer data)
{
  guint64 bri;
  g_autofree char *put = NULL;
  g_autofree char *body = NULL;

  pair_admin (f);
  bri = hap_test_client_find_iid (f->admin, 1, "8");
  /* docs/protocol.md §4.6: "r" asks for the value back → 207 with status and value. */
  put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":33,\"r\":true}]}", bri);
  g_assert_cmpuint (put_json (f->admin, put, &body), ==, 207);
  g_assert_nonnull (strstr (body, "\"value\":33"));
  g_assert_nonnull (strstr (body, "\"status\":0"));
}

static void
test_get_flags (Fixture *f, gconstpointer data)
{
  guint64 bri;
  g_autofree char *target = NULL;
  g_autoptr(HapHttpMessage) r = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *ch;

  pair_admin (f);
  bri = hap_test_client_find_iid (f->admin, 1, "8");
  target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT "&meta=1&perms=1&type=1&ev=1", bri);
  r = hap_test_client_request (f->admin, "GET", target, NULL, NULL, 0);
  g_assert_cmpuint (r->status, ==, 200);
  root = hap_test_parse_json (r);
  ch = json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "characteristics"), 0);
  g_assert_cmpstr (json_object_get_string_member (ch, "type"), ==, "8");
  g_assert_cmpstr (json_object_get_string_member (ch, "format"), ==, "int");
  g_assert_cmpint (json_object_get_int_member (ch, "maxValue"), ==, 100);
  g_assert_cmpstr (json_object_get_string_member (ch, "unit"), ==, "percentage");
  g_assert_false (json_object_get_boolean_member (ch, "ev"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (ch, "perms")), ==, 3);
}

static void
test_events (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) a = NULL;
  g_autoptr(HapTestClient) b = NULL;
  g_autoptr(HapHttpMessage) ev = NULL;
  g_autoptr(HapHttpMessage) none = NULL;
  guint64 bri;
  g_autofree char *sub = NULL;
  g_autofree char *put = NULL;
  g_autofree char *body = NULL;

  pair_admin (f);
  bri = hap_test_client_find_iid (f->admin, 1, "8");
  a = verified_client (f, f->admin);
  b = verified_client (f, f->admin);

  sub = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", bri);
  g_assert_cmpuint (put_json (a, sub, NULL), ==, 204);
  g_assert_cmpuint (put_json (b, sub, NULL), ==, 204);

  /* B writes: A gets an EVENT, B (the writer) does not (docs/protocol.md §4.6). */
  put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":12}]}", bri);
  g_assert_cmpuint (put_json (b, put, NULL), ==, 204);
  ev = hap_test_client_wait_event (a, 2000);
  g_assert_nonnull (ev);
  g_assert_true (ev->is_event);
  g_assert_cmpstr (hap_http_message_get_header (ev, "Content-Type"), ==, "application/hap+json");
  body = g_strndup (g_bytes_get_data (ev->body, NULL), g_bytes_get_size (ev->body));
  {
    g_autofree char *expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":12}]}", bri);
    g_assert_cmpstr (body, ==, expected);
  }
  none = hap_test_client_wait_event (b, 300);
  g_assert_null (none);

  /* Unsubscribed: no more events. */
  g_free (sub);
  sub = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":false}]}", bri);
  g_assert_cmpuint (put_json (a, sub, NULL), ==, 204);
  g_free (put);
  put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":13}]}", bri);
  g_assert_cmpuint (put_json (b, put, NULL), ==, 204);
  g_clear_pointer (&none, hap_http_message_free);
  none = hap_test_client_wait_event (a, 300);
  g_assert_null (none);
}

typedef struct
{
  const char *type;
  GVariant   *value;
} SetValue;

static void
set_value_on_server (HapAccessoryServer *server, gpointer user_data)
{
  SetValue *sv = user_data;
  HapAccessory *acc = hap_accessory_server_get_accessory (server);
  GPtrArray *services = hap_accessory_get_services (acc);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < services->len; i++)
    {
      HapCharacteristic *c = hap_service_get_characteristic (g_ptr_array_index (services, i), sv->type);
      if (c != NULL)
        {
          g_assert_true (hap_characteristic_set_value (c, sv->value, &error));
          g_assert_no_error (error);
          return;
        }
    }
  g_assert_not_reached ();
}

static void
test_events_coalesce_and_api (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) a = NULL;
  guint64 bri, pse;
  g_autofree char *sub = NULL;
  g_autoptr(HapHttpMessage) first = NULL;
  g_autoptr(HapHttpMessage) second = NULL;
  g_autoptr(HapHttpMessage) third = NULL;
  g_autofree char *body = NULL;

  pair_admin (f);
  bri = hap_test_client_find_iid (f->admin, 1, "8");
  pse = hap_test_client_find_iid (f->admin, 1, "73");
  a = verified_client (f, f->admin);
  sub = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},"
                         "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", bri, pse);
  g_assert_cmpuint (put_json (a, sub, NULL), ==, 204);

  /* Changes through the C API fan out; three quick changes after the first are
   * coalesced into one event carrying the last value (window 50 ms in the fixture). */
  for (int v = 20; v <= 23; v++)
    {
      SetValue sv = { "Brightness", g_variant_new_int32 (v) };
      hap_test_server_invoke (f->server, set_value_on_server, &sv);
    }
  first = hap_test_client_wait_event (a, 2000);
  second = hap_test_client_wait_event (a, 2000);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  body = g_strndup (g_bytes_get_data (second->body, NULL), g_bytes_get_size (second->body));
  g_assert_nonnull (strstr (body, "\"value\":23"));
  g_clear_pointer (&third, hap_http_message_free);
  third = hap_test_client_wait_event (a, 200);
  g_assert_null (third);

  /* Programmable Switch Event goes out at once and reads as null. */
  {
    SetValue sv = { "ProgrammableSwitchEvent", g_variant_new_byte (1) };
    g_autoptr(HapHttpMessage) ev = NULL;
    g_autofree char *ev_body = NULL;
    g_autofree char *json = NULL;
    guint status;
    gint64 start = g_get_monotonic_time ();

    hap_test_server_invoke (f->server, set_value_on_server, &sv);
    ev = hap_test_client_wait_event (a, 2000);
    g_assert_nonnull (ev);
    g_assert_cmpint (g_get_monotonic_time () - start, <, 45 * 1000);
    ev_body = g_strndup (g_bytes_get_data (ev->body, NULL), g_bytes_get_size (ev->body));
    g_assert_nonnull (strstr (ev_body, "\"value\":1"));
    json = get_value_json (a, pse, &status);
    g_assert_nonnull (strstr (json, "\"value\":null"));
  }
}

static void
test_timed_write (Fixture *f, gconstpointer data)
{
  guint64 lock;
  g_autofree char *put = NULL;
  g_autofree char *body = NULL;
  g_autoptr(HapHttpMessage) r = NULL;
  const char *prepare = "{\"ttl\":2500,\"pid\":11122333}";

  pair_admin (f);
  lock = hap_test_client_find_iid (f->admin, 1, "1E");

  /* tw without pid → -70410 (docs/protocol.md §4.8). */
  put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1}]}", lock);
  g_assert_cmpuint (put_json (f->admin, put, &body), ==, 207);
  g_assert_nonnull (strstr (body, "-70410"));

  r = hap_test_client_request (f->admin, "PUT", "/prepare", "application/hap+json", prepare, strlen (prepare));
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body), "{\"status\":0}", 12);

  g_free (put);
  put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1}],\"pid\":11122333}", lock);
  g_assert_cmpuint (put_json (f->admin, put, NULL), ==, 204);

  /* The pid is single-use. */
  g_free (body);
  g_assert_cmpuint (put_json (f->admin, put, &body), ==, 207);
  g_assert_nonnull (strstr (body, "-70410"));

  /* Expired TTL. */
  {
    const char *short_ttl = "{\"ttl\":50,\"pid\":77}";
    g_autoptr(HapHttpMessage) r2 = hap_test_client_request (f->admin, "PUT", "/prepare", "application/hap+json",
                                                            short_ttl, strlen (short_ttl));
    g_autofree char *late = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":0}],\"pid\":77}", lock);
    g_autofree char *late_body = NULL;

    g_assert_cmpuint (r2->status, ==, 200);
    g_usleep (120 * 1000);
    g_assert_cmpuint (put_json (f->admin, late, &late_body), ==, 207);
    g_assert_nonnull (strstr (late_body, "-70410"));
  }
}

static void
test_pairings_management (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) user = hap_test_client_new ("AAAAAAAA-0000-0000-0000-000000000002");
  g_autoptr(HapTestClient) user_conn = NULL;
  guint n = 0;

  pair_admin (f);
  g_assert_cmpint (hap_test_client_list_pairings (f->admin, &n), ==, 0);
  g_assert_cmpuint (n, ==, 1);

  g_assert_cmpint (hap_test_client_add_pairing (f->admin, "AAAAAAAA-0000-0000-0000-000000000002",
                                                hap_test_client_get_public_key (user), FALSE), ==, 0);
  g_assert_cmpint (hap_test_client_list_pairings (f->admin, &n), ==, 0);
  g_assert_cmpuint (n, ==, 2);

  /* The regular user can verify and read, but not manage pairings. */
  user_conn = verified_client (f, user);
  g_assert_cmpint (hap_test_client_list_pairings (user_conn, NULL), ==, HAP_TLV_ERROR_AUTHENTICATION);
  g_assert_cmpint (hap_test_client_add_pairing (user_conn, "X", hap_test_client_get_public_key (user), TRUE),
                   ==, HAP_TLV_ERROR_AUTHENTICATION);

  /* Same identifier, different key → Unknown. */
  {
    guint8 other[32] = { 1 };
    g_assert_cmpint (hap_test_client_add_pairing (f->admin, "AAAAAAAA-0000-0000-0000-000000000002", other, FALSE),
                     ==, HAP_TLV_ERROR_UNKNOWN);
  }

  /* Removing the user closes its session; its next verify fails. */
  g_assert_cmpint (hap_test_client_remove_pairing (f->admin, "AAAAAAAA-0000-0000-0000-000000000002"), ==, 0);
  g_assert_true (hap_test_client_wait_closed (user_conn, 2000));
  {
    g_autoptr(HapTestClient) again = hap_test_client_clone (user);
    hap_test_client_connect (again, port (f));
    g_assert_cmpint (hap_test_client_pair_verify (again), ==, HAP_TLV_ERROR_AUTHENTICATION);
  }
  /* Removing an unknown pairing still succeeds. */
  g_assert_cmpint (hap_test_client_remove_pairing (f->admin, "nobody"), ==, 0);
  g_assert_cmpint (hap_test_client_list_pairings (f->admin, &n), ==, 0);
  g_assert_cmpuint (n, ==, 1);
}

static void
test_remove_last_admin (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) user = hap_test_client_new ("user-2");
  g_autoptr(HapTestClient) fresh = hap_test_client_new ("fresh-3");

  pair_admin (f);
  g_assert_cmpint (hap_test_client_add_pairing (f->admin, "user-2", hap_test_client_get_public_key (user), FALSE), ==, 0);
  /* The admin removes itself: with no admin left every pairing goes, and its own
   * connection closes after the response. */
  g_assert_cmpint (hap_test_client_remove_pairing (f->admin, "11111111-2222-3333-4444-555555555555"), ==, 0);
  g_assert_true (hap_test_client_wait_closed (f->admin, 2000));
  {
    g_autoptr(HapTestClient) u = hap_test_client_clone (user);
    hap_test_client_connect (u, port (f));
    g_assert_cmpint (hap_test_client_pair_verify (u), ==, HAP_TLV_ERROR_AUTHENTICATION);
  }
  /* Unpaired again: a new controller can pair. */
  hap_test_client_connect (fresh, port (f));
  g_assert_cmpint (hap_test_client_pair_setup (fresh, HAP_TEST_SETUP_CODE, 0), ==, 0);
}

static void
test_restart_keeps_pairing (Fixture *f, gconstpointer data)
{
  guint64 bri;
  g_autofree char *put = NULL;
  g_autofree char *json = NULL;
  guint status;

  pair_admin (f);
  bri = hap_test_client_find_iid (f->admin, 1, "8");
  put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":42}]}", bri);
  g_assert_cmpuint (put_json (f->admin, put, NULL), ==, 204);
  hap_test_client_disconnect (f->admin);
  hap_test_server_stop (f->server);

  f->server = hap_test_server_start (NULL, LAMP, f->dir);
  hap_test_client_connect (f->admin, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (f->admin), ==, 0);
  /* iids are stable across restarts. */
  g_assert_cmpuint (hap_test_client_find_iid (f->admin, 1, "8"), ==, bri);
  json = get_value_json (f->admin, bri, &status);
  g_assert_cmpuint (status, ==, 200);
}

static void
test_transient_and_split (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) t = hap_test_client_new ("transient");
  g_autoptr(HapHttpMessage) r = NULL;
  g_autoptr(HapTestClient) s = hap_test_client_new ("split");

  /* Transient: secured after M4, nothing stored, resources refused with 400. */
  hap_test_client_connect (t, port (f));
  g_assert_cmpint (hap_test_client_pair_setup (t, HAP_TEST_SETUP_CODE, HAP_PAIRING_FLAG_TRANSIENT | HAP_PAIRING_FLAG_SPLIT), ==, 0);
  r = hap_test_client_request (t, "GET", "/accessories", NULL, NULL, 0);
  g_assert_nonnull (r);
  g_assert_cmpuint (r->status, ==, 400);

  /* Split alone reuses the remembered verifier and completes a real pairing. */
  hap_test_client_connect (s, port (f));
  g_assert_cmpint (hap_test_client_pair_setup (s, HAP_TEST_SETUP_CODE, HAP_PAIRING_FLAG_SPLIT), ==, 0);
  g_assert_cmpint (hap_test_client_pair_verify (s), ==, 0);
}

static void
slow_read (HapCharacteristic *c, GTask *task, gpointer user_data)
{
  /* Never completes in time: the server must answer -70408 after its timeout. */
  g_object_set_data_full (G_OBJECT (c), "held-task", g_object_ref (task), g_object_unref);
}

static void
install_slow_handler (HapAccessoryServer *server, gpointer user_data)
{
  HapAccessory *acc = hap_accessory_server_get_accessory (server);
  HapService *bulb = hap_accessory_get_service (acc, "Lightbulb");

  hap_characteristic_set_read_handler (hap_service_get_characteristic (bulb, "Brightness"),
                                       slow_read, NULL, NULL);
}

static void
test_handler_timeout (Fixture *f, gconstpointer data)
{
  guint64 bri, on;
  g_autofree char *target = NULL;
  g_autoptr(HapHttpMessage) r = NULL;
  g_autofree char *body = NULL;
  gint64 start;

  pair_admin (f);
  bri = hap_test_client_find_iid (f->admin, 1, "8");
  on = hap_test_client_find_iid (f->admin, 1, "25");
  hap_test_server_invoke (f->server, install_slow_handler, NULL);

  start = g_get_monotonic_time ();
  target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT ",1.%" G_GUINT64_FORMAT, on, bri);
  r = hap_test_client_request (f->admin, "GET", target, NULL, NULL, 0);
  g_assert_nonnull (r);
  g_assert_cmpuint (r->status, ==, 207);
  body = g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
  g_assert_nonnull (strstr (body, "-70408"));
  g_assert_nonnull (strstr (body, "\"value\":false,\"status\":0"));
  /* Fixture timeout is 500 ms. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 450 * 1000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3000 * 1000);
}

static void
test_resource_snapshot (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-test-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), "bridge.json", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  HapTestServer *server = hap_test_server_start (file, NULL, dir);
  g_autoptr(HapTestClient) c = hap_test_client_new ("snap");
  const char *camera = "{\"resource-type\":\"image\",\"image-width\":640,\"image-height\":480,\"aid\":6}";
  const char *bridge = "{\"resource-type\":\"image\",\"image-width\":640,\"image-height\":480}";
  g_autoptr(HapHttpMessage) r1 = NULL;
  g_autoptr(HapHttpMessage) r2 = NULL;
  g_autoptr(HapHttpMessage) r3 = NULL;
  const guint8 *jpeg;
  gsize len;

  hap_test_client_connect (c, hap_test_server_get_port (server));
  g_assert_cmpint (hap_test_client_pair_setup (c, HAP_TEST_SETUP_CODE, 0), ==, 0);
  g_assert_cmpint (hap_test_client_pair_verify (c), ==, 0);

  /* The bridged camera (aid 6) declares a snapshot: 200 image/jpeg with its bytes. */
  r1 = hap_test_client_request (c, "POST", "/resource", "application/hap+json", camera, strlen (camera));
  g_assert_cmpuint (r1->status, ==, 200);
  g_assert_cmpstr (hap_http_message_get_header (r1, "Content-Type"), ==, "image/jpeg");
  jpeg = g_bytes_get_data (r1->body, &len);
  g_assert_cmpuint (len, >, 4);
  g_assert_cmpuint (jpeg[0], ==, 0xFF);
  g_assert_cmpuint (jpeg[1], ==, 0xD8);   /* SOI */
  g_assert_cmpuint (jpeg[len - 2], ==, 0xFF);
  g_assert_cmpuint (jpeg[len - 1], ==, 0xD9);   /* EOI */
  /* The bridge itself (aid 1 by default) has none: 404. */
  r2 = hap_test_client_request (c, "POST", "/resource", "application/hap+json", bridge, strlen (bridge));
  g_assert_cmpuint (r2->status, ==, 404);
  /* Not JSON: 400. */
  r3 = hap_test_client_request (c, "POST", "/resource", "application/hap+json", "{", 1);
  g_assert_cmpuint (r3->status, ==, 400);

  hap_test_client_disconnect (c);
  hap_test_server_stop (server);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/pairing/setup-verify-read-write", test_setup_verify_read_write);
  ADD ("/pairing/write-response", test_write_response);
  ADD ("/pairing/get-flags", test_get_flags);
  ADD ("/pairing/events", test_events);
  ADD ("/pairing/events-coalesce-and-api", test_events_coalesce_and_api);
  ADD ("/pairing/timed-write", test_timed_write);
  ADD ("/pairing/pairings-management", test_pairings_management);
  ADD ("/pairing/remove-last-admin", test_remove_last_admin);
  ADD ("/pairing/restart-keeps-pairing", test_restart_keeps_pairing);
  ADD ("/pairing/transient-and-split", test_transient_and_split);
  ADD ("/pairing/handler-timeout", test_handler_timeout);
#undef ADD
  g_test_add_func ("/pairing/resource-snapshot", test_resource_snapshot);

  return g_test_run ();
}
