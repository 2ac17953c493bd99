/* hap-simulator.c — serves virtual HAP accessories declared in JSON files
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Output contract (other tools parse it; keep it stable): one JSON line on stdout per
 * accessory when it is ready, {"event":"ready","name":…,"device_id":…,"port":…,
 * "setup_code":…,"setup_payload":…}; everything else goes to stderr.
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <libhap-glib/hap.h>
#include "hap-model-private.h"
#include "hap-setup-qr.h"

typedef struct
{
  GMainLoop  *loop;
  GPtrArray  *servers;   /* HapAccessoryServer */
  const char *qr_png;    /* --qr-png pattern, or NULL */
  gboolean    show_qr;   /* stdout is a terminal */
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
on_identify (HapAccessory *accessory, gpointer user_data)
{
  g_message ("%s: identify", hap_accessory_get_name (accessory));
}

static void
on_pairing_added (HapAccessoryServer *server, const char *controller, gboolean admin, gpointer user_data)
{
  g_message ("%s: pairing added for %s%s", hap_accessory_get_name (hap_accessory_server_get_accessory (server)),
             controller, admin ? " (admin)" : "");
}

static void
on_pairing_removed (HapAccessoryServer *server, const char *controller, gpointer user_data)
{
  g_message ("%s: pairing removed for %s", hap_accessory_get_name (hap_accessory_server_get_accessory (server)),
             controller);
}

static char *
default_state_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "hap-simulator", NULL);
}

/* One state subdirectory per accessory file, named after the file so that a restart with
 * the same files finds the same identities. */
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

/* "%n" in the pattern becomes the accessory file's name (its state directory's name). */
static char *
expand_png_path (const char *pattern, HapAccessoryServer *server)
{
  g_autofree char *stem = g_path_get_basename (g_object_get_data (G_OBJECT (server), "state-dir"));
  g_auto(GStrv) parts = g_strsplit (pattern, "%n", -1);

  return g_strjoinv (stem, parts);
}

static void
show_setup (Simulator *sim, HapAccessoryServer *server, const char *name, const char *payload)
{
  if (sim->qr_png != NULL)
    {
      g_autofree char *path = expand_png_path (sim->qr_png, server);
      g_autoptr(GError) error = NULL;

      if (!hap_setup_qr_to_png (payload, path, &error))
        g_warning ("%s", error->message);
      else
        g_message ("%s: QR code written to %s", name, path);
    }
  if (sim->show_qr)
    {
      g_autofree char *qr = hap_setup_qr_to_text (payload);
      g_print ("\n%s — setup code %s\n%s\n", name, hap_accessory_server_get_setup_code (server), qr);
    }
}

static void
print_ready (Simulator *sim, HapAccessoryServer *server, const char *name)
{
  g_autoptr(GString) line = g_string_new ("{\"event\":\"ready\",\"name\":");
  g_autofree char *payload = hap_accessory_server_dup_setup_payload (server);

  if (g_object_get_data (G_OBJECT (server), "ready-printed") != NULL)
    return;
  g_object_set_data (G_OBJECT (server), "ready-printed", GINT_TO_POINTER (1));
  hap_json_append_string (line, name);
  g_string_append (line, ",\"device_id\":");
  hap_json_append_string (line, hap_accessory_server_get_device_id (server));
  g_string_append_printf (line, ",\"port\":%u,\"setup_code\":", hap_accessory_server_get_port (server));
  hap_json_append_string (line, hap_accessory_server_get_setup_code (server));
  g_string_append (line, ",\"setup_payload\":");
  hap_json_append_string (line, payload);
  g_string_append (line, "}\n");
  fputs (line->str, stdout);
  fflush (stdout);
  show_setup (sim, server, name, payload);
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
 * device ID, keys and setup code (hap-protocol.md §2.5) with no pairings. */
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
          g_print ("%s: nothing to reset (%s does not exist)\n", files[i], dir);
          continue;
        }
      if (!remove_tree (dir, &error))
        {
          g_printerr ("hap-simulator: %s: %s\n", dir, error->message);
          status = 1;
          continue;
        }
      g_print ("%s: identity and pairings wiped (%s)\n", files[i], dir);
    }
  return status;
}

/* Ready once advertised (with the final, collision-free name), or at once when
 * avahi-daemon is absent: the accessory already serves over TCP. */
static void
on_advertised (HapAccessoryServer *server, const char *name, gpointer user_data)
{
  if (name == NULL)
    name = hap_accessory_get_name (hap_accessory_server_get_accessory (server));
  print_ready (user_data, server, name);
}

