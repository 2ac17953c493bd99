/* hap-ble-le-private.h — little-endian integers of HAP-BLE PDUs, values and
 * advertisements (docs/protocol.md §0: multi-byte integers on BLE are little-endian)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

/* The @size (1 … 8) low bytes of @value, least significant first. (One copy of the
 * little-endian value rather than a loop of shifts: aarch64 gcc 12 at -O3 unrolled the
 * loop past out[7] and warned -Wstringop-overflow for 8-byte buffers.) */
static inline void
hap_ble_put_le (guint8  *out,
                guint64  value,
                gsize    size)
{
  guint64 le = GUINT64_TO_LE (value);

  memcpy (out, &le, MIN (size, sizeof le));
}

static inline guint64
hap_ble_get_le (const guint8 *in,
                gsize         size)
{
  guint64 value = 0;

  for (gsize i = 0; i < size; i++)
    value |= (guint64) in[i] << (8 * i);
  return value;
}

static inline void
hap_ble_put_le16 (guint8  *out,
                  guint16  value)
{
  hap_ble_put_le (out, value, 2);
}

static inline guint16
hap_ble_get_le16 (const guint8 *in)
{
  return (guint16) hap_ble_get_le (in, 2);
}

G_END_DECLS
