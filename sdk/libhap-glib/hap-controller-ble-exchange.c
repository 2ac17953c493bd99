/* hap-controller-ble-exchange.c — the steps of one HAP-BLE procedure between its GATT
 * calls (see hap-controller-ble-internal.h): fragmenting, sealing and opening (§5.8),
 * reassembling the response (§5.7)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-controller-ble-internal.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-types.h"

/* docs/protocol.md §5.1: the largest GATT attribute value. */
#define MAX_GATT_VALUE          512
/* ATT's Write Request carries MTU − 3 bytes; BlueZ 5.66 reports the MTU of the link on
 * every characteristic. Without it, the smallest MTU HAP controllers accept (AIO: 100,
 * docs/protocol.md §5.7). */
#define FALLBACK_MTU            100
#define MAX_RESPONSE_BODY       HAP_BLE_PDU_MAX_BODY

/* Pair Setup, Pair Verify and Pairing Features start a new security session: the
 * accessory drops the current one as the procedure starts, so its request already goes
 * in plaintext (docs/protocol.md §5.8). */
static gboolean
starts_session (HapBleRemoteCharacteristic *target)
{
  static const char *const types[] = { "4C", "4E", "4F" };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autofree char *uuid = hap_uuid_normalize (types[i]);

      if (g_str_equal (target->type_uuid, uuid))
        return TRUE;
    }
  return FALSE;
}

gboolean
_hap_ble_exchange_init (HapBleExchange *exchange, HapControllerBle *self, HapBleRemoteCharacteristic *target,
                        guint8 opcode, guint16 iid, GBytes *body, GError **error)
{
  gsize body_len = 0, max_fragment, mtu;
  const guint8 *body_data = body != NULL ? g_bytes_get_data (body, &body_len) : NULL;

  memset (exchange, 0, sizeof *exchange);
  if (_hap_controller_ble_link_lost (self, error))
    return FALSE;
  if (body_len > HAP_BLE_PDU_MAX_BODY)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_TOO_LARGE, "a request body of %" G_GSIZE_FORMAT " bytes", body_len);
      return FALSE;
    }
  if (self->secure && starts_session (target))
    _hap_controller_ble_drop_session (self);
  exchange->ble = self;
  exchange->target = target;
  exchange->opcode = opcode;
  exchange->tid = self->next_tid++;
  exchange->deadline = self->timeout_ms == 0 ? -1 : g_get_monotonic_time () + (gint64) self->timeout_ms * 1000;
  mtu = self->map.mtu != 0 ? self->map.mtu : FALLBACK_MTU;
  max_fragment = MIN (mtu - 3, MAX_GATT_VALUE) - (self->secure ? HAP_AEAD_TAG_LEN : 0);
  exchange->fragments = hap_ble_pdu_fragment_request (opcode, exchange->tid, iid, body_data, body_len, body != NULL,
                                                      MAX (max_fragment, HAP_BLE_PDU_MIN_FRAGMENT));
  hap_ble_response_assembler_init (&exchange->assembler, MAX_RESPONSE_BODY);
  return TRUE;
}

GBytes *
_hap_ble_exchange_next_request (HapBleExchange *exchange)
{
  HapControllerBle *self = exchange->ble;
  GBytes *fragment;
  gsize len;
  const guint8 *plain;
  guint8 *sealed;

  if (exchange->written >= exchange->fragments->len)
    return NULL;
  fragment = g_ptr_array_index (exchange->fragments, exchange->written++);
  if (!self->secure)
    return g_bytes_ref (fragment);
  /* docs/protocol.md §5.8: every fragment is one AEAD record, no AAD. */
  plain = g_bytes_get_data (fragment, &len);
  sealed = g_malloc (len + HAP_AEAD_TAG_LEN);
  hap_cipher_seal (&self->cipher, NULL, 0, plain, len, sealed);
  return g_bytes_new_take (sealed, len + HAP_AEAD_TAG_LEN);
}

