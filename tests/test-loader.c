/* test-loader.c — accessory files: every sample loads, every broken file gives its
 * "FILE:LINE:COL: PATH: what" message
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libhap-glib/hap.h>
#include "hap-model-private.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *
accessories_path (const char *name)
{
  const char *dir = g_getenv ("HAP_ACCESSORIES_DIR");

  if (dir == NULL)
    return g_test_build_filename (G_TEST_DIST, "..", "accessories", name, NULL);
  return g_build_filename (dir, name, NULL);
}

static HapAccessory *
load_sample (const char *name)
{
  g_autofree char *path = accessories_path (name);
  g_autoptr(GError) error = NULL;
  HapAccessory *accessory = hap_accessory_new_from_file (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (accessory);
  return accessory;
}

static GVariant *
value_of (HapAccessory *accessory,
          const char   *service,
          const char   *characteristic)
{
  HapService *s = hap_accessory_get_service (accessory, service);

  g_assert_nonnull (s);
  g_assert_nonnull (hap_service_get_characteristic (s, characteristic));
  return hap_characteristic_get_value (hap_service_get_characteristic (s, characteristic));
}

/* The database of @accessory and its bridged accessories is valid JSON. */
static void
assert_database_parses (HapAccessory *accessory)
{
  g_autoptr(GString) out = g_string_new ("{\"accessories\":[");
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (accessory);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i <= bridged->len; i++)
    {
      HapAccessory *a = i == 0 ? accessory : g_ptr_array_index (bridged, i - 1);
      g_autoptr(GHashTable) id_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      if (hap_accessory_get_aid (a) == 0)
        hap_accessory_set_aid (a, 100 + i);
      _hap_accessory_ensure_protocol_information (a);
      _hap_accessory_assign_iids (a, id_map);
      if (i > 0)
        g_string_append_c (out, ',');
      _hap_accessory_append_json (a, out);
    }
  g_string_append (out, "]}");

  root = json_from_string (out->str, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
}

static void
test_all_samples_load (void)
{
  g_autofree char *dir_path = accessories_path ("");
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;
  guint n = 0;

  dir = g_dir_open (dir_path, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autoptr(HapAccessory) accessory = NULL;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      g_test_message ("loading %s", name);
      accessory = load_sample (name);
      assert_database_parses (accessory);
      n++;
    }
  g_assert_cmpuint (n, >=, 7);
}

static void
test_sample_lightbulb (void)
{
  g_autoptr(HapAccessory) lamp = load_sample ("lightbulb.json");
  HapService *bulb = hap_accessory_get_service (lamp, "Lightbulb");

  g_assert_cmpstr (hap_accessory_get_name (lamp), ==, "Desk Lamp");
  g_assert_cmpint (hap_accessory_get_category (lamp), ==, 5);
  g_assert_cmpuint (hap_accessory_get_aid (lamp), ==, 1);
  g_assert_true (hap_service_get_primary (bulb));
  g_assert_true (g_variant_get_boolean (value_of (lamp, "Lightbulb", "On")));
  g_assert_cmpint (g_variant_get_int32 (value_of (lamp, "Lightbulb", "Brightness")), ==, 75);
  g_assert_cmpfloat (g_variant_get_double (value_of (lamp, "Lightbulb", "Hue")), ==, 30);
  g_assert_cmpfloat (g_variant_get_double (value_of (lamp, "Lightbulb", "Saturation")), ==, 40);
  g_assert_cmpstr (g_variant_get_string (value_of (lamp, "AccessoryInformation", "Model"), NULL), ==, "Desk Lamp RGB");
  g_assert_cmpstr (g_variant_get_string (value_of (lamp, "AccessoryInformation", "Manufacturer"), NULL), ==, "HAP Simulator");
  g_assert_cmpuint (hap_service_get_characteristics (bulb)->len, ==, 4);
}

static void
test_sample_lock (void)
{
  g_autoptr(HapAccessory) lock = load_sample ("lock.json");
  HapCharacteristic *target = hap_service_get_characteristic (hap_accessory_get_service (lock, "LockMechanism"),
                                                              "LockTargetState");

  g_assert_cmpint (hap_accessory_get_category (lock), ==, 6);
  g_assert_cmpuint (hap_characteristic_get_perms (target), ==,
                    HAP_PERM_PAIRED_READ | HAP_PERM_PAIRED_WRITE | HAP_PERM_EVENTS | HAP_PERM_TIMED_WRITE);
  g_assert_cmpuint (g_variant_get_byte (hap_characteristic_get_value (target)), ==, 1);
}

