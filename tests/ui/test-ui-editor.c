/* test-ui-editor.c — HapSimAccessoryEditor: building and editing accessory files from the
 * catalog, driven through its widgets
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <string.h>

#include "hap-sim-accessory-editor.h"

/* ---- helpers ---------------------------------------------------------------------- */

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
accessory_path (const char *name)
{
  return g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), name, NULL);
}

static JsonNode *
parse_accessory_file (const char *name)
{
  g_autofree char *path = accessory_path (name);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
to_string (JsonNode *node)
{
  return json_to_string (node, TRUE);
}

static void
log_json (JsonNode *node)
{
  g_autofree char *text = to_string (node);

  g_test_message ("%s", text);
}

/* The definition loads as the simulator would load it (@origin: where relative
 * snapshot paths resolve). */
static void
assert_loads (JsonNode *definition, const char *origin)
{
  g_autofree char *text = to_string (definition);
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = hap_accessory_new_from_data (text, -1, origin, &error);

  if (error != NULL)
    g_test_message ("%s", text);
  g_assert_no_error (error);
  g_assert_nonnull (accessory);
}

static GtkWidget *
find_button (GtkWidget *root, const char *tooltip, guint nth)
{
  g_autoptr(GPtrArray) buttons = ui_find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_widget_get_tooltip_text (g_ptr_array_index (buttons, i)), tooltip) == 0 &&
        nth-- == 0)
      return g_ptr_array_index (buttons, i);
  g_error ("no button “%s”", tooltip);
  return NULL;
}

static void
click (GtkWidget *button)
{
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

static HapSimAccessoryEditor *
editor_new (JsonNode *definition, gboolean bridge)
{
  HapSimAccessoryEditor *editor = hap_sim_accessory_editor_new (NULL, definition, bridge);

  gtk_window_present (GTK_WINDOW (editor));
  ui_spin (20);
  return editor;
}

static GtkWidget *
done_button (HapSimAccessoryEditor *editor)
{
  g_autoptr(GPtrArray) buttons = ui_find_widgets (GTK_WIDGET (editor), GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (gtk_widget_has_css_class (g_ptr_array_index (buttons, i), "suggested-action"))
      return g_ptr_array_index (buttons, i);
  g_error ("no suggested button");
  return NULL;
}

/* The nth entry row titled @title ("Name"). */
static GtkEditable *
name_entry (HapSimAccessoryEditor *editor, guint nth)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW);

  g_assert_cmpuint (nth, <, rows->len);
  return g_ptr_array_index (rows, nth);
}

/* The nth combo row titled "Category" (the Transports group has combo rows too). */
static AdwComboRow *
category_row (HapSimAccessoryEditor *editor, guint nth)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), "Category") && nth-- == 0)
      return g_ptr_array_index (rows, i);
  g_error ("no Category row %u", nth);
  return NULL;
}

static const char *
selected_string (GListModel *model, guint position)
{
  g_autoptr(GtkStringObject) item = g_list_model_get_item (model, position);

  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

static guint
find_string (GListModel *model, const char *text)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_strcmp0 (selected_string (model, i), text) == 0)
      return i;
  g_error ("no item “%s”", text);
  return 0;
}

static const char *
category_label (HapSimAccessoryEditor *editor, guint nth)
{
  AdwComboRow *row = category_row (editor, nth);

  return selected_string (adw_combo_row_get_model (row), adw_combo_row_get_selected (row));
}

static void
pick_category (HapSimAccessoryEditor *editor, guint nth, const char *label)
{
  AdwComboRow *row = category_row (editor, nth);

  adw_combo_row_set_selected (row, find_string (adw_combo_row_get_model (row), label));
}

/* Picks @type in the nth service drop-down and presses its Add button. */
static void
add_service (HapSimAccessoryEditor *editor, guint nth, const char *type)
{
  g_autoptr(GPtrArray) dropdowns = ui_find_widgets (GTK_WIDGET (editor), GTK_TYPE_DROP_DOWN);
  GtkDropDown *dropdown;

  g_assert_cmpuint (nth, <, dropdowns->len);
  dropdown = g_ptr_array_index (dropdowns, nth);
  gtk_drop_down_set_selected (dropdown, find_string (gtk_drop_down_get_model (dropdown), type));
  click (find_button (GTK_WIDGET (editor), "Add Service", nth));
}

