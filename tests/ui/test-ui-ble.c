/* test-ui-ble.c — HAP over BLE in the desktop app, against hap-virtual-bluez: transports
 * in the sidebar and on the Setup page, the editor's transports and adapter, the
 * Bluetooth page (advertisement, GSN, the connected central, broadcasts) and BLE PDUs on
 * the Traffic page, with hapctl as the BLE controller
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The accessory serves on hci0 (00:AA:01:01:00:01), hapctl is the central on hci1.
 */
#include "ui-fixture.h"

#include <string.h>

#include "hap-sim-accessory-editor.h"
#include "hap-sim-application.h"
#include "hap-sim-ble-page.h"
#include "hap-sim-inspect.h"
#include "hap-sim-quirks-page.h"
#include "hap-sim-quirk-row.h"
#include "hap-sim-setup-page.h"
#include "hap-sim-sidebar-row.h"
#include "hap-sim-trace-text.h"
#include "hap-sim-traffic-page.h"
#include "hap-sim-window.h"

#define HCI0_ADDRESS "00:AA:01:01:00:01"
#define HCI1_ADDRESS "00:AA:01:01:00:02"

static const char lamp_json[] =
  "{\"transports\": [%s],"
  " \"accessories\": [{\"name\": \"%s\", \"category\": \"LIGHTBULB\","
  "   \"services\": [{\"type\": \"Lightbulb\", \"primary\": true, \"characteristics\": ["
  "     {\"type\": \"On\", \"value\": false}, {\"type\": \"Brightness\", \"value\": 50}]}]}]"
  "%s}";

/* A lamp served over @transports ("\"ble\"", "\"ip\", \"ble\"") on @adapter (or the
 * first usable one). */
static char *
lamp (const char *name, const char *transports, const char *adapter)
{
  g_autofree char *section = adapter != NULL
    ? g_strdup_printf (", \"simulator\": {\"ble-adapter\": \"%s\"}", adapter) : g_strdup ("");

  return g_strdup_printf (lamp_json, transports, name, section);
}

static GVariant *
inspect_ble (HapSimAccessory *accessory)
{
  return g_variant_ref_sink (hap_sim_inspect_ble (accessory));
}

static char *
ble_string (HapSimAccessory *accessory, const char *key)
{
  g_autoptr(GVariant) info = inspect_ble (accessory);
  char *value = NULL;

  g_variant_lookup (info, key, "s", &value);
  return value;
}

static guint32
ble_gsn (HapSimAccessory *accessory)
{
  g_autoptr(GVariant) info = inspect_ble (accessory);
  guint32 gsn = 0;

  g_assert_true (g_variant_lookup (info, "gsn", "u", &gsn));
  return gsn;
}

static gboolean
is_advertising (gpointer data)
{
  g_autofree char *state = ble_string (data, "state");

  return g_strcmp0 (state, "advertising") == 0;
}

static void
wait_advertising (HapSimAccessory *accessory)
{
  ui_wait_until (is_advertising, accessory, "the accessory to advertise over BLE");
}

/* The subtitle (the value) of the row titled @title. */
static const char *
row_value (GtkWidget *page, const char *title)
{
  GtkWidget *row = ui_find_by_text (page, title);

  g_assert_nonnull (row);
  g_assert_true (ADW_IS_ACTION_ROW (row));
  return adw_action_row_get_subtitle (ADW_ACTION_ROW (row));
}

static gboolean
is_shown (GtkWidget *widget)
{
  return widget != NULL && gtk_widget_get_mapped (widget);
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} TextWait;

static gboolean
text_shown (gpointer data)
{
  TextWait *wait = data;

  return is_shown (ui_find_by_text (wait->root, wait->text));
}

