/* test-ui-quirks.c — the Quirks page: the whole catalog, switching a quirk on and off
 * (and what a controller then gets), parameters, search, and quirks a file declares
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <string.h>

#include "hap-sim-quirk-row.h"
#include "hap-sim-quirks-page.h"

static HapSimQuirkRow *
find_row (GtkWidget *page, const char *name)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (page, HAP_SIM_TYPE_QUIRK_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (hap_sim_quirk_row_get_info (g_ptr_array_index (rows, i))->name, name))
      return g_ptr_array_index (rows, i);
  g_error ("no row for %s", name);
  return NULL;
}

/* Rows the filter shows: the list box hides the others (not mapped). */
static guint
count_shown (GtkWidget *page)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (page, HAP_SIM_TYPE_QUIRK_ROW);
  guint shown = 0;

  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_get_mapped (g_ptr_array_index (rows, i)))
      shown++;
  return shown;
}

static void
set_switch (GtkWidget *page, const char *name, gboolean active)
{
  gtk_switch_set_active (GTK_SWITCH (hap_sim_quirk_row_get_switch (find_row (page, name))), active);
}

static const char *
subtitle (GtkWidget *page, const char *name)
{
  return adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (find_row (page, name)));
}

static gboolean
switch_active (HapSimQuirkRow *row)
{
  return gtk_switch_get_active (GTK_SWITCH (hap_sim_quirk_row_get_switch (row)));
}

static gboolean
is_mapped (GtkWidget *widget)
{
  return widget != NULL && gtk_widget_get_mapped (widget);
}

typedef struct
{
  GtkWidget *page;
  guint      expected;
} ShownCheck;

static gboolean
shown_is (gpointer data)
{
  ShownCheck *check = data;

  return count_shown (check->page) == check->expected;
}

static void
search (GtkWidget *page, const char *text, guint expected)
{
  GtkWidget *entry = ui_find_widget (page, GTK_TYPE_SEARCH_ENTRY);
  ShownCheck check = { page, expected };
  g_autofree char *what = g_strdup_printf ("%u rows for “%s”", expected, text);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  /* search-changed comes after the entry's delay. */
  ui_wait_until (shown_is, &check, what);
}

static void
on_quirks_changed (GtkWidget *page, guint *count)
{
  (*count)++;
}

static void
on_toast (GSimpleAction *action, GVariant *parameter, GPtrArray *toasts)
{
  g_ptr_array_add (toasts, g_variant_dup_string (parameter, NULL));
}

/* Collects the page's toasts in @toasts instead of the fixture's window action. */
static void
catch_toasts (GtkWidget *window, GPtrArray *toasts)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) toast = g_simple_action_new ("toast", G_VARIANT_TYPE_STRING);

  g_signal_connect (toast, "activate", G_CALLBACK (on_toast), toasts);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (toast));
  gtk_widget_insert_action_group (window, "win", G_ACTION_GROUP (group));
}

