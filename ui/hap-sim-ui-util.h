/* hap-sim-ui-util.h — small helpers every page of the window shares
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

/* Registers the app's GResource (templates, styles, icons): call before creating any
 * widget of the app. Idempotent. */
void        hap_sim_ui_init            (void);
/* A symbolic icon name from the icon theme for a HAP category (docs/protocol.md §4.14). */
const char *hap_sim_ui_category_icon   (int                category);
/* The category in words: "Thermostat", "Garage Door Opener"; "Other" when unknown. */
char       *hap_sim_ui_category_label  (int                category);
/* A value as people read it: names of valid values from the catalog ("Heat"), numbers
 * with their unit ("21.5 °C", "75 %"), "On"/"Off" for switches, "N bytes" for data. */
char       *hap_sim_ui_format_value    (HapCharacteristic *characteristic,
                                        GVariant          *value);
/* Names for people: the catalog's display name ("Target Temperature") or, for a
 * service, its catalog name in words ("Accessory Information"); else the UUID. */
const char *hap_sim_ui_characteristic_label (HapCharacteristic *characteristic);
const char *hap_sim_ui_service_label   (HapService        *service);
/* The transports an accessory serves, for people: "IP", "BLE" or "IP and BLE". */
const char *hap_sim_ui_transports_label (HapTransportFlags transports);
/* Bytes as lower-case hex pairs separated by spaces ("06 31 01"); "" for none. */
char       *hap_sim_ui_format_hex      (const guint8      *data,
                                        gsize              length);
/* Local time, "2026-11-22 10:04:05", of @usec (real time, µs since the epoch). */
char       *hap_sim_ui_format_time     (gint64             usec);
/* Shows @text (plain text: it is escaped here) as a toast in the window holding @widget,
 * through the "win.toast" action; does nothing outside a window. */
/* Drops the caller's reference to a file chooser from its "response" handler, from the
 * main loop rather than at once: GTK's portal chooser still uses itself after it emitted
 * the response. */
void        hap_sim_ui_release_chooser (GtkNativeDialog   *chooser);
void        hap_sim_ui_toast           (GtkWidget         *widget,
                                        const char        *text);
/* Shows @error's message as a toast (see above), prefixed with @what when not NULL. */
void        hap_sim_ui_toast_error     (GtkWidget         *widget,
                                        const char        *what,
                                        const GError      *error);
/* adw_message_dialog_new() whose heading is never measured narrower than it can be:
 * libadwaita 1.7 measures the one-line heading label for widths narrower than its text
 * (GTK 4.18 warns "Trying to measure GtkLabel … but it needs at least …"). */
GtkWidget  *hap_sim_ui_message_dialog_new (GtkWindow     *parent,
                                           const char    *heading,
                                           const char    *body);

G_END_DECLS
