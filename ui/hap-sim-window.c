/* hap-sim-window.c — the main window
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The sidebar mirrors the engine's accessories (a GListStore kept in step with
 * "accessory-added"/"accessory-removed"); the pages show whichever is selected. Every
 * edit goes through the workspace, which writes the file and serves it again, so what
 * the window shows is always what the next start serves.
 */
#define G_LOG_DOMAIN "hap-sim-window"

#include "hap-sim-window.h"

#include "hap-sim-accessory-editor.h"
#include "hap-sim-ble-page.h"
#include "hap-sim-controls-page.h"
#include "hap-sim-pairings-page.h"
#include "hap-sim-quirks-page.h"
#include "hap-sim-setup-page.h"
#include "hap-sim-sidebar-row.h"
#include "hap-sim-traffic-page.h"
#include "hap-sim-ui-util.h"
#include <glib/gi18n.h>

struct _HapSimWindow
{
  AdwApplicationWindow  parent_instance;

  HapSimWorkspace      *workspace;
  GSettings            *settings;
  GListStore           *accessories;   /* HapSimAccessory, in the engine's order */
  HapSimAccessory      *selected;
  gulong                added_id;
  gulong                removed_id;

  AdwToastOverlay      *toast_overlay;
  AdwLeaflet           *leaflet;
  GtkWidget            *sidebar;
  GtkWidget            *content;
  GtkStack             *sidebar_stack;
  GtkListBox           *accessory_list;
  AdwViewSwitcherTitle *switcher_title;
  GtkToggleButton      *running_button;
  GtkStack             *content_stack;
  AdwViewStack         *view_stack;
  HapSimControlsPage   *controls_page;
  HapSimSetupPage      *setup_page;
  HapSimPairingsPage   *pairings_page;
  HapSimTrafficPage    *traffic_page;
  HapSimQuirksPage     *quirks_page;
  HapSimBlePage        *ble_page;
  AdwViewStackPage     *ble_stack_page;
};

enum { PROP_0, PROP_WORKSPACE, PROP_SETTINGS, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimWindow, hap_sim_window, ADW_TYPE_APPLICATION_WINDOW)

static GParamSpec *properties [N_PROPS];

/* Actions that need a selected accessory. */
static const char * const accessory_actions[] = {
  "win.toggle-running", "win.power-cycle", "win.restart", "win.identify", "win.edit",
  "win.rename", "win.duplicate", "win.export", "win.delete",
};

/* Actions that rewrite the accessory's definition. */
static const char * const definition_actions[] = { "win.edit", "win.rename" };

/* ---- toasts ----------------------------------------------------------------------- */

void
hap_sim_window_toast (HapSimWindow *self, const char *text)
{
  /* libadwaita 1.2 always parses toast titles as markup (use-markup is 1.4): names
   * such as "Lamp & Fan" must be escaped. */
  g_autofree char *markup = g_markup_escape_text (text, -1);

  g_return_if_fail (HAP_SIM_IS_WINDOW (self));
  /* What the user was told, in the log too (G_MESSAGES_DEBUG=hap-sim-window): a toast is
   * gone after a few seconds, and tests outside the process (the sandboxed app's) read
   * the log. */
  g_debug ("toast: %s", text);
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (markup));
}

