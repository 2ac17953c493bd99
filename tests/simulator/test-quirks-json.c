/* test-quirks-json.c — the JSON body quirks (simulator/quirks/quirks-json.c) on the wire
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each test enables a quirk, reads, writes or subscribes as a paired controller, checks
 * the exact body bytes (of responses and, for the syntax quirks, of events), then
 * disables the quirk and checks the server's own compact JSON again.
 */
#include "sim-fixture.h"

#include <string.h>

/* A lamp and a temperature sensor (float, read-only) on one accessory whose name has an
 * apostrophe and a non-ASCII letter (for the quote and encoding quirks). */
static const char accessory_json[] =
  "{\"accessories\":[{\"name\":\"Bob's K\xc3\xbc" "che\",\"services\":["
  "{\"type\":\"Lightbulb\",\"primary\":true,\"characteristics\":["
  "{\"type\":\"On\",\"value\":true},{\"type\":\"Brightness\",\"value\":50}]},"
  "{\"type\":\"TemperatureSensor\",\"characteristics\":["
  "{\"type\":\"CurrentTemperature\",\"value\":21.5}]}]}]}";

typedef struct
{
  SimFixture    *fx;
  HapTestClient *client;
  guint64        name, on, brightness, temperature;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->fx = sim_fixture_start (NULL, accessory_json);
  f->client = sim_fixture_connect_paired (f->fx);
  f->name = hap_test_client_find_iid (f->client, 1, "23");
  f->on = hap_test_client_find_iid (f->client, 1, "25");
  f->brightness = hap_test_client_find_iid (f->client, 1, "8");
  f->temperature = hap_test_client_find_iid (f->client, 1, "11");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hap_test_client_free (f->client);
  sim_fixture_stop (f->fx);
}

G_GNUC_PRINTF (2, 3)
static HapHttpMessage *
get (Fixture *f, const char *format, ...)
{
  va_list args;
  g_autofree char *target = NULL;
  HapHttpMessage *response;

  va_start (args, format);
  target = g_strdup_vprintf (format, args);
  va_end (args);
  response = hap_test_client_request (f->client, "GET", target, NULL, NULL, 0);
  g_assert_nonnull (response);
  return response;
}

G_GNUC_PRINTF (2, 3)
static HapHttpMessage *
put (Fixture *f, const char *format, ...)
{
  va_list args;
  g_autofree char *body = NULL;
  HapHttpMessage *response;

  va_start (args, format);
  body = g_strdup_vprintf (format, args);
  va_end (args);
  response = hap_test_client_request (f->client, "PUT", "/characteristics",
                                      "application/hap+json", body, strlen (body));
  g_assert_nonnull (response);
  return response;
}

/* Asserts the status and the exact body (a printf format). */
G_GNUC_PRINTF (3, 4)
static void
assert_response (HapHttpMessage *message, guint status, const char *format, ...)
{
  va_list args;
  g_autofree char *expected = NULL;
  gsize len;
  const guint8 *body = g_bytes_get_data (message->body, &len);

  va_start (args, format);
  expected = g_strdup_vprintf (format, args);
  va_end (args);
  if (len != strlen (expected) || (len > 0 && memcmp (body, expected, len) != 0))
    {
      g_autofree char *got = g_strndup ((const char *) body, len);
      g_autofree char *got_escaped = g_strescape (got, NULL);
      g_autofree char *expected_escaped = g_strescape (expected, NULL);

      g_test_message ("body:     %s\nexpected: %s", got_escaped, expected_escaped);
    }
  g_assert_cmpuint (message->status, ==, status);
  g_assert_cmpmem (body, len, expected, strlen (expected));
}

static void
response_free (HapHttpMessage **message)
{
  g_clear_pointer (message, hap_http_message_free);
}