/* ---- hapctl ----------------------------------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  char        *out;
  char        *err;
  gboolean     done;
} Hapctl;

static void
on_hapctl_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Hapctl *run = data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->done = TRUE;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Starts hapctl (as the central on hci1, with @controller's file) with @args. */
static Hapctl *
hapctl_start (const char *controller, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Hapctl *run = g_new0 (Hapctl, 1);

  g_ptr_array_add (argv, (gpointer) g_getenv ("HAPCTL"));
  g_ptr_array_add (argv, "--controller");
  g_ptr_array_add (argv, (gpointer) controller);
  g_ptr_array_add (argv, "--adapter");
  g_ptr_array_add (argv, "hci1");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_test_message ("hapctl %s", args[0]);
  run->process = g_subprocess_newv ((const char * const *) argv->pdata,
                                    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (run->process, NULL, NULL, on_hapctl_done, run);
  return run;
}

/* Waits for it (the accessory runs on this thread's main context meanwhile) and
 * returns its exit status; 60 s at most. */
static int
hapctl_finish (Hapctl *run)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  guint ticker = g_timeout_add (100, wake, NULL);

  while (!run->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (ticker);
  if (!run->done)
    g_error ("hapctl did not finish");
  g_test_message ("hapctl: %s%s", run->out, run->err);
  return g_subprocess_get_exit_status (run->process);
}

static void
hapctl_free (Hapctl *run)
{
  g_object_unref (run->process);
  g_free (run->out);
  g_free (run->err);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Hapctl, hapctl_free)

static int
hapctl (const char *controller, const char * const *args, char **out)
{
  g_autoptr(Hapctl) run = hapctl_start (controller, args);
  int status = hapctl_finish (run);

  if (out != NULL)
    *out = g_strdup (run->out);
  return status;
}

/* ---- transports in the window --------------------------------------------------------- */

static HapSimSidebarRow *
sidebar_row (HapSimWindow *window, const char *name)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (GTK_WIDGET (window), HAP_SIM_TYPE_SIDEBAR_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (hap_sim_accessory_get_name (hap_sim_sidebar_row_get_accessory (rows->pdata[i])), name))
      return rows->pdata[i];
  g_error ("no sidebar row for %s", name);
  return NULL;
}

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_transports_in_window (void)
{
  UiFixture *fixture = ui_fixture_new ();
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(HapSimWorkspace) workspace = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *ip = lamp ("Hall Lamp", "\"ip\"", NULL);
  g_autofree char *ble = lamp ("Porch Lamp", "\"ble\"", "hci0");
  g_autofree char *both = lamp ("Desk Lamp", "\"ip\", \"ble\"", "hci1");
  HapSimWindow *window;
  GtkWidget *setup, *ble_page;
  HapSimAccessory *porch, *desk;

  write_file (fixture->workspace, "a-hall.json", ip);
  write_file (fixture->workspace, "b-porch.json", ble);
  write_file (fixture->workspace, "c-desk.json", both);
  workspace = hap_sim_workspace_new (fixture->engine, fixture->workspace);
  hap_sim_workspace_load (workspace, TRUE, errors);
  g_assert_cmpuint (errors->len, ==, 0);
  settings = hap_sim_application_open_settings (&error);
  g_assert_no_error (error);
  window = hap_sim_window_new (NULL, workspace, settings);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (50);

  /* The file's adapter is the one asked for and the one in use. */
  porch = hap_sim_sidebar_row_get_accessory (sidebar_row (window, "Porch Lamp"));
  desk = hap_sim_sidebar_row_get_accessory (sidebar_row (window, "Desk Lamp"));
  wait_advertising (porch);
  wait_advertising (desk);
  g_assert_cmpstr (hap_sim_accessory_get_ble_adapter (porch), ==, "hci0");
  g_assert_cmpstr (hap_sim_accessory_get_ble_adapter (desk), ==, "hci1");

  /* Each sidebar row says which transports serve it, to the eye and to screen readers. */
  g_assert_true (is_shown (ui_find_by_text (GTK_WIDGET (sidebar_row (window, "Hall Lamp")), "IP")));
  g_assert_true (is_shown (ui_find_by_text (GTK_WIDGET (sidebar_row (window, "Porch Lamp")), "BLE")));
  g_assert_true (is_shown (ui_find_by_text (GTK_WIDGET (sidebar_row (window, "Desk Lamp")), "IP and BLE")));
  g_assert_null (ui_find_by_text (GTK_WIDGET (sidebar_row (window, "Hall Lamp")), "BLE"));

  /* The Setup page: transports, the adapter in use, no port for BLE only. */
  setup = ui_find_widget (GTK_WIDGET (window), HAP_SIM_TYPE_SETUP_PAGE);
  ble_page = ui_find_widget (GTK_WIDGET (window), HAP_SIM_TYPE_BLE_PAGE);
  g_assert_true (hap_sim_window_select (window, hap_sim_accessory_get_id (porch)));
  hap_sim_window_show_page (window, "setup");
  ui_spin (50);
  g_assert_true (is_shown (ui_find_by_text (setup, "BLE")));
  g_assert_true (is_shown (ui_find_by_text (setup, "hci0")));
  g_assert_false (is_shown (ui_find_by_text (setup, "Port")));
  /* The Bluetooth page is offered for it. */
  hap_sim_window_show_page (window, "bluetooth");
  ui_spin (50);
  g_assert_true (is_shown (ble_page));
  g_assert_true (hap_sim_ble_page_get_accessory (HAP_SIM_BLE_PAGE (ble_page)) == porch);

  g_assert_true (hap_sim_window_select (window, hap_sim_accessory_get_id (desk)));
  hap_sim_window_show_page (window, "setup");
  ui_spin (50);
  g_assert_true (is_shown (ui_find_by_text (setup, "IP and BLE")));
  g_assert_true (is_shown (ui_find_by_text (setup, "hci1")));
  g_assert_true (is_shown (ui_find_by_text (setup, "Port")));

  /* An IP accessory has no Bluetooth page: asking for it shows another one. */
  g_assert_true (hap_sim_window_select (window, "a-hall"));
  ui_spin (20);
  g_assert_true (is_shown (ui_find_by_text (setup, "IP")));
  g_assert_false (is_shown (ui_find_by_text (setup, "Bluetooth Adapter")));
  hap_sim_window_show_page (window, "bluetooth");
  ui_spin (50);
  g_assert_false (is_shown (ble_page));

  gtk_window_destroy (GTK_WINDOW (window));
  ui_spin (20);
  g_clear_object (&workspace);
  ui_fixture_free (fixture);
}

