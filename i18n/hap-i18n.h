/* hap-i18n.h — gettext set-up shared by the app and the command-line programs
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each program's main() calls hap_i18n_init() first. GETTEXT_PACKAGE and LOCALEDIR come
 * from meson (the top-level meson.build); the catalogs are built from po/.
 */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>

/* Set the locale from the environment and bind the program's messages to its catalogs.
 *
 * HAP_LOCALEDIR replaces LOCALEDIR: run from the build tree, a program finds the catalogs
 * meson compiled there (build/po/LANG/LC_MESSAGES/), as GSETTINGS_SCHEMA_DIR points the app
 * at the build tree's schemas. The tests use it; an installed program needs nothing set. */
static inline void
hap_i18n_init (void)
{
  const char *dir = g_getenv ("HAP_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dir != NULL && dir[0] != '\0' ? dir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
