/* hap-characteristic.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "hap-catalog.h"
#include "hap-types.h"

G_BEGIN_DECLS

#define HAP_TYPE_CHARACTERISTIC (hap_characteristic_get_type ())

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapCharacteristic, hap_characteristic, HAP, CHARACTERISTIC, GObject)

/**
 * HapCharacteristicReadHandler:
 *
 * Called when a controller reads the characteristic. Complete @task with
 * g_task_return_pointer (task, g_variant_ref_sink (value), (GDestroyNotify) g_variant_unref)
 * or with a %HAP_STATUS_ERROR, now or later (from any callback on the same main context).
 */
typedef void (*HapCharacteristicReadHandler)  (HapCharacteristic *self,
                                               GTask             *task,
                                               gpointer           user_data);
/**
 * HapCharacteristicWriteHandler:
 *
 * Called with an already validated value. Complete @task with
 * g_task_return_boolean (task, TRUE) to accept (the value is then stored and events are
 * sent), or with a %HAP_STATUS_ERROR to refuse (the old value is kept).
 */
typedef void (*HapCharacteristicWriteHandler) (HapCharacteristic *self,
                                               GVariant          *value,
                                               GTask             *task,
                                               gpointer           user_data);

/* Standard type by catalog name or UUID, with the catalog's format, perms, constraints
 * and a default value (0, FALSE, "" or empty). NULL if the type is not in the catalog. */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_characteristic_new             (const char        *type);
/* A vendor (or any) type with explicit format and permissions, no constraints. */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_characteristic_new_custom      (const char        *uuid,
                                                       HapFormat          format,
                                                       HapPerms           perms);

