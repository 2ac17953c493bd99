/* hap-controller-ble-gatt.c — the accessory's GATT database as BlueZ mirrors it,
 * mapped by HAP instance id (docs/protocol.md §5.1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-controller-ble-private.h"

#include "hap-ble-advertisement-private.h"
#include "hap-ble-central-private.h"
#include "hap-ble-le-private.h"
#include "hap-error.h"
#include "hap-types.h"

#include <string.h>

/* docs/protocol.md §5.1. */
#define SERVICE_IID_UUID        "E604E95D-A759-4817-87D3-AA005083A0D1"
#define CHARACTERISTIC_IID_UUID "DC46F0FE-81D2-4616-B5D9-6ABDD796939A"
#define SERVICE_SIGNATURE_UUID  "000000A5-0000-1000-8000-0026BB765291"

void
hap_ble_remote_characteristic_free (gpointer data)
{
  HapBleRemoteCharacteristic *characteristic = data;

  g_free (characteristic->path);
  g_free (characteristic->type_uuid);
  g_free (characteristic->service_type_uuid);
  g_free (characteristic);
}

void
hap_ble_remote_service_free (gpointer data)
{
  HapBleRemoteService *service = data;

  g_free (service->type_uuid);
  g_ptr_array_unref (service->characteristics);
  g_free (service);
}

static gint64
deadline_after (guint timeout_ms)
{
  return timeout_ms == 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;
}


/* The normalized UUID property of a BlueZ object's interface dict. */
static char *
uuid_property (GVariant *properties)
{
  const char *uuid = NULL;

  if (!g_variant_lookup (properties, "UUID", "&s", &uuid))
    return NULL;
  return hap_uuid_normalize (uuid);
}

/* A two-byte little-endian iid read from a GATT attribute (docs/protocol.md §5.1). */
static gboolean
read_iid (HapBleGattMap *self, const char *path, const char *interface, guint16 *iid,
          GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) value = hap_ble_central_read_value (self->central, path, interface,
                                                        deadline_after (self->timeout_ms), cancellable, error);

  if (value == NULL)
    return FALSE;
  if (g_bytes_get_size (value) != 2)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "%s: an instance ID of %" G_GSIZE_FORMAT
                   " bytes; it must have 2", path, g_bytes_get_size (value));
      return FALSE;
    }
  *iid = hap_ble_get_le16 (g_bytes_get_data (value, NULL));
  return TRUE;
}

typedef struct
{
  const char *path;
  GVariant   *properties;   /* of the interface */
} GattObject;

