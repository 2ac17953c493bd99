/* hap-sim-session.c — one connection to a simulated accessory, with its counters
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A snapshot of a HapConnection, refreshed in place (hap_sim_session_update) so that a
 * row bound to it sees its counters tick through notify:: rather than being replaced.
 * The connection itself is not kept: it may close and go away under a list showing it.
 */
#include "hap-sim-session.h"

#include "hap-sim-inspect.h"

/**
 * HapSimSession:
 *
 * A connection to an accessory (verified or not) as the app lists it and the control
 * API returns it (one dictionary of `ListSessions`).
 */
struct _HapSimSession
{
  GObject   parent_instance;
  guint64   id;
  char     *peer;
  char     *controller_id;
  gboolean  secured;
  gint64    connected;
  gint64    established;
  guint64   requests;
  guint64   bytes_in;
  guint64   bytes_out;
  GStrv     subscriptions;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_PEER,
  PROP_CONTROLLER_ID,
  PROP_SECURED,
  PROP_CONNECTED,
  PROP_ESTABLISHED,
  PROP_REQUESTS,
  PROP_BYTES_IN,
  PROP_BYTES_OUT,
  PROP_SUBSCRIPTIONS,
  N_PROPS
};

G_DEFINE_FINAL_TYPE (HapSimSession, hap_sim_session, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];

static void
hap_sim_session_finalize (GObject *object)
{
  HapSimSession *self = HAP_SIM_SESSION (object);

  g_free (self->peer);
  g_free (self->controller_id);
  g_strfreev (self->subscriptions);
  G_OBJECT_CLASS (hap_sim_session_parent_class)->finalize (object);
}

