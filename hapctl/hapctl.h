/* hapctl.h — shared between hapctl's files
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libhap-glib/hap.h>

#define HAPCTL_EXIT_FAILURE 1   /* the accessory or the network said no */
#define HAPCTL_EXIT_USAGE   2

#include <signal.h>

/* --adapter: the BlueZ adapter of ble: addresses (NULL: the first). */
extern char *hapctl_adapter;
/* --timeout: seconds for finding, connecting and each answer. */
extern int hapctl_timeout_s;
/* Set by SIGINT in the commands that run until Ctrl-C. */
extern volatile sig_atomic_t hapctl_interrupted;

/* HOST:PORT or [IPv6]:PORT → a host (free with g_free) and a port. */
gboolean hapctl_parse_address (const char *text, char **host, guint16 *port);
/* ble:AA:BB:CC:DD:EE:FF → the BD address, uppercase (free with g_free). */
gboolean hapctl_parse_ble_address (const char *text, char **address);
/* "AID.IID" → the two numbers. */
gboolean hapctl_parse_id (const char *text, gint64 *aid, gint64 *iid);

/* The controller of --controller (or the default file). */
HapController *hapctl_load_controller (GError **error);
/* Connects @connection to ADDRESS (HOST:PORT or ble:…). */
gboolean hapctl_connect (HapControllerConnection *connection, const char *address, GError **error);
/* A connection to ADDRESS with the controller's identity; @verify secures it (Pair Resume
 * first over BLE). */
HapControllerConnection *hapctl_open (const char *address, gboolean verify, GError **error);

/* hapctl-async.c: the asynchronous API's calls, each run on the default main loop
 * until it is done, over IP and BLE alike. */
gboolean  hapctl_connect_ip  (HapControllerConnection *connection, const char *host, guint16 port, GError **error);
gboolean  hapctl_connect_ble (HapControllerConnection *connection, const char *adapter, const char *address,
                              GError **error);
gboolean  hapctl_pair_resume (HapControllerConnection *connection, gboolean *out_resumed, GError **error);
gboolean  hapctl_pair_setup  (HapControllerConnection *connection, const char *setup_code, GError **error);
gboolean  hapctl_pair_verify (HapControllerConnection *connection, GError **error);
JsonNode *hapctl_get_json    (HapControllerConnection *connection, const char *target, GError **error);
JsonNode *hapctl_put_json    (HapControllerConnection *connection, const char *target, JsonNode *body,
                              GError **error);
/* Events then come as HapControllerConnection::event on the default loop. */
gboolean  hapctl_subscribe   (HapControllerConnection *connection, const char * const *ids, GError **error);

/* Messages and exit statuses shared by the commands. */
int hapctl_usage (const char *command, const char *text);
int hapctl_fail (const char *command, const GError *error);

/* `hapctl discover [--ble] [--timeout S]`: returns an exit status. */
int hapctl_discover (int argc, char **argv, gboolean json);

/* hapctl-ble.c: `hapctl discover --ble`, `hapctl watch --disconnected` and
 * `hapctl broadcast`; each returns an exit status. */
int hapctl_discover_ble (int timeout_s, gboolean json);
int hapctl_watch_disconnected (const char *address, int n_ids, char **ids, int count, gboolean json);
int hapctl_broadcast (int argc, char **argv, gboolean json);

/* `hapctl bench HOST:PORT --setup-code CODE …` (hapctl-bench.c): returns an exit status. */
int hapctl_bench (int argc, char **argv, gboolean json);
