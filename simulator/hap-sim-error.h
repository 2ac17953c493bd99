/* hap-sim-error.h — the simulator's error domain (mapped to D-Bus error names)
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HAP_SIM_ERROR (hap_sim_error_quark ())

typedef enum
{
  HAP_SIM_ERROR_FAILED,            /* io.github.hapsim.Simulator1.Error.Failed */
  HAP_SIM_ERROR_NOT_FOUND,         /* …NotFound: no such accessory, characteristic, quirk, pairing */
  HAP_SIM_ERROR_INVALID_ARGUMENT,  /* …InvalidArgument: a bad value or parameter */
  HAP_SIM_ERROR_BAD_STATE,         /* …BadState: e.g. the accessory is stopped */
} HapSimError;

GQuark hap_sim_error_quark (void);

G_END_DECLS
