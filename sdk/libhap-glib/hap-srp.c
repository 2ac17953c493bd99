/* hap-srp.c — SRP-6a over the RFC 5054 3072-bit group with SHA-512 (docs/protocol.md §2.1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Padding follows the ADK byte for byte (docs/protocol.md §2.1 "Practical advice"):
 *   k  = H(N ‖ PAD(g))
 *   u  = H(PAD(A) ‖ PAD(B))
 *   K  = H(S without leading zero bytes)
 *   M1 = H(H(N) xor H(g) ‖ H(I) ‖ s ‖ A ‖ B ‖ K), A and B without leading zero bytes
 *   M2 = H(PAD(A) ‖ M1 ‖ K)
 * where PAD() left-pads to 384 bytes. Big numbers are big-endian on the wire.
 */
#include "hap-srp-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"

#include <gmp.h>
#include <string.h>

#define SRP_HASH_LEN crypto_hash_sha512_BYTES

/* RFC 5054 Appendix A, 3072-bit group (docs/protocol.md §7.1). */
static const guint8 srp_n_bytes[HAP_SRP_PRIME_LEN] = {
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc9, 0x0f, 0xda, 0xa2,
  0x21, 0x68, 0xc2, 0x34, 0xc4, 0xc6, 0x62, 0x8b, 0x80, 0xdc, 0x1c, 0xd1,
  0x29, 0x02, 0x4e, 0x08, 0x8a, 0x67, 0xcc, 0x74, 0x02, 0x0b, 0xbe, 0xa6,
  0x3b, 0x13, 0x9b, 0x22, 0x51, 0x4a, 0x08, 0x79, 0x8e, 0x34, 0x04, 0xdd,
  0xef, 0x95, 0x19, 0xb3, 0xcd, 0x3a, 0x43, 0x1b, 0x30, 0x2b, 0x0a, 0x6d,
  0xf2, 0x5f, 0x14, 0x37, 0x4f, 0xe1, 0x35, 0x6d, 0x6d, 0x51, 0xc2, 0x45,
  0xe4, 0x85, 0xb5, 0x76, 0x62, 0x5e, 0x7e, 0xc6, 0xf4, 0x4c, 0x42, 0xe9,
  0xa6, 0x37, 0xed, 0x6b, 0x0b, 0xff, 0x5c, 0xb6, 0xf4, 0x06, 0xb7, 0xed,
  0xee, 0x38, 0x6b, 0xfb, 0x5a, 0x89, 0x9f, 0xa5, 0xae, 0x9f, 0x24, 0x11,
  0x7c, 0x4b, 0x1f, 0xe6, 0x49, 0x28, 0x66, 0x51, 0xec, 0xe4, 0x5b, 0x3d,
  0xc2, 0x00, 0x7c, 0xb8, 0xa1, 0x63, 0xbf, 0x05, 0x98, 0xda, 0x48, 0x36,
  0x1c, 0x55, 0xd3, 0x9a, 0x69, 0x16, 0x3f, 0xa8, 0xfd, 0x24, 0xcf, 0x5f,
  0x83, 0x65, 0x5d, 0x23, 0xdc, 0xa3, 0xad, 0x96, 0x1c, 0x62, 0xf3, 0x56,
  0x20, 0x85, 0x52, 0xbb, 0x9e, 0xd5, 0x29, 0x07, 0x70, 0x96, 0x96, 0x6d,
  0x67, 0x0c, 0x35, 0x4e, 0x4a, 0xbc, 0x98, 0x04, 0xf1, 0x74, 0x6c, 0x08,
  0xca, 0x18, 0x21, 0x7c, 0x32, 0x90, 0x5e, 0x46, 0x2e, 0x36, 0xce, 0x3b,
  0xe3, 0x9e, 0x77, 0x2c, 0x18, 0x0e, 0x86, 0x03, 0x9b, 0x27, 0x83, 0xa2,
  0xec, 0x07, 0xa2, 0x8f, 0xb5, 0xc5, 0x5d, 0xf0, 0x6f, 0x4c, 0x52, 0xc9,
  0xde, 0x2b, 0xcb, 0xf6, 0x95, 0x58, 0x17, 0x18, 0x39, 0x95, 0x49, 0x7c,
  0xea, 0x95, 0x6a, 0xe5, 0x15, 0xd2, 0x26, 0x18, 0x98, 0xfa, 0x05, 0x10,
  0x15, 0x72, 0x8e, 0x5a, 0x8a, 0xaa, 0xc4, 0x2d, 0xad, 0x33, 0x17, 0x0d,
  0x04, 0x50, 0x7a, 0x33, 0xa8, 0x55, 0x21, 0xab, 0xdf, 0x1c, 0xba, 0x64,
  0xec, 0xfb, 0x85, 0x04, 0x58, 0xdb, 0xef, 0x0a, 0x8a, 0xea, 0x71, 0x57,
  0x5d, 0x06, 0x0c, 0x7d, 0xb3, 0x97, 0x0f, 0x85, 0xa6, 0xe1, 0xe4, 0xc7,
  0xab, 0xf5, 0xae, 0x8c, 0xdb, 0x09, 0x33, 0xd7, 0x1e, 0x8c, 0x94, 0xe0,
  0x4a, 0x25, 0x61, 0x9d, 0xce, 0xe3, 0xd2, 0x26, 0x1a, 0xd2, 0xee, 0x6b,
  0xf1, 0x2f, 0xfa, 0x06, 0xd9, 0x8a, 0x08, 0x64, 0xd8, 0x76, 0x02, 0x73,
  0x3e, 0xc8, 0x6a, 0x64, 0x52, 0x1f, 0x2b, 0x18, 0x17, 0x7b, 0x20, 0x0c,
  0xbb, 0xe1, 0x17, 0x57, 0x7a, 0x61, 0x5d, 0x6c, 0x77, 0x09, 0x88, 0xc0,
  0xba, 0xd9, 0x46, 0xe2, 0x08, 0xe2, 0x4f, 0xa0, 0x74, 0xe5, 0xab, 0x31,
  0x43, 0xdb, 0x5b, 0xfc, 0xe0, 0xfd, 0x10, 0x8e, 0x4b, 0x82, 0xd1, 0x20,
  0xa9, 0x3a, 0xd2, 0xca, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* Generator g = 5, a single byte when not padded. */
static const guint8 srp_g_byte = 5;

struct _HapSrpServer
{
  char    *username;                     /* I, "Pair-Setup" for HAP */
  mpz_t    n;
  mpz_t    v;
  mpz_t    b;
  guint8   salt[HAP_SRP_SALT_LEN];
  guint8   public_b[HAP_SRP_PRIME_LEN];  /* PAD(B) */
  gsize    public_b_start;               /* offset of the first non-zero byte */
  guint8   key[HAP_SRP_KEY_LEN];
  guint8   premaster[HAP_SRP_PRIME_LEN];   /* PAD(S), kept until verify ends */
  gboolean verified;
};

struct _HapSrpClient
{
  guint8 public_a[HAP_SRP_PRIME_LEN];  /* PAD(A) */
  guint8 proof_m1[HAP_SRP_PROOF_LEN];
  guint8 proof_m2[HAP_SRP_PROOF_LEN];  /* the M2 the server must send */
  guint8 key[HAP_SRP_KEY_LEN];
};

/* ---- big-number helpers ---- */

/* mpz_clear() frees limbs without zeroing them: wipe every allocated limb first. */
static void
srp_mpz_wipe_clear (mpz_t x)
{
  sodium_memzero (x->_mp_d, (gsize) x->_mp_alloc * sizeof (mp_limb_t));
  mpz_clear (x);
}

/* Room for the product of two group elements, so that values never grow into a new
 * allocation (GMP's realloc would leave an unwiped copy behind). */
#define SRP_MPZ_BITS (2 * HAP_SRP_PRIME_LEN * 8 + 2 * GMP_NUMB_BITS)

static void
srp_mpz_init_secret (mpz_t x)
{
  mpz_init2 (x, SRP_MPZ_BITS);
}

static void
srp_mpz_init_from_bytes (mpz_t         x,
                         const guint8 *bytes,
                         gsize         len)
{
  srp_mpz_init_secret (x);
  if (len > 0)
    mpz_import (x, len, 1, 1, 1, 0, bytes);
}

/* Writes @x (0 <= x < 2^3072) as 384 big-endian bytes. */
static void
srp_mpz_to_padded (const mpz_t x,
                   guint8      out[HAP_SRP_PRIME_LEN])
{
  gsize n;

  memset (out, 0, HAP_SRP_PRIME_LEN);
  if (mpz_sgn (x) == 0)
    return;

  n = (mpz_sizeinbase (x, 2) + 7) / 8;
  g_assert (n <= HAP_SRP_PRIME_LEN);
  mpz_export (out + HAP_SRP_PRIME_LEN - n, NULL, 1, 1, 1, 0, x);
}

/* r = base^exp mod N for a secret exponent. mpz_powm_sec() needs exp > 0. */
static void
powm_secret (mpz_t       r,
             const mpz_t base,
             const mpz_t exp,
             const mpz_t n)
{
  if (mpz_sgn (exp) == 0)
    mpz_set_ui (r, 1);
  else
    mpz_powm_sec (r, base, exp, n);
}

/* Offset of the first non-zero byte of a padded value (the whole length if all zero). */
static gsize
leading_zeros (const guint8 *bytes,
               gsize         len)
{
  gsize i = 0;

  while (i < len && bytes[i] == 0)
    i++;
  return i;
}

static void
pad_bytes (const guint8 *bytes,
           gsize         len,
           guint8        out[HAP_SRP_PRIME_LEN])
{
  g_assert (len <= HAP_SRP_PRIME_LEN);

  memset (out, 0, HAP_SRP_PRIME_LEN - len);
  if (len > 0)
    memcpy (out + HAP_SRP_PRIME_LEN - len, bytes, len);
}

/* ---- SRP hashes ---- */

/* k = H(N ‖ PAD(g)) */
static void
srp_compute_k (const mpz_t n,
               mpz_t       k)
{
  crypto_hash_sha512_state st;
  guint8 g_pad[HAP_SRP_PRIME_LEN] = { 0 };
  guint8 digest[SRP_HASH_LEN];

  g_pad[HAP_SRP_PRIME_LEN - 1] = srp_g_byte;
  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, srp_n_bytes, sizeof srp_n_bytes);
  crypto_hash_sha512_update (&st, g_pad, sizeof g_pad);
  crypto_hash_sha512_final (&st, digest);
  mpz_import (k, sizeof digest, 1, 1, 1, 0, digest);
}

