/* hap-storage.c — durable accessory state (files; no protocol logic)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-storage-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-setup-payload.h"

void
hap_pairing_free (HapPairing *pairing)
{
  if (pairing == NULL)
    return;
  g_free (pairing->identifier);
  g_free (pairing);
}

static gboolean
fsync_directory (const char *dir, GError **error)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd < 0 || fsync (fd) != 0)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE,
                   "%s: cannot sync directory: %s", dir, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

gboolean
hap_storage_write_file (const char  *dir,
                        const char  *name,
                        const char  *contents,
                        gsize        length,
                        GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) local_error = NULL;

  /* CONSISTENT writes a temporary file, fsyncs it and renames it over @path; DURABLE
   * adds the fsync where the file system needs it. The rename itself becomes durable
   * only with the directory's fsync. */
  if (!g_file_set_contents_full (path, contents, length,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: cannot write: %s",
                   path, local_error->message);
      return FALSE;
    }
  return fsync_directory (dir, error);
}

static gboolean
save_key_file (HapStorage *storage, const char *name, GKeyFile *kf, GError **error)
{
  gsize len = 0;
  g_autofree char *data = g_key_file_to_data (kf, &len, NULL);
  gboolean ok = hap_storage_write_file (storage->dir, name, data, len, error);

  sodium_memzero (data, len);
  return ok;
}

/* Loads @name into @kf. Returns FALSE without error when the file does not exist. */
static gboolean
load_key_file (HapStorage *storage, const char *name, GKeyFile *kf, gboolean *exists,
               GError **error)
{
  g_autofree char *path = g_build_filename (storage->dir, name, NULL);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  gboolean ok;

  *exists = FALSE;
  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: cannot read: %s",
                   path, local_error->message);
      return FALSE;
    }
  *exists = TRUE;
  ok = g_key_file_load_from_data (kf, data, len, G_KEY_FILE_NONE, &local_error);
  sodium_memzero (data, len);
  if (!ok)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: corrupt: %s",
                   path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
corrupt (GError **error, HapStorage *storage, const char *file, const char *what)
{
  g_autofree char *path = g_build_filename (storage->dir, file, NULL);

  g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: corrupt: %s", path, what);
  return FALSE;
}

/* Decodes base64 key @key of @group into exactly @len bytes. */
static gboolean
get_fixed_bytes (GKeyFile *kf, const char *group, const char *key, guint8 *out, gsize len)
{
  g_autofree char *text = g_key_file_get_string (kf, group, key, NULL);
  g_autofree guint8 *raw = NULL;
  gsize raw_len = 0;

  if (text == NULL)
    return FALSE;
  raw = g_base64_decode (text, &raw_len);
  sodium_memzero (text, strlen (text));
  if (raw_len != len)
    {
      sodium_memzero (raw, raw_len);
      return FALSE;
    }
  memcpy (out, raw, len);
  sodium_memzero (raw, raw_len);
  return TRUE;
}

