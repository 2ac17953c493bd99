/* hap-sim-quirk-row.c — one quirk of the catalog on the Quirks page: a switch and its
 * parameters
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-quirk-row.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hap-sim-inspect.h"
#include "hap-sim-ui-util.h"

/* One parameter: what hap_sim_inspect_quirk_info says of it, the value the row holds
 * (typed as the engine keeps it: b, u, i, d or s) and the widget that edits it. */
typedef struct
{
  const char      *name;        /* in the row's info dictionary */
  HapSimParamType  type;
  GVariant        *fallback;    /* the catalog's default */
  GVariant        *value;
  GVariant        *dict;        /* the parameter's entry in the info dictionary */
  GtkWidget       *editor;      /* NULL until the row is first expanded */
} Param;

struct _HapSimQuirkRow
{
  AdwExpanderRow         parent_instance;

  const HapSimQuirkInfo *info;
  GVariant              *info_dict;   /* hap_sim_inspect_quirk_info (info) */
  GPtrArray             *params;      /* Param* */
  HapSimAccessory       *accessory;
  char                  *haystack;    /* case-folded name and description */
  gboolean               enabled;
  gboolean               editors_built;
  gboolean               syncing;     /* widgets follow the engine: no engine calls */

  GtkSwitch             *enabled_switch;
};

enum { PROP_0, PROP_INFO, PROP_ACCESSORY, PROP_ENABLED, N_PROPS };
enum { CHANGED, N_SIGNALS };

G_DEFINE_FINAL_TYPE (HapSimQuirkRow, hap_sim_quirk_row, ADW_TYPE_EXPANDER_ROW)

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

static void
param_free (Param *param)
{
  g_clear_pointer (&param->fallback, g_variant_unref);
  g_clear_pointer (&param->value, g_variant_unref);
  g_clear_pointer (&param->dict, g_variant_unref);
  g_free (param);
}

static HapSimParamType
param_type_from_string (const char *type)
{
  if (g_str_equal (type, "bool"))
    return HAP_SIM_PARAM_BOOL;
  if (g_str_equal (type, "uint"))
    return HAP_SIM_PARAM_UINT;
  if (g_str_equal (type, "int"))
    return HAP_SIM_PARAM_INT;
  if (g_str_equal (type, "double"))
    return HAP_SIM_PARAM_DOUBLE;
  return HAP_SIM_PARAM_STRING;
}

/* The catalog gives defaults as text ("3000", "true", "drop"). */
static GVariant *
param_value_from_text (HapSimParamType type, const char *text)
{
  switch (type)
    {
    case HAP_SIM_PARAM_BOOL:
      return g_variant_new_boolean (g_str_equal (text, "true"));
    case HAP_SIM_PARAM_UINT:
      return g_variant_new_uint32 ((guint32) g_ascii_strtoull (text, NULL, 10));
    case HAP_SIM_PARAM_INT:
      return g_variant_new_int32 ((gint32) g_ascii_strtoll (text, NULL, 10));
    case HAP_SIM_PARAM_DOUBLE:
      return g_variant_new_double (g_ascii_strtod (text, NULL));
    case HAP_SIM_PARAM_STRING:
    default:
      return g_variant_new_string (text);
    }
}

static double
variant_to_double (GVariant *value)
{
  double number;

  return hap_variant_get_number (value, &number) ? number : 0;
}

static GVariant *
spin_value (Param *param)
{
  double number = gtk_spin_button_get_value (GTK_SPIN_BUTTON (param->editor));

  switch (param->type)
    {
    case HAP_SIM_PARAM_UINT:
      return g_variant_new_uint32 ((guint32) number);
    case HAP_SIM_PARAM_INT:
      return g_variant_new_int32 ((gint32) number);
    default:
      return g_variant_new_double (number);
    }
}

