/* vb-gatt-server.c — GattManager1 of one adapter: applications, their notifications,
 *                    the links to the adapter
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bluetoothd 5.66 src/gatt-database.c for external applications (docs/bluez.md §1.1,
 * §1.2): GetManagedObjects is called asynchronously, attributes are allocated in the
 * order of the reply (vb-gatt-db.c), and PropertiesChanged(Value) of a characteristic
 * becomes notifications or indications, then Confirm(), for every link whose CCC asks
 * for them. The ATT requests of the links are in vb-att-server.c.
 */
#include "vb-gatt-server-private.h"

#include <string.h>

#include "vb-adapter.h"
#include "vb-att.h"
#include "vb-daemon.h"
#include "vb-error.h"

#define IFACE_MANAGER "org.bluez.GattManager1"
#define IFACE_SERVICE VB_IFACE_GATT_SERVICE
#define IFACE_CHRC    VB_IFACE_GATT_CHRC
#define IFACE_DESC    VB_IFACE_GATT_DESC

/* The Service Changed characteristic and its CCC in the core GATT service. */
#define SERVICE_CHANGED_VALUE 0x0008
#define SERVICE_CHANGED_CCC   0x0009

static GDBusConnection *
server_connection (VbGattServer *server)
{
  return server->adapter->daemon->connection;
}

/* ---- notifications ---- */

guint16
vb_gatt_peer_ccc (VbGattPeer *peer,
                  guint16     handle)
{
  return (guint16) GPOINTER_TO_UINT (g_hash_table_lookup (peer->ccc, GUINT_TO_POINTER (handle)));
}

void
vb_gatt_server_call_app (VbGattServer *server,
                         const char   *owner,
                         const char   *path,
                         const char   *iface,
                         const char   *method,
                         GVariant     *parameters)
{
  g_dbus_connection_call (server_connection (server), owner, path, iface, method, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, NULL, NULL);
}

/* send_notification_to_device(): a characteristic that can indicate only reaches
 * links whose CCC has the indication bit (so a notify+indicate characteristic
 * subscribed for notifications gets nothing, as in 5.66). */
static void
notify_peers (VbGattServer *server, const char *owner, const char *path, VbGattChrc *chrc,
              const guint8 *data, gsize len)
{
  gboolean indicate = (chrc->props & VB_PROP_INDICATE) != 0;

  len = MIN (len, VB_ATT_MAX_VALUE_LEN);
  for (guint i = 0; i < server->peers->len; i++)
    {
      VbGattPeer *peer = g_ptr_array_index (server->peers, i);
      guint16 ccc = chrc->ccc != NULL ? vb_gatt_peer_ccc (peer, chrc->ccc->handle) : 0;
      g_autoptr(GBytes) value = NULL;

      if (ccc == 0 || (indicate && !(ccc & 0x0002)))
        continue;
      /* Handle Value Notification/Indication: 3 bytes of header in the ATT_MTU. */
      value = g_bytes_new (data, MIN (len, (gsize) peer->mtu - 3));
      peer->deliver (peer->deliver_data, chrc->value_handle, value, indicate);
      if (indicate && owner != NULL)
        vb_gatt_server_call_app (server, owner, path, IFACE_CHRC, "Confirm", NULL);
    }
}

static void
send_service_changed (VbGattServer *server, guint16 start, guint16 end)
{
  guint8 range[4] = { (guint8) (start & 0xff), (guint8) (start >> 8),
                      (guint8) (end & 0xff), (guint8) (end >> 8) };
  g_autoptr(GBytes) value = g_bytes_new (range, sizeof range);

  for (guint i = 0; i < server->peers->len; i++)
    {
      VbGattPeer *peer = g_ptr_array_index (server->peers, i);

      if (vb_gatt_peer_ccc (peer, SERVICE_CHANGED_CCC) & 0x0002)
        peer->deliver (peer->deliver_data, SERVICE_CHANGED_VALUE, value, TRUE);
    }
}

/* The database changed in [@start, @end]: Service Changed, the adapter's UUIDs, and
 * the mirrors of connected centrals. */
