/* hap-sim-ble-page.c — the window's "Bluetooth" page
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything shown comes from hap_sim_inspect_ble() (the same dictionary the D-Bus API
 * returns), read again whenever the accessory says its BLE side changed: a central came,
 * was secured or left, or the advertisement changed (GSN, status flags, a broadcast).
 * Values are row subtitles, so that a screen reader reads "Global State Number, 12".
 */
#define G_LOG_DOMAIN "hap-sim-ble-page"

#include "hap-sim-ble-page.h"
#include "hap-sim-page.h"

#include <adwaita.h>
#include <stdio.h>
#include <glib/gi18n.h>

#include "hap-sim-inspect.h"
#include "hap-sim-ui-util.h"

struct _HapSimBlePage
{
  GtkWidget        parent_instance;

  HapSimAccessory *accessory;
  char            *raw_hex;      /* the advertisement's bytes as shown, for Copy */
  guint            tick_id;      /* while a central is connected: its counters move */
  guint            refresh_id;   /* a refresh queued by a signal */

  GtkStack        *stack;
  AdwActionRow    *state_row;
  AdwActionRow    *adapter_row;
  AdwActionRow    *gsn_row;
  AdwActionRow    *cn_row;
  AdwActionRow    *advertising_id_row;
  AdwPreferencesGroup *advertisement_group;
  AdwActionRow    *raw_row;
  GtkWidget       *copy_button;
  AdwActionRow    *sf_row;
  AdwActionRow    *adv_device_id_row;
  AdwActionRow    *acid_row;
  AdwActionRow    *adv_gsn_row;
  AdwActionRow    *adv_cn_row;
  AdwActionRow    *cv_row;
  AdwActionRow    *setup_hash_row;
  GtkWidget       *central_group;
  AdwActionRow    *central_address_row;
  AdwActionRow    *central_controller_row;
  AdwActionRow    *central_secured_row;
  AdwActionRow    *central_connected_row;
  AdwActionRow    *central_counters_row;
  AdwActionRow    *central_subscriptions_row;
  AdwActionRow    *broadcast_key_row;
  GtkListBox      *broadcasts_list;
};

enum { PROP_0, PROP_ACCESSORY, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimBlePage, hap_sim_ble_page, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];

static void
set_value (AdwActionRow *row, const char *text)
{
  adw_action_row_set_subtitle (row, text);
}

static void
set_valuef (AdwActionRow *row, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_valuef (AdwActionRow *row, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  set_value (row, text);
}

static const char *
state_label (const char *state)
{
  if (g_strcmp0 (state, "waiting") == 0)
    return _("Waiting for BlueZ or the adapter");
  if (g_strcmp0 (state, "advertising") == 0)
    return "Advertising";
  if (g_strcmp0 (state, "connected") == 0)
    return "Connected";
  if (g_strcmp0 (state, "silent") == 0)
    return _("Silent: not advertising");
  return state;
}

/* "Brightness (1.52)" for "aid.iid" or (aid, iid). */
static char *
characteristic_name (HapSimAccessory *accessory, guint64 aid, guint64 iid)
{
  HapCharacteristic *characteristic = hap_sim_accessory_lookup (accessory, aid, iid);

  if (characteristic == NULL)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT, aid, iid);
  return g_strdup_printf ("%s (%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT ")",
                          hap_sim_ui_characteristic_label (characteristic), aid, iid);
}

