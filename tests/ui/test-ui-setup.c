/* test-ui-setup.c — the Setup page: code, QR code (checked module by module against
 * libqrencode), clipboard, and the paired and never-started states
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <qrencode.h>
#include <string.h>

#include "hap-setup-qr.h"
#include "hap-sim-inspect.h"
#include "hap-sim-setup-page.h"

typedef struct
{
  UiFixture *fixture;
  GtkWidget *page;
  GtkWidget *window;
  GPtrArray *toasts;   /* char* */
} SetupTest;

static void
on_toast (GSimpleAction *action, GVariant *parameter, GPtrArray *toasts)
{
  g_ptr_array_add (toasts, g_variant_dup_string (parameter, NULL));
}

static void
setup_test_open (SetupTest *t)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) toast = g_simple_action_new ("toast", G_VARIANT_TYPE_STRING);

  t->fixture = ui_fixture_new ();
  t->page = hap_sim_setup_page_new ();
  /* Before the page has a parent, so that every descendant's action muxer sees it. */
  t->toasts = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (toast, "activate", G_CALLBACK (on_toast), t->toasts);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (toast));
  gtk_widget_insert_action_group (t->page, "win", G_ACTION_GROUP (group));
  t->window = ui_window_new (t->page);
}

static void
setup_test_close (SetupTest *t)
{
  gtk_window_destroy (GTK_WINDOW (t->window));
  ui_spin (10);
  ui_fixture_free (t->fixture);
  g_ptr_array_unref (t->toasts);
}

static void
show (SetupTest *t, HapSimAccessory *accessory)
{
  hap_sim_setup_page_set_accessory (HAP_SIM_SETUP_PAGE (t->page), accessory);
  g_assert_true (hap_sim_setup_page_get_accessory (HAP_SIM_SETUP_PAGE (t->page)) == accessory);
  ui_spin (20);
}

static gboolean
shown (SetupTest *t, const char *text)
{
  GtkWidget *widget = ui_find_by_text (t->page, text);

  return widget != NULL && gtk_widget_get_mapped (widget);
}

static char *
setup_string (HapSimAccessory *accessory, const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) setup = hap_sim_inspect_setup (accessory, &error);
  char *value = NULL;

  g_assert_no_error (error);
  g_variant_ref_sink (setup);
  g_assert_true (g_variant_lookup (setup, key, "s", &value));
  return value;
}

typedef struct
{
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
on_clipboard_read (GObject *source, GAsyncResult *result, gpointer data)
{
  ClipboardRead *read = data;
  g_autoptr(GError) error = NULL;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

/* Clicks @label's button and returns what it put on the clipboard. */
static char *
copy_with (SetupTest *t, const char *label)
{
  GtkWidget *text = ui_find_by_text (t->page, label);
  GtkWidget *button = text ? gtk_widget_get_ancestor (text, GTK_TYPE_BUTTON) : NULL;
  ClipboardRead read = { NULL, FALSE };

  g_assert_nonnull (button);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (t->page), "nothing yet");
  g_signal_emit_by_name (button, "clicked");
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (t->page), NULL, on_clipboard_read,
                                 &read);
  ui_wait_until (clipboard_read_done, &read, "the clipboard");
  return read.text;
}

static void
assert_qr (GtkWidget *picture, const char *payload)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (GTK_PICTURE (picture));
  QRcode *reference = QRcode_encodeString (payload, 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
  g_autofree guint8 *modules = NULL;
  g_autofree guint8 *pixels = NULL;
  guint width, total, scale, size;

  /* The module matrix is libqrencode's, bit for bit. */
  g_assert_nonnull (reference);
  modules = hap_setup_qr_modules (payload, &width);
  g_assert_nonnull (modules);
  g_assert_cmpuint (width, ==, (guint) reference->width);
  for (guint i = 0; i < width * width; i++)
    g_assert_cmpuint (modules[i], ==, reference->data[i] & 1);

  /* The texture: the modules and a 4-module quiet zone, whole pixels per module. */
  g_assert_true (GDK_IS_TEXTURE (paintable));
  size = (guint) gdk_texture_get_width (GDK_TEXTURE (paintable));
  g_assert_cmpuint (size, ==, (guint) gdk_texture_get_height (GDK_TEXTURE (paintable)));
  total = width + 2 * 4;
  g_assert_cmpuint (size % total, ==, 0);
  scale = size / total;
  g_assert_cmpuint (scale, >=, 2);
  pixels = g_malloc ((gsize) size * size * 4);
  gdk_texture_download (GDK_TEXTURE (paintable), pixels, (gsize) size * 4);
  for (guint y = 0; y < total; y++)
    for (guint x = 0; x < total; x++)
      {
        gboolean inside = x >= 4 && y >= 4 && x < width + 4 && y < width + 4;
        gboolean dark = inside && (reference->data[(y - 4) * width + (x - 4)] & 1);

        /* Both corners of each module's square, every channel (BGRA, opaque). */
        for (guint corner = 0; corner < 2; corner++)
          {
            guint px = x * scale + corner * (scale - 1), py = y * scale + corner * (scale - 1);
            const guint8 *pixel = pixels + ((gsize) py * size + px) * 4;

            g_assert_cmpuint (pixel[0], ==, dark ? 0 : 255);
            g_assert_cmpuint (pixel[1], ==, dark ? 0 : 255);
            g_assert_cmpuint (pixel[2], ==, dark ? 0 : 255);
            g_assert_cmpuint (pixel[3], ==, 255);
          }
      }
  QRcode_free (reference);
}

