/* test-storage.c — the state directory: persistence, modes, and corrupt files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-storage-private.h"
#include "hap-inspection.h"

static char *
tmpdir (void)
{
  return g_dir_make_tmp ("hap-storage-XXXXXX", NULL);
}

static void
rmrf (const char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_assert_cmpint (system (cmd), ==, 0);
}

static guint
mode_of (const char *path)
{
  struct stat st;
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

static void
test_create_and_reload (void)
{
  g_autofree char *dir = tmpdir ();
  g_autofree char *state = g_build_filename (dir, "acc", NULL);
  g_autofree char *identity = g_build_filename (state, "identity", NULL);
  g_autofree char *pairings = g_build_filename (state, "pairings", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HapStorage) a = hap_storage_open (state, &error);
  g_autoptr(HapStorage) b = NULL;
  HapPairing *p = g_new0 (HapPairing, 1);

  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (state), ==, 0700);
  g_assert_cmpuint (mode_of (identity), ==, 0600);
  g_assert_cmpuint (strlen (a->device_id), ==, 17);
  g_assert_cmpuint (strlen (a->setup_id), ==, 4);

  p->identifier = g_strdup ("CTRL-1");
  memset (p->public_key, 7, 32);
  p->admin = TRUE;
  g_ptr_array_add (a->pairings, p);
  g_assert_true (hap_storage_save_pairings (a, &error));
  g_assert_cmpuint (mode_of (pairings), ==, 0600);
  a->failed_attempts = 42;
  a->config_number = 65535;
  g_assert_true (hap_storage_save_state (a, &error));
  g_hash_table_insert (a->iids, g_strdup ("svc:00000043-0000-1000-8000-0026BB765291#0"), GUINT_TO_POINTER (9));
  g_assert_true (hap_storage_save_ids (a, &error));

  b = hap_storage_open (state, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->device_id, ==, a->device_id);
  g_assert_cmpstr (b->setup_id, ==, a->setup_id);
  g_assert_cmpstr (b->setup_code, ==, a->setup_code);
  g_assert_cmpmem (b->secret_key, 64, a->secret_key, 64);
  g_assert_cmpuint (b->pairings->len, ==, 1);
  g_assert_cmpmem (((HapPairing *) b->pairings->pdata[0])->public_key, 32, p->public_key, 32);
  g_assert_true (((HapPairing *) b->pairings->pdata[0])->admin);
  g_assert_cmpuint (b->failed_attempts, ==, 42);
  g_assert_cmpuint (b->config_number, ==, 65535);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (b->iids, "svc:00000043-0000-1000-8000-0026BB765291#0")), ==, 9);

  /* Atomic writes leave no temporary files behind. */
  {
    g_autoptr(GDir) d = g_dir_open (state, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (d)) != NULL)
      g_assert_true (g_str_equal (name, "identity") || g_str_equal (name, "pairings") ||
                     g_str_equal (name, "state") || g_str_equal (name, "ids"));
  }
  rmrf (dir);
}

static void
write_file (const char *dir, const char *name, const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
expect_error (const char *dir, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapStorage) s = hap_storage_open (dir, &error);

  g_assert_null (s);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_STORAGE);
  g_assert_nonnull (strstr (error->message, dir));
  if (strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
}

