/* test-model.c — characteristics, services and accessories: validation, defaults,
 * JSON, iids, signals and the asynchronous read/write paths
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libhap-glib/hap.h>
#include "hap-model-private.h"

#include <math.h>
#include <string.h>

/* Helpers ----------------------------------------------------------------------- */

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

/* Sets @value (floating) and expects HAP_STATUS_INVALID_VALUE with @message, and the
 * stored value unchanged. */
static void
assert_set_fails (HapCharacteristic *characteristic,
                  GVariant          *value,
                  const char        *message)
{
  g_autoptr(GVariant) before = g_variant_ref (hap_characteristic_get_value (characteristic));
  g_autoptr(GError) error = NULL;

  g_assert_false (hap_characteristic_set_value (characteristic, value, &error));
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
  g_assert_true (g_variant_equal (before, hap_characteristic_get_value (characteristic)));
}

static void
assert_set_ok (HapCharacteristic *characteristic,
               GVariant          *value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hap_characteristic_set_value (characteristic, value, &error));
  g_assert_no_error (error);
}

static GVariant *
from_json (HapCharacteristic *characteristic,
           const char        *text,
           GError           **error)
{
  g_autoptr(JsonNode) node = json (text);

  return hap_characteristic_value_from_json (characteristic, node, error);
}

static void
assert_json_ok (HapCharacteristic *characteristic,
                const char        *text,
                const char        *expected_variant)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = from_json (characteristic, text, &error);
  g_autofree char *printed = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (value);
  g_assert_false (g_variant_is_floating (value));
  printed = g_variant_print (value, TRUE);
  g_assert_cmpstr (printed, ==, expected_variant);
}

static void
assert_json_bytes (HapCharacteristic *characteristic,
                   const char        *text,
                   const char        *expected,
                   gsize              expected_len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = from_json (characteristic, text, &error);
  const guint8 *bytes;
  gsize len = 0;

  g_assert_no_error (error);
  g_assert_true (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING));
  bytes = g_variant_get_fixed_array (value, &len, 1);
  g_assert_cmpmem (bytes, len, expected, expected_len);
}

static void
assert_json_fails (HapCharacteristic *characteristic,
                   const char        *text,
                   const char        *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = from_json (characteristic, text, &error);

  g_assert_null (value);
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
}

/* Defaults ---------------------------------------------------------------------- */

static void
test_characteristic_defaults (void)
{
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");
  g_autoptr(HapCharacteristic) target = hap_characteristic_new ("Target Temperature");
  g_autoptr(HapCharacteristic) light = hap_characteristic_new ("CurrentAmbientLightLevel");
  g_autoptr(HapCharacteristic) name = hap_characteristic_new ("Name");
  g_autoptr(HapCharacteristic) on = hap_characteristic_new ("25");
  g_autoptr(HapCharacteristic) tlv = hap_characteristic_new ("StreamingStatus");
  g_autoptr(HapCharacteristic) custom = NULL;
  const int valid[] = { 3, 5 };
  const int ranges[] = { 7, 9 };

  g_assert_null (hap_characteristic_new ("NoSuchThing"));

  g_assert_cmpint (g_variant_get_int32 (hap_characteristic_get_value (brightness)), ==, 0);
  g_assert_cmpstr (hap_characteristic_get_unit (brightness), ==, "percentage");
  g_assert_cmpstr (hap_characteristic_get_description (brightness), ==, "Brightness");
  g_assert_true (hap_characteristic_get_catalog_type (brightness) == hap_catalog_lookup_characteristic ("8"));
  /* Clamped into [minValue, maxValue]. */
  g_assert_cmpfloat (g_variant_get_double (hap_characteristic_get_value (target)), ==, 10);
  g_assert_cmpfloat (g_variant_get_double (hap_characteristic_get_value (light)), ==, 0.0001);
  g_assert_cmpstr (g_variant_get_string (hap_characteristic_get_value (name), NULL), ==, "");
  g_assert_false (g_variant_get_boolean (hap_characteristic_get_value (on)));
  g_assert_cmpuint (g_variant_n_children (hap_characteristic_get_value (tlv)), ==, 0);

  /* A vendor type starts without constraints. */
  custom = hap_characteristic_new_custom ("12345678-1234-1234-1234-123456789abc", HAP_FORMAT_UINT8,
                                          HAP_PERM_PAIRED_READ | HAP_PERM_EVENTS);
  g_assert_cmpstr (hap_characteristic_get_type_uuid (custom), ==, "12345678-1234-1234-1234-123456789ABC");
  g_assert_null (hap_characteristic_get_catalog_type (custom));
  g_assert_null (hap_characteristic_get_description (custom));
  g_assert_true (isnan (hap_characteristic_get_min_value (custom)));
  g_assert_cmpuint (g_variant_get_byte (hap_characteristic_get_value (custom)), ==, 0);

  /* Constraints move the default: minValue 10 starts at 10, valid values at the first. */
  hap_characteristic_set_min_value (custom, 10);
  g_assert_cmpuint (g_variant_get_byte (hap_characteristic_get_value (custom)), ==, 10);
  hap_characteristic_set_min_value (custom, NAN);
  hap_characteristic_set_valid_values (custom, valid, G_N_ELEMENTS (valid));
  g_assert_cmpuint (g_variant_get_byte (hap_characteristic_get_value (custom)), ==, 3);
  hap_characteristic_set_valid_values (custom, NULL, 0);
  hap_characteristic_set_valid_values_range (custom, ranges, 1);
  g_assert_cmpuint (g_variant_get_byte (hap_characteristic_get_value (custom)), ==, 7);

  /* A format change starts again from that format's default. */
  hap_characteristic_set_valid_values_range (custom, NULL, 0);
  hap_characteristic_set_format (custom, HAP_FORMAT_STRING);
  g_assert_cmpstr (g_variant_get_type_string (hap_characteristic_get_value (custom)), ==, "s");
}

/* Validation -------------------------------------------------------------------- */

