/* hap-sim-characteristic-row.h — one characteristic of the Controls page as a live control
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "hap-sim-accessory.h"

G_BEGIN_DECLS

#define HAP_SIM_TYPE_CHARACTERISTIC_ROW (hap_sim_characteristic_row_get_type ())
G_DECLARE_FINAL_TYPE (HapSimCharacteristicRow, hap_sim_characteristic_row,
                      HAP_SIM, CHARACTERISTIC_ROW, AdwActionRow)

/* A row whose control follows the characteristic's format, permissions and constraints:
 * a switch, a drop-down of named values, a spin button (and a slider), an entry, a
 * "Send" button for event-only types, or just the value for read-only ones. Changes go
 * through hap_sim_accessory_set_value(). */
GtkWidget         *hap_sim_characteristic_row_new            (HapSimAccessory   *accessory,
                                                              HapCharacteristic *characteristic);
HapCharacteristic *hap_sim_characteristic_row_get_characteristic (HapSimCharacteristicRow *self);
/* Shows @value, changed elsewhere, without setting it again. Cheap: no widget is built. */
void               hap_sim_characteristic_row_update         (HapSimCharacteristicRow *self,
                                                              GVariant *value);
/* The widget that changes the value (GtkSwitch, GtkDropDown, GtkSpinButton, GtkEntry or
 * GtkButton), or NULL for a read-only characteristic. Its accessible label is the
 * characteristic's display name and its description "aid.iid". */
GtkWidget         *hap_sim_characteristic_row_get_control    (HapSimCharacteristicRow *self);
/* The GtkLabel showing the formatted value; accessible description "value aid.iid". */
GtkWidget         *hap_sim_characteristic_row_get_value_label (HapSimCharacteristicRow *self);

G_END_DECLS
