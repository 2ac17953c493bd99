/* hap-controller-pairing.c — Pair Setup, Pair Verify and pairings management of
 * HapControllerConnection (hap-protocol.md §2.2, §3.1–3.2, §3.5)
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
#include "hap-sync-private.h"
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

/* ---- Pair Setup ----
 *
 * M1 → M2, M3 → M4, M5 → M6 (a transient setup stops after M4), each request an
 * exchange on the caller's main context. Reading a response is SRP's modular
 * exponentiation (M2 → M3) and Ed25519 (M6): CPU-bound, so each step runs in a worker
 * thread (g_task_run_in_thread) and the main context stays free meanwhile. The
 * HapPairSetupClient is only touched by one thread at a time. */

typedef struct
{
  HapPairSetupClient *setup;
  HapPairSetupFlags   flags;
  GBytes             *response;    /* for the worker */
  GByteArray         *request;     /* from the worker: the next message, or NULL */
  int                 tlv_error;
  GError             *step_error;
} PairSetup;

static void
pair_setup_free (PairSetup *data)
{
  g_clear_pointer (&data->setup, hap_pair_setup_client_free);
  g_clear_pointer (&data->response, g_bytes_unref);
  g_clear_pointer (&data->request, g_byte_array_unref);
  g_clear_error (&data->step_error);
  g_free (data);
}

static void pair_setup_answered (GObject *source, GAsyncResult *result, gpointer user_data);

static void
pair_setup_step_in_thread (GTask *step, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PairSetup *data = task_data;

  data->request = hap_pair_setup_client_step (data->setup, g_bytes_get_data (data->response, NULL),
                                              g_bytes_get_size (data->response), &data->tlv_error,
                                              &data->step_error);
  g_task_return_boolean (step, TRUE);
}

/* Pair Setup is over: secure the connection (transient) or store the pairing. */
static gboolean
pair_setup_done (HapControllerConnection *self, PairSetup *data, GError **error)
{
  HapController *controller = hap_controller_connection_get_controller (self);
  const char *id = hap_pair_setup_client_get_accessory_id (data->setup);
  HapControllerBle *ble;
  const char *host;
  guint16 port;

  if (data->step_error != NULL)
    return step_failed ("pair-setup", data->tlv_error, g_steal_pointer (&data->step_error), error);
  if (data->flags & HAP_PAIR_SETUP_FLAGS_TRANSIENT)
    {
      guint8 enc[32], dec[32];

      if (!hap_pair_setup_client_get_session_keys (data->setup, enc, dec))
        {
          g_set_error_literal (error, HAP_ERROR, HAP_ERROR_FAILED, "pair-setup: no session keys");
          return FALSE;
        }
      hap_controller_connection_set_session_keys (self, enc, dec);
      return TRUE;
    }
  hap_controller_connection_set_accessory_id (self, id);
  host = hap_controller_connection_get_host (self, &port);
  if (!hap_controller_add_accessory (controller, id, hap_pair_setup_client_get_accessory_ltpk (data->setup),
                                     host, port, error))
    return FALSE;
  ble = hap_controller_connection_get_ble (self);
  return ble == NULL || hap_controller_set_ble_address (controller, id, hap_controller_ble_get_address (ble), error);
}

static void
pair_setup_stepped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  HapControllerConnection *self = g_task_get_source_object (task);
  PairSetup *data = g_task_get_task_data (task);
  g_autoptr(GByteArray) request = g_steal_pointer (&data->request);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (request != NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      hap_controller_connection_post_tlv_async (self, "/pair-setup", request, cancellable, pair_setup_answered,
                                                g_steal_pointer (&task));
      return;
    }
  if (!pair_setup_done (self, data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
pair_setup_answered (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  PairSetup *data = g_task_get_task_data (task);
  g_autoptr(GTask) step = NULL;
  GError *error = NULL;

  g_clear_pointer (&data->response, g_bytes_unref);
  data->response = hap_controller_connection_post_tlv_finish (HAP_CONTROLLER_CONNECTION (source), result, &error);
  if (data->response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* The step task holds the connection; the data stays the outer task's. */
  step = g_task_new (source, NULL, pair_setup_stepped, g_object_ref (task));
  g_task_set_source_tag (step, pair_setup_step_in_thread);
  g_task_set_task_data (step, data, NULL);
  g_task_run_in_thread (step, pair_setup_step_in_thread);
}

void
hap_controller_connection_pair_setup_async (HapControllerConnection *self,
                                            const char              *setup_code,
                                            HapPairSetupFlags        flags,
                                            GCancellable            *cancellable,
                                            GAsyncReadyCallback      callback,
                                            gpointer                 user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GByteArray) request = NULL;
  HapControllerIdentity identity;
  PairSetup *data;

  g_return_if_fail (HAP_IS_CONTROLLER_CONNECTION (self));
  g_return_if_fail (setup_code != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_controller_connection_pair_setup_async);
  data = g_new0 (PairSetup, 1);
  data->flags = flags;
  hap_controller_get_identity (hap_controller_connection_get_controller (self), &identity);
  data->setup = hap_pair_setup_client_new (&identity, setup_code, flags);
  sodium_memzero (&identity, sizeof identity);
  g_task_set_task_data (task, data, (GDestroyNotify) pair_setup_free);

  request = hap_pair_setup_client_start (data->setup);
  hap_controller_connection_post_tlv_async (self, "/pair-setup", request, cancellable, pair_setup_answered,
                                            g_steal_pointer (&task));
}

gboolean
hap_controller_connection_pair_setup_finish (HapControllerConnection *self,
                                             GAsyncResult            *result,
                                             GError                 **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
hap_controller_connection_pair_setup (HapControllerConnection *self,
                                      const char              *setup_code,
                                      HapPairSetupFlags        flags,
                                      GCancellable            *cancellable,
                                      GError                 **error)
{
  HapSync sync;
  gboolean ok;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  g_return_val_if_fail (setup_code != NULL, FALSE);

  hap_sync_begin (&sync);
  hap_controller_connection_pair_setup_async (self, setup_code, flags, cancellable, hap_sync_done, &sync);
  ok = hap_controller_connection_pair_setup_finish (self, hap_sync_wait (&sync), error);
  hap_sync_end (&sync);
  return ok;
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
      step_failed ("pair-verify", tlv_error, step_error, &error);
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
      step_failed ("pair-verify", tlv_error, step_error, &error);
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
