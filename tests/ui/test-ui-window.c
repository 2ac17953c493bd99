/* test-ui-window.c — the main window, sidebar rows, preferences and shortcuts templates,
 * driven over a real workspace
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include "hap-sim-accessory-editor.h"
#include "hap-sim-application.h"
#include "hap-sim-controls-page.h"
#include "hap-sim-inspect.h"
#include "hap-sim-preferences.h"
#include "hap-sim-sidebar-row.h"
#include "hap-sim-window.h"

typedef struct
{
  UiFixture       *fixture;
  HapSimWorkspace *workspace;
  GSettings       *settings;
  HapSimWindow    *window;
} WindowTest;

static void
copy_example (UiFixture *fixture, const char *name)
{
  /* An example by name, or any file by absolute path. */
  g_autofree char *from = g_path_is_absolute (name) ? g_strdup (name)
                                                    : g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), name, NULL);
  g_autofree char *base = g_path_get_basename (name);
  g_autofree char *to = g_build_filename (fixture->workspace, base, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (from, &text, NULL, &error);
  g_assert_no_error (error);
  g_file_set_contents (to, text, -1, &error);
  g_assert_no_error (error);
}

static void
window_test_open (WindowTest *t, const char * const *examples)
{
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;

  t->fixture = ui_fixture_new ();
  for (guint i = 0; examples != NULL && examples[i] != NULL; i++)
    copy_example (t->fixture, examples[i]);
  t->workspace = hap_sim_workspace_new (t->fixture->engine, t->fixture->workspace);
  hap_sim_workspace_load (t->workspace, TRUE, errors);
  g_assert_cmpuint (errors->len, ==, 0);
  t->settings = hap_sim_application_open_settings (&error);
  g_assert_no_error (error);
  t->window = hap_sim_window_new (NULL, t->workspace, t->settings);
  gtk_window_present (GTK_WINDOW (t->window));
  ui_spin (50);
}

static void
window_test_close (WindowTest *t)
{
  gtk_window_destroy (GTK_WINDOW (t->window));
  ui_spin (20);
  g_clear_object (&t->workspace);
  g_clear_object (&t->settings);
  ui_fixture_free (t->fixture);
}

static GtkStack *
named_stack (HapSimWindow *window, const char *child)
{
  g_autoptr(GPtrArray) stacks = ui_find_widgets (GTK_WIDGET (window), GTK_TYPE_STACK);

  for (guint i = 0; i < stacks->len; i++)
    if (gtk_stack_get_child_by_name (g_ptr_array_index (stacks, i), child) != NULL)
      return g_ptr_array_index (stacks, i);
  g_assert_not_reached ();
}

static GPtrArray *
sidebar_rows (HapSimWindow *window)
{
  return ui_find_widgets (GTK_WIDGET (window), HAP_SIM_TYPE_SIDEBAR_ROW);
}

static void
test_empty (void)
{
  WindowTest t = { 0 };
  g_autoptr(GPtrArray) rows = NULL;

  window_test_open (&t, NULL);
  rows = sidebar_rows (t.window);
  g_assert_cmpuint (rows->len, ==, 0);
  /* Both sides say so, and the content offers to create or import. */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (named_stack (t.window, "list")), ==, "empty");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (named_stack (t.window, "unselected")), ==, "empty");
  g_assert_nonnull (ui_find_by_text (GTK_WIDGET (t.window), "No Accessories"));
  g_assert_null (hap_sim_window_get_selected (t.window));
  window_test_close (&t);
}

static gboolean
row_status_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (hap_sim_sidebar_row_get_status (args[0]), args[1]) == 0;
}

