/* vb-uuid.c — Bluetooth UUID strings as BlueZ reads and prints them
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-uuid.h"

#include <string.h>

static const char base_suffix[] = "-0000-1000-8000-00805f9b34fb";

static gboolean
all_hex (const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

VbUuidForm
vb_uuid_parse (const char *text,
               char        out[VB_UUID_STRLEN])
{
  gsize len = text != NULL ? strlen (text) : 0;

  if (len == 4 && all_hex (text, 4))
    {
      g_snprintf (out, VB_UUID_STRLEN, "0000%c%c%c%c%s",
                  g_ascii_tolower (text[0]), g_ascii_tolower (text[1]),
                  g_ascii_tolower (text[2]), g_ascii_tolower (text[3]), base_suffix);
      return VB_UUID_16;
    }
  if (len == 8 && all_hex (text, 8))
    {
      for (gsize i = 0; i < 8; i++)
        out[i] = g_ascii_tolower (text[i]);
      memcpy (out + 8, base_suffix, sizeof base_suffix);
      return VB_UUID_32;
    }
  if (len == 36)
    {
      for (gsize i = 0; i < 36; i++)
        {
          gboolean dash = i == 8 || i == 13 || i == 18 || i == 23;

          if (dash ? text[i] != '-' : !g_ascii_isxdigit (text[i]))
            return VB_UUID_INVALID;
          out[i] = g_ascii_tolower (text[i]);
        }
      out[36] = '\0';
      return VB_UUID_128;
    }
  return VB_UUID_INVALID;
}

void
vb_uuid_from_u16 (guint16 value,
                  char    out[VB_UUID_STRLEN])
{
  g_snprintf (out, VB_UUID_STRLEN, "0000%04x%s", value, base_suffix);
}

gboolean
vb_uuid_is_u16 (const char *uuid,
                guint16     value)
{
  char expected[VB_UUID_STRLEN];

  vb_uuid_from_u16 (value, expected);
  return g_strcmp0 (uuid, expected) == 0;
}

static guint8
hex_byte (const char *two)
{
  return (guint8) (g_ascii_xdigit_value (two[0]) << 4 | g_ascii_xdigit_value (two[1]));
}

gsize
vb_uuid_to_wire (const char *text,
                 guint8      out[16])
{
  char full[VB_UUID_STRLEN];
  char digits[33];
  gsize n = 0;

  switch (vb_uuid_parse (text, full))
    {
    case VB_UUID_16:
      out[0] = hex_byte (full + 6);
      out[1] = hex_byte (full + 4);
      return 2;
    case VB_UUID_32:
      for (gsize i = 0; i < 4; i++)
        out[i] = hex_byte (full + 6 - 2 * i);
      return 4;
    case VB_UUID_128:
      for (gsize i = 0; i < 36; i++)
        if (full[i] != '-')
          digits[n++] = full[i];
      for (gsize i = 0; i < 16; i++)
        out[i] = hex_byte (digits + 30 - 2 * i);
      return 16;
    case VB_UUID_INVALID:
    default:
      return 0;
    }
}
