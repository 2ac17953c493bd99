/* hap-srp-private.h — SRP-6a, RFC 5054 3072-bit group, g = 5, SHA-512 (docs/protocol.md §2.1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HAP_SRP_SALT_LEN      16
#define HAP_SRP_PRIME_LEN     384   /* N, v, A, B, S when padded */
#define HAP_SRP_PROOF_LEN     64
#define HAP_SRP_KEY_LEN       64    /* K = H(S) */
#define HAP_SRP_SECRET_LEN    32    /* a, b */
#define HAP_SRP_USERNAME      "Pair-Setup"

typedef struct _HapSrpServer HapSrpServer;
typedef struct _HapSrpClient HapSrpClient;

/* v = g^x mod N with x = H(s ‖ H(I ‖ ":" ‖ p)); writes 384 bytes (left-padded). */
void           hap_srp_compute_verifier      (const char    *username,
                                              const char    *password,
                                              const guint8   salt[HAP_SRP_SALT_LEN],
                                              guint8         verifier[HAP_SRP_PRIME_LEN]);

/* @secret_b: 32 bytes, or NULL for a random one (tests pass the vector's b). */
HapSrpServer  *hap_srp_server_new            (const guint8   salt[HAP_SRP_SALT_LEN],
                                              const guint8   verifier[HAP_SRP_PRIME_LEN],
                                              const guint8  *secret_b);
/* Same with a user name I other than HAP_SRP_USERNAME; M1 hashes I, so the RFC 5054
 * style vector of docs/protocol.md §7.1 (I = "alice") needs it. */
HapSrpServer  *hap_srp_server_new_full       (const char    *username,
                                              const guint8   salt[HAP_SRP_SALT_LEN],
                                              const guint8   verifier[HAP_SRP_PRIME_LEN],
                                              const guint8  *secret_b);
/* B with leading zero bytes stripped (as the ADK sends it). */
const guint8  *hap_srp_server_get_public_key (HapSrpServer  *srp,
                                              gsize         *len);
/* Checks A (reject A mod N == 0; A may be shorter than 384 bytes, up to 384) and the
 * controller's proof M1 (constant-time). On success writes M2 and makes the session key
 * K available. Returns FALSE with HAP_ERROR_AUTHENTICATION on a bad A or proof. */
gboolean       hap_srp_server_verify         (HapSrpServer  *srp,
                                              const guint8  *public_a,
                                              gsize          public_a_len,
                                              const guint8  *proof_m1,
                                              gsize          proof_m1_len,
                                              guint8         proof_m2[HAP_SRP_PROOF_LEN],
                                              GError       **error);
/* K (64 bytes) after a successful verify, else NULL. */
const guint8  *hap_srp_server_get_session_key (HapSrpServer *srp);
void           hap_srp_server_free           (HapSrpServer  *srp);   /* wipes secrets */

/* Controller side, for tests and hapctl. @secret_a: 32 bytes or NULL for random.
 * Returns NULL with HAP_ERROR_AUTHENTICATION if B mod N == 0. */
HapSrpClient  *hap_srp_client_new            (const char    *username,
                                              const char    *password,
                                              const guint8  *salt,
                                              gsize          salt_len,
                                              const guint8  *public_b,
                                              gsize          public_b_len,
                                              const guint8  *secret_a,
                                              GError       **error);
/* A, 384 bytes padded. */
const guint8  *hap_srp_client_get_public_key (HapSrpClient  *srp,
                                              gsize         *len);
const guint8  *hap_srp_client_get_proof      (HapSrpClient  *srp);  /* M1, 64 bytes */
gboolean       hap_srp_client_verify_server  (HapSrpClient  *srp,
                                              const guint8  *proof_m2,
                                              gsize          len);
const guint8  *hap_srp_client_get_session_key (HapSrpClient *srp);  /* K, 64 bytes */
void           hap_srp_client_free           (HapSrpClient  *srp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSrpServer, hap_srp_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSrpClient, hap_srp_client_free)

G_END_DECLS
