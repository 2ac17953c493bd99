/* test-catalog.c — the generated type catalog, UUID forms, formats and JSON output
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <libhap-glib/hap.h>
#include "hap-model-private.h"

#include <math.h>
#include <string.h>

#define APPLE_SUFFIX "-0000-1000-8000-0026BB765291"

static void
test_catalog_counts (void)
{
  guint n_characteristics = 0, n_services = 0;

  g_assert_nonnull (hap_catalog_get_characteristics (&n_characteristics));
  g_assert_nonnull (hap_catalog_get_services (&n_services));

  /* data/hap-types.json: 246 characteristics, 73 services. */
  g_assert_cmpuint (n_characteristics, ==, 246);
  g_assert_cmpuint (n_services, ==, 73);
}

static void
test_catalog_characteristic_lookup (void)
{
  const HapCharacteristicType *type;
  const HapCharacteristicType *same;

  type = hap_catalog_lookup_characteristic ("Brightness");
  g_assert_nonnull (type);
  g_assert_cmpstr (type->name, ==, "Brightness");
  g_assert_cmpstr (type->uuid, ==, "00000008" APPLE_SUFFIX);
  g_assert_cmpint (type->format, ==, HAP_FORMAT_INT);
  g_assert_cmpuint (type->perms, ==, HAP_PERM_PAIRED_READ | HAP_PERM_PAIRED_WRITE | HAP_PERM_EVENTS);
  g_assert_cmpstr (type->unit, ==, "percentage");
  g_assert_true (type->has_min_value && type->has_max_value && type->has_min_step);
  g_assert_cmpfloat (type->min_value, ==, 0);
  g_assert_cmpfloat (type->max_value, ==, 100);
  g_assert_cmpfloat (type->min_step, ==, 1);
  g_assert_cmpint (type->max_len, ==, -1);
  g_assert_null (type->valid_values);

  /* Name, display name, any case, short and full UUID all find the same entry. */
  type = hap_catalog_lookup_characteristic ("TargetTemperature");
  g_assert_nonnull (type);
  g_assert_true (hap_catalog_lookup_characteristic ("Target Temperature") == type);
  g_assert_true (hap_catalog_lookup_characteristic ("target temperature") == type);
  g_assert_true (hap_catalog_lookup_characteristic ("TARGETTEMPERATURE") == type);
  g_assert_true (hap_catalog_lookup_characteristic ("35") == type);
  g_assert_true (hap_catalog_lookup_characteristic ("0035") == type);
  g_assert_true (hap_catalog_lookup_characteristic ("00000035-0000-1000-8000-0026bb765291") == type);
  g_assert_cmpint (type->format, ==, HAP_FORMAT_FLOAT);
  g_assert_cmpfloat (type->min_value, ==, 10);
  g_assert_cmpfloat (type->max_value, ==, 38);
  g_assert_cmpfloat (type->min_step, ==, 0.1);
  g_assert_cmpstr (type->unit, ==, "celsius");

  type = hap_catalog_lookup_characteristic ("Identify");
  g_assert_nonnull (type);
  g_assert_cmpuint (type->perms, ==, HAP_PERM_PAIRED_WRITE);
  g_assert_cmpint (type->format, ==, HAP_FORMAT_BOOL);

  type = hap_catalog_lookup_characteristic ("Manufacturer");
  g_assert_cmpint (type->format, ==, HAP_FORMAT_STRING);
  g_assert_cmpint (type->max_len, ==, 64);

  /* adminOnlyAccess becomes a flag, not a perm string. */
  type = hap_catalog_lookup_characteristic ("126");
  g_assert_nonnull (type);
  g_assert_cmpstr (type->name, ==, "ButtonEvent");
  g_assert_true (type->perms & HAP_PERM_ADMIN_ONLY);

  type = hap_catalog_lookup_characteristic ("ChargingState");
  g_assert_cmpuint (type->n_valid_values, ==, 3);
  g_assert_cmpint (type->valid_values[2], ==, 2);
  g_assert_cmpuint (type->n_constants, ==, 3);
  g_assert_cmpstr (type->constants[1].name, ==, "CHARGING");
  g_assert_cmpint (type->constants[1].value, ==, 1);

  /* A display name with punctuation. */
  type = hap_catalog_lookup_characteristic ("PM2.5 Density");
  same = hap_catalog_lookup_characteristic ("PM2_5Density");
  g_assert_nonnull (type);
  g_assert_true (type == same);

  g_assert_null (hap_catalog_lookup_characteristic ("Brightnes"));
  g_assert_null (hap_catalog_lookup_characteristic (""));
  g_assert_null (hap_catalog_lookup_characteristic ("FFFF"));
  g_assert_null (hap_catalog_lookup_characteristic ("12345678-1234-1234-1234-123456789ABC"));
}

