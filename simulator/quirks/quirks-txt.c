/* quirks-txt.c — TXT quirks: the _hap._tcp DNS-SD record as real devices get it wrong
 * (simulator/QUIRKS.md rows 1–3 and 6–8, and the TXT parser variants)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * All of them edit the TXT items ("key=value") in the txt hook, just before the record is
 * published; the accessory publishes the record again when one is enabled or disabled
 * at runtime. Rows 4 and 5 (0.0.0.0, link-local or other accessories' addresses) are not
 * here: they need address records of their own, which the TXT hook cannot make.
 *
 * hap-controller's IP discovery (ip-discovery.js) reads c#, s#, sf, ci with parseInt and
 * keeps whatever it gets: NaN for a missing or non-numeric value, and availableToPair is
 * false when sf is NaN. Each quirk below notes what that means.
 */
#include "hap-sim-quirk.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers -------------------------------------------------------------------------- */

/* Index of the item whose key is @key (exactly: "c#" is not "C#"), or -1. */
static gint
find_item (GPtrArray  *items,
           const char *key)
{
  gsize key_len = strlen (key);

  for (guint i = 0; i < items->len; i++)
    {
      const char *item = g_ptr_array_index (items, i);

      if (strncmp (item, key, key_len) == 0 && (item[key_len] == '=' || item[key_len] == '\0'))
        return (gint) i;
    }
  return -1;
}

/* The value of @key's item ("" for a key without '='), or NULL. */
static const char *
item_value (GPtrArray  *items,
            const char *key)
{
  gint i = find_item (items, key);
  const char *item, *eq;

  if (i < 0)
    return NULL;
  item = g_ptr_array_index (items, i);
  eq = strchr (item, '=');
  return eq != NULL ? eq + 1 : "";
}

/* Items are g_free()d strings: replaced and removed here without relying on the
 * array's free function. */
static void
replace_item (GPtrArray *items,
              guint      index,
              char      *text)
{
  g_free (items->pdata[index]);
  items->pdata[index] = text;
}

static void
set_value (GPtrArray  *items,
           const char *key,
           const char *value)
{
  gint i = find_item (items, key);

  if (i >= 0)
    replace_item (items, (guint) i, g_strconcat (key, "=", value, NULL));
}

static void
remove_key (GPtrArray  *items,
            const char *key)
{
  gint i = find_item (items, key);

  if (i >= 0)
    g_free (g_ptr_array_steal_index (items, (guint) i));
}

/* ---- txt-uppercase-keys (row 1) ------------------------------------------------------- */

/* aiohomekit reads the TXT keys case-insensitively since PR #40; hap-controller looks up
 * txt['c#'] and txt['s#'] and gets NaN for both. */
static void
uppercase_keys_txt (HapSimQuirk *quirk,
                    GPtrArray   *items)
{
  static const char *const keys[] = { "c#", "s#" };

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      gint i = find_item (items, keys[k]);
      char *item;

      if (i < 0)
        continue;
      item = g_strdup (g_ptr_array_index (items, i));
      item[0] = g_ascii_toupper (item[0]);
      replace_item (items, (guint) i, item);
    }
}

/* ---- txt-empty-value (row 2) ---------------------------------------------------------- */

/* "md=" (form=empty) or "md" (form=absent). python3-zeroconf 0.47 decodes the first
 * as b"" and the second as None; aiohomekit choked on None before PR #341.
 * hap-controller's md becomes "" or undefined, which it only passes on. */
static void
empty_value_txt (HapSimQuirk *quirk,
                 GPtrArray   *items)
{
  const char *key = hap_sim_quirk_get_string (quirk, "key");
  gboolean absent = g_str_equal (hap_sim_quirk_get_string (quirk, "form"), "absent");
  gint i = find_item (items, key);

  if (i >= 0)
    replace_item (items, (guint) i, absent ? g_strdup (key) : g_strconcat (key, "=", NULL));
}

/* ---- txt-no-id (row 3), txt-no-sf (row 6) --------------------------------------------- */

/* Without id a controller cannot tell which pairing the record belongs to; aiohomekit
 * skips such records (db95027). hap-controller reports id: undefined. */
static void
no_id_txt (HapSimQuirk *quirk,
           GPtrArray   *items)
{
  remove_key (items, "id");
}

/* aiohomekit defaults sf to 0 (paired); hap-controller gets sf NaN and so
 * availableToPair false, even for an unpaired accessory. */
static void
no_sf_txt (HapSimQuirk *quirk,
           GPtrArray   *items)
{
  remove_key (items, "sf");
}

/* ---- txt-non-numeric (row 7) ---------------------------------------------------------- */

/* hap-controller's parseInt gives NaN for "abc" (and 1 for "1abc"). */
static void
non_numeric_txt (HapSimQuirk *quirk,
                 GPtrArray   *items)
{
  g_auto(GStrv) keys = g_strsplit (hap_sim_quirk_get_string (quirk, "keys"), ",", -1);
  const char *value = hap_sim_quirk_get_string (quirk, "value");

  for (guint k = 0; keys[k] != NULL; k++)
    {
      g_strstrip (keys[k]);
      if (*keys[k] != '\0')
        set_value (items, keys[k], value);
    }
}

/* ---- txt-config-number-zero, txt-config-number-frozen (row 8) ------------------------- */

/* c# is 1–65535 on IP (docs/protocol.md §4.12); 0 makes a controller that caches the
 * database by c# think it never saw one, or always the same one. hap-controller keeps 0. */
