/* hap-controller-ble-ops.c — HapControllerConnection's reads, writes, events and
 * configuration over a HAP-BLE link (docs/protocol.md §5.6), answering in the JSON of
 * HAP over IP (hap-ble-json.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-controller-ble-internal.h"

#include <string.h>

#include "hap-ble-json-private.h"
#include "hap-ble-le-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-ble-value-private.h"
#include "hap-crypto-private.h"
#include "hap-tlv8-private.h"

/* docs/protocol.md §5.6: a timed write's TTL is a uint8 in units of 100 ms. */
#define TTL_UNIT_MS 100

/* ---- one characteristic ---- */

/* HAP-Param-Value of a response body; NULL with an error when it is missing. */
GBytes *
_hap_controller_ble_response_value (GBytes *body, guint16 iid, GError **error)
{
  g_autoptr(HapTlv8) params = NULL;
  const guint8 *value;
  gsize len = 0;

  if (body != NULL &&
      (params = hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), error)) == NULL)
    return NULL;
  if (params == NULL || (value = hap_tlv8_get (params, HAP_BLE_PARAM_VALUE, &len)) == NULL)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "characteristic %u: a response without a value", iid);
      return NULL;
    }
  return g_bytes_new (value, len);
}

/* What a characteristic allows on this link, from its signature's properties (§5.4):
 * the HAP status of an operation it refuses, 0 when it allows it. */
HapStatus
_hap_controller_ble_check_access (const HapBleCharacteristicSignature *signature, gboolean write)
{
  guint16 secure = write ? HAP_BLE_PROPERTY_SECURE_WRITE : HAP_BLE_PROPERTY_SECURE_READ;
  guint16 open = write ? HAP_BLE_PROPERTY_WRITE_WITHOUT_SECURITY : HAP_BLE_PROPERTY_READ_WITHOUT_SECURITY;

  if (signature->properties & (secure | open))
    return HAP_STATUS_SUCCESS;
  return write ? HAP_STATUS_READ_ONLY : HAP_STATUS_WRITE_ONLY;
}

/* Reads @iid: its decoded value, or NULL with *@status set (no error) or with an error
 * when the link or the accessory's answer failed. */
static GVariant *
read_characteristic (HapControllerBle *self, guint16 iid, HapCharacteristic **out_model, HapStatus *status,
                     GCancellable *cancellable, GError **error)
{
  HapBleRemoteCharacteristic *target = hap_controller_ble_lookup (self, iid);
  const HapBleCharacteristicSignature *signature;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) value = NULL;
  GError *local_error = NULL;
  guint8 pdu_status;

  *status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
  if (target == NULL)
    return NULL;
  signature = hap_controller_ble_get_signature (self, iid, cancellable, &local_error);
  if (signature == NULL)
    {
      if (local_error->domain != HAP_STATUS_ERROR)
        return g_propagate_error (error, local_error), NULL;
      *status = local_error->code;
      g_error_free (local_error);
      return NULL;
    }
  if (out_model != NULL)
    *out_model = hap_ble_characteristic_signature_create (signature, iid);
  if ((*status = _hap_controller_ble_check_access (signature, FALSE)) != HAP_STATUS_SUCCESS)
    return NULL;
  if (!hap_controller_ble_transaction (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_READ, iid, NULL, &pdu_status,
                                       &body, cancellable, error))
    return NULL;
  if ((*status = hap_ble_status_to_hap (pdu_status)) != HAP_STATUS_SUCCESS)
    return NULL;
  value = _hap_controller_ble_response_value (body, iid, error);
  if (value == NULL)
    return NULL;
  return hap_ble_value_decode (signature->format, g_bytes_get_data (value, NULL), g_bytes_get_size (value), error);
}

/* Writes @json to @iid: with Characteristic Write, or Timed Write and Execute Write when
 * @ttl_ms is not 0 (docs/protocol.md §5.6). The status, and the value written back when
 * @want_response; FALSE only for an error. */
