/* hapctl.c — a command-line HAP controller
 *   hapctl [--controller FILE] [--json] COMMAND …
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hapctl.h"
#include "i18n/hap-i18n.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static char *controller_path;
static gboolean json_output;
char *hapctl_adapter;
int hapctl_timeout_s = 10;
volatile sig_atomic_t hapctl_interrupted;

static const char *const commands_help =
  N_("ADDRESS is HOST:PORT (HAP over IP) or ble:AA:BB:CC:DD:EE:FF (HAP over Bluetooth LE,\n"
  "through BlueZ's adapter --adapter, default the first).\n"
  "\n"
  "Commands:\n"
  "  discover [--ble] [--timeout S]         list accessories: DNS-SD, or BLE advertisements\n"
  "  pair ADDRESS CODE                      Pair Setup with the setup code\n"
  "  unpair ADDRESS                         remove this controller's pairing\n"
  "  verify [--full] ADDRESS                Pair Verify (over BLE Pair Resume first, unless\n"
  "                                         --full); prints \"resumed\" or \"verified\"\n"
  "  pairings ADDRESS [list]                list the accessory's pairings\n"
  "  pairings ADDRESS add ID LTPK-HEX admin|user\n"
  "  pairings ADDRESS remove ID\n"
  "  accessories ADDRESS                    the attribute database\n"
  "  clone ADDRESS FILE                     write the attribute database, values included, to\n"
  "                                         FILE as the device answered it: hap-simulator\n"
  "                                         serves FILE as a copy of the device\n"
  "  get ADDRESS AID.IID…                   read characteristics\n"
  "  put [--timed [--ttl MS]] ADDRESS AID.IID=VALUE…\n"
  "                                         write (VALUE as JSON, else a string)\n"
  "  watch [--count N] ADDRESS AID.IID…     print events until Ctrl-C or N events\n"
  "  watch --disconnected [--count N] ble:… AID.IID…\n"
  "                                         print GSN changes and broadcast values seen in\n"
  "                                         advertisements, without a connection\n"
  "  broadcast ble:… AID.IID on|off [--interval 20|1280|2560]\n"
  "                                         broadcast notifications of a characteristic\n"
  "                                         (generates the broadcast key when needed)\n"
  "  identify ADDRESS                       identify an unpaired accessory\n"
  "  bench ADDRESS --setup-code CODE [--server-pid PID] [--scenario NAME]… [--count N]\n"
  "        [--connections C]                measure latency and throughput (see bench --help)\n"
  "\n"
  "Exit status: 0 success, 1 the accessory or the network failed, 2 usage.");

int
hapctl_usage (const char *command, const char *text)
{
  g_printerr (_("hapctl%s%s: usage: %s\n"), command ? " " : "", command ? command : "", text);
  return HAPCTL_EXIT_USAGE;
}

/* Prints @error (a TLV error by its §1.4 name); returns exit status 1. */
int
hapctl_fail (const char *command, const GError *error)
{
  if (error->domain == HAP_PAIRING_ERROR)
    g_printerr (_("hapctl %s: pairing failed: %s%s\n"), command,
                hap_pairing_error_to_string ((HapPairingError) error->code),
                error->code == HAP_PAIRING_ERROR_AUTHENTICATION && g_str_equal (command, "pair")
                  ? _(" (wrong setup code?)") : "");
  else
    g_printerr (_("hapctl %s: %s\n"), command, error->message);
  return HAPCTL_EXIT_FAILURE;
}

/* HOST:PORT or [IPv6]:PORT. */
gboolean
hapctl_parse_address (const char *text, char **host, guint16 *port)
{
  const char *colon = strrchr (text, ':');
  guint64 value;

  if (colon == NULL || colon == text ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &value, NULL))
    return FALSE;
  if (text[0] == '[' && colon[-1] == ']')
    *host = g_strndup (text + 1, (gsize) (colon - text - 2));
  else
    *host = g_strndup (text, (gsize) (colon - text));
  *port = (guint16) value;
  return TRUE;
}

