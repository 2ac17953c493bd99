/* ui-fixture.c — widget tests: GTK on an X display, an engine on the main context, and
 * controllers on worker threads
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>

#include "hap-sim-ui-util.h"

void
ui_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  if (!gtk_init_check ())
    g_error ("no display: UI tests run under tests/ui/with-display.sh");
  adw_init ();
  hap_sim_ui_init ();
}

UiFixture *
ui_fixture_new (void)
{
  UiFixture *fixture = g_new0 (UiFixture, 1);
  g_autoptr(GError) error = NULL;

  fixture->state_dir = g_dir_make_tmp ("ui-state-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->workspace = g_dir_make_tmp ("ui-workspace-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->engine = hap_sim_engine_new (fixture->state_dir);
  hap_sim_engine_set_advertise (fixture->engine, FALSE);
  hap_sim_engine_set_bind_address (fixture->engine, "127.0.0.1");
  hap_sim_engine_set_setup_code (fixture->engine, HAP_TEST_SETUP_CODE, &error);
  g_assert_no_error (error);
  return fixture;
}

HapSimAccessory *
ui_fixture_add (UiFixture *fixture, const char *file)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  HapSimAccessory *accessory;

  if (g_path_is_absolute (file))
    path = g_strdup (file);
  else
    path = g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), file, NULL);
  accessory = hap_sim_engine_add_file (fixture->engine, path, FALSE, &error);
  g_assert_no_error (error);
  hap_sim_accessory_set_event_window (accessory, 0);
  g_assert_true (hap_sim_accessory_start (accessory, &error));
  g_assert_no_error (error);
  return accessory;
}

HapSimAccessory *
ui_fixture_add_json (UiFixture *fixture, const char *name, const char *json_text)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = g_build_filename (fixture->workspace, file, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, json_text, -1, &error);
  g_assert_no_error (error);
  return ui_fixture_add (fixture, path);
}

void
ui_fixture_free (UiFixture *fixture)
{
  hap_sim_engine_stop_all (fixture->engine);
  g_clear_object (&fixture->engine);
  ui_spin (10);
  hap_test_remove_tree (fixture->state_dir);
  hap_test_remove_tree (fixture->workspace);
  g_free (fixture->state_dir);
  g_free (fixture->workspace);
  g_free (fixture);
}

/* ---- the virtual BlueZ ---------------------------------------------------------- */

static const char bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>custom</type>\n"
  "  <listen>unix:path=%s</listen>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <policy context=\"default\">\n"
  "    <allow user=\"*\"/> <allow own=\"*\"/>\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/> <allow eavesdrop=\"true\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

static GSubprocess *bluez_bus;
static GSubprocess *bluez_daemon;
static char        *bluez_dir;

/* The children go when the test program goes, even when it aborts. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
stop_virtual_bluez (void)
{
  GSubprocess *children[] = { bluez_daemon, bluez_bus };

  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    if (children[i] != NULL)
      {
        g_subprocess_send_signal (children[i], SIGTERM);
        g_subprocess_wait (children[i], NULL, NULL);
      }
  g_clear_object (&bluez_daemon);
  g_clear_object (&bluez_bus);
  if (bluez_dir != NULL)
    hap_test_remove_tree (bluez_dir);
  g_clear_pointer (&bluez_dir, g_free);
}

/* The first line @child prints (stripped). */
static char *
first_line (GSubprocess *child)
{
  g_autoptr(GDataInputStream) input = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line (input, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return g_strstrip (line);
}

static GSubprocess *
spawn (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GError) error = NULL;
  GSubprocess *child;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return child;
}

void
ui_start_virtual_bluez (void)
{
  const char *program = g_getenv ("HAP_VIRTUAL_BLUEZ");
  g_autoptr(GError) error = NULL;
  g_autofree char *socket = NULL;
  g_autofree char *config = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config_arg = NULL;
  g_autofree char *address = NULL;
  g_autofree char *ready = NULL;

  g_assert_nonnull (program);
  g_assert_null (bluez_daemon);
  bluez_dir = g_dir_make_tmp ("ui-bluez-XXXXXX", &error);
  g_assert_no_error (error);
  socket = g_build_filename (bluez_dir, "bus", NULL);
  config = g_strdup_printf (bus_config, socket);
  config_path = g_build_filename (bluez_dir, "bus.conf", NULL);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);
  config_arg = g_strconcat ("--config-file=", config_path, NULL);

  bluez_bus = spawn ((const char * const []) { "dbus-daemon", config_arg, "--nofork", "--print-address=1", NULL });
  address = first_line (bluez_bus);
  g_assert_true (g_str_has_prefix (address, "unix:"));
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
  bluez_daemon = spawn ((const char * const []) { program, NULL });
  ready = first_line (bluez_daemon);
  g_assert_cmpstr (ready, ==, "ready");
  atexit (stop_virtual_bluez);
}

