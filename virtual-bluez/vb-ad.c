/* vb-ad.c — LEAdvertisement1 properties as bluetoothd 5.66 reads them, and the legacy
 *           advertising payloads they become
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-ad.h"

#include <string.h>

#include "vb-error.h"
#include "vb-uuid.h"

#define PARSE_FAILED "Failed to parse advertisement."

/* More entries than could ever fit 31 bytes (a 16-bit UUID takes 2, a data field
 * at least 4) are refused early, so a hostile list costs nothing. */
#define MAX_LIST_ENTRIES 32

void
vb_ad_data_init (VbAdData *ad)
{
  memset (ad, 0, sizeof *ad);
  ad->service_uuids = g_ptr_array_new_with_free_func (g_free);
  ad->solicit_uuids = g_ptr_array_new_with_free_func (g_free);
  ad->manufacturer = g_array_new (FALSE, TRUE, sizeof (VbAdManufacturer));
  ad->service_data = g_array_new (FALSE, TRUE, sizeof (VbAdServiceData));
}

void
vb_ad_data_clear (VbAdData *ad)
{
  if (ad->manufacturer != NULL)
    for (guint i = 0; i < ad->manufacturer->len; i++)
      g_bytes_unref (g_array_index (ad->manufacturer, VbAdManufacturer, i).data);
  if (ad->service_data != NULL)
    for (guint i = 0; i < ad->service_data->len; i++)
      {
        VbAdServiceData *sd = &g_array_index (ad->service_data, VbAdServiceData, i);

        g_free (sd->uuid);
        g_bytes_unref (sd->data);
      }
  g_clear_pointer (&ad->service_uuids, g_ptr_array_unref);
  g_clear_pointer (&ad->solicit_uuids, g_ptr_array_unref);
  g_clear_pointer (&ad->manufacturer, g_array_unref);
  g_clear_pointer (&ad->service_data, g_array_unref);
  g_clear_pointer (&ad->local_name, g_free);
}

void
vb_ad_payload_clear (VbAdPayload *payload)
{
  g_clear_pointer (&payload->adv_data, g_bytes_unref);
  g_clear_pointer (&payload->scan_response, g_bytes_unref);
  payload->flags = 0;
}

/* One property parser; returns FALSE with a short reason. */
typedef gboolean (*ParseFunc) (GVariant *value, gboolean experimental, VbAdData *ad,
                               const char **reason);

static gboolean
has_type (GVariant *value, const char *type)
{
  return g_variant_is_of_type (value, G_VARIANT_TYPE (type));
}

static gboolean
parse_type (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  const char *type;

  if (!has_type (value, "s"))
    return FALSE;
  type = g_variant_get_string (value, NULL);
  if (strcmp (type, "broadcast") == 0)
    ad->peripheral = FALSE;
  else if (strcmp (type, "peripheral") == 0)
    ad->peripheral = TRUE;
  else
    {
      *reason = "Type must be \"peripheral\" or \"broadcast\"";
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_uuid_list (GVariant *value, GPtrArray *list, const char **reason)
{
  GVariantIter iter;
  const char *text;

  if (!has_type (value, "as"))
    return FALSE;
  if (g_variant_n_children (value) > MAX_LIST_ENTRIES)
    {
      *reason = "too many UUIDs for an advertisement";
      return FALSE;
    }
  g_ptr_array_set_size (list, 0);
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "&s", &text))
    {
      char full[VB_UUID_STRLEN];
      gboolean duplicate = FALSE;

      if (vb_uuid_parse (text, full) == VB_UUID_INVALID)
        {
          *reason = "invalid UUID";
          return FALSE;
        }
      /* bt_ad keeps a UUID once. */
      for (guint i = 0; i < list->len && !duplicate; i++)
        {
          char other[VB_UUID_STRLEN];

          vb_uuid_parse (g_ptr_array_index (list, i), other);
          duplicate = strcmp (full, other) == 0;
        }
      if (!duplicate)
        g_ptr_array_add (list, g_strdup (text));
    }
  return TRUE;
}

static gboolean
parse_service_uuids (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return parse_uuid_list (value, ad->service_uuids, reason);
}

static gboolean
parse_solicit_uuids (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return parse_uuid_list (value, ad->solicit_uuids, reason);
}