static void
test_catalog_and_search (void)
{
  UiFixture *fixture = ui_fixture_new ();
  HapSimAccessory *accessory = ui_fixture_add (fixture, "lightbulb.json");
  const HapSimQuirkInfo * const *catalog;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *netatmo = g_utf8_casefold ("NETATMO", -1);
  GtkWidget *page, *window, *toggle;
  guint n = 0, n_netatmo = 0;
  gint64 start, built;

  start = g_get_monotonic_time ();
  page = hap_sim_quirks_page_new ();
  hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (page), accessory);
  built = g_get_monotonic_time () - start;
  start = g_get_monotonic_time ();
  window = ui_window_new (page);
  catalog = hap_sim_quirk_catalog (&n);
  g_test_message ("%u quirk rows built in %.1f ms, the first time (shown and laid out in "
                  "%.1f ms, with a 50 ms spin)", n, built / 1000.0,
                  (g_get_monotonic_time () - start) / 1000.0);
  /* Again, with the classes and templates loaded, as the window builds it. */
  {
    GtkWidget *again;

    start = g_get_monotonic_time ();
    again = g_object_ref_sink (hap_sim_quirks_page_new ());
    hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (again), accessory);
    g_test_message ("%u quirk rows built in %.1f ms, the second time", n,
                    (g_get_monotonic_time () - start) / 1000.0);
    g_object_unref (again);
  }

  /* One row per quirk of the catalog, every one off. */
  rows = ui_find_widgets (page, HAP_SIM_TYPE_QUIRK_ROW);
  g_assert_cmpuint (n, >=, 82);
  g_assert_cmpuint (rows->len, ==, n);
  g_assert_cmpuint (count_shown (page), ==, n);
  for (guint i = 0; i < rows->len; i++)
    g_assert_false (switch_active (g_ptr_array_index (rows, i)));
  g_assert_true (is_mapped (ui_find_by_text (page, "0 enabled")));
  /* Group titles for people, and the catalog row in the subtitle. */
  g_assert_true (is_mapped (ui_find_by_text (page, "Pairing TLV8")));
  g_assert_true (is_mapped (ui_find_by_text (page, "Values and metadata")));
  g_assert_true (is_mapped (ui_find_by_text (page, "Bluetooth LE")));
  g_assert_nonnull (strstr (subtitle (page, "ble-write-first"), "Catalog row 50"));
  g_assert_nonnull (strstr (subtitle (page, "json-global-status"), "Catalog row 31"));
  g_assert_null (strstr (subtitle (page, "fault-latency"), "Catalog row"));

  /* Search by name, then by the device a quirk imitates (in its description). */
  search (page, "global-status", 1);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (find_row (page, "json-global-status"))));
  g_assert_false (is_mapped (ui_find_by_text (page, "Faults")));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *description = g_utf8_casefold (catalog [i]->description, -1);

      if (strstr (description, netatmo) != NULL)
        n_netatmo++;
    }
  g_assert_cmpuint (n_netatmo, >=, 2);
  search (page, "Netatmo", n_netatmo);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (find_row (page, "txt-uppercase-keys"))));
  search (page, "no such quirk", 0);
  g_assert_true (is_mapped (ui_find_by_text (page, "No Matching Quirks")));
  search (page, "", n);

  /* Enabled only. */
  set_switch (page, "json-bom", TRUE);
  set_switch (page, "txt-no-sf", TRUE);
  g_assert_true (is_mapped (ui_find_by_text (page, "2 enabled")));
  toggle = ui_find_widget (page, GTK_TYPE_TOGGLE_BUTTON);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  g_assert_cmpuint (count_shown (page), ==, 2);
  search (page, "bom", 1);
  set_switch (page, "json-bom", FALSE);
  g_assert_cmpuint (count_shown (page), ==, 0);
  g_assert_true (is_mapped (ui_find_by_text (page, "No Matching Quirks")));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), FALSE);
  search (page, "", n);

  /* No accessory: a status page instead of rows. */
  hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (page), NULL);
  g_assert_true (is_mapped (ui_find_by_text (page, "No Accessory")));
  g_assert_cmpuint (count_shown (page), ==, 0);

  gtk_window_destroy (GTK_WINDOW (window));
  ui_fixture_free (fixture);
}

typedef struct
{
  HapTestClient *client;
  const char    *target;
  guint          status;
  guint64        iid;
} Request;

static gpointer
find_on_thread (gpointer data)
{
  Request *request = data;

  request->iid = hap_test_client_find_iid (request->client, 1, "25");   /* On */
  return NULL;
}

static gpointer
get_thread (gpointer data)
{
  Request *request = data;
  g_autoptr(HapHttpMessage) response = hap_test_client_request (request->client, "GET",
                                                                request->target, NULL, NULL, 0);

  g_assert_nonnull (response);
  request->status = response->status;
  return NULL;
}

/* The HTTP status a controller gets for reading On. */
static guint
read_status (Request *request)
{
  ui_run_in_thread (get_thread, request);
  return request->status;
}

