/* hap-service.c — a typed group of characteristics (docs/protocol.md §6.3)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-service.h"
#include "hap-model-private.h"

struct _HapService
{
  GObject               parent_instance;

  char                 *uuid;
  const HapServiceType *catalog;
  HapAccessory         *accessory;        /* weak, maintained by the accessory */
  guint64               iid;
  guint                 primary : 1;
  guint                 hidden : 1;

  GPtrArray            *characteristics;  /* owned HapCharacteristic */
  GPtrArray            *linked;           /* weak HapService, see linked_service_gone() */
  JsonObject           *recorded;         /* as recorded in a device dump, or NULL */
};

G_DEFINE_FINAL_TYPE (HapService, hap_service, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TYPE,
  PROP_IID,
  PROP_PRIMARY,
  PROP_HIDDEN,
  PROP_ACCESSORY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Linked services are siblings of the same accessory and may link each other both
 * ways, so they are held weakly: a strong reference cycle would never be freed. */
static void
linked_service_gone (gpointer  data,
                     GObject  *where_the_object_was)
{
  HapService *self = data;

  while (g_ptr_array_remove (self->linked, where_the_object_was))
    ;
}

static void
hap_service_dispose (GObject *object)
{
  HapService *self = (HapService *) object;

  if (self->linked != NULL)
    {
      for (guint i = 0; i < self->linked->len; i++)
        g_object_weak_unref (g_ptr_array_index (self->linked, i), linked_service_gone, self);
      g_ptr_array_set_size (self->linked, 0);
    }

  if (self->characteristics != NULL)
    {
      for (guint i = 0; i < self->characteristics->len; i++)
        _hap_characteristic_set_service (g_ptr_array_index (self->characteristics, i), NULL);
      g_ptr_array_set_size (self->characteristics, 0);
    }

  self->accessory = NULL;

  G_OBJECT_CLASS (hap_service_parent_class)->dispose (object);
}

static void
hap_service_finalize (GObject *object)
{
  HapService *self = (HapService *) object;

  g_clear_pointer (&self->characteristics, g_ptr_array_unref);
  g_clear_pointer (&self->linked, g_ptr_array_unref);
  g_clear_pointer (&self->uuid, g_free);
  g_clear_pointer (&self->recorded, json_object_unref);

  G_OBJECT_CLASS (hap_service_parent_class)->finalize (object);
}

static void
hap_service_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  HapService *self = HAP_SERVICE (object);

  switch (prop_id)
    {
    case PROP_TYPE:
      g_value_set_string (value, self->uuid);
      break;
    case PROP_IID:
      g_value_set_uint64 (value, self->iid);
      break;
    case PROP_PRIMARY:
      g_value_set_boolean (value, self->primary);
      break;
    case PROP_HIDDEN:
      g_value_set_boolean (value, self->hidden);
      break;
    case PROP_ACCESSORY:
      g_value_set_object (value, self->accessory);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_service_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  HapService *self = HAP_SERVICE (object);

  switch (prop_id)
    {
    case PROP_TYPE:
      {
        const char *text = g_value_get_string (value);

        self->uuid = text != NULL ? hap_uuid_normalize (text) : NULL;
        if (self->uuid == NULL && text != NULL)
          self->uuid = g_ascii_strup (text, -1);
        if (self->uuid != NULL)
          self->catalog = hap_catalog_lookup_service (self->uuid);
      }
      break;
    case PROP_IID:
      hap_service_set_iid (self, g_value_get_uint64 (value));
      break;
    case PROP_PRIMARY:
      hap_service_set_primary (self, g_value_get_boolean (value));
      break;
    case PROP_HIDDEN:
      hap_service_set_hidden (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_service_class_init (HapServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hap_service_dispose;
  object_class->finalize = hap_service_finalize;
  object_class->get_property = hap_service_get_property;
  object_class->set_property = hap_service_set_property;

  /**
   * HapService:type:
   *
   * The type UUID, set at construction.
   */
  properties[PROP_TYPE] =
    g_param_spec_string ("type", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /**
   * HapService:iid:
   *
   * The instance id, unique within the accessory; 0 until assigned.
   */
  properties[PROP_IID] =
    g_param_spec_uint64 ("iid", NULL, NULL, 0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapService:primary:
   *
   * Whether this is the accessory's main function.
   */
  properties[PROP_PRIMARY] =
    g_param_spec_boolean ("primary", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapService:hidden:
   *
   * Whether controllers hide the service from users.
   */
  properties[PROP_HIDDEN] =
    g_param_spec_boolean ("hidden", NULL, NULL, FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapService:accessory:
   *
   * The accessory the service was added to, or %NULL.
   */
  properties[PROP_ACCESSORY] =
    g_param_spec_object ("accessory", NULL, NULL, HAP_TYPE_ACCESSORY,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_service_init (HapService *self)
{
  self->characteristics = g_ptr_array_new_with_free_func (g_object_unref);
  self->linked = g_ptr_array_new ();
}

HapService *
hap_service_new (const char *type)
{
  const HapServiceType *catalog;
  HapService *self;

  g_return_val_if_fail (type != NULL, NULL);

  if (!(catalog = hap_catalog_lookup_service (type)))
    return NULL;

  self = g_object_new (HAP_TYPE_SERVICE, "type", catalog->uuid, NULL);
  /* Two catalog services share UUID 113 (Speaker, Television Speaker): keep the one
   * asked for, whose required list is used below. */
  self->catalog = catalog;

  for (guint i = 0; catalog->required[i] != NULL; i++)
    {
      g_autoptr(HapCharacteristic) characteristic = hap_characteristic_new (catalog->required[i]);

      /* gen-catalog.py checks every name a service refers to. */
      g_assert (characteristic != NULL);
      hap_service_add_characteristic (self, characteristic);
    }

  return self;
}

HapService *
hap_service_new_custom (const char *uuid)
{
  g_autofree char *normalized = NULL;

  g_return_val_if_fail (uuid != NULL, NULL);
  g_return_val_if_fail ((normalized = hap_uuid_normalize (uuid)) != NULL, NULL);

  return g_object_new (HAP_TYPE_SERVICE, "type", normalized, NULL);
}

const char *
hap_service_get_type_uuid (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), NULL);

  return self->uuid;
}

const HapServiceType *
hap_service_get_catalog_type (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), NULL);

  return self->catalog;
}

guint64
hap_service_get_iid (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), 0);

  return self->iid;
}

void
hap_service_set_iid (HapService *self,
                     guint64     iid)
{
  g_return_if_fail (HAP_IS_SERVICE (self));

  if (self->iid != iid)
    {
      self->iid = iid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IID]);
    }
}

gboolean
hap_service_get_primary (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), FALSE);

  return self->primary;
}

