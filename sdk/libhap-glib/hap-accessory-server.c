/* hap-accessory-server.c — one HAP/IP accessory server
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-server-private.h"

#include <string.h>

#include "hap-ble-private.h"

#include "hap-crypto-private.h"
#include "hap-error.h"
#include "hap-model-private.h"
#include "hap-setup-payload.h"

enum
{
  PROP_0,
  PROP_ACCESSORY,
  PROP_STATE_DIR,
  PROP_MAX_CONNECTIONS,
  PROP_CONNECTION_LIMIT,
  PROP_IDLE_TIMEOUT,
  PROP_STALL_TIMEOUT,
  PROP_PAIRING_TIMEOUT,
  N_PROPS
};

enum
{
  PAIRING_ADDED,
  PAIRING_REMOVED,
  PAIRED_CHANGED,
  ADVERTISED,
  BLE_ADVERTISED,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (HapAccessoryServer, hap_accessory_server, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

/* In the order they start; transport_state[] is indexed like this. */
static const HapTransport *const all_transports[HAP_N_TRANSPORTS] = {
  &hap_ip_transport,
  &hap_ble_transport,
};

/* (aid, iid): both may use 64 bits (a Hue bridge's aids and iids do). */
typedef struct
{
  guint64 aid, iid;
} CharKey;

static guint
char_key_hash (gconstpointer key)
{
  const CharKey *k = key;

  return g_int64_hash (&k->aid) * 31 + g_int64_hash (&k->iid);
}

static gboolean
char_key_equal (gconstpointer a, gconstpointer b)
{
  const CharKey *x = a, *y = b;

  return x->aid == y->aid && x->iid == y->iid;
}

HapCharacteristic *
_hap_accessory_server_lookup (HapAccessoryServer *self, guint64 aid, guint64 iid)
{
  CharKey key = { aid, iid };

  if (self->characteristics == NULL)
    return NULL;
  return g_hash_table_lookup (self->characteristics, &key);
}

HapAccessory *
_hap_accessory_server_lookup_accessory (HapAccessoryServer *self, guint64 aid)
{
  GPtrArray *bridged;

  if (hap_accessory_get_aid (self->accessory) == aid)
    return self->accessory;
  bridged = hap_accessory_get_bridged_accessories (self->accessory);
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    if (hap_accessory_get_aid (g_ptr_array_index (bridged, i)) == aid)
      return g_ptr_array_index (bridged, i);
  return NULL;
}

gpointer
_hap_accessory_server_get_transport (HapAccessoryServer *self, const HapTransport *transport)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_transports); i++)
    if (all_transports[i] == transport)
      return self->transport_state[i];
  return NULL;
}

void
_hap_accessory_server_remove_session (HapAccessoryServer *self, HapSession *session)
{
  g_ptr_array_remove_fast (self->sessions, session);
}

void
_hap_accessory_server_set_subscribed (HapAccessoryServer *self,
                                      HapSession         *session,
                                      HapCharacteristic  *characteristic,
                                      gboolean            subscribed)
{
  GHashTable *set = g_hash_table_lookup (self->subscribers, characteristic);

  if (subscribed)
    {
      if (set == NULL)
        {
          set = g_hash_table_new (NULL, NULL);
          g_hash_table_insert (self->subscribers, characteristic, set);
        }
      g_hash_table_add (set, session);
    }
  else if (set != NULL)
    {
      g_hash_table_remove (set, session);
      if (g_hash_table_size (set) == 0)
        g_hash_table_remove (self->subscribers, characteristic);
    }
}

/* Fan-out of a value change to every subscribed session except the writer's
 * (docs/protocol.md §4.6, §5.12: events are not echoed to the session that caused them),
 * then to the transports that announce changes to nobody in particular (BLE). */
static void
on_value_changed (HapCharacteristic *characteristic,
                  GVariant          *value,
                  gpointer           origin,
                  gpointer           user_data)
{
  HapAccessoryServer *self = user_data;
  GHashTable *set = g_hash_table_lookup (self->subscribers, characteristic);

  if (set != NULL)
    {
      g_autoptr(GPtrArray) targets = NULL;
      GHashTableIter iter;
      gpointer session;

      /* Sending may close a session, which edits @set: iterate over a copy. */
      targets = g_ptr_array_new_full (g_hash_table_size (set), (GDestroyNotify) _hap_session_unref);
      g_hash_table_iter_init (&iter, set);
      while (g_hash_table_iter_next (&iter, &session, NULL))
        if (session != origin)
          g_ptr_array_add (targets, _hap_session_ref (session));
      for (guint i = 0; i < targets->len; i++)
        {
          HapSession *target = g_ptr_array_index (targets, i);
          if (target->server != NULL)
            target->transport->queue_event (target, characteristic);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (all_transports); i++)
    if (self->transport_state[i] != NULL && all_transports[i]->value_changed != NULL)
      all_transports[i]->value_changed (self->transport_state[i], characteristic, origin);
}

static void
status_changed (HapAccessoryServer *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (all_transports); i++)
    if (self->transport_state[i] != NULL)
      all_transports[i]->status_changed (self->transport_state[i]);
  g_signal_emit (self, signals[PAIRED_CHANGED], 0);
}

