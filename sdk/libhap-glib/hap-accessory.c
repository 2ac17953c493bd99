/* hap-accessory.c — an accessory: services under one aid, possibly a bridge
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-accessory.h"
#include "hap-model-private.h"

#include <string.h>

#define UUID_ACCESSORY_INFORMATION  "0000003E-0000-1000-8000-0026BB765291"
#define UUID_PROTOCOL_INFORMATION   "000000A2-0000-1000-8000-0026BB765291"
#define UUID_NAME                   "00000023-0000-1000-8000-0026BB765291"

/* docs/protocol.md §4.10: the Protocol Information service carries Version "1.1.0". */
#define HAP_PROTOCOL_VERSION "1.1.0"

struct _HapAccessory
{
  GObject       parent_instance;

  char         *name;
  int           category;
  guint64       aid;
  HapService   *information;  /* also in services */
  GPtrArray    *services;     /* owned HapService */
  GPtrArray    *bridged;      /* owned HapAccessory */
  HapAccessory *bridge;       /* weak, maintained by the bridge */
  GBytes       *snapshot;
  HapTransportFlags transports;
  gboolean      recorded;              /* see _hap_accessory_set_recorded() */
  guint         recorded_root_index;
  guint         recorded_config_number;
};

G_DEFINE_FINAL_TYPE (HapAccessory, hap_accessory, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_CATEGORY,
  PROP_AID,
  PROP_BRIDGE,
  N_PROPS
};