/* x = H(s ‖ H(I ‖ ":" ‖ p)) */
static void
srp_compute_x (const char   *username,
               const char   *password,
               const guint8 *salt,
               gsize         salt_len,
               mpz_t         x)
{
  crypto_hash_sha512_state st;
  guint8 inner[SRP_HASH_LEN];
  guint8 digest[SRP_HASH_LEN];

  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, (const guint8 *) username, strlen (username));
  crypto_hash_sha512_update (&st, (const guint8 *) ":", 1);
  crypto_hash_sha512_update (&st, (const guint8 *) password, strlen (password));
  crypto_hash_sha512_final (&st, inner);

  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, salt, salt_len);
  crypto_hash_sha512_update (&st, inner, sizeof inner);
  crypto_hash_sha512_final (&st, digest);
  mpz_import (x, sizeof digest, 1, 1, 1, 0, digest);

  sodium_memzero (inner, sizeof inner);
  sodium_memzero (digest, sizeof digest);
  sodium_memzero (&st, sizeof st);
}

/* u = H(PAD(A) ‖ PAD(B)) */
static void
srp_compute_u (const guint8 a_pad[HAP_SRP_PRIME_LEN],
               const guint8 b_pad[HAP_SRP_PRIME_LEN],
               mpz_t        u)
{
  crypto_hash_sha512_state st;
  guint8 digest[SRP_HASH_LEN];

  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, a_pad, HAP_SRP_PRIME_LEN);
  crypto_hash_sha512_update (&st, b_pad, HAP_SRP_PRIME_LEN);
  crypto_hash_sha512_final (&st, digest);
  mpz_import (u, sizeof digest, 1, 1, 1, 0, digest);
}

