/* hap-sim-controls-page.c — the window's "Controls" page: every service of the selected
 * accessory (and of each bridged one), its characteristics as live controls
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-controls-page.h"
#include "hap-sim-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hap-sim-characteristic-row.h"
#include "hap-sim-ui-util.h"

struct _HapSimControlsPage
{
  GtkWidget        parent_instance;

  HapSimAccessory *accessory;
  /* HapCharacteristic → its HapSimCharacteristicRow; neither owned (the rows live in
   * box, the characteristics in the accessory the page holds). */
  GHashTable      *rows;
  /* What the rows were built from: the server adds the Protocol Information service and
   * assigns ids when it first starts, so a never-started accessory is rebuilt then. */
  guint            n_services;
  gboolean         ids_pending;

  /* Template children */
  GtkStack        *stack;
  GtkBox          *box;
};

enum { PROP_0, PROP_ACCESSORY, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimControlsPage, hap_sim_controls_page, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];

/* The accessory and, for a bridge, each bridged one, in the order they are served. */
static GPtrArray *
list_accessories (HapSimAccessory *accessory)
{
  HapAccessory *primary = hap_sim_accessory_get_accessory (accessory);
  GPtrArray *bridged = hap_accessory_get_bridged_accessories (primary);
  GPtrArray *all = g_ptr_array_new ();

  g_ptr_array_add (all, primary);
  for (guint i = 0; i < bridged->len; i++)
    g_ptr_array_add (all, g_ptr_array_index (bridged, i));
  return all;
}

static guint
count_services (HapSimAccessory *accessory, gboolean *ids_pending)
{
  g_autoptr(GPtrArray) accessories = list_accessories (accessory);
  guint n = 0;

  *ids_pending = FALSE;
  for (guint i = 0; i < accessories->len; i++)
    {
      HapAccessory *a = g_ptr_array_index (accessories, i);
      GPtrArray *services = hap_accessory_get_services (a);

      n += services->len;
      *ids_pending |= hap_accessory_get_aid (a) == 0;
      for (guint k = 0; k < services->len; k++)
        *ids_pending |= hap_service_get_iid (g_ptr_array_index (services, k)) == 0;
    }
  return n;
}

static GtkWidget *
new_row (HapSimControlsPage *self, HapCharacteristic *characteristic)
{
  GtkWidget *row = hap_sim_characteristic_row_new (self->accessory, characteristic);

  g_hash_table_insert (self->rows, characteristic, row);
  return row;
}

static char *
information_summary (HapService *service)
{
  const char *names[] = { "Manufacturer", "Model" };
  g_autoptr(GStrvBuilder) parts = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      HapCharacteristic *c = hap_service_get_characteristic (service, names[i]);
      GVariant *value = c ? hap_characteristic_get_value (c) : NULL;

      if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
          *g_variant_get_string (value, NULL) != '\0')
        g_strv_builder_add (parts, g_variant_get_string (value, NULL));
    }
  strv = g_strv_builder_end (parts);
  return g_strjoinv (" · ", strv);
}

/* The Accessory Information service is folded away: it is the same few strings on every
 * accessory and would push the interesting services down. */
static GtkWidget *
build_information (HapSimControlsPage *self, HapService *service)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *expander = adw_expander_row_new ();
  GPtrArray *characteristics = hap_service_get_characteristics (service);
  g_autofree char *summary = information_summary (service);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander),
                                 hap_sim_ui_service_label (service));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), summary);
  for (guint i = 0; i < characteristics->len; i++)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                              new_row (self, g_ptr_array_index (characteristics, i)));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), expander);
  return group;
}

static GtkWidget *
build_service (HapSimControlsPage *self, HapService *service)
{
  GtkWidget *group = adw_preferences_group_new ();
  GPtrArray *characteristics = hap_service_get_characteristics (service);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group),
                                   hap_sim_ui_service_label (service));
  if (hap_service_get_hidden (service))
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), _("Hidden service"));
  for (guint i = 0; i < characteristics->len; i++)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                               new_row (self, g_ptr_array_index (characteristics, i)));
  return group;
}

static GtkWidget *
build_heading (HapAccessory *accessory, gboolean first)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (hap_accessory_get_name (accessory));
  g_autofree char *text = first ? g_strdup (_("Bridge"))
                                : g_strdup_printf (_("Bridged accessory %llu"),
                                                   (unsigned long long) hap_accessory_get_aid (accessory));
  GtkWidget *caption = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_widget_add_css_class (title, "title-2");
  gtk_label_set_xalign (GTK_LABEL (caption), 0);
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), caption);
  if (!first)
    gtk_widget_set_margin_top (box, 12);
  return box;
}

