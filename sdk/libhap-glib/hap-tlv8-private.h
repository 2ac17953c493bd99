/* hap-tlv8-private.h — TLV8 reader and writer (hap-protocol.md §1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Pairing TLV types (hap-protocol.md §1.2). */
enum
{
  HAP_TLV_METHOD         = 0x00,
  HAP_TLV_IDENTIFIER     = 0x01,
  HAP_TLV_SALT           = 0x02,
  HAP_TLV_PUBLIC_KEY     = 0x03,
  HAP_TLV_PROOF          = 0x04,
  HAP_TLV_ENCRYPTED_DATA = 0x05,
  HAP_TLV_STATE          = 0x06,
  HAP_TLV_ERROR          = 0x07,
  HAP_TLV_RETRY_DELAY    = 0x08,
  HAP_TLV_CERTIFICATE    = 0x09,
  HAP_TLV_SIGNATURE      = 0x0A,
  HAP_TLV_PERMISSIONS    = 0x0B,
  HAP_TLV_FRAGMENT_DATA  = 0x0C,
  HAP_TLV_FRAGMENT_LAST  = 0x0D,
  HAP_TLV_SESSION_ID     = 0x0E,
  HAP_TLV_FLAGS          = 0x13,
  HAP_TLV_SEPARATOR      = 0xFF,
};

/* Pairing methods (§1.3), errors (§1.4), flags (§1.5). */
enum
{
  HAP_METHOD_PAIR_SETUP           = 0,
  HAP_METHOD_PAIR_SETUP_WITH_AUTH = 1,
  HAP_METHOD_PAIR_VERIFY          = 2,
  HAP_METHOD_ADD_PAIRING          = 3,
  HAP_METHOD_REMOVE_PAIRING       = 4,
  HAP_METHOD_LIST_PAIRINGS        = 5,
  HAP_METHOD_PAIR_RESUME          = 6,
};

enum
{
  HAP_TLV_ERROR_UNKNOWN        = 0x01,
  HAP_TLV_ERROR_AUTHENTICATION = 0x02,
  HAP_TLV_ERROR_BACKOFF        = 0x03,
  HAP_TLV_ERROR_MAX_PEERS      = 0x04,
  HAP_TLV_ERROR_MAX_TRIES      = 0x05,
  HAP_TLV_ERROR_UNAVAILABLE    = 0x06,
  HAP_TLV_ERROR_BUSY           = 0x07,
};

#define HAP_PAIRING_FLAG_TRANSIENT 0x00000010u
#define HAP_PAIRING_FLAG_SPLIT     0x01000000u

typedef struct
{
  guint8        type;
  gsize         len;
  const guint8 *value;  /* merged value of adjacent fragments; valid while the HapTlv8 lives */
} HapTlv8Item;

typedef struct _HapTlv8 HapTlv8;

/* Strict reader. Adjacent items of one type are concatenated (every fragment but the
 * last must be exactly 255 bytes, and a continuation may not be empty). Within one
 * record (between 0xFF separators) a type may not appear twice non-adjacently. Any
 * truncated item or rule violation → NULL and HAP_ERROR_INVALID_DATA saying what and at
 * which byte offset. Empty input is a valid empty list. */
HapTlv8           *hap_tlv8_parse          (const guint8  *data,
                                            gsize          len,
                                            GError       **error);
void               hap_tlv8_free           (HapTlv8       *tlv);
guint              hap_tlv8_get_n_items    (HapTlv8       *tlv);
const HapTlv8Item *hap_tlv8_get_item       (HapTlv8       *tlv,
                                            guint          index);
/* First item of @type in the first record, or NULL. */
const guint8      *hap_tlv8_get            (HapTlv8       *tlv,
                                            guint8         type,
                                            gsize         *len);
/* Little-endian unsigned integer of 1..8 bytes. FALSE if absent, empty or longer than 8. */
gboolean           hap_tlv8_get_uint       (HapTlv8       *tlv,
                                            guint8         type,
                                            guint64       *value);

/* Writer: appends to @buf, fragmenting values over 255 bytes (no trailing empty item
 * for exact multiples of 255; a zero-length value gives one empty item). */
void               hap_tlv8_append         (GByteArray    *buf,
                                            guint8         type,
                                            const guint8  *value,
                                            gsize          len);
void               hap_tlv8_append_uint8   (GByteArray    *buf,
                                            guint8         type,
                                            guint8         value);
/* Minimal little-endian encoding (1..8 bytes; 0 encodes as one zero byte). */
void               hap_tlv8_append_uint    (GByteArray    *buf,
                                            guint8         type,
                                            guint64        value);
void               hap_tlv8_append_string  (GByteArray    *buf,
                                            guint8         type,
                                            const char    *str);
void               hap_tlv8_append_separator (GByteArray  *buf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapTlv8, hap_tlv8_free)

G_END_DECLS
