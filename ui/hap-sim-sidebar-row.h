/* hap-sim-sidebar-row.h — one accessory in the window's sidebar: category icon, name,
 * state (stopped, running, advertising, paired) and live sessions
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_SIDEBAR_ROW (hap_sim_sidebar_row_get_type ())
G_DECLARE_FINAL_TYPE (HapSimSidebarRow, hap_sim_sidebar_row, HAP_SIM, SIDEBAR_ROW, GtkListBoxRow)

GtkWidget       *hap_sim_sidebar_row_new           (HapSimAccessory  *accessory);
HapSimAccessory *hap_sim_sidebar_row_get_accessory (HapSimSidebarRow *self);
/* "Stopped", "Running", "Advertising" or "Paired", then " · N sessions" when any. */
const char      *hap_sim_sidebar_row_get_status    (HapSimSidebarRow *self);

G_END_DECLS
