/* hap-sim-trace-ble.c — HAP over BLE in the trace: PDUs, links, indications,
 * advertisements and broadcast notifications (hap-sim-trace.h documents the lines)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The hooks (hap-inspection.h) hand over each request and response after decryption
 * and reassembly, so an entry is one PDU with its fragments joined. Unlike the IP
 * entries, BLE entries are formatted when recorded: PDU bodies are small, and the
 * characteristic (for its format) may be gone by the time somebody reads the trace.
 */
#include "hap-sim-trace-private.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <sodium.h>

#include <libhap-glib/hap-inspection.h>

/* A value longer than this is shown by its start ("truncated"). */
#define MAX_SHOWN_VALUE 4096

/* docs/protocol.md §5.3, §5.6, §5.7: the Additional Parameter types of the PDU bodies,
 * and the two namespaces of their own for the configuration procedures. */
static const char * const param_names[] = {
  [0x01] = "Value",                     [0x02] = "AdditionalAuthorizationData",
  [0x03] = "Origin",                    [0x04] = "CharacteristicType",
  [0x05] = "CharacteristicInstanceID",  [0x06] = "ServiceType",
  [0x07] = "ServiceInstanceID",         [0x08] = "TTL",
  [0x09] = "ReturnResponse",            [0x0A] = "CharacteristicProperties",
  [0x0B] = "UserDescription",           [0x0C] = "PresentationFormat",
  [0x0D] = "ValidRange",                [0x0E] = "StepValue",
  [0x0F] = "ServiceProperties",         [0x10] = "LinkedServices",
  [0x11] = "ValidValues",               [0x12] = "ValidValuesRange",
};
static const char * const characteristic_config_names[] = {
  [0x01] = "Properties", [0x02] = "BroadcastInterval",
};
static const char * const protocol_config_request_names[] = {
  [0x01] = "GenerateBroadcastEncryptionKey", [0x02] = "GetAllParams",
  [0x03] = "SetAccessoryAdvertisingIdentifier",
};
static const char * const protocol_config_response_names[] = {
  [0x01] = "StateNumber", [0x02] = "ConfigNumber", [0x03] = "AdvertisingIdentifier",
  [0x04] = "BroadcastEncryptionKey",
};

#define OPCODE_SIGNATURE_READ         0x01
#define OPCODE_SERVICE_SIGNATURE_READ 0x06
#define OPCODE_CHARACTERISTIC_CONFIG  0x07
#define OPCODE_PROTOCOL_CONFIG        0x08
#define PARAM_VALUE                   0x01
#define PROTOCOL_CONFIG_KEY           0x04

/* The Pairing service's characteristics (§5.8) are not in the catalog of
 * hap-types.json; their values are pairing TLV8. */
static const struct
{
  const char *uuid;
  const char *name;
  gboolean    pairing_tlv;
} pairing_characteristics[] = {
  { "0000004C-0000-1000-8000-0026BB765291", "PairSetup", TRUE },
  { "0000004E-0000-1000-8000-0026BB765291", "PairVerify", TRUE },
  { "0000004F-0000-1000-8000-0026BB765291", "PairingFeatures", FALSE },
  { "00000050-0000-1000-8000-0026BB765291", "PairingPairings", TRUE },
  { "000000A5-0000-1000-8000-0026BB765291", "ServiceSignature", FALSE },
};

static const char *
characteristic_name (HapCharacteristic *characteristic,
                     gboolean          *pairing_tlv)
{
  const char *uuid = hap_characteristic_get_type_uuid (characteristic);
  const HapCharacteristicType *type;

  *pairing_tlv = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (pairing_characteristics); i++)
    if (g_ascii_strcasecmp (uuid, pairing_characteristics[i].uuid) == 0)
      {
        *pairing_tlv = pairing_characteristics[i].pairing_tlv;
        return pairing_characteristics[i].name;
      }
  type = hap_catalog_lookup_characteristic (uuid);
  return type != NULL ? type->name : uuid;
}