static void
test_sample_outlet (void)
{
  g_autoptr(HapAccessory) outlet = load_sample ("outlet.json");
  HapService *service = hap_accessory_get_service (outlet, "Outlet");
  HapCharacteristic *power = hap_service_get_characteristic (service, "E863F10D-079E-48FF-8F27-9C2605A29F52");

  g_assert_nonnull (power);
  g_assert_null (hap_characteristic_get_catalog_type (power));
  g_assert_cmpint (hap_characteristic_get_format (power), ==, HAP_FORMAT_FLOAT);
  g_assert_cmpuint (hap_characteristic_get_perms (power), ==, HAP_PERM_PAIRED_READ | HAP_PERM_EVENTS);
  g_assert_cmpstr (hap_characteristic_get_unit (power), ==, "W");
  g_assert_cmpstr (hap_characteristic_get_description (power), ==, "Power");
  g_assert_cmpfloat (hap_characteristic_get_max_value (power), ==, 3680);
}

static void
test_sample_sensor_pack (void)
{
  g_autoptr(HapAccessory) pack = load_sample ("sensor-pack.json");
  HapService *temperature = hap_accessory_get_service (pack, "TemperatureSensor");
  HapService *battery = hap_accessory_get_service (pack, "Battery");
  GPtrArray *linked = hap_service_get_linked_services (temperature);

  g_assert_cmpint (hap_accessory_get_category (pack), ==, 10);
  g_assert_cmpuint (hap_accessory_get_services (pack)->len, ==, 7);
  g_assert_cmpuint (linked->len, ==, 1);
  g_assert_true (g_ptr_array_index (linked, 0) == battery);
  g_assert_cmpuint (g_variant_get_byte (value_of (pack, "Battery", "BatteryLevel")), ==, 87);
  g_assert_cmpfloat (g_variant_get_double (value_of (pack, "LightSensor", "CurrentAmbientLightLevel")), ==, 320.5);
}

static void
test_sample_bridge (void)
{
  g_autoptr(HapAccessory) bridge = load_sample ("bridge.json");
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (bridge);
  HapAccessory *remote, *camera;
  GBytes *snapshot;
  const guint8 *jpeg;
  gsize size;

  g_assert_cmpstr (hap_accessory_get_name (bridge), ==, "Sim Bridge");
  g_assert_cmpint (hap_accessory_get_category (bridge), ==, 2);
  g_assert_cmpuint (hap_accessory_get_aid (bridge), ==, 1);
  g_assert_cmpuint (bridged->len, >=, 4);

  for (guint i = 0; i < bridged->len; i++)
    {
      HapAccessory *accessory = g_ptr_array_index (bridged, i);

      g_assert_true (hap_accessory_get_bridge (accessory) == bridge);
      g_assert_cmpuint (hap_accessory_get_aid (accessory), ==, i + 2);
    }

  /* A stateless programmable switch, its button reading null. */
  remote = g_ptr_array_index (bridged, 1);
  g_assert_cmpint (hap_accessory_get_category (remote), ==, 15);
  g_assert_true (hap_characteristic_is_event_only (
    hap_service_get_characteristic (hap_accessory_get_service (remote, "StatelessProgrammableSwitch"),
                                    "ProgrammableSwitchEvent")));

  /* Category from the first service when the file gives none. */
  g_assert_cmpint (hap_accessory_get_category (g_ptr_array_index (bridged, 0)), ==, 5);
  g_assert_cmpint (hap_accessory_get_category (g_ptr_array_index (bridged, 2)), ==, 10);
  g_assert_cmpint (hap_accessory_get_category (g_ptr_array_index (bridged, 3)), ==, 3);

  /* The camera's snapshot is a JPEG. */
  camera = g_ptr_array_index (bridged, 4);
  g_assert_cmpint (hap_accessory_get_category (camera), ==, 17);
  snapshot = hap_accessory_get_snapshot (camera);
  g_assert_nonnull (snapshot);
  jpeg = g_bytes_get_data (snapshot, &size);
  g_assert_cmpuint (size, >, 4);
  g_assert_cmpmem (jpeg, 3, "\xff\xd8\xff", 3);
  g_assert_cmpmem (jpeg + size - 2, 2, "\xff\xd9", 2);
}