static void
test_validation_numbers (void)
{
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");
  g_autoptr(HapCharacteristic) target = hap_characteristic_new ("TargetTemperature");
  g_autoptr(HapCharacteristic) step = hap_characteristic_new_custom ("1234", HAP_FORMAT_INT, HAP_PERM_PAIRED_READ);
  g_autoptr(HapCharacteristic) big = hap_characteristic_new_custom ("1235", HAP_FORMAT_UINT64, HAP_PERM_PAIRED_READ);

  assert_set_ok (brightness, g_variant_new_int32 (50));
  assert_set_fails (brightness, g_variant_new_int32 (150), "value 150 is above maxValue 100");
  assert_set_fails (brightness, g_variant_new_int32 (-1), "value -1 is below minValue 0");
  assert_set_fails (brightness, g_variant_new_string ("50"),
                    "expected a value of format int (GVariant type 'i'), got type 's'");
  g_assert_cmpint (g_variant_get_int32 (hap_characteristic_get_value (brightness)), ==, 50);
  assert_set_ok (brightness, g_variant_new_int32 (100));
  assert_set_ok (brightness, g_variant_new_int32 (0));

  /* Float steps: on the 0.1 grid from 10 within a small epsilon. */
  assert_set_ok (target, g_variant_new_double (21.3));
  assert_set_ok (target, g_variant_new_double ((float) 21.3));
  assert_set_ok (target, g_variant_new_double (38));
  assert_set_fails (target, g_variant_new_double (21.35), "value 21.35 is not a multiple of minStep 0.1 from 10");
  assert_set_fails (target, g_variant_new_double (38.1), "value 38.1 is above maxValue 38");
  assert_set_fails (target, g_variant_new_double (NAN), "value is not a finite number");
  assert_set_fails (target, g_variant_new_double (INFINITY), "value is not a finite number");
  g_assert_cmpfloat (g_variant_get_double (hap_characteristic_get_value (target)), ==, 38);

  /* Integer steps are exact, counted from minValue (or 0). */
  hap_characteristic_set_min_step (step, 5);
  assert_set_ok (step, g_variant_new_int32 (-15));
  assert_set_fails (step, g_variant_new_int32 (7), "value 7 is not a multiple of minStep 5 from 0");
  hap_characteristic_set_min_value (step, 1);
  assert_set_ok (step, g_variant_new_int32 (11));
  assert_set_fails (step, g_variant_new_int32 (10), "value 10 is not a multiple of minStep 5 from 1");
  assert_set_fails (step, g_variant_new_int32 (-4), "value -4 is below minValue 1");

  /* Large uint64 values are compared and printed exactly. */
  hap_characteristic_set_min_step (big, 2);
  assert_set_ok (big, g_variant_new_uint64 (G_MAXUINT64 - 1));
  assert_set_fails (big, g_variant_new_uint64 (G_MAXUINT64),
                    "value 18446744073709551615 is not a multiple of minStep 2 from 0");
}

static void
test_validation_valid_values (void)
{
  g_autoptr(HapCharacteristic) state = hap_characteristic_new ("TargetHeatingCoolingState");
  g_autoptr(HapCharacteristic) custom = hap_characteristic_new_custom ("1236", HAP_FORMAT_UINT8, HAP_PERM_PAIRED_READ);
  const int valid[] = { 0, 2 };
  const int ranges[] = { 0, 1, 3, 4 };

  assert_set_ok (state, g_variant_new_byte (3));
  assert_set_fails (state, g_variant_new_byte (4), "value 4 is above maxValue 3");

  const int *got;
  guint n = 99;

  /* Nothing set: no lists (every value in range is valid). */
  g_assert_null (hap_characteristic_get_valid_values (custom, &n));
  g_assert_cmpuint (n, ==, 0);
  g_assert_null (hap_characteristic_get_valid_values_range (custom, &n));
  g_assert_cmpuint (n, ==, 0);

  hap_characteristic_set_valid_values (custom, valid, G_N_ELEMENTS (valid));
  got = hap_characteristic_get_valid_values (custom, &n);
  g_assert_cmpmem (got, n * sizeof (int), valid, sizeof valid);
  assert_set_ok (custom, g_variant_new_byte (2));
  assert_set_fails (custom, g_variant_new_byte (1), "value 1 is not one of the valid values (0, 2)");

  hap_characteristic_set_valid_values (custom, NULL, 0);
  g_assert_null (hap_characteristic_get_valid_values (custom, &n));
  g_assert_cmpuint (n, ==, 0);
  hap_characteristic_set_valid_values_range (custom, ranges, 2);
  got = hap_characteristic_get_valid_values_range (custom, &n);
  g_assert_cmpuint (n, ==, 2);                       /* pairs, not ints */
  g_assert_cmpmem (got, 2 * n * sizeof (int), ranges, sizeof ranges);
  assert_set_ok (custom, g_variant_new_byte (4));
  assert_set_ok (custom, g_variant_new_byte (0));
  assert_set_fails (custom, g_variant_new_byte (2),
                    "value 2 is outside the valid value ranges ([0, 1], [3, 4])");
  assert_set_fails (custom, g_variant_new_byte (5), NULL);
}

static void
test_validation_strings_and_data (void)
{
  g_autoptr(HapCharacteristic) name = hap_characteristic_new ("Name");
  g_autoptr(HapCharacteristic) text = hap_characteristic_new_custom ("1237", HAP_FORMAT_STRING, HAP_PERM_PAIRED_READ);
  g_autoptr(HapCharacteristic) data = hap_characteristic_new_custom ("1238", HAP_FORMAT_DATA, HAP_PERM_PAIRED_READ);
  g_autofree char *s64 = g_strnfill (64, 'a');
  g_autofree char *s65 = g_strnfill (65, 'a');
  g_autofree char *s200 = g_strnfill (200, 'b');
  g_autofree char *s257 = g_strnfill (257, 'b');
  g_autoptr(GString) euros = g_string_new (NULL);
  static const char bad_utf8[] = "ab\xff";
  guint8 bytes[5] = { 1, 2, 3, 4, 5 };

  assert_set_ok (name, g_variant_new_string (s64));
  assert_set_fails (name, g_variant_new_string (s65), "string of 65 bytes is longer than maxLen 64");

  /* maxLen counts bytes, as the ADK does: 22 × "€" is 22 characters but 66 bytes. */
  for (int i = 0; i < 22; i++)
    g_string_append (euros, "€");
  assert_set_fails (name, g_variant_new_string (euros->str), "string of 66 bytes is longer than maxLen 64");

  g_assert_cmpint (hap_characteristic_get_max_len (text), ==, -1);   /* unset: 64 applies */
  hap_characteristic_set_max_len (text, 256);
  g_assert_cmpint (hap_characteristic_get_max_len (text), ==, 256);
  assert_set_ok (text, g_variant_new_string (s200));
  assert_set_fails (text, g_variant_new_string (s257), "string of 257 bytes is longer than maxLen 256");
  assert_set_fails (text, g_variant_new_from_data (G_VARIANT_TYPE_STRING, bad_utf8, sizeof bad_utf8, TRUE, NULL, NULL),
                    "string is not valid UTF-8");

  assert_set_ok (data, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, 5, 1));
  g_assert_cmpint (hap_characteristic_get_max_data_len (data), ==, -1);
  hap_characteristic_set_max_data_len (data, 4);
  g_assert_cmpint (hap_characteristic_get_max_data_len (data), ==, 4);
  /* The stored value no longer fits: it went back to the (empty) default. */
  g_assert_cmpuint (g_variant_n_children (hap_characteristic_get_value (data)), ==, 0);
  assert_set_fails (data, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, 5, 1),
                    "data of 5 bytes is longer than maxDataLen 4");
  assert_set_ok (data, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes, 4, 1));
}