static void
test_catalog_service_lookup (void)
{
  const HapServiceType *type;

  type = hap_catalog_lookup_service ("Lightbulb");
  g_assert_nonnull (type);
  g_assert_cmpstr (type->uuid, ==, "00000043" APPLE_SUFFIX);
  g_assert_cmpstr (type->required[0], ==, "On");
  g_assert_null (type->required[1]);
  g_assert_true (g_strv_contains ((const char * const *) type->optional, "Brightness"));

  g_assert_true (hap_catalog_lookup_service ("lightbulb") == type);
  g_assert_true (hap_catalog_lookup_service ("43") == type);
  g_assert_true (hap_catalog_lookup_service ("00000043-0000-1000-8000-0026BB765291") == type);

  type = hap_catalog_lookup_service ("Garage Door Opener");
  g_assert_nonnull (type);
  g_assert_cmpstr (type->name, ==, "GarageDoorOpener");
  g_assert_true (hap_catalog_lookup_service ("41") == type);
  g_assert_nonnull (hap_catalog_lookup_service ("Wi-Fi Router"));

  /* Speaker and Television Speaker share UUID 113: by UUID the first by name wins. */
  type = hap_catalog_lookup_service ("113");
  g_assert_nonnull (type);
  g_assert_cmpstr (type->name, ==, "Speaker");
  type = hap_catalog_lookup_service ("TelevisionSpeaker");
  g_assert_nonnull (type);
  g_assert_cmpstr (type->uuid, ==, "00000113" APPLE_SUFFIX);

  g_assert_null (hap_catalog_lookup_service ("Lightbub"));
  g_assert_null (hap_catalog_lookup_service ("Bed"));
}

/* Every entry is found again by each of its keys: the generated tables are sorted the
 * way the binary searches expect. */
static void
test_catalog_consistency (void)
{
  const HapCharacteristicType *characteristics;
  const HapServiceType *services;
  guint n_characteristics, n_services;

  characteristics = hap_catalog_get_characteristics (&n_characteristics);
  for (guint i = 0; i < n_characteristics; i++)
    {
      const HapCharacteristicType *type = &characteristics[i];
      g_autofree char *short_uuid = hap_uuid_to_short (type->uuid);

      g_assert_true (hap_catalog_lookup_characteristic (type->name) == type);
      g_assert_true (hap_catalog_lookup_characteristic (type->display_name) == type);
      g_assert_true (hap_catalog_lookup_characteristic (type->uuid) == type);
      g_assert_true (hap_catalog_lookup_characteristic (short_uuid) == type);
      g_assert_cmpuint (type->format, <=, HAP_FORMAT_DATA);
      g_assert_true (type->perms != HAP_PERM_NONE);
      g_assert_true ((type->valid_values == NULL) == (type->n_valid_values == 0));
    }

  services = hap_catalog_get_services (&n_services);
  for (guint i = 0; i < n_services; i++)
    {
      const HapServiceType *type = &services[i];
      const HapServiceType *by_uuid = hap_catalog_lookup_service (type->uuid);

      g_assert_true (hap_catalog_lookup_service (type->name) == type);
      g_assert_nonnull (by_uuid);
      g_assert_cmpstr (by_uuid->uuid, ==, type->uuid);

      for (guint k = 0; type->required[k] != NULL; k++)
        g_assert_nonnull (hap_catalog_lookup_characteristic (type->required[k]));
      for (guint k = 0; type->optional[k] != NULL; k++)
        g_assert_nonnull (hap_catalog_lookup_characteristic (type->optional[k]));
    }
}

