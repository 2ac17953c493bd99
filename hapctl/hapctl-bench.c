/* hapctl-bench.c — `hapctl bench`: latency and throughput of a HAP accessory server
 *   hapctl bench ADDRESS --setup-code CODE [--server-pid PID] [--scenario NAME]…
 *                [--count N] [--connections C] [--json]
 * (the BLE scenarios, for a ble: ADDRESS, are in hapctl-bench-ble.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every scenario runs with in-memory controllers (hap_controller_new (NULL)) and leaves
 * the accessory unpaired again. Times come from g_get_monotonic_time (); the server's
 * CPU time (utime + stime, /proc/PID/stat) and RSS (VmRSS, /proc/PID/status) are read
 * only when --server-pid is given.
 */
#include "hapctl-bench.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gi18n.h>

#define EVENT_SPACING_US   (350 * G_USEC_PER_SEC / 1000)   /* > the 250 ms coalescing window */
#define EVENT_TIMEOUT_MS   5000

static const char *const all_scenarios[] = {
  "pair-setup", "pair-verify", "get", "put", "events", "sessions", NULL,
};


static void
result_init (Result *result, const char *scenario)
{
  memset (result, 0, sizeof *result);
  result->scenario = scenario;
  result->latencies_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
  result->per_second = -1;
  result->server_cpu_us = -1;
  result->connections = -1;
  result->answered = -1;
  result->server_rss_kb = -1;
}

static void
result_clear (Result *result)
{
  g_clear_pointer (&result->latencies_ms, g_array_unref);
}

void
hapctl_bench_add_latency (Result *result, gint64 start_us, gint64 end_us)
{
  gdouble ms = (gdouble) (end_us - start_us) / 1000.0;

  g_array_append_val (result->latencies_ms, ms);
}

/* ---- /proc ---- */

/* utime + stime of @pid in microseconds, or -1. */
gint64
hapctl_bench_server_cpu_time_us (int pid)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *rest;
  guint64 utime, stime;

  if (pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/stat", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL) || (rest = strrchr (text, ')')) == NULL)
    return -1;
  /* After "pid (comm)" come fields 3, 4, …: utime is field 14, stime field 15. */
  fields = g_strsplit (g_strstrip ((char *) rest + 1), " ", -1);
  if (g_strv_length (fields) < 13 ||
      !g_ascii_string_to_unsigned (fields[11], 10, 0, G_MAXUINT64, &utime, NULL) ||
      !g_ascii_string_to_unsigned (fields[12], 10, 0, G_MAXUINT64, &stime, NULL))
    return -1;
  return (gint64) ((utime + stime) * G_USEC_PER_SEC / (guint64) sysconf (_SC_CLK_TCK));
}

/* VmRSS of @pid in kB, or -1. */
static gint64
server_rss_kb (int pid)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *line;

  if (pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/status", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL) || (line = strstr (text, "\nVmRSS:")) == NULL)
    return -1;
  return g_ascii_strtoll (line + strlen ("\nVmRSS:"), NULL, 10);
}

/* CPU microseconds per operation between two hapctl_bench_server_cpu_time_us () samples. */
double
hapctl_bench_cpu_per_op (gint64 before, gint64 after, int ops)
{
  if (before < 0 || after < 0 || ops <= 0)
    return -1;
  return (double) (after - before) / ops;
}

/* ---- connections ---- */

static HapControllerConnection *
open_session (Bench *bench, HapController *controller, gboolean verify, GError **error)
{
  g_autoptr(HapControllerConnection) connection = hap_controller_connection_new (controller);

  if (!hap_controller_connection_connect (connection, bench->host, bench->port, NULL, error))
    return NULL;
  if (verify && !hap_controller_connection_pair_verify (connection, NULL, error))
    return NULL;
  return g_steal_pointer (&connection);
}

/* Removes @controller's own pairing over a new verified connection. */
static gboolean
unpair (Bench *bench, HapController *controller, GError **error)
{
  g_autoptr(HapControllerConnection) connection = open_session (bench, controller, TRUE, error);

  return connection != NULL &&
         hap_controller_connection_remove_pairing (connection, hap_controller_get_id (controller), NULL, error);
}

