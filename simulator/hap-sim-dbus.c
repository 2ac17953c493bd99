/* hap-sim-dbus.c — the engine's D-Bus control API (io.github.hapsim.Simulator1)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The interface is described, method by method, in io.github.hapsim.Simulator1.xml,
 * compiled in as a GResource: what the object introspects as is that file. Every call
 * runs on the engine's main context; nothing here blocks. Lists are aa{sv} so that keys
 * can be added later without breaking callers (and `ctl --json` prints them as they are).
 */
#include "hap-sim-dbus.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hap-sim-adapters.h"
#include "hap-sim-dbus-resources.h"
#include "hap-sim-error.h"
#include "hap-sim-inspect.h"

#define RESOURCE_XML "/io/github/hapsim/" HAP_SIM_DBUS_INTERFACE ".xml"
#define ERROR_PREFIX HAP_SIM_DBUS_INTERFACE ".Error."

typedef struct _Watch Watch;

struct _HapSimDBus
{
  HapSimEngine    *engine;
  GDBusConnection *connection;
  GDBusNodeInfo   *node;
  guint            registration_id;
  guint            name_owner_subscription;
  gulong           added_handler;
  gulong           removed_handler;
  GHashTable      *watches;   /* HapSimAccessory → Watch */
};

/* One accessory's signal connections and the bus names following its trace. */
struct _Watch
{
  HapSimDBus      *dbus;
  HapSimAccessory *accessory;   /* referenced */
  char            *id;          /* kept: signals after removal still name it */
  GPtrArray       *handlers;    /* gulong as pointers */
  GHashTable      *followers;   /* unique bus name (or "" on a peer connection) */
  guint            listener;    /* trace listener while followed */
};

/* ---- errors ----------------------------------------------------------------------- */

static void
register_errors (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      /* The names are the API (io.github.hapsim.Simulator1.xml, "Errors"). */
      g_dbus_error_register_error (HAP_SIM_ERROR, HAP_SIM_ERROR_FAILED, ERROR_PREFIX "Failed");
      g_dbus_error_register_error (HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND, ERROR_PREFIX "NotFound");
      g_dbus_error_register_error (HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                                   ERROR_PREFIX "InvalidArgument");
      g_dbus_error_register_error (HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE, ERROR_PREFIX "BadState");
      g_once_init_leave (&done, 1);
    }
}

/* Errors of other domains (the SDK's, GIO's) still get one of the four documented names
 * rather than GDBus's "UnmappedGError" name, which callers could not match on. */
static void
return_error (GDBusMethodInvocation *invocation, const GError *error)
{
  const char *name = ERROR_PREFIX "Failed";

  if (error->domain == HAP_SIM_ERROR)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (error->domain == HAP_STATUS_ERROR && error->code == HAP_STATUS_INVALID_VALUE)
    name = ERROR_PREFIX "InvalidArgument";
  else if (error->domain == HAP_ERROR && (error->code == HAP_ERROR_INVALID_FILE ||
                                          error->code == HAP_ERROR_INVALID_SETUP_CODE))
    name = ERROR_PREFIX "InvalidArgument";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    name = ERROR_PREFIX "InvalidArgument";
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
           g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    name = ERROR_PREFIX "NotFound";
  g_dbus_method_invocation_return_dbus_error (invocation, name, error->message);
}

/* ---- helpers ---------------------------------------------------------------------- */

/* Catalog name for standard types, else the UUID as the accessory serves it. */
static const char *
service_type_name (HapService *service)
{
  const HapServiceType *type = hap_service_get_catalog_type (service);

  return type ? type->name : hap_service_get_type_uuid (service);
}

static const char *
characteristic_type_name (HapCharacteristic *characteristic)
{
  const HapCharacteristicType *type = hap_characteristic_get_catalog_type (characteristic);

  return type ? type->name : hap_characteristic_get_type_uuid (characteristic);
}

/* The wire strings of docs/protocol.md §4.10, in the order HAP lists them. */
static GVariant *
perms_to_variant (HapPerms perms)
{
  static const struct { HapPerms perm; const char *name; } names[] = {
    { HAP_PERM_PAIRED_READ, "pr" }, { HAP_PERM_PAIRED_WRITE, "pw" }, { HAP_PERM_EVENTS, "ev" },
    { HAP_PERM_ADDITIONAL_AUTH, "aa" }, { HAP_PERM_TIMED_WRITE, "tw" }, { HAP_PERM_HIDDEN, "hd" },
    { HAP_PERM_WRITE_RESPONSE, "wr" },
  };
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (perms & names[i].perm)
      g_variant_builder_add (&builder, "s", names[i].name);
  return g_variant_builder_end (&builder);
}

