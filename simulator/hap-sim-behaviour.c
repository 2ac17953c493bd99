/* hap-sim-behaviour.c — value generators: an accessory that changes on its own
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A behaviour drives one characteristic from a timer on the thread-default main
 * context of whoever starts it, setting values the way the physical device would (with
 * hap_sim_behaviour_origin as the origin, so that subscribers get events and the
 * simulator can tell these changes from a controller's). Everything a behaviour will
 * ever set is checked when the file is loaded: drift against the characteristic's
 * range and grid, toggle and script values with hap_characteristic_validate(), so a
 * running behaviour cannot fail.
 */
#include "hap-sim-behaviour.h"

#include <math.h>
#include <string.h>


const char hap_sim_behaviour_origin[] = "behaviour";

/* interval-ms, at-ms and period-ms: at most a day; intervals at least 10 ms, so that a
 * typo cannot make a behaviour flood every subscriber. */
#define MAX_MS          (24 * 60 * 60 * 1000)
#define MIN_INTERVAL_MS 10

/* Decimals kept in drifted values (0.1 steps give 21.3, not 21.300000000000001). */
#define MAX_DECIMALS 10

typedef enum
{
  KIND_DRIFT,
  KIND_TOGGLE,
  KIND_SCRIPT,
} BehaviourKind;

static const char * const kind_names[] = { "drift", "toggle", "script" };

typedef struct
{
  guint     at_ms;
  GVariant *value;
} ScriptStep;

struct _HapSimBehaviour
{
  BehaviourKind      kind;
  HapCharacteristic *characteristic;

  /* drift and toggle */
  guint              interval_ms;
  /* drift */
  double             step;
  double             noise;
  GRand             *rand;
  /* toggle: the values walked through, in order */
  GPtrArray         *values;       /* GVariant */
  /* script */
  GArray            *steps;        /* ScriptStep, by at_ms */
  gboolean           repeat;
  guint              period_ms;
  guint              next_step;
  gint64             cycle_start;  /* monotonic µs */

  GMainContext      *context;
  GSource           *source;       /* while running */
};

/* ---- values ----------------------------------------------------------------------- */

static gboolean
format_is_numeric (HapFormat format)
{
  switch (format)
    {
    case HAP_FORMAT_UINT8:
    case HAP_FORMAT_UINT16:
    case HAP_FORMAT_UINT32:
    case HAP_FORMAT_UINT64:
    case HAP_FORMAT_INT:
    case HAP_FORMAT_FLOAT:
      return TRUE;
    default:
      return FALSE;
    }
}

static double
number_get (GVariant *value)
{
  double number;

  return hap_variant_get_number (value, &number) ? number : 0;
}

/* @v is within the characteristic's range already. */
static GVariant *
number_new (HapFormat format,
            double    v)
{
  switch (format)
    {
    case HAP_FORMAT_UINT8:  return g_variant_new_byte ((guint8) llround (v));
    case HAP_FORMAT_UINT16: return g_variant_new_uint16 ((guint16) llround (v));
    case HAP_FORMAT_UINT32: return g_variant_new_uint32 ((guint32) llround (v));
    case HAP_FORMAT_UINT64: return g_variant_new_uint64 ((guint64) llround (v));
    case HAP_FORMAT_INT:    return g_variant_new_int32 ((gint32) llround (v));
    default:                return g_variant_new_double (v);
    }
}

/* Decimal places of @x (0.1 → 1, 0.25 → 2, 5 → 0), at most MAX_DECIMALS. */
static int
decimals_of (double x)
{
  double scaled = fabs (x);

  if (isnan (x))
    return 0;
  for (int d = 0; d < MAX_DECIMALS; d++)
    {
      if (fabs (scaled - round (scaled)) < 1e-9 * MAX (1.0, scaled))
        return d;
      scaled *= 10;
    }
  return MAX_DECIMALS;
}

static const char *
characteristic_label (HapCharacteristic *c)
{
  const HapCharacteristicType *type = hap_characteristic_get_catalog_type (c);

  return type != NULL ? type->name : hap_characteristic_get_type_uuid (c);
}

