/* hapctl-ble.c — the HAP-BLE-only parts of hapctl: `discover --ble`, `watch
 * --disconnected` and `broadcast` (docs/protocol.md §5.9–§5.11)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hapctl.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

/* How long `watch --disconnected` waits for the accessory's first advertisement. */
#define FIRST_ADVERTISEMENT_MS 15000

static void
print_node (JsonNode *node, gboolean pretty)
{
  g_autofree char *text = json_to_string (node, pretty);

  g_print ("%s\n", text);
}

/* ---- discover --ble ---- */

static int
compare_records (gconstpointer a, gconstpointer b)
{
  JsonObject *x = json_node_get_object (*(JsonNode * const *) a);
  JsonObject *y = json_node_get_object (*(JsonNode * const *) b);
  int c = g_strcmp0 (json_object_get_string_member_with_default (x, "name", NULL),
                     json_object_get_string_member_with_default (y, "name", NULL));

  return c != 0 ? c : g_strcmp0 (json_object_get_string_member (x, "address"),
                                 json_object_get_string_member (y, "address"));
}

static void
print_records (GPtrArray *records, gboolean json)
{
  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < records->len; i++)
        json_array_add_element (array, json_node_ref (g_ptr_array_index (records, i)));
      json_node_set_array (root, array);
      print_node (root, TRUE);
      return;
    }
  for (guint i = 0; i < records->len; i++)
    {
      JsonObject *r = json_node_get_object (g_ptr_array_index (records, i));
      JsonNode *rssi = json_object_get_member (r, "rssi");
      g_autofree char *rssi_text = JSON_NODE_HOLDS_NULL (rssi) ? g_strdup ("?")
                                 : g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (rssi));

      const char *name = json_object_get_string_member_with_default (r, "name", NULL);
      const char *category = json_object_get_string_member_with_default (r, "category", NULL);

      g_print (_("%s\n  address: %s (%s)  rssi: %s\n"), name != NULL ? name : _("(no name)"),
               json_object_get_string_member (r, "address"), json_object_get_string_member (r, "adapter"),
               rssi_text);
      /* long long: xgettext cannot see through G_GINT64_FORMAT in a translatable format */
      g_print (_("  id: %s  category: %lld (%s)  gsn: %lld  c#: %lld  %s\n"), json_object_get_string_member (r, "device_id"),
               (long long) json_object_get_int_member (r, "category_id"),
               category != NULL ? category : _("unknown"),
               (long long) json_object_get_int_member (r, "gsn"),
               (long long) json_object_get_int_member (r, "configuration_number"),
               json_object_get_boolean_member (r, "paired") ? _("paired") : _("not paired"));
    }
}

int
hapctl_discover_ble (int timeout_s, gboolean json)
{
  g_autoptr(HapBleBrowser) browser = hap_ble_browser_new (NULL, hapctl_adapter);
  g_autoptr(GHashTable) by_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                            (GDestroyNotify) json_node_unref);
  g_autoptr(GPtrArray) records = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer value;

  if (!hap_ble_browser_start (browser, NULL, &error))
    return hapctl_fail ("discover", error);
  for (gint64 left; (left = deadline - g_get_monotonic_time ()) > 0;)
    {
      g_autoptr(JsonNode) record = hap_ble_browser_next (browser, (guint) MAX (left / 1000, 1), NULL, &error);
      JsonObject *object;

      if (error != NULL)
        return hapctl_fail ("discover", error);
      if (record == NULL)
        break;
      object = json_node_get_object (record);
      /* The latest advertisement of each accessory (encrypted notifications carry no
       * name or state). */
      if (!g_str_equal (json_object_get_string_member (object, "type"), "advertisement"))
        continue;
      json_object_remove_member (object, "type");
      g_hash_table_replace (by_address, g_strdup (json_object_get_string_member (object, "address")),
                            g_steal_pointer (&record));
    }
  hap_ble_browser_stop (browser);
  g_hash_table_iter_init (&iter, by_address);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (records, value);
  g_ptr_array_sort (records, compare_records);
  print_records (records, json);
  return 0;
}

/* ---- watch --disconnected ---- */

/* The formats of the watched characteristics, read with meta=1 (§4.5): broadcast values
 * carry 8 bytes and no format. */
