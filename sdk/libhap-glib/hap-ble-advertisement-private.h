/* hap-ble-advertisement-private.h — HAP-BLE advertisement payloads, encrypted
 * notifications, the broadcast key and GSN arithmetic (docs/protocol.md §2.3, §5.9–§5.11)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Payloads here are the manufacturer data after Apple's company identifier: what BlueZ
 * takes in LEAdvertisement1.ManufacturerData {0x004C: ay} and reports in
 * Device1.ManufacturerData. The AD header (length, 0xFF, 4C 00) is BlueZ's business.
 */
#pragma once

#include <glib.h>

#include "hap-wire.h"
#include "hap-types.h"

G_BEGIN_DECLS

#define HAP_BLE_COMPANY_ID_APPLE                0x004C
#define HAP_BLE_DEVICE_ID_LEN                   6

/* docs/protocol.md §5.9: regular advertisement. */
#define HAP_BLE_ADV_TYPE_REGULAR                0x06
#define HAP_BLE_ADV_COMPATIBLE_VERSION          0x02
#define HAP_BLE_ADV_LEN_WITH_SETUP_HASH         19
#define HAP_BLE_SETUP_HASH_LEN                  4

typedef struct
{
  guint8   status_flags;          /* SF: HAP_BLE_ADV_STATUS_NOT_PAIRED while unpaired */
  guint8   device_id[HAP_BLE_DEVICE_ID_LEN];
  guint16  category;              /* ACID (docs/protocol.md §4.14) */
  guint16  gsn;                   /* global state number, 1–65535 */
  guint8   configuration_number;  /* CN, 1–255 */
  guint8   compatible_version;    /* CV: filled by parse; build always writes 0x02 */
  gboolean has_setup_hash;
  guint8   setup_hash[HAP_BLE_SETUP_HASH_LEN];
} HapBleAdvertisement;

/* TY 0x06 ‖ STL (0x2D, or 0x31 with the setup hash) ‖ SF ‖ device id (6) ‖ ACID (LE16) ‖
 * GSN (LE16) ‖ CN ‖ CV 0x02 [‖ setup hash (4)]: 15 or 19 bytes. */
GBytes   *hap_ble_advertisement_build        (const HapBleAdvertisement *advertisement);
/* The controller's side. Accepts exactly what build writes, with or without the setup
 * hash (devices without one send the 15-byte form); SF, CN and CV are reported as they
 * are. FALSE with HAP_ERROR_INVALID_DATA for another type, a subtype other than 1, an
 * STL length other than 13 or 17, or a payload whose size differs from what STL says. */
gboolean  hap_ble_advertisement_parse        (const guint8              *data,
                                              gsize                      len,
                                              HapBleAdvertisement       *advertisement,
                                              GError                   **error);
/* Sets the setup hash from @setup_id and the advertisement's device id
 * (docs/protocol.md §2.4). */
void      hap_ble_advertisement_set_setup_id (HapBleAdvertisement       *advertisement,
                                              const char                *setup_id);

/* "AA:BB:CC:DD:EE:FF" (any case) → 6 bytes; FALSE if @text is not of that form. */
gboolean  hap_ble_device_id_parse            (const char                *text,
                                              guint8                     id[HAP_BLE_DEVICE_ID_LEN]);
/* The uppercase string form (docs/protocol.md §2.5). */
char     *hap_ble_device_id_to_string        (const guint8               id[HAP_BLE_DEVICE_ID_LEN]);

/* docs/protocol.md §5.10: encrypted notification (broadcast event). */
#define HAP_BLE_ADV_TYPE_ENCRYPTED_NOTIFICATION 0x11
#define HAP_BLE_ENCRYPTED_NOTIFICATION_LEN      24    /* TY ‖ STL ‖ id (6) ‖ 12 ‖ tag (4) */
#define HAP_BLE_BROADCAST_VALUE_LEN             8
#define HAP_BLE_BROADCAST_TAG_LEN               4

