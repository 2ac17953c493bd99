/* hap-accessory-dump-private.h — accessories from what a real device answered to
 * GET /accessories (hap-accessory-dump.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-accessory.h"
#include "hap-json-reader.h"

G_BEGIN_DECLS

typedef enum
{
  HAP_DUMP_NONE,            /* this simulator's own accessory format */
  HAP_DUMP_WIRE,            /* [ {aid, services}, … ] or {"accessories": […]} */
  HAP_DUMP_HOME_ASSISTANT,  /* a homekit_controller diagnostics download */
} HapDumpFormat;

/* Which format @root (a parsed accessory file) is in, from its content. */
HapDumpFormat  _hap_accessory_dump_detect (JsonNode       *root);

/* The accessory @root describes in @format (not HAP_DUMP_NONE), served as recorded.
 * Errors read "FILE:LINE:COL: PATH: what (read as FORMAT)"; what the device got wrong
 * but can still be served is logged as one warning per oddity. */
HapAccessory  *_hap_accessory_dump_load   (HapJsonReader  *json,
                                           JsonNode       *root,
                                           HapDumpFormat   format,
                                           GError        **error);

/* The category an accessory takes from its first service (hap-accessory-loader.c). */
int            _hap_loader_category_from_services (JsonNode *services,
                                                   gboolean  has_bridged);

G_END_DECLS
