/* hap-sim-application.c — the desktop app
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One instance per session (GApplication's D-Bus name is the app id): starting it again
 * raises the window, and files given then are imported into the running workspace. The
 * instance exports the engine's control API (io.github.hapsim.Simulator1) on its own
 * connection and object path, so `hap-simulator ctl` and tests drive the window's
 * accessories exactly as they drive the headless runner's.
 */
#define G_LOG_DOMAIN "hap-sim-application"

#include "hap-sim-application.h"

#include <stdlib.h>
#include <glib/gi18n.h>

#include "hap-sim-dbus.h"
#include "hap-sim-preferences.h"
#include "hap-sim-ui-util.h"
#include "hap-sim-window.h"

struct _HapSimApplication
{
  AdwApplication   parent_instance;

  /* Command-line options (the primary instance's). */
  char            *workspace_dir;
  char            *state_dir;
  char            *bind_address;
  char            *setup_code;
  int              port;

  GSettings       *settings;
  HapSimEngine    *engine;
  HapSimWorkspace *workspace;
  HapSimDBus      *dbus;
  GPtrArray       *load_errors;   /* GError *, shown once the window is up */
};

G_DEFINE_FINAL_TYPE (HapSimApplication, hap_sim_application, ADW_TYPE_APPLICATION)

GSettings *
hap_sim_application_open_settings (GError **error)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) built = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;

  if (installed != NULL)
    schema = g_settings_schema_source_lookup (installed, HAP_SIM_APP_ID, TRUE);
  /* Run from the build tree (tools/run-simulator.sh, tests): the schema compiled there. */
  if (schema == NULL &&
      (built = g_settings_schema_source_new_from_directory (HAP_SIM_BUILD_SCHEMA_DIR, installed, FALSE, NULL)))
    schema = g_settings_schema_source_lookup (built, HAP_SIM_APP_ID, FALSE);
  if (schema == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("the GSettings schema %s is not installed (install the app, or set "
                   "GSETTINGS_SCHEMA_DIR to its build directory)"), HAP_SIM_APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
apply_style (HapSimApplication *self)
{
  g_autofree char *variant = g_settings_get_string (self->settings, "style-variant");
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;

  if (g_str_equal (variant, "light"))
    scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_str_equal (variant, "dark"))
    scheme = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

/* The engine exists from registration on (the control API is exported then), before
 * startup loads the workspace into it. */
static void
ensure_engine (HapSimApplication *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = NULL;

  if (self->engine != NULL)
    return;
  state_dir = self->state_dir ? g_strdup (self->state_dir)
                              : g_build_filename (g_get_user_state_dir (), "hap-simulator", NULL);
  self->engine = hap_sim_engine_new (state_dir);
  hap_sim_engine_set_bind_address (self->engine, self->bind_address);
  hap_sim_engine_set_base_port (self->engine, (guint16) self->port);
  if (!hap_sim_engine_set_setup_code (self->engine, self->setup_code, &error))
    g_warning ("--setup-code: %s", error->message);
}

static char *
workspace_dir (HapSimApplication *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "workspace");

  if (self->workspace_dir != NULL)
    return g_strdup (self->workspace_dir);
  if (setting[0] != '\0')
    return g_steal_pointer (&setting);
  return g_build_filename (g_get_user_data_dir (), "hap-simulator", "workspace", NULL);
}

static HapSimWindow *
ensure_window (HapSimApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    {
      window = GTK_WINDOW (hap_sim_window_new (GTK_APPLICATION (self), self->workspace, self->settings));
      for (guint i = 0; i < self->load_errors->len; i++)
        hap_sim_ui_toast_error (GTK_WIDGET (window), _("Not loaded"),
                                g_ptr_array_index (self->load_errors, i));
      g_ptr_array_set_size (self->load_errors, 0);
    }
  return HAP_SIM_WINDOW (window);
}

/* ---- actions ---------------------------------------------------------------------- */

