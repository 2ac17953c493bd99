/* test-ble-signature.c — Characteristic and Service Signature Read bodies
 * (docs/protocol.md §5.3–§5.6)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-accessory.h"
#include "hap-ble-pdu-private.h"
#include "hap-ble-signature-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"
#include "hap-tlv8-private.h"

#include <math.h>
#include <string.h>

/* 0000XXXX-0000-1000-8000-0026BB765291 in BLE order: the 16 bytes reversed
 * (docs/protocol.md §4.11), so the short id XX comes 13th, little-endian. */
#define APPLE_UUID(x) 0x91, 0x52, 0x76, 0xBB, 0x26, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00, 0x00, (x), 0x00, 0x00, 0x00

/* docs/protocol.md §5.3–§5.5 by hand. Each item is type ‖ length ‖ value. The properties
 * come from §5.4: pr 0x0010, pw 0x0020, ev 0x0080 + 0x0100 + broadcast 0x0200. */

/* On (25), bool, pr pw ev, in Lightbulb (43) iid 0x30; no unit, range or step. */
static const guint8 on_signature[] = {
  0x04, 0x10, APPLE_UUID (0x25),
  0x07, 0x02, 0x30, 0x00,
  0x06, 0x10, APPLE_UUID (0x43),
  0x0A, 0x02, 0xB0, 0x03,                        /* 0x03B0 */
  0x0B, 0x02, 'O', 'n',
  0x0C, 0x07, 0x01, 0x00, 0x00, 0x27, 0x01, 0x00, 0x00,  /* bool, unitless 0x2700 */
};

/* Brightness (08), int 0–100 step 1 percentage: the range as two LE32, step 1 left out. */
static const guint8 brightness_signature[] = {
  0x04, 0x10, APPLE_UUID (0x08),
  0x07, 0x02, 0x30, 0x00,
  0x06, 0x10, APPLE_UUID (0x43),
  0x0A, 0x02, 0xB0, 0x03,
  0x0B, 0x0A, 'B', 'r', 'i', 'g', 'h', 't', 'n', 'e', 's', 's',
  0x0C, 0x07, 0x10, 0x00, 0xAD, 0x27, 0x01, 0x00, 0x00,  /* int, percentage 0x27AD */
  0x0D, 0x08, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
};

/* Current Temperature (11), float, pr ev, celsius, in Temperature Sensor (8A) iid 0x50.
 * The catalog (HAP-NodeJS metadata, docs/protocol.md §6.2) gives −270 … 100 step 0.1:
 * −270.0f = 0xC3870000, 100.0f = 0x42C80000, 0.1f = 0x3DCCCCCD, each LE. */
static const guint8 temperature_signature[] = {
  0x04, 0x10, APPLE_UUID (0x11),
  0x07, 0x02, 0x50, 0x00,
  0x06, 0x10, APPLE_UUID (0x8A),
  0x0A, 0x02, 0x90, 0x03,                        /* pr | ev: 0x0010 | 0x0380 */
  0x0B, 0x13, 'C', 'u', 'r', 'r', 'e', 'n', 't', ' ', 'T', 'e', 'm', 'p', 'e', 'r', 'a', 't', 'u', 'r', 'e',
  0x0C, 0x07, 0x14, 0x00, 0x2F, 0x27, 0x01, 0x00, 0x00,  /* float, celsius 0x272F */
  0x0D, 0x08, 0x00, 0x00, 0x87, 0xC3, 0x00, 0x00, 0xC8, 0x42,
  0x0E, 0x04, 0xCD, 0xCC, 0xCC, 0x3D,
};

/* Name (23), string, pr, maxLen set to 32: range LE16 0 ‖ LE16 32. */
static const guint8 name_signature[] = {
  0x04, 0x10, APPLE_UUID (0x23),
  0x07, 0x02, 0x30, 0x00,
  0x06, 0x10, APPLE_UUID (0x43),
  0x0A, 0x02, 0x10, 0x00,
  0x0B, 0x04, 'N', 'a', 'm', 'e',
  0x0C, 0x07, 0x19, 0x00, 0x00, 0x27, 0x01, 0x00, 0x00,  /* string, unitless */
  0x0D, 0x04, 0x00, 0x00, 0x20, 0x00,
};

/* Target Heating Cooling State (33), uint8 0–3 step 1, valid values 0 1 2 3, pr pw ev,
 * in Thermostat (4A) iid 0x40: range as two bytes, step left out, 0x11 the values. */
