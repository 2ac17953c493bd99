/* test-quirks-values.c — the VAL quirks on the wire: each one on an accessory, read and
 * written as a controller, then off again
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Database checks compare whole bodies: the body with the quirk must be exactly the
 * conforming body with the quirk's edit applied (computed here from the conforming one),
 * and the body after disabling must be the conforming body again.
 */
#include <string.h>

#include "sim-fixture.h"

#define CT_JSON "application/hap+json"
#define APPLE_SUFFIX "-0000-1000-8000-0026bb765291"

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
get (HapTestClient *client,
     const char    *target)
{
  return request_body (client, "GET", target, NULL, 200);
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

/* @text with every match of @pattern replaced (\1 back references allowed). */
static char *
replace (const char *text,
         const char *pattern,
         const char *replacement,
         guint       expected_matches)
{
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint n = 0;

  g_assert_nonnull (regex);
  g_regex_match (regex, text, 0, &match);
  while (g_match_info_matches (match))
    {
      n++;
      g_match_info_next (match, NULL);
    }
  /* Checks the fixture still has what the expectation is built on. */
  if (n != expected_matches)
    g_test_message ("/%s/ in %s", pattern, text);
  g_assert_cmpuint (n, ==, expected_matches);
  return g_regex_replace (regex, text, -1, 0, replacement, 0, NULL);
}

static guint64
find_iid (HapTestClient *client,
          const char    *type)
{
  return hap_test_client_find_iid (client, 1, type);
}

/* The largest iid of aid 1 in a database body. */
static guint64
max_iid (const char *db)
{
  g_autoptr(GRegex) regex = g_regex_new ("\"iid\":([0-9]+)", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  guint64 max = 0;

  g_regex_match (regex, db, 0, &match);
  while (g_match_info_matches (match))
    {
      g_autofree char *number = g_match_info_fetch (match, 1);
      max = MAX (max, g_ascii_strtoull (number, NULL, 10));
      g_match_info_next (match, NULL);
    }
  return max;
}

/* The next plaintext the accessory sends, exactly (EVENT/1.0 messages included). */
static char *
read_raw (HapTestClient *client)
{
  g_autoptr(GByteArray) raw = hap_test_client_read_raw (client, 300, 3000);

  return g_strndup ((const char *) raw->data, raw->len);
}

static char *
event_bytes (const char *body)
{
  return g_strdup_printf ("EVENT/1.0 200 OK\r\nContent-Type: application/hap+json\r\n"
                          "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
}

static void
subscribe (HapTestClient *client,
           guint64        iid)
{
  g_autofree char *body = put (client, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT
                               ",\"ev\":true}]}", iid);

  g_assert_cmpstr (body, ==, "");
}

/* ---- val-format-omitted (row 37) ---------------------------------------------------- */

static void
test_format_omitted (void)
{
  SimFixture *fx = sim_fixture_start ("outlet.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  g_autofree char *expected = NULL;
  g_autofree char *quirky = NULL;
  g_autofree char *after = NULL;
  g_autofree char *read_target = NULL;
  guint64 on = find_iid (client, "25");
  guint64 power = find_iid (client, "E863F10D-079E-48FF-8F27-9C2605A29F52");

  sim_fixture_enable_quirk (fx, "val-format-omitted", NULL);
  /* Every Apple type is short ("25"); the vendor one keeps its format. */
  expected = replace (db, "(\"type\":\"[0-9A-F]{1,8}\",\"perms\":\\[[^]]*\\]),\"format\":\"[a-z0-9]+\"",
                      "\\1", 9);
  quirky = get (client, "/accessories");
  g_assert_cmpstr (quirky, ==, expected);
  g_assert_nonnull (strstr (quirky, "\"type\":\"E863F10D-079E-48FF-8F27-9C2605A29F52\",\"perms\":[\"pr\",\"ev\"],\"format\":\"float\""));

  /* meta=1 reads: the same rule, decided by the characteristic's type. */
  read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT ",1.%" G_GUINT64_FORMAT "&meta=1",
                                 on, power);
  g_free (quirky);
  quirky = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":false,"
                              "\"description\":\"On\"},{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"format\":\"float\","
                              "\"value\":0,\"unit\":\"W\",\"minValue\":0,\"maxValue\":3680,\"minStep\":0.1,"
                              "\"description\":\"Power\"}]}", on, power);
  g_assert_cmpstr (quirky, ==, expected);

  sim_fixture_disable_quirk (fx, "val-format-omitted");
  after = get (client, "/accessories");
  g_assert_cmpstr (after, ==, db);
  g_free (quirky);
  quirky = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"format\":\"bool\","
                              "\"value\":false,\"description\":\"On\"},{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ","
                              "\"format\":\"float\",\"value\":0,\"unit\":\"W\",\"minValue\":0,\"maxValue\":3680,"
                              "\"minStep\":0.1,\"description\":\"Power\"}]}", on, power);
  g_assert_cmpstr (quirky, ==, expected);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-bool-as-int (row 38) ------------------------------------------------------- */

static void
test_bool_as_int (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autoptr(HapTestClient) listener = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;
  g_autofree char *read_target = NULL;
  g_autofree char *raw = NULL;
  guint64 on = find_iid (client, "25");

  read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, on);
  subscribe (listener, on);
  sim_fixture_enable_quirk (fx, "val-bool-as-int", NULL);

  /* The database and reads: 1/0. Identify is bool too, but write-only: no value. */
  expected = replace (db, "(\"format\":\"bool\",\"value\":)true", "\\g<1>1", 1);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  body = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1}]}", on);
  g_assert_cmpstr (body, ==, expected);

  /* Writes: false is refused (-70410) and changes nothing, 0 works. */
  g_free (body);
  body = put (client, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":false}]}", on);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70410}]}", on);
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  body = get (client, read_target);
  g_assert_nonnull (g_strrstr (body, "\"value\":1}"));
  g_free (body);
  body = put (client, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":0}]}", on);
  g_free (body);
  body = get (client, read_target);
  g_assert_nonnull (g_strrstr (body, "\"value\":0}"));

  /* A write response with "r": 1/0 too. */
  g_free (body);
  body = put (client, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1,\"r\":true}]}", on);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1,\"status\":0}]}", on);
  g_assert_cmpstr (body, ==, expected);

  /* Events, byte for byte: the listener got one for each change (0 by the write above,
   * 1 by the write with "r", 0 by the device), the writer none. */
  sim_fixture_set_value (fx, "Lightbulb/On", g_variant_new_boolean (FALSE));
  raw = read_raw (listener);
  {
    g_autofree char *zero = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":0}]}", on);
    g_autofree char *one = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1}]}", on);
    g_autofree char *e0 = event_bytes (zero);
    g_autofree char *e1 = event_bytes (one);
    g_autofree char *want = g_strconcat (e0, e1, e0, NULL);

    g_assert_cmpstr (raw, ==, want);
  }

  /* strict-writes=false: true/false are written (the reads stay 1/0). */
  sim_fixture_enable_quirk (fx, "val-bool-as-int", "{'strict-writes': <false>}");
  g_free (body);
  body = put (client, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":true}]}", on);
  g_free (body);
  body = get (client, read_target);
  g_assert_nonnull (g_strrstr (body, "\"value\":1}"));

  sim_fixture_disable_quirk (fx, "val-bool-as-int");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);
  g_free (body);
  body = put (client, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":false}]}", on);
  g_free (body);
  body = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":false}]}", on);
  g_assert_cmpstr (body, ==, expected);

  hap_test_client_free (g_steal_pointer (&listener));
  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-strict-step (row 39) ------------------------------------------------------- */

