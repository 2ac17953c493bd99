/* quirks-ble-advertising.c — BLE quirks of the advertisement: malformed manufacturer
 * data, battery devices that fall silent once paired, the GSN wrapping, and an encrypted
 * notification no controller can open (simulator/QUIRKS.md rows 49 and 52)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The advertisement hook sees Apple's manufacturer data (after the company id) each time
 * the SDK publishes it; the accessory publishes again when one of these is switched on
 * or off. Quirks that act once (the GSN, an injected notification) do it from an idle
 * after the server started, since the server's state (the GSN) exists only then.
 */
#include "hap-sim-quirk.h"

#include <sodium.h>

#include "hap-sim-accessory.h"

/* docs/protocol.md §5.9: STL = subtype 1 in the top 3 bits ‖ the length that follows. */
#define STL_WITHOUT_SETUP_HASH 0x2D   /* 13 */
#define STL_WITH_SETUP_HASH    0x31   /* 17 */
#define ADV_OFFSET_STL         1
#define ADV_OFFSET_SF          2

/* A regular advertisement (§5.9) of a paired accessory: SF bit 0 clear. */
static gboolean
is_paired_regular (const HapBleAdvertisementInfo *info,
                   GByteArray                    *payload)
{
  return info->kind == HAP_BLE_ADVERTISEMENT_REGULAR && payload->len > ADV_OFFSET_SF &&
         !(payload->data[ADV_OFFSET_SF] & HAP_BLE_ADV_STATUS_NOT_PAIRED);
}

/* ---- ble-advertisement-malformed (row 49) --------------------------------------------- */

/* Eve's first generation advertised the 15-byte form (no setup hash, which §5.9 allows
 * but controllers indexing bytes 15–18 do not expect) and, at times, manufacturer data
 * that did not parse at all (aiohomekit PRs #500, #510 catch both). */
static void
malformed_advertisement (HapSimQuirk                   *quirk,
                         const HapBleAdvertisementInfo *info,
                         GByteArray                    *payload)
{
  const char *style = hap_sim_quirk_get_string (quirk, "style");

  if (info->kind != HAP_BLE_ADVERTISEMENT_REGULAR || payload->len < HAP_BLE_ADV_LEN)
    return;
  if (g_str_equal (style, "short"))
    {
      g_byte_array_set_size (payload, HAP_BLE_ADV_LEN);
      payload->data[ADV_OFFSET_STL] = STL_WITHOUT_SETUP_HASH;
    }
  else if (g_str_equal (style, "wrong-stl"))
    /* The other form's length: the STL no longer says how many bytes follow. */
    payload->data[ADV_OFFSET_STL] = payload->len == HAP_BLE_ADV_LEN ? STL_WITH_SETUP_HASH : STL_WITHOUT_SETUP_HASH;
  else
    g_byte_array_set_size (payload, MIN (payload->len, hap_sim_quirk_get_uint (quirk, "truncate-to")));
}

/* ---- ble-silent-when-paired (row 52) -------------------------------------------------- */

typedef struct
{
  gint     gsn;      /* the GSN last seen, -1 before the first advertisement */
  GSource *awake;    /* advertising after an event until this fires */
} SilentState;

static gboolean
silent_sleep (gpointer data)
{
  HapSimQuirk *quirk = data;
  SilentState *state = quirk->state;
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);

  g_clear_pointer (&state->awake, g_source_unref);   /* removed by returning below */
  if (server != NULL)
    hap_accessory_server_refresh_ble_advertisement (server);
  return G_SOURCE_REMOVE;
}

/* Battery devices save power by not advertising once paired, and only wake for a
 * while after a change — a disconnected event steps the GSN (docs/protocol.md §5.11).
 * aiohomekit marks BLE pairings available for 7 days since the last advertisement for
 * this reason. Unpaired (SF bit 0 set) the accessory advertises as usual, and encrypted
 * notifications are events and go out. */
static void
silent_advertisement (HapSimQuirk                   *quirk,
                      const HapBleAdvertisementInfo *info,
                      GByteArray                    *payload)
{
  SilentState *state = quirk->state;

  if (state == NULL || !is_paired_regular (info, payload))
    return;
  if (state->gsn >= 0 && info->gsn != (guint) state->gsn)
    {
      hap_sim_quirk_clear_source (&state->awake);
      state->awake = hap_sim_quirk_add_timeout (hap_sim_quirk_get_uint (quirk, "advertise-ms"), silent_sleep, quirk);
    }
  state->gsn = info->gsn;
  if (state->awake == NULL)
    g_byte_array_set_size (payload, 0);   /* the SDK then takes the advertisement off the air */
}

static void
silent_disable (HapSimQuirk *quirk)
{
  SilentState *state = quirk->state;

  if (state == NULL)
    return;
  hap_sim_quirk_clear_source (&state->awake);
  g_clear_pointer (&quirk->state, g_free);
}

