/* hap-advertiser.c — _hap._tcp records through avahi-client on the GLib main loop
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-advertiser-private.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-glib/glib-malloc.h>
#include <avahi-glib/glib-watch.h>

/* avahi-daemon counts every entry group as an object of the client that made it, and its
 * default objects-per-client-max is 1,024: past that, avahi_entry_group_new() fails with
 * "Too many objects" and the accessory is not discoverable. Each Avahi client (its own
 * D-Bus connection) therefore carries at most this many records, and the advertiser opens
 * as many clients as its records need (clients-max is 4,096 by default). */
#define RECORDS_PER_CLIENT 1000

/* avahi_client_new() takes avahi-daemon for absent when it does not answer a ping within
 * libavahi-client's 25 s D-Bus timeout, and then (AVAHI_CLIENT_NO_FAIL) waits for the
 * daemon's bus name to appear. A daemon that is running but too busy to answer in time
 * (probing thousands of records) never appears again, so that client would wait for ever
 * and its records would never be registered (seen with 10,000 accessories: 6,000 lost).
 * A client still connecting after this long is therefore made anew; while the daemon is
 * really absent that costs one ping every period. */
#define CONNECTING_RETRY_SECONDS 10

typedef struct
{
  HapAdvertiser   *advertiser;
  AvahiClient     *client;
  guint            n_ads;          /* records assigned to this client */
  guint            connecting_source;
} AdvertiserClient;

struct _HapAdvertiser
{
  GObject          parent_instance;
  AvahiGLibPoll   *poll;
  GMainContext    *context;
  GPtrArray       *clients;        /* AdvertiserClient, owned */
  GPtrArray       *ads;            /* HapAdvertisement, not owned */
  gboolean         warned;
  guint            retry_source;
};

struct _HapAdvertisement
{
  HapAdvertiser        *advertiser;
  AdvertiserClient     *owner;
  AvahiEntryGroup      *group;
  char                 *name;
  guint16               port;
  AvahiIfIndex          interface;
  AvahiProtocol         protocol;
  AvahiStringList      *txt;
  gboolean              established;
  HapAdvertisementFunc  callback;
  gpointer              user_data;
  guint                 absent_source;
};

G_DEFINE_FINAL_TYPE (HapAdvertiser, hap_advertiser, G_TYPE_OBJECT)

static void start_clients (HapAdvertiser *self);
static void register_ad (HapAdvertisement *adv);
static gboolean restart_clients (gpointer user_data);

/* One clear warning per outage, not one per accessory or retry. */
static void
warn_absent (HapAdvertiser *self, const char *why)
{
  if (self->warned)
    return;
  g_warning ("mDNS advertising unavailable (%s): accessories are reachable by address "
             "only, and will be advertised when avahi-daemon starts", why);
  self->warned = TRUE;
}

static void
notify (HapAdvertisement *adv, const char *name)
{
  if (adv->callback != NULL)
    adv->callback (adv, name, adv->user_data);
}

static void
on_group_state (AvahiEntryGroup *group, AvahiEntryGroupState state, void *user_data)
{
  HapAdvertisement *adv = user_data;

  switch (state)
    {
    case AVAHI_ENTRY_GROUP_ESTABLISHED:
      adv->established = TRUE;
      g_debug ("advertised “%s” on port %u", adv->name, adv->port);
      notify (adv, adv->name);
      break;

    case AVAHI_ENTRY_GROUP_COLLISION:
      {
        /* Another service has this name: take Avahi's alternative ("Lamp #2"). */
        char *alt = avahi_alternative_service_name (adv->name);
        g_message ("service name “%s” is taken; advertising as “%s”", adv->name, alt);
        g_free (adv->name);
        adv->name = g_strdup (alt);
        avahi_free (alt);
        avahi_entry_group_reset (group);
        adv->established = FALSE;
        register_ad (adv);
      }
      break;

    case AVAHI_ENTRY_GROUP_FAILURE:
      g_warning ("advertising “%s” failed: %s", adv->name,
                 avahi_strerror (avahi_client_errno (avahi_entry_group_get_client (group))));
      break;

    case AVAHI_ENTRY_GROUP_UNCOMMITED:
    case AVAHI_ENTRY_GROUP_REGISTERING:
    default:
      break;
    }
}

