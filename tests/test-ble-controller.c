/* test-ble-controller.c — the controller's pure HAP-BLE logic: the accessory database and
 * /characteristics answers rebuilt from wire bodies (hap-ble-json.c), discovery records,
 * and the BLE items of the controller file (hap-controller-ble-store.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-accessory.h"
#include "hap-ble-advertisement-private.h"
#include "hap-ble-central-private.h"
#include "hap-ble-json-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-ble-value-private.h"
#include "hap-controller-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-model-private.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

static HapAccessory *
load_accessory (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), name, NULL);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  HapAccessory *accessory = hap_accessory_new_from_file (path, &error);

  g_assert_no_error (error);
  _hap_accessory_assign_iids (accessory, ids);
  return accessory;
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

/* What a HAP-BLE accessory answers for @accessory: per service its Service Signature,
 * per characteristic its Characteristic Signature and (when readable) its value bytes,
 * built by the accessory-side codecs. */
static GPtrArray *
wire_database (HapAccessory *accessory)
{
  GPtrArray *services = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_ble_db_service_free);
  GPtrArray *model = hap_accessory_get_services (accessory);

  for (guint i = 0; i < model->len; i++)
    {
      HapService *service = g_ptr_array_index (model, i);
      GPtrArray *characteristics = hap_service_get_characteristics (service);
      g_autoptr(GBytes) service_signature = hap_ble_service_signature_build (service, FALSE);
      HapBleDbService *db = hap_ble_db_service_new ((guint16) hap_service_get_iid (service),
                                                    hap_service_get_type_uuid (service), service_signature);

      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *c = g_ptr_array_index (characteristics, j);
          HapFormat format = hap_characteristic_get_format (c);
          guint16 properties = hap_ble_properties_from_perms (hap_characteristic_get_perms (c), format, FALSE, FALSE);
          g_autoptr(GBytes) signature = hap_ble_characteristic_signature_build (c, properties);
          g_autoptr(GBytes) value = NULL;

          if ((hap_characteristic_get_perms (c) & HAP_PERM_PAIRED_READ) && !hap_characteristic_is_event_only (c))
            value = hap_ble_value_encode (format, hap_characteristic_get_value (c));
          hap_ble_db_service_add (db, (guint16) hap_characteristic_get_iid (c), signature, value);
        }
      g_ptr_array_add (services, db);
    }
  return services;
}

/* The differences BLE cannot avoid, removed from the IP answer: no "wr" permission bit
 * (BLE writes can always answer, docs/protocol.md §5.4), no maxDataLen, no integer step
 * of 1 (§5.3 leaves steps ≤ 1 out for integers), valid values only for uint8 (§5.3:
 * they are bytes), units outside the five BLE codes (§5.5), and event-only
 * characteristics, whose null value IP writes, have no value to read. */
static void
normalize_ip (JsonNode *root)
{
  JsonArray *services = json_object_get_array_member (
    json_array_get_object_element (json_object_get_array_member (json_node_get_object (root), "accessories"), 0),
    "services");

  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      JsonArray *characteristics = json_object_get_array_member (json_array_get_object_element (services, i),
                                                                 "characteristics");

      for (guint j = 0; j < json_array_get_length (characteristics); j++)
        {
          JsonObject *c = json_array_get_object_element (characteristics, j);
          JsonArray *perms = json_object_get_array_member (c, "perms");
          JsonNode *value = json_object_get_member (c, "value");

          for (guint k = json_array_get_length (perms); k > 0; k--)
            if (g_str_equal (json_array_get_string_element (perms, k - 1), "wr"))
              json_array_remove_element (perms, k - 1);
          const char *format = json_object_get_string_member (c, "format");

          json_object_remove_member (c, "maxDataLen");
          if (!g_str_equal (format, "float") && json_object_has_member (c, "minStep") &&
              json_object_get_double_member (c, "minStep") == 1)
            json_object_remove_member (c, "minStep");
          if (json_object_has_member (c, "unit") &&
              hap_ble_unit_to_gatt (json_object_get_string_member (c, "unit")) == HAP_BLE_UNIT_UNITLESS)
            json_object_remove_member (c, "unit");
          if (!g_str_equal (format, "uint8"))
            {
              json_object_remove_member (c, "valid-values");
              json_object_remove_member (c, "valid-values-range");
            }
          if (value != NULL && JSON_NODE_HOLDS_NULL (value))
            json_object_remove_member (c, "value");
        }
    }
}

