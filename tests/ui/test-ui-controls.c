/* test-ui-controls.c — the Controls page: one control per characteristic, chosen by
 * format and constraints, wired both ways to the engine and to paired controllers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <string.h>

#include "hap-sim-characteristic-row.h"
#include "hap-sim-controls-page.h"
#include "hap-sim-error.h"
#include "hap-sim-inspect.h"

typedef struct
{
  UiFixture *fixture;
  GtkWidget *page;
  GtkWidget *window;
  GPtrArray *toasts;   /* char* */
} ControlsTest;

static void
on_toast (GSimpleAction *action, GVariant *parameter, GPtrArray *toasts)
{
  g_ptr_array_add (toasts, g_variant_dup_string (parameter, NULL));
}

static void
controls_test_open (ControlsTest *t)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) toast = g_simple_action_new ("toast", G_VARIANT_TYPE_STRING);

  t->fixture = ui_fixture_new ();
  t->page = hap_sim_controls_page_new ();
  /* Nearer than the window's: the page's toasts are recorded here. Inserted before the
   * page has a parent, so that every descendant's action muxer sees it. */
  t->toasts = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (toast, "activate", G_CALLBACK (on_toast), t->toasts);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (toast));
  gtk_widget_insert_action_group (t->page, "win", G_ACTION_GROUP (group));
  t->window = ui_window_new (t->page);
}

static void
controls_test_close (ControlsTest *t)
{
  gtk_window_destroy (GTK_WINDOW (t->window));
  ui_spin (10);
  ui_fixture_free (t->fixture);
  g_ptr_array_unref (t->toasts);
}

static void
show (ControlsTest *t, HapSimAccessory *accessory)
{
  hap_sim_controls_page_set_accessory (HAP_SIM_CONTROLS_PAGE (t->page), accessory);
  g_assert_true (hap_sim_controls_page_get_accessory (HAP_SIM_CONTROLS_PAGE (t->page)) ==
                 accessory);
  ui_spin (20);
}

static HapSimCharacteristicRow *
find_row (ControlsTest *t, HapCharacteristic *characteristic)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (t->page, HAP_SIM_TYPE_CHARACTERISTIC_ROW);

  g_assert_nonnull (characteristic);
  for (guint i = 0; i < rows->len; i++)
    {
      HapSimCharacteristicRow *row = g_ptr_array_index (rows, i);

      if (hap_sim_characteristic_row_get_characteristic (row) == characteristic)
        return row;
    }
  g_error ("no row for %s", hap_characteristic_get_type_uuid (characteristic));
}

static HapSimCharacteristicRow *
find_spec (ControlsTest *t, HapSimAccessory *accessory, const char *spec)
{
  g_autoptr(GError) error = NULL;
  HapCharacteristic *characteristic = hap_sim_accessory_find (accessory, spec, &error);

  g_assert_no_error (error);
  return find_row (t, characteristic);
}

static char *
spec_of (HapCharacteristic *characteristic)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT,
                          hap_sim_characteristic_aid (characteristic),
                          hap_characteristic_get_iid (characteristic));
}

static const char *
value_text (HapSimCharacteristicRow *row)
{
  return gtk_label_get_text (GTK_LABEL (hap_sim_characteristic_row_get_value_label (row)));
}

static GVariant *
stored (HapSimCharacteristicRow *row)
{
  return hap_characteristic_get_value (hap_sim_characteristic_row_get_characteristic (row));
}

static GtkWidget *
find_button (GtkWidget *root, const char *label)
{
  GtkWidget *text = ui_find_by_text (root, label);

  g_assert_nonnull (text);
  return gtk_widget_get_ancestor (text, GTK_TYPE_BUTTON);
}

/* The accessibility contract the AT-SPI end-to-end test relies on. */
static void
assert_accessible (HapSimCharacteristicRow *row, const char *label)
{
  g_autofree char *spec = spec_of (hap_sim_characteristic_row_get_characteristic (row));
  g_autofree char *value_description = g_strdup_printf ("value %s", spec);
  GtkWidget *control = hap_sim_characteristic_row_get_control (row);
  GtkWidget *value_label = hap_sim_characteristic_row_get_value_label (row);

  g_assert_nonnull (control);
  gtk_test_accessible_assert_property (control, GTK_ACCESSIBLE_PROPERTY_LABEL, label);
  gtk_test_accessible_assert_property (control, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, spec);
  gtk_test_accessible_assert_property (value_label, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                       value_description);
}