/* The GATT objects under the device, by interface, sorted by path (i.e. by handle). */
static void
collect_gatt_objects (GVariant *objects, const char *device_path, GArray *services, GArray *characteristics,
                      GArray *descriptors)
{
  g_autofree char *prefix = g_strconcat (device_path, "/", NULL);
  GVariantIter iter;
  const char *path;
  GVariant *interfaces;

  g_variant_iter_init (&iter, objects);
  while (g_variant_iter_next (&iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      static const char *const names[] = { HAP_BLUEZ_SERVICE_INTERFACE, HAP_BLUEZ_CHARACTERISTIC_INTERFACE,
                                           HAP_BLUEZ_DESCRIPTOR_INTERFACE };
      GArray *arrays[] = { services, characteristics, descriptors };

      if (g_str_has_prefix (path, prefix))
        for (guint i = 0; i < G_N_ELEMENTS (names); i++)
          {
            GattObject object = { path, g_variant_lookup_value (interfaces, names[i], G_VARIANT_TYPE_VARDICT) };

            if (object.properties != NULL)
              g_array_append_val (arrays[i], object);
          }
      g_variant_unref (interfaces);
    }
}

static void
gatt_object_clear (gpointer data)
{
  g_variant_unref (((GattObject *) data)->properties);
}

/* The object in @objects whose @link property is @parent and whose UUID is @uuid. */
static const GattObject *
find_child (GArray *objects, const char *link, const char *parent, const char *uuid)
{
  for (guint i = 0; i < objects->len; i++)
    {
      const GattObject *object = &g_array_index (objects, GattObject, i);
      const char *owner = NULL;
      g_autofree char *object_uuid = uuid_property (object->properties);

      if (g_variant_lookup (object->properties, link, "&o", &owner) && g_str_equal (owner, parent) &&
          g_strcmp0 (object_uuid, uuid) == 0)
        return object;
    }
  return NULL;
}

static int
compare_services (gconstpointer a, gconstpointer b)
{
  const HapBleRemoteService *x = *(HapBleRemoteService * const *) a, *y = *(HapBleRemoteService * const *) b;

  return (int) x->iid - (int) y->iid;
}

static int
compare_characteristics (gconstpointer a, gconstpointer b)
{
  const HapBleRemoteCharacteristic *x = *(HapBleRemoteCharacteristic * const *) a;
  const HapBleRemoteCharacteristic *y = *(HapBleRemoteCharacteristic * const *) b;

  return (int) x->iid - (int) y->iid;
}

static gboolean
add_characteristic (HapBleGattMap *self, HapBleRemoteService *service, const GattObject *object,
                    GArray *descriptors, GCancellable *cancellable, GError **error)
{
  g_autofree char *uuid = uuid_property (object->properties);
  g_autofree const char **flags = NULL;
  const GattObject *descriptor = find_child (descriptors, "Characteristic", object->path, CHARACTERISTIC_IID_UUID);
  HapBleRemoteCharacteristic *characteristic;
  guint16 iid, mtu;

  /* Not a HAP characteristic (the Service Instance ID itself, or BlueZ's own). */
  if (descriptor == NULL || uuid == NULL)
    return TRUE;
  if (!read_iid (self, descriptor->path, HAP_BLUEZ_DESCRIPTOR_INTERFACE, &iid, cancellable, error))
    return FALSE;
  if (g_hash_table_contains (self->by_iid, GUINT_TO_POINTER (iid)))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "two characteristics have iid %u", iid);
      return FALSE;
    }
  if (g_variant_lookup (object->properties, "MTU", "q", &mtu) && mtu > 3)
    self->mtu = mtu;
  characteristic = g_new0 (HapBleRemoteCharacteristic, 1);
  characteristic->path = g_strdup (object->path);
  characteristic->type_uuid = g_steal_pointer (&uuid);
  characteristic->iid = iid;
  characteristic->service_iid = service->iid;
  characteristic->service_type_uuid = g_strdup (service->type_uuid);
  characteristic->indicate = g_variant_lookup (object->properties, "Flags", "^a&s", &flags) &&
                             g_strv_contains (flags, "indicate");
  g_hash_table_insert (self->by_iid, GUINT_TO_POINTER (iid), characteristic);
  g_hash_table_insert (self->by_path, characteristic->path, characteristic);
  g_ptr_array_add (service->characteristics, characteristic);
  if (g_str_equal (characteristic->type_uuid, SERVICE_SIGNATURE_UUID))
    service->service_signature = characteristic;
  return TRUE;
}

/* The device id of the accessory's last regular advertisement (docs/protocol.md §5.9),
 * from Device1.ManufacturerData: a hint for Pair Verify, which checks it anyway. */
static void
read_advertised_id (HapBleGattMap *self, GVariant *objects, const char *device_path)
{
  g_autoptr(GVariant) interfaces = g_variant_lookup_value (objects, device_path, G_VARIANT_TYPE ("a{sa{sv}}"));
  g_autoptr(GVariant) device = NULL;
  g_autoptr(GBytes) data = NULL;
  HapBleAdvertisement advertisement;

  if (interfaces != NULL)
    device = g_variant_lookup_value (interfaces, HAP_BLUEZ_DEVICE_INTERFACE, G_VARIANT_TYPE_VARDICT);
  if (device != NULL)
    data = hap_ble_manufacturer_data_lookup (device);
  if (data != NULL &&
      hap_ble_advertisement_parse (g_bytes_get_data (data, NULL), g_bytes_get_size (data), &advertisement, NULL))
    self->advertised_id = hap_ble_device_id_to_string (advertisement.device_id);
}