static gboolean
notify_absent (gpointer user_data)
{
  HapAdvertisement *adv = user_data;

  adv->absent_source = 0;
  notify (adv, NULL);
  return G_SOURCE_REMOVE;
}

static void
register_ad (HapAdvertisement *adv)
{
  HapAdvertiser *self = adv->advertiser;
  AvahiClient *client = adv->owner->client;
  int err;

  if (client == NULL || avahi_client_get_state (client) == AVAHI_CLIENT_CONNECTING)
    {
      /* No daemon yet: say so (from the main loop, after the caller has finished
       * setting up); the record is registered when the daemon appears. */
      if (adv->absent_source == 0)
        {
          GSource *idle = g_idle_source_new ();
          g_source_set_callback (idle, notify_absent, adv, NULL);
          adv->absent_source = g_source_attach (idle, self->context);
          g_source_unref (idle);
        }
      return;
    }
  if (avahi_client_get_state (client) != AVAHI_CLIENT_S_RUNNING)
    return;
  if (adv->group == NULL)
    adv->group = avahi_entry_group_new (client, on_group_state, adv);
  if (adv->group == NULL)
    {
      g_warning ("“%s” is not discoverable: avahi-daemon refused its record (%s)", adv->name,
                 avahi_strerror (avahi_client_errno (client)));
      return;
    }
  err = avahi_entry_group_add_service_strlst (adv->group, adv->interface, adv->protocol, 0,
                                              adv->name, "_hap._tcp", NULL, NULL, adv->port, adv->txt);
  if (err == AVAHI_ERR_COLLISION)
    {
      on_group_state (adv->group, AVAHI_ENTRY_GROUP_COLLISION, adv);
      return;
    }
  if (err >= 0)
    err = avahi_entry_group_commit (adv->group);
  if (err < 0)
    g_warning ("advertising “%s” failed: %s", adv->name, avahi_strerror (err));
}

static gboolean
restart_clients (gpointer user_data)
{
  start_clients (user_data);
  return G_SOURCE_REMOVE;
}

static void
cancel_connecting_retry (AdvertiserClient *owner)
{
  if (owner->connecting_source == 0)
    return;
  g_source_destroy (g_main_context_find_source_by_id (owner->advertiser->context,
                                                      owner->connecting_source));
  owner->connecting_source = 0;
}

/* Frees @owner's client; its groups go with it, and its records are registered again
 * by the next client (start_clients()). */
static void
drop_client (AdvertiserClient *owner, AvahiClient *client)
{
  HapAdvertiser *self = owner->advertiser;

  cancel_connecting_retry (owner);
  for (guint i = 0; i < self->ads->len; i++)
    {
      HapAdvertisement *adv = g_ptr_array_index (self->ads, i);
      if (adv->owner != owner)
        continue;
      adv->group = NULL;
      adv->established = FALSE;
    }
  if (owner->client == client)
    owner->client = NULL;
  avahi_client_free (client);
}

static gboolean
retry_connecting (gpointer user_data)
{
  AdvertiserClient *owner = user_data;

  owner->connecting_source = 0;
  if (owner->client != NULL && avahi_client_get_state (owner->client) == AVAHI_CLIENT_CONNECTING)
    {
      g_debug ("Avahi client still connecting after %u s: connecting again", CONNECTING_RETRY_SECONDS);
      drop_client (owner, owner->client);
      start_clients (owner->advertiser);
    }
  return G_SOURCE_REMOVE;
}

