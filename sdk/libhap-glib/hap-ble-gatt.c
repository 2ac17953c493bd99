/* hap-ble-gatt.c — the GATT application bluetoothd serves for a HAP-BLE accessory
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * docs/protocol.md §5.1 and docs/bluez.md §2: every HAP service is a primary GATT service
 * whose first characteristic is the read-only Service Instance ID; every HAP
 * characteristic is a read/write GATT characteristic (plus indicate when it has events)
 * with a read-only Characteristic Instance ID descriptor. bluetoothd adds the CCC itself
 * (exporting one would duplicate it, docs/bluez.md §1.1).
 *
 * bluetoothd inserts attributes in the order of GetManagedObjects' reply, so the reply
 * is built here in the database's order instead of GDBusObjectManagerServer's hash
 * order: the same database gets the same ATT handles at every start.
 */
#include "hap-ble-private.h"

#include "hap-ble-value-private.h"
#include "hap-error.h"

#define UUID_SERVICE_IID        "e604e95d-a759-4817-87d3-aa005083a0d1"
#define UUID_CHARACTERISTIC_IID "dc46f0fe-81d2-4616-b5d9-6abdd796939a"

#define IFACE_SERVICE        "org.bluez.GattService1"
#define IFACE_CHARACTERISTIC "org.bluez.GattCharacteristic1"
#define IFACE_DESCRIPTOR     "org.bluez.GattDescriptor1"

static const char introspection_xml[] =
  "<node>"
  " <interface name='org.freedesktop.DBus.ObjectManager'>"
  "  <method name='GetManagedObjects'>"
  "   <arg name='objects' type='a{oa{sa{sv}}}' direction='out'/>"
  "  </method>"
  "  <signal name='InterfacesAdded'><arg type='o'/><arg type='a{sa{sv}}'/></signal>"
  "  <signal name='InterfacesRemoved'><arg type='o'/><arg type='as'/></signal>"
  " </interface>"
  " <interface name='org.bluez.GattService1'>"
  "  <property name='UUID' type='s' access='read'/>"
  "  <property name='Primary' type='b' access='read'/>"
  "  <property name='Handle' type='q' access='readwrite'/>"
  " </interface>"
  " <interface name='org.bluez.GattCharacteristic1'>"
  "  <method name='ReadValue'>"
  "   <arg name='options' type='a{sv}' direction='in'/>"
  "   <arg name='value' type='ay' direction='out'/>"
  "  </method>"
  "  <method name='WriteValue'>"
  "   <arg name='value' type='ay' direction='in'/>"
  "   <arg name='options' type='a{sv}' direction='in'/>"
  "  </method>"
  "  <method name='StartNotify'/>"
  "  <method name='StopNotify'/>"
  "  <method name='Confirm'/>"
  "  <property name='UUID' type='s' access='read'/>"
  "  <property name='Service' type='o' access='read'/>"
  "  <property name='Flags' type='as' access='read'/>"
  "  <property name='Handle' type='q' access='readwrite'/>"
  " </interface>"
  " <interface name='org.bluez.GattDescriptor1'>"
  "  <method name='ReadValue'>"
  "   <arg name='options' type='a{sv}' direction='in'/>"
  "   <arg name='value' type='ay' direction='out'/>"
  "  </method>"
  "  <method name='WriteValue'>"
  "   <arg name='value' type='ay' direction='in'/>"
  "   <arg name='options' type='a{sv}' direction='in'/>"
  "  </method>"
  "  <property name='UUID' type='s' access='read'/>"
  "  <property name='Characteristic' type='o' access='read'/>"
  "  <property name='Flags' type='as' access='read'/>"
  "  <property name='Handle' type='q' access='readwrite'/>"
  " </interface>"
  "</node>";

typedef struct
{
  char       *path;
  char       *uuid;           /* lowercase, as BlueZ writes UUIDs */
  guint16     handle;         /* requested start handle, 0 = bluetoothd picks */
  guint       registration;
  HapService *service;
} GattService;

struct _HapBleGatt
{
  GDBusConnection          *bus;
  GDBusNodeInfo            *introspection;
  char                     *root;
  guint                     root_registration;
  GPtrArray                *services;      /* GattService */
  GPtrArray                *attributes;    /* HapBleAttribute, in database order */
  const HapBleGattHandlers *handlers;
  gpointer                  user_data;
};

