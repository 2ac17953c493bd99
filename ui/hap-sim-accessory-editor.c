/* hap-sim-accessory-editor.c — a dialog that builds or edits an accessory file from the
 * catalog
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The form holds one AccessoryForm per accessory (the first one's widgets come from the
 * template, a bridged one's are built here) and one ServiceForm per service. The output
 * is merged into the JSON the dialog was given: each form remembers its original object,
 * and only what the form shows (name, category, services, optional characteristics) is
 * rewritten, so values, constraints, iids, links and the "simulator" section stay.
 */
#define G_LOG_DOMAIN "hap-sim-accessory-editor"

#include "hap-sim-accessory-editor.h"

#include <string.h>
#include <glib/gi18n.h>

#include "hap-sim-transports-group.h"
#include "hap-sim-ui-util.h"

#define CATEGORY_OTHER  1
#define CATEGORY_BRIDGE 2

typedef struct _AccessoryForm AccessoryForm;

typedef struct
{
  AccessoryForm        *form;
  const HapServiceType *type;       /* NULL for a vendor service */
  JsonObject           *original;   /* NULL for a new one */
  GtkWidget            *row;        /* AdwExpanderRow; NULL for a kept, unshown entry */
  GPtrArray            *optional;   /* GtkCheckButton, "characteristic" data: the name */
} ServiceForm;

struct _AccessoryForm
{
  HapSimAccessoryEditor *editor;
  JsonObject            *original;          /* NULL for a new one */
  GtkWidget             *group;             /* a bridged one's AdwPreferencesGroup */
  GtkWidget             *name_row;
  GtkWidget             *category_row;
  GtkWidget             *list;              /* GtkListBox: service rows, then add_row */
  GtkWidget             *add_row;
  GtkWidget             *service_dropdown;
  GtkWidget             *remove_button;     /* bridged ones */
  GPtrArray             *services;          /* ServiceForm */
  gboolean               category_chosen;   /* do not suggest one from the services */
  gboolean               category_changed;  /* by the user: write it */
  gboolean               setting_category;
};

struct _HapSimAccessoryEditor
{
  AdwWindow      parent_instance;

  JsonNode      *original;       /* a deep copy of the definition, or NULL */
  AccessoryForm *main;
  GPtrArray     *bridged;        /* AccessoryForm */
  GPtrArray     *removed_names;  /* names of original accessories the user removed */
  GArray        *categories;     /* int: the category row's items */
  GPtrArray     *service_types;  /* const HapServiceType *: the service drop-downs' items */
  gboolean       disposed;

  GtkWidget     *done_button;
  GtkWidget     *error_label;
  GtkWidget     *page;
  GtkWidget     *name_row;
  GtkWidget     *category_row;
  GtkWidget     *bridge_switch;
  GtkWidget     *transports_group;
  GtkWidget     *services_list;
  GtkWidget     *add_service_row;
  GtkWidget     *service_dropdown;
  GtkWidget     *add_service_button;
  GtkWidget     *bridged_group;
};

enum { DONE, N_SIGNALS };

G_DEFINE_FINAL_TYPE (HapSimAccessoryEditor, hap_sim_accessory_editor, ADW_TYPE_WINDOW)

static guint signals [N_SIGNALS];

static void update_state (HapSimAccessoryEditor *self);

/* ---- JSON helpers ----------------------------------------------------------------- */

/* json_node_copy() shares objects and arrays; the output must not touch the original. */
static JsonNode *
deep_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *source = json_node_get_object (node);
      JsonObject *object = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (source);
      JsonNode *copy = json_node_new (JSON_NODE_OBJECT);

      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (object, l->data,
                                deep_copy (json_object_get_member (source, l->data)));
      json_node_take_object (copy, object);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *source = json_node_get_array (node);
      JsonArray *array = json_array_sized_new (json_array_get_length (source));
      JsonNode *copy = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (source); i++)
        json_array_add_element (array, deep_copy (json_array_get_element (source, i)));
      json_node_take_array (copy, array);
      return copy;
    }
  return json_node_copy (node);
}

