/* hap-server-hooks.h — observation and interception points of the HAP/IP server
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For the simulator in this tree: its traffic trace, session inspection and quirks
 * (deliberate protocol misbehaviour) sit here. Not installed, no ABI promise: an
 * embedder serving real accessories has no use for bending the wire format.
 *
 * Every hook runs on the server's GMainContext. A hook that is NULL costs one pointer
 * test; a server without hooks behaves exactly as before.
 */
#pragma once

#include <gio/gio.h>

#include "hap-accessory-server.h"
#include "hap-http-parser-private.h"
#include "hap-storage-private.h"

G_BEGIN_DECLS

typedef struct _HapConnection HapConnection;

/* What to do with a request after the request hook saw it. */
typedef enum
{
  HAP_HOOK_CONTINUE,   /* handle it normally */
  HAP_HOOK_ANSWERED,   /* the hook sent the answer itself (hap_connection_send_response) */
  HAP_HOOK_HANG,       /* never answer: the connection stays busy, later requests queue */
  HAP_HOOK_CLOSE,      /* close the connection without answering */
  HAP_HOOK_DELAY,      /* handle it normally after *delay_ms (the hooks are not asked again) */
} HapHookVerdict;

typedef enum
{
  HAP_MESSAGE_RESPONSE,  /* "HTTP/1.1 …" answering a request (or a parse error: request NULL) */
  HAP_MESSAGE_EVENT,     /* "EVENT/1.0 …" */
  HAP_MESSAGE_RAW,       /* bytes a hook sent with hap_connection_send_raw() */
} HapMessageKind;

/* HapHttpMessage.flags set by the connection on requests. */
#define HAP_REQUEST_SPLIT 0x1u   /* its bytes arrived in more than one read */

typedef struct
{
  /* A controller connected. FALSE closes it at once, before anything is read. */
  gboolean       (*accept)   (HapAccessoryServer *server,
                              HapConnection      *conn,
                              gpointer            user_data);
  /* Pair Verify (or transient Pair Setup) finished: the session is encrypted from now on. */
  void           (*secured)  (HapAccessoryServer *server,
                              HapConnection      *conn,
                              gpointer            user_data);
  /* The connection closed, for any reason; @conn is still valid during the call. */
  void           (*closed)   (HapAccessoryServer *server,
                              HapConnection      *conn,
                              gpointer            user_data);
  /* A complete request (decrypted), before it is handled. The hook may replace
   * request->body; the server then handles the new one. */
  HapHookVerdict (*request)  (HapAccessoryServer *server,
                              HapConnection      *conn,
                              HapHttpMessage     *request,
                              guint              *delay_ms,
                              gpointer            user_data);
  /* The answer to @request (NULL for a malformed request) before it is written: the
   * status, content type (a static string or NULL) and body may be replaced. */
  void           (*response) (HapAccessoryServer *server,
                              HapConnection      *conn,
                              HapHttpMessage     *request,
                              guint              *status,
                              const char        **content_type,
                              GByteArray         *body,
                              gpointer            user_data);
  /* The whole plaintext message about to be framed and sent; it may be rewritten. Left
   * empty, nothing is sent. */
  void           (*message)  (HapAccessoryServer *server,
                              HapConnection      *conn,
                              HapMessageKind      kind,
                              HapHttpMessage     *request,
                              GByteArray         *message,
                              gpointer            user_data);
  /* The DNS-SD TXT items ("key=value", g_free()d strings) about to be published. */
  void           (*txt)      (HapAccessoryServer *server,
                              GPtrArray          *items,
                              gpointer            user_data);
} HapServerHooks;

/* @hooks must outlive the server (a static table). NULL removes them. */
void         hap_accessory_server_set_hooks         (HapAccessoryServer *self,
                                                     const HapServerHooks *hooks,
                                                     gpointer            user_data);
/* Publishes the TXT record again (after a txt hook changed its mind). */
void         hap_accessory_server_refresh_txt       (HapAccessoryServer *self);
/* Pair Setup uses this salt instead of a random one (16 bytes; NULL: random again). */
void         hap_accessory_server_set_fixed_salt    (HapAccessoryServer *self,
                                                     const guint8       *salt);
/* The pairings (HapPairing*), in the order they were added. */
GPtrArray   *hap_accessory_server_get_pairings      (HapAccessoryServer *self);
/* Removes a pairing as RemovePairing does: the controller's sessions close and, when no
 * admin remains, every pairing goes (hap-protocol.md §3.5). FALSE if there is none. */
gboolean     hap_accessory_server_remove_pairing    (HapAccessoryServer *self,
                                                     const char         *controller_id,
                                                     GError            **error);
/* The open connections, each with a reference (free the array). */
GPtrArray   *hap_accessory_server_dup_connections   (HapAccessoryServer *self);

HapConnection *hap_connection_ref                   (HapConnection      *conn);
void         hap_connection_unref                   (HapConnection      *conn);
HapAccessoryServer *hap_connection_get_server       (HapConnection      *conn); /* NULL once closed */
/* Unique within the process, never reused. */
guint64      hap_connection_get_id                  (HapConnection      *conn);
const char  *hap_connection_get_peer                (HapConnection      *conn); /* "addr:port" */
/* The verified controller's pairing identifier, or NULL. */
const char  *hap_connection_get_controller_id       (HapConnection      *conn);
gboolean     hap_connection_is_secured              (HapConnection      *conn);
/* Wall-clock times in µs (g_get_real_time()); secured is 0 until Pair Verify ends. */
gint64       hap_connection_get_connected_time      (HapConnection      *conn);
gint64       hap_connection_get_secured_time        (HapConnection      *conn);
guint64      hap_connection_get_n_requests          (HapConnection      *conn);
guint64      hap_connection_get_bytes_in            (HapConnection      *conn);
guint64      hap_connection_get_bytes_out           (HapConnection      *conn);
/* The Pair Setup session key (hap-protocol.md §2.3) once M4 is out, for the
 * simulator's MFi-shaped M4 quirk; NULL otherwise (transient setup, no setup). */
const guint8 *hap_connection_get_pair_setup_key     (HapConnection      *conn);
/* The subscribed characteristics (HapCharacteristic, referenced). */
GPtrArray   *hap_connection_dup_subscriptions       (HapConnection      *conn);

/* An HTTP response, through the response and message hooks like any other. */
void         hap_connection_send_response           (HapConnection      *conn,
                                                     guint               status,
                                                     const char         *content_type,
                                                     const guint8       *body,
                                                     gsize               len);
/* Bytes as they are (framed and encrypted once the session is secured). */
void         hap_connection_send_raw                (HapConnection      *conn,
                                                     const guint8       *data,
                                                     gsize               len);
/* An event for @characteristic, subscribed or not, under the usual coalescing; queued
 * while a request is being answered, it goes out after that response. */
void         hap_connection_queue_event             (HapConnection      *conn,
                                                     HapCharacteristic  *characteristic);
/* After HAP_HOOK_HANG: the hung request is over; later ones are served again. */
void         hap_connection_request_done            (HapConnection      *conn);
void         hap_connection_close                   (HapConnection      *conn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapConnection, hap_connection_unref)

G_END_DECLS
