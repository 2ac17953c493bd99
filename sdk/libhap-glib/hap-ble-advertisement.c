/* hap-ble-advertisement.c — HAP-BLE advertisement payloads, encrypted notifications,
 * broadcast key and GSN arithmetic (docs/protocol.md §2.3, §5.9–§5.11)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-advertisement-private.h"

#include "hap-ble-le-private.h"
#include "hap-ble-value-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-setup-payload-private.h"

#include <string.h>

/* docs/protocol.md §5.9, §5.10: STL = subtype (top 3 bits, always 1) ‖ length (5 bits). */
#define STL_SUBTYPE            1
#define STL_SUBTYPE_SHIFT      5
#define STL_LENGTH_MASK        0x1F
#define STL(length)            ((guint8) ((STL_SUBTYPE << STL_SUBTYPE_SHIFT) | (length)))

#define REGULAR_BODY_LEN       (HAP_BLE_ADV_LEN - 2)               /* 13 */
#define REGULAR_BODY_LEN_HASH  (HAP_BLE_ADV_LEN_WITH_SETUP_HASH - 2) /* 17 */

#define NOTIFICATION_BODY_LEN  (HAP_BLE_ENCRYPTED_NOTIFICATION_LEN - 2) /* 22 */
#define NOTIFICATION_PLAIN_LEN 12  /* GSN ‖ IID ‖ value */
#define NOTIFICATION_ID_OFFSET 2
#define NOTIFICATION_CT_OFFSET (NOTIFICATION_ID_OFFSET + HAP_BLE_DEVICE_ID_LEN)
#define NOTIFICATION_TAG_OFFSET (NOTIFICATION_CT_OFFSET + NOTIFICATION_PLAIN_LEN)

/* docs/protocol.md §5.10: the key expires after 2¹⁵ − 1 GSN increments. */
#define BROADCAST_KEY_LIFETIME 32767
#define GSN_COUNT              65535

/* Regular advertisement (docs/protocol.md §5.9). */

GBytes *
hap_ble_advertisement_build (const HapBleAdvertisement *advertisement)
{
  guint8 out[HAP_BLE_ADV_LEN_WITH_SETUP_HASH];
  gsize len;

  g_return_val_if_fail (advertisement != NULL, NULL);

  len = advertisement->has_setup_hash ? HAP_BLE_ADV_LEN_WITH_SETUP_HASH : HAP_BLE_ADV_LEN;
  out[0] = HAP_BLE_ADV_TYPE_REGULAR;
  out[1] = STL (len - 2);
  out[2] = advertisement->status_flags;
  memcpy (out + 3, advertisement->device_id, HAP_BLE_DEVICE_ID_LEN);
  hap_ble_put_le16 (out + 9, advertisement->category);
  hap_ble_put_le16 (out + 11, advertisement->gsn);
  out[13] = advertisement->configuration_number;
  out[14] = HAP_BLE_ADV_COMPATIBLE_VERSION;
  if (advertisement->has_setup_hash)
    memcpy (out + 15, advertisement->setup_hash, HAP_BLE_SETUP_HASH_LEN);

  return g_bytes_new (out, len);
}

gboolean
hap_ble_advertisement_parse (const guint8         *data,
                             gsize                 len,
                             HapBleAdvertisement  *advertisement,
                             GError              **error)
{
  guint8 stl_length;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (advertisement != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len < 2)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "HAP advertisement of %" G_GSIZE_FORMAT " bytes is truncated before "
                   "its type and STL", len);
      return FALSE;
    }

  if (data[0] != HAP_BLE_ADV_TYPE_REGULAR)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "Advertisement type 0x%02X is not a HAP regular advertisement (0x%02X)",
                   data[0], HAP_BLE_ADV_TYPE_REGULAR);
      return FALSE;
    }

  stl_length = data[1] & STL_LENGTH_MASK;
  if (data[1] >> STL_SUBTYPE_SHIFT != STL_SUBTYPE ||
      (stl_length != REGULAR_BODY_LEN && stl_length != REGULAR_BODY_LEN_HASH))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "HAP advertisement STL 0x%02X is neither 0x%02X nor 0x%02X (subtype 1, "
                   "length 13 or 17 with the setup hash)",
                   data[1], STL (REGULAR_BODY_LEN), STL (REGULAR_BODY_LEN_HASH));
      return FALSE;
    }

  if (len - 2 != stl_length)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "HAP advertisement STL 0x%02X announces %u bytes, but %" G_GSIZE_FORMAT
                   " follow", data[1], stl_length, len - 2);
      return FALSE;
    }

  memset (advertisement, 0, sizeof *advertisement);
  advertisement->status_flags = data[2];
  memcpy (advertisement->device_id, data + 3, HAP_BLE_DEVICE_ID_LEN);
  advertisement->category = hap_ble_get_le16 (data + 9);
  advertisement->gsn = hap_ble_get_le16 (data + 11);
  advertisement->configuration_number = data[13];
  advertisement->compatible_version = data[14];
  advertisement->has_setup_hash = stl_length == REGULAR_BODY_LEN_HASH;
  if (advertisement->has_setup_hash)
    memcpy (advertisement->setup_hash, data + 15, HAP_BLE_SETUP_HASH_LEN);

  return TRUE;
}

