/* test-server-limits.c — connection caps and timers of the HAP/IP transport: which
 * connection a cap evicts or refuses, and when idle, stalled and stuck-in-pairing
 * connections are closed; verified sessions always keep working
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hap-test-client.h"
#include "hap-tlv8-private.h"

static const char *LAMP =
  "{\"accessories\":[{\"name\":\"Limit Lamp\",\"category\":\"LIGHTBULB\",\"services\":["
  "{\"type\":\"Lightbulb\",\"characteristics\":["
  "{\"type\":\"On\",\"value\":false},{\"type\":\"Brightness\",\"value\":50}]}]}]}";

/* ---- a paired accessory on its own thread, with two verified connections ------------ */

typedef struct
{
  char          *dir;
  HapTestServer *server;
  HapTestClient *admin;     /* paired, verified */
  HapTestClient *witness;   /* a second verified connection that must keep working */
  guint64        bri_iid;
} Fixture;

static guint16
port (Fixture *f)
{
  return hap_test_server_get_port (f->server);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("hap-limits-XXXXXX", NULL);
  f->server = hap_test_server_start (NULL, LAMP, f->dir);
  f->admin = hap_test_client_new ("ADMIN-0001");
  hap_test_client_connect (f->admin, port (f));
  g_assert_cmpint (hap_test_client_pair_setup (f->admin, HAP_TEST_SETUP_CODE, 0), ==, 0);
  g_assert_cmpint (hap_test_client_pair_verify (f->admin), ==, 0);
  f->witness = hap_test_client_clone (f->admin);
  hap_test_client_connect (f->witness, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (f->witness), ==, 0);
  f->bri_iid = hap_test_client_find_iid (f->admin, 1, "8");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->dir);

  hap_test_client_free (f->admin);
  hap_test_client_free (f->witness);
  hap_test_server_stop (f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->dir);
}

static void
assert_verified_ok (Fixture *f, HapTestClient *client)
{
  g_autofree char *target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, f->bri_iid);
  g_autoptr(HapHttpMessage) r = hap_test_client_request (client, "GET", target, NULL, NULL, 0);

  g_assert_nonnull (r);
  g_assert_cmpuint (r->status, ==, 200);
}

typedef struct
{
  const char *name;
  guint       value;
} Setting;

static void
set_property (HapAccessoryServer *server, gpointer user_data)
{
  const Setting *setting = user_data;

  g_object_set (server, setting->name, setting->value, NULL);
}

/* Sets a guint property of the running server (they are read while running). */
static void
set (Fixture *f, const char *name, guint value)
{
  Setting setting = { name, value };

  hap_test_server_invoke (f->server, set_property, &setting);
}

/* An unverified connection, accepted and answered once (470) so that the server has
 * surely registered it before the next one connects. */
static HapTestClient *
connect_unverified (Fixture *f, const char *name)
{
  HapTestClient *c = hap_test_client_new (name);
  g_autoptr(HapHttpMessage) r = NULL;

  hap_test_client_connect (c, port (f));
  r = hap_test_client_request (c, "GET", "/accessories", NULL, NULL, 0);
  g_assert_nonnull (r);
  g_assert_cmpuint (r->status, ==, 470);
  return c;
}

/* Not closed during the first @open_ms, closed by @closed_ms. */
static void
assert_closed_between (HapTestClient *c, guint open_ms, guint closed_ms)
{
  gint64 start = g_get_monotonic_time ();

  g_assert_false (hap_test_client_wait_closed (c, open_ms));
  g_assert_true (hap_test_client_wait_closed (c, closed_ms - open_ms));
  g_assert_cmpint ((g_get_monotonic_time () - start) / 1000, <, closed_ms + 100);
}

static void
test_idle_unverified_closed (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) anon = NULL;

  set (f, "idle-timeout", 400);
  anon = connect_unverified (f, "anon");
  /* The 470 is not a pairing step: the clock runs from the accept. */
  assert_closed_between (anon, 250, 1500);
  /* Verified sessions have been idle as long: they stay (docs/protocol.md §4.1). */
  assert_verified_ok (f, f->witness);
  assert_verified_ok (f, f->admin);
}

static void
test_stalled_body_closed (Fixture *f, gconstpointer data)
{
  const char *partial = "PUT /characteristics HTTP/1.1\r\nContent-Type: application/hap+json\r\n"
                        "Content-Length: 100\r\n\r\n{\"characteristics\":";
  g_autoptr(HapTestClient) anon = hap_test_client_new ("anon");

  set (f, "stall-timeout", 400);
  hap_test_client_connect (anon, port (f));
  hap_test_client_send_raw (anon, (const guint8 *) partial, strlen (partial));
  assert_closed_between (anon, 250, 1500);
  assert_verified_ok (f, f->witness);
}