/* The database a controller rebuilds over BLE is the one the IP server serves. */
static void
test_accessories_like_ip (gconstpointer data)
{
  g_autoptr(HapAccessory) accessory = load_accessory (data);
  g_autoptr(GPtrArray) services = wire_database (accessory);
  g_autoptr(GString) ip = g_string_new ("{\"accessories\":[");
  g_autoptr(JsonNode) expected = NULL;
  g_autoptr(JsonNode) ble = NULL;
  g_autoptr(GError) error = NULL;

  _hap_accessory_append_json (accessory, ip);
  g_string_append (ip, "]}");
  expected = parse (ip->str);
  normalize_ip (expected);
  ble = hap_ble_accessories_to_json (services, &error);
  g_assert_no_error (error);
  if (!json_node_equal (expected, ble))
    {
      g_autofree char *a = json_to_string (expected, TRUE);
      g_autofree char *b = json_to_string (ble, TRUE);

      g_printerr ("IP:\n%s\nBLE:\n%s\n", a, b);
      g_assert_not_reached ();
    }
}

static void
test_accessories_errors (void)
{
  g_autoptr(HapAccessory) accessory = load_accessory ("lightbulb.json");
  g_autoptr(GPtrArray) services = wire_database (accessory);
  HapBleDbService *lightbulb = g_ptr_array_index (services, services->len - 1);
  HapBleDbCharacteristic *c = &g_array_index (lightbulb->characteristics, HapBleDbCharacteristic, 0);
  g_autoptr(GBytes) original = g_bytes_ref (c->signature);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (original, &len);
  g_autofree guint8 *copy = g_memdup2 (data, len);

  /* A truncated signature names its characteristic. */
  g_bytes_unref (c->signature);
  c->signature = g_bytes_new (data, len - 1);
  root = hap_ble_accessories_to_json (services, &error);
  g_assert_null (root);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_true (g_str_has_prefix (error->message, "characteristic "));
  g_clear_error (&error);

  /* A signature that claims another service (its service iid is the 3rd TLV item, after
   * the 18-byte type item: bytes 20–21). */
  g_assert_cmphex (copy[18], ==, HAP_BLE_PARAM_SERVICE_IID);
  copy[20] ^= 0x40;
  g_bytes_unref (c->signature);
  c->signature = g_bytes_new (copy, len);
  root = hap_ble_accessories_to_json (services, &error);
  g_assert_null (root);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_assert_nonnull (strstr (error->message, "its signature names service"));
  g_clear_error (&error);

  /* A value of the wrong size for the format. */
  g_bytes_unref (c->signature);
  c->signature = g_bytes_ref (original);
  g_clear_pointer (&c->value, g_bytes_unref);
  c->value = g_bytes_new ("\x01\x02\x03", 3);
  root = hap_ble_accessories_to_json (services, &error);
  g_assert_null (root);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
}

static void
test_status_mapping (void)
{
  static const struct { guint8 ble; HapStatus hap; } table[] = {
    { HAP_BLE_PDU_STATUS_SUCCESS, HAP_STATUS_SUCCESS },
    { HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, HAP_STATUS_INVALID_VALUE },
    { HAP_BLE_PDU_STATUS_MAX_PROCEDURES, HAP_STATUS_BUSY },
    { HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHORIZATION, HAP_STATUS_INSUFFICIENT_AUTHORIZATION },
    { HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID, HAP_STATUS_RESOURCE_DOES_NOT_EXIST },
    { HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHENTICATION, HAP_STATUS_INSUFFICIENT_PRIVILEGES },
    { HAP_BLE_PDU_STATUS_INVALID_REQUEST, HAP_STATUS_INVALID_VALUE },
    { 0x42, HAP_STATUS_UNABLE_TO_COMMUNICATE },
  };
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    g_assert_cmpint (hap_ble_status_to_hap (table[i].ble), ==, table[i].hap);
  g_assert_false (hap_ble_status_error (&error, HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHENTICATION, "identify"));
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_INSUFFICIENT_PRIVILEGES);
  g_assert_cmpstr (error->message, ==, "identify: HAP-BLE Insufficient Authentication (-70401 insufficient privileges)");
}