/* ---- controllers on a thread ------------------------------------------------------- */

typedef struct
{
  HapTestClient *client;
  const char    *method;
  const char    *target;
  char          *body;
} Request;

static gpointer
request_thread (gpointer data)
{
  Request *request = data;
  g_autoptr(HapHttpMessage) response = NULL;

  response = hap_test_client_request (request->client, request->method, request->target,
                                      request->body ? "application/hap+json" : NULL,
                                      request->body, request->body ? strlen (request->body) : 0);
  return response ? GUINT_TO_POINTER (response->status) : NULL;
}

static guint
put_characteristics (HapTestClient *client, const char *body)
{
  Request request = { client, "PUT", "/characteristics", (char *) body };

  return GPOINTER_TO_UINT (ui_run_in_thread (request_thread, &request));
}

static gpointer
event_thread (gpointer data)
{
  g_autoptr(HapHttpMessage) event = hap_test_client_wait_event (data, 5000);
  gsize size;
  const char *body;

  if (event == NULL)
    return NULL;
  body = g_bytes_get_data (event->body, &size);
  return g_strndup (body, size);
}

typedef struct
{
  GtkSwitch               *control;
  HapSimCharacteristicRow *row;
  gboolean                 active;
} SwitchShows;

static gboolean
switch_shows (gpointer data)
{
  SwitchShows *shows = data;

  return gtk_switch_get_active (shows->control) == shows->active &&
         g_str_equal (value_text (shows->row), shows->active ? "On" : "Off");
}

static void
count_change (HapSimAccessory *accessory, HapCharacteristic *characteristic, GVariant *value,
              const char *origin, GPtrArray *changes)
{
  g_ptr_array_add (changes, g_variant_ref (value));
}

/* ---- tests ------------------------------------------------------------------------- */

static void
test_empty (void)
{
  ControlsTest t = { 0 };
  HapSimAccessory *lamp;

  controls_test_open (&t);
  g_assert_nonnull (ui_find_by_text (t.page, "No Accessory"));
  g_assert_null (ui_find_widget (t.page, HAP_SIM_TYPE_CHARACTERISTIC_ROW));

  lamp = ui_fixture_add (t.fixture, "lightbulb.json");
  show (&t, lamp);
  g_assert_nonnull (ui_find_widget (t.page, HAP_SIM_TYPE_CHARACTERISTIC_ROW));
  show (&t, NULL);
  g_assert_null (ui_find_widget (t.page, HAP_SIM_TYPE_CHARACTERISTIC_ROW));
  g_assert_true (gtk_widget_get_mapped (ui_find_by_text (t.page, "No Accessory")));
  /* No handler is left on the accessory no longer shown. */
  g_assert_true (hap_sim_accessory_set_value (lamp,
                                              hap_sim_accessory_find (lamp, "Lightbulb/On", NULL),
                                              g_variant_new_boolean (FALSE), NULL));
  controls_test_close (&t);
}

