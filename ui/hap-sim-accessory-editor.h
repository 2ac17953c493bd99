/* hap-sim-accessory-editor.h — a dialog that builds or edits an accessory file from the
 * catalog: name, category, services with their required and optional characteristics,
 * and for a bridge the accessories behind it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "hap-sim-engine.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_ACCESSORY_EDITOR (hap_sim_accessory_editor_get_type ())
G_DECLARE_FINAL_TYPE (HapSimAccessoryEditor, hap_sim_accessory_editor, HAP_SIM, ACCESSORY_EDITOR, AdwWindow)

/* @definition: a file to edit (its services and bridged accessories are shown; keys the
 * editor does not know, such as "simulator", are kept), or NULL for a new accessory.
 * @bridge: for a new one, start as a bridge. */
HapSimAccessoryEditor *hap_sim_accessory_editor_new             (GtkWindow   *parent,
                                                                 JsonNode    *definition,
                                                                 gboolean     bridge);
/* The file as edited now ({"accessories": […]}; a new node). */
JsonNode              *hap_sim_accessory_editor_dup_definition  (HapSimAccessoryEditor *self);

/* Fills the Bluetooth adapter drop-down from BlueZ, through @engine. */
void                   hap_sim_accessory_editor_list_adapters   (HapSimAccessoryEditor *self,
                                                                 HapSimEngine          *engine);

/* Signals:
 *   "done" (JsonNode *definition) — the user pressed Create/Save; the dialog stays open
 *          until the receiver closes it (so that it can show an error and let the user
 *          correct it, via hap_sim_accessory_editor_show_error()).
 */
void                   hap_sim_accessory_editor_show_error      (HapSimAccessoryEditor *self,
                                                                 const char            *message);

G_END_DECLS
