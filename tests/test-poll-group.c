/* test-poll-group.c — the epoll group behind the servers' sockets
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <unistd.h>

#include <glib.h>

#include "libhap-glib/hap-poll-group-private.h"

typedef struct
{
  GMainContext *context;
  int           a[2], b[2];
  guint         a_calls, b_calls;
  guint         depth, max_depth;
  guint         b_calls_inside_a;
} Fixture;

static void
drain (int fd)
{
  char buf[64];

  g_assert_cmpint (read (fd, buf, sizeof buf), >, 0);
}

static void
poke (int fd)
{
  g_assert_cmpint (write (fd, "x", 1), ==, 1);
}

/* A's callback makes B ready and iterates the context itself, as a callback running a
 * nested main loop would. */
static void
on_a (gpointer user_data, GIOCondition condition)
{
  Fixture *f = user_data;
  guint b_before = f->b_calls;

  g_assert_true (condition & G_IO_IN);
  f->a_calls++;
  f->depth++;
  f->max_depth = MAX (f->max_depth, f->depth);
  drain (f->a[0]);
  poke (f->b[1]);
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (f->context, FALSE);
  f->b_calls_inside_a += f->b_calls - b_before;
  f->depth--;
}

static void
on_b (gpointer user_data, GIOCondition condition)
{
  Fixture *f = user_data;

  g_assert_true (condition & G_IO_IN);
  f->b_calls++;
  f->depth++;
  f->max_depth = MAX (f->max_depth, f->depth);
  drain (f->b[0]);
  f->depth--;
}

static void
iterate_until (Fixture *f, guint *counter, guint value)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (*counter < value && g_get_monotonic_time () < deadline)
    g_main_context_iteration (f->context, FALSE);
  g_assert_cmpuint (*counter, ==, value);
}

/* The group's source may recurse (GLib 2.74 would otherwise signal its wakeup fd twice per
 * event), yet its callbacks never nest: a nested iteration during a callback dispatches
 * nothing of the group, and the group works again once the outer callback returns. */
static void
test_callbacks_do_not_nest (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  HapPollGroup *group;
  HapPollWatch *wa, *wb;

  f.context = g_main_context_new ();
  g_main_context_push_thread_default (f.context);
  g_assert_no_errno (pipe (f.a));
  g_assert_no_errno (pipe (f.b));
  group = hap_poll_group_new (f.context, &error);
  g_assert_no_error (error);
  wa = hap_poll_group_add (group, f.a[0], G_IO_IN, on_a, &f);
  wb = hap_poll_group_add (group, f.b[0], G_IO_IN, on_b, &f);
  g_assert_nonnull (wa);
  g_assert_nonnull (wb);

  poke (f.a[1]);
  iterate_until (&f, &f.a_calls, 1);
  g_assert_cmpuint (f.b_calls_inside_a, ==, 0);
  g_assert_cmpuint (f.max_depth, ==, 1);
  /* B, made ready inside A, is served after A. */
  iterate_until (&f, &f.b_calls, 1);
  /* And A is watched again. */
  poke (f.a[1]);
  iterate_until (&f, &f.a_calls, 2);
  iterate_until (&f, &f.b_calls, 2);
  g_assert_cmpuint (f.b_calls_inside_a, ==, 0);
  g_assert_cmpuint (f.max_depth, ==, 1);

  hap_poll_watch_remove (wa);
  hap_poll_watch_remove (wb);
  hap_poll_group_free (group);
  for (int i = 0; i < 2; i++)
    {
      close (f.a[i]);
      close (f.b[i]);
    }
  g_main_context_pop_thread_default (f.context);
  g_main_context_unref (f.context);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/poll-group/callbacks-do-not-nest", test_callbacks_do_not_nest);
  return g_test_run ();
}
