/* hap-pairing-client-private.h — Pair Setup, Pair Verify and pairings management as
 * controller-side wire logic: TLV8 response in, next TLV8 request out. No sockets, no
 * files (the caller carries the bodies over /pair-setup, /pair-verify and /pairings).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every function that reads a response reports failures the same way: it returns
 * NULL/FALSE with @error set. When the accessory answered with a TLV Error item,
 * *@tlv_error (if not NULL) holds its code (docs/protocol.md §1.4) and @error is
 * HAP_ERROR_FAILED; otherwise *@tlv_error is 0 and @error is HAP_ERROR_INVALID_DATA
 * (malformed response) or HAP_ERROR_AUTHENTICATION (bad proof, signature or tag).
 * A client that failed once only answers errors.
 */
#pragma once

#include <glib.h>

#include "hap-storage-private.h"

G_BEGIN_DECLS

/* The controller's long-term identity; copied by the constructors below. */
typedef struct
{
  const char *id;          /* pairing identifier, e.g. an uppercase UUID */
  guint8      ltsk[64];    /* Ed25519 secret key (libsodium layout: seed ‖ public) */
  guint8      ltpk[32];
} HapControllerIdentity;

/* ---- Pair Setup (docs/protocol.md §2.2, §3.6) ---- */

typedef struct _HapPairSetupClient HapPairSetupClient;

/* @flags: 0, or HAP_PAIRING_FLAG_TRANSIENT / _SPLIT (Method 0 with a Flags item). */
/* In @flags of hap_pair_setup_client_new(): send Method 1 instead of 0. HAP's own flag
 * bits (Transient 1 << 4, Split 1 << 24) leave bit 0 unused. */
#define HAP_PAIR_SETUP_CLIENT_WITH_AUTH 0x1u

HapPairSetupClient *hap_pair_setup_client_new        (const HapControllerIdentity *identity,
                                                      const char          *setup_code,
                                                      guint32              flags);
void                hap_pair_setup_client_free       (HapPairSetupClient  *client);
/* M1. */
GByteArray         *hap_pair_setup_client_start      (HapPairSetupClient  *client);
/* Takes M2 and returns M3, takes M4 and returns M5, takes M6 and returns NULL without
 * an error: the procedure is then done. A transient setup is done after M4. */
GByteArray         *hap_pair_setup_client_step       (HapPairSetupClient  *client,
                                                      const guint8        *response,
                                                      gsize                len,
                                                      int                 *tlv_error,
                                                      GError             **error);
gboolean            hap_pair_setup_client_is_done    (HapPairSetupClient  *client);
/* After M6 of a normal setup: the accessory's pairing identifier (Device ID) and LTPK. */
const char         *hap_pair_setup_client_get_accessory_id   (HapPairSetupClient *client);
const guint8       *hap_pair_setup_client_get_accessory_ltpk (HapPairSetupClient *client);
/* After M4 of a transient setup: controller → accessory and accessory → controller
 * control keys. FALSE when the setup was not transient or is not done. */
gboolean            hap_pair_setup_client_get_session_keys   (HapPairSetupClient *client,
                                                              guint8              encrypt_key[32],
                                                              guint8              decrypt_key[32]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapPairSetupClient, hap_pair_setup_client_free)

/* ---- Pair Verify (docs/protocol.md §3.1–3.2) ---- */

typedef struct _HapPairVerifyClient HapPairVerifyClient;

/* @accessory_ltpk: 32 bytes to check the accessory's signature with, or NULL to skip
 * that check (the identifier is still available). */
HapPairVerifyClient *hap_pair_verify_client_new      (const HapControllerIdentity *identity,
                                                      const guint8        *accessory_ltpk);
void                 hap_pair_verify_client_free     (HapPairVerifyClient *client);
/* M1. */
GByteArray          *hap_pair_verify_client_start    (HapPairVerifyClient *client);
/* Takes M2, returns M3. */
GByteArray          *hap_pair_verify_client_step     (HapPairVerifyClient *client,
                                                      const guint8        *response,
                                                      gsize                len,
                                                      int                 *tlv_error,
                                                      GError             **error);
/* Takes M4; on success writes the controller's session keys: @encrypt_key is
 * Control-Write-Encryption-Key, @decrypt_key Control-Read-Encryption-Key. */
gboolean             hap_pair_verify_client_finish   (HapPairVerifyClient *client,
                                                      const guint8        *response,
                                                      gsize                len,
                                                      guint8               encrypt_key[32],
                                                      guint8               decrypt_key[32],
                                                      int                 *tlv_error,
                                                      GError             **error);
/* The accessory's pairing identifier from M2 (NULL before). */
const char          *hap_pair_verify_client_get_accessory_id (HapPairVerifyClient *client);

/* ---- BLE Pair Resume (docs/protocol.md §3.4) ---- */

/* What a controller keeps to resume a BLE session later: the session id the accessory
 * knows it by, and the session's shared secret. A secret: wipe it (sodium_memzero). */
typedef struct
{
  guint8  session_id[8];
  guint8  shared_secret[32];
} HapResumeTicket;

/* A Pair Verify whose M1 asks to resume @ticket (Method 6, with a fresh key). The
 * accessory either resumes — hap_pair_verify_client_step() then returns NULL without an
 * error and the client is done — or answers with a full M2 and the verify goes on as
 * usual (M3, M4). */
HapPairVerifyClient *hap_pair_verify_client_new_resume (const HapControllerIdentity *identity,
                                                        const guint8        *accessory_ltpk,
                                                        const HapResumeTicket *ticket);
/* TRUE once verified or resumed. */
gboolean             hap_pair_verify_client_is_done  (HapPairVerifyClient *client);
/* TRUE when the accessory resumed the session (no M3/M4 took place). */
gboolean             hap_pair_verify_client_was_resumed (HapPairVerifyClient *client);
/* Once done: the session keys (as hap_pair_verify_client_finish() gives them). */
gboolean             hap_pair_verify_client_get_keys (HapPairVerifyClient *client,
                                                      guint8               encrypt_key[32],
                                                      guint8               decrypt_key[32]);
/* Once done on BLE: the ticket to resume this session next time (§3.4: derived after
 * M4, or the new id a resume gave). */
gboolean             hap_pair_verify_client_get_ticket (HapPairVerifyClient *client,
                                                        HapResumeTicket     *ticket);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapPairVerifyClient, hap_pair_verify_client_free)

/* ---- Add, Remove and List Pairings (docs/protocol.md §3.5) ---- */

GByteArray *hap_pairings_request_add     (const char    *identifier,
                                          const guint8   ltpk[32],
                                          gboolean       admin);
GByteArray *hap_pairings_request_remove  (const char    *identifier);
GByteArray *hap_pairings_request_list    (void);
/* Add or Remove response (State 2). */
gboolean    hap_pairings_parse_response  (const guint8  *response,
                                          gsize          len,
                                          int           *tlv_error,
                                          GError       **error);
/* List response: a new array of HapPairing (freed with hap_pairing_free). */
GPtrArray  *hap_pairings_parse_list      (const guint8  *response,
                                          gsize          len,
                                          int           *tlv_error,
                                          GError       **error);

G_END_DECLS