static void
test_lightbulb (void)
{
  ControlsTest t = { 0 };
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *subscribe = NULL;
  g_autofree char *event = NULL;
  g_autofree char *expected = NULL;
  HapSimCharacteristicRow *on, *brightness;
  HapCharacteristic *level;
  HapSimAccessory *lamp;
  GtkWidget *control, *scale;
  GtkAdjustment *adjustment;
  guint16 port;
  guint64 on_iid;

  controls_test_open (&t);
  lamp = ui_fixture_add (t.fixture, "lightbulb.json");
  show (&t, lamp);
  g_assert_nonnull (ui_find_by_text (t.page, "Lightbulb"));

  /* On: a switch, showing the file's value. */
  on = find_spec (&t, lamp, "Lightbulb/On");
  control = hap_sim_characteristic_row_get_control (on);
  g_assert_true (GTK_IS_SWITCH (control));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (control)));
  g_assert_cmpstr (value_text (on), ==, "On");
  assert_accessible (on, "On");

  /* Brightness: spin button and slider over the catalog's 0…100 by 1, in percent. */
  brightness = find_spec (&t, lamp, "Lightbulb/Brightness");
  control = hap_sim_characteristic_row_get_control (brightness);
  g_assert_true (GTK_IS_SPIN_BUTTON (control));
  adjustment = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (control));
  g_assert_cmpfloat (gtk_adjustment_get_lower (adjustment), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, 100);
  g_assert_cmpfloat (gtk_adjustment_get_step_increment (adjustment), ==, 1);
  g_assert_cmpuint (gtk_spin_button_get_digits (GTK_SPIN_BUTTON (control)), ==, 0);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 75);
  g_assert_cmpstr (value_text (brightness), ==, "75 %");
  scale = ui_find_widget (GTK_WIDGET (brightness), GTK_TYPE_SCALE);
  g_assert_nonnull (scale);
  g_assert_true (gtk_range_get_adjustment (GTK_RANGE (scale)) == adjustment);
  assert_accessible (brightness, "Brightness");
  gtk_test_accessible_assert_property (scale, GTK_ACCESSIBLE_PROPERTY_LABEL, "Brightness slider");

  /* The information service is there too, read-only. */
  {
    HapSimCharacteristicRow *name = find_spec (&t, lamp, "AccessoryInformation/Name");

    g_assert_null (hap_sim_characteristic_row_get_control (name));
    g_assert_cmpstr (value_text (name), ==, "Desk Lamp");
  }

  /* A paired controller subscribes to On. */
  port = hap_accessory_server_get_port (hap_sim_accessory_get_server (lamp));
  client = ui_pair_controller (port, "controls-test");
  on_iid = hap_characteristic_get_iid (hap_sim_characteristic_row_get_characteristic (on));
  subscribe = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%" G_GUINT64_FORMAT
                               ",\"ev\":true}]}", on_iid);
  g_assert_cmpuint (put_characteristics (client, subscribe), ==, 204);

  /* The switch turned off: the engine has it and the controller gets the event. */
  gtk_switch_set_active (GTK_SWITCH (hap_sim_characteristic_row_get_control (on)), FALSE);
  g_assert_false (g_variant_get_boolean (stored (on)));
  g_assert_cmpstr (value_text (on), ==, "Off");
  event = ui_run_in_thread (event_thread, client);
  g_assert_nonnull (event);
  expected = g_strdup_printf ("\"iid\":%" G_GUINT64_FORMAT ",\"value\":false", on_iid);
  g_assert_nonnull (strstr (event, expected));

  /* The controller turns it on again: the switch and the label follow. */
  {
    g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%"
                                             G_GUINT64_FORMAT ",\"value\":true}]}", on_iid);
    SwitchShows shows = { GTK_SWITCH (hap_sim_characteristic_row_get_control (on)), on, TRUE };

    g_assert_cmpuint (put_characteristics (client, body), ==, 204);
    ui_wait_until (switch_shows, &shows, "the switch to show the controller's value");
  }

  /* The spin button sets Brightness; the slider snaps to whole steps. */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (control), 40);
  g_assert_cmpint (g_variant_get_int32 (stored (brightness)), ==, 40);
  g_assert_cmpstr (value_text (brightness), ==, "40 %");
  gtk_range_set_value (GTK_RANGE (scale), 41.6);
  g_assert_cmpint (g_variant_get_int32 (stored (brightness)), ==, 42);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 42);
  g_assert_cmpstr (value_text (brightness), ==, "42 %");

  /* Set elsewhere (as a behaviour would): shown, not sent back. */
  level = hap_sim_characteristic_row_get_characteristic (brightness);
  g_assert_true (hap_sim_accessory_set_value (lamp, level, g_variant_new_int32 (10), &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 10);
  g_assert_cmpstr (value_text (brightness), ==, "10 %");

  /* Out of range: refused by the engine, nothing moves. */
  g_assert_false (hap_sim_accessory_set_value (lamp, level, g_variant_new_int32 (150), &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), ==, 10);
  g_assert_cmpstr (value_text (brightness), ==, "10 %");
  g_assert_cmpint (g_variant_get_int32 (stored (brightness)), ==, 10);

  /* A stopped accessory keeps its controls, and they still set values. */
  hap_sim_accessory_stop (lamp);
  ui_spin (20);
  brightness = find_spec (&t, lamp, "Lightbulb/Brightness");
  control = hap_sim_characteristic_row_get_control (brightness);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (control), 55);
  g_assert_cmpint (g_variant_get_int32 (stored (brightness)), ==, 55);
  g_assert_cmpstr (value_text (brightness), ==, "55 %");

  controls_test_close (&t);
}

