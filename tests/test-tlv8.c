/* test-tlv8.c — TLV8 writer and strict reader (docs/protocol.md §1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-tlv8-private.h"
#include "hap-error.h"

#include <string.h>

/* A value whose bytes differ from fragment to fragment: byte i is i % 251. */
static guint8 *
pattern (gsize len)
{
  guint8 *value = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    value[i] = (guint8) (i % 251);
  return value;
}

/* Builds the exact encoding independently: fragments of 255 and a 1..255 tail. */
static GByteArray *
expected_encoding (guint8        type,
                   const guint8 *value,
                   const gsize  *fragments,
                   gsize         n_fragments)
{
  GByteArray *out = g_byte_array_new ();

  for (gsize i = 0; i < n_fragments; i++)
    {
      guint8 header[2] = { type, (guint8) fragments[i] };

      g_byte_array_append (out, header, 2);
      g_byte_array_append (out, value, (guint) fragments[i]);
      value += fragments[i];
    }
  return out;
}

typedef struct
{
  gsize len;
  gsize fragments[4];
  gsize n_fragments;
} FragmentCase;

static const FragmentCase fragment_cases[] = {
  { 0,    { 0 },                 1 },
  { 1,    { 1 },                 1 },
  { 255,  { 255 },               1 },
  { 256,  { 255, 1 },            2 },
  { 510,  { 255, 255 },          2 },
  { 511,  { 255, 255, 1 },       3 },
  { 1000, { 255, 255, 255, 235 }, 4 },
};

/* docs/protocol.md §1.1: exact bytes of the writer, then the reader merges them back. */
static void
test_write_fragments (gconstpointer data)
{
  const FragmentCase *tc = data;
  g_autofree guint8 *value = pattern (tc->len);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(GByteArray) expected = NULL;
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *merged;
  gsize merged_len = 12345;

  hap_tlv8_append (buf, HAP_TLV_ENCRYPTED_DATA, value, tc->len);
  expected = expected_encoding (HAP_TLV_ENCRYPTED_DATA, value, tc->fragments, tc->n_fragments);
  g_assert_cmpmem (buf->data, buf->len, expected->data, expected->len);
  g_assert_cmpuint (buf->len, ==, tc->len + 2 * tc->n_fragments);

  tlv = hap_tlv8_parse (buf->data, buf->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_tlv8_get_n_items (tlv), ==, 1);
  merged = hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &merged_len);
  g_assert_nonnull (merged);
  g_assert_cmpmem (merged, merged_len, value, tc->len);
}

static void
test_write_ints (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  static const guint8 expected[] = {
    0x06, 0x01, 0x02,                          /* State = 2 */
    0x13, 0x01, 0x00,                          /* Flags = 0: one zero byte */
    0x08, 0x01, 0x10,                          /* 0x10 */
    0x09, 0x04, 0x10, 0x00, 0x00, 0x01,        /* 0x01000010 */
    0x0A, 0x08, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
    0x01, 0x03, 'a', 'b', 'c',
    0xFF, 0x00,
  };

  hap_tlv8_append_uint8 (buf, HAP_TLV_STATE, 2);
  hap_tlv8_append_uint (buf, HAP_TLV_FLAGS, 0);
  hap_tlv8_append_uint (buf, HAP_TLV_RETRY_DELAY, 0x10);
  hap_tlv8_append_uint (buf, HAP_TLV_CERTIFICATE,
                        HAP_PAIRING_FLAG_TRANSIENT | HAP_PAIRING_FLAG_SPLIT);
  hap_tlv8_append_uint (buf, HAP_TLV_SIGNATURE, G_GUINT64_CONSTANT (0x0102030405060708));
  hap_tlv8_append_string (buf, HAP_TLV_IDENTIFIER, "abc");
  hap_tlv8_append_separator (buf);

  g_assert_cmpmem (buf->data, buf->len, expected, sizeof expected);
}