/* Puts @param's value into its editor; the caller sets self->syncing. */
static void
param_show (Param *param)
{
  if (param->editor == NULL)
    return;
  switch (param->type)
    {
    case HAP_SIM_PARAM_BOOL:
      gtk_switch_set_active (GTK_SWITCH (param->editor), g_variant_get_boolean (param->value));
      break;
    case HAP_SIM_PARAM_UINT:
    case HAP_SIM_PARAM_INT:
    case HAP_SIM_PARAM_DOUBLE:
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (param->editor), variant_to_double (param->value));
      break;
    case HAP_SIM_PARAM_STRING:
    default:
      if (GTK_IS_DROP_DOWN (param->editor))
        {
          GtkDropDown *drop_down = GTK_DROP_DOWN (param->editor);
          GListModel *model = G_LIST_MODEL (gtk_drop_down_get_model (drop_down));
          const char *text = g_variant_get_string (param->value, NULL);

          for (guint i = 0; i < g_list_model_get_n_items (model); i++)
            if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), text))
              gtk_drop_down_set_selected (drop_down, i);
        }
      else
        gtk_editable_set_text (GTK_EDITABLE (param->editor),
                               g_variant_get_string (param->value, NULL));
      break;
    }
}

static HapSimQuirk *
engine_quirk (HapSimQuirkRow *self)
{
  return self->accessory ? hap_sim_accessory_get_quirk (self->accessory, self->info->name) : NULL;
}

static void
set_enabled (HapSimQuirkRow *self, gboolean enabled)
{
  if (self->enabled == enabled)
    return;
  self->enabled = enabled;
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ENABLED]);
}

/* The switch and the parameters as the accessory has them; parameters of a quirk that is
 * off keep what the row holds. */
static void
sync_from_engine (HapSimQuirkRow *self)
{
  HapSimQuirk *quirk = engine_quirk (self);

  self->syncing = TRUE;
  for (guint i = 0; quirk != NULL && i < self->params->len; i++)
    {
      Param *param = g_ptr_array_index (self->params, i);
      GVariant *value = g_hash_table_lookup (quirk->params, param->name);

      if (value != NULL)
        {
          g_clear_pointer (&param->value, g_variant_unref);
          param->value = g_variant_ref (value);
        }
    }
  for (guint i = 0; i < self->params->len; i++)
    param_show (g_ptr_array_index (self->params, i));
  gtk_switch_set_active (self->enabled_switch, quirk != NULL);
  self->syncing = FALSE;
  set_enabled (self, quirk != NULL);
}

/* A parameter was edited: an enabled quirk takes it at once (enabling one that is on
 * replaces its parameters); one that is off takes it when switched on. */
static void
param_edited (HapSimQuirkRow *self, Param *param, GVariant *value)
{
  g_autoptr(GVariant) params = NULL;
  g_autoptr(GError) error = NULL;

  g_variant_ref_sink (value);
  if (g_variant_equal (value, param->value))
    {
      g_variant_unref (value);
      return;
    }
  g_clear_pointer (&param->value, g_variant_unref);
  param->value = value;

  if (engine_quirk (self) == NULL)
    return;
  params = hap_sim_quirk_row_dup_params (self);
  if (!hap_sim_accessory_enable_quirk (self->accessory, self->info->name, params, &error))
    {
      g_autofree char *what = g_strdup_printf (_("Cannot set %s of %s"), param->name,
                                               self->info->name);

      hap_sim_ui_toast_error (GTK_WIDGET (self), what, error);
      sync_from_engine (self);
      return;
    }
  g_signal_emit (self, signals [CHANGED], 0);
}

static void
on_editor_changed (GtkWidget *editor, GParamSpec *pspec, HapSimQuirkRow *self)
{
  Param *param = g_object_get_data (G_OBJECT (editor), "hap-sim-param");
  GVariant *value;

  if (self->syncing)
    return;
  switch (param->type)
    {
    case HAP_SIM_PARAM_BOOL:
      value = g_variant_new_boolean (gtk_switch_get_active (GTK_SWITCH (editor)));
      break;
    case HAP_SIM_PARAM_UINT:
    case HAP_SIM_PARAM_INT:
    case HAP_SIM_PARAM_DOUBLE:
      value = spin_value (param);
      break;
    case HAP_SIM_PARAM_STRING:
    default:
      if (GTK_IS_DROP_DOWN (editor))
        {
          GObject *item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (editor));

          if (item == NULL)
            return;
          value = g_variant_new_string (gtk_string_object_get_string (GTK_STRING_OBJECT (item)));
        }
      else
        value = g_variant_new_string (gtk_editable_get_text (GTK_EDITABLE (editor)));
      break;
    }
  param_edited (self, param, value);
}

static void
on_spin_value_changed (GtkSpinButton *spin, HapSimQuirkRow *self)
{
  on_editor_changed (GTK_WIDGET (spin), NULL, self);
}