static void
hap_sim_session_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimSession *self = HAP_SIM_SESSION (object);

  switch (prop_id)
    {
    case PROP_ID:            g_value_set_uint64 (value, self->id); break;
    case PROP_PEER:          g_value_set_string (value, self->peer); break;
    case PROP_CONTROLLER_ID: g_value_set_string (value, self->controller_id); break;
    case PROP_SECURED:       g_value_set_boolean (value, self->secured); break;
    case PROP_CONNECTED:     g_value_set_int64 (value, self->connected); break;
    case PROP_ESTABLISHED:   g_value_set_int64 (value, self->established); break;
    case PROP_REQUESTS:      g_value_set_uint64 (value, self->requests); break;
    case PROP_BYTES_IN:      g_value_set_uint64 (value, self->bytes_in); break;
    case PROP_BYTES_OUT:     g_value_set_uint64 (value, self->bytes_out); break;
    case PROP_SUBSCRIPTIONS: g_value_set_boxed (value, self->subscriptions); break;
    default:                 G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_session_class_init (HapSimSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = hap_sim_session_finalize;
  object_class->get_property = hap_sim_session_get_property;

  /**
   * HapSimSession:id:
   *
   * The connection's id, as in the trace's "session".
   */
  properties [PROP_ID] = g_param_spec_uint64 ("id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * HapSimSession:peer:
   *
   * The controller's address and port.
   */
  properties [PROP_PEER] = g_param_spec_string ("peer", NULL, NULL, NULL, flags);
  /**
   * HapSimSession:controller-id:
   *
   * The pairing identifier of the verified controller, "" before Pair Verify.
   */
  properties [PROP_CONTROLLER_ID] = g_param_spec_string ("controller-id", NULL, NULL, NULL, flags);
  /**
   * HapSimSession:secured:
   *
   * Whether Pair Verify completed and the session is encrypted.
   */
  properties [PROP_SECURED] = g_param_spec_boolean ("secured", NULL, NULL, FALSE, flags);
  /**
   * HapSimSession:connected:
   *
   * When the connection was accepted, in µs of real time.
   */
  properties [PROP_CONNECTED] = g_param_spec_int64 ("connected", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /**
   * HapSimSession:established:
   *
   * When the session was secured, in µs of real time (0 until then).
   */
  properties [PROP_ESTABLISHED] = g_param_spec_int64 ("established", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /**
   * HapSimSession:requests:
   *
   * Requests received so far.
   */
  properties [PROP_REQUESTS] = g_param_spec_uint64 ("requests", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * HapSimSession:bytes-in:
   *
   * Bytes received so far, on the wire.
   */
  properties [PROP_BYTES_IN] = g_param_spec_uint64 ("bytes-in", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * HapSimSession:bytes-out:
   *
   * Bytes sent so far, on the wire.
   */
  properties [PROP_BYTES_OUT] = g_param_spec_uint64 ("bytes-out", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * HapSimSession:subscriptions:
   *
   * The characteristics the controller subscribed to, as "aid.iid".
   */
  properties [PROP_SUBSCRIPTIONS] = g_param_spec_boxed ("subscriptions", NULL, NULL, G_TYPE_STRV, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_sim_session_init (HapSimSession *self)
{
  self->peer = g_strdup ("");
  self->controller_id = g_strdup ("");
  self->subscriptions = g_new0 (char *, 1);
}

static GStrv
dup_subscriptions (HapConnection *conn)
{
  g_autoptr(GPtrArray) subscriptions = hap_connection_dup_subscriptions (conn);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; subscriptions != NULL && i < subscriptions->len; i++)
    {
      HapCharacteristic *characteristic = g_ptr_array_index (subscriptions, i);
      g_autofree char *spec = g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT,
                                               hap_sim_characteristic_aid (characteristic),
                                               hap_characteristic_get_iid (characteristic));

      g_strv_builder_add (builder, spec);
    }
  return g_strv_builder_end (builder);
}

#define SET_FIELD(field, prop, value)                                  \
  G_STMT_START {                                                       \
    __typeof__ (self->field) v_ = (value);                             \
    if (self->field != v_)                                             \
      {                                                                \
        self->field = v_;                                              \
        g_object_notify_by_pspec (G_OBJECT (self), properties [prop]); \
        changed = TRUE;                                                \
      }                                                                \
  } G_STMT_END

static gboolean
set_string (HapSimSession *self, char **field, const char *value, guint prop)
{
  if (g_strcmp0 (*field, value ? value : "") == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value ? value : "");
  g_object_notify_by_pspec (G_OBJECT (self), properties [prop]);
  return TRUE;
}

/**
 * hap_sim_session_update:
 * @self: a session
 * @conn: the connection it is of
 *
 * Reads @conn's state and counters again, notifying each property that changed.
 *
 * Returns: whether anything changed
 */
gboolean
hap_sim_session_update (HapSimSession *self, HapConnection *conn)
{
  g_auto(GStrv) subscriptions = NULL;
  gboolean changed = FALSE;

  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), FALSE);
  g_return_val_if_fail (conn != NULL, FALSE);

  g_object_freeze_notify (G_OBJECT (self));
  SET_FIELD (id, PROP_ID, hap_connection_get_id (conn));
  changed |= set_string (self, &self->peer, hap_connection_get_peer (conn), PROP_PEER);
  changed |= set_string (self, &self->controller_id, hap_connection_get_controller_id (conn),
                         PROP_CONTROLLER_ID);
  SET_FIELD (secured, PROP_SECURED, hap_connection_is_secured (conn) ? TRUE : FALSE);
  SET_FIELD (connected, PROP_CONNECTED, hap_connection_get_connected_time (conn));
  SET_FIELD (established, PROP_ESTABLISHED, hap_connection_get_secured_time (conn));
  SET_FIELD (requests, PROP_REQUESTS, hap_connection_get_n_requests (conn));
  SET_FIELD (bytes_in, PROP_BYTES_IN, hap_connection_get_bytes_in (conn));
  SET_FIELD (bytes_out, PROP_BYTES_OUT, hap_connection_get_bytes_out (conn));
  subscriptions = dup_subscriptions (conn);
  if (!g_strv_equal ((const char * const *) subscriptions,
                     (const char * const *) self->subscriptions))
    {
      g_strfreev (self->subscriptions);
      self->subscriptions = g_steal_pointer (&subscriptions);
      g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_SUBSCRIPTIONS]);
      changed = TRUE;
    }
  g_object_thaw_notify (G_OBJECT (self));
  return changed;
}

/**
 * hap_sim_session_new:
 * @conn: a connection of an accessory server
 *
 * Returns: (transfer full): a snapshot of @conn
 */
HapSimSession *
hap_sim_session_new (HapConnection *conn)
{
  HapSimSession *self = g_object_new (HAP_SIM_TYPE_SESSION, NULL);

  hap_sim_session_update (self, conn);
  return self;
}

/**
 * hap_sim_session_get_id:
 * @self: a session
 *
 * Returns: the connection's id
 */
guint64
hap_sim_session_get_id (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), 0);
  return self->id;
}

/**
 * hap_sim_session_get_peer:
 * @self: a session
 *
 * Returns: the controller's address and port
 */
const char *
hap_sim_session_get_peer (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), NULL);
  return self->peer;
}

/**
 * hap_sim_session_get_controller_id:
 * @self: a session
 *
 * Returns: the verified controller's identifier, "" before Pair Verify
 */
const char *
hap_sim_session_get_controller_id (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), NULL);
  return self->controller_id;
}

/**
 * hap_sim_session_get_secured:
 * @self: a session
 *
 * Returns: whether the session is encrypted
 */
