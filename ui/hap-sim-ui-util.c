/* hap-sim-ui-util.c — small helpers every page of the window shares
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-ui-util.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "hap-sim-ui-resources.h"

void
hap_sim_ui_init (void)
{
  static gsize done = 0;

  /* Static linking drops an unreferenced resource object, constructor and all: this
   * reference keeps it, and registering here does not depend on constructors. */
  if (g_once_init_enter (&done))
    {
      hap_sim_ui_register_resource ();
      g_once_init_leave (&done, 1);
    }
}

const char *
hap_sim_ui_category_icon (int category)
{
  /* Icons of the Adwaita theme Debian 12 ships: there are no HomeKit device icons, so
   * each category borrows the nearest everyday one. */
  switch (category)
    {
    case 2:  return "network-workgroup-symbolic";         /* bridge */
    case 3:  return "weather-windy-symbolic";             /* fan */
    case 4:  return "go-home-symbolic";                   /* garage door opener */
    case 5:  return "display-brightness-symbolic";        /* lightbulb */
    case 6:  return "channel-secure-symbolic";            /* door lock */
    case 7:  return "ac-adapter-symbolic";                /* outlet */
    case 8:  return "system-shutdown-symbolic";           /* switch */
    case 9:  return "weather-few-clouds-symbolic";        /* thermostat */
    case 10: return "find-location-symbolic";             /* sensor */
    case 11: return "security-high-symbolic";             /* security system */
    case 12: return "go-home-symbolic";                   /* door */
    case 13:                                              /* window */
    case 14: return "view-paged-symbolic";                /* window covering */
    case 15: return "input-dialpad-symbolic";             /* programmable switch */
    case 17: return "camera-web-symbolic";                /* camera */
    case 18: return "camera-video-symbolic";              /* video doorbell */
    case 19:                                              /* air purifier */
    case 20:                                              /* heater */
    case 21:                                              /* air conditioner */
    case 22:                                              /* humidifier */
    case 23: return "weather-fog-symbolic";               /* dehumidifier */
    case 24:
    case 31:
    case 35:
    case 36: return "tv-symbolic";                        /* TVs and boxes */
    case 25:
    case 26:
    case 34: return "audio-speakers-symbolic";            /* speakers, receivers */
    case 16:
    case 27:
    case 33: return "network-wireless-symbolic";          /* range extender, routers */
    case 28:
    case 29:
    case 30: return "weather-showers-scattered-symbolic"; /* sprinkler, faucet, shower */
    default: return "applications-engineering-symbolic";
    }
}

char *
hap_sim_ui_category_label (int category)
{
  const char *name = hap_catalog_category_name (category);
  g_autofree char *lower = NULL;

  if (name == NULL)
    return g_strdup (_("Other"));
  /* "GARAGE_DOOR_OPENER" → "Garage Door Opener". */
  lower = g_ascii_strdown (name, -1);
  for (char *p = lower; *p != '\0'; p++)
    {
      if (*p == '_')
        *p = ' ';
      if (p == lower || p[-1] == ' ')
        *p = g_ascii_toupper (*p);
    }
  return g_steal_pointer (&lower);
}

const char *
hap_sim_ui_characteristic_label (HapCharacteristic *characteristic)
{
  const HapCharacteristicType *type = hap_characteristic_get_catalog_type (characteristic);
  const char *uuid = hap_characteristic_get_type_uuid (characteristic);
  const char *description;
  g_autofree char *label = NULL;

  if (type != NULL)
    return type->display_name;
  /* A vendor characteristic: by its UUID, after the description its device gives it
   * (interned, as for service labels, so callers need not free it). */
  if ((description = hap_characteristic_get_description (characteristic)) == NULL || *description == '\0')
    return uuid;
  label = g_strdup_printf ("%s (%s)", description, uuid);
  return g_intern_string (label);
}

const char *
hap_sim_ui_service_label (HapService *service)
{
  const HapServiceType *type = hap_service_get_catalog_type (service);
  g_autoptr(GString) words = NULL;

  if (type == NULL)
    return hap_service_get_type_uuid (service);
  /* The catalog names services in CamelCase ("AccessoryInformation"): in words for
   * people, interned so callers need not free it. */
  words = g_string_new (NULL);
  for (const char *p = type->name; *p != '\0'; p++)
    {
      if (p != type->name && g_ascii_isupper (*p) && g_ascii_islower (p[-1]))
        g_string_append_c (words, ' ');
      g_string_append_c (words, *p);
    }
  return g_intern_string (words->str);
}