/* Free text is taken on Enter or when the entry loses focus, not at every keystroke. */
static void
on_entry_activate (GtkEntry *entry, HapSimQuirkRow *self)
{
  on_editor_changed (GTK_WIDGET (entry), NULL, self);
}

static void
on_entry_focus_leave (GtkEventControllerFocus *controller, HapSimQuirkRow *self)
{
  GtkWidget *entry = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));

  on_editor_changed (entry, NULL, self);
}

static GtkWidget *
number_editor_new (Param *param, GVariantDict *dict)
{
  double min, max, step = param->type == HAP_SIM_PARAM_DOUBLE ? 0.1 : 1;
  GtkWidget *spin;

  if (!g_variant_dict_lookup (dict, "min", "d", &min) ||
      !g_variant_dict_lookup (dict, "max", "d", &max))
    {
      /* Unbounded: as wide as the engine's type allows. */
      switch (param->type)
        {
        case HAP_SIM_PARAM_UINT:
          min = 0, max = G_MAXUINT32;
          break;
        case HAP_SIM_PARAM_INT:
          min = G_MININT32, max = G_MAXINT32;
          break;
        default:
          min = -1e9, max = 1e9;
          break;
        }
    }
  spin = gtk_spin_button_new_with_range (min, max, step);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), param->type == HAP_SIM_PARAM_DOUBLE ? 2 : 0);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  return spin;
}

static GtkWidget *
param_editor_new (HapSimQuirkRow *self, Param *param, GVariantDict *dict)
{
  g_autofree const char **choices = NULL;
  GtkWidget *editor;

  switch (param->type)
    {
    case HAP_SIM_PARAM_BOOL:
      editor = gtk_switch_new ();
      g_signal_connect (editor, "notify::active", G_CALLBACK (on_editor_changed), self);
      break;
    case HAP_SIM_PARAM_UINT:
    case HAP_SIM_PARAM_INT:
    case HAP_SIM_PARAM_DOUBLE:
      editor = number_editor_new (param, dict);
      g_signal_connect (editor, "value-changed", G_CALLBACK (on_spin_value_changed), self);
      break;
    case HAP_SIM_PARAM_STRING:
    default:
      if (g_variant_dict_lookup (dict, "choices", "^a&s", &choices))
        {
          editor = gtk_drop_down_new_from_strings (choices);
          g_signal_connect (editor, "notify::selected", G_CALLBACK (on_editor_changed), self);
        }
      else
        {
          GtkEventController *focus = gtk_event_controller_focus_new ();

          editor = gtk_entry_new ();
          gtk_editable_set_width_chars (GTK_EDITABLE (editor), 14);
          g_signal_connect (editor, "activate", G_CALLBACK (on_entry_activate), self);
          g_signal_connect (focus, "leave", G_CALLBACK (on_entry_focus_leave), self);
          gtk_widget_add_controller (editor, focus);
        }
      break;
    }
  gtk_widget_set_valign (editor, GTK_ALIGN_CENTER);
  g_object_set_data (G_OBJECT (editor), "hap-sim-param", param);
  {
    g_autofree char *label = g_strdup_printf ("%s %s", self->info->name, param->name);

    gtk_accessible_update_property (GTK_ACCESSIBLE (editor),
                                    GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }
  return editor;
}

/* What the catalog says of the parameters; the editors come with the first expansion
 * (82 rows with every editor would take long to build and lay out). */
static void
read_params (HapSimQuirkRow *self)
{
  g_autoptr(GVariant) params = g_variant_lookup_value (self->info_dict, "params",
                                                       G_VARIANT_TYPE ("aa{sv}"));
  GVariantIter iter;
  GVariant *entry;

  g_variant_iter_init (&iter, params);
  while ((entry = g_variant_iter_next_value (&iter)) != NULL)
    {
      Param *param = g_new0 (Param, 1);
      const char *type = "string", *fallback = "";

      /* The strings stay valid as long as self->info_dict: entry is a part of it. */
      param->dict = entry;
      g_variant_lookup (entry, "name", "&s", &param->name);
      g_variant_lookup (entry, "type", "&s", &type);
      g_variant_lookup (entry, "default", "&s", &fallback);
      param->type = param_type_from_string (type);
      param->fallback = g_variant_ref_sink (param_value_from_text (param->type, fallback));
      param->value = g_variant_ref (param->fallback);
      g_ptr_array_add (self->params, param);
    }
}

static void
ensure_editors (HapSimQuirkRow *self)
{
  if (self->editors_built)
    return;
  self->editors_built = TRUE;

  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = g_ptr_array_index (self->params, i);
      g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (param->dict);
      const char *description = "";
      GtkWidget *row = adw_action_row_new ();

      g_variant_lookup (param->dict, "description", "&s", &description);
      param->editor = param_editor_new (self, param, &dict);
      self->syncing = TRUE;
      param_show (param);
      self->syncing = FALSE;

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), param->name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), description);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), param->editor);
      if (param->type == HAP_SIM_PARAM_BOOL)
        adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), param->editor);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (self), row);
    }

  if (self->params->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No parameters"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_expander_row_add_row (ADW_EXPANDER_ROW (self), row);
    }
}