/* Hand-made fragments with other items around them (Pair Setup M5 shape). */
static void
test_parse_merges (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autofree guint8 *value = pattern (300);
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;
  const HapTlv8Item *item;
  guint8 header[2];
  guint64 state = 0;

  hap_tlv8_append_uint8 (buf, HAP_TLV_STATE, 5);
  header[0] = HAP_TLV_ENCRYPTED_DATA;
  header[1] = 255;
  g_byte_array_append (buf, header, 2);
  g_byte_array_append (buf, value, 255);
  header[1] = 45;
  g_byte_array_append (buf, header, 2);
  g_byte_array_append (buf, value + 255, 45);
  hap_tlv8_append_string (buf, HAP_TLV_IDENTIFIER, "x");

  tlv = hap_tlv8_parse (buf->data, buf->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_tlv8_get_n_items (tlv), ==, 3);

  item = hap_tlv8_get_item (tlv, 1);
  g_assert_cmpuint (item->type, ==, HAP_TLV_ENCRYPTED_DATA);
  g_assert_cmpmem (item->value, item->len, value, 300);

  g_assert_true (hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &state));
  g_assert_cmpuint (state, ==, 5);
  item = hap_tlv8_get_item (tlv, 2);
  g_assert_cmpmem (item->value, item->len, "x", 1);
}

/* The parsed values outlive the input buffer. */
static void
test_parse_copies (void)
{
  guint8 *input = g_malloc (5);
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *value;
  gsize len = 0;

  memcpy (input, "\x01\x03" "abc", 5);
  tlv = hap_tlv8_parse (input, 5, &error);
  g_assert_no_error (error);
  memset (input, 0, 5);
  g_free (input);

  value = hap_tlv8_get (tlv, HAP_TLV_IDENTIFIER, &len);
  g_assert_cmpmem (value, len, "abc", 3);
}

/* List Pairings response: records split by an empty 0xFF item (docs/protocol.md §1.1). */
static void
test_parse_separators (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;
  guint8 key_a[32], key_b[32];
  const guint8 *value;
  gsize len = 0;
  guint64 perms = 99;
  guint n_separators = 0, n_identifiers = 0;

  memset (key_a, 0xAA, sizeof key_a);
  memset (key_b, 0xBB, sizeof key_b);

  hap_tlv8_append_uint8 (buf, HAP_TLV_STATE, 2);
  hap_tlv8_append_string (buf, HAP_TLV_IDENTIFIER, "controller-a");
  hap_tlv8_append (buf, HAP_TLV_PUBLIC_KEY, key_a, sizeof key_a);
  hap_tlv8_append_uint8 (buf, HAP_TLV_PERMISSIONS, 1);
  hap_tlv8_append_separator (buf);
  hap_tlv8_append_string (buf, HAP_TLV_IDENTIFIER, "controller-b");
  hap_tlv8_append (buf, HAP_TLV_PUBLIC_KEY, key_b, sizeof key_b);
  hap_tlv8_append_uint8 (buf, HAP_TLV_PERMISSIONS, 0);

  tlv = hap_tlv8_parse (buf->data, buf->len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_tlv8_get_n_items (tlv), ==, 8);

  for (guint i = 0; i < hap_tlv8_get_n_items (tlv); i++)
    {
      const HapTlv8Item *item = hap_tlv8_get_item (tlv, i);

      if (item->type == HAP_TLV_SEPARATOR)
        {
          g_assert_cmpuint (item->len, ==, 0);
          n_separators++;
        }
      else if (item->type == HAP_TLV_IDENTIFIER)
        {
          g_assert_cmpmem (item->value, item->len,
                           n_separators == 0 ? "controller-a" : "controller-b", 12);
          n_identifiers++;
        }
    }
  g_assert_cmpuint (n_separators, ==, 1);
  g_assert_cmpuint (n_identifiers, ==, 2);

  /* hap_tlv8_get looks at the first record only. */
  value = hap_tlv8_get (tlv, HAP_TLV_PUBLIC_KEY, &len);
  g_assert_cmpmem (value, len, key_a, sizeof key_a);
  g_assert_true (hap_tlv8_get_uint (tlv, HAP_TLV_PERMISSIONS, &perms));
  g_assert_cmpuint (perms, ==, 1);
  g_assert_null (hap_tlv8_get (tlv, HAP_TLV_SALT, &len));
  g_assert_cmpuint (len, ==, 0);
}

