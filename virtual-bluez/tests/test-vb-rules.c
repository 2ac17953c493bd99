/* test-vb-rules.c — the pure rules of hap-virtual-bluez: UUIDs, ATT error mappings,
 *                   flags, advertising payloads, GATT parsing and handle allocation
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "vb-ad.h"
#include "vb-att.h"
#include "vb-error.h"
#include "vb-gatt-db.h"
#include "vb-uuid.h"

#define HAP_UUID(short) short "-0000-1000-8000-0026bb765291"

static void
test_uuid_forms (void)
{
  char full[VB_UUID_STRLEN];
  guint8 wire[16];

  g_assert_cmpint (vb_uuid_parse ("180D", full), ==, VB_UUID_16);
  g_assert_cmpstr (full, ==, "0000180d-0000-1000-8000-00805f9b34fb");
  g_assert_cmpint (vb_uuid_parse ("0000180d", full), ==, VB_UUID_32);
  g_assert_cmpint (vb_uuid_parse ("E604E95D-A759-4817-87D3-AA005083A0D1", full), ==, VB_UUID_128);
  g_assert_cmpstr (full, ==, "e604e95d-a759-4817-87d3-aa005083a0d1");
  g_assert_cmpint (vb_uuid_parse ("180", full), ==, VB_UUID_INVALID);
  g_assert_cmpint (vb_uuid_parse ("e604e95d-a759-4817-87d3_aa005083a0d1", full), ==, VB_UUID_INVALID);
  g_assert_cmpint (vb_uuid_parse (NULL, full), ==, VB_UUID_INVALID);
  g_assert_true (vb_uuid_is_u16 ("00002902-0000-1000-8000-00805f9b34fb", 0x2902));

  /* Advertising keeps the written form: a full base UUID stays 128-bit on air. */
  g_assert_cmpuint (vb_uuid_to_wire ("180D", wire), ==, 2);
  g_assert_cmpuint (wire[0], ==, 0x0d);
  g_assert_cmpuint (wire[1], ==, 0x18);
  g_assert_cmpuint (vb_uuid_to_wire ("0000180d-0000-1000-8000-00805f9b34fb", wire), ==, 16);
  g_assert_cmpuint (wire[0], ==, 0xfb);
  g_assert_cmpuint (wire[12], ==, 0x0d);
  g_assert_cmpuint (wire[13], ==, 0x18);
}

static void
test_app_errors (void)
{
  /* dbus_error_to_att_ecode() of 5.66, docs/bluez.md §1.1. */
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.Failed", "0x80", 2), ==, 0x80);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.Failed", "0x9f", 2), ==, 0x9f);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.Failed", "129", 2), ==, 0x81);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.Failed", "0xa0", 2), ==, VB_ATT_UNLIKELY);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.Failed", "broken", 2), ==, 0x80);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.NotSupported", "", 2), ==, 0x06);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.NotAuthorized", "", 2), ==, 0x08);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.InvalidValueLength", "", 2), ==, 0x0d);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.InvalidOffset", "", 2), ==, 0x07);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.InProgress", "", 2), ==, 0xfe);
  g_assert_cmpuint (vb_att_error_from_app ("org.bluez.Error.NotPermitted", "", 0x03), ==, 0x03);
  g_assert_cmpuint (vb_att_error_from_app ("com.example.Error", "0x80", 2), ==, VB_ATT_UNLIKELY);
  g_assert_cmpuint (vb_att_error_from_app (NULL, NULL, 2), ==, VB_ATT_UNLIKELY);
}

