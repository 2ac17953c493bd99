/* hap-controller-ble.c — see hap-controller-ble-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-controller-ble-internal.h"

#include <string.h>

#include "hap-ble-advertisement-private.h"
#include "hap-ble-central-private.h"
#include "hap-ble-json-private.h"
#include "hap-ble-le-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-types.h"

typedef struct
{
  GBytes                        *body;
  gboolean                       parsed;
  HapBleCharacteristicSignature  signature;
} CachedSignature;

static void
cached_signature_free (gpointer data)
{
  CachedSignature *cached = data;

  g_bytes_unref (cached->body);
  if (cached->parsed)
    hap_ble_characteristic_signature_clear (&cached->signature);
  g_free (cached);
}

static gint64
deadline_after (guint timeout_ms)
{
  return timeout_ms == 0 ? -1 : g_get_monotonic_time () + (gint64) timeout_ms * 1000;
}

/* ---- indications ---- */

static void
on_value_changed (gpointer user_data, const char *path, GVariant *value)
{
  HapControllerBle *self = user_data;
  HapBleRemoteCharacteristic *characteristic = g_hash_table_lookup (self->map.by_path, path);
  gpointer iid;

  /* docs/protocol.md §5.12: an event is a zero-length indication. BlueZ also reports
   * every value it read as a change of Value; those are HAP responses, never empty. */
  if (characteristic == NULL || !characteristic->subscribed || g_variant_get_size (value) != 0)
    return;
  iid = GUINT_TO_POINTER (characteristic->iid);
  if (g_queue_find (&self->events, iid) == NULL && self->events.length < HAP_CONTROLLER_BLE_MAX_PENDING_EVENTS)
    g_queue_push_tail (&self->events, iid);
}

/* ---- the link ---- */

HapControllerBle *
hap_controller_ble_connect (const char *adapter, const char *address, guint timeout_ms,
                            GCancellable *cancellable, GError **error)
{
  static const HapBleCentralHandlers handlers = { .value_changed = on_value_changed };
  HapControllerBle *self;
  g_autofree char *path = NULL;
  gint64 deadline = deadline_after (timeout_ms);

  if (!hap_ble_device_id_parse (address, (guint8[6]) { 0 }))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not a Bluetooth address", address);
      return NULL;
    }
  self = g_new0 (HapControllerBle, 1);
  self->ref_count = 1;
  self->address = g_ascii_strup (address, -1);
  self->timeout_ms = timeout_ms;
  self->signatures = g_hash_table_new_full (NULL, NULL, NULL, cached_signature_free);
  randombytes_buf (&self->next_tid, 1);
  g_queue_init (&self->events);

  self->central = hap_ble_central_new (adapter, timeout_ms, cancellable, error);
  hap_ble_gatt_map_init (&self->map, self->central, timeout_ms);
  if (self->central == NULL)
    goto fail;
  hap_ble_central_set_handlers (self->central, &handlers, self);
  path = hap_ble_central_find_device (self->central, self->address, deadline, cancellable, error);
  if (path == NULL || !hap_ble_central_connect (self->central, path, deadline, cancellable, error) ||
      !hap_ble_gatt_map_read (&self->map, cancellable, error))
    goto fail;
  return self;

fail:
  hap_controller_ble_free (self);
  return NULL;
}

/* Disconnects and wipes at once; the struct itself stays while asynchronous procedures
 * hold it (their callbacks then see it closed). */
void
hap_controller_ble_free (HapControllerBle *self)
{
  if (self == NULL)
    return;
  _hap_controller_ble_unwatch_events (self);
  self->closed = TRUE;
  self->busy = FALSE;
  _hap_controller_ble_fail_waiting (self);
  g_clear_pointer (&self->central, hap_ble_central_free);
  hap_cipher_clear (&self->cipher);
  _hap_controller_ble_drop_session (self);
  g_queue_clear (&self->events);
  g_clear_pointer (&self->signatures, g_hash_table_unref);
  hap_ble_gatt_map_clear (&self->map);
  _hap_controller_ble_unref (self);
}

