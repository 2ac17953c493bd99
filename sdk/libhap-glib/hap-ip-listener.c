/* hap-ip-listener.c — the HAP/IP listening sockets, the accept loop and admission:
 * per-accessory and process-wide connection caps, and what happens without descriptors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The listening sockets sit in the transport's poll group with the connections, and each
 * wakeup accepts up to ACCEPT_BATCH connections: under load (a flood, clients pipelining
 * without reading) new controllers get in at once, not one per main-loop iteration as
 * with GSocketService, whose accept loop also spun with a warning per attempt when
 * descriptors ran out.
 */
#define _GNU_SOURCE   /* accept4 */
#include "hap-ip-private.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BATCH  64
#define LISTEN_BACKLOG 1024   /* thousands of controllers may connect at once (benchmarks) */

/* ---- admission ------------------------------------------------------------------------ */

/* Makes room for one more connection, or says there is none. At a cap the oldest
 * connection that has not completed Pair Verify goes: a flood of idle or half-open
 * connections cannot lock out paired controllers, whose verified sessions are never
 * evicted (docs/protocol.md §4.1: controllers keep their connections open indefinitely;
 * ADK likewise closes only idle sessions when all slots are in use). */
static gboolean
make_room (HapIpTransport *ip)
{
  HapAccessoryServer *server = ip->server;
  guint process_max = hap_connection_limit_get_max_connections (ip->limit);
  gboolean at_own_cap = server->max_connections != 0 && ip->connections->len >= server->max_connections;
  gboolean at_process_cap = hap_connection_limit_get_n_connections (ip->limit) >= process_max;
  HapConnection *victim;
  gint64 now;

  if (!at_own_cap && !at_process_cap)
    return TRUE;
  victim = _hap_connection_limit_find_unverified (ip->limit, at_own_cap ? ip : NULL);
  /* One line a minute at most: a flood must not flood the log too. */
  now = g_get_monotonic_time ();
  if (ip->cap_logged_usec == 0 || now - ip->cap_logged_usec >= 60 * G_USEC_PER_SEC)
    {
      ip->cap_logged_usec = now;
      g_message ("%s: at the connection limit (%u for this accessory, %u for the process): %s",
                 hap_accessory_get_name (server->accessory), server->max_connections, process_max,
                 victim != NULL ? "closing the oldest unverified connections to make room"
                                : "every connection is verified, refusing new ones");
    }
  if (victim == NULL)
    return FALSE;
  _hap_connection_drop (victim, "evicted: connection limit reached");
  return TRUE;
}

static void
admit (HapIpTransport *ip, int fd)
{
  HapAccessoryServer *server = ip->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketConnection) stream = NULL;
  HapConnection *conn;

  if (!make_room (ip))
    {
      close (fd);
      return;
    }
  socket = g_socket_new_from_fd (fd, &error);
  if (socket == NULL)
    {
      g_debug ("%s: cannot use an accepted socket: %s", hap_accessory_get_name (server->accessory),
               error->message);
      close (fd);
      return;
    }
  stream = g_socket_connection_factory_create_connection (socket);
  conn = _hap_connection_new (ip, stream);
  g_ptr_array_add (ip->connections, conn);
  _hap_connection_limit_add (ip->limit, conn);
  _hap_ip_transport_schedule_sweep (ip);
  g_debug ("%s: connection from %s", hap_accessory_get_name (server->accessory), conn->peer);
  if (conn->watch == NULL)
    _hap_connection_close (conn);   /* the kernel would not watch it: refuse */
  else if (HAP_SERVER_HOOKS (server) != NULL && HAP_SERVER_HOOKS (server)->accept != NULL &&
           !HAP_SERVER_HOOKS (server)->accept (server, conn, server->hooks_data))
    _hap_connection_close (conn);
}

/* ---- the accept loop ------------------------------------------------------------------ */

static void
set_accepting (HapIpTransport *ip, gboolean accepting)
{
  for (guint i = 0; i < ip->listener_watches->len; i++)
    hap_poll_watch_set_condition (g_ptr_array_index (ip->listener_watches, i), accepting ? G_IO_IN : 0);
}

static gboolean
on_accept_backoff (gpointer user_data)
{
  HapIpTransport *ip = user_data;

  g_clear_pointer (&ip->accept_backoff, g_source_unref);
  set_accepting (ip, TRUE);
  return G_SOURCE_REMOVE;
}

/* Out of descriptors (EMFILE, ENFILE) or kernel memory: the pending connection stays in
 * the backlog and the listening socket is ready again at once, so retrying blindly
 * spins. When an unverified connection can be closed to free a descriptor it is, and
 * accepting goes on; otherwise the listening sockets are not polled for a while (50 ms,
 * doubling up to a second). Logged once a minute at most. Returns TRUE to go on. */
static gboolean
out_of_descriptors (HapIpTransport *ip, int error_number)
{
  gint64 now = g_get_monotonic_time ();
  HapConnection *victim = _hap_connection_limit_find_unverified (ip->limit, NULL);

  if (ip->fds_logged_usec == 0 || now - ip->fds_logged_usec >= 60 * G_USEC_PER_SEC)
    {
      ip->fds_logged_usec = now;
      g_warning ("%s: cannot accept connections: %s; closing unverified connections or pausing "
                 "the listener until descriptors are free (logged once a minute)",
                 hap_accessory_get_name (ip->server->accessory), g_strerror (error_number));
    }
  if (victim != NULL)
    {
      _hap_connection_drop (victim, "evicted: out of file descriptors");
      return TRUE;
    }
  ip->backoff_ms = ip->backoff_ms == 0 ? 50 : MIN (ip->backoff_ms * 2, 1000);
  set_accepting (ip, FALSE);
  ip->accept_backoff = g_timeout_source_new (ip->backoff_ms);
  g_source_set_callback (ip->accept_backoff, on_accept_backoff, ip, NULL);
  g_source_attach (ip->accept_backoff, ip->server->context);
  return FALSE;
}

