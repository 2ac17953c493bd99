/* hapctl-discover.c — `hapctl discover`: browse _hap._tcp with Avahi (docs/protocol.md §4.13);
 * `--ble` is in hapctl-ble.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hapctl.h"

#include <stdlib.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-glib/glib-malloc.h>
#include <avahi-glib/glib-watch.h>
#include <glib/gi18n.h>

typedef struct
{
  GMainLoop       *loop;
  AvahiClient     *client;
  GPtrArray       *found;     /* JsonObject*, one per resolved service instance */
  guint            pending;   /* resolvers not finished yet */
  gboolean         all_for_now;
  char            *error;
} Discovery;

static void
add_txt (JsonObject *entry, AvahiStringList *txt)
{
  g_autoptr(JsonObject) record = json_object_new ();

  for (AvahiStringList *l = txt; l != NULL; l = avahi_string_list_get_next (l))
    {
      char *key = NULL, *value = NULL;

      if (avahi_string_list_get_pair (l, &key, &value, NULL) == 0)
        json_object_set_string_member (record, key, value != NULL ? value : "");
      avahi_free (key);
      avahi_free (value);
    }
  json_object_set_object_member (entry, "txt", json_object_ref (record));

  /* §4.13: sf bit 0 = not paired; ci = category. */
  if (json_object_has_member (record, "sf"))
    json_object_set_boolean_member (entry, "paired",
                                    (atoi (json_object_get_string_member (record, "sf")) & 1) == 0);
  if (json_object_has_member (record, "ci"))
    {
      const char *category = hap_catalog_category_name (atoi (json_object_get_string_member (record, "ci")));
      json_object_set_string_member (entry, "category", category != NULL ? category : "unknown");
    }
}

static void
maybe_quit (Discovery *d)
{
  if (d->all_for_now && d->pending == 0)
    g_main_loop_quit (d->loop);
}

static void
on_resolved (AvahiServiceResolver *resolver, AvahiIfIndex iface, AvahiProtocol protocol,
             AvahiResolverEvent event, const char *name, const char *type, const char *domain,
             const char *host, const AvahiAddress *address, uint16_t port, AvahiStringList *txt,
             AvahiLookupResultFlags flags, void *user_data)
{
  Discovery *d = user_data;

  if (event == AVAHI_RESOLVER_FOUND)
    {
      JsonObject *entry = json_object_new ();
      char text[AVAHI_ADDRESS_STR_MAX];

      avahi_address_snprint (text, sizeof text, address);
      json_object_set_string_member (entry, "name", name);
      json_object_set_string_member (entry, "host", host);
      json_object_set_string_member (entry, "address", text);
      json_object_set_int_member (entry, "port", port);
      add_txt (entry, txt);
      g_ptr_array_add (d->found, entry);
    }
  avahi_service_resolver_free (resolver);
  d->pending--;
  maybe_quit (d);
}

