/* hap-test-pair.c — pairs and unpairs from scripts (the discovery tests)
 *   hap-test-pair pair PORT SETUP-CODE CONTROLLER-FILE
 *   hap-test-pair unpair PORT CONTROLLER-FILE
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>

#include "hap-test-client.h"

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int err;

  if (argc == 5 && g_str_equal (argv[1], "pair"))
    {
      g_autoptr(HapTestClient) c = hap_test_client_new ("5C3A1F0E-0000-4000-8000-00000000D15C");
      hap_test_client_connect (c, (guint16) atoi (argv[2]));
      err = hap_test_client_pair_setup (c, argv[3], 0);
      if (err != 0)
        {
          g_printerr ("pair-setup failed: %d\n", err);
          return 1;
        }
      if (!hap_test_client_save (c, argv[4], &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      return 0;
    }
  if (argc == 4 && g_str_equal (argv[1], "unpair"))
    {
      g_autoptr(HapTestClient) c = hap_test_client_load (argv[3], &error);
      if (c == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      hap_test_client_connect (c, (guint16) atoi (argv[2]));
      if ((err = hap_test_client_pair_verify (c)) != 0 ||
          (err = hap_test_client_remove_pairing (c, hap_test_client_get_id (c))) != 0)
        {
          g_printerr ("unpair failed: %d\n", err);
          return 1;
        }
      return 0;
    }
  g_printerr ("usage: hap-test-pair pair PORT CODE FILE | unpair PORT FILE\n");
  return 2;
}