/* K = H(S with leading zero bytes stripped) */
static void
srp_compute_key (const mpz_t s,
                 guint8      key[HAP_SRP_KEY_LEN])
{
  guint8 s_pad[HAP_SRP_PRIME_LEN];
  gsize start;

  srp_mpz_to_padded (s, s_pad);
  start = leading_zeros (s_pad, sizeof s_pad);
  crypto_hash_sha512 (key, s_pad + start, sizeof s_pad - start);
  sodium_memzero (s_pad, sizeof s_pad);
}

/* The controller-side conventions an accessory meets in M1 (docs/protocol.md §2.1 ⚠):
 * Apple's ADK strips leading zero bytes of S (for K), A and B; fast-srp (HAP-NodeJS,
 * hap-controller) and aiohomekit hash some of them padded to 384 bytes. They differ only
 * when a value starts with a zero byte (about 1 pairing in 130). */
typedef struct
{
  gboolean pad_s;
  gboolean pad_a;
  gboolean pad_b;
} SrpPadding;

static void
srp_compute_key_padded (const guint8 s_pad[HAP_SRP_PRIME_LEN],
                        gboolean     pad,
                        guint8       key[HAP_SRP_KEY_LEN])
{
  gsize start = pad ? 0 : leading_zeros (s_pad, HAP_SRP_PRIME_LEN);

  crypto_hash_sha512 (key, s_pad + start, HAP_SRP_PRIME_LEN - start);
}