gboolean
hap_sim_session_get_secured (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), FALSE);
  return self->secured;
}

/**
 * hap_sim_session_get_connected:
 * @self: a session
 *
 * Returns: when the connection was accepted, µs of real time
 */
gint64
hap_sim_session_get_connected (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), 0);
  return self->connected;
}

/**
 * hap_sim_session_get_established:
 * @self: a session
 *
 * Returns: when the session was secured, µs of real time, or 0
 */
gint64
hap_sim_session_get_established (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), 0);
  return self->established;
}

/**
 * hap_sim_session_get_requests:
 * @self: a session
 *
 * Returns: the number of requests received
 */
guint64
hap_sim_session_get_requests (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), 0);
  return self->requests;
}

/**
 * hap_sim_session_get_bytes_in:
 * @self: a session
 *
 * Returns: the bytes received
 */
guint64
hap_sim_session_get_bytes_in (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), 0);
  return self->bytes_in;
}

/**
 * hap_sim_session_get_bytes_out:
 * @self: a session
 *
 * Returns: the bytes sent
 */
guint64
hap_sim_session_get_bytes_out (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), 0);
  return self->bytes_out;
}

/**
 * hap_sim_session_get_subscriptions:
 * @self: a session
 *
 * Returns: (transfer none): the subscribed characteristics as "aid.iid"
 */
const char * const *
hap_sim_session_get_subscriptions (HapSimSession *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), NULL);
  return (const char * const *) self->subscriptions;
}

/**
 * hap_sim_session_to_variant:
 * @self: a session
 *
 * The session as the control API returns it: a{sv} of session (t), peer,
 * controller-id, secured, connected, established, requests, bytes-in, bytes-out and
 * subscriptions, in that order.
 *
 * Returns: (transfer floating): the dictionary
 */
GVariant *
hap_sim_session_to_variant (HapSimSession *self)
{
  GVariantBuilder dict;

  g_return_val_if_fail (HAP_SIM_IS_SESSION (self), NULL);

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  hap_sim_dict_add (&dict, "session", "t", self->id);
  hap_sim_dict_add (&dict, "peer", "s", self->peer);
  hap_sim_dict_add (&dict, "controller-id", "s", self->controller_id);
  hap_sim_dict_add (&dict, "secured", "b", self->secured);
  hap_sim_dict_add (&dict, "connected", "x", self->connected);
  hap_sim_dict_add (&dict, "established", "x", self->established);
  hap_sim_dict_add (&dict, "requests", "t", self->requests);
  hap_sim_dict_add (&dict, "bytes-in", "t", self->bytes_in);
  hap_sim_dict_add (&dict, "bytes-out", "t", self->bytes_out);
  hap_sim_dict_add_value (&dict, "subscriptions",
                          g_variant_new_strv ((const char * const *) self->subscriptions, -1));
  return g_variant_builder_end (&dict);
}

static gboolean
find_session (GListModel *model, guint64 id, guint *position)
{
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HapSimSession) item = g_list_model_get_item (model, i);

      if (item->id == id)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * hap_sim_session_list_sync:
 * @store: a list of [class@HapSimSession]
 * @connections: (element-type HapConnection) (nullable): the connections there are now
 *
 * Makes @store list a session per connection: sessions of closed connections are
 * removed, those of new ones appended, and the others updated in place.
 */
void
hap_sim_session_list_sync (GListStore *store, GPtrArray *connections)
{
  GListModel *model = G_LIST_MODEL (store);
  g_autoptr(GHashTable) live = g_hash_table_new (g_int64_hash, g_int64_equal);
  guint n_conns = connections != NULL ? connections->len : 0;
  g_autofree guint64 *ids = g_new (guint64, n_conns + 1);

  g_return_if_fail (G_IS_LIST_STORE (store));

  for (guint i = 0; i < n_conns; i++)
    {
      ids[i] = hap_connection_get_id (g_ptr_array_index (connections, i));
      g_hash_table_add (live, &ids[i]);
    }
  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(HapSimSession) item = g_list_model_get_item (model, i - 1);

      if (!g_hash_table_contains (live, &item->id))
        g_list_store_remove (store, i - 1);
    }
  for (guint i = 0; i < n_conns; i++)
    {
      HapConnection *conn = g_ptr_array_index (connections, i);
      guint position;

      if (find_session (model, ids[i], &position))
        {
          g_autoptr(HapSimSession) item = g_list_model_get_item (model, position);

          hap_sim_session_update (item, conn);
        }
      else
        {
          g_autoptr(HapSimSession) item = hap_sim_session_new (conn);

          g_list_store_append (store, item);
        }
    }
}
