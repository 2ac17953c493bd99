/* hap-sim-trace-model.c — an accessory's trace as a list model, for a main loop
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trace is a ring that any thread may record into; a list model must change on
 * one thread only, the one it was made on. So the model mirrors the ring: it listens to
 * it, applies what it hears directly when heard on that thread, through an idle source
 * on that thread's main context otherwise (and then in order: while something is
 * queued, everything is), and drops what the ring dropped.
 */
#include "hap-sim-trace-model.h"

/**
 * HapSimTraceModel:
 *
 * The entries of a trace ([class@HapSimTraceEntry]), oldest first, bounded as the
 * trace is: [signal@Gio.ListModel::items-changed] is emitted at the end for each new
 * entry and at the start for those the trace dropped (past its bound in entries or
 * bytes, or cleared).
 */
struct _HapSimTraceModel
{
  GObject       parent_instance;
  HapSimTrace  *trace;       /* NULL once detached */
  guint         listener;
  GMainContext *context;
  GThread      *thread;      /* the one the model changes on */
  GPtrArray    *items;       /* HapSimTraceEntry */
  guint64       last_seq;    /* of the newest entry added */
  gint          queued;      /* changes waiting in idle sources (atomic) */
  gint          generation;  /* bumped on detach: queued changes are then dropped */
};

static void hap_sim_trace_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HapSimTraceModel, hap_sim_trace_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      hap_sim_trace_model_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return HAP_SIM_TYPE_TRACE_ENTRY;
}

static guint
get_n_items (GListModel *model)
{
  return HAP_SIM_TRACE_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model, guint position)
{
  HapSimTraceModel *self = HAP_SIM_TRACE_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
hap_sim_trace_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* Drops the entries before @first_seq, then adds @entry (when newer than the newest). */
static void
apply (HapSimTraceModel *self, HapSimTraceEntry *entry, guint64 first_seq)
{
  guint drop = 0;

  while (drop < self->items->len &&
         hap_sim_trace_entry_get_seq (g_ptr_array_index (self->items, drop)) < first_seq)
    drop++;
  if (drop > 0)
    {
      g_ptr_array_remove_range (self->items, 0, drop);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, drop, 0);
    }
  if (entry != NULL && hap_sim_trace_entry_get_seq (entry) > self->last_seq &&
      hap_sim_trace_entry_get_seq (entry) >= first_seq)
    {
      self->last_seq = hap_sim_trace_entry_get_seq (entry);
      g_ptr_array_add (self->items, g_object_ref (entry));
      g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
    }
}

typedef struct
{
  HapSimTraceModel *model;
  HapSimTraceEntry *entry;
  guint64           first_seq;
  gint              generation;
} Queued;

static void
queued_free (gpointer data)
{
  Queued *queued = data;

  g_atomic_int_dec_and_test (&queued->model->queued);
  g_object_unref (queued->model);
  g_clear_object (&queued->entry);
  g_free (queued);
}

static gboolean
apply_queued_cb (gpointer data)
{
  Queued *queued = data;

  if (queued->generation == g_atomic_int_get (&queued->model->generation))
    apply (queued->model, queued->entry, queued->first_seq);
  return G_SOURCE_REMOVE;
}

/* On the recording thread. */
static void
on_trace_changed (HapSimTraceEntry *entry, guint64 first_seq, gpointer user_data)
{
  HapSimTraceModel *self = user_data;
  Queued *queued;
  GSource *source;

  if (g_thread_self () == self->thread && g_atomic_int_get (&self->queued) == 0)
    {
      apply (self, entry, first_seq);
      return;
    }
  /* An idle source rather than g_main_context_invoke(), which would run it on this
   * thread whenever it can acquire the context. */
  queued = g_new0 (Queued, 1);
  queued->model = g_object_ref (self);
  queued->entry = entry != NULL ? g_object_ref (entry) : NULL;
  queued->first_seq = first_seq;
  queued->generation = g_atomic_int_get (&self->generation);
  g_atomic_int_inc (&self->queued);
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, apply_queued_cb, queued, queued_free);
  g_source_set_static_name (source, "[hap-sim] trace model");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/**
 * hap_sim_trace_model_detach:
 * @self: a model
 *
 * Stops following the trace (which may then go away) and drops what was queued: the
 * model keeps the entries it has.
 */
void
hap_sim_trace_model_detach (HapSimTraceModel *self)
{
  g_return_if_fail (HAP_SIM_IS_TRACE_MODEL (self));

  if (self->trace != NULL)
    hap_sim_trace_remove_listener (self->trace, self->listener);
  self->trace = NULL;
  self->listener = 0;
  g_atomic_int_inc (&self->generation);
}

static void
hap_sim_trace_model_finalize (GObject *object)
{
  HapSimTraceModel *self = HAP_SIM_TRACE_MODEL (object);

  hap_sim_trace_model_detach (self);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (hap_sim_trace_model_parent_class)->finalize (object);
}

static void
hap_sim_trace_model_class_init (HapSimTraceModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hap_sim_trace_model_finalize;
}

static void
hap_sim_trace_model_init (HapSimTraceModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * hap_sim_trace_model_new:
 * @trace: a trace
 *
 * A model of @trace's entries, changed on the calling thread only: entries recorded
 * on other threads reach it through the caller's thread-default main context. The trace must outlive the model, or the model be detached first
 * ([method@HapSimTraceModel.detach]).
 *
 * Returns: (transfer full): the model, holding the entries the trace has now
 */
HapSimTraceModel *
hap_sim_trace_model_new (HapSimTrace *trace)
{
  HapSimTraceModel *self;
  g_autoptr(GPtrArray) entries = NULL;

  g_return_val_if_fail (trace != NULL, NULL);

  self = g_object_new (HAP_SIM_TYPE_TRACE_MODEL, NULL);
  self->trace = trace;
  self->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_self ();
  /* Listening first, then reading: an entry recorded in between comes both ways and is
   * added once (by seq). */
  self->listener = hap_sim_trace_add_listener (trace, on_trace_changed, self);
  entries = hap_sim_trace_dup_entries (trace, 0);
  for (guint i = 0; i < entries->len; i++)
    {
      HapSimTraceEntry *entry = g_ptr_array_index (entries, i);

      if (hap_sim_trace_entry_get_seq (entry) > self->last_seq)
        {
          self->last_seq = hap_sim_trace_entry_get_seq (entry);
          g_ptr_array_add (self->items, g_object_ref (entry));
        }
    }
  return self;
}