static void
on_pairings_changed (gpointer user_data, const char *identifier, gboolean removed)
{
  HapAccessoryServer *self = user_data;
  guint n = self->storage->pairings->len;

  if (!removed)
    {
      HapPairing *pairing = hap_storage_find_pairing (self->storage, identifier, strlen (identifier));
      g_signal_emit (self, signals[PAIRING_ADDED], 0, identifier, pairing ? pairing->admin : FALSE);
      if (n == 1)
        status_changed (self);
      return;
    }

  /* docs/protocol.md §3.5: every session of a removed controller is closed — the one that
   * asked right after its response, the others now — whatever its transport. */
  {
    g_autoptr(GPtrArray) victims = g_ptr_array_new_with_free_func ((GDestroyNotify) _hap_session_unref);

    for (guint i = 0; i < self->sessions->len; i++)
      {
        HapSession *session = g_ptr_array_index (self->sessions, i);
        if (session->pairing.controller_id != NULL && g_str_equal (session->pairing.controller_id, identifier))
          g_ptr_array_add (victims, _hap_session_ref (session));
      }
    for (guint i = 0; i < victims->len; i++)
      {
        HapSession *session = g_ptr_array_index (victims, i);
        if (session->server != NULL)
          session->transport->close_session (session);
      }
  }
  g_signal_emit (self, signals[PAIRING_REMOVED], 0, identifier);
  if (n == 0)
    status_changed (self);
}

/* ---- start-up ---------------------------------------------------------------------- */

static void
assign_ids (HapAccessoryServer *self, HapAccessory *accessory, gboolean *changed)
{
  g_autofree char *prefix = g_strdup_printf ("%" G_GUINT64_FORMAT "/", hap_accessory_get_aid (accessory));
  g_autoptr(GHashTable) map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;

  /* The stored map covers every accessory of this server; each accessory's keys carry
   * its aid as a prefix. */
  g_hash_table_iter_init (&iter, self->storage->iids);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_str_has_prefix (key, prefix))
      g_hash_table_insert (map, g_strdup ((char *) key + strlen (prefix)), value);

  if (_hap_accessory_assign_iids (accessory, map))
    {
      g_hash_table_iter_init (&iter, map);
      while (g_hash_table_iter_next (&iter, &key, &value))
        g_hash_table_insert (self->storage->iids, g_strconcat (prefix, key, NULL), value);
      *changed = TRUE;
    }
}

static void
assign_aids (HapAccessoryServer *self, gboolean *changed)
{
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (self->accessory);
  guint64 next = 2;

  /* HAP: the primary (or bridge) accessory is aid 1; bridged ones keep their aid across
   * restarts (remembered by name when the file gives none). */
  hap_accessory_set_aid (self->accessory, 1);
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    {
      HapAccessory *accessory = g_ptr_array_index (bridged, i);
      gpointer stored = g_hash_table_lookup (self->storage->aids, hap_accessory_get_name (accessory));
      next = MAX (next, hap_accessory_get_aid (accessory) + 1);
      next = MAX (next, (guint64) GPOINTER_TO_UINT (stored) + 1);
    }
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    {
      HapAccessory *accessory = g_ptr_array_index (bridged, i);
      const char *name = hap_accessory_get_name (accessory);
      gpointer stored = g_hash_table_lookup (self->storage->aids, name);

      /* A recorded device's aids are in its file (and may not fit the map's 32 bits). */
      if (_hap_accessory_get_recorded (accessory, NULL, NULL))
        continue;
      if (hap_accessory_get_aid (accessory) == 0)
        hap_accessory_set_aid (accessory, stored != NULL ? GPOINTER_TO_UINT (stored) : next++);
      if (GPOINTER_TO_UINT (stored) != hap_accessory_get_aid (accessory))
        {
          g_hash_table_insert (self->storage->aids, g_strdup (name),
                               GUINT_TO_POINTER ((guint) hap_accessory_get_aid (accessory)));
          *changed = TRUE;
        }
    }
}

