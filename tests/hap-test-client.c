/* hap-test-client.c — see hap-test-client.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-test-client.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-frame-private.h"
#include "hap-srp-private.h"
#include "hap-tlv8-private.h"

/* ---- server fixture ---------------------------------------------------------------- */

struct _HapTestServer
{
  GThread            *thread;
  GMainContext       *context;
  GMainLoop          *loop;
  HapAccessoryServer *server;
  guint16             port;
  char                device_id[18];
  GMutex              mutex;
  GCond               cond;
  gboolean            ready;
  char               *error;
  char               *json_file;
  char               *json_text;
  char               *state_dir;
};

static gpointer
server_thread (gpointer data)
{
  HapTestServer *ts = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HapAccessory) accessory = NULL;

  g_main_context_push_thread_default (ts->context);
  if (ts->json_file != NULL)
    accessory = hap_accessory_new_from_file (ts->json_file, &error);
  else
    accessory = hap_accessory_new_from_data (ts->json_text, -1, "test.json", &error);
  if (accessory != NULL)
    {
      ts->server = hap_accessory_server_new (accessory, ts->state_dir);
      hap_accessory_server_set_bind_address (ts->server, "127.0.0.1");
      hap_accessory_server_set_advertise (ts->server, FALSE);
      hap_accessory_server_set_event_window (ts->server, 50);
      hap_accessory_server_set_handler_timeout (ts->server, 500);
      hap_accessory_server_set_setup_code (ts->server, HAP_TEST_SETUP_CODE, NULL);
      if (hap_accessory_server_start (ts->server, &error))
        {
          ts->port = hap_accessory_server_get_port (ts->server);
          memcpy (ts->device_id, hap_accessory_server_get_device_id (ts->server), 18);
        }
    }

  g_mutex_lock (&ts->mutex);
  ts->error = error ? g_strdup (error->message) : NULL;
  ts->ready = TRUE;
  g_cond_signal (&ts->cond);
  g_mutex_unlock (&ts->mutex);

  if (ts->error == NULL)
    g_main_loop_run (ts->loop);
  if (ts->server != NULL)
    {
      hap_accessory_server_stop (ts->server);
      g_clear_object (&ts->server);
    }
  /* Let pending sources of closed connections run down before the context goes. */
  while (g_main_context_iteration (ts->context, FALSE))
    ;
  g_main_context_pop_thread_default (ts->context);
  return NULL;
}

HapTestServer *
hap_test_server_start (const char *json_file, const char *accessory_json, const char *state_dir)
{
  HapTestServer *ts = g_new0 (HapTestServer, 1);

  ts->context = g_main_context_new ();
  ts->loop = g_main_loop_new (ts->context, FALSE);
  ts->json_file = g_strdup (json_file);
  ts->json_text = g_strdup (accessory_json);
  ts->state_dir = g_strdup (state_dir);
  g_mutex_init (&ts->mutex);
  g_cond_init (&ts->cond);
  ts->thread = g_thread_new ("hap-test-server", server_thread, ts);

  g_mutex_lock (&ts->mutex);
  while (!ts->ready)
    g_cond_wait (&ts->cond, &ts->mutex);
  g_mutex_unlock (&ts->mutex);
  if (ts->error != NULL)
    g_error ("test server failed to start: %s", ts->error);
  return ts;
}

guint16
hap_test_server_get_port (HapTestServer *ts)
{
  return ts->port;
}

const char *
hap_test_server_get_device_id (HapTestServer *ts)
{
  return ts->device_id;
}

typedef struct
{
  HapTestServer *ts;
  void         (*func) (HapAccessoryServer *, gpointer);
  gpointer       user_data;
  gboolean       done;
} Invocation;

static gboolean
run_invocation (gpointer data)
{
  Invocation *inv = data;

  inv->func (inv->ts->server, inv->user_data);
  g_mutex_lock (&inv->ts->mutex);
  inv->done = TRUE;
  g_cond_broadcast (&inv->ts->cond);
  g_mutex_unlock (&inv->ts->mutex);
  return G_SOURCE_REMOVE;
}