static void
test_corrupt_files (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HapStorage) good = hap_storage_open (dir, &error);
  g_autofree char *identity_path = g_build_filename (dir, "identity", NULL);
  g_autofree char *identity = NULL;
  gsize len;

  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (identity_path, &identity, &len, NULL));

  /* Not a key file at all. */
  write_file (dir, "identity", "\x01\x02garbage");
  expect_error (dir, "identity: corrupt");
  /* Truncated: the key is cut short. */
  {
    g_autofree char *cut = g_strndup (identity, strstr (identity, "signing-key=") - identity + 20);
    write_file (dir, "identity", cut);
    expect_error (dir, "signing-key");
  }
  /* Wrong type in state. */
  write_file (dir, "identity", identity);
  write_file (dir, "state", "[state]\nfailed-attempts=many\nconfig-number=1\n");
  expect_error (dir, "failed-attempts");
  write_file (dir, "state", "[state]\nfailed-attempts=0\nconfig-number=70000\n");
  expect_error (dir, "config-number");
  /* The kept port (a restart serves on it) is checked like the rest. */
  write_file (dir, "state", "[state]\nfailed-attempts=0\nconfig-number=3\nport=99999\n");
  expect_error (dir, "port");
  write_file (dir, "state", "[state]\nfailed-attempts=0\nconfig-number=3\nport=http\n");
  expect_error (dir, "port");
  write_file (dir, "state", "[state]\nfailed-attempts=0\nconfig-number=3\n");
  /* A pairing with a short key. */
  write_file (dir, "pairings", "[pairing-0]\nidentifier=X\npublic-key=AAAA\nadmin=true\n");
  expect_error (dir, "public-key");
  write_file (dir, "pairings", "[pairing-0]\nidentifier=X\npublic-key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nadmin=maybe\n");
  expect_error (dir, "admin");
  /* Identity gone while pairings exist: refuse rather than mint a new identity. */
  write_file (dir, "pairings", "[pairing-0]\nidentifier=X\npublic-key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nadmin=true\n");
  g_assert_cmpint (g_unlink (identity_path), ==, 0);
  expect_error (dir, "missing but pairings exist");
  g_assert_false (g_file_test (identity_path, G_FILE_TEST_EXISTS));

  /* Restored, it loads with the original identity. */
  write_file (dir, "identity", identity);
  {
    g_autoptr(HapStorage) again = hap_storage_open (dir, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (again->device_id, ==, good->device_id);
    g_assert_cmpuint (again->config_number, ==, 3);
  }
  sodium_memzero (identity, len);
  rmrf (dir);
}

static void
test_damaged_key (void)
{
  g_autofree char *dir = tmpdir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(HapStorage) s = hap_storage_open (dir, &error);
  g_autofree char *sk = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  /* Flip a byte of the public half: caught at load, not at the first signature. */
  s->secret_key[40] ^= 1;
  sk = g_base64_encode (s->secret_key, 64);
  text = g_strdup_printf ("[identity]\ndevice-id=%s\nsigning-key=%s\nsetup-id=%s\nsetup-code=%s\n",
                          s->device_id, sk, s->setup_id, s->setup_code);
  write_file (dir, "identity", text);
  expect_error (dir, "damaged");
  rmrf (dir);
}

/* HAP over BLE state: GSN, advertising id, broadcast key and settings round trip, and
 * each damaged value is reported with the file's path. */
