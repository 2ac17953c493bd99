/* hap-ble-procedure.c — one HAP-BLE request and its response (docs/protocol.md §5.6)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Checks follow the ADK's order for each opcode: the instance id, transient sessions,
 * then what the characteristic supports and who may use it (hap-access.c), then the
 * body. Reads and writes go through the core (hap-server-ops.c) like IP's.
 */
#include "hap-ble-private.h"

#include <string.h>

#include "hap-access-private.h"
#include "hap-ble-advertisement-private.h"
#include "hap-ble-signature-private.h"
#include "hap-ble-value-private.h"
#include "hap-tlv8-private.h"

typedef struct
{
  HapBleProcedureContext context;
  HapSession            *session;     /* referenced */
  HapBleProcedureDone    done;
  gpointer               user_data;
  HapCharacteristic     *characteristic;
  gboolean               return_response;
} Call;

static HapAccessoryServer *
server_of (Call *call)
{
  return _hap_ble_transport_get_server (call->context.ble);
}

/* Takes @body. */
static void
finish (Call *call, guint8 status, GBytes *body)
{
  call->done (status, body, call->user_data);
  if (body != NULL)
    g_bytes_unref (body);
  g_clear_pointer (&call->session, _hap_session_unref);
  g_free (call);
}

static void
finish_value_body (Call *call, const guint8 *data, gsize len)
{
  g_autoptr(GByteArray) body = g_byte_array_sized_new ((guint) len + 8);
  g_autoptr(GBytes) bytes = NULL;

  hap_tlv8_append (body, HAP_BLE_PARAM_VALUE, data, len);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&body));
  finish (call, HAP_BLE_PDU_STATUS_SUCCESS, g_steal_pointer (&bytes));
}

static void
finish_value (Call *call, GVariant *value)
{
  g_autoptr(GBytes) encoded = hap_ble_value_encode (hap_characteristic_get_format (call->characteristic), value);
  gsize len;
  const guint8 *data = g_bytes_get_data (encoded, &len);

  finish_value_body (call, data, len);
}

/* ---- pairing characteristics (docs/protocol.md §5.6 last paragraph) -------------------- */

typedef GByteArray *(*PairingHandler) (HapPairingContext *, HapPairingSession *,
                                       const guint8 *, gsize, GError **);

/* Runs a pairing request through its handler and answers with the response as the
 * value. */
static void
pairing_exchange (Call *call, HapBlePairingRole role, const guint8 *value, gsize len)
{
  HapAccessoryServer *server = server_of (call);
  PairingHandler handler = role == HAP_BLE_PAIRING_SETUP ? hap_pair_setup_handle
                         : role == HAP_BLE_PAIRING_VERIFY ? hap_pair_verify_handle
                         : hap_pairings_handle;
  g_autoptr(GError) error = NULL;
  g_autoptr(HapSecretBytes) response = NULL;

  /* Pairings management only in a verified, non-transient session (§3.5). */
  if (role == HAP_BLE_PAIRING_PAIRINGS &&
      (!_hap_session_is_secured (call->session) || _hap_session_is_transient (call->session)))
    {
      finish (call, HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHENTICATION, NULL);
      return;
    }
  response = handler (&server->pairing, &call->session->pairing, value, len, &error);
  if (response == NULL)
    {
      g_debug ("%s: %s", hap_accessory_get_name (server->accessory), error->message);
      finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
      return;
    }
  finish_value_body (call, response->data, response->len);
}

/* docs/protocol.md §5.6: pairing messages are written with Return-Response and the answer
 * comes back in the write's response. A controller may instead write, then read the
 * answer: the request is kept and handled at that read, as the ADK does, so that a Pair
 * Verify M4 still leaves in plaintext from a procedure that started unsecured. */
static void
pairing_write (Call *call, HapBlePairingRole role, const guint8 *value, gsize len)
{
  g_clear_pointer (call->context.pairing_request, g_bytes_unref);
  if (call->return_response)
    {
      pairing_exchange (call, role, value, len);
      return;
    }
  *call->context.pairing_request = g_bytes_new (value, len);
  *call->context.pairing_request_attribute = call->context.attribute;
  finish (call, HAP_BLE_PDU_STATUS_SUCCESS, NULL);
}