/* M1 = H(H(N) xor H(g) ‖ H(I) ‖ s ‖ A ‖ B ‖ K). The ADK hashes A and B stripped of
 * leading zeros; @pad_a/@pad_b hash them padded to 384 bytes instead. */
static void
srp_compute_m1_padded (const char   *username,
                       const guint8 *salt,
                       gsize         salt_len,
                       const guint8  a_pad[HAP_SRP_PRIME_LEN],
                       const guint8  b_pad[HAP_SRP_PRIME_LEN],
                       const guint8  key[HAP_SRP_KEY_LEN],
                       gboolean      pad_a,
                       gboolean      pad_b,
                       guint8        m1[HAP_SRP_PROOF_LEN])
{
  crypto_hash_sha512_state st;
  guint8 h_n[SRP_HASH_LEN];
  guint8 h_g[SRP_HASH_LEN];
  guint8 h_i[SRP_HASH_LEN];
  gsize a_start = pad_a ? 0 : leading_zeros (a_pad, HAP_SRP_PRIME_LEN);
  gsize b_start = pad_b ? 0 : leading_zeros (b_pad, HAP_SRP_PRIME_LEN);

  crypto_hash_sha512 (h_n, srp_n_bytes, sizeof srp_n_bytes);
  crypto_hash_sha512 (h_g, &srp_g_byte, 1);
  crypto_hash_sha512 (h_i, (const guint8 *) username, strlen (username));
  for (gsize i = 0; i < SRP_HASH_LEN; i++)
    h_n[i] ^= h_g[i];

  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, h_n, sizeof h_n);
  crypto_hash_sha512_update (&st, h_i, sizeof h_i);
  crypto_hash_sha512_update (&st, salt, salt_len);
  crypto_hash_sha512_update (&st, a_pad + a_start, HAP_SRP_PRIME_LEN - a_start);
  crypto_hash_sha512_update (&st, b_pad + b_start, HAP_SRP_PRIME_LEN - b_start);
  crypto_hash_sha512_update (&st, key, HAP_SRP_KEY_LEN);
  crypto_hash_sha512_final (&st, m1);
  sodium_memzero (&st, sizeof st);
}