HAP_AVAILABLE_IN_ALL
const char        *hap_characteristic_get_type_uuid   (HapCharacteristic *self);
/* Catalog entry for standard types, NULL for vendor types. */
HAP_AVAILABLE_IN_ALL
const HapCharacteristicType *hap_characteristic_get_catalog_type (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
guint64            hap_characteristic_get_iid         (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_iid         (HapCharacteristic *self,
                                                       guint64            iid);
HAP_AVAILABLE_IN_ALL
HapFormat          hap_characteristic_get_format      (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_format      (HapCharacteristic *self,
                                                       HapFormat          format);
HAP_AVAILABLE_IN_ALL
HapPerms           hap_characteristic_get_perms       (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_perms       (HapCharacteristic *self,
                                                       HapPerms           perms);
/* The owning service (weak), or NULL. */
HAP_AVAILABLE_IN_ALL
HapService        *hap_characteristic_get_service     (HapCharacteristic *self);

/* Constraints. Setting one overrides the catalog's. NAN/-1 unset them. */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_min_value   (HapCharacteristic *self, double v);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_max_value   (HapCharacteristic *self, double v);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_min_step    (HapCharacteristic *self, double v);
HAP_AVAILABLE_IN_ALL
double             hap_characteristic_get_min_value   (HapCharacteristic *self); /* NAN if unset */
HAP_AVAILABLE_IN_ALL
double             hap_characteristic_get_max_value   (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
double             hap_characteristic_get_min_step    (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_max_len     (HapCharacteristic *self, int max_len);      /* strings; default 64, max 256 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_max_data_len (HapCharacteristic *self, int max_data_len); /* data; default 2097152 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_valid_values (HapCharacteristic *self,
                                                        const int        *values,
                                                        guint             n_values);
/* Pairs of inclusive [start, end]; ranges has 2*n_ranges ints. */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_valid_values_range (HapCharacteristic *self,
                                                              const int        *ranges,
                                                              guint             n_ranges);
/**
 * hap_characteristic_get_max_len:
 * @self: a characteristic
 *
 * Returns: the maxLen of a string characteristic in bytes, or -1 when unset (HAP's
 *   default, 64, applies)
 */
HAP_AVAILABLE_IN_ALL
int                hap_characteristic_get_max_len     (HapCharacteristic *self);
/**
 * hap_characteristic_get_max_data_len:
 * @self: a characteristic
 *
 * Returns: the maxDataLen of a data characteristic in bytes, or -1 when unset (HAP's
 *   default, 2097152, applies)
 */
HAP_AVAILABLE_IN_ALL
int                hap_characteristic_get_max_data_len (HapCharacteristic *self);
/**
 * hap_characteristic_get_valid_values:
 * @self: a characteristic
 * @n_values: (out): the number of values
 *
 * Returns: (array length=n_values) (transfer none) (nullable): the valid values, %NULL
 *   when none are set (every value in range is valid)
 */
HAP_AVAILABLE_IN_ALL
const int         *hap_characteristic_get_valid_values (HapCharacteristic *self,
                                                        guint             *n_values);
/**
 * hap_characteristic_get_valid_values_range:
 * @self: a characteristic
 * @n_ranges: (out): the number of ranges
 *
 * The valid value ranges as 2 × @n_ranges ints, inclusive [start, end] pairs.
 *
 * Returns: (transfer none) (nullable): the ranges, %NULL when none are set
 */
HAP_AVAILABLE_IN_ALL
const int         *hap_characteristic_get_valid_values_range (HapCharacteristic *self,
                                                              guint             *n_ranges);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_unit        (HapCharacteristic *self,
                                                       const char        *unit);
HAP_AVAILABLE_IN_ALL
const char        *hap_characteristic_get_unit        (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_description (HapCharacteristic *self,
                                                       const char        *description);
HAP_AVAILABLE_IN_ALL
const char        *hap_characteristic_get_description (HapCharacteristic *self);

/* The value's GVariant type follows the format: b y q u t i d s ay (tlv8 and data). */
HAP_AVAILABLE_IN_ALL
const GVariantType *hap_format_get_variant_type       (HapFormat          format);
/* Current stored value (never NULL). */
HAP_AVAILABLE_IN_ALL
GVariant          *hap_characteristic_get_value       (HapCharacteristic *self);
/* Validates @value (format, min/max/minStep, valid values and ranges, maxLen/maxDataLen);
 * on failure returns FALSE with HAP_STATUS_ERROR/HAP_STATUS_INVALID_VALUE and keeps the old
 * value. @value may be floating. Sends events to subscribed controllers when the value
 * changed (always, for Programmable Switch Event and other event-only types). */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_set_value       (HapCharacteristic *self,
                                                       GVariant          *value,
                                                       GError           **error);
/* The same, with @origin passed on to ::value-changed (an opaque pointer saying who
 * changed it; the server never echoes an event to an origin that is one of its
 * connections). */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_set_value_from  (HapCharacteristic *self,
                                                       GVariant          *value,
                                                       gpointer           origin,
                                                       GError           **error);
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_validate        (HapCharacteristic *self,
                                                       GVariant          *value,
                                                       GError           **error);
/* JSON value from a controller or a file → validated GVariant (new reference), or NULL
 * with HAP_STATUS_ERROR/HAP_STATUS_INVALID_VALUE. bool accepts true/false/0/1. */
HAP_AVAILABLE_IN_ALL
GVariant          *hap_characteristic_value_from_json (HapCharacteristic *self,
                                                       JsonNode          *node,
                                                       GError           **error);

HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_read_handler  (HapCharacteristic            *self,
                                                         HapCharacteristicReadHandler  handler,
                                                         gpointer                      user_data,
                                                         GDestroyNotify                destroy);
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_write_handler (HapCharacteristic             *self,
                                                         HapCharacteristicWriteHandler  handler,
                                                         gpointer                       user_data,
                                                         GDestroyNotify                 destroy);
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_has_read_handler  (HapCharacteristic *self);
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_has_write_handler (HapCharacteristic *self);

/* Reads through the read handler (or returns the stored value at once, from an idle). */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_read_async      (HapCharacteristic   *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
HAP_AVAILABLE_IN_ALL
GVariant          *hap_characteristic_read_finish     (HapCharacteristic   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
/* Writes a validated value through the write handler; on success stores it and emits
 * ::value-changed with @origin (an opaque pointer identifying who wrote it, e.g. the
 * server connection, so that it is not echoed back; NULL for local changes). Writing
 * TRUE to an Identify characteristic emits HapAccessory::identify. */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_write_async     (HapCharacteristic   *self,
                                                       GVariant            *value,
                                                       gpointer             origin,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_write_finish    (HapCharacteristic   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* TRUE for types whose value is only meaningful in events (Programmable Switch Event 73,
 * Button Event 126): they read as null over IP and every set is sent at once. */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_is_event_only   (HapCharacteristic *self);

G_END_DECLS
