/* hap-session.c — a controller's transport-neutral session with the accessory core
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-session-private.h"

#include <string.h>

#include "hap-server-private.h"

/* Session ids are promised unique within the process and never reused
 * (hap-inspection.h), across servers and across a server's restarts: the trace of a
 * simulator that power-cycles an accessory must not show two "session 1". This counter is
 * the one piece of process-wide state that promise needs; it is only ever incremented. */
static guint64
next_session_id (void)
{
  static guint64 last_id;

  return __atomic_add_fetch (&last_id, 1, __ATOMIC_RELAXED);
}

HapSession *
_hap_session_new (HapAccessoryServer *server,
                  const HapTransport *transport,
                  gpointer            link)
{
  HapSession *session = g_new0 (HapSession, 1);

  session->ref_count = 1;
  session->server = server;
  session->transport = transport;
  session->link = link;
  session->id = next_session_id ();
  session->established_usec = g_get_real_time ();
  session->subscriptions = g_hash_table_new (NULL, NULL);
  g_ptr_array_add (server->sessions, _hap_session_ref (session));
  return session;
}

HapSession *
_hap_session_ref (HapSession *session)
{
  g_atomic_int_inc (&session->ref_count);
  return session;
}

void
_hap_session_unref (HapSession *session)
{
  if (!g_atomic_int_dec_and_test (&session->ref_count))
    return;

  g_assert (session->server == NULL);
  g_clear_pointer (&session->subscriptions, g_hash_table_unref);
  hap_cipher_clear (&session->cipher);
  g_free (session);
}

void
_hap_session_close (HapSession *session)
{
  HapAccessoryServer *server = session->server;
  GHashTableIter iter;
  gpointer characteristic;

  if (server == NULL)
    return;

  /* Subscriptions belong to the session and vanish with it (docs/protocol.md §4.9,
   * §5.12). */
  g_hash_table_iter_init (&iter, session->subscriptions);
  while (g_hash_table_iter_next (&iter, &characteristic, NULL))
    _hap_accessory_server_set_subscribed (server, session, characteristic, FALSE);
  g_hash_table_remove_all (session->subscriptions);

  hap_pairing_session_clear (&server->pairing, &session->pairing);
  hap_cipher_clear (&session->cipher);
  session->link = NULL;
  session->server = NULL;
  _hap_accessory_server_remove_session (server, session);   /* drops the core's reference */
}

void
_hap_session_secure (HapSession *session)
{
  HapPairingSession *pairing = &session->pairing;

  /* docs/protocol.md §3.2: the accessory opens with Control-Write and seals with
   * Control-Read; the pairing logic left them in the session. */
  hap_cipher_init (&session->cipher, pairing->decrypt_key, pairing->encrypt_key);
  sodium_memzero (pairing->decrypt_key, sizeof pairing->decrypt_key);
  sodium_memzero (pairing->encrypt_key, sizeof pairing->encrypt_key);
  session->secured_usec = g_get_real_time ();
}

gboolean
_hap_session_is_secured (HapSession *session)
{
  return session->pairing.secured;
}

gboolean
_hap_session_is_transient (HapSession *session)
{
  return session->pairing.transient;
}

const char *
_hap_session_get_controller_id (HapSession *session)
{
  return session->pairing.secured ? session->pairing.controller_id : NULL;
}

gboolean
_hap_session_is_admin (HapSession *session)
{
  HapPairing *pairing;

  if (session->server == NULL || !session->pairing.secured || session->pairing.controller_id == NULL)
    return FALSE;
  /* Looked up every time: an admin may be demoted by Add Pairing while connected. */
  pairing = hap_storage_find_pairing (session->server->storage, session->pairing.controller_id,
                                      strlen (session->pairing.controller_id));
  return pairing != NULL && pairing->admin;
}

void
_hap_session_subscribe (HapSession        *session,
                        HapCharacteristic *characteristic,
                        gboolean           enable)
{
  gboolean had = g_hash_table_contains (session->subscriptions, characteristic);

  if (enable == had || session->server == NULL)
    return;
  if (enable)
    g_hash_table_add (session->subscriptions, characteristic);
  else
    g_hash_table_remove (session->subscriptions, characteristic);
  _hap_accessory_server_set_subscribed (session->server, session, characteristic, enable);
}

gboolean
_hap_session_is_subscribed (HapSession        *session,
                            HapCharacteristic *characteristic)
{
  return g_hash_table_contains (session->subscriptions, characteristic);
}
