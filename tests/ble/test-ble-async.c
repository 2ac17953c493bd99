/* test-ble-async.c — HapControllerConnection's asynchronous calls over HAP-BLE, from a
 * main loop: the loop keeps running while a Pair Setup, Pair Verify, read or write is
 * in flight, and results, errors and cancellation come out right.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Run by test_ble_async.py, which starts a private bus, hap-virtual-bluez and
 * hap-simulator serving a lightbulb over BLE that answers every procedure 250 ms late,
 * then passes:
 *   test-ble-async ADAPTER BD-ADDRESS SETUP-CODE CONTROLLER-FILE
 * Uses the public API only.
 */
#include <libhap-glib/hap.h>

static const char *adapter, *address, *setup_code, *controller_path;
static HapController *controller;
static HapControllerConnection *connection;
static gint64 brightness_iid;

/* The accessory answers every procedure 250 ms late (test_ble_async.py): the main loop
 * must never stall that long while a call is in flight. */
#define MAX_STALL_MS 150
#define TICK_MS      5

/* One asynchronous call in flight: how long the call itself took, how often a timeout
 * ticked before its callback ran, and the longest the loop went without dispatching. */
typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
  gint64        started;
  gint64        in_call_us;
  gint64        total_us;
  gint64        last_us;
  gint64        max_stall_us;
  guint         ticks;
} Flight;

static void
note_dispatch (Flight *flight)
{
  gint64 now = g_get_monotonic_time ();

  flight->max_stall_us = MAX (flight->max_stall_us, now - flight->last_us);
  flight->last_us = now;
}

static gboolean
tick (gpointer data)
{
  Flight *flight = data;

  if (flight->result == NULL)
    {
      flight->ticks++;
      note_dispatch (flight);
    }
  return G_SOURCE_CONTINUE;
}

static void
landed (GObject *source, GAsyncResult *result, gpointer data)
{
  Flight *flight = data;

  note_dispatch (flight);
  flight->result = g_object_ref (result);
  flight->total_us = g_get_monotonic_time () - flight->started;
  g_main_loop_quit (flight->loop);
}

static void
flight_begin (Flight *flight)
{
  flight->loop = g_main_loop_new (NULL, FALSE);
  flight->result = NULL;
  flight->ticks = 0;
  flight->max_stall_us = 0;
  flight->started = flight->last_us = g_get_monotonic_time ();
}

/* Call after starting the operation: runs the loop, with the ticking source, until it
 * landed. */
static GAsyncResult *
flight_wait (Flight *flight)
{
  guint id;

  flight->in_call_us = g_get_monotonic_time () - flight->started;
  id = g_timeout_add (TICK_MS, tick, flight);
  if (flight->result == NULL)
    g_main_loop_run (flight->loop);
  g_source_remove (id);
  return flight->result;
}

static void
flight_end (Flight *flight)
{
  g_clear_object (&flight->result);
  g_clear_pointer (&flight->loop, g_main_loop_unref);
}

/* The main loop ran while the operation was in flight: the call returned at once, the
 * loop dispatched other sources all along, never stalled for as long as one of the
 * accessory's (slow) answers takes. A call that blocked in the call or in one of its
 * callbacks until a procedure was done (as these did over BLE before) stalls it at
 * least that long. */
static void
assert_did_not_block (Flight *flight, const char *what)
{
  g_test_message ("%s: %" G_GINT64_FORMAT " us in the call, %" G_GINT64_FORMAT " us in all, %u ticks, "
                  "longest stall %" G_GINT64_FORMAT " us", what, flight->in_call_us, flight->total_us, flight->ticks,
                  flight->max_stall_us);
  g_assert_cmpint (flight->in_call_us, <, MAX_STALL_MS * 1000);
  g_assert_cmpint (flight->max_stall_us, <, MAX_STALL_MS * 1000);
  /* The accessory's delay is in there: the loop ticked through it. */
  g_assert_cmpint (flight->total_us, >=, 200 * 1000);
  g_assert_cmpuint (flight->ticks, >=, 200 / TICK_MS / 2);
}

