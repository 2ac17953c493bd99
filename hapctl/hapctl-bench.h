/* hapctl-bench.h — shared by hapctl-bench.c (HAP over IP) and hapctl-bench-ble.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hapctl.h"

typedef struct
{
  char          *host;
  guint16        port;
  char          *ble_address;         /* set for a ble: address, then host is NULL */
  HapControllerConnection *ble_link;  /* BLE: the one verified link every scenario uses */
  const char    *setup_code;
  int            server_pid;          /* 0: none */
  int            count;
  int            connections;
  HapController *controller;          /* paired by ensure_paired () for the later scenarios */
  gint64         aid;
  gint64         iid;                 /* Brightness */
} Bench;

typedef struct
{
  const char *scenario;
  int         count;
  GArray     *latencies_ms;           /* gdouble */
  double      per_second;             /* < 0: not applicable */
  double      server_cpu_us;          /* < 0: no --server-pid */
  int         connections;            /* < 0: not applicable */
  int         answered;               /* < 0: not applicable */
  gint64      server_rss_kb;          /* < 0: not measured */
} Result;

typedef gboolean (*ScenarioFunc) (Bench *bench, Result *result, GError **error);

void      hapctl_bench_add_latency          (Result                  *result,
                                             gint64                   start_us,
                                             gint64                   end_us);
/* utime + stime of @pid in microseconds, or -1. */
gint64    hapctl_bench_server_cpu_time_us   (int                      pid);
/* CPU microseconds per operation between two samples, or -1. */
double    hapctl_bench_cpu_per_op           (gint64                   before,
                                             gint64                   after,
                                             int                      ops);
/* Finds the Brightness characteristic (bench->aid, bench->iid) in /accessories. */
gboolean  hapctl_bench_find_characteristic  (Bench                   *bench,
                                             HapControllerConnection *connection,
                                             GError                 **error);
gboolean  hapctl_bench_write_brightness     (Bench                   *bench,
                                             HapControllerConnection *connection,
                                             gint64                   value,
                                             GError                 **error);

/* hapctl-bench-ble.c: the scenarios over one BLE link (NULL for an unknown name), the
 * default list (NULL-terminated), and the end of a run (unpairing, disconnecting). */
ScenarioFunc hapctl_bench_ble_lookup        (const char              *name);
extern const char *const hapctl_bench_ble_scenarios[];
gboolean  hapctl_bench_ble_finish           (Bench                   *bench,
                                             GError                 **error);
