/* hap-test-client.c — see hap-test-client.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-test-client.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-frame-private.h"
#include "hap-pairing-client-private.h"
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

/* POSTs a pairing TLV8 body: the body of the 200 response, or NULL for an HTTP failure. */
static GBytes *
tlv_exchange (HapTestClient *client, const char *path, GByteArray *body)
{
  g_autoptr(HapHttpMessage) response = NULL;

  response = hap_test_client_request (client, "POST", path, "application/pairing+tlv8",
                                      (const char *) body->data, body->len);
  if (response == NULL || response->status != 200)
    return NULL;
  return g_bytes_ref (response->body);
}

/* A failed step of hap-pairing-client.c: the accessory's TLV error code. The test
 * accessory never sends a malformed or forged response, so anything else aborts. */
static int
tlv_failure (int tlv_error, const GError *error)
{
  if (tlv_error != 0)
    return tlv_error;
  g_assert_no_error (error);
  return -1;
}

static void
client_identity (HapTestClient *client, HapControllerIdentity *identity)
{
  identity->id = client->id;
  memcpy (identity->ltsk, client->ltsk, 64);
  memcpy (identity->ltpk, client->ltpk, 32);
}

static void
set_session_keys (HapTestClient *client, guint8 encrypt_key[32], guint8 decrypt_key[32])
{
  g_clear_pointer (&client->codec, hap_frame_codec_free);
  client->codec = hap_frame_codec_new (decrypt_key, encrypt_key);
  sodium_memzero (encrypt_key, 32);
  sodium_memzero (decrypt_key, 32);
}

int
hap_test_client_pair_setup (HapTestClient *client, const char *setup_code, guint32 flags)
{
  HapControllerIdentity identity;
  g_autoptr(HapPairSetupClient) setup = NULL;
  g_autoptr(GByteArray) request = NULL;
  g_autoptr(GError) error = NULL;
  int tlv_error = 0;

  client_identity (client, &identity);
  setup = hap_pair_setup_client_new (&identity, setup_code, flags);
  sodium_memzero (&identity, sizeof identity);

  /* M1 → M2, M3 → M4, M5 → M6 (a transient setup stops after M4). */
  request = hap_pair_setup_client_start (setup);
  while (request != NULL)
    {
      g_autoptr(GBytes) response = tlv_exchange (client, "/pair-setup", request);

      g_clear_pointer (&request, g_byte_array_unref);
      if (response == NULL)
        return -1;
      request = hap_pair_setup_client_step (setup, g_bytes_get_data (response, NULL),
                                            g_bytes_get_size (response), &tlv_error, &error);
    }
  if (error != NULL)
    return tlv_failure (tlv_error, error);
  g_assert_true (hap_pair_setup_client_is_done (setup));

  if (flags & HAP_PAIRING_FLAG_TRANSIENT)
    {
      guint8 enc[32], dec[32];

      g_assert_true (hap_pair_setup_client_get_session_keys (setup, enc, dec));
      set_session_keys (client, enc, dec);
      return 0;
    }
  memcpy (client->accessory_id, hap_pair_setup_client_get_accessory_id (setup), 18);
  memcpy (client->accessory_ltpk, hap_pair_setup_client_get_accessory_ltpk (setup), 32);
  client->know_accessory = TRUE;
  return 0;
}

int
hap_test_client_pair_verify (HapTestClient *client)
{
  HapControllerIdentity identity;
  g_autoptr(HapPairVerifyClient) verify = NULL;
  g_autoptr(GByteArray) m1 = NULL;
  g_autoptr(GByteArray) m3 = NULL;
  g_autoptr(GBytes) m2 = NULL;
  g_autoptr(GBytes) m4 = NULL;
  g_autoptr(GError) error = NULL;
  guint8 enc[32], dec[32];
  int tlv_error = 0;

  client_identity (client, &identity);
  verify = hap_pair_verify_client_new (&identity,
                                       client->know_accessory ? client->accessory_ltpk : NULL);
  sodium_memzero (&identity, sizeof identity);

  m1 = hap_pair_verify_client_start (verify);
  if ((m2 = tlv_exchange (client, "/pair-verify", m1)) == NULL)
    return -1;
  m3 = hap_pair_verify_client_step (verify, g_bytes_get_data (m2, NULL), g_bytes_get_size (m2),
                                    &tlv_error, &error);
  if (m3 == NULL)
    return tlv_failure (tlv_error, error);
  if ((m4 = tlv_exchange (client, "/pair-verify", m3)) == NULL)
    return -1;
  if (!hap_pair_verify_client_finish (verify, g_bytes_get_data (m4, NULL), g_bytes_get_size (m4),
                                      enc, dec, &tlv_error, &error))
    return tlv_failure (tlv_error, error);
  set_session_keys (client, enc, dec);
  return 0;
}

/* One /pairings exchange; @list (Method 5 only) receives the parsed records. */
static int
pairings_exchange (HapTestClient *client, GByteArray *request, GPtrArray **list)
{
  g_autoptr(GBytes) response = tlv_exchange (client, "/pairings", request);
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize len;
  int tlv_error = 0;
  gboolean ok;

  if (response == NULL)
    return -1;
  data = g_bytes_get_data (response, &len);
  if (list != NULL)
    ok = (*list = hap_pairings_parse_list (data, len, &tlv_error, &error)) != NULL;
  else
    ok = hap_pairings_parse_response (data, len, &tlv_error, &error);
  return ok ? 0 : tlv_failure (tlv_error, error);
}

int
hap_test_client_add_pairing (HapTestClient *client, const char *identifier,
                             const guint8 public_key[32], gboolean admin)
{
  g_autoptr(GByteArray) m = hap_pairings_request_add (identifier, public_key, admin);

  return pairings_exchange (client, m, NULL);
}

int
hap_test_client_remove_pairing (HapTestClient *client, const char *identifier)
{
  g_autoptr(GByteArray) m = hap_pairings_request_remove (identifier);

  return pairings_exchange (client, m, NULL);
}

int
hap_test_client_list_pairings (HapTestClient *client, guint *out_n)
{
  g_autoptr(GByteArray) m = hap_pairings_request_list ();
  g_autoptr(GPtrArray) list = NULL;
  int err;

  err = pairings_exchange (client, m, &list);
  if (err == 0 && out_n != NULL)
    *out_n = list->len;
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
