/* hap-sim-transports-group.c — the accessory editor's "Transports" group
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The adapter drop-down's items are adapter names ("" for the first usable one) in
 * @names, shown through a GtkStringList of labels in the same order. The list comes
 * from BlueZ asynchronously; an adapter the file names stays offered when BlueZ does not
 * know it (it may be plugged in later), marked as missing.
 */
#define G_LOG_DOMAIN "hap-sim-transports-group"

#include "hap-sim-transports-group.h"

#include "hap-sim-adapters.h"
#include <glib/gi18n.h>

/* The transports row's toggle buttons (one of them is active), in the template's order. */
enum { ITEM_IP, ITEM_BLE, ITEM_BOTH };

struct _HapSimTransportsGroup
{
  AdwPreferencesGroup  parent_instance;

  GPtrArray           *names;        /* char *: the adapter row's items, "" first */
  GtkStringList       *labels;       /* what the adapter row shows for each */
  GCancellable        *cancellable;  /* the adapter listing in flight */
  guint                chosen;       /* the transports item chosen, kept while a bridge */
  gboolean             bridge;

  AdwActionRow        *transports_row;
  GtkToggleButton     *ip_toggle;
  GtkToggleButton     *ble_toggle;
  GtkToggleButton     *both_toggle;
  AdwComboRow         *adapter_row;
};

G_DEFINE_FINAL_TYPE (HapSimTransportsGroup, hap_sim_transports_group, ADW_TYPE_PREFERENCES_GROUP)

static guint
selected_item (HapSimTransportsGroup *self)
{
  if (gtk_toggle_button_get_active (self->ble_toggle))
    return ITEM_BLE;
  if (gtk_toggle_button_get_active (self->both_toggle))
    return ITEM_BOTH;
  return ITEM_IP;
}

static void
select_item (HapSimTransportsGroup *self, guint item)
{
  GtkToggleButton *toggles[] = { self->ip_toggle, self->ble_toggle, self->both_toggle };

  gtk_toggle_button_set_active (toggles[item], TRUE);
}

static void
update_rows (HapSimTransportsGroup *self)
{
  guint item = selected_item (self);

  gtk_widget_set_sensitive (GTK_WIDGET (self->transports_row), !self->bridge);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->transports_row),
                               self->bridge ? _("A bridge is served over IP: HAP over BLE has no bridges") : NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->adapter_row), item == ITEM_BLE || item == ITEM_BOTH);
}

static void
on_transports_toggled (HapSimTransportsGroup *self, GtkToggleButton *toggle)
{
  /* Each change toggles two buttons: act on the one turned on. */
  if (!gtk_toggle_button_get_active (toggle))
    return;
  if (!self->bridge)
    self->chosen = selected_item (self);
  update_rows (self);
}

static guint
find_name (HapSimTransportsGroup *self, const char *name)
{
  for (guint i = 0; i < self->names->len; i++)
    if (g_str_equal (g_ptr_array_index (self->names, i), name))
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static void
add_item (HapSimTransportsGroup *self, const char *name, const char *label)
{
  g_ptr_array_add (self->names, g_strdup (name));
  gtk_string_list_append (self->labels, label);
}

/* Offers @name (NULL or "": the first usable one) and selects it. */
static void
select_adapter (HapSimTransportsGroup *self, const char *name)
{
  guint position;

  if (name == NULL)
    name = "";
  if ((position = find_name (self, name)) == GTK_INVALID_LIST_POSITION)
    {
      g_autofree char *label = g_strdup_printf (_("%s · not found"), name);

      add_item (self, name, label);
      position = self->names->len - 1;
    }
  adw_combo_row_set_selected (self->adapter_row, position);
}

static char *
adapter_label (const HapSimAdapter *adapter)
{
  GString *label = g_string_new (adapter->name);

  g_string_append_printf (label, " · %s", adapter->address);
  if (!adapter->peripheral)
    g_string_append (label, _(" · no peripheral role"));
  if (!adapter->powered)
    g_string_append (label, _(" · off"));
  if (adapter->used_by != NULL)
    g_string_append_printf (label, _(" · used by %s"), adapter->used_by);
  return g_string_free (label, FALSE);
}

static void
on_adapters_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(HapSimTransportsGroup) self = user_data;
  g_autoptr(GPtrArray) adapters = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *selected = NULL;

  adapters = hap_sim_engine_list_adapters_finish (HAP_SIM_ENGINE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->cancellable);
  selected = g_strdup (hap_sim_transports_group_get_adapter (self));
  if (adapters == NULL)
    {
      /* No BlueZ: say so where the choice is made; the first usable one stays. */
      adw_action_row_set_subtitle (ADW_ACTION_ROW (self->adapter_row), error->message);
      return;
    }

  g_ptr_array_set_size (self->names, 0);
  gtk_string_list_splice (self->labels, 0, g_list_model_get_n_items (G_LIST_MODEL (self->labels)), NULL);
  add_item (self, "", _("First usable"));
  for (guint i = 0; i < adapters->len; i++)
    {
      const HapSimAdapter *adapter = g_ptr_array_index (adapters, i);
      g_autofree char *label = adapter_label (adapter);

      add_item (self, adapter->name, label);
    }
  select_adapter (self, selected);
}

static void
hap_sim_transports_group_dispose (GObject *object)
{
  HapSimTransportsGroup *self = HAP_SIM_TRANSPORTS_GROUP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_TRANSPORTS_GROUP);
  g_clear_object (&self->labels);
  g_clear_pointer (&self->names, g_ptr_array_unref);
  G_OBJECT_CLASS (hap_sim_transports_group_parent_class)->dispose (object);
}