static void
on_client_state (AvahiClient *client, AvahiClientState state, void *user_data)
{
  AdvertiserClient *owner = user_data;
  HapAdvertiser *self = owner->advertiser;

  switch (state)
    {
    case AVAHI_CLIENT_S_RUNNING:
      /* Also reached from inside avahi_client_new(), before it returns the client. */
      owner->client = client;
      cancel_connecting_retry (owner);
      self->warned = FALSE;
      for (guint i = 0; i < self->ads->len; i++)
        {
          HapAdvertisement *adv = g_ptr_array_index (self->ads, i);
          if (adv->owner == owner)
            register_ad (adv);
        }
      break;

    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      /* The host name is being (re)negotiated: records come back at RUNNING. */
      for (guint i = 0; i < self->ads->len; i++)
        {
          HapAdvertisement *adv = g_ptr_array_index (self->ads, i);
          if (adv->owner != owner)
            continue;
          if (adv->group != NULL)
            avahi_entry_group_reset (adv->group);
          adv->established = FALSE;
        }
      break;

    case AVAHI_CLIENT_CONNECTING:
      warn_absent (self, "avahi-daemon is not running");
      owner->client = client;
      if (owner->connecting_source == 0)
        {
          GSource *timer = g_timeout_source_new_seconds (CONNECTING_RETRY_SECONDS);
          g_source_set_callback (timer, retry_connecting, owner, NULL);
          owner->connecting_source = g_source_attach (timer, self->context);
          g_source_unref (timer);
        }
      for (guint i = 0; i < self->ads->len; i++)
        {
          HapAdvertisement *adv = g_ptr_array_index (self->ads, i);
          if (adv->owner == owner)
            register_ad (adv);
        }
      break;

    case AVAHI_CLIENT_FAILURE:
      if (avahi_client_errno (client) == AVAHI_ERR_DISCONNECTED)
        {
          /* The daemon went away: start over and wait for it (AVAHI_CLIENT_NO_FAIL). */
          drop_client (owner, client);
          {
            GSource *idle = g_idle_source_new ();
            g_source_set_callback (idle, restart_clients, g_object_ref (self), g_object_unref);
            g_source_attach (idle, self->context);
            g_source_unref (idle);
          }
        }
      else
        g_warning ("Avahi client failed: %s", avahi_strerror (avahi_client_errno (client)));
      break;

    default:
      break;
    }
}

static gboolean
retry_clients (gpointer user_data)
{
  HapAdvertiser *self = user_data;

  self->retry_source = 0;
  start_clients (self);
  return G_SOURCE_REMOVE;
}

/* libdbus prints to stderr on every failed connection: look for the bus first. */
static gboolean
system_bus_may_exist (void)
{
  return g_getenv ("DBUS_SYSTEM_BUS_ADDRESS") != NULL ||
         g_file_test ("/run/dbus/system_bus_socket", G_FILE_TEST_EXISTS) ||
         g_file_test ("/var/run/dbus/system_bus_socket", G_FILE_TEST_EXISTS);
}

/* Connects @owner to avahi-daemon; FALSE (with *err) when there is no bus to reach it. */
static gboolean
start_client (AdvertiserClient *owner, int *err)
{
  AvahiClient *client;

  *err = AVAHI_ERR_NO_DAEMON;
  if (!system_bus_may_exist ())
    return FALSE;
  client = avahi_client_new (avahi_glib_poll_get (owner->advertiser->poll), AVAHI_CLIENT_NO_FAIL,
                             on_client_state, owner, err);
  if (client == NULL)
    return FALSE;
  owner->client = client;
  return TRUE;
}

