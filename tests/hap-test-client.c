/* hap-test-client.c — see hap-test-client.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-test-client.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hap-controller-private.h"

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
  char               *setup_code;
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
      if (ts->setup_code != NULL)
        hap_accessory_server_set_setup_code (ts->server, ts->setup_code, NULL);
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
  return hap_test_server_start_with_code (json_file, accessory_json, state_dir, HAP_TEST_SETUP_CODE);
}

HapTestServer *
hap_test_server_start_with_code (const char *json_file, const char *accessory_json,
                                 const char *state_dir, const char *setup_code)
{
  HapTestServer *ts = g_new0 (HapTestServer, 1);

  ts->context = g_main_context_new ();
  ts->loop = g_main_loop_new (ts->context, FALSE);
  ts->json_file = g_strdup (json_file);
  ts->json_text = g_strdup (accessory_json);
  ts->state_dir = g_strdup (state_dir);
  ts->setup_code = g_strdup (setup_code);
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
  g_free (ts->setup_code);
  g_free (ts);
}

/* ---- controller: HapController and HapControllerConnection with test conventions ---- */

struct _HapTestClient
{
  HapController           *controller;   /* shared with clones */
  HapControllerConnection *connection;
  gboolean                 know_accessory;
  char                     accessory_id[18];
};

static HapTestClient *
client_new_for (HapController *controller)
{
  HapTestClient *client = g_new0 (HapTestClient, 1);

  client->controller = g_object_ref (controller);
  client->connection = hap_controller_connection_new (controller);
  hap_controller_connection_set_timeout (client->connection, 5000);
  return client;
}

HapTestClient *
hap_test_client_new (const char *controller_id)
{
  g_autoptr(HapController) controller = hap_controller_new (controller_id);

  return client_new_for (controller);
}

HapTestClient *
hap_test_client_clone (HapTestClient *client)
{
  HapTestClient *copy = client_new_for (client->controller);

  copy->know_accessory = client->know_accessory;
  memcpy (copy->accessory_id, client->accessory_id, 18);
  return copy;
}

const guint8 *
hap_test_client_get_public_key (HapTestClient *client)
{
  return hap_controller_get_public_key (client->controller);
}

void
hap_test_client_disconnect (HapTestClient *client)
{
  hap_controller_connection_close (client->connection);
}

void
hap_test_client_free (HapTestClient *client)
{
  g_object_unref (client->connection);
  g_object_unref (client->controller);
  g_free (client);
}

void
hap_test_client_connect (HapTestClient *client, guint16 port)
{
  g_autoptr(GError) error = NULL;

  hap_controller_connection_connect (client->connection, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
}

void
hap_test_client_send_wire (HapTestClient *client, const guint8 *data, gsize len)
{
  /* The server may have closed on us; tests check that separately. */
  hap_controller_connection_send_wire (client->connection, data, len, NULL);
}

GByteArray *
hap_test_client_encrypt (HapTestClient *client, const guint8 *plain, gsize len)
{
  GByteArray *out = hap_controller_connection_encrypt (client->connection, plain, len);

  g_assert_nonnull (out);
  return out;
}

void
hap_test_client_send_raw (HapTestClient *client, const guint8 *data, gsize len)
{
  hap_controller_connection_send (client->connection, data, len, NULL);
}

/* NULL on timeout or close; the test accessory never sends a bad frame or message. */
static HapHttpMessage *
read_message (HapTestClient *client, gboolean event, guint timeout_ms)
{
  g_autoptr(GError) error = NULL;
  HapHttpMessage *message;

  message = hap_controller_connection_read_message (client->connection, event, MAX (timeout_ms, 1),
                                                    NULL, &error);
  if (error != NULL && error->domain != G_IO_ERROR)
    g_assert_no_error (error);
  return message;
}

HapHttpMessage *
hap_test_client_read_response (HapTestClient *client, guint timeout_ms)
{
  return read_message (client, FALSE, timeout_ms);
}

GByteArray *
hap_test_client_read_raw (HapTestClient *client, guint quiet_ms, guint timeout_ms)
{
  return hap_controller_connection_read_raw (client->connection, quiet_ms, timeout_ms);
}

HapHttpMessage *
hap_test_client_wait_event (HapTestClient *client, guint timeout_ms)
{
  return read_message (client, TRUE, timeout_ms);
}

gboolean
hap_test_client_wait_closed (HapTestClient *client, guint timeout_ms)
{
  return hap_controller_connection_wait_closed (client->connection, MAX (timeout_ms, 1));
}

HapHttpMessage *
hap_test_client_request (HapTestClient *client,
                         const char    *method,
                         const char    *target,
                         const char    *content_type,
                         const char    *body,
                         gsize          body_len)
{
  g_autoptr(GError) error = NULL;
  HapHttpMessage *message;

  message = hap_controller_connection_exchange (client->connection, method, target, content_type,
                                                (const guint8 *) body, body_len, NULL, &error);
  if (error != NULL && error->domain != G_IO_ERROR)
    g_assert_no_error (error);
  return message;
}

/* 0, the TLV error code the accessory sent, or -1 for anything else. */
static int
pairing_result (gboolean ok, const GError *error)
{
  if (ok)
    return 0;
  if (error->domain == HAP_PAIRING_ERROR)
    return error->code;
  return -1;
}

int
hap_test_client_pair_setup (HapTestClient *client, const char *setup_code, guint32 flags)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = hap_controller_connection_pair_setup (client->connection, setup_code, flags, NULL, &error);
  if (ok && !(flags & HAP_PAIR_SETUP_FLAGS_TRANSIENT))
    {
      memcpy (client->accessory_id, hap_controller_connection_get_accessory_id (client->connection), 18);
      client->know_accessory = TRUE;
    }
  return pairing_result (ok, error);
}

