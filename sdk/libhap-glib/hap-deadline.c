/* hap-deadline.c — see hap-deadline-private.h
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-deadline-private.h"

struct _HapDeadline
{
  GCancellable *cancellable;
  GSource      *timeout;
  GSource      *outer;
  gboolean      timed_out;
};

static gboolean
deadline_expired (gpointer data)
{
  HapDeadline *deadline = data;

  deadline->timed_out = TRUE;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
deadline_outer_cancelled (GCancellable *outer, gpointer data)
{
  HapDeadline *deadline = data;

  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

HapDeadline *
hap_deadline_new (GCancellable *outer, guint timeout_ms, GMainContext *context)
{
  HapDeadline *deadline = g_new0 (HapDeadline, 1);

  deadline->cancellable = g_cancellable_new ();
  if (timeout_ms > 0)
    {
      deadline->timeout = g_timeout_source_new (timeout_ms);
      g_source_set_callback (deadline->timeout, deadline_expired, deadline, NULL);
      g_source_attach (deadline->timeout, context);
    }
  if (outer != NULL)
    {
      if (g_cancellable_is_cancelled (outer))
        g_cancellable_cancel (deadline->cancellable);
      deadline->outer = g_cancellable_source_new (outer);
      g_source_set_callback (deadline->outer, (GSourceFunc) (void (*) (void)) deadline_outer_cancelled, deadline, NULL);
      g_source_attach (deadline->outer, context);
    }
  return deadline;
}

GCancellable *
hap_deadline_get_cancellable (HapDeadline *deadline)
{
  return deadline->cancellable;
}

gboolean
hap_deadline_check (HapDeadline *deadline, GError **error)
{
  if (!g_cancellable_is_cancelled (deadline->cancellable))
    return TRUE;
  if (deadline->timed_out)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "timed out");
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "operation was cancelled");
  return FALSE;
}

void
hap_deadline_fix_error (HapDeadline *deadline, GError *error)
{
  if (deadline->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      error->code = G_IO_ERROR_TIMED_OUT;
      g_free (error->message);
      error->message = g_strdup ("timed out");
    }
}

void
hap_deadline_free (HapDeadline *deadline)
{
  if (deadline->timeout != NULL)
    g_source_destroy (deadline->timeout);
  g_clear_pointer (&deadline->timeout, g_source_unref);
  if (deadline->outer != NULL)
    g_source_destroy (deadline->outer);
  g_clear_pointer (&deadline->outer, g_source_unref);
  g_clear_object (&deadline->cancellable);
  g_free (deadline);
}
