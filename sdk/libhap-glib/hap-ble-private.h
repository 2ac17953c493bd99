/* hap-ble-private.h — the HAP over Bluetooth LE transport: a GATT application and an LE
 * advertisement registered with BlueZ over D-Bus (docs/protocol.md §5, docs/bluez.md)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   hap-ble-database.c     what BLE adds to the model (Pairing service, A5)
 *   hap-ble-gatt.c         the GATT objects exported to bluetoothd
 *   hap-ble-advertising.c  the LEAdvertisement1 object
 *   hap-ble-transport.c    BlueZ: adapter, registration, centrals; GSN and broadcasts
 *   hap-ble-link.c         one connected central: fragments, encryption, timers, events
 *   hap-ble-procedure.c    one HAP-BLE request → its response
 * The wire codecs are in hap-ble-pdu, hap-ble-value, hap-ble-signature and
 * hap-ble-advertisement (no I/O).
 */
#pragma once

#include <gio/gio.h>

#include "hap-ble-le-private.h"
#include "hap-ble-pdu-private.h"
#include "hap-server-private.h"

G_BEGIN_DECLS

/* docs/protocol.md §5.1: the largest GATT value; docs/bluez.md §5.3: writes up to the
 * ATT MTU − 3 (514 with bluetoothd's default 517) must be accepted. */
#define HAP_BLE_MAX_VALUE     512
#define HAP_BLE_MAX_WRITE     514
/* The largest request body one procedure may assemble (bounded memory per central). */
#define HAP_BLE_MAX_BODY      HAP_BLE_PDU_MAX_BODY

/* ---- hap-ble-database.c ------------------------------------------------------------- */

typedef enum
{
  HAP_BLE_PAIRING_NONE,
  HAP_BLE_PAIRING_SETUP,      /* 4C */
  HAP_BLE_PAIRING_VERIFY,     /* 4E */
  HAP_BLE_PAIRING_FEATURES,   /* 4F */
  HAP_BLE_PAIRING_PAIRINGS,   /* 50 */
} HapBlePairingRole;

/* Adds the Pairing service and the Service Signature characteristics; a bridge is an
 * error. Before iids are assigned. */
gboolean           _hap_ble_database_prepare        (HapAccessory      *accessory,
                                                     GError           **error);
/* After iids are assigned: every iid fits in 16 bits. */
gboolean           _hap_ble_database_check          (HapAccessory      *accessory,
                                                     GError           **error);
HapBlePairingRole  _hap_ble_pairing_role            (HapCharacteristic *characteristic);
gboolean           _hap_ble_is_service_signature    (HapCharacteristic *characteristic);
gboolean           _hap_ble_is_protocol_information (HapService        *service);
guint16            _hap_ble_service_properties      (HapService        *service);

/* ---- hap-ble-gatt.c ----------------------------------------------------------------- */

typedef enum
{
  HAP_BLE_ATTRIBUTE_SERVICE_IID,      /* the Service Instance ID characteristic */
  HAP_BLE_ATTRIBUTE_CHARACTERISTIC,   /* a HAP characteristic */
  HAP_BLE_ATTRIBUTE_IID_DESCRIPTOR,   /* its Characteristic Instance ID descriptor */
} HapBleAttributeKind;

typedef struct
{
  HapBleAttributeKind  kind;
  guint                index;           /* in the table; per-central state is indexed so */
  char                *path;
  HapService          *service;
  HapCharacteristic   *characteristic;  /* NULL for SERVICE_IID */
  guint16              iid;             /* the service's or the characteristic's */
  guint                registration;
} HapBleAttribute;

typedef struct _HapBleGatt HapBleGatt;

/* What the transport does with the GATT requests bluetoothd forwards. @device is the
 * central's Device1 path; each handler answers @invocation (now or later). */
