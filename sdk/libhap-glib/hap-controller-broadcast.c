/* hap-controller-broadcast.c — HAP-BLE broadcast notifications, the controller's side:
 * the broadcast key (Protocol Configuration) and per-characteristic broadcast
 * (Characteristic Configuration) (docs/protocol.md §2.3, §5.6, §5.10)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-controller-private.h"

#include <string.h>

#include "hap-ble-advertisement-private.h"
#include "hap-ble-json-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-controller-ble-private.h"
#include "hap-crypto-private.h"

static HapControllerBle *
require_ble (HapControllerConnection *self, const char *what, GError **error)
{
  HapControllerBle *ble = hap_controller_connection_get_ble (self);

  if (ble == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s exists only over Bluetooth LE", what);
  else if (hap_controller_connection_get_accessory_id (self) == NULL || !hap_controller_ble_is_secure (ble))
    {
      g_set_error (error, HAP_STATUS_ERROR, HAP_STATUS_INSUFFICIENT_PRIVILEGES, "%s needs a verified session", what);
      ble = NULL;
    }
  return ble;
}

/* Protocol Configuration; with @generate_key the new key is checked and stored. */
static gboolean
configure (HapControllerConnection *self, HapControllerBle *ble, gboolean generate_key,
           HapBleProtocolParams *params, GCancellable *cancellable, GError **error)
{
  HapController *controller = hap_controller_connection_get_controller (self);
  const char *id = hap_controller_connection_get_accessory_id (self);
  HapBroadcastKey stored = { 0 };
  guint8 shared[32], expected[HAP_BLE_BROADCAST_KEY_LEN];
  gboolean ok;

  if (generate_key && !hap_controller_ble_get_shared_secret (ble, shared))
    {
      g_set_error_literal (error, HAP_STATUS_ERROR, HAP_STATUS_INSUFFICIENT_PRIVILEGES,
                           "a broadcast key needs a session from Pair Verify or Pair Resume");
      return FALSE;
    }
  if (!hap_controller_ble_protocol_configuration (ble, generate_key, params, cancellable, error))
    {
      sodium_memzero (shared, sizeof shared);
      return FALSE;
    }
  if (!generate_key)
    return hap_controller_set_last_gsn (controller, id, params->gsn, error);

  /* §2.3: both sides derive the key from this session; the accessory's must match. */
  hap_ble_broadcast_key_derive (shared, hap_controller_get_public_key (controller), expected);
  sodium_memzero (shared, sizeof shared);
  ok = params->has_key && hap_secure_equal (expected, params->key, sizeof expected);
  sodium_memzero (expected, sizeof expected);
  if (!ok)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_AUTHENTICATION,
                           "the accessory's new broadcast key is not the one this session derives");
      return FALSE;
    }
  memcpy (stored.key, params->key, sizeof stored.key);
  memcpy (stored.advertising_id, params->advertising_id, sizeof stored.advertising_id);
  stored.key_gsn = params->gsn;
  stored.gsn = params->gsn;
  ok = hap_controller_set_broadcast_key (controller, id, &stored, error);
  sodium_memzero (&stored, sizeof stored);
  return ok;
}

JsonNode *
hap_controller_connection_configure_protocol (HapControllerConnection *self,
                                              gboolean                 generate_key,
                                              GCancellable            *cancellable,
                                              GError                 **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *advertising_id = NULL;
  HapControllerBle *ble;
  HapBleProtocolParams params;
  gboolean ok;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), NULL);
  if ((ble = require_ble (self, "Protocol Configuration", error)) == NULL)
    return NULL;
  ok = configure (self, ble, generate_key, &params, cancellable, error);
  sodium_memzero (params.key, sizeof params.key);
  if (!ok)
    return NULL;
  advertising_id = hap_ble_device_id_to_string (params.advertising_id);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "gsn");
  json_builder_add_int_value (builder, params.gsn);
  json_builder_set_member_name (builder, "configuration_number");
  json_builder_add_int_value (builder, params.configuration_number);
  json_builder_set_member_name (builder, "advertising_id");
  json_builder_add_string_value (builder, advertising_id);
  json_builder_set_member_name (builder, "broadcast_key");
  json_builder_add_boolean_value (builder, params.has_key);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* TRUE when the accessory still has the key the controller stored: Get-All reports the
 * key only while it is valid (§5.6), and the advertising id must be the one stored. */
static gboolean
has_current_key (HapControllerConnection *self, HapControllerBle *ble, gboolean *current,
                 GCancellable *cancellable, GError **error)
{
  HapController *controller = hap_controller_connection_get_controller (self);
  HapBroadcastKey stored;
  HapBleProtocolParams params;

  *current = FALSE;
  if (!configure (self, ble, FALSE, &params, cancellable, error))
    {
      sodium_memzero (params.key, sizeof params.key);
      return FALSE;
    }
  if (hap_controller_get_broadcast_key (controller, hap_controller_connection_get_accessory_id (self), &stored))
    {
      *current = params.has_key && hap_secure_equal (stored.key, params.key, sizeof stored.key) &&
                 memcmp (stored.advertising_id, params.advertising_id, sizeof stored.advertising_id) == 0 &&
                 !hap_ble_broadcast_key_is_expired (stored.key_gsn, params.gsn);
      sodium_memzero (&stored, sizeof stored);
    }
  sodium_memzero (params.key, sizeof params.key);
  return TRUE;
}

gboolean
hap_controller_connection_set_broadcast (HapControllerConnection *self,
                                         guint64                  aid,
                                         guint64                  iid,
                                         guint                    interval_ms,
                                         GCancellable            *cancellable,
                                         GError                 **error)
{
  HapControllerBle *ble;
  guint8 interval;
  gboolean current;

  g_return_val_if_fail (HAP_IS_CONTROLLER_CONNECTION (self), FALSE);
  /* §5.6: the three intervals a controller may ask for. */
  switch (interval_ms)
    {
    case 0:    interval = 0; break;
    case 20:   interval = HAP_BLE_BROADCAST_INTERVAL_20_MS; break;
    case 1280: interval = HAP_BLE_BROADCAST_INTERVAL_1280_MS; break;
    case 2560: interval = HAP_BLE_BROADCAST_INTERVAL_2560_MS; break;
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "a broadcast interval of %u ms; it must be 20, 1280 or 2560", interval_ms);
      return FALSE;
    }
  if ((ble = require_ble (self, "Characteristic Configuration", error)) == NULL)
    return FALSE;
  if (aid != HAP_BLE_AID || iid == 0 || iid > G_MAXUINT16)
    {
      g_set_error (error, HAP_STATUS_ERROR, HAP_STATUS_RESOURCE_DOES_NOT_EXIST,
                   "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT ": no such characteristic", aid, iid);
      return FALSE;
    }
  if (interval != 0)
    {
      HapBleProtocolParams params = { 0 };
      gboolean ok;

      if (!has_current_key (self, ble, &current, cancellable, error))
        return FALSE;
      ok = current || configure (self, ble, TRUE, &params, cancellable, error);
      sodium_memzero (params.key, sizeof params.key);
      if (!ok)
        return FALSE;
    }
  return hap_controller_ble_configure_characteristic (ble, (guint16) iid, interval, cancellable, error);
}
