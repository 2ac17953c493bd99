/* hap-ble-database.c — what HAP over BLE adds to an accessory's database
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A BLE accessory publishes its pairing characteristics as a HAP service (Pairing, 55)
 * and carries a Service Signature characteristic (A5) where a service has properties
 * or links to declare (docs/protocol.md §5.1). They are ordinary model objects, so both
 * transports of an accessory serve one database with one c#, as ADK-based devices do
 * (their /accessories lists 55 and A5 over IP too).
 */
#include "hap-ble-private.h"

#include "hap-ble-signature-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"

#define UUID_PAIRING              "00000055-0000-1000-8000-0026BB765291"
#define UUID_PROTOCOL_INFORMATION "000000A2-0000-1000-8000-0026BB765291"
#define UUID_SERVICE_SIGNATURE    "000000A5-0000-1000-8000-0026BB765291"
#define UUID_PAIR_SETUP           "0000004C-0000-1000-8000-0026BB765291"
#define UUID_PAIR_VERIFY          "0000004E-0000-1000-8000-0026BB765291"
#define UUID_PAIRING_FEATURES     "0000004F-0000-1000-8000-0026BB765291"
#define UUID_PAIRING_PAIRINGS     "00000050-0000-1000-8000-0026BB765291"

/* docs/protocol.md §5: the protocol version of HAP over BLE. */
#define HAP_BLE_PROTOCOL_VERSION "2.2.0"

static gboolean
has_type (HapCharacteristic *characteristic, const char *uuid)
{
  return g_strcmp0 (hap_characteristic_get_type_uuid (characteristic), uuid) == 0;
}

HapBlePairingRole
_hap_ble_pairing_role (HapCharacteristic *characteristic)
{
  HapService *service = hap_characteristic_get_service (characteristic);

  if (service == NULL || g_strcmp0 (hap_service_get_type_uuid (service), UUID_PAIRING) != 0)
    return HAP_BLE_PAIRING_NONE;
  if (has_type (characteristic, UUID_PAIR_SETUP))
    return HAP_BLE_PAIRING_SETUP;
  if (has_type (characteristic, UUID_PAIR_VERIFY))
    return HAP_BLE_PAIRING_VERIFY;
  if (has_type (characteristic, UUID_PAIRING_FEATURES))
    return HAP_BLE_PAIRING_FEATURES;
  if (has_type (characteristic, UUID_PAIRING_PAIRINGS))
    return HAP_BLE_PAIRING_PAIRINGS;
  return HAP_BLE_PAIRING_NONE;
}

gboolean
_hap_ble_is_service_signature (HapCharacteristic *characteristic)
{
  return has_type (characteristic, UUID_SERVICE_SIGNATURE);
}

gboolean
_hap_ble_is_protocol_information (HapService *service)
{
  return g_strcmp0 (hap_service_get_type_uuid (service), UUID_PROTOCOL_INFORMATION) == 0;
}

/* LE16 service properties (docs/protocol.md §5.3 param 0x0F), also the value A5 reads
 * as (Eve and other ADK devices serve it so over IP). */
guint16
_hap_ble_service_properties (HapService *service)
{
  return (hap_service_get_primary (service) ? HAP_BLE_SERVICE_PROPERTY_PRIMARY : 0) |
         (hap_service_get_hidden (service) ? HAP_BLE_SERVICE_PROPERTY_HIDDEN : 0) |
         (_hap_ble_is_protocol_information (service) ? HAP_BLE_SERVICE_PROPERTY_SUPPORTS_CONFIGURATION : 0);
}

static void
add_pairing_service (HapAccessory *accessory)
{
  g_autoptr(HapService) service = NULL;
  static const char *const unsecured[] = { UUID_PAIR_SETUP, UUID_PAIR_VERIFY, UUID_PAIRING_FEATURES };

  if (hap_accessory_get_service (accessory, UUID_PAIRING) != NULL)
    return;
  service = hap_service_new (UUID_PAIRING);
  /* docs/protocol.md §5.1: Pair Setup, Pair Verify and Pairing Features are used only
   * without a session, through their own procedures: no paired read or write. */
  for (guint i = 0; i < G_N_ELEMENTS (unsecured); i++)
    hap_characteristic_set_perms (hap_service_get_characteristic (service, unsecured[i]), HAP_PERM_NONE);
  hap_accessory_add_service (accessory, service);
}

/* A5's value is the service's LE16 properties; set again at every start, since the
 * service's flags may have changed. */
static void
add_service_signature (HapService *service)
{
  HapCharacteristic *signature = hap_service_get_characteristic (service, UUID_SERVICE_SIGNATURE);
  guint8 value[2];

  if (signature == NULL)
    {
      g_autoptr(HapCharacteristic) created =
        hap_characteristic_new_custom (UUID_SERVICE_SIGNATURE, HAP_FORMAT_DATA, HAP_PERM_PAIRED_READ);

      hap_service_add_characteristic (service, created);
      signature = created;
    }
  hap_ble_put_le16 (value, _hap_ble_service_properties (service));
  hap_characteristic_set_value (signature, g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, value, 2, 1), NULL);
}

gboolean
_hap_ble_database_prepare (HapAccessory *accessory, GError **error)
{
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (accessory);
  GPtrArray *services;
  HapService *info;

  /* docs/protocol.md §5.1: HAP over BLE has no bridges; the accessory is aid 1. */
  if (bridged != NULL && bridged->len > 0)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED,
                   "“%s” is a bridge: HAP over Bluetooth LE serves one accessory (aid 1) "
                   "and has no bridges; serve it over IP", hap_accessory_get_name (accessory));
      return FALSE;
    }

  add_pairing_service (accessory);
  info = hap_accessory_get_service (accessory, UUID_PROTOCOL_INFORMATION);
  if (info != NULL)
    hap_characteristic_set_value (hap_service_get_characteristic (info, "Version"),
                                  g_variant_new_string (HAP_BLE_PROTOCOL_VERSION), NULL);

  /* §5.1: a Service Signature where a service has properties or links to declare, and
   * always on Protocol Information (the target of Protocol Configuration). */
  services = hap_accessory_get_services (accessory);
  for (guint i = 0; i < services->len; i++)
    {
      HapService *service = g_ptr_array_index (services, i);
      GPtrArray *linked = hap_service_get_linked_services (service);

      if (_hap_ble_service_properties (service) != 0 || (linked != NULL && linked->len > 0))
        add_service_signature (service);
    }
  return TRUE;
}

gboolean
_hap_ble_database_check (HapAccessory *accessory, GError **error)
{
  GPtrArray *services = hap_accessory_get_services (accessory);

  /* §5.1: instance ids travel as 16 bits on BLE. */
  for (guint i = 0; i < services->len; i++)
    {
      HapService *service = g_ptr_array_index (services, i);
      GPtrArray *characteristics = hap_service_get_characteristics (service);

      if (hap_service_get_iid (service) > G_MAXUINT16)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED,
                       "service iid %" G_GUINT64_FORMAT " does not fit HAP over BLE's 16 bits",
                       hap_service_get_iid (service));
          return FALSE;
        }
      for (guint j = 0; j < characteristics->len; j++)
        if (hap_characteristic_get_iid (g_ptr_array_index (characteristics, j)) > G_MAXUINT16)
          {
            g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED,
                         "characteristic iid %" G_GUINT64_FORMAT " does not fit HAP over BLE's 16 bits",
                         hap_characteristic_get_iid (g_ptr_array_index (characteristics, j)));
            return FALSE;
          }
    }
  return TRUE;
}
