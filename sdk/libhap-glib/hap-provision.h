/* hap-provision.h — factory provisioning: a device keeps its setup code's SRP verifier,
 * never the code (docs/protocol.md §2.1, §2.4)
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
 * HapProvisionFlags:
 * @HAP_PROVISION_FLAGS_NONE: refuse a state directory that already holds a device
 * @HAP_PROVISION_REPLACE: replace the device a state directory holds (its identity and
 *   pairings are lost)
 *
 * How hap_provision_state_dir() treats a state directory that is already in use.
 */
typedef enum /*< flags >*/
{
  HAP_PROVISION_FLAGS_NONE = 0,
  HAP_PROVISION_REPLACE    = 1 << 0,
} HapProvisionFlags;

/**
 * hap_setup_verifier_compute:
 * @setup_code: a valid setup code ("XXX-XX-XXX")
 * @salt: (out) (transfer full): 16 random bytes
 * @verifier: (out) (transfer full): the SRP-6a verifier (384 bytes) of @setup_code with
 *   @salt, for username "Pair-Setup"
 * @error: return location for a #GError
 *
 * What hap_accessory_server_set_setup_verifier() takes, for a factory tool of one's own.
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_SETUP_CODE when @setup_code is not valid
 */
HAP_AVAILABLE_IN_ALL
gboolean  hap_setup_verifier_compute (const char         *setup_code,
                                      GBytes            **salt,
                                      GBytes            **verifier,
                                      GError            **error);

/**
 * hap_provision_state_dir:
 * @state_dir: the device's state directory (created with mode 0700)
 * @setup_code: the code printed on the device's label; it is not written anywhere
 * @setup_id: the label's setup ID (4 characters of 0-9A-Z)
 * @flags: #HapProvisionFlags
 * @device_id: (out) (optional) (transfer full): the new device ID ("AB:CD:EF:01:23:45")
 * @error: return location for a #GError
 *
 * Writes a new device into @state_dir: a random device ID and Ed25519 identity, @setup_id,
 * and the SRP salt and verifier of @setup_code (files 0600, written atomically). A
 * #HapAccessoryServer on @state_dir then pairs with @setup_code while holding only the
 * verifier.
 *
 * Returns: %FALSE with %HAP_ERROR_STORAGE when @state_dir already holds a device (unless
 *   @flags has %HAP_PROVISION_REPLACE) or cannot be written, or
 *   %HAP_ERROR_INVALID_SETUP_CODE for a bad code or setup ID
 */
HAP_AVAILABLE_IN_ALL
gboolean  hap_provision_state_dir    (const char         *state_dir,
                                      const char         *setup_code,
                                      const char         *setup_id,
                                      HapProvisionFlags   flags,
                                      char              **device_id,
                                      GError            **error);

G_END_DECLS
