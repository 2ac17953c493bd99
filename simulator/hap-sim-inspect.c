/* hap-sim-inspect.c — an accessory's summary, pairings, sessions, setup and quirks as a{sv}
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-inspect.h"

#include <glib/gi18n.h>

#include "hap-sim-error.h"

guint64
hap_sim_characteristic_aid (HapCharacteristic *characteristic)
{
  HapService *service = hap_characteristic_get_service (characteristic);
  HapAccessory *accessory = service ? hap_service_get_accessory (service) : NULL;

  return accessory ? hap_accessory_get_aid (accessory) : 0;
}

/* Dictionaries are built in the order the API documents their keys (GVariantDict would
 * hash them), so that `ctl --json` prints them in a stable, readable order. */
void
hap_sim_dict_add_value (GVariantBuilder *dict, const char *key, GVariant *value)
{
  g_variant_builder_add (dict, "{sv}", key, value);
}

void
hap_sim_dict_add (GVariantBuilder *dict, const char *key, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  hap_sim_dict_add_value (dict, key, g_variant_new_va (format, NULL, &args));
  va_end (args);
}

/* A stopped accessory has no server, but what it serves when started (device ID,
 * setup code, pairings) is in its state directory. NULL when it never started
 * (hap_stored_state_load() then creates nothing: this is a query). */
static HapStoredState *
open_stored_state (HapSimAccessory *accessory)
{
  g_autoptr(GError) error = NULL;
  HapStoredState *state;

  state = hap_stored_state_load (hap_sim_accessory_get_state_dir (accessory), &error);
  if (state == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_warning ("%s: %s", hap_sim_accessory_get_id (accessory), error->message);
  return state;
}

/* as: "ip", "ble", in that order. */
static GVariant *
transports_to_variant (HapTransportFlags transports)
{
  GVariantBuilder list;

  g_variant_builder_init (&list, G_VARIANT_TYPE_STRING_ARRAY);
  if (transports & HAP_TRANSPORT_IP)
    g_variant_builder_add (&list, "s", "ip");
  if (transports & HAP_TRANSPORT_BLE)
    g_variant_builder_add (&list, "s", "ble");
  return g_variant_builder_end (&list);
}

GVariant *
hap_sim_inspect_summary (HapSimAccessory *accessory)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);
  HapAccessory *model = hap_sim_accessory_get_accessory (accessory);
  GPtrArray *quirks = hap_sim_accessory_get_quirks (accessory);
  g_autoptr(HapStoredState) storage = NULL;
  const char *device_id = "";
  gboolean paired = FALSE;
  guint sessions = 0, connections = 0;
  GVariantBuilder names;
  GVariantBuilder dict;

  if (server != NULL)
    {
      g_autoptr(GPtrArray) conns = hap_accessory_server_dup_connections (server);

      device_id = hap_accessory_server_get_device_id (server);
      paired = hap_accessory_server_is_paired (server);
      connections = conns->len;
      for (guint i = 0; i < conns->len; i++)
        if (hap_connection_get_controller_id (g_ptr_array_index (conns, i)) != NULL)
          sessions++;
    }
  else if ((storage = open_stored_state (accessory)) != NULL)
    {
      device_id = hap_stored_state_get_device_id (storage);
      paired = hap_stored_state_get_pairings (storage)->len > 0;
    }

  g_variant_builder_init (&names, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; quirks != NULL && i < quirks->len; i++)
    g_variant_builder_add (&names, "s", ((HapSimQuirk *) g_ptr_array_index (quirks, i))->info->name);

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  hap_sim_dict_add (&dict, "id", "s", hap_sim_accessory_get_id (accessory));
  hap_sim_dict_add (&dict, "name", "s", hap_sim_accessory_get_name (accessory));
  hap_sim_dict_add (&dict, "device-id", "s", device_id ? device_id : "");
  hap_sim_dict_add (&dict, "port", "q", server ? hap_accessory_server_get_port (server) : 0);
  hap_sim_dict_add (&dict, "state", "s",
            hap_sim_state_to_string (hap_sim_accessory_get_state (accessory)));
  hap_sim_dict_add (&dict, "paired", "b", paired);
  hap_sim_dict_add (&dict, "sessions", "u", sessions);
  hap_sim_dict_add (&dict, "connections", "u", connections);
  hap_sim_dict_add (&dict, "category", "u", (guint32) hap_accessory_get_category (model));
  hap_sim_dict_add (&dict, "file", "s", hap_sim_accessory_get_file (accessory));
  hap_sim_dict_add (&dict, "bridged", "u", hap_accessory_get_bridged_accessories (model)->len);
  hap_sim_dict_add_value (&dict, "quirks", g_variant_builder_end (&names));
  hap_sim_dict_add_value (&dict, "transports", transports_to_variant (hap_sim_accessory_get_transports (accessory)));
  return g_variant_builder_end (&dict);
}