static void
action_toast (GtkWidget *widget, const char *action, GVariant *parameter)
{
  hap_sim_window_toast (HAP_SIM_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
on_pairing_added (HapSimAccessory *accessory, const char *controller, gboolean admin, HapSimWindow *self)
{
  g_autofree char *text = NULL;

  if (!g_settings_get_boolean (self->settings, "pairing-toasts"))
    return;
  text = g_strdup_printf (_("“%s” paired with %s%s"), hap_sim_accessory_get_name (accessory), controller,
                          admin ? _(" (admin)") : "");
  hap_sim_window_toast (self, text);
}

static void
on_pairing_removed (HapSimAccessory *accessory, const char *controller, HapSimWindow *self)
{
  g_autofree char *text = NULL;

  if (!g_settings_get_boolean (self->settings, "pairing-toasts"))
    return;
  text = g_strdup_printf (_("“%s” unpaired from %s"), hap_sim_accessory_get_name (accessory), controller);
  hap_sim_window_toast (self, text);
}

/* ---- selection ---------------------------------------------------------------------- */

static void
update_running_button (HapSimWindow *self)
{
  gboolean running = self->selected != NULL &&
                     hap_sim_accessory_get_state (self->selected) != HAP_SIM_STATE_STOPPED;

  /* The button shows the state; activating it runs win.toggle-running. */
  gtk_toggle_button_set_active (self->running_button, running);
  gtk_button_set_icon_name (GTK_BUTTON (self->running_button),
                            running ? "media-playback-stop-symbolic" : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->running_button), running ? _("Stop") : _("Start"));
}

static void
update_title (HapSimWindow *self)
{
  if (self->selected == NULL)
    {
      adw_view_switcher_title_set_title (self->switcher_title, _("HAP Simulator"));
      adw_view_switcher_title_set_subtitle (self->switcher_title, NULL);
      return;
    }
  adw_view_switcher_title_set_title (self->switcher_title, hap_sim_accessory_get_name (self->selected));
  switch (hap_sim_accessory_get_state (self->selected))
    {
    case HAP_SIM_STATE_STOPPED:
      adw_view_switcher_title_set_subtitle (self->switcher_title, _("Stopped"));
      break;
    case HAP_SIM_STATE_RUNNING:
      adw_view_switcher_title_set_subtitle (self->switcher_title, _("Running"));
      break;
    case HAP_SIM_STATE_ADVERTISED:
      adw_view_switcher_title_set_subtitle (self->switcher_title, _("Advertising"));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* The Bluetooth page is there for accessories served over BLE (set at run time too). */
static void
update_ble_page (HapSimWindow *self)
{
  gboolean ble = self->selected != NULL && hap_sim_accessory_has_ble (self->selected);

  if (!ble && g_strcmp0 (adw_view_stack_get_visible_child_name (self->view_stack), "bluetooth") == 0)
    adw_view_stack_set_visible_child_name (self->view_stack, "controls");
  adw_view_stack_page_set_visible (self->ble_stack_page, ble);
}

static void
on_selected_state_changed (HapSimWindow *self)
{
  update_ble_page (self);
  update_running_button (self);
  update_title (self);
}

static void
set_selected (HapSimWindow *self, HapSimAccessory *accessory)
{
  if (self->selected == accessory)
    return;
  if (self->selected != NULL)
    g_signal_handlers_disconnect_by_func (self->selected, on_selected_state_changed, self);
  g_set_object (&self->selected, accessory);
  if (accessory != NULL)
    {
      g_signal_connect_swapped (accessory, "state-changed", G_CALLBACK (on_selected_state_changed), self);
      g_signal_connect_swapped (accessory, "advertised", G_CALLBACK (on_selected_state_changed), self);
      g_settings_set_string (self->settings, "last-accessory", hap_sim_accessory_get_id (accessory));
    }

  hap_sim_controls_page_set_accessory (self->controls_page, accessory);
  hap_sim_setup_page_set_accessory (self->setup_page, accessory);
  hap_sim_pairings_page_set_accessory (self->pairings_page, accessory);
  hap_sim_traffic_page_set_accessory (self->traffic_page, accessory);
  hap_sim_quirks_page_set_accessory (self->quirks_page, accessory);
  hap_sim_ble_page_set_accessory (self->ble_page, accessory);
  update_ble_page (self);

  for (guint i = 0; i < G_N_ELEMENTS (accessory_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), accessory_actions[i], accessory != NULL);
  /* A recorded device dump has no definition the editor could write back without losing
   * the recording (hap_sim_workspace_dup_definition()). */
  if (accessory != NULL && hap_accessory_is_recorded (hap_sim_accessory_get_accessory (accessory)))
    for (guint i = 0; i < G_N_ELEMENTS (definition_actions); i++)
      gtk_widget_action_set_enabled (GTK_WIDGET (self), definition_actions[i], FALSE);
  update_running_button (self);
  update_title (self);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->accessories)) == 0)
    gtk_stack_set_visible_child_name (self->content_stack, "empty");
  else
    gtk_stack_set_visible_child_name (self->content_stack, accessory ? "accessory" : "unselected");
}

