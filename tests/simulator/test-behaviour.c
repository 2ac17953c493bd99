/* test-behaviour.c — value generators: loading (errors with positions), drift, toggle,
 * script, start/stop, and events reaching a subscribed controller
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "hap-sim-behaviour.h"
#include "sim-fixture.h"

/* A bridge with a sensor, a dimmable lamp with a vendor characteristic, a button and a
 * garage door. */
static const char accessory_json[] =
  "{\"accessories\": ["
  " {\"name\": \"Hub\"},"
  " {\"name\": \"Kitchen\", \"services\": [{\"type\": \"TemperatureSensor\","
  "   \"characteristics\": [{\"type\": \"CurrentTemperature\", \"value\": 21.5}]},"
  "   {\"type\": \"HumiditySensor\"}]},"
  " {\"name\": \"Lamp\", \"services\": [{\"type\": \"Lightbulb\", \"characteristics\": ["
  "   {\"type\": \"Brightness\", \"value\": 50, \"minValue\": 10, \"minStep\": 5},"
  "   {\"type\": \"E863F10A-079E-48FF-8F27-9C2605A29F52\", \"format\": \"uint16\","
  "    \"perms\": [\"pr\", \"ev\"]}]}]},"
  " {\"name\": \"Button\", \"services\": [{\"type\": \"StatelessProgrammableSwitch\"}]},"
  " {\"name\": \"Door\", \"services\": [{\"type\": \"GarageDoorOpener\"}]}"
  "]}";

static HapAccessory *
new_accessory (void)
{
  g_autoptr(GError) error = NULL;
  HapAccessory *accessory = hap_accessory_new_from_data (accessory_json, -1, "bridge.json", &error);

  g_assert_no_error (error);
  return accessory;
}

#define DOC_PREFIX "{\"simulator\": {\"behaviours\": [\n  "
#define DOC_SUFFIX "\n]}}\n"

/* Loads "simulator.behaviours" of a document made of @behaviours (the array's contents)
 * as the simulator does. */
static GPtrArray *
load (HapAccessory *accessory,
      const char   *behaviours,
      GError      **error)
{
  g_autofree char *text = g_strconcat (DOC_PREFIX, behaviours, DOC_SUFFIX, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) positions = NULL;
  g_autoptr(GError) parse_error = NULL;
  HapJsonReader reader = { .origin = "test.json" };
  JsonObject *simulator;

  json_parser_load_from_data (parser, text, -1, &parse_error);
  g_assert_no_error (parse_error);
  positions = hap_json_reader_scan_positions (text, strlen (text));
  reader.positions = positions;
  simulator = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                             "simulator");
  return hap_sim_behaviours_load (&reader, json_object_get_member (simulator, "behaviours"),
                                  "simulator.behaviours", accessory, error);
}

static HapSimBehaviour *
load_one (HapAccessory *accessory,
          const char   *behaviour)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) behaviours = load (accessory, behaviour, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (behaviours->len, ==, 1);
  return g_ptr_array_steal_index (behaviours, 0);
}

/* ---- errors ------------------------------------------------------------------------ */

