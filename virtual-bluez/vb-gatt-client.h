/* vb-gatt-client.h — a central's mirror of a peripheral's GATT database
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bluetoothd 5.66 src/gatt-client.c and shared/gatt-client.c: remote services,
 * characteristics and descriptors exported under the Device1 as
 * serviceXXXX/charXXXX/descXXXX (service start, characteristic declaration and
 * descriptor handles, 4 lowercase hex digits), ReadValue as a long read,
 * WriteValue as a write request, command or long write by size, StartNotify and
 * StopNotify per D-Bus client with one CCC write per link.
 */
#pragma once

#include <gio/gio.h>

#include "vb-gatt-db.h"
#include "vb-types.h"

G_BEGIN_DECLS

VbGattClient *vb_gatt_client_new (VbDevice *device);

/* Unexports every remote object. */
void vb_gatt_client_free (VbGattClient *client);

/* The link came up (@connection referenced) or went down. Objects stay exported
 * across a disconnection ([GATT] Cache=always, Debian's default). */
void vb_gatt_client_attach (VbGattClient *client,
                            VbConnection *connection);
void vb_gatt_client_detach (VbGattClient *client);

/* Discovery: makes the exported objects match @db (services claimed by bluetoothd's
 * own profiles, GAP and Device Information, are not exported). Services whose
 * layout did not change keep their objects. */
void vb_gatt_client_sync (VbGattClient *client,
                          VbGattDb     *db);

/* A notification or indication arrived on the link. */
void vb_gatt_client_deliver (VbGattClient *client,
                             guint16       value_handle,
                             GBytes       *value,
                             gboolean      indication);

/* A bus name left: its notification sessions end. */
void vb_gatt_client_name_vanished (VbGattClient *client,
                                   const char   *name);

G_END_DECLS
