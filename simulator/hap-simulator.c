/* hap-simulator.c — serves virtual HAP accessories declared in JSON files
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One command, three modes: the desktop app (ui/, the default: it executes
 * hap-simulator-app, the only executable that loads GTK), the headless runner over the
 * engine (hap-sim-engine.h) and its D-Bus control API (--headless), and
 * `hap-simulator ctl …`, the command-line client of that API (hap-sim-ctl.c).
 *
 * Output contract (other tools parse it; keep it stable): one JSON line on stdout per
 * accessory when it is ready, {"event":"ready","name":…,"device_id":…,"port":…,
 * "setup_code":…,"setup_payload":…}; everything else goes to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <libhap-glib/hap.h>
#include <libhap-glib/hap-inspection.h>
#include "hap-setup-qr.h"
#include "hap-sim-dbus.h"
#include "hap-sim-engine.h"
#include "i18n/hap-i18n.h"

typedef struct
{
  GMainLoop    *loop;
  HapSimEngine *engine;
  const char   *qr_png;    /* --qr-png pattern, or NULL */
  gboolean      show_qr;   /* stdout is a terminal */
  GHashTable   *printed;   /* HapSimAccessory whose ready line is out */
  GHashTable   *advertised; /* HapSimAccessory whose DNS-SD record is up (or no avahi) */
  char        **files;      /* to start, from @next_file on */
  guint         next_file;
  int           status;     /* 1 once a file could not be started */
} Simulator;

static gboolean
on_quit_signal (gpointer user_data)
{
  Simulator *sim = user_data;

  g_message ("shutting down");
  g_main_loop_quit (sim->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_pairing_added (HapSimAccessory *acc, const char *controller, gboolean admin, gpointer user_data)
{
  g_message ("%s: pairing added for %s%s", hap_sim_accessory_get_id (acc), controller, admin ? " (admin)" : "");
}

static void
on_pairing_removed (HapSimAccessory *acc, const char *controller, gpointer user_data)
{
  g_message ("%s: pairing removed for %s", hap_sim_accessory_get_id (acc), controller);
}

static char *
default_state_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "hap-simulator", NULL);
}

/* "%n" in the pattern becomes the accessory's id (its file's name). */
static char *
expand_png_path (const char *pattern, HapSimAccessory *acc)
{
  g_auto(GStrv) parts = g_strsplit (pattern, "%n", -1);

  return g_strjoinv (hap_sim_accessory_get_id (acc), parts);
}

static void
show_setup (Simulator *sim, HapSimAccessory *acc, HapAccessoryServer *server, const char *payload)
{
  /* A provisioned device holds no code: its QR code is on its label only. */
  if (payload == NULL)
    return;
  if (sim->qr_png != NULL)
    {
      g_autofree char *path = expand_png_path (sim->qr_png, acc);
      g_autoptr(GError) error = NULL;

      if (!hap_setup_qr_to_png (payload, path, &error))
        g_warning ("%s", error->message);
      else
        g_message ("%s: QR code written to %s", hap_sim_accessory_get_id (acc), path);
    }
  if (sim->show_qr)
    {
      g_autofree char *qr = hap_setup_qr_to_text (payload);
      g_print (_("\n%s — setup code %s\n%s\n"), hap_sim_accessory_get_name (acc),
               hap_accessory_server_get_setup_code (server), qr);
    }
}

/* Ready when every transport the file asks for is up: the DNS-SD record (or no
 * avahi-daemon) for IP, BlueZ's advertisement for BLE; @force after the timeout. */
