/* hap-sim-traffic-page.c — the window's "Traffic" page: the decoded trace of the selected
 * accessory, live, with filters, a detail pane, export and clear
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-traffic-page.h"
#include "hap-sim-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hap-sim-trace-text.h"
#include "hap-sim-ui-util.h"

/* IP sessions and BLE links are numbered apart, so their ids may be equal: a BLE link's
 * key in the session filter has this bit set. */
#define SESSION_BLE (G_GUINT64_CONSTANT (1) << 63)

/* The transport drop-down's items, in the template's order. */
enum { TRANSPORT_ALL, TRANSPORT_IP, TRANSPORT_BLE };

struct _HapSimTrafficPage
{
  GtkWidget             parent_instance;
  HapSimAccessory      *accessory;
  GListModel           *store;        /* the accessory's trace model, or an empty list */
  GtkCustomFilter      *filter;
  GArray               *sessions;     /* guint64 session keys, as in session_names after
                                       * "All Sessions" (BLE links have SESSION_BLE set) */
  guint                 groups;       /* HapSimTraceGroup of the kinds shown */
  char                 *search;       /* casefolded, or NULL */
  guint                 scroll_id;
  GtkAdjustment        *vadjustment;  /* the list's, watched while following */
  GtkFileChooserNative *export_dialog;

  GtkWidget            *child;
  GtkDropDown          *session_dropdown;
  GtkDropDown          *transport_dropdown;
  GtkStringList        *session_names;
  GtkToggleButton      *requests_toggle;
  GtkToggleButton      *responses_toggle;
  GtkToggleButton      *events_toggle;
  GtkToggleButton      *sessions_toggle;
  GtkSearchEntry       *search_entry;
  GtkToggleButton      *follow_button;
  GtkWidget            *export_button;
  GtkWidget            *clear_button;
  GtkStack             *stack;
  GtkListView          *list_view;
  GtkSingleSelection   *selection;
  GtkFilterListModel   *filter_model;
  GtkStack             *detail_stack;
  GtkTextView          *detail_view;
};

enum { PROP_0, PROP_ACCESSORY, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimTrafficPage, hap_sim_traffic_page, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];

/* ---- the state shown ---------------------------------------------------------------- */

static void
update_state (HapSimTrafficPage *self)
{
  guint stored = g_list_model_get_n_items (self->store);
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));

  if (stored == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else if (shown == 0)
    gtk_stack_set_visible_child_name (self->stack, "no-match");
  else
    gtk_stack_set_visible_child_name (self->stack, "traffic");
  gtk_widget_set_sensitive (self->export_button, shown > 0);
  gtk_widget_set_sensitive (self->clear_button, self->accessory != NULL && stored > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->session_dropdown), self->accessory != NULL);
}

static void
move_to_end (GtkAdjustment *adjustment)
{
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                        gtk_adjustment_get_page_size (adjustment));
}

static gboolean
scroll_to_end_cb (gpointer user_data)
{
  HapSimTrafficPage *self = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filter_model));

  self->scroll_id = 0;
  if (n > 0 && gtk_toggle_button_get_active (self->follow_button))
    {
      gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", n - 1);
      if (self->vadjustment != NULL)
        move_to_end (self->vadjustment);
    }
  return G_SOURCE_REMOVE;
}

/* GtkListView estimates the height of rows it has not measured yet, so scrolling to the
 * last item can stop short of it when the machine is slow to lay the rows out; the
 * adjustment grows once they are. While following, the view goes to the end whenever the
 * list's size changes (a user's scrolling changes the value, not the size). */
static void
on_vadjustment_changed_cb (GtkAdjustment     *adjustment,
                           HapSimTrafficPage *self)
{
  if (gtk_toggle_button_get_active (self->follow_button) &&
      g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) > 0)
    move_to_end (adjustment);
}

/* After the rows are laid out: scrolling from items-changed itself would race the view. */
static void
queue_scroll_to_end (HapSimTrafficPage *self)
{
  if (self->scroll_id == 0)
    self->scroll_id = g_idle_add_full (G_PRIORITY_LOW, scroll_to_end_cb, self, NULL);
}

static void
on_shown_items_changed_cb (HapSimTrafficPage *self,
                           guint              position,
                           guint              removed,
                           guint              added,
                           GListModel        *model)
{
  update_state (self);
  if (added > 0 && gtk_toggle_button_get_active (self->follow_button) &&
      position + added == g_list_model_get_n_items (model))
    queue_scroll_to_end (self);
}

/* Scrolling a list that is not shown (another page of the window is) does nothing: catch
 * up with the newest traffic when the page appears. */