static void
test_stalled_after_pipeline_closed (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) anon = hap_test_client_new ("anon");
  g_autoptr(GString) burst = g_string_new (NULL);

  /* More complete requests than the server queues at once (the rest wait in its parser),
   * then half a request: every complete one is answered, then the stall clock runs. */
  set (f, "stall-timeout", 400);
  for (guint i = 0; i < 40; i++)
    g_string_append (burst, "GET /accessories HTTP/1.1\r\nHost: x\r\n\r\n");
  g_string_append (burst, "GET /accessor");
  hap_test_client_connect (anon, port (f));
  hap_test_client_send_raw (anon, (const guint8 *) burst->str, burst->len);
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(HapHttpMessage) r = hap_test_client_read_response (anon, 2000);
      g_assert_nonnull (r);
      g_assert_cmpuint (r->status, ==, 470);
    }
  assert_closed_between (anon, 250, 1500);
  assert_verified_ok (f, f->witness);
}

static void
test_stalled_frame_closed (Fixture *f, gconstpointer data)
{
  const char *req = "GET /accessories HTTP/1.1\r\nHost: x\r\n\r\n";
  g_autoptr(HapTestClient) c = hap_test_client_clone (f->admin);
  g_autoptr(GByteArray) frame = NULL;

  set (f, "stall-timeout", 400);
  hap_test_client_connect (c, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (c), ==, 0);
  /* Half of an encrypted frame: a verified session is held to the stall timeout too. */
  frame = hap_test_client_encrypt (c, (const guint8 *) req, strlen (req));
  hap_test_client_send_wire (c, frame->data, frame->len / 2);
  assert_closed_between (c, 250, 1500);
  assert_verified_ok (f, f->witness);
}

static void
test_stalled_pair_verify_dropped (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) anon = hap_test_client_new ("anon");
  g_autoptr(GByteArray) m1 = g_byte_array_new ();
  g_autoptr(HapHttpMessage) m2 = NULL;
  guint8 state = 1, key[32];

  set (f, "idle-timeout", 60000);
  set (f, "pairing-timeout", 400);
  hap_test_client_connect (anon, port (f));
  /* Pair Verify M1, then nothing: the accessory waits for M3. */
  for (guint i = 0; i < sizeof key; i++)
    key[i] = (guint8) (i * 7 + 9);
  g_byte_array_append (m1, (const guint8 *) "\x06\x01", 2);
  g_byte_array_append (m1, &state, 1);
  g_byte_array_append (m1, (const guint8 *) "\x03\x20", 2);
  g_byte_array_append (m1, key, sizeof key);
  m2 = hap_test_client_request (anon, "POST", "/pair-verify", "application/pairing+tlv8",
                                (const char *) m1->data, m1->len);
  g_assert_nonnull (m2);
  g_assert_cmpuint (m2->status, ==, 200);
  assert_closed_between (anon, 250, 1500);
  assert_verified_ok (f, f->witness);
}

static void
set_pairing_timeout (HapAccessoryServer *server, gpointer user_data)
{
  g_object_set (server, "pairing-timeout", GPOINTER_TO_UINT (user_data), "idle-timeout", 60000, NULL);
}

