/* quirks-faults.c — fault injection: latency, slow handlers, hangs, drops, refused and
 * limited connections, restarts, event storms
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not from the catalog (catalog_row 0): the conditions every controller meets on a real
 * network. Timers live on the accessory's context (the thread-default context when the
 * quirk is enabled) and go with the disable hook.
 *
 * What the other side does about slowness, from the sources: HAP-NodeJS (the accessory
 * library under Homebridge) logs "was slow to respond" when a characteristic read or
 * write handler takes 3 s, and after 9 s in all (10 s in older releases) answers
 * -70408 (Operation Timed Out) — so 3 s and 9 s are what real bridges show; aiohomekit
 * (Home Assistant) waits 30 s for any response (asyncio.wait_for(…, 30) in
 * controller/ip/connection.py, seen in HA #33137 and #181138), then closes and
 * reconnects; hap-controller 0.10 (npm) has no response timeout at all, so a hung request
 * waits forever; this tree's HapController (hapctl) gives up after its connection
 * timeout, 10 s by default (5 s in the tests): 9000 ms still passes, 10000 ms does not.
 */
#include "hap-sim-quirk.h"

#include <math.h>
#include <string.h>

#include "hap-sim-accessory.h"

/* ---- fault-latency ------------------------------------------------------------------ */

static const HapSimQuirkParam latency_params[] = {
  { "delay-ms", HAP_SIM_PARAM_UINT, "Every request is answered this much later", "500", 0, 600000, NULL },
  { "jitter-ms", HAP_SIM_PARAM_UINT, "Plus a random 0…jitter-ms on each request", "0", 0, 600000, NULL },
  { NULL }
};

static HapHookVerdict
latency_request (HapSimQuirk    *quirk,
                 HapConnection  *conn,
                 HapHttpMessage *request,
                 guint          *delay_ms)
{
  guint delay = hap_sim_quirk_get_uint (quirk, "delay-ms");
  guint jitter = hap_sim_quirk_get_uint (quirk, "jitter-ms");

  if (jitter > 0)
    delay += (guint) g_random_int_range (0, (gint32) jitter + 1);
  if (delay == 0)
    return HAP_HOOK_CONTINUE;
  *delay_ms = delay;
  return HAP_HOOK_DELAY;
}

/* ---- fault-slow-handler ------------------------------------------------------------- */

/* 3000 ms reaches HAP-NodeJS's "slow to respond" warning, 9000 ms its timeout; an
 * accessory answering after 9 s is slower than any Homebridge accessory ever is. */
static const HapSimQuirkParam slow_params[] = {
  { "delay-ms", HAP_SIM_PARAM_UINT, "Characteristic reads and writes are answered this much later",
    "3000", 0, 600000, NULL },
  { "reads", HAP_SIM_PARAM_BOOL, "Delay GET /characteristics", "true", 0, 0, NULL },
  { "writes", HAP_SIM_PARAM_BOOL, "Delay PUT /characteristics", "true", 0, 0, NULL },
  { NULL }
};

static HapHookVerdict
slow_request (HapSimQuirk    *quirk,
              HapConnection  *conn,
              HapHttpMessage *request,
              guint          *delay_ms)
{
  gboolean read = hap_sim_request_is (request, "GET", "/characteristics");
  gboolean write = hap_sim_request_is (request, "PUT", "/characteristics");

  if ((read && hap_sim_quirk_get_bool (quirk, "reads")) ||
      (write && hap_sim_quirk_get_bool (quirk, "writes")))
    {
      *delay_ms = hap_sim_quirk_get_uint (quirk, "delay-ms");
      return *delay_ms > 0 ? HAP_HOOK_DELAY : HAP_HOOK_CONTINUE;
    }
  return HAP_HOOK_CONTINUE;
}

/* ---- fault-hang --------------------------------------------------------------------- */

static const HapSimQuirkParam hang_params[] = {
  { "path", HAP_SIM_PARAM_STRING, "Requests on this path are never answered (empty: every request)", "", 0, 0, NULL },
  { "method", HAP_SIM_PARAM_STRING, "Only requests of this method (empty: any)", "", 0, 0, NULL },
  { NULL }
};

static HapHookVerdict
hang_request (HapSimQuirk    *quirk,
              HapConnection  *conn,
              HapHttpMessage *request,
              guint          *delay_ms)
{
  const char *path = hap_sim_quirk_get_string (quirk, "path");
  const char *method = hap_sim_quirk_get_string (quirk, "method");

  if (method[0] != '\0' && !g_str_equal (request->method, method))
    return HAP_HOOK_CONTINUE;
  if (path[0] != '\0' && !hap_sim_request_is (request, NULL, path))
    return HAP_HOOK_CONTINUE;
  return HAP_HOOK_HANG;
}