static void
hap_sim_traffic_page_map (GtkWidget *widget)
{
  HapSimTrafficPage *self = HAP_SIM_TRAFFIC_PAGE (widget);
  GtkAdjustment *adjustment;

  GTK_WIDGET_CLASS (hap_sim_traffic_page_parent_class)->map (widget);
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));
  if (adjustment != self->vadjustment)
    {
      if (self->vadjustment != NULL)
        g_signal_handlers_disconnect_by_func (self->vadjustment, on_vadjustment_changed_cb, self);
      g_set_object (&self->vadjustment, adjustment);
      if (adjustment != NULL)
        g_signal_connect_object (adjustment, "changed", G_CALLBACK (on_vadjustment_changed_cb),
                                 self, 0);
    }
  queue_scroll_to_end (self);
}

static void
on_selected_item_cb (HapSimTrafficPage *self)
{
  HapSimTraceEntry *entry = gtk_single_selection_get_selected_item (self->selection);
  g_autofree char *detail = NULL;

  if (entry == NULL)
    {
      gtk_stack_set_visible_child_name (self->detail_stack, "none");
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->detail_view), "", 0);
      return;
    }
  detail = hap_sim_trace_text_dup_detail (entry);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->detail_view), detail, -1);
  gtk_stack_set_visible_child_name (self->detail_stack, "detail");
}

/* ---- rows ----------------------------------------------------------------------------- */

static GtkWidget *
row_label (GtkWidget *box, int width_chars, gboolean dim)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (width_chars > 0)
    gtk_label_set_width_chars (GTK_LABEL (label), width_chars);
  if (dim)
    {
      gtk_widget_add_css_class (label, "numeric");
      gtk_widget_add_css_class (label, "dim-label");
    }
  gtk_box_append (GTK_BOX (box), label);
  return label;
}

static void
on_setup_row_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 HapSimTrafficPage        *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *summary;

  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  row_label (box, 12, TRUE);
  row_label (box, 3, TRUE);
  row_label (box, 4, TRUE);
  row_label (box, 9, FALSE);
  summary = row_label (box, -1, FALSE);
  gtk_widget_set_hexpand (summary, TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (summary), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, box);
}

static void
on_bind_row_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                HapSimTrafficPage        *self)
{
  HapSimTraceEntry *entry = gtk_list_item_get_item (item);
  GtkWidget *time = gtk_widget_get_first_child (gtk_list_item_get_child (item));
  GtkWidget *transport = gtk_widget_get_next_sibling (time);
  GtkWidget *session = gtk_widget_get_next_sibling (transport);
  GtkWidget *kind = gtk_widget_get_next_sibling (session);
  GtkWidget *summary = gtk_widget_get_next_sibling (kind);
  const char *classes[] = { "caption-heading", hap_sim_trace_text_get_style_class (entry), NULL };
  g_autofree char *number = NULL;
  guint64 id;

  if (hap_sim_trace_entry_get_session (entry, &id))
    number = g_strdup_printf ("#%" G_GUINT64_FORMAT, id);
  gtk_label_set_text (GTK_LABEL (time), hap_sim_trace_text_get_time_label (entry));
  gtk_label_set_text (GTK_LABEL (transport),
                      hap_sim_trace_entry_get_transport (entry) == HAP_TRANSPORT_BLE ? _("BLE") : _("IP"));
  gtk_label_set_text (GTK_LABEL (session), number ?: "");
  gtk_label_set_text (GTK_LABEL (kind), hap_sim_trace_text_get_kind_label (entry));
  gtk_widget_set_css_classes (kind, classes);
  gtk_label_set_text (GTK_LABEL (summary), hap_sim_trace_text_get_summary (entry));
  gtk_widget_set_tooltip_text (summary, hap_sim_trace_text_get_summary (entry));
}

/* ---- filtering ------------------------------------------------------------------------ */

/* The entry's key in the session filter (see SESSION_BLE). */
static gboolean
session_key (HapSimTraceEntry *entry, guint64 *key)
{
  guint64 session;

  if (!hap_sim_trace_entry_get_session (entry, &session))
    return FALSE;
  *key = session | (hap_sim_trace_entry_get_transport (entry) == HAP_TRANSPORT_BLE ? SESSION_BLE : 0);
  return TRUE;
}

static gboolean
filter_entry (gpointer item, gpointer user_data)
{
  HapSimTrafficPage *self = user_data;
  HapSimTraceEntry *entry = item;
  guint index = gtk_drop_down_get_selected (self->session_dropdown);
  guint transport = gtk_drop_down_get_selected (self->transport_dropdown);
  gboolean ble = hap_sim_trace_entry_get_transport (entry) == HAP_TRANSPORT_BLE;
  guint64 session;

  if ((hap_sim_trace_text_get_group (entry) & self->groups) == 0)
    return FALSE;
  if ((transport == TRANSPORT_IP && ble) || (transport == TRANSPORT_BLE && !ble))
    return FALSE;
  if (index > 0 && index <= self->sessions->len &&
      (!session_key (entry, &session) || session != g_array_index (self->sessions, guint64, index - 1)))
    return FALSE;
  return hap_sim_trace_text_matches (entry, self->accessory, self->search);
}