typedef struct
{
  HapBleGatt      *gatt;
  GattService     *service;      /* for service objects */
  HapBleAttribute *attribute;    /* for characteristics and descriptors */
} ObjectRef;

static void
gatt_service_free (GattService *service)
{
  g_free (service->path);
  g_free (service->uuid);
  g_free (service);
}

static void
attribute_free (HapBleAttribute *attribute)
{
  g_free (attribute->path);
  g_free (attribute);
}

void
_hap_ble_gatt_reply_error (GDBusMethodInvocation *invocation, const char *name, const char *message)
{
  g_dbus_method_invocation_return_dbus_error (invocation, name, message);
}

static GVariant *
byte_array_variant (const guint8 *data, gsize len)
{
  static const guint8 none = 0;

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, len > 0 ? data : &none, len, 1);
}

void
_hap_ble_gatt_reply_value (GDBusMethodInvocation *invocation, const guint8 *data, gsize len)
{
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@ay)", byte_array_variant (data, len)));
}

static const char *
attribute_uuid (HapBleAttribute *attribute, char **owned)
{
  switch (attribute->kind)
    {
    case HAP_BLE_ATTRIBUTE_SERVICE_IID:
      return UUID_SERVICE_IID;
    case HAP_BLE_ATTRIBUTE_IID_DESCRIPTOR:
      return UUID_CHARACTERISTIC_IID;
    case HAP_BLE_ATTRIBUTE_CHARACTERISTIC:
    default:
      *owned = hap_ble_uuid_to_gatt (hap_characteristic_get_type_uuid (attribute->characteristic));
      return *owned;
    }
}

/* docs/bluez.md §2: read+write, plus indicate for characteristics with events; never
 * encrypt-* (HAP secures itself above GATT). */
static GVariant *
attribute_flags (HapBleAttribute *attribute)
{
  GVariantBuilder flags;

  g_variant_builder_init (&flags, G_VARIANT_TYPE_STRING_ARRAY);
  g_variant_builder_add (&flags, "s", "read");
  if (attribute->kind == HAP_BLE_ATTRIBUTE_CHARACTERISTIC)
    {
      g_variant_builder_add (&flags, "s", "write");
      if (hap_characteristic_get_perms (attribute->characteristic) & HAP_PERM_EVENTS)
        g_variant_builder_add (&flags, "s", "indicate");
    }
  return g_variant_builder_end (&flags);
}

static GattService *
service_of (HapBleGatt *gatt, HapService *service)
{
  for (guint i = 0; i < gatt->services->len; i++)
    {
      GattService *s = g_ptr_array_index (gatt->services, i);
      if (s->service == service)
        return s;
    }
  g_assert_not_reached ();
}

static const char *
parent_characteristic_path (HapBleGatt *gatt, HapBleAttribute *descriptor)
{
  /* The descriptor follows its characteristic in the table. */
  HapBleAttribute *characteristic = g_ptr_array_index (gatt->attributes, descriptor->index - 1);

  g_assert (characteristic->characteristic == descriptor->characteristic);
  return characteristic->path;
}

static GVariant *
service_property (GattService *service, const char *name)
{
  if (g_str_equal (name, "UUID"))
    return g_variant_new_string (service->uuid);
  if (g_str_equal (name, "Primary"))
    return g_variant_new_boolean (TRUE);
  if (g_str_equal (name, "Handle"))
    return g_variant_new_uint16 (service->handle);
  return NULL;
}

static GVariant *
attribute_property (HapBleGatt *gatt, HapBleAttribute *attribute, const char *name)
{
  g_autofree char *owned = NULL;

  if (g_str_equal (name, "UUID"))
    return g_variant_new_string (attribute_uuid (attribute, &owned));
  if (g_str_equal (name, "Flags"))
    return attribute_flags (attribute);
  if (g_str_equal (name, "Handle"))
    return g_variant_new_uint16 (0);   /* bluetoothd allocates within the service */
  if (g_str_equal (name, "Service") && attribute->kind != HAP_BLE_ATTRIBUTE_IID_DESCRIPTOR)
    return g_variant_new_object_path (service_of (gatt, attribute->service)->path);
  if (g_str_equal (name, "Characteristic") && attribute->kind == HAP_BLE_ATTRIBUTE_IID_DESCRIPTOR)
    return g_variant_new_object_path (parent_characteristic_path (gatt, attribute));
  return NULL;
}

