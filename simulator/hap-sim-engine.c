/* hap-sim-engine.c — every virtual accessory of one process
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-engine.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hap-sim-error.h"

struct _HapSimEngine
{
  GObject        parent_instance;

  char          *state_dir;
  char          *bind_address;
  char          *setup_code;
  guint16        base_port;
  gboolean       advertise;
  guint          n_ports;        /* accessories given a port from base_port so far */
  HapAdvertiser *advertiser;     /* one Avahi client for all, created on first use */
  GStrv          ble_adapters;   /* given for BLE accessories in turn; NULL: the first usable */
  GHashTable    *ble_claims;     /* adapter → the accessory serving HAP-BLE on it */
  GPtrArray     *accessories;    /* HapSimAccessory */
  guint          starting;       /* files given at start-up not started yet */
  GHashTable    *by_id;          /* id → the accessory in @accessories (10,000 ids are
                                  * made and looked up at start: no linear scans) */
  /* One process, one budget of descriptors: every accessory's server counts against
   * this limit. */
  HapConnectionLimit *connection_limit;
  HapSimConnectionSettings connection_settings;
};

enum {
  ACCESSORY_ADDED,
  ACCESSORY_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (HapSimEngine, hap_sim_engine, G_TYPE_OBJECT)

HapSimEngine *
hap_sim_engine_new (const char *state_dir)
{
  HapSimEngine *self = g_object_new (HAP_SIM_TYPE_ENGINE, NULL);

  self->state_dir = g_strdup (state_dir);
  return self;
}

void
hap_sim_engine_set_bind_address (HapSimEngine *self, const char *address)
{
  g_free (self->bind_address);
  self->bind_address = g_strdup (address);
}

void
hap_sim_engine_set_ble_adapter (HapSimEngine *self, const char *adapters)
{
  g_clear_pointer (&self->ble_adapters, g_strfreev);
  if (adapters != NULL && *adapters != '\0')
    self->ble_adapters = g_strsplit (adapters, ",", -1);
}

void
hap_sim_engine_set_base_port (HapSimEngine *self, guint16 port)
{
  self->base_port = port;
}

gboolean
hap_sim_engine_set_setup_code (HapSimEngine *self, const char *code, GError **error)
{
  if (code != NULL && !hap_setup_code_validate (code, error))
    return FALSE;
  g_free (self->setup_code);
  self->setup_code = g_strdup (code);
  return TRUE;
}

HapConnectionLimit *
hap_sim_engine_get_connection_limit (HapSimEngine *self)
{
  return self->connection_limit;
}

void
hap_sim_engine_set_connection_settings (HapSimEngine *self, const HapSimConnectionSettings *settings)
{
  self->connection_settings = *settings;
}

void
hap_sim_engine_set_advertise (HapSimEngine *self, gboolean advertise)
{
  self->advertise = advertise;
}

GPtrArray *
hap_sim_engine_get_accessories (HapSimEngine *self)
{
  return self->accessories;
}

void
hap_sim_engine_set_starting (HapSimEngine *self, guint n_files)
{
  self->starting = n_files;
}

guint
hap_sim_engine_get_starting (HapSimEngine *self)
{
  return self->starting;
}

static HapSimAccessory *
find_by_id (HapSimEngine *self, const char *id)
{
  return g_hash_table_lookup (self->by_id, id);
}

HapSimAccessory *
hap_sim_engine_lookup (HapSimEngine *self, const char *id, GError **error)
{
  HapSimAccessory *acc = find_by_id (self, id);

  /* Also by device ID or by name, as controllers and people know them. */
  for (guint i = 0; acc == NULL && i < self->accessories->len; i++)
    {
      HapSimAccessory *candidate = g_ptr_array_index (self->accessories, i);
      HapAccessoryServer *server = hap_sim_accessory_get_server (candidate);

      if (g_str_equal (hap_sim_accessory_get_name (candidate), id) ||
          (server != NULL && g_ascii_strcasecmp (hap_accessory_server_get_device_id (server), id) == 0))
        acc = candidate;
    }
  if (acc == NULL)
    g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND, _("no accessory “%s”"), id);
  return acc;
}

/* The file's stem ("lightbulb" for accessories/lightbulb.json), unique among ids. Kept
 * stable across runs, since the state directory is named after it. */