static void
on_expanded (HapSimQuirkRow *self)
{
  if (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (self)))
    ensure_editors (self);
}

static void
on_enabled_switch_active (HapSimQuirkRow *self)
{
  gboolean active = gtk_switch_get_active (self->enabled_switch);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (self->syncing || active == self->enabled)
    return;
  if (self->accessory == NULL)
    {
      sync_from_engine (self);
      return;
    }

  if (active)
    {
      g_autoptr(GVariant) params = hap_sim_quirk_row_dup_params (self);

      ok = hap_sim_accessory_enable_quirk (self->accessory, self->info->name, params, &error);
    }
  else
    ok = hap_sim_accessory_disable_quirk (self->accessory, self->info->name, &error);

  if (!ok)
    {
      g_autofree char *what = g_strdup_printf (_("Cannot switch %s %s"), self->info->name,
                                               active ? _("on") : _("off"));

      hap_sim_ui_toast_error (GTK_WIDGET (self), what, error);
      sync_from_engine (self);   /* the switch goes back */
      return;
    }
  set_enabled (self, active);
  g_signal_emit (self, signals [CHANGED], 0);
}

static void
hap_sim_quirk_row_constructed (GObject *object)
{
  HapSimQuirkRow *self = HAP_SIM_QUIRK_ROW (object);
  g_autofree char *subtitle = NULL;
  g_autofree char *text = NULL;

  G_OBJECT_CLASS (hap_sim_quirk_row_parent_class)->constructed (object);
  g_return_if_fail (self->info != NULL);

  self->info_dict = g_variant_ref_sink (hap_sim_inspect_quirk_info (self->info));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), self->info->name);
  if (self->info->catalog_row > 0)
    subtitle = g_strdup_printf (_("%s\nCatalog row %u"), self->info->description,
                                self->info->catalog_row);
  else
    subtitle = g_strdup (self->info->description);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), subtitle);
  /* The AT-SPI tests toggle a quirk by this name. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->enabled_switch),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->info->name, -1);

  text = g_strconcat (self->info->name, "\n", self->info->description, NULL);
  self->haystack = g_utf8_casefold (text, -1);
  read_params (self);
  g_signal_connect (self, "notify::expanded", G_CALLBACK (on_expanded), NULL);
}

static void
hap_sim_quirk_row_dispose (GObject *object)
{
  HapSimQuirkRow *self = HAP_SIM_QUIRK_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_QUIRK_ROW);
  g_clear_object (&self->accessory);
  G_OBJECT_CLASS (hap_sim_quirk_row_parent_class)->dispose (object);
}

static void
hap_sim_quirk_row_finalize (GObject *object)
{
  HapSimQuirkRow *self = HAP_SIM_QUIRK_ROW (object);

  g_clear_pointer (&self->params, g_ptr_array_unref);
  g_clear_pointer (&self->info_dict, g_variant_unref);
  g_clear_pointer (&self->haystack, g_free);
  G_OBJECT_CLASS (hap_sim_quirk_row_parent_class)->finalize (object);
}

static void
hap_sim_quirk_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimQuirkRow *self = HAP_SIM_QUIRK_ROW (object);

  switch (prop_id)
    {
    case PROP_INFO:
      g_value_set_pointer (value, (gpointer) self->info);
      break;
    case PROP_ACCESSORY:
      g_value_set_object (value, self->accessory);
      break;
    case PROP_ENABLED:
      g_value_set_boolean (value, self->enabled);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_quirk_row_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  HapSimQuirkRow *self = HAP_SIM_QUIRK_ROW (object);

  switch (prop_id)
    {
    case PROP_INFO:
      self->info = g_value_get_pointer (value);
      break;
    case PROP_ACCESSORY:
      hap_sim_quirk_row_set_accessory (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_quirk_row_class_init (HapSimQuirkRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hap_sim_quirk_row_constructed;
  object_class->dispose = hap_sim_quirk_row_dispose;
  object_class->finalize = hap_sim_quirk_row_finalize;
  object_class->get_property = hap_sim_quirk_row_get_property;
  object_class->set_property = hap_sim_quirk_row_set_property;

  properties [PROP_INFO] =
    g_param_spec_pointer ("info", NULL, NULL,
                          (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties [PROP_ACCESSORY] =
    g_param_spec_object ("accessory", NULL, NULL, HAP_SIM_TYPE_ACCESSORY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties [PROP_ENABLED] =
    g_param_spec_boolean ("enabled", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HapSimQuirkRow::changed:
   * @self: a #HapSimQuirkRow
   *
   * The row switched the quirk on or off, or changed the parameters of the enabled quirk.
   */
  signals [CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hapsim/Simulator/hap-sim-quirk-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HapSimQuirkRow, enabled_switch);
  gtk_widget_class_bind_template_callback (widget_class, on_enabled_switch_active);
}

