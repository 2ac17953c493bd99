/* fuzz-ble-value.c — libFuzzer target for the HAP-BLE value and signature codecs
 * (docs/protocol.md §5.4–§5.6): what a BLE accessory sends a controller, beyond the PDU
 * framing that fuzz-ble-pdu covers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: one selector byte, then the body. Selector bits 0–1 pick the parser:
 *  0  hap_ble_value_decode() for format (selector >> 2) % 10; what it accepts encodes
 *     back to the same bytes (a float NaN only to a NaN);
 *  1  hap_ble_characteristic_signature_parse(); what it accepts becomes a model
 *     characteristic of the same format;
 *  2  hap_ble_service_signature_parse();
 *  3  hap_ble_presentation_format_parse() on the first 7 bytes, and the whole body as a
 *     "/characteristics?…" target for hap_ble_parse_characteristics_query().
 * Every failure is HAP_ERROR_INVALID_DATA; anything else aborts.
 */
#include "hap-ble-json-private.h"
#include "hap-ble-signature-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define N_FORMATS 10

static void
check (gboolean condition)
{
  if (!condition)
    abort ();
}

static void
check_failure (GError *error)
{
  check (error != NULL && error->domain == HAP_ERROR && error->code == HAP_ERROR_INVALID_DATA);
}

static void
fuzz_value (HapFormat format, const guint8 *body, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = hap_ble_value_decode (format, body, len, &error);
  g_autoptr(GBytes) again = NULL;

  if (value == NULL)
    {
      check_failure (error);
      return;
    }
  check (g_variant_is_of_type (value, hap_format_get_variant_type (format)));
  again = hap_ble_value_encode (format, value);
  if (format == HAP_FORMAT_FLOAT && isnan (g_variant_get_double (value)))
    return;
  check (g_bytes_get_size (again) == len);
  check (len == 0 || memcmp (g_bytes_get_data (again, NULL), body, len) == 0);
}

static void
fuzz_characteristic_signature (const guint8 *body, gsize len)
{
  g_auto(HapBleCharacteristicSignature) signature = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(HapCharacteristic) characteristic = NULL;

  if (!hap_ble_characteristic_signature_parse (body, len, &signature, &error))
    {
      check_failure (error);
      return;
    }
  characteristic = hap_ble_characteristic_signature_create (&signature, 1);
  check (characteristic != NULL);
  check (hap_characteristic_get_format (characteristic) == signature.format);
}

static void
fuzz_service_signature (const guint8 *body, gsize len)
{
  g_auto(HapBleServiceSignature) signature = { 0 };
  g_autoptr(GError) error = NULL;

  if (!hap_ble_service_signature_parse (body, len, &signature, &error))
    {
      check_failure (error);
      return;
    }
  check (signature.linked_iids != NULL);
}

static void
fuzz_formats_and_query (const guint8 *body, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *target = g_strndup ((const char *) body, len);
  HapFormat format;
  guint16 unit_code;
  HapJsonFlags flags = 0;

  if (hap_ble_presentation_format_parse (body, MIN (len, HAP_BLE_PRESENTATION_FORMAT_LEN), &format,
                                         &unit_code, &error))
    check (format <= HAP_FORMAT_DATA);
  else
    check_failure (error);
  g_clear_error (&error);

  if (!hap_ble_parse_characteristics_query (target, ids, &flags, &error))
    check_failure (error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;

  switch (data[0] & 3)
    {
    case 0:
      fuzz_value ((HapFormat) (HAP_FORMAT_BOOL + (data[0] >> 2) % N_FORMATS), data + 1, size - 1);
      break;
    case 1:
      fuzz_characteristic_signature (data + 1, size - 1);
      break;
    case 2:
      fuzz_service_signature (data + 1, size - 1);
      break;
    default:
      fuzz_formats_and_query (data + 1, size - 1);
      break;
    }
  return 0;
}
