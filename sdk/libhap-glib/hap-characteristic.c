/* hap-characteristic.c — one typed, constrained value of a service
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-characteristic.h"
#include "hap-enum-types.h"
#include "hap-error.h"
#include "hap-model-private.h"

#include <math.h>
#include <string.h>

/* docs/protocol.md §4.7: string maxLen may be raised up to 256. */
#define MAXIMUM_MAX_LEN 256

#define UUID_IDENTIFY                  "00000014-0000-1000-8000-0026BB765291"
#define UUID_PROGRAMMABLE_SWITCH_EVENT "00000073-0000-1000-8000-0026BB765291"
#define UUID_BUTTON_EVENT              "00000126-0000-1000-8000-0026BB765291"

struct _HapCharacteristic
{
  GObject                      parent_instance;

  char                        *uuid;
  const HapCharacteristicType *catalog;
  HapService                  *service;       /* weak, maintained by the service */
  guint64                      iid;
  HapFormat                    format;
  HapPerms                     perms;

  HapValueConstraints          c;
  char                        *unit;
  char                        *description;

  GVariant                    *value;         /* never NULL after construction */
  JsonObject                  *recorded;      /* as recorded in a device dump, or NULL */
  JsonNode                    *recorded_value;/* served until a value is set */

  HapCharacteristicReadHandler  read_handler;
  gpointer                      read_data;
  GDestroyNotify                read_destroy;
  HapCharacteristicWriteHandler write_handler;
  gpointer                      write_data;
  GDestroyNotify                write_destroy;
};

G_DEFINE_FINAL_TYPE (HapCharacteristic, hap_characteristic, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TYPE,
  PROP_IID,
  PROP_FORMAT,
  PROP_PERMS,
  PROP_UNIT,
  PROP_DESCRIPTION,
  PROP_VALUE,
  PROP_SERVICE,
  N_PROPS
};

enum {
  VALUE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

typedef struct
{
  GVariant *value;
  gpointer  origin;
} WriteOp;

static void
write_op_free (WriteOp *op)
{
  g_clear_pointer (&op->value, g_variant_unref);
  g_free (op);
}

static gboolean
replace_str (char       **ptr,
             const char  *str)
{
  if (g_strcmp0 (*ptr, str) == 0)
    return FALSE;

  g_free (*ptr);
  *ptr = g_strdup (str);
  return TRUE;
}

static gboolean
is_uuid (HapCharacteristic *self,
         const char        *uuid)
{
  return g_strcmp0 (self->uuid, uuid) == 0;
}

gboolean
hap_characteristic_is_event_only (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), FALSE);

  /* docs/protocol.md §4.5, §4.9: meaningful only as an event, read as null. */
  return is_uuid (self, UUID_PROGRAMMABLE_SWITCH_EVENT) || is_uuid (self, UUID_BUTTON_EVENT);
}

/* Stores @value (already validated) and tells listeners; the one place values change. */
static void
commit_value (HapCharacteristic *self,
              GVariant          *value,
              gpointer           origin)
{
  g_autoptr(GVariant) held = g_variant_ref (value);

  /* Identify (14) is an action, not state: writing true runs the accessory's identify
   * routine, like POST /identify (docs/protocol.md §4.2), and nothing is stored. */
  if (is_uuid (self, UUID_IDENTIFY))
    {
      HapAccessory *accessory = self->service != NULL ? hap_service_get_accessory (self->service) : NULL;

      /* A file may give Identify another format (a recorded device's "data"): only a
       * boolean true is the action; anything else is neither run nor stored. */
      if (g_variant_is_of_type (held, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean (held) &&
          accessory != NULL)
        _hap_accessory_identify (accessory);
      return;
    }

  /* From now on the value is ours, no longer the one a recorded device answered. */
  g_clear_pointer (&self->recorded_value, json_node_unref);

  if (g_variant_equal (self->value, held) && !hap_characteristic_is_event_only (self))
    return;

  g_clear_pointer (&self->value, g_variant_unref);
  self->value = g_variant_ref (held);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
  g_signal_emit (self, signals[VALUE_CHANGED], 0, held, origin);
}

/* After a constraint or format change, fall back to the default if the stored value no
 * longer fits; this is configuration, not a state change, so no ::value-changed. */
static void
revalidate_value (HapCharacteristic *self)
{
  if (self->value != NULL && hap_characteristic_validate (self, self->value, NULL))
    return;

  g_clear_pointer (&self->value, g_variant_unref);
  self->value = _hap_value_default (self->format, &self->c);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALUE]);
}