/* The grid drifted values stay on: minStep, else whole numbers for integer formats. */
static double
drift_grid (HapCharacteristic *c)
{
  double min_step = hap_characteristic_get_min_step (c);

  if (!isnan (min_step) && min_step > 0)
    return min_step;
  return hap_characteristic_get_format (c) == HAP_FORMAT_FLOAT ? 0 : 1;
}

/* ---- timers ----------------------------------------------------------------------- */

static void
set_value (HapSimBehaviour *self,
           GVariant        *value)
{
  g_autoptr(GError) error = NULL;

  /* Values were checked at load time, but the characteristic's constraints may have
   * changed since (through the control API); then this one change is skipped. */
  if (!hap_characteristic_set_value_from (self->characteristic, value,
                                          (gpointer) hap_sim_behaviour_origin, &error))
    g_debug ("%s behaviour on %s: %s", kind_names[self->kind],
             characteristic_label (self->characteristic), error->message);
}

static void
drift_tick (HapSimBehaviour *self)
{
  HapCharacteristic *c = self->characteristic;
  g_autoptr(GVariant) current = g_variant_ref_sink (hap_characteristic_get_value (c));
  double min = hap_characteristic_get_min_value (c);
  double max = hap_characteristic_get_max_value (c);
  double grid = drift_grid (c);
  double v = number_get (current);
  double scale;
  int decimals;

  /* A random walk: one step up or down, plus uniform noise. */
  v += g_rand_boolean (self->rand) ? self->step : -self->step;
  if (self->noise > 0)
    v += g_rand_double_range (self->rand, -self->noise, self->noise);

  /* Bounce off the ends rather than sticking to them. */
  if (v > max)
    v = max - (v - max);
  if (v < min)
    v = min + (min - v);
  v = CLAMP (v, min, max);

  /* Onto the grid from minValue (as hap-types.c validates), never past maxValue. */
  if (grid > 0)
    {
      v = min + round ((v - min) / grid) * grid;
      if (v > max)
        v -= grid;
    }
  decimals = MAX (MAX (decimals_of (min), decimals_of (grid)),
                  MAX (decimals_of (self->step), decimals_of (self->noise)));
  scale = pow (10, decimals);
  v = CLAMP (round (v * scale) / scale, min, max);

  set_value (self, number_new (hap_characteristic_get_format (c), v));
}

static void
toggle_tick (HapSimBehaviour *self)
{
  g_autoptr(GVariant) current = g_variant_ref_sink (hap_characteristic_get_value (self->characteristic));
  guint next = 0;

  /* The value after the current one; the first when the current one is not listed
   * (a controller set something else meanwhile). */
  for (guint i = 0; i < self->values->len; i++)
    if (g_variant_equal (current, g_ptr_array_index (self->values, i)))
      {
        next = (i + 1) % self->values->len;
        break;
      }
  set_value (self, g_ptr_array_index (self->values, next));
}

static gboolean
on_interval (gpointer user_data)
{
  HapSimBehaviour *self = user_data;

  if (self->kind == KIND_DRIFT)
    drift_tick (self);
  else
    toggle_tick (self);
  return G_SOURCE_CONTINUE;
}

static gboolean on_script_step (gpointer user_data);

/* Arms the timer for self->next_step, timed from the cycle's start so that delays in
 * dispatching do not add up over a long script. */
static void
script_schedule (HapSimBehaviour *self)
{
  const ScriptStep *step = &g_array_index (self->steps, ScriptStep, self->next_step);
  gint64 due = self->cycle_start + (gint64) step->at_ms * 1000;
  gint64 now = g_get_monotonic_time ();
  guint delay_ms = due > now ? (guint) ((due - now + 999) / 1000) : 0;

  self->source = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->source, on_script_step, self, NULL);
  g_source_set_name (self->source, "hap-sim behaviour script step");
  g_source_attach (self->source, self->context);
}