static void
on_kind_toggled_cb (HapSimTrafficPage *self)
{
  self->groups = (gtk_toggle_button_get_active (self->requests_toggle)
                    ? HAP_SIM_TRACE_GROUP_REQUESTS : 0) |
                 (gtk_toggle_button_get_active (self->responses_toggle)
                    ? HAP_SIM_TRACE_GROUP_RESPONSES : 0) |
                 (gtk_toggle_button_get_active (self->events_toggle)
                    ? HAP_SIM_TRACE_GROUP_EVENTS : 0) |
                 (gtk_toggle_button_get_active (self->sessions_toggle)
                    ? HAP_SIM_TRACE_GROUP_SESSIONS : 0);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_session_selected_cb (HapSimTrafficPage *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_search_changed_cb (HapSimTrafficPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_clear_pointer (&self->search, g_free);
  if (text != NULL && *text != '\0')
    self->search = g_utf8_casefold (text, -1);
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_follow_toggled_cb (HapSimTrafficPage *self)
{
  if (gtk_toggle_button_get_active (self->follow_button))
    queue_scroll_to_end (self);
}

/* Back to "All Sessions" with no session known. */
static void
reset_sessions (HapSimTrafficPage *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->session_names));

  gtk_drop_down_set_selected (self->session_dropdown, 0);
  gtk_string_list_splice (self->session_names, 1, n - 1, NULL);
  g_array_set_size (self->sessions, 0);
}

static void
note_session (HapSimTrafficPage *self, HapSimTraceEntry *entry)
{
  g_autofree char *name = NULL;
  guint64 session;

  if (!session_key (entry, &session))
    return;
  for (guint i = 0; i < self->sessions->len; i++)
    if (g_array_index (self->sessions, guint64, i) == session)
      return;
  g_array_append_val (self->sessions, session);
  if (session & SESSION_BLE)
    name = g_strdup_printf (_("BLE Link %llu"), (unsigned long long) (session & ~SESSION_BLE));
  else
    name = g_strdup_printf (_("Session %llu"), (unsigned long long) session);
  gtk_string_list_append (self->session_names, name);
}

/* ---- the trace ------------------------------------------------------------------------ */

/* The store can change with nothing shown changing (all filtered out); new entries may
 * come from a session not seen yet. */
static void
on_stored_items_changed_cb (HapSimTrafficPage *self,
                            guint              position,
                            guint              removed,
                            guint              added,
                            GListModel        *model)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (model, i);

      note_session (self, entry);
    }
  update_state (self);
}

/* Shows @model (the accessory's trace, or an empty list). */
static void
set_store (HapSimTrafficPage *self, GListModel *model)
{
  guint n = g_list_model_get_n_items (model);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, on_stored_items_changed_cb, self);
  g_set_object (&self->store, model);
  reset_sessions (self);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (model, i);

      note_session (self, entry);
    }
  g_signal_connect_object (model, "items-changed",
                           G_CALLBACK (on_stored_items_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_filter_list_model_set_model (self->filter_model, model);
}

/* ---- export and clear ----------------------------------------------------------------- */

static void
on_export_response_cb (HapSimTrafficPage    *self,
                       int                   response,
                       GtkFileChooserNative *dialog)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT && file != NULL)
    {
      if (!hap_sim_traffic_page_export_to_file (self, file, &error))
        hap_sim_ui_toast_error (GTK_WIDGET (self), _("Could not export the traffic"), error);
      else
        {
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf (_("Traffic exported to “%s”"), name);

          hap_sim_ui_toast (GTK_WIDGET (self), text);
        }
    }
  hap_sim_ui_release_chooser (GTK_NATIVE_DIALOG (g_steal_pointer (&self->export_dialog)));
}

static void
on_export_clicked_cb (HapSimTrafficPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = NULL;

  if (self->accessory == NULL || self->export_dialog != NULL)
    return;
  name = g_strdup_printf ("%s-traffic.jsonl", hap_sim_accessory_get_id (self->accessory));  /* i18n-ignore: a file name */
  self->export_dialog = gtk_file_chooser_native_new (_("Export Traffic"),
                                                     GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                          : NULL,
                                                     GTK_FILE_CHOOSER_ACTION_SAVE,
                                                     _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_dialog), name);
  g_signal_connect_swapped (self->export_dialog, "response",
                            G_CALLBACK (on_export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_dialog));
}