static void
clear_constraints (HapCharacteristic *self)
{
  self->c.min_value = NAN;
  self->c.max_value = NAN;
  self->c.min_step = NAN;
  self->c.max_len = -1;
  self->c.max_data_len = -1;
  g_clear_pointer (&self->c.valid_values, g_array_unref);
  g_clear_pointer (&self->c.valid_ranges, g_array_unref);
  g_clear_pointer (&self->unit, g_free);
}

static void
apply_catalog (HapCharacteristic           *self,
               const HapCharacteristicType *type)
{
  clear_constraints (self);

  self->format = type->format;
  self->perms = type->perms;
  if (type->has_min_value)
    self->c.min_value = type->min_value;
  if (type->has_max_value)
    self->c.max_value = type->max_value;
  if (type->has_min_step)
    self->c.min_step = type->min_step;
  self->c.max_len = type->max_len;
  self->unit = g_strdup (type->unit);
  if (type->valid_values != NULL && type->n_valid_values > 0)
    {
      self->c.valid_values = g_array_sized_new (FALSE, FALSE, sizeof (int), type->n_valid_values);
      g_array_append_vals (self->c.valid_values, type->valid_values, type->n_valid_values);
    }
}

static void
hap_characteristic_constructed (GObject *object)
{
  HapCharacteristic *self = (HapCharacteristic *) object;

  G_OBJECT_CLASS (hap_characteristic_parent_class)->constructed (object);

  if (self->uuid != NULL)
    self->catalog = hap_catalog_lookup_characteristic (self->uuid);
  if (self->catalog != NULL)
    apply_catalog (self, self->catalog);

  self->value = _hap_value_default (self->format, &self->c);
}

static void
hap_characteristic_dispose (GObject *object)
{
  HapCharacteristic *self = (HapCharacteristic *) object;

  hap_characteristic_set_read_handler (self, NULL, NULL, NULL);
  hap_characteristic_set_write_handler (self, NULL, NULL, NULL);
  self->service = NULL;

  G_OBJECT_CLASS (hap_characteristic_parent_class)->dispose (object);
}

static void
hap_characteristic_finalize (GObject *object)
{
  HapCharacteristic *self = (HapCharacteristic *) object;

  clear_constraints (self);
  g_clear_pointer (&self->uuid, g_free);
  g_clear_pointer (&self->description, g_free);
  g_clear_pointer (&self->value, g_variant_unref);

  g_clear_pointer (&self->recorded, json_object_unref);
  g_clear_pointer (&self->recorded_value, json_node_unref);

  G_OBJECT_CLASS (hap_characteristic_parent_class)->finalize (object);
}