static void
database_changed (VbGattServer *server, guint16 start, guint16 end)
{
  send_service_changed (server, start, end);
  vb_adapter_uuids_changed (server->adapter);
  vb_daemon_gatt_changed (server->adapter->daemon, server->adapter);
}

/* ---- applications ---- */

static void
drop_ccc_states (VbGattServer *server, guint16 start, guint16 end)
{
  for (guint i = 0; i < server->peers->len; i++)
    {
      VbGattPeer *peer = g_ptr_array_index (server->peers, i);

      for (guint handle = start; handle <= end; handle++)
        g_hash_table_remove (peer->ccc, GUINT_TO_POINTER (handle));
    }
}

static void
remove_service (VbGattServer *server, VbGattService *service)
{
  guint16 start = service->start, end = service->end;

  vb_log ("%s: service %s 0x%04x-0x%04x removed", server->adapter->path, service->path, start, end);
  /* gatt_db_service_removed(): CCC states of the range go, without StopNotify. */
  drop_ccc_states (server, start, end);
  vb_gatt_db_remove (&server->db, service);
  database_changed (server, start, end);
}

static void
app_free (VbGattApp *app)
{
  GDBusConnection *connection = server_connection (app->server);

  g_cancellable_cancel (app->cancellable);
  g_clear_object (&app->cancellable);
  if (app->registration != NULL)
    vb_return_error (g_steal_pointer (&app->registration), VB_ERROR_FAILED,
                     "Application unregistered before its registration completed");
  if (app->removed_subscription != 0)
    g_dbus_connection_signal_unsubscribe (connection, app->removed_subscription);
  if (app->changed_subscription != 0)
    g_dbus_connection_signal_unsubscribe (connection, app->changed_subscription);
  g_free (app->owner);
  g_free (app->path);
  g_free (app);
}

static void
app_remove (VbGattApp *app)
{
  VbGattServer *server = app->server;
  VbGattService *service;

  vb_log ("%s: application %s %s removed", server->adapter->path, app->owner, app->path);
  for (guint i = server->db.services->len; i-- > 0;)
    {
      service = g_ptr_array_index (server->db.services, i);
      if (!service->core && service->owner == app)
        {
          remove_service (server, service);
          i = MIN (i, server->db.services->len);
        }
    }
  g_ptr_array_remove (server->apps, app);
}

static VbGattApp *
find_app (VbGattServer *server, const char *owner, const char *path)
{
  for (guint i = 0; i < server->apps->len; i++)
    {
      VbGattApp *app = g_ptr_array_index (server->apps, i);

      if (strcmp (app->owner, owner) == 0 && (path == NULL || strcmp (app->path, path) == 0))
        return app;
    }
  return NULL;
}

/* proxy_removed_cb(): InterfacesRemoved naming a GattService1 removes that service.
 * Removing a characteristic or descriptor object alone changes nothing in 5.66 (its
 * attribute stays, and calls to it then fail). */
static void
app_interfaces_removed (GDBusConnection *connection,
                        const char      *sender,
                        const char      *object_path,
                        const char      *interface_name,
                        const char      *signal_name,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  VbGattApp *app = user_data;
  const char *path;
  g_autofree const char **interfaces = NULL;
  VbGattService *service;

  if (!app->registered || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oas)")))
    return;
  g_variant_get (parameters, "(&o^a&s)", &path, &interfaces);
  if (!g_strv_contains (interfaces, IFACE_SERVICE))
    {
      if (vb_gatt_db_find_chrc (&app->server->db, app, path, NULL) != NULL)
        vb_warn ("%s removed characteristic %s but not its service: bluetoothd keeps the "
                 "attribute", app->owner, path);
      return;
    }
  service = vb_gatt_db_find_service (&app->server->db, app, path);
  if (service != NULL)
    remove_service (app->server, service);
}

