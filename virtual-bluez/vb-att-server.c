/* vb-att-server.c — the ATT server side of the links to one adapter
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bluetoothd 5.66 shared/gatt-server.c with src/gatt-database.c's external
 * attributes (docs/bluez.md §1.1): Read and Read Blob become ReadValue with bluetoothd's
 * options, Write Request/Command become WriteValue, Prepare Write Requests are queued
 * (contiguous fragments merged) and executed as one WriteValue, a CCC write becomes
 * StartNotify()/StopNotify(), and bluetoothd's own attributes answer from memory.
 */
#include <string.h>

#include "vb-adapter.h"
#include "vb-att.h"
#include "vb-daemon.h"
#include "vb-error.h"
#include "vb-gatt-server-private.h"

#define IFACE_CHRC VB_IFACE_GATT_CHRC
#define IFACE_DESC VB_IFACE_GATT_DESC

/* shared/gatt-server.c DEFAULT_MAX_PREP_QUEUE_LEN. */
#define MAX_PREPARE_QUEUE 30

void
vb_prepare_entry_free (gpointer data)
{
  VbPrepareEntry *entry = data;

  g_byte_array_unref (entry->value);
  g_free (entry);
}

static GDBusConnection *
server_connection (VbGattServer *server)
{
  return server->adapter->daemon->connection;
}

static VbGattApp *
app_of (VbGattService *service)
{
  return service->core ? NULL : service->owner;
}

/* append_options(): device, offset (only when non-zero), link, mtu. */
static GVariant *
request_options (VbGattPeer *peer, guint16 offset)
{
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "device", g_variant_new_object_path (peer->device_path));
  if (offset != 0)
    g_variant_builder_add (&options, "{sv}", "offset", g_variant_new_uint16 (offset));
  g_variant_builder_add (&options, "{sv}", "link", g_variant_new_string ("LE"));
  g_variant_builder_add (&options, "{sv}", "mtu", g_variant_new_uint16 (peer->mtu));
  return g_variant_builder_end (&options);
}

/* The D-Bus error name and message an application replied with: a remote error, or
 * one of org.bluez.Error.* that GDBus maps to VB_ERROR (registered for our replies). */
static guint8
att_error_of_reply (GError *error, guint8 permission_error)
{
  g_autofree char *name = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* The attribute went away with a request pending: cancel_pending_read/write(). */
    return VB_ATT_REQUEST_NOT_SUPPORTED;
  name = g_dbus_error_get_remote_error (error);
  if (name == NULL)
    name = g_dbus_error_encode_gerror (error);
  g_dbus_error_strip_remote_error (error);
  return vb_att_error_from_app (name, error->message, permission_error);
}

typedef struct
{
  VbGattPeer *peer;
  guint16 offset;
  VbGattReadDone done;
  gpointer user_data;
  char *path;
} ReadOp;

/* The answer to a Read or Read Blob: what the application gave, cut to ATT's 512 bytes
 * counted from @offset (the virtual BlueZ is stricter than 5.66 here, which cuts each
 * answer to 512 and lets a blob offset go past it), then to the ATT_MTU - 1 bytes a
 * response carries. */
static GBytes *
read_response (const guint8 *data, gsize len, guint16 offset, guint16 mtu)
{
  gsize max = offset <= VB_ATT_MAX_VALUE_LEN ? VB_ATT_MAX_VALUE_LEN - offset : 0;

  return g_bytes_new (data, MIN (MIN (len, max), (gsize) mtu - 1));
}

static void
got_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ReadOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    op->done (att_error_of_reply (error, VB_ATT_READ_NOT_PERMITTED), NULL, op->user_data);
  else if (!g_variant_is_of_type (reply, G_VARIANT_TYPE ("(ay)")))
    {
      vb_warn ("%s: ReadValue returned %s instead of (ay)", op->path, g_variant_get_type_string (reply));
      op->done (VB_ATT_REQUEST_NOT_SUPPORTED, NULL, op->user_data);
    }
  else
    {
      g_autoptr(GVariant) value = g_variant_get_child_value (reply, 0);
      g_autoptr(GBytes) response = NULL;
      gsize len = g_variant_get_size (value);

      if (len + op->offset > VB_ATT_MAX_VALUE_LEN)
        vb_warn ("%s: ReadValue at offset %u returned %" G_GSIZE_FORMAT " bytes: past ATT's 512",
                 op->path, op->offset, len);
      response = read_response (g_variant_get_data (value), len, op->offset, op->peer->mtu);
      op->done (VB_ATT_OK, response, op->user_data);
    }
  vb_gatt_peer_unref (op->peer);
  g_free (op->path);
  g_free (op);
}

