/* hap-controller.c — see hap-controller.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * File layout (GKeyFile):
 *   [controller]            id=<pairing identifier>  secret-key=<base64 Ed25519 seed ‖ public>
 *   [accessory <device id>] public-key=<base64 LTPK>  host=<last host>  port=<last port>
 *                           and, for HAP over BLE (all optional):
 *                           ble-address=<BD address last reached at>
 *                           resume-session-id=<base64, 8>  resume-secret=<base64, 32>
 *                           broadcast-key=<base64, 32>  advertising-id=<XX:XX:XX:XX:XX:XX>
 *                           broadcast-key-gsn=<GSN at generation>  gsn=<last GSN seen>
 * The file holds secrets: it is written atomically with mode 0600, and every decoded or
 * encoded copy of a secret is wiped after use.
 */
#include "hap-controller-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hap-crypto-private.h"
#include "hap-error.h"

#define ACCESSORY_GROUP_PREFIX "accessory "


struct _HapController
{
  GObject     parent_instance;

  char       *id;
  char       *path;
  guint8      ltsk[64];
  guint8      ltpk[32];
  GHashTable *accessories;   /* device id → HapKnownAccessory */
};

GHashTable *
_hap_controller_get_known (HapController *self)
{
  return self->accessories;
}

enum { PROP_0, PROP_ID, PROP_PATH, N_PROPS };
static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (HapController, hap_controller, G_TYPE_OBJECT)

void
_hap_known_accessory_free (gpointer data)
{
  HapKnownAccessory *known = data;

  g_free (known->host);
  g_free (known->ble_address);
  sodium_memzero (known, sizeof *known);
  g_free (known);
}

static void
hap_controller_finalize (GObject *object)
{
  HapController *self = HAP_CONTROLLER (object);

  sodium_memzero (self->ltsk, sizeof self->ltsk);
  g_free (self->id);
  g_free (self->path);
  g_hash_table_unref (self->accessories);
  G_OBJECT_CLASS (hap_controller_parent_class)->finalize (object);
}

