/* hap-ip-transport.c — HAP/IP as a transport of the accessory core: the TCP listener,
 * the connections and the _hap._tcp record (docs/protocol.md §4)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ip-private.h"

#include <string.h>

#include "hap-crypto-private.h"
#include "hap-setup-payload.h"

/* docs/protocol.md §4.13: the TXT keys of _hap._tcp. */
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
  if (HAP_SERVER_HOOKS (server) != NULL && HAP_SERVER_HOOKS (server)->txt != NULL)
    {
      g_ptr_array_set_free_func (txt, g_free);
      HAP_SERVER_HOOKS (server)->txt (server, txt, server->hooks_data);
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

void
_hap_ip_transport_remove_connection (HapIpTransport *ip, HapConnection *conn)
{
  _hap_connection_limit_remove (ip->limit, conn);
  g_ptr_array_remove_fast (ip->connections, conn);
}

/* ---- timers: idle, stalled and stuck-in-pairing connections ---------------------------- */

/* Why @conn should be closed now, or NULL. */
static const char *
expired (HapConnection *conn, gint64 now)
{
  HapAccessoryServer *server = conn->server;
  HapPairingSession *pairing = &conn->session->pairing;
  gint64 stall = (gint64) server->stall_timeout_ms * 1000;
  gint64 idle = (gint64) server->idle_timeout_ms * 1000;
  gint64 pair = (gint64) server->pairing_timeout_ms * 1000;

  /* A request or frame begun and not finished (body shorter than its Content-Length,
   * part of an encrypted frame), while we were waiting for the rest. */
  if (stall > 0 && conn->partial_since_usec != 0 && conn->reading &&
      now - conn->partial_since_usec >= stall)
    return "request stalled";
  if (_hap_session_is_secured (conn->session))
    return NULL;   /* verified sessions stay open however quiet (docs/protocol.md §4.1) */
  /* docs/protocol.md §2.2: a Pair Setup owner that stalls keeps every other controller
   * Busy; ADK releases it after 30 s. Pair Verify is held to the same. */
  if (pairing->setup_state != 0 || pairing->verify_state != 0)
    return pair > 0 && now - conn->pairing_activity_usec >= pair ? "pairing stalled" : NULL;
  return idle > 0 && now - conn->pairing_activity_usec >= idle ? "idle without pairing" : NULL;
}

static guint
sweep_interval (HapAccessoryServer *server)
{
  guint shortest = G_MAXUINT;

  if (server->stall_timeout_ms > 0)
    shortest = MIN (shortest, server->stall_timeout_ms);
  if (server->idle_timeout_ms > 0)
    shortest = MIN (shortest, server->idle_timeout_ms);
  if (server->pairing_timeout_ms > 0)
    shortest = MIN (shortest, server->pairing_timeout_ms);
  /* A quarter of the shortest timeout: closed at most 25 % late; one timer per
   * transport, not one per connection (GLib walks every source at every iteration). */
  return CLAMP (shortest / 4, 10, 1000);
}

static gboolean on_sweep (gpointer user_data);

/* Runs while the transport has connections: a process with a thousand accessories and
 * no controllers has no timer waking it up. */
void
_hap_ip_transport_schedule_sweep (HapIpTransport *ip)
{
  if (ip->sweep != NULL)
    return;
  ip->sweep_ms = sweep_interval (ip->server);
  ip->sweep = g_timeout_source_new (ip->sweep_ms);
  g_source_set_callback (ip->sweep, on_sweep, ip, NULL);
  g_source_attach (ip->sweep, ip->server->context);
}

static gboolean
on_sweep (gpointer user_data)
{
  HapIpTransport *ip = user_data;
  g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func ((GDestroyNotify) _hap_connection_unref);
  g_autoptr(GPtrArray) reasons = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < ip->connections->len; i++)
    {
      HapConnection *conn = g_ptr_array_index (ip->connections, i);
      const char *reason = expired (conn, now);

      if (reason != NULL)
        {
          g_ptr_array_add (victims, _hap_connection_ref (conn));
          g_ptr_array_add (reasons, (gpointer) reason);
        }
    }
  for (guint i = 0; i < victims->len; i++)
    _hap_connection_drop (g_ptr_array_index (victims, i), g_ptr_array_index (reasons, i));

  if (ip->sweep == NULL)
    return G_SOURCE_REMOVE;   /* stopped meanwhile */
  /* No connection left, or the timeouts changed (they are properties): start again
   * with the next connection, or follow them. */
  if (ip->connections->len == 0 || sweep_interval (ip->server) != ip->sweep_ms)
    {
      g_clear_pointer (&ip->sweep, g_source_unref);
      if (ip->connections->len > 0)
        _hap_ip_transport_schedule_sweep (ip);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- memory -------------------------------------------------------------------------- */

#ifdef HAVE_MALLOC_TRIM
# include <malloc.h>
#endif

static gboolean
on_trim (gpointer user_data)
{
  HapIpTransport *ip = user_data;

  g_clear_pointer (&ip->trim, g_source_unref);
#ifdef HAVE_MALLOC_TRIM
  /* glibc keeps freed heap memory for reuse: after abusive clients (megabytes of
   * pipelined requests and unread responses) are gone, the process would stay at its
   * peak RSS. malloc_trim(0) hands every free page back (madvise on free chunks in
   * the middle of the heap, not only the top); it walks the arenas, so it runs once
   * after a burst of closes, not per close. */
  malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

void
_hap_ip_transport_schedule_trim (HapIpTransport *ip)
{
  if (ip->trim != NULL)
    return;
  ip->trim = g_timeout_source_new (200);
  g_source_set_callback (ip->trim, on_trim, ip, NULL);
  g_source_attach (ip->trim, ip->server->context);
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
ip_stop (gpointer state)
{
  HapIpTransport *ip = state;

  g_clear_pointer (&ip->advertisement, _hap_advertisement_free);
  _hap_ip_listener_stop (ip);
  destroy_source (&ip->sweep);
  while (ip->connections != NULL && ip->connections->len > 0)
    _hap_connection_close (g_ptr_array_index (ip->connections, ip->connections->len - 1));
  if (ip->trim != NULL)
    {
      destroy_source (&ip->trim);
#ifdef HAVE_MALLOC_TRIM
      malloc_trim (0);
#endif
    }
  if (ip->limit != NULL)
    _hap_connection_limit_release (ip->limit, ip->n_reserved);
  if (ip->poll != NULL)
    _hap_connection_limit_release_poll (ip->limit);
  ip->poll = NULL;
  g_clear_object (&ip->limit);
  g_clear_pointer (&ip->connections, g_ptr_array_unref);
  g_clear_object (&ip->advertiser);
  for (guint i = 0; i < HAP_N_BUFFERS; i++)
    if (ip->buffers[i] != NULL)
      g_string_free (ip->buffers[i], TRUE);
  for (guint i = 0; i < HAP_N_PLAIN; i++)
    g_clear_pointer (&ip->plain[i], hap_byte_array_wipe_free);
  g_free (ip);
}

static gpointer
ip_start (HapAccessoryServer *server, GError **error)
{
  HapIpTransport *ip = g_new0 (HapIpTransport, 1);

  ip->server = server;
  ip->connections = g_ptr_array_new_with_free_func ((GDestroyNotify) _hap_connection_unref);
  ip->limit = server->connection_limit != NULL ? g_object_ref (server->connection_limit)
                                                : hap_connection_limit_new (0);
  ip->poll = _hap_connection_limit_acquire_poll (ip->limit, server->context, error);
  if (ip->poll != NULL)
    ip->recv_buffer = hap_poll_group_get_buffer (ip->poll);
  if (ip->poll == NULL || !_hap_ip_listener_start (ip, error))
    {
      ip_stop (ip);
      return NULL;
    }
  /* The listening sockets are not connections (the shared epoll instance is reserved by
   * the limit). */
  ip->n_reserved = ip->listeners->len;
  _hap_connection_limit_reserve (ip->limit, ip->n_reserved);
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
  /* docs/protocol.md §3.5: a controller that removed its own pairing gets the response
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

#if HAP_ENABLE_INSPECTION
void
hap_accessory_server_refresh_txt (HapAccessoryServer *self)
{
  HapIpTransport *ip;

  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  ip = _hap_accessory_server_get_transport (self, &hap_ip_transport);
  if (ip != NULL)
    ip_status_changed (ip);
}
#endif

#if HAP_ENABLE_INSPECTION
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
#endif
