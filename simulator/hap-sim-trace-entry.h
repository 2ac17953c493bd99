/* hap-sim-trace-entry.h — one entry of an accessory's traffic trace, as an object
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include <libhap-glib/hap-inspection.h>

G_BEGIN_DECLS

/**
 * HapSimTraceKind:
 * @HAP_SIM_TRACE_KIND_CONNECTED: a controller connected (a BLE central: linked)
 * @HAP_SIM_TRACE_KIND_SECURED: Pair Verify completed
 * @HAP_SIM_TRACE_KIND_CLOSED: the connection closed
 * @HAP_SIM_TRACE_KIND_REQUEST: a request, decrypted
 * @HAP_SIM_TRACE_KIND_RESPONSE: a response as sent, after quirks
 * @HAP_SIM_TRACE_KIND_EVENT: an event as sent
 * @HAP_SIM_TRACE_KIND_RAW: bytes a quirk sent outside any response
 * @HAP_SIM_TRACE_KIND_INDICATION: BLE: the zero-length indication of a change
 * @HAP_SIM_TRACE_KIND_ADVERTISEMENT: BLE: the advertisement changed or went off
 * @HAP_SIM_TRACE_KIND_BROADCAST: BLE: an encrypted broadcast notification
 *
 * What an entry records; the order is that of the trace's "kind" names.
 */
typedef enum
{
  HAP_SIM_TRACE_KIND_CONNECTED,
  HAP_SIM_TRACE_KIND_SECURED,
  HAP_SIM_TRACE_KIND_CLOSED,
  HAP_SIM_TRACE_KIND_REQUEST,
  HAP_SIM_TRACE_KIND_RESPONSE,
  HAP_SIM_TRACE_KIND_EVENT,
  HAP_SIM_TRACE_KIND_RAW,
  HAP_SIM_TRACE_KIND_INDICATION,
  HAP_SIM_TRACE_KIND_ADVERTISEMENT,
  HAP_SIM_TRACE_KIND_BROADCAST,
} HapSimTraceKind;

/**
 * HapSimTraceBodyFormat:
 * @HAP_SIM_TRACE_BODY_NONE: no body bytes are kept (none sent, or a pairing body,
 *   kept only as its TLV items)
 * @HAP_SIM_TRACE_BODY_JSON: exactly one strict JSON value (RFC 8259)
 * @HAP_SIM_TRACE_BODY_TEXT: other UTF-8 without NUL
 * @HAP_SIM_TRACE_BODY_BINARY: anything else
 *
 * How the kept body reads (its "body", "text" or "base64" in the JSON line).
 */
typedef enum
{
  HAP_SIM_TRACE_BODY_NONE,
  HAP_SIM_TRACE_BODY_JSON,
  HAP_SIM_TRACE_BODY_TEXT,
  HAP_SIM_TRACE_BODY_BINARY,
} HapSimTraceBodyFormat;

/**
 * HapSimTraceTlvShow:
 * @HAP_SIM_TRACE_TLV_NONE: the item has no value (a Separator, or empty)
 * @HAP_SIM_TRACE_TLV_NUMBER: a little-endian integer, in @number
 * @HAP_SIM_TRACE_TLV_STRING: UTF-8 text (an Identifier), in @text
 * @HAP_SIM_TRACE_TLV_HEX: short bytes of an unknown type or a non-UTF-8 Identifier,
 *   as hex in @text
 * @HAP_SIM_TRACE_TLV_REDACTED: a secret: only its length is kept
 *
 * What was kept of a pairing TLV item.
 */
typedef enum
{
  HAP_SIM_TRACE_TLV_NONE,
  HAP_SIM_TRACE_TLV_NUMBER,
  HAP_SIM_TRACE_TLV_STRING,
  HAP_SIM_TRACE_TLV_HEX,
  HAP_SIM_TRACE_TLV_REDACTED,
} HapSimTraceTlvShow;