/* The byte array a dictionary's "v" must hold (the iterator already unboxed it). */
static GBytes *
variant_bytes (GVariant *value)
{
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    return NULL;
  return g_variant_get_data_as_bytes (value);
}

static gboolean
parse_manufacturer_data (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  GVariantIter iter;
  guint16 company;
  GVariant *boxed;

  if (!has_type (value, "a{qv}"))
    return FALSE;
  if (g_variant_n_children (value) > MAX_LIST_ENTRIES)
    {
      *reason = "too many entries for an advertisement";
      return FALSE;
    }
  for (guint i = 0; i < ad->manufacturer->len; i++)
    g_bytes_unref (g_array_index (ad->manufacturer, VbAdManufacturer, i).data);
  g_array_set_size (ad->manufacturer, 0);
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "{qv}", &company, &boxed))
    {
      GBytes *data = variant_bytes (boxed);
      VbAdManufacturer entry = { company, data };
      guint i;

      g_variant_unref (boxed);
      if (data == NULL)
        {
          *reason = "ManufacturerData values must be byte arrays";
          return FALSE;
        }
      /* bt_ad_add_manufacturer_data(): the data plus the 2-byte company ID must fit. */
      if (g_bytes_get_size (data) > VB_AD_MAX_LEN - 2)
        {
          g_bytes_unref (data);
          *reason = "ManufacturerData entry longer than an advertisement";
          return FALSE;
        }
      for (i = 0; i < ad->manufacturer->len; i++)
        if (g_array_index (ad->manufacturer, VbAdManufacturer, i).company == company)
          break;
      if (i < ad->manufacturer->len)
        {
          g_bytes_unref (g_array_index (ad->manufacturer, VbAdManufacturer, i).data);
          g_array_index (ad->manufacturer, VbAdManufacturer, i).data = data;
        }
      else
        g_array_append_val (ad->manufacturer, entry);
    }
  return TRUE;
}

static gboolean
parse_service_data (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  GVariantIter iter;
  const char *uuid;
  GVariant *boxed;

  if (!has_type (value, "a{sv}"))
    return FALSE;
  if (g_variant_n_children (value) > MAX_LIST_ENTRIES)
    {
      *reason = "too many entries for an advertisement";
      return FALSE;
    }
  for (guint i = 0; i < ad->service_data->len; i++)
    {
      VbAdServiceData *sd = &g_array_index (ad->service_data, VbAdServiceData, i);

      g_free (sd->uuid);
      g_bytes_unref (sd->data);
    }
  g_array_set_size (ad->service_data, 0);
  g_variant_iter_init (&iter, value);
  while (g_variant_iter_next (&iter, "{&sv}", &uuid, &boxed))
    {
      guint8 wire[16];
      gsize uuid_len = vb_uuid_to_wire (uuid, wire);
      GBytes *data = variant_bytes (boxed);
      VbAdServiceData entry;

      g_variant_unref (boxed);
      if (uuid_len == 0 || data == NULL)
        {
          g_clear_pointer (&data, g_bytes_unref);
          *reason = "ServiceData needs UUID keys and byte array values";
          return FALSE;
        }
      if (g_bytes_get_size (data) + uuid_len > VB_AD_MAX_LEN - 2)
        {
          g_bytes_unref (data);
          *reason = "ServiceData entry longer than an advertisement";
          return FALSE;
        }
      entry.uuid = g_strdup (uuid);
      entry.data = data;
      g_array_append_val (ad->service_data, entry);
    }
  return TRUE;
}

static gboolean
parse_includes (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  GVariantIter iter;
  const char *name;

  if (!has_type (value, "as"))
    return FALSE;
  ad->includes = 0;
  g_variant_iter_init (&iter, value);
  /* Unknown names are skipped, as bluetoothd does. */
  while (g_variant_iter_next (&iter, "&s", &name))
    if (strcmp (name, "tx-power") == 0)
      ad->includes |= VB_AD_INCLUDE_TX_POWER;
    else if (strcmp (name, "appearance") == 0)
      ad->includes |= VB_AD_INCLUDE_APPEARANCE;
    else if (strcmp (name, "local-name") == 0)
      ad->includes |= VB_AD_INCLUDE_LOCAL_NAME;
  return TRUE;
}