static void
add_characteristics (GVariantBuilder *builder, HapAccessory *model)
{
  GPtrArray *services = hap_accessory_get_services (model);

  for (guint s = 0; s < services->len; s++)
    {
      HapService *service = g_ptr_array_index (services, s);
      GPtrArray *characteristics = hap_service_get_characteristics (service);

      for (guint c = 0; c < characteristics->len; c++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, c);
          const char *unit = hap_characteristic_get_unit (characteristic);
          const char *description = hap_characteristic_get_description (characteristic);
          double min = hap_characteristic_get_min_value (characteristic);
          double max = hap_characteristic_get_max_value (characteristic);
          double step = hap_characteristic_get_min_step (characteristic);
          GVariantBuilder dict;

          g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
          hap_sim_dict_add (&dict, "aid", "t", hap_accessory_get_aid (model));
          hap_sim_dict_add (&dict, "iid", "t", hap_characteristic_get_iid (characteristic));
          hap_sim_dict_add (&dict, "accessory", "s", hap_accessory_get_name (model));
          hap_sim_dict_add (&dict, "service", "s", service_type_name (service));
          hap_sim_dict_add (&dict, "type", "s", characteristic_type_name (characteristic));
          hap_sim_dict_add (&dict, "format", "s",
                    hap_format_to_string (hap_characteristic_get_format (characteristic)));
          hap_sim_dict_add_value (&dict, "perms",
                          perms_to_variant (hap_characteristic_get_perms (characteristic)));
          hap_sim_dict_add_value (&dict, "value", hap_characteristic_get_value (characteristic));
          if (unit != NULL)
            hap_sim_dict_add (&dict, "unit", "s", unit);
          if (!isnan (min))
            hap_sim_dict_add (&dict, "min", "d", min);
          if (!isnan (max))
            hap_sim_dict_add (&dict, "max", "d", max);
          if (!isnan (step))
            hap_sim_dict_add (&dict, "step", "d", step);
          if (description != NULL)
            hap_sim_dict_add (&dict, "description", "s", description);
          g_variant_builder_add_value (builder, g_variant_builder_end (&dict));
        }
    }
}

/* ---- signals ---------------------------------------------------------------------- */

static void
emit (HapSimDBus *self, const char *signal, GVariant *parameters)
{
  g_autoptr(GError) error = NULL;

  /* Broadcast: any number of ctl --follow, desktop or CI listeners may match on it. */
  if (!g_dbus_connection_emit_signal (self->connection, NULL, HAP_SIM_DBUS_PATH, HAP_SIM_DBUS_INTERFACE,
                                      signal, parameters, &error))
    g_debug ("D-Bus: cannot emit %s: %s", signal, error->message);
}

static void
on_state_changed (HapSimAccessory *accessory, Watch *watch)
{
  emit (watch->dbus, "StateChanged",
        g_variant_new ("(ss)", watch->id, hap_sim_state_to_string (hap_sim_accessory_get_state (accessory))));
}

static void
on_value_changed (HapSimAccessory *accessory, HapCharacteristic *characteristic, GVariant *value,
                  const char *origin, Watch *watch)
{
  emit (watch->dbus, "ValueChanged",
        g_variant_new ("(sttvs)", watch->id, hap_sim_characteristic_aid (characteristic),
                       hap_characteristic_get_iid (characteristic), value, origin ? origin : ""));
}

static void
on_pairing_added (HapSimAccessory *accessory, const char *controller, gboolean admin, Watch *watch)
{
  emit (watch->dbus, "PairingAdded", g_variant_new ("(ssb)", watch->id, controller, admin));
}

static void
on_pairing_removed (HapSimAccessory *accessory, const char *controller, Watch *watch)
{
  emit (watch->dbus, "PairingRemoved", g_variant_new ("(ss)", watch->id, controller));
}

static void
on_session_opened (HapSimAccessory *accessory, HapConnection *conn, Watch *watch)
{
  const char *controller = hap_connection_get_controller_id (conn);

  emit (watch->dbus, "SessionOpened",
        g_variant_new ("(stss)", watch->id, hap_connection_get_id (conn), hap_connection_get_peer (conn),
                       controller ? controller : ""));
}