static void
test_query (void)
{
  static const char *const bad[] = {
    "/characteristics", "/characteristics?", "/characteristics?id=", "/characteristics?id=1",
    "/characteristics?id=1.x", "/characteristics?id=0.5", "/characteristics?id=1.2&meta=2",
    "/characteristics?id=1.2&id=1.3", "/characteristics?meta=1", "/characteristics?id=1.2&color=1",
    "/characteristics?id=1.2&meta", "/accessories",
  };
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  HapJsonFlags flags;
  GError *error = NULL;

  g_assert_true (hap_ble_parse_characteristics_query ("/characteristics?id=1.10,1.65535&meta=1&ev=0&type=1",
                                                      ids, &flags, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 4);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, 1);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, 10);
  g_assert_cmpint (g_array_index (ids, gint64, 3), ==, 65535);
  g_assert_cmphex (flags, ==, HAP_JSON_META | HAP_JSON_TYPE);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_array_set_size (ids, 0);
      g_assert_false (hap_ble_parse_characteristics_query (bad[i], ids, &flags, &error));
      g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
}

static HapCharacteristic *
brightness (guint64 iid)
{
  HapCharacteristic *c = hap_characteristic_new ("Brightness");

  hap_characteristic_set_iid (c, iid);
  return c;
}

static void
check_json (JsonNode *node, const char *expected)
{
  g_autoptr(JsonNode) want = parse (expected);

  if (!json_node_equal (want, node))
    {
      g_autofree char *text = json_to_string (node, FALSE);
      g_printerr ("got %s, want %s\n", text, expected);
      g_assert_not_reached ();
    }
}

/* The answers IP gives (§4.5, §4.6): 200, 204 and 207 with statuses on every entry. */
static void
test_characteristics_json (void)
{
  g_autoptr(GArray) results = g_array_new (FALSE, TRUE, sizeof (HapBleCharacteristicResult));
  HapBleCharacteristicResult ok = { 1, 10, 0, brightness (10), g_variant_ref_sink (g_variant_new_int32 (42)), TRUE };
  HapBleCharacteristicResult missing = { 1, 99, HAP_STATUS_RESOURCE_DOES_NOT_EXIST };
  g_autoptr(JsonNode) node = NULL;
  guint status = 0;

  g_array_set_clear_func (results, (GDestroyNotify) hap_ble_characteristic_result_clear);
  g_array_append_val (results, ok);
  node = hap_ble_characteristics_to_json (results, FALSE, 0, &status);
  g_assert_cmpuint (status, ==, 200);
  check_json (node, "{\"characteristics\":[{\"aid\":1,\"iid\":10,\"value\":42}]}");
  g_clear_pointer (&node, json_node_unref);

  node = hap_ble_characteristics_to_json (results, FALSE, HAP_JSON_EV | HAP_JSON_PERMS, &status);
  check_json (node, "{\"characteristics\":[{\"aid\":1,\"iid\":10,\"perms\":[\"pr\",\"pw\",\"ev\"],\"value\":42,"
                    "\"ev\":true}]}");
  g_clear_pointer (&node, json_node_unref);

  g_array_append_val (results, missing);
  node = hap_ble_characteristics_to_json (results, FALSE, 0, &status);
  g_assert_cmpuint (status, ==, 207);
  check_json (node, "{\"characteristics\":[{\"aid\":1,\"iid\":10,\"value\":42,\"status\":0},"
                    "{\"aid\":1,\"iid\":99,\"status\":-70409}]}");
  g_clear_pointer (&node, json_node_unref);

  /* Writes: 204 when all went well and nothing was asked back. */
  g_array_set_size (results, 0);
  {
    HapBleCharacteristicResult written = { 1, 10, 0, brightness (10) };
    HapBleCharacteristicResult answered = { 1, 11, 0, brightness (11), g_variant_ref_sink (g_variant_new_int32 (7)) };

    g_array_append_val (results, written);
    node = hap_ble_characteristics_to_json (results, TRUE, 0, &status);
    g_assert_cmpuint (status, ==, 204);
    g_assert_true (JSON_NODE_HOLDS_NULL (node));
    g_clear_pointer (&node, json_node_unref);
    g_array_append_val (results, answered);
    node = hap_ble_characteristics_to_json (results, TRUE, 0, &status);
    g_assert_cmpuint (status, ==, 207);
    check_json (node, "{\"characteristics\":[{\"aid\":1,\"iid\":10,\"status\":0},"
                      "{\"aid\":1,\"iid\":11,\"value\":7,\"status\":0}]}");
  }
}