static const guint8 heating_cooling_signature[] = {
  0x04, 0x10, APPLE_UUID (0x33),
  0x07, 0x02, 0x40, 0x00,
  0x06, 0x10, APPLE_UUID (0x4A),
  0x0A, 0x02, 0xB0, 0x03,
  0x0B, 0x1C, 'T', 'a', 'r', 'g', 'e', 't', ' ', 'H', 'e', 'a', 't', 'i', 'n', 'g', ' ',
              'C', 'o', 'o', 'l', 'i', 'n', 'g', ' ', 'S', 't', 'a', 't', 'e',
  0x0C, 0x07, 0x04, 0x00, 0x00, 0x27, 0x01, 0x00, 0x00,  /* uint8, unitless */
  0x0D, 0x02, 0x00, 0x03,
  0x11, 0x04, 0x00, 0x01, 0x02, 0x03,
};

typedef struct
{
  HapAccessory      *accessory;
  HapService        *lightbulb;    /* iid 0x30 */
  HapService        *thermostat;   /* iid 0x40 */
  HapService        *sensor;       /* iid 0x50 */
  HapCharacteristic *on, *brightness, *name, *heating_cooling, *temperature;
} Fixture;

static HapService *
add_service (HapAccessory *accessory,
             const char   *type,
             guint64       iid)
{
  HapService *service = hap_service_new (type);

  hap_service_set_iid (service, iid);
  hap_accessory_add_service (accessory, service);
  g_object_unref (service);
  return service;
}

static HapCharacteristic *
characteristic (HapService *service,
                const char *type,
                guint64     iid)
{
  HapCharacteristic *c = hap_service_get_characteristic (service, type);

  if (c == NULL)
    {
      c = hap_characteristic_new (type);
      hap_service_add_characteristic (service, c);
      g_object_unref (c);
    }
  hap_characteristic_set_iid (c, iid);
  return c;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->accessory = hap_accessory_new ("Test", 5);
  f->lightbulb = add_service (f->accessory, "Lightbulb", 0x30);
  f->thermostat = add_service (f->accessory, "Thermostat", 0x40);
  f->sensor = add_service (f->accessory, "TemperatureSensor", 0x50);
  f->on = characteristic (f->lightbulb, "On", 0x33);
  f->brightness = characteristic (f->lightbulb, "Brightness", 0x34);
  f->name = characteristic (f->lightbulb, "Name", 0x32);
  hap_characteristic_set_max_len (f->name, 32);
  f->heating_cooling = characteristic (f->thermostat, "TargetHeatingCoolingState", 0x42);
  f->temperature = characteristic (f->sensor, "CurrentTemperature", 0x52);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->accessory);
}

static GBytes *
build (HapCharacteristic *c)
{
  guint16 properties = hap_ble_properties_from_perms (hap_characteristic_get_perms (c),
                                                      hap_characteristic_get_format (c), FALSE, FALSE);

  return hap_ble_characteristic_signature_build (c, properties);
}

static void
assert_body (GBytes       *body,
             const guint8 *expected,
             gsize         len)
{
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), expected, len);
}

static void
test_build (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GBytes) on = build (f->on);
  g_autoptr(GBytes) brightness = build (f->brightness);
  g_autoptr(GBytes) temperature = build (f->temperature);
  g_autoptr(GBytes) name = build (f->name);
  g_autoptr(GBytes) heating_cooling = build (f->heating_cooling);

  assert_body (on, on_signature, sizeof on_signature);
  assert_body (brightness, brightness_signature, sizeof brightness_signature);
  assert_body (temperature, temperature_signature, sizeof temperature_signature);
  assert_body (name, name_signature, sizeof name_signature);
  assert_body (heating_cooling, heating_cooling_signature, sizeof heating_cooling_signature);
}

