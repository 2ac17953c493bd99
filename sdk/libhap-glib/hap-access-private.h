/* hap-access-private.h — who may read, write and be told about a characteristic
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The access rules of HAP, decided once for every transport. Each check returns a
 * neutral HapAccess code; a transport maps it to its own wire code: a JSON status on IP
 * (docs/protocol.md §4.4), a PDU status on BLE (§5.2).
 */
#pragma once

#include "hap-characteristic.h"
#include "hap-error.h"
#include "hap-session-private.h"

G_BEGIN_DECLS

typedef enum
{
  HAP_ACCESS_OK,
  HAP_ACCESS_NOT_FOUND,              /* no such characteristic (or service) */
  HAP_ACCESS_NOT_READABLE,           /* no pr perm */
  HAP_ACCESS_NOT_WRITABLE,           /* no pw perm */
  HAP_ACCESS_NO_EVENTS,              /* no ev perm */
  HAP_ACCESS_NOT_SECURED,            /* needs a verified, non-transient session */
  HAP_ACCESS_ADMIN_ONLY,             /* aa perm and the controller is not an admin */
  HAP_ACCESS_NEEDS_TIMED_WRITE,      /* tw perm written directly, or a stale timed write */
  HAP_ACCESS_INVALID_VALUE,          /* malformed or out of the characteristic's range */
  HAP_ACCESS_BUSY,                   /* a handler refused: busy */
  HAP_ACCESS_OUT_OF_RESOURCES,
  HAP_ACCESS_TIMED_OUT,              /* a handler did not answer in time */
  HAP_ACCESS_NOT_ALLOWED_NOW,        /* a handler refused: not in the current state */
  HAP_ACCESS_NOT_AUTHORIZED,         /* a handler refused: missing or wrong authorization data */
  HAP_ACCESS_FAILED,                 /* a handler failed otherwise */
} HapAccess;

/* A read of @characteristic by @session. */
HapAccess   hap_access_check_read      (HapSession        *session,
                                        HapCharacteristic *characteristic);
/* A write of a value; @timed: it arrives through a valid timed write (docs/protocol.md
 * §4.8, §5.6). */
HapAccess   hap_access_check_write     (HapSession        *session,
                                        HapCharacteristic *characteristic,
                                        gboolean           timed);
/* Turning events on or off. */
HapAccess   hap_access_check_subscribe (HapSession        *session,
                                        HapCharacteristic *characteristic);
/* Whether a change of @characteristic may be announced to @session (subscribed or
 * not): secured, not transient, and admin-only characteristics only to admins
 * (docs/protocol.md §5.12). */
gboolean    hap_access_may_notify      (HapSession        *session,
                                        HapCharacteristic *characteristic);

/* Handler errors (HAP_STATUS_ERROR codes, any other error: FAILED). */
HapAccess   hap_access_from_error      (const GError      *error);
/* Wire codes. */
HapStatus   hap_access_to_ip_status    (HapAccess          access);
guint8      hap_access_to_ble_status   (HapAccess          access);

G_END_DECLS