static void
pairing_read (Call *call, HapBlePairingRole role)
{
  g_autoptr(GBytes) request = NULL;
  gsize len;
  const guint8 *data;

  if (role == HAP_BLE_PAIRING_FEATURES)
    {
      finish_value (call, hap_characteristic_get_value (call->characteristic));
      return;
    }
  if (*call->context.pairing_request == NULL ||
      *call->context.pairing_request_attribute != call->context.attribute)
    {
      finish_value_body (call, NULL, 0);
      return;
    }
  request = g_steal_pointer (call->context.pairing_request);
  data = g_bytes_get_data (request, &len);
  pairing_exchange (call, role, data, len);
}

/* ---- characteristic reads and writes ------------------------------------------------- */

static void
on_read (int status, GVariant *value, gpointer user_data)
{
  Call *call = user_data;

  if (status != HAP_ACCESS_OK)
    finish (call, hap_access_to_ble_status ((HapAccess) status), NULL);
  else
    finish_value (call, value);
}

static void
characteristic_read (Call *call)
{
  HapBlePairingRole role = _hap_ble_pairing_role (call->characteristic);
  HapAccess access;

  if (role != HAP_BLE_PAIRING_NONE)
    {
      pairing_read (call, role);
      return;
    }
  access = hap_access_check_read (call->session, call->characteristic);
  if (access != HAP_ACCESS_OK)
    {
      finish (call, hap_access_to_ble_status (access), NULL);
      return;
    }
  _hap_accessory_server_read (server_of (call), call->characteristic, on_read, call);
}

static void
on_written (int status, GVariant *value, gpointer user_data)
{
  Call *call = user_data;

  if (status != HAP_ACCESS_OK)
    finish (call, hap_access_to_ble_status ((HapAccess) status), NULL);
  else if (call->return_response && value != NULL)
    finish_value (call, value);
  else
    finish (call, HAP_BLE_PDU_STATUS_SUCCESS, NULL);
}

/* The write body: 0x01 value, [0x09 return-response = 1], [0x02 AAD with 0x03 origin]. */
static void
characteristic_write (Call *call, GBytes *body, gboolean timed)
{
  HapBlePairingRole role = _hap_ble_pairing_role (call->characteristic);
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize len = 0;
  guint64 flag;
  HapAccess access;

  tlv = body != NULL ? hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL) : NULL;
  data = tlv != NULL ? hap_tlv8_get (tlv, HAP_BLE_PARAM_VALUE, &len) : NULL;
  if (data == NULL ||
      (hap_tlv8_get (tlv, HAP_BLE_PARAM_RETURN_RESPONSE, NULL) != NULL &&
       (!hap_tlv8_get_uint (tlv, HAP_BLE_PARAM_RETURN_RESPONSE, &flag) || flag != 1)) ||
      (hap_tlv8_get (tlv, HAP_BLE_PARAM_ADDITIONAL_AUTHORIZATION, NULL) != NULL &&
       hap_tlv8_get (tlv, HAP_BLE_PARAM_ORIGIN, NULL) == NULL))
    {
      finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
      return;
    }
  call->return_response = hap_tlv8_get (tlv, HAP_BLE_PARAM_RETURN_RESPONSE, NULL) != NULL;

  if (role == HAP_BLE_PAIRING_SETUP || role == HAP_BLE_PAIRING_VERIFY || role == HAP_BLE_PAIRING_PAIRINGS)
    {
      pairing_write (call, role, data, len);
      return;
    }
  access = hap_access_check_write (call->session, call->characteristic, timed);
  if (access != HAP_ACCESS_OK)
    {
      finish (call, hap_access_to_ble_status (access), NULL);
      return;
    }
  value = hap_ble_value_decode (hap_characteristic_get_format (call->characteristic), data, len, &error);
  if (value == NULL || !hap_characteristic_validate (call->characteristic, value, NULL))
    {
      finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
      return;
    }
  _hap_accessory_server_write (server_of (call), call->session, call->characteristic, value,
                               call->return_response, on_written, call);
}