static void
subscribe (Fixture *f, guint64 iid)
{
  g_autoptr(HapHttpMessage) response =
    put (f, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", iid);

  g_assert_cmpuint (response->status, ==, 204);
}

typedef struct
{
  guint64   iid;
  GVariant *value;
} SetValue;

static void
set_value_cb (HapSimAccessory *accessory, gpointer user_data)
{
  SetValue *sv = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (hap_sim_accessory_set_value (accessory, hap_sim_accessory_lookup (accessory, 1, sv->iid),
                                              sv->value, &error));
  g_assert_no_error (error);
}

/* Changes a value as the device would and returns the event the controller got. */
static HapHttpMessage *
event_after_set (Fixture *f, guint64 iid, GVariant *value)
{
  SetValue sv = { iid, g_variant_ref_sink (value) };
  HapHttpMessage *event;

  sim_fixture_invoke (f->fx, set_value_cb, &sv);
  g_variant_unref (sv.value);
  event = hap_test_client_wait_event (f->client, 3000);
  g_assert_nonnull (event);
  g_assert_true (event->is_event);
  return event;
}

#define U G_GUINT64_FORMAT

/* ---- #28 ----------------------------------------------------------------------------- */

static void
test_trailing_commas (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;

  subscribe (f, f->on);
  sim_fixture_enable_quirk (f->fx, "json-trailing-commas", NULL);
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->on, f->brightness);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":true,},"
                   "{\"aid\":1,\"iid\":%" U ",\"value\":50,},],}", f->on, f->brightness);
  response_free (&r);
  r = event_after_set (f, f->on, g_variant_new_boolean (FALSE));
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":false,},],}",
                   f->on);
  response_free (&r);
  /* Strings are left alone. */
  r = get (f, "/characteristics?id=1.%" U, f->name);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":\"Bob's K\xc3\xbc"
                   "che\",},],}", f->name);
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-trailing-commas");
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->on, f->brightness);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":false},"
                   "{\"aid\":1,\"iid\":%" U ",\"value\":50}]}", f->on, f->brightness);
  response_free (&r);
  r = event_after_set (f, f->on, g_variant_new_boolean (TRUE));
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":true}]}", f->on);
}

/* ---- #29 ----------------------------------------------------------------------------- */

static void
test_non_json_body (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;

  sim_fixture_enable_quirk (f->fx, "json-non-json-body", "{'min-ids': <uint32 2>}");
  /* One id: still JSON. */
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":true}]}", f->on);
  response_free (&r);
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->on, f->brightness);
  assert_response (r, 500, "wsgi handler failed");
  g_assert_cmpstr (hap_http_message_get_header (r, "Content-Type"), ==, "text/plain");
  response_free (&r);

  sim_fixture_enable_quirk (f->fx, "json-non-json-body", "{'style': <'html'>, 'status': <uint32 200>, 'min-ids': <uint32 1>}");
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "<html><head><title>500 Internal Server Error</title></head>"
                   "<body><h1>Internal Server Error</h1></body></html>");
  g_assert_cmpstr (hap_http_message_get_header (r, "Content-Type"), ==, "text/html");
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-non-json-body");
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->on, f->brightness);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":true},"
                   "{\"aid\":1,\"iid\":%" U ",\"value\":50}]}", f->on, f->brightness);
  g_assert_cmpstr (hap_http_message_get_header (r, "Content-Type"), ==, "application/hap+json");
}

/* ---- #30 ----------------------------------------------------------------------------- */

static void
assert_on (Fixture *f, const char *value)
{
  g_autoptr(HapHttpMessage) r = get (f, "/characteristics?id=1.%" U, f->on);

  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":%s}]}",
                   f->on, value);
}

static void
test_compact_requests (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
  /* json.dumps' default separators, and compact JSON */
#define SPACED "{\"characteristics\": [{\"aid\": 1, \"iid\": %" U ", \"value\": %s}]}"
#define COMPACT "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":%s}]}"

  sim_fixture_enable_quirk (f->fx, "json-compact-requests", NULL);
  r = put (f, SPACED, f->on, "false");
  assert_response (r, 400, "{\"status\":-70410}");
  response_free (&r);
  assert_on (f, "true");
  /* Spaces inside strings do not count; compact JSON is written. */
  r = put (f, COMPACT, f->on, "false");
  assert_response (r, 204, "%s", "");
  response_free (&r);
  assert_on (f, "false");

  sim_fixture_enable_quirk (f->fx, "json-compact-requests", "{'reply': <'ignore'>}");
  r = put (f, SPACED, f->on, "true");
  assert_response (r, 204, "%s", "");
  response_free (&r);
  assert_on (f, "false");

  sim_fixture_disable_quirk (f->fx, "json-compact-requests");
  r = put (f, SPACED, f->on, "true");
  assert_response (r, 204, "%s", "");
  response_free (&r);
  assert_on (f, "true");
}