static void
hap_characteristic_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HapCharacteristic *self = HAP_CHARACTERISTIC (object);

  switch (prop_id)
    {
    case PROP_TYPE:
      g_value_set_string (value, self->uuid);
      break;
    case PROP_IID:
      g_value_set_uint64 (value, self->iid);
      break;
    case PROP_FORMAT:
      g_value_set_enum (value, self->format);
      break;
    case PROP_PERMS:
      g_value_set_flags (value, self->perms);
      break;
    case PROP_UNIT:
      g_value_set_string (value, self->unit);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, hap_characteristic_get_description (self));
      break;
    case PROP_VALUE:
      g_value_set_variant (value, self->value);
      break;
    case PROP_SERVICE:
      g_value_set_object (value, self->service);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_characteristic_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HapCharacteristic *self = HAP_CHARACTERISTIC (object);

  switch (prop_id)
    {
    case PROP_TYPE:
      {
        const char *text = g_value_get_string (value);

        self->uuid = text != NULL ? hap_uuid_normalize (text) : NULL;
        if (self->uuid == NULL && text != NULL)
          self->uuid = g_ascii_strup (text, -1);
      }
      break;
    case PROP_IID:
      hap_characteristic_set_iid (self, g_value_get_uint64 (value));
      break;
    case PROP_FORMAT:
      hap_characteristic_set_format (self, g_value_get_enum (value));
      break;
    case PROP_PERMS:
      hap_characteristic_set_perms (self, g_value_get_flags (value));
      break;
    case PROP_UNIT:
      hap_characteristic_set_unit (self, g_value_get_string (value));
      break;
    case PROP_DESCRIPTION:
      hap_characteristic_set_description (self, g_value_get_string (value));
      break;
    case PROP_VALUE:
      {
        g_autoptr(GError) error = NULL;

        if (!hap_characteristic_set_value (self, g_value_get_variant (value), &error))
          g_warning ("Cannot set %s value: %s", self->uuid, error->message);
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_characteristic_class_init (HapCharacteristicClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = hap_characteristic_constructed;
  object_class->dispose = hap_characteristic_dispose;
  object_class->finalize = hap_characteristic_finalize;
  object_class->get_property = hap_characteristic_get_property;
  object_class->set_property = hap_characteristic_set_property;

  /**
   * HapCharacteristic:type:
   *
   * The type UUID, set at construction.
   */
  properties[PROP_TYPE] =
    g_param_spec_string ("type", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  /**
   * HapCharacteristic:iid:
   *
   * The instance id, unique within the accessory; 0 until assigned.
   */
  properties[PROP_IID] =
    g_param_spec_uint64 ("iid", NULL, NULL, 0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapCharacteristic:format:
   *
   * The value format.
   */
  properties[PROP_FORMAT] =
    g_param_spec_enum ("format", NULL, NULL, HAP_TYPE_FORMAT, HAP_FORMAT_DATA,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapCharacteristic:perms:
   *
   * What controllers may do with the value.
   */
  properties[PROP_PERMS] =
    g_param_spec_flags ("perms", NULL, NULL, HAP_TYPE_PERMS, HAP_PERM_NONE,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapCharacteristic:unit:
   *
   * HAP's unit name ("celsius", "percentage" …), or %NULL.
   */
  properties[PROP_UNIT] =
    g_param_spec_string ("unit", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapCharacteristic:description:
   *
   * The description served to controllers; the catalog's display name unless set.
   */
  properties[PROP_DESCRIPTION] =
    g_param_spec_string ("description", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapCharacteristic:value:
   *
   * The stored value, of the #GVariantType of the format. Setting it validates it
   * (an invalid value is refused with a warning); hap_characteristic_set_value()
   * reports why instead.
   */
  properties[PROP_VALUE] =
    g_param_spec_variant ("value", NULL, NULL, G_VARIANT_TYPE_ANY, NULL,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /**
   * HapCharacteristic:service:
   *
   * The service the characteristic was added to, or %NULL.
   */
  properties[PROP_SERVICE] =
    g_param_spec_object ("service", NULL, NULL, HAP_TYPE_SERVICE,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HapCharacteristic::value-changed:
   * @self: the characteristic
   * @value: the new value
   * @origin: (nullable): who wrote it (see hap_characteristic_write_async()), or %NULL
   *   for a local change
   *
   * The stored value changed, whoever changed it: a controller's write, the
   * application, a file. The server sends events from here.
   */
  signals[VALUE_CHANGED] =
    g_signal_new ("value-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_VARIANT, G_TYPE_POINTER);
}

static void
hap_characteristic_init (HapCharacteristic *self)
{
  self->format = HAP_FORMAT_DATA;
  self->c.min_value = NAN;
  self->c.max_value = NAN;
  self->c.min_step = NAN;
  self->c.max_len = -1;
  self->c.max_data_len = -1;
}

HapCharacteristic *
hap_characteristic_new (const char *type)
{
  const HapCharacteristicType *catalog;

  g_return_val_if_fail (type != NULL, NULL);

  if (!(catalog = hap_catalog_lookup_characteristic (type)))
    return NULL;

  return g_object_new (HAP_TYPE_CHARACTERISTIC, "type", catalog->uuid, NULL);
}

HapCharacteristic *
hap_characteristic_new_custom (const char *uuid,
                               HapFormat   format,
                               HapPerms    perms)
{
  g_autofree char *normalized = NULL;
  HapCharacteristic *self;

  g_return_val_if_fail (uuid != NULL, NULL);
  g_return_val_if_fail ((normalized = hap_uuid_normalize (uuid)) != NULL, NULL);
  g_return_val_if_fail (format <= HAP_FORMAT_DATA, NULL);

  self = g_object_new (HAP_TYPE_CHARACTERISTIC, "type", normalized, NULL);

  /* Explicit format and perms, none of the catalog's constraints. */
  clear_constraints (self);
  self->format = format;
  self->perms = perms;
  revalidate_value (self);

  return self;
}

const char *
hap_characteristic_get_type_uuid (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return self->uuid;
}

const HapCharacteristicType *
hap_characteristic_get_catalog_type (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return self->catalog;
}

guint64
hap_characteristic_get_iid (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), 0);

  return self->iid;
}

void
hap_characteristic_set_iid (HapCharacteristic *self,
                            guint64            iid)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  if (self->iid != iid)
    {
      self->iid = iid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IID]);
    }
}

HapFormat
hap_characteristic_get_format (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), HAP_FORMAT_DATA);

  return self->format;
}

void
hap_characteristic_set_format (HapCharacteristic *self,
                               HapFormat          format)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (format <= HAP_FORMAT_DATA);

  if (self->format == format)
    return;

  self->format = format;
  /* The old value has the old format's GVariant type: start again from the default. */
  g_clear_pointer (&self->value, g_variant_unref);
  revalidate_value (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FORMAT]);
}

HapPerms
hap_characteristic_get_perms (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), HAP_PERM_NONE);

  return self->perms;
}

