/* hap-ble-link.c — one connected central: GATT writes and reads as HAP-BLE procedures,
 * per-fragment encryption, the procedure and session timers, and indications
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/protocol.md §5.7: a procedure is the controller's GATT writes of a request (one
 * fragment each, encrypted one by one once the session is secured, §5.8), then its GATT
 * reads of the response fragments. One procedure runs at a time; a write to another
 * characteristic meanwhile gets a Max-Procedures answer (the ADK's "fallback"
 * procedure). Whatever breaks the protocol — a malformed or tampered fragment, a read
 * nobody wrote for, a procedure over 10 s — drops the security session and the link
 * (§5.8, the ADK citing spec §7.5 items 12 and 39).
 */
#include "hap-ble-private.h"

#include "hap-inspection.h"

#include "hap-access-private.h"
#include "hap-ble-value-private.h"

#define PROCEDURE_TIMEOUT_S   10   /* §5.8: every procedure within 10 s */
#define FIRST_PROCEDURE_S     10   /* §5.8: the first one within 10 s of the connection */
#define SECURE_IDLE_S         30   /* §5.8: a secure session idle 30 s ends (any, here) */
#define CONFIRM_TIMEOUT_S     5    /* an indication never confirmed does not block the rest */

typedef enum
{
  STATE_IDLE,          /* no transaction (a timed write may wait for its execute) */
  STATE_RECEIVING,     /* request fragments arrive */
  STATE_PROCESSING,    /* the request is being handled */
  STATE_RESPONDING,    /* response fragments are read */
} TransactionState;

typedef struct
{
  HapBleRequestAssembler assembler;
  gboolean               complete;
  guint8                 tid;
  GSource               *timer;
  HapBleLink            *link;
} Fallback;

struct _HapBleLink
{
  gint                ref_count;
  HapBleTransport    *ble;
  char               *device;
  char               *address;           /* "AA:BB:CC:DD:EE:FF", from the device path */
  HapSession         *session;
  gboolean            closed;
  gboolean            drop_after_response;
  GSource            *session_timer;     /* first procedure, or idle */
  guint               procedures;        /* procedures started on this link */
  gint64              connected_usec;    /* real time */
  guint64             bytes_in;          /* GATT values written and read, as on air */
  guint64             bytes_out;

  /* The procedure (docs/protocol.md §5.7). */
  HapBleAttribute    *attribute;         /* what it is attached to, or NULL */
  GSource            *procedure_timer;   /* set while the procedure is in progress */
  gboolean            started_secured;
  TransactionState    state;
  HapBleRequestAssembler assembler;
  GPtrArray          *fragments;         /* GBytes, plaintext response fragments */
  guint               next_fragment;
  GPtrArray          *waiting_reads;     /* GDBusMethodInvocation, for the response */
  guint64             generation;        /* bumped when a procedure is abandoned */
  GBytes             *timed_body;        /* a Timed Write waiting for Execute Write */
  gint64              timed_deadline;
  GBytes             *pairing_request;
  HapBleAttribute    *pairing_request_attribute;

  /* What the last read returned, for bluetoothd's Read Blob requests (offset > 0). */
  HapBleAttribute    *sent_attribute;
  GBytes             *sent;

  GHashTable         *fallbacks;         /* HapBleAttribute → Fallback */

  /* Indications (docs/protocol.md §5.12). */
  gboolean           *notify;            /* CCC, per attribute */
  GPtrArray          *pending_events;    /* HapBleAttribute, unique */
  gboolean            awaiting_confirm;
  GSource            *confirm_timer;
  gboolean            announced;         /* GSN stepped for this connection's events */
  struct Pending     *delayed;           /* a request a hook delays (HAP_HOOK_DELAY) */
};

static void try_send_events (HapBleLink *link);
static void cancel_delayed (HapBleLink *link);

static HapAccessoryServer *
server_of (HapBleLink *link)
{
  return _hap_ble_transport_get_server (link->ble);
}

/* The simulator's hooks (hap-inspection.h), or NULL. */
static const HapBleHooks *
hooks_of (HapBleLink *link)
{
  return HAP_SERVER_BLE_HOOKS (server_of (link));
}

