/* hap-sim-quirks-page.h — the window's "Quirks" page for the selected accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_QUIRKS_PAGE (hap_sim_quirks_page_get_type ())
G_DECLARE_FINAL_TYPE (HapSimQuirksPage, hap_sim_quirks_page, HAP_SIM, QUIRKS_PAGE, GtkWidget)

/* Every quirk of the catalog grouped by layer, each a HapSimQuirkRow (switch with the
 * quirk's name as accessible label, parameters in the expander), a search entry
 * ("Search Quirks") over names and descriptions, an "Enabled Only" toggle and the count
 * of enabled quirks. Rows follow the accessory when it is set, when it changes state and
 * when the page is mapped.
 *
 * Signals:
 *   "quirks-changed" () — a quirk was switched on or off, or the parameters of an enabled
 *                         one changed, from this page (once per change): the window
 *                         saves the accessory's quirks into its workspace file. */

GtkWidget       *hap_sim_quirks_page_new           (void);
/* The accessory shown (NULL: none). The page follows its signals until changed. */
void             hap_sim_quirks_page_set_accessory (HapSimQuirksPage *self,
                                                   HapSimAccessory *accessory);
HapSimAccessory *hap_sim_quirks_page_get_accessory (HapSimQuirksPage *self);

G_END_DECLS