static void
on_session_closed (HapSimAccessory *accessory, HapConnection *conn, Watch *watch)
{
  emit (watch->dbus, "SessionClosed", g_variant_new ("(st)", watch->id, hap_connection_get_id (conn)));
}

static void
on_identified (HapSimAccessory *accessory, const char *source, Watch *watch)
{
  emit (watch->dbus, "Identified", g_variant_new ("(ss)", watch->id, source ? source : ""));
}

/* The central, GSN, advertisement or adapter changed: GetBle tells what. One signal for
 * all of them, so that a BLE panel re-reads one dictionary. */
static void
on_ble_changed (HapSimAccessory *accessory, Watch *watch)
{
  emit (watch->dbus, "BleChanged", g_variant_new ("(s)", watch->id));
}

static void
on_ble_advertised (HapSimAccessory *accessory, const char *adapter, Watch *watch)
{
  on_ble_changed (accessory, watch);
}

static void
on_trace_entry (HapSimTraceEntry *entry, guint64 first_seq, gpointer user_data)
{
  Watch *watch = user_data;
  g_autofree char *line = NULL;

  if (entry == NULL)   /* cleared: followers see no line for that */
    return;
  line = hap_sim_trace_entry_to_json (entry);
  emit (watch->dbus, "TraceEntry", g_variant_new ("(ss)", watch->id, line));
}

static void
watch_set_followed (Watch *watch, gboolean followed)
{
  HapSimTrace *trace = hap_sim_accessory_get_trace (watch->accessory);

  if (followed && watch->listener == 0)
    watch->listener = hap_sim_trace_add_listener (trace, on_trace_entry, watch);
  else if (!followed && watch->listener != 0)
    {
      hap_sim_trace_remove_listener (trace, watch->listener);
      watch->listener = 0;
    }
}

static void
watch_free (Watch *watch)
{
  for (guint i = 0; i < watch->handlers->len; i++)
    g_signal_handler_disconnect (watch->accessory, GPOINTER_TO_SIZE (g_ptr_array_index (watch->handlers, i)));
  if (g_hash_table_size (watch->followers) > 0)
    watch_set_followed (watch, FALSE);
  g_ptr_array_unref (watch->handlers);
  g_hash_table_unref (watch->followers);
  g_object_unref (watch->accessory);
  g_free (watch->id);
  g_free (watch);
}

static void
watch_connect (Watch *watch, const char *signal, GCallback callback)
{
  gulong id = g_signal_connect (watch->accessory, signal, callback, watch);

  g_ptr_array_add (watch->handlers, GSIZE_TO_POINTER ((gsize) id));
}

static void
watch_accessory (HapSimDBus *self, HapSimAccessory *accessory)
{
  Watch *watch = g_new0 (Watch, 1);

  watch->dbus = self;
  watch->accessory = g_object_ref (accessory);
  watch->id = g_strdup (hap_sim_accessory_get_id (accessory));
  watch->handlers = g_ptr_array_new ();
  watch->followers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  watch_connect (watch, "state-changed", G_CALLBACK (on_state_changed));
  watch_connect (watch, "value-changed", G_CALLBACK (on_value_changed));
  watch_connect (watch, "pairing-added", G_CALLBACK (on_pairing_added));
  watch_connect (watch, "pairing-removed", G_CALLBACK (on_pairing_removed));
  watch_connect (watch, "session-opened", G_CALLBACK (on_session_opened));
  watch_connect (watch, "session-closed", G_CALLBACK (on_session_closed));
  watch_connect (watch, "identified", G_CALLBACK (on_identified));
  watch_connect (watch, "ble-changed", G_CALLBACK (on_ble_changed));
  watch_connect (watch, "ble-advertised", G_CALLBACK (on_ble_advertised));
  g_hash_table_insert (self->watches, accessory, watch);
}

static void
on_accessory_added (HapSimEngine *engine, HapSimAccessory *accessory, HapSimDBus *self)
{
  if (!g_hash_table_contains (self->watches, accessory))
    watch_accessory (self, accessory);
  emit (self, "AccessoryAdded", g_variant_new ("(s)", hap_sim_accessory_get_id (accessory)));
}

