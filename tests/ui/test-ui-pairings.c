/* test-ui-pairings.c — the Pairings page: controllers paired over the wire, live sessions
 * and their counters, removing a pairing and factory reset through their confirmations
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <string.h>

#include "hap-sim-inspect.h"
#include "hap-sim-pairings-page.h"

typedef struct
{
  GtkWidget  *page;
  const char *text;
} Find;

static gboolean
text_mapped (gpointer data)
{
  Find *find = data;
  GtkWidget *widget = ui_find_by_text (find->page, find->text);

  return widget != NULL && gtk_widget_get_mapped (widget);
}

static gboolean
text_gone (gpointer data)
{
  Find *find = data;

  return ui_find_by_text (find->page, find->text) == NULL;
}

static GtkWidget *
wait_for_row (GtkWidget *page, const char *title)
{
  Find find = { page, title };

  ui_wait_until (text_mapped, &find, title);
  return ui_find_by_text (page, title);
}

/* The session row of @controller: its title is the peer, its subtitle names the
 * controller. */
static GtkWidget *
find_session_row (GtkWidget *page, const char *controller)
{
  g_autoptr(GPtrArray) rows = ui_find_widgets (page, ADW_TYPE_ACTION_ROW);

  for (guint i = 0; i < rows->len; i++)
    {
      const char *title = adw_preferences_row_get_title (g_ptr_array_index (rows, i));
      const char *subtitle = adw_action_row_get_subtitle (g_ptr_array_index (rows, i));

      if (g_str_has_prefix (title, "127.0.0.1:") && subtitle != NULL &&
          g_str_has_prefix (subtitle, controller))
        return g_ptr_array_index (rows, i);
    }
  return NULL;
}

typedef struct
{
  GtkWidget  *page;
  const char *controller;
} SessionFind;

static gboolean
session_shown (gpointer data)
{
  SessionFind *find = data;

  return find_session_row (find->page, find->controller) != NULL;
}

/* The remove button of @find's row is off (the row may be rebuilt meanwhile). */
static gboolean
remove_button_off (gpointer data)
{
  Find *find = data;
  GtkWidget *row = ui_find_by_text (find->page, find->text);
  GtkWidget *button = row != NULL ? ui_find_widget (row, GTK_TYPE_BUTTON) : NULL;

  return button != NULL && !gtk_widget_get_sensitive (button);
}

static gboolean
session_gone (gpointer data)
{
  return !session_shown (data);
}

