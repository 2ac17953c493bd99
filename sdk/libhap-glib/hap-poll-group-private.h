/* hap-poll-group-private.h — many sockets behind one GSource (epoll)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GLib's main loop poll()s every fd of every source on every iteration, so with one
 * GSource per connection each wakeup costs O(connections): at 10,000 sessions a single
 * request waited milliseconds. A poll group registers its sockets with epoll and puts
 * only the epoll fd in the main loop, so a wakeup costs O(ready sockets).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HapPollGroup HapPollGroup;
typedef struct _HapPollWatch HapPollWatch;

/* @condition: G_IO_IN, G_IO_OUT, G_IO_HUP, G_IO_ERR as they occurred. */
typedef void (*HapPollFunc) (gpointer user_data, GIOCondition condition);

/* NULL with a G_IO_ERROR when the kernel refuses an epoll instance. */
HapPollGroup *hap_poll_group_new        (GMainContext  *context,
                                         GError       **error);
void          hap_poll_group_free       (HapPollGroup  *group);

/* Watches @fd for @condition (G_IO_IN and/or G_IO_OUT; HUP and ERR are always reported).
 * The watch belongs to the group until hap_poll_watch_remove(). NULL (errno set) when
 * the kernel refuses the registration (out of memory, max_user_watches). */
HapPollWatch *hap_poll_group_add        (HapPollGroup  *group,
                                         int            fd,
                                         GIOCondition   condition,
                                         HapPollFunc    func,
                                         gpointer       user_data);
void          hap_poll_watch_set_condition (HapPollWatch *watch,
                                            GIOCondition  condition);
GIOCondition  hap_poll_watch_get_condition (HapPollWatch *watch);
/* Stops the watch; its callback is not called again, even for events already fetched. */
void          hap_poll_watch_remove     (HapPollWatch  *watch);

/* A scratch buffer of HAP_POLL_GROUP_BUFFER_SIZE bytes for the callbacks of the group:
 * they run one at a time in the group's context, so one buffer serves every server
 * sharing the group (10,000 idle accessories held 16 KiB each when each had its own). */
#define HAP_POLL_GROUP_BUFFER_SIZE 16384
guint8       *hap_poll_group_get_buffer (HapPollGroup  *group);

G_END_DECLS
