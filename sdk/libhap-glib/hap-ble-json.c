/* hap-ble-json.c — see hap-ble-json-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ble-json-private.h"

#include <string.h>

#include "hap-ble-pdu-private.h"
#include "hap-ble-value-private.h"
#include "hap-catalog.h"

HapStatus
hap_ble_status_to_hap (guint8 status)
{
  switch (status)
    {
    case HAP_BLE_PDU_STATUS_SUCCESS:                     return HAP_STATUS_SUCCESS;
    case HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU:             return HAP_STATUS_INVALID_VALUE;
    case HAP_BLE_PDU_STATUS_MAX_PROCEDURES:              return HAP_STATUS_BUSY;
    case HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHORIZATION:  return HAP_STATUS_INSUFFICIENT_AUTHORIZATION;
    case HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID:         return HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
    case HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHENTICATION: return HAP_STATUS_INSUFFICIENT_PRIVILEGES;
    case HAP_BLE_PDU_STATUS_INVALID_REQUEST:             return HAP_STATUS_INVALID_VALUE;
    default:                                             return HAP_STATUS_UNABLE_TO_COMMUNICATE;
    }
}

gboolean
hap_ble_status_error (GError **error, guint8 status, const char *what)
{
  HapStatus hap_status = hap_ble_status_to_hap (status);
  const char *name = hap_ble_pdu_status_to_string (status);

  if (name != NULL)
    g_set_error (error, HAP_STATUS_ERROR, hap_status, "%s: HAP-BLE %s (%d %s)", what, name, hap_status,
                 hap_status_to_string (hap_status));
  else
    g_set_error (error, HAP_STATUS_ERROR, hap_status, "%s: HAP-BLE status 0x%02X (%d %s)", what, status,
                 hap_status, hap_status_to_string (hap_status));
  return FALSE;
}

void
hap_ble_json_signature_free (gpointer signature)
{
  if (signature == NULL)
    return;
  hap_ble_characteristic_signature_clear (signature);
  g_free (signature);
}

/* Parses text this file wrote itself. */
static JsonNode *
parse_own_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_data (parser, text, -1, NULL))
    g_return_val_if_reached (json_node_new (JSON_NODE_NULL));
  return json_node_ref (json_parser_get_root (parser));
}

/* Appends a characteristic object with "aid":1 first, the way the IP server writes it. A
 * characteristic rebuilt from its signature has no accessory, so the aid is added here
 * and the rest is the model's own writer. */
static void
append_characteristic (GString *out, HapCharacteristic *characteristic, HapJsonFlags flags, GVariant *value,
                       gboolean subscribed)
{
  g_autoptr(GString) object = g_string_new (NULL);

  _hap_characteristic_append_json (characteristic, object, flags & ~HAP_JSON_AID, value, subscribed);
  g_string_append_printf (out, "{\"aid\":%d,%s", HAP_BLE_AID, object->str + 1);
}

/* ---- the accessory database ---- */

static void
db_characteristic_clear (gpointer data)
{
  HapBleDbCharacteristic *characteristic = data;

  g_clear_pointer (&characteristic->signature, g_bytes_unref);
  g_clear_pointer (&characteristic->value, g_bytes_unref);
}

HapBleDbService *
hap_ble_db_service_new (guint16 iid, const char *type_uuid, GBytes *signature)
{
  HapBleDbService *service = g_new0 (HapBleDbService, 1);

  service->iid = iid;
  service->type_uuid = g_strdup (type_uuid);
  service->signature = signature != NULL ? g_bytes_ref (signature) : NULL;
  service->characteristics = g_array_new (FALSE, TRUE, sizeof (HapBleDbCharacteristic));
  g_array_set_clear_func (service->characteristics, db_characteristic_clear);
  return service;
}

void
hap_ble_db_service_free (HapBleDbService *service)
{
  if (service == NULL)
    return;
  g_free (service->type_uuid);
  g_clear_pointer (&service->signature, g_bytes_unref);
  g_array_unref (service->characteristics);
  g_free (service);
}

void
hap_ble_db_service_add (HapBleDbService *service, guint16 iid, GBytes *signature, GBytes *value)
{
  HapBleDbCharacteristic characteristic = {
    iid, g_bytes_ref (signature), value != NULL ? g_bytes_ref (value) : NULL,
  };

  g_array_append_val (service->characteristics, characteristic);
}