static void
app_properties_changed (GDBusConnection *connection,
                        const char      *sender,
                        const char      *object_path,
                        const char      *interface_name,
                        const char      *signal_name,
                        GVariant        *parameters,
                        gpointer         user_data)
{
  VbGattApp *app = user_data;
  g_autoptr(GVariant) changed = NULL;
  g_autoptr(GVariant) value = NULL;
  const char *iface;
  VbGattChrc *chrc;

  if (!app->registered || !g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}@as)", &iface, &changed, NULL);
  if (strcmp (iface, IFACE_CHRC) != 0)
    return;
  chrc = vb_gatt_db_find_chrc (&app->server->db, app, object_path, NULL);
  /* database_add_ccc() watches only characteristics that notify or indicate. */
  if (chrc == NULL || !(chrc->props & (VB_PROP_NOTIFY | VB_PROP_INDICATE)))
    return;
  value = g_variant_lookup_value (changed, "Value", NULL);
  if (value == NULL)
    return;
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    {
      vb_warn ("%s %s: Value is not a byte array, ignored", app->owner, object_path);
      return;
    }
  /* Every signal counts, equal or empty values too (HAP's zero-length indications). */
  notify_peers (app->server, app->owner, object_path, chrc, g_variant_get_data (value),
                g_variant_get_size (value));
}

static void
write_handle (VbGattServer *server, VbGattApp *app, const char *path, const char *iface, guint16 handle)
{
  vb_gatt_server_call_app (server, app->owner, path, "org.freedesktop.DBus.Properties", "Set",
            g_variant_new ("(ssv)", iface, "Handle", g_variant_new_uint16 (handle)));
}

/* write_handle(): an automatically placed attribute that has a Handle property is
 * told its handle (errors ignored). */
static void
write_back_handles (VbGattServer *server, VbGattApp *app)
{
  for (guint i = 0; i < server->db.services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (server->db.services, i);

      if (service->core || service->owner != app)
        continue;
      if (service->has_handle_property && service->requested_handle == 0)
        write_handle (server, app, service->path, IFACE_SERVICE, service->start);
      for (guint c = 0; c < service->chrcs->len; c++)
        {
          VbGattChrc *chrc = g_ptr_array_index (service->chrcs, c);

          if (chrc->has_handle_property && chrc->requested_handle == 0)
            write_handle (server, app, chrc->path, IFACE_CHRC, chrc->value_handle);
          for (guint d = 0; d < chrc->descs->len; d++)
            {
              VbGattDesc *desc = g_ptr_array_index (chrc->descs, d);

              if (desc->kind == VB_DESC_APP && desc->has_handle_property && desc->requested_handle == 0)
                write_handle (server, app, desc->path, IFACE_DESC, desc->handle);
            }
        }
    }
}

static void
got_objects (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GPtrArray) services = NULL;
  GDBusMethodInvocation *invocation;
  VbGattServer *server;
  VbGattApp *app;
  guint n_profiles = 0;
  guint16 first = G_MAXUINT16, last = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  app = user_data;
  server = app->server;
  invocation = g_steal_pointer (&app->registration);
  if (reply == NULL || !g_variant_is_of_type (reply, G_VARIANT_TYPE ("(a{oa{sa{sv}}})")))
    {
      /* GDBusClient gets no proxies: client_ready_cb() says "No object received". */
      vb_warn ("%s %s: GetManagedObjects failed: %s", app->owner, app->path,
               error != NULL ? error->message : "wrong reply type");
      vb_return_error (invocation, VB_ERROR_FAILED, "No object received");
      app_remove (app);
      return;
    }
  objects = g_variant_get_child_value (reply, 0);
  services = vb_gatt_parse_objects (objects, &n_profiles, &error);
  if (services == NULL || !vb_gatt_db_insert (&server->db, services, app, &error))
    {
      vb_warn ("%s %s: registration refused: %s", app->owner, app->path, error->message);
      g_dbus_method_invocation_return_gerror (invocation, error);
      app_remove (app);
      return;
    }
  app->registered = TRUE;
  write_back_handles (server, app);
  for (guint i = 0; i < server->db.services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (server->db.services, i);

      if (service->owner == app && !service->core)
        {
          first = MIN (first, service->start);
          last = MAX (last, service->end);
          vb_log ("%s: service %s %s at 0x%04x-0x%04x", server->adapter->path, service->path,
                  service->uuid, service->start, service->end);
        }
    }
  vb_log ("%s: application %s %s registered (%u profiles)", server->adapter->path, app->owner,
          app->path, n_profiles);
  g_dbus_method_invocation_return_value (invocation, NULL);
  if (last != 0)
    database_changed (server, first, last);
}

