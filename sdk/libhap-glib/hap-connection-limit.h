/* hap-connection-limit.h — a cap on the HAP/IP connections of several servers together
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <glib-object.h>

#include "hap-version.h"

G_BEGIN_DECLS

#define HAP_TYPE_CONNECTION_LIMIT (hap_connection_limit_get_type ())

/**
 * HapConnectionLimit:
 *
 * The process-wide cap on HAP/IP connections, without globals: every
 * #HapAccessoryServer given the same limit (its #HapAccessoryServer:connection-limit
 * property, set before start) counts against it, so one process serving many
 * accessories shares one budget of file descriptors. A server that is given none has a
 * limit of its own. Servers sharing a limit must run on the same #GMainContext (the
 * limit is not locked).
 *
 * When a new connection arrives at the cap, the oldest connection that has not
 * completed Pair Verify (of any server sharing the limit) is closed to make room;
 * paired and verified sessions are never evicted: when every connection is verified the
 * new one is refused (closed at once).
 *
 * #HapConnectionLimit:max-connections defaults to 0, which means "derived from the
 * file descriptor limit": the soft `RLIMIT_NOFILE`, read at every accept, minus the
 * descriptors its servers hold for listening (one each, and one
 * epoll instance that all servers sharing the limit poll their sockets with), minus a reserve of one eighth
 * (at least 64) for state files, D-Bus and the like. For one accessory at the common
 * limit of 1024 that is 894 connections.
 */
HAP_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (HapConnectionLimit, hap_connection_limit, HAP, CONNECTION_LIMIT, GObject)

/**
 * hap_connection_limit_new:
 * @max_connections: the cap, or 0 to derive it from `RLIMIT_NOFILE` (see above)
 *
 * Creates a limit to share between servers.
 *
 * Returns: (transfer full): a new limit
 */
HAP_AVAILABLE_IN_ALL
HapConnectionLimit *hap_connection_limit_new                 (guint               max_connections);
/**
 * hap_connection_limit_set_max_connections:
 * @self: a limit
 * @max_connections: the cap, or 0 to derive it from `RLIMIT_NOFILE`
 *
 * Changes the cap. It is checked when a connection arrives: lowering it closes no
 * connection at once.
 */
HAP_AVAILABLE_IN_ALL
void                hap_connection_limit_set_max_connections (HapConnectionLimit *self,
                                                              guint               max_connections);
/**
 * hap_connection_limit_get_max_connections:
 * @self: a limit
 *
 * Gets the cap in force now: the derived one when the property is 0.
 *
 * Returns: the number of connections allowed
 */
HAP_AVAILABLE_IN_ALL
guint               hap_connection_limit_get_max_connections (HapConnectionLimit *self);
/**
 * hap_connection_limit_get_n_connections:
 * @self: a limit
 *
 * Counts the HAP/IP connections open now, all servers sharing @self together.
 *
 * Returns: the number of open connections
 */
HAP_AVAILABLE_IN_ALL
guint               hap_connection_limit_get_n_connections   (HapConnectionLimit *self);

G_END_DECLS
