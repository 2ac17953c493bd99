/* test-setup-payload.c — setup codes, setup IDs, X-HM:// payloads, setup hash
 * (docs/protocol.md §2.4, §7.2)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-setup-payload.h"
#include "hap-error.h"

#include <string.h>

/* docs/protocol.md §7.2 (ADK unit test vectors, category 7 = bridge). */
static void
test_payload_vectors (void)
{
  g_autofree char *ip = hap_setup_payload_build ("518-08-582", "7OSX", 7, HAP_SETUP_FLAG_IP);
  g_autofree char *no_code = hap_setup_payload_build (NULL, NULL, 7, HAP_SETUP_FLAG_IP);
  g_autofree char *paired = hap_setup_payload_build (NULL, NULL, 7,
                                                     HAP_SETUP_FLAG_PAIRED | HAP_SETUP_FLAG_IP);
  g_autofree char *ble = hap_setup_payload_build ("518-08-582", "7OSX", 7, HAP_SETUP_FLAG_BLE);

  g_assert_cmpstr (ip, ==, "X-HM://0071WK4SM7OSX");
  g_assert_cmpstr (no_code, ==, "X-HM://00711PP1C0000");
  g_assert_cmpstr (paired, ==, "X-HM://00739MG3K0000");
  g_assert_cmpstr (ble, ==, "X-HM://0076CDMX27OSX");
}

/* A paired tag carries neither code nor ID (docs/protocol.md §2.4, bit 27). */
static void
test_payload_paired_drops_code (void)
{
  g_autofree char *paired = hap_setup_payload_build ("518-08-582", "7OSX", 7,
                                                     HAP_SETUP_FLAG_PAIRED | HAP_SETUP_FLAG_IP);

  g_assert_cmpstr (paired, ==, "X-HM://00739MG3K0000");
}

/* Decodes the 9 base-36 digits back and checks each field lands on its bits. */
static void
test_payload_layout (void)
{
  g_autofree char *payload = hap_setup_payload_build ("101-23-456", "AB12", 0xFF,
                                                      HAP_SETUP_FLAG_IP | HAP_SETUP_FLAG_BLE);
  guint64 value = 0;

  g_assert_cmpuint (strlen (payload), ==, strlen ("X-HM://") + 9 + 4);
  g_assert_true (g_str_has_prefix (payload, "X-HM://"));
  g_assert_true (g_str_has_suffix (payload, "AB12"));

  for (gsize i = 7; i < 7 + 9; i++)
    {
      char c = payload[i];

      g_assert_true (g_ascii_isdigit (c) || g_ascii_isupper (c));
      value = value * 36 + (guint64) (g_ascii_isdigit (c) ? c - '0' : c - 'A' + 10);
    }

  g_assert_cmpuint (value & ((1u << 27) - 1), ==, 10123456);
  g_assert_cmpuint ((value >> 27) & 1, ==, 0);   /* paired */
  g_assert_cmpuint ((value >> 28) & 1, ==, 1);   /* IP */
  g_assert_cmpuint ((value >> 29) & 1, ==, 1);   /* BLE */
  g_assert_cmpuint ((value >> 30) & 1, ==, 0);
  g_assert_cmpuint ((value >> 31) & 0xFF, ==, 0xFF);
  g_assert_cmpuint (value >> 39, ==, 0);         /* reserved, version */
}

/* docs/protocol.md §7.2: PY's vector; the hash does not validate its inputs. */
static void
test_setup_hash (void)
{
  g_autofree char *hash = hap_setup_hash_base64 ("abc", "00:00:00:00:00:00");
  g_autofree char *other = hap_setup_hash_base64 ("abd", "00:00:00:00:00:00");

  g_assert_cmpstr (hash, ==, "+KjpzQ==");
  g_assert_cmpstr (other, !=, "+KjpzQ==");
  g_assert_cmpuint (strlen (other), ==, 8);
}

static void
assert_code_rejected (const char *code,
                      const char *message_part)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (hap_setup_code_validate (code, &error));
  g_assert_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE);
  g_test_message ("%s: %s", code, error->message);
  g_assert_nonnull (strstr (error->message, message_part));
}

static void
test_validate_format (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hap_setup_code_validate ("518-08-582", &error));
  g_assert_no_error (error);
  g_assert_true (hap_setup_code_validate ("031-45-154", NULL));

  assert_code_rejected ("", "10 characters");
  assert_code_rejected ("518-08-58", "10 characters");
  assert_code_rejected ("518-08-5821", "10 characters");
  assert_code_rejected ("51808582", "10 characters");
  assert_code_rejected ("5180-8-582", "position 3");
  assert_code_rejected ("518-085-82", "position 6");
  assert_code_rejected ("518 08 582", "position 3");
  assert_code_rejected ("51A-08-582", "non-digit at position 2");
  assert_code_rejected ("518-08-58x", "non-digit at position 9");
  assert_code_rejected ("-18-08-582", "non-digit at position 0");
}

/* docs/protocol.md §2.4: 000-00-000 … 999-99-999, 123-45-678, 876-54-321. */
static void
test_validate_disallowed (void)
{
  for (char d = '0'; d <= '9'; d++)
    {
      char code[] = "XXX-XX-XXX";

      for (gsize i = 0; i < strlen (code); i++)
        if (code[i] == 'X')
          code[i] = d;
      assert_code_rejected (code, "all digits are equal");
    }

  assert_code_rejected ("123-45-678", "trivial");
  assert_code_rejected ("876-54-321", "trivial");

  /* Neighbours of the disallowed codes are fine. */
  g_assert_true (hap_setup_code_validate ("111-11-112", NULL));
  g_assert_true (hap_setup_code_validate ("123-45-679", NULL));
  g_assert_true (hap_setup_code_validate ("234-56-789", NULL));
  g_assert_true (hap_setup_code_validate ("876-54-320", NULL));
}

static void
test_generate_codes (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GError) error = NULL;
      char *code = hap_setup_code_generate ();

      g_assert_true (hap_setup_code_validate (code, &error));
      g_assert_no_error (error);
      g_hash_table_add (seen, code);
    }

  /* 1000 draws out of ~10^8 codes: a collision or two at most. */
  g_assert_cmpuint (g_hash_table_size (seen), >=, 990);
}

static void
test_generate_setup_ids (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      char *id = hap_setup_id_generate ();

      g_assert_cmpuint (strlen (id), ==, 4);
      for (gsize j = 0; j < 4; j++)
        g_assert_true (g_ascii_isdigit (id[j]) || g_ascii_isupper (id[j]));
      g_hash_table_add (seen, id);
    }

  /* 200 draws out of 36^4 = 1679616 ids. */
  g_assert_cmpuint (g_hash_table_size (seen), >=, 190);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/setup-payload/vectors", test_payload_vectors);
  g_test_add_func ("/setup-payload/paired-drops-code", test_payload_paired_drops_code);
  g_test_add_func ("/setup-payload/bit-layout", test_payload_layout);
  g_test_add_func ("/setup-payload/setup-hash", test_setup_hash);
  g_test_add_func ("/setup-code/validate/format", test_validate_format);
  g_test_add_func ("/setup-code/validate/disallowed", test_validate_disallowed);
  g_test_add_func ("/setup-code/generate", test_generate_codes);
  g_test_add_func ("/setup-id/generate", test_generate_setup_ids);

  return g_test_run ();
}