static void
on_listener_ready (gpointer user_data, GIOCondition condition)
{
  GSocket *listener = user_data;
  HapIpTransport *ip = g_object_get_data (G_OBJECT (listener), "hap-ip-transport");
  int listen_fd = g_socket_get_fd (listener);

  for (guint i = 0; i < ACCEPT_BATCH && ip->accept_backoff == NULL; i++)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

      if (fd >= 0)
        {
          ip->backoff_ms = 0;
          admit (ip, fd);
          continue;
        }
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        return;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        {
          if (!out_of_descriptors (ip, errno))
            return;
          continue;
        }
      /* ECONNABORTED, EPROTO, EPERM (firewall) and the like concern one connection. */
      g_debug ("%s: accept failed: %s", hap_accessory_get_name (ip->server->accessory), g_strerror (errno));
    }
}

/* ---- the listening sockets ------------------------------------------------------------ */

static GSocket *
bind_socket (GSocketAddress *address, GError **error)
{
  g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, error);

  if (socket == NULL)
    return NULL;
  g_socket_set_listen_backlog (socket, LISTEN_BACKLOG);
  /* One socket for both families where the system allows it, as GSocketListener does. */
  if (g_socket_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    g_socket_set_option (socket, IPPROTO_IPV6, IPV6_V6ONLY, 0, NULL);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static guint16
local_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return address != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) : 0;
}

static GSocket *
bind_any (GSocketFamily family, guint16 port, GError **error)
{
  g_autoptr(GInetAddress) any = g_inet_address_new_any (family);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, port);

  return bind_socket (address, error);
}

/* The listening sockets for the server's address and port: one, or on every address an
 * IPv6 socket that takes IPv4 too, else (or as well, when it does not) an IPv4 one on
 * the same port. */
static gboolean
open_sockets (HapIpTransport *ip, GError **error)
{
  HapAccessoryServer *server = ip->server;
  g_autoptr(GError) v6_error = NULL;
  GSocket *socket;

  if (server->bind_address != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (server->bind_address);
      g_autoptr(GSocketAddress) socket_address = NULL;

      if (address == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "“%s” is not an IP address", server->bind_address);
          return FALSE;
        }
      socket_address = g_inet_socket_address_new (address, server->port);
      if ((socket = bind_socket (socket_address, error)) == NULL)
        return FALSE;
      g_ptr_array_add (ip->listeners, socket);
      server->port = local_port (socket);
      return TRUE;
    }

  socket = bind_any (G_SOCKET_FAMILY_IPV6, server->port, &v6_error);
  if (socket != NULL)
    {
      g_ptr_array_add (ip->listeners, socket);
      server->port = local_port (socket);
      if (g_socket_speaks_ipv4 (socket))
        return TRUE;
    }
  if ((socket = bind_any (G_SOCKET_FAMILY_IPV4, server->port, error)) == NULL)
    return FALSE;
  g_ptr_array_add (ip->listeners, socket);
  server->port = local_port (socket);
  return TRUE;
}

gboolean
_hap_ip_listener_start (HapIpTransport *ip, GError **error)
{
  HapAccessoryServer *server = ip->server;

  ip->listeners = g_ptr_array_new_with_free_func (g_object_unref);
  ip->listener_watches = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_poll_watch_remove);
  /* Without a configured port, the one of the last run first: controllers that kept the
   * address reach the accessory before they browse again, and binding a given port is
   * a lookup where the kernel's search for a free ephemeral one grows with every
   * listener (10,000 accessories spent most of a restart there). Taken: any port. */
  if (server->port == 0 && server->storage->last_port != 0)
    {
      server->port = (guint16) server->storage->last_port;
      if (!open_sockets (ip, NULL))
        {
          g_ptr_array_set_size (ip->listeners, 0);
          server->port = 0;
        }
    }
  if (ip->listeners->len == 0 && !open_sockets (ip, error))
    return FALSE;
  /* Saved with the rest of the state when the server has started. */
  server->storage->last_port = server->port;
  for (guint i = 0; i < ip->listeners->len; i++)
    {
      GSocket *socket = g_ptr_array_index (ip->listeners, i);
      HapPollWatch *watch;

      g_socket_set_blocking (socket, FALSE);
      g_object_set_data (G_OBJECT (socket), "hap-ip-transport", ip);
      watch = hap_poll_group_add (ip->poll, g_socket_get_fd (socket), G_IO_IN, on_listener_ready, socket);
      if (watch == NULL)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                       "cannot watch the listening socket: %s", g_strerror (errno));
          return FALSE;
        }
      g_ptr_array_add (ip->listener_watches, watch);
    }
  return TRUE;
}

void
_hap_ip_listener_stop (HapIpTransport *ip)
{
  if (ip->accept_backoff != NULL)
    {
      g_source_destroy (ip->accept_backoff);
      g_clear_pointer (&ip->accept_backoff, g_source_unref);
    }
  g_clear_pointer (&ip->listener_watches, g_ptr_array_unref);
  if (ip->listeners != NULL)
    for (guint i = 0; i < ip->listeners->len; i++)
      g_socket_close (g_ptr_array_index (ip->listeners, i), NULL);
  g_clear_pointer (&ip->listeners, g_ptr_array_unref);
}