static void
test_value_from_json (void)
{
  g_autoptr(HapCharacteristic) on = hap_characteristic_new ("On");
  g_autoptr(HapCharacteristic) u8 = hap_characteristic_new_custom ("2001", HAP_FORMAT_UINT8, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) u16 = hap_characteristic_new_custom ("2002", HAP_FORMAT_UINT16, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) u32 = hap_characteristic_new_custom ("2003", HAP_FORMAT_UINT32, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) u64 = hap_characteristic_new_custom ("2004", HAP_FORMAT_UINT64, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) i32 = hap_characteristic_new_custom ("2005", HAP_FORMAT_INT, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) f = hap_characteristic_new_custom ("2006", HAP_FORMAT_FLOAT, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) s = hap_characteristic_new_custom ("2007", HAP_FORMAT_STRING, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) tlv = hap_characteristic_new_custom ("2008", HAP_FORMAT_TLV8, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) data = hap_characteristic_new_custom ("2009", HAP_FORMAT_DATA, HAP_PERM_PAIRED_WRITE);
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");

  /* docs/protocol.md §4.7: bool accepts true/false/0/1. */
  assert_json_ok (on, "true", "true");
  assert_json_ok (on, "false", "false");
  assert_json_ok (on, "1", "true");
  assert_json_ok (on, "0", "false");
  assert_json_fails (on, "2", "expected a boolean (true, false, 0 or 1), got an integer");
  assert_json_fails (on, "\"true\"", "expected a boolean (true, false, 0 or 1), got a string");
  assert_json_fails (on, "1.0", NULL);
  assert_json_fails (on, "null", "expected a boolean (true, false, 0 or 1), got null");

  assert_json_ok (u8, "255", "byte 0xff");
  assert_json_ok (u8, "50.0", "byte 0x32");
  assert_json_fails (u8, "256", "value 256 is out of range for uint8 (0 to 255)");
  assert_json_fails (u8, "-1", "value -1 is out of range for uint8 (0 to 255)");
  assert_json_fails (u8, "1.5", "expected an integer, got 1.5");
  assert_json_fails (u8, "\"5\"", "expected an integer, got a string");
  assert_json_fails (u8, "[5]", "expected an integer, got an array");
  assert_json_ok (u16, "65535", "uint16 65535");
  assert_json_fails (u16, "65536", "value 65536 is out of range for uint16 (0 to 65535)");
  assert_json_ok (u32, "4294967295", "uint32 4294967295");
  assert_json_fails (u32, "4294967296", "value 4294967296 is out of range for uint32 (0 to 4294967295)");
  assert_json_ok (u64, "9223372036854775807", "uint64 9223372036854775807");
  assert_json_fails (u64, "-1", "value -1 is out of range for uint64 (0 to 18446744073709551615)");
  assert_json_ok (i32, "-2147483648", "-2147483648");
  assert_json_fails (i32, "2147483648", "value 2147483648 is out of range for int (-2147483648 to 2147483647)");

  assert_json_ok (f, "1", "1.0");
  assert_json_ok (f, "-2.5", "-2.5");
  assert_json_fails (f, "\"x\"", "expected a number, got a string");
  assert_json_fails (f, "true", "expected a number, got a boolean");

  assert_json_ok (s, "\"Küche\"", "'Küche'");
  assert_json_fails (s, "5", "expected a string, got an integer");
  assert_json_fails (s, "{}", "expected a string, got an object");

  /* tlv8 and data: base64 strings, strictly. */
  assert_json_bytes (tlv, "\"AQEA\"", "\x01\x01\x00", 3);
  assert_json_bytes (tlv, "\"\"", "", 0);
  assert_json_bytes (data, "\"aGk=\"", "hi", 2);
  assert_json_bytes (data, "\"/+/+\"", "\xff\xef\xfe", 3);
  assert_json_fails (tlv, "\"AQE\"", "value is not valid base64");
  assert_json_fails (data, "\"!!!!\"", "value is not valid base64");
  assert_json_fails (data, "\"a=bc\"", "value is not valid base64");
  assert_json_fails (data, "5", "expected a base64 string, got an integer");

  /* The converted value is validated against the constraints too. */
  assert_json_ok (brightness, "100", "100");
  assert_json_fails (brightness, "101", "value 101 is above maxValue 100");
}

/* JSON output ------------------------------------------------------------------- */

static JsonObject *
find_characteristic (JsonArray  *characteristics,
                     const char *type)
{
  for (guint i = 0; i < json_array_get_length (characteristics); i++)
    {
      JsonObject *object = json_array_get_object_element (characteristics, i);

      if (g_str_equal (json_object_get_string_member (object, "type"), type))
        return object;
    }
  g_assert_not_reached ();
  return NULL;
}

static void
assert_perms (JsonObject         *object,
              const char * const *expected)
{
  JsonArray *perms = json_object_get_array_member (object, "perms");

  g_assert_cmpuint (json_array_get_length (perms), ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i] != NULL; i++)
    g_assert_cmpstr (json_array_get_string_element (perms, i), ==, expected[i]);
}

