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
#include "hap-error.h"
#include "hap-types.h"

G_BEGIN_DECLS

#define HAP_TYPE_CHARACTERISTIC (hap_characteristic_get_type ())

/**
 * HapCharacteristic:
 *
 * One typed, constrained value of a [class@Hap.Service]: a light's On, a sensor's
 * Current Temperature.
 *
 * A characteristic holds its last value ([property@Hap.Characteristic:value]), checked
 * against its [enum@Hap.Format] and constraints on every change. Controllers read and
 * write it through the [class@Hap.AccessoryServer]; an application answers them with a
 * read handler ([callback@Hap.CharacteristicReadHandler]) and a write handler
 * ([callback@Hap.CharacteristicWriteHandler]), which may complete at once or later, and
 * reports changes of its own with [method@Hap.Characteristic.set_value], which sends
 * events to the controllers that subscribed.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapCharacteristic, hap_characteristic, HAP, CHARACTERISTIC, GObject)

/**
 * HapCharacteristicReadHandler:
 * @self: the characteristic being read
 * @task: the read to complete
 * @user_data: the data given to hap_characteristic_set_read_handler()
 *
 * Called when a controller reads the characteristic. Complete @task with
 * hap_task_return_value() or, to refuse, hap_task_return_status(); now or later, from
 * any callback on the same main context. A task left unanswered for the server's
 * handler timeout gives the controller %HAP_STATUS_TIMED_OUT.
 */
typedef void (*HapCharacteristicReadHandler)  (HapCharacteristic *self,
                                               GTask             *task,
                                               gpointer           user_data);
/**
 * HapCharacteristicWriteHandler:
 * @self: the characteristic being written
 * @value: the value a controller wrote, already validated against the constraints
 * @task: the write to complete
 * @user_data: the data given to hap_characteristic_set_write_handler()
 *
 * Called when a controller writes the characteristic. Complete @task with
 * g_task_return_boolean() and %TRUE to accept: the value is then stored and events are
 * sent. Refuse with hap_task_return_status(): the old value is kept.
 */
typedef void (*HapCharacteristicWriteHandler) (HapCharacteristic *self,
                                               GVariant          *value,
                                               GTask             *task,
                                               gpointer           user_data);

/**
 * hap_task_return_value:
 * @task: the task a [callback@Hap.CharacteristicReadHandler] was given
 * @value: the value read, of the characteristic's format (see
 *   hap_format_get_variant_type()); may be floating
 *
 * Answers a read. The same as g_task_return_pointer() with a reference to @value and
 * g_variant_unref(), in a form that language bindings can call.
 */
HAP_AVAILABLE_IN_ALL
void               hap_task_return_value              (GTask             *task,
                                                       GVariant          *value);
/**
 * hap_task_return_status:
 * @task: the task a read or write handler was given
 * @status: the HAP status to answer with (not %HAP_STATUS_SUCCESS)
 * @message: (nullable): a description for logs, or %NULL
 *
 * Refuses a read or a write with a %HAP_STATUS_ERROR, which the controller receives as
 * the status of that characteristic.
 */
HAP_AVAILABLE_IN_ALL
void               hap_task_return_status             (GTask             *task,
                                                       HapStatus          status,
                                                       const char        *message);

/**
 * hap_characteristic_new:
 * @type: a standard type: its catalog name ("Brightness"), display name or UUID
 *
 * Creates a characteristic of a standard type, with the catalog's format, permissions,
 * unit and constraints, and a default value (0, %FALSE, "" or no bytes).
 *
 * Returns: (transfer full) (nullable): a new characteristic, or %NULL if the type is
 *   not in the catalog
 */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_characteristic_new             (const char        *type);
/**
 * hap_characteristic_new_custom:
 * @uuid: the type UUID, a vendor's or any other
 * @format: the value format
 * @perms: the permissions
 *
 * Creates a characteristic of any type with an explicit format and permissions and no
 * constraints.
 *
 * Returns: (transfer full): a new characteristic
 */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_characteristic_new_custom      (const char        *uuid,
                                                       HapFormat          format,
                                                       HapPerms           perms);

/**
 * hap_characteristic_get_type_uuid:
 * @self: a characteristic
 *
 * Gets the type.
 *
 * Returns: the full uppercase type UUID
 */
HAP_AVAILABLE_IN_ALL
const char        *hap_characteristic_get_type_uuid   (HapCharacteristic *self);
/**
 * hap_characteristic_get_catalog_type:
 * @self: a characteristic
 *
 * Gets the catalog entry of a standard type.
 *
 * Returns: (transfer none) (nullable): the catalog entry, or %NULL for a vendor type
 */
