/* hap-sim-setup-page.c — the window's "Setup" page: the setup code, its QR code and the
 * accessory's pairing identity
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-setup-page.h"
#include "hap-sim-page.h"

#include <adwaita.h>
#include <string.h>
#include <glib/gi18n.h>

#include "hap-setup-qr.h"
#include "hap-sim-error.h"
#include "hap-sim-inspect.h"
#include "hap-sim-ui-util.h"

/* The white margin scanners need around the code, in modules (ISO/IEC 18004). */
#define QUIET_ZONE 4
/* About how large the code is drawn, in pixels: whole pixels per module keep it sharp. */
#define QR_TARGET_SIZE 264

#define NOT_STARTED_TEXT N_("Start the accessory: it gets its identity and setup code when it " \
                         "first starts.")

struct _HapSimSetupPage
{
  GtkWidget        parent_instance;

  HapSimAccessory *accessory;
  char            *code;
  char            *payload;     /* the one qr_picture shows */

  /* Template children */
  GtkStack        *stack;
  AdwStatusPage   *not_started_page;
  GtkStack        *code_stack;
  GtkPicture      *qr_picture;
  GtkLabel        *paired_description;
  GtkLabel        *code_label;
  GtkLabel        *payload_label;
  GtkLabel        *setup_id_label;
  GtkLabel        *device_id_label;
  GtkLabel        *port_label;
  GtkWidget       *port_row;
  GtkLabel        *transports_label;
  GtkWidget       *adapter_row;
  GtkLabel        *adapter_label;
};

enum { PROP_0, PROP_ACCESSORY, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimSetupPage, hap_sim_setup_page, GTK_TYPE_WIDGET)

static GParamSpec *properties [N_PROPS];

/* Black modules on white, QUIET_ZONE modules of white around, each module a square of
 * whole pixels. */
static GdkTexture *
qr_texture (const char *payload)
{
  guint width, total, scale;
  g_autofree guint8 *modules = hap_setup_qr_modules (payload, &width);
  g_autoptr(GBytes) bytes = NULL;
  gsize size, stride;
  guint8 *pixels;

  if (modules == NULL)
    return NULL;
  total = width + 2 * QUIET_ZONE;
  scale = MAX (2, QR_TARGET_SIZE / total);
  size = (gsize) total * scale;
  stride = size * 3;
  pixels = g_malloc (stride * size);
  memset (pixels, 0xff, stride * size);
  for (guint y = 0; y < width; y++)
    for (guint x = 0; x < width; x++)
      if (modules[y * width + x])
        for (guint dy = 0; dy < scale; dy++)
          {
            gsize row = (gsize) (QUIET_ZONE + y) * scale + dy;

            memset (pixels + row * stride + (gsize) (QUIET_ZONE + x) * scale * 3, 0, scale * 3);
          }
  bytes = g_bytes_new_take (pixels, stride * size);
  return gdk_memory_texture_new ((int) size, (int) size, GDK_MEMORY_R8G8B8, bytes, stride);
}

static void
show_qr (HapSimSetupPage *self, const char *payload)
{
  g_autoptr(GdkTexture) texture = NULL;

  if (g_strcmp0 (self->payload, payload) == 0)
    return;
  g_free (self->payload);
  self->payload = g_strdup (payload);
  texture = qr_texture (payload);
  gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (texture));
}

/* Which transports serve it; for BLE, the adapter asked for and the one in use. */
static void
show_transports (HapSimSetupPage *self)
{
  HapTransportFlags transports = hap_sim_accessory_get_transports (self->accessory);
  gboolean ble = (transports & HAP_TRANSPORT_BLE) != 0;

  gtk_label_set_text (self->transports_label, hap_sim_ui_transports_label (transports));
  gtk_widget_set_visible (self->port_row, (transports & HAP_TRANSPORT_IP) != 0);
  gtk_widget_set_visible (self->adapter_row, ble);
  if (ble)
    {
      g_autoptr(GVariant) info = g_variant_ref_sink (hap_sim_inspect_ble (self->accessory));
      const char *asked = "", *in_use = NULL;
      g_autofree char *text = NULL;

      g_variant_lookup (info, "adapter", "&s", &asked);
      g_variant_lookup (info, "adapter-in-use", "&s", &in_use);
      if (in_use != NULL && in_use[0] != '\0')
        text = g_strdup (in_use);
      else if (in_use != NULL)
        text = g_strdup_printf (_("%s (not available)"), asked[0] ? asked : _("First usable"));
      else
        text = g_strdup (asked[0] ? asked : _("First usable"));
      gtk_label_set_text (self->adapter_label, text);
    }
}

