/* trace-overhead.c — what the simulator's traffic trace costs a GET /characteristics
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   trace-overhead [--requests N] [--rounds R] [--json]
 *
 * Serves accessories/lightbulb.json four ways in this process, each on its own thread
 * and main context, and times encrypted GET /characteristics?id=1.<On> round trips from
 * one verified connection per server (sequential, client on the main thread):
 *
 *   plain     HapAccessoryServer without hooks (what an SDK user gets)
 *   trace     the same with hooks that record every session event, request and message
 *             into a HapSimTrace of the default size — nobody reads it
 *   listened  the same with a trace listener set, so every entry is formatted as a JSON
 *             line when recorded (somebody reads it live)
 *   simulator a HapSimAccessory, as hap-simulator serves a file (trace + quirk dispatch,
 *             no quirk on)
 *   hooks     HapAccessoryServer with hooks that do nothing: the hook points alone
 *
 * The servers take turns: each round runs N requests against each of them in turn, so
 * that drifting machine load hits all of them alike. Printed per server: the median of
 * the per-round median latencies, the median of the per-round means (round time over
 * N), the p99 over all requests, the best round's median, and both medians' ratios to
 * "plain". Build with --buildtype=release for meaningful numbers.
 */
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include <libhap-glib/hap-inspection.h>
#include "hap-sim-trace.h"
#include "sim-fixture.h"

typedef struct
{
  const char      *name;
  HapTestServer   *server;     /* plain, trace, listened */
  SimFixture      *fixture;    /* simulator */
  HapSimTrace     *trace;
  char            *state_dir;
  HapTestClient   *client;
  char            *target;
  GArray          *samples;    /* double, µs, all rounds */
  GArray          *medians;    /* double, µs, one per round */
  GArray          *means;      /* double, µs, one per round (round time / requests) */
} Server;

/* ---- hooks that only trace --------------------------------------------------------- */

static gboolean
trace_accept (HapAccessoryServer *server, HapConnection *conn, gpointer user_data)
{
  hap_sim_trace_record_session (user_data, conn, "connected");
  return TRUE;
}

static void
trace_secured (HapAccessoryServer *server, HapConnection *conn, gpointer user_data)
{
  hap_sim_trace_record_session (user_data, conn, "secured");
}

static void
trace_closed (HapAccessoryServer *server, HapConnection *conn, gpointer user_data)
{
  hap_sim_trace_record_session (user_data, conn, "closed");
}

static HapHookVerdict
trace_request (HapAccessoryServer *server, HapConnection *conn, HapHttpMessage *request,
               guint *delay_ms, gpointer user_data)
{
  hap_sim_trace_record_request (user_data, conn, request);
  return HAP_HOOK_CONTINUE;
}

static void
trace_message (HapAccessoryServer *server, HapConnection *conn, HapMessageKind kind,
               HapHttpMessage *request, GByteArray *message, gpointer user_data)
{
  hap_sim_trace_record_message (user_data, conn, kind, request, message->data, message->len);
}

static const HapServerHooks trace_hooks = {
  .accept = trace_accept,
  .secured = trace_secured,
  .closed = trace_closed,
  .request = trace_request,
  .message = trace_message,
};

/* The same hook points doing nothing: what the server's hook machinery costs alone. */
static gboolean
noop_accept (HapAccessoryServer *server, HapConnection *conn, gpointer user_data)
{
  return TRUE;
}

static HapHookVerdict
noop_request (HapAccessoryServer *server, HapConnection *conn, HapHttpMessage *request,
              guint *delay_ms, gpointer user_data)
{
  return HAP_HOOK_CONTINUE;
}

static void
noop_message (HapAccessoryServer *server, HapConnection *conn, HapMessageKind kind,
              HapHttpMessage *request, GByteArray *message, gpointer user_data)
{
}

static const HapServerHooks noop_hooks = {
  .accept = noop_accept,
  .request = noop_request,
  .message = noop_message,
};

static char noop_marker;

static void
install_hooks (HapAccessoryServer *server, gpointer user_data)
{
  if (user_data == &noop_marker)
    hap_accessory_server_set_hooks (server, &noop_hooks, NULL);
  else
    hap_accessory_server_set_hooks (server, user_data != NULL ? &trace_hooks : NULL, user_data);
}

static void
count_line (HapSimTraceEntry *entry, guint64 first_seq, gpointer user_data)
{
  g_autofree char *line = NULL;

  /* A reader that looks at every line, as a control API follower does. */
  if (entry == NULL)
    return;
  line = hap_sim_trace_entry_to_json (entry);
  *(gsize *) user_data += strlen (line);
}