/* The expander row of the nth service titled @type. */
static GtkWidget *
service_row (HapSimAccessoryEditor *editor, const char *type, guint nth)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (GTK_WIDGET (editor), ADW_TYPE_EXPANDER_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), type) == 0 &&
        nth-- == 0)
      return g_ptr_array_index (rows, i);
  return NULL;
}

/* The check button of characteristic @label ("Current Relative Humidity") in @row. */
static GtkCheckButton *
characteristic_check (GtkWidget *row, const char *label)
{
  GtkWidget *characteristic = ui_find_by_text (row, label);

  g_assert_nonnull (characteristic);
  return GTK_CHECK_BUTTON (ui_find_widget (characteristic, GTK_TYPE_CHECK_BUTTON));
}

static JsonArray *
accessories_of (JsonNode *definition)
{
  return json_object_get_array_member (json_node_get_object (definition), "accessories");
}

static JsonObject *
accessory_of (JsonNode *definition, guint i)
{
  return json_array_get_object_element (accessories_of (definition), i);
}

static JsonObject *
service_of (JsonObject *accessory, guint i)
{
  return json_array_get_object_element (json_object_get_array_member (accessory, "services"), i);
}

static guint
n_services (JsonObject *accessory)
{
  return json_object_has_member (accessory, "services")
         ? json_array_get_length (json_object_get_array_member (accessory, "services")) : 0;
}

/* The entry of characteristic @type in @service, or NULL. */
static JsonObject *
characteristic_of (JsonObject *service, const char *type)
{
  JsonArray *array = json_object_has_member (service, "characteristics")
                     ? json_object_get_array_member (service, "characteristics") : NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonObject *entry = json_array_get_object_element (array, i);

      if (g_str_equal (json_object_get_string_member (entry, "type"), type))
        return entry;
    }
  return NULL;
}

static gboolean
is_checked (GtkWidget *row, const char *label)
{
  return gtk_check_button_get_active (characteristic_check (row, label));
}

static const char *
string_of (JsonObject *object, const char *member)
{
  return json_object_get_string_member (object, member);
}

/* The "value" of characteristic @type in @service. */
static JsonNode *
value_of (JsonObject *service, const char *type)
{
  JsonObject *entry = characteristic_of (service, type);

  g_assert_nonnull (entry);
  return json_object_get_member (entry, "value");
}

static GtkWidget *
find_text (HapSimAccessoryEditor *editor, const char *text)
{
  return ui_find_by_text (GTK_WIDGET (editor), text);
}

static gboolean
bridge_active (HapSimAccessoryEditor *editor)
{
  return gtk_switch_get_active (GTK_SWITCH (ui_find_widget (GTK_WIDGET (editor), GTK_TYPE_SWITCH)));
}

static void
on_done (HapSimAccessoryEditor *editor, JsonNode *definition, JsonNode **out)
{
  g_clear_pointer (out, json_node_unref);
  *out = json_node_copy (definition);
}

/* ---- new accessory ---------------------------------------------------------------- */