/* ---- fault-drop-after --------------------------------------------------------------- */

static const HapSimQuirkParam drop_params[] = {
  { "requests", HAP_SIM_PARAM_UINT, "The Nth request of a verified session drops the connection",
    "3", 1, 1000000, NULL },
  { "answer", HAP_SIM_PARAM_BOOL, "Answer that request before closing (else close without answering)",
    "false", 0, 0, NULL },
  { NULL }
};

/* Per connection: the requests counted so far, and a close waiting for the answer. */
typedef struct
{
  HapConnection *conn;
  guint          count;
  gboolean       closing;   /* the Nth request is being answered */
  GSource       *idle;
} DropState;

static void
drop_state_free (gpointer data)
{
  DropState *ds = data;

  hap_sim_quirk_clear_source (&ds->idle);
  hap_connection_unref (ds->conn);
  g_free (ds);
}

static gboolean
drop_idle (gpointer data)
{
  DropState *ds = data;
  g_autoptr(HapConnection) conn = hap_connection_ref (ds->conn);

  /* Closing frees @ds. */
  g_clear_pointer (&ds->idle, g_source_unref);
  hap_connection_close (conn);
  return G_SOURCE_REMOVE;
}

static HapHookVerdict
drop_request (HapSimQuirk    *quirk,
              HapConnection  *conn,
              HapHttpMessage *request,
              guint          *delay_ms)
{
  DropState *ds;

  if (!hap_connection_is_secured (conn))
    return HAP_HOOK_CONTINUE;
  ds = hap_sim_quirk_get_conn_data (quirk, conn);
  if (ds == NULL)
    {
      ds = g_new0 (DropState, 1);
      ds->conn = hap_connection_ref (conn);
      hap_sim_quirk_set_conn_data (quirk, conn, ds, drop_state_free);
    }
  if (ds->closing)
    return HAP_HOOK_CLOSE;   /* pipelined behind the last answered one */
  if (++ds->count < hap_sim_quirk_get_uint (quirk, "requests"))
    return HAP_HOOK_CONTINUE;
  if (!hap_sim_quirk_get_bool (quirk, "answer"))
    return HAP_HOOK_CLOSE;
  ds->closing = TRUE;
  return HAP_HOOK_CONTINUE;
}

static void
drop_message (HapSimQuirk    *quirk,
              HapConnection  *conn,
              HapMessageKind  kind,
              HapHttpMessage *request,
              GByteArray     *message)
{
  DropState *ds = hap_sim_quirk_get_conn_data (quirk, conn);

  if (ds == NULL || !ds->closing || kind != HAP_MESSAGE_RESPONSE || ds->idle != NULL)
    return;
  /* The answer is written right after this hook; close once it is out. */
  ds->idle = hap_sim_quirk_add_timeout (0, drop_idle, ds);
}

/* ---- fault-refuse-connections ------------------------------------------------------- */

static gboolean
refuse_accept (HapSimQuirk   *quirk,
               HapConnection *conn)
{
  return FALSE;
}

/* ---- fault-max-connections ---------------------------------------------------------- */

/* HAP requires at least 8 simultaneous connections (docs/protocol.md §4.1);
 * small devices manage fewer and close the extra ones at once. */
static const HapSimQuirkParam max_conn_params[] = {
  { "limit", HAP_SIM_PARAM_UINT, "Connections open at once; further ones are closed at accept",
    "1", 0, 1000, NULL },
  { NULL }
};

static gboolean
max_conn_accept (HapSimQuirk   *quirk,
                 HapConnection *conn)
{
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);
  g_autoptr(GPtrArray) open = NULL;
  guint others = 0;

  if (server == NULL)
    return TRUE;
  open = hap_accessory_server_dup_connections (server);
  for (guint i = 0; i < open->len; i++)
    {
      HapConnection *other = g_ptr_array_index (open, i);

      if (other != conn && hap_connection_get_server (other) != NULL)
        others++;
    }
  return others < hap_sim_quirk_get_uint (quirk, "limit");
}

/* ---- fault-restart ------------------------------------------------------------------ */

static const HapSimQuirkParam restart_params[] = {
  { "after-ms", HAP_SIM_PARAM_UINT, "The accessory restarts this long after the quirk is enabled", "5000", 1, 86400000, NULL },
  { "repeat", HAP_SIM_PARAM_BOOL, "Restart again every after-ms", "false", 0, 0, NULL },
  { "new-port", HAP_SIM_PARAM_BOOL, "Come back on a new port (a new listener), as a rebooted device with an ephemeral port",
    "true", 0, 0, NULL },
  { NULL }
};