static void
refresh (HapSimSetupPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) setup = NULL;
  g_autoptr(GVariant) summary = NULL;
  const char *code = "", *payload = "", *setup_id = "", *device_id = "";
  gboolean paired = FALSE;
  guint16 port = 0;

  g_clear_pointer (&self->code, g_free);
  if (self->accessory == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  if ((setup = hap_sim_inspect_setup (self->accessory, &error)) == NULL)
    {
      /* BAD_STATE: never started, so no identity and no code yet. */
      gboolean never_started = g_error_matches (error, HAP_SIM_ERROR, HAP_SIM_ERROR_BAD_STATE);

      adw_status_page_set_description (self->not_started_page,
                                       never_started ? _(NOT_STARTED_TEXT) : error->message);
      gtk_stack_set_visible_child_name (self->stack, "not-started");
      return;
    }
  g_variant_ref_sink (setup);
  summary = g_variant_ref_sink (hap_sim_inspect_summary (self->accessory));
  g_variant_lookup (setup, "setup-code", "&s", &code);
  g_variant_lookup (setup, "setup-payload", "&s", &payload);
  g_variant_lookup (setup, "setup-id", "&s", &setup_id);
  g_variant_lookup (summary, "device-id", "&s", &device_id);
  g_variant_lookup (summary, "port", "q", &port);
  g_variant_lookup (summary, "paired", "b", &paired);

  self->code = g_strdup (code);
  show_qr (self, payload);
  gtk_label_set_text (self->code_label, code);
  gtk_label_set_text (self->payload_label, payload);
  gtk_label_set_text (self->setup_id_label, setup_id);
  gtk_label_set_text (self->device_id_label, device_id);
  if (port != 0)
    {
      g_autofree char *text = g_strdup_printf ("%u", port);
      gtk_label_set_text (self->port_label, text);
    }
  else
    gtk_label_set_text (self->port_label, _("Not running"));
  show_transports (self);

  if (paired)
    {
      guint n;
      g_autofree char *text = NULL;

      hap_sim_accessory_update_models (self->accessory);
      n = g_list_model_get_n_items (hap_sim_accessory_get_pairings (self->accessory));
      text = g_strdup_printf (ngettext ("Paired with %u controller. A paired accessory does not accept "
                                        "another Pair Setup: remove its pairings or reset it to pair "
                                        "it again.",
                                        "Paired with %u controllers. A paired accessory does not accept "
                                        "another Pair Setup: remove its pairings or reset it to pair "
                                        "it again.", n), n);
      gtk_label_set_text (self->paired_description, text);
      gtk_stack_set_visible_child_name (self->code_stack, "paired");
      gtk_widget_add_css_class (GTK_WIDGET (self->code_label), "dim-label");
    }
  else
    {
      gtk_stack_set_visible_child_name (self->code_stack, "qr");
      gtk_widget_remove_css_class (GTK_WIDGET (self->code_label), "dim-label");
    }
  gtk_stack_set_visible_child_name (self->stack, "setup");
}

static void
copy (HapSimSetupPage *self, const char *text)
{
  if (text == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  hap_sim_ui_toast (GTK_WIDGET (self), _("Copied"));
}

static void
on_copy_code_clicked (HapSimSetupPage *self)
{
  copy (self, self->code);
}

static void
on_copy_payload_clicked (HapSimSetupPage *self)
{
  copy (self, self->payload);
}

static void
hap_sim_setup_page_dispose (GObject *object)
{
  HapSimSetupPage *self = HAP_SIM_SETUP_PAGE (object);

  if (self->accessory != NULL)
    g_signal_handlers_disconnect_by_data (self->accessory, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAP_SIM_TYPE_SETUP_PAGE);
  g_clear_object (&self->accessory);
  g_clear_pointer (&self->code, g_free);
  g_clear_pointer (&self->payload, g_free);
  G_OBJECT_CLASS (hap_sim_setup_page_parent_class)->dispose (object);
}

static void
hap_sim_setup_page_class_init (HapSimSetupPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hap_sim_setup_page_dispose;

  properties [PROP_ACCESSORY] =
    hap_sim_page_class_install_accessory (object_class,
                                          (HapSimPageGetAccessory) hap_sim_setup_page_get_accessory,
                                          (HapSimPageSetAccessory) hap_sim_setup_page_set_accessory);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hapsim/Simulator/"
                                               "hap-sim-setup-page.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, not_started_page);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, code_stack);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, paired_description);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, code_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, payload_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, setup_id_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, device_id_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, port_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, port_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, transports_label);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, adapter_row);
  gtk_widget_class_bind_template_child (widget_class, HapSimSetupPage, adapter_label);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_code_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_payload_clicked);
}

static void
hap_sim_setup_page_init (HapSimSetupPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
hap_sim_setup_page_new (void)
{
  return g_object_new (HAP_SIM_TYPE_SETUP_PAGE, NULL);
}

void
hap_sim_setup_page_set_accessory (HapSimSetupPage *self, HapSimAccessory *accessory)
{
  g_return_if_fail (HAP_SIM_IS_SETUP_PAGE (self));
  g_return_if_fail (accessory == NULL || HAP_SIM_IS_ACCESSORY (accessory));

  if (!hap_sim_page_swap_accessory (self, &self->accessory, accessory))
    return;
  if (accessory != NULL)
    {
      /* Every one of these may change the code (a reset), the port or the pairings. */
      g_signal_connect_swapped (accessory, "state-changed", G_CALLBACK (refresh), self);
      g_signal_connect_swapped (accessory, "pairing-added", G_CALLBACK (refresh), self);
      g_signal_connect_swapped (accessory, "pairing-removed", G_CALLBACK (refresh), self);
      g_signal_connect_swapped (accessory, "advertised", G_CALLBACK (refresh), self);
      g_signal_connect_swapped (accessory, "ble-advertised", G_CALLBACK (refresh), self);
    }
  refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties [PROP_ACCESSORY]);
}

HapSimAccessory *
hap_sim_setup_page_get_accessory (HapSimSetupPage *self)
{
  g_return_val_if_fail (HAP_SIM_IS_SETUP_PAGE (self), NULL);
  return self->accessory;
}
