/* test-quirks-faults.c — the fault-injection quirks: latency, slow handlers, hangs,
 * drops, refused and limited connections, restarts and event storms, each on and then
 * off again
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "sim-fixture.h"

static SimFixture *fx;
static guint64     on_iid;
static guint64     brightness_iid;

#define CT_JSON "application/hap+json"

/* ---- helpers ----------------------------------------------------------------------- */

static char *
on_target (void)
{
  return g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, on_iid);
}

/* A GET that must be answered 200; returns how long it took, in ms. */
static gint64
timed_get (HapTestClient *client,
           const char    *target)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(HapHttpMessage) response = hap_test_client_request (client, "GET", target, NULL, NULL, 0);

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 200);
  return (g_get_monotonic_time () - start) / 1000;
}

static gint64
timed_put_on (HapTestClient *client,
              gboolean       value)
{
  g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":%s}]}",
                                           on_iid, value ? "true" : "false");
  gint64 start = g_get_monotonic_time ();
  g_autoptr(HapHttpMessage) response =
    hap_test_client_request (client, "PUT", "/characteristics", CT_JSON, body, strlen (body));

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 204);
  return (g_get_monotonic_time () - start) / 1000;
}

static void
send_get (HapTestClient *client,
          const char    *target)
{
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", target);

  hap_test_client_send_raw (client, (const guint8 *) request, strlen (request));
}

static void
subscribe (HapTestClient *client,
           guint64        iid)
{
  g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", iid);
  g_autoptr(HapHttpMessage) response =
    hap_test_client_request (client, "PUT", "/characteristics", CT_JSON, body, strlen (body));

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 204);
}

static void
count_connections (HapSimAccessory *accessory, gpointer data)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);

  *(guint *) data = server != NULL ? hap_accessory_server_get_n_connections (server) : 0;
}

/* Waits until the accessory has @n connections open (it sees closes asynchronously). */
static void
wait_connections (SimFixture *fixture,
                  guint       n)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  guint open = G_MAXUINT;

  while (g_get_monotonic_time () < end)
    {
      sim_fixture_invoke (fixture, count_connections, &open);
      if (open == n)
        return;
      g_usleep (10 * 1000);
    }
  g_assert_cmpuint (open, ==, n);
}

static void
get_port (HapSimAccessory *accessory, gpointer data)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);

  *(guint16 *) data = server != NULL ? hap_accessory_server_get_port (server) : 0;
}

static guint16
current_port (SimFixture *fixture)
{
  guint16 port = 0;

  sim_fixture_invoke (fixture, get_port, &port);
  return port;
}

/* ---- fault-latency ------------------------------------------------------------------ */

static void
test_latency (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *target = on_target ();
  gint64 ms;

  sim_fixture_enable_quirk (fx, "fault-latency", "{'delay-ms': <uint32 300>}");
  g_assert_cmpint (timed_get (client, target), >=, 300);
  g_assert_cmpint (timed_get (client, "/accessories"), >=, 300);

  sim_fixture_enable_quirk (fx, "fault-latency", "{'delay-ms': <uint32 100>, 'jitter-ms': <uint32 200>}");
  for (guint i = 0; i < 3; i++)
    {
      ms = timed_get (client, target);
      g_assert_cmpint (ms, >=, 100);
      g_assert_cmpint (ms, <, 300 + 1000);
    }

  sim_fixture_disable_quirk (fx, "fault-latency");
  g_assert_cmpint (timed_get (client, target), <, 250);
}

/* ---- fault-slow-handler ------------------------------------------------------------- */

static void
test_slow_handler (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *target = on_target ();

  sim_fixture_enable_quirk (fx, "fault-slow-handler", "{'delay-ms': <uint32 300>}");
  g_assert_cmpint (timed_get (client, target), >=, 300);
  g_assert_cmpint (timed_put_on (client, TRUE), >=, 300);
  /* Only characteristic reads and writes. */
  g_assert_cmpint (timed_get (client, "/accessories"), <, 250);

  sim_fixture_enable_quirk (fx, "fault-slow-handler", "{'delay-ms': <uint32 300>, 'reads': <false>}");
  g_assert_cmpint (timed_get (client, target), <, 250);
  g_assert_cmpint (timed_put_on (client, TRUE), >=, 300);

  sim_fixture_disable_quirk (fx, "fault-slow-handler");
  g_assert_cmpint (timed_get (client, target), <, 250);
  g_assert_cmpint (timed_put_on (client, TRUE), <, 250);
}

