/* test-ui-i18n.c — the app in German: a widget template's translatable="yes" text and a
 * string marked in C come from the catalog meson built into the build tree (po/de.po)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include "hap-sim-controls-page.h"
#include "hap-sim-ui-util.h"
#include "i18n/hap-i18n.h"

/* The status page of a page without an accessory: its title and description are in the
 * .ui file, which GtkBuilder translates in the program's domain. */
static void
test_template (void)
{
  GtkWidget *page = hap_sim_controls_page_new ();
  GtkWidget *window = ui_window_new (page);

  ui_spin (20);
  g_assert_nonnull (ui_find_by_text (page, "Kein Zubehör"));
  g_assert_null (ui_find_by_text (page, "No Accessory"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* A label the code builds (ui/hap-sim-ui-util.c). */
static void
test_code (void)
{
  g_assert_cmpstr (hap_sim_ui_transports_label (HAP_TRANSPORT_IP | HAP_TRANSPORT_BLE), ==, "IP und BLE");
}

int
main (int argc, char **argv)
{
  /* As a German desktop session would have it; C.UTF-8 because glibc ignores LANGUAGE
   * in the C locale and CI machines have no de_DE locale. HAP_LOCALEDIR (meson) names
   * the build tree's catalogs. */
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_assert_nonnull (g_getenv ("HAP_LOCALEDIR"));
  hap_i18n_init ();
  ui_test_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/i18n/template", test_template);
  g_test_add_func ("/i18n/code", test_code);
  return g_test_run ();
}