HAP_AVAILABLE_IN_ALL
const HapCharacteristicType *hap_characteristic_get_catalog_type (HapCharacteristic *self);
/**
 * hap_characteristic_get_iid:
 * @self: a characteristic
 *
 * Gets the instance id, unique within the accessory.
 *
 * Returns: the instance id; 0 until assigned (by hand or when the server starts)
 */
HAP_AVAILABLE_IN_ALL
guint64            hap_characteristic_get_iid         (HapCharacteristic *self);
/**
 * hap_characteristic_set_iid:
 * @self: a characteristic
 * @iid: the instance id, or 0 to have one assigned when the server starts
 *
 * Sets the instance id. Controllers that paired before expect ids to stay the same
 * across restarts.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_iid         (HapCharacteristic *self,
                                                       guint64            iid);
/**
 * hap_characteristic_get_format:
 * @self: a characteristic
 *
 * Gets the value format.
 *
 * Returns: the format
 */
HAP_AVAILABLE_IN_ALL
HapFormat          hap_characteristic_get_format      (HapCharacteristic *self);
/**
 * hap_characteristic_set_format:
 * @self: a characteristic
 * @format: the new format
 *
 * Changes the value format; the value starts again from the new format's default.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_format      (HapCharacteristic *self,
                                                       HapFormat          format);
/**
 * hap_characteristic_get_perms:
 * @self: a characteristic
 *
 * Gets the permissions.
 *
 * Returns: the permissions
 */
HAP_AVAILABLE_IN_ALL
HapPerms           hap_characteristic_get_perms       (HapCharacteristic *self);
/**
 * hap_characteristic_set_perms:
 * @self: a characteristic
 * @perms: the new permissions
 *
 * Sets the permissions.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_perms       (HapCharacteristic *self,
                                                       HapPerms           perms);
/**
 * hap_characteristic_get_service:
 * @self: a characteristic
 *
 * Gets the service the characteristic was added to.
 *
 * Returns: (transfer none) (nullable): the owning service, or %NULL
 */
HAP_AVAILABLE_IN_ALL
HapService        *hap_characteristic_get_service     (HapCharacteristic *self);

/**
 * hap_characteristic_set_min_value:
 * @self: a characteristic
 * @v: the smallest value allowed, or NAN to remove the constraint
 *
 * Sets `minValue`, overriding the catalog's.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_min_value   (HapCharacteristic *self, double v);
/**
 * hap_characteristic_set_max_value:
 * @self: a characteristic
 * @v: the largest value allowed, or NAN to remove the constraint
 *
 * Sets `maxValue`, overriding the catalog's.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_max_value   (HapCharacteristic *self, double v);
/**
 * hap_characteristic_set_min_step:
 * @self: a characteristic
 * @v: the step values must be a multiple of (counted from `minValue`), or NAN to
 *   remove the constraint
 *
 * Sets `minStep`, overriding the catalog's.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_min_step    (HapCharacteristic *self, double v);
/**
 * hap_characteristic_get_min_value:
 * @self: a characteristic
 *
 * Gets `minValue`.
 *
 * Returns: the smallest value allowed, or NAN if unset
 */
HAP_AVAILABLE_IN_ALL
double             hap_characteristic_get_min_value   (HapCharacteristic *self);
/**
 * hap_characteristic_get_max_value:
 * @self: a characteristic
 *
 * Gets `maxValue`.
 *
 * Returns: the largest value allowed, or NAN if unset
 */
HAP_AVAILABLE_IN_ALL
double             hap_characteristic_get_max_value   (HapCharacteristic *self);
/**
 * hap_characteristic_get_min_step:
 * @self: a characteristic
 *
 * Gets `minStep`.
 *
 * Returns: the step, or NAN if unset
 */
