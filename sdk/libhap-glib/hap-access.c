/* hap-access.c — HAP's access rules, once for every transport
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-access-private.h"

#include "hap-server-private.h"

#define UUID_IDENTIFY "00000014-0000-1000-8000-0026BB765291"

/* docs/protocol.md §5.8: Identify is writable without a session only while unpaired
 * ("unpaired identify"); IP has POST /identify for that instead. */
static gboolean
is_unpaired_identify (HapSession *session, HapCharacteristic *characteristic)
{
  return session->server != NULL && !hap_accessory_server_is_paired (session->server) &&
         g_strcmp0 (hap_characteristic_get_type_uuid (characteristic), UUID_IDENTIFY) == 0;
}

static gboolean
is_verified (HapSession *session)
{
  return _hap_session_is_secured (session) && !_hap_session_is_transient (session);
}

static gboolean
admin_denied (HapSession *session, HapCharacteristic *characteristic)
{
  return (hap_characteristic_get_perms (characteristic) & HAP_PERM_ADMIN_ONLY) &&
         !_hap_session_is_admin (session);
}

HapAccess
hap_access_check_read (HapSession *session, HapCharacteristic *characteristic)
{
  HapPerms perms = hap_characteristic_get_perms (characteristic);

  /* docs/protocol.md §5.8 and §3.6: characteristics are read in a verified session only
   * (BLE transient sessions may not read them either). */
  if (!is_verified (session))
    return HAP_ACCESS_NOT_SECURED;
  if (!(perms & HAP_PERM_PAIRED_READ))
    return HAP_ACCESS_NOT_READABLE;
  if (admin_denied (session, characteristic))
    return HAP_ACCESS_ADMIN_ONLY;
  return HAP_ACCESS_OK;
}

HapAccess
hap_access_check_write (HapSession *session, HapCharacteristic *characteristic, gboolean timed)
{
  HapPerms perms = hap_characteristic_get_perms (characteristic);

  if (!is_verified (session))
    return is_unpaired_identify (session, characteristic) ? HAP_ACCESS_OK : HAP_ACCESS_NOT_SECURED;
  /* docs/protocol.md §4.6: admin-only is checked first, before the perms. */
  if (admin_denied (session, characteristic))
    return HAP_ACCESS_ADMIN_ONLY;
  if (!(perms & HAP_PERM_PAIRED_WRITE))
    return HAP_ACCESS_NOT_WRITABLE;
  /* §4.8, §5.6: a tw characteristic is only written through a timed write. */
  if ((perms & HAP_PERM_TIMED_WRITE) && !timed)
    return HAP_ACCESS_NEEDS_TIMED_WRITE;
  return HAP_ACCESS_OK;
}

HapAccess
hap_access_check_subscribe (HapSession *session, HapCharacteristic *characteristic)
{
  if (!is_verified (session))
    return HAP_ACCESS_NOT_SECURED;
  if (admin_denied (session, characteristic))
    return HAP_ACCESS_ADMIN_ONLY;
  if (!(hap_characteristic_get_perms (characteristic) & HAP_PERM_EVENTS))
    return HAP_ACCESS_NO_EVENTS;
  return HAP_ACCESS_OK;
}

gboolean
hap_access_may_notify (HapSession *session, HapCharacteristic *characteristic)
{
  return is_verified (session) && !admin_denied (session, characteristic);
}

HapAccess
hap_access_from_error (const GError *error)
{
  if (error == NULL || error->domain != HAP_STATUS_ERROR)
    return HAP_ACCESS_FAILED;
  switch ((HapStatus) error->code)
    {
    case HAP_STATUS_SUCCESS:                     return HAP_ACCESS_OK;
    case HAP_STATUS_INSUFFICIENT_PRIVILEGES:     return HAP_ACCESS_ADMIN_ONLY;
    case HAP_STATUS_BUSY:                        return HAP_ACCESS_BUSY;
    case HAP_STATUS_READ_ONLY:                   return HAP_ACCESS_NOT_WRITABLE;
    case HAP_STATUS_WRITE_ONLY:                  return HAP_ACCESS_NOT_READABLE;
    case HAP_STATUS_NOTIFICATION_NOT_SUPPORTED:  return HAP_ACCESS_NO_EVENTS;
    case HAP_STATUS_OUT_OF_RESOURCES:            return HAP_ACCESS_OUT_OF_RESOURCES;
    case HAP_STATUS_TIMED_OUT:                   return HAP_ACCESS_TIMED_OUT;
    case HAP_STATUS_RESOURCE_DOES_NOT_EXIST:     return HAP_ACCESS_NOT_FOUND;
    case HAP_STATUS_INVALID_VALUE:               return HAP_ACCESS_INVALID_VALUE;
    case HAP_STATUS_INSUFFICIENT_AUTHORIZATION:  return HAP_ACCESS_NOT_AUTHORIZED;
    case HAP_STATUS_NOT_ALLOWED_IN_CURRENT_STATE: return HAP_ACCESS_NOT_ALLOWED_NOW;
    case HAP_STATUS_UNABLE_TO_COMMUNICATE:
    default:                                     return HAP_ACCESS_FAILED;
    }
}

