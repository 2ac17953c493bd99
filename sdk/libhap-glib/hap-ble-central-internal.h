/* hap-ble-central-internal.h — shared by hap-ble-central.c and hap-ble-central-device.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-ble-central-private.h"

G_BEGIN_DECLS

#define HAP_BLUEZ_NAME "org.bluez"

struct _HapBleCentral
{
  guint                  timeout_ms;       /* of the calls that take no deadline */
  GMainContext          *context;
  GDBusConnection       *bus;
  char                  *adapter;
  char                  *adapter_path;
  guint                  subscriptions[3];
  gboolean               discovering;
  HapBleCentralHandlers  handlers;
  gpointer               user_data;

  char                  *wanted_address;   /* hap_ble_central_find_device() */
  char                  *found_path;

  char                  *device_path;      /* the link */
  gboolean               connected;
  gboolean               services_resolved;
  gboolean               abandoned;
  guint                  watch_id;         /* hap_ble_central_watch() */
  HapBleCentralWatchFunc watch_func;
  gpointer               watch_data;        /* hap_ble_central_abandon(): not connected again */
};

/* A failed call's error turned into this module's errors (see the private header). */
void      _hap_ble_central_set_call_error  (GError        **error,
                                            GError         *call_error,
                                            const char     *what);
gboolean  _hap_ble_central_is_remote_error (const GError   *error,
                                            const char     *name);
/* "/org/bluez/hciN/dev_XX_…" of this central's adapter. */
gboolean  _hap_ble_central_is_device_path  (HapBleCentral  *self,
                                            const char     *path);
int       _hap_ble_central_timeout_ms_until (gint64         deadline);
/* The deadline of a call that has none of its own: the central's timeout from now. */
gint64    _hap_ble_central_call_deadline   (HapBleCentral  *self);
/* Properties.Get of org.bluez. */
GVariant *_hap_ble_central_get_property    (HapBleCentral  *self,
                                            const char     *path,
                                            const char     *interface,
                                            const char     *name,
                                            gint64          deadline,
                                            GCancellable   *cancellable,
                                            GError        **error);
/* Handles signals for at most @ms, returning after the first one: for states that are
 * read again after each pause. FALSE when @deadline passed or on cancellation. */
gboolean  _hap_ble_central_pause_ms        (HapBleCentral  *self,
                                            guint           ms,
                                            gint64          deadline,
                                            GCancellable   *cancellable,
                                            GError        **error);
/* Handles signals for @ms in all. */
gboolean  _hap_ble_central_sleep_ms        (HapBleCentral  *self,
                                            guint           ms,
                                            gint64          deadline,
                                            GCancellable   *cancellable,
                                            GError        **error);

G_END_DECLS
