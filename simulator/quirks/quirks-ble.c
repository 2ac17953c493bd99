/* quirks-ble.c — HAP over Bluetooth LE: real battery devices' GATT, PDU and advertising
 * misbehaviours (device-quirks.md rows 47–52) and BLE fault injection
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-quirk.h"

static const HapSimQuirkInfo quirks[] = {
  { NULL }
};

const HapSimQuirkInfo *
hap_sim_quirks_ble (guint *n)
{
  *n = 0;
  return quirks;
}