/* "ble:AA:BB:CC:DD:EE:FF" → "AA:BB:CC:DD:EE:FF" (free with g_free). */
gboolean
hapctl_parse_ble_address (const char *text, char **address)
{
  const char *bd = g_str_has_prefix (text, "ble:") ? text + 4 : NULL;

  if (bd == NULL || strlen (bd) != 17)
    return FALSE;
  for (guint i = 0; i < 17; i++)
    if (i % 3 == 2 ? bd[i] != ':' : !g_ascii_isxdigit (bd[i]))
      return FALSE;
  *address = g_ascii_strup (bd, -1);
  return TRUE;
}

HapController *
hapctl_load_controller (GError **error)
{
  g_autofree char *path = NULL;

  if (controller_path != NULL)
    return hap_controller_new_for_file (controller_path, error);
  path = g_build_filename (g_get_user_config_dir (), "hapctl", "controller", NULL);
  return hap_controller_new_for_file (path, error);
}

gboolean
hapctl_connect (HapControllerConnection *connection, const char *address, GError **error)
{
  g_autofree char *host = NULL;
  g_autofree char *bd_address = NULL;
  guint16 port;

  hap_controller_connection_set_timeout (connection, (guint) hapctl_timeout_s * 1000);
  if (hapctl_parse_ble_address (address, &bd_address))
    return hapctl_connect_ble (connection, hapctl_adapter, bd_address, error);
  if (g_str_has_prefix (address, "ble:"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not ble:AA:BB:CC:DD:EE:FF"), address);
      return FALSE;
    }
  if (!hapctl_parse_address (address, &host, &port))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is neither HOST:PORT nor ble:AA:BB:CC:DD:EE:FF"),
                   address);
      return FALSE;
    }
  return hapctl_connect_ip (connection, host, port, error);
}

/* Connects to @address; @verify secures the connection too (over BLE with Pair Resume
 * when the controller has a ticket, docs/protocol.md §3.4). */
HapControllerConnection *
hapctl_open (const char *address, gboolean verify, GError **error)
{
  g_autoptr(HapController) controller = NULL;
  g_autoptr(HapControllerConnection) connection = NULL;

  if ((controller = hapctl_load_controller (error)) == NULL)
    return NULL;
  connection = hap_controller_connection_new (controller);
  if (!hapctl_connect (connection, address, error))
    return NULL;
  /* Pair Resume is BLE's; over IP it would be a Pair Verify anyway. */
  if (verify && !(hap_controller_connection_is_ble (connection)
                    ? hapctl_pair_resume (connection, NULL, error)
                    : hapctl_pair_verify (connection, error)))
    return NULL;
  return g_steal_pointer (&connection);
}

static void
print_json (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

/* ---- pair, unpair, pairings, identify ---- */

static int
cmd_pair (int argc, char **argv)
{
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 3)
    return hapctl_usage ("pair", _("hapctl pair ADDRESS SETUP-CODE"));
  if ((connection = hapctl_open (argv[1], FALSE, &error)) == NULL ||
      !hapctl_pair_setup (connection, argv[2], &error))
    return hapctl_fail ("pair", error);
  g_print (_("paired with %s\n"), hap_controller_connection_get_accessory_id (connection));
  return 0;
}

static int
cmd_unpair (int argc, char **argv)
{
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  HapController *controller;

  if (argc != 2)
    return hapctl_usage ("unpair", _("hapctl unpair ADDRESS"));
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL)
    return hapctl_fail ("unpair", error);
  controller = hap_controller_connection_get_controller (connection);
  if (!hap_controller_connection_remove_pairing (connection, hap_controller_get_id (controller), NULL, &error) ||
      !hap_controller_remove_accessory (controller, hap_controller_connection_get_accessory_id (connection),
                                        &error))
    return hapctl_fail ("unpair", error);
  g_print (_("unpaired from %s\n"), hap_controller_connection_get_accessory_id (connection));
  return 0;
}

static gboolean
parse_hex (const char *hex, guint8 out[32], gsize *len)
{
  gsize n = strlen (hex);

  if (n % 2 != 0 || n / 2 > 32)
    return FALSE;
  for (gsize i = 0; i < n; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]), lo = g_ascii_xdigit_value (hex[i + 1]);

      if (hi < 0 || lo < 0)
        return FALSE;
      out[i / 2] = (guint8) (hi << 4 | lo);
    }
  *len = n / 2;
  return TRUE;
}

