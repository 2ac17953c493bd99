/* quirks-ble.c — BLE quirks of the GATT database and of HAP-BLE procedures: real
 * devices' signatures, write-first characteristics and incomplete services
 * (simulator/QUIRKS.md rows 47, 48, 50 and 51)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The signature and read quirks bend responses the SDK already built, in the BLE
 * response hook, before they are fragmented; responses they do not touch go out byte for
 * byte as the SDK made them. The database quirks leave attributes out of the GATT
 * application (the gatt_include hook): the accessory registers its application again
 * when one is switched on or off, so a controller must discover the services anew.
 * Advertising quirks (rows 49 and 52) are in quirks-ble-advertising.c, fault injection
 * in quirks-ble-faults.c.
 *
 * What aiohomekit (Home Assistant's controller) makes of each, from its BLE pairing code
 * (controller/ble/pairing.py, 2023):
 * it skips a signature without format but needs perms, skips characteristics listed as
 * "write first" when it reads values, and reads every service's Service Instance ID
 * characteristic without checking that there is one.
 */
#include "hap-sim-quirk.h"

#include <string.h>

#include "hap-sim-accessory.h"

#define APPLE_UUID_SUFFIX      "-0000-1000-8000-0026BB765291"
#define UUID_IDENTIFY          "00000014" APPLE_UUID_SUFFIX
#define UUID_SERVICE_SIGNATURE "000000A5" APPLE_UUID_SUFFIX

/* docs/protocol.md §5.5: the BT SIG presentation format code of data (and tlv8). */
#define FORMAT_CODE_DATA 0x1B

/* ---- choosing characteristics and services -------------------------------------------- */

/* Apple-defined types live on Apple's base UUID (docs/protocol.md §4.11). */
static gboolean
type_is_apple (const char *uuid)
{
  return uuid != NULL && g_str_has_suffix (uuid, APPLE_UUID_SUFFIX);
}