static void
test_strict_step (void)
{
  SimFixture *fx = sim_fixture_start ("thermostat.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  guint64 target = find_iid (client, "35");       /* TargetTemperature: 10–38, minStep 0.1 */
  guint64 mode = find_iid (client, "33");         /* TargetHeatingCoolingState */
  g_autofree char *read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, target);
  g_autofree char *body = NULL;
  g_autofree char *expected = NULL;
  static const char * const refused[] = { "21.500001", "21.700000000000003", "21.55", "21.25" };

  sim_fixture_enable_quirk (fx, "val-strict-step", NULL);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70410}]}", target);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      body = put (client, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":%s}]}",
                  target, refused[i]);
      g_assert_cmpstr (body, ==, expected);
      g_clear_pointer (&body, g_free);
    }
  body = get (client, read_target);
  g_assert_nonnull (g_strrstr (body, "\"value\":21}"));

  /* On the grid: written. Mixed with another entry: only the bad one is refused. */
  g_free (body);
  body = put (client, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":21.5}]}", target);
  g_free (body);
  body = put (client, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":22.000001},"
              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1}]}", target, mode);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":-70410},"
                              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"status\":0}]}", target, mode);
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  g_free (read_target);
  read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT ",1.%" G_GUINT64_FORMAT, target, mode);
  body = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":21.5},"
                              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1}]}", target, mode);
  g_assert_cmpstr (body, ==, expected);

  /* Conforming: within 1e-4 steps of the grid is accepted; 21.55 is still refused. */
  sim_fixture_disable_quirk (fx, "val-strict-step");
  g_free (body);
  body = put (client, 204, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":21.500001}]}", target);
  g_free (body);
  body = put (client, 207, "{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":21.55}]}", target);
  g_free (body);
  body = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":21.500001},"
                              "{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":1}]}", target, mode);
  g_assert_cmpstr (body, ==, expected);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-minstep-zero (row 40) ------------------------------------------------------ */

