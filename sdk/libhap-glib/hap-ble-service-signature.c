/* hap-ble-service-signature.c — Service Signature Read bodies (docs/protocol.md §5.3,
 * §5.6)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-signature-private.h"

#include "hap-accessory.h"
#include "hap-ble-le-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-error.h"
#include "hap-tlv8-private.h"

GBytes *
hap_ble_service_signature_build (HapService *service,
                                 gboolean    supports_configuration)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(GByteArray) linked = g_byte_array_new ();
  guint16 properties = 0;

  g_return_val_if_fail (service == NULL || HAP_IS_SERVICE (service), NULL);

  if (service != NULL)
    {
      GPtrArray *links = hap_service_get_linked_services (service);

      if (hap_service_get_primary (service))
        properties |= HAP_BLE_SERVICE_PROPERTY_PRIMARY;
      if (hap_service_get_hidden (service))
        properties |= HAP_BLE_SERVICE_PROPERTY_HIDDEN;

      for (guint i = 0; i < links->len; i++)
        {
          guint64 iid = hap_service_get_iid (g_ptr_array_index (links, i));
          guint8 bytes[2];

          g_return_val_if_fail (iid <= G_MAXUINT16, NULL);
          hap_ble_put_le (bytes, iid, 2);
          g_byte_array_append (linked, bytes, 2);
        }
    }
  if (supports_configuration)
    properties |= HAP_BLE_SERVICE_PROPERTY_SUPPORTS_CONFIGURATION;

  /* docs/protocol.md §5.6 (ADK): properties only when non-default or linked services
   * exist; the linked services item always, possibly empty. */
  if (properties != 0 || linked->len > 0)
    hap_ble_tlv_append_le16 (buf, HAP_BLE_PARAM_SERVICE_PROPERTIES, properties);
  hap_tlv8_append (buf, HAP_BLE_PARAM_LINKED_SERVICES, linked->data, linked->len);

  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

gboolean
hap_ble_service_signature_parse (const guint8           *body,
                                 gsize                   len,
                                 HapBleServiceSignature *signature,
                                 GError                **error)
{
  g_autoptr(HapTlv8) tlv = NULL;
  const guint8 *properties, *linked;
  gsize properties_len = 0, linked_len = 0;

  g_return_val_if_fail (body != NULL || len == 0, FALSE);
  g_return_val_if_fail (signature != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  signature->properties = 0;
  signature->linked_iids = g_array_new (FALSE, FALSE, sizeof (guint16));

  tlv = hap_tlv8_parse (body, len, error);
  if (tlv == NULL)
    return FALSE;

  properties = hap_tlv8_get (tlv, HAP_BLE_PARAM_SERVICE_PROPERTIES, &properties_len);
  if (properties != NULL)
    {
      if (properties_len != 2)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "Service properties (type 0x0F) have %" G_GSIZE_FORMAT
                       " bytes; they must have 2", properties_len);
          return FALSE;
        }
      signature->properties = (guint16) hap_ble_get_le (properties, 2);
    }

  linked = hap_tlv8_get (tlv, HAP_BLE_PARAM_LINKED_SERVICES, &linked_len);
  if (linked != NULL)
    {
      if (linked_len % 2 != 0)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "Linked services (type 0x10) have an odd length (%" G_GSIZE_FORMAT ")",
                       linked_len);
          return FALSE;
        }
      for (gsize i = 0; i < linked_len; i += 2)
        {
          guint16 iid = (guint16) hap_ble_get_le (linked + i, 2);
          g_array_append_val (signature->linked_iids, iid);
        }
    }

  return TRUE;
}

void
hap_ble_service_signature_clear (HapBleServiceSignature *signature)
{
  g_return_if_fail (signature != NULL);

  signature->properties = 0;
  g_clear_pointer (&signature->linked_iids, g_array_unref);
}

static HapService *
find_service (HapAccessory *accessory,
              guint64       iid)
{
  GPtrArray *services = hap_accessory_get_services (accessory);

  for (guint i = 0; i < services->len; i++)
    {
      HapService *service = g_ptr_array_index (services, i);

      if (hap_service_get_iid (service) == iid)
        return service;
    }
  return NULL;
}

gboolean
hap_ble_service_signature_apply (const HapBleServiceSignature *signature,
                                 HapService                   *service,
                                 GError                      **error)
{
  g_autoptr(GPtrArray) targets = g_ptr_array_new ();
  HapAccessory *accessory;

  g_return_val_if_fail (signature != NULL, FALSE);
  g_return_val_if_fail (HAP_IS_SERVICE (service), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  accessory = hap_service_get_accessory (service);
  g_return_val_if_fail (accessory != NULL, FALSE);

  /* Resolve every link first, so that a bad list changes nothing. */
  for (guint i = 0; signature->linked_iids != NULL && i < signature->linked_iids->len; i++)
    {
      guint16 iid = g_array_index (signature->linked_iids, guint16, i);
      HapService *target = find_service (accessory, iid);

      if (target == NULL)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "Linked service iid %u matches no service", iid);
          return FALSE;
        }
      if (target == service)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "Service iid %u links to itself", iid);
          return FALSE;
        }
      g_ptr_array_add (targets, target);
    }

  hap_service_set_primary (service, (signature->properties & HAP_BLE_SERVICE_PROPERTY_PRIMARY) != 0);
  hap_service_set_hidden (service, (signature->properties & HAP_BLE_SERVICE_PROPERTY_HIDDEN) != 0);
  for (guint i = 0; i < targets->len; i++)
    hap_service_add_linked_service (service, g_ptr_array_index (targets, i));

  return TRUE;
}
