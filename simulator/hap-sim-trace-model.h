/* hap-sim-trace-model.h — an accessory's trace as a list model, for a main loop
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hap-sim-trace.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_TRACE_MODEL (hap_sim_trace_model_get_type ())
G_DECLARE_FINAL_TYPE (HapSimTraceModel, hap_sim_trace_model, HAP_SIM, TRACE_MODEL, GObject)

HapSimTraceModel *hap_sim_trace_model_new    (HapSimTrace      *trace);
void              hap_sim_trace_model_detach (HapSimTraceModel *self);

G_END_DECLS