static void
on_browse (AvahiServiceBrowser *browser, AvahiIfIndex iface, AvahiProtocol protocol,
           AvahiBrowserEvent event, const char *name, const char *type, const char *domain,
           AvahiLookupResultFlags flags, void *user_data)
{
  Discovery *d = user_data;

  switch (event)
    {
    case AVAHI_BROWSER_NEW:
      if (avahi_service_resolver_new (d->client, iface, protocol, name, type, domain,
                                      AVAHI_PROTO_UNSPEC, 0, on_resolved, d) != NULL)
        d->pending++;
      break;
    case AVAHI_BROWSER_ALL_FOR_NOW:
      d->all_for_now = TRUE;
      maybe_quit (d);
      break;
    case AVAHI_BROWSER_FAILURE:
      d->error = g_strdup (avahi_strerror (avahi_client_errno (d->client)));
      g_main_loop_quit (d->loop);
      break;
    case AVAHI_BROWSER_REMOVE:
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
    default:
      break;
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  Discovery *d = user_data;

  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

static void
print_entries (GPtrArray *found, gboolean json)
{
  if (json)
    {
      g_autoptr(JsonArray) array = json_array_new ();
      g_autoptr(JsonNode) root = json_node_new (JSON_NODE_ARRAY);
      g_autofree char *text = NULL;

      for (guint i = 0; i < found->len; i++)
        json_array_add_object_element (array, json_object_ref (g_ptr_array_index (found, i)));
      json_node_set_array (root, array);
      text = json_to_string (root, TRUE);
      g_print ("%s\n", text);
      return;
    }
  for (guint i = 0; i < found->len; i++)
    {
      JsonObject *entry = g_ptr_array_index (found, i);
      JsonObject *txt = json_object_get_object_member (entry, "txt");

      g_print (_("%s\n  address: %s port %lld\n"), json_object_get_string_member (entry, "name"),
               json_object_get_string_member (entry, "address"), (long long) json_object_get_int_member (entry, "port"));
      g_print (_("  id: %s  c#: %s  md: %s\n"), json_object_get_string_member_with_default (txt, "id", "?"),
               json_object_get_string_member_with_default (txt, "c#", "?"),
               json_object_get_string_member_with_default (txt, "md", "?"));
      g_print (_("  sf: %s (%s)  ci: %s (%s)\n"), json_object_get_string_member_with_default (txt, "sf", "?"),
               json_object_get_boolean_member_with_default (entry, "paired", FALSE) ? _("paired") : _("not paired"),
               json_object_get_string_member_with_default (txt, "ci", "?"),
               json_object_get_string_member_with_default (entry, "category", "unknown"));
    }
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  JsonObject *x = *(JsonObject * const *) a, *y = *(JsonObject * const *) b;
  int c = g_strcmp0 (json_object_get_string_member (x, "name"), json_object_get_string_member (y, "name"));

  return c != 0 ? c : g_strcmp0 (json_object_get_string_member (x, "address"),
                                 json_object_get_string_member (y, "address"));
}

int
hapctl_discover (int argc, char **argv, gboolean json)
{
  int timeout_s = 5;
  gboolean ble = FALSE;
  GOptionEntry entries[] = {
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s, N_("Browse for at most S seconds (default 5)"), "S" },
    { "ble", 0, 0, G_OPTION_ARG_NONE, &ble,
      N_("Scan for HAP over Bluetooth LE advertisements instead (adapter: hapctl --adapter)"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new (_("- list HAP accessories on the local network"));
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  AvahiGLibPoll *poll;
  AvahiServiceBrowser *browser = NULL;
  Discovery d = { loop, NULL, found, 0, FALSE, NULL };
  int avahi_error = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, _("Browses _hap._tcp and prints each accessory's address and "
                                "decoded TXT record (id, c#, sf, ci, md). With --ble, scans for HAP-BLE "
                                "advertisements and prints name, address, device id, category, GSN, c# "
                                "and whether the accessory is paired."));
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 1 || timeout_s <= 0)
    {
      g_printerr ("hapctl discover: %s\n", error ? error->message : _("usage: hapctl discover [--ble] [--timeout S]"));
      return HAPCTL_EXIT_USAGE;
    }
  if (ble)
    return hapctl_discover_ble (timeout_s, json);

  avahi_set_allocator (avahi_glib_allocator ());
  poll = avahi_glib_poll_new (NULL, G_PRIORITY_DEFAULT);
  d.client = avahi_client_new (avahi_glib_poll_get (poll), 0, NULL, NULL, &avahi_error);
  if (d.client != NULL)
    browser = avahi_service_browser_new (d.client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, "_hap._tcp",
                                         NULL, 0, on_browse, &d);
  if (browser == NULL)
    {
      g_printerr (_("hapctl discover: avahi: %s\n"),
                  avahi_strerror (d.client != NULL ? avahi_client_errno (d.client) : avahi_error));
      if (d.client != NULL)
        avahi_client_free (d.client);
      avahi_glib_poll_free (poll);
      return HAPCTL_EXIT_FAILURE;
    }
  g_timeout_add_seconds ((guint) timeout_s, on_timeout, &d);
  g_main_loop_run (loop);
  g_source_remove_by_user_data (&d);
  avahi_service_browser_free (browser);
  avahi_client_free (d.client);
  avahi_glib_poll_free (poll);

  if (d.error != NULL)
    {
      g_printerr (_("hapctl discover: avahi: %s\n"), d.error);
      g_free (d.error);
      return HAPCTL_EXIT_FAILURE;
    }
  g_ptr_array_sort (found, compare_names);
  print_entries (found, json);
  return 0;
}
