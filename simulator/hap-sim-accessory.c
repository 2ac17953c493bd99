/* hap-sim-accessory.c — one virtual accessory of the simulator
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-accessory.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <glib/gi18n.h>

#include <libhap-glib/hap.h>
#include "hap-sim-behaviour.h"
#include "hap-sim-error.h"
#include "hap-sim-inspect.h"

#define IDENTIFY_LOG_MAX 100

/* The origin of values set through the control API (hap_sim_accessory_set_value). */
static const char api_origin[] = "api";

struct _HapSimAccessory
{
  GObject             parent_instance;

  char               *id;
  char               *file;
  char               *state_dir;
  HapAdvertiser      *advertiser;
  HapAccessory       *accessory;
  HapAccessoryServer *server;         /* NULL while stopped */
  char               *advertised_name;
  HapSimState         state;

  guint16             port;           /* requested; kept once bound for power cycles */
  char               *bind_address;
  char               *setup_code;
  gint                event_window;   /* -1: the server's default */
  HapConnectionLimit *connection_limit;   /* the engine's, shared; or NULL */
  HapSimConnectionSettings connection_settings;   /* the engine's (command line) */
  HapSimConnectionSettings file_connections;      /* "simulator" → "connections" */
  char               *ble_adapter;    /* NULL: BlueZ's first usable adapter */
  char               *file_adapter;   /* the file's "simulator"."ble-adapter": wins over defaults */
  GHashTable         *ble_claims;     /* adapter ("" = default) → the accessory on it */
  GBytes             *last_advertisement;   /* as last traced */

  GPtrArray          *quirks;         /* HapSimQuirk, in the order enabled */
  GPtrArray          *behaviours;     /* HapSimBehaviour */
  HapSimTrace        *trace;
  GQueue              identify_log;   /* GVariant a{sv} */
  GSource            *power_timer;
  HapSimTraceModel   *trace_model;    /* made when first asked for */
  GListStore         *pairings;       /* HapSimPairing */
  GListStore         *sessions;       /* HapSimSession */
  GSource            *models_idle;    /* an update of both queued */
};

enum {
  STATE_CHANGED,
  VALUE_CHANGED,
  PAIRING_ADDED,
  PAIRING_REMOVED,
  SESSION_OPENED,
  SESSION_CLOSED,
  IDENTIFIED,
  ADVERTISED,
  BLE_ADVERTISED,
  BLE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void queue_models_update (HapSimAccessory *self);

G_DEFINE_FINAL_TYPE (HapSimAccessory, hap_sim_accessory, G_TYPE_OBJECT)

G_DEFINE_QUARK (hap-sim-error-quark, hap_sim_error)

const char *
hap_sim_state_to_string (HapSimState state)
{
  switch (state)
    {
    case HAP_SIM_STATE_STOPPED:    return "stopped";
    case HAP_SIM_STATE_RUNNING:    return "running";
    case HAP_SIM_STATE_ADVERTISED: return "advertised";
    default:                       g_return_val_if_reached (NULL);
    }
}

static void
set_state (HapSimAccessory *self, HapSimState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[STATE_CHANGED], 0);
}

/* ---- server hooks: the trace first, then each quirk in the order enabled ------------- */

static gboolean
hook_accept (HapAccessoryServer *server, HapConnection *conn, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_trace_record_session (self->trace, conn, "connected");
  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->accept != NULL && !quirk->info->accept (quirk, conn))
        return FALSE;
    }
  return TRUE;
}

static void
hook_secured (HapAccessoryServer *server, HapConnection *conn, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_trace_record_session (self->trace, conn, "secured");
  if (hap_connection_get_controller_id (conn) != NULL)
    g_signal_emit (self, signals[SESSION_OPENED], 0, conn);
}

static void
hook_closed (HapAccessoryServer *server, HapConnection *conn, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->closed != NULL)
        quirk->info->closed (quirk, conn);
      hap_sim_quirk_forget_conn (quirk, conn);
    }
  hap_sim_trace_record_session (self->trace, conn, "closed");
  if (hap_connection_get_controller_id (conn) != NULL)
    g_signal_emit (self, signals[SESSION_CLOSED], 0, conn);
}

static HapHookVerdict
hook_request (HapAccessoryServer *server,
              HapConnection      *conn,
              HapHttpMessage     *request,
              guint              *delay_ms,
              gpointer            user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_trace_record_request (self->trace, conn, request);
  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      HapHookVerdict verdict;

      if (quirk->info->request == NULL)
        continue;
      verdict = quirk->info->request (quirk, conn, request, delay_ms);
      if (verdict != HAP_HOOK_CONTINUE)
        return verdict;
    }
  return HAP_HOOK_CONTINUE;
}

static void
hook_response (HapAccessoryServer *server,
               HapConnection      *conn,
               HapHttpMessage     *request,
               guint              *status,
               const char        **content_type,
               GByteArray         *body,
               gpointer            user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->response != NULL)
        quirk->info->response (quirk, conn, request, status, content_type, body);
    }
}

static void
hook_message (HapAccessoryServer *server,
              HapConnection      *conn,
              HapMessageKind      kind,
              HapHttpMessage     *request,
              GByteArray         *message,
              gpointer            user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len && message->len > 0; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->message != NULL)
        quirk->info->message (quirk, conn, kind, request, message);
    }
  /* The trace shows what went on the wire, after the quirks. */
  if (message->len > 0)
    hap_sim_trace_record_message (self->trace, conn, kind, request, message->data, message->len);
}

static void
hook_txt (HapAccessoryServer *server, GPtrArray *items, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->txt != NULL)
        quirk->info->txt (quirk, items);
    }
}

static const HapServerHooks server_hooks = {
  .accept = hook_accept,
  .secured = hook_secured,
  .closed = hook_closed,
  .request = hook_request,
  .response = hook_response,
  .message = hook_message,
  .txt = hook_txt,
};

/* ---- BLE hooks: the same order; the trace shows responses after the quirks ----------- */

static void
ble_hook_connected (HapAccessoryServer *server, HapBleConnection *connection, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_trace_record_ble_link (self->trace, connection, "connected");
  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->ble_connected != NULL)
        quirk->info->ble_connected (quirk, connection);
    }
  g_signal_emit (self, signals[BLE_CHANGED], 0);
}

static void
ble_hook_secured (HapAccessoryServer *server, HapBleConnection *connection, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_trace_record_ble_link (self->trace, connection, "secured");
  g_signal_emit (self, signals[BLE_CHANGED], 0);
}