static void
test_thermostat (void)
{
  ControlsTest t = { 0 };
  HapSimCharacteristicRow *mode, *current, *target, *current_mode;
  HapCharacteristic *temperature;
  HapSimAccessory *thermostat;
  GtkWidget *control, *scale;
  GtkAdjustment *adjustment;
  GListModel *names;
  static const char * const expected_names[] = { "Off", "Heat", "Cool", "Auto" };
  guint identified = 0;

  controls_test_open (&t);
  thermostat = ui_fixture_add (t.fixture, "thermostat.json");
  show (&t, thermostat);

  /* A mode: a drop-down of the catalog's names. */
  mode = find_spec (&t, thermostat, "Thermostat/TargetHeatingCoolingState");
  control = hap_sim_characteristic_row_get_control (mode);
  g_assert_true (GTK_IS_DROP_DOWN (control));
  names = gtk_drop_down_get_model (GTK_DROP_DOWN (control));
  g_assert_cmpuint (g_list_model_get_n_items (names), ==, G_N_ELEMENTS (expected_names));
  for (guint i = 0; i < G_N_ELEMENTS (expected_names); i++)
    g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), i), ==,
                     expected_names[i]);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (control)), ==, 3);
  g_assert_cmpstr (value_text (mode), ==, "Auto");
  assert_accessible (mode, "Target Heating Cooling State");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (control), 1);
  g_assert_cmpuint (g_variant_get_byte (stored (mode)), ==, 1);
  g_assert_cmpstr (value_text (mode), ==, "Heat");

  /* Read-only: a label, no control. */
  current = find_spec (&t, thermostat, "Thermostat/CurrentTemperature");
  temperature = hap_sim_characteristic_row_get_characteristic (current);
  g_assert_null (hap_sim_characteristic_row_get_control (current));
  g_assert_cmpstr (value_text (current), ==, "19.5 °C");
  current_mode = find_spec (&t, thermostat, "Thermostat/CurrentHeatingCoolingState");
  g_assert_null (hap_sim_characteristic_row_get_control (current_mode));
  g_assert_cmpstr (value_text (current_mode), ==, "Heat");
  {
    g_autofree char *spec = spec_of (hap_sim_characteristic_row_get_characteristic (current));
    g_autofree char *description = g_strdup_printf ("value %s", spec);

    gtk_test_accessible_assert_property (hap_sim_characteristic_row_get_value_label (current),
                                         GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description);
  }
  /* … that follows the engine. */
  g_assert_true (hap_sim_accessory_set_value (thermostat, temperature,
                                              g_variant_new_double (20.3), NULL));
  g_assert_cmpstr (value_text (current), ==, "20.3 °C");

  /* A float with minStep 0.1: one decimal, 10…38 °C. */
  target = find_spec (&t, thermostat, "Thermostat/TargetTemperature");
  control = hap_sim_characteristic_row_get_control (target);
  g_assert_true (GTK_IS_SPIN_BUTTON (control));
  adjustment = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (control));
  g_assert_cmpuint (gtk_spin_button_get_digits (GTK_SPIN_BUTTON (control)), ==, 1);
  g_assert_cmpfloat (gtk_adjustment_get_lower (adjustment), ==, 10);
  g_assert_cmpfloat (gtk_adjustment_get_upper (adjustment), ==, 38);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_step_increment (adjustment), 0.1, 1e-9);
  assert_accessible (target, "Target Temperature");
  scale = ui_find_widget (GTK_WIDGET (target), GTK_TYPE_SCALE);
  gtk_test_accessible_assert_property (scale, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Target Temperature slider");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (control), 22.5);
  g_assert_cmpfloat_with_epsilon (g_variant_get_double (stored (target)), 22.5, 1e-9);
  g_assert_cmpstr (value_text (target), ==, "22.5 °C");

  /* Identify (write-only): a button that runs the accessory's identify. */
  {
    HapSimCharacteristicRow *row = find_spec (&t, thermostat, "AccessoryInformation/Identify");
    GtkWidget *identify = hap_sim_characteristic_row_get_control (row);
    g_autoptr(GVariant) log = NULL;

    g_assert_true (GTK_IS_BUTTON (identify));
    assert_accessible (row, "Identify");
    g_signal_emit_by_name (identify, "clicked");
    log = hap_sim_accessory_dup_identify_log (thermostat);
    identified = (guint) g_variant_n_children (log);
  }
  g_assert_cmpuint (identified, ==, 1);

  controls_test_close (&t);
}