static void
register_application (VbGattServer *server, GDBusMethodInvocation *invocation, GVariant *parameters)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  GDBusConnection *connection = server_connection (server);
  const char *path;
  VbGattApp *app;

  g_variant_get (parameters, "(&oa{sv})", &path, NULL);
  if (find_app (server, sender, path) != NULL)
    {
      vb_return_error (invocation, VB_ERROR_ALREADY_EXISTS, VB_MSG_ALREADY_EXISTS);
      return;
    }
  app = g_new0 (VbGattApp, 1);
  app->server = server;
  app->owner = g_strdup (sender);
  app->path = g_strdup (path);
  /* The handler's reference, answered (and dropped) once GetManagedObjects has come back. */
  app->registration = invocation;
  app->cancellable = g_cancellable_new ();
  g_ptr_array_add (server->apps, app);
  /* Subscribe before asking, like GDBusClient, so nothing is missed. */
  app->removed_subscription =
    g_dbus_connection_signal_subscribe (connection, sender, "org.freedesktop.DBus.ObjectManager",
                                        "InterfacesRemoved", path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        app_interfaces_removed, app, NULL);
  app->changed_subscription =
    g_dbus_connection_signal_subscribe (connection, sender, "org.freedesktop.DBus.Properties",
                                        "PropertiesChanged", NULL, IFACE_CHRC,
                                        G_DBUS_SIGNAL_FLAGS_NONE, app_properties_changed, app, NULL);
  /* Asynchronous: an application that answers only from its main loop must not
   * deadlock (docs/bluez.md §1.1). */
  g_dbus_connection_call (connection, sender, path, "org.freedesktop.DBus.ObjectManager",
                          "GetManagedObjects", NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          app->cancellable, got_objects, app);
}

static void
manager_method (gpointer               object,
                GDBusMethodInvocation *invocation,
                const char            *method,
                GVariant              *parameters)
{
  VbGattServer *server = object;

  if (strcmp (method, "RegisterApplication") == 0)
    register_application (server, invocation, parameters);
  else if (strcmp (method, "UnregisterApplication") == 0)
    {
      const char *path;
      VbGattApp *app;

      g_variant_get (parameters, "(&o)", &path);
      app = find_app (server, g_dbus_method_invocation_get_sender (invocation), path);
      if (app == NULL)
        {
          vb_return_error (invocation, VB_ERROR_DOES_NOT_EXIST, VB_MSG_DOES_NOT_EXIST);
          return;
        }
      app_remove (app);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
}

static GVariant *
manager_get (gpointer object, const char *property)
{
  return NULL;
}

static const VbInterface manager_iface = { IFACE_MANAGER, manager_method, manager_get, NULL };

VbGattServer *
vb_gatt_server_new (VbAdapter  *adapter,
                    GError    **error)
{
  VbGattServer *server = g_new0 (VbGattServer, 1);

  server->adapter = adapter;
  vb_gatt_db_init (&server->db);
  server->apps = g_ptr_array_new_with_free_func ((GDestroyNotify) app_free);
  server->peers = g_ptr_array_new ();
  if (!vb_objects_export (adapter->daemon->objects, adapter->path, &manager_iface, server, error))
    {
      vb_gatt_server_free (server);
      return NULL;
    }
  return server;
}

void
vb_gatt_server_free (VbGattServer *server)
{
  if (server == NULL)
    return;
  while (server->peers->len > 0)
    vb_gatt_server_detach (server, g_ptr_array_index (server->peers, 0));
  g_ptr_array_unref (server->peers);
  g_ptr_array_unref (server->apps);
  vb_gatt_db_clear (&server->db);
  g_free (server);
}

gboolean
vb_gatt_server_name_vanished (VbGattServer *server,
                              const char   *name)
{
  VbGattApp *app;
  gboolean any = FALSE;

  while ((app = find_app (server, name, NULL)) != NULL)
    {
      g_clear_object (&app->registration);
      app_remove (app);
      any = TRUE;
    }
  return any;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_ascii_strcasecmp (*(const char *const *) a, *(const char *const *) b);
}

char **
vb_gatt_server_list_uuids (VbGattServer *server,
                           gboolean      include_hidden)
{
  g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < server->db.services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (server->db.services, i);

      if (!service->primary || (service->hidden && !include_hidden))
        continue;
      if (!g_ptr_array_find_with_equal_func (uuids, service->uuid, g_str_equal, NULL))
        g_ptr_array_add (uuids, g_strdup (service->uuid));
    }
  g_ptr_array_sort (uuids, compare_strings);
  g_ptr_array_add (uuids, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&uuids), FALSE);
}

