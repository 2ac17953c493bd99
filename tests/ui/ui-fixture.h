/* ui-fixture.h — widget tests: GTK on an X display, an engine on the main context, and
 * controllers on worker threads
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hap-sim-engine.h"
#include "hap-test-client.h"

G_BEGIN_DECLS

typedef struct
{
  HapSimEngine *engine;      /* state in a temporary directory, no advertising */
  char         *state_dir;
  char         *workspace;   /* an empty temporary directory, for workspace tests */
} UiFixture;

/* gtk_init + adw_init + g_test_init; "1..0 # SKIP" and exit 0 without a display is NOT
 * done: a UI test without a display fails (CI always gives it one). */
void             ui_test_init              (int         *argc,
                                            char      ***argv);
UiFixture       *ui_fixture_new            (void);
/* Adds @file (relative paths are under accessories/) and starts it listening on
 * 127.0.0.1 with HAP_TEST_SETUP_CODE and an event window of 0 ms. */
HapSimAccessory *ui_fixture_add            (UiFixture   *fixture,
                                            const char  *file);
/* The same for a definition given as JSON text (written into the workspace directory
 * as NAME.json first). */
HapSimAccessory *ui_fixture_add_json       (UiFixture   *fixture,
                                            const char  *name,
                                            const char  *json_text);
void             ui_fixture_free           (UiFixture   *fixture);

/* Once per test program, before anything uses the system bus (GDBus keeps its first
 * connection): a private dbus-daemon with hap-virtual-bluez (HAP_VIRTUAL_BLUEZ, two
 * adapters hci0 and hci1) on it, and DBUS_SYSTEM_BUS_ADDRESS pointing there. Both stop
 * when the program exits. */
void             ui_start_virtual_bluez    (void);

/* Runs @func(@data) on a new thread while iterating the main context (where the
 * accessories and widgets live) until it returns; returns its result. Use it for
 * HapTestClient calls, which block. */
gpointer         ui_run_in_thread          (GThreadFunc  func,
                                            gpointer     data);
/* Iterates the main context until @cond(@data) holds; fails the test after 10 s,
 * naming @what. */
void             ui_wait_until             (gboolean   (*cond) (gpointer data),
                                            gpointer     data,
                                            const char  *what);
/* Iterates the main context for @ms milliseconds. */
void             ui_spin                   (guint        ms);
/* A window holding @child (so that actions such as win.toast and sizes work); shown. */
GtkWidget       *ui_window_new             (GtkWidget   *child);
/* The first descendant of @root of @type (depth first), or NULL. */
GtkWidget       *ui_find_widget            (GtkWidget   *root,
                                            GType        type);
/* Every descendant of @root of @type, depth first. */
GPtrArray       *ui_find_widgets           (GtkWidget   *root,
                                            GType        type);
/* The first GtkLabel or AdwActionRow/AdwPreferencesRow descendant whose label/title is
 * @text, or NULL. */
GtkWidget       *ui_find_by_text           (GtkWidget   *root,
                                            const char  *text);

/* A paired, verified controller of @port (pairs with HAP_TEST_SETUP_CODE on a thread). */
HapTestClient   *ui_pair_controller        (guint16      port,
                                            const char  *controller_id);

G_END_DECLS
