/* hap-sim-accessory.h — one virtual accessory (or bridge) of the simulator: its file,
 * server, quirks, behaviours, trace and logs
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libhap-glib/hap.h>

#include "hap-sim-quirk.h"
#include "hap-sim-pairing.h"
#include "hap-sim-session.h"
#include "hap-sim-trace.h"
#include "hap-sim-trace-model.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_ACCESSORY (hap_sim_accessory_get_type ())
G_DECLARE_FINAL_TYPE (HapSimAccessory, hap_sim_accessory, HAP_SIM, ACCESSORY, GObject)

typedef enum
{
  HAP_SIM_STATE_STOPPED,     /* no listener */
  HAP_SIM_STATE_RUNNING,     /* listening; not (yet) advertised */
  HAP_SIM_STATE_ADVERTISED,  /* listening and its DNS-SD record is established */
} HapSimState;

const char      *hap_sim_state_to_string (HapSimState state);   /* "stopped", … */

/* Loads @path (the accessory file, with its optional "simulator" section of quirks and
 * behaviours). @id names it in the control API; its identity, keys and pairings live in
 * @state_dir. Nothing is started. */
HapSimAccessory *hap_sim_accessory_new_from_file (const char     *id,
                                                  const char     *path,
                                                  const char     *state_dir,
                                                  HapAdvertiser  *advertiser,
                                                  GError        **error);

const char      *hap_sim_accessory_get_id        (HapSimAccessory *self);
const char      *hap_sim_accessory_get_file      (HapSimAccessory *self);
const char      *hap_sim_accessory_get_state_dir (HapSimAccessory *self);
/* The advertised name once advertised, else the accessory's name. */
const char      *hap_sim_accessory_get_name      (HapSimAccessory *self);
HapAccessory    *hap_sim_accessory_get_accessory (HapSimAccessory *self);
/* NULL while stopped. */
HapAccessoryServer *hap_sim_accessory_get_server (HapSimAccessory *self);
HapSimState      hap_sim_accessory_get_state     (HapSimAccessory *self);
HapSimTrace     *hap_sim_accessory_get_trace     (HapSimAccessory *self);
GListModel      *hap_sim_accessory_get_trace_model (HapSimAccessory *self);
GListModel      *hap_sim_accessory_get_pairings  (HapSimAccessory *self);
GListModel      *hap_sim_accessory_get_sessions  (HapSimAccessory *self);
void             hap_sim_accessory_update_models (HapSimAccessory *self);

/* Before start (kept across stop/start): */
void             hap_sim_accessory_set_port         (HapSimAccessory *self, guint16 port);
void             hap_sim_accessory_set_bind_address (HapSimAccessory *self, const char *address);
/* The BlueZ adapter for HAP over BLE (NULL: the first usable one) and the engine's
 * table of which accessory uses which adapter (one each). An adapter the file names
 * ("simulator": {"ble-adapter": "hci1"}) is kept over @adapter. */
void             hap_sim_accessory_set_ble_adapter (HapSimAccessory *self,
                                                    const char      *adapter,
                                                    GHashTable      *claims);
/* It serves HAP over BLE (the file's "transports", or set since). */
gboolean         hap_sim_accessory_has_ble          (HapSimAccessory *self);
HapTransportFlags hap_sim_accessory_get_transports  (HapSimAccessory *self);
/* The adapter asked for, or NULL for the first usable one. */
const char      *hap_sim_accessory_get_ble_adapter  (HapSimAccessory *self);

/* At any time: */
/* Moves HAP over BLE to @adapter (NULL or "": the first usable). Running, only the BLE
 * transport moves (a connected central is dropped); BAD_STATE, naming the other
 * accessory, when it already carries one. */
gboolean         hap_sim_accessory_move_ble_adapter (HapSimAccessory *self,
                                                     const char      *adapter,
                                                     GError         **error);
/* IP, BLE or both. A running accessory starts again: its database changes. */
gboolean         hap_sim_accessory_set_transports   (HapSimAccessory  *self,
                                                     HapTransportFlags transports,
                                                     GError          **error);
gboolean         hap_sim_accessory_set_setup_code   (HapSimAccessory *self, const char *code,
                                                     GError **error);
void             hap_sim_accessory_set_event_window (HapSimAccessory *self, guint milliseconds);

/* Connection limits and timers: the HapAccessoryServer properties "max-connections",
 * "idle-timeout", "stall-timeout" and "pairing-timeout"; -1 keeps the server's
 * default. */
