/* test-trace-ble.c — HAP over BLE in the trace: PDUs decoded in their characteristic's
 * format, pairing material and broadcast keys redacted, bent PDUs and advertisements shown
 * as they are, bounds kept
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Entries are recorded here without a link (the hooks' connection may be NULL); the BLE
 * test suite (tests/ble) sees the same lines through a real link.
 */
#include <string.h>

#include <json-glib/json-glib.h>

#include "hap-sim-trace.h"

#define UUID_PAIR_SETUP "0000004C-0000-1000-8000-0026BB765291"
#define UUID_SERVICE_SIGNATURE "000000A5-0000-1000-8000-0026BB765291"

static JsonObject *
last_object (HapSimTrace *trace, char **line_out)
{
  g_autoptr(GPtrArray) lines = hap_sim_trace_dup_lines (trace, hap_sim_trace_get_last_seq (trace) - 1, 0);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const char *line;

  g_assert_cmpuint (lines->len, ==, 1);
  line = g_ptr_array_index (lines, 0);
  g_assert_null (strchr (line, '\n'));
  g_test_message ("%s", line);
  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  if (line_out != NULL)
    *line_out = g_strdup (line);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static JsonObject *
param (JsonObject *entry, guint index)
{
  JsonArray *params = json_object_get_array_member (entry, "params");

  g_assert_nonnull (params);
  g_assert_cmpuint (index, <, json_array_get_length (params));
  return json_array_get_object_element (params, index);
}

static HapBleRequestInfo
request (guint8 opcode, guint16 iid, HapCharacteristic *characteristic, const void *body, gsize len)
{
  HapBleRequestInfo info = { opcode, 0x42, iid, NULL, characteristic };

  if (body != NULL)
    info.body = g_bytes_new (body, len);
  return info;
}

static void
test_write_decoded (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (100, 1 << 20);
  g_autoptr(HapCharacteristic) on = hap_characteristic_new ("On");
  g_autoptr(HapCharacteristic) door = hap_characteristic_new ("CurrentDoorState");   /* uint8 */
  static const guint8 write_on[] = { 0x01, 0x01, 0x01, 0x09, 0x01, 0x01 };
  static const guint8 read_door[] = { 0x01, 0x04, 0x37, 0x00, 0x00, 0x00 };
  HapBleRequestInfo info = request (0x02, 10, on, write_on, sizeof write_on);
  HapBleResponseInfo response = { 0x42, 0, NULL, 100 };
  g_autoptr(JsonObject) entry = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) read = NULL;

  hap_sim_trace_record_ble_request (trace, NULL, &info);
  entry = last_object (trace, NULL);
  g_assert_cmpstr (json_object_get_string_member (entry, "kind"), ==, "request");
  g_assert_cmpstr (json_object_get_string_member (entry, "transport"), ==, "ble");
  g_assert_cmpstr (json_object_get_string_member (entry, "opcode"), ==, "HAP-Characteristic-Write");
  g_assert_cmpint (json_object_get_int_member (entry, "tid"), ==, 0x42);
  g_assert_cmpint (json_object_get_int_member (entry, "iid"), ==, 10);
  g_assert_cmpstr (json_object_get_string_member (entry, "characteristic"), ==, "On");
  g_assert_cmpstr (json_object_get_string_member (param (entry, 0), "type"), ==, "Value");
  g_assert_true (json_object_get_boolean_member (param (entry, 0), "value"));
  g_assert_cmpstr (json_object_get_string_member (param (entry, 1), "type"), ==, "ReturnResponse");
  g_assert_cmpint (json_object_get_int_member (param (entry, 1), "value"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (entry, "length"), ==, sizeof write_on);

  /* A response with another TID than the request's (a quirk) says so. */
  response.tid = 0x43;
  hap_sim_trace_record_ble_response (trace, NULL, &info, &response);
  answer = last_object (trace, NULL);
  g_assert_cmpint (json_object_get_int_member (answer, "status"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (answer, "status-name"), ==, "Success");
  g_assert_cmpint (json_object_get_int_member (answer, "response-tid"), ==, 0x43);
  g_assert_false (json_object_has_member (answer, "params"));
  g_assert_false (json_object_has_member (answer, "unfragmented"));
  g_bytes_unref (info.body);

  /* A read of a uint8, answered with 4 bytes: shown raw, with the reason. */
  info = request (0x03, 11, door, NULL, 0);
  response.tid = 0x42;
  response.body = g_bytes_new_static (read_door, sizeof read_door);
  response.max_fragment = 0;
  hap_sim_trace_record_ble_response (trace, NULL, &info, &response);
  read = last_object (trace, NULL);
  g_assert_cmpstr (json_object_get_string_member (param (read, 0), "hex"), ==, "37000000");
  g_assert_true (json_object_has_member (param (read, 0), "value-error"));
  g_assert_true (json_object_get_boolean_member (read, "unfragmented"));
  g_bytes_unref (response.body);
}

static void
test_pairing_redacted (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (100, 1 << 20);
  g_autoptr(HapCharacteristic) pair_setup = hap_characteristic_new_custom (UUID_PAIR_SETUP, HAP_FORMAT_TLV8,
                                                                           HAP_PERM_PAIRED_READ | HAP_PERM_PAIRED_WRITE);
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(JsonObject) entry = NULL;
  g_autofree char *line = NULL;
  g_autofree char *secret_hex = NULL;
  guint8 pairing[3 + 2 + 40];
  HapBleRequestInfo info;
  JsonArray *tlv;

  /* State 3, PublicKey of 40 recognisable bytes, inside the Value param. */
  pairing[0] = 0x06; pairing[1] = 0x01; pairing[2] = 0x03;
  pairing[3] = 0x03; pairing[4] = 40;
  memset (pairing + 5, 0xAB, 40);
  g_byte_array_append (body, (const guint8 *) "\x01", 1);
  g_byte_array_append (body, (const guint8[]) { sizeof pairing }, 1);
  g_byte_array_append (body, pairing, sizeof pairing);
  info = request (0x02, 97, pair_setup, body->data, body->len);

  hap_sim_trace_record_ble_request (trace, NULL, &info);
  entry = last_object (trace, &line);
  g_assert_cmpstr (json_object_get_string_member (entry, "characteristic"), ==, "PairSetup");
  tlv = json_object_get_array_member (param (entry, 0), "tlv");
  g_assert_nonnull (tlv);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tlv, 0), "value"), ==, 3);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (tlv, 1), "redacted"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (tlv, 1), "length"), ==, 40);
  g_assert_null (strstr (line, "abab"));
  g_assert_null (strstr (line, "ABAB"));
  g_bytes_unref (info.body);

  /* A pairing body that is not TLV8 at all is not shown either. */
  info = request (0x02, 97, pair_setup, "\x01\x20secret", 8);
  hap_sim_trace_record_ble_request (trace, NULL, &info);
  g_clear_pointer (&line, g_free);
  g_clear_pointer (&entry, json_object_unref);
  entry = last_object (trace, &line);
  g_assert_true (json_object_get_boolean_member (entry, "redacted"));
  g_assert_true (json_object_has_member (entry, "params-error"));
  secret_hex = g_strdup ("736563726574");
  g_assert_null (strstr (line, secret_hex));
  g_bytes_unref (info.body);
}