static void
test_sidebar_and_selection (void)
{
  static const char * const examples[] = { "lightbulb.json", "thermostat.json", NULL };
  WindowTest t = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(HapTestClient) client = NULL;
  HapSimAccessory *lamp, *thermostat;
  HapSimSidebarRow *lamp_row;
  GtkWidget *controls;
  g_autofree char *last = NULL;
  gpointer args[2];

  window_test_open (&t, examples);
  rows = sidebar_rows (t.window);
  g_assert_cmpuint (rows->len, ==, 2);
  lamp = hap_sim_engine_lookup (t.fixture->engine, "lightbulb", NULL);
  thermostat = hap_sim_engine_lookup (t.fixture->engine, "thermostat", NULL);
  g_assert_nonnull (lamp);
  g_assert_nonnull (thermostat);
  lamp_row = g_ptr_array_index (rows, 0);
  g_assert_true (hap_sim_sidebar_row_get_accessory (lamp_row) == lamp);
  /* Not advertised (the fixture turns mDNS off) but listening. */
  g_assert_cmpstr (hap_sim_sidebar_row_get_status (lamp_row), ==, "Running");

  /* The first accessory is selected on open, and every page shows it. */
  g_assert_true (hap_sim_window_get_selected (t.window) == lamp);
  controls = ui_find_widget (GTK_WIDGET (t.window), HAP_SIM_TYPE_CONTROLS_PAGE);
  g_assert_true (hap_sim_controls_page_get_accessory (HAP_SIM_CONTROLS_PAGE (controls)) == lamp);
  g_assert_true (hap_sim_window_select (t.window, "thermostat"));
  g_assert_true (hap_sim_window_get_selected (t.window) == thermostat);
  g_assert_true (hap_sim_controls_page_get_accessory (HAP_SIM_CONTROLS_PAGE (controls)) == thermostat);
  last = g_settings_get_string (t.settings, "last-accessory");
  g_assert_cmpstr (last, ==, "thermostat");
  g_assert_false (hap_sim_window_select (t.window, "no-such-accessory"));

  /* Pairing and a live session show in the row (and a toast, whose text must not
   * break the markup: fatal warnings are on). */
  client = ui_pair_controller (hap_accessory_server_get_port (hap_sim_accessory_get_server (lamp)),
                               "Controller & <Co>");
  args[0] = lamp_row;
  args[1] = "Paired · 1 session";
  ui_wait_until (row_status_is, args, "the row to show the pairing and session");

  /* Stopping from the window: the row follows. */
  hap_sim_window_select (t.window, "lightbulb");
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.toggle-running", NULL);
  g_assert_cmpint (hap_sim_accessory_get_state (lamp), ==, HAP_SIM_STATE_STOPPED);
  args[1] = "Stopped";
  ui_wait_until (row_status_is, args, "the row to show the stop");
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.toggle-running", NULL);
  g_assert_cmpint (hap_sim_accessory_get_state (lamp), !=, HAP_SIM_STATE_STOPPED);

  /* Pages by name (Alt+1…5 use the same action). */
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.page", "s", "traffic");
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (ui_find_widget (GTK_WIDGET (t.window),
                                                                                          ADW_TYPE_VIEW_STACK))),
                   ==, "traffic");

  /* An accessory removed behind the window's back goes from the list. */
  g_assert_true (hap_sim_engine_remove (t.fixture->engine, "lightbulb", NULL));
  ui_spin (20);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = sidebar_rows (t.window);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_null (hap_sim_window_get_selected (t.window));
  hap_test_client_free (g_steal_pointer (&client));
  window_test_close (&t);
}

static void
test_toast_escapes_markup (void)
{
  WindowTest t = { 0 };

  window_test_open (&t, NULL);
  /* Would print "Failed to set text … from markup" (fatal here) unescaped. */
  hap_sim_window_toast (t.window, "Lamp & Fan <b>unclosed");
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.toast", "s", "R&D <lab>");
  ui_spin (50);
  window_test_close (&t);
}

static void
test_duplicate_and_delete (void)
{
  static const char * const examples[] = { "lightbulb.json", NULL };
  WindowTest t = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  HapSimAccessory *copy;
  GList *toplevels;
  AdwMessageDialog *dialog = NULL;

  window_test_open (&t, examples);
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.duplicate", NULL);
  ui_spin (20);
  rows = sidebar_rows (t.window);
  g_assert_cmpuint (rows->len, ==, 2);
  copy = hap_sim_window_get_selected (t.window);
  g_assert_nonnull (copy);
  g_assert_cmpstr (hap_sim_accessory_get_id (copy), !=, "lightbulb");

  /* Delete asks first; "delete" removes the accessory and its file. */
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.delete", NULL);
  ui_spin (20);
  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      dialog = l->data;
  g_list_free (toplevels);
  g_assert_nonnull (dialog);
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, "delete");
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
  ui_spin (20);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = sidebar_rows (t.window);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpuint (hap_sim_engine_get_accessories (t.fixture->engine)->len, ==, 1);
  window_test_close (&t);
}