static void
silent_enable (HapSimQuirk *quirk)
{
  SilentState *state;

  silent_disable (quirk);
  state = g_new0 (SilentState, 1);
  state->gsn = -1;
  quirk->state = state;
}

/* ---- helpers for the quirks that act once after the start ------------------------------ */

typedef struct
{
  GSource *source;    /* the idle (or, repeating, the timer) */
  gboolean done;      /* acted since switched on: not again after a restart */
} OnceState;

static void
once_disable (HapSimQuirk *quirk)
{
  OnceState *state = quirk->state;

  if (state == NULL)
    return;
  hap_sim_quirk_clear_source (&state->source);
  g_clear_pointer (&quirk->state, g_free);
}

/* From the started hook: @func (@quirk) from an idle, once the server runs. */
static void
once_schedule (HapSimQuirk *quirk,
               GSourceFunc  func)
{
  OnceState *state = quirk->state;

  if (state == NULL)
    quirk->state = state = g_new0 (OnceState, 1);
  if (state->done || state->source != NULL)
    return;
  state->source = hap_sim_quirk_add_timeout (0, func, quirk);
}

/* ---- ble-gsn-rollover (row 52) -------------------------------------------------------- */

/* The GSN wraps from 65535 to 1 (§5.11); a controller comparing GSNs as plain numbers
 * then misses every change after the wrap, or takes the wrap for a reset. Getting there
 * takes 65535 events on a real device; this sets the GSN just below. Switched off, the
 * GSN counts on from wherever it is: wrapping itself is conforming. */