static GSource *
add_timeout_ms (HapBleLink *link, guint ms, GSourceFunc func, gpointer data)
{
  return _hap_ble_add_timeout (link->ble, ms, func, data);
}

static GSource *
add_timeout (HapBleLink *link, guint seconds, GSourceFunc func, gpointer data)
{
  return add_timeout_ms (link, seconds * 1000, func, data);
}

static void
fallback_free (Fallback *fallback)
{
  hap_ble_request_assembler_clear (&fallback->assembler);
  _hap_ble_clear_source (&fallback->timer);
  g_free (fallback);
}

static HapSession *
new_session (HapBleLink *link)
{
  HapSession *session = _hap_session_new (server_of (link), &hap_ble_transport, link);

  /* docs/protocol.md §3.4: BLE sessions may be resumed. */
  session->pairing.resumable = TRUE;
  return session;
}

static void
fail_waiting_reads (HapBleLink *link)
{
  for (guint i = 0; i < link->waiting_reads->len; i++)
    _hap_ble_gatt_reply_error (g_ptr_array_index (link->waiting_reads, i), "org.bluez.Error.Failed",
                               "the HAP-BLE session was closed");
  g_ptr_array_set_size (link->waiting_reads, 0);
}

/* Forgets the procedure in progress, if any. */
static void
reset_procedure (HapBleLink *link)
{
  link->generation++;
  link->attribute = NULL;
  link->state = STATE_IDLE;
  _hap_ble_clear_source (&link->procedure_timer);
  hap_ble_request_assembler_clear (&link->assembler);
  g_ptr_array_set_size (link->fragments, 0);
  link->next_fragment = 0;
  g_clear_pointer (&link->timed_body, g_bytes_unref);
  g_clear_pointer (&link->pairing_request, g_bytes_unref);
  fail_waiting_reads (link);
}

/* Ends the link's life on our side: procedures, timers and the session go; the
 * hooks hear of it once. The memory stays while references are held. */
static void
link_close (HapBleLink *link)
{
  const HapBleHooks *hooks = hooks_of (link);

  if (link->closed)
    return;
  link->closed = TRUE;
  reset_procedure (link);
  _hap_ble_clear_source (&link->session_timer);
  _hap_ble_clear_source (&link->confirm_timer);
  g_hash_table_remove_all (link->fallbacks);
  cancel_delayed (link);
  if (hooks != NULL && hooks->disconnected != NULL)
    hooks->disconnected (server_of (link), link, server_of (link)->ble_hooks_data);
  _hap_session_close (link->session);
}

void
_hap_ble_link_drop (HapBleLink *link, gboolean after_response, const char *why)
{
  if (link->closed)
    return;
  if (after_response && link->procedure_timer != NULL &&
      (link->state == STATE_PROCESSING || link->state == STATE_RESPONDING))
    {
      link->drop_after_response = TRUE;
      return;
    }
  g_message ("%s: dropping BLE central %s: %s",
             hap_accessory_get_name (server_of (link)->accessory), link->device, why);
  link_close (link);
  _hap_ble_transport_link_closed (link->ble, link);
}

/* Replies with an ATT-level error, then drops the link (the request broke the
 * protocol). */
static void
fail_and_drop (HapBleLink *link, GDBusMethodInvocation *invocation, const char *why)
{
  _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.Failed", why);
  _hap_ble_link_drop (link, FALSE, why);
}

static gboolean
on_session_timeout (gpointer user_data)
{
  HapBleLink *link = user_data;

  g_clear_pointer (&link->session_timer, g_source_unref);
  _hap_ble_link_drop (link, FALSE, link->procedures > 0 ? "the session was idle for 30 s"
                                                        : "no HAP procedure within 10 s of connecting");
  return G_SOURCE_REMOVE;
}