/* The editor toplevels open now. */
static guint
count_editors (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  guint n = 0;

  for (GList *l = toplevels; l != NULL; l = l->next)
    n += HAP_SIM_IS_ACCESSORY_EDITOR (l->data);
  g_list_free (toplevels);
  return n;
}

static void
close_editors (void)
{
  GList *toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (HAP_SIM_IS_ACCESSORY_EDITOR (l->data))
      gtk_window_destroy (GTK_WINDOW (l->data));
  g_list_free (toplevels);
  ui_spin (20);
}

/* Edit opens the editor for an accessory of the simulator's format; for a recorded
 * device dump Edit and Rename are off, since writing a definition back would lose the
 * recording. */
static void
test_edit_recorded (void)
{
  g_autofree char *dump = g_test_build_filename (G_TEST_DIST, "data", "real-devices", "koogeek_ls1.json", NULL);
  const char * const examples[] = { "lightbulb.json", dump, NULL };
  g_autofree char *text = NULL, *copy = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;
  WindowTest t = { 0 };

  window_test_open (&t, examples);
  copy = g_build_filename (t.fixture->workspace, "koogeek_ls1.json", NULL);
  g_file_get_contents (copy, &text, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (hap_sim_window_select (t.window, "lightbulb"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (t.window), "win.edit", NULL));
  ui_spin (20);
  g_assert_cmpuint (count_editors (), ==, 1);
  close_editors ();

  g_assert_true (hap_sim_window_select (t.window, "koogeek_ls1"));
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.edit", NULL);
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.rename", NULL);
  ui_spin (20);
  g_assert_cmpuint (count_editors (), ==, 0);
  g_file_get_contents (copy, &after, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after, ==, text);
  /* Selecting an ordinary accessory again turns Edit back on. */
  g_assert_true (hap_sim_window_select (t.window, "lightbulb"));
  gtk_widget_activate_action (GTK_WIDGET (t.window), "win.edit", NULL);
  ui_spin (20);
  g_assert_cmpuint (count_editors (), ==, 1);
  close_editors ();
  window_test_close (&t);
}

static void
test_preferences_and_shortcuts (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = hap_sim_application_open_settings (&error);
  g_autoptr(GtkBuilder) builder = NULL;
  g_autofree char *style_variant = NULL;
  GtkWindow *preferences;
  AdwComboRow *style;
  GObject *overlay;

  g_assert_no_error (error);
  preferences = hap_sim_preferences_new (NULL, settings, "/tmp/workspace");
  gtk_window_present (preferences);
  ui_spin (20);
  style = ADW_COMBO_ROW (ui_find_widget (GTK_WIDGET (preferences), ADW_TYPE_COMBO_ROW));
  g_assert_nonnull (style);
  /* The combo and the setting are one: dark here is "dark" there, and back. */
  adw_combo_row_set_selected (style, 2);
  style_variant = g_settings_get_string (settings, "style-variant");
  g_assert_cmpstr (style_variant, ==, "dark");
  g_settings_set_string (settings, "style-variant", "light");
  g_assert_cmpuint (adw_combo_row_get_selected (style), ==, 1);
  g_assert_nonnull (ui_find_by_text (GTK_WIDGET (preferences), "/tmp/workspace"));
  gtk_window_destroy (preferences);

  builder = gtk_builder_new_from_resource ("/io/github/hapsim/Simulator/gtk/help-overlay.ui");
  overlay = gtk_builder_get_object (builder, "help_overlay");
  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  gtk_window_destroy (GTK_WINDOW (overlay));
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/window/empty", test_empty);
  g_test_add_func ("/window/sidebar-and-selection", test_sidebar_and_selection);
  g_test_add_func ("/window/toast-escapes-markup", test_toast_escapes_markup);
  g_test_add_func ("/window/duplicate-and-delete", test_duplicate_and_delete);
  g_test_add_func ("/window/edit-recorded", test_edit_recorded);
  g_test_add_func ("/window/preferences-and-shortcuts", test_preferences_and_shortcuts);
  return g_test_run ();
}