void
hap_ble_advertisement_set_setup_id (HapBleAdvertisement *advertisement,
                                    const char          *setup_id)
{
  g_autofree char *device_id = NULL;

  g_return_if_fail (advertisement != NULL);
  g_return_if_fail (setup_id != NULL);

  /* docs/protocol.md §2.4: the hash covers the device id in its string form. */
  device_id = hap_ble_device_id_to_string (advertisement->device_id);
  hap_setup_hash_compute (setup_id, device_id, advertisement->setup_hash);
  advertisement->has_setup_hash = TRUE;
}

gboolean
hap_ble_device_id_parse (const char *text,
                         guint8      id[HAP_BLE_DEVICE_ID_LEN])
{
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  /* docs/protocol.md §2.5: "AA:BB:CC:DD:EE:FF". */
  if (strlen (text) != 3 * HAP_BLE_DEVICE_ID_LEN - 1)
    return FALSE;

  for (guint i = 0; i < HAP_BLE_DEVICE_ID_LEN; i++)
    {
      const char *p = text + 3 * i;

      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
        return FALSE;
      if (i + 1 < HAP_BLE_DEVICE_ID_LEN && p[2] != ':')
        return FALSE;
    }

  for (guint i = 0; i < HAP_BLE_DEVICE_ID_LEN; i++)
    id[i] = (guint8) (g_ascii_xdigit_value (text[3 * i]) << 4 |
                      g_ascii_xdigit_value (text[3 * i + 1]));
  return TRUE;
}

char *
hap_ble_device_id_to_string (const guint8 id[HAP_BLE_DEVICE_ID_LEN])
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_strdup_printf ("%02X:%02X:%02X:%02X:%02X:%02X",
                          id[0], id[1], id[2], id[3], id[4], id[5]);
}

/* Encrypted notifications (docs/protocol.md §5.10). */

void
hap_ble_encrypted_notification_set_value (HapBleEncryptedNotification *notification,
                                          HapFormat                    format,
                                          GVariant                    *value)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;
  const guint8 *data;

  g_return_if_fail (notification != NULL);
  g_return_if_fail (hap_ble_format_can_broadcast (format));

  bytes = hap_ble_value_encode (format, value);
  g_return_if_fail (bytes != NULL);
  data = g_bytes_get_data (bytes, &len);

  memset (notification->value, 0, sizeof notification->value);
  memcpy (notification->value, data, len);
}

GVariant *
hap_ble_encrypted_notification_get_value (const HapBleEncryptedNotification  *notification,
                                          HapFormat                           format,
                                          GError                            **error)
{
  g_return_val_if_fail (notification != NULL, NULL);
  g_return_val_if_fail (format <= HAP_FORMAT_DATA, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!hap_ble_format_can_broadcast (format))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "A %s value cannot travel in an encrypted notification",
                   hap_format_to_string (format));
      return NULL;
    }

  /* The value leads the 8 bytes; the padding after it is not part of it. */
  return hap_ble_value_decode (format, notification->value, hap_ble_format_get_size (format), error);
}

static void
ietf_nonce (guint16 gsn,
            guint8  nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES])
{
  /* docs/protocol.md §0: 4 zero bytes ‖ LE64(counter), here the GSN. */
  memset (nonce, 0, 4);
  hap_nonce_from_counter (gsn, nonce + 4);
}

