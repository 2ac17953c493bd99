/* hap-sim-controls-page.h — the window's "Controls" page for the selected accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_CONTROLS_PAGE (hap_sim_controls_page_get_type ())
G_DECLARE_FINAL_TYPE (HapSimControlsPage, hap_sim_controls_page, HAP_SIM, CONTROLS_PAGE, GtkWidget)

GtkWidget       *hap_sim_controls_page_new           (void);
/* The accessory shown (NULL: none). The page follows its signals until changed. */
void             hap_sim_controls_page_set_accessory (HapSimControlsPage *self,
                                                   HapSimAccessory *accessory);
HapSimAccessory *hap_sim_controls_page_get_accessory (HapSimControlsPage *self);

G_END_DECLS