/* ---- links ---- */

VbGattPeer *
vb_gatt_server_attach (VbGattServer *server,
                       const char   *device_path,
                       guint16       mtu,
                       VbGattDeliver deliver,
                       gpointer      deliver_data)
{
  VbGattPeer *peer = g_new0 (VbGattPeer, 1);

  peer->ref_count = 1;
  peer->attached = TRUE;
  peer->server = server;
  peer->device_path = g_strdup (device_path);
  peer->mtu = mtu;
  peer->ccc = g_hash_table_new (NULL, NULL);
  peer->prepare_queue = g_ptr_array_new_with_free_func (vb_prepare_entry_free);
  peer->deliver = deliver;
  peer->deliver_data = deliver_data;
  g_ptr_array_add (server->peers, peer);
  return peer;
}

void
vb_gatt_server_detach (VbGattServer *server,
                       VbGattPeer   *peer)
{
  GHashTableIter iter;
  gpointer key, value;

  if (!peer->attached)
    return;
  /* att_disconnected(): the state of an unbonded device goes, and each CCC that was
   * on counts as a disable. */
  g_hash_table_iter_init (&iter, peer->ccc);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      VbGattAttr attr = vb_gatt_db_lookup (&server->db, (guint16) GPOINTER_TO_UINT (key));

      if (GPOINTER_TO_UINT (value) != 0 && attr.kind == VB_ATTR_DESC && attr.desc->kind == VB_DESC_CCC)
        vb_gatt_server_ccc_changed (server, attr.chrc, 0);
    }
  g_hash_table_remove_all (peer->ccc);
  g_ptr_array_set_size (peer->prepare_queue, 0);
  g_ptr_array_remove (server->peers, peer);
  peer->attached = FALSE;
  peer->server = NULL;
  vb_gatt_peer_unref (peer);
}

VbGattPeer *
vb_gatt_peer_ref (VbGattPeer *peer)
{
  peer->ref_count++;
  return peer;
}

void
vb_gatt_peer_unref (VbGattPeer *peer)
{
  if (--peer->ref_count > 0)
    return;
  g_hash_table_unref (peer->ccc);
  g_ptr_array_unref (peer->prepare_queue);
  g_free (peer->device_path);
  g_free (peer);
}

GVariant *
vb_gatt_server_describe (VbGattServer *server)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(qsss)"));
  for (guint i = 0; i < server->db.services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (server->db.services, i);

      g_variant_builder_add (&builder, "(qsss)", service->start, "service", service->uuid,
                             service->path != NULL ? service->path : "");
      for (guint n = 0; n < service->include_handles->len; n++)
        g_variant_builder_add (&builder, "(qsss)", (guint16) (service->start + 1 + n), "include",
                               "", "");
      for (guint c = 0; c < service->chrcs->len; c++)
        {
          VbGattChrc *chrc = g_ptr_array_index (service->chrcs, c);
          const char *path = chrc->path != NULL ? chrc->path : "";

          g_variant_builder_add (&builder, "(qsss)", chrc->decl_handle, "characteristic", chrc->uuid, path);
          g_variant_builder_add (&builder, "(qsss)", chrc->value_handle, "value", chrc->uuid, path);
          for (guint d = 0; d < chrc->descs->len; d++)
            {
              VbGattDesc *desc = g_ptr_array_index (chrc->descs, d);

              g_variant_builder_add (&builder, "(qsss)", desc->handle, "descriptor", desc->uuid,
                                     desc->path != NULL ? desc->path : "");
            }
        }
    }
  return g_variant_builder_end (&builder);
}
