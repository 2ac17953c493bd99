/* hap-ble-pdu.c — HAP-BLE PDU framing (docs/protocol.md §5.2, §5.3, §5.7)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Both directions share one assembler: a request and a response differ only in their
 * PDU type bits and in the fixed fields of the first fragment (opcode, TID, IID against
 * TID, status). Every rule a fragment can break ends the PDU with an error that names the
 * rule, so that a transport can log it and answer or drop the link as it sees fit.
 */
#include "hap-ble-pdu-private.h"

#include "hap-ble-le-private.h"
#include "hap-error.h"

#include <sodium.h>
#include <string.h>

static const char * const opcode_names[] = {
  [HAP_BLE_OPCODE_CHARACTERISTIC_SIGNATURE_READ] = "HAP-Characteristic-Signature-Read",
  [HAP_BLE_OPCODE_CHARACTERISTIC_WRITE]          = "HAP-Characteristic-Write",
  [HAP_BLE_OPCODE_CHARACTERISTIC_READ]           = "HAP-Characteristic-Read",
  [HAP_BLE_OPCODE_CHARACTERISTIC_TIMED_WRITE]    = "HAP-Characteristic-Timed-Write",
  [HAP_BLE_OPCODE_CHARACTERISTIC_EXECUTE_WRITE]  = "HAP-Characteristic-Execute-Write",
  [HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ]        = "HAP-Service-Signature-Read",
  [HAP_BLE_OPCODE_CHARACTERISTIC_CONFIGURATION]  = "HAP-Characteristic-Configuration",
  [HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION]        = "HAP-Protocol-Configuration",
  [HAP_BLE_OPCODE_TOKEN]                         = "HAP-Token",
  [HAP_BLE_OPCODE_TOKEN_UPDATE]                  = "HAP-Token-Update",
  [HAP_BLE_OPCODE_INFO]                          = "HAP-Info",
};

static const char * const status_names[] = {
  [HAP_BLE_PDU_STATUS_SUCCESS]                     = "Success",
  [HAP_BLE_PDU_STATUS_UNSUPPORTED_PDU]             = "Unsupported-PDU",
  [HAP_BLE_PDU_STATUS_MAX_PROCEDURES]              = "Max-Procedures",
  [HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHORIZATION]  = "Insufficient Authorization",
  [HAP_BLE_PDU_STATUS_INVALID_INSTANCE_ID]         = "Invalid Instance ID",
  [HAP_BLE_PDU_STATUS_INSUFFICIENT_AUTHENTICATION] = "Insufficient Authentication",
  [HAP_BLE_PDU_STATUS_INVALID_REQUEST]             = "Invalid Request",
};

const char *
hap_ble_opcode_to_string (guint8 opcode)
{
  return opcode < G_N_ELEMENTS (opcode_names) ? opcode_names[opcode] : NULL;
}

const char *
hap_ble_pdu_status_to_string (guint8 status)
{
  return status < G_N_ELEMENTS (status_names) ? status_names[status] : NULL;
}

gboolean
hap_ble_opcode_is_service_level (guint8 opcode)
{
  /* docs/protocol.md §5.2: these two carry the service iid (and go to its A5). */
  return opcode == HAP_BLE_OPCODE_SERVICE_SIGNATURE_READ ||
         opcode == HAP_BLE_OPCODE_PROTOCOL_CONFIGURATION;
}

/* Frees a GByteArray used as the storage of a GBytes, wiping it first: bodies carry
 * pairing messages and, in Protocol Configuration responses, the broadcast key. */
static void
wipe_byte_array (gpointer data)
{
  GByteArray *array = data;

  sodium_memzero (array->data, array->len);
  g_byte_array_unref (array);
}

static GBytes *
bytes_take_wiping (GByteArray *array)
{
  return g_bytes_new_with_free_func (array->data, array->len, wipe_byte_array, array);
}

void
hap_ble_request_clear (HapBleRequest *request)
{
  g_return_if_fail (request != NULL);

  g_clear_pointer (&request->body, g_bytes_unref);
  memset (request, 0, sizeof *request);
}

void
hap_ble_response_clear (HapBleResponse *response)
{
  g_return_if_fail (response != NULL);

  g_clear_pointer (&response->body, g_bytes_unref);
  memset (response, 0, sizeof *response);
}

/* Assembly, shared by both directions. */