static gboolean
parse_local_name (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  const char *name;

  if (!has_type (value, "s"))
    return FALSE;
  if (ad->includes & VB_AD_INCLUDE_LOCAL_NAME)
    {
      *reason = "Local name already included";
      return FALSE;
    }
  name = g_variant_get_string (value, NULL);
  g_clear_pointer (&ad->local_name, g_free);
  /* An empty name is the same as none (it would only take space). */
  if (name[0] != '\0')
    ad->local_name = g_strdup (name);
  return TRUE;
}

static gboolean
parse_appearance (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  if (!has_type (value, "q"))
    return FALSE;
  if (ad->includes & VB_AD_INCLUDE_APPEARANCE)
    {
      *reason = "Appearance already included";
      return FALSE;
    }
  ad->has_appearance = TRUE;
  ad->appearance = g_variant_get_uint16 (value);
  return TRUE;
}

static gboolean
parse_duration (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  if (!has_type (value, "q"))
    return FALSE;
  ad->duration = g_variant_get_uint16 (value);
  return TRUE;
}

static gboolean
parse_timeout (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  if (!has_type (value, "q"))
    return FALSE;
  ad->timeout = g_variant_get_uint16 (value);
  return TRUE;
}

/* Intervals in ms; the controller counts 0.625 ms units from 0x20 to 0xFFFFFF (Core
 * Vol 4 Part E §7.8.53). */
static gboolean
parse_interval (GVariant *value, gboolean experimental, guint32 *out, const char **reason)
{
  guint64 units;

  if (!has_type (value, "u"))
    {
      /* Without -E bluetoothd 5.66 returns before looking at the value. */
      return !experimental;
    }
  *out = g_variant_get_uint32 (value);
  units = (guint64) *out * 1000 / 625;
  if (experimental && (units < 0x20 || units > 0xFFFFFF))
    {
      *reason = "interval outside 20 ms .. 10485 s";
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_min_interval (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return parse_interval (value, experimental, &ad->min_interval_ms, reason);
}

static gboolean
parse_max_interval (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return parse_interval (value, experimental, &ad->max_interval_ms, reason);
}

static gboolean
parse_tx_power (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  gint16 power;

  if (!experimental)
    return TRUE;
  if (!has_type (value, "n"))
    return FALSE;
  power = g_variant_get_int16 (value);
  if (power < -127 || power > 20)
    {
      *reason = "TxPower outside -127..20";
      return FALSE;
    }
  ad->has_tx_power = TRUE;
  ad->tx_power = power;
  return TRUE;
}

/* Experimental properties whose effect is not emulated: only their types are
 * checked, and only with --experimental. */
static gboolean
check_experimental_type (GVariant *value, gboolean experimental, const char *type)
{
  return !experimental || has_type (value, type);
}

static gboolean
parse_data (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return check_experimental_type (value, experimental, "a{yv}");
}

static gboolean
parse_discoverable (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return check_experimental_type (value, experimental, "b");
}

static gboolean
parse_discoverable_timeout (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return check_experimental_type (value, experimental, "q");
}

static gboolean
parse_secondary (GVariant *value, gboolean experimental, VbAdData *ad, const char **reason)
{
  return check_experimental_type (value, experimental, "s");
}

/* advertising.c's parsers[] order matters: Includes comes before LocalName and
 * Appearance, which refuse to duplicate an include. */
static const struct
{
  const char *name;
  ParseFunc func;
} parsers[] = {
  { "Type",                parse_type },
  { "ServiceUUIDs",        parse_service_uuids },
  { "SolicitUUIDs",        parse_solicit_uuids },
  { "ManufacturerData",    parse_manufacturer_data },
  { "ServiceData",         parse_service_data },
  { "Includes",            parse_includes },
  { "LocalName",           parse_local_name },
  { "Appearance",          parse_appearance },
  { "Duration",            parse_duration },
  { "Timeout",             parse_timeout },
  { "Data",                parse_data },
  { "Discoverable",        parse_discoverable },
  { "DiscoverableTimeout", parse_discoverable_timeout },
  { "SecondaryChannel",    parse_secondary },
  { "MinInterval",         parse_min_interval },
  { "MaxInterval",         parse_max_interval },
  { "TxPower",             parse_tx_power },
};

gboolean
vb_ad_parse (GVariant  *properties,
             gboolean   experimental,
             VbAdData  *ad,
             GError   **error)
{
  g_return_val_if_fail (g_variant_is_of_type (properties, G_VARIANT_TYPE_VARDICT), FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (parsers); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (properties, parsers[i].name, NULL);
      const char *reason = "wrong type";

      if (value == NULL)
        continue;
      if (!parsers[i].func (value, experimental, ad, &reason))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, PARSE_FAILED " (%s: %s)",
                       parsers[i].name, reason);
          return FALSE;
        }
    }
  ad->intervals_applied = experimental && (ad->min_interval_ms != 0 || ad->max_interval_ms != 0);
  if (ad->intervals_applied && ad->min_interval_ms > ad->max_interval_ms)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   PARSE_FAILED " (MinInterval %u ms > MaxInterval %u ms)",
                   ad->min_interval_ms, ad->max_interval_ms);
      return FALSE;
    }
  return TRUE;
}

