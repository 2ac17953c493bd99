/* hap-server-ops.c — reads and writes of characteristics on behalf of a session, with
 * the handler timeout
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An application's read or write handler may answer late or never; a controller must
 * still get an answer (-70408 on IP, a PDU status on BLE) and the session must go on.
 * One operation is referenced by the handler's callback and by its timer; whichever
 * comes first reports, the other finds it done.
 */
#include "hap-server-private.h"

#include "hap-access-private.h"

typedef struct
{
  gint               ref_count;
  HapCharacteristic *characteristic;
  GCancellable      *cancellable;
  GSource           *timeout;
  gboolean           want_value;
  gboolean           done;
  HapOperationDone   callback;
  gpointer           user_data;
} Operation;

static Operation *
operation_ref (Operation *op)
{
  op->ref_count++;
  return op;
}

static void
operation_unref (Operation *op)
{
  if (--op->ref_count > 0)
    return;
  if (op->timeout != NULL)
    {
      g_source_destroy (op->timeout);
      g_source_unref (op->timeout);
    }
  g_clear_object (&op->cancellable);
  g_clear_object (&op->characteristic);
  g_free (op);
}

static void
operation_finish (Operation *op, HapAccess status, GVariant *value)
{
  if (op->done)
    return;
  op->done = TRUE;
  if (op->timeout != NULL)
    {
      g_source_destroy (op->timeout);
      g_clear_pointer (&op->timeout, g_source_unref);
    }
  op->callback ((int) status, value, op->user_data);
}

static gboolean
on_timeout (gpointer user_data)
{
  Operation *op = user_data;

  /* A handler that does not answer must not stall the session (-70408 on IP). */
  g_clear_pointer (&op->timeout, g_source_unref);
  g_cancellable_cancel (op->cancellable);
  operation_finish (op, HAP_ACCESS_TIMED_OUT, NULL);
  return G_SOURCE_REMOVE;
}

static Operation *
operation_new (HapAccessoryServer *self,
               HapCharacteristic  *characteristic,
               HapOperationDone    done,
               gpointer            user_data)
{
  Operation *op = g_new0 (Operation, 1);

  op->ref_count = 1;
  op->characteristic = g_object_ref (characteristic);
  op->callback = done;
  op->user_data = user_data;
  op->cancellable = g_cancellable_new ();
  op->timeout = g_timeout_source_new (self->handler_timeout_ms);
  g_source_set_callback (op->timeout, on_timeout, operation_ref (op), (GDestroyNotify) operation_unref);
  g_source_attach (op->timeout, self->context);
  return op;
}

static void
on_read_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Operation *op = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = hap_characteristic_read_finish (HAP_CHARACTERISTIC (object), result, &error);

  if (value != NULL)
    operation_finish (op, HAP_ACCESS_OK, value);
  else
    operation_finish (op, hap_access_from_error (error), NULL);
  operation_unref (op);
}

void
_hap_accessory_server_read (HapAccessoryServer *self,
                            HapCharacteristic  *characteristic,
                            HapOperationDone    done,
                            gpointer            user_data)
{
  Operation *op;

  if (!hap_characteristic_has_read_handler (characteristic))
    {
      done (HAP_ACCESS_OK, hap_characteristic_get_value (characteristic), user_data);
      return;
    }
  op = operation_new (self, characteristic, done, user_data);
  hap_characteristic_read_async (characteristic, op->cancellable, on_read_done, op);
}

static void
on_write_done (GObject *object, GAsyncResult *result, gpointer user_data)
{
  Operation *op = user_data;
  HapCharacteristic *characteristic = HAP_CHARACTERISTIC (object);
  g_autoptr(GError) error = NULL;

  if (!hap_characteristic_write_finish (characteristic, result, &error))
    operation_finish (op, hap_access_from_error (error), NULL);
  else
    operation_finish (op, HAP_ACCESS_OK,
                      op->want_value ? hap_characteristic_get_value (characteristic) : NULL);
  operation_unref (op);
}

void
_hap_accessory_server_write (HapAccessoryServer *self,
                             HapSession         *session,
                             HapCharacteristic  *characteristic,
                             GVariant           *value,
                             gboolean            want_value,
                             HapOperationDone    done,
                             gpointer            user_data)
{
  Operation *op = operation_new (self, characteristic, done, user_data);

  op->want_value = want_value;
  /* The session is the origin: its own change is not echoed to it as an event. */
  hap_characteristic_write_async (characteristic, value, session, op->cancellable,
                                  on_write_done, op);
}
