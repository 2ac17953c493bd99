/* vb-objects.c — exported objects, the "/" ObjectManager and property signals
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-objects.h"

#include <stdlib.h>
#include <string.h>

#include "vb-resources.h"

#define OBJECT_MANAGER "org.freedesktop.DBus.ObjectManager"
#define INTROSPECTABLE "org.freedesktop.DBus.Introspectable"
#define PROPERTIES     "org.freedesktop.DBus.Properties"

typedef struct
{
  VbObjects *objects;
  const VbInterface *iface;
  GDBusInterfaceInfo *info;
  gpointer object;
  guint registration;
  gboolean managed;
} Export;

struct _VbObjects
{
  GDBusConnection *connection;
  GDBusNodeInfo *node;
  GHashTable *paths;       /* path → GPtrArray of Export (registration order) */
};

static void
export_free (gpointer data)
{
  g_free (data);
}

static GVariant *
export_get (Export *export, const char *property)
{
  GVariant *value = export->iface->get (export->object, property);

  /* A getter returns a floating value or a reference of its own (a stored value, such
   * as ManufacturerData): take_ref sinks the first and keeps the second as it is, where
   * ref_sink would add a reference that nothing drops. */
  return value != NULL ? g_variant_take_ref (value) : NULL;
}

/* a{sv} of every present property of @export. */
static GVariant *
export_properties (Export *export)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; export->info->properties != NULL && export->info->properties[i] != NULL; i++)
    {
      const char *name = export->info->properties[i]->name;
      g_autoptr(GVariant) value = export_get (export, name);

      if (value != NULL)
        g_variant_builder_add (&builder, "{sv}", name, value);
    }
  return g_variant_builder_end (&builder);
}

static void
dispatch_method (GDBusConnection       *connection,
                 const char            *sender,
                 const char            *object_path,
                 const char            *interface_name,
                 const char            *method_name,
                 GVariant              *parameters,
                 GDBusMethodInvocation *invocation,
                 gpointer               user_data)
{
  Export *export = user_data;

  export->iface->method (export->object, invocation, method_name, parameters);
}

static GVariant *
dispatch_get (GDBusConnection  *connection,
              const char       *sender,
              const char       *object_path,
              const char       *interface_name,
              const char       *property_name,
              GError          **error,
              gpointer          user_data)
{
  Export *export = user_data;
  GVariant *value = export->iface->get (export->object, property_name);

  if (value == NULL)
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "No such property '%s'",
                 property_name);
  return value;
}

static gboolean
dispatch_set (GDBusConnection  *connection,
              const char       *sender,
              const char       *object_path,
              const char       *interface_name,
              const char       *property_name,
              GVariant         *value,
              GError          **error,
              gpointer          user_data)
{
  Export *export = user_data;

  if (export->iface->set == NULL)
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_PROPERTY_READ_ONLY,
                   "Property '%s' is not writable", property_name);
      return FALSE;
    }
  return export->iface->set (export->object, property_name, value, error);
}

static const GDBusInterfaceVTable dispatch_vtable = { dispatch_method, dispatch_get, dispatch_set, { 0 } };

/* ---- the ObjectManager on "/" ---- */

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* a{sa{sv}} of the managed interfaces at one path, with the two standard interfaces
 * bluetoothd's gdbus lists for every object. */
