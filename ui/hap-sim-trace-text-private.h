/* hap-sim-trace-text-private.h — what the IP and BLE halves of the trace texts share
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "hap-sim-trace-text.h"

G_BEGIN_DECLS

/* Members of a BLE PDU object, NULL/FALSE when absent or of another type. */
const char *_hap_sim_trace_get_string             (JsonObject *object,
                                                   const char *name);
gboolean    _hap_sim_trace_get_int                (JsonObject *object,
                                                   const char *name,
                                                   gint64     *out);
JsonArray  *_hap_sim_trace_get_array              (JsonObject *object,
                                                   const char *name);
/* The numeric value of the first TLV item named @type of a BLE pairing value. */
gboolean    _hap_sim_trace_find_json_tlv_number   (JsonArray  *tlv,
                                                   const char *type,
                                                   gint64     *out);
/* "Pair Setup" … for a pairing @path, then " M1 (State 1, Method 0)" from the numbers
 * (-1: absent). */
void        _hap_sim_trace_append_pairing_summary (GString    *out,
                                                   const char *path,
                                                   gint64      state,
                                                   gint64      method,
                                                   gint64      error);
/* One TLV item per line: "State: 3", "PublicKey: redacted (384 bytes)". @number: with
 * @has_number; @text: a string value; @hex: bytes in hex; @redacted with @length. */
void        _hap_sim_trace_append_tlv_line        (GString    *out,
                                                   const char *type,
                                                   gboolean    has_number,
                                                   gint64      number,
                                                   const char *text,
                                                   const char *hex,
                                                   gboolean    redacted,
                                                   gint64      length);

/* hap-sim-trace-text-ble.c: the BLE entries (hap-sim-trace.h), from their PDU object. */
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
