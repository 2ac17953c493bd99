/* hap-controller-ble-accessories.c — GET /accessories over a HAP-BLE link without
 * blocking: the database from Service and Characteristic Signature Reads, with the
 * values of the readable characteristics (docs/protocol.md §4.10, §5.6), as
 * get_accessories() of hap-controller-ble-ops.c builds it, one procedure of
 * hap-controller-ble-async.c after the other
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-controller-ble-internal.h"

#include "hap-ble-json-private.h"
#include "hap-error.h"
#include "hap-types.h"

typedef struct
{
  HapControllerBle *ble;
  GPtrArray        *services;     /* HapBleDbService, as built */
  guint             service;      /* index into the link's services */
  guint             characteristic;
  GBytes           *signature;    /* the current characteristic's */
} Walk;

static void
walk_free (Walk *walk)
{
  _hap_controller_ble_unref (walk->ble);
  g_ptr_array_unref (walk->services);
  g_clear_pointer (&walk->signature, g_bytes_unref);
  g_free (walk);
}

static void next_service (GTask *task);
static void next_characteristic (GTask *task);

/* Takes @task and @error. */
static void
walk_fail (GTask *task, GError *error)
{
  g_task_return_error (task, error);
  g_object_unref (task);
}

static HapBleRemoteService *
current_service (Walk *walk)
{
  return g_ptr_array_index (hap_controller_ble_get_services (walk->ble), walk->service);
}

static HapBleRemoteCharacteristic *
current_characteristic (Walk *walk)
{
  return g_ptr_array_index (current_service (walk)->characteristics, walk->characteristic);
}

/* The current characteristic goes into the database with @value (NULL: none). */
static void
add_characteristic (GTask *task, GBytes *value)
{
  Walk *walk = g_task_get_task_data (task);
  HapBleDbService *db = g_ptr_array_index (walk->services, walk->services->len - 1);

  hap_ble_db_service_add (db, current_characteristic (walk)->iid, walk->signature, value);
  g_clear_pointer (&walk->signature, g_bytes_unref);
  walk->characteristic++;
  next_characteristic (task);
}

static void
value_read (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  Walk *walk = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) value = NULL;
  GError *error = NULL;
  guint8 status;

  if (!hap_controller_ble_transaction_finish (result, &status, &body, &error))
    return walk_fail (task, error);
  /* A value the accessory does not give (event-only types) is left out. */
  if (status == HAP_BLE_PDU_STATUS_SUCCESS &&
      (value = _hap_controller_ble_response_value (body, current_characteristic (walk)->iid, &error)) == NULL)
    return walk_fail (task, error);
  add_characteristic (task, value);
}

/* walk->signature is the current characteristic's. */
static void
have_signature (GTask *task)
{
  Walk *walk = g_task_get_task_data (task);
  HapBleRemoteCharacteristic *characteristic = current_characteristic (walk);
  const HapBleCharacteristicSignature *parsed;
  GError *error = NULL;

  /* Cached by now: parsed without I/O. */
  parsed = hap_controller_ble_get_signature (walk->ble, characteristic->iid, NULL, &error);
  if (parsed == NULL)
    return walk_fail (task, error);
  if (_hap_controller_ble_check_access (parsed, FALSE) != HAP_STATUS_SUCCESS)
    return add_characteristic (task, NULL);
  hap_controller_ble_transaction_async (walk->ble, characteristic, HAP_BLE_OPCODE_CHARACTERISTIC_READ,
                                        characteristic->iid, NULL, g_task_get_cancellable (task), value_read, task);
}

static void
signature_read (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  Walk *walk = g_task_get_task_data (task);
  HapBleRemoteCharacteristic *characteristic;
  GError *error = NULL;
  guint8 status;

  if (!hap_controller_ble_transaction_finish (result, &status, &walk->signature, &error))
    return walk_fail (task, error);
  if (walk->ble->closed)
    return walk_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed"));
  characteristic = current_characteristic (walk);
  if (status != HAP_BLE_PDU_STATUS_SUCCESS)
    {
      /* Not a characteristic the accessory describes to us (e.g. A5). */
      g_debug ("characteristic %u: no signature: %s", characteristic->iid, hap_ble_pdu_status_to_string (status));
      g_clear_pointer (&walk->signature, g_bytes_unref);
      walk->characteristic++;
      return next_characteristic (task);
    }
  if (walk->signature == NULL)
    return walk_fail (task, g_error_new (HAP_ERROR, HAP_ERROR_INVALID_DATA,
                                         "characteristic %u: a signature without a body", characteristic->iid));
  _hap_controller_ble_cache_signature (walk->ble, characteristic->iid, walk->signature);
  have_signature (task);
}