static void
strip_values (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (obj);

      json_object_remove_member (obj, "value");
      for (GList *l = members; l != NULL; l = l->next)
        if (json_object_has_member (obj, l->data))
          strip_values (json_object_get_member (obj, l->data));
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (array); i++)
        strip_values (json_array_get_element (array, i));
    }
}

void
_hap_accessory_server_append_database (HapAccessoryServer *self, GString *json)
{
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (self->accessory);
  guint n = bridged != NULL ? bridged->len : 0;
  guint root_index = 0;

  /* A recorded bridge is listed where the device listed it among its bridged ones. */
  _hap_accessory_get_recorded (self->accessory, &root_index, NULL);
  root_index = MIN (root_index, n);
  g_string_append (json, "{\"accessories\":[");
  for (guint i = 0; i <= n; i++)
    {
      if (i > 0)
        g_string_append_c (json, ',');
      _hap_accessory_append_json (i == root_index ? self->accessory
                                  : g_ptr_array_index (bridged, i < root_index ? i : i - 1), json);
    }
  g_string_append (json, "]}");
}

/* HAP §6.6.1 / docs/protocol.md §4.12: c# changes whenever the database (without values)
 * changes; it is 1..65535 and wraps to 1. */
static gboolean
update_config_number (HapAccessoryServer *self, gboolean *changed, GError **error)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *hash = NULL;
  guint recorded_number = 0;

  _hap_accessory_server_append_database (self, json);
  if (!json_parser_load_from_data (parser, json->str, (gssize) json->len, error))
    return FALSE;
  strip_values (json_parser_get_root (parser));
  json_generator_set_root (generator, json_parser_get_root (parser));
  text = json_generator_to_data (generator, NULL);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);

  /* A recorded device keeps its configuration number (Home Assistant's config-num). */
  if (_hap_accessory_get_recorded (self->accessory, NULL, &recorded_number) && recorded_number > 0 &&
      self->storage->config_number != recorded_number)
    {
      self->storage->config_number = recorded_number;
      *changed = TRUE;
    }
  if (g_strcmp0 (hash, self->storage->config_hash) == 0)
    return TRUE;
  if (recorded_number > 0)
    {
      g_free (self->storage->config_hash);
      self->storage->config_hash = g_steal_pointer (&hash);
      *changed = TRUE;
      return TRUE;
    }
  if (self->storage->config_hash != NULL)
    self->storage->config_number = self->storage->config_number >= 65535 ? 1 : self->storage->config_number + 1;
  g_free (self->storage->config_hash);
  self->storage->config_hash = g_steal_pointer (&hash);
  *changed = TRUE;
  return TRUE;
}

static void
index_accessory (HapAccessoryServer *self, HapAccessory *accessory)
{
  GPtrArray *services = hap_accessory_get_services (accessory);
  guint64 aid = hap_accessory_get_aid (accessory);

  for (guint i = 0; i < services->len; i++)
    {
      GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (services, i));

      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);
          CharKey *key = g_new (CharKey, 1);
          gulong id;

          key->aid = aid;
          key->iid = hap_characteristic_get_iid (characteristic);
          g_hash_table_insert (self->characteristics, key, characteristic);
          id = g_signal_connect (characteristic, "value-changed", G_CALLBACK (on_value_changed), self);
          g_ptr_array_add (self->value_handlers, g_object_ref (characteristic));
          g_array_append_val (self->value_handler_ids, id);
        }
    }
}

static gboolean
prepare_database (HapAccessoryServer *self, gboolean *state_changed, GError **error)
{
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (self->accessory);
  gboolean ids_changed = FALSE;

  _hap_accessory_ensure_protocol_information (self->accessory);
  /* HAP over BLE adds its pairing service and signatures to the one database. */
  if ((self->transports & HAP_TRANSPORT_BLE) && !_hap_ble_database_prepare (self->accessory, error))
    return FALSE;
  assign_aids (self, &ids_changed);
  assign_ids (self, self->accessory, &ids_changed);
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    assign_ids (self, g_ptr_array_index (bridged, i), &ids_changed);
  if (ids_changed && !hap_storage_save_ids (self->storage, error))
    return FALSE;

  /* Saved by the caller once the transports run, with the port (one write of the state
   * file per start: replacing files is what a first start of thousands costs most). */
  if (!update_config_number (self, state_changed, error))
    return FALSE;

  index_accessory (self, self->accessory);
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    index_accessory (self, g_ptr_array_index (bridged, i));
  return TRUE;
}

