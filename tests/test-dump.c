/* test-dump.c — real devices' GET /accessories answers (tests/data/real-devices) and a
 * Home Assistant diagnostics download, served as recorded; broken dumps give
 * "FILE:LINE:COL: PATH: what (read as FORMAT)"
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libhap-glib/hap.h>
#include "hap-model-private.h"
#include "hap-server-private.h"
#include "hap-test-client.h"

#include <stdlib.h>
#include <string.h>

/* Warnings the loader logs for what each recording got wrong ("served as recorded"); any
 * other warning fails the test. */
static guint n_oddities;

static void
count_oddity (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        data)
{
  if (g_str_has_suffix (message, "(served as recorded)"))
    n_oddities++;
  else
    g_error ("unexpected warning: %s", message);
}

static char *
data_path (const char *dir,
           const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", dir, name, NULL);
}

/* a and b are the same JSON, numbers compared as numbers (4.0 is 4) and the
 * per-connection "ev" aside; else *diff says where they part. */
static gboolean
json_same (JsonNode   *a,
           JsonNode   *b,
           const char *path,
           char      **diff)
{
  if (JSON_NODE_HOLDS_VALUE (a) && JSON_NODE_HOLDS_VALUE (b) &&
      (json_node_get_value_type (a) == G_TYPE_INT64 || json_node_get_value_type (a) == G_TYPE_DOUBLE) &&
      (json_node_get_value_type (b) == G_TYPE_INT64 || json_node_get_value_type (b) == G_TYPE_DOUBLE))
    {
      if (json_node_get_value_type (a) == G_TYPE_INT64 && json_node_get_value_type (b) == G_TYPE_INT64
          ? json_node_get_int (a) == json_node_get_int (b)
          : json_node_get_double (a) == json_node_get_double (b))
        return TRUE;
    }
  else if (JSON_NODE_HOLDS_OBJECT (a) && JSON_NODE_HOLDS_OBJECT (b))
    {
      JsonObject *oa = json_node_get_object (a), *ob = json_node_get_object (b);
      g_autoptr(GList) names_a = json_object_get_members (oa);
      g_autoptr(GList) names_b = json_object_get_members (ob);

      for (GList *l = names_a; l != NULL; l = l->next)
        {
          g_autofree char *child = g_strdup_printf ("%s.%s", path, (char *) l->data);

          if (g_str_equal (l->data, "ev"))
            continue;
          if (!json_object_has_member (ob, l->data))
            {
              *diff = g_strdup_printf ("%s: missing on the right", child);
              return FALSE;
            }
          if (!json_same (json_object_get_member (oa, l->data), json_object_get_member (ob, l->data),
                          child, diff))
            return FALSE;
        }
      for (GList *l = names_b; l != NULL; l = l->next)
        if (!g_str_equal (l->data, "ev") && !json_object_has_member (oa, l->data))
          {
            *diff = g_strdup_printf ("%s.%s: missing on the left", path, (char *) l->data);
            return FALSE;
          }
      return TRUE;
    }
  else if (JSON_NODE_HOLDS_ARRAY (a) && JSON_NODE_HOLDS_ARRAY (b))
    {
      JsonArray *aa = json_node_get_array (a), *ab = json_node_get_array (b);

      if (json_array_get_length (aa) == json_array_get_length (ab))
        {
          for (guint i = 0; i < json_array_get_length (aa); i++)
            {
              g_autofree char *child = g_strdup_printf ("%s[%u]", path, i);

              if (!json_same (json_array_get_element (aa, i), json_array_get_element (ab, i), child, diff))
                return FALSE;
            }
          return TRUE;
        }
    }
  else if (json_node_equal (a, b))
    return TRUE;

  *diff = g_strdup_printf ("%s: %s ≠ %s", path, json_to_string (a, FALSE), json_to_string (b, FALSE));
  return FALSE;
}

static void
assert_json_same (JsonNode   *left,
                  JsonNode   *right,
                  const char *what)
{
  g_autofree char *diff = NULL;

  if (!json_same (left, right, "", &diff))
    g_error ("%s: %s", what, diff);
}

static JsonNode *
parse_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* A server for @accessory, started on loopback, with its state in @dir. */
static HapAccessoryServer *
start_server (HapAccessory *accessory,
              const char   *dir)
{
  g_autoptr(GError) error = NULL;
  HapAccessoryServer *server = hap_accessory_server_new (accessory, dir);

  hap_accessory_server_set_bind_address (server, "127.0.0.1");
  hap_accessory_server_set_port (server, 0);
  hap_accessory_server_set_advertise (server, FALSE);
  hap_accessory_server_start (server, &error);
  g_assert_no_error (error);
  return server;
}

