/* hap-transport-private.h — what the accessory core asks of a transport
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One HapAccessoryServer is the accessory core: identity, pairings, MaxTries, the
 * database, c#, GSN, values and who is subscribed to them (hap-server-private.h). A
 * transport carries sessions (hap-session-private.h) over one link technology: HAP/IP
 * (TCP, HTTP, encrypted frames, _hap._tcp; hap-ip-*.c) or HAP over Bluetooth LE
 * (GATT through BlueZ, PDUs, advertisements; hap-ble-*.c). Transports are const tables,
 * as in HomeKitADK's HAPAccessoryServer+Internal.h; the core calls them, never the other
 * way round except through the core's own functions.
 */
#pragma once

#include <gio/gio.h>

#include "hap-accessory-server.h"

G_BEGIN_DECLS

typedef struct _HapSession HapSession;

typedef struct
{
  const char *name;                         /* "ip", "ble": for logs and errors */
  HapTransportFlags flag;

  /* Starts serving the core's (prepared) database; returns the transport's state, or
   * NULL with @error. A transport whose platform is missing (no BlueZ) may start anyway
   * and wait for it, with one warning. */
  gpointer (*start)          (HapAccessoryServer *server,
                              GError            **error);
  /* Closes every session of the transport and frees @state. */
  void     (*stop)           (gpointer            state);
  /* Ends @session's link: after the exchange in progress when there is one (a
   * controller that removed its own pairing still gets the response), else now. */
  void     (*close_session)  (HapSession         *session);
  /* @characteristic, to which @session subscribed, changed (the core already left out
   * the session that wrote it). */
  void     (*queue_event)    (HapSession         *session,
                              HapCharacteristic  *characteristic);
  /* Any value changed, subscribed or not (BLE disconnected events and broadcasts). May
   * be NULL. @origin is the writing HapSession or an application's opaque origin. */
  void     (*value_changed)  (gpointer            state,
                              HapCharacteristic  *characteristic,
                              gpointer            origin);
  /* The status a transport advertises changed: paired or unpaired (TXT sf, BLE SF). */
  void     (*status_changed) (gpointer            state);
} HapTransport;

extern const HapTransport hap_ip_transport;
extern const HapTransport hap_ble_transport;

G_END_DECLS