static void
test_stalled_pair_setup_releases_busy (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-limits-XXXXXX", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  HapTestServer *fresh = hap_test_server_start (NULL, LAMP, dir);
  g_autoptr(HapTestClient) a = hap_test_client_new ("A");
  g_autoptr(HapTestClient) b = hap_test_client_new ("B");
  g_autoptr(GByteArray) m1 = g_byte_array_new ();
  g_autoptr(HapHttpMessage) ra = NULL;
  g_autoptr(HapHttpMessage) rb = NULL;
  g_autoptr(HapTlv8) tb = NULL;
  guint64 err = 0;

  hap_test_server_invoke (fresh, set_pairing_timeout, GUINT_TO_POINTER (400));
  hap_tlv8_append_uint8 (m1, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (m1, HAP_TLV_METHOD, 0);
  hap_test_client_connect (a, hap_test_server_get_port (fresh));
  hap_test_client_connect (b, hap_test_server_get_port (fresh));
  /* A starts Pair Setup (M1, M2) and goes quiet: B is Busy meanwhile. */
  ra = hap_test_client_request (a, "POST", "/pair-setup", "application/pairing+tlv8", (char *) m1->data, m1->len);
  g_assert_cmpuint (ra->status, ==, 200);
  rb = hap_test_client_request (b, "POST", "/pair-setup", "application/pairing+tlv8", (char *) m1->data, m1->len);
  tb = hap_tlv8_parse (g_bytes_get_data (rb->body, NULL), g_bytes_get_size (rb->body), NULL);
  g_assert_true (hap_tlv8_get_uint (tb, HAP_TLV_ERROR, &err));
  g_assert_cmpuint (err, ==, HAP_TLV_ERROR_BUSY);
  /* docs/protocol.md §2.2: the stalled owner is dropped after the pairing timeout and
   * the procedure released, so B pairs. */
  assert_closed_between (a, 250, 1500);
  g_assert_cmpint (hap_test_client_pair_setup (b, HAP_TEST_SETUP_CODE, 0), ==, 0);
  hap_test_server_stop (fresh);
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_cap_evicts_oldest_unverified (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) first = NULL;
  g_autoptr(HapTestClient) second = NULL;
  g_autoptr(HapTestClient) third = NULL;
  g_autoptr(HapHttpMessage) r = NULL;

  /* admin + witness + two unverified = the cap. */
  set (f, "max-connections", 4);
  first = connect_unverified (f, "first");
  second = connect_unverified (f, "second");
  third = connect_unverified (f, "third");
  /* The oldest unverified one made room; the verified ones were never candidates. */
  g_assert_true (hap_test_client_wait_closed (first, 1000));
  r = hap_test_client_request (second, "GET", "/accessories", NULL, NULL, 0);
  g_assert_nonnull (r);
  g_assert_cmpuint (r->status, ==, 470);
  assert_verified_ok (f, f->admin);
  assert_verified_ok (f, f->witness);
}

static void
test_cap_refuses_when_all_verified (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) late = hap_test_client_clone (f->admin);

  /* Two verified sessions and a cap of two: a newcomer is refused, nobody evicted. */
  set (f, "max-connections", 2);
  hap_test_client_connect (late, port (f));
  g_assert_true (hap_test_client_wait_closed (late, 1000));
  assert_verified_ok (f, f->admin);
  assert_verified_ok (f, f->witness);
  /* Raised again, the same controller gets in. */
  set (f, "max-connections", 3);
  hap_test_client_disconnect (late);
  hap_test_client_connect (late, port (f));
  g_assert_cmpint (hap_test_client_pair_verify (late), ==, 0);
  assert_verified_ok (f, late);
}

/* ---- two servers on this thread sharing one process-wide limit ---------------------- */

static HapAccessoryServer *
start_local (const char *name, const char *dir, HapConnectionLimit *limit)
{
  g_autofree char *json = g_strdup_printf (
    "{\"accessories\":[{\"name\":\"%s\",\"category\":\"LIGHTBULB\",\"services\":["
    "{\"type\":\"Lightbulb\",\"characteristics\":[{\"type\":\"On\",\"value\":false}]}]}]}", name);
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = hap_accessory_new_from_data (json, -1, "limit.json", &error);
  HapAccessoryServer *server;

  g_assert_no_error (error);
  server = hap_accessory_server_new (accessory, dir);
  hap_accessory_server_set_bind_address (server, "127.0.0.1");
  hap_accessory_server_set_advertise (server, FALSE);
  g_object_set (server, "connection-limit", limit, NULL);
  g_assert_true (hap_accessory_server_start (server, &error));
  g_assert_no_error (error);
  return server;
}

static int
connect_raw (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  return dup (g_socket_get_fd (g_socket_connection_get_socket (conn)));
}

/* Runs the default context until @limit counts @n connections. */
static void
iterate_until_count (HapConnectionLimit *limit, guint n)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (hap_connection_limit_get_n_connections (limit) != n && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpuint (hap_connection_limit_get_n_connections (limit), ==, n);
}

/* TRUE when the peer closed @fd (EOF readable) after iterating the context a while. */
static gboolean
closed_by_peer (int fd)
{
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
  struct pollfd p = { fd, POLLIN, 0 };

  while (g_get_monotonic_time () < deadline)
    {
      char byte;

      g_main_context_iteration (NULL, FALSE);
      if (poll (&p, 1, 5) == 1)
        return recv (fd, &byte, 1, MSG_DONTWAIT) == 0;
    }
  return FALSE;
}

