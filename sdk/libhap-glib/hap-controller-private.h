/* hap-controller-private.h — HapController internals for the test controller
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-controller.h"
#include "hap-controller-connection.h"
#include "hap-http-parser-private.h"
#include "hap-pairing-client-private.h"

G_BEGIN_DECLS

/* A broadcast encryption key as the controller keeps it (docs/protocol.md §5.10). A
 * secret: wipe copies with sodium_memzero. */
typedef struct
{
  guint8  key[32];
  guint8  advertising_id[6];
  guint16 key_gsn;      /* the GSN when the key was generated (it expires 32767 later) */
  guint16 gsn;          /* the last GSN seen, where decryption starts guessing */
} HapBroadcastKey;

/* One accessory the controller is paired with (hap-controller.c keeps them by device
 * id; hap-controller-ble-store.c adds the BLE items). */
typedef struct
{
  guint8           ltpk[32];
  char            *host;
  guint16          port;
  char            *ble_address;
  gboolean         has_ticket;
  HapResumeTicket  ticket;        /* docs/protocol.md §3.4 */
  gboolean         has_broadcast;
  HapBroadcastKey  broadcast;     /* docs/protocol.md §5.10 */
} HapKnownAccessory;

/* Wipes and frees. */
void            _hap_known_accessory_free            (gpointer                 known);
/* Device id (uppercase) → HapKnownAccessory. */
GHashTable     *_hap_controller_get_known            (HapController           *self);
/* The optional BLE items of an [accessory …] group; FALSE when one is malformed. */
gboolean        _hap_known_accessory_load_ble        (HapKnownAccessory       *known,
                                                      GKeyFile                *kf,
                                                      const char              *group);
void            _hap_known_accessory_save_ble        (HapKnownAccessory       *known,
                                                      GKeyFile                *kf,
                                                      const char              *group);

/* Copies the identity (the caller wipes it with sodium_memzero). */
void            hap_controller_get_identity          (HapController           *self,
                                                      HapControllerIdentity   *identity);
gboolean        hap_controller_save_as               (HapController           *self,
                                                      const char              *path,
                                                      GError                 **error);

/* HAP over BLE state of a known accessory; the setters save the file and fail with
 * HAP_ERROR_FAILED for an accessory the controller is not paired with. */
gboolean        hap_controller_set_ble_address       (HapController           *self,
                                                      const char              *device_id,
                                                      const char              *address,
                                                      GError                 **error);
/* The device id of the accessory last reached at BD address @address, or NULL. */
const char     *hap_controller_find_ble_accessory    (HapController           *self,
                                                      const char              *address);
/* @ticket NULL forgets it. */
gboolean        hap_controller_set_resume_ticket     (HapController           *self,
                                                      const char              *device_id,
                                                      const HapResumeTicket   *ticket,
                                                      GError                 **error);
gboolean        hap_controller_get_resume_ticket     (HapController           *self,
                                                      const char              *device_id,
                                                      HapResumeTicket         *ticket);
/* @key NULL forgets it. */
gboolean        hap_controller_set_broadcast_key     (HapController           *self,
                                                      const char              *device_id,
                                                      const HapBroadcastKey   *key,
                                                      GError                 **error);
gboolean        hap_controller_get_broadcast_key     (HapController           *self,
                                                      const char              *device_id,
                                                      HapBroadcastKey         *key);
/* The device id whose broadcast key has @advertising_id (copied to @key when not NULL),
 * or NULL. */
const char     *hap_controller_find_broadcast_key    (HapController           *self,
                                                      const guint8             advertising_id[6],
                                                      HapBroadcastKey         *key);
/* Remembers the last GSN seen of an accessory with a broadcast key (else a no-op). */
gboolean        hap_controller_set_last_gsn          (HapController           *self,
                                                      const char              *device_id,
                                                      guint16                  gsn,
                                                      GError                 **error);

/* Pair Verify checking the accessory's signature with @accessory_ltpk, or not at all
 * when it is NULL (tests of pairings added by another controller). */
gboolean        hap_controller_connection_pair_verify_with_key (HapControllerConnection *self,
                                                                const guint8            *accessory_ltpk,
                                                                GCancellable            *cancellable,
                                                                GError                 **error);

/* A step of hap-pairing-client failed: a TLV Error item becomes HAP_PAIRING_ERROR with
 * its code (§1.4), anything else (malformed, bad proof) is passed on. Takes
 * @step_error; returns FALSE. */
gboolean        hap_controller_step_failed           (const char              *procedure,
                                                      int                      tlv_error,
                                                      GError                  *step_error,
                                                      GError                 **error);

/* Shared by hap-controller-connection.c and hap-controller-pairing.c. */
GBytes         *hap_controller_connection_post_tlv   (HapControllerConnection *self,
                                                      const char              *path,
                                                      GByteArray              *tlv,
                                                      GCancellable            *cancellable,
                                                      GError                 **error);