/* Broken files --------------------------------------------------------------------- */

static const struct {
  const char *file;
  const char *expected;  /* the message after "PATH-OF-FILE:" */
} broken[] = {
  { "not-json.json", "4:25: invalid JSON: unexpected string constant \"Desk Lamp\", expected character `,'" },
  /* An array is a device's GET /accessories answer (test-dump.c), whose accessories have aids. */
  { "top-level-array.json",
    "2:3: [0]: missing required key “aid” (read as a device's GET /accessories answer)" },
  { "missing-accessories.json",
    "2:3: accesories: unknown key “accesories” (expected one of accessories, transports, simulator)" },
  { "empty-accessories.json", "2:18: accessories: must list at least one accessory" },
  { "no-name.json", "3:5: accessories[0]: missing required key “name”" },
  { "unknown-service.json",
    "7:19: accessories[0].services[1].type: unknown service type “Lightbub” "
    "(use a catalog name or a full UUID)" },
  { "unknown-characteristic.json",
    "9:23: accessories[0].services[0].characteristics[0].type: unknown characteristic type "
    "“Brightnes” (use a catalog name or a full UUID)" },
  { "vendor-without-format.json",
    "9:23: accessories[0].services[0].characteristics[0].type: vendor characteristic "
    "“E863F10D-079E-48FF-8F27-9C2605A29F52” needs “format” and “perms”" },
  { "bad-format.json",
    "12:25: accessories[0].services[0].characteristics[1].format: unknown format “flaot” "
    "(expected one of bool, uint8, uint16, uint32, uint64, int, float, string, tlv8, data)" },
  { "bad-perm.json",
    "9:64: accessories[0].services[0].characteristics[0].perms[2]: unknown permission “rw” "
    "(expected one of pr, pw, ev, aa, tw, hd, wr)" },
  { "wrong-type.json",
    "6:43: accessories[0].services[0].primary: expected true or false, got a string" },
  { "value-wrong-type.json",
    "9:38: accessories[0].services[0].characteristics[0].value: expected a boolean "
    "(true, false, 0 or 1), got a string" },
  { "value-out-of-range.json",
    "10:46: accessories[0].services[0].characteristics[1].value: value 150 is above maxValue 100" },
  { "duplicate-aid.json", "5:34: accessories[2].aid: aid 2 is already used by accessories[1]" },
  { "duplicate-iid.json",
    "11:44: accessories[0].services[0].characteristics[1].iid: iid 10 is already used by "
    "accessories[0].services[0]" },
  { "bad-link.json",
    "6:72: accessories[0].services[0].linked[0]: no service with id “batery” in this accessory" },
  { "unknown-key.json",
    "8:11: accessories[0].services[0].colour: unknown key “colour” "
    "(expected one of type, iid, primary, hidden, id, linked, characteristics)" },
  { "missing-snapshot.json", "6:19: accessories[0].snapshot: cannot read snapshot: " },
};

static void
test_broken_files (void)
{
  guint n_files = 0;
  g_autoptr(GDir) dir = NULL;
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "broken", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "broken", broken[i].file, NULL);
      g_autofree char *expected = g_strdup_printf ("%s:%s", path, broken[i].expected);
      g_autoptr(HapAccessory) accessory = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", broken[i].file);
      accessory = hap_accessory_new_from_file (path, &error);
      g_assert_null (accessory);
      g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
      if (!g_str_has_prefix (error->message, expected))
        g_error ("%s:\n  got      %s\n  expected %s…", broken[i].file, error->message, expected);
    }

  /* Every file in the folder has its expectation above. */
  dir = g_dir_open (dir_path, 0, NULL);
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

static void
assert_data_error (const char *data,
                   const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = hap_accessory_new_from_data (data, -1, "inline.json", &error);

  g_assert_null (accessory);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
  if (!g_str_has_prefix (error->message, expected))
    g_error ("got      %s\nexpected %s…", error->message, expected);
}

