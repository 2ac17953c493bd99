/* hap-error.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-error.h"

G_DEFINE_QUARK (hap-error-quark, hap_error)
G_DEFINE_QUARK (hap-status-error-quark, hap_status_error)
G_DEFINE_QUARK (hap-pairing-error-quark, hap_pairing_error)

const char *
hap_status_to_string (HapStatus status)
{
  switch (status)
    {
    case HAP_STATUS_SUCCESS:                      return "success";
    case HAP_STATUS_INSUFFICIENT_PRIVILEGES:      return "insufficient privileges";
    case HAP_STATUS_UNABLE_TO_COMMUNICATE:        return "unable to communicate";
    case HAP_STATUS_BUSY:                         return "resource busy";
    case HAP_STATUS_READ_ONLY:                    return "read-only characteristic";
    case HAP_STATUS_WRITE_ONLY:                   return "write-only characteristic";
    case HAP_STATUS_NOTIFICATION_NOT_SUPPORTED:   return "notification not supported";
    case HAP_STATUS_OUT_OF_RESOURCES:             return "out of resources";
    case HAP_STATUS_TIMED_OUT:                    return "operation timed out";
    case HAP_STATUS_RESOURCE_DOES_NOT_EXIST:      return "resource does not exist";
    case HAP_STATUS_INVALID_VALUE:                return "invalid value";
    case HAP_STATUS_INSUFFICIENT_AUTHORIZATION:   return "insufficient authorization";
    case HAP_STATUS_NOT_ALLOWED_IN_CURRENT_STATE: return "not allowed in current state";
    default:                                      return "unknown status";
    }
}

const char *
hap_pairing_error_to_string (HapPairingError code)
{
  switch (code)
    {
    case HAP_PAIRING_ERROR_UNKNOWN:        return "Unknown";
    case HAP_PAIRING_ERROR_AUTHENTICATION: return "Authentication";
    case HAP_PAIRING_ERROR_BACKOFF:        return "Backoff";
    case HAP_PAIRING_ERROR_MAX_PEERS:      return "MaxPeers";
    case HAP_PAIRING_ERROR_MAX_TRIES:      return "MaxTries";
    case HAP_PAIRING_ERROR_UNAVAILABLE:    return "Unavailable";
    case HAP_PAIRING_ERROR_BUSY:           return "Busy";
    default:                               return "unknown pairing error";
    }
}
