/* hap-sync-private.h — blocking calls made of asynchronous ones
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A blocking call starts its asynchronous twin on a private main context pushed as the
 * thread default, and iterates that context until the callback ran: one
 * implementation for both, and the caller's own main context is not dispatched
 * meanwhile (as with GIO's synchronous calls).
 *
 *   HapSync sync;
 *   hap_sync_begin (&sync);
 *   foo_async (…, hap_sync_done, &sync);
 *   ok = foo_finish (…, hap_sync_wait (&sync), error);
 *   hap_sync_end (&sync);
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GMainContext *context;
  GAsyncResult *result;
} HapSync;

static inline void
hap_sync_begin (HapSync *sync)
{
  sync->context = g_main_context_new ();
  sync->result = NULL;
  g_main_context_push_thread_default (sync->context);
}

static inline void
hap_sync_done (GObject *source, GAsyncResult *result, gpointer data)
{
  HapSync *sync = data;

  sync->result = g_object_ref (result);
}

/* The result, owned by @sync. */
static inline GAsyncResult *
hap_sync_wait (HapSync *sync)
{
  while (sync->result == NULL)
    g_main_context_iteration (sync->context, TRUE);
  return sync->result;
}

static inline void
hap_sync_end (HapSync *sync)
{
  g_main_context_pop_thread_default (sync->context);
  g_clear_object (&sync->result);
  /* Sources still attached (none once every step finished) go with the context. */
  g_main_context_unref (sync->context);
}

G_END_DECLS