static void
test_accessory_json (void)
{
  g_autoptr(HapAccessory) accessory = hap_accessory_new ("Desk Lamp", 5);
  g_autoptr(HapService) bulb = hap_service_new ("Lightbulb");
  g_autoptr(HapService) button = hap_service_new ("StatelessProgrammableSwitch");
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");
  g_autoptr(HapCharacteristic) hue = hap_characteristic_new ("Hue");
  g_autoptr(HapCharacteristic) note = hap_characteristic_new_custom ("E863F10D-079E-48FF-8F27-9C2605A29F52",
                                                                      HAP_FORMAT_STRING, HAP_PERM_PAIRED_READ | HAP_PERM_HIDDEN);
  g_autoptr(HapCharacteristic) mode = hap_characteristic_new_custom ("E863F10E-079E-48FF-8F27-9C2605A29F52",
                                                                      HAP_FORMAT_UINT8, HAP_PERM_PAIRED_READ);
  g_autoptr(GHashTable) id_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) iids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  const int ranges[] = { 0, 1, 3, 4 };
  JsonObject *object, *service, *chr;
  JsonArray *services, *characteristics;
  static const char * const pw[] = { "pw", NULL };
  static const char * const pr[] = { "pr", NULL };
  static const char * const pr_pw_ev[] = { "pr", "pw", "ev", NULL };
  static const char * const pr_ev[] = { "pr", "ev", NULL };
  static const char * const pr_hd[] = { "pr", "hd", NULL };

  hap_characteristic_set_value (brightness, g_variant_new_int32 (75), NULL);
  hap_service_add_characteristic (bulb, brightness);
  hap_service_add_characteristic (bulb, hue);
  hap_characteristic_set_max_len (note, 128);
  hap_characteristic_set_description (note, "Note \"quoted\"");
  hap_characteristic_set_value (note, g_variant_new_string ("line\nbreak"), NULL);
  hap_service_add_characteristic (bulb, note);
  hap_characteristic_set_valid_values_range (mode, ranges, 2);
  hap_service_add_characteristic (bulb, mode);
  hap_service_set_primary (bulb, TRUE);
  hap_accessory_add_service (accessory, bulb);
  hap_accessory_add_service (accessory, button);
  hap_service_add_linked_service (bulb, button);

  g_assert_true (_hap_accessory_assign_iids (accessory, id_map));
  _hap_accessory_append_json (accessory, out);

  /* The output is valid JSON: parse it back and check it field by field. */
  root = json_from_string (out->str, &error);
  g_assert_no_error (error);
  object = json_node_get_object (root);
  g_assert_cmpint (json_object_get_int_member (object, "aid"), ==, 1);
  services = json_object_get_array_member (object, "services");
  g_assert_cmpuint (json_array_get_length (services), ==, 3);

  /* Accessory Information, docs/protocol.md §4.10. */
  service = json_array_get_object_element (services, 0);
  g_assert_cmpint (json_object_get_int_member (service, "iid"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (service, "type"), ==, "3E");
  g_assert_false (json_object_get_boolean_member (service, "primary"));
  g_assert_false (json_object_get_boolean_member (service, "hidden"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (service, "linked")), ==, 0);
  characteristics = json_object_get_array_member (service, "characteristics");
  g_assert_cmpuint (json_array_get_length (characteristics), ==, 6);

  chr = json_array_get_object_element (characteristics, 0);
  g_assert_cmpint (json_object_get_int_member (chr, "iid"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (chr, "type"), ==, "14");
  assert_perms (chr, pw);
  g_assert_cmpstr (json_object_get_string_member (chr, "format"), ==, "bool");
  g_assert_cmpstr (json_object_get_string_member (chr, "description"), ==, "Identify");
  /* Write-only: no value. */
  g_assert_false (json_object_has_member (chr, "value"));
  g_assert_cmpuint (json_object_get_size (chr), ==, 5);

  chr = find_characteristic (characteristics, "20");
  assert_perms (chr, pr);
  g_assert_cmpstr (json_object_get_string_member (chr, "format"), ==, "string");
  g_assert_cmpstr (json_object_get_string_member (chr, "value"), ==, "HAP Simulator");
  /* maxLen 64 is the default and left out. */
  g_assert_false (json_object_has_member (chr, "maxLen"));
  g_assert_cmpstr (json_object_get_string_member (find_characteristic (characteristics, "21"), "value"), ==, "Lightbulb");
  g_assert_cmpstr (json_object_get_string_member (find_characteristic (characteristics, "23"), "value"), ==, "Desk Lamp");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (find_characteristic (characteristics, "30"), "value"), "SIM-"));
  g_assert_cmpstr (json_object_get_string_member (find_characteristic (characteristics, "52"), "value"), ==, "1.0.0");

  /* The lightbulb. */
  service = json_array_get_object_element (services, 1);
  g_assert_cmpstr (json_object_get_string_member (service, "type"), ==, "43");
  g_assert_true (json_object_get_boolean_member (service, "primary"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (service, "linked")), ==, 1);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (service, "linked"), 0), ==,
                   (gint64) hap_service_get_iid (button));
  characteristics = json_object_get_array_member (service, "characteristics");

  chr = find_characteristic (characteristics, "25");
  assert_perms (chr, pr_pw_ev);
  g_assert_cmpstr (json_object_get_string_member (chr, "format"), ==, "bool");
  g_assert_true (JSON_NODE_HOLDS_VALUE (json_object_get_member (chr, "value")));
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (chr, "value")), ==, G_TYPE_BOOLEAN);
  g_assert_false (json_object_get_boolean_member (chr, "value"));
  g_assert_cmpstr (json_object_get_string_member (chr, "description"), ==, "On");

  chr = find_characteristic (characteristics, "8");
  g_assert_cmpstr (json_object_get_string_member (chr, "format"), ==, "int");
  g_assert_cmpint (json_object_get_int_member (chr, "value"), ==, 75);
  g_assert_cmpstr (json_object_get_string_member (chr, "unit"), ==, "percentage");
  g_assert_cmpint (json_object_get_int_member (chr, "minValue"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (chr, "maxValue"), ==, 100);
  g_assert_cmpint (json_object_get_int_member (chr, "minStep"), ==, 1);

  chr = find_characteristic (characteristics, "13");
  g_assert_cmpstr (json_object_get_string_member (chr, "format"), ==, "float");
  g_assert_cmpfloat (json_node_get_double (json_object_get_member (chr, "value")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (chr, "unit"), ==, "arcdegrees");
  g_assert_cmpint (json_object_get_int_member (chr, "maxValue"), ==, 360);

  /* Vendor types keep the full UUID; maxLen other than 64 is written. */
  chr = find_characteristic (characteristics, "E863F10D-079E-48FF-8F27-9C2605A29F52");
  assert_perms (chr, pr_hd);
  g_assert_cmpint (json_object_get_int_member (chr, "maxLen"), ==, 128);
  g_assert_cmpstr (json_object_get_string_member (chr, "value"), ==, "line\nbreak");
  g_assert_cmpstr (json_object_get_string_member (chr, "description"), ==, "Note \"quoted\"");
  g_assert_false (json_object_has_member (chr, "unit"));

  /* valid-values-range: ADK shape, a list of [start, end] pairs. */
  chr = find_characteristic (characteristics, "E863F10E-079E-48FF-8F27-9C2605A29F52");
  {
    JsonArray *pairs = json_object_get_array_member (chr, "valid-values-range");

    g_assert_cmpuint (json_array_get_length (pairs), ==, 2);
    g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (pairs, 1), 0), ==, 3);
    g_assert_cmpint (json_array_get_int_element (json_array_get_array_element (pairs, 1), 1), ==, 4);
    g_assert_false (json_object_has_member (chr, "description"));
  }

  /* Programmable Switch Event reads as null; valid-values are listed. */
  service = json_array_get_object_element (services, 2);
  g_assert_cmpstr (json_object_get_string_member (service, "type"), ==, "89");
  chr = find_characteristic (json_object_get_array_member (service, "characteristics"), "73");
  assert_perms (chr, pr_ev);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (chr, "value")));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (chr, "valid-values")), ==, 3);

  /* Every iid is unique within the accessory. */
  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      service = json_array_get_object_element (services, i);
      characteristics = json_object_get_array_member (service, "characteristics");
      g_assert_true (g_hash_table_add (iids, g_memdup2 (&(gint64) { json_object_get_int_member (service, "iid") }, sizeof (gint64))));
      for (guint j = 0; j < json_array_get_length (characteristics); j++)
        {
          gint64 iid = json_object_get_int_member (json_array_get_object_element (characteristics, j), "iid");

          g_assert_cmpint (iid, >, 0);
          g_assert_true (g_hash_table_add (iids, g_memdup2 (&iid, sizeof iid)));
        }
    }
}