static void
show_fields (HapSimBlePage *self, GVariant *fields)
{
  const char *device_id = "";
  guint8 sf = 0, cn = 0, cv = 0;
  guint16 acid = 0, gsn = 0;
  g_autoptr(GVariant) hash = NULL;
  g_autofree char *category = NULL;
  gboolean parsed = fields != NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->sf_row), parsed);
  gtk_widget_set_visible (GTK_WIDGET (self->adv_device_id_row), parsed);
  gtk_widget_set_visible (GTK_WIDGET (self->acid_row), parsed);
  gtk_widget_set_visible (GTK_WIDGET (self->adv_gsn_row), parsed);
  gtk_widget_set_visible (GTK_WIDGET (self->adv_cn_row), parsed);
  gtk_widget_set_visible (GTK_WIDGET (self->cv_row), parsed);
  gtk_widget_set_visible (GTK_WIDGET (self->setup_hash_row), parsed);
  if (!parsed)
    return;

  g_variant_lookup (fields, "sf", "y", &sf);
  g_variant_lookup (fields, "device-id", "&s", &device_id);
  g_variant_lookup (fields, "acid", "q", &acid);
  g_variant_lookup (fields, "gsn", "q", &gsn);
  g_variant_lookup (fields, "cn", "y", &cn);
  g_variant_lookup (fields, "cv", "y", &cv);
  hash = g_variant_lookup_value (fields, "setup-hash", G_VARIANT_TYPE_BYTESTRING);

  /* docs/protocol.md §5.6: SF bit 0 set while the accessory has no pairing. */
  set_valuef (self->sf_row, "0x%02x · %s", sf, (sf & 0x01) ? _("not paired") : _("paired"));
  set_value (self->adv_device_id_row, device_id);
  category = hap_sim_ui_category_label (acid);
  set_valuef (self->acid_row, "%u · %s", acid, category);
  set_valuef (self->adv_gsn_row, "%u", gsn);
  set_valuef (self->adv_cn_row, "%u", cn);
  set_valuef (self->cv_row, "%u", cv);
  if (hash != NULL)
    {
      gsize length;
      const guint8 *bytes = g_variant_get_fixed_array (hash, &length, 1);
      g_autofree char *hex = hap_sim_ui_format_hex (bytes, length);

      set_value (self->setup_hash_row, hex);
    }
  else
    set_value (self->setup_hash_row, _("None (the accessory is paired or a quirk left it out)"));
}

static void
show_advertisement (HapSimBlePage *self, GVariant *info)
{
  g_autoptr(GVariant) bytes = g_variant_lookup_value (info, "advertisement", G_VARIANT_TYPE_BYTESTRING);
  g_autoptr(GVariant) fields = g_variant_lookup_value (info, "advertisement-fields", G_VARIANT_TYPE_VARDICT);
  const guint8 *data = NULL;
  gsize length = 0;

  if (bytes != NULL)
    data = g_variant_get_fixed_array (bytes, &length, 1);
  g_free (self->raw_hex);
  self->raw_hex = hap_sim_ui_format_hex (data, length);
  set_value (self->raw_row, length > 0 ? self->raw_hex : _("Nothing on the air"));
  gtk_widget_set_sensitive (self->copy_button, length > 0);
  if (length == 0)
    adw_preferences_group_set_description (self->advertisement_group, _("Nothing is advertised now"));
  else if (fields == NULL)
    adw_preferences_group_set_description (self->advertisement_group,
                                           _("Apple’s manufacturer data as on the air now; it is not a "
                                           "regular HAP advertisement (a broadcast, or bent by a quirk)"));
  else
    adw_preferences_group_set_description (self->advertisement_group,
                                           _("Apple’s manufacturer data as on the air now"));
  show_fields (self, fields);
}