HapBleLink *
_hap_ble_link_new (HapBleTransport *ble, const char *device)
{
  HapBleLink *link = g_new0 (HapBleLink, 1);
  const HapBleHooks *hooks;

  link->ref_count = 1;
  link->ble = ble;
  link->connected_usec = g_get_real_time ();
  link->device = g_strdup (device);
  link->address = g_strdelimit (g_strdup (strrchr (device, '/') != NULL && g_str_has_prefix (strrchr (device, '/'), "/dev_")
                                            ? strrchr (device, '/') + 5 : device), "_", ':');
  link->session = new_session (link);
  link->fragments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  link->waiting_reads = g_ptr_array_new ();
  link->fallbacks = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) fallback_free);
  link->notify = g_new0 (gboolean, _hap_ble_gatt_get_n_attributes (_hap_ble_transport_get_gatt (ble)));
  link->pending_events = g_ptr_array_new ();
  hap_ble_request_assembler_init (&link->assembler, HAP_BLE_MAX_BODY);
  link->session_timer = add_timeout (link, FIRST_PROCEDURE_S, on_session_timeout, link);
  hooks = hooks_of (link);
  if (hooks != NULL && hooks->connected != NULL)
    hooks->connected (server_of (link), link, server_of (link)->ble_hooks_data);
  return link;
}

void
_hap_ble_link_free (HapBleLink *link)
{
  link_close (link);
  hap_ble_connection_unref (link);
}

HapBleConnection *
hap_ble_connection_ref (HapBleConnection *central)
{
  g_atomic_int_inc (&central->ref_count);
  return central;
}

void
hap_ble_connection_unref (HapBleConnection *link)
{
  if (!g_atomic_int_dec_and_test (&link->ref_count))
    return;
  g_assert (link->closed);
  g_clear_pointer (&link->session, _hap_session_unref);
  g_clear_pointer (&link->sent, g_bytes_unref);
  g_ptr_array_unref (link->fragments);
  g_ptr_array_unref (link->waiting_reads);
  g_ptr_array_unref (link->pending_events);
  g_hash_table_unref (link->fallbacks);
  hap_ble_request_assembler_clear (&link->assembler);
  g_free (link->notify);
  g_free (link->device);
  g_free (link->address);
  g_free (link);
}

const char *
_hap_ble_link_get_device (HapBleLink *link)
{
  return link->device;
}

HapSession *
_hap_ble_link_get_session (HapBleLink *link)
{
  return link->session;
}

/* ---- encryption (docs/protocol.md §5.8) ----------------------------------------------- */

static GBytes *
seal (HapBleLink *link, GBytes *plain)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (plain, &len);
  guint8 *out = g_malloc (len + HAP_AEAD_TAG_LEN);

  hap_cipher_seal (&link->session->cipher, NULL, 0, data, len, out);
  return g_bytes_new_take (out, len + HAP_AEAD_TAG_LEN);
}

/* ---- sending the response ------------------------------------------------------------ */

static void
reply_fragment (HapBleLink *link, HapBleAttribute *attribute, GBytes *fragment,
                GDBusMethodInvocation *invocation)
{
  gsize len;
  const guint8 *data;

  g_clear_pointer (&link->sent, g_bytes_unref);
  link->sent = link->started_secured ? seal (link, fragment) : g_bytes_ref (fragment);
  link->sent_attribute = attribute;
  data = g_bytes_get_data (link->sent, &len);
  link->bytes_out += len;
  _hap_ble_gatt_reply_value (invocation, data, len);
}

/* The procedure's last fragment was read. */
static void
procedure_complete (HapBleLink *link)
{
  HapSession *session = link->session;

  link->state = STATE_IDLE;
  g_ptr_array_set_size (link->fragments, 0);
  link->next_fragment = 0;
  /* A Timed Write keeps the procedure for its Execute Write (docs/protocol.md §5.6). */
  if (link->timed_body != NULL)
    return;
  _hap_ble_clear_source (&link->procedure_timer);
  link->attribute = NULL;

  /* A session whose pairing went away mid-procedure ends with it (ADK). */
  if (link->drop_after_response || (link->started_secured && !_hap_session_is_secured (session)))
    {
      _hap_ble_link_drop (link, FALSE, link->drop_after_response ? "its pairing was removed"
                                                                 : "the security session ended");
      return;
    }
  /* §5.8: a secure session idle for 30 s ends. An unsecured one gets as long, or one
   * central that connects and idles would keep the accessory from everyone else. */
  _hap_ble_clear_source (&link->session_timer);
  link->session_timer = add_timeout (link, SECURE_IDLE_S, on_session_timeout, link);
  try_send_events (link);
}

