/* hap-sim-traffic-page.h — the window's "Traffic" page for the selected accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_TRAFFIC_PAGE (hap_sim_traffic_page_get_type ())
G_DECLARE_FINAL_TYPE (HapSimTrafficPage, hap_sim_traffic_page, HAP_SIM, TRAFFIC_PAGE, GtkWidget)

GtkWidget       *hap_sim_traffic_page_new           (void);
/* The accessory shown (NULL: none). The page follows its signals until changed. */
void             hap_sim_traffic_page_set_accessory (HapSimTrafficPage *self,
                                                   HapSimAccessory *accessory);
HapSimAccessory *hap_sim_traffic_page_get_accessory (HapSimTrafficPage *self);
/* Writes the entries shown (after the filters) as JSON lines, each exactly as the trace
 * produced it and newline-terminated, replacing @file atomically. */
gboolean         hap_sim_traffic_page_export_to_file (HapSimTrafficPage  *self,
                                                      GFile              *file,
                                                      GError            **error);

G_END_DECLS