static void
append_field (GByteArray *out, guint8 type, const guint8 *data, gsize len)
{
  guint8 header[2] = { (guint8) (len + 1), type };

  g_byte_array_append (out, header, 2);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
}

/* One list field per UUID size, like ad.c serialize_uuids(). */
static void
append_uuid_lists (GByteArray *out, GPtrArray *uuids, const guint8 types[3])
{
  static const gsize sizes[3] = { 2, 4, 16 };

  for (guint s = 0; s < 3; s++)
    {
      g_autoptr(GByteArray) list = g_byte_array_new ();

      for (guint i = 0; i < uuids->len; i++)
        {
          guint8 wire[16];

          if (vb_uuid_to_wire (g_ptr_array_index (uuids, i), wire) == sizes[s])
            g_byte_array_append (list, wire, (guint) sizes[s]);
        }
      if (list->len > 0)
        append_field (out, types[s], list->data, list->len);
    }
}

/* bt_ad_generate() of the advertising data (no Flags: the kernel adds those). */
static GByteArray *
generate_data (const VbAdData *ad)
{
  static const guint8 service_types[3] = { VB_AD_UUID16_ALL, VB_AD_UUID32_ALL, VB_AD_UUID128_ALL };
  static const guint8 solicit_types[3] = { VB_AD_SOLICIT16, VB_AD_SOLICIT32, VB_AD_SOLICIT128 };
  GByteArray *out = g_byte_array_new ();

  append_uuid_lists (out, ad->service_uuids, service_types);
  append_uuid_lists (out, ad->solicit_uuids, solicit_types);
  for (guint i = 0; i < ad->manufacturer->len; i++)
    {
      const VbAdManufacturer *m = &g_array_index (ad->manufacturer, VbAdManufacturer, i);
      g_autoptr(GByteArray) field = g_byte_array_new ();
      guint8 company[2] = { (guint8) (m->company & 0xff), (guint8) (m->company >> 8) };
      gsize len;
      const guint8 *data = g_bytes_get_data (m->data, &len);

      g_byte_array_append (field, company, 2);
      if (len > 0)
        g_byte_array_append (field, data, (guint) len);
      append_field (out, VB_AD_MANUFACTURER, field->data, field->len);
    }
  for (guint i = 0; i < ad->service_data->len; i++)
    {
      const VbAdServiceData *sd = &g_array_index (ad->service_data, VbAdServiceData, i);
      g_autoptr(GByteArray) field = g_byte_array_new ();
      guint8 wire[16];
      gsize uuid_len = vb_uuid_to_wire (sd->uuid, wire);
      gsize len;
      const guint8 *data = g_bytes_get_data (sd->data, &len);

      g_byte_array_append (field, wire, (guint) uuid_len);
      if (len > 0)
        g_byte_array_append (field, data, (guint) len);
      append_field (out, uuid_len == 2 ? VB_AD_SERVICE_DATA16
                         : uuid_len == 4 ? VB_AD_SERVICE_DATA32 : VB_AD_SERVICE_DATA128,
                    field->data, field->len);
    }
  /* generate_adv_data(): Includes "appearance" without a value sends 0x0000. */
  if (ad->has_appearance || (ad->includes & VB_AD_INCLUDE_APPEARANCE))
    {
      guint16 value = ad->has_appearance ? ad->appearance : 0;
      guint8 le[2] = { (guint8) (value & 0xff), (guint8) (value >> 8) };

      append_field (out, VB_AD_APPEARANCE, le, 2);
    }
  return out;
}

