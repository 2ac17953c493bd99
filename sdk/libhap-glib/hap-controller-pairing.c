/* hap-controller-pairing.c — Pair Setup and pairings management of
 * HapControllerConnection (docs/protocol.md §2.2, §3.5); Pair Verify and Pair Resume
 * are hap-controller-verify.c
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

/* See hap-controller-private.h. */
gboolean
hap_controller_step_failed (const char *procedure, int tlv_error, GError *step_error, GError **error)
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
    return hap_controller_step_failed ("pair-setup", data->tlv_error, g_steal_pointer (&data->step_error), error);
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
  return ok || hap_controller_step_failed ("pairings", tlv_error, step_error, error);
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
