/* vb-gatt-client.c — a central's mirror of a peripheral's GATT database
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-gatt-client.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-adapter.h"
#include "vb-att.h"
#include "vb-daemon.h"
#include "vb-device.h"
#include "vb-error.h"
#include "vb-gatt-server.h"

#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHRC    "org.bluez.GattCharacteristic1"
#define IFACE_DESC    "org.bluez.GattDescriptor1"

#define SERVICE_CHANGED_VALUE 0x0008

typedef enum { REMOTE_SERVICE, REMOTE_CHRC, REMOTE_DESC } RemoteKind;
typedef enum { CCC_OFF, CCC_ENABLING, CCC_ON } CccState;

typedef struct _Remote Remote;
typedef struct _ReadOp ReadOp;

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

static VbObjects *
client_objects (VbGattClient *client)
{
  return client->device->adapter->daemon->objects;
}

static void release_acquired (Remote *remote, Acquired **acquired);

static Remote *
remote_ref (Remote *remote)
{
  remote->ref_count++;
  return remote;
}

static void
remote_unref (Remote *remote)
{
  if (--remote->ref_count > 0)
    return;
  g_assert (remote->notify_acquired == NULL && remote->write_acquired == NULL);
  g_free (remote->path);
  g_clear_pointer (&remote->includes, g_ptr_array_unref);
  g_ptr_array_unref (remote->children);
  g_free (remote->signature);
  g_byte_array_unref (remote->cache);
  g_clear_pointer (&remote->sessions, g_hash_table_unref);
  g_clear_pointer (&remote->ccc_waiters, g_ptr_array_unref);
  g_free (remote);
}

static gboolean
link_up (VbGattClient *client)
{
  return client->connection != NULL && client->connection->up;
}

static VbGattServer *
peer_server (VbConnection *connection)
{
  return connection->peripheral_device->adapter->gatt;
}

static Remote *
find_child_ccc (Remote *chrc)
{
  for (guint i = 0; i < chrc->children->len; i++)
    {
      Remote *desc = g_ptr_array_index (chrc->children, i);

      if (vb_uuid_is_u16 (desc->uuid, 0x2902))
        return desc;
    }
  return NULL;
}

static void
emit_value (Remote *remote)
{
  if (remote->removed)
    return;
  vb_objects_emit_value (client_objects (remote->client), remote->path,
                         remote->kind == REMOTE_CHRC ? IFACE_CHRC : IFACE_DESC, "Value",
                         g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, remote->cache->data,
                                                  remote->cache->len, TRUE, NULL, NULL));
}

/* gatt_db_attribute_write() into the cache: @offset 0 replaces, a larger offset
 * writes into what is cached (zero-filled when shorter). */
static void
cache_store (Remote *remote, guint16 offset, const guint8 *data, gsize len)
{
  if (offset == 0)
    g_byte_array_set_size (remote->cache, 0);
  if (remote->cache->len < offset + len)
    {
      guint old = remote->cache->len;

      g_byte_array_set_size (remote->cache, (guint) (offset + len));
      if (old < offset)
        memset (remote->cache->data + old, 0, offset - old);
    }
  if (len > 0)
    memcpy (remote->cache->data + offset, data, len);
}

static void
return_att_error (GDBusMethodInvocation *invocation, guint8 att_error)
{
  g_dbus_method_invocation_take_error (invocation, vb_att_error_to_client (att_error));
}

/* parse_options() of gatt-client.c: "offset" must be a uint16, "type" a string. */
static gboolean
parse_options (GVariant *options, guint16 *offset, const char **type)
{
  g_autoptr(GVariant) any_offset = g_variant_lookup_value (options, "offset", NULL);
  g_autoptr(GVariant) any_type = g_variant_lookup_value (options, "type", NULL);

  *offset = 0;
  if (type != NULL)
    *type = NULL;
  if (any_offset != NULL)
    {
      if (!g_variant_is_of_type (any_offset, G_VARIANT_TYPE_UINT16))
        return FALSE;
      *offset = g_variant_get_uint16 (any_offset);
    }
  if (any_type != NULL && type != NULL)
    {
      if (!g_variant_is_of_type (any_type, G_VARIANT_TYPE_STRING))
        return FALSE;
      /* Borrowed from @options, which outlives the caller's use. */
      *type = g_variant_get_string (any_type, NULL);
    }
  return TRUE;
}

/* ---- long reads ---- */

struct _ReadOp
{
  Remote *remote;
  VbConnection *connection;
  guint16 start;                  /* the caller's offset */
  guint offset;                   /* of the next request */
  GByteArray *value;
  GPtrArray *invocations;
};

