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

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapAccessory, hap_accessory, HAP, ACCESSORY, GObject)

/* Creates an accessory whose Accessory Information service (iid 1) is filled with
 * Identify, Manufacturer ("HAP Simulator"), Model, Name (@name), Serial Number and
 * Firmware Revision ("1.0.0"). @category is an accessory category id (hap-protocol.md
 * §4.14), e.g. 5 for a lightbulb. */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_new                        (const char   *name,
                                                        int           category);
HAP_AVAILABLE_IN_ALL
const char   *hap_accessory_get_name                   (HapAccessory *self);
HAP_AVAILABLE_IN_ALL
int           hap_accessory_get_category               (HapAccessory *self);
HAP_AVAILABLE_IN_ALL
guint64       hap_accessory_get_aid                    (HapAccessory *self);
/* The transports the accessory asks to be served on (an accessory file's
 * "transports"); %HAP_TRANSPORT_IP unless set. A server starts with these. */
HAP_AVAILABLE_IN_ALL
HapTransportFlags hap_accessory_get_transports         (HapAccessory *self);
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_transports             (HapAccessory *self,
                                                        HapTransportFlags transports);
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_aid                    (HapAccessory *self,
                                                        guint64       aid);
/* Sets a string characteristic of the Accessory Information service by type name
 * ("Manufacturer", "Model", "SerialNumber", "FirmwareRevision", "HardwareRevision" …),
 * adding it if the service lacks it. */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_information            (HapAccessory *self,
                                                        const char   *type,
                                                        const char   *value);
HAP_AVAILABLE_IN_ALL
HapService   *hap_accessory_get_information_service    (HapAccessory *self);

/* Takes a reference. */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_add_service                (HapAccessory *self,
                                                        HapService   *service);
/* (element-type HapService) (transfer none) */
HAP_AVAILABLE_IN_ALL
GPtrArray    *hap_accessory_get_services               (HapAccessory *self);
/* First service of that type (catalog name or UUID), or NULL. */
HAP_AVAILABLE_IN_ALL
HapService   *hap_accessory_get_service                (HapAccessory *self,
                                                        const char   *type);
/* Characteristic by iid, or NULL. */
HAP_AVAILABLE_IN_ALL
HapCharacteristic *hap_accessory_get_characteristic_by_iid (HapAccessory *self,
                                                            guint64       iid);

/* Bridges: @self serves at aid 1 and @bridged at its own aid (assigned on start when 0).
 * Takes a reference. */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_add_bridged_accessory      (HapAccessory *self,
                                                        HapAccessory *bridged);
/* (element-type HapAccessory) (transfer none) */
HAP_AVAILABLE_IN_ALL
GPtrArray    *hap_accessory_get_bridged_accessories    (HapAccessory *self);
/* The bridge this accessory belongs to (weak), or NULL. */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_get_bridge                 (HapAccessory *self);

/* A JPEG returned by POST /resource for this accessory (NULL: none, → 404). */
HAP_AVAILABLE_IN_ALL
void          hap_accessory_set_snapshot               (HapAccessory *self,
                                                        GBytes       *jpeg);
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

/* Loads a JSON accessory file (see accessories/README.md). Returns the primary
 * accessory, with the others of the file bridged to it, or NULL with
 * HAP_ERROR_INVALID_FILE and a message "FILE:LINE:COL: PATH: what is wrong". */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_new_from_file              (const char   *path,
                                                        GError      **error);
/* Same from memory; @origin names the input in error messages. */
HAP_AVAILABLE_IN_ALL
HapAccessory *hap_accessory_new_from_data              (const char   *data,
                                                        gssize        length,
                                                        const char   *origin,
                                                        GError      **error);

G_END_DECLS
