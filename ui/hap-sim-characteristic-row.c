/* hap-sim-characteristic-row.c — one characteristic of the Controls page as a live control
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-characteristic-row.h"

#include <math.h>
#include <glib/gi18n.h>

#include "hap-sim-inspect.h"
#include "hap-sim-ui-util.h"

/* Valid value ranges longer than this stay a spin button rather than a drop-down. */
#define MAX_CHOICES 32

typedef enum
{
  KIND_READ_ONLY,   /* the value label alone */
  KIND_SWITCH,      /* GtkSwitch */
  KIND_CHOICE,      /* GtkDropDown of named values */
  KIND_NUMBER,      /* GtkSpinButton (+ GtkScale) on one adjustment */
  KIND_TEXT,        /* GtkEntry */
  KIND_TRIGGER,     /* GtkButton writing TRUE (write-only bools: Identify) */
} Kind;

struct _HapSimCharacteristicRow
{
  AdwActionRow        parent_instance;

  HapSimAccessory    *accessory;
  HapCharacteristic  *characteristic;

  Kind                kind;
  gboolean            event_only;   /* the control picks a value, "Send" sends it */
  GArray             *choices;      /* int, the drop-down's values in order */
  GtkAdjustment      *adjustment;   /* numbers */
  double              base;         /* the minStep grid's origin */
  double              step;         /* minStep, NAN when free */
  int                 digits;
  GtkWidget          *control;
  GObject            *handler_target;  /* the control, or the adjustment */
  gulong              handler;
  GtkEventController *focus;        /* entries: not overwritten while edited */

  /* Template children */
  GtkLabel           *value_label;
  GtkBox             *control_box;
};

enum { PROP_0, PROP_ACCESSORY, PROP_CHARACTERISTIC, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimCharacteristicRow, hap_sim_characteristic_row, ADW_TYPE_ACTION_ROW)

static GParamSpec *properties [N_PROPS];

static gboolean
format_is_number (HapFormat format)
{
  return format >= HAP_FORMAT_UINT8 && format <= HAP_FORMAT_FLOAT;
}

static double
value_to_double (GVariant *value)
{
  double number;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (value);
  return hap_variant_get_number (value, &number) ? number : NAN;
}

static GVariant *
number_variant (HapFormat format, double v)
{
  if (format != HAP_FORMAT_FLOAT)
    v = round (v);
  switch (format)
    {
    case HAP_FORMAT_UINT8:  return g_variant_new_byte ((guint8) v);
    case HAP_FORMAT_UINT16: return g_variant_new_uint16 ((guint16) v);
    case HAP_FORMAT_UINT32: return g_variant_new_uint32 ((guint32) v);
    case HAP_FORMAT_UINT64: return g_variant_new_uint64 ((guint64) v);
    case HAP_FORMAT_INT:    return g_variant_new_int32 ((gint32) v);
    default:                return g_variant_new_double (v);
    }
}

/* The format's own range, for numbers without minValue/maxValue. */
static void
format_limits (HapFormat format, double *lower, double *upper)
{
  switch (format)
    {
    case HAP_FORMAT_UINT8:  *lower = 0; *upper = G_MAXUINT8; break;
    case HAP_FORMAT_UINT16: *lower = 0; *upper = G_MAXUINT16; break;
    case HAP_FORMAT_UINT32: *lower = 0; *upper = G_MAXUINT32; break;
    case HAP_FORMAT_UINT64: *lower = 0; *upper = 9007199254740992.0; break;  /* exact in a double */
    case HAP_FORMAT_INT:    *lower = G_MININT32; *upper = G_MAXINT32; break;
    default:                *lower = -1e9; *upper = 1e9; break;
    }
}

/* Decimals a step needs: 0.1 → 1, 0.25 → 2, 5 → 0. */
static int
digits_for_step (double step)
{
  for (int digits = 0; digits < 6; digits++)
    {
      double scaled = step * pow (10, digits);

      if (fabs (scaled - round (scaled)) < 1e-9)
        return digits;
    }
  return 6;
}

