/* hap-sim-page.c — the "accessory" property every page of the window has
 *
 * Six pages had the same property spec, the same get_property/set_property pair and the
 * same swap of signal handlers when the accessory changes. A common base class would
 * also do, but would change each page's parent type (and its template); these functions
 * keep the pages final GtkWidgets.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-page.h"

enum { PROP_ACCESSORY = 1 };

typedef struct
{
  HapSimPageGetAccessory get;
  HapSimPageSetAccessory set;
} Accessors;

static GQuark
accessors_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("hap-sim-page-accessors");
  return quark;
}

static const Accessors *
accessors_of (GObject *object)
{
  return g_type_get_qdata (G_OBJECT_TYPE (object), accessors_quark ());
}

static void
page_get_property (GObject    *object,
                   guint       prop_id,
                   GValue     *value,
                   GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_ACCESSORY:
      g_value_set_object (value, accessors_of (object)->get (object));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
page_set_property (GObject      *object,
                   guint         prop_id,
                   const GValue *value,
                   GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_ACCESSORY:
      accessors_of (object)->set (object, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

GParamSpec *
hap_sim_page_class_install_accessory (GObjectClass           *klass,
                                      HapSimPageGetAccessory  get,
                                      HapSimPageSetAccessory  set)
{
  /* Lives as long as the class, which is never unloaded. */
  Accessors *accessors = g_new (Accessors, 1);
  GParamSpec *pspec;

  g_return_val_if_fail (G_IS_OBJECT_CLASS (klass), NULL);
  g_return_val_if_fail (get != NULL && set != NULL, NULL);

  accessors->get = get;
  accessors->set = set;
  g_type_set_qdata (G_OBJECT_CLASS_TYPE (klass), accessors_quark (), accessors);

  klass->get_property = page_get_property;
  klass->set_property = page_set_property;
  pspec = g_param_spec_object ("accessory", NULL, NULL, HAP_SIM_TYPE_ACCESSORY,
                               (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (klass, PROP_ACCESSORY, pspec);
  return pspec;
}

gboolean
hap_sim_page_swap_accessory (gpointer           page,
                             HapSimAccessory  **slot,
                             HapSimAccessory   *accessory)
{
  g_return_val_if_fail (G_IS_OBJECT (page), FALSE);
  g_return_val_if_fail (slot != NULL, FALSE);

  if (*slot == accessory)
    return FALSE;
  if (*slot != NULL)
    g_signal_handlers_disconnect_by_data (*slot, page);
  g_set_object (slot, accessory);
  return TRUE;
}
