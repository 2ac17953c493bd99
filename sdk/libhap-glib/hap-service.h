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

/**
 * HapService:
 *
 * A group of [class@Hap.Characteristic]s that together are one function of an
 * accessory: a Lightbulb with its On and Brightness, a Temperature Sensor.
 *
 * A service belongs to one [class@Hap.Accessory]; it may be primary (the accessory's
 * main function), hidden, and linked to other services of the same accessory.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapService, hap_service, HAP, SERVICE, GObject)

/**
 * hap_service_new:
 * @type: a standard type: its catalog name ("Lightbulb") or UUID
 *
 * Creates a service of a standard type with its required characteristics already
 * added, holding their default values.
 *
 * Returns: (transfer full) (nullable): a new service, or %NULL if the type is unknown
 */
HAP_AVAILABLE_IN_ALL
HapService        *hap_service_new                   (const char        *type);
/**
 * hap_service_new_custom:
 * @uuid: any type UUID
 *
 * Creates a service without characteristics.
 *
 * Returns: (transfer full): a new service
 */
HAP_AVAILABLE_IN_ALL
HapService        *hap_service_new_custom            (const char        *uuid);

/**
 * hap_service_get_type_uuid:
 * @self: a service
 *
 * Gets the type.
 *
 * Returns: the full uppercase type UUID
 */
HAP_AVAILABLE_IN_ALL
const char        *hap_service_get_type_uuid         (HapService        *self);
/**
 * hap_service_get_catalog_type:
 * @self: a service
 *
 * Gets the catalog entry of a standard type.
 *
 * Returns: (transfer none) (nullable): the catalog entry, or %NULL for a vendor type
 */
HAP_AVAILABLE_IN_ALL
const HapServiceType *hap_service_get_catalog_type   (HapService        *self);
/**
 * hap_service_get_iid:
 * @self: a service
 *
 * Gets the instance id.
 *
 * Returns: the instance id; 0 until assigned
 */
HAP_AVAILABLE_IN_ALL
guint64            hap_service_get_iid               (HapService        *self);
/**
 * hap_service_set_iid:
 * @self: a service
 * @iid: the instance id, or 0 to have one assigned when the server starts
 *
 * Sets the instance id, unique within the accessory among services and
 * characteristics.
 */
HAP_AVAILABLE_IN_ALL
void               hap_service_set_iid               (HapService        *self,
                                                      guint64            iid);
/**
 * hap_service_get_primary:
 * @self: a service
 *
 * Tells whether this is the accessory's primary service.
 *
 * Returns: %TRUE for the primary service
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_service_get_primary           (HapService        *self);
/**
 * hap_service_set_primary:
 * @self: a service
 * @primary: whether the service is the accessory's main function
 *
 * Marks the primary service, which controllers show the accessory as.
 */
HAP_AVAILABLE_IN_ALL
void               hap_service_set_primary           (HapService        *self,
                                                      gboolean           primary);
/**
 * hap_service_get_hidden:
 * @self: a service
 *
 * Tells whether the service is hidden from users.
 *
 * Returns: %TRUE if hidden
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_service_get_hidden            (HapService        *self);
/**
 * hap_service_set_hidden:
 * @self: a service
 * @hidden: whether controllers should hide the service from users
 *
 * Marks a service as hidden (for services meant for the controller, not for people).
 */
HAP_AVAILABLE_IN_ALL
void               hap_service_set_hidden            (HapService        *self,
                                                      gboolean           hidden);
/**
 * hap_service_add_linked_service:
 * @self: a service
 * @linked: another service of the same accessory
 *
 * Links @linked to @self (a Television to its Input Sources, for example).
 */
HAP_AVAILABLE_IN_ALL
void               hap_service_add_linked_service    (HapService        *self,
                                                      HapService        *linked);
/**
 * hap_service_get_linked_services:
 * @self: a service
 *
 * Gets the services linked to @self.
 *
 * Returns: (transfer none) (element-type HapService): the linked services
 */
HAP_AVAILABLE_IN_ALL
GPtrArray         *hap_service_get_linked_services   (HapService        *self);

/**
 * hap_service_add_characteristic:
 * @self: a service
 * @characteristic: (transfer none): a characteristic that belongs to no service yet
 *
 * Adds a characteristic; the service keeps a reference.
 */
HAP_AVAILABLE_IN_ALL
void               hap_service_add_characteristic    (HapService        *self,
                                                      HapCharacteristic *characteristic);
/**
 * hap_service_get_characteristics:
 * @self: a service
 *
 * Gets the characteristics, in the order they were added.
 *
 * Returns: (transfer none) (element-type HapCharacteristic): the characteristics
 */
HAP_AVAILABLE_IN_ALL
GPtrArray         *hap_service_get_characteristics   (HapService        *self);
/**
 * hap_service_get_characteristic:
 * @self: a service
 * @type: a catalog name ("On") or a UUID
 *
 * Finds a characteristic by type.
 *
 * Returns: (transfer none) (nullable): the first characteristic of that type, or %NULL
 */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_service_get_characteristic    (HapService        *self,
                                                      const char        *type);
/**
 * hap_service_get_accessory:
 * @self: a service
 *
 * Gets the accessory the service was added to.
 *
 * Returns: (transfer none) (nullable): the owning accessory, or %NULL
 */
HAP_AVAILABLE_IN_ALL
HapAccessory      *hap_service_get_accessory         (HapService        *self);

G_END_DECLS
