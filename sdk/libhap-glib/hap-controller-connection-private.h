/* hap-controller-connection-private.h — HapControllerConnection's fields, shared by
 * hap-controller-connection.c (the object) and hap-controller-transport.c (its IP
 * transport)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-controller-private.h"
#include "hap-controller-ble-private.h"
#include "hap-deadline-private.h"
#include "hap-frame-private.h"

G_BEGIN_DECLS

struct _HapControllerConnection
{
  GObject             parent_instance;

  HapController      *controller;
  guint               timeout_ms;
  char               *host;
  guint16             port;
  char               *accessory_id;

  GSocketConnection  *stream;
  GSocket            *socket;
  HapHttpParser      *parser;
  HapFrameCodec      *codec;
  GQueue              responses;
  GQueue              events;
  GQueue              waiters;  /* of Waiter, oldest first */
  GSource            *watch;    /* reads events while no waiter does */
  guint               skip_responses;  /* answers to abandoned exchanges, to drop */
  gboolean            writing;  /* a request waits for room in the socket */
  gboolean            closed_emitted;
  gboolean            closed;
  gboolean            broken;   /* a frame or message did not decode: only EOF is awaited */
  GByteArray         *raw;      /* when set, received plaintext goes here, not to the parser */

  HapControllerBle   *ble;      /* set instead of the socket over Bluetooth LE */
};

/* Completes every waiting read with a copy of @error. */
void hap_controller_connection_fail_waiters (HapControllerConnection *self,
                                             const GError            *error);
void hap_controller_connection_emit_event   (HapControllerConnection *self,
                                             guint64                  aid,
                                             guint64                  iid,
                                             JsonNode                *value);
void hap_controller_connection_emit_closed  (HapControllerConnection *self,
                                             const GError            *error);

G_END_DECLS