static void
test_data_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = NULL;

  assert_data_error ("", "inline.json:1:1: (top level): the file is empty");
  assert_data_error ("{\"accessories\":[{\"name\":\"x\xff\"}]}", "inline.json:1:27: invalid JSON: not UTF-8 text");
  assert_data_error ("{\"accessories\": {}}",
                     "inline.json:1:17: accessories: expected an array, got an object");
  assert_data_error ("{\"accessories\": [5]}", "inline.json:1:18: accessories[0]: expected an object, got an integer");
  assert_data_error ("{\"accessories\": [{\"name\": \"\"}]}", "inline.json:1:27: accessories[0].name: the name must not be empty");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"category\": \"LIGHTBLUB\"}]}",
                     "inline.json:1:44: accessories[0].category: unknown category “LIGHTBLUB”");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"aid\": 3}]}",
                     "inline.json:1:39: accessories[0].aid: the first accessory is the primary one, with aid 1");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"manufacturer\": 5}]}",
                     "inline.json:1:48: accessories[0].manufacturer: expected a string, got an integer");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"model\": \""
                     "01234567890123456789012345678901234567890123456789012345678901234\"}]}",
                     "inline.json:1:41: accessories[0].model: string of 65 bytes is longer than maxLen 64");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", \"primary\": true},"
                     " {\"type\": \"Switch\", \"primary\": true}]}]}",
                     "inline.json:1:115: accessories[0].services[1].primary: only one service may be primary");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", \"characteristics\":"
                     " [{\"type\": \"On\", \"maxLen\": 10}]}]}]}",
                     "inline.json:1:102: accessories[0].services[0].characteristics[0].maxLen: “maxLen” applies to string formats only, not bool");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", \"characteristics\":"
                     " [{\"type\": \"Brightness\", \"minValue\": 50, \"maxValue\": 10}]}]}]}",
                     "inline.json:1:138: accessories[0].services[0].characteristics[0].maxValue: minValue 50 is above maxValue 10");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", \"characteristics\":"
                     " [{\"type\": \"On\"}, {\"type\": \"On\"}]}]}]}",
                     "inline.json:1:112: accessories[0].services[0].characteristics[1].type: characteristic “On” is listed twice");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", \"characteristics\":"
                     " [{\"type\": \"Brightness\", \"validValuesRange\": [[5, 1]]}]}]}]}",
                     "inline.json:1:131: accessories[0].services[0].characteristics[0].validValuesRange[0]: start is above end");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"AccessoryInformation\", \"iid\": 4}]}]}",
                     "inline.json:1:85: accessories[0].services[0].iid: Accessory Information always has iid 1");
  /* Positions stay right after a comment and a line break. */
  assert_data_error ("/* a comment\n with \"quotes\" */ {\"accessories\": [{\"name\": \"A\", \"aid\": 1,\n \"services\": [7]}]}",
                     "inline.json:3:15: accessories[0].services[0]: expected an object, got an integer");

  /* A snapshot that is not a JPEG. */
  {
    g_autofree char *not_jpeg = accessories_path ("lightbulb.json");
    g_autofree char *data = g_strdup_printf ("{\"accessories\": [{\"name\": \"A\", \"snapshot\": \"%s\"}]}", not_jpeg);
    g_autofree char *expected = g_strdup_printf ("inline.json:1:44: accessories[0].snapshot: “%s” is not a JPEG image",
                                                 not_jpeg);

    assert_data_error (data, expected);
  }

  /* A snapshot that is not a regular file would be read for ever (issue 13). */
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"snapshot\": \"/dev/zero\"}]}",
                     "inline.json:1:44: accessories[0].snapshot: “/dev/zero” is not a regular file");
  {
    g_autofree char *big = NULL;
    int fd = g_file_open_tmp ("hap-loader-XXXXXX.jpg", &big, NULL);
    g_autofree char *data = NULL;
    g_autofree char *expected = NULL;

    /* Sparse: 9 MiB on paper, nothing on disk. */
    g_assert_cmpint (fd, >=, 0);
    g_assert_cmpint (ftruncate (fd, 9 * 1024 * 1024), ==, 0);
    close (fd);
    data = g_strdup_printf ("{\"accessories\": [{\"name\": \"A\", \"snapshot\": \"%s\"}]}", big);
    expected = g_strdup_printf ("inline.json:1:44: accessories[0].snapshot: “%s” is larger than 8 MiB", big);
    assert_data_error (data, expected);
    g_assert_cmpint (g_unlink (big), ==, 0);
  }

  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", \"characteristics\":"
                     " [{\"type\": \"Brightness\", \"validValues\": [1, 2147483648]}]}]}]}",
                     "inline.json:1:129: accessories[0].services[0].characteristics[0].validValues[1]: 2147483648 is out of range");

  /* From memory without an origin. */
  accessory = hap_accessory_new_from_data ("1", -1, NULL, &error);
  g_assert_null (accessory);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
  g_assert_true (g_str_has_prefix (error->message, "<data>:1:1: (top level): "));
  g_clear_error (&error);

  /* A missing file. */
  accessory = hap_accessory_new_from_file ("/nonexistent/lamp.json", &error);
  g_assert_null (accessory);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent/lamp.json: cannot read: "));
}