static void
config_zero_txt (HapSimQuirk *quirk,
                 GPtrArray   *items)
{
  set_value (items, "c#", "0");
}

/* A controller that caches the database by c# (aiohomekit, Home) keeps using the old
 * one after the accessory changed it. The accessory still counts (its state file has
 * the real c#); only the record stays at "value". */
static void
frozen_txt (HapSimQuirk *quirk,
            GPtrArray   *items)
{
  g_autofree char *text = g_strdup_printf ("%u", hap_sim_quirk_get_uint (quirk, "value"));

  set_value (items, "c#", text);
}

/* ---- txt-lowercase-id ----------------------------------------------------------------- */

/* The Device ID is upper-case hex (docs/protocol.md §2.5). A controller comparing it with
 * a stored pairing byte for byte no longer recognises its accessory; hap-controller
 * passes it through. */
static void
lowercase_id_txt (HapSimQuirk *quirk,
                  GPtrArray   *items)
{
  const char *id = item_value (items, "id");
  g_autofree char *lower = NULL;

  if (id == NULL)
    return;
  lower = g_ascii_strdown (id, -1);
  set_value (items, "id", lower);
}

/* ---- txt-unknown-bits ----------------------------------------------------------------- */

/* ff defines bits 0 and 1 only, ci ends at 36 (docs/protocol.md §4.13, §4.14). A
 * controller that compares ff with 1 or 2 instead of testing bits picks the wrong pairing
 * method; hap-controller's getPairMethod tests bit 0 only, and keeps ci as a number. */
static void
unknown_bits_txt (HapSimQuirk *quirk,
                  GPtrArray   *items)
{
  const char *ff = item_value (items, "ff");
  guint ff_bits = hap_sim_quirk_get_uint (quirk, "ff-bits");
  guint ci = hap_sim_quirk_get_uint (quirk, "ci");

  if (ff != NULL && ff_bits != 0)
    {
      g_autofree char *text = g_strdup_printf ("%lu", strtoul (ff, NULL, 10) | ff_bits);

      set_value (items, "ff", text);
    }
  if (ci != 0)
    {
      g_autofree char *text = g_strdup_printf ("%u", ci);

      set_value (items, "ci", text);
    }
}

/* ---- the table ------------------------------------------------------------------------ */

static const HapSimQuirkParam empty_value_params[] = {
  { "key", HAP_SIM_PARAM_STRING, "The key whose value goes", "md", 0, 0, NULL },
  { "form", HAP_SIM_PARAM_STRING,
    "empty: \"md=\"; absent: \"md\" with no '=' at all", "empty", 0, 0, "empty|absent" },
  { NULL }
};

static const HapSimQuirkParam non_numeric_params[] = {
  { "keys", HAP_SIM_PARAM_STRING, "The numeric keys to spoil, comma-separated",
    "c#,s#,ff,ci", 0, 0, NULL },
  { "value", HAP_SIM_PARAM_STRING, "What they say instead", "abc", 0, 0, NULL },
  { NULL }
};

static const HapSimQuirkParam frozen_params[] = {
  { "value", HAP_SIM_PARAM_UINT,
    "The c# published whatever the database is (1: as if it never changed)",
    "1", 1, 65535, NULL },
  { NULL }
};

static const HapSimQuirkParam unknown_bits_params[] = {
  { "ff-bits", HAP_SIM_PARAM_UINT, "Bits ORed into ff (0: none)", "4", 0, 255, NULL },
  { "ci", HAP_SIM_PARAM_UINT, "The category published instead (0: the real one)",
    "99", 0, 65535, NULL },
  { NULL }
};

static const HapSimQuirkInfo txt_quirks[] = {
  {
    .name = "txt-uppercase-keys",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "Upper-case TXT keys C# and S# (Netatmo Relay)",
    .catalog_row = 1,
    .txt = uppercase_keys_txt,
  },
  {
    .name = "txt-empty-value",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "A TXT key with an empty or absent value, md= (Aqara sensor)",
    .catalog_row = 2,
    .params = empty_value_params,
    .txt = empty_value_txt,
  },
  {
    .name = "txt-no-id",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "No id in the TXT record (unnamed \"bad devices on the network\")",
    .catalog_row = 3,
    .txt = no_id_txt,
  },
  {
    .name = "txt-no-sf",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "No sf in the TXT record (generic devices)",
    .catalog_row = 6,
    .txt = no_sf_txt,
  },
  {
    .name = "txt-non-numeric",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "Non-numeric c#, s#, ff and ci (robustness case, no device seen)",
    .catalog_row = 7,
    .params = non_numeric_params,
    .txt = non_numeric_txt,
  },
  {
    .name = "txt-config-number-zero",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "c#=0 (some BLE devices)",
    .catalog_row = 8,
    .txt = config_zero_txt,
  },
  {
    .name = "txt-config-number-frozen",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "c# not bumped when the database changes (devices in aiohomekit PR #129)",
    .catalog_row = 8,
    .params = frozen_params,
    .txt = frozen_txt,
  },
  {
    .name = "txt-lowercase-id",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "Lower-case Device ID in id (parser variant, no device named)",
    .catalog_row = 0,
    .txt = lowercase_id_txt,
  },
  {
    .name = "txt-unknown-bits",
    .layer = HAP_SIM_LAYER_TXT,
    .description = "Undefined ff bits and an unknown ci category (parser variant, no device named)",
    .catalog_row = 0,
    .params = unknown_bits_params,
    .txt = unknown_bits_txt,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_txt (guint *n)
{
  *n = G_N_ELEMENTS (txt_quirks);
  return txt_quirks;
}