static void
append_hex (GString *out, const guint8 *data, gsize len)
{
  gsize shown = MIN (len, (gsize) MAX_SHOWN_VALUE);

  g_string_append (out, "\"");
  for (gsize i = 0; i < shown; i++)
    g_string_append_printf (out, "%02x", data[i]);
  g_string_append (out, "\"");
  if (shown < len)
    g_string_append (out, ",\"truncated\":true");
}

/* ,"value":JSON of the value in @characteristic's format, or ,"hex":… with the reason
 * when it does not decode (a quirk bent it, or a controller sent garbage). */
static void
append_value (GString *out, HapCharacteristic *characteristic, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;

  if (characteristic != NULL && len <= MAX_SHOWN_VALUE &&
      (value = hap_ble_decode_value (characteristic, data, len, &error)) != NULL)
    {
      g_autoptr(JsonNode) node = json_gvariant_serialize (value);
      g_autofree char *text = json_to_string (node, FALSE);

      g_string_append_printf (out, ",\"value\":%s", text);
      return;
    }
  g_string_append (out, ",\"hex\":");
  append_hex (out, data, len);
  if (error != NULL)
    {
      g_string_append (out, ",\"value-error\":");
      hap_json_append_string (out, error->message);
    }
}

static const char *
table_name (const char * const *table, gsize n, guint8 type)
{
  return type < n ? table[type] : NULL;
}

/* ,"params":[…]: the body's TLV items, fragments of one item merged (§5.3). */
static void
append_params (GString           *out,
               guint8             opcode,
               gboolean           response,
               HapCharacteristic *characteristic,
               const guint8      *data,
               gsize              len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  gboolean pairing_tlv = FALSE;
  guint n;

  if (characteristic != NULL)
    characteristic_name (characteristic, &pairing_tlv);
  tlv = hap_tlv8_parse (data, len, &error);
  if (tlv == NULL)
    {
      /* Not TLV8 at all: the bytes as they are (a pairing body is never shown). */
      if (pairing_tlv)
        g_string_append_printf (out, ",\"redacted\":true");
      else
        {
          g_string_append (out, ",\"hex\":");
          append_hex (out, data, len);
        }
      g_string_append (out, ",\"params-error\":");
      hap_json_append_string (out, error->message);
      return;
    }

  g_string_append (out, ",\"params\":[");
  n = hap_tlv8_get_n_items (tlv);
  for (guint i = 0; i < n; i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);
      const char *name;

      if (opcode == OPCODE_CHARACTERISTIC_CONFIG)
        name = table_name (characteristic_config_names, G_N_ELEMENTS (characteristic_config_names), item->type);
      else if (opcode == OPCODE_PROTOCOL_CONFIG && response)
        name = table_name (protocol_config_response_names, G_N_ELEMENTS (protocol_config_response_names), item->type);
      else if (opcode == OPCODE_PROTOCOL_CONFIG)
        name = table_name (protocol_config_request_names, G_N_ELEMENTS (protocol_config_request_names), item->type);
      else
        name = table_name (param_names, G_N_ELEMENTS (param_names), item->type);

      if (i > 0)
        g_string_append_c (out, ',');
      if (name != NULL)
        g_string_append_printf (out, "{\"type\":\"%s\"", name);
      else
        g_string_append_printf (out, "{\"type\":\"0x%02X\"", item->type);

      if (opcode == OPCODE_PROTOCOL_CONFIG && response && item->type == PROTOCOL_CONFIG_KEY)
        /* §5.7: the broadcast encryption key is a secret. */
        g_string_append_printf (out, ",\"redacted\":true,\"length\":%" G_GSIZE_FORMAT, item->len);
      else if (item->type == PARAM_VALUE && pairing_tlv && opcode != OPCODE_PROTOCOL_CONFIG &&
               opcode != OPCODE_CHARACTERISTIC_CONFIG)
        _hap_sim_trace_append_pairing_tlv (out, item->value, item->len);
      else if (item->type == PARAM_VALUE && opcode != OPCODE_PROTOCOL_CONFIG &&
               opcode != OPCODE_CHARACTERISTIC_CONFIG && opcode != OPCODE_SIGNATURE_READ &&
               opcode != OPCODE_SERVICE_SIGNATURE_READ)
        append_value (out, characteristic, item->value, item->len);
      else if ((item->type == 0x04 || item->type == 0x06) && item->len == 16 &&
               opcode == OPCODE_SIGNATURE_READ)
        {
          /* §5.3: UUIDs travel as 16 little-endian bytes. */
          const guint8 *u = item->value;

          g_string_append_printf (out, ",\"uuid\":\"%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-"
                                  "%02X%02X%02X%02X%02X%02X\"", u[15], u[14], u[13], u[12], u[11], u[10],
                                  u[9], u[8], u[7], u[6], u[5], u[4], u[3], u[2], u[1], u[0]);
        }
      else if (item->len > 0 && item->len <= 2 &&
               !(opcode == OPCODE_SIGNATURE_READ && item->type == 0x0B))
        {
          guint number = item->value[0] | (item->len == 2 ? item->value[1] << 8 : 0);

          g_string_append_printf (out, ",\"value\":%u", number);
        }
      else if (item->len > 0)
        {
          g_string_append (out, ",\"hex\":");
          append_hex (out, item->value, item->len);
        }
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');

  /* The reader copied the values; pairing material and keys must not linger. */
  for (guint i = 0; i < n; i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

      if (item->len > 0)
        sodium_memzero ((guint8 *) item->value, item->len);
    }
}

