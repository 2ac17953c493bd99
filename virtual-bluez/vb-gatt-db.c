/* vb-gatt-db.c — one adapter's GATT database as bluetoothd 5.66 builds it
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-gatt-db.h"

#include <string.h>

#include "vb-att.h"
#include "vb-error.h"

#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHRC    "org.bluez.GattCharacteristic1"
#define IFACE_DESC    "org.bluez.GattDescriptor1"
#define IFACE_PROFILE "org.bluez.GattProfile1"

#define MSG_NO_VALID  "No valid service object found"
#define MSG_DB_ENTRY  "Failed to create entry in database"

static void
desc_free (gpointer data)
{
  VbGattDesc *desc = data;

  g_free (desc->path);
  g_free (desc);
}

static void
chrc_free (gpointer data)
{
  VbGattChrc *chrc = data;

  g_free (chrc->path);
  g_ptr_array_unref (chrc->descs);
  g_free (chrc);
}

void
vb_gatt_service_free (VbGattService *service)
{
  if (service == NULL)
    return;
  g_free (service->path);
  g_ptr_array_unref (service->include_paths);
  g_array_unref (service->include_handles);
  g_ptr_array_unref (service->chrcs);
  g_free (service);
}

static VbGattService *
service_new (const char *path)
{
  VbGattService *service = g_new0 (VbGattService, 1);

  service->path = g_strdup (path);
  service->primary = TRUE;
  service->include_paths = g_ptr_array_new_with_free_func (g_free);
  service->include_handles = g_array_new (FALSE, FALSE, sizeof (guint16));
  service->chrcs = g_ptr_array_new_with_free_func (chrc_free);
  return service;
}

static VbGattChrc *
chrc_new (const char *path)
{
  VbGattChrc *chrc = g_new0 (VbGattChrc, 1);

  chrc->path = g_strdup (path);
  chrc->descs = g_ptr_array_new_with_free_func (desc_free);
  return chrc;
}

static VbGattDesc *
desc_new (VbDescKind kind, const char *path, guint16 sig_uuid)
{
  VbGattDesc *desc = g_new0 (VbGattDesc, 1);

  desc->kind = kind;
  desc->path = g_strdup (path);
  if (sig_uuid != 0)
    vb_uuid_from_u16 (sig_uuid, desc->uuid);
  return desc;
}

/* The CCC and CEP bluetoothd adds (database_add_ccc(), database_add_cep()): the CCC
 * right after the value, then the CEP, before the application's descriptors. */
static void
add_automatic_descriptors (VbGattChrc *chrc)
{
  if (chrc->props & (VB_PROP_NOTIFY | VB_PROP_INDICATE))
    {
      chrc->ccc = desc_new (VB_DESC_CCC, NULL, 0x2902);
      chrc->ccc->perm = VB_PERM_READ | VB_PERM_WRITE;
      g_ptr_array_add (chrc->descs, chrc->ccc);
    }
  if (chrc->ext_props != 0)
    {
      VbGattDesc *cep = desc_new (VB_DESC_CEP, NULL, 0x2900);

      cep->perm = VB_PERM_READ;
      cep->cep_value[0] = chrc->ext_props;
      g_ptr_array_add (chrc->descs, cep);
    }
}

/* ---- reading the application's objects ---- */

typedef struct
{
  const char *path;
  const char *iface;
  GVariant *props;        /* borrowed from the reply */
} Proxy;

typedef struct
{
  GPtrArray *services;
  GHashTable *services_by_path;  /* borrowed VbGattService */
  GHashTable *chrcs_by_path;     /* borrowed VbGattChrc */
  char *no_valid;         /* first reason for "No valid service object found" */
  char *db_entry;         /* first reason for "Failed to create entry in database" */
} ParseState;

static void G_GNUC_PRINTF (2, 3)
fail_no_valid (ParseState *state, const char *format, ...)
{
  va_list args;

  if (state->no_valid != NULL)
    return;
  va_start (args, format);
  state->no_valid = g_strdup_vprintf (format, args);
  va_end (args);
}

static void G_GNUC_PRINTF (2, 3)
fail_db_entry (ParseState *state, const char *format, ...)
{
  va_list args;

  if (state->db_entry != NULL)
    return;
  va_start (args, format);
  state->db_entry = g_strdup_vprintf (format, args);
  va_end (args);
}