static const char *
unit_suffix (const char *unit)
{
  if (unit == NULL)
    return "";
  if (g_str_equal (unit, "celsius"))
    return " °C";
  if (g_str_equal (unit, "percentage"))
    return " %";
  if (g_str_equal (unit, "arcdegrees"))
    return "°";
  if (g_str_equal (unit, "lux"))
    return " lx";
  if (g_str_equal (unit, "seconds"))
    return " s";
  return "";
}

static double
number_of (GVariant *value)
{
  double number;

  return hap_variant_get_number (value, &number) ? number : NAN;
}

char *
hap_sim_ui_format_value (HapCharacteristic *characteristic, GVariant *value)
{
  const HapCharacteristicType *type = hap_characteristic_get_catalog_type (characteristic);
  const char *unit = hap_characteristic_get_unit (characteristic);
  double number;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (value) ? _("On") : _("Off"));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    return g_strdup_printf (ngettext ("%lu byte", "%lu bytes", (gulong) g_variant_get_size (value)),
                            (gulong) g_variant_get_size (value));

  number = number_of (value);
  if (type != NULL && type->constants != NULL && number == floor (number))
    for (guint i = 0; i < type->n_constants; i++)
      if (type->constants[i].value == (int) number)
        {
          /* "HEAT_OR_COOL" → "Heat or cool". */
          g_autofree char *text = g_ascii_strdown (type->constants[i].name, -1);

          g_strdelimit (text, "_", ' ');
          text[0] = g_ascii_toupper (text[0]);
          return g_steal_pointer (&text);
        }
  if (isnan (number))
    return g_variant_print (value, FALSE);
  return g_strdup_printf ("%g%s", number, unit_suffix (unit));
}

const char *
hap_sim_ui_transports_label (HapTransportFlags transports)
{
  if ((transports & HAP_TRANSPORT_IP) && (transports & HAP_TRANSPORT_BLE))
    return _("IP and BLE");
  return (transports & HAP_TRANSPORT_BLE) ? "BLE" : "IP";
}

char *
hap_sim_ui_format_hex (const guint8 *data, gsize length)
{
  GString *text = g_string_sized_new (length * 3);

  for (gsize i = 0; i < length; i++)
    g_string_append_printf (text, i == 0 ? "%02x" : " %02x", data[i]);
  return g_string_free (text, FALSE);
}

char *
hap_sim_ui_format_time (gint64 usec)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

void
hap_sim_ui_toast (GtkWidget *widget, const char *text)
{
  gtk_widget_activate_action (widget, "win.toast", "s", text);
}

void
hap_sim_ui_toast_error (GtkWidget *widget, const char *what, const GError *error)
{
  g_autofree char *text = what ? g_strdup_printf ("%s: %s", what, error->message)
                               : g_strdup (error->message);

  hap_sim_ui_toast (widget, text);
}

/* Wider than any one character of a heading, narrower than any dialog (300 px at least). */
#define HEADING_MIN_WIDTH 100

GtkWidget *
hap_sim_ui_message_dialog_new (GtkWindow *parent, const char *heading, const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);
  g_autoptr(GPtrArray) todo = g_ptr_array_new ();

  /* libadwaita measures its "heading-bin" for the smaller of its two labels' minimum
   * widths and passes that width on to both: the one-line large heading may wrap, and
   * both get the same floor, so neither is measured narrower than it can be. A later
   * libadwaita without a "heading-bin" is left as it is. */
  g_ptr_array_add (todo, dialog);
  while (todo->len > 0)
    {
      GtkWidget *widget = g_ptr_array_steal_index_fast (todo, todo->len - 1);
      gboolean heading_bin = gtk_widget_has_css_class (widget, "heading-bin");

      for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        if (heading_bin && GTK_IS_LABEL (child))
          {
            gtk_label_set_wrap (GTK_LABEL (child), TRUE);
            gtk_label_set_wrap_mode (GTK_LABEL (child), PANGO_WRAP_WORD_CHAR);
            gtk_widget_set_size_request (child, HEADING_MIN_WIDTH, -1);
          }
        else
          g_ptr_array_add (todo, child);
    }
  return dialog;
}

static gboolean
release_chooser_cb (gpointer chooser)
{
  g_object_unref (chooser);
  return G_SOURCE_REMOVE;
}

void
hap_sim_ui_release_chooser (GtkNativeDialog *chooser)
{
  /* Seen under flatpak with GTK 4.18: "object_ref: assertion '!object_already_finalized'"
   * right after an import, when the handler dropped the last reference. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, release_chooser_cb, chooser, NULL);
}