static void
on_row_selected (HapSimWindow *self, GtkListBoxRow *row)
{
  set_selected (self, row ? hap_sim_sidebar_row_get_accessory (HAP_SIM_SIDEBAR_ROW (row)) : NULL);
  if (row != NULL)
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
on_back_clicked (HapSimWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static gboolean
select_accessory (HapSimWindow *self, HapSimAccessory *accessory)
{
  guint position;
  GtkListBoxRow *row;

  if (!g_list_store_find (self->accessories, accessory, &position))
    return FALSE;
  row = gtk_list_box_get_row_at_index (self->accessory_list, (int) position);
  gtk_list_box_select_row (self->accessory_list, row);
  return TRUE;
}

gboolean
hap_sim_window_select (HapSimWindow *self, const char *id)
{
  HapSimAccessory *accessory;

  g_return_val_if_fail (HAP_SIM_IS_WINDOW (self), FALSE);

  accessory = hap_sim_engine_lookup (hap_sim_workspace_get_engine (self->workspace), id, NULL);
  return accessory != NULL && select_accessory (self, accessory);
}

HapSimAccessory *
hap_sim_window_get_selected (HapSimWindow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_WINDOW (self), NULL);
  return self->selected;
}

void
hap_sim_window_show_page (HapSimWindow *self, const char *name)
{
  GtkWidget *child;

  g_return_if_fail (HAP_SIM_IS_WINDOW (self));
  /* A page hidden for this accessory (Bluetooth for an IP one) is not shown. */
  child = adw_view_stack_get_child_by_name (self->view_stack, name);
  if (child != NULL && !adw_view_stack_page_get_visible (adw_view_stack_get_page (self->view_stack, child)))
    return;
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

/* ---- the engine's accessories --------------------------------------------------------- */

static void
update_empty (HapSimWindow *self)
{
  gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->accessories)) == 0;

  gtk_stack_set_visible_child_name (self->sidebar_stack, empty ? "empty" : "list");
  if (empty)
    gtk_stack_set_visible_child_name (self->content_stack, "empty");
  else if (self->selected == NULL)
    gtk_stack_set_visible_child_name (self->content_stack, "unselected");
}

static void
on_accessory_added (HapSimEngine *engine, HapSimAccessory *accessory, HapSimWindow *self)
{
  g_list_store_append (self->accessories, accessory);
  g_signal_connect (accessory, "pairing-added", G_CALLBACK (on_pairing_added), self);
  g_signal_connect (accessory, "pairing-removed", G_CALLBACK (on_pairing_removed), self);
  update_empty (self);
}

static void
on_accessory_removed (HapSimEngine *engine, HapSimAccessory *accessory, HapSimWindow *self)
{
  guint position;

  g_signal_handlers_disconnect_by_data (accessory, self);
  if (accessory == self->selected)
    {
      gtk_list_box_unselect_all (self->accessory_list);
      set_selected (self, NULL);
    }
  if (g_list_store_find (self->accessories, accessory, &position))
    g_list_store_remove (self->accessories, position);
  update_empty (self);
}

static GtkWidget *
create_row (gpointer item, gpointer user_data)
{
  return hap_sim_sidebar_row_new (item);
}

/* ---- actions on the selected accessory ---------------------------------------------- */

static void
show_result (HapSimWindow *self, HapSimAccessory *accessory, const char *what, const char *done, GError *error)
{
  g_autofree char *text = NULL;

  if (accessory == NULL)
    {
      hap_sim_ui_toast_error (GTK_WIDGET (self), what, error);
      return;
    }
  select_accessory (self, accessory);
  text = g_strdup_printf ("%s “%s”", done, hap_sim_accessory_get_name (accessory));
  hap_sim_window_toast (self, text);
}