/* Maps the remote GATT database by iid (docs/protocol.md §5.1): services through their
 * Service Instance ID characteristic, characteristics through their Characteristic
 * Instance ID descriptor. GATT services without the former are not HAP's. */
gboolean
hap_ble_gatt_map_read (HapBleGattMap *self, GCancellable *cancellable, GError **error)
{
  const char *device_path = hap_ble_central_get_device_path (self->central);
  g_autoptr(GVariant) objects = NULL;
  g_autoptr(GArray) services = g_array_new (FALSE, FALSE, sizeof (GattObject));
  g_autoptr(GArray) characteristics = g_array_new (FALSE, FALSE, sizeof (GattObject));
  g_autoptr(GArray) descriptors = g_array_new (FALSE, FALSE, sizeof (GattObject));

  g_array_set_clear_func (services, gatt_object_clear);
  g_array_set_clear_func (characteristics, gatt_object_clear);
  g_array_set_clear_func (descriptors, gatt_object_clear);
  objects = hap_ble_central_get_objects (self->central, deadline_after (self->timeout_ms), cancellable, error);
  if (objects == NULL)
    return FALSE;
  collect_gatt_objects (objects, device_path, services, characteristics, descriptors);

  for (guint i = 0; i < services->len; i++)
    {
      const GattObject *object = &g_array_index (services, GattObject, i);
      const GattObject *iid_object = find_child (characteristics, "Service", object->path, SERVICE_IID_UUID);
      HapBleRemoteService *service;

      if (iid_object == NULL)
        continue;
      service = g_new0 (HapBleRemoteService, 1);
      service->type_uuid = uuid_property (object->properties);
      service->characteristics = g_ptr_array_new ();
      g_ptr_array_add (self->services, service);
      if (service->type_uuid == NULL ||
          !read_iid (self, iid_object->path, HAP_BLUEZ_CHARACTERISTIC_INTERFACE, &service->iid, cancellable, error))
        {
          if (service->type_uuid == NULL)
            g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "%s: no UUID", object->path);
          return FALSE;
        }
      for (guint j = 0; j < characteristics->len; j++)
        {
          const GattObject *characteristic = &g_array_index (characteristics, GattObject, j);
          const char *owner = NULL;

          if (g_variant_lookup (characteristic->properties, "Service", "&o", &owner) &&
              g_str_equal (owner, object->path) &&
              !add_characteristic (self, service, characteristic, descriptors, cancellable, error))
            return FALSE;
        }
      g_ptr_array_sort (service->characteristics, compare_characteristics);
    }
  g_ptr_array_sort (self->services, compare_services);
  read_advertised_id (self, objects, device_path);
  if (self->services->len == 0)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "%s has no HAP services", device_path);
      return FALSE;
    }
  return TRUE;
}


void
hap_ble_gatt_map_init (HapBleGattMap *self, HapBleCentral *central, guint timeout_ms)
{
  memset (self, 0, sizeof *self);
  self->central = central;
  self->timeout_ms = timeout_ms;
  self->services = g_ptr_array_new_with_free_func (hap_ble_remote_service_free);
  self->by_iid = g_hash_table_new_full (NULL, NULL, NULL, hap_ble_remote_characteristic_free);
  self->by_path = g_hash_table_new (g_str_hash, g_str_equal);
}

void
hap_ble_gatt_map_clear (HapBleGattMap *self)
{
  g_clear_pointer (&self->by_path, g_hash_table_unref);
  g_clear_pointer (&self->services, g_ptr_array_unref);
  g_clear_pointer (&self->by_iid, g_hash_table_unref);
  g_clear_pointer (&self->advertised_id, g_free);
}