/* Secures the connection; wipes the keys. */
void            hap_controller_connection_set_session_keys (HapControllerConnection *self,
                                                            guint8                   encrypt_key[32],
                                                            guint8                   decrypt_key[32]);
/* The same, keeping the session's shared secret (BLE: the input of the broadcast key,
 * docs/protocol.md §2.3); NULL when there is none (transient Pair Setup). */
void            hap_controller_connection_set_session (HapControllerConnection *self,
                                                       guint8                   encrypt_key[32],
                                                       guint8                   decrypt_key[32],
                                                       const guint8            *shared_secret);
/* The HAP-BLE link, or NULL for an IP connection. */
typedef struct _HapControllerBle HapControllerBle;
HapControllerBle *hap_controller_connection_get_ble  (HapControllerConnection *self);
void            hap_controller_connection_set_accessory_id (HapControllerConnection *self,
                                                            const char              *id);
const char     *hap_controller_connection_get_host   (HapControllerConnection *self,
                                                      guint16                 *port);
/* The plaintext received from now until nothing came for @quiet_ms (or @timeout_ms in
 * all, or EOF), unparsed: for tests of the exact bytes an accessory sends. */
GByteArray     *hap_controller_connection_read_raw   (HapControllerConnection *self,
                                                      guint                    quiet_ms,
                                                      guint                    timeout_ms);
/* Sends bytes as they are, or encrypted when the connection is secure. */
gboolean        hap_controller_connection_send_wire  (HapControllerConnection *self,
                                                      const guint8            *data,
                                                      gsize                    len,
                                                      GError                 **error);
gboolean        hap_controller_connection_send       (HapControllerConnection *self,
                                                      const guint8            *data,
                                                      gsize                    len,
                                                      GError                 **error);
/* Frames for @plain without sending them (NULL when not secure). */
GByteArray     *hap_controller_connection_encrypt    (HapControllerConnection *self,
                                                      const guint8            *plain,
                                                      gsize                    len);
/* The next response or event (@event), or NULL with G_IO_ERROR_TIMED_OUT,
 * G_IO_ERROR_CONNECTION_CLOSED or a decryption/parse error. */
HapHttpMessage *hap_controller_connection_read_message (HapControllerConnection *self,
                                                        gboolean                 event,
                                                        guint                    timeout_ms,
                                                        GCancellable            *cancellable,
                                                        GError                 **error);
/* Sends a request and reads its response (within the connection's timeout). */
HapHttpMessage *hap_controller_connection_exchange   (HapControllerConnection *self,
                                                      const char              *method,
                                                      const char              *target,
                                                      const char              *content_type,
                                                      const guint8            *body,
                                                      gsize                    body_len,
                                                      GCancellable            *cancellable,
                                                      GError                 **error);
/* TRUE when the accessory closed the connection within @timeout_ms. */
gboolean        hap_controller_connection_wait_closed (HapControllerConnection *self,
                                                       guint                    timeout_ms);

/* ---- asynchronous transport (hap-controller-transport.c) ---- */

void            hap_controller_connection_read_message_async  (HapControllerConnection *self,
                                                               gboolean                 event,
                                                               guint                    timeout_ms,
                                                               GCancellable            *cancellable,
                                                               GAsyncReadyCallback      callback,
                                                               gpointer                 user_data);
HapHttpMessage *hap_controller_connection_read_message_finish (HapControllerConnection *self,
                                                               GAsyncResult            *result,
                                                               GError                 **error);
/* Sends a request and reads its response (within the connection's timeout); a
 * response that comes after a cancel or timeout is dropped. */
void            hap_controller_connection_exchange_async      (HapControllerConnection *self,
                                                               const char              *method,
                                                               const char              *target,
                                                               const char              *content_type,
                                                               const guint8            *body,
                                                               gsize                    body_len,
                                                               GCancellable            *cancellable,
                                                               GAsyncReadyCallback      callback,
                                                               gpointer                 user_data);
HapHttpMessage *hap_controller_connection_exchange_finish     (HapControllerConnection *self,
                                                               GAsyncResult            *result,
                                                               GError                 **error);
/* Reads and emits ::event in @context (NULL: the global default) while nothing else
 * reads, until the connection closes. */
void            hap_controller_connection_watch_events        (HapControllerConnection *self,
                                                               GMainContext            *context);
/* The same over BLE: indications and the link going down, in @context. */
void            hap_controller_connection_watch_ble_events    (HapControllerConnection *self,
                                                               GMainContext            *context);
/* TLV8 POST for the pairing procedures; over BLE a pairing write to 4C, 4E or 50. */
void            hap_controller_connection_post_tlv_async      (HapControllerConnection *self,
                                                               const char              *path,
                                                               GByteArray              *tlv,
                                                               GCancellable            *cancellable,
                                                               GAsyncReadyCallback      callback,
                                                               gpointer                 user_data);
GBytes         *hap_controller_connection_post_tlv_finish     (HapControllerConnection *self,
                                                               GAsyncResult            *result,
                                                               GError                 **error);

G_END_DECLS
