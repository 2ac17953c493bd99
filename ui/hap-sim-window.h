/* hap-sim-window.h — the main window: the accessories of the workspace in a sidebar, and
 * the selected one's controls, setup, pairings, traffic and quirks
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hap-sim-workspace.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_WINDOW (hap_sim_window_get_type ())
G_DECLARE_FINAL_TYPE (HapSimWindow, hap_sim_window, HAP_SIM, WINDOW, AdwApplicationWindow)

/* @settings: the app's (io.github.hapsim.Simulator). */
HapSimWindow    *hap_sim_window_new              (GtkApplication  *application,
                                                  HapSimWorkspace *workspace,
                                                  GSettings       *settings);
/* Selects the accessory with this id (or device ID, or name); FALSE when unknown. */
gboolean         hap_sim_window_select           (HapSimWindow    *self,
                                                  const char      *id);
HapSimAccessory *hap_sim_window_get_selected     (HapSimWindow    *self);
/* A toast; @text is plain text (escaped here for the toast's markup). */
void             hap_sim_window_toast            (HapSimWindow    *self,
                                                  const char      *text);
/* "controls", "setup", "pairings", "traffic", "quirks" or "bluetooth" (not for an accessory
 * without BLE: then nothing changes). */
void             hap_sim_window_show_page        (HapSimWindow    *self,
                                                  const char      *name);

G_END_DECLS
