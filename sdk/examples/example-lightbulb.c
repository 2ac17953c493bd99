/* example-lightbulb.c — a HomeKit lightbulb built with the public libhap-glib API
 *
 * Usage: example-lightbulb [STATE-DIR [SETUP-CODE]]
 *
 * Builds the accessory in code (no accessory file), serves it over HAP/IP and prints
 * what to pair with. Every write from a controller is printed. Ctrl-C stops it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>

#include <glib-unix.h>
#include <locale.h>

#include <libhap-glib/hap.h>

static void
on_write (HapCharacteristic *characteristic,
          GVariant          *value,
          GTask             *task,
          gpointer           user_data)
{
  g_autofree char *text = g_variant_print (value, FALSE);

  /* The value is already validated against the characteristic's constraints; a real
   * lamp would drive its hardware here and may answer later from any callback. */
  g_print ("%s → %s\n", hap_characteristic_get_description (characteristic), text);
  g_task_return_boolean (task, TRUE);
}

static void
on_identify (HapAccessory *accessory,
             gpointer      user_data)
{
  g_print ("Identify: %s blinks\n", hap_accessory_get_name (accessory));
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  const char *state_dir = argc > 1 ? argv[1] : "example-lightbulb-state";
  const char *setup_code = argc > 2 ? argv[2] : NULL;
  g_autoptr(HapAccessory) accessory = NULL;
  g_autoptr(HapService) bulb = NULL;
  g_autoptr(HapCharacteristic) brightness = NULL;
  g_autoptr(HapAccessoryServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = NULL;

  setlocale (LC_ALL, "");

  /* Accessory Information (Identify, Manufacturer, Model, Name, …) comes for free. */
  accessory = hap_accessory_new ("Example Lamp", hap_catalog_lookup_category ("LIGHTBULB"));
  g_signal_connect (accessory, "identify", G_CALLBACK (on_identify), NULL);

  /* A Lightbulb service starts with its required On characteristic. */
  bulb = hap_service_new ("Lightbulb");
  hap_service_set_primary (bulb, TRUE);
  hap_characteristic_set_write_handler (hap_service_get_characteristic (bulb, "On"),
                                        on_write, NULL, NULL);

  /* Dimmable from 10 % to 100 % in steps of 5 %. */
  brightness = hap_characteristic_new ("Brightness");
  hap_characteristic_set_min_value (brightness, 10);
  hap_characteristic_set_max_value (brightness, 100);
  hap_characteristic_set_min_step (brightness, 5);
  if (!hap_characteristic_set_value (brightness, g_variant_new_int32 (50), &error))
    g_error ("%s", error->message);
  hap_characteristic_set_write_handler (brightness, on_write, NULL, NULL);
  hap_service_add_characteristic (bulb, brightness);

  hap_accessory_add_service (accessory, bulb);

  server = hap_accessory_server_new (accessory, state_dir);
  hap_accessory_server_set_port (server, 0);
  if (setup_code != NULL && !hap_accessory_server_set_setup_code (server, setup_code, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (!hap_accessory_server_start (server, &error))
    {
      g_printerr ("Cannot start: %s\n", error->message);
      return 1;
    }

  payload = hap_accessory_server_dup_setup_payload (server);
  g_print ("Serving “%s” on port %u\n", hap_accessory_get_name (accessory),
           hap_accessory_server_get_port (server));
  g_print ("Setup code: %s\n", hap_accessory_server_get_setup_code (server));
  g_print ("Setup payload: %s\n", payload);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_main_loop_run (loop);

  hap_accessory_server_stop (server);
  return 0;
}
