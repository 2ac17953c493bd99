/* hap-ip-private.h — the HAP/IP transport: TCP listener, connections, HTTP endpoints,
 * encrypted frames and the _hap._tcp record
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hap-advertiser-private.h"
#include "hap-connection-limit.h"
#include "hap-frame-private.h"
#include "hap-http-parser-private.h"
#include "hap-poll-group-private.h"
#include "hap-server-private.h"

G_BEGIN_DECLS

/* Buffers an answer is built in, kept from one request to the next instead of allocated
 * for each (bench/README.md, "Where the accessory's time goes"). The transport holds
 * them for all its connections: one thread answers them one at a time, and memory does
 * not grow with the number of connections. See _hap_connection_take_buffer(). */
typedef enum
{
  HAP_BUFFER_TARGET,        /* the request target, split */
  HAP_BUFFER_JSON,          /* a /characteristics answer */
  HAP_N_BUFFERS
} HapBuffer;

/* The same for plaintext, wiped before it is kept. */
typedef enum
{
  HAP_PLAIN_MESSAGE,        /* a response's head and body */
  HAP_PLAIN_HOOK,           /* the body a response hook may change */
  HAP_PLAIN_RECV,           /* decrypted input on its way to the parser */
  HAP_N_PLAIN
} HapPlainBuffer;

typedef struct
{
  HapAccessoryServer *server;
  HapPollGroup       *poll;                /* every connection's socket */
  GPtrArray          *listeners;           /* GSocket, listening */
  GPtrArray          *listener_watches;    /* HapPollWatch, parallel to listeners */
  GSource            *accept_backoff;      /* out of descriptors: accept again later */
  guint               backoff_ms;
  gint64              fds_logged_usec;     /* the last "out of descriptors" message */
  gint64              cap_logged_usec;     /* the last "at the cap" message */
  HapConnectionLimit *limit;               /* the server's, or one of our own */
  GSource            *sweep;               /* closes idle and stalled connections */
  guint               sweep_ms;
  guint               n_reserved;          /* descriptors reserved in the limit */
  GSource            *trim;                /* returns freed memory to the kernel */
  HapAdvertiser      *advertiser;          /* the server's, or one of our own */
  HapAdvertisement   *advertisement;
  GPtrArray          *connections;         /* HapConnection */
  guint8             *recv_buffer;         /* the poll group's (hap_poll_group_get_buffer()) */
  GString            *buffers[HAP_N_BUFFERS];
  GByteArray         *plain[HAP_N_PLAIN];
} HapIpTransport;

struct _HapConnection
{
  gint                ref_count;
  HapAccessoryServer *server;              /* NULL once closed */
  HapIpTransport     *ip;                  /* NULL once closed */
  HapSession         *session;             /* pairing state, keys, subscriptions */
  GList               limit_link;          /* in the HapConnectionLimit's queue */
  GSocketConnection  *stream;
  GSocket            *socket;
  int                 fd;
  HapPollWatch       *watch;               /* in the transport's poll group */
  char               *peer;                /* "address:port" */

  HapHttpParser      *parser;
  HapFrameCodec      *codec;               /* NULL until the session is secured */

  GByteArray         *out;                 /* bytes waiting for the socket */
  gsize               out_offset;
  gboolean            close_after_flush;

  gboolean            busy;                /* a request is being answered */
  GQueue              requests;            /* HapHttpMessage, pipelined after the current one */
  GSource            *process_source;      /* one idle that goes on with them */
  gboolean            reading;             /* G_IO_IN is watched */
  gboolean            parser_full;         /* complete requests wait in the parser */
  guint64             n_parsed;            /* complete requests taken out of the parser */
  gboolean            grew;                /* held a large buffer: trim memory at close */

  /* Timers, checked by the transport's sweep (monotonic µs). */
  gint64              pairing_activity_usec; /* accepted, or the last pairing request */
  gint64              partial_since_usec;  /* input stalled mid-request or mid-frame, or 0 */

  GPtrArray          *pending_events;      /* HapCharacteristic, unique, in change order */
  GSource            *event_timer;
  gint64              last_event_usec;

  gboolean            prepared;            /* timed write (docs/protocol.md §4.8) */
  guint64             prepared_pid;
  gint64              prepared_deadline_usec;

