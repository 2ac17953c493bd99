/* test-provision.c — factory provisioning: a device that keeps only its setup code's SRP
 * verifier pairs with the code on its label, refuses others, counts failures as before,
 * and holds the code nowhere (files, server API, logs)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "hap-test-client.h"

#define LABEL_CODE "482-93-175"
#define LABEL_ID   "7QX2"

static const char *LAMP =
  "{\"accessories\":[{\"name\":\"Factory Lamp\",\"category\":\"LIGHTBULB\",\"services\":["
  "{\"type\":\"Lightbulb\",\"characteristics\":[{\"type\":\"On\",\"value\":false}]}]}]}";

/* Everything logged while a test runs, at every level. */
static GString *logged;

static GLogWriterOutput
collect_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      {
        g_string_append_len (logged, fields[i].value,
                             fields[i].length < 0 ? (gssize) strlen (fields[i].value) : fields[i].length);
        g_string_append_c (logged, '\n');
      }
  return G_LOG_WRITER_HANDLED;
}

/* g_log() messages: GLib 2.74 hands them to the writer, but GLib 2.84 under g_test_init()
 * prints them as TAP comments without it; take them here on both. */
static void
collect_legacy_log (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  g_string_append (logged, message);
  g_string_append_c (logged, '\n');
}

/* Neither spelling of @code ("482-93-175", "48293175") occurs in @haystack. */
static void
assert_no_code (const char *haystack, gsize len, const char *code, const char *where)
{
  g_autofree char *digits = g_strdup (code);
  char *out = digits;

  for (const char *p = code; *p != '\0'; p++)
    if (*p != '-')
      *out++ = *p;
  *out = '\0';
  if (g_strstr_len (haystack, (gssize) len, code) != NULL || g_strstr_len (haystack, (gssize) len, digits) != NULL)
    g_error ("the setup code appears in %s", where);
}

static void
assert_dir_holds_no_code (const char *dir, const char *code)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  struct stat st;

  g_assert_nonnull (d);
  g_assert_cmpint (stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      assert_no_code (contents, len, code, path);
      g_assert_cmpint (stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    }
}

static char *
read_identity (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "identity", NULL);
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  return contents;
}

static void
remove_dir (char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  g_assert_cmpint (system (cmd), ==, 0);
  g_free (dir);
}

typedef struct
{
  char *setup_code;
  char *payload;
} SetupShown;

static void
read_setup (HapAccessoryServer *server, gpointer data)
{
  SetupShown *shown = data;

  shown->setup_code = g_strdup (hap_accessory_server_get_setup_code (server));
  shown->payload = hap_accessory_server_dup_setup_payload (server);
}

