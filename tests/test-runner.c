/* test-runner.c — hap-simulator's command-line contract: broken files and flags are
 * refused before anything is served, the ready line, clean shutdown and persistence,
 * QR PNGs (decoded with zbarimg), factory reset, the c# wrap, and the SDK example
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hap-storage-private.h"
#include "hap-test-client.h"

typedef struct
{
  GSubprocess *proc;
  JsonObject  *ready;
  JsonParser  *parser;
} Runner;

static GSubprocess *
spawn (GSubprocessFlags flags, const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *proc = g_subprocess_newv (argv, flags, &error);

  g_assert_no_error (error);
  return proc;
}

/* Runs to completion; returns the exit status with stdout/stderr. */
static int
run_to_end (const char * const *argv, char **out, char **err)
{
  g_autoptr(GSubprocess) proc = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, argv);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error));
  g_assert_no_error (error);
  return g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
}

static void
runner_start (Runner *r, const char *state, const char *file, const char *extra)
{
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *line = NULL;
  const char *argv[10] = { g_getenv ("HAP_SIMULATOR"), "--headless", "--bind", "127.0.0.1",
                           "--state-dir", state, file, NULL, NULL, NULL };

  if (extra != NULL)
    {
      argv[7] = extra;
    }
  r->proc = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, argv);
  in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (r->proc));
  line = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  g_assert_nonnull (line);
  r->parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (r->parser, line, -1, NULL));
  r->ready = json_node_get_object (json_parser_get_root (r->parser));
}

static void
runner_stop (Runner *r)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (r->proc, SIGTERM);
  g_assert_true (g_subprocess_wait (r->proc, NULL, &error));
  g_assert_true (g_subprocess_get_if_exited (r->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (r->proc), ==, 0);
  g_clear_object (&r->proc);
  g_clear_object (&r->parser);
  r->ready = NULL;
}

static char *
sample (const char *name)
{
  return g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), name, NULL);
}

