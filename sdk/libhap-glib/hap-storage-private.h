/* hap-storage-private.h — one accessory's durable state in its state directory
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Layout (all files GKeyFile text, mode 0600, directory 0700):
 *   identity  [identity] device-id, signing-key (Ed25519, base64), setup-id, and either
 *             setup-code (the simulator's way) or setup-salt and setup-verifier (base64;
 *             a provisioned device: HAP's rule for codes set at the factory, the code itself
 *             is never stored)
 *   pairings  [pairing-N] identifier, public-key (base64), admin, added (Unix time; optional)
 *   state     [state] failed-attempts, config-number, config-hash
 *   ids       [iids] stable key = iid; [aids] accessory name = aid
 *   ble       [ble] gsn, advertising-id, broadcast-key (base64), broadcast-key-gsn,
 *             broadcast (list of "iid:interval") — HAP over BLE only
 * Every write is atomic: temporary file, fsync, rename, fsync of the directory.
 */
#pragma once

#include <glib.h>

#include "hap-inspection.h"
#include "hap-srp-private.h"

G_BEGIN_DECLS

#define HAP_PAIRING_ID_MAX_LEN 64   /* controllers send 36-byte UUIDs; the ADK caps at 36 */
#define HAP_MAX_PAIRINGS       16   /* HAP: at least 16 (docs/protocol.md §2.2, ADK MinElements) */

/* HapPairing is public (hap-inspection.h). */

typedef struct
{
  char        *dir;
  char         device_id[18];           /* "AB:CD:EF:01:23:45" */
  guint8       secret_key[64];          /* Ed25519 (libsodium layout: seed ‖ public) */
  guint8       public_key[32];
  char         setup_id[5];
  char        *setup_code;              /* "XXX-XX-XXX"; NULL when provisioned */
  /* A provisioned device keeps the SRP salt and verifier of its label's code instead of
   * the code (docs/protocol.md §2.1). */
  gboolean     has_setup_verifier;
  guint8       setup_salt[HAP_SRP_SALT_LEN];
  guint8       setup_verifier[HAP_SRP_PRIME_LEN];
  GPtrArray   *pairings;                /* HapPairing* */
  guint        failed_attempts;
  guint        config_number;           /* 1..65535 */
  char        *config_hash;             /* hex digest of the served database, or NULL */
  guint        last_port;               /* the TCP port served last time, or 0 */
  GHashTable  *iids;                    /* stable key → GUINT_TO_POINTER(iid) */
  GHashTable  *aids;                    /* accessory name → GUINT_TO_POINTER(aid) */

  /* HAP over BLE (docs/protocol.md §5.10, §5.11). */
  guint        gsn;                     /* global state number, 1..65535 */
  gboolean     has_advertising_id;
  guint8       advertising_id[6];       /* default: the device id's bytes */
  gboolean     has_broadcast_key;
  guint8       broadcast_key[32];
  guint        broadcast_key_gsn;    /* the GSN when the key was generated */
  GHashTable  *broadcast;               /* iid → GUINT_TO_POINTER(interval code 1..3) */
} HapStorage;

/* Loads the state in @dir, creating the directory and a fresh identity when @dir holds
 * none. A corrupt or unreadable file gives HAP_ERROR_STORAGE naming the file and what is
 * wrong; it is never replaced silently. */
HapStorage  *hap_storage_open               (const char   *dir,
                                             GError      **error);
/* A fresh identity for @dir (random device ID, signing key and setup ID, no setup code
 * and no verifier), in memory only: nothing is read from or written to @dir. */
HapStorage  *hap_storage_new_identity       (const char   *dir);
/* Keeps @salt and @verifier instead of a setup code (the code, if any, is wiped); the
 * caller saves the identity. */
void         hap_storage_set_setup_verifier (HapStorage   *storage,
                                             const guint8 *salt,
                                             const guint8 *verifier);
/* Keeps @code (valid) instead of a verifier; the caller saves the identity. */
void         hap_storage_set_setup_code     (HapStorage   *storage,
                                             const char   *code);
void         hap_storage_free               (HapStorage   *storage);

gboolean     hap_storage_save_identity      (HapStorage   *storage,
                                             GError      **error);
gboolean     hap_storage_save_pairings      (HapStorage   *storage,
                                             GError      **error);
gboolean     hap_storage_save_state         (HapStorage   *storage,
                                             GError      **error);
gboolean     hap_storage_save_ids           (HapStorage   *storage,
                                             GError      **error);
gboolean     hap_storage_save_ble           (HapStorage   *storage,
                                             GError      **error);
/* Forgets the BLE broadcast key, advertising id and broadcast settings (when the last
 * admin goes, docs/protocol.md §3.5); the caller saves. */
void         hap_storage_reset_ble          (HapStorage   *storage);

HapPairing  *hap_storage_find_pairing       (HapStorage   *storage,
                                             const char   *identifier,
                                             gsize         identifier_len);
gboolean     hap_storage_has_admin          (HapStorage   *storage);
void         hap_pairing_free               (HapPairing   *pairing);

/* Creates @dir (and its parents) and gives it mode 0700 even if it existed wider. */
gboolean     hap_storage_make_private_dir   (const char   *dir,
                                             GError      **error);
/* Atomic write of one file of the state directory (mode 0600). */
gboolean     hap_storage_write_file         (const char   *dir,
                                             const char   *name,
                                             const char   *contents,
                                             gsize         length,
                                             GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapStorage, hap_storage_free)

G_END_DECLS