/* M2 = H(PAD(A) ‖ M1 ‖ K) */
static void
srp_compute_m2 (const guint8 a_pad[HAP_SRP_PRIME_LEN],
                const guint8 m1[HAP_SRP_PROOF_LEN],
                const guint8 key[HAP_SRP_KEY_LEN],
                guint8       m2[HAP_SRP_PROOF_LEN])
{
  crypto_hash_sha512_state st;

  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, a_pad, HAP_SRP_PRIME_LEN);
  crypto_hash_sha512_update (&st, m1, HAP_SRP_PROOF_LEN);
  crypto_hash_sha512_update (&st, key, HAP_SRP_KEY_LEN);
  crypto_hash_sha512_final (&st, m2);
  sodium_memzero (&st, sizeof st);
}

static void
srp_init_n (mpz_t n)
{
  srp_mpz_init_from_bytes (n, srp_n_bytes, sizeof srp_n_bytes);
}

/* Random secret, or the caller's (tests pass the vector's a or b). */
static void
srp_init_secret (mpz_t         secret,
                 const guint8 *given)
{
  guint8 bytes[HAP_SRP_SECRET_LEN];

  if (given != NULL)
    memcpy (bytes, given, sizeof bytes);
  else
    randombytes_buf (bytes, sizeof bytes);

  srp_mpz_init_from_bytes (secret, bytes, sizeof bytes);
  sodium_memzero (bytes, sizeof bytes);
}

/* ---- verifier ---- */

void
hap_srp_compute_verifier (const char   *username,
                          const char   *password,
                          const guint8  salt[HAP_SRP_SALT_LEN],
                          guint8        verifier[HAP_SRP_PRIME_LEN])
{
  mpz_t n, g, x, v;

  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);
  g_return_if_fail (salt != NULL);
  g_return_if_fail (verifier != NULL);

  hap_crypto_init ();

  srp_init_n (n);
  mpz_init_set_ui (g, srp_g_byte);
  srp_mpz_init_secret (x);
  srp_mpz_init_secret (v);

  /* v = g^x mod N */
  srp_compute_x (username, password, salt, HAP_SRP_SALT_LEN, x);
  powm_secret (v, g, x, n);
  srp_mpz_to_padded (v, verifier);

  srp_mpz_wipe_clear (v);
  srp_mpz_wipe_clear (x);
  mpz_clear (g);
  mpz_clear (n);
}

/* ---- server (accessory) ---- */

HapSrpServer *
hap_srp_server_new (const guint8  salt[HAP_SRP_SALT_LEN],
                    const guint8  verifier[HAP_SRP_PRIME_LEN],
                    const guint8 *secret_b)
{
  return hap_srp_server_new_full (HAP_SRP_USERNAME, salt, verifier, secret_b);
}

HapSrpServer *
hap_srp_server_new_full (const char    *username,
                         const guint8   salt[HAP_SRP_SALT_LEN],
                         const guint8   verifier[HAP_SRP_PRIME_LEN],
                         const guint8  *secret_b)
{
  HapSrpServer *srp;
  mpz_t g, k, public_b;

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (salt != NULL, NULL);
  g_return_val_if_fail (verifier != NULL, NULL);

  hap_crypto_init ();

  srp = g_new0 (HapSrpServer, 1);
  srp->username = g_strdup (username);
  memcpy (srp->salt, salt, HAP_SRP_SALT_LEN);
  srp_init_n (srp->n);
  srp_mpz_init_from_bytes (srp->v, verifier, HAP_SRP_PRIME_LEN);
  srp_init_secret (srp->b, secret_b);

  mpz_init_set_ui (g, srp_g_byte);
  mpz_init (k);
  srp_mpz_init_secret (public_b);

  /* B = (k·v + g^b) mod N */
  srp_compute_k (srp->n, k);
  powm_secret (public_b, g, srp->b, srp->n);
  mpz_addmul (public_b, k, srp->v);
  mpz_mod (public_b, public_b, srp->n);

  srp_mpz_to_padded (public_b, srp->public_b);
  /* docs/protocol.md §2.2 M2: the ADK sends B with leading zero bytes stripped. */
  srp->public_b_start = leading_zeros (srp->public_b, sizeof srp->public_b);

  srp_mpz_wipe_clear (public_b);
  mpz_clear (k);
  mpz_clear (g);

  return srp;
}

