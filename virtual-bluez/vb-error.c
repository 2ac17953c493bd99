/* vb-error.c — errors of the virtual BlueZ
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-error.h"

static const GDBusErrorEntry vb_error_entries[] = {
  { VB_ERROR_FAILED,            "org.bluez.Error.Failed" },
  { VB_ERROR_INVALID_ARGUMENTS, "org.bluez.Error.InvalidArguments" },
  { VB_ERROR_NOT_PERMITTED,     "org.bluez.Error.NotPermitted" },
  { VB_ERROR_NOT_SUPPORTED,     "org.bluez.Error.NotSupported" },
  { VB_ERROR_NOT_AUTHORIZED,    "org.bluez.Error.NotAuthorized" },
  { VB_ERROR_IN_PROGRESS,       "org.bluez.Error.InProgress" },
  { VB_ERROR_ALREADY_EXISTS,    "org.bluez.Error.AlreadyExists" },
  { VB_ERROR_DOES_NOT_EXIST,    "org.bluez.Error.DoesNotExist" },
  { VB_ERROR_NOT_CONNECTED,     "org.bluez.Error.NotConnected" },
  { VB_ERROR_NOT_READY,         "org.bluez.Error.NotReady" },
  { VB_ERROR_INVALID_LENGTH,    "org.bluez.Error.InvalidLength" },
};

GQuark
vb_error_quark (void)
{
  static gsize quark;

  g_dbus_error_register_error_domain ("vb-error-quark", &quark, vb_error_entries,
                                      G_N_ELEMENTS (vb_error_entries));
  return (GQuark) quark;
}

void
vb_return_error (GDBusMethodInvocation *invocation,
                 VbError                code,
                 const char            *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  g_dbus_method_invocation_return_error_valist (invocation, VB_ERROR, (gint) code, format, args);
  va_end (args);
}
