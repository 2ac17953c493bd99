/* hap-controller-ble-store.c — what a controller keeps about a HAP-BLE accessory: its
 * BD address, the Pair Resume ticket and the broadcast key (docs/protocol.md §3.4, §5.10),
 * in memory and in the [accessory …] groups of the controller file (see hap-controller.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-controller-private.h"

#include <string.h>

#include "hap-ble-advertisement-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"

/* ---- the file ---- */

/* A base64 item of exactly @len bytes into @out: 1 when it is there, 0 when absent, -1
 * when malformed. The decoded copy is wiped (the item may be a secret). */
static int
load_bytes (GKeyFile *kf, const char *group, const char *key, guint8 *out, gsize len)
{
  g_autofree char *text = g_key_file_get_string (kf, group, key, NULL);
  g_autofree guint8 *raw = NULL;
  gsize raw_len = 0;
  int result;

  if (text == NULL)
    return 0;
  raw = g_base64_decode (text, &raw_len);
  result = raw_len == len ? 1 : -1;
  if (result == 1)
    memcpy (out, raw, len);
  if (raw != NULL)
    sodium_memzero (raw, raw_len);
  sodium_memzero (text, strlen (text));
  return result;
}

/* A GSN item (docs/protocol.md §5.11: 1–65535); 0 when absent, -1 when malformed. */
static int
load_gsn (GKeyFile *kf, const char *group, const char *key, guint16 *gsn)
{
  g_autoptr(GError) error = NULL;
  gint64 value;

  if (!g_key_file_has_key (kf, group, key, NULL))
    return 0;
  value = g_key_file_get_int64 (kf, group, key, &error);
  if (error != NULL || value < 1 || value > G_MAXUINT16)
    return -1;
  *gsn = (guint16) value;
  return 1;
}

/* The optional HAP-BLE items; FALSE when one of them is malformed. */
gboolean
_hap_known_accessory_load_ble (HapKnownAccessory *known, GKeyFile *kf, const char *group)
{
  g_autofree char *address = g_key_file_get_string (kf, group, "ble-address", NULL);
  g_autofree char *advertising_id = g_key_file_get_string (kf, group, "advertising-id", NULL);
  int id, secret, key, key_gsn, gsn;

  if (address != NULL && !hap_ble_device_id_parse (address, (guint8[6]) { 0 }))
    return FALSE;
  known->ble_address = address != NULL ? g_ascii_strup (address, -1) : NULL;

  id = load_bytes (kf, group, "resume-session-id", known->ticket.session_id, 8);
  secret = load_bytes (kf, group, "resume-secret", known->ticket.shared_secret, 32);
  if (id < 0 || secret < 0 || id != secret)
    return FALSE;
  known->has_ticket = id == 1;

  key = load_bytes (kf, group, "broadcast-key", known->broadcast.key, 32);
  key_gsn = load_gsn (kf, group, "broadcast-key-gsn", &known->broadcast.key_gsn);
  gsn = load_gsn (kf, group, "gsn", &known->broadcast.gsn);
  if (key < 0 || key_gsn < 0 || gsn < 0 ||
      (key == 1) != (advertising_id != NULL) || (key == 1) != (key_gsn == 1) ||
      (advertising_id != NULL && !hap_ble_device_id_parse (advertising_id, known->broadcast.advertising_id)))
    return FALSE;
  known->has_broadcast = key == 1;
  if (known->has_broadcast && gsn == 0)
    known->broadcast.gsn = known->broadcast.key_gsn;
  return TRUE;
}

/* Sets @key to the base64 of @len secret bytes, wiping the encoded copy. */
static void
save_bytes (GKeyFile *kf, const char *group, const char *key, const guint8 *data, gsize len)
{
  g_autofree char *text = g_base64_encode (data, len);

  g_key_file_set_string (kf, group, key, text);
  sodium_memzero (text, strlen (text));
}

void
_hap_known_accessory_save_ble (HapKnownAccessory *known, GKeyFile *kf, const char *group)
{
  if (known->ble_address != NULL)
    g_key_file_set_string (kf, group, "ble-address", known->ble_address);
  if (known->has_ticket)
    {
      save_bytes (kf, group, "resume-session-id", known->ticket.session_id, 8);
      save_bytes (kf, group, "resume-secret", known->ticket.shared_secret, 32);
    }
  if (known->has_broadcast)
    {
      g_autofree char *advertising_id = hap_ble_device_id_to_string (known->broadcast.advertising_id);

      save_bytes (kf, group, "broadcast-key", known->broadcast.key, 32);
      g_key_file_set_string (kf, group, "advertising-id", advertising_id);
      g_key_file_set_integer (kf, group, "broadcast-key-gsn", known->broadcast.key_gsn);
      g_key_file_set_integer (kf, group, "gsn", known->broadcast.gsn);
    }
}