static void
read_finish (ReadOp *op, guint8 att_error, const char *failure)
{
  Remote *remote = op->remote;

  if (remote->read_op == op)
    remote->read_op = NULL;
  if (failure == NULL && att_error == VB_ATT_OK && remote->removed)
    failure = "Operation failed";
  if (failure == NULL && att_error == VB_ATT_OK)
    {
      /* read_long_cb() then chrc_read_cb(): the value lands in the cache at the
       * caller's offset; the reply is the whole cache and Value changes. */
      cache_store (remote, op->start, op->value->data, op->value->len);
      for (guint i = 0; i < op->invocations->len; i++)
        g_dbus_method_invocation_return_value (g_object_ref (g_ptr_array_index (op->invocations, i)),
                                               g_variant_new ("(@ay)",
                                                 g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING,
                                                                          remote->cache->data,
                                                                          remote->cache->len, TRUE,
                                                                          NULL, NULL)));
      emit_value (remote);
    }
  else
    for (guint i = 0; i < op->invocations->len; i++)
      {
        GDBusMethodInvocation *invocation = g_ptr_array_index (op->invocations, i);

        if (failure != NULL)
          vb_return_error (g_object_ref (invocation), VB_ERROR_FAILED, "%s", failure);
        else
          return_att_error (g_object_ref (invocation), att_error);
      }
  g_ptr_array_unref (op->invocations);
  g_byte_array_unref (op->value);
  vb_connection_unref (op->connection);
  remote_unref (op->remote);
  g_free (op);
}

static void read_step (VbConnection *connection, gpointer data);

static void
read_chunk (guint8 att_error, GBytes *chunk, gpointer user_data)
{
  ReadOp *op = user_data;
  gsize len = 0;
  const guint8 *data;

  vb_connection_att_done (op->connection);
  if (att_error != VB_ATT_OK)
    {
      read_finish (op, att_error, NULL);
      return;
    }
  data = g_bytes_get_data (chunk, &len);
  if (len > 0)
    g_byte_array_append (op->value, data, (guint) len);
  /* A full response (ATT_MTU - 1 bytes) may not be the end: Read Blob on. */
  if (len == (gsize) op->connection->mtu - 1 && op->offset + len < G_MAXUINT16)
    {
      op->offset += (guint) len;
      vb_connection_att_submit (op->connection, read_step, op);
      return;
    }
  read_finish (op, VB_ATT_OK, NULL);
}

static void
read_step (VbConnection *connection, gpointer data)
{
  ReadOp *op = data;

  if (!connection->up)
    {
      vb_connection_att_done (connection);
      read_finish (op, VB_ATT_OK, "Not connected");
      return;
    }
  vb_gatt_server_read (peer_server (connection), connection->peer, op->remote->value_handle,
                       (guint16) op->offset, read_chunk, op);
}

static void
remote_read_value (Remote *remote, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  VbGattClient *client = remote->client;
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);
  guint16 offset;
  ReadOp *op;

  if (!link_up (client))
    {
      vb_return_error (invocation, VB_ERROR_FAILED, "Not connected");
      return;
    }
  if (!parse_options (options, &offset, NULL))
    {
      vb_return_error (invocation, VB_ERROR_INVALID_ARGUMENTS, VB_MSG_INVALID_ARGS);
      return;
    }
  if (remote->read_op != NULL)
    {
      /* The same read again joins the one in flight; another offset is refused. */
      if (remote->read_op->start != offset)
        vb_return_error (invocation, VB_ERROR_IN_PROGRESS, VB_MSG_IN_PROGRESS);
      else
        g_ptr_array_add (remote->read_op->invocations, invocation);
      return;
    }
  op = g_new0 (ReadOp, 1);
  op->remote = remote_ref (remote);
  op->connection = vb_connection_ref (client->connection);
  op->start = offset;
  op->offset = offset;
  op->value = g_byte_array_new ();
  op->invocations = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (op->invocations, invocation);
  remote->read_op = op;
  vb_connection_att_submit (op->connection, read_step, op);
}

/* ---- writes ---- */

typedef enum { WRITE_REQUEST, WRITE_COMMAND, WRITE_LONG } WriteKind;

typedef struct
{
  Remote *remote;
  VbConnection *connection;
  GDBusMethodInvocation *invocation;   /* NULL for commands, answered at once */
  WriteKind kind;
  GBytes *value;
  guint16 offset;
  gsize sent;                          /* long write: bytes prepared */
  guint8 error;                        /* long write: the prepare that failed */
} WriteOp;

static void
write_finish (WriteOp *op, guint8 att_error, const char *failure)
{
  if (op->kind != WRITE_COMMAND)
    op->remote->writing = FALSE;
  if (op->invocation != NULL)
    {
      if (failure == NULL && op->remote->removed)
        failure = "Operation failed";
      if (failure != NULL)
        vb_return_error (op->invocation, VB_ERROR_FAILED, "%s", failure);
      else if (att_error != VB_ATT_OK)
        return_att_error (op->invocation, att_error);
      else
        g_dbus_method_invocation_return_value (op->invocation, NULL);
    }
  g_bytes_unref (op->value);
  vb_connection_unref (op->connection);
  remote_unref (op->remote);
  g_free (op);
}

static void
write_done (guint8 att_error, gpointer user_data)
{
  WriteOp *op = user_data;

  vb_connection_att_done (op->connection);
  write_finish (op, att_error, NULL);
}

static void
write_step (VbConnection *connection, gpointer data)
{
  WriteOp *op = data;

  if (!connection->up)
    {
      vb_connection_att_done (connection);
      write_finish (op, VB_ATT_OK, "Not connected");
      return;
    }
  vb_gatt_server_write (peer_server (connection), connection->peer, op->remote->value_handle,
                        op->value, op->kind == WRITE_COMMAND, write_done, op);
}

static void long_write_step (VbConnection *connection, gpointer data);

