/* fuzz-ble-pdu.c — libFuzzer target for the HAP-BLE wire codecs (docs/protocol.md §5)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: one configuration byte, then fragments, each a length byte and that many bytes
 * (the last one may be cut short). Every fragment goes to a request assembler, a response
 * assembler, the advertisement parser and the encrypted-notification opener. Properties:
 *  - a result is always one of the documented ones, with an error message exactly when
 *    it is ERROR or INTERRUPTED, and a PDU only when COMPLETE; the busy flag agrees;
 *  - INTERRUPTED leaves an idle assembler that takes the same fragment as a first one;
 *  - a complete PDU's body respects the caller's limit; fragmenting it again at another
 *    size and assembling that gives the same PDU; a PDU that came in one fragment is
 *    rebuilt byte for byte;
 *  - complete response bodies are parsed as characteristic and service signatures and
 *    values of every format; accepted signatures turn into characteristics without a
 *    critical warning (G_DEBUG=fatal-criticals makes those crash);
 *  - an accepted advertisement is rebuilt byte for byte.
 */
#include "hap-ble-advertisement-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-ble-signature-private.h"
#include "hap-ble-value-private.h"
#include "hap-characteristic.h"
#include "hap-error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const gsize body_limits[] = { 0, 1, 16, 255, 256, 512, HAP_BLE_PDU_MAX_BODY };
static const gsize fragment_sizes[] = { 8, 9, 20, 23, 100, 496, 512 };

static const guint8 broadcast_key[HAP_BLE_BROADCAST_KEY_LEN] = {
  0x42, 0x72, 0x6f, 0x61, 0x64, 0x63, 0x61, 0x73, 0x74, 0x2d, 0x4b, 0x65, 0x79, 0x2d, 0x30, 0x31,
  0x02, 0x03, 0x05, 0x07, 0x0b, 0x0d, 0x11, 0x13, 0x17, 0x1d, 0x1f, 0x25, 0x29, 0x2b, 0x2f, 0x35,
};

static void
check (gboolean condition)
{
  if (!condition)
    abort ();
}

static void
check_result (HapBlePduResult  result,
              GError          *error,
              gboolean         busy,
              GBytes          *body)
{
  switch (result)
    {
    case HAP_BLE_PDU_ERROR:
    case HAP_BLE_PDU_INTERRUPTED:
      check (error != NULL && error->domain == HAP_ERROR && error->message != NULL);
      check (error->code == HAP_ERROR_INVALID_DATA ||
             (result == HAP_BLE_PDU_ERROR && error->code == HAP_ERROR_TOO_LARGE));
      check (!busy);
      check (body == NULL);
      break;
    case HAP_BLE_PDU_NEED_MORE:
      check (error == NULL && busy && body == NULL);
      break;
    case HAP_BLE_PDU_IGNORED:
      check (error == NULL && !busy && body == NULL);
      break;
    case HAP_BLE_PDU_COMPLETE:
      check (error == NULL && !busy);
      break;
    default:
      abort ();
    }
}

static void
check_same_bytes (GBytes       *a,
                  const guint8 *b,
                  gsize         b_len)
{
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (a, &len);

  check (len == b_len);
  check (len == 0 || memcmp (bytes, b, len) == 0);
}

static void
check_request_again (const HapBleRequest *request,
                     gsize                max_fragment)
{
  gsize len = 0;
  const guint8 *body = request->body != NULL ? g_bytes_get_data (request->body, &len) : NULL;
  g_autoptr(GPtrArray) fragments = hap_ble_pdu_fragment_request (request->opcode, request->tid, request->iid,
                                                                 body, len, request->body != NULL, max_fragment);
  g_auto(HapBleRequestAssembler) assembler = { 0 };
  g_auto(HapBleRequest) again = { 0 };

  hap_ble_request_assembler_init (&assembler, HAP_BLE_PDU_MAX_BODY);
  for (guint i = 0; i < fragments->len; i++)
    {
      gsize n = 0;
      const guint8 *f = g_bytes_get_data (g_ptr_array_index (fragments, i), &n);
      HapBlePduResult result = hap_ble_request_assembler_feed (&assembler, f, n, &again, NULL);

      check (n <= max_fragment);
      check (result == (i + 1 == fragments->len ? HAP_BLE_PDU_COMPLETE : HAP_BLE_PDU_NEED_MORE));
    }
  check (again.opcode == request->opcode && again.tid == request->tid && again.iid == request->iid);
  check ((again.body == NULL) == (request->body == NULL));
  if (again.body != NULL)
    check (g_bytes_equal (again.body, request->body));
}