typedef struct
{
  guint8  first;   /* opcode or status */
  guint8  tid;
  guint16 iid;
  GBytes *body;
} AssembledPdu;

static const char *
pdu_noun (gboolean response)
{
  return response ? "response" : "request";
}

static void
core_drop (HapBlePduAssembler *core)
{
  if (core->body != NULL)
    {
      sodium_memzero (core->body->data, core->body->len);
      g_clear_pointer (&core->body, g_byte_array_unref);
    }
  core->busy = FALSE;
  core->has_body = FALSE;
  core->body_len = 0;
}

static void
core_init (HapBlePduAssembler *core,
           gsize               max_body)
{
  memset (core, 0, sizeof *core);
  core->max_body = max_body;
}

static void
core_clear (HapBlePduAssembler *core)
{
  core_drop (core);
  core->has_last_tid = FALSE;
  core->last_tid = 0;
}

static HapBlePduResult
core_fail (HapBlePduAssembler  *core,
           GError             **error,
           gint                 code,
           const char          *format,
           ...) G_GNUC_PRINTF (4, 5);

static HapBlePduResult
core_fail (HapBlePduAssembler  *core,
           GError             **error,
           gint                 code,
           const char          *format,
           ...)
{
  va_list args;

  core_drop (core);
  core->has_last_tid = FALSE;

  if (error != NULL)
    {
      va_start (args, format);
      *error = g_error_new_valist (HAP_ERROR, code, format, args);
      va_end (args);
    }

  return HAP_BLE_PDU_ERROR;
}

/* Hands the finished PDU to @out and makes the assembler idle. */
static HapBlePduResult
core_complete (HapBlePduAssembler *core,
               AssembledPdu       *out)
{
  out->first = core->first;
  out->tid = core->tid;
  out->iid = core->iid;
  out->body = NULL;
  if (core->has_body)
    out->body = bytes_take_wiping (g_steal_pointer (&core->body));

  core->has_last_tid = TRUE;
  core->last_tid = core->tid;
  core_drop (core);
  return HAP_BLE_PDU_COMPLETE;
}

/* docs/protocol.md §5.2: the control field's bits and the PDU type this side expects. */
static gboolean
check_control (guint8    control,
               gboolean  response,
               char    **problem)
{
  guint8 type = control & HAP_BLE_PDU_CONTROL_TYPE_MASK;
  guint8 expected = response ? HAP_BLE_PDU_CONTROL_TYPE_RESPONSE : HAP_BLE_PDU_CONTROL_TYPE_REQUEST;

  if (control & HAP_BLE_PDU_CONTROL_LENGTH)
    *problem = g_strdup_printf ("control field 0x%02X sets bit 0 (control field length); "
                                "only 1-byte control fields exist", control);
  else if (control & HAP_BLE_PDU_CONTROL_RESERVED)
    *problem = g_strdup_printf ("control field 0x%02X sets reserved bits 6-5", control);
  else if (control & HAP_BLE_PDU_CONTROL_IID_64BIT)
    *problem = g_strdup_printf ("control field 0x%02X sets bit 4 (64-bit instance IDs), "
                                "which is not supported", control);
  else if (type == HAP_BLE_PDU_CONTROL_TYPE_RESPONSE && !response)
    *problem = g_strdup_printf ("control field 0x%02X marks a response where a request "
                                "was expected", control);
  else if (type == HAP_BLE_PDU_CONTROL_TYPE_REQUEST && response)
    *problem = g_strdup_printf ("control field 0x%02X marks a request where a response "
                                "was expected", control);
  else if (type != expected)
    *problem = g_strdup_printf ("control field 0x%02X has unknown PDU type %u (bits 3-1)",
                                control, type >> 1);
  else
    return TRUE;

  return FALSE;
}

