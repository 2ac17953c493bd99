/* hap-ble-central.c — see hap-ble-central-private.h: the bus, signals, calls, the adapter,
 * waiting and discovery (the device and its link are in hap-ble-central-device.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-central-internal.h"

#include <string.h>

#define PROPERTIES_INTERFACE   "org.freedesktop.DBus.Properties"
#define OBJECT_MANAGER         "org.freedesktop.DBus.ObjectManager"
#define DISCONNECT_TIMEOUT_MS  5000

/* ---- errors ---- */

/* Turns what a D-Bus call gave into this module's errors (hap-ble-central-private.h). */
void
_hap_ble_central_set_call_error (GError **error, GError *call_error, const char *what)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (call_error);

  if (g_error_matches (call_error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_error_matches (call_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      g_propagate_prefixed_error (error, call_error, "%s: ", what);
      return;
    }
  g_dbus_error_strip_remote_error (call_error);
  if (g_error_matches (call_error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (call_error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "%s: BlueZ is not running (no %s on the system bus)", what, HAP_BLUEZ_NAME);
  else if (g_error_matches (call_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
           g_error_matches (call_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s: %s", what, call_error->message);
  else
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s%s%s", what,
                 remote != NULL ? remote : "", remote != NULL ? ": " : "", call_error->message);
  g_error_free (call_error);
}

gboolean
_hap_ble_central_is_remote_error (const GError *error, const char *name)
{
  g_autofree char *remote = NULL;

  if (error == NULL || !g_dbus_error_is_remote_error (error))
    return FALSE;
  remote = g_dbus_error_get_remote_error (error);
  return g_strcmp0 (remote, name) == 0;
}

/* ---- signals ---- */

/* "/org/bluez/hciN/dev_XX_…" of our adapter. */
gboolean
_hap_ble_central_is_device_path (HapBleCentral *self, const char *path)
{
  gsize n = strlen (self->adapter_path);

  return strncmp (path, self->adapter_path, n) == 0 && g_str_has_prefix (path + n, "/dev_") &&
         strchr (path + n + 1, '/') == NULL;
}

static void
device_changed (HapBleCentral *self, const char *path, GVariant *properties, gboolean added)
{
  gboolean flag;

  if (!_hap_ble_central_is_device_path (self, path))
    return;
  if (g_strcmp0 (path, self->device_path) == 0)
    {
      if (g_variant_lookup (properties, "Connected", "b", &flag))
        {
          self->connected = flag;
          if (!flag)
            self->services_resolved = FALSE;
        }
      if (g_variant_lookup (properties, "ServicesResolved", "b", &flag))
        self->services_resolved = flag;
    }
  if (self->wanted_address != NULL && self->found_path == NULL)
    {
      const char *address = NULL;

      if (g_variant_lookup (properties, "Address", "&s", &address) &&
          g_ascii_strcasecmp (address, self->wanted_address) == 0)
        self->found_path = g_strdup (path);
    }
  if (self->handlers.device_changed != NULL)
    self->handlers.device_changed (self->user_data, path, properties, added);
}

static void
on_properties_changed (GDBusConnection *bus, const char *sender, const char *path, const char *interface,
                       const char *signal, GVariant *parameters, gpointer user_data)
{
  HapBleCentral *self = user_data;
  const char *changed_interface;
  g_autoptr(GVariant) changed = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(sa{sv}as)")))
    return;
  g_variant_get (parameters, "(&s@a{sv}@as)", &changed_interface, &changed, NULL);
  if (g_str_equal (changed_interface, HAP_BLUEZ_DEVICE_INTERFACE))
    device_changed (self, path, changed, FALSE);
  else if (g_str_equal (changed_interface, HAP_BLUEZ_CHARACTERISTIC_INTERFACE) &&
           self->handlers.value_changed != NULL)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (changed, "Value", G_VARIANT_TYPE_BYTESTRING);

      if (value != NULL)
        self->handlers.value_changed (self->user_data, path, value);
    }
}

static void
on_interfaces_added (GDBusConnection *bus, const char *sender, const char *path, const char *interface,
                     const char *signal, GVariant *parameters, gpointer user_data)
{
  HapBleCentral *self = user_data;
  const char *object;
  g_autoptr(GVariant) interfaces = NULL;
  g_autoptr(GVariant) device = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oa{sa{sv}})")))
    return;
  g_variant_get (parameters, "(&o@a{sa{sv}})", &object, &interfaces);
  /* docs/bluez.md §1.5 item 1: a new device may only ever show up here. */
  device = g_variant_lookup_value (interfaces, HAP_BLUEZ_DEVICE_INTERFACE, G_VARIANT_TYPE_VARDICT);
  if (device != NULL)
    device_changed (self, object, device, TRUE);
}

static void
on_interfaces_removed (GDBusConnection *bus, const char *sender, const char *path, const char *interface,
                       const char *signal, GVariant *parameters, gpointer user_data)
{
  HapBleCentral *self = user_data;
  const char *object;
  g_autofree const char **interfaces = NULL;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oas)")))
    return;
  g_variant_get (parameters, "(&o^a&s)", &object, &interfaces);
  if (!g_strv_contains (interfaces, HAP_BLUEZ_DEVICE_INTERFACE) || !_hap_ble_central_is_device_path (self, object))
    return;
  if (g_strcmp0 (object, self->device_path) == 0)
    self->connected = self->services_resolved = FALSE;
  if (g_strcmp0 (object, self->found_path) == 0)
    g_clear_pointer (&self->found_path, g_free);
  if (self->handlers.device_removed != NULL)
    self->handlers.device_removed (self->user_data, object);
}

/* ---- calls ---- */

int
_hap_ble_central_timeout_ms_until (gint64 deadline)
{
  gint64 left;

  if (deadline < 0)
    return G_MAXINT;
  left = (deadline - g_get_monotonic_time () + 999) / 1000;
  return (int) CLAMP (left, 1, G_MAXINT);
}

GVariant *
hap_ble_central_call (HapBleCentral       *self,
                      const char          *path,
                      const char          *interface,
                      const char          *method,
                      GVariant            *parameters,
                      const GVariantType  *reply_type,
                      gint64               deadline,
                      GCancellable        *cancellable,
                      GError             **error)
{
  GError *call_error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (self->bus, HAP_BLUEZ_NAME, path, interface, method, parameters, reply_type,
                                       G_DBUS_CALL_FLAGS_NONE, _hap_ble_central_timeout_ms_until (deadline), cancellable,
                                       &call_error);
  if (reply == NULL)
    {
      g_autofree char *what = g_strdup_printf ("%s.%s", strrchr (interface, '.') + 1, method);
      _hap_ble_central_set_call_error (error, call_error, what);
    }
  return reply;
}

GVariant *
hap_ble_central_get_objects (HapBleCentral *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = hap_ble_central_call (self, "/", OBJECT_MANAGER, "GetManagedObjects", NULL,
                                G_VARIANT_TYPE ("(a{oa{sa{sv}}})"), deadline, cancellable, error);
  return reply != NULL ? g_variant_get_child_value (reply, 0) : NULL;
}

GVariant *
_hap_ble_central_get_property (HapBleCentral *self, const char *path, const char *interface, const char *name,
                               gint64 deadline, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariant *value = NULL;

  reply = hap_ble_central_call (self, path, PROPERTIES_INTERFACE, "Get", g_variant_new ("(ss)", interface, name),
                                G_VARIANT_TYPE ("(v)"), deadline, cancellable, error);
  if (reply != NULL)
    g_variant_get (reply, "(v)", &value);
  return value;
}

/* ---- setup ---- */

/* The deadline of a call that has none of its own: the central's timeout from now. */
gint64
_hap_ble_central_call_deadline (HapBleCentral *self)
{
  return self->timeout_ms == 0 ? -1 : g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
find_adapter (HapBleCentral *self, const char *adapter, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) objects = hap_ble_central_get_objects (self, _hap_ble_central_call_deadline (self), cancellable, error);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  g_autofree char *wanted = NULL;
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  if (objects == NULL)
    return FALSE;
  if (adapter != NULL)
    wanted = adapter[0] == '/' ? g_strdup (adapter) : g_strconcat ("/org/bluez/", adapter, NULL);
  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      g_autoptr(GVariant) properties = g_variant_lookup_value (interfaces, HAP_BLUEZ_ADAPTER_INTERFACE,
                                                              G_VARIANT_TYPE_VARDICT);

      /* The strings stay valid as long as @objects. */
      if (properties != NULL && (wanted == NULL || g_str_equal (path, wanted)))
        g_ptr_array_add (paths, (gpointer) path);
      g_variant_unref (interfaces);
    }
  if (paths->len == 0)
    {
      if (wanted != NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no Bluetooth adapter %s", adapter);
      else
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no Bluetooth adapter");
      return FALSE;
    }
  g_ptr_array_sort (paths, compare_paths);
  self->adapter_path = g_strdup (g_ptr_array_index (paths, 0));
  self->adapter = g_path_get_basename (self->adapter_path);
  return TRUE;
}

/* An adapter that is off is switched on, as bluetoothctl's "power on" does. */
static gboolean
ensure_powered (HapBleCentral *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) powered = _hap_ble_central_get_property (self, self->adapter_path, HAP_BLUEZ_ADAPTER_INTERFACE, "Powered",
                                              _hap_ble_central_call_deadline (self), cancellable, error);
  g_autoptr(GVariant) reply = NULL;

  if (powered == NULL)
    return FALSE;
  if (!g_variant_is_of_type (powered, G_VARIANT_TYPE_BOOLEAN) || g_variant_get_boolean (powered))
    return TRUE;
  reply = hap_ble_central_call (self, self->adapter_path, PROPERTIES_INTERFACE, "Set",
                                g_variant_new ("(ssv)", HAP_BLUEZ_ADAPTER_INTERFACE, "Powered",
                                               g_variant_new_boolean (TRUE)),
                                NULL, _hap_ble_central_call_deadline (self), cancellable, error);
  return reply != NULL;
}

HapBleCentral *
hap_ble_central_new (const char *adapter, guint timeout_ms, GCancellable *cancellable, GError **error)
{
  HapBleCentral *self = g_new0 (HapBleCentral, 1);
  g_autofree char *address = NULL;

  self->timeout_ms = timeout_ms;
  self->context = g_main_context_new ();
  address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, cancellable, error);
  if (address == NULL)
    goto fail;
  /* A connection of our own: its signals go to our context, whatever else runs in the
   * process (g_bus_get would share one with the application). */
  g_main_context_push_thread_default (self->context);
  self->bus = g_dbus_connection_new_for_address_sync (address,
                                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                     G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                     NULL, cancellable, error);
  if (self->bus != NULL)
    {
      self->subscriptions[0] =
        g_dbus_connection_signal_subscribe (self->bus, HAP_BLUEZ_NAME, PROPERTIES_INTERFACE, "PropertiesChanged", NULL,
                                            NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, self, NULL);
      self->subscriptions[1] =
        g_dbus_connection_signal_subscribe (self->bus, HAP_BLUEZ_NAME, OBJECT_MANAGER, "InterfacesAdded", "/",
                                            NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_added, self, NULL);
      self->subscriptions[2] =
        g_dbus_connection_signal_subscribe (self->bus, HAP_BLUEZ_NAME, OBJECT_MANAGER, "InterfacesRemoved", "/",
                                            NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_interfaces_removed, self, NULL);
    }
  g_main_context_pop_thread_default (self->context);
  if (self->bus == NULL)
    {
      g_prefix_error (error, "system bus: ");
      goto fail;
    }
  if (!find_adapter (self, adapter, cancellable, error) || !ensure_powered (self, cancellable, error))
    goto fail;
  return self;

fail:
  hap_ble_central_free (self);
  return NULL;
}