static gboolean
on_script_step (gpointer user_data)
{
  HapSimBehaviour *self = user_data;
  gint64 now = g_get_monotonic_time ();

  /* This source ends here; the context keeps it alive until we return. */
  g_clear_pointer (&self->source, g_source_unref);

  /* Every step that is due (steps may share a time). */
  while (self->next_step < self->steps->len)
    {
      const ScriptStep *step = &g_array_index (self->steps, ScriptStep, self->next_step);

      if (self->cycle_start + (gint64) step->at_ms * 1000 > now)
        break;
      self->next_step++;
      set_value (self, step->value);
    }

  if (self->next_step >= self->steps->len)
    {
      if (!self->repeat)
        return G_SOURCE_REMOVE;
      self->cycle_start += (gint64) self->period_ms * 1000;
      self->next_step = 0;
    }
  script_schedule (self);
  return G_SOURCE_REMOVE;
}

void
hap_sim_behaviour_stop (HapSimBehaviour *behaviour)
{
  g_return_if_fail (behaviour != NULL);

  if (behaviour->source != NULL)
    {
      g_source_destroy (behaviour->source);
      g_clear_pointer (&behaviour->source, g_source_unref);
    }
  g_clear_pointer (&behaviour->context, g_main_context_unref);
}

void
hap_sim_behaviour_start (HapSimBehaviour *behaviour)
{
  g_return_if_fail (behaviour != NULL);

  hap_sim_behaviour_stop (behaviour);
  behaviour->context = g_main_context_ref_thread_default ();

  if (behaviour->kind == KIND_SCRIPT)
    {
      behaviour->cycle_start = g_get_monotonic_time ();
      behaviour->next_step = 0;
      script_schedule (behaviour);
      return;
    }

  behaviour->source = g_timeout_source_new (behaviour->interval_ms);
  g_source_set_callback (behaviour->source, on_interval, behaviour, NULL);
  g_source_set_name (behaviour->source, "hap-sim behaviour interval");
  g_source_attach (behaviour->source, behaviour->context);
}

void
hap_sim_behaviour_free (HapSimBehaviour *behaviour)
{
  if (behaviour == NULL)
    return;

  hap_sim_behaviour_stop (behaviour);
  g_clear_object (&behaviour->characteristic);
  g_clear_pointer (&behaviour->rand, g_rand_free);
  g_clear_pointer (&behaviour->values, g_ptr_array_unref);
  g_clear_pointer (&behaviour->steps, g_array_unref);
  g_free (behaviour);
}

const char *
hap_sim_behaviour_get_kind (HapSimBehaviour *behaviour)
{
  g_return_val_if_fail (behaviour != NULL, NULL);

  return kind_names[behaviour->kind];
}

HapCharacteristic *
hap_sim_behaviour_get_characteristic (HapSimBehaviour *behaviour)
{
  g_return_val_if_fail (behaviour != NULL, NULL);

  return behaviour->characteristic;
}

static void
script_step_clear (gpointer data)
{
  ScriptStep *step = data;

  g_clear_pointer (&step->value, g_variant_unref);
}

/* ---- loading ---------------------------------------------------------------------- */

/* A catalog name, display name or short/full UUID → full UUID; a vendor type must be a
 * full UUID. NULL when neither. */
static const char *
resolve_type (const char *name,
              gboolean    service)
{
  if (service)
    {
      const HapServiceType *type = hap_catalog_lookup_service (name);
      if (type != NULL)
        return type->uuid;
    }
  else
    {
      const HapCharacteristicType *type = hap_catalog_lookup_characteristic (name);
      if (type != NULL)
        return type->uuid;
    }
  return g_uuid_string_is_valid (name) ? name : NULL;
}

/* The characteristic named by "accessory", "service" and "characteristic" of @object:
 * the first match, in file order, among @accessory and its bridged accessories. */