static void
test_characteristic_json_flags (void)
{
  g_autoptr(HapAccessory) accessory = hap_accessory_new ("Lamp", 5);
  g_autoptr(HapService) bulb = hap_service_new ("Lightbulb");
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");
  g_autoptr(HapCharacteristic) button = hap_characteristic_new ("ProgrammableSwitchEvent");
  g_autoptr(HapCharacteristic) identify = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GVariant) fifty = g_variant_ref_sink (g_variant_new_int32 (50));
  g_autoptr(GVariant) press = g_variant_ref_sink (g_variant_new_byte (1));

  hap_service_add_characteristic (bulb, brightness);
  hap_service_add_characteristic (bulb, button);
  hap_accessory_add_service (accessory, bulb);
  hap_characteristic_set_iid (brightness, 9);
  hap_characteristic_set_iid (button, 10);
  hap_characteristic_set_value (brightness, g_variant_new_int32 (42), NULL);

  /* GET /characteristics answers (docs/protocol.md §4.5). */
  _hap_characteristic_append_json (brightness, out, HAP_JSON_AID | HAP_JSON_VALUE, NULL, FALSE);
  g_assert_cmpstr (out->str, ==, "{\"aid\":1,\"iid\":9,\"value\":42}");

  g_string_truncate (out, 0);
  _hap_characteristic_append_json (brightness, out, HAP_JSON_AID | HAP_JSON_VALUE, fifty, FALSE);
  g_assert_cmpstr (out->str, ==, "{\"aid\":1,\"iid\":9,\"value\":50}");

  g_string_truncate (out, 0);
  _hap_characteristic_append_json (brightness, out, HAP_JSON_AID | HAP_JSON_TYPE | HAP_JSON_PERMS | HAP_JSON_EV,
                                   NULL, TRUE);
  g_assert_cmpstr (out->str, ==, "{\"aid\":1,\"iid\":9,\"type\":\"8\",\"perms\":[\"pr\",\"pw\",\"ev\"],\"ev\":true}");

  g_string_truncate (out, 0);
  _hap_characteristic_append_json (brightness, out, HAP_JSON_META, NULL, FALSE);
  g_assert_cmpstr (out->str, ==, "{\"iid\":9,\"format\":\"int\",\"unit\":\"percentage\","
                   "\"minValue\":0,\"maxValue\":100,\"minStep\":1,\"description\":\"Brightness\"}");

  /* Event-only types read as null, but an event carries the pressed value. */
  g_string_truncate (out, 0);
  _hap_characteristic_append_json (button, out, HAP_JSON_AID | HAP_JSON_VALUE | HAP_JSON_EV, NULL, FALSE);
  g_assert_cmpstr (out->str, ==, "{\"aid\":1,\"iid\":10,\"value\":null,\"ev\":false}");
  g_string_truncate (out, 0);
  _hap_characteristic_append_json (button, out, HAP_JSON_AID | HAP_JSON_VALUE, press, FALSE);
  g_assert_cmpstr (out->str, ==, "{\"aid\":1,\"iid\":10,\"value\":1}");

  /* No value for write-only characteristics. */
  identify = g_object_ref (hap_service_get_characteristic (hap_accessory_get_information_service (accessory), "Identify"));
  hap_characteristic_set_iid (identify, 2);
  g_string_truncate (out, 0);
  _hap_characteristic_append_json (identify, out, HAP_JSON_AID | HAP_JSON_VALUE, NULL, FALSE);
  g_assert_cmpstr (out->str, ==, "{\"aid\":1,\"iid\":2}");
}

/* Accessory structure ----------------------------------------------------------- */