static gboolean
write_characteristic (HapControllerBle *self, guint16 iid, JsonNode *json, gboolean want_response, guint ttl_ms,
                      HapBleCharacteristicResult *result, GCancellable *cancellable, GError **error)
{
  HapBleRemoteCharacteristic *target = hap_controller_ble_lookup (self, iid);
  const HapBleCharacteristicSignature *signature;
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) response = NULL;
  GError *local_error = NULL;
  guint8 pdu_status;

  result->status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
  if (target == NULL)
    return TRUE;
  signature = hap_controller_ble_get_signature (self, iid, cancellable, &local_error);
  if (signature == NULL)
    {
      if (local_error->domain != HAP_STATUS_ERROR)
        return g_propagate_error (error, local_error), FALSE;
      result->status = local_error->code;
      g_error_free (local_error);
      return TRUE;
    }
  result->characteristic = hap_ble_characteristic_signature_create (signature, iid);
  if ((result->status = _hap_controller_ble_check_access (signature, TRUE)) != HAP_STATUS_SUCCESS)
    return TRUE;
  bytes = hap_ble_value_from_json (signature->format, json, &local_error);
  if (bytes == NULL)
    {
      result->status = local_error->code;
      g_error_free (local_error);
      return TRUE;
    }

  if (ttl_ms > 0)
    hap_tlv8_append_uint8 (request, HAP_BLE_PARAM_TTL, (guint8) CLAMP ((ttl_ms + TTL_UNIT_MS - 1) / TTL_UNIT_MS, 1, 255));
  hap_tlv8_append (request, HAP_BLE_PARAM_VALUE, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (want_response)
    hap_tlv8_append_uint8 (request, HAP_BLE_PARAM_RETURN_RESPONSE, 1);
  body = g_bytes_new (request->data, request->len);
  if (!hap_controller_ble_transaction (self, target, ttl_ms > 0 ? HAP_BLE_OPCODE_CHARACTERISTIC_TIMED_WRITE
                                                                : HAP_BLE_OPCODE_CHARACTERISTIC_WRITE,
                                       iid, body, &pdu_status, &response, cancellable, error))
    return FALSE;
  /* The TTL runs from the Timed Write's response; the Execute Write completes it. */
  if (ttl_ms > 0 && pdu_status == HAP_BLE_PDU_STATUS_SUCCESS)
    {
      g_clear_pointer (&response, g_bytes_unref);
      if (!hap_controller_ble_transaction (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_EXECUTE_WRITE, iid, NULL,
                                           &pdu_status, &response, cancellable, error))
        return FALSE;
    }
  if ((result->status = hap_ble_status_to_hap (pdu_status)) != HAP_STATUS_SUCCESS || !want_response)
    return TRUE;
  g_clear_pointer (&bytes, g_bytes_unref);
  if ((bytes = _hap_controller_ble_response_value (response, iid, error)) == NULL)
    return FALSE;
  result->value = hap_ble_value_decode (signature->format, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                        error);
  return result->value != NULL;
}

/* ---- GET and PUT: hap-controller-ble-ops-async.c, hap-controller-ble-accessories.c ---- */

static gboolean
is_type (const char *uuid, const char *type)
{
  g_autofree char *normalized = hap_uuid_normalize (type);

  return g_strcmp0 (uuid, normalized) == 0;
}

/* ---- PUT ---- */

/* The entries of {"characteristics":[…]} (§4.6), or NULL with HAP_ERROR_INVALID_DATA. */
JsonArray *
_hap_controller_ble_write_entries (JsonNode *body, GError **error)
{
  JsonObject *object = body != NULL && JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
  JsonNode *list = object != NULL ? json_object_get_member (object, "characteristics") : NULL;

  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "the body has no \"characteristics\" array");
      return NULL;
    }
  /* §4.8: over BLE a timed write is hap_controller_connection_timed_write (). */
  if (json_object_has_member (object, "pid"))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           "\"pid\" (IP timed writes) has no HAP-BLE equivalent");
      return NULL;
    }
  return json_node_get_array (list);
}

