/* vb-gatt-server-private.h — what the two halves of the GATT server share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vb-gatt-server.c: GattManager1, applications, notifications from applications,
 * links. vb-att-server.c: the ATT requests of connected centrals.
 */
#pragma once

#include "vb-gatt-server.h"

G_BEGIN_DECLS

#define VB_IFACE_GATT_SERVICE "org.bluez.GattService1"
#define VB_IFACE_GATT_CHRC    "org.bluez.GattCharacteristic1"
#define VB_IFACE_GATT_DESC    "org.bluez.GattDescriptor1"

/* A registered (or registering) application. */
typedef struct
{
  VbGattServer *server;
  char *owner;
  char *path;
  GDBusMethodInvocation *registration;
  GCancellable *cancellable;     /* cancels every call made to the application */
  guint removed_subscription;
  guint changed_subscription;
  gboolean registered;
} VbGattApp;

/* A Prepare Write Request not yet executed. */
typedef struct
{
  guint16 handle;
  guint16 offset;
  GByteArray *value;
} VbPrepareEntry;

void vb_prepare_entry_free (gpointer data);

/* A method call to an application whose reply does not matter. */
void vb_gatt_server_call_app (VbGattServer *server,
                              const char   *owner,
                              const char   *path,
                              const char   *iface,
                              const char   *method,
                              GVariant     *parameters);

/* The CCC value a link has written to @handle. */
guint16 vb_gatt_peer_ccc (VbGattPeer *peer,
                          guint16     handle);

VbGattPeer *vb_gatt_peer_ref (VbGattPeer *peer);

/* A link's CCC for @chrc goes to @value: StartNotify()/StopNotify() as bluetoothd's
 * ccc_write_cb(). Returns the ATT error. */
guint8 vb_gatt_server_ccc_changed (VbGattServer *server,
                                   VbGattChrc   *chrc,
                                   guint16       value);

G_END_DECLS