static void
send_next_fragment (HapBleLink *link, GDBusMethodInvocation *invocation)
{
  GBytes *fragment = g_ptr_array_index (link->fragments, link->next_fragment++);

  reply_fragment (link, link->attribute, fragment, invocation);
  if (link->next_fragment == link->fragments->len)
    procedure_complete (link);
}

typedef struct Pending
{
  HapBleLink        *link;             /* referenced */
  guint64            generation;
  HapBleRequestInfo  request;          /* for the hooks; body referenced */
  HapBleRequest     *parsed;           /* while a hook delays it */
  GSource           *delay;
} Pending;

static void
pending_free (Pending *pending)
{
  g_clear_pointer (&pending->request.body, g_bytes_unref);
  hap_ble_connection_unref (pending->link);
  g_free (pending);
}

static void
on_procedure_done (guint8 status, GBytes *body, gpointer user_data)
{
  Pending *pending = user_data;
  HapBleLink *link = pending->link;
  const HapBleHooks *hooks = hooks_of (link);
  HapBleResponseInfo response = { 0 };
  gsize len = 0;
  const guint8 *data;
  GPtrArray *fragments;

  if (link->closed || pending->generation != link->generation)
    {
      pending_free (pending);
      return;
    }
  if (status == HAP_BLE_PROCEDURE_DROP)
    {
      pending_free (pending);
      _hap_ble_link_drop (link, FALSE, "a request out of turn");
      return;
    }
  /* Pair Verify M4 (or a resume, or a transient setup) went out in plaintext, since the
   * procedure started unsecured: the next one is encrypted (§3.1, §5.8). */
  if (!link->started_secured && _hap_session_is_secured (link->session) &&
      link->session->secured_usec == 0)
    {
      _hap_session_secure (link->session);
      if (hooks != NULL && hooks->secured != NULL)
        hooks->secured (server_of (link), link, server_of (link)->ble_hooks_data);
    }

  response.tid = pending->request.tid;
  response.status = status;
  response.body = body != NULL ? g_bytes_ref (body) : NULL;
  response.max_fragment = link->started_secured ? HAP_BLE_MAX_VALUE - HAP_AEAD_TAG_LEN : HAP_BLE_MAX_VALUE;
  if (hooks != NULL && hooks->response != NULL)
    hooks->response (server_of (link), link, &pending->request, &response, server_of (link)->ble_hooks_data);
  data = response.body != NULL ? g_bytes_get_data (response.body, &len) : (len = 0, NULL);
  /* max_fragment 0: the whole response as one fragment, however long (a quirk). */
  fragments = hap_ble_pdu_fragment_response (response.tid, response.status, data, len, response.body != NULL,
                                             response.max_fragment > 0 ? response.max_fragment
                                                                       : len + HAP_BLE_PDU_RESPONSE_HEADER_LEN +
                                                                         HAP_BLE_PDU_BODY_LENGTH_LEN +
                                                                         HAP_BLE_PDU_MIN_FRAGMENT);
  g_clear_pointer (&response.body, g_bytes_unref);
  pending_free (pending);
  g_ptr_array_set_size (link->fragments, 0);
  for (guint i = 0; i < fragments->len; i++)
    g_ptr_array_add (link->fragments, g_bytes_ref (g_ptr_array_index (fragments, i)));
  g_ptr_array_unref (fragments);
  link->next_fragment = 0;
  link->state = STATE_RESPONDING;

  /* Reads that arrived while the request was handled. */
  while (link->waiting_reads->len > 0 && link->state == STATE_RESPONDING && !link->closed)
    {
      GDBusMethodInvocation *invocation = g_ptr_array_steal_index (link->waiting_reads, 0);
      send_next_fragment (link, invocation);
    }
}

static void
dispatch_request (HapBleLink *link, Pending *pending, const HapBleRequest *request)
{
  HapBleProcedureContext context = {
    .ble = link->ble,
    .session = link->session,
    .attribute = link->attribute,
    .timed_body = &link->timed_body,
    .timed_deadline = &link->timed_deadline,
    .pairing_request = &link->pairing_request,
    .pairing_request_attribute = &link->pairing_request_attribute,
  };

  _hap_ble_procedure_run (&context, request, on_procedure_done, pending);
}