static gboolean
rollover_apply (gpointer data)
{
  HapSimQuirk *quirk = data;
  OnceState *state = quirk->state;
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&state->source, g_source_unref);   /* removed by returning below */
  if (server == NULL || !hap_sim_accessory_has_ble (quirk->accessory))
    return G_SOURCE_REMOVE;   /* not (yet) on BLE: the next start tries again */
  state->done = TRUE;
  if (!hap_accessory_server_set_gsn (server, 65535 - hap_sim_quirk_get_uint (quirk, "steps-before"), &error))
    g_warning ("ble-gsn-rollover: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
rollover_started (HapSimQuirk *quirk)
{
  once_schedule (quirk, rollover_apply);
}

/* ---- ble-notification-without-key (row 52) -------------------------------------------- */

/* The characteristic the notification names: the parameter's, or the first one with
 * events whose format can be broadcast (§5.10); NULL when there is none. */
static HapCharacteristic *
notification_characteristic (HapSimQuirk *quirk)
{
  const char *spec = hap_sim_quirk_get_string (quirk, "characteristic");
  GPtrArray *services;

  if (spec[0] != '\0')
    return hap_sim_accessory_find (quirk->accessory, spec, NULL);
  services = hap_accessory_get_services (hap_sim_accessory_get_accessory (quirk->accessory));
  for (guint i = 0; i < services->len; i++)
    {
      GPtrArray *characteristics = hap_service_get_characteristics (g_ptr_array_index (services, i));

      for (guint j = 0; j < characteristics->len; j++)
        {
          HapCharacteristic *characteristic = g_ptr_array_index (characteristics, j);

          if ((hap_characteristic_get_perms (characteristic) & HAP_PERM_EVENTS) &&
              hap_ble_format_can_broadcast (hap_characteristic_get_format (characteristic)))
            return characteristic;
        }
    }
  return NULL;
}

/* A broadcast notification (§5.10) well formed in every byte — advertising identifier,
 * the next GSN, an iid and its value — but sealed with a key no controller was given:
 * 32 random bytes, or 32 zero bytes (key=zeros: a test can open it). A device sending
 * one before any controller generated a broadcast key leaves controllers with an
 * advertisement they cannot open; aiohomekit logs and drops it. The GSN steps as for a
 * broadcast. Advertised for duration-ms, then the regular advertisement again. */
static gboolean
notification_inject (gpointer data)
{
  HapSimQuirk *quirk = data;
  OnceState *state = quirk->state;
  HapAccessoryServer *server = hap_sim_quirk_get_server (quirk);
  guint interval = hap_sim_quirk_get_uint (quirk, "interval-ms");
  guint8 key[HAP_BLE_BROADCAST_KEY_LEN] = { 0 };
  guint8 advertising_id[6];
  HapCharacteristic *characteristic;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;

  if (interval == 0)
    g_clear_pointer (&state->source, g_source_unref);   /* removed by returning below */
  if (server == NULL || !hap_sim_accessory_has_ble (quirk->accessory))
    return interval > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
  state->done = TRUE;

  if (g_str_equal (hap_sim_quirk_get_string (quirk, "key"), "random"))
    randombytes_buf (key, sizeof key);
  /* A named characteristic whose values do not fit a notification (string, tlv8, data)
   * gets a warning; the notification then carries iid 0, as with none. */
  characteristic = notification_characteristic (quirk);
  if (characteristic != NULL && !hap_ble_format_can_broadcast (hap_characteristic_get_format (characteristic)))
    {
      g_warning ("ble-notification-without-key: characteristic \"%s\" cannot be broadcast "
                 "(its values are longer than 8 bytes); the notification carries iid 0",
                 hap_sim_quirk_get_string (quirk, "characteristic"));
      characteristic = NULL;
    }
  hap_accessory_server_get_ble_broadcast (server, advertising_id, NULL, NULL);
  payload = hap_ble_build_encrypted_notification (key, advertising_id,
                                                  hap_ble_gsn_next ((guint16) hap_accessory_server_get_gsn (server)),
                                                  characteristic);
  sodium_memzero (key, sizeof key);
  hap_accessory_server_advertise_ble_payload (server, payload, hap_sim_quirk_get_uint (quirk, "duration-ms"));
  /* After the payload is up: setting the GSN publishes again, and the notification (not
   * a regular advertisement with the new GSN) is what is up now. */
  if (!hap_accessory_server_set_gsn (server, hap_ble_gsn_next ((guint16) hap_accessory_server_get_gsn (server)),
                                     &error))
    g_warning ("ble-notification-without-key: %s", error->message);
  return interval > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
notification_started (HapSimQuirk *quirk)
{
  guint interval = hap_sim_quirk_get_uint (quirk, "interval-ms");
  OnceState *state;

  if (interval == 0)
    {
      once_schedule (quirk, notification_inject);
      return;
    }
  if (quirk->state == NULL)
    quirk->state = g_new0 (OnceState, 1);
  state = quirk->state;
  if (state->source == NULL)
    state->source = hap_sim_quirk_add_timeout (interval, notification_inject, quirk);
}

/* ---- the table ------------------------------------------------------------------------ */

static const HapSimQuirkParam malformed_params[] = {
  { "style", HAP_SIM_PARAM_STRING,
    "short: the 15-byte form without setup hash; wrong-stl: an STL whose length is not what follows; "
    "truncated: cut to truncate-to bytes",
    "short", 0, 0, "short|wrong-stl|truncated" },
  { "truncate-to", HAP_SIM_PARAM_UINT, "Bytes kept of the manufacturer data (style truncated)",
    "9", 1, 14, NULL },
  { NULL }
};

static const HapSimQuirkParam silent_params[] = {
  { "advertise-ms", HAP_SIM_PARAM_UINT, "How long it advertises after a GSN step before going silent again",
    "5000", 100, 600000, NULL },
  { NULL }
};

static const HapSimQuirkParam rollover_params[] = {
  { "steps-before", HAP_SIM_PARAM_UINT,
    "GSN steps left before the wrap: the GSN is set to 65535 minus this when switched on",
    "0", 0, 65534, NULL },
  { NULL }
};

static const HapSimQuirkParam notification_params[] = {
  { "key", HAP_SIM_PARAM_STRING, "What it is sealed with: random bytes, or 32 zero bytes", "random", 0, 0,
    "random|zeros" },
  { "characteristic", HAP_SIM_PARAM_STRING,
    "The iid and value it carries: \"1.51\" or \"Service/Characteristic\"; empty: the first with events "
    "that can be broadcast (none: iid 0)",
    "", 0, 0, NULL },
  { "duration-ms", HAP_SIM_PARAM_UINT, "How long it is advertised (§5.10: 3 s)", "3000", 100, 600000, NULL },
  { "interval-ms", HAP_SIM_PARAM_UINT, "Another one every interval-ms (0: once, when switched on)",
    "0", 0, 86400000, NULL },
  { NULL }
};

static const HapSimQuirkInfo advertising_quirks[] = {
  {
    .name = "ble-advertisement-malformed",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Advertisement without setup hash (15 bytes), with a wrong STL, or truncated (Eve gen1)",
    .catalog_row = 49,
    .params = malformed_params,
    .ble_advertisement = malformed_advertisement,
  },
  {
    .name = "ble-silent-when-paired",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "Stops advertising once paired, wakes for a while after each GSN step (generic battery devices)",
    .catalog_row = 52,
    .params = silent_params,
    .enable = silent_enable,
    .disable = silent_disable,
    .ble_advertisement = silent_advertisement,
  },
  {
    .name = "ble-gsn-rollover",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "The GSN set just below 65535 so that the next changes wrap it to 1 (generic BLE devices)",
    .catalog_row = 52,
    .params = rollover_params,
    .disable = once_disable,
    .started = rollover_started,
  },
  {
    .name = "ble-notification-without-key",
    .layer = HAP_SIM_LAYER_BLE,
    .description = "An encrypted notification under a key no controller has, before any broadcast key exists (generic BLE devices)",
    .catalog_row = 52,
    .params = notification_params,
    .disable = once_disable,
    .started = notification_started,
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_ble_advertising (guint *n)
{
  *n = G_N_ELEMENTS (advertising_quirks);
  return advertising_quirks;
}