static void
ble_hook_disconnected (HapAccessoryServer *server, HapBleConnection *connection, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->ble_disconnected != NULL)
        quirk->info->ble_disconnected (quirk, connection);
      hap_sim_quirk_forget_conn (quirk, connection);
    }
  hap_sim_trace_record_ble_link (self->trace, connection, "closed");
  g_signal_emit (self, signals[BLE_CHANGED], 0);
}

static HapHookVerdict
ble_hook_request (HapAccessoryServer      *server,
                  HapBleConnection        *connection,
                  const HapBleRequestInfo *request,
                  guint                   *delay_ms,
                  gpointer                 user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_trace_record_ble_request (self->trace, connection, request);
  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      HapHookVerdict verdict;

      if (quirk->info->ble_request == NULL)
        continue;
      verdict = quirk->info->ble_request (quirk, connection, request, delay_ms);
      if (verdict != HAP_HOOK_CONTINUE)
        return verdict;
    }
  return HAP_HOOK_CONTINUE;
}

static void
ble_hook_response (HapAccessoryServer      *server,
                   HapBleConnection        *connection,
                   const HapBleRequestInfo *request,
                   HapBleResponseInfo      *response,
                   gpointer                 user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->ble_response != NULL)
        quirk->info->ble_response (quirk, connection, request, response);
    }
  hap_sim_trace_record_ble_response (self->trace, connection, request, response);
}

static void
ble_hook_indication (HapAccessoryServer *server,
                     HapBleConnection   *connection,
                     HapCharacteristic  *characteristic,
                     gpointer            user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_trace_record_ble_indication (self->trace, connection, characteristic);
}

static void
ble_hook_advertisement (HapAccessoryServer            *server,
                        const HapBleAdvertisementInfo *info,
                        GByteArray                    *payload,
                        gpointer                       user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->ble_advertisement != NULL)
        quirk->info->ble_advertisement (quirk, info, payload);
    }
  /* The transport publishes again whenever something might have changed (a central
   * left, say); the trace shows changes. */
  if (self->last_advertisement != NULL &&
      g_bytes_get_size (self->last_advertisement) == payload->len &&
      memcmp (g_bytes_get_data (self->last_advertisement, NULL), payload->data, payload->len) == 0)
    return;
  g_clear_pointer (&self->last_advertisement, g_bytes_unref);
  self->last_advertisement = g_bytes_new (payload->data, payload->len);
  hap_sim_trace_record_ble_advertisement (self->trace, info, payload->data, payload->len);
  g_signal_emit (self, signals[BLE_CHANGED], 0);
}

static gboolean
ble_hook_gatt_include (HapAccessoryServer *server,
                       HapService         *service,
                       HapCharacteristic  *characteristic,
                       gpointer            user_data)
{
  HapSimAccessory *self = user_data;

  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->ble_gatt_include != NULL &&
          !quirk->info->ble_gatt_include (quirk, service, characteristic))
        return FALSE;
    }
  return TRUE;
}

static const HapBleHooks ble_hooks = {
  .connected = ble_hook_connected,
  .secured = ble_hook_secured,
  .disconnected = ble_hook_disconnected,
  .request = ble_hook_request,
  .response = ble_hook_response,
  .indication = ble_hook_indication,
  .advertisement = ble_hook_advertisement,
  .gatt_include = ble_hook_gatt_include,
};

/* ---- model signals ----------------------------------------------------------------- */

static void
on_value_changed (HapCharacteristic *characteristic,
                  GVariant          *value,
                  gpointer           origin,
                  gpointer           user_data)
{
  HapSimAccessory *self = user_data;
  const char *source = "controller";

  if (origin == NULL || origin == api_origin)
    source = "api";
  else if (origin == hap_sim_behaviour_origin)
    source = "behaviour";
  g_signal_emit (self, signals[VALUE_CHANGED], 0, characteristic, value, source);
}

static void
log_identify (HapSimAccessory *self, HapAccessory *accessory, const char *source)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "time", "x", g_get_real_time ());
  g_variant_dict_insert (&dict, "source", "s", source);
  g_variant_dict_insert (&dict, "accessory", "s", hap_accessory_get_name (accessory));
  g_queue_push_tail (&self->identify_log, g_variant_ref_sink (g_variant_dict_end (&dict)));
  while (self->identify_log.length > IDENTIFY_LOG_MAX)
    g_variant_unref (g_queue_pop_head (&self->identify_log));
  g_message ("%s: identify (%s)", hap_accessory_get_name (accessory), source);
  g_signal_emit (self, signals[IDENTIFIED], 0, source);
}

static void
on_identify (HapAccessory *accessory, gpointer user_data)
{
  log_identify (user_data, accessory, "controller");
}

static void
watch_accessory (HapSimAccessory *self, HapAccessory *accessory)
{
  GPtrArray *services = hap_accessory_get_services (accessory);

  g_signal_connect_object (accessory, "identify", G_CALLBACK (on_identify), self, 0);
  for (guint i = 0; i < services->len; i++)
    {
      GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (services, i));

      for (guint k = 0; k < characteristics->len; k++)
        g_signal_connect_object (g_ptr_array_index (characteristics, k), "value-changed",
                                 G_CALLBACK (on_value_changed), self, 0);
    }
}

/* ---- the file's "simulator" section ------------------------------------------------ */

/* JSON scalars become the variants hap_sim_quirk_new() converts from. */
static GVariant *
json_param_to_variant (JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN: return g_variant_new_boolean (json_node_get_boolean (node));
    case G_TYPE_INT64:   return g_variant_new_int64 (json_node_get_int (node));
    case G_TYPE_DOUBLE:  return g_variant_new_double (json_node_get_double (node));
    case G_TYPE_STRING:  return g_variant_new_string (json_node_get_string (node));
    default:             return NULL;
    }
}