gint64
_hap_controller_ble_member_int (JsonObject *object, const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return -1;
  return json_node_get_int (node);
}

/* Subscribes to or unsubscribes from indications (§5.12): the HAP status. */
static HapStatus
set_events (HapControllerBle *self, guint16 iid, JsonNode *ev, GCancellable *cancellable, GError **error)
{
  HapBleRemoteCharacteristic *target = hap_controller_ble_lookup (self, iid);
  const HapBleCharacteristicSignature *signature;
  GError *local_error = NULL;
  HapStatus status;

  if (!JSON_NODE_HOLDS_VALUE (ev) || json_node_get_value_type (ev) != G_TYPE_BOOLEAN)
    return HAP_STATUS_INVALID_VALUE;
  if (target == NULL)
    return HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
  signature = hap_controller_ble_get_signature (self, iid, cancellable, &local_error);
  if (signature == NULL)
    {
      if (local_error->domain != HAP_STATUS_ERROR)
        return g_propagate_error (error, local_error), HAP_STATUS_SUCCESS;
      status = local_error->code;
      g_error_free (local_error);
      return status;
    }
  if (!target->indicate || !(signature->properties & HAP_BLE_PROPERTY_NOTIFY_CONNECTED))
    return HAP_STATUS_NOTIFICATION_NOT_SUPPORTED;
  /* On failure the caller sees @error; the status does not matter then. */
  hap_controller_ble_subscribe (self, target, json_node_get_boolean (ev), cancellable, error);
  return HAP_STATUS_SUCCESS;
}

static JsonNode *
write_all (HapControllerBle *self, JsonNode *body, guint ttl_ms, guint *out_status, GCancellable *cancellable,
           GError **error)
{
  g_autoptr(GArray) results = g_array_new (FALSE, TRUE, sizeof (HapBleCharacteristicResult));
  JsonArray *entries = _hap_controller_ble_write_entries (body, error);

  *out_status = 0;
  if (entries == NULL)
    return NULL;
  g_array_set_clear_func (results, (GDestroyNotify) hap_ble_characteristic_result_clear);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonNode *node = json_array_get_element (entries, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      HapBleCharacteristicResult result = { 0 };
      JsonNode *value, *ev;
      GError *local_error = NULL;

      if (entry == NULL)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "characteristics[%u] is not an object", i);
          return NULL;
        }
      result.aid = _hap_controller_ble_member_int (entry, "aid");
      result.iid = _hap_controller_ble_member_int (entry, "iid");
      value = json_object_get_member (entry, "value");
      ev = json_object_get_member (entry, "ev");
      result.status = HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
      if (result.aid == HAP_BLE_AID && result.iid > 0 && result.iid <= G_MAXUINT16)
        {
          /* §4.6: an entry writes a value, (un)subscribes, or both. */
          result.status = value == NULL && ev == NULL ? HAP_STATUS_INVALID_VALUE : HAP_STATUS_SUCCESS;
          if (ev != NULL)
            result.status = set_events (self, (guint16) result.iid, ev, cancellable, &local_error);
          if (value != NULL && local_error == NULL && result.status == HAP_STATUS_SUCCESS)
            write_characteristic (self, (guint16) result.iid, value,
                                  json_object_get_boolean_member_with_default (entry, "r", FALSE), ttl_ms, &result,
                                  cancellable, &local_error);
        }
      g_array_append_val (results, result);
      if (local_error != NULL)
        return g_propagate_error (error, local_error), NULL;
    }
  return hap_ble_characteristics_to_json (results, TRUE, 0, out_status);
}

JsonNode *
hap_controller_ble_timed_write (HapControllerBle *self, JsonNode *characteristics, guint ttl_ms,
                                guint *out_status, GCancellable *cancellable, GError **error)
{
  return write_all (self, characteristics, MAX (ttl_ms, 1), out_status, cancellable, error);
}

/* ---- events ---- */

