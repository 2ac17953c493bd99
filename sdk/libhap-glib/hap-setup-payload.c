/* hap-setup-payload.c — setup codes, setup IDs, X-HM:// payloads and setup hashes
 * (docs/protocol.md §2.4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-setup-payload.h"
#include "hap-setup-payload-private.h"
#include "hap-crypto-private.h"
#include "hap-error.h"

#include <string.h>

#define SETUP_CODE_LEN     10   /* "XXX-XX-XXX" */
#define SETUP_ID_LEN       4
#define PAYLOAD_PREFIX     "X-HM://"
#define PAYLOAD_DIGITS     9    /* base-36 digits of the payload integer */

/* docs/protocol.md §2.4: bit layout of the payload integer. */
#define PAYLOAD_SHIFT_PAIRED   27
#define PAYLOAD_SHIFT_IP       28
#define PAYLOAD_SHIFT_BLE      29
#define PAYLOAD_SHIFT_CATEGORY 31
#define PAYLOAD_MAX_CATEGORY   0xFF

static const char base36_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* docs/protocol.md §2.4: the sequences the ADK refuses besides all-equal codes. */
static const char * const trivial_codes[] = {
  "123-45-678",
  "876-54-321",
};

static gboolean
is_dash_position (gsize i)
{
  return i == 3 || i == 6;
}

static gboolean
check_setup_code_format (const char  *code,
                         GError     **error)
{
  gsize len = strlen (code);

  /* docs/protocol.md §2.4: "XXX-XX-XXX", 8 digits, dashes at index 3 and 6. */
  if (len != SETUP_CODE_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE,
                   "Setup code must be 10 characters (XXX-XX-XXX), got %" G_GSIZE_FORMAT,
                   len);
      return FALSE;
    }

  for (gsize i = 0; i < SETUP_CODE_LEN; i++)
    {
      if (is_dash_position (i) && code[i] != '-')
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE,
                       "Setup code needs a '-' at position %" G_GSIZE_FORMAT
                       " (format XXX-XX-XXX)", i);
          return FALSE;
        }
      if (!is_dash_position (i) && !g_ascii_isdigit (code[i]))
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE,
                       "Setup code has a non-digit at position %" G_GSIZE_FORMAT
                       " (format XXX-XX-XXX)", i);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
all_digits_equal (const char *code)
{
  for (gsize i = 1; i < SETUP_CODE_LEN; i++)
    if (!is_dash_position (i) && code[i] != code[0])
      return FALSE;
  return TRUE;
}

gboolean
hap_setup_code_validate (const char  *code,
                         GError     **error)
{
  g_return_val_if_fail (code != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_setup_code_format (code, error))
    return FALSE;

  /* docs/protocol.md §2.4: the ten all-same-digit codes are disallowed. */
  if (all_digits_equal (code))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE,
                   "Setup code %s is disallowed: all digits are equal", code);
      return FALSE;
    }

  /* docs/protocol.md §2.4: so are 123-45-678 and 876-54-321. */
  for (gsize i = 0; i < G_N_ELEMENTS (trivial_codes); i++)
    {
      if (strcmp (code, trivial_codes[i]) == 0)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE,
                       "Setup code %s is disallowed: it is a trivial digit sequence", code);
          return FALSE;
        }
    }

  return TRUE;
}

char *
hap_setup_code_generate (void)
{
  hap_crypto_init ();

  for (;;)
    {
      guint32 n = randombytes_uniform (100000000);
      char *code = g_strdup_printf ("%03u-%02u-%03u",
                                    n / 100000, (n / 1000) % 100, n % 1000);

      if (hap_setup_code_validate (code, NULL))
        return code;
      g_free (code);
    }
}

char *
hap_setup_id_generate (void)
{
  char *id = g_malloc (SETUP_ID_LEN + 1);

  hap_crypto_init ();

  /* docs/protocol.md §2.4: 4 characters of 0-9A-Z. */
  for (gsize i = 0; i < SETUP_ID_LEN; i++)
    id[i] = base36_alphabet[randombytes_uniform (36)];
  id[SETUP_ID_LEN] = '\0';

  return id;
}

static gboolean
setup_id_is_valid (const char *setup_id)
{
  if (strlen (setup_id) != SETUP_ID_LEN)
    return FALSE;
  for (gsize i = 0; i < SETUP_ID_LEN; i++)
    if (!g_ascii_isdigit (setup_id[i]) && !g_ascii_isupper (setup_id[i]))
      return FALSE;
  return TRUE;
}