static void
test_errors (void)
{
  static const struct
  {
    const char *behaviours;
    const char *anchor;    /* where the message must point: first occurrence */
    const char *message;   /* after "test.json:LINE:COL: " */
  } cases[] = {
    { "{\"characteristic\": \"CurrentTemperature\", \"kind\": \"wobble\"}", "\"wobble\"",
      "simulator.behaviours[0].kind: unknown kind “wobble” (expected drift, toggle or script)" },
    { "{\"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\", \"interval-ms\": 1000, \"steps\": []}",
      "\"steps\"",
      "simulator.behaviours[0].steps: unknown key “steps” (expected one of accessory, service, "
      "characteristic, kind, interval-ms, step, noise)" },
    { "{\"kind\": \"drift\", \"interval-ms\": 1000}", "{\"kind",
      "simulator.behaviours[0]: missing required key “characteristic”" },
    { "{\"characteristic\": \"Temperature\", \"kind\": \"drift\", \"interval-ms\": 1000}", "\"Temperature\"",
      "simulator.behaviours[0].characteristic: unknown characteristic type “Temperature” "
      "(a catalog name or a full UUID)" },
    { "{\"accessory\": \"Garage\", \"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 100}",
      "\"Garage\"", "simulator.behaviours[0].accessory: no accessory named “Garage” in this file" },
    { "{\"accessory\": \"Kitchen\", \"service\": \"Lightbulb\", \"characteristic\": \"On\",\n"
      "   \"kind\": \"toggle\", \"interval-ms\": 100}",
      "\"Lightbulb\"", "simulator.behaviours[0].service: no Lightbulb service on “Kitchen”" },
    { "{\"accessory\": \"Kitchen\", \"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 100}",
      "\"On\"", "simulator.behaviours[0].characteristic: no On characteristic on “Kitchen”" },
    { "{\"service\": \"TemperatureSensor\", \"characteristic\": \"Brightness\", \"kind\": \"drift\",\n"
      "   \"interval-ms\": 100}",
      "\"Brightness\"",
      "simulator.behaviours[0].characteristic: no Brightness characteristic in a TemperatureSensor "
      "service in this file" },
    { "{\"characteristic\": \"On\", \"kind\": \"drift\", \"interval-ms\": 100}", "\"On\"",
      "simulator.behaviours[0].characteristic: drift needs a numeric characteristic; On is bool" },
    { "{\"characteristic\": \"E863F10A-079E-48FF-8F27-9C2605A29F52\", \"kind\": \"drift\", \"interval-ms\": 100}",
      "\"E863", "simulator.behaviours[0].characteristic: drift needs a minValue and a maxValue; "
      "E863F10A-079E-48FF-8F27-9C2605A29F52 has neither" },
    { "{\"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\", \"interval-ms\": 5}", "5}",
      "simulator.behaviours[0].interval-ms: 5 is out of range (10 to 86400000)" },
    { "{\"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\", \"interval-ms\": 100, \"step\": 0.01}",
      "0.01", "simulator.behaviours[0].step: 0.01 is below CurrentTemperature's step of 0.1: "
      "the value would never move" },
    { "{\"characteristic\": \"Brightness\", \"kind\": \"drift\", \"interval-ms\": 100, \"step\": 200}",
      "200", "simulator.behaviours[0].step: 200 is larger than Brightness's whole range (10 to 100)" },
    { "{\"characteristic\": \"Brightness\", \"kind\": \"drift\", \"interval-ms\": 100, \"step\": 0, \"noise\": 1}",
      "1}", "simulator.behaviours[0].noise: with step 0 and noise 1 (Brightness's step is 5), "
      "the value would never move" },
    { "{\"characteristic\": \"CurrentTemperature\", \"kind\": \"toggle\", \"interval-ms\": 100}",
      "\"CurrentTemperature\"", "simulator.behaviours[0].characteristic: toggle needs a bool or a "
      "characteristic with valid values, or a \"values\" list; CurrentTemperature is float" },
    { "{\"characteristic\": \"Brightness\", \"kind\": \"toggle\", \"interval-ms\": 100, \"values\": [10, 12]}",
      "12]", "simulator.behaviours[0].values[1]: Brightness: value 12 is not a multiple of minStep 5 from 10" },
    { "{\"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 100, \"values\": [true]}",
      "[true]", "simulator.behaviours[0].values: needs at least two values to toggle between" },
    { "{\"characteristic\": \"ProgrammableSwitchEvent\", \"kind\": \"script\", \"steps\": [\n"
      "     {\"at-ms\": 1000, \"value\": 0},\n"
      "     {\"at-ms\": 500, \"value\": 1}]}",
      "500", "simulator.behaviours[0].steps[1].at-ms: 500 is before the previous step's 1000 "
      "(steps go in order)" },
    { "{\"characteristic\": \"ProgrammableSwitchEvent\", \"kind\": \"script\", \"steps\": [{\"at-ms\": 0, \"value\": 3}]}",
      "3}", "simulator.behaviours[0].steps[0].value: ProgrammableSwitchEvent: value 3 is above maxValue 2" },
    { "{\"characteristic\": \"ProgrammableSwitchEvent\", \"kind\": \"script\", \"steps\": [{\"at-ms\": 0}]}",
      "{\"at-ms", "simulator.behaviours[0].steps[0]: missing required key “value”" },
    { "{\"characteristic\": \"ProgrammableSwitchEvent\", \"kind\": \"script\", \"repeat\": true,\n"
      "   \"steps\": [{\"at-ms\": 0, \"value\": 0}]}",
      "true", "simulator.behaviours[0].repeat: a repeating script needs a step after 0 ms or a \"period-ms\"" },
    { "{\"characteristic\": \"ProgrammableSwitchEvent\", \"kind\": \"script\", \"period-ms\": 100,\n"
      "   \"steps\": [{\"at-ms\": 0, \"value\": 0}]}",
      "100", "simulator.behaviours[0].period-ms: only applies with \"repeat\": true" },
    /* The second behaviour is the broken one: the first loaded fine and is freed. */
    { "{\"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 100},\n  42",
      "42", "simulator.behaviours[1]: expected an object, got an integer" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HapAccessory) accessory = new_accessory ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) behaviours = NULL;
      g_autofree char *text = g_strconcat (DOC_PREFIX, cases[i].behaviours, DOC_SUFFIX, NULL);
      const char *at = strstr (text + strlen (DOC_PREFIX), cases[i].anchor);
      g_autofree char *expected = NULL;
      guint line = 1, col = 1;

      g_test_message ("case %u: %s", i, cases[i].behaviours);
      g_assert_nonnull (at);
      for (const char *p = text; p < at; p++)
        {
          col++;
          if (*p == '\n')
            line++, col = 1;
        }
      expected = g_strdup_printf ("test.json:%u:%u: %s", line, col, cases[i].message);

      behaviours = load (accessory, cases[i].behaviours, &error);
      g_assert_null (behaviours);
      g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
      g_assert_cmpstr (error->message, ==, expected);
    }
}