static gboolean
load_quirks (HapSimAccessory *self, HapJsonReader *reader, JsonObject *section, GError **error)
{
  JsonNode *node;
  JsonObject *quirks;
  g_autoptr(GList) names = NULL;

  if (!hap_json_reader_member (reader, section, "simulator", "quirks", HAP_JSON_KIND_OBJECT,
                                FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  quirks = json_node_get_object (node);
  names = json_object_get_members (quirks);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *path = hap_json_reader_child_path ("simulator.quirks", name);
      const HapSimQuirkInfo *info = hap_sim_quirk_lookup (name);
      g_autoptr(GError) local_error = NULL;
      GVariantBuilder builder;
      JsonObject *params;
      g_autoptr(GList) keys = NULL;
      HapSimQuirk *quirk;

      if (info == NULL)
        return hap_json_reader_fail_key (reader, "simulator.quirks", name, error,
                                          "unknown quirk “%s” (hap-simulator ctl quirks lists them)", name);
      if (!hap_json_reader_member (reader, quirks, "simulator.quirks", name, HAP_JSON_KIND_OBJECT,
                                    TRUE, &node, error))
        return FALSE;
      params = json_node_get_object (node);
      keys = json_object_get_members (params);
      g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
      for (GList *k = keys; k != NULL; k = k->next)
        {
          GVariant *value = json_param_to_variant (json_object_get_member (params, k->data));

          if (value == NULL)
            {
              g_variant_builder_clear (&builder);
              return hap_json_reader_fail (reader, path, k->data, error,
                                            "expected a number, string or boolean");
            }
          g_variant_builder_add (&builder, "{sv}", k->data, value);
        }
      quirk = hap_sim_quirk_new (info, self, g_variant_builder_end (&builder), &local_error);
      if (quirk == NULL)
        return hap_json_reader_fail (reader, path, NULL, error, "%s", local_error->message);
      g_ptr_array_add (self->quirks, quirk);
      if (info->enable != NULL)
        info->enable (quirk);
    }
  return TRUE;
}

/* "connections": { "max": N, "idle-timeout-ms": N, "stall-timeout-ms": N,
 * "pairing-timeout-ms": N }, each optional (0: no cap, or never time out). */
static gboolean
load_connections (HapSimAccessory *self, HapJsonReader *reader, JsonObject *section, GError **error)
{
  static const char * const keys[] = {
    "max", "idle-timeout-ms", "stall-timeout-ms", "pairing-timeout-ms", NULL
  };
  gint64 *targets[] = {
    &self->file_connections.max_connections, &self->file_connections.idle_timeout_ms,
    &self->file_connections.stall_timeout_ms, &self->file_connections.pairing_timeout_ms,
  };
  const char *path = "simulator.connections";
  JsonNode *node;
  JsonObject *object;

  if (!hap_json_reader_member (reader, section, "simulator", "connections", HAP_JSON_KIND_OBJECT,
                                FALSE, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  object = json_node_get_object (node);
  if (!hap_json_reader_check_keys (reader, object, path, keys, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      if (!hap_json_reader_member (reader, object, path, keys[i], HAP_JSON_KIND_INTEGER, FALSE, &node, error))
        return FALSE;
      if (node == NULL)
        continue;
      if (!hap_json_reader_int_in_range (reader, node, path, keys[i], 0, G_MAXUINT32, error))
        return FALSE;
      *targets[i] = json_node_get_int (node);
    }
  return TRUE;
}

static gboolean
load_simulator_section (HapSimAccessory *self, GError **error)
{
  static const char * const keys[] = { "quirks", "behaviours", "connections", "ble-adapter", NULL };
  g_autofree char *text = NULL;
  gsize length;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) positions = NULL;
  HapJsonReader reader = { 0 };
  JsonNode *section, *behaviours, *adapter;

  /* The SDK loader has read and checked this file already; read it again for the one
   * section it leaves to tools. */
  if (!g_file_get_contents (self->file, &text, &length, error) ||
      !(root = hap_json_parse (text, (gssize) length, error)))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (section = json_object_get_member (json_node_get_object (root), "simulator")) == NULL)
    return TRUE;

  positions = hap_json_reader_scan_positions (text, length);
  reader.origin = self->file;
  reader.positions = positions;
  if (!JSON_NODE_HOLDS_OBJECT (section))
    return hap_json_reader_fail (&reader, "simulator", NULL, error, "expected an object, got %s",
                                  hap_json_reader_describe_node (section));
  if (!hap_json_reader_check_keys (&reader, json_node_get_object (section), "simulator", keys, error) ||
      !load_quirks (self, &reader, json_node_get_object (section), error) ||
      !load_connections (self, &reader, json_node_get_object (section), error) ||
      !hap_json_reader_member (&reader, json_node_get_object (section), "simulator", "behaviours",
                                HAP_JSON_KIND_ARRAY, FALSE, &behaviours, error) ||
      !hap_json_reader_member (&reader, json_node_get_object (section), "simulator", "ble-adapter",
                                HAP_JSON_KIND_STRING, FALSE, &adapter, error))
    return FALSE;
  /* The desktop app's choice of adapter ("" is the first usable one). */
  if (adapter != NULL && json_node_get_string (adapter)[0] != '\0')
    {
      self->file_adapter = g_strdup (json_node_get_string (adapter));
      g_free (self->ble_adapter);
      self->ble_adapter = g_strdup (self->file_adapter);
    }
  if (behaviours != NULL)
    {
      GPtrArray *loaded = hap_sim_behaviours_load (&reader, behaviours, "simulator.behaviours",
                                                   self->accessory, error);
      if (loaded == NULL)
        return FALSE;
      g_ptr_array_unref (self->behaviours);
      self->behaviours = loaded;
    }
  return TRUE;
}

HapSimAccessory *
hap_sim_accessory_new_from_file (const char     *id,
                                 const char     *path,
                                 const char     *state_dir,
                                 HapAdvertiser  *advertiser,
                                 GError        **error)
{
  g_autoptr(HapSimAccessory) self = NULL;
  GPtrArray *bridged;

  g_return_val_if_fail (id != NULL && path != NULL && state_dir != NULL, NULL);

  self = g_object_new (HAP_SIM_TYPE_ACCESSORY, NULL);
  self->id = g_strdup (id);
  self->file = g_strdup (path);
  self->state_dir = g_strdup (state_dir);
  self->advertiser = advertiser != NULL ? g_object_ref (advertiser) : NULL;
  if ((self->accessory = hap_accessory_new_from_file (path, error)) == NULL ||
      !load_simulator_section (self, error))
    return NULL;

  watch_accessory (self, self->accessory);
  bridged = hap_accessory_get_bridged_accessories (self->accessory);
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    watch_accessory (self, g_ptr_array_index (bridged, i));
  return g_steal_pointer (&self);
}

/* ---- accessors --------------------------------------------------------------------- */

const char *hap_sim_accessory_get_id (HapSimAccessory *self) { return self->id; }
const char *hap_sim_accessory_get_file (HapSimAccessory *self) { return self->file; }
const char *hap_sim_accessory_get_state_dir (HapSimAccessory *self) { return self->state_dir; }
HapAccessory *hap_sim_accessory_get_accessory (HapSimAccessory *self) { return self->accessory; }
HapAccessoryServer *hap_sim_accessory_get_server (HapSimAccessory *self) { return self->server; }
HapSimState hap_sim_accessory_get_state (HapSimAccessory *self) { return self->state; }
HapSimTrace *hap_sim_accessory_get_trace (HapSimAccessory *self) { return self->trace; }

/**
 * hap_sim_accessory_get_trace_model:
 * @self: an accessory
 *
 * The accessory's trace as a list model of [class@HapSimTraceEntry], changed on the
 * main context of whoever asked first. Made on first use, so that an accessory nobody
 * watches records no objects.
 *
 * Returns: (transfer none): the model
 */
GListModel *
hap_sim_accessory_get_trace_model (HapSimAccessory *self)
{
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), NULL);

  if (self->trace_model == NULL)
    self->trace_model = hap_sim_trace_model_new (self->trace);
  return G_LIST_MODEL (self->trace_model);
}