/* Empty separators may follow each other, start or end the list. */
static void
test_parse_empty_records (void)
{
  static const guint8 input[] = { 0xFF, 0x00, 0xFF, 0x00, 0x06, 0x01, 0x02, 0xFF, 0x00 };
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;

  tlv = hap_tlv8_parse (input, sizeof input, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_tlv8_get_n_items (tlv), ==, 4);
  /* The first record is empty: nothing found in it. */
  g_assert_null (hap_tlv8_get (tlv, HAP_TLV_STATE, NULL));
}

static void
test_parse_empty_input (void)
{
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;
  guint64 value = 7;

  tlv = hap_tlv8_parse (NULL, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tlv);
  g_assert_cmpuint (hap_tlv8_get_n_items (tlv), ==, 0);
  g_assert_null (hap_tlv8_get (tlv, HAP_TLV_STATE, NULL));
  g_assert_false (hap_tlv8_get_uint (tlv, HAP_TLV_STATE, &value));
  g_assert_cmpuint (value, ==, 7);
}

/* Empty values are items too (docs/protocol.md §1.1), and get() finds them. */
static void
test_parse_empty_value (void)
{
  static const guint8 input[] = { 0x06, 0x01, 0x01, 0x05, 0x00 };
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;
  gsize len = 99;
  guint64 value;

  tlv = hap_tlv8_parse (input, sizeof input, &error);
  g_assert_no_error (error);
  g_assert_nonnull (hap_tlv8_get (tlv, HAP_TLV_ENCRYPTED_DATA, &len));
  g_assert_cmpuint (len, ==, 0);
  g_assert_false (hap_tlv8_get_uint (tlv, HAP_TLV_ENCRYPTED_DATA, &value));
}

/* docs/protocol.md §1.1: the ADK ignores unknown types; we keep them as items. */
static void
test_parse_unknown_types (void)
{
  static const guint8 input[] = {
    0x06, 0x01, 0x03,
    0x42, 0x02, 0xDE, 0xAD,
    0x7F, 0x00,
    0x04, 0x01, 0x99,
  };
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *value;
  gsize len;

  tlv = hap_tlv8_parse (input, sizeof input, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_tlv8_get_n_items (tlv), ==, 4);
  value = hap_tlv8_get (tlv, 0x42, &len);
  g_assert_cmpmem (value, len, "\xDE\xAD", 2);
  value = hap_tlv8_get (tlv, HAP_TLV_PROOF, &len);
  g_assert_cmpmem (value, len, "\x99", 1);
}

/* docs/protocol.md §1.1: little-endian integers; up to 8 bytes fit a guint64. */
static void
test_get_uint (void)
{
  static const guint8 bytes[9] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88, 0x09 };
  static const guint64 expected[9] = {
    0,
    G_GUINT64_CONSTANT (0x01),
    G_GUINT64_CONSTANT (0x0201),
    G_GUINT64_CONSTANT (0x030201),
    G_GUINT64_CONSTANT (0x04030201),
    G_GUINT64_CONSTANT (0x0504030201),
    G_GUINT64_CONSTANT (0x060504030201),
    G_GUINT64_CONSTANT (0x07060504030201),
    G_GUINT64_CONSTANT (0x8807060504030201),
  };

  for (gsize n = 1; n <= 9; n++)
    {
      g_autoptr(GByteArray) buf = g_byte_array_new ();
      g_autoptr(HapTlv8) tlv = NULL;
      g_autoptr(GError) error = NULL;
      guint64 value = 0xDEADBEEF;

      hap_tlv8_append (buf, HAP_TLV_FLAGS, bytes, n);
      tlv = hap_tlv8_parse (buf->data, buf->len, &error);
      g_assert_no_error (error);

      if (n <= 8)
        {
          g_assert_true (hap_tlv8_get_uint (tlv, HAP_TLV_FLAGS, &value));
          g_assert_cmpuint (value, ==, expected[n]);
        }
      else
        {
          g_assert_false (hap_tlv8_get_uint (tlv, HAP_TLV_FLAGS, &value));
          g_assert_cmpuint (value, ==, 0xDEADBEEF);
        }
    }
}