static void
test_minstep_zero (void)
{
  SimFixture *fx = sim_fixture_start ("thermostat.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  guint64 target = find_iid (client, "35");
  g_autofree char *read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT "&meta=1", target);
  g_autofree char *read = get (client, read_target);
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;

  g_assert_nonnull (strstr (read, "\"minStep\":0.1"));
  sim_fixture_enable_quirk (fx, "val-minstep-zero", NULL);
  /* Every stepped characteristic of the thermostat: temperatures, humidity, states. */
  expected = replace (db, "\"minStep\":[0-9.]+", "\"minStep\":0", 8);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  g_free (expected);
  expected = replace (read, "\"minStep\":0.1", "\"minStep\":0", 1);
  body = get (client, read_target);
  g_assert_cmpstr (body, ==, expected);

  sim_fixture_disable_quirk (fx, "val-minstep-zero");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);
  g_free (body);
  body = get (client, read_target);
  g_assert_cmpstr (body, ==, read);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-linked-zero (row 41), val-linked-missing ----------------------------------- */

static void
test_linked (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;
  g_autofree char *missing = g_strdup_printf ("\"type\":\"43\",\"primary\":true,\"hidden\":false,\"linked\":[%" G_GUINT64_FORMAT "]",
                                              max_iid (db) + 1);

  /* The Lightbulb service is the primary one. */
  sim_fixture_enable_quirk (fx, "val-linked-zero", NULL);
  expected = replace (db, "\"type\":\"43\",\"primary\":true,\"hidden\":false,\"linked\":\\[\\]",
                      "\"type\":\"43\",\"primary\":true,\"hidden\":false,\"linked\":[0]", 1);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_disable_quirk (fx, "val-linked-zero");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);

  sim_fixture_enable_quirk (fx, "val-linked-missing", NULL);
  g_free (expected);
  expected = replace (db, "\"type\":\"43\",\"primary\":true,\"hidden\":false,\"linked\":\\[\\]", missing, 1);
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_disable_quirk (fx, "val-linked-missing");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-stale-accessories (row 42) ------------------------------------------------- */

