/* hap-advertiser.h — DNS-SD advertisement of HAP accessories through Avahi
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib-object.h>

#include "hap-version.h"

G_BEGIN_DECLS

#define HAP_TYPE_ADVERTISER (hap_advertiser_get_type ())

/**
 * HapAdvertiser:
 *
 * One Avahi client, on the thread-default #GMainContext, that publishes the `_hap._tcp`
 * DNS-SD records of any number of [class@Hap.AccessoryServer]s
 * (hap_accessory_server_set_advertiser()).
 *
 * When avahi-daemon is not running it logs one warning and registers everything once
 * the daemon appears.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapAdvertiser, hap_advertiser, HAP, ADVERTISER, GObject)

/**
 * hap_advertiser_new:
 *
 * Creates an advertiser on the thread-default main context.
 *
 * Returns: (transfer full): a new advertiser
 */
HAP_AVAILABLE_IN_ALL
HapAdvertiser *hap_advertiser_new        (void);
/**
 * hap_advertiser_is_running:
 * @self: an advertiser
 *
 * Tells whether avahi-daemon is reachable.
 *
 * Returns: %TRUE while connected to a running avahi-daemon
 */
HAP_AVAILABLE_IN_ALL
gboolean       hap_advertiser_is_running (HapAdvertiser *self);

G_END_DECLS
