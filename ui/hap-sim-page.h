/* hap-sim-page.h — what the window's pages (ui/hap-sim-*-page.c) share: each shows one
 * accessory at a time, through an "accessory" property the window sets
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

/* A page's public accessory getter and setter, taking the page as the first argument. */
typedef HapSimAccessory *(*HapSimPageGetAccessory) (gpointer         page);
typedef void             (*HapSimPageSetAccessory) (gpointer         page,
                                                    HapSimAccessory *accessory);

/* Installs the read-write "accessory" property (explicit notify) as property 1 of a
 * page class, read and written through @get and @set, which must notify. The class
 * must have no other property. Returns the property's spec, for notifying it. */
GParamSpec *hap_sim_page_class_install_accessory (GObjectClass           *klass,
                                                  HapSimPageGetAccessory  get,
                                                  HapSimPageSetAccessory  set);
/* Points @slot, @page's accessory, at @accessory (a new reference), after disconnecting
 * every handler @page connected to the old one. Returns FALSE and changes nothing when
 * @accessory is there already. */
gboolean    hap_sim_page_swap_accessory          (gpointer                page,
                                                  HapSimAccessory       **slot,
                                                  HapSimAccessory        *accessory);

G_END_DECLS
