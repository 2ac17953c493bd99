/* hap-controller-pairing.c — Pair Setup, Pair Verify and pairings management of
 * HapControllerConnection (docs/protocol.md §2.2, §3.1–3.2, §3.5)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The TLV8 procedures are hap-pairing-client's state machines; this file carries their
 * messages over the connection and turns their failures into HAP_PAIRING_ERROR.
 */
#include "hap-controller-private.h"

#include <string.h>

#include "hap-controller-ble-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-storage-private.h"
#include "hap-tlv8-private.h"

G_STATIC_ASSERT (HAP_PAIR_SETUP_FLAGS_TRANSIENT == HAP_PAIRING_FLAG_TRANSIENT);
G_STATIC_ASSERT (HAP_PAIR_SETUP_FLAGS_SPLIT == HAP_PAIRING_FLAG_SPLIT);

/* A step of hap-pairing-client failed: a TLV Error item becomes HAP_PAIRING_ERROR with
 * its code (§1.4), anything else (malformed, bad proof) is passed on. */
static gboolean
step_failed (const char *procedure, int tlv_error, GError *step_error, GError **error)
{
  if (tlv_error != 0)
    {
      g_set_error (error, HAP_PAIRING_ERROR, tlv_error, "%s: the accessory answered Error=%s (%d)",
                   procedure, hap_pairing_error_to_string ((HapPairingError) tlv_error), tlv_error);
      g_clear_error (&step_error);
    }
  else
    g_propagate_error (error, step_error);
  return FALSE;
}

gboolean
hap_controller_connection_pair_setup (HapControllerConnection *self,
                                      const char              *setup_code,
                                      HapPairSetupFlags        flags,
                                      GCancellable            *cancellable,
                                      GError                 **error)
{
  HapController *controller = hap_controller_connection_get_controller (self);
  HapControllerIdentity identity;
  g_autoptr(HapPairSetupClient) setup = NULL;
  g_autoptr(GByteArray) request = NULL;
  GError *step_error = NULL;
  HapControllerBle *ble;
  const char *host;
  guint16 port;
  int tlv_error = 0;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  g_return_val_if_fail (setup_code != NULL, FALSE);

  hap_controller_get_identity (controller, &identity);
  setup = hap_pair_setup_client_new (&identity, setup_code, flags);
  sodium_memzero (&identity, sizeof identity);

  /* M1 → M2, M3 → M4, M5 → M6 (a transient setup stops after M4). */
  request = hap_pair_setup_client_start (setup);
  while (request != NULL)
    {
      g_autoptr(GBytes) response = NULL;

      response = hap_controller_connection_post_tlv (self, "/pair-setup", request, cancellable, error);
      g_clear_pointer (&request, g_byte_array_unref);
      if (response == NULL)
        return FALSE;
      request = hap_pair_setup_client_step (setup, g_bytes_get_data (response, NULL),
                                            g_bytes_get_size (response), &tlv_error, &step_error);
    }
  if (step_error != NULL)
    return step_failed ("pair-setup", tlv_error, step_error, error);

  if (flags & HAP_PAIR_SETUP_FLAGS_TRANSIENT)
    {
      guint8 enc[32], dec[32];

      if (!hap_pair_setup_client_get_session_keys (setup, enc, dec))
        {
          g_set_error_literal (error, HAP_ERROR, HAP_ERROR_FAILED, "pair-setup: no session keys");
          return FALSE;
        }
      hap_controller_connection_set_session_keys (self, enc, dec);
      return TRUE;
    }
  hap_controller_connection_set_accessory_id (self, hap_pair_setup_client_get_accessory_id (setup));
  host = hap_controller_connection_get_host (self, &port);
  if (!hap_controller_add_accessory (controller, hap_pair_setup_client_get_accessory_id (setup),
                                     hap_pair_setup_client_get_accessory_ltpk (setup), host, port, error))
    return FALSE;
  ble = hap_controller_connection_get_ble (self);
  return ble == NULL || hap_controller_set_ble_address (controller, hap_pair_setup_client_get_accessory_id (setup),
                                                        hap_controller_ble_get_address (ble), error);
}

typedef enum { VERIFY_DONE, VERIFY_FAILED, VERIFY_UNKNOWN } VerifyResult;