static void
test_switch_and_params (void)
{
  UiFixture *fixture = ui_fixture_new ();
  HapSimAccessory *accessory = ui_fixture_add (fixture, "lightbulb.json");
  guint16 port = hap_accessory_server_get_port (hap_sim_accessory_get_server (accessory));
  g_autoptr(HapTestClient) client = ui_pair_controller (port, "ui-quirks-controller");
  g_autofree char *target = NULL;
  Request request = { client, NULL, 0, 0 };
  GtkWidget *page = hap_sim_quirks_page_new ();
  GtkWidget *window = ui_window_new (page);
  HapSimQuirkRow *row;
  GtkWidget *enabled, *status_spin;
  HapSimQuirk *quirk;
  g_autoptr(GPtrArray) toasts = g_ptr_array_new_with_free_func (g_free);
  guint changes = 0;

  ui_run_in_thread (find_on_thread, &request);
  target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, request.iid);
  request.target = target;
  g_assert_cmpuint (read_status (&request), ==, 200);

  hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (page), accessory);
  g_signal_connect (page, "quirks-changed", G_CALLBACK (on_quirks_changed), &changes);
  row = find_row (page, "json-global-status");
  enabled = hap_sim_quirk_row_get_switch (row);
  status_spin = hap_sim_quirk_row_get_editor (row, "http-status");
  g_assert_true (GTK_IS_SPIN_BUTTON (status_spin));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (status_spin)), ==, 500);

  /* On: the engine has it, and reads get {"status":-70407} with a 500. */
  gtk_switch_set_active (GTK_SWITCH (enabled), TRUE);
  g_assert_cmpuint (changes, ==, 1);
  quirk = hap_sim_accessory_get_quirk (accessory, "json-global-status");
  g_assert_nonnull (quirk);
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "http-status"), ==, 500);
  g_assert_true (hap_sim_quirk_row_get_enabled (row));
  g_assert_true (is_mapped (ui_find_by_text (page, "1 enabled")));
  g_assert_cmpuint (read_status (&request), ==, 500);

  /* A parameter changed while on is taken at once. */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (status_spin), 503);
  g_assert_cmpuint (changes, ==, 2);
  quirk = hap_sim_accessory_get_quirk (accessory, "json-global-status");
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "http-status"), ==, 503);
  g_assert_cmpuint (read_status (&request), ==, 503);
  /* The spin button keeps to the catalog's range (100…599). */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (status_spin), 1000);
  g_assert_cmpuint (changes, ==, 3);
  quirk = hap_sim_accessory_get_quirk (accessory, "json-global-status");
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "http-status"), ==, 599);

  /* Off: conforming again. */
  gtk_switch_set_active (GTK_SWITCH (enabled), FALSE);
  g_assert_cmpuint (changes, ==, 4);
  g_assert_null (hap_sim_accessory_get_quirk (accessory, "json-global-status"));
  g_assert_false (hap_sim_quirk_row_get_enabled (row));
  g_assert_true (is_mapped (ui_find_by_text (page, "0 enabled")));
  g_assert_cmpuint (read_status (&request), ==, 200);

  /* A parameter changed while off changes nothing now, and is used when switched on. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (status_spin), 404);
  g_assert_cmpuint (changes, ==, 4);
  g_assert_null (hap_sim_accessory_get_quirk (accessory, "json-global-status"));
  gtk_switch_set_active (GTK_SWITCH (enabled), TRUE);
  g_assert_cmpuint (changes, ==, 5);
  quirk = hap_sim_accessory_get_quirk (accessory, "json-global-status");
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "http-status"), ==, 404);
  g_assert_cmpuint (read_status (&request), ==, 404);
  gtk_switch_set_active (GTK_SWITCH (enabled), FALSE);
  g_assert_cmpuint (changes, ==, 6);

  /* Choices, booleans and free text. */
  row = find_row (page, "http-chunked");
  gtk_switch_set_active (GTK_SWITCH (hap_sim_quirk_row_get_switch (row)), TRUE);
  g_assert_true (GTK_IS_DROP_DOWN (hap_sim_quirk_row_get_editor (row, "style")));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (hap_sim_quirk_row_get_editor (row, "style")), 1);
  gtk_switch_set_active (GTK_SWITCH (hap_sim_quirk_row_get_editor (row, "capital")), TRUE);
  g_assert_cmpuint (changes, ==, 9);
  quirk = hap_sim_accessory_get_quirk (accessory, "http-chunked");
  g_assert_cmpstr (hap_sim_quirk_get_string (quirk, "style"), ==, "bytes");
  g_assert_true (hap_sim_quirk_get_bool (quirk, "capital"));

  row = find_row (page, "http-trailing-bytes");
  gtk_switch_set_active (GTK_SWITCH (hap_sim_quirk_row_get_switch (row)), TRUE);
  g_assert_true (GTK_IS_ENTRY (hap_sim_quirk_row_get_editor (row, "bytes")));
  gtk_editable_set_text (GTK_EDITABLE (hap_sim_quirk_row_get_editor (row, "bytes")), "xyz");
  g_assert_cmpuint (changes, ==, 10);   /* not at every keystroke: on Enter */
  g_signal_emit_by_name (hap_sim_quirk_row_get_editor (row, "bytes"), "activate");
  g_assert_cmpuint (changes, ==, 11);
  quirk = hap_sim_accessory_get_quirk (accessory, "http-trailing-bytes");
  g_assert_cmpstr (hap_sim_quirk_get_string (quirk, "bytes"), ==, "xyz");

  /* Switched off elsewhere behind the row's back: switching it off fails, with a toast,
   * and the switch shows what the engine has. */
  row = find_row (page, "http-trailing-bytes");
  g_assert_true (hap_sim_accessory_disable_quirk (accessory, "http-trailing-bytes", NULL));
  g_assert_true (switch_active (row));
  catch_toasts (window, toasts);
  gtk_switch_set_active (GTK_SWITCH (hap_sim_quirk_row_get_switch (row)), FALSE);
  g_assert_cmpuint (toasts->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (toasts, 0),
                                   "Cannot switch http-trailing-bytes off: "));
  g_assert_false (switch_active (row));
  g_assert_false (hap_sim_quirk_row_get_enabled (row));
  g_assert_true (is_mapped (ui_find_by_text (page, "1 enabled")));   /* http-chunked */
  g_assert_cmpuint (changes, ==, 11);
  g_assert_true (hap_sim_accessory_enable_quirk (accessory, "http-trailing-bytes", NULL, NULL));

  /* Quirks changed elsewhere (D-Bus) show when the page is mapped again. */
  g_assert_true (hap_sim_accessory_disable_quirk (accessory, "http-chunked", NULL));
  gtk_widget_set_visible (page, FALSE);
  gtk_widget_set_visible (page, TRUE);
  g_assert_false (switch_active (find_row (page, "http-chunked")));
  g_assert_true (is_mapped (ui_find_by_text (page, "1 enabled")));
  g_assert_cmpuint (changes, ==, 11);

  gtk_window_destroy (GTK_WINDOW (window));
  ui_fixture_free (fixture);
}

