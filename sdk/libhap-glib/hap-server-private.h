/* hap-server-private.h — the accessory core behind HapAccessoryServer
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Transport-neutral: identity and storage, pairings and the pairing procedures' shared
 * state (MaxTries, Busy, BLE resume cache), the database with its c#, values and who is
 * subscribed, and the open sessions of every transport (hap-transport-private.h).
 */
#pragma once

#include <gio/gio.h>

#include "hap-accessory-server.h"
#include "hap-advertiser.h"
#include "hap-connection-limit.h"
#include "hap-pairing-private.h"
#include "hap-inspection.h"
#include "hap-session-private.h"
#include "hap-storage-private.h"
#include "hap-transport-private.h"

G_BEGIN_DECLS

#define HAP_N_TRANSPORTS 2

/* The hooks of hap-inspection.h, or NULL. A build with -Dinspection=false has no way to
 * set them and these are constant NULL: the compiler drops every hook call site. */
#if HAP_ENABLE_INSPECTION
# define HAP_SERVER_HOOKS(server)     ((server)->hooks)
# define HAP_SERVER_BLE_HOOKS(server) ((server)->ble_hooks)
#else
# define HAP_SERVER_HOOKS(server)     ((const HapServerHooks *) NULL)
# define HAP_SERVER_BLE_HOOKS(server) ((const HapBleHooks *) NULL)
#endif

struct _HapAccessoryServer
{
  GObject             parent_instance;

  HapAccessory       *accessory;
  char               *state_dir;
  char               *setup_code;          /* requested before start, or NULL */
  /* Or a provisioned device's salt and verifier (and setup ID), requested before start. */
  GBytes             *setup_salt;
  GBytes             *setup_verifier;
  char               *setup_id;
  guint               handler_timeout_ms;
  HapTransportFlags   transports;

  /* IP transport configuration (hap-ip-transport.c reads it at start). */
  guint16             port;                /* requested, then the one listened on */
  char               *bind_address;
  guint               event_window_ms;
  guint               max_connections;     /* this accessory's cap, 0 = only the limit's */
  HapConnectionLimit *connection_limit;    /* shared with other servers, or NULL */
  guint               idle_timeout_ms;     /* 0 = never */
  guint               stall_timeout_ms;
  guint               pairing_timeout_ms;
  HapAdvertiser      *advertiser;
  gboolean            advertise;
  const HapServerHooks *hooks;             /* hap-inspection.h, or NULL */
  gpointer            hooks_data;

  /* BLE transport configuration (hap-ble-transport.c). */
  char               *ble_adapter;         /* "hci0", or NULL for the first usable one */
  const HapBleHooks  *ble_hooks;           /* hap-inspection.h, or NULL */
  gpointer            ble_hooks_data;

  GMainContext       *context;
  HapStorage         *storage;
  HapPairingContext   pairing;
  GHashTable         *characteristics;     /* guint64 (aid << 32 | iid) → HapCharacteristic */
  GHashTable         *subscribers;         /* HapCharacteristic → GHashTable set of HapSession */
  GPtrArray          *value_handlers;      /* HapCharacteristic, parallel to handler ids */
  GArray             *value_handler_ids;   /* gulong */
  GPtrArray          *sessions;            /* HapSession, every transport's */
  gpointer            transport_state[HAP_N_TRANSPORTS];
  gboolean            started;
};

/* The running state of @transport, or NULL when it is not running. */
gpointer           _hap_accessory_server_get_transport (HapAccessoryServer *self,
                                                        const HapTransport *transport);
HapCharacteristic *_hap_accessory_server_lookup  (HapAccessoryServer *self,
                                                  guint64             aid,
                                                  guint64             iid);
HapAccessory      *_hap_accessory_server_lookup_accessory (HapAccessoryServer *self,
                                                           guint64             aid);
/* The database as GET /accessories serves it. */
void               _hap_accessory_server_append_database (HapAccessoryServer *self,
                                                          GString            *json);
void               _hap_accessory_server_remove_session  (HapAccessoryServer *self,
                                                          HapSession         *session);
void               _hap_accessory_server_set_subscribed  (HapAccessoryServer *self,
                                                          HapSession         *session,
                                                          HapCharacteristic  *characteristic,
                                                          gboolean            subscribed);

/* ---- reading and writing characteristics for a session (hap-server-ops.c) ---------- */

/* @status is a HapAccess code; @value the value read (or written, when asked back), or
 * NULL. Called exactly once. */
typedef void (*HapOperationDone) (int        status,
                                  GVariant  *value,
                                  gpointer   user_data);

/* Reads @characteristic through its read handler, giving up after the server's handler
 * timeout (HAP_ACCESS_TIMED_OUT). Without a handler @done runs before this returns,
 * with the stored value. Access rules are the caller's (hap-access-private.h). */
void               _hap_accessory_server_read   (HapAccessoryServer *self,
                                                 HapCharacteristic  *characteristic,
                                                 HapOperationDone    done,
                                                 gpointer            user_data);
/* Writes an already validated @value through the write handler (then stores it and
 * sends events, not to @session); @done gets the stored value when @want_value. */
void               _hap_accessory_server_write  (HapAccessoryServer *self,
                                                 HapSession         *session,
                                                 HapCharacteristic  *characteristic,
                                                 GVariant           *value,
                                                 gboolean            want_value,
                                                 HapOperationDone    done,
                                                 gpointer            user_data);

G_END_DECLS