void
hap_test_server_invoke (HapTestServer *ts,
                        void         (*func) (HapAccessoryServer *, gpointer),
                        gpointer       user_data)
{
  Invocation inv = { ts, func, user_data, FALSE };

  g_main_context_invoke (ts->context, run_invocation, &inv);
  g_mutex_lock (&ts->mutex);
  while (!inv.done)
    g_cond_wait (&ts->cond, &ts->mutex);
  g_mutex_unlock (&ts->mutex);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
hap_test_server_stop (HapTestServer *ts)
{
  g_main_context_invoke (ts->context, quit_loop, ts->loop);
  g_thread_join (ts->thread);
  g_main_loop_unref (ts->loop);
  g_main_context_unref (ts->context);
  g_mutex_clear (&ts->mutex);
  g_cond_clear (&ts->cond);
  g_free (ts->error);
  g_free (ts->json_file);
  g_free (ts->json_text);
  g_free (ts->state_dir);
  g_free (ts);
}

/* ---- controller ------------------------------------------------------------------- */

struct _HapTestClient
{
  char               *id;
  guint8              ltsk[64];
  guint8              ltpk[32];
  gboolean            know_accessory;
  char                accessory_id[18];
  guint8              accessory_ltpk[32];

  GSocketConnection  *stream;
  GSocket            *socket;
  HapHttpParser      *parser;
  HapFrameCodec      *codec;
  GQueue              events;
  GQueue              responses;
  gboolean            closed;
};

HapTestClient *
hap_test_client_new (const char *controller_id)
{
  HapTestClient *client = g_new0 (HapTestClient, 1);

  hap_crypto_init ();
  client->id = g_strdup (controller_id);
  crypto_sign_keypair (client->ltpk, client->ltsk);
  g_queue_init (&client->events);
  g_queue_init (&client->responses);
  return client;
}

HapTestClient *
hap_test_client_clone (HapTestClient *client)
{
  HapTestClient *copy = hap_test_client_new (client->id);

  memcpy (copy->ltsk, client->ltsk, 64);
  memcpy (copy->ltpk, client->ltpk, 32);
  copy->know_accessory = client->know_accessory;
  memcpy (copy->accessory_id, client->accessory_id, 18);
  memcpy (copy->accessory_ltpk, client->accessory_ltpk, 32);
  return copy;
}

const guint8 *
hap_test_client_get_public_key (HapTestClient *client)
{
  return client->ltpk;
}

void
hap_test_client_disconnect (HapTestClient *client)
{
  if (client->stream != NULL)
    g_io_stream_close (G_IO_STREAM (client->stream), NULL, NULL);
  g_clear_object (&client->stream);
  client->socket = NULL;
  g_clear_pointer (&client->parser, hap_http_parser_free);
  g_clear_pointer (&client->codec, hap_frame_codec_free);
  g_queue_clear_full (&client->events, (GDestroyNotify) hap_http_message_free);
  g_queue_clear_full (&client->responses, (GDestroyNotify) hap_http_message_free);
  client->closed = FALSE;
}

void
hap_test_client_free (HapTestClient *client)
{
  hap_test_client_disconnect (client);
  g_free (client->id);
  g_free (client);
}

void
hap_test_client_connect (HapTestClient *client, guint16 port)
{
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GError) error = NULL;

  hap_test_client_disconnect (client);
  client->stream = g_socket_client_connect_to_host (sc, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  client->socket = g_socket_connection_get_socket (client->stream);
  client->parser = hap_http_parser_new (HAP_HTTP_PARSE_RESPONSES);
}

void
hap_test_client_send_wire (HapTestClient *client, const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  gsize done = 0;

  while (done < len)
    {
      gssize n = g_socket_send (client->socket, (const char *) data + done, len - done, NULL, &error);
      if (n < 0)
        {
          /* The server may have closed on us; tests check that separately. */
          client->closed = TRUE;
          return;
        }
      done += (gsize) n;
    }
}

GByteArray *
hap_test_client_encrypt (HapTestClient *client, const guint8 *plain, gsize len)
{
  GByteArray *out = g_byte_array_new ();

  g_assert_nonnull (client->codec);
  hap_frame_codec_encrypt (client->codec, plain, len, out);
  return out;
}

void
hap_test_client_send_raw (HapTestClient *client, const guint8 *data, gsize len)
{
  if (client->codec != NULL)
    {
      g_autoptr(GByteArray) frames = hap_test_client_encrypt (client, data, len);
      hap_test_client_send_wire (client, frames->data, frames->len);
    }
  else
    hap_test_client_send_wire (client, data, len);
}

/* Reads whatever arrives within @timeout_ms into the parser and sorts out complete
 * messages. FALSE on timeout or EOF. */
static gboolean
pump (HapTestClient *client, guint timeout_ms)
{
  guint8 buf[8192];
  gssize n;
  g_autoptr(GError) error = NULL;

  if (client->closed || client->socket == NULL)
    return FALSE;
  if (!g_socket_condition_timed_wait (client->socket, G_IO_IN, (gint64) timeout_ms * 1000, NULL, NULL))
    return FALSE;
  n = g_socket_receive (client->socket, (char *) buf, sizeof buf, NULL, &error);
  if (n <= 0)
    {
      client->closed = TRUE;
      return FALSE;
    }
  if (client->codec != NULL)
    {
      g_autoptr(GByteArray) plain = g_byte_array_new ();
      g_autoptr(GError) frame_error = NULL;
      g_assert_true (hap_frame_codec_decrypt (client->codec, buf, (gsize) n, plain, &frame_error));
      hap_http_parser_push (client->parser, plain->data, plain->len);
    }
  else
    hap_http_parser_push (client->parser, buf, (gsize) n);

  for (;;)
    {
      g_autoptr(GError) parse_error = NULL;
      HapHttpMessage *message = hap_http_parser_next (client->parser, &parse_error);

      g_assert_no_error (parse_error);
      if (message == NULL)
        break;
      g_queue_push_tail (message->is_event ? &client->events : &client->responses, message);
    }
  return TRUE;
}

HapHttpMessage *
hap_test_client_read_response (HapTestClient *client, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (client->responses.length == 0)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      if (left <= 0 || !pump (client, (guint) (left / 1000) + 1))
        break;
    }
  return g_queue_pop_head (&client->responses);
}

