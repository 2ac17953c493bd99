/* fuzz-tlv8.c — libFuzzer target for the TLV8 reader (docs/protocol.md §1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Property: whatever the reader accepts, re-encoding its items with the writer must
 * parse again to the very same items (types, lengths and bytes).
 */
#include "hap-tlv8-private.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GByteArray *
encode_items (HapTlv8 *tlv)
{
  GByteArray *buf = g_byte_array_new ();

  for (guint i = 0; i < hap_tlv8_get_n_items (tlv); i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

      if (item->type == HAP_TLV_SEPARATOR)
        hap_tlv8_append_separator (buf);
      else
        hap_tlv8_append (buf, item->type, item->value, item->len);
    }
  return buf;
}

static void
assert_same_items (HapTlv8 *a,
                   HapTlv8 *b)
{
  if (hap_tlv8_get_n_items (a) != hap_tlv8_get_n_items (b))
    abort ();

  for (guint i = 0; i < hap_tlv8_get_n_items (a); i++)
    {
      const HapTlv8Item *x = hap_tlv8_get_item (a, i);
      const HapTlv8Item *y = hap_tlv8_get_item (b, i);

      if (x->type != y->type || x->len != y->len)
        abort ();
      if (x->len > 0 && memcmp (x->value, y->value, x->len) != 0)
        abort ();
    }
}

/* Lookups over every type must agree with the first record's items. */
static void
exercise_getters (HapTlv8 *tlv)
{
  for (guint type = 0; type <= 0xFF; type++)
    {
      gsize len = 0;
      guint64 value = 0;
      const guint8 *bytes = hap_tlv8_get (tlv, (guint8) type, &len);
      gboolean has_uint = hap_tlv8_get_uint (tlv, (guint8) type, &value);

      if (bytes == NULL && (len != 0 || has_uint))
        abort ();
      if (has_uint != (bytes != NULL && len >= 1 && len <= 8))
        abort ();
      if (bytes != NULL && len > 0)
        {
          volatile guint8 sink = bytes[0] ^ bytes[len - 1];
          (void) sink;
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(HapTlv8) again = NULL;
  g_autoptr(GByteArray) encoded = NULL;
  g_autoptr(GError) error = NULL;

  tlv = hap_tlv8_parse (data, size, &error);
  if (tlv == NULL)
    {
      /* Rejections must carry a message (and nothing else may fail). */
      if (error == NULL || error->message == NULL)
        abort ();
      return 0;
    }

  exercise_getters (tlv);

  encoded = encode_items (tlv);
  again = hap_tlv8_parse (encoded->data, encoded->len, &error);
  if (again == NULL)
    abort ();
  assert_same_items (tlv, again);

  /* The writer's output is canonical: encoding it once more changes nothing. */
  {
    g_autoptr(GByteArray) twice = encode_items (again);

    if (twice->len != encoded->len
        || (encoded->len > 0 && memcmp (twice->data, encoded->data, encoded->len) != 0))
      abort ();
  }

  return 0;
}