void
hap_ble_central_free (HapBleCentral *self)
{
  if (self == NULL)
    return;
  if (self->bus != NULL)
    {
      hap_ble_central_unwatch (self);
      hap_ble_central_stop_discovery (self);
      hap_ble_central_disconnect (self);
      for (guint i = 0; i < G_N_ELEMENTS (self->subscriptions); i++)
        if (self->subscriptions[i] != 0)
          g_dbus_connection_signal_unsubscribe (self->bus, self->subscriptions[i]);
      g_dbus_connection_close_sync (self->bus, NULL, NULL);
      g_clear_object (&self->bus);
    }
  /* Signals already queued would reach freed memory: run them down first. */
  memset (&self->handlers, 0, sizeof self->handlers);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_unref (self->context);
  g_free (self->adapter);
  g_free (self->adapter_path);
  g_free (self->wanted_address);
  g_free (self->found_path);
  g_free (self->device_path);
  g_free (self);
}

void
hap_ble_central_set_handlers (HapBleCentral *self, const HapBleCentralHandlers *handlers, gpointer user_data)
{
  if (handlers != NULL)
    self->handlers = *handlers;
  else
    memset (&self->handlers, 0, sizeof self->handlers);
  self->user_data = user_data;
}

const char *
hap_ble_central_get_adapter (HapBleCentral *self)
{
  return self->adapter;
}

