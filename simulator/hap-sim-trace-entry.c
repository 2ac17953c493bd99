/* hap-sim-trace-entry.c — one entry of an accessory's traffic trace, as an object
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A view of the trace's own record (HapSimTraceData, shared by reference): nothing is
 * copied when the object is made. What needs work — splitting a message's head,
 * telling JSON bodies from text — is done on first use and kept. The JSON line is
 * made by the trace's one serializer from the same record.
 */
#include "hap-sim-trace-private.h"

#include <string.h>

/**
 * HapSimTraceEntry:
 *
 * One entry of an accessory's trace (see `hap-sim-trace.h` for what is recorded and
 * what is redacted): a connection event, a decrypted request, a response or event as
 * sent, or a HAP over BLE PDU, link event, advertisement or broadcast.
 *
 * Entries are immutable and may be read from any thread.
 */
struct _HapSimTraceEntry
{
  GObject           parent_instance;
  HapSimTraceData  *data;

  GOnce             split_once;   /* the lazily computed fields below */
  char             *path;
  const char       *query;        /* into path's allocation, after its NUL, or NULL */
  int               status;
  GPtrArray        *headers;      /* name, value, …: of a request or a split head */
  gsize             head_len;     /* of a message whose head splits */
  char             *head;         /* a pairing message's head that does not split */
  HapSimTraceBodyFormat body_format;
  JsonObject       *ble_pdu;
};

