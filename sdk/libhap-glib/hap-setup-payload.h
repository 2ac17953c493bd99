/* hap-setup-payload.h — setup codes, setup IDs, X-HM:// payloads and setup hashes
 * (docs/protocol.md §2.4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib.h>
#include "hap-version.h"

G_BEGIN_DECLS

/**
 * HapSetupFlags:
 * @HAP_SETUP_FLAG_NONE: no flag
 * @HAP_SETUP_FLAG_PAIRED: the accessory is paired (payload bit 27)
 * @HAP_SETUP_FLAG_IP: the accessory supports HAP over IP (bit 28)
 * @HAP_SETUP_FLAG_BLE: the accessory supports HAP over Bluetooth LE (bit 29)
 *
 * The flags of an `X-HM://` setup payload.
 */
typedef enum /*< flags >*/
{
  HAP_SETUP_FLAG_NONE   = 0,
  HAP_SETUP_FLAG_PAIRED = 1 << 0,
  HAP_SETUP_FLAG_IP     = 1 << 1,
  HAP_SETUP_FLAG_BLE    = 1 << 2,
} HapSetupFlags;

/**
 * hap_setup_code_validate:
 * @code: a setup code
 * @error: return location for a #GError
 *
 * Checks a setup code: "XXX-XX-XXX" with 8 digits, and not one of the codes HAP
 * forbids (all digits equal, 123-45-678, 876-54-321).
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_SETUP_CODE and a message that says which rule
 *   was broken
 */
HAP_AVAILABLE_IN_ALL
gboolean  hap_setup_code_validate  (const char     *code,
                                    GError        **error);
/**
 * hap_setup_code_generate:
 *
 * Makes a random valid setup code (from libsodium's random generator).
 *
 * Returns: (transfer full): the code; free with g_free()
 */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_code_generate  (void);
/**
 * hap_setup_id_generate:
 *
 * Makes a random setup ID.
 *
 * Returns: (transfer full): 4 characters of 0-9A-Z; free with g_free()
 */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_id_generate    (void);
/**
 * hap_setup_id_validate:
 * @setup_id: a setup ID
 * @error: return location for a #GError
 *
 * Checks a setup ID: 4 characters of 0-9A-Z.
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_SETUP_CODE otherwise
 */
HAP_AVAILABLE_IN_ALL
gboolean  hap_setup_id_validate    (const char     *setup_id,
                                    GError        **error);
/**
 * hap_setup_payload_build:
 * @code: (nullable): the setup code, or %NULL to encode none
 * @setup_id: (nullable): the setup ID, or %NULL for "0000"
 * @category: the accessory category id
 * @flags: the payload flags
 *
 * Builds the setup payload a QR code or NFC tag carries: "X-HM://", 9 base-36 digits
 * and the setup ID.
 *
 * Returns: (transfer full): the payload; free with g_free()
 */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_payload_build  (const char     *code,
                                    const char     *setup_id,
                                    guint           category,
                                    HapSetupFlags   flags);
/**
 * hap_setup_hash_base64:
 * @setup_id: the setup ID
 * @device_id: the device ID ("AB:CD:EF:01:23:45")
 *
 * Computes the setup hash advertised over DNS-SD and Bluetooth LE: the first 4 bytes of
 * SHA-512 of @setup_id followed by @device_id.
 *
 * Returns: (transfer full): the hash in base64 ("+KjpzQ=="); free with g_free()
 */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_hash_base64    (const char     *setup_id,
                                    const char     *device_id);

G_END_DECLS