/* The link closed while a hook held a request back: it is never handled. */
static void
cancel_delayed (HapBleLink *link)
{
  Pending *pending = g_steal_pointer (&link->delayed);

  if (pending == NULL)
    return;
  _hap_ble_clear_source (&pending->delay);
  hap_ble_request_clear (pending->parsed);
  g_free (pending->parsed);
  pending_free (pending);
}

static gboolean
on_delay_done (gpointer user_data)
{
  Pending *pending = user_data;
  HapBleLink *link = pending->link;
  g_autofree HapBleRequest *request = g_steal_pointer (&pending->parsed);

  g_clear_pointer (&pending->delay, g_source_unref);
  link->delayed = NULL;
  if (pending->generation != link->generation)
    {
      hap_ble_request_clear (request);
      pending_free (pending);
      return G_SOURCE_REMOVE;
    }
  dispatch_request (link, pending, request);
  hap_ble_request_clear (request);
  return G_SOURCE_REMOVE;
}

/* A complete request: the simulator's hook first (hap-inspection.h), then the procedure. */
static void
run_request (HapBleLink *link, HapBleRequest *request)
{
  const HapBleHooks *hooks = hooks_of (link);
  HapHookVerdict verdict = HAP_HOOK_CONTINUE;
  Pending *pending = g_new0 (Pending, 1);
  guint delay_ms = 0;

  pending->link = hap_ble_connection_ref (link);
  pending->generation = link->generation;
  pending->request.opcode = request->opcode;
  pending->request.tid = request->tid;
  pending->request.iid = request->iid;
  pending->request.body = request->body != NULL ? g_bytes_ref (request->body) : NULL;
  pending->request.characteristic = link->attribute->characteristic;
  link->state = STATE_PROCESSING;

  if (hooks != NULL && hooks->request != NULL)
    verdict = hooks->request (server_of (link), link, &pending->request, &delay_ms,
                              server_of (link)->ble_hooks_data);
  switch (verdict)
    {
    case HAP_HOOK_DELAY:
      pending->parsed = g_new0 (HapBleRequest, 1);
      *pending->parsed = *request;
      request->body = NULL;   /* moved */
      pending->delay = add_timeout_ms (link, delay_ms, on_delay_done, pending);
      link->delayed = pending;
      return;
    case HAP_HOOK_HANG:
      /* Never answered: the procedure timer ends it (§5.8). */
      pending_free (pending);
      return;
    case HAP_HOOK_CLOSE:
      pending_free (pending);
      _hap_ble_link_drop (link, FALSE, "a quirk dropped the link");
      return;
    case HAP_HOOK_ANSWERED:
    case HAP_HOOK_CONTINUE:
    default:
      dispatch_request (link, pending, request);
      return;
    }
}

/* ---- writes -------------------------------------------------------------------------- */

static gboolean
on_procedure_timeout (gpointer user_data)
{
  HapBleLink *link = user_data;

  g_clear_pointer (&link->procedure_timer, g_source_unref);
  _hap_ble_link_drop (link, FALSE, "a HAP procedure took more than 10 s");
  return G_SOURCE_REMOVE;
}

/* Pair Setup, Pair Verify and Pairing Features start a new security session (§5.8). */
static gboolean
drops_security (HapBleAttribute *attribute)
{
  HapBlePairingRole role = _hap_ble_pairing_role (attribute->characteristic);

  return role == HAP_BLE_PAIRING_SETUP || role == HAP_BLE_PAIRING_VERIFY || role == HAP_BLE_PAIRING_FEATURES;
}

static void
restart_session (HapBleLink *link)
{
  HapBleGatt *gatt = _hap_ble_transport_get_gatt (link->ble);

  /* A fresh session; the central's CCC subscriptions carry over (§5.12). */
  _hap_session_close (link->session);
  g_clear_pointer (&link->session, _hap_session_unref);
  link->session = new_session (link);
  for (guint i = 0; i < _hap_ble_gatt_get_n_attributes (gatt); i++)
    if (link->notify[i])
      _hap_session_subscribe (link->session, _hap_ble_gatt_get_attribute (gatt, i)->characteristic, TRUE);
}

