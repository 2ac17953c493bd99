/* hap-deadline-private.h — a step's cancellable, with a timeout
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every step of the controller that waits (connecting, one HTTP exchange, one wait for
 * an event) gets its own cancellable, cancelled by the caller's cancellable or by a
 * timeout source in the step's main context, whichever comes first. Both are sources,
 * not g_cancellable_connect() handlers, so that nothing completes re-entrantly inside
 * g_cancellable_cancel().
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _HapDeadline HapDeadline;

/* Cancelled by @outer (may be NULL) or after @timeout_ms (0: never), by sources in
 * @context. */
HapDeadline    *hap_deadline_new             (GCancellable  *outer,
                                              guint          timeout_ms,
                                              GMainContext  *context);
GCancellable   *hap_deadline_get_cancellable (HapDeadline   *deadline);
/* FALSE with G_IO_ERROR_TIMED_OUT or G_IO_ERROR_CANCELLED once cancelled. */
gboolean        hap_deadline_check           (HapDeadline   *deadline,
                                              GError       **error);
/* Turns a G_IO_ERROR_CANCELLED caused by the timeout into G_IO_ERROR_TIMED_OUT. */
void            hap_deadline_fix_error       (HapDeadline   *deadline,
                                              GError        *error);
void            hap_deadline_free            (HapDeadline   *deadline);

G_END_DECLS
