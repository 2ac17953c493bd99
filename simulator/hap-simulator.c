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

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <libhap-glib/hap.h>
#include "hap-model-private.h"

typedef struct
{
  GMainLoop *loop;
  GPtrArray *servers;   /* HapAccessoryServer */
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

static void
print_ready (HapAccessoryServer *server)
{
  HapAccessory *accessory = hap_accessory_server_get_accessory (server);
  g_autoptr(GString) line = g_string_new ("{\"event\":\"ready\",\"name\":");
  g_autofree char *payload = hap_accessory_server_dup_setup_payload (server);

  hap_json_append_string (line, hap_accessory_get_name (accessory));
  g_string_append (line, ",\"device_id\":");
  hap_json_append_string (line, hap_accessory_server_get_device_id (server));
  g_string_append_printf (line, ",\"port\":%u,\"setup_code\":", hap_accessory_server_get_port (server));
  hap_json_append_string (line, hap_accessory_server_get_setup_code (server));
  g_string_append (line, ",\"setup_payload\":");
  hap_json_append_string (line, payload);
  g_string_append (line, "}\n");
  fputs (line->str, stdout);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  gboolean headless = FALSE, verbose = FALSE;
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
  GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &headless, "Run without a window", NULL },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Where identities, keys and pairings are kept (default: $XDG_STATE_HOME/hap-simulator)", "DIR" },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      "TCP port of the first accessory; the next ones use the following ports (default: any free port)", "N" },
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind_address, "Listen on this address only", "ADDR" },
    { "setup-code", 0, 0, G_OPTION_ARG_STRING, &setup_code,
      "Setup code for every accessory (default: a stored or random one each)", "XXX-XX-XXX" },
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
  if (!headless)
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
  sim.servers = g_ptr_array_new_with_free_func (g_object_unref);
  g_unix_signal_add (SIGINT, on_quit_signal, &sim);
  g_unix_signal_add (SIGTERM, on_quit_signal, &sim);

  for (guint i = 0; i < accessories->len; i++)
    {
      HapAccessory *accessory = g_ptr_array_index (accessories, i);
      g_autofree char *dir = state_subdir (state_dir, files[i], used_dirs);
      HapAccessoryServer *server = hap_accessory_server_new (accessory, dir);

      g_ptr_array_add (sim.servers, server);
      if (port != 0)
        hap_accessory_server_set_port (server, (guint16) (port + i));
      hap_accessory_server_set_bind_address (server, bind_address);
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
      print_ready (server);
    }

  g_main_loop_run (sim.loop);

  for (guint i = 0; i < sim.servers->len; i++)
    hap_accessory_server_stop (g_ptr_array_index (sim.servers, i));
  g_ptr_array_unref (sim.servers);
  g_main_loop_unref (sim.loop);
  return 0;
}