HAP_AVAILABLE_IN_ALL
double             hap_characteristic_get_min_step    (HapCharacteristic *self);
/**
 * hap_characteristic_set_max_len:
 * @self: a characteristic
 * @max_len: the longest string allowed, in bytes (up to 256), or -1 for HAP's
 *   default of 64
 *
 * Sets `maxLen` of a string characteristic.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_max_len     (HapCharacteristic *self, int max_len);
/**
 * hap_characteristic_set_max_data_len:
 * @self: a characteristic
 * @max_data_len: the most bytes allowed, or -1 for HAP's default of 2097152
 *
 * Sets `maxDataLen` of a data characteristic.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_max_data_len (HapCharacteristic *self, int max_data_len);
/**
 * hap_characteristic_set_valid_values:
 * @self: a characteristic
 * @values: (array length=n_values) (nullable): the values allowed
 * @n_values: the number of @values; 0 removes the constraint
 *
 * Sets `valid-values`: the only values an integer characteristic may take.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_valid_values (HapCharacteristic *self,
                                                        const int        *values,
                                                        guint             n_values);
/**
 * hap_characteristic_set_valid_values_range: (skip)
 * @self: a characteristic
 * @ranges: (nullable): @n_ranges pairs of inclusive bounds, start then end
 * @n_ranges: the number of pairs (@ranges holds twice as many integers); 0 removes the
 *   constraint
 *
 * Sets `valid-values-range`: the ranges an integer characteristic's value must fall in.
 * Bindings use hap_characteristic_add_valid_values_range() instead.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_valid_values_range (HapCharacteristic *self,
                                                              const int        *ranges,
                                                              guint             n_ranges);
/**
 * hap_characteristic_add_valid_values_range:
 * @self: a characteristic
 * @start: the first value of the range
 * @end: the last value of the range (inclusive)
 *
 * Adds one range to `valid-values-range`, as
 * hap_characteristic_set_valid_values_range() sets them all at once.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_add_valid_values_range (HapCharacteristic *self,
                                                              int                start,
                                                              int                end);
/**
 * hap_characteristic_get_max_len:
 * @self: a characteristic
 *
 * The longest string value the characteristic takes (`maxLen`).
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
 * The largest data value the characteristic takes (`maxDataLen`).
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
 * The values the characteristic takes (`valid-values`), when it lists them.
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
/**
 * hap_characteristic_set_unit:
 * @self: a characteristic
 * @unit: (nullable): HAP's unit name ("celsius", "percentage", "arcdegrees", "lux",
 *   "seconds"), or %NULL for none
 *
 * Sets the unit controllers show the value in.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_unit        (HapCharacteristic *self,
                                                       const char        *unit);
/**
 * hap_characteristic_get_unit:
 * @self: a characteristic
 *
 * Gets the unit.
 *
 * Returns: (nullable): the unit name, or %NULL
 */
HAP_AVAILABLE_IN_ALL
const char        *hap_characteristic_get_unit        (HapCharacteristic *self);
/**
 * hap_characteristic_set_description:
 * @self: a characteristic
 * @description: (nullable): a name for people, or %NULL for the catalog's
 *
 * Sets the description served to controllers.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_description (HapCharacteristic *self,
                                                       const char        *description);
/**
 * hap_characteristic_get_description:
 * @self: a characteristic
 *
 * Gets the description: the one set, else the catalog's display name.
 *
 * Returns: (nullable): the description, or %NULL for a vendor type without one
 */
HAP_AVAILABLE_IN_ALL
const char        *hap_characteristic_get_description (HapCharacteristic *self);

/**
 * hap_format_get_variant_type:
 * @format: a format
 *
 * Gives the type values of @format are held in: `b`, `y`, `q`, `u`, `t`, `i`, `d`,
 * `s`, and `ay` for tlv8 and data.
 *
 * Returns: (transfer none): the #GVariantType
 */
HAP_AVAILABLE_IN_ALL
const GVariantType *hap_format_get_variant_type       (HapFormat          format);
/**
 * hap_characteristic_get_value:
 * @self: a characteristic
 *
 * Gets the stored value, which the server answers reads with when there is no read
 * handler.
 *
 * Returns: (transfer none): the value, never %NULL
 */
HAP_AVAILABLE_IN_ALL
GVariant          *hap_characteristic_get_value       (HapCharacteristic *self);
/**
 * hap_characteristic_set_value:
 * @self: a characteristic
 * @value: the new value; may be floating
 * @error: return location for a #GError
 *
 * Validates and stores @value: its format, `minValue`, `maxValue`, `minStep`, valid
 * values and ranges, `maxLen` and `maxDataLen`. Subscribed controllers get an event
 * when the value changed (always, for event-only types such as Programmable Switch
 * Event).
 *
 * Returns: %FALSE with %HAP_STATUS_INVALID_VALUE, keeping the old value, when @value
 *   breaks a constraint
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_set_value       (HapCharacteristic *self,
                                                       GVariant          *value,
                                                       GError           **error);
/**
 * hap_characteristic_set_value_from:
 * @self: a characteristic
 * @value: the new value; may be floating
 * @origin: (nullable): who changed it, passed on to
 *   [signal@Hap.Characteristic::value-changed]
 * @error: return location for a #GError
 *
 * Like hap_characteristic_set_value(), with an opaque pointer naming the origin of the
 * change. The server sends no event back to an origin that is one of its connections.
 *
 * Returns: %FALSE with %HAP_STATUS_INVALID_VALUE when @value breaks a constraint
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_set_value_from  (HapCharacteristic *self,
                                                       GVariant          *value,
                                                       gpointer           origin,
                                                       GError           **error);
/**
 * hap_characteristic_validate:
 * @self: a characteristic
 * @value: a value
 * @error: return location for a #GError
 *
 * Checks @value against the format and constraints without storing it.
 *
 * Returns: %FALSE with %HAP_STATUS_INVALID_VALUE when @value breaks a constraint
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_validate        (HapCharacteristic *self,
                                                       GVariant          *value,
                                                       GError           **error);
/**
 * hap_characteristic_value_from_json:
 * @self: a characteristic
 * @node: a JSON value, from a controller or a file
 * @error: return location for a #GError
 *
 * Converts a JSON value to the characteristic's format and validates it. A bool
 * accepts `true`, `false`, `0` and `1`, as HAP requires.
 *
 * Returns: (transfer full): the value, or %NULL with %HAP_STATUS_INVALID_VALUE
 */