static HapCharacteristic *
find_characteristic (HapJsonReader  *reader,
                     JsonObject     *object,
                     const char     *path,
                     HapAccessory   *accessory,
                     GError        **error)
{
  JsonNode *accessory_node, *service_node, *characteristic_node;
  const char *accessory_name = NULL, *service_name = NULL, *characteristic_name;
  const char *service_uuid = NULL, *characteristic_uuid;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new ();
  GPtrArray *bridged;
  gboolean service_seen = FALSE;

  if (!hap_json_reader_member (reader, object, path, "accessory", HAP_JSON_KIND_STRING, FALSE,
                                &accessory_node, error) ||
      !hap_json_reader_member (reader, object, path, "service", HAP_JSON_KIND_STRING, FALSE,
                                &service_node, error) ||
      !hap_json_reader_member (reader, object, path, "characteristic", HAP_JSON_KIND_STRING,
                                TRUE, &characteristic_node, error))
    return NULL;

  characteristic_name = json_node_get_string (characteristic_node);
  if ((characteristic_uuid = resolve_type (characteristic_name, FALSE)) == NULL)
    {
      hap_json_reader_fail (reader, path, "characteristic", error,
                             "unknown characteristic type “%s” (a catalog name or a full UUID)",
                             characteristic_name);
      return NULL;
    }
  if (service_node != NULL)
    {
      service_name = json_node_get_string (service_node);
      if ((service_uuid = resolve_type (service_name, TRUE)) == NULL)
        {
          hap_json_reader_fail (reader, path, "service", error,
                                 "unknown service type “%s” (a catalog name or a full UUID)",
                                 service_name);
          return NULL;
        }
    }

  g_ptr_array_add (candidates, accessory);
  bridged = hap_accessory_get_bridged_accessories (accessory);
  for (guint i = 0; bridged != NULL && i < bridged->len; i++)
    g_ptr_array_add (candidates, g_ptr_array_index (bridged, i));

  if (accessory_node != NULL)
    {
      HapAccessory *named = NULL;

      accessory_name = json_node_get_string (accessory_node);
      for (guint i = 0; i < candidates->len && named == NULL; i++)
        if (g_strcmp0 (hap_accessory_get_name (g_ptr_array_index (candidates, i)), accessory_name) == 0)
          named = g_ptr_array_index (candidates, i);
      if (named == NULL)
        {
          hap_json_reader_fail (reader, path, "accessory", error,
                                 "no accessory named “%s” in this file", accessory_name);
          return NULL;
        }
      g_ptr_array_set_size (candidates, 0);
      g_ptr_array_add (candidates, named);
    }

  for (guint a = 0; a < candidates->len; a++)
    {
      GPtrArray *services = hap_accessory_get_services (g_ptr_array_index (candidates, a));

      for (guint s = 0; s < services->len; s++)
        {
          HapService *service = g_ptr_array_index (services, s);
          GPtrArray *characteristics;

          if (service_uuid != NULL &&
              g_ascii_strcasecmp (hap_service_get_type_uuid (service), service_uuid) != 0)
            continue;
          service_seen = TRUE;
          characteristics = hap_service_get_characteristics (service);
          for (guint c = 0; c < characteristics->len; c++)
            {
              HapCharacteristic *characteristic = g_ptr_array_index (characteristics, c);

              if (g_ascii_strcasecmp (hap_characteristic_get_type_uuid (characteristic),
                                      characteristic_uuid) == 0)
                return characteristic;
            }
        }
    }

  {
    g_autofree char *where = accessory_name != NULL ? g_strdup_printf ("on “%s”", accessory_name)
                                                    : g_strdup ("in this file");

    if (service_uuid != NULL && !service_seen)
      hap_json_reader_fail (reader, path, "service", error, "no %s service %s", service_name, where);
    else if (service_name != NULL)
      hap_json_reader_fail (reader, path, "characteristic", error,
                             "no %s characteristic in a %s service %s", characteristic_name,
                             service_name, where);
    else
      hap_json_reader_fail (reader, path, "characteristic", error, "no %s characteristic %s",
                             characteristic_name, where);
  }
  return NULL;
}

/* "interval-ms" of drift and toggle. */
static gboolean
load_interval (HapSimBehaviour *self,
               HapJsonReader   *reader,
               JsonObject      *object,
               const char      *path,
               GError         **error)
{
  JsonNode *node;

  if (!hap_json_reader_member (reader, object, path, "interval-ms", HAP_JSON_KIND_INTEGER, TRUE,
                                &node, error) ||
      !hap_json_reader_int_in_range (reader, node, path, "interval-ms", MIN_INTERVAL_MS, MAX_MS, error))
    return FALSE;
  self->interval_ms = (guint) json_node_get_int (node);
  return TRUE;
}