static void
action_toggle_running (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self->selected != NULL);
  if (hap_sim_accessory_get_state (self->selected) != HAP_SIM_STATE_STOPPED)
    hap_sim_accessory_stop (self->selected);
  else if (!hap_sim_accessory_start (self->selected, &error))
    hap_sim_ui_toast_error (widget, _("Cannot start"), error);
  update_running_button (self);
}

static void
action_power_cycle (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);

  /* As a plug pulled for two seconds: controllers see the connection drop. */
  hap_sim_accessory_power_cycle (self->selected, 2000);
}

static void
action_restart (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!hap_sim_accessory_restart (self->selected, TRUE, &error))
    hap_sim_ui_toast_error (widget, _("Cannot restart"), error);
}

static void
action_identify (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);

  hap_sim_accessory_identify (self->selected);
}

static void
action_duplicate (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);
  g_autoptr(GError) error = NULL;
  HapSimAccessory *copy = hap_sim_workspace_duplicate (self->workspace, self->selected, &error);

  show_result (self, copy, _("Cannot duplicate"), _("Created"), error);
}

static void
on_quirks_changed (HapSimWindow *self)
{
  g_autoptr(GError) error = NULL;

  /* Quirks toggled in the window are kept in the accessory file, as if declared there. */
  if (self->selected != NULL && !hap_sim_workspace_save_quirks (self->workspace, self->selected, &error))
    hap_sim_ui_toast_error (GTK_WIDGET (self), _("Quirks not saved"), error);
}

/* Editor: new accessory, new bridge, or edit of the selected one. */
typedef struct
{
  HapSimWindow    *window;
  HapSimAccessory *accessory;   /* edited, or NULL for a new one */
} EditorData;

static void
editor_data_free (gpointer data)
{
  EditorData *editor = data;

  g_clear_object (&editor->accessory);
  g_free (editor);
}

static void
on_editor_done (HapSimAccessoryEditor *editor, JsonNode *definition, EditorData *data)
{
  HapSimWindow *self = data->window;
  g_autoptr(GError) error = NULL;
  HapSimAccessory *result;

  if (data->accessory != NULL)
    result = hap_sim_workspace_replace (self->workspace, data->accessory, definition, &error);
  else
    result = hap_sim_workspace_create (self->workspace, definition, &error);
  if (result == NULL)
    {
      hap_sim_accessory_editor_show_error (editor, error->message);
      return;
    }
  show_result (self, result, NULL, data->accessory ? _("Saved") : _("Created"), NULL);
  gtk_window_destroy (GTK_WINDOW (editor));
}

static void
open_editor (HapSimWindow *self, HapSimAccessory *accessory, gboolean bridge)
{
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(GError) error = NULL;
  HapSimAccessoryEditor *editor;
  EditorData *data;

  if (accessory != NULL &&
      (definition = hap_sim_workspace_dup_definition (self->workspace, accessory, &error)) == NULL)
    {
      hap_sim_ui_toast_error (GTK_WIDGET (self), _("Cannot edit"), error);
      return;
    }
  editor = hap_sim_accessory_editor_new (GTK_WINDOW (self), definition, bridge);
  hap_sim_accessory_editor_list_adapters (editor, hap_sim_workspace_get_engine (self->workspace));
  data = g_new0 (EditorData, 1);
  data->window = self;
  data->accessory = accessory ? g_object_ref (accessory) : NULL;
  g_signal_connect_data (editor, "done", G_CALLBACK (on_editor_done), data,
                         (GClosureNotify) (void (*) (void)) editor_data_free, 0);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
action_new_accessory (GtkWidget *widget, const char *action, GVariant *parameter)
{
  open_editor (HAP_SIM_WINDOW (widget), NULL, g_str_equal (action, "win.new-bridge"));
}

static void
action_edit (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);

  open_editor (self, self->selected, FALSE);
}