HapControllerBle *
_hap_controller_ble_ref (HapControllerBle *self)
{
  self->ref_count++;
  return self;
}

void
_hap_controller_ble_unref (HapControllerBle *self)
{
  if (--self->ref_count > 0)
    return;
  g_free (self->address);
  g_free (self);
}

void
hap_controller_ble_set_timeout (HapControllerBle *self, guint timeout_ms)
{
  self->timeout_ms = timeout_ms;
  self->map.timeout_ms = timeout_ms;
}

const char *
hap_controller_ble_get_address (HapControllerBle *self)
{
  return self->address;
}

const char *
hap_controller_ble_get_adapter (HapControllerBle *self)
{
  return hap_ble_central_get_adapter (self->central);
}

const char *
hap_controller_ble_get_advertised_id (HapControllerBle *self)
{
  return self->map.advertised_id;
}

gboolean
hap_controller_ble_is_connected (HapControllerBle *self)
{
  return hap_ble_central_is_connected (self->central);
}

gboolean
hap_controller_ble_is_secure (HapControllerBle *self)
{
  return self->secure;
}

void
_hap_controller_ble_drop_session (HapControllerBle *self)
{
  self->secure = FALSE;
  self->has_shared_secret = FALSE;
  hap_cipher_clear (&self->cipher);
  sodium_memzero (self->shared_secret, sizeof self->shared_secret);
}

void
hap_controller_ble_set_session (HapControllerBle *self, guint8 encrypt_key[32], guint8 decrypt_key[32],
                                const guint8 *shared_secret)
{
  _hap_controller_ble_drop_session (self);
  /* The controller seals with Control-Write and opens with Control-Read (§3.2). */
  hap_cipher_init (&self->cipher, decrypt_key, encrypt_key);
  sodium_memzero (encrypt_key, 32);
  sodium_memzero (decrypt_key, 32);
  self->secure = TRUE;
  if (shared_secret != NULL)
    {
      memcpy (self->shared_secret, shared_secret, 32);
      self->has_shared_secret = TRUE;
    }
}

gboolean
hap_controller_ble_get_shared_secret (HapControllerBle *self, guint8 shared_secret[32])
{
  if (!self->has_shared_secret)
    return FALSE;
  memcpy (shared_secret, self->shared_secret, 32);
  return TRUE;
}

GPtrArray *
hap_controller_ble_get_services (HapControllerBle *self)
{
  return self->map.services;
}

HapBleRemoteCharacteristic *
hap_controller_ble_lookup (HapControllerBle *self, guint16 iid)
{
  return g_hash_table_lookup (self->map.by_iid, GUINT_TO_POINTER (iid));
}

HapBleRemoteCharacteristic *
hap_controller_ble_find (HapControllerBle *self, const char *service_type, const char *type)
{
  g_autofree char *service_uuid = hap_uuid_normalize (service_type);
  g_autofree char *uuid = hap_uuid_normalize (type);

  for (guint i = 0; i < self->map.services->len; i++)
    {
      HapBleRemoteService *service = g_ptr_array_index (self->map.services, i);

      if (g_strcmp0 (service->type_uuid, service_uuid) != 0)
        continue;
      for (guint j = 0; j < service->characteristics->len; j++)
        {
          HapBleRemoteCharacteristic *characteristic = g_ptr_array_index (service->characteristics, j);

          if (g_strcmp0 (characteristic->type_uuid, uuid) == 0)
            return characteristic;
        }
    }
  return NULL;
}

/* ---- transactions ---- */

gboolean
_hap_controller_ble_link_lost (HapControllerBle *self, GError **error)
{
  /* Connected=false may be waiting among the signals that came during our calls. */
  hap_ble_central_dispatch (self->central);
  if (hap_ble_central_is_connected (self->central))
    return FALSE;
  _hap_controller_ble_drop_session (self);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "the accessory %s disconnected", self->address);
  return TRUE;
}

static gboolean
refuse_busy (HapControllerBle *self, GError **error)
{
  if (!self->busy)
    return FALSE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING, "another HAP-BLE procedure is in progress");
  return TRUE;
}