const char *
hap_sim_accessory_get_name (HapSimAccessory *self)
{
  return self->advertised_name != NULL ? self->advertised_name : hap_accessory_get_name (self->accessory);
}

void
hap_sim_accessory_set_port (HapSimAccessory *self, guint16 port)
{
  self->port = port;
}

void
hap_sim_accessory_set_bind_address (HapSimAccessory *self, const char *address)
{
  g_free (self->bind_address);
  self->bind_address = g_strdup (address);
}

gboolean
hap_sim_accessory_set_setup_code (HapSimAccessory *self, const char *code, GError **error)
{
  if (code != NULL && !hap_setup_code_validate (code, error))
    return FALSE;
  g_free (self->setup_code);
  self->setup_code = g_strdup (code);
  return TRUE;
}

void
hap_sim_accessory_set_event_window (HapSimAccessory *self, guint milliseconds)
{
  self->event_window = (gint) MIN (milliseconds, G_MAXINT);
}

void
hap_sim_accessory_set_connection_settings (HapSimAccessory                *self,
                                           HapConnectionLimit             *limit,
                                           const HapSimConnectionSettings *settings)
{
  g_set_object (&self->connection_limit, limit);
  self->connection_settings = *settings;
}

/* The file's value, else the engine's, else the server's default. */
static void
apply_connection_setting (HapAccessoryServer *server, const char *property, gint64 engine, gint64 file)
{
  gint64 value = file >= 0 ? file : engine;

  if (value >= 0)
    g_object_set (server, property, (guint) value, NULL);
}

static void
apply_connection_settings (HapSimAccessory *self, HapAccessoryServer *server)
{
  const HapSimConnectionSettings *e = &self->connection_settings, *f = &self->file_connections;

  if (self->connection_limit != NULL)
    g_object_set (server, "connection-limit", self->connection_limit, NULL);
  apply_connection_setting (server, "max-connections", e->max_connections, f->max_connections);
  apply_connection_setting (server, "idle-timeout", e->idle_timeout_ms, f->idle_timeout_ms);
  apply_connection_setting (server, "stall-timeout", e->stall_timeout_ms, f->stall_timeout_ms);
  apply_connection_setting (server, "pairing-timeout", e->pairing_timeout_ms, f->pairing_timeout_ms);
}

void
hap_sim_accessory_set_ble_adapter (HapSimAccessory *self, const char *adapter, GHashTable *claims)
{
  g_free (self->ble_adapter);
  self->ble_adapter = g_strdup (self->file_adapter != NULL ? self->file_adapter : adapter);
  g_clear_pointer (&self->ble_claims, g_hash_table_unref);
  self->ble_claims = claims != NULL ? g_hash_table_ref (claims) : NULL;
}

gboolean
hap_sim_accessory_has_ble (HapSimAccessory *self)
{
  return (hap_accessory_get_transports (self->accessory) & HAP_TRANSPORT_BLE) != 0;
}

/* The accessory whose claim keeps @self off @key ("" = the first usable adapter). A
 * name clashes with the same name, and with the adapter an accessory asking for "the
 * first usable" actually got; "the first usable" clashes with any claim, since the first
 * usable adapter may be the one taken. */
static HapSimAccessory *
find_claimant (HapSimAccessory *self, const char *key, const char **held_adapter)
{
  GHashTableIter iter;
  gpointer held, owner;

  g_hash_table_iter_init (&iter, self->ble_claims);
  while (g_hash_table_iter_next (&iter, &held, &owner))
    {
      HapSimAccessory *other = owner;
      const char *in_use = other->server != NULL ? hap_accessory_server_get_ble_adapter (other->server) : NULL;

      if (other == self)
        continue;
      *held_adapter = *(const char *) held != '\0' ? held : (in_use != NULL ? in_use : "the first usable adapter");
      if (g_str_equal (held, key) || *key == '\0' ||
          (*(const char *) held == '\0' && g_strcmp0 (in_use, key) == 0))
        return other;
    }
  return NULL;
}

/* docs/protocol.md §5.1 (docs/bluez.md §1.1): bluetoothd merges every GATT application
 * of an adapter into one database, so an adapter carries one HAP-BLE accessory. */
static gboolean
claim_adapter (HapSimAccessory *self, GError **error)
{
  const char *key = self->ble_adapter != NULL ? self->ble_adapter : "";
  const char *held = NULL;
  HapSimAccessory *owner;

  if (!hap_sim_accessory_has_ble (self) || self->ble_claims == NULL)
    return TRUE;
  owner = find_claimant (self, key, &held);
  if (owner != NULL)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE,
                   _("%s: cannot serve BLE on %s: “%s” already serves HAP over BLE on %s, and an adapter "
                   "carries one HAP-BLE accessory (bluetoothd merges the GATT applications of an adapter "
                   "into one database). Give %s a free adapter (`hap-simulator ctl adapters` lists "
                   "them, `hap-simulator ctl adapter %s hciN` moves it), or move “%s” elsewhere "
                   "(`hap-simulator ctl adapter %s hciN`) or stop it"),
                   self->id, *key != '\0' ? key : _("the first usable adapter"), owner->id, held,
                   self->id, self->id, owner->id, owner->id);
      return FALSE;
    }
  g_hash_table_insert (self->ble_claims, g_strdup (key), self);
  return TRUE;
}

