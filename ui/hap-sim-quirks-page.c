/* hap-sim-quirks-page.c — the window's "Quirks" page: every quirk of the catalog, by
 * layer, switched on and off for the selected accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-quirks-page.h"
#include "hap-sim-page.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hap-sim-quirk-row.h"

#define N_LAYERS (HAP_SIM_LAYER_BLE + 1)

struct _HapSimQuirksPage
{
  GtkWidget           parent_instance;

  HapSimAccessory    *accessory;
  GPtrArray          *rows;                /* HapSimQuirkRow*, not owned: the lists hold them */
  GtkWidget          *groups [N_LAYERS];   /* AdwPreferencesGroup, one per layer */
  GtkListBox         *lists [N_LAYERS];
  char               *needle;              /* case-folded search text */
  gboolean            syncing;             /* every row at once: count and filter after */

  GtkStack           *stack;
  GtkSearchEntry     *search_entry;
  GtkToggleButton    *enabled_only_button;
  GtkLabel           *count_label;
  GtkStack           *results_stack;
  AdwPreferencesPage *preferences_page;
};

enum { PROP_0, PROP_ACCESSORY, N_PROPS };
enum { QUIRKS_CHANGED, N_SIGNALS };

G_DEFINE_FINAL_TYPE (HapSimQuirksPage, hap_sim_quirks_page, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];
static guint signals [N_SIGNALS];

/* Group titles for people; hap_sim_layer_to_string gives the short names. */
static const struct
{
  const char *title;
  const char *description;
} layer_groups [N_LAYERS] = {
  [HAP_SIM_LAYER_TXT]   = { N_("mDNS TXT record"), N_("What the accessory advertises on the network") },
  [HAP_SIM_LAYER_HTTP]  = { N_("HTTP"), N_("Framing and transport of requests and responses") },
  [HAP_SIM_LAYER_TLV]   = { N_("Pairing TLV8"), N_("Pair Setup, Pair Verify and the pairings list") },
  [HAP_SIM_LAYER_JSON]  = { N_("JSON bodies"), N_("Syntax and shape of the bodies of /accessories and "
                                           "/characteristics") },
  [HAP_SIM_LAYER_VAL]   = { N_("Values and metadata"), N_("Characteristic values, formats and the "
                                                   "attribute database") },
  [HAP_SIM_LAYER_EV]    = { N_("Events"), N_("Subscriptions and EVENT messages") },
  [HAP_SIM_LAYER_FAULT] = { N_("Faults"), N_("Latency, hangs, dropped connections, restarts and "
                                      "storms") },
  [HAP_SIM_LAYER_BLE]   = { N_("Bluetooth LE"), N_("The GATT database, HAP-BLE procedures and the "
                                            "advertisement") },
};

static gboolean
row_visible (HapSimQuirksPage *self, HapSimQuirkRow *row)
{
  if (gtk_toggle_button_get_active (self->enabled_only_button) &&
      !hap_sim_quirk_row_get_enabled (row))
    return FALSE;
  return hap_sim_quirk_row_matches (row, self->needle);
}

static gboolean
filter_row (GtkListBoxRow *row, gpointer user_data)
{
  return row_visible (user_data, HAP_SIM_QUIRK_ROW (row));
}

/* Filters the lists again and hides the groups left empty. */
static void
refilter (HapSimQuirksPage *self)
{
  guint shown [N_LAYERS] = { 0 };
  guint total = 0;

  for (guint i = 0; i < self->rows->len; i++)
    {
      HapSimQuirkRow *row = g_ptr_array_index (self->rows, i);

      if (row_visible (self, row))
        {
          shown [hap_sim_quirk_row_get_info (row)->layer]++;
          total++;
        }
    }
  for (guint layer = 0; layer < N_LAYERS; layer++)
    {
      gtk_list_box_invalidate_filter (self->lists [layer]);
      gtk_widget_set_visible (self->groups [layer], shown [layer] > 0);
    }
  gtk_stack_set_visible_child_name (self->results_stack, total > 0 ? "results" : "no-results");
}

static void
update_count (HapSimQuirksPage *self)
{
  g_autofree char *text = NULL;
  guint enabled = 0;

  for (guint i = 0; i < self->rows->len; i++)
    if (hap_sim_quirk_row_get_enabled (g_ptr_array_index (self->rows, i)))
      enabled++;
  text = g_strdup_printf (_("%u enabled"), enabled);
  gtk_label_set_label (self->count_label, text);
}

static void
on_filter_changed (HapSimQuirksPage *self)
{
  g_free (self->needle);
  self->needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)), -1);
  refilter (self);
}

/* Also when a row finds the engine changed behind it (a failed switch, a sync). */
static void
on_row_enabled (HapSimQuirksPage *self)
{
  if (self->syncing)
    return;
  update_count (self);
  if (gtk_toggle_button_get_active (self->enabled_only_button))
    refilter (self);
}

static void
on_row_changed (HapSimQuirksPage *self)
{
  g_signal_emit (self, signals [QUIRKS_CHANGED], 0);
}

/* Quirks can change without the page (D-Bus, a reloaded file): read them again. */
static void
sync_rows (HapSimQuirksPage *self)
{
  self->syncing = TRUE;
  for (guint i = 0; i < self->rows->len; i++)
    hap_sim_quirk_row_sync (g_ptr_array_index (self->rows, i));
  self->syncing = FALSE;
  update_count (self);
  refilter (self);
}