static const char *
param_type_name (HapSimParamType type)
{
  switch (type)
    {
    case HAP_SIM_PARAM_BOOL:   return "bool";
    case HAP_SIM_PARAM_UINT:   return "uint";
    case HAP_SIM_PARAM_INT:    return "int";
    case HAP_SIM_PARAM_DOUBLE: return "double";
    case HAP_SIM_PARAM_STRING: return "string";
    default:                   return "unknown";
    }
}

GVariant *
hap_sim_inspect_quirk_info (const HapSimQuirkInfo *info)
{
  GVariantBuilder params;
  GVariantBuilder dict;

  g_variant_builder_init (&params, G_VARIANT_TYPE ("aa{sv}"));
  for (const HapSimQuirkParam *param = info->params; param != NULL && param->name != NULL; param++)
    {
      GVariantBuilder p;

      g_variant_builder_init (&p, G_VARIANT_TYPE_VARDICT);
      hap_sim_dict_add (&p, "name", "s", param->name);
      hap_sim_dict_add (&p, "type", "s", param_type_name (param->type));
      hap_sim_dict_add (&p, "description", "s", param->description ? param->description : "");
      hap_sim_dict_add (&p, "default", "s", param->default_value ? param->default_value : "");
      /* hap-sim-quirk.h: min and max both 0 mean unbounded. */
      if (param->min != 0 || param->max != 0)
        {
          hap_sim_dict_add (&p, "min", "d", param->min);
          hap_sim_dict_add (&p, "max", "d", param->max);
        }
      if (param->choices != NULL)
        {
          g_auto(GStrv) choices = g_strsplit (param->choices, "|", -1);
          hap_sim_dict_add_value (&p, "choices", g_variant_new_strv ((const char * const *) choices, -1));
        }
      g_variant_builder_add_value (&params, g_variant_builder_end (&p));
    }

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  hap_sim_dict_add (&dict, "name", "s", info->name);
  hap_sim_dict_add (&dict, "layer", "s", hap_sim_layer_to_string (info->layer));
  hap_sim_dict_add (&dict, "description", "s", info->description ? info->description : "");
  hap_sim_dict_add (&dict, "catalog-row", "u", info->catalog_row);
  hap_sim_dict_add_value (&dict, "params", g_variant_builder_end (&params));
  return g_variant_builder_end (&dict);
}

/* Both lists are serialized from the accessory's models, freshly updated, so that the
 * control API and the app show the same objects. */
static GVariant *
list_to_variant (GListModel *model, GVariant *(*to_variant) (gpointer item))
{
  guint n = g_list_model_get_n_items (model);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      g_variant_builder_add_value (&builder, to_variant (item));
    }
  return g_variant_builder_end (&builder);
}

GVariant *
hap_sim_inspect_pairings (HapSimAccessory *accessory)
{
  hap_sim_accessory_update_models (accessory);
  return list_to_variant (hap_sim_accessory_get_pairings (accessory),
                          (GVariant *(*) (gpointer)) hap_sim_pairing_to_variant);
}

GVariant *
hap_sim_inspect_sessions (HapSimAccessory *accessory)
{
  hap_sim_accessory_update_models (accessory);
  return list_to_variant (hap_sim_accessory_get_sessions (accessory),
                          (GVariant *(*) (gpointer)) hap_sim_session_to_variant);
}