/* What json-glib reads differently from the text is refused as written (issue 13). */
static void
test_hostile_literals (void)
{
  static const char head[] = "{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", "
                             "\"characteristics\": [{\"type\": \"Brightness\", \"value\": ";
  static const struct {
    const char *value;
    const char *expected;
  } cases[] = {
    /* json-glib reads 2^64 as -1 and -2^63-1 as 2^63-1. */
    { "18446744073709551616", "inline.json:1:119: accessories[0].services[0].characteristics[0].value: "
      "18446744073709551616 is out of range (integers in JSON files are -9223372036854775808 to "
      "9223372036854775807)" },
    { "-9223372036854775809", "inline.json:1:119: accessories[0].services[0].characteristics[0].value: "
      "-9223372036854775809 is out of range (integers in JSON files are -9223372036854775808 to "
      "9223372036854775807)" },
    /* …and 1e999 as infinity. */
    { "1e999", "inline.json:1:119: accessories[0].services[0].characteristics[0].value: "
      "1e999 is out of range (not a finite number)" },
    { "-1.5E400", "inline.json:1:119: accessories[0].services[0].characteristics[0].value: "
      "-1.5E400 is out of range (not a finite number)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *data = g_strconcat (head, cases[i].value, "}]}]}]}", NULL);

      assert_data_error (data, cases[i].expected);
    }
  /* An iid is an integer too: the literal, not json-glib's -1. */
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\", "
                     "\"iid\": 18446744073709551616}]}]}",
                     "inline.json:1:74: accessories[0].services[0].iid: 18446744073709551616 is out of range");

  /* json-glib cuts a string at \u0000 without a word. */
  assert_data_error ("{\"accessories\": [{\"name\": \"Desk\\u0000Lamp\"}]}",
                     "inline.json:1:27: accessories[0].name: contains NUL (\\u0000)");
  assert_data_error ("{\"accessories\": [{\"name\": \"A\", \"services\": [{\"type\": \"Lightbulb\"}, "
                     "{\"type\": \"Switch\", \"characteristics\": [{\"type\": \"On\"}, {\"type\": \"Name\"}, "
                     "{\"type\": \"E863F10D-079E-48FF-8F27-9C2605A29F52\", \"format\": \"bool\", "
                     "\"perms\": [\"pr\"], \"description\": \"a\\u0000\"}]}]}]}",
                     "inline.json:1:240: accessories[0].services[1].characteristics[2].description: "
                     "contains NUL (\\u0000)");
  assert_data_error ("{\"accessories\": [{\"na\\u0000me\": \"A\"}]}",
                     "inline.json:1:19: accessories[0]: a member name contains NUL (\\u0000)");
  /* An escaped backslash before "u0000" is no NUL. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HapAccessory) accessory =
      hap_accessory_new_from_data ("{\"accessories\": [{\"name\": \"A\\\\u0000\"}]}", -1, "inline.json", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (hap_accessory_get_name (accessory), ==, "A\\u0000");
  }
  /* A NUL byte in the file itself. */
  {
    static const char with_nul[] = "{\"accessories\": [{\"name\": \"A\0B\"}]}";
    g_autoptr(GError) error = NULL;
    g_autoptr(HapAccessory) accessory =
      hap_accessory_new_from_data (with_nul, sizeof with_nul - 1, "inline.json", &error);

    g_assert_null (accessory);
    g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
    g_assert_cmpstr (error->message, ==, "inline.json:1:29: invalid JSON: a NUL byte");
  }
}