static void
hap_controller_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapController *self = HAP_CONTROLLER (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_controller_class_init (HapControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hap_controller_finalize;
  object_class->get_property = hap_controller_get_property;

  /**
   * HapController:id:
   *
   * The controller's pairing identifier.
   */
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HapController:path:
   *
   * The key file the controller is kept in, or %NULL in memory.
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_controller_init (HapController *self)
{
  hap_crypto_init ();
  self->accessories = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, _hap_known_accessory_free);
}

HapController *
hap_controller_new (const char *id)
{
  HapController *self = g_object_new (HAP_TYPE_CONTROLLER, NULL);
  g_autofree char *uuid = id == NULL ? g_uuid_string_random () : NULL;

  /* Controllers identify themselves with an uppercase UUID (docs/protocol.md §1.2). */
  self->id = id != NULL ? g_strdup (id) : g_ascii_strup (uuid, -1);
  crypto_sign_keypair (self->ltpk, self->ltsk);
  return self;
}

static gboolean
storage_error (GError **error, const char *path, const char *what)
{
  g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: %s", path, what);
  return FALSE;
}

/* A 17-byte "XX:XX:XX:XX:XX:XX" device id (docs/protocol.md §4.13, TXT "id"). */
static gboolean
is_device_id (const char *id)
{
  if (strlen (id) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    if (i % 3 == 2 ? id[i] != ':' : !g_ascii_isxdigit (id[i]))
      return FALSE;
  return TRUE;
}

static gboolean
load_accessory (HapController *self, GKeyFile *kf, const char *group, GError **error)
{
  const char *device_id = group + strlen (ACCESSORY_GROUP_PREFIX);
  g_autofree char *pk = g_key_file_get_string (kf, group, "public-key", NULL);
  g_autofree char *host = g_key_file_get_string (kf, group, "host", NULL);
  gint64 port = g_key_file_get_int64 (kf, group, "port", NULL);
  g_autofree guint8 *raw = NULL;
  gsize len = 0;
  HapKnownAccessory *known;

  if (pk != NULL)
    raw = g_base64_decode (pk, &len);
  known = g_new0 (HapKnownAccessory, 1);
  if (!is_device_id (device_id) || len != 32 || port < 0 || port > G_MAXUINT16 ||
      !_hap_known_accessory_load_ble (known, kf, group))
    {
      g_autofree char *what = g_strdup_printf ("bad group [%s]", group);
      _hap_known_accessory_free (known);
      return storage_error (error, self->path, what);
    }
  memcpy (known->ltpk, raw, 32);
  known->host = g_steal_pointer (&host);
  known->port = (guint16) port;
  g_hash_table_replace (self->accessories, g_ascii_strup (device_id, -1), known);
  return TRUE;
}

static gboolean
load_file (HapController *self, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) groups = NULL;
  g_autofree char *sk = NULL;
  g_autofree guint8 *raw = NULL;
  gsize len = 0;

  if (!g_key_file_load_from_file (kf, self->path, G_KEY_FILE_NONE, &local_error))
    return storage_error (error, self->path, local_error->message);
  self->id = g_key_file_get_string (kf, "controller", "id", NULL);
  sk = g_key_file_get_string (kf, "controller", "secret-key", NULL);
  if (sk != NULL)
    raw = g_base64_decode (sk, &len);
  if (self->id == NULL || *self->id == '\0' || len != 64)
    {
      if (raw != NULL)
        sodium_memzero (raw, len);
      if (sk != NULL)
        sodium_memzero (sk, strlen (sk));
      return storage_error (error, self->path, "no valid [controller] id and secret-key");
    }
  memcpy (self->ltsk, raw, 64);
  sodium_memzero (raw, len);
  sodium_memzero (sk, strlen (sk));
  crypto_sign_ed25519_sk_to_pk (self->ltpk, self->ltsk);

  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    if (g_str_has_prefix (groups[i], ACCESSORY_GROUP_PREFIX) &&
        !load_accessory (self, kf, groups[i], error))
      return FALSE;
  return TRUE;
}

HapController *
hap_controller_new_for_file (const char *path, GError **error)
{
  g_autoptr(HapController) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *dir = g_path_get_dirname (path);

      self = hap_controller_new (NULL);
      self->path = g_strdup (path);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved_errno = errno;
          g_set_error (error, HAP_ERROR, HAP_ERROR_STORAGE, "%s: %s", dir, g_strerror (saved_errno));
          return NULL;
        }
      return hap_controller_save (self, error) ? g_steal_pointer (&self) : NULL;
    }

  self = g_object_new (HAP_TYPE_CONTROLLER, NULL);
  self->path = g_strdup (path);
  if (!load_file (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
hap_controller_get_id (HapController *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER (self), NULL);
  return self->id;
}

const char *
hap_controller_get_path (HapController *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER (self), NULL);
  return self->path;
}

const guint8 *
hap_controller_get_public_key (HapController *self)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER (self), NULL);
  return self->ltpk;
}

void
hap_controller_get_identity (HapController *self, HapControllerIdentity *identity)
{
  identity->id = self->id;
  memcpy (identity->ltsk, self->ltsk, 64);
  memcpy (identity->ltpk, self->ltpk, 32);
}