static void
test_new (void)
{
  HapSimAccessoryEditor *editor = editor_new (NULL, FALSE);
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonNode) done = NULL;
  GtkWidget *thermostat, *error_label;
  JsonObject *accessory, *service, *entry;
  GtkWidget *create = done_button (editor);
  double min;

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (editor)), ==, "New Accessory");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (create)), ==, "C_reate");
  g_assert_true (gtk_window_get_modal (GTK_WINDOW (editor)));
  /* Nothing to create yet. */
  g_assert_false (gtk_widget_get_sensitive (create));
  gtk_editable_set_text (name_entry (editor, 0), "Hallway Thermostat");
  g_assert_false (gtk_widget_get_sensitive (create));
  g_assert_false (gtk_widget_is_visible (find_text (editor, "Bridged Accessories")));

  /* The first service suggests the category. */
  add_service (editor, 0, "Thermostat");
  g_assert_true (gtk_widget_get_sensitive (create));
  g_assert_cmpstr (category_label (editor, 0), ==, "Thermostat");
  thermostat = service_row (editor, "Thermostat", 0);
  g_assert_nonnull (thermostat);
  g_assert_cmpstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (thermostat)), ==,
                   "Primary service");
  /* Required characteristics are on and cannot be turned off; optional ones are off. */
  g_assert_true (is_checked (thermostat, "Current Temperature"));
  g_assert_false (gtk_widget_get_sensitive (
    GTK_WIDGET (characteristic_check (thermostat, "Current Temperature"))));
  g_assert_false (is_checked (thermostat, "Current Relative Humidity"));
  gtk_check_button_set_active (characteristic_check (thermostat, "Current Relative Humidity"),
                               TRUE);

  /* A second service, removed again. */
  add_service (editor, 0, "Battery");
  g_assert_nonnull (service_row (editor, "Battery", 0));
  g_assert_cmpstr (adw_expander_row_get_subtitle (
                     ADW_EXPANDER_ROW (service_row (editor, "Battery", 0))), ==, "");
  click (find_button (GTK_WIDGET (editor), "Remove Service Battery", 0));
  g_assert_null (service_row (editor, "Battery", 0));

  definition = hap_sim_accessory_editor_dup_definition (editor);
  log_json (definition);
  g_assert_cmpuint (json_array_get_length (accessories_of (definition)), ==, 1);
  accessory = accessory_of (definition, 0);
  g_assert_cmpstr (json_object_get_string_member (accessory, "name"), ==, "Hallway Thermostat");
  g_assert_cmpstr (json_object_get_string_member (accessory, "category"), ==, "THERMOSTAT");
  g_assert_cmpuint (n_services (accessory), ==, 1);
  service = service_of (accessory, 0);
  g_assert_cmpstr (json_object_get_string_member (service, "type"), ==, "Thermostat");
  g_assert_true (json_object_get_boolean_member (service, "primary"));
  /* Required ones with an initial value in range, and the optional one picked. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (service,
                                                                         "characteristics")),
                    ==, 6);
  entry = characteristic_of (service, "TargetTemperature");
  g_assert_nonnull (entry);
  min = hap_catalog_lookup_characteristic ("TargetTemperature")->min_value;
  g_assert_cmpfloat (json_object_get_double_member (entry, "value"), ==, min);
  g_assert_nonnull (characteristic_of (service, "CurrentHeatingCoolingState"));
  g_assert_nonnull (characteristic_of (service, "TemperatureDisplayUnits"));
  g_assert_nonnull (characteristic_of (service, "CurrentRelativeHumidity"));
  g_assert_null (characteristic_of (service, "CoolingThresholdTemperature"));
  assert_loads (definition, NULL);

  /* Create sends the same definition; errors show in the dialog. */
  g_signal_connect (editor, "done", G_CALLBACK (on_done), &done);
  click (create);
  g_assert_nonnull (done);
  g_assert_true (json_node_equal (done, definition));
  /* Enter in the name does the same. */
  g_clear_pointer (&done, json_node_unref);
  g_signal_emit_by_name (name_entry (editor, 0), "entry-activated");
  g_assert_nonnull (done);
  g_assert_true (json_node_equal (done, definition));
  hap_sim_accessory_editor_show_error (editor, "desk-lamp.json:3:5: something & more");
  error_label = ui_find_by_text (GTK_WIDGET (editor), "desk-lamp.json:3:5: something & more");
  g_assert_nonnull (error_label);
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_true (gtk_widget_has_css_class (error_label, "error"));

  /* No name, no Create. */
  gtk_editable_set_text (name_entry (editor, 0), "   ");
  g_assert_false (gtk_widget_get_sensitive (create));
  gtk_editable_set_text (name_entry (editor, 0), "Thermostat");
  g_assert_true (gtk_widget_get_sensitive (create));
  /* Without services, neither. */
  click (find_button (GTK_WIDGET (editor), "Remove Service Thermostat", 0));
  g_assert_false (gtk_widget_get_sensitive (create));

  gtk_window_destroy (GTK_WINDOW (editor));
}