static void
app_read (VbGattServer *server, VbGattPeer *peer, VbGattApp *app, const char *path, const char *iface,
          guint16 offset, VbGattReadDone done, gpointer user_data)
{
  ReadOp *op = g_new0 (ReadOp, 1);

  op->peer = vb_gatt_peer_ref (peer);
  op->offset = offset;
  op->done = done;
  op->user_data = user_data;
  op->path = g_strdup (path);
  vb_log ("%s ReadValue %s offset %u", app->owner, path, offset);
  g_dbus_connection_call (server_connection (server), app->owner, path, iface, "ReadValue",
                          g_variant_new ("(@a{sv})", request_options (peer, offset)), NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, app->cancellable, got_read, op);
}

/* A value held by bluetoothd itself: read from @offset (gatt_db_attribute_read()). */
static void
local_read (VbGattPeer *peer, const guint8 *data, gsize len, guint16 offset,
            VbGattReadDone done, gpointer user_data)
{
  g_autoptr(GBytes) response = NULL;

  if (offset > len)
    {
      done (VB_ATT_INVALID_OFFSET, NULL, user_data);
      return;
    }
  response = read_response (data + offset, len - offset, offset, peer->mtu);
  done (VB_ATT_OK, response, user_data);
}

/* A stand-in for the Database Hash: a digest of the layout, not the AES-CMAC of
 * Core Vol 3 Part G §7.3 (nothing in the double checks it). */
static void
database_hash (VbGattServer *server, guint8 hash[16])
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize len = sizeof digest;

  for (guint i = 0; i < server->db.services->len; i++)
    {
      g_autofree char *signature = vb_gatt_service_signature (g_ptr_array_index (server->db.services, i));

      g_checksum_update (checksum, (const guchar *) signature, -1);
    }
  g_checksum_get_digest (checksum, digest, &len);
  memcpy (hash, digest, 16);
}

static void
core_read (VbGattServer *server, VbGattPeer *peer, VbGattChrc *chrc, guint16 offset,
           VbGattReadDone done, gpointer user_data)
{
  static const guint8 pnp_id[7] = { 0x02, 0x6b, 0x1d, 0x46, 0x02, 0x42, 0x05 }; /* USB, 1d6b:0246, 5.66 */
  static const guint8 appearance[2] = { 0x00, 0x00 };
  guint8 hash[16];
  const char *name;

  switch (chrc->value_handle)
    {
    case 0x0003:
      name = vb_adapter_get_alias (server->adapter);
      local_read (peer, (const guint8 *) name, strlen (name), offset, done, user_data);
      break;
    case 0x0005:
      local_read (peer, appearance, sizeof appearance, offset, done, user_data);
      break;
    case 0x000b:
      local_read (peer, &peer->client_features, 1, offset, done, user_data);
      break;
    case 0x000d:
      database_hash (server, hash);
      local_read (peer, hash, sizeof hash, offset, done, user_data);
      break;
    case 0x0012:
      local_read (peer, pnp_id, sizeof pnp_id, offset, done, user_data);
      break;
    default:
      /* Service Changed has no value to read. */
      local_read (peer, NULL, 0, offset, done, user_data);
      break;
    }
}

void
vb_gatt_server_read (VbGattServer   *server,
                     VbGattPeer     *peer,
                     guint16         handle,
                     guint16         offset,
                     VbGattReadDone  done,
                     gpointer        user_data)
{
  VbGattAttr attr = vb_gatt_db_lookup (&server->db, handle);
  guint8 status;

  if (offset > VB_ATT_MAX_VALUE_LEN)
    {
      /* Stricter than 5.66: no attribute value is longer than 512 bytes. */
      done (VB_ATT_INVALID_OFFSET, NULL, user_data);
      return;
    }
  switch (attr.kind)
    {
    case VB_ATTR_CHRC_VALUE:
      status = vb_att_check_permissions (attr.chrc->perm, FALSE);
      if (status != VB_ATT_OK)
        done (status, NULL, user_data);
      else if (attr.service->core)
        core_read (server, peer, attr.chrc, offset, done, user_data);
      else
        app_read (server, peer, app_of (attr.service), attr.chrc->path, IFACE_CHRC, offset, done,
                  user_data);
      return;
    case VB_ATTR_DESC:
      if (attr.desc->kind == VB_DESC_CCC)
        {
          guint16 ccc = vb_gatt_peer_ccc (peer, attr.desc->handle);
          guint8 le[2] = { (guint8) (ccc & 0xff), (guint8) (ccc >> 8) };

          /* gatt_ccc_read_cb(): no offsets on a CCC. */
          if (offset != 0)
            done (VB_ATT_INVALID_OFFSET, NULL, user_data);
          else
            local_read (peer, le, 2, 0, done, user_data);
        }
      else if (attr.desc->kind == VB_DESC_CEP)
        local_read (peer, attr.desc->cep_value, 2, offset, done, user_data);
      else if ((status = vb_att_check_permissions (attr.desc->perm, FALSE)) != VB_ATT_OK)
        done (status, NULL, user_data);
      else
        app_read (server, peer, app_of (attr.service), attr.desc->path, IFACE_DESC, offset, done,
                  user_data);
      return;
    case VB_ATTR_NONE:
      done (VB_ATT_INVALID_HANDLE, NULL, user_data);
      return;
    case VB_ATTR_SERVICE:
    case VB_ATTR_INCLUDE:
    case VB_ATTR_CHRC_DECL:
    default:
      /* Declarations are found by discovery, never read through D-Bus. */
      done (VB_ATT_READ_NOT_PERMITTED, NULL, user_data);
      return;
    }
}

