/* hap-controller-private.h — HapController internals for the test controller
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-controller.h"
#include "hap-controller-connection.h"
#include "hap-http-parser-private.h"
#include "hap-pairing-client-private.h"

G_BEGIN_DECLS

/* Copies the identity (the caller wipes it with sodium_memzero). */
void            hap_controller_get_identity          (HapController           *self,
                                                      HapControllerIdentity   *identity);
gboolean        hap_controller_save_as               (HapController           *self,
                                                      const char              *path,
                                                      GError                 **error);

/* Pair Verify checking the accessory's signature with @accessory_ltpk, or not at all
 * when it is NULL (tests of pairings added by another controller). */
gboolean        hap_controller_connection_pair_verify_with_key (HapControllerConnection *self,
                                                                const guint8            *accessory_ltpk,
                                                                GCancellable            *cancellable,
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

G_END_DECLS