enum {
  IDENTIFY,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
hap_accessory_dispose (GObject *object)
{
  HapAccessory *self = (HapAccessory *) object;

  if (self->services != NULL)
    {
      for (guint i = 0; i < self->services->len; i++)
        _hap_service_set_accessory (g_ptr_array_index (self->services, i), NULL);
      g_ptr_array_set_size (self->services, 0);
    }
  self->information = NULL;

  if (self->bridged != NULL)
    {
      for (guint i = 0; i < self->bridged->len; i++)
        {
          HapAccessory *bridged = g_ptr_array_index (self->bridged, i);

          bridged->bridge = NULL;
          g_object_notify_by_pspec (G_OBJECT (bridged), properties[PROP_BRIDGE]);
        }
      g_ptr_array_set_size (self->bridged, 0);
    }

  self->bridge = NULL;
  g_clear_pointer (&self->snapshot, g_bytes_unref);

  G_OBJECT_CLASS (hap_accessory_parent_class)->dispose (object);
}

static void
hap_accessory_finalize (GObject *object)
{
  HapAccessory *self = (HapAccessory *) object;

  g_clear_pointer (&self->services, g_ptr_array_unref);
  g_clear_pointer (&self->bridged, g_ptr_array_unref);
  g_clear_pointer (&self->name, g_free);

  G_OBJECT_CLASS (hap_accessory_parent_class)->finalize (object);
}

static void
hap_accessory_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HapAccessory *self = HAP_ACCESSORY (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_CATEGORY:
      g_value_set_int (value, self->category);
      break;
    case PROP_AID:
      g_value_set_uint64 (value, hap_accessory_get_aid (self));
      break;
    case PROP_BRIDGE:
      g_value_set_object (value, self->bridge);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_accessory_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HapAccessory *self = HAP_ACCESSORY (object);

  switch (prop_id)
    {
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_CATEGORY:
      self->category = g_value_get_int (value);
      break;
    case PROP_AID:
      hap_accessory_set_aid (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* "GARAGE_DOOR_OPENER" → "Garage Door Opener"; two-letter words stay upper case
 * ("IP Camera", "TV Set Top Box"). */
static char *
category_title (int category)
{
  const char *name = hap_catalog_category_name (category);
  g_auto(GStrv) words = NULL;
  GString *title;

  if (name == NULL)
    return g_strdup ("Accessory");

  words = g_strsplit (name, "_", -1);
  title = g_string_new (NULL);
  for (guint i = 0; words[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (title, ' ');
      if (strlen (words[i]) <= 2)
        g_string_append (title, words[i]);
      else
        {
          g_autofree char *lower = g_ascii_strdown (words[i] + 1, -1);

          g_string_append_c (title, words[i][0]);
          g_string_append (title, lower);
        }
    }

  return g_string_free (title, FALSE);
}

/* A stable serial number per name, so that a simulated accessory keeps it across runs. */
static char *
serial_for_name (const char *name)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name, -1);
  g_autofree char *head = g_ascii_strup (digest, 8);

  return g_strconcat ("SIM-", head, NULL);
}

/* The longest prefix of @str of at most @max bytes that ends on a character boundary. */
static char *
utf8_truncate_bytes (const char *str,
                     gsize       max)
{
  const char *end = str;

  while (*end != '\0')
    {
      const char *next = g_utf8_next_char (end);

      if ((gsize) (next - str) > max)
        break;
      end = next;
    }

  return g_strndup (str, end - str);
}

static void
hap_accessory_constructed (GObject *object)
{
  HapAccessory *self = (HapAccessory *) object;
  g_autoptr(HapService) information = NULL;
  g_autofree char *model = NULL;
  g_autofree char *serial = NULL;

  G_OBJECT_CLASS (hap_accessory_parent_class)->constructed (object);

  if (self->name == NULL || !g_utf8_validate (self->name, -1, NULL))
    {
      g_free (self->name);
      self->name = g_strdup ("Accessory");
    }

  /* docs/protocol.md §4.10: Accessory Information is always the service with iid 1. */
  information = hap_service_new (UUID_ACCESSORY_INFORMATION);
  hap_service_set_iid (information, 1);
  hap_accessory_add_service (self, information);
  self->information = information;

  model = category_title (self->category);
  serial = serial_for_name (self->name);

  hap_accessory_set_information (self, "Manufacturer", "HAP Simulator");
  hap_accessory_set_information (self, "Model", model);
  hap_accessory_set_information (self, "Name", self->name);
  hap_accessory_set_information (self, "SerialNumber", serial);
  hap_accessory_set_information (self, "FirmwareRevision", "1.0.0");
}

static void
hap_accessory_class_init (HapAccessoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hap_accessory_constructed;
  object_class->dispose = hap_accessory_dispose;
  object_class->finalize = hap_accessory_finalize;
  object_class->get_property = hap_accessory_get_property;
  object_class->set_property = hap_accessory_set_property;

  /**
   * HapAccessory:name:
   *
   * The name controllers show, set at construction.
   */
  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                          G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessory:category:
   *
   * The accessory category id, set at construction.
   */
  properties[PROP_CATEGORY] =
    g_param_spec_int ("category", NULL, NULL, 0, G_MAXINT, 1,
                      (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                       G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessory:aid:
   *
   * The accessory instance id: 1 for a lone accessory or a bridge.
   */
  properties[PROP_AID] =
    g_param_spec_uint64 ("aid", NULL, NULL, 0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapAccessory:bridge:
   *
   * The bridge this accessory was added to, or %NULL.
   */
  properties[PROP_BRIDGE] =
    g_param_spec_object ("bridge", NULL, NULL, HAP_TYPE_ACCESSORY,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HapAccessory::identify:
   * @self: the accessory
   *
   * A controller wrote the Identify characteristic, or sent `POST /identify` while the
   * accessory was unpaired: blink, beep or otherwise show which device this is.
   */
  signals[IDENTIFY] =
    g_signal_new ("identify",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
hap_accessory_init (HapAccessory *self)
{
  self->category = 1;
  self->transports = HAP_TRANSPORT_IP;
  self->services = g_ptr_array_new_with_free_func (g_object_unref);
  self->bridged = g_ptr_array_new_with_free_func (g_object_unref);
}

HapAccessory *
hap_accessory_new (const char *name,
                   int         category)
{
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (category >= 0, NULL);

  return g_object_new (HAP_TYPE_ACCESSORY,
                       "name", name,
                       "category", category,
                       NULL);
}

const char *
hap_accessory_get_name (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);

  return self->name;
}

int
hap_accessory_get_category (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), 0);

  return self->category;
}

HapTransportFlags
hap_accessory_get_transports (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), HAP_TRANSPORT_IP);

  return self->transports;
}

void
hap_accessory_set_transports (HapAccessory      *self,
                              HapTransportFlags  transports)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));
  g_return_if_fail (transports != 0);

  self->transports = transports;
}

/* An accessory that is not bridged serves at aid 1 (docs/protocol.md §4.10); a bridged
 * one reports 0 until it is given an aid. */
guint64
hap_accessory_get_aid (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), 0);

  if (self->aid == 0 && self->bridge == NULL)
    return 1;

  return self->aid;
}