/* The text of the row's suffix label that contains @word. */
static const char *
row_label (GtkWidget *row, const char *word)
{
  g_autoptr(GPtrArray) labels = ui_find_widgets (row, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (strstr (gtk_label_get_label (g_ptr_array_index (labels, i)), word) != NULL)
      return gtk_label_get_label (g_ptr_array_index (labels, i));
  return NULL;
}

static AdwMessageDialog *
find_dialog (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  AdwMessageDialog *found = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

/* Answers the confirmation the page put up with @response, as its button would. */
static void
answer_dialog (const char *response, const char *heading_prefix)
{
  AdwMessageDialog *dialog;

  ui_wait_until (dialog_shown, NULL, "a confirmation");
  dialog = find_dialog ();
  g_assert_true (g_str_has_prefix (adw_message_dialog_get_heading (dialog), heading_prefix));
  g_assert_true (adw_message_dialog_has_response (dialog, "cancel"));
  g_assert_true (adw_message_dialog_has_response (dialog, response));
  if (!g_str_equal (response, "cancel"))
    g_assert_cmpint (adw_message_dialog_get_response_appearance (dialog, response), ==,
                     ADW_RESPONSE_DESTRUCTIVE);
  g_signal_emit_by_name (dialog, "response", response);
  if (find_dialog () == dialog)
    gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The fingerprint of @controller's pairing, or NULL without one. */
static char *
pairing_fingerprint (HapSimAccessory *accessory, const char *controller)
{
  g_autoptr(GVariant) pairings = g_variant_ref_sink (hap_sim_inspect_pairings (accessory));
  g_autoptr(GVariant) pairing = NULL;
  GVariantIter iter;

  g_variant_iter_init (&iter, pairings);
  while ((pairing = g_variant_iter_next_value (&iter)) != NULL)
    {
      const char *id = NULL;
      char *fingerprint = NULL;

      g_variant_lookup (pairing, "controller-id", "&s", &id);
      if (g_strcmp0 (id, controller) == 0 &&
          g_variant_lookup (pairing, "fingerprint", "s", &fingerprint))
        return fingerprint;
      g_clear_pointer (&pairing, g_variant_unref);
    }
  return NULL;
}

static gboolean
has_pairing (HapSimAccessory *accessory, const char *controller)
{
  g_autofree char *fingerprint = pairing_fingerprint (accessory, controller);

  return fingerprint != NULL;
}

static char *
device_id (HapSimAccessory *accessory)
{
  g_autoptr(GVariant) summary = g_variant_ref_sink (hap_sim_inspect_summary (accessory));
  char *id = NULL;

  g_variant_lookup (summary, "device-id", "s", &id);
  return id;
}

typedef struct
{
  HapTestClient *admin;
  HapTestClient *guest;
  guint16        port;
} Clients;

/* The admin adds the guest, which then verifies over its own connection. */
static gpointer
add_guest_thread (gpointer data)
{
  Clients *clients = data;

  g_assert_cmpint (hap_test_client_add_pairing (clients->admin,
                                                hap_test_client_get_id (clients->guest),
                                                hap_test_client_get_public_key (clients->guest),
                                                FALSE), ==, 0);
  hap_test_client_connect (clients->guest, clients->port);
  g_assert_cmpint (hap_test_client_pair_verify (clients->guest), ==, 0);
  return NULL;
}

/* A read and a subscription, so that the admin's session counts something. */
static gpointer
traffic_thread (gpointer data)
{
  HapTestClient *admin = data;
  guint64 iid = hap_test_client_find_iid (admin, 1, "25");   /* On */
  g_autofree char *body = g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%"
                                           G_GUINT64_FORMAT ",\"ev\":true}]}", iid);
  g_autoptr(HapHttpMessage) response = hap_test_client_request (admin, "PUT", "/characteristics",
                                                                "application/hap+json", body,
                                                                strlen (body));

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 204);
  return GSIZE_TO_POINTER (iid);
}

static gpointer
wait_closed_thread (gpointer data)
{
  return GINT_TO_POINTER (hap_test_client_wait_closed (data, 5000));
}

typedef struct
{
  GtkWidget  *row;
  const char *word;
  const char *expected;
} LabelCheck;

static gboolean
label_is (gpointer data)
{
  LabelCheck *check = data;

  return g_strcmp0 (row_label (check->row, check->word), check->expected) == 0;
}

static gboolean
label_changed (gpointer data)
{
  LabelCheck *check = data;

  return g_strcmp0 (row_label (check->row, check->word), check->expected) != 0;
}

static GtkWidget *
find_button_by_label (GtkWidget *root, const char *label)
{
  g_autoptr(GPtrArray) buttons = ui_find_widgets (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (g_ptr_array_index (buttons, i)), label) == 0)
      return g_ptr_array_index (buttons, i);
  return NULL;
}