GVariant *
hap_sim_inspect_setup (HapSimAccessory *accessory, GError **error)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);
  g_autoptr(HapStoredState) storage = NULL;
  g_autofree char *payload = NULL;
  const char *code, *setup_id;
  GVariantBuilder dict;

  if (server != NULL)
    {
      code = hap_accessory_server_get_setup_code (server);
      setup_id = hap_accessory_server_get_setup_id (server);
      payload = hap_accessory_server_dup_setup_payload (server);
    }
  else if ((storage = open_stored_state (accessory)) != NULL)
    {
      /* As the server builds it (hap_accessory_server_dup_setup_payload). */
      code = hap_stored_state_get_setup_code (storage);
      setup_id = hap_stored_state_get_setup_id (storage);
      if (code != NULL)
        payload = hap_setup_payload_build (code, setup_id,
                                           (guint) hap_accessory_get_category (hap_sim_accessory_get_accessory (accessory)),
                                           HAP_SETUP_FLAG_IP);
    }
  else
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE,
                   _("%s has never been started: it has no identity yet"), hap_sim_accessory_get_id (accessory));
      return NULL;
    }

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  /* A provisioned device keeps only its code's verifier: code and payload are "". */
  hap_sim_dict_add (&dict, "setup-code", "s", code != NULL ? code : "");
  hap_sim_dict_add (&dict, "setup-payload", "s", payload != NULL ? payload : "");
  hap_sim_dict_add (&dict, "setup-id", "s", setup_id);
  hap_sim_dict_add (&dict, "provisioned", "b", code == NULL);
  return g_variant_builder_end (&dict);
}

GVariant *
hap_sim_inspect_quirks (HapSimAccessory *accessory)
{
  GPtrArray *quirks = hap_sim_accessory_get_quirks (accessory);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; quirks != NULL && i < quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (quirks, i);
      g_autoptr(GVariant) params = hap_sim_quirk_dup_params (quirk);
      GVariantBuilder dict;

      g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
      hap_sim_dict_add (&dict, "name", "s", quirk->info->name);
      hap_sim_dict_add (&dict, "layer", "s", hap_sim_layer_to_string (quirk->info->layer));
      hap_sim_dict_add_value (&dict, "params", params);
      g_variant_builder_add_value (&builder, g_variant_builder_end (&dict));
    }
  return g_variant_builder_end (&builder);
}

gboolean
hap_sim_inspect_remove_pairing (HapSimAccessory *accessory, const char *controller, GError **error)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);
  GPtrArray *pairings;
  gboolean found = FALSE;

  if (server == NULL)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE, _("%s is stopped"),
                   hap_sim_accessory_get_id (accessory));
      return FALSE;
    }
  pairings = hap_accessory_server_get_pairings (server);
  for (guint i = 0; i < pairings->len && !found; i++)
    found = g_str_equal (((HapPairing *) g_ptr_array_index (pairings, i))->identifier, controller);
  /* Checked here so that an unknown controller is NotFound, as documented. */
  if (!found)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND, _("%s has no pairing for %s"),
                   hap_sim_accessory_get_id (accessory), controller);
      return FALSE;
    }
  return hap_accessory_server_remove_pairing (server, controller, error);
}

/* ---- HAP over BLE ------------------------------------------------------------------- */

static GVariant *
characteristics_to_variant (GPtrArray *characteristics)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; characteristics != NULL && i < characteristics->len; i++)
    {
      HapCharacteristic *characteristic = g_ptr_array_index (characteristics, i);
      g_autofree char *spec = g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT,
                                               hap_sim_characteristic_aid (characteristic),
                                               hap_characteristic_get_iid (characteristic));
      g_variant_builder_add (&builder, "s", spec);
    }
  return g_variant_builder_end (&builder);
}

static GVariant *
central_to_variant (HapBleConnection *central)
{
  g_autoptr(GPtrArray) subscriptions = hap_ble_connection_dup_subscriptions (central);
  const char *controller = hap_ble_connection_get_controller_id (central);
  GVariantBuilder dict;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  hap_sim_dict_add (&dict, "address", "s", hap_ble_connection_get_address (central));
  hap_sim_dict_add (&dict, "device-path", "s", hap_ble_connection_get_device_path (central));
  hap_sim_dict_add (&dict, "controller-id", "s", controller ? controller : "");
  hap_sim_dict_add (&dict, "secured", "b", hap_ble_connection_is_secured (central));
  hap_sim_dict_add (&dict, "connected", "x", hap_ble_connection_get_connected_time (central));
  hap_sim_dict_add (&dict, "established", "x", hap_ble_connection_get_secured_time (central));
  hap_sim_dict_add (&dict, "procedures", "t", hap_ble_connection_get_n_procedures (central));
  hap_sim_dict_add (&dict, "bytes-in", "t", hap_ble_connection_get_bytes_in (central));
  hap_sim_dict_add (&dict, "bytes-out", "t", hap_ble_connection_get_bytes_out (central));
  hap_sim_dict_add_value (&dict, "subscriptions", characteristics_to_variant (subscriptions));
  return g_variant_builder_end (&dict);
}

