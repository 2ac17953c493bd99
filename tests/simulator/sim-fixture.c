/* sim-fixture.c — a simulator accessory on its own thread, and controllers for it
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "sim-fixture.h"

#include <glib/gstdio.h>

struct _SimFixture
{
  GThread         *thread;
  GMainContext    *context;
  GMainLoop       *loop;
  HapSimAccessory *accessory;
  guint16          port;
  GMutex           mutex;
  GCond            cond;
  gboolean         ready;
  char            *error;
  char            *file;
  char            *tmp_dir;
  HapTestClient   *admin;        /* paired on first use; clones connect */
};

static gpointer
fixture_thread (gpointer data)
{
  SimFixture *fx = data;
  g_autofree char *state = g_build_filename (fx->tmp_dir, "state", NULL);
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (fx->context);
  fx->accessory = hap_sim_accessory_new_from_file ("fixture", fx->file, state, NULL, &error);
  if (fx->accessory != NULL)
    {
      hap_sim_accessory_set_bind_address (fx->accessory, "127.0.0.1");
      hap_sim_accessory_set_event_window (fx->accessory, 0);
      hap_sim_accessory_set_setup_code (fx->accessory, HAP_TEST_SETUP_CODE, NULL);
      if (hap_sim_accessory_start (fx->accessory, &error))
        fx->port = hap_accessory_server_get_port (hap_sim_accessory_get_server (fx->accessory));
    }
  g_mutex_lock (&fx->mutex);
  fx->error = error != NULL ? g_strdup (error->message) : NULL;
  fx->ready = TRUE;
  g_cond_broadcast (&fx->cond);
  g_mutex_unlock (&fx->mutex);

  if (fx->error == NULL)
    g_main_loop_run (fx->loop);
  g_clear_object (&fx->accessory);
  /* Let sources removed above run their destroy notifies on this context. */
  while (g_main_context_iteration (fx->context, FALSE))
    ;
  g_main_context_pop_thread_default (fx->context);
  return NULL;
}

SimFixture *
sim_fixture_start (const char *json_file, const char *json_text)
{
  SimFixture *fx = g_new0 (SimFixture, 1);
  g_autoptr(GError) error = NULL;

  fx->tmp_dir = g_dir_make_tmp ("sim-fixture-XXXXXX", &error);
  g_assert_no_error (error);
  if (json_file != NULL && !g_path_is_absolute (json_file))
    {
      const char *dir = g_getenv ("HAP_ACCESSORIES_DIR");
      g_assert_nonnull (dir);
      fx->file = g_build_filename (dir, json_file, NULL);
    }
  else if (json_file != NULL)
    fx->file = g_strdup (json_file);
  else
    {
      fx->file = g_build_filename (fx->tmp_dir, "accessory.json", NULL);
      g_file_set_contents (fx->file, json_text, -1, &error);
      g_assert_no_error (error);
    }

  fx->context = g_main_context_new ();
  fx->loop = g_main_loop_new (fx->context, FALSE);
  g_mutex_init (&fx->mutex);
  g_cond_init (&fx->cond);
  fx->thread = g_thread_new ("sim-fixture", fixture_thread, fx);
  g_mutex_lock (&fx->mutex);
  while (!fx->ready)
    g_cond_wait (&fx->cond, &fx->mutex);
  g_mutex_unlock (&fx->mutex);
  if (fx->error != NULL)
    g_error ("fixture accessory failed to start: %s", fx->error);
  return fx;
}

guint16
sim_fixture_get_port (SimFixture *fx)
{
  return fx->port;
}

typedef struct
{
  SimFixture *fx;
  void      (*func) (HapSimAccessory *, gpointer);
  gpointer    user_data;
  gboolean    done;
} Invocation;

static gboolean
run_invocation (gpointer data)
{
  Invocation *inv = data;

  inv->func (inv->fx->accessory, inv->user_data);
  g_mutex_lock (&inv->fx->mutex);
  inv->done = TRUE;
  g_cond_broadcast (&inv->fx->cond);
  g_mutex_unlock (&inv->fx->mutex);
  return G_SOURCE_REMOVE;
}