/* ---- accessors ---- */

static HapKnownAccessory *
lookup_known (HapController *self, const char *device_id, GError **error)
{
  g_autofree char *key = g_ascii_strup (device_id, -1);
  HapKnownAccessory *known = g_hash_table_lookup (_hap_controller_get_known (self), key);

  if (known == NULL)
    g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "accessory %s is not paired with this controller",
                 device_id);
  return known;
}

gboolean
hap_controller_set_ble_address (HapController *self,
                                const char    *device_id,
                                const char    *address,
                                GError       **error)
{
  HapKnownAccessory *known = lookup_known (self, device_id, error);
  g_autofree char *upper = NULL;

  if (known == NULL)
    return FALSE;
  upper = g_ascii_strup (address, -1);
  if (g_strcmp0 (known->ble_address, upper) == 0)
    return TRUE;
  g_free (known->ble_address);
  known->ble_address = g_steal_pointer (&upper);
  return hap_controller_save (self, error);
}

const char *
hap_controller_find_ble_accessory (HapController *self, const char *address)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, _hap_controller_get_known (self));
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      HapKnownAccessory *known = value;

      if (known->ble_address != NULL && g_ascii_strcasecmp (known->ble_address, address) == 0)
        return key;
    }
  return NULL;
}

gboolean
hap_controller_set_resume_ticket (HapController         *self,
                                  const char            *device_id,
                                  const HapResumeTicket *ticket,
                                  GError               **error)
{
  HapKnownAccessory *known = lookup_known (self, device_id, error);

  if (known == NULL)
    return FALSE;
  if (ticket == NULL && !known->has_ticket)
    return TRUE;
  sodium_memzero (&known->ticket, sizeof known->ticket);
  known->has_ticket = ticket != NULL;
  if (ticket != NULL)
    known->ticket = *ticket;
  return hap_controller_save (self, error);
}

gboolean
hap_controller_get_resume_ticket (HapController   *self,
                                  const char      *device_id,
                                  HapResumeTicket *ticket)
{
  HapKnownAccessory *known = lookup_known (self, device_id, NULL);

  if (known == NULL || !known->has_ticket)
    return FALSE;
  *ticket = known->ticket;
  return TRUE;
}

gboolean
hap_controller_set_broadcast_key (HapController         *self,
                                  const char            *device_id,
                                  const HapBroadcastKey *key,
                                  GError               **error)
{
  HapKnownAccessory *known = lookup_known (self, device_id, error);

  if (known == NULL)
    return FALSE;
  if (key == NULL && !known->has_broadcast)
    return TRUE;
  sodium_memzero (&known->broadcast, sizeof known->broadcast);
  known->has_broadcast = key != NULL;
  if (key != NULL)
    known->broadcast = *key;
  return hap_controller_save (self, error);
}

gboolean
hap_controller_get_broadcast_key (HapController   *self,
                                  const char      *device_id,
                                  HapBroadcastKey *key)
{
  HapKnownAccessory *known = lookup_known (self, device_id, NULL);

  if (known == NULL || !known->has_broadcast)
    return FALSE;
  *key = known->broadcast;
  return TRUE;
}

const char *
hap_controller_find_broadcast_key (HapController   *self,
                                   const guint8     advertising_id[6],
                                   HapBroadcastKey *key)
{
  GHashTableIter iter;
  gpointer id, value;

  g_hash_table_iter_init (&iter, _hap_controller_get_known (self));
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      HapKnownAccessory *known = value;

      if (known->has_broadcast && memcmp (known->broadcast.advertising_id, advertising_id, 6) == 0)
        {
          if (key != NULL)
            *key = known->broadcast;
          return id;
        }
    }
  return NULL;
}

gboolean
hap_controller_set_last_gsn (HapController *self,
                             const char    *device_id,
                             guint16        gsn,
                             GError       **error)
{
  HapKnownAccessory *known = lookup_known (self, device_id, error);

  if (known == NULL)
    return FALSE;
  /* Only worth keeping next to a broadcast key: it seeds the GSN window (§5.10). */
  if (!known->has_broadcast || known->broadcast.gsn == gsn || gsn == 0)
    return TRUE;
  known->broadcast.gsn = gsn;
  return hap_controller_save (self, error);
}
