/* hap-sim-controls-page.c — STUB, to be replaced
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-controls-page.h"

struct _HapSimControlsPage
{
  GtkWidget        parent_instance;
  HapSimAccessory *accessory;
  GtkWidget       *child;
};

enum { PROP_0, PROP_ACCESSORY, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimControlsPage, hap_sim_controls_page, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];

static void
hap_sim_controls_page_dispose (GObject *object)
{
  HapSimControlsPage *self = HAP_SIM_CONTROLS_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_CONTROLS_PAGE);
  g_clear_object (&self->accessory);
  G_OBJECT_CLASS (hap_sim_controls_page_parent_class)->dispose (object);
}

static void
hap_sim_controls_page_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimControlsPage *self = HAP_SIM_CONTROLS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      g_value_set_object (value, self->accessory);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_controls_page_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HapSimControlsPage *self = HAP_SIM_CONTROLS_PAGE (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      hap_sim_controls_page_set_accessory (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_controls_page_class_init (HapSimControlsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_controls_page_dispose;
  object_class->get_property = hap_sim_controls_page_get_property;
  object_class->set_property = hap_sim_controls_page_set_property;

  properties [PROP_ACCESSORY] =
    g_param_spec_object ("accessory", NULL, NULL, HAP_SIM_TYPE_ACCESSORY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/hap-sim-controls-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, HapSimControlsPage, child);
}

static void
hap_sim_controls_page_init (HapSimControlsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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

  if (g_set_object (&self->accessory, accessory))
    g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_controls_page_get_accessory (HapSimControlsPage *self)
{
  g_return_val_if_fail (HAP_SIM_IS_CONTROLS_PAGE (self), NULL);
  return self->accessory;
}