gboolean
vb_ad_build (const VbAdData *ad,
             gboolean        discoverable,
             const char     *adapter_alias,
             VbAdPayload    *payload,
             GError        **error)
{
  g_autoptr(GByteArray) data = generate_data (ad);
  g_autoptr(GByteArray) air = g_byte_array_new ();
  gboolean discov_flag = ad->peripheral && discoverable;
  gsize max = VB_AD_MAX_LEN;
  const char *name;
  guint8 flags;

  /* bluetoothd's calc_max_adv_len(): room it leaves for what the kernel adds. */
  if (ad->includes & VB_AD_INCLUDE_TX_POWER)
    max -= 3;
  if (discov_flag)
    max -= 3;
  if (ad->includes & VB_AD_INCLUDE_APPEARANCE)
    max -= 4;
  if (data->len > max)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   PARSE_FAILED " (advertising data is %u bytes, at most %" G_GSIZE_FORMAT " fit)",
                   data->len, max);
      return FALSE;
    }

  /* The kernel (LE-only controller) always adds Flags with "BR/EDR not supported",
   * and "LE General Discoverable" only while the adapter is discoverable (observed:
   * 0x04, then 0x06 with Discoverable=true; docs/bluez.md §1.3). */
  flags = VB_AD_FLAG_NO_BREDR | (discov_flag ? VB_AD_FLAG_GENERAL : 0);
  append_field (air, VB_AD_FLAGS, &flags, 1);
  g_byte_array_append (air, data->data, data->len);
  if (ad->includes & VB_AD_INCLUDE_TX_POWER)
    {
      guint8 power = (guint8) (ad->has_tx_power ? ad->tx_power : 0);

      append_field (air, VB_AD_TX_POWER, &power, 1);
    }
  if (air->len > VB_AD_MAX_LEN)
    {
      /* bluetoothd let it through; the kernel refuses the instance (Invalid Parameters). */
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "Failed to register advertisement (%u bytes on air with Flags, at most %d)",
                   air->len, VB_AD_MAX_LEN);
      return FALSE;
    }

  vb_ad_payload_clear (payload);
  payload->flags = flags;
  payload->adv_data = g_byte_array_free_to_bytes (g_steal_pointer (&air));

  /* LocalName goes to the scan response of a legacy advert (docs/bluez.md §1.3); a name that does
   * not fit becomes a shortened name (ad.c serialize_name()). */
  name = ad->local_name;
  if (name == NULL && (ad->includes & VB_AD_INCLUDE_LOCAL_NAME))
    name = adapter_alias;
  if (name != NULL && name[0] != '\0')
    {
      g_autoptr(GByteArray) scan = g_byte_array_new ();
      gsize len = strlen (name);
      guint8 type = VB_AD_NAME_COMPLETE;

      if (len > VB_AD_MAX_LEN - 2)
        {
          len = VB_AD_MAX_LEN - 2;
          type = VB_AD_NAME_SHORT;
        }
      append_field (scan, type, (const guint8 *) name, len);
      payload->scan_response = g_byte_array_free_to_bytes (g_steal_pointer (&scan));
    }
  return TRUE;
}

char *
vb_ad_payload_name (const VbAdPayload *payload)
{
  gsize len;
  const guint8 *data;

  if (payload->scan_response == NULL)
    return NULL;
  data = g_bytes_get_data (payload->scan_response, &len);
  for (gsize pos = 0; pos + 1 < len && data[pos] != 0; pos += (gsize) data[pos] + 1)
    {
      gsize field_len = data[pos];

      if (pos + 1 + field_len > len)
        break;
      if (data[pos + 1] == VB_AD_NAME_COMPLETE || data[pos + 1] == VB_AD_NAME_SHORT)
        return g_strndup ((const char *) data + pos + 2, field_len - 1);
    }
  return NULL;
}