static void
add_properties (GVariantBuilder *interfaces, const char *iface, const char *const *names,
                GVariant *(*get) (gpointer, const char *), gpointer data)
{
  GVariantBuilder props;

  g_variant_builder_init (&props, G_VARIANT_TYPE ("a{sv}"));
  for (guint i = 0; names[i] != NULL; i++)
    g_variant_builder_add (&props, "{sv}", names[i], get (data, names[i]));
  g_variant_builder_add (interfaces, "{s@a{sv}}", iface, g_variant_builder_end (&props));
}

static GVariant *
get_service_property (gpointer data, const char *name)
{
  return service_property (data, name);
}

typedef struct
{
  HapBleGatt      *gatt;
  HapBleAttribute *attribute;
} PropertyData;

static GVariant *
get_attribute_property (gpointer data, const char *name)
{
  PropertyData *pd = data;
  return attribute_property (pd->gatt, pd->attribute, name);
}

static GVariant *
build_managed_objects (HapBleGatt *gatt)
{
  static const char *const service_props[] = { "UUID", "Primary", "Handle", NULL };
  static const char *const characteristic_props[] = { "UUID", "Service", "Flags", "Handle", NULL };
  static const char *const descriptor_props[] = { "UUID", "Characteristic", "Flags", "Handle", NULL };
  GVariantBuilder objects;

  /* Each service right before its attributes (a service may have none left). */
  g_variant_builder_init (&objects, G_VARIANT_TYPE ("a{oa{sa{sv}}}"));
  for (guint s = 0; s < gatt->services->len; s++)
    {
      GattService *service = g_ptr_array_index (gatt->services, s);
      GVariantBuilder interfaces;

      g_variant_builder_init (&interfaces, G_VARIANT_TYPE ("a{sa{sv}}"));
      add_properties (&interfaces, IFACE_SERVICE, service_props, get_service_property, service);
      g_variant_builder_add (&objects, "{o@a{sa{sv}}}", service->path, g_variant_builder_end (&interfaces));
      for (guint i = 0; i < gatt->attributes->len; i++)
        {
          HapBleAttribute *attribute = g_ptr_array_index (gatt->attributes, i);
          PropertyData pd = { gatt, attribute };

          if (attribute->service != service->service)
            continue;
          g_variant_builder_init (&interfaces, G_VARIANT_TYPE ("a{sa{sv}}"));
          if (attribute->kind == HAP_BLE_ATTRIBUTE_IID_DESCRIPTOR)
            add_properties (&interfaces, IFACE_DESCRIPTOR, descriptor_props, get_attribute_property, &pd);
          else
            add_properties (&interfaces, IFACE_CHARACTERISTIC, characteristic_props, get_attribute_property, &pd);
          g_variant_builder_add (&objects, "{o@a{sa{sv}}}", attribute->path, g_variant_builder_end (&interfaces));
        }
    }
  return g_variant_builder_end (&objects);
}

/* ---- method calls -------------------------------------------------------------------- */

static gboolean
parse_options (GVariant *options, const char **device, guint16 *offset)
{
  *device = NULL;
  *offset = 0;
  /* docs/bluez.md §1.1: "device" always, "offset" only when non-zero. */
  g_variant_lookup (options, "device", "&o", device);
  g_variant_lookup (options, "offset", "q", offset);
  return *device != NULL;
}

/* The constant instance-id values: LE16 (docs/protocol.md §5.1), read with an offset. */
static void
read_instance_id (HapBleAttribute *attribute, guint16 offset, GDBusMethodInvocation *invocation)
{
  guint8 value[2];

  hap_ble_put_le16 (value, attribute->iid);
  if (offset > sizeof value)
    {
      _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.InvalidOffset", "offset past the value");
      return;
    }
  _hap_ble_gatt_reply_value (invocation, value + offset, sizeof value - offset);
}