static int
cmd_pairings (int argc, char **argv)
{
  static const char text[] = "hapctl pairings ADDRESS [list | add ID LTPK-HEX admin|user | remove ID]";
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  const char *action = argc > 2 ? argv[2] : "list";
  guint8 ltpk[32];
  gsize ltpk_len = 0;

  if (argc < 2 ||
      (g_str_equal (action, "list") && argc > 3) ||
      (g_str_equal (action, "remove") && argc != 4) ||
      (g_str_equal (action, "add") &&
       (argc != 6 || (!g_str_equal (argv[5], "admin") && !g_str_equal (argv[5], "user")) ||
        !parse_hex (argv[4], ltpk, &ltpk_len) || ltpk_len != 32)) ||
      !(g_str_equal (action, "list") || g_str_equal (action, "add") || g_str_equal (action, "remove")))
    return hapctl_usage ("pairings", text);
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL)
    return hapctl_fail ("pairings", error);

  if (g_str_equal (action, "add"))
    {
      if (!hap_controller_connection_add_pairing (connection, argv[3], ltpk, g_str_equal (argv[5], "admin"),
                                                  NULL, &error))
        return hapctl_fail ("pairings", error);
    }
  else if (g_str_equal (action, "remove"))
    {
      if (!hap_controller_connection_remove_pairing (connection, argv[3], NULL, &error))
        return hapctl_fail ("pairings", error);
    }
  else
    {
      g_autoptr(JsonNode) list = hap_controller_connection_list_pairings (connection, NULL, &error);
      JsonArray *array;

      if (list == NULL)
        return hapctl_fail ("pairings", error);
      if (json_output)
        {
          print_json (list);
          return 0;
        }
      array = json_node_get_array (list);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonObject *p = json_array_get_object_element (array, i);
          g_print ("%s %s %s\n", json_object_get_string_member (p, "identifier"),
                   json_object_get_boolean_member (p, "admin") ? _("admin") : _("user"),
                   json_object_get_string_member (p, "public-key"));
        }
    }
  return 0;
}

static int
cmd_identify (int argc, char **argv)
{
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  if (argc != 2)
    return hapctl_usage ("identify", _("hapctl identify ADDRESS"));
  /* §4.8: /identify needs no session and works only while the accessory is unpaired. */
  if ((connection = hapctl_open (argv[1], FALSE, &error)) == NULL ||
      !hap_controller_connection_identify (connection, NULL, &error))
    return hapctl_fail ("identify", error);
  return 0;
}

/* ---- accessories, get, put, watch ---- */

/* "AID.IID" → the two numbers. */
gboolean
hapctl_parse_id (const char *text, gint64 *aid, gint64 *iid)
{
  g_auto(GStrv) parts = g_strsplit (text, ".", -1);
  guint64 a, i;

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT64, &a, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT64, &i, NULL))
    return FALSE;
  *aid = (gint64) a;
  *iid = (gint64) i;
  return TRUE;
}

/* "1.10,1.11" for /characteristics?id= (§4.5). */
static char *
join_ids (int argc, char **argv)
{
  g_autoptr(GString) ids = g_string_new (NULL);

  for (int i = 0; i < argc; i++)
    {
      gint64 aid, iid;

      if (!hapctl_parse_id (argv[i], &aid, &iid))
        return NULL;
      g_string_append_printf (ids, "%s%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, i ? "," : "", aid, iid);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static char *
value_text (JsonObject *characteristic)
{
  JsonNode *value = json_object_get_member (characteristic, "value");

  return value != NULL ? json_to_string (value, FALSE) : g_strdup ("(no value)");
}

/* Prints the per-characteristic statuses of a 207 answer to stderr; TRUE when all 0. */
static gboolean
report_statuses (JsonNode *root)
{
  JsonArray *list;
  gboolean ok = TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (list = json_object_get_array_member (json_node_get_object (root), "characteristics")) == NULL)
    return TRUE;
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *c = json_array_get_object_element (list, i);
      gint64 status = json_object_get_int_member_with_default (c, "status", 0);

      if (status != 0)
        {
          g_printerr ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ": %" G_GINT64_FORMAT " %s\n",
                      json_object_get_int_member (c, "aid"), json_object_get_int_member (c, "iid"),
                      status, hap_status_to_string ((HapStatus) status));
          ok = FALSE;
        }
    }
  return ok;
}