static gboolean
load_drift (HapSimBehaviour *self,
            HapJsonReader   *reader,
            JsonObject      *object,
            const char      *path,
            GError         **error)
{
  HapCharacteristic *c = self->characteristic;
  const char *label = characteristic_label (c);
  double min = hap_characteristic_get_min_value (c);
  double max = hap_characteristic_get_max_value (c);
  double grid = drift_grid (c);
  JsonNode *step_node, *noise_node;

  if (!format_is_numeric (hap_characteristic_get_format (c)))
    return hap_json_reader_fail (reader, path, "characteristic", error,
                                  "drift needs a numeric characteristic; %s is %s", label,
                                  hap_format_to_string (hap_characteristic_get_format (c)));
  if (isnan (min) || isnan (max))
    return hap_json_reader_fail (reader, path, "characteristic", error,
                                  "drift needs a minValue and a maxValue; %s has %s", label,
                                  isnan (min) && isnan (max) ? "neither" : isnan (min) ? "no minValue" : "no maxValue");

  if (!load_interval (self, reader, object, path, error) ||
      !hap_json_reader_member (reader, object, path, "step", HAP_JSON_KIND_NUMBER, FALSE,
                                &step_node, error) ||
      !hap_json_reader_member (reader, object, path, "noise", HAP_JSON_KIND_NUMBER, FALSE,
                                &noise_node, error))
    return FALSE;

  /* By default one grid step per interval (or 1 % of the range without a grid). */
  self->step = step_node != NULL ? json_node_get_double (step_node) :
               grid > 0 ? grid : (max - min) / 100;
  self->noise = noise_node != NULL ? json_node_get_double (noise_node) : 0;

  if (!(self->step >= 0))
    return hap_json_reader_fail (reader, path, "step", error, "must not be negative");
  if (!(self->noise >= 0))
    return hap_json_reader_fail (reader, path, "noise", error, "must not be negative");
  if (self->step > max - min)
    return hap_json_reader_fail (reader, path, "step", error,
                                  "%g is larger than %s's whole range (%g to %g)",
                                  self->step, label, min, max);
  if (self->noise > max - min)
    return hap_json_reader_fail (reader, path, "noise", error,
                                  "%g is larger than %s's whole range (%g to %g)",
                                  self->noise, label, min, max);
  /* A value that moves by less than half a grid step is rounded back where it was. */
  if (self->step > 0 && self->step < grid)
    return hap_json_reader_fail (reader, path, "step", error,
                                  "%g is below %s's step of %g: the value would never move",
                                  self->step, label, grid);
  if (self->step == 0 && (self->noise == 0 || self->noise < grid / 2))
    return hap_json_reader_fail (reader, path, noise_node != NULL ? "noise" : "step", error,
                                  "with step 0 and noise %g (%s's step is %g), the value would "
                                  "never move", self->noise, label, grid);
  if (max - min < grid)
    return hap_json_reader_fail (reader, path, "characteristic", error,
                                  "%s's range (%g to %g) holds a single value: nothing to drift",
                                  label, min, max);

  self->rand = g_rand_new ();
  return TRUE;
}

static gboolean
load_toggle (HapSimBehaviour *self,
             HapJsonReader   *reader,
             JsonObject      *object,
             const char      *path,
             GError         **error)
{
  HapCharacteristic *c = self->characteristic;
  const char *label = characteristic_label (c);
  guint n_valid = 0;
  const int *valid = hap_characteristic_get_valid_values (c, &n_valid);
  JsonNode *values_node;

  if (!load_interval (self, reader, object, path, error) ||
      !hap_json_reader_member (reader, object, path, "values", HAP_JSON_KIND_ARRAY, FALSE,
                                &values_node, error))
    return FALSE;

  self->values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  if (values_node != NULL)
    {
      JsonArray *array = json_node_get_array (values_node);
      g_autofree char *values_path = hap_json_reader_child_path (path, "values");

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          g_autoptr(GError) local_error = NULL;
          char key[16];
          GVariant *value = hap_characteristic_value_from_json (c, json_array_get_element (array, i),
                                                                &local_error);

          g_snprintf (key, sizeof key, "[%u]", i);
          if (value == NULL)
            return hap_json_reader_fail (reader, values_path, key, error, "%s: %s", label,
                                          local_error->message);
          g_ptr_array_add (self->values, value);
        }
      if (self->values->len < 2)
        return hap_json_reader_fail (reader, path, "values", error,
                                      "needs at least two values to toggle between");
      return TRUE;
    }

  if (hap_characteristic_get_format (c) == HAP_FORMAT_BOOL)
    {
      g_ptr_array_add (self->values, g_variant_ref_sink (g_variant_new_boolean (FALSE)));
      g_ptr_array_add (self->values, g_variant_ref_sink (g_variant_new_boolean (TRUE)));
      return TRUE;
    }

  if (n_valid >= 2)
    {
      for (guint i = 0; i < n_valid; i++)
        {
          GVariant *value = number_new (hap_characteristic_get_format (c), valid[i]);

          g_ptr_array_add (self->values, g_variant_ref_sink (value));
        }
      return TRUE;
    }

  return hap_json_reader_fail (reader, path, "characteristic", error,
                                "toggle needs a bool or a characteristic with valid values, or "
                                "a \"values\" list; %s is %s", label,
                                hap_format_to_string (hap_characteristic_get_format (c)));
}

