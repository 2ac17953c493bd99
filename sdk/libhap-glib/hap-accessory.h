/* hap-accessory.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include "hap-service.h"

G_BEGIN_DECLS

#define HAP_TYPE_ACCESSORY (hap_accessory_get_type ())

/**
 * HapAccessory:
 *
 * A HomeKit accessory: a category, an Accessory Information service and the
 * [class@Hap.Service]s that make up what it does.
 *
 * An accessory is built in code (hap_accessory_new()) or loaded from a JSON accessory
 * file (hap_accessory_new_from_file()), then served by a [class@Hap.AccessoryServer].
 * A bridge is an accessory with bridged accessories (hap_accessory_add_bridged_accessory()),
 * each with its own aid.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapAccessory, hap_accessory, HAP, ACCESSORY, GObject)

/**
 * hap_accessory_new:
 * @name: the name controllers show
 * @category: an accessory category id (hap_catalog_lookup_category() gives them by
 *   name: 5 is a lightbulb)
 *
 * Creates an accessory whose Accessory Information service (iid 1) is filled in:
 * Identify, Manufacturer ("HAP Simulator"), Model, Name (@name), Serial Number and
 * Firmware Revision ("1.0.0"); change them with hap_accessory_set_information().
 *
 * Returns: (transfer full): a new accessory
 */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_new                        (const char   *name,
                                                        int           category);
/**
 * hap_accessory_get_name:
 * @self: an accessory
 *
 * Gets the name.
 *
 * Returns: the name
 */
HAP_AVAILABLE_IN_ALL
const char   *hap_accessory_get_name                   (HapAccessory *self);
/**
 * hap_accessory_get_category:
 * @self: an accessory
 *
 * Gets the category id, which controllers pick an icon by.
 *
 * Returns: the category id
 */
HAP_AVAILABLE_IN_ALL
int           hap_accessory_get_category               (HapAccessory *self);
/**
 * hap_accessory_get_aid:
 * @self: an accessory
 *
 * Gets the accessory instance id: 1 for a lone accessory or a bridge.
 *
 * Returns: the aid; 0 for a bridged accessory until the server assigns one
 */
HAP_AVAILABLE_IN_ALL
guint64       hap_accessory_get_aid                    (HapAccessory *self);
/**
 * hap_accessory_get_transports:
 * @self: an accessory
 *
 * Gets the transports the accessory asks to be served on (an accessory file's
 * "transports"). A server starts with these unless told otherwise.
 *
 * Returns: the transports; %HAP_TRANSPORT_IP unless set
 */
HAP_AVAILABLE_IN_ALL
HapTransportFlags hap_accessory_get_transports         (HapAccessory *self);
/**
 * hap_accessory_set_transports:
 * @self: an accessory
 * @transports: IP, BLE or both
 *
 * Sets the transports the accessory asks to be served on.
 */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_transports             (HapAccessory *self,
                                                        HapTransportFlags transports);
/**
 * hap_accessory_set_aid:
 * @self: an accessory
 * @aid: the accessory instance id, or 0 to have one assigned
 *
 * Sets the aid of a bridged accessory. Controllers expect it to stay the same across
 * restarts.
 */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_aid                    (HapAccessory *self,
                                                        guint64       aid);
/**
 * hap_accessory_set_information:
 * @self: an accessory
 * @type: a string characteristic of Accessory Information: "Manufacturer", "Model",
 *   "SerialNumber", "FirmwareRevision", "HardwareRevision" …
 * @value: its value
 *
 * Sets a characteristic of the Accessory Information service, adding it if the service
 * lacks it.
 */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_information            (HapAccessory *self,
                                                        const char   *type,
                                                        const char   *value);
/**
 * hap_accessory_get_information_service:
 * @self: an accessory
 *
 * Gets the Accessory Information service.
 *
 * Returns: (transfer none): the service
 */
HAP_AVAILABLE_IN_ALL
HapService   *hap_accessory_get_information_service    (HapAccessory *self);

/**
 * hap_accessory_add_service:
 * @self: an accessory
 * @service: (transfer none): a service that belongs to no accessory yet
 *
 * Adds a service; the accessory keeps a reference.
 */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_add_service                (HapAccessory *self,
                                                        HapService   *service);
/**
 * hap_accessory_get_services:
 * @self: an accessory
 *
 * Gets the services, Accessory Information first, in the order they were added.
 *
 * Returns: (transfer none) (element-type HapService): the services
 */