static void
print_ready (Simulator *sim, HapSimAccessory *acc, gboolean force)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (acc);
  g_autoptr(GString) line = g_string_new ("{\"event\":\"ready\",\"name\":");
  g_autofree char *payload = NULL;
  HapTransportFlags transports;
  const char *adapter;

  if (server == NULL || g_hash_table_contains (sim->printed, acc))
    return;
  transports = hap_accessory_server_get_transports (server);
  adapter = hap_accessory_server_get_ble_adapter (server);
  if (!force && (((transports & HAP_TRANSPORT_IP) && !g_hash_table_contains (sim->advertised, acc)) ||
                 ((transports & HAP_TRANSPORT_BLE) && adapter == NULL)))
    return;
  g_hash_table_add (sim->printed, acc);
  payload = hap_accessory_server_dup_setup_payload (server);
  hap_json_append_string (line, hap_sim_accessory_get_name (acc));
  g_string_append (line, ",\"device_id\":");
  hap_json_append_string (line, hap_accessory_server_get_device_id (server));
  g_string_append_printf (line, ",\"transports\":[%s%s%s]",
                          (transports & HAP_TRANSPORT_IP) ? "\"ip\"" : "",
                          (transports & HAP_TRANSPORT_IP) && (transports & HAP_TRANSPORT_BLE) ? "," : "",
                          (transports & HAP_TRANSPORT_BLE) ? "\"ble\"" : "");
  if (transports & HAP_TRANSPORT_IP)
    g_string_append_printf (line, ",\"port\":%u", hap_accessory_server_get_port (server));
  if (transports & HAP_TRANSPORT_BLE)
    {
      g_string_append (line, ",\"ble_adapter\":");
      if (adapter != NULL)
        hap_json_append_string (line, adapter);
      else
        g_string_append (line, "null");
    }
  g_string_append (line, ",\"setup_code\":");
  hap_json_append_string (line, hap_accessory_server_get_setup_code (server));
  g_string_append (line, ",\"setup_payload\":");
  hap_json_append_string (line, payload);
  g_string_append (line, "}\n");
  fputs (line->str, stdout);
  fflush (stdout);
  show_setup (sim, acc, server, payload);
}

/* Ready once advertised (with the final, collision-free name), or at once when
 * avahi-daemon is absent: the accessory already serves over TCP. */
static void
on_advertised (HapSimAccessory *acc, const char *name, gpointer user_data)
{
  Simulator *sim = user_data;

  g_hash_table_add (sim->advertised, acc);
  print_ready (sim, acc, FALSE);
}

static void
on_ble_advertised (HapSimAccessory *acc, const char *adapter, gpointer user_data)
{
  print_ready (user_data, acc, FALSE);
}

static void
on_state_changed (HapSimAccessory *acc, gpointer user_data)
{
  Simulator *sim = user_data;

  /* A restarted accessory announces itself again (its port may be new). */
  if (hap_sim_accessory_get_state (acc) == HAP_SIM_STATE_STOPPED)
    {
      g_hash_table_remove (sim->printed, acc);
      g_hash_table_remove (sim->advertised, acc);
    }
}

static void
on_accessory_added (HapSimEngine *engine, HapSimAccessory *acc, gpointer user_data)
{
  g_signal_connect (acc, "advertised", G_CALLBACK (on_advertised), user_data);
  g_signal_connect (acc, "ble-advertised", G_CALLBACK (on_ble_advertised), user_data);
  g_signal_connect (acc, "state-changed", G_CALLBACK (on_state_changed), user_data);
  g_signal_connect (acc, "pairing-added", G_CALLBACK (on_pairing_added), NULL);
  g_signal_connect (acc, "pairing-removed", G_CALLBACK (on_pairing_removed), NULL);
}

static void
on_accessory_removed (HapSimEngine *engine, HapSimAccessory *acc, gpointer user_data)
{
  Simulator *sim = user_data;

  g_signal_handlers_disconnect_by_data (acc, sim);
  g_hash_table_remove (sim->printed, acc);
  g_hash_table_remove (sim->advertised, acc);
}

/* One state subdirectory per accessory file, named after the file (the engine's ids), so
 * that a restart with the same files finds the same identities. */
static char *
state_subdir (const char *state_dir, const char *file, GHashTable *used)
{
  g_autofree char *base = g_path_get_basename (file);
  char *dot = strrchr (base, '.');
  g_autofree char *name = NULL;

  if (dot != NULL && dot != base)
    *dot = '\0';
  name = g_strdup (base);
  for (guint n = 2; g_hash_table_contains (used, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%u", base, n);
    }
  g_hash_table_add (used, g_strdup (name));
  return g_build_filename (state_dir, name, NULL);
}

static gboolean
remove_tree (const char *path, GError **error)
{
  g_autoptr(GFile) dir = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                                        NULL, error);
  if (children == NULL)
    return FALSE;
  while ((info = g_file_enumerator_next_file (children, NULL, error)) != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));
      g_object_unref (info);
      /* The state directory holds plain files only. */
      if (!g_file_delete (child, NULL, error))
        return FALSE;
    }
  return g_file_delete (dir, NULL, error);
}

