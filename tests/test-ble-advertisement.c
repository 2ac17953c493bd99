/* test-ble-advertisement.c — HAP-BLE advertisements, encrypted notifications, broadcast
 * key and GSN arithmetic (docs/protocol.md §2.3, §2.4, §5.9–§5.11)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-advertisement-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"

#include <string.h>

/* Device A1:B2:C3:D4:E5:F6, category 5 (lightbulb), GSN 0x1234, CN 3, not paired.
 * Setup hash of setup id 7OSX (docs/protocol.md §2.4), obtained with
 *   printf '7OSXA1:B2:C3:D4:E5:F6' | sha512sum     → 12f87570…
 * Fields by hand from §5.9: TY 06, STL 31 (subtype 1, length 17), SF 01, device id,
 * ACID 05 00, GSN 34 12, CN 03, CV 02, SH. */
static const guint8 advertisement_with_hash[] = {
  0x06, 0x31, 0x01, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x05, 0x00, 0x34, 0x12, 0x03, 0x02,
  0x12, 0xF8, 0x75, 0x70,
};

/* A 19-byte manufacturer AD structure of a device that sends no setup hash:
 * LEN 0x12, AD type 0xFF, company 4C 00, then TY 06, STL 2D (length 13) … CV 02. BlueZ
 * hands over what follows the company id. */
static const guint8 ad_without_hash[] = {
  0x12, 0xFF, 0x4C, 0x00,
  0x06, 0x2D, 0x00, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x05, 0x00, 0x34, 0x12, 0x03, 0x02,
};

/* docs/protocol.md §2.3: broadcast key from shared secret 00 01 … 1F and controller LTPK
 * 20 21 … 3F, and an encrypted notification under it (advertising id A1…F6, GSN 0x1235,
 * iid 0x0033, bool value 1), both computed independently with Python's `cryptography`
 * (OpenSSL): HKDF(SHA512, length=32, salt=ltpk, info=b"Broadcast-Encryption-Key"),
 * then ChaCha20Poly1305(key).encrypt(b"\0"*4 + pack("<Q", 0x1235), pack("<HH", 0x1235,
 * 0x33) + b"\1" + b"\0"*7, adv_id) → ciphertext ‖ tag, of which the payload keeps the
 * first 4 tag bytes. */
static const guint8 broadcast_key[32] = {
  0xca, 0x7b, 0x1f, 0x7c, 0xc3, 0xbd, 0x75, 0xe4, 0x5f, 0xb2, 0xb0, 0x2e, 0xa3, 0x29, 0x98, 0xde,
  0x7a, 0x8c, 0xb5, 0xb0, 0x6c, 0x1b, 0x24, 0xef, 0xf6, 0x8a, 0x5b, 0xc5, 0x6e, 0xab, 0x45, 0x0a,
};
static const guint8 notification_vector[HAP_BLE_ENCRYPTED_NOTIFICATION_LEN] = {
  0x11, 0x36, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6,
  0x54, 0x4e, 0x9c, 0xb2, 0x32, 0x76, 0x5c, 0xba, 0xfa, 0xf5, 0x8c, 0x86,
  0xc1, 0xa9, 0x37, 0x7a,
};

static void
known_advertisement (HapBleAdvertisement *adv)
{
  memset (adv, 0, sizeof *adv);
  adv->status_flags = HAP_BLE_ADV_STATUS_NOT_PAIRED;
  g_assert_true (hap_ble_device_id_parse ("A1:B2:C3:D4:E5:F6", adv->device_id));
  adv->category = 5;
  adv->gsn = 0x1234;
  adv->configuration_number = 3;
}

static void
test_build (void)
{
  HapBleAdvertisement adv;
  g_autoptr(GBytes) with_hash = NULL;
  g_autoptr(GBytes) without_hash = NULL;

  known_advertisement (&adv);
  adv.compatible_version = 0x77;   /* ignored: build always writes 2 */
  without_hash = hap_ble_advertisement_build (&adv);
  g_assert_cmpmem (g_bytes_get_data (without_hash, NULL), g_bytes_get_size (without_hash),
                   ((const guint8[]) { 0x06, 0x2D, 0x01, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6,
                                       0x05, 0x00, 0x34, 0x12, 0x03, 0x02 }), HAP_BLE_ADV_LEN);

  hap_ble_advertisement_set_setup_id (&adv, "7OSX");
  g_assert_true (adv.has_setup_hash);
  with_hash = hap_ble_advertisement_build (&adv);
  g_assert_cmpmem (g_bytes_get_data (with_hash, NULL), g_bytes_get_size (with_hash),
                   advertisement_with_hash, sizeof advertisement_with_hash);
}