/* The blocking procedure: the steps of hap-controller-ble-exchange.c with blocking GATT
 * calls in between. */
gboolean
hap_controller_ble_transaction (HapControllerBle *self, HapBleRemoteCharacteristic *target, guint8 opcode,
                                guint16 iid, GBytes *body, guint8 *out_status, GBytes **out_body,
                                GCancellable *cancellable, GError **error)
{
  HapBleExchange exchange;
  gboolean ok = FALSE;

  if (refuse_busy (self, error) || !_hap_ble_exchange_init (&exchange, self, target, opcode, iid, body, error))
    return FALSE;
  for (;;)
    {
      g_autoptr(GBytes) fragment = _hap_ble_exchange_next_request (&exchange);

      if (fragment == NULL)
        break;
      if (!hap_ble_central_write_value (self->central, target->path, g_bytes_get_data (fragment, NULL),
                                        g_bytes_get_size (fragment), exchange.deadline, cancellable, error))
        {
          _hap_controller_ble_link_lost (self, NULL);
          goto out;
        }
    }
  /* docs/protocol.md §5.7: the response is read back from the same characteristic, one
   * GATT read per fragment. */
  for (;;)
    {
      g_autoptr(GBytes) value = hap_ble_central_read_value (self->central, target->path,
                                                            HAP_BLUEZ_CHARACTERISTIC_INTERFACE, exchange.deadline,
                                                            cancellable, error);
      HapBlePduResult result;

      if (value == NULL)
        {
          _hap_controller_ble_link_lost (self, NULL);
          goto out;
        }
      result = _hap_ble_exchange_take_response (&exchange, value, error);
      if (result == HAP_BLE_PDU_ERROR)
        goto out;
      if (result == HAP_BLE_PDU_COMPLETE)
        break;
    }
  ok = _hap_ble_exchange_finish (&exchange, out_status, out_body, error);
out:
  _hap_ble_exchange_clear (&exchange);
  return ok;
}

GBytes *
_hap_controller_ble_pairing_body (const guint8 *tlv, gsize len)
{
  g_autoptr(GByteArray) request = g_byte_array_new ();

  /* docs/protocol.md §5.6: the TLV8 in HAP-Param-Value, with Return-Response. */
  hap_tlv8_append (request, HAP_BLE_PARAM_VALUE, tlv, len);
  hap_tlv8_append_uint8 (request, HAP_BLE_PARAM_RETURN_RESPONSE, 1);
  return g_bytes_new (request->data, request->len);
}

GBytes *
_hap_controller_ble_pairing_value (guint8 status, GBytes *response, GError **error)
{
  g_autoptr(HapTlv8) params = NULL;
  const guint8 *value;
  gsize value_len = 0;

  if (status != HAP_BLE_PDU_STATUS_SUCCESS)
    return hap_ble_status_error (error, status, "pairing"), NULL;
  if (response != NULL &&
      (params = hap_tlv8_parse (g_bytes_get_data (response, NULL), g_bytes_get_size (response), error)) == NULL)
    return NULL;
  if (params == NULL || (value = hap_tlv8_get (params, HAP_BLE_PARAM_VALUE, &value_len)) == NULL)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "a pairing response without a value");
      return NULL;
    }
  return g_bytes_new (value, value_len);
}

GBytes *
hap_controller_ble_pairing_write (HapControllerBle *self, const char *type, const guint8 *tlv, gsize len,
                                  GCancellable *cancellable, GError **error)
{
  HapBleRemoteCharacteristic *target = hap_controller_ble_find (self, "55", type);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) response = NULL;
  guint8 status;

  if (target == NULL)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "the accessory has no pairing characteristic %s", type);
      return NULL;
    }
  body = _hap_controller_ble_pairing_body (tlv, len);
  if (!hap_controller_ble_transaction (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_WRITE, target->iid, body,
                                       &status, &response, cancellable, error))
    return NULL;
  return _hap_controller_ble_pairing_value (status, response, error);
}

/* ---- signatures ---- */