static void
executed (guint8 att_error, gpointer user_data)
{
  WriteOp *op = user_data;

  vb_connection_att_done (op->connection);
  /* A failed prepare was followed by a cancelling execute: report the prepare's. */
  write_finish (op, op->error != VB_ATT_OK ? op->error : att_error, NULL);
}

static void
execute_step (VbConnection *connection, gpointer data)
{
  WriteOp *op = data;

  if (!connection->up)
    {
      vb_connection_att_done (connection);
      write_finish (op, VB_ATT_OK, "Not connected");
      return;
    }
  vb_gatt_server_execute_write (peer_server (connection), connection->peer, op->error == VB_ATT_OK,
                                executed, op);
}

/* bt_gatt_client_write_long_value(): Prepare Write Requests of ATT_MTU - 5 bytes,
 * then Execute Write (cancel after a failed prepare). */
static void
long_write_step (VbConnection *connection, gpointer data)
{
  WriteOp *op = data;
  gsize len;
  const guint8 *bytes = g_bytes_get_data (op->value, &len);
  gsize chunk = MIN (len - op->sent, (gsize) connection->mtu - 5);
  g_autoptr(GBytes) fragment = NULL;

  if (!connection->up)
    {
      vb_connection_att_done (connection);
      write_finish (op, VB_ATT_OK, "Not connected");
      return;
    }
  fragment = g_bytes_new (bytes + op->sent, chunk);
  op->error = vb_gatt_server_prepare_write (peer_server (connection), connection->peer,
                                            op->remote->value_handle,
                                            (guint16) (op->offset + op->sent), fragment);
  op->sent += chunk;
  vb_connection_att_done (connection);
  if (op->error == VB_ATT_OK && op->sent < len)
    vb_connection_att_submit (connection, long_write_step, op);
  else
    vb_connection_att_submit (connection, execute_step, op);
}

static void
start_write (Remote *remote, GDBusMethodInvocation *invocation, WriteKind kind, GBytes *value,
             guint16 offset)
{
  VbGattClient *client = remote->client;
  WriteOp *op = g_new0 (WriteOp, 1);

  op->remote = remote_ref (remote);
  op->connection = vb_connection_ref (client->connection);
  op->kind = kind;
  op->value = g_bytes_ref (value);
  op->offset = offset;
  if (kind == WRITE_COMMAND)
    {
      /* Write Without Response: the caller is answered when the PDU is queued. */
      g_dbus_method_invocation_return_value (invocation, NULL);
      vb_connection_att_submit (op->connection, write_step, op);
      return;
    }
  op->invocation = invocation;
  remote->writing = TRUE;
  vb_connection_att_submit (op->connection, kind == WRITE_LONG ? long_write_step : write_step, op);
}

static void
remote_write_value (Remote *remote, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  VbGattClient *client = remote->client;
  g_autoptr(GVariant) value_variant = g_variant_get_child_value (parameters, 0);
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 1);
  g_autoptr(GBytes) value = g_variant_get_data_as_bytes (value_variant);
  gsize len = g_bytes_get_size (value);
  guint16 offset;
  const char *type;
  gsize max_request;
  gboolean long_ok;

  if (!link_up (client))
    {
      vb_return_error (invocation, VB_ERROR_FAILED, "Not connected");
      return;
    }
  if (remote->write_acquired != NULL)
    {
      vb_return_error (invocation, VB_ERROR_NOT_PERMITTED, "Write acquired");
      return;
    }
  if (remote->writing)
    {
      vb_return_error (invocation, VB_ERROR_IN_PROGRESS, VB_MSG_IN_PROGRESS);
      return;
    }
  if (!parse_options (options, &offset, &type))
    {
      vb_return_error (invocation, VB_ERROR_INVALID_ARGUMENTS, VB_MSG_INVALID_ARGS);
      return;
    }
  max_request = (gsize) client->connection->mtu - 3;
  /* A long write cannot carry nothing, nor go past 65535. */
  long_ok = len > 0 && len + offset <= G_MAXUINT16;

  if (remote->kind == REMOTE_DESC)
    {
      /* CCCs are written through StartNotify/StopNotify only. */
      if (vb_uuid_is_u16 (remote->uuid, 0x2902))
        vb_return_error (invocation, VB_ERROR_NOT_PERMITTED, "Write not permitted");
      else if (len <= max_request && offset == 0)
        start_write (remote, invocation, WRITE_REQUEST, value, 0);
      else if (long_ok)
        start_write (remote, invocation, WRITE_LONG, value, offset);
      else
        vb_return_error (invocation, VB_ERROR_FAILED, "Failed to initiate write");
      return;
    }

  /* characteristic_write_value(): reliable, then request (long beyond MTU - 3), then
   * command; "type" overrides the characteristic's properties. */
  if ((type == NULL && (remote->ext_props & VB_EXT_RELIABLE_WRITE)) ||
      (type != NULL && g_ascii_strcasecmp (type, "reliable") == 0))
    {
      if (long_ok)
        {
          start_write (remote, invocation, WRITE_LONG, value, offset);
          return;
        }
    }
  else if ((type == NULL && (remote->props & VB_PROP_WRITE)) ||
           (type != NULL && g_ascii_strcasecmp (type, "request") == 0))
    {
      if (len <= max_request && offset == 0)
        start_write (remote, invocation, WRITE_REQUEST, value, 0);
      else if (long_ok)
        start_write (remote, invocation, WRITE_LONG, value, offset);
      else
        vb_return_error (invocation, VB_ERROR_FAILED, "Failed to initiate write");
      return;
    }
  else if ((type == NULL && !(remote->props & VB_PROP_WRITE_NO_RSP)) ||
           (type != NULL && g_ascii_strcasecmp (type, "command") != 0) || offset != 0)
    {
      vb_return_error (invocation, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
      return;
    }
  else if (len <= max_request)
    {
      start_write (remote, invocation, WRITE_COMMAND, value, 0);
      return;
    }
  vb_return_error (invocation, VB_ERROR_FAILED, "Failed to initiate write");
}