/* The "accessories" array the server answers GET /accessories with. */
static JsonNode *
served_accessories (HapAccessoryServer *server)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  _hap_accessory_server_append_database (server, out);
  root = json_from_string (out->str, &error);
  g_assert_no_error (error);
  return json_node_copy (json_object_get_member (json_node_get_object (root), "accessories"));
}

static HapAccessory *
load_counting (const char *path,
               guint      *oddities)
{
  g_autoptr(GError) error = NULL;
  HapAccessory *accessory;

  n_oddities = 0;
  accessory = hap_accessory_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (accessory);
  *oddities = n_oddities;
  return accessory;
}

/* What each recording gets wrong, one warning per oddity. */
static const struct {
  const char *file;
  guint       oddities;
} real_devices[] = {
  { "aqara_gateway.json", 0 },
  { "camera.json", 0 },
  { "ecobee3.json", 0 },
  { "ecobee3_no_sensors.json", 0 },
  { "eve_energy.json", 8 },            /* service iids reused by characteristics, hex as base64 */
  { "home_assistant_bridge_camera.json", 0 },
  { "home_assistant_bridge_fan.json", 0 },
  { "hue_bridge.json", 0 },
  { "idevices_switch.json", 14 },      /* no "format" */
  { "koogeek_ls1.json", 0 },
  { "lennox_e30.json", 0 },
  { "nanoleaf_bulb.json", 3 },         /* UUIDs without dashes */
  { "simpleconnect_fan.json", 22 },    /* 4294967295 in int characteristics */
  { "synthetic_float_minstep.json", 5 }, /* values off the minStep grid */
  { "vocolinc_flowerbud.json", 0 },
};