const char *
hap_ble_central_get_adapter_path (HapBleCentral *self)
{
  return self->adapter_path;
}

/* ---- waiting ---- */

static gboolean
on_wake (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

gboolean
hap_ble_central_wait (HapBleCentral *self, gint64 deadline, GCancellable *cancellable, GError **error)
{
  GSource *timeout = NULL, *cancelled = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (deadline >= 0)
    {
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
          return FALSE;
        }
      timeout = g_timeout_source_new ((guint) MIN ((left + 999) / 1000, G_MAXUINT));
      g_source_set_callback (timeout, on_wake, NULL, NULL);
      g_source_attach (timeout, self->context);
    }
  if (cancellable != NULL)
    {
      cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (cancelled, on_wake, NULL, NULL);
      g_source_attach (cancelled, self->context);
    }
  g_main_context_iteration (self->context, TRUE);
  if (timeout != NULL)
    {
      g_source_destroy (timeout);
      g_source_unref (timeout);
    }
  if (cancelled != NULL)
    {
      g_source_destroy (cancelled);
      g_source_unref (cancelled);
    }
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

void
hap_ble_central_dispatch (HapBleCentral *self)
{
  while (g_main_context_iteration (self->context, FALSE))
    ;
}

static gboolean
deadline_passed (gint64 deadline, GError **error)
{
  if (deadline < 0 || g_get_monotonic_time () < deadline)
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
  return TRUE;
}

/* Handles signals for at most @ms, returning after the first one: for states that are
 * read again after each pause. FALSE when @deadline passed or on cancellation. */
gboolean
_hap_ble_central_pause_ms (HapBleCentral *self, guint ms, gint64 deadline, GCancellable *cancellable,
                           GError **error)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  if (deadline_passed (deadline, error))
    return FALSE;
  return hap_ble_central_wait (self, deadline >= 0 ? MIN (until, deadline) : until, cancellable, error);
}