static void
check_client_error (guint8 att, VbError code, const char *message)
{
  g_autoptr(GError) error = vb_att_error_to_client (att);

  g_assert_error (error, VB_ERROR, (gint) code);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_client_errors (void)
{
  /* gatt-client.c create_gatt_dbus_error(). */
  check_client_error (0x02, VB_ERROR_NOT_PERMITTED, "Read not permitted");
  check_client_error (0x03, VB_ERROR_NOT_PERMITTED, "Write not permitted");
  check_client_error (0x05, VB_ERROR_NOT_PERMITTED, "Not paired");
  check_client_error (0x0f, VB_ERROR_NOT_PERMITTED, "Not paired");
  check_client_error (0x07, VB_ERROR_INVALID_ARGUMENTS, "Invalid offset");
  check_client_error (0x0d, VB_ERROR_INVALID_ARGUMENTS, "Invalid Length");
  check_client_error (0x06, VB_ERROR_NOT_SUPPORTED, "Operation is not supported");
  check_client_error (0x81, VB_ERROR_FAILED, "Operation failed with ATT error: 0x81");
  check_client_error (0x0e, VB_ERROR_FAILED, "Operation failed with ATT error: 0x0e");
}

static void
test_flags (void)
{
  const char *const hap[] = { "read", "write", "indicate", NULL };
  const char *const encrypted[] = { "encrypt-read", NULL };
  const char *const bogus[] = { "read", "sparkle", NULL };
  const char *const empty[] = { NULL };
  const char *const desc_write[] = { "write", "authorize", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) shown = NULL;
  g_autofree char *shown_text = NULL;
  guint8 props, ext;
  guint32 perm;
  gboolean authorize;

  g_assert_true (vb_att_parse_chrc_flags (hap, &props, &ext, &perm, &authorize, &error));
  g_assert_cmphex (props, ==, VB_PROP_READ | VB_PROP_WRITE | VB_PROP_INDICATE);
  g_assert_cmphex (ext, ==, 0);
  g_assert_cmphex (perm, ==, VB_PERM_READ | VB_PERM_WRITE);
  shown = g_variant_ref_sink (vb_att_client_flags (props, ext));
  shown_text = g_variant_print (shown, FALSE);
  g_assert_cmpstr (shown_text, ==, "['read', 'write', 'indicate']");

  /* Encryption sets extended-property bits (hence a CEP) and needs pairing. */
  g_assert_true (vb_att_parse_chrc_flags (encrypted, &props, &ext, &perm, &authorize, &error));
  g_assert_cmphex (props, ==, VB_PROP_READ | VB_PROP_EXT_PROP);
  g_assert_cmphex (ext, !=, 0);
  g_assert_cmpuint (vb_att_check_permissions (perm, FALSE), ==, VB_ATT_INSUFFICIENT_ENCRYPTION);
  g_assert_cmpuint (vb_att_check_permissions (perm, TRUE), ==, VB_ATT_WRITE_NOT_PERMITTED);
  g_assert_cmpuint (vb_att_check_permissions (0, TRUE), ==, VB_ATT_OK);

  g_assert_false (vb_att_parse_chrc_flags (bogus, &props, &ext, &perm, &authorize, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (vb_att_parse_chrc_flags (empty, &props, &ext, &perm, &authorize, &error));
  g_clear_error (&error);
  g_assert_true (vb_att_parse_desc_flags (desc_write, &perm, &authorize, &error));
  g_assert_true (authorize);
  g_assert_cmphex (perm, ==, VB_PERM_WRITE);
}

/* ---- advertising ---- */

static GVariant *
hap_advert (const char *type, gsize manufacturer_len, const char *name)
{
  GVariantBuilder props, manufacturer;
  g_autofree guint8 *data = g_malloc0 (manufacturer_len);

  g_variant_builder_init (&manufacturer, G_VARIANT_TYPE ("a{qv}"));
  g_variant_builder_add (&manufacturer, "{qv}", (guint16) 0x004c,
                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, data, manufacturer_len, 1));
  g_variant_builder_init (&props, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&props, "{sv}", "Type", g_variant_new_string (type));
  g_variant_builder_add (&props, "{sv}", "ManufacturerData", g_variant_builder_end (&manufacturer));
  if (name != NULL)
    g_variant_builder_add (&props, "{sv}", "LocalName", g_variant_new_string (name));
  g_variant_builder_add (&props, "{sv}", "MinInterval", g_variant_new_uint32 (20));
  return g_variant_ref_sink (g_variant_builder_end (&props));
}

static gboolean
build (GVariant *props, gboolean discoverable, VbAdPayload *payload, GError **error)
{
  VbAdData ad;
  gboolean ok;

  vb_ad_data_init (&ad);
  ok = vb_ad_parse (props, FALSE, &ad, error) && vb_ad_build (&ad, discoverable, "alias", payload, error);
  vb_ad_data_clear (&ad);
  return ok;
}

static void
test_advert_payload (void)
{
  g_autoptr(GVariant) props = hap_advert ("peripheral", 17, "Lamp");
  g_autoptr(GError) error = NULL;
  VbAdPayload payload = { NULL, NULL, 0 };
  const guint8 *air;
  gsize len;
  g_autofree char *name = NULL;

  g_assert_true (build (props, TRUE, &payload, &error));
  air = g_bytes_get_data (payload.adv_data, &len);
  /* Flags 0x06, then the Apple manufacturer field: 3 + 4 + 17 bytes. */
  g_assert_cmpuint (len, ==, 24);
  g_assert_cmpmem (air, 7, ((const guint8[]) { 0x02, 0x01, 0x06, 0x14, 0xff, 0x4c, 0x00 }), 7);
  name = vb_ad_payload_name (&payload);
  g_assert_cmpstr (name, ==, "Lamp");
  vb_ad_payload_clear (&payload);

  g_assert_true (build (props, FALSE, &payload, &error));
  g_assert_cmpuint (payload.flags, ==, 0x04);
  vb_ad_payload_clear (&payload);
}

static void
test_advert_limits (void)
{
  g_autoptr(GVariant) fits = hap_advert ("peripheral", 24, NULL);       /* 3 + 28 = 31 */
  g_autoptr(GVariant) too_long = hap_advert ("peripheral", 25, NULL);
  g_autoptr(GVariant) long_name = hap_advert ("peripheral", 2, "A name far longer than thirty-one bytes");
  g_autoptr(GVariant) bad_type = hap_advert ("central", 2, NULL);
  g_autoptr(GError) error = NULL;
  VbAdPayload payload = { NULL, NULL, 0 };
  g_autofree char *name = NULL;

  g_assert_true (build (fits, TRUE, &payload, &error));
  g_assert_cmpuint (g_bytes_get_size (payload.adv_data), ==, 31);
  vb_ad_payload_clear (&payload);

  /* bluetoothd's rule (calc_max_adv_len) first, when discoverable. */
  g_assert_false (build (too_long, TRUE, &payload, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Failed to parse advertisement."));
  g_clear_error (&error);
  /* Not discoverable: bluetoothd lets 29 bytes through, the kernel's Flags do not fit. */
  g_assert_false (build (too_long, FALSE, &payload, &error));
  g_assert_true (g_str_has_prefix (error->message, "Failed to register advertisement"));
  g_clear_error (&error);

  /* A name that does not fit the scan response is shortened. */
  g_assert_true (build (long_name, TRUE, &payload, &error));
  name = vb_ad_payload_name (&payload);
  g_assert_cmpuint (strlen (name), ==, 29);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (payload.scan_response, NULL))[1], ==, 0x08);
  vb_ad_payload_clear (&payload);

  g_assert_false (build (bad_type, TRUE, &payload, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
}

static void
test_advert_properties (void)
{
  GVariantBuilder props;
  g_autoptr(GVariant) both_names = NULL;
  g_autoptr(GVariant) not_bytes = NULL;
  g_autoptr(GVariant) fast = hap_advert ("peripheral", 2, NULL);
  g_autoptr(GError) error = NULL;
  VbAdData ad;

  g_variant_builder_init (&props, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&props, "{sv}", "Type", g_variant_new_string ("peripheral"));
  g_variant_builder_add (&props, "{sv}", "Includes", g_variant_new_strv ((const char *[]) { "local-name", NULL }, -1));
  g_variant_builder_add (&props, "{sv}", "LocalName", g_variant_new_string ("x"));
  both_names = g_variant_ref_sink (g_variant_builder_end (&props));
  vb_ad_data_init (&ad);
  g_assert_false (vb_ad_parse (both_names, FALSE, &ad, &error));
  g_assert_nonnull (strstr (error->message, "Local name already included"));
  g_clear_error (&error);
  vb_ad_data_clear (&ad);

  g_variant_builder_init (&props, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&props, "{sv}", "ManufacturerData",
                         g_variant_new_parsed ("{uint16 76: <'not bytes'>}"));
  not_bytes = g_variant_ref_sink (g_variant_builder_end (&props));
  vb_ad_data_init (&ad);
  g_assert_false (vb_ad_parse (not_bytes, FALSE, &ad, &error));
  g_clear_error (&error);
  vb_ad_data_clear (&ad);

  /* Intervals: recorded; applied (and range-checked) only like bluetoothd -E. */
  vb_ad_data_init (&ad);
  g_assert_true (vb_ad_parse (fast, FALSE, &ad, &error));
  g_assert_cmpuint (ad.min_interval_ms, ==, 20);
  g_assert_false (ad.intervals_applied);
  vb_ad_data_clear (&ad);
  vb_ad_data_init (&ad);
  /* With -E a MinInterval above MaxInterval (0: absent) is refused. */
  g_assert_false (vb_ad_parse (fast, TRUE, &ad, &error));
  g_clear_error (&error);
  vb_ad_data_clear (&ad);
}

/* ---- GATT ---- */

typedef struct
{
  GVariantBuilder objects;
} App;

static void
app_init (App *app)
{
  g_variant_builder_init (&app->objects, G_VARIANT_TYPE ("a{oa{sa{sv}}}"));
}

static void
app_add (App *app, const char *path, const char *iface, const char *props_text)
{
  GVariantBuilder ifaces;

  g_variant_builder_init (&ifaces, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_variant_builder_add (&ifaces, "{s@a{sv}}", iface, g_variant_new_parsed (props_text));
  g_variant_builder_add (&app->objects, "{oa{sa{sv}}}", path, &ifaces);
}

static GVariant *
app_end (App *app)
{
  return g_variant_ref_sink (g_variant_builder_end (&app->objects));
}

static GVariant *
hap_app (const char *extra_desc_uuid, guint16 service_handle)
{
  App app;
  g_autofree char *service = g_strdup_printf ("{'UUID': <'%s'>, 'Primary': <true>, 'Handle': <uint16 %u>}",
                                              HAP_UUID ("0000003e"), service_handle);

  app_init (&app);
  app_add (&app, "/a/s", "org.bluez.GattService1", service);
  app_add (&app, "/a/s/c0", "org.bluez.GattCharacteristic1",
           "{'UUID': <'e604e95d-a759-4817-87d3-aa005083a0d1'>, 'Service': <objectpath '/a/s'>, 'Flags': <['read']>}");
  app_add (&app, "/a/s/c1", "org.bluez.GattCharacteristic1",
           "{'UUID': <'00000023-0000-1000-8000-0026bb765291'>, 'Service': <objectpath '/a/s'>, "
           "'Flags': <['read', 'write', 'indicate']>, 'Handle': <uint16 0>}");
  app_add (&app, "/a/s/c1/d0", "org.bluez.GattDescriptor1",
           "{'UUID': <'dc46f0fe-81d2-4616-b5d9-6abdd796939a'>, 'Characteristic': <objectpath '/a/s/c1'>, 'Flags': <['read']>}");
  if (extra_desc_uuid != NULL)
    {
      g_autofree char *desc = g_strdup_printf ("{'UUID': <'%s'>, 'Characteristic': <objectpath '/a/s/c1'>, "
                                               "'Flags': <['read']>}", extra_desc_uuid);

      app_add (&app, "/a/s/c1/d1", "org.bluez.GattDescriptor1", desc);
    }
  return app_end (&app);
}

static void
test_gatt_layout (void)
{
  g_autoptr(GVariant) objects = hap_app (NULL, 0);
  g_autoptr(GVariant) again = hap_app (NULL, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;
  VbGattDb db;
  VbGattAttr attr;
  VbGattChrc *chrc;
  int owner_a, owner_b;
  guint n_profiles;

  vb_gatt_db_init (&db);
  services = vb_gatt_parse_objects (objects, &n_profiles, &error);
  g_assert_no_error (error);
  g_assert_true (vb_gatt_db_insert (&db, services, &owner_a, &error));

  /* GAP 1-5, GATT 6-15, DIS 16-18, then the application from 0x0013. */
  attr = vb_gatt_db_lookup (&db, 0x0013);
  g_assert_cmpint (attr.kind, ==, VB_ATTR_SERVICE);
  g_assert_cmpstr (attr.service->path, ==, "/a/s");
  g_assert_cmpuint (attr.service->end, ==, 0x0013 + 1 + 2 + 2 + 1 + 1 - 1);
  attr = vb_gatt_db_lookup (&db, 0x0017);
  g_assert_cmpint (attr.kind, ==, VB_ATTR_CHRC_VALUE);
  chrc = attr.chrc;
  g_assert_cmpstr (chrc->path, ==, "/a/s/c1");
  g_assert_cmpuint (chrc->decl_handle, ==, 0x0016);
  /* The CCC right after the value, before the application's descriptor. */
  attr = vb_gatt_db_lookup (&db, 0x0018);
  g_assert_cmpint (attr.desc->kind, ==, VB_DESC_CCC);
  attr = vb_gatt_db_lookup (&db, 0x0019);
  g_assert_cmpstr (attr.desc->path, ==, "/a/s/c1/d0");
  g_assert_cmpint (vb_gatt_db_lookup (&db, 0x001a).kind, ==, VB_ATTR_NONE);
  g_assert_true (vb_gatt_db_find_chrc (&db, &owner_a, "/a/s/c1", NULL) == chrc);
  g_assert_null (vb_gatt_db_find_chrc (&db, &owner_b, "/a/s/c1", NULL));

  /* The same application again: placed after it. */
  g_clear_pointer (&services, g_ptr_array_unref);
  services = vb_gatt_parse_objects (again, &n_profiles, &error);
  g_assert_true (vb_gatt_db_insert (&db, services, &owner_b, &error));
  g_assert_cmpuint (vb_gatt_db_find_service (&db, &owner_b, "/a/s")->start, ==, 0x001a);
  vb_gatt_db_remove (&db, vb_gatt_db_find_service (&db, &owner_b, "/a/s"));
  g_assert_cmpuint (db.next_handle, ==, 0x0021);
  vb_gatt_db_clear (&db);
}

static void
test_gatt_requested_handles (void)
{
  g_autoptr(GVariant) at_0x40 = hap_app (NULL, 0x40);
  g_autoptr(GVariant) clash = hap_app (NULL, 0x44);
  g_autoptr(GVariant) on_core = hap_app (NULL, 0x0005);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) services = NULL;
  VbGattDb db;
  guint n_profiles;
  int owner_a, owner_b;

  vb_gatt_db_init (&db);
  services = vb_gatt_parse_objects (at_0x40, &n_profiles, &error);
  g_assert_true (vb_gatt_db_insert (&db, services, &owner_a, &error));
  g_assert_cmpint (vb_gatt_db_lookup (&db, 0x0040).kind, ==, VB_ATTR_SERVICE);
  g_assert_cmpuint (db.next_handle, ==, 0x0047);

  g_clear_pointer (&services, g_ptr_array_unref);
  services = vb_gatt_parse_objects (clash, &n_profiles, &error);
  g_assert_false (vb_gatt_db_insert (&db, services, &owner_b, &error));
  g_assert_true (g_str_has_prefix (error->message, "Failed to create entry in database"));
  g_clear_error (&error);
  g_assert_null (vb_gatt_db_find_service (&db, &owner_b, "/a/s"));

  g_clear_pointer (&services, g_ptr_array_unref);
  services = vb_gatt_parse_objects (on_core, &n_profiles, &error);
  g_assert_false (vb_gatt_db_insert (&db, services, &owner_b, &error));
  g_clear_error (&error);
  vb_gatt_db_clear (&db);
}

static void
test_gatt_refusals (void)
{
  g_autoptr(GVariant) ccc = hap_app ("00002902-0000-1000-8000-00805f9b34fb", 0);
  g_autoptr(GVariant) short_ccc = hap_app ("2902", 0);
  g_autoptr(GVariant) empty = g_variant_ref_sink (g_variant_new_parsed ("@a{oa{sa{sv}}} {}"));
  g_autoptr(GVariant) gap = NULL;
  g_autoptr(GVariant) orphan = NULL;
  g_autoptr(GVariant) no_flags = NULL;
  g_autoptr(GError) error = NULL;
  guint n_profiles;
  App app;

  g_assert_null (vb_gatt_parse_objects (ccc, &n_profiles, &error));
  g_assert_true (g_str_has_prefix (error->message, "No valid service object found"));
  g_assert_nonnull (strstr (error->message, "0x2902"));
  g_clear_error (&error);
  g_assert_null (vb_gatt_parse_objects (short_ccc, &n_profiles, &error));
  g_clear_error (&error);

  g_assert_null (vb_gatt_parse_objects (empty, &n_profiles, &error));
  g_assert_cmpstr (error->message, ==, "No object received");
  g_clear_error (&error);

  app_init (&app);
  app_add (&app, "/g", "org.bluez.GattService1", "{'UUID': <'1800'>, 'Primary': <true>}");
  gap = app_end (&app);
  g_assert_null (vb_gatt_parse_objects (gap, &n_profiles, &error));
  g_assert_true (g_str_has_prefix (error->message, "Failed to create entry in database"));
  g_clear_error (&error);

  app_init (&app);
  app_add (&app, "/s", "org.bluez.GattService1", "{'UUID': <'180f'>, 'Primary': <true>}");
  app_add (&app, "/s/c", "org.bluez.GattCharacteristic1",
           "{'UUID': <'2a19'>, 'Service': <objectpath '/elsewhere'>, 'Flags': <['read']>}");
  orphan = app_end (&app);
  g_assert_null (vb_gatt_parse_objects (orphan, &n_profiles, &error));
  g_assert_true (g_str_has_prefix (error->message, "No valid service object found"));
  g_clear_error (&error);

  app_init (&app);
  app_add (&app, "/s", "org.bluez.GattService1", "{'UUID': <'180f'>, 'Primary': <true>}");
  app_add (&app, "/s/c", "org.bluez.GattCharacteristic1",
           "{'UUID': <'2a19'>, 'Service': <objectpath '/s'>}");
  no_flags = app_end (&app);
  g_assert_null (vb_gatt_parse_objects (no_flags, &n_profiles, &error));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/virtual-bluez/uuid/forms", test_uuid_forms);
  g_test_add_func ("/virtual-bluez/att/app-errors", test_app_errors);
  g_test_add_func ("/virtual-bluez/att/client-errors", test_client_errors);
  g_test_add_func ("/virtual-bluez/att/flags", test_flags);
  g_test_add_func ("/virtual-bluez/ad/payload", test_advert_payload);
  g_test_add_func ("/virtual-bluez/ad/limits", test_advert_limits);
  g_test_add_func ("/virtual-bluez/ad/properties", test_advert_properties);
  g_test_add_func ("/virtual-bluez/gatt/layout", test_gatt_layout);
  g_test_add_func ("/virtual-bluez/gatt/requested-handles", test_gatt_requested_handles);
  g_test_add_func ("/virtual-bluez/gatt/refusals", test_gatt_refusals);
  return g_test_run ();
}