/* ---- timing ------------------------------------------------------------------------ */

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* Nearest rank. */
static double
percentile (GArray *values, double p)
{
  g_autoptr(GArray) sorted = g_array_copy (values);
  guint rank;

  g_array_sort (sorted, compare_double);
  rank = (guint) MAX (1.0, ((p / 100.0) * sorted->len) + 0.999999);
  return g_array_index (sorted, double, MIN (rank, sorted->len) - 1);
}

/* µs, with the nanoseconds g_get_monotonic_time() drops. */
static double
now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static void
run_round (Server *s, guint n)
{
  g_autoptr(GArray) round = g_array_sized_new (FALSE, FALSE, sizeof (double), n);
  double median, round_start = now_us (), mean;

  for (guint i = 0; i < n; i++)
    {
      double start = now_us ();
      g_autoptr(HapHttpMessage) response = hap_test_client_request (s->client, "GET", s->target,
                                                                    NULL, NULL, 0);
      double us = now_us () - start;

      if (response == NULL || response->status != 200)
        g_error ("%s: GET %s failed", s->name, s->target);
      g_array_append_val (round, us);
    }
  mean = (now_us () - round_start) / n;
  g_array_append_vals (s->samples, round->data, round->len);
  median = percentile (round, 50);
  g_array_append_val (s->medians, median);
  g_array_append_val (s->means, mean);
}

static void
connect_client (Server *s)
{
  guint64 iid;

  if (s->fixture != NULL)
    s->client = sim_fixture_connect_paired (s->fixture);
  else
    {
      s->client = hap_test_client_new ("trace-overhead-bench");
      hap_test_client_connect (s->client, hap_test_server_get_port (s->server));
      if (hap_test_client_pair_setup (s->client, HAP_TEST_SETUP_CODE, 0) != 0)
        g_error ("%s: pair setup failed", s->name);
      hap_test_client_disconnect (s->client);
      hap_test_client_connect (s->client, hap_test_server_get_port (s->server));
      if (hap_test_client_pair_verify (s->client) != 0)
        g_error ("%s: pair verify failed", s->name);
    }
  iid = hap_test_client_find_iid (s->client, 1, "25");
  s->target = g_strdup_printf ("/characteristics?id=1.%" G_GUINT64_FORMAT, iid);
}

/* The recording alone, without sockets: one GET request and its response, as the
 * server hands them to the hooks, recorded @n times into a full ring. ns per pair. */
static double
micro_record (guint n)
{
  static const char request_text[] = "GET /characteristics?id=1.9 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  static const char response_text[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/hap+json\r\nContent-Length: 52\r\n\r\n"
    "{\"characteristics\":[{\"aid\":1,\"iid\":9,\"value\":true}]}";
  g_autoptr(HapSimTrace) trace = hap_sim_trace_new (HAP_SIM_TRACE_DEFAULT_ENTRIES,
                                                    HAP_SIM_TRACE_DEFAULT_BYTES);
  g_autoptr(HapHttpParser) parser = hap_http_parser_new (HAP_HTTP_PARSE_REQUESTS);
  g_autoptr(HapHttpMessage) request = NULL;
  double start;

  hap_http_parser_push (parser, (const guint8 *) request_text, sizeof request_text - 1);
  request = hap_http_parser_next (parser, NULL);
  g_assert_nonnull (request);

  for (guint i = 0; i < HAP_SIM_TRACE_DEFAULT_ENTRIES; i++)
    hap_sim_trace_record_request (trace, NULL, request);
  start = now_us ();
  for (guint i = 0; i < n; i++)
    {
      hap_sim_trace_record_request (trace, NULL, request);
      hap_sim_trace_record_message (trace, NULL, HAP_MESSAGE_RESPONSE, request,
                                    (const guint8 *) response_text, sizeof response_text - 1);
    }
  return (now_us () - start) * 1000.0 / n;
}

