/* hap-sim-trace.c — a bounded trace of one accessory's traffic, after decryption
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Recording is on the hot path of every request, so it does as little as it can: one
 * allocation holding the entry and a copy of its strings and bytes, a clock read, a
 * mutex, and dropping the oldest entries past the bounds. Nothing is parsed or
 * formatted unless somebody reads the trace (hap_sim_trace_dup_lines) or listens to it.
 *
 * The exception is pairing traffic (/pair-setup, /pair-verify, /pairings): its TLV8
 * bodies carry SRP salts, public keys, proofs, signatures and encrypted sub-TLVs, which
 * must never sit in memory longer than needed nor reach a trace reader. Those bodies are
 * decoded when they are recorded, every secret item is replaced by its length, and the
 * body bytes themselves are never copied (the TLV reader's own copy is wiped).
 */
#include "hap-sim-trace.h"
#include "hap-sim-trace-private.h"

#include <string.h>
#include <time.h>

#include <sodium.h>


/* A single message or body is stored up to this many bytes ("truncated" beyond): a
 * camera snapshot must not push a whole session out of the ring. */
#define MAX_STORED_BYTES (64 * 1024)

/* Bodies nested deeper than this are shown as text rather than as a JSON value. */
#define MAX_JSON_DEPTH 64

/* A TLV item of a type we do not know is shown when it is at most this long (an
 * integer, by every type HAP defines so far); longer ones might be anything. */
#define MAX_SHOWN_UNKNOWN_TLV 8

static const char * const kind_names[] = {
  [HAP_SIM_TRACE_KIND_CONNECTED] = "connected",
  [HAP_SIM_TRACE_KIND_SECURED]   = "secured",
  [HAP_SIM_TRACE_KIND_CLOSED]    = "closed",
  [HAP_SIM_TRACE_KIND_REQUEST]   = "request",
  [HAP_SIM_TRACE_KIND_RESPONSE]  = "response",
  [HAP_SIM_TRACE_KIND_EVENT]     = "event",
  [HAP_SIM_TRACE_KIND_RAW]       = "raw",
  [HAP_SIM_TRACE_KIND_INDICATION]    = "indication",
  [HAP_SIM_TRACE_KIND_ADVERTISEMENT] = "advertisement",
  [HAP_SIM_TRACE_KIND_BROADCAST]     = "broadcast",
};

typedef HapSimTraceTlvItem TlvItem;
typedef HapSimTraceTlvBody TlvBody;
typedef HapSimTraceData    Entry;

struct _HapSimTrace
{
  GMutex               lock;
  GQueue               entries;   /* Entry, oldest first (links embedded in the entries) */
  guint                max_entries;
  gsize                max_bytes;
  gsize                bytes;
  guint64              last_seq;
  GArray              *listeners;  /* Listener */
  guint                next_listener_id;
};

typedef struct
{
  guint               id;
  HapSimTraceListener func;
  gpointer            data;
} Listener;

/* ---- TLV8 bodies of pairing messages ---------------------------------------------- */

/**
 * hap_sim_trace_tlv_type_name:
 * @type: a pairing TLV type
 *
 * Returns: (nullable): its name in the trace ("State", "PublicKey"…), or %NULL for a
 *   type HAP does not define
 */
const char *
hap_sim_trace_tlv_type_name (guint8 type)
{
  switch (type)
    {
    case HAP_TLV_METHOD:         return "Method";
    case HAP_TLV_IDENTIFIER:     return "Identifier";
    case HAP_TLV_SALT:           return "Salt";
    case HAP_TLV_PUBLIC_KEY:     return "PublicKey";
    case HAP_TLV_PROOF:          return "Proof";
    case HAP_TLV_ENCRYPTED_DATA: return "EncryptedData";
    case HAP_TLV_STATE:          return "State";
    case HAP_TLV_ERROR:          return "Error";
    case HAP_TLV_RETRY_DELAY:    return "RetryDelay";
    case HAP_TLV_CERTIFICATE:    return "Certificate";
    case HAP_TLV_SIGNATURE:      return "Signature";
    case HAP_TLV_PERMISSIONS:    return "Permissions";
    case HAP_TLV_FRAGMENT_DATA:  return "FragmentData";
    case HAP_TLV_FRAGMENT_LAST:  return "FragmentLast";
    case HAP_TLV_SESSION_ID:     return "SessionID";
    case HAP_TLV_FLAGS:          return "Flags";
    case HAP_TLV_SEPARATOR:      return "Separator";
    default:                     return NULL;
    }
}

static void
tlv_item_clear (gpointer data)
{
  TlvItem *item = data;

  g_free (item->text);
}

static void
tlv_body_free (TlvBody *body)
{
  if (body == NULL)
    return;
  g_array_unref (body->items);
  g_free (body->error);
  g_free (body);
}

/* Decides what of one item may be kept (docs/protocol.md §1.2). Salt, PublicKey, Proof,
 * EncryptedData, Certificate and Signature are key material or ciphertext; FragmentData
 * and FragmentLast wrap pieces of such bodies and SessionID resumes a session (BLE), so
 * they go too. The integers (Method, State, Error, RetryDelay, Permissions, Flags) and
 * the pairing Identifier are what a reader needs to follow the exchange. An unknown type
 * is kept only when it is short enough to be an integer. */
