/* hap-inspection.c — the parts of hap-inspection.h that are not the server's own:
 * decoding helpers over the private BLE codecs, the BLE notification builder and the
 * read-only view of a state directory
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A simulator's trace shows PDUs and advertisements decoded and its quirks build
 * notifications; these let it do so through the public API instead of the codecs'
 * private headers. Built only with -Dinspection=true.
 */
#include "hap-inspection.h"

#include <gio/gio.h>
#include <sodium.h>
#include <string.h>

#include "hap-ble-advertisement-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-ble-value-private.h"
#include "hap-storage-private.h"

struct _HapStoredState
{
  HapStorage *storage;
};

const char *
hap_ble_opcode_name (guint8 opcode)
{
  return hap_ble_opcode_to_string (opcode);
}

const char *
hap_ble_status_name (guint8 status)
{
  return hap_ble_pdu_status_to_string (status);
}

GVariant *
hap_ble_decode_value (HapCharacteristic *characteristic,
                      const guint8      *data,
                      gsize              len,
                      GError           **error)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (characteristic), NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  return hap_ble_value_decode (hap_characteristic_get_format (characteristic), data, len, error);
}

gboolean
hap_ble_parse_advertisement (const guint8              *data,
                             gsize                      len,
                             HapBleAdvertisementFields *fields,
                             GError                   **error)
{
  HapBleAdvertisement advertisement;
  g_autofree char *device_id = NULL;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (fields != NULL, FALSE);

  if (!hap_ble_advertisement_parse (data, len, &advertisement, error))
    return FALSE;
  memset (fields, 0, sizeof *fields);
  fields->status_flags = advertisement.status_flags;
  device_id = hap_ble_device_id_to_string (advertisement.device_id);
  g_strlcpy (fields->device_id, device_id, sizeof fields->device_id);
  fields->category = advertisement.category;
  fields->gsn = advertisement.gsn;
  fields->configuration_number = advertisement.configuration_number;
  fields->compatible_version = advertisement.compatible_version;
  fields->has_setup_hash = advertisement.has_setup_hash;
  memcpy (fields->setup_hash, advertisement.setup_hash, sizeof fields->setup_hash);
  return TRUE;
}

GBytes *
hap_ble_build_encrypted_notification (const guint8       key[32],
                                      const guint8       advertising_id[6],
                                      guint16            gsn,
                                      HapCharacteristic *characteristic)
{
  HapBleEncryptedNotification notification = { 0 };
  GBytes *payload;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (advertising_id != NULL, NULL);
  g_return_val_if_fail (characteristic == NULL || HAP_IS_CHARACTERISTIC (characteristic), NULL);
  g_return_val_if_fail (characteristic == NULL ||
                        hap_ble_format_can_broadcast (hap_characteristic_get_format (characteristic)), NULL);

  memcpy (notification.advertising_id, advertising_id, sizeof notification.advertising_id);
  notification.gsn = gsn;
  if (characteristic != NULL)
    {
      notification.iid = (guint16) hap_characteristic_get_iid (characteristic);
      hap_ble_encrypted_notification_set_value (&notification, hap_characteristic_get_format (characteristic),
                                                hap_characteristic_get_value (characteristic));
    }
  payload = hap_ble_encrypted_notification_build (key, &notification);
  sodium_memzero (&notification, sizeof notification);
  return payload;
}

HapStoredState *
hap_stored_state_load (const char  *state_dir,
                       GError     **error)
{
  g_autofree char *identity = NULL;
  HapStoredState *state;
  HapStorage *storage;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* hap_storage_open() creates a fresh identity where there is none: a query must not. */
  identity = g_build_filename (state_dir, "identity", NULL);
  if (!g_file_test (identity, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s holds no accessory identity", state_dir);
      return NULL;
    }
  if ((storage = hap_storage_open (state_dir, error)) == NULL)
    return NULL;
  state = g_new0 (HapStoredState, 1);
  state->storage = storage;
  return state;
}

void
hap_stored_state_free (HapStoredState *state)
{
  if (state == NULL)
    return;
  hap_storage_free (state->storage);
  g_free (state);
}

const char *
hap_stored_state_get_device_id (HapStoredState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->storage->device_id;
}

const char *
hap_stored_state_get_setup_code (HapStoredState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->storage->setup_code;
}

const char *
hap_stored_state_get_setup_id (HapStoredState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->storage->setup_id;
}

GPtrArray *
hap_stored_state_get_pairings (HapStoredState *state)
{
  g_return_val_if_fail (state != NULL, NULL);
  return state->storage->pairings;
}