static void
test_lookup (void)
{
  g_autoptr(HapAccessory) accessory = new_accessory ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) behaviours = NULL;
  HapAccessory *lamp = g_ptr_array_index (hap_accessory_get_bridged_accessories (accessory), 1);
  HapAccessory *kitchen = g_ptr_array_index (hap_accessory_get_bridged_accessories (accessory), 0);

  behaviours = load (accessory,
                     "{\"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\", \"interval-ms\": 100},\n"
                     "{\"accessory\": \"Lamp\", \"characteristic\": \"Brightness\", \"kind\": \"drift\", \"interval-ms\": 100},\n"
                     "{\"service\": \"Lightbulb\", \"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 100},\n"
                     "{\"characteristic\": \"Current Door State\", \"kind\": \"toggle\", \"interval-ms\": 100},\n"
                     "{\"characteristic\": \"73\", \"kind\": \"script\", \"steps\": [{\"at-ms\": 0, \"value\": 1}]}",
                     &error);
  g_assert_no_error (error);
  g_assert_cmpuint (behaviours->len, ==, 5);

  g_assert_cmpstr (hap_sim_behaviour_get_kind (g_ptr_array_index (behaviours, 0)), ==, "drift");
  g_assert_true (hap_sim_behaviour_get_characteristic (g_ptr_array_index (behaviours, 0)) ==
                 hap_service_get_characteristic (hap_accessory_get_service (kitchen, "TemperatureSensor"),
                                                 "CurrentTemperature"));
  g_assert_true (hap_sim_behaviour_get_characteristic (g_ptr_array_index (behaviours, 1)) ==
                 hap_service_get_characteristic (hap_accessory_get_service (lamp, "Lightbulb"), "Brightness"));
  g_assert_cmpstr (hap_sim_behaviour_get_kind (g_ptr_array_index (behaviours, 2)), ==, "toggle");
  g_assert_true (hap_sim_behaviour_get_characteristic (g_ptr_array_index (behaviours, 2)) ==
                 hap_service_get_characteristic (hap_accessory_get_service (lamp, "Lightbulb"), "On"));
  g_assert_cmpstr (hap_characteristic_get_type_uuid (hap_sim_behaviour_get_characteristic (g_ptr_array_index (behaviours, 3))),
                   ==, "0000000E-0000-1000-8000-0026BB765291");
  g_assert_cmpstr (hap_sim_behaviour_get_kind (g_ptr_array_index (behaviours, 4)), ==, "script");
  g_assert_cmpstr (hap_characteristic_get_type_uuid (hap_sim_behaviour_get_characteristic (g_ptr_array_index (behaviours, 4))),
                   ==, "00000073-0000-1000-8000-0026BB765291");
}