/* ---- the editor ----------------------------------------------------------------------- */

static AdwComboRow *
combo_row (GtkWidget *root, const char *title)
{
  GtkWidget *row = ui_find_by_text (root, title);

  g_assert_nonnull (row);
  g_assert_true (ADW_IS_COMBO_ROW (row));
  return ADW_COMBO_ROW (row);
}

static const char *
combo_item (AdwComboRow *row, guint position)
{
  g_autoptr(GtkStringObject) item = g_list_model_get_item (adw_combo_row_get_model (row), position);

  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

/* The transports toggle button labelled @label ("IP", "BLE", "IP and BLE"). */
static GtkToggleButton *
transports_toggle (GtkWidget *editor, const char *label)
{
  GtkWidget *text = ui_find_by_text (editor, label);
  GtkWidget *toggle = text != NULL ? gtk_widget_get_ancestor (text, GTK_TYPE_TOGGLE_BUTTON) : NULL;

  g_assert_nonnull (toggle);
  return GTK_TOGGLE_BUTTON (toggle);
}

static gboolean
is_on (GtkWidget *editor, const char *label)
{
  return gtk_toggle_button_get_active (transports_toggle (editor, label));
}

static gboolean
adapters_listed (gpointer data)
{
  /* "First usable", hci0, hci1. */
  return g_list_model_get_n_items (adw_combo_row_get_model (data)) == 3;
}

static JsonObject *
root_of (JsonNode *node)
{
  return json_node_get_object (node);
}

static void
test_editor (void)
{
  UiFixture *fixture = ui_fixture_new ();
  g_autofree char *desk_json = lamp ("Desk Lamp", "\"ble\"", "hci0");
  HapSimAccessory *desk = ui_fixture_add_json (fixture, "desk", desk_json);
  g_autoptr(HapSimWorkspace) workspace = hap_sim_workspace_new (fixture->engine, fixture->workspace);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonNode) edited = NULL;
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(JsonNode) bridge_output = NULL;
  HapSimAccessoryEditor *editor;
  AdwComboRow *adapters;
  GtkWidget *transports;
  GtkWidget *bridge;
  HapSimAccessory *created;
  JsonObject *section;

  wait_advertising (desk);

  /* A new accessory: IP by default, no adapter row until BLE is chosen. */
  editor = hap_sim_accessory_editor_new (NULL, NULL, FALSE);
  hap_sim_accessory_editor_list_adapters (editor, fixture->engine);
  gtk_window_present (GTK_WINDOW (editor));
  transports = ui_find_by_text (GTK_WIDGET (editor), "Served Over");
  adapters = combo_row (GTK_WIDGET (editor), "Bluetooth Adapter");
  g_assert_true (is_on (GTK_WIDGET (editor), "IP"));
  g_assert_false (is_on (GTK_WIDGET (editor), "BLE"));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (adapters)));

  /* The drop-down is filled from BlueZ's adapters, naming the one in use. */
  ui_wait_until (adapters_listed, adapters, "the adapter list");
  g_assert_cmpstr (combo_item (adapters, 0), ==, "First usable");
  g_assert_cmpstr (combo_item (adapters, 1), ==, "hci0 · " HCI0_ADDRESS " · used by desk");
  g_assert_cmpstr (combo_item (adapters, 2), ==, "hci1 · " HCI1_ADDRESS);
  g_assert_cmpuint (adw_combo_row_get_selected (adapters), ==, 0);

  /* BLE on hci1, written as the loader reads it. */
  gtk_editable_set_text (GTK_EDITABLE (ui_find_widget (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW)), "Porch Light");
  gtk_toggle_button_set_active (transports_toggle (GTK_WIDGET (editor), "BLE"), TRUE);
  g_assert_false (is_on (GTK_WIDGET (editor), "IP"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (adapters)));
  adw_combo_row_set_selected (adapters, 2);
  {
    GtkDropDown *services = GTK_DROP_DOWN (ui_find_widget (GTK_WIDGET (editor), GTK_TYPE_DROP_DOWN));
    GListModel *model = gtk_drop_down_get_model (services);
    GtkWidget *add = ui_find_by_text (GTK_WIDGET (editor), "Add Service");

    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

        if (g_str_equal (gtk_string_object_get_string (item), "Lightbulb"))
          gtk_drop_down_set_selected (services, i);
      }
    g_assert_nonnull (add);
    g_signal_emit_by_name (ui_find_widget (add, GTK_TYPE_BUTTON) ?: gtk_widget_get_last_child (add), "clicked");
  }
  output = hap_sim_accessory_editor_dup_definition (editor);
  {
    JsonArray *list = json_object_get_array_member (root_of (output), "transports");

    g_assert_cmpuint (json_array_get_length (list), ==, 1);
    g_assert_cmpstr (json_array_get_string_element (list, 0), ==, "ble");
    section = json_object_get_object_member (root_of (output), "simulator");
    g_assert_cmpstr (json_object_get_string_member (section, "ble-adapter"), ==, "hci1");
  }
  /* The workspace serves it on hci1. */
  created = hap_sim_workspace_create (workspace, output, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_sim_accessory_get_ble_adapter (created), ==, "hci1");
  wait_advertising (created);
  {
    g_autofree char *in_use = ble_string (created, "adapter-in-use");

    g_assert_cmpstr (in_use, ==, "hci1");
  }

  /* A file's adapter must be a name: FILE:LINE:COL and the key otherwise. */
  {
    g_autoptr(JsonNode) bad = json_from_string ("{\"transports\": [\"ble\"], \"accessories\": [{\"name\": \"Bad\","
                                                " \"services\": [{\"type\": \"Lightbulb\"}]}],"
                                                " \"simulator\": {\"ble-adapter\": 5}}", &error);
    g_assert_no_error (error);
    g_assert_null (hap_sim_workspace_create (workspace, bad, &error));
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "simulator.ble-adapter"));
    g_clear_error (&error);
  }

  /* A bridge is IP only: the choice shows IP and writes no transports. */
  bridge = ui_find_widget (GTK_WIDGET (editor), GTK_TYPE_SWITCH);
  gtk_switch_set_active (GTK_SWITCH (bridge), TRUE);
  g_assert_true (is_on (GTK_WIDGET (editor), "IP"));
  g_assert_false (gtk_widget_get_sensitive (transports));
  bridge_output = hap_sim_accessory_editor_dup_definition (editor);
  g_assert_false (json_object_has_member (root_of (bridge_output), "transports"));
  g_assert_false (json_object_has_member (root_of (bridge_output), "simulator"));
  gtk_switch_set_active (GTK_SWITCH (bridge), FALSE);
  g_assert_true (is_on (GTK_WIDGET (editor), "BLE"));
  gtk_window_destroy (GTK_WINDOW (editor));

  /* Editing shows what the file says; IP only drops the adapter, other keys stay. */
  definition = hap_sim_workspace_dup_definition (workspace, desk, &error);
  g_assert_no_error (error);
  editor = hap_sim_accessory_editor_new (NULL, definition, FALSE);
  adapters = combo_row (GTK_WIDGET (editor), "Bluetooth Adapter");
  g_assert_true (is_on (GTK_WIDGET (editor), "BLE"));
  g_assert_cmpstr (combo_item (adapters, adw_combo_row_get_selected (adapters)), ==, "hci0 · not found");
  hap_sim_accessory_editor_list_adapters (editor, fixture->engine);
  ui_wait_until (adapters_listed, adapters, "the adapter list");
  g_assert_cmpstr (combo_item (adapters, adw_combo_row_get_selected (adapters)), ==,
                   "hci0 · " HCI0_ADDRESS " · used by desk");
  gtk_toggle_button_set_active (transports_toggle (GTK_WIDGET (editor), "IP"), TRUE);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (adapters)));
  edited = hap_sim_accessory_editor_dup_definition (editor);
  g_assert_false (json_object_has_member (root_of (edited), "transports"));
  g_assert_false (json_object_has_member (root_of (edited), "simulator"));
  gtk_window_destroy (GTK_WINDOW (editor));
  ui_spin (20);

  g_clear_object (&workspace);
  ui_fixture_free (fixture);
}

