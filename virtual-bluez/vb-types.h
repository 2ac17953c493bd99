/* vb-types.h — forward declarations shared by the virtual BlueZ sources
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The objects and who owns them:
 *   VbDaemon      the process: bus connection, options, adapters (vb-daemon.c)
 *   VbObjects     object registry and the "/" ObjectManager (vb-objects.c)
 *   VbAdapter     /org/bluez/hciN: Adapter1, discovery, its Device1 objects (vb-adapter.c)
 *   VbAdvertising LEAdvertisingManager1 of one adapter and its adverts (vb-advertising.c)
 *   VbGattServer  GattManager1 of one adapter: applications, the merged database,
 *                 the ATT server side of every connection to it (vb-gatt-server.c)
 *   VbDevice      /org/bluez/hciN/dev_XX: a remote adapter seen from this one (vb-device.c)
 *   VbConnection  one LE link between a central and a peripheral adapter (vb-device.c)
 *   VbGattClient  the central's mirror of the peripheral's database under a VbDevice,
 *                 and the ATT client procedures (vb-gatt-client.c)
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VbDaemon VbDaemon;
typedef struct _VbObjects VbObjects;
typedef struct _VbAdapter VbAdapter;
typedef struct _VbAdvertising VbAdvertising;
typedef struct _VbGattServer VbGattServer;
typedef struct _VbDevice VbDevice;
typedef struct _VbConnection VbConnection;
typedef struct _VbGattClient VbGattClient;
typedef struct _VbGattPeer VbGattPeer;

/* The ATT_MTU bluetoothd 5.66 negotiates by default ([GATT] ExchangeMTU, docs/bluez.md §1.5). */
#define VB_DEFAULT_MTU 517
/* ATT's largest attribute value (Core Vol 3 Part F §3.2.9). */
#define VB_ATT_MAX_VALUE_LEN 512

G_END_DECLS