static HapBlePduResult
feed_first (HapBlePduAssembler  *core,
            gboolean             response,
            const guint8        *fragment,
            gsize                len,
            AssembledPdu        *out,
            GError             **error)
{
  const char *noun = pdu_noun (response);
  gsize header = response ? HAP_BLE_PDU_RESPONSE_HEADER_LEN : HAP_BLE_PDU_REQUEST_HEADER_LEN;
  gsize data_len;
  gsize body_len;

  if (core->busy)
    {
      /* docs/protocol.md §5.7: one transaction at a time; the caller decides whether the
       * new PDU replaces the unfinished one. */
      gsize have = core->body != NULL ? core->body->len : 0;
      guint8 old_tid = core->tid;
      gsize old_len = core->body_len;

      core_drop (core);
      core->has_last_tid = FALSE;
      g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_DATA,
                   "New %s first fragment while the %s with TID 0x%02X had only %"
                   G_GSIZE_FORMAT " of its %" G_GSIZE_FORMAT " body bytes",
                   noun, noun, old_tid, have, old_len);
      return HAP_BLE_PDU_INTERRUPTED;
    }

  if (len < header)
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "Truncated %s header: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                      " bytes", noun, len, header);

  core->has_last_tid = FALSE;
  if (response)
    {
      core->tid = fragment[1];
      core->first = fragment[2];
      core->iid = 0;
    }
  else
    {
      core->first = fragment[1];
      core->tid = fragment[2];
      core->iid = hap_ble_get_le16 (fragment + 3);
    }

  /* docs/protocol.md §5.2: no bytes after the header means no body at all. */
  if (len == header)
    {
      core->has_body = FALSE;
      return core_complete (core, out);
    }

  if (len - header < HAP_BLE_PDU_BODY_LENGTH_LEN)
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "Truncated %s header: the body length field has 1 of 2 bytes", noun);

  body_len = hap_ble_get_le16 (fragment + header);
  data_len = len - header - HAP_BLE_PDU_BODY_LENGTH_LEN;

  if (body_len > core->max_body)
    return core_fail (core, error, HAP_ERROR_TOO_LARGE,
                      "The %s declares a %" G_GSIZE_FORMAT "-byte body, more than the %"
                      G_GSIZE_FORMAT " bytes accepted", noun, body_len, core->max_body);

  if (data_len > body_len)
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "The %s first fragment carries %" G_GSIZE_FORMAT " body bytes, more "
                      "than the %" G_GSIZE_FORMAT " it declares", noun, data_len, body_len);

  core->has_body = TRUE;
  core->body_len = body_len;
  core->body = g_byte_array_sized_new ((guint) body_len);
  g_byte_array_append (core->body, fragment + header + HAP_BLE_PDU_BODY_LENGTH_LEN,
                       (guint) data_len);

  if (data_len == body_len)
    return core_complete (core, out);

  core->busy = TRUE;
  return HAP_BLE_PDU_NEED_MORE;
}

static HapBlePduResult
feed_continuation (HapBlePduAssembler  *core,
                   gboolean             response,
                   const guint8        *fragment,
                   gsize                len,
                   AssembledPdu        *out,
                   GError             **error)
{
  const char *noun = pdu_noun (response);
  gsize data_len, remaining;
  guint8 tid;

  if (len < HAP_BLE_PDU_CONTINUATION_HEADER_LEN)
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "Truncated %s continuation fragment: no TID", noun);

  tid = fragment[1];
  data_len = len - HAP_BLE_PDU_CONTINUATION_HEADER_LEN;

  if (!core->busy)
    {
      if (data_len == 0 && core->has_last_tid && tid == core->last_tid)
        return HAP_BLE_PDU_IGNORED;

      return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                        "A %s continuation fragment (TID 0x%02X) arrived without a first "
                        "fragment", noun, tid);
    }

  /* docs/protocol.md §5.2: continuations repeat the first fragment's TID. */
  if (tid != core->tid)
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "A %s continuation fragment has TID 0x%02X, but the %s being "
                      "assembled has TID 0x%02X", noun, tid, noun, core->tid);

  remaining = core->body_len - core->body->len;
  if (data_len > remaining)
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "A %s continuation fragment carries %" G_GSIZE_FORMAT " body bytes, "
                      "but only %" G_GSIZE_FORMAT " of the declared %" G_GSIZE_FORMAT
                      " remain", noun, data_len, remaining, core->body_len);

  g_byte_array_append (core->body, fragment + HAP_BLE_PDU_CONTINUATION_HEADER_LEN,
                       (guint) data_len);
  if (core->body->len == core->body_len)
    return core_complete (core, out);

  return HAP_BLE_PDU_NEED_MORE;
}