static void
print_accessories (JsonNode *root)
{
  JsonArray *accessories = json_object_get_array_member (json_node_get_object (root), "accessories");

  for (guint a = 0; accessories != NULL && a < json_array_get_length (accessories); a++)
    {
      JsonObject *acc = json_array_get_object_element (accessories, a);
      JsonArray *services = json_object_get_array_member (acc, "services");

      g_print (_("accessory %lld\n"), (long long) json_object_get_int_member (acc, "aid"));
      for (guint s = 0; services != NULL && s < json_array_get_length (services); s++)
        {
          JsonObject *svc = json_array_get_object_element (services, s);
          const char *type = json_object_get_string_member_with_default (svc, "type", "?");
          const HapServiceType *st = hap_catalog_lookup_service (type);
          JsonArray *chars = json_object_get_array_member (svc, "characteristics");

          g_print (_("  %s (iid %lld)\n"), st != NULL ? st->name : type,
                   (long long) json_object_get_int_member (svc, "iid"));
          for (guint c = 0; chars != NULL && c < json_array_get_length (chars); c++)
            {
              JsonObject *ch = json_array_get_object_element (chars, c);
              const char *ctype = json_object_get_string_member_with_default (ch, "type", "?");
              const HapCharacteristicType *ct = hap_catalog_lookup_characteristic (ctype);
              g_autofree char *value = value_text (ch);

              g_print ("    %" G_GINT64_FORMAT " %s = %s\n", json_object_get_int_member (ch, "iid"),
                       ct != NULL ? ct->display_name : ctype, value);
            }
        }
    }
}

static int
cmd_accessories (int argc, char **argv)
{
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (argc != 2)
    return hapctl_usage ("accessories", _("hapctl accessories ADDRESS"));
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL ||
      (root = hapctl_get_json (connection, "/accessories", &error)) == NULL)
    return hapctl_fail ("accessories", error);
  if (json_output)
    print_json (root);
  else if (JSON_NODE_HOLDS_OBJECT (root))
    print_accessories (root);
  return 0;
}

/* The database as the device answered GET /accessories (docs/protocol.md §4.10), as the
 * bare array aiohomekit and Home Assistant record: what hap-simulator loads as a dump. */
static int
cmd_clone (int argc, char **argv)
{
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  JsonNode *accessories;

  if (argc != 3)
    return hapctl_usage ("clone", _("hapctl clone ADDRESS FILE"));
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL ||
      (root = hapctl_get_json (connection, "/accessories", &error)) == NULL)
    return hapctl_fail ("clone", error);
  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (accessories = json_object_get_member (json_node_get_object (root), "accessories")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (accessories))
    {
      g_printerr (_("hapctl clone: the accessory answered no “accessories” array\n"));
      return HAPCTL_EXIT_FAILURE;
    }

  text = json_to_string (accessories, TRUE);
  /* Written whole or not at all: g_file_set_contents() renames a complete file. */
  if (!g_file_set_contents (argv[2], text, -1, &error))
    return hapctl_fail ("clone", error);
  if (json_output)
    print_json (accessories);
  return 0;
}

static int
cmd_get (int argc, char **argv)
{
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *ids = argc > 2 ? join_ids (argc - 2, argv + 2) : NULL;
  g_autofree char *target = NULL;
  JsonArray *list;
  gboolean ok;

  if (ids == NULL)
    return hapctl_usage ("get", _("hapctl get ADDRESS AID.IID…"));
  target = g_strconcat ("/characteristics?id=", ids, NULL);
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL ||
      (root = hapctl_get_json (connection, target, &error)) == NULL)
    return hapctl_fail ("get", error);
  ok = report_statuses (root);
  if (json_output)
    print_json (root);
  else if ((list = json_object_get_array_member (json_node_get_object (root), "characteristics")) != NULL)
    for (guint i = 0; i < json_array_get_length (list); i++)
      {
        JsonObject *c = json_array_get_object_element (list, i);
        g_autofree char *value = NULL;

        if (json_object_get_int_member_with_default (c, "status", 0) != 0)
          continue;
        value = value_text (c);
        g_print ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT " = %s\n", json_object_get_int_member (c, "aid"),
                 json_object_get_int_member (c, "iid"), value);
      }
  return ok ? 0 : HAPCTL_EXIT_FAILURE;
}