static void
tlv_add_item (TlvBody      *body,
              guint8        type,
              const guint8 *value,
              gsize         len)
{
  TlvItem item = { .type = type, .length = len };

  switch (type)
    {
    case HAP_TLV_METHOD:
    case HAP_TLV_STATE:
    case HAP_TLV_ERROR:
    case HAP_TLV_RETRY_DELAY:
    case HAP_TLV_PERMISSIONS:
    case HAP_TLV_FLAGS:
      if (len == 0)
        item.show = HAP_SIM_TRACE_TLV_NONE;
      else if (len <= 8)
        {
          item.show = HAP_SIM_TRACE_TLV_NUMBER;
          for (gsize i = len; i > 0; i--)
            item.number = (item.number << 8) | value[i - 1];
        }
      else
        item.show = HAP_SIM_TRACE_TLV_REDACTED;
      break;

    case HAP_TLV_IDENTIFIER:
      if (len == 0)
        item.show = HAP_SIM_TRACE_TLV_NONE;
      else if (g_utf8_validate_len ((const char *) value, len, NULL))
        {
          item.show = HAP_SIM_TRACE_TLV_STRING;
          item.text = g_strndup ((const char *) value, len);
        }
      else
        {
          item.show = HAP_SIM_TRACE_TLV_HEX;
          item.text = sodium_bin2hex (g_malloc (len * 2 + 1), len * 2 + 1, value, len);
        }
      break;

    case HAP_TLV_SEPARATOR:
      item.show = len == 0 ? HAP_SIM_TRACE_TLV_NONE : HAP_SIM_TRACE_TLV_REDACTED;
      break;

    case HAP_TLV_SALT:
    case HAP_TLV_PUBLIC_KEY:
    case HAP_TLV_PROOF:
    case HAP_TLV_ENCRYPTED_DATA:
    case HAP_TLV_CERTIFICATE:
    case HAP_TLV_SIGNATURE:
    case HAP_TLV_FRAGMENT_DATA:
    case HAP_TLV_FRAGMENT_LAST:
    case HAP_TLV_SESSION_ID:
      item.show = HAP_SIM_TRACE_TLV_REDACTED;
      break;

    default:
      if (len == 0)
        item.show = HAP_SIM_TRACE_TLV_NONE;
      else if (len <= MAX_SHOWN_UNKNOWN_TLV)
        {
          item.show = HAP_SIM_TRACE_TLV_HEX;
          item.text = sodium_bin2hex (g_malloc (len * 2 + 1), len * 2 + 1, value, len);
        }
      else
        item.show = HAP_SIM_TRACE_TLV_REDACTED;
      break;
    }

  body->size += sizeof item + (item.text != NULL ? strlen (item.text) + 1 : 0);
  g_array_append_val (body->items, item);
}

/* Decodes a pairing body. The strict reader (hap-tlv8.c) merges fragments; when it
 * refuses the body — the TLV quirks make such bodies on purpose (simulator/QUIRKS.md
 * rows #21, #26, #41) — the raw items are listed one by one instead, so the trace still
 * shows what was sent, with the same redaction. */
static TlvBody *
tlv_body_decode (const guint8 *data,
                 gsize         len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  TlvBody *body = g_new0 (TlvBody, 1);

  body->items = g_array_new (FALSE, FALSE, sizeof (TlvItem));
  g_array_set_clear_func (body->items, tlv_item_clear);
  body->body_len = len;
  body->size = sizeof *body;

  tlv = hap_tlv8_parse (data, len, &error);
  if (tlv != NULL)
    {
      guint n = hap_tlv8_get_n_items (tlv);

      for (guint i = 0; i < n; i++)
        {
          const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

          tlv_add_item (body, item->type, item->value, item->len);
        }
      /* The reader copied every value (merging fragments); its copy holds the secrets,
       * and hap_tlv8_free() does not clear it. */
      for (guint i = 0; i < n; i++)
        {
          const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

          if (item->len > 0)
            sodium_memzero ((guint8 *) item->value, item->len);
        }
      return body;
    }

  body->error = g_strdup (error->message);
  body->size += strlen (body->error) + 1;
  for (gsize offset = 0; offset < len;)
    {
      guint8 type = data[offset];
      gsize item_len = offset + 1 < len ? data[offset + 1] : 0;
      gsize avail = len - MIN (len, offset + 2);

      if (offset + 1 >= len || item_len > avail)
        {
          /* A truncated item: whatever is there is unknown material. */
          TlvItem item = { .type = type, .show = HAP_SIM_TRACE_TLV_REDACTED, .length = MIN (item_len, avail) };

          g_array_append_val (body->items, item);
          body->size += sizeof item;
          break;
        }
      tlv_add_item (body, type, data + offset + 2, item_len);
      offset += 2 + item_len;
    }
  return body;
}

