/* test-ble-value.c — HAP-BLE values, properties, presentation formats and UUID bytes
 * (docs/protocol.md §5.4, §5.5, §4.11)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-value-private.h"
#include "hap-characteristic.h"
#include "hap-error.h"

#include <math.h>
#include <string.h>

static void
assert_encodes (HapFormat     format,
                GVariant     *value,
                const guint8 *expected,
                gsize         len)
{
  g_autoptr(GVariant) held = g_variant_ref_sink (value);
  g_autoptr(GBytes) bytes = hap_ble_value_encode (format, held);
  g_autoptr(GVariant) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (bytes);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), expected, len);

  back = hap_ble_value_decode (format, expected, len, &error);
  g_assert_no_error (error);
  g_assert_false (g_variant_is_floating (back));
  g_assert_true (g_variant_is_of_type (back, hap_format_get_variant_type (format)));
  g_assert_true (g_variant_equal (back, held));
}

/* docs/protocol.md §5.5: every format's bytes, written out by hand (little-endian; float
 * bit patterns checked with Python's struct.pack('<f', …)). */
static void
test_encode_decode (void)
{
  assert_encodes (HAP_FORMAT_BOOL, g_variant_new_boolean (TRUE), (const guint8[]) { 0x01 }, 1);
  assert_encodes (HAP_FORMAT_BOOL, g_variant_new_boolean (FALSE), (const guint8[]) { 0x00 }, 1);
  assert_encodes (HAP_FORMAT_UINT8, g_variant_new_byte (0xAB), (const guint8[]) { 0xAB }, 1);
  assert_encodes (HAP_FORMAT_UINT16, g_variant_new_uint16 (0x1234), (const guint8[]) { 0x34, 0x12 }, 2);
  assert_encodes (HAP_FORMAT_UINT32, g_variant_new_uint32 (0x12345678),
                  (const guint8[]) { 0x78, 0x56, 0x34, 0x12 }, 4);
  assert_encodes (HAP_FORMAT_UINT64, g_variant_new_uint64 (G_GUINT64_CONSTANT (0x0102030405060708)),
                  (const guint8[]) { 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01 }, 8);
  assert_encodes (HAP_FORMAT_UINT64, g_variant_new_uint64 (G_MAXUINT64),
                  (const guint8[]) { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, 8);
  assert_encodes (HAP_FORMAT_INT, g_variant_new_int32 (-2), (const guint8[]) { 0xFE, 0xFF, 0xFF, 0xFF }, 4);
  assert_encodes (HAP_FORMAT_INT, g_variant_new_int32 (G_MININT32), (const guint8[]) { 0x00, 0x00, 0x00, 0x80 }, 4);
  /* 21.5 = 0x41AC0000, -270 = 0xC3870000, 100 = 0x42C80000. */
  assert_encodes (HAP_FORMAT_FLOAT, g_variant_new_double (21.5), (const guint8[]) { 0x00, 0x00, 0xAC, 0x41 }, 4);
  assert_encodes (HAP_FORMAT_FLOAT, g_variant_new_double (-270), (const guint8[]) { 0x00, 0x00, 0x87, 0xC3 }, 4);
  /* 0.1 is not a float; 0x3DCCCCCD is the nearest, and decodes back to 0.1. */
  assert_encodes (HAP_FORMAT_FLOAT, g_variant_new_double (0.1), (const guint8[]) { 0xCD, 0xCC, 0xCC, 0x3D }, 4);
  /* "Hé": H, then U+00E9 as C3 A9. */
  assert_encodes (HAP_FORMAT_STRING, g_variant_new_string ("H\xC3\xA9"), (const guint8[]) { 0x48, 0xC3, 0xA9 }, 3);
  assert_encodes (HAP_FORMAT_STRING, g_variant_new_string (""), (const guint8[]) { 0 }, 0);
  /* An empty GBytes hands out NULL data (found by fuzz-ble-pdu). */
  {
    g_autoptr(GVariant) empty = hap_ble_value_decode (HAP_FORMAT_STRING, NULL, 0, NULL);
    g_autoptr(GVariant) none = hap_ble_value_decode (HAP_FORMAT_DATA, NULL, 0, NULL);

    g_assert_cmpstr (g_variant_get_string (empty, NULL), ==, "");
    g_assert_cmpuint (g_variant_n_children (none), ==, 0);
  }
  assert_encodes (HAP_FORMAT_TLV8,
                  g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, (const guint8[]) { 0x06, 0x01, 0x02 }, 3, 1),
                  (const guint8[]) { 0x06, 0x01, 0x02 }, 3);
  assert_encodes (HAP_FORMAT_DATA,
                  g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, (const guint8[]) { 0x00, 0xFF }, 2, 1),
                  (const guint8[]) { 0x00, 0xFF }, 2);
  assert_encodes (HAP_FORMAT_DATA, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1),
                  (const guint8[]) { 0 }, 0);
}

