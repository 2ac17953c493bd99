/* hap-setup-payload.h — setup codes, setup IDs, X-HM:// payloads and setup hashes
 * (hap-protocol.md §2.4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib.h>
#include "hap-version.h"

G_BEGIN_DECLS

typedef enum /*< flags >*/
{
  HAP_SETUP_FLAG_NONE   = 0,
  HAP_SETUP_FLAG_PAIRED = 1 << 0, /* payload bit 27 */
  HAP_SETUP_FLAG_IP     = 1 << 1, /* payload bit 28 */
  HAP_SETUP_FLAG_BLE    = 1 << 2, /* payload bit 29 */
} HapSetupFlags;

/* "XXX-XX-XXX" with 8 digits, not one of the disallowed codes (all digits equal,
 * 123-45-678, 876-54-321). FALSE with HAP_ERROR_INVALID_SETUP_CODE and a message that
 * says which rule was broken. */
HAP_AVAILABLE_IN_ALL
gboolean  hap_setup_code_validate  (const char     *code,
                                    GError        **error);
/* A random valid code (libsodium randombytes). Free with g_free. */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_code_generate  (void);
/* 4 random characters of 0-9A-Z. */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_id_generate    (void);
/* 4 characters of 0-9A-Z; FALSE with HAP_ERROR_INVALID_SETUP_CODE otherwise. */
HAP_AVAILABLE_IN_ALL
gboolean  hap_setup_id_validate    (const char     *setup_id,
                                    GError        **error);
/* "X-HM://" + 9 base-36 digits + setup id (or "0000" when @setup_id is NULL). @code may be
 * NULL (no code encoded). */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_payload_build  (const char     *code,
                                    const char     *setup_id,
                                    guint           category,
                                    HapSetupFlags   flags);
/* First 4 bytes of SHA-512(setup_id ‖ device_id), Base64 ("+KjpzQ=="). */
HAP_AVAILABLE_IN_ALL
char     *hap_setup_hash_base64    (const char     *setup_id,
                                    const char     *device_id);

G_END_DECLS