HAP_AVAILABLE_IN_ALL
GVariant          *hap_characteristic_value_from_json (HapCharacteristic *self,
                                                       JsonNode          *node,
                                                       GError           **error);

/**
 * hap_characteristic_set_read_handler:
 * @self: a characteristic
 * @handler: (nullable) (scope notified) (closure user_data) (destroy destroy): what
 *   answers reads, or %NULL to answer with the stored value
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is replaced or @self is
 *   finalized
 *
 * Sets the function that answers controllers' reads, for values that live elsewhere
 * (hardware, another process).
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_read_handler  (HapCharacteristic            *self,
                                                         HapCharacteristicReadHandler  handler,
                                                         gpointer                      user_data,
                                                         GDestroyNotify                destroy);
/**
 * hap_characteristic_set_write_handler:
 * @self: a characteristic
 * @handler: (nullable) (scope notified) (closure user_data) (destroy destroy): what
 *   accepts or refuses writes, or %NULL to accept every valid value
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is replaced or @self is
 *   finalized
 *
 * Sets the function that decides on controllers' writes.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_set_write_handler (HapCharacteristic             *self,
                                                         HapCharacteristicWriteHandler  handler,
                                                         gpointer                       user_data,
                                                         GDestroyNotify                 destroy);
/**
 * hap_characteristic_has_read_handler:
 * @self: a characteristic
 *
 * Tells whether a read handler is set.
 *
 * Returns: %TRUE if reads go through a handler
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_has_read_handler  (HapCharacteristic *self);
/**
 * hap_characteristic_has_write_handler:
 * @self: a characteristic
 *
 * Tells whether a write handler is set.
 *
 * Returns: %TRUE if writes go through a handler
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_has_write_handler (HapCharacteristic *self);

/**
 * hap_characteristic_read_async:
 * @self: a characteristic
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the value is known
 * @user_data: data for @callback
 *
 * Reads the value as a controller would: through the read handler, or the stored value
 * (from an idle, never inside this call).
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_read_async      (HapCharacteristic   *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
/**
 * hap_characteristic_read_finish:
 * @self: a characteristic
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes hap_characteristic_read_async().
 *
 * Returns: (transfer full): the value, or %NULL with a %HAP_STATUS_ERROR (also when a
 *   handler answered with a value of the wrong type)
 */
HAP_AVAILABLE_IN_ALL
GVariant          *hap_characteristic_read_finish     (HapCharacteristic   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
/**
 * hap_characteristic_write_async:
 * @self: a characteristic
 * @value: a value, validated before the handler sees it
 * @origin: (nullable): an opaque pointer naming the writer (a server uses its
 *   connection, so that the change is not echoed back to it), %NULL for local changes
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the write is decided
 * @user_data: data for @callback
 *
 * Writes as a controller would: through the write handler, then, if accepted, stores
 * the value and emits [signal@Hap.Characteristic::value-changed] with @origin. Writing
 * %TRUE to an Identify characteristic emits [signal@Hap.Accessory::identify] instead.
 */
HAP_AVAILABLE_IN_ALL
void               hap_characteristic_write_async     (HapCharacteristic   *self,
                                                       GVariant            *value,
                                                       gpointer             origin,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
/**
 * hap_characteristic_write_finish:
 * @self: a characteristic
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes hap_characteristic_write_async().
 *
 * Returns: %TRUE if the value was accepted and stored
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_write_finish    (HapCharacteristic   *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/**
 * hap_characteristic_is_event_only:
 * @self: a characteristic
 *
 * Tells whether the type's value only means something as an event (Programmable Switch
 * Event, Button Event): such characteristics read as null over IP and every change is
 * sent at once.
 *
 * Returns: %TRUE for an event-only type
 */
HAP_AVAILABLE_IN_ALL
gboolean           hap_characteristic_is_event_only   (HapCharacteristic *self);

G_END_DECLS