GBytes *
hap_controller_ble_read_signature (HapControllerBle *self, guint16 iid, guint8 *out_status,
                                   GCancellable *cancellable, GError **error)
{
  HapBleRemoteCharacteristic *target = hap_controller_ble_lookup (self, iid);
  CachedSignature *cached = g_hash_table_lookup (self->signatures, GUINT_TO_POINTER (iid));
  g_autoptr(GBytes) body = NULL;

  *out_status = HAP_BLE_PDU_STATUS_SUCCESS;
  if (cached != NULL)
    return g_bytes_ref (cached->body);
  if (target == NULL)
    {
      *out_status = HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID;
      return NULL;
    }
  if (!hap_controller_ble_transaction (self, target, HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ, iid, NULL,
                                       out_status, &body, cancellable, error) ||
      *out_status != HAP_BLE_PDU_STATUS_SUCCESS)
    return NULL;
  if (body == NULL)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "characteristic %u: a signature without a body", iid);
      return NULL;
    }
  _hap_controller_ble_cache_signature (self, iid, body);
  return g_steal_pointer (&body);
}

GBytes *
hap_controller_ble_signature_lookup (HapControllerBle *self, guint16 iid)
{
  CachedSignature *cached = g_hash_table_lookup (self->signatures, GUINT_TO_POINTER (iid));

  return cached != NULL ? g_bytes_ref (cached->body) : NULL;
}

void
_hap_controller_ble_cache_signature (HapControllerBle *self, guint16 iid, GBytes *body)
{
  CachedSignature *cached;

  if (g_hash_table_contains (self->signatures, GUINT_TO_POINTER (iid)))
    return;
  cached = g_new0 (CachedSignature, 1);
  cached->body = g_bytes_ref (body);
  g_hash_table_insert (self->signatures, GUINT_TO_POINTER (iid), cached);
}

const HapBleCharacteristicSignature *
hap_controller_ble_get_signature (HapControllerBle *self, guint16 iid, GCancellable *cancellable, GError **error)
{
  g_autoptr(GBytes) body = NULL;
  GError *local_error = NULL;
  CachedSignature *cached;
  guint8 status;

  body = hap_controller_ble_read_signature (self, iid, &status, cancellable, &local_error);
  if (body == NULL)
    {
      g_autofree char *what = g_strdup_printf ("signature of characteristic %u", iid);

      if (local_error != NULL)
        g_propagate_error (error, local_error);
      else
        hap_ble_status_error (error, status, what);
      return NULL;
    }
  cached = g_hash_table_lookup (self->signatures, GUINT_TO_POINTER (iid));
  if (!cached->parsed)
    {
      if (!hap_ble_characteristic_signature_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                                                   &cached->signature, error))
        {
          hap_ble_characteristic_signature_clear (&cached->signature);
          g_prefix_error (error, "characteristic %u: ", iid);
          return NULL;
        }
      cached->parsed = TRUE;
    }
  return &cached->signature;
}

/* ---- indications ---- */

gboolean
hap_controller_ble_subscribe (HapControllerBle *self, HapBleRemoteCharacteristic *characteristic, gboolean enable,
                              GCancellable *cancellable, GError **error)
{
  if (characteristic->subscribed == enable)
    return TRUE;
  if (!hap_ble_central_set_notify (self->central, characteristic->path, enable, deadline_after (self->timeout_ms),
                                   cancellable, error))
    return FALSE;
  characteristic->subscribed = enable;
  return TRUE;
}

guint16
hap_controller_ble_next_indication (HapControllerBle *self, guint timeout_ms, GCancellable *cancellable,
                                    GError **error)
{
  gint64 deadline = deadline_after (timeout_ms);
  GError *local_error = NULL;

  while (self->events.length == 0)
    {
      if (_hap_controller_ble_link_lost (self, error))
        return 0;
      if (!hap_ble_central_wait (self->central, deadline, cancellable, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            g_error_free (local_error);
          else
            g_propagate_error (error, local_error);
          return 0;
        }
    }
  return (guint16) GPOINTER_TO_UINT (g_queue_pop_head (&self->events));
}