HapHttpMessage *
hap_test_client_wait_event (HapTestClient *client, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (client->events.length == 0)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      if (left <= 0 || !pump (client, (guint) (left / 1000) + 1))
        break;
    }
  return g_queue_pop_head (&client->events);
}

gboolean
hap_test_client_wait_closed (HapTestClient *client, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!client->closed)
    {
      gint64 left = deadline - g_get_monotonic_time ();
      if (left <= 0)
        return FALSE;
      pump (client, (guint) (left / 1000) + 1);
    }
  return TRUE;
}

HapHttpMessage *
hap_test_client_request (HapTestClient *client,
                         const char    *method,
                         const char    *target,
                         const char    *content_type,
                         const char    *body,
                         gsize          body_len)
{
  g_autoptr(GByteArray) request = g_byte_array_new ();

  hap_http_append_request (request, method, target, "127.0.0.1", content_type,
                           (const guint8 *) body, body_len);
  hap_test_client_send_raw (client, request->data, request->len);
  return hap_test_client_read_response (client, 5000);
}

static HapTlv8 *
tlv_exchange (HapTestClient *client, const char *path, GByteArray *body, int *http_status)
{
  g_autoptr(HapHttpMessage) response = NULL;
  gsize len;
  const guint8 *data;

  response = hap_test_client_request (client, "POST", path, "application/pairing+tlv8",
                                      (const char *) body->data, body->len);
  *http_status = response ? (int) response->status : -1;
  if (response == NULL || response->status != 200)
    return NULL;
  data = g_bytes_get_data (response->body, &len);
  return hap_tlv8_parse (data, len, NULL);
}

static int
tlv_error_of (HapTlv8 *tlv)
{
  guint64 code;

  if (hap_tlv8_get_uint (tlv, HAP_TLV_ERROR, &code))
    return (int) code;
  return 0;
}