/* The writer's minimal encoding reads back for edge values. */
static void
test_uint_round_trip (void)
{
  static const guint64 values[] = {
    0, 1, 0xFF, 0x100, 0xFFFF, 0x10000, G_MAXUINT32, G_GUINT64_CONSTANT (0x100000000),
    G_MAXUINT64,
  };
  static const gsize lengths[] = { 1, 1, 1, 2, 2, 3, 4, 5, 8 };

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(GByteArray) buf = g_byte_array_new ();
      g_autoptr(HapTlv8) tlv = NULL;
      g_autoptr(GError) error = NULL;
      guint64 value = 0;

      hap_tlv8_append_uint (buf, HAP_TLV_FLAGS, values[i]);
      g_assert_cmpuint (buf->len, ==, 2 + lengths[i]);
      tlv = hap_tlv8_parse (buf->data, buf->len, &error);
      g_assert_no_error (error);
      g_assert_true (hap_tlv8_get_uint (tlv, HAP_TLV_FLAGS, &value));
      g_assert_cmpuint (value, ==, values[i]);
    }
}

typedef struct
{
  const char   *name;
  const guint8 *data;
  gsize         len;
  const char   *message_part;   /* e.g. the byte offset */
} MalformedCase;

static void
assert_malformed (const guint8 *data,
                  gsize         len,
                  const char   *message_part)
{
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;

  tlv = hap_tlv8_parse (data, len, &error);
  g_assert_null (tlv);
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_malformed (gconstpointer data)
{
  const MalformedCase *tc = data;

  assert_malformed (tc->data, tc->len, tc->message_part);
}

static const guint8 truncated_header[] = { 0x06, 0x01, 0x01, 0x03 };
static const guint8 truncated_value[] = { 0x06, 0x01, 0x01, 0x03, 0x05, 0x01, 0x02 };
static const guint8 short_then_same[] = { 0x03, 0x01, 0xAA, 0x03, 0x01, 0xBB };
static const guint8 empty_then_same[] = { 0x03, 0x00, 0x03, 0x01, 0xBB };
static const guint8 empty_then_empty[] = { 0x03, 0x00, 0x03, 0x00 };
static const guint8 duplicate[] = { 0x06, 0x01, 0x01, 0x00, 0x01, 0x00, 0x06, 0x01, 0x02 };
static const guint8 non_empty_separator[] = { 0x06, 0x01, 0x01, 0xFF, 0x01, 0x00 };

static const MalformedCase malformed_cases[] = {
  { "truncated-header", truncated_header, sizeof truncated_header, "byte offset 3" },
  { "truncated-header-only-type", truncated_header + 3, 1, "byte offset 0" },
  { "truncated-value", truncated_value, sizeof truncated_value, "byte offset 3" },
  { "continuation-after-short", short_then_same, sizeof short_then_same, "byte offset 3" },
  { "continuation-after-empty", empty_then_same, sizeof empty_then_same, "byte offset 2" },
  { "empty-after-empty", empty_then_empty, sizeof empty_then_empty, "byte offset 2" },
  { "duplicate-type", duplicate, sizeof duplicate, "byte offset 6" },
  { "non-empty-separator", non_empty_separator, sizeof non_empty_separator, "byte offset 3" },
};

/* Appends a raw item of @len bytes of 0x5A, without the writer's fragmentation. */
static void
append_raw (GByteArray *buf,
            guint8      type,
            guint8      len)
{
  guint8 header[2] = { type, len };
  guint8 value[255];

  memset (value, 0x5A, sizeof value);
  g_byte_array_append (buf, header, 2);
  g_byte_array_append (buf, value, len);
}

/* docs/protocol.md §1.1 (ADK): 255-byte fragment followed by an empty continuation. */
static void
test_malformed_empty_continuation (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  append_raw (buf, HAP_TLV_CERTIFICATE, 255);
  append_raw (buf, HAP_TLV_CERTIFICATE, 0);
  assert_malformed (buf->data, buf->len, "byte offset 257");
}

/* 255 + 200 + 1: the third fragment continues a 200-byte one. */
static void
test_malformed_third_fragment (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  append_raw (buf, HAP_TLV_CERTIFICATE, 255);
  append_raw (buf, HAP_TLV_CERTIFICATE, 200);
  append_raw (buf, HAP_TLV_CERTIFICATE, 1);
  assert_malformed (buf->data, buf->len, "byte offset 459");
}

/* A merged value followed, after another item, by the same type again. */
static void
test_malformed_duplicate_after_fragments (void)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();

  append_raw (buf, HAP_TLV_CERTIFICATE, 255);
  append_raw (buf, HAP_TLV_CERTIFICATE, 10);
  append_raw (buf, HAP_TLV_STATE, 1);
  append_raw (buf, HAP_TLV_CERTIFICATE, 10);
  assert_malformed (buf->data, buf->len, "byte offset 272");
}