static gboolean
is_number (const char *text)
{
  if (*text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

/* The "characteristics" parameter: "vendor" (types off Apple's base UUID), "all", or a
 * comma-separated list of iids ("81"), "aid.iid" or "Service/Characteristic". Entries that
 * name nothing select nothing. */
static gboolean
characteristic_selected (HapSimQuirk       *quirk,
                         HapCharacteristic *characteristic)
{
  const char *selection = hap_sim_quirk_get_string (quirk, "characteristics");
  g_auto(GStrv) entries = NULL;

  if (characteristic == NULL)
    return FALSE;
  if (g_str_equal (selection, "all"))
    return TRUE;
  if (g_str_equal (selection, "vendor"))
    return !type_is_apple (hap_characteristic_get_type_uuid (characteristic));
  entries = g_strsplit (selection, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      const char *entry = g_strstrip (entries[i]);

      if (is_number (entry) ? g_ascii_strtoull (entry, NULL, 10) == hap_characteristic_get_iid (characteristic)
                            : hap_sim_accessory_find (quirk->accessory, entry, NULL) == characteristic)
        return TRUE;
    }
  return FALSE;
}

/* The "services" parameter: "all", "vendor", or a comma-separated list of service iids
 * ("80": a number is an iid) or types (a catalog name "Lightbulb", or a UUID). */
static gboolean
service_selected (HapSimQuirk *quirk,
                  HapService  *service)
{
  const char *selection = hap_sim_quirk_get_string (quirk, "services");
  const char *type = hap_service_get_type_uuid (service);
  g_auto(GStrv) entries = NULL;

  if (g_str_equal (selection, "all"))
    return TRUE;
  if (g_str_equal (selection, "vendor"))
    return !type_is_apple (type);
  entries = g_strsplit (selection, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      const char *entry = g_strstrip (entries[i]);
      const HapServiceType *known;
      g_autofree char *uuid = NULL;

      if (is_number (entry))
        {
          if (g_ascii_strtoull (entry, NULL, 10) == hap_service_get_iid (service))
            return TRUE;
          continue;
        }
      if ((known = hap_catalog_lookup_service (entry)) != NULL)
        uuid = g_strdup (known->uuid);
      else
        uuid = hap_uuid_normalize (entry);
      if (uuid != NULL && g_strcmp0 (uuid, type) == 0)
        return TRUE;
    }
  return FALSE;
}

/* A successful response to @opcode carrying a body. */
static gboolean
is_success (const HapBleRequestInfo  *request,
            const HapBleResponseInfo *response,
            guint8                    opcode)
{
  return request->opcode == opcode && response->status == HAP_BLE_PDU_STATUS_SUCCESS;
}

/* ---- signature edits ------------------------------------------------------------------ */

typedef struct
{
  gboolean drop_properties;   /* leave out param 0x0A */
  gboolean drop_format;       /* leave out param 0x0C */
  guint8   format_code;       /* else, when not 0: 0x0C's format byte */
} SignatureEdit;

/* @response's Characteristic Signature Read body (docs/protocol.md §5.6) edited as @edit
 * says, the other parameters as they were and in their order. A body that does not parse
 * (another quirk's doing) is left alone. */
static void
edit_signature (HapBleResponseInfo  *response,
                const SignatureEdit *edit)
{
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GByteArray) out = NULL;
  const guint8 *data;
  gsize len;

  if (response->body == NULL)
    return;
  data = g_bytes_get_data (response->body, &len);
  if ((tlv = hap_tlv8_parse (data, len, NULL)) == NULL)
    return;
  out = g_byte_array_sized_new ((guint) len);
  for (guint i = 0; i < hap_tlv8_get_n_items (tlv); i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

      if ((item->type == HAP_BLE_PARAM_CHARACTERISTIC_PROPERTIES && edit->drop_properties) ||
          (item->type == HAP_BLE_PARAM_PRESENTATION_FORMAT && edit->drop_format))
        continue;
      if (item->type == HAP_BLE_PARAM_PRESENTATION_FORMAT && edit->format_code != 0 && item->len > 0)
        {
          g_autofree guint8 *format = g_memdup2 (item->value, item->len);

          format[0] = edit->format_code;
          hap_tlv8_append (out, item->type, format, item->len);
          continue;
        }
      hap_tlv8_append (out, item->type, item->value, item->len);
    }
  g_bytes_unref (response->body);
  response->body = g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* ---- ble-signature-incomplete (row 47) ------------------------------------------------ */

/* aiohomekit takes decoded["perms"] without checking, so a signature without properties
 * fails its database fetch; a missing format it tolerates since HA #76104. */
static void
incomplete_response (HapSimQuirk              *quirk,
                     HapBleConnection         *connection,
                     const HapBleRequestInfo  *request,
                     HapBleResponseInfo       *response)
{
  const char *missing = hap_sim_quirk_get_string (quirk, "missing");
  SignatureEdit edit = { 0 };

  if (!is_success (request, response, HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ) ||
      !characteristic_selected (quirk, request->characteristic))
    return;
  edit.drop_properties = !g_str_equal (missing, "format");
  edit.drop_format = !g_str_equal (missing, "perms");
  edit_signature (response, &edit);
}

/* ---- ble-identify-as-data (row 48) ---------------------------------------------------- */

/* Identify is a write-only bool (docs/protocol.md §6); these devices present it as data
 * (0x1B). A controller that writes by the presented format sends bytes, not a bool. */
static void
identify_data_response (HapSimQuirk              *quirk,
                        HapBleConnection         *connection,
                        const HapBleRequestInfo  *request,
                        HapBleResponseInfo       *response)
{
  SignatureEdit edit = { .format_code = FORMAT_CODE_DATA };

  if (!is_success (request, response, HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ) ||
      request->characteristic == NULL ||
      g_strcmp0 (hap_characteristic_get_type_uuid (request->characteristic), UUID_IDENTIFY) != 0)
    return;
  edit_signature (response, &edit);
}

/* ---- ble-write-first (row 50) --------------------------------------------------------- */

/* The characteristics written since the quirk was switched on: iids (any controller,
 * any connection). */
typedef struct
{
  GHashTable *written;
} WriteFirstState;

static void
write_first_disable (HapSimQuirk *quirk)
{
  WriteFirstState *state = quirk->state;

  if (state == NULL)
    return;
  g_hash_table_unref (state->written);
  g_clear_pointer (&quirk->state, g_free);
}

static void
write_first_enable (HapSimQuirk *quirk)
{
  WriteFirstState *state;

  write_first_disable (quirk);   /* new parameters: nothing written yet */
  state = g_new0 (WriteFirstState, 1);
  state->written = g_hash_table_new (NULL, NULL);
  quirk->state = state;
}

/* A Wemo answers reads of its vendor characteristic 246912DC-… with an error until it was
 * written (aiohomekit 0411e20 stopped reading it, and the Apple camera characteristics
 * that behave alike). Which status is not recorded: the default is the one the ADK gives
 * a read it cannot serve in its state (Invalid Request); empty-value answers Success with
 * an empty Value, as the Wemo Dimmer's reads in aiohomekit #157 came back. */
static void
write_first_response (HapSimQuirk              *quirk,
                      HapBleConnection         *connection,
                      const HapBleRequestInfo  *request,
                      HapBleResponseInfo       *response)
{
  WriteFirstState *state = quirk->state;
  const char *answer = hap_sim_quirk_get_string (quirk, "status");
  static const guint8 empty_value[] = { HAP_BLE_PARAM_VALUE, 0 };

  if (state == NULL || response->status != HAP_BLE_PDU_STATUS_SUCCESS || request->characteristic == NULL)
    return;
  if (request->opcode == HAP_BLE_OPCODE_CHARACTERISTIC_WRITE ||
      request->opcode == HAP_BLE_OPCODE_CHARACTERISTIC_EXECUTE_WRITE)
    {
      g_hash_table_add (state->written, GUINT_TO_POINTER ((guint) hap_characteristic_get_iid (request->characteristic)));
      return;
    }
  if (request->opcode != HAP_BLE_OPCODE_CHARACTERISTIC_READ ||
      !characteristic_selected (quirk, request->characteristic) ||
      g_hash_table_contains (state->written, GUINT_TO_POINTER ((guint) hap_characteristic_get_iid (request->characteristic))))
    return;
  g_clear_pointer (&response->body, g_bytes_unref);
  if (g_str_equal (answer, "empty-value"))
    response->body = g_bytes_new_static (empty_value, sizeof empty_value);
  else if (g_str_equal (answer, "insufficient-authorization"))
    response->status = HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHORIZATION;
  else
    response->status = HAP_BLE_PDU_STATUS_INVALID_REQUEST;
}

/* ---- ble-no-service-signature, ble-service-no-iid, ble-empty-service (row 51) --------- */

/* docs/protocol.md §5.1: a service with properties or links carries a Service Signature
 * (A5); without it a controller cannot read them, and without A5 on Protocol Information
 * it cannot ask for the broadcast key either. */
static gboolean
no_signature_include (HapSimQuirk       *quirk,
                      HapService        *service,
                      HapCharacteristic *characteristic)
{
  return characteristic == NULL ||
         g_strcmp0 (hap_characteristic_get_type_uuid (characteristic), UUID_SERVICE_SIGNATURE) != 0 ||
         !service_selected (quirk, service);
}

/* §5.1: every HAP service has a Service Instance ID characteristic (NULL here); without
 * it the service's iid is only in its characteristics' signatures. */
static gboolean
no_iid_include (HapSimQuirk       *quirk,
                HapService        *service,
                HapCharacteristic *characteristic)
{
  return characteristic != NULL || !service_selected (quirk, service);
}

/* The service stays with its Service Instance ID, and nothing else. */
static gboolean
empty_service_include (HapSimQuirk       *quirk,
                       HapService        *service,
                       HapCharacteristic *characteristic)
{
  return characteristic == NULL || !service_selected (quirk, service);
}

/* ---- the table ------------------------------------------------------------------------ */

static const HapSimQuirkParam incomplete_params[] = {
  { "missing", HAP_SIM_PARAM_STRING,
    "What the signature lacks: perms (properties, param 0x0A), format (presentation format, 0x0C) or both",
    "both", 0, 0, "perms|format|both" },
  { "characteristics", HAP_SIM_PARAM_STRING,
    "vendor (types off Apple's base UUID; none: nothing changes), all, or iids, aid.iid or Service/Characteristic, comma-separated",
    "vendor", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkParam write_first_params[] = {
  { "characteristics", HAP_SIM_PARAM_STRING,
    "vendor (types off Apple's base UUID), all, or iids, aid.iid or Service/Characteristic, comma-separated",
    "vendor", 0, 0, NULL },
  { "status", HAP_SIM_PARAM_STRING,
    "The answer to a read before the first write: a PDU status, or Success with an empty value",
    "invalid-request", 0, 0, "invalid-request|insufficient-authorization|empty-value" },
  { NULL }
};

static const HapSimQuirkParam all_services_params[] = {
  { "services", HAP_SIM_PARAM_STRING,
    "all, vendor (types off Apple's base UUID), or service iids (80) or types (Lightbulb, a UUID), comma-separated",
    "all", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkParam vendor_services_params[] = {
  { "services", HAP_SIM_PARAM_STRING,
    "vendor (types off Apple's base UUID), all, or service iids (80) or types (Lightbulb, a UUID), comma-separated",
    "vendor", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkInfo ble_quirks[] = {
  {
    .name = "ble-signature-incomplete",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Vendor characteristics' signatures without perms or format (Schlage Sense lock, unnamed devices)",
    .catalog_row = 47,
    .params = incomplete_params,
    .ble_response = incomplete_response,
  },
  {
    .name = "ble-identify-as-data",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Identify's signature presents it as data (0x1B) instead of bool (Eve v1 devices)",
    .catalog_row = 48,
    .ble_response = identify_data_response,
  },
  {
    .name = "ble-write-first",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Characteristics unreadable until a controller wrote them once (Belkin Wemo switch)",
    .catalog_row = 50,
    .params = write_first_params,
    .enable = write_first_enable,
    .disable = write_first_disable,
    .ble_response = write_first_response,
  },
  {
    .name = "ble-no-service-signature",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Services without their Service Signature characteristic A5 (unnamed devices)",
    .catalog_row = 51,
    .params = all_services_params,
    .ble_gatt_include = no_signature_include,
  },
  {
    .name = "ble-service-no-iid",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Services without the Service Instance ID characteristic (unnamed devices)",
    .catalog_row = 51,
    .params = vendor_services_params,
    .ble_gatt_include = no_iid_include,
  },
  {
    .name = "ble-empty-service",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Services with an empty characteristic list, only their Service Instance ID (unnamed devices)",
    .catalog_row = 51,
    .params = vendor_services_params,
    .ble_gatt_include = empty_service_include,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_ble (guint *n)
{
  *n = G_N_ELEMENTS (ble_quirks);
  return ble_quirks;
}
