/* hap-ip-transport.c — HAP/IP as a transport of the accessory core: the TCP listener,
 * the connections and the _hap._tcp record (hap-protocol.md §4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ip-private.h"

#include <string.h>

#include "hap-setup-payload.h"

/* hap-protocol.md §4.13: the TXT keys of _hap._tcp. */
static GStrv
build_txt (HapIpTransport *ip)
{
  HapAccessoryServer *server = ip->server;
  HapStorage *storage = server->storage;
  HapService *info = hap_accessory_get_information_service (server->accessory);
  HapCharacteristic *model = info ? hap_service_get_characteristic (info, "Model") : NULL;
  g_autofree char *sh = hap_setup_hash_base64 (storage->setup_id, storage->device_id);
  GPtrArray *txt = g_ptr_array_new ();
  const char *md = hap_accessory_get_name (server->accessory);

  if (model != NULL)
    md = g_variant_get_string (hap_characteristic_get_value (model), NULL);
  g_ptr_array_add (txt, g_strdup_printf ("c#=%u", storage->config_number));
  g_ptr_array_add (txt, g_strdup ("ff=0"));
  g_ptr_array_add (txt, g_strdup_printf ("id=%s", storage->device_id));
  g_ptr_array_add (txt, g_strdup_printf ("md=%s", md));
  g_ptr_array_add (txt, g_strdup ("pv=1.1"));
  g_ptr_array_add (txt, g_strdup ("s#=1"));
  g_ptr_array_add (txt, g_strdup_printf ("sf=%u", storage->pairings->len > 0 ? 0u : 1u));
  g_ptr_array_add (txt, g_strdup_printf ("ci=%d", hap_accessory_get_category (server->accessory)));
  g_ptr_array_add (txt, g_strdup_printf ("sh=%s", sh));
  if (server->hooks != NULL && server->hooks->txt != NULL)
    {
      g_ptr_array_set_free_func (txt, g_free);
      server->hooks->txt (server, txt, server->hooks_data);
      g_ptr_array_set_free_func (txt, NULL);
    }
  g_ptr_array_add (txt, NULL);
  return (GStrv) g_ptr_array_free (txt, FALSE);
}

static void
ip_status_changed (gpointer state)
{
  HapIpTransport *ip = state;
  g_auto(GStrv) txt = NULL;

  if (ip->advertisement == NULL)
    return;
  txt = build_txt (ip);
  _hap_advertisement_set_txt (ip->advertisement, (const char * const *) txt);
}

static void
on_advertised (HapAdvertisement *adv, const char *name, gpointer user_data)
{
  HapIpTransport *ip = user_data;

  g_signal_emit_by_name (ip->server, "advertised", name);
}

static void
on_incoming (GSocketService    *service,
             GSocketConnection *stream,
             GObject           *source_object,
             gpointer           user_data)
{
  HapIpTransport *ip = user_data;
  HapAccessoryServer *server = ip->server;
  HapConnection *conn = _hap_connection_new (ip, stream);

  g_ptr_array_add (ip->connections, conn);
  g_debug ("%s: connection from %s", hap_accessory_get_name (server->accessory), conn->peer);
  if (conn->watch == NULL)
    _hap_connection_close (conn);   /* the kernel would not watch it: refuse */
  else if (server->hooks != NULL && server->hooks->accept != NULL &&
           !server->hooks->accept (server, conn, server->hooks_data))
    _hap_connection_close (conn);
}

void
_hap_ip_transport_remove_connection (HapIpTransport *ip, HapConnection *conn)
{
  g_ptr_array_remove_fast (ip->connections, conn);
}