static GVariant *
path_interfaces (GPtrArray *exports)
{
  GVariantBuilder builder;
  gboolean any = FALSE;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sa{sv}}"));
  for (guint i = 0; i < exports->len; i++)
    {
      Export *export = g_ptr_array_index (exports, i);

      if (!export->managed)
        continue;
      if (!any)
        {
          g_variant_builder_add (&builder, "{s@a{sv}}", INTROSPECTABLE,
                                 g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
          any = TRUE;
        }
      g_variant_builder_add (&builder, "{s@a{sv}}", export->iface->name, export_properties (export));
    }
  if (any)
    g_variant_builder_add (&builder, "{s@a{sv}}", PROPERTIES,
                           g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  return g_variant_builder_end (&builder);
}

static void
object_manager_method (gpointer               object,
                       GDBusMethodInvocation *invocation,
                       const char            *method,
                       GVariant              *parameters)
{
  VbObjects *objects = object;
  g_autofree const char **paths = (const char **) g_hash_table_get_keys_as_array (objects->paths, NULL);
  guint n = g_hash_table_size (objects->paths);
  GVariantBuilder builder;

  qsort (paths, n, sizeof *paths, (int (*) (const void *, const void *)) compare_paths);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{oa{sa{sv}}}"));
  for (guint i = 0; i < n; i++)
    {
      GPtrArray *exports = g_hash_table_lookup (objects->paths, paths[i]);
      g_autoptr(GVariant) interfaces = g_variant_ref_sink (path_interfaces (exports));

      if (g_variant_n_children (interfaces) > 0)
        g_variant_builder_add (&builder, "{o@a{sa{sv}}}", paths[i], interfaces);
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a{oa{sa{sv}}})", &builder));
}

static GVariant *
object_manager_get (gpointer object, const char *property)
{
  return NULL;
}

static const VbInterface object_manager_iface = {
  OBJECT_MANAGER, object_manager_method, object_manager_get, NULL,
};

/* ---- public ---- */

VbObjects *
vb_objects_new (GDBusConnection *connection,
                GError         **error)
{
  g_autoptr(GBytes) xml = NULL;
  VbObjects *objects;

  xml = g_resource_lookup_data (vb_resources_get_resource (), "/org/hapsim/virtual-bluez/org.bluez.xml",
                                G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (xml == NULL)
    return NULL;
  objects = g_new0 (VbObjects, 1);
  objects->node = g_dbus_node_info_new_for_xml (g_bytes_get_data (xml, NULL), error);
  if (objects->node == NULL)
    {
      g_free (objects);
      return NULL;
    }
  objects->connection = g_object_ref (connection);
  objects->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  if (!vb_objects_export_unmanaged (objects, "/", &object_manager_iface, objects, error))
    {
      vb_objects_free (objects);
      return NULL;
    }
  return objects;
}

void
vb_objects_free (VbObjects *objects)
{
  GHashTableIter iter;
  GPtrArray *exports;

  if (objects == NULL)
    return;
  g_hash_table_iter_init (&iter, objects->paths);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &exports))
    for (guint i = 0; i < exports->len; i++)
      {
        Export *export = g_ptr_array_index (exports, i);

        g_dbus_connection_unregister_object (objects->connection, export->registration);
      }
  g_hash_table_unref (objects->paths);
  g_dbus_node_info_unref (objects->node);
  g_object_unref (objects->connection);
  g_free (objects);
}

GDBusConnection *
vb_objects_get_connection (VbObjects *objects)
{
  return objects->connection;
}

static Export *
register_export (VbObjects         *objects,
                 const char        *path,
                 const VbInterface *iface,
                 gpointer           object,
                 gboolean           managed,
                 gboolean          *new_path,
                 GError           **error)
{
  GDBusInterfaceInfo *info = g_dbus_node_info_lookup_interface (objects->node, iface->name);
  GPtrArray *exports = g_hash_table_lookup (objects->paths, path);
  Export *export;

  g_return_val_if_fail (info != NULL, NULL);
  export = g_new0 (Export, 1);
  export->objects = objects;
  export->iface = iface;
  export->info = info;
  export->object = object;
  export->managed = managed;
  export->registration = g_dbus_connection_register_object (objects->connection, path, info,
                                                            &dispatch_vtable, export, export_free,
                                                            error);
  if (export->registration == 0)
    {
      g_free (export);
      return NULL;
    }
  *new_path = exports == NULL;
  if (exports == NULL)
    {
      /* The exports are freed by GDBus (export_free) when unregistered. */
      exports = g_ptr_array_new ();
      g_hash_table_insert (objects->paths, g_strdup (path), exports);
    }
  g_ptr_array_add (exports, export);
  return export;
}