/**
 * HapSimTraceTlvItem:
 * @type: the TLV type
 * @show: what of the value was kept
 * @length: the value's length in bytes (fragments merged)
 * @number: the value of a %HAP_SIM_TRACE_TLV_NUMBER item
 * @text: the value of a %HAP_SIM_TRACE_TLV_STRING or %HAP_SIM_TRACE_TLV_HEX item
 *
 * One item of a pairing TLV8 body, redacted when it was recorded.
 */
typedef struct
{
  guint8              type;
  HapSimTraceTlvShow  show;
  gsize               length;
  guint64             number;
  char               *text;
} HapSimTraceTlvItem;

#define HAP_SIM_TYPE_TRACE_ENTRY (hap_sim_trace_entry_get_type ())
G_DECLARE_FINAL_TYPE (HapSimTraceEntry, hap_sim_trace_entry, HAP_SIM, TRACE_ENTRY, GObject)

guint64                   hap_sim_trace_entry_get_seq          (HapSimTraceEntry *self);
gint64                    hap_sim_trace_entry_get_time         (HapSimTraceEntry *self);
gboolean                  hap_sim_trace_entry_get_session      (HapSimTraceEntry *self,
                                                                guint64          *session);
const char               *hap_sim_trace_entry_get_peer         (HapSimTraceEntry *self);
const char               *hap_sim_trace_entry_get_controller   (HapSimTraceEntry *self);
HapSimTraceKind           hap_sim_trace_entry_get_kind         (HapSimTraceEntry *self);
const char               *hap_sim_trace_entry_get_kind_name    (HapSimTraceEntry *self);
HapTransportFlags         hap_sim_trace_entry_get_transport    (HapSimTraceEntry *self);
const char               *hap_sim_trace_entry_get_method       (HapSimTraceEntry *self);
const char               *hap_sim_trace_entry_get_path         (HapSimTraceEntry *self);
const char               *hap_sim_trace_entry_get_query        (HapSimTraceEntry *self);
int                       hap_sim_trace_entry_get_status       (HapSimTraceEntry *self);
guint                     hap_sim_trace_entry_get_n_headers    (HapSimTraceEntry *self);
const char               *hap_sim_trace_entry_get_header_name  (HapSimTraceEntry *self,
                                                                guint             index);
const char               *hap_sim_trace_entry_get_header_value (HapSimTraceEntry *self,
                                                                guint             index);
const char               *hap_sim_trace_entry_lookup_header    (HapSimTraceEntry *self,
                                                                const char       *name);
HapSimTraceBodyFormat     hap_sim_trace_entry_get_body_format  (HapSimTraceEntry *self);
const guint8             *hap_sim_trace_entry_get_body         (HapSimTraceEntry *self,
                                                                gsize            *len);
gboolean                  hap_sim_trace_entry_get_length       (HapSimTraceEntry *self,
                                                                gsize            *length);
gboolean                  hap_sim_trace_entry_get_truncated    (HapSimTraceEntry *self);
gboolean                  hap_sim_trace_entry_get_redacted     (HapSimTraceEntry *self);
const char               *hap_sim_trace_entry_get_head         (HapSimTraceEntry *self);
gboolean                  hap_sim_trace_entry_has_tlv          (HapSimTraceEntry *self);
guint                     hap_sim_trace_entry_get_n_tlv_items  (HapSimTraceEntry *self);
const HapSimTraceTlvItem *hap_sim_trace_entry_get_tlv_item     (HapSimTraceEntry *self,
                                                                guint             index);
const char               *hap_sim_trace_entry_get_tlv_error    (HapSimTraceEntry *self);
const char               *hap_sim_trace_tlv_type_name          (guint8            type);
JsonObject               *hap_sim_trace_entry_get_ble_pdu      (HapSimTraceEntry *self);
char                     *hap_sim_trace_entry_to_json          (HapSimTraceEntry *self);

G_END_DECLS