static void
on_accessory_removed (HapSimEngine *engine, HapSimAccessory *accessory, HapSimDBus *self)
{
  g_autofree char *id = g_strdup (hap_sim_accessory_get_id (accessory));

  g_hash_table_remove (self->watches, accessory);
  emit (self, "AccessoryRemoved", g_variant_new ("(s)", id));
}

/* A follower that left the bus (ctl killed, app crashed) must not keep the trace
 * emitting signals nobody reads. */
static void
on_name_owner_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface, const char *signal, GVariant *parameters,
                       gpointer user_data)
{
  HapSimDBus *self = user_data;
  const char *name, *old_owner, *new_owner;
  GHashTableIter iter;
  Watch *watch;

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (name[0] != ':' || new_owner[0] != '\0')
    return;
  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &watch))
    if (g_hash_table_remove (watch->followers, name) && g_hash_table_size (watch->followers) == 0)
      watch_set_followed (watch, FALSE);
}

/* ---- methods ---------------------------------------------------------------------- */

/* Returns the reply, or NULL with @error set; or NULL without an error when the
 * method answers @invocation itself later (ListAdapters asks BlueZ first). */
typedef GVariant *(*MethodFunc) (HapSimDBus            *self,
                                 GVariant              *parameters,
                                 GDBusMethodInvocation *invocation,
                                 GError               **error);

/* Every method but the workspace-wide ones names an accessory first. */
static HapSimAccessory *
lookup (HapSimDBus *self, GVariant *parameters, GError **error)
{
  const char *id;

  g_variant_get_child (parameters, 0, "&s", &id);
  return hap_sim_engine_lookup (self->engine, id, error);
}

static GVariant *
method_list_accessories (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                         GError **error)
{
  GPtrArray *accessories = hap_sim_engine_get_accessories (self->engine);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < accessories->len; i++)
    g_variant_builder_add_value (&builder, hap_sim_inspect_summary (g_ptr_array_index (accessories, i)));
  return g_variant_new ("(aa{sv})", &builder);
}

static GVariant *
method_get_starting (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                     GError **error)
{
  return g_variant_new ("(u)", hap_sim_engine_get_starting (self->engine));
}

static GVariant *
method_add_accessory (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                      GError **error)
{
  const char *path;
  gboolean start;
  HapSimAccessory *accessory;

  g_variant_get (parameters, "(&sb)", &path, &start);
  /* The caller's working directory is not ours: a relative path would name another file. */
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                   _("%s: the path must be absolute"), path);
      return NULL;
    }
  accessory = hap_sim_engine_add_file (self->engine, path, start, error);
  if (accessory == NULL)
    return NULL;
  return g_variant_new ("(s)", hap_sim_accessory_get_id (accessory));
}

