/* hap-session-private.h — one controller's session with the accessory core, whatever the
 * transport
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A session is what HAP secures: the pairing procedures in progress, the verified
 * controller and its admin flag, the session keys and nonces, and the characteristics it
 * subscribed to. Its transport owns the link (a TCP connection, a BLE central) and
 * creates one session per link (HomeKitADK: HAP/HAPSession.h).
 */
#pragma once

#include <gio/gio.h>

#include "hap-cipher-private.h"
#include "hap-pairing-private.h"
#include "hap-transport-private.h"

G_BEGIN_DECLS

struct _HapSession
{
  gint                ref_count;
  HapAccessoryServer *server;            /* NULL once closed */
  const HapTransport *transport;
  gpointer            link;              /* the transport's link object (not a reference) */
  guint64             id;                /* unique within the server */

  HapPairingSession   pairing;           /* procedures, outcome, controller id */
  HapCipher           cipher;            /* valid while pairing.secured */
  gint64              established_usec;  /* link up (real time) */
  gint64              secured_usec;      /* Pair Verify done (real time), or 0 */
  GHashTable         *subscriptions;     /* set of HapCharacteristic */
};

/* A new open session of @transport, registered with the core. */
HapSession *_hap_session_new           (HapAccessoryServer *server,
                                        const HapTransport *transport,
                                        gpointer            link);
HapSession *_hap_session_ref           (HapSession         *session);
void        _hap_session_unref         (HapSession         *session);
/* Drops subscriptions and any pairing procedure, wipes keys and leaves the core; safe
 * to call twice. The transport calls it when the link is gone. */
void        _hap_session_close         (HapSession         *session);

/* Called by the transport once pairing.secured became TRUE (after it sent the last
 * plaintext response): takes the session keys into the cipher. */
void        _hap_session_secure        (HapSession         *session);
gboolean    _hap_session_is_secured    (HapSession         *session);
gboolean    _hap_session_is_transient  (HapSession         *session);
/* The verified controller (not transient), or NULL. */
const char *_hap_session_get_controller_id (HapSession     *session);
/* The verified controller is (still) an admin. */
gboolean    _hap_session_is_admin      (HapSession         *session);

void        _hap_session_subscribe     (HapSession         *session,
                                        HapCharacteristic  *characteristic,
                                        gboolean            enable);
gboolean    _hap_session_is_subscribed (HapSession         *session,
                                        HapCharacteristic  *characteristic);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSession, _hap_session_unref)

G_END_DECLS