static int
compare_ints (gconstpointer a, gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

/* The values a drop-down offers: the characteristic's valid values or (short) ranges, or
 * the catalog's named constants when they are every value the range allows. */
static GArray *
collect_choices (HapCharacteristic *characteristic)
{
  const HapCharacteristicType *type = hap_characteristic_get_catalog_type (characteristic);
  g_autoptr(GArray) choices = g_array_new (FALSE, FALSE, sizeof (int));
  double min_value = hap_characteristic_get_min_value (characteristic);
  double max_value = hap_characteristic_get_max_value (characteristic);
  double min_step = hap_characteristic_get_min_step (characteristic);
  guint n_values = 0, n_ranges = 0;
  const int *values = hap_characteristic_get_valid_values (characteristic, &n_values);
  const int *ranges = hap_characteristic_get_valid_values_range (characteristic, &n_ranges);

  if (n_values > 0)
    g_array_append_vals (choices, values, n_values);
  else if (n_ranges > 0)
    {
      for (guint i = 0; i < n_ranges && choices->len <= MAX_CHOICES; i++)
        for (int v = ranges[2 * i]; v <= ranges[2 * i + 1] && choices->len <= MAX_CHOICES; v++)
          g_array_append_val (choices, v);
      if (choices->len > MAX_CHOICES)
        return NULL;
    }
  else if (type != NULL && type->n_constants > 0 && !isnan (min_value) && !isnan (max_value))
    {
      double step = isnan (min_step) || min_step <= 0 ? 1 : min_step;

      for (guint i = 0; i < type->n_constants; i++)
        if (type->constants[i].value >= min_value && type->constants[i].value <= max_value)
          g_array_append_val (choices, type->constants[i].value);
      if (choices->len != (guint) floor ((max_value - min_value) / step) + 1)
        return NULL;
      g_array_sort (choices, compare_ints);
    }
  return choices->len > 0 ? g_steal_pointer (&choices) : NULL;
}

static void
set_accessible (GtkWidget *widget, const char *label, const char *description)
{
  /* An action row's activatable widget is described by the row's subtitle, which
   * libadwaita 1.7 with GTK 4.18 exposes as no description at all: say it here. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_DESCRIBED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static void
show_value (HapSimCharacteristicRow *self, GVariant *value, gboolean force)
{
  g_autofree char *text = hap_sim_ui_format_value (self->characteristic, value);

  gtk_label_set_text (self->value_label, text);
  /* An event-only control holds what to send next, not the last event. */
  if (self->handler == 0 || self->event_only)
    return;

  g_signal_handler_block (self->handler_target, self->handler);
  switch (self->kind)
    {
    case KIND_SWITCH:
      gtk_switch_set_active (GTK_SWITCH (self->control), g_variant_get_boolean (value));
      break;
    case KIND_CHOICE:
      {
        guint position = GTK_INVALID_LIST_POSITION;

        for (guint i = 0; i < self->choices->len; i++)
          if (g_array_index (self->choices, int, i) == value_to_double (value))
            position = i;
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->control), position);
      }
      break;
    case KIND_NUMBER:
      gtk_adjustment_set_value (self->adjustment, value_to_double (value));
      break;
    case KIND_TEXT:
      /* Someone typing keeps their text; it is applied (or reverted) when they finish. */
      if (force ||
          !gtk_event_controller_focus_contains_focus (GTK_EVENT_CONTROLLER_FOCUS (self->focus)))
        gtk_editable_set_text (GTK_EDITABLE (self->control), g_variant_get_string (value, NULL));
      break;
    case KIND_READ_ONLY:
    case KIND_TRIGGER:
    default:
      break;
    }
  g_signal_handler_unblock (self->handler_target, self->handler);
}

/* Sets @value (floating) as the physical device would; on refusal, says why and puts the
 * control back to the stored value. */
static void
apply (HapSimCharacteristicRow *self, GVariant *value)
{
  g_autoptr(GError) error = NULL;

  if (!hap_sim_accessory_set_value (self->accessory, self->characteristic, value, &error))
    {
      const char *label = hap_sim_ui_characteristic_label (self->characteristic);
      g_autofree char *what = g_strdup_printf (_("Cannot set %s"), label);

      hap_sim_ui_toast_error (GTK_WIDGET (self), what, error);
      show_value (self, hap_characteristic_get_value (self->characteristic), TRUE);
    }
}

static GVariant *
control_value (HapSimCharacteristicRow *self)
{
  HapFormat format = hap_characteristic_get_format (self->characteristic);

  switch (self->kind)
    {
    case KIND_SWITCH:
      return g_variant_new_boolean (gtk_switch_get_active (GTK_SWITCH (self->control)));
    case KIND_CHOICE:
      {
        guint position = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->control));

        if (position >= self->choices->len)
          return NULL;
        return number_variant (format, g_array_index (self->choices, int, position));
      }
    case KIND_NUMBER:
      return number_variant (format, gtk_adjustment_get_value (self->adjustment));
    case KIND_TEXT:
      return g_variant_new_string (gtk_editable_get_text (GTK_EDITABLE (self->control)));
    case KIND_TRIGGER:
      return g_variant_new_boolean (TRUE);
    case KIND_READ_ONLY:
    default:
      return NULL;
    }
}