/* Connects every client that is not connected yet. */
static void
start_clients (HapAdvertiser *self)
{
  int err = 0;
  gboolean failed = FALSE;

  for (guint i = 0; i < self->clients->len; i++)
    {
      AdvertiserClient *owner = g_ptr_array_index (self->clients, i);

      if (owner->client == NULL && !start_client (owner, &err))
        failed = TRUE;
    }
  if (!failed)
    return;

  /* NO_FAIL waits for avahi-daemon, but not for a missing system bus: poll for it. */
  warn_absent (self, err == AVAHI_ERR_NO_DAEMON ? "no D-Bus system bus" : avahi_strerror (err));
  for (guint i = 0; i < self->ads->len; i++)
    register_ad (g_ptr_array_index (self->ads, i));
  if (self->retry_source == 0)
    {
      GSource *timer = g_timeout_source_new_seconds (2);
      g_source_set_callback (timer, retry_clients, self, NULL);
      self->retry_source = g_source_attach (timer, self->context);
      g_source_unref (timer);
    }
}

static AdvertiserClient *
add_client (HapAdvertiser *self)
{
  AdvertiserClient *owner = g_new0 (AdvertiserClient, 1);

  owner->advertiser = self;
  g_ptr_array_add (self->clients, owner);
  return owner;
}

static void
advertiser_client_free (AdvertiserClient *owner)
{
  cancel_connecting_retry (owner);
  g_clear_pointer (&owner->client, avahi_client_free);
  g_free (owner);
}

/* The first client with room for one more record, a new one when all are full. */
static AdvertiserClient *
client_with_room (HapAdvertiser *self)
{
  AdvertiserClient *owner;

  for (guint i = 0; i < self->clients->len; i++)
    {
      owner = g_ptr_array_index (self->clients, i);
      if (owner->n_ads < RECORDS_PER_CLIENT)
        return owner;
    }
  owner = add_client (self);
  g_debug ("opening Avahi client %u for records past %u", self->clients->len,
           (self->clients->len - 1) * RECORDS_PER_CLIENT);
  start_clients (self);
  return owner;
}

static void
hap_advertiser_finalize (GObject *object)
{
  HapAdvertiser *self = (HapAdvertiser *)object;

  g_assert (self->ads->len == 0);
  if (self->retry_source != 0)
    g_source_destroy (g_main_context_find_source_by_id (self->context, self->retry_source));
  g_clear_pointer (&self->clients, g_ptr_array_unref);
  g_clear_pointer (&self->poll, avahi_glib_poll_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_ptr_array_unref (self->ads);
  G_OBJECT_CLASS (hap_advertiser_parent_class)->finalize (object);
}

static void
hap_advertiser_class_init (HapAdvertiserClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hap_advertiser_finalize;
}

static void
hap_advertiser_init (HapAdvertiser *self)
{
  static gsize allocator_set = 0;

  /* Avahi's allocator is process-wide; set it to GLib's once. */
  if (g_once_init_enter (&allocator_set))
    {
      avahi_set_allocator (avahi_glib_allocator ());
      g_once_init_leave (&allocator_set, 1);
    }
  self->ads = g_ptr_array_new ();
  self->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) advertiser_client_free);
  self->context = g_main_context_ref_thread_default ();
  self->poll = avahi_glib_poll_new (self->context, G_PRIORITY_DEFAULT);
  add_client (self);
  start_clients (self);
}

HapAdvertiser *
hap_advertiser_new (void)
{
  return g_object_new (HAP_TYPE_ADVERTISER, NULL);
}

gboolean
hap_advertiser_is_running (HapAdvertiser *self)
{
  AdvertiserClient *first;

  g_return_val_if_fail (HAP_IS_ADVERTISER (self), FALSE);
  first = g_ptr_array_index (self->clients, 0);
  return first->client != NULL && avahi_client_get_state (first->client) == AVAHI_CLIENT_S_RUNNING;
}

/* Maps a bind address to the interface that carries it, so the record is announced
 * only where the accessory listens. */