/* Rename: a message dialog with an entry. */
static void
on_rename_response (AdwMessageDialog *dialog, const char *response, HapSimWindow *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  HapSimAccessory *accessory = g_object_get_data (G_OBJECT (dialog), "accessory");
  g_autoptr(GError) error = NULL;
  HapSimAccessory *renamed;

  if (!g_str_equal (response, "rename"))
    return;
  renamed = hap_sim_workspace_rename (self->workspace, accessory, gtk_editable_get_text (entry), &error);
  show_result (self, renamed, _("Cannot rename"), _("Renamed to"), error);
}

static void
on_rename_entry_changed (GtkEditable *entry, AdwMessageDialog *dialog)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "rename", text[0] != '\0');
}

static void
action_rename (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);
  GtkWidget *dialog = hap_sim_ui_message_dialog_new (GTK_WINDOW (self), _("Rename Accessory"), NULL);
  GtkWidget *entry = gtk_entry_new ();

  gtk_editable_set_text (GTK_EDITABLE (entry), hap_sim_accessory_get_name (self->selected));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, _("New Name"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "accessory", g_object_ref (self->selected), g_object_unref);
  g_signal_connect (entry, "changed", G_CALLBACK (on_rename_entry_changed), dialog);
  g_signal_connect (dialog, "response", G_CALLBACK (on_rename_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_delete_response (AdwMessageDialog *dialog, const char *response, HapSimWindow *self)
{
  HapSimAccessory *accessory = g_object_get_data (G_OBJECT (dialog), "accessory");
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "delete"))
    return;
  name = g_strdup (hap_sim_accessory_get_name (accessory));
  if (!hap_sim_workspace_delete (self->workspace, accessory, &error))
    {
      hap_sim_ui_toast_error (GTK_WIDGET (self), _("Cannot delete"), error);
      return;
    }
  text = g_strdup_printf (_("Deleted “%s”"), name);
  hap_sim_window_toast (self, text);
}

static void
action_delete (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);
  GtkWidget *dialog = hap_sim_ui_message_dialog_new (GTK_WINDOW (self), NULL, NULL);

  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Delete “%s”?"),
                                     hap_sim_accessory_get_name (self->selected));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its file, identity and pairings are deleted. Controllers paired with it "
                               "will see it as unreachable."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "delete", _("_Delete"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "accessory", g_object_ref (self->selected), g_object_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (on_delete_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Import and export: GtkFileChooserNative (GtkFileDialog is GTK 4.10). */
static GtkFileFilter *
json_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Accessory files (JSON)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_mime_type (filter, "application/json");
  return filter;
}

static void
on_import_response (GtkNativeDialog *chooser, int response, HapSimWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GError) error = NULL;
      HapSimAccessory *accessory = hap_sim_workspace_import (self->workspace, file, &error);

      show_result (self, accessory, _("Cannot import"), _("Imported"), error);
    }
  hap_sim_ui_release_chooser (chooser);
}

static void
action_import (GtkWidget *widget, const char *action, GVariant *parameter)
{
  /* A device dump (what a real device answered to GET /accessories, `hapctl clone`, or a
   * Home Assistant diagnostics download) is an accessory file to the loader. */
  gboolean dump = g_str_equal (action, "win.import-dump");
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (dump ? _("Import Device Dump") : _("Import Accessory File"),
                                                               GTK_WINDOW (widget),
                                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"), _("_Cancel"));

  /* Modal like the traffic page's: the portal (issue 15) passes this on to the desktop's
   * dialog, and the window's state should not change under an open chooser. */
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), json_filter ());
  g_signal_connect (chooser, "response", G_CALLBACK (on_import_response), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
on_export_response (GtkNativeDialog *chooser, int response, HapSimWindow *self)
{
  HapSimAccessory *accessory = g_object_get_data (G_OBJECT (chooser), "accessory");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autoptr(GError) error = NULL;

      if (!hap_sim_workspace_export (self->workspace, accessory, file, &error))
        hap_sim_ui_toast_error (GTK_WIDGET (self), _("Cannot export"), error);
      else
        hap_sim_window_toast (self, _("Exported"));
    }
  hap_sim_ui_release_chooser (chooser);
}