static char *
make_id (HapSimEngine *self, const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');
  char *id;

  if (dot != NULL && dot != base)
    *dot = '\0';
  id = g_strdup (base);
  for (guint n = 2; find_by_id (self, id) != NULL; n++)
    {
      g_free (id);
      id = g_strdup_printf ("%s-%u", base, n);
    }
  return id;
}

static gboolean
adapter_taken (GPtrArray *accessories, const char *adapter)
{
  for (guint i = 0; accessories != NULL && i < accessories->len; i++)
    {
      HapSimAccessory *acc = g_ptr_array_index (accessories, i);

      if (hap_sim_accessory_has_ble (acc) && g_strcmp0 (hap_sim_accessory_get_ble_adapter (acc), adapter) == 0)
        return TRUE;
    }
  return FALSE;
}

/* One adapter carries one HAP-BLE accessory (docs/protocol.md §5.1): each BLE accessory
 * gets the first adapter of the list that no other one (added, or @pending in the same
 * workspace) was given. With the list used up it gets none ("the first usable"), which
 * the claims refuse while another accessory serves BLE: it then says what to do. */
static const char *
pick_adapter (HapSimEngine *self, GPtrArray *pending)
{
  for (guint i = 0; self->ble_adapters != NULL && self->ble_adapters[i] != NULL; i++)
    {
      const char *adapter = self->ble_adapters[i];

      if (*adapter != '\0' && !adapter_taken (self->accessories, adapter) && !adapter_taken (pending, adapter))
        return adapter;
    }
  /* A single adapter given is every accessory's, as before lists existed: the claims say
   * which one got it. */
  if (self->ble_adapters != NULL && g_strv_length (self->ble_adapters) == 1)
    return self->ble_adapters[0];
  return NULL;
}

const char *
hap_sim_engine_pick_ble_adapter (HapSimEngine *self, HapSimAccessory *accessory)
{
  g_return_val_if_fail (HAP_SIM_IS_ENGINE (self), NULL);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), NULL);

  if (hap_sim_accessory_get_ble_adapter (accessory) != NULL)
    return hap_sim_accessory_get_ble_adapter (accessory);
  return pick_adapter (self, NULL);
}

static HapSimAccessory *
load (HapSimEngine *self, const char *path, const char *id, GPtrArray *pending, GError **error)
{
  g_autofree char *dir = g_build_filename (self->state_dir, id, NULL);
  HapSimAccessory *acc;

  if (self->advertise && self->advertiser == NULL)
    self->advertiser = hap_advertiser_new ();
  acc = hap_sim_accessory_new_from_file (id, path, dir, self->advertise ? self->advertiser : NULL, error);
  if (acc == NULL)
    return NULL;
  hap_sim_accessory_set_bind_address (acc, self->bind_address);
  hap_sim_accessory_set_connection_settings (acc, self->connection_limit, &self->connection_settings);
  hap_sim_accessory_set_ble_adapter (acc, hap_sim_accessory_has_ble (acc) ? pick_adapter (self, pending) : NULL,
                                     self->ble_claims);
  if (self->setup_code != NULL)
    hap_sim_accessory_set_setup_code (acc, self->setup_code, NULL);
  if (self->base_port != 0 && self->base_port + self->n_ports <= 65535)
    hap_sim_accessory_set_port (acc, (guint16) (self->base_port + self->n_ports++));
  return acc;
}

static void
add (HapSimEngine *self, HapSimAccessory *acc)
{
  g_ptr_array_add (self->accessories, acc);
  g_hash_table_insert (self->by_id, (gpointer) hap_sim_accessory_get_id (acc), acc);
  g_signal_emit (self, signals[ACCESSORY_ADDED], 0, acc);
}

HapSimAccessory *
hap_sim_engine_add_file (HapSimEngine *self, const char *path, gboolean start, GError **error)
{
  g_autofree char *id = make_id (self, path);
  g_autoptr(HapSimAccessory) acc = load (self, path, id, NULL, error);

  if (acc == NULL)
    return NULL;
  if (start && !hap_sim_accessory_start (acc, error))
    return NULL;
  add (self, acc);
  return g_steal_pointer (&acc);
}

/* Starting a workspace, a BLE accessory without a free adapter must not keep the others
 * from serving: it joins stopped, and the warning (the claim's message) says how to give
 * it one. Other failures are @error (prefixed with the file when @name_file). */