static void
interface_for_address (const char *bind_address, AvahiIfIndex *interface, AvahiProtocol *protocol)
{
  struct ifaddrs *list = NULL;
  guint8 want[16];
  int family;

  *interface = AVAHI_IF_UNSPEC;
  *protocol = AVAHI_PROTO_UNSPEC;
  if (bind_address == NULL)
    return;
  if (inet_pton (AF_INET, bind_address, want) == 1)
    family = AF_INET;
  else if (inet_pton (AF_INET6, bind_address, want) == 1)
    family = AF_INET6;
  else
    return;
  *protocol = family == AF_INET ? AVAHI_PROTO_INET : AVAHI_PROTO_INET6;
  if ((family == AF_INET && memcmp (want, "\0\0\0\0", 4) == 0) ||
      (family == AF_INET6 && memcmp (want, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0))
    return;   /* any address of that family */
  if (getifaddrs (&list) != 0)
    return;
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      const void *have;

      if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != family)
        continue;
      have = family == AF_INET ? (const void *) &((struct sockaddr_in *) ifa->ifa_addr)->sin_addr
                               : (const void *) &((struct sockaddr_in6 *) ifa->ifa_addr)->sin6_addr;
      if (memcmp (have, want, family == AF_INET ? 4 : 16) == 0)
        {
          *interface = (AvahiIfIndex) if_nametoindex (ifa->ifa_name);
          break;
        }
    }
  freeifaddrs (list);
}

static AvahiStringList *
txt_list (const char * const *txt)
{
  AvahiStringList *list = NULL;

  for (guint i = 0; txt != NULL && txt[i] != NULL; i++)
    list = avahi_string_list_add (list, txt[i]);
  return avahi_string_list_reverse (list);
}

HapAdvertisement *
_hap_advertiser_add (HapAdvertiser        *self,
                     const char           *name,
                     guint16               port,
                     const char           *bind_address,
                     const char * const   *txt,
                     HapAdvertisementFunc  callback,
                     gpointer              user_data)
{
  HapAdvertisement *adv = g_new0 (HapAdvertisement, 1);

  adv->advertiser = g_object_ref (self);
  adv->name = g_strdup (name);
  adv->port = port;
  adv->txt = txt_list (txt);
  adv->callback = callback;
  adv->user_data = user_data;
  interface_for_address (bind_address, &adv->interface, &adv->protocol);
  adv->owner = client_with_room (self);
  adv->owner->n_ads++;
  g_ptr_array_add (self->ads, adv);
  register_ad (adv);
  return adv;
}

void
_hap_advertisement_set_txt (HapAdvertisement *adv, const char * const *txt)
{
  int err;

  avahi_string_list_free (adv->txt);
  adv->txt = txt_list (txt);
  if (adv->group == NULL || avahi_entry_group_is_empty (adv->group))
    return;
  /* HAP §6.4: TXT changes (sf, c#) are re-announced in place. */
  err = avahi_entry_group_update_service_txt_strlst (adv->group, adv->interface, adv->protocol, 0,
                                                     adv->name, "_hap._tcp", NULL, adv->txt);
  if (err < 0)
    g_warning ("updating the TXT record of “%s” failed: %s", adv->name, avahi_strerror (err));
}

const char *
_hap_advertisement_get_name (HapAdvertisement *adv)
{
  return adv->name;
}

gboolean
_hap_advertisement_is_established (HapAdvertisement *adv)
{
  return adv->established;
}

void
_hap_advertisement_free (HapAdvertisement *adv)
{
  if (adv == NULL)
    return;
  g_ptr_array_remove (adv->advertiser->ads, adv);
  adv->owner->n_ads--;
  if (adv->absent_source != 0)
    g_source_destroy (g_main_context_find_source_by_id (adv->advertiser->context, adv->absent_source));
  g_clear_pointer (&adv->group, avahi_entry_group_free);
  avahi_string_list_free (adv->txt);
  g_object_unref (adv->advertiser);
  g_free (adv->name);
  g_free (adv);
}
