/* hap-tlv8.c — TLV8 reader and writer (docs/protocol.md §1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-tlv8-private.h"
#include "hap-error.h"

#include <string.h>

#include <sodium.h>

/* docs/protocol.md §1.1: a TLV8 item is type (1 byte) ‖ length (1 byte) ‖ value. */
#define TLV8_HEADER_LEN   2
#define TLV8_MAX_FRAGMENT 255

struct _HapTlv8
{
  GArray *items;       /* HapTlv8Item; values point into @values */
  guint8 *values;      /* merged values, back to back; never NULL */
  gsize   values_size; /* allocated bytes of @values, wiped when freed */
};

/* Parser state for one pass over the input. */
typedef struct
{
  HapTlv8 *tlv;
  gsize    values_len;     /* bytes used in tlv->values */
  guint8   seen[256 / 8];  /* types seen in the current record */
  gboolean have_prev;      /* a non-separator item precedes in this record */
  guint8   prev_type;
  gsize    prev_fragment;  /* length of the last raw fragment of the previous item */
} Tlv8Parser;

static gboolean
type_seen (const Tlv8Parser *p,
           guint8            type)
{
  return (p->seen[type / 8] & (1u << (type % 8))) != 0;
}

static void
mark_type_seen (Tlv8Parser *p,
                guint8      type)
{
  p->seen[type / 8] |= (guint8) (1u << (type % 8));
}

static void
start_record (Tlv8Parser *p)
{
  memset (p->seen, 0, sizeof p->seen);
  p->have_prev = FALSE;
}

static void
push_item (Tlv8Parser   *p,
           guint8        type,
           const guint8 *value,
           gsize         len)
{
  HapTlv8Item item;

  item.type = type;
  item.len = len;
  /* tlv->values is sized for the whole input up front, so this pointer stays valid. */
  item.value = p->tlv->values + p->values_len;
  if (len > 0)
    memcpy (p->tlv->values + p->values_len, value, len);
  p->values_len += len;
  g_array_append_val (p->tlv->items, item);
}

static void
extend_last_item (Tlv8Parser   *p,
                  const guint8 *value,
                  gsize         len)
{
  HapTlv8Item *last = &g_array_index (p->tlv->items, HapTlv8Item, p->tlv->items->len - 1);

  /* The previous item's bytes are the last ones written, so appending merges. */
  memcpy (p->tlv->values + p->values_len, value, len);
  p->values_len += len;
  last->len += len;
}

/* Handles one raw item starting at @offset. */
static gboolean
parse_one (Tlv8Parser    *p,
           gsize          offset,
           guint8         type,
           const guint8  *value,
           gsize          len,
           GError       **error)
{
  if (type == HAP_TLV_SEPARATOR)
    {
      /* docs/protocol.md §1.1: records of a list are split by an empty 0xFF item. */
      if (len != 0)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "TLV8 separator (type 0xFF) at byte offset %" G_GSIZE_FORMAT
                       " has a %" G_GSIZE_FORMAT "-byte value; it must be empty",
                       offset, len);
          return FALSE;
        }
      push_item (p, type, value, 0);
      start_record (p);
      return TRUE;
    }

  if (p->have_prev && p->prev_type == type)
    {
      /* docs/protocol.md §1.1 (ADK): only a 255-byte fragment may be continued, and a
       * continuation may not be empty. */
      if (p->prev_fragment != TLV8_MAX_FRAGMENT)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "TLV8 item of type 0x%02X at byte offset %" G_GSIZE_FORMAT
                       " continues a %" G_GSIZE_FORMAT "-byte fragment; only "
                       "255-byte fragments may be continued",
                       type, offset, p->prev_fragment);
          return FALSE;
        }
      if (len == 0)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "TLV8 item of type 0x%02X at byte offset %" G_GSIZE_FORMAT
                       " is an empty continuation fragment",
                       type, offset);
          return FALSE;
        }
      extend_last_item (p, value, len);
      p->prev_fragment = len;
      return TRUE;
    }

  /* docs/protocol.md §1.1 (ADK): a type may not appear twice within one record. */
  if (type_seen (p, type))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "TLV8 item of type 0x%02X at byte offset %" G_GSIZE_FORMAT
                   " duplicates an earlier, non-adjacent item of the same type",
                   type, offset);
      return FALSE;
    }

  mark_type_seen (p, type);
  push_item (p, type, value, len);
  p->have_prev = TRUE;
  p->prev_type = type;
  p->prev_fragment = len;
  return TRUE;
}

