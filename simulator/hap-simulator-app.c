/* hap-simulator-app.c — the desktop app's executable; `hap-simulator` without --headless
 * runs it (ui/hap-sim-application.c does the work)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-application.h"

int
main (int argc, char **argv)
{
  return hap_sim_application_run (argc, argv);
}