typedef struct
{
  GThreadFunc func;
  gpointer    data;
  gpointer    result;
  gboolean    done;   /* atomic */
} ThreadCall;

static gpointer
thread_main (gpointer user_data)
{
  ThreadCall *call = user_data;

  call->result = call->func (call->data);
  g_atomic_int_set (&call->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

gpointer
ui_run_in_thread (GThreadFunc func, gpointer data)
{
  ThreadCall call = { func, data, NULL, FALSE };
  GThread *thread = g_thread_new ("ui-test-client", thread_main, &call);

  while (!g_atomic_int_get (&call.done))
    g_main_context_iteration (NULL, TRUE);
  g_thread_join (thread);
  return call.result;
}

static gboolean
on_timeout (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
ui_wait_until (gboolean (*cond) (gpointer data), gpointer data, const char *what)
{
  gboolean expired = FALSE;
  /* Generous: on two shared cores, a busy machine delays layout and scrolling by
   * seconds (test-ui-traffic's follow mode timed out at 10 s under load). */
  guint timeout = g_timeout_add_seconds (30, on_timeout, &expired);

  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (expired)
    g_error ("timed out waiting for %s", what);
  g_source_remove (timeout);
}

void
ui_spin (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, on_timeout, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_toast (GSimpleAction *action, GVariant *parameter, gpointer user_data)
{
  g_test_message ("toast: %s", g_variant_get_string (parameter, NULL));
}

GtkWidget *
ui_window_new (GtkWidget *child)
{
  GtkWidget *window = adw_window_new ();

  /* A test window answers win.toast as the app's window does, so pages can toast. */
  {
    GSimpleActionGroup *group = g_simple_action_group_new ();
    GSimpleAction *toast = g_simple_action_new ("toast", G_VARIANT_TYPE_STRING);

    g_signal_connect (toast, "activate", G_CALLBACK (on_toast), NULL);
    g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (toast));
    gtk_widget_insert_action_group (window, "win", G_ACTION_GROUP (group));
    g_object_unref (toast);
    g_object_unref (group);
  }
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 700);
  adw_window_set_content (ADW_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (50);
  return window;
}

static void
collect (GtkWidget *widget, GType type, GPtrArray *found, gboolean first)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (first && found->len > 0)
        return;
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        g_ptr_array_add (found, child);
      collect (child, type, found, first);
    }
}

GtkWidget *
ui_find_widget (GtkWidget *root, GType type)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  collect (root, type, found, TRUE);
  return found->len > 0 ? g_ptr_array_index (found, 0) : NULL;
}

GPtrArray *
ui_find_widgets (GtkWidget *root, GType type)
{
  GPtrArray *found = g_ptr_array_new ();

  collect (root, type, found, FALSE);
  return found;
}

GtkWidget *
ui_find_by_text (GtkWidget *root, const char *text)
{
  g_autoptr(GPtrArray) labels = ui_find_widgets (root, GTK_TYPE_LABEL);
  g_autoptr(GPtrArray) rows = ui_find_widgets (root, ADW_TYPE_PREFERENCES_ROW);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (g_ptr_array_index (rows, i)), text) == 0)
      return g_ptr_array_index (rows, i);
  for (guint i = 0; i < labels->len; i++)
    if (g_strcmp0 (gtk_label_get_label (g_ptr_array_index (labels, i)), text) == 0)
      return g_ptr_array_index (labels, i);
  return NULL;
}

typedef struct
{
  guint16     port;
  const char *id;
} PairCall;

static gpointer
pair_thread (gpointer user_data)
{
  PairCall *call = user_data;
  HapTestClient *client = hap_test_client_new (call->id);

  hap_test_client_connect (client, call->port);
  g_assert_cmpint (hap_test_client_pair_setup (client, HAP_TEST_SETUP_CODE, 0), ==, 0);
  hap_test_client_connect (client, call->port);
  g_assert_cmpint (hap_test_client_pair_verify (client), ==, 0);
  return client;
}

HapTestClient *
ui_pair_controller (guint16 port, const char *controller_id)
{
  PairCall call = { port, controller_id };

  return ui_run_in_thread (pair_thread, &call);
}