static gboolean
is_brightness (const char *type)
{
  return g_ascii_strcasecmp (type, "8") == 0 ||
         g_ascii_strcasecmp (type, "00000008-0000-1000-8000-0026BB765291") == 0;
}

/* Finds the Brightness characteristic in /accessories. */
gboolean
hapctl_bench_find_characteristic (Bench *bench, HapControllerConnection *connection, GError **error)
{
  g_autoptr(JsonNode) root = hap_controller_connection_get_json (connection, "/accessories", NULL, NULL, error);
  JsonArray *accessories;

  if (root == NULL)
    return FALSE;
  accessories = JSON_NODE_HOLDS_OBJECT (root)
    ? json_object_get_array_member (json_node_get_object (root), "accessories") : NULL;
  for (guint a = 0; accessories != NULL && a < json_array_get_length (accessories); a++)
    {
      JsonObject *acc = json_array_get_object_element (accessories, a);
      JsonArray *services = json_object_get_array_member (acc, "services");

      for (guint s = 0; services != NULL && s < json_array_get_length (services); s++)
        {
          JsonArray *chars = json_object_get_array_member (json_array_get_object_element (services, s),
                                                           "characteristics");

          for (guint c = 0; chars != NULL && c < json_array_get_length (chars); c++)
            {
              JsonObject *ch = json_array_get_object_element (chars, c);

              if (is_brightness (json_object_get_string_member_with_default (ch, "type", "")))
                {
                  bench->aid = json_object_get_int_member (acc, "aid");
                  bench->iid = json_object_get_int_member (ch, "iid");
                  return TRUE;
                }
            }
        }
    }
  g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
               _("the accessory has no Brightness characteristic to read, write and watch"));
  return FALSE;
}

/* Pairs bench->controller once (for every scenario but pair-setup). */
static gboolean
ensure_paired (Bench *bench, GError **error)
{
  g_autoptr(HapControllerConnection) connection = NULL;

  if (bench->controller != NULL)
    return TRUE;
  bench->controller = hap_controller_new (NULL);
  if ((connection = open_session (bench, bench->controller, FALSE, error)) == NULL ||
      !hap_controller_connection_pair_setup (connection, bench->setup_code, HAP_PAIR_SETUP_FLAGS_NONE,
                                             NULL, error))
    {
      g_clear_object (&bench->controller);
      return FALSE;
    }
  g_clear_object (&connection);
  if ((connection = open_session (bench, bench->controller, TRUE, error)) == NULL ||
      !hapctl_bench_find_characteristic (bench, connection, error))
    return FALSE;
  return TRUE;
}

/* {"characteristics":[{"aid","iid", @member: @value}]} */
static JsonNode *
characteristic_body (Bench *bench, const char *member, JsonNode *value)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "characteristics");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "aid");
  json_builder_add_int_value (builder, bench->aid);
  json_builder_set_member_name (builder, "iid");
  json_builder_add_int_value (builder, bench->iid);
  json_builder_set_member_name (builder, member);
  json_builder_add_value (builder, value);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

gboolean
hapctl_bench_write_brightness (Bench *bench, HapControllerConnection *connection, gint64 value, GError **error)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) response = NULL;
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, value);
  body = characteristic_body (bench, "value", node);
  response = hap_controller_connection_put_json (connection, "/characteristics", body, NULL, NULL, error);
  return response != NULL;
}

static gboolean
subscribe (Bench *bench, HapControllerConnection *connection, GError **error)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) response = NULL;
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (node, TRUE);
  body = characteristic_body (bench, "ev", node);
  response = hap_controller_connection_put_json (connection, "/characteristics", body, NULL, NULL, error);
  return response != NULL;
}

/* Opens bench->connections verified connections to the paired accessory. */
static GPtrArray *
open_sessions (Bench *bench, int n, GError **error)
{
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);

  for (int i = 0; i < n; i++)
    {
      HapControllerConnection *connection = open_session (bench, bench->controller, TRUE, error);

      if (connection == NULL)
        {
          g_prefix_error (error, _("connection %d of %d: "), i + 1, n);
          return NULL;
        }
      g_ptr_array_add (sessions, connection);
    }
  return g_steal_pointer (&sessions);
}

