/* vb-device.h — Device1 objects and the LE connections between virtual adapters
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vb-advertising.h"
#include "vb-types.h"

G_BEGIN_DECLS

/* What every scanner measures: the double has no radio. */
#define VB_RSSI (-50)

/* /org/bluez/hciN/dev_XX: adapter @adapter's view of adapter @remote. The same
 * object is the peripheral a central connects to and, on the peripheral's side, the
 * central that connected. */
struct _VbDevice
{
  VbAdapter *adapter;
  VbAdapter *remote;
  char *path;
  char *address;                 /* the remote adapter's */
  gboolean exported;
  char *alias;                   /* set through Alias, else NULL */
  /* From advertising reports (bluetoothd keeps them after the adverts stop). */
  char *name;
  GVariant *manufacturer_data;   /* a{qv} or NULL */
  GVariant *service_data;        /* a{sv} or NULL */
  char **adv_uuids;              /* full form */
  char **gatt_uuids;             /* primary services found over GATT */
  gboolean has_rssi;
  gboolean has_tx_power;
  gint16 tx_power;
  gboolean has_appearance;
  guint16 appearance;
  gboolean has_flags;
  guint8 flags;
  gboolean trusted;
  gboolean blocked;
  /* Connection state. */
  VbConnection *connection;
  gboolean services_resolved;
  GPtrArray *pending_connects;   /* GDBusMethodInvocation */
  guint connect_timer;
  guint temporary_timer;
  VbGattClient *client;          /* the mirror of @remote's database (kept: Cache=always) */
};

/* One LE link. */
struct _VbConnection
{
  gint ref_count;
  VbDaemon *daemon;
  VbDevice *central_device;      /* on the central's adapter: the peripheral */
  VbDevice *peripheral_device;   /* on the peripheral's adapter: the central */
  guint16 mtu;
  gboolean up;
  VbGattPeer *peer;              /* the peripheral's ATT server state for this link */
  GQueue att_queue;              /* AttStep: one ATT request at a time */
  gboolean att_busy;
};

VbDevice *vb_device_new (VbAdapter *adapter,
                         VbAdapter *remote);

/* Unexports (with the GATT mirror) and frees; the connection must be down. */
void vb_device_free (VbDevice *device);

/* New advertising data from @remote (exports the device on first sight). */
void vb_device_update_scan (VbDevice   *device,
                            VbScanData *scan);

/* The scanning adapter stopped discovering: RSSI and TxPower are invalidated and an
 * unconnected device starts its temporary timeout. */
void vb_device_discovery_stopped (VbDevice *device);

/* Drops the connection without a method call to answer (power off, RemoveDevice,
 * an accessory that left the bus). */
void vb_device_drop_connection (VbDevice *device);

/* The remote adapter's advertising changed: a pending Connect may proceed. */
void vb_device_remote_advertising (VbDevice *device);

/* The device's UUIDs changed (GATT discovery). */
void vb_device_set_gatt_uuids (VbDevice *device,
                               char    **uuids);

VbConnection *vb_connection_ref (VbConnection *connection);
void vb_connection_unref (VbConnection *connection);

/* ATT requests of a link run one at a time (Core Vol 3 Part F §3.3.2: one
 * outstanding request per bearer). @step runs when it is its turn, also after the
 * link went down (it must then fail fast); it calls vb_connection_att_done() when
 * its request completed. */
typedef void (*VbAttStep) (VbConnection *connection,
                           gpointer      data);
void vb_connection_att_submit (VbConnection *connection,
                               VbAttStep     step,
                               gpointer      data);
void vb_connection_att_done (VbConnection *connection);

G_END_DECLS