static void
start_procedure (HapBleLink *link, HapBleAttribute *attribute)
{
  /* ADK, citing spec §7.3.1: a new security session starting cancels the old one. */
  if (_hap_session_is_secured (link->session) && drops_security (attribute))
    restart_session (link);
  link->attribute = attribute;
  link->procedures++;
  link->started_secured = _hap_session_is_secured (link->session);
  link->state = STATE_RECEIVING;
  link->procedure_timer = add_timeout (link, PROCEDURE_TIMEOUT_S, on_procedure_timeout, link);
  _hap_ble_clear_source (&link->session_timer);
}

/* Opens one encrypted fragment; NULL when it does not authenticate. */
static GBytes *
open_fragment (HapBleLink *link, GBytes *value)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (value, &len);
  guint8 *plain;

  if (len < HAP_AEAD_TAG_LEN)
    return NULL;
  plain = g_malloc (len - HAP_AEAD_TAG_LEN + 1);
  if (!hap_cipher_open (&link->session->cipher, NULL, 0, data, len, plain))
    {
      g_free (plain);
      return NULL;
    }
  return g_bytes_new_take (plain, len - HAP_AEAD_TAG_LEN);
}

static gboolean
on_fallback_timeout (gpointer user_data)
{
  Fallback *fallback = user_data;

  g_clear_pointer (&fallback->timer, g_source_unref);
  _hap_ble_link_drop (fallback->link, FALSE, "a HAP procedure took more than 10 s");
  return G_SOURCE_REMOVE;
}

/* A write to a characteristic while a procedure runs on another (§5.7): assembled, and
 * answered with Max-Procedures. */
static void
write_fallback (HapBleLink *link, HapBleAttribute *attribute, GBytes *value,
                GDBusMethodInvocation *invocation)
{
  Fallback *fallback = g_hash_table_lookup (link->fallbacks, attribute);
  g_autoptr(GBytes) plain = NULL;
  g_auto(HapBleRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data;

  if (fallback == NULL)
    {
      fallback = g_new0 (Fallback, 1);
      fallback->link = link;
      hap_ble_request_assembler_init (&fallback->assembler, HAP_BLE_MAX_BODY);
      fallback->timer = add_timeout (link, PROCEDURE_TIMEOUT_S, on_fallback_timeout, fallback);
      g_hash_table_insert (link->fallbacks, attribute, fallback);
    }
  if (_hap_session_is_secured (link->session) && (plain = open_fragment (link, value)) == NULL)
    {
      fail_and_drop (link, invocation, "a fragment failed authentication");
      return;
    }
  data = g_bytes_get_data (plain != NULL ? plain : value, &len);
  switch (hap_ble_request_assembler_feed (&fallback->assembler, data, len, &request, &error))
    {
    case HAP_BLE_PDU_COMPLETE:
      fallback->complete = TRUE;
      fallback->tid = request.tid;
      G_GNUC_FALLTHROUGH;
    case HAP_BLE_PDU_NEED_MORE:
    case HAP_BLE_PDU_IGNORED:
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    case HAP_BLE_PDU_ERROR:
    case HAP_BLE_PDU_INTERRUPTED:
    default:
      fail_and_drop (link, invocation, error->message);
      return;
    }
}

void
_hap_ble_link_write (HapBleLink            *link,
                     HapBleAttribute       *attribute,
                     guint16                offset,
                     GBytes                *value,
                     GDBusMethodInvocation *invocation)
{
  g_autoptr(GBytes) plain = NULL;
  g_auto(HapBleRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data;

  if (link->closed)
    {
      _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.NotPermitted", "the link is being closed");
      return;
    }
  /* bluetoothd delivers a long (prepared) write whole, at offset 0 (docs/bluez.md §1.1):
   * a HAP fragment never starts inside a value. */
  if (offset != 0)
    {
      _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.InvalidOffset",
                                 "HAP-BLE fragments are written whole");
      return;
    }
  link->bytes_in += g_bytes_get_size (value);
  if (g_bytes_get_size (value) > HAP_BLE_MAX_WRITE)
    {
      _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.InvalidValueLength",
                                 "a HAP-BLE fragment is at most 514 bytes");
      return;
    }
  if (g_hash_table_contains (link->fallbacks, attribute) ||
      (link->procedure_timer != NULL && link->attribute != attribute))
    {
      write_fallback (link, attribute, value, invocation);
      return;
    }
  if (link->procedure_timer == NULL)
    start_procedure (link, attribute);
  else if (link->state == STATE_IDLE)
    link->state = STATE_RECEIVING;   /* the Execute Write after a Timed Write */
  else if (link->state != STATE_RECEIVING)
    {
      fail_and_drop (link, invocation, "a new request before the response was read");
      return;
    }

  if (link->started_secured && (plain = open_fragment (link, value)) == NULL)
    {
      fail_and_drop (link, invocation, "a fragment failed authentication");
      return;
    }
  data = g_bytes_get_data (plain != NULL ? plain : value, &len);
  switch (hap_ble_request_assembler_feed (&link->assembler, data, len, &request, &error))
    {
    case HAP_BLE_PDU_NEED_MORE:
    case HAP_BLE_PDU_IGNORED:
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    case HAP_BLE_PDU_COMPLETE:
      g_dbus_method_invocation_return_value (invocation, NULL);
      run_request (link, &request);
      return;
    case HAP_BLE_PDU_ERROR:
    case HAP_BLE_PDU_INTERRUPTED:
    default:
      fail_and_drop (link, invocation, error->message);
      return;
    }
}