/* A category the user picked stays when services are added. */
static void
test_category_choice (void)
{
  HapSimAccessoryEditor *editor = editor_new (NULL, FALSE);
  g_autoptr(JsonNode) definition = NULL;

  gtk_editable_set_text (name_entry (editor, 0), "Multi Sensor");
  pick_category (editor, 0, "Sensor");
  add_service (editor, 0, "Lightbulb");
  g_assert_cmpstr (category_label (editor, 0), ==, "Sensor");
  definition = hap_sim_accessory_editor_dup_definition (editor);
  g_assert_cmpstr (json_object_get_string_member (accessory_of (definition, 0), "category"), ==,
                   "SENSOR");
  assert_loads (definition, NULL);
  gtk_window_destroy (GTK_WINDOW (editor));
}

/* Every catalog service with all its characteristics makes a file that loads. */
static void
test_every_service (void)
{
  HapSimAccessoryEditor *editor = editor_new (NULL, FALSE);
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(GPtrArray) dropdowns = ui_find_widgets (GTK_WIDGET (editor), GTK_TYPE_DROP_DOWN);
  g_autoptr(GPtrArray) checks = NULL;
  GtkDropDown *dropdown = g_ptr_array_index (dropdowns, 0);
  GListModel *model = gtk_drop_down_get_model (dropdown);
  GtkWidget *add = find_button (GTK_WIDGET (editor), "Add Service", 0);
  guint n = g_list_model_get_n_items (model);
  guint n_types;

  hap_catalog_get_services (&n_types);
  g_assert_cmpuint (n, ==, n_types - 1);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (selected_string (model, i), !=, "AccessoryInformation");

  gtk_editable_set_text (name_entry (editor, 0), "Everything");
  for (guint i = 0; i < n; i++)
    {
      gtk_drop_down_set_selected (dropdown, i);
      click (add);
    }
  checks = ui_find_widgets (GTK_WIDGET (editor), GTK_TYPE_CHECK_BUTTON);
  for (guint i = 0; i < checks->len; i++)
    if (gtk_widget_get_sensitive (g_ptr_array_index (checks, i)))
      gtk_check_button_set_active (g_ptr_array_index (checks, i), TRUE);

  definition = hap_sim_accessory_editor_dup_definition (editor);
  g_assert_cmpuint (n_services (accessory_of (definition, 0)), ==, n);
  assert_loads (definition, NULL);
  gtk_window_destroy (GTK_WINDOW (editor));
}

/* ---- bridges ---------------------------------------------------------------------- */

