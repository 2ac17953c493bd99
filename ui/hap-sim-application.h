/* hap-sim-application.h — the desktop app: one instance per session, serving the
 * workspace's accessories and exporting the engine's D-Bus control API
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hap-sim-workspace.h"

G_BEGIN_DECLS

#define HAP_SIM_APP_ID "io.github.hapsim.Simulator"

#define HAP_SIM_TYPE_APPLICATION (hap_sim_application_get_type ())
G_DECLARE_FINAL_TYPE (HapSimApplication, hap_sim_application, HAP_SIM, APPLICATION, AdwApplication)

HapSimApplication *hap_sim_application_new           (void);
/* Valid after startup. */
HapSimWorkspace   *hap_sim_application_get_workspace (HapSimApplication *self);
GSettings         *hap_sim_application_get_settings  (HapSimApplication *self);
/* The app's settings, from the installed schema or, run from a build tree, the one
 * compiled there. NULL with an error when neither exists. */
GSettings         *hap_sim_application_open_settings (GError           **error);
/* main() of the window mode: runs the app with @argv. */
int                hap_sim_application_run           (int                argc,
                                                      char             **argv);

G_END_DECLS
