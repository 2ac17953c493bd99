/* hap-sim-pairings-page.c — the window's "Pairings" page: the controllers paired with the
 * selected accessory, its live sessions, and factory reset
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-pairings-page.h"
#include "hap-sim-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hap-sim-inspect.h"
#include "hap-sim-ui-util.h"

struct _HapSimPairingsPage
{
  GtkWidget        parent_instance;

  HapSimAccessory *accessory;
  guint            tick_id;      /* sessions read again while mapped */

  GtkStack        *stack;
  GtkListBox      *pairings_list;
  GtkListBox      *sessions_list;
  GtkLabel        *sessions_placeholder;
};

enum { PROP_0, PROP_ACCESSORY, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimPairingsPage, hap_sim_pairings_page, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];

/* ---- confirmations ------------------------------------------------------------------ */

/* An AdwMessageDialog over the page's window that carries what it acts on: the answer
 * may come after the page shows another accessory. */
static AdwMessageDialog *
confirmation_new (HapSimPairingsPage *self,
                  const char         *heading,
                  const char         *body,
                  const char         *response,
                  const char         *label)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = hap_sim_ui_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                     heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"), response, label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  g_object_set_data_full (G_OBJECT (dialog), "hap-sim-accessory",
                          g_object_ref (self->accessory), g_object_unref);
  return ADW_MESSAGE_DIALOG (dialog);
}

static void
on_remove_response (AdwMessageDialog   *dialog,
                    const char         *response,
                    HapSimPairingsPage *self)
{
  HapSimAccessory *accessory = g_object_get_data (G_OBJECT (dialog), "hap-sim-accessory");
  const char *controller = g_object_get_data (G_OBJECT (dialog), "hap-sim-controller");
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;

  if (g_strcmp0 (response, "remove") != 0)
    return;
  if (!hap_sim_inspect_remove_pairing (accessory, controller, &error))
    {
      hap_sim_ui_toast_error (GTK_WIDGET (self), _("Cannot remove the pairing"), error);
      return;
    }
  done = g_strdup_printf (_("Removed the pairing of %s"), controller);
  hap_sim_ui_toast (GTK_WIDGET (self), done);
}