static void
append_tlv_json (GString *out,
                 TlvBody *body)
{
  g_string_append (out, ",\"tlv\":[");
  for (guint i = 0; i < body->items->len; i++)
    {
      const TlvItem *item = &g_array_index (body->items, TlvItem, i);
      const char *name = hap_sim_trace_tlv_type_name (item->type);

      if (i > 0)
        g_string_append_c (out, ',');
      if (name != NULL)
        g_string_append_printf (out, "{\"type\":\"%s\"", name);
      else
        g_string_append_printf (out, "{\"type\":\"0x%02X\"", item->type);

      switch (item->show)
        {
        case HAP_SIM_TRACE_TLV_NONE:
          break;
        case HAP_SIM_TRACE_TLV_NUMBER:
          g_string_append_printf (out, ",\"value\":%" G_GUINT64_FORMAT, item->number);
          break;
        case HAP_SIM_TRACE_TLV_STRING:
          g_string_append (out, ",\"value\":");
          hap_json_append_string (out, item->text);
          break;
        case HAP_SIM_TRACE_TLV_HEX:
          g_string_append_printf (out, ",\"hex\":\"%s\"", item->text);
          break;
        case HAP_SIM_TRACE_TLV_REDACTED:
          g_string_append_printf (out, ",\"redacted\":true,\"length\":%" G_GSIZE_FORMAT,
                                  item->length);
          break;
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
  if (body->error != NULL)
    {
      g_string_append (out, ",\"tlv-error\":");
      hap_json_append_string (out, body->error);
    }
}

/* ---- which traffic is pairing traffic --------------------------------------------- */

static gboolean
is_pairing_path (const char *target)
{
  static const char * const paths[] = { "/pair-setup", "/pair-verify", "/pairings" };

  if (target == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      gsize n = strlen (paths[i]);

      if (strncmp (target, paths[i], n) == 0 &&
          (target[n] == '\0' || target[n] == '?' || target[n] == '#'))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_pairing_type (const char *content_type)
{
  return content_type != NULL && strstr (content_type, "pairing+tlv8") != NULL;
}

/* Bytes up to and including the blank line ending the head, or 0 when there is none. */
static gsize
find_head_end (const guint8 *data,
               gsize         len)
{
  /* memmem() is a GNU extension; heads are short, so a plain scan does. */
  for (gsize i = 0; i + 4 <= len; i++)
    if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
      return i + 4;
  return 0;
}

/* A message answering nothing (a parse error, raw bytes) may still carry a pairing
 * body, e.g. when a quirk answers Pair Setup by hand; its Content-Type tells. */
static gboolean
head_declares_pairing (const guint8 *data,
                       gsize         head_len)
{
  static const char needle[] = "pairing+tlv8";
  gsize n = sizeof needle - 1;

  for (gsize i = 0; i + n <= head_len; i++)
    if (g_ascii_strncasecmp ((const char *) data + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

/* ---- the ring --------------------------------------------------------------------- */

HapSimTrace *
hap_sim_trace_new (guint max_entries,
                   gsize max_bytes)
{
  HapSimTrace *trace = g_new0 (HapSimTrace, 1);

  g_mutex_init (&trace->lock);
  g_queue_init (&trace->entries);
  trace->listeners = g_array_new (FALSE, FALSE, sizeof (Listener));
  trace->max_entries = MAX (max_entries, 1);
  trace->max_bytes = MAX (max_bytes, 1);
  return trace;
}

HapSimTraceData *
_hap_sim_trace_data_ref (HapSimTraceData *entry)
{
  g_atomic_ref_count_inc (&entry->ref);
  return entry;
}

void
_hap_sim_trace_data_unref (HapSimTraceData *entry)
{
  if (!g_atomic_ref_count_dec (&entry->ref))
    return;
  tlv_body_free (entry->tlv);
  g_free (entry);
}

static void
drop_oldest (HapSimTrace *trace)
{
  GList *link = g_queue_pop_head_link (&trace->entries);
  Entry *entry = link->data;

  trace->bytes -= entry->size;
  _hap_sim_trace_data_unref (entry);
}

/* The seq of the oldest entry kept, or of the next one when there is none. Locked. */
static guint64
first_seq (HapSimTrace *trace)
{
  return trace->entries.head != NULL ? ((Entry *) trace->entries.head->data)->seq
                                     : trace->last_seq + 1;
}

/* Tells @listeners (a copy, so that a listener may read the trace or remove itself) of
 * @entry (NULL: cleared), outside the lock. */
static void
notify_listeners (GArray *listeners, Entry *entry, guint64 first)
{
  g_autoptr(HapSimTraceEntry) object = NULL;

  if (listeners == NULL)
    return;
  /* An object only when somebody listens: recording stays a copy otherwise. */
  if (entry != NULL)
    object = _hap_sim_trace_entry_new (entry);
  for (guint i = 0; i < listeners->len; i++)
    {
      const Listener *l = &g_array_index (listeners, Listener, i);
      l->func (object, first, l->data);
    }
}

void
hap_sim_trace_clear (HapSimTrace *trace)
{
  g_autoptr(GArray) listeners = NULL;
  guint64 first;

  g_return_if_fail (trace != NULL);

  g_mutex_lock (&trace->lock);
  while (trace->entries.length > 0)
    drop_oldest (trace);
  first = first_seq (trace);
  if (trace->listeners->len > 0)
    listeners = g_array_copy (trace->listeners);
  g_mutex_unlock (&trace->lock);

  notify_listeners (listeners, NULL, first);
}

void
hap_sim_trace_free (HapSimTrace *trace)
{
  if (trace == NULL)
    return;
  g_array_set_size (trace->listeners, 0);
  hap_sim_trace_clear (trace);
  g_array_unref (trace->listeners);
  g_mutex_clear (&trace->lock);
  g_free (trace);
}

/* Sizes strings and bytes of a new entry, then copies them in (two passes over the
 * same description, so that everything lives in one allocation). */
typedef struct
{
  const char   *method, *target;
  GArray       *headers;    /* HapHttpHeader of a request, or NULL */
  const guint8 *data;
  gsize         data_len;
  /* Without a HapConnection (BLE entries): */
  const char   *peer, *controller, *members;
  guint64       session;
  gboolean      has_session;
} EntryParts;

static gsize
str_size (const char *s)
{
  return s != NULL ? strlen (s) + 1 : 0;
}

static const char *
copy_str (guint8 **cursor, const char *s)
{
  char *copy;
  gsize n;

  if (s == NULL)
    return NULL;
  n = strlen (s) + 1;
  copy = memcpy (*cursor, s, n);
  *cursor += n;
  return copy;
}

static Entry *
entry_new (HapConnection    *conn,
           HapSimTraceKind         kind,
           const EntryParts *parts)
{
  gsize extra = 0;
  guint8 *cursor;
  Entry *entry;
  const char *peer = parts->peer, *controller = parts->controller;

  if (conn != NULL)
    {
      peer = hap_connection_get_peer (conn);
      controller = hap_connection_get_controller_id (conn);
    }

  extra += str_size (peer) + str_size (controller) + str_size (parts->method) +
           str_size (parts->target) + str_size (parts->members) + parts->data_len;
  if (parts->headers != NULL)
    for (guint i = 0; i < parts->headers->len; i++)
      {
        const HapHttpHeader *h = &g_array_index (parts->headers, HapHttpHeader, i);
        extra += str_size (h->name != NULL ? h->name : "") + str_size (h->value != NULL ? h->value : "");
      }

  entry = g_malloc (sizeof (Entry) + extra);
  memset (entry, 0, sizeof (Entry));
  entry->link.data = entry;
  g_atomic_ref_count_init (&entry->ref);
  entry->time = g_get_real_time ();
  entry->kind = kind;
  entry->size = sizeof (Entry) + extra;
  if (conn != NULL)
    {
      entry->session = hap_connection_get_id (conn);
      entry->has_session = TRUE;
    }
  else
    {
      entry->session = parts->session;
      entry->has_session = parts->has_session;
    }

  cursor = entry->payload;
  /* Bytes first: they need no alignment, and nor do the strings after them. */
  if (parts->data_len > 0)
    {
      entry->data = memcpy (cursor, parts->data, parts->data_len);
      entry->data_len = parts->data_len;
      cursor += parts->data_len;
    }
  entry->peer = copy_str (&cursor, peer);
  entry->controller = copy_str (&cursor, controller);
  entry->method = copy_str (&cursor, parts->method);
  entry->target = copy_str (&cursor, parts->target);
  entry->members = copy_str (&cursor, parts->members);
  if (parts->headers != NULL && parts->headers->len > 0)
    {
      entry->headers = (const char *) cursor;
      entry->n_headers = parts->headers->len;
      for (guint i = 0; i < parts->headers->len; i++)
        {
          const HapHttpHeader *h = &g_array_index (parts->headers, HapHttpHeader, i);
          copy_str (&cursor, h->name != NULL ? h->name : "");
          copy_str (&cursor, h->value != NULL ? h->value : "");
        }
    }
  return entry;
}

/* Appends @entry (taking it) and tells the listeners. */
static void
push (HapSimTrace *trace,
      Entry       *entry)
{
  g_autoptr(GArray) listeners = NULL;
  g_autoptr(HapSimTraceDataRef) held = NULL;
  guint64 first;

  if (entry->tlv != NULL)
    entry->size += entry->tlv->size;

  g_mutex_lock (&trace->lock);
  entry->seq = ++trace->last_seq;
  g_queue_push_tail_link (&trace->entries, &entry->link);
  trace->bytes += entry->size;
  /* The newest entry always stays, even alone over max_bytes (it is truncated to
   * max_bytes of data, see stored_len()). */
  while (trace->entries.length > 1 &&
         (trace->entries.length > trace->max_entries || trace->bytes > trace->max_bytes))
    drop_oldest (trace);
  first = first_seq (trace);
  if (trace->listeners->len > 0)
    {
      listeners = g_array_copy (trace->listeners);
      held = _hap_sim_trace_data_ref (entry);
    }
  g_mutex_unlock (&trace->lock);

  notify_listeners (listeners, held, first);
}

static gsize
stored_len (HapSimTrace *trace,
            gsize        len)
{
  return MIN (len, MIN ((gsize) MAX_STORED_BYTES, trace->max_bytes));
}

void
hap_sim_trace_record_session (HapSimTrace   *trace,
                              HapConnection *conn,
                              const char    *kind)
{
  EntryParts parts = { 0 };
  HapSimTraceKind k;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (kind != NULL);

  if (g_str_equal (kind, "connected"))
    k = HAP_SIM_TRACE_KIND_CONNECTED;
  else if (g_str_equal (kind, "secured"))
    k = HAP_SIM_TRACE_KIND_SECURED;
  else if (g_str_equal (kind, "closed"))
    k = HAP_SIM_TRACE_KIND_CLOSED;
  else
    g_return_if_reached ();

  push (trace, entry_new (conn, k, &parts));
}

void
hap_sim_trace_record_request (HapSimTrace    *trace,
                              HapConnection  *conn,
                              HapHttpMessage *request)
{
  EntryParts parts = { 0 };
  const guint8 *body;
  gsize body_len = 0;
  TlvBody *tlv = NULL;
  Entry *entry;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (request != NULL);

  body = request->body != NULL ? g_bytes_get_data (request->body, &body_len) : NULL;
  parts.method = request->method;
  parts.target = request->target;
  parts.headers = request->headers;

  if (is_pairing_path (request->target) ||
      is_pairing_type (hap_http_message_get_header (request, "Content-Type")))
    tlv = tlv_body_decode (body, body_len);   /* the body itself is not kept */
  else
    {
      parts.data = body;
      parts.data_len = stored_len (trace, body_len);
    }

  entry = entry_new (conn, HAP_SIM_TRACE_KIND_REQUEST, &parts);
  entry->full_len = body_len;
  entry->truncated = tlv == NULL && parts.data_len < body_len;
  entry->tlv = tlv;
  push (trace, entry);
}

void
hap_sim_trace_record_message (HapSimTrace    *trace,
                              HapConnection  *conn,
                              HapMessageKind  kind,
                              HapHttpMessage *request,
                              const guint8   *data,
                              gsize           len)
{
  EntryParts parts = { 0 };
  TlvBody *tlv = NULL;
  gboolean pairing, redacted = FALSE;
  Entry *entry;
  HapSimTraceKind k;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (data != NULL || len == 0);

  switch (kind)
    {
    case HAP_MESSAGE_RESPONSE: k = HAP_SIM_TRACE_KIND_RESPONSE; break;
    case HAP_MESSAGE_EVENT:    k = HAP_SIM_TRACE_KIND_EVENT; break;
    case HAP_MESSAGE_RAW:      k = HAP_SIM_TRACE_KIND_RAW; break;
    default:                   g_return_if_reached ();
    }

  if (request != NULL)
    {
      parts.method = request->method;
      parts.target = request->target;
      pairing = is_pairing_path (request->target);
    }
  else
    pairing = k != HAP_SIM_TRACE_KIND_EVENT && head_declares_pairing (data, find_head_end (data, len));

  parts.data = data;
  parts.data_len = stored_len (trace, len);
  if (pairing)
    {
      gsize head = find_head_end (data, len);

      if (head > 0)
        {
          tlv = tlv_body_decode (data + head, len - head);
          parts.data_len = MIN (head, parts.data_len);
        }
      else
        {
          /* No blank line: the body cannot be told from the head, so nothing is kept. */
          redacted = TRUE;
          parts.data_len = 0;
        }
    }

  entry = entry_new (conn, k, &parts);
  entry->full_len = len;
  entry->tlv = tlv;
  entry->redacted = redacted;
  entry->truncated = !pairing && parts.data_len < len;
  push (trace, entry);
}

/* ---- hap-sim-trace-private.h: entries built elsewhere (BLE) ------------------------ */

void
_hap_sim_trace_push_members (HapSimTrace *trace,
                             const char  *kind,
                             guint64      session,
                             const char  *peer,
                             const char  *controller,
                             const char  *members)
{
  EntryParts parts = { 0 };
  guint k;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (members != NULL);

  for (k = 0; k < G_N_ELEMENTS (kind_names); k++)
    if (g_str_equal (kind, kind_names[k]))
      break;
  g_return_if_fail (k < G_N_ELEMENTS (kind_names));

  parts.peer = peer;
  parts.controller = controller;
  parts.members = members;
  parts.session = session;
  parts.has_session = session != 0;
  push (trace, entry_new (NULL, (HapSimTraceKind) k, &parts));
}

void
_hap_sim_trace_append_pairing_tlv (GString      *out,
                                   const guint8 *data,
                                   gsize         len)
{
  TlvBody *body = tlv_body_decode (data, len);

  append_tlv_json (out, body);
  tlv_body_free (body);
}

/* ---- formatting ------------------------------------------------------------------- */

/* Strict JSON (RFC 8259), copied without insignificant white space. json-glib is not
 * used here on purpose: it accepts single quotes, comments, hex numbers and trailing
 * garbage after the first value, and reads integers beyond int64 wrongly — a trace must
 * show exactly what a controller would have to parse, so a body that only json-glib
 * would accept is shown as text instead. Returns FALSE when @p does not start a value.
 * A validator, so not hap_sim_json_string_end(), which only skips the strings of text
 * it trusts; nor hap_json_check_depth(), which follows json-glib's lenient rules. */
typedef struct
{
  const char *p, *end;
  GString    *out;
} JsonScan;

static void
scan_ws (JsonScan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_literal (JsonScan *s, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  g_string_append_len (s->out, s->p, n);
  s->p += n;
  return TRUE;
}

static gboolean
scan_digits (JsonScan *s)
{
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

static gboolean
scan_number (JsonScan *s)
{
  const char *start = s->p;

  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (s->p >= s->end || *s->p < '1' || *s->p > '9' || !scan_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  g_string_append_len (s->out, start, s->p - start);
  return TRUE;
}

/* The text is valid UTF-8 already (checked by the caller). */
static gboolean
scan_string (JsonScan *s)
{
  const char *start = s->p;

  if (s->p >= s->end || *s->p != '"')
    return FALSE;
  s->p++;
  while (s->p < s->end && *s->p != '"')
    {
      guchar c = (guchar) *s->p;

      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        {
          s->p++;
          continue;
        }
      s->p++;
      if (s->p >= s->end)
        return FALSE;
      if (*s->p == 'u')
        {
          if (s->end - s->p < 5)
            return FALSE;
          for (int i = 1; i <= 4; i++)
            if (!g_ascii_isxdigit (s->p[i]))
              return FALSE;
          s->p += 5;
        }
      else if (strchr ("\"\\/bfnrt", *s->p) != NULL && *s->p != '\0')
        s->p++;
      else
        return FALSE;
    }
  if (s->p >= s->end)
    return FALSE;
  s->p++;
  g_string_append_len (s->out, start, s->p - start);
  return TRUE;
}

static gboolean
scan_value (JsonScan *s, guint depth)
{
  if (depth > MAX_JSON_DEPTH)
    return FALSE;
  scan_ws (s);
  if (s->p >= s->end)
    return FALSE;

  switch (*s->p)
    {
    case '{':
    case '[':
      {
        char close = *s->p == '{' ? '}' : ']';
        gboolean object = close == '}';

        g_string_append_c (s->out, *s->p++);
        scan_ws (s);
        if (s->p < s->end && *s->p == close)
          {
            g_string_append_c (s->out, *s->p++);
            return TRUE;
          }
        for (;;)
          {
            if (object)
              {
                scan_ws (s);
                if (!scan_string (s))
                  return FALSE;
                scan_ws (s);
                if (s->p >= s->end || *s->p != ':')
                  return FALSE;
                g_string_append_c (s->out, *s->p++);
              }
            if (!scan_value (s, depth + 1))
              return FALSE;
            scan_ws (s);
            if (s->p >= s->end)
              return FALSE;
            if (*s->p == close)
              {
                g_string_append_c (s->out, *s->p++);
                return TRUE;
              }
            if (*s->p != ',')
              return FALSE;
            g_string_append_c (s->out, *s->p++);
          }
      }
    case '"':
      return scan_string (s);
    case 't':
      return scan_literal (s, "true");
    case 'f':
      return scan_literal (s, "false");
    case 'n':
      return scan_literal (s, "null");
    default:
      return scan_number (s);
    }
}

/* Whether @data is exactly one strict JSON value; its copy without white space goes to
 * @out. */
static gboolean
scan_json_body (GString *out, const guint8 *data, gsize len)
{
  JsonScan scan = { (const char *) data, (const char *) data + len, out };

  return scan_value (&scan, 0) && (scan_ws (&scan), scan.p == scan.end);
}

HapSimTraceBodyFormat
_hap_sim_trace_body_format (const guint8 *data,
                            gsize         len,
                            gboolean      truncated)
{
  g_autoptr(GString) scratch = NULL;

  if (len == 0)
    return HAP_SIM_TRACE_BODY_NONE;
  if (!g_utf8_validate_len ((const char *) data, len, NULL))
    return HAP_SIM_TRACE_BODY_BINARY;
  if (truncated)
    return HAP_SIM_TRACE_BODY_TEXT;
  scratch = g_string_sized_new (len);
  return scan_json_body (scratch, data, len) ? HAP_SIM_TRACE_BODY_JSON : HAP_SIM_TRACE_BODY_TEXT;
}

/* "body" (a JSON value), "text" (UTF-8 without NUL) or "base64", then "length". */
static void
append_body (GString      *out,
             const guint8 *data,
             gsize         len,
             gsize         full_len,
             gboolean      truncated)
{
  if (len > 0)
    {
      gboolean utf8 = g_utf8_validate_len ((const char *) data, len, NULL);
      gsize mark = out->len;

      if (utf8 && !truncated)
        {
          g_string_append (out, ",\"body\":");
          if (scan_json_body (out, data, len))
            goto done;
          g_string_truncate (out, mark);
        }
      if (utf8)
        {
          g_autofree char *text = g_strndup ((const char *) data, len);

          g_string_append (out, ",\"text\":");
          hap_json_append_string (out, text);
        }
      else
        {
          g_autofree char *b64 = g_base64_encode (data, len);

          g_string_append_printf (out, ",\"base64\":\"%s\"", b64);
        }
    }
done:
  g_string_append_printf (out, ",\"length\":%" G_GSIZE_FORMAT, full_len);
  if (truncated)
    g_string_append (out, ",\"truncated\":true");
}

/* Splits a message into status and headers the way it was sent: "PROTO/D.D NNN[ reason]"
 * and "Name: value" lines ending in CRLF, then a blank line. */
gsize
_hap_sim_trace_split_head (const guint8 *data,
                           gsize         len,
                           guint        *status_out,
                           GPtrArray    *headers)
{
  const char *p = (const char *) data, *end, *eol;
  guint mark = headers->len;
  gsize head_len;
  guint status;
  int i;

  head_len = find_head_end (data, len);
  if (head_len == 0 || !g_utf8_validate_len (p, head_len, NULL))
    return 0;
  end = p + head_len;

  /* Status line. */
  eol = memchr (p, '\r', end - p);
  if (eol[1] != '\n' || memchr (p, '\n', eol - p) != NULL)
    return 0;
  for (i = 0; p + i < eol && g_ascii_isupper (p[i]); i++)
    ;
  if (i == 0 || eol - p < i + 8 || p[i] != '/' || !g_ascii_isdigit (p[i + 1]) || p[i + 2] != '.' ||
      !g_ascii_isdigit (p[i + 3]) || p[i + 4] != ' ' ||
      !g_ascii_isdigit (p[i + 5]) || !g_ascii_isdigit (p[i + 6]) || !g_ascii_isdigit (p[i + 7]) ||
      (p + i + 8 < eol && p[i + 8] != ' '))
    return 0;
  status = (p[i + 5] - '0') * 100 + (p[i + 6] - '0') * 10 + (p[i + 7] - '0');

  for (;;)
    {
      const char *line = eol + 2, *colon, *v, *ve;

      eol = memchr (line, '\r', end - line);
      if (eol == NULL || eol[1] != '\n')
        goto fail;
      if (eol == line)
        break;
      colon = memchr (line, ':', eol - line);
      if (colon == NULL || colon == line || memchr (line, '\n', eol - line) != NULL)
        goto fail;
      for (const char *c = line; c < colon; c++)
        if (*c == ' ' || *c == '\t' || (guchar) *c < 0x20)
          goto fail;
      for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
        ;
      for (ve = eol; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
        ;
      g_ptr_array_add (headers, g_strndup (line, colon - line));
      g_ptr_array_add (headers, g_strndup (v, ve - v));
    }
  *status_out = status;
  return head_len;

fail:
  g_ptr_array_set_size (headers, mark);
  return 0;
}

static void
append_headers_json (GString *out, const char * const *pairs, guint n_pairs)
{
  g_string_append (out, ",\"headers\":[");
  for (guint i = 0; i < n_pairs; i++)
    {
      g_string_append (out, i > 0 ? ",[" : "[");
      hap_json_append_string (out, pairs[2 * i]);
      g_string_append_c (out, ',');
      hap_json_append_string (out, pairs[2 * i + 1]);
      g_string_append_c (out, ']');
    }
  g_string_append_c (out, ']');
}

/* ,"status":N,"headers":[…] of a message whose head splits; its length, or 0. */
static gsize
append_head (GString      *out,
             const guint8 *data,
             gsize         len)
{
  g_autoptr(GPtrArray) headers = g_ptr_array_new_with_free_func (g_free);
  guint status;
  gsize head_len = _hap_sim_trace_split_head (data, len, &status, headers);

  if (head_len == 0)
    return 0;
  g_string_append_printf (out, ",\"status\":%u", status);
  append_headers_json (out, (const char * const *) headers->pdata, headers->len / 2);
  return head_len;
}

static void
append_time (GString *out,
             gint64   time_us)
{
  time_t secs = (time_t) (time_us / G_USEC_PER_SEC);
  struct tm tm;
  char buf[32];

  gmtime_r (&secs, &tm);
  strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  g_string_append_printf (out, ",\"time\":\"%s.%06dZ\"", buf, (int) (time_us % G_USEC_PER_SEC));
}

static void
append_target (GString    *out,
               const char *target)
{
  const char *q = strchr (target, '?');
  g_autofree char *path = q != NULL ? g_strndup (target, q - target) : g_strdup (target);

  g_string_append (out, ",\"path\":");
  hap_json_append_string (out, path);
  if (q != NULL)
    {
      g_string_append (out, ",\"query\":");
      hap_json_append_string (out, q + 1);
    }
}

void
_hap_sim_trace_format (const Entry *entry,
                       GString     *out)
{
  g_string_append_printf (out, "{\"seq\":%" G_GUINT64_FORMAT, entry->seq);
  append_time (out, entry->time);
  if (entry->has_session)
    g_string_append_printf (out, ",\"session\":%" G_GUINT64_FORMAT, entry->session);
  if (entry->peer != NULL)
    {
      g_string_append (out, ",\"peer\":");
      hap_json_append_string (out, entry->peer);
    }
  if (entry->controller != NULL)
    {
      g_string_append (out, ",\"controller\":");
      hap_json_append_string (out, entry->controller);
    }
  g_string_append_printf (out, ",\"kind\":\"%s\"", kind_names[entry->kind]);

  if (entry->method != NULL)
    {
      g_string_append (out, ",\"method\":");
      hap_json_append_string (out, entry->method);
    }
  if (entry->target != NULL)
    append_target (out, entry->target);
  if (entry->members != NULL)
    {
      g_string_append (out, entry->members);
      g_string_append_c (out, '}');
      return;
    }

  switch (entry->kind)
    {
    case HAP_SIM_TRACE_KIND_CONNECTED:
    case HAP_SIM_TRACE_KIND_SECURED:
    case HAP_SIM_TRACE_KIND_CLOSED:
    case HAP_SIM_TRACE_KIND_INDICATION:      /* BLE kinds always have members */
    case HAP_SIM_TRACE_KIND_ADVERTISEMENT:
    case HAP_SIM_TRACE_KIND_BROADCAST:
      break;

    case HAP_SIM_TRACE_KIND_REQUEST:
      {
        g_autofree const char **pairs = g_new (const char *, 2 * entry->n_headers + 1);
        const char *h = entry->headers;

        for (guint i = 0; i < 2 * entry->n_headers; i++)
          {
            pairs[i] = h;
            h += strlen (h) + 1;
          }
        append_headers_json (out, pairs, entry->n_headers);
        if (entry->tlv != NULL)
          {
            append_tlv_json (out, entry->tlv);
            g_string_append_printf (out, ",\"length\":%" G_GSIZE_FORMAT, entry->full_len);
          }
        else
          append_body (out, entry->data, entry->data_len, entry->full_len, entry->truncated);
      }
      break;

    case HAP_SIM_TRACE_KIND_RESPONSE:
    case HAP_SIM_TRACE_KIND_EVENT:
    case HAP_SIM_TRACE_KIND_RAW:
      if (entry->redacted)
        {
          g_string_append_printf (out, ",\"redacted\":true,\"length\":%" G_GSIZE_FORMAT,
                                  entry->full_len);
        }
      else if (entry->tlv != NULL)
        {
          if (append_head (out, entry->data, entry->data_len) == 0)
            {
              /* A head the strict split refuses is shown as it is. */
              g_autofree char *head = g_utf8_make_valid ((const char *) entry->data,
                                                         entry->data_len);

              g_string_append (out, ",\"head\":");
              hap_json_append_string (out, head);
            }
          append_tlv_json (out, entry->tlv);
          g_string_append_printf (out, ",\"length\":%" G_GSIZE_FORMAT, entry->tlv->body_len);
        }
      else
        {
          gsize head = append_head (out, entry->data, entry->data_len);

          append_body (out, entry->data + head, entry->data_len - head,
                       entry->full_len - head, entry->truncated);
        }
      break;
    }

  g_string_append_c (out, '}');
}

/* ---- reading ---------------------------------------------------------------------- */

GPtrArray *
hap_sim_trace_dup_lines (HapSimTrace *trace,
                         guint64      since,
                         guint        max)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  GList *l;

  g_return_val_if_fail (trace != NULL, lines);

  g_mutex_lock (&trace->lock);
  /* Entries are in seq order: skip back from the newest to the first one wanted. */
  for (l = trace->entries.tail; l != NULL && ((Entry *) l->data)->seq > since; l = l->prev)
    ;
  l = l != NULL ? l->next : trace->entries.head;
  for (; l != NULL && (max == 0 || lines->len < max); l = l->next)
    {
      GString *line = g_string_sized_new (256);

      _hap_sim_trace_format (l->data, line);
      g_ptr_array_add (lines, g_string_free (line, FALSE));
    }
  g_mutex_unlock (&trace->lock);

  return lines;
}

GPtrArray *
hap_sim_trace_dup_entries (HapSimTrace *trace,
                           guint64      since)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) held = g_ptr_array_new ();
  GList *l;

  g_return_val_if_fail (trace != NULL, entries);

  g_mutex_lock (&trace->lock);
  for (l = trace->entries.tail; l != NULL && ((Entry *) l->data)->seq > since; l = l->prev)
    ;
  for (l = l != NULL ? l->next : trace->entries.head; l != NULL; l = l->next)
    g_ptr_array_add (held, _hap_sim_trace_data_ref (l->data));
  g_mutex_unlock (&trace->lock);

  /* The objects are made outside the lock, from references. */
  for (guint i = 0; i < held->len; i++)
    {
      g_ptr_array_add (entries, _hap_sim_trace_entry_new (g_ptr_array_index (held, i)));
      _hap_sim_trace_data_unref (g_ptr_array_index (held, i));
    }
  return entries;
}

guint64
hap_sim_trace_get_last_seq (HapSimTrace *trace)
{
  guint64 seq;

  g_return_val_if_fail (trace != NULL, 0);

  g_mutex_lock (&trace->lock);
  seq = trace->last_seq;
  g_mutex_unlock (&trace->lock);
  return seq;
}

guint
hap_sim_trace_get_n_entries (HapSimTrace *trace)
{
  guint n;

  g_return_val_if_fail (trace != NULL, 0);

  g_mutex_lock (&trace->lock);
  n = trace->entries.length;
  g_mutex_unlock (&trace->lock);
  return n;
}

guint
hap_sim_trace_add_listener (HapSimTrace         *trace,
                            HapSimTraceListener  listener,
                            gpointer             user_data)
{
  Listener l = { 0, listener, user_data };

  g_return_val_if_fail (trace != NULL, 0);
  g_return_val_if_fail (listener != NULL, 0);

  g_mutex_lock (&trace->lock);
  l.id = ++trace->next_listener_id;
  g_array_append_val (trace->listeners, l);
  g_mutex_unlock (&trace->lock);
  return l.id;
}

void
hap_sim_trace_remove_listener (HapSimTrace *trace,
                               guint        id)
{
  g_return_if_fail (trace != NULL);

  g_mutex_lock (&trace->lock);
  for (guint i = 0; i < trace->listeners->len; i++)
    if (g_array_index (trace->listeners, Listener, i).id == id)
      {
        g_array_remove_index (trace->listeners, i);
        break;
      }
  g_mutex_unlock (&trace->lock);
}