static gboolean
append_db_characteristic (GString *out, HapBleDbService *service, HapBleDbCharacteristic *entry, GError **error)
{
  g_auto(HapBleCharacteristicSignature) signature = { 0 };
  g_autoptr(HapCharacteristic) characteristic = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *service_uuid = hap_uuid_normalize (service->type_uuid);
  HapJsonFlags flags = HAP_JSON_DB;

  if (!hap_ble_characteristic_signature_parse (g_bytes_get_data (entry->signature, NULL),
                                               g_bytes_get_size (entry->signature), &signature, error))
    {
      g_prefix_error (error, "characteristic %u: ", entry->iid);
      return FALSE;
    }
  /* The signature names its service: it must be the one the GATT layout put it in. */
  if (signature.service_iid != service->iid || g_strcmp0 (signature.service_type_uuid, service_uuid) != 0)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "characteristic %u: its signature names service %u (%s), it is in service %u (%s)",
                   entry->iid, signature.service_iid, signature.service_type_uuid, service->iid, service_uuid);
      return FALSE;
    }
  characteristic = hap_ble_characteristic_signature_create (&signature, entry->iid);
  if (entry->value != NULL)
    {
      value = hap_ble_value_decode (signature.format, g_bytes_get_data (entry->value, NULL),
                                    g_bytes_get_size (entry->value), error);
      if (value == NULL)
        {
          g_prefix_error (error, "characteristic %u: ", entry->iid);
          return FALSE;
        }
    }
  else
    flags &= ~HAP_JSON_VALUE;
  _hap_characteristic_append_json (characteristic, out, flags, value, FALSE);
  return TRUE;
}

static gboolean
append_db_service (GString *out, HapBleDbService *service, GError **error)
{
  g_auto(HapBleServiceSignature) signature = { 0 };
  g_autofree char *type = hap_uuid_to_short (service->type_uuid);

  if (service->signature != NULL &&
      !hap_ble_service_signature_parse (g_bytes_get_data (service->signature, NULL),
                                        g_bytes_get_size (service->signature), &signature, error))
    {
      g_prefix_error (error, "service %u: ", service->iid);
      return FALSE;
    }
  /* The object _hap_accessory_append_json() writes, key for key (§4.10). */
  g_string_append_printf (out, "{\"iid\":%u,\"type\":", service->iid);
  hap_json_append_string (out, type != NULL ? type : service->type_uuid);
  g_string_append_printf (out, ",\"primary\":%s,\"hidden\":%s,\"linked\":[",
                          signature.properties & HAP_BLE_SERVICE_PROPERTY_PRIMARY ? "true" : "false",
                          signature.properties & HAP_BLE_SERVICE_PROPERTY_HIDDEN ? "true" : "false");
  for (guint i = 0; signature.linked_iids != NULL && i < signature.linked_iids->len; i++)
    g_string_append_printf (out, "%s%u", i > 0 ? "," : "", g_array_index (signature.linked_iids, guint16, i));
  g_string_append (out, "],\"characteristics\":[");
  for (guint i = 0; i < service->characteristics->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      if (!append_db_characteristic (out, service, &g_array_index (service->characteristics,
                                                                  HapBleDbCharacteristic, i), error))
        return FALSE;
    }
  g_string_append (out, "]}");
  return TRUE;
}

JsonNode *
hap_ble_accessories_to_json (GPtrArray *services, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_string_append_printf (out, "{\"accessories\":[{\"aid\":%d,\"services\":[", HAP_BLE_AID);
  for (guint i = 0; i < services->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      if (!append_db_service (out, g_ptr_array_index (services, i), error))
        return NULL;
    }
  g_string_append (out, "]}]}");
  return parse_own_json (out->str);
}

/* ---- /characteristics ---- */

static gboolean
bad_query (GError **error, const char *target, const char *why)
{
  g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "“%s”: %s", target, why);
  return FALSE;
}

static gboolean
parse_ids (const char *list, GArray *ids)
{
  g_auto(GStrv) items = g_strsplit (list, ",", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (items[i], ".", -1);
      guint64 aid, iid;
      gint64 pair[2];

      if (g_strv_length (parts) != 2 ||
          !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT32, &aid, NULL) ||
          !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT32, &iid, NULL))
        return FALSE;
      pair[0] = (gint64) aid;
      pair[1] = (gint64) iid;
      g_array_append_vals (ids, pair, 2);
    }
  return ids->len > 0;
}