static void
test_state_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-prov-XXXXXX", NULL);
  g_autofree char *device_id = NULL;
  g_autofree char *again_id = NULL;
  g_autofree char *identity = NULL;
  g_autofree char *unchanged = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (hap_provision_state_dir (dir, LABEL_CODE, LABEL_ID, HAP_PROVISION_FLAGS_NONE,
                                          &device_id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (device_id), ==, 17);
  identity = read_identity (dir);
  g_assert_nonnull (strstr (identity, "setup-id=" LABEL_ID "\n"));
  g_assert_nonnull (strstr (identity, "setup-salt="));
  g_assert_nonnull (strstr (identity, "setup-verifier="));
  g_assert_null (strstr (identity, "setup-code"));
  g_assert_nonnull (strstr (identity, device_id));
  assert_dir_holds_no_code (dir, LABEL_CODE);

  /* Provisioning over a device is refused and leaves it as it was. */
  g_assert_false (hap_provision_state_dir (dir, "123-45-670", "AAAA", HAP_PROVISION_FLAGS_NONE, NULL, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, "already holds a device"));
  g_clear_error (&error);
  unchanged = read_identity (dir);
  g_assert_cmpstr (unchanged, ==, identity);

  /* Unless asked: a new device. */
  g_assert_true (hap_provision_state_dir (dir, "123-45-670", "AAAA", HAP_PROVISION_REPLACE, &again_id, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (again_id, !=, device_id);

  /* Bad codes and setup IDs are refused before anything is written. */
  g_assert_false (hap_provision_state_dir (dir, "111-11-111", "AAAA", HAP_PROVISION_REPLACE, NULL, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE);
  g_clear_error (&error);
  g_assert_false (hap_provision_state_dir (dir, LABEL_CODE, "aaaa", HAP_PROVISION_REPLACE, NULL, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE);
  g_clear_error (&error);
  g_free (unchanged);
  unchanged = read_identity (dir);
  g_assert_nonnull (strstr (unchanged, again_id));
  remove_dir (g_steal_pointer (&dir));
}

static void
test_pairs_with_label_code (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-prov-XXXXXX", NULL);
  g_autoptr(HapTestClient) c = hap_test_client_new ("FACTORY-1");
  g_autoptr(GError) error = NULL;
  SetupShown shown = { NULL, NULL };
  HapTestServer *server;

  g_assert_true (hap_provision_state_dir (dir, LABEL_CODE, LABEL_ID, HAP_PROVISION_FLAGS_NONE, NULL, &error));
  g_string_truncate (logged, 0);

  server = hap_test_server_start_with_code (NULL, LAMP, dir, NULL);
  hap_test_server_invoke (server, read_setup, &shown);
  g_assert_null (shown.setup_code);
  g_assert_null (shown.payload);

  hap_test_client_connect (c, hap_test_server_get_port (server));
  /* HAP §5.6.4: a code other than the label's fails the proof at M4. */
  g_assert_cmpint (hap_test_client_pair_setup (c, "123-45-670", 0), ==, HAP_PAIRING_ERROR_AUTHENTICATION);
  g_assert_cmpint (hap_test_client_pair_setup (c, LABEL_CODE, 0), ==, 0);
  g_assert_cmpint (hap_test_client_pair_verify (c), ==, 0);
  hap_test_client_disconnect (c);
  hap_test_server_stop (server);

  assert_no_code (logged->str, logged->len, LABEL_CODE, "the log");
  g_assert_cmpuint (logged->len, >, 0);
  assert_dir_holds_no_code (dir, LABEL_CODE);
  remove_dir (g_steal_pointer (&dir));
}

static void
test_max_tries (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-prov-XXXXXX", NULL);
  g_autoptr(HapTestClient) c = hap_test_client_new ("FACTORY-2");
  g_autoptr(GError) error = NULL;
  HapTestServer *server;

  g_assert_true (hap_provision_state_dir (dir, LABEL_CODE, LABEL_ID, HAP_PROVISION_FLAGS_NONE, NULL, &error));
  server = hap_test_server_start_with_code (NULL, LAMP, dir, NULL);
  hap_test_client_connect (c, hap_test_server_get_port (server));
  for (int i = 0; i < 100; i++)
    g_assert_cmpint (hap_test_client_pair_setup (c, "123-45-670", 0), ==, HAP_PAIRING_ERROR_AUTHENTICATION);
  /* HAP §5.6.2: after 100 failures, MaxTries — even with the label's code. */
  g_assert_cmpint (hap_test_client_pair_setup (c, LABEL_CODE, 0), ==, HAP_PAIRING_ERROR_MAX_TRIES);
  hap_test_client_disconnect (c);
  hap_test_server_stop (server);
  remove_dir (g_steal_pointer (&dir));
}

typedef struct
{
  GBytes *salt;
  GBytes *verifier;
} Verifier;

static void
test_server_api (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-prov-XXXXXX", NULL);
  g_autoptr(HapAccessory) accessory = hap_accessory_new_from_data (LAMP, -1, "lamp.json", NULL);
  g_autoptr(HapAccessoryServer) server = hap_accessory_server_new (accessory, dir);
  g_autoptr(HapTestClient) c = hap_test_client_new ("FACTORY-3");
  g_autoptr(GBytes) salt = NULL;
  g_autoptr(GBytes) verifier = NULL;
  g_autoptr(GBytes) short_salt = g_bytes_new ("0123", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *identity = NULL;
  HapTestServer *ts;

  g_assert_true (hap_setup_verifier_compute (LABEL_CODE, &salt, &verifier, &error));
  g_assert_cmpuint (g_bytes_get_size (salt), ==, 16);
  g_assert_cmpuint (g_bytes_get_size (verifier), ==, 384);
  g_assert_false (hap_setup_verifier_compute ("123-45-678", &salt, &verifier, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE);
  g_clear_error (&error);

  g_assert_false (hap_accessory_server_set_setup_verifier (server, short_salt, verifier, NULL, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_false (hap_accessory_server_set_setup_verifier (server, salt, verifier, "ab!", &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE);
  g_clear_error (&error);

  /* A stored code is replaced by the verifier at start. */
  g_assert_true (hap_accessory_server_set_setup_code (server, HAP_TEST_SETUP_CODE, &error));
  hap_accessory_server_set_advertise (server, FALSE);
  hap_accessory_server_set_bind_address (server, "127.0.0.1");
  g_assert_true (hap_accessory_server_start (server, &error));
  hap_accessory_server_stop (server);
  identity = read_identity (dir);
  g_assert_nonnull (strstr (identity, "setup-code=" HAP_TEST_SETUP_CODE));
  g_free (identity);

  g_assert_true (hap_accessory_server_set_setup_verifier (server, salt, verifier, LABEL_ID, &error));
  g_assert_true (hap_accessory_server_start (server, &error));
  g_assert_null (hap_accessory_server_get_setup_code (server));
  g_assert_cmpstr (hap_accessory_server_get_setup_id (server), ==, LABEL_ID);
  hap_accessory_server_stop (server);
  identity = read_identity (dir);
  g_assert_null (strstr (identity, "setup-code"));
  g_assert_nonnull (strstr (identity, "setup-id=" LABEL_ID));
  assert_dir_holds_no_code (dir, LABEL_CODE);
  assert_dir_holds_no_code (dir, HAP_TEST_SETUP_CODE);

  /* It pairs with the code the verifier was made from. */
  ts = hap_test_server_start_with_code (NULL, LAMP, dir, NULL);
  hap_test_client_connect (c, hap_test_server_get_port (ts));
  g_assert_cmpint (hap_test_client_pair_setup (c, HAP_TEST_SETUP_CODE, 0), ==, HAP_PAIRING_ERROR_AUTHENTICATION);
  g_assert_cmpint (hap_test_client_pair_setup (c, LABEL_CODE, 0), ==, 0);
  hap_test_client_disconnect (c);
  hap_test_server_stop (ts);
  remove_dir (g_steal_pointer (&dir));
}

static void
test_corrupt_identity (void)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-prov-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "identity", NULL);
  g_autofree char *identity = NULL;
  g_autofree char *both = NULL;
  g_autoptr(HapAccessory) accessory = hap_accessory_new_from_data (LAMP, -1, "lamp.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (hap_provision_state_dir (dir, LABEL_CODE, LABEL_ID, HAP_PROVISION_FLAGS_NONE, NULL, &error));
  identity = read_identity (dir);

  /* A code beside a verifier is refused, never used. */
  both = g_strconcat (identity, "setup-code=" HAP_TEST_SETUP_CODE "\n", NULL);
  g_assert_true (g_file_set_contents (path, both, -1, NULL));
  {
    g_autoptr(HapAccessoryServer) server = hap_accessory_server_new (accessory, dir);

    hap_accessory_server_set_advertise (server, FALSE);
    g_assert_false (hap_accessory_server_start (server, &error));
    g_assert_error (error, HAP_ERROR, HAP_ERROR_STORAGE);
    g_assert_nonnull (strstr (error->message, "both a setup-code and a setup-verifier"));
    g_clear_error (&error);
  }

  /* A truncated verifier names what is wrong. */
  {
    g_autoptr(GRegex) re = g_regex_new ("setup-verifier=[A-Za-z0-9+/=]+", 0, 0, NULL);
    g_autofree char *cut = g_regex_replace_literal (re, identity, -1, 0, "setup-verifier=AAAA", 0, NULL);
    g_autoptr(HapAccessoryServer) server = hap_accessory_server_new (accessory, dir);

    g_assert_true (g_file_set_contents (path, cut, -1, NULL));
    hap_accessory_server_set_advertise (server, FALSE);
    g_assert_false (hap_accessory_server_start (server, &error));
    g_assert_error (error, HAP_ERROR, HAP_ERROR_STORAGE);
    g_assert_nonnull (strstr (error->message, "setup-verifier is not 384 bytes"));
  }
  remove_dir (g_steal_pointer (&dir));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Every level, debug included, goes through collect_log: the code must be in none. */
  logged = g_string_new (NULL);
  g_log_set_debug_enabled (TRUE);
  g_log_set_writer_func (collect_log, NULL, NULL);
  g_log_set_default_handler (collect_legacy_log, NULL);
  g_test_add_func ("/provision/state-dir", test_state_dir);
  g_test_add_func ("/provision/pairs-with-label-code", test_pairs_with_label_code);
  g_test_add_func ("/provision/max-tries", test_max_tries);
  g_test_add_func ("/provision/server-api", test_server_api);
  g_test_add_func ("/provision/corrupt-identity", test_corrupt_identity);
  return g_test_run ();
}