/* ---- notifications ---- */

typedef struct
{
  Remote *remote;
  VbConnection *connection;
  guint16 value;
} CccOp;

static void
set_notifying (Remote *remote, gboolean notifying)
{
  if (remote->notifying == notifying || remote->removed)
    return;
  remote->notifying = notifying;
  vb_objects_emit_changed (client_objects (remote->client), remote->path, IFACE_CHRC, "Notifying", NULL);
}

static guint
registered_sessions (Remote *remote)
{
  GHashTableIter iter;
  gpointer registered;
  guint count = 0;

  g_hash_table_iter_init (&iter, remote->sessions);
  while (g_hash_table_iter_next (&iter, NULL, &registered))
    count += GPOINTER_TO_UINT (registered);
  return count;
}

static void
ccc_written (guint8 att_error, gpointer user_data)
{
  CccOp *op = user_data;
  Remote *remote = op->remote;

  vb_connection_att_done (op->connection);
  if (op->value != 0)
    {
      g_autoptr(GPtrArray) waiters = g_steal_pointer (&remote->ccc_waiters);

      remote->ccc_waiters = g_ptr_array_new_with_free_func (g_object_unref);
      remote->ccc = att_error == VB_ATT_OK && op->connection->up ? CCC_ON : CCC_OFF;
      for (guint i = 0; i < waiters->len; i++)
        {
          GDBusMethodInvocation *invocation = g_ptr_array_index (waiters, i);
          const char *sender = g_dbus_method_invocation_get_sender (invocation);

          if (remote->ccc == CCC_ON)
            {
              g_hash_table_replace (remote->sessions, g_strdup (sender), GUINT_TO_POINTER (TRUE));
              g_dbus_method_invocation_return_value (g_object_ref (invocation), NULL);
            }
          else
            {
              /* register_notify_cb() failed: the session goes. */
              g_hash_table_remove (remote->sessions, sender);
              if (att_error != VB_ATT_OK)
                return_att_error (g_object_ref (invocation), att_error);
              else
                vb_return_error (g_object_ref (invocation), VB_ERROR_FAILED, "Not connected");
            }
        }
      set_notifying (remote, registered_sessions (remote) > 0);
    }
  vb_connection_unref (op->connection);
  remote_unref (op->remote);
  g_free (op);
}

static void
ccc_step (VbConnection *connection, gpointer data)
{
  CccOp *op = data;
  Remote *ccc = find_child_ccc (op->remote);
  guint8 le[2] = { (guint8) (op->value & 0xff), (guint8) (op->value >> 8) };
  g_autoptr(GBytes) value = g_bytes_new (le, 2);

  if (!connection->up || ccc == NULL)
    {
      ccc_written (connection->up ? VB_ATT_UNLIKELY : VB_ATT_OK, op);
      return;
    }
  vb_gatt_server_write (peer_server (connection), connection->peer, ccc->value_handle, value, FALSE,
                        ccc_written, op);
}

/* bt_gatt_client_register_notify(): notifications when the characteristic has them,
 * else indications. */
static void
write_ccc (Remote *remote, gboolean enable)
{
  CccOp *op = g_new0 (CccOp, 1);

  op->remote = remote_ref (remote);
  op->connection = vb_connection_ref (remote->client->connection);
  op->value = !enable ? 0 : (remote->props & VB_PROP_NOTIFY) ? 0x0001 : 0x0002;
  if (enable)
    remote->ccc = CCC_ENABLING;
  else
    remote->ccc = CCC_OFF;
  vb_connection_att_submit (op->connection, ccc_step, op);
}