/* ---- fault-hang --------------------------------------------------------------------- */

static void
test_hang (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) other = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) third = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) fourth = NULL;
  g_autoptr(HapHttpMessage) none = NULL;
  g_autoptr(HapHttpMessage) queued = NULL;
  g_autoptr(HapHttpMessage) none_put = NULL;
  g_autofree char *target = on_target ();
  g_autofree char *put = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":true}]}",
                                          on_iid);
  g_autofree char *put_request =
    g_strdup_printf ("PUT /characteristics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %zu\r\n"
                     "Content-Type: " CT_JSON "\r\n\r\n%s", strlen (put), put);

  sim_fixture_enable_quirk (fx, "fault-hang", "{'path': <'/characteristics'>}");
  g_assert_cmpint (timed_get (client, "/accessories"), <, 1000);
  send_get (client, target);
  none = hap_test_client_read_response (client, 500);
  g_assert_null (none);
  /* Later requests of that connection queue behind the hung one. */
  send_get (client, "/accessories");
  queued = hap_test_client_read_response (client, 500);
  g_assert_null (queued);
  g_assert_false (hap_test_client_wait_closed (client, 100));
  /* Other connections are served. */
  g_assert_cmpint (timed_get (other, "/accessories"), <, 1000);

  /* Only PUTs on that path. */
  sim_fixture_enable_quirk (fx, "fault-hang", "{'path': <'/characteristics'>, 'method': <'PUT'>}");
  g_assert_cmpint (timed_get (other, target), <, 1000);
  hap_test_client_send_raw (other, (const guint8 *) put_request, strlen (put_request));
  none_put = hap_test_client_read_response (other, 500);
  g_assert_null (none_put);

  /* Default: every request. */
  sim_fixture_enable_quirk (fx, "fault-hang", NULL);
  send_get (third, "/accessories");
  g_assert_null (hap_test_client_read_response (third, 500));

  sim_fixture_disable_quirk (fx, "fault-hang");
  fourth = sim_fixture_connect_paired (fx);
  g_assert_cmpint (timed_get (fourth, target), <, 1000);
  g_assert_cmpint (timed_put_on (fourth, TRUE), <, 1000);
}

/* ---- fault-drop-after --------------------------------------------------------------- */

static void
test_drop_after (void)
{
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(HapTestClient) other = NULL;
  g_autoptr(HapTestClient) third = NULL;
  g_autofree char *target = on_target ();

  sim_fixture_enable_quirk (fx, "fault-drop-after", NULL);   /* the 3rd request */
  client = sim_fixture_connect_paired (fx);   /* Pair Verify does not count */
  timed_get (client, target);
  timed_get (client, target);
  {
    g_autoptr(HapHttpMessage) dropped = hap_test_client_request (client, "GET", target, NULL, NULL, 0);
    g_assert_null (dropped);
  }
  g_assert_true (hap_test_client_wait_closed (client, 2000));

  sim_fixture_enable_quirk (fx, "fault-drop-after", "{'requests': <uint32 2>, 'answer': <true>}");
  other = sim_fixture_connect_paired (fx);
  timed_get (other, target);
  timed_get (other, target);   /* answered … */
  g_assert_true (hap_test_client_wait_closed (other, 2000));   /* … then dropped */

  sim_fixture_disable_quirk (fx, "fault-drop-after");
  third = sim_fixture_connect_paired (fx);
  for (guint i = 0; i < 5; i++)
    timed_get (third, target);
  g_assert_false (hap_test_client_wait_closed (third, 100));
}

/* ---- fault-refuse-connections ------------------------------------------------------- */

static void
test_refuse_connections (void)
{
  g_autoptr(HapTestClient) before = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) refused = NULL;
  g_autoptr(HapTestClient) after = NULL;
  g_autofree char *target = on_target ();

  sim_fixture_enable_quirk (fx, "fault-refuse-connections", NULL);
  refused = sim_fixture_connect (fx);
  g_assert_true (hap_test_client_wait_closed (refused, 2000));
  /* Open connections are not touched. */
  timed_get (before, target);

  sim_fixture_disable_quirk (fx, "fault-refuse-connections");
  after = sim_fixture_connect_paired (fx);
  timed_get (after, target);
}