int
main (int argc, char *argv[])
{
  int n_requests = 2000, n_rounds = 9;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "requests", 'n', 0, G_OPTION_ARG_INT, &n_requests, "Requests per server and round (2000)", "N" },
    { "rounds", 'r', 0, G_OPTION_ARG_INT, &n_rounds, "Rounds (9)", "R" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per server", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("— cost of the simulator's trace");
  g_autoptr(GError) error = NULL;
  g_autofree char *lamp = NULL;
  Server servers[] = {
    { .name = "plain" }, { .name = "trace" }, { .name = "listened" }, { .name = "simulator" },
    { .name = "hooks" },
  };
  gsize listened_bytes = 0;
  const char *dir = g_getenv ("HAP_ACCESSORIES_DIR");

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (dir == NULL)
    g_setenv ("HAP_ACCESSORIES_DIR", dir = HAP_ACCESSORIES_DIR_DEFAULT, TRUE);
  lamp = g_build_filename (dir, "lightbulb.json", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      Server *s = &servers[i];

      s->samples = g_array_new (FALSE, FALSE, sizeof (double));
      s->medians = g_array_new (FALSE, FALSE, sizeof (double));
      s->means = g_array_new (FALSE, FALSE, sizeof (double));
      if (i == 3)
        {
          s->fixture = sim_fixture_start (lamp, NULL);
          continue;
        }
      s->state_dir = g_dir_make_tmp ("trace-overhead-XXXXXX", &error);
      g_assert_no_error (error);
      s->server = hap_test_server_start (lamp, NULL, s->state_dir);
      if (i == 4)
        hap_test_server_invoke (s->server, install_hooks, &noop_marker);
      else if (i > 0)
        {
          s->trace = hap_sim_trace_new (HAP_SIM_TRACE_DEFAULT_ENTRIES, HAP_SIM_TRACE_DEFAULT_BYTES);
          if (i == 2)
            hap_sim_trace_add_listener (s->trace, count_line, &listened_bytes);
          hap_test_server_invoke (s->server, install_hooks, s->trace);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    connect_client (&servers[i]);

  /* Warm-up: caches, allocator, and a full trace ring (steady state: every new entry
   * drops one). */
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    run_round (&servers[i], 2500);
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_array_set_size (servers[i].samples, 0);
      g_array_set_size (servers[i].medians, 0);
      g_array_set_size (servers[i].means, 0);
    }

  for (int r = 0; r < n_rounds; r++)
    for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
      run_round (&servers[(i + r) % G_N_ELEMENTS (servers)], n_requests);

  if (!json)
    g_print ("%-10s %10s %10s %10s %10s %9s %9s\n", "server", "median us", "mean us", "p99 us",
             "best rnd", "median/", "mean/");
  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      Server *s = &servers[i];
      double median = percentile (s->medians, 50), mean = percentile (s->means, 50);
      double base_median = percentile (servers[0].medians, 50);
      double base_mean = percentile (servers[0].means, 50);

      if (json)
        g_print ("{\"server\":\"%s\",\"requests\":%u,\"median_us\":%.2f,\"mean_us\":%.2f,"
                 "\"p99_us\":%.2f,\"best_round_median_us\":%.2f,\"median_ratio\":%.4f,"
                 "\"mean_ratio\":%.4f}\n", s->name, s->samples->len, median, mean,
                 percentile (s->samples, 99), percentile (s->medians, 0), median / base_median,
                 mean / base_mean);
      else
        g_print ("%-10s %10.2f %10.2f %10.2f %10.2f %8.3fx %8.3fx\n", s->name, median, mean,
                 percentile (s->samples, 99), percentile (s->medians, 0), median / base_median,
                 mean / base_mean);
    }
  if (!json)
    g_print ("recording alone (no sockets): %.0f ns per GET request + response\n",
             micro_record (1000000));
  if (servers[1].trace != NULL && !json)
    g_print ("(trace: %u entries kept, last seq %" G_GUINT64_FORMAT "; listener saw %" G_GSIZE_FORMAT
             " bytes of JSON lines)\n", hap_sim_trace_get_n_entries (servers[1].trace),
             hap_sim_trace_get_last_seq (servers[1].trace), listened_bytes);

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      Server *s = &servers[i];

      g_clear_pointer (&s->client, hap_test_client_free);
      if (s->server != NULL)
        {
          hap_test_server_invoke (s->server, install_hooks, NULL);
          hap_test_server_stop (s->server);
        }
      if (s->fixture != NULL)
        sim_fixture_stop (s->fixture);
      g_clear_pointer (&s->trace, hap_sim_trace_free);
      if (s->state_dir != NULL)
        hap_test_remove_tree (s->state_dir);
      g_free (s->state_dir);
      g_free (s->target);
      g_array_unref (s->samples);
      g_array_unref (s->medians);
      g_array_unref (s->means);
    }
  return 0;
}
