/* hapctl.h — shared between hapctl's files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libhap-glib/hap.h>

#define HAPCTL_EXIT_FAILURE 1   /* the accessory or the network said no */
#define HAPCTL_EXIT_USAGE   2

/* HOST:PORT or [IPv6]:PORT → a host (free with g_free) and a port. */
gboolean hapctl_parse_address (const char *text, char **host, guint16 *port);

/* `hapctl discover [--timeout S]`: returns an exit status. */
int hapctl_discover (int argc, char **argv, gboolean json);

/* `hapctl bench HOST:PORT --setup-code CODE …` (hapctl-bench.c): returns an exit status. */
int hapctl_bench (int argc, char **argv, gboolean json);