static JsonObject *
copy_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) copy = NULL;

  json_node_set_object (node, object);
  copy = deep_copy (node);
  return json_object_ref (json_node_get_object (copy));
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING ? json_node_get_string (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gboolean
member_true (JsonObject *object, const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_BOOLEAN && json_node_get_boolean (node);
}

static JsonObject *
element_object (JsonArray *array, guint i)
{
  JsonNode *node = json_array_get_element (array, i);

  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The catalog name of a characteristic entry's type, or NULL (vendor, or no type). */
static const char *
entry_characteristic (JsonObject *entry)
{
  const char *type = member_string (entry, "type");
  const HapCharacteristicType *catalog = type ? hap_catalog_lookup_characteristic (type) : NULL;

  return catalog != NULL ? catalog->name : NULL;
}

static gboolean
strv_has (const char * const *strv, const char *name)
{
  return strv != NULL && name != NULL && g_strv_contains (strv, name);
}

/* A required characteristic's initial value, as the loader would give it, written out so
 * that the file shows it; NULL for event-only, unreadable and non-numeric ones. */
static JsonNode *
default_value (const char *name)
{
  g_autoptr(HapCharacteristic) characteristic = hap_characteristic_new (name);
  GVariant *value;   /* not owned */
  JsonNode *node;

  if (characteristic == NULL || hap_characteristic_is_event_only (characteristic) ||
      !(hap_characteristic_get_perms (characteristic) & HAP_PERM_PAIRED_READ) ||
      (value = hap_characteristic_get_value (characteristic)) == NULL)
    return NULL;

  node = json_node_new (JSON_NODE_VALUE);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    json_node_set_boolean (node, g_variant_get_boolean (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE))
    json_node_set_int (node, g_variant_get_byte (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16))
    json_node_set_int (node, g_variant_get_uint16 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    json_node_set_int (node, g_variant_get_uint32 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) &&
           g_variant_get_uint64 (value) <= G_MAXINT64)
    json_node_set_int (node, (gint64) g_variant_get_uint64 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    json_node_set_int (node, g_variant_get_int32 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    json_node_set_double (node, g_variant_get_double (value));
  else
    g_clear_pointer (&node, json_node_unref);
  return node;
}

static const char *
characteristic_label (const char *name)
{
  const HapCharacteristicType *type = hap_catalog_lookup_characteristic (name);

  return type != NULL ? type->display_name : name;
}

static gboolean
is_information (const HapServiceType *type)
{
  return type != NULL && g_str_equal (type->name, "AccessoryInformation");
}

static void
set_accessible_label (GtkWidget *widget, const char *label)
{
  /* GTK 4.18 names a button after its label child (a relation), ahead of this property. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
}

/* ---- categories -------------------------------------------------------------------- */

static int
selected_category (AccessoryForm *form)
{
  guint i = adw_combo_row_get_selected (ADW_COMBO_ROW (form->category_row));
  GArray *categories = form->editor->categories;

  return i < categories->len ? g_array_index (categories, int, i) : CATEGORY_OTHER;
}

static void
select_category (AccessoryForm *form, int category)
{
  GArray *categories = form->editor->categories;

  for (guint i = 0; i < categories->len; i++)
    if (g_array_index (categories, int, i) == category)
      {
        form->setting_category = TRUE;
        adw_combo_row_set_selected (ADW_COMBO_ROW (form->category_row), i);
        form->setting_category = FALSE;
        return;
      }
}

static int
suggested_category (AccessoryForm *form)
{
  for (guint i = 0; i < form->services->len; i++)
    {
      ServiceForm *service = g_ptr_array_index (form->services, i);
      int category;

      if (service->row == NULL || service->type == NULL)
        continue;
      /* The category a file without one gets from its first service, as the loader
       * gives it. */
      category = hap_catalog_service_category (service->type->name);
      return category >= 0 ? category : CATEGORY_OTHER;
    }
  if (form == form->editor->main &&
      gtk_switch_get_active (GTK_SWITCH (form->editor->bridge_switch)))
    return CATEGORY_BRIDGE;
  return CATEGORY_OTHER;
}

static void
suggest_category (AccessoryForm *form)
{
  if (!form->category_chosen)
    select_category (form, suggested_category (form));
}

static void
on_category_selected (AccessoryForm *form)
{
  if (form->setting_category)
    return;
  form->category_chosen = TRUE;
  form->category_changed = TRUE;
}

/* ---- services ---------------------------------------------------------------------- */

static guint
n_shown_services (AccessoryForm *form)
{
  guint n = 0;

  for (guint i = 0; i < form->services->len; i++)
    n += ((ServiceForm *) g_ptr_array_index (form->services, i))->row != NULL;
  return n;
}

/* The index of the service that is primary in the output: the one the file marks, else
 * the first shown one — unless the file had services and deliberately none primary. */
static int
primary_index (AccessoryForm *form)
{
  gboolean had_services = FALSE, had_primary = FALSE;
  JsonArray *original = member_array (form->original, "services");

  for (guint i = 0; i < form->services->len; i++)
    {
      ServiceForm *service = g_ptr_array_index (form->services, i);

      if (member_true (service->original, "primary"))
        return (int) i;
    }
  for (guint i = 0; original != NULL && i < json_array_get_length (original); i++)
    {
      const char *type = member_string (element_object (original, i), "type");

      if (type != NULL && is_information (hap_catalog_lookup_service (type)))
        continue;
      had_services = TRUE;
      had_primary |= member_true (element_object (original, i), "primary");
    }
  if (had_services && !had_primary)
    return -1;
  for (guint i = 0; i < form->services->len; i++)
    if (((ServiceForm *) g_ptr_array_index (form->services, i))->row != NULL)
      return (int) i;
  return -1;
}

static void
update_service_subtitles (AccessoryForm *form)
{
  int primary = primary_index (form);

  for (guint i = 0; i < form->services->len; i++)
    {
      ServiceForm *service = g_ptr_array_index (form->services, i);

      if (service->row != NULL)
        adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (service->row),
                                       (int) i == primary ? _("Primary service") :
                                       service->type == NULL ? _("Vendor service") : "");
    }
}

static void
service_form_free (ServiceForm *service)
{
  g_clear_pointer (&service->original, json_object_unref);
  g_clear_pointer (&service->optional, g_ptr_array_unref);
  g_free (service);
}

static void
on_remove_service_clicked (GtkButton *button, ServiceForm *service)
{
  AccessoryForm *form = service->form;
  HapSimAccessoryEditor *self = form->editor;

  gtk_list_box_remove (GTK_LIST_BOX (form->list), service->row);
  g_ptr_array_remove (form->services, service);   /* frees it */
  update_service_subtitles (form);
  suggest_category (form);
  update_state (self);
}

static GtkWidget *
characteristic_row (const char *name, gboolean required, gboolean active, GtkWidget **check_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), characteristic_label (name));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), required ? _("Required") : _("Optional"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), active || required);
  gtk_widget_set_sensitive (check, !required);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  set_accessible_label (check, characteristic_label (name));
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  if (!required)
    adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  *check_out = check;
  return row;
}