static void
timed_write (Call *call, GBytes *body)
{
  g_autoptr(HapTlv8) tlv = NULL;
  guint64 ttl;

  /* §5.6: the TTL (100 ms units) and the value; the write happens at Execute Write. */
  tlv = body != NULL ? hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL) : NULL;
  if (tlv == NULL || !hap_tlv8_get_uint (tlv, HAP_BLE_PARAM_TTL, &ttl) ||
      hap_tlv8_get (tlv, HAP_BLE_PARAM_VALUE, NULL) == NULL)
    {
      finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
      return;
    }
  *call->context.timed_body = g_bytes_ref (body);
  *call->context.timed_deadline = g_get_monotonic_time () + (gint64) ttl * 100 * 1000;
  finish (call, HAP_BLE_PDU_STATUS_SUCCESS, NULL);
}

static void
execute_write (Call *call)
{
  g_autoptr(GBytes) body = g_steal_pointer (call->context.timed_body);

  if (g_get_monotonic_time () > *call->context.timed_deadline)
    {
      /* ADK: an expired timed write is Unsupported-PDU. */
      finish (call, HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, NULL);
      return;
    }
  characteristic_write (call, body, TRUE);
}

/* ---- signatures and configuration ---------------------------------------------------- */

static void
characteristic_signature_read (Call *call)
{
  HapCharacteristic *characteristic = call->characteristic;
  HapBlePairingRole role = _hap_ble_pairing_role (characteristic);
  gboolean unsecured_read = role == HAP_BLE_PAIRING_SETUP || role == HAP_BLE_PAIRING_VERIFY ||
                            role == HAP_BLE_PAIRING_FEATURES;
  gboolean unsecured_write = role == HAP_BLE_PAIRING_SETUP || role == HAP_BLE_PAIRING_VERIFY;
  g_autoptr(GBytes) body = NULL;

  /* §5.6: the pairing characteristics are described only outside a session. */
  if (unsecured_read && _hap_session_is_secured (call->session))
    {
      finish (call, HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, NULL);
      return;
    }
  body = hap_ble_characteristic_signature_build (characteristic,
                                                 hap_ble_properties_from_perms (hap_characteristic_get_perms (characteristic),
                                                                                hap_characteristic_get_format (characteristic),
                                                                                unsecured_read, unsecured_write));
  finish (call, HAP_BLE_PDU_STATUS_SUCCESS, g_steal_pointer (&body));
}

static gboolean
save_ble (Call *call)
{
  g_autoptr(GError) error = NULL;

  if (hap_storage_save_ble (server_of (call)->storage, &error))
    return TRUE;
  g_warning ("%s", error->message);
  return FALSE;
}

/* §5.6 Characteristic Configuration: broadcast on or off, with an interval. */
static void
characteristic_configuration (Call *call, GBytes *body)
{
  HapStorage *storage = server_of (call)->storage;
  HapCharacteristic *characteristic = call->characteristic;
  gpointer key = GUINT_TO_POINTER ((guint) hap_characteristic_get_iid (characteristic));
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gboolean can_broadcast = (hap_characteristic_get_perms (characteristic) & HAP_PERM_EVENTS) &&
                           hap_ble_format_can_broadcast (hap_characteristic_get_format (characteristic));
  guint16 properties;
  guint64 interval = HAP_BLE_BROADCAST_INTERVAL_20_MS;
  gpointer current;

  if (body != NULL && g_bytes_get_size (body) > 0)
    {
      tlv = hap_tlv8_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL);
      if (tlv == NULL || !hap_ble_tlv_get_le16 (tlv, HAP_BLE_CHARACTERISTIC_CONFIG_PROPERTIES, &properties) ||
          (properties & ~HAP_BLE_CHARACTERISTIC_CONFIG_ENABLE_BROADCAST) != 0 ||
          (hap_tlv8_get (tlv, HAP_BLE_CHARACTERISTIC_CONFIG_BROADCAST_INTERVAL, NULL) != NULL &&
           (!hap_tlv8_get_uint (tlv, HAP_BLE_CHARACTERISTIC_CONFIG_BROADCAST_INTERVAL, &interval) ||
            interval < HAP_BLE_BROADCAST_INTERVAL_20_MS || interval > HAP_BLE_BROADCAST_INTERVAL_2560_MS)) ||
          ((properties & HAP_BLE_CHARACTERISTIC_CONFIG_ENABLE_BROADCAST) && !can_broadcast))
        {
          finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
          return;
        }
      if (properties & HAP_BLE_CHARACTERISTIC_CONFIG_ENABLE_BROADCAST)
        g_hash_table_insert (storage->broadcast, key, GUINT_TO_POINTER ((guint) interval));
      else
        g_hash_table_remove (storage->broadcast, key);
      if (!save_ble (call))
        {
          finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
          return;
        }
    }
  /* The configuration now in force. */
  if (g_hash_table_lookup_extended (storage->broadcast, key, NULL, &current))
    {
      hap_ble_tlv_append_le16 (out, HAP_BLE_CHARACTERISTIC_CONFIG_PROPERTIES,
                               HAP_BLE_CHARACTERISTIC_CONFIG_ENABLE_BROADCAST);
      hap_tlv8_append_uint8 (out, HAP_BLE_CHARACTERISTIC_CONFIG_BROADCAST_INTERVAL,
                             (guint8) GPOINTER_TO_UINT (current));
    }
  else
    hap_ble_tlv_append_le16 (out, HAP_BLE_CHARACTERISTIC_CONFIG_PROPERTIES, 0);
  finish (call, HAP_BLE_PDU_STATUS_SUCCESS, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
}

