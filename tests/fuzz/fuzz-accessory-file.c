/* fuzz-accessory-file.c — libFuzzer target for the accessory file loader
 * (hap-accessory-loader.c, hap-json-reader.c, hap-json.c; format: accessories/README.md)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: a file, as hap_accessory_new_from_data() gets it. Seeds cover both layouts the
 * format has: one accessory (served over IP, BLE or both) and a bridge with bridged
 * accessories, with and without the "simulator" section the SDK leaves to tools.
 *
 * Properties (abort() if not): every refusal is one HAP_ERROR_INVALID_FILE error whose
 * message starts with "fuzz.json:LINE:COL: " (positive numbers); every accepted file
 * gives an accessory whose characteristics all hold a value of their format.
 */
#include "hap-accessory.h"
#include "hap-characteristic.h"
#include "hap-error.h"
#include "hap-service.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (gboolean condition)
{
  if (!condition)
    abort ();
}

static void
check_accessory (HapAccessory *accessory)
{
  GPtrArray *services = hap_accessory_get_services (accessory);
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (accessory);

  for (guint s = 0; s < services->len; s++)
    {
      GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (services, s));

      for (guint c = 0; c < characteristics->len; c++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, c);
          GVariant *value = hap_characteristic_get_value (characteristic);

          if (value != NULL)
            check (g_variant_is_of_type (value, hap_format_get_variant_type (
                                                  hap_characteristic_get_format (characteristic))));
        }
    }
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    check_accessory (g_ptr_array_index (bridged, i));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = NULL;
  unsigned line = 0, col = 0;
  int consumed = 0;

  accessory = hap_accessory_new_from_data ((const char *) data, (gssize) size, "fuzz.json", &error);
  if (accessory == NULL)
    {
      check (error != NULL && error->domain == HAP_ERROR && error->code == HAP_ERROR_INVALID_FILE);
      check (sscanf (error->message, "fuzz.json:%u:%u: %n", &line, &col, &consumed) == 2);
      check (line > 0 && col > 0 && consumed > 0);
      return 0;
    }
  check (error == NULL);
  check_accessory (accessory);
  return 0;
}