/* ---- running ----------------------------------------------------------------------- */

typedef struct
{
  GArray    *values;   /* double */
  GArray    *times;    /* gint64, µs after start */
  gint64     start;
  guint      wanted;
  GMainLoop *loop;
  gboolean   foreign;  /* a change with another origin was seen */
} Recorder;

static void
on_value_changed (HapCharacteristic *characteristic,
                  GVariant          *value,
                  gpointer           origin,
                  gpointer           user_data)
{
  Recorder *rec = user_data;
  double v;
  gint64 t = g_get_monotonic_time () - rec->start;

  if (origin != hap_sim_behaviour_origin)
    rec->foreign = TRUE;
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    v = g_variant_get_boolean (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    v = g_variant_get_byte (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    v = g_variant_get_int32 (value);
  else
    v = g_variant_get_double (value);
  g_array_append_val (rec->values, v);
  g_array_append_val (rec->times, t);
  if (rec->values->len == rec->wanted)
    g_main_loop_quit (rec->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

/* Runs @behaviour until @wanted values were set (or @timeout_ms passed) and returns
 * them. */
static Recorder *
record (HapSimBehaviour *behaviour,
        guint            wanted,
        guint            timeout_ms)
{
  Recorder *rec = g_new0 (Recorder, 1);
  HapCharacteristic *c = hap_sim_behaviour_get_characteristic (behaviour);
  GSource *timeout;
  gulong id;

  rec->values = g_array_new (FALSE, FALSE, sizeof (double));
  rec->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  rec->loop = g_main_loop_new (NULL, FALSE);
  rec->wanted = wanted;
  id = g_signal_connect (c, "value-changed", G_CALLBACK (on_value_changed), rec);

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, on_timeout, rec->loop, NULL);
  g_source_attach (timeout, NULL);
  rec->start = g_get_monotonic_time ();
  hap_sim_behaviour_start (behaviour);
  g_main_loop_run (rec->loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);
  g_signal_handler_disconnect (c, id);
  return rec;
}

static void
recorder_free (Recorder *rec)
{
  g_array_unref (rec->values);
  g_array_unref (rec->times);
  g_main_loop_unref (rec->loop);
  g_free (rec);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Recorder, recorder_free)

/* Each value within [min, max], on the grid from min, and valid for the characteristic. */
static void
assert_in_range_on_grid (Recorder          *rec,
                         HapCharacteristic *c,
                         double             min,
                         double             max,
                         double             grid)
{
  for (guint i = 0; i < rec->values->len; i++)
    {
      double v = g_array_index (rec->values, double, i);
      double k = (v - min) / grid;

      g_assert_cmpfloat (v, >=, min);
      g_assert_cmpfloat (v, <=, max);
      g_assert_cmpfloat (fabs (k - round (k)), <, 1e-9);
    }
}

static guint
n_distinct (Recorder *rec)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < rec->values->len; i++)
    {
      char *key = g_strdup_printf ("%.6f", g_array_index (rec->values, double, i));
      g_ptr_array_add (keys, key);
      g_hash_table_add (seen, key);
    }
  return g_hash_table_size (seen);
}

static void
test_drift (void)
{
  g_autoptr(HapAccessory) accessory = new_accessory ();
  g_autoptr(HapSimBehaviour) temperature = load_one (accessory,
    "{\"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\", \"interval-ms\": 10,"
    " \"step\": 0.5, \"noise\": 0.25}");
  HapCharacteristic *c = hap_sim_behaviour_get_characteristic (temperature);
  g_autoptr(Recorder) rec = record (temperature, 40, 10000);

  g_assert_cmpuint (rec->values->len, ==, 40);
  g_assert_false (rec->foreign);
  assert_in_range_on_grid (rec, c, -270, 100, 0.1);
  g_assert_cmpuint (n_distinct (rec), >, 5);
  /* A walk, not a jump: each change is at most step + noise, rounded to the grid. */
  for (guint i = 1; i < rec->values->len; i++)
    g_assert_cmpfloat (fabs (g_array_index (rec->values, double, i) -
                             g_array_index (rec->values, double, i - 1)), <=, 0.75 + 0.05 + 1e-9);
  /* Whatever is stored serialises as a short decimal (21.3, not 21.300000000000001). */
  for (guint i = 0; i < rec->values->len; i++)
    {
      g_autofree char *shortest = g_strdup_printf ("%.1f", g_array_index (rec->values, double, i));

      g_assert_cmpfloat (g_ascii_strtod (shortest, NULL), ==, g_array_index (rec->values, double, i));
    }
  hap_sim_behaviour_stop (temperature);
}

/* A big step on a small range: the walk bounces off both ends and stays on the grid. */
static void
test_drift_bounds (void)
{
  g_autoptr(HapAccessory) accessory = new_accessory ();
  g_autoptr(HapSimBehaviour) brightness = load_one (accessory,
    "{\"accessory\": \"Lamp\", \"characteristic\": \"Brightness\", \"kind\": \"drift\","
    " \"interval-ms\": 10, \"step\": 40, \"noise\": 3}");
  HapCharacteristic *c = hap_sim_behaviour_get_characteristic (brightness);
  g_autoptr(Recorder) rec = record (brightness, 60, 10000);
  double lowest = 1000, highest = -1000;

  g_assert_cmpuint (rec->values->len, ==, 60);
  assert_in_range_on_grid (rec, c, 10, 100, 5);
  for (guint i = 0; i < rec->values->len; i++)
    {
      lowest = MIN (lowest, g_array_index (rec->values, double, i));
      highest = MAX (highest, g_array_index (rec->values, double, i));
    }
  /* 60 steps of ±40 in a 90-wide range cover most of it. */
  g_assert_cmpfloat (highest - lowest, >=, 40);
}

static void
test_toggle (void)
{
  g_autoptr(HapAccessory) accessory = new_accessory ();
  g_autoptr(HapSimBehaviour) on = load_one (accessory,
    "{\"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 10}");
  g_autoptr(HapSimBehaviour) door = load_one (accessory,
    "{\"characteristic\": \"CurrentDoorState\", \"kind\": \"toggle\", \"interval-ms\": 10}");
  g_autoptr(HapSimBehaviour) door_two = load_one (accessory,
    "{\"characteristic\": \"CurrentDoorState\", \"kind\": \"toggle\", \"interval-ms\": 10,"
    " \"values\": [1, 0]}");
  g_autoptr(Recorder) rec_on = record (on, 6, 10000);
  g_autoptr(Recorder) rec_door = NULL;
  g_autoptr(Recorder) rec_two = NULL;

  hap_sim_behaviour_stop (on);
  /* Starts at false: true, false, true … */
  g_assert_cmpuint (rec_on->values->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    g_assert_cmpfloat (g_array_index (rec_on->values, double, i), ==, i % 2 == 0 ? 1 : 0);

  /* Through every valid value (0…4, from the catalog), starting after the current 0. */
  rec_door = record (door, 7, 10000);
  hap_sim_behaviour_stop (door);
  g_assert_cmpuint (rec_door->values->len, ==, 7);
  for (guint i = 0; i < 7; i++)
    g_assert_cmpfloat (g_array_index (rec_door->values, double, i), ==, (i + 1) % 5);

  /* Only the listed ones; the current value 2 is not listed, so it starts over at 1. */
  rec_two = record (door_two, 4, 10000);
  hap_sim_behaviour_stop (door_two);
  g_assert_cmpfloat (g_array_index (rec_door->values, double, 6), ==, 2);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpfloat (g_array_index (rec_two->values, double, i), ==, i % 2 == 0 ? 1 : 0);
}

static void
test_script (void)
{
  g_autoptr(HapAccessory) accessory = new_accessory ();
  g_autoptr(HapSimBehaviour) once = load_one (accessory,
    "{\"characteristic\": \"ProgrammableSwitchEvent\", \"kind\": \"script\", \"steps\": ["
    " {\"at-ms\": 0, \"value\": 0}, {\"at-ms\": 60, \"value\": 1}, {\"at-ms\": 60, \"value\": 0},"
    " {\"at-ms\": 150, \"value\": 2}]}");
  g_autoptr(HapSimBehaviour) repeating = load_one (accessory,
    "{\"characteristic\": \"ProgrammableSwitchEvent\", \"kind\": \"script\", \"repeat\": true,"
    " \"period-ms\": 100, \"steps\": [{\"at-ms\": 20, \"value\": 1}, {\"at-ms\": 50, \"value\": 2}]}");
  static const double once_values[] = { 0, 1, 0, 2 };
  static const gint64 once_at[] = { 0, 60, 60, 150 };
  static const double repeat_values[] = { 1, 2, 1, 2, 1, 2 };
  static const gint64 repeat_at[] = { 20, 50, 120, 150, 220, 250 };
  /* Waits for a 5th value that never comes: the script ended after 4. */
  g_autoptr(Recorder) rec = record (once, 5, 400);
  g_autoptr(Recorder) rec_repeat = NULL;

  /* Programmable Switch Event sends every set, equal values included (docs/protocol.md §4.5). */
  g_assert_cmpuint (rec->values->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (g_array_index (rec->values, double, i), ==, once_values[i]);
      g_assert_cmpint (g_array_index (rec->times, gint64, i), >=, once_at[i] * 1000 - 1000);
      if (i > 0)
        g_assert_cmpint (g_array_index (rec->times, gint64, i), >=, g_array_index (rec->times, gint64, i - 1));
    }
  /* Steps far apart in the script are far apart in time. */
  g_assert_cmpint (g_array_index (rec->times, gint64, 3) - g_array_index (rec->times, gint64, 0), >=, 140 * 1000);

  rec_repeat = record (repeating, 6, 10000);
  hap_sim_behaviour_stop (repeating);
  g_assert_cmpuint (rec_repeat->values->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_assert_cmpfloat (g_array_index (rec_repeat->values, double, i), ==, repeat_values[i]);
      g_assert_cmpint (g_array_index (rec_repeat->times, gint64, i), >=, repeat_at[i] * 1000 - 1000);
    }
  /* Timed from each cycle's start: the third cycle's steps are not late by the sum of
   * the dispatch delays (a generous bound for loaded machines). */
  g_assert_cmpint (g_array_index (rec_repeat->times, gint64, 5), <, (250 + 500) * 1000);
}

static void
test_stop (void)
{
  g_autoptr(HapAccessory) accessory = new_accessory ();
  g_autoptr(HapSimBehaviour) on = load_one (accessory,
    "{\"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 10}");
  HapCharacteristic *c = hap_sim_behaviour_get_characteristic (on);
  g_autoptr(Recorder) rec = NULL;
  g_autoptr(Recorder) after = NULL;
  g_autoptr(GVariant) stopped_at = NULL;
  GMainLoop *loop = g_main_loop_new (NULL, FALSE);

  /* Started twice: one timer (restarted), so one stop ends it. */
  hap_sim_behaviour_start (on);
  rec = record (on, 3, 10000);
  g_assert_cmpuint (rec->values->len, ==, 3);
  hap_sim_behaviour_stop (on);
  stopped_at = g_variant_ref (hap_characteristic_get_value (c));

  after = g_new0 (Recorder, 1);
  after->values = g_array_new (FALSE, FALSE, sizeof (double));
  after->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  after->loop = g_main_loop_ref (loop);
  after->wanted = 1;
  {
    gulong id = g_signal_connect (c, "value-changed", G_CALLBACK (on_value_changed), after);

    g_timeout_add (150, on_timeout, loop);
    g_main_loop_run (loop);
    g_signal_handler_disconnect (c, id);
  }
  g_assert_cmpuint (after->values->len, ==, 0);
  g_assert_true (g_variant_equal (stopped_at, hap_characteristic_get_value (c)));

  /* Stopping a stopped one, and freeing a running one, are fine. */
  hap_sim_behaviour_stop (on);
  hap_sim_behaviour_start (on);
  g_main_loop_unref (loop);
}

/* On the thread-default context of whoever starts it, not the global default. */
static void
test_thread_default_context (void)
{
  g_autoptr(HapAccessory) accessory = new_accessory ();
  g_autoptr(HapSimBehaviour) on = load_one (accessory,
    "{\"characteristic\": \"On\", \"kind\": \"toggle\", \"interval-ms\": 10}");
  HapCharacteristic *c = hap_sim_behaviour_get_characteristic (on);
  GMainContext *context = g_main_context_new ();
  gint64 until;

  g_main_context_push_thread_default (context);
  hap_sim_behaviour_start (on);
  g_main_context_pop_thread_default (context);

  /* The global default context never runs it. */
  until = g_get_monotonic_time () + 50 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (g_variant_get_boolean (hap_characteristic_get_value (c)));

  while (!g_variant_get_boolean (hap_characteristic_get_value (c)))
    g_main_context_iteration (context, TRUE);

  hap_sim_behaviour_stop (on);
  g_main_context_unref (context);
}

/* ---- through the simulator ------------------------------------------------------- */

static void
test_events_reach_controller (void)
{
  static const char json[] =
    "{\"accessories\": [{\"name\": \"Drifting Sensor\", \"services\": ["
    "  {\"type\": \"TemperatureSensor\", \"characteristics\": [{\"type\": \"CurrentTemperature\", \"value\": 20}]}]}],"
    " \"simulator\": {\"behaviours\": ["
    "  {\"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\", \"interval-ms\": 20, \"step\": 0.5}]}}";
  SimFixture *fixture = sim_fixture_start (NULL, json);
  g_autoptr(HapTestClient) client = sim_fixture_connect_paired (fixture);
  guint64 iid = hap_test_client_find_iid (client, 1, "11");
  g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT ",\"ev\":true}]}", iid);
  g_autoptr(HapHttpMessage) response = hap_test_client_request (client, "PUT", "/characteristics",
                                                                "application/hap+json", body, strlen (body));
  double previous = NAN;

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 204);

  /* Each event carries a new value, half a degree from the last one (the drift ran
   * before the subscription, so the first one only sets the start). */
  for (int i = 0; i < 4; i++)
    {
      g_autoptr(HapHttpMessage) event = hap_test_client_wait_event (client, 5000);
      g_autoptr(JsonNode) root = NULL;
      JsonObject *item;
      double value;

      g_assert_nonnull (event);
      root = hap_test_parse_json (event);
      item = json_array_get_object_element (json_object_get_array_member (json_node_get_object (root),
                                                                          "characteristics"), 0);
      g_assert_cmpint (json_object_get_int_member (item, "iid"), ==, iid);
      value = json_object_get_double_member (item, "value");
      if (i > 0)
        g_assert_cmpfloat (fabs (fabs (value - previous) - 0.5), <, 1e-9);
      previous = value;
    }

  g_clear_pointer (&client, hap_test_client_free);
  sim_fixture_stop (fixture);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/behaviour/errors", test_errors);
  g_test_add_func ("/behaviour/lookup", test_lookup);
  g_test_add_func ("/behaviour/drift", test_drift);
  g_test_add_func ("/behaviour/drift-bounds", test_drift_bounds);
  g_test_add_func ("/behaviour/toggle", test_toggle);
  g_test_add_func ("/behaviour/script", test_script);
  g_test_add_func ("/behaviour/stop", test_stop);
  g_test_add_func ("/behaviour/thread-default-context", test_thread_default_context);
  g_test_add_func ("/behaviour/events-reach-controller", test_events_reach_controller);

  return g_test_run ();
}