/* The controller's parse of the hand-written bodies. */
static void
test_parse (void)
{
  g_auto(HapBleCharacteristicSignature) on = { 0 };
  g_auto(HapBleCharacteristicSignature) brightness = { 0 };
  g_auto(HapBleCharacteristicSignature) temperature = { 0 };
  g_auto(HapBleCharacteristicSignature) name = { 0 };
  g_auto(HapBleCharacteristicSignature) hc = { 0 };
  GError *error = NULL;

  g_assert_true (hap_ble_characteristic_signature_parse (on_signature, sizeof on_signature, &on, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (on.type_uuid, ==, "00000025-0000-1000-8000-0026BB765291");
  g_assert_cmpuint (on.service_iid, ==, 0x30);
  g_assert_cmpstr (on.service_type_uuid, ==, "00000043-0000-1000-8000-0026BB765291");
  g_assert_cmphex (on.properties, ==, 0x03B0);
  g_assert_cmpint (on.format, ==, HAP_FORMAT_BOOL);
  g_assert_cmphex (on.unit_code, ==, 0x2700);
  g_assert_null (on.unit);
  g_assert_cmpstr (on.description, ==, "On");
  g_assert_true (isnan (on.min_value) && isnan (on.max_value) && isnan (on.min_step));
  g_assert_cmpint (on.max_len, ==, -1);
  g_assert_null (on.valid_values);
  g_assert_null (on.valid_ranges);

  g_assert_true (hap_ble_characteristic_signature_parse (brightness_signature, sizeof brightness_signature,
                                                         &brightness, &error));
  g_assert_cmpint (brightness.format, ==, HAP_FORMAT_INT);
  g_assert_cmpstr (brightness.unit, ==, "percentage");
  g_assert_cmpfloat (brightness.min_value, ==, 0);
  g_assert_cmpfloat (brightness.max_value, ==, 100);
  g_assert_true (isnan (brightness.min_step));

  g_assert_true (hap_ble_characteristic_signature_parse (temperature_signature, sizeof temperature_signature,
                                                         &temperature, &error));
  g_assert_cmpint (temperature.format, ==, HAP_FORMAT_FLOAT);
  g_assert_cmpstr (temperature.unit, ==, "celsius");
  g_assert_cmpuint (temperature.service_iid, ==, 0x50);
  g_assert_cmpfloat (temperature.min_value, ==, -270);
  g_assert_cmpfloat (temperature.max_value, ==, 100);
  g_assert_cmpfloat (temperature.min_step, ==, 0.1);

  g_assert_true (hap_ble_characteristic_signature_parse (name_signature, sizeof name_signature, &name, &error));
  g_assert_cmpint (name.format, ==, HAP_FORMAT_STRING);
  g_assert_cmpint (name.max_len, ==, 32);

  g_assert_true (hap_ble_characteristic_signature_parse (heating_cooling_signature,
                                                         sizeof heating_cooling_signature, &hc, &error));
  g_assert_cmpint (hc.format, ==, HAP_FORMAT_UINT8);
  g_assert_cmpfloat (hc.min_value, ==, 0);
  g_assert_cmpfloat (hc.max_value, ==, 3);
  g_assert_nonnull (hc.valid_values);
  g_assert_cmpuint (hc.valid_values->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (g_array_index (hc.valid_values, int, i), ==, (int) i);
  g_assert_no_error (error);
}

static HapService *
find_service (HapAccessory *accessory,
              guint64       iid)
{
  GPtrArray *services = hap_accessory_get_services (accessory);

  for (guint i = 0; i < services->len; i++)
    {
      if (hap_service_get_iid (g_ptr_array_index (services, i)) == iid)
        return g_ptr_array_index (services, i);
    }
  return NULL;
}

/* A controller rebuilds each characteristic from its signature; serving the rebuilt one
 * gives the very same signature, and the model keeps the constraints. */
static void
test_rebuild (Fixture       *f,
              gconstpointer  data)
{
  HapCharacteristic *originals[] = { f->on, f->brightness, f->name, f->heating_cooling, f->temperature };
  g_autoptr(HapAccessory) copy = hap_accessory_new ("Copy", 5);

  for (guint i = 0; i < G_N_ELEMENTS (originals); i++)
    {
      g_autoptr(GBytes) body = build (originals[i]);
      g_auto(HapBleCharacteristicSignature) sig = { 0 };
      g_autoptr(HapCharacteristic) rebuilt = NULL;
      g_autoptr(GBytes) again = NULL;
      g_autoptr(GError) error = NULL;
      HapService *service;

      g_assert_true (hap_ble_characteristic_signature_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                                             &sig, &error));
      g_assert_no_error (error);
      rebuilt = hap_ble_characteristic_signature_create (&sig, (guint16) hap_characteristic_get_iid (originals[i]));

      g_assert_cmpstr (hap_characteristic_get_type_uuid (rebuilt), ==, hap_characteristic_get_type_uuid (originals[i]));
      g_assert_cmpuint (hap_characteristic_get_iid (rebuilt), ==, hap_characteristic_get_iid (originals[i]));
      g_assert_cmpint (hap_characteristic_get_format (rebuilt), ==, hap_characteristic_get_format (originals[i]));
      /* wr and admin-only have no BLE bit; the catalog perms here have neither. */
      g_assert_cmphex (hap_characteristic_get_perms (rebuilt), ==, hap_characteristic_get_perms (originals[i]));
      g_assert_cmpstr (hap_characteristic_get_unit (rebuilt), ==, hap_characteristic_get_unit (originals[i]));
      g_assert_cmpstr (hap_characteristic_get_description (rebuilt), ==,
                       hap_characteristic_get_description (originals[i]));

      service = find_service (copy, sig.service_iid);
      if (service == NULL)
        {
          service = hap_service_new_custom (sig.service_type_uuid);
          hap_service_set_iid (service, sig.service_iid);
          hap_accessory_add_service (copy, service);
          g_object_unref (service);
        }
      g_assert_cmpstr (hap_service_get_type_uuid (service), ==, sig.service_type_uuid);
      hap_service_add_characteristic (service, rebuilt);

      again = build (rebuilt);
      g_assert_true (g_bytes_equal (again, body));
    }

  /* The model enforces what BLE carried. */
  {
    HapCharacteristic *hc = hap_accessory_get_characteristic_by_iid (copy, 0x42);
    HapCharacteristic *name = hap_accessory_get_characteristic_by_iid (copy, 0x32);
    HapCharacteristic *temp = hap_accessory_get_characteristic_by_iid (copy, 0x52);
    g_autofree char *long_name = g_strnfill (33, 'x');
    g_autoptr(GVariant) v4 = g_variant_ref_sink (g_variant_new_byte (4));
    g_autoptr(GVariant) v2 = g_variant_ref_sink (g_variant_new_byte (2));
    g_autoptr(GVariant) too_long = g_variant_ref_sink (g_variant_new_string (long_name));
    g_autoptr(GVariant) off_grid = g_variant_ref_sink (g_variant_new_double (21.25));
    g_autoptr(GVariant) on_grid = g_variant_ref_sink (g_variant_new_double (21.3));

    g_assert_false (hap_characteristic_validate (hc, v4, NULL));
    g_assert_true (hap_characteristic_validate (hc, v2, NULL));
    g_assert_false (hap_characteristic_validate (name, too_long, NULL));
    g_assert_false (hap_characteristic_validate (temp, off_grid, NULL));
    g_assert_true (hap_characteristic_validate (temp, on_grid, NULL));
  }
}

/* Ranges and steps of other formats, and what is left out. */
static void
test_constraints (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(HapCharacteristic) u16 = hap_characteristic_new_custom ("A0000001-0000-1000-8000-000000000001",
                                                                    HAP_FORMAT_UINT16, HAP_PERM_PAIRED_READ);
  g_autoptr(HapCharacteristic) u64 = hap_characteristic_new_custom ("A0000001-0000-1000-8000-000000000002",
                                                                    HAP_FORMAT_UINT64, HAP_PERM_PAIRED_READ);
  g_autoptr(HapCharacteristic) u8 = hap_characteristic_new_custom ("A0000001-0000-1000-8000-000000000003",
                                                                   HAP_FORMAT_UINT8, HAP_PERM_PAIRED_READ);
  g_autoptr(HapCharacteristic) fl = hap_characteristic_new_custom ("A0000001-0000-1000-8000-000000000004",
                                                                   HAP_FORMAT_FLOAT, HAP_PERM_PAIRED_READ);
  g_autoptr(HapCharacteristic) data_c = hap_characteristic_new_custom ("A0000001-0000-1000-8000-000000000005",
                                                                       HAP_FORMAT_DATA, HAP_PERM_PAIRED_READ);
  static const int values[] = { 9, 3, 3, 300, 1 };
  static const int ranges[] = { 20, 30, 5, 7, 200, 400 };
  HapCharacteristic *all[] = { u16, u64, u8, fl, data_c };

  hap_characteristic_set_description (u16, "");   /* empty: left out */
  hap_characteristic_set_min_value (u16, 10);
  hap_characteristic_set_min_step (u16, 5);
  hap_characteristic_set_max_value (u8, 255);      /* 0 … 255 is natural: no range */
  hap_characteristic_set_valid_values (u8, values, G_N_ELEMENTS (values));
  hap_characteristic_set_valid_values_range (u8, ranges, G_N_ELEMENTS (ranges) / 2);
  hap_characteristic_set_max_value (fl, 50);       /* min unset: −infinity */

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    hap_service_add_characteristic (f->lightbulb, all[i]);

  {
    g_autoptr(GBytes) body = build (u16);
    g_autoptr(HapTlv8) tlv = hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);
    gsize len = 0;
    const guint8 *range = hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_RANGE, &len);
    const guint8 *step;

    g_assert_null (hap_tlv8_get (tlv, HAP_BLE_PARAM_USER_DESCRIPTION, NULL));
    /* 10 … 65535 (max unset: natural), LE16 each; step 5. */
    g_assert_cmpmem (range, len, ((const guint8[]) { 0x0A, 0x00, 0xFF, 0xFF }), 4);
    step = hap_tlv8_get (tlv, HAP_BLE_PARAM_STEP_VALUE, &len);
    g_assert_cmpmem (step, len, ((const guint8[]) { 0x05, 0x00 }), 2);
  }
  {
    g_autoptr(GBytes) body = build (u64);
    g_autoptr(HapTlv8) tlv = hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);

    g_assert_null (hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_RANGE, NULL));
    g_assert_null (hap_tlv8_get (tlv, HAP_BLE_PARAM_STEP_VALUE, NULL));
  }
  {
    g_autoptr(GBytes) body = build (u8);
    g_autoptr(HapTlv8) tlv = hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);
    gsize len = 0;
    const guint8 *v = hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_VALUES, &len);
    const guint8 *r;

    g_assert_null (hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_RANGE, NULL));
    /* Sorted, without the duplicate 3 and without 300. */
    g_assert_cmpmem (v, len, ((const guint8[]) { 1, 3, 9 }), 3);
    r = hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_VALUES_RANGE, &len);
    /* Sorted by start, without 200–400 which does not fit a byte. */
    g_assert_cmpmem (r, len, ((const guint8[]) { 5, 7, 20, 30 }), 4);
  }
  {
    g_autoptr(GBytes) body = build (fl);
    g_autoptr(HapTlv8) tlv = hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);
    gsize len = 0;
    const guint8 *range = hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_RANGE, &len);
    g_auto(HapBleCharacteristicSignature) sig = { 0 };

    /* −infinity 0xFF800000 ‖ 50.0f 0x42480000. */
    g_assert_cmpmem (range, len, ((const guint8[]) { 0x00, 0x00, 0x80, 0xFF, 0x00, 0x00, 0x48, 0x42 }), 8);
    g_assert_true (hap_ble_characteristic_signature_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                                           &sig, NULL));
    g_assert_true (isnan (sig.min_value));
    g_assert_cmpfloat (sig.max_value, ==, 50);
    g_assert_true (isnan (sig.min_step));
  }
  {
    g_autoptr(GBytes) body = build (data_c);
    g_autoptr(HapTlv8) tlv = hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);

    g_assert_null (hap_tlv8_get (tlv, HAP_BLE_PARAM_VALID_RANGE, NULL));
    g_assert_null (hap_tlv8_get (tlv, HAP_BLE_PARAM_USER_DESCRIPTION, NULL));
  }
}