static GVariant *
lookup (GVariant *props, const char *name, const char *type)
{
  return g_variant_lookup_value (props, name, G_VARIANT_TYPE (type));
}

static gboolean
has_property (GVariant *props, const char *name)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (props, name, NULL);

  return value != NULL;
}

/* parse_uuid(): a valid UUID that is not GAP or GATT ("managed by BlueZ"). */
static gboolean
read_uuid (ParseState *state, const Proxy *proxy, char uuid[VB_UUID_STRLEN])
{
  g_autoptr(GVariant) value = lookup (proxy->props, "UUID", "s");

  if (value == NULL || vb_uuid_parse (g_variant_get_string (value, NULL), uuid) == VB_UUID_INVALID)
    {
      fail_db_entry (state, "%s: UUID missing or invalid", proxy->path);
      return FALSE;
    }
  if (strcmp (proxy->iface, IFACE_SERVICE) == 0 &&
      (vb_uuid_is_u16 (uuid, 0x1800) || vb_uuid_is_u16 (uuid, 0x1801)))
    {
      fail_db_entry (state, "%s: GAP and GATT services are handled by BlueZ", proxy->path);
      return FALSE;
    }
  return TRUE;
}

/* parse_handle(): optional, but a UINT16 when present. */
static void
read_handle (ParseState *state, const Proxy *proxy, guint16 *handle, gboolean *present)
{
  g_autoptr(GVariant) any = g_variant_lookup_value (proxy->props, "Handle", NULL);

  *handle = 0;
  *present = any != NULL;
  if (any == NULL)
    return;
  if (!g_variant_is_of_type (any, G_VARIANT_TYPE_UINT16))
    {
      fail_db_entry (state, "%s: Handle is not a uint16", proxy->path);
      return;
    }
  *handle = g_variant_get_uint16 (any);
}

static char **
read_flags (const Proxy *proxy)
{
  g_autoptr(GVariant) value = lookup (proxy->props, "Flags", "as");

  return value != NULL ? g_variant_dup_strv (value, NULL) : NULL;
}

static void
parse_service (ParseState *state, const Proxy *proxy)
{
  VbGattService *service = service_new (proxy->path);
  g_autoptr(GVariant) primary = lookup (proxy->props, "Primary", "b");
  g_autoptr(GVariant) any_includes = g_variant_lookup_value (proxy->props, "Includes", NULL);

  g_ptr_array_add (state->services, service);
  g_hash_table_insert (state->services_by_path, service->path, service);
  read_uuid (state, proxy, service->uuid);
  if (primary == NULL)
    fail_db_entry (state, "%s: Primary missing or not a boolean", proxy->path);
  else
    service->primary = g_variant_get_boolean (primary);
  if (any_includes != NULL)
    {
      if (!g_variant_is_of_type (any_includes, G_VARIANT_TYPE_OBJECT_PATH_ARRAY))
        fail_db_entry (state, "%s: Includes is not an object path array", proxy->path);
      else
        {
          GVariantIter iter;
          const char *path;

          g_variant_iter_init (&iter, any_includes);
          while (g_variant_iter_next (&iter, "&o", &path))
            g_ptr_array_add (service->include_paths, g_strdup (path));
        }
    }
  read_handle (state, proxy, &service->requested_handle, &service->has_handle_property);
}

/* Lookups by path keep a hostile application with thousands of objects linear. */
static VbGattService *
find_parsed_service (ParseState *state, const char *path)
{
  return g_hash_table_lookup (state->services_by_path, path);
}

static void
parse_chrc (ParseState *state, const Proxy *proxy)
{
  g_autoptr(GVariant) service_path = lookup (proxy->props, "Service", "o");
  g_auto(GStrv) flags = read_flags (proxy);
  g_autoptr(GError) error = NULL;
  VbGattService *service;
  VbGattChrc *chrc;

  service = service_path != NULL
    ? find_parsed_service (state, g_variant_get_string (service_path, NULL)) : NULL;
  if (service == NULL)
    {
      fail_no_valid (state, "%s: Service does not name a service of this application",
                     proxy->path);
      return;
    }
  chrc = chrc_new (proxy->path);
  g_ptr_array_add (service->chrcs, chrc);
  g_hash_table_insert (state->chrcs_by_path, chrc->path, chrc);
  if (!vb_att_parse_chrc_flags ((const char *const *) flags, &chrc->props, &chrc->ext_props,
                                &chrc->perm, &chrc->authorize, &error))
    fail_no_valid (state, "%s: %s", proxy->path, error->message);
  chrc->notify_acquired = has_property (proxy->props, "NotifyAcquired");
  read_uuid (state, proxy, chrc->uuid);
  read_handle (state, proxy, &chrc->requested_handle, &chrc->has_handle_property);
  add_automatic_descriptors (chrc);
}