static void
test_catalog_categories (void)
{
  g_assert_cmpint (hap_catalog_lookup_category ("LIGHTBULB"), ==, 5);
  g_assert_cmpint (hap_catalog_lookup_category ("Lightbulb"), ==, 5);
  g_assert_cmpint (hap_catalog_lookup_category ("lightbulb"), ==, 5);
  g_assert_cmpint (hap_catalog_lookup_category ("5"), ==, 5);
  g_assert_cmpint (hap_catalog_lookup_category ("Garage Door Opener"), ==, 4);
  g_assert_cmpint (hap_catalog_lookup_category ("garage-door-opener"), ==, 4);
  g_assert_cmpint (hap_catalog_lookup_category ("BRIDGE"), ==, 2);
  g_assert_cmpint (hap_catalog_lookup_category ("TV_STREAMING_STICK"), ==, 36);

  /* Aliases share an id; the canonical name is the one of docs/protocol.md §4.14. */
  g_assert_cmpint (hap_catalog_lookup_category ("ALARM_SYSTEM"), ==, 11);
  g_assert_cmpint (hap_catalog_lookup_category ("SECURITY_SYSTEM"), ==, 11);
  g_assert_cmpstr (hap_catalog_category_name (11), ==, "SECURITY_SYSTEM");
  g_assert_cmpint (hap_catalog_lookup_category ("CAMERA"), ==, 17);
  g_assert_cmpstr (hap_catalog_category_name (17), ==, "IP_CAMERA");
  g_assert_cmpstr (hap_catalog_category_name (5), ==, "LIGHTBULB");
  g_assert_cmpstr (hap_catalog_category_name (1), ==, "OTHER");

  g_assert_cmpint (hap_catalog_lookup_category ("LIGHTBLUB"), ==, -1);
  g_assert_cmpint (hap_catalog_lookup_category ("0"), ==, -1);
  g_assert_cmpint (hap_catalog_lookup_category ("99"), ==, -1);
  g_assert_cmpint (hap_catalog_lookup_category (""), ==, -1);
  g_assert_null (hap_catalog_category_name (0));
  g_assert_null (hap_catalog_category_name (99));

  for (int id = 1; id <= 36; id++)
    {
      const char *name = hap_catalog_category_name (id);

      g_assert_nonnull (name);
      g_assert_cmpint (hap_catalog_lookup_category (name), ==, id);
    }
}

