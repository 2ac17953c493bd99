/* first-m1.c — the first Pair Setup M1→M2 of a fresh accessory, with a stored setup code
 * (the verifier is computed then) and provisioned (the stored verifier is used)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each round starts a new server on a new state directory, connects, and times one
 * POST /pair-setup M1 round trip on the client's monotonic clock (the TCP connect is not
 * timed). Prints one JSON object with the medians of N rounds per mode (default 25).
 *
 *   first-m1 [N]
 */
#include <stdlib.h>
#include <string.h>

#include "hap-test-client.h"

static const char *LAMP =
  "{\"accessories\":[{\"name\":\"Bench Lamp\",\"category\":\"LIGHTBULB\",\"services\":["
  "{\"type\":\"Lightbulb\",\"characteristics\":[{\"type\":\"On\",\"value\":false}]}]}]}";

/* Method 0 (Pair Setup), State 1 (docs/protocol.md §2.2). */
static const char M1[] = { 0x00, 0x01, 0x00, 0x06, 0x01, 0x01 };

static int
compare (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

static double
first_m1_ms (gboolean provisioned)
{
  g_autofree char *dir = g_dir_make_tmp ("hap-bench-m1-XXXXXX", NULL);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(HapTestClient) client = hap_test_client_new ("BENCH");
  g_autoptr(HapHttpMessage) reply = NULL;
  HapTestServer *server;
  gint64 start, end;

  if (provisioned)
    g_assert_true (hap_provision_state_dir (dir, HAP_TEST_SETUP_CODE, "BNCH", HAP_PROVISION_FLAGS_NONE, NULL, NULL));
  server = hap_test_server_start_with_code (NULL, LAMP, dir, provisioned ? NULL : HAP_TEST_SETUP_CODE);
  hap_test_client_connect (client, hap_test_server_get_port (server));
  start = g_get_monotonic_time ();
  reply = hap_test_client_request (client, "POST", "/pair-setup", "application/pairing+tlv8", M1, sizeof M1);
  end = g_get_monotonic_time ();
  g_assert_nonnull (reply);
  g_assert_cmpuint (reply->status, ==, 200);
  hap_test_client_disconnect (client);
  hap_test_server_stop (server);
  g_assert_cmpint (system (cmd), ==, 0);
  return (end - start) / 1000.0;
}

int
main (int argc, char *argv[])
{
  int rounds = argc > 1 ? atoi (argv[1]) : 25;
  g_autofree gint64 *stored = g_new (gint64, MAX (rounds, 1));
  g_autofree gint64 *provisioned = g_new (gint64, MAX (rounds, 1));

  if (rounds < 1)
    return 2;
  /* Alternate the modes so that drift in the machine's load hits both alike. */
  for (int i = 0; i < rounds; i++)
    {
      stored[i] = (gint64) (first_m1_ms (FALSE) * 1000);
      provisioned[i] = (gint64) (first_m1_ms (TRUE) * 1000);
    }
  qsort (stored, rounds, sizeof *stored, compare);
  qsort (provisioned, rounds, sizeof *provisioned, compare);
  g_print ("{\"rounds\": %d, \"first_m1_ms_stored_code\": %.3f, \"first_m1_ms_provisioned\": %.3f}\n",
           rounds, stored[rounds / 2] / 1000.0, provisioned[rounds / 2] / 1000.0);
  return 0;
}