static void
release_adapter (HapSimAccessory *self)
{
  const char *key = self->ble_adapter != NULL ? self->ble_adapter : "";

  if (self->ble_claims != NULL && g_hash_table_lookup (self->ble_claims, key) == self)
    g_hash_table_remove (self->ble_claims, key);
}

HapTransportFlags
hap_sim_accessory_get_transports (HapSimAccessory *self)
{
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), 0);
  return hap_accessory_get_transports (self->accessory);
}

const char *
hap_sim_accessory_get_ble_adapter (HapSimAccessory *self)
{
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), NULL);
  return self->ble_adapter;
}

gboolean
hap_sim_accessory_move_ble_adapter (HapSimAccessory *self, const char *adapter, GError **error)
{
  g_autofree char *old = NULL;

  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), FALSE);

  if (adapter != NULL && *adapter == '\0')
    adapter = NULL;
  if (g_strcmp0 (adapter, self->ble_adapter) == 0)
    return TRUE;
  if (self->server == NULL || !hap_sim_accessory_has_ble (self))
    {
      g_free (self->ble_adapter);
      self->ble_adapter = g_strdup (adapter);
      return TRUE;
    }

  /* Running with BLE: claim the new adapter before letting go of the old one. */
  old = g_steal_pointer (&self->ble_adapter);
  self->ble_adapter = g_strdup (adapter);
  if (!claim_adapter (self, error))
    {
      g_free (self->ble_adapter);
      self->ble_adapter = g_steal_pointer (&old);
      return FALSE;
    }
  if (!hap_accessory_server_set_ble_adapter (self->server, adapter, error))
    {
      release_adapter (self);
      g_free (self->ble_adapter);
      self->ble_adapter = g_steal_pointer (&old);
      return FALSE;
    }
  if (self->ble_claims != NULL && g_hash_table_lookup (self->ble_claims, old != NULL ? old : "") == self)
    g_hash_table_remove (self->ble_claims, old != NULL ? old : "");
  g_clear_pointer (&self->last_advertisement, g_bytes_unref);
  g_message ("%s: HAP over BLE moved to %s", self->id, adapter != NULL ? adapter : "the first usable adapter");
  g_signal_emit (self, signals[BLE_CHANGED], 0);
  return TRUE;
}

gboolean
hap_sim_accessory_set_transports (HapSimAccessory *self, HapTransportFlags transports, GError **error)
{
  HapTransportFlags old;
  gboolean running;

  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), FALSE);

  if (transports == 0 || (transports & ~(HAP_TRANSPORT_IP | HAP_TRANSPORT_BLE)) != 0)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                   _("%s: an accessory serves on IP, BLE or both"), self->id);
      return FALSE;
    }
  old = hap_accessory_get_transports (self->accessory);
  if (transports == old)
    return TRUE;
  /* The database changes with BLE (its pairing service, docs/protocol.md §5.8): the
   * accessory starts again, as a device does after such a firmware change. */
  running = self->server != NULL;
  if (running)
    hap_sim_accessory_stop (self);
  hap_accessory_set_transports (self->accessory, transports);
  if (running && !hap_sim_accessory_start (self, error))
    {
      g_autoptr(GError) again = NULL;

      hap_accessory_set_transports (self->accessory, old);
      if (!hap_sim_accessory_start (self, &again))
        g_warning ("%s: did not start again: %s", self->id, again->message);
      return FALSE;
    }
  g_message ("%s: serving on%s%s", self->id, (transports & HAP_TRANSPORT_IP) ? " IP" : "",
             (transports & HAP_TRANSPORT_BLE) ? " BLE" : "");
  g_signal_emit (self, signals[BLE_CHANGED], 0);
  return TRUE;
}

/* ---- life cycle -------------------------------------------------------------------- */

static void
on_advertised (HapAccessoryServer *server, const char *name, gpointer user_data)
{
  HapSimAccessory *self = user_data;

  g_free (self->advertised_name);
  self->advertised_name = g_strdup (name);
  /* name NULL: avahi-daemon is not running; the accessory still serves over TCP. */
  if (name != NULL)
    set_state (self, HAP_SIM_STATE_ADVERTISED);
  g_signal_emit (self, signals[ADVERTISED], 0, name);
}

static void
on_ble_advertised (HapAccessoryServer *server, const char *adapter, gpointer user_data)
{
  g_signal_emit (user_data, signals[BLE_ADVERTISED], 0, adapter);
}

static void
on_pairing_added (HapAccessoryServer *server, const char *controller, gboolean admin, gpointer user_data)
{
  g_signal_emit (user_data, signals[PAIRING_ADDED], 0, controller, admin);
}

static void
on_pairing_removed (HapAccessoryServer *server, const char *controller, gpointer user_data)
{
  g_signal_emit (user_data, signals[PAIRING_REMOVED], 0, controller);
}

gboolean
hap_sim_accessory_start (HapSimAccessory *self, GError **error)
{
  g_autoptr(HapAccessoryServer) server = NULL;

  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), FALSE);

  if (self->server != NULL)
    return TRUE;
  if (self->power_timer != NULL)
    {
      g_source_destroy (self->power_timer);
      g_clear_pointer (&self->power_timer, g_source_unref);
    }

  if (!claim_adapter (self, error))
    return FALSE;
  server = hap_accessory_server_new (self->accessory, self->state_dir);
  hap_accessory_server_set_ble_adapter (server, self->ble_adapter, NULL);   /* stopped: cannot fail */
  hap_accessory_server_set_port (server, self->port);
  hap_accessory_server_set_bind_address (server, self->bind_address);
  if (self->event_window >= 0)
    hap_accessory_server_set_event_window (server, (guint) self->event_window);
  apply_connection_settings (self, server);
  if (self->advertiser != NULL)
    hap_accessory_server_set_advertiser (server, self->advertiser);
  else
    hap_accessory_server_set_advertise (server, FALSE);
  if (self->setup_code != NULL && !hap_accessory_server_set_setup_code (server, self->setup_code, error))
    {
      release_adapter (self);
      return FALSE;
    }
  hap_accessory_server_set_hooks (server, &server_hooks, self);
  hap_accessory_server_set_ble_hooks (server, &ble_hooks, self);
  g_signal_connect (server, "advertised", G_CALLBACK (on_advertised), self);
  g_signal_connect (server, "ble-advertised", G_CALLBACK (on_ble_advertised), self);
  g_signal_connect (server, "pairing-added", G_CALLBACK (on_pairing_added), self);
  g_signal_connect (server, "pairing-removed", G_CALLBACK (on_pairing_removed), self);

  /* Quirks that act on the server (a fixed salt, say) see it before it listens. */
  self->server = server;
  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (quirk->info->started != NULL)
        quirk->info->started (quirk);
    }
  if (!hap_accessory_server_start (server, error))
    {
      self->server = NULL;
      hap_accessory_server_set_hooks (server, NULL, NULL);
      hap_accessory_server_set_ble_hooks (server, NULL, NULL);
      g_signal_handlers_disconnect_by_data (server, self);
      release_adapter (self);
      return FALSE;
    }
  self->server = g_steal_pointer (&server);
  /* Power cycles come back on the same port. */
  self->port = hap_accessory_server_get_port (self->server);
  for (guint i = 0; i < self->behaviours->len; i++)
    hap_sim_behaviour_start (g_ptr_array_index (self->behaviours, i));
  set_state (self, HAP_SIM_STATE_RUNNING);
  return TRUE;
}

