/* vb-device.c — Device1 objects and the LE connections between virtual adapters
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What bluetoothd 5.66 src/device.c does around a connection, in its order:
 *  Connect: Connected=true, GATT discovery (objects exported), ServicesResolved=true,
 *  then the reply. The peripheral's adapter gets a Device1 for the central.
 *  Disconnect: the reply first, then Connected=false and ServicesResolved=false
 *  (bleak tears down when Connected goes false, docs/bluez.md §1.5 item 2). The
 *  mirrored GATT objects stay ([GATT] Cache=always) until the device is removed.
 */
#include "vb-device.h"

#include <string.h>

#include "vb-adapter.h"
#include "vb-daemon.h"
#include "vb-error.h"
#include "vb-gatt-client.h"
#include "vb-gatt-server.h"

#define IFACE_DEVICE "org.bluez.Device1"

typedef struct
{
  VbAttStep step;
  gpointer data;
} AttStep;

static void device_emit (VbDevice *device, const char *first, ...) G_GNUC_NULL_TERMINATED;
static void device_method (gpointer object, GDBusMethodInvocation *invocation, const char *method,
                           GVariant *parameters);
static GVariant *device_get (gpointer object, const char *property);
static gboolean device_set (gpointer object, const char *property, GVariant *value, GError **error);

static const VbInterface device_iface = { IFACE_DEVICE, device_method, device_get, device_set };

static VbObjects *
device_objects (VbDevice *device)
{
  return device->adapter->daemon->objects;
}

static gboolean
is_connected (VbDevice *device)
{
  return device->connection != NULL && device->connection->up;
}

/* Emits PropertiesChanged for the named properties when the device is exported. */
static void
device_emit (VbDevice *device, const char *first, ...)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  va_list args;

  if (!device->exported)
    return;
  va_start (args, first);
  for (const char *name = first; name != NULL; name = va_arg (args, const char *))
    g_ptr_array_add (names, (gpointer) name);
  va_end (args);
  g_ptr_array_add (names, NULL);
  vb_objects_emit_changed_strv (device_objects (device), device->path, IFACE_DEVICE,
                                (const char *const *) names->pdata);
}

/* ---- temporary devices ---- */

static gboolean
temporary_expired (gpointer data)
{
  VbDevice *device = data;

  device->temporary_timer = 0;
  vb_log ("%s: temporary device removed", device->path);
  vb_adapter_remove_device (device->adapter, device);
  return G_SOURCE_REMOVE;
}

/* bluetoothd removes an unpaired device [General] TemporaryTimeout (30 s) after it
 * was last used (docs/bluez.md §1.5 item 3). */
static void
arm_temporary (VbDevice *device)
{
  g_clear_handle_id (&device->temporary_timer, g_source_remove);
  if (is_connected (device) || device->trusted || device->pending_connects->len > 0)
    return;
  device->temporary_timer = g_timeout_add_seconds (device->adapter->daemon->options.temporary_timeout,
                                                   temporary_expired, device);
}

/* ---- the ATT request queue of a link ---- */

VbConnection *
vb_connection_ref (VbConnection *connection)
{
  connection->ref_count++;
  return connection;
}

void
vb_connection_unref (VbConnection *connection)
{
  if (--connection->ref_count > 0)
    return;
  g_warn_if_fail (g_queue_is_empty (&connection->att_queue));
  g_free (connection);
}

static gboolean
att_run_next (gpointer data)
{
  VbConnection *connection = data;
  AttStep *next;

  if (!connection->att_busy && (next = g_queue_pop_head (&connection->att_queue)) != NULL)
    {
      AttStep step = *next;

      g_free (next);
      connection->att_busy = TRUE;
      step.step (connection, step.data);
    }
  return G_SOURCE_REMOVE;
}

static void
att_schedule (VbConnection *connection)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, att_run_next, vb_connection_ref (connection),
                   (GDestroyNotify) vb_connection_unref);
}