void
hap_characteristic_set_perms (HapCharacteristic *self,
                              HapPerms           perms)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  if (self->perms != perms)
    {
      self->perms = perms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERMS]);
    }
}

HapService *
hap_characteristic_get_service (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return self->service;
}

void
_hap_characteristic_set_service (HapCharacteristic *self,
                                 HapService        *service)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  if (self->service != service)
    {
      self->service = service;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVICE]);
    }
}

void
hap_characteristic_set_min_value (HapCharacteristic *self,
                                  double             v)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  self->c.min_value = v;
  revalidate_value (self);
}

void
hap_characteristic_set_max_value (HapCharacteristic *self,
                                  double             v)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  self->c.max_value = v;
  revalidate_value (self);
}

void
hap_characteristic_set_min_step (HapCharacteristic *self,
                                 double             v)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (isnan (v) || v > 0);

  self->c.min_step = v;
  revalidate_value (self);
}

double
hap_characteristic_get_min_value (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NAN);

  return self->c.min_value;
}

double
hap_characteristic_get_max_value (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NAN);

  return self->c.max_value;
}

double
hap_characteristic_get_min_step (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NAN);

  return self->c.min_step;
}

void
hap_characteristic_set_max_len (HapCharacteristic *self,
                                int                max_len)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (max_len == -1 || (max_len >= 1 && max_len <= MAXIMUM_MAX_LEN));

  self->c.max_len = max_len;
  revalidate_value (self);
}

void
hap_characteristic_set_max_data_len (HapCharacteristic *self,
                                     int                max_data_len)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (max_data_len >= -1);

  self->c.max_data_len = max_data_len;
  revalidate_value (self);
}

void
hap_characteristic_set_valid_values (HapCharacteristic *self,
                                     const int         *values,
                                     guint              n_values)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (values != NULL || n_values == 0);

  g_clear_pointer (&self->c.valid_values, g_array_unref);
  if (n_values > 0)
    {
      self->c.valid_values = g_array_sized_new (FALSE, FALSE, sizeof (int), n_values);
      g_array_append_vals (self->c.valid_values, values, n_values);
    }
  revalidate_value (self);
}

void
hap_characteristic_set_valid_values_range (HapCharacteristic *self,
                                           const int         *ranges,
                                           guint              n_ranges)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (ranges != NULL || n_ranges == 0);

  g_clear_pointer (&self->c.valid_ranges, g_array_unref);
  if (n_ranges > 0)
    {
      self->c.valid_ranges = g_array_sized_new (FALSE, FALSE, sizeof (int), 2 * n_ranges);
      g_array_append_vals (self->c.valid_ranges, ranges, 2 * n_ranges);
    }
  revalidate_value (self);
}