/* ---- fault-max-connections ---------------------------------------------------------- */

static void
test_max_connections (void)
{
  g_autoptr(HapTestClient) first = NULL;
  g_autoptr(HapTestClient) second = NULL;
  g_autoptr(HapTestClient) extra = NULL;
  g_autoptr(HapTestClient) later = NULL;
  g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_test_client_free);
  g_autofree char *target = on_target ();

  wait_connections (fx, 0);   /* the earlier tests' connections are gone */
  sim_fixture_enable_quirk (fx, "fault-max-connections", "{'limit': <uint32 2>}");
  first = sim_fixture_connect_paired (fx);
  second = sim_fixture_connect_paired (fx);
  extra = sim_fixture_connect (fx);
  g_assert_true (hap_test_client_wait_closed (extra, 2000));
  timed_get (first, target);
  timed_get (second, target);

  /* A closed one makes room. */
  hap_test_client_disconnect (first);
  wait_connections (fx, 1);
  later = sim_fixture_connect_paired (fx);
  timed_get (later, target);

  sim_fixture_disable_quirk (fx, "fault-max-connections");
  for (guint i = 0; i < 8; i++)   /* HAP: at least 8 at once */
    g_ptr_array_add (many, sim_fixture_connect_paired (fx));
  for (guint i = 0; i < many->len; i++)
    timed_get (g_ptr_array_index (many, i), target);
}

/* ---- fault-restart ------------------------------------------------------------------ */

static gboolean
port_refused (guint16 port)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  connection = g_socket_client_connect_to_host (socket_client, "127.0.0.1", port, NULL, &error);
  return connection == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static HapTestClient *
connect_verified_at (HapTestClient *identity,
                     guint16        port)
{
  HapTestClient *client = hap_test_client_clone (identity);

  hap_test_client_connect (client, port);
  g_assert_cmpint (hap_test_client_pair_verify (client), ==, 0);
  return client;
}

/* Its own accessory: restarting moves it to another port. */
static void
test_restart (void)
{
  SimFixture *rf = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (rf);
  g_autoptr(HapTestClient) again = NULL;
  g_autoptr(HapTestClient) third = NULL;
  g_autoptr(HapTestClient) quiet = NULL;
  guint16 port = current_port (rf), second_port, third_port;
  gint64 start;

  sim_fixture_enable_quirk (rf, "fault-restart", "{'after-ms': <uint32 300>}");
  start = g_get_monotonic_time ();
  g_assert_true (hap_test_client_wait_closed (client, 5000));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * 1000);
  second_port = current_port (rf);
  g_assert_cmpuint (second_port, !=, 0);
  g_assert_cmpuint (second_port, !=, port);
  g_assert_true (port_refused (port));
  /* The same identity and pairings on the new port. */
  again = connect_verified_at (client, second_port);
  timed_get (again, "/accessories");
  /* Not repeated. */
  g_assert_false (hap_test_client_wait_closed (again, 600));

  sim_fixture_enable_quirk (rf, "fault-restart", "{'after-ms': <uint32 300>, 'repeat': <true>, 'new-port': <false>}");
  g_assert_true (hap_test_client_wait_closed (again, 5000));
  /* Runs on the accessory's thread after the restart finished: it listens again. */
  third_port = current_port (rf);
  g_assert_cmpuint (third_port, ==, second_port);   /* back on the same port */
  third = hap_test_client_clone (client);
  hap_test_client_connect (third, third_port);
  g_assert_true (hap_test_client_wait_closed (third, 5000));   /* and again */

  sim_fixture_disable_quirk (rf, "fault-restart");
  quiet = connect_verified_at (client, current_port (rf));
  g_assert_false (hap_test_client_wait_closed (quiet, 600));
  timed_get (quiet, "/accessories");

  g_clear_pointer (&client, hap_test_client_free);
  g_clear_pointer (&again, hap_test_client_free);
  g_clear_pointer (&third, hap_test_client_free);
  g_clear_pointer (&quiet, hap_test_client_free);
  sim_fixture_stop (rf);
}

/* ---- fault-event-storm -------------------------------------------------------------- */