enum {
  PROP_0,
  PROP_SEQ,
  PROP_TIME,
  PROP_KIND,
  PROP_TRANSPORT,
  PROP_PEER,
  PROP_CONTROLLER,
  PROP_METHOD,
  PROP_PATH,
  PROP_STATUS,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (HapSimTraceEntry, hap_sim_trace_entry, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];

static const char * const kind_names[] = {
  "connected", "secured", "closed", "request", "response", "event", "raw",
  "indication", "advertisement", "broadcast",
};

static gboolean
is_message (HapSimTraceEntry *self)
{
  return self->data->members == NULL &&
         (self->data->kind == HAP_SIM_TRACE_KIND_RESPONSE ||
          self->data->kind == HAP_SIM_TRACE_KIND_EVENT ||
          self->data->kind == HAP_SIM_TRACE_KIND_RAW);
}

/* Everything derived, once (entries may be read from any thread). */
static gpointer
split (gpointer user_data)
{
  HapSimTraceEntry *self = user_data;
  HapSimTraceData *d = self->data;
  const guint8 *body = NULL;
  gsize body_len = 0;

  self->status = -1;
  self->headers = g_ptr_array_new_with_free_func (g_free);
  if (d->target != NULL)
    {
      const char *q = strchr (d->target, '?');
      gsize n = strlen (d->target);

      self->path = g_memdup2 (d->target, n + 1);
      if (q != NULL)
        {
          self->path[q - d->target] = '\0';
          self->query = self->path + (q - d->target) + 1;
        }
    }

  if (d->kind == HAP_SIM_TRACE_KIND_REQUEST && d->members == NULL)
    {
      const char *h = d->headers;

      for (guint i = 0; i < 2 * d->n_headers; i++)
        {
          g_ptr_array_add (self->headers, g_strdup (h));
          h += strlen (h) + 1;
        }
      if (d->tlv == NULL)
        {
          body = d->data;
          body_len = d->data_len;
        }
    }
  else if (is_message (self) && !d->redacted)
    {
      guint status;

      self->head_len = _hap_sim_trace_split_head (d->data, d->data_len, &status, self->headers);
      if (self->head_len > 0)
        self->status = status;
      else if (d->tlv != NULL)
        self->head = g_utf8_make_valid ((const char *) d->data, d->data_len);
      if (d->tlv == NULL)
        {
          body = d->data + self->head_len;
          body_len = d->data_len - self->head_len;
        }
    }
  self->body_format = _hap_sim_trace_body_format (body, body_len, d->truncated);

  if (d->members != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autofree char *object = g_strdup_printf ("{%s}", d->members + 1);

      /* The engine wrote these members itself (hap-sim-trace-ble.c), at record time. */
      if (json_parser_load_from_data (parser, object, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        self->ble_pdu = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
      else
        self->ble_pdu = json_object_new ();
    }
  return self;
}

static inline HapSimTraceEntry *
derived (HapSimTraceEntry *self)
{
  return g_once (&self->split_once, split, self);
}

static void
hap_sim_trace_entry_finalize (GObject *object)
{
  HapSimTraceEntry *self = HAP_SIM_TRACE_ENTRY (object);

  g_clear_pointer (&self->data, _hap_sim_trace_data_unref);
  g_free (self->path);
  g_clear_pointer (&self->headers, g_ptr_array_unref);
  g_free (self->head);
  g_clear_pointer (&self->ble_pdu, json_object_unref);
  G_OBJECT_CLASS (hap_sim_trace_entry_parent_class)->finalize (object);
}

static void
hap_sim_trace_entry_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimTraceEntry *self = HAP_SIM_TRACE_ENTRY (object);

  switch (prop_id)
    {
    case PROP_SEQ:        g_value_set_uint64 (value, self->data->seq); break;
    case PROP_TIME:       g_value_set_int64 (value, self->data->time); break;
    case PROP_KIND:       g_value_set_int (value, self->data->kind); break;
    case PROP_TRANSPORT:  g_value_set_uint (value, hap_sim_trace_entry_get_transport (self)); break;
    case PROP_PEER:       g_value_set_string (value, self->data->peer); break;
    case PROP_CONTROLLER: g_value_set_string (value, self->data->controller); break;
    case PROP_METHOD:     g_value_set_string (value, self->data->method); break;
    case PROP_PATH:       g_value_set_string (value, hap_sim_trace_entry_get_path (self)); break;
    case PROP_STATUS:     g_value_set_int (value, hap_sim_trace_entry_get_status (self)); break;
    default:              G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_trace_entry_class_init (HapSimTraceEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = hap_sim_trace_entry_finalize;
  object_class->get_property = hap_sim_trace_entry_get_property;

  /**
   * HapSimTraceEntry:seq:
   *
   * The entry's number in its trace, from 1, never reused (not even after a clear).
   */
  properties [PROP_SEQ] = g_param_spec_uint64 ("seq", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * HapSimTraceEntry:time:
   *
   * When it was recorded, in µs of real time.
   */
  properties [PROP_TIME] = g_param_spec_int64 ("time", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  /**
   * HapSimTraceEntry:kind:
   *
   * A [enum@HapSimTraceKind].
   */
  properties [PROP_KIND] = g_param_spec_int ("kind", NULL, NULL, 0, HAP_SIM_TRACE_KIND_BROADCAST, 0, flags);
  /**
   * HapSimTraceEntry:transport:
   *
   * %HAP_TRANSPORT_IP or %HAP_TRANSPORT_BLE.
   */
  properties [PROP_TRANSPORT] = g_param_spec_uint ("transport", NULL, NULL, 0, G_MAXUINT,
                                                   HAP_TRANSPORT_IP, flags);
  /**
   * HapSimTraceEntry:peer:
   *
   * The controller's address and port, or the BLE central's address.
   */
  properties [PROP_PEER] = g_param_spec_string ("peer", NULL, NULL, NULL, flags);
  /**
   * HapSimTraceEntry:controller:
   *
   * The verified controller's pairing identifier, or %NULL.
   */
  properties [PROP_CONTROLLER] = g_param_spec_string ("controller", NULL, NULL, NULL, flags);
  /**
   * HapSimTraceEntry:method:
   *
   * The request's method, on requests and the responses to them.
   */
  properties [PROP_METHOD] = g_param_spec_string ("method", NULL, NULL, NULL, flags);
  /**
   * HapSimTraceEntry:path:
   *
   * The request's path (without the query), on requests and the responses to them.
   */
  properties [PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL, flags);
  /**
   * HapSimTraceEntry:status:
   *
   * The HTTP status of a response, event or raw message whose head splits, else -1.
   */
  properties [PROP_STATUS] = g_param_spec_int ("status", NULL, NULL, -1, 999, -1, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_sim_trace_entry_init (HapSimTraceEntry *self)
{
}

HapSimTraceEntry *
_hap_sim_trace_entry_new (HapSimTraceData *data)
{
  HapSimTraceEntry *self = g_object_new (HAP_SIM_TYPE_TRACE_ENTRY, NULL);

  self->data = _hap_sim_trace_data_ref (data);
  return self;
}

/**
 * hap_sim_trace_entry_get_seq:
 * @self: an entry
 *
 * Returns: the entry's number in its trace (see [property@HapSimTraceEntry:seq])
 */
guint64
hap_sim_trace_entry_get_seq (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), 0);
  return self->data->seq;
}

/**
 * hap_sim_trace_entry_get_time:
 * @self: an entry
 *
 * Returns: when the entry was recorded, µs of real time
 */
gint64
hap_sim_trace_entry_get_time (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), 0);
  return self->data->time;
}

/**
 * hap_sim_trace_entry_get_session:
 * @self: an entry
 * @session: (out) (optional): the connection's or BLE link's id
 *
 * IP connections and BLE links are numbered apart: their ids may be equal.
 *
 * Returns: whether the entry belongs to a connection or link
 */
gboolean
hap_sim_trace_entry_get_session (HapSimTraceEntry *self, guint64 *session)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), FALSE);
  if (session != NULL)
    *session = self->data->session;
  return self->data->has_session;
}

/**
 * hap_sim_trace_entry_get_peer:
 * @self: an entry
 *
 * Returns: (nullable): the controller's address and port, or the central's address
 */
const char *
hap_sim_trace_entry_get_peer (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return self->data->peer;
}

/**
 * hap_sim_trace_entry_get_controller:
 * @self: an entry
 *
 * Returns: (nullable): the verified controller's pairing identifier
 */
const char *
hap_sim_trace_entry_get_controller (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return self->data->controller;
}

/**
 * hap_sim_trace_entry_get_kind:
 * @self: an entry
 *
 * Returns: what the entry records
 */
HapSimTraceKind
hap_sim_trace_entry_get_kind (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), HAP_SIM_TRACE_KIND_RAW);
  return self->data->kind;
}