int
hap_test_client_pair_setup (HapTestClient *client, const char *setup_code, guint32 flags)
{
  static const guint8 nonce5[8] = { 'P', 'S', '-', 'M', 's', 'g', '0', '5' };
  static const guint8 nonce6[8] = { 'P', 'S', '-', 'M', 's', 'g', '0', '6' };
  g_autoptr(GByteArray) m = g_byte_array_new ();
  g_autoptr(HapTlv8) r = NULL;
  g_autoptr(HapSrpClient) srp = NULL;
  const guint8 *b, *salt, *proof, *a, *k;
  gsize b_len, salt_len, proof_len, a_len;
  guint8 key[32], x[32], sig[64];
  int status, err;

  hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (m, HAP_TLV_METHOD, HAP_METHOD_PAIR_SETUP);
  if (flags != 0)
    hap_tlv8_append_uint (m, HAP_TLV_FLAGS, flags);
  if ((r = tlv_exchange (client, "/pair-setup", m, &status)) == NULL)
    return -1;
  if ((err = tlv_error_of (r)) != 0)
    return err;
  b = hap_tlv8_get (r, HAP_TLV_PUBLIC_KEY, &b_len);
  salt = hap_tlv8_get (r, HAP_TLV_SALT, &salt_len);
  g_assert_nonnull (b);
  g_assert_nonnull (salt);
  srp = hap_srp_client_new (HAP_SRP_USERNAME, setup_code, salt, salt_len, b, b_len, NULL, NULL);
  g_assert_nonnull (srp);
  g_clear_pointer (&r, hap_tlv8_free);

  g_byte_array_set_size (m, 0);
  hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 3);
  a = hap_srp_client_get_public_key (srp, &a_len);
  hap_tlv8_append (m, HAP_TLV_PUBLIC_KEY, a, a_len);
  hap_tlv8_append (m, HAP_TLV_PROOF, hap_srp_client_get_proof (srp), HAP_SRP_PROOF_LEN);
  if ((r = tlv_exchange (client, "/pair-setup", m, &status)) == NULL)
    return -1;
  if ((err = tlv_error_of (r)) != 0)
    return err;
  proof = hap_tlv8_get (r, HAP_TLV_PROOF, &proof_len);
  g_assert_true (proof != NULL && hap_srp_client_verify_server (srp, proof, proof_len));
  g_clear_pointer (&r, hap_tlv8_free);
  k = hap_srp_client_get_session_key (srp);

  if (flags & HAP_PAIRING_FLAG_TRANSIENT)
    {
      guint8 enc[32], dec[32];
      hap_hkdf_sha512_str (k, 64, "SplitSetupSalt", "ControllerEncrypt-Control", enc, 32);
      hap_hkdf_sha512_str (k, 64, "SplitSetupSalt", "AccessoryEncrypt-Control", dec, 32);
      client->codec = hap_frame_codec_new (dec, enc);
      return 0;
    }

  hap_hkdf_sha512_str (k, 64, "Pair-Setup-Encrypt-Salt", "Pair-Setup-Encrypt-Info", key, 32);
  hap_hkdf_sha512_str (k, 64, "Pair-Setup-Controller-Sign-Salt", "Pair-Setup-Controller-Sign-Info", x, 32);
  {
    g_autoptr(GByteArray) info = g_byte_array_new ();
    g_autoptr(GByteArray) sub = g_byte_array_new ();
    g_autofree guint8 *cipher = NULL;

    g_byte_array_append (info, x, 32);
    g_byte_array_append (info, (const guint8 *) client->id, strlen (client->id));
    g_byte_array_append (info, client->ltpk, 32);
    crypto_sign_detached (sig, NULL, info->data, info->len, client->ltsk);
    hap_tlv8_append_string (sub, HAP_TLV_IDENTIFIER, client->id);
    hap_tlv8_append (sub, HAP_TLV_PUBLIC_KEY, client->ltpk, 32);
    hap_tlv8_append (sub, HAP_TLV_SIGNATURE, sig, 64);
    cipher = g_malloc (sub->len + 16);
    hap_aead_encrypt (key, nonce5, NULL, 0, sub->data, sub->len, cipher);
    g_byte_array_set_size (m, 0);
    hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 5);
    hap_tlv8_append (m, HAP_TLV_ENCRYPTED_DATA, cipher, sub->len + 16);
  }
  if ((r = tlv_exchange (client, "/pair-setup", m, &status)) == NULL)
    return -1;
  if ((err = tlv_error_of (r)) != 0)
    return err;
  {
    gsize enc_len, id_len, pk_len, sig_len;
    const guint8 *enc = hap_tlv8_get (r, HAP_TLV_ENCRYPTED_DATA, &enc_len);
    g_autofree guint8 *plain = NULL;
    g_autoptr(HapTlv8) inner = NULL;
    g_autoptr(GByteArray) info = g_byte_array_new ();
    const guint8 *id, *pk, *asig;

    g_assert_nonnull (enc);
    plain = g_malloc (enc_len);
    g_assert_true (hap_aead_decrypt (key, nonce6, NULL, 0, enc, enc_len, plain));
    inner = hap_tlv8_parse (plain, enc_len - 16, NULL);
    g_assert_nonnull (inner);
    id = hap_tlv8_get (inner, HAP_TLV_IDENTIFIER, &id_len);
    pk = hap_tlv8_get (inner, HAP_TLV_PUBLIC_KEY, &pk_len);
    asig = hap_tlv8_get (inner, HAP_TLV_SIGNATURE, &sig_len);
    g_assert_true (id != NULL && id_len == 17 && pk != NULL && pk_len == 32 && asig != NULL && sig_len == 64);
    hap_hkdf_sha512_str (k, 64, "Pair-Setup-Accessory-Sign-Salt", "Pair-Setup-Accessory-Sign-Info", x, 32);
    g_byte_array_append (info, x, 32);
    g_byte_array_append (info, id, 17);
    g_byte_array_append (info, pk, 32);
    g_assert_cmpint (crypto_sign_verify_detached (asig, info->data, info->len, pk), ==, 0);
    memcpy (client->accessory_id, id, 17);
    client->accessory_id[17] = '\0';
    memcpy (client->accessory_ltpk, pk, 32);
    client->know_accessory = TRUE;
  }
  return 0;
}