/* VALUE parsed as JSON, else taken as a string. */
static JsonNode *
parse_value (const char *text)
{
  JsonNode *node = hap_json_parse (text, -1, NULL);

  if (node != NULL)
    return node;
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, text);
  return node;
}

/* {"characteristics":[{aid, iid, <member>: value}…]} for PUT /characteristics (§4.6). */
static JsonNode *
write_request (int argc, char **argv, const char *member)
{
  g_autoptr(JsonArray) list = json_array_new ();
  g_autoptr(JsonObject) body = json_object_new ();
  JsonNode *root;

  for (int i = 0; i < argc; i++)
    {
      g_autofree char *id = g_strdup (argv[i]);
      char *eq = member == NULL ? strchr (id, '=') : NULL;
      JsonObject *c;
      gint64 aid, iid;

      if (eq != NULL)
        *eq = '\0';
      if ((member == NULL && eq == NULL) || !hapctl_parse_id (id, &aid, &iid))
        return NULL;
      c = json_object_new ();
      json_object_set_int_member (c, "aid", aid);
      json_object_set_int_member (c, "iid", iid);
      if (member != NULL)
        json_object_set_boolean_member (c, member, TRUE);
      else
        json_object_set_member (c, "value", parse_value (eq + 1));
      json_array_add_object_element (list, c);
    }
  json_object_set_array_member (body, "characteristics", json_array_ref (list));
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, body);
  return root;
}

static int
cmd_put (int argc, char **argv)
{
  gboolean timed = FALSE;
  int ttl = 5000;
  GOptionEntry entries[] = {
    { "timed", 0, 0, G_OPTION_ARG_NONE, &timed,
      N_("Use a timed write (PUT /prepare first), as characteristics with the tw permission need"), NULL },
    { "ttl", 0, 0, G_OPTION_ARG_INT, &ttl, N_("Timed write lifetime in milliseconds (default 5000)"), "MS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ADDRESS AID.IID=VALUE… - write values"));
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) response = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || ttl <= 0 || argc < 3 ||
      (request = write_request (argc - 2, argv + 2, NULL)) == NULL)
    return hapctl_usage ("put", _("hapctl put [--timed [--ttl MS]] ADDRESS AID.IID=VALUE…"));
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL)
    return hapctl_fail ("put", error);
  if (timed)
    response = hap_controller_connection_timed_write (connection, request, (guint) ttl, NULL, NULL, &error);
  else
    response = hapctl_put_json (connection, "/characteristics", request, &error);
  if (response == NULL)
    return hapctl_fail ("put", error);
  return report_statuses (response) ? 0 : HAPCTL_EXIT_FAILURE;
}

static void
print_event (JsonObject *c)
{
  g_autofree char *value = value_text (c);

  if (json_output)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (node, c);
      text = json_to_string (node, FALSE);
      g_print ("%s\n", text);
    }
  else
    g_print ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT " = %s\n", json_object_get_int_member (c, "aid"),
             json_object_get_int_member (c, "iid"), value);
}

typedef struct
{
  GMainLoop *loop;
  int        count;
  int        seen;
  GError    *error;
} Watch;

static void
watch_event (HapControllerConnection *connection, guint64 aid, guint64 iid, JsonNode *value, gpointer data)
{
  Watch *watch = data;
  g_autoptr(JsonObject) c = json_object_new ();

  json_object_set_int_member (c, "aid", (gint64) aid);
  json_object_set_int_member (c, "iid", (gint64) iid);
  json_object_set_member (c, "value", json_node_copy (value));
  print_event (c);
  if (watch->count > 0 && ++watch->seen >= watch->count)
    g_main_loop_quit (watch->loop);
}

