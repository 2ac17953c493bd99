/* hap-sim-quirks-page.h — the window's "Quirks" page for the selected accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_QUIRKS_PAGE (hap_sim_quirks_page_get_type ())
G_DECLARE_FINAL_TYPE (HapSimQuirksPage, hap_sim_quirks_page, HAP_SIM, QUIRKS_PAGE, GtkWidget)

GtkWidget       *hap_sim_quirks_page_new           (void);
/* The accessory shown (NULL: none). The page follows its signals until changed. */
void             hap_sim_quirks_page_set_accessory (HapSimQuirksPage *self,
                                                   HapSimAccessory *accessory);
HapSimAccessory *hap_sim_quirks_page_get_accessory (HapSimQuirksPage *self);

G_END_DECLS
