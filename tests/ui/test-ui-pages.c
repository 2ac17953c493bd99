/* test-ui-pages.c — the "accessory" property every page of the window shares
 * (ui/hap-sim-page.c): read and written through GObject as through each page's own
 * functions, notified once per change, and the old accessory's handlers dropped
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include "hap-sim-ble-page.h"
#include "hap-sim-controls-page.h"
#include "hap-sim-pairings-page.h"
#include "hap-sim-quirks-page.h"
#include "hap-sim-setup-page.h"
#include "hap-sim-traffic-page.h"

static void
count_notify (GObject *object, GParamSpec *pspec, guint *count)
{
  g_assert_cmpstr (g_param_spec_get_name (pspec), ==, "accessory");
  (*count)++;
}

static HapSimAccessory *
property_accessory (GtkWidget *page)
{
  HapSimAccessory *accessory = NULL;

  g_object_get (page, "accessory", &accessory, NULL);
  if (accessory != NULL)
    g_object_unref (accessory);   /* the fixture keeps it */
  return accessory;
}

static guint
handlers_of (HapSimAccessory *accessory, GtkWidget *page)
{
  return g_signal_handlers_disconnect_matched (accessory, G_SIGNAL_MATCH_DATA, 0, 0,
                                               NULL, NULL, page) > 0;
}

static void
check_page (GtkWidget *(*page_new) (void))
{
  UiFixture *fixture = ui_fixture_new ();
  HapSimAccessory *lamp = ui_fixture_add (fixture, "lightbulb.json");
  HapSimAccessory *thermostat = ui_fixture_add (fixture, "thermostat.json");
  GtkWidget *page = page_new ();
  GtkWidget *window = ui_window_new (page);
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (page), "accessory");
  guint notified = 0;

  g_assert_nonnull (pspec);
  g_assert_true (pspec->value_type == HAP_SIM_TYPE_ACCESSORY);
  g_assert_cmpint (pspec->flags & (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY), ==,
                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY);
  g_signal_connect (page, "notify::accessory", G_CALLBACK (count_notify), &notified);

  g_assert_null (property_accessory (page));
  g_object_set (page, "accessory", lamp, NULL);
  g_assert_true (property_accessory (page) == lamp);
  g_assert_cmpuint (notified, ==, 1);
  ui_spin (20);

  /* The same accessory again: nothing changes, nothing is notified. */
  g_object_set (page, "accessory", lamp, NULL);
  g_assert_cmpuint (notified, ==, 1);

  g_object_set (page, "accessory", thermostat, NULL);
  g_assert_true (property_accessory (page) == thermostat);
  g_assert_cmpuint (notified, ==, 2);
  /* Nothing of the page still listens to the lamp (this would disconnect it if so). */
  g_assert_cmpuint (handlers_of (lamp, page), ==, 0);
  ui_spin (20);

  g_object_set (page, "accessory", NULL, NULL);
  g_assert_null (property_accessory (page));
  g_assert_cmpuint (notified, ==, 3);
  g_assert_cmpuint (handlers_of (thermostat, page), ==, 0);

  /* Destroyed with an accessory set: it lets go of it. */
  g_object_set (page, "accessory", lamp, NULL);
  g_assert_cmpuint (notified, ==, 4);
  gtk_window_destroy (GTK_WINDOW (window));
  ui_spin (10);
  ui_fixture_free (fixture);
}

static void
test_ble (void)      { check_page (hap_sim_ble_page_new); }
static void
test_controls (void) { check_page (hap_sim_controls_page_new); }
static void
test_pairings (void) { check_page (hap_sim_pairings_page_new); }
static void
test_quirks (void)   { check_page (hap_sim_quirks_page_new); }
static void
test_setup (void)    { check_page (hap_sim_setup_page_new); }
static void
test_traffic (void)  { check_page (hap_sim_traffic_page_new); }

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/pages/accessory/ble", test_ble);
  g_test_add_func ("/pages/accessory/controls", test_controls);
  g_test_add_func ("/pages/accessory/pairings", test_pairings);
  g_test_add_func ("/pages/accessory/quirks", test_quirks);
  g_test_add_func ("/pages/accessory/setup", test_setup);
  g_test_add_func ("/pages/accessory/traffic", test_traffic);
  return g_test_run ();
}