static void
stop_transports (HapAccessoryServer *self)
{
  for (guint i = G_N_ELEMENTS (all_transports); i-- > 0;)
    if (self->transport_state[i] != NULL)
      all_transports[i]->stop (g_steal_pointer (&self->transport_state[i]));
}

static gboolean
check_transports (HapAccessoryServer *self, GError **error)
{
  HapTransportFlags known = 0;

  for (guint i = 0; i < G_N_ELEMENTS (all_transports); i++)
    known |= all_transports[i]->flag;
  if (self->transports == 0)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "no transport to serve the accessory on");
      return FALSE;
    }
  if (self->transports & ~known)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED,
                   "transport 0x%x is not built into this library", self->transports & ~known);
      return FALSE;
    }
  return TRUE;
}

/* The code or verifier asked for before start replaces what the state directory holds. */
static gboolean
apply_setup_secret (HapAccessoryServer *self, GError **error)
{
  HapStorage *storage = self->storage;

  if (self->setup_verifier != NULL)
    {
      gboolean same_id = self->setup_id == NULL || strcmp (self->setup_id, storage->setup_id) == 0;

      if (storage->has_setup_verifier && same_id &&
          memcmp (storage->setup_salt, g_bytes_get_data (self->setup_salt, NULL), HAP_SRP_SALT_LEN) == 0 &&
          memcmp (storage->setup_verifier, g_bytes_get_data (self->setup_verifier, NULL), HAP_SRP_PRIME_LEN) == 0)
        return TRUE;
      hap_storage_set_setup_verifier (storage, g_bytes_get_data (self->setup_salt, NULL),
                                      g_bytes_get_data (self->setup_verifier, NULL));
      if (self->setup_id != NULL)
        memcpy (storage->setup_id, self->setup_id, sizeof storage->setup_id);
      return hap_storage_save_identity (storage, error);
    }
  if (self->setup_code != NULL && g_strcmp0 (self->setup_code, storage->setup_code) != 0)
    {
      hap_storage_set_setup_code (storage, self->setup_code);
      return hap_storage_save_identity (storage, error);
    }
  return TRUE;
}

gboolean
hap_accessory_server_start (HapAccessoryServer  *self,
                            GError             **error)
{
  gboolean state_changed = FALSE;
  guint previous_port;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  if (!check_transports (self, error))
    return FALSE;
  hap_crypto_init ();
  g_clear_pointer (&self->context, g_main_context_unref);
  self->context = g_main_context_ref_thread_default ();
  /* Read again at every start: the files may have changed while stopped (factory
   * reset). */
  g_clear_pointer (&self->storage, hap_storage_free);
  self->storage = hap_storage_open (self->state_dir, error);
  if (self->storage == NULL)
    return FALSE;

  if (!apply_setup_secret (self, error))
    return FALSE;

  self->pairing.storage = self->storage;
  self->pairing.pairings_changed = on_pairings_changed;
  self->pairing.user_data = self;
  hap_pairing_context_setup_code_changed (&self->pairing);

  previous_port = self->storage->last_port;
  if (!prepare_database (self, &state_changed, error))
    {
      hap_accessory_server_stop (self);
      return FALSE;
    }
  self->started = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (all_transports); i++)
    {
      if (!(self->transports & all_transports[i]->flag))
        continue;
      self->transport_state[i] = all_transports[i]->start (self, error);
      if (self->transport_state[i] == NULL)
        {
          hap_accessory_server_stop (self);
          return FALSE;
        }
    }
  /* The configuration number must be on disk before a controller acts on it; the port
   * (hap-ip-listener.c) rides along. */
  if ((state_changed || self->storage->last_port != previous_port) &&
      !hap_storage_save_state (self->storage, error))
    {
      hap_accessory_server_stop (self);
      return FALSE;
    }
  g_debug ("%s: serving as %s", hap_accessory_get_name (self->accessory), self->storage->device_id);
  return TRUE;
}

