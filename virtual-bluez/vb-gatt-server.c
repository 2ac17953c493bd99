/* vb-gatt-server.c — GattManager1 of one adapter and its ATT server
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * bluetoothd 5.66 src/gatt-database.c and shared/gatt-server.c for external
 * applications (ble-bluez.md §1.1, §1.2): GetManagedObjects is called
 * asynchronously, attributes are allocated in the order of the reply, ReadValue,
 * WriteValue, StartNotify, StopNotify and Confirm are called with bluetoothd's
 * options, and PropertiesChanged(Value) of a characteristic becomes notifications or
 * indications for every link whose CCC asks for them.
 */
#include "vb-gatt-server.h"

#include <string.h>

#include "vb-adapter.h"
#include "vb-att.h"
#include "vb-daemon.h"
#include "vb-error.h"

#define IFACE_MANAGER "org.bluez.GattManager1"
#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHRC    "org.bluez.GattCharacteristic1"
#define IFACE_DESC    "org.bluez.GattDescriptor1"

/* shared/gatt-server.c DEFAULT_MAX_PREP_QUEUE_LEN. */
#define MAX_PREPARE_QUEUE 30

/* The Service Changed characteristic and its CCC in the core GATT service. */
#define SERVICE_CHANGED_VALUE 0x0008
#define SERVICE_CHANGED_CCC   0x0009

typedef struct
{
  VbGattServer *server;
  char *owner;
  char *path;
  GDBusMethodInvocation *registration;
  GCancellable *cancellable;
  guint removed_subscription;
  guint changed_subscription;
  gboolean registered;
} GattApp;

typedef struct
{
  guint16 handle;
  guint16 offset;
  GByteArray *value;
} PrepareEntry;

static void
prepare_entry_free (gpointer data)
{
  PrepareEntry *entry = data;

  g_byte_array_unref (entry->value);
  g_free (entry);
}

static GDBusConnection *
server_connection (VbGattServer *server)
{
  return server->adapter->daemon->connection;
}

/* ---- notifications ---- */

static guint16
peer_ccc (VbGattPeer *peer, guint16 handle)
{
  return (guint16) GPOINTER_TO_UINT (g_hash_table_lookup (peer->ccc, GUINT_TO_POINTER (handle)));
}

static void
call_app (VbGattServer *server, const char *owner, const char *path, const char *iface,
          const char *method, GVariant *parameters)
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
      guint16 ccc = chrc->ccc != NULL ? peer_ccc (peer, chrc->ccc->handle) : 0;
      g_autoptr(GBytes) value = NULL;

      if (ccc == 0 || (indicate && !(ccc & 0x0002)))
        continue;
      /* Handle Value Notification/Indication: 3 bytes of header in the ATT_MTU. */
      value = g_bytes_new (data, MIN (len, (gsize) peer->mtu - 3));
      peer->deliver (peer->deliver_data, chrc->value_handle, value, indicate);
      if (indicate && owner != NULL)
        call_app (server, owner, path, IFACE_CHRC, "Confirm", NULL);
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

      if (peer_ccc (peer, SERVICE_CHANGED_CCC) & 0x0002)
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
app_free (GattApp *app)
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
app_remove (GattApp *app)
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

static GattApp *
find_app (VbGattServer *server, const char *owner, const char *path)
{
  for (guint i = 0; i < server->apps->len; i++)
    {
      GattApp *app = g_ptr_array_index (server->apps, i);

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
  GattApp *app = user_data;
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
  GattApp *app = user_data;
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
write_handle (VbGattServer *server, GattApp *app, const char *path, const char *iface, guint16 handle)
{
  call_app (server, app->owner, path, "org.freedesktop.DBus.Properties", "Set",
            g_variant_new ("(ssv)", iface, "Handle", g_variant_new_uint16 (handle)));
}

/* write_handle(): an automatically placed attribute that has a Handle property is
 * told its handle (errors ignored). */
static void
write_back_handles (VbGattServer *server, GattApp *app)
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
  GattApp *app;
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
  GattApp *app;

  g_variant_get (parameters, "(&oa{sv})", &path, NULL);
  if (find_app (server, sender, path) != NULL)
    {
      vb_return_error (invocation, VB_ERROR_ALREADY_EXISTS, VB_MSG_ALREADY_EXISTS);
      return;
    }
  app = g_new0 (GattApp, 1);
  app->server = server;
  app->owner = g_strdup (sender);
  app->path = g_strdup (path);
  app->registration = g_object_ref (invocation);
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
   * deadlock (ble-bluez.md §1.1). */
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
      GattApp *app;

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
  GattApp *app;
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
  peer->prepare_queue = g_ptr_array_new_with_free_func (prepare_entry_free);
  peer->deliver = deliver;
  peer->deliver_data = deliver_data;
  g_ptr_array_add (server->peers, peer);
  return peer;
}

static guint8 ccc_changed (VbGattServer *server, VbGattChrc *chrc, guint16 value);

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
        ccc_changed (server, attr.chrc, 0);
    }
  g_hash_table_remove_all (peer->ccc);
  g_ptr_array_set_size (peer->prepare_queue, 0);
  g_ptr_array_remove (server->peers, peer);
  peer->attached = FALSE;
  peer->server = NULL;
  vb_gatt_peer_unref (peer);
}