gboolean
vb_objects_export (VbObjects         *objects,
                   const char        *path,
                   const VbInterface *iface,
                   gpointer           object,
                   GError           **error)
{
  GVariantBuilder interfaces;
  gboolean new_path;
  Export *export = register_export (objects, path, iface, object, TRUE, &new_path, error);

  if (export == NULL)
    return FALSE;
  g_variant_builder_init (&interfaces, G_VARIANT_TYPE ("a{sa{sv}}"));
  if (new_path)
    g_variant_builder_add (&interfaces, "{s@a{sv}}", INTROSPECTABLE,
                           g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  g_variant_builder_add (&interfaces, "{s@a{sv}}", iface->name, export_properties (export));
  if (new_path)
    g_variant_builder_add (&interfaces, "{s@a{sv}}", PROPERTIES,
                           g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  g_dbus_connection_emit_signal (objects->connection, NULL, "/", OBJECT_MANAGER, "InterfacesAdded",
                                 g_variant_new ("(oa{sa{sv}})", path, &interfaces), NULL);
  return TRUE;
}

gboolean
vb_objects_export_unmanaged (VbObjects         *objects,
                             const char        *path,
                             const VbInterface *iface,
                             gpointer           object,
                             GError           **error)
{
  gboolean new_path;

  return register_export (objects, path, iface, object, FALSE, &new_path, error) != NULL;
}

void
vb_objects_unexport (VbObjects  *objects,
                     const char *path)
{
  GPtrArray *exports = g_hash_table_lookup (objects->paths, path);
  GVariantBuilder names;
  gboolean any = FALSE;

  if (exports == NULL)
    return;
  g_variant_builder_init (&names, G_VARIANT_TYPE_STRING_ARRAY);
  g_variant_builder_add (&names, "s", INTROSPECTABLE);
  for (guint i = 0; i < exports->len; i++)
    {
      Export *export = g_ptr_array_index (exports, i);

      if (export->managed)
        {
          g_variant_builder_add (&names, "s", export->iface->name);
          any = TRUE;
        }
      g_dbus_connection_unregister_object (objects->connection, export->registration);
    }
  g_variant_builder_add (&names, "s", PROPERTIES);
  g_hash_table_remove (objects->paths, path);
  if (any)
    g_dbus_connection_emit_signal (objects->connection, NULL, "/", OBJECT_MANAGER,
                                   "InterfacesRemoved", g_variant_new ("(oas)", path, &names), NULL);
  else
    g_variant_builder_clear (&names);
}

gboolean
vb_objects_is_exported (VbObjects  *objects,
                        const char *path)
{
  return g_hash_table_contains (objects->paths, path);
}

static Export *
find_export (VbObjects *objects, const char *path, const char *iface_name)
{
  GPtrArray *exports = g_hash_table_lookup (objects->paths, path);

  for (guint i = 0; exports != NULL && i < exports->len; i++)
    {
      Export *export = g_ptr_array_index (exports, i);

      if (strcmp (export->iface->name, iface_name) == 0)
        return export;
    }
  return NULL;
}

void
vb_objects_emit_changed_strv (VbObjects         *objects,
                              const char        *path,
                              const char        *iface_name,
                              const char *const *properties)
{
  Export *export = find_export (objects, path, iface_name);
  GVariantBuilder changed, invalidated;

  if (export == NULL || properties == NULL || properties[0] == NULL)
    return;
  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&invalidated, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; properties[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = export_get (export, properties[i]);

      if (value != NULL)
        g_variant_builder_add (&changed, "{sv}", properties[i], value);
      else
        g_variant_builder_add (&invalidated, "s", properties[i]);
    }
  g_dbus_connection_emit_signal (objects->connection, NULL, path, PROPERTIES, "PropertiesChanged",
                                 g_variant_new ("(sa{sv}as)", iface_name, &changed, &invalidated),
                                 NULL);
}

void
vb_objects_emit_changed (VbObjects  *objects,
                         const char *path,
                         const char *iface_name,
                         const char *first_property,
                         ...)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  va_list args;

  va_start (args, first_property);
  for (const char *name = first_property; name != NULL; name = va_arg (args, const char *))
    g_ptr_array_add (names, (gpointer) name);
  va_end (args);
  g_ptr_array_add (names, NULL);
  vb_objects_emit_changed_strv (objects, path, iface_name, (const char *const *) names->pdata);
}

void
vb_objects_emit_value (VbObjects  *objects,
                       const char *path,
                       const char *iface_name,
                       const char *property,
                       GVariant   *value)
{
  GVariantBuilder changed, invalidated;

  g_variant_builder_init (&changed, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_init (&invalidated, G_VARIANT_TYPE_STRING_ARRAY);
  g_variant_builder_add (&changed, "{sv}", property, value);
  g_dbus_connection_emit_signal (objects->connection, NULL, path, PROPERTIES, "PropertiesChanged",
                                 g_variant_new ("(sa{sv}as)", iface_name, &changed, &invalidated),
                                 NULL);
}

GVariant *
vb_objects_get_interfaces (VbObjects  *objects,
                           const char *path)
{
  GPtrArray *exports = g_hash_table_lookup (objects->paths, path);

  if (exports == NULL)
    return g_variant_new_array (G_VARIANT_TYPE ("{sa{sv}}"), NULL, 0);
  return path_interfaces (exports);
}
