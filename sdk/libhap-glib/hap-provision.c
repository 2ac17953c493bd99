/* hap-provision.c — factory provisioning (state directory files; no protocol logic)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-provision.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-setup-payload.h"
#include "hap-srp-private.h"
#include "hap-storage-private.h"

/* Every file hap-storage.c keeps: a replaced device leaves none of its predecessor's. */
static const char *const state_files[] = { "identity", "pairings", "state", "ids", "ble" };

gboolean
hap_setup_verifier_compute (const char  *setup_code,
                            GBytes     **salt,
                            GBytes     **verifier,
                            GError     **error)
{
  guint8 salt_bytes[HAP_SRP_SALT_LEN];
  guint8 *verifier_bytes;

  g_return_val_if_fail (setup_code != NULL, FALSE);
  g_return_val_if_fail (salt != NULL && verifier != NULL, FALSE);

  if (!hap_setup_code_validate (setup_code, error))
    return FALSE;
  hap_crypto_init ();
  /* docs/protocol.md §2.1: a fresh 16-byte salt per device. */
  randombytes_buf (salt_bytes, sizeof salt_bytes);
  verifier_bytes = g_malloc (HAP_SRP_PRIME_LEN);
  hap_srp_compute_verifier (HAP_SRP_USERNAME, setup_code, salt_bytes, verifier_bytes);
  *salt = g_bytes_new (salt_bytes, sizeof salt_bytes);
  *verifier = g_bytes_new_take (verifier_bytes, HAP_SRP_PRIME_LEN);
  return TRUE;
}

static gboolean
clear_state_dir (const char *dir, HapProvisionFlags flags, GError **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (state_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, state_files[i], NULL);

      if (!(flags & HAP_PROVISION_REPLACE) && g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE,
                       "%s already holds a device (%s); replacing it loses its identity and "
                       "pairings, and must be asked for", dir, state_files[i]);
          return FALSE;
        }
    }
  for (gsize i = 0; i < G_N_ELEMENTS (state_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, state_files[i], NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: cannot remove: %s",
                       path, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
hap_provision_state_dir (const char         *state_dir,
                         const char         *setup_code,
                         const char         *setup_id,
                         HapProvisionFlags   flags,
                         char              **device_id,
                         GError            **error)
{
  g_autoptr(HapStorage) storage = NULL;
  g_autoptr(GBytes) salt = NULL;
  g_autoptr(GBytes) verifier = NULL;

  g_return_val_if_fail (state_dir != NULL && setup_code != NULL && setup_id != NULL, FALSE);

  if (!hap_setup_id_validate (setup_id, error) ||
      !hap_setup_verifier_compute (setup_code, &salt, &verifier, error) ||
      !hap_storage_make_private_dir (state_dir, error) || !clear_state_dir (state_dir, flags, error))
    return FALSE;

  storage = hap_storage_new_identity (state_dir);
  memcpy (storage->setup_id, setup_id, sizeof storage->setup_id);
  hap_storage_set_setup_verifier (storage, g_bytes_get_data (salt, NULL), g_bytes_get_data (verifier, NULL));
  if (!hap_storage_save_identity (storage, error))
    return FALSE;
  if (device_id != NULL)
    *device_id = g_strdup (storage->device_id);
  return TRUE;
}