HAP_AVAILABLE_IN_ALL
GPtrArray    *hap_accessory_get_services               (HapAccessory *self);
/**
 * hap_accessory_get_service:
 * @self: an accessory
 * @type: a catalog name ("Lightbulb") or a UUID
 *
 * Finds a service by type.
 *
 * Returns: (transfer none) (nullable): the first service of that type, or %NULL
 */
HAP_AVAILABLE_IN_ALL
HapService   *hap_accessory_get_service                (HapAccessory *self,
                                                        const char   *type);
/**
 * hap_accessory_get_characteristic_by_iid:
 * @self: an accessory
 * @iid: an instance id
 *
 * Finds a characteristic of any of the accessory's services by instance id.
 *
 * Returns: (transfer none) (nullable): the characteristic, or %NULL
 */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_accessory_get_characteristic_by_iid (HapAccessory *self,
                                                            guint64       iid);

/**
 * hap_accessory_add_bridged_accessory:
 * @self: the bridge, served at aid 1
 * @bridged: (transfer none): an accessory served behind @self at its own aid (assigned
 *   when the server starts if 0)
 *
 * Makes @self a bridge of @bridged; the bridge keeps a reference.
 */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_add_bridged_accessory      (HapAccessory *self,
                                                        HapAccessory *bridged);
/**
 * hap_accessory_get_bridged_accessories:
 * @self: an accessory
 *
 * Gets the accessories bridged by @self.
 *
 * Returns: (transfer none) (element-type HapAccessory): the bridged accessories
 */
HAP_AVAILABLE_IN_ALL
GPtrArray    *hap_accessory_get_bridged_accessories    (HapAccessory *self);
/**
 * hap_accessory_get_bridge:
 * @self: an accessory
 *
 * Gets the bridge this accessory was added to.
 *
 * Returns: (transfer none) (nullable): the bridge, or %NULL
 */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_get_bridge                 (HapAccessory *self);

/**
 * hap_accessory_set_snapshot:
 * @self: an accessory
 * @jpeg: (nullable): a JPEG image, or %NULL for none
 *
 * Sets the image a camera answers resource requests (`POST /resource`) with; without
 * one they get 404.
 */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_snapshot               (HapAccessory *self,
                                                        GBytes       *jpeg);
/**
 * hap_accessory_get_snapshot:
 * @self: an accessory
 *
 * Gets the snapshot image.
 *
 * Returns: (transfer none) (nullable): the JPEG image, or %NULL
 */
HAP_AVAILABLE_IN_ALL
GBytes       *hap_accessory_get_snapshot               (HapAccessory *self);

/**
 * hap_accessory_identify:
 * @self: an accessory
 *
 * Emits #HapAccessory::identify as when a controller writes Identify or sends
 * POST /identify: a simulator's "identify" button, or a device's own test.
 */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_identify                   (HapAccessory *self);

/**
 * hap_accessory_is_recorded:
 * @self: a #HapAccessory
 *
 * Whether @self was loaded from what a real device answered to `GET /accessories`
 * (a bare array, `{"accessories": […]}` with aids and iids, or a Home Assistant
 * diagnostics download) and is served exactly as recorded. Such an accessory has no
 * definition in this SDK's own file format: tools that rewrite accessory files must
 * leave it alone or lose what was recorded.
 *
 * Returns: %TRUE for a recorded accessory
 */
HAP_AVAILABLE_IN_ALL
gboolean      hap_accessory_is_recorded                (HapAccessory *self);

/**
 * hap_accessory_new_from_file:
 * @path: (type filename): a JSON accessory file (see `accessories/README.md`)
 * @error: return location for a #GError
 *
 * Loads an accessory file.
 *
 * Returns: (transfer full): the primary accessory, with the other accessories of the
 *   file bridged to it, or %NULL with %HAP_ERROR_INVALID_FILE and a message of the form
 *   "FILE:LINE:COL: PATH: what is wrong"
 */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_new_from_file              (const char   *path,
                                                        GError      **error);
/**
 * hap_accessory_new_from_data:
 * @data: the JSON text of an accessory file
 * @length: its length in bytes, or -1 if nul-terminated
 * @origin: the name of the input in error messages
 * @error: return location for a #GError
 *
 * Loads an accessory file held in memory, as hap_accessory_new_from_file() does.
 *
 * Returns: (transfer full): the primary accessory, or %NULL with
 *   %HAP_ERROR_INVALID_FILE
 */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_new_from_data              (const char   *data,
                                                        gssize        length,
                                                        const char   *origin,
                                                        GError      **error);

G_END_DECLS