/* A control changed by the user: the value goes out at once (events wait for "Send"). */
static void
on_control_changed (HapSimCharacteristicRow *self)
{
  g_autoptr(GVariant) value = NULL;

  if (self->event_only || (value = control_value (self)) == NULL)
    return;
  value = g_variant_ref_sink (value);
  if (!g_variant_equal (value, hap_characteristic_get_value (self->characteristic)))
    apply (self, value);
}

static void
on_adjustment_changed (HapSimCharacteristicRow *self)
{
  double v = gtk_adjustment_get_value (self->adjustment);

  /* Sliders move freely: keep to the minStep grid the accessory validates against. */
  if (!isnan (self->step))
    {
      double snapped = self->base + round ((v - self->base) / self->step) * self->step;
      double scale = pow (10, self->digits);

      snapped = round (snapped * scale) / scale;
      snapped = CLAMP (snapped, gtk_adjustment_get_lower (self->adjustment),
                       gtk_adjustment_get_upper (self->adjustment));
      if (snapped != v)
        {
          g_signal_handler_block (self->adjustment, self->handler);
          gtk_adjustment_set_value (self->adjustment, snapped);
          g_signal_handler_unblock (self->adjustment, self->handler);
        }
    }
  on_control_changed (self);
}

static void
on_trigger_clicked (HapSimCharacteristicRow *self)
{
  const HapCharacteristicType *type = hap_characteristic_get_catalog_type (self->characteristic);
  HapService *service = hap_characteristic_get_service (self->characteristic);

  /* The accessory's own Identify runs the identify routine and logs it; a stored TRUE
   * would not. */
  if (type != NULL && g_str_equal (type->name, "Identify") && service != NULL &&
      hap_service_get_accessory (service) == hap_sim_accessory_get_accessory (self->accessory))
    hap_sim_accessory_identify (self->accessory);
  else
    apply (self, g_variant_new_boolean (TRUE));
}

static void
on_send_clicked (HapSimCharacteristicRow *self)
{
  GVariant *value = control_value (self);

  if (value != NULL)
    apply (self, value);
}

static GtkWidget *
build_number (HapSimCharacteristicRow *self, const char *label)
{
  HapCharacteristic *c = self->characteristic;
  HapFormat format = hap_characteristic_get_format (c);
  double min = hap_characteristic_get_min_value (c), max = hap_characteristic_get_max_value (c);
  double lower, upper, increment, value;
  GtkWidget *spin;

  format_limits (format, &lower, &upper);
  if (!isnan (min))
    lower = min;
  if (!isnan (max))
    upper = max;
  /* Integer formats step by whole numbers even without a minStep. */
  self->step = hap_characteristic_get_min_step (c);
  if (isnan (self->step) || self->step <= 0)
    self->step = format == HAP_FORMAT_FLOAT ? NAN : 1;
  self->base = isnan (min) ? 0 : min;
  increment = isnan (self->step) ? 0.1 : self->step;
  self->digits = format == HAP_FORMAT_FLOAT ? digits_for_step (increment) : 0;

  value = value_to_double (hap_characteristic_get_value (c));
  self->adjustment = gtk_adjustment_new (CLAMP (value, lower, upper), lower, upper,
                                         increment, increment * 10, 0);
  g_object_ref_sink (self->adjustment);
  self->handler_target = G_OBJECT (self->adjustment);
  self->handler = g_signal_connect_swapped (self->adjustment, "value-changed",
                                            G_CALLBACK (on_adjustment_changed), self);

  if (!isnan (min) && !isnan (max) && max > min)
    {
      g_autofree char *slider = g_strdup_printf (_("%s slider"), label);
      GtkWidget *scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, self->adjustment);

      gtk_scale_set_draw_value (GTK_SCALE (scale), FALSE);
      gtk_range_set_round_digits (GTK_RANGE (scale), self->digits);
      gtk_widget_set_size_request (scale, 160, -1);
      gtk_widget_set_valign (scale, GTK_ALIGN_CENTER);
      gtk_accessible_update_property (GTK_ACCESSIBLE (scale), GTK_ACCESSIBLE_PROPERTY_LABEL, slider,
                                      -1);
      gtk_box_append (self->control_box, scale);
    }

  spin = gtk_spin_button_new (self->adjustment, 1, (guint) self->digits);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 7);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  return spin;
}

