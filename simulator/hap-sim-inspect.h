/* hap-sim-inspect.h — what an accessory is, serves and is connected to, as a{sv}
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One view of an accessory for every front end: the D-Bus API returns these
 * dictionaries as they are (io.github.hapsim.Simulator1.xml documents their keys) and
 * the desktop app shows them, so the two never disagree. Keys are added in a fixed order.
 */
#pragma once

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

/* id, name, device-id, port, state, paired, sessions, connections, category, file,
 * bridged, quirks (as), transports (as: "ip", "ble"). Stopped accessories report what their state directory holds. */
GVariant *hap_sim_inspect_summary        (HapSimAccessory *accessory);
/* aa{sv}: controller-id, admin, fingerprint (SHA-256 of the key, 16 bytes in colon hex),
 * added (x, Unix seconds). From the state directory while stopped. The accessory's
 * pairings model, updated first, serialized (hap_sim_pairing_to_variant). */
GVariant *hap_sim_inspect_pairings       (HapSimAccessory *accessory);
/* aa{sv}: session (t), peer, controller-id, secured, connected and established (x, µs of
 * real time), requests, bytes-in, bytes-out, subscriptions (as "aid.iid"). The
 * accessory's sessions model, updated first (hap_sim_session_to_variant). */
GVariant *hap_sim_inspect_sessions       (HapSimAccessory *accessory);
/* a{sv}: setup-code, setup-payload (X-HM://…; both "" on a provisioned device, which
 * keeps only its code's verifier), setup-id, provisioned (b). BAD_STATE for an accessory that
 * never started (it has no identity yet). */
GVariant *hap_sim_inspect_setup          (HapSimAccessory *accessory,
                                          GError         **error);
/* aa{sv}: name, layer, params (a{sv}) of the enabled quirks. */
GVariant *hap_sim_inspect_quirks         (HapSimAccessory *accessory);
/* a{sv}: name, layer, description, catalog-row, params (aa{sv}: name, type, description,
 * default, [min, max], [choices]). */
GVariant *hap_sim_inspect_quirk_info     (const HapSimQuirkInfo *info);
/* a{sv} of HAP over BLE, keys in this order:
 *   transports (as: "ip", "ble"), adapter (s: the one asked for, "" for the first
 *   usable), and when running with BLE: adapter-in-use (s, "" while BlueZ or the adapter
 *   is missing), state (s: "waiting" for BlueZ, "advertising", "connected", "silent" when
 *   a quirk took the advertisement off the air), advertisement (ay: Apple's manufacturer
 *   data as advertised now, empty when none), advertisement-fields (a{sv}: sf, device-id,
 *   acid, gsn, cn, cv, [setup-hash] — absent when the advertisement does not parse, e.g. a
 *   quirk corrupted it, or is a broadcast), gsn (u), cn (u), advertising-id (s),
 *   broadcast-key (b: whether one exists), broadcasts (a{uu}: iid → interval code 1..3),
 *   central (a{sv}, only while connected: address, device-path, controller-id ("" until
 *   verified), secured (b), connected and established (x, µs of real time; 0 until
 *   secured), procedures, bytes-in, bytes-out (t), subscriptions (as "aid.iid")). */
GVariant *hap_sim_inspect_ble            (HapSimAccessory *accessory);
/* NOT_FOUND when @controller has no pairing, BAD_STATE when stopped. */
gboolean  hap_sim_inspect_remove_pairing (HapSimAccessory *accessory,
                                          const char      *controller,
                                          GError         **error);
/* Adds @key → a value built from @format and the arguments to a VARDICT builder. */
void      hap_sim_dict_add               (GVariantBuilder *dict,
                                          const char      *key,
                                          const char      *format,
                                          ...);
void      hap_sim_dict_add_value         (GVariantBuilder *dict,
                                          const char      *key,
                                          GVariant        *value);
/* The aid of the accessory holding @characteristic (0 when detached). */
guint64   hap_sim_characteristic_aid     (HapCharacteristic *characteristic);

G_END_DECLS
