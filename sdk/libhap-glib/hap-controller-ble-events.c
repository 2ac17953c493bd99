/* hap-controller-ble-events.c — indications (docs/protocol.md §5.12) and the end of the
 * link delivered on the caller's main loop, for HapControllerConnection::event and
 * ::closed over BLE
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A HAP-BLE event is a zero-length indication of a characteristic the controller
 * subscribed to; the value is then read, here with GET /characteristics?id=1.IID of
 * hap-controller-ble-ops-async.c (queued behind the caller's own procedures). One read
 * at a time; an indication that comes again meanwhile is read once.
 */
#include "hap-controller-ble-internal.h"

#include "hap-ble-json-private.h"

static void read_next (HapControllerBle *self);

static void
event_read (GObject *source, GAsyncResult *result, gpointer data)
{
  HapControllerBle *self = data;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *list = NULL;
  JsonObject *c;

  root = hap_controller_ble_json_finish (result, NULL, &error);
  if (self->closed)
    {
      _hap_controller_ble_unref (self);
      return;
    }
  self->event_reading = FALSE;
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    list = json_object_get_array_member (json_node_get_object (root), "characteristics");
  if (list == NULL || json_array_get_length (list) != 1 ||
      (c = json_array_get_object_element (list, 0)) == NULL || !json_object_has_member (c, "value") ||
      json_object_get_int_member_with_default (c, "status", 0) != 0)
    g_debug ("reading an indicated characteristic: %s", error != NULL ? error->message : "no value");
  else if (self->event_func != NULL)
    self->event_func (self->event_data, (guint16) json_object_get_int_member (c, "iid"),
                      json_object_get_member (c, "value"));
  /* The callback may have closed the link. */
  if (!self->closed)
    read_next (self);
  _hap_controller_ble_unref (self);
}

static void
read_next (HapControllerBle *self)
{
  g_autofree char *target = NULL;
  guint16 iid;

  if (self->event_reading || self->event_pending.length == 0)
    return;
  iid = (guint16) GPOINTER_TO_UINT (g_queue_pop_head (&self->event_pending));
  target = g_strdup_printf ("/characteristics?id=1.%u", iid);
  self->event_reading = TRUE;
  hap_controller_ble_get_json_async (self, target, NULL, event_read, _hap_controller_ble_ref (self));
}

static void
on_changed (gpointer user_data, const char *path, const char *interface, GVariant *changed)
{
  HapControllerBle *self = user_data;

  if (g_str_equal (interface, HAP_BLUEZ_CHARACTERISTIC_INTERFACE))
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (changed, "Value", G_VARIANT_TYPE_BYTESTRING);
      HapBleRemoteCharacteristic *characteristic = g_hash_table_lookup (self->map.by_path, path);
      gpointer iid;

      /* §5.12: an event is a zero-length indication; BlueZ also reports every value it
       * read as a change of Value, and those are HAP responses, never empty. */
      if (value == NULL || characteristic == NULL || !characteristic->subscribed || g_variant_get_size (value) != 0)
        return;
      iid = GUINT_TO_POINTER (characteristic->iid);
      if (g_queue_find (&self->event_pending, iid) == NULL &&
          self->event_pending.length < HAP_CONTROLLER_BLE_MAX_PENDING_EVENTS)
        g_queue_push_tail (&self->event_pending, iid);
      read_next (self);
      return;
    }
  if (g_str_equal (interface, HAP_BLUEZ_DEVICE_INTERFACE) &&
      g_strcmp0 (path, hap_ble_central_get_device_path (self->central)) == 0)
    {
      gboolean connected = TRUE;
      g_autoptr(GError) error = NULL;

      if (!g_variant_lookup (changed, "Connected", "b", &connected) || connected || self->closed_func == NULL)
        return;
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "the accessory %s disconnected", self->address);
      self->closed_func (self->event_data, error);
    }
}

void
hap_controller_ble_watch_events (HapControllerBle          *self,
                                 GMainContext              *context,
                                 HapControllerBleEventFunc  event_func,
                                 HapControllerBleClosedFunc closed_func,
                                 gpointer                   user_data)
{
  if (self->closed)
    return;
  self->event_func = event_func;
  self->closed_func = closed_func;
  self->event_data = user_data;
  hap_ble_central_watch (self->central, context, on_changed, self);
}

void
_hap_controller_ble_unwatch_events (HapControllerBle *self)
{
  if (self->central != NULL)
    hap_ble_central_unwatch (self->central);
  self->event_func = NULL;
  self->closed_func = NULL;
  self->event_data = NULL;
  g_queue_clear (&self->event_pending);
}