static void
test_values (void)
{
  g_autoptr(JsonNode) number = parse ("50");
  g_autoptr(JsonNode) too_big = parse ("300");
  g_autoptr(JsonNode) text = parse ("\"x\"");
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HapCharacteristic) on = hap_characteristic_new ("On");
  g_autoptr(JsonNode) event = NULL;
  g_autoptr(GVariant) true_value = g_variant_ref_sink (g_variant_new_boolean (TRUE));

  bytes = hap_ble_value_from_json (HAP_FORMAT_UINT16, number, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "\x32\x00", 2);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_assert_null (hap_ble_value_from_json (HAP_FORMAT_UINT8, too_big, &error));
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_null (hap_ble_value_from_json (HAP_FORMAT_INT, text, &error));
  g_assert_error (error, HAP_STATUS_ERROR, HAP_STATUS_INVALID_VALUE);
  g_clear_error (&error);

  hap_characteristic_set_iid (on, 9);
  event = hap_ble_event_to_json (on, true_value);
  check_json (event, "{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":true}]}");
}

static void
test_advertisement_record (void)
{
  HapBleAdvertisement advertisement = {
    .status_flags = HAP_BLE_ADV_STATUS_NOT_PAIRED,
    .device_id = { 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC },
    .category = 5, .gsn = 65535, .configuration_number = 3,
  };
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonNode) record = NULL;
  g_autoptr(JsonNode) unnamed = NULL;
  HapBleAdvertisement parsed;
  g_autoptr(GError) error = NULL;
  gint16 rssi = -47;

  /* Through the wire form, as BlueZ hands it over. */
  hap_ble_advertisement_set_setup_id (&advertisement, "7OSX");
  payload = hap_ble_advertisement_build (&advertisement);
  g_assert_true (hap_ble_advertisement_parse (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), &parsed,
                                              &error));
  g_assert_no_error (error);
  record = hap_ble_advertisement_record ("hci1", "00:AA:01:01:00:01", "Lamp", &rssi, &parsed);
  {
    g_autofree char *hash = g_strdup_printf ("%02x%02x%02x%02x", advertisement.setup_hash[0],
                                             advertisement.setup_hash[1], advertisement.setup_hash[2],
                                             advertisement.setup_hash[3]);
    g_autofree char *expected = g_strdup_printf (
      "{\"type\":\"advertisement\",\"adapter\":\"hci1\",\"address\":\"00:AA:01:01:00:01\",\"name\":\"Lamp\","
      "\"rssi\":-47,\"device_id\":\"12:34:56:78:9A:BC\",\"category_id\":5,\"category\":\"%s\",\"gsn\":65535,"
      "\"configuration_number\":3,\"compatible_version\":2,\"status_flags\":1,\"paired\":false,"
      "\"setup_hash\":\"%s\"}", hap_catalog_category_name (5), hash);

    check_json (record, expected);
  }
  advertisement.status_flags = 0;
  advertisement.has_setup_hash = FALSE;
  unnamed = hap_ble_advertisement_record ("hci0", "00:AA:01:01:00:02", NULL, NULL, &advertisement);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (unnamed), "paired"));
  g_assert_true (json_object_get_null_member (json_node_get_object (unnamed), "name"));
  g_assert_true (json_object_get_null_member (json_node_get_object (unnamed), "rssi"));
  g_assert_true (json_object_get_null_member (json_node_get_object (unnamed), "setup_hash"));
}

static void
test_notification_record (void)
{
  guint8 key[HAP_BLE_BROADCAST_KEY_LEN];
  HapBleEncryptedNotification sent = { .advertising_id = { 1, 2, 3, 4, 5, 6 }, .gsn = 300, .iid = 0x33 };
  HapBleEncryptedNotification opened;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonNode) record = NULL;
  g_autoptr(JsonNode) unknown_format = NULL;
  g_autoptr(JsonNode) closed = NULL;
  g_autoptr(GError) error = NULL;
  gint16 value = -5;
  g_autoptr(GVariant) sent_value = g_variant_ref_sink (g_variant_new_int32 (value));

  memset (key, 0x5A, sizeof key);
  hap_ble_encrypted_notification_set_value (&sent, HAP_FORMAT_INT, sent_value);
  payload = hap_ble_encrypted_notification_build (key, &sent);
  g_assert_true (hap_ble_encrypted_notification_open (key, g_bytes_get_data (payload, NULL),
                                                      g_bytes_get_size (payload), 290, 16, &opened, &error));
  g_assert_no_error (error);
  record = hap_ble_notification_record ("hci1", "00:AA:01:01:00:01", opened.advertising_id, "12:34:56:78:9A:BC",
                                        &opened, HAP_FORMAT_INT);
  check_json (record, "{\"type\":\"notification\",\"adapter\":\"hci1\",\"address\":\"00:AA:01:01:00:01\","
                      "\"advertising_id\":\"01:02:03:04:05:06\",\"decrypted\":true,"
                      "\"device_id\":\"12:34:56:78:9A:BC\",\"aid\":1,\"iid\":51,\"gsn\":300,"
                      "\"value_hex\":\"fbffffff00000000\",\"value\":-5}");
  /* A format that is unknown, or that cannot be broadcast, leaves "value" out. */
  unknown_format = hap_ble_notification_record ("hci1", "00:AA:01:01:00:01", opened.advertising_id, "X", &opened,
                                                HAP_FORMAT_STRING);
  g_assert_false (json_object_has_member (json_node_get_object (unknown_format), "value"));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (unknown_format), "value_hex"), ==,
                   "fbffffff00000000");
  closed = hap_ble_notification_record ("hci1", "00:AA:01:01:00:01", sent.advertising_id, NULL, NULL, -1);
  check_json (closed, "{\"type\":\"notification\",\"adapter\":\"hci1\",\"address\":\"00:AA:01:01:00:01\","
                      "\"advertising_id\":\"01:02:03:04:05:06\",\"decrypted\":false}");
}

