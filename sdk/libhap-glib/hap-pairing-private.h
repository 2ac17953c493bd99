/* hap-pairing-private.h — Pair Setup, Pair Verify and pairings management as wire logic:
 * TLV8 request in, TLV8 response out. No sockets, no files (storage is handed in).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "hap-srp-private.h"
#include "hap-storage-private.h"

G_BEGIN_DECLS

#define HAP_MAX_FAILED_ATTEMPTS     100               /* docs/protocol.md §2.2 (MaxTries) */
#define HAP_PAIR_SETUP_STALE_USEC   (30 * G_USEC_PER_SEC)

typedef struct _HapPairingSession HapPairingSession;

/* docs/protocol.md §3.4: a BLE accessory remembers at least 8 resumable sessions. */
#define HAP_RESUME_CACHE_SIZE  8
#define HAP_RESUME_ID_LEN      8

typedef struct
{
  gboolean  used;
  guint8    session_id[HAP_RESUME_ID_LEN];
  guint8    shared_secret[32];
  char     *controller_id;
  guint64   stamp;                           /* higher = used more recently */
} HapResumeEntry;

typedef struct
{
  HapStorage         *storage;
  /* Salt and verifier of storage->setup_code, computed at the first Pair Setup after
   * the code was set (a 3072-bit exponentiation: not paid by accessories nobody pairs). */
  gboolean            have_verifier;
  guint8              salt[HAP_SRP_SALT_LEN];
  guint8              verifier[HAP_SRP_PRIME_LEN];
  /* Split setup (docs/protocol.md §3.6): salt and verifier kept from a transient setup. */
  gboolean            have_split;
  guint8              split_salt[HAP_SRP_SALT_LEN];
  guint8              split_verifier[HAP_SRP_PRIME_LEN];
  /* The session that owns the Pair Setup procedure (Busy for others). */
  HapPairingSession  *setup_owner;
  /* Tests and the simulator's all-zero-salt quirk: Pair Setup uses this salt. */
  gboolean            use_fixed_salt;
  guint8              fixed_salt[HAP_SRP_SALT_LEN];
  gint64              setup_owner_since;

  /* BLE Pair Resume (docs/protocol.md §3.4): sessions that may be resumed, LRU. */
  HapResumeEntry      resume_cache[HAP_RESUME_CACHE_SIZE];
  guint64             resume_stamp;

  /* Called after storage changed: a pairing was added (@identifier set), removed
   * (@identifier set, @removed TRUE), or all pairings went (@identifier NULL). */
  void              (*pairings_changed) (gpointer     user_data,
                                         const char  *identifier,
                                         gboolean     removed);
  gpointer            user_data;
} HapPairingContext;

struct _HapPairingSession
{
  /* Pair Setup: the last M number sent (0 when idle). */
  guint8         setup_state;
  guint32        setup_flags;
  HapSrpServer  *srp;
  guint8         setup_key[32];

  /* Set by the transport: Pair Verify may be resumed (Method 6) and a verified session
   * is remembered for resuming (BLE only, docs/protocol.md §3.4). */
  gboolean       resumable;

  /* Pair Verify */
  guint8         verify_state;
  guint8         verify_shared[32];
  guint8         verify_key[32];
  guint8         accessory_epk[32];
  guint8         controller_epk[32];

  /* Outcome: set when a response that completes Pair Verify (M4) or a transient
   * Pair Setup (M4) is returned. The transport sends that response in plaintext and
   * encrypts from the next byte on. */
  gboolean       secured;
  gboolean       transient;
  char          *controller_id;      /* NULL for transient sessions */
  guint8         encrypt_key[32];    /* accessory → controller */
  guint8         decrypt_key[32];    /* controller → accessory */
  /* The verified session's shared secret (X25519, or the one a resume derived): BLE
   * derives the broadcast key from it (docs/protocol.md §2.3). */
  guint8         shared_secret[32];
};

/* Call after storage->setup_code changed: the salt and verifier are recomputed (with a
 * fresh salt) at the next Pair Setup M1, and any remembered split setup is dropped. */
void        hap_pairing_context_setup_code_changed (HapPairingContext *ctx);
/* Drops any procedure in progress on @session (releasing Pair Setup ownership) and
 * wipes its secrets. Call when the connection closes. */
void        hap_pairing_session_clear  (HapPairingContext *ctx,
                                        HapPairingSession *session);

/* Each handler returns the response body, or NULL with HAP_ERROR_INVALID_DATA when the
 * request is malformed (the transport then answers 400). Protocol failures are TLV
 * errors inside a normal response, as the spec requires. */
GByteArray *hap_pair_setup_handle      (HapPairingContext *ctx,
                                        HapPairingSession *session,
                                        const guint8      *body,
                                        gsize              len,
                                        GError           **error);
GByteArray *hap_pair_verify_handle     (HapPairingContext *ctx,
                                        HapPairingSession *session,
                                        const guint8      *body,
                                        gsize              len,
                                        GError           **error);
/* Only on a secured, non-transient session (the transport answers 470 otherwise). */
GByteArray *hap_pairings_handle        (HapPairingContext *ctx,
                                        HapPairingSession *session,
                                        const guint8      *body,
                                        gsize              len,
                                        GError           **error);

/* Removes a pairing as RemovePairing does (all of them when no admin is left), saves,
 * and reports each removal through pairings_changed. TRUE when there was none. */
gboolean    hap_pairings_remove        (HapPairingContext *ctx,
                                        const char        *identifier,
                                        gsize              identifier_len,
                                        GError           **error);

/* Forgets every resumable session of @identifier (its pairing was removed). */
void        hap_pairing_context_forget_resumable (HapPairingContext *ctx,
                                                  const char        *identifier);
/* Forgets them all (factory reset, stop). */
void        hap_pairing_context_clear_resumable  (HapPairingContext *ctx);

/* Shared by the three: a response carrying only State and Error. */
GByteArray *hap_pairing_error_response (guint8             state,
                                        guint8             tlv_error);

G_END_DECLS