typedef struct
{
  void (*read)    (gpointer               user_data,
                   HapBleAttribute       *attribute,
                   const char            *device,
                   guint16                offset,
                   GDBusMethodInvocation *invocation);
  void (*write)   (gpointer               user_data,
                   HapBleAttribute       *attribute,
                   const char            *device,
                   guint16                offset,
                   GBytes                *value,
                   GDBusMethodInvocation *invocation);
  /* CCC written by some central (bluetoothd aggregates them: no device). */
  void (*notify)  (gpointer               user_data,
                   HapBleAttribute       *attribute,
                   gboolean               enabled);
  /* An indication was confirmed. */
  void (*confirm) (gpointer               user_data,
                   HapBleAttribute       *attribute);
  /* FALSE leaves @characteristic (NULL: the Service Instance ID characteristic) of
   * @service out of the application (the simulator's quirks). May be NULL. */
  gboolean (*include) (gpointer           user_data,
                       HapService        *service,
                       HapCharacteristic *characteristic);
} HapBleGattHandlers;

/* Exports the GATT application of @accessory under @root (an ObjectManager there, then
 * root/serviceN/charM/descK), services starting at ATT handle @first_handle. */
HapBleGatt      *_hap_ble_gatt_new          (GDBusConnection          *bus,
                                             const char               *root,
                                             HapAccessory             *accessory,
                                             guint16                   first_handle,
                                             const HapBleGattHandlers *handlers,
                                             gpointer                  user_data,
                                             GError                  **error);
void             _hap_ble_gatt_free         (HapBleGatt               *gatt);
const char      *_hap_ble_gatt_get_root     (HapBleGatt               *gatt);
guint            _hap_ble_gatt_get_n_attributes (HapBleGatt           *gatt);
HapBleAttribute *_hap_ble_gatt_get_attribute (HapBleGatt             *gatt,
                                              guint                   index);
/* The HAP characteristic attribute of @characteristic, or NULL. */
HapBleAttribute *_hap_ble_gatt_lookup       (HapBleGatt               *gatt,
                                             HapCharacteristic        *characteristic);
/* A zero-length indication (docs/protocol.md §5.12) on @attribute. */
void             _hap_ble_gatt_indicate     (HapBleGatt               *gatt,
                                             HapBleAttribute          *attribute);
/* The D-Bus error replies a GATT request can get (docs/bluez.md §1.1). */
void             _hap_ble_gatt_reply_error  (GDBusMethodInvocation    *invocation,
                                             const char               *name,
                                             const char               *message);
void             _hap_ble_gatt_reply_value  (GDBusMethodInvocation    *invocation,
                                             const guint8             *data,
                                             gsize                     len);

/* ---- hap-ble-advertising.c ---------------------------------------------------------- */

typedef struct _HapBleAdvertising HapBleAdvertising;

/* An org.bluez.LEAdvertisement1 object at @path; @released runs when bluetoothd calls
 * Release(). */
HapBleAdvertising *_hap_ble_advertising_new   (GDBusConnection   *bus,
                                               const char        *path,
                                               GCallback          released,
                                               gpointer           user_data,
                                               GError           **error);
void               _hap_ble_advertising_free  (HapBleAdvertising *adv);
const char        *_hap_ble_advertising_get_path (HapBleAdvertising *adv);
/* Whether bluetoothd applies MinInterval/MaxInterval (5.66: only with -E). When it does
 * not, a change of the interval alone is not signalled (see _hap_ble_advertising_set). */
void               _hap_ble_advertising_set_intervals_applied (HapBleAdvertising *adv,
                                                               gboolean           applied);
/* Sets what is advertised: Apple's manufacturer data (the bytes after the company id),
 * the local name and the interval bluetoothd is asked for (experimental MinInterval and
 * MaxInterval, ms). Emits PropertiesChanged when something changed and @notify. */
void               _hap_ble_advertising_set   (HapBleAdvertising *adv,
                                               GBytes            *manufacturer_data,
                                               const char        *local_name,
                                               guint              interval_ms,
                                               gboolean           notify);
GBytes            *_hap_ble_advertising_get_data (HapBleAdvertising *adv);

/* ---- hap-ble-transport.c and hap-ble-link.c ----------------------------------------- */