static gboolean
read_formats (HapControllerConnection *connection, GArray *iids, HapBleBrowser *browser, GError **error)
{
  g_autoptr(GString) target = g_string_new ("/characteristics?meta=1&id=");
  g_autoptr(JsonNode) root = NULL;
  JsonArray *list;

  for (guint i = 0; i < iids->len; i++)
    g_string_append_printf (target, "%s1.%" G_GINT64_FORMAT, i > 0 ? "," : "", g_array_index (iids, gint64, i));
  root = hapctl_get_json (connection, target->str, error);
  if (root == NULL)
    return FALSE;
  list = json_object_get_array_member (json_node_get_object (root), "characteristics");
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *c = json_array_get_object_element (list, i);
      HapFormat format;

      if (json_object_get_int_member_with_default (c, "status", 0) != 0 ||
          !hap_format_from_string (json_object_get_string_member_with_default (c, "format", ""), &format))
        {
          g_set_error (error, HAP_STATUS_ERROR, (int) json_object_get_int_member_with_default (c, "status", 0),
                       _("1.%lld: cannot be read"), (long long) json_object_get_int_member (c, "iid"));
          return FALSE;
        }
      hap_ble_browser_set_value_format (browser, hap_controller_connection_get_accessory_id (connection),
                                        (guint64) json_object_get_int_member (c, "iid"), format);
    }
  return TRUE;
}

static gboolean
watched (GArray *iids, gint64 iid)
{
  for (guint i = 0; i < iids->len; i++)
    if (g_array_index (iids, gint64, i) == iid)
      return TRUE;
  return FALSE;
}

/* One record: TRUE when it was an event worth printing (and printed). */
static gboolean
print_change (JsonObject *record, const char *address, const char *device_id, GArray *iids, gint64 *last_gsn,
              gboolean json)
{
  const char *type = json_object_get_string_member (record, "type");

  if (!g_str_equal (json_object_get_string_member (record, "address"), address))
    return FALSE;
  if (g_str_equal (type, "advertisement"))
    {
      gint64 gsn = json_object_get_int_member (record, "gsn");

      /* §5.11: a disconnected event is a GSN step in the regular advertisement. */
      if (gsn == *last_gsn)
        return FALSE;
      *last_gsn = gsn;
      if (json)
        g_print ("{\"gsn\":%" G_GINT64_FORMAT "}\n", gsn);
      else
        g_print ("gsn %" G_GINT64_FORMAT "\n", gsn);  /* i18n-ignore: a line for scripts, as --json's */
      return TRUE;
    }
  if (!json_object_get_boolean_member (record, "decrypted"))
    {
      g_printerr (_("hapctl watch: an encrypted notification that the stored broadcast key does not open\n"));
      return FALSE;
    }
  if (g_strcmp0 (json_object_get_string_member (record, "device_id"), device_id) != 0 ||
      !watched (iids, json_object_get_int_member (record, "iid")))
    return FALSE;
  /* §5.10: each broadcast is a GSN step too; the advertisement after it is not news. */
  *last_gsn = json_object_get_int_member (record, "gsn");
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      JsonNode *value = json_object_get_member (record, "value");

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "aid");
      json_builder_add_int_value (builder, json_object_get_int_member (record, "aid"));
      json_builder_set_member_name (builder, "iid");
      json_builder_add_int_value (builder, json_object_get_int_member (record, "iid"));
      json_builder_set_member_name (builder, "value");
      json_builder_add_value (builder, value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
      json_builder_set_member_name (builder, "gsn");
      json_builder_add_int_value (builder, *last_gsn);
      json_builder_set_member_name (builder, "broadcast");
      json_builder_add_boolean_value (builder, TRUE);
      json_builder_end_object (builder);
      node = json_builder_get_root (builder);
      print_node (node, FALSE);
    }
  else
    {
      JsonNode *value = json_object_get_member (record, "value");
      g_autofree char *text = value != NULL ? json_to_string (value, FALSE)
                                            : g_strdup_printf ("0x%s", json_object_get_string_member (record, "value_hex"));

      /* i18n-ignore: AID.IID = VALUE as `get` prints it, for scripts */
      g_print ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT " = %s (broadcast, gsn %" G_GINT64_FORMAT ")\n",
               json_object_get_int_member (record, "aid"), json_object_get_int_member (record, "iid"), text,
               *last_gsn);
    }
  return TRUE;
}

static void
on_sigint (int signum)
{
  hapctl_interrupted = 1;
}