void
hap_characteristic_add_valid_values_range (HapCharacteristic *self,
                                           int                start,
                                           int                end)
{
  int range[2] = { start, end };

  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (start <= end);

  if (self->c.valid_ranges == NULL)
    self->c.valid_ranges = g_array_new (FALSE, FALSE, sizeof (int));
  g_array_append_vals (self->c.valid_ranges, range, 2);
  revalidate_value (self);
}

void
hap_characteristic_set_unit (HapCharacteristic *self,
                             const char        *unit)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  if (replace_str (&self->unit, unit))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNIT]);
}

const char *
hap_characteristic_get_unit (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return self->unit;
}

void
hap_characteristic_set_description (HapCharacteristic *self,
                                    const char        *description)
{
  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  if (replace_str (&self->description, description))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESCRIPTION]);
}

/* The explicit description, else the catalog's display name (docs/protocol.md §4.10). */
const char *
hap_characteristic_get_description (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  if (self->description != NULL)
    return self->description;

  return self->catalog != NULL ? self->catalog->display_name : NULL;
}

GVariant *
hap_characteristic_get_value (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return self->value;
}

gboolean
hap_characteristic_validate (HapCharacteristic *self,
                             GVariant          *value,
                             GError           **error)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return _hap_value_validate (self->format, &self->c, value, error);
}

int
hap_characteristic_get_max_len (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), -1);

  return self->c.max_len;
}

int
hap_characteristic_get_max_data_len (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), -1);

  return self->c.max_data_len;
}

const int *
hap_characteristic_get_valid_values (HapCharacteristic *self,
                                     guint             *n_values)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);
  g_return_val_if_fail (n_values != NULL, NULL);

  *n_values = self->c.valid_values != NULL ? self->c.valid_values->len : 0;
  return *n_values > 0 ? (const int *) self->c.valid_values->data : NULL;
}

const int *
hap_characteristic_get_valid_values_range (HapCharacteristic *self,
                                           guint             *n_ranges)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);
  g_return_val_if_fail (n_ranges != NULL, NULL);

  *n_ranges = self->c.valid_ranges != NULL ? self->c.valid_ranges->len / 2 : 0;
  return *n_ranges > 0 ? (const int *) self->c.valid_ranges->data : NULL;
}

const HapValueConstraints *
_hap_characteristic_get_constraints (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return &self->c;
}

gboolean
hap_characteristic_set_value (HapCharacteristic *self,
                              GVariant          *value,
                              GError           **error)
{
  return hap_characteristic_set_value_from (self, value, NULL, error);
}

gboolean
hap_characteristic_set_value_from (HapCharacteristic *self,
                                   GVariant          *value,
                                   gpointer           origin,
                                   GError           **error)
{
  g_autoptr(GVariant) held = NULL;

  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  held = g_variant_ref_sink (value);
  if (!hap_characteristic_validate (self, held, error))
    return FALSE;

  commit_value (self, held, origin);
  return TRUE;
}

GVariant *
hap_characteristic_value_from_json (HapCharacteristic *self,
                                    JsonNode          *node,
                                    GError           **error)
{
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);
  g_return_val_if_fail (node != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(value = _hap_value_from_json (self->format, node, error)))
    return NULL;
  g_variant_ref_sink (value);

  if (!hap_characteristic_validate (self, value, error))
    return NULL;

  return g_steal_pointer (&value);
}

void
hap_task_return_value (GTask    *task,
                       GVariant *value)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (value != NULL);

  /* What hap_characteristic_read_finish() propagates. */
  g_task_return_pointer (task, g_variant_ref_sink (value), (GDestroyNotify) g_variant_unref);
}

void
hap_task_return_status (GTask      *task,
                        HapStatus   status,
                        const char *message)
{
  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (status != HAP_STATUS_SUCCESS);

  g_task_return_new_error (task, HAP_STATUS_ERROR, status, "%s",
                           message != NULL ? message : hap_status_to_string (status));
}

void
hap_characteristic_set_read_handler (HapCharacteristic            *self,
                                     HapCharacteristicReadHandler  handler,
                                     gpointer                      user_data,
                                     GDestroyNotify                destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  old_destroy = g_steal_pointer (&self->read_destroy);
  old_data = g_steal_pointer (&self->read_data);

  self->read_handler = handler;
  self->read_data = user_data;
  self->read_destroy = destroy;

  if (old_destroy != NULL)
    old_destroy (old_data);
}