void
hap_accessory_set_aid (HapAccessory *self,
                       guint64       aid)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));

  if (self->aid != aid)
    {
      self->aid = aid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AID]);
    }
}

void
hap_accessory_set_information (HapAccessory *self,
                               const char   *type,
                               const char   *value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  HapCharacteristic *characteristic;
  int max_len;

  g_return_if_fail (HAP_IS_ACCESSORY (self));
  g_return_if_fail (type != NULL);
  g_return_if_fail (value != NULL && g_utf8_validate (value, -1, NULL));

  /* A recorded device may have no Accessory Information service at all. */
  if (self->information == NULL)
    return;
  characteristic = hap_service_get_characteristic (self->information, type);
  if (characteristic == NULL)
    {
      g_autoptr(HapCharacteristic) added = hap_characteristic_new (type);

      g_return_if_fail (added != NULL);
      g_return_if_fail (hap_characteristic_get_format (added) == HAP_FORMAT_STRING);
      hap_service_add_characteristic (self->information, added);
      characteristic = added;
    }

  /* Information strings are limited to maxLen bytes (64 by default, §4.7): cut long
   * ones on a character boundary rather than fail. */
  max_len = _hap_characteristic_get_constraints (characteristic)->max_len;
  text = utf8_truncate_bytes (value, max_len > 0 ? (gsize) max_len : 64);

  if (!hap_characteristic_set_value (characteristic, g_variant_new_string (text), &error))
    {
      g_warning ("Cannot set %s to “%s”: %s", type, text, error->message);
      return;
    }

  /* The Name characteristic and the accessory name are one. */
  if (g_strcmp0 (hap_characteristic_get_type_uuid (characteristic), UUID_NAME) == 0 &&
      g_strcmp0 (self->name, text) != 0)
    {
      g_free (self->name);
      self->name = g_steal_pointer (&text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
    }
}

HapService *
hap_accessory_get_information_service (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);

  return self->information;
}

void
hap_accessory_add_service (HapAccessory *self,
                           HapService   *service)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));
  g_return_if_fail (HAP_IS_SERVICE (service));
  g_return_if_fail (hap_service_get_accessory (service) == NULL);

  g_ptr_array_add (self->services, g_object_ref (service));
  _hap_service_set_accessory (service, self);
  /* A recorded accessory's Accessory Information is the first one it lists. */
  if (self->information == NULL && self->recorded &&
      g_strcmp0 (hap_service_get_type_uuid (service), UUID_ACCESSORY_INFORMATION) == 0)
    self->information = service;
}

GPtrArray *
hap_accessory_get_services (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);

  return self->services;
}

HapService *
hap_accessory_get_service (HapAccessory *self,
                           const char   *type)
{
  const HapServiceType *catalog;
  g_autofree char *uuid = NULL;

  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);
  g_return_val_if_fail (type != NULL, NULL);

  if ((catalog = hap_catalog_lookup_service (type)) != NULL)
    uuid = g_strdup (catalog->uuid);
  else if (!(uuid = hap_uuid_normalize (type)))
    return NULL;

  for (guint i = 0; i < self->services->len; i++)
    {
      HapService *service = g_ptr_array_index (self->services, i);

      if (g_strcmp0 (hap_service_get_type_uuid (service), uuid) == 0)
        return service;
    }

  return NULL;
}

