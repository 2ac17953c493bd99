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

typedef struct
{
  const char *name;   /* "OFF" */
  int         value;  /* 0 */
} HapCatalogConstant;

typedef struct
{
  const char               *name;          /* "Brightness" */
  const char               *display_name;  /* "Brightness" */
  const char               *uuid;          /* full uppercase UUID */
  HapFormat                 format;
  HapPerms                  perms;         /* includes HAP_PERM_ADMIN_ONLY when adminOnlyAccess */
  const char               *unit;          /* "percentage", or NULL */
  gboolean                  has_min_value;
  gboolean                  has_max_value;
  gboolean                  has_min_step;
  double                    min_value;
  double                    max_value;
  double                    min_step;
  int                       max_len;       /* -1 when the catalog gives none */
  const int                *valid_values;  /* NULL when none */
  guint                     n_valid_values;
  const HapCatalogConstant *constants;     /* names of values, for UIs; may be NULL */
  guint                     n_constants;
} HapCharacteristicType;

typedef struct
{
  const char         *name;          /* "Lightbulb" */
  const char         *uuid;          /* full uppercase UUID */
  const char * const *required;      /* NULL-terminated characteristic names */
  const char * const *optional;      /* NULL-terminated characteristic names */
} HapServiceType;

/* Each lookup accepts the catalog name ("TargetTemperature"), the display name
 * ("Target Temperature"), a short UUID ("35") or a full UUID, case-insensitively for
 * names. Returns NULL when unknown. */
HAP_AVAILABLE_IN_ALL
const HapCharacteristicType *hap_catalog_lookup_characteristic (const char *name_or_uuid);
HAP_AVAILABLE_IN_ALL
const HapServiceType        *hap_catalog_lookup_service        (const char *name_or_uuid);
/* "LIGHTBULB", "Lightbulb", "lightbulb" or "5" → 5; -1 when unknown. */
HAP_AVAILABLE_IN_ALL
int                          hap_catalog_lookup_category       (const char *name);
/* Canonical category name for an id ("LIGHTBULB"), or NULL. */
HAP_AVAILABLE_IN_ALL
const char                  *hap_catalog_category_name         (int         category);

HAP_AVAILABLE_IN_ALL
const HapCharacteristicType *hap_catalog_get_characteristics   (guint      *n_types);
HAP_AVAILABLE_IN_ALL
const HapServiceType        *hap_catalog_get_services          (guint      *n_types);

G_END_DECLS
