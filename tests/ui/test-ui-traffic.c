/* test-ui-traffic.c — the Traffic page: live decoded trace, detail, filters, follow,
 * export, clear and switching accessories
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hap-sim-trace-private.h"
#include "hap-sim-trace-text.h"
#include "hap-sim-traffic-page.h"

#define CT_JSON "application/hap+json"

typedef struct
{
  UiFixture       *fixture;
  HapSimAccessory *accessory;
  GtkWidget       *page;
  GtkWidget       *window;
  HapTestClient   *client;
  guint64          on_iid;
  guint64          brightness_iid;
} Fixture;

/* ---- finding things in the page ----------------------------------------------------- */

/* The traffic list (not the session drop-down's list). */
static GtkListView *
traffic_view (Fixture *f)
{
  g_autoptr(GPtrArray) views = ui_find_widgets (f->page, GTK_TYPE_LIST_VIEW);

  for (guint i = 0; i < views->len; i++)
    if (gtk_widget_get_ancestor (g_ptr_array_index (views, i), GTK_TYPE_PANED) != NULL)
      return g_ptr_array_index (views, i);
  g_error ("no traffic list");
}

/* The filtered model the list view shows. */
static GListModel *
shown_model (Fixture *f)
{
  GtkSelectionModel *selection = gtk_list_view_get_model (traffic_view (f));

  return gtk_single_selection_get_model (GTK_SINGLE_SELECTION (selection));
}

static GListModel *
stored_model (Fixture *f)
{
  return gtk_filter_list_model_get_model (GTK_FILTER_LIST_MODEL (shown_model (f)));
}

static GtkWidget *
find_button (Fixture *f, const char *icon_name)
{
  g_autoptr(GPtrArray) buttons = ui_find_widgets (f->page, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_icon_name (g_ptr_array_index (buttons, i)), icon_name) == 0)
      return g_ptr_array_index (buttons, i);
  g_error ("no button %s", icon_name);
}

static GtkToggleButton *
find_toggle (Fixture *f, const char *label)
{
  GtkWidget *text = ui_find_by_text (f->page, label);

  g_assert_nonnull (text);
  return GTK_TOGGLE_BUTTON (gtk_widget_get_ancestor (text, GTK_TYPE_TOGGLE_BUTTON));
}

static const char *
visible_page (Fixture *f)
{
  g_autoptr(GPtrArray) stacks = ui_find_widgets (f->page, GTK_TYPE_STACK);

  for (guint i = 0; i < stacks->len; i++)
    if (gtk_stack_get_child_by_name (g_ptr_array_index (stacks, i), "traffic") != NULL)
      return gtk_stack_get_visible_child_name (g_ptr_array_index (stacks, i));
  g_error ("no traffic stack");
}

static char *
detail_text (Fixture *f)
{
  GtkTextView *view = GTK_TEXT_VIEW (ui_find_widget (f->page, GTK_TYPE_TEXT_VIEW));
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* The detail shown after selecting @position of the shown entries. */
static char *
select_and_read (Fixture *f, guint position)
{
  GtkListView *view = traffic_view (f);

  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_list_view_get_model (view)),
                                     position);
  return detail_text (f);
}

/* The position of the first stored entry whose summary is (or starts with) @text. */
static int
find_entry (GListModel *model, const char *text, gboolean prefix)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (model, i);
      const char *summary = hap_sim_trace_text_get_summary (entry);

      if (prefix ? g_str_has_prefix (summary, text) : g_str_equal (summary, text))
        return i;
    }
  return -1;
}

