/* hap-sim-adapters.h — the Bluetooth adapters BlueZ offers, and which accessory uses each
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Read from bluetoothd's object tree (org.bluez on the system bus, or on
 * DBUS_SYSTEM_BUS_ADDRESS: hap-virtual-bluez, or bluetoothd in the test VM).
 */
#pragma once

#include "hap-sim-engine.h"

G_BEGIN_DECLS

typedef struct
{
  char     *name;         /* "hci0" */
  char     *address;      /* "00:AA:01:01:00:01" */
  gboolean  powered;
  gboolean  peripheral;   /* Adapter1.Roles has "peripheral": it can serve HAP over BLE */
  char     *used_by;      /* the id of the accessory serving HAP over BLE on it, or NULL */
} HapSimAdapter;

void       hap_sim_adapter_free               (HapSimAdapter *adapter);

/* Sorted by name. HAP_SIM_ERROR_BAD_STATE when BlueZ is not running (no org.bluez) or
 * the system bus is not there, naming which. */
void       hap_sim_engine_list_adapters_async  (HapSimEngine         *self,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
/* HapSimAdapter, element-free function set. */
GPtrArray *hap_sim_engine_list_adapters_finish (HapSimEngine         *self,
                                                GAsyncResult         *result,
                                                GError              **error);
/* aa{sv}: name, address, powered, peripheral, used-by ("" when free). */
GVariant  *hap_sim_adapters_to_variant         (GPtrArray            *adapters);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSimAdapter, hap_sim_adapter_free)

G_END_DECLS