typedef struct
{
  GSource *timer;
} RestartState;

static gboolean
restart_timeout (gpointer data)
{
  HapSimQuirk *quirk = data;
  RestartState *state = quirk->state;
  gboolean repeat = hap_sim_quirk_get_bool (quirk, "repeat");
  gboolean new_port = hap_sim_quirk_get_bool (quirk, "new-port");
  HapSimAccessory *accessory = quirk->accessory;
  g_autoptr(GError) error = NULL;

  if (!repeat)
    g_clear_pointer (&state->timer, g_source_unref);   /* removed by returning below */
  if (hap_sim_accessory_get_server (accessory) == NULL)
    return repeat ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;   /* stopped: nothing to restart */

  /* From a timer of our own, never from a hook: restarting closes every connection
   * and replaces the server the hooks were called from. Nothing of @quirk is used
   * after this call (the accessory may re-enable its quirks). */
  if (!hap_sim_accessory_restart (accessory, new_port, &error))
    g_warning ("fault-restart: %s", error->message);
  return repeat ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
restart_disable (HapSimQuirk *quirk)
{
  RestartState *state = quirk->state;

  if (state == NULL)
    return;
  hap_sim_quirk_clear_source (&state->timer);
  g_clear_pointer (&quirk->state, g_free);
}

static void
restart_enable (HapSimQuirk *quirk)
{
  RestartState *state;

  restart_disable (quirk);   /* a parameter change starts the count again */
  state = g_new0 (RestartState, 1);
  quirk->state = state;
  state->timer = hap_sim_quirk_add_timeout (hap_sim_quirk_get_uint (quirk, "after-ms"), restart_timeout, quirk);
}

/* ---- fault-event-storm -------------------------------------------------------------- */

static const HapSimQuirkParam storm_params[] = {
  { "characteristic", HAP_SIM_PARAM_STRING,
    "\"aid.iid\" or \"[Accessory/]Service/Characteristic\"; empty: the first evented bool or number",
    "", 0, 0, NULL },
  { "rate-hz", HAP_SIM_PARAM_UINT, "Value changes per second", "20", 1, 1000, NULL },
  { "duration-ms", HAP_SIM_PARAM_UINT, "How long the storm lasts (0: until disabled)", "0", 0, 86400000, NULL },
  { NULL }
};

typedef struct
{
  GSource *timer;
  gint64   end_usec;   /* 0: never */
  guint64  tick;
} StormState;

static gboolean
storm_candidate (HapCharacteristic *characteristic)
{
  HapFormat format = hap_characteristic_get_format (characteristic);

  return (hap_characteristic_get_perms (characteristic) & HAP_PERM_EVENTS) &&
         !hap_characteristic_is_event_only (characteristic) &&
         format != HAP_FORMAT_STRING && format != HAP_FORMAT_TLV8 && format != HAP_FORMAT_DATA;
}

static HapCharacteristic *
storm_find (HapSimQuirk *quirk)
{
  const char *spec = hap_sim_quirk_get_string (quirk, "characteristic");
  HapAccessory *accessory;
  g_autoptr(GPtrArray) all = NULL;

  if (spec[0] != '\0')
    return hap_sim_accessory_find (quirk->accessory, spec, NULL);

  accessory = hap_sim_accessory_get_accessory (quirk->accessory);
  all = g_ptr_array_new ();
  g_ptr_array_add (all, accessory);
  if (hap_accessory_get_bridged_accessories (accessory) != NULL)
    {
      GPtrArray *bridged = hap_accessory_get_bridged_accessories (accessory);
      for (guint i = 0; i < bridged->len; i++)
        g_ptr_array_add (all, g_ptr_array_index (bridged, i));
    }
  for (guint a = 0; a < all->len; a++)
    {
      GPtrArray *services = hap_accessory_get_services (g_ptr_array_index (all, a));

      for (guint s = 0; services != NULL && s < services->len; s++)
        {
          GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (services, s));

          for (guint c = 0; characteristics != NULL && c < characteristics->len; c++)
            if (storm_candidate (g_ptr_array_index (characteristics, c)))
              return g_ptr_array_index (characteristics, c);
        }
    }
  return NULL;
}

/* The @tick-th value of a ramp up and down the characteristic's range, on its step
 * grid: every tick differs from the one before. */