static void
watch_closed (HapControllerConnection *connection, const GError *error, gpointer data)
{
  Watch *watch = data;

  g_clear_error (&watch->error);
  watch->error = g_error_copy (error);
  g_main_loop_quit (watch->loop);
}

static gboolean
watch_interrupted (gpointer data)
{
  Watch *watch = data;

  hapctl_interrupted = 1;
  g_main_loop_quit (watch->loop);
  return G_SOURCE_CONTINUE;
}

/* Subscribes, then prints HapControllerConnection::event until @count events in all
 * (*@seen counts them over reconnections), Ctrl-C or the end of the connection (FALSE
 * with its error, as for a failed subscription). The same over IP and BLE. */
static gboolean
watch_events (HapControllerConnection *connection, int n_ids, char **ids, int count, int *seen, gboolean announce,
              GError **error)
{
  Watch watch = { g_main_loop_new (NULL, FALSE), count, *seen, NULL };
  g_autoptr(GPtrArray) list = g_ptr_array_new ();
  gboolean ok;
  guint sigint;

  for (int i = 0; i < n_ids; i++)
    g_ptr_array_add (list, ids[i]);
  g_ptr_array_add (list, NULL);
  g_signal_connect (connection, "event", G_CALLBACK (watch_event), &watch);
  g_signal_connect (connection, "closed", G_CALLBACK (watch_closed), &watch);
  ok = hapctl_subscribe (connection, (const char * const *) list->pdata, error);
  if (ok)
    {
      if (announce)
        /* i18n-ignore: a token: scripts wait for this line before they make changes */
        g_print ("watching\n");
      sigint = g_unix_signal_add (SIGINT, watch_interrupted, &watch);
      /* Events that came with the subscription's answer were emitted already. */
      if (count == 0 || watch.seen < count)
        g_main_loop_run (watch.loop);
      g_source_remove (sigint);
      if (watch.error != NULL && !hapctl_interrupted && (count == 0 || watch.seen < count))
        {
          g_propagate_error (error, g_steal_pointer (&watch.error));
          ok = FALSE;
        }
    }
  *seen = watch.seen;
  g_signal_handlers_disconnect_by_data (connection, &watch);
  g_clear_error (&watch.error);
  g_main_loop_unref (watch.loop);
  return ok;
}

static int
cmd_watch (int argc, char **argv)
{
  int count = 0;
  gboolean disconnected = FALSE;
  GOptionEntry entries[] = {
    { "count", 0, 0, G_OPTION_ARG_INT, &count, N_("Exit after N events"), "N" },
    { "disconnected", 0, 0, G_OPTION_ARG_NONE, &disconnected,
      N_("BLE: no connection; GSN changes and broadcast notifications from the advertisements"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ADDRESS AID.IID… - print events"));
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) request = NULL;
  int seen = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || count < 0 || argc < 3 ||
      (request = write_request (argc - 2, argv + 2, "ev")) == NULL)
    return hapctl_usage ("watch", _("hapctl watch [--disconnected] [--count N] ADDRESS AID.IID…"));
  if (disconnected)
    return hapctl_watch_disconnected (argv[1], argc - 2, argv + 2, count, json_output);
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL)
    return hapctl_fail ("watch", error);
  for (gboolean first = TRUE;; first = FALSE)
    {
      if (watch_events (connection, argc - 2, argv + 2, count, &seen, first, &error))
        return 0;
      /* docs/protocol.md §5.8: a BLE accessory ends a secure session after 30 s without a
       * procedure, and the link with it; a watch connects again (resuming) and goes on. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          !hap_controller_connection_is_ble (connection))
        return hapctl_fail ("watch", error);
      g_clear_error (&error);
      g_printerr (_("hapctl watch: the accessory closed the link; connecting again\n"));
      g_clear_object (&connection);
      if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL)
        return hapctl_fail ("watch", error);
    }
}

static int
cmd_verify (int argc, char **argv)
{
  gboolean full = FALSE;
  GOptionEntry entries[] = {
    { "full", 0, 0, G_OPTION_ARG_NONE, &full, N_("A full Pair Verify, no Pair Resume"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ADDRESS - secure a session"));
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  gboolean resumed = FALSE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    return hapctl_usage ("verify", _("hapctl verify [--full] ADDRESS"));
  if ((connection = hapctl_open (argv[1], FALSE, &error)) == NULL ||
      !(full || !hap_controller_connection_is_ble (connection)
          ? hapctl_pair_verify (connection, &error)
          : hapctl_pair_resume (connection, &resumed, &error)))
    return hapctl_fail ("verify", error);
  if (json_output)
    g_print ("{\"accessory\":\"%s\",\"resumed\":%s}\n", hap_controller_connection_get_accessory_id (connection),
             resumed ? "true" : "false");
  else
    /* i18n-ignore: one token (how the session was secured) and the id, for scripts */
    g_print ("%s %s\n", resumed ? "resumed" : "verified", hap_controller_connection_get_accessory_id (connection));
  return 0;
}

static int
cmd_broadcast (int argc, char **argv)
{
  return hapctl_broadcast (argc, argv, json_output);
}

/* ---- main ---- */

typedef struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
} Command;

