/* hap-types.h — enums and forward declarations shared by the libhap-glib model
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib-object.h>
#include "hap-version.h"

G_BEGIN_DECLS

typedef struct _HapAccessory       HapAccessory;
typedef struct _HapService         HapService;
typedef struct _HapCharacteristic  HapCharacteristic;
typedef struct _HapAccessoryServer HapAccessoryServer;

/* HAP §6.6.2 / hap-protocol.md §4.7: characteristic value formats. */
typedef enum
{
  HAP_FORMAT_BOOL,
  HAP_FORMAT_UINT8,
  HAP_FORMAT_UINT16,
  HAP_FORMAT_UINT32,
  HAP_FORMAT_UINT64,
  HAP_FORMAT_INT,
  HAP_FORMAT_FLOAT,
  HAP_FORMAT_STRING,
  HAP_FORMAT_TLV8,
  HAP_FORMAT_DATA,
} HapFormat;

/* hap-protocol.md §4.10: permission strings pr pw ev aa tw hd wr, plus the catalog's
 * adminOnlyAccess. */
typedef enum /*< flags >*/
{
  HAP_PERM_NONE            = 0,
  HAP_PERM_PAIRED_READ     = 1 << 0, /* pr */
  HAP_PERM_PAIRED_WRITE    = 1 << 1, /* pw */
  HAP_PERM_EVENTS          = 1 << 2, /* ev */
  HAP_PERM_ADDITIONAL_AUTH = 1 << 3, /* aa */
  HAP_PERM_TIMED_WRITE     = 1 << 4, /* tw */
  HAP_PERM_HIDDEN          = 1 << 5, /* hd */
  HAP_PERM_WRITE_RESPONSE  = 1 << 6, /* wr */
  HAP_PERM_ADMIN_ONLY      = 1 << 7, /* adminOnlyAccess (not serialized as a perm) */
} HapPerms;

/**
 * HapTransportFlags:
 * @HAP_TRANSPORT_IP: HAP over IP: TCP, HTTP, DNS-SD `_hap._tcp` (the default)
 * @HAP_TRANSPORT_BLE: HAP over Bluetooth LE through BlueZ (GATT, advertisements)
 *
 * The transports an accessory is served on. Both at once share one identity, one set of
 * pairings and one database.
 */
typedef enum
{
  HAP_TRANSPORT_IP  = 1 << 0,
  HAP_TRANSPORT_BLE = 1 << 1,
} HapTransportFlags;

HAP_AVAILABLE_IN_ALL
const char *hap_format_to_string   (HapFormat    format);
/* Returns FALSE for an unknown name. */
HAP_AVAILABLE_IN_ALL
gboolean    hap_format_from_string (const char  *name,
                                    HapFormat   *format);
/* Returns FALSE for an unknown perm string. */
HAP_AVAILABLE_IN_ALL
gboolean    hap_perm_from_string   (const char  *name,
                                    HapPerms    *perm);

/* Full UUID ("00000043-0000-1000-8000-0026BB765291") → short form ("43") for Apple
 * types, uppercase full form otherwise (hap-protocol.md §4.11). Free with g_free(). */
HAP_AVAILABLE_IN_ALL
char       *hap_uuid_to_short      (const char  *uuid);
/* Accepts a short Apple form ("43", "0043") or a full UUID in any case; returns the
 * full uppercase UUID, or NULL if @text is not a UUID. */
HAP_AVAILABLE_IN_ALL
char       *hap_uuid_normalize     (const char  *text);

G_END_DECLS
