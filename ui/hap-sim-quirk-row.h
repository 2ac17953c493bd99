/* hap-sim-quirk-row.h — one quirk of the catalog on the Quirks page: a switch and its
 * parameters
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_QUIRK_ROW (hap_sim_quirk_row_get_type ())
G_DECLARE_FINAL_TYPE (HapSimQuirkRow, hap_sim_quirk_row, HAP_SIM, QUIRK_ROW, AdwExpanderRow)

/* The row's switch has the quirk's name as its accessible label ("http-no-content-length");
 * each parameter's editor has "<quirk> <parameter>" ("fault-latency delay-ms").
 *
 * Signals:
 *   "changed" () — after the row enabled or disabled the quirk on the accessory, or
 *                  changed the parameters of the enabled quirk (not for parameters edited
 *                  while the quirk is off: they are used when it is switched on). */

GtkWidget             *hap_sim_quirk_row_new           (const HapSimQuirkInfo *info);
const HapSimQuirkInfo *hap_sim_quirk_row_get_info      (HapSimQuirkRow        *self);
/* The accessory the switch acts on (NULL: none). A new accessory resets the parameters to
 * the catalog's defaults, then takes the state and parameters the accessory has. */
void                   hap_sim_quirk_row_set_accessory (HapSimQuirkRow        *self,
                                                        HapSimAccessory       *accessory);
HapSimAccessory       *hap_sim_quirk_row_get_accessory (HapSimQuirkRow        *self);
/* Reads the accessory's state again (quirks changed elsewhere, e.g. over D-Bus). */
void                   hap_sim_quirk_row_sync          (HapSimQuirkRow        *self);
/* Whether the quirk is on for the accessory, as last synced or switched. */
gboolean               hap_sim_quirk_row_get_enabled   (HapSimQuirkRow        *self);
/* The switch, for the page and the tests. */
GtkWidget             *hap_sim_quirk_row_get_switch    (HapSimQuirkRow        *self);
/* The editor of parameter @name (GtkSwitch, GtkSpinButton, GtkDropDown or GtkEntry), or
 * NULL. Editors are built when the row is first expanded, or by this call. */
GtkWidget             *hap_sim_quirk_row_get_editor    (HapSimQuirkRow        *self,
                                                        const char            *name);
/* The parameter values the switch would enable the quirk with, as a{sv} (not floating). */
GVariant              *hap_sim_quirk_row_dup_params    (HapSimQuirkRow        *self);
/* TRUE when @needle (already case-folded; NULL or "" matches everything) is in the
 * quirk's name or description. */
gboolean               hap_sim_quirk_row_matches       (HapSimQuirkRow        *self,
                                                        const char            *needle);

G_END_DECLS
