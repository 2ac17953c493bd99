/* hap-poll-group.c
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-poll-group-private.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <gio/gio.h>

#define MAX_EVENTS 256

struct _HapPollWatch
{
  gint          ref_count;
  HapPollGroup *group;        /* NULL once removed */
  int           fd;
  GIOCondition  condition;
  HapPollFunc   func;
  gpointer      user_data;
};

typedef struct
{
  GSource       source;
  HapPollGroup *group;
  gpointer      tag;          /* the epoll fd in the context's poll set; NULL while set aside */
  gboolean      dispatching;
} PollSource;

struct _HapPollGroup
{
  int           epfd;
  PollSource   *source;
  guint8       *buffer;     /* hap_poll_group_get_buffer(), made on first use */
};

static void
watch_unref (HapPollWatch *watch)
{
  if (--watch->ref_count == 0)
    g_free (watch);
}

static guint32
to_epoll (GIOCondition condition)
{
  return ((condition & G_IO_IN) ? EPOLLIN : 0) | ((condition & G_IO_OUT) ? EPOLLOUT : 0);
}

static GIOCondition
from_epoll (guint32 events)
{
  return ((events & EPOLLIN) ? G_IO_IN : 0) | ((events & EPOLLOUT) ? G_IO_OUT : 0) |
         ((events & EPOLLHUP) ? G_IO_HUP : 0) | ((events & EPOLLERR) ? G_IO_ERR : 0);
}

/* The source may recurse (hap_poll_group_new()), so a callback that iterates the context
 * itself reaches this again: the epoll fd is then taken out of the context's poll set, as
 * GLib's own blocking would do, until the outer dispatch is over. The callbacks therefore
 * still run one at a time, and the nested iteration does not spin on the ready fd. */
static gboolean
poll_source_dispatch (GSource *source, GSourceFunc callback, gpointer user_data)
{
  PollSource *ps = (PollSource *) source;
  struct epoll_event events[MAX_EVENTS];
  int n;

  if (ps->dispatching)
    {
      if (ps->tag != NULL)
        g_source_remove_unix_fd (source, g_steal_pointer (&ps->tag));
      return G_SOURCE_CONTINUE;
    }
  ps->dispatching = TRUE;
  n = epoll_wait (ps->group->epfd, events, MAX_EVENTS, 0);

  /* Hold every watch of the batch: a callback may remove (and drop) another one. */
  for (int i = 0; i < n; i++)
    ((HapPollWatch *) events[i].data.ptr)->ref_count++;
  for (int i = 0; i < n; i++)
    {
      HapPollWatch *watch = events[i].data.ptr;

      if (watch->group != NULL)
        watch->func (watch->user_data, from_epoll (events[i].events));
    }
  for (int i = 0; i < n; i++)
    watch_unref (events[i].data.ptr);
  ps->dispatching = FALSE;
  if (ps->tag == NULL)
    ps->tag = g_source_add_unix_fd (source, ps->group->epfd, G_IO_IN);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs poll_source_funcs = {
  .dispatch = poll_source_dispatch,
};

HapPollGroup *
hap_poll_group_new (GMainContext *context, GError **error)
{
  HapPollGroup *group;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "epoll: %s", g_strerror (saved));
      return NULL;
    }
  group = g_new0 (HapPollGroup, 1);
  group->epfd = epfd;
  group->source = (PollSource *) g_source_new (&poll_source_funcs, sizeof (PollSource));
  group->source->group = group;
  group->source->tag = g_source_add_unix_fd ((GSource *) group->source, group->epfd, G_IO_IN);
  /* GLib blocks a source that may not recurse while it dispatches, and in GLib 2.74 that
   * takes its fds out of the context's poll set and puts them back, signalling the
   * context's wakeup eventfd each time: per event two write()s, a read() and a spare
   * poll(), more system calls than an encrypted GET itself (recvfrom, sendto). The
   * dispatch function keeps the callbacks from nesting instead. */
  g_source_set_can_recurse ((GSource *) group->source, TRUE);
  g_source_set_name ((GSource *) group->source, "hap-poll-group");
  g_source_attach ((GSource *) group->source, context);
  return group;
}

void
hap_poll_group_free (HapPollGroup *group)
{
  if (group == NULL)
    return;
  g_source_destroy ((GSource *) group->source);
  g_source_unref ((GSource *) group->source);
  close (group->epfd);
  g_free (group->buffer);
  g_free (group);
}

HapPollWatch *
hap_poll_group_add (HapPollGroup *group,
                    int           fd,
                    GIOCondition  condition,
                    HapPollFunc   func,
                    gpointer      user_data)
{
  HapPollWatch *watch = g_new0 (HapPollWatch, 1);
  struct epoll_event ev = { .events = to_epoll (condition), .data.ptr = watch };

  watch->ref_count = 1;
  watch->group = group;
  watch->fd = fd;
  watch->condition = condition;
  watch->func = func;
  watch->user_data = user_data;
  if (epoll_ctl (group->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    {
      g_free (watch);
      return NULL;
    }
  return watch;
}

void
hap_poll_watch_set_condition (HapPollWatch *watch, GIOCondition condition)
{
  struct epoll_event ev = { .events = to_epoll (condition), .data.ptr = watch };

  if (watch->group == NULL || watch->condition == condition)
    return;
  watch->condition = condition;
  /* MOD of a registered, open fd fails only without kernel memory; the previous
   * interest set then stays, which at worst delays this connection. */
  if (epoll_ctl (watch->group->epfd, EPOLL_CTL_MOD, watch->fd, &ev) != 0)
    g_warning ("epoll_ctl(MOD): %s", g_strerror (errno));
}

GIOCondition
hap_poll_watch_get_condition (HapPollWatch *watch)
{
  return watch->condition;
}

void
hap_poll_watch_remove (HapPollWatch *watch)
{
  if (watch == NULL || watch->group == NULL)
    return;
  /* The fd is still open here (callers remove before closing), so DEL cannot fail on
   * EBADF; ignore ENOENT-style races anyway: the watch is dead either way. */
  epoll_ctl (watch->group->epfd, EPOLL_CTL_DEL, watch->fd, NULL);
  watch->group = NULL;
  watch_unref (watch);
}

guint8 *
hap_poll_group_get_buffer (HapPollGroup *group)
{
  if (group->buffer == NULL)
    group->buffer = g_malloc0 (HAP_POLL_GROUP_BUFFER_SIZE);
  return group->buffer;
}