/* tlv8 and data share code 0x1B: the catalog tells Pair Setup (4C) is tlv8. */
static void
test_opaque_formats (void)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();
  guint8 uuid[HAP_BLE_UUID_LEN];
  guint8 presentation[HAP_BLE_PRESENTATION_FORMAT_LEN];
  g_auto(HapBleCharacteristicSignature) pair_setup = { 0 };
  g_auto(HapBleCharacteristicSignature) custom = { 0 };

  hap_ble_uuid_to_bytes ("4C", uuid);
  hap_tlv8_append (body, HAP_BLE_PARAM_CHARACTERISTIC_TYPE, uuid, sizeof uuid);
  hap_ble_tlv_append_le16 (body, HAP_BLE_PARAM_SERVICE_IID, 0x20);
  hap_ble_uuid_to_bytes ("55", uuid);
  hap_tlv8_append (body, HAP_BLE_PARAM_SERVICE_TYPE, uuid, sizeof uuid);
  hap_ble_tlv_append_le16 (body, HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES, 0x0003);
  hap_ble_presentation_format_build (HAP_FORMAT_TLV8, NULL, presentation);
  hap_tlv8_append (body, HAP_BLE_PARAM_PRESENTATION_FORMAT, presentation, sizeof presentation);

  g_assert_true (hap_ble_characteristic_signature_parse (body->data, body->len, &pair_setup, NULL));
  g_assert_cmpint (pair_setup.format, ==, HAP_FORMAT_TLV8);
  g_assert_cmphex (pair_setup.properties, ==, 0x0003);

  /* The same body for a vendor type is data. */
  hap_ble_uuid_to_bytes ("A0000001-0000-1000-8000-000000000009", uuid);
  memcpy (body->data + 2, uuid, sizeof uuid);
  g_assert_true (hap_ble_characteristic_signature_parse (body->data, body->len, &custom, NULL));
  g_assert_cmpint (custom.format, ==, HAP_FORMAT_DATA);
}