void
hap_accessory_server_stop (HapAccessoryServer *self)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));

  stop_transports (self);
  while (self->sessions->len > 0)
    _hap_session_close (g_ptr_array_index (self->sessions, self->sessions->len - 1));
  /* Resumable BLE sessions live in memory only (docs/protocol.md §3.4). */
  hap_pairing_context_clear_resumable (&self->pairing);
  for (guint i = 0; i < self->value_handlers->len; i++)
    g_signal_handler_disconnect (g_ptr_array_index (self->value_handlers, i),
                                 g_array_index (self->value_handler_ids, gulong, i));
  g_ptr_array_set_size (self->value_handlers, 0);
  g_array_set_size (self->value_handler_ids, 0);
  g_hash_table_remove_all (self->characteristics);
  g_hash_table_remove_all (self->subscribers);
  self->started = FALSE;
}

/* ---- GObject ----------------------------------------------------------------------- */

static void
hap_accessory_server_dispose (GObject *object)
{
  HapAccessoryServer *self = (HapAccessoryServer *)object;

  hap_accessory_server_stop (self);
  g_clear_object (&self->accessory);
  g_clear_object (&self->advertiser);
  g_clear_object (&self->connection_limit);
  G_OBJECT_CLASS (hap_accessory_server_parent_class)->dispose (object);
}

static void
hap_accessory_server_finalize (GObject *object)
{
  HapAccessoryServer *self = (HapAccessoryServer *)object;

  g_clear_pointer (&self->sessions, g_ptr_array_unref);
  g_clear_pointer (&self->value_handlers, g_ptr_array_unref);
  g_clear_pointer (&self->value_handler_ids, g_array_unref);
  g_clear_pointer (&self->characteristics, g_hash_table_unref);
  g_clear_pointer (&self->subscribers, g_hash_table_unref);
  g_clear_pointer (&self->storage, hap_storage_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->setup_code, hap_secret_free);
  g_clear_pointer (&self->setup_salt, g_bytes_unref);
  g_clear_pointer (&self->setup_verifier, g_bytes_unref);
  g_free (self->setup_id);
  g_free (self->state_dir);
  g_free (self->bind_address);
  g_free (self->ble_adapter);
  G_OBJECT_CLASS (hap_accessory_server_parent_class)->finalize (object);
}