/* Factory reset: the accessory's state directory goes; the next start creates a new
 * device ID, keys and setup code (docs/protocol.md §2.5) with no pairings. */
static int
run_factory_reset (const char *state_dir, char **files)
{
  g_autoptr(GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int status = 0;

  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *dir = state_subdir (state_dir, files[i], used);
      g_autoptr(GError) error = NULL;

      if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
        {
          g_print (_("%s: nothing to reset (%s does not exist)\n"), files[i], dir);
          continue;
        }
      if (!remove_tree (dir, &error))
        {
          g_printerr ("hap-simulator: %s: %s\n", dir, error->message);
          status = 1;
          continue;
        }
      g_print (_("%s: identity and pairings wiped (%s)\n"), files[i], dir);
    }
  return status;
}

static gboolean
on_ready_timeout (gpointer user_data)
{
  Simulator *sim = user_data;
  GPtrArray *all = hap_sim_engine_get_accessories (sim->engine);

  /* A daemon that never confirms the record must not hold the ready line back. */
  for (guint i = 0; i < all->len; i++)
    {
      HapSimAccessory *acc = g_ptr_array_index (all, i);

      if (!g_hash_table_contains (sim->printed, acc) && hap_sim_accessory_get_server (acc) != NULL)
        {
          g_warning ("%s: not advertised after 5 s; ready anyway", hap_sim_accessory_get_id (acc));
          print_ready (sim, acc, TRUE);
        }
    }
  return G_SOURCE_REMOVE;
}

/* Starts the files a slice of main-loop time at a time, so that the control API (exported
 * first) answers while thousands of accessories start. Then arms the ready timeout. */
static gboolean
start_files (gpointer user_data)
{
  Simulator *sim = user_data;
  gint64 until = g_get_monotonic_time () + 20 * 1000;
  g_autoptr(GError) error = NULL;

  while (sim->files[sim->next_file] != NULL && g_get_monotonic_time () < until)
    {
      const char *file = sim->files[sim->next_file++];
      gboolean ok = g_file_test (file, G_FILE_TEST_IS_DIR)
                    ? hap_sim_engine_add_workspace (sim->engine, file, TRUE, &error)
                    : hap_sim_engine_add_file_at_startup (sim->engine, file, &error) != NULL;

      if (!ok)
        {
          g_printerr ("hap-simulator: %s: %s\n", file, error->message);
          sim->status = 1;
          g_main_loop_quit (sim->loop);
          return G_SOURCE_REMOVE;
        }
    }
  hap_sim_engine_set_starting (sim->engine, g_strv_length (sim->files + sim->next_file));
  if (sim->files[sim->next_file] != NULL)
    return G_SOURCE_CONTINUE;
  g_timeout_add_seconds (5, on_ready_timeout, sim);
  return G_SOURCE_REMOVE;
}

/* "session" (the default: without one, the control API is off with a warning), "system",
 * "none", or a D-Bus address. */
static GDBusConnection *
connect_bus (const char *bus, gboolean *required, GError **error)
{
  *required = bus != NULL;
  if (bus == NULL || g_str_equal (bus, "session"))
    return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (g_str_equal (bus, "system"))
    return g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  return g_dbus_connection_new_for_address_sync (bus,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, error);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Simulator *sim = user_data;

  g_printerr (_("hap-simulator: the bus name %s is taken (another simulator?); use --bus-name\n"), name);
  g_main_loop_quit (sim->loop);
}

/* The window is the default; --headless and --factory-reset (which never needs one)
 * select the runner before any option parsing, since the two modes take different
 * options. */
static gboolean
wants_headless (int argc, char **argv)
{
  for (int i = 1; i < argc && !g_str_equal (argv[i], "--"); i++)
    if (g_str_equal (argv[i], "--headless") || g_str_equal (argv[i], "--factory-reset"))
      return TRUE;
  return FALSE;
}

/* The desktop app is its own executable (hap-simulator-app, ui/): the runner and ctl do
 * not load GTK, which alone would triple a one-accessory runner's memory. Uninstalled it
 * sits next to this binary; installed, in libexecdir. */