static VbGattChrc *
find_parsed_chrc (ParseState *state, const char *path)
{
  return g_hash_table_lookup (state->chrcs_by_path, path);
}

static void
parse_desc (ParseState *state, const Proxy *proxy)
{
  g_autoptr(GVariant) chrc_path = lookup (proxy->props, "Characteristic", "o");
  g_auto(GStrv) flags = read_flags (proxy);
  g_autoptr(GError) error = NULL;
  VbGattChrc *chrc;
  VbGattDesc *desc;

  chrc = chrc_path != NULL ? find_parsed_chrc (state, g_variant_get_string (chrc_path, NULL)) : NULL;
  if (chrc == NULL)
    {
      fail_no_valid (state, "%s: Characteristic does not name a characteristic of this application",
                     proxy->path);
      return;
    }
  desc = desc_new (VB_DESC_APP, proxy->path, 0);
  g_ptr_array_add (chrc->descs, desc);
  if (!vb_att_parse_desc_flags ((const char *const *) flags, &desc->perm, &desc->authorize, &error))
    fail_no_valid (state, "%s: %s", proxy->path, error->message);
  if (read_uuid (state, proxy, desc->uuid) && vb_uuid_is_u16 (desc->uuid, 0x2902))
    fail_no_valid (state, "%s: descriptor 0x2902 would duplicate the CCC that BlueZ adds to "
                   "notify/indicate characteristics (refused by the virtual BlueZ)", proxy->path);
  read_handle (state, proxy, &desc->requested_handle, &desc->has_handle_property);
}

static void
parse_state_clear (ParseState *state)
{
  g_clear_pointer (&state->services, g_ptr_array_unref);
  g_clear_pointer (&state->services_by_path, g_hash_table_unref);
  g_clear_pointer (&state->chrcs_by_path, g_hash_table_unref);
  g_clear_pointer (&state->no_valid, g_free);
  g_clear_pointer (&state->db_entry, g_free);
}

GPtrArray *
vb_gatt_parse_objects (GVariant  *objects,
                       guint     *n_profiles,
                       GError   **error)
{
  GPtrArray *services;
  g_autoptr(GArray) proxies = g_array_new (FALSE, FALSE, sizeof (Proxy));
  ParseState state = {
    g_ptr_array_new_with_free_func ((GDestroyNotify) vb_gatt_service_free),
    g_hash_table_new (g_str_hash, g_str_equal),
    g_hash_table_new (g_str_hash, g_str_equal),
    NULL, NULL,
  };
  GVariantIter objects_iter;
  const char *path;
  GVariant *interfaces;

  g_return_val_if_fail (g_variant_is_of_type (objects, G_VARIANT_TYPE ("a{oa{sa{sv}}}")), NULL);

  *n_profiles = 0;
  g_variant_iter_init (&objects_iter, objects);
  while (g_variant_iter_next (&objects_iter, "{&o@a{sa{sv}}}", &path, &interfaces))
    {
      GVariantIter iface_iter;
      Proxy proxy = { path, NULL, NULL };

      g_variant_iter_init (&iface_iter, interfaces);
      while (g_variant_iter_next (&iface_iter, "{&s@a{sv}}", &proxy.iface, &proxy.props))
        {
          g_array_append_val (proxies, proxy);
          /* @objects keeps the data alive; the proxies borrow it. */
          g_variant_unref (proxy.props);
        }
      g_variant_unref (interfaces);
    }
  if (proxies->len == 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_FAILED, "No object received");
      parse_state_clear (&state);
      return NULL;
    }

  /* client_ready_cb(): profiles, then services, characteristics, descriptors, each
   * pass in the order of the reply. */
  for (guint i = 0; i < proxies->len; i++)
    {
      const Proxy *proxy = &g_array_index (proxies, Proxy, i);

      if (strcmp (proxy->iface, IFACE_PROFILE) == 0)
        {
          g_autoptr(GVariant) uuids = lookup (proxy->props, "UUIDs", "as");

          if (uuids == NULL || g_variant_n_children (uuids) == 0)
            fail_no_valid (&state, "%s: GattProfile1 without UUIDs", proxy->path);
          (*n_profiles)++;
        }
    }
  for (guint i = 0; i < proxies->len; i++)
    if (strcmp (g_array_index (proxies, Proxy, i).iface, IFACE_SERVICE) == 0)
      parse_service (&state, &g_array_index (proxies, Proxy, i));
  for (guint i = 0; i < proxies->len; i++)
    if (strcmp (g_array_index (proxies, Proxy, i).iface, IFACE_CHRC) == 0)
      parse_chrc (&state, &g_array_index (proxies, Proxy, i));
  for (guint i = 0; i < proxies->len; i++)
    if (strcmp (g_array_index (proxies, Proxy, i).iface, IFACE_DESC) == 0)
      parse_desc (&state, &g_array_index (proxies, Proxy, i));

  if (state.no_valid == NULL && state.services->len == 0 && *n_profiles == 0)
    state.no_valid = g_strdup ("no GattService1 or GattProfile1 object");
  if (state.no_valid != NULL || state.db_entry != NULL)
    {
      if (state.no_valid != NULL)
        g_set_error (error, VB_ERROR, VB_ERROR_FAILED, MSG_NO_VALID " (%s)", state.no_valid);
      else
        g_set_error (error, VB_ERROR, VB_ERROR_FAILED, MSG_DB_ENTRY " (%s)", state.db_entry);
      parse_state_clear (&state);
      return NULL;
    }
  services = g_steal_pointer (&state.services);
  parse_state_clear (&state);
  return services;
}