JsonNode *
hap_controller_ble_wait_event (HapControllerBle *self, guint timeout_ms, GCancellable *cancellable, GError **error)
{
  g_autoptr(HapCharacteristic) model = NULL;
  g_autoptr(GVariant) value = NULL;
  GError *local_error = NULL;
  HapStatus status;
  guint16 iid;

  iid = hap_controller_ble_next_indication (self, timeout_ms, cancellable, &local_error);
  if (iid == 0)
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      return NULL;
    }
  /* §5.12: the indication carries nothing; the value is read. */
  value = read_characteristic (self, iid, &model, &status, cancellable, &local_error);
  if (value == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, local_error);
      else
        g_set_error (error, HAP_STATUS_ERROR, status, "reading characteristic %u after its indication: %d %s",
                     iid, status, hap_status_to_string (status));
      return NULL;
    }
  return hap_ble_event_to_json (model, value);
}

/* ---- identify ---- */

gboolean
hap_controller_ble_identify (HapControllerBle *self, GCancellable *cancellable, GError **error)
{
  HapBleRemoteCharacteristic *target = hap_controller_ble_find (self, "3E", "14");
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GBytes) body = NULL;
  guint8 status, on = 1;

  if (target == NULL)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "the accessory has no Identify characteristic");
      return FALSE;
    }
  /* Identify is a bool: write true (§5.5). Unsecured, this is the "unpaired identify"
   * the accessory allows only while it has no pairing (§5.8). */
  hap_tlv8_append (request, HAP_BLE_PARAM_VALUE, &on, 1);
  body = g_bytes_new (request->data, request->len);
  if (!hap_controller_ble_transaction (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_WRITE, target->iid, body, &status,
                                       NULL, cancellable, error))
    return FALSE;
  return status == HAP_BLE_PDU_STATUS_SUCCESS || hap_ble_status_error (error, status, "identify");
}

/* ---- broadcast configuration ---- */

/* An item of exactly @size bytes; FALSE with an error when it is present with another
 * size, *@present FALSE when absent. */
static gboolean
fixed_item (HapTlv8 *tlv, guint8 type, gsize size, const guint8 **value, GError **error)
{
  gsize len = 0;

  *value = hap_tlv8_get (tlv, type, &len);
  if (*value != NULL && len != size)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "configuration item 0x%02X has %" G_GSIZE_FORMAT
                   " bytes; it must have %" G_GSIZE_FORMAT, type, len, size);
      return FALSE;
    }
  return TRUE;
}

gboolean
hap_controller_ble_protocol_configuration (HapControllerBle *self, gboolean generate_key,
                                           HapBleProtocolParams *params, GCancellable *cancellable, GError **error)
{
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  HapBleRemoteService *service = NULL;
  GPtrArray *services = hap_controller_ble_get_services (self);
  const guint8 *gsn, *cn, *advertising_id, *key;
  guint8 status;

  memset (params, 0, sizeof *params);
  /* §5.6: addressed to the Protocol Information service (A2), through its A5. */
  for (guint i = 0; i < services->len && service == NULL; i++)
    if (is_type (((HapBleRemoteService *) g_ptr_array_index (services, i))->type_uuid, "A2"))
      service = g_ptr_array_index (services, i);
  if (service == NULL || service->service_signature == NULL)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                           "the accessory has no Protocol Information service with a Service Signature");
      return FALSE;
    }
  if (generate_key)
    hap_tlv8_append (request, HAP_BLE_PROTOCOL_CONFIG_GENERATE_BROADCAST_KEY, NULL, 0);
  hap_tlv8_append (request, HAP_BLE_PROTOCOL_CONFIG_GET_ALL, NULL, 0);
  body = g_bytes_new (request->data, request->len);
  if (!hap_controller_ble_transaction (self, service->service_signature, HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION,
                                       service->iid, body, &status, &response, cancellable, error))
    return FALSE;
  if (status != HAP_BLE_PDU_STATUS_SUCCESS)
    return hap_ble_status_error (error, status, "protocol configuration");
  if (response == NULL)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "protocol configuration: no parameters");
      return FALSE;
    }
  tlv = hap_tlv8_parse (g_bytes_get_data (response, NULL), g_bytes_get_size (response), error);
  if (tlv == NULL ||
      !fixed_item (tlv, HAP_BLE_PROTOCOL_CONFIG_STATE_NUMBER, 2, &gsn, error) ||
      !fixed_item (tlv, HAP_BLE_PROTOCOL_CONFIG_CONFIG_NUMBER, 1, &cn, error) ||
      !fixed_item (tlv, HAP_BLE_PROTOCOL_CONFIG_ADVERTISING_ID, 6, &advertising_id, error) ||
      !fixed_item (tlv, HAP_BLE_PROTOCOL_CONFIG_BROADCAST_KEY, 32, &key, error))
    return FALSE;
  if (gsn == NULL || cn == NULL || advertising_id == NULL || (generate_key && key == NULL))
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                           "protocol configuration: the GSN, configuration number, advertising id or the new "
                           "broadcast key is missing");
      return FALSE;
    }
  params->gsn = hap_ble_get_le16 (gsn);
  params->configuration_number = *cn;
  params->has_advertising_id = TRUE;
  memcpy (params->advertising_id, advertising_id, 6);
  params->has_key = key != NULL;
  if (key != NULL)
    memcpy (params->key, key, 32);
  return TRUE;
}

