/* hap-sim-workspace.h — the folder of accessory files the desktop app serves, and the
 * edits made to them from the window
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workspace is a directory of accessory files (accessories/README.md); each file is
 * one accessory or one bridge of the engine, whose id is the file's stem. Everything the
 * window changes is written back to the files at once, atomically (temp, fsync, rename),
 * so the next start serves the same accessories: rename, edit, duplicate, delete, import,
 * and the quirks enabled (the file's "simulator" section). Identities and pairings stay
 * in the engine's state directory, under the same id: a renamed or edited accessory keeps
 * its pairings; a duplicate gets a new identity.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hap-sim-engine.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_WORKSPACE (hap_sim_workspace_get_type ())
G_DECLARE_FINAL_TYPE (HapSimWorkspace, hap_sim_workspace, HAP_SIM, WORKSPACE, GObject)

/* @dir is created (0700) when missing. */
HapSimWorkspace *hap_sim_workspace_new            (HapSimEngine     *engine,
                                                   const char       *dir);
const char      *hap_sim_workspace_get_dir        (HapSimWorkspace  *self);
HapSimEngine    *hap_sim_workspace_get_engine     (HapSimWorkspace  *self);
/* Adds (and when @start, starts) every *.json of the directory, in name order. A broken
 * file does not stop the others: its error ("FILE:LINE:COL: …") is appended to @errors
 * (GError *). */
void             hap_sim_workspace_load           (HapSimWorkspace  *self,
                                                   gboolean          start,
                                                   GPtrArray        *errors);
/* A new accessory file from @definition (the whole file: {"accessories": […]}), named
 * after the first accessory's name ("Desk Lamp" → desk-lamp.json, made unique); added
 * and started. Nothing is written when the definition does not load. */
HapSimAccessory *hap_sim_workspace_create         (HapSimWorkspace  *self,
                                                   JsonNode         *definition,
                                                   GError          **error);
/* The file of @accessory, parsed (a new node). */
JsonNode        *hap_sim_workspace_dup_definition (HapSimWorkspace  *self,
                                                   HapSimAccessory  *accessory,
                                                   GError          **error);
/* Writes @definition over @accessory's file and serves it again (same id, identity and
 * pairings; the old HapSimAccessory is removed from the engine and a new one added,
 * which is returned). Nothing changes when the definition does not load. */
HapSimAccessory *hap_sim_workspace_replace        (HapSimWorkspace  *self,
                                                   HapSimAccessory  *accessory,
                                                   JsonNode         *definition,
                                                   GError          **error);
/* Sets the (first) accessory's name in the file, then as _replace(). */
HapSimAccessory *hap_sim_workspace_rename         (HapSimWorkspace  *self,
                                                   HapSimAccessory  *accessory,
                                                   const char       *name,
                                                   GError          **error);
/* A copy named "NAME 2" ("NAME 3"…) in a new file, with a new identity; started. */
HapSimAccessory *hap_sim_workspace_duplicate      (HapSimWorkspace  *self,
                                                   HapSimAccessory  *accessory,
                                                   GError          **error);
/* Removes it from the engine, then deletes its file (when the file is in the workspace
 * directory: one served from elsewhere is the user's) and its state directory. */
gboolean         hap_sim_workspace_delete         (HapSimWorkspace  *self,
                                                   HapSimAccessory  *accessory,
                                                   GError          **error);
/* Checks that @file loads (errors name FILE:LINE:COL), copies it into the workspace
 * (a unique name; a snapshot it names is copied too) and serves it. */
HapSimAccessory *hap_sim_workspace_import         (HapSimWorkspace  *self,
                                                   GFile            *file,
                                                   GError          **error);
/* Writes @accessory's file, as served now (its quirks included), to @file. */
gboolean         hap_sim_workspace_export         (HapSimWorkspace  *self,
                                                   HapSimAccessory  *accessory,
                                                   GFile            *file,
                                                   GError          **error);
/* Writes the quirks enabled on @accessory now, with their parameters, into its file's
 * "simulator" section (other keys of the file are kept). Does not restart anything. */
gboolean         hap_sim_workspace_save_quirks    (HapSimWorkspace  *self,
                                                   HapSimAccessory  *accessory,
                                                   GError          **error);

G_END_DECLS