/* ---- scenarios ---- */

static gboolean
run_pair_setup (Bench *bench, Result *result, GError **error)
{
  gint64 cpu_total = 0;
  gint64 elapsed = 0;

  for (int i = 0; i < bench->count; i++)
    {
      g_autoptr(HapController) controller = hap_controller_new (NULL);
      g_autoptr(HapControllerConnection) connection = open_session (bench, controller, FALSE, error);
      gint64 cpu_before, cpu_after, start, end;

      if (connection == NULL)
        return FALSE;
      cpu_before = hapctl_bench_server_cpu_time_us (bench->server_pid);
      start = g_get_monotonic_time ();
      if (!hap_controller_connection_pair_setup (connection, bench->setup_code, HAP_PAIR_SETUP_FLAGS_NONE,
                                                 NULL, error))
        {
          g_prefix_error (error, _("pair-setup %d: "), i + 1);
          return FALSE;
        }
      end = g_get_monotonic_time ();
      cpu_after = hapctl_bench_server_cpu_time_us (bench->server_pid);
      hapctl_bench_add_latency (result, start, end);
      elapsed += end - start;
      cpu_total += cpu_after - cpu_before;
      g_clear_object (&connection);
      if (!unpair (bench, controller, error))
        {
          g_prefix_error (error, _("remove-pairing after pair-setup %d: "), i + 1);
          return FALSE;
        }
    }
  result->count = bench->count;
  result->per_second = elapsed > 0 ? (double) bench->count * G_USEC_PER_SEC / (double) elapsed : -1;
  if (bench->server_pid > 0)
    result->server_cpu_us = (double) cpu_total / bench->count;
  return TRUE;
}

static gboolean
run_pair_verify (Bench *bench, Result *result, GError **error)
{
  gint64 cpu_before, start;

  if (!ensure_paired (bench, error))
    return FALSE;
  cpu_before = hapctl_bench_server_cpu_time_us (bench->server_pid);
  start = g_get_monotonic_time ();
  for (int i = 0; i < bench->count; i++)
    {
      g_autoptr(HapControllerConnection) connection = open_session (bench, bench->controller, FALSE, error);
      gint64 t0;

      if (connection == NULL)
        return FALSE;
      t0 = g_get_monotonic_time ();
      if (!hap_controller_connection_pair_verify (connection, NULL, error))
        {
          g_prefix_error (error, _("pair-verify %d: "), i + 1);
          return FALSE;
        }
      hapctl_bench_add_latency (result, t0, g_get_monotonic_time ());
    }
  result->count = bench->count;
  result->per_second = (double) bench->count * G_USEC_PER_SEC / (double) MAX (g_get_monotonic_time () - start, 1);
  result->server_cpu_us = hapctl_bench_cpu_per_op (cpu_before, hapctl_bench_server_cpu_time_us (bench->server_pid), bench->count);
  return TRUE;
}

typedef struct
{
  Bench                   *bench;
  HapControllerConnection *connection;
  gboolean                 write;
  int                      requests;
  GArray                  *latencies_ms;
  GError                  *error;
} RequestWorker;