static void
test_real_devices_served (void)
{
  g_autofree char *dir_path = data_path ("real-devices", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  guint n_files = 0;

  for (guint i = 0; i < G_N_ELEMENTS (real_devices); i++)
    {
      g_autofree char *path = data_path ("real-devices", real_devices[i].file);
      g_autofree char *state = g_dir_make_tmp ("test-dump-XXXXXX", NULL);
      g_autoptr(HapAccessory) accessory = NULL;
      g_autoptr(HapAccessory) again = NULL;
      g_autoptr(HapAccessoryServer) server = NULL;
      g_autoptr(JsonNode) recorded = parse_file (path);
      g_autoptr(JsonNode) served = NULL;
      g_autoptr(JsonNode) restarted = NULL;
      guint oddities, config_number;

      g_test_message ("%s", real_devices[i].file);
      accessory = load_counting (path, &oddities);
      g_assert_cmpuint (oddities, ==, real_devices[i].oddities);

      server = start_server (accessory, state);
      served = served_accessories (server);
      assert_json_same (recorded, served, real_devices[i].file);
      config_number = hap_accessory_server_get_config_number (server);
      hap_accessory_server_stop (server);
      g_clear_object (&server);

      /* The same ids and configuration number after a restart. */
      again = load_counting (path, &oddities);
      server = start_server (again, state);
      restarted = served_accessories (server);
      assert_json_same (served, restarted, real_devices[i].file);
      g_assert_cmpuint (hap_accessory_server_get_config_number (server), ==, config_number);
      hap_accessory_server_stop (server);
      g_clear_object (&server);

      hap_test_remove_tree (state);
    }

  /* Every file of the folder is listed above. */
  g_assert_nonnull (dir);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    n_files += g_str_has_suffix (name, ".json");
  g_assert_cmpuint (n_files, ==, G_N_ELEMENTS (real_devices));
}

/* Home Assistant's diagnostics download around the Koogeek LS1: the same database, and
 * config-num as the configuration number. */
static void
test_home_assistant_diagnostics (void)
{
  g_autofree char *path = data_path ("dumps", "ha-diagnostics-koogeek.json");
  g_autofree char *device = data_path ("real-devices", "koogeek_ls1.json");
  g_autofree char *state = g_dir_make_tmp ("test-dump-XXXXXX", NULL);
  g_autoptr(HapAccessory) accessory = NULL;
  g_autoptr(HapAccessoryServer) server = NULL;
  g_autoptr(JsonNode) recorded = parse_file (device);
  g_autoptr(JsonNode) served = NULL;
  guint oddities, config_number = 0;

  accessory = load_counting (path, &oddities);
  g_assert_cmpuint (oddities, ==, 0);
  g_assert_true (_hap_accessory_get_recorded (accessory, NULL, &config_number));
  g_assert_cmpuint (config_number, ==, 7);
  g_assert_cmpstr (hap_accessory_get_name (accessory), ==, "Koogeek-LS1-20833F");
  g_assert_cmpint (hap_accessory_get_category (accessory), ==, 5);

  server = start_server (accessory, state);
  served = served_accessories (server);
  assert_json_same (recorded, served, "ha-diagnostics-koogeek.json");
  g_assert_cmpuint (hap_accessory_server_get_config_number (server), ==, 7);
  hap_accessory_server_stop (server);
  hap_test_remove_tree (state);
}

/* Writes follow the recorded metadata; a value set is served instead of the recorded one. */
static void
test_recorded_metadata (void)
{
  g_autofree char *path = data_path ("real-devices", "koogeek_ls1.json");
  g_autoptr(HapAccessory) accessory = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  HapCharacteristic *brightness, *vendor;
  guint oddities;

  accessory = load_counting (path, &oddities);
  /* Koogeek's Lightbulb (iid 7): Brightness iid 11 (0–100, step 1); a vendor tlv8
   * characteristic (iid 14) with its own description. */
  brightness = hap_accessory_get_characteristic_by_iid (accessory, 11);
  g_assert_nonnull (brightness);
  g_assert_cmpfloat (hap_characteristic_get_max_value (brightness), ==, 100);
  g_assert_false (hap_characteristic_set_value (brightness, g_variant_new_int32 (101), &error));
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_true (hap_characteristic_set_value (brightness, g_variant_new_int32 (42), &error));
  g_assert_no_error (error);
  _hap_characteristic_append_json (brightness, out, HAP_JSON_DB, NULL, FALSE);
  g_assert_nonnull (strstr (out->str, "\"value\":42"));
  g_assert_nonnull (strstr (out->str, "\"type\":\"8\""));

  vendor = hap_accessory_get_characteristic_by_iid (accessory, 14);
  g_assert_nonnull (vendor);
  g_assert_null (hap_characteristic_get_catalog_type (vendor));
  g_assert_cmpint (hap_characteristic_get_format (vendor), ==, HAP_FORMAT_TLV8);
  g_assert_cmpstr (hap_characteristic_get_description (vendor), ==, "TIMER_SETTINGS");
}

/* Broken dumps ------------------------------------------------------------------------ */

static const struct {
  const char *file;
  const char *expected;  /* the message after "PATH-OF-FILE:" */
} broken[] = {
  { "not-an-array.json",
    "3:19: data.entity-map: expected an array, got an object (read as a Home Assistant diagnostics download)" },
  { "top-level-string.json",
    "1:1: (top level): expected an object with an “accessories” array (or a device's GET /accessories "
    "answer), got a string" },
  { "no-aid.json", "2:3: [0]: missing required key “aid” (read as a device's GET /accessories answer)" },
  { "no-aid-1.json",
    "2:18: accessories: no accessory has aid 1 (the accessory itself, or the bridge) "
    "(read as a device's GET /accessories answer)" },
  { "duplicate-aid.json",
    "3:11: [1].aid: aid 1 is already used by [0] (read as a device's GET /accessories answer)" },
  { "service-without-characteristics.json",
    "5:7: [0].services[0]: missing required key “characteristics” (read as a device's GET /accessories answer)" },
  { "characteristic-without-iid.json",
    "9:11: [0].services[0].characteristics[0]: missing required key “iid” "
    "(read as a device's GET /accessories answer)" },
  { "bad-type.json",
    "10:21: [0].services[0].characteristics[0].type: “Brightness” is not a HAP type (a short or full UUID) "
    "(read as a device's GET /accessories answer)" },
};

static void
test_broken_dumps (void)
{
  g_autofree char *dir_path = data_path ("dumps", "broken");
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  guint n_files = 0;

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *path = g_build_filename (dir_path, broken[i].file, NULL);
      g_autofree char *expected = g_strdup_printf ("%s:%s", path, broken[i].expected);
      g_autoptr(HapAccessory) accessory = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", broken[i].file);
      accessory = hap_accessory_new_from_file (path, &error);
      g_assert_null (accessory);
      g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
      if (!g_str_equal (error->message, expected))
        g_error ("%s:\n  got      %s\n  expected %s", broken[i].file, error->message, expected);
    }

  g_assert_nonnull (dir);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL; n_files++)
    {
      gboolean listed = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
        listed |= g_str_equal (broken[i].file, name);
      if (!listed)
        g_error ("%s has no expected message", name);
    }
  g_assert_cmpuint (n_files, ==, G_N_ELEMENTS (broken));
}

/* The format is told from the content: {"accessories": […]} with aids and no names is
 * a dump, with names this simulator's own format. */