static GtkWidget *
build_choice (HapSimCharacteristicRow *self)
{
  HapFormat format = hap_characteristic_get_format (self->characteristic);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  GtkWidget *drop_down;

  for (guint i = 0; i < self->choices->len; i++)
    {
      int choice = g_array_index (self->choices, int, i);
      g_autoptr(GVariant) value = g_variant_ref_sink (number_variant (format, choice));
      g_autofree char *name = hap_sim_ui_format_value (self->characteristic, value);

      gtk_string_list_append (names, name);
    }
  drop_down = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL);
  gtk_widget_set_valign (drop_down, GTK_ALIGN_CENTER);
  self->handler_target = G_OBJECT (drop_down);
  self->handler = g_signal_connect_swapped (drop_down, "notify::selected",
                                            G_CALLBACK (on_control_changed), self);
  return drop_down;
}

static GtkWidget *
build_text (HapSimCharacteristicRow *self)
{
  int max_len = hap_characteristic_get_max_len (self->characteristic);
  GtkWidget *entry = gtk_entry_new ();

  /* maxLen counts bytes, the entry characters: the accessory has the last word. */
  gtk_entry_set_max_length (GTK_ENTRY (entry), max_len > 0 ? max_len : 64);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 16);
  gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
  self->focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (self->focus, "leave", G_CALLBACK (on_control_changed), self);
  gtk_widget_add_controller (entry, self->focus);
  self->handler_target = G_OBJECT (entry);
  self->handler = g_signal_connect_swapped (entry, "activate",
                                            G_CALLBACK (on_control_changed), self);
  return entry;
}

static void
build_control (HapSimCharacteristicRow *self)
{
  HapCharacteristic *c = self->characteristic;
  HapFormat format = hap_characteristic_get_format (c);
  HapPerms perms = hap_characteristic_get_perms (c);
  gboolean readable = (perms & HAP_PERM_PAIRED_READ) != 0;
  gboolean writable = (perms & HAP_PERM_PAIRED_WRITE) != 0;
  const HapCharacteristicType *type = hap_characteristic_get_catalog_type (c);
  const char *label = hap_sim_ui_characteristic_label (c);
  g_autofree char *spec = g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT,
                                           hap_sim_characteristic_aid (c),
                                           hap_characteristic_get_iid (c));
  g_autofree char *value_description = g_strdup_printf (_("value %s"), spec);

  self->step = NAN;
  self->event_only = hap_characteristic_is_event_only (c) ||
                     ((perms & HAP_PERM_EVENTS) && !readable && !writable);
  self->kind = KIND_READ_ONLY;
  if (self->event_only && format_is_number (format))
    self->kind = (self->choices = collect_choices (c)) ? KIND_CHOICE : KIND_NUMBER;
  else if (self->event_only || !writable)
    self->kind = KIND_READ_ONLY;
  else if (format == HAP_FORMAT_BOOL)
    self->kind = readable ? KIND_SWITCH : KIND_TRIGGER;
  else if (format_is_number (format))
    self->kind = (self->choices = collect_choices (c)) ? KIND_CHOICE : KIND_NUMBER;
  else if (format == HAP_FORMAT_STRING)
    self->kind = KIND_TEXT;

  switch (self->kind)
    {
    case KIND_SWITCH:
      self->control = gtk_switch_new ();
      gtk_widget_set_valign (self->control, GTK_ALIGN_CENTER);
      self->handler_target = G_OBJECT (self->control);
      self->handler = g_signal_connect_swapped (self->control, "notify::active",
                                                G_CALLBACK (on_control_changed), self);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (self), self->control);
      break;
    case KIND_CHOICE:
      self->control = build_choice (self);
      break;
    case KIND_NUMBER:
      self->control = build_number (self, label);
      break;
    case KIND_TEXT:
      self->control = build_text (self);
      break;
    case KIND_TRIGGER:
      self->control = gtk_button_new_with_label (type && g_str_equal (type->name, "Identify")
                                                 ? _("Identify") : _("Send"));
      gtk_widget_set_valign (self->control, GTK_ALIGN_CENTER);
      g_signal_connect_swapped (self->control, "clicked", G_CALLBACK (on_trigger_clicked), self);
      break;
    case KIND_READ_ONLY:
    default:
      break;
    }

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), label);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), spec);
  /* Its accessible name stays its text. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->value_label),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, value_description, -1);
  show_value (self, hap_characteristic_get_value (c), TRUE);

  if (self->control == NULL)
    {
      /* Read-only: the value is the row's content, not a footnote to a control. */
      gtk_widget_set_visible (GTK_WIDGET (self->control_box), FALSE);
      gtk_widget_remove_css_class (GTK_WIDGET (self->value_label), "dim-label");
      return;
    }
  set_accessible (self->control, label, spec);
  gtk_box_append (self->control_box, self->control);
  if (self->event_only)
    {
      g_autofree char *send_label = g_strdup_printf (_("Send %s"), label);
      g_autofree char *send_description = g_strdup_printf (_("send %s"), spec);
      GtkWidget *send = gtk_button_new_with_label (_("Send"));

      gtk_widget_set_valign (send, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (send, "suggested-action");
      set_accessible (send, send_label, send_description);
      g_signal_connect_swapped (send, "clicked", G_CALLBACK (on_send_clicked), self);
      gtk_box_append (self->control_box, send);
    }
}