/* Adds a service to @form: @type from the catalog (NULL: a vendor service of @original),
 * @original its entry in the file being edited (NULL for a new one). */
static ServiceForm *
add_service (AccessoryForm        *form,
             const HapServiceType *type,
             JsonObject           *original)
{
  ServiceForm *service = g_new0 (ServiceForm, 1);
  g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *entries = member_array (original, "characteristics");
  g_autofree char *remove_label = NULL;
  const char *title;
  GtkWidget *remove;

  service->form = form;
  service->type = type;
  service->original = original != NULL ? json_object_ref (original) : NULL;
  service->optional = g_ptr_array_new ();
  g_ptr_array_add (form->services, service);

  /* Accessory Information is every accessory's own: kept as it is, not shown. */
  if (is_information (type))
    return service;

  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      const char *name = entry_characteristic (element_object (entries, i));

      if (name != NULL)
        g_hash_table_add (present, (gpointer) name);
    }

  title = type != NULL ? type->name : member_string (original, "type");
  service->row = adw_expander_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (service->row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (service->row), title);

  remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  remove_label = g_strdup_printf (_("Remove Service %s"), title);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, remove_label);
  set_accessible_label (remove, remove_label);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_service_clicked), service);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (service->row), remove);

  for (guint i = 0; type != NULL && type->required[i] != NULL; i++)
    {
      GtkWidget *check;

      adw_expander_row_add_row (ADW_EXPANDER_ROW (service->row),
                                characteristic_row (type->required[i], TRUE, TRUE, &check));
    }
  for (guint i = 0; type != NULL && type->optional[i] != NULL; i++)
    {
      const char *name = type->optional[i];
      GtkWidget *check;

      adw_expander_row_add_row (ADW_EXPANDER_ROW (service->row),
                                characteristic_row (name, FALSE,
                                                    g_hash_table_contains (present, name),
                                                    &check));
      g_object_set_data (G_OBJECT (check), "characteristic", (gpointer) name);
      g_ptr_array_add (service->optional, check);
    }

  gtk_list_box_insert (GTK_LIST_BOX (form->list), service->row,
                       gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (form->add_row)));
  return service;
}

static void
on_add_service_clicked (GtkButton *button, AccessoryForm *form)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (form->service_dropdown));
  GPtrArray *types = form->editor->service_types;
  ServiceForm *service;

  if (i >= types->len)
    return;
  service = add_service (form, g_ptr_array_index (types, i), NULL);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (service->row), TRUE);
  update_service_subtitles (form);
  suggest_category (form);
  update_state (form->editor);
}

/* ---- accessories ------------------------------------------------------------------- */

static void
accessory_form_free (AccessoryForm *form)
{
  g_clear_pointer (&form->services, g_ptr_array_unref);
  g_clear_pointer (&form->original, json_object_unref);
  g_free (form);
}