int
hap_test_client_pair_verify (HapTestClient *client)
{
  static const guint8 nonce2[8] = { 'P', 'V', '-', 'M', 's', 'g', '0', '2' };
  static const guint8 nonce3[8] = { 'P', 'V', '-', 'M', 's', 'g', '0', '3' };
  g_autoptr(GByteArray) m = g_byte_array_new ();
  g_autoptr(HapTlv8) r = NULL;
  guint8 esk[32], epk[32], shared[32], key[32], sig[64];
  const guint8 *apk, *enc;
  gsize apk_len, enc_len;
  int status, err;

  randombytes_buf (esk, 32);
  crypto_scalarmult_base (epk, esk);
  hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 1);
  hap_tlv8_append (m, HAP_TLV_PUBLIC_KEY, epk, 32);
  if ((r = tlv_exchange (client, "/pair-verify", m, &status)) == NULL)
    return -1;
  if ((err = tlv_error_of (r)) != 0)
    return err;
  apk = hap_tlv8_get (r, HAP_TLV_PUBLIC_KEY, &apk_len);
  enc = hap_tlv8_get (r, HAP_TLV_ENCRYPTED_DATA, &enc_len);
  g_assert_true (apk != NULL && apk_len == 32 && enc != NULL);
  g_assert_cmpint (crypto_scalarmult (shared, esk, apk), ==, 0);
  hap_hkdf_sha512_str (shared, 32, "Pair-Verify-Encrypt-Salt", "Pair-Verify-Encrypt-Info", key, 32);
  {
    g_autofree guint8 *plain = g_malloc (enc_len);
    g_autoptr(HapTlv8) inner = NULL;
    gsize id_len, sig_len;
    const guint8 *id, *asig;
    guint8 info[32 + 17 + 32];

    g_assert_true (hap_aead_decrypt (key, nonce2, NULL, 0, enc, enc_len, plain));
    inner = hap_tlv8_parse (plain, enc_len - 16, NULL);
    id = hap_tlv8_get (inner, HAP_TLV_IDENTIFIER, &id_len);
    asig = hap_tlv8_get (inner, HAP_TLV_SIGNATURE, &sig_len);
    g_assert_true (id != NULL && id_len == 17 && asig != NULL && sig_len == 64);
    if (client->know_accessory)
      {
        memcpy (info, apk, 32);
        memcpy (info + 32, id, 17);
        memcpy (info + 49, epk, 32);
        g_assert_cmpint (crypto_sign_verify_detached (asig, info, sizeof info, client->accessory_ltpk), ==, 0);
      }
  }
  {
    g_autoptr(GByteArray) info = g_byte_array_new ();
    g_autoptr(GByteArray) sub = g_byte_array_new ();
    g_autofree guint8 *cipher = NULL;
    guint8 apk_copy[32];

    memcpy (apk_copy, apk, 32);
    g_byte_array_append (info, epk, 32);
    g_byte_array_append (info, (const guint8 *) client->id, strlen (client->id));
    g_byte_array_append (info, apk_copy, 32);
    crypto_sign_detached (sig, NULL, info->data, info->len, client->ltsk);
    hap_tlv8_append_string (sub, HAP_TLV_IDENTIFIER, client->id);
    hap_tlv8_append (sub, HAP_TLV_SIGNATURE, sig, 64);
    cipher = g_malloc (sub->len + 16);
    hap_aead_encrypt (key, nonce3, NULL, 0, sub->data, sub->len, cipher);
    g_byte_array_set_size (m, 0);
    hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 3);
    hap_tlv8_append (m, HAP_TLV_ENCRYPTED_DATA, cipher, sub->len + 16);
  }
  g_clear_pointer (&r, hap_tlv8_free);
  if ((r = tlv_exchange (client, "/pair-verify", m, &status)) == NULL)
    return -1;
  if ((err = tlv_error_of (r)) != 0)
    return err;
  {
    guint8 enc_key[32], dec_key[32];
    hap_hkdf_sha512_str (shared, 32, "Control-Salt", "Control-Write-Encryption-Key", enc_key, 32);
    hap_hkdf_sha512_str (shared, 32, "Control-Salt", "Control-Read-Encryption-Key", dec_key, 32);
    client->codec = hap_frame_codec_new (dec_key, enc_key);
  }
  return 0;
}