int
hapctl_watch_disconnected (const char *address, int n_ids, char **ids, int count, gboolean json)
{
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(HapController) controller = NULL;
  g_autoptr(HapBleBrowser) browser = NULL;
  g_autoptr(GArray) iids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_autofree char *bd_address = NULL;
  g_autofree char *device_id = NULL;
  gint64 last_gsn = -1, deadline;
  int seen = 0;

  if (!hapctl_parse_ble_address (address, &bd_address))
    return hapctl_usage ("watch", _("hapctl watch --disconnected [--count N] ble:AA:BB:CC:DD:EE:FF AID.IID…"));
  for (int i = 0; i < n_ids; i++)
    {
      gint64 aid, iid;

      if (!hapctl_parse_id (ids[i], &aid, &iid) || aid != 1)
        return hapctl_usage ("watch", _("hapctl watch --disconnected ble:… 1.IID… (BLE accessories have aid 1)"));
      g_array_append_val (iids, iid);
    }

  /* Connected once: who the accessory is, and the formats of the values. */
  if ((connection = hapctl_open (address, TRUE, &error)) == NULL)
    return hapctl_fail ("watch", error);
  controller = g_object_ref (hap_controller_connection_get_controller (connection));
  device_id = g_strdup (hap_controller_connection_get_accessory_id (connection));
  browser = hap_ble_browser_new (controller, hapctl_adapter);
  if (!read_formats (connection, iids, browser, &error))
    return hapctl_fail ("watch", error);
  g_clear_object (&connection);

  if (!hap_ble_browser_start (browser, NULL, &error))
    return hapctl_fail ("watch", error);
  /* The GSN the accessory advertises now is where changes are counted from. */
  deadline = g_get_monotonic_time () + MAX (FIRST_ADVERTISEMENT_MS, hapctl_timeout_s * 1000) * G_GINT64_CONSTANT (1000);
  while (last_gsn < 0)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      g_autoptr(JsonNode) record = left > 0 ? hap_ble_browser_next (browser, (guint) left, NULL, &error) : NULL;
      JsonObject *object;

      if (record == NULL)
        {
          if (error == NULL)
            g_set_error (&error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, _("%s did not advertise within %d s"), bd_address,
                         MAX (FIRST_ADVERTISEMENT_MS / 1000, hapctl_timeout_s));
          return hapctl_fail ("watch", error);
        }
      object = json_node_get_object (record);
      if (g_str_equal (json_object_get_string_member (object, "type"), "advertisement") &&
          g_str_equal (json_object_get_string_member (object, "address"), bd_address))
        last_gsn = json_object_get_int_member (object, "gsn");
    }
  /* i18n-ignore: a token: scripts wait for this line before they make changes */
  g_print ("watching\n");

  signal (SIGINT, on_sigint);
  while (!hapctl_interrupted && (count == 0 || seen < count))
    {
      g_autoptr(JsonNode) record = hap_ble_browser_next (browser, 200, NULL, &error);

      if (error != NULL)
        return hapctl_fail ("watch", error);
      if (record != NULL && print_change (json_node_get_object (record), bd_address, device_id, iids, &last_gsn, json))
        seen++;
    }
  return 0;
}

/* ---- broadcast ---- */

int
hapctl_broadcast (int argc, char **argv, gboolean json)
{
  static const char text[] = "hapctl broadcast ble:AA:BB:CC:DD:EE:FF AID.IID on|off [--interval 20|1280|2560]";
  int interval = 20;
  GOptionEntry entries[] = {
    { "interval", 0, 0, G_OPTION_ARG_INT, &interval, N_("Broadcast interval in ms: 20 (default), 1280 or 2560"), "MS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("ble:ADDRESS AID.IID on|off - broadcast notifications"));
  g_autoptr(HapControllerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bd_address = NULL;
  gint64 aid, iid;
  gboolean on;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 4 ||
      !hapctl_parse_ble_address (argv[1], &bd_address) || !hapctl_parse_id (argv[2], &aid, &iid) ||
      (!g_str_equal (argv[3], "on") && !g_str_equal (argv[3], "off")) ||
      (interval != 20 && interval != 1280 && interval != 2560))
    return hapctl_usage ("broadcast", text);
  on = g_str_equal (argv[3], "on");
  if ((connection = hapctl_open (argv[1], TRUE, &error)) == NULL ||
      !hap_controller_connection_set_broadcast (connection, (guint64) aid, (guint64) iid, on ? (guint) interval : 0,
                                                NULL, &error))
    return hapctl_fail ("broadcast", error);
  if (json)
    g_print ("{\"aid\":%" G_GINT64_FORMAT ",\"iid\":%" G_GINT64_FORMAT ",\"broadcast\":%s,\"interval_ms\":%d}\n",
             aid, iid, on ? "true" : "false", on ? interval : 0);
  else if (on)
    g_print (_("broadcast on for %lld.%lld (every %d ms)\n"), (long long) aid, (long long) iid, interval);
  else
    g_print (_("broadcast off for %lld.%lld\n"), (long long) aid, (long long) iid);
  return 0;
}
