/* fuzz-controller-json.c — libFuzzer target for what a controller makes of an
 * accessory's JSON: /accessories, /characteristics answers and EVENT bodies
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Input: one selector byte, then the body. The body goes through hap_json_parse(), as
 * HapControllerConnection reads every answer (bounded nesting, hap-json.c); then every
 * "value" in it (in "characteristics" entries of an answer or an event, or in the
 * services of /accessories) is converted as the controller converts values: to the model's
 * value of format (selector % 10) and, for HAP over BLE, to its BLE bytes and back.
 *
 * Properties (abort() if not): a body that parses passes hap_json_check_depth(), and so
 * does what json-glib writes back of it; a value accepted for a format is a GVariant of
 * that format, its BLE encoding decodes again, and a refused one is HAP_STATUS_ERROR
 * -70410 (what the IP server answers for the same value).
 */
#include "hap-ble-json-private.h"
#include "hap-ble-value-private.h"
#include "hap-error.h"
#include "hap-json.h"
#include "hap-model-private.h"

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
convert_value (HapFormat format, JsonNode *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) variant = _hap_value_from_json (format, value, &error);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GVariant) decoded = NULL;

  if (variant == NULL)
    {
      check (error != NULL && error->domain == HAP_STATUS_ERROR && error->code == HAP_STATUS_INVALID_VALUE);
      return;
    }
  g_variant_ref_sink (variant);
  check (g_variant_is_of_type (variant, hap_format_get_variant_type (format)));

  bytes = hap_ble_value_from_json (format, value, &error);
  check (bytes != NULL && error == NULL);
  decoded = hap_ble_value_decode (format, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  /* A string with NUL survives JSON but not BLE (UTF-8 without terminator). */
  check (decoded != NULL || format == HAP_FORMAT_STRING);
}

static void
convert_entries (HapFormat format, JsonNode *list)
{
  JsonArray *array;

  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
    return;
  array = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *entry = json_array_get_element (array, i);
      JsonNode *value;

      if (!JSON_NODE_HOLDS_OBJECT (entry))
        continue;
      if ((value = json_object_get_member (json_node_get_object (entry), "value")) != NULL)
        convert_value (format, value);
    }
}

static JsonNode *
member (JsonNode *node, const char *name)
{
  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_object_get_member (json_node_get_object (node), name)
                                                       : NULL;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *again = NULL;
  HapFormat format;
  JsonNode *accessories;

  if (size < 1)
    return 0;
  format = (HapFormat) (HAP_FORMAT_BOOL + data[0] % N_FORMATS);

  root = hap_json_parse ((const char *) data + 1, (gssize) size - 1, &error);
  if (root == NULL)
    {
      check (error != NULL);
      return 0;
    }
  check (hap_json_check_depth ((const char *) data + 1, (gssize) size - 1, HAP_JSON_MAX_DEPTH, NULL, NULL));
  again = json_to_string (root, FALSE);
  check (hap_json_check_depth (again, -1, HAP_JSON_MAX_DEPTH, NULL, NULL));

  /* {"characteristics":[…]}: a read or write answer, or an event. */
  convert_entries (format, member (root, "characteristics"));

  /* {"accessories":[{"services":[{"characteristics":[…]}]}]} */
  accessories = member (root, "accessories");
  if (accessories != NULL && JSON_NODE_HOLDS_ARRAY (accessories))
    {
      JsonArray *list = json_node_get_array (accessories);

      for (guint a = 0; a < json_array_get_length (list); a++)
        {
          JsonNode *services = member (json_array_get_element (list, a), "services");

          if (services == NULL || !JSON_NODE_HOLDS_ARRAY (services))
            continue;
          for (guint s = 0; s < json_array_get_length (json_node_get_array (services)); s++)
            convert_entries (format, member (json_array_get_element (json_node_get_array (services), s),
                                             "characteristics"));
        }
    }
  return 0;
}