/* A float read over BLE shows as its shortest decimal, and encodes to the same bits. */
static void
test_float_decimal (void)
{
  static const double values[] = { 21.3, 0.1, 37.7, -12.25, 1e-7, 3.4e38, 100 };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GVariant) v = g_variant_ref_sink (g_variant_new_double (values[i]));
      g_autoptr(GBytes) bytes = hap_ble_value_encode (HAP_FORMAT_FLOAT, v);
      g_autoptr(GVariant) back = hap_ble_value_decode (HAP_FORMAT_FLOAT, g_bytes_get_data (bytes, NULL), 4, NULL);
      g_autoptr(GBytes) again = hap_ble_value_encode (HAP_FORMAT_FLOAT, back);

      g_assert_cmpfloat (g_variant_get_double (back), ==, values[i]);
      g_assert_true (g_bytes_equal (bytes, again));
    }

  /* Beyond single precision: infinity (0x7F800000), which decodes as such. */
  {
    g_autoptr(GVariant) huge = g_variant_ref_sink (g_variant_new_double (1e39));
    g_autoptr(GBytes) bytes = hap_ble_value_encode (HAP_FORMAT_FLOAT, huge);
    g_autoptr(GVariant) back = NULL;

    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 4, ((const guint8[]) { 0x00, 0x00, 0x80, 0x7F }), 4);
    back = hap_ble_value_decode (HAP_FORMAT_FLOAT, g_bytes_get_data (bytes, NULL), 4, NULL);
    g_assert_true (isinf (g_variant_get_double (back)));
  }
}

static void
assert_decode_fails (HapFormat     format,
                     const guint8 *data,
                     gsize         len,
                     const char   *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = hap_ble_value_decode (format, data, len, &error);

  g_assert_null (value);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  if (strstr (error->message, message) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, message);
}