/* ---- #31 ----------------------------------------------------------------------------- */

static void
test_global_status (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
#define NORMAL "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":true}]}"

  sim_fixture_enable_quirk (f->fx, "json-global-status", "{'every': <uint32 2>}");
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, NORMAL, f->on);
  response_free (&r);
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 500, "{\"status\":-70407}");
  response_free (&r);
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, NORMAL, f->on);
  response_free (&r);

  sim_fixture_enable_quirk (f->fx, "json-global-status", "{'every': <uint32 1>, 'http-status': <uint32 207>}");
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 207, "{\"status\":-70407}");
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-global-status");
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, NORMAL, f->on);
}

/* ---- #32 ----------------------------------------------------------------------------- */

static void
test_status_rows_without_ids (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
#define EV_TWO "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"ev\":true}," \
               "{\"aid\":1,\"iid\":%" U ",\"ev\":true}]}"

  sim_fixture_enable_quirk (f->fx, "json-status-rows-without-ids", NULL);
  r = put (f, EV_TWO, f->on, f->brightness);
  assert_response (r, 207, "{\"characteristics\":[{\"status\":0},{\"status\":0}]}");
  response_free (&r);
  /* Name has no ev permission: -70406 for that row, in request order. */
  r = put (f, EV_TWO, f->name, f->on);
  assert_response (r, 207, "{\"characteristics\":[{\"status\":-70406},{\"status\":0}]}");
  response_free (&r);
  /* Writes are not subscriptions: untouched. */
  r = put (f, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":true}]}", f->on);
  assert_response (r, 204, "%s", "");
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-status-rows-without-ids");
  r = put (f, EV_TWO, f->on, f->brightness);
  assert_response (r, 204, "%s", "");
  response_free (&r);
  r = put (f, EV_TWO, f->name, f->on);
  assert_response (r, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"status\":-70406},"
                   "{\"aid\":1,\"iid\":%" U ",\"status\":0}]}", f->name, f->on);
}

/* ---- #33–#36: a write where one item fails ------------------------------------------- */

/* On (succeeds) and CurrentTemperature (read-only: -70404). */
static HapHttpMessage *
put_mixed (Fixture *f)
{
  return put (f, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":false},"
              "{\"aid\":1,\"iid\":%" U ",\"value\":30}]}", f->on, f->temperature);
}

static HapHttpMessage *
put_read_only (Fixture *f)
{
  return put (f, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":30}]}", f->temperature);
}

static void
assert_mixed_conforming (Fixture *f)
{
  g_autoptr(HapHttpMessage) r = put_mixed (f);

  assert_response (r, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"status\":0},"
                   "{\"aid\":1,\"iid\":%" U ",\"status\":-70404}]}", f->on, f->temperature);
}

static void
test_non_object_items (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;

  sim_fixture_enable_quirk (f->fx, "json-non-object-items", NULL);
  r = put_mixed (f);
  assert_response (r, 207, "{\"characteristics\":[true,{\"aid\":1,\"iid\":%" U ",\"status\":-70404}]}",
                   f->temperature);
  response_free (&r);
  sim_fixture_enable_quirk (f->fx, "json-non-object-items", "{'item': <'null'>}");
  r = put_mixed (f);
  assert_response (r, 207, "{\"characteristics\":[null,{\"aid\":1,\"iid\":%" U ",\"status\":-70404}]}",
                   f->temperature);
  response_free (&r);
  /* Reads are untouched. */
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":false}]}", f->on);

  sim_fixture_disable_quirk (f->fx, "json-non-object-items");
  assert_mixed_conforming (f);
}

static void
test_positive_status (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
  g_autoptr(HapTestClient) unverified = sim_fixture_connect (f->fx);

  sim_fixture_enable_quirk (f->fx, "json-positive-status", NULL);
  r = put_mixed (f);
  assert_response (r, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"status\":0},"
                   "{\"aid\":1,\"iid\":%" U ",\"status\":70404}]}", f->on, f->temperature);
  response_free (&r);
  /* Error bodies of other responses too (470 before Pair Verify). */
  r = hap_test_client_request (unverified, "GET", "/accessories", NULL, NULL, 0);
  g_assert_nonnull (r);
  assert_response (r, 470, "{\"status\":70411}");
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-positive-status");
  assert_mixed_conforming (f);
  r = hap_test_client_request (unverified, "GET", "/accessories", NULL, NULL, 0);
  g_assert_nonnull (r);
  assert_response (r, 470, "{\"status\":-70411}");
}

