/* hap-ip-private.h — the HAP/IP transport: TCP listener, connections, HTTP endpoints,
 * encrypted frames and the _hap._tcp record
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hap-advertiser-private.h"
#include "hap-frame-private.h"
#include "hap-http-parser-private.h"
#include "hap-poll-group-private.h"
#include "hap-server-private.h"

G_BEGIN_DECLS

typedef struct
{
  HapAccessoryServer *server;
  HapPollGroup       *poll;                /* every connection's socket */
  GSocketService     *service;
  HapAdvertiser      *advertiser;          /* the server's, or one of our own */
  HapAdvertisement   *advertisement;
  GPtrArray          *connections;         /* HapConnection */
  guint8              recv_buffer[16384];  /* shared: one context runs one callback at a time */
} HapIpTransport;

struct _HapConnection
{
  gint                ref_count;
  HapAccessoryServer *server;              /* NULL once closed */
  HapIpTransport     *ip;                  /* NULL once closed */
  HapSession         *session;             /* pairing state, keys, subscriptions */
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

  GPtrArray          *pending_events;      /* HapCharacteristic, unique, in change order */
  GSource            *event_timer;
  gint64              last_event_usec;

  gboolean            prepared;            /* timed write (hap-protocol.md §4.8) */
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

/* hap-ip-transport.c */
void           _hap_ip_transport_remove_connection (HapIpTransport *ip,
                                                    HapConnection  *conn);

G_END_DECLS