/* Connecting runs in a worker thread: the loop ticks on meanwhile. */
static void
test_connect (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Flight flight;

  g_cancellable_cancel (cancellable);
  flight_begin (&flight);
  hap_controller_connection_connect_ble_async (connection, adapter, address, cancellable, landed, &flight);
  g_assert_false (hap_controller_connection_connect_ble_finish (connection, flight_wait (&flight), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (hap_controller_connection_is_ble (connection));
  flight_end (&flight);
  g_clear_error (&error);

  flight_begin (&flight);
  hap_controller_connection_connect_ble_async (connection, adapter, address, NULL, landed, &flight);
  g_assert_true (hap_controller_connection_connect_ble_finish (connection, flight_wait (&flight), &error));
  g_assert_no_error (error);
  g_test_message ("connect: %" G_GINT64_FORMAT " us in the call, %" G_GINT64_FORMAT " us in all, %u ticks, "
                  "longest stall %" G_GINT64_FORMAT " us", flight.in_call_us, flight.total_us, flight.ticks,
                  flight.max_stall_us);
  g_assert_cmpint (flight.in_call_us, <, MAX_STALL_MS * 1000);
  g_assert_cmpint (flight.max_stall_us, <, MAX_STALL_MS * 1000);
  g_assert_true (hap_controller_connection_is_ble (connection));
  g_assert_false (hap_controller_connection_is_secure (connection));
  flight_end (&flight);
}

static void
reconnect (void)
{
  g_autoptr(GError) error = NULL;

  hap_controller_connection_close (connection);
  g_assert_true (hap_controller_connection_connect_ble (connection, adapter, address, NULL, &error));
  g_assert_no_error (error);
}

static void
test_pair_setup_wrong_code (void)
{
  g_autoptr(GError) error = NULL;
  Flight flight;

  reconnect ();
  flight_begin (&flight);
  hap_controller_connection_pair_setup_async (connection, "111-22-334", HAP_PAIR_SETUP_FLAGS_NONE, NULL, landed,
                                              &flight);
  g_assert_false (hap_controller_connection_pair_setup_finish (connection, flight_wait (&flight), &error));
  g_assert_error (error, HAP_PAIRING_ERROR, HAP_PAIRING_ERROR_AUTHENTICATION);
  assert_did_not_block (&flight, "pair-setup (wrong code)");
  flight_end (&flight);
}

static void
test_pair_setup (void)
{
  g_autoptr(GError) error = NULL;
  Flight flight;

  reconnect ();
  flight_begin (&flight);
  hap_controller_connection_pair_setup_async (connection, setup_code, HAP_PAIR_SETUP_FLAGS_NONE, NULL, landed,
                                              &flight);
  g_assert_true (hap_controller_connection_pair_setup_finish (connection, flight_wait (&flight), &error));
  g_assert_no_error (error);
  assert_did_not_block (&flight, "pair-setup");
  flight_end (&flight);
  g_assert_nonnull (hap_controller_connection_get_accessory_id (connection));
}

static void
test_pair_verify (void)
{
  g_autoptr(GError) error = NULL;
  Flight flight;

  reconnect ();
  g_assert_false (hap_controller_connection_is_secure (connection));
  flight_begin (&flight);
  hap_controller_connection_pair_verify_async (connection, NULL, landed, &flight);
  g_assert_true (hap_controller_connection_pair_verify_finish (connection, flight_wait (&flight), &error));
  g_assert_no_error (error);
  assert_did_not_block (&flight, "pair-verify");
  flight_end (&flight);
  g_assert_true (hap_controller_connection_is_secure (connection));
}

/* The Lightbulb's Brightness, from the database: GET /accessories, dozens of
 * procedures, none of which blocks the loop. */
static void
find_brightness (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *services;
  Flight flight;
  guint status = 0;

  flight_begin (&flight);
  hap_controller_connection_get_json_async (connection, "/accessories", NULL, landed, &flight);
  root = hap_controller_connection_get_json_finish (connection, flight_wait (&flight), &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 200);
  assert_did_not_block (&flight, "accessories");
  flight_end (&flight);
  services = json_object_get_array_member (json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (root), "accessories"), 0), "services");
  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      JsonArray *characteristics = json_object_get_array_member (json_array_get_object_element (services, i),
                                                                 "characteristics");

      for (guint j = 0; j < json_array_get_length (characteristics); j++)
        {
          JsonObject *c = json_array_get_object_element (characteristics, j);

          /* As accessories/lightbulb.json has it. */
          if (g_str_equal (json_object_get_string_member (c, "type"), "8"))
            {
              brightness_iid = json_object_get_int_member (c, "iid");
              g_assert_cmpint (json_object_get_int_member (c, "value"), ==, 75);
            }
        }
    }
  g_assert_cmpint (brightness_iid, >, 0);
}

