/* pair-resume-cpu.c — the accessory's CPU per BLE Pair Resume against a full Pair Verify
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/protocol.md §3.4: a resume costs HKDFs and one AEAD tag, a full verify an X25519
 * exchange, an Ed25519 signature and an Ed25519 verification. This times only the
 * accessory's side (hap_pair_verify_handle for M1 and M3, or for resume M1) with the
 * thread's CPU clock, the controller's messages being prepared outside the clock, so
 * the ratio is the protocol's and not the transport's. Prints one JSON object; medians
 * of N rounds (default 2000).
 *
 *   pair-resume-cpu [N]
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hap-crypto-private.h"
#include "hap-pairing-client-private.h"
#include "hap-pairing-private.h"

#define CONTROLLER_ID "11111111-2222-3333-4444-555555555555"

static gint64
cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
compare_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static double
median_us (GArray *samples)
{
  g_array_sort (samples, compare_int64);
  return g_array_index (samples, gint64, samples->len / 2) / 1000.0;
}

/* The accessory's answer, timed. */
static GByteArray *
accessory (HapPairingContext *ctx, HapPairingSession *session, GByteArray *request, gint64 *spent)
{
  gint64 start = cpu_ns ();
  GByteArray *response = hap_pair_verify_handle (ctx, session, request->data, request->len, NULL);

  *spent += cpu_ns () - start;
  g_assert (response != NULL);
  return response;
}

int
main (int argc, char **argv)
{
  guint rounds = argc > 1 ? (guint) atoi (argv[1]) : 2000;
  g_autofree char *dir = g_dir_make_tmp ("pair-resume-cpu-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  HapStorage *storage = hap_storage_open (dir, &error);
  HapPairingContext ctx = { 0 };
  HapControllerIdentity identity = { CONTROLLER_ID };
  HapPairing *pairing = g_new0 (HapPairing, 1);
  g_autoptr(GArray) verify = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) resume = g_array_new (FALSE, FALSE, sizeof (gint64));
  HapResumeTicket ticket;
  g_autofree char *cmd = NULL;

  g_assert_no_error (error);
  hap_crypto_init ();
  crypto_sign_keypair (identity.ltpk, identity.ltsk);
  pairing->identifier = g_strdup (CONTROLLER_ID);
  memcpy (pairing->public_key, identity.ltpk, 32);
  pairing->admin = TRUE;
  g_ptr_array_add (storage->pairings, pairing);
  ctx.storage = storage;

  for (guint i = 0; i < rounds; i++)
    {
      HapPairingSession session = { .resumable = TRUE };
      g_autoptr(HapPairVerifyClient) client = hap_pair_verify_client_new (&identity, storage->public_key);
      g_autoptr(GByteArray) m1 = hap_pair_verify_client_start (client);
      g_autoptr(GByteArray) m2 = NULL, m3 = NULL, m4 = NULL;
      guint8 enc[32], dec[32];
      gint64 spent = 0;

      m2 = accessory (&ctx, &session, m1, &spent);
      m3 = hap_pair_verify_client_step (client, m2->data, m2->len, NULL, NULL);
      m4 = accessory (&ctx, &session, m3, &spent);
      g_assert (hap_pair_verify_client_finish (client, m4->data, m4->len, enc, dec, NULL, NULL));
      g_assert (hap_pair_verify_client_get_ticket (client, &ticket));
      g_array_append_val (verify, spent);
      hap_pairing_session_clear (&ctx, &session);

      {
        HapPairingSession resumed = { .resumable = TRUE };
        g_autoptr(HapPairVerifyClient) again = hap_pair_verify_client_new_resume (&identity, storage->public_key,
                                                                                  &ticket);
        g_autoptr(GByteArray) r1 = hap_pair_verify_client_start (again);
        g_autoptr(GByteArray) r2 = NULL;

        spent = 0;
        r2 = accessory (&ctx, &resumed, r1, &spent);
        g_assert (hap_pair_verify_client_step (again, r2->data, r2->len, NULL, NULL) == NULL);
        g_assert (hap_pair_verify_client_was_resumed (again));
        g_array_append_val (resume, spent);
        hap_pairing_session_clear (&ctx, &resumed);
      }
    }

  g_print ("{\"rounds\":%u,\"verify_us\":%.1f,\"resume_us\":%.1f,\"ratio\":%.2f}\n", rounds,
           median_us (verify), median_us (resume), median_us (verify) / median_us (resume));
  hap_pairing_context_clear_resumable (&ctx);
  hap_storage_free (storage);
  cmd = g_strdup_printf ("rm -rf '%s'", dir);
  return system (cmd) == 0 ? 0 : 1;
}