int
hap_test_client_pair_verify (HapTestClient *client)
{
  g_autoptr(GError) error = NULL;
  guint8 ltpk[32];
  gboolean known, ok;

  /* Like the test controller always did: check the signature against the accessory
   * this client paired with, and trust an accessory it never paired with itself. */
  known = client->know_accessory &&
          hap_controller_lookup_accessory (client->controller, client->accessory_id, ltpk);
  ok = hap_controller_connection_pair_verify_with_key (client->connection, known ? ltpk : NULL,
                                                       NULL, &error);
  return pairing_result (ok, error);
}

int
hap_test_client_add_pairing (HapTestClient *client, const char *identifier,
                             const guint8 public_key[32], gboolean admin)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = hap_controller_connection_add_pairing (client->connection, identifier, public_key, admin,
                                              NULL, &error);
  return pairing_result (ok, error);
}

int
hap_test_client_remove_pairing (HapTestClient *client, const char *identifier)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = hap_controller_connection_remove_pairing (client->connection, identifier, NULL, &error);
  return pairing_result (ok, error);
}

int
hap_test_client_list_pairings (HapTestClient *client, guint *out_n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) list = NULL;

  list = hap_controller_connection_list_pairings (client->connection, NULL, &error);
  if (list != NULL && out_n != NULL)
    *out_n = json_array_get_length (json_node_get_array (list));
  return pairing_result (list != NULL, error);
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
  return hap_controller_get_id (client->controller);
}

gboolean
hap_test_client_save (HapTestClient *client, const char *path, GError **error)
{
  return hap_controller_save_as (client->controller, path, error);
}

/* The controller file of hap_test_client_save(): its (single) accessory is the one
 * this client paired with. */
HapTestClient *
hap_test_client_load (const char *path, GError **error)
{
  g_autoptr(HapController) controller = NULL;
  g_auto(GStrv) ids = NULL;
  HapTestClient *client;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no controller file", path);
      return NULL;
    }
  if ((controller = hap_controller_new_for_file (path, error)) == NULL)
    return NULL;
  ids = hap_controller_list_accessories (controller);
  if (g_strv_length (ids) != 1)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: bad controller file", path);
      return NULL;
    }
  client = client_new_for (controller);
  memcpy (client->accessory_id, ids[0], 18);
  client->know_accessory = TRUE;
  return client;
}

void
hap_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  /* A symbolic link to a directory is unlinked like a file, never walked into. */
  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      hap_test_remove_tree (child);
    }
  g_rmdir (path);
}