/**
 * hap_sim_trace_entry_get_kind_name:
 * @self: an entry
 *
 * Returns: the kind as the JSON line names it ("request", "advertisement"…)
 */
const char *
hap_sim_trace_entry_get_kind_name (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return kind_names[self->data->kind];
}

/**
 * hap_sim_trace_entry_get_transport:
 * @self: an entry
 *
 * Returns: %HAP_TRANSPORT_BLE for entries of HAP over BLE, else %HAP_TRANSPORT_IP
 */
HapTransportFlags
hap_sim_trace_entry_get_transport (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), HAP_TRANSPORT_IP);
  return self->data->members != NULL ? HAP_TRANSPORT_BLE : HAP_TRANSPORT_IP;
}

/**
 * hap_sim_trace_entry_get_method:
 * @self: an entry
 *
 * Returns: (nullable): the method of the request (on requests and their responses)
 */
const char *
hap_sim_trace_entry_get_method (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return self->data->method;
}

/**
 * hap_sim_trace_entry_get_path:
 * @self: an entry
 *
 * Returns: (nullable): the path of the request (on requests and their responses)
 */
const char *
hap_sim_trace_entry_get_path (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return derived (self)->path;
}

/**
 * hap_sim_trace_entry_get_query:
 * @self: an entry
 *
 * Returns: (nullable): the query of the request, after the "?", when it has one
 */
const char *
hap_sim_trace_entry_get_query (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return derived (self)->query;
}

/**
 * hap_sim_trace_entry_get_status:
 * @self: an entry
 *
 * The status of an IP response, event or raw message whose head splits cleanly into
 * status line and headers (a quirk may bend it so that it does not). BLE statuses
 * are in [method@HapSimTraceEntry.get_ble_pdu].
 *
 * Returns: the HTTP status, or -1
 */