/* 100,000 '[' overflowed json-glib's recursive parser (exit 139, issue 13): the pre-scan
 * reports the first bracket past the limit, at its line and column. */
static void
test_deep_nesting (void)
{
  g_autoptr(GString) data = g_string_new ("{\"accessories\": [{\"name\": \"A\",\n  \"x\": ");
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (data, '[');
  accessory = hap_accessory_new_from_data (data->str, (gssize) data->len, "deep.json", &error);
  g_assert_null (accessory);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
  /* Three levels open on line 1; the 254th '[' on line 2 (column 261) is level 257. */
  g_assert_cmpstr (error->message, ==,
                   "deep.json:2:261: invalid JSON: arrays and objects nest deeper than 256 levels");
  g_clear_error (&error);

  /* Brackets inside strings and comments do not count; exactly 256 levels load as far
   * as the format goes. */
  g_string_assign (data, "/* [[[[ */ {\"accessories\": [{\"name\": \"[[[[{{{{\\\"[[\", \"x\": ");
  for (guint i = 0; i < 253; i++)
    g_string_append_c (data, '[');
  for (guint i = 0; i < 253; i++)
    g_string_append_c (data, ']');
  g_string_append (data, "}]}");
  accessory = hap_accessory_new_from_data (data->str, (gssize) data->len, "deep.json", &error);
  g_assert_null (accessory);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE);
  g_assert_cmpstr (error->message, ==, "deep.json:1:54: accessories[0].x: unknown key “x” "
                   "(expected one of name, category, aid, manufacturer, model, serial_number, "
                   "firmware_revision, hardware_revision, snapshot, services)");
}

/* hap_json_check_depth() must skip exactly what json-glib's scanner skips: more, and
 * brackets json-glib nests into go uncounted. json-glib 1.6 (Debian 12) ends every comment
 * at the next '/'; 1.8 and later (Debian 13) end a slash-star one at star-slash. Each
 * rule is checked against the json-glib in use, then against the pre-scan with 300
 * brackets behind it. */
static void
test_depth_scan_rules (void)
{
  static const struct {
    const char *prefix;      /* followed by 300 '[' */
    /* json-glib 1.6, then 1.8 and later: what it makes of prefix + "1]" (NULL: an
     * error), and where the pre-scan stops (0: it accepts). */
    const char *json_glib[2];
    guint       line[2], col[2];
  } cases[] = {
    /* Slash-star-slash: a whole comment on 1.6, an unterminated one later. */
    { "[/*/", { "[1]", NULL }, { 1, 0 }, { 260, 0 } },
    { "[/* [[[ */", { "[1]", "[1]" }, { 1, 1 }, { 266, 266 } },
    /* A '/' inside a C comment ends it on 1.6 only. */
    { "[/* a / b */", { NULL, "[1]" }, { 0, 1 }, { 0, 268 } },
    { "[//", { "[1]", "[1]" }, { 1, 1 }, { 259, 259 } },
    { "[/x\n[[/", { "[1]", "[1]" }, { 2, 2 }, { 259, 259 } },
    /* "…" has escapes, '…' has none. */
    { "[\"\\\"[[\",", { "[\"\\\"[[\",1]", "[\"\\\"[[\",1]" }, { 1, 1 }, { 264, 264 } },
    { "['\\',", { "[\"\\\\\",1]", "[\"\\\\\",1]" }, { 1, 1 }, { 261, 261 } },
  };
  g_autoptr(JsonParser) probe = json_parser_new ();
  guint v = json_parser_load_from_data (probe, "[/*/1]", -1, NULL) ? 0 : 1;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *small = g_strconcat (cases[i].prefix, "1]", NULL);
      g_autoptr(GString) deep = g_string_new (cases[i].prefix);
      guint line = 0, col = 0;
      gboolean accepted;

      g_test_message ("%s (json-glib %s)", cases[i].prefix, v == 0 ? "1.6" : "1.8 or later");
      if (cases[i].json_glib[v] != NULL)
        {
          g_autofree char *out = NULL;

          g_assert_true (json_parser_load_from_data (parser, small, -1, NULL));
          out = json_to_string (json_parser_get_root (parser), FALSE);
          g_assert_cmpstr (out, ==, cases[i].json_glib[v]);
        }
      else
        {
          g_assert_false (json_parser_load_from_data (parser, small, -1, NULL));
        }

      for (guint n = 0; n < 300; n++)
        g_string_append_c (deep, '[');
      accepted = hap_json_check_depth (deep->str, (gssize) deep->len, HAP_JSON_MAX_DEPTH, &line, &col);
      g_assert_cmpint (accepted, ==, cases[i].line[v] == 0);
      if (!accepted)
        {
          g_assert_cmpuint (line, ==, cases[i].line[v]);
          g_assert_cmpuint (col, ==, cases[i].col[v]);
        }
    }

  /* Inside a string, a comment or an unterminated one, nothing counts. */
  g_assert_true (hap_json_check_depth ("[\"[[[[\"]", -1, 1, NULL, NULL));
  g_assert_true (hap_json_check_depth ("['[[[[']", -1, 1, NULL, NULL));
  g_assert_true (hap_json_check_depth ("[/* [[[[ */]", -1, 1, NULL, NULL));
  g_assert_true (hap_json_check_depth ("[/ [[[[", -1, 1, NULL, NULL));
  g_assert_false (hap_json_check_depth ("[[", -1, 1, NULL, NULL));
  g_assert_true (hap_json_check_depth ("[]]]][", -1, 1, NULL, NULL));
}