void
hap_sim_accessory_stop (HapSimAccessory *self)
{
  g_return_if_fail (HAP_SIM_IS_ACCESSORY (self));

  if (self->power_timer != NULL)
    {
      g_source_destroy (self->power_timer);
      g_clear_pointer (&self->power_timer, g_source_unref);
    }
  if (self->server == NULL)
    return;
  for (guint i = 0; i < self->behaviours->len; i++)
    hap_sim_behaviour_stop (g_ptr_array_index (self->behaviours, i));
  /* Connections close with the hooks still attached, so their closing is traced. */
  hap_accessory_server_stop (self->server);
  hap_accessory_server_set_hooks (self->server, NULL, NULL);
  hap_accessory_server_set_ble_hooks (self->server, NULL, NULL);
  g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->server);
  g_clear_pointer (&self->advertised_name, g_free);
  g_clear_pointer (&self->last_advertisement, g_bytes_unref);
  release_adapter (self);
  set_state (self, HAP_SIM_STATE_STOPPED);
}

static gboolean
on_power_back (gpointer user_data)
{
  HapSimAccessory *self = user_data;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->power_timer, g_source_unref);
  if (!hap_sim_accessory_start (self, &error))
    g_warning ("%s: cannot start again after a power cycle: %s", self->id, error->message);
  return G_SOURCE_REMOVE;
}

void
hap_sim_accessory_power_cycle (HapSimAccessory *self, guint off_ms)
{
  g_return_if_fail (HAP_SIM_IS_ACCESSORY (self));

  hap_sim_accessory_stop (self);
  self->power_timer = g_timeout_source_new (off_ms);
  g_source_set_callback (self->power_timer, on_power_back, self, NULL);
  g_source_attach (self->power_timer, g_main_context_get_thread_default ());
}

gboolean
hap_sim_accessory_restart (HapSimAccessory *self, gboolean new_port, GError **error)
{
  guint16 old = self->port;

  hap_sim_accessory_stop (self);
  if (!new_port)
    return hap_sim_accessory_start (self, error);
  /* A restart on a new listener means a different port. Port 0 would not do: the server
   * then binds the port it kept from its last run, that is the old one. So the ports
   * after it (past 65535: from 1024 on), until one is free. */
  for (guint i = 1; i <= 64; i++)
    {
      guint next = (guint) old + i;

      g_clear_error (error);
      self->port = (guint16) (next <= 65535 ? next : 1024 + (next - 65536));
      if (hap_sim_accessory_start (self, error))
        return TRUE;
    }
  return FALSE;
}

static gboolean
remove_state_dir (const char *path, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return TRUE;   /* nothing stored yet */
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      /* The state directory holds plain files only (the SDK writes no subdirectories). */
      if (g_unlink (child) != 0)
        {
          int saved = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       _("cannot remove %s: %s"), child, g_strerror (saved));
          return FALSE;
        }
    }
  if (g_rmdir (path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("cannot remove %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
hap_sim_accessory_factory_reset (HapSimAccessory *self, GError **error)
{
  gboolean was_running = self->server != NULL;

  hap_sim_accessory_stop (self);
  /* docs/protocol.md §2.5: a new device ID, keys and setup code, no pairings. */
  if (!remove_state_dir (self->state_dir, error))
    return FALSE;
  g_message ("%s: factory reset", self->id);
  /* A stopped accessory changes no state: its pairings are gone all the same. */
  queue_models_update (self);
  return !was_running || hap_sim_accessory_start (self, error);
}

/* ---- values ------------------------------------------------------------------------ */

static HapAccessory *
accessory_by_aid (HapSimAccessory *self, guint64 aid)
{
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (self->accessory);

  if (hap_accessory_get_aid (self->accessory) == aid)
    return self->accessory;
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    if (hap_accessory_get_aid (g_ptr_array_index (bridged, i)) == aid)
      return g_ptr_array_index (bridged, i);
  return NULL;
}

HapCharacteristic *
hap_sim_accessory_lookup (HapSimAccessory *self, guint64 aid, guint64 iid)
{
  HapAccessory *accessory = accessory_by_aid (self, aid);

  return accessory != NULL ? hap_accessory_get_characteristic_by_iid (accessory, iid) : NULL;
}

static HapAccessory *
accessory_by_name (HapSimAccessory *self, const char *name)
{
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (self->accessory);

  if (g_str_equal (hap_accessory_get_name (self->accessory), name))
    return self->accessory;
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    if (g_str_equal (hap_accessory_get_name (g_ptr_array_index (bridged, i)), name))
      return g_ptr_array_index (bridged, i);
  return NULL;
}

HapCharacteristic *
hap_sim_accessory_find (HapSimAccessory *self, const char *spec, GError **error)
{
  g_auto(GStrv) parts = NULL;
  HapAccessory *accessory = self->accessory;
  HapService *service;
  HapCharacteristic *characteristic = NULL;
  guint n;

  /* "aid.iid" */
  if (g_ascii_isdigit (spec[0]) && strchr (spec, '/') == NULL)
    {
      guint64 aid, iid;
      char *end = NULL;

      aid = g_ascii_strtoull (spec, &end, 10);
      if (end != NULL && *end == '.')
        {
          iid = g_ascii_strtoull (end + 1, &end, 10);
          if (end != NULL && *end == '\0' && (characteristic = hap_sim_accessory_lookup (self, aid, iid)))
            return characteristic;
        }
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND,
                   _("%s: no characteristic “%s” (use AID.IID or Service/Characteristic)"), self->id, spec);
      return NULL;
    }

  parts = g_strsplit (spec, "/", 3);
  n = g_strv_length (parts);
  if (n == 3 && (accessory = accessory_by_name (self, parts[0])) == NULL)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND, _("%s: no accessory named “%s”"),
                   self->id, parts[0]);
      return NULL;
    }
  if (n >= 2 && (service = hap_accessory_get_service (accessory, parts[n - 2])) != NULL)
    characteristic = hap_service_get_characteristic (service, parts[n - 1]);
  if (characteristic == NULL)
    g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND,
                 _("%s: no characteristic “%s” (use AID.IID or Service/Characteristic)"), self->id, spec);
  return characteristic;
}