/* Whether a row label starting with @prefix lies within the list's visible area. */
static gboolean
row_on_screen (Fixture *f, const char *prefix)
{
  GtkWidget *view = GTK_WIDGET (traffic_view (f));
  GtkWidget *scroller = gtk_widget_get_parent (view);
  g_autoptr(GPtrArray) labels = ui_find_widgets (view, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    {
      GtkWidget *label = g_ptr_array_index (labels, i);
      graphene_rect_t bounds;

      if (g_str_has_prefix (gtk_label_get_text (GTK_LABEL (label)), prefix) &&
          gtk_widget_get_mapped (label) &&
          gtk_widget_compute_bounds (label, scroller, &bounds) &&
          bounds.origin.y >= 0 &&
          bounds.origin.y + bounds.size.height <= gtk_widget_get_height (scroller))
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  Fixture    *f;
  const char *text;
  gboolean    prefix;   /* for rows: whether on screen */
} Wanted;

static gboolean
row_shown_cb (gpointer data)
{
  Wanted *wanted = data;

  return row_on_screen (wanted->f, wanted->text) == wanted->prefix;
}

static gboolean
newest_shown_cb (gpointer data)
{
  Fixture *f = data;
  GListModel *shown = shown_model (f);
  guint n = g_list_model_get_n_items (shown);
  g_autoptr(HapSimTraceEntry) newest = n > 0 ? g_list_model_get_item (shown, n - 1) : NULL;

  return newest != NULL && row_on_screen (f, hap_sim_trace_text_get_summary (newest));
}

/* Waits until the newest row shown is on screen (whatever traffic came last). */
static void
wait_for_newest_on_screen (Fixture *f)
{
  ui_wait_until (newest_shown_cb, f, "the newest row on screen");
}

/* Waits until the row starting with @prefix is (@on_screen) or is not on screen. */
static void
wait_for_row (Fixture *f, const char *prefix, gboolean on_screen)
{
  Wanted wanted = { f, prefix, on_screen };

  ui_wait_until (row_shown_cb, &wanted, prefix);
}

static gboolean
has_entry_cb (gpointer data)
{
  Wanted *wanted = data;

  return find_entry (stored_model (wanted->f), wanted->text, wanted->prefix) >= 0;
}

static HapSimTraceEntry *
wait_for_entry (Fixture *f, const char *text, gboolean prefix)
{
  Wanted wanted = { f, text, prefix };

  ui_wait_until (has_entry_cb, &wanted, text);
  return g_list_model_get_item (stored_model (f), find_entry (stored_model (f), text, prefix));
}

static void
wait_for_summary (Fixture *f, const char *text, gboolean prefix)
{
  g_autoptr(HapSimTraceEntry) entry G_GNUC_UNUSED = wait_for_entry (f, text, prefix);
}

typedef struct
{
  Fixture *f;
  GRegex  *regex;
} WantedMatch;

static gboolean
has_match_cb (gpointer data)
{
  WantedMatch *wanted = data;
  GListModel *stored = stored_model (wanted->f);

  for (guint i = 0; i < g_list_model_get_n_items (stored); i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (stored, i);

      if (g_regex_match (wanted->regex, hap_sim_trace_text_get_summary (entry), 0, NULL))
        return TRUE;
    }
  return FALSE;
}

/* Waits for an entry whose summary matches @pattern. */
static void
wait_for_match (Fixture *f, const char *pattern)
{
  g_autoptr(GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  WantedMatch wanted = { f, regex };

  ui_wait_until (has_match_cb, &wanted, pattern);
}

/* Session ids are unique in the process, not per accessory: the first session of this
 * fixture's traffic (its pairing connection) is whatever number it got. */
static guint64
first_session (Fixture *f)
{
  GListModel *stored = stored_model (f);

  for (guint i = 0; i < g_list_model_get_n_items (stored); i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (stored, i);
      guint64 session = 0;

      if (hap_sim_trace_entry_get_kind (entry) == HAP_SIM_TRACE_KIND_CONNECTED &&
          hap_sim_trace_entry_get_session (entry, &session))
        return session;
    }
  g_assert_not_reached ();
  return 0;
}

typedef struct
{
  GListModel *model;
  guint       n;
} Count;

static gboolean
has_count_cb (gpointer data)
{
  Count *count = data;

  return g_list_model_get_n_items (count->model) == count->n;
}

/* ---- driving a controller ------------------------------------------------------------- */

typedef struct
{
  Fixture    *f;
  const char *method;
  char       *target;
  char       *body;
  guint       status;
} Request;

static gpointer
request_thread (gpointer data)
{
  Request *r = data;
  g_autoptr(HapHttpMessage) response =
    hap_test_client_request (r->f->client, r->method, r->target, r->body ? CT_JSON : NULL,
                             r->body, r->body ? strlen (r->body) : 0);

  g_assert_nonnull (response);
  r->status = response->status;
  return NULL;
}

static guint
request (Fixture *f, const char *method, char *target, char *body)
{
  Request r = { f, method, target, body, 0 };

  ui_run_in_thread (request_thread, &r);
  g_free (target);
  g_free (body);
  return r.status;
}

static guint64
iid_of (HapSimAccessory *accessory, const char *spec)
{
  g_autoptr(GError) error = NULL;
  HapCharacteristic *c = hap_sim_accessory_find (accessory, spec, &error);

  g_assert_no_error (error);
  return hap_characteristic_get_iid (c);
}

static guint16
port_of (HapSimAccessory *accessory)
{
  return hap_accessory_server_get_port (hap_sim_accessory_get_server (accessory));
}

static void
fixture_setup (Fixture *f)
{
  f->fixture = ui_fixture_new ();
  f->accessory = ui_fixture_add (f->fixture, "lightbulb.json");
  f->on_iid = iid_of (f->accessory, "Lightbulb/On");
  f->brightness_iid = iid_of (f->accessory, "Lightbulb/Brightness");
  f->page = hap_sim_traffic_page_new ();
  f->window = ui_window_new (f->page);
  hap_sim_traffic_page_set_accessory (HAP_SIM_TRAFFIC_PAGE (f->page), f->accessory);
}

static void
fixture_teardown (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_pointer (&f->client, hap_test_client_free);
  ui_fixture_free (f->fixture);
}

/* Pairs, reads, writes and subscribes, then changes Brightness for an event. */
static void
make_traffic (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapSimTraceEntry) m1 = NULL;
  g_autoptr(HapSimTraceEntry) event = NULL;
  g_autofree char *event_text = NULL;

  f->client = ui_pair_controller (port_of (f->accessory), "ui-traffic-controller");
  m1 = wait_for_entry (f, "Pair Setup M1 (State 1, Method 0)", FALSE);

  g_assert_cmpuint (request (f, "GET", g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT,
                                                        f->on_iid), NULL), ==, 200);
  g_assert_cmpuint (request (f, "PUT", g_strdup ("/characteristics"),
                             g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%"
                                              G_GUINT64_FORMAT ",\"value\":false}]}",
                                              f->on_iid)), ==, 204);
  g_assert_cmpuint (request (f, "PUT", g_strdup ("/characteristics"),
                             g_strdup_printf ("{\"characteristics\":[{\"aid\":1,\"iid\":%"
                                              G_GUINT64_FORMAT ",\"ev\":true}]}",
                                              f->brightness_iid)), ==, 204);

  g_assert_true (hap_sim_accessory_set_value (f->accessory,
                                              hap_sim_accessory_lookup (f->accessory, 1,
                                                                        f->brightness_iid),
                                              g_variant_new_int32 (42), &error));
  g_assert_no_error (error);
  event_text = g_strdup_printf ("EVENT · 1.%" G_GUINT64_FORMAT " = 42", f->brightness_iid);
  event = wait_for_entry (f, event_text, FALSE);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_live (void)
{
  Fixture fx = { 0 }, *f = &fx;
  g_autoptr(HapSimTraceEntry) get = NULL, put = NULL, ok = NULL, no_content = NULL;
  g_autoptr(HapSimTraceEntry) secured = NULL, m2 = NULL;
  g_autofree char *get_text = NULL, *put_text = NULL, *detail = NULL;
  g_autofree char *secured_text = NULL, *connected_text = NULL;
  g_autoptr(GPtrArray) labels = NULL;
  GtkToggleButton *follow;
  GListModel *stored;
  guint64 first;
  guint before;
  int position;

  fixture_setup (f);
  stored = stored_model (f);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, 0);
  g_assert_cmpstr (visible_page (f), ==, "empty");
  g_assert_nonnull (ui_find_by_text (f->page, "No Traffic Yet"));

  make_traffic (f);
  before = g_list_model_get_n_items (stored);
  g_assert_cmpuint (before, ==,
                    hap_sim_trace_get_n_entries (hap_sim_accessory_get_trace (f->accessory)));
  g_assert_cmpstr (visible_page (f), ==, "traffic");

  /* The summaries of each kind. */
  get_text = g_strdup_printf ("GET /characteristics?id=1.%" G_GUINT64_FORMAT, f->on_iid);
  put_text = g_strdup_printf ("PUT /characteristics · 1.%" G_GUINT64_FORMAT " = false",
                              f->on_iid);
  get = wait_for_entry (f, get_text, FALSE);
  put = wait_for_entry (f, put_text, FALSE);
  ok = wait_for_entry (f, "200 OK · application/hap+json", FALSE);
  no_content = wait_for_entry (f, "204 No Content", FALSE);
  first = first_session (f);
  secured_text = g_strdup_printf ("session %" G_GUINT64_FORMAT " secured for ui-traffic-controller",
                                  first + 1);
  connected_text = g_strdup_printf ("session %" G_GUINT64_FORMAT " connected", first);
  secured = wait_for_entry (f, secured_text, FALSE);
  m2 = wait_for_entry (f, "Pair Setup M2 (State 2)", FALSE);
  g_assert_cmpint (hap_sim_trace_entry_get_kind (get), ==, HAP_SIM_TRACE_KIND_REQUEST);
  g_assert_cmpint (hap_sim_trace_entry_get_kind (ok), ==, HAP_SIM_TRACE_KIND_RESPONSE);
  g_assert_cmpint (hap_sim_trace_entry_get_kind (secured), ==, HAP_SIM_TRACE_KIND_SECURED);
  g_assert_true (g_regex_match_simple ("^session \\d+ secured for ui-traffic-controller$",
                                       hap_sim_trace_text_get_summary (secured), 0, 0));
  g_assert_true (g_regex_match_simple ("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$",
                                       hap_sim_trace_text_get_time_label (get), 0, 0));
  wait_for_summary (f, connected_text, TRUE);

  /* Details: TLV items decoded and redacted, JSON bodies pretty-printed. */
  position = find_entry (shown_model (f), "Pair Setup M1 (State 1, Method 0)", FALSE);
  detail = select_and_read (f, position);
  g_assert_nonnull (strstr (detail, "\nState: 1\n"));
  g_assert_nonnull (strstr (detail, "\nMethod: 0 (Pair Setup)\n"));
  g_clear_pointer (&detail, g_free);
  detail = select_and_read (f, find_entry (shown_model (f), "Pair Setup M2 (State 2)", FALSE));
  g_assert_nonnull (strstr (detail, "\nPublicKey: redacted (384 bytes)\n"));
  g_assert_nonnull (strstr (detail, "\nSalt: redacted (16 bytes)\n"));
  g_clear_pointer (&detail, g_free);
  detail = select_and_read (f, find_entry (shown_model (f), "200 OK · application/hap+json",
                                           FALSE));
  g_assert_nonnull (strstr (detail, "Content-Type: application/hap+json\n"));
  g_assert_nonnull (strstr (detail, "{\n  \"characteristics\" : [\n"));
  g_clear_pointer (&detail, g_free);

  /* No secret anywhere: not in a summary, not in a detail, not in a row. */
  for (guint i = 0; i < g_list_model_get_n_items (shown_model (f)); i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (shown_model (f), i);
      g_autofree char *text = select_and_read (f, i);

      g_assert_null (strstr (hap_sim_trace_text_get_summary (entry), HAP_TEST_SETUP_CODE));
      g_assert_null (strstr (text, HAP_TEST_SETUP_CODE));
      g_assert_null (strstr (text, "03145154"));
    }
  gtk_single_selection_set_selected (GTK_SINGLE_SELECTION (gtk_list_view_get_model (
    traffic_view (f))), GTK_INVALID_LIST_POSITION);
  detail = detail_text (f);
  g_assert_cmpstr (detail, ==, "");

  /* Follow mode: the newest row is on screen, the oldest scrolled away. */
  wait_for_row (f, connected_text, FALSE);
  wait_for_newest_on_screen (f);
  g_assert_false (row_on_screen (f, connected_text));
  labels = ui_find_widgets (GTK_WIDGET (traffic_view (f)), GTK_TYPE_LABEL);
  for (guint i = 0; i < labels->len; i++)
    g_assert_null (strstr (gtk_label_get_text (g_ptr_array_index (labels, i)),
                           HAP_TEST_SETUP_CODE));

  /* Live: one more request appears while the page shows. */
  g_assert_cmpuint (request (f, "GET", g_strdup ("/accessories"), NULL), ==, 200);
  wait_for_summary (f, "GET /accessories", FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (stored), >=, before + 2);

  /* Not following: new traffic leaves the view where it is; following again scrolls. */
  follow = GTK_TOGGLE_BUTTON (find_button (f, "go-bottom-symbolic"));
  g_assert_true (gtk_toggle_button_get_active (follow));
  gtk_toggle_button_set_active (follow, FALSE);
  gtk_adjustment_set_value (gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (traffic_view (f))),
                            0);
  wait_for_row (f, connected_text, TRUE);
  g_assert_cmpuint (request (f, "GET", g_strdup ("/accessories"), NULL), ==, 200);
  ui_spin (200);
  g_assert_true (row_on_screen (f, connected_text));
  gtk_toggle_button_set_active (follow, TRUE);
  wait_for_row (f, connected_text, FALSE);

  fixture_teardown (f);
}

