/* hap-setup-payload-private.h — the raw setup hash (docs/protocol.md §2.4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HAP_SETUP_HASH_LEN 4

/* First 4 bytes of SHA-512(@setup_id ‖ @device_id), as the BLE advertisement carries them
 * (hap_setup_hash_base64() gives the Base64 form of the same bytes for the IP TXT record).
 * @device_id is the uppercase "AA:BB:CC:DD:EE:FF" string. */
void hap_setup_hash_compute (const char *setup_id,
                             const char *device_id,
                             guint8      hash[HAP_SETUP_HASH_LEN]);

G_END_DECLS
