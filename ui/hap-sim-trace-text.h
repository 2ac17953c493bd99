/* hap-sim-trace-text.h — the words the Traffic page shows for a trace entry
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

/* The groups the traffic page filters by. */
typedef enum
{
  HAP_SIM_TRACE_GROUP_REQUESTS  = 1 << 0,
  HAP_SIM_TRACE_GROUP_RESPONSES = 1 << 1,   /* responses and raw bytes sent */
  HAP_SIM_TRACE_GROUP_EVENTS    = 1 << 2,   /* events, indications, broadcasts */
  HAP_SIM_TRACE_GROUP_SESSIONS  = 1 << 3,   /* connected, secured, closed; advertisements */
  HAP_SIM_TRACE_GROUP_ALL       = 0xf,
} HapSimTraceGroup;

/* The texts are made on first use and kept with the entry (they are the same each
 * time), on the main thread only. */
HapSimTraceGroup  hap_sim_trace_text_get_group       (HapSimTraceEntry *entry);
/* "Request", "Response", "Event", "Connected", "Secured", "Closed", "Raw", and for BLE
 * "Indication", "Advertisement", "Broadcast". */
const char       *hap_sim_trace_text_get_kind_label  (HapSimTraceEntry *entry);
/* A libadwaita style class for the kind label ("accent", "success", …), or NULL. */
const char       *hap_sim_trace_text_get_style_class (HapSimTraceEntry *entry);
/* Local time, "10:04:05.123". */
const char       *hap_sim_trace_text_get_time_label  (HapSimTraceEntry *entry);
/* One line: "GET /characteristics?id=1.10", "200 OK · application/hap+json",
 * "EVENT · 1.10 = true", "Pair Setup M1 (State 1, Method 0)", and for BLE
 * "HAP-Characteristic-Write · TID 66 · IID 51 On · Value = true", … */
const char       *hap_sim_trace_text_get_summary     (HapSimTraceEntry *entry);
/* Whether the summary, body or names of the characteristics touched contain
 * @folded (already g_utf8_casefold()ed; NULL matches all). @accessory (nullable) names
 * the characteristics, so that searching "Brightness" finds them. */
gboolean          hap_sim_trace_text_matches         (HapSimTraceEntry *entry,
                                                      HapSimAccessory  *accessory,
                                                      const char       *folded);
/* Everything about the entry for people: metadata, headers, and the body
 * pretty-printed or the TLV items one per line. */
char             *hap_sim_trace_text_dup_detail      (HapSimTraceEntry *entry);

G_END_DECLS
