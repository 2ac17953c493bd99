/* vb-gatt-client.c — a central's mirror of a peripheral's GATT database
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The objects under a Device1 (export, refresh on Service Changed, properties) and
 * what arrives on the link for them; their methods are in vb-gatt-procedures.c.
 */
#include "vb-gatt-client-private.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "vb-adapter.h"
#include "vb-att.h"
#include "vb-daemon.h"
#include "vb-device.h"
#include "vb-error.h"
#include "vb-gatt-server.h"

#define SERVICE_CHANGED_VALUE 0x0008

VbObjects *
vb_remote_objects (VbGattClient *client)
{
  return client->device->adapter->daemon->objects;
}

Remote *
vb_remote_ref (Remote *remote)
{
  remote->ref_count++;
  return remote;
}

void
vb_remote_unref (Remote *remote)
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

gboolean
vb_gatt_client_link_up (VbGattClient *client)
{
  return client->connection != NULL && client->connection->up;
}

VbGattServer *
vb_remote_peer_server (VbConnection *connection)
{
  return connection->peripheral_device->adapter->gatt;
}

Remote *
vb_remote_find_ccc (Remote *chrc)
{
  for (guint i = 0; i < chrc->children->len; i++)
    {
      Remote *desc = g_ptr_array_index (chrc->children, i);

      if (vb_uuid_is_u16 (desc->uuid, 0x2902))
        return desc;
    }
  return NULL;
}

void
vb_remote_emit_value (Remote *remote)
{
  if (remote->removed)
    return;
  vb_objects_emit_value (vb_remote_objects (remote->client), remote->path,
                         remote->kind == REMOTE_CHRC ? IFACE_CHRC : IFACE_DESC, "Value",
                         g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, remote->cache->data,
                                                  remote->cache->len, TRUE, NULL, NULL));
}

/* gatt_db_attribute_write() into the cache: @offset 0 replaces, a larger offset
 * writes into what is cached (zero-filled when shorter). */
void
vb_remote_cache_store (Remote *remote, guint16 offset, const guint8 *data, gsize len)
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

/* ---- the exported interfaces ---- */

static void
remote_method (gpointer               object,
               GDBusMethodInvocation *invocation,
               const char            *method,
               GVariant              *parameters)
{
  Remote *remote = object;

  if (strcmp (method, "ReadValue") == 0)
    vb_remote_read_value (remote, invocation, parameters);
  else if (strcmp (method, "WriteValue") == 0)
    vb_remote_write_value (remote, invocation, parameters);
  else if (strcmp (method, "StartNotify") == 0)
    vb_remote_start_notify (remote, invocation);
  else if (strcmp (method, "StopNotify") == 0)
    vb_remote_stop_notify (remote, invocation);
  else if (strcmp (method, "AcquireNotify") == 0)
    vb_remote_acquire_notify (remote, invocation);
  else if (strcmp (method, "AcquireWrite") == 0)
    vb_remote_acquire_write (remote, invocation);
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
  remote->children = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_remote_unref);
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

  if (!vb_objects_export (vb_remote_objects (client), remote->path, iface, remote, &error))
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
  vb_remote_release_acquired (remote, &remote->notify_acquired);
  vb_remote_release_acquired (remote, &remote->write_acquired);
  g_hash_table_remove (client->by_path, remote->path);
  vb_objects_unexport (vb_remote_objects (client), remote->path);
  remote->removed = TRUE;
}

VbGattClient *
vb_gatt_client_new (VbDevice *device)
{
  VbGattClient *client = g_new0 (VbGattClient, 1);

  client->device = device;
  client->services = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_remote_unref);
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
  g_autoptr(GPtrArray) services = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_remote_unref);

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
          g_ptr_array_add (services, vb_remote_ref (remote));
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
              vb_remote_write_ccc (chrc, TRUE);
              vb_remote_set_notifying (chrc, TRUE);
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
          vb_remote_release_acquired (chrc, &chrc->notify_acquired);
          vb_remote_release_acquired (chrc, &chrc->write_acquired);
        }
    }
  g_clear_pointer (&client->connection, vb_connection_unref);
}

static gboolean
resync_idle (gpointer data)
{
  VbGattClient *client = data;

  client->resync_idle = 0;
  if (vb_gatt_client_link_up (client))
    vb_gatt_client_sync (client, &vb_remote_peer_server (client->connection)->db);
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
  sessions = vb_remote_registered_sessions (chrc);
  for (guint i = 0; i < sessions; i++)
    {
      vb_remote_cache_store (chrc, 0, data, len);
      vb_remote_emit_value (chrc);
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
            vb_remote_end_session (chrc, name);
        }
    }
}