static GListModel *
categories_model (HapSimAccessoryEditor *self)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < self->categories->len; i++)
    {
      g_autofree char *label = hap_sim_ui_category_label (g_array_index (self->categories, int, i));

      gtk_string_list_append (list, label);
    }
  return G_LIST_MODEL (list);
}

static GListModel *
services_model (HapSimAccessoryEditor *self)
{
  GtkStringList *list = gtk_string_list_new (NULL);

  for (guint i = 0; i < self->service_types->len; i++)
    {
      const HapServiceType *type = g_ptr_array_index (self->service_types, i);

      gtk_string_list_append (list, type->name);
    }
  return G_LIST_MODEL (list);
}

static void
on_name_changed (AccessoryForm *form)
{
  if (form->group != NULL)
    {
      const char *name = gtk_editable_get_text (GTK_EDITABLE (form->name_row));
      g_autofree char *escaped = g_markup_escape_text (*name ? name : _("Bridged Accessory"), -1);
      g_autofree char *label = g_strdup_printf (_("Remove Bridged Accessory %s"), name);

      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (form->group), escaped);
      gtk_widget_set_tooltip_text (form->remove_button, label);
      set_accessible_label (form->remove_button, label);
    }
  update_state (form->editor);
}

/* Fills @form (its widgets exist) from @original, or as a new accessory. */
static void
accessory_form_load (AccessoryForm *form, JsonObject *original)
{
  JsonArray *services = member_array (original, "services");
  JsonNode *category = original != NULL ? json_object_get_member (original, "category") : NULL;
  const char *name = member_string (original, "name");

  form->original = original != NULL ? json_object_ref (original) : NULL;
  form->services = g_ptr_array_new_with_free_func ((GDestroyNotify) service_form_free);

  adw_combo_row_set_model (ADW_COMBO_ROW (form->category_row),
                           categories_model (form->editor));
  g_object_unref (adw_combo_row_get_model (ADW_COMBO_ROW (form->category_row)));
  gtk_drop_down_set_model (GTK_DROP_DOWN (form->service_dropdown), services_model (form->editor));
  g_object_unref (gtk_drop_down_get_model (GTK_DROP_DOWN (form->service_dropdown)));
  /* The most common kind first, rather than the alphabet's first (Access Code). */
  for (guint i = 0; i < form->editor->service_types->len; i++)
    if (g_str_equal (((const HapServiceType *) g_ptr_array_index (form->editor->service_types,
                                                                  i))->name, "Lightbulb"))
      gtk_drop_down_set_selected (GTK_DROP_DOWN (form->service_dropdown), i);

  gtk_editable_set_text (GTK_EDITABLE (form->name_row), name != NULL ? name : "");
  for (guint i = 0; services != NULL && i < json_array_get_length (services); i++)
    {
      JsonObject *entry = element_object (services, i);
      const char *type = member_string (entry, "type");

      if (entry != NULL)
        add_service (form, type != NULL ? hap_catalog_lookup_service (type) : NULL, entry);
    }

  if (category != NULL && JSON_NODE_HOLDS_VALUE (category))
    {
      int id = json_node_get_value_type (category) == G_TYPE_STRING
               ? hap_catalog_lookup_category (json_node_get_string (category))
               : (int) json_node_get_int (category);

      select_category (form, id > 0 ? id : CATEGORY_OTHER);
      form->category_chosen = TRUE;
    }
  else
    suggest_category (form);

  g_signal_connect_swapped (form->name_row, "changed", G_CALLBACK (on_name_changed), form);
  g_signal_connect_swapped (form->category_row, "notify::selected",
                            G_CALLBACK (on_category_selected), form);
  update_service_subtitles (form);
}

static void
on_remove_bridged_clicked (GtkButton *button, AccessoryForm *form)
{
  HapSimAccessoryEditor *self = form->editor;
  const char *name = member_string (form->original, "name");

  if (name != NULL)
    g_ptr_array_add (self->removed_names, g_strdup (name));
  adw_preferences_page_remove (ADW_PREFERENCES_PAGE (self->page),
                               ADW_PREFERENCES_GROUP (form->group));
  g_ptr_array_remove (self->bridged, form);   /* frees it */
  update_state (self);
}

static char *form_name (AccessoryForm *form);

/* "Accessory N", not yet used by another bridged accessory. */
static char *
new_bridged_name (HapSimAccessoryEditor *self)
{
  for (guint n = self->bridged->len;; n++)
    {
      g_autofree char *name = g_strdup_printf (_("Accessory %u"), n);
      gboolean used = FALSE;

      for (guint i = 0; i < self->bridged->len && !used; i++)
        {
          AccessoryForm *other = g_ptr_array_index (self->bridged, i);
          g_autofree char *other_name = other->name_row != NULL ? form_name (other) : NULL;

          used = g_strcmp0 (other_name, name) == 0;
        }
      if (!used)
        return g_steal_pointer (&name);
    }
}