/* One thread per connection: sequential round trips on it. */
static gpointer
request_worker (gpointer user_data)
{
  RequestWorker *worker = user_data;
  g_autofree char *target = NULL;

  if (!worker->write)
    target = g_strdup_printf ("/characteristics?id=%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                              worker->bench->aid, worker->bench->iid);
  for (int i = 0; i < worker->requests; i++)
    {
      gint64 start = g_get_monotonic_time ();
      gdouble ms;
      gboolean ok;

      if (worker->write)
        ok = hapctl_bench_write_brightness (worker->bench, worker->connection, i % 101, &worker->error);
      else
        {
          g_autoptr(JsonNode) root = hap_controller_connection_get_json (worker->connection, target, NULL,
                                                                         NULL, &worker->error);
          ok = root != NULL;
        }
      if (!ok)
        break;
      ms = (gdouble) (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (worker->latencies_ms, ms);
    }
  return NULL;
}

static gboolean
run_requests (Bench *bench, Result *result, gboolean write, GError **error)
{
  g_autoptr(GPtrArray) sessions = NULL;
  g_autofree RequestWorker *workers = NULL;
  g_autofree GThread **threads = NULL;
  int n = bench->connections;
  gint64 cpu_before, start, elapsed;
  gboolean ok = TRUE;

  if (!ensure_paired (bench, error) || (sessions = open_sessions (bench, n, error)) == NULL)
    return FALSE;
  workers = g_new0 (RequestWorker, n);
  threads = g_new0 (GThread *, n);
  for (int i = 0; i < n; i++)
    {
      workers[i].bench = bench;
      workers[i].connection = g_ptr_array_index (sessions, i);
      workers[i].write = write;
      workers[i].requests = bench->count / n + (i < bench->count % n ? 1 : 0);
      workers[i].latencies_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));
    }
  cpu_before = hapctl_bench_server_cpu_time_us (bench->server_pid);
  start = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    threads[i] = g_thread_new ("hapctl-bench", request_worker, &workers[i]);
  for (int i = 0; i < n; i++)
    g_thread_join (threads[i]);
  elapsed = g_get_monotonic_time () - start;
  result->server_cpu_us = hapctl_bench_cpu_per_op (cpu_before, hapctl_bench_server_cpu_time_us (bench->server_pid), bench->count);

  for (int i = 0; i < n; i++)
    {
      if (workers[i].error != NULL && ok)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&workers[i].error), _("%s on connection %d: "),
                                      write ? "PUT" : "GET", i + 1);  /* i18n-ignore: HTTP methods */
          ok = FALSE;
        }
      g_clear_error (&workers[i].error);
      g_array_append_vals (result->latencies_ms, workers[i].latencies_ms->data, workers[i].latencies_ms->len);
      g_array_unref (workers[i].latencies_ms);
    }
  result->count = bench->count;
  result->connections = n;
  result->per_second = (double) bench->count * G_USEC_PER_SEC / (double) MAX (elapsed, 1);
  return ok;
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

/* Waits on @connection for an event carrying @value for the benchmark characteristic. */
static gboolean
wait_for_value (Bench *bench, HapControllerConnection *connection, gint64 value, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + EVENT_TIMEOUT_MS * (G_USEC_PER_SEC / 1000);

  for (;;)
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      g_autoptr(JsonNode) event = NULL;
      JsonArray *list;

      if (left_ms <= 0)
        break;
      event = hap_controller_connection_wait_event (connection, (guint) left_ms, NULL, error);
      if (event == NULL)
        {
          if (error != NULL && *error != NULL)
            return FALSE;
          break;
        }
      list = JSON_NODE_HOLDS_OBJECT (event)
        ? json_object_get_array_member (json_node_get_object (event), "characteristics") : NULL;
      for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
        {
          JsonObject *c = json_array_get_object_element (list, i);
          JsonNode *v = json_object_get_member (c, "value");

          if (json_object_get_int_member_with_default (c, "aid", 0) == bench->aid &&
              json_object_get_int_member_with_default (c, "iid", 0) == bench->iid &&
              v != NULL && JSON_NODE_HOLDS_VALUE (v) && json_node_get_int (v) == value)
            return TRUE;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("no event with value %lld within %d ms"),
               (long long) value, EVENT_TIMEOUT_MS);
  return FALSE;
}