/* ---- the Bluetooth page --------------------------------------------------------------- */

typedef struct
{
  GtkWidget  *page;
  const char *title;
  char       *want;
} RowWait;

static gboolean
row_says (gpointer data)
{
  RowWait *wait = data;

  return g_strcmp0 (row_value (wait->page, wait->title), wait->want) == 0;
}

static void
wait_row (GtkWidget *page, const char *title, const char *want)
{
  RowWait wait = { page, title, (char *) want };
  g_autofree char *what = g_strdup_printf ("“%s” to read “%s”", title, want);

  ui_wait_until (row_says, &wait, what);
}

/* The page's GSN is the engine's, and the advertisement on the air (published a moment
 * after the GSN steps) carries it. */
static void
assert_gsn_shown (GtkWidget *page, HapSimAccessory *accessory)
{
  g_autofree char *want = g_strdup_printf ("%u", ble_gsn (accessory));
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) fields = NULL;
  guint16 advertised = 0;

  g_assert_cmpstr (row_value (page, "Global State Number"), ==, want);
  wait_row (page, "GSN", want);
  info = inspect_ble (accessory);
  fields = g_variant_lookup_value (info, "advertisement-fields", G_VARIANT_TYPE_VARDICT);
  g_assert_nonnull (fields);
  g_assert_true (g_variant_lookup (fields, "gsn", "q", &advertised));
  g_assert_cmpuint (advertised, ==, ble_gsn (accessory));
}