static void
test_shared_process_limit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-limits-XXXXXX", NULL);
  g_autofree char *dir_a = g_build_filename (dir, "a", NULL);
  g_autofree char *dir_b = g_build_filename (dir, "b", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(HapConnectionLimit) limit = hap_connection_limit_new (3);
  g_autoptr(HapAccessoryServer) a = start_local ("Lamp A", dir_a, limit);
  g_autoptr(HapAccessoryServer) b = start_local ("Lamp B", dir_b, limit);
  int a1, a2, b1, b2;
  struct rlimit rl;

  g_assert_cmpuint (hap_connection_limit_get_max_connections (limit), ==, 3);
  a1 = connect_raw (hap_accessory_server_get_port (a));
  iterate_until_count (limit, 1);
  a2 = connect_raw (hap_accessory_server_get_port (a));
  iterate_until_count (limit, 2);
  b1 = connect_raw (hap_accessory_server_get_port (b));
  iterate_until_count (limit, 3);
  /* The fourth, on B, evicts the process's oldest unverified connection: A's first. */
  b2 = connect_raw (hap_accessory_server_get_port (b));
  g_assert_true (closed_by_peer (a1));
  iterate_until_count (limit, 3);
  g_assert_cmpuint (hap_accessory_server_get_n_connections (a), ==, 1);
  g_assert_cmpuint (hap_accessory_server_get_n_connections (b), ==, 2);
  g_assert_false (closed_by_peer (a2));
  g_assert_false (closed_by_peer (b1));
  g_assert_false (closed_by_peer (b2));

  /* 0 derives the cap from RLIMIT_NOFILE: the soft limit minus each running server's
   * listening socket and the one epoll instance they share, minus max(64, 1/8)
   * (hap-connection-limit.h). */
  hap_connection_limit_set_max_connections (limit, 0);
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < G_MAXUINT)
    g_assert_cmpuint (hap_connection_limit_get_max_connections (limit), ==,
                      (guint) (rl.rlim_cur - MAX (64, rl.rlim_cur / 8) - 2 * 1 - 1));
  hap_accessory_server_stop (b);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < G_MAXUINT)
    g_assert_cmpuint (hap_connection_limit_get_max_connections (limit), ==,
                      (guint) (rl.rlim_cur - MAX (64, rl.rlim_cur / 8) - 2));

  close (a1);
  close (a2);
  close (b1);
  close (b2);
  hap_accessory_server_stop (a);
  hap_accessory_server_stop (b);
  g_assert_cmpuint (hap_connection_limit_get_n_connections (limit), ==, 0);
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_property_defaults (void)
{
  g_autoptr(HapAccessory) accessory = hap_accessory_new_from_data (LAMP, -1, "limit.json", NULL);
  g_autoptr(HapAccessoryServer) server = hap_accessory_server_new (accessory, "/nonexistent");
  guint max, idle, stall, pairing;
  g_autoptr(HapConnectionLimit) limit = NULL;

  g_object_get (server, "max-connections", &max, "idle-timeout", &idle, "stall-timeout", &stall,
                "pairing-timeout", &pairing, "connection-limit", &limit, NULL);
  /* The documented defaults (hap-accessory-server.h, README). */
  g_assert_cmpuint (max, ==, 256);
  g_assert_cmpuint (idle, ==, 60000);
  g_assert_cmpuint (stall, ==, 10000);
  g_assert_cmpuint (pairing, ==, 30000);
  g_assert_null (limit);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/limits/idle-unverified-closed", test_idle_unverified_closed);
  ADD ("/limits/stalled-body-closed", test_stalled_body_closed);
  ADD ("/limits/stalled-after-pipeline-closed", test_stalled_after_pipeline_closed);
  ADD ("/limits/stalled-frame-closed", test_stalled_frame_closed);
  ADD ("/limits/stalled-pair-verify-dropped", test_stalled_pair_verify_dropped);
  ADD ("/limits/cap-evicts-oldest-unverified", test_cap_evicts_oldest_unverified);
  ADD ("/limits/cap-refuses-when-all-verified", test_cap_refuses_when_all_verified);
#undef ADD
  g_test_add_func ("/limits/stalled-pair-setup-releases-busy", test_stalled_pair_setup_releases_busy);
  g_test_add_func ("/limits/shared-process-limit", test_shared_process_limit);
  g_test_add_func ("/limits/property-defaults", test_property_defaults);

  return g_test_run ();
}
