/* vb-adapter.h — /org/bluez/hciN: Adapter1, discovery and the adapter's devices
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vb-types.h"

G_BEGIN_DECLS

struct _VbAdapter
{
  VbDaemon *daemon;
  guint index;
  char *path;                    /* /org/bluez/hciN */
  char address[18];              /* AA:BB:CC:DD:EE:FF */
  char *name;                    /* Name: bluetoothd's default "BlueZ 5.66" */
  char *alias;                   /* Alias when set, else NULL (Alias shows Name) */
  gboolean powered;
  gboolean discoverable;
  guint32 discoverable_timeout;  /* s, 0 = forever; bluetoothd's default is 180 */
  guint discoverable_timer;
  gboolean pairable;
  guint32 pairable_timeout;
  GHashTable *discovery;         /* sender → DiscoveryClient: who called StartDiscovery */
  GHashTable *filters;           /* sender → DiscoveryFilter from SetDiscoveryFilter */
  gboolean discovering;
  GHashTable *devices;           /* remote address → VbDevice */
  VbAdvertising *advertising;
  VbGattServer *gatt;
};

VbAdapter *vb_adapter_new (VbDaemon      *daemon,
                           guint          index,
                           const guint8   address[6],
                           GError       **error);
void vb_adapter_free (VbAdapter *adapter);

const char *vb_adapter_get_alias (VbAdapter *adapter);

/* The device object of @adapter for @remote, made (not yet exported) when needed. */
VbDevice *vb_adapter_ensure_device (VbAdapter *adapter,
                                    VbAdapter *remote);
VbDevice *vb_adapter_find_device (VbAdapter *adapter,
                                  VbAdapter *remote);

/* Unexports and frees @device (its connection must be down). */
void vb_adapter_remove_device (VbAdapter *adapter,
                               VbDevice  *device);

/* Brings what @adapter (scanning) sees of @advertiser up to date. */
void vb_adapter_scan (VbAdapter *adapter,
                      VbAdapter *advertiser);

/* Before the daemon exits: links dropped, discovery stopped. */
void vb_adapter_shutdown (VbAdapter *adapter);

/* A bus name left: drop its discovery session and filter. */
void vb_adapter_name_vanished (VbAdapter  *adapter,
                               const char *name);

/* The adapter's UUIDs changed (GATT services came or went). */
void vb_adapter_uuids_changed (VbAdapter *adapter);

G_END_DECLS