static void
test_detection (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) dump = NULL;
  g_autoptr(HapAccessory) native = NULL;

  dump = hap_accessory_new_from_data ("{\"accessories\": [{\"aid\": 1, \"services\": [{\"iid\": 1, "
                                      "\"type\": \"3E\", \"characteristics\": [{\"iid\": 2, \"type\": \"23\", "
                                      "\"perms\": [\"pr\"], \"format\": \"string\", \"value\": \"Lamp\"}]}]}]}",
                                      -1, "inline.json", &error);
  g_assert_no_error (error);
  g_assert_true (_hap_accessory_get_recorded (dump, NULL, NULL));
  g_assert_cmpstr (hap_accessory_get_name (dump), ==, "Lamp");
  g_assert_cmpuint (hap_accessory_get_services (dump)->len, ==, 1);

  native = hap_accessory_new_from_data ("{\"accessories\": [{\"name\": \"Lamp\", \"aid\": 1}]}",
                                        -1, "inline.json", &error);
  g_assert_no_error (error);
  g_assert_false (_hap_accessory_get_recorded (native, NULL, NULL));
}

/* Mutations ------------------------------------------------------------------------- */

/* A copy of @node where the @target-th node (depth first, counted in *n) is @alt. */
static JsonNode *
replace_nth (JsonNode *node,
             guint    *n,
             guint     target,
             JsonNode *alt)
{
  if ((*n)++ == target)
    return json_node_copy (alt);

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autoptr(JsonObject) copy = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, json_node_get_object (node));
      while (json_object_iter_next_ordered (&iter, &name, &member))
        json_object_set_member (copy, name, replace_nth (member, n, target, alt));
      return json_node_init_object (json_node_alloc (), copy);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(JsonArray) copy = json_array_new ();

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (copy, replace_nth (json_array_get_element (array, i), n, target, alt));
      return json_node_init_array (json_node_alloc (), copy);
    }
  return json_node_copy (node);
}

/* Every value of a recording replaced in turn by values of every kind: each result
 * loads (and serves) or fails with FILE:LINE:COL, never a critical or a crash. */
static void
test_mutations (void)
{
  static const char * const alternatives[] = {
    "null", "0", "-1", "1e300", "4294967296", "\"\"", "\"3E\"", "true", "[]", "{}", "[[1, 2]]",
  };
  static const char * const files[] = { "real-devices/koogeek_ls1.json", "dumps/ha-diagnostics-koogeek.json" };

  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", files[f], NULL);
      g_autoptr(JsonNode) root = parse_file (path);
      guint n_nodes = 0, loaded = 0, refused = 0;
      g_autoptr(JsonNode) unused G_GNUC_UNUSED = replace_nth (root, &n_nodes, G_MAXUINT, NULL);

      for (guint target = 0; target < n_nodes; target++)
        for (guint k = 0; k < G_N_ELEMENTS (alternatives); k++)
          {
            g_autoptr(JsonNode) alt = json_from_string (alternatives[k], NULL);
            g_autoptr(JsonNode) mutated = NULL;
            g_autoptr(HapAccessory) accessory = NULL;
            g_autoptr(GError) error = NULL;
            g_autofree char *text = NULL;
            guint n = 0;

            mutated = replace_nth (root, &n, target, alt);
            text = json_to_string (mutated, TRUE);
            accessory = hap_accessory_new_from_data (text, -1, "mutated.json", &error);
            if (accessory == NULL)
              {
                g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
                g_assert_true (g_str_has_prefix (error->message, "mutated.json:"));
                refused++;
              }
            else
              {
                g_autoptr(GString) out = g_string_new (NULL);
                GPtrArray *bridged = hap_accessory_get_bridged_accessories (accessory);

                _hap_accessory_append_json (accessory, out);
                for (guint i = 0; i < bridged->len; i++)
                  _hap_accessory_append_json (g_ptr_array_index (bridged, i), out);
                g_assert_cmpuint (out->len, >, 0);
                loaded++;
              }
          }
      g_test_message ("%s: %u nodes, %u mutations loaded, %u refused", files[f], n_nodes, loaded, refused);
      g_assert_cmpuint (loaded, >, 0);
      g_assert_cmpuint (refused, >, 0);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Oddities are counted, not fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  g_log_set_handler ("Hap", G_LOG_LEVEL_WARNING, count_oddity, NULL);

  g_test_add_func ("/dump/real-devices-served", test_real_devices_served);
  g_test_add_func ("/dump/home-assistant-diagnostics", test_home_assistant_diagnostics);
  g_test_add_func ("/dump/recorded-metadata", test_recorded_metadata);
  g_test_add_func ("/dump/broken", test_broken_dumps);
  g_test_add_func ("/dump/detection", test_detection);
  g_test_add_func ("/dump/mutations", test_mutations);

  return g_test_run ();
}