void
hap_service_set_primary (HapService *self,
                         gboolean    primary)
{
  g_return_if_fail (HAP_IS_SERVICE (self));

  primary = !!primary;
  if (self->primary != primary)
    {
      self->primary = primary;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIMARY]);
    }
}

gboolean
hap_service_get_hidden (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), FALSE);

  return self->hidden;
}

void
hap_service_set_hidden (HapService *self,
                        gboolean    hidden)
{
  g_return_if_fail (HAP_IS_SERVICE (self));

  hidden = !!hidden;
  if (self->hidden != hidden)
    {
      self->hidden = hidden;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HIDDEN]);
    }
}

void
hap_service_add_linked_service (HapService *self,
                                HapService *linked)
{
  g_return_if_fail (HAP_IS_SERVICE (self));
  g_return_if_fail (HAP_IS_SERVICE (linked));
  g_return_if_fail (self != linked);

  if (g_ptr_array_find (self->linked, linked, NULL))
    return;

  g_object_weak_ref (G_OBJECT (linked), linked_service_gone, self);
  g_ptr_array_add (self->linked, linked);
}

GPtrArray *
hap_service_get_linked_services (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), NULL);

  return self->linked;
}

void
hap_service_add_characteristic (HapService        *self,
                                HapCharacteristic *characteristic)
{
  g_return_if_fail (HAP_IS_SERVICE (self));
  g_return_if_fail (HAP_IS_CHARACTERISTIC (characteristic));
  g_return_if_fail (hap_characteristic_get_service (characteristic) == NULL);

  g_ptr_array_add (self->characteristics, g_object_ref (characteristic));
  _hap_characteristic_set_service (characteristic, self);
}

GPtrArray *
hap_service_get_characteristics (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), NULL);

  return self->characteristics;
}

HapCharacteristic *
hap_service_get_characteristic (HapService *self,
                                const char *type)
{
  const HapCharacteristicType *catalog;
  g_autofree char *uuid = NULL;

  g_return_val_if_fail (HAP_IS_SERVICE (self), NULL);
  g_return_val_if_fail (type != NULL, NULL);

  if ((catalog = hap_catalog_lookup_characteristic (type)) != NULL)
    uuid = g_strdup (catalog->uuid);
  else if (!(uuid = hap_uuid_normalize (type)))
    return NULL;

  for (guint i = 0; i < self->characteristics->len; i++)
    {
      HapCharacteristic *characteristic = g_ptr_array_index (self->characteristics, i);

      if (g_strcmp0 (hap_characteristic_get_type_uuid (characteristic), uuid) == 0)
        return characteristic;
    }

  return NULL;
}

HapAccessory *
hap_service_get_accessory (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), NULL);

  return self->accessory;
}

void
_hap_service_set_accessory (HapService   *self,
                            HapAccessory *accessory)
{
  g_return_if_fail (HAP_IS_SERVICE (self));

  if (self->accessory != accessory)
    {
      self->accessory = accessory;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCESSORY]);
    }
}

void
_hap_service_set_recorded (HapService *self,
                           JsonObject *recorded)
{
  g_return_if_fail (HAP_IS_SERVICE (self));

  g_clear_pointer (&self->recorded, json_object_unref);
  self->recorded = recorded != NULL ? json_object_ref (recorded) : NULL;
}

JsonObject *
_hap_service_get_recorded (HapService *self)
{
  g_return_val_if_fail (HAP_IS_SERVICE (self), NULL);

  return self->recorded;
}
