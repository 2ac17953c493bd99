/* test-quirks-events.c — the EV quirks on the wire: subscriptions and events with each
 * quirk on, then off again
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fixture sends events without coalescing (event window 0), so every change is one
 * EVENT/1.0 message and the bytes on the wire can be compared exactly.
 */
#include <string.h>

#include "sim-fixture.h"

#define CT_JSON "application/hap+json"

/* ---- helpers ---------------------------------------------------------------------- */

static char *
request_body (HapTestClient *client,
              const char    *method,
              const char    *target,
              const char    *body,
              guint          expected_status)
{
  g_autoptr(HapHttpMessage) response = NULL;
  const char *data;
  gsize len;

  response = hap_test_client_request (client, method, target, body != NULL ? CT_JSON : NULL,
                                      body, body != NULL ? strlen (body) : 0);
  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, expected_status);
  data = g_bytes_get_data (response->body, &len);
  return g_strndup (data != NULL ? data : "", len);
}

static char *
put (HapTestClient *client,
     guint          expected_status,
     const char    *format,
     ...) G_GNUC_PRINTF (3, 4);

static char *
put (HapTestClient *client,
     guint          expected_status,
     const char    *format,
     ...)
{
  g_autofree char *body = NULL;
  va_list args;

  va_start (args, format);
  body = g_strdup_vprintf (format, args);
  va_end (args);
  return request_body (client, "PUT", "/characteristics", body, expected_status);
}

static void
subscribe (HapTestClient *client,
           guint64        iid)
{
  g_autofree char *body = put (client, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT
                               ",\"ev\":true}]}", iid);

  g_assert_cmpstr (body, ==, "");
}

static char *
event_bytes (const char *body)
{
  return g_strdup_printf ("EVENT/1.0 200 OK\r\nContent-Type: application/hap+json\r\n"
                          "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
}

/* The body of the next EVENT, or NULL when none comes within @timeout_ms. */
static char *
next_event (HapTestClient *client,
            guint          timeout_ms)
{
  g_autoptr(HapHttpMessage) event = hap_test_client_wait_event (client, timeout_ms);
  const char *data;
  gsize len;

  if (event == NULL)
    return NULL;
  data = g_bytes_get_data (event->body, &len);
  return g_strndup (data != NULL ? data : "", len);
}

static char *
value_body (guint64     iid,
            const char *value)
{
  return g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":%s}]}",
                          iid, value);
}

/* The plaintext the accessory sends from now on, exactly, until it is quiet. */
static char *
read_raw (HapTestClient *client,
          guint          quiet_ms)
{
  g_autoptr(GByteArray) raw = hap_test_client_read_raw (client, quiet_ms, 5000);

  return g_strndup ((const char *) raw->data, raw->len);
}

/* Sends a PUT /characteristics as raw bytes (to read the answer raw too). */
static void
send_put (HapTestClient *client,
          const char    *body)
{
  g_autofree char *request = g_strdup_printf ("PUT /characteristics HTTP/1.1\r\nHost: sim\r\n"
                                              "Content-Type: application/hap+json\r\n"
                                              "Content-Length: %zu\r\n\r\n%s", strlen (body), body);

  hap_test_client_send_raw (client, (const guint8 *) request, strlen (request));
}

/* A lamp with four characteristics that have ev: On, Brightness, Hue, Saturation. */
typedef struct
{
  SimFixture *fx;
  guint64     on, brightness, hue, saturation;
} Lamp;

static void
lamp_start (Lamp *lamp)
{
  g_autoptr(HapTestClient) client = NULL;

  lamp->fx = sim_fixture_start ("lightbulb.json", NULL);
  client = sim_fixture_connect_paired (lamp->fx);
  lamp->on = hap_test_client_find_iid (client, 1, "25");
  lamp->brightness = hap_test_client_find_iid (client, 1, "8");
  lamp->hue = hap_test_client_find_iid (client, 1, "13");
  lamp->saturation = hap_test_client_find_iid (client, 1, "2F");
}

/* ---- ev-subscription-limit (row 43) ------------------------------------------------- */

static void
read_limit (HapSimAccessory *accessory,
            gpointer         data)
{
  *(guint *) data = hap_sim_quirk_get_uint (hap_sim_accessory_get_quirk (accessory, "ev-subscription-limit"),
                                            "max-subscriptions");
}

