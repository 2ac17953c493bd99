/* hap-virtual-bluez.c — a virtual BlueZ: org.bluez on a D-Bus bus, with adapters
 *   that advertise, scan and connect to each other without a radio
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   hap-virtual-bluez [--bus system|session|ADDRESS] [--adapters N] [--address-prefix P]
 *                     [--no-connected-signal] [--verbose] …
 *
 * Prints "ready" on stdout once it owns org.bluez. See README.md.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb-daemon.h"
#include "i18n/hap-i18n.h"

typedef struct
{
  GMainLoop *loop;
  int status;
} Run;

static gboolean
quit_on_signal (gpointer data)
{
  Run *run = data;

  g_main_loop_quit (run->loop);
  return G_SOURCE_CONTINUE;
}

static void
name_acquired (GDBusConnection *connection, const char *name, gpointer data)
{
  /* Tests and scripts wait for this line. */
  fputs ("ready\n", stdout);
  fflush (stdout);
}

static void
name_lost (GDBusConnection *connection, const char *name, gpointer data)
{
  Run *run = data;

  g_printerr ("hap-virtual-bluez: %s\n", connection == NULL
              ? _("the bus connection is gone")
              : _("org.bluez is owned by another process (is bluetoothd running on this bus?)"));
  run->status = EXIT_FAILURE;
  g_main_loop_quit (run->loop);
}

static void
bus_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error, gpointer data)
{
  Run *run = data;

  g_printerr (_("hap-virtual-bluez: the bus connection closed\n"));
  run->status = EXIT_FAILURE;
  g_main_loop_quit (run->loop);
}

static GDBusConnection *
open_bus (const char *bus, GError **error)
{
  if (strcmp (bus, "system") == 0)
    /* Honours DBUS_SYSTEM_BUS_ADDRESS. */
    return g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  if (strcmp (bus, "session") == 0)
    return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  return g_dbus_connection_new_for_address_sync (bus, G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, error);
}

static gboolean
parse_prefix (const char *text, guint8 prefix[5])
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);

  if (g_strv_length (parts) != 5)
    return FALSE;
  for (guint i = 0; i < 5; i++)
    {
      guint64 value;

      if (strlen (parts[i]) != 2 || !g_ascii_string_to_unsigned (parts[i], 16, 0, 255, &value, NULL))
        return FALSE;
      prefix[i] = (guint8) value;
    }
  return TRUE;
}

static int
usage (GOptionContext *context, const char *message)
{
  g_printerr ("hap-virtual-bluez: %s\n\n", message);
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
  g_printerr ("%s", help);
  return 2;
}