/* docs/protocol.md §4.4. */
HapStatus
hap_access_to_ip_status (HapAccess access)
{
  switch (access)
    {
    case HAP_ACCESS_OK:                 return HAP_STATUS_SUCCESS;
    case HAP_ACCESS_NOT_FOUND:          return HAP_STATUS_RESOURCE_DOES_NOT_EXIST;
    case HAP_ACCESS_NOT_READABLE:       return HAP_STATUS_WRITE_ONLY;
    case HAP_ACCESS_NOT_WRITABLE:       return HAP_STATUS_READ_ONLY;
    case HAP_ACCESS_NO_EVENTS:          return HAP_STATUS_NOTIFICATION_NOT_SUPPORTED;
    case HAP_ACCESS_NOT_SECURED:        return HAP_STATUS_INSUFFICIENT_AUTHORIZATION;
    case HAP_ACCESS_ADMIN_ONLY:         return HAP_STATUS_INSUFFICIENT_PRIVILEGES;
    case HAP_ACCESS_NEEDS_TIMED_WRITE:  return HAP_STATUS_INVALID_VALUE;
    case HAP_ACCESS_INVALID_VALUE:      return HAP_STATUS_INVALID_VALUE;
    case HAP_ACCESS_BUSY:               return HAP_STATUS_BUSY;
    case HAP_ACCESS_OUT_OF_RESOURCES:   return HAP_STATUS_OUT_OF_RESOURCES;
    case HAP_ACCESS_TIMED_OUT:          return HAP_STATUS_TIMED_OUT;
    case HAP_ACCESS_NOT_ALLOWED_NOW:    return HAP_STATUS_NOT_ALLOWED_IN_CURRENT_STATE;
    case HAP_ACCESS_NOT_AUTHORIZED:     return HAP_STATUS_INSUFFICIENT_AUTHORIZATION;
    case HAP_ACCESS_FAILED:
    default:                            return HAP_STATUS_UNABLE_TO_COMMUNICATE;
    }
}

/* docs/protocol.md §5.2 and §5.8, as the ADK answers: a request for something the
 * characteristic does not support is Unsupported-PDU, a missing (or non-admin) session
 * Insufficient Authentication, a handler's authorization refusal Insufficient
 * Authorization, and everything about the value or the handler Invalid Request. */
guint8
hap_access_to_ble_status (HapAccess access)
{
  switch (access)
    {
    case HAP_ACCESS_OK:                 return 0x00;   /* Success */
    case HAP_ACCESS_NOT_READABLE:
    case HAP_ACCESS_NOT_WRITABLE:
    case HAP_ACCESS_NO_EVENTS:          return 0x01;   /* Unsupported-PDU */
    case HAP_ACCESS_NOT_AUTHORIZED:     return 0x03;   /* Insufficient Authorization */
    case HAP_ACCESS_NOT_FOUND:          return 0x04;   /* Invalid Instance ID */
    case HAP_ACCESS_NOT_SECURED:
    case HAP_ACCESS_ADMIN_ONLY:         return 0x05;   /* Insufficient Authentication */
    case HAP_ACCESS_NEEDS_TIMED_WRITE:
    case HAP_ACCESS_INVALID_VALUE:
    case HAP_ACCESS_BUSY:
    case HAP_ACCESS_OUT_OF_RESOURCES:
    case HAP_ACCESS_TIMED_OUT:
    case HAP_ACCESS_NOT_ALLOWED_NOW:
    case HAP_ACCESS_FAILED:
    default:                            return 0x06;   /* Invalid Request */
    }
}
