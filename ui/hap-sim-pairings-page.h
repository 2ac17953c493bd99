/* hap-sim-pairings-page.h — the window's "Pairings" page for the selected accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_PAIRINGS_PAGE (hap_sim_pairings_page_get_type ())
G_DECLARE_FINAL_TYPE (HapSimPairingsPage, hap_sim_pairings_page, HAP_SIM, PAIRINGS_PAGE, GtkWidget)

/* The accessory's pairings (a row per controller, titled with its id, and a button with
 * the accessible label "Remove Pairing <controller id>"), its live sessions (a row per
 * connection, titled with the peer address; counters refreshed every second while the
 * page is mapped) and a "Factory Reset" button. Removing and resetting ask first, with an
 * AdwMessageDialog whose destructive responses are "remove" and "reset". */

GtkWidget       *hap_sim_pairings_page_new           (void);
/* The accessory shown (NULL: none). The page follows its signals until changed. */
void             hap_sim_pairings_page_set_accessory (HapSimPairingsPage *self,
                                                   HapSimAccessory *accessory);
HapSimAccessory *hap_sim_pairings_page_get_accessory (HapSimPairingsPage *self);

G_END_DECLS