static void
hap_accessory_server_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapAccessoryServer *self = HAP_ACCESSORY_SERVER (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      g_value_set_object (value, self->accessory);
      break;
    case PROP_STATE_DIR:
      g_value_set_string (value, self->state_dir);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_CONNECTION_LIMIT:
      g_value_set_object (value, self->connection_limit);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout_ms);
      break;
    case PROP_STALL_TIMEOUT:
      g_value_set_uint (value, self->stall_timeout_ms);
      break;
    case PROP_PAIRING_TIMEOUT:
      g_value_set_uint (value, self->pairing_timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_accessory_server_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HapAccessoryServer *self = HAP_ACCESSORY_SERVER (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      self->accessory = g_value_dup_object (value);
      self->transports = hap_accessory_get_transports (self->accessory);
      break;
    case PROP_STATE_DIR:
      self->state_dir = g_value_dup_string (value);
      break;
    case PROP_MAX_CONNECTIONS:
      self->max_connections = g_value_get_uint (value);
      break;
    case PROP_CONNECTION_LIMIT:
      /* The transport took a reference at start; a new limit applies from the next. */
      g_set_object (&self->connection_limit, g_value_get_object (value));
      break;
    case PROP_IDLE_TIMEOUT:
      self->idle_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_STALL_TIMEOUT:
      self->stall_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_PAIRING_TIMEOUT:
      self->pairing_timeout_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_accessory_server_class_init (HapAccessoryServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hap_accessory_server_dispose;
  object_class->finalize = hap_accessory_server_finalize;
  object_class->get_property = hap_accessory_server_get_property;
  object_class->set_property = hap_accessory_server_set_property;

  /**
   * HapAccessoryServer:accessory:
   *
   * The accessory served, set at construction.
   */
  properties [PROP_ACCESSORY] =
    g_param_spec_object ("accessory", NULL, NULL, HAP_TYPE_ACCESSORY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessoryServer:state-dir:
   *
   * The directory of the accessory's identity, keys and pairings, set at
   * construction.
   */
  properties [PROP_STATE_DIR] =
    g_param_spec_string ("state-dir", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessoryServer:max-connections:
   *
   * The most HAP/IP connections this accessory holds at once; 0 leaves only the
   * #HapAccessoryServer:connection-limit. Default %HAP_DEFAULT_MAX_CONNECTIONS (256;
   * HAP requires at least 8, HomeKitADK defaults to 17). At the cap a new connection
   * evicts this accessory's oldest connection that has not completed Pair Verify, or is
   * refused when all are verified. Read at every accept.
   */
  properties [PROP_MAX_CONNECTIONS] =
    g_param_spec_uint ("max-connections", NULL, NULL, 0, G_MAXUINT, HAP_DEFAULT_MAX_CONNECTIONS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessoryServer:connection-limit:
   *
   * The process-wide cap this server's connections count against, shared with other
   * servers (see #HapConnectionLimit). %NULL (the default): the server makes one of its
   * own at start, derived from the file descriptor limit. Set before start.
   */
  properties [PROP_CONNECTION_LIMIT] =
    g_param_spec_object ("connection-limit", NULL, NULL, HAP_TYPE_CONNECTION_LIMIT,
                         (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessoryServer:idle-timeout:
   *
   * Milliseconds a HAP/IP connection may stay open without a Pair Setup or Pair Verify
   * step before it has completed Pair Verify (counted from the accept or the last
   * step); 0 never closes it. Default %HAP_DEFAULT_IDLE_TIMEOUT_MS (60 s, HomeKitADK's
   * idle time). Verified sessions are never closed for being quiet: controllers keep
   * them open indefinitely.
   */
  properties [PROP_IDLE_TIMEOUT] =
    g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, HAP_DEFAULT_IDLE_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessoryServer:stall-timeout:
   *
   * Milliseconds a request may stay incomplete while the server waits for the rest
   * (a body shorter than its Content-Length, part of an encrypted frame) before the
   * connection is closed, verified or not; the clock restarts whenever a request
   * completes. 0 never closes it. Default %HAP_DEFAULT_STALL_TIMEOUT_MS (10 s).
   */
  properties [PROP_STALL_TIMEOUT] =
    g_param_spec_uint ("stall-timeout", NULL, NULL, 0, G_MAXUINT, HAP_DEFAULT_STALL_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessoryServer:pairing-timeout:
   *
   * Milliseconds a Pair Setup or Pair Verify in progress may wait for the controller's
   * next step before the connection is dropped (and with it the procedure, so that a
   * stalled Pair Setup does not keep other controllers Busy); 0 never drops it. Default
   * %HAP_DEFAULT_PAIRING_TIMEOUT_MS (30 s, HomeKitADK's Pair Setup timeout).
   */
  properties [PROP_PAIRING_TIMEOUT] =
    g_param_spec_uint ("pairing-timeout", NULL, NULL, 0, G_MAXUINT, HAP_DEFAULT_PAIRING_TIMEOUT_MS,
                       (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HapAccessoryServer::pairing-added:
   * @self: a #HapAccessoryServer
   * @controller_id: the controller's pairing identifier
   * @admin: whether it is an admin
   *
   * A pairing was added or its permissions changed.
   */
  signals [PAIRING_ADDED] =
    g_signal_new ("pairing-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  /**
   * HapAccessoryServer::pairing-removed:
   * @self: a #HapAccessoryServer
   * @controller_id: the controller's pairing identifier
   *
   * A pairing was removed.
   */
  signals [PAIRING_REMOVED] =
    g_signal_new ("pairing-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * HapAccessoryServer::paired-changed:
   * @self: a #HapAccessoryServer
   *
   * The accessory went from unpaired to paired or back.
   */
  signals [PAIRED_CHANGED] =
    g_signal_new ("paired-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * HapAccessoryServer::advertised:
   * @self: a #HapAccessoryServer
   * @name: (nullable): the advertised name, or %NULL when avahi-daemon is not running
   *
   * The DNS-SD record was established (possibly under an alternative name after a
   * collision), or advertising waits for avahi-daemon.
   */
  signals [ADVERTISED] =
    g_signal_new ("advertised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * HapAccessoryServer::ble-advertised:
   * @self: a #HapAccessoryServer
   * @adapter: the BlueZ adapter, e.g. "hci0"
   *
   * BlueZ registered the accessory's GATT application and advertisement: controllers
   * can find it over Bluetooth LE (again, after bluetoothd or the adapter came back).
   */
  signals [BLE_ADVERTISED] =
    g_signal_new ("ble-advertised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
hap_accessory_server_init (HapAccessoryServer *self)
{
  self->event_window_ms = 250;
  self->advertise = TRUE;
  self->handler_timeout_ms = 5000;
  self->max_connections = HAP_DEFAULT_MAX_CONNECTIONS;
  self->idle_timeout_ms = HAP_DEFAULT_IDLE_TIMEOUT_MS;
  self->stall_timeout_ms = HAP_DEFAULT_STALL_TIMEOUT_MS;
  self->pairing_timeout_ms = HAP_DEFAULT_PAIRING_TIMEOUT_MS;
  self->transports = HAP_TRANSPORT_IP;
  self->sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) _hap_session_unref);
  self->value_handlers = g_ptr_array_new_with_free_func (g_object_unref);
  self->value_handler_ids = g_array_new (FALSE, FALSE, sizeof (gulong));
  self->characteristics = g_hash_table_new_full (char_key_hash, char_key_equal, g_free, NULL);
  self->subscribers = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_hash_table_unref);
}

/* ---- public API -------------------------------------------------------------------- */

HapAccessoryServer *
hap_accessory_server_new (HapAccessory *accessory,
                          const char   *state_dir)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (accessory), NULL);
  g_return_val_if_fail (state_dir != NULL, NULL);

  return g_object_new (HAP_TYPE_ACCESSORY_SERVER,
                       "accessory", accessory,
                       "state-dir", state_dir,
                       NULL);
}

void
hap_accessory_server_set_port (HapAccessoryServer *self, guint16 port)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (!self->started);
  self->port = port;
}

void
hap_accessory_server_set_bind_address (HapAccessoryServer *self, const char *address)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (!self->started);
  g_free (self->bind_address);
  self->bind_address = g_strdup (address);
}

gboolean
hap_accessory_server_set_setup_code (HapAccessoryServer  *self,
                                     const char          *setup_code,
                                     GError             **error)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  if (setup_code != NULL && !hap_setup_code_validate (setup_code, error))
    return FALSE;
  hap_secret_free (self->setup_code);
  self->setup_code = g_strdup (setup_code);
  if (setup_code != NULL)
    {
      g_clear_pointer (&self->setup_salt, g_bytes_unref);
      g_clear_pointer (&self->setup_verifier, g_bytes_unref);
      g_clear_pointer (&self->setup_id, g_free);
    }
  return TRUE;
}

gboolean
hap_accessory_server_set_setup_verifier (HapAccessoryServer  *self,
                                         GBytes              *salt,
                                         GBytes              *verifier,
                                         const char          *setup_id,
                                         GError             **error)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);
  g_return_val_if_fail (salt != NULL && verifier != NULL, FALSE);

  /* docs/protocol.md §2.1: a 16-byte salt; v is padded to the 3072-bit group's length. */
  if (g_bytes_get_size (salt) != HAP_SRP_SALT_LEN || g_bytes_get_size (verifier) != HAP_SRP_PRIME_LEN)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "A setup salt is %u bytes and a verifier %u bytes, not %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT,
                   HAP_SRP_SALT_LEN, HAP_SRP_PRIME_LEN, g_bytes_get_size (salt), g_bytes_get_size (verifier));
      return FALSE;
    }
  if (setup_id != NULL && !hap_setup_id_validate (setup_id, error))
    return FALSE;
  g_clear_pointer (&self->setup_code, hap_secret_free);
  g_clear_pointer (&self->setup_salt, g_bytes_unref);
  g_clear_pointer (&self->setup_verifier, g_bytes_unref);
  self->setup_salt = g_bytes_ref (salt);
  self->setup_verifier = g_bytes_ref (verifier);
  g_free (self->setup_id);
  self->setup_id = g_strdup (setup_id);
  return TRUE;
}

void
hap_accessory_server_set_event_window (HapAccessoryServer *self, guint milliseconds)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  self->event_window_ms = milliseconds;
}

void
hap_accessory_server_set_handler_timeout (HapAccessoryServer *self, guint milliseconds)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  self->handler_timeout_ms = MAX (milliseconds, 1);
}

void
hap_accessory_server_set_advertiser (HapAccessoryServer *self, HapAdvertiser *advertiser)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (!self->started);
  g_set_object (&self->advertiser, advertiser);
}

void
hap_accessory_server_set_advertise (HapAccessoryServer *self, gboolean advertise)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (!self->started);
  self->advertise = advertise;
}

HapAccessory *
hap_accessory_server_get_accessory (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  return self->accessory;
}

guint16
hap_accessory_server_get_port (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), 0);
  return self->port;
}