/* docs/protocol.md §2.4: the hash covers the device id string, e.g. for the all-zero id
 *   printf '7OSX00:00:00:00:00:00' | sha512sum     → fe6ee7ed… */
static void
test_setup_hash (void)
{
  HapBleAdvertisement adv = { 0 };

  hap_ble_advertisement_set_setup_id (&adv, "7OSX");
  g_assert_cmpmem (adv.setup_hash, 4, ((const guint8[]) { 0xfe, 0x6e, 0xe7, 0xed }), 4);
}

static void
test_parse (void)
{
  HapBleAdvertisement adv;
  GError *error = NULL;

  g_assert_true (hap_ble_advertisement_parse (advertisement_with_hash, sizeof advertisement_with_hash,
                                              &adv, &error));
  g_assert_no_error (error);
  g_assert_cmphex (adv.status_flags, ==, 0x01);
  g_assert_cmpmem (adv.device_id, 6, ((const guint8[]) { 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6 }), 6);
  g_assert_cmpuint (adv.category, ==, 5);
  g_assert_cmphex (adv.gsn, ==, 0x1234);
  g_assert_cmpuint (adv.configuration_number, ==, 3);
  g_assert_cmpuint (adv.compatible_version, ==, 2);
  g_assert_true (adv.has_setup_hash);
  g_assert_cmpmem (adv.setup_hash, 4, ((const guint8[]) { 0x12, 0xF8, 0x75, 0x70 }), 4);

  /* The 19-byte AD structure of a device without a setup hash, paired (SF 00). */
  g_assert_cmpuint (sizeof ad_without_hash, ==, 19);
  g_assert_true (hap_ble_advertisement_parse (ad_without_hash + 4, sizeof ad_without_hash - 4, &adv, &error));
  g_assert_no_error (error);
  g_assert_cmphex (adv.status_flags, ==, 0x00);
  g_assert_cmphex (adv.gsn, ==, 0x1234);
  g_assert_false (adv.has_setup_hash);
  g_assert_cmpmem (adv.setup_hash, 4, ((const guint8[]) { 0, 0, 0, 0 }), 4);
}

typedef struct
{
  const char   *name;
  const guint8 *data;
  gsize         len;
  const char   *message;
} BadAdvertisement;

#define BYTES(...) (const guint8[]) { __VA_ARGS__ }, sizeof ((const guint8[]) { __VA_ARGS__ })
#define BODY13 0x00, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x05, 0x00, 0x34, 0x12, 0x03, 0x02

static const BadAdvertisement bad_advertisements[] = {
  { "empty", (const guint8 *) "", 0, "0 bytes is truncated" },
  { "type-only", BYTES (0x06), "1 bytes is truncated" },
  { "other-type", BYTES (0x11, 0x36, BODY13), "type 0x11 is not a HAP regular advertisement" },
  { "subtype-2", BYTES (0x06, 0x4D, BODY13), "STL 0x4D is neither 0x2D nor 0x31" },
  { "length-14", BYTES (0x06, 0x2E, BODY13, 0x00), "STL 0x2E is neither" },
  { "hash-announced-missing", BYTES (0x06, 0x31, BODY13), "announces 17 bytes, but 13 follow" },
  { "hash-unannounced", BYTES (0x06, 0x2D, BODY13, 1, 2, 3, 4), "announces 13 bytes, but 17 follow" },
  { "truncated", BYTES (0x06, 0x2D, 0x00, 0xA1, 0xB2), "announces 13 bytes, but 3 follow" },
};