static void
test_new_bridge (void)
{
  HapSimAccessoryEditor *editor = editor_new (NULL, TRUE);
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonNode) alone = NULL;
  GtkWidget *create = done_button (editor);
  GtkSwitch *bridge = GTK_SWITCH (ui_find_widget (GTK_WIDGET (editor), GTK_TYPE_SWITCH));
  JsonObject *light;

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (editor)), ==, "New Bridge");
  g_assert_true (gtk_switch_get_active (bridge));
  g_assert_cmpstr (category_label (editor, 0), ==, "Bridge");
  g_assert_true (gtk_widget_is_visible (find_text (editor, "Bridged Accessories")));
  gtk_editable_set_text (name_entry (editor, 0), "My Bridge");
  /* A bridge needs something behind it. */
  g_assert_false (gtk_widget_get_sensitive (create));

  click (find_button (GTK_WIDGET (editor), "Add Bridged Accessory", 0));
  g_assert_true (gtk_widget_get_sensitive (create));
  g_assert_cmpstr (gtk_editable_get_text (name_entry (editor, 1)), ==, "Accessory 1");
  gtk_editable_set_text (name_entry (editor, 1), "Hall Light");
  add_service (editor, 1, "Lightbulb");
  g_assert_cmpstr (category_label (editor, 1), ==, "Lightbulb");
  gtk_check_button_set_active (characteristic_check (service_row (editor, "Lightbulb", 0),
                                                     "Brightness"), TRUE);
  /* A bridged accessory needs a name too. */
  gtk_editable_set_text (name_entry (editor, 1), "");
  g_assert_false (gtk_widget_get_sensitive (create));
  gtk_editable_set_text (name_entry (editor, 1), "Hall Light");
  g_assert_true (gtk_widget_get_sensitive (create));

  /* A second one, removed again. */
  click (find_button (GTK_WIDGET (editor), "Add Bridged Accessory", 0));
  g_assert_cmpstr (gtk_editable_get_text (name_entry (editor, 2)), ==, "Accessory 2");
  click (find_button (GTK_WIDGET (editor), "Remove Bridged Accessory Accessory 2", 0));
  g_assert_null (ui_find_by_text (GTK_WIDGET (editor), "Accessory 2"));

  definition = hap_sim_accessory_editor_dup_definition (editor);
  log_json (definition);
  g_assert_cmpuint (json_array_get_length (accessories_of (definition)), ==, 2);
  g_assert_cmpstr (string_of (accessory_of (definition, 0), "name"), ==, "My Bridge");
  g_assert_cmpstr (string_of (accessory_of (definition, 0), "category"), ==, "BRIDGE");
  g_assert_cmpuint (n_services (accessory_of (definition, 0)), ==, 0);
  light = accessory_of (definition, 1);
  g_assert_cmpstr (json_object_get_string_member (light, "name"), ==, "Hall Light");
  g_assert_cmpstr (json_object_get_string_member (light, "category"), ==, "LIGHTBULB");
  g_assert_cmpuint (n_services (light), ==, 1);
  g_assert_true (json_object_get_boolean_member (service_of (light, 0), "primary"));
  g_assert_nonnull (characteristic_of (service_of (light, 0), "On"));
  g_assert_nonnull (characteristic_of (service_of (light, 0), "Brightness"));
  assert_loads (definition, NULL);

  /* Not a bridge any more: the bridged accessories are left out, and the bridge alone
   * has nothing to serve. */
  gtk_switch_set_active (bridge, FALSE);
  g_assert_false (gtk_widget_get_sensitive (create));
  alone = hap_sim_accessory_editor_dup_definition (editor);
  g_assert_cmpuint (json_array_get_length (accessories_of (alone)), ==, 1);

  gtk_window_destroy (GTK_WINDOW (editor));
}

/* ---- editing ---------------------------------------------------------------------- */

static void
test_edit_thermostat (void)
{
  g_autoptr(JsonNode) original = parse_accessory_file ("thermostat.json");
  g_autoptr(JsonNode) unchanged = NULL;
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonNode) expected_simulator = NULL;
  HapSimAccessoryEditor *editor;
  GtkWidget *row, *save;
  JsonObject *service;

  /* With a simulator section and a vendor characteristic, which the editor keeps. */
  json_object_set_member (json_node_get_object (original), "simulator",
                          parse ("{\"behaviours\": [{\"accessory\": \"Hallway Thermostat\","
                                 " \"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\","
                                 " \"interval-ms\": 5000}]}"));
  json_array_add_element (json_object_get_array_member (service_of (accessory_of (original, 0), 0),
                                                        "characteristics"),
                          parse ("{\"type\": \"12345678-1234-1234-1234-123456789ABC\","
                                 " \"format\": \"uint8\", \"perms\": [\"pr\"], \"value\": 7}"));
  editor = editor_new (original, FALSE);
  save = done_button (editor);

  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (editor)), ==, "Edit Accessory");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (save)), ==, "_Save");
  g_assert_true (gtk_widget_get_sensitive (save));
  g_assert_cmpstr (gtk_editable_get_text (name_entry (editor, 0)), ==, "Hallway Thermostat");
  g_assert_cmpstr (category_label (editor, 0), ==, "Thermostat");
  g_assert_false (bridge_active (editor));
  row = service_row (editor, "Thermostat", 0);
  g_assert_nonnull (row);
  g_assert_true (is_checked (row, "Current Relative Humidity"));
  g_assert_true (is_checked (row, "Cooling Threshold Temperature"));
  g_assert_false (is_checked (row, "Name"));

  /* Untouched, the definition comes back as it was. */
  unchanged = hap_sim_accessory_editor_dup_definition (editor);
  g_assert_true (json_node_equal (unchanged, original));

  /* One optional characteristic off, another on, renamed: values and the rest stay. */
  gtk_check_button_set_active (characteristic_check (row, "Current Relative Humidity"), FALSE);
  gtk_check_button_set_active (characteristic_check (row, "Name"), TRUE);
  gtk_editable_set_text (name_entry (editor, 0), "Landing Thermostat");
  definition = hap_sim_accessory_editor_dup_definition (editor);
  log_json (definition);
  g_assert_cmpstr (json_object_get_string_member (accessory_of (definition, 0), "name"), ==,
                   "Landing Thermostat");
  g_assert_cmpstr (json_object_get_string_member (accessory_of (definition, 0), "category"), ==,
                   "THERMOSTAT");
  service = service_of (accessory_of (definition, 0), 0);
  g_assert_true (json_object_get_boolean_member (service, "primary"));
  g_assert_null (characteristic_of (service, "CurrentRelativeHumidity"));
  g_assert_nonnull (characteristic_of (service, "Name"));
  g_assert_cmpint (json_node_get_int (value_of (service, "TargetTemperature")), ==, 21);
  g_assert_cmpfloat (json_node_get_double (value_of (service, "CurrentTemperature")), ==, 19.5);
  g_assert_cmpint (json_node_get_int (value_of (service, "CoolingThresholdTemperature")), ==, 25);
  g_assert_cmpint (json_node_get_int (value_of (service, "12345678-1234-1234-1234-123456789ABC")),
                   ==, 7);
  /* The behaviour follows the rename. */
  expected_simulator = parse ("{\"behaviours\": [{\"accessory\": \"Landing Thermostat\","
                              " \"characteristic\": \"CurrentTemperature\", \"kind\": \"drift\","
                              " \"interval-ms\": 5000}]}");
  g_assert_true (json_node_equal (json_object_get_member (json_node_get_object (definition),
                                                          "simulator"),
                                  expected_simulator));
  assert_loads (definition, NULL);

  /* The editor did not touch what it was given. */
  g_assert_nonnull (characteristic_of (service_of (accessory_of (original, 0), 0),
                                       "CurrentRelativeHumidity"));
  gtk_window_destroy (GTK_WINDOW (editor));
}