static int
pairings_request (HapTestClient *client, GByteArray *m, HapTlv8 **out)
{
  g_autoptr(HapTlv8) r = NULL;
  int status;

  if ((r = tlv_exchange (client, "/pairings", m, &status)) == NULL)
    return -1;
  if (tlv_error_of (r) != 0)
    return tlv_error_of (r);
  if (out != NULL)
    *out = g_steal_pointer (&r);
  return 0;
}

int
hap_test_client_add_pairing (HapTestClient *client, const char *identifier,
                             const guint8 public_key[32], gboolean admin)
{
  g_autoptr(GByteArray) m = g_byte_array_new ();

  hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (m, HAP_TLV_METHOD, HAP_METHOD_ADD_PAIRING);
  hap_tlv8_append_string (m, HAP_TLV_IDENTIFIER, identifier);
  hap_tlv8_append (m, HAP_TLV_PUBLIC_KEY, public_key, 32);
  hap_tlv8_append_uint8 (m, HAP_TLV_PERMISSIONS, admin ? 1 : 0);
  return pairings_request (client, m, NULL);
}

int
hap_test_client_remove_pairing (HapTestClient *client, const char *identifier)
{
  g_autoptr(GByteArray) m = g_byte_array_new ();

  hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (m, HAP_TLV_METHOD, HAP_METHOD_REMOVE_PAIRING);
  hap_tlv8_append_string (m, HAP_TLV_IDENTIFIER, identifier);
  return pairings_request (client, m, NULL);
}

int
hap_test_client_list_pairings (HapTestClient *client, guint *out_n)
{
  g_autoptr(GByteArray) m = g_byte_array_new ();
  g_autoptr(HapTlv8) r = NULL;
  int err;

  hap_tlv8_append_uint8 (m, HAP_TLV_STATE, 1);
  hap_tlv8_append_uint8 (m, HAP_TLV_METHOD, HAP_METHOD_LIST_PAIRINGS);
  err = pairings_request (client, m, &r);
  if (err == 0 && out_n != NULL)
    {
      *out_n = 0;
      for (guint i = 0; i < hap_tlv8_get_n_items (r); i++)
        if (hap_tlv8_get_item (r, i)->type == HAP_TLV_IDENTIFIER)
          (*out_n)++;
    }
  return err;
}