static void
test_parse_errors (gconstpointer data)
{
  const BadAdvertisement *bad = data;
  HapBleAdvertisement adv;
  g_autoptr(GError) error = NULL;

  g_assert_false (hap_ble_advertisement_parse (bad->data, bad->len, &adv, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  if (strstr (error->message, bad->message) == NULL)
    g_error ("%s: message \"%s\" lacks \"%s\"", bad->name, error->message, bad->message);
}

static void
test_device_id (void)
{
  guint8 id[HAP_BLE_DEVICE_ID_LEN];
  g_autofree char *text = NULL;
  static const char * const bad[] = {
    "", "A1:B2:C3:D4:E5", "A1:B2:C3:D4:E5:F6:", "A1-B2-C3-D4-E5-F6", "G1:B2:C3:D4:E5:F6",
    "A1:B2:C3:D4:E5:F", "A1B2:C3:D4:E5:F6:0", " A1:B2:C3:D4:E5:F",
  };

  g_assert_true (hap_ble_device_id_parse ("a1:b2:c3:d4:e5:0f", id));
  g_assert_cmpmem (id, 6, ((const guint8[]) { 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0x0F }), 6);
  text = hap_ble_device_id_to_string (id);
  g_assert_cmpstr (text, ==, "A1:B2:C3:D4:E5:0F");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      if (hap_ble_device_id_parse (bad[i], id))
        g_error ("\"%s\" parsed as a device id", bad[i]);
    }
}

static void
test_broadcast_key (void)
{
  guint8 secret[32], ltpk[32], key[32];

  for (guint i = 0; i < 32; i++)
    {
      secret[i] = (guint8) i;
      ltpk[i] = (guint8) (0x20 + i);
    }
  hap_ble_broadcast_key_derive (secret, ltpk, key);
  g_assert_cmpmem (key, sizeof key, broadcast_key, sizeof broadcast_key);
}

static void
vector_notification (HapBleEncryptedNotification *n)
{
  g_autoptr(GVariant) on = g_variant_ref_sink (g_variant_new_boolean (TRUE));

  memset (n, 0xEE, sizeof *n);
  g_assert_true (hap_ble_device_id_parse ("A1:B2:C3:D4:E5:F6", n->advertising_id));
  n->gsn = 0x1235;
  n->iid = 0x0033;
  hap_ble_encrypted_notification_set_value (n, HAP_FORMAT_BOOL, on);
}

/* docs/protocol.md §5.10: the accessory's payload matches the independent vector, and a
 * controller opens it knowing only a GSN window. */
static void
test_notification_vector (void)
{
  HapBleEncryptedNotification n, opened;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GVariant) value = NULL;
  GError *error = NULL;

  vector_notification (&n);
  /* The value is zero-padded over whatever the struct held. */
  g_assert_cmpmem (n.value, 8, ((const guint8[]) { 1, 0, 0, 0, 0, 0, 0, 0 }), 8);
  payload = hap_ble_encrypted_notification_build (broadcast_key, &n);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                   notification_vector, sizeof notification_vector);

  /* The controller last saw GSN 0x1234 in the regular advertisement. */
  memset (&opened, 0, sizeof opened);
  g_assert_true (hap_ble_encrypted_notification_open (broadcast_key, notification_vector,
                                                      sizeof notification_vector, 0x1234, 8,
                                                      &opened, &error));
  g_assert_no_error (error);
  g_assert_cmphex (opened.gsn, ==, 0x1235);
  g_assert_cmphex (opened.iid, ==, 0x0033);
  g_assert_cmpmem (opened.advertising_id, 6, n.advertising_id, 6);
  g_assert_cmpmem (opened.value, 8, n.value, 8);
  value = hap_ble_encrypted_notification_get_value (&opened, HAP_FORMAT_BOOL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_get_boolean (value));

  /* Exactly the GSN, and a window ending at it, work; one that stops short does not. */
  g_assert_true (hap_ble_encrypted_notification_open (broadcast_key, notification_vector, 24, 0x1235, 1,
                                                      &opened, NULL));
  g_assert_true (hap_ble_encrypted_notification_open (broadcast_key, notification_vector, 24, 0x1230, 6,
                                                      &opened, NULL));
  g_assert_false (hap_ble_encrypted_notification_open (broadcast_key, notification_vector, 24, 0x1230, 5,
                                                       &opened, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_clear_error (&error);
  g_assert_false (hap_ble_encrypted_notification_open (broadcast_key, notification_vector, 24, 0x1236, 100,
                                                       &opened, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_clear_error (&error);
}

/* Every single-bit change anywhere is refused: type/STL as malformed, the advertising id
 * (the AAD), ciphertext and tag as failing authentication. */
static void
test_notification_tampered (void)
{
  for (guint i = 0; i < HAP_BLE_ENCRYPTED_NOTIFICATION_LEN; i++)
    {
      for (guint bit = 0; bit < 8; bit++)
        {
          guint8 copy[HAP_BLE_ENCRYPTED_NOTIFICATION_LEN];
          HapBleEncryptedNotification n;
          g_autoptr(GError) error = NULL;
          gint expected;

          memcpy (copy, notification_vector, sizeof copy);
          copy[i] ^= (guint8) (1u << bit);
          g_assert_false (hap_ble_encrypted_notification_open (broadcast_key, copy, sizeof copy, 0x1200, 64,
                                                               &n, &error));
          expected = i < 2 ? HAP_ERROR_INVALID_DATA : HAP_ERROR_AUTHENTICATION;
          g_assert_error (error, HAP_ERROR, expected);
        }
    }
}

static void
test_notification_wrong_key (void)
{
  guint8 key[32];
  HapBleEncryptedNotification n;
  GError *error = NULL;

  memcpy (key, broadcast_key, sizeof key);
  key[31] ^= 0x01;
  g_assert_false (hap_ble_encrypted_notification_open (key, notification_vector, 24, 0x1234, 8, &n, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION);
  g_clear_error (&error);

  g_assert_false (hap_ble_encrypted_notification_open (broadcast_key, notification_vector, 23, 0x1234, 8,
                                                       &n, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_clear_error (&error);
}

/* Round trips of other formats and across the GSN wrap 65535 → 1. */
static void
test_notification_round_trip (void)
{
  static const struct { guint16 gsn; guint16 first; guint window; } cases[] = {
    { 65535, 65534, 2 }, { 1, 65534, 3 }, { 1, 65535, 2 }, { 2, 0, 2 }, { 40000, 39990, 20 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HapBleEncryptedNotification n = { 0 }, opened = { 0 };
      g_autoptr(GBytes) payload = NULL;
      g_autoptr(GVariant) value = g_variant_ref_sink (g_variant_new_double (21.5 + i));
      g_autoptr(GVariant) back = NULL;
      g_autoptr(GError) error = NULL;

      memset (n.advertising_id, 0x5A, sizeof n.advertising_id);
      n.gsn = cases[i].gsn;
      n.iid = (guint16) (0x100 + i);
      hap_ble_encrypted_notification_set_value (&n, HAP_FORMAT_FLOAT, value);
      payload = hap_ble_encrypted_notification_build (broadcast_key, &n);
      g_assert_cmpuint (g_bytes_get_size (payload), ==, HAP_BLE_ENCRYPTED_NOTIFICATION_LEN);

      g_assert_true (hap_ble_encrypted_notification_open (broadcast_key, g_bytes_get_data (payload, NULL),
                                                          HAP_BLE_ENCRYPTED_NOTIFICATION_LEN,
                                                          cases[i].first, cases[i].window, &opened, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (opened.gsn, ==, cases[i].gsn);
      g_assert_cmpuint (opened.iid, ==, 0x100 + i);
      back = hap_ble_encrypted_notification_get_value (&opened, HAP_FORMAT_FLOAT, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (g_variant_get_double (back), ==, 21.5 + i);
    }

  /* A value BLE cannot broadcast cannot be read from one either. */
  {
    HapBleEncryptedNotification n = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) v = hap_ble_encrypted_notification_get_value (&n, HAP_FORMAT_STRING, &error);

    g_assert_null (v);
    g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  }
  {
    HapBleEncryptedNotification n = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) v = NULL;

    n.value[0] = 2;
    v = hap_ble_encrypted_notification_get_value (&n, HAP_FORMAT_BOOL, &error);
    g_assert_null (v);
    g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  }
}

/* docs/protocol.md §5.11: 1 … 65535, then 1 again, never 0. */
static void
test_gsn (void)
{
  guint16 gsn = 1;

  g_assert_cmpuint (hap_ble_gsn_next (1), ==, 2);
  g_assert_cmpuint (hap_ble_gsn_next (65534), ==, 65535);
  g_assert_cmpuint (hap_ble_gsn_next (65535), ==, 1);
  g_assert_cmpuint (hap_ble_gsn_next (0), ==, 1);

  for (guint i = 0; i < 65535; i++)
    {
      g_assert_cmpuint (hap_ble_gsn_distance (1, gsn), ==, i);
      gsn = hap_ble_gsn_next (gsn);
      g_assert_cmpuint (gsn, !=, 0);
    }
  g_assert_cmpuint (gsn, ==, 1);

  g_assert_cmpuint (hap_ble_gsn_distance (65535, 1), ==, 1);
  g_assert_cmpuint (hap_ble_gsn_distance (1, 65535), ==, 65534);
  g_assert_cmpuint (hap_ble_gsn_distance (700, 700), ==, 0);
  g_assert_cmpuint (hap_ble_gsn_distance (65000, 10), ==, 545);
}

/* docs/protocol.md §5.10: the key generated at GSN g is valid through g + 32766 and gone
 * after the 32767th increment (ADK: expirationGSN = g + 32767 − 1, wrapping by 65535). */
static void
test_key_expiry (void)
{
  static const guint16 starts[] = { 1, 2, 40000, 32768, 32769, 32770, 65535 };

  /* By hand: 1 + 32766; 40000 + 32766 − 65535; 32769 + 32766 = 65535; 32770 wraps to 1. */
  g_assert_cmpuint (hap_ble_broadcast_key_expiration_gsn (1), ==, 32767);
  g_assert_cmpuint (hap_ble_broadcast_key_expiration_gsn (40000), ==, 7231);
  g_assert_cmpuint (hap_ble_broadcast_key_expiration_gsn (32769), ==, 65535);
  g_assert_cmpuint (hap_ble_broadcast_key_expiration_gsn (32770), ==, 1);
  g_assert_cmpuint (hap_ble_broadcast_key_expiration_gsn (65535), ==, 32766);

  for (guint s = 0; s < G_N_ELEMENTS (starts); s++)
    {
      guint16 gsn = starts[s];

      g_assert_false (hap_ble_broadcast_key_is_expired (starts[s], gsn));
      for (guint i = 1; i <= 32767; i++)
        {
          gsn = hap_ble_gsn_next (gsn);
          if (i == 32766)
            {
              g_assert_cmpuint (gsn, ==, hap_ble_broadcast_key_expiration_gsn (starts[s]));
              g_assert_false (hap_ble_broadcast_key_is_expired (starts[s], gsn));
            }
          else if (i == 32767)
            g_assert_true (hap_ble_broadcast_key_is_expired (starts[s], gsn));
          else if (i < 32766 && hap_ble_broadcast_key_is_expired (starts[s], gsn))
            g_error ("key from GSN %u expired after %u increments", starts[s], i);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/ble-advertisement/build", test_build);
  g_test_add_func ("/ble-advertisement/setup-hash", test_setup_hash);
  g_test_add_func ("/ble-advertisement/parse", test_parse);
  for (guint i = 0; i < G_N_ELEMENTS (bad_advertisements); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ble-advertisement/parse-errors/%s", bad_advertisements[i].name);
      g_test_add_data_func (path, &bad_advertisements[i], test_parse_errors);
    }
  g_test_add_func ("/ble-advertisement/device-id", test_device_id);
  g_test_add_func ("/ble-advertisement/broadcast-key", test_broadcast_key);
  g_test_add_func ("/ble-advertisement/notification/vector", test_notification_vector);
  g_test_add_func ("/ble-advertisement/notification/tampered", test_notification_tampered);
  g_test_add_func ("/ble-advertisement/notification/wrong-key", test_notification_wrong_key);
  g_test_add_func ("/ble-advertisement/notification/round-trip", test_notification_round_trip);
  g_test_add_func ("/ble-advertisement/gsn", test_gsn);
  g_test_add_func ("/ble-advertisement/key-expiry", test_key_expiry);

  return g_test_run ();
}