static void
test_undefined_status (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;

  sim_fixture_enable_quirk (f->fx, "json-undefined-status", NULL);
  r = put_mixed (f);
  assert_response (r, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"status\":0},"
                   "{\"aid\":1,\"iid\":%" U ",\"status\":-70499}]}", f->on, f->temperature);
  response_free (&r);
  sim_fixture_enable_quirk (f->fx, "json-undefined-status", "{'status': <-70420>}");
  r = put_read_only (f);
  assert_response (r, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"status\":-70420}]}",
                   f->temperature);
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-undefined-status");
  assert_mixed_conforming (f);
}

static void
test_write_response_dict (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;

  sim_fixture_enable_quirk (f->fx, "json-write-response-dict", NULL);
  r = put_read_only (f);
  assert_response (r, 207, "{\"characteristics\":{\"aid\":1,\"iid\":%" U ",\"status\":-70404}}",
                   f->temperature);
  response_free (&r);
  /* Two rows stay a list. */
  assert_mixed_conforming (f);

  sim_fixture_disable_quirk (f->fx, "json-write-response-dict");
  r = put_read_only (f);
  assert_response (r, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"status\":-70404}]}",
                   f->temperature);
}

/* ---- syntax variants ---------------------------------------------------------------- */

static void
test_comments (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
#define ROW "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":%s}]}"

  subscribe (f, f->on);
  sim_fixture_enable_quirk (f->fx, "json-comments", NULL);
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "// firmware 1.0\n" ROW, f->on, "true");
  response_free (&r);
  sim_fixture_enable_quirk (f->fx, "json-comments", "{'style': <'hash'>}");
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "# firmware 1.0\n" ROW, f->on, "true");
  response_free (&r);
  sim_fixture_enable_quirk (f->fx, "json-comments", "{'style': <'block'>}");
  r = event_after_set (f, f->on, g_variant_new_boolean (FALSE));
  assert_response (r, 200, "/* firmware 1.0 */\n" ROW, f->on, "false");
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-comments");
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, ROW, f->on, "false");
  response_free (&r);
  r = event_after_set (f, f->on, g_variant_new_boolean (TRUE));
  assert_response (r, 200, ROW, f->on, "true");
}

static void
test_single_quotes (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;

  subscribe (f, f->on);
  sim_fixture_enable_quirk (f->fx, "json-single-quotes", NULL);
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->name, f->on);
  assert_response (r, 200, "{'characteristics':[{'aid':1,'iid':%" U ",'value':'Bob\\'s K\xc3\xbc"
                   "che'},{'aid':1,'iid':%" U ",'value':true}]}", f->name, f->on);
  response_free (&r);
  r = event_after_set (f, f->on, g_variant_new_boolean (FALSE));
  assert_response (r, 200, "{'characteristics':[{'aid':1,'iid':%" U ",'value':false}]}", f->on);
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-single-quotes");
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->name, f->on);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":\"Bob's K\xc3\xbc"
                   "che\"},{\"aid\":1,\"iid\":%" U ",\"value\":false}]}", f->name, f->on);
}

static void
test_bom (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;

  subscribe (f, f->on);
  sim_fixture_enable_quirk (f->fx, "json-bom", NULL);
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "\xef\xbb\xbf{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":true}]}",
                   f->on);
  response_free (&r);
  r = event_after_set (f, f->on, g_variant_new_boolean (FALSE));
  assert_response (r, 200, "\xef\xbb\xbf{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":false}]}",
                   f->on);
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-bom");
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":false}]}", f->on);
}