static void
test_accessory_information (void)
{
  g_autoptr(HapAccessory) lamp = hap_accessory_new ("Desk Lamp", 5);
  g_autoptr(HapAccessory) again = hap_accessory_new ("Desk Lamp", 5);
  g_autoptr(HapAccessory) garage = hap_accessory_new ("Garage", 4);
  g_autoptr(HapAccessory) odd = hap_accessory_new ("Thing", 0);
  g_autofree char *long_name = g_strnfill (70, 'x');
  g_autoptr(HapAccessory) long_one = hap_accessory_new (long_name, 1);
  HapService *information = hap_accessory_get_information_service (lamp);
  GPtrArray *characteristics = hap_service_get_characteristics (information);
  const char *serial;

#define INFO(acc, type) \
  g_variant_get_string (hap_characteristic_get_value (hap_service_get_characteristic ( \
    hap_accessory_get_information_service (acc), type)), NULL)

  g_assert_cmpuint (hap_service_get_iid (information), ==, 1);
  g_assert_true (hap_service_get_accessory (information) == lamp);
  g_assert_true (hap_accessory_get_service (lamp, "AccessoryInformation") == information);
  g_assert_true (hap_accessory_get_service (lamp, "3E") == information);
  g_assert_cmpuint (characteristics->len, ==, 6);
  g_assert_cmpstr (INFO (lamp, "Manufacturer"), ==, "HAP Simulator");
  g_assert_cmpstr (INFO (lamp, "Model"), ==, "Lightbulb");
  g_assert_cmpstr (INFO (garage, "Model"), ==, "Garage Door Opener");
  g_assert_cmpstr (INFO (odd, "Model"), ==, "Accessory");
  g_assert_cmpstr (INFO (lamp, "Name"), ==, "Desk Lamp");
  g_assert_cmpstr (INFO (lamp, "FirmwareRevision"), ==, "1.0.0");
  serial = INFO (lamp, "SerialNumber");
  g_assert_true (g_str_has_prefix (serial, "SIM-"));
  g_assert_cmpuint (strlen (serial), ==, 12);
  /* Stable across runs, different across names. */
  g_assert_cmpstr (serial, ==, INFO (again, "SerialNumber"));
  g_assert_cmpstr (serial, !=, INFO (garage, "SerialNumber"));
  /* Names longer than maxLen are cut to 64 bytes. */
  g_assert_cmpuint (strlen (INFO (long_one, "Name")), ==, 64);

  hap_accessory_set_information (lamp, "HardwareRevision", "2.1");
  g_assert_cmpuint (characteristics->len, ==, 7);
  g_assert_cmpstr (INFO (lamp, "HardwareRevision"), ==, "2.1");
  hap_accessory_set_information (lamp, "Name", "Reading Lamp");
  g_assert_cmpstr (hap_accessory_get_name (lamp), ==, "Reading Lamp");
  g_assert_cmpint (hap_accessory_get_category (lamp), ==, 5);
#undef INFO

  /* aid: 1 for a top-level accessory, the bridge's choice for a bridged one. */
  g_assert_cmpuint (hap_accessory_get_aid (lamp), ==, 1);
  hap_accessory_add_bridged_accessory (lamp, garage);
  g_assert_true (hap_accessory_get_bridge (garage) == lamp);
  g_assert_cmpuint (hap_accessory_get_bridged_accessories (lamp)->len, ==, 1);
  g_assert_cmpuint (hap_accessory_get_aid (garage), ==, 0);
  hap_accessory_set_aid (garage, 7);
  g_assert_cmpuint (hap_accessory_get_aid (garage), ==, 7);

  /* Snapshot bytes are kept as given. */
  {
    g_autoptr(GBytes) jpeg = g_bytes_new_static ("\xff\xd8\xff", 3);

    g_assert_null (hap_accessory_get_snapshot (lamp));
    hap_accessory_set_snapshot (lamp, jpeg);
    g_assert_true (hap_accessory_get_snapshot (lamp) == jpeg);
    hap_accessory_set_snapshot (lamp, NULL);
    g_assert_null (hap_accessory_get_snapshot (lamp));
  }
}

static void
test_lookup_by_iid (void)
{
  g_autoptr(HapAccessory) accessory = hap_accessory_new ("Lamp", 5);
  g_autoptr(HapService) bulb = hap_service_new ("Lightbulb");
  g_autoptr(GHashTable) id_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  HapCharacteristic *on = hap_service_get_characteristic (bulb, "On");

  hap_accessory_add_service (accessory, bulb);
  g_assert_true (hap_characteristic_get_service (on) == bulb);
  g_assert_true (hap_service_get_characteristic (bulb, "25") == on);
  g_assert_true (hap_service_get_characteristic (bulb, "00000025-0000-1000-8000-0026BB765291") == on);
  g_assert_null (hap_service_get_characteristic (bulb, "Brightness"));
  g_assert_true (hap_service_get_catalog_type (bulb) == hap_catalog_lookup_service ("Lightbulb"));

  _hap_accessory_assign_iids (accessory, id_map);
  g_assert_true (hap_accessory_get_characteristic_by_iid (accessory, hap_characteristic_get_iid (on)) == on);
  g_assert_null (hap_accessory_get_characteristic_by_iid (accessory, 999));

  /* Protocol Information (A2) with Version 1.1.0, added once. */
  _hap_accessory_ensure_protocol_information (accessory);
  _hap_accessory_ensure_protocol_information (accessory);
  g_assert_cmpuint (hap_accessory_get_services (accessory)->len, ==, 3);
  {
    HapService *protocol = hap_accessory_get_service (accessory, "A2");
    HapCharacteristic *version = hap_service_get_characteristic (protocol, "Version");

    g_assert_nonnull (version);
    g_assert_cmpstr (g_variant_get_string (hap_characteristic_get_value (version), NULL), ==, "1.1.0");
  }
}

/* iids -------------------------------------------------------------------------- */

static HapAccessory *
build_lamp (gboolean with_hue)
{
  HapAccessory *accessory = hap_accessory_new ("Lamp", 5);
  g_autoptr(HapService) bulb = hap_service_new ("Lightbulb");
  g_autoptr(HapService) second = hap_service_new ("Lightbulb");
  g_autoptr(HapCharacteristic) hue = hap_characteristic_new ("Hue");
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");

  /* On, [Hue,] Brightness: the new characteristic sits between two old ones. */
  if (with_hue)
    hap_service_add_characteristic (bulb, hue);
  hap_service_add_characteristic (bulb, brightness);
  hap_accessory_add_service (accessory, bulb);
  hap_accessory_add_service (accessory, second);

  return accessory;
}

static GHashTable *
collect_iids (HapAccessory *accessory)
{
  GHashTable *iids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *services = hap_accessory_get_services (accessory);

  for (guint i = 0; i < services->len; i++)
    {
      HapService *service = g_ptr_array_index (services, i);
      GPtrArray *characteristics = hap_service_get_characteristics (service);

      g_hash_table_insert (iids, g_strdup_printf ("s%u", i), GUINT_TO_POINTER ((guint) hap_service_get_iid (service)));
      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);

          g_hash_table_insert (iids, g_strdup_printf ("s%u/%s", i, hap_characteristic_get_type_uuid (characteristic)),
                               GUINT_TO_POINTER ((guint) hap_characteristic_get_iid (characteristic)));
        }
    }
  return iids;
}

