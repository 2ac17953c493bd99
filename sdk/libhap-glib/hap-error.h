/* hap-error.h — error domains of libhap-glib
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib.h>
#include "hap-version.h"

G_BEGIN_DECLS

/**
 * HapStatus:
 *
 * HAP status codes carried in JSON `status` fields (HAP §6.7.1.4,
 * hap-protocol.md §4.4). Used as the codes of the %HAP_STATUS_ERROR domain.
 */
typedef enum
{
  HAP_STATUS_SUCCESS                     = 0,
  HAP_STATUS_INSUFFICIENT_PRIVILEGES     = -70401,
  HAP_STATUS_UNABLE_TO_COMMUNICATE       = -70402,
  HAP_STATUS_BUSY                        = -70403,
  HAP_STATUS_READ_ONLY                   = -70404,
  HAP_STATUS_WRITE_ONLY                  = -70405,
  HAP_STATUS_NOTIFICATION_NOT_SUPPORTED  = -70406,
  HAP_STATUS_OUT_OF_RESOURCES            = -70407,
  HAP_STATUS_TIMED_OUT                   = -70408,
  HAP_STATUS_RESOURCE_DOES_NOT_EXIST     = -70409,
  HAP_STATUS_INVALID_VALUE               = -70410,
  HAP_STATUS_INSUFFICIENT_AUTHORIZATION  = -70411,
  HAP_STATUS_NOT_ALLOWED_IN_CURRENT_STATE = -70412,
} HapStatus;

/**
 * HapError:
 * @HAP_ERROR_FAILED: generic failure
 * @HAP_ERROR_INVALID_DATA: malformed wire input (TLV8, HTTP, frames)
 * @HAP_ERROR_AUTHENTICATION: a proof, signature or AEAD tag did not verify
 * @HAP_ERROR_INVALID_FILE: an accessory file is broken
 * @HAP_ERROR_STORAGE: a state file is missing, corrupt or unwritable
 * @HAP_ERROR_INVALID_SETUP_CODE: a setup code is malformed or disallowed
 * @HAP_ERROR_TOO_LARGE: an input exceeds a protocol limit
 */
typedef enum
{
  HAP_ERROR_FAILED,
  HAP_ERROR_INVALID_DATA,
  HAP_ERROR_AUTHENTICATION,
  HAP_ERROR_INVALID_FILE,
  HAP_ERROR_STORAGE,
  HAP_ERROR_INVALID_SETUP_CODE,
  HAP_ERROR_TOO_LARGE,
} HapError;

/**
 * HapPairingError:
 *
 * Errors an accessory reports in the TLV8 Error item of Pair Setup, Pair Verify and
 * the pairings requests (hap-protocol.md §1.4, `kTLVError_*`); the codes are the TLV
 * values. Used as the codes of the %HAP_PAIRING_ERROR domain.
 */
typedef enum
{
  HAP_PAIRING_ERROR_UNKNOWN        = 1,
  HAP_PAIRING_ERROR_AUTHENTICATION = 2,
  HAP_PAIRING_ERROR_BACKOFF        = 3,
  HAP_PAIRING_ERROR_MAX_PEERS      = 4,
  HAP_PAIRING_ERROR_MAX_TRIES      = 5,
  HAP_PAIRING_ERROR_UNAVAILABLE    = 6,
  HAP_PAIRING_ERROR_BUSY           = 7,
} HapPairingError;

#define HAP_ERROR         (hap_error_quark ())
#define HAP_STATUS_ERROR  (hap_status_error_quark ())
#define HAP_PAIRING_ERROR (hap_pairing_error_quark ())

HAP_AVAILABLE_IN_ALL
GQuark       hap_error_quark         (void);
HAP_AVAILABLE_IN_ALL
GQuark       hap_status_error_quark  (void);
HAP_AVAILABLE_IN_ALL
GQuark       hap_pairing_error_quark (void);
HAP_AVAILABLE_IN_ALL
const char  *hap_status_to_string    (HapStatus status);
/* "Authentication", "MaxPeers" … as hap-protocol.md §1.4 names them. */
HAP_AVAILABLE_IN_ALL
const char  *hap_pairing_error_to_string (HapPairingError code);

G_END_DECLS
