/* hap-connection-limit.c — a cap on the HAP/IP connections of several servers together
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-ip-private.h"

#include <sys/resource.h>

/* Descriptors kept back from the derived cap: listeners, the epoll and D-Bus sockets,
 * state files being written atomically, Avahi. */
#define MIN_FD_RESERVE 64

struct _HapConnectionLimit
{
  GObject  parent_instance;

  guint    max_connections;   /* 0: derived from RLIMIT_NOFILE */
  guint    n_reserved;        /* descriptors the servers hold besides connections */
  GQueue   connections;       /* HapConnection (their limit_link), oldest first */
  /* One epoll instance for all the servers sharing the limit, so that an idle accessory
   * holds one descriptor (its listening socket) rather than two: ten thousand accessories
   * then fit in one process's descriptor limit. */
  HapPollGroup *poll;
  guint         poll_users;
  GMainContext *poll_context;
};

enum
{
  PROP_0,
  PROP_MAX_CONNECTIONS,
  PROP_N_CONNECTIONS,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (HapConnectionLimit, hap_connection_limit, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];

static void
hap_connection_limit_finalize (GObject *object)
{
  HapConnectionLimit *self = HAP_CONNECTION_LIMIT (object);

  /* Every server holds a reference while it runs: nothing can be left. */
  g_warn_if_fail (self->connections.length == 0);
  g_warn_if_fail (self->poll == NULL);
  G_OBJECT_CLASS (hap_connection_limit_parent_class)->finalize (object);
}

static void
hap_connection_limit_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapConnectionLimit *self = HAP_CONNECTION_LIMIT (object);

  switch (prop_id)
    {
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_N_CONNECTIONS:
      g_value_set_uint (value, self->connections.length);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_connection_limit_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HapConnectionLimit *self = HAP_CONNECTION_LIMIT (object);

  switch (prop_id)
    {
    case PROP_MAX_CONNECTIONS:
      hap_connection_limit_set_max_connections (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_connection_limit_class_init (HapConnectionLimitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hap_connection_limit_finalize;
  object_class->get_property = hap_connection_limit_get_property;
  object_class->set_property = hap_connection_limit_set_property;

  /**
   * HapConnectionLimit:max-connections:
   *
   * The most HAP/IP connections all servers sharing this limit hold together; 0 (the
   * default) derives it from the soft RLIMIT_NOFILE minus max(64, limit / 8).
   */
  properties [PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapConnectionLimit:n-connections:
   *
   * The HAP/IP connections open now (not notified).
   */
  properties [PROP_N_CONNECTIONS] =
    g_param_spec_uint ("n-connections", NULL, NULL, 0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_connection_limit_init (HapConnectionLimit *self)
{
  g_queue_init (&self->connections);
}

HapConnectionLimit *
hap_connection_limit_new (guint max_connections)
{
  return g_object_new (HAP_TYPE_CONNECTION_LIMIT, "max-connections", max_connections, NULL);
}

void
hap_connection_limit_set_max_connections (HapConnectionLimit *self, guint max_connections)
{
  g_return_if_fail (HAP_IS_CONNECTION_LIMIT (self));

  if (self->max_connections == max_connections)
    return;
  self->max_connections = max_connections;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_MAX_CONNECTIONS]);
}

guint
hap_connection_limit_get_max_connections (HapConnectionLimit *self)
{
  struct rlimit limit;
  rlim_t reserve;

  g_return_val_if_fail (HAP_IS_CONNECTION_LIMIT (self), 0);

  if (self->max_connections != 0)
    return self->max_connections;
  /* Read at every accept: an embedder (or prlimit) may change it while running. */
  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur > G_MAXUINT)
    return G_MAXUINT;
  reserve = MAX ((rlim_t) MIN_FD_RESERVE, limit.rlim_cur / 8) + self->n_reserved;
  return limit.rlim_cur > reserve + 1 ? (guint) (limit.rlim_cur - reserve) : 1;
}

guint
hap_connection_limit_get_n_connections (HapConnectionLimit *self)
{
  g_return_val_if_fail (HAP_IS_CONNECTION_LIMIT (self), 0);
  return self->connections.length;
}

/* ---- hap-ip-private.h -------------------------------------------------------------- */

void
_hap_connection_limit_reserve (HapConnectionLimit *self, guint n_descriptors)
{
  self->n_reserved += n_descriptors;
}

void
_hap_connection_limit_release (HapConnectionLimit *self, guint n_descriptors)
{
  self->n_reserved -= MIN (n_descriptors, self->n_reserved);
}

HapPollGroup *
_hap_connection_limit_acquire_poll (HapConnectionLimit *self, GMainContext *context, GError **error)
{
  if (self->poll == NULL)
    {
      self->poll = hap_poll_group_new (context, error);
      if (self->poll == NULL)
        return NULL;
      self->poll_context = g_main_context_ref (context);
      _hap_connection_limit_reserve (self, 1);
    }
  else if (self->poll_context != context)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "servers sharing a connection limit must run on one GMainContext");
      return NULL;
    }
  self->poll_users++;
  return self->poll;
}

void
_hap_connection_limit_release_poll (HapConnectionLimit *self)
{
  g_return_if_fail (self->poll_users > 0);

  if (--self->poll_users > 0)
    return;
  g_clear_pointer (&self->poll, hap_poll_group_free);
  g_clear_pointer (&self->poll_context, g_main_context_unref);
  _hap_connection_limit_release (self, 1);
}

void
_hap_connection_limit_add (HapConnectionLimit *self, HapConnection *conn)
{
  conn->limit_link.data = conn;
  g_queue_push_tail_link (&self->connections, &conn->limit_link);
}

void
_hap_connection_limit_remove (HapConnectionLimit *self, HapConnection *conn)
{
  g_queue_unlink (&self->connections, &conn->limit_link);
  conn->limit_link.data = NULL;
}

HapConnection *
_hap_connection_limit_find_unverified (HapConnectionLimit *self, HapIpTransport *only)
{
  /* Oldest first: under a flood of idle connections the victim is at the head. */
  for (GList *l = self->connections.head; l != NULL; l = l->next)
    {
      HapConnection *conn = l->data;

      if ((only == NULL || conn->ip == only) && !_hap_session_is_secured (conn->session))
        return conn;
    }
  return NULL;
}
