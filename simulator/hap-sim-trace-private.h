/* hap-sim-trace-private.h — what the trace's other files need of hap-sim-trace.c
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "hap-sim-trace.h"

G_BEGIN_DECLS

typedef struct
{
  GArray *items;      /* HapSimTraceTlvItem */
  char   *error;      /* why the strict reader refused it (items are then raw) */
  gsize   body_len;
  gsize   size;       /* bytes accounted */
} HapSimTraceTlvBody;

/* One recorded entry: one allocation holding the strings and bytes, immutable once
 * pushed except for its link. Reference counted: a HapSimTraceEntry keeps it after
 * the ring dropped it. */
typedef struct
{
  GList               link;       /* in HapSimTrace.entries; link.data is the entry */
  gatomicrefcount     ref;
  guint64             seq;
  gint64              time;
  guint64             session;
  gboolean            has_session;
  HapSimTraceKind     kind;
  gboolean            truncated;
  gboolean            redacted;   /* a pairing body that could not even be located: nothing kept */
  const char         *peer;       /* these point into payload, or are NULL */
  const char         *controller;
  const char         *method;
  const char         *target;
  const char         *headers;    /* requests: n_headers × "name\0value\0" */
  guint               n_headers;
  /* Requests: the body. Messages: the whole message as sent, or for pairing messages
   * only its status line and headers. */
  const guint8       *data;
  gsize               data_len;
  gsize               full_len;   /* of the body (requests) or message (messages), untruncated */
  HapSimTraceTlvBody *tlv;        /* decoded pairing body, or NULL */
  const char         *members;    /* BLE entries: their JSON members after "kind", already redacted */
  gsize               size;       /* bytes accounted for this entry */
  guint8              payload[];
} HapSimTraceData;

HapSimTraceData *_hap_sim_trace_data_ref   (HapSimTraceData *data);
void             _hap_sim_trace_data_unref (HapSimTraceData *data);

typedef HapSimTraceData HapSimTraceDataRef;   /* for g_autoptr: unrefs */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSimTraceDataRef, _hap_sim_trace_data_unref)

/* hap-sim-trace-entry.c */
HapSimTraceEntry *_hap_sim_trace_entry_new (HapSimTraceData *data);

/* The split of a message's head ("PROTO/D.D NNN reason", "Name: value" lines, all
 * CRLF, a blank line): its length, or 0 (nothing set) when it does not split so. */
gsize  _hap_sim_trace_split_head  (const guint8 *data,
                                   gsize         len,
                                   guint        *status,
                                   GPtrArray    *headers);   /* name, value, name, … */
HapSimTraceBodyFormat _hap_sim_trace_body_format (const guint8 *data,
                                                  gsize         len,
                                                  gboolean      truncated);
/* The one JSON line of @data (hap-sim-trace.h), no newline. */
void   _hap_sim_trace_format      (const HapSimTraceData *data,
                                   GString               *out);

/* Appends an entry of @kind ("request", "advertisement"…) whose members after "kind" are @members (JSON text
 * starting with a comma, secrets already removed). @session 0: none. */
void _hap_sim_trace_push_members      (HapSimTrace     *trace,
                                       const char      *kind,
                                       guint64          session,
                                       const char      *peer,
                                       const char      *controller,
                                       const char      *members);
/* ,"tlv":[…] of a pairing TLV8 body, redacted exactly as on IP. */
void _hap_sim_trace_append_pairing_tlv (GString      *out,
                                        const guint8 *data,
                                        gsize         len);

G_END_DECLS
