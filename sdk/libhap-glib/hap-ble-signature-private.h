/* hap-ble-signature-private.h — bodies of the HAP-BLE Characteristic Signature Read and
 * Service Signature Read responses (docs/protocol.md §5.3, §5.6)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The accessory builds them from its model; a controller parses them to rebuild the
 * accessory database it cannot fetch as JSON over BLE.
 */
#pragma once

#include <glib.h>

#include "hap-service.h"

G_BEGIN_DECLS

/* Characteristic Signature Read response body:
 *   0x04 characteristic type (16 bytes, LE) ‖ 0x07 service iid (LE16) ‖
 *   0x06 service type (16 bytes, LE) ‖ 0x0A properties (LE16) ‖ [0x0B description] ‖
 *   0x0C presentation format (7 bytes) ‖ [0x0D valid range] ‖ [0x0E step] ‖
 *   [0x11 valid values] ‖ [0x12 valid value ranges]
 * from the characteristic's getters and constraints:
 *  - description: hap_characteristic_get_description() (the catalog's display name
 *    unless one was set), left out when NULL or empty;
 *  - valid range: min ‖ max in the value's binary form, a missing bound taken as the
 *    format's natural one (0 … 2ⁿ−1, INT32_MIN … INT32_MAX, ±infinity for float), left
 *    out when both are natural; integer bounds are rounded inwards (ceil min, floor max)
 *    and clamped to the format; strings give LE16 0 ‖ LE16 maxLen, left out when maxLen
 *    is the default 64; bool, tlv8 and data have none;
 *  - step: in the value's binary form; integers leave it out when unset or ≤ 1 (it is
 *    rounded to an integer), floats when unset or 0;
 *  - valid values and valid value ranges: uint8 characteristics only (the TLVs hold
 *    bytes), ascending and without duplicates; values outside 0–255 are left out.
 * @properties is the bitfield the transport computed (hap_ble_properties_from_perms()).
 * The characteristic must belong to a service, and both iids must fit in 16 bits
 * (docs/protocol.md §5.1): a BLE transport checks its database before it serves it. */
GBytes   *hap_ble_characteristic_signature_build (HapCharacteristic *characteristic,
                                                  guint16            properties);

/* What a controller learns from a Characteristic Signature Read. */
typedef struct
{
  char       *type_uuid;          /* full uppercase UUID, as the model writes them */
  guint16     service_iid;
  char       *service_type_uuid;  /* full uppercase UUID */
  guint16     properties;         /* HapBleCharacteristicProperties */
  HapFormat   format;             /* 0x1B is tlv8 when the catalog says so, else data */
  guint16     unit_code;          /* raw BT SIG unit */
  const char *unit;               /* the model's unit string, or NULL (unitless/unknown) */
  char       *description;        /* NULL when absent */
  double      min_value;          /* NAN when absent or infinite */
  double      max_value;          /* NAN when absent or infinite */
  double      min_step;           /* NAN when absent or 0 */
  int         max_len;            /* strings: -1 when absent (the default 64) */
  GArray     *valid_values;       /* int; NULL when absent */
  GArray     *valid_ranges;       /* int start/end pairs; NULL when absent */
} HapBleCharacteristicSignature;

/* Parses a Characteristic Signature Read response body into @signature (which it
 * overwrites; clear it with hap_ble_characteristic_signature_clear() afterwards, also on
 * failure). Requires the type, service iid, service type, properties and presentation
 * format items; the optional ones must have the size their format gives them. Any
 * violation → FALSE with HAP_ERROR_INVALID_DATA naming the item. Unknown TLV types are
 * ignored (docs/protocol.md §1). */
gboolean  hap_ble_characteristic_signature_parse (const guint8                  *body,
                                                  gsize                          len,
                                                  HapBleCharacteristicSignature *signature,
                                                  GError                       **error);
void      hap_ble_characteristic_signature_clear (HapBleCharacteristicSignature *signature);

/* A new characteristic (hap_characteristic_new_custom() and the setters) with iid @iid,
 * the signature's format, hap_ble_properties_to_perms() of its properties, unit,
 * description and constraints. A maxLen above the model's 256 is clamped to 256. */
HapCharacteristic *hap_ble_characteristic_signature_create (const HapBleCharacteristicSignature *signature,
                                                            guint16                              iid);

/* Service properties, param 0x0F (docs/protocol.md §5.3). */
typedef enum /*< flags >*/
{
  HAP_BLE_SERVICE_PROPERTY_PRIMARY                = 0x0001,
  HAP_BLE_SERVICE_PROPERTY_HIDDEN                 = 0x0002,
  HAP_BLE_SERVICE_PROPERTY_SUPPORTS_CONFIGURATION = 0x0004,
} HapBleServiceProperties;

/* Service Signature Read response body (docs/protocol.md §5.6): 0x0F properties (LE16,
 * left out when 0 and there are no linked services, as the ADK does) ‖ 0x10 linked
 * service iids (LE16 each, possibly empty). @service NULL gives the answer for an
 * unknown service iid: no properties and an empty 0x10. @supports_configuration is set
 * by the transport for the Protocol Information service (docs/protocol.md §5.1). Service
 * iids must fit in 16 bits. */
GBytes   *hap_ble_service_signature_build (HapService *service,
                                           gboolean    supports_configuration);

typedef struct
{
  guint16  properties;     /* HapBleServiceProperties; 0 when 0x0F is absent */
  GArray  *linked_iids;    /* guint16; empty when 0x10 is absent */
} HapBleServiceSignature;

/* FALSE with HAP_ERROR_INVALID_DATA when 0x0F is not 2 bytes or 0x10 has an odd length.
 * Clear @signature afterwards in any case. */
gboolean  hap_ble_service_signature_parse (const guint8           *body,
                                           gsize                   len,
                                           HapBleServiceSignature *signature,
                                           GError                **error);
void      hap_ble_service_signature_clear (HapBleServiceSignature *signature);
/* Sets primary and hidden on @service and links the services of @service's accessory
 * whose iids are listed. FALSE with HAP_ERROR_INVALID_DATA (and nothing linked) when a
 * listed iid is @service's own or matches no service; @service must belong to an
 * accessory. */
gboolean  hap_ble_service_signature_apply (const HapBleServiceSignature *signature,
                                           HapService                   *service,
                                           GError                      **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HapBleCharacteristicSignature, hap_ble_characteristic_signature_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HapBleServiceSignature, hap_ble_service_signature_clear)

G_END_DECLS