HapCharacteristic *
hap_accessory_get_characteristic_by_iid (HapAccessory *self,
                                         guint64       iid)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);

  for (guint i = 0; i < self->services->len; i++)
    {
      GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (self->services, i));

      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);

          if (hap_characteristic_get_iid (characteristic) == iid)
            return characteristic;
        }
    }

  return NULL;
}

void
hap_accessory_add_bridged_accessory (HapAccessory *self,
                                     HapAccessory *bridged)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));
  g_return_if_fail (HAP_IS_ACCESSORY (bridged));
  g_return_if_fail (self != bridged);
  g_return_if_fail (self->bridge == NULL);
  g_return_if_fail (bridged->bridge == NULL);
  g_return_if_fail (bridged->bridged->len == 0);

  g_ptr_array_add (self->bridged, g_object_ref (bridged));
  bridged->bridge = self;
  g_object_notify_by_pspec (G_OBJECT (bridged), properties[PROP_BRIDGE]);
  g_object_notify_by_pspec (G_OBJECT (bridged), properties[PROP_AID]);
}

GPtrArray *
hap_accessory_get_bridged_accessories (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);

  return self->bridged;
}

HapAccessory *
hap_accessory_get_bridge (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);

  return self->bridge;
}

void
hap_accessory_set_snapshot (HapAccessory *self,
                            GBytes       *jpeg)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));

  if (jpeg != NULL)
    g_bytes_ref (jpeg);
  g_clear_pointer (&self->snapshot, g_bytes_unref);
  self->snapshot = jpeg;
}

GBytes *
hap_accessory_get_snapshot (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), NULL);

  return self->snapshot;
}

void
_hap_accessory_identify (HapAccessory *self)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));

  g_signal_emit (self, signals[IDENTIFY], 0);
}

void
hap_accessory_identify (HapAccessory *self)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));

  _hap_accessory_identify (self);
}

void
_hap_accessory_ensure_protocol_information (HapAccessory *self)
{
  g_autoptr(HapService) service = NULL;
  HapCharacteristic *version;

  g_return_if_fail (HAP_IS_ACCESSORY (self));

  /* A recorded device is served as it was, with or without one. */
  if (self->recorded || hap_accessory_get_service (self, UUID_PROTOCOL_INFORMATION) != NULL)
    return;

  service = hap_service_new (UUID_PROTOCOL_INFORMATION);
  version = hap_service_get_characteristic (service, "Version");
  hap_characteristic_set_value (version, g_variant_new_string (HAP_PROTOCOL_VERSION), NULL);
  hap_accessory_add_service (self, service);
}

void
_hap_accessory_append_json (HapAccessory *self,
                            GString      *out)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));
  g_return_if_fail (out != NULL);

  /* docs/protocol.md §4.10, key for key. */
  g_string_append_printf (out, "{\"aid\":%" G_GUINT64_FORMAT ",\"services\":[",
                          hap_accessory_get_aid (self));

  for (guint i = 0; i < self->services->len; i++)
    {
      HapService *service = g_ptr_array_index (self->services, i);
      GPtrArray *linked = hap_service_get_linked_services (service);
      GPtrArray *characteristics = hap_service_get_characteristics (service);
      g_autofree char *type = hap_uuid_to_short (hap_service_get_type_uuid (service));

      if (i > 0)
        g_string_append_c (out, ',');
      if (_hap_service_get_recorded (service) != NULL)
        {
          _hap_service_append_recorded_json (service, out);
          continue;
        }

      g_string_append_printf (out, "{\"iid\":%" G_GUINT64_FORMAT ",\"type\":",
                              hap_service_get_iid (service));
      hap_json_append_string (out, type != NULL ? type : hap_service_get_type_uuid (service));
      g_string_append_printf (out, ",\"primary\":%s,\"hidden\":%s,\"linked\":[",
                              hap_service_get_primary (service) ? "true" : "false",
                              hap_service_get_hidden (service) ? "true" : "false");
      for (guint j = 0; j < linked->len; j++)
        g_string_append_printf (out, "%s%" G_GUINT64_FORMAT, j > 0 ? "," : "",
                                hap_service_get_iid (g_ptr_array_index (linked, j)));
      g_string_append (out, "],\"characteristics\":[");
      for (guint j = 0; j < characteristics->len; j++)
        {
          if (j > 0)
            g_string_append_c (out, ',');
          _hap_characteristic_append_json (g_ptr_array_index (characteristics, j), out,
                                           HAP_JSON_DB, NULL, FALSE);
        }
      g_string_append (out, "]}");
    }

  g_string_append (out, "]}");
}