static AccessoryForm *
add_bridged (HapSimAccessoryEditor *self, JsonObject *original)
{
  AccessoryForm *form = g_new0 (AccessoryForm, 1);
  GtkWidget *add_button;

  form->editor = self;
  form->group = adw_preferences_group_new ();
  form->list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (form->list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (form->list, "boxed-list");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (form->group), form->list);

  form->remove_button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (form->remove_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (form->remove_button, "flat");
  g_signal_connect (form->remove_button, "clicked", G_CALLBACK (on_remove_bridged_clicked), form);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (form->group),
                                           form->remove_button);

  form->name_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->name_row), _("Name"));
  set_accessible_label (form->name_row, _("Bridged Accessory Name"));
  gtk_list_box_append (GTK_LIST_BOX (form->list), form->name_row);

  form->category_row = adw_combo_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->category_row), _("Category"));
  set_accessible_label (form->category_row, _("Bridged Accessory Category"));
  gtk_list_box_append (GTK_LIST_BOX (form->list), form->category_row);

  form->add_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (form->add_row), _("Add Service"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (form->add_row), FALSE);
  form->service_dropdown =
    gtk_drop_down_new (NULL, gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
  gtk_drop_down_set_enable_search (GTK_DROP_DOWN (form->service_dropdown), TRUE);
  gtk_widget_set_valign (form->service_dropdown, GTK_ALIGN_CENTER);
  set_accessible_label (form->service_dropdown, _("Service Type"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (form->add_row), form->service_dropdown);
  add_button = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_valign (add_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (add_button, "flat");
  gtk_widget_set_tooltip_text (add_button, _("Add Service"));
  set_accessible_label (add_button, _("Add Service"));
  g_signal_connect (add_button, "clicked", G_CALLBACK (on_add_service_clicked), form);
  adw_action_row_add_suffix (ADW_ACTION_ROW (form->add_row), add_button);
  gtk_list_box_append (GTK_LIST_BOX (form->list), form->add_row);

  g_ptr_array_add (self->bridged, form);
  accessory_form_load (form, original);
  if (original == NULL)
    {
      g_autofree char *name = new_bridged_name (self);

      gtk_editable_set_text (GTK_EDITABLE (form->name_row), name);
    }
  on_name_changed (form);
  gtk_widget_set_visible (form->group, gtk_switch_get_active (GTK_SWITCH (self->bridge_switch)));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (self->page), ADW_PREFERENCES_GROUP (form->group));
  return form;
}

static void
on_add_bridged_clicked (HapSimAccessoryEditor *self)
{
  AccessoryForm *form = add_bridged (self, NULL);

  gtk_widget_grab_focus (form->name_row);
  update_state (self);
}

static void
on_bridge_toggled (HapSimAccessoryEditor *self)
{
  gboolean bridge = gtk_switch_get_active (GTK_SWITCH (self->bridge_switch));

  gtk_widget_set_visible (self->bridged_group, bridge);
  hap_sim_transports_group_set_bridge (HAP_SIM_TRANSPORTS_GROUP (self->transports_group), bridge);
  for (guint i = 0; i < self->bridged->len; i++)
    {
      AccessoryForm *form = g_ptr_array_index (self->bridged, i);

      gtk_widget_set_visible (form->group, bridge);
    }
  if (self->main != NULL)
    suggest_category (self->main);
  update_state (self);
}

/* ---- output ------------------------------------------------------------------------ */

static gboolean
is_checked_off (ServiceForm *service, const char *name)
{
  for (guint i = 0; i < service->optional->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (service->optional, i);

      if (g_str_equal (g_object_get_data (G_OBJECT (check), "characteristic"), name))
        return !gtk_check_button_get_active (check);
    }
  return FALSE;
}

static JsonObject *
build_service (ServiceForm *service, gboolean primary)
{
  JsonObject *out = service->original != NULL ? copy_object (service->original)
                                               : json_object_new ();
  JsonArray *entries = member_array (service->original, "characteristics");
  g_autoptr(GHashTable) present = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *characteristics;

  if (service->original == NULL)
    json_object_set_string_member (out, "type", service->type->name);
  if (primary)
    json_object_set_boolean_member (out, "primary", TRUE);
  if (service->row == NULL || service->type == NULL)
    return out;

  characteristics = json_array_new ();
  for (guint i = 0; entries != NULL && i < json_array_get_length (entries); i++)
    {
      JsonNode *entry = json_array_get_element (entries, i);
      const char *name = JSON_NODE_HOLDS_OBJECT (entry)
                         ? entry_characteristic (json_node_get_object (entry)) : NULL;

      if (name != NULL && strv_has (service->type->optional, name) &&
          is_checked_off (service, name))
        continue;
      if (name != NULL)
        g_hash_table_add (present, (gpointer) name);
      json_array_add_element (characteristics, deep_copy (entry));
    }
  /* A new service lists its required characteristics, with their initial values. */
  for (guint i = 0; service->original == NULL && service->type->required[i] != NULL; i++)
    {
      const char *name = service->type->required[i];
      JsonObject *entry = json_object_new ();
      JsonNode *value = default_value (name);

      json_object_set_string_member (entry, "type", name);
      if (value != NULL)
        json_object_set_member (entry, "value", value);
      json_array_add_object_element (characteristics, entry);
      g_hash_table_add (present, (gpointer) name);
    }
  for (guint i = 0; i < service->optional->len; i++)
    {
      GtkCheckButton *check = g_ptr_array_index (service->optional, i);
      const char *name = g_object_get_data (G_OBJECT (check), "characteristic");
      JsonObject *entry;

      if (!gtk_check_button_get_active (check) || g_hash_table_contains (present, name))
        continue;
      entry = json_object_new ();
      json_object_set_string_member (entry, "type", name);
      json_array_add_object_element (characteristics, entry);
    }

  if (json_array_get_length (characteristics) > 0)
    json_object_set_array_member (out, "characteristics", characteristics);
  else
    {
      json_array_unref (characteristics);
      json_object_remove_member (out, "characteristics");
    }
  return out;
}

/* Links to services that were removed would not load: they go too. */
static void
prune_links (JsonArray *services)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      const char *id = member_string (element_object (services, i), "id");

      if (id != NULL)
        g_hash_table_add (ids, (gpointer) id);
    }
  for (guint i = 0; i < json_array_get_length (services); i++)
    {
      JsonObject *service = element_object (services, i);
      JsonArray *linked = member_array (service, "linked");
      JsonArray *kept;

      if (linked == NULL)
        continue;
      kept = json_array_new ();
      for (guint k = 0; k < json_array_get_length (linked); k++)
        {
          JsonNode *node = json_array_get_element (linked, k);

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
              g_hash_table_contains (ids, json_node_get_string (node)))
            json_array_add_element (kept, json_node_copy (node));
        }
      if (json_array_get_length (kept) > 0)
        json_object_set_array_member (service, "linked", kept);
      else
        {
          json_array_unref (kept);
          json_object_remove_member (service, "linked");
        }
    }
}

