/* hap-sim-behaviour.h — value generators: an accessory that changes on its own
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Declared in an accessory file's "simulator" section (accessories/README.md):
 *   "behaviours": [
 *     { "accessory": "Kitchen Sensor",            (optional: a bridged accessory's name)
 *       "service": "TemperatureSensor",           (optional: first match otherwise)
 *       "characteristic": "CurrentTemperature",
 *       "kind": "drift", "interval-ms": 5000, "step": 0.2, "noise": 0.05 },
 *     { "characteristic": "On", "kind": "toggle", "interval-ms": 60000 },
 *     { "characteristic": "ProgrammableSwitchEvent", "kind": "script", "repeat": true,
 *       "steps": [ { "at-ms": 1000, "value": 0 }, { "at-ms": 5000, "value": 2 } ] } ]
 * drift: a random walk of ±step per interval plus uniform noise, kept within the
 *   characteristic's min/max and on its minStep grid; toggle: flips a bool (or walks
 *   through the valid values); script: sets each value at its time after start, then
 *   starts over when "repeat" is true.
 * Optional too: "values" (toggle: the list to walk through instead) and "period-ms"
 * (repeating script: one round's length, default the last "at-ms"). The full reference,
 * with defaults and limits, is in accessories/README.md ("The simulator section").
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libhap-glib/hap.h>

G_BEGIN_DECLS

typedef struct _HapSimBehaviour HapSimBehaviour;

/* The origin passed to hap_characteristic_set_value_from() for changes a behaviour makes. */
extern const char hap_sim_behaviour_origin[];

/* Parses the "behaviours" array at @path of @reader's document against @accessory
 * (and its bridged accessories). Errors are HAP_ERROR_INVALID_FILE "FILE:LINE:COL: PATH: …".
 * Returns a GPtrArray of HapSimBehaviour (free function set), maybe empty. */
GPtrArray       *hap_sim_behaviours_load   (HapJsonReader  *reader,
                                            JsonNode       *array,
                                            const char     *path,
                                            HapAccessory   *accessory,
                                            GError        **error);
/* Timers on the thread-default main context. Start twice restarts. */
void             hap_sim_behaviour_start   (HapSimBehaviour *behaviour);
void             hap_sim_behaviour_stop    (HapSimBehaviour *behaviour);
void             hap_sim_behaviour_free    (HapSimBehaviour *behaviour);
/* "drift", "toggle" or "script", and the characteristic it drives. */
const char      *hap_sim_behaviour_get_kind           (HapSimBehaviour *behaviour);
HapCharacteristic *hap_sim_behaviour_get_characteristic (HapSimBehaviour *behaviour);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSimBehaviour, hap_sim_behaviour_free)

G_END_DECLS