static void
test_edit_bridge (void)
{
  g_autoptr(JsonNode) original = parse_accessory_file ("bridge.json");
  g_autoptr(JsonNode) unchanged = NULL;
  g_autoptr(JsonNode) definition = NULL;
  g_autofree char *origin = accessory_path ("bridge.json");
  HapSimAccessoryEditor *editor = editor_new (original, FALSE);
  JsonObject *remote, *camera;

  g_assert_true (bridge_active (editor));
  g_assert_cmpstr (gtk_editable_get_text (name_entry (editor, 0)), ==, "Sim Bridge");
  g_assert_cmpstr (category_label (editor, 0), ==, "Bridge");
  g_assert_cmpstr (gtk_editable_get_text (name_entry (editor, 1)), ==, "Hall Light");
  g_assert_cmpstr (gtk_editable_get_text (name_entry (editor, 3)), ==, "Porch Sensor");
  g_assert_cmpstr (category_label (editor, 2), ==, "Programmable Switch");
  g_assert_nonnull (service_row (editor, "StatelessProgrammableSwitch", 1));
  g_assert_true (gtk_widget_get_sensitive (done_button (editor)));

  unchanged = hap_sim_accessory_editor_dup_definition (editor);
  g_assert_true (json_node_equal (unchanged, original));

  /* Remove the sensor and the remote's label service; rename the camera. */
  click (find_button (GTK_WIDGET (editor), "Remove Bridged Accessory Porch Sensor", 0));
  click (find_button (GTK_WIDGET (editor), "Remove Service ServiceLabel", 0));
  gtk_editable_set_text (name_entry (editor, 4), "Gate Camera");
  pick_category (editor, 4, "Video Doorbell");
  definition = hap_sim_accessory_editor_dup_definition (editor);
  log_json (definition);
  g_assert_cmpuint (json_array_get_length (accessories_of (definition)), ==, 5);
  remote = accessory_of (definition, 2);
  g_assert_cmpstr (json_object_get_string_member (remote, "name"), ==, "Two-Button Remote");
  g_assert_cmpint (json_object_get_int_member (remote, "aid"), ==, 3);
  g_assert_cmpuint (n_services (remote), ==, 2);
  /* The primary service stays the one the file named. */
  g_assert_true (json_object_get_boolean_member (service_of (remote, 0), "primary"));
  g_assert_false (json_object_has_member (service_of (remote, 1), "primary"));
  g_assert_true (json_node_equal (
    json_object_get_member (characteristic_of (service_of (remote, 1), "ProgrammableSwitchEvent"),
                            "validValues"),
    json_object_get_member (characteristic_of (service_of (accessory_of (original, 2), 2),
                                               "ProgrammableSwitchEvent"),
                            "validValues")));
  camera = accessory_of (definition, 4);
  g_assert_cmpstr (json_object_get_string_member (camera, "name"), ==, "Gate Camera");
  g_assert_cmpstr (json_object_get_string_member (camera, "category"), ==, "VIDEO_DOORBELL");
  g_assert_cmpstr (json_object_get_string_member (camera, "snapshot"), ==, "snapshot.jpg");
  g_assert_cmpint (json_object_get_int_member (camera, "aid"), ==, 6);
  assert_loads (definition, origin);
  gtk_window_destroy (GTK_WINDOW (editor));
}