static char *
form_name (AccessoryForm *form)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (form->name_row))));
}

static JsonObject *
build_accessory (AccessoryForm *form)
{
  JsonObject *out = form->original != NULL ? copy_object (form->original) : json_object_new ();
  g_autofree char *name = form_name (form);
  JsonArray *services = json_array_new ();
  int primary = primary_index (form);

  json_object_set_string_member (out, "name", name);
  if (form->original == NULL || form->category_changed)
    json_object_set_string_member (out, "category",
                                   hap_catalog_category_name (selected_category (form)));

  for (guint i = 0; i < form->services->len; i++)
    {
      json_array_add_object_element (services, build_service (g_ptr_array_index (form->services, i),
                                                              (int) i == primary));
    }
  prune_links (services);
  if (json_array_get_length (services) > 0)
    json_object_set_array_member (out, "services", services);
  else
    {
      json_array_unref (services);
      json_object_remove_member (out, "services");
    }
  return out;
}

/* Behaviours name accessories: follow renames, drop those of removed accessories
 * (@removed: their names), which would not load. */
static void
update_behaviours (JsonObject *root, GPtrArray *forms, GPtrArray *removed)
{
  JsonNode *node = json_object_get_member (root, "simulator");
  JsonArray *behaviours = node != NULL && JSON_NODE_HOLDS_OBJECT (node)
                          ? member_array (json_node_get_object (node), "behaviours") : NULL;
  g_autoptr(GHashTable) renames = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (behaviours == NULL)
    return;
  for (guint i = 0; i < forms->len; i++)
    {
      AccessoryForm *form = g_ptr_array_index (forms, i);
      const char *old = member_string (form->original, "name");

      if (old != NULL)
        g_hash_table_insert (renames, (gpointer) old, form_name (form));
      g_hash_table_add (names, form_name (form));
    }
  for (guint i = json_array_get_length (behaviours); i-- > 0;)
    {
      JsonObject *behaviour = element_object (behaviours, i);
      const char *target = member_string (behaviour, "accessory");
      const char *renamed;

      if (target == NULL)
        continue;
      if ((renamed = g_hash_table_lookup (renames, target)) != NULL)
        json_object_set_string_member (behaviour, "accessory", renamed);
      else if (!g_hash_table_contains (names, target) &&
               g_ptr_array_find_with_equal_func (removed, target, g_str_equal, NULL))
        json_array_remove_element (behaviours, i);
    }
}