void
vb_connection_att_submit (VbConnection *connection,
                          VbAttStep     step,
                          gpointer      data)
{
  AttStep *entry = g_new (AttStep, 1);

  entry->step = step;
  entry->data = data;
  g_queue_push_tail (&connection->att_queue, entry);
  if (!connection->att_busy)
    att_schedule (connection);
}

void
vb_connection_att_done (VbConnection *connection)
{
  connection->att_busy = FALSE;
  if (!g_queue_is_empty (&connection->att_queue))
    att_schedule (connection);
}

/* ---- Device1 ---- */

static char *
dashed_address (VbDevice *device)
{
  g_autofree char *dashed = g_strdup (device->address);

  g_strdelimit (dashed, ":", '-');
  return g_steal_pointer (&dashed);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_ascii_strcasecmp (*(const char *const *) a, *(const char *const *) b);
}

static GVariant *
uuids_variant (VbDevice *device)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  for (guint i = 0; device->adv_uuids != NULL && device->adv_uuids[i] != NULL; i++)
    g_ptr_array_add (all, device->adv_uuids[i]);
  for (guint i = 0; device->gatt_uuids != NULL && device->gatt_uuids[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (all, device->gatt_uuids[i], g_str_equal, NULL))
      g_ptr_array_add (all, device->gatt_uuids[i]);
  g_ptr_array_sort (all, compare_strings);
  return g_variant_new_strv ((const char *const *) all->pdata, all->len);
}

static GVariant *
device_get (gpointer object, const char *property)
{
  VbDevice *device = object;

  if (strcmp (property, "Address") == 0)
    return g_variant_new_string (device->address);
  if (strcmp (property, "AddressType") == 0)
    return g_variant_new_string ("public");
  if (strcmp (property, "Name") == 0)
    return device->name != NULL ? g_variant_new_string (device->name) : NULL;
  if (strcmp (property, "Alias") == 0)
    {
      g_autofree char *dashed = NULL;

      if (device->alias != NULL)
        return g_variant_new_string (device->alias);
      if (device->name != NULL)
        return g_variant_new_string (device->name);
      dashed = dashed_address (device);
      return g_variant_new_string (dashed);
    }
  if (strcmp (property, "Appearance") == 0)
    return device->has_appearance ? g_variant_new_uint16 (device->appearance) : NULL;
  if (strcmp (property, "Paired") == 0 || strcmp (property, "LegacyPairing") == 0)
    return g_variant_new_boolean (FALSE);
  if (strcmp (property, "Trusted") == 0)
    return g_variant_new_boolean (device->trusted);
  if (strcmp (property, "Blocked") == 0)
    return g_variant_new_boolean (device->blocked);
  if (strcmp (property, "RSSI") == 0)
    return device->has_rssi ? g_variant_new_int16 (VB_RSSI) : NULL;
  if (strcmp (property, "Connected") == 0)
    return g_variant_new_boolean (is_connected (device));
  if (strcmp (property, "UUIDs") == 0)
    return uuids_variant (device);
  if (strcmp (property, "Adapter") == 0)
    return g_variant_new_object_path (device->adapter->path);
  if (strcmp (property, "ManufacturerData") == 0)
    return device->manufacturer_data != NULL ? g_variant_ref (device->manufacturer_data) : NULL;
  if (strcmp (property, "ServiceData") == 0)
    return device->service_data != NULL ? g_variant_ref (device->service_data) : NULL;
  if (strcmp (property, "TxPower") == 0)
    return device->has_tx_power ? g_variant_new_int16 (device->tx_power) : NULL;
  if (strcmp (property, "ServicesResolved") == 0)
    return g_variant_new_boolean (device->services_resolved);
  if (strcmp (property, "AdvertisingFlags") == 0)
    return device->has_flags ? g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, &device->flags, 1,
                                                        TRUE, NULL, NULL) : NULL;
  return NULL;
}

