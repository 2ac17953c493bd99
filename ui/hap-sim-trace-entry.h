/* hap-sim-trace-entry.h — one parsed line of an accessory's traffic trace
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

typedef enum
{
  HAP_SIM_TRACE_KIND_CONNECTED,
  HAP_SIM_TRACE_KIND_SECURED,
  HAP_SIM_TRACE_KIND_CLOSED,
  HAP_SIM_TRACE_KIND_REQUEST,
  HAP_SIM_TRACE_KIND_RESPONSE,
  HAP_SIM_TRACE_KIND_EVENT,
  HAP_SIM_TRACE_KIND_RAW,
  /* HAP over BLE only: */
  HAP_SIM_TRACE_KIND_INDICATION,     /* the zero-length indication of a change */
  HAP_SIM_TRACE_KIND_ADVERTISEMENT,  /* the advertisement changed (GSN, flags) or went off */
  HAP_SIM_TRACE_KIND_BROADCAST,      /* an encrypted broadcast notification */
} HapSimTraceKind;

/* The groups the traffic page filters by. */
typedef enum
{
  HAP_SIM_TRACE_GROUP_REQUESTS  = 1 << 0,
  HAP_SIM_TRACE_GROUP_RESPONSES = 1 << 1,   /* responses and raw bytes sent */
  HAP_SIM_TRACE_GROUP_EVENTS    = 1 << 2,   /* events, indications, broadcasts */
  HAP_SIM_TRACE_GROUP_SESSIONS  = 1 << 3,   /* connected, secured, closed; advertisements */
  HAP_SIM_TRACE_GROUP_ALL       = 0xf,
} HapSimTraceGroup;

#define HAP_SIM_TYPE_TRACE_ENTRY (hap_sim_trace_entry_get_type ())
G_DECLARE_FINAL_TYPE (HapSimTraceEntry, hap_sim_trace_entry, HAP_SIM, TRACE_ENTRY, GObject)

/* Parses @line (one JSON line of hap-sim-trace.h). @accessory (nullable) names the
 * characteristics the entry touches, so that searching "Brightness" finds them. */
HapSimTraceEntry *hap_sim_trace_entry_new            (const char       *line,
                                                      HapSimAccessory  *accessory,
                                                      GError          **error);
/* The line exactly as the trace produced it. */
const char       *hap_sim_trace_entry_get_line       (HapSimTraceEntry *self);
guint64           hap_sim_trace_entry_get_seq        (HapSimTraceEntry *self);
gboolean          hap_sim_trace_entry_get_session    (HapSimTraceEntry *self,
                                                      guint64          *session);
HapSimTraceKind   hap_sim_trace_entry_get_kind       (HapSimTraceEntry *self);
HapSimTraceGroup  hap_sim_trace_entry_get_group      (HapSimTraceEntry *self);
/* %HAP_TRANSPORT_BLE for entries of HAP over BLE ("transport":"ble"), else IP. */
HapTransportFlags hap_sim_trace_entry_get_transport  (HapSimTraceEntry *self);
/* "Request", "Response", "Event", "Connected", "Secured", "Closed", "Raw", and for BLE
 * "Indication", "Advertisement", "Broadcast". */
const char       *hap_sim_trace_entry_get_kind_label (HapSimTraceEntry *self);
/* A libadwaita style class for the kind label ("accent", "success", …), or NULL. */
const char       *hap_sim_trace_entry_get_style_class (HapSimTraceEntry *self);
/* Local time, "10:04:05.123". */
const char       *hap_sim_trace_entry_get_time_label (HapSimTraceEntry *self);
/* One line: "GET /characteristics?id=1.10", "200 OK · application/hap+json",
 * "EVENT · 1.10 = true", "Pair Setup M1 (State 1, Method 0)", and for BLE
 * "HAP-Characteristic-Write · TID 66 · IID 51 On · Value = true", … */
const char       *hap_sim_trace_entry_get_summary    (HapSimTraceEntry *self);
/* Whether the summary, body or names of the characteristics touched contain
 * @folded (already g_utf8_casefold()ed). */
gboolean          hap_sim_trace_entry_matches        (HapSimTraceEntry *self,
                                                      const char       *folded);
/* Everything about the entry for people: metadata, headers, and the body
 * pretty-printed or the TLV items one per line. */
char             *hap_sim_trace_entry_dup_detail     (HapSimTraceEntry *self);

G_END_DECLS