static void
on_remove_clicked (GtkButton *button, HapSimPairingsPage *self)
{
  const char *controller = g_object_get_data (G_OBJECT (button), "hap-sim-controller");
  g_autofree char *heading = g_strdup_printf (_("Remove the pairing of %s?"), controller);
  g_autofree char *body = g_strdup_printf (_("The controller can no longer control “%s” and its "
                                           "connections are closed. It has to pair again to "
                                           "come back."),
                                           hap_sim_accessory_get_name (self->accessory));
  AdwMessageDialog *dialog = confirmation_new (self, heading, body, "remove", "_Remove");

  g_object_set_data_full (G_OBJECT (dialog), "hap-sim-controller", g_strdup (controller), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_factory_reset_response (AdwMessageDialog   *dialog,
                           const char         *response,
                           HapSimPairingsPage *self)
{
  HapSimAccessory *accessory = g_object_get_data (G_OBJECT (dialog), "hap-sim-accessory");
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;

  if (g_strcmp0 (response, "reset") != 0)
    return;
  if (!hap_sim_accessory_factory_reset (accessory, &error))
    {
      hap_sim_ui_toast_error (GTK_WIDGET (self), _("Factory reset failed"), error);
      return;
    }
  done = g_strdup_printf (_("%s was reset: it has a new identity"),
                          hap_sim_accessory_get_name (accessory));
  hap_sim_ui_toast (GTK_WIDGET (self), done);
}

static void
on_factory_reset_clicked (HapSimPairingsPage *self)
{
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  if (self->accessory == NULL)
    return;
  heading = g_strdup_printf (_("Factory reset %s?"), hap_sim_accessory_get_name (self->accessory));
  dialog = confirmation_new (self, heading,
                             "Its pairings, keys and setup code are wiped and it gets a new "
                             "identity, with a new device ID: every controller has to pair "
                             "again.",
                             "reset", "_Factory Reset");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_factory_reset_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- pairings: rows made from the accessory's model --------------------------------- */

static GtkWidget *
pairing_row_new (gpointer item, gpointer user_data)
{
  HapSimPairingsPage *self = user_data;
  HapSimPairing *pairing = item;
  const char *controller = hap_sim_pairing_get_controller_id (pairing);
  gboolean running = hap_sim_accessory_get_server (self->accessory) != NULL;
  g_autofree char *title = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *since = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *label = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

  /* Markup for the monospace fingerprint; the controller's id is text. */
  title = g_markup_escape_text (controller, -1);
  escaped = g_markup_escape_text (hap_sim_pairing_get_fingerprint (pairing), -1);
  since = hap_sim_ui_format_time (hap_sim_pairing_get_added (pairing) * G_USEC_PER_SEC);
  subtitle = g_strdup_printf (_("%s · <tt>%s</tt> · since %s"),
                              hap_sim_pairing_get_admin (pairing) ? _("Admin") : _("User"),
                              escaped, since);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  label = g_strdup_printf (_("Remove Pairing %s"), controller);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_tooltip_text (button, running ? _("Remove Pairing")
                                               : _("Start the accessory to remove pairings"));
  gtk_widget_set_sensitive (button, running);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data_full (G_OBJECT (button), "hap-sim-controller", g_strdup (controller), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (on_remove_clicked), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

/* ---- sessions: rows that follow their session's counters ----------------------------- */

static void
session_row_update (GtkWidget *row, GParamSpec *pspec, HapSimSession *session)
{
  GtkLabel *counters = g_object_get_data (G_OBJECT (row), "hap-sim-counters");
  GtkLabel *subscriptions = g_object_get_data (G_OBJECT (row), "hap-sim-subscriptions");
  const char *controller = hap_sim_session_get_controller_id (session);
  const char * const *subs = hap_sim_session_get_subscriptions (session);
  guint64 requests = hap_sim_session_get_requests (session);
  g_autofree char *since = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *in = NULL;
  g_autofree char *out = NULL;
  g_autofree char *text = NULL;
  g_autofree char *count = NULL;
  g_autofree char *list = NULL;
  guint n_subs = g_strv_length ((char **) subs);

  since = hap_sim_ui_format_time (hap_sim_session_get_connected (session));
  subtitle = g_strdup_printf (_("%s · since %s"), *controller ? controller : _("not verified"), since);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), hap_sim_session_get_peer (session));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  in = g_format_size (hap_sim_session_get_bytes_in (session));
  out = g_format_size (hap_sim_session_get_bytes_out (session));
  text = g_strdup_printf (ngettext ("%llu request · %s in · %s out", "%llu requests · %s in · %s out",
                                    (gulong) MIN (requests, G_MAXULONG)),
                          (unsigned long long) requests, in, out);
  gtk_label_set_label (counters, text);

  if (n_subs == 0)
    count = g_strdup (_("No subscriptions"));
  else
    count = g_strdup_printf (ngettext ("%u subscription", "%u subscriptions", n_subs), n_subs);
  list = g_strjoinv ("\n", (char **) subs);
  gtk_label_set_label (subscriptions, count);
  gtk_widget_set_tooltip_text (GTK_WIDGET (subscriptions), n_subs > 0 ? list : NULL);
}

static GtkWidget *
session_row_new (gpointer item, gpointer user_data)
{
  HapSimSession *session = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *counters = gtk_label_new (NULL);
  GtkWidget *subscriptions = gtk_label_new (NULL);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_label_set_xalign (GTK_LABEL (counters), 1);
  gtk_label_set_xalign (GTK_LABEL (subscriptions), 1);
  gtk_widget_add_css_class (counters, "numeric");
  gtk_widget_add_css_class (counters, "dim-label");
  gtk_widget_add_css_class (subscriptions, "dim-label");
  gtk_widget_add_css_class (subscriptions, "caption");
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), counters);
  gtk_box_append (GTK_BOX (box), subscriptions);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "hap-sim-counters", counters);
  g_object_set_data (G_OBJECT (row), "hap-sim-subscriptions", subscriptions);
  /* The row lives no longer than the session's place in the model: the session may
   * outlive it (ListSessions holds it a moment), hence connect_object. */
  g_signal_connect_object (session, "notify", G_CALLBACK (session_row_update), row,
                           G_CONNECT_SWAPPED);
  session_row_update (row, NULL, session);
  return row;
}

/* ---- following the accessory -------------------------------------------------------- */

/* Rows are made again (the remove buttons depend on whether it runs), and the
 * placeholder says why there are no sessions. */