typedef struct
{
  const char *name;
  guint8      drop;          /* item type left out of the base body, or 0 */
  guint8      extra_type;    /* item appended (replacing one of that type), or 0 */
  const char *extra;         /* its bytes */
  gsize       extra_len;
  HapFormat   format;        /* presentation format of the base body */
  const char *message;
} BadSignature;

static const BadSignature bad_signatures[] = {
  { "no-type", 0x04, 0, NULL, 0, HAP_FORMAT_UINT8, "lacks its characteristic type (type 0x04)" },
  { "no-service-iid", 0x07, 0, NULL, 0, HAP_FORMAT_UINT8, "lacks its service instance ID" },
  { "no-service-type", 0x06, 0, NULL, 0, HAP_FORMAT_UINT8, "lacks its service type" },
  { "no-properties", 0x0A, 0, NULL, 0, HAP_FORMAT_UINT8, "lacks its properties" },
  { "no-format", 0x0C, 0, NULL, 0, HAP_FORMAT_UINT8, "lacks its presentation format" },
  { "short-type", 0, 0x04, "\x01\x02\x03", 3, HAP_FORMAT_UINT8, "characteristic type (type 0x04) has 3 bytes; it must have 16" },
  { "long-properties", 0, 0x0A, "\x10\x00\x00", 3, HAP_FORMAT_UINT8, "properties (type 0x0A) has 3 bytes" },
  { "bad-format-code", 0, 0x0C, "\x02\x00\x00\x27\x01\x00\x00", 7, HAP_FORMAT_UINT8, "0x02 is not a HAP format" },
  { "range-size", 0, 0x0D, "\x00\x00\x64\x00", 4, HAP_FORMAT_UINT8, "uint8 valid range (type 0x0D) has 4 bytes; it must have 2" },
  { "range-reversed", 0, 0x0D, "\x05\x01", 2, HAP_FORMAT_UINT8, "minimum above its maximum" },
  { "range-on-bool", 0, 0x0D, "\x00\x01", 2, HAP_FORMAT_BOOL, "A bool characteristic cannot have a valid range" },
  { "range-nan", 0, 0x0D, "\x00\x00\xC0\x7F\x00\x00\x80\x3F", 8, HAP_FORMAT_FLOAT, "holds a NaN" },
  { "string-range-size", 0, 0x0D, "\x00\x00\x20", 3, HAP_FORMAT_STRING, "String valid range (type 0x0D) has 3 bytes" },
  { "string-max-len-0", 0, 0x0D, "\x00\x00\x00\x00", 4, HAP_FORMAT_STRING, "maximum length of 0" },
  { "step-size", 0, 0x0E, "\x01\x00", 2, HAP_FORMAT_UINT8, "uint8 step value (type 0x0E) has 2 bytes" },
  { "step-negative", 0, 0x0E, "\xFE\xFF\xFF\xFF", 4, HAP_FORMAT_INT, "negative or not finite" },
  { "step-on-string", 0, 0x0E, "\x01", 1, HAP_FORMAT_STRING, "A string characteristic cannot have a step value" },
  { "values-on-float", 0, 0x11, "\x01\x02", 2, HAP_FORMAT_FLOAT, "A float characteristic cannot have valid values" },
  { "ranges-odd", 0, 0x12, "\x01\x02\x03", 3, HAP_FORMAT_UINT8, "odd length (3)" },
  { "ranges-reversed", 0, 0x12, "\x01\x02\x09\x03", 4, HAP_FORMAT_UINT8, "Valid value range 9-3 (type 0x12) is reversed" },
  { "description-not-utf8", 0, 0x0B, "\xC3\x28", 2, HAP_FORMAT_UINT8, "not UTF-8" },
  { "truncated-tlv", 0, 0x0B, NULL, 0, HAP_FORMAT_UINT8, "declares" },
};

