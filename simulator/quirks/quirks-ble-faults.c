/* quirks-ble-faults.c — fault injection on HAP-BLE procedures: slow, missing and
 * mislabelled responses, oversized fragments, dropped links
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not from the catalog (catalog_row 0): what a controller meets with battery devices at
 * the edge of radio range. They work in the BLE request and response hooks, on whole
 * procedures (docs/protocol.md §5.7), before the SDK fragments and encrypts the response.
 *
 * The SDK's own timers stay in force (§5.8): a procedure not answered within 10 s of
 * its first fragment drops the link — a response delayed that long, or never sent, ends
 * in a disconnection by the accessory, as it does on a real device.
 */
#include "hap-sim-quirk.h"


/* The "opcode" parameter of the quirks that pick procedures. */
#define OPCODE_CHOICES "any|signature-read|write|read|timed-write|execute-write|service-signature-read|" \
                       "characteristic-configuration|protocol-configuration"

static gboolean
opcode_matches (HapSimQuirk             *quirk,
                const HapBleRequestInfo *request)
{
  /* In the order of OPCODE_CHOICES after "any": opcodes 0x01–0x08 (§5.2). */
  static const char * const names[] = {
    "signature-read", "write", "read", "timed-write", "execute-write", "service-signature-read",
    "characteristic-configuration", "protocol-configuration",
  };
  const char *wanted = hap_sim_quirk_get_string (quirk, "opcode");

  if (g_str_equal (wanted, "any"))
    return TRUE;
  return request->opcode >= HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ &&
         request->opcode <= HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION &&
         g_str_equal (names[request->opcode - HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ], wanted);
}

/* ---- ble-slow-response ---------------------------------------------------------------- */

static HapHookVerdict
slow_request (HapSimQuirk             *quirk,
              HapBleConnection        *connection,
              const HapBleRequestInfo *request,
              guint                   *delay_ms)
{
  if (!opcode_matches (quirk, request))
    return HAP_HOOK_CONTINUE;
  *delay_ms = hap_sim_quirk_get_uint (quirk, "delay-ms");
  return *delay_ms > 0 ? HAP_HOOK_DELAY : HAP_HOOK_CONTINUE;
}

/* ---- ble-hang ------------------------------------------------------------------------- */

/* The controller's GATT reads of the response wait; 10 s after the request began the
 * accessory drops the link itself (§5.8). */
static HapHookVerdict
hang_request (HapSimQuirk             *quirk,
              HapBleConnection        *connection,
              const HapBleRequestInfo *request,
              guint                   *delay_ms)
{
  return opcode_matches (quirk, request) ? HAP_HOOK_HANG : HAP_HOOK_CONTINUE;
}

/* ---- ble-wrong-tid -------------------------------------------------------------------- */

/* §5.2: a response carries its request's TID, in every fragment. A controller matching
 * responses to requests by TID (aiohomekit's decode_pdu checks it) must refuse these. */
static void
wrong_tid_response (HapSimQuirk              *quirk,
                    HapBleConnection         *connection,
                    const HapBleRequestInfo  *request,
                    HapBleResponseInfo       *response)
{
  if (opcode_matches (quirk, request))
    response->tid = (guint8) (response->tid + hap_sim_quirk_get_uint (quirk, "tid-offset"));
}

/* ---- ble-unfragmented ----------------------------------------------------------------- */

/* §5.7: responses are fragmented to fit one GATT value (512 bytes, less the 16-byte tag
 * once secured). Sent as one fragment however long, a response past 512 bytes is cut by
 * the ATT layer and the controller gets a truncated PDU that, secured, does not even
 * authenticate. Up to 512 bytes nothing changes on the air: ATT's Read Blob carries a
 * value longer than the MTU. */
static void
unfragmented_response (HapSimQuirk              *quirk,
                       HapBleConnection         *connection,
                       const HapBleRequestInfo  *request,
                       HapBleResponseInfo       *response)
{
  if (opcode_matches (quirk, request))
    response->max_fragment = 0;
}