typedef struct
{
  GtkWidget *page;
  gsize      length;
} RawWait;

/* The Raw Bytes row shows @length bytes ("xx xx …"). */
static gboolean
raw_bytes_are (gpointer data)
{
  RawWait *wait = data;

  return strlen (row_value (wait->page, "Raw Bytes")) == wait->length * 3 - 1;
}

static void
set_brightness (HapSimAccessory *accessory, int value)
{
  g_autoptr(GError) error = NULL;
  HapCharacteristic *brightness = hap_sim_accessory_find (accessory, "Lightbulb/Brightness", &error);

  g_assert_no_error (error);
  hap_sim_accessory_set_value (accessory, brightness, g_variant_new_int32 (value), &error);
  g_assert_no_error (error);
}

static void
test_ble_page (void)
{
  UiFixture *fixture = ui_fixture_new ();
  g_autofree char *json = lamp ("Porch Lamp", "\"ble\"", "hci0");
  g_autofree char *ip_json = lamp ("Hall Lamp", "\"ip\"", NULL);
  HapSimAccessory *accessory = ui_fixture_add_json (fixture, "porch", json);
  HapSimAccessory *ip = ui_fixture_add_json (fixture, "hall", ip_json);
  GtkWidget *page = hap_sim_ble_page_new ();
  GtkWidget *window = ui_window_new (page);
  GtkWidget *quirks = hap_sim_quirks_page_new ();
  GtkWidget *quirks_window = ui_window_new (quirks);
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) summary = NULL;
  g_autoptr(GVariant) bytes = NULL;
  g_autofree char *hex = NULL;
  g_autofree char *next = NULL;
  const char *device_id = NULL;
  const guint8 *data;
  gsize length;
  guint32 gsn;
  HapSimQuirkRow *rollover = NULL;

  wait_advertising (accessory);
  hap_sim_ble_page_set_accessory (HAP_SIM_BLE_PAGE (page), accessory);
  ui_spin (20);

  /* State, adapter and advertisement as the engine has them. */
  g_assert_cmpstr (row_value (page, "State"), ==, "Advertising");
  g_assert_cmpstr (row_value (page, "Adapter"), ==, "hci0");
  info = inspect_ble (accessory);
  summary = g_variant_ref_sink (hap_sim_inspect_summary (accessory));
  g_assert_true (g_variant_lookup (summary, "device-id", "&s", &device_id));
  bytes = g_variant_lookup_value (info, "advertisement", G_VARIANT_TYPE_BYTESTRING);
  data = g_variant_get_fixed_array (bytes, &length, 1);
  g_assert_cmpuint (length, >, 10);
  hex = g_strdup (row_value (page, "Raw Bytes"));
  g_assert_cmpuint (strlen (hex), ==, length * 3 - 1);
  for (gsize i = 0; i < length; i++)
    {
      g_autofree char *pair = g_strdup_printf ("%02x", data[i]);

      g_assert_cmpint (strncmp (hex + i * 3, pair, 2), ==, 0);
    }
  g_assert_cmpstr (row_value (page, "Device ID"), ==, device_id);
  g_assert_cmpstr (row_value (page, "Status Flags (SF)"), ==, "0x01 · not paired");
  g_assert_cmpstr (row_value (page, "Category (ACID)"), ==, "5 · Lightbulb");
  g_assert_cmpstr (row_value (page, "Compatible Version (CV)"), ==, "2");
  assert_gsn_shown (page, accessory);
  g_assert_false (is_shown (ui_find_by_text (page, "Connected Central")));
  g_assert_cmpstr (row_value (page, "Broadcast Key"), ==,
                   "None yet (a controller generates one after Pair Verify)");

  /* A change while disconnected steps the GSN once (docs/protocol.md §5.11): the page
   * follows "ble-changed". */
  gsn = ble_gsn (accessory);
  set_brightness (accessory, 20);
  next = g_strdup_printf ("%u", gsn == 65535 ? 1 : gsn + 1);
  wait_row (page, "Global State Number", next);
  assert_gsn_shown (page, accessory);

  /* ble-gsn-rollover switched on from the Quirks page ("Bluetooth LE" group): the GSN
   * goes just below the wrap, and the next change wraps it to 1. */
  hap_sim_quirks_page_set_accessory (HAP_SIM_QUIRKS_PAGE (quirks), accessory);
  ui_spin (20);
  g_assert_true (is_shown (ui_find_by_text (quirks, "Bluetooth LE")));
  {
    g_autoptr(GPtrArray) rows = ui_find_widgets (quirks, HAP_SIM_TYPE_QUIRK_ROW);

    for (guint i = 0; i < rows->len; i++)
      if (g_str_equal (hap_sim_quirk_row_get_info (rows->pdata[i])->name, "ble-gsn-rollover"))
        rollover = rows->pdata[i];
  }
  g_assert_nonnull (rollover);
  g_assert_cmpint (hap_sim_quirk_row_get_info (rollover)->layer, ==, HAP_SIM_LAYER_BLE);
  gtk_switch_set_active (GTK_SWITCH (ui_find_widget (GTK_WIDGET (rollover), GTK_TYPE_SWITCH)), TRUE);
  ui_spin (20);
  g_assert_nonnull (hap_sim_accessory_get_quirk (accessory, "ble-gsn-rollover"));
  wait_row (page, "Global State Number", "65535");
  assert_gsn_shown (page, accessory);
  /* Still the same disconnected period: no second step (§5.11); the wrap comes with the
   * next connection (the central test below). */
  set_brightness (accessory, 21);
  ui_spin (100);
  g_assert_cmpuint (ble_gsn (accessory), ==, 65535);
  assert_gsn_shown (page, accessory);

  /* A quirk bends the advertisement: the raw bytes show it cut to 9 bytes, and the
   * fields, which no longer parse, are not shown. Off again, they are back. */
  {
    GVariantDict params;
    g_autoptr(GError) error = NULL;
    RawWait raw = { page, 9 };

    g_variant_dict_init (&params, NULL);
    g_variant_dict_insert (&params, "style", "s", "truncated");
    g_assert_true (hap_sim_accessory_enable_quirk (accessory, "ble-advertisement-malformed",
                                                   g_variant_dict_end (&params), &error));
    g_assert_no_error (error);
    ui_wait_until (raw_bytes_are, &raw, "a 9-byte advertisement");
    g_assert_true (g_str_has_prefix (hex, row_value (page, "Raw Bytes")));
    g_assert_false (is_shown (ui_find_by_text (page, "Device ID")));
    g_assert_true (hap_sim_accessory_disable_quirk (accessory, "ble-advertisement-malformed", &error));
    raw.length = length;
    ui_wait_until (raw_bytes_are, &raw, "the whole advertisement again");
    g_assert_true (is_shown (ui_find_by_text (page, "Device ID")));
  }

  /* Stopped, then an IP-only accessory: each says so. */
  hap_sim_accessory_stop (accessory);
  ui_wait_until (text_shown, &(TextWait) { page, "Not Running" }, "the page to say Not Running");
  hap_sim_ble_page_set_accessory (HAP_SIM_BLE_PAGE (page), ip);
  ui_spin (20);
  g_assert_true (is_shown (ui_find_by_text (page, "Not Served over Bluetooth")));

  gtk_window_destroy (GTK_WINDOW (quirks_window));
  gtk_window_destroy (GTK_WINDOW (window));
  ui_spin (20);
  ui_fixture_free (fixture);
}