static gboolean
only_group (GListModel *model, HapSimTraceGroup group)
{
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (model, i);

      if (hap_sim_trace_text_get_group (entry) != group)
        return FALSE;
    }
  return TRUE;
}

static guint
count_matching (GListModel *model, guint groups, gint64 session)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (model, i);
      guint64 id;
      gboolean has = hap_sim_trace_entry_get_session (entry, &id);

      if ((hap_sim_trace_text_get_group (entry) & groups) &&
          (session < 0 || (has && id == (guint64) session)))
        n++;
    }
  return n;
}

static void
set_search (Fixture *f, const char *text, guint expected)
{
  Count count = { shown_model (f), expected };

  g_autoptr(GPtrArray) entries = ui_find_widgets (f->page, GTK_TYPE_SEARCH_ENTRY);
  GtkWidget *entry = NULL;

  /* The page's own, not the one in the session drop-down's popup. */
  for (guint i = 0; i < entries->len; i++)
    if (gtk_widget_get_ancestor (g_ptr_array_index (entries, i), GTK_TYPE_POPOVER) == NULL)
      entry = g_ptr_array_index (entries, i);
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  ui_wait_until (has_count_cb, &count, text);
}

/* The lines of the trace with a kind in @kinds and the session @session, as exported. */
static char *
expected_export (Fixture *f, const char * const *kinds, gint64 session)
{
  g_autoptr(GPtrArray) lines = hap_sim_trace_dup_lines (hap_sim_accessory_get_trace (f->accessory),
                                                        0, 0);
  GString *out = g_string_new (NULL);

  g_ptr_array_set_free_func (lines, g_free);
  for (guint i = 0; i < lines->len; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o;

      g_assert_true (json_parser_load_from_data (parser, g_ptr_array_index (lines, i), -1, NULL));
      o = json_node_get_object (json_parser_get_root (parser));
      if (!g_strv_contains (kinds, json_object_get_string_member (o, "kind")))
        continue;
      if (!json_object_has_member (o, "session") ||
          json_object_get_int_member (o, "session") != session)
        continue;
      g_string_append_printf (out, "%s\n", (char *) g_ptr_array_index (lines, i));
    }
  return g_string_free (out, FALSE);
}