static VbGattPeer *
peer_ref (VbGattPeer *peer)
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

/* ---- ATT requests ---- */

static GattApp *
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
app_read (VbGattServer *server, VbGattPeer *peer, GattApp *app, const char *path, const char *iface,
          guint16 offset, VbGattReadDone done, gpointer user_data)
{
  ReadOp *op = g_new0 (ReadOp, 1);

  op->peer = peer_ref (peer);
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
          guint16 ccc = peer_ccc (peer, attr.desc->handle);
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
app_write (VbGattServer *server, VbGattPeer *peer, GattApp *app, const char *path, const char *iface,
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
static guint8
ccc_changed (VbGattServer *server, VbGattChrc *chrc, guint16 value)
{
  VbGattAttr attr = vb_gatt_db_lookup (&server->db, chrc->value_handle);
  GattApp *app = attr.service != NULL ? app_of (attr.service) : NULL;

  if (app == NULL)
    return VB_ATT_OK;
  if (value == 0)
    {
      if (chrc->ntfy_cnt == 0 || --chrc->ntfy_cnt > 0)
        return VB_ATT_OK;
      vb_log ("%s StopNotify %s", app->owner, chrc->path);
      call_app (server, app->owner, chrc->path, IFACE_CHRC, "StopNotify", NULL);
      return VB_ATT_OK;
    }
  if (value > 2 || (value == 1 && !(chrc->props & VB_PROP_NOTIFY)) ||
      (value == 2 && !(chrc->props & VB_PROP_INDICATE)))
    return VB_ATT_CCC_IMPROPERLY_CONFIGURED;
  if (chrc->notify_acquired)
    vb_warn ("%s has NotifyAcquired: bluetoothd would call AcquireNotify; the virtual BlueZ "
             "calls StartNotify (as bluetoothd does when AcquireNotify fails)", chrc->path);
  vb_log ("%s StartNotify %s", app->owner, chrc->path);
  call_app (server, app->owner, chrc->path, IFACE_CHRC, "StartNotify", NULL);
  chrc->ntfy_cnt++;
  return VB_ATT_OK;
}

/* gatt_ccc_write_cb(). */
static guint8
ccc_write (VbGattServer *server, VbGattPeer *peer, VbGattAttr *attr, guint16 offset, GBytes *value)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (value, &len);
  guint16 new_value, old_value = peer_ccc (peer, attr->desc->handle);
  guint8 status;

  if (len == 0 || len > 2)
    return VB_ATT_INVALID_VALUE_LEN;
  if (offset > 2)
    return VB_ATT_INVALID_OFFSET;
  new_value = len == 1 ? data[0] : (guint16) (data[0] | data[1] << 8);
  if (new_value == old_value)
    return VB_ATT_OK;
  status = ccc_changed (server, attr->chrc, new_value);
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
  PrepareEntry *tail;
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
  tail = g_new0 (PrepareEntry, 1);
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
  PrepareEntry *entry;
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
        PrepareEntry *entry = g_ptr_array_index (peer->prepare_queue, i);
        VbGattAttr attr = vb_gatt_db_lookup (&server->db, entry->handle);

        if (attr.kind != VB_ATTR_CHRC_VALUE || !(attr.chrc->ext_props & 0x01))
          {
            g_ptr_array_set_size (peer->prepare_queue, 0);
            done (VB_ATT_REQUEST_NOT_SUPPORTED, user_data);
            return;
          }
      }
  op = g_new0 (ExecuteOp, 1);
  op->peer = peer_ref (peer);
  op->entries = g_ptr_array_new_with_free_func (prepare_entry_free);
  while (peer->prepare_queue->len > 0)
    g_ptr_array_add (op->entries, g_ptr_array_steal_index (peer->prepare_queue, 0));
  op->done = done;
  op->user_data = user_data;
  execute_next (op);
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