static void
hap_sim_transports_group_class_init (HapSimTransportsGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_transports_group_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hapsim/Simulator/hap-sim-transports-group.ui");
  gtk_widget_class_bind_template_child (widget_class, HapSimTransportsGroup, transports_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimTransportsGroup, ip_toggle);
  gtk_widget_class_bind_template_child (widget_class, HapSimTransportsGroup, ble_toggle);
  gtk_widget_class_bind_template_child (widget_class, HapSimTransportsGroup, both_toggle);
  gtk_widget_class_bind_template_child (widget_class, HapSimTransportsGroup, adapter_row);
  gtk_widget_class_bind_template_callback (widget_class, on_transports_toggled);
}

static void
hap_sim_transports_group_init (HapSimTransportsGroup *self)
{
  self->names = g_ptr_array_new_with_free_func (g_free);
  self->labels = gtk_string_list_new (NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
  adw_combo_row_set_model (self->adapter_row, G_LIST_MODEL (self->labels));
  add_item (self, "", _("First usable"));
  adw_combo_row_set_selected (self->adapter_row, 0);
  update_rows (self);
}

/* ---- API --------------------------------------------------------------------------- */

void
hap_sim_transports_group_load (HapSimTransportsGroup *self, JsonObject *root)
{
  JsonNode *node;
  HapTransportFlags transports = 0;
  const char *adapter = NULL;

  g_return_if_fail (HAP_SIM_IS_TRANSPORTS_GROUP (self));

  if (root != NULL && (node = json_object_get_member (root, "transports")) != NULL &&
      JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *name = json_array_get_string_element (array, i);

          if (g_strcmp0 (name, "ip") == 0)
            transports |= HAP_TRANSPORT_IP;
          else if (g_strcmp0 (name, "ble") == 0)
            transports |= HAP_TRANSPORT_BLE;
        }
    }
  if (root != NULL && (node = json_object_get_member (root, "simulator")) != NULL &&
      JSON_NODE_HOLDS_OBJECT (node) &&
      (node = json_object_get_member (json_node_get_object (node), "ble-adapter")) != NULL &&
      JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    adapter = json_node_get_string (node);

  if (transports == (HAP_TRANSPORT_IP | HAP_TRANSPORT_BLE))
    self->chosen = ITEM_BOTH;
  else if (transports == HAP_TRANSPORT_BLE)
    self->chosen = ITEM_BLE;
  else
    self->chosen = ITEM_IP;
  select_item (self, self->bridge ? ITEM_IP : self->chosen);
  select_adapter (self, adapter);
  update_rows (self);
}

void
hap_sim_transports_group_save (HapSimTransportsGroup *self, JsonObject *root)
{
  HapTransportFlags transports;
  const char *adapter;
  JsonNode *node;
  JsonObject *section = NULL;

  g_return_if_fail (HAP_SIM_IS_TRANSPORTS_GROUP (self));
  g_return_if_fail (root != NULL);

  transports = hap_sim_transports_group_get_transports (self);
  adapter = hap_sim_transports_group_get_adapter (self);
  if (transports == HAP_TRANSPORT_IP)
    json_object_remove_member (root, "transports");
  else
    {
      JsonArray *array = json_array_new ();

      if (transports & HAP_TRANSPORT_IP)
        json_array_add_string_element (array, "ip");
      json_array_add_string_element (array, "ble");
      json_object_set_array_member (root, "transports", array);
    }

  if ((node = json_object_get_member (root, "simulator")) != NULL && JSON_NODE_HOLDS_OBJECT (node))
    section = json_node_get_object (node);
  if ((transports & HAP_TRANSPORT_BLE) && adapter != NULL)
    {
      if (section == NULL)
        {
          section = json_object_new ();
          json_object_set_object_member (root, "simulator", section);
        }
      json_object_set_string_member (section, "ble-adapter", adapter);
    }
  else if (section != NULL)
    {
      json_object_remove_member (section, "ble-adapter");
      if (json_object_get_size (section) == 0)
        json_object_remove_member (root, "simulator");
    }
}

void
hap_sim_transports_group_set_bridge (HapSimTransportsGroup *self, gboolean bridge)
{
  g_return_if_fail (HAP_SIM_IS_TRANSPORTS_GROUP (self));

  if (self->bridge == bridge)
    return;
  self->bridge = bridge;
  select_item (self, bridge ? ITEM_IP : self->chosen);
  update_rows (self);
}

void
hap_sim_transports_group_list_adapters (HapSimTransportsGroup *self, HapSimEngine *engine)
{
  g_return_if_fail (HAP_SIM_IS_TRANSPORTS_GROUP (self));
  g_return_if_fail (HAP_SIM_IS_ENGINE (engine));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  hap_sim_engine_list_adapters_async (engine, self->cancellable, on_adapters_listed, g_object_ref (self));
}

HapTransportFlags
hap_sim_transports_group_get_transports (HapSimTransportsGroup *self)
{
  g_return_val_if_fail (HAP_SIM_IS_TRANSPORTS_GROUP (self), HAP_TRANSPORT_IP);

  switch (selected_item (self))
    {
    case ITEM_BLE:  return HAP_TRANSPORT_BLE;
    case ITEM_BOTH: return HAP_TRANSPORT_IP | HAP_TRANSPORT_BLE;
    default:        return HAP_TRANSPORT_IP;
    }
}

const char *
hap_sim_transports_group_get_adapter (HapSimTransportsGroup *self)
{
  guint position;
  const char *name;

  g_return_val_if_fail (HAP_SIM_IS_TRANSPORTS_GROUP (self), NULL);

  position = adw_combo_row_get_selected (self->adapter_row);
  if (position >= self->names->len)
    return NULL;
  name = g_ptr_array_index (self->names, position);
  return name[0] != '\0' ? name : NULL;
}