/* ---- reads --------------------------------------------------------------------------- */

static void
read_fallback (HapBleLink *link, HapBleAttribute *attribute, Fallback *fallback,
               GDBusMethodInvocation *invocation)
{
  g_autoptr(GPtrArray) fragments = NULL;

  if (!fallback->complete)
    {
      fail_and_drop (link, invocation, "a response read before its request was complete");
      return;
    }
  fragments = hap_ble_pdu_fragment_response (fallback->tid, HAP_BLE_PDU_STATUS_MAX_PROCEDURES,
                                             NULL, 0, FALSE, HAP_BLE_MAX_VALUE);
  reply_fragment (link, attribute, g_ptr_array_index (fragments, 0), invocation);
  g_hash_table_remove (link->fallbacks, attribute);
}

void
_hap_ble_link_read (HapBleLink            *link,
                    HapBleAttribute       *attribute,
                    guint16                offset,
                    GDBusMethodInvocation *invocation)
{
  Fallback *fallback;

  if (link->closed)
    {
      _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.NotPermitted", "the link is being closed");
      return;
    }
  /* A Read Blob continues the value the last read returned (docs/bluez.md §1.1). */
  if (offset > 0)
    {
      gsize len = link->sent != NULL ? g_bytes_get_size (link->sent) : 0;

      if (link->sent_attribute != attribute || offset > len)
        _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.InvalidOffset", "offset past the value");
      else
        _hap_ble_gatt_reply_value (invocation, (const guint8 *) g_bytes_get_data (link->sent, NULL) + offset,
                                   len - offset);
      return;
    }
  if ((fallback = g_hash_table_lookup (link->fallbacks, attribute)) != NULL)
    {
      read_fallback (link, attribute, fallback, invocation);
      return;
    }
  /* §5.7: a read must answer a request written on the same characteristic (the ADK,
   * citing spec §7.5 item 12). */
  if (link->procedure_timer == NULL || link->attribute != attribute)
    {
      fail_and_drop (link, invocation, "a read without a request");
      return;
    }
  switch (link->state)
    {
    case STATE_PROCESSING:
      g_ptr_array_add (link->waiting_reads, invocation);
      return;
    case STATE_RESPONDING:
      send_next_fragment (link, invocation);
      return;
    case STATE_IDLE:
    case STATE_RECEIVING:
    default:
      fail_and_drop (link, invocation, "a read without a complete request");
      return;
    }
}

/* ---- indications (docs/protocol.md §5.12) ---------------------------------------------- */

static gboolean
on_confirm_timeout (gpointer user_data)
{
  HapBleLink *link = user_data;

  g_clear_pointer (&link->confirm_timer, g_source_unref);
  link->awaiting_confirm = FALSE;
  try_send_events (link);
  return G_SOURCE_REMOVE;
}