static gboolean
on_ready_timeout (gpointer user_data)
{
  Simulator *sim = user_data;

  /* A daemon that never confirms the record must not hold the ready line back. */
  for (guint i = 0; i < sim->servers->len; i++)
    {
      HapAccessoryServer *server = g_ptr_array_index (sim->servers, i);
      const char *name = hap_accessory_server_get_advertised_name (server);

      if (g_object_get_data (G_OBJECT (server), "ready-printed") == NULL)
        g_warning ("%s: not advertised after 5 s; ready anyway",
                   hap_accessory_get_name (hap_accessory_server_get_accessory (server)));
      print_ready (sim, server, name ? name : hap_accessory_get_name (hap_accessory_server_get_accessory (server)));
    }
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gboolean headless = FALSE, verbose = FALSE, factory_reset = FALSE;
  g_autofree char *qr_png = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *bind_address = NULL;
  g_autofree char *setup_code = NULL;
  g_auto(GStrv) files = NULL;
  int port = 0;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accessories = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) used_dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Simulator sim = { 0 };
  g_autoptr(HapAdvertiser) advertiser = NULL;
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, "Run without a window", NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Where identities, keys and pairings are kept (default: $XDG_STATE_HOME/hap-simulator)", "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      "TCP port of the first accessory; the next ones use the following ports (default: any free port)", "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind_address, "Listen on this address only", "ADDR" },
    { "setup-code", 0, 0, G_OPTION_ARG_STRING, &setup_code,
      "Setup code for every accessory (default: a stored or random one each)", "XXX-XX-XXX" },
    { "qr-png", 0, 0, G_OPTION_ARG_FILENAME, &qr_png,
      "Write each accessory's setup QR code as a PNG; %n in PATTERN is the file's name", "PATTERN" },
    { "factory-reset", 0, 0, G_OPTION_ARG_NONE, &factory_reset,
      "Wipe the identity, keys and pairings of the given accessories, then exit", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log protocol details to stderr", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "FILE.json…" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("FILE.json… — serve virtual HomeKit accessories");
  g_option_context_set_summary (context,
    "Each FILE.json describes one accessory or one bridge (see accessories/README.md).\n"
    "When an accessory is ready, one JSON line is printed on stdout:\n"
    "  {\"event\":\"ready\",\"name\":…,\"device_id\":…,\"port\":…,\"setup_code\":…,\"setup_payload\":…}\n"
    "Logs go to stderr. SIGINT or SIGTERM closes connections and exits.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hap-simulator: %s\n", error->message);
      return 2;
    }
  if (!headless && !factory_reset)
    {
      g_printerr ("hap-simulator: this build has no desktop window yet; run with --headless\n");
      return 2;
    }
  if (files == NULL || files[0] == NULL)
    {
      g_printerr ("hap-simulator: no accessory files given (try accessories/lightbulb.json)\n");
      return 2;
    }
  if (port < 0 || port > 65535)
    {
      g_printerr ("hap-simulator: --port must be 0..65535\n");
      return 2;
    }
  if (setup_code != NULL && !hap_setup_code_validate (setup_code, &error))
    {
      g_printerr ("hap-simulator: --setup-code: %s\n", error->message);
      return 2;
    }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  if (state_dir == NULL)
    state_dir = default_state_dir ();
  if (qr_png != NULL && g_strv_length (files) > 1 && strstr (qr_png, "%n") == NULL)
    {
      g_printerr ("hap-simulator: --qr-png needs %%n in the file name when serving several files\n");
      return 2;
    }
  if (factory_reset)
    return run_factory_reset (state_dir, files);

  /* Load every file before serving anything: a broken file stops the whole run. */
  for (guint i = 0; files[i] != NULL; i++)
    {
      HapAccessory *accessory = hap_accessory_new_from_file (files[i], &error);
      if (accessory == NULL)
        {
          g_printerr ("hap-simulator: %s\n", error->message);
          return 1;
        }
      g_ptr_array_add (accessories, accessory);
    }

  sim.loop = g_main_loop_new (NULL, FALSE);
  sim.qr_png = qr_png;
  sim.show_qr = isatty (STDOUT_FILENO);
  sim.servers = g_ptr_array_new_with_free_func (g_object_unref);
  g_unix_signal_add (SIGINT, on_quit_signal, &sim);
  g_unix_signal_add (SIGTERM, on_quit_signal, &sim);
  /* One Avahi client for every accessory of this process. */
  advertiser = hap_advertiser_new ();

  for (guint i = 0; i < accessories->len; i++)
    {
      HapAccessory *accessory = g_ptr_array_index (accessories, i);
      g_autofree char *dir = state_subdir (state_dir, files[i], used_dirs);
      HapAccessoryServer *server = hap_accessory_server_new (accessory, dir);

      g_ptr_array_add (sim.servers, server);
      if (port != 0)
        hap_accessory_server_set_port (server, (guint16) (port + i));
      hap_accessory_server_set_bind_address (server, bind_address);
      hap_accessory_server_set_advertiser (server, advertiser);
      g_signal_connect (server, "advertised", G_CALLBACK (on_advertised), &sim);
      g_object_set_data_full (G_OBJECT (server), "state-dir", g_strdup (dir), g_free);
      if (setup_code != NULL)
        hap_accessory_server_set_setup_code (server, setup_code, NULL);
      g_signal_connect (accessory, "identify", G_CALLBACK (on_identify), NULL);
      g_signal_connect (server, "pairing-added", G_CALLBACK (on_pairing_added), NULL);
      g_signal_connect (server, "pairing-removed", G_CALLBACK (on_pairing_removed), NULL);
      if (!hap_accessory_server_start (server, &error))
        {
          g_printerr ("hap-simulator: %s: %s\n", files[i], error->message);
          g_ptr_array_unref (sim.servers);
          g_main_loop_unref (sim.loop);
          return 1;
        }
    }
  g_timeout_add_seconds (5, on_ready_timeout, &sim);

  g_main_loop_run (sim.loop);

  for (guint i = 0; i < sim.servers->len; i++)
    hap_accessory_server_stop (g_ptr_array_index (sim.servers, i));
  g_ptr_array_unref (sim.servers);
  g_main_loop_unref (sim.loop);
  return 0;
}
