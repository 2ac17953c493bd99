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

/* A de_DE.UTF-8 locale made with localedef in a new folder for LOCPATH: glibc ignores
 * LANGUAGE in the C locale (from Debian 13's glibc in C.UTF-8 too), and CI machines
 * generate no other locale. Returns the folder. */
static char *
make_german_locale (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-locale-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "de_DE.UTF-8", NULL);
  g_autofree char *made = g_build_filename (out, "LC_MESSAGES", "SYS_LC_MESSAGES", NULL);
  const char *argv[] = { "localedef", "-c", "--no-archive", "-i", "de_DE", "-f", "UTF-8", out, NULL };

  /* -c: localedef warns (and exits 1) about details of the source; the locale is made. */
  g_spawn_sync (NULL, (char **) argv, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, NULL, NULL);
  if (!g_file_test (made, G_FILE_TEST_IS_REGULAR))
    g_error ("localedef could not make de_DE.UTF-8 (package locales)");
  return g_steal_pointer (&dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *locales = make_german_locale ();
  const char *rm[] = { "rm", "-rf", locales, NULL };
  int status;

  /* As a German desktop session would have it. HAP_LOCALEDIR (meson) names the build
   * tree's catalogs. */
  g_setenv ("LOCPATH", locales, TRUE);
  g_setenv ("LC_ALL", "de_DE.UTF-8", TRUE);
  g_setenv ("LANGUAGE", "de", TRUE);
  g_assert_nonnull (g_getenv ("HAP_LOCALEDIR"));
  hap_i18n_init ();
  ui_test_init (&argc, &argv);
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/i18n/template", test_template);
  g_test_add_func ("/i18n/code", test_code);
  status = g_test_run ();
  g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
  return status;
}
