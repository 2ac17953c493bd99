/* hap-sim-transports-group.h — the accessory editor's "Transports" group: IP, BLE or
 * both, and the Bluetooth adapter that serves BLE
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "hap-sim-engine.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_TRANSPORTS_GROUP (hap_sim_transports_group_get_type ())
G_DECLARE_FINAL_TYPE (HapSimTransportsGroup, hap_sim_transports_group, HAP_SIM, TRANSPORTS_GROUP,
                      AdwPreferencesGroup)

/* Shows what @root (an accessory file's top-level object) declares: "transports" and
 * "simulator"."ble-adapter". */
void              hap_sim_transports_group_load         (HapSimTransportsGroup *self,
                                                         JsonObject            *root);
/* Writes the choice into @root: "transports" (left out for IP only, the loader's
 * default) and "simulator"."ble-adapter" (left out for the first usable adapter). */
void              hap_sim_transports_group_save         (HapSimTransportsGroup *self,
                                                         JsonObject            *root);
/* A bridge is served over IP only (HAP over BLE has no bridges): the choice is kept
 * but shown as IP and written as IP while @bridge. */
void              hap_sim_transports_group_set_bridge   (HapSimTransportsGroup *self,
                                                         gboolean               bridge);
/* Fills the adapter drop-down from BlueZ (hap_sim_engine_list_adapters_async); until it
 * answers, or when BlueZ is not there, it offers the first usable adapter and the one
 * the file names. */
void              hap_sim_transports_group_list_adapters (HapSimTransportsGroup *self,
                                                          HapSimEngine          *engine);
HapTransportFlags hap_sim_transports_group_get_transports (HapSimTransportsGroup *self);
/* The adapter chosen, or NULL for the first usable one. */
const char       *hap_sim_transports_group_get_adapter  (HapSimTransportsGroup *self);

G_END_DECLS