static void
action_export (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (_("Export Accessory File"), GTK_WINDOW (widget),
                                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  g_autofree char *name = g_strconcat (hap_sim_accessory_get_id (self->selected), ".json", NULL);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), json_filter ());
  g_object_set_data_full (G_OBJECT (chooser), "accessory", g_object_ref (self->selected), g_object_unref);
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_page (GtkWidget *widget, const char *action, GVariant *parameter)
{
  hap_sim_window_show_page (HAP_SIM_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
action_step (GtkWidget *widget, const char *action, GVariant *parameter)
{
  HapSimWindow *self = HAP_SIM_WINDOW (widget);
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->accessory_list);
  int index = row ? gtk_list_box_row_get_index (row) : -1;
  GtkListBoxRow *next = gtk_list_box_get_row_at_index (self->accessory_list, index + g_variant_get_int32 (parameter));

  if (next != NULL)
    gtk_list_box_select_row (self->accessory_list, next);
}

/* ---- life cycle --------------------------------------------------------------------- */

static void
hap_sim_window_constructed (GObject *object)
{
  HapSimWindow *self = HAP_SIM_WINDOW (object);
  HapSimEngine *engine;
  GPtrArray *all;
  g_autofree char *last = NULL;

  G_OBJECT_CLASS (hap_sim_window_parent_class)->constructed (object);
  g_assert (self->workspace != NULL && self->settings != NULL);

  engine = hap_sim_workspace_get_engine (self->workspace);
  gtk_list_box_bind_model (self->accessory_list, G_LIST_MODEL (self->accessories), create_row, NULL, NULL);
  all = hap_sim_engine_get_accessories (engine);
  for (guint i = 0; i < all->len; i++)
    on_accessory_added (engine, g_ptr_array_index (all, i), self);
  self->added_id = g_signal_connect (engine, "accessory-added", G_CALLBACK (on_accessory_added), self);
  self->removed_id = g_signal_connect (engine, "accessory-removed", G_CALLBACK (on_accessory_removed), self);

  gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  set_selected (self, NULL);
  update_empty (self);
  last = g_settings_get_string (self->settings, "last-accessory");
  if (!(last[0] != '\0' && hap_sim_window_select (self, last)) && all->len > 0)
    select_accessory (self, g_ptr_array_index (all, 0));
}

static gboolean
hap_sim_window_close_request (GtkWindow *window)
{
  HapSimWindow *self = HAP_SIM_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  return GTK_WINDOW_CLASS (hap_sim_window_parent_class)->close_request (window);
}

static void
hap_sim_window_dispose (GObject *object)
{
  HapSimWindow *self = HAP_SIM_WINDOW (object);

  if (self->workspace != NULL)
    {
      HapSimEngine *engine = hap_sim_workspace_get_engine (self->workspace);

      g_clear_signal_handler (&self->added_id, engine);
      g_clear_signal_handler (&self->removed_id, engine);
    }
  for (guint i = 0; self->accessories && i < g_list_model_get_n_items (G_LIST_MODEL (self->accessories)); i++)
    {
      g_autoptr(HapSimAccessory) accessory = g_list_model_get_item (G_LIST_MODEL (self->accessories), i);
      g_signal_handlers_disconnect_by_data (accessory, self);
    }
  if (self->selected != NULL)
    g_signal_handlers_disconnect_by_data (self->selected, self);
  g_clear_object (&self->selected);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_WINDOW);
  g_clear_object (&self->accessories);
  g_clear_object (&self->workspace);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (hap_sim_window_parent_class)->dispose (object);
}