const guint8 *
hap_srp_server_get_public_key (HapSrpServer *srp,
                               gsize        *len)
{
  g_return_val_if_fail (srp != NULL, NULL);

  if (len != NULL)
    *len = HAP_SRP_PRIME_LEN - srp->public_b_start;
  return srp->public_b + srp->public_b_start;
}

/* S = (A · v^u)^b mod N, then K. FALSE when A mod N == 0. */
static gboolean
server_derive_key (HapSrpServer *srp,
                   const guint8  a_pad[HAP_SRP_PRIME_LEN])
{
  mpz_t a, u, s;
  gboolean ok = FALSE;

  srp_mpz_init_from_bytes (a, a_pad, HAP_SRP_PRIME_LEN);
  mpz_init (u);
  srp_mpz_init_secret (s);

  /* RFC 5054 §2.5.4, docs/protocol.md §2.1: abort if A mod N == 0. */
  mpz_mod (a, a, srp->n);
  if (mpz_sgn (a) != 0)
    {
      srp_compute_u (a_pad, srp->public_b, u);
      mpz_powm (s, srp->v, u, srp->n);  /* u is public */
      mpz_mul (s, s, a);
      mpz_mod (s, s, srp->n);
      powm_secret (s, s, srp->b, srp->n);
      srp_mpz_to_padded (s, srp->premaster);
      ok = TRUE;
    }

  srp_mpz_wipe_clear (s);
  mpz_clear (u);
  mpz_clear (a);

  return ok;
}

gboolean
hap_srp_server_verify (HapSrpServer  *srp,
                       const guint8  *public_a,
                       gsize          public_a_len,
                       const guint8  *proof_m1,
                       gsize          proof_m1_len,
                       guint8         proof_m2[HAP_SRP_PROOF_LEN],
                       GError       **error)
{
  guint8 a_pad[HAP_SRP_PRIME_LEN];
  guint8 expected_m1[HAP_SRP_PROOF_LEN];
  gboolean match;

  g_return_val_if_fail (srp != NULL, FALSE);
  g_return_val_if_fail (public_a != NULL || public_a_len == 0, FALSE);
  g_return_val_if_fail (proof_m1 != NULL || proof_m1_len == 0, FALSE);
  g_return_val_if_fail (proof_m2 != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  srp->verified = FALSE;
  sodium_memzero (srp->key, sizeof srp->key);

  /* docs/protocol.md §2.2 M3: A is at most 384 bytes and is left-padded with zeros. */
  if (public_a_len > HAP_SRP_PRIME_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                   "SRP public key A is %" G_GSIZE_FORMAT " bytes long; at most %d allowed",
                   public_a_len, HAP_SRP_PRIME_LEN);
      return FALSE;
    }
  if (proof_m1_len != HAP_SRP_PROOF_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                   "SRP proof M1 is %" G_GSIZE_FORMAT " bytes long; expected %d",
                   proof_m1_len, HAP_SRP_PROOF_LEN);
      return FALSE;
    }

  pad_bytes (public_a, public_a_len, a_pad);
  if (!server_derive_key (srp, a_pad))
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                           "SRP public key A is illegal (A mod N == 0)");
      return FALSE;
    }

  {
    /* The ADK's convention first; the padded ones only where a leading zero byte makes
     * them differ from it. */
    static const SrpPadding conventions[] = {
      { FALSE, FALSE, FALSE },   /* Apple ADK (and iOS) */
      { TRUE,  TRUE,  TRUE  },   /* aiohomekit */
      { TRUE,  TRUE,  FALSE },
      { TRUE,  FALSE, TRUE  },   /* fast-srp with A as sent */
      { FALSE, TRUE,  TRUE  },
      { TRUE,  FALSE, FALSE },
      { FALSE, TRUE,  FALSE },
      { FALSE, FALSE, TRUE  },
    };
    gboolean s_zero = srp->premaster[0] == 0;
    gboolean a_zero = a_pad[0] == 0;
    gboolean b_zero = srp->public_b[0] == 0;

    match = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS (conventions) && !match; i++)
      {
        const SrpPadding *c = &conventions[i];

        if (i > 0 && ((c->pad_s && !s_zero) || (c->pad_a && !a_zero) || (c->pad_b && !b_zero)))
          continue;   /* identical to a convention already tried */
        srp_compute_key_padded (srp->premaster, c->pad_s, srp->key);
        srp_compute_m1_padded (srp->username, srp->salt, sizeof srp->salt, a_pad, srp->public_b,
                               srp->key, c->pad_a, c->pad_b, expected_m1);
        match = hap_secure_equal (expected_m1, proof_m1, HAP_SRP_PROOF_LEN);
      }
  }
  sodium_memzero (srp->premaster, sizeof srp->premaster);
  sodium_memzero (expected_m1, sizeof expected_m1);
  if (!match)
    {
      sodium_memzero (srp->key, sizeof srp->key);
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                           "SRP proof M1 does not match (wrong setup code?)");
      return FALSE;
    }

  srp_compute_m2 (a_pad, proof_m1, srp->key, proof_m2);
  srp->verified = TRUE;
  return TRUE;
}