/* Identify in another format than bool (found by fuzz-accessory-file): loaded, and its
 * value neither runs identify nor trips a boolean-only path (criticals are fatal). */
static void
test_identify_other_format (void)
{
  static const char text[] =
    "{\"accessories\": [{\"name\": \"Lamp\", \"category\": \"LIGHTBULB\", \"services\": ["
    "{\"type\": \"AccessoryInformation\", \"characteristics\": ["
    "{\"type\": \"Identify\", \"format\": \"uint8\", \"value\": 1}]},"
    "{\"type\": \"Lightbulb\", \"characteristics\": [{\"type\": \"On\", \"value\": true}]}]}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = NULL;

  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  accessory = hap_accessory_new_from_data (text, -1, "identify.json", &error);
  g_assert_no_error (error);
  g_assert_nonnull (accessory);
}

static void
test_overrides (void)
{
  static const char data[] =
    "/* json-glib accepts C comments */\n"
    "{\"accessories\": [{\n"
    "  \"name\": \"Custom\", \"category\": 8, \"serial_number\": \"SN-1\", \"hardware_revision\": \"2\",\n"
    "  \"services\": [\n"
    "    {\"type\": \"AccessoryInformation\", \"characteristics\": [{\"type\": \"ConfiguredName\", \"value\": \"My Switch\"}]},\n"
    "    {\"type\": \"Switch\", \"iid\": 20, \"hidden\": true, \"id\": \"sw\", \"characteristics\": [\n"
    "      {\"type\": \"On\", \"iid\": 21, \"value\": 1},\n"
    "      {\"type\": \"0000003F-0000-1000-8000-ABCDEF012345\", \"format\": \"uint8\", \"perms\": [\"pr\", \"pw\", \"ev\", \"aa\"],\n"
    "       \"minValue\": 0, \"maxValue\": 10, \"minStep\": 2, \"validValues\": [0, 2, 4], \"value\": 4},\n"
    "      {\"type\": \"0000004F-0000-1000-8000-ABCDEF012345\", \"format\": \"uint16\", \"perms\": [\"pr\"],\n"
    "       \"validValuesRange\": [[1, 3], [10, 20]]},\n"
    "      {\"type\": \"0000005F-0000-1000-8000-ABCDEF012345\", \"format\": \"string\", \"perms\": [\"pr\"], \"maxLen\": 200},\n"
    "      {\"type\": \"0000006F-0000-1000-8000-ABCDEF012345\", \"format\": \"data\", \"perms\": [\"pr\"], \"maxDataLen\": 16,\n"
    "       \"value\": \"aGVsbG8=\"}\n"
    "    ]},\n"
    "    {\"type\": \"00000001-0000-1000-8000-ABCDEF012345\", \"linked\": [\"sw\"]}\n"
    "  ]}]}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = hap_accessory_new_from_data (data, -1, "overrides.json", &error);
  HapService *sw, *custom;
  HapCharacteristic *level, *ranged, *text, *blob;
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_cmpint (hap_accessory_get_category (accessory), ==, 8);
  g_assert_cmpstr (g_variant_get_string (value_of (accessory, "AccessoryInformation", "SerialNumber"), NULL), ==, "SN-1");
  g_assert_cmpstr (g_variant_get_string (value_of (accessory, "AccessoryInformation", "HardwareRevision"), NULL), ==, "2");
  g_assert_cmpstr (g_variant_get_string (value_of (accessory, "AccessoryInformation", "ConfiguredName"), NULL), ==, "My Switch");

  sw = hap_accessory_get_service (accessory, "Switch");
  g_assert_cmpuint (hap_service_get_iid (sw), ==, 20);
  g_assert_true (hap_service_get_hidden (sw));
  g_assert_cmpuint (hap_characteristic_get_iid (hap_service_get_characteristic (sw, "On")), ==, 21);
  g_assert_true (g_variant_get_boolean (value_of (accessory, "Switch", "On")));

  level = hap_service_get_characteristic (sw, "0000003F-0000-1000-8000-ABCDEF012345");
  g_assert_cmpuint (hap_characteristic_get_perms (level), ==,
                    HAP_PERM_PAIRED_READ | HAP_PERM_PAIRED_WRITE | HAP_PERM_EVENTS | HAP_PERM_ADDITIONAL_AUTH);
  g_assert_cmpuint (g_variant_get_byte (hap_characteristic_get_value (level)), ==, 4);
  g_assert_cmpfloat (hap_characteristic_get_min_step (level), ==, 2);
  ranged = hap_service_get_characteristic (sw, "0000004F-0000-1000-8000-ABCDEF012345");
  g_assert_cmpuint (g_variant_get_uint16 (hap_characteristic_get_value (ranged)), ==, 1);
  text = hap_service_get_characteristic (sw, "0000005F-0000-1000-8000-ABCDEF012345");
  blob = hap_service_get_characteristic (sw, "0000006F-0000-1000-8000-ABCDEF012345");
  g_assert_cmpuint (g_variant_n_children (hap_characteristic_get_value (blob)), ==, 5);

  _hap_characteristic_append_json (text, out, HAP_JSON_META, NULL, FALSE);
  g_assert_nonnull (strstr (out->str, "\"maxLen\":200"));
  g_string_truncate (out, 0);
  _hap_characteristic_append_json (blob, out, HAP_JSON_META | HAP_JSON_VALUE, NULL, FALSE);
  g_assert_nonnull (strstr (out->str, "\"value\":\"aGVsbG8=\""));
  g_assert_nonnull (strstr (out->str, "\"maxDataLen\":16"));
  g_string_truncate (out, 0);
  _hap_characteristic_append_json (ranged, out, HAP_JSON_META, NULL, FALSE);
  g_assert_nonnull (strstr (out->str, "\"valid-values-range\":[[1,3],[10,20]]"));

  custom = hap_accessory_get_service (accessory, "00000001-0000-1000-8000-ABCDEF012345");
  g_assert_nonnull (custom);
  g_assert_null (hap_service_get_catalog_type (custom));
  g_assert_true (g_ptr_array_index (hap_service_get_linked_services (custom), 0) == sw);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/loader/samples/all", test_all_samples_load);
  g_test_add_func ("/loader/samples/lightbulb", test_sample_lightbulb);
  g_test_add_func ("/loader/samples/lock", test_sample_lock);
  g_test_add_func ("/loader/samples/outlet", test_sample_outlet);
  g_test_add_func ("/loader/samples/sensor-pack", test_sample_sensor_pack);
  g_test_add_func ("/loader/samples/bridge", test_sample_bridge);
  g_test_add_func ("/loader/broken-files", test_broken_files);
  g_test_add_func ("/loader/data-errors", test_data_errors);
  g_test_add_func ("/loader/overrides", test_overrides);
  g_test_add_func ("/loader/hostile-literals", test_hostile_literals);
  g_test_add_func ("/loader/deep-nesting", test_deep_nesting);
  g_test_add_func ("/loader/depth-scan-rules", test_depth_scan_rules);
  g_test_add_func ("/loader/identify-other-format", test_identify_other_format);

  return g_test_run ();
}
