/* vb-gatt-procedures.c — what a central's mirrored objects do over ATT
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bluetoothd 5.66 src/gatt-client.c method handlers on shared/gatt-client.c
 * procedures: ReadValue as a long read, WriteValue as a write request, command or
 * (reliable) long write chosen by size, "type" and the properties, StartNotify and
 * StopNotify per D-Bus client with one CCC write per link, AcquireNotify and
 * AcquireWrite with a SOCK_SEQPACKET socket. Every ATT request goes through the
 * link's queue (vb_connection_att_submit()), one at a time.
 */
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
#include "vb-gatt-client-private.h"
#include "vb-gatt-server.h"

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
      vb_remote_cache_store (remote, op->start, op->value->data, op->value->len);
      for (guint i = 0; i < op->invocations->len; i++)
        g_dbus_method_invocation_return_value (g_object_ref (g_ptr_array_index (op->invocations, i)),
                                               g_variant_new ("(@ay)",
                                                 g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING,
                                                                          remote->cache->data,
                                                                          remote->cache->len, TRUE,
                                                                          NULL, NULL)));
      vb_remote_emit_value (remote);
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
  vb_remote_unref (op->remote);
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
  vb_gatt_server_read (vb_remote_peer_server (connection), connection->peer, op->remote->value_handle,
                       (guint16) op->offset, read_chunk, op);
}

void
vb_remote_read_value (Remote *remote, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  VbGattClient *client = remote->client;
  g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);
  guint16 offset;
  ReadOp *op;

  if (!vb_gatt_client_link_up (client))
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
  op->remote = vb_remote_ref (remote);
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
  vb_remote_unref (op->remote);
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
  vb_gatt_server_write (vb_remote_peer_server (connection), connection->peer, op->remote->value_handle,
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
  vb_gatt_server_execute_write (vb_remote_peer_server (connection), connection->peer, op->error == VB_ATT_OK,
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
  op->error = vb_gatt_server_prepare_write (vb_remote_peer_server (connection), connection->peer,
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

  op->remote = vb_remote_ref (remote);
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

void
vb_remote_write_value (Remote *remote, GDBusMethodInvocation *invocation, GVariant *parameters)
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

  if (!vb_gatt_client_link_up (client))
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

void
vb_remote_set_notifying (Remote *remote, gboolean notifying)
{
  if (remote->notifying == notifying || remote->removed)
    return;
  remote->notifying = notifying;
  vb_objects_emit_changed (vb_remote_objects (remote->client), remote->path, IFACE_CHRC, "Notifying", NULL);
}

guint
vb_remote_registered_sessions (Remote *remote)
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
      vb_remote_set_notifying (remote, vb_remote_registered_sessions (remote) > 0);
    }
  vb_connection_unref (op->connection);
  vb_remote_unref (op->remote);
  g_free (op);
}

static void
ccc_step (VbConnection *connection, gpointer data)
{
  CccOp *op = data;
  Remote *ccc = vb_remote_find_ccc (op->remote);
  guint8 le[2] = { (guint8) (op->value & 0xff), (guint8) (op->value >> 8) };
  g_autoptr(GBytes) value = g_bytes_new (le, 2);

  if (!connection->up || ccc == NULL)
    {
      ccc_written (connection->up ? VB_ATT_UNLIKELY : VB_ATT_OK, op);
      return;
    }
  vb_gatt_server_write (vb_remote_peer_server (connection), connection->peer, ccc->value_handle, value, FALSE,
                        ccc_written, op);
}

/* bt_gatt_client_register_notify(): notifications when the characteristic has them,
 * else indications. */
void
vb_remote_write_ccc (Remote *remote, gboolean enable)
{
  CccOp *op = g_new0 (CccOp, 1);

  op->remote = vb_remote_ref (remote);
  op->connection = vb_connection_ref (remote->client->connection);
  op->value = !enable ? 0 : (remote->props & VB_PROP_NOTIFY) ? 0x0001 : 0x0002;
  if (enable)
    remote->ccc = CCC_ENABLING;
  else
    remote->ccc = CCC_OFF;
  vb_connection_att_submit (op->connection, ccc_step, op);
}

void
vb_remote_start_notify (Remote *remote, GDBusMethodInvocation *invocation)
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
  if (!vb_gatt_client_link_up (remote->client))
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
      vb_remote_set_notifying (remote, TRUE);
      return;
    }
  g_hash_table_insert (remote->sessions, g_strdup (sender), GUINT_TO_POINTER (FALSE));
  g_ptr_array_add (remote->ccc_waiters, invocation);
  if (remote->ccc == CCC_OFF)
    vb_remote_write_ccc (remote, TRUE);
}