static void
test_bluez_helpers (void)
{
  g_autofree char *address = hap_ble_device_path_to_address ("/org/bluez/hci1/dev_00_aa_01_01_00_01");
  g_autoptr(GVariant) properties = NULL;
  g_autoptr(GBytes) data = NULL;
  GVariantBuilder builder, manufacturer;

  g_assert_cmpstr (address, ==, "00:AA:01:01:00:01");
  g_assert_null (hap_ble_device_path_to_address ("/org/bluez/hci1"));
  g_assert_null (hap_ble_device_path_to_address ("/org/bluez/hci1/dev_00_AA_01_01_00_01/service0001"));
  g_assert_null (hap_ble_device_path_to_address ("/org/bluez/hci1/dev_00-AA-01-01-00-01"));

  g_variant_builder_init (&manufacturer, G_VARIANT_TYPE ("a{qv}"));
  g_variant_builder_add (&manufacturer, "{qv}", (guint16) 0x0075,
                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "\x01", 1, 1));
  g_variant_builder_add (&manufacturer, "{qv}", (guint16) 0x004C,
                         g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "\x06\x2D", 2, 1));
  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "ManufacturerData", g_variant_builder_end (&manufacturer));
  properties = g_variant_ref_sink (g_variant_builder_end (&builder));
  data = hap_ble_manufacturer_data_lookup (properties);
  g_assert_nonnull (data);
  g_assert_cmpmem (g_bytes_get_data (data, NULL), g_bytes_get_size (data), "\x06\x2D", 2);
}

/* ---- the controller file ---- */

static char *
temp_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-ble-controller-XXXXXX", &error);

  g_assert_no_error (error);
  return g_build_filename (dir, "controller", NULL);
}

static void
remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  g_remove (path);
  g_rmdir (dir);
}