static void
test_iid_assignment (void)
{
  g_autoptr(GHashTable) id_map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(HapAccessory) first = build_lamp (FALSE);
  g_autoptr(HapAccessory) second = NULL;
  g_autoptr(HapAccessory) third = NULL;
  g_autoptr(GHashTable) before = NULL;
  g_autoptr(GHashTable) after = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint max_before = 0, n_entries;
  HapCharacteristic *hue;
  HapService *bulb;

  g_assert_true (_hap_accessory_assign_iids (first, id_map));
  n_entries = g_hash_table_size (id_map);
  before = collect_iids (first);
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_assert_cmpuint (GPOINTER_TO_UINT (value), >, 0);
      max_before = MAX (max_before, GPOINTER_TO_UINT (value));
    }
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (before, "s0")), ==, 1);
  /* Keys name the n-th service of a type and the m-th characteristic of a type in it. */
  g_assert_true (g_hash_table_contains (id_map, "svc:0000003E-0000-1000-8000-0026BB765291#1"));
  g_assert_true (g_hash_table_contains (id_map, "svc:00000043-0000-1000-8000-0026BB765291#2"));
  g_assert_true (g_hash_table_contains (id_map,
                 "svc:00000043-0000-1000-8000-0026BB765291#1/chr:00000008-0000-1000-8000-0026BB765291#1"));

  /* Same structure on the next start: nothing new, the same iids. */
  g_assert_false (_hap_accessory_assign_iids (first, id_map));

  /* Restart with Hue added between On and Brightness. */
  second = build_lamp (TRUE);
  g_assert_true (_hap_accessory_assign_iids (second, id_map));
  g_assert_cmpuint (g_hash_table_size (id_map), ==, n_entries + 1);
  after = collect_iids (second);
  g_hash_table_iter_init (&iter, before);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (after, key)), ==, GPOINTER_TO_UINT (value));
  bulb = g_ptr_array_index (hap_accessory_get_services (second), 1);
  hue = hap_service_get_characteristic (bulb, "Hue");
  g_assert_cmpuint (hap_characteristic_get_iid (hue), ==, max_before + 1);

  /* A third start keeps Hue's iid too; an explicit iid is kept as given. */
  third = build_lamp (TRUE);
  hap_characteristic_set_iid (hap_service_get_characteristic (g_ptr_array_index (hap_accessory_get_services (third), 2), "On"), 500);
  _hap_accessory_assign_iids (third, id_map);
  bulb = g_ptr_array_index (hap_accessory_get_services (third), 1);
  g_assert_cmpuint (hap_characteristic_get_iid (hap_service_get_characteristic (bulb, "Hue")), ==, max_before + 1);
  g_assert_cmpuint (hap_characteristic_get_iid (hap_service_get_characteristic (g_ptr_array_index (hap_accessory_get_services (third), 2), "On")), ==, 500);
  g_assert_cmpuint (hap_service_get_iid (hap_accessory_get_information_service (third)), ==, 1);
}

/* Signals ----------------------------------------------------------------------- */

typedef struct
{
  guint     count;
  GVariant *last;
  gpointer  origin;
} Changes;

static void
on_value_changed (HapCharacteristic *characteristic,
                  GVariant          *value,
                  gpointer           origin,
                  Changes           *changes)
{
  changes->count++;
  g_clear_pointer (&changes->last, g_variant_unref);
  changes->last = g_variant_ref (value);
  changes->origin = origin;
}

static void
test_value_changed (void)
{
  g_autoptr(HapCharacteristic) on = hap_characteristic_new ("On");
  g_autoptr(HapCharacteristic) button = hap_characteristic_new ("Programmable Switch Event");
  g_autoptr(HapCharacteristic) button_event = hap_characteristic_new ("ButtonEvent");
  Changes changes = { 0 };
  Changes button_changes = { 0 };
  guint8 tlv[] = { 1, 1, 0 };

  g_signal_connect (on, "value-changed", G_CALLBACK (on_value_changed), &changes);
  g_signal_connect (button, "value-changed", G_CALLBACK (on_value_changed), &button_changes);
  g_signal_connect (button_event, "value-changed", G_CALLBACK (on_value_changed), &button_changes);

  /* Same value: no event. */
  assert_set_ok (on, g_variant_new_boolean (FALSE));
  g_assert_cmpuint (changes.count, ==, 0);
  assert_set_ok (on, g_variant_new_boolean (TRUE));
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_true (g_variant_get_boolean (changes.last));
  g_assert_null (changes.origin);
  assert_set_ok (on, g_variant_new_boolean (TRUE));
  g_assert_cmpuint (changes.count, ==, 1);
  assert_set_fails (on, g_variant_new_byte (1), NULL);
  g_assert_cmpuint (changes.count, ==, 1);

  /* Event-only types (73, 126): every set is an event. */
  g_assert_true (hap_characteristic_is_event_only (button));
  g_assert_true (hap_characteristic_is_event_only (button_event));
  g_assert_false (hap_characteristic_is_event_only (on));
  assert_set_ok (button, g_variant_new_byte (0));
  assert_set_ok (button, g_variant_new_byte (0));
  assert_set_ok (button_event, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, tlv, 3, 1));
  assert_set_ok (button_event, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, tlv, 3, 1));
  g_assert_cmpuint (button_changes.count, ==, 4);

  g_clear_pointer (&changes.last, g_variant_unref);
  g_clear_pointer (&button_changes.last, g_variant_unref);
}

static void
on_identify (HapAccessory *accessory,
             guint        *count)
{
  (*count)++;
}

static void
on_write_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GError **error = user_data;

  hap_characteristic_write_finish (HAP_CHARACTERISTIC (object), result, error);
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "done");
}

/* Runs the main context until a write completes; returns its error, or NULL. */
static GError *
write_and_wait (HapCharacteristic *characteristic,
                GVariant          *value,
                gpointer           origin)
{
  GError *error = NULL;

  hap_characteristic_write_async (characteristic, value, origin, NULL, on_write_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    g_clear_error (&error);

  return error;
}

static void
test_identify (void)
{
  g_autoptr(HapAccessory) accessory = hap_accessory_new ("Lamp", 5);
  HapCharacteristic *identify = hap_service_get_characteristic (hap_accessory_get_information_service (accessory),
                                                                "Identify");
  Changes changes = { 0 };
  guint count = 0;
  GError *error;

  g_signal_connect (accessory, "identify", G_CALLBACK (on_identify), &count);
  g_signal_connect (identify, "value-changed", G_CALLBACK (on_value_changed), &changes);

  error = write_and_wait (identify, g_variant_new_boolean (TRUE), NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 1);
  error = write_and_wait (identify, g_variant_new_boolean (TRUE), NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 2);
  /* Nothing is stored and writing false does nothing. */
  g_assert_false (g_variant_get_boolean (hap_characteristic_get_value (identify)));
  error = write_and_wait (identify, g_variant_new_boolean (FALSE), NULL);
  g_assert_no_error (error);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpuint (changes.count, ==, 0);

  /* The public call, as a simulator's "identify" button makes it. */
  hap_accessory_identify (accessory);
  g_assert_cmpuint (count, ==, 3);
}

/* Asynchronous reads and writes ------------------------------------------------- */

static void
on_read_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GVariant **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hap_characteristic_read_finish (HAP_CHARACTERISTIC (object), result, &error);
  if (*out == NULL)
    *out = g_variant_ref_sink (g_variant_new_string (error->message));
}

static void
test_read_without_handler (void)
{
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");
  g_autoptr(GVariant) value = NULL;

  assert_set_ok (brightness, g_variant_new_int32 (33));
  g_assert_false (hap_characteristic_has_read_handler (brightness));
  hap_characteristic_read_async (brightness, NULL, on_read_done, &value);
  /* Completed from an idle, never inside the call. */
  g_assert_null (value);
  while (value == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_variant_get_int32 (value), ==, 33);
}

