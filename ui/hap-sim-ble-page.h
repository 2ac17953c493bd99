/* hap-sim-ble-page.h — the window's "Bluetooth" page: HAP over BLE of the selected
 * accessory, live (advertisement, connected central, GSN, broadcasts)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_BLE_PAGE (hap_sim_ble_page_get_type ())
G_DECLARE_FINAL_TYPE (HapSimBlePage, hap_sim_ble_page, HAP_SIM, BLE_PAGE, GtkWidget)

GtkWidget       *hap_sim_ble_page_new           (void);
/* The accessory shown (NULL: none). The page follows its "ble-changed" and state
 * signals until changed. */
void             hap_sim_ble_page_set_accessory (HapSimBlePage   *self,
                                                 HapSimAccessory *accessory);
HapSimAccessory *hap_sim_ble_page_get_accessory (HapSimBlePage   *self);

G_END_DECLS
