/* hap-sim-preferences.h — the preferences window (GSettings io.github.hapsim.Simulator)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HAP_SIM_TYPE_PREFERENCES (hap_sim_preferences_get_type ())
G_DECLARE_FINAL_TYPE (HapSimPreferences, hap_sim_preferences, HAP_SIM, PREFERENCES, AdwPreferencesWindow)

/* @workspace_dir: the folder served now (shown; a new one applies at the next start). */
GtkWindow *hap_sim_preferences_new (GtkWindow  *parent,
                                    GSettings  *settings,
                                    const char *workspace_dir);

G_END_DECLS