static void
test_store_round_trip (void)
{
  g_autofree char *path = temp_path ();
  g_autoptr(HapController) controller = NULL;
  g_autoptr(HapController) reloaded = NULL;
  g_autoptr(GError) error = NULL;
  const char *device = "AA:BB:CC:DD:EE:01";
  guint8 ltpk[32] = { 1 }, other[32] = { 2 };
  HapResumeTicket ticket = { { 1, 2, 3, 4, 5, 6, 7, 8 }, { 9 } }, got;
  HapBroadcastKey key = { { 7 }, { 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6 }, 100, 105 }, got_key;
  struct stat st;

  controller = hap_controller_new_for_file (path, &error);
  g_assert_no_error (error);
  /* Nothing is kept for an accessory the controller is not paired with. */
  g_assert_false (hap_controller_set_resume_ticket (controller, device, &ticket, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_true (hap_controller_add_accessory (controller, device, ltpk, NULL, 0, &error));
  g_assert_true (hap_controller_set_ble_address (controller, device, "00:aa:01:01:00:01", &error));
  g_assert_true (hap_controller_set_resume_ticket (controller, device, &ticket, &error));
  g_assert_true (hap_controller_set_broadcast_key (controller, device, &key, &error));
  g_assert_true (hap_controller_set_last_gsn (controller, device, 110, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  reloaded = hap_controller_new_for_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_controller_find_ble_accessory (reloaded, "00:AA:01:01:00:01"), ==, device);
  g_assert_true (hap_controller_get_resume_ticket (reloaded, device, &got));
  g_assert_cmpmem (&got, sizeof got, &ticket, sizeof ticket);
  g_assert_cmpstr (hap_controller_find_broadcast_key (reloaded, key.advertising_id, &got_key), ==, device);
  g_assert_cmpmem (got_key.key, 32, key.key, 32);
  g_assert_cmpuint (got_key.key_gsn, ==, 100);
  g_assert_cmpuint (got_key.gsn, ==, 110);
  g_assert_null (hap_controller_find_broadcast_key (reloaded, (guint8[6]) { 0 }, NULL));

  /* Verify again (same key): everything stays. A new pairing (another key): it goes. */
  g_assert_true (hap_controller_add_accessory (reloaded, device, ltpk, "10.0.0.2", 51826, &error));
  g_assert_true (hap_controller_get_resume_ticket (reloaded, device, &got));
  g_assert_true (hap_controller_add_accessory (reloaded, device, other, NULL, 0, &error));
  g_assert_no_error (error);
  g_assert_false (hap_controller_get_resume_ticket (reloaded, device, &got));
  g_assert_false (hap_controller_get_broadcast_key (reloaded, device, &got_key));
  g_assert_null (hap_controller_find_ble_accessory (reloaded, "00:AA:01:01:00:01"));

  /* Forgetting. */
  g_assert_true (hap_controller_set_resume_ticket (controller, device, NULL, &error));
  g_assert_false (hap_controller_get_resume_ticket (controller, device, &got));
  remove_temp (path);
}

static const char *const bad_groups[] = {
  "ble-address=nope\n",
  "resume-session-id=AQID\n",                                       /* 3 bytes */
  "resume-session-id=AQIDBAUGBwg=\n",                               /* 8 bytes, no secret */
  "broadcast-key=" "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n",  /* no id, no GSN */
  "broadcast-key=" "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\nadvertising-id=A1:A2:A3:A4:A5:A6\n"
  "broadcast-key-gsn=0\n",
  "gsn=70000\n",
};

static void
test_store_malformed (gconstpointer data)
{
  g_autofree char *path = temp_path ();
  g_autofree char *contents = NULL;
  g_autoptr(HapController) controller = NULL;
  g_autoptr(GError) error = NULL;

  controller = hap_controller_new_for_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (hap_controller_add_accessory (controller, "AA:BB:CC:DD:EE:01", (guint8[32]) { 1 }, NULL, 0, &error));
  g_clear_object (&controller);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  {
    g_autofree char *broken = g_strconcat (contents, data, NULL);

    g_assert_true (g_file_set_contents (path, broken, -1, &error));
  }
  controller = hap_controller_new_for_file (path, &error);
  g_assert_null (controller);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "bad group [accessory AA:BB:CC:DD:EE:01]"));
  remove_temp (path);
}

int
main (int argc, char **argv)
{
  /* Every sample but the bridges (BLE has no bridges, docs/protocol.md §5.1). */
  static const char *const files[] = {
    "air-purifier.json", "camera.json", "doorbell.json", "fan.json", "garage-door.json", "heater-cooler.json",
    "humidifier.json", "irrigation.json", "lightbulb.json", "lock.json", "outlet.json", "security-system.json",
    "sensor-pack.json", "speaker.json", "television.json", "thermostat.json", "window-covering.json",
  };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *test = g_strdup_printf ("/ble-controller/accessories/%s", files[i]);
      g_test_add_data_func (test, files[i], test_accessories_like_ip);
    }
  g_test_add_func ("/ble-controller/accessories-errors", test_accessories_errors);
  g_test_add_func ("/ble-controller/status", test_status_mapping);
  g_test_add_func ("/ble-controller/query", test_query);
  g_test_add_func ("/ble-controller/characteristics-json", test_characteristics_json);
  g_test_add_func ("/ble-controller/values", test_values);
  g_test_add_func ("/ble-controller/advertisement-record", test_advertisement_record);
  g_test_add_func ("/ble-controller/notification-record", test_notification_record);
  g_test_add_func ("/ble-controller/bluez-helpers", test_bluez_helpers);
  g_test_add_func ("/ble-controller/store", test_store_round_trip);
  for (guint i = 0; i < G_N_ELEMENTS (bad_groups); i++)
    {
      g_autofree char *test = g_strdup_printf ("/ble-controller/store-malformed/%u", i);
      g_test_add_data_func (test, bad_groups[i], test_store_malformed);
    }
  return g_test_run ();
}