/* ---- state ------------------------------------------------------------------------- */

static gboolean
is_valid (HapSimAccessoryEditor *self)
{
  gboolean bridge = gtk_switch_get_active (GTK_SWITCH (self->bridge_switch));
  g_autofree char *name = form_name (self->main);

  if (*name == '\0')
    return FALSE;
  if (bridge)
    for (guint i = 0; i < self->bridged->len; i++)
      {
        g_autofree char *bridged_name = form_name (g_ptr_array_index (self->bridged, i));

        if (*bridged_name == '\0')
          return FALSE;
      }
  return n_shown_services (self->main) > 0 || (bridge && self->bridged->len > 0);
}

static void
update_state (HapSimAccessoryEditor *self)
{
  if (self->disposed || self->main == NULL)
    return;
  gtk_widget_set_sensitive (self->done_button, is_valid (self));
}

static void
on_done_clicked (HapSimAccessoryEditor *self)
{
  g_autoptr(JsonNode) definition = NULL;

  if (!is_valid (self))
    return;
  gtk_widget_set_visible (self->error_label, FALSE);
  definition = hap_sim_accessory_editor_dup_definition (self);
  /* The receiver may destroy the dialog from its handler. */
  g_object_ref (self);
  g_signal_emit (self, signals [DONE], 0, definition);
  g_object_unref (self);
}

/* ---- GObject ----------------------------------------------------------------------- */

static void
hap_sim_accessory_editor_dispose (GObject *object)
{
  HapSimAccessoryEditor *self = HAP_SIM_ACCESSORY_EDITOR (object);

  self->disposed = TRUE;
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_ACCESSORY_EDITOR);
  G_OBJECT_CLASS (hap_sim_accessory_editor_parent_class)->dispose (object);
}

static void
hap_sim_accessory_editor_finalize (GObject *object)
{
  HapSimAccessoryEditor *self = HAP_SIM_ACCESSORY_EDITOR (object);

  g_clear_pointer (&self->main, accessory_form_free);
  g_clear_pointer (&self->bridged, g_ptr_array_unref);
  g_clear_pointer (&self->removed_names, g_ptr_array_unref);
  g_clear_pointer (&self->categories, g_array_unref);
  g_clear_pointer (&self->service_types, g_ptr_array_unref);
  g_clear_pointer (&self->original, json_node_unref);
  G_OBJECT_CLASS (hap_sim_accessory_editor_parent_class)->finalize (object);
}