static gboolean
device_id_is_valid (const char *id)
{
  if (strlen (id) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    {
      if (i % 3 == 2 ? id[i] != ':' : !g_ascii_isxdigit (id[i]) || g_ascii_islower (id[i]))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_identity (HapStorage *storage, gboolean *exists, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *device_id = NULL;
  g_autofree char *setup_id = NULL;
  char *code;
  guint8 derived_pk[32];

  /* Only "does not exist" means "make a new identity": a file that is there but cannot
   * be read (permissions, a directory, I/O) stops the accessory, paired or not, as a
   * corrupt one does. Replacing it would orphan every controller paired with it. */
  if (!load_key_file (storage, "identity", kf, exists, error))
    return FALSE;
  if (!*exists)
    return TRUE;

  device_id = g_key_file_get_string (kf, "identity", "device-id", NULL);
  if (device_id == NULL || !device_id_is_valid (device_id))
    return corrupt (error, storage, "identity", "device-id is missing or not XX:XX:XX:XX:XX:XX");
  memcpy (storage->device_id, device_id, 18);

  if (!get_fixed_bytes (kf, "identity", "signing-key", storage->secret_key, 64))
    return corrupt (error, storage, "identity", "signing-key is missing or not 64 bytes of base64");
  /* The public half is part of libsodium's secret key; check it matches the seed so that a
   * damaged key is caught here rather than as failing signatures later. */
  crypto_sign_ed25519_sk_to_pk (storage->public_key, storage->secret_key);
  {
    guint8 seed[32], sk[64];
    crypto_sign_ed25519_sk_to_seed (seed, storage->secret_key);
    crypto_sign_seed_keypair (derived_pk, sk, seed);
    sodium_memzero (seed, sizeof seed);
    sodium_memzero (sk, sizeof sk);
  }
  if (memcmp (derived_pk, storage->public_key, 32) != 0)
    return corrupt (error, storage, "identity", "signing-key is damaged (public half does not match)");

  setup_id = g_key_file_get_string (kf, "identity", "setup-id", NULL);
  if (setup_id == NULL || strlen (setup_id) != 4)
    return corrupt (error, storage, "identity", "setup-id is missing or not 4 characters");
  memcpy (storage->setup_id, setup_id, 5);

  /* Either the code (the simulator's way) or, on a provisioned device, the salt and
   * verifier of the label's code; never both, so that no code lingers beside a verifier. */
  if (g_key_file_has_key (kf, "identity", "setup-salt", NULL) ||
      g_key_file_has_key (kf, "identity", "setup-verifier", NULL))
    {
      if (g_key_file_has_key (kf, "identity", "setup-code", NULL))
        return corrupt (error, storage, "identity", "holds both a setup-code and a setup-verifier");
      if (!get_fixed_bytes (kf, "identity", "setup-salt", storage->setup_salt, HAP_SRP_SALT_LEN))
        return corrupt (error, storage, "identity", "setup-salt is not 16 bytes of base64");
      if (!get_fixed_bytes (kf, "identity", "setup-verifier", storage->setup_verifier, HAP_SRP_PRIME_LEN))
        return corrupt (error, storage, "identity", "setup-verifier is not 384 bytes of base64");
      storage->has_setup_verifier = TRUE;
      return TRUE;
    }
  code = g_key_file_get_string (kf, "identity", "setup-code", NULL);
  if (code == NULL || !hap_setup_code_validate (code, NULL))
    {
      hap_secret_free (code);
      return corrupt (error, storage, "identity", "setup-code is missing or invalid");
    }
  storage->setup_code = code;
  return TRUE;
}

gboolean
hap_storage_save_identity (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *sk = g_base64_encode (storage->secret_key, 64);
  gboolean ok;

  g_key_file_set_string (kf, "identity", "device-id", storage->device_id);
  g_key_file_set_string (kf, "identity", "signing-key", sk);
  g_key_file_set_string (kf, "identity", "setup-id", storage->setup_id);
  if (storage->has_setup_verifier)
    {
      g_autofree char *salt = g_base64_encode (storage->setup_salt, HAP_SRP_SALT_LEN);
      g_autofree char *verifier = g_base64_encode (storage->setup_verifier, HAP_SRP_PRIME_LEN);

      g_key_file_set_string (kf, "identity", "setup-salt", salt);
      g_key_file_set_string (kf, "identity", "setup-verifier", verifier);
    }
  else
    {
      g_key_file_set_string (kf, "identity", "setup-code", storage->setup_code);
    }
  ok = save_key_file (storage, "identity", kf, error);
  sodium_memzero (sk, strlen (sk));
  return ok;
}

void
hap_storage_set_setup_verifier (HapStorage   *storage,
                                const guint8 *salt,
                                const guint8 *verifier)
{
  g_clear_pointer (&storage->setup_code, hap_secret_free);
  memcpy (storage->setup_salt, salt, HAP_SRP_SALT_LEN);
  memcpy (storage->setup_verifier, verifier, HAP_SRP_PRIME_LEN);
  storage->has_setup_verifier = TRUE;
}

void
hap_storage_set_setup_code (HapStorage *storage, const char *code)
{
  g_clear_pointer (&storage->setup_code, hap_secret_free);
  storage->setup_code = g_strdup (code);
  storage->has_setup_verifier = FALSE;
  sodium_memzero (storage->setup_salt, sizeof storage->setup_salt);
  sodium_memzero (storage->setup_verifier, sizeof storage->setup_verifier);
}

static void
create_identity (HapStorage *storage)
{
  guint8 raw[6];
  g_autofree char *setup_id = hap_setup_id_generate ();

  /* docs/protocol.md §2.5: 6 random bytes, rendered uppercase with colons. */
  randombytes_buf (raw, sizeof raw);
  g_snprintf (storage->device_id, sizeof storage->device_id,
              "%02X:%02X:%02X:%02X:%02X:%02X", raw[0], raw[1], raw[2], raw[3], raw[4], raw[5]);
  crypto_sign_keypair (storage->public_key, storage->secret_key);
  memcpy (storage->setup_id, setup_id, 5);
}

static gboolean
load_pairings (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  gboolean exists;

  if (!load_key_file (storage, "pairings", kf, &exists, error))
    return FALSE;
  if (!exists)
    return TRUE;

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      HapPairing *pairing;
      g_autofree char *id = g_key_file_get_string (kf, groups[i], "identifier", NULL);
      gboolean admin = g_key_file_get_boolean (kf, groups[i], "admin", &local_error);
      g_autofree char *what = NULL;

      if (id == NULL || *id == '\0' || strlen (id) > HAP_PAIRING_ID_MAX_LEN)
        what = g_strdup_printf ("[%s] identifier is missing or too long", groups[i]);
      else if (local_error != NULL)
        what = g_strdup_printf ("[%s] admin is not true or false", groups[i]);
      if (what != NULL)
        return corrupt (error, storage, "pairings", what);

      pairing = g_new0 (HapPairing, 1);
      pairing->identifier = g_steal_pointer (&id);
      pairing->admin = admin;
      /* Written since the simulator shows it; older files have none (0: unknown). */
      pairing->added = MAX (g_key_file_get_int64 (kf, groups[i], "added", NULL), 0);
      g_ptr_array_add (storage->pairings, pairing);
      if (!get_fixed_bytes (kf, groups[i], "public-key", pairing->public_key, 32))
        {
          what = g_strdup_printf ("[%s] public-key is missing or not 32 bytes of base64", groups[i]);
          return corrupt (error, storage, "pairings", what);
        }
    }
  return TRUE;
}

gboolean
hap_storage_save_pairings (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  for (guint i = 0; i < storage->pairings->len; i++)
    {
      HapPairing *pairing = g_ptr_array_index (storage->pairings, i);
      g_autofree char *group = g_strdup_printf ("pairing-%u", i);
      g_autofree char *pk = g_base64_encode (pairing->public_key, 32);

      g_key_file_set_string (kf, group, "identifier", pairing->identifier);
      g_key_file_set_string (kf, group, "public-key", pk);
      g_key_file_set_boolean (kf, group, "admin", pairing->admin);
      if (pairing->added > 0)
        g_key_file_set_int64 (kf, group, "added", pairing->added);
    }
  return save_key_file (storage, "pairings", kf, error);
}

static gboolean
get_uint (GKeyFile *kf, const char *group, const char *key, guint max, guint *out)
{
  g_autoptr(GError) local_error = NULL;
  guint64 v = g_key_file_get_uint64 (kf, group, key, &local_error);

  if (local_error != NULL || v > max)
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static gboolean
load_state (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  gboolean exists;

  storage->config_number = 1;
  if (!load_key_file (storage, "state", kf, &exists, error))
    return FALSE;
  if (!exists)
    return TRUE;

  if (!get_uint (kf, "state", "failed-attempts", G_MAXUINT32, &storage->failed_attempts))
    return corrupt (error, storage, "state", "failed-attempts is missing or not a number");
  /* HAP §6.6.1 / docs/protocol.md §4.12: c# is 1..65535. */
  if (!get_uint (kf, "state", "config-number", 65535, &storage->config_number) ||
      storage->config_number == 0)
    return corrupt (error, storage, "state", "config-number is missing or not in 1..65535");
  storage->config_hash = g_key_file_get_string (kf, "state", "config-hash", NULL);
  /* Optional: files written before it existed have none. */
  if (g_key_file_has_key (kf, "state", "port", NULL) && !get_uint (kf, "state", "port", 65535, &storage->last_port))
    return corrupt (error, storage, "state", "port is not in 0..65535");
  return TRUE;
}

gboolean
hap_storage_save_state (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  g_key_file_set_uint64 (kf, "state", "failed-attempts", storage->failed_attempts);
  g_key_file_set_uint64 (kf, "state", "config-number", storage->config_number);
  if (storage->config_hash != NULL)
    g_key_file_set_string (kf, "state", "config-hash", storage->config_hash);
  if (storage->last_port != 0)
    g_key_file_set_uint64 (kf, "state", "port", storage->last_port);
  return save_key_file (storage, "state", kf, error);
}

static int
compare_uint_pointers (gconstpointer a, gconstpointer b)
{
  guint x = GPOINTER_TO_UINT (a), y = GPOINTER_TO_UINT (b);

  return x < y ? -1 : x > y;
}

/* "AA:BB:CC:DD:EE:FF" → 6 bytes. */
static gboolean
parse_mac (const char *text, guint8 out[6])
{
  for (guint i = 0; i < 6; i++)
    {
      const char *p = text + 3 * i;
      int hi, lo;

      if ((hi = g_ascii_xdigit_value (p[0])) < 0 || (lo = g_ascii_xdigit_value (p[1])) < 0 ||
          p[2] != (i < 5 ? ':' : '\0'))
        return FALSE;
      out[i] = (guint8) (hi << 4 | lo);
    }
  return TRUE;
}

static gboolean
load_ble (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *advertising_id = NULL;
  g_autofree char *key = NULL;
  g_auto(GStrv) broadcast = NULL;
  gboolean exists;

  /* docs/protocol.md §5.11: the GSN starts at 1. */
  storage->gsn = 1;
  if (!load_key_file (storage, "ble", kf, &exists, error))
    return FALSE;
  if (!exists)
    return TRUE;

  if (!get_uint (kf, "ble", "gsn", 65535, &storage->gsn) || storage->gsn == 0)
    return corrupt (error, storage, "ble", "gsn is missing or not in 1..65535");
  advertising_id = g_key_file_get_string (kf, "ble", "advertising-id", NULL);
  if (advertising_id != NULL)
    {
      if (!parse_mac (advertising_id, storage->advertising_id))
        return corrupt (error, storage, "ble", "advertising-id is not XX:XX:XX:XX:XX:XX");
      storage->has_advertising_id = TRUE;
    }
  key = g_key_file_get_string (kf, "ble", "broadcast-key", NULL);
  if (key != NULL)
    {
      gsize len = 0;
      g_autofree guint8 *raw = g_base64_decode (key, &len);
      gboolean ok = len == 32 && get_uint (kf, "ble", "broadcast-key-gsn", 65535,
                                           &storage->broadcast_key_gsn) &&
                    storage->broadcast_key_gsn > 0;

      if (ok)
        memcpy (storage->broadcast_key, raw, 32);
      sodium_memzero (raw, len);
      sodium_memzero (key, strlen (key));
      if (!ok)
        return corrupt (error, storage, "ble",
                        "broadcast-key is not 32 bytes of base64 with a broadcast-key-gsn in 1..65535");
      storage->has_broadcast_key = TRUE;
    }
  broadcast = g_key_file_get_string_list (kf, "ble", "broadcast", NULL, NULL);
  for (guint i = 0; broadcast != NULL && broadcast[i] != NULL; i++)
    {
      guint64 iid = 0, interval = 0;
      char *end = NULL;

      /* §5.6 Characteristic Configuration: interval codes 1 (20 ms), 2, 3. */
      iid = g_ascii_strtoull (broadcast[i], &end, 10);
      if (end == broadcast[i] || *end != ':' || iid == 0 || iid > 65535)
        return corrupt (error, storage, "ble", "broadcast entries must be IID:INTERVAL");
      interval = g_ascii_strtoull (end + 1, &end, 10);
      if (*end != '\0' || interval < 1 || interval > 3)
        return corrupt (error, storage, "ble", "broadcast intervals must be 1, 2 or 3");
      g_hash_table_insert (storage->broadcast, GUINT_TO_POINTER ((guint) iid),
                           GUINT_TO_POINTER ((guint) interval));
    }
  return TRUE;
}

gboolean
hap_storage_save_ble (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GPtrArray) broadcast = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GList) iids = g_hash_table_get_keys (storage->broadcast);

  g_key_file_set_uint64 (kf, "ble", "gsn", storage->gsn);
  if (storage->has_advertising_id)
    {
      const guint8 *a = storage->advertising_id;
      g_autofree char *text = g_strdup_printf ("%02X:%02X:%02X:%02X:%02X:%02X",
                                               a[0], a[1], a[2], a[3], a[4], a[5]);
      g_key_file_set_string (kf, "ble", "advertising-id", text);
    }
  if (storage->has_broadcast_key)
    {
      g_autofree char *key = g_base64_encode (storage->broadcast_key, 32);

      g_key_file_set_string (kf, "ble", "broadcast-key", key);
      g_key_file_set_uint64 (kf, "ble", "broadcast-key-gsn", storage->broadcast_key_gsn);
      sodium_memzero (key, strlen (key));
    }
  /* In iid order, so that the file does not change when nothing did. */
  iids = g_list_sort (iids, (GCompareFunc) compare_uint_pointers);
  for (GList *l = iids; l != NULL; l = l->next)
    g_ptr_array_add (broadcast, g_strdup_printf ("%u:%u", GPOINTER_TO_UINT (l->data),
                                                 GPOINTER_TO_UINT (g_hash_table_lookup (storage->broadcast, l->data))));
  if (broadcast->len > 0)
    g_key_file_set_string_list (kf, "ble", "broadcast", (const char * const *) broadcast->pdata,
                                broadcast->len);
  return save_key_file (storage, "ble", kf, error);
}

void
hap_storage_reset_ble (HapStorage *storage)
{
  storage->has_advertising_id = FALSE;
  storage->has_broadcast_key = FALSE;
  sodium_memzero (storage->broadcast_key, sizeof storage->broadcast_key);
  storage->broadcast_key_gsn = 0;
  g_hash_table_remove_all (storage->broadcast);
}

static gboolean
load_id_group (HapStorage *storage, GKeyFile *kf, const char *group, GHashTable *table,
               GError **error)
{
  g_auto(GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      guint id;

      if (!get_uint (kf, group, keys[i], G_MAXUINT32, &id) || id == 0)
        {
          g_autofree char *what = g_strdup_printf ("[%s] %s is not a positive number", group, keys[i]);
          return corrupt (error, storage, "ids", what);
        }
      g_hash_table_insert (table, g_strdup (keys[i]), GUINT_TO_POINTER (id));
    }
  return TRUE;
}

static gboolean
load_ids (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  gboolean exists;

  if (!load_key_file (storage, "ids", kf, &exists, error))
    return FALSE;
  if (!exists)
    return TRUE;
  return load_id_group (storage, kf, "iids", storage->iids, error) &&
         load_id_group (storage, kf, "aids", storage->aids, error);
}

static void
save_id_group (GKeyFile *kf, const char *group, GHashTable *table)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_key_file_set_uint64 (kf, group, key, GPOINTER_TO_UINT (value));
}