const guint8 *
hap_srp_server_get_session_key (HapSrpServer *srp)
{
  g_return_val_if_fail (srp != NULL, NULL);

  return srp->verified ? srp->key : NULL;
}

void
hap_srp_server_free (HapSrpServer *srp)
{
  if (srp == NULL)
    return;

  srp_mpz_wipe_clear (srp->b);
  srp_mpz_wipe_clear (srp->v);
  mpz_clear (srp->n);
  g_free (srp->username);
  sodium_memzero (srp, sizeof *srp);
  g_free (srp);
}

/* ---- client (controller) ---- */

/* S = (B − k·g^x)^(a + u·x) mod N; @b is B mod N, already checked to be non-zero. */
static void
client_derive_premaster (const mpz_t   n,
                         const mpz_t   a,
                         const mpz_t   b,
                         const mpz_t   u,
                         const mpz_t   x,
                         mpz_t         s)
{
  mpz_t g, k, base, exp;

  mpz_init_set_ui (g, srp_g_byte);
  mpz_init (k);
  srp_mpz_init_secret (base);
  srp_mpz_init_secret (exp);

  srp_compute_k (n, k);
  powm_secret (base, g, x, n);      /* v = g^x */
  mpz_mul (base, base, k);
  mpz_sub (base, b, base);
  mpz_mod (base, base, n);          /* non-negative */
  mpz_mul (exp, u, x);
  mpz_add (exp, exp, a);
  powm_secret (s, base, exp, n);

  srp_mpz_wipe_clear (exp);
  srp_mpz_wipe_clear (base);
  mpz_clear (k);
  mpz_clear (g);
}

static gboolean
client_compute (HapSrpClient  *srp,
                const char    *username,
                const char    *password,
                const guint8  *salt,
                gsize          salt_len,
                const guint8   b_pad[HAP_SRP_PRIME_LEN],
                gboolean       b_sent_padded,
                const guint8  *secret_a,
                gboolean      *leading_zero,
                GError       **error)
{
  mpz_t n, g, a, public_a, b, u, x, s;
  gboolean ok = FALSE;

  srp_init_n (n);
  mpz_init_set_ui (g, srp_g_byte);
  srp_init_secret (a, secret_a);
  mpz_init (public_a);
  srp_mpz_init_from_bytes (b, b_pad, HAP_SRP_PRIME_LEN);
  mpz_init (u);
  srp_mpz_init_secret (x);
  srp_mpz_init_secret (s);

  /* A = g^a mod N */
  powm_secret (public_a, g, a, n);
  srp_mpz_to_padded (public_a, srp->public_a);
  srp_compute_u (srp->public_a, b_pad, u);

  /* RFC 5054 §2.5.4: the client aborts if B mod N == 0 or u == 0. */
  mpz_mod (b, b, n);
  if (mpz_sgn (b) == 0)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                           "SRP public key B is illegal (B mod N == 0)");
    }
  else if (mpz_sgn (u) == 0)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                           "SRP scrambling parameter u is zero");
    }
  else
    {
      srp_compute_x (username, password, salt, salt_len, x);
      client_derive_premaster (n, a, b, u, x, s);
      srp_compute_key (s, srp->key);
      {
        guint8 s_pad[HAP_SRP_PRIME_LEN];
        srp_mpz_to_padded (s, s_pad);
        *leading_zero = s_pad[0] == 0 || srp->public_a[0] == 0;
        sodium_memzero (s_pad, sizeof s_pad);
      }
      /* B is hashed as the accessory sent it: stripped by the ADK, padded by fast-srp. */
      srp_compute_m1_padded (username, salt, salt_len, srp->public_a, b_pad, srp->key,
                             FALSE, b_sent_padded, srp->proof_m1);
      srp_compute_m2 (srp->public_a, srp->proof_m1, srp->key, srp->proof_m2);
      ok = TRUE;
    }

  srp_mpz_wipe_clear (s);
  srp_mpz_wipe_clear (x);
  mpz_clear (u);
  mpz_clear (b);
  mpz_clear (public_a);
  srp_mpz_wipe_clear (a);
  mpz_clear (g);
  mpz_clear (n);

  return ok;
}