static void
attribute_method_call (GDBusConnection       *connection,
                       const char            *sender,
                       const char            *object_path,
                       const char            *interface_name,
                       const char            *method_name,
                       GVariant              *parameters,
                       GDBusMethodInvocation *invocation,
                       gpointer               user_data)
{
  ObjectRef *ref = user_data;
  HapBleGatt *gatt = ref->gatt;
  HapBleAttribute *attribute = ref->attribute;
  const char *device;
  guint16 offset;

  if (g_str_equal (method_name, "ReadValue"))
    {
      g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 0);

      if (!parse_options (options, &device, &offset))
        _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.InvalidArguments", "no device option");
      else if (attribute->kind != HAP_BLE_ATTRIBUTE_CHARACTERISTIC)
        read_instance_id (attribute, offset, invocation);
      else
        gatt->handlers->read (gatt->user_data, attribute, device, offset, invocation);
    }
  else if (g_str_equal (method_name, "WriteValue"))
    {
      g_autoptr(GVariant) value = g_variant_get_child_value (parameters, 0);
      g_autoptr(GVariant) options = g_variant_get_child_value (parameters, 1);
      g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (value);

      if (!parse_options (options, &device, &offset))
        _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.InvalidArguments", "no device option");
      else if (attribute->kind != HAP_BLE_ATTRIBUTE_CHARACTERISTIC)
        _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.NotPermitted", "read-only");
      else
        gatt->handlers->write (gatt->user_data, attribute, device, offset, bytes, invocation);
    }
  else if (g_str_equal (method_name, "StartNotify") || g_str_equal (method_name, "StopNotify"))
    {
      if (attribute->kind != HAP_BLE_ATTRIBUTE_CHARACTERISTIC ||
          !(hap_characteristic_get_perms (attribute->characteristic) & HAP_PERM_EVENTS))
        {
          _hap_ble_gatt_reply_error (invocation, "org.bluez.Error.NotSupported", "no indications");
          return;
        }
      g_dbus_method_invocation_return_value (invocation, NULL);
      gatt->handlers->notify (gatt->user_data, attribute, g_str_equal (method_name, "StartNotify"));
    }
  else if (g_str_equal (method_name, "Confirm"))
    {
      g_dbus_method_invocation_return_value (invocation, NULL);
      gatt->handlers->confirm (gatt->user_data, attribute);
    }
  else
    _hap_ble_gatt_reply_error (invocation, "org.freedesktop.DBus.Error.UnknownMethod", method_name);
}

static GVariant *
attribute_get_property (GDBusConnection *connection, const char *sender, const char *object_path,
                        const char *interface_name, const char *property_name, GError **error,
                        gpointer user_data)
{
  ObjectRef *ref = user_data;
  GVariant *value;

  if (ref->service != NULL)
    value = service_property (ref->service, property_name);
  else
    value = attribute_property (ref->gatt, ref->attribute, property_name);
  if (value == NULL)
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s", property_name);
  return value;
}

/* bluetoothd writes the handles it allocated back (docs/bluez.md §1.1); nothing here
 * depends on them. */
static gboolean
attribute_set_property (GDBusConnection *connection, const char *sender, const char *object_path,
                        const char *interface_name, const char *property_name, GVariant *value,
                        GError **error, gpointer user_data)
{
  return g_str_equal (property_name, "Handle");
}

static void
root_method_call (GDBusConnection       *connection,
                  const char            *sender,
                  const char            *object_path,
                  const char            *interface_name,
                  const char            *method_name,
                  GVariant              *parameters,
                  GDBusMethodInvocation *invocation,
                  gpointer               user_data)
{
  HapBleGatt *gatt = user_data;

  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{oa{sa{sv}}})",
                                                                    build_managed_objects (gatt)));
}

static const GDBusInterfaceVTable root_vtable = { root_method_call, NULL, NULL, { 0 } };
static const GDBusInterfaceVTable object_vtable = {
  attribute_method_call, attribute_get_property, attribute_set_property, { 0 }
};

/* ---- building the table ------------------------------------------------------------- */

static HapBleAttribute *
add_attribute (HapBleGatt *gatt, HapBleAttributeKind kind, const char *path, HapService *service,
               HapCharacteristic *characteristic)
{
  HapBleAttribute *attribute = g_new0 (HapBleAttribute, 1);

  attribute->kind = kind;
  attribute->index = gatt->attributes->len;
  attribute->path = g_strdup (path);
  attribute->service = service;
  attribute->characteristic = characteristic;
  attribute->iid = (guint16) (characteristic != NULL ? hap_characteristic_get_iid (characteristic)
                                                     : hap_service_get_iid (service));
  g_ptr_array_add (gatt->attributes, attribute);
  return attribute;
}