static void
check_response_again (const HapBleResponse *response,
                      gsize                 max_fragment)
{
  gsize len = 0;
  const guint8 *body = response->body != NULL ? g_bytes_get_data (response->body, &len) : NULL;
  g_autoptr(GPtrArray) fragments = hap_ble_pdu_fragment_response (response->tid, response->status,
                                                                  body, len, response->body != NULL, max_fragment);
  g_auto(HapBleResponseAssembler) assembler = { 0 };
  g_auto(HapBleResponse) again = { 0 };

  hap_ble_response_assembler_init (&assembler, HAP_BLE_PDU_MAX_BODY);
  for (guint i = 0; i < fragments->len; i++)
    {
      gsize n = 0;
      const guint8 *f = g_bytes_get_data (g_ptr_array_index (fragments, i), &n);
      HapBlePduResult result = hap_ble_response_assembler_feed (&assembler, f, n, &again, NULL);

      check (n <= max_fragment);
      check (result == (i + 1 == fragments->len ? HAP_BLE_PDU_COMPLETE : HAP_BLE_PDU_NEED_MORE));
    }
  check (again.tid == response->tid && again.status == response->status);
  check ((again.body == NULL) == (response->body == NULL));
  if (again.body != NULL)
    check (g_bytes_equal (again.body, response->body));
}