static void
show_central (HapSimBlePage *self, GVariant *central)
{
  const char *address = "", *controller = "";
  gboolean secured = FALSE;
  gint64 connected = 0, established = 0;
  guint64 procedures = 0, bytes_in = 0, bytes_out = 0;
  g_autofree const char **subscriptions = NULL;
  g_autofree char *since = NULL;
  g_autoptr(GString) names = g_string_new (NULL);

  gtk_widget_set_visible (self->central_group, central != NULL);
  if (central == NULL)
    return;
  g_variant_lookup (central, "address", "&s", &address);
  g_variant_lookup (central, "controller-id", "&s", &controller);
  g_variant_lookup (central, "secured", "b", &secured);
  g_variant_lookup (central, "connected", "x", &connected);
  g_variant_lookup (central, "established", "x", &established);
  g_variant_lookup (central, "procedures", "t", &procedures);
  g_variant_lookup (central, "bytes-in", "t", &bytes_in);
  g_variant_lookup (central, "bytes-out", "t", &bytes_out);
  g_variant_lookup (central, "subscriptions", "^a&s", &subscriptions);

  set_value (self->central_address_row, address);
  set_value (self->central_controller_row, controller[0] ? controller : _("Not verified yet"));
  if (secured && established > 0)
    {
      g_autofree char *when = hap_sim_ui_format_time (established);

      set_valuef (self->central_secured_row, _("Yes, since %s"), when);
    }
  else
    set_value (self->central_secured_row, secured ? _("Yes") : _("No"));
  since = hap_sim_ui_format_time (connected);
  set_value (self->central_connected_row, since);
  /* unsigned long long: xgettext cannot see through G_GUINT64_FORMAT in a translatable format */
  set_valuef (self->central_counters_row,
              ngettext ("%llu procedure · %llu bytes in · %llu bytes out",
                        "%llu procedures · %llu bytes in · %llu bytes out", (gulong) MIN (procedures, G_MAXULONG)),
              (unsigned long long) procedures, (unsigned long long) bytes_in, (unsigned long long) bytes_out);
  for (guint i = 0; subscriptions != NULL && subscriptions[i] != NULL; i++)
    {
      guint64 aid = 0, iid = 0;
      g_autofree char *name = NULL;

      if (sscanf (subscriptions[i], "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT, &aid, &iid) != 2)
        continue;
      name = characteristic_name (self->accessory, aid, iid);
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", name);
    }
  set_value (self->central_subscriptions_row, names->len ? names->str : _("None"));
}

static const char *
interval_label (guint32 code)
{
  /* docs/protocol.md §5.12: the Broadcast Interval of Characteristic Configuration. */
  switch (code)
    {
    case 1:  return _("every 20 ms");
    case 2:  return _("every 1280 ms");
    case 3:  return _("every 2560 ms");
    default: return _("unknown interval");
    }
}

static int
compare_iids (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static void
show_broadcasts (HapSimBlePage *self, GVariant *info)
{
  gboolean has_key = FALSE;
  g_autoptr(GVariant) broadcasts = g_variant_lookup_value (info, "broadcasts", G_VARIANT_TYPE ("a{uu}"));
  g_autoptr(GArray) iids = g_array_new (FALSE, FALSE, sizeof (guint32) * 2);
  GtkWidget *child;
  GVariantIter iter;
  guint32 pair[2];

  g_variant_lookup (info, "broadcast-key", "b", &has_key);
  set_value (self->broadcast_key_row,
             has_key ? _("Present: broadcasts are encrypted with it")
                     : _("None yet (a controller generates one after Pair Verify)"));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->broadcasts_list))) != NULL)
    gtk_list_box_remove (self->broadcasts_list, child);
  if (broadcasts != NULL)
    {
      g_variant_iter_init (&iter, broadcasts);
      while (g_variant_iter_next (&iter, "{uu}", &pair[0], &pair[1]))
        g_array_append_val (iids, pair);
    }
  g_array_sort (iids, compare_iids);
  for (guint i = 0; i < iids->len; i++)
    {
      const guint32 *entry = &g_array_index (iids, guint32, i * 2);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *name = characteristic_name (self->accessory, 1, entry[0]);

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), interval_label (entry[1]));
      gtk_list_box_append (self->broadcasts_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->broadcasts_list), iids->len > 0);
}

static void refresh (HapSimBlePage *self);

static gboolean
tick (gpointer user_data)
{
  refresh (user_data);
  return G_SOURCE_CONTINUE;
}

/* Procedures and bytes change without a signal (one per PDU would be too many): while
 * a central is connected, read them again every second. */