/* Any D-Bus number (or boolean) to the characteristic's format, through the same JSON
 * conversion a controller's write gets, so that the rules are one set. */
static GVariant *
coerce_value (HapCharacteristic *characteristic, GVariant *value, GError **error)
{
  g_autoptr(JsonNode) node = NULL;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      return coerce_value (characteristic, inner, error);
    }
  if (g_variant_is_of_type (value, hap_format_get_variant_type (hap_characteristic_get_format (characteristic))))
    return g_variant_ref (value);

  node = json_gvariant_serialize (value);
  return hap_characteristic_value_from_json (characteristic, node, error);
}

gboolean
hap_sim_accessory_set_value (HapSimAccessory   *self,
                             HapCharacteristic *characteristic,
                             GVariant          *value,
                             GError           **error)
{
  g_autoptr(GVariant) held = g_variant_ref_sink (value);
  g_autoptr(GVariant) converted = NULL;
  g_autoptr(GError) local_error = NULL;

  if ((converted = coerce_value (characteristic, held, &local_error)) == NULL ||
      !hap_characteristic_set_value_from (characteristic, converted, (gpointer) api_origin, &local_error))
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT, "%s", local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* ---- quirks ------------------------------------------------------------------------ */

HapSimQuirk *
hap_sim_accessory_get_quirk (HapSimAccessory *self, const char *name)
{
  for (guint i = 0; i < self->quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (self->quirks, i);
      if (g_str_equal (quirk->info->name, name))
        return quirk;
    }
  return NULL;
}

GPtrArray *
hap_sim_accessory_get_quirks (HapSimAccessory *self)
{
  return self->quirks;
}

/* A quirk switched on or off takes effect at once: TXT record, BLE advertisement and
 * GATT database are published again when it changes them. */
static void
refresh_published (HapSimAccessory *self, const HapSimQuirkInfo *info)
{
  if (self->server == NULL)
    return;
  if (info->txt != NULL)
    hap_accessory_server_refresh_txt (self->server);
  if (info->ble_advertisement != NULL)
    hap_accessory_server_refresh_ble_advertisement (self->server);
  if (info->ble_gatt_include != NULL)
    hap_accessory_server_restart_ble (self->server);
}

gboolean
hap_sim_accessory_enable_quirk (HapSimAccessory *self,
                                const char      *name,
                                GVariant        *params,
                                GError         **error)
{
  const HapSimQuirkInfo *info = hap_sim_quirk_lookup (name);
  HapSimQuirk *old = hap_sim_accessory_get_quirk (self, name);
  HapSimQuirk *quirk;
  guint pos = self->quirks->len;

  if (info == NULL)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND, _("no quirk “%s”"), name);
      return FALSE;
    }
  if ((quirk = hap_sim_quirk_new (info, self, params, error)) == NULL)
    return FALSE;
  /* New parameters replace the old quirk in place: the order of hooks stays. */
  if (old != NULL)
    {
      g_ptr_array_find (self->quirks, old, &pos);
      hap_sim_quirk_free (g_ptr_array_steal_index (self->quirks, pos));
      g_ptr_array_insert (self->quirks, (gint) pos, quirk);
    }
  else
    g_ptr_array_add (self->quirks, quirk);
  if (info->enable != NULL)
    info->enable (quirk);
  if (info->started != NULL && self->server != NULL)
    info->started (quirk);
  refresh_published (self, info);
  g_message ("%s: quirk %s on", self->id, name);
  return TRUE;
}

gboolean
hap_sim_accessory_disable_quirk (HapSimAccessory *self, const char *name, GError **error)
{
  HapSimQuirk *quirk = hap_sim_accessory_get_quirk (self, name);
  const HapSimQuirkInfo *info;

  if (quirk == NULL)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND, _("%s: quirk “%s” is not on"), self->id, name);
      return FALSE;
    }
  info = quirk->info;
  g_ptr_array_remove (self->quirks, quirk);   /* frees it, which calls disable */
  refresh_published (self, info);
  g_message ("%s: quirk %s off", self->id, name);
  return TRUE;
}

/* ---- identify ---------------------------------------------------------------------- */

GVariant *
hap_sim_accessory_dup_identify_log (HapSimAccessory *self)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (GList *l = self->identify_log.head; l != NULL; l = l->next)
    g_variant_builder_add_value (&builder, l->data);
  return g_variant_ref_sink (g_variant_builder_end (&builder));
}

void
hap_sim_accessory_identify (HapSimAccessory *self)
{
  /* Through the model, as a controller's identify is: the accessory's handlers run. */
  g_signal_handlers_block_by_func (self->accessory, on_identify, self);
  hap_accessory_identify (self->accessory);
  g_signal_handlers_unblock_by_func (self->accessory, on_identify, self);
  log_identify (self, self->accessory, "api");
}

/* ---- GObject ----------------------------------------------------------------------- */

static void
hap_sim_accessory_dispose (GObject *object)
{
  HapSimAccessory *self = HAP_SIM_ACCESSORY (object);

  hap_sim_accessory_stop (self);
  g_clear_pointer (&self->behaviours, g_ptr_array_unref);
  g_clear_pointer (&self->quirks, g_ptr_array_unref);
  g_clear_object (&self->accessory);
  g_clear_object (&self->advertiser);
  g_clear_object (&self->connection_limit);
  G_OBJECT_CLASS (hap_sim_accessory_parent_class)->dispose (object);
}