static gboolean
paired_shown (gpointer data)
{
  return shown (data, "Paired");
}

static gboolean
qr_shown (gpointer data)
{
  SetupTest *t = data;

  return gtk_widget_get_mapped (ui_find_widget (t->page, GTK_TYPE_PICTURE));
}

static void
test_setup (void)
{
  SetupTest t = { 0 };
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(GVariant) summary = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *port_text = NULL;
  const char *device_id = NULL;
  GtkWidget *code, *picture, *description;
  HapSimAccessory *lamp;
  guint16 port = 0;

  setup_test_open (&t);
  g_assert_true (shown (&t, "No Accessory"));
  lamp = ui_fixture_add (t.fixture, "lightbulb.json");
  show (&t, lamp);

  /* The code, large, with its accessible description. */
  code = ui_find_by_text (t.page, HAP_TEST_SETUP_CODE);
  g_assert_nonnull (code);
  g_assert_true (gtk_widget_get_mapped (code));
  g_assert_true (gtk_widget_has_css_class (code, "setup-code"));
  gtk_test_accessible_assert_property (code, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, "setup code");

  /* The QR code of the payload, as libqrencode draws it. */
  payload = setup_string (lamp, "setup-payload");
  g_assert_true (g_str_has_prefix (payload, "X-HM://"));
  picture = ui_find_widget (t.page, GTK_TYPE_PICTURE);
  g_assert_true (gtk_widget_get_mapped (picture));
  g_assert_true (gtk_widget_has_css_class (picture, "qr-code"));
  gtk_test_accessible_assert_property (picture, GTK_ACCESSIBLE_PROPERTY_LABEL, "Setup QR code");
  assert_qr (picture, payload);

  /* The payload, device ID and port as the engine has them. */
  summary = g_variant_ref_sink (hap_sim_inspect_summary (lamp));
  g_assert_true (g_variant_lookup (summary, "device-id", "&s", &device_id));
  g_assert_true (g_variant_lookup (summary, "port", "q", &port));
  port_text = g_strdup_printf ("%u", port);
  g_assert_true (shown (&t, payload));
  g_assert_true (shown (&t, device_id));
  g_assert_true (shown (&t, port_text));

  /* The buttons copy to the clipboard and say so. */
  copied = copy_with (&t, "Copy Payload");
  g_assert_cmpstr (copied, ==, payload);
  g_clear_pointer (&copied, g_free);
  copied = copy_with (&t, "Copy Setup Code");
  g_assert_cmpstr (copied, ==, HAP_TEST_SETUP_CODE);
  g_assert_cmpuint (t.toasts->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (t.toasts, 0), ==, "Copied");

  /* Paired: the QR code gives way to a note; the code stays readable. */
  client = ui_pair_controller (port, "setup-test");
  ui_wait_until (paired_shown, &t, "the paired state");
  g_assert_false (gtk_widget_get_mapped (picture));
  g_assert_true (gtk_widget_get_mapped (code));
  description = ui_find_by_text (t.page, "Paired");
  g_assert_nonnull (description);
  {
    g_autoptr(GPtrArray) labels = ui_find_widgets (t.page, GTK_TYPE_LABEL);
    gboolean counted = FALSE;

    for (guint i = 0; i < labels->len; i++)
      counted |= g_str_has_prefix (gtk_label_get_text (g_ptr_array_index (labels, i)),
                                   "Paired with 1 controller.");
    g_assert_true (counted);
  }

  /* Its only pairing removed, it can be paired again: the QR code is back. */
  g_assert_true (hap_sim_inspect_remove_pairing (lamp, "setup-test", &error));
  g_assert_no_error (error);
  ui_wait_until (qr_shown, &t, "the QR code again");
  g_assert_false (shown (&t, "Paired"));

  /* Stopped: the stored identity is still shown. */
  hap_sim_accessory_stop (lamp);
  ui_spin (20);
  g_assert_true (shown (&t, HAP_TEST_SETUP_CODE));
  g_assert_true (shown (&t, "Not running"));

  show (&t, NULL);
  g_assert_true (shown (&t, "No Accessory"));
  setup_test_close (&t);
}

static void
test_not_started (void)
{
  SetupTest t = { 0 };
  g_autofree char *path = g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), "thermostat.json",
                                           NULL);
  g_autoptr(GError) error = NULL;
  HapSimAccessory *thermostat;
  GtkWidget *picture;

  setup_test_open (&t);
  thermostat = hap_sim_engine_add_file (t.fixture->engine, path, FALSE, &error);
  g_assert_no_error (error);
  show (&t, thermostat);
  g_assert_true (shown (&t, "Not Started Yet"));
  picture = ui_find_widget (t.page, GTK_TYPE_PICTURE);
  g_assert_null (gtk_picture_get_paintable (GTK_PICTURE (picture)));

  /* The first start gives it a code: the page follows. */
  hap_sim_accessory_set_event_window (thermostat, 0);
  g_assert_true (hap_sim_accessory_start (thermostat, &error));
  g_assert_no_error (error);
  ui_spin (20);
  g_assert_false (shown (&t, "Not Started Yet"));
  g_assert_true (shown (&t, HAP_TEST_SETUP_CODE));
  g_assert_true (qr_shown (&t));
  setup_test_close (&t);
}

int
main (int argc, char **argv)
{
  /* The test AT context records accessible properties for gtk_test_accessible_*. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  ui_test_init (&argc, &argv);
  g_test_add_func ("/setup/setup", test_setup);
  g_test_add_func ("/setup/not-started", test_not_started);
  return g_test_run ();
}