static void
test_uuid_forms (void)
{
  static const struct { const char *in, *out; } shorts[] = {
    { "00000043-0000-1000-8000-0026BB765291", "43" },
    { "0000003E-0000-1000-8000-0026BB765291", "3E" },
    { "0000003e-0000-1000-8000-0026bb765291", "3E" },
    { "00000121-0000-1000-8000-0026BB765291", "121" },
    { "00000008-0000-1000-8000-0026BB765291", "8" },
    { "00000000-0000-1000-8000-0026BB765291", "0" },
    { "E863F10D-079E-48FF-8F27-9C2605A29F52", "E863F10D-079E-48FF-8F27-9C2605A29F52" },
    { "e863f10d-079e-48ff-8f27-9c2605a29f52", "E863F10D-079E-48FF-8F27-9C2605A29F52" },
    { "43", "43" },
  };
  static const struct { const char *in, *out; } normalized[] = {
    { "43", "00000043-0000-1000-8000-0026BB765291" },
    { "0043", "00000043-0000-1000-8000-0026BB765291" },
    { "3e", "0000003E-0000-1000-8000-0026BB765291" },
    { "FFFFFFFF", "FFFFFFFF-0000-1000-8000-0026BB765291" },
    { "e863f10d-079e-48ff-8f27-9c2605a29f52", "E863F10D-079E-48FF-8F27-9C2605A29F52" },
  };
  static const char * const invalid[] = {
    "", "xyz", "123456789", "0000004-30000-1000-8000-0026BB765291",
    "00000043-0000-1000-8000-0026BB76529", "0000004G-0000-1000-8000-0026BB765291", "4 3",
  };

  for (guint i = 0; i < G_N_ELEMENTS (shorts); i++)
    {
      g_autofree char *s = hap_uuid_to_short (shorts[i].in);
      g_assert_cmpstr (s, ==, shorts[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (normalized); i++)
    {
      g_autofree char *s = hap_uuid_normalize (normalized[i].in);
      g_assert_cmpstr (s, ==, normalized[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autofree char *s = hap_uuid_normalize (invalid[i]);
      g_autofree char *t = hap_uuid_to_short (invalid[i]);
      g_assert_null (s);
      g_assert_null (t);
    }
}

static void
test_formats_and_perms (void)
{
  static const char * const names[] = {
    "bool", "uint8", "uint16", "uint32", "uint64", "int", "float", "string", "tlv8", "data",
  };
  HapFormat format;
  HapPerms perm;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (hap_format_from_string (names[i], &format));
      g_assert_cmpint (format, ==, (HapFormat) i);
      g_assert_cmpstr (hap_format_to_string (format), ==, names[i]);
      g_assert_nonnull (hap_format_get_variant_type (format));
    }
  g_assert_false (hap_format_from_string ("flaot", &format));
  g_assert_false (hap_format_from_string ("Bool", &format));

  g_assert_true (g_variant_type_equal (hap_format_get_variant_type (HAP_FORMAT_UINT8), G_VARIANT_TYPE_BYTE));
  g_assert_true (g_variant_type_equal (hap_format_get_variant_type (HAP_FORMAT_INT), G_VARIANT_TYPE_INT32));
  g_assert_true (g_variant_type_equal (hap_format_get_variant_type (HAP_FORMAT_TLV8), G_VARIANT_TYPE_BYTESTRING));

  g_assert_true (hap_perm_from_string ("pr", &perm) && perm == HAP_PERM_PAIRED_READ);
  g_assert_true (hap_perm_from_string ("pw", &perm) && perm == HAP_PERM_PAIRED_WRITE);
  g_assert_true (hap_perm_from_string ("ev", &perm) && perm == HAP_PERM_EVENTS);
  g_assert_true (hap_perm_from_string ("aa", &perm) && perm == HAP_PERM_ADDITIONAL_AUTH);
  g_assert_true (hap_perm_from_string ("tw", &perm) && perm == HAP_PERM_TIMED_WRITE);
  g_assert_true (hap_perm_from_string ("hd", &perm) && perm == HAP_PERM_HIDDEN);
  g_assert_true (hap_perm_from_string ("wr", &perm) && perm == HAP_PERM_WRITE_RESPONSE);
  g_assert_false (hap_perm_from_string ("rw", &perm));
  g_assert_false (hap_perm_from_string ("adminOnly", &perm));
}

/* The JSON writer's string output parses back to the same text. */
static void
assert_string_round_trip (const char *in,
                          const char *expected_json,
                          const char *expected_text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  hap_json_append_string (out, in);
  if (expected_json != NULL)
    g_assert_cmpstr (out->str, ==, expected_json);

  node = json_from_string (out->str, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_node_get_string (node), ==, expected_text);
}

static void
test_json_strings (void)
{
  assert_string_round_trip ("plain", "\"plain\"", "plain");
  assert_string_round_trip ("a \"quoted\" \\ path", "\"a \\\"quoted\\\" \\\\ path\"", "a \"quoted\" \\ path");
  assert_string_round_trip ("tab\tnew\nline\r\b\f", "\"tab\\tnew\\nline\\r\\b\\f\"", "tab\tnew\nline\r\b\f");
  assert_string_round_trip ("\x01\x1f", "\"\\u0001\\u001f\"", "\x01\x1f");
  /* Valid UTF-8 passes through, broken bytes become U+FFFD. */
  assert_string_round_trip ("Küche ☕ 🏠", "\"Küche ☕ 🏠\"", "Küche ☕ 🏠");
  assert_string_round_trip ("a\xff" "b\xe2\x82", "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\"",
                            "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
  assert_string_round_trip ("", "\"\"", "");
}

static char *
value_json (HapFormat  format,
            GVariant  *value)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GVariant) held = g_variant_ref_sink (value);

  hap_json_append_value (out, format, held);
  return g_string_free (out, FALSE);
}

static void
check_value_json (HapFormat   format,
                  GVariant   *value,
                  const char *expected)
{
  g_autofree char *text = value_json (format, value);
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (text, ==, expected);
  node = json_from_string (text, &error);
  g_assert_no_error (error);
}

static void
test_json_values (void)
{
  static const guint8 tlv[] = { 0x01, 0x01, 0x00 };

  check_value_json (HAP_FORMAT_BOOL, g_variant_new_boolean (TRUE), "true");
  check_value_json (HAP_FORMAT_BOOL, g_variant_new_boolean (FALSE), "false");
  check_value_json (HAP_FORMAT_UINT8, g_variant_new_byte (255), "255");
  check_value_json (HAP_FORMAT_UINT16, g_variant_new_uint16 (65535), "65535");
  check_value_json (HAP_FORMAT_UINT32, g_variant_new_uint32 (G_MAXUINT32), "4294967295");
  check_value_json (HAP_FORMAT_UINT64, g_variant_new_uint64 (G_MAXUINT64), "18446744073709551615");
  check_value_json (HAP_FORMAT_INT, g_variant_new_int32 (G_MININT32), "-2147483648");
  /* Floats: shortest round-trip form, whole numbers without exponent. */
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (0.1), "0.1");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (21.5), "21.5");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (100.0), "100");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (-0.0), "0");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (-270), "-270");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (0.0001), "0.0001");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (1e15), "1000000000000000");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (1.0 / 3.0), "0.3333333333333333");
  check_value_json (HAP_FORMAT_FLOAT, g_variant_new_double (NAN), "null");
  check_value_json (HAP_FORMAT_STRING, g_variant_new_string ("Desk \"Lamp\""), "\"Desk \\\"Lamp\\\"\"");
  check_value_json (HAP_FORMAT_TLV8, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, tlv, 3, 1), "\"AQEA\"");
  check_value_json (HAP_FORMAT_DATA, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1), "\"\"");

  /* Every double reads back exactly. */
  for (guint i = 0; i < 1000; i++)
    {
      double v = g_test_rand_double_range (-1e6, 1e6);
      g_autofree char *text = value_json (HAP_FORMAT_FLOAT, g_variant_new_double (v));

      g_assert_cmpfloat (g_ascii_strtod (text, NULL), ==, v);
    }
}