static void
wipe_byte_array (gpointer data)
{
  hap_byte_array_wipe_free (data);
}

/* @value opened when the session is secure. The plaintext is wiped when freed: it may
 * hold pairing messages or the broadcast key (§5.6). */
static GBytes *
open_fragment (HapControllerBle *self, GBytes *value, GError **error)
{
  GByteArray *plain;
  gsize len;
  const guint8 *data = g_bytes_get_data (value, &len);

  if (!self->secure)
    return g_bytes_ref (value);
  plain = g_byte_array_sized_new (len > HAP_AEAD_TAG_LEN ? len - HAP_AEAD_TAG_LEN : 1);
  g_byte_array_set_size (plain, len > HAP_AEAD_TAG_LEN ? len - HAP_AEAD_TAG_LEN : 0);
  if (len < HAP_AEAD_TAG_LEN || !hap_cipher_open (&self->cipher, NULL, 0, data, len, plain->data))
    {
      hap_byte_array_wipe_free (plain);
      /* Nothing on this session can be trusted any more. */
      hap_ble_central_disconnect (self->central);
      _hap_controller_ble_drop_session (self);
      g_set_error (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                   "a response fragment from %s does not authenticate", self->address);
      return NULL;
    }
  return g_bytes_new_with_free_func (plain->data, plain->len, wipe_byte_array, plain);
}

HapBlePduResult
_hap_ble_exchange_take_response (HapBleExchange *exchange, GBytes *value, GError **error)
{
  g_autoptr(GBytes) fragment = open_fragment (exchange->ble, value, error);
  HapBlePduResult result;

  if (fragment == NULL)
    return HAP_BLE_PDU_ERROR;
  /* Every read must move the response on, so that a peer cannot keep us reading
   * forever (a continuation carries at least one byte). */
  if (g_bytes_get_size (fragment) == 0 ||
      ((*(const guint8 *) g_bytes_get_data (fragment, NULL) & HAP_BLE_PDU_CONTROL_CONTINUATION) &&
       g_bytes_get_size (fragment) <= HAP_BLE_PDU_CONTINUATION_HEADER_LEN))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "an empty response fragment to %s",
                   hap_ble_opcode_to_string (exchange->opcode));
      return HAP_BLE_PDU_ERROR;
    }
  result = hap_ble_response_assembler_feed (&exchange->assembler, g_bytes_get_data (fragment, NULL),
                                            g_bytes_get_size (fragment), &exchange->response, error);
  if (result == HAP_BLE_PDU_COMPLETE)
    return result;
  if (result == HAP_BLE_PDU_ERROR || result == HAP_BLE_PDU_INTERRUPTED)
    return HAP_BLE_PDU_ERROR;
  /* The deadline bounds a peer that never completes the response. */
  if (exchange->deadline >= 0 && g_get_monotonic_time () >= exchange->deadline)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "the response to %s did not complete in time",
                   hap_ble_opcode_to_string (exchange->opcode));
      return HAP_BLE_PDU_ERROR;
    }
  return HAP_BLE_PDU_NEED_MORE;
}

gboolean
_hap_ble_exchange_finish (HapBleExchange *exchange, guint8 *out_status, GBytes **out_body, GError **error)
{
  if (exchange->response.tid != exchange->tid)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "a response with TID %u to the request with TID %u",
                   exchange->response.tid, exchange->tid);
      return FALSE;
    }
  *out_status = exchange->response.status;
  if (out_body != NULL)
    *out_body = exchange->response.body != NULL ? g_bytes_ref (exchange->response.body) : NULL;
  return TRUE;
}

void
_hap_ble_exchange_clear (HapBleExchange *exchange)
{
  g_clear_pointer (&exchange->fragments, g_ptr_array_unref);
  hap_ble_response_assembler_clear (&exchange->assembler);
  hap_ble_response_clear (&exchange->response);
}