static JsonNode *
brightness_write (gint64 value, gboolean ev)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "characteristics");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "aid");
  json_builder_add_int_value (builder, 1);
  json_builder_set_member_name (builder, "iid");
  json_builder_add_int_value (builder, brightness_iid);
  if (value >= 0)
    {
      json_builder_set_member_name (builder, "value");
      json_builder_add_int_value (builder, value);
    }
  if (ev)
    {
      json_builder_set_member_name (builder, "ev");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static char *
brightness_target (void)
{
  return g_strdup_printf ("/characteristics?id=1.%" G_GINT64_FORMAT, brightness_iid);
}

/* GET of Brightness: its value, or -1 with @error. */
static gint64
read_brightness (GCancellable *cancellable, Flight *flight, GError **error)
{
  g_autofree char *target = brightness_target ();
  g_autoptr(JsonNode) root = NULL;
  guint status = 0;
  JsonObject *c;

  flight_begin (flight);
  hap_controller_connection_get_json_async (connection, target, cancellable, landed, flight);
  root = hap_controller_connection_get_json_finish (connection, flight_wait (flight), &status, error);
  if (root == NULL)
    return -1;
  g_assert_cmpuint (status, ==, 200);
  c = json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "characteristics"), 0);
  g_assert_cmpint (json_object_get_int_member (c, "iid"), ==, brightness_iid);
  return json_object_get_int_member (c, "value");
}

static void
test_put_get (void)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  Flight flight;
  guint status = 0;

  find_brightness ();
  body = brightness_write (42, FALSE);
  flight_begin (&flight);
  hap_controller_connection_put_json_async (connection, "/characteristics", body, NULL, landed, &flight);
  root = hap_controller_connection_put_json_finish (connection, flight_wait (&flight), &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 204);
  assert_did_not_block (&flight, "put");
  flight_end (&flight);

  g_assert_cmpint (read_brightness (NULL, &flight, &error), ==, 42);
  g_assert_no_error (error);
  assert_did_not_block (&flight, "get");
  flight_end (&flight);

  /* An iid the accessory does not have: a 207 with its status, not an error. */
  flight_begin (&flight);
  hap_controller_connection_get_json_async (connection, "/characteristics?id=1.9999", NULL, landed, &flight);
  g_clear_pointer (&root, json_node_unref);
  root = hap_controller_connection_get_json_finish (connection, flight_wait (&flight), &status, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (status, ==, 207);
  flight_end (&flight);
}

/* Two calls at once on one link: HAP-BLE has one procedure at a time, so the second
 * waits for the first, and both answer right. */