JsonNode *
hap_test_parse_json (HapHttpMessage *message)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message->body, &len);

  json_parser_load_from_data (parser, data, (gssize) len, &error);
  g_assert_no_error (error);
  return json_node_ref (json_parser_get_root (parser));
}

guint64
hap_test_client_find_iid (HapTestClient *client, guint64 aid, const char *type)
{
  g_autoptr(HapHttpMessage) response = hap_test_client_request (client, "GET", "/accessories", NULL, NULL, 0);
  g_autoptr(JsonNode) root = NULL;
  JsonArray *accessories;

  g_assert_nonnull (response);
  g_assert_cmpuint (response->status, ==, 200);
  root = hap_test_parse_json (response);
  accessories = json_object_get_array_member (json_node_get_object (root), "accessories");
  for (guint i = 0; i < json_array_get_length (accessories); i++)
    {
      JsonObject *acc = json_array_get_object_element (accessories, i);
      JsonArray *services;

      if ((guint64) json_object_get_int_member (acc, "aid") != aid)
        continue;
      services = json_object_get_array_member (acc, "services");
      for (guint s = 0; s < json_array_get_length (services); s++)
        {
          JsonArray *chars = json_object_get_array_member (json_array_get_object_element (services, s),
                                                           "characteristics");
          for (guint c = 0; c < json_array_get_length (chars); c++)
            {
              JsonObject *ch = json_array_get_object_element (chars, c);
              if (g_str_equal (json_object_get_string_member (ch, "type"), type))
                return (guint64) json_object_get_int_member (ch, "iid");
            }
        }
    }
  g_error ("no characteristic of type %s on aid %" G_GUINT64_FORMAT, type, aid);
  return 0;
}

const char *
hap_test_client_get_id (HapTestClient *client)
{
  return client->id;
}

gboolean
hap_test_client_save (HapTestClient *client, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *sk = g_base64_encode (client->ltsk, 64);
  g_autofree char *apk = g_base64_encode (client->accessory_ltpk, 32);
  g_autofree char *data = NULL;
  gsize len;

  g_key_file_set_string (kf, "controller", "id", client->id);
  g_key_file_set_string (kf, "controller", "secret-key", sk);
  g_key_file_set_string (kf, "controller", "accessory-id", client->accessory_id);
  g_key_file_set_string (kf, "controller", "accessory-key", apk);
  data = g_key_file_to_data (kf, &len, NULL);
  return g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

HapTestClient *
hap_test_client_load (const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *id = NULL, *sk = NULL, *aid = NULL, *apk = NULL;
  g_autofree guint8 *sk_raw = NULL, *apk_raw = NULL;
  gsize sk_len = 0, apk_len = 0;
  HapTestClient *client;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return NULL;
  id = g_key_file_get_string (kf, "controller", "id", error);
  sk = id ? g_key_file_get_string (kf, "controller", "secret-key", error) : NULL;
  aid = sk ? g_key_file_get_string (kf, "controller", "accessory-id", error) : NULL;
  apk = aid ? g_key_file_get_string (kf, "controller", "accessory-key", error) : NULL;
  if (apk == NULL)
    return NULL;
  sk_raw = g_base64_decode (sk, &sk_len);
  apk_raw = g_base64_decode (apk, &apk_len);
  if (sk_len != 64 || apk_len != 32 || strlen (aid) != 17)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: bad controller file", path);
      return NULL;
    }
  client = hap_test_client_new (id);
  memcpy (client->ltsk, sk_raw, 64);
  crypto_sign_ed25519_sk_to_pk (client->ltpk, client->ltsk);
  memcpy (client->accessory_id, aid, 18);
  memcpy (client->accessory_ltpk, apk_raw, 32);
  client->know_accessory = TRUE;
  return client;
}
