/* vb-error.h — errors of the virtual BlueZ, named like bluetoothd's (src/error.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VB_ERROR (vb_error_quark ())

/* Each code is one org.bluez.Error.* name; the GError message becomes the D-Bus
 * error message. */
typedef enum
{
  VB_ERROR_FAILED,             /* org.bluez.Error.Failed */
  VB_ERROR_INVALID_ARGUMENTS,  /* org.bluez.Error.InvalidArguments */
  VB_ERROR_NOT_PERMITTED,      /* org.bluez.Error.NotPermitted */
  VB_ERROR_NOT_SUPPORTED,      /* org.bluez.Error.NotSupported */
  VB_ERROR_NOT_AUTHORIZED,     /* org.bluez.Error.NotAuthorized */
  VB_ERROR_IN_PROGRESS,        /* org.bluez.Error.InProgress */
  VB_ERROR_ALREADY_EXISTS,     /* org.bluez.Error.AlreadyExists */
  VB_ERROR_DOES_NOT_EXIST,     /* org.bluez.Error.DoesNotExist */
  VB_ERROR_NOT_CONNECTED,      /* org.bluez.Error.NotConnected */
  VB_ERROR_NOT_READY,          /* org.bluez.Error.NotReady */
  VB_ERROR_INVALID_LENGTH,     /* org.bluez.Error.InvalidLength */
} VbError;

GQuark vb_error_quark (void);

/* Replies to @invocation with org.bluez.Error.<code> and a printf-style message. */
void vb_return_error (GDBusMethodInvocation *invocation,
                      VbError                code,
                      const char            *format,
                      ...) G_GNUC_PRINTF (3, 4);

/* The messages bluetoothd uses for its common errors (src/error.c). */
#define VB_MSG_INVALID_ARGS   "Invalid arguments in method call"
#define VB_MSG_BUSY           "Operation already in progress"
#define VB_MSG_IN_PROGRESS    "In Progress"
#define VB_MSG_ALREADY_EXISTS "Already Exists"
#define VB_MSG_DOES_NOT_EXIST "Does Not Exist"
#define VB_MSG_NOT_CONNECTED  "Not Connected"
#define VB_MSG_NOT_SUPPORTED  "Operation is not supported"
#define VB_MSG_NOT_READY      "Resource Not Ready"
#define VB_MSG_NOT_AUTHORIZED "Operation Not Authorized"

G_END_DECLS