/* §5.6 Protocol Configuration, on the Protocol Information service's A5. */
static void
protocol_configuration (Call *call, GBytes *body)
{
  HapAccessoryServer *server = server_of (call);
  HapStorage *storage = server->storage;
  g_autoptr(HapTlv8) tlv = NULL;
  const guint8 *advertising_id;
  gsize id_len, len;
  gboolean generate, get_all;
  g_autoptr(GByteArray) out = NULL;

  tlv = hap_tlv8_parse (body != NULL ? g_bytes_get_data (body, NULL) : NULL,
                        body != NULL ? g_bytes_get_size (body) : 0, NULL);
  if (tlv == NULL)
    {
      finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
      return;
    }
  generate = hap_tlv8_get (tlv, HAP_BLE_PROTOCOL_CONFIG_GENERATE_BROADCAST_KEY, &len) != NULL;
  if (generate && len != 0)
    generate = FALSE, len = 1;
  get_all = hap_tlv8_get (tlv, HAP_BLE_PROTOCOL_CONFIG_GET_ALL, &len) != NULL && len == 0;
  advertising_id = hap_tlv8_get (tlv, HAP_BLE_PROTOCOL_CONFIG_SET_ADVERTISING_ID, &id_len);
  if (advertising_id != NULL && id_len != HAP_BLE_DEVICE_ID_LEN)
    {
      finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
      return;
    }

  if (generate)
    {
      const char *controller = _hap_session_get_controller_id (call->session);
      HapPairing *pairing = controller != NULL ? hap_storage_find_pairing (storage, controller, strlen (controller))
                                               : NULL;

      if (pairing == NULL)
        {
          finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
          return;
        }
      /* §2.3: HKDF(session shared secret, salt = the controller's LTPK); it expires
       * 32767 GSN steps from now (§5.10). */
      hap_ble_broadcast_key_derive (call->session->pairing.shared_secret, pairing->public_key,
                                    storage->broadcast_key);
      storage->has_broadcast_key = TRUE;
      storage->broadcast_key_gsn = storage->gsn;
    }
  if (advertising_id != NULL)
    {
      memcpy (storage->advertising_id, advertising_id, HAP_BLE_DEVICE_ID_LEN);
      storage->has_advertising_id = TRUE;
    }
  if ((generate || advertising_id != NULL) && !save_ble (call))
    {
      finish (call, HAP_BLE_PDU_STATUS_INVALID_REQUEST, NULL);
      return;
    }
  if (!get_all)
    {
      finish (call, HAP_BLE_PDU_STATUS_SUCCESS, NULL);
      return;
    }

  out = g_byte_array_sized_new (64);
  hap_ble_tlv_append_le16 (out, HAP_BLE_PROTOCOL_CONFIG_STATE_NUMBER, (guint16) storage->gsn);
  hap_tlv8_append_uint8 (out, HAP_BLE_PROTOCOL_CONFIG_CONFIG_NUMBER,
                         (guint8) ((storage->config_number - 1) % 255 + 1));
  if (storage->has_advertising_id)
    hap_tlv8_append (out, HAP_BLE_PROTOCOL_CONFIG_ADVERTISING_ID, storage->advertising_id, HAP_BLE_DEVICE_ID_LEN);
  else
    {
      guint8 id[HAP_BLE_DEVICE_ID_LEN];

      hap_ble_device_id_parse (storage->device_id, id);
      hap_tlv8_append (out, HAP_BLE_PROTOCOL_CONFIG_ADVERTISING_ID, id, sizeof id);
    }
  if (storage->has_broadcast_key)
    hap_tlv8_append (out, HAP_BLE_PROTOCOL_CONFIG_BROADCAST_KEY, storage->broadcast_key, HAP_BLE_BROADCAST_KEY_LEN);
  {
    g_autoptr(GBytes) bytes = g_bytes_new (out->data, out->len);

    sodium_memzero (out->data, out->len);
    finish (call, HAP_BLE_PDU_STATUS_SUCCESS, g_steal_pointer (&bytes));
  }
}

