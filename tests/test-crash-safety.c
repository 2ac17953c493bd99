/* test-crash-safety.c — hap-simulator is killed with SIGKILL at random moments during
 * pair-setup, add/remove pairing and c# updates; after every kill the state must load,
 * the identity must be unchanged, and every pairing whose request was answered must be
 * there (or gone) exactly as answered.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <string.h>

#include "hap-crypto-private.h"
#include "hap-storage-private.h"
#include "hap-test-client.h"

#define ITERATIONS 200
#define ADMIN_ID   "C0FFEE00-0000-4000-8000-0000000000AD"

typedef struct
{
  GPid     pid;
  guint    delay_us;
} Killer;

static gpointer
kill_later (gpointer data)
{
  Killer *k = data;

  g_usleep (k->delay_us);
  kill (k->pid, SIGKILL);
  return NULL;
}

static void
write_accessory (const char *path, guint variant)
{
  g_autoptr(GString) json = g_string_new ("{\"accessories\":[{\"name\":\"Crash Lamp\",\"category\":\"LIGHTBULB\",\"services\":[{\"type\":\"Lightbulb\"}");

  /* Alternate the database so every restart of this kind changes c#. */
  if (variant % 2 == 1)
    g_string_append (json, ",{\"type\":\"Switch\"}");
  g_string_append (json, "]}]}");
  g_assert_true (g_file_set_contents (path, json->str, -1, NULL));
}

static GSubprocess *
spawn_runner (const char *state, const char *file, GPid *pid)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                                        g_getenv ("HAP_SIMULATOR"), "--headless", "--state-dir", state,
                                        "--bind", "127.0.0.1", "--setup-code", HAP_TEST_SETUP_CODE, file, NULL);
  g_assert_no_error (error);
  *pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (proc), NULL, 10);
  return proc;
}

/* Reads the ready line; returns the port (0 if the runner died first). */
static guint16
read_ready (GSubprocess *proc, char device_id[18])
{
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;

  if (line == NULL || !json_parser_load_from_data (parser, line, -1, NULL))
    return 0;
  obj = json_node_get_object (json_parser_get_root (parser));
  g_strlcpy (device_id, json_object_get_string_member (obj, "device_id"), 18);
  return (guint16) json_object_get_int_member (obj, "port");
}