/* Attributes a service takes in bluetoothd's database: its declaration, 2 per
 * characteristic (declaration and value), the CCC bluetoothd adds to indicating ones,
 * and our descriptors. */
static guint
count_handles (HapService *service)
{
  GPtrArray *characteristics = hap_service_get_characteristics (service);
  guint n = 1 + 2;   /* service, Service Instance ID */

  for (guint i = 0; i < characteristics->len; i++)
    n += 2 + 1 + ((hap_characteristic_get_perms (g_ptr_array_index (characteristics, i)) & HAP_PERM_EVENTS) ? 1 : 0);
  return n;
}

static gboolean
included (HapBleGatt *gatt, HapService *service, HapCharacteristic *characteristic)
{
  return gatt->handlers->include == NULL || gatt->handlers->include (gatt->user_data, service, characteristic);
}

static void
build_table (HapBleGatt *gatt, HapAccessory *accessory, guint16 first_handle)
{
  GPtrArray *services = hap_accessory_get_services (accessory);
  guint handle = first_handle;

  for (guint i = 0; i < services->len; i++)
    {
      HapService *service = g_ptr_array_index (services, i);
      GPtrArray *characteristics = hap_service_get_characteristics (service);
      GattService *gs = g_new0 (GattService, 1);
      g_autofree char *iid_path = NULL;

      gs->path = g_strdup_printf ("%s/service%u", gatt->root, i);
      gs->uuid = hap_ble_uuid_to_gatt (hap_service_get_type_uuid (service));
      gs->service = service;
      gs->handle = first_handle != 0 ? (guint16) handle : 0;
      handle += count_handles (service);
      g_ptr_array_add (gatt->services, gs);

      iid_path = g_strdup_printf ("%s/char0", gs->path);
      if (included (gatt, service, NULL))
        add_attribute (gatt, HAP_BLE_ATTRIBUTE_SERVICE_IID, iid_path, service, NULL);
      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);
          g_autofree char *path = g_strdup_printf ("%s/char%u", gs->path, j + 1);
          g_autofree char *desc = g_strdup_printf ("%s/desc0", path);

          if (!included (gatt, service, characteristic))
            continue;
          add_attribute (gatt, HAP_BLE_ATTRIBUTE_CHARACTERISTIC, path, service, characteristic);
          add_attribute (gatt, HAP_BLE_ATTRIBUTE_IID_DESCRIPTOR, desc, service, characteristic);
        }
    }
}

static void
free_ref (gpointer data)
{
  g_free (data);
}

static gboolean
export (HapBleGatt *gatt, GError **error)
{
  GDBusInterfaceInfo *manager = g_dbus_node_info_lookup_interface (gatt->introspection,
                                                                   "org.freedesktop.DBus.ObjectManager");
  GDBusInterfaceInfo *service_iface = g_dbus_node_info_lookup_interface (gatt->introspection, IFACE_SERVICE);
  GDBusInterfaceInfo *characteristic_iface = g_dbus_node_info_lookup_interface (gatt->introspection,
                                                                                IFACE_CHARACTERISTIC);
  GDBusInterfaceInfo *descriptor_iface = g_dbus_node_info_lookup_interface (gatt->introspection,
                                                                            IFACE_DESCRIPTOR);

  gatt->root_registration = g_dbus_connection_register_object (gatt->bus, gatt->root, manager,
                                                               &root_vtable, gatt, NULL, error);
  if (gatt->root_registration == 0)
    return FALSE;
  for (guint i = 0; i < gatt->services->len; i++)
    {
      GattService *service = g_ptr_array_index (gatt->services, i);
      ObjectRef *ref = g_new0 (ObjectRef, 1);

      ref->gatt = gatt;
      ref->service = service;
      service->registration = g_dbus_connection_register_object (gatt->bus, service->path, service_iface,
                                                                 &object_vtable, ref, free_ref, error);
      if (service->registration == 0)
        return FALSE;
    }
  for (guint i = 0; i < gatt->attributes->len; i++)
    {
      HapBleAttribute *attribute = g_ptr_array_index (gatt->attributes, i);
      ObjectRef *ref = g_new0 (ObjectRef, 1);

      ref->gatt = gatt;
      ref->attribute = attribute;
      attribute->registration =
        g_dbus_connection_register_object (gatt->bus, attribute->path,
                                           attribute->kind == HAP_BLE_ATTRIBUTE_IID_DESCRIPTOR
                                             ? descriptor_iface : characteristic_iface,
                                           &object_vtable, ref, free_ref, error);
      if (attribute->registration == 0)
        return FALSE;
    }
  return TRUE;
}