int
hap_sim_trace_entry_get_status (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), -1);
  return derived (self)->status;
}

/**
 * hap_sim_trace_entry_get_n_headers:
 * @self: an entry
 *
 * Returns: the number of headers of a request, or of a message whose head splits
 */
guint
hap_sim_trace_entry_get_n_headers (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), 0);
  return derived (self)->headers->len / 2;
}

/**
 * hap_sim_trace_entry_get_header_name:
 * @self: an entry
 * @index: less than [method@HapSimTraceEntry.get_n_headers]
 *
 * Returns: the name of the header, as sent
 */
const char *
hap_sim_trace_entry_get_header_name (HapSimTraceEntry *self, guint index)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  g_return_val_if_fail (index < hap_sim_trace_entry_get_n_headers (self), NULL);
  return g_ptr_array_index (self->headers, 2 * index);
}

/**
 * hap_sim_trace_entry_get_header_value:
 * @self: an entry
 * @index: less than [method@HapSimTraceEntry.get_n_headers]
 *
 * Returns: the value of the header, without surrounding white space
 */
const char *
hap_sim_trace_entry_get_header_value (HapSimTraceEntry *self, guint index)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  g_return_val_if_fail (index < hap_sim_trace_entry_get_n_headers (self), NULL);
  return g_ptr_array_index (self->headers, 2 * index + 1);
}

/**
 * hap_sim_trace_entry_lookup_header:
 * @self: an entry
 * @name: a header name, in any case
 *
 * Returns: (nullable): the value of the first header called @name
 */
const char *
hap_sim_trace_entry_lookup_header (HapSimTraceEntry *self, const char *name)
{
  guint n = hap_sim_trace_entry_get_n_headers (self);

  g_return_val_if_fail (name != NULL, NULL);
  for (guint i = 0; i < n; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (self->headers, 2 * i), name) == 0)
      return g_ptr_array_index (self->headers, 2 * i + 1);
  return NULL;
}

/**
 * hap_sim_trace_entry_get_body_format:
 * @self: an entry
 *
 * Returns: how the kept body reads
 */
HapSimTraceBodyFormat
hap_sim_trace_entry_get_body_format (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), HAP_SIM_TRACE_BODY_NONE);
  return derived (self)->body_format;
}

/**
 * hap_sim_trace_entry_get_body:
 * @self: an entry
 * @len: (out): the length of what is returned
 *
 * The body as kept: of a request, or what follows a message's head (the whole
 * message when its head does not split). Never a pairing body, and possibly only the
 * start of the body (see [method@HapSimTraceEntry.get_truncated]).
 *
 * Returns: (array length=len) (nullable): the body's bytes, %NULL when none is kept
 */
const guint8 *
hap_sim_trace_entry_get_body (HapSimTraceEntry *self, gsize *len)
{
  HapSimTraceData *d;

  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  g_return_val_if_fail (len != NULL, NULL);

  d = self->data;
  *len = 0;
  if (derived (self)->body_format == HAP_SIM_TRACE_BODY_NONE)
    return NULL;
  *len = d->data_len - self->head_len;
  return d->data + self->head_len;
}

/**
 * hap_sim_trace_entry_get_length:
 * @self: an entry
 * @length: (out): the full length of the body in bytes (of the whole message when
 *   its head does not split)
 *
 * Returns: whether the entry has a body length (IP requests, responses, events and raw
 *   messages; for BLE see [method@HapSimTraceEntry.get_ble_pdu])
 */
gboolean
hap_sim_trace_entry_get_length (HapSimTraceEntry *self, gsize *length)
{
  HapSimTraceData *d;

  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), FALSE);
  g_return_val_if_fail (length != NULL, FALSE);

  d = self->data;
  if (d->members != NULL || (d->kind != HAP_SIM_TRACE_KIND_REQUEST && !is_message (self)))
    return FALSE;
  if (d->kind == HAP_SIM_TRACE_KIND_REQUEST || d->redacted)
    *length = d->full_len;
  else if (d->tlv != NULL)
    *length = d->tlv->body_len;
  else
    *length = d->full_len - derived (self)->head_len;
  return TRUE;
}