static GVariant *
method_remove_accessory (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                         GError **error)
{
  /* Accept a device ID or name as everywhere else, then remove by the real id. */
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  if (!hap_sim_engine_remove (self->engine, hap_sim_accessory_get_id (accessory), error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_stop_accessory (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                       GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  hap_sim_accessory_stop (accessory);
  return g_variant_new ("()");
}

static GVariant *
method_start_accessory (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                        GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  /* Starting a running accessory is a no-op, so CI scripts can "make sure it runs". */
  if (hap_sim_accessory_get_state (accessory) == HAP_SIM_STATE_STOPPED &&
      !hap_sim_accessory_start (accessory, error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_power_cycle (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                    GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  guint32 off_ms;

  if (accessory == NULL)
    return NULL;
  g_variant_get_child (parameters, 1, "u", &off_ms);
  hap_sim_accessory_power_cycle (accessory, off_ms);
  return g_variant_new ("()");
}

static GVariant *
method_restart (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation, GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  gboolean new_port;

  if (accessory == NULL)
    return NULL;
  g_variant_get_child (parameters, 1, "b", &new_port);
  if (!hap_sim_accessory_restart (accessory, new_port, error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_list_characteristics (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                             GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  HapAccessory *model;
  GPtrArray *bridged;
  GVariantBuilder builder;

  if (accessory == NULL)
    return NULL;
  model = hap_sim_accessory_get_accessory (accessory);
  bridged = hap_accessory_get_bridged_accessories (model);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  add_characteristics (&builder, model);
  for (guint i = 0; i < bridged->len; i++)
    add_characteristics (&builder, g_ptr_array_index (bridged, i));
  return g_variant_new ("(aa{sv})", &builder);
}

static GVariant *
method_get_value (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                  GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  HapCharacteristic *characteristic;
  const char *spec;

  if (accessory == NULL)
    return NULL;
  g_variant_get_child (parameters, 1, "&s", &spec);
  characteristic = hap_sim_accessory_find (accessory, spec, error);
  if (characteristic == NULL)
    return NULL;
  return g_variant_new ("(v)", hap_characteristic_get_value (characteristic));
}

static GVariant *
method_set_value (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                  GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  HapCharacteristic *characteristic;
  g_autoptr(GVariant) value = NULL;
  const char *spec;

  if (accessory == NULL)
    return NULL;
  g_variant_get (parameters, "(&s&sv)", NULL, &spec, &value);
  characteristic = hap_sim_accessory_find (accessory, spec, error);
  if (characteristic == NULL || !hap_sim_accessory_set_value (accessory, characteristic, value, error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_identify (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation, GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  hap_sim_accessory_identify (accessory);
  return g_variant_new ("()");
}

static GVariant *
method_get_identify_log (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                         GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  g_autoptr(GVariant) log = NULL;

  if (accessory == NULL)
    return NULL;
  log = hap_sim_accessory_dup_identify_log (accessory);
  return g_variant_new ("(@aa{sv})", log);
}

static GVariant *
method_get_setup (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                  GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  GVariant *setup;

  if (accessory == NULL || (setup = hap_sim_inspect_setup (accessory, error)) == NULL)
    return NULL;
  return g_variant_new ("(@a{sv})", setup);
}


static GVariant *
method_list_pairings (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                      GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  return g_variant_new ("(@aa{sv})", hap_sim_inspect_pairings (accessory));
}


static GVariant *
method_remove_pairing (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                       GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  const char *controller;

  if (accessory == NULL)
    return NULL;
  g_variant_get_child (parameters, 1, "&s", &controller);
  if (!hap_sim_inspect_remove_pairing (accessory, controller, error))
    return NULL;
  return g_variant_new ("()");
}


static GVariant *
method_factory_reset (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                      GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL || !hap_sim_accessory_factory_reset (accessory, error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_list_sessions (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                      GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  return g_variant_new ("(@aa{sv})", hap_sim_inspect_sessions (accessory));
}


static GVariant *
method_list_quirks (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                    GError **error)
{
  guint n = 0;
  const HapSimQuirkInfo * const *catalog = hap_sim_quirk_catalog (&n);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < n; i++)
    g_variant_builder_add_value (&builder, hap_sim_inspect_quirk_info (catalog[i]));
  return g_variant_new ("(aa{sv})", &builder);
}

static GVariant *
method_get_quirks (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                   GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  return g_variant_new ("(@aa{sv})", hap_sim_inspect_quirks (accessory));
}


static GVariant *
method_enable_quirk (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                     GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  g_autoptr(GVariant) params = NULL;
  const char *name;

  if (accessory == NULL)
    return NULL;
  g_variant_get_child (parameters, 1, "&s", &name);
  params = g_variant_get_child_value (parameters, 2);
  if (!hap_sim_accessory_enable_quirk (accessory, name, params, error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_disable_quirk (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                      GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  const char *name;

  if (accessory == NULL)
    return NULL;
  g_variant_get_child (parameters, 1, "&s", &name);
  if (!hap_sim_accessory_disable_quirk (accessory, name, error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_get_trace (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                  GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  HapSimTrace *trace;
  g_autoptr(GPtrArray) lines = NULL;
  guint64 since, last;
  guint32 max;

  if (accessory == NULL)
    return NULL;
  g_variant_get (parameters, "(&stu)", NULL, &since, &max);
  trace = hap_sim_accessory_get_trace (accessory);
  /* Read last_seq first: an entry recorded in between is then returned again next time
   * rather than skipped (everything here runs on one thread anyway). */
  last = hap_sim_trace_get_last_seq (trace);
  lines = hap_sim_trace_dup_lines (trace, since, max);
  g_ptr_array_add (lines, NULL);
  return g_variant_new ("(t^as)", last, (char **) lines->pdata);
}

static GVariant *
method_clear_trace (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                    GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  hap_sim_trace_clear (hap_sim_accessory_get_trace (accessory));
  return g_variant_new ("()");
}

static GVariant *
method_follow_trace (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                     GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  gboolean follow, was;
  Watch *watch;

  if (accessory == NULL)
    return NULL;
  watch = g_hash_table_lookup (self->watches, accessory);
  if (watch == NULL)
    {
      /* Only if the engine added an accessory without telling ("accessory-added"). */
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_FAILED, _("%s is not watched"), hap_sim_accessory_get_id (accessory));
      return NULL;
    }
  g_variant_get_child (parameters, 1, "b", &follow);
  was = g_hash_table_size (watch->followers) > 0;
  /* On a peer-to-peer connection there is no sender: one anonymous follower. */
  if (follow)
    g_hash_table_add (watch->followers, g_strdup (sender ? sender : ""));
  else
    g_hash_table_remove (watch->followers, sender ? sender : "");
  if (was != (g_hash_table_size (watch->followers) > 0))
    watch_set_followed (watch, !was);
  return g_variant_new ("()");
}

/* ---- BLE -------------------------------------------------------------------------- */

static GVariant *
method_get_ble (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation, GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);

  if (accessory == NULL)
    return NULL;
  return g_variant_new ("(@a{sv})", hap_sim_inspect_ble (accessory));
}

static GVariant *
method_set_transports (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                       GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  g_autofree const char **names = NULL;
  HapTransportFlags transports = 0;

  if (accessory == NULL)
    return NULL;
  g_variant_get (parameters, "(&s^a&s)", NULL, &names);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (strcmp (names[i], "ip") == 0)
        transports |= HAP_TRANSPORT_IP;
      else if (strcmp (names[i], "ble") == 0)
        transports |= HAP_TRANSPORT_BLE;
      else
        {
          g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a transport (expected \"ip\" or \"ble\")"), names[i]);
          return NULL;
        }
    }
  /* BLE turned on for an accessory without an adapter: the next free one of the
   * runner's --ble-adapter list, as it would have had if its file said "ble". */
  if ((transports & HAP_TRANSPORT_BLE) && !(hap_sim_accessory_get_transports (accessory) & HAP_TRANSPORT_BLE) &&
      hap_sim_accessory_get_ble_adapter (accessory) == NULL)
    {
      g_autofree char *picked = g_strdup (hap_sim_engine_pick_ble_adapter (self->engine, accessory));

      if (picked != NULL && !hap_sim_accessory_move_ble_adapter (accessory, picked, error))
        return NULL;
    }
  if (!hap_sim_accessory_set_transports (accessory, transports, error))
    return NULL;
  return g_variant_new ("()");
}

static GVariant *
method_set_ble_adapter (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                        GError **error)
{
  HapSimAccessory *accessory = lookup (self, parameters, error);
  const char *adapter;

  if (accessory == NULL)
    return NULL;
  g_variant_get_child (parameters, 1, "&s", &adapter);
  /* An adapter is a D-Bus path element under /org/bluez: no slashes, nothing odd. */
  if (adapter[0] != '\0' && !g_dbus_is_member_name (adapter))
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an adapter name (e.g. hci0)"), adapter);
      return NULL;
    }
  if (!hap_sim_accessory_move_ble_adapter (accessory, adapter, error))
    return NULL;
  return g_variant_new ("()");
}

static void
on_adapters_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GDBusMethodInvocation *invocation = user_data;   /* the call's own reference, which replying takes */
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) adapters = hap_sim_engine_list_adapters_finish (HAP_SIM_ENGINE (source), result, &error);

  if (adapters == NULL)
    return_error (invocation, error);
  else
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(@aa{sv})", hap_sim_adapters_to_variant (adapters)));
}

static GVariant *
method_list_adapters (HapSimDBus *self, GVariant *parameters, GDBusMethodInvocation *invocation,
                      GError **error)
{
  /* BlueZ answers on its own time; the invocation is answered from the callback. */
  hap_sim_engine_list_adapters_async (self->engine, NULL, on_adapters_listed, invocation);
  return NULL;
}

static const struct
{
  const char *name;
  MethodFunc  func;
} methods[] = {
  { "ListAccessories", method_list_accessories },
  { "GetStarting", method_get_starting },
  { "AddAccessory", method_add_accessory },
  { "RemoveAccessory", method_remove_accessory },
  { "StopAccessory", method_stop_accessory },
  { "StartAccessory", method_start_accessory },
  { "PowerCycle", method_power_cycle },
  { "Restart", method_restart },
  { "ListCharacteristics", method_list_characteristics },
  { "GetValue", method_get_value },
  { "SetValue", method_set_value },
  { "Identify", method_identify },
  { "GetIdentifyLog", method_get_identify_log },
  { "GetSetup", method_get_setup },
  { "ListPairings", method_list_pairings },
  { "RemovePairing", method_remove_pairing },
  { "FactoryReset", method_factory_reset },
  { "ListSessions", method_list_sessions },
  { "ListQuirks", method_list_quirks },
  { "GetQuirks", method_get_quirks },
  { "EnableQuirk", method_enable_quirk },
  { "DisableQuirk", method_disable_quirk },
  { "GetTrace", method_get_trace },
  { "ClearTrace", method_clear_trace },
  { "FollowTrace", method_follow_trace },
  { "GetBle", method_get_ble },
  { "SetTransports", method_set_transports },
  { "SetBleAdapter", method_set_ble_adapter },
  { "ListAdapters", method_list_adapters },
};

static void
on_method_call (GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *method, GVariant *parameters,
                GDBusMethodInvocation *invocation, gpointer user_data)
{
  HapSimDBus *self = user_data;
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  /* GDBus has already checked the signature against the introspection data. */
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      if (strcmp (methods[i].name, method) != 0)
        continue;
      reply = methods[i].func (self, parameters, invocation, &error);
      if (reply != NULL)
        g_dbus_method_invocation_return_value (invocation, reply);
      else if (error != NULL)
        return_error (invocation, error);
      return;
    }
  g_dbus_method_invocation_return_dbus_error (invocation, "org.freedesktop.DBus.Error.UnknownMethod", method);
}

static const GDBusInterfaceVTable vtable = { on_method_call, NULL, NULL, { 0 } };

/* ---- export ----------------------------------------------------------------------- */

static GDBusNodeInfo *
load_introspection (GError **error)
{
  g_autoptr(GBytes) xml = g_resource_lookup_data (hap_sim_dbus_get_resource (), RESOURCE_XML,
                                                  G_RESOURCE_LOOKUP_FLAGS_NONE, error);

  if (xml == NULL)
    return NULL;
  return g_dbus_node_info_new_for_xml (g_bytes_get_data (xml, NULL), error);
}

HapSimDBus *
hap_sim_dbus_export (HapSimEngine *engine, GDBusConnection *connection, GError **error)
{
  HapSimDBus *self;
  GDBusNodeInfo *node;
  GPtrArray *accessories;

  g_return_val_if_fail (HAP_SIM_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  register_errors ();
  node = load_introspection (error);
  if (node == NULL)
    return NULL;

  self = g_new0 (HapSimDBus, 1);
  self->engine = g_object_ref (engine);
  self->connection = g_object_ref (connection);
  self->node = node;
  self->watches = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) watch_free);
  self->registration_id = g_dbus_connection_register_object (connection, HAP_SIM_DBUS_PATH,
                                                             g_dbus_node_info_lookup_interface (node, HAP_SIM_DBUS_INTERFACE),
                                                             &vtable, self, NULL, error);
  if (self->registration_id == 0)
    {
      hap_sim_dbus_unexport (self);
      return NULL;
    }

  accessories = hap_sim_engine_get_accessories (engine);
  for (guint i = 0; i < accessories->len; i++)
    watch_accessory (self, g_ptr_array_index (accessories, i));
  self->added_handler = g_signal_connect (engine, "accessory-added", G_CALLBACK (on_accessory_added), self);
  self->removed_handler = g_signal_connect (engine, "accessory-removed", G_CALLBACK (on_accessory_removed), self);
  if (g_dbus_connection_get_unique_name (connection) != NULL)
    self->name_owner_subscription =
      g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                          "NameOwnerChanged", "/org/freedesktop/DBus", NULL,
                                          G_DBUS_SIGNAL_FLAGS_NONE, on_name_owner_changed, self, NULL);
  return self;
}

void
hap_sim_dbus_unexport (HapSimDBus *self)
{
  if (self == NULL)
    return;
  if (self->registration_id != 0)
    g_dbus_connection_unregister_object (self->connection, self->registration_id);
  if (self->name_owner_subscription != 0)
    g_dbus_connection_signal_unsubscribe (self->connection, self->name_owner_subscription);
  g_clear_signal_handler (&self->added_handler, self->engine);
  g_clear_signal_handler (&self->removed_handler, self->engine);
  g_hash_table_unref (self->watches);
  g_dbus_node_info_unref (self->node);
  g_object_unref (self->connection);
  g_object_unref (self->engine);
  g_free (self);
}