static const char declared_json[] =
  "{ \"accessories\": [ { \"name\": \"Quirky Lamp\", \"category\": \"LIGHTBULB\","
  "    \"services\": [ { \"type\": \"Lightbulb\", \"primary\": true,"
  "      \"characteristics\": [ { \"type\": \"On\", \"value\": false } ] } ] } ],"
  "  \"simulator\": { \"quirks\": { \"http-lowercase-headers\": {},"
  "                                 \"fault-latency\": { \"delay-ms\": 800 } } } }";

static void
test_declared_quirks (void)
{
  UiFixture *fixture = ui_fixture_new ();
  HapSimAccessory *plain = ui_fixture_add (fixture, "lightbulb.json");
  HapSimAccessory *quirky = ui_fixture_add_json (fixture, "quirky", declared_json);
  GtkWidget *page = hap_sim_quirks_page_new ();
  GtkWidget *window = ui_window_new (page);
  HapSimQuirkRow *latency;
  GtkWidget *delay;
  guint changes = 0;

  g_signal_connect (page, "quirks-changed", G_CALLBACK (on_quirks_changed), &changes);
  hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (page), plain);
  set_switch (page, "json-bom", TRUE);
  latency = find_row (page, "fault-latency");
  delay = hap_sim_quirk_row_get_editor (latency, "delay-ms");
  /* Edited while off for this accessory: not carried over to the next. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (delay), 42);
  g_assert_cmpuint (changes, ==, 1);

  hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (page), quirky);
  g_assert_false (switch_active (find_row (page, "json-bom")));
  g_assert_true (switch_active (find_row (page, "http-lowercase-headers")));
  g_assert_true (switch_active (latency));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (delay)), ==, 800);
  g_assert_true (is_mapped (ui_find_by_text (page, "2 enabled")));
  g_assert_cmpuint (changes, ==, 1);   /* showing an accessory changes nothing */

  /* Switching one off acts on this accessory only. */
  gtk_switch_set_active (GTK_SWITCH (hap_sim_quirk_row_get_switch (latency)), FALSE);
  g_assert_null (hap_sim_accessory_get_quirk (quirky, "fault-latency"));
  g_assert_nonnull (hap_sim_accessory_get_quirk (plain, "json-bom"));
  g_assert_cmpuint (changes, ==, 2);

  hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (page), plain);
  g_assert_true (switch_active (find_row (page, "json-bom")));
  g_assert_false (switch_active (find_row (page, "http-lowercase-headers")));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (delay)), ==, 500);

  gtk_window_destroy (GTK_WINDOW (window));
  ui_fixture_free (fixture);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/quirks/catalog-and-search", test_catalog_and_search);
  g_test_add_func ("/ui/quirks/switch-and-params", test_switch_and_params);
  g_test_add_func ("/ui/quirks/declared", test_declared_quirks);
  return g_test_run ();
}