/* docs/protocol.md §5.5: exact sizes, bool 0/1 only, strings UTF-8 without NUL. */
static void
test_decode_errors (void)
{
  static const guint8 nine[9] = { 0 };
  static const struct { HapFormat format; gsize size; } sizes[] = {
    { HAP_FORMAT_BOOL, 1 }, { HAP_FORMAT_UINT8, 1 }, { HAP_FORMAT_UINT16, 2 },
    { HAP_FORMAT_UINT32, 4 }, { HAP_FORMAT_UINT64, 8 }, { HAP_FORMAT_INT, 4 },
    { HAP_FORMAT_FLOAT, 4 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *shorter = g_strdup_printf ("BLE %s value has %" G_GSIZE_FORMAT " bytes; it must have %" G_GSIZE_FORMAT,
                                                  hap_format_to_string (sizes[i].format), sizes[i].size - 1, sizes[i].size);
      g_autofree char *longer = g_strdup_printf ("BLE %s value has %" G_GSIZE_FORMAT " bytes; it must have %" G_GSIZE_FORMAT,
                                                 hap_format_to_string (sizes[i].format), sizes[i].size + 1, sizes[i].size);

      g_assert_cmpuint (hap_ble_format_get_size (sizes[i].format), ==, sizes[i].size);
      assert_decode_fails (sizes[i].format, nine, sizes[i].size - 1, shorter);
      assert_decode_fails (sizes[i].format, nine, sizes[i].size + 1, longer);
    }

  assert_decode_fails (HAP_FORMAT_BOOL, (const guint8[]) { 0x02 }, 1, "byte 0x02 is neither 0 nor 1");
  assert_decode_fails (HAP_FORMAT_BOOL, (const guint8[]) { 0xFF }, 1, "byte 0xFF");
  /* C3 must be followed by a continuation byte; 28 is '('. */
  assert_decode_fails (HAP_FORMAT_STRING, (const guint8[]) { 0x41, 0xC3, 0x28 }, 3, "not valid UTF-8 (or holds a NUL) at byte offset 1");
  assert_decode_fails (HAP_FORMAT_STRING, (const guint8[]) { 0x41, 0x00, 0x42 }, 3, "at byte offset 1");
  assert_decode_fails (HAP_FORMAT_STRING, (const guint8[]) { 0xC3 }, 1, "at byte offset 0");

  g_assert_cmpuint (hap_ble_format_get_size (HAP_FORMAT_STRING), ==, 0);
  g_assert_cmpuint (hap_ble_format_get_size (HAP_FORMAT_TLV8), ==, 0);
  g_assert_cmpuint (hap_ble_format_get_size (HAP_FORMAT_DATA), ==, 0);
}

/* docs/protocol.md §5.4: the properties bitfield from perms, by hand. */
static void
test_properties (void)
{
  HapPerms all = HAP_PERM_PAIRED_READ | HAP_PERM_PAIRED_WRITE | HAP_PERM_EVENTS | HAP_PERM_ADDITIONAL_AUTH |
                 HAP_PERM_TIMED_WRITE | HAP_PERM_HIDDEN | HAP_PERM_WRITE_RESPONSE | HAP_PERM_ADMIN_ONLY;

  /* On: pr 0x0010 | pw 0x0020 | ev 0x0080 | 0x0100 | broadcast 0x0200. */
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_PAIRED_READ | HAP_PERM_PAIRED_WRITE | HAP_PERM_EVENTS,
                                                  HAP_FORMAT_BOOL, FALSE, FALSE), ==, 0x03B0);
  /* Name: pr only. */
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_PAIRED_READ, HAP_FORMAT_STRING, FALSE, FALSE), ==, 0x0010);
  /* A string cannot be broadcast: pr | ev (connected, disconnected). */
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_PAIRED_READ | HAP_PERM_EVENTS, HAP_FORMAT_STRING,
                                                  FALSE, FALSE), ==, 0x0190);
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_EVENTS, HAP_FORMAT_DATA, FALSE, FALSE), ==, 0x0180);
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_EVENTS, HAP_FORMAT_TLV8, FALSE, FALSE), ==, 0x0180);
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_EVENTS, HAP_FORMAT_UINT64, FALSE, FALSE), ==, 0x0380);
  /* Every perm: aa 0x0004, tw 0x0008, hd 0x0040 too; wr and admin have no bit. */
  g_assert_cmphex (hap_ble_properties_from_perms (all, HAP_FORMAT_INT, FALSE, FALSE), ==, 0x03FC);
  /* Pair Setup on BLE: no paired perms, read and write without security. */
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_NONE, HAP_FORMAT_TLV8, TRUE, TRUE), ==, 0x0003);
  g_assert_cmphex (hap_ble_properties_from_perms (HAP_PERM_PAIRED_WRITE, HAP_FORMAT_BOOL, FALSE, TRUE), ==, 0x0022);

  g_assert_cmphex (hap_ble_properties_to_perms (0x03FF), ==,
                   all & ~(HAP_PERM_WRITE_RESPONSE | HAP_PERM_ADMIN_ONLY));
  g_assert_cmphex (hap_ble_properties_to_perms (0x0100), ==, HAP_PERM_EVENTS);
  g_assert_cmphex (hap_ble_properties_to_perms (0x0200), ==, HAP_PERM_EVENTS);
  g_assert_cmphex (hap_ble_properties_to_perms (0x0003), ==, HAP_PERM_NONE);
  g_assert_cmphex (hap_ble_properties_to_perms (0x0030), ==, HAP_PERM_PAIRED_READ | HAP_PERM_PAIRED_WRITE);

  g_assert_true (hap_ble_format_can_broadcast (HAP_FORMAT_FLOAT));
  g_assert_false (hap_ble_format_can_broadcast (HAP_FORMAT_STRING));
}