static void
test_broken_file_serves_nothing (void)
{
  g_autofree char *file = g_test_build_filename (G_TEST_DIST, "data", "broken", "bad-format.json", NULL);
  g_autofree char *good = sample ("lightbulb.json");
  g_autofree char *dir = g_dir_make_tmp ("hap-runner-XXXXXX", NULL);
  g_autofree char *lamp_state = g_build_filename (dir, "lightbulb", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { g_getenv ("HAP_SIMULATOR"), "--headless", "--state-dir", dir, good, file, NULL };

  /* One broken file stops the whole run before anything is served. */
  g_assert_cmpint (run_to_end (argv, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  /* (The quotes around the value depend on the locale's charset, so stop before them.) */
  g_assert_nonnull (strstr (err, "bad-format.json:12:25: accessories[0].services[0].characteristics[1].format: "
                                  "unknown format "));
  /* Not even the good file's state was created. */
  g_assert_false (g_file_test (lamp_state, G_FILE_TEST_EXISTS));
  g_assert_cmpint (system (cmd), ==, 0);
}

/* Issue 13: 100,000 '[' crashed the loader (exit 139, no position); an identity that
 * could not be read was replaced. Both now stop the run with the place and the reason. */
static void
test_hostile_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-runner-XXXXXX", NULL);
  g_autofree char *deep = g_build_filename (dir, "deep.json", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autofree char *identity = g_build_filename (state, "lightbulb", "identity", NULL);
  g_autofree char *good = sample ("lightbulb.json");
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree char *expected = NULL;
  g_autoptr(GString) text = g_string_new ("{\"accessories\":\n");
  const char *deep_argv[] = { g_getenv ("HAP_SIMULATOR"), "--headless", "--state-dir", state, deep, NULL };
  const char *good_argv[] = { g_getenv ("HAP_SIMULATOR"), "--headless", "--state-dir", state, good, NULL };
  static const char corrupt[] = "[identity]\ndevice-id=not-an-id\n";

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  g_assert_true (g_file_set_contents (deep, text->str, (gssize) text->len, NULL));

  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    /* Line 2: '{' is level 1 on line 1, so the 256th '[' is level 257. */
    g_assert_cmpint (run_to_end (deep_argv, &out, &err), ==, 1);
    g_assert_cmpstr (out, ==, "");
    expected = g_strdup_printf ("%s:2:256: invalid JSON: arrays and objects nest deeper than 256 levels\n", deep);
    g_assert_true (g_str_has_suffix (err, expected));
  }

  /* A directory where the identity file should be. */
  g_assert_cmpint (g_mkdir_with_parents (identity, 0700), ==, 0);
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *reason = g_strdup_printf ("%s: cannot read: ", identity);

    g_assert_cmpint (run_to_end (good_argv, &out, &err), ==, 1);
    g_assert_cmpstr (out, ==, "");
    g_assert_nonnull (strstr (err, reason));
    g_assert_nonnull (strstr (err, "Is a directory"));
    g_assert_null (strstr (err, "GError set over the top"));
    g_assert_true (g_file_test (identity, G_FILE_TEST_IS_DIR));
  }

  /* A corrupt one: refused, and left byte for byte. */
  g_assert_cmpint (g_rmdir (identity), ==, 0);
  g_assert_true (g_file_set_contents (identity, corrupt, -1, NULL));
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *reason = g_strdup_printf ("%s: corrupt: device-id", identity);
    g_autofree char *after = NULL;

    g_assert_cmpint (run_to_end (good_argv, &out, &err), ==, 1);
    g_assert_cmpstr (out, ==, "");
    g_assert_nonnull (strstr (err, reason));
    g_assert_true (g_file_get_contents (identity, &after, NULL, NULL));
    g_assert_cmpstr (after, ==, corrupt);
  }

  /* Mode 000: unreadable for an ordinary user (root reads it anyway, so as root the
   * simulator runs as nobody, with the state directory nobody's and the file root's). */
  g_assert_cmpint (g_chmod (identity, 0), ==, 0);
  {
    g_autofree char *lamp = g_build_filename (dir, "lightbulb.json", NULL);
    g_autofree char *lamp_text = NULL;
    g_autofree char *setpriv = g_find_program_in_path ("setpriv");
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *reason = g_strdup_printf ("%s: cannot read: ", identity);
    g_autofree char *after = NULL;
    const char *as_nobody[] = { setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                                g_getenv ("HAP_SIMULATOR"), "--headless", "--state-dir", state, lamp, NULL };

    g_assert_true (g_file_get_contents (good, &lamp_text, NULL, NULL));
    g_assert_true (g_file_set_contents (lamp, lamp_text, -1, NULL));
    g_assert_cmpint (g_chmod (lamp, 0644), ==, 0);
    if (geteuid () == 0)
      {
        g_autofree char *chown_state = g_strdup_printf ("chown -R 65534:65534 '%s' && chown 0:0 '%s'", state, identity);

        g_assert_nonnull (setpriv);
        g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
        g_assert_cmpint (system (chown_state), ==, 0);
      }
    g_assert_cmpint (run_to_end (geteuid () == 0 ? as_nobody : as_nobody + 4, &out, &err), ==, 1);
    g_assert_cmpstr (out, ==, "");
    g_assert_nonnull (strstr (err, reason));
    g_assert_nonnull (strstr (err, "Permission denied"));
    /* Left as it was: no new identity over it. */
    g_assert_cmpint (g_chmod (identity, 0600), ==, 0);
    g_assert_true (g_file_get_contents (identity, &after, NULL, NULL));
    g_assert_cmpstr (after, ==, corrupt);
  }
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_bad_flags (void)
{
  g_autofree char *good = sample ("lightbulb.json");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *code[] = { g_getenv ("HAP_SIMULATOR"), "--headless", "--setup-code", "123-45-678", good, NULL };
  const char *nofile[] = { g_getenv ("HAP_SIMULATOR"), "--headless", NULL };

  g_assert_cmpint (run_to_end (code, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--setup-code"));
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (run_to_end (nofile, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "no accessory files"));
}

static void
test_ready_restart_and_reset (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-runner-XXXXXX", NULL);
  g_autofree char *file = sample ("lightbulb.json");
  g_autofree char *device_id = NULL;
  g_autofree char *code = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree char *out = NULL;
  Runner r = { 0 };

  runner_start (&r, dir, file, NULL);
  g_assert_cmpstr (json_object_get_string_member (r.ready, "event"), ==, "ready");
  g_assert_cmpstr (json_object_get_string_member (r.ready, "name"), ==, "Desk Lamp");
  g_assert_cmpuint (strlen (json_object_get_string_member (r.ready, "device_id")), ==, 17);
  g_assert_cmpint (json_object_get_int_member (r.ready, "port"), >, 0);
  g_assert_true (hap_setup_code_validate (json_object_get_string_member (r.ready, "setup_code"), NULL));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (r.ready, "setup_payload"), "X-HM://"));
  device_id = g_strdup (json_object_get_string_member (r.ready, "device_id"));
  code = g_strdup (json_object_get_string_member (r.ready, "setup_code"));
  runner_stop (&r);

  /* The same identity and code after a restart. */
  runner_start (&r, dir, file, NULL);
  g_assert_cmpstr (json_object_get_string_member (r.ready, "device_id"), ==, device_id);
  g_assert_cmpstr (json_object_get_string_member (r.ready, "setup_code"), ==, code);
  runner_stop (&r);

  /* Factory reset: a new identity next time. */
  {
    const char *argv[] = { g_getenv ("HAP_SIMULATOR"), "--factory-reset", "--state-dir", dir, file, NULL };
    g_assert_cmpint (run_to_end (argv, &out, NULL), ==, 0);
    g_assert_nonnull (strstr (out, "wiped"));
  }
  runner_start (&r, dir, file, NULL);
  g_assert_cmpstr (json_object_get_string_member (r.ready, "device_id"), !=, device_id);
  runner_stop (&r);
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_qr_png_decodes (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-runner-XXXXXX", NULL);
  g_autofree char *file = sample ("garage-door.json");
  g_autofree char *pattern = g_strdup_printf ("--qr-png=%s/qr-%%n.png", dir);
  g_autofree char *png = g_build_filename (dir, "qr-garage-door.png", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  Runner r = { 0 };

  runner_start (&r, dir, file, pattern);
  expected = g_strdup_printf ("QR-Code:%s\n", json_object_get_string_member (r.ready, "setup_payload"));
  runner_stop (&r);

  /* An independent decoder reads back exactly the payload. */
  {
    const char *argv[] = { "zbarimg", "-q", png, NULL };
    g_assert_cmpint (run_to_end (argv, &out, NULL), ==, 0);
    g_assert_cmpstr (out, ==, expected);
  }
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_config_number_wraps (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-runner-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "wrap.json", NULL);
  g_autofree char *state = g_build_filename (dir, "wrap", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(GError) error = NULL;
  Runner r = { 0 };

  g_assert_true (g_file_set_contents (file, "{\"accessories\":[{\"name\":\"W\",\"services\":[{\"type\":\"Switch\"}]}]}", -1, NULL));
  runner_start (&r, dir, file, NULL);
  runner_stop (&r);
  {
    g_autoptr(HapStorage) s = hap_storage_open (state, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (s->config_number, ==, 1);
    s->config_number = 65535;
    g_assert_true (hap_storage_save_state (s, &error));
  }
  /* docs/protocol.md §4.12: after 65535 comes 1. */
  g_assert_true (g_file_set_contents (file, "{\"accessories\":[{\"name\":\"W\",\"services\":[{\"type\":\"Switch\"},{\"type\":\"Outlet\"}]}]}", -1, NULL));
  runner_start (&r, dir, file, NULL);
  runner_stop (&r);
  {
    g_autoptr(HapStorage) s = hap_storage_open (state, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (s->config_number, ==, 1);
  }
  g_assert_cmpint (system (cmd), ==, 0);
}

static void
test_sdk_example (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-example-XXXXXX", NULL);
  g_autofree char *state = g_build_filename (dir, "state", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  const char *argv[] = { g_getenv ("HAP_EXAMPLE"), state, "031-45-154", NULL };
  g_autoptr(GSubprocess) proc = spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, argv);
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  g_autofree char *serving = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  g_autofree char *code = g_data_input_stream_read_line (in, NULL, NULL, NULL);
  g_autoptr(HapTestClient) c = hap_test_client_new ("example-controller");
  const char *port_text;

  /* The example built with the public API alone pairs and answers like the runner. */
  g_assert_nonnull (serving);
  port_text = strstr (serving, "on port ");
  g_assert_nonnull (port_text);
  g_assert_cmpstr (code, ==, "Setup code: 031-45-154");
  hap_test_client_connect (c, (guint16) atoi (port_text + 8));
  g_assert_cmpint (hap_test_client_pair_setup (c, "031-45-154", 0), ==, 0);
  g_assert_cmpint (hap_test_client_pair_verify (c), ==, 0);
  g_assert_cmpuint (hap_test_client_find_iid (c, 1, "8"), >, 0);
  hap_test_client_disconnect (c);

  g_subprocess_send_signal (proc, SIGINT);
  g_assert_true (g_subprocess_wait (proc, NULL, NULL));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_cmpint (system (cmd), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/runner/broken-file-serves-nothing", test_broken_file_serves_nothing);
  g_test_add_func ("/runner/bad-flags", test_bad_flags);
  g_test_add_func ("/runner/hostile-files", test_hostile_files);
  g_test_add_func ("/runner/ready-restart-and-reset", test_ready_restart_and_reset);
  g_test_add_func ("/runner/qr-png-decodes", test_qr_png_decodes);
  g_test_add_func ("/runner/config-number-wraps", test_config_number_wraps);
  g_test_add_func ("/runner/sdk-example", test_sdk_example);
  return g_test_run ();
}