static const char widgets_json[] =
  "{\"accessories\":[{\"name\":\"Widget Box\",\"category\":\"SWITCH\",\"services\":[{"
  "\"type\":\"Switch\",\"characteristics\":["
  "{\"type\":\"On\",\"value\":false},"
  "{\"type\":\"ConfiguredName\",\"value\":\"Box\",\"maxLen\":8},"
  "{\"type\":\"0000AAA1-0000-1000-8000-0000000000A1\",\"format\":\"uint8\","
  "\"perms\":[\"pr\",\"pw\",\"ev\"],\"validValuesRange\":[[0,2],[5,6]],\"value\":5},"
  "{\"type\":\"0000AAA2-0000-1000-8000-0000000000A2\",\"format\":\"float\","
  "\"perms\":[\"pr\",\"pw\"],\"minValue\":0,\"maxValue\":10,\"minStep\":0.25,\"value\":1.5},"
  "{\"type\":\"0000AAA3-0000-1000-8000-0000000000A3\",\"format\":\"int\","
  "\"perms\":[\"pr\",\"pw\"],\"value\":-3},"
  "{\"type\":\"0000AAA4-0000-1000-8000-0000000000A4\",\"format\":\"bool\",\"perms\":[\"pw\"]},"
  "{\"type\":\"0000AAA5-0000-1000-8000-0000000000A5\",\"format\":\"data\","
  "\"perms\":[\"pr\",\"pw\"],\"value\":\"AAEC\"}"
  "]}]}]}";

static HapSimCharacteristicRow *
vendor_row (ControlsTest *t, HapSimAccessory *accessory, const char *uuid)
{
  HapAccessory *model = hap_sim_accessory_get_accessory (accessory);
  HapService *service = hap_accessory_get_service (model, "Switch");

  return find_row (t, hap_service_get_characteristic (service, uuid));
}