HapBleGatt *
_hap_ble_gatt_new (GDBusConnection          *bus,
                   const char               *root,
                   HapAccessory             *accessory,
                   guint16                   first_handle,
                   const HapBleGattHandlers *handlers,
                   gpointer                  user_data,
                   GError                  **error)
{
  HapBleGatt *gatt = g_new0 (HapBleGatt, 1);

  gatt->bus = g_object_ref (bus);
  gatt->root = g_strdup (root);
  gatt->handlers = handlers;
  gatt->user_data = user_data;
  gatt->services = g_ptr_array_new_with_free_func ((GDestroyNotify) gatt_service_free);
  gatt->attributes = g_ptr_array_new_with_free_func ((GDestroyNotify) attribute_free);
  gatt->introspection = g_dbus_node_info_new_for_xml (introspection_xml, NULL);
  g_assert (gatt->introspection != NULL);
  build_table (gatt, accessory, first_handle);
  if (!export (gatt, error))
    {
      _hap_ble_gatt_free (gatt);
      return NULL;
    }
  return gatt;
}

void
_hap_ble_gatt_free (HapBleGatt *gatt)
{
  if (gatt == NULL)
    return;
  /* Unregistering without InterfacesRemoved: bluetoothd drops the whole application
   * when its owner unregisters it or leaves the bus (docs/bluez.md §1.1). */
  for (guint i = 0; i < gatt->attributes->len; i++)
    {
      HapBleAttribute *attribute = g_ptr_array_index (gatt->attributes, i);
      if (attribute->registration != 0)
        g_dbus_connection_unregister_object (gatt->bus, attribute->registration);
    }
  for (guint i = 0; i < gatt->services->len; i++)
    {
      GattService *service = g_ptr_array_index (gatt->services, i);
      if (service->registration != 0)
        g_dbus_connection_unregister_object (gatt->bus, service->registration);
    }
  if (gatt->root_registration != 0)
    g_dbus_connection_unregister_object (gatt->bus, gatt->root_registration);
  g_ptr_array_unref (gatt->attributes);
  g_ptr_array_unref (gatt->services);
  g_dbus_node_info_unref (gatt->introspection);
  g_object_unref (gatt->bus);
  g_free (gatt->root);
  g_free (gatt);
}

const char *
_hap_ble_gatt_get_root (HapBleGatt *gatt)
{
  return gatt->root;
}

guint
_hap_ble_gatt_get_n_attributes (HapBleGatt *gatt)
{
  return gatt->attributes->len;
}

HapBleAttribute *
_hap_ble_gatt_get_attribute (HapBleGatt *gatt, guint index)
{
  return g_ptr_array_index (gatt->attributes, index);
}

HapBleAttribute *
_hap_ble_gatt_lookup (HapBleGatt *gatt, HapCharacteristic *characteristic)
{
  for (guint i = 0; i < gatt->attributes->len; i++)
    {
      HapBleAttribute *attribute = g_ptr_array_index (gatt->attributes, i);
      if (attribute->kind == HAP_BLE_ATTRIBUTE_CHARACTERISTIC && attribute->characteristic == characteristic)
        return attribute;
    }
  return NULL;
}

void
_hap_ble_gatt_indicate (HapBleGatt *gatt, HapBleAttribute *attribute)
{
  GVariantBuilder changed;

  /* docs/bluez.md §1.2: emitted by hand every time — a skeleton would suppress a Value
   * equal to the last one, and HAP's indications are always empty. */
  g_variant_builder_init (&changed, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&changed, "{sv}", "Value", byte_array_variant (NULL, 0));
  g_dbus_connection_emit_signal (gatt->bus, NULL, attribute->path, "org.freedesktop.DBus.Properties",
                                 "PropertiesChanged",
                                 g_variant_new ("(s@a{sv}@as)", IFACE_CHARACTERISTIC,
                                                g_variant_builder_end (&changed),
                                                g_variant_new_strv (NULL, 0)),
                                 NULL);
}
