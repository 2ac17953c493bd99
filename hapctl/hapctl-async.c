/* hapctl-async.c — hapctl's controller calls on the asynchronous API
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each call starts the asynchronous operation and runs the default main loop until its
 * callback ran: a command line tool has nothing else to do meanwhile, but these are the
 * calls a main-loop application makes, and the watch command's events come through the
 * same loop as HapControllerConnection::event.
 */
#include "hapctl.h"

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wait = data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static void
wait_init (Wait *wait)
{
  wait->loop = g_main_loop_new (NULL, FALSE);
  wait->result = NULL;
}

/* The result, until wait_clear(). */
static GAsyncResult *
wait_run (Wait *wait)
{
  if (wait->result == NULL)
    g_main_loop_run (wait->loop);
  return wait->result;
}

static void
wait_clear (Wait *wait)
{
  g_clear_object (&wait->result);
  g_clear_pointer (&wait->loop, g_main_loop_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Wait, wait_clear)

gboolean
hapctl_connect_ip (HapControllerConnection *connection, const char *host, guint16 port, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_connect_async (connection, host, port, NULL, done, &wait);
  return hap_controller_connection_connect_finish (connection, wait_run (&wait), error);
}

gboolean
hapctl_connect_ble (HapControllerConnection *connection, const char *adapter, const char *address, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_connect_ble_async (connection, adapter, address, NULL, done, &wait);
  return hap_controller_connection_connect_ble_finish (connection, wait_run (&wait), error);
}

gboolean
hapctl_pair_resume (HapControllerConnection *connection, gboolean *out_resumed, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_pair_resume_async (connection, NULL, done, &wait);
  return hap_controller_connection_pair_resume_finish (connection, wait_run (&wait), out_resumed, error);
}

gboolean
hapctl_pair_setup (HapControllerConnection *connection, const char *setup_code, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_pair_setup_async (connection, setup_code, HAP_PAIR_SETUP_FLAGS_NONE, NULL, done, &wait);
  return hap_controller_connection_pair_setup_finish (connection, wait_run (&wait), error);
}

gboolean
hapctl_pair_verify (HapControllerConnection *connection, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_pair_verify_async (connection, NULL, done, &wait);
  return hap_controller_connection_pair_verify_finish (connection, wait_run (&wait), error);
}

JsonNode *
hapctl_get_json (HapControllerConnection *connection, const char *target, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_get_json_async (connection, target, NULL, done, &wait);
  return hap_controller_connection_get_json_finish (connection, wait_run (&wait), NULL, error);
}

JsonNode *
hapctl_put_json (HapControllerConnection *connection, const char *target, JsonNode *body, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_put_json_async (connection, target, body, NULL, done, &wait);
  return hap_controller_connection_put_json_finish (connection, wait_run (&wait), NULL, error);
}

gboolean
hapctl_subscribe (HapControllerConnection *connection, const char * const *ids, GError **error)
{
  g_auto(Wait) wait;

  wait_init (&wait);
  hap_controller_connection_subscribe_async (connection, ids, TRUE, NULL, done, &wait);
  return hap_controller_connection_subscribe_finish (connection, wait_run (&wait), error);
}
