/* vb-daemon.h — the virtual BlueZ process: options, bus, adapters
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vb-objects.h"
#include "vb-types.h"

G_BEGIN_DECLS

/* How a central that connects for the first time shows up on the peripheral's
 * adapter (docs/bluez.md §1.5 item 1: real bluetoothd does both). */
typedef enum
{
  VB_NEW_CENTRAL_ALTERNATE,  /* added, changed, added, … */
  VB_NEW_CENTRAL_ADDED,      /* InterfacesAdded with Connected=true */
  VB_NEW_CENTRAL_CHANGED,    /* InterfacesAdded with Connected=false, then PropertiesChanged */
} VbNewCentral;

typedef struct
{
  guint n_adapters;
  guint8 address_prefix[5];
  gboolean no_connected_signal;  /* docs/bluez.md §5.1: no Connected=true signal after Connect */
  gboolean experimental;         /* like bluetoothd -E */
  gboolean verbose;
  guint16 mtu;                   /* the ATT_MTU every connection negotiates */
  guint temporary_timeout;       /* s before an unused, unpaired device is removed */
  guint connect_timeout;         /* s a Connect waits for the peer to advertise */
  VbNewCentral new_central;
  gboolean gatt_cache_off;       /* [GATT] Cache=no: the mirror goes at disconnect */
} VbOptions;

struct _VbDaemon
{
  VbOptions options;
  GDBusConnection *connection;
  VbObjects *objects;
  GPtrArray *adapters;           /* VbAdapter, by index */
  guint name_owner_subscription;
  guint new_central_count;
  GHashTable *agents;            /* "sender path" → capability, only remembered */
};

extern gboolean vb_verbose;

/* Diagnostics on stderr: vb_log() with --verbose only, vb_warn() always (things a
 * real bluetoothd would do differently, or an application mistake). */
#define vb_log(...) G_STMT_START { if (vb_verbose) vb_print ("", __VA_ARGS__); } G_STMT_END
#define vb_warn(...) vb_print ("warning: ", __VA_ARGS__)
void vb_print (const char *prefix, const char *format, ...) G_GNUC_PRINTF (2, 3);

VbDaemon *vb_daemon_new (GDBusConnection  *connection,
                         const VbOptions  *options,
                         GError          **error);

/* Releases advertisements (Release()), drops connections, unexports everything. */
void vb_daemon_free (VbDaemon *daemon);

VbAdapter *vb_daemon_find_adapter (VbDaemon   *daemon,
                                   const char *path);

/* Called when @advertiser's advertising changes (payload, visibility): updates what
 * every scanning adapter sees and lets pending Connects proceed. */
void vb_daemon_advertising_changed (VbDaemon  *daemon,
                                    VbAdapter *advertiser);

/* Called when @peripheral's GATT database changed: centrals connected to it refresh
 * their mirror (the effect of Service Changed). */
void vb_daemon_gatt_changed (VbDaemon  *daemon,
                             VbAdapter *peripheral);

/* How the next new central appears on a peripheral's adapter. */
gboolean vb_daemon_next_central_added (VbDaemon *daemon);

G_END_DECLS