/* The accessory this connection probably reaches, before Pair Verify says: over IP the
 * one last reached at this address; over BLE the device id its advertisement carried,
 * else the one last reached at this BD address. Pair Verify checks it either way. */
static const char *
guess_accessory_id (HapControllerConnection *self)
{
  HapController *controller = hap_controller_connection_get_controller (self);
  HapControllerBle *ble = hap_controller_connection_get_ble (self);
  const char *host;
  guint16 port;

  if (ble != NULL)
    {
      const char *advertised = hap_controller_ble_get_advertised_id (ble);
      guint8 ltpk[32];

      if (advertised != NULL && hap_controller_lookup_accessory (controller, advertised, ltpk))
        {
          sodium_memzero (ltpk, sizeof ltpk);
          return advertised;
        }
      return hap_controller_find_ble_accessory (controller, hap_controller_ble_get_address (ble));
    }
  host = hap_controller_connection_get_host (self, &port);
  return host != NULL ? hap_controller_find_accessory (controller, host, port) : NULL;
}

/* Pair Verify (or Pair Resume) is done: secure the connection and, over BLE, keep what
 * the next connection needs — the resume ticket (§3.4) and the BD address. */
static gboolean
session_established (HapControllerConnection *self, HapPairVerifyClient *verify, const char *id, GError **error)
{
  HapController *controller = hap_controller_connection_get_controller (self);
  HapControllerBle *ble = hap_controller_connection_get_ble (self);
  HapResumeTicket ticket;
  guint8 enc[32], dec[32], ltpk[32];
  gboolean ok = TRUE;

  if (!hap_pair_verify_client_get_keys (verify, enc, dec) || !hap_pair_verify_client_get_ticket (verify, &ticket))
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_FAILED, "pair-verify: no session keys");
      return FALSE;
    }
  hap_controller_connection_set_session (self, enc, dec, ticket.shared_secret);
  hap_controller_connection_set_accessory_id (self, id);
  /* Only for an accessory this controller is paired with (tests verify others). */
  if (ble != NULL && id != NULL && hap_controller_lookup_accessory (controller, id, ltpk))
    ok = hap_controller_set_resume_ticket (controller, id, &ticket, error) &&
         hap_controller_set_ble_address (controller, id, hap_controller_ble_get_address (ble), error);
  sodium_memzero (ltpk, sizeof ltpk);
  sodium_memzero (&ticket, sizeof ticket);
  return ok;
}

/* One Pair Verify M1–M4, or a Pair Resume when @ticket is not NULL (the accessory may
 * answer it with a full M2, and the verify goes on). With @accessory_ltpk NULL and
 * @stop_unchecked it stops after M2 (VERIFY_UNKNOWN) so that the caller can look the
 * Device ID up and start over: a new M1 restarts the procedure on the accessory (§3.1,
 * as the ADK does). @known_id is the accessory a resumed session belongs to. */