static void
test_queued (void)
{
  g_autofree char *target = brightness_target ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) body = brightness_write (43, FALSE);
  Flight flight, other;
  JsonObject *c;

  flight_begin (&flight);
  flight_begin (&other);
  hap_controller_connection_put_json_async (connection, "/characteristics", body, NULL, landed, &flight);
  hap_controller_connection_get_json_async (connection, target, NULL, landed, &other);
  first = hap_controller_connection_put_json_finish (connection, flight_wait (&flight), NULL, &error);
  g_assert_no_error (error);
  g_assert_null (other.result);  /* still waiting behind the write, or reading now */
  second = hap_controller_connection_get_json_finish (connection, flight_wait (&other), NULL, &error);
  g_assert_no_error (error);
  c = json_array_get_object_element (json_object_get_array_member (json_node_get_object (second), "characteristics"),
                                     0);
  g_assert_cmpint (json_object_get_int_member (c, "value"), ==, 43);
  /* Each waited for the accessory's answers; the second for the first's as well. */
  g_assert_cmpint (other.total_us, >, flight.total_us);
  flight_end (&flight);
  flight_end (&other);
}

typedef struct
{
  GMainLoop *loop;
  gint64     iid;
  JsonNode  *value;
  GError    *closed;
} Events;

static void
on_event (HapControllerConnection *self, guint64 aid, guint64 iid, JsonNode *value, gpointer data)
{
  Events *events = data;

  g_assert_cmpuint (aid, ==, 1);
  if ((gint64) iid != events->iid)
    return;
  g_clear_pointer (&events->value, json_node_unref);
  events->value = json_node_copy (value);
  g_main_loop_quit (events->loop);
}

static void
on_closed (HapControllerConnection *self, const GError *error, gpointer data)
{
  Events *events = data;

  g_clear_error (&events->closed);
  events->closed = g_error_copy (error);
  g_main_loop_quit (events->loop);
}

static gboolean
give_up (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* hap-simulator ctl set, started without waiting: the change comes back as ::event. */
static void
set_on_accessory (gint64 value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = g_strdup_printf ("1.%" G_GINT64_FORMAT, brightness_iid);
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  g_autoptr(GSubprocess) ctl G_GNUC_UNUSED = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, g_getenv ("HAP_SIMULATOR"), "ctl",
                                                 "--bus", g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"), "set",
                                                 hap_controller_connection_get_accessory_id (connection), id, text,
                                                 NULL);

  g_assert_no_error (error);
}

/* ::event over BLE: subscribed asynchronously, a change made on the accessory is
 * indicated, read and emitted on the loop. */
static void
test_event (void)
{
  const char *ids[2] = { NULL, NULL };
  g_autofree char *id = g_strdup_printf ("1.%" G_GINT64_FORMAT, brightness_iid);
  g_autoptr(GError) error = NULL;
  Events events = { g_main_loop_new (NULL, FALSE), brightness_iid, NULL, NULL };
  Flight flight;
  guint timeout;

  ids[0] = id;
  g_signal_connect (connection, "event", G_CALLBACK (on_event), &events);
  flight_begin (&flight);
  hap_controller_connection_subscribe_async (connection, ids, TRUE, NULL, landed, &flight);
  g_assert_true (hap_controller_connection_subscribe_finish (connection, flight_wait (&flight), &error));
  g_assert_no_error (error);
  flight_end (&flight);

  set_on_accessory (77);
  timeout = g_timeout_add_seconds (15, give_up, events.loop);
  g_main_loop_run (events.loop);
  g_source_remove (timeout);
  g_assert_nonnull (events.value);
  g_assert_cmpint (json_node_get_int (events.value), ==, 77);
  g_assert_null (events.closed);
  g_signal_handlers_disconnect_by_data (connection, &events);
  g_clear_pointer (&events.value, json_node_unref);
  g_main_loop_unref (events.loop);
}