static int
run_discover (int argc, char **argv)
{
  return hapctl_discover (argc, argv, json_output);
}

static int
run_bench (int argc, char **argv)
{
  return hapctl_bench (argc, argv, json_output);
}

static const Command commands[] = {
  { "discover", run_discover },
  { "pair", cmd_pair },
  { "unpair", cmd_unpair },
  { "pairings", cmd_pairings },
  { "accessories", cmd_accessories },
  { "clone", cmd_clone },
  { "get", cmd_get },
  { "put", cmd_put },
  { "watch", cmd_watch },
  { "verify", cmd_verify },
  { "broadcast", cmd_broadcast },
  { "identify", cmd_identify },
  { "bench", run_bench },
};

int
main (int argc, char **argv)
{
  GOptionEntry entries[] = {
    { "controller", 0, 0, G_OPTION_ARG_FILENAME, &controller_path,
      N_("Controller file (default $XDG_CONFIG_HOME/hapctl/controller)"), "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json_output, N_("Print JSON"), NULL },
    { "adapter", 0, 0, G_OPTION_ARG_STRING, &hapctl_adapter,
      N_("Bluetooth adapter for ble: addresses and discover --ble (default: BlueZ's first)"), "hciN" },
    /* A BLE accessory may advertise seconds apart (battery devices, or one that just
     * changed its advertisement), so finding it can take longer than an answer does. */
    { "timeout", 0, 0, G_OPTION_ARG_INT, &hapctl_timeout_s,
      N_("Seconds to find and connect to an accessory and for each answer (default 10)"), "S" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  hap_i18n_init ();
  context = g_option_context_new (_("COMMAND … - control HomeKit accessories"));
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, _(commands_help));
  /* Options after COMMAND belong to it. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hapctl: %s\n", error->message);
      return HAPCTL_EXIT_USAGE;
    }
  if (hapctl_timeout_s < 1 || hapctl_timeout_s > 3600)
    {
      g_printerr (_("hapctl: --timeout takes 1 to 3600 seconds\n"));
      return HAPCTL_EXIT_USAGE;
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return HAPCTL_EXIT_USAGE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        gboolean wants_help = FALSE;

        /* --help on every command (discover, watch and bench parse their own options). */
        for (int a = 2; a < argc; a++)
          wants_help |= g_str_equal (argv[a], "--help") || g_str_equal (argv[a], "-h");
        if (wants_help && commands[i].run != run_discover && commands[i].run != cmd_watch &&
            commands[i].run != run_bench && commands[i].run != cmd_verify && commands[i].run != cmd_broadcast)
          {
            g_print ("%s\n", _(commands_help));
            return 0;
          }
        status = commands[i].run (argc - 1, argv + 1);
        break;
      }
  if (status < 0)
    {
      g_printerr (_("hapctl: unknown command “%s” (see hapctl --help)\n"), argv[1]);
      status = HAPCTL_EXIT_USAGE;
    }
  g_free (controller_path);
  g_free (hapctl_adapter);
  return status;
}