static void
rebuild (HapSimControlsPage *self)
{
  g_autoptr(GPtrArray) accessories = NULL;
  GtkWidget *child;

  g_hash_table_remove_all (self->rows);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->box))) != NULL)
    gtk_box_remove (self->box, child);
  self->n_services = 0;
  self->ids_pending = FALSE;

  if (self->accessory == NULL)
    {
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  /* Whose controls these are, for screen readers: the Name row is folded away with the
   * rest of Accessory Information. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  hap_sim_accessory_get_name (self->accessory), -1);
  accessories = list_accessories (self->accessory);
  for (guint i = 0; i < accessories->len; i++)
    {
      HapAccessory *accessory = g_ptr_array_index (accessories, i);
      HapService *information = hap_accessory_get_information_service (accessory);
      GPtrArray *services = hap_accessory_get_services (accessory);

      if (accessories->len > 1)
        gtk_box_append (self->box, build_heading (accessory, i == 0));
      for (guint k = 0; k < services->len; k++)
        {
          HapService *service = g_ptr_array_index (services, k);

          gtk_box_append (self->box, service == information ? build_information (self, service)
                                                             : build_service (self, service));
        }
    }
  self->n_services = count_services (self->accessory, &self->ids_pending);
  gtk_stack_set_visible_child_name (self->stack, "controls");
}

static void
on_value_changed (HapSimAccessory   *accessory,
                  HapCharacteristic *characteristic,
                  GVariant          *value,
                  const char        *origin,
                  HapSimControlsPage *self)
{
  HapSimCharacteristicRow *row = g_hash_table_lookup (self->rows, characteristic);

  if (row != NULL)
    hap_sim_characteristic_row_update (row, value);
}

static void
on_state_changed (HapSimAccessory *accessory, HapSimControlsPage *self)
{
  gboolean ids_pending;
  guint n_services = count_services (accessory, &ids_pending);

  /* Start and stop change nothing shown, except on the first start (see n_services). */
  if (self->ids_pending || n_services != self->n_services)
    rebuild (self);
}

static void
hap_sim_controls_page_dispose (GObject *object)
{
  HapSimControlsPage *self = HAP_SIM_CONTROLS_PAGE (object);

  if (self->accessory != NULL)
    g_signal_handlers_disconnect_by_data (self->accessory, self);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_CONTROLS_PAGE);
  g_clear_object (&self->accessory);
  G_OBJECT_CLASS (hap_sim_controls_page_parent_class)->dispose (object);
}

static void
hap_sim_controls_page_class_init (HapSimControlsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_controls_page_dispose;

  properties [PROP_ACCESSORY] =
    hap_sim_page_class_install_accessory (object_class,
                                          (HapSimPageGetAccessory) hap_sim_controls_page_get_accessory,
                                          (HapSimPageSetAccessory) hap_sim_controls_page_set_accessory);

  /* A group, not a generic widget: those can have no name or description (ARIA). */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/"
                                               "hap-sim-controls-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, HapSimControlsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimControlsPage, box);

  g_type_ensure (HAP_SIM_TYPE_CHARACTERISTIC_ROW);
}

static void
hap_sim_controls_page_init (HapSimControlsPage *self)
{
  self->rows = g_hash_table_new (NULL, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Named like its tab; described by the accessory's name (see rebuild). */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Controls"), -1);
}

GtkWidget *
hap_sim_controls_page_new (void)
{
  return g_object_new (HAP_SIM_TYPE_CONTROLS_PAGE, NULL);
}

void
hap_sim_controls_page_set_accessory (HapSimControlsPage *self, HapSimAccessory *accessory)
{
  g_return_if_fail (HAP_SIM_IS_CONTROLS_PAGE (self));
  g_return_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory));

  if (!hap_sim_page_swap_accessory (self, &self->accessory, accessory))
    return;
  if (accessory != NULL)
    {
      g_signal_connect (accessory, "value-changed", G_CALLBACK (on_value_changed), self);
      g_signal_connect (accessory, "state-changed", G_CALLBACK (on_state_changed), self);
    }
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_controls_page_get_accessory (HapSimControlsPage *self)
{
  g_return_val_if_fail (HAP_SIM_IS_CONTROLS_PAGE (self), NULL);
  return self->accessory;
}
