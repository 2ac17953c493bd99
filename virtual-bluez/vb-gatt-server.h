/* vb-gatt-server.h — GattManager1 of one adapter and its ATT server
 *                    (vb-gatt-server.c, vb-att-server.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vb-gatt-db.h"
#include "vb-types.h"

G_BEGIN_DECLS

/* Delivers a notification or indication to the central of a link; an indication is
 * confirmed when this returns. */
typedef void (*VbGattDeliver) (gpointer  user_data,
                               guint16   value_handle,
                               GBytes   *value,
                               gboolean  indication);

/* The server-side state of one link (bluetoothd's struct device_state). */
struct _VbGattPeer
{
  gint ref_count;
  gboolean attached;
  VbGattServer *server;          /* while attached */
  char *device_path;             /* the central's Device1 on the server's adapter */
  guint16 mtu;
  GHashTable *ccc;               /* CCC handle → value */
  guint8 client_features;        /* Client Supported Features (0x2B29) */
  GPtrArray *prepare_queue;      /* PrepareEntry, Prepare Write Requests not yet executed */
  VbGattDeliver deliver;
  gpointer deliver_data;
};

struct _VbGattServer
{
  VbAdapter *adapter;
  VbGattDb db;
  GPtrArray *apps;               /* GattApp */
  GPtrArray *peers;              /* VbGattPeer, attached */
};

VbGattServer *vb_gatt_server_new (VbAdapter  *adapter,
                                  GError    **error);
void vb_gatt_server_free (VbGattServer *server);

/* A bus name left: its applications are unregistered. Returns TRUE when it had any
 * (the caller drops the adapter's links: see README, "a crashed accessory"). */
gboolean vb_gatt_server_name_vanished (VbGattServer *server,
                                       const char   *name);

/* The primary service UUIDs of the database, sorted (Adapter1 and Device1 UUIDs). */
char **vb_gatt_server_list_uuids (VbGattServer *server,
                                  gboolean      include_hidden);

VbGattPeer *vb_gatt_server_attach (VbGattServer *server,
                                   const char   *device_path,
                                   guint16       mtu,
                                   VbGattDeliver deliver,
                                   gpointer      deliver_data);

/* The link went down: CCC states are cleared (StopNotify() when the last subscriber
 * goes, as bluetoothd does for an unbonded device), queued prepared writes dropped. */
void vb_gatt_server_detach (VbGattServer *server,
                            VbGattPeer   *peer);

void vb_gatt_peer_unref (VbGattPeer *peer);

typedef void (*VbGattReadDone) (guint8   att_error,
                                GBytes  *value,
                                gpointer user_data);
typedef void (*VbGattWriteDone) (guint8   att_error,
                                 gpointer user_data);

/* ATT Read (offset 0) or Read Blob Request. The answer is already cut to MTU-1. */
void vb_gatt_server_read (VbGattServer   *server,
                          VbGattPeer     *peer,
                          guint16         handle,
                          guint16         offset,
                          VbGattReadDone  done,
                          gpointer        user_data);

/* ATT Write Request, or Write Command when @command (then @done may be NULL and is
 * called at once). */
void vb_gatt_server_write (VbGattServer    *server,
                           VbGattPeer      *peer,
                           guint16          handle,
                           GBytes          *value,
                           gboolean         command,
                           VbGattWriteDone  done,
                           gpointer         user_data);

/* ATT Prepare Write Request: queued (contiguous fragments merged). */
guint8 vb_gatt_server_prepare_write (VbGattServer *server,
                                     VbGattPeer   *peer,
                                     guint16       handle,
                                     guint16       offset,
                                     GBytes       *fragment);

/* ATT Execute Write Request (@commit FALSE cancels). */
void vb_gatt_server_execute_write (VbGattServer    *server,
                                   VbGattPeer      *peer,
                                   gboolean         commit,
                                   VbGattWriteDone  done,
                                   gpointer         user_data);

/* For org.hapsim.VirtualBluez1.GetDatabase: a(qsss). */
GVariant *vb_gatt_server_describe (VbGattServer *server);

G_END_DECLS