static void
test_ble_state (void)
{
  g_autofree char *dir = tmpdir ();
  g_autofree char *state = g_build_filename (dir, "acc", NULL);
  g_autofree char *ble = g_build_filename (state, "ble", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HapStorage) a = hap_storage_open (state, &error);
  g_autoptr(HapStorage) b = NULL;
  static const char *const broken[] = {
    "[ble]\ngsn=0\n",
    "[ble]\ngsn=65536\n",
    "[ble]\ngsn=1\nadvertising-id=AA:BB:CC:DD:EE\n",
    "[ble]\ngsn=1\nbroadcast-key=AAAA\nbroadcast-key-gsn=1\n",
    "[ble]\ngsn=1\nbroadcast-key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    "[ble]\ngsn=1\nbroadcast=9:4;\n",
    "[ble]\ngsn=1\nbroadcast=0:1;\n",
    "[ble]\ngsn=1\nbroadcast=x;\n",
  };

  g_assert_no_error (error);
  /* docs/protocol.md §5.11: a new accessory starts at GSN 1, with no file written. */
  g_assert_cmpuint (a->gsn, ==, 1);
  g_assert_false (g_file_test (ble, G_FILE_TEST_EXISTS));

  a->gsn = 65535;
  a->has_advertising_id = TRUE;
  memcpy (a->advertising_id, "\x01\x02\x03\x04\x05\xAB", 6);
  a->has_broadcast_key = TRUE;
  memset (a->broadcast_key, 0x5A, 32);
  a->broadcast_key_gsn = 700;
  g_hash_table_insert (a->broadcast, GUINT_TO_POINTER (12), GUINT_TO_POINTER (3));
  g_hash_table_insert (a->broadcast, GUINT_TO_POINTER (9), GUINT_TO_POINTER (1));
  g_assert_true (hap_storage_save_ble (a, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (ble), ==, 0600);

  b = hap_storage_open (state, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (b->gsn, ==, 65535);
  g_assert_true (b->has_advertising_id);
  g_assert_cmpmem (b->advertising_id, 6, "\x01\x02\x03\x04\x05\xAB", 6);
  g_assert_true (b->has_broadcast_key);
  g_assert_cmpmem (b->broadcast_key, 32, a->broadcast_key, 32);
  g_assert_cmpuint (b->broadcast_key_gsn, ==, 700);
  g_assert_cmpuint (g_hash_table_size (b->broadcast), ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (b->broadcast, GUINT_TO_POINTER (12))), ==, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (b->broadcast, GUINT_TO_POINTER (9))), ==, 1);

  hap_storage_reset_ble (b);
  g_assert_false (b->has_broadcast_key);
  g_assert_false (b->has_advertising_id);
  g_assert_cmpuint (g_hash_table_size (b->broadcast), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(HapStorage) c = NULL;

      g_clear_error (&error);
      g_assert_true (g_file_set_contents (ble, broken[i], -1, NULL));
      c = hap_storage_open (state, &error);
      g_assert_null (c);
      g_assert_error (error, HAP_ERROR, HAP_ERROR_STORAGE);
      g_assert_nonnull (strstr (error->message, ble));
    }
  rmrf (dir);
}

static char *
contents_of (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  return contents;
}

/* Runs as an ordinary user (nobody when the test runs as root, whose reads ignore mode
 * bits) and prints what hap_storage_open() says about $HAP_TEST_STATE_DIR. */
static void
test_unreadable_identity_subprocess (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapStorage) storage = NULL;

  if (geteuid () == 0)
    {
      g_assert_cmpint (setgroups (0, NULL), ==, 0);
      g_assert_cmpint (setgid (65534), ==, 0);
      g_assert_cmpint (setuid (65534), ==, 0);
    }
  storage = hap_storage_open (g_getenv ("HAP_TEST_STATE_DIR"), &error);
  g_assert_null (storage);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_STORAGE);
  g_print ("%s\n", error->message);
}

/* Issue 13: an identity that is there but cannot be read was silently replaced (a new
 * device ID) when the accessory was unpaired. Now only "does not exist" makes a new
 * one; anything else stops the accessory with the path and the reason, paired or not,
 * and leaves the file as it was. */