const char *
hap_accessory_server_get_device_id (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  return self->storage ? self->storage->device_id : NULL;
}

const char *
hap_accessory_server_get_setup_code (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  return self->storage ? self->storage->setup_code : self->setup_code;
}

const char *
hap_accessory_server_get_setup_id (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  return self->storage ? self->storage->setup_id : NULL;
}

char *
hap_accessory_server_dup_setup_payload (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);
  g_return_val_if_fail (self->storage != NULL, NULL);

  if (self->storage->setup_code == NULL)
    return NULL;
  /* docs/protocol.md §2.4: the payload says which transports the accessory serves. */
  return hap_setup_payload_build (self->storage->setup_code, self->storage->setup_id,
                                  (guint) hap_accessory_get_category (self->accessory),
                                  ((self->transports & HAP_TRANSPORT_IP) ? HAP_SETUP_FLAG_IP : 0) |
                                  ((self->transports & HAP_TRANSPORT_BLE) ? HAP_SETUP_FLAG_BLE : 0));
}

gboolean
hap_accessory_server_is_paired (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), FALSE);
  return self->storage != NULL && self->storage->pairings->len > 0;
}

guint
hap_accessory_server_get_config_number (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), 0);
  return self->storage ? self->storage->config_number : 0;
}

guint
hap_accessory_server_get_n_connections (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), 0);
  return self->sessions->len;
}