static void
test_invalid_utf8 (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
  gsize len;
  const char *body;

  sim_fixture_enable_quirk (f->fx, "json-invalid-utf8", NULL);
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->name, f->on);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":\"Bob's K\xfc"
                   "che\"},{\"aid\":1,\"iid\":%" U ",\"value\":true}]}", f->name, f->on);
  body = g_bytes_get_data (r->body, &len);
  g_assert_false (g_utf8_validate (body, len, NULL));
  response_free (&r);
  /* The database too. */
  r = get (f, "/accessories");
  body = g_bytes_get_data (r->body, &len);
  g_assert_nonnull (g_strstr_len (body, len, "\"Bob's K\xfc" "che\""));
  g_assert_false (g_utf8_validate (body, len, NULL));
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-invalid-utf8");
  r = get (f, "/accessories");
  body = g_bytes_get_data (r->body, &len);
  g_assert_nonnull (g_strstr_len (body, len, "\"Bob's K\xc3\xbc" "che\""));
  g_assert_true (g_utf8_validate (body, len, NULL));
}

/* TRUE when some "aid" or "iid" key is followed by a bare number. */
static gboolean
has_numeric_id (const char *body, gsize len)
{
  static const char * const keys[] = { "\"aid\":", "\"iid\":" };

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      const char *p = body, *end = body + len;
      gsize key_len = strlen (keys[k]);

      while ((p = g_strstr_len (p, end - p, keys[k])) != NULL)
        {
          p += key_len;
          if (p < end && g_ascii_isdigit (*p))
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_string_ids (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
  gsize len;
  const char *body;

  subscribe (f, f->on);
  sim_fixture_enable_quirk (f->fx, "json-string-ids", NULL);
  r = get (f, "/characteristics?id=1.%" U, f->on);
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":\"1\",\"iid\":\"%" U "\",\"value\":true}]}",
                   f->on);
  response_free (&r);
  r = get (f, "/accessories");
  body = g_bytes_get_data (r->body, &len);
  g_assert_nonnull (g_strstr_len (body, len, "\"aid\":\"1\""));
  g_assert_false (has_numeric_id (body, len));
  response_free (&r);
  r = event_after_set (f, f->on, g_variant_new_boolean (FALSE));
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":\"1\",\"iid\":\"%" U "\",\"value\":false}]}",
                   f->on);
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-string-ids");
  r = get (f, "/accessories");
  body = g_bytes_get_data (r->body, &len);
  g_assert_true (has_numeric_id (body, len));
  g_assert_null (g_strstr_len (body, len, "\"aid\":\"1\""));
}

static void
test_nan (Fixture *f, gconstpointer data)
{
  g_autoptr(HapHttpMessage) r = NULL;
#define BOTH "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":%s}," \
             "{\"aid\":1,\"iid\":%" U ",\"value\":true}]}"

  subscribe (f, f->temperature);
  sim_fixture_enable_quirk (f->fx, "json-nan", NULL);
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->temperature, f->on);
  assert_response (r, 200, BOTH, f->temperature, "NaN", f->on);
  response_free (&r);
  r = event_after_set (f, f->temperature, g_variant_new_double (22.5));
  assert_response (r, 200, "{\"characteristics\":[{\"aid\":1,\"iid\":%" U ",\"value\":NaN}]}",
                   f->temperature);
  response_free (&r);
  sim_fixture_enable_quirk (f->fx, "json-nan", "{'token': <'-Infinity'>}");
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->temperature, f->on);
  assert_response (r, 200, BOTH, f->temperature, "-Infinity", f->on);
  response_free (&r);

  sim_fixture_disable_quirk (f->fx, "json-nan");
  r = get (f, "/characteristics?id=1.%" U ",1.%" U, f->temperature, f->on);
  assert_response (r, 200, BOTH, f->temperature, "22.5", f->on);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/quirks/json/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("trailing-commas", test_trailing_commas);
  ADD ("non-json-body", test_non_json_body);
  ADD ("compact-requests", test_compact_requests);
  ADD ("global-status", test_global_status);
  ADD ("status-rows-without-ids", test_status_rows_without_ids);
  ADD ("non-object-items", test_non_object_items);
  ADD ("positive-status", test_positive_status);
  ADD ("undefined-status", test_undefined_status);
  ADD ("write-response-dict", test_write_response_dict);
  ADD ("comments", test_comments);
  ADD ("single-quotes", test_single_quotes);
  ADD ("bom", test_bom);
  ADD ("invalid-utf8", test_invalid_utf8);
  ADD ("string-ids", test_string_ids);
  ADD ("nan", test_nan);
#undef ADD
  return g_test_run ();
}