static gboolean
run_events (Bench *bench, Result *result, GError **error)
{
  g_autoptr(GPtrArray) subscribers = NULL;
  g_autoptr(HapControllerConnection) writer = NULL;
  gint64 cpu_before;

  if (!ensure_paired (bench, error) ||
      (writer = open_session (bench, bench->controller, TRUE, error)) == NULL ||
      /* A value the writes below never use, so that every write is a change. */
      !hapctl_bench_write_brightness (bench, writer, 0, error) ||
      (subscribers = open_sessions (bench, bench->connections, error)) == NULL)
    return FALSE;
  for (guint s = 0; s < subscribers->len; s++)
    if (!subscribe (bench, g_ptr_array_index (subscribers, s), error))
      {
        g_prefix_error (error, _("subscribing connection %u: "), s + 1);
        return FALSE;
      }

  cpu_before = hapctl_bench_server_cpu_time_us (bench->server_pid);
  for (int i = 0; i < bench->count; i++)
    {
      gint64 value = 1 + i % 100;
      gint64 start = g_get_monotonic_time ();
      gint64 rest;

      if (!hapctl_bench_write_brightness (bench, writer, value, error))
        {
          g_prefix_error (error, _("write %d: "), i + 1);
          return FALSE;
        }
      for (guint s = 0; s < subscribers->len; s++)
        if (!wait_for_value (bench, g_ptr_array_index (subscribers, s), value, error))
          {
            g_prefix_error (error, _("write %d, subscriber %u: "), i + 1, s + 1);
            return FALSE;
          }
      hapctl_bench_add_latency (result, start, g_get_monotonic_time ());
      rest = start + EVENT_SPACING_US - g_get_monotonic_time ();
      if (rest > 0 && i + 1 < bench->count)
        g_usleep ((gulong) rest);
    }
  result->count = bench->count;
  result->connections = bench->connections;
  result->server_cpu_us = hapctl_bench_cpu_per_op (cpu_before, hapctl_bench_server_cpu_time_us (bench->server_pid), bench->count);
  return TRUE;
}

