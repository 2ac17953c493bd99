/* hap-sim-setup-page.h — the window's "Setup" page for the selected accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_SETUP_PAGE (hap_sim_setup_page_get_type ())
G_DECLARE_FINAL_TYPE (HapSimSetupPage, hap_sim_setup_page, HAP_SIM, SETUP_PAGE, GtkWidget)

GtkWidget       *hap_sim_setup_page_new           (void);
/* The accessory shown (NULL: none). The page follows its signals until changed. */
void             hap_sim_setup_page_set_accessory (HapSimSetupPage *self,
                                                   HapSimAccessory *accessory);
HapSimAccessory *hap_sim_setup_page_get_accessory (HapSimSetupPage *self);

G_END_DECLS
