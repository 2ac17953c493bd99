/* hap-catalog.h — Apple's standard service/characteristic types, generated at build time
 * from data/hap-types.json (see gen-catalog.py)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include "hap-types.h"

G_BEGIN_DECLS

/**
 * HapCatalogConstant:
 * @name: the constant's name ("OFF")
 * @value: its value (0)
 *
 * A named value of a characteristic type, for user interfaces.
 */
typedef struct
{
  const char *name;
  int         value;
} HapCatalogConstant;

/**
 * HapCharacteristicType:
 * @name: the catalog name ("Brightness")
 * @display_name: the name for people ("Brightness")
 * @uuid: the full uppercase UUID
 * @format: the value format
 * @perms: the permissions; includes %HAP_PERM_ADMIN_ONLY for admin-only types
 * @unit: (nullable): the unit ("percentage"), or %NULL
 * @has_min_value: whether @min_value is set
 * @has_max_value: whether @max_value is set
 * @has_min_step: whether @min_step is set
 * @min_value: the smallest value allowed
 * @max_value: the largest value allowed
 * @min_step: the step values go by
 * @max_len: the longest string allowed, or -1 when the catalog gives none
 * @valid_values: (array length=n_valid_values) (nullable): the only values allowed, or
 *   %NULL when any value in range is
 * @n_valid_values: the length of @valid_values
 * @constants: (array length=n_constants) (nullable): names of values, for user
 *   interfaces, or %NULL
 * @n_constants: the length of @constants
 *
 * A standard characteristic type of Apple's catalog (generated at build time from
 * `data/hap-types.json`). Entries are static: a copy shares their strings and arrays.
 */
typedef struct
{
  const char               *name;
  const char               *display_name;
  const char               *uuid;
  HapFormat                 format;
  HapPerms                  perms;
  const char               *unit;
  gboolean                  has_min_value;
  gboolean                  has_max_value;
  gboolean                  has_min_step;
  double                    min_value;
  double                    max_value;
  double                    min_step;
  int                       max_len;
  const int                *valid_values;
  guint                     n_valid_values;
  const HapCatalogConstant *constants;
  guint                     n_constants;
} HapCharacteristicType;

/**
 * HapServiceType:
 * @name: the catalog name ("Lightbulb")
 * @uuid: the full uppercase UUID
 * @required: (array zero-terminated=1): the names of the characteristics the service
 *   must have
 * @optional: (array zero-terminated=1): the names of the characteristics it may have
 *
 * A standard service type of Apple's catalog. Entries are static: a copy shares their
 * strings and arrays.
 */
typedef struct
{
  const char         *name;
  const char         *uuid;
  const char * const *required;
  const char * const *optional;
} HapServiceType;

#define HAP_TYPE_CATALOG_CONSTANT     (hap_catalog_constant_get_type ())
#define HAP_TYPE_CHARACTERISTIC_TYPE  (hap_characteristic_type_get_type ())
#define HAP_TYPE_SERVICE_TYPE         (hap_service_type_get_type ())

HAP_AVAILABLE_IN_ALL
GType hap_catalog_constant_get_type    (void) G_GNUC_CONST;
HAP_AVAILABLE_IN_ALL
GType hap_characteristic_type_get_type (void) G_GNUC_CONST;
HAP_AVAILABLE_IN_ALL
GType hap_service_type_get_type        (void) G_GNUC_CONST;

/**
 * hap_catalog_lookup_characteristic:
 * @name_or_uuid: the catalog name ("TargetTemperature"), the display name ("Target
 *   Temperature"), a short UUID ("35") or a full UUID; names in any case
 *
 * Looks up a standard characteristic type.
 *
 * Returns: (transfer none) (nullable): the catalog entry, or %NULL when unknown
 */
HAP_AVAILABLE_IN_ALL
const HapCharacteristicType *hap_catalog_lookup_characteristic (const char *name_or_uuid);
/**
 * hap_catalog_lookup_service:
 * @name_or_uuid: the catalog name ("Lightbulb"), a short UUID ("43") or a full UUID;
 *   names in any case
 *
 * Looks up a standard service type.
 *
 * Returns: (transfer none) (nullable): the catalog entry, or %NULL when unknown
 */
HAP_AVAILABLE_IN_ALL
const HapServiceType        *hap_catalog_lookup_service        (const char *name_or_uuid);
/**
 * hap_catalog_lookup_category:
 * @name: a category name in any case and spelling ("LIGHTBULB", "Lightbulb",
 *   "garage-door-opener") or its id as a decimal number ("5")
 *
 * Looks up an accessory category.
 *
 * Returns: the category id, or -1 when unknown
 */
HAP_AVAILABLE_IN_ALL
int                          hap_catalog_lookup_category       (const char *name);
/**
 * hap_catalog_category_name:
 * @category: a category id
 *
 * Names a category.
 *
 * Returns: (nullable): the canonical name ("LIGHTBULB"), or %NULL for an unknown id
 */
HAP_AVAILABLE_IN_ALL
const char                  *hap_catalog_category_name         (int         category);
/**
 * hap_catalog_service_category:
 * @service: a service's catalog name ("Lightbulb", "TemperatureSensor")
 *
 * Gives the category an accessory whose primary service is @service usually has:
 * what the accessory loader and the simulator's editor pick when a file names no
 * category (5, LIGHTBULB, for "Lightbulb"; 10, SENSOR, for every sensor).
 *
 * Returns: the category id, or -1 when @service suggests none (OTHER is then the
 *   usual choice)
 */
HAP_AVAILABLE_IN_ALL
int                          hap_catalog_service_category      (const char *service);

/**
 * hap_catalog_get_characteristics:
 * @n_types: (out): the number of entries
 *
 * Gets every standard characteristic type.
 *
 * Returns: (transfer none) (array length=n_types): the catalog's characteristic types
 */
HAP_AVAILABLE_IN_ALL
const HapCharacteristicType *hap_catalog_get_characteristics   (guint      *n_types);
/**
 * hap_catalog_get_services:
 * @n_types: (out): the number of entries
 *
 * Gets every standard service type.
 *
 * Returns: (transfer none) (array length=n_types): the catalog's service types
 */
HAP_AVAILABLE_IN_ALL
const HapServiceType        *hap_catalog_get_services          (guint      *n_types);

G_END_DECLS