static gboolean
start_or_leave_stopped (HapSimAccessory *acc, gboolean name_file, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (hap_sim_accessory_start (acc, &local))
    return TRUE;
  if (!hap_sim_accessory_has_ble (acc) || !g_error_matches (local, HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE))
    {
      if (name_file)
        g_prefix_error (&local, "%s: ", hap_sim_accessory_get_file (acc));
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_warning ("%s", local->message);
  return TRUE;
}

HapSimAccessory *
hap_sim_engine_add_file_at_startup (HapSimEngine *self, const char *path, GError **error)
{
  HapSimAccessory *acc = hap_sim_engine_add_file (self, path, FALSE, error);

  if (acc == NULL || !start_or_leave_stopped (acc, FALSE, error))
    return NULL;
  return acc;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

gboolean
hap_sim_engine_add_workspace (HapSimEngine *self, const char *path, gboolean start, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  if (names->len == 0)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_NOT_FOUND, _("%s: no *.json accessory files"), path);
      return FALSE;
    }

  /* Everything loads before anything is added: a broken file adds nothing. */
  for (guint i = 0; i < names->len; i++)
    {
      const char *file_name = g_ptr_array_index (names, i);
      g_autofree char *file = g_build_filename (path, file_name, NULL);
      g_autofree char *id = make_id (self, file);
      HapSimAccessory *acc;

      for (guint n = 2; g_hash_table_contains (ids, id); n++)
        {
          g_free (id);
          id = g_strdup_printf ("%.*s-%u", (int) (strlen (file_name) - 5), file_name, n);
        }
      if ((acc = load (self, file, id, loaded, error)) == NULL)
        return FALSE;
      g_hash_table_add (ids, g_steal_pointer (&id));
      g_ptr_array_add (loaded, acc);
    }
  for (guint i = 0; i < loaded->len; i++)
    {
      HapSimAccessory *acc = g_ptr_array_index (loaded, i);

      if (start && !start_or_leave_stopped (acc, TRUE, error))
        return FALSE;
      add (self, g_object_ref (acc));
    }
  return TRUE;
}

gboolean
hap_sim_engine_remove (HapSimEngine *self, const char *id, GError **error)
{
  g_autoptr(HapSimAccessory) acc = NULL;
  HapSimAccessory *found = hap_sim_engine_lookup (self, id, error);

  if (found == NULL)
    return FALSE;
  acc = g_object_ref (found);
  hap_sim_accessory_stop (acc);
  g_hash_table_remove (self->by_id, hap_sim_accessory_get_id (acc));
  g_ptr_array_remove (self->accessories, acc);
  g_signal_emit (self, signals[ACCESSORY_REMOVED], 0, acc);
  return TRUE;
}

void
hap_sim_engine_stop_all (HapSimEngine *self)
{
  for (guint i = 0; i < self->accessories->len; i++)
    hap_sim_accessory_stop (g_ptr_array_index (self->accessories, i));
}

static void
hap_sim_engine_dispose (GObject *object)
{
  HapSimEngine *self = HAP_SIM_ENGINE (object);

  if (self->accessories != NULL)
    hap_sim_engine_stop_all (self);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->accessories, g_ptr_array_unref);
  g_clear_object (&self->advertiser);
  g_clear_object (&self->connection_limit);
  G_OBJECT_CLASS (hap_sim_engine_parent_class)->dispose (object);
}

static void
hap_sim_engine_finalize (GObject *object)
{
  HapSimEngine *self = HAP_SIM_ENGINE (object);

  g_free (self->state_dir);
  g_free (self->bind_address);
  g_free (self->setup_code);
  g_strfreev (self->ble_adapters);
  g_hash_table_unref (self->ble_claims);
  G_OBJECT_CLASS (hap_sim_engine_parent_class)->finalize (object);
}

static void
hap_sim_engine_class_init (HapSimEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hap_sim_engine_dispose;
  object_class->finalize = hap_sim_engine_finalize;

  signals[ACCESSORY_ADDED] = g_signal_new ("accessory-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, HAP_SIM_TYPE_ACCESSORY);
  signals[ACCESSORY_REMOVED] = g_signal_new ("accessory-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                             0, NULL, NULL, NULL, G_TYPE_NONE, 1, HAP_SIM_TYPE_ACCESSORY);
}

static void
hap_sim_engine_init (HapSimEngine *self)
{
  self->advertise = TRUE;
  self->connection_limit = hap_connection_limit_new (0);
  self->connection_settings = (HapSimConnectionSettings) HAP_SIM_CONNECTION_SETTINGS_INIT;
  self->accessories = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->ble_claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