static void
remote_start_notify (Remote *remote, GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  gpointer registered;

  if (!(remote->props & (VB_PROP_NOTIFY | VB_PROP_INDICATE)))
    {
      vb_return_error (invocation, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
      return;
    }
  /* One session per D-Bus client. */
  if (g_hash_table_lookup_extended (remote->sessions, sender, NULL, &registered))
    {
      if (GPOINTER_TO_UINT (registered))
        g_dbus_method_invocation_return_value (invocation, NULL);
      else
        vb_return_error (invocation, VB_ERROR_IN_PROGRESS, VB_MSG_IN_PROGRESS);
      return;
    }
  if (!link_up (remote->client))
    {
      /* Registered now, subscribed when the link comes up. */
      g_hash_table_insert (remote->sessions, g_strdup (sender), GUINT_TO_POINTER (TRUE));
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  if (remote->ccc == CCC_ON)
    {
      g_hash_table_insert (remote->sessions, g_strdup (sender), GUINT_TO_POINTER (TRUE));
      g_dbus_method_invocation_return_value (invocation, NULL);
      set_notifying (remote, TRUE);
      return;
    }
  g_hash_table_insert (remote->sessions, g_strdup (sender), GUINT_TO_POINTER (FALSE));
  g_ptr_array_add (remote->ccc_waiters, invocation);
  if (remote->ccc == CCC_OFF)
    write_ccc (remote, TRUE);
}

/* The CCC goes off when nobody listens any more (no session, no acquired socket). */
static void
maybe_unsubscribe (Remote *remote)
{
  if (g_hash_table_size (remote->sessions) == 0 && remote->notify_acquired == NULL &&
      remote->ccc == CCC_ON && !remote->removed && link_up (remote->client))
    write_ccc (remote, FALSE);
}

static void
end_session (Remote *remote, const char *sender)
{
  g_hash_table_remove (remote->sessions, sender);
  set_notifying (remote, registered_sessions (remote) > 0);
  maybe_unsubscribe (remote);
}

static void
remote_stop_notify (Remote *remote, GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  if (remote->notify_acquired != NULL)
    {
      /* characteristic_stop_notify(): an acquired notification socket is closed. */
      release_acquired (remote, &remote->notify_acquired);
      maybe_unsubscribe (remote);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  if (!g_hash_table_contains (remote->sessions, sender))
    {
      vb_return_error (invocation, VB_ERROR_FAILED, "No notify session started");
      return;
    }
  end_session (remote, sender);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

/* ---- AcquireNotify and AcquireWrite ---- */

static void
release_acquired (Remote *remote, Acquired **acquired)
{
  Acquired *socket_end = g_steal_pointer (acquired);
  gboolean notify;

  if (socket_end == NULL)
    return;
  notify = acquired == &remote->notify_acquired;
  if (socket_end->watch != 0)
    g_source_remove (socket_end->watch);
  close (socket_end->fd);
  g_free (socket_end);
  if (!remote->removed)
    vb_objects_emit_changed (client_objects (remote->client), remote->path, IFACE_CHRC,
                             notify ? "NotifyAcquired" : "WriteAcquired", NULL);
}

static gboolean
notify_socket_event (int fd, GIOCondition condition, gpointer data)
{
  Remote *remote = data;

  /* The acquirer closed its end (or died): notifications stop. This source ends by
   * returning G_SOURCE_REMOVE. */
  remote->notify_acquired->watch = 0;
  release_acquired (remote, &remote->notify_acquired);
  maybe_unsubscribe (remote);
  return G_SOURCE_REMOVE;
}

static void
submit_command (Remote *remote, const guint8 *data, gsize len)
{
  VbGattClient *client = remote->client;
  WriteOp *op;

  if (!link_up (client) || len > (gsize) client->connection->mtu - 3)
    return;
  op = g_new0 (WriteOp, 1);
  op->remote = remote_ref (remote);
  op->connection = vb_connection_ref (client->connection);
  op->kind = WRITE_COMMAND;
  op->value = g_bytes_new (data, len);
  vb_connection_att_submit (op->connection, write_step, op);
}

static gboolean
write_socket_event (int fd, GIOCondition condition, gpointer data)
{
  Remote *remote = data;
  guint8 buffer[512];
  ssize_t got;

  if (condition & G_IO_IN)
    {
      /* sock_read(): each datagram is one Write Without Response. */
      got = recv (fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got > 0)
        {
          submit_command (remote, buffer, (gsize) got);
          return G_SOURCE_CONTINUE;
        }
      if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    }
  remote->write_acquired->watch = 0;
  release_acquired (remote, &remote->write_acquired);
  return G_SOURCE_REMOVE;
}

/* create_sock(): a SOCK_SEQPACKET pair; the caller gets one end and the MTU. */
static Acquired *
hand_out_socket (Remote *remote, GDBusMethodInvocation *invocation, GUnixFDSourceFunc handler,
                 GIOCondition condition)
{
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr(GError) error = NULL;
  Acquired *socket_end;
  int pair[2];
  int index;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) < 0)
    {
      vb_return_error (invocation, VB_ERROR_FAILED, "%s", g_strerror (errno));
      return NULL;
    }
  index = g_unix_fd_list_append (fds, pair[1], &error);
  close (pair[1]);
  if (index < 0)
    {
      close (pair[0]);
      vb_return_error (invocation, VB_ERROR_FAILED, "%s", error->message);
      return NULL;
    }
  socket_end = g_new0 (Acquired, 1);
  socket_end->fd = pair[0];
  socket_end->watch = g_unix_fd_add (pair[0], condition, handler, remote);
  g_dbus_method_invocation_return_value_with_unix_fd_list (
    invocation, g_variant_new ("(hq)", index, remote->client->connection->mtu), fds);
  return socket_end;
}

static void
remote_acquire_notify (Remote *remote, GDBusMethodInvocation *invocation)
{
  if (!link_up (remote->client))
    vb_return_error (invocation, VB_ERROR_FAILED, "Not connected");
  else if (remote->notify_acquired != NULL)
    vb_return_error (invocation, VB_ERROR_NOT_PERMITTED, "Notify acquired");
  else if (g_hash_table_size (remote->sessions) > 0)
    /* Each client can only have one active notify session. */
    vb_return_error (invocation, VB_ERROR_IN_PROGRESS, VB_MSG_IN_PROGRESS);
  else if (!(remote->props & VB_PROP_NOTIFY))
    vb_return_error (invocation, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
  else if ((remote->notify_acquired = hand_out_socket (remote, invocation, notify_socket_event,
                                                       G_IO_HUP | G_IO_ERR)) != NULL)
    {
      vb_objects_emit_changed (client_objects (remote->client), remote->path, IFACE_CHRC,
                               "NotifyAcquired", NULL);
      if (remote->ccc == CCC_OFF)
        write_ccc (remote, TRUE);
    }
}

static void
remote_acquire_write (Remote *remote, GDBusMethodInvocation *invocation)
{
  if (!link_up (remote->client))
    vb_return_error (invocation, VB_ERROR_FAILED, "Not connected");
  else if (remote->write_acquired != NULL)
    vb_return_error (invocation, VB_ERROR_NOT_PERMITTED, "Write acquired");
  else if (!(remote->props & VB_PROP_WRITE_NO_RSP))
    vb_return_error (invocation, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
  else if ((remote->write_acquired = hand_out_socket (remote, invocation, write_socket_event,
                                                      G_IO_IN | G_IO_HUP | G_IO_ERR)) != NULL)
    vb_objects_emit_changed (client_objects (remote->client), remote->path, IFACE_CHRC,
                             "WriteAcquired", NULL);
}

/* ---- the exported interfaces ---- */

static void
remote_method (gpointer               object,
               GDBusMethodInvocation *invocation,
               const char            *method,
               GVariant              *parameters)
{
  Remote *remote = object;

  if (strcmp (method, "ReadValue") == 0)
    remote_read_value (remote, invocation, parameters);
  else if (strcmp (method, "WriteValue") == 0)
    remote_write_value (remote, invocation, parameters);
  else if (strcmp (method, "StartNotify") == 0)
    remote_start_notify (remote, invocation);
  else if (strcmp (method, "StopNotify") == 0)
    remote_stop_notify (remote, invocation);
  else if (strcmp (method, "AcquireNotify") == 0)
    remote_acquire_notify (remote, invocation);
  else if (strcmp (method, "AcquireWrite") == 0)
    remote_acquire_write (remote, invocation);
  else
    g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.UnknownMethod",
                                                method);
}

static GVariant *
cache_variant (Remote *remote)
{
  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, remote->cache->data, remote->cache->len,
                                  TRUE, NULL, NULL);
}

static GVariant *
service_get (gpointer object, const char *property)
{
  Remote *remote = object;

  if (strcmp (property, "UUID") == 0)
    return g_variant_new_string (remote->uuid);
  if (strcmp (property, "Device") == 0)
    return g_variant_new_object_path (remote->client->device->path);
  if (strcmp (property, "Primary") == 0)
    return g_variant_new_boolean (remote->primary);
  if (strcmp (property, "Includes") == 0)
    return g_variant_new_objv ((const char *const *) remote->includes->pdata, remote->includes->len);
  return NULL;
}

static GVariant *
chrc_get (gpointer object, const char *property)
{
  Remote *remote = object;

  if (strcmp (property, "UUID") == 0)
    return g_variant_new_string (remote->uuid);
  if (strcmp (property, "Service") == 0)
    return g_variant_new_object_path (remote->parent->path);
  if (strcmp (property, "Value") == 0)
    return cache_variant (remote);
  if (strcmp (property, "Notifying") == 0)
    return (remote->props & (VB_PROP_NOTIFY | VB_PROP_INDICATE)) ? g_variant_new_boolean (remote->notifying) : NULL;
  if (strcmp (property, "Flags") == 0)
    return vb_att_client_flags (remote->props, remote->ext_props);
  if (strcmp (property, "WriteAcquired") == 0)
    return (remote->props & VB_PROP_WRITE_NO_RSP) ? g_variant_new_boolean (remote->write_acquired != NULL) : NULL;
  if (strcmp (property, "NotifyAcquired") == 0)
    return (remote->props & VB_PROP_NOTIFY) ? g_variant_new_boolean (remote->notify_acquired != NULL) : NULL;
  if (strcmp (property, "MTU") == 0)
    return g_variant_new_uint16 (remote->client->mtu);
  return NULL;
}

static GVariant *
desc_get (gpointer object, const char *property)
{
  Remote *remote = object;

  if (strcmp (property, "UUID") == 0)
    return g_variant_new_string (remote->uuid);
  if (strcmp (property, "Characteristic") == 0)
    return g_variant_new_object_path (remote->parent->path);
  if (strcmp (property, "Value") == 0)
    return cache_variant (remote);
  return NULL;
}

static const VbInterface service_iface = { IFACE_SERVICE, remote_method, service_get, NULL };
static const VbInterface chrc_iface = { IFACE_CHRC, remote_method, chrc_get, NULL };
static const VbInterface desc_iface = { IFACE_DESC, remote_method, desc_get, NULL };

/* ---- the tree ---- */

static Remote *
remote_new (VbGattClient *client, RemoteKind kind, Remote *parent, const char *path)
{
  Remote *remote = g_new0 (Remote, 1);

  remote->ref_count = 1;
  remote->client = client;
  remote->kind = kind;
  remote->parent = parent;
  remote->path = g_strdup (path);
  remote->children = g_ptr_array_new_with_free_func ((GDestroyNotify) remote_unref);
  remote->cache = g_byte_array_new ();
  if (kind == REMOTE_CHRC)
    {
      remote->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      remote->ccc_waiters = g_ptr_array_new_with_free_func (g_object_unref);
    }
  return remote;
}

static void
export_remote (VbGattClient *client, Remote *remote)
{
  const VbInterface *iface = remote->kind == REMOTE_SERVICE ? &service_iface
                           : remote->kind == REMOTE_CHRC ? &chrc_iface : &desc_iface;
  g_autoptr(GError) error = NULL;

  if (!vb_objects_export (client_objects (client), remote->path, iface, remote, &error))
    vb_warn ("cannot export %s: %s", remote->path, error->message);
  g_hash_table_insert (client->by_path, remote->path, remote);
}

/* export_service(): the service, then each characteristic followed by its
 * descriptors. */
static Remote *
add_service (VbGattClient *client, VbGattService *service)
{
  g_autofree char *service_path = g_strdup_printf ("%s/service%04x", client->device->path, service->start);
  Remote *remote = remote_new (client, REMOTE_SERVICE, NULL, service_path);

  memcpy (remote->uuid, service->uuid, VB_UUID_STRLEN);
  remote->handle = remote->value_handle = service->start;
  remote->primary = service->primary;
  remote->signature = vb_gatt_service_signature (service);
  remote->includes = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < service->include_handles->len; i++)
    g_ptr_array_add (remote->includes,
                     g_strdup_printf ("%s/service%04x", client->device->path,
                                      g_array_index (service->include_handles, guint16, i)));
  export_remote (client, remote);
  for (guint c = 0; c < service->chrcs->len; c++)
    {
      VbGattChrc *chrc = g_ptr_array_index (service->chrcs, c);
      g_autofree char *chrc_path = g_strdup_printf ("%s/char%04x", service_path, chrc->decl_handle);
      Remote *rchrc = remote_new (client, REMOTE_CHRC, remote, chrc_path);

      memcpy (rchrc->uuid, chrc->uuid, VB_UUID_STRLEN);
      rchrc->handle = chrc->decl_handle;
      rchrc->value_handle = chrc->value_handle;
      rchrc->props = chrc->props;
      /* Only the wire bits of the extended properties reach a client. */
      rchrc->ext_props = chrc->ext_props & (VB_EXT_RELIABLE_WRITE | VB_EXT_WRITABLE_AUX);
      g_ptr_array_add (remote->children, rchrc);
      export_remote (client, rchrc);
      for (guint d = 0; d < chrc->descs->len; d++)
        {
          VbGattDesc *desc = g_ptr_array_index (chrc->descs, d);
          g_autofree char *desc_path = g_strdup_printf ("%s/desc%04x", chrc_path, desc->handle);
          Remote *rdesc = remote_new (client, REMOTE_DESC, rchrc, desc_path);

          memcpy (rdesc->uuid, desc->uuid, VB_UUID_STRLEN);
          rdesc->handle = rdesc->value_handle = desc->handle;
          g_ptr_array_add (rchrc->children, rdesc);
          export_remote (client, rdesc);
        }
    }
  return remote;
}

/* StartNotify calls waiting for a CCC write that will not come: their sessions end. */
static void
fail_waiters (Remote *remote)
{
  if (remote->ccc_waiters == NULL)
    return;
  for (guint i = 0; i < remote->ccc_waiters->len; i++)
    {
      GDBusMethodInvocation *invocation = g_ptr_array_index (remote->ccc_waiters, i);
      const char *sender = g_dbus_method_invocation_get_sender (invocation);

      if (!GPOINTER_TO_UINT (g_hash_table_lookup (remote->sessions, sender)))
        g_hash_table_remove (remote->sessions, sender);
      vb_return_error (g_object_ref (invocation), VB_ERROR_FAILED, "Not connected");
    }
  g_ptr_array_set_size (remote->ccc_waiters, 0);
}

/* unregister_service(): descriptors, characteristic, …, then the service. */
static void
unexport_remote (VbGattClient *client, Remote *remote)
{
  for (guint i = 0; i < remote->children->len; i++)
    unexport_remote (client, g_ptr_array_index (remote->children, i));
  fail_waiters (remote);
  release_acquired (remote, &remote->notify_acquired);
  release_acquired (remote, &remote->write_acquired);
  g_hash_table_remove (client->by_path, remote->path);
  vb_objects_unexport (client_objects (client), remote->path);
  remote->removed = TRUE;
}

VbGattClient *
vb_gatt_client_new (VbDevice *device)
{
  VbGattClient *client = g_new0 (VbGattClient, 1);

  client->device = device;
  client->services = g_ptr_array_new_with_free_func ((GDestroyNotify) remote_unref);
  client->by_path = g_hash_table_new (g_str_hash, g_str_equal);
  client->mtu = device->adapter->daemon->options.mtu;
  return client;
}

void
vb_gatt_client_free (VbGattClient *client)
{
  if (client == NULL)
    return;
  g_clear_handle_id (&client->resync_idle, g_source_remove);
  for (guint i = 0; i < client->services->len; i++)
    unexport_remote (client, g_ptr_array_index (client->services, i));
  g_ptr_array_unref (client->services);
  g_hash_table_unref (client->by_path);
  g_clear_pointer (&client->connection, vb_connection_unref);
  g_free (client);
}

static gboolean
has_signature (GPtrArray *signatures, const char *signature)
{
  return g_ptr_array_find_with_equal_func (signatures, signature, g_str_equal, NULL);
}

void
vb_gatt_client_sync (VbGattClient *client,
                     VbGattDb     *db)
{
  g_autoptr(GPtrArray) wanted = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) present = g_ptr_array_new ();
  g_autoptr(GPtrArray) services = g_ptr_array_new_with_free_func ((GDestroyNotify) remote_unref);

  for (guint i = 0; i < db->services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (db->services, i);

      g_ptr_array_add (wanted, service->hidden ? g_strdup ("") : vb_gatt_service_signature (service));
    }
  for (guint i = 0; i < client->services->len; i++)
    {
      Remote *remote = g_ptr_array_index (client->services, i);

      if (has_signature (wanted, remote->signature))
        {
          g_ptr_array_add (services, remote_ref (remote));
          g_ptr_array_add (present, remote->signature);
        }
      else
        unexport_remote (client, remote);
    }
  for (guint i = 0; i < db->services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (db->services, i);
      const char *signature = g_ptr_array_index (wanted, i);

      if (!service->hidden && !has_signature (present, signature))
        g_ptr_array_add (services, add_service (client, service));
    }
  g_ptr_array_unref (client->services);
  client->services = g_steal_pointer (&services);
}