/* The values in the events for (1, @iid) received during @ms. */
static GArray *
collect_events (HapTestClient *client,
                guint64        iid,
                guint          ms)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      guint left = (guint) MAX ((end - g_get_monotonic_time ()) / 1000, 1);
      g_autoptr(HapHttpMessage) event = hap_test_client_wait_event (client, left);
      g_autoptr(JsonNode) root = NULL;
      JsonArray *characteristics;

      if (event == NULL)
        break;
      root = hap_test_parse_json (event);
      g_assert_nonnull (root);
      characteristics = json_object_get_array_member (json_node_get_object (root), "characteristics");
      for (guint i = 0; i < json_array_get_length (characteristics); i++)
        {
          JsonObject *row = json_array_get_object_element (characteristics, i);
          JsonNode *value = json_object_get_member (row, "value");
          double v;

          g_assert_cmpint (json_object_get_int_member (row, "aid"), ==, 1);
          if ((guint64) json_object_get_int_member (row, "iid") != iid)
            continue;
          v = json_node_get_value_type (value) == G_TYPE_BOOLEAN ? json_node_get_boolean (value)
                                                                : json_node_get_double (value);
          g_array_append_val (values, v);
        }
    }
  return values;
}

static void
test_event_storm (void)
{
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(GArray) storm = NULL;
  g_autoptr(GArray) toggles = NULL;
  g_autoptr(GArray) after = NULL;
  g_autofree char *params = g_strdup_printf ("{'characteristic': <'1.%" G_GUINT64_FORMAT "'>, 'rate-hz': <uint32 50>,"
                                             " 'duration-ms': <uint32 400>}", brightness_iid);

  subscribe (client, brightness_iid);
  subscribe (client, on_iid);
  /* 50 changes a second for 0.4 s: about 20 events, each a new value within 0…100. */
  sim_fixture_enable_quirk (fx, "fault-event-storm", params);
  storm = collect_events (client, brightness_iid, 1000);
  g_test_message ("%u events", storm->len);
  g_assert_cmpuint (storm->len, >=, 8);
  g_assert_cmpuint (storm->len, <=, 22);
  for (guint i = 0; i < storm->len; i++)
    {
      double v = g_array_index (storm, double, i);

      g_assert_cmpfloat (v, >=, 0);
      g_assert_cmpfloat (v, <=, 100);
      g_assert_cmpfloat (v, ==, floor (v));   /* on the minStep grid */
      if (i > 0)
        g_assert_cmpfloat (v, !=, g_array_index (storm, double, i - 1));
    }
  /* The storm is over: nothing more. */
  after = collect_events (client, brightness_iid, 300);
  g_assert_cmpuint (after->len, ==, 0);

  /* Default: the first evented bool or number, here Lightbulb/On, until disabled. */
  sim_fixture_enable_quirk (fx, "fault-event-storm", "{'rate-hz': <uint32 20>}");
  toggles = collect_events (client, on_iid, 500);
  g_assert_cmpuint (toggles->len, >=, 3);
  for (guint i = 1; i < toggles->len; i++)
    g_assert_cmpfloat (g_array_index (toggles, double, i), !=, g_array_index (toggles, double, i - 1));

  sim_fixture_disable_quirk (fx, "fault-event-storm");
  /* Events already on their way may still arrive; then silence. */
  g_array_unref (collect_events (client, on_iid, 100));
  g_array_unref (after);
  after = collect_events (client, on_iid, 400);
  g_assert_cmpuint (after->len, ==, 0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  fx = sim_fixture_start ("lightbulb.json", NULL);
  {
    g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
    on_iid = hap_test_client_find_iid (client, 1, "25");
    brightness_iid = hap_test_client_find_iid (client, 1, "8");
    g_assert_cmpuint (on_iid, >, 0);
    g_assert_cmpuint (brightness_iid, >, 0);
  }

  g_test_add_func ("/quirks/faults/latency", test_latency);
  g_test_add_func ("/quirks/faults/slow-handler", test_slow_handler);
  g_test_add_func ("/quirks/faults/hang", test_hang);
  g_test_add_func ("/quirks/faults/drop-after", test_drop_after);
  g_test_add_func ("/quirks/faults/refuse-connections", test_refuse_connections);
  g_test_add_func ("/quirks/faults/max-connections", test_max_connections);
  g_test_add_func ("/quirks/faults/restart", test_restart);
  g_test_add_func ("/quirks/faults/event-storm", test_event_storm);

  status = g_test_run ();
  sim_fixture_stop (fx);
  return status;
}