/* Removing a linked service removes the link; behaviours of a removed accessory go. */
static void
test_edit_links (void)
{
  g_autoptr(JsonNode) tv = parse_accessory_file ("television.json");
  g_autoptr(JsonNode) definition = NULL;
  HapSimAccessoryEditor *editor = editor_new (tv, FALSE);
  JsonArray *linked;

  click (find_button (GTK_WIDGET (editor), "Remove Service InputSource", 0));
  definition = hap_sim_accessory_editor_dup_definition (editor);
  linked = json_object_get_array_member (service_of (accessory_of (definition, 0), 0), "linked");
  g_assert_cmpuint (json_array_get_length (linked), ==, 4);
  for (guint i = 0; i < json_array_get_length (linked); i++)
    g_assert_cmpstr (json_array_get_string_element (linked, i), !=, "input1");
  assert_loads (definition, NULL);
  gtk_window_destroy (GTK_WINDOW (editor));
}

static void
test_edit_behaviours (void)
{
  g_autoptr(JsonNode) original = parse (
    "{\"accessories\": [{\"name\": \"Hub\"},"
    " {\"name\": \"Kitchen\", \"services\": [{\"type\": \"TemperatureSensor\"}]},"
    " {\"name\": \"Hall\", \"services\": [{\"type\": \"TemperatureSensor\"}]}],"
    " \"simulator\": {\"behaviours\": ["
    " {\"accessory\": \"Kitchen\", \"characteristic\": \"CurrentTemperature\","
    "  \"kind\": \"drift\", \"interval-ms\": 1000},"
    " {\"accessory\": \"Hall\", \"characteristic\": \"CurrentTemperature\","
    "  \"kind\": \"drift\", \"interval-ms\": 1000}]}}");
  g_autoptr(JsonNode) definition = NULL;
  HapSimAccessoryEditor *editor = editor_new (original, FALSE);
  JsonArray *behaviours;

  click (find_button (GTK_WIDGET (editor), "Remove Bridged Accessory Kitchen", 0));
  definition = hap_sim_accessory_editor_dup_definition (editor);
  behaviours = json_object_get_array_member (
    json_object_get_object_member (json_node_get_object (definition), "simulator"), "behaviours");
  g_assert_cmpuint (json_array_get_length (behaviours), ==, 1);
  g_assert_cmpstr (string_of (json_array_get_object_element (behaviours, 0), "accessory"), ==,
                   "Hall");
  g_assert_cmpuint (json_array_get_length (accessories_of (definition)), ==, 2);
  assert_loads (definition, NULL);
  gtk_window_destroy (GTK_WINDOW (editor));
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/editor/new", test_new);
  g_test_add_func ("/editor/category-choice", test_category_choice);
  g_test_add_func ("/editor/every-service", test_every_service);
  g_test_add_func ("/editor/new-bridge", test_new_bridge);
  g_test_add_func ("/editor/edit-thermostat", test_edit_thermostat);
  g_test_add_func ("/editor/edit-bridge", test_edit_bridge);
  g_test_add_func ("/editor/edit-links", test_edit_links);
  g_test_add_func ("/editor/edit-behaviours", test_edit_behaviours);
  return g_test_run ();
}
