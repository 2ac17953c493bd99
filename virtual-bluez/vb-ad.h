/* vb-ad.h — LEAdvertisement1 properties as bluetoothd 5.66 reads them, and the legacy
 *           advertising payloads they become
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions, no I/O (docs/bluez.md §1.3): vb_ad_parse() is advertising.c's
 * parsers table, vb_ad_build() is bt_ad_generate() plus what the kernel adds (Flags
 * and TX power) for an LE-only controller like btvirt -L.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Legacy advertising and scan response payloads (Core Vol 6 Part B §2.3.1). */
#define VB_AD_MAX_LEN 31

/* Includes (SupportedIncludes of 5.66). */
enum
{
  VB_AD_INCLUDE_TX_POWER   = 1 << 0,
  VB_AD_INCLUDE_APPEARANCE = 1 << 1,
  VB_AD_INCLUDE_LOCAL_NAME = 1 << 2,
};

/* AD types (Core Supplement Part A §1). */
enum
{
  VB_AD_FLAGS            = 0x01,
  VB_AD_UUID16_ALL       = 0x03,
  VB_AD_UUID32_ALL       = 0x05,
  VB_AD_UUID128_ALL      = 0x07,
  VB_AD_NAME_SHORT       = 0x08,
  VB_AD_NAME_COMPLETE    = 0x09,
  VB_AD_TX_POWER         = 0x0a,
  VB_AD_SOLICIT16        = 0x14,
  VB_AD_SOLICIT128       = 0x15,
  VB_AD_SERVICE_DATA16   = 0x16,
  VB_AD_APPEARANCE       = 0x19,
  VB_AD_SOLICIT32        = 0x1f,
  VB_AD_SERVICE_DATA32   = 0x20,
  VB_AD_SERVICE_DATA128  = 0x21,
  VB_AD_MANUFACTURER     = 0xff,
};

/* Flags AD bits. */
#define VB_AD_FLAG_GENERAL  0x02
#define VB_AD_FLAG_NO_BREDR 0x04

typedef struct
{
  guint16 company;
  GBytes *data;
} VbAdManufacturer;

typedef struct
{
  char *uuid;      /* as written by the application */
  GBytes *data;
} VbAdServiceData;

typedef struct
{
  gboolean peripheral;          /* Type "peripheral" (else "broadcast", the default) */
  GPtrArray *service_uuids;     /* char *, as written */
  GPtrArray *solicit_uuids;     /* char *, as written */
  GArray *manufacturer;         /* VbAdManufacturer, one per company, in order */
  GArray *service_data;         /* VbAdServiceData, one per UUID, in order */
  guint includes;               /* VB_AD_INCLUDE_* */
  char *local_name;             /* NULL when absent or empty */
  gboolean has_appearance;
  guint16 appearance;
  guint16 duration;             /* seconds, recorded only */
  guint16 timeout;              /* seconds; the advert is released after it */
  /* Experimental (bluetoothd -E). Recorded whether or not --experimental is on, so
   * tests can see what an accessory asked for; *_applied says if bluetoothd would
   * have used them. */
  guint32 min_interval_ms;
  guint32 max_interval_ms;
  gboolean intervals_applied;
  gboolean has_tx_power;
  gint16 tx_power;
} VbAdData;

void vb_ad_data_init (VbAdData *ad);
void vb_ad_data_clear (VbAdData *ad);

/* Parses GetAll("org.bluez.LEAdvertisement1") into @ad. Errors are what bluetoothd
 * answers: org.bluez.Error.Failed "Failed to parse advertisement." (with the offending
 * property in parentheses). */
gboolean vb_ad_parse (GVariant  *properties,
                      gboolean   experimental,
                      VbAdData  *ad,
                      GError   **error);

typedef struct
{
  GBytes *adv_data;      /* what goes on air in ADV_IND, Flags included */
  GBytes *scan_response; /* NULL when there is none */
  guint8 flags;          /* the Flags AD value */
} VbAdPayload;

void vb_ad_payload_clear (VbAdPayload *payload);

/* Builds the payloads for an adapter whose Discoverable is @discoverable and whose
 * Alias is @adapter_alias (used by Includes "local-name"), enforcing bluetoothd's
 * length rule (calc_max_adv_len) and then the kernel's (Flags and TX power must
 * still fit 31 bytes). */
gboolean vb_ad_build (const VbAdData *ad,
                      gboolean        discoverable,
                      const char     *adapter_alias,
                      VbAdPayload    *payload,
                      GError        **error);

/* The name a scanner learns from the scan response: complete, or the shortened
 * name when it did not fit; NULL when the payload has none. */
char *vb_ad_payload_name (const VbAdPayload *payload);

G_END_DECLS