typedef struct
{
  GTask    *task;
  GVariant *value;
  gboolean  refuse;
  guint     calls;
} Pending;

static gboolean
complete_read_later (gpointer data)
{
  Pending *pending = data;
  g_autoptr(GTask) task = g_steal_pointer (&pending->task);

  g_task_return_pointer (task, g_variant_ref_sink (g_variant_new_int32 (88)), (GDestroyNotify) g_variant_unref);
  return G_SOURCE_REMOVE;
}

static void
read_handler (HapCharacteristic *characteristic,
              GTask             *task,
              gpointer           user_data)
{
  Pending *pending = user_data;

  pending->calls++;
  pending->task = g_object_ref (task);
  g_timeout_add (10, complete_read_later, pending);
}

static gboolean
complete_write_later (gpointer data)
{
  Pending *pending = data;
  g_autoptr(GTask) task = g_steal_pointer (&pending->task);

  if (pending->refuse)
    g_task_return_new_error (task, HAP_STATUS_ERROR, HAP_STATUS_NOT_ALLOWED_IN_CURRENT_STATE, "refused");
  else
    g_task_return_boolean (task, TRUE);
  return G_SOURCE_REMOVE;
}

static void
write_handler (HapCharacteristic *characteristic,
               GVariant          *value,
               GTask             *task,
               gpointer           user_data)
{
  Pending *pending = user_data;

  pending->calls++;
  g_clear_pointer (&pending->value, g_variant_unref);
  pending->value = g_variant_ref (value);
  pending->task = g_object_ref (task);
  g_timeout_add (10, complete_write_later, pending);
}

static void
bad_read_handler (HapCharacteristic *characteristic,
                  GTask             *task,
                  gpointer           user_data)
{
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_new_string ("not an int")),
                         (GDestroyNotify) g_variant_unref);
}

static void
test_async_handlers (void)
{
  HapCharacteristic *brightness = hap_characteristic_new ("Brightness");
  g_autoptr(GVariant) value = NULL;
  Pending reads = { 0 }, writes = { 0 };
  Changes changes = { 0 };
  int origin;
  GError *error;

  hap_characteristic_set_read_handler (brightness, read_handler, &reads, NULL);
  hap_characteristic_set_write_handler (brightness, write_handler, &writes, NULL);
  g_assert_true (hap_characteristic_has_read_handler (brightness));
  g_assert_true (hap_characteristic_has_write_handler (brightness));
  g_signal_connect (brightness, "value-changed", G_CALLBACK (on_value_changed), &changes);

  /* A read answered later from a timeout. */
  hap_characteristic_read_async (brightness, NULL, on_read_done, &value);
  g_assert_cmpuint (reads.calls, ==, 1);
  while (value == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_variant_get_int32 (value), ==, 88);
  g_clear_pointer (&value, g_variant_unref);

  /* A write accepted later: stored, and value-changed carries the origin. */
  error = write_and_wait (brightness, g_variant_new_int32 (60), &origin);
  g_assert_no_error (error);
  g_assert_cmpuint (writes.calls, ==, 1);
  g_assert_cmpint (g_variant_get_int32 (writes.value), ==, 60);
  g_assert_cmpint (g_variant_get_int32 (hap_characteristic_get_value (brightness)), ==, 60);
  g_assert_cmpuint (changes.count, ==, 1);
  g_assert_true (changes.origin == &origin);

  /* A refused write keeps the old value and reports the handler's error. */
  writes.refuse = TRUE;
  error = write_and_wait (brightness, g_variant_new_int32 (70), NULL);
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_NOT_ALLOWED_IN_CURRENT_STATE);
  g_clear_error (&error);
  g_assert_cmpint (g_variant_get_int32 (hap_characteristic_get_value (brightness)), ==, 60);
  g_assert_cmpuint (changes.count, ==, 1);

  /* An invalid value never reaches the handler. */
  error = write_and_wait (brightness, g_variant_new_int32 (700), NULL);
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_cmpuint (writes.calls, ==, 2);

  /* The pending task keeps the characteristic alive after its last other reference. */
  writes.refuse = FALSE;
  hap_characteristic_write_async (brightness, g_variant_new_int32 (20), NULL, NULL, on_write_done, &error);
  g_object_unref (brightness);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);

  g_clear_pointer (&writes.value, g_variant_unref);
  g_clear_pointer (&changes.last, g_variant_unref);
}

static void
test_read_handler_wrong_type (void)
{
  g_autoptr(HapCharacteristic) brightness = hap_characteristic_new ("Brightness");
  g_autoptr(GVariant) value = NULL;

  hap_characteristic_set_read_handler (brightness, bad_read_handler, NULL, NULL);
  hap_characteristic_read_async (brightness, NULL, on_read_done, &value);
  while (value == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "read handler returned a value of type 's' for format int");
}

static void
free_counter (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_handler_destroy_notify (void)
{
  HapCharacteristic *on = hap_characteristic_new ("On");
  guint destroyed = 0;

  hap_characteristic_set_read_handler (on, bad_read_handler, &destroyed, free_counter);
  hap_characteristic_set_read_handler (on, bad_read_handler, &destroyed, free_counter);
  g_assert_cmpuint (destroyed, ==, 1);
  hap_characteristic_set_write_handler (on, write_handler, &destroyed, free_counter);
  g_object_unref (on);
  g_assert_cmpuint (destroyed, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/characteristic/defaults", test_characteristic_defaults);
  g_test_add_func ("/characteristic/validation/numbers", test_validation_numbers);
  g_test_add_func ("/characteristic/validation/valid-values", test_validation_valid_values);
  g_test_add_func ("/characteristic/validation/strings-and-data", test_validation_strings_and_data);
  g_test_add_func ("/characteristic/value-from-json", test_value_from_json);
  g_test_add_func ("/characteristic/json-flags", test_characteristic_json_flags);
  g_test_add_func ("/characteristic/value-changed", test_value_changed);
  g_test_add_func ("/characteristic/read-without-handler", test_read_without_handler);
  g_test_add_func ("/characteristic/async-handlers", test_async_handlers);
  g_test_add_func ("/characteristic/read-handler-wrong-type", test_read_handler_wrong_type);
  g_test_add_func ("/characteristic/handler-destroy-notify", test_handler_destroy_notify);
  g_test_add_func ("/accessory/json", test_accessory_json);
  g_test_add_func ("/accessory/information", test_accessory_information);
  g_test_add_func ("/accessory/lookup-by-iid", test_lookup_by_iid);
  g_test_add_func ("/accessory/iid-assignment", test_iid_assignment);
  g_test_add_func ("/accessory/identify", test_identify);

  return g_test_run ();
}
