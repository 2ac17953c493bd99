/* hap-sim-trace.h — a bounded trace of one accessory's traffic, after decryption
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Recording copies bytes into a ring bounded in entries and bytes; pairing bodies are
 * decoded and their secrets (keys, proofs, salts, signatures, encrypted data) replaced
 * by their lengths before anything is stored. Entries are formatted as JSON lines only
 * when somebody reads them, so tracing costs a copy per message otherwise.
 *
 * One JSON line per entry (keys in this order; absent when not applicable):
 *   {"seq":N,"time":"2026-11-22T10:00:00.123456Z","session":ID,"peer":"addr:port",
 *    "controller":"…","kind":"connected|secured|closed|request|response|event|raw",
 *    "method":"GET","path":"/characteristics","query":"id=1.9",
 *    "status":200,"headers":[["Content-Type","application/hap+json"],…],
 *    "body":<JSON value>|"tlv":[{"type":"State","value":2},
 *                                {"type":"PublicKey","redacted":true,"length":384},…]
 *    |"text":"…"|"base64":"…","length":BODY_BYTES,"truncated":true}
 *
 * - method, path and query: of the request, on requests and on the responses to them.
 * - status and headers: for responses, events and raw bytes, when the message splits
 *   cleanly into "PROTO/D.D NNN reason", "Name: value" lines and a blank line, all
 *   with CRLF. Otherwise (a quirk bent the framing) the whole message is the body, and
 *   length counts the whole message.
 * - body: a body that is exactly one strict JSON value (RFC 8259; not what json-glib
 *   alone would accept), copied without white space but otherwise as sent; text: other
 *   UTF-8 without NUL; base64: anything else. Messages and bodies are stored up to 64 KiB
 *   (or the trace's byte limit): a longer one is shown as text or base64 of its start
 *   with "truncated":true, and length is the full length.
 * - tlv: pairing bodies (/pair-setup, /pair-verify, /pairings, or Content-Type
 *   application/pairing+tlv8), decoded when recorded; the body bytes are never kept.
 *   Items: {"type":NAME or "0xNN"} plus "value" (a number for Method, State, Error,
 *   RetryDelay, Permissions and Flags of 1–8 bytes; a string for an Identifier), or
 *   "hex" (an unknown type of at most 8 bytes, or a non-UTF-8 Identifier), or
 *   "redacted":true and "length" (Salt, PublicKey, Proof, EncryptedData, Certificate,
 *   Signature, FragmentData, FragmentLast, SessionID, and anything else longer than
 *   8 bytes). Fragments are merged; a body the strict TLV8 reader refuses is listed
 *   item by item with "tlv-error":"why" after the list. A pairing message whose head
 *   does not split shows it as "head":"…" before the list; one without a blank line
 *   at all keeps nothing but {"redacted":true,"length":MESSAGE_BYTES}.
 *
 * HAP over BLE (hap-sim-trace-ble.c) adds "transport":"ble" right after "kind" (IP entries
 * have no "transport"); "session" is the link's id and "peer" the central's address:
 *   connected|secured|closed: nothing more.
 *   request:  "opcode":"Characteristic-Write" (or "0xNN"),"tid":N,"iid":N,
 *             "characteristic":"On" (catalog name, PairSetup…, or the type UUID),
 *             "params":[{"type":"Value","value":<in the characteristic's format>},
 *                       {"type":"ReturnResponse","value":1},…],"length":BODY_BYTES
 *   response: the same head, "response-tid":N when it differs from the request's,
 *             "status":N,"status-name":"Success", "params" and "length" when there is
 *             a body, "unfragmented":true when it went out as one fragment.
 *   Params: "value" (the characteristic's format for Value; small integers), "hex"
 *   (other bytes, or a Value that does not decode, with "value-error"), "tlv" (the
 *   Value of PairSetup, PairVerify, PairingPairings: redacted as on IP), or
 *   "redacted":true and "length" (the broadcast encryption key). A body that is not
 *   TLV8 is "hex" with "params-error" (never shown for pairing characteristics).
 *   indication: "iid":N,"characteristic":"…" — the zero-length indication (§5.4).
 *   advertisement: "gsn":N, then "fields":{"sf","device-id","acid","gsn","cn","cv",
 *             "setup-hash"} or "error":"why" (a quirk bent it), "hex", "length"; or
 *             "withdrawn":true (no longer advertising).
 *   broadcast: "gsn":N,"iid":N,"characteristic":"…","advertising-id":"…","hex",
 *             "length" ("injected":true when made by a quirk; then no iid).
 *
 * The entries are objects too (HapSimTraceEntry, hap-sim-trace-entry.h): typed fields
 * for the app, and the line above made from the same data by one serializer
 * (hap_sim_trace_entry_to_json) for the control API. HapSimTraceModel
 * (hap-sim-trace-model.h) lists them for a main loop.
 *
 * Every function may be called from any thread (one mutex); listeners are called on
 * the recording thread, outside the lock.
 */