static gboolean
load_script (HapSimBehaviour *self,
             HapJsonReader   *reader,
             JsonObject      *object,
             const char      *path,
             GError         **error)
{
  static const char * const step_keys[] = { "at-ms", "value", NULL };
  HapCharacteristic *c = self->characteristic;
  g_autofree char *steps_path = hap_json_reader_child_path (path, "steps");
  JsonNode *steps_node, *repeat_node, *period_node;
  JsonArray *array;
  guint last_ms = 0;

  if (!hap_json_reader_member (reader, object, path, "steps", HAP_JSON_KIND_ARRAY, TRUE,
                                &steps_node, error) ||
      !hap_json_reader_member (reader, object, path, "repeat", HAP_JSON_KIND_BOOLEAN, FALSE,
                                &repeat_node, error) ||
      !hap_json_reader_member (reader, object, path, "period-ms", HAP_JSON_KIND_INTEGER, FALSE,
                                &period_node, error))
    return FALSE;

  array = json_node_get_array (steps_node);
  if (json_array_get_length (array) == 0)
    return hap_json_reader_fail (reader, path, "steps", error, "needs at least one step");

  self->steps = g_array_new (FALSE, TRUE, sizeof (ScriptStep));
  g_array_set_clear_func (self->steps, script_step_clear);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *step_path = hap_json_reader_element_path (steps_path, i);
      g_autoptr(GError) local_error = NULL;
      JsonNode *node, *at_node, *value_node;
      JsonObject *step_object;
      ScriptStep step = { 0 };

      if (!hap_json_reader_element (reader, array, i, steps_path, HAP_JSON_KIND_OBJECT, &node, error))
        return FALSE;
      step_object = json_node_get_object (node);
      if (!hap_json_reader_check_keys (reader, step_object, step_path, step_keys, error) ||
          !hap_json_reader_member (reader, step_object, step_path, "at-ms", HAP_JSON_KIND_INTEGER,
                                    TRUE, &at_node, error) ||
          !hap_json_reader_int_in_range (reader, at_node, step_path, "at-ms", 0, MAX_MS, error))
        return FALSE;
      /* Of any kind: the characteristic's format decides below. */
      if ((value_node = json_object_get_member (step_object, "value")) == NULL)
        return hap_json_reader_fail (reader, step_path, NULL, error, "missing required key “value”");

      step.at_ms = (guint) json_node_get_int (at_node);
      if (step.at_ms < last_ms)
        return hap_json_reader_fail (reader, step_path, "at-ms", error,
                                      "%u is before the previous step's %u (steps go in order)",
                                      step.at_ms, last_ms);
      last_ms = step.at_ms;

      if ((step.value = hap_characteristic_value_from_json (c, value_node, &local_error)) == NULL)
        return hap_json_reader_fail (reader, step_path, "value", error, "%s: %s",
                                      characteristic_label (c), local_error->message);
      g_array_append_val (self->steps, step);
    }

  self->repeat = repeat_node != NULL && json_node_get_boolean (repeat_node);
  if (period_node != NULL)
    {
      if (!self->repeat)
        return hap_json_reader_fail (reader, path, "period-ms", error,
                                      "only applies with \"repeat\": true");
      if (!hap_json_reader_int_in_range (reader, period_node, path, "period-ms",
                                          MAX (last_ms, 1), MAX_MS, error))
        return FALSE;
      self->period_ms = (guint) json_node_get_int (period_node);
    }
  else if (self->repeat)
    {
      /* Starting over right after the last step. */
      if (last_ms == 0)
        return hap_json_reader_fail (reader, path, "repeat", error,
                                      "a repeating script needs a step after 0 ms or a \"period-ms\"");
      self->period_ms = last_ms;
    }
  return TRUE;
}