static void
on_clear_clicked_cb (HapSimTrafficPage *self)
{
  if (self->accessory == NULL)
    return;
  /* The model follows: it drops what the trace dropped. */
  hap_sim_trace_clear (hap_sim_accessory_get_trace (self->accessory));
  reset_sessions (self);
}

/* ---- the object ----------------------------------------------------------------------- */

static void
hap_sim_traffic_page_dispose (GObject *object)
{
  HapSimTrafficPage *self = HAP_SIM_TRAFFIC_PAGE (object);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_func (self->store, on_stored_items_changed_cb, self);
  g_clear_handle_id (&self->scroll_id, g_source_remove);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->vadjustment, on_vadjustment_changed_cb, self);
  g_clear_object (&self->vadjustment);
  if (self->export_dialog != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->export_dialog, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_dialog));
      g_clear_object (&self->export_dialog);
    }
  if (self->filter != NULL)
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_TRAFFIC_PAGE);
  g_clear_object (&self->filter);
  g_clear_object (&self->store);
  g_clear_object (&self->accessory);
  G_OBJECT_CLASS (hap_sim_traffic_page_parent_class)->dispose (object);
}

static void
hap_sim_traffic_page_finalize (GObject *object)
{
  HapSimTrafficPage *self = HAP_SIM_TRAFFIC_PAGE (object);

  g_clear_pointer (&self->sessions, g_array_unref);
  g_free (self->search);
  G_OBJECT_CLASS (hap_sim_traffic_page_parent_class)->finalize (object);
}

static void
hap_sim_traffic_page_class_init (HapSimTrafficPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_traffic_page_dispose;
  object_class->finalize = hap_sim_traffic_page_finalize;

  properties [PROP_ACCESSORY] =
    hap_sim_page_class_install_accessory (object_class,
                                          (HapSimPageGetAccessory) hap_sim_traffic_page_get_accessory,
                                          (HapSimPageSetAccessory) hap_sim_traffic_page_set_accessory);

  widget_class->map = hap_sim_traffic_page_map;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/hapsim/Simulator/hap-sim-traffic-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, child);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, session_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, transport_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, session_names);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, requests_toggle);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, responses_toggle);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, events_toggle);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, sessions_toggle);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, follow_button);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, clear_button);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, selection);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, filter_model);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, detail_stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimTrafficPage, detail_view);
  gtk_widget_class_bind_template_callback (widget_class, on_session_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_kind_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_follow_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_shown_items_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_selected_item_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_bind_row_cb);
}

static void
hap_sim_traffic_page_init (HapSimTrafficPage *self)
{
  self->sessions = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->groups = HAP_SIM_TRACE_GROUP_ALL;
  self->filter = gtk_custom_filter_new (filter_entry, self, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_filter_list_model_set_filter (self->filter_model, GTK_FILTER (self->filter));
  {
    g_autoptr(GListStore) empty = g_list_store_new (HAP_SIM_TYPE_TRACE_ENTRY);

    set_store (self, G_LIST_MODEL (empty));
  }
  update_state (self);
}

/* ---- API ------------------------------------------------------------------------------ */

GtkWidget *
hap_sim_traffic_page_new (void)
{
  return g_object_new (HAP_SIM_TYPE_TRAFFIC_PAGE, NULL);
}

void
hap_sim_traffic_page_set_accessory (HapSimTrafficPage *self, HapSimAccessory *accessory)
{
  g_return_if_fail (HAP_SIM_IS_TRAFFIC_PAGE (self));
  g_return_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory));

  if (self->accessory == accessory)
    return;

  g_set_object (&self->accessory, accessory);
  if (accessory != NULL)
    set_store (self, hap_sim_accessory_get_trace_model (accessory));
  else
    {
      g_autoptr(GListStore) empty = g_list_store_new (HAP_SIM_TYPE_TRACE_ENTRY);

      set_store (self, G_LIST_MODEL (empty));
    }
  update_state (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_traffic_page_get_accessory (HapSimTrafficPage *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRAFFIC_PAGE (self), NULL);
  return self->accessory;
}

gboolean
hap_sim_traffic_page_export_to_file (HapSimTrafficPage  *self,
                                     GFile              *file,
                                     GError            **error)
{
  GListModel *shown;
  g_autoptr(GString) text = g_string_new (NULL);
  guint n;

  g_return_val_if_fail (HAP_SIM_IS_TRAFFIC_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  shown = G_LIST_MODEL (self->filter_model);
  n = g_list_model_get_n_items (shown);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (shown, i);
      g_autofree char *line = hap_sim_trace_entry_to_json (entry);

      g_string_append (text, line);
      g_string_append_c (text, '\n');
    }
  return g_file_replace_contents (file, text->str, text->len, NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}