/* Issue 17: numbers are written without printf; they must read as printf writes them. */
static void
test_json_decimal (void)
{
  static const gint64 edges[] = { 0, 1, -1, 9, 10, -10, 99, 100, G_MAXINT32, G_MININT32,
                                  G_MAXINT64, G_MININT64, G_MININT64 + 1 };

  for (guint i = 0; i < G_N_ELEMENTS (edges) + 1000; i++)
    {
      gint64 v = i < G_N_ELEMENTS (edges) ? edges[i]
                                           : (gint64) (((guint64) g_test_rand_int () << 32) | (guint32) g_test_rand_int ());
      g_autofree char *expected_signed = g_strdup_printf ("%" G_GINT64_FORMAT, v);
      g_autofree char *expected_unsigned = g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) v);
      g_autoptr(GString) out = g_string_new ("x");

      _hap_string_append_int64 (out, v);
      g_assert_cmpstr (out->str + 1, ==, expected_signed);
      g_string_assign (out, "x");
      _hap_string_append_uint64 (out, (guint64) v);
      g_assert_cmpstr (out->str + 1, ==, expected_unsigned);
    }
}

/* Issue 16: the loader's default category and the editor's suggestion come from here. */
static void
test_service_category (void)
{
  g_assert_cmpint (hap_catalog_service_category ("Lightbulb"), ==, 5);
  g_assert_cmpint (hap_catalog_service_category ("Fanv2"), ==, 3);
  g_assert_cmpint (hap_catalog_service_category ("TemperatureSensor"), ==, 10);
  g_assert_cmpint (hap_catalog_service_category ("AirQualitySensor"), ==, 10);
  g_assert_cmpint (hap_catalog_service_category ("Thermostat"), ==,
                   hap_catalog_lookup_category ("THERMOSTAT"));
  g_assert_cmpint (hap_catalog_service_category ("Television"), ==, 31);
  /* No suggestion: the caller's default (OTHER, or BRIDGE) applies. */
  g_assert_cmpint (hap_catalog_service_category ("AccessoryInformation"), ==, -1);
  g_assert_cmpint (hap_catalog_service_category ("Battery"), ==, -1);
  g_assert_cmpint (hap_catalog_service_category ("lightbulb"), ==, -1);
  g_assert_cmpint (hap_catalog_service_category (""), ==, -1);

  /* Every suggestion is a category the catalog can name. */
  {
    guint n = 0;
    const HapServiceType *services = hap_catalog_get_services (&n);

    for (guint i = 0; i < n; i++)
      {
        int category = hap_catalog_service_category (services[i].name);

        if (category >= 0)
          g_assert_nonnull (hap_catalog_category_name (category));
      }
  }
}