/* docs/protocol.md §5.5: format codes and units in the 7-byte descriptor. */
static void
test_presentation_format (void)
{
  static const struct { HapFormat format; guint8 code; } formats[] = {
    { HAP_FORMAT_BOOL, 0x01 }, { HAP_FORMAT_UINT8, 0x04 }, { HAP_FORMAT_UINT16, 0x06 },
    { HAP_FORMAT_UINT32, 0x08 }, { HAP_FORMAT_UINT64, 0x0A }, { HAP_FORMAT_INT, 0x10 },
    { HAP_FORMAT_FLOAT, 0x14 }, { HAP_FORMAT_STRING, 0x19 }, { HAP_FORMAT_TLV8, 0x1B },
    { HAP_FORMAT_DATA, 0x1B },
  };
  static const struct { const char *unit; guint16 code; } units[] = {
    { "celsius", 0x272F }, { "arcdegrees", 0x2763 }, { "percentage", 0x27AD },
    { "lux", 0x2731 }, { "seconds", 0x2703 },
  };
  /* float, exponent 0, celsius 0x272F LE, namespace 1, description 0. */
  static const guint8 celsius_float[] = { 0x14, 0x00, 0x2F, 0x27, 0x01, 0x00, 0x00 };
  guint8 out[HAP_BLE_PRESENTATION_FORMAT_LEN];
  HapFormat format;
  guint16 unit = 0;
  GError *error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_assert_cmphex (hap_ble_format_to_gatt (formats[i].format), ==, formats[i].code);
      g_assert_true (hap_ble_format_from_gatt (formats[i].code, &format));
      /* 0x1B is shared; the wire gives data. */
      g_assert_cmpint (format, ==, formats[i].format == HAP_FORMAT_TLV8 ? HAP_FORMAT_DATA : formats[i].format);
    }
  g_assert_false (hap_ble_format_from_gatt (0x00, &format));
  g_assert_false (hap_ble_format_from_gatt (0x02, &format));

  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    {
      g_assert_cmphex (hap_ble_unit_to_gatt (units[i].unit), ==, units[i].code);
      g_assert_cmpstr (hap_ble_unit_from_gatt (units[i].code), ==, units[i].unit);
    }
  g_assert_cmphex (hap_ble_unit_to_gatt (NULL), ==, 0x2700);
  g_assert_cmphex (hap_ble_unit_to_gatt ("fahrenheit"), ==, 0x2700);
  g_assert_null (hap_ble_unit_from_gatt (0x2700));
  g_assert_null (hap_ble_unit_from_gatt (0x2728));

  hap_ble_presentation_format_build (HAP_FORMAT_FLOAT, "celsius", out);
  g_assert_cmpmem (out, sizeof out, celsius_float, sizeof celsius_float);
  g_assert_true (hap_ble_presentation_format_parse (out, sizeof out, &format, &unit, &error));
  g_assert_no_error (error);
  g_assert_cmpint (format, ==, HAP_FORMAT_FLOAT);
  g_assert_cmphex (unit, ==, 0x272F);

  g_assert_false (hap_ble_presentation_format_parse (out, 6, &format, &unit, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "has 6 bytes; it must have 7"));
  g_clear_error (&error);

  out[0] = 0x05;
  g_assert_false (hap_ble_presentation_format_parse (out, sizeof out, &format, &unit, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "0x05 is not a HAP format"));
  g_clear_error (&error);

  out[0] = 0x14;
  out[1] = 0xFF;
  g_assert_false (hap_ble_presentation_format_parse (out, sizeof out, &format, &unit, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "exponent -1"));
  g_clear_error (&error);
}