static void
test_subscription_limit (void)
{
  Lamp lamp;
  g_autoptr(HapTestClient) many = NULL;
  g_autoptr(HapTestClient) few = NULL;
  g_autoptr(HapTestClient) later = NULL;
  g_autofree char *body = NULL;
  g_autofree char *event = NULL;
  g_autofree char *expected = NULL;
  guint limit = 0;

  lamp_start (&lamp);
  sim_fixture_enable_quirk (lamp.fx, "ev-subscription-limit", NULL);
  sim_fixture_invoke (lamp.fx, read_limit, &limit);
  g_assert_cmpuint (limit, ==, 26);   /* HA #37996: more than 26 in one PUT */

  /* With a limit of 3: one PUT of four succeeds, but that connection hears nothing. */
  sim_fixture_enable_quirk (lamp.fx, "ev-subscription-limit", "{'max-subscriptions': <3>}");
  many = sim_fixture_connect_paired (lamp.fx);
  few = sim_fixture_connect_paired (lamp.fx);
  body = put (many, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},"
              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT
              ",\"ev\":true},{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}",
              lamp.on, lamp.brightness, lamp.hue, lamp.saturation);
  g_assert_cmpstr (body, ==, "");
  g_free (body);
  body = put (few, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},"
              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT
              ",\"ev\":true}]}", lamp.on, lamp.brightness, lamp.hue);
  g_assert_cmpstr (body, ==, "");

  sim_fixture_set_value (lamp.fx, "Lightbulb/Brightness", g_variant_new_int32 (20));
  expected = value_body (lamp.brightness, "20");
  event = next_event (few, 2000);
  g_assert_cmpstr (event, ==, expected);
  g_assert_null (next_event (many, 500));

  /* Off: the muted connection gets events again, and so does a big PUT. */
  sim_fixture_disable_quirk (lamp.fx, "ev-subscription-limit");
  later = sim_fixture_connect_paired (lamp.fx);
  g_free (body);
  body = put (later, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},"
              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT
              ",\"ev\":true},{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}",
              lamp.on, lamp.brightness, lamp.hue, lamp.saturation);
  sim_fixture_set_value (lamp.fx, "Lightbulb/Brightness", g_variant_new_int32 (30));
  g_free (expected);
  expected = value_body (lamp.brightness, "30");
  g_free (event);
  event = next_event (many, 2000);
  g_assert_cmpstr (event, ==, expected);
  g_free (event);
  event = next_event (later, 2000);
  g_assert_cmpstr (event, ==, expected);

  hap_test_client_free (g_steal_pointer (&many));
  hap_test_client_free (g_steal_pointer (&few));
  hap_test_client_free (g_steal_pointer (&later));
  sim_fixture_stop (lamp.fx);
}

/* ---- ev-no-push (row 44) ------------------------------------------------------------ */

static void
test_no_push (void)
{
  Lamp lamp;
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(HapTestClient) closing = NULL;
  g_autofree char *body = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *event = NULL;
  g_autoptr(HapHttpMessage) response = NULL;
  g_autofree char *subscribe_both = NULL;

  lamp_start (&lamp);
  client = sim_fixture_connect_paired (lamp.fx);
  subscribe_both = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},"
                                    "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}",
                                    lamp.on, lamp.brightness);

  /* mode=status: every subscription refused with -70406, nothing subscribed. */
  sim_fixture_enable_quirk (lamp.fx, "ev-no-push", NULL);
  body = request_body (client, "PUT", "/characteristics", subscribe_both, 207);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70406},"
                              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70406}]}",
                              lamp.on, lamp.brightness);
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_set_value (lamp.fx, "Lightbulb/Brightness", g_variant_new_int32 (10));
  g_assert_null (next_event (client, 500));

  /* Mixed with a write: the write goes through, the subscription does not. */
  g_free (body);
  body = put (client, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},"
              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":60}]}", lamp.on, lamp.brightness);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70406},"
                              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":0}]}", lamp.on, lamp.brightness);
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  {
    g_autofree char *target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, lamp.brightness);
    body = request_body (client, "GET", target, NULL, 200);
  }
  g_free (expected);
  expected = value_body (lamp.brightness, "60");
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_set_value (lamp.fx, "Lightbulb/On", g_variant_new_boolean (FALSE));
  g_assert_null (next_event (client, 500));

  /* mode=close: the connection goes away without an answer. */
  sim_fixture_enable_quirk (lamp.fx, "ev-no-push", "{'mode': <'close'>}");
  closing = sim_fixture_connect_paired (lamp.fx);
  response = hap_test_client_request (closing, "PUT", "/characteristics", CT_JSON,
                                      subscribe_both, strlen (subscribe_both));
  g_assert_null (response);
  g_assert_true (hap_test_client_wait_closed (closing, 2000));

  /* Off: subscriptions work. */
  sim_fixture_disable_quirk (lamp.fx, "ev-no-push");
  g_free (body);
  body = request_body (client, "PUT", "/characteristics", subscribe_both, 204);
  sim_fixture_set_value (lamp.fx, "Lightbulb/Brightness", g_variant_new_int32 (15));
  g_free (expected);
  expected = value_body (lamp.brightness, "15");
  event = next_event (client, 2000);
  g_assert_cmpstr (event, ==, expected);

  hap_test_client_free (g_steal_pointer (&client));
  hap_test_client_free (g_steal_pointer (&closing));
  sim_fixture_stop (lamp.fx);
}