static int
exec_app (char **argv)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self != NULL ? g_path_get_dirname (self) : NULL;
  g_autofree char *sibling = dir != NULL ? g_build_filename (dir, "hap-simulator-app", NULL) : NULL;
  const char *app = sibling != NULL && g_file_test (sibling, G_FILE_TEST_IS_EXECUTABLE)
                    ? sibling : HAP_SIM_APP_PATH;
  int saved;

  execv (app, argv);
  saved = errno;
  g_printerr (_("hap-simulator: cannot start the desktop app %s: %s (use --headless to run without a window)\n"),
              app, g_strerror (saved));
  return 1;
}

/* Swallows the probe load's warnings: the real load repeats them, and once is enough. */
static void
drop_message (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

/* Each running accessory holds a descriptor (its listening socket; the engine's servers
 * share one poll set) before any controller connects; connections, files and the buses
 * need more. */
#define DESCRIPTORS_PER_ACCESSORY 1
#define DESCRIPTORS_RESERVED      256

/* Raises the descriptor limit to the hard limit, and says so clearly when even that is
 * too low for @n_accessories, rather than failing later at "Too many open files". */
static gboolean
check_descriptor_limit (guint n_accessories)
{
  struct rlimit limit;
  guint64 needed = (guint64) n_accessories * DESCRIPTORS_PER_ACCESSORY + DESCRIPTORS_RESERVED;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return TRUE;
  if (limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        getrlimit (RLIMIT_NOFILE, &limit);
    }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed)
    {
      g_printerr (_("hap-simulator: %u accessories need about %llu file descriptors, "
                    "but the limit is %llu (its hard limit): raise it (ulimit -Hn, "
                    "LimitNOFILE=) or serve fewer accessories per process\n"),
                  n_accessories, (unsigned long long) needed, (unsigned long long) limit.rlim_cur);
      return FALSE;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  gboolean headless = FALSE, verbose = FALSE, factory_reset = FALSE, required = FALSE;
  guint n_accessories = 0;
  g_autofree char *qr_png = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *bind_address = NULL;
  g_autofree char *setup_code = NULL;
  g_autofree char *bus = NULL;
  g_autofree char *bus_name = NULL;
  g_autofree char *ble_adapter = NULL;
  g_auto(GStrv) files = NULL;
  int port = 0;
  HapSimConnectionSettings connections = HAP_SIM_CONNECTION_SETTINGS_INIT;
  gint64 max_process_connections = -1;
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *bus_name_help = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  HapSimDBus *dbus = NULL;
  guint owner_id = 0;
  guint start_source = 0;
  int status = 0;
  Simulator sim = { 0 };
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, N_("Run without a window"), NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      N_("Where identities, keys and pairings are kept (default: $XDG_STATE_HOME/hap-simulator)"), "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      N_("TCP port of the first accessory; the next ones use the following ports (default: any free port)"), "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind_address, N_("Listen on this address only"), "ADDR" },
    { "ble-adapter", 0, 0, G_OPTION_ARG_STRING, &ble_adapter,
      N_("BlueZ adapter for accessories served over BLE (default: the first that can be a peripheral); "
      "hci0,hci1,… gives each BLE accessory the next adapter (one adapter serves one)"), "hciN[,…]" },
    { "setup-code", 0, 0, G_OPTION_ARG_STRING, &setup_code,
      N_("Setup code for every accessory (default: a stored or random one each)"), "XXX-XX-XXX" },
    { "qr-png", 0, 0, G_OPTION_ARG_FILENAME, &qr_png,
      N_("Write each accessory's setup QR code as a PNG; %n in PATTERN is the accessory's id"), "PATTERN" },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &bus,
      N_("Control API on this D-Bus: session (default), system, none, or an address"), "BUS" },
    { "bus-name", 0, 0, G_OPTION_ARG_STRING, &bus_name,
      bus_name_help, "NAME" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT64, &connections.max_connections,
      N_("HAP/IP connections each accessory holds at once (default 256; 0: no cap of its own)"), "N" },
    { "max-process-connections", 0, 0, G_OPTION_ARG_INT64, &max_process_connections,
      N_("HAP/IP connections of all accessories together (default: the descriptor limit minus "
      "2 per accessory and max(64, 1/8)); at either cap the oldest unverified connection is closed"), "N" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT64, &connections.idle_timeout_ms,
      N_("Close a connection that takes no pairing step for this long before Pair Verify "
      "(default 60000; 0: never)"), "MS" },
    { "stall-timeout", 0, 0, G_OPTION_ARG_INT64, &connections.stall_timeout_ms,
      N_("Close a connection whose request or encrypted frame stays incomplete this long "
      "(default 10000; 0: never)"), "MS" },
    { "pairing-timeout", 0, 0, G_OPTION_ARG_INT64, &connections.pairing_timeout_ms,
      N_("Drop a Pair Setup or Pair Verify that waits this long for the controller "
      "(default 30000; 0: never)"), "MS" },
    { "factory-reset", 0, 0, G_OPTION_ARG_NONE, &factory_reset,
      N_("Wipe the identity, keys and pairings of the given accessories, then exit"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log protocol details to stderr"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE.json|DIR…" },
    { NULL }
  };

  hap_i18n_init ();
  bus_name_help = g_strdup_printf (_("Own this bus name (default: %s)"), HAP_SIM_DBUS_NAME);
  if (argc > 1 && g_str_equal (argv[1], "ctl"))
    return hap_sim_ctl_main (argc - 1, argv + 1);
  if (!wants_headless (argc, argv))
    return exec_app (argv);

  context = g_option_context_new (_("FILE.json|DIR… — serve virtual HomeKit accessories"));
  /* xgettext sees no macros inside a literal: the interface name comes in through %s */
  summary = g_strdup_printf (_(
    "Each FILE.json describes one accessory or one bridge (see accessories/README.md); a\n"
    "DIR is a workspace: every *.json in it. When an accessory is ready, one JSON line is\n"
    "printed on stdout:\n"
    "  {\"event\":\"ready\",\"name\":…,\"device_id\":…,\"transports\":[\"ip\",\"ble\"],\"port\":…,\n"
    "   \"ble_adapter\":…,\"setup_code\":…,\"setup_payload\":…}\n"
    "(port for HAP/IP, ble_adapter for HAP over BLE: the file's \"transports\").\n"
    "Logs go to stderr. SIGINT or SIGTERM closes connections and exits.\n"
    "\n"
    "While it runs, `hap-simulator ctl` drives it over D-Bus (%s):\n"
    "list, add, remove, stop, start, power-cycle, restart, get, set, pairings, sessions,\n"
    "quirks, trace… — see `hap-simulator ctl --help`."), HAP_SIM_DBUS_INTERFACE);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hap-simulator: %s\n", error->message);
      return 2;
    }
  if (files == NULL || files[0] == NULL)
    {
      g_printerr (_("hap-simulator: no accessory files given (try accessories/lightbulb.json)\n"));
      return 2;
    }
  if (port < 0 || port > 65535)
    {
      g_printerr (_("hap-simulator: --port must be 0..65535\n"));
      return 2;
    }
  {
    const struct { const char *name; gint64 value; } limits[] = {
      { "--max-connections", connections.max_connections },
      { "--max-process-connections", max_process_connections },
      { "--idle-timeout", connections.idle_timeout_ms },
      { "--stall-timeout", connections.stall_timeout_ms },
      { "--pairing-timeout", connections.pairing_timeout_ms },
    };
    for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
      if (limits[i].value != -1 && (limits[i].value < 0 || limits[i].value > G_MAXUINT32))
        {
          g_printerr (_("hap-simulator: %s must be 0..%u\n"), limits[i].name, G_MAXUINT32);
          return 2;
        }
  }
  if (setup_code != NULL && !hap_setup_code_validate (setup_code, &error))
    {
      g_printerr (_("hap-simulator: --setup-code: %s\n"), error->message);
      return 2;
    }
  /* Logs of every level go to stderr: stdout carries the ready lines (JSON) and ctl's
   * output, which programs read. GLib would send debug and info messages to stdout. */
  g_log_writer_default_set_use_stderr (TRUE);
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  if (state_dir == NULL)
    state_dir = default_state_dir ();
  if (qr_png != NULL && (g_strv_length (files) > 1 || g_file_test (files[0], G_FILE_TEST_IS_DIR)) &&
      strstr (qr_png, "%n") == NULL)
    {
      g_printerr (_("hap-simulator: --qr-png needs %%n in the file name when serving several accessories\n"));
      return 2;
    }
  if (factory_reset)
    return run_factory_reset (state_dir, files);

  /* Load every file before serving anything: a broken file stops the whole run. What a
   * recorded device got wrong is logged by the load below, once. */
  {
    g_autoptr(HapSimEngine) probe = hap_sim_engine_new (state_dir);
    guint quiet = g_log_set_handler ("Hap", G_LOG_LEVEL_WARNING, drop_message, NULL);

    hap_sim_engine_set_advertise (probe, FALSE);
    /* The probe's accessories are loaded, not started: they hold no descriptors. */
    for (guint i = 0; files[i] != NULL; i++)
      {
        gboolean ok = g_file_test (files[i], G_FILE_TEST_IS_DIR)
                      ? hap_sim_engine_add_workspace (probe, files[i], FALSE, &error)
                      : hap_sim_engine_add_file (probe, files[i], FALSE, &error) != NULL;
        if (!ok)
          {
            g_printerr ("hap-simulator: %s\n", error->message);
            return 1;
          }
      }
    g_log_remove_handler ("Hap", quiet);
    n_accessories = hap_sim_engine_get_accessories (probe)->len;
  }
  if (!check_descriptor_limit (n_accessories))
    return 1;
  sim.engine = hap_sim_engine_new (state_dir);
  sim.printed = g_hash_table_new (NULL, NULL);
  sim.advertised = g_hash_table_new (NULL, NULL);
  sim.loop = g_main_loop_new (NULL, FALSE);
  sim.qr_png = qr_png;
  sim.show_qr = isatty (STDOUT_FILENO);
  hap_sim_engine_set_bind_address (sim.engine, bind_address);
  hap_sim_engine_set_base_port (sim.engine, (guint16) port);
  hap_sim_engine_set_ble_adapter (sim.engine, ble_adapter);
  hap_sim_engine_set_setup_code (sim.engine, setup_code, NULL);
  hap_sim_engine_set_connection_settings (sim.engine, &connections);
  if (max_process_connections >= 0)
    hap_connection_limit_set_max_connections (hap_sim_engine_get_connection_limit (sim.engine),
                                              (guint) max_process_connections);
  g_signal_connect (sim.engine, "accessory-added", G_CALLBACK (on_accessory_added), &sim);
  g_signal_connect (sim.engine, "accessory-removed", G_CALLBACK (on_accessory_removed), &sim);
  g_unix_signal_add (SIGINT, on_quit_signal, &sim);
  g_unix_signal_add (SIGTERM, on_quit_signal, &sim);

  sim.files = files;
  hap_sim_engine_set_starting (sim.engine, g_strv_length (files));

  if (bus == NULL || !g_str_equal (bus, "none"))
    {
      connection = connect_bus (bus, &required, &error);
      if (connection == NULL && required)
        {
          g_printerr (_("hap-simulator: --bus %s: %s\n"), bus, error->message);
          status = 1;
          goto out;
        }
      if (connection == NULL)
        g_warning ("no session bus (%s): the control API is off", error->message);
      else if ((dbus = hap_sim_dbus_export (sim.engine, connection, &error)) == NULL)
        {
          g_printerr (_("hap-simulator: cannot export the control API: %s\n"), error->message);
          status = 1;
          goto out;
        }
      else
        owner_id = g_bus_own_name_on_connection (connection, bus_name ? bus_name : HAP_SIM_DBUS_NAME,
                                                 G_BUS_NAME_OWNER_FLAGS_NONE, NULL, on_name_lost,
                                                 &sim, NULL);
      g_clear_error (&error);
    }
  start_source = g_idle_add_full (G_PRIORITY_LOW, start_files, &sim, NULL);

  g_main_loop_run (sim.loop);
  status = MAX (status, sim.status);

out:
  if (start_source != 0 && sim.files[sim.next_file] != NULL && sim.status == 0)
    g_source_remove (start_source);
  if (owner_id != 0)
    g_bus_unown_name (owner_id);
  g_clear_pointer (&dbus, hap_sim_dbus_unexport);
  hap_sim_engine_stop_all (sim.engine);
  g_clear_object (&sim.engine);
  g_hash_table_unref (sim.printed);
  g_hash_table_unref (sim.advertised);
  g_main_loop_unref (sim.loop);
  return status;
}