static void
hap_sim_window_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimWindow *self = HAP_SIM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      g_value_set_object (value, self->workspace);
      break;
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_window_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HapSimWindow *self = HAP_SIM_WINDOW (object);

  switch (prop_id)
    {
    case PROP_WORKSPACE:
      self->workspace = g_value_dup_object (value);
      break;
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_window_class_init (HapSimWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  static const char * const pages[] = { "controls", "setup", "pairings", "traffic", "quirks", "bluetooth" };

  object_class->constructed = hap_sim_window_constructed;
  object_class->dispose = hap_sim_window_dispose;
  object_class->get_property = hap_sim_window_get_property;
  object_class->set_property = hap_sim_window_set_property;
  window_class->close_request = hap_sim_window_close_request;

  properties [PROP_WORKSPACE] =
    g_param_spec_object ("workspace", NULL, NULL, HAP_SIM_TYPE_WORKSPACE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties [PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The page classes appear in the template. */
  g_type_ensure (HAP_SIM_TYPE_CONTROLS_PAGE);
  g_type_ensure (HAP_SIM_TYPE_SETUP_PAGE);
  g_type_ensure (HAP_SIM_TYPE_PAIRINGS_PAGE);
  g_type_ensure (HAP_SIM_TYPE_TRAFFIC_PAGE);
  g_type_ensure (HAP_SIM_TYPE_QUIRKS_PAGE);
  g_type_ensure (HAP_SIM_TYPE_BLE_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/hap-sim-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, content);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, accessory_list);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, running_button);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, controls_page);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, setup_page);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, pairings_page);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, traffic_page);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, quirks_page);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, ble_page);
  gtk_widget_class_bind_template_child (widget_class, HapSimWindow, ble_stack_page);
  gtk_widget_class_bind_template_callback (widget_class, on_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_quirks_changed);

  gtk_widget_class_install_action (widget_class, "win.toast", "s", action_toast);
  gtk_widget_class_install_action (widget_class, "win.new-accessory", NULL, action_new_accessory);
  gtk_widget_class_install_action (widget_class, "win.new-bridge", NULL, action_new_accessory);
  gtk_widget_class_install_action (widget_class, "win.import", NULL, action_import);
  gtk_widget_class_install_action (widget_class, "win.import-dump", NULL, action_import);
  gtk_widget_class_install_action (widget_class, "win.export", NULL, action_export);
  gtk_widget_class_install_action (widget_class, "win.edit", NULL, action_edit);
  gtk_widget_class_install_action (widget_class, "win.rename", NULL, action_rename);
  gtk_widget_class_install_action (widget_class, "win.duplicate", NULL, action_duplicate);
  gtk_widget_class_install_action (widget_class, "win.delete", NULL, action_delete);
  gtk_widget_class_install_action (widget_class, "win.toggle-running", NULL, action_toggle_running);
  gtk_widget_class_install_action (widget_class, "win.power-cycle", NULL, action_power_cycle);
  gtk_widget_class_install_action (widget_class, "win.restart", NULL, action_restart);
  gtk_widget_class_install_action (widget_class, "win.identify", NULL, action_identify);
  gtk_widget_class_install_action (widget_class, "win.page", "s", action_page);
  gtk_widget_class_install_action (widget_class, "win.step", "i", action_step);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.new-accessory", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.new-bridge", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.export", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "win.edit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "win.rename", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "win.duplicate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, GDK_CONTROL_MASK, "win.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, GDK_CONTROL_MASK, "win.toggle-running", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK, "win.identify", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, GDK_CONTROL_MASK, "win.step", "i", -1);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, GDK_CONTROL_MASK, "win.step", "i", 1);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1 + i, GDK_ALT_MASK, "win.page", "s", pages[i]);
}

static void
hap_sim_window_init (HapSimWindow *self)
{
  self->accessories = g_list_store_new (HAP_SIM_TYPE_ACCESSORY);
  gtk_widget_init_template (GTK_WIDGET (self));
}

HapSimWindow *
hap_sim_window_new (GtkApplication *application, HapSimWorkspace *workspace, GSettings *settings)
{
  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (workspace), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (HAP_SIM_TYPE_WINDOW,
                       "application", application,
                       "workspace", workspace,
                       "settings", settings,
                       NULL);
}