void
sim_fixture_invoke (SimFixture *fx, void (*func) (HapSimAccessory *, gpointer), gpointer user_data)
{
  Invocation inv = { fx, func, user_data, FALSE };

  g_main_context_invoke (fx->context, run_invocation, &inv);
  g_mutex_lock (&fx->mutex);
  while (!inv.done)
    g_cond_wait (&fx->cond, &fx->mutex);
  g_mutex_unlock (&fx->mutex);
}

typedef struct
{
  const char *spec;
  GVariant   *value;
} SetCall;

static void
do_set (HapSimAccessory *accessory, gpointer data)
{
  SetCall *call = data;
  g_autoptr(GError) error = NULL;
  HapCharacteristic *characteristic = hap_sim_accessory_find (accessory, call->spec, &error);

  g_assert_no_error (error);
  hap_sim_accessory_set_value (accessory, characteristic, call->value, &error);
  g_assert_no_error (error);
}

void
sim_fixture_set_value (SimFixture *fx, const char *spec, GVariant *value)
{
  SetCall call = { spec, g_variant_ref_sink (value) };

  sim_fixture_invoke (fx, do_set, &call);
  g_variant_unref (call.value);
}

typedef struct
{
  const char *name;
  const char *params_text;
  gboolean    enable;
  gboolean    ok;
  GError     *error;
} QuirkCall;

static void
do_quirk (HapSimAccessory *accessory, gpointer data)
{
  QuirkCall *call = data;
  g_autoptr(GVariant) params = NULL;

  if (!call->enable)
    {
      call->ok = hap_sim_accessory_disable_quirk (accessory, call->name, &call->error);
      return;
    }
  if (call->params_text != NULL)
    {
      params = g_variant_parse (G_VARIANT_TYPE_VARDICT, call->params_text, NULL, NULL, &call->error);
      if (params == NULL)
        return;
    }
  call->ok = hap_sim_accessory_enable_quirk (accessory, call->name, params, &call->error);
}

gboolean
sim_fixture_try_enable_quirk (SimFixture *fx, const char *quirk, const char *params_text, GError **error)
{
  QuirkCall call = { quirk, params_text, TRUE, FALSE, NULL };

  sim_fixture_invoke (fx, do_quirk, &call);
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.ok;
}

void
sim_fixture_enable_quirk (SimFixture *fx, const char *quirk, const char *params_text)
{
  g_autoptr(GError) error = NULL;

  sim_fixture_try_enable_quirk (fx, quirk, params_text, &error);
  g_assert_no_error (error);
}

void
sim_fixture_disable_quirk (SimFixture *fx, const char *quirk)
{
  QuirkCall call = { quirk, NULL, FALSE, FALSE, NULL };

  sim_fixture_invoke (fx, do_quirk, &call);
  g_assert_no_error (call.error);
  g_assert_true (call.ok);
}

HapTestClient *
sim_fixture_connect (SimFixture *fx)
{
  HapTestClient *client = hap_test_client_new ("sim-fixture-guest");

  hap_test_client_connect (client, fx->port);
  return client;
}

HapTestClient *
sim_fixture_connect_paired (SimFixture *fx)
{
  HapTestClient *client;

  if (fx->admin == NULL)
    {
      fx->admin = hap_test_client_new ("sim-fixture-admin");
      hap_test_client_connect (fx->admin, fx->port);
      g_assert_cmpint (hap_test_client_pair_setup (fx->admin, HAP_TEST_SETUP_CODE, 0), ==, 0);
      hap_test_client_disconnect (fx->admin);
    }
  client = hap_test_client_clone (fx->admin);
  hap_test_client_connect (client, fx->port);
  g_assert_cmpint (hap_test_client_pair_verify (client), ==, 0);
  return client;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
sim_fixture_stop (SimFixture *fx)
{
  g_main_context_invoke (fx->context, quit_loop, fx->loop);
  g_thread_join (fx->thread);
  g_clear_pointer (&fx->admin, hap_test_client_free);
  g_main_loop_unref (fx->loop);
  g_main_context_unref (fx->context);
  g_mutex_clear (&fx->mutex);
  g_cond_clear (&fx->cond);
  hap_test_remove_tree (fx->tmp_dir);
  g_free (fx->tmp_dir);
  g_free (fx->error);
  g_free (fx->file);
  g_free (fx);
}
