/* hap-pairings.c — Add, Remove and List Pairings (docs/protocol.md §3.5)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-pairing-private.h"

#include <string.h>

#include "hap-error.h"
#include "hap-tlv8-private.h"

static GByteArray *
success (void)
{
  GByteArray *out = g_byte_array_sized_new (3);

  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 2);
  return out;
}

static gboolean
save (HapPairingContext *ctx)
{
  g_autoptr(GError) error = NULL;

  if (hap_storage_save_pairings (ctx->storage, &error))
    return TRUE;
  g_warning ("%s", error->message);
  return FALSE;
}

static GByteArray *
add_pairing (HapPairingContext *ctx, HapTlv8 *tlv, GError **error)
{
  const guint8 *id, *ltpk;
  gsize id_len, ltpk_len;
  guint64 perms;
  HapPairing *pairing;

  id = hap_tlv8_get (tlv, HAP_TLV_IDENTIFIER, &id_len);
  ltpk = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &ltpk_len);
  /* HAP §5.10.1: Permissions is 0x00 or 0x01; the ADK rejects any other bit. */
  if (id == NULL || id_len == 0 || id_len > HAP_PAIRING_ID_MAX_LEN ||
      !g_utf8_validate ((const char *) id, id_len, NULL) || memchr (id, '\0', id_len) != NULL ||
      ltpk == NULL || ltpk_len != 32 ||
      !hap_tlv8_get_uint (tlv, HAP_TLV_PERMISSIONS, &perms) || perms > 1)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pairings: Add Pairing needs Identifier, a 32-byte PublicKey and Permissions 0 or 1");
      return NULL;
    }

  pairing = hap_storage_find_pairing (ctx->storage, (const char *) id, id_len);
  if (pairing != NULL)
    {
      gboolean was_admin = pairing->admin;

      /* Same identifier: the key must match; then only permissions change. */
      if (memcmp (pairing->public_key, ltpk, 32) != 0)
        return hap_pairing_error_response (2, HAP_TLV_ERROR_UNKNOWN);
      pairing->admin = perms == 1;
      if (!save (ctx))
        {
          pairing->admin = was_admin;
          return hap_pairing_error_response (2, HAP_TLV_ERROR_UNKNOWN);
        }
    }
  else
    {
      if (ctx->storage->pairings->len >= HAP_MAX_PAIRINGS)
        return hap_pairing_error_response (2, HAP_TLV_ERROR_MAX_PEERS);
      pairing = g_new0 (HapPairing, 1);
      pairing->identifier = g_strndup ((const char *) id, id_len);
      memcpy (pairing->public_key, ltpk, 32);
      pairing->admin = perms == 1;
      pairing->added = g_get_real_time () / G_USEC_PER_SEC;
      g_ptr_array_add (ctx->storage->pairings, pairing);
      if (!save (ctx))
        {
          g_ptr_array_remove (ctx->storage->pairings, pairing);
          return hap_pairing_error_response (2, HAP_TLV_ERROR_UNKNOWN);
        }
    }

  if (ctx->pairings_changed != NULL)
    ctx->pairings_changed (ctx->user_data, pairing->identifier, FALSE);
  return success ();
}

