/* hap-service.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include "hap-characteristic.h"

G_BEGIN_DECLS

#define HAP_TYPE_SERVICE (hap_service_get_type ())

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapService, hap_service, HAP, SERVICE, GObject)

/* Standard type by catalog name or UUID, with its required characteristics already
 * added (default values). NULL if unknown. */
HAP_AVAILABLE_IN_ALL
HapService        *hap_service_new                   (const char        *type);
/* Any UUID, no characteristics. */
HAP_AVAILABLE_IN_ALL
HapService        *hap_service_new_custom            (const char        *uuid);

HAP_AVAILABLE_IN_ALL
const char        *hap_service_get_type_uuid         (HapService        *self);
HAP_AVAILABLE_IN_ALL
const HapServiceType *hap_service_get_catalog_type   (HapService        *self);
HAP_AVAILABLE_IN_ALL
guint64            hap_service_get_iid               (HapService        *self);
HAP_AVAILABLE_IN_ALL
void               hap_service_set_iid               (HapService        *self,
                                                      guint64            iid);
HAP_AVAILABLE_IN_ALL
gboolean           hap_service_get_primary           (HapService        *self);
HAP_AVAILABLE_IN_ALL
void               hap_service_set_primary           (HapService        *self,
                                                      gboolean           primary);
HAP_AVAILABLE_IN_ALL
gboolean           hap_service_get_hidden            (HapService        *self);
HAP_AVAILABLE_IN_ALL
void               hap_service_set_hidden            (HapService        *self,
                                                      gboolean           hidden);
HAP_AVAILABLE_IN_ALL
void               hap_service_add_linked_service    (HapService        *self,
                                                      HapService        *linked);
/* (element-type HapService) (transfer none) */
HAP_AVAILABLE_IN_ALL
GPtrArray         *hap_service_get_linked_services   (HapService        *self);

/* Takes a reference. */
HAP_AVAILABLE_IN_ALL
void               hap_service_add_characteristic    (HapService        *self,
                                                      HapCharacteristic *characteristic);
/* (element-type HapCharacteristic) (transfer none) */
HAP_AVAILABLE_IN_ALL
GPtrArray         *hap_service_get_characteristics   (HapService        *self);
/* First characteristic of that type (catalog name or UUID), or NULL. */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_service_get_characteristic    (HapService        *self,
                                                      const char        *type);
/* The owning accessory (weak), or NULL. */
HAP_AVAILABLE_IN_ALL
HapAccessory      *hap_service_get_accessory         (HapService        *self);

G_END_DECLS
