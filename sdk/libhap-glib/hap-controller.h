/* hap-controller.h — a HAP controller's identity and the accessories it is paired with
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib-object.h>

#include "hap-version.h"

G_BEGIN_DECLS

#define HAP_TYPE_CONTROLLER (hap_controller_get_type ())

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapController, hap_controller, HAP, CONTROLLER, GObject)

/* A controller held in memory only: a new Ed25519 key pair and the pairing identifier
 * @id (NULL = a random uppercase UUID). */
HAP_AVAILABLE_IN_ALL
HapController  *hap_controller_new                  (const char     *id);
/* Loads the controller from @path (a GKeyFile, mode 0600), or creates a new identity
 * there when the file does not exist. A file that cannot be read or parsed is a
 * HAP_ERROR_STORAGE error naming @path; it is never replaced. */
HAP_AVAILABLE_IN_ALL
HapController  *hap_controller_new_for_file         (const char     *path,
                                                     GError        **error);

HAP_AVAILABLE_IN_ALL
const char     *hap_controller_get_id               (HapController  *self);
/* The backing file, or NULL for an in-memory controller. */
HAP_AVAILABLE_IN_ALL
const char     *hap_controller_get_path             (HapController  *self);
/* The 32-byte Ed25519 long-term public key (LTPK). */
HAP_AVAILABLE_IN_ALL
const guint8   *hap_controller_get_public_key       (HapController  *self);

/* Writes the file atomically (no-op for an in-memory controller). The functions that
 * change the accessory list below save by themselves. */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_save                 (HapController  *self,
                                                     GError        **error);

/* Remembers (or updates) the accessory @device_id ("AB:CD:EF:01:23:45") with its LTPK
 * and the address it was last reached at. */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_add_accessory        (HapController  *self,
                                                     const char     *device_id,
                                                     const guint8    ltpk[32],
                                                     const char     *host,
                                                     guint16         port,
                                                     GError        **error);
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_remove_accessory     (HapController  *self,
                                                     const char     *device_id,
                                                     GError        **error);
/* Copies the accessory's LTPK into @ltpk; FALSE when it is not known. */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_lookup_accessory     (HapController  *self,
                                                     const char     *device_id,
                                                     guint8          ltpk[32]);
/* The device id of the accessory last reached at @host:@port, or NULL. */
HAP_AVAILABLE_IN_ALL
const char     *hap_controller_find_accessory       (HapController  *self,
                                                     const char     *host,
                                                     guint16         port);
/* The device ids of all known accessories, sorted. */
HAP_AVAILABLE_IN_ALL
char          **hap_controller_list_accessories     (HapController  *self);

G_END_DECLS