static void
follow_counters (HapSimBlePage *self, gboolean connected)
{
  if (connected && self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick, self);
  else if (!connected)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

static void
refresh (HapSimBlePage *self)
{
  g_autoptr(GVariant) info = NULL;
  g_autoptr(GVariant) central = NULL;
  const char *state = NULL, *asked = "", *in_use = "", *advertising_id = "";
  guint32 gsn = 0, cn = 0;

  follow_counters (self, FALSE);
  if (self->accessory == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  if (!hap_sim_accessory_has_ble (self->accessory))
    {
      gtk_stack_set_visible_child_name (self->stack, "no-ble");
      return;
    }
  info = g_variant_ref_sink (hap_sim_inspect_ble (self->accessory));
  if (!g_variant_lookup (info, "state", "&s", &state))
    {
      /* Stopped: the dictionary ends after the adapter asked for. */
      gtk_stack_set_visible_child_name (self->stack, "stopped");
      return;
    }
  g_variant_lookup (info, "adapter", "&s", &asked);
  g_variant_lookup (info, "adapter-in-use", "&s", &in_use);
  g_variant_lookup (info, "gsn", "u", &gsn);
  g_variant_lookup (info, "cn", "u", &cn);
  g_variant_lookup (info, "advertising-id", "&s", &advertising_id);
  central = g_variant_lookup_value (info, "central", G_VARIANT_TYPE_VARDICT);
  follow_counters (self, central != NULL);

  set_value (self->state_row, state_label (state));
  if (in_use[0] != '\0')
    set_value (self->adapter_row, in_use);
  else
    set_valuef (self->adapter_row, _("%s · not available"), asked[0] ? asked : _("First usable"));
  set_valuef (self->gsn_row, "%u", gsn);
  set_valuef (self->cn_row, "%u", cn);
  set_value (self->advertising_id_row, advertising_id);
  show_advertisement (self, info);
  show_central (self, central);
  show_broadcasts (self, info);
  gtk_stack_set_visible_child_name (self->stack, "ble");
}

static gboolean
refresh_idle (gpointer user_data)
{
  HapSimBlePage *self = user_data;

  self->refresh_id = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

/* "ble-changed" comes from the SDK's advertisement hook, before the new advertisement
 * is in place (and in bursts): read everything once the SDK is done. */
static void
queue_refresh (HapSimBlePage *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_idle_add_full (G_PRIORITY_DEFAULT, refresh_idle, self, NULL);
}

static void
on_copy_clicked (HapSimBlePage *self)
{
  if (self->raw_hex == NULL || self->raw_hex[0] == '\0')
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->raw_hex);
  hap_sim_ui_toast (GTK_WIDGET (self), _("Copied"));
}

static void
hap_sim_ble_page_dispose (GObject *object)
{
  HapSimBlePage *self = HAP_SIM_BLE_PAGE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->accessory != NULL)
    g_signal_handlers_disconnect_by_data (self->accessory, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_BLE_PAGE);
  g_clear_object (&self->accessory);
  g_clear_pointer (&self->raw_hex, g_free);
  G_OBJECT_CLASS (hap_sim_ble_page_parent_class)->dispose (object);
}

static void
hap_sim_ble_page_class_init (HapSimBlePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_ble_page_dispose;

  properties [PROP_ACCESSORY] =
    hap_sim_page_class_install_accessory (object_class,
                                          (HapSimPageGetAccessory) hap_sim_ble_page_get_accessory,
                                          (HapSimPageSetAccessory) hap_sim_ble_page_set_accessory);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/hap-sim-ble-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, HapSimBlePage, name)
  BIND (stack);
  BIND (state_row);
  BIND (adapter_row);
  BIND (gsn_row);
  BIND (cn_row);
  BIND (advertising_id_row);
  BIND (advertisement_group);
  BIND (raw_row);
  BIND (copy_button);
  BIND (sf_row);
  BIND (adv_device_id_row);
  BIND (acid_row);
  BIND (adv_gsn_row);
  BIND (adv_cn_row);
  BIND (cv_row);
  BIND (setup_hash_row);
  BIND (central_group);
  BIND (central_address_row);
  BIND (central_controller_row);
  BIND (central_secured_row);
  BIND (central_connected_row);
  BIND (central_counters_row);
  BIND (central_subscriptions_row);
  BIND (broadcast_key_row);
  BIND (broadcasts_list);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_copy_clicked);
}

static void
hap_sim_ble_page_init (HapSimBlePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hap_sim_ble_page_new (void)
{
  return g_object_new (HAP_SIM_TYPE_BLE_PAGE, NULL);
}

void
hap_sim_ble_page_set_accessory (HapSimBlePage *self, HapSimAccessory *accessory)
{
  static const char * const signals[] = { "ble-changed", "ble-advertised", "state-changed" };

  g_return_if_fail (HAP_SIM_IS_BLE_PAGE (self));
  g_return_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory));

  if (!hap_sim_page_swap_accessory (self, &self->accessory, accessory))
    return;
  if (accessory != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
      g_signal_connect_swapped (accessory, signals[i], G_CALLBACK (queue_refresh), self);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_ble_page_get_accessory (HapSimBlePage *self)
{
  g_return_val_if_fail (HAP_SIM_IS_BLE_PAGE (self), NULL);
  return self->accessory;
}