  guint64             n_requests;
  guint64             bytes_in;
  guint64             bytes_out;
  HapHttpMessage     *current;             /* the request being answered, owned */
  GSource            *delay_timer;         /* a request hook asked to wait */
  gboolean            in_hook;             /* a message hook is running: no re-entry */
};

/* hap-connection.c */
HapConnection *_hap_connection_new            (HapIpTransport     *ip,
                                               GSocketConnection  *stream);
HapConnection *_hap_connection_ref            (HapConnection      *conn);
void           _hap_connection_unref          (HapConnection      *conn);
/* Closes the socket now and detaches from the transport; safe to call twice. */
void           _hap_connection_close          (HapConnection      *conn);
/* Queues bytes (encrypted when the session is secured) and writes what the socket takes. */
void           _hap_connection_send           (HapConnection      *conn,
                                               const guint8       *data,
                                               gsize               len);
void           _hap_connection_send_response  (HapConnection      *conn,
                                               guint               status,
                                               const char         *content_type,
                                               const guint8       *body,
                                               gsize               len);
/* Takes the transport's kept buffer @which, emptied; a new one when it is in use (a hook
 * may answer from inside another answer) or the connection is closed.
 * _hap_connection_keep_buffer() puts it back, or frees it when the slot was refilled
 * meanwhile, the connection closed or the buffer grew large. */
GString       *_hap_connection_take_buffer    (HapConnection      *conn,
                                               HapBuffer           which);
void           _hap_connection_keep_buffer    (HapConnection      *conn,
                                               HapBuffer           which,
                                               GString            *buffer);
/* The current request is answered: go on with pipelined requests and held events. */
void           _hap_connection_request_done   (HapConnection      *conn);
/* A subscribed characteristic changed. */
void           _hap_connection_queue_event    (HapConnection      *conn,
                                               HapCharacteristic  *characteristic);
/* Pair Verify (or a transient Pair Setup) ended: frames are encrypted from now on. */
void           _hap_connection_secured        (HapConnection      *conn);

/* hap-ip-endpoints.c: answers one request; calls _hap_connection_request_done when the
 * answer has been queued (at once, or after asynchronous handlers). */
void           _hap_connection_handle_request (HapConnection      *conn,
                                               HapHttpMessage     *request);

/* Closes a connection for a reason worth a debug line (timeouts, eviction). */
void           _hap_connection_drop           (HapConnection      *conn,
                                               const char         *reason);

/* hap-ip-listener.c: the listening sockets, the accept loop and admission (caps) */
gboolean       _hap_ip_listener_start         (HapIpTransport     *ip,
                                               GError            **error);
void           _hap_ip_listener_stop          (HapIpTransport     *ip);

/* hap-ip-transport.c */
void           _hap_ip_transport_remove_connection (HapIpTransport *ip,
                                                    HapConnection  *conn);
/* Starts the idle/stall/pairing timer sweep unless it runs. */
void           _hap_ip_transport_schedule_sweep    (HapIpTransport *ip);
/* A connection that held large buffers went away: give the memory back soon. */
void           _hap_ip_transport_schedule_trim     (HapIpTransport *ip);

/* hap-connection-limit.c */
void           _hap_connection_limit_add      (HapConnectionLimit *self,
                                               HapConnection      *conn);
void           _hap_connection_limit_remove   (HapConnectionLimit *self,
                                               HapConnection      *conn);
/* A transport's own descriptors (listening sockets, epoll), kept out of the derived cap. */
void           _hap_connection_limit_reserve  (HapConnectionLimit *self,
                                               guint               n_descriptors);
void           _hap_connection_limit_release  (HapConnectionLimit *self,
                                               guint               n_descriptors);
/* The one poll group (epoll instance) of every server sharing @self, made at the first
 * acquire and freed at the last release; NULL with @error when the kernel refuses it. */
HapPollGroup  *_hap_connection_limit_acquire_poll (HapConnectionLimit *self,
                                                   GMainContext       *context,
                                                   GError            **error);
void           _hap_connection_limit_release_poll (HapConnectionLimit *self);
/* The oldest connection (of @only, or of any server when NULL) that is not secured. */
HapConnection *_hap_connection_limit_find_unverified (HapConnectionLimit *self,
                                                      HapIpTransport     *only);

G_END_DECLS