/* The CCC goes off when nobody listens any more (no session, no acquired socket). */
static void
maybe_unsubscribe (Remote *remote)
{
  if (g_hash_table_size (remote->sessions) == 0 && remote->notify_acquired == NULL &&
      remote->ccc == CCC_ON && !remote->removed && vb_gatt_client_link_up (remote->client))
    vb_remote_write_ccc (remote, FALSE);
}

void
vb_remote_end_session (Remote *remote, const char *sender)
{
  g_hash_table_remove (remote->sessions, sender);
  vb_remote_set_notifying (remote, vb_remote_registered_sessions (remote) > 0);
  maybe_unsubscribe (remote);
}

void
vb_remote_stop_notify (Remote *remote, GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  if (remote->notify_acquired != NULL)
    {
      /* characteristic_stop_notify(): an acquired notification socket is closed. */
      vb_remote_release_acquired (remote, &remote->notify_acquired);
      maybe_unsubscribe (remote);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  if (!g_hash_table_contains (remote->sessions, sender))
    {
      vb_return_error (invocation, VB_ERROR_FAILED, "No notify session started");
      return;
    }
  vb_remote_end_session (remote, sender);
  g_dbus_method_invocation_return_value (invocation, NULL);
}

/* ---- AcquireNotify and AcquireWrite ---- */

void
vb_remote_release_acquired (Remote *remote, Acquired **acquired)
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
    vb_objects_emit_changed (vb_remote_objects (remote->client), remote->path, IFACE_CHRC,
                             notify ? "NotifyAcquired" : "WriteAcquired", NULL);
}

static gboolean
notify_socket_event (int fd, GIOCondition condition, gpointer data)
{
  Remote *remote = data;

  /* The acquirer closed its end (or died): notifications stop. This source ends by
   * returning G_SOURCE_REMOVE. */
  remote->notify_acquired->watch = 0;
  vb_remote_release_acquired (remote, &remote->notify_acquired);
  maybe_unsubscribe (remote);
  return G_SOURCE_REMOVE;
}

static void
submit_command (Remote *remote, const guint8 *data, gsize len)
{
  VbGattClient *client = remote->client;
  WriteOp *op;

  if (!vb_gatt_client_link_up (client) || len > (gsize) client->connection->mtu - 3)
    return;
  op = g_new0 (WriteOp, 1);
  op->remote = vb_remote_ref (remote);
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
  vb_remote_release_acquired (remote, &remote->write_acquired);
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

void
vb_remote_acquire_notify (Remote *remote, GDBusMethodInvocation *invocation)
{
  if (!vb_gatt_client_link_up (remote->client))
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
      vb_objects_emit_changed (vb_remote_objects (remote->client), remote->path, IFACE_CHRC,
                               "NotifyAcquired", NULL);
      if (remote->ccc == CCC_OFF)
        vb_remote_write_ccc (remote, TRUE);
    }
}

void
vb_remote_acquire_write (Remote *remote, GDBusMethodInvocation *invocation)
{
  if (!vb_gatt_client_link_up (remote->client))
    vb_return_error (invocation, VB_ERROR_FAILED, "Not connected");
  else if (remote->write_acquired != NULL)
    vb_return_error (invocation, VB_ERROR_NOT_PERMITTED, "Write acquired");
  else if (!(remote->props & VB_PROP_WRITE_NO_RSP))
    vb_return_error (invocation, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
  else if ((remote->write_acquired = hand_out_socket (remote, invocation, write_socket_event,
                                                      G_IO_IN | G_IO_HUP | G_IO_ERR)) != NULL)
    vb_objects_emit_changed (vb_remote_objects (remote->client), remote->path, IFACE_CHRC,
                             "WriteAcquired", NULL);
}