GBytes *
hap_ble_encrypted_notification_build (const guint8                       key[HAP_BLE_BROADCAST_KEY_LEN],
                                      const HapBleEncryptedNotification *notification)
{
  guint8 plain[NOTIFICATION_PLAIN_LEN];
  guint8 sealed[NOTIFICATION_PLAIN_LEN + HAP_AEAD_TAG_LEN];
  guint8 nonce[HAP_AEAD_NONCE_LEN];
  guint8 out[HAP_BLE_ENCRYPTED_NOTIFICATION_LEN];

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (notification != NULL, NULL);

  hap_ble_put_le16 (plain, notification->gsn);
  hap_ble_put_le16 (plain + 2, notification->iid);
  memcpy (plain + 4, notification->value, HAP_BLE_BROADCAST_VALUE_LEN);

  /* AAD = the advertising identifier; only the first 4 tag bytes travel. */
  hap_nonce_from_counter (notification->gsn, nonce);
  hap_aead_encrypt (key, nonce, notification->advertising_id, HAP_BLE_DEVICE_ID_LEN,
                    plain, sizeof plain, sealed);

  out[0] = HAP_BLE_ADV_TYPE_ENCRYPTED_NOTIFICATION;
  out[1] = STL (NOTIFICATION_BODY_LEN);
  memcpy (out + NOTIFICATION_ID_OFFSET, notification->advertising_id, HAP_BLE_DEVICE_ID_LEN);
  memcpy (out + NOTIFICATION_CT_OFFSET, sealed, NOTIFICATION_PLAIN_LEN);
  memcpy (out + NOTIFICATION_TAG_OFFSET, sealed + NOTIFICATION_PLAIN_LEN, HAP_BLE_BROADCAST_TAG_LEN);

  /* The value is what the broadcast hides from everyone without the key. */
  sodium_memzero (plain, sizeof plain);
  return g_bytes_new (out, sizeof out);
}

/* Decrypts @ciphertext as if the accessory had used @gsn and checks the truncated tag.
 *
 * The nonce is the GSN, and the GSN is inside the ciphertext, so nothing can be
 * decrypted before a GSN is chosen. libsodium 1.0.18 has no AEAD call that verifies a
 * truncated tag, so for each candidate:
 *  1. crypto_stream_chacha20_ietf_xor_ic() with block counter 1 (the IETF AEAD keeps
 *     block 0 for the Poly1305 key) gives the plaintext under that nonce;
 *  2. a decrypted GSN other than the candidate means a wrong candidate (or key), and is
 *     cheap to rule out;
 *  3. crypto_aead_chacha20poly1305_ietf_encrypt_detached() of that plaintext reproduces
 *     the received ciphertext (same key and nonce, same keystream) together with the
 *     full tag over aad ‖ ciphertext; its first 4 bytes must equal the received ones,
 *     compared with sodium_memcmp(). */
static gboolean
open_with_gsn (const guint8  key[HAP_BLE_BROADCAST_KEY_LEN],
               const guint8 *advertising_id,
               const guint8 *ciphertext,
               const guint8 *tag,
               guint16       gsn,
               guint8        plain[NOTIFICATION_PLAIN_LEN])
{
  guint8 nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
  guint8 again[NOTIFICATION_PLAIN_LEN];
  guint8 full_tag[crypto_aead_chacha20poly1305_IETF_ABYTES];
  gboolean ok;

  ietf_nonce (gsn, nonce);
  crypto_stream_chacha20_ietf_xor_ic (plain, ciphertext, NOTIFICATION_PLAIN_LEN, nonce, 1, key);
  if (hap_ble_get_le16 (plain) != gsn)
    return FALSE;

  crypto_aead_chacha20poly1305_ietf_encrypt_detached (again, full_tag, NULL,
                                                      plain, NOTIFICATION_PLAIN_LEN,
                                                      advertising_id, HAP_BLE_DEVICE_ID_LEN,
                                                      NULL, nonce, key);
  ok = sodium_memcmp (full_tag, tag, HAP_BLE_BROADCAST_TAG_LEN) == 0;
  sodium_memzero (full_tag, sizeof full_tag);
  return ok;
}