/* The link came up: subscriptions of D-Bus clients that stayed registered across the
 * disconnection are renewed (bluetoothd re-registers them when GATT is ready). */
static void
resubscribe (VbGattClient *client)
{
  for (guint s = 0; s < client->services->len; s++)
    {
      Remote *service = g_ptr_array_index (client->services, s);

      for (guint c = 0; c < service->children->len; c++)
        {
          Remote *chrc = g_ptr_array_index (service->children, c);

          if (g_hash_table_size (chrc->sessions) > 0)
            {
              write_ccc (chrc, TRUE);
              set_notifying (chrc, TRUE);
            }
        }
    }
}

void
vb_gatt_client_attach (VbGattClient *client,
                       VbConnection *connection)
{
  g_clear_pointer (&client->connection, vb_connection_unref);
  client->connection = vb_connection_ref (connection);
  client->mtu = connection->mtu;
  resubscribe (client);
}

void
vb_gatt_client_detach (VbGattClient *client)
{
  for (guint s = 0; s < client->services->len; s++)
    {
      Remote *service = g_ptr_array_index (client->services, s);

      for (guint c = 0; c < service->children->len; c++)
        {
          Remote *chrc = g_ptr_array_index (service->children, c);

          chrc->ccc = CCC_OFF;
          fail_waiters (chrc);
          /* btd_gatt_client_disconnected() closes acquired sockets. */
          release_acquired (chrc, &chrc->notify_acquired);
          release_acquired (chrc, &chrc->write_acquired);
        }
    }
  g_clear_pointer (&client->connection, vb_connection_unref);
}