#pragma once

#include <glib.h>

#include <libhap-glib/hap-inspection.h>

#include "hap-sim-trace-entry.h"

G_BEGIN_DECLS

typedef struct _HapSimTrace HapSimTrace;

/* @entry: the new entry, or NULL when the trace was cleared. @first_seq: the seq of the
 * oldest entry still kept after this change (entries before it were dropped). */
typedef void (*HapSimTraceListener) (HapSimTraceEntry *entry,
                                     guint64           first_seq,
                                     gpointer          user_data);

#define HAP_SIM_TRACE_DEFAULT_ENTRIES 2000
#define HAP_SIM_TRACE_DEFAULT_BYTES   (4 * 1024 * 1024)

HapSimTrace *hap_sim_trace_new            (guint                max_entries,
                                           gsize                max_bytes);
void         hap_sim_trace_free           (HapSimTrace         *trace);
/* kind: "connected", "secured" or "closed". */
void         hap_sim_trace_record_session (HapSimTrace         *trace,
                                           HapConnection       *conn,
                                           const char          *kind);
void         hap_sim_trace_record_request (HapSimTrace         *trace,
                                           HapConnection       *conn,
                                           HapHttpMessage      *request);
/* The whole plaintext message as sent (after quirks). @request: what it answers, or NULL. */
void         hap_sim_trace_record_message (HapSimTrace         *trace,
                                           HapConnection       *conn,
                                           HapMessageKind       kind,
                                           HapHttpMessage      *request,
                                           const guint8        *data,
                                           gsize                len);
/* HAP over BLE. kind: "connected", "secured" or "closed". */
void         hap_sim_trace_record_ble_link       (HapSimTrace                   *trace,
                                                  HapBleConnection              *connection,
                                                  const char                    *kind);
void         hap_sim_trace_record_ble_request    (HapSimTrace                   *trace,
                                                  HapBleConnection              *connection,
                                                  const HapBleRequestInfo       *request);
/* The response as it goes out (after quirks). */
void         hap_sim_trace_record_ble_response   (HapSimTrace                   *trace,
                                                  HapBleConnection              *connection,
                                                  const HapBleRequestInfo       *request,
                                                  const HapBleResponseInfo      *response);
void         hap_sim_trace_record_ble_indication (HapSimTrace                   *trace,
                                                  HapBleConnection              *connection,
                                                  HapCharacteristic             *characteristic);
/* The manufacturer data as advertised (after quirks); empty: withdrawn. */
void         hap_sim_trace_record_ble_advertisement (HapSimTrace                *trace,
                                                  const HapBleAdvertisementInfo *info,
                                                  const guint8                  *data,
                                                  gsize                          len);
/* JSON lines (char *, no newline) of the entries with seq > @since, oldest first, at
 * most @max of them (0: all). */
GPtrArray   *hap_sim_trace_dup_lines      (HapSimTrace         *trace,
                                           guint64              since,
                                           guint                max);
/* The entries with seq > @since, oldest first, as HapSimTraceEntry objects. */
GPtrArray   *hap_sim_trace_dup_entries    (HapSimTrace         *trace,
                                           guint64              since);
guint64      hap_sim_trace_get_last_seq   (HapSimTrace         *trace);
guint        hap_sim_trace_get_n_entries  (HapSimTrace         *trace);
void         hap_sim_trace_clear          (HapSimTrace         *trace);
/* @listener is called with each new entry, and on clear, until removed; any number of
 * them. */
guint        hap_sim_trace_add_listener   (HapSimTrace         *trace,
                                           HapSimTraceListener  listener,
                                           gpointer             user_data);
void         hap_sim_trace_remove_listener (HapSimTrace        *trace,
                                            guint               id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSimTrace, hap_sim_trace_free)

G_END_DECLS