static VerifyResult
verify_once (HapControllerConnection *self,
             const guint8            *accessory_ltpk,
             const HapResumeTicket   *ticket,
             const char              *known_id,
             gboolean                 stop_unchecked,
             char                   **out_id,
             gboolean                *out_resumed,
             GCancellable            *cancellable,
             GError                 **error)
{
  HapControllerIdentity identity;
  g_autoptr(HapPairVerifyClient) verify = NULL;
  g_autoptr(GByteArray) m1 = NULL;
  g_autoptr(GByteArray) m3 = NULL;
  g_autoptr(GBytes) m2 = NULL;
  g_autoptr(GBytes) m4 = NULL;
  GError *step_error = NULL;
  guint8 enc[32], dec[32];
  int tlv_error = 0;

  hap_controller_get_identity (hap_controller_connection_get_controller (self), &identity);
  verify = ticket != NULL ? hap_pair_verify_client_new_resume (&identity, accessory_ltpk, ticket)
                          : hap_pair_verify_client_new (&identity, accessory_ltpk);
  sodium_memzero (&identity, sizeof identity);
  if (out_resumed != NULL)
    *out_resumed = FALSE;

  m1 = hap_pair_verify_client_start (verify);
  if ((m2 = hap_controller_connection_post_tlv (self, "/pair-verify", m1, cancellable, error)) == NULL)
    return VERIFY_FAILED;
  m3 = hap_pair_verify_client_step (verify, g_bytes_get_data (m2, NULL), g_bytes_get_size (m2),
                                    &tlv_error, &step_error);
  if (m3 == NULL && step_error == NULL && hap_pair_verify_client_was_resumed (verify))
    {
      /* §3.4: resumed; M2 named no accessory, the ticket's owner is the one. */
      if (out_resumed != NULL)
        *out_resumed = TRUE;
      *out_id = g_strdup (known_id);
      return session_established (self, verify, known_id, error) ? VERIFY_DONE : VERIFY_FAILED;
    }
  if (m3 == NULL)
    return step_failed ("pair-verify", tlv_error, step_error, error), VERIFY_FAILED;
  *out_id = g_strdup (hap_pair_verify_client_get_accessory_id (verify));
  if (accessory_ltpk == NULL && stop_unchecked)
    return VERIFY_UNKNOWN;

  if ((m4 = hap_controller_connection_post_tlv (self, "/pair-verify", m3, cancellable, error)) == NULL)
    return VERIFY_FAILED;
  if (!hap_pair_verify_client_finish (verify, g_bytes_get_data (m4, NULL), g_bytes_get_size (m4),
                                      enc, dec, &tlv_error, &step_error))
    return step_failed ("pair-verify", tlv_error, step_error, error), VERIFY_FAILED;
  sodium_memzero (enc, sizeof enc);
  sodium_memzero (dec, sizeof dec);
  return session_established (self, verify, *out_id, error) ? VERIFY_DONE : VERIFY_FAILED;
}

gboolean
hap_controller_connection_pair_verify_with_key (HapControllerConnection *self,
                                                const guint8            *accessory_ltpk,
                                                GCancellable            *cancellable,
                                                GError                 **error)
{
  g_autofree char *id = NULL;

  return verify_once (self, accessory_ltpk, NULL, NULL, FALSE, &id, NULL, cancellable, error) == VERIFY_DONE;
}

gboolean
hap_controller_connection_pair_verify (HapControllerConnection *self,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  HapController *controller;
  g_autofree char *id = NULL;
  const char *known_id, *host;
  guint8 ltpk[32];
  guint16 port;
  gboolean ok;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  controller = hap_controller_connection_get_controller (self);
  host = hap_controller_connection_get_host (self, &port);

  /* Usually the accessory at this address is the one last seen there; if not (or its
   * signature does not verify with that key), M2's Device ID picks the key. */
  known_id = guess_accessory_id (self);
  if (known_id != NULL && hap_controller_lookup_accessory (controller, known_id, ltpk))
    {
      g_autoptr(GError) local_error = NULL;

      ok = verify_once (self, ltpk, NULL, NULL, FALSE, &id, NULL, cancellable, &local_error) == VERIFY_DONE;
      sodium_memzero (ltpk, sizeof ltpk);
      if (ok)
        return TRUE;
      if (!g_error_matches (local_error, HAP_ERROR, HAP_ERROR_AUTHENTICATION))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_clear_pointer (&id, g_free);
    }

  if (verify_once (self, NULL, NULL, NULL, TRUE, &id, NULL, cancellable, error) == VERIFY_FAILED)
    return FALSE;
  if (!hap_controller_lookup_accessory (controller, id, ltpk))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                   "pair-verify: accessory %s is not paired with this controller", id);
      return FALSE;
    }
  g_clear_pointer (&id, g_free);
  ok = verify_once (self, ltpk, NULL, NULL, FALSE, &id, NULL, cancellable, error) == VERIFY_DONE;
  sodium_memzero (ltpk, sizeof ltpk);
  if (ok && host != NULL && g_strcmp0 (hap_controller_find_accessory (controller, host, port), id) != 0)
    {
      /* Remember where the accessory was reached last. */
      hap_controller_lookup_accessory (controller, id, ltpk);
      ok = hap_controller_add_accessory (controller, id, ltpk, host, port, error);
      sodium_memzero (ltpk, sizeof ltpk);
    }
  return ok;
}