HapSrpClient *
hap_srp_client_new (const char    *username,
                    const char    *password,
                    const guint8  *salt,
                    gsize          salt_len,
                    const guint8  *public_b,
                    gsize          public_b_len,
                    const guint8  *secret_a,
                    GError       **error)
{
  g_autoptr(HapSrpClient) srp = NULL;
  guint8 b_pad[HAP_SRP_PRIME_LEN];

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (salt != NULL || salt_len == 0, NULL);
  g_return_val_if_fail (public_b != NULL || public_b_len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  hap_crypto_init ();

  /* docs/protocol.md §2.1: B is an element of the 384-byte group. */
  if (public_b_len > HAP_SRP_PRIME_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                   "SRP public key B is %" G_GSIZE_FORMAT " bytes long; at most %d allowed",
                   public_b_len, HAP_SRP_PRIME_LEN);
      return NULL;
    }

  srp = g_new0 (HapSrpClient, 1);
  pad_bytes (public_b, public_b_len, b_pad);
  /* docs/protocol.md §2.1 ⚠: accessories following the ADK strip leading zero bytes of A
   * and S before hashing, fast-srp ones (HAP-NodeJS) hash them padded. With a random a,
   * draw again until neither starts with a zero byte (1 in 128 draws), and hash B as
   * received: then both kinds of accessory compute the same proof. */
  for (guint attempt = 0; ; attempt++)
    {
      gboolean leading_zero = FALSE;

      if (!client_compute (srp, username, password, salt, salt_len, b_pad,
                           public_b_len == HAP_SRP_PRIME_LEN, secret_a, &leading_zero, error))
        return NULL;
      if (!leading_zero || secret_a != NULL || attempt >= 32)
        break;
    }

  return g_steal_pointer (&srp);
}

const guint8 *
hap_srp_client_get_public_key (HapSrpClient *srp,
                               gsize        *len)
{
  g_return_val_if_fail (srp != NULL, NULL);

  if (len != NULL)
    *len = sizeof srp->public_a;
  return srp->public_a;
}

const guint8 *
hap_srp_client_get_proof (HapSrpClient *srp)
{
  g_return_val_if_fail (srp != NULL, NULL);

  return srp->proof_m1;
}

gboolean
hap_srp_client_verify_server (HapSrpClient *srp,
                              const guint8 *proof_m2,
                              gsize         len)
{
  g_return_val_if_fail (srp != NULL, FALSE);
  g_return_val_if_fail (proof_m2 != NULL || len == 0, FALSE);

  if (len != HAP_SRP_PROOF_LEN)
    return FALSE;
  return hap_secure_equal (srp->proof_m2, proof_m2, HAP_SRP_PROOF_LEN);
}

const guint8 *
hap_srp_client_get_session_key (HapSrpClient *srp)
{
  g_return_val_if_fail (srp != NULL, NULL);

  return srp->key;
}

void
hap_srp_client_free (HapSrpClient *srp)
{
  if (srp == NULL)
    return;

  sodium_memzero (srp, sizeof *srp);
  g_free (srp);
}