gboolean
hap_ble_parse_characteristics_query (const char *target, GArray *ids, HapJsonFlags *flags, GError **error)
{
  static const struct { const char *name; HapJsonFlags flag; } options[] = {
    { "meta", HAP_JSON_META }, { "perms", HAP_JSON_PERMS }, { "type", HAP_JSON_TYPE }, { "ev", HAP_JSON_EV },
  };
  g_auto(GStrv) parameters = NULL;
  gboolean have_ids = FALSE;

  *flags = 0;
  if (!g_str_has_prefix (target, "/characteristics?"))
    return bad_query (error, target, "not a /characteristics?… query");
  parameters = g_strsplit (target + strlen ("/characteristics?"), "&", -1);
  for (guint i = 0; parameters[i] != NULL; i++)
    {
      const char *eq = strchr (parameters[i], '=');
      g_autofree char *name = eq != NULL ? g_strndup (parameters[i], (gsize) (eq - parameters[i])) : NULL;
      gboolean known = FALSE;

      if (eq == NULL)
        return bad_query (error, target, "a parameter without a value");
      if (g_str_equal (name, "id"))
        {
          if (have_ids || !parse_ids (eq + 1, ids))
            return bad_query (error, target, "id must be a list of AID.IID");
          have_ids = known = TRUE;
        }
      for (guint j = 0; j < G_N_ELEMENTS (options); j++)
        if (g_str_equal (name, options[j].name))
          {
            /* §4.5: 1 asks for the member; 0 (or absent) does not. */
            if (!g_str_equal (eq + 1, "1") && !g_str_equal (eq + 1, "0"))
              return bad_query (error, target, "meta, perms, type and ev take 0 or 1");
            if (g_str_equal (eq + 1, "1"))
              *flags |= options[j].flag;
            known = TRUE;
          }
      if (!known)
        return bad_query (error, target, "unknown parameter");
    }
  return have_ids || bad_query (error, target, "no id parameter");
}

void
hap_ble_characteristic_result_clear (HapBleCharacteristicResult *result)
{
  g_clear_object (&result->characteristic);
  g_clear_pointer (&result->value, g_variant_unref);
}

JsonNode *
hap_ble_characteristics_to_json (GArray *results, gboolean is_write, HapJsonFlags read_flags, guint *out_status)
{
  g_autoptr(GString) out = g_string_new ("{\"characteristics\":[");
  gboolean all_ok = TRUE, any_value = FALSE;

  for (guint i = 0; i < results->len; i++)
    {
      HapBleCharacteristicResult *result = &g_array_index (results, HapBleCharacteristicResult, i);

      all_ok &= result->status == HAP_STATUS_SUCCESS;
      any_value |= result->value != NULL;
    }
  if (is_write && all_ok && !any_value)
    {
      *out_status = 204;
      return json_node_new (JSON_NODE_NULL);
    }

  for (guint i = 0; i < results->len; i++)
    {
      HapBleCharacteristicResult *result = &g_array_index (results, HapBleCharacteristicResult, i);

      if (i > 0)
        g_string_append_c (out, ',');
      if (result->status == HAP_STATUS_SUCCESS && result->characteristic != NULL &&
          (!is_write || result->value != NULL))
        {
          append_characteristic (out, result->characteristic,
                                 HAP_JSON_VALUE | (is_write ? 0 : read_flags), result->value,
                                 result->subscribed);
          if (is_write || !all_ok)
            {
              g_string_truncate (out, out->len - 1);
              g_string_append (out, ",\"status\":0}");
            }
        }
      else
        g_string_append_printf (out, "{\"aid\":%" G_GINT64_FORMAT ",\"iid\":%" G_GINT64_FORMAT ",\"status\":%d}",
                                result->aid, result->iid, result->status);
    }
  g_string_append (out, "]}");
  *out_status = !is_write && all_ok ? 200 : 207;
  return parse_own_json (out->str);
}

GBytes *
hap_ble_value_from_json (HapFormat format, JsonNode *node, GError **error)
{
  GVariant *floating = _hap_value_from_json (format, node, error);
  g_autoptr(GVariant) value = NULL;

  if (floating == NULL)
    return NULL;
  value = g_variant_ref_sink (floating);
  return hap_ble_value_encode (format, value);
}

JsonNode *
hap_ble_event_to_json (HapCharacteristic *characteristic, GVariant *value)
{
  g_autoptr(GString) out = g_string_new ("{\"characteristics\":[");

  g_autofree char *json = NULL;

  append_characteristic (out, characteristic, HAP_JSON_VALUE, value, FALSE);
  g_string_append (out, "]}");
  /* Not out->str: GLib 2.76+ inlines g_string_append with a NULL branch, and gcc 14's
   * -Wnull-dereference then flags the dereference that follows. */
  json = g_string_free (g_steal_pointer (&out), FALSE);
  return parse_own_json (json);
}