/* Handles signals for @ms in all. */
gboolean
_hap_ble_central_sleep_ms (HapBleCentral *self, guint ms, gint64 deadline, GCancellable *cancellable,
                           GError **error)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!_hap_ble_central_pause_ms (self, (guint) ((until - g_get_monotonic_time () + 999) / 1000), deadline, cancellable, error))
      return FALSE;
  return TRUE;
}

/* ---- discovery ---- */

gboolean
hap_ble_central_start_discovery (HapBleCentral *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder filter;

  if (self->discovering)
    return TRUE;
  /* HAP accessories advertise on LE only; DuplicateData reports every advertisement
   * change (GSN bumps, encrypted notifications), not only the first one. */
  g_variant_builder_init (&filter, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&filter, "{sv}", "Transport", g_variant_new_string ("le"));
  g_variant_builder_add (&filter, "{sv}", "DuplicateData", g_variant_new_boolean (TRUE));
  reply = hap_ble_central_call (self, self->adapter_path, HAP_BLUEZ_ADAPTER_INTERFACE, "SetDiscoveryFilter",
                                g_variant_new ("(a{sv})", &filter), NULL, _hap_ble_central_call_deadline (self), cancellable, error);
  if (reply == NULL)
    return FALSE;
  g_clear_pointer (&reply, g_variant_unref);
  reply = hap_ble_central_call (self, self->adapter_path, HAP_BLUEZ_ADAPTER_INTERFACE, "StartDiscovery",
                                NULL, NULL, _hap_ble_central_call_deadline (self), cancellable, error);
  self->discovering = reply != NULL;
  return self->discovering;
}

void
hap_ble_central_stop_discovery (HapBleCentral *self)
{
  g_autoptr(GVariant) reply = NULL;

  if (!self->discovering)
    return;
  self->discovering = FALSE;
  reply = hap_ble_central_call (self, self->adapter_path, HAP_BLUEZ_ADAPTER_INTERFACE, "StopDiscovery",
                                NULL, NULL, g_get_monotonic_time () + DISCONNECT_TIMEOUT_MS * 1000, NULL, NULL);
}