static void
test_broadcast_key_redacted (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (100, 1 << 20);
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(JsonObject) entry = NULL;
  g_autofree char *line = NULL;
  HapBleRequestInfo info = request (0x08, 0x10, NULL, "\x01\x00", 2);
  HapBleResponseInfo response = { 0x42, 0, NULL, 100 };
  guint8 key[32];

  /* §5.7: GSN, CN, advertising id and the 32-byte key. */
  memset (key, 0xCD, sizeof key);
  g_byte_array_append (body, (const guint8 *) "\x01\x02\x05\x00\x02\x01\x01\x03\x06\x11\x22\x33\x44\x55\x66\x04\x20", 17);
  g_byte_array_append (body, key, sizeof key);
  response.body = g_bytes_new (body->data, body->len);
  hap_sim_trace_record_ble_response (trace, NULL, &info, &response);
  entry = last_object (trace, &line);
  g_assert_cmpstr (json_object_get_string_member (entry, "opcode"), ==, "HAP-Protocol-Configuration");
  g_assert_cmpstr (json_object_get_string_member (param (entry, 0), "type"), ==, "StateNumber");
  g_assert_cmpint (json_object_get_int_member (param (entry, 0), "value"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (param (entry, 2), "hex"), ==, "112233445566");
  g_assert_cmpstr (json_object_get_string_member (param (entry, 3), "type"), ==, "BroadcastEncryptionKey");
  g_assert_true (json_object_get_boolean_member (param (entry, 3), "redacted"));
  g_assert_null (strstr (line, "cdcd"));
  g_bytes_unref (response.body);
  g_bytes_unref (info.body);
}

static void
test_signature_uuid (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (100, 1 << 20);
  g_autoptr(HapCharacteristic) on = hap_characteristic_new ("On");
  g_autoptr(JsonObject) entry = NULL;
  /* CharacteristicType 00000025-0000-1000-8000-0026BB765291, little-endian. */
  static const guint8 body[] = { 0x04, 0x10, 0x91, 0x52, 0x76, 0xBB, 0x26, 0x00, 0x00, 0x80, 0x00, 0x10,
                                 0x00, 0x00, 0x25, 0x00, 0x00, 0x00, 0x07, 0x02, 0x08, 0x00 };
  HapBleRequestInfo info = request (0x01, 10, on, NULL, 0);
  HapBleResponseInfo response = { 0x42, 0, g_bytes_new_static (body, sizeof body), 100 };

  hap_sim_trace_record_ble_response (trace, NULL, &info, &response);
  entry = last_object (trace, NULL);
  g_assert_cmpstr (json_object_get_string_member (param (entry, 0), "uuid"), ==, "00000025-0000-1000-8000-0026BB765291");
  g_assert_cmpstr (json_object_get_string_member (param (entry, 1), "type"), ==, "ServiceInstanceID");
  g_assert_cmpint (json_object_get_int_member (param (entry, 1), "value"), ==, 8);
  g_bytes_unref (response.body);
}

static void
test_bounded (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (3, 1 << 20);
  g_autoptr(HapCharacteristic) vendor = hap_characteristic_new_custom ("12345678-0000-1000-8000-00AABBCCDDEE",
                                                                       HAP_FORMAT_DATA, HAP_PERM_PAIRED_READ);
  g_autoptr(GByteArray) body = g_byte_array_new ();
  g_autoptr(JsonObject) entry = NULL;
  g_autofree char *line = NULL;
  HapBleRequestInfo info = request (0x03, 12, vendor, NULL, 0);
  HapBleResponseInfo response = { 0x42, 0, NULL, 100 };
  guint8 chunk[255];

  /* A 64 KiB data value (fragmented into 255-byte TLV items, §5.3). */
  memset (chunk, 0x5A, sizeof chunk);
  for (guint i = 0; i < 257; i++)
    {
      g_byte_array_append (body, (const guint8[]) { 0x01, 0xFF }, 2);
      g_byte_array_append (body, chunk, sizeof chunk);
    }
  response.body = g_bytes_new (body->data, body->len);
  for (guint i = 0; i < 5; i++)
    hap_sim_trace_record_ble_response (trace, NULL, &info, &response);
  g_assert_cmpuint (hap_sim_trace_get_n_entries (trace), ==, 3);
  entry = last_object (trace, &line);
  g_assert_true (json_object_get_boolean_member (param (entry, 0), "truncated"));
  g_assert_cmpint (json_object_get_int_member (entry, "length"), ==, body->len);
  g_assert_cmpuint (strlen (line), <, 16 * 1024);
  g_bytes_unref (response.body);
}

static void
test_advertisements (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (100, 1 << 20);
  g_autoptr(HapCharacteristic) on = hap_characteristic_new ("On");
  /* §5.9: TY 06, STL 31, SF 01, device id, ACID 5, GSN 0x0102, CN 3, CV 2, hash. */
  static const guint8 regular[] = { 0x06, 0x31, 0x01, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x05, 0x00,
                                    0x02, 0x01, 0x03, 0x02, 0xDE, 0xAD, 0xBE, 0xEF };
  static const guint8 notification[24] = { 0x11, 0x36, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6 };
  HapBleAdvertisementInfo info = { HAP_BLE_ADVERTISEMENT_REGULAR, FALSE, 0x0102, NULL };
  g_autoptr(JsonObject) good = NULL, bent = NULL, gone = NULL, broadcast = NULL;
  JsonObject *fields;

  hap_sim_trace_record_ble_advertisement (trace, &info, regular, sizeof regular);
  good = last_object (trace, NULL);
  g_assert_cmpstr (json_object_get_string_member (good, "kind"), ==, "advertisement");
  fields = json_object_get_object_member (good, "fields");
  g_assert_cmpint (json_object_get_int_member (fields, "sf"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (fields, "device-id"), ==, "11:22:33:44:55:66");
  g_assert_cmpint (json_object_get_int_member (fields, "gsn"), ==, 0x0102);
  g_assert_cmpint (json_object_get_int_member (fields, "cn"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (fields, "setup-hash"), ==, "deadbeef");

  /* Cut short in the middle (a quirk): the error, and the bytes as sent. */
  hap_sim_trace_record_ble_advertisement (trace, &info, regular, 12);
  bent = last_object (trace, NULL);
  g_assert_false (json_object_has_member (bent, "fields"));
  g_assert_true (json_object_has_member (bent, "error"));
  g_assert_cmpstr (json_object_get_string_member (bent, "hex"), ==, "063101112233445566050002");

  hap_sim_trace_record_ble_advertisement (trace, &info, NULL, 0);
  gone = last_object (trace, NULL);
  g_assert_true (json_object_get_boolean_member (gone, "withdrawn"));

  info.kind = HAP_BLE_ADVERTISEMENT_NOTIFICATION;
  info.characteristic = on;
  hap_sim_trace_record_ble_advertisement (trace, &info, notification, sizeof notification);
  broadcast = last_object (trace, NULL);
  g_assert_cmpstr (json_object_get_string_member (broadcast, "kind"), ==, "broadcast");
  g_assert_cmpstr (json_object_get_string_member (broadcast, "advertising-id"), ==, "A1:A2:A3:A4:A5:A6");
  g_assert_cmpstr (json_object_get_string_member (broadcast, "characteristic"), ==, "On");
  g_assert_cmpint (json_object_get_int_member (broadcast, "length"), ==, 24);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trace-ble/write-decoded", test_write_decoded);
  g_test_add_func ("/trace-ble/pairing-redacted", test_pairing_redacted);
  g_test_add_func ("/trace-ble/broadcast-key-redacted", test_broadcast_key_redacted);
  g_test_add_func ("/trace-ble/signature-uuid", test_signature_uuid);
  g_test_add_func ("/trace-ble/bounded", test_bounded);
  g_test_add_func ("/trace-ble/advertisements", test_advertisements);
  return g_test_run ();
}