gboolean
hap_storage_save_ids (HapStorage *storage, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();

  save_id_group (kf, "iids", storage->iids);
  save_id_group (kf, "aids", storage->aids);
  return save_key_file (storage, "ids", kf, error);
}

gboolean
hap_storage_make_private_dir (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: cannot create: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  /* Keys live here: keep the directory private even if it existed with a wider mode. */
  if (g_chmod (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: cannot set mode 0700: %s",
                   dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static HapStorage *
storage_new (const char *dir)
{
  HapStorage *storage = g_new0 (HapStorage, 1);

  hap_crypto_init ();
  storage->dir = g_strdup (dir);
  storage->pairings = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_pairing_free);
  storage->iids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  storage->broadcast = g_hash_table_new (NULL, NULL);
  storage->aids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return storage;
}

HapStorage *
hap_storage_new_identity (const char *dir)
{
  HapStorage *storage = storage_new (dir);

  create_identity (storage);
  return storage;
}

HapStorage *
hap_storage_open (const char *dir, GError **error)
{
  g_autoptr(HapStorage) storage = storage_new (dir);
  gboolean exists = FALSE;

  if (!hap_storage_make_private_dir (dir, error))
    return NULL;

  if (!load_identity (storage, &exists, error))
    return NULL;
  if (!load_pairings (storage, error) || !load_state (storage, error) || !load_ids (storage, error) ||
      !load_ble (storage, error))
    return NULL;

  if (!exists)
    {
      /* Pairings without the identity they were made with are useless, and a fresh
       * identity would silently orphan them: refuse. */
      if (storage->pairings->len > 0)
        {
          corrupt (error, storage, "identity", "file is missing but pairings exist");
          return NULL;
        }
      create_identity (storage);
      storage->setup_code = hap_setup_code_generate ();
      if (!hap_storage_save_identity (storage, error))
        return NULL;
    }

  return g_steal_pointer (&storage);
}

void
hap_storage_free (HapStorage *storage)
{
  if (storage == NULL)
    return;
  sodium_memzero (storage->secret_key, sizeof storage->secret_key);
  hap_secret_free (storage->setup_code);
  sodium_memzero (storage->setup_verifier, sizeof storage->setup_verifier);
  g_clear_pointer (&storage->pairings, g_ptr_array_unref);
  g_clear_pointer (&storage->iids, g_hash_table_unref);
  g_clear_pointer (&storage->aids, g_hash_table_unref);
  g_clear_pointer (&storage->broadcast, g_hash_table_unref);
  sodium_memzero (storage->broadcast_key, sizeof storage->broadcast_key);
  g_free (storage->config_hash);
  g_free (storage->dir);
  g_free (storage);
}

HapPairing *
hap_storage_find_pairing (HapStorage *storage, const char *identifier, gsize identifier_len)
{
  for (guint i = 0; i < storage->pairings->len; i++)
    {
      HapPairing *pairing = g_ptr_array_index (storage->pairings, i);

      if (strlen (pairing->identifier) == identifier_len &&
          memcmp (pairing->identifier, identifier, identifier_len) == 0)
        return pairing;
    }
  return NULL;
}

gboolean
hap_storage_has_admin (HapStorage *storage)
{
  for (guint i = 0; i < storage->pairings->len; i++)
    {
      HapPairing *pairing = g_ptr_array_index (storage->pairings, i);

      if (pairing->admin)
        return TRUE;
    }
  return FALSE;
}