/**
 * hap_sim_trace_entry_get_truncated:
 * @self: an entry
 *
 * Returns: whether only the start of the body was kept
 */
gboolean
hap_sim_trace_entry_get_truncated (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), FALSE);
  return self->data->truncated;
}

/**
 * hap_sim_trace_entry_get_redacted:
 * @self: an entry
 *
 * Returns: whether nothing was kept of a pairing message but its length (it had no
 *   blank line to tell its head from its body)
 */
gboolean
hap_sim_trace_entry_get_redacted (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), FALSE);
  return self->data->redacted;
}

/**
 * hap_sim_trace_entry_get_head:
 * @self: an entry
 *
 * Returns: (nullable): the head of a pairing message whose head does not split, as
 *   text
 */
const char *
hap_sim_trace_entry_get_head (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return derived (self)->head;
}

/**
 * hap_sim_trace_entry_has_tlv:
 * @self: an entry
 *
 * Returns: whether the entry carries a decoded pairing body (IP; BLE pairing
 *   values are in [method@HapSimTraceEntry.get_ble_pdu])
 */
gboolean
hap_sim_trace_entry_has_tlv (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), FALSE);
  return self->data->tlv != NULL;
}

/**
 * hap_sim_trace_entry_get_n_tlv_items:
 * @self: an entry
 *
 * Returns: the number of items of the pairing body
 */
guint
hap_sim_trace_entry_get_n_tlv_items (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), 0);
  return self->data->tlv != NULL ? self->data->tlv->items->len : 0;
}

/**
 * hap_sim_trace_entry_get_tlv_item:
 * @self: an entry
 * @index: less than [method@HapSimTraceEntry.get_n_tlv_items]
 *
 * Returns: (transfer none): an item of the pairing body, redacted
 */
const HapSimTraceTlvItem *
hap_sim_trace_entry_get_tlv_item (HapSimTraceEntry *self, guint index)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  g_return_val_if_fail (index < hap_sim_trace_entry_get_n_tlv_items (self), NULL);
  return &g_array_index (self->data->tlv->items, HapSimTraceTlvItem, index);
}

/**
 * hap_sim_trace_entry_get_tlv_error:
 * @self: an entry
 *
 * Returns: (nullable): why the strict TLV8 reader refused the pairing body (its items
 *   are then listed one by one, as sent)
 */
const char *
hap_sim_trace_entry_get_tlv_error (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return self->data->tlv != NULL ? self->data->tlv->error : NULL;
}

/**
 * hap_sim_trace_entry_get_ble_pdu:
 * @self: an entry
 *
 * The members of a HAP over BLE entry after "kind", as `hap-sim-trace.h` lists them
 * (opcode, tid, iid, characteristic, status, params; or gsn, fields… ). They are
 * decoded and redacted when recorded, while the characteristic (for its format) is
 * still there.
 *
 * Returns: (transfer none) (nullable): the members, or %NULL for an IP entry
 */
JsonObject *
hap_sim_trace_entry_get_ble_pdu (HapSimTraceEntry *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);
  return derived (self)->ble_pdu;
}

/**
 * hap_sim_trace_entry_to_json:
 * @self: an entry
 *
 * The entry as one JSON line (`hap-sim-trace.h`), as the control API's GetTrace and
 * TraceEntry hand it out.
 *
 * Returns: (transfer full): the line, without a newline
 */
char *
hap_sim_trace_entry_to_json (HapSimTraceEntry *self)
{
  GString *line;

  g_return_val_if_fail (HAP_SIM_IS_TRACE_ENTRY (self), NULL);

  line = g_string_sized_new (256);
  _hap_sim_trace_format (self->data, line);
  return g_string_free (line, FALSE);
}