static void
hap_sim_accessory_finalize (GObject *object)
{
  HapSimAccessory *self = HAP_SIM_ACCESSORY (object);

  if (self->models_idle != NULL)
    g_source_destroy (self->models_idle);
  g_clear_pointer (&self->models_idle, g_source_unref);
  if (self->trace_model != NULL)
    hap_sim_trace_model_detach (self->trace_model);
  g_clear_object (&self->trace_model);
  g_clear_object (&self->pairings);
  g_clear_object (&self->sessions);

  g_queue_clear_full (&self->identify_log, (GDestroyNotify) g_variant_unref);
  g_clear_pointer (&self->trace, hap_sim_trace_free);
  g_free (self->id);
  g_free (self->file);
  g_free (self->state_dir);
  g_free (self->bind_address);
  g_free (self->setup_code);
  g_free (self->advertised_name);
  g_free (self->ble_adapter);
  g_free (self->file_adapter);
  g_clear_pointer (&self->ble_claims, g_hash_table_unref);
  g_clear_pointer (&self->last_advertisement, g_bytes_unref);
  G_OBJECT_CLASS (hap_sim_accessory_parent_class)->finalize (object);
}

static void
hap_sim_accessory_class_init (HapSimAccessoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hap_sim_accessory_dispose;
  object_class->finalize = hap_sim_accessory_finalize;

  signals[STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[VALUE_CHANGED] = g_signal_new ("value-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                         HAP_TYPE_CHARACTERISTIC, G_TYPE_VARIANT, G_TYPE_STRING);
  signals[PAIRING_ADDED] = g_signal_new ("pairing-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[PAIRING_REMOVED] = g_signal_new ("pairing-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SESSION_OPENED] = g_signal_new ("session-opened", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SESSION_CLOSED] = g_signal_new ("session-closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[IDENTIFIED] = g_signal_new ("identified", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[ADVERTISED] = g_signal_new ("advertised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[BLE_ADVERTISED] = g_signal_new ("ble-advertised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[BLE_CHANGED] = g_signal_new ("ble-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
hap_sim_accessory_init (HapSimAccessory *self)
{
  self->event_window = -1;
  self->connection_settings = (HapSimConnectionSettings) HAP_SIM_CONNECTION_SETTINGS_INIT;
  self->file_connections = (HapSimConnectionSettings) HAP_SIM_CONNECTION_SETTINGS_INIT;
  self->quirks = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_sim_quirk_free);
  self->behaviours = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_sim_behaviour_free);
  self->trace = hap_sim_trace_new (HAP_SIM_TRACE_DEFAULT_ENTRIES, HAP_SIM_TRACE_DEFAULT_BYTES);
  g_queue_init (&self->identify_log);
  self->pairings = g_list_store_new (HAP_SIM_TYPE_PAIRING);
  self->sessions = g_list_store_new (HAP_SIM_TYPE_SESSION);
  g_signal_connect (self, "state-changed", G_CALLBACK (queue_models_update), NULL);
  g_signal_connect (self, "pairing-added", G_CALLBACK (queue_models_update), NULL);
  g_signal_connect (self, "pairing-removed", G_CALLBACK (queue_models_update), NULL);
  g_signal_connect (self, "session-opened", G_CALLBACK (queue_models_update), NULL);
  g_signal_connect (self, "session-closed", G_CALLBACK (queue_models_update), NULL);
}

/* ---- the pairings and sessions models ------------------------------------------------ */

/**
 * hap_sim_accessory_get_pairings:
 * @self: an accessory
 *
 * The controllers paired with @self: the server's while running, its state
 * directory's while stopped. Updated after pairings are added or removed and when
 * the accessory starts or stops (from an idle callback: the server emits its signals
 * before it is done), or at once with [method@HapSimAccessory.update_models].
 *
 * Returns: (transfer none): a list model of [class@HapSimPairing]
 */
GListModel *
hap_sim_accessory_get_pairings (HapSimAccessory *self)
{
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), NULL);
  return G_LIST_MODEL (self->pairings);
}

/**
 * hap_sim_accessory_get_sessions:
 * @self: an accessory
 *
 * The connections to @self (verified or not), empty while stopped. Updated when
 * sessions open and close and the accessory starts or stops; the counters of the
 * sessions in it (and connections not yet verified, which signal nothing) only on
 * [method@HapSimAccessory.update_models], which someone showing them calls as often
 * as they want them fresh.
 *
 * Returns: (transfer none): a list model of [class@HapSimSession]
 */
GListModel *
hap_sim_accessory_get_sessions (HapSimAccessory *self)
{
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (self), NULL);
  return G_LIST_MODEL (self->sessions);
}

/**
 * hap_sim_accessory_update_models:
 * @self: an accessory
 *
 * Brings the pairings and sessions models up to date now, emitting
 * [signal@Gio.ListModel::items-changed] for what was added or removed and notify for
 * each session counter that changed.
 */
void
hap_sim_accessory_update_models (HapSimAccessory *self)
{
  g_autoptr(GPtrArray) conns = NULL;
  g_autoptr(HapStoredState) storage = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *pairings = NULL;

  g_return_if_fail (HAP_SIM_IS_ACCESSORY (self));

  if (self->models_idle != NULL)
    g_source_destroy (self->models_idle);
  g_clear_pointer (&self->models_idle, g_source_unref);
  if (self->server != NULL)
    {
      pairings = hap_accessory_server_get_pairings (self->server);
      conns = hap_accessory_server_dup_connections (self->server);
    }
  /* A stopped accessory serves what its state directory holds once started; NULL when
   * it never started (hap_stored_state_load() then creates nothing: this is a query). */
  else if ((storage = hap_stored_state_load (self->state_dir, &error)) != NULL)
    pairings = hap_stored_state_get_pairings (storage);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_warning ("%s: %s", self->id, error->message);
  hap_sim_pairing_list_sync (self->pairings, pairings);
  hap_sim_session_list_sync (self->sessions, conns);
}

static gboolean
models_idle_cb (gpointer user_data)
{
  HapSimAccessory *self = user_data;

  hap_sim_accessory_update_models (self);   /* which drops the source */
  return G_SOURCE_REMOVE;
}

/* Once for a burst of signals, after the server is done with what it signalled: on the
 * context the accessory runs on (the signals come from there), which is not the
 * global default one in the tests' fixtures. */
static void
queue_models_update (HapSimAccessory *self)
{
  if (self->models_idle != NULL)
    return;
  self->models_idle = g_idle_source_new ();
  g_source_set_callback (self->models_idle, models_idle_cb, self, NULL);
  g_source_set_static_name (self->models_idle, "[hap-sim] pairings and sessions");
  g_source_attach (self->models_idle, g_main_context_get_thread_default ());
}