/* iid assignment (docs/protocol.md §4.10: iids are unique within the accessory and
 * stable for the lifetime of the pairing). Objects are visited with stable keys:
 * "svc:<UUID>#<n>" for the n-th service of a type (counting from 1) and
 * "svc:<UUID>#<n>/chr:<UUID>#<m>" for the m-th characteristic of a type in it. The map
 * holds iids as GUINT_TO_POINTER, so 32 bits of them (BLE even limits iids to 65535). */

typedef struct
{
  GObject *object;  /* HapService or HapCharacteristic */
  char    *key;
} IidSlot;

static void
iid_slot_clear (IidSlot *slot)
{
  g_clear_pointer (&slot->key, g_free);
}

static guint64
slot_get_iid (IidSlot *slot)
{
  if (HAP_IS_SERVICE (slot->object))
    return hap_service_get_iid (HAP_SERVICE (slot->object));
  return hap_characteristic_get_iid (HAP_CHARACTERISTIC (slot->object));
}

static void
slot_set_iid (IidSlot *slot,
              guint64  iid)
{
  if (HAP_IS_SERVICE (slot->object))
    hap_service_set_iid (HAP_SERVICE (slot->object), iid);
  else
    hap_characteristic_set_iid (HAP_CHARACTERISTIC (slot->object), iid);
}

/* "<prefix>:<UUID>#<n>", n counting the earlier objects of the same type. */
static char *
next_key (GHashTable *counts,
          const char *parent,
          const char *prefix,
          const char *uuid)
{
  g_autofree char *base = g_strdup_printf ("%s%s%s:%s", parent ? parent : "",
                                           parent ? "/" : "", prefix, uuid);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, base)) + 1;

  g_hash_table_insert (counts, g_strdup (base), GUINT_TO_POINTER (n));

  return g_strdup_printf ("%s#%u", base, n);
}

static gboolean
map_set (GHashTable *id_map,
         const char *key,
         guint64     iid)
{
  gpointer old;

  if (g_hash_table_lookup_extended (id_map, key, NULL, &old) &&
      GPOINTER_TO_UINT (old) == iid)
    return FALSE;

  g_hash_table_insert (id_map, g_strdup (key), GUINT_TO_POINTER ((guint) iid));
  return TRUE;
}