static gboolean
device_set (gpointer     object,
            const char  *property,
            GVariant    *value,
            GError     **error)
{
  VbDevice *device = object;

  if (strcmp (property, "Alias") == 0)
    {
      const char *alias = g_variant_get_string (value, NULL);

      g_free (device->alias);
      /* An empty alias goes back to the name. */
      device->alias = alias[0] != '\0' ? g_strdup (alias) : NULL;
      device_emit (device, "Alias", NULL);
      return TRUE;
    }
  if (strcmp (property, "Trusted") == 0)
    {
      device->trusted = g_variant_get_boolean (value);
      device_emit (device, "Trusted", NULL);
      arm_temporary (device);
      return TRUE;
    }
  if (strcmp (property, "Blocked") == 0)
    {
      device->blocked = g_variant_get_boolean (value);
      device_emit (device, "Blocked", NULL);
      if (device->blocked)
        vb_device_drop_connection (device);
      return TRUE;
    }
  g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY, "Property '%s' is not writable",
               property);
  return FALSE;
}

static gboolean
export_device (VbDevice *device)
{
  g_autoptr(GError) error = NULL;

  if (device->exported)
    return TRUE;
  device->exported = TRUE;
  if (!vb_objects_export (device_objects (device), device->path, &device_iface, device, &error))
    {
      device->exported = FALSE;
      vb_warn ("cannot export %s: %s", device->path, error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- connections ---- */

static void
deliver (gpointer user_data, guint16 value_handle, GBytes *value, gboolean indication)
{
  VbConnection *connection = user_data;

  if (connection->up && connection->central_device->client != NULL)
    vb_gatt_client_deliver (connection->central_device->client, value_handle, value, indication);
}

static void
reply_connects (VbDevice *device, const char *failure)
{
  g_autoptr(GPtrArray) pending = g_steal_pointer (&device->pending_connects);

  device->pending_connects = g_ptr_array_new_with_free_func (g_object_unref);
  g_clear_handle_id (&device->connect_timer, g_source_remove);
  for (guint i = 0; i < pending->len; i++)
    {
      GDBusMethodInvocation *invocation = g_object_ref (g_ptr_array_index (pending, i));

      if (failure == NULL)
        g_dbus_method_invocation_return_value (invocation, NULL);
      else
        vb_return_error (invocation, VB_ERROR_FAILED, "%s", failure);
    }
}

/* The central @device (on the central's adapter) connects to its remote adapter. */
static void
establish (VbDevice *device)
{
  VbDaemon *daemon = device->adapter->daemon;
  VbAdapter *central = device->adapter, *peripheral = device->remote;
  VbDevice *other = vb_adapter_ensure_device (peripheral, central);
  VbConnection *connection = g_new0 (VbConnection, 1);
  g_auto(GStrv) uuids = NULL;
  guint8 indicate[2] = { 0x02, 0x00 };
  g_autoptr(GBytes) service_changed = g_bytes_new (indicate, 2);

  connection->ref_count = 1;
  connection->daemon = daemon;
  connection->central_device = device;
  connection->peripheral_device = other;
  /* Both ends ask for [GATT] ExchangeMTU; the smaller wins. */
  connection->mtu = daemon->options.mtu;
  connection->up = TRUE;
  g_queue_init (&connection->att_queue);
  device->connection = connection;
  other->connection = vb_connection_ref (connection);
  g_clear_handle_id (&device->temporary_timer, g_source_remove);
  g_clear_handle_id (&other->temporary_timer, g_source_remove);
  vb_log ("%s connected to %s (MTU %u)", central->path, peripheral->path, connection->mtu);

  /* device_add_connection(); --no-connected-signal reproduces docs/bluez.md §5.1. */
  export_device (device);
  if (!daemon->options.no_connected_signal)
    device_emit (device, "Connected", NULL);

  /* The central appears on the peripheral's adapter, in one of the two ways seen with
   * real bluetoothd (docs/bluez.md §1.5 item 1). */
  if (!other->exported && vb_daemon_next_central_added (daemon))
    export_device (other);
  else
    {
      if (!other->exported)
        {
          connection->up = FALSE;      /* exported as not yet connected */
          export_device (other);
          connection->up = TRUE;
        }
      device_emit (other, "Connected", NULL);
    }

  /* The kernel stops legacy advertising while connected (docs/bluez.md §1.3). */
  vb_advertising_set_hidden (peripheral->advertising, TRUE);

  connection->peer = vb_gatt_server_attach (peripheral->gatt, other->path, connection->mtu, deliver,
                                            connection);
  /* bluetoothd's GATT client subscribes to Service Changed on every link. */
  vb_gatt_server_write (peripheral->gatt, connection->peer, 0x0009, service_changed, FALSE, NULL, NULL);

  /* GATT discovery, from the cache when nothing changed. */
  if (device->client == NULL)
    device->client = vb_gatt_client_new (device);
  vb_gatt_client_attach (device->client, connection);
  vb_gatt_client_sync (device->client, &peripheral->gatt->db);
  uuids = vb_gatt_server_list_uuids (peripheral->gatt, TRUE);
  vb_device_set_gatt_uuids (device, g_steal_pointer (&uuids));
  device->services_resolved = TRUE;
  device_emit (device, "ServicesResolved", NULL);
  reply_connects (device, NULL);
}

/* Brings the link down. @invocation (a Disconnect) is answered first. */
static void
teardown (VbConnection *connection, GDBusMethodInvocation *invocation)
{
  VbDevice *central = connection->central_device;
  VbDevice *other = connection->peripheral_device;
  VbAdapter *peripheral = other->adapter;

  if (!connection->up)
    {
      if (invocation != NULL)
        g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  vb_log ("%s disconnected from %s", central->adapter->path, peripheral->path);
  connection->up = FALSE;
  if (invocation != NULL)
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      /* The reply reaches the bus before the signals below (docs/bluez.md §1.5 item 2). */
      g_dbus_connection_flush_sync (connection->daemon->connection, NULL, NULL);
    }

  /* att_disconnected(): CCCs off, StopNotify() for the last subscriber. */
  vb_gatt_server_detach (peripheral->gatt, connection->peer);
  connection->peer = NULL;
  if (central->client != NULL)
    vb_gatt_client_detach (central->client);
  central->services_resolved = FALSE;
  device_emit (central, "Connected", "ServicesResolved", NULL);
  device_emit (other, "Connected", NULL);
  /* [GATT] Cache=no: the database of an unpaired device is cleared, so its objects
   * go (a central that reuses their paths then meets UnknownObject, docs/bluez.md §5.2). */
  if (connection->daemon->options.gatt_cache_off)
    g_clear_pointer (&central->client, vb_gatt_client_free);
  central->connection = NULL;
  other->connection = NULL;
  vb_connection_unref (connection);   /* central's */
  vb_connection_unref (connection);   /* other's */
  /* Queued ATT requests still run, and fail fast: they hold their own references. */
  arm_temporary (central);
  arm_temporary (other);
  /* The kernel re-enables the advertising instance after the disconnect (docs/bluez.md §1.3). */
  vb_advertising_set_hidden (peripheral->advertising, FALSE);
}

void
vb_device_drop_connection (VbDevice *device)
{
  if (device->connection != NULL)
    teardown (device->connection, NULL);
  if (device->pending_connects->len > 0)
    reply_connects (device, "le-connection-abort-by-local");
}

static gboolean
connectable (VbDevice *device)
{
  VbScanData scan;
  gboolean result;

  if (!device->adapter->powered || device->remote->advertising->hidden)
    return FALSE;
  result = vb_advertising_get_scan_data (device->remote->advertising, &scan) && scan.connectable;
  vb_scan_data_clear (&scan);
  return result;
}

static gboolean
try_connect (gpointer data)
{
  VbDevice *device = data;

  if (device->pending_connects->len > 0 && !is_connected (device) && connectable (device))
    establish (device);
  return G_SOURCE_REMOVE;
}

static gboolean
connect_timed_out (gpointer data)
{
  VbDevice *device = data;

  device->connect_timer = 0;
  /* What a Connect to an LE device that does not answer ends with. */
  reply_connects (device, "le-connection-abort-by-local");
  arm_temporary (device);
  return G_SOURCE_REMOVE;
}

static void
device_connect (VbDevice *device, GDBusMethodInvocation *invocation)
{
  if (is_connected (device))
    {
      /* Already connected (in either role): success, like bluetoothd. */
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  if (!device->adapter->powered)
    {
      vb_return_error (invocation, VB_ERROR_NOT_READY, VB_MSG_NOT_READY);
      return;
    }
  if (device->pending_connects->len > 0)
    {
      vb_return_error (invocation, VB_ERROR_IN_PROGRESS, VB_MSG_BUSY);
      return;
    }
  g_ptr_array_add (device->pending_connects, invocation);
  g_clear_handle_id (&device->temporary_timer, g_source_remove);
  device->connect_timer = g_timeout_add_seconds (device->adapter->daemon->options.connect_timeout,
                                                 connect_timed_out, device);
  /* After this call returns, as the kernel would take a moment. */
  g_idle_add (try_connect, device);
}

static void
device_disconnect (VbDevice *device, GDBusMethodInvocation *invocation)
{
  if (device->connection != NULL)
    {
      teardown (device->connection, invocation);
      return;
    }
  if (device->pending_connects->len > 0)
    {
      /* Cancels the connection attempt. */
      reply_connects (device, "le-connection-abort-by-local");
      arm_temporary (device);
      g_dbus_method_invocation_return_value (invocation, NULL);
      return;
    }
  vb_return_error (invocation, VB_ERROR_NOT_CONNECTED, VB_MSG_NOT_CONNECTED);
}

static void
device_method (gpointer               object,
               GDBusMethodInvocation *invocation,
               const char            *method,
               GVariant              *parameters)
{
  VbDevice *device = object;

  if (strcmp (method, "Connect") == 0)
    device_connect (device, invocation);
  else if (strcmp (method, "Disconnect") == 0)
    device_disconnect (device, invocation);
  else if (strcmp (method, "CancelPairing") == 0)
    vb_return_error (invocation, VB_ERROR_DOES_NOT_EXIST, VB_MSG_DOES_NOT_EXIST);
  else
    /* Pair, ConnectProfile, DisconnectProfile: nothing pairs here (HAP does not use LE
     * pairing) and there are no profiles. */
    vb_return_error (invocation, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
}

VbDevice *
vb_device_new (VbAdapter *adapter,
               VbAdapter *remote)
{
  VbDevice *device = g_new0 (VbDevice, 1);
  g_autofree char *underscored = g_strdup (remote->address);

  g_strdelimit (underscored, ":", '_');
  device->adapter = adapter;
  device->remote = remote;
  device->address = g_strdup (remote->address);
  device->path = g_strdup_printf ("%s/dev_%s", adapter->path, underscored);
  device->pending_connects = g_ptr_array_new_with_free_func (g_object_unref);
  return device;
}

void
vb_device_free (VbDevice *device)
{
  if (device == NULL)
    return;
  vb_device_drop_connection (device);
  g_clear_handle_id (&device->temporary_timer, g_source_remove);
  g_clear_handle_id (&device->connect_timer, g_source_remove);
  g_idle_remove_by_data (device);
  g_clear_pointer (&device->client, vb_gatt_client_free);
  if (device->exported)
    vb_objects_unexport (device_objects (device), device->path);
  g_ptr_array_unref (device->pending_connects);
  g_clear_pointer (&device->manufacturer_data, g_variant_unref);
  g_clear_pointer (&device->service_data, g_variant_unref);
  g_strfreev (device->adv_uuids);
  g_strfreev (device->gatt_uuids);
  g_free (device->name);
  g_free (device->alias);
  g_free (device->address);
  g_free (device->path);
  g_free (device);
}

static gboolean
variants_equal (GVariant *a, GVariant *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_variant_equal (a, b);
}

static gboolean
strv_equal (char **a, char **b)
{
  if (a == NULL || b == NULL)
    return (a == NULL || a[0] == NULL) && (b == NULL || b[0] == NULL);
  return g_strv_equal ((const char *const *) a, (const char *const *) b);
}

void
vb_device_update_scan (VbDevice   *device,
                       VbScanData *scan)
{
  const char *changed[12];
  guint n = 0;

  g_clear_handle_id (&device->temporary_timer, g_source_remove);
  if (g_strcmp0 (device->name, scan->name) != 0 && scan->name != NULL)
    {
      g_free (device->name);
      device->name = g_strdup (scan->name);
      changed[n++] = "Name";
      if (device->alias == NULL)
        changed[n++] = "Alias";
    }
  if (!variants_equal (device->manufacturer_data, scan->manufacturer_data))
    {
      g_clear_pointer (&device->manufacturer_data, g_variant_unref);
      device->manufacturer_data = scan->manufacturer_data != NULL ? g_variant_ref (scan->manufacturer_data) : NULL;
      changed[n++] = "ManufacturerData";
    }
  if (!variants_equal (device->service_data, scan->service_data))
    {
      g_clear_pointer (&device->service_data, g_variant_unref);
      device->service_data = scan->service_data != NULL ? g_variant_ref (scan->service_data) : NULL;
      changed[n++] = "ServiceData";
    }
  if (!strv_equal (device->adv_uuids, scan->uuids))
    {
      g_strfreev (device->adv_uuids);
      device->adv_uuids = g_strdupv (scan->uuids);
      changed[n++] = "UUIDs";
    }
  if (device->has_tx_power != scan->has_tx_power || device->tx_power != scan->tx_power)
    {
      device->has_tx_power = scan->has_tx_power;
      device->tx_power = scan->tx_power;
      changed[n++] = "TxPower";
    }
  if (device->has_appearance != scan->has_appearance || device->appearance != scan->appearance)
    {
      device->has_appearance = scan->has_appearance;
      device->appearance = scan->appearance;
      changed[n++] = "Appearance";
    }
  if (!device->has_flags || device->flags != scan->flags)
    {
      device->has_flags = TRUE;
      device->flags = scan->flags;
      changed[n++] = "AdvertisingFlags";
    }
  if (!device->has_rssi)
    {
      device->has_rssi = TRUE;
      changed[n++] = "RSSI";
    }
  changed[n] = NULL;
  if (!device->exported)
    {
      export_device (device);
      return;
    }
  vb_objects_emit_changed_strv (device_objects (device), device->path, IFACE_DEVICE, changed);
}

void
vb_device_discovery_stopped (VbDevice *device)
{
  if (device->has_rssi || device->has_tx_power)
    {
      device->has_rssi = FALSE;
      device->has_tx_power = FALSE;
      device_emit (device, "RSSI", "TxPower", NULL);
    }
  arm_temporary (device);
}

void
vb_device_remote_advertising (VbDevice *device)
{
  if (device->pending_connects->len > 0)
    try_connect (device);
}

void
vb_device_set_gatt_uuids (VbDevice *device,
                          char    **uuids)
{
  if (strv_equal (device->gatt_uuids, uuids))
    {
      g_strfreev (uuids);
      return;
    }
  g_strfreev (device->gatt_uuids);
  device->gatt_uuids = uuids;
  device_emit (device, "UUIDs", NULL);
}
