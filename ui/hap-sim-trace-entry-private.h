/* hap-sim-trace-entry-private.h — what the IP and BLE halves of the trace entry share
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hap-sim-trace-entry.h"

G_BEGIN_DECLS

/* Members of a trace line's object, NULL/FALSE when absent or of another type. */
const char *_hap_sim_trace_get_string             (JsonObject *object,
                                                   const char *name);
gboolean    _hap_sim_trace_get_int                (JsonObject *object,
                                                   const char *name,
                                                   gint64     *out);
JsonArray  *_hap_sim_trace_get_array              (JsonObject *object,
                                                   const char *name);
/* The numeric value of the first TLV item of @type. */
gboolean    _hap_sim_trace_find_tlv_number        (JsonArray  *tlv,
                                                   const char *type,
                                                   gint64     *out);
/* "Pair Setup M1 (State 1, Method 0)" for a pairing @path and its TLV items. */
void        _hap_sim_trace_append_pairing_summary (GString    *out,
                                                   const char *path,
                                                   JsonArray  *tlv);
/* One TLV item per line: "State: 3", "PublicKey: redacted (384 bytes)". */
void        _hap_sim_trace_append_tlv_item        (GString    *out,
                                                   JsonObject *item);

/* hap-sim-trace-entry-ble.c: the BLE entries (hap-sim-trace.h). */
gboolean    _hap_sim_trace_ble_failed             (JsonObject      *o,
                                                   HapSimTraceKind  kind);
void        _hap_sim_trace_ble_summary            (JsonObject      *o,
                                                   HapSimTraceKind  kind,
                                                   GString         *out);
/* The searched text beyond the summary: the params and fields as JSON. */
void        _hap_sim_trace_ble_haystack           (JsonObject      *o,
                                                   GString         *out);
/* The detail after the head: PDU, params one per line, advertisement fields, bytes. */
void        _hap_sim_trace_ble_detail             (JsonObject      *o,
                                                   HapSimTraceKind  kind,
                                                   GString         *out);

G_END_DECLS