/* ---- ev-immediate-event (row 45) ---------------------------------------------------- */

static void
test_immediate_event (void)
{
  Lamp lamp;
  g_autoptr(HapTestClient) raw_client = NULL;
  g_autoptr(HapTestClient) writer = NULL;
  g_autoptr(HapTestClient) listener = NULL;
  g_autofree char *subscribe_two = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *event = NULL;
  g_autofree char *body = NULL;

  lamp_start (&lamp);
  subscribe_two = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true},"
                                   "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}",
                                   lamp.on, lamp.brightness);

  /* The 204, then at once an EVENT with the current values of what was subscribed. */
  sim_fixture_enable_quirk (lamp.fx, "ev-immediate-event", NULL);
  raw_client = sim_fixture_connect_paired (lamp.fx);
  send_put (raw_client, subscribe_two);
  raw = read_raw (raw_client, 300);
  {
    g_autofree char *values = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":true},"
                                               "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":75}]}",
                                               lamp.on, lamp.brightness);
    g_autofree char *ev = event_bytes (values);

    expected = g_strconcat ("HTTP/1.1 204 No Content\r\n\r\n", ev, NULL);
  }
  g_assert_cmpstr (raw, ==, expected);

  /* unchanged=true: writing the value it already has still reaches the other
   * subscribers (not the writer). */
  sim_fixture_enable_quirk (lamp.fx, "ev-immediate-event", "{'unchanged': <true>}");
  writer = sim_fixture_connect_paired (lamp.fx);
  listener = sim_fixture_connect_paired (lamp.fx);
  subscribe (listener, lamp.brightness);
  g_free (expected);
  expected = value_body (lamp.brightness, "75");
  event = next_event (listener, 2000);
  g_assert_cmpstr (event, ==, expected);
  subscribe (writer, lamp.brightness);
  g_free (event);
  event = next_event (writer, 2000);
  g_assert_cmpstr (event, ==, expected);
  body = put (writer, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":75}]}",
              lamp.brightness);
  g_free (event);
  event = next_event (listener, 2000);
  g_assert_cmpstr (event, ==, expected);
  g_assert_null (next_event (writer, 300));

  /* Off: no event after subscribing, none for an unchanged write; a change still goes. */
  sim_fixture_disable_quirk (lamp.fx, "ev-immediate-event");
  g_free (body);
  body = put (listener, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", lamp.hue);
  g_assert_null (next_event (listener, 300));
  g_free (body);
  body = put (writer, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":75}]}",
              lamp.brightness);
  g_assert_null (next_event (listener, 300));
  g_free (body);
  body = put (writer, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":76}]}",
              lamp.brightness);
  g_free (expected);
  expected = value_body (lamp.brightness, "76");
  g_free (event);
  event = next_event (listener, 2000);
  g_assert_cmpstr (event, ==, expected);
  g_assert_null (next_event (writer, 300));

  hap_test_client_free (g_steal_pointer (&raw_client));
  hap_test_client_free (g_steal_pointer (&writer));
  hap_test_client_free (g_steal_pointer (&listener));
  sim_fixture_stop (lamp.fx);
}