static void
hap_sim_characteristic_row_constructed (GObject *object)
{
  HapSimCharacteristicRow *self = HAP_SIM_CHARACTERISTIC_ROW (object);

  G_OBJECT_CLASS (hap_sim_characteristic_row_parent_class)->constructed (object);
  g_assert (self->accessory != NULL && self->characteristic != NULL);
  build_control (self);
}

static void
hap_sim_characteristic_row_dispose (GObject *object)
{
  HapSimCharacteristicRow *self = HAP_SIM_CHARACTERISTIC_ROW (object);

  /* Before the widgets go: an entry losing focus on the way out must not apply. */
  if (self->handler != 0)
    g_clear_signal_handler (&self->handler, self->handler_target);
  if (self->focus != NULL)
    g_signal_handlers_disconnect_by_data (self->focus, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_CHARACTERISTIC_ROW);
  self->control = NULL;
  self->focus = NULL;
  g_clear_object (&self->adjustment);
  g_clear_pointer (&self->choices, g_array_unref);
  g_clear_object (&self->characteristic);
  g_clear_object (&self->accessory);
  G_OBJECT_CLASS (hap_sim_characteristic_row_parent_class)->dispose (object);
}

static void
hap_sim_characteristic_row_get_property (GObject *object, guint prop_id, GValue *value,
                                         GParamSpec *pspec)
{
  HapSimCharacteristicRow *self = HAP_SIM_CHARACTERISTIC_ROW (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      g_value_set_object (value, self->accessory);
      break;
    case PROP_CHARACTERISTIC:
      g_value_set_object (value, self->characteristic);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_characteristic_row_set_property (GObject *object, guint prop_id, const GValue *value,
                                         GParamSpec *pspec)
{
  HapSimCharacteristicRow *self = HAP_SIM_CHARACTERISTIC_ROW (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      self->accessory = g_value_dup_object (value);
      break;
    case PROP_CHARACTERISTIC:
      self->characteristic = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_characteristic_row_class_init (HapSimCharacteristicRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hap_sim_characteristic_row_constructed;
  object_class->dispose = hap_sim_characteristic_row_dispose;
  object_class->get_property = hap_sim_characteristic_row_get_property;
  object_class->set_property = hap_sim_characteristic_row_set_property;

  properties [PROP_ACCESSORY] =
    g_param_spec_object ("accessory", NULL, NULL, HAP_SIM_TYPE_ACCESSORY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties [PROP_CHARACTERISTIC] =
    g_param_spec_object ("characteristic", NULL, NULL, HAP_TYPE_CHARACTERISTIC,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/"
                                               "hap-sim-characteristic-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HapSimCharacteristicRow, value_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimCharacteristicRow, control_box);
}

static void
hap_sim_characteristic_row_init (HapSimCharacteristicRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hap_sim_characteristic_row_new (HapSimAccessory *accessory, HapCharacteristic *characteristic)
{
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), NULL);
  g_return_val_if_fail (HAP_IS_CHARACTERISTIC (characteristic), NULL);

  return g_object_new (HAP_SIM_TYPE_CHARACTERISTIC_ROW,
                       "accessory", accessory,
                       "characteristic", characteristic,
                       NULL);
}

HapCharacteristic *
hap_sim_characteristic_row_get_characteristic (HapSimCharacteristicRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_CHARACTERISTIC_ROW (self), NULL);
  return self->characteristic;
}

void
hap_sim_characteristic_row_update (HapSimCharacteristicRow *self, GVariant *value)
{
  g_return_if_fail (HAP_SIM_IS_CHARACTERISTIC_ROW (self));
  g_return_if_fail (value != NULL);

  show_value (self, value, FALSE);
}

GtkWidget *
hap_sim_characteristic_row_get_control (HapSimCharacteristicRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_CHARACTERISTIC_ROW (self), NULL);
  return self->control;
}

GtkWidget *
hap_sim_characteristic_row_get_value_label (HapSimCharacteristicRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_CHARACTERISTIC_ROW (self), NULL);
  return GTK_WIDGET (self->value_label);
}