static void
action_quit (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  GApplication *app = user_data;
  /* A copy: closing a window takes it, and the windows transient for it (the shortcuts
   * window, dialogs), out of the application's own list. */
  GList *windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (app)),
                                     (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  /* Through close-request, so the window keeps its size in the settings. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);
  g_application_quit (app);
}

static void
action_preferences (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HapSimApplication *self = user_data;
  GtkWindow *preferences = hap_sim_preferences_new (GTK_WINDOW (ensure_window (self)), self->settings,
                                                    hap_sim_workspace_get_dir (self->workspace));

  gtk_window_present (preferences);
}

static void
action_about (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HapSimApplication *self = user_data;
  static const char *developers[] = { "The HAP Simulator developers", NULL };

  adw_show_about_window (GTK_WINDOW (ensure_window (self)),
                         "application-name", _("HAP Simulator"),
                         "application-icon", HAP_SIM_APP_ID,
                         "version", HAP_SIM_VERSION,
                         "comments", _("Run, pair, inspect and break virtual HomeKit accessories."),
                         "website", "https://github.com/hapsim/hap-simulator",
                         "issue-url", "https://github.com/hapsim/hap-simulator/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         NULL);
}

/* app.import and app.export open the window's file chooser (win.import, win.export: the
 * selected accessory). GApplication exports app.* actions on the session bus
 * (org.gtk.Actions), the window's own widget actions are not: these let a desktop shell or
 * a script (`gapplication action`) start them, and let CI drive the file chooser portal of
 * the sandboxed app without a human at the keyboard (tests/flatpak). */
static void
action_window (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  HapSimApplication *self = user_data;
  g_autofree char *name = g_strconcat ("win.", g_action_get_name (G_ACTION (action)), NULL);
  HapSimWindow *window = ensure_window (self);

  gtk_window_present (GTK_WINDOW (window));
  /* FALSE when the window has it disabled: win.export with no accessory selected. */
  if (!gtk_widget_activate_action (GTK_WIDGET (window), name, NULL))
    g_message ("%s: not available now", name);
}

static const GActionEntry app_actions[] = {
  { "quit", action_quit, NULL, NULL, NULL, { 0 } },
  { "preferences", action_preferences, NULL, NULL, NULL, { 0 } },
  { "about", action_about, NULL, NULL, NULL, { 0 } },
  { "import", action_window, NULL, NULL, NULL, { 0 } },
  { "export", action_window, NULL, NULL, NULL, { 0 } },
};

/* ---- GApplication ----------------------------------------------------------------- */

static int
hap_sim_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  HapSimApplication *self = HAP_SIM_APPLICATION (app);
  g_autoptr(GError) error = NULL;

  g_variant_dict_lookup (options, "workspace", "^ay", &self->workspace_dir);
  g_variant_dict_lookup (options, "state-dir", "^ay", &self->state_dir);
  g_variant_dict_lookup (options, "bind", "s", &self->bind_address);
  g_variant_dict_lookup (options, "setup-code", "s", &self->setup_code);
  g_variant_dict_lookup (options, "port", "i", &self->port);
  if (self->port < 0 || self->port > 65535)
    {
      g_printerr (_("hap-simulator: --port must be 0..65535\n"));
      return 2;
    }
  if (self->setup_code != NULL && !hap_setup_code_validate (self->setup_code, &error))
    {
      g_printerr (_("hap-simulator: --setup-code: %s\n"), error->message);
      return 2;
    }
  return -1;
}

static gboolean
hap_sim_application_dbus_register (GApplication *app, GDBusConnection *connection, const char *path,
                                   GError **error)
{
  HapSimApplication *self = HAP_SIM_APPLICATION (app);

  if (!G_APPLICATION_CLASS (hap_sim_application_parent_class)->dbus_register (app, connection, path, error))
    return FALSE;
  ensure_engine (self);
  self->dbus = hap_sim_dbus_export (self->engine, connection, error);
  return self->dbus != NULL;
}

static void
hap_sim_application_dbus_unregister (GApplication *app, GDBusConnection *connection, const char *path)
{
  HapSimApplication *self = HAP_SIM_APPLICATION (app);

  g_clear_pointer (&self->dbus, hap_sim_dbus_unexport);
  G_APPLICATION_CLASS (hap_sim_application_parent_class)->dbus_unregister (app, connection, path);
}

static void
hap_sim_application_startup (GApplication *app)
{
  HapSimApplication *self = HAP_SIM_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  GdkDisplay *display;
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.preferences", { "<Control>comma", NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
  };

  /* Before GtkApplication's startup, which loads style.css from the resource base path. */
  hap_sim_ui_init ();
  G_APPLICATION_CLASS (hap_sim_application_parent_class)->startup (app);
  display = gdk_display_get_default ();
  /* Which windowing system GDK settled on (GdkWaylandDisplay, GdkX11Display…), for bug
   * reports and for the Wayland test, which reads it to rule out a silent X11 fallback:
   * shown with G_MESSAGES_DEBUG=hap-sim-application. */
  g_debug ("display: %s %s", G_OBJECT_TYPE_NAME (display), gdk_display_get_name (display));
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (display),
                                    "/io/github/hapsim/Simulator/icons");

  self->settings = hap_sim_application_open_settings (&error);
  if (self->settings == NULL)
    g_error ("%s", error->message);
  apply_style (self);
  g_signal_connect_swapped (self->settings, "changed::style-variant", G_CALLBACK (apply_style), self);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);

  ensure_engine (self);
  dir = workspace_dir (self);
  self->workspace = hap_sim_workspace_new (self->engine, dir);
  /* Loaded stopped, each starts from its menu (or `ctl start`), when so preferred. */
  hap_sim_workspace_load (self->workspace, g_settings_get_boolean (self->settings, "start-accessories"),
                          self->load_errors);
  for (guint i = 0; i < self->load_errors->len; i++)
    g_printerr ("hap-simulator: %s\n", ((GError *) g_ptr_array_index (self->load_errors, i))->message);
}