static gboolean
listen (HapIpTransport *ip, GError **error)
{
  HapAccessoryServer *server = ip->server;
  GSocketListener *listener;

  ip->service = g_socket_service_new ();
  listener = G_SOCKET_LISTENER (ip->service);
  /* Thousands of controllers may connect at once (benchmarks, bridges of bridges). */
  g_socket_listener_set_backlog (listener, 1024);

  if (server->bind_address != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (server->bind_address);
      g_autoptr(GSocketAddress) socket_address = NULL;
      g_autoptr(GSocketAddress) effective = NULL;

      if (address == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an IP address", server->bind_address);
          return FALSE;
        }
      socket_address = g_inet_socket_address_new (address, server->port);
      if (!g_socket_listener_add_address (listener, socket_address, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
        return FALSE;
      server->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
    }
  else if (server->port == 0)
    {
      server->port = g_socket_listener_add_any_inet_port (listener, NULL, error);
      if (server->port == 0)
        return FALSE;
    }
  else if (!g_socket_listener_add_inet_port (listener, server->port, NULL, error))
    return FALSE;

  g_signal_connect (ip->service, "incoming", G_CALLBACK (on_incoming), ip);
  g_socket_service_start (ip->service);
  return TRUE;
}

static void
ip_stop (gpointer state)
{
  HapIpTransport *ip = state;

  g_clear_pointer (&ip->advertisement, _hap_advertisement_free);
  if (ip->service != NULL)
    {
      g_socket_service_stop (ip->service);
      g_socket_listener_close (G_SOCKET_LISTENER (ip->service));
      g_signal_handlers_disconnect_by_data (ip->service, ip);
      g_clear_object (&ip->service);
    }
  while (ip->connections->len > 0)
    _hap_connection_close (g_ptr_array_index (ip->connections, ip->connections->len - 1));
  g_clear_pointer (&ip->poll, hap_poll_group_free);
  g_clear_pointer (&ip->connections, g_ptr_array_unref);
  g_clear_object (&ip->advertiser);
  g_free (ip);
}

static gpointer
ip_start (HapAccessoryServer *server, GError **error)
{
  HapIpTransport *ip = g_new0 (HapIpTransport, 1);

  ip->server = server;
  ip->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) _hap_connection_unref);
  ip->poll = hap_poll_group_new (server->context, error);
  if (ip->poll == NULL || !listen (ip, error))
    {
      ip_stop (ip);
      return NULL;
    }
  if (server->advertise)
    {
      g_auto(GStrv) txt = build_txt (ip);

      /* Servers of one process share one advertiser (one Avahi client) when the
       * application gave one. */
      if (server->advertiser == NULL)
        server->advertiser = hap_advertiser_new ();
      ip->advertiser = g_object_ref (server->advertiser);
      ip->advertisement = _hap_advertiser_add (ip->advertiser, hap_accessory_get_name (server->accessory),
                                               server->port, server->bind_address,
                                               (const char * const *) txt, on_advertised, ip);
    }
  g_debug ("%s: serving HAP/IP on port %u", hap_accessory_get_name (server->accessory), server->port);
  return ip;
}

static void
ip_close_session (HapSession *session)
{
  HapConnection *conn = session->link;

  if (conn == NULL)
    return;
  /* hap-protocol.md §3.5: a controller that removed its own pairing gets the response
   * first. */
  if (conn->busy)
    conn->close_after_flush = TRUE;
  else
    _hap_connection_close (conn);
}

static void
ip_queue_event (HapSession *session, HapCharacteristic *characteristic)
{
  if (session->link != NULL)
    _hap_connection_queue_event (session->link, characteristic);
}

const HapTransport hap_ip_transport = {
  .name = "ip",
  .flag = HAP_TRANSPORT_IP,
  .start = ip_start,
  .stop = ip_stop,
  .close_session = ip_close_session,
  .queue_event = ip_queue_event,
  .value_changed = NULL,
  .status_changed = ip_status_changed,
};

/* ---- IP-only public API ------------------------------------------------------------- */

const char *
hap_accessory_server_get_advertised_name (HapAccessoryServer *self)
{
  HapIpTransport *ip;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  ip = _hap_accessory_server_get_transport (self, &hap_ip_transport);
  if (ip == NULL || ip->advertisement == NULL || !_hap_advertisement_is_established (ip->advertisement))
    return NULL;
  return _hap_advertisement_get_name (ip->advertisement);
}

void
hap_accessory_server_refresh_txt (HapAccessoryServer *self)
{
  HapIpTransport *ip;

  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  ip = _hap_accessory_server_get_transport (self, &hap_ip_transport);
  if (ip != NULL)
    ip_status_changed (ip);
}

GPtrArray *
hap_accessory_server_dup_connections (HapAccessoryServer *self)
{
  HapIpTransport *ip;
  GPtrArray *out;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) _hap_connection_unref);
  ip = _hap_accessory_server_get_transport (self, &hap_ip_transport);
  for (guint i = 0; ip != NULL && i < ip->connections->len; i++)
    g_ptr_array_add (out, _hap_connection_ref (g_ptr_array_index (ip->connections, i)));
  return out;
}