/* A type may come back after a separator: that is a new record, not a duplicate. */
static void
test_same_type_next_record (void)
{
  static const guint8 input[] = { 0x01, 0x01, 'a', 0xFF, 0x00, 0x01, 0x01, 'b' };
  g_autoptr(HapTlv8) tlv = NULL;
  g_autoptr(GError) error = NULL;

  tlv = hap_tlv8_parse (input, sizeof input, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hap_tlv8_get_n_items (tlv), ==, 3);
  g_assert_cmpmem (hap_tlv8_get_item (tlv, 2)->value, 1, "b", 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (fragment_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/tlv8/write/fragments/%" G_GSIZE_FORMAT,
                                               fragment_cases[i].len);

      g_test_add_data_func (path, &fragment_cases[i], test_write_fragments);
    }
  g_test_add_func ("/tlv8/write/integers", test_write_ints);
  g_test_add_func ("/tlv8/parse/merges-fragments", test_parse_merges);
  g_test_add_func ("/tlv8/parse/copies-values", test_parse_copies);
  g_test_add_func ("/tlv8/parse/separators", test_parse_separators);
  g_test_add_func ("/tlv8/parse/empty-records", test_parse_empty_records);
  g_test_add_func ("/tlv8/parse/empty-input", test_parse_empty_input);
  g_test_add_func ("/tlv8/parse/empty-value", test_parse_empty_value);
  g_test_add_func ("/tlv8/parse/unknown-types", test_parse_unknown_types);
  g_test_add_func ("/tlv8/parse/same-type-next-record", test_same_type_next_record);
  g_test_add_func ("/tlv8/get-uint/lengths", test_get_uint);
  g_test_add_func ("/tlv8/get-uint/round-trip", test_uint_round_trip);
  for (gsize i = 0; i < G_N_ELEMENTS (malformed_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/tlv8/parse/malformed/%s",
                                               malformed_cases[i].name);

      g_test_add_data_func (path, &malformed_cases[i], test_malformed);
    }
  g_test_add_func ("/tlv8/parse/malformed/empty-continuation",
                   test_malformed_empty_continuation);
  g_test_add_func ("/tlv8/parse/malformed/third-fragment-after-short",
                   test_malformed_third_fragment);
  g_test_add_func ("/tlv8/parse/malformed/duplicate-after-fragments",
                   test_malformed_duplicate_after_fragments);

  return g_test_run ();
}