void
hap_characteristic_set_write_handler (HapCharacteristic             *self,
                                      HapCharacteristicWriteHandler  handler,
                                      gpointer                       user_data,
                                      GDestroyNotify                 destroy)
{
  GDestroyNotify old_destroy;
  gpointer old_data;

  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  old_destroy = g_steal_pointer (&self->write_destroy);
  old_data = g_steal_pointer (&self->write_data);

  self->write_handler = handler;
  self->write_data = user_data;
  self->write_destroy = destroy;

  if (old_destroy != NULL)
    old_destroy (old_data);
}

gboolean
hap_characteristic_has_read_handler (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), FALSE);

  return self->read_handler != NULL;
}

gboolean
hap_characteristic_has_write_handler (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), FALSE);

  return self->write_handler != NULL;
}

void
hap_characteristic_read_async (HapCharacteristic   *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  /* The task holds a reference on @self until it completes, so a handler may answer
   * later from any callback. */
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_characteristic_read_async);

  if (self->read_handler != NULL)
    {
      self->read_handler (self, task, self->read_data);
      return;
    }

  /* GTask defers this to an idle: the callback never runs inside this call. */
  g_task_return_pointer (task, g_variant_ref (self->value), (GDestroyNotify) g_variant_unref);
}

GVariant *
hap_characteristic_read_finish (HapCharacteristic  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_autoptr(GVariant) value = NULL;
  const GVariantType *type;

  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!(value = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;

  /* A handler's answer is checked like a stored value would be. */
  type = hap_format_get_variant_type (self->format);
  if (!g_variant_is_of_type (value, type))
    {
      g_set_error (error, HAP_STATUS_ERROR, HAP_STATUS_UNABLE_TO_COMMUNICATE,
                   "read handler returned a value of type '%s' for format %s",
                   g_variant_get_type_string (value), hap_format_to_string (self->format));
      return NULL;
    }

  return g_steal_pointer (&value);
}

static void
write_handler_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  HapCharacteristic *self = HAP_CHARACTERISTIC (object);
  g_autoptr(GTask) task = user_data;
  WriteOp *op = g_task_get_task_data (task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, error);
      return;
    }

  commit_value (self, op->value, op->origin);
  g_task_return_boolean (task, TRUE);
}

void
hap_characteristic_write_async (HapCharacteristic   *self,
                                GVariant            *value,
                                gpointer             origin,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GVariant) held = NULL;
  GError *error = NULL;
  WriteOp *op;

  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));
  g_return_if_fail (value != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  held = g_variant_ref_sink (value);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hap_characteristic_write_async);

  if (!hap_characteristic_validate (self, held, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  op = g_new0 (WriteOp, 1);
  op->value = g_variant_ref (held);
  op->origin = origin;
  g_task_set_task_data (task, op, (GDestroyNotify) write_op_free);

  if (self->write_handler != NULL)
    {
      /* The handler completes its own task; write_handler_done() then stores the
       * value and completes ours. Both tasks keep @self alive meanwhile. */
      g_autoptr(GTask) handler_task = g_task_new (self, cancellable, write_handler_done,
                                                  g_object_ref (task));

      g_task_set_source_tag (handler_task, hap_characteristic_write_async);
      self->write_handler (self, held, handler_task, self->write_data);
      return;
    }

  commit_value (self, held, origin);
  g_task_return_boolean (task, TRUE);
}

gboolean
hap_characteristic_write_finish (HapCharacteristic  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}


void
_hap_characteristic_set_recorded (HapCharacteristic *self,
                                  JsonObject        *recorded)
{
  JsonNode *value;

  g_return_if_fail (HAP_IS_CHARACTERISTIC (self));

  g_clear_pointer (&self->recorded, json_object_unref);
  g_clear_pointer (&self->recorded_value, json_node_unref);
  if (recorded == NULL)
    return;
  self->recorded = json_object_ref (recorded);
  if ((value = json_object_get_member (recorded, "value")) != NULL)
    self->recorded_value = json_node_copy (value);
}

JsonObject *
_hap_characteristic_get_recorded (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return self->recorded;
}

JsonNode *
_hap_characteristic_get_recorded_value (HapCharacteristic *self)
{
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (self), NULL);

  return self->recorded_value;
}
