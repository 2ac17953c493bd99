/* hap-sim-preferences.c — the preferences window
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-preferences.h"
#include "hap-sim-ui-util.h"
#include <glib/gi18n.h>

struct _HapSimPreferences
{
  AdwPreferencesWindow  parent_instance;
  GSettings            *settings;

  AdwComboRow          *style_row;
  AdwActionRow         *workspace_row;
  GtkSwitch            *start_switch;
  GtkSwitch            *toasts_switch;
  GtkSwitch            *follow_switch;
};

G_DEFINE_FINAL_TYPE (HapSimPreferences, hap_sim_preferences, ADW_TYPE_PREFERENCES_WINDOW)

/* The combo's positions, in the order of the template's string list. */
static const char * const style_variants[] = { "default", "light", "dark" };

static gboolean
style_to_position (GValue *value, GVariant *variant, gpointer user_data)
{
  const char *style = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (style_variants); i++)
    if (g_str_equal (style, style_variants[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
position_to_style (const GValue *value, const GVariantType *type, gpointer user_data)
{
  guint position = g_value_get_uint (value);

  return position < G_N_ELEMENTS (style_variants) ? g_variant_new_string (style_variants[position]) : NULL;
}

static void
on_folder_chosen (GtkNativeDialog *chooser, int response, HapSimPreferences *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = g_file_get_path (folder);

      g_settings_set_string (self->settings, "workspace", path);
      adw_action_row_set_subtitle (self->workspace_row, path);
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (_("The new folder is served from the next start")));
    }
  hap_sim_ui_release_chooser (chooser);
}

static void
on_change_workspace (HapSimPreferences *self)
{
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Workspace Folder"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                 _("_Select"), _("_Cancel"));

  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
hap_sim_preferences_dispose (GObject *object)
{
  HapSimPreferences *self = HAP_SIM_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_PREFERENCES);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (hap_sim_preferences_parent_class)->dispose (object);
}

static void
hap_sim_preferences_class_init (HapSimPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/hap-sim-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, HapSimPreferences, style_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimPreferences, workspace_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimPreferences, start_switch);
  gtk_widget_class_bind_template_child (widget_class, HapSimPreferences, toasts_switch);
  gtk_widget_class_bind_template_child (widget_class, HapSimPreferences, follow_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_change_workspace);
}

static void
hap_sim_preferences_init (HapSimPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWindow *
hap_sim_preferences_new (GtkWindow *parent, GSettings *settings, const char *workspace_dir)
{
  HapSimPreferences *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (HAP_SIM_TYPE_PREFERENCES, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  adw_action_row_set_subtitle (self->workspace_row, workspace_dir);
  g_settings_bind_with_mapping (settings, "style-variant", self->style_row, "selected", G_SETTINGS_BIND_DEFAULT,
                                style_to_position, position_to_style, NULL, NULL);
  g_settings_bind (settings, "start-accessories", self->start_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "pairing-toasts", self->toasts_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "trace-follow", self->follow_switch, "active", G_SETTINGS_BIND_DEFAULT);
  return GTK_WINDOW (self);
}
