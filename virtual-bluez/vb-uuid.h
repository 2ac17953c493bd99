/* vb-uuid.h — Bluetooth UUID strings as BlueZ reads and prints them
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "0000xxxx-0000-1000-8000-00805f9b34fb" plus the terminator. */
#define VB_UUID_STRLEN 37

/* How a UUID string was written; bluetoothd (lib/uuid.c bt_string_to_uuid) keeps the
 * form: "180D" is 16-bit, "0000180d" 32-bit and a full UUID 128-bit in advertising
 * data, even when it is the Bluetooth base UUID. */
typedef enum
{
  VB_UUID_INVALID = 0,
  VB_UUID_16 = 2,
  VB_UUID_32 = 4,
  VB_UUID_128 = 16,
} VbUuidForm;

/* Parses @text (4, 8 or 36 hex characters, case-insensitive) into the full lowercase
 * 128-bit form in @out; returns its written form, or VB_UUID_INVALID. */
VbUuidForm vb_uuid_parse (const char *text,
                          char        out[VB_UUID_STRLEN]);

/* The full form of a 16-bit SIG UUID. */
void vb_uuid_from_u16 (guint16 value,
                       char    out[VB_UUID_STRLEN]);

/* TRUE when @uuid (full lowercase form) is the SIG UUID @value. */
gboolean vb_uuid_is_u16 (const char *uuid,
                         guint16     value);

/* Writes the little-endian wire bytes of @text in its written form (2, 4 or 16
 * bytes) to @out; returns the count, 0 when invalid. */
gsize vb_uuid_to_wire (const char *text,
                       guint8      out[16]);

G_END_DECLS