typedef struct
{
  VbGattWriteDone done;
  gpointer user_data;
  char *path;
} WriteOp;

static void
got_write (GObject *source, GAsyncResult *result, gpointer user_data)
{
  WriteOp *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  guint8 status = VB_ATT_OK;

  if (reply == NULL)
    status = att_error_of_reply (error, VB_ATT_WRITE_NOT_PERMITTED);
  else if (g_variant_n_children (reply) > 0)
    {
      /* write_reply_cb(): a WriteValue that returns something is not the API. */
      vb_warn ("%s: WriteValue returned %s", op->path, g_variant_get_type_string (reply));
      status = VB_ATT_REQUEST_NOT_SUPPORTED;
    }
  if (op->done != NULL)
    op->done (status, op->user_data);
  g_free (op->path);
  g_free (op);
}

static void
app_write (VbGattServer *server, VbGattPeer *peer, VbGattApp *app, const char *path, const char *iface,
           guint16 offset, GBytes *value, VbGattWriteDone done, gpointer user_data)
{
  WriteOp *op = g_new0 (WriteOp, 1);

  op->done = done;
  op->user_data = user_data;
  op->path = g_strdup (path);
  vb_log ("%s WriteValue %s %" G_GSIZE_FORMAT " bytes offset %u", app->owner, path,
          g_bytes_get_size (value), offset);
  g_dbus_connection_call (server_connection (server), app->owner, path, iface, "WriteValue",
                          g_variant_new ("(@ay@a{sv})",
                                         g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, value, TRUE),
                                         request_options (peer, offset)),
                          NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, app->cancellable, got_write, op);
}

/* ccc_write_cb(): bluetoothd calls StartNotify() on every enabling CCC write (and
 * counts it), StopNotify() when its count drops back to zero; no device argument. */
guint8
vb_gatt_server_ccc_changed (VbGattServer *server,
                            VbGattChrc   *chrc,
                            guint16       value)
{
  VbGattAttr attr = vb_gatt_db_lookup (&server->db, chrc->value_handle);
  VbGattApp *app = attr.service != NULL ? app_of (attr.service) : NULL;

  if (app == NULL)
    return VB_ATT_OK;
  if (value == 0)
    {
      if (chrc->ntfy_cnt == 0 || --chrc->ntfy_cnt > 0)
        return VB_ATT_OK;
      vb_log ("%s StopNotify %s", app->owner, chrc->path);
      vb_gatt_server_call_app (server, app->owner, chrc->path, IFACE_CHRC, "StopNotify", NULL);
      return VB_ATT_OK;
    }
  if (value > 2 || (value == 1 && !(chrc->props & VB_PROP_NOTIFY)) ||
      (value == 2 && !(chrc->props & VB_PROP_INDICATE)))
    return VB_ATT_CCC_IMPROPERLY_CONFIGURED;
  if (chrc->notify_acquired)
    vb_warn ("%s has NotifyAcquired: bluetoothd would call AcquireNotify; the virtual BlueZ "
             "calls StartNotify (as bluetoothd does when AcquireNotify fails)", chrc->path);
  vb_log ("%s StartNotify %s", app->owner, chrc->path);
  vb_gatt_server_call_app (server, app->owner, chrc->path, IFACE_CHRC, "StartNotify", NULL);
  chrc->ntfy_cnt++;
  return VB_ATT_OK;
}