static void
test_sigkill_loop (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-crash-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "crash-lamp.json", NULL);
  g_autofree char *state_root = g_build_filename (dir, "state", NULL);
  /* The runner keeps each file's state in a directory named after the file. */
  g_autofree char *state = g_build_filename (state_root, "crash-lamp", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(HapTestClient) admin = hap_test_client_new (ADMIN_ID);
  g_autoptr(GHashTable) extras = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_test_rand_int ());
  char identity[18] = "";
  guint8 identity_key[32];
  guint counts[5] = { 0 };

  hap_crypto_init ();
  write_accessory (file, 0);

  for (guint i = 0; i < ITERATIONS; i++)
    {
      g_autoptr(GSubprocess) proc = NULL;
      g_autoptr(HapStorage) before = NULL;
      g_autoptr(HapStorage) after = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(HapTestClient) c = NULL;
      g_autofree char *expect_present = NULL;
      g_autofree char *expect_absent = NULL;
      gboolean expect_admin = FALSE, expect_unpaired = FALSE;
      char device_id[18] = "";
      Killer killer;
      GThread *thread;
      gboolean paired;
      guint kind;
      guint16 port;

      before = identity[0] ? hap_storage_open (state, &error) : NULL;
      g_assert_no_error (error);
      paired = before != NULL && hap_storage_find_pairing (before, ADMIN_ID, strlen (ADMIN_ID)) != NULL;
      kind = paired ? 1 + g_rand_int_range (rand, 0, 4) : 0;
      if (kind == 4)
        write_accessory (file, i);
      counts[kind]++;

      proc = spawn_runner (state_root, file, &killer.pid);
      if (kind == 4)
        {
          /* c# update: killed while it starts, loads and rewrites its state. */
          killer.delay_us = g_rand_int_range (rand, 0, 30000);
          thread = g_thread_new ("killer", kill_later, &killer);
          g_thread_join (thread);
          g_subprocess_wait (proc, NULL, NULL);
          goto check;
        }

      port = read_ready (proc, device_id);
      g_assert_cmpuint (port, !=, 0);
      if (identity[0] == '\0')
        {
          g_autoptr(HapStorage) first = hap_storage_open (state, &error);
          g_assert_no_error (error);
          memcpy (identity, device_id, 18);
          memcpy (identity_key, first->public_key, 32);
        }
      g_assert_cmpstr (device_id, ==, identity);

      c = hap_test_client_clone (admin);
      hap_test_client_connect (c, port);
      if (kind != 0 && hap_test_client_pair_verify (c) != 0)
        g_error ("iteration %u: the paired admin cannot verify", i);

      killer.delay_us = g_rand_int_range (rand, 0, kind == 0 ? 40000 : 8000);
      thread = g_thread_new ("killer", kill_later, &killer);
      switch (kind)
        {
        case 0:   /* pair-setup */
          if (hap_test_client_pair_setup (c, HAP_TEST_SETUP_CODE, 0) == 0)
            expect_admin = TRUE;
          break;
        case 1:   /* add a pairing */
          {
            g_autofree char *id = g_strdup_printf ("extra-%u", i);
            guint8 *pk = g_malloc (32);
            randombytes_buf (pk, 32);
            g_hash_table_insert (extras, g_strdup (id), pk);
            if (hap_test_client_add_pairing (c, id, pk, FALSE) == 0)
              expect_present = g_steal_pointer (&id);
          }
          break;
        case 2:   /* remove an extra pairing */
          {
            HapPairing *victim = NULL;
            for (guint p = 0; before && p < before->pairings->len && victim == NULL; p++)
              if (!g_str_equal (((HapPairing *) before->pairings->pdata[p])->identifier, ADMIN_ID))
                victim = before->pairings->pdata[p];
            if (victim != NULL && hap_test_client_remove_pairing (c, victim->identifier) == 0)
              expect_absent = g_strdup (victim->identifier);
          }
          break;
        case 3:   /* remove the admin: every pairing goes */
          if (hap_test_client_remove_pairing (c, ADMIN_ID) == 0)
            expect_unpaired = TRUE;
          break;
        default:
          g_assert_not_reached ();
        }
      g_thread_join (thread);
      g_subprocess_wait (proc, NULL, NULL);

    check:
      after = hap_storage_open (state, &error);
      if (after == NULL)
        g_error ("iteration %u (kind %u): state does not load after SIGKILL: %s", i, kind, error->message);
      if (identity[0] != '\0')
        {
          g_assert_cmpstr (after->device_id, ==, identity);
          g_assert_cmpmem (after->public_key, 32, identity_key, 32);
        }
      /* Pairings are whole: each one's key is the one its controller was given. */
      for (guint p = 0; p < after->pairings->len; p++)
        {
          HapPairing *pairing = after->pairings->pdata[p];
          if (g_str_equal (pairing->identifier, ADMIN_ID))
            g_assert_cmpmem (pairing->public_key, 32, hap_test_client_get_public_key (admin), 32);
          else
            g_assert_cmpmem (pairing->public_key, 32, g_hash_table_lookup (extras, pairing->identifier), 32);
        }
      /* What was answered is durable. */
      if (expect_admin)
        g_assert_nonnull (hap_storage_find_pairing (after, ADMIN_ID, strlen (ADMIN_ID)));
      if (expect_present)
        g_assert_nonnull (hap_storage_find_pairing (after, expect_present, strlen (expect_present)));
      if (expect_absent)
        g_assert_null (hap_storage_find_pairing (after, expect_absent, strlen (expect_absent)));
      if (expect_unpaired)
        g_assert_cmpuint (after->pairings->len, ==, 0);
    }

  g_test_message ("kills: %u pair-setup, %u add, %u remove, %u remove-admin, %u c#-update",
                  counts[0], counts[1], counts[2], counts[3], counts[4]);
  g_assert_cmpuint (counts[0], >, 0);
  g_assert_cmpuint (counts[4], >, 0);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash-safety/sigkill-loop", test_sigkill_loop);
  return g_test_run ();
}