static GVariant *
storm_value (HapCharacteristic *characteristic,
             guint64            tick)
{
  HapFormat format = hap_characteristic_get_format (characteristic);
  double min = hap_characteristic_get_min_value (characteristic);
  double max = hap_characteristic_get_max_value (characteristic);
  double step = hap_characteristic_get_min_step (characteristic);
  guint64 n_steps, position;

  if (format == HAP_FORMAT_BOOL)
    return g_variant_new_boolean (tick % 2 == 0);

  if (isnan (min))
    min = 0;
  if (isnan (max) || max <= min)
    max = min + 100;
  if (isnan (step) || step <= 0)
    step = format == HAP_FORMAT_FLOAT ? (max - min) / 100 : 1;
  n_steps = (guint64) floor ((max - min) / step);
  if (n_steps == 0)
    return g_variant_new_double (min);
  /* 0, 1, …, n, n-1, …, 1, 0, 1, … */
  position = (tick + 1) % (2 * n_steps);
  if (position > n_steps)
    position = 2 * n_steps - position;
  return g_variant_new_double (min + (double) position * step);
}

static gboolean
storm_tick (gpointer data)
{
  HapSimQuirk *quirk = data;
  StormState *state = quirk->state;
  HapCharacteristic *characteristic;

  if (state->end_usec != 0 && g_get_monotonic_time () >= state->end_usec)
    {
      g_clear_pointer (&state->timer, g_source_unref);   /* removed by returning below */
      return G_SOURCE_REMOVE;
    }
  characteristic = storm_find (quirk);
  if (characteristic != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* A value the validator refuses (a gap in valid-values) is skipped: the next
       * tick tries the next one. */
      if (!hap_sim_accessory_set_value (quirk->accessory, characteristic,
                                        storm_value (characteristic, state->tick), &error))
        g_debug ("fault-event-storm: %s", error->message);
    }
  state->tick++;
  return G_SOURCE_CONTINUE;
}

static void
storm_disable (HapSimQuirk *quirk)
{
  StormState *state = quirk->state;

  if (state == NULL)
    return;
  hap_sim_quirk_clear_source (&state->timer);
  g_clear_pointer (&quirk->state, g_free);
}

static void
storm_enable (HapSimQuirk *quirk)
{
  StormState *state;
  guint duration = hap_sim_quirk_get_uint (quirk, "duration-ms");
  guint rate = MAX (hap_sim_quirk_get_uint (quirk, "rate-hz"), 1);

  storm_disable (quirk);
  state = g_new0 (StormState, 1);
  quirk->state = state;
  if (duration > 0)
    state->end_usec = g_get_monotonic_time () + (gint64) duration * 1000;
  state->timer = hap_sim_quirk_add_timeout (MAX (1000 / rate, 1), storm_tick, quirk);
}

/* ---- the table ---------------------------------------------------------------------- */

static const HapSimQuirkInfo fault_quirks[] = {
  {
    .name = "fault-latency",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "Every request answered late by a fixed delay plus jitter (slow Wi-Fi or busy device)",
    .catalog_row = 0,
    .params = latency_params,
    .request = latency_request,
  },
  {
    .name = "fault-slow-handler",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "Characteristic reads and writes answered late (3 s: HAP-NodeJS slow warning, 9 s: its timeout)",
    .catalog_row = 0,
    .params = slow_params,
    .request = slow_request,
  },
  {
    .name = "fault-hang",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "Requests matching a path are never answered; the connection stays busy",
    .catalog_row = 0,
    .params = hang_params,
    .request = hang_request,
  },
  {
    .name = "fault-drop-after",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "Verified sessions are dropped at their Nth request, answered or not",
    .catalog_row = 0,
    .params = drop_params,
    .request = drop_request,
    .message = drop_message,
  },
  {
    .name = "fault-refuse-connections",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "Every new connection is closed at once, before anything is read",
    .catalog_row = 0,
    .accept = refuse_accept,
  },
  {
    .name = "fault-max-connections",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "At most N connections at once; further ones are closed at accept",
    .catalog_row = 0,
    .params = max_conn_params,
    .accept = max_conn_accept,
  },
  {
    .name = "fault-restart",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "The accessory restarts after a while, by default on a new port",
    .catalog_row = 0,
    .params = restart_params,
    .enable = restart_enable,
    .disable = restart_disable,
  },
  {
    .name = "fault-event-storm",
    .layer = HAP_SIM_LAYER_FAULT,
    .description = "A characteristic changes many times a second, each change sent as an event",
    .catalog_row = 0,
    .params = storm_params,
    .enable = storm_enable,
    .disable = storm_disable,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_faults (guint *n)
{
  *n = G_N_ELEMENTS (fault_quirks);
  return fault_quirks;
}