static void
bind_models (HapSimPairingsPage *self)
{
  if (self->accessory == NULL)
    {
      gtk_list_box_bind_model (self->pairings_list, NULL, NULL, NULL, NULL);
      gtk_list_box_bind_model (self->sessions_list, NULL, NULL, NULL, NULL);
      return;
    }
  gtk_label_set_label (self->sessions_placeholder,
                       hap_sim_accessory_get_server (self->accessory) != NULL
                       ? _("No Live Sessions") : _("Not Running"));
  gtk_list_box_bind_model (self->pairings_list, hap_sim_accessory_get_pairings (self->accessory),
                           pairing_row_new, self, NULL);
  gtk_list_box_bind_model (self->sessions_list, hap_sim_accessory_get_sessions (self->accessory),
                           session_row_new, self, NULL);
}

/* Connections that are not verified yet signal nothing, and counters tick: the
 * sessions are read again every second while the page is shown. */
static gboolean
on_tick (gpointer user_data)
{
  HapSimPairingsPage *self = user_data;

  /* A stopped accessory has no sessions, and its pairings would be read from disk. */
  if (self->accessory != NULL && hap_sim_accessory_get_server (self->accessory) != NULL)
    hap_sim_accessory_update_models (self->accessory);
  return G_SOURCE_CONTINUE;
}

static void
hap_sim_pairings_page_map (GtkWidget *widget)
{
  HapSimPairingsPage *self = HAP_SIM_PAIRINGS_PAGE (widget);

  GTK_WIDGET_CLASS (hap_sim_pairings_page_parent_class)->map (widget);
  on_tick (self);
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, on_tick, self);
}

static void
hap_sim_pairings_page_unmap (GtkWidget *widget)
{
  HapSimPairingsPage *self = HAP_SIM_PAIRINGS_PAGE (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  GTK_WIDGET_CLASS (hap_sim_pairings_page_parent_class)->unmap (widget);
}

static void
hap_sim_pairings_page_dispose (GObject *object)
{
  HapSimPairingsPage *self = HAP_SIM_PAIRINGS_PAGE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->accessory != NULL)
    g_signal_handlers_disconnect_by_data (self->accessory, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_PAIRINGS_PAGE);
  g_clear_object (&self->accessory);
  G_OBJECT_CLASS (hap_sim_pairings_page_parent_class)->dispose (object);
}

static void
hap_sim_pairings_page_class_init (HapSimPairingsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_pairings_page_dispose;
  widget_class->map = hap_sim_pairings_page_map;
  widget_class->unmap = hap_sim_pairings_page_unmap;

  properties [PROP_ACCESSORY] =
    hap_sim_page_class_install_accessory (object_class,
                                          (HapSimPageGetAccessory) hap_sim_pairings_page_get_accessory,
                                          (HapSimPageSetAccessory) hap_sim_pairings_page_set_accessory);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/"
                                                             "hap-sim-pairings-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, HapSimPairingsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimPairingsPage, pairings_list);
  gtk_widget_class_bind_template_child (widget_class, HapSimPairingsPage, sessions_list);
  gtk_widget_class_bind_template_child (widget_class, HapSimPairingsPage, sessions_placeholder);
  gtk_widget_class_bind_template_callback (widget_class, on_factory_reset_clicked);
}

static void
hap_sim_pairings_page_init (HapSimPairingsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hap_sim_pairings_page_new (void)
{
  return g_object_new (HAP_SIM_TYPE_PAIRINGS_PAGE, NULL);
}

void
hap_sim_pairings_page_set_accessory (HapSimPairingsPage *self, HapSimAccessory *accessory)
{
  g_return_if_fail (HAP_SIM_IS_PAIRINGS_PAGE (self));
  g_return_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory));

  if (!hap_sim_page_swap_accessory (self, &self->accessory, accessory))
    return;
  if (accessory != NULL)
    {
      g_signal_connect_swapped (accessory, "state-changed", G_CALLBACK (bind_models), self);
      hap_sim_accessory_update_models (accessory);
    }
  bind_models (self);
  gtk_stack_set_visible_child_name (self->stack, accessory != NULL ? "pairings" : "no-accessory");
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_pairings_page_get_accessory (HapSimPairingsPage *self)
{
  g_return_val_if_fail (HAP_SIM_IS_PAIRINGS_PAGE (self), NULL);
  return self->accessory;
}