typedef struct
{
  gint64 max_connections;
  gint64 idle_timeout_ms;
  gint64 stall_timeout_ms;
  gint64 pairing_timeout_ms;
} HapSimConnectionSettings;

#define HAP_SIM_CONNECTION_SETTINGS_INIT { -1, -1, -1, -1 }

/* From the next start: the process-wide @limit shared with the engine's other
 * accessories (NULL: the server's own) and the engine's @settings (the command line),
 * which the file's "simulator" → "connections" section overrides key by key. */
void             hap_sim_accessory_set_connection_settings (HapSimAccessory                *self,
                                                            HapConnectionLimit             *limit,
                                                            const HapSimConnectionSettings *settings);

gboolean         hap_sim_accessory_start         (HapSimAccessory *self,
                                                  GError         **error);
/* Closes every connection, withdraws the record, stops behaviours. */
void             hap_sim_accessory_stop          (HapSimAccessory *self);
/* Off for @off_ms, then on again on the same port, as a device that lost power. */
void             hap_sim_accessory_power_cycle   (HapSimAccessory *self,
                                                  guint            off_ms);
/* Stop and start on a new port (a new listener): a device that rebooted and got one. */
gboolean         hap_sim_accessory_restart       (HapSimAccessory *self,
                                                  gboolean         new_port,
                                                  GError         **error);
/* Wipes identity, keys and pairings (running or not); a running one comes back up with
 * a new identity. */
gboolean         hap_sim_accessory_factory_reset (HapSimAccessory *self,
                                                  GError         **error);

/* Values, as the physical device would change them: subscribers get events. */
HapCharacteristic *hap_sim_accessory_lookup      (HapSimAccessory *self,
                                                  guint64          aid,
                                                  guint64          iid);
/* "1.10", or "[Accessory Name/]Service/Characteristic" with catalog names
 * ("Lightbulb/On", "Kitchen/TemperatureSensor/CurrentTemperature"). */
HapCharacteristic *hap_sim_accessory_find        (HapSimAccessory *self,
                                                  const char      *spec,
                                                  GError         **error);
/* Converts @value to the characteristic's format (numbers of any type, 1/0 for bools),
 * validates and sets it. */
gboolean         hap_sim_accessory_set_value     (HapSimAccessory   *self,
                                                  HapCharacteristic *characteristic,
                                                  GVariant          *value,
                                                  GError           **error);

/* Quirks, in the order enabled. Enabling one that is on updates its parameters. */
gboolean         hap_sim_accessory_enable_quirk  (HapSimAccessory *self,
                                                  const char      *name,
                                                  GVariant        *params,   /* a{sv} or NULL */
                                                  GError         **error);
gboolean         hap_sim_accessory_disable_quirk (HapSimAccessory *self,
                                                  const char      *name,
                                                  GError         **error);
/* HapSimQuirk*, not owned. */
GPtrArray       *hap_sim_accessory_get_quirks    (HapSimAccessory *self);
HapSimQuirk     *hap_sim_accessory_get_quirk     (HapSimAccessory *self,
                                                  const char      *name);

/* Identify log: a{sv} entries {"time": x (µs, real time), "source": s ("controller" or
 * "api"), "accessory": s (name)}, oldest first, the last 100. */
GVariant        *hap_sim_accessory_dup_identify_log (HapSimAccessory *self);
void             hap_sim_accessory_identify      (HapSimAccessory *self);

/* Signals:
 *   "state-changed"    ()
 *   "value-changed"    (HapCharacteristic *c, GVariant *value, const char *origin)
 *                       origin: "controller", "api" (the control API, and quirks that change
 *                       values such as fault-event-storm) or "behaviour"
 *   "pairing-added"    (const char *controller, gboolean admin)
 *   "pairing-removed"  (const char *controller)
 *   "session-opened"   (HapConnection *conn)   — Pair Verify done
 *   "session-closed"   (HapConnection *conn)
 *   "identified"       (const char *source)
 *   "ble-advertised"   (const char *adapter) — BlueZ advertises it over BLE on @adapter
 *   "ble-changed"      () — a central connected, was secured or left, or the
 *                       advertisement changed (GSN, flags, a broadcast)
 *   "advertised"       (const char *name) — the record is up under @name, or (@name
 *                       NULL) avahi-daemon is not running: ready anyway
 */

G_END_DECLS