/* gatt_ccc_write_cb(). */
static guint8
ccc_write (VbGattServer *server, VbGattPeer *peer, VbGattAttr *attr, guint16 offset, GBytes *value)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (value, &len);
  guint16 new_value, old_value = vb_gatt_peer_ccc (peer, attr->desc->handle);
  guint8 status;

  if (len == 0 || len > 2)
    return VB_ATT_INVALID_VALUE_LEN;
  if (offset > 2)
    return VB_ATT_INVALID_OFFSET;
  new_value = len == 1 ? data[0] : (guint16) (data[0] | data[1] << 8);
  if (new_value == old_value)
    return VB_ATT_OK;
  status = vb_gatt_server_ccc_changed (server, attr->chrc, new_value);
  if (status == VB_ATT_OK)
    g_hash_table_insert (peer->ccc, GUINT_TO_POINTER (attr->desc->handle), GUINT_TO_POINTER (new_value));
  return status;
}

/* cli_feat_write_cb(): bits are only ever added. */
static guint8
client_features_write (VbGattPeer *peer, GBytes *value)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (value, &len);

  if (len == 0)
    return VB_ATT_INVALID_VALUE_LEN;
  for (guint bit = 0; bit < 3; bit++)
    if ((peer->client_features & (1u << bit)) && !(data[0] & (1u << bit)))
      return 0x13; /* Value Not Allowed */
  peer->client_features = (guint8) ((peer->client_features | data[0]) & 0x07);
  return VB_ATT_OK;
}

/* A write at @offset; @done NULL for commands. */
static void
write_attribute (VbGattServer *server, VbGattPeer *peer, guint16 handle, guint16 offset, GBytes *value,
                 VbGattWriteDone done, gpointer user_data)
{
  VbGattAttr attr = vb_gatt_db_lookup (&server->db, handle);
  guint8 status = VB_ATT_OK;

  switch (attr.kind)
    {
    case VB_ATTR_CHRC_VALUE:
      status = vb_att_check_permissions (attr.chrc->perm, TRUE);
      if (status == VB_ATT_OK && !attr.service->core)
        {
          app_write (server, peer, app_of (attr.service), attr.chrc->path, IFACE_CHRC, offset, value,
                     done, user_data);
          return;
        }
      if (status == VB_ATT_OK && attr.chrc->value_handle == 0x000b)
        status = client_features_write (peer, value);
      break;
    case VB_ATTR_DESC:
      if (attr.desc->kind == VB_DESC_CCC)
        status = ccc_write (server, peer, &attr, offset, value);
      else if (attr.desc->kind == VB_DESC_CEP)
        status = VB_ATT_WRITE_NOT_PERMITTED;
      else if ((status = vb_att_check_permissions (attr.desc->perm, TRUE)) == VB_ATT_OK)
        {
          app_write (server, peer, app_of (attr.service), attr.desc->path, IFACE_DESC, offset, value,
                     done, user_data);
          return;
        }
      break;
    case VB_ATTR_NONE:
      status = VB_ATT_INVALID_HANDLE;
      break;
    case VB_ATTR_SERVICE:
    case VB_ATTR_INCLUDE:
    case VB_ATTR_CHRC_DECL:
    default:
      status = VB_ATT_WRITE_NOT_PERMITTED;
      break;
    }
  if (done != NULL)
    done (status, user_data);
}

void
vb_gatt_server_write (VbGattServer    *server,
                      VbGattPeer      *peer,
                      guint16          handle,
                      GBytes          *value,
                      gboolean         command,
                      VbGattWriteDone  done,
                      gpointer         user_data)
{
  if (command)
    {
      /* A Write Command has no response: the application's answer is not awaited. */
      write_attribute (server, peer, handle, 0, value, NULL, NULL);
      if (done != NULL)
        done (VB_ATT_OK, user_data);
      return;
    }
  write_attribute (server, peer, handle, 0, value, done, user_data);
}

