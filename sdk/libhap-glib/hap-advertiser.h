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

HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapAdvertiser, hap_advertiser, HAP, ADVERTISER, GObject)

/* One Avahi client (on the thread-default GMainContext) that any number of accessory
 * servers share. When avahi-daemon is not running, it logs one warning and registers
 * everything once the daemon appears. */
HAP_AVAILABLE_IN_ALL
HapAdvertiser *hap_advertiser_new        (void);
/* TRUE while connected to a running avahi-daemon. */
HAP_AVAILABLE_IN_ALL
gboolean       hap_advertiser_is_running (HapAdvertiser *self);

G_END_DECLS