static void
build_rows (HapSimQuirksPage *self)
{
  const HapSimQuirkInfo * const *catalog;
  guint n = 0;

  for (guint layer = 0; layer < N_LAYERS; layer++)
    {
      GtkWidget *list = gtk_list_box_new ();

      self->groups [layer] = adw_preferences_group_new ();
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->groups [layer]),
                                       _(layer_groups [layer].title));
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->groups [layer]),
                                             _(layer_groups [layer].description));
      gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (list, "boxed-list");
      gtk_list_box_set_filter_func (GTK_LIST_BOX (list), filter_row, self, NULL);
      /* Our own list, not the group's rows: only a list box of ours can be filtered. */
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->groups [layer]), list);
      adw_preferences_page_add (self->preferences_page,
                                ADW_PREFERENCES_GROUP (self->groups [layer]));
      self->lists [layer] = GTK_LIST_BOX (list);
    }

  catalog = hap_sim_quirk_catalog (&n);
  for (guint i = 0; i < n; i++)
    {
      GtkWidget *row = hap_sim_quirk_row_new (catalog [i]);

      g_signal_connect_swapped (row, "changed", G_CALLBACK (on_row_changed), self);
      g_signal_connect_swapped (row, "notify::enabled", G_CALLBACK (on_row_enabled), self);
      gtk_list_box_append (self->lists [catalog [i]->layer], row);
      g_ptr_array_add (self->rows, row);
    }
}

static void
hap_sim_quirks_page_map (GtkWidget *widget)
{
  HapSimQuirksPage *self = HAP_SIM_QUIRKS_PAGE (widget);

  GTK_WIDGET_CLASS (hap_sim_quirks_page_parent_class)->map (widget);
  if (self->accessory != NULL)
    sync_rows (self);
}

static void
hap_sim_quirks_page_dispose (GObject *object)
{
  HapSimQuirksPage *self = HAP_SIM_QUIRKS_PAGE (object);

  if (self->accessory != NULL)
    g_signal_handlers_disconnect_by_data (self->accessory, self);
  /* The rows go with the template's widgets. */
  g_ptr_array_set_size (self->rows, 0);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_QUIRKS_PAGE);
  g_clear_object (&self->accessory);
  G_OBJECT_CLASS (hap_sim_quirks_page_parent_class)->dispose (object);
}

static void
hap_sim_quirks_page_finalize (GObject *object)
{
  HapSimQuirksPage *self = HAP_SIM_QUIRKS_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->needle, g_free);
  G_OBJECT_CLASS (hap_sim_quirks_page_parent_class)->finalize (object);
}

static void
hap_sim_quirks_page_class_init (HapSimQuirksPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_quirks_page_dispose;
  object_class->finalize = hap_sim_quirks_page_finalize;
  widget_class->map = hap_sim_quirks_page_map;

  properties [PROP_ACCESSORY] =
    hap_sim_page_class_install_accessory (object_class,
                                          (HapSimPageGetAccessory) hap_sim_quirks_page_get_accessory,
                                          (HapSimPageSetAccessory) hap_sim_quirks_page_set_accessory);

  /**
   * HapSimQuirksPage::quirks-changed:
   * @self: a #HapSimQuirksPage
   *
   * A quirk of the accessory was switched on or off, or the parameters of an enabled
   * one changed, from this page: the window saves the quirks into the workspace file.
   */
  signals [QUIRKS_CHANGED] =
    g_signal_new ("quirks-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/"
                                                             "hap-sim-quirks-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, HapSimQuirksPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimQuirksPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HapSimQuirksPage, enabled_only_button);
  gtk_widget_class_bind_template_child (widget_class, HapSimQuirksPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimQuirksPage, results_stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimQuirksPage, preferences_page);
  gtk_widget_class_bind_template_callback (widget_class, on_filter_changed);
}

static void
hap_sim_quirks_page_init (HapSimQuirksPage *self)
{
  self->rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Typing anywhere on the page searches. */
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));
  build_rows (self);
  refilter (self);
}

GtkWidget *
hap_sim_quirks_page_new (void)
{
  return g_object_new (HAP_SIM_TYPE_QUIRKS_PAGE, NULL);
}

void
hap_sim_quirks_page_set_accessory (HapSimQuirksPage *self, HapSimAccessory *accessory)
{
  g_return_if_fail (HAP_SIM_IS_QUIRKS_PAGE (self));
  g_return_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory));

  if (!hap_sim_page_swap_accessory (self, &self->accessory, accessory))
    return;
  if (accessory != NULL)
    g_signal_connect_swapped (accessory, "state-changed", G_CALLBACK (sync_rows), self);

  self->syncing = TRUE;
  for (guint i = 0; i < self->rows->len; i++)
    hap_sim_quirk_row_set_accessory (g_ptr_array_index (self->rows, i), accessory);
  self->syncing = FALSE;
  update_count (self);
  refilter (self);
  gtk_stack_set_visible_child_name (self->stack, accessory != NULL ? "quirks" : "no-accessory");
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_quirks_page_get_accessory (HapSimQuirksPage *self)
{
  g_return_val_if_fail (HAP_SIM_IS_QUIRKS_PAGE (self), NULL);
  return self->accessory;
}