static void
hap_sim_quirk_row_init (HapSimQuirkRow *self)
{
  self->params = g_ptr_array_new_with_free_func ((GDestroyNotify) param_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hap_sim_quirk_row_new (const HapSimQuirkInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);
  return g_object_new (HAP_SIM_TYPE_QUIRK_ROW, "info", info, NULL);
}

const HapSimQuirkInfo *
hap_sim_quirk_row_get_info (HapSimQuirkRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_QUIRK_ROW (self), NULL);
  return self->info;
}

void
hap_sim_quirk_row_set_accessory (HapSimQuirkRow *self, HapSimAccessory *accessory)
{
  g_return_if_fail (HAP_SIM_IS_QUIRK_ROW (self));
  g_return_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory));

  if (!g_set_object (&self->accessory, accessory))
    return;
  /* Another accessory: what was edited for the previous one does not carry over. */
  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = g_ptr_array_index (self->params, i);

      g_clear_pointer (&param->value, g_variant_unref);
      param->value = g_variant_ref (param->fallback);
    }
  sync_from_engine (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_quirk_row_get_accessory (HapSimQuirkRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_QUIRK_ROW (self), NULL);
  return self->accessory;
}

void
hap_sim_quirk_row_sync (HapSimQuirkRow *self)
{
  g_return_if_fail (HAP_SIM_IS_QUIRK_ROW (self));
  sync_from_engine (self);
}

gboolean
hap_sim_quirk_row_get_enabled (HapSimQuirkRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_QUIRK_ROW (self), FALSE);
  return self->enabled;
}

GtkWidget *
hap_sim_quirk_row_get_switch (HapSimQuirkRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_QUIRK_ROW (self), NULL);
  return GTK_WIDGET (self->enabled_switch);
}

GtkWidget *
hap_sim_quirk_row_get_editor (HapSimQuirkRow *self, const char *name)
{
  g_return_val_if_fail (HAP_SIM_IS_QUIRK_ROW (self), NULL);

  ensure_editors (self);
  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = g_ptr_array_index (self->params, i);

      if (g_strcmp0 (param->name, name) == 0)
        return param->editor;
    }
  return NULL;
}

GVariant *
hap_sim_quirk_row_dup_params (HapSimQuirkRow *self)
{
  GVariantBuilder dict;

  g_return_val_if_fail (HAP_SIM_IS_QUIRK_ROW (self), NULL);

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < self->params->len; i++)
    {
      Param *param = g_ptr_array_index (self->params, i);

      g_variant_builder_add (&dict, "{sv}", param->name, param->value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&dict));
}

gboolean
hap_sim_quirk_row_matches (HapSimQuirkRow *self, const char *needle)
{
  g_return_val_if_fail (HAP_SIM_IS_QUIRK_ROW (self), FALSE);
  return needle == NULL || *needle == '\0' || strstr (self->haystack, needle) != NULL;
}