static void
test_unreadable_identity (void)
{
  g_autofree char *dir = tmpdir ();
  g_autofree char *identity_path = g_build_filename (dir, "identity", NULL);
  g_autofree char *pairings_path = g_build_filename (dir, "pairings", NULL);
  g_autofree char *moved = g_build_filename (dir, "identity.saved", NULL);
  g_autofree char *original = NULL;
  g_autofree char *after = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  GLogLevelFlags fatal;

  /* No "GError set over the top of a previous GError" or any other warning. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  {
    g_autoptr(HapStorage) good G_GNUC_UNUSED = hap_storage_open (dir, &error);
    g_assert_no_error (error);
  }
  original = contents_of (identity_path);

  /* Mode 000, unpaired: EACCES for an ordinary user. */
  g_assert_cmpint (g_chmod (identity_path, 0), ==, 0);
  if (geteuid () == 0)
    g_assert_cmpint (chown (dir, 65534, 65534), ==, 0);
  g_setenv ("HAP_TEST_STATE_DIR", dir, TRUE);
  g_test_trap_subprocess ("/storage/unreadable-identity/subprocess", 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  /* A glob: g_print() writes the quotes around the path in the locale's charset. */
  expected = g_strdup_printf ("%s: cannot read: Failed to open file *%s*: Permission denied\n",
                              identity_path, identity_path);
  g_test_trap_assert_stdout (expected);
  if (geteuid () == 0)
    g_assert_cmpint (chown (dir, 0, 0), ==, 0);
  g_assert_cmpint (g_chmod (identity_path, 0600), ==, 0);
  after = contents_of (identity_path);
  g_assert_cmpstr (after, ==, original);
  g_assert_cmpuint (mode_of (identity_path), ==, 0600);

  /* A directory where the file should be, unpaired and then paired. */
  g_assert_cmpint (g_rename (identity_path, moved), ==, 0);
  g_assert_cmpint (g_mkdir (identity_path, 0700), ==, 0);
  expect_error (dir, "/identity: cannot read: ");
  g_assert_true (g_file_test (identity_path, G_FILE_TEST_IS_DIR));
  g_assert_false (g_file_test (pairings_path, G_FILE_TEST_EXISTS));
  write_file (dir, "pairings", "[pairing-0]\nidentifier=X\npublic-key=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nadmin=true\n");
  expect_error (dir, "/identity: cannot read: ");
  g_assert_true (g_file_test (identity_path, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (g_rmdir (identity_path), ==, 0);
  g_assert_cmpint (g_rename (moved, identity_path), ==, 0);
  g_assert_cmpint (g_unlink (pairings_path), ==, 0);

  /* Corrupt, unpaired: refused and left byte for byte. */
  write_file (dir, "identity", "[identity]\ndevice-id=nonsense\n");
  expect_error (dir, "identity: corrupt");
  g_clear_pointer (&after, g_free);
  after = contents_of (identity_path);
  g_assert_cmpstr (after, ==, "[identity]\ndevice-id=nonsense\n");

  g_log_set_always_fatal (fatal);
  sodium_memzero (original, strlen (original));
  rmrf (dir);
}

#if HAP_ENABLE_INSPECTION
/* hap-inspection.h: a stopped accessory's state, read without creating anything. */
static void
test_stored_state (void)
{
  g_autofree char *dir = tmpdir ();
  g_autofree char *state_dir = g_build_filename (dir, "acc", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(HapStoredState) state = NULL;
  g_autoptr(HapStorage) storage = NULL;
  HapPairing *p = g_new0 (HapPairing, 1);
  GPtrArray *pairings;

  /* Never started: NOT_FOUND, and the directory is still not there. */
  state = hap_stored_state_load (state_dir, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (state);
  g_assert_false (g_file_test (state_dir, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  storage = hap_storage_open (state_dir, &error);
  g_assert_no_error (error);
  hap_storage_set_setup_code (storage, "314-15-926");
  g_assert_true (hap_storage_save_identity (storage, &error));
  p->identifier = g_strdup ("CTRL-1");
  p->admin = TRUE;
  g_ptr_array_add (storage->pairings, p);
  g_assert_true (hap_storage_save_pairings (storage, &error));
  g_assert_no_error (error);

  state = hap_stored_state_load (state_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_stored_state_get_device_id (state), ==, storage->device_id);
  g_assert_cmpstr (hap_stored_state_get_setup_id (state), ==, storage->setup_id);
  g_assert_cmpstr (hap_stored_state_get_setup_code (state), ==, "314-15-926");
  pairings = hap_stored_state_get_pairings (state);
  g_assert_cmpuint (pairings->len, ==, 1);
  g_assert_cmpstr (((HapPairing *) g_ptr_array_index (pairings, 0))->identifier, ==, "CTRL-1");
  g_assert_true (((HapPairing *) g_ptr_array_index (pairings, 0))->admin);

  rmrf (dir);
}
#endif

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  hap_crypto_init ();
  g_test_add_func ("/storage/create-and-reload", test_create_and_reload);
  g_test_add_func ("/storage/corrupt-files", test_corrupt_files);
#if HAP_ENABLE_INSPECTION
  g_test_add_func ("/storage/stored-state", test_stored_state);
#endif
  g_test_add_func ("/storage/damaged-key", test_damaged_key);
  g_test_add_func ("/storage/ble-state", test_ble_state);
  g_test_add_func ("/storage/unreadable-identity", test_unreadable_identity);
  g_test_add_func ("/storage/unreadable-identity/subprocess", test_unreadable_identity_subprocess);
  return g_test_run ();
}