/* ---- dispatch ------------------------------------------------------------------------ */

void
_hap_ble_procedure_run (const HapBleProcedureContext *context,
                        const HapBleRequest          *request,
                        HapBleProcedureDone           done,
                        gpointer                      user_data)
{
  Call *call = g_new0 (Call, 1);
  HapBleAttribute *attribute = context->attribute;
  gboolean service_level = hap_ble_opcode_is_service_level (request->opcode);
  gboolean signature = _hap_ble_is_service_signature (attribute->characteristic);
  guint16 iid = service_level ? (guint16) hap_service_get_iid (attribute->service) : attribute->iid;

  call->context = *context;
  call->session = _hap_session_ref (context->session);
  call->done = done;
  call->user_data = user_data;
  call->characteristic = attribute->characteristic;

  if (hap_ble_opcode_to_string (request->opcode) == NULL ||
      request->opcode >= HAP_BLE_OPCODE_TOKEN)
    {
      /* §5.2: unknown opcodes, and the MFi token ones this accessory has no use for. */
      finish (call, HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, NULL);
      return;
    }
  /* One procedure per characteristic: a Timed Write waits for its Execute Write. */
  if ((*context->timed_body != NULL) != (request->opcode == HAP_BLE_OPCODE_CHARACTERISTIC_EXECUTE_WRITE))
    {
      finish (call, HAP_BLE_PROCEDURE_DROP, NULL);
      return;
    }
  if (request->iid != iid)
    {
      /* §5.6: an unknown service iid still gets a Service Signature (empty). */
      if (request->opcode == HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ && signature)
        finish (call, HAP_BLE_PDU_STATUS_SUCCESS, hap_ble_service_signature_build (NULL, FALSE));
      else
        finish (call, HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID, NULL);
      return;
    }
  /* §3.6: transient sessions may not use characteristics or configuration. */
  if (_hap_session_is_transient (call->session) &&
      request->opcode != HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ &&
      request->opcode != HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ)
    {
      finish (call, HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, NULL);
      return;
    }

  switch (request->opcode)
    {
    case HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ:
      characteristic_signature_read (call);
      break;
    case HAP_BLE_OPCODE_CHARACTERISTIC_WRITE:
      characteristic_write (call, request->body, FALSE);
      break;
    case HAP_BLE_OPCODE_CHARACTERISTIC_READ:
      characteristic_read (call);
      break;
    case HAP_BLE_OPCODE_CHARACTERISTIC_TIMED_WRITE:
      timed_write (call, request->body);
      break;
    case HAP_BLE_OPCODE_CHARACTERISTIC_EXECUTE_WRITE:
      execute_write (call);
      break;
    case HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ:
      if (!signature)
        finish (call, HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, NULL);
      else
        finish (call, HAP_BLE_PDU_STATUS_SUCCESS,
                hap_ble_service_signature_build (attribute->service,
                                                 _hap_ble_is_protocol_information (attribute->service)));
      break;
    case HAP_BLE_OPCODE_CHARACTERISTIC_CONFIGURATION:
      /* §5.6: only in a secure session. */
      if (!_hap_session_is_secured (call->session))
        finish (call, HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, NULL);
      else
        characteristic_configuration (call, request->body);
      break;
    case HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION:
      if (!signature || !_hap_ble_is_protocol_information (attribute->service) ||
          !_hap_session_is_secured (call->session))
        finish (call, HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU, NULL);
      else
        protocol_configuration (call, request->body);
      break;
    default:
      g_assert_not_reached ();
    }
}