static HapSimBehaviour *
load_one (HapJsonReader  *reader,
          JsonObject     *object,
          const char     *path,
          HapAccessory   *accessory,
          GError        **error)
{
  static const char * const drift_keys[] = {
    "accessory", "service", "characteristic", "kind", "interval-ms", "step", "noise", NULL
  };
  static const char * const toggle_keys[] = {
    "accessory", "service", "characteristic", "kind", "interval-ms", "values", NULL
  };
  static const char * const script_keys[] = {
    "accessory", "service", "characteristic", "kind", "steps", "repeat", "period-ms", NULL
  };
  static const char * const * const keys[] = { drift_keys, toggle_keys, script_keys };
  g_autoptr(HapSimBehaviour) self = g_new0 (HapSimBehaviour, 1);
  HapCharacteristic *characteristic;
  JsonNode *kind_node;
  const char *kind;
  guint k;

  if (!hap_json_reader_member (reader, object, path, "kind", HAP_JSON_KIND_STRING, TRUE,
                                &kind_node, error))
    return NULL;
  kind = json_node_get_string (kind_node);
  for (k = 0; k < G_N_ELEMENTS (kind_names); k++)
    if (g_str_equal (kind, kind_names[k]))
      break;
  if (k == G_N_ELEMENTS (kind_names))
    {
      hap_json_reader_fail (reader, path, "kind", error,
                             "unknown kind “%s” (expected drift, toggle or script)", kind);
      return NULL;
    }
  self->kind = k;

  if (!hap_json_reader_check_keys (reader, object, path, keys[k], error) ||
      (characteristic = find_characteristic (reader, object, path, accessory, error)) == NULL)
    return NULL;
  self->characteristic = g_object_ref (characteristic);

  switch (self->kind)
    {
    case KIND_DRIFT:
      if (!load_drift (self, reader, object, path, error))
        return NULL;
      break;
    case KIND_TOGGLE:
      if (!load_toggle (self, reader, object, path, error))
        return NULL;
      break;
    case KIND_SCRIPT:
      if (!load_script (self, reader, object, path, error))
        return NULL;
      break;
    }

  return g_steal_pointer (&self);
}

GPtrArray *
hap_sim_behaviours_load (HapJsonReader  *reader,
                         JsonNode       *array,
                         const char     *path,
                         HapAccessory   *accessory,
                         GError        **error)
{
  g_autoptr(GPtrArray) behaviours = NULL;
  JsonArray *elements;

  g_return_val_if_fail (reader != NULL, NULL);
  g_return_val_if_fail (array != NULL, NULL);
  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (HAP_IS_ACCESSORY (accessory), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!JSON_NODE_HOLDS_ARRAY (array))
    {
      hap_json_reader_fail (reader, path, NULL, error, "expected an array, got %s",
                             hap_json_reader_describe_node (array));
      return NULL;
    }

  behaviours = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_sim_behaviour_free);
  elements = json_node_get_array (array);
  for (guint i = 0; i < json_array_get_length (elements); i++)
    {
      g_autofree char *element_path = hap_json_reader_element_path (path, i);
      HapSimBehaviour *behaviour;
      JsonNode *node;

      if (!hap_json_reader_element (reader, elements, i, path, HAP_JSON_KIND_OBJECT, &node, error) ||
          (behaviour = load_one (reader, json_node_get_object (node), element_path, accessory,
                                 error)) == NULL)
        return NULL;
      g_ptr_array_add (behaviours, behaviour);
    }

  return g_steal_pointer (&behaviours);
}