/* ---- ble-drop-on-request -------------------------------------------------------------- */

typedef struct
{
  guint count;
} DropCount;

static HapHookVerdict
drop_request (HapSimQuirk             *quirk,
              HapBleConnection        *connection,
              const HapBleRequestInfo *request,
              guint                   *delay_ms)
{
  DropCount *counted;

  if (hap_sim_quirk_get_bool (quirk, "secured-only") && !hap_ble_connection_is_secured (connection))
    return HAP_HOOK_CONTINUE;
  if ((counted = hap_sim_quirk_get_conn_data (quirk, connection)) == NULL)
    {
      counted = g_new0 (DropCount, 1);
      hap_sim_quirk_set_conn_data (quirk, connection, counted, g_free);
    }
  return ++counted->count == hap_sim_quirk_get_uint (quirk, "requests") ? HAP_HOOK_CLOSE : HAP_HOOK_CONTINUE;
}

/* ---- the table ------------------------------------------------------------------------ */

static const HapSimQuirkParam slow_params[] = {
  { "delay-ms", HAP_SIM_PARAM_UINT,
    "Responses come this much later (10000 or more: the accessory drops the link at 10 s, §5.8)",
    "2000", 0, 600000, NULL },
  { "opcode", HAP_SIM_PARAM_STRING, "Only procedures of this opcode", "any", 0, 0, OPCODE_CHOICES },
  { NULL }
};

static const HapSimQuirkParam hang_params[] = {
  { "opcode", HAP_SIM_PARAM_STRING, "Only procedures of this opcode", "any", 0, 0, OPCODE_CHOICES },
  { NULL }
};

static const HapSimQuirkParam wrong_tid_params[] = {
  { "tid-offset", HAP_SIM_PARAM_UINT, "Added to the request's TID (modulo 256)", "1", 1, 255, NULL },
  { "opcode", HAP_SIM_PARAM_STRING, "Only responses to this opcode", "any", 0, 0, OPCODE_CHOICES },
  { NULL }
};

static const HapSimQuirkParam unfragmented_params[] = {
  { "opcode", HAP_SIM_PARAM_STRING, "Only responses to this opcode", "any", 0, 0, OPCODE_CHOICES },
  { NULL }
};

static const HapSimQuirkParam drop_params[] = {
  { "requests", HAP_SIM_PARAM_UINT, "The Nth request of a link drops it, unanswered", "3", 1, 1000000, NULL },
  { "secured-only", HAP_SIM_PARAM_BOOL, "Count only requests of a secured session (not the pairing ones)",
    "true", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkInfo ble_fault_quirks[] = {
  {
    .name = "ble-slow-response",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "HAP-BLE responses come late (a battery device waking slowly, or far away)",
    .catalog_row = 0,
    .params = slow_params,
    .ble_request = slow_request,
  },
  {
    .name = "ble-hang",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "HAP-BLE requests never answered; the accessory drops the link after 10 s (§5.8)",
    .catalog_row = 0,
    .params = hang_params,
    .ble_request = hang_request,
  },
  {
    .name = "ble-wrong-tid",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "HAP-BLE responses carry another TID than their request's (firmware bug, no device named)",
    .catalog_row = 0,
    .params = wrong_tid_params,
    .ble_response = wrong_tid_response,
  },
  {
    .name = "ble-unfragmented",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "HAP-BLE responses sent as one fragment however long; past 512 bytes ATT cuts them",
    .catalog_row = 0,
    .params = unfragmented_params,
    .ble_response = unfragmented_response,
  },
  {
    .name = "ble-drop-on-request",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "The link is dropped at its Nth request, unanswered (a device resetting under load)",
    .catalog_row = 0,
    .params = drop_params,
    .ble_request = drop_request,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_ble_faults (guint *n)
{
  *n = G_N_ELEMENTS (ble_fault_quirks);
  return ble_fault_quirks;
}