static void
test_filters_and_export (void)
{
  Fixture fx = { 0 }, *f = &fx;
  g_autoptr(HapSimTraceEntry) event = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *event_text = NULL, *iid_text = NULL, *path = NULL, *contents = NULL;
  g_autofree char *expected = NULL, *session_name = NULL, *dir = NULL, *first_name = NULL;
  const char * const kinds[] = { "request", "event", NULL };
  GtkDropDown *dropdown;
  GListModel *shown, *stored, *names;
  guint64 session;
  guint all, session_index = 0;

  fixture_setup (f);
  make_traffic (f);
  shown = shown_model (f);
  stored = stored_model (f);
  all = g_list_model_get_n_items (stored);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, all);

  /* Events only. */
  gtk_toggle_button_set_active (find_toggle (f, "Requests"), FALSE);
  gtk_toggle_button_set_active (find_toggle (f, "Responses"), FALSE);
  gtk_toggle_button_set_active (find_toggle (f, "Sessions"), FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==,
                    count_matching (stored, HAP_SIM_TRACE_GROUP_EVENTS, -1));
  g_assert_cmpuint (g_list_model_get_n_items (shown), >=, 1);
  g_assert_true (only_group (shown, HAP_SIM_TRACE_GROUP_EVENTS));
  gtk_toggle_button_set_active (find_toggle (f, "Events"), FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, 0);
  g_assert_cmpstr (visible_page (f), ==, "no-match");
  g_assert_nonnull (ui_find_by_text (f->page, "No Matching Traffic"));
  gtk_toggle_button_set_active (find_toggle (f, "Requests"), TRUE);
  gtk_toggle_button_set_active (find_toggle (f, "Events"), TRUE);
  g_assert_cmpstr (visible_page (f), ==, "traffic");
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==,
                    count_matching (stored, HAP_SIM_TRACE_GROUP_REQUESTS |
                                            HAP_SIM_TRACE_GROUP_EVENTS, -1));

  /* The session of the verified connection (the event's). */
  event_text = g_strdup_printf ("EVENT · 1.%" G_GUINT64_FORMAT " = 42", f->brightness_iid);
  event = wait_for_entry (f, event_text, FALSE);
  g_assert_true (hap_sim_trace_entry_get_session (event, &session));
  g_assert_cmpuint (session, >, first_session (f));   /* pairing used the first */
  dropdown = GTK_DROP_DOWN (ui_find_widget (f->page, GTK_TYPE_DROP_DOWN));
  names = gtk_drop_down_get_model (dropdown);
  session_name = g_strdup_printf ("Session %" G_GUINT64_FORMAT, session);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), 0), ==, "All Sessions");
  for (guint i = 1; i < g_list_model_get_n_items (names); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (names), i), session_name))
      session_index = i;
  g_assert_cmpuint (session_index, >, 0);
  first_name = g_strdup_printf ("Session %" G_GUINT64_FORMAT, first_session (f));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (names), 1), ==, first_name);
  gtk_drop_down_set_selected (dropdown, session_index);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==,
                    count_matching (stored, HAP_SIM_TRACE_GROUP_REQUESTS |
                                            HAP_SIM_TRACE_GROUP_EVENTS, session));
  g_assert_cmpuint (g_list_model_get_n_items (shown), <,
                    count_matching (stored, HAP_SIM_TRACE_GROUP_REQUESTS |
                                            HAP_SIM_TRACE_GROUP_EVENTS, -1));

  /* Export what is shown: exactly the trace's lines, filtered the same way. */
  dir = g_dir_make_tmp ("ui-traffic-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "lightbulb-traffic.jsonl", NULL);
  file = g_file_new_for_path (path);
  g_assert_true (hap_sim_traffic_page_export_to_file (HAP_SIM_TRAFFIC_PAGE (f->page), file,
                                                      &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  expected = expected_export (f, kinds, session);
  g_assert_cmpuint (strlen (expected), >, 0);
  g_assert_cmpstr (contents, ==, expected);
  g_unlink (path);
  g_rmdir (dir);

  /* Search: a characteristic by name (in bodies as aid/iid) and by "aid.iid". */
  gtk_drop_down_set_selected (dropdown, 0);
  gtk_toggle_button_set_active (find_toggle (f, "Responses"), TRUE);
  gtk_toggle_button_set_active (find_toggle (f, "Sessions"), TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (shown), ==, all);
  set_search (f, "brightness", 2);   /* the subscription and the event */
  g_assert_cmpint (find_entry (shown, event_text, FALSE), >=, 0);
  iid_text = g_strdup_printf ("1.%" G_GUINT64_FORMAT, f->on_iid);
  set_search (f, iid_text, 3);       /* GET, its response (value of 1.N), PUT */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (shown, i);

      g_assert_cmpint (hap_sim_trace_entry_get_session (entry, NULL), ==, TRUE);
    }
  set_search (f, "no such thing", 0);
  g_assert_cmpstr (visible_page (f), ==, "no-match");
  set_search (f, "", all);
  g_assert_cmpstr (visible_page (f), ==, "traffic");

  fixture_teardown (f);
}

static void
test_clear_and_switch (void)
{
  const char * const kinds[] = { "Requests", "Responses", "Events", "Sessions" };
  Fixture fx = { 0 }, *f = &fx;
  HapSimAccessory *other;
  HapSimTrace *trace;
  GListModel *stored;
  GtkDropDown *dropdown;
  guint recorded;

  fixture_setup (f);
  make_traffic (f);
  trace = hap_sim_accessory_get_trace (f->accessory);
  stored = stored_model (f);
  dropdown = GTK_DROP_DOWN (ui_find_widget (f->page, GTK_TYPE_DROP_DOWN));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), >, 2);

  /* Clear empties the trace and the page, and the status page shows. */
  g_signal_emit_by_name (find_button (f, "edit-clear-all-symbolic"), "clicked");
  g_assert_cmpuint (hap_sim_trace_get_n_entries (trace), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, 0);
  g_assert_cmpstr (visible_page (f), ==, "empty");
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)), ==, 1);

  /* New traffic after the clear appears again; hidden by the filters, it says so. */
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_toggle_button_set_active (find_toggle (f, kinds[i]), FALSE);
  g_assert_cmpuint (request (f, "GET", g_strdup ("/accessories"), NULL), ==, 200);
  wait_for_summary (f, "GET /accessories", FALSE);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, hap_sim_trace_get_n_entries (trace));
  g_assert_cmpstr (visible_page (f), ==, "no-match");
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_toggle_button_set_active (find_toggle (f, kinds[i]), TRUE);
  g_assert_cmpstr (visible_page (f), ==, "traffic");

  /* Another accessory: its (empty) trace; the old one's traffic no longer shows. */
  other = ui_fixture_add (f->fixture, "outlet.json");
  hap_sim_traffic_page_set_accessory (HAP_SIM_TRAFFIC_PAGE (f->page), other);
  g_assert_true (hap_sim_traffic_page_get_accessory (HAP_SIM_TRAFFIC_PAGE (f->page)) == other);
  g_assert_true (stored_model (f) == hap_sim_accessory_get_trace_model (other));
  g_assert_cmpuint (g_list_model_get_n_items (stored_model (f)), ==, 0);
  g_assert_cmpstr (visible_page (f), ==, "empty");
  recorded = hap_sim_trace_get_n_entries (trace);
  g_assert_cmpuint (request (f, "GET", g_strdup ("/accessories"), NULL), ==, 200);
  ui_spin (100);
  g_assert_cmpuint (hap_sim_trace_get_n_entries (trace), ==, recorded + 2);
  g_assert_cmpuint (g_list_model_get_n_items (stored_model (f)), ==, 0);
  g_assert_cmpstr (visible_page (f), ==, "empty");
  /* The first accessory's model follows its trace all the same. */
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, recorded + 2);

  /* And back: the old one's trace shows again. */
  hap_sim_traffic_page_set_accessory (HAP_SIM_TRAFFIC_PAGE (f->page), f->accessory);
  g_assert_true (stored_model (f) == stored);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, recorded + 2);

  /* Stopped: its connection's closing still shows, and Clear still works. */
  hap_sim_accessory_stop (f->accessory);
  g_assert_null (hap_sim_accessory_get_server (f->accessory));
  /* Session ids are unique in the process: which number it has depends on the tests before. */
  wait_for_match (f, "^session \\d+ closed$");
  g_signal_emit_by_name (find_button (f, "edit-clear-all-symbolic"), "clicked");
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, 0);
  g_assert_cmpuint (hap_sim_trace_get_n_entries (trace), ==, 0);

  hap_sim_traffic_page_set_accessory (HAP_SIM_TRAFFIC_PAGE (f->page), NULL);
  g_assert_cmpuint (g_list_model_get_n_items (stored_model (f)), ==, 0);
  g_assert_cmpstr (visible_page (f), ==, "empty");

  fixture_teardown (f);
}