static HapBlePduResult
core_feed (HapBlePduAssembler  *core,
           gboolean             response,
           const guint8        *fragment,
           gsize                len,
           AssembledPdu        *out,
           GError             **error)
{
  g_autofree char *problem = NULL;

  if (len == 0)
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "Empty %s fragment", pdu_noun (response));

  if (!check_control (fragment[0], response, &problem))
    return core_fail (core, error, HAP_ERROR_INVALID_DATA,
                      "Invalid %s fragment: %s", pdu_noun (response), problem);

  if (fragment[0] & HAP_BLE_PDU_CONTROL_CONTINUATION)
    return feed_continuation (core, response, fragment, len, out, error);

  return feed_first (core, response, fragment, len, out, error);
}

void
hap_ble_request_assembler_init (HapBleRequestAssembler *self,
                                gsize                   max_body)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_body <= HAP_BLE_PDU_MAX_BODY);

  core_init (&self->core, max_body);
}

void
hap_ble_request_assembler_clear (HapBleRequestAssembler *self)
{
  g_return_if_fail (self != NULL);

  core_clear (&self->core);
}

gboolean
hap_ble_request_assembler_is_busy (HapBleRequestAssembler *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->core.busy;
}

HapBlePduResult
hap_ble_request_assembler_feed (HapBleRequestAssembler  *self,
                                const guint8            *fragment,
                                gsize                    len,
                                HapBleRequest           *request,
                                GError                 **error)
{
  AssembledPdu pdu = { 0 };
  HapBlePduResult result;

  g_return_val_if_fail (self != NULL, HAP_BLE_PDU_ERROR);
  g_return_val_if_fail (fragment != NULL || len == 0, HAP_BLE_PDU_ERROR);
  g_return_val_if_fail (request != NULL, HAP_BLE_PDU_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, HAP_BLE_PDU_ERROR);

  result = core_feed (&self->core, FALSE, fragment, len, &pdu, error);
  if (result == HAP_BLE_PDU_COMPLETE)
    {
      request->opcode = pdu.first;
      request->tid = pdu.tid;
      request->iid = pdu.iid;
      request->body = pdu.body;
    }
  return result;
}

void
hap_ble_response_assembler_init (HapBleResponseAssembler *self,
                                 gsize                    max_body)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (max_body <= HAP_BLE_PDU_MAX_BODY);

  core_init (&self->core, max_body);
}

void
hap_ble_response_assembler_clear (HapBleResponseAssembler *self)
{
  g_return_if_fail (self != NULL);

  core_clear (&self->core);
}

gboolean
hap_ble_response_assembler_is_busy (HapBleResponseAssembler *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->core.busy;
}

HapBlePduResult
hap_ble_response_assembler_feed (HapBleResponseAssembler  *self,
                                 const guint8             *fragment,
                                 gsize                     len,
                                 HapBleResponse           *response,
                                 GError                  **error)
{
  AssembledPdu pdu = { 0 };
  HapBlePduResult result;

  g_return_val_if_fail (self != NULL, HAP_BLE_PDU_ERROR);
  g_return_val_if_fail (fragment != NULL || len == 0, HAP_BLE_PDU_ERROR);
  g_return_val_if_fail (response != NULL, HAP_BLE_PDU_ERROR);
  g_return_val_if_fail (error == NULL || *error == NULL, HAP_BLE_PDU_ERROR);

  result = core_feed (&self->core, TRUE, fragment, len, &pdu, error);
  if (result == HAP_BLE_PDU_COMPLETE)
    {
      response->tid = pdu.tid;
      response->status = pdu.first;
      response->body = pdu.body;
    }
  return result;
}

/* Fragmenting. */

/* Splits @body after the first fragment's @header bytes (already formatted, length field
 * included when there is a body) into continuation fragments of @max_fragment bytes. */
static GPtrArray *
fragment_pdu (const guint8 *header,
              gsize         header_len,
              guint8        continuation_control,
              guint8        tid,
              const guint8 *body,
              gsize         body_len,
              gsize         max_fragment)
{
  GPtrArray *fragments = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  gsize first_data = MIN (body_len, max_fragment - header_len);
  gsize offset = first_data;
  GByteArray *first;

  first = g_byte_array_sized_new ((guint) (header_len + first_data));
  g_byte_array_append (first, header, (guint) header_len);
  if (first_data > 0)
    g_byte_array_append (first, body, (guint) first_data);
  g_ptr_array_add (fragments, bytes_take_wiping (first));

  /* docs/protocol.md §5.7: continuations carry control ‖ TID ‖ the next body bytes. */
  while (offset < body_len)
    {
      gsize n = MIN (body_len - offset, max_fragment - HAP_BLE_PDU_CONTINUATION_HEADER_LEN);
      guint8 cont_header[HAP_BLE_PDU_CONTINUATION_HEADER_LEN] = { continuation_control, tid };
      GByteArray *fragment = g_byte_array_sized_new ((guint) (sizeof cont_header + n));

      g_byte_array_append (fragment, cont_header, sizeof cont_header);
      g_byte_array_append (fragment, body + offset, (guint) n);
      g_ptr_array_add (fragments, bytes_take_wiping (fragment));
      offset += n;
    }

  return fragments;
}