/* docs/protocol.md §4.11: BLE carries UUIDs as the canonical bytes reversed. */
static void
test_uuid_bytes (void)
{
  /* 00000025-0000-1000-8000-0026BB765291 reversed. */
  static const guint8 on[] = {
    0x91, 0x52, 0x76, 0xBB, 0x26, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00, 0x00, 0x25, 0x00, 0x00, 0x00,
  };
  /* E604E95D-A759-4817-87D3-AA005083A0D1 (Service Instance ID, §5.1) reversed. */
  static const guint8 service_iid[] = {
    0xD1, 0xA0, 0x83, 0x50, 0x00, 0xAA, 0xD3, 0x87, 0x17, 0x48, 0x59, 0xA7, 0x5D, 0xE9, 0x04, 0xE6,
  };
  guint8 bytes[HAP_BLE_UUID_LEN];
  g_autofree char *on_uuid = NULL;
  g_autofree char *custom = NULL;
  g_autofree char *gatt = NULL;
  g_autofree char *gatt_custom = NULL;

  g_assert_true (hap_ble_uuid_to_bytes ("25", bytes));
  g_assert_cmpmem (bytes, sizeof bytes, on, sizeof on);
  g_assert_true (hap_ble_uuid_to_bytes ("00000025-0000-1000-8000-0026bb765291", bytes));
  g_assert_cmpmem (bytes, sizeof bytes, on, sizeof on);
  g_assert_true (hap_ble_uuid_to_bytes ("e604e95d-a759-4817-87d3-aa005083a0d1", bytes));
  g_assert_cmpmem (bytes, sizeof bytes, service_iid, sizeof service_iid);

  on_uuid = hap_ble_uuid_from_bytes (on);
  g_assert_cmpstr (on_uuid, ==, "00000025-0000-1000-8000-0026BB765291");
  custom = hap_ble_uuid_from_bytes (service_iid);
  g_assert_cmpstr (custom, ==, "E604E95D-A759-4817-87D3-AA005083A0D1");

  gatt = hap_ble_uuid_to_gatt ("3E");
  g_assert_cmpstr (gatt, ==, "0000003e-0000-1000-8000-0026bb765291");
  gatt_custom = hap_ble_uuid_to_gatt ("E604E95D-A759-4817-87D3-AA005083A0D1");
  g_assert_cmpstr (gatt_custom, ==, "e604e95d-a759-4817-87d3-aa005083a0d1");

  g_assert_false (hap_ble_uuid_to_bytes ("xyz", bytes));
  g_assert_false (hap_ble_uuid_to_bytes ("", bytes));
  g_assert_false (hap_ble_uuid_to_bytes ("E604E95D-A759-4817-87D3-AA005083A0D", bytes));
  g_assert_null (hap_ble_uuid_to_gatt ("not-a-uuid"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ble-value/encode-decode", test_encode_decode);
  g_test_add_func ("/ble-value/float-decimal", test_float_decimal);
  g_test_add_func ("/ble-value/decode-errors", test_decode_errors);
  g_test_add_func ("/ble-value/properties", test_properties);
  g_test_add_func ("/ble-value/presentation-format", test_presentation_format);
  g_test_add_func ("/ble-value/uuid-bytes", test_uuid_bytes);

  return g_test_run ();
}