gboolean
hap_controller_ble_configure_characteristic (HapControllerBle *self, guint16 iid, guint8 interval,
                                             GCancellable *cancellable, GError **error)
{
  HapBleRemoteCharacteristic *target = hap_controller_ble_lookup (self, iid);
  const HapBleCharacteristicSignature *signature;
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) response = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  const guint8 *properties, *answered_interval;
  guint8 status;

  if (target == NULL)
    return hap_ble_status_error (error, HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID, "characteristic configuration");
  signature = hap_controller_ble_get_signature (self, iid, cancellable, error);
  if (signature == NULL)
    return FALSE;
  if (interval != 0 && !(signature->properties & HAP_BLE_PROPERTY_BROADCAST))
    {
      g_set_error (error, HAP_STATUS_ERROR, HAP_STATUS_NOTIFICATION_NOT_SUPPORTED,
                   "characteristic %u does not support broadcast notifications", iid);
      return FALSE;
    }
  /* §5.6: properties (bit 0: broadcast) and, when enabling, the interval. */
  hap_ble_tlv_append_le16 (request, HAP_BLE_CHARACTERISTIC_CONFIG_PROPERTIES,
                           interval != 0 ? HAP_BLE_CHARACTERISTIC_CONFIG_ENABLE_BROADCAST : 0);
  if (interval != 0)
    hap_tlv8_append_uint8 (request, HAP_BLE_CHARACTERISTIC_CONFIG_BROADCAST_INTERVAL, interval);
  body = g_bytes_new (request->data, request->len);
  if (!hap_controller_ble_transaction (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_CONFIGURATION, iid, body,
                                       &status, &response, cancellable, error))
    return FALSE;
  if (status != HAP_BLE_PDU_STATUS_SUCCESS)
    return hap_ble_status_error (error, status, "characteristic configuration");
  /* The answer is the configuration now in force: it must be the one asked for. */
  if (response == NULL ||
      (tlv = hap_tlv8_parse (g_bytes_get_data (response, NULL), g_bytes_get_size (response), error)) == NULL ||
      !fixed_item (tlv, HAP_BLE_CHARACTERISTIC_CONFIG_PROPERTIES, 2, &properties, error) ||
      !fixed_item (tlv, HAP_BLE_CHARACTERISTIC_CONFIG_BROADCAST_INTERVAL, 1, &answered_interval, error) ||
      properties == NULL ||
      ((hap_ble_get_le16 (properties) & HAP_BLE_CHARACTERISTIC_CONFIG_ENABLE_BROADCAST) != 0) != (interval != 0) ||
      (interval != 0 && (answered_interval == NULL || *answered_interval != interval)))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                     "characteristic %u: the accessory answered with another broadcast configuration", iid);
      return FALSE;
    }
  return TRUE;
}