typedef struct
{
  Fixture *f;
  guint    n;
} Many;

static gpointer
many_requests_thread (gpointer data)
{
  Many *many = data;
  g_autofree char *target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT,
                                             many->f->on_iid);

  for (guint i = 0; i < many->n; i++)
    {
      g_autoptr(HapHttpMessage) response =
        hap_test_client_request (many->f->client, "GET", target, NULL, NULL, 0);

      g_assert_nonnull (response);
    }
  return NULL;
}

/* The store keeps the trace's newest entries, as many as the trace. */
static void
test_bounded (void)
{
  Fixture fx = { 0 }, *f = &fx;
  Many many = { f, HAP_SIM_TRACE_DEFAULT_ENTRIES / 2 + 10 };
  g_autoptr(GPtrArray) lines = NULL;
  GListModel *stored;

  fixture_setup (f);
  f->client = ui_pair_controller (port_of (f->accessory), "ui-traffic-controller");
  ui_run_in_thread (many_requests_thread, &many);
  ui_spin (50);

  stored = stored_model (f);
  lines = hap_sim_trace_dup_lines (hap_sim_accessory_get_trace (f->accessory), 0, 0);
  g_ptr_array_set_free_func (lines, g_free);
  g_assert_cmpuint (lines->len, ==, HAP_SIM_TRACE_DEFAULT_ENTRIES);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, HAP_SIM_TRACE_DEFAULT_ENTRIES);
  for (guint i = 0; i < lines->len; i += 97)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (stored, i);
      g_autofree char *line = hap_sim_trace_entry_to_json (entry);

      g_assert_cmpstr (line, ==, g_ptr_array_index (lines, i));
    }
  g_assert_true (find_entry (stored, "Pair Setup M1 (State 1, Method 0)", FALSE) < 0);

  fixture_teardown (f);
}