static void
test_parse_errors (gconstpointer data)
{
  const BadSignature *bad = data;
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_auto(HapBleCharacteristicSignature) sig = { 0 };
  g_autoptr(GError) error = NULL;
  guint8 uuid[HAP_BLE_UUID_LEN];
  guint8 presentation[HAP_BLE_PRESENTATION_FORMAT_LEN];
  const guint8 items[] = { 0x04, 0x07, 0x06, 0x0A, 0x0C };

  hap_ble_uuid_to_bytes ("A0000001-0000-1000-8000-00000000000A", uuid);
  hap_ble_presentation_format_build (bad->format, NULL, presentation);
  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    {
      if (items[i] == bad->drop || items[i] == bad->extra_type)
        continue;
      switch (items[i])
        {
        case 0x04: hap_tlv8_append (body, 0x04, uuid, sizeof uuid); break;
        case 0x07: hap_ble_tlv_append_le16 (body, 0x07, 1); break;
        case 0x06: hap_tlv8_append (body, 0x06, uuid, sizeof uuid); break;
        case 0x0A: hap_ble_tlv_append_le16 (body, 0x0A, 0x0010); break;
        case 0x0C: hap_tlv8_append (body, 0x0C, presentation, sizeof presentation); break;
        default: g_assert_not_reached ();
        }
    }
  if (bad->extra != NULL)
    hap_tlv8_append (body, bad->extra_type, (const guint8 *) bad->extra, bad->extra_len);
  else if (bad->extra_type != 0)
    {
      /* An item header that claims 5 bytes with only 1 present. */
      g_byte_array_append (body, (const guint8[]) { bad->extra_type, 5, 'x' }, 3);
    }

  g_assert_false (hap_ble_characteristic_signature_parse (body->data, body->len, &sig, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  if (strstr (error->message, bad->message) == NULL)
    g_error ("%s: message \"%s\" lacks \"%s\"", bad->name, error->message, bad->message);
}

/* docs/protocol.md §5.6: Service Signature Read bodies, by hand. */
static void
test_service_signature (Fixture       *f,
                        gconstpointer  data)
{
  /* Not primary, nothing linked: only an empty 0x10. */
  static const guint8 plain[] = { 0x10, 0x00 };
  /* Primary (0x0001), linked to iids 0x40 and 0x50. */
  static const guint8 primary_linked[] = { 0x0F, 0x02, 0x01, 0x00, 0x10, 0x04, 0x40, 0x00, 0x50, 0x00 };
  /* Protocol Information: supports configuration (0x0004). */
  static const guint8 configurable[] = { 0x0F, 0x02, 0x04, 0x00, 0x10, 0x00 };
  /* Hidden (0x0002), nothing linked. */
  static const guint8 hidden[] = { 0x0F, 0x02, 0x02, 0x00, 0x10, 0x00 };
  g_autoptr(GBytes) a = NULL, b = NULL, c = NULL, d = NULL, e = NULL;

  hap_service_set_primary (f->lightbulb, FALSE);
  a = hap_ble_service_signature_build (f->lightbulb, FALSE);
  assert_body (a, plain, sizeof plain);
  b = hap_ble_service_signature_build (NULL, FALSE);
  assert_body (b, plain, sizeof plain);

  hap_service_set_primary (f->lightbulb, TRUE);
  hap_service_add_linked_service (f->lightbulb, f->thermostat);
  hap_service_add_linked_service (f->lightbulb, f->sensor);
  c = hap_ble_service_signature_build (f->lightbulb, FALSE);
  assert_body (c, primary_linked, sizeof primary_linked);

  d = hap_ble_service_signature_build (f->thermostat, TRUE);
  assert_body (d, configurable, sizeof configurable);
  hap_service_set_hidden (f->sensor, TRUE);
  e = hap_ble_service_signature_build (f->sensor, FALSE);
  assert_body (e, hidden, sizeof hidden);

  /* A controller applies the parsed signature to its own copy of the services. */
  {
    g_autoptr(HapAccessory) copy = hap_accessory_new ("Copy", 5);
    HapService *l = add_service (copy, "Lightbulb", 0x30);
    HapService *t = add_service (copy, "Thermostat", 0x40);
    HapService *s = add_service (copy, "TemperatureSensor", 0x50);
    g_auto(HapBleServiceSignature) sig = { 0 };
    g_autoptr(GError) error = NULL;
    GPtrArray *links;

    hap_service_set_primary (l, FALSE);
    g_assert_true (hap_ble_service_signature_parse (primary_linked, sizeof primary_linked, &sig, &error));
    g_assert_no_error (error);
    g_assert_cmphex (sig.properties, ==, HAP_BLE_SERVICE_PROPERTY_PRIMARY);
    g_assert_cmpuint (sig.linked_iids->len, ==, 2);
    g_assert_true (hap_ble_service_signature_apply (&sig, l, &error));
    g_assert_no_error (error);
    g_assert_true (hap_service_get_primary (l));
    g_assert_false (hap_service_get_hidden (l));
    links = hap_service_get_linked_services (l);
    g_assert_cmpuint (links->len, ==, 2);
    g_assert_true (g_ptr_array_index (links, 0) == t);
    g_assert_true (g_ptr_array_index (links, 1) == s);

    /* A link to a missing or to the service itself changes nothing. */
    g_array_index (sig.linked_iids, guint16, 1) = 0x99;
    g_assert_false (hap_ble_service_signature_apply (&sig, s, &error));
    g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "iid 153 matches no service"));
    g_clear_error (&error);
    g_assert_false (hap_service_get_primary (s));
    g_assert_cmpuint (hap_service_get_linked_services (s)->len, ==, 0);
    g_array_index (sig.linked_iids, guint16, 1) = 0x50;
    g_assert_false (hap_ble_service_signature_apply (&sig, s, &error));
    g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "iid 80 links to itself"));
    g_assert_cmpuint (hap_service_get_linked_services (s)->len, ==, 0);
  }
}