static void
test_constraints (void)
{
  ControlsTest t = { 0 };
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  HapSimCharacteristicRow *name, *ranges, *quarter, *free_int, *trigger, *data;
  HapSimAccessory *box;
  GtkWidget *control, *scale;
  GListModel *names;

  controls_test_open (&t);
  box = ui_fixture_add_json (t.fixture, "widget-box", widgets_json);
  show (&t, box);

  /* A writable string: an entry applying on activate; what the accessory refuses
   * (maxLen counts bytes: five "é" are ten) is reverted. */
  name = find_spec (&t, box, "Switch/ConfiguredName");
  control = hap_sim_characteristic_row_get_control (name);
  g_assert_true (GTK_IS_ENTRY (control));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (control)), ==, "Box");
  assert_accessible (name, "Configured Name");
  gtk_editable_set_text (GTK_EDITABLE (control), "Shelf");
  g_signal_emit_by_name (control, "activate");
  g_assert_cmpstr (g_variant_get_string (stored (name), NULL), ==, "Shelf");
  g_assert_cmpstr (value_text (name), ==, "Shelf");
  g_assert_cmpuint (t.toasts->len, ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (control), "ééééé");
  g_signal_emit_by_name (control, "activate");
  g_assert_cmpuint (t.toasts->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (t.toasts, 0),
                                   "Cannot set Configured Name: "));
  g_assert_cmpstr (g_variant_get_string (stored (name), NULL), ==, "Shelf");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (control)), ==, "Shelf");
  g_assert_cmpstr (value_text (name), ==, "Shelf");

  /* Valid value ranges: a drop-down of exactly those values. */
  ranges = vendor_row (&t, box, "0000AAA1-0000-1000-8000-0000000000A1");
  control = hap_sim_characteristic_row_get_control (ranges);
  g_assert_true (GTK_IS_DROP_DOWN (control));
  names = gtk_drop_down_get_model (GTK_DROP_DOWN (control));
  g_assert_cmpuint (g_list_model_get_n_items (names), ==, 5);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), 3), ==, "5");
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (control)), ==, 3);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (control), 4);
  g_assert_cmpuint (g_variant_get_byte (stored (ranges)), ==, 6);

  /* minStep 0.25: two decimals, the slider snaps to the grid. */
  quarter = vendor_row (&t, box, "0000AAA2-0000-1000-8000-0000000000A2");
  control = hap_sim_characteristic_row_get_control (quarter);
  g_assert_true (GTK_IS_SPIN_BUTTON (control));
  g_assert_cmpuint (gtk_spin_button_get_digits (GTK_SPIN_BUTTON (control)), ==, 2);
  scale = ui_find_widget (GTK_WIDGET (quarter), GTK_TYPE_SCALE);
  g_assert_nonnull (scale);
  gtk_range_set_value (GTK_RANGE (scale), 3.2);
  g_assert_cmpfloat (g_variant_get_double (stored (quarter)), ==, 3.25);
  g_assert_cmpfloat (gtk_range_get_value (GTK_RANGE (scale)), ==, 3.25);

  /* No bounds: a spin button over the format's range, no slider. */
  free_int = vendor_row (&t, box, "0000AAA3-0000-1000-8000-0000000000A3");
  control = hap_sim_characteristic_row_get_control (free_int);
  g_assert_true (GTK_IS_SPIN_BUTTON (control));
  g_assert_null (ui_find_widget (GTK_WIDGET (free_int), GTK_TYPE_SCALE));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (control)), ==, -3);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (control), -70000);
  g_assert_cmpint (g_variant_get_int32 (stored (free_int)), ==, -70000);

  /* A write-only bool: a button writing true. */
  g_signal_connect (box, "value-changed", G_CALLBACK (count_change), changes);
  trigger = vendor_row (&t, box, "0000AAA4-0000-1000-8000-0000000000A4");
  control = hap_sim_characteristic_row_get_control (trigger);
  g_assert_true (GTK_IS_BUTTON (control));
  g_signal_emit_by_name (control, "clicked");
  g_assert_cmpuint (changes->len, ==, 1);
  g_assert_true (g_variant_get_boolean (g_ptr_array_index (changes, 0)));
  g_signal_handlers_disconnect_by_func (box, count_change, changes);

  /* Data: shown, not edited. */
  data = vendor_row (&t, box, "0000AAA5-0000-1000-8000-0000000000A5");
  g_assert_null (hap_sim_characteristic_row_get_control (data));
  g_assert_cmpstr (value_text (data), ==, "3 bytes");

  controls_test_close (&t);
}

static void
test_event_only (void)
{
  ControlsTest t = { 0 };
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  HapSimCharacteristicRow *button, *doorbell;
  HapSimAccessory *accessory;
  GtkWidget *control, *send;
  GListModel *names;

  controls_test_open (&t);
  accessory = ui_fixture_add (t.fixture, "doorbell.json");
  show (&t, accessory);
  g_signal_connect (accessory, "value-changed", G_CALLBACK (count_change), changes);

  /* Programmable Switch Event: pick the press, "Send" triggers it. */
  button = find_spec (&t, accessory, "StatelessProgrammableSwitch/ProgrammableSwitchEvent");
  control = hap_sim_characteristic_row_get_control (button);
  g_assert_true (GTK_IS_DROP_DOWN (control));
  assert_accessible (button, "Programmable Switch Event");
  names = gtk_drop_down_get_model (GTK_DROP_DOWN (control));
  g_assert_cmpuint (g_list_model_get_n_items (names), ==, 3);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), 0), ==, "Single press");
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), 2), ==, "Long press");
  gtk_drop_down_set_selected (GTK_DROP_DOWN (control), 2);
  g_assert_cmpuint (changes->len, ==, 0);
  send = find_button (GTK_WIDGET (button), "Send");
  g_signal_emit_by_name (send, "clicked");
  g_signal_emit_by_name (send, "clicked");
  g_assert_cmpuint (changes->len, ==, 2);
  g_assert_cmpuint (g_variant_get_byte (g_ptr_array_index (changes, 1)), ==, 2);
  g_assert_cmpstr (value_text (button), ==, "Long press");

  /* The file's own validValues ([0]) win over the catalog's. */
  doorbell = find_spec (&t, accessory, "Doorbell/ProgrammableSwitchEvent");
  control = hap_sim_characteristic_row_get_control (doorbell);
  g_assert_true (GTK_IS_DROP_DOWN (control));
  names = gtk_drop_down_get_model (GTK_DROP_DOWN (control));
  g_assert_cmpuint (g_list_model_get_n_items (names), ==, 1);

  g_signal_handlers_disconnect_by_func (accessory, count_change, changes);
  controls_test_close (&t);
}