/* What a controller does with a response body it did not expect to be hostile. */
static void
exercise_body (GBytes *body)
{
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (body, &len);
  g_auto(HapBleCharacteristicSignature) signature = { 0 };
  g_auto(HapBleServiceSignature) service = { 0 };
  g_autoptr(GError) error = NULL;

  if (hap_ble_characteristic_signature_parse (bytes, len, &signature, &error))
    {
      g_autoptr(HapCharacteristic) characteristic = hap_ble_characteristic_signature_create (&signature, 1);

      check (characteristic != NULL);
      check (hap_characteristic_get_format (characteristic) == signature.format);
    }
  else
    check (error != NULL && error->code == HAP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  if (!hap_ble_service_signature_parse (bytes, len, &service, &error))
    check (error != NULL && error->code == HAP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  for (HapFormat format = HAP_FORMAT_BOOL; format <= HAP_FORMAT_DATA; format++)
    {
      g_autoptr(GVariant) value = hap_ble_value_decode (format, bytes, len, &error);

      if (value != NULL)
        {
          g_autoptr(GBytes) encoded = hap_ble_value_encode (format, value);

          /* Floats decode to a decimal that encodes to the same bits (NaN payloads aside);
           * the rest is exact. */
          if (format != HAP_FORMAT_FLOAT || !isnan (g_variant_get_double (value)))
            check_same_bytes (encoded, bytes, len);
        }
      else
        check (error != NULL && error->code == HAP_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
}

static void
exercise_advertisement (const guint8 *fragment,
                        gsize         len)
{
  HapBleAdvertisement advertisement;
  HapBleEncryptedNotification notification;
  g_autoptr(GError) error = NULL;

  if (hap_ble_advertisement_parse (fragment, len, &advertisement, &error))
    {
      g_autoptr(GBytes) again = NULL;

      /* Build writes CV 2; anything else cannot come back unchanged. */
      if (advertisement.compatible_version == HAP_BLE_ADV_COMPATIBLE_VERSION)
        {
          again = hap_ble_advertisement_build (&advertisement);
          check_same_bytes (again, fragment, len);
        }
    }
  else
    check (error != NULL && error->code == HAP_ERROR_INVALID_DATA);
  g_clear_error (&error);

  if (!hap_ble_encrypted_notification_open (broadcast_key, fragment, len, 1, 4, &notification, &error))
    check (error != NULL && (error->code == HAP_ERROR_INVALID_DATA || error->code == HAP_ERROR_AUTHENTICATION));
}

static void
feed_request (HapBleRequestAssembler *assembler,
              gsize                   max_body,
              gsize                   max_fragment,
              const guint8           *fragment,
              gsize                   len)
{
  g_auto(HapBleRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  HapBlePduResult result = hap_ble_request_assembler_feed (assembler, fragment, len, &request, &error);

  check_result (result, error, hap_ble_request_assembler_is_busy (assembler), request.body);

  if (result == HAP_BLE_PDU_INTERRUPTED)
    {
      /* The assembler is idle: the same fragment now starts a PDU (or fails on its own). */
      g_clear_error (&error);
      result = hap_ble_request_assembler_feed (assembler, fragment, len, &request, &error);
      check (result != HAP_BLE_PDU_INTERRUPTED);
      check_result (result, error, hap_ble_request_assembler_is_busy (assembler), request.body);
    }

  if (result != HAP_BLE_PDU_COMPLETE)
    return;

  if (request.body != NULL)
    check (g_bytes_get_size (request.body) <= max_body);
  check_request_again (&request, max_fragment);

  /* Whole in one fragment: the fragmenter writes the very same bytes. */
  if (fragment[0] == 0x00 && len <= 512)
    {
      gsize body_len = 0;
      const guint8 *body = request.body != NULL ? g_bytes_get_data (request.body, &body_len) : NULL;
      g_autoptr(GPtrArray) one = hap_ble_pdu_fragment_request (request.opcode, request.tid, request.iid,
                                                               body, body_len, request.body != NULL, 512);

      check (one->len == 1);
      check_same_bytes (g_ptr_array_index (one, 0), fragment, len);
    }
}

static void
feed_response (HapBleResponseAssembler *assembler,
               gsize                    max_body,
               gsize                    max_fragment,
               const guint8            *fragment,
               gsize                    len)
{
  g_auto(HapBleResponse) response = { 0 };
  g_autoptr(GError) error = NULL;
  HapBlePduResult result = hap_ble_response_assembler_feed (assembler, fragment, len, &response, &error);

  check_result (result, error, hap_ble_response_assembler_is_busy (assembler), response.body);

  if (result == HAP_BLE_PDU_INTERRUPTED)
    {
      g_clear_error (&error);
      result = hap_ble_response_assembler_feed (assembler, fragment, len, &response, &error);
      check (result != HAP_BLE_PDU_INTERRUPTED);
      check_result (result, error, hap_ble_response_assembler_is_busy (assembler), response.body);
    }

  if (result != HAP_BLE_PDU_COMPLETE)
    return;

  if (response.body != NULL)
    {
      check (g_bytes_get_size (response.body) <= max_body);
      exercise_body (response.body);
    }
  check_response_again (&response, max_fragment);
}

/* G_DEBUG=fatal-criticals stops the process with SIGTRAP, which libFuzzer does not catch,
 * so the input would be lost: abort instead, and libFuzzer saves it. */
static void
abort_on_warning (const char     *log_domain,
                  GLogLevelFlags  log_level,
                  const char     *message,
                  gpointer        user_data)
{
  g_log_default_handler (log_domain, log_level, message, user_data);
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized;
  g_auto(HapBleRequestAssembler) requests = { 0 };
  g_auto(HapBleResponseAssembler) responses = { 0 };
  gsize max_body, max_fragment;
  gsize offset = 1;

  if (!initialized)
    {
      g_log_set_default_handler (abort_on_warning, NULL);
      initialized = TRUE;
    }

  if (size < 1)
    return 0;

  max_body = body_limits[data[0] % G_N_ELEMENTS (body_limits)];
  max_fragment = fragment_sizes[(data[0] >> 4) % G_N_ELEMENTS (fragment_sizes)];
  hap_ble_request_assembler_init (&requests, max_body);
  hap_ble_response_assembler_init (&responses, max_body);

  while (offset < size)
    {
      gsize len = MIN (data[offset], size - offset - 1);
      const guint8 *fragment = data + offset + 1;

      feed_request (&requests, max_body, max_fragment, fragment, len);
      feed_response (&responses, max_body, max_fragment, fragment, len);
      exercise_advertisement (fragment, len);
      offset += 1 + len;
    }

  return 0;
}