static gpointer
record_thread (gpointer data)
{
  for (guint i = 0; i < 20; i++)
    hap_sim_trace_record_session (data, NULL, "connected");
  return NULL;
}

/* Lines recorded off the main thread reach the page through the main context, in order,
 * and only while the page still shows their accessory. */
static void
test_other_threads (void)
{
  Fixture fx = { 0 }, *f = &fx;
  HapSimTrace *trace;
  HapSimAccessory *other;
  GListModel *stored;
  GThread *thread;
  Count count;

  fixture_setup (f);
  trace = hap_sim_accessory_get_trace (f->accessory);
  stored = stored_model (f);

  ui_run_in_thread (record_thread, trace);
  count = (Count) { stored, 20 };
  ui_wait_until (has_count_cb, &count, "20 entries");
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (stored, i);

      g_assert_cmpuint (hap_sim_trace_entry_get_seq (entry), ==, i + 1);
      g_assert_cmpstr (hap_sim_trace_text_get_summary (entry), ==, "connected");
    }

  /* Queued while the main loop does not run, then the page moves to another accessory:
   * it shows the other's trace only, and the first accessory's model still follows its
   * trace. */
  thread = g_thread_new ("record", record_thread, trace);
  g_thread_join (thread);
  other = ui_fixture_add (f->fixture, "outlet.json");
  hap_sim_traffic_page_set_accessory (HAP_SIM_TRAFFIC_PAGE (f->page), other);
  ui_spin (100);
  g_assert_cmpuint (hap_sim_trace_get_n_entries (trace), ==, 40);
  g_assert_true (stored_model (f) == hap_sim_accessory_get_trace_model (other));
  g_assert_cmpuint (g_list_model_get_n_items (stored_model (f)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, 40);

  /* Back: the 40 are there; entries queued now arrive once, in order. */
  hap_sim_traffic_page_set_accessory (HAP_SIM_TRAFFIC_PAGE (f->page), f->accessory);
  g_assert_true (stored_model (f) == stored);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, 40);
  thread = g_thread_new ("record", record_thread, trace);
  g_thread_join (thread);
  g_assert_cmpuint (g_list_model_get_n_items (stored), ==, 40);
  count = (Count) { stored, 60 };
  ui_wait_until (has_count_cb, &count, "60 entries");
  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(HapSimTraceEntry) entry = g_list_model_get_item (stored, i);

      g_assert_cmpuint (hap_sim_trace_entry_get_seq (entry), ==, i + 1);
    }

  fixture_teardown (f);
}