static void
test_bridge (void)
{
  ControlsTest t = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  HapSimAccessory *bridge;
  HapAccessory *model;
  GPtrArray *bridged;
  guint n_characteristics = 0;

  controls_test_open (&t);
  bridge = ui_fixture_add (t.fixture, "bridge.json");
  show (&t, bridge);
  model = hap_sim_accessory_get_accessory (bridge);
  bridged = hap_accessory_get_bridged_accessories (model);
  g_assert_cmpuint (bridged->len, >, 0);

  /* A heading per accessory, then every characteristic of every service. */
  g_assert_nonnull (ui_find_by_text (t.page, hap_accessory_get_name (model)));
  for (guint i = 0; i <= bridged->len; i++)
    {
      HapAccessory *accessory = i == 0 ? model : g_ptr_array_index (bridged, i - 1);
      GPtrArray *services = hap_accessory_get_services (accessory);

      g_assert_nonnull (ui_find_by_text (t.page, hap_accessory_get_name (accessory)));
      for (guint k = 0; k < services->len; k++)
        n_characteristics += hap_service_get_characteristics (g_ptr_array_index (services, k))->len;
    }
  rows = ui_find_widgets (t.page, HAP_SIM_TYPE_CHARACTERISTIC_ROW);
  g_assert_cmpuint (rows->len, ==, n_characteristics);
  controls_test_close (&t);
}

static void
test_first_start (void)
{
  ControlsTest t = { 0 };
  g_autofree char *path = g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), "lightbulb.json",
                                           NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  HapSimAccessory *lamp;
  HapSimCharacteristicRow *on;

  controls_test_open (&t);
  lamp = hap_sim_engine_add_file (t.fixture->engine, path, FALSE, &error);
  g_assert_no_error (error);
  show (&t, lamp);
  before = ui_find_widgets (t.page, HAP_SIM_TYPE_CHARACTERISTIC_ROW);
  g_assert_cmpuint (before->len, >, 0);

  /* The first start assigns ids and adds Protocol Information: the page follows. */
  g_assert_true (hap_sim_accessory_start (lamp, &error));
  g_assert_no_error (error);
  ui_spin (20);
  after = ui_find_widgets (t.page, HAP_SIM_TYPE_CHARACTERISTIC_ROW);
  g_assert_cmpuint (after->len, >, before->len);
  on = find_spec (&t, lamp, "Lightbulb/On");
  g_assert_cmpuint (hap_characteristic_get_iid (hap_sim_characteristic_row_get_characteristic (on)),
                    >, 0);
  assert_accessible (on, "On");
  controls_test_close (&t);
}

int
main (int argc, char **argv)
{
  /* The test AT context records accessible properties for gtk_test_accessible_*. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  ui_test_init (&argc, &argv);
  g_test_add_func ("/controls/empty", test_empty);
  g_test_add_func ("/controls/lightbulb", test_lightbulb);
  g_test_add_func ("/controls/thermostat", test_thermostat);
  g_test_add_func ("/controls/constraints", test_constraints);
  g_test_add_func ("/controls/event-only", test_event_only);
  g_test_add_func ("/controls/bridge", test_bridge);
  g_test_add_func ("/controls/first-start", test_first_start);
  return g_test_run ();
}