static void
hap_sim_accessory_editor_class_init (HapSimAccessoryEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_accessory_editor_dispose;
  object_class->finalize = hap_sim_accessory_editor_finalize;

  /**
   * HapSimAccessoryEditor::done:
   * @self: the editor
   * @definition: (transfer none): the file as edited ({"accessories": […]})
   *
   * The user pressed Create or Save. The dialog stays open: the receiver closes it, or
   * shows what went wrong with hap_sim_accessory_editor_show_error().
   */
  signals [DONE] =
    g_signal_new ("done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, JSON_TYPE_NODE | G_SIGNAL_TYPE_STATIC_SCOPE);

  g_type_ensure (HAP_SIM_TYPE_TRANSPORTS_GROUP);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/hapsim/Simulator/hap-sim-accessory-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, done_button);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, error_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, page);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, name_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, category_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, bridge_switch);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, transports_group);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, services_list);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, add_service_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, service_dropdown);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, add_service_button);
  gtk_widget_class_bind_template_child (widget_class, HapSimAccessoryEditor, bridged_group);
  gtk_widget_class_bind_template_callback (widget_class, on_done_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_bridge_toggled);
  gtk_widget_class_bind_template_callback (widget_class, on_add_bridged_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
hap_sim_accessory_editor_init (HapSimAccessoryEditor *self)
{
  const HapServiceType *services;
  guint n_services = 0;

  self->bridged = g_ptr_array_new_with_free_func ((GDestroyNotify) accessory_form_free);
  self->removed_names = g_ptr_array_new_with_free_func (g_free);

  self->categories = g_array_new (FALSE, FALSE, sizeof (int));
  for (int id = 1; id < 256; id++)
    if (hap_catalog_category_name (id) != NULL)
      g_array_append_val (self->categories, id);

  self->service_types = g_ptr_array_new ();
  services = hap_catalog_get_services (&n_services);
  for (guint i = 0; i < n_services; i++)
    if (!is_information (&services[i]))
      g_ptr_array_add (self->service_types, (gpointer) &services[i]);

  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ---- API --------------------------------------------------------------------------- */

HapSimAccessoryEditor *
hap_sim_accessory_editor_new (GtkWindow *parent,
                              JsonNode  *definition,
                              gboolean   bridge)
{
  HapSimAccessoryEditor *self;
  JsonArray *accessories = NULL;
  JsonNode *node;
  AccessoryForm *form;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  self = g_object_new (HAP_SIM_TYPE_ACCESSORY_EDITOR, "transient-for", parent, NULL);
  if (definition != NULL && JSON_NODE_HOLDS_OBJECT (definition) &&
      (node = json_object_get_member (json_node_get_object (definition), "accessories")) != NULL &&
      JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0 &&
      element_object (json_node_get_array (node), 0) != NULL)
    {
      self->original = deep_copy (definition);
      accessories = json_object_get_array_member (json_node_get_object (self->original),
                                                  "accessories");
    }

  form = self->main = g_new0 (AccessoryForm, 1);
  form->editor = self;
  form->name_row = self->name_row;
  form->category_row = self->category_row;
  form->list = self->services_list;
  form->add_row = self->add_service_row;
  form->service_dropdown = self->service_dropdown;
  g_signal_connect (self->add_service_button, "clicked", G_CALLBACK (on_add_service_clicked), form);
  accessory_form_load (form, accessories != NULL ? element_object (accessories, 0) : NULL);

  /* The template's labels again, in code: GTK 4.18 names these after their content. */
  set_accessible_label (GTK_WIDGET (self->name_row), _("Accessory Name"));
  set_accessible_label (GTK_WIDGET (self->service_dropdown), _("Service Type"));
  set_accessible_label (self->done_button, _("Create Accessory"));
  if (accessories != NULL)
    {
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Accessory"));
      gtk_button_set_label (GTK_BUTTON (self->done_button), _("_Save"));
      set_accessible_label (self->done_button, _("Save Accessory"));
      bridge = json_array_get_length (accessories) > 1 ||
               selected_category (form) == CATEGORY_BRIDGE;
      for (guint i = 1; i < json_array_get_length (accessories); i++)
        if (element_object (accessories, i) != NULL)
          add_bridged (self, element_object (accessories, i));
    }
  else if (bridge)
    gtk_window_set_title (GTK_WINDOW (self), _("New Bridge"));

  hap_sim_transports_group_load (HAP_SIM_TRANSPORTS_GROUP (self->transports_group),
                                 self->original != NULL ? json_node_get_object (self->original) : NULL);
  gtk_switch_set_active (GTK_SWITCH (self->bridge_switch), bridge);
  on_bridge_toggled (self);
  return self;
}

JsonNode *
hap_sim_accessory_editor_dup_definition (HapSimAccessoryEditor *self)
{
  g_autoptr(GPtrArray) forms = g_ptr_array_new ();
  g_autoptr(GPtrArray) removed = g_ptr_array_new ();
  JsonNode *root;
  JsonArray *accessories = json_array_new ();

  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY_EDITOR (self), NULL);

  g_ptr_array_add (forms, self->main);
  g_ptr_array_extend (removed, self->removed_names, NULL, NULL);
  for (guint i = 0; i < self->bridged->len; i++)
    {
      AccessoryForm *form = g_ptr_array_index (self->bridged, i);
      const char *name = member_string (form->original, "name");

      /* With the switch off, the bridged accessories are left out. */
      if (gtk_switch_get_active (GTK_SWITCH (self->bridge_switch)))
        g_ptr_array_add (forms, form);
      else if (name != NULL)
        g_ptr_array_add (removed, (gpointer) name);
    }

  for (guint i = 0; i < forms->len; i++)
    json_array_add_object_element (accessories, build_accessory (g_ptr_array_index (forms, i)));

  root = self->original != NULL ? deep_copy (self->original) : json_node_new (JSON_NODE_OBJECT);
  if (self->original == NULL)
    json_node_take_object (root, json_object_new ());
  json_object_set_array_member (json_node_get_object (root), "accessories", accessories);
  update_behaviours (json_node_get_object (root), forms, removed);
  hap_sim_transports_group_save (HAP_SIM_TRANSPORTS_GROUP (self->transports_group), json_node_get_object (root));
  return root;
}

void
hap_sim_accessory_editor_list_adapters (HapSimAccessoryEditor *self,
                                        HapSimEngine          *engine)
{
  g_return_if_fail (HAP_SIM_IS_ACCESSORY_EDITOR (self));

  hap_sim_transports_group_list_adapters (HAP_SIM_TRANSPORTS_GROUP (self->transports_group), engine);
}

void
hap_sim_accessory_editor_show_error (HapSimAccessoryEditor *self,
                                     const char            *message)
{
  g_return_if_fail (HAP_SIM_IS_ACCESSORY_EDITOR (self));

  gtk_label_set_text (GTK_LABEL (self->error_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL && *message != '\0');
}
