/* vb-objects.h — exported objects, the "/" ObjectManager and property signals
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every interface is exported with g_dbus_connection_register_object() and the
 * introspection data of org.bluez.xml. A property getter returning NULL means "absent"
 * (left out of GetAll, InterfacesAdded and GetManagedObjects; invalidated in
 * PropertiesChanged), as bluetoothd's gdbus does with its "exists" callbacks.
 * Signals are emitted at once, in call order (tests depend on order, e.g. the
 * Disconnect reply before Connected=false, docs/bluez.md §1.5).
 */
#pragma once

#include <gio/gio.h>

#include "vb-types.h"

G_BEGIN_DECLS

typedef void (*VbMethodFunc) (gpointer               object,
                              GDBusMethodInvocation *invocation,
                              const char            *method,
                              GVariant              *parameters);

/* Returns a new or floating value, or NULL when the property is absent. */
typedef GVariant *(*VbGetFunc) (gpointer    object,
                                const char *property);

typedef gboolean (*VbSetFunc) (gpointer     object,
                               const char  *property,
                               GVariant    *value,
                               GError     **error);

typedef struct
{
  const char *name;      /* the D-Bus interface; its XML is in org.bluez.xml */
  VbMethodFunc method;
  VbGetFunc get;
  VbSetFunc set;         /* NULL when nothing is writable */
} VbInterface;

VbObjects *vb_objects_new (GDBusConnection *connection,
                           GError         **error);
void vb_objects_free (VbObjects *objects);

GDBusConnection *vb_objects_get_connection (VbObjects *objects);

/* Exports @iface of @object at @path and announces it with InterfacesAdded (also
 * listing org.freedesktop.DBus.Introspectable and .Properties when @path is new, as
 * bluetoothd's gdbus does). */
gboolean vb_objects_export (VbObjects         *objects,
                            const char        *path,
                            const VbInterface *iface,
                            gpointer           object,
                            GError           **error);

/* Exports without the ObjectManager (the "/" manager itself, the test interface). */
gboolean vb_objects_export_unmanaged (VbObjects         *objects,
                                      const char        *path,
                                      const VbInterface *iface,
                                      gpointer           object,
                                      GError           **error);

/* Removes every interface at @path with one InterfacesRemoved. */
void vb_objects_unexport (VbObjects  *objects,
                          const char *path);

gboolean vb_objects_is_exported (VbObjects  *objects,
                                 const char *path);

/* PropertiesChanged for the NULL-terminated property names, with their current
 * values; absent ones are invalidated. */
void vb_objects_emit_changed (VbObjects  *objects,
                              const char *path,
                              const char *iface_name,
                              const char *first_property,
                              ...) G_GNUC_NULL_TERMINATED;

/* The same with a NULL-terminated array of names. */
void vb_objects_emit_changed_strv (VbObjects         *objects,
                                   const char        *path,
                                   const char        *iface_name,
                                   const char *const *properties);

/* PropertiesChanged carrying @value (floating or new, consumed) for @property. Used
 * for notification values, which must go out even when unchanged. */
void vb_objects_emit_value (VbObjects  *objects,
                            const char *path,
                            const char *iface_name,
                            const char *property,
                            GVariant   *value);

/* The a{sa{sv}} of the interfaces at @path (for tests and the debug interface). */
GVariant *vb_objects_get_interfaces (VbObjects  *objects,
                                     const char *path);

G_END_DECLS
