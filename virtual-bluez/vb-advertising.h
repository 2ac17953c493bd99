/* vb-advertising.h — LEAdvertisingManager1 of one adapter and its advertisements
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "vb-types.h"

G_BEGIN_DECLS

/* The kernel's legacy advertising instances as btmgmt reports them (docs/bluez.md §1.4). */
#define VB_MAX_ADVERTISEMENTS 5

/* What a scanner receives from an adapter: the advertising and scan response data
 * of its visible instances, merged the way bluetoothd merges reports into one
 * Device1 (same address). */
typedef struct
{
  gboolean connectable;          /* an instance of Type "peripheral" is on air */
  char *name;                    /* from a scan response, or NULL */
  GVariant *manufacturer_data;   /* a{qv}, NULL when none */
  GVariant *service_data;        /* a{sv} with full UUID keys, NULL when none */
  char **uuids;                  /* full form, NULL-terminated (may be empty) */
  gboolean has_tx_power;
  gint16 tx_power;
  gboolean has_appearance;
  guint16 appearance;
  guint8 flags;                  /* Flags AD value */
} VbScanData;

void vb_scan_data_clear (VbScanData *scan);

struct _VbAdvertising
{
  VbAdapter *adapter;
  GPtrArray *adverts;            /* registered and pending advertisements */
  gboolean hidden;               /* a central is connected: legacy advertising stops */
};

VbAdvertising *vb_advertising_new (VbAdapter  *adapter,
                                   GError    **error);

/* @release: call each advertisement's Release() first (bluetoothd does when the
 * adapter goes away). */
void vb_advertising_free (VbAdvertising *advertising,
                          gboolean       release);

/* FALSE when nothing is on air (no advertisement, powered off, or hidden). */
gboolean vb_advertising_get_scan_data (VbAdvertising *advertising,
                                       VbScanData    *scan);

/* While a central is connected the kernel stops legacy advertising (docs/bluez.md §1.3);
 * bluetoothd re-enables it after the disconnect. */
void vb_advertising_set_hidden (VbAdvertising *advertising,
                                gboolean       hidden);

/* The adapter's Discoverable or Alias changed: rebuild the payloads (Flags, name). */
void vb_advertising_refresh (VbAdvertising *advertising);

/* Drops the advertisements of a bus name that left (no Release(), it is gone). */
void vb_advertising_name_vanished (VbAdvertising *advertising,
                                   const char    *name);

/* Adds one a{sv} per advertisement to @builder (aa{sv}) for org.hapsim.VirtualBluez1. */
void vb_advertising_describe (VbAdvertising   *advertising,
                              GVariantBuilder *builder);

G_END_DECLS