/* ---- the database ---- */

static VbGattChrc *
core_chrc (VbGattService *service, guint16 uuid, guint16 decl, guint8 props, guint32 perm)
{
  VbGattChrc *chrc = chrc_new (NULL);

  vb_uuid_from_u16 (uuid, chrc->uuid);
  chrc->decl_handle = decl;
  chrc->value_handle = decl + 1;
  chrc->props = props;
  chrc->perm = perm;
  g_ptr_array_add (service->chrcs, chrc);
  return chrc;
}

static VbGattService *
core_service (guint16 uuid, guint16 start, guint16 end, gboolean hidden)
{
  VbGattService *service = service_new (NULL);

  vb_uuid_from_u16 (uuid, service->uuid);
  service->core = TRUE;
  service->hidden = hidden;
  service->start = start;
  service->end = end;
  return service;
}

void
vb_gatt_db_init (VbGattDb *db)
{
  VbGattService *gap, *gatt, *dis;
  VbGattChrc *service_changed;

  db->services = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_gatt_service_free);
  db->generation = 1;

  /* gatt-database.c populate_gap_service(): claimed by the gap plugin on a central,
   * so a central never exports it. */
  gap = core_service (0x1800, 0x0001, 0x0005, TRUE);
  core_chrc (gap, 0x2a00, 0x0002, VB_PROP_READ, VB_PERM_READ);   /* Device Name */
  core_chrc (gap, 0x2a01, 0x0004, VB_PROP_READ, VB_PERM_READ);   /* Appearance */
  g_ptr_array_add (db->services, gap);

  /* populate_gatt_service(): 10 handles whatever is used. */
  gatt = core_service (0x1801, 0x0006, 0x000f, FALSE);
  service_changed = core_chrc (gatt, 0x2a05, 0x0007, VB_PROP_INDICATE, 0);
  service_changed->ccc = desc_new (VB_DESC_CCC, NULL, 0x2902);
  service_changed->ccc->handle = 0x0009;
  service_changed->ccc->perm = VB_PERM_READ | VB_PERM_WRITE;
  g_ptr_array_add (service_changed->descs, service_changed->ccc);
  core_chrc (gatt, 0x2b29, 0x000a, VB_PROP_READ | VB_PROP_WRITE,      /* Client Features */
             VB_PERM_READ | VB_PERM_WRITE);
  core_chrc (gatt, 0x2b2a, 0x000c, VB_PROP_READ, VB_PERM_READ);       /* Database Hash */
  g_ptr_array_add (db->services, gatt);

  /* populate_devinfo_service(): present because DeviceID defaults to source 0x0002;
   * claimed by the deviceinfo plugin on a central. */
  dis = core_service (0x180a, 0x0010, 0x0012, TRUE);
  core_chrc (dis, 0x2a50, 0x0011, VB_PROP_READ, VB_PERM_READ);        /* PnP ID */
  g_ptr_array_add (db->services, dis);

  db->next_handle = VB_GATT_FIRST_APP_HANDLE;
}