gboolean
hap_setup_id_validate (const char  *setup_id,
                       GError     **error)
{
  g_return_val_if_fail (setup_id != NULL, FALSE);

  /* docs/protocol.md §2.4: 4 characters of 0-9A-Z. */
  if (!setup_id_is_valid (setup_id))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_SETUP_CODE,
                   "Setup ID “%s” is not 4 characters of 0-9 and A-Z", setup_id);
      return FALSE;
    }
  return TRUE;
}

/* "XXX-XX-XXX" → 8-digit decimal integer (e.g. 51808582). */
static guint64
setup_code_to_integer (const char *code)
{
  guint64 value = 0;

  for (gsize i = 0; i < SETUP_CODE_LEN; i++)
    if (!is_dash_position (i))
      value = value * 10 + (guint64) (code[i] - '0');
  return value;
}

char *
hap_setup_payload_build (const char    *code,
                         const char    *setup_id,
                         guint          category,
                         HapSetupFlags  flags)
{
  GString *payload;
  char digits[PAYLOAD_DIGITS];
  guint64 value = 0;

  g_return_val_if_fail (code == NULL || hap_setup_code_validate (code, NULL), NULL);
  g_return_val_if_fail (setup_id == NULL || setup_id_is_valid (setup_id), NULL);
  g_return_val_if_fail (category <= PAYLOAD_MAX_CATEGORY, NULL);

  /* docs/protocol.md §2.4: a paired NFC tag encodes neither setup code nor setup ID. */
  if (flags & HAP_SETUP_FLAG_PAIRED)
    {
      code = NULL;
      setup_id = NULL;
      value |= G_GUINT64_CONSTANT (1) << PAYLOAD_SHIFT_PAIRED;
    }
  if (code != NULL)
    value |= setup_code_to_integer (code);
  if (flags & HAP_SETUP_FLAG_IP)
    value |= G_GUINT64_CONSTANT (1) << PAYLOAD_SHIFT_IP;
  if (flags & HAP_SETUP_FLAG_BLE)
    value |= G_GUINT64_CONSTANT (1) << PAYLOAD_SHIFT_BLE;
  /* Bits 39–42 (reserved) and 43–45 (version) stay 0. */
  value |= (guint64) category << PAYLOAD_SHIFT_CATEGORY;

  /* 9 base-36 digits, big-endian, zero-padded. */
  for (gsize i = PAYLOAD_DIGITS; i > 0; i--)
    {
      digits[i - 1] = base36_alphabet[value % 36];
      value /= 36;
    }

  payload = g_string_new (PAYLOAD_PREFIX);
  g_string_append_len (payload, digits, PAYLOAD_DIGITS);
  g_string_append (payload, setup_id != NULL ? setup_id : "0000");

  return g_string_free (payload, FALSE);
}

void
hap_setup_hash_compute (const char *setup_id,
                        const char *device_id,
                        guint8      hash[HAP_SETUP_HASH_LEN])
{
  crypto_hash_sha512_state st;
  guint8 digest[crypto_hash_sha512_BYTES];

  g_return_if_fail (setup_id != NULL);
  g_return_if_fail (device_id != NULL);
  g_return_if_fail (hash != NULL);

  hap_crypto_init ();

  /* docs/protocol.md §2.4: first 4 bytes of SHA-512(SetupID ‖ DeviceID). */
  crypto_hash_sha512_init (&st);
  crypto_hash_sha512_update (&st, (const guint8 *) setup_id, strlen (setup_id));
  crypto_hash_sha512_update (&st, (const guint8 *) device_id, strlen (device_id));
  crypto_hash_sha512_final (&st, digest);

  memcpy (hash, digest, HAP_SETUP_HASH_LEN);
}

char *
hap_setup_hash_base64 (const char *setup_id,
                       const char *device_id)
{
  guint8 hash[HAP_SETUP_HASH_LEN];

  g_return_val_if_fail (setup_id != NULL, NULL);
  g_return_val_if_fail (device_id != NULL, NULL);

  /* docs/protocol.md §2.4: the IP TXT record carries the hash in Base64. */
  hap_setup_hash_compute (setup_id, device_id, hash);
  return g_base64_encode (hash, HAP_SETUP_HASH_LEN);
}
