/* hap-simulator-app.c — the desktop app's executable; `hap-simulator` without --headless
 * runs it (ui/hap-sim-application.c does the work)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-application.h"
#include "i18n/hap-i18n.h"

int
main (int argc, char **argv)
{
  hap_i18n_init ();
  return hap_sim_application_run (argc, argv);
}