static void
assert_round_trip (double value, const char *expected)
{
  g_autofree char *text = hap_double_to_string (value);

  g_assert_cmpstr (text, ==, expected);
  g_assert_true (g_ascii_strtod (text, NULL) == value);
}

static void
test_double_to_string (void)
{
  g_autofree char *third = NULL;
  g_autofree char *nan_text = hap_double_to_string (NAN);
  g_autofree char *inf_text = hap_double_to_string (-INFINITY);
  double sum = 0.1 + 0.2;

  assert_round_trip (0.1, "0.1");
  assert_round_trip (1e-7, "1e-07");
  assert_round_trip (21.5, "21.5");
  assert_round_trip (-21.7, "-21.7");
  assert_round_trip (100, "100");
  assert_round_trip (-4096, "-4096");
  assert_round_trip (9007199254740991.0, "9007199254740991");
  assert_round_trip (1e300, "1e+300");
  /* Not 0.3: the shortest text that is still this double. */
  assert_round_trip (sum, "0.30000000000000004");

  /* 1/3: 16 digits, not the 17 of %.17g (0.33333333333333331). */
  third = hap_double_to_string (1.0 / 3.0);
  g_assert_cmpstr (third, ==, "0.3333333333333333");
  g_assert_true (g_ascii_strtod (third, NULL) == 1.0 / 3.0);

  /* The smallest and largest doubles survive too. */
  {
    g_autofree char *min = hap_double_to_string (G_MINDOUBLE);
    g_autofree char *max = hap_double_to_string (G_MAXDOUBLE);

    g_assert_true (g_ascii_strtod (min, NULL) == G_MINDOUBLE);
    g_assert_true (g_ascii_strtod (max, NULL) == G_MAXDOUBLE);
  }

  g_assert_cmpstr (nan_text, ==, "nan");
  g_assert_cmpstr (inf_text, ==, "-inf");
}

static void
test_variant_get_number (void)
{
  struct { GVariant *value; double expected; } numbers[] = {
    { g_variant_new_byte (200), 200 },
    { g_variant_new_int16 (-300), -300 },
    { g_variant_new_uint16 (65535), 65535 },
    { g_variant_new_int32 (G_MININT32), G_MININT32 },
    { g_variant_new_uint32 (G_MAXUINT32), G_MAXUINT32 },
    { g_variant_new_int64 (-((gint64) 1 << 53)), -9007199254740992.0 },
    { g_variant_new_uint64 (G_MAXUINT64), 18446744073709551616.0 },
    { g_variant_new_double (21.5), 21.5 },
  };
  GVariant *others[] = {
    g_variant_new_boolean (TRUE),
    g_variant_new_string ("21.5"),
    g_variant_new_bytestring ("1"),
  };

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (numbers[i].value);
      double number = -1;

      g_assert_true (hap_variant_get_number (value, &number));
      g_assert_cmpfloat (number, ==, numbers[i].expected);
      g_assert_true (hap_variant_get_number (value, NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (others[i]);
      double number = 42;

      g_assert_false (hap_variant_get_number (value, &number));
      g_assert_cmpfloat (number, ==, 42);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/catalog/counts", test_catalog_counts);
  g_test_add_func ("/catalog/characteristic-lookup", test_catalog_characteristic_lookup);
  g_test_add_func ("/catalog/service-lookup", test_catalog_service_lookup);
  g_test_add_func ("/catalog/consistency", test_catalog_consistency);
  g_test_add_func ("/catalog/categories", test_catalog_categories);
  g_test_add_func ("/catalog/service-category", test_service_category);
  g_test_add_func ("/types/uuid-forms", test_uuid_forms);
  g_test_add_func ("/types/double-to-string", test_double_to_string);
  g_test_add_func ("/types/variant-get-number", test_variant_get_number);
  g_test_add_func ("/types/formats-and-perms", test_formats_and_perms);
  g_test_add_func ("/json/strings", test_json_strings);
  g_test_add_func ("/json/values", test_json_values);
  g_test_add_func ("/json/decimal", test_json_decimal);

  return g_test_run ();
}