gboolean
hap_controller_connection_pair_resume (HapControllerConnection *self,
                                       gboolean                *out_resumed,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  HapController *controller;
  const char *known_id;
  HapResumeTicket ticket;
  guint8 ltpk[32];

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  controller = hap_controller_connection_get_controller (self);
  if (out_resumed != NULL)
    *out_resumed = FALSE;

  /* §3.4: Pair Resume is BLE only. */
  known_id = hap_controller_connection_get_ble (self) != NULL ? guess_accessory_id (self) : NULL;
  if (known_id != NULL && hap_controller_lookup_accessory (controller, known_id, ltpk) &&
      hap_controller_get_resume_ticket (controller, known_id, &ticket))
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *id = NULL;
      g_autofree char *owner = g_strdup (known_id);
      VerifyResult result;

      result = verify_once (self, ltpk, &ticket, owner, FALSE, &id, out_resumed, cancellable, &local_error);
      sodium_memzero (&ticket, sizeof ticket);
      sodium_memzero (ltpk, sizeof ltpk);
      if (result == VERIFY_DONE)
        return TRUE;
      /* A refused ticket (a TLV error, a tag or signature that does not verify) is
       * forgotten and a full Pair Verify follows; a broken link is not retried. */
      if (local_error->domain != HAP_PAIRING_ERROR && !g_error_matches (local_error, HAP_ERROR, HAP_ERROR_AUTHENTICATION))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("pair-resume refused (%s): a full pair-verify follows", local_error->message);
      if (!hap_controller_set_resume_ticket (controller, owner, NULL, error))
        return FALSE;
    }
  sodium_memzero (ltpk, sizeof ltpk);
  return hap_controller_connection_pair_verify (self, cancellable, error);
}

/* ---- pairings (§3.5) ---- */

static gboolean
pairings_exchange (HapControllerConnection *self,
                   GByteArray              *request,
                   GPtrArray              **list,
                   GCancellable            *cancellable,
                   GError                 **error)
{
  g_autoptr(GBytes) response = NULL;
  GError *step_error = NULL;
  const guint8 *data;
  gsize len;
  int tlv_error = 0;
  gboolean ok;

  response = hap_controller_connection_post_tlv (self, "/pairings", request, cancellable, error);
  if (response == NULL)
    return FALSE;
  data = g_bytes_get_data (response, &len);
  if (list != NULL)
    ok = (*list = hap_pairings_parse_list (data, len, &tlv_error, &step_error)) != NULL;
  else
    ok = hap_pairings_parse_response (data, len, &tlv_error, &step_error);
  return ok || step_failed ("pairings", tlv_error, step_error, error);
}

gboolean
hap_controller_connection_add_pairing (HapControllerConnection *self,
                                       const char              *identifier,
                                       const guint8             ltpk[32],
                                       gboolean                 admin,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  g_autoptr(GByteArray) m1 = NULL;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  m1 = hap_pairings_request_add (identifier, ltpk, admin);
  return pairings_exchange (self, m1, NULL, cancellable, error);
}

gboolean
hap_controller_connection_remove_pairing (HapControllerConnection *self,
                                          const char              *identifier,
                                          GCancellable            *cancellable,
                                          GError                 **error)
{
  g_autoptr(GByteArray) m1 = NULL;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  m1 = hap_pairings_request_remove (identifier);
  return pairings_exchange (self, m1, NULL, cancellable, error);
}

JsonNode *
hap_controller_connection_list_pairings (HapControllerConnection *self,
                                         GCancellable            *cancellable,
                                         GError                 **error)
{
  g_autoptr(GByteArray) m1 = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  m1 = hap_pairings_request_list ();
  if (!pairings_exchange (self, m1, &list, cancellable, error))
    return NULL;
  json_builder_begin_array (builder);
  for (guint i = 0; i < list->len; i++)
    {
      HapPairing *pairing = g_ptr_array_index (list, i);
      char hex[65];

      sodium_bin2hex (hex, sizeof hex, pairing->public_key, 32);
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "identifier");
      json_builder_add_string_value (builder, pairing->identifier);
      json_builder_set_member_name (builder, "public-key");
      json_builder_add_string_value (builder, hex);
      json_builder_set_member_name (builder, "admin");
      json_builder_add_boolean_value (builder, pairing->admin);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return json_builder_get_root (builder);
}