/* HAP over BLE entries (hap-sim-trace.h), as hap-sim-trace-ble.c records them (its PDU
 * members): words for the list, the detail, groups, the transport and what stands out
 * as an error. */
static HapSimTraceEntry *
ble_entry (HapSimTrace *trace, const char *kind, guint64 link, const char *peer, const char *members)
{
  g_autoptr(GPtrArray) entries = NULL;
  HapSimTraceEntry *entry;

  _hap_sim_trace_push_members (trace, kind, link, peer, NULL, members);
  entries = hap_sim_trace_dup_entries (trace, hap_sim_trace_get_last_seq (trace) - 1);
  g_assert_cmpuint (entries->len, ==, 1);
  entry = g_object_ref (g_ptr_array_index (entries, 0));
  g_assert_cmpint (hap_sim_trace_entry_get_transport (entry), ==, HAP_TRANSPORT_BLE);
  g_assert_cmpstr (hap_sim_trace_entry_get_kind_name (entry), ==, kind);
  return entry;
}

static void
assert_detail_has (HapSimTraceEntry *entry, const char * const *parts)
{
  g_autofree char *detail = hap_sim_trace_text_dup_detail (entry);

  g_test_message ("%s", detail);
  for (guint i = 0; parts[i] != NULL; i++)
    if (strstr (detail, parts[i]) == NULL)
      g_error ("“%s” is not in the detail:\n%s", parts[i], detail);
}