gboolean
hap_controller_save_as (HapController *self, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *sk = g_base64_encode (self->ltsk, 64);
  g_autofree char *data = NULL;
  g_autoptr(GList) ids = NULL;
  gsize len = 0;
  gboolean ok;

  g_key_file_set_string (kf, "controller", "id", self->id);
  g_key_file_set_string (kf, "controller", "secret-key", sk);
  sodium_memzero (sk, strlen (sk));
  ids = g_list_sort (g_hash_table_get_keys (self->accessories), (GCompareFunc) strcmp);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      HapKnownAccessory *known = g_hash_table_lookup (self->accessories, l->data);
      g_autofree char *group = g_strconcat (ACCESSORY_GROUP_PREFIX, l->data, NULL);
      g_autofree char *pk = g_base64_encode (known->ltpk, 32);

      g_key_file_set_string (kf, group, "public-key", pk);
      if (known->host != NULL)
        g_key_file_set_string (kf, group, "host", known->host);
      g_key_file_set_integer (kf, group, "port", known->port);
      _hap_known_accessory_save_ble (known, kf, group);
    }
  data = g_key_file_to_data (kf, &len, NULL);
  ok = g_file_set_contents_full (path, data, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, error);
  sodium_memzero (data, len);
  return ok;
}

gboolean
hap_controller_save (HapController *self, GError **error)
{
  g_return_val_if_fail (HAP_IS_CONTROLLER (self), FALSE);
  return self->path == NULL || hap_controller_save_as (self, self->path, error);
}

gboolean
hap_controller_add_accessory (HapController *self,
                              const char    *device_id,
                              const guint8   ltpk[32],
                              const char    *host,
                              guint16        port,
                              GError       **error)
{
  g_autofree char *key = NULL;
  HapKnownAccessory *known;

  g_return_val_if_fail (HAP_IS_CONTROLLER (self), FALSE);
  if (!is_device_id (device_id))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "“%s” is not a device id", device_id);
      return FALSE;
    }
  key = g_ascii_strup (device_id, -1);
  known = g_hash_table_lookup (self->accessories, key);
  /* A new key is a new pairing: what was learnt over the old one does not carry over. */
  if (known != NULL && sodium_memcmp (known->ltpk, ltpk, 32) != 0)
    {
      g_hash_table_remove (self->accessories, key);
      known = NULL;
    }
  if (known == NULL)
    {
      known = g_new0 (HapKnownAccessory, 1);
      memcpy (known->ltpk, ltpk, 32);
      g_hash_table_replace (self->accessories, g_steal_pointer (&key), known);
    }
  g_free (known->host);
  known->host = g_strdup (host);
  known->port = port;
  return hap_controller_save (self, error);
}

gboolean
hap_controller_remove_accessory (HapController *self, const char *device_id, GError **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (HAP_IS_CONTROLLER (self), FALSE);
  key = g_ascii_strup (device_id, -1);
  if (!g_hash_table_remove (self->accessories, key))
    return TRUE;
  return hap_controller_save (self, error);
}

gboolean
hap_controller_lookup_accessory (HapController *self, const char *device_id, guint8 ltpk[32])
{
  g_autofree char *key = NULL;
  HapKnownAccessory *known;

  g_return_val_if_fail (HAP_IS_CONTROLLER (self), FALSE);
  key = g_ascii_strup (device_id, -1);
  known = g_hash_table_lookup (self->accessories, key);
  if (known == NULL)
    return FALSE;
  memcpy (ltpk, known->ltpk, 32);
  return TRUE;
}

const char *
hap_controller_find_accessory (HapController *self, const char *host, guint16 port)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (HAP_IS_CONTROLLER (self), NULL);
  g_hash_table_iter_init (&iter, self->accessories);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      HapKnownAccessory *known = value;

      if (known->port == port && g_strcmp0 (known->host, host) == 0)
        return key;
    }
  return NULL;
}

static int
compare_strings (const void *a, const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char **
hap_controller_list_accessories (HapController *self)
{
  g_autofree gpointer *keys = NULL;
  guint n = 0;
  char **ids;

  g_return_val_if_fail (HAP_IS_CONTROLLER (self), NULL);
  keys = g_hash_table_get_keys_as_array (self->accessories, &n);
  ids = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    ids[i] = g_strdup (keys[i]);
  qsort (ids, n, sizeof (char *), compare_strings);
  return ids;
}