static void
append_pdu_head (GString *out, const HapBleRequestInfo *request)
{
  const char *opcode = hap_ble_opcode_name (request->opcode);

  g_string_append (out, ",\"transport\":\"ble\"");
  if (opcode != NULL)
    g_string_append_printf (out, ",\"opcode\":\"%s\"", opcode);
  else
    g_string_append_printf (out, ",\"opcode\":\"0x%02X\"", request->opcode);
  g_string_append_printf (out, ",\"tid\":%u,\"iid\":%u", request->tid, request->iid);
  if (request->characteristic != NULL)
    {
      gboolean pairing_tlv;

      g_string_append (out, ",\"characteristic\":");
      hap_json_append_string (out, characteristic_name (request->characteristic, &pairing_tlv));
    }
}

static void
push (HapSimTrace      *trace,
      const char       *kind,
      HapBleConnection *connection,
      GString          *members)
{
  if (connection != NULL)
    _hap_sim_trace_push_members (trace, kind, hap_ble_connection_get_id (connection),
                                 hap_ble_connection_get_address (connection),
                                 hap_ble_connection_get_controller_id (connection), members->str);
  else
    _hap_sim_trace_push_members (trace, kind, 0, NULL, NULL, members->str);
}

void
hap_sim_trace_record_ble_link (HapSimTrace      *trace,
                               HapBleConnection *connection,
                               const char       *kind)
{
  g_autoptr(GString) members = g_string_new (",\"transport\":\"ble\"");

  g_return_if_fail (trace != NULL);
  g_return_if_fail (connection != NULL);
  g_return_if_fail (g_strv_contains ((const char * const[]) { "connected", "secured", "closed", NULL }, kind));

  push (trace, kind, connection, members);
}

void
hap_sim_trace_record_ble_request (HapSimTrace             *trace,
                                  HapBleConnection        *connection,
                                  const HapBleRequestInfo *request)
{
  g_autoptr(GString) members = g_string_new (NULL);
  gsize len = 0;
  const guint8 *body;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (request != NULL);

  append_pdu_head (members, request);
  body = request->body != NULL ? g_bytes_get_data (request->body, &len) : NULL;
  if (body != NULL)
    {
      append_params (members, request->opcode, FALSE, request->characteristic, body, len);
      g_string_append_printf (members, ",\"length\":%" G_GSIZE_FORMAT, len);
    }
  push (trace, "request", connection, members);
}