static void
test_ble_entries (void)
{
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (100, 1 << 20);
  g_autoptr(HapSimTraceEntry) write = ble_entry (trace, "request", 3, "00:AA:01:01:00:02",
    ",\"transport\":\"ble\",\"opcode\":\"HAP-Characteristic-Write\",\"tid\":66,\"iid\":51,"
    "\"characteristic\":\"On\",\"params\":[{\"type\":\"Value\",\"value\":true},{\"type\":\"ReturnResponse\","
    "\"value\":1}],\"length\":6");
  g_autoptr(HapSimTraceEntry) refused = ble_entry (trace, "response", 3, NULL,
    ",\"transport\":\"ble\","
    "\"opcode\":\"HAP-Characteristic-Read\",\"tid\":67,\"iid\":52,\"characteristic\":\"Brightness\","
    "\"response-tid\":68,\"status\":6,\"status-name\":\"Invalid Request\"");
  g_autoptr(HapSimTraceEntry) pairing = ble_entry (trace, "request", 3, NULL,
    ",\"transport\":\"ble\","
    "\"opcode\":\"HAP-Characteristic-Write\",\"tid\":1,\"iid\":34,\"characteristic\":\"PairSetup\","
    "\"params\":[{\"type\":\"Value\",\"tlv\":[{\"type\":\"State\",\"value\":3},{\"type\":\"PublicKey\","
    "\"redacted\":true,\"length\":384}]}],\"length\":400");
  g_autoptr(HapSimTraceEntry) indication = ble_entry (trace, "indication", 3, NULL,
    ",\"transport\":\"ble\",\"iid\":51,\"characteristic\":\"On\"");
  g_autoptr(HapSimTraceEntry) advertisement = ble_entry (trace, "advertisement", 0, NULL,
    ",\"transport\":\"ble\",\"gsn\":12,"
    "\"fields\":{\"sf\":1,\"device-id\":\"11:22:33:44:55:66\",\"acid\":5,\"gsn\":12,\"cn\":2,\"cv\":2,"
    "\"setup-hash\":\"0303bd1d\"},\"hex\":\"0631011122334455660500 0c00020203 03bd1d\",\"length\":19");
  g_autoptr(HapSimTraceEntry) bent = ble_entry (trace, "advertisement", 0, NULL,
    ",\"transport\":\"ble\",\"gsn\":12,"
    "\"error\":\"too short\",\"hex\":\"0631\",\"length\":2");
  g_autoptr(HapSimTraceEntry) broadcast = ble_entry (trace, "broadcast", 0, NULL,
    ",\"transport\":\"ble\",\"gsn\":13,"
    "\"iid\":52,\"characteristic\":\"Brightness\",\"advertising-id\":\"11:22:33:44:55:66\",\"hex\":\"1100\","
    "\"length\":2");


  g_assert_cmpstr (hap_sim_trace_text_get_summary (write), ==,
                   "HAP-Characteristic-Write · TID 66 · IID 51 On · Value = true · ReturnResponse = 1");
  g_assert_cmpint (hap_sim_trace_text_get_group (write), ==, HAP_SIM_TRACE_GROUP_REQUESTS);
  g_assert_cmpstr (hap_sim_trace_text_get_style_class (write), ==, "accent");
  assert_detail_has (write, (const char * const []) {
    "Transport: Bluetooth LE", "Peer: 00:AA:01:01:00:02", "Opcode: HAP-Characteristic-Write", "TID: 66",
    "IID: 51 (On)", "Body (6 bytes):", "Value: true", "ReturnResponse: 1", NULL });

  /* A refused read answered under another TID (ble-wrong-tid) stands out. */
  g_assert_cmpstr (hap_sim_trace_text_get_summary (refused), ==,
                   "Invalid Request · HAP-Characteristic-Read · TID 67 (answered as TID 68) · IID 52 Brightness");
  g_assert_cmpstr (hap_sim_trace_text_get_style_class (refused), ==, "error");
  assert_detail_has (refused, (const char * const []) {
    "Status: 6 (Invalid Request)", "Answered as TID: 68 (not the request's)", NULL });

  /* Pairing TLVs read as on IP, secrets stay redacted. */
  g_assert_cmpstr (hap_sim_trace_text_get_summary (pairing), ==,
                   "HAP-Characteristic-Write · TID 1 · IID 34 PairSetup · Pair Setup M3 (State 3)");
  assert_detail_has (pairing, (const char * const []) {
    "Value (pairing TLV8):", "  State: 3", "  PublicKey: redacted (384 bytes)", NULL });

  g_assert_cmpstr (hap_sim_trace_text_get_kind_label (indication), ==, "Indication");
  g_assert_cmpstr (hap_sim_trace_text_get_summary (indication), ==, "Indication · IID 51 On");
  g_assert_cmpint (hap_sim_trace_text_get_group (indication), ==, HAP_SIM_TRACE_GROUP_EVENTS);

  g_assert_cmpstr (hap_sim_trace_text_get_summary (advertisement), ==, "GSN 12 · SF 0x01 (not paired) · CN 2");
  g_assert_cmpint (hap_sim_trace_text_get_group (advertisement), ==, HAP_SIM_TRACE_GROUP_SESSIONS);
  g_assert_false (hap_sim_trace_entry_get_session (advertisement, NULL));
  assert_detail_has (advertisement, (const char * const []) {
    "Device ID: 11:22:33:44:55:66", "Setup hash: 0303bd1d", "Manufacturer data (19 bytes):", NULL });
  g_assert_true (hap_sim_trace_text_matches (advertisement, NULL, "11:22:33:44:55:66"));

  g_assert_cmpstr (hap_sim_trace_text_get_summary (bent), ==, "GSN 12 · does not parse: too short (2 bytes)");
  g_assert_cmpstr (hap_sim_trace_text_get_style_class (bent), ==, "error");

  g_assert_cmpstr (hap_sim_trace_text_get_summary (broadcast), ==, "GSN 13 · IID 52 Brightness");
  g_assert_cmpint (hap_sim_trace_text_get_group (broadcast), ==, HAP_SIM_TRACE_GROUP_EVENTS);
  assert_detail_has (broadcast, (const char * const []) { "Advertising identifier: 11:22:33:44:55:66", NULL });

  /* The line is what the trace serializes for the control API. */
  {
    g_autofree char *line = hap_sim_trace_entry_to_json (indication);

    g_assert_cmpstr (strstr (line, ",\"session\":3,\"kind\":\"indication\",\"transport\":\"ble\",\"iid\":51,"), !=, NULL);
  }
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/traffic/live", test_live);
  g_test_add_func ("/ui/traffic/filters-and-export", test_filters_and_export);
  g_test_add_func ("/ui/traffic/clear-and-switch", test_clear_and_switch);
  g_test_add_func ("/ui/traffic/bounded", test_bounded);
  g_test_add_func ("/ui/traffic/other-threads", test_other_threads);
  g_test_add_func ("/ui/traffic/ble-entries", test_ble_entries);
  return g_test_run ();
}