int
main (int argc, char **argv)
{
  g_autofree char *bus = NULL;
  g_autofree char *prefix = NULL;
  g_autofree char *new_central = NULL;
  g_autofree char *gatt_cache = NULL;
  gint adapters = 2, mtu = 517, temporary_timeout = 30, connect_timeout = 20;
  gboolean no_connected_signal = FALSE, verbose = FALSE, experimental = FALSE;
  const GOptionEntry entries[] = {
    { "bus", 0, 0, G_OPTION_ARG_STRING, &bus,
      N_("Bus to serve org.bluez on: system (default, honours DBUS_SYSTEM_BUS_ADDRESS), session, "
      "or a D-Bus address"), "BUS" },
    { "adapters", 0, 0, G_OPTION_ARG_INT, &adapters, N_("Number of adapters hci0..hciN-1 (1-16, default 2)"), "N" },
    { "address-prefix", 0, 0, G_OPTION_ARG_STRING, &prefix,
      N_("First five bytes of the adapters' public addresses; the sixth is the index + 1 "
      "(default 00:AA:01:01:00)"), "XX:XX:XX:XX:XX" },
    { "no-connected-signal", 0, 0, G_OPTION_ARG_NONE, &no_connected_signal,
      N_("Connect returns but emits no PropertiesChanged(Connected=true), as real bluetoothd "
      "sometimes does (Properties.Get still says true)"), NULL },
    { "new-central", 0, 0, G_OPTION_ARG_STRING, &new_central,
      N_("How a first-time central appears on the peripheral's adapter: added (InterfacesAdded "
      "with Connected=true), changed (then PropertiesChanged) or alternate (default)"), "MODE" },
    { "gatt-cache", 0, 0, G_OPTION_ARG_STRING, &gatt_cache,
      N_("always (default, Debian's [GATT] Cache): a central keeps the mirrored GATT objects "
      "after a disconnect; no: they are removed"), "MODE" },
    { "mtu", 0, 0, G_OPTION_ARG_INT, &mtu, N_("ATT_MTU of every connection (23-517, default 517)"), "MTU" },
    { "experimental", 0, 0, G_OPTION_ARG_NONE, &experimental,
      N_("Act like bluetoothd -E: apply MinInterval, MaxInterval and TxPower of adverts"), NULL },
    { "temporary-timeout", 0, 0, G_OPTION_ARG_INT, &temporary_timeout,
      N_("Seconds before an unused device object goes ([General] TemporaryTimeout, default 30)"), "S" },
    { "connect-timeout", 0, 0, G_OPTION_ARG_INT, &connect_timeout,
      N_("Seconds a Connect waits for the peer to advertise (default 20)"), "S" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Log what happens on stderr"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  VbOptions options = { 0 };
  VbDaemon *daemon;
  Run run = { NULL, EXIT_SUCCESS };
  guint owner_id, sigint_id, sigterm_id;

  hap_i18n_init ();
  g_option_context_set_summary (context,
    _("A virtual BlueZ 5.66: owns org.bluez and implements the adapter, advertising, GATT server\n"
    "and GATT client D-Bus API the way bluetoothd does, with virtual adapters that advertise,\n"
    "scan and connect to each other. An accessory registers its GATT application and\n"
    "advertisement on one adapter; a BlueZ central (bleak, Home Assistant) scans and\n"
    "connects from another. Prints \"ready\" once org.bluez is owned."));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage (context, error->message);
  if (argc > 1)
    return usage (context, _("unexpected arguments"));
  if (adapters < 1 || adapters > 16)
    return usage (context, _("--adapters must be 1 to 16"));
  if (mtu < 23 || mtu > 517)
    return usage (context, _("--mtu must be 23 to 517"));
  if (temporary_timeout < 1 || connect_timeout < 1)
    return usage (context, _("timeouts must be at least 1 s"));
  if (!parse_prefix (prefix != NULL ? prefix : "00:AA:01:01:00", options.address_prefix))
    return usage (context, _("--address-prefix must be five hex bytes like 00:AA:01:01:00"));
  if (new_central == NULL || strcmp (new_central, "alternate") == 0)
    options.new_central = VB_NEW_CENTRAL_ALTERNATE;
  else if (strcmp (new_central, "added") == 0)
    options.new_central = VB_NEW_CENTRAL_ADDED;
  else if (strcmp (new_central, "changed") == 0)
    options.new_central = VB_NEW_CENTRAL_CHANGED;
  else
    return usage (context, _("--new-central must be added, changed or alternate"));
  if (gatt_cache != NULL && strcmp (gatt_cache, "always") != 0 && strcmp (gatt_cache, "no") != 0)
    return usage (context, _("--gatt-cache must be always or no"));
  options.gatt_cache_off = gatt_cache != NULL && strcmp (gatt_cache, "no") == 0;
  options.n_adapters = (guint) adapters;
  options.no_connected_signal = no_connected_signal;
  options.experimental = experimental;
  options.verbose = verbose;
  options.mtu = (guint16) mtu;
  options.temporary_timeout = (guint) temporary_timeout;
  options.connect_timeout = (guint) connect_timeout;

  connection = open_bus (bus != NULL ? bus : "system", &error);
  if (connection == NULL)
    {
      g_printerr (_("hap-virtual-bluez: cannot connect to the %s bus: %s\n"),
                  bus != NULL ? bus : _("system"), error->message);
      return EXIT_FAILURE;
    }
  g_dbus_connection_set_exit_on_close (connection, FALSE);

  /* Objects first, then the name: a client that sees org.bluez sees the adapters. */
  daemon = vb_daemon_new (connection, &options, &error);
  if (daemon == NULL)
    {
      g_printerr ("hap-virtual-bluez: %s\n", error->message);
      return EXIT_FAILURE;
    }

  run.loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (connection, "closed", G_CALLBACK (bus_closed), &run);
  owner_id = g_bus_own_name_on_connection (connection, "org.bluez", G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                           name_acquired, name_lost, &run, NULL);
  sigint_id = g_unix_signal_add (SIGINT, quit_on_signal, &run);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal, &run);
  g_main_loop_run (run.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_func (connection, bus_closed, &run);
  /* Advertisements get Release() (bluetoothd does when an adapter goes away). */
  vb_daemon_free (daemon);
  g_bus_unown_name (owner_id);
  g_dbus_connection_flush_sync (connection, NULL, NULL);
  g_main_loop_unref (run.loop);
  return run.status;
}