/* Takes @task. */
static void
next_characteristic (GTask *task)
{
  Walk *walk = g_task_get_task_data (task);
  HapBleRemoteCharacteristic *characteristic;

  if (walk->ble->closed)
    return walk_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed"));
  if (walk->characteristic >= current_service (walk)->characteristics->len)
    {
      walk->service++;
      return next_service (task);
    }
  characteristic = current_characteristic (walk);
  /* A cached signature comes without I/O. */
  walk->signature = hap_controller_ble_signature_lookup (walk->ble, characteristic->iid);
  if (walk->signature != NULL)
    return have_signature (task);
  hap_controller_ble_transaction_async (walk->ble, characteristic, HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ,
                                        characteristic->iid, NULL, g_task_get_cancellable (task), signature_read,
                                        task);
}

static void
service_signature_read (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  Walk *walk = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  GError *error = NULL;
  HapBleRemoteService *service;
  guint8 status;

  if (!hap_controller_ble_transaction_finish (result, &status, &body, &error))
    return walk_fail (task, error);
  if (walk->ble->closed)
    return walk_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed"));
  service = current_service (walk);
  if (status != HAP_BLE_PDU_STATUS_SUCCESS)
    {
      g_autofree char *what = g_strdup_printf ("service signature of service %u", service->iid);

      hap_ble_status_error (&error, status, what);
      return walk_fail (task, error);
    }
  g_ptr_array_add (walk->services, hap_ble_db_service_new (service->iid, service->type_uuid, body));
  walk->characteristic = 0;
  next_characteristic (task);
}

static gboolean
is_pairing_service (HapBleRemoteService *service)
{
  g_autofree char *pairing = hap_uuid_normalize ("55");

  return g_strcmp0 (service->type_uuid, pairing) == 0;
}

/* Takes @task. */
static void
next_service (GTask *task)
{
  Walk *walk = g_task_get_task_data (task);
  GPtrArray *services = hap_controller_ble_get_services (walk->ble);
  HapBleRemoteService *service;
  GError *error = NULL;
  JsonNode *root;

  /* The Pairing service is the transport's, not the accessory's (IP has none), and
   * signature reads of 4C/4E/4F are refused in a secure session (§5.6). */
  while (walk->service < services->len && is_pairing_service (current_service (walk)))
    walk->service++;
  if (walk->service >= services->len)
    {
      if ((root = hap_ble_accessories_to_json (walk->services, &error)) == NULL)
        return walk_fail (task, error);
      g_task_return_pointer (task, root, (GDestroyNotify) json_node_unref);
      g_object_unref (task);
      return;
    }
  service = current_service (walk);
  if (service->service_signature == NULL)
    {
      g_ptr_array_add (walk->services, hap_ble_db_service_new (service->iid, service->type_uuid, NULL));
      walk->characteristic = 0;
      return next_characteristic (task);
    }
  hap_controller_ble_transaction_async (walk->ble, service->service_signature, HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ,
                                        service->iid, NULL, g_task_get_cancellable (task), service_signature_read,
                                        task);
}

void
hap_controller_ble_get_accessories_async (HapControllerBle    *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Walk *walk = g_new0 (Walk, 1);

  g_task_set_source_tag (task, hap_controller_ble_get_accessories_async);
  walk->ble = _hap_controller_ble_ref (self);
  walk->services = g_ptr_array_new_with_free_func ((GDestroyNotify) hap_ble_db_service_free);
  g_task_set_task_data (task, walk, (GDestroyNotify) walk_free);
  if (self->closed)
    return walk_fail (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CLOSED, "the connection was closed"));
  next_service (task);
}

JsonNode *
hap_controller_ble_get_accessories_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
