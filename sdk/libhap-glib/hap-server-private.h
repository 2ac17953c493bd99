/* hap-server-private.h — internals shared by the IP server, its connections and endpoints
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "hap-accessory-server.h"
#include "hap-advertiser-private.h"
#include "hap-frame-private.h"
#include "hap-http-parser-private.h"
#include "hap-pairing-private.h"
#include "hap-poll-group-private.h"
#include "hap-server-hooks.h"
#include "hap-storage-private.h"

G_BEGIN_DECLS

struct _HapAccessoryServer
{
  GObject             parent_instance;

  HapAccessory       *accessory;
  char               *state_dir;
  guint16             port;
  char               *bind_address;
  char               *setup_code;          /* requested before start, or NULL */
  guint               event_window_ms;
  guint               handler_timeout_ms;

  GMainContext       *context;
  HapPollGroup       *poll;                /* every connection's socket */
  GSocketService     *service;
  HapAdvertiser      *advertiser;
  HapAdvertisement   *advertisement;
  gboolean            advertise;
  HapStorage         *storage;
  HapPairingContext   pairing;
  GHashTable         *characteristics;     /* guint64 (aid << 32 | iid) → HapCharacteristic */
  GHashTable         *subscribers;         /* HapCharacteristic → GHashTable set of HapConnection */
  GPtrArray          *value_handlers;      /* HapCharacteristic, parallel to handler ids */
  GArray             *value_handler_ids;   /* gulong */
  GPtrArray          *connections;         /* HapConnection */
  guint8              recv_buffer[16384];  /* shared: one context runs one callback at a time */
  gboolean            started;
  const HapServerHooks *hooks;             /* hap-server-hooks.h, or NULL */
  gpointer            hooks_data;
  guint64             last_connection_id;
};

struct _HapConnection
{
  gint                ref_count;
  HapAccessoryServer *server;              /* NULL once closed */
  GSocketConnection  *stream;
  GSocket            *socket;
  int                 fd;
  HapPollWatch       *watch;               /* in the server's poll group */
  char               *peer;                /* "address:port" */

  HapHttpParser      *parser;
  HapFrameCodec      *codec;               /* NULL until Pair Verify (or transient setup) ends */
  HapPairingSession   pairing;

  GByteArray         *out;                 /* bytes waiting for the socket */
  gsize               out_offset;
  gboolean            close_after_flush;

  gboolean            busy;                /* a request is being answered */
  GQueue              requests;            /* HapHttpMessage, pipelined after the current one */

  GHashTable         *subscriptions;       /* set of HapCharacteristic */
  GPtrArray          *pending_events;      /* HapCharacteristic, unique, in change order */
  GSource            *event_timer;
  gint64              last_event_usec;

  gboolean            prepared;            /* timed write (hap-protocol.md §4.8) */
  guint64             prepared_pid;
  gint64              prepared_deadline_usec;

  gint64              established_usec;    /* connected (real time) */
  gint64              secured_usec;        /* Pair Verify done (real time), or 0 */
  guint64             n_requests;
  guint64             bytes_in;
  guint64             bytes_out;
  guint64             id;                  /* process-unique */
  HapHttpMessage     *current;             /* the request being answered, owned */
  GSource            *delay_timer;         /* a request hook asked to wait */
  gboolean            in_hook;             /* a message hook is running: no re-entry */
};

/* hap-connection.c */
HapConnection *_hap_connection_new            (HapAccessoryServer *server,
                                               GSocketConnection  *stream);
HapConnection *_hap_connection_ref            (HapConnection      *conn);
void           _hap_connection_unref          (HapConnection      *conn);
/* Closes the socket now and detaches from the server; safe to call twice. */
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
/* Called by the server when a subscribed characteristic changed. */
void           _hap_connection_queue_event    (HapConnection      *conn,
                                               HapCharacteristic  *characteristic);
void           _hap_connection_subscribe      (HapConnection      *conn,
                                               HapCharacteristic  *characteristic,
                                               gboolean            enable);
gboolean       _hap_connection_is_admin       (HapConnection      *conn);

/* hap-ip-endpoints.c: answers one request; calls _hap_connection_request_done when the
 * answer has been queued (at once, or after asynchronous handlers). */
void           _hap_connection_handle_request (HapConnection      *conn,
                                               HapHttpMessage     *request);

/* hap-accessory-server.c */
/* Called by the connection once the session became secured. */
void               _hap_accessory_server_secured (HapAccessoryServer *self,
                                                  HapConnection      *conn);
HapCharacteristic *_hap_accessory_server_lookup  (HapAccessoryServer *self,
                                                  guint64             aid,
                                                  guint64             iid);
HapAccessory      *_hap_accessory_server_lookup_accessory (HapAccessoryServer *self,
                                                           guint64             aid);
void               _hap_accessory_server_remove_connection (HapAccessoryServer *self,
                                                            HapConnection      *conn);
void               _hap_accessory_server_set_subscribed   (HapAccessoryServer *self,
                                                           HapConnection      *conn,
                                                           HapCharacteristic  *characteristic,
                                                           gboolean            subscribed);

G_END_DECLS
