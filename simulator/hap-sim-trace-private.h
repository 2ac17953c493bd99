/* hap-sim-trace-private.h — what hap-sim-trace-ble.c needs of hap-sim-trace.c
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hap-sim-trace.h"

G_BEGIN_DECLS

/* Appends an entry of @kind ("connected", "request", "advertisement"…) whose members
 * after "kind" are @members (JSON text starting with a comma, secrets already
 * removed). @session 0: none. */
void _hap_sim_trace_push_members      (HapSimTrace  *trace,
                                       const char   *kind,
                                       guint64       session,
                                       const char   *peer,
                                       const char   *controller,
                                       const char   *members);
/* ,"tlv":[…] of a pairing TLV8 body, redacted exactly as on IP. */
void _hap_sim_trace_append_pairing_tlv (GString      *out,
                                        const guint8 *data,
                                        gsize         len);

G_END_DECLS
