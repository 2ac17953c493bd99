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

/**
 * HapController:
 *
 * The controller side of HAP: a pairing identifier, an Ed25519 key pair and the
 * accessories it is paired with (their device ids, long-term public keys and last
 * addresses), kept in memory or in a key file.
 *
 * [class@Hap.ControllerConnection]s use it to pair with and talk to accessories.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapController, hap_controller, HAP, CONTROLLER, GObject)

/**
 * hap_controller_new:
 * @id: (nullable): the pairing identifier, or %NULL for a random uppercase UUID
 *
 * Creates a controller held in memory only, with a new Ed25519 key pair.
 *
 * Returns: (transfer full): a new controller
 */
HAP_AVAILABLE_IN_ALL
HapController  *hap_controller_new                  (const char     *id);
/**
 * hap_controller_new_for_file:
 * @path: (type filename): a key file, written with mode 0600
 * @error: return location for a #GError
 *
 * Loads the controller kept in @path, or creates a new identity there when the file
 * does not exist. A file that cannot be read or parsed is never replaced.
 *
 * Returns: (transfer full): the controller, or %NULL with %HAP_ERROR_STORAGE naming
 *   @path
 */
HAP_AVAILABLE_IN_ALL
HapController  *hap_controller_new_for_file         (const char     *path,
                                                     GError        **error);

/**
 * hap_controller_get_id:
 * @self: a controller
 *
 * Gets the pairing identifier.
 *
 * Returns: the identifier
 */
HAP_AVAILABLE_IN_ALL
const char     *hap_controller_get_id               (HapController  *self);
/**
 * hap_controller_get_path:
 * @self: a controller
 *
 * Gets the backing file.
 *
 * Returns: (type filename) (nullable): the file, or %NULL for an in-memory controller
 */
HAP_AVAILABLE_IN_ALL
const char     *hap_controller_get_path             (HapController  *self);
/**
 * hap_controller_get_public_key:
 * @self: a controller
 *
 * Gets the controller's long-term public key (LTPK).
 *
 * Returns: (transfer none) (array fixed-size=32): the 32-byte Ed25519 public key
 */
HAP_AVAILABLE_IN_ALL
const guint8   *hap_controller_get_public_key       (HapController  *self);

/**
 * hap_controller_save:
 * @self: a controller
 * @error: return location for a #GError
 *
 * Writes the file atomically; does nothing for an in-memory controller. The functions
 * that change the list of accessories save by themselves.
 *
 * Returns: %FALSE with %HAP_ERROR_STORAGE when the file cannot be written
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_save                 (HapController  *self,
                                                     GError        **error);

/**
 * hap_controller_add_accessory:
 * @self: a controller
 * @device_id: the accessory's device id ("AB:CD:EF:01:23:45")
 * @ltpk: (array fixed-size=32): its 32-byte Ed25519 long-term public key
 * @host: (nullable): the address it was last reached at
 * @port: the port it was last reached at
 * @error: return location for a #GError
 *
 * Remembers an accessory, or updates what is known of it, and saves.
 *
 * Returns: %FALSE with %HAP_ERROR_STORAGE when saving failed
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_add_accessory        (HapController  *self,
                                                     const char     *device_id,
                                                     const guint8    ltpk[32],
                                                     const char     *host,
                                                     guint16         port,
                                                     GError        **error);
/**
 * hap_controller_remove_accessory:
 * @self: a controller
 * @device_id: the accessory's device id
 * @error: return location for a #GError
 *
 * Forgets an accessory and saves.
 *
 * Returns: %FALSE with %HAP_ERROR_STORAGE when saving failed
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_remove_accessory     (HapController  *self,
                                                     const char     *device_id,
                                                     GError        **error);
/**
 * hap_controller_lookup_accessory:
 * @self: a controller
 * @device_id: the accessory's device id
 * @ltpk: (out caller-allocates) (array fixed-size=32): where to copy its long-term
 *   public key
 *
 * Looks up the key of a known accessory.
 *
 * Returns: %FALSE when the accessory is not known
 */
HAP_AVAILABLE_IN_ALL
gboolean        hap_controller_lookup_accessory     (HapController  *self,
                                                     const char     *device_id,
                                                     guint8          ltpk[32]);
/**
 * hap_controller_find_accessory:
 * @self: a controller
 * @host: an address
 * @port: a port
 *
 * Finds the accessory last reached at an address.
 *
 * Returns: (nullable): its device id, or %NULL
 */
HAP_AVAILABLE_IN_ALL
const char     *hap_controller_find_accessory       (HapController  *self,
                                                     const char     *host,
                                                     guint16         port);
/**
 * hap_controller_list_accessories:
 * @self: a controller
 *
 * Lists the known accessories.
 *
 * Returns: (transfer full) (array zero-terminated=1): their device ids, sorted; free
 *   with g_strfreev()
 */
HAP_AVAILABLE_IN_ALL
char          **hap_controller_list_accessories     (HapController  *self);

G_END_DECLS