static void
hap_sim_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (ensure_window (HAP_SIM_APPLICATION (app))));
}

static void
hap_sim_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  HapSimApplication *self = HAP_SIM_APPLICATION (app);
  HapSimWindow *window = ensure_window (self);

  /* Files given on the command line (here or to a second instance) are imported. */
  for (int i = 0; i < n_files; i++)
    {
      g_autoptr(GError) error = NULL;
      HapSimAccessory *accessory = hap_sim_workspace_import (self->workspace, files[i], &error);

      if (accessory == NULL)
        hap_sim_ui_toast_error (GTK_WIDGET (window), _("Cannot import"), error);
      else
        hap_sim_window_select (window, hap_sim_accessory_get_id (accessory));
    }
  gtk_window_present (GTK_WINDOW (window));
}

static void
hap_sim_application_shutdown (GApplication *app)
{
  HapSimApplication *self = HAP_SIM_APPLICATION (app);

  /* Connections close and records are withdrawn before the process goes. */
  if (self->engine != NULL)
    hap_sim_engine_stop_all (self->engine);
  G_APPLICATION_CLASS (hap_sim_application_parent_class)->shutdown (app);
}

static void
hap_sim_application_finalize (GObject *object)
{
  HapSimApplication *self = HAP_SIM_APPLICATION (object);

  g_clear_pointer (&self->dbus, hap_sim_dbus_unexport);
  g_clear_object (&self->workspace);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->load_errors, g_ptr_array_unref);
  g_free (self->workspace_dir);
  g_free (self->state_dir);
  g_free (self->bind_address);
  g_free (self->setup_code);
  G_OBJECT_CLASS (hap_sim_application_parent_class)->finalize (object);
}

static void
hap_sim_application_class_init (HapSimApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = hap_sim_application_finalize;
  app_class->handle_local_options = hap_sim_application_handle_local_options;
  app_class->dbus_register = hap_sim_application_dbus_register;
  app_class->dbus_unregister = hap_sim_application_dbus_unregister;
  app_class->startup = hap_sim_application_startup;
  app_class->activate = hap_sim_application_activate;
  app_class->open = hap_sim_application_open;
  app_class->shutdown = hap_sim_application_shutdown;
}

static void
hap_sim_application_init (HapSimApplication *self)
{
  static const GOptionEntry options[] = {
    { "workspace", 'w', 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Serve and edit the accessory files of DIR (default: the Preferences’ folder)"), "DIR" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      N_("Where identities, keys and pairings are kept (default: $XDG_STATE_HOME/hap-simulator)"), "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, NULL,
      N_("TCP port of the first accessory; the next ones use the following ports"), "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Listen on this address only"), "ADDR" },
    { "setup-code", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Setup code for every accessory"), "XXX-XX-XXX" },
    { "headless", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run without a window (see hap-simulator --headless --help)"), NULL },
    { NULL }
  };

  self->load_errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), "[FILE.json…]");
  g_application_set_option_context_summary (G_APPLICATION (self),
    _("Opens the desktop app over a workspace of accessory files. FILEs are imported into\n"
    "the workspace. While it runs, `hap-simulator ctl` drives its accessories over D-Bus."));
}

HapSimApplication *
hap_sim_application_new (void)
{
  return g_object_new (HAP_SIM_TYPE_APPLICATION,
                       "application-id", HAP_SIM_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/hapsim/Simulator",
                       NULL);
}

HapSimWorkspace *
hap_sim_application_get_workspace (HapSimApplication *self)
{
  g_return_val_if_fail (HAP_SIM_IS_APPLICATION (self), NULL);
  return self->workspace;
}

GSettings *
hap_sim_application_get_settings (HapSimApplication *self)
{
  g_return_val_if_fail (HAP_SIM_IS_APPLICATION (self), NULL);
  return self->settings;
}

int
hap_sim_application_run (int argc, char **argv)
{
  g_autoptr(HapSimApplication) app = hap_sim_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