typedef struct _HapBleTransport HapBleTransport;
typedef struct _HapBleLink HapBleLink;

/* Timers on the accessory's main context. */
GSource            *_hap_ble_add_timeout          (HapBleTransport *ble,
                                                   guint            ms,
                                                   GSourceFunc      func,
                                                   gpointer         data);
/* Destroys and forgets *@source, if any. */
void                _hap_ble_clear_source         (GSource        **source);

/* The accessory's state for advertisements (hap-ble-transport.c). */
HapAccessoryServer *_hap_ble_transport_get_server (HapBleTransport *ble);
HapBleGatt         *_hap_ble_transport_get_gatt   (HapBleTransport *ble);
/* docs/protocol.md §5.11: GSN + 1 (wrapping to 1), saved. */
void                _hap_ble_transport_bump_gsn   (HapBleTransport *ble);
/* Ends the central's connection (Device1.Disconnect on the peripheral's adapter). */
void                _hap_ble_transport_disconnect (HapBleTransport *ble,
                                                   const char      *device);
/* The link went away (closed by us or by the central). */
void                _hap_ble_transport_link_closed (HapBleTransport *ble,
                                                    HapBleLink      *link);

HapBleLink *_hap_ble_link_new          (HapBleTransport       *ble,
                                        const char            *device);
void        _hap_ble_link_free         (HapBleLink            *link);
const char *_hap_ble_link_get_device   (HapBleLink            *link);
HapSession *_hap_ble_link_get_session  (HapBleLink            *link);
void        _hap_ble_link_read         (HapBleLink            *link,
                                        HapBleAttribute       *attribute,
                                        guint16                offset,
                                        GDBusMethodInvocation *invocation);
void        _hap_ble_link_write        (HapBleLink            *link,
                                        HapBleAttribute       *attribute,
                                        guint16                offset,
                                        GBytes                *value,
                                        GDBusMethodInvocation *invocation);
/* CCC state of @attribute for this central (subscriptions persist across security
 * sessions of one connection, docs/protocol.md §5.12). */
void        _hap_ble_link_set_notify   (HapBleLink            *link,
                                        HapBleAttribute       *attribute,
                                        gboolean               enabled);
void        _hap_ble_link_confirmed    (HapBleLink            *link);
/* A subscribed characteristic changed (through the core). */
void        _hap_ble_link_queue_event  (HapBleLink            *link,
                                        HapCharacteristic     *characteristic);
/* Drops the security session and the link (after the response in flight when
 * @after_response). */
void        _hap_ble_link_drop         (HapBleLink            *link,
                                        gboolean               after_response,
                                        const char            *why);

/* ---- hap-ble-procedure.c ------------------------------------------------------------ */

/* Not a status: the request broke the protocol, the link is dropped (the ADK's
 * kHAPError_InvalidState from a procedure). */
#define HAP_BLE_PROCEDURE_DROP 0xFF

/* @status a HapBlePduStatus (or HAP_BLE_PROCEDURE_DROP); @body NULL for a response
 * without a body. */
typedef void (*HapBleProcedureDone) (guint8    status,
                                     GBytes   *body,
                                     gpointer  user_data);

typedef struct
{
  HapBleTransport   *ble;
  HapSession        *session;
  HapBleAttribute   *attribute;
  /* A Timed Write waiting for its Execute Write, or NULL. */
  GBytes           **timed_body;
  gint64            *timed_deadline;   /* monotonic µs */
  /* A pairing request written without Return-Response, handled at the next Read. */
  GBytes           **pairing_request;
  HapBleAttribute  **pairing_request_attribute;   /* the characteristic it was written to */
} HapBleProcedureContext;

/* Handles one complete request (docs/protocol.md §5.6) and calls @done exactly once,
 * possibly before returning. */
void        _hap_ble_procedure_run     (const HapBleProcedureContext *context,
                                        const HapBleRequest          *request,
                                        HapBleProcedureDone           done,
                                        gpointer                      user_data);

G_END_DECLS
