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
 * @HAP_STATUS_SUCCESS: the request succeeded
 * @HAP_STATUS_INSUFFICIENT_PRIVILEGES: the controller lacks the privileges (admin)
 * @HAP_STATUS_UNABLE_TO_COMMUNICATE: the accessory cannot reach the device it bridges
 * @HAP_STATUS_BUSY: the accessory is busy; try again
 * @HAP_STATUS_READ_ONLY: a write to a read-only characteristic
 * @HAP_STATUS_WRITE_ONLY: a read of a write-only characteristic
 * @HAP_STATUS_NOTIFICATION_NOT_SUPPORTED: events asked of a characteristic without `ev`
 * @HAP_STATUS_OUT_OF_RESOURCES: the accessory ran out of resources
 * @HAP_STATUS_TIMED_OUT: the operation timed out (also: a handler did not answer in time)
 * @HAP_STATUS_RESOURCE_DOES_NOT_EXIST: no such accessory or characteristic
 * @HAP_STATUS_INVALID_VALUE: the value is not acceptable for the characteristic
 * @HAP_STATUS_INSUFFICIENT_AUTHORIZATION: additional authorization data was refused
 * @HAP_STATUS_NOT_ALLOWED_IN_CURRENT_STATE: the accessory refuses it in its present state
 *
 * HAP status codes carried in JSON `status` fields (HAP specification, "HAP Status
 * Codes"). They are the codes of the %HAP_STATUS_ERROR domain: a read or write handler
 * that refuses a request returns one with hap_task_return_status().
 */
typedef enum /*< underscore_name=hap_status_error >*/
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
 *
 * The codes of the %HAP_ERROR domain: failures of libhap-glib itself, as opposed to
 * statuses an accessory answers with (%HAP_STATUS_ERROR).
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
 * @HAP_PAIRING_ERROR_UNKNOWN: `kTLVError_Unknown`: a generic error
 * @HAP_PAIRING_ERROR_AUTHENTICATION: `kTLVError_Authentication`: a setup code or
 *   signature did not verify
 * @HAP_PAIRING_ERROR_BACKOFF: `kTLVError_Backoff`: retry after a delay
 * @HAP_PAIRING_ERROR_MAX_PEERS: `kTLVError_MaxPeers`: no room for another pairing
 * @HAP_PAIRING_ERROR_MAX_TRIES: `kTLVError_MaxTries`: too many failed attempts
 * @HAP_PAIRING_ERROR_UNAVAILABLE: `kTLVError_Unavailable`: the accessory is already
 *   paired, or not accepting pairings
 * @HAP_PAIRING_ERROR_BUSY: `kTLVError_Busy`: another pairing is in progress
 *
 * Errors an accessory reports in the TLV8 Error item of Pair Setup, Pair Verify and
 * the pairings requests (HAP specification, "TLV Error Codes"); the codes are the TLV
 * values. They are the codes of the %HAP_PAIRING_ERROR domain.
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

/**
 * HAP_ERROR:
 *
 * The error domain of libhap-glib's own failures; codes are #HapError.
 */
#define HAP_ERROR         (hap_error_quark ())
/**
 * HAP_STATUS_ERROR:
 *
 * The error domain of HAP status codes; codes are #HapStatus.
 */
#define HAP_STATUS_ERROR  (hap_status_error_quark ())
/**
 * HAP_PAIRING_ERROR:
 *
 * The error domain of the TLV8 errors of pairing; codes are #HapPairingError.
 */
#define HAP_PAIRING_ERROR (hap_pairing_error_quark ())

/**
 * hap_error_quark:
 *
 * The quark of %HAP_ERROR.
 *
 * Returns: the error domain
 */
HAP_AVAILABLE_IN_ALL
GQuark       hap_error_quark         (void);
/**
 * hap_status_error_quark:
 *
 * The quark of %HAP_STATUS_ERROR.
 *
 * Returns: the error domain
 */
HAP_AVAILABLE_IN_ALL
GQuark       hap_status_error_quark  (void);
/**
 * hap_pairing_error_quark:
 *
 * The quark of %HAP_PAIRING_ERROR.
 *
 * Returns: the error domain
 */
HAP_AVAILABLE_IN_ALL
GQuark       hap_pairing_error_quark (void);
/**
 * hap_status_to_string:
 * @status: a HAP status code
 *
 * Describes a status code for people.
 *
 * Returns: an English description of @status
 */
HAP_AVAILABLE_IN_ALL
const char  *hap_status_to_string    (HapStatus status);
/**
 * hap_pairing_error_to_string:
 * @code: a pairing error code
 *
 * Names a pairing error as the TLV error constants do, without their prefix.
 *
 * Returns: "Authentication", "MaxPeers" …
 */
HAP_AVAILABLE_IN_ALL
const char  *hap_pairing_error_to_string (HapPairingError code);

G_END_DECLS