static void
test_pairings (void)
{
  UiFixture *fixture = ui_fixture_new ();
  HapSimAccessory *accessory = ui_fixture_add (fixture, "lightbulb.json");
  guint16 port = hap_accessory_server_get_port (hap_sim_accessory_get_server (accessory));
  GtkWidget *page = hap_sim_pairings_page_new ();
  GtkWidget *window = ui_window_new (page);
  g_autoptr(HapTestClient) admin = NULL;
  g_autoptr(HapTestClient) guest = hap_test_client_new ("ctrl-B");
  g_autofree char *old_id = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *subscribed = NULL;
  g_autofree char *fingerprint = NULL;
  Clients clients;
  SessionFind session = { page, "ctrl-B" };
  LabelCheck check;
  Find gone = { page, "ctrl-B" };
  GtkWidget *row, *button;
  guint64 iid;

  hap_sim_pairings_page_set_accessory (HAP_SIM_PAIRINGS_PAGE (page), accessory);
  g_assert_true (gtk_widget_get_mapped (ui_find_by_text (page, "No Pairings")));
  g_assert_true (gtk_widget_get_mapped (ui_find_by_text (page, "No Live Sessions")));

  /* Two controllers: the first pairs (admin), and adds the second (user). */
  admin = ui_pair_controller (port, "ctrl-A");
  clients = (Clients) { admin, guest, port };
  ui_run_in_thread (add_guest_thread, &clients);
  row = wait_for_row (page, "ctrl-A");
  /* (The subtitle's text: the markup around the fingerprint is gone.) */
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Admin · "));
  fingerprint = pairing_fingerprint (accessory, "ctrl-A");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), fingerprint));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), " · since "));
  row = wait_for_row (page, "ctrl-B");
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "User · "));
  g_assert_false (gtk_widget_get_mapped (ui_find_by_text (page, "No Pairings")));

  /* Their live sessions, with counters that follow the traffic. */
  ui_wait_until (session_shown, &session, "the session of ctrl-B");
  session.controller = "ctrl-A";
  ui_wait_until (session_shown, &session, "the session of ctrl-A");
  row = find_session_row (page, "ctrl-A");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), " · since "));
  g_assert_cmpstr (row_label (row, "subscription"), ==, "No subscriptions");
  check = (LabelCheck) { row, "request", row_label (row, "request") };
  g_assert_nonnull (check.expected);
  check.expected = g_strdup (check.expected);
  iid = GPOINTER_TO_SIZE (ui_run_in_thread (traffic_thread, admin));
  ui_wait_until (label_changed, &check, "the request counter to tick");
  g_free ((char *) check.expected);
  check = (LabelCheck) { row, "subscription", "1 subscription" };
  ui_wait_until (label_is, &check, "one subscription");
  {
    g_autoptr(GPtrArray) labels = ui_find_widgets (row, GTK_TYPE_LABEL);

    subscribed = g_strdup_printf ("1.%" G_GUINT64_FORMAT, iid);
    for (guint i = 0; i < labels->len; i++)
      {
        GtkWidget *label = g_ptr_array_index (labels, i);

        if (g_strcmp0 (gtk_label_get_label (GTK_LABEL (label)), "1 subscription") == 0)
          g_assert_cmpstr (gtk_widget_get_tooltip_text (label), ==, subscribed);
      }
  }

  /* Cancelling changes nothing. */
  button = ui_find_widget (ui_find_by_text (page, "ctrl-B"), GTK_TYPE_BUTTON);
  g_signal_emit_by_name (button, "clicked");
  answer_dialog ("cancel", "Remove the pairing of ctrl-B");
  ui_spin (50);
  g_assert_true (has_pairing (accessory, "ctrl-B"));

  /* Removing the user: gone from the engine and the page, and its connection closed. */
  button = ui_find_widget (ui_find_by_text (page, "ctrl-B"), GTK_TYPE_BUTTON);
  g_signal_emit_by_name (button, "clicked");
  answer_dialog ("remove", "Remove the pairing of ctrl-B");
  g_assert_false (has_pairing (accessory, "ctrl-B"));
  g_assert_true (has_pairing (accessory, "ctrl-A"));
  ui_wait_until (text_gone, &gone, "the row of ctrl-B to go");
  g_assert_nonnull (ui_find_by_text (page, "ctrl-A"));
  g_assert_true (GPOINTER_TO_INT (ui_run_in_thread (wait_closed_thread, guest)));
  session.controller = "ctrl-B";
  ui_wait_until (session_gone, &session, "the session of ctrl-B to go");

  /* Stopped: pairings from the state directory, nothing to remove them with. */
  hap_sim_accessory_stop (accessory);
  wait_for_row (page, "Not Running");
  /* The once-a-second tick may show "Not Running" before the refresh turns the buttons
   * off (seen on Debian 13 under ASan): wait for that, do not sample it. */
  {
    Find stopped = { page, "ctrl-A" };

    ui_wait_until (remove_button_off, &stopped, "ctrl-A's remove button to be off");
  }
  g_assert_null (find_session_row (page, "ctrl-A"));
  g_assert_true (hap_sim_accessory_start (accessory, NULL));
  wait_for_row (page, "No Live Sessions");

  /* Factory reset: no pairings, a new identity. */
  old_id = device_id (accessory);
  g_assert_cmpstr (old_id, !=, "");
  button = find_button_by_label (page, "_Factory Reset…");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  answer_dialog ("reset", "Factory reset Desk Lamp?");
  {
    g_autoptr(GVariant) pairings = g_variant_ref_sink (hap_sim_inspect_pairings (accessory));

    g_assert_cmpuint (g_variant_n_children (pairings), ==, 0);
  }
  new_id = device_id (accessory);
  g_assert_cmpstr (new_id, !=, "");
  g_assert_cmpstr (new_id, !=, old_id);
  gone.text = "ctrl-A";
  ui_wait_until (text_gone, &gone, "the row of ctrl-A to go");
  wait_for_row (page, "No Pairings");

  hap_sim_pairings_page_set_accessory (HAP_SIM_PAIRINGS_PAGE (page), NULL);
  g_assert_true (gtk_widget_get_mapped (ui_find_by_text (page, "No Accessory")));

  gtk_window_destroy (GTK_WINDOW (window));
  ui_fixture_free (fixture);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/pairings/page", test_pairings);
  return g_test_run ();
}