static gboolean
resync_idle (gpointer data)
{
  VbGattClient *client = data;

  client->resync_idle = 0;
  if (link_up (client))
    vb_gatt_client_sync (client, &peer_server (client->connection)->db);
  return G_SOURCE_REMOVE;
}

static Remote *
find_chrc_by_value (VbGattClient *client, guint16 value_handle)
{
  for (guint s = 0; s < client->services->len; s++)
    {
      Remote *service = g_ptr_array_index (client->services, s);

      for (guint c = 0; c < service->children->len; c++)
        {
          Remote *chrc = g_ptr_array_index (service->children, c);

          if (chrc->value_handle == value_handle)
            return chrc;
        }
    }
  return NULL;
}

void
vb_gatt_client_deliver (VbGattClient *client,
                        guint16       value_handle,
                        GBytes       *value,
                        gboolean      indication)
{
  Remote *chrc = find_chrc_by_value (client, value_handle);
  guint sessions;
  gsize len;
  const guint8 *data = g_bytes_get_data (value, &len);

  /* bluetoothd's own subscription to Service Changed triggers rediscovery. */
  if (value_handle == SERVICE_CHANGED_VALUE && client->resync_idle == 0)
    client->resync_idle = g_idle_add (resync_idle, client);
  if (chrc == NULL)
    return;
  if (chrc->notify_acquired != NULL &&
      send (chrc->notify_acquired->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    vb_log ("%s: notification dropped by the acquired socket: %s", chrc->path, g_strerror (errno));
  /* notify_cb() runs once per registered D-Bus session, each time resetting the
   * cached value and emitting Value, equal or empty values included. */
  sessions = registered_sessions (chrc);
  for (guint i = 0; i < sessions; i++)
    {
      cache_store (chrc, 0, data, len);
      emit_value (chrc);
    }
}

void
vb_gatt_client_name_vanished (VbGattClient *client,
                              const char   *name)
{
  for (guint s = 0; s < client->services->len; s++)
    {
      Remote *service = g_ptr_array_index (client->services, s);

      for (guint c = 0; c < service->children->len; c++)
        {
          Remote *chrc = g_ptr_array_index (service->children, c);

          if (g_hash_table_contains (chrc->sessions, name))
            end_session (chrc, name);
        }
    }
}