GPtrArray *
hap_ble_pdu_fragment_request (guint8        opcode,
                              guint8        tid,
                              guint16       iid,
                              const guint8 *body,
                              gsize         body_len,
                              gboolean      has_body,
                              gsize         max_fragment)
{
  guint8 header[HAP_BLE_PDU_REQUEST_HEADER_LEN + HAP_BLE_PDU_BODY_LENGTH_LEN];
  gsize header_len = HAP_BLE_PDU_REQUEST_HEADER_LEN;

  g_return_val_if_fail (body != NULL || body_len == 0, NULL);
  g_return_val_if_fail (has_body || body_len == 0, NULL);
  g_return_val_if_fail (body_len <= HAP_BLE_PDU_MAX_BODY, NULL);
  g_return_val_if_fail (max_fragment >= HAP_BLE_PDU_MIN_FRAGMENT, NULL);

  header[0] = HAP_BLE_PDU_CONTROL_TYPE_REQUEST;
  header[1] = opcode;
  header[2] = tid;
  hap_ble_put_le16 (header + 3, iid);
  if (has_body)
    {
      hap_ble_put_le16 (header + header_len, (guint16) body_len);
      header_len += HAP_BLE_PDU_BODY_LENGTH_LEN;
    }

  return fragment_pdu (header, header_len,
                       HAP_BLE_PDU_CONTROL_CONTINUATION | HAP_BLE_PDU_CONTROL_TYPE_REQUEST,
                       tid, body, body_len, max_fragment);
}

GPtrArray *
hap_ble_pdu_fragment_response (guint8        tid,
                               guint8        status,
                               const guint8 *body,
                               gsize         body_len,
                               gboolean      has_body,
                               gsize         max_fragment)
{
  guint8 header[HAP_BLE_PDU_RESPONSE_HEADER_LEN + HAP_BLE_PDU_BODY_LENGTH_LEN];
  gsize header_len = HAP_BLE_PDU_RESPONSE_HEADER_LEN;

  g_return_val_if_fail (body != NULL || body_len == 0, NULL);
  g_return_val_if_fail (has_body || body_len == 0, NULL);
  g_return_val_if_fail (body_len <= HAP_BLE_PDU_MAX_BODY, NULL);
  g_return_val_if_fail (max_fragment >= HAP_BLE_PDU_MIN_FRAGMENT, NULL);

  header[0] = HAP_BLE_PDU_CONTROL_TYPE_RESPONSE;
  header[1] = tid;
  header[2] = status;
  if (has_body)
    {
      hap_ble_put_le16 (header + header_len, (guint16) body_len);
      header_len += HAP_BLE_PDU_BODY_LENGTH_LEN;
    }

  return fragment_pdu (header, header_len,
                       HAP_BLE_PDU_CONTROL_CONTINUATION | HAP_BLE_PDU_CONTROL_TYPE_RESPONSE,
                       tid, body, body_len, max_fragment);
}

/* Body parameters. */

void
hap_ble_tlv_append_le16 (GByteArray *buf,
                         guint8      type,
                         guint16     value)
{
  guint8 bytes[2];

  g_return_if_fail (buf != NULL);

  hap_ble_put_le16 (bytes, value);
  hap_tlv8_append (buf, type, bytes, sizeof bytes);
}

gboolean
hap_ble_tlv_get_le16 (HapTlv8 *tlv,
                      guint8   type,
                      guint16 *value)
{
  const guint8 *bytes;
  gsize len = 0;

  g_return_val_if_fail (tlv != NULL, FALSE);

  bytes = hap_tlv8_get (tlv, type, &len);
  if (bytes == NULL || len != 2)
    return FALSE;

  if (value != NULL)
    *value = hap_ble_get_le16 (bytes);
  return TRUE;
}