void
hap_sim_trace_record_ble_response (HapSimTrace              *trace,
                                   HapBleConnection         *connection,
                                   const HapBleRequestInfo  *request,
                                   const HapBleResponseInfo *response)
{
  g_autoptr(GString) members = g_string_new (NULL);
  const char *status;
  gsize len = 0;
  const guint8 *body;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (request != NULL);
  g_return_if_fail (response != NULL);

  append_pdu_head (members, request);
  if (response->tid != request->tid)
    g_string_append_printf (members, ",\"response-tid\":%u", response->tid);
  g_string_append_printf (members, ",\"status\":%u", response->status);
  if ((status = hap_ble_status_name (response->status)) != NULL)
    g_string_append_printf (members, ",\"status-name\":\"%s\"", status);
  body = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;
  if (body != NULL)
    {
      append_params (members, request->opcode, TRUE, request->characteristic, body, len);
      g_string_append_printf (members, ",\"length\":%" G_GSIZE_FORMAT, len);
    }
  if (response->max_fragment == 0)
    g_string_append (members, ",\"unfragmented\":true");
  push (trace, "response", connection, members);
}

void
hap_sim_trace_record_ble_indication (HapSimTrace       *trace,
                                     HapBleConnection  *connection,
                                     HapCharacteristic *characteristic)
{
  g_autoptr(GString) members = g_string_new (",\"transport\":\"ble\"");
  gboolean pairing_tlv;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (HAP_IS_CHARACTERISTIC (characteristic));

  g_string_append_printf (members, ",\"iid\":%" G_GUINT64_FORMAT ",\"characteristic\":",
                          hap_characteristic_get_iid (characteristic));
  hap_json_append_string (members, characteristic_name (characteristic, &pairing_tlv));
  push (trace, "indication", connection, members);
}

void
hap_sim_trace_record_ble_advertisement (HapSimTrace                   *trace,
                                        const HapBleAdvertisementInfo *info,
                                        const guint8                  *data,
                                        gsize                          len)
{
  g_autoptr(GString) members = g_string_new (",\"transport\":\"ble\"");
  gboolean broadcast;

  g_return_if_fail (trace != NULL);
  g_return_if_fail (info != NULL);
  g_return_if_fail (data != NULL || len == 0);

  broadcast = info->kind == HAP_BLE_ADVERTISEMENT_NOTIFICATION;
  g_string_append_printf (members, ",\"gsn\":%u", info->gsn);
  if (len == 0)
    g_string_append (members, ",\"withdrawn\":true");
  else if (broadcast)
    {
      /* §5.10: TY ‖ STL ‖ advertising id (6) ‖ encrypted GSN, IID, value ‖ tag: only
       * the advertising id is in the clear. */
      if (info->characteristic != NULL)
        {
          gboolean pairing_tlv;

          g_string_append_printf (members, ",\"iid\":%" G_GUINT64_FORMAT ",\"characteristic\":",
                                  hap_characteristic_get_iid (info->characteristic));
          hap_json_append_string (members, characteristic_name (info->characteristic, &pairing_tlv));
        }
      if (info->injected)
        g_string_append (members, ",\"injected\":true");
      if (len >= 8)
        g_string_append_printf (members, ",\"advertising-id\":\"%02X:%02X:%02X:%02X:%02X:%02X\"",
                                data[2], data[3], data[4], data[5], data[6], data[7]);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      HapBleAdvertisementFields fields;

      if (hap_ble_parse_advertisement (data, len, &fields, &error))
        {
          g_string_append_printf (members, ",\"fields\":{\"sf\":%u,\"device-id\":\"%s\",\"acid\":%u,"
                                  "\"gsn\":%u,\"cn\":%u,\"cv\":%u",
                                  fields.status_flags, fields.device_id, fields.category, fields.gsn,
                                  fields.configuration_number, fields.compatible_version);
          if (fields.has_setup_hash)
            g_string_append_printf (members, ",\"setup-hash\":\"%02x%02x%02x%02x\"", fields.setup_hash[0],
                                    fields.setup_hash[1], fields.setup_hash[2], fields.setup_hash[3]);
          g_string_append_c (members, '}');
        }
      else
        {
          g_string_append (members, ",\"error\":");
          hap_json_append_string (members, error->message);
        }
    }
  if (len > 0)
    {
      g_string_append (members, ",\"hex\":");
      append_hex (members, data, len);
      g_string_append_printf (members, ",\"length\":%" G_GSIZE_FORMAT, len);
    }
  push (trace, broadcast ? "broadcast" : "advertisement", NULL, members);
}
