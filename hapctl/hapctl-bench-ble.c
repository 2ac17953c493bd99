/* hapctl-bench-ble.c — `hapctl bench ble:…`: HAP-BLE latencies over one link
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A BLE accessory serves one central at a time (docs/protocol.md §5.8), so every scenario
 * runs on the same link, made once: connect, Pair Setup with a new in-memory controller,
 * Pair Verify. pair-verify and pair-resume repeat their procedure on that link (each
 * write to Pair Verify starts a new security session, §5.8), which measures the
 * procedure and not the connection: the point is the full Pair Verify's X25519 and
 * Ed25519 work against Pair Resume's HKDFs (§3.4).
 */
#include "hapctl-bench.h"
#include <glib/gi18n.h>

const char *const hapctl_bench_ble_scenarios[] = { "pair-verify", "pair-resume", "get", "put", NULL };

static gboolean
ensure_link (Bench *bench, GError **error)
{
  g_autoptr(HapController) controller = NULL;
  g_autoptr(HapControllerConnection) link = NULL;

  if (bench->ble_link != NULL)
    return TRUE;
  controller = hap_controller_new (NULL);
  link = hap_controller_connection_new (controller);
  if (!hapctl_connect_ble (link, hapctl_adapter, bench->ble_address, error) ||
      !hapctl_pair_setup (link, bench->setup_code, error))
    return FALSE;
  /* Paired from here on: the end of the run removes the pairing. */
  bench->controller = g_steal_pointer (&controller);
  bench->ble_link = g_steal_pointer (&link);
  return hapctl_pair_verify (bench->ble_link, error) &&
         hapctl_bench_find_characteristic (bench, bench->ble_link, error);
}

/* @count procedures on the link, timed one by one. */
/* Throughput and the accessory's CPU per operation, over the whole run. */
static void
finish_result (Bench *bench, Result *result, gint64 start, gint64 cpu_before)
{
  result->count = bench->count;
  result->per_second = (double) bench->count * G_USEC_PER_SEC / (double) MAX (g_get_monotonic_time () - start, 1);
  result->server_cpu_us = hapctl_bench_cpu_per_op (cpu_before, hapctl_bench_server_cpu_time_us (bench->server_pid),
                                                   bench->count);
}

static gboolean
run_procedures (Bench *bench, Result *result, gboolean resume, GError **error)
{
  gint64 cpu_before, start;

  if (!ensure_link (bench, error))
    return FALSE;
  cpu_before = hapctl_bench_server_cpu_time_us (bench->server_pid);
  start = g_get_monotonic_time ();
  for (int i = 0; i < bench->count; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      gboolean resumed = FALSE;
      gboolean ok = resume ? hapctl_pair_resume (bench->ble_link, &resumed, error)
                           : hapctl_pair_verify (bench->ble_link, error);

      if (!ok)
        {
          g_prefix_error (error, "%s %d: ", resume ? "pair-resume" : "pair-verify", i + 1);  /* i18n-ignore: scenario names */
          return FALSE;
        }
      hapctl_bench_add_latency (result, t0, g_get_monotonic_time ());
      /* The ticket of the session before is the one just made: it must resume. */
      if (resume && !resumed)
        {
          g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED,
                       _("pair-resume %d: the accessory answered with a full Pair Verify"), i + 1);
          return FALSE;
        }
    }
  finish_result (bench, result, start, cpu_before);
  return TRUE;
}

static gboolean
run_pair_verify (Bench *bench, Result *result, GError **error)
{
  return run_procedures (bench, result, FALSE, error);
}

static gboolean
run_pair_resume (Bench *bench, Result *result, GError **error)
{
  return run_procedures (bench, result, TRUE, error);
}

static gboolean
run_requests (Bench *bench, Result *result, gboolean write, GError **error)
{
  g_autofree char *target = NULL;
  gint64 cpu_before, start;

  if (!ensure_link (bench, error))
    return FALSE;
  target = g_strdup_printf ("/characteristics?id=%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, bench->aid, bench->iid);
  cpu_before = hapctl_bench_server_cpu_time_us (bench->server_pid);
  start = g_get_monotonic_time ();
  for (int i = 0; i < bench->count; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(JsonNode) root = NULL;

      if (write ? !hapctl_bench_write_brightness (bench, bench->ble_link, i % 101, error)
                : (root = hapctl_get_json (bench->ble_link, target, error)) == NULL)
        {
          g_prefix_error (error, "%s %d: ", write ? "put" : "get", i + 1);  /* i18n-ignore: scenario names */
          return FALSE;
        }
      hapctl_bench_add_latency (result, t0, g_get_monotonic_time ());
    }
  finish_result (bench, result, start, cpu_before);
  return TRUE;
}

static gboolean
run_get (Bench *bench, Result *result, GError **error)
{
  return run_requests (bench, result, FALSE, error);
}

static gboolean
run_put (Bench *bench, Result *result, GError **error)
{
  return run_requests (bench, result, TRUE, error);
}

ScenarioFunc
hapctl_bench_ble_lookup (const char *name)
{
  static const struct { const char *name; ScenarioFunc func; } table[] = {
    { "pair-verify", run_pair_verify },
    { "pair-resume", run_pair_resume },
    { "get", run_get },
    { "put", run_put },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (name, table[i].name))
      return table[i].func;
  return NULL;
}

gboolean
hapctl_bench_ble_finish (Bench *bench, GError **error)
{
  const char *id;
  gboolean ok;

  if (bench->controller == NULL)
    return TRUE;
  id = hap_controller_get_id (bench->controller);
  /* The link may be gone (a failed scenario, the 30 s idle timeout of §5.8): then a new
   * one removes the pairing. */
  if (bench->ble_link == NULL || !hap_controller_connection_is_secure (bench->ble_link) ||
      !hap_controller_connection_remove_pairing (bench->ble_link, id, NULL, NULL))
    {
      g_clear_object (&bench->ble_link);
      bench->ble_link = hap_controller_connection_new (bench->controller);
      ok = hapctl_connect_ble (bench->ble_link, hapctl_adapter, bench->ble_address, error) &&
           hapctl_pair_verify (bench->ble_link, error) &&
           hap_controller_connection_remove_pairing (bench->ble_link, id, NULL, error);
    }
  else
    ok = TRUE;
  g_clear_object (&bench->ble_link);
  return ok;
}