static void
try_send_events (HapBleLink *link)
{
  HapBleGatt *gatt = _hap_ble_transport_get_gatt (link->ble);

  while (!link->closed && !link->awaiting_confirm && link->pending_events->len > 0)
    {
      HapBleAttribute *attribute = g_ptr_array_index (link->pending_events, 0);

      /* Not to an unverified or transient session: they stay pending (ADK). */
      if (!_hap_session_is_secured (link->session) || _hap_session_is_transient (link->session))
        return;
      g_ptr_array_remove_index (link->pending_events, 0);
      if (!link->notify[attribute->index] || !hap_access_may_notify (link->session, attribute->characteristic))
        continue;
      _hap_ble_gatt_indicate (gatt, attribute);
      if (hooks_of (link) != NULL && hooks_of (link)->indication != NULL)
        hooks_of (link)->indication (server_of (link), link, attribute->characteristic,
                                     server_of (link)->ble_hooks_data);
      link->awaiting_confirm = TRUE;
      link->confirm_timer = add_timeout (link, CONFIRM_TIMEOUT_S, on_confirm_timeout, link);
      /* §5.11: the first event of a connection steps the GSN, once. */
      if (!link->announced)
        {
          link->announced = TRUE;
          _hap_ble_transport_bump_gsn (link->ble);
        }
    }
}

void
_hap_ble_link_confirmed (HapBleLink *link)
{
  link->awaiting_confirm = FALSE;
  _hap_ble_clear_source (&link->confirm_timer);
  try_send_events (link);
}

void
_hap_ble_link_queue_event (HapBleLink *link, HapCharacteristic *characteristic)
{
  HapBleAttribute *attribute = _hap_ble_gatt_lookup (_hap_ble_transport_get_gatt (link->ble), characteristic);

  if (attribute == NULL || !link->notify[attribute->index])
    return;
  /* Once per change until sent: the controller reads the value itself. */
  if (!g_ptr_array_find (link->pending_events, attribute, NULL))
    g_ptr_array_add (link->pending_events, attribute);
  try_send_events (link);
}

void
_hap_ble_link_set_notify (HapBleLink *link, HapBleAttribute *attribute, gboolean enabled)
{
  link->notify[attribute->index] = enabled;
  _hap_session_subscribe (link->session, attribute->characteristic, enabled);
  if (enabled)
    try_send_events (link);
}

/* ---- hap-inspection.h: a central as inspection sees it ---------------------------------- */

/* Not built with -Dinspection=false: nothing inside the library calls these. */
#if HAP_ENABLE_INSPECTION

guint64
hap_ble_connection_get_id (HapBleConnection *central)
{
  return central->session->id;
}

const char *
hap_ble_connection_get_device_path (HapBleConnection *central)
{
  return central->device;
}

const char *
hap_ble_connection_get_address (HapBleConnection *central)
{
  return central->address;
}

const char *
hap_ble_connection_get_controller_id (HapBleConnection *central)
{
  return central->closed ? NULL : _hap_session_get_controller_id (central->session);
}

gboolean
hap_ble_connection_is_secured (HapBleConnection *central)
{
  return !central->closed && _hap_session_is_secured (central->session);
}

gint64
hap_ble_connection_get_connected_time (HapBleConnection *central)
{
  return central->connected_usec;
}

gint64
hap_ble_connection_get_secured_time (HapBleConnection *central)
{
  return central->session->secured_usec;
}

guint64
hap_ble_connection_get_n_procedures (HapBleConnection *central)
{
  return central->procedures;
}

guint64
hap_ble_connection_get_bytes_in (HapBleConnection *central)
{
  return central->bytes_in;
}

guint64
hap_ble_connection_get_bytes_out (HapBleConnection *central)
{
  return central->bytes_out;
}

GPtrArray *
hap_ble_connection_dup_subscriptions (HapBleConnection *central)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer characteristic;

  g_hash_table_iter_init (&iter, central->session->subscriptions);
  while (g_hash_table_iter_next (&iter, &characteristic, NULL))
    g_ptr_array_add (out, g_object_ref (characteristic));
  return out;
}

void
hap_ble_connection_disconnect (HapBleConnection *central)
{
  _hap_ble_link_drop (central, FALSE, "asked to");
}
#endif /* HAP_ENABLE_INSPECTION */