/* ---- a central: pairing, indications, broadcasts, and its PDUs on the Traffic page ---- */

typedef struct
{
  HapSimAccessory *accessory;
  gboolean         secured;
} CentralWait;

static gboolean
central_secured (gpointer data)
{
  CentralWait *wait = data;
  g_autoptr(GVariant) info = inspect_ble (wait->accessory);
  g_autoptr(GVariant) central = g_variant_lookup_value (info, "central", G_VARIANT_TYPE_VARDICT);
  gboolean secured = FALSE;

  return central != NULL && g_variant_lookup (central, "secured", "b", &secured) && secured;
}

static HapSimTraceEntry *
find_entry (GListModel *model, const char *summary_part, guint *position)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (model, i);

      if (strstr (hap_sim_trace_text_get_summary (entry), summary_part) != NULL)
        {
          if (position != NULL)
            *position = i;
          return entry;
        }
    }
  return NULL;
}

static void
test_central_and_traffic (void)
{
  UiFixture *fixture = ui_fixture_new ();
  g_autofree char *json = lamp ("Porch Lamp", "\"ip\", \"ble\"", "hci0");
  HapSimAccessory *accessory = ui_fixture_add_json (fixture, "porch", json);
  g_autofree char *controller = g_build_filename (fixture->workspace, "controller", NULL);
  g_autoptr(GError) error = NULL;
  HapCharacteristic *brightness = hap_sim_accessory_find (accessory, "Lightbulb/Brightness", &error);
  g_autofree char *spec = g_strdup_printf ("1.%" G_GUINT64_FORMAT, hap_characteristic_get_iid (brightness));
  g_autofree char *expected_line = g_strdup_printf ("%s = 33", spec);
  g_autofree char *broadcast_name = g_strdup_printf ("Brightness (%s)", spec);
  g_autofree char *out = NULL;
  g_autofree char *controller_id = NULL;
  g_autoptr(Hapctl) watch = NULL;
  g_autoptr(HapTestClient) ip_client = NULL;
  GtkWidget *page = hap_sim_ble_page_new ();
  GtkWidget *window = ui_window_new (page);
  GtkWidget *traffic = hap_sim_traffic_page_new ();
  GtkWidget *traffic_window = ui_window_new (traffic);
  CentralWait wait = { accessory, FALSE };
  GtkDropDown *transport;
  GtkListView *list;
  GListModel *shown;
  HapSimTraceEntry *entry;
  g_autofree char *detail = NULL;
  guint position = 0;

  g_assert_no_error (error);
  wait_advertising (accessory);
  hap_sim_ble_page_set_accessory (HAP_SIM_BLE_PAGE (page), accessory);

  /* Pair over BLE. */
  g_assert_cmpint (hapctl (controller, (const char * const []) { "pair", "ble:" HCI0_ADDRESS, HAP_TEST_SETUP_CODE, NULL },
                           NULL), ==, 0);
  wait_row (page, "Status Flags (SF)", "0x00 · paired");

  /* A watch keeps a secured link open: the page shows the central. */
  watch = hapctl_start (controller, (const char * const []) { "watch", "--count", "1", "ble:" HCI0_ADDRESS, spec, NULL });
  ui_wait_until (central_secured, &wait, "a secured central");
  ui_spin (200);   /* the subscription follows the verify */
  wait_row (page, "State", "Connected");
  wait_row (page, "Address", HCI1_ADDRESS);
  g_assert_true (is_shown (ui_find_by_text (page, "Connected Central")));
  {
    g_autoptr(GVariant) info = inspect_ble (accessory);
    g_autoptr(GVariant) central = g_variant_lookup_value (info, "central", G_VARIANT_TYPE_VARDICT);

    g_assert_true (g_variant_lookup (central, "controller-id", "s", &controller_id));
    g_assert_cmpstr (controller_id, !=, "");
  }
  wait_row (page, "Controller", controller_id);
  {
    GtkWidget *row = hap_sim_sidebar_row_new (accessory);

    g_object_ref_sink (row);
    g_assert_true (g_str_has_suffix (hap_sim_sidebar_row_get_status (HAP_SIM_SIDEBAR_ROW (row)), " · BLE central"));
    g_object_unref (row);
  }
  g_assert_true (g_str_has_prefix (row_value (page, "Secured"), "Yes"));
  g_assert_nonnull (strstr (row_value (page, "Traffic"), "procedure"));

  /* A change from the app: the controller gets the indication and reads the value. With
   * ble-gsn-rollover on, the connection that carried it wraps the GSN to 1 (§5.11). */
  g_assert_true (hap_sim_accessory_enable_quirk (accessory, "ble-gsn-rollover", NULL, &error));
  g_assert_no_error (error);
  wait_row (page, "Global State Number", "65535");
  set_brightness (accessory, 33);
  g_assert_cmpint (hapctl_finish (watch), ==, 0);
  g_assert_nonnull (strstr (watch->out, expected_line));
  wait_row (page, "State", "Advertising");
  wait_row (page, "Global State Number", "1");
  assert_gsn_shown (page, accessory);
  g_assert_false (is_shown (ui_find_by_text (page, "Connected Central")));

  /* Broadcast notifications: a key exists and the characteristic is listed. */
  g_assert_cmpint (hapctl (controller, (const char * const []) { "broadcast", "ble:" HCI0_ADDRESS, spec, "on", NULL },
                           &out), ==, 0);
  wait_row (page, "Broadcast Key", "Present: broadcasts are encrypted with it");
  g_assert_true (is_shown (ui_find_by_text (page, broadcast_name)));
  g_assert_cmpstr (row_value (page, broadcast_name), ==, "every 20 ms");

  /* Some IP traffic too: a TCP connection that closes. */
  {
    HapSimTraceEntry *ble_entry;

    hap_sim_traffic_page_set_accessory (HAP_SIM_TRAFFIC_PAGE (traffic), accessory);
    ip_client = hap_test_client_new ("ui-ble-ip");
    hap_test_client_connect (ip_client, hap_accessory_server_get_port (hap_sim_accessory_get_server (accessory)));
    g_clear_pointer (&ip_client, hap_test_client_free);
    ui_spin (200);
    shown = NULL;
    {
      /* The traffic list (the drop-downs' pop-ups hold list views too). */
      g_autoptr(GPtrArray) lists = ui_find_widgets (traffic, GTK_TYPE_LIST_VIEW);

      for (guint i = 0; i < lists->len; i++)
        {
          list = lists->pdata[i];
          if (gtk_widget_get_ancestor (GTK_WIDGET (list), GTK_TYPE_PANED) != NULL)
            shown = G_LIST_MODEL (gtk_list_view_get_model (list));
        }
    }
    g_assert_nonnull (shown);
    transport = NULL;
    {
      g_autoptr(GPtrArray) drops = ui_find_widgets (traffic, GTK_TYPE_DROP_DOWN);

      for (guint i = 0; i < drops->len; i++)
        {
          g_autoptr(GtkStringObject) first = g_list_model_get_item (gtk_drop_down_get_model (drops->pdata[i]), 0);

          if (g_str_equal (gtk_string_object_get_string (first), "All Transports"))
            transport = drops->pdata[i];
        }
    }
    g_assert_nonnull (transport);

    /* All: both transports. */
    g_assert_nonnull (find_entry (shown, "session", NULL));
    ble_entry = find_entry (shown, "HAP-Characteristic-Read", &position);
    g_assert_nonnull (ble_entry);
    g_assert_cmpint (hap_sim_trace_entry_get_transport (ble_entry), ==, HAP_TRANSPORT_BLE);

    /* BLE: no IP row left, the PDUs decoded in the list and the detail pane. */
    gtk_drop_down_set_selected (transport, 2);
    for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
      {
        g_autoptr(HapSimTraceEntry) e = g_list_model_get_item (shown, i);

        g_assert_cmpint (hap_sim_trace_entry_get_transport (e), ==, HAP_TRANSPORT_BLE);
      }
    g_assert_cmpuint (g_list_model_get_n_items (shown), >, 0);
    entry = find_entry (shown, "Success · HAP-Characteristic-Read", &position);
    g_assert_nonnull (entry);
    {
      g_autofree char *iid_part = g_strdup_printf ("IID %" G_GUINT64_FORMAT " Brightness",
                                                   hap_characteristic_get_iid (brightness));

      g_assert_nonnull (strstr (hap_sim_trace_text_get_summary (entry), iid_part));
      g_assert_nonnull (strstr (hap_sim_trace_text_get_summary (entry), "Value = 33"));
    }
    gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (shown), position);
    ui_spin (20);
    {
      GtkTextView *view = GTK_TEXT_VIEW (ui_find_widget (traffic, GTK_TYPE_TEXT_VIEW));
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
      GtkTextIter start, end;
      g_autofree char *want_iid = g_strdup_printf ("IID: %" G_GUINT64_FORMAT " (Brightness)",
                                                   hap_characteristic_get_iid (brightness));

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      detail = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      g_test_message ("%s", detail);
      g_assert_nonnull (strstr (detail, "Transport: Bluetooth LE"));
      g_assert_nonnull (strstr (detail, "Opcode: HAP-Characteristic-Read"));
      g_assert_nonnull (strstr (detail, "TID: "));
      g_assert_nonnull (strstr (detail, want_iid));
      g_assert_nonnull (strstr (detail, "Status: 0 (Success)"));
      g_assert_nonnull (strstr (detail, "Value: 33"));
    }
    /* The indication and the broadcast key's redaction are there too. */
    g_assert_nonnull (find_entry (shown, "Indication · IID", NULL));
    g_assert_null (find_entry (shown, "session ", NULL));

    /* IP: no BLE row. */
    gtk_drop_down_set_selected (transport, 1);
    g_assert_cmpuint (g_list_model_get_n_items (shown), >, 0);
    for (guint i = 0; i < g_list_model_get_n_items (shown); i++)
      {
        g_autoptr(HapSimTraceEntry) e = g_list_model_get_item (shown, i);

        g_assert_cmpint (hap_sim_trace_entry_get_transport (e), ==, HAP_TRANSPORT_IP);
      }
    g_assert_null (find_entry (shown, "HAP-Characteristic", NULL));
  }

  gtk_window_destroy (GTK_WINDOW (traffic_window));
  gtk_window_destroy (GTK_WINDOW (window));
  ui_spin (20);
  ui_fixture_free (fixture);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  ui_start_virtual_bluez ();
  g_test_add_func ("/ui/ble/transports-in-window", test_transports_in_window);
  g_test_add_func ("/ui/ble/editor", test_editor);
  g_test_add_func ("/ui/ble/page", test_ble_page);
  g_test_add_func ("/ui/ble/central-and-traffic", test_central_and_traffic);
  return g_test_run ();
}