/* ---- ev-unsolicited (row 46) -------------------------------------------------------- */

static void
test_unsolicited (void)
{
  Lamp lamp;
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(HapTestClient) guest = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *expected = NULL;
  g_autofree char *event = NULL;
  gint64 deadline;

  lamp_start (&lamp);
  client = sim_fixture_connect_paired (lamp.fx);
  guest = sim_fixture_connect (lamp.fx);   /* never verified: never gets one */
  subscribe (client, lamp.on);

  /* Every 100 ms, each characteristic with ev the connection did not subscribe to. */
  sim_fixture_enable_quirk (lamp.fx, "ev-unsolicited", "{'interval-ms': <100>}");
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_hash_table_size (seen) < 3 && g_get_monotonic_time () < deadline)
    {
      char *body = next_event (client, 1000);

      g_assert_nonnull (body);
      g_hash_table_add (seen, body);
    }
  {
    g_autofree char *b = value_body (lamp.brightness, "75");
    g_autofree char *h = value_body (lamp.hue, "30");
    g_autofree char *s = value_body (lamp.saturation, "40");

    g_assert_cmpuint (g_hash_table_size (seen), ==, 3);
    g_assert_true (g_hash_table_contains (seen, b));
    g_assert_true (g_hash_table_contains (seen, h));
    g_assert_true (g_hash_table_contains (seen, s));
  }

  /* Just one, exactly. Re-enabling stopped the old timer: once a gap shorter than the
   * new interval has passed, every event is of the new kind. */
  sim_fixture_enable_quirk (lamp.fx, "ev-unsolicited",
                            "{'interval-ms': <400>, 'characteristic': <'Lightbulb/Saturation'>}");
  while ((event = next_event (client, 200)) != NULL)
    g_free (event);
  expected = value_body (lamp.saturation, "40");
  for (guint i = 0; i < 3; i++)
    {
      event = next_event (client, 1000);
      g_assert_cmpstr (event, ==, expected);
      g_clear_pointer (&event, g_free);
    }
  {
    g_autoptr(GByteArray) raw = hap_test_client_read_raw (guest, 300, 300);
    g_assert_cmpuint (raw->len, ==, 0);
  }

  sim_fixture_disable_quirk (lamp.fx, "ev-unsolicited");
  while ((event = next_event (client, 150)) != NULL)   /* what was already under way */
    g_free (event);
  g_assert_null (next_event (client, 500));

  hap_test_client_free (g_steal_pointer (&client));
  hap_test_client_free (g_steal_pointer (&guest));
  sim_fixture_stop (lamp.fx);
}

/* ---- ev-empty-body ------------------------------------------------------------------ */

static void
test_empty_body (void)
{
  Lamp lamp;
  g_autoptr(HapTestClient) client = NULL;
  g_autofree char *raw = NULL;
  g_autofree char *expected = NULL;

  lamp_start (&lamp);
  client = sim_fixture_connect_paired (lamp.fx);
  subscribe (client, lamp.brightness);

  sim_fixture_enable_quirk (lamp.fx, "ev-empty-body", NULL);
  sim_fixture_set_value (lamp.fx, "Lightbulb/Brightness", g_variant_new_int32 (5));
  raw = read_raw (client, 300);
  g_assert_cmpstr (raw, ==, "EVENT/1.0 200 OK\r\nContent-Type: application/hap+json\r\nContent-Length: 0\r\n\r\n");

  sim_fixture_disable_quirk (lamp.fx, "ev-empty-body");
  sim_fixture_set_value (lamp.fx, "Lightbulb/Brightness", g_variant_new_int32 (6));
  g_free (raw);
  raw = read_raw (client, 300);
  {
    g_autofree char *body = value_body (lamp.brightness, "6");
    expected = event_bytes (body);
  }
  g_assert_cmpstr (raw, ==, expected);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (lamp.fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quirks/events/subscription-limit", test_subscription_limit);
  g_test_add_func ("/quirks/events/no-push", test_no_push);
  g_test_add_func ("/quirks/events/immediate-event", test_immediate_event);
  g_test_add_func ("/quirks/events/unsolicited", test_unsolicited);
  g_test_add_func ("/quirks/events/empty-body", test_empty_body);
  return g_test_run ();
}