guint8
vb_gatt_server_prepare_write (VbGattServer *server,
                              VbGattPeer   *peer,
                              guint16       handle,
                              guint16       offset,
                              GBytes       *fragment)
{
  VbGattAttr attr = vb_gatt_db_lookup (&server->db, handle);
  VbPrepareEntry *tail;
  gsize len;
  const guint8 *data = g_bytes_get_data (fragment, &len);
  guint8 status;

  if (peer->prepare_queue->len >= MAX_PREPARE_QUEUE)
    return VB_ATT_PREPARE_QUEUE_FULL;
  if (attr.kind == VB_ATTR_NONE)
    return VB_ATT_INVALID_HANDLE;
  if (attr.kind == VB_ATTR_CHRC_VALUE)
    status = vb_att_check_permissions (attr.chrc->perm, TRUE);
  else if (attr.kind == VB_ATTR_DESC)
    status = vb_att_check_permissions (attr.desc->perm, TRUE);
  else
    status = VB_ATT_WRITE_NOT_PERMITTED;
  if (status != VB_ATT_OK)
    return status;
  /* store_prep_data(): a fragment that continues the last one is appended to it. */
  tail = peer->prepare_queue->len > 0
    ? g_ptr_array_index (peer->prepare_queue, peer->prepare_queue->len - 1) : NULL;
  if (tail != NULL && tail->handle == handle && offset == tail->offset + tail->value->len)
    {
      g_byte_array_append (tail->value, data, (guint) len);
      return VB_ATT_OK;
    }
  tail = g_new0 (VbPrepareEntry, 1);
  tail->handle = handle;
  tail->offset = offset;
  tail->value = g_byte_array_new ();
  g_byte_array_append (tail->value, data, (guint) len);
  g_ptr_array_add (peer->prepare_queue, tail);
  return VB_ATT_OK;
}

typedef struct
{
  VbGattPeer *peer;
  GPtrArray *entries;
  guint next;
  VbGattWriteDone done;
  gpointer user_data;
} ExecuteOp;

static void execute_next (ExecuteOp *op);

static void
execute_finish (ExecuteOp *op, guint8 status)
{
  op->done (status, op->user_data);
  vb_gatt_peer_unref (op->peer);
  g_ptr_array_unref (op->entries);
  g_free (op);
}

static void
executed_one (guint8 status, gpointer user_data)
{
  ExecuteOp *op = user_data;

  if (status != VB_ATT_OK)
    execute_finish (op, status);
  else if (!op->peer->attached)
    execute_finish (op, VB_ATT_UNLIKELY);
  else
    execute_next (op);
}

static void
execute_next (ExecuteOp *op)
{
  VbPrepareEntry *entry;
  g_autoptr(GBytes) value = NULL;

  if (op->next == op->entries->len)
    {
      execute_finish (op, VB_ATT_OK);
      return;
    }
  entry = g_ptr_array_index (op->entries, op->next++);
  /* Stricter than 5.66, which hands any length over: an attribute value has at most
   * 512 bytes (Core Vol 3 Part F §3.4.6.3: Invalid Attribute Value Length). */
  if ((gsize) entry->offset + entry->value->len > VB_ATT_MAX_VALUE_LEN)
    {
      vb_warn ("long write of %u bytes at offset %u to 0x%04x refused: past ATT's 512",
               entry->value->len, entry->offset, entry->handle);
      execute_finish (op, VB_ATT_INVALID_VALUE_LEN);
      return;
    }
  value = g_bytes_new (entry->value->data, entry->value->len);
  write_attribute (op->peer->server, op->peer, entry->handle, entry->offset, value, executed_one, op);
}

void
vb_gatt_server_execute_write (VbGattServer    *server,
                              VbGattPeer      *peer,
                              gboolean         commit,
                              VbGattWriteDone  done,
                              gpointer         user_data)
{
  ExecuteOp *op;

  if (!commit)
    {
      g_ptr_array_set_size (peer->prepare_queue, 0);
      done (VB_ATT_OK, user_data);
      return;
    }
  /* exec_write_cb(): several queued values make a reliable write, which every
   * characteristic involved must allow. */
  if (peer->prepare_queue->len > 1)
    for (guint i = 0; i < peer->prepare_queue->len; i++)
      {
        VbPrepareEntry *entry = g_ptr_array_index (peer->prepare_queue, i);
        VbGattAttr attr = vb_gatt_db_lookup (&server->db, entry->handle);

        if (attr.kind != VB_ATTR_CHRC_VALUE || !(attr.chrc->ext_props & 0x01))
          {
            g_ptr_array_set_size (peer->prepare_queue, 0);
            done (VB_ATT_REQUEST_NOT_SUPPORTED, user_data);
            return;
          }
      }
  op = g_new0 (ExecuteOp, 1);
  op->peer = vb_gatt_peer_ref (peer);
  op->entries = g_ptr_array_new_with_free_func (vb_prepare_entry_free);
  while (peer->prepare_queue->len > 0)
    g_ptr_array_add (op->entries, g_ptr_array_steal_index (peer->prepare_queue, 0));
  op->done = done;
  op->user_data = user_data;
  execute_next (op);
}
