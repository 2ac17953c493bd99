/* hap-controller-verify.c — Pair Verify and Pair Resume of HapControllerConnection
 * (docs/protocol.md §3.1–3.2, §3.4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * hap-pairing-client's Pair Verify state machine, its messages carried as exchanges on
 * the caller's main context (M2 → M3 is one X25519 and one Ed25519 signature: short
 * enough to stay there).
 */
#include "hap-controller-private.h"

#include "hap-controller-ble-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-sync-private.h"

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

typedef struct
{
  HapPairVerifyClient *verify;
  char                *known_id;
  gboolean             checked;      /* an accessory key was given */
  gboolean             stop_unchecked;
  char                *id;
  gboolean             resumed;
} VerifyOnce;

static void
verify_once_free (VerifyOnce *data)
{
  g_clear_pointer (&data->verify, hap_pair_verify_client_free);
  g_free (data->known_id);
  g_free (data->id);
  g_free (data);
}

static void
verify_once_m4 (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (source);
  VerifyOnce *data = g_task_get_task_data (task);
  g_autoptr(GBytes) m4 = NULL;
  GError *error = NULL, *step_error = NULL;
  guint8 enc[32], dec[32];
  int tlv_error = 0;

  if ((m4 = hap_controller_connection_post_tlv_finish (self, result, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!hap_pair_verify_client_finish (data->verify, g_bytes_get_data (m4, NULL), g_bytes_get_size (m4),
                                      enc, dec, &tlv_error, &step_error))
    {
      hap_controller_step_failed ("pair-verify", tlv_error, step_error, &error);
      g_task_return_error (task, error);
      return;
    }
  sodium_memzero (enc, sizeof enc);
  sodium_memzero (dec, sizeof dec);
  if (!session_established (self, data->verify, data->id, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, VERIFY_DONE);
}

/* M2 → M3 is one X25519 and one Ed25519 signature: short enough for the main context. */
static void
verify_once_m2 (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (source);
  VerifyOnce *data = g_task_get_task_data (task);
  g_autoptr(GByteArray) m3 = NULL;
  g_autoptr(GBytes) m2 = NULL;
  GError *error = NULL, *step_error = NULL;
  GCancellable *cancellable;
  int tlv_error = 0;

  if ((m2 = hap_controller_connection_post_tlv_finish (self, result, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  m3 = hap_pair_verify_client_step (data->verify, g_bytes_get_data (m2, NULL), g_bytes_get_size (m2),
                                    &tlv_error, &step_error);
  if (m3 == NULL && step_error == NULL && hap_pair_verify_client_was_resumed (data->verify))
    {
      /* §3.4: resumed; M2 named no accessory, the ticket's owner is the one. */
      data->resumed = TRUE;
      data->id = g_strdup (data->known_id);
      if (!session_established (self, data->verify, data->known_id, &error))
        g_task_return_error (task, error);
      else
        g_task_return_int (task, VERIFY_DONE);
      return;
    }
  if (m3 == NULL)
    {
      hap_controller_step_failed ("pair-verify", tlv_error, step_error, &error);
      g_task_return_error (task, error);
      return;
    }
  data->id = g_strdup (hap_pair_verify_client_get_accessory_id (data->verify));
  if (!data->checked && data->stop_unchecked)
    {
      g_task_return_int (task, VERIFY_UNKNOWN);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  hap_controller_connection_post_tlv_async (self, "/pair-verify", m3, cancellable, verify_once_m4,
                                            g_steal_pointer (&task));
}

/* One Pair Verify M1–M4, or a Pair Resume when @ticket is not NULL (the accessory may
 * answer it with a full M2, and the verify goes on). With @accessory_ltpk NULL and
 * @stop_unchecked it stops after M2 (VERIFY_UNKNOWN) so that the caller can look the
 * Device ID up and start over: a new M1 restarts the procedure on the accessory (§3.1,
 * as the ADK does). @known_id is the accessory a resumed session belongs to. */
static void
verify_once_async (HapControllerConnection *self,
                   const guint8            *accessory_ltpk,
                   const HapResumeTicket   *ticket,
                   const char              *known_id,
                   gboolean                 stop_unchecked,
                   GCancellable            *cancellable,
                   GAsyncReadyCallback      callback,
                   gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GByteArray) m1 = NULL;
  HapControllerIdentity identity;
  VerifyOnce *data = g_new0 (VerifyOnce, 1);

  g_task_set_source_tag (task, verify_once_async);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_once_free);
  hap_controller_get_identity (hap_controller_connection_get_controller (self), &identity);
  data->verify = ticket != NULL ? hap_pair_verify_client_new_resume (&identity, accessory_ltpk, ticket)
                                : hap_pair_verify_client_new (&identity, accessory_ltpk);
  sodium_memzero (&identity, sizeof identity);
  data->known_id = g_strdup (known_id);
  data->checked = accessory_ltpk != NULL;
  data->stop_unchecked = stop_unchecked;

  m1 = hap_pair_verify_client_start (data->verify);
  hap_controller_connection_post_tlv_async (self, "/pair-verify", m1, cancellable, verify_once_m2,
                                            g_steal_pointer (&task));
}

/* VERIFY_FAILED with @error set, else the accessory's id (and whether it resumed). */
static VerifyResult
verify_once_finish (GAsyncResult *result, char **out_id, gboolean *out_resumed, GError **error)
{
  VerifyOnce *data = g_task_get_task_data (G_TASK (result));
  GError *local_error = NULL;
  gssize value;

  if (out_resumed != NULL)
    *out_resumed = data->resumed;
  value = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return VERIFY_FAILED;
    }
  *out_id = g_strdup (data->id);
  return (VerifyResult) value;
}

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
  HapSync sync;
  VerifyResult result;

  hap_sync_begin (&sync);
  verify_once_async (self, accessory_ltpk, ticket, known_id, stop_unchecked, cancellable, hap_sync_done, &sync);
  result = verify_once_finish (hap_sync_wait (&sync), out_id, out_resumed, error);
  hap_sync_end (&sync);
  return result;
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

/* Pair Verify: usually the accessory at this address is the one last seen there; if
 * not (or its signature does not verify with that key), an unchecked M1–M2 learns the
 * Device ID, which picks the key for a second, checked verify. */
typedef enum { STAGE_GUESSED, STAGE_UNCHECKED, STAGE_CHECKED } VerifyStage;

typedef struct
{
  VerifyStage stage;
  char       *host;
  guint16     port;
} PairVerify;

static void
pair_verify_free (PairVerify *data)
{
  g_free (data->host);
  g_free (data);
}

static void pair_verify_step (GObject *source, GAsyncResult *result, gpointer user_data);

static void
pair_verify_unchecked (GTask *task)
{
  PairVerify *data = g_task_get_task_data (task);

  data->stage = STAGE_UNCHECKED;
  verify_once_async (g_task_get_source_object (task), NULL, NULL, NULL, TRUE, g_task_get_cancellable (task),
                     pair_verify_step, task);
}

/* Takes the reference of @user_data (the task). */
static void
pair_verify_step (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (source);
  HapController *controller = hap_controller_connection_get_controller (self);
  PairVerify *data = g_task_get_task_data (task);
  g_autofree char *id = NULL;
  GCancellable *cancellable;
  GError *error = NULL;
  VerifyResult verified;
  guint8 ltpk[32];
  gboolean ok = TRUE;

  verified = verify_once_finish (result, &id, NULL, &error);
  switch (data->stage)
    {
    case STAGE_GUESSED:
      if (verified == VERIFY_DONE)
        break;
      if (!g_error_matches (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION))
        {
          g_task_return_error (task, error);
          return;
        }
      g_clear_error (&error);
      pair_verify_unchecked (g_steal_pointer (&task));
      return;

    case STAGE_UNCHECKED:
      if (verified == VERIFY_FAILED)
        {
          g_task_return_error (task, error);
          return;
        }
      if (!hap_controller_lookup_accessory (controller, id, ltpk))
        {
          g_task_return_new_error (task, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                                   "pair-verify: accessory %s is not paired with this controller", id);
          return;
        }
      data->stage = STAGE_CHECKED;
      cancellable = g_task_get_cancellable (task);
      verify_once_async (self, ltpk, NULL, NULL, FALSE, cancellable, pair_verify_step, g_steal_pointer (&task));
      sodium_memzero (ltpk, sizeof ltpk);
      return;

    case STAGE_CHECKED:
    default:
      if (verified == VERIFY_FAILED)
        {
          g_task_return_error (task, error);
          return;
        }
      if (data->host != NULL && g_strcmp0 (hap_controller_find_accessory (controller, data->host, data->port), id) != 0)
        {
          /* Remember where the accessory was reached last. */
          hap_controller_lookup_accessory (controller, id, ltpk);
          ok = hap_controller_add_accessory (controller, id, ltpk, data->host, data->port, &error);
          sodium_memzero (ltpk, sizeof ltpk);
        }
      break;
    }
  if (!ok)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
hap_controller_connection_pair_verify_async (HapControllerConnection *self,
                                             GCancellable            *cancellable,
                                             GAsyncReadyCallback      callback,
                                             gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  HapController *controller;
  PairVerify *data;
  const char *known_id, *host;
  guint8 ltpk[32];

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_controller_connection_pair_verify_async);
  controller = hap_controller_connection_get_controller (self);
  data = g_new0 (PairVerify, 1);
  host = hap_controller_connection_get_host (self, &data->port);
  data->host = g_strdup (host);
  g_task_set_task_data (task, data, (GDestroyNotify) pair_verify_free);

  known_id = guess_accessory_id (self);
  if (known_id != NULL && hap_controller_lookup_accessory (controller, known_id, ltpk))
    {
      data->stage = STAGE_GUESSED;
      verify_once_async (self, ltpk, NULL, NULL, FALSE, cancellable, pair_verify_step, g_steal_pointer (&task));
      sodium_memzero (ltpk, sizeof ltpk);
      return;
    }
  pair_verify_unchecked (g_steal_pointer (&task));
}

gboolean
hap_controller_connection_pair_verify_finish (HapControllerConnection *self,
                                              GAsyncResult            *result,
                                              GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hap_controller_connection_pair_verify (HapControllerConnection *self,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  HapSync sync;
  gboolean ok;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);

  hap_sync_begin (&sync);
  hap_controller_connection_pair_verify_async (self, cancellable, hap_sync_done, &sync);
  ok = hap_controller_connection_pair_verify_finish (self, hap_sync_wait (&sync), error);
  hap_sync_end (&sync);
  return ok;
}


/* ---- Pair Resume (§3.4) ---- */

typedef struct
{
  char     *owner;      /* the accessory whose ticket was tried */
  gboolean  resumed;
} PairResume;

static void
pair_resume_free (PairResume *data)
{
  g_free (data->owner);
  g_free (data);
}

static void
pair_resume_verified (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!hap_controller_connection_pair_verify_finish (HAP_CONTROLLER_CONNECTION (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
pair_resume_tried (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HapControllerConnection *self = HAP_CONTROLLER_CONNECTION (source);
  PairResume *data = g_task_get_task_data (task);
  g_autoptr(GError) local_error = NULL;
  g_autofree char *id = NULL;
  GCancellable *cancellable;
  GError *error = NULL;

  if (verify_once_finish (result, &id, &data->resumed, &local_error) == VERIFY_DONE)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  data->resumed = FALSE;
  /* A refused ticket (a TLV error, a tag or signature that does not verify) is
   * forgotten and a full Pair Verify follows; a broken link is not retried. */
  if (local_error->domain != HAP_PAIRING_ERROR && !g_error_matches (local_error, HAP_ERROR, HAP_ERROR_AUTHENTICATION))
    {
      g_task_return_error (task, g_steal_pointer (&local_error));
      return;
    }
  g_debug ("pair-resume refused (%s): a full pair-verify follows", local_error->message);
  if (!hap_controller_set_resume_ticket (hap_controller_connection_get_controller (self), data->owner, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  cancellable = g_task_get_cancellable (task);
  hap_controller_connection_pair_verify_async (self, cancellable, pair_resume_verified, g_steal_pointer (&task));
}

void
hap_controller_connection_pair_resume_async (HapControllerConnection *self,
                                             GCancellable            *cancellable,
                                             GAsyncReadyCallback      callback,
                                             gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  HapController *controller;
  PairResume *data;
  const char *known_id;
  HapResumeTicket ticket;
  guint8 ltpk[32];

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_controller_connection_pair_resume_async);
  data = g_new0 (PairResume, 1);
  g_task_set_task_data (task, data, (GDestroyNotify) pair_resume_free);
  controller = hap_controller_connection_get_controller (self);

  /* §3.4: Pair Resume is BLE only. */
  known_id = hap_controller_connection_get_ble (self) != NULL ? guess_accessory_id (self) : NULL;
  if (known_id != NULL && hap_controller_lookup_accessory (controller, known_id, ltpk) &&
      hap_controller_get_resume_ticket (controller, known_id, &ticket))
    {
      data->owner = g_strdup (known_id);
      verify_once_async (self, ltpk, &ticket, data->owner, FALSE, cancellable, pair_resume_tried,
                         g_steal_pointer (&task));
      sodium_memzero (&ticket, sizeof ticket);
      sodium_memzero (ltpk, sizeof ltpk);
      return;
    }
  sodium_memzero (ltpk, sizeof ltpk);
  hap_controller_connection_pair_verify_async (self, cancellable, pair_resume_verified, g_steal_pointer (&task));
}

gboolean
hap_controller_connection_pair_resume_finish (HapControllerConnection *self,
                                              GAsyncResult            *result,
                                              gboolean                *out_resumed,
                                              GError                 **error)
{
  PairResume *data;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  data = g_task_get_task_data (G_TASK (result));
  if (out_resumed != NULL)
    *out_resumed = data->resumed;
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hap_controller_connection_pair_resume (HapControllerConnection *self,
                                       gboolean                *out_resumed,
                                       GCancellable            *cancellable,
                                       GError                 **error)
{
  HapSync sync;
  gboolean ok;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  hap_sync_begin (&sync);
  hap_controller_connection_pair_resume_async (self, cancellable, hap_sync_done, &sync);
  ok = hap_controller_connection_pair_resume_finish (self, hap_sync_wait (&sync), out_resumed, error);
  hap_sync_end (&sync);
  return ok;
}