HapTlv8 *
hap_tlv8_parse (const guint8  *data,
                gsize          len,
                GError       **error)
{
  g_autoptr(HapTlv8) tlv = NULL;
  Tlv8Parser p = { 0 };
  gsize offset = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  tlv = g_new0 (HapTlv8, 1);
  tlv->items = g_array_new (FALSE, FALSE, sizeof (HapTlv8Item));
  /* Merged values never exceed the input; one spare byte keeps the pointer non-NULL. */
  tlv->values = g_malloc (len + 1);
  tlv->values_size = len + 1;

  p.tlv = tlv;
  start_record (&p);

  while (offset < len)
    {
      guint8 type;
      gsize item_len;

      if (len - offset < TLV8_HEADER_LEN)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "TLV8 item header at byte offset %" G_GSIZE_FORMAT
                       " is truncated (1 of 2 bytes present)", offset);
          return NULL;
        }

      type = data[offset];
      item_len = data[offset + 1];
      if (len - offset - TLV8_HEADER_LEN < item_len)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                       "TLV8 item of type 0x%02X at byte offset %" G_GSIZE_FORMAT
                       " declares %" G_GSIZE_FORMAT " value bytes but only %"
                       G_GSIZE_FORMAT " remain",
                       type, offset, item_len, len - offset - TLV8_HEADER_LEN);
          return NULL;
        }

      if (!parse_one (&p, offset, type, data + offset + TLV8_HEADER_LEN, item_len, error))
        return NULL;

      offset += TLV8_HEADER_LEN + item_len;
    }

  return g_steal_pointer (&tlv);
}

void
hap_tlv8_free (HapTlv8 *tlv)
{
  if (tlv == NULL)
    return;

  g_array_unref (tlv->items);
  /* Pairing TLVs carry keys, proofs and salts. */
  sodium_memzero (tlv->values, tlv->values_size);
  g_free (tlv->values);
  g_free (tlv);
}

guint
hap_tlv8_get_n_items (HapTlv8 *tlv)
{
  g_return_val_if_fail (tlv != NULL, 0);

  return tlv->items->len;
}

const HapTlv8Item *
hap_tlv8_get_item (HapTlv8 *tlv,
                   guint    index)
{
  g_return_val_if_fail (tlv != NULL, NULL);
  g_return_val_if_fail (index < tlv->items->len, NULL);

  return &g_array_index (tlv->items, HapTlv8Item, index);
}

const guint8 *
hap_tlv8_get (HapTlv8 *tlv,
              guint8   type,
              gsize   *len)
{
  g_return_val_if_fail (tlv != NULL, NULL);

  for (guint i = 0; i < tlv->items->len; i++)
    {
      const HapTlv8Item *item = &g_array_index (tlv->items, HapTlv8Item, i);

      if (item->type == type)
        {
          if (len != NULL)
            *len = item->len;
          return item->value;
        }
      /* Only the first record is searched. */
      if (item->type == HAP_TLV_SEPARATOR)
        break;
    }

  if (len != NULL)
    *len = 0;
  return NULL;
}

gboolean
hap_tlv8_get_uint (HapTlv8  *tlv,
                   guint8    type,
                   guint64  *value)
{
  const guint8 *bytes;
  gsize len = 0;
  guint64 result = 0;

  g_return_val_if_fail (tlv != NULL, FALSE);

  /* docs/protocol.md §1.1: integers are little-endian; 8 bytes is all a guint64 holds. */
  bytes = hap_tlv8_get (tlv, type, &len);
  if (bytes == NULL || len == 0 || len > sizeof (guint64))
    return FALSE;

  for (gsize i = 0; i < len; i++)
    result |= (guint64) bytes[i] << (8 * i);

  if (value != NULL)
    *value = result;
  return TRUE;
}

void
hap_tlv8_append (GByteArray   *buf,
                 guint8        type,
                 const guint8 *value,
                 gsize         len)
{
  guint8 header[TLV8_HEADER_LEN];

  g_return_if_fail (buf != NULL);
  g_return_if_fail (value != NULL || len == 0);

  /* docs/protocol.md §1.1: an empty value is one empty item. */
  if (len == 0)
    {
      header[0] = type;
      header[1] = 0;
      g_byte_array_append (buf, header, sizeof header);
      return;
    }

  /* docs/protocol.md §1.1: 255-byte fragments, the last one 1..255 bytes, no trailing
   * empty item. */
  while (len > 0)
    {
      gsize chunk = MIN (len, TLV8_MAX_FRAGMENT);

      header[0] = type;
      header[1] = (guint8) chunk;
      g_byte_array_append (buf, header, sizeof header);
      g_byte_array_append (buf, value, (guint) chunk);
      value += chunk;
      len -= chunk;
    }
}

void
hap_tlv8_append_uint8 (GByteArray *buf,
                       guint8      type,
                       guint8      value)
{
  hap_tlv8_append (buf, type, &value, 1);
}

void
hap_tlv8_append_uint (GByteArray *buf,
                      guint8      type,
                      guint64     value)
{
  guint8 bytes[sizeof (guint64)];
  gsize len = 0;

  /* Minimal little-endian encoding; zero still takes one byte. */
  do
    {
      bytes[len++] = (guint8) (value & 0xFF);
      value >>= 8;
    }
  while (value != 0);

  hap_tlv8_append (buf, type, bytes, len);
}

void
hap_tlv8_append_string (GByteArray *buf,
                        guint8      type,
                        const char *str)
{
  g_return_if_fail (str != NULL);

  hap_tlv8_append (buf, type, (const guint8 *) str, strlen (str));
}

void
hap_tlv8_append_separator (GByteArray *buf)
{
  hap_tlv8_append (buf, HAP_TLV_SEPARATOR, NULL, 0);
}