static void
test_cancel_before (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Flight flight;

  g_cancellable_cancel (cancellable);
  g_assert_cmpint (read_brightness (cancellable, &flight, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  flight_end (&flight);
  g_clear_error (&error);
  /* Nothing went out: the link is still good. */
  g_assert_cmpint (read_brightness (NULL, &flight, &error), ==, 77);
  g_assert_no_error (error);
  flight_end (&flight);
}

static gboolean
cancel_now (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_in_flight (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = brightness_write (7, FALSE);
  g_autoptr(JsonNode) root = NULL;
  Flight flight;

  Events events = { g_main_loop_new (NULL, FALSE), -1, NULL, NULL };
  guint timeout;

  /* Subscribed since test_event(): the link going down is ::closed. */
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), &events);
  /* Cancelled from the loop while the write is out, as a user's Cancel button does. */
  flight_begin (&flight);
  hap_controller_connection_put_json_async (connection, "/characteristics", body, cancellable, landed, &flight);
  g_idle_add (cancel_now, cancellable);
  root = hap_controller_connection_put_json_finish (connection, flight_wait (&flight), NULL, &error);
  g_assert_null (root);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  flight_end (&flight);
  g_clear_error (&error);
  /* Cut in the middle of a procedure, the link is dropped: the next call says so. */
  g_assert_cmpint (read_brightness (NULL, &flight, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  flight_end (&flight);
  if (events.closed == NULL)
    {
      timeout = g_timeout_add_seconds (10, give_up, events.loop);
      g_main_loop_run (events.loop);
      g_source_remove (timeout);
    }
  g_assert_error (events.closed, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  g_signal_handlers_disconnect_by_data (connection, &events);
  g_clear_error (&events.closed);
  g_main_loop_unref (events.loop);
}

/* The blocking calls are wrappers of the same: they work over BLE on a new link. */
static void
test_blocking_wrappers (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = brightness_write (55, FALSE);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *target = brightness_target ();
  JsonObject *c;

  reconnect ();
  hap_controller_connection_pair_verify (connection, NULL, &error);
  g_assert_no_error (error);
  root = hap_controller_connection_put_json (connection, "/characteristics", body, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_pointer (&root, json_node_unref);
  root = hap_controller_connection_get_json (connection, target, NULL, NULL, &error);
  g_assert_no_error (error);
  c = json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "characteristics"), 0);
  g_assert_cmpint (json_object_get_int_member (c, "value"), ==, 55);
}

/* Pair Resume with the ticket the last session left (§3.4): one procedure, not the
 * loop's time. */
static void
test_pair_resume (void)
{
  g_autoptr(GError) error = NULL;
  gboolean resumed = FALSE;
  Flight flight;

  reconnect ();
  flight_begin (&flight);
  hap_controller_connection_pair_resume_async (connection, NULL, landed, &flight);
  g_assert_true (hap_controller_connection_pair_resume_finish (connection, flight_wait (&flight), &resumed, &error));
  g_assert_no_error (error);
  g_assert_true (resumed);
  assert_did_not_block (&flight, "pair-resume");
  flight_end (&flight);
  g_assert_true (hap_controller_connection_is_secure (connection));
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  if (argc != 5)
    {
      g_printerr ("usage: test-ble-async ADAPTER BD-ADDRESS SETUP-CODE CONTROLLER-FILE\n");
      return 2;
    }
  adapter = argv[1];
  address = argv[2];
  setup_code = argv[3];
  controller_path = argv[4];
  controller = hap_controller_new_for_file (controller_path, &error);
  g_assert_no_error (error);
  connection = hap_controller_connection_new (controller);
  hap_controller_connection_set_timeout (connection, 20000);

  /* In order: each case starts where the one before left the accessory. */
  g_test_add_func ("/ble-async/connect", test_connect);
  g_test_add_func ("/ble-async/pair-setup-wrong-code", test_pair_setup_wrong_code);
  g_test_add_func ("/ble-async/pair-setup", test_pair_setup);
  g_test_add_func ("/ble-async/pair-verify", test_pair_verify);
  g_test_add_func ("/ble-async/put-get", test_put_get);
  g_test_add_func ("/ble-async/queued", test_queued);
  g_test_add_func ("/ble-async/event", test_event);
  g_test_add_func ("/ble-async/cancel-before", test_cancel_before);
  g_test_add_func ("/ble-async/cancel-in-flight", test_cancel_in_flight);
  g_test_add_func ("/ble-async/blocking-wrappers", test_blocking_wrappers);
  g_test_add_func ("/ble-async/pair-resume", test_pair_resume);
  status = g_test_run ();
  g_clear_object (&connection);
  g_clear_object (&controller);
  return status;
}