static gboolean
run_sessions (Bench *bench, Result *result, GError **error)
{
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *target = NULL;
  gint64 cpu_before, start;
  int answered = 0;

  if (!ensure_paired (bench, error))
    return FALSE;
  target = g_strdup_printf ("/characteristics?id=%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, bench->aid, bench->iid);
  cpu_before = hapctl_bench_server_cpu_time_us (bench->server_pid);
  start = g_get_monotonic_time ();
  /* A connection the server refuses is counted as not answering, not as an error. */
  for (int i = 0; i < bench->connections; i++)
    {
      g_autoptr(GError) local_error = NULL;
      HapControllerConnection *connection = open_session (bench, bench->controller, TRUE, &local_error);

      if (connection == NULL)
        g_printerr (_("hapctl bench: sessions: connection %d: %s\n"), i + 1, local_error->message);
      g_ptr_array_add (sessions, connection);
    }
  for (int i = 0; i < bench->connections; i++)
    {
      HapControllerConnection *connection = g_ptr_array_index (sessions, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(JsonNode) root = NULL;
      gint64 t0 = g_get_monotonic_time ();

      if (connection == NULL)
        continue;
      root = hap_controller_connection_get_json (connection, target, NULL, NULL, &local_error);
      if (root == NULL)
        {
          g_printerr (_("hapctl bench: sessions: GET on connection %d: %s\n"), i + 1, local_error->message);
          continue;
        }
      hapctl_bench_add_latency (result, t0, g_get_monotonic_time ());
      answered++;
    }
  result->per_second = (double) answered * G_USEC_PER_SEC / (double) MAX (g_get_monotonic_time () - start, 1);
  result->server_cpu_us = hapctl_bench_cpu_per_op (cpu_before, hapctl_bench_server_cpu_time_us (bench->server_pid), bench->connections);
  result->server_rss_kb = server_rss_kb (bench->server_pid);
  result->count = bench->connections;
  result->connections = bench->connections;
  result->answered = answered;
  for (guint i = 0; i < sessions->len; i++)
    if (g_ptr_array_index (sessions, i) != NULL)
      hap_controller_connection_close (g_ptr_array_index (sessions, i));
  return TRUE;
}

/* ---- output ---- */

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted @values; 0 when empty. */
static gdouble
percentile (GArray *values, guint p)
{
  guint rank;

  if (values->len == 0)
    return 0;
  rank = (p * values->len + 99) / 100;
  return g_array_index (values, gdouble, CLAMP (rank, 1, values->len) - 1);
}

/* ,"@name":@value with three decimals, or null when @value < 0. */
static void
append_number (GString *line, const char *name, double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_printf (line, ",\"%s\":%s", name,
                          value < 0 ? "null" : g_ascii_formatd (buffer, sizeof buffer, "%.3f", value));
}

static void
print_json_result (Result *result, gdouble median, gdouble p99)
{
  g_autoptr(GString) line = g_string_new (NULL);

  g_string_append_printf (line, "{\"scenario\":\"%s\",\"count\":%d", result->scenario, result->count);
  append_number (line, "median_ms", median);
  append_number (line, "p99_ms", p99);
  append_number (line, "per_second", result->per_second);
  append_number (line, "server_cpu_us", result->server_cpu_us);
  if (result->connections >= 0)
    g_string_append_printf (line, ",\"connections\":%d", result->connections);
  if (result->answered >= 0)
    {
      g_string_append_printf (line, ",\"answered\":%d", result->answered);
      if (result->server_rss_kb >= 0)
        g_string_append_printf (line, ",\"server_rss_kb\":%" G_GINT64_FORMAT, result->server_rss_kb);
      else
        g_string_append (line, ",\"server_rss_kb\":null");
    }
  g_string_append_c (line, '}');
  g_print ("%s\n", line->str);
}

/* @value with @decimals digits, or "-" when it is not available (< 0). */
static char *
format_number (double value, int decimals)
{
  return value < 0 ? g_strdup ("-") : g_strdup_printf ("%.*f", decimals, value);
}

static void
print_result (Result *result, gboolean json)
{
  gdouble median, p99;

  g_array_sort (result->latencies_ms, compare_doubles);
  median = percentile (result->latencies_ms, 50);
  p99 = percentile (result->latencies_ms, 99);
  if (json)
    print_json_result (result, median, p99);
  else
    {
      g_autofree char *per_second = format_number (result->per_second, 1);
      g_autofree char *cpu = format_number (result->server_cpu_us, 0);
      g_autofree char *rss = format_number ((double) result->server_rss_kb, 0);
      g_autofree char *extra = NULL;

      if (result->answered >= 0)
        extra = g_strdup_printf (_("%d/%d answered, server RSS %s kB"), result->answered, result->connections, rss);
      else if (result->connections >= 0)
        extra = g_strdup_printf (ngettext ("%d connection", "%d connections", result->connections),
                                 result->connections);
      g_print ("%-12s %7d %10.3f %10.3f %10s %14s  %s\n", result->scenario, result->count, median, p99,
               per_second, cpu, extra != NULL ? extra : "");
    }
}

/* ---- entry point ---- */


static ScenarioFunc
lookup_scenario (const char *name)
{
  static const struct { const char *name; ScenarioFunc func; } table[] = {
    { "pair-setup", run_pair_setup },
    { "pair-verify", run_pair_verify },
    { "get", run_get },
    { "put", run_put },
    { "events", run_events },
    { "sessions", run_sessions },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (name, table[i].name))
      return table[i].func;
  return NULL;
}

/* Many sessions need many descriptors: the soft limit goes up to the hard one. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

static int
bench_usage (void)
{
  g_printerr (_("hapctl bench: usage: hapctl bench ADDRESS --setup-code CODE [--server-pid PID] "
              "[--scenario NAME]… [--count N] [--connections C] [--json]\n"
              "  HOST:PORT scenarios: pair-setup pair-verify get put events sessions (default: all)\n"
              "  ble:… scenarios: pair-verify pair-resume get put (default: all; one link)\n"));
  return HAPCTL_EXIT_USAGE;
}

/* The scenario @name for this run's transport, or NULL. */
static ScenarioFunc
find_scenario (Bench *bench, const char *name)
{
  return bench->ble_address != NULL ? hapctl_bench_ble_lookup (name) : lookup_scenario (name);
}

int
hapctl_bench (int argc, char **argv, gboolean json)
{
  g_autofree char *setup_code = NULL;
  g_auto(GStrv) scenarios = NULL;
  int server_pid = 0, count = 20, connections = 4;
  gboolean json_option = FALSE;
  GOptionEntry entries[] = {
    { "setup-code", 0, 0, G_OPTION_ARG_STRING, &setup_code, N_("The accessory's setup code"), "XXX-XX-XXX" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &server_pid, N_("Measure this process's CPU time and RSS"), "PID" },
    { "scenario", 0, 0, G_OPTION_ARG_STRING_ARRAY, &scenarios,
      N_("pair-setup, pair-verify, get, put, events or sessions; over BLE pair-verify, pair-resume, get or put "
      "(repeatable; default: all)"), "NAME" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, N_("Operations per scenario (default 20)"), "N" },
    { "connections", 0, 0, G_OPTION_ARG_INT, &connections,
      N_("Connections for get, put, events (subscribers) and sessions (default 4)"), "C" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json_option, N_("One JSON object per scenario and line"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ADDRESS - measure an accessory server"));
  g_autoptr(GError) error = NULL;
  Bench bench = { 0 };
  const char *const *defaults;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hapctl bench: %s\n", error->message);
      return bench_usage ();
    }
  if (argc != 2 || setup_code == NULL || count < 1 || connections < 1 || server_pid < 0)
    return bench_usage ();
  hapctl_parse_ble_address (argv[1], &bench.ble_address);
  for (guint i = 0; scenarios != NULL && scenarios[i] != NULL; i++)
    if (find_scenario (&bench, scenarios[i]) == NULL)
      {
        g_printerr (_("hapctl bench: unknown scenario “%s”\n"), scenarios[i]);
        return bench_usage ();
      }
  if (!hap_setup_code_validate (setup_code, &error))
    {
      g_printerr (_("hapctl bench: --setup-code: %s\n"), error->message);
      g_free (bench.ble_address);
      return HAPCTL_EXIT_USAGE;
    }
  if (bench.ble_address == NULL &&
      (g_str_has_prefix (argv[1], "ble:") || !hapctl_parse_address (argv[1], &bench.host, &bench.port)))
    {
      g_printerr (_("hapctl bench: “%s” is neither HOST:PORT nor ble:AA:BB:CC:DD:EE:FF\n"), argv[1]);
      return HAPCTL_EXIT_USAGE;
    }
  if (server_pid > 0 && hapctl_bench_server_cpu_time_us (server_pid) < 0)
    {
      g_printerr (_("hapctl bench: --server-pid %d: no such process (cannot read /proc/%d/stat)\n"),
                  server_pid, server_pid);
      g_free (bench.host);
      g_free (bench.ble_address);
      return HAPCTL_EXIT_USAGE;
    }
  json |= json_option;
  bench.setup_code = setup_code;
  bench.server_pid = server_pid;
  bench.count = count;
  bench.connections = connections;
  raise_fd_limit ();

  if (!json)
    g_print ("%-12s %7s %10s %10s %10s %14s  %s\n", _("scenario"), _("count"), _("median ms"), _("p99 ms"), _("per s"),
             _("server CPU us"), "");
  defaults = bench.ble_address != NULL ? (const char * const *) hapctl_bench_ble_scenarios : all_scenarios;
  for (guint i = 0; scenarios != NULL ? scenarios[i] != NULL : defaults[i] != NULL; i++)
    {
      const char *name = scenarios != NULL ? scenarios[i] : defaults[i];
      Result result;

      result_init (&result, name);
      if (!find_scenario (&bench, name) (&bench, &result, &error))
        {
          g_printerr ("hapctl bench: %s: %s\n", name, error->message);
          result_clear (&result);
          status = HAPCTL_EXIT_FAILURE;
          break;
        }
      print_result (&result, json);
      result_clear (&result);
    }

  /* Leave the accessory unpaired, as it was found. */
  if (bench.controller != NULL)
    {
      g_autoptr(GError) unpair_error = NULL;

      if (bench.ble_address != NULL ? !hapctl_bench_ble_finish (&bench, &unpair_error)
                                    : !unpair (&bench, bench.controller, &unpair_error))
        {
          g_printerr (_("hapctl bench: removing the benchmark pairing: %s\n"), unpair_error->message);
          status = HAPCTL_EXIT_FAILURE;
        }
      g_object_unref (bench.controller);
    }
  g_clear_object (&bench.ble_link);
  g_free (bench.host);
  g_free (bench.ble_address);
  return status;
}