static void
test_service_signature_parse (void)
{
  g_auto(HapBleServiceSignature) empty = { 0 };
  g_auto(HapBleServiceSignature) odd = { 0 };
  g_auto(HapBleServiceSignature) wide = { 0 };
  g_auto(HapBleServiceSignature) truncated = { 0 };
  GError *error = NULL;

  /* Nothing at all: defaults (ADK answer to an unknown iid is just an empty 0x10). */
  g_assert_true (hap_ble_service_signature_parse (NULL, 0, &empty, &error));
  g_assert_no_error (error);
  g_assert_cmphex (empty.properties, ==, 0);
  g_assert_cmpuint (empty.linked_iids->len, ==, 0);

  g_assert_false (hap_ble_service_signature_parse ((const guint8[]) { 0x10, 0x03, 1, 0, 2 }, 5, &odd, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "odd length (3)"));
  g_clear_error (&error);

  g_assert_false (hap_ble_service_signature_parse ((const guint8[]) { 0x0F, 0x01, 1 }, 3, &wide, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "have 1 bytes; they must have 2"));
  g_clear_error (&error);

  g_assert_false (hap_ble_service_signature_parse ((const guint8[]) { 0x0F, 0x02, 1 }, 3, &truncated, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/ble-signature/build", Fixture, NULL, fixture_set_up, test_build, fixture_tear_down);
  g_test_add_func ("/ble-signature/parse", test_parse);
  g_test_add ("/ble-signature/rebuild", Fixture, NULL, fixture_set_up, test_rebuild, fixture_tear_down);
  g_test_add ("/ble-signature/constraints", Fixture, NULL, fixture_set_up, test_constraints, fixture_tear_down);
  g_test_add_func ("/ble-signature/opaque-formats", test_opaque_formats);
  for (guint i = 0; i < G_N_ELEMENTS (bad_signatures); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ble-signature/parse-errors/%s", bad_signatures[i].name);
      g_test_add_data_func (path, &bad_signatures[i], test_parse_errors);
    }
  g_test_add ("/ble-signature/service", Fixture, NULL, fixture_set_up, test_service_signature, fixture_tear_down);
  g_test_add_func ("/ble-signature/service-parse", test_service_signature_parse);

  return g_test_run ();
}