/* ---- hap-inspection.h ------------------------------------------------------------ */

#if HAP_ENABLE_INSPECTION
void
hap_accessory_server_set_hooks (HapAccessoryServer   *self,
                                const HapServerHooks *hooks,
                                gpointer              user_data)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));

  self->hooks = hooks;
  self->hooks_data = user_data;
}
#endif

#if HAP_ENABLE_INSPECTION
void
hap_accessory_server_set_fixed_salt (HapAccessoryServer *self, const guint8 *salt)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));

  self->pairing.use_fixed_salt = salt != NULL;
  if (salt != NULL)
    memcpy (self->pairing.fixed_salt, salt, sizeof self->pairing.fixed_salt);
  /* The verifier depends on the salt: compute both again at the next M1. */
  hap_pairing_context_setup_code_changed (&self->pairing);
}
#endif

#if HAP_ENABLE_INSPECTION
GPtrArray *
hap_accessory_server_get_pairings (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), NULL);

  return self->storage != NULL ? self->storage->pairings : NULL;
}
#endif

#if HAP_ENABLE_INSPECTION
gboolean
hap_accessory_server_remove_pairing (HapAccessoryServer  *self,
                                     const char          *controller_id,
                                     GError             **error)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), FALSE);
  g_return_val_if_fail (controller_id != NULL, FALSE);

  if (self->storage == NULL ||
      hap_storage_find_pairing (self->storage, controller_id, strlen (controller_id)) == NULL)
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_FAILED, "no pairing for controller “%s”", controller_id);
      return FALSE;
    }
  return hap_pairings_remove (&self->pairing, controller_id, strlen (controller_id), error);
}
#endif

void
hap_accessory_server_set_transports (HapAccessoryServer *self, HapTransportFlags transports)
{
  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (!self->started);
  self->transports = transports;
}

HapTransportFlags
hap_accessory_server_get_transports (HapAccessoryServer *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), 0);
  return self->transports;
}

#if HAP_ENABLE_INSPECTION
void
hap_accessory_server_restart_ble (HapAccessoryServer *self)
{
  guint ble = G_N_ELEMENTS (all_transports) - 1;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (HAP_IS_ACCESSORY_SERVER (self));
  g_return_if_fail (all_transports[ble] == &hap_ble_transport);

  if (self->transport_state[ble] == NULL)
    return;
  hap_ble_transport.stop (g_steal_pointer (&self->transport_state[ble]));
  self->transport_state[ble] = hap_ble_transport.start (self, &error);
  if (self->transport_state[ble] == NULL)
    g_warning ("%s: HAP over BLE did not start again: %s", hap_accessory_get_name (self->accessory),
               error->message);
}
#endif

gboolean
hap_accessory_server_set_ble_adapter (HapAccessoryServer *self, const char *adapter, GError **error)
{
  guint ble = G_N_ELEMENTS (all_transports) - 1;

  g_return_val_if_fail (HAP_IS_ACCESSORY_SERVER (self), FALSE);
  g_return_val_if_fail (all_transports[ble] == &hap_ble_transport, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_strcmp0 (adapter, self->ble_adapter) == 0)
    return TRUE;
  g_free (self->ble_adapter);
  self->ble_adapter = g_strdup (adapter);
  /* Running: only the BLE transport moves; IP sessions stay. Its link to a central on
   * the old adapter is gone with it. */
  if (self->transport_state[ble] == NULL)
    return TRUE;
  hap_ble_transport.stop (g_steal_pointer (&self->transport_state[ble]));
  self->transport_state[ble] = hap_ble_transport.start (self, error);
  return self->transport_state[ble] != NULL;
}
