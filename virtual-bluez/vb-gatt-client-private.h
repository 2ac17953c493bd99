/* vb-gatt-client-private.h — what the two halves of the GATT client share
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * vb-gatt-client.c: the mirrored objects (export, sync, properties, delivery).
 * vb-gatt-procedures.c: what their methods do over ATT (reads, writes,
 * subscriptions, acquired sockets).
 */
#pragma once

#include "vb-gatt-client.h"
#include "vb-objects.h"

G_BEGIN_DECLS

#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHRC    "org.bluez.GattCharacteristic1"
#define IFACE_DESC    "org.bluez.GattDescriptor1"

typedef enum { REMOTE_SERVICE, REMOTE_CHRC, REMOTE_DESC } RemoteKind;
typedef enum { CCC_OFF, CCC_ENABLING, CCC_ON } CccState;

typedef struct _Remote Remote;
typedef struct _ReadOp ReadOp;   /* vb-gatt-procedures.c */

/* Our end of a socket handed out by AcquireNotify or AcquireWrite. */
typedef struct
{
  int fd;
  guint watch;
} Acquired;

struct _Remote
{
  gint ref_count;
  gboolean removed;               /* unexported; @client is no longer valid */
  VbGattClient *client;
  RemoteKind kind;
  char *path;
  char uuid[VB_UUID_STRLEN];
  guint16 handle;                 /* service start, characteristic declaration, descriptor */
  guint16 value_handle;           /* what reads and writes address */
  gboolean primary;
  GPtrArray *includes;            /* service: included service paths */
  guint8 props;
  guint8 ext_props;
  Remote *parent;                 /* weak */
  GPtrArray *children;            /* Remote */
  char *signature;                /* service: its layout, the cache key */
  GByteArray *cache;              /* the Value property */
  ReadOp *read_op;
  gboolean writing;
  GHashTable *sessions;           /* characteristic: D-Bus sender → registered (bool) */
  gboolean notifying;
  CccState ccc;
  GPtrArray *ccc_waiters;         /* StartNotify invocations waiting for the CCC write */
  Acquired *notify_acquired;      /* AcquireNotify: notifications go to this socket */
  Acquired *write_acquired;       /* AcquireWrite: datagrams become write commands */
};

struct _VbGattClient
{
  VbDevice *device;
  GPtrArray *services;            /* Remote, in handle order */
  GHashTable *by_path;            /* path → Remote (borrowed) */
  VbConnection *connection;       /* while the link is up */
  guint16 mtu;                    /* of the last link (the MTU property) */
  guint resync_idle;
};

Remote *vb_remote_ref (Remote *remote);
void vb_remote_unref (Remote *remote);
VbObjects *vb_remote_objects (VbGattClient *client);
gboolean vb_gatt_client_link_up (VbGattClient *client);
VbGattServer *vb_remote_peer_server (VbConnection *connection);
Remote *vb_remote_find_ccc (Remote *chrc);
void vb_remote_emit_value (Remote *remote);
void vb_remote_cache_store (Remote *remote, guint16 offset, const guint8 *data, gsize len);

void vb_remote_read_value (Remote *remote, GDBusMethodInvocation *invocation, GVariant *parameters);
void vb_remote_write_value (Remote *remote, GDBusMethodInvocation *invocation, GVariant *parameters);
void vb_remote_start_notify (Remote *remote, GDBusMethodInvocation *invocation);
void vb_remote_stop_notify (Remote *remote, GDBusMethodInvocation *invocation);
void vb_remote_acquire_notify (Remote *remote, GDBusMethodInvocation *invocation);
void vb_remote_acquire_write (Remote *remote, GDBusMethodInvocation *invocation);
void vb_remote_release_acquired (Remote *remote, Acquired **acquired);
void vb_remote_write_ccc (Remote *remote, gboolean enable);
void vb_remote_set_notifying (Remote *remote, gboolean notifying);
guint vb_remote_registered_sessions (Remote *remote);
void vb_remote_end_session (Remote *remote, const char *sender);

G_END_DECLS