gboolean
_hap_accessory_assign_iids (HapAccessory *self,
                            GHashTable   *id_map)
{
  g_autoptr(GArray) slots = NULL;
  g_autoptr(GHashTable) counts = NULL;
  g_autoptr(GHashTable) used = NULL;
  GHashTableIter iter;
  gpointer value;
  guint64 next = 1;
  gboolean changed = FALSE;

  g_return_val_if_fail (HAP_IS_ACCESSORY (self), FALSE);
  g_return_val_if_fail (id_map != NULL, FALSE);

  /* A recorded device's iids are all in its file (and may not fit the map's 32 bits). */
  if (self->recorded)
    return FALSE;

  slots = g_array_new (FALSE, TRUE, sizeof (IidSlot));
  g_array_set_clear_func (slots, (GDestroyNotify) iid_slot_clear);
  counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  used = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  /* The Accessory Information service is always iid 1, except where a recorded device
   * put it. */
  if (!self->recorded)
    hap_service_set_iid (self->information, 1);

  for (guint i = 0; i < self->services->len; i++)
    {
      HapService *service = g_ptr_array_index (self->services, i);
      GPtrArray *characteristics = hap_service_get_characteristics (service);
      IidSlot slot = { G_OBJECT (service), next_key (counts, NULL, "svc", hap_service_get_type_uuid (service)) };
      const char *service_key = slot.key;

      g_array_append_val (slots, slot);
      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);
          IidSlot chr_slot = { G_OBJECT (characteristic),
                               next_key (counts, service_key, "chr",
                                         hap_characteristic_get_type_uuid (characteristic)) };

          g_array_append_val (slots, chr_slot);
        }
    }

  /* Pass 1: explicit iids are kept (and remembered under their key). New iids go above
   * every iid in use or remembered, so an iid once given is never handed to another
   * object. */
  g_hash_table_iter_init (&iter, id_map);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    next = MAX (next, (guint64) GPOINTER_TO_UINT (value) + 1);

  for (guint i = 0; i < slots->len; i++)
    {
      IidSlot *slot = &g_array_index (slots, IidSlot, i);
      guint64 iid = slot_get_iid (slot);

      if (iid == 0)
        continue;
      g_hash_table_add (used, g_memdup2 (&iid, sizeof iid));
      next = MAX (next, iid + 1);
      changed |= map_set (id_map, slot->key, iid);
    }

  /* Pass 2: keys seen on an earlier run get their iid back, unless an explicit iid
   * took it meanwhile. */
  for (guint i = 0; i < slots->len; i++)
    {
      IidSlot *slot = &g_array_index (slots, IidSlot, i);
      gpointer stored;
      guint64 iid;

      if (slot_get_iid (slot) != 0 ||
          !g_hash_table_lookup_extended (id_map, slot->key, NULL, &stored))
        continue;

      iid = GPOINTER_TO_UINT (stored);
      if (iid == 0 || g_hash_table_contains (used, &iid))
        continue;
      g_hash_table_add (used, g_memdup2 (&iid, sizeof iid));
      slot_set_iid (slot, iid);
    }

  /* Pass 3: everything else is new. */
  for (guint i = 0; i < slots->len; i++)
    {
      IidSlot *slot = &g_array_index (slots, IidSlot, i);
      guint64 iid;

      if (slot_get_iid (slot) != 0)
        continue;
      iid = next++;
      g_hash_table_add (used, g_memdup2 (&iid, sizeof iid));
      slot_set_iid (slot, iid);
      changed |= map_set (id_map, slot->key, iid);
    }

  return changed;
}

void
_hap_accessory_set_recorded (HapAccessory *self,
                             guint         root_index,
                             guint         config_number)
{
  g_return_if_fail (HAP_IS_ACCESSORY (self));

  if (!self->recorded)
    {
      for (guint i = 0; i < self->services->len; i++)
        _hap_service_set_accessory (g_ptr_array_index (self->services, i), NULL);
      g_ptr_array_set_size (self->services, 0);
      self->information = NULL;
    }
  self->recorded = TRUE;
  self->recorded_root_index = root_index;
  self->recorded_config_number = config_number;
}

gboolean
hap_accessory_is_recorded (HapAccessory *self)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), FALSE);

  return self->recorded;
}

gboolean
_hap_accessory_get_recorded (HapAccessory *self,
                             guint        *root_index,
                             guint        *config_number)
{
  g_return_val_if_fail (HAP_IS_ACCESSORY (self), FALSE);

  if (root_index != NULL)
    *root_index = self->recorded ? self->recorded_root_index : 0;
  if (config_number != NULL)
    *config_number = self->recorded ? self->recorded_config_number : 0;
  return self->recorded;
}
