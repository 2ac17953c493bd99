/* hap-sim-engine.h — every virtual accessory of one process: the workspace
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The headless runner, the D-Bus control API and the desktop app drive this one object.
 * Accessories share one GMainContext and one Avahi client; each has its own listener,
 * identity and DNS-SD record, and starts, stops or goes away without touching others.
 */
#pragma once

#include <gio/gio.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_ENGINE (hap_sim_engine_get_type ())
G_DECLARE_FINAL_TYPE (HapSimEngine, hap_sim_engine, HAP_SIM, ENGINE, GObject)

/* Each accessory's state lives in @state_dir/ID (ID: the file's name without .json). */
HapSimEngine    *hap_sim_engine_new               (const char   *state_dir);

/* For accessories added from now on: */
void             hap_sim_engine_set_bind_address  (HapSimEngine *self, const char *address);
/* The first accessory listens on @port, the next on the following ports (0: any). */
void             hap_sim_engine_set_base_port     (HapSimEngine *self, guint16 port);
/* The BlueZ adapters of accessories served over BLE: "hci0", or "hci0,hci1,…" to give
 * each BLE accessory the next adapter no other one has (one adapter carries one HAP-BLE
 * accessory). NULL: the first usable one. */
void             hap_sim_engine_set_ble_adapter   (HapSimEngine *self, const char *adapters);
/* The adapter @accessory should serve BLE on: the one it has, else the next one of the
 * list no BLE accessory was given (NULL: none left, or no list). */
const char      *hap_sim_engine_pick_ble_adapter  (HapSimEngine    *self,
                                                   HapSimAccessory *accessory);
gboolean         hap_sim_engine_set_setup_code    (HapSimEngine *self, const char *code,
                                                   GError **error);
void             hap_sim_engine_set_advertise     (HapSimEngine *self, gboolean advertise);
/* The process-wide connection cap every accessory's server shares (max-connections 0:
 * derived from RLIMIT_NOFILE until set). */
HapConnectionLimit *hap_sim_engine_get_connection_limit (HapSimEngine *self);
/* Per-accessory limits and timers for accessories added from now on (a file's
 * "simulator" → "connections" section overrides them). */
void             hap_sim_engine_set_connection_settings (HapSimEngine                   *self,
                                                         const HapSimConnectionSettings *settings);

/* Loads and (when @start) starts the accessory of @path. The id is the file's stem,
 * made unique with "-2", "-3"… */
HapSimAccessory *hap_sim_engine_add_file          (HapSimEngine *self,
                                                   const char   *path,
                                                   gboolean      start,
                                                   GError      **error);
/* As hap_sim_engine_add_file() with @start, for the files a run starts with: a BLE
 * accessory whose adapter another one holds is added stopped, with a warning that says
 * how to give it one, rather than failing (a workspace does the same). */
HapSimAccessory *hap_sim_engine_add_file_at_startup (HapSimEngine *self,
                                                     const char   *path,
                                                     GError      **error);
/* Every *.json in @dir (sorted), loaded first: a broken file adds nothing. Started
 * (@start) as hap_sim_engine_add_file_at_startup() starts a file. */
gboolean         hap_sim_engine_add_workspace     (HapSimEngine *self,
                                                   const char   *dir,
                                                   gboolean      start,
                                                   GError      **error);
gboolean         hap_sim_engine_remove            (HapSimEngine *self,
                                                   const char   *id,
                                                   GError      **error);
/* NULL and HAP_SIM_ERROR_NOT_FOUND when unknown; the id may also be
 * a device ID or the accessory's name. */
HapSimAccessory *hap_sim_engine_lookup            (HapSimEngine *self,
                                                   const char   *id,
                                                   GError      **error);
/* HapSimAccessory, in the order added. */
GPtrArray       *hap_sim_engine_get_accessories   (HapSimEngine *self);
/* Files a runner was given and has not started yet (the control API's GetStarting). */
void             hap_sim_engine_set_starting     (HapSimEngine *self,
                                                  guint         n_files);
guint            hap_sim_engine_get_starting     (HapSimEngine *self);
void             hap_sim_engine_stop_all          (HapSimEngine *self);

/* Signals:
 *   "accessory-added"   (HapSimAccessory *accessory)
 *   "accessory-removed" (HapSimAccessory *accessory)
 */

G_END_DECLS