static void
test_stale_accessories (void)
{
  SimFixture *fx = sim_fixture_start ("thermostat.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  guint64 current = find_iid (client, "11");   /* CurrentTemperature, 19.5 in the file */
  g_autofree char *read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, current);
  g_autofree char *pattern = g_strdup_printf ("(\"iid\":%" G_GUINT64_FORMAT ",\"type\":\"11\",[^{}]*\"value\":)19.5", current);
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;
  g_autofree char *now = NULL;

  sim_fixture_enable_quirk (fx, "val-stale-accessories", NULL);
  sim_fixture_set_value (fx, "Thermostat/CurrentTemperature", g_variant_new_double (23.5));
  sim_fixture_set_value (fx, "Thermostat/TargetTemperature", g_variant_new_double (24));

  /* Reads are live, the database is what it was when the quirk came on. */
  body = get (client, read_target);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":23.5}]}", current);
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);

  /* A bogus value for one characteristic (Ecobee's 100 °C after a restart). */
  sim_fixture_enable_quirk (fx, "val-stale-accessories", "{'characteristic': <'Thermostat/CurrentTemperature'>}");
  g_free (expected);
  {
    g_autofree char *with_new = replace (db, "(\"type\":\"35\",[^{}]*\"value\":)21", "\\g<1>24", 1);
    expected = replace (with_new, pattern, "\\g<1>100", 1);
  }
  g_free (body);
  body = get (client, "/accessories");
  /* Re-enabling with a parameter takes a new snapshot: TargetTemperature is now 24. */
  g_assert_cmpstr (body, ==, expected);

  sim_fixture_disable_quirk (fx, "val-stale-accessories");
  g_free (expected);
  {
    g_autofree char *with_new = replace (db, "(\"type\":\"35\",[^{}]*\"value\":)21", "\\g<1>24", 1);
    expected = replace (with_new, pattern, "\\g<1>23.5", 1);
  }
  now = get (client, "/accessories");
  g_assert_cmpstr (now, ==, expected);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-uuid-lowercase ------------------------------------------------------------- */

static gboolean
expand_type (const GMatchInfo *match,
             GString          *out,
             gpointer          user_data)
{
  g_autofree char *type = g_match_info_fetch (match, 1);
  g_autofree char *lower = g_ascii_strdown (type, -1);

  g_string_append_printf (out, "\"type\":\"%08" G_GINT64_MODIFIER "x%s\"",
                          g_ascii_strtoll (lower, NULL, 16), APPLE_SUFFIX);
  return FALSE;
}

static void
test_uuid_lowercase (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  guint64 on = find_iid (client, "25");
  g_autofree char *read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT "&type=1", on);
  g_autofree char *read = get (client, read_target);
  g_autoptr(GRegex) regex = g_regex_new ("\"type\":\"([0-9A-F]{1,8})\"", 0, 0, NULL);
  g_autofree char *expected = g_regex_replace_eval (regex, db, -1, 0, 0, expand_type, NULL, NULL);
  g_autofree char *body = NULL;

  /* Services and characteristics alike: "00000043-0000-1000-8000-0026bb765291". */
  g_assert_nonnull (strstr (expected, "\"type\":\"00000043" APPLE_SUFFIX "\""));
  sim_fixture_enable_quirk (fx, "val-uuid-lowercase", NULL);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"type\":\"00000025%s\",\"value\":true}]}",
                              on, APPLE_SUFFIX);
  body = get (client, read_target);
  g_assert_cmpstr (body, ==, expected);

  sim_fixture_disable_quirk (fx, "val-uuid-lowercase");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);
  g_free (body);
  body = get (client, read_target);
  g_assert_cmpstr (body, ==, read);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-no-perms ------------------------------------------------------------------- */

static void
test_no_perms (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  guint64 on = find_iid (client, "25");
  guint64 brightness = find_iid (client, "8");
  g_autofree char *on_pattern = g_strdup_printf ("(\"iid\":%" G_GUINT64_FORMAT ",\"type\":\"25\"),\"perms\":\\[[^]]*\\]", on);
  g_autofree char *brightness_pattern = g_strdup_printf ("(\"iid\":%" G_GUINT64_FORMAT ",\"type\":\"8\"),\"perms\":\\[[^]]*\\]", brightness);
  g_autofree char *read_target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT "&perms=1", brightness);
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;

  /* Default: the first characteristic of the primary service (On). */
  sim_fixture_enable_quirk (fx, "val-no-perms", NULL);
  expected = replace (db, on_pattern, "\\1", 1);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);

  /* A chosen one, in the database and in perms=1 reads. */
  sim_fixture_enable_quirk (fx, "val-no-perms", "{'characteristic': <'Lightbulb/Brightness'>}");
  g_free (expected);
  expected = replace (db, brightness_pattern, "\\1", 1);
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  g_free (body);
  body = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"value\":75}]}", brightness);
  g_assert_cmpstr (body, ==, expected);

  sim_fixture_disable_quirk (fx, "val-no-perms");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);
  g_free (body);
  body = get (client, read_target);
  g_free (expected);
  expected = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"perms\":[\"pr\",\"pw\",\"ev\"],\"value\":75}]}", brightness);
  g_assert_cmpstr (body, ==, expected);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* ---- val-service-no-iid, val-duplicate-iid, val-empty-service ----------------------- */