void
vb_gatt_db_clear (VbGattDb *db)
{
  g_clear_pointer (&db->services, g_ptr_array_unref);
}

static guint
attribute_count (const VbGattService *service)
{
  guint count = 1 + service->include_paths->len;

  for (guint c = 0; c < service->chrcs->len; c++)
    count += 2 + ((VbGattChrc *) g_ptr_array_index (service->chrcs, c))->descs->len;
  return count;
}

static gboolean
overlaps (VbGattDb *db, guint start, guint end)
{
  for (guint i = 0; i < db->services->len; i++)
    {
      const VbGattService *other = g_ptr_array_index (db->services, i);

      if (start <= other->end && end >= other->start)
        return TRUE;
    }
  return FALSE;
}

/* The next handle inside a service: the requested one when it is past the previous
 * attribute and inside the range, else the one after the previous
 * (gatt_db_service_insert_characteristic()/_descriptor()). */
static gboolean
place (guint *cursor, guint16 requested, guint end, guint16 *out)
{
  guint handle = requested != 0 ? requested : *cursor + 1;

  if (handle <= *cursor || handle > end)
    return FALSE;
  *out = (guint16) handle;
  *cursor = handle;
  return TRUE;
}

static void
resolve_includes (VbGattDb *db, VbGattService *service)
{
  for (guint i = 0; i < service->include_paths->len; i++)
    {
      VbGattService *included = vb_gatt_db_find_service (db, service->owner,
                                                         g_ptr_array_index (service->include_paths, i));

      /* include_services(): an include that is not in the database yet is skipped. */
      if (included != NULL)
        g_array_append_val (service->include_handles, included->start);
    }
}

static gboolean
allocate (VbGattDb *db, VbGattService *service, GError **error)
{
  guint count = attribute_count (service);
  guint start = service->requested_handle != 0 ? service->requested_handle : db->next_handle;
  guint end = start + count - 1;
  guint cursor;

  if (end > G_MAXUINT16 || overlaps (db, start, end))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   MSG_DB_ENTRY " (%s: %u handles from 0x%04x do not fit)",
                   service->path, count, start);
      return FALSE;
    }
  service->start = (guint16) start;
  service->end = (guint16) end;
  cursor = start + service->include_paths->len;
  for (guint c = 0; c < service->chrcs->len; c++)
    {
      VbGattChrc *chrc = g_ptr_array_index (service->chrcs, c);
      guint16 decl_wanted = chrc->requested_handle != 0 ? chrc->requested_handle - 1 : 0;

      if (chrc->requested_handle == 1 || !place (&cursor, decl_wanted, end - 1, &chrc->decl_handle))
        goto bad_handle;
      chrc->value_handle = chrc->decl_handle + 1;
      cursor++;
      for (guint d = 0; d < chrc->descs->len; d++)
        {
          VbGattDesc *desc = g_ptr_array_index (chrc->descs, d);

          if (!place (&cursor, desc->requested_handle, end, &desc->handle))
            goto bad_handle;
        }
    }
  db->next_handle = MAX (db->next_handle, end + 1);
  return TRUE;

bad_handle:
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
               MSG_DB_ENTRY " (%s: a requested Handle is taken or outside 0x%04x-0x%04x)",
               service->path, start, end);
  return FALSE;
}

static gint
compare_start (gconstpointer a, gconstpointer b)
{
  const VbGattService *sa = *(VbGattService *const *) a;
  const VbGattService *sb = *(VbGattService *const *) b;

  return (gint) sa->start - (gint) sb->start;
}