/* ---- discovery ---- */

JsonNode *
hap_ble_advertisement_record (const char *adapter, const char *address, const char *name, const gint16 *rssi,
                              const HapBleAdvertisement *advertisement)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *device_id = hap_ble_device_id_to_string (advertisement->device_id);
  const char *category = hap_catalog_category_name (advertisement->category);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "advertisement");
  json_builder_set_member_name (builder, "adapter");
  json_builder_add_string_value (builder, adapter);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, address);
  json_builder_set_member_name (builder, "name");
  if (name != NULL)
    json_builder_add_string_value (builder, name);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "rssi");
  if (rssi != NULL)
    json_builder_add_int_value (builder, *rssi);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "device_id");
  json_builder_add_string_value (builder, device_id);
  json_builder_set_member_name (builder, "category_id");
  json_builder_add_int_value (builder, advertisement->category);
  json_builder_set_member_name (builder, "category");
  if (category != NULL)
    json_builder_add_string_value (builder, category);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "gsn");
  json_builder_add_int_value (builder, advertisement->gsn);
  json_builder_set_member_name (builder, "configuration_number");
  json_builder_add_int_value (builder, advertisement->configuration_number);
  json_builder_set_member_name (builder, "compatible_version");
  json_builder_add_int_value (builder, advertisement->compatible_version);
  json_builder_set_member_name (builder, "status_flags");
  json_builder_add_int_value (builder, advertisement->status_flags);
  /* §5.9: SF bit 0 is set while the accessory is not paired. */
  json_builder_set_member_name (builder, "paired");
  json_builder_add_boolean_value (builder, !(advertisement->status_flags & HAP_BLE_ADV_STATUS_NOT_PAIRED));
  json_builder_set_member_name (builder, "setup_hash");
  if (advertisement->has_setup_hash)
    {
      char hex[2 * HAP_BLE_SETUP_HASH_LEN + 1];

      for (guint i = 0; i < HAP_BLE_SETUP_HASH_LEN; i++)
        g_snprintf (hex + 2 * i, 3, "%02x", advertisement->setup_hash[i]);
      json_builder_add_string_value (builder, hex);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

JsonNode *
hap_ble_notification_record (const char *adapter, const char *address, const guint8 advertising_id[6],
                             const char *device_id, const HapBleEncryptedNotification *notification, int format)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *advertiser = hap_ble_device_id_to_string (advertising_id);
  char hex[2 * HAP_BLE_BROADCAST_VALUE_LEN + 1];

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "notification");
  json_builder_set_member_name (builder, "adapter");
  json_builder_add_string_value (builder, adapter);
  json_builder_set_member_name (builder, "address");
  json_builder_add_string_value (builder, address);
  json_builder_set_member_name (builder, "advertising_id");
  json_builder_add_string_value (builder, advertiser);
  json_builder_set_member_name (builder, "decrypted");
  json_builder_add_boolean_value (builder, notification != NULL);
  if (notification != NULL)
    {
      json_builder_set_member_name (builder, "device_id");
      json_builder_add_string_value (builder, device_id);
      json_builder_set_member_name (builder, "aid");
      json_builder_add_int_value (builder, HAP_BLE_AID);
      json_builder_set_member_name (builder, "iid");
      json_builder_add_int_value (builder, notification->iid);
      json_builder_set_member_name (builder, "gsn");
      json_builder_add_int_value (builder, notification->gsn);
      for (guint i = 0; i < HAP_BLE_BROADCAST_VALUE_LEN; i++)
        g_snprintf (hex + 2 * i, 3, "%02x", notification->value[i]);
      json_builder_set_member_name (builder, "value_hex");
      json_builder_add_string_value (builder, hex);
      if (format >= 0 && format <= HAP_FORMAT_DATA && hap_ble_format_can_broadcast ((HapFormat) format))
        {
          g_autoptr(GVariant) value = hap_ble_encrypted_notification_get_value (notification, (HapFormat) format,
                                                                                NULL);

          if (value != NULL)
            {
              g_autoptr(GString) text = g_string_new (NULL);

              hap_json_append_value (text, (HapFormat) format, value);
              json_builder_set_member_name (builder, "value");
              json_builder_add_value (builder, parse_own_json (text->str));
            }
        }
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
