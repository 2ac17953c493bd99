/* hap-sim-sidebar-row.c — one accessory in the window's sidebar
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-sidebar-row.h"

#include <glib/gi18n.h>

#include "hap-sim-inspect.h"
#include "hap-sim-ui-util.h"

struct _HapSimSidebarRow
{
  GtkListBoxRow    parent_instance;
  HapSimAccessory *accessory;
  char            *status;
  guint            refresh_id;

  GtkImage        *icon;
  GtkLabel        *name_label;
  GtkLabel        *status_label;
  GtkLabel        *transports_label;
  GtkImage        *state_icon;
};

enum { PROP_0, PROP_ACCESSORY, PROP_STATUS, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimSidebarRow, hap_sim_sidebar_row, GTK_TYPE_LIST_BOX_ROW)

static GParamSpec *properties [N_PROPS];

/* A central is connected over BLE (IP sessions are counted apart). */
static gboolean
central_connected (HapSimAccessory *accessory)
{
  g_autoptr(GVariant) info = NULL;
  const char *state = NULL;

  if (!hap_sim_accessory_has_ble (accessory))
    return FALSE;
  info = g_variant_ref_sink (hap_sim_inspect_ble (accessory));
  return g_variant_lookup (info, "state", "&s", &state) && g_str_equal (state, "connected");
}

static void
refresh (HapSimSidebarRow *self)
{
  g_autoptr(GVariant) summary = hap_sim_inspect_summary (self->accessory);
  HapSimState state = hap_sim_accessory_get_state (self->accessory);
  const char *name = hap_sim_accessory_get_name (self->accessory);
  const char *word, *icon, *transports;
  gboolean paired = FALSE;
  guint32 sessions = 0, category = 0;
  g_autofree char *label = NULL;

  g_variant_lookup (summary, "paired", "b", &paired);
  g_variant_lookup (summary, "sessions", "u", &sessions);
  g_variant_lookup (summary, "category", "u", &category);
  transports = hap_sim_ui_transports_label (hap_sim_accessory_get_transports (self->accessory));

  if (state == HAP_SIM_STATE_STOPPED)
    word = "Stopped", icon = "network-offline-symbolic";
  else if (paired)
    word = "Paired", icon = "emblem-ok-symbolic";
  else if (state == HAP_SIM_STATE_ADVERTISED)
    word = "Advertising", icon = "network-wireless-symbolic";
  else
    word = "Running", icon = "network-idle-symbolic";

  g_free (self->status);
  if (sessions > 0)
    self->status = g_strdup_printf (ngettext ("%s · %u session", "%s · %u sessions", sessions), word, sessions);
  else
    self->status = g_strdup (word);
  if (central_connected (self->accessory))
    {
      char *with_central = g_strconcat (self->status, " · BLE central", NULL);

      g_free (self->status);
      self->status = with_central;
    }

  gtk_image_set_from_icon_name (self->icon, hap_sim_ui_category_icon ((int) category));
  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_label_set_label (self->name_label, name);
  gtk_label_set_label (self->status_label, self->status);
  gtk_label_set_label (self->transports_label, transports);
  /* Read as one item by screen readers: "Hallway Thermostat, Paired · 1 session, IP". */
  label = g_strdup_printf ("%s, %s, %s", name, self->status, transports);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_STATUS]);
}

static gboolean
refresh_idle (gpointer user_data)
{
  HapSimSidebarRow *self = user_data;

  self->refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

/* Signals arrive in bursts (a session closes while its connection is still listed):
 * refresh once, after the burst. */
static void
queue_refresh (HapSimSidebarRow *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add (refresh_idle, self);
}

static void
hap_sim_sidebar_row_dispose (GObject *object)
{
  HapSimSidebarRow *self = HAP_SIM_SIDEBAR_ROW (object);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->accessory != NULL)
    g_signal_handlers_disconnect_by_data (self->accessory, self);
  g_clear_object (&self->accessory);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_SIDEBAR_ROW);
  G_OBJECT_CLASS (hap_sim_sidebar_row_parent_class)->dispose (object);
}

static void
hap_sim_sidebar_row_finalize (GObject *object)
{
  HapSimSidebarRow *self = HAP_SIM_SIDEBAR_ROW (object);

  g_free (self->status);
  G_OBJECT_CLASS (hap_sim_sidebar_row_parent_class)->finalize (object);
}

static void
hap_sim_sidebar_row_constructed (GObject *object)
{
  HapSimSidebarRow *self = HAP_SIM_SIDEBAR_ROW (object);
  static const char * const signals[] = {
    "state-changed", "advertised", "pairing-added", "pairing-removed",
    "session-opened", "session-closed", "ble-changed",
  };

  G_OBJECT_CLASS (hap_sim_sidebar_row_parent_class)->constructed (object);
  g_assert (self->accessory != NULL);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_signal_connect_swapped (self->accessory, signals[i], G_CALLBACK (queue_refresh), self);
  refresh (self);
}

static void
hap_sim_sidebar_row_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimSidebarRow *self = HAP_SIM_SIDEBAR_ROW (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      g_value_set_object (value, self->accessory);
      break;
    case PROP_STATUS:
      g_value_set_string (value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_sidebar_row_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HapSimSidebarRow *self = HAP_SIM_SIDEBAR_ROW (object);

  switch (prop_id)
    {
    case PROP_ACCESSORY:
      self->accessory = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_sidebar_row_class_init (HapSimSidebarRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = hap_sim_sidebar_row_constructed;
  object_class->dispose = hap_sim_sidebar_row_dispose;
  object_class->finalize = hap_sim_sidebar_row_finalize;
  object_class->get_property = hap_sim_sidebar_row_get_property;
  object_class->set_property = hap_sim_sidebar_row_set_property;

  properties [PROP_ACCESSORY] =
    g_param_spec_object ("accessory", NULL, NULL, HAP_SIM_TYPE_ACCESSORY,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties [PROP_STATUS] =
    g_param_spec_string ("status", NULL, NULL, NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hapsim/Simulator/hap-sim-sidebar-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HapSimSidebarRow, icon);
  gtk_widget_class_bind_template_child (widget_class, HapSimSidebarRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSidebarRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSidebarRow, transports_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSidebarRow, state_icon);
}

static void
hap_sim_sidebar_row_init (HapSimSidebarRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hap_sim_sidebar_row_new (HapSimAccessory *accessory)
{
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), NULL);

  return g_object_new (HAP_SIM_TYPE_SIDEBAR_ROW, "accessory", accessory, NULL);
}

HapSimAccessory *
hap_sim_sidebar_row_get_accessory (HapSimSidebarRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SIDEBAR_ROW (self), NULL);
  return self->accessory;
}

const char *
hap_sim_sidebar_row_get_status (HapSimSidebarRow *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SIDEBAR_ROW (self), NULL);
  return self->status;
}
