/* hap-test-client.h — a minimal blocking HAP controller and a server-in-a-thread fixture
 * for the protocol tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libhap-glib/hap.h>

#include "hap-http-parser-private.h"

G_BEGIN_DECLS

/* ---- server fixture: an HapAccessoryServer running on its own thread and context ---- */

typedef struct _HapTestServer HapTestServer;

/* Loads @json_file (or @accessory_json text when @json_file is NULL) and serves it on
 * 127.0.0.1 with @state_dir and setup code 031-45-154. Aborts the test on failure. */
HapTestServer      *hap_test_server_start      (const char     *json_file,
                                                const char     *accessory_json,
                                                const char     *state_dir);
/* Same with @setup_code, or NULL for what the state directory holds (a provisioned
 * device's verifier). */
HapTestServer      *hap_test_server_start_with_code (const char *json_file,
                                                     const char *accessory_json,
                                                     const char *state_dir,
                                                     const char *setup_code);
guint16             hap_test_server_get_port   (HapTestServer  *server);
const char         *hap_test_server_get_device_id (HapTestServer *server);
/* Runs @func (server, user_data) on the server's thread and waits for it. */
void                hap_test_server_invoke     (HapTestServer  *server,
                                                void          (*func) (HapAccessoryServer *, gpointer),
                                                gpointer        user_data);
void                hap_test_server_stop       (HapTestServer  *server);

#define HAP_TEST_SETUP_CODE "031-45-154"

/* ---- controller ------------------------------------------------------------------- */

typedef struct _HapTestClient HapTestClient;

/* A controller identity (new Ed25519 key pair) named @controller_id. */
HapTestClient  *hap_test_client_new          (const char     *controller_id);
void            hap_test_client_free         (HapTestClient  *client);
const guint8   *hap_test_client_get_public_key (HapTestClient *client);
/* Another client with the same identity (a second connection of one controller). */
HapTestClient  *hap_test_client_clone        (HapTestClient  *client);

void            hap_test_client_connect      (HapTestClient  *client,
                                              guint16         port);
void            hap_test_client_disconnect   (HapTestClient  *client);
/* TRUE when the server closed the connection (reads EOF within @timeout_ms). */
gboolean        hap_test_client_wait_closed  (HapTestClient  *client,
                                              guint           timeout_ms);

/* Sends raw bytes (encrypted when a session is secured). */
void            hap_test_client_send_raw     (HapTestClient  *client,
                                              const guint8   *data,
                                              gsize           len);
/* Sends raw bytes bypassing encryption (to tamper with frames). */
void            hap_test_client_send_wire    (HapTestClient  *client,
                                              const guint8   *data,
                                              gsize           len);
/* Encrypts @plain into frames without sending them (to tamper with them). */
GByteArray     *hap_test_client_encrypt      (HapTestClient  *client,
                                              const guint8   *plain,
                                              gsize           len);
/* Next response (events are queued aside), or NULL on timeout/close. */
HapHttpMessage *hap_test_client_read_response (HapTestClient *client,
                                               guint          timeout_ms);
HapHttpMessage *hap_test_client_request      (HapTestClient  *client,
                                              const char     *method,
                                              const char     *target,
                                              const char     *content_type,
                                              const char     *body,
                                              gsize           body_len);
/* Plaintext bytes received until nothing came for @quiet_ms (at most @timeout_ms; EOF
 * ends it too), exactly as the accessory sent them. The message parser is bypassed:
 * after this, keep reading raw. */
GByteArray     *hap_test_client_read_raw     (HapTestClient  *client,
                                              guint           quiet_ms,
                                              guint           timeout_ms);
/* Next EVENT/1.0 message, or NULL after @timeout_ms. */
HapHttpMessage *hap_test_client_wait_event   (HapTestClient  *client,
                                              guint           timeout_ms);

/* Pairing procedures. Return 0 on success or the TLV error code the accessory sent;
 * -1 for an HTTP-level failure. */
int             hap_test_client_pair_setup   (HapTestClient  *client,
                                              const char     *setup_code,
                                              guint32         flags);
int             hap_test_client_pair_verify  (HapTestClient  *client);
/* Add (admin TRUE/FALSE), remove or list pairings; list fills @out_n (may be NULL). */
int             hap_test_client_add_pairing  (HapTestClient  *client,
                                              const char     *identifier,
                                              const guint8    public_key[32],
                                              gboolean        admin);
int             hap_test_client_remove_pairing (HapTestClient *client,
                                                const char    *identifier);
int             hap_test_client_list_pairings (HapTestClient *client,
                                               guint         *out_n);

/* Saves/loads the controller identity and the accessory's key (mode 0600). */
gboolean        hap_test_client_save         (HapTestClient  *client,
                                              const char     *path,
                                              GError        **error);
HapTestClient  *hap_test_client_load         (const char     *path,
                                              GError        **error);
const char     *hap_test_client_get_id       (HapTestClient  *client);

/* JSON helpers: parse a message body; read "status" or a characteristic's value. */
JsonNode       *hap_test_parse_json          (HapHttpMessage *message);
/* Finds the iid of the first characteristic of @type (short UUID) on @aid. */
guint64         hap_test_client_find_iid     (HapTestClient  *client,
                                              guint64         aid,
                                              const char     *type);

/* Removes @path and everything under it (a test's scratch directory); symbolic links
 * are removed, not followed. */
void            hap_test_remove_tree         (const char     *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapTestClient, hap_test_client_free)

G_END_DECLS