static void
test_structure (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  guint64 on = find_iid (client, "25");
  guint64 brightness = find_iid (client, "8");
  g_autofree char *brightness_from = g_strdup_printf ("\\{\"iid\":%" G_GUINT64_FORMAT ",\"type\":\"8\"", brightness);
  g_autofree char *brightness_to = g_strdup_printf ("{\"iid\":%" G_GUINT64_FORMAT ",\"type\":\"8\"", on);
  g_autofree char *empty = g_strdup_printf (",{\"iid\":%" G_GUINT64_FORMAT ",\"type\":\"5349D000-0000-4000-8000-000000000001\","
                                            "\"primary\":false,\"hidden\":false,\"linked\":[],\"characteristics\":[]}]}]}",
                                            max_iid (db) + 1);
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;

  sim_fixture_enable_quirk (fx, "val-service-no-iid", NULL);
  expected = replace (db, "\\{\"iid\":[0-9]+,(\"type\":\"43\")", "{\\1", 1);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_disable_quirk (fx, "val-service-no-iid");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);

  /* Brightness (the second characteristic of the Lightbulb service) repeats On's iid. */
  sim_fixture_enable_quirk (fx, "val-duplicate-iid", NULL);
  g_free (expected);
  expected = replace (db, brightness_from, brightness_to, 1);
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_disable_quirk (fx, "val-duplicate-iid");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);

  sim_fixture_enable_quirk (fx, "val-empty-service", NULL);
  g_free (expected);
  expected = replace (db, "\\]\\}\\]\\}$", empty, 1);
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_disable_quirk (fx, "val-empty-service");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

/* Two quirks on one body: their edits add up, in the order enabled. */
static void
test_combined (void)
{
  SimFixture *fx = sim_fixture_start ("lightbulb.json", NULL);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fx);
  g_autofree char *db = get (client, "/accessories");
  g_autofree char *step1 = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *body = NULL;

  sim_fixture_enable_quirk (fx, "val-bool-as-int", NULL);
  sim_fixture_enable_quirk (fx, "val-format-omitted", NULL);
  step1 = replace (db, "(\"format\":\"bool\",\"value\":)true", "\\g<1>1", 1);
  expected = replace (step1, "(\"type\":\"[0-9A-F]{1,8}\",\"perms\":\\[[^]]*\\]),\"format\":\"[a-z0-9]+\"", "\\1", 11);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, expected);
  sim_fixture_disable_quirk (fx, "val-bool-as-int");
  sim_fixture_disable_quirk (fx, "val-format-omitted");
  g_free (body);
  body = get (client, "/accessories");
  g_assert_cmpstr (body, ==, db);

  hap_test_client_free (g_steal_pointer (&client));
  sim_fixture_stop (fx);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/quirks/values/format-omitted", test_format_omitted);
  g_test_add_func ("/quirks/values/bool-as-int", test_bool_as_int);
  g_test_add_func ("/quirks/values/strict-step", test_strict_step);
  g_test_add_func ("/quirks/values/minstep-zero", test_minstep_zero);
  g_test_add_func ("/quirks/values/linked", test_linked);
  g_test_add_func ("/quirks/values/stale-accessories", test_stale_accessories);
  g_test_add_func ("/quirks/values/uuid-lowercase", test_uuid_lowercase);
  g_test_add_func ("/quirks/values/no-perms", test_no_perms);
  g_test_add_func ("/quirks/values/structure", test_structure);
  g_test_add_func ("/quirks/values/combined", test_combined);
  return g_test_run ();
}