gboolean
hap_ble_encrypted_notification_open (const guint8                 key[HAP_BLE_BROADCAST_KEY_LEN],
                                     const guint8                *data,
                                     gsize                        len,
                                     guint16                      first_gsn,
                                     guint                        n_gsns,
                                     HapBleEncryptedNotification *notification,
                                     GError                     **error)
{
  guint8 plain[NOTIFICATION_PLAIN_LEN];
  guint16 gsn = first_gsn;

  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (n_gsns >= 1 && n_gsns <= GSN_COUNT, FALSE);
  g_return_val_if_fail (notification != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (len != HAP_BLE_ENCRYPTED_NOTIFICATION_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "Encrypted notification has %" G_GSIZE_FORMAT " bytes; it must have %d",
                   len, HAP_BLE_ENCRYPTED_NOTIFICATION_LEN);
      return FALSE;
    }
  if (data[0] != HAP_BLE_ADV_TYPE_ENCRYPTED_NOTIFICATION || data[1] != STL (NOTIFICATION_BODY_LEN))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "Type 0x%02X and STL 0x%02X are not those of an encrypted notification "
                   "(0x%02X, 0x%02X)", data[0], data[1],
                   HAP_BLE_ADV_TYPE_ENCRYPTED_NOTIFICATION, STL (NOTIFICATION_BODY_LEN));
      return FALSE;
    }

  hap_crypto_init ();

  if (gsn == 0)
    gsn = hap_ble_gsn_next (0);

  for (guint i = 0; i < n_gsns; i++, gsn = hap_ble_gsn_next (gsn))
    {
      if (!open_with_gsn (key, data + NOTIFICATION_ID_OFFSET, data + NOTIFICATION_CT_OFFSET,
                          data + NOTIFICATION_TAG_OFFSET, gsn, plain))
        continue;

      memcpy (notification->advertising_id, data + NOTIFICATION_ID_OFFSET, HAP_BLE_DEVICE_ID_LEN);
      notification->gsn = gsn;
      notification->iid = hap_ble_get_le16 (plain + 2);
      memcpy (notification->value, plain + 4, HAP_BLE_BROADCAST_VALUE_LEN);
      sodium_memzero (plain, sizeof plain);
      return TRUE;
    }

  sodium_memzero (plain, sizeof plain);
  g_set_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
               "Encrypted notification does not authenticate for any of the %u GSNs from %u",
               n_gsns, first_gsn);
  return FALSE;
}

/* Broadcast key (docs/protocol.md §2.3). */

void
hap_ble_broadcast_key_derive (const guint8 shared_secret[32],
                              const guint8 controller_ltpk[32],
                              guint8       key[HAP_BLE_BROADCAST_KEY_LEN])
{
  static const char info[] = "Broadcast-Encryption-Key";

  g_return_if_fail (shared_secret != NULL);
  g_return_if_fail (controller_ltpk != NULL);
  g_return_if_fail (key != NULL);

  hap_hkdf_sha512 (shared_secret, 32, controller_ltpk, 32,
                   (const guint8 *) info, sizeof info - 1,
                   key, HAP_BLE_BROADCAST_KEY_LEN);
}

/* GSN arithmetic (docs/protocol.md §5.11): numbers 1 … 65535, i.e. the integers modulo
 * 65535 with 65535 standing for 0. */

guint16
hap_ble_gsn_next (guint16 gsn)
{
  return gsn >= G_MAXUINT16 ? 1 : (guint16) (gsn + 1);
}

guint
hap_ble_gsn_distance (guint16 from,
                      guint16 to)
{
  return ((guint) to + GSN_COUNT - from) % GSN_COUNT;
}

guint16
hap_ble_broadcast_key_expiration_gsn (guint16 gsn_at_generation)
{
  guint start = gsn_at_generation == 0 ? GSN_COUNT : gsn_at_generation;

  return (guint16) ((start - 1 + BROADCAST_KEY_LIFETIME - 1) % GSN_COUNT + 1);
}

gboolean
hap_ble_broadcast_key_is_expired (guint16 gsn_at_generation,
                                  guint16 gsn)
{
  return hap_ble_gsn_distance (gsn_at_generation, gsn) >= BROADCAST_KEY_LIFETIME;
}
