/* hap-ble-hooks.c — decoding helpers of hap-ble-hooks.h, over the private codecs
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The simulator's trace shows PDUs and advertisements decoded; these let it do so
 * through the hooks interface instead of including the codecs' private headers.
 */
#include "hap-ble-hooks.h"

#include <string.h>

#include "hap-ble-advertisement-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-ble-value-private.h"

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