typedef struct
{
  guint8  advertising_id[HAP_BLE_DEVICE_ID_LEN];  /* defaults to the device id */
  guint16 gsn;
  guint16 iid;
  guint8  value[HAP_BLE_BROADCAST_VALUE_LEN];      /* BLE value bytes, zero-padded */
} HapBleEncryptedNotification;

/* Stores @value (of @format's GVariant type; @format must satisfy
 * hap_ble_format_can_broadcast()) in its BLE form, zero-padded to 8 bytes. */
void      hap_ble_encrypted_notification_set_value (HapBleEncryptedNotification *notification,
                                                    HapFormat                    format,
                                                    GVariant                    *value);
/* The value back, read as @format (which the controller knows from the characteristic
 * with that iid). NULL with HAP_ERROR_INVALID_DATA as hap_ble_value_decode() gives it,
 * or for a format that cannot be broadcast. */
GVariant *hap_ble_encrypted_notification_get_value (const HapBleEncryptedNotification *notification,
                                                    HapFormat                          format,
                                                    GError                           **error);
/* TY 0x11 ‖ STL 0x36 ‖ advertising id ‖ ChaCha20-Poly1305(key, nonce = 0⁴ ‖ LE64(GSN),
 * aad = advertising id, GSN (LE16) ‖ IID (LE16) ‖ value (8)) ‖ first 4 tag bytes. */
GBytes   *hap_ble_encrypted_notification_build (const guint8                       key[HAP_BLE_BROADCAST_KEY_LEN],
                                                const HapBleEncryptedNotification *notification);
/* The controller's side. The nonce is the GSN, which travels inside the ciphertext, so
 * the controller has to guess it: this tries the @n_gsns GSNs from @first_gsn on (1 …
 * 65535, wrapping to 1 as the accessory counts, hap_ble_gsn_next()) and accepts the one
 * whose decrypted GSN matches it and whose 4-byte tag verifies (compared in constant
 * time). A controller usually passes its last known GSN and a window of a few dozen.
 * FALSE with HAP_ERROR_INVALID_DATA for a malformed payload, HAP_ERROR_AUTHENTICATION
 * when no candidate verifies (wrong key, tampered bytes or a GSN out of the window). */
gboolean  hap_ble_encrypted_notification_open  (const guint8                 key[HAP_BLE_BROADCAST_KEY_LEN],
                                                const guint8                *data,
                                                gsize                        len,
                                                guint16                      first_gsn,
                                                guint                        n_gsns,
                                                HapBleEncryptedNotification *notification,
                                                GError                     **error);

/* docs/protocol.md §2.3: HKDF-SHA-512(IKM = the current session's X25519 shared secret,
 * salt = the controller's Ed25519 long-term public key, info "Broadcast-Encryption-Key")
 * → 32 bytes. Both sides compute it when the controller asks for a new key (Protocol
 * Configuration, Generate-Broadcast-Encryption-Key). */
void      hap_ble_broadcast_key_derive (const guint8 shared_secret[32],
                                        const guint8 controller_ltpk[32],
                                        guint8       key[HAP_BLE_BROADCAST_KEY_LEN]);

/* GSN arithmetic (docs/protocol.md §5.11; hap_ble_gsn_next() is public). GSNs run 1 … 65535 and wrap to 1; 0 is not a
 * GSN and counts as 65535 here. */
/* Increments from @from to reach @to (0 … 65534). */
guint     hap_ble_gsn_distance                 (guint16 from,
                                                guint16 to);
/* docs/protocol.md §5.10: the last GSN at which a key generated at @gsn_at_generation is
 * valid, @gsn_at_generation + 32767 − 1 (wrapping). */
guint16   hap_ble_broadcast_key_expiration_gsn (guint16 gsn_at_generation);
/* TRUE once the GSN has been incremented 32767 times since the key was generated (the
 * increment past the expiration GSN expires it, as the ADK does). Only meaningful for
 * fewer than 65535 increments, after which GSNs repeat: an accessory drops the key when
 * it increments past the expiration GSN and does not ask again. */
gboolean  hap_ble_broadcast_key_is_expired     (guint16 gsn_at_generation,
                                                guint16 gsn);

G_END_DECLS