gboolean
hap_pairings_remove (HapPairingContext *ctx,
                     const char        *identifier,
                     gsize              identifier_len,
                     GError           **error)
{
  HapStorage *storage = ctx->storage;
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_pairing_free);
  HapPairing *pairing;
  guint pos;

  pairing = hap_storage_find_pairing (storage, identifier, identifier_len);
  if (pairing == NULL)
    return TRUE;

  g_ptr_array_find (storage->pairings, pairing, &pos);
  g_ptr_array_add (removed, g_ptr_array_steal_index (storage->pairings, pos));
  /* docs/protocol.md §3.5: without an admin left, every pairing goes. */
  if (!hap_storage_has_admin (storage))
    while (storage->pairings->len > 0)
      g_ptr_array_add (removed, g_ptr_array_steal_index (storage->pairings, 0));

  if (!hap_storage_save_pairings (storage, error))
    {
      /* Put everything back: memory must match what is on disk. */
      while (removed->len > 0)
        g_ptr_array_add (storage->pairings, g_ptr_array_steal_index (removed, 0));
      return FALSE;
    }

  for (guint i = 0; i < removed->len; i++)
    {
      HapPairing *gone = g_ptr_array_index (removed, i);

      /* docs/protocol.md §3.4: its BLE sessions can no longer be resumed. */
      hap_pairing_context_forget_resumable (ctx, gone->identifier);
      if (ctx->pairings_changed != NULL)
        ctx->pairings_changed (ctx->user_data, gone->identifier, TRUE);
    }
  return TRUE;
}

static GByteArray *
remove_pairing (HapPairingContext *ctx, HapTlv8 *tlv, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  const guint8 *id;
  gsize id_len;

  id = hap_tlv8_get (tlv, HAP_TLV_IDENTIFIER, &id_len);
  if (id == NULL || id_len == 0 || id_len > HAP_PAIRING_ID_MAX_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pairings: Remove Pairing needs an Identifier");
      return NULL;
    }

  /* HAP §5.11: removing an unknown pairing still succeeds. */
  if (!hap_pairings_remove (ctx, (const char *) id, id_len, &local_error))
    {
      g_warning ("cannot save pairings: %s", local_error->message);
      return hap_pairing_error_response (2, HAP_TLV_ERROR_UNKNOWN);
    }
  return success ();
}

static GByteArray *
list_pairings (HapPairingContext *ctx)
{
  GByteArray *out = g_byte_array_sized_new (3 + ctx->storage->pairings->len * 80);

  hap_tlv8_append_uint8 (out, HAP_TLV_STATE, 2);
  for (guint i = 0; i < ctx->storage->pairings->len; i++)
    {
      HapPairing *pairing = g_ptr_array_index (ctx->storage->pairings, i);

      /* docs/protocol.md §3.5: records separated by a zero-length 0xFF item. */
      if (i > 0)
        hap_tlv8_append_separator (out);
      hap_tlv8_append_string (out, HAP_TLV_IDENTIFIER, pairing->identifier);
      hap_tlv8_append (out, HAP_TLV_PUBLIC_KEY, pairing->public_key, 32);
      hap_tlv8_append_uint8 (out, HAP_TLV_PERMISSIONS, pairing->admin ? 1 : 0);
    }
  return out;
}

GByteArray *
hap_pairings_handle (HapPairingContext  *ctx,
                     HapPairingSession  *session,
                     const guint8       *body,
                     gsize               len,
                     GError            **error)
{
  g_autoptr(HapTlv8) tlv = NULL;
  guint64 state, method;
  HapPairing *self;

  g_assert (session->secured && !session->transient && session->controller_id != NULL);

  tlv = hap_tlv8_parse (body, len, error);
  if (tlv == NULL)
    return NULL;
  if (!hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &state) || state != 1 ||
      !hap_tlv8_get_uint (tlv, HAP_TLV_METHOD, &method) ||
      method < HAP_METHOD_ADD_PAIRING || method > HAP_METHOD_LIST_PAIRINGS)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "pairings: needs State 1 and Method 3, 4 or 5");
      return NULL;
    }

  /* HAP §5.10–5.12: only admin controllers manage pairings. */
  self = hap_storage_find_pairing (ctx->storage, session->controller_id,
                                   strlen (session->controller_id));
  if (self == NULL || !self->admin)
    return hap_pairing_error_response (2, HAP_TLV_ERROR_AUTHENTICATION);

  switch (method)
    {
    case HAP_METHOD_ADD_PAIRING:
      return add_pairing (ctx, tlv, error);
    case HAP_METHOD_REMOVE_PAIRING:
      return remove_pairing (ctx, tlv, error);
    default:
      return list_pairings (ctx);
    }
}