gboolean
vb_gatt_db_insert (VbGattDb   *db,
                   GPtrArray  *services,
                   gpointer    owner,
                   GError    **error)
{
  guint inserted = 0;

  while (services->len > 0)
    {
      VbGattService *service = g_ptr_array_steal_index (services, 0);

      service->owner = owner;
      if (!allocate (db, service, error))
        {
          vb_gatt_service_free (service);
          /* database_add_app() failed: remove_app() frees what was added. */
          for (guint i = db->services->len; i-- > 0 && inserted > 0;)
            {
              VbGattService *added = g_ptr_array_index (db->services, i);

              if (added->owner == owner && !added->core)
                {
                  g_ptr_array_remove_index (db->services, i);
                  inserted--;
                }
            }
          g_ptr_array_set_size (services, 0);
          db->generation++;
          return FALSE;
        }
      resolve_includes (db, service);
      g_ptr_array_add (db->services, service);
      g_ptr_array_sort (db->services, compare_start);
      inserted++;
    }
  db->generation++;
  return TRUE;
}

void
vb_gatt_db_remove (VbGattDb      *db,
                   VbGattService *service)
{
  if (g_ptr_array_remove (db->services, service))
    db->generation++;
}

VbGattService *
vb_gatt_db_find_service (VbGattDb   *db,
                         gpointer    owner,
                         const char *path)
{
  for (guint i = 0; i < db->services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (db->services, i);

      if (!service->core && service->owner == owner && g_strcmp0 (service->path, path) == 0)
        return service;
    }
  return NULL;
}

VbGattChrc *
vb_gatt_db_find_chrc (VbGattDb       *db,
                      gpointer        owner,
                      const char     *path,
                      VbGattService **service_out)
{
  for (guint i = 0; i < db->services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (db->services, i);

      if (service->core || service->owner != owner)
        continue;
      for (guint c = 0; c < service->chrcs->len; c++)
        {
          VbGattChrc *chrc = g_ptr_array_index (service->chrcs, c);

          if (g_strcmp0 (chrc->path, path) == 0)
            {
              if (service_out != NULL)
                *service_out = service;
              return chrc;
            }
        }
    }
  return NULL;
}

VbGattAttr
vb_gatt_db_lookup (VbGattDb *db,
                   guint16   handle)
{
  VbGattAttr attr = { VB_ATTR_NONE, NULL, NULL, NULL };

  for (guint i = 0; i < db->services->len; i++)
    {
      VbGattService *service = g_ptr_array_index (db->services, i);

      if (handle < service->start || handle > service->end)
        continue;
      attr.service = service;
      if (handle == service->start)
        {
          attr.kind = VB_ATTR_SERVICE;
          return attr;
        }
      if (handle <= service->start + service->include_handles->len)
        {
          attr.kind = VB_ATTR_INCLUDE;
          return attr;
        }
      for (guint c = 0; c < service->chrcs->len; c++)
        {
          VbGattChrc *chrc = g_ptr_array_index (service->chrcs, c);

          attr.chrc = chrc;
          if (handle == chrc->decl_handle)
            {
              attr.kind = VB_ATTR_CHRC_DECL;
              return attr;
            }
          if (handle == chrc->value_handle)
            {
              attr.kind = VB_ATTR_CHRC_VALUE;
              return attr;
            }
          for (guint d = 0; d < chrc->descs->len; d++)
            {
              VbGattDesc *desc = g_ptr_array_index (chrc->descs, d);

              if (handle == desc->handle)
                {
                  attr.kind = VB_ATTR_DESC;
                  attr.desc = desc;
                  return attr;
                }
            }
        }
      attr.chrc = NULL;
      attr.service = NULL;
      return attr;
    }
  return attr;
}

char *
vb_gatt_service_signature (const VbGattService *service)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%04x-%04x %s %d", service->start, service->end, service->uuid,
                          service->primary);
  for (guint i = 0; i < service->include_handles->len; i++)
    g_string_append_printf (text, " inc %04x", g_array_index (service->include_handles, guint16, i));
  for (guint c = 0; c < service->chrcs->len; c++)
    {
      const VbGattChrc *chrc = g_ptr_array_index (service->chrcs, c);

      g_string_append_printf (text, " | %04x %s %02x %02x", chrc->decl_handle, chrc->uuid,
                              chrc->props, chrc->ext_props);
      for (guint d = 0; d < chrc->descs->len; d++)
        {
          const VbGattDesc *desc = g_ptr_array_index (chrc->descs, d);

          g_string_append_printf (text, " %04x %s", desc->handle, desc->uuid);
        }
    }
  return g_string_free (text, FALSE);
}
