/* hap-sim-dbus.h — the engine's D-Bus control API (io.github.hapsim.Simulator1)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hap-sim-engine.h"

G_BEGIN_DECLS

#define HAP_SIM_DBUS_NAME      "io.github.hapsim.Simulator"
#define HAP_SIM_DBUS_PATH      "/io/github/hapsim/Simulator"
#define HAP_SIM_DBUS_INTERFACE "io.github.hapsim.Simulator1"

typedef struct _HapSimDBus HapSimDBus;

/* Exports @engine at HAP_SIM_DBUS_PATH on @connection (the name is owned elsewhere). */
HapSimDBus *hap_sim_dbus_export   (HapSimEngine     *engine,
                                   GDBusConnection  *connection,
                                   GError          **error);
void        hap_sim_dbus_unexport (HapSimDBus       *dbus);

/* `hap-simulator ctl …`: argv[0] is "ctl". Returns the exit status. */
int         hap_sim_ctl_main      (int               argc,
                                   char            **argv);

G_END_DECLS