static GVariant *
advertisement_fields_to_variant (const HapBleAdvertisementFields *fields)
{
  GVariantBuilder dict;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  hap_sim_dict_add (&dict, "sf", "y", fields->status_flags);
  hap_sim_dict_add (&dict, "device-id", "s", fields->device_id);
  hap_sim_dict_add (&dict, "acid", "q", fields->category);
  hap_sim_dict_add (&dict, "gsn", "q", fields->gsn);
  hap_sim_dict_add (&dict, "cn", "y", fields->configuration_number);
  hap_sim_dict_add (&dict, "cv", "y", fields->compatible_version);
  if (fields->has_setup_hash)
    hap_sim_dict_add_value (&dict, "setup-hash",
                            g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, fields->setup_hash, 4, 1));
  return g_variant_builder_end (&dict);
}

GVariant *
hap_sim_inspect_ble (HapSimAccessory *accessory)
{
  HapAccessoryServer *server = hap_sim_accessory_get_server (accessory);
  HapTransportFlags transports = hap_sim_accessory_get_transports (accessory);
  const char *adapter = hap_sim_accessory_get_ble_adapter (accessory);
  g_autoptr(HapBleConnection) central = NULL;
  g_autoptr(GBytes) advertisement = NULL;
  g_autoptr(GHashTable) intervals = NULL;
  HapBleAdvertisementFields fields;
  GVariantBuilder dict, list;
  guint8 advertising_id[6];
  gboolean has_key = FALSE;
  const char *in_use, *state;
  GHashTableIter iter;
  gpointer key, value;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  hap_sim_dict_add_value (&dict, "transports", transports_to_variant (transports));
  hap_sim_dict_add (&dict, "adapter", "s", adapter ? adapter : "");
  if (server == NULL || !(hap_accessory_server_get_transports (server) & HAP_TRANSPORT_BLE))
    return g_variant_builder_end (&dict);

  in_use = hap_accessory_server_get_ble_adapter (server);
  central = hap_accessory_server_dup_ble_connection (server);
  advertisement = hap_accessory_server_dup_ble_advertisement (server);
  if (in_use == NULL)
    state = "waiting";
  else if (central != NULL)
    state = "connected";
  else if (advertisement == NULL || g_bytes_get_size (advertisement) == 0)
    state = "silent";
  else
    state = "advertising";
  hap_sim_dict_add (&dict, "adapter-in-use", "s", in_use ? in_use : "");
  hap_sim_dict_add (&dict, "state", "s", state);
  hap_sim_dict_add_value (&dict, "advertisement",
                          advertisement != NULL
                          ? g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, advertisement, TRUE)
                          : g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1));
  if (advertisement != NULL &&
      hap_ble_parse_advertisement (g_bytes_get_data (advertisement, NULL), g_bytes_get_size (advertisement),
                                   &fields, NULL))
    hap_sim_dict_add_value (&dict, "advertisement-fields", advertisement_fields_to_variant (&fields));
  hap_sim_dict_add (&dict, "gsn", "u", hap_accessory_server_get_gsn (server));
  hap_sim_dict_add (&dict, "cn", "u", hap_accessory_server_get_config_number (server));

  hap_accessory_server_get_ble_broadcast (server, advertising_id, &has_key, &intervals);
  {
    g_autofree char *text = g_strdup_printf ("%02X:%02X:%02X:%02X:%02X:%02X", advertising_id[0],
                                             advertising_id[1], advertising_id[2], advertising_id[3],
                                             advertising_id[4], advertising_id[5]);
    hap_sim_dict_add (&dict, "advertising-id", "s", text);
  }
  hap_sim_dict_add (&dict, "broadcast-key", "b", has_key);
  g_variant_builder_init (&list, G_VARIANT_TYPE ("a{uu}"));
  g_hash_table_iter_init (&iter, intervals);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_builder_add (&list, "{uu}", GPOINTER_TO_UINT (key), GPOINTER_TO_UINT (value));
  hap_sim_dict_add_value (&dict, "broadcasts", g_variant_builder_end (&list));
  if (central != NULL)
    hap_sim_dict_add_value (&dict, "central", central_to_variant (central));
  return g_variant_builder_end (&dict);
}
