/* hap-sim-pairing.h — one controller paired with a simulated accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include <libhap-glib/hap-inspection.h>

G_BEGIN_DECLS

#define HAP_SIM_TYPE_PAIRING (hap_sim_pairing_get_type ())
G_DECLARE_FINAL_TYPE (HapSimPairing, hap_sim_pairing, HAP_SIM, PAIRING, GObject)

HapSimPairing *hap_sim_pairing_new               (const HapPairing *pairing);
const char    *hap_sim_pairing_get_controller_id (HapSimPairing    *self);
gboolean       hap_sim_pairing_get_admin         (HapSimPairing    *self);
const char    *hap_sim_pairing_get_fingerprint   (HapSimPairing    *self);
gint64         hap_sim_pairing_get_added         (HapSimPairing    *self);
GVariant      *hap_sim_pairing_to_variant        (HapSimPairing    *self);

void           hap_sim_pairing_list_sync         (GListStore       *store,
                                                  GPtrArray        *pairings);

G_END_DECLS
