/* hap-sim-pairing.c — one controller paired with a simulated accessory
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A snapshot of a HapPairing: the server's own records can change or go away under
 * a list that shows them, so the model holds these instead. The public key is not
 * kept, only its fingerprint.
 */
#include "hap-sim-pairing.h"

#include <sodium.h>

#include "hap-sim-inspect.h"

/**
 * HapSimPairing:
 *
 * A controller paired with an accessory, as the app lists it and the control API
 * returns it (one dictionary of `ListPairings`).
 */
struct _HapSimPairing
{
  GObject  parent_instance;
  char    *controller_id;
  char    *fingerprint;
  gint64   added;
  gboolean admin;
};

enum { PROP_0, PROP_CONTROLLER_ID, PROP_ADMIN, PROP_FINGERPRINT, PROP_ADDED, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimPairing, hap_sim_pairing, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];

/* First 16 bytes of SHA-256 of the Ed25519 public key, colon hex: enough to tell keys
 * apart in a listing without handing the key itself out. */
static char *
key_fingerprint (const guint8 public_key[32])
{
  guint8 digest[crypto_hash_sha256_BYTES];
  GString *text = g_string_sized_new (48);

  crypto_hash_sha256 (digest, public_key, 32);
  for (guint i = 0; i < 16; i++)
    g_string_append_printf (text, "%s%02x", i ? ":" : "", digest[i]);
  return g_string_free (text, FALSE);
}

static void
hap_sim_pairing_finalize (GObject *object)
{
  HapSimPairing *self = HAP_SIM_PAIRING (object);

  g_free (self->controller_id);
  g_free (self->fingerprint);
  G_OBJECT_CLASS (hap_sim_pairing_parent_class)->finalize (object);
}

static void
hap_sim_pairing_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimPairing *self = HAP_SIM_PAIRING (object);

  switch (prop_id)
    {
    case PROP_CONTROLLER_ID: g_value_set_string (value, self->controller_id); break;
    case PROP_ADMIN:         g_value_set_boolean (value, self->admin); break;
    case PROP_FINGERPRINT:   g_value_set_string (value, self->fingerprint); break;
    case PROP_ADDED:         g_value_set_int64 (value, self->added); break;
    default:                 G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_pairing_class_init (HapSimPairingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = hap_sim_pairing_finalize;
  object_class->get_property = hap_sim_pairing_get_property;

  /**
   * HapSimPairing:controller-id:
   *
   * The controller's pairing identifier.
   */
  properties [PROP_CONTROLLER_ID] = g_param_spec_string ("controller-id", NULL, NULL, NULL, flags);
  /**
   * HapSimPairing:admin:
   *
   * Whether the controller may add and remove pairings.
   */
  properties [PROP_ADMIN] = g_param_spec_boolean ("admin", NULL, NULL, FALSE, flags);
  /**
   * HapSimPairing:fingerprint:
   *
   * The first 16 bytes of SHA-256 of the controller's long-term public key, colon hex.
   */
  properties [PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL, NULL, NULL, flags);
  /**
   * HapSimPairing:added:
   *
   * When the pairing was added, in Unix seconds (0 when unknown).
   */
  properties [PROP_ADDED] = g_param_spec_int64 ("added", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_sim_pairing_init (HapSimPairing *self)
{
}

/**
 * hap_sim_pairing_new:
 * @pairing: a pairing of the server or of a state directory
 *
 * Returns: (transfer full): a snapshot of @pairing
 */
HapSimPairing *
hap_sim_pairing_new (const HapPairing *pairing)
{
  HapSimPairing *self;

  g_return_val_if_fail (pairing != NULL, NULL);

  self = g_object_new (HAP_SIM_TYPE_PAIRING, NULL);
  self->controller_id = g_strdup (pairing->identifier);
  self->admin = pairing->admin;
  self->fingerprint = key_fingerprint (pairing->public_key);
  self->added = MAX (pairing->added, 0);
  return self;
}

/**
 * hap_sim_pairing_get_controller_id:
 * @self: a pairing
 *
 * Returns: the controller's pairing identifier
 */
const char *
hap_sim_pairing_get_controller_id (HapSimPairing *self)
{
  g_return_val_if_fail (HAP_SIM_IS_PAIRING (self), NULL);
  return self->controller_id;
}

/**
 * hap_sim_pairing_get_admin:
 * @self: a pairing
 *
 * Returns: whether the controller is an admin
 */
gboolean
hap_sim_pairing_get_admin (HapSimPairing *self)
{
  g_return_val_if_fail (HAP_SIM_IS_PAIRING (self), FALSE);
  return self->admin;
}

/**
 * hap_sim_pairing_get_fingerprint:
 * @self: a pairing
 *
 * Returns: the fingerprint of the controller's key (see [property@HapSimPairing:fingerprint])
 */
const char *
hap_sim_pairing_get_fingerprint (HapSimPairing *self)
{
  g_return_val_if_fail (HAP_SIM_IS_PAIRING (self), NULL);
  return self->fingerprint;
}

/**
 * hap_sim_pairing_get_added:
 * @self: a pairing
 *
 * Returns: when the pairing was added, in Unix seconds
 */
gint64
hap_sim_pairing_get_added (HapSimPairing *self)
{
  g_return_val_if_fail (HAP_SIM_IS_PAIRING (self), 0);
  return self->added;
}

/**
 * hap_sim_pairing_to_variant:
 * @self: a pairing
 *
 * The pairing as the control API returns it: a{sv} of controller-id, admin,
 * fingerprint and added (x), in that order.
 *
 * Returns: (transfer floating): the dictionary
 */
GVariant *
hap_sim_pairing_to_variant (HapSimPairing *self)
{
  GVariantBuilder dict;

  g_return_val_if_fail (HAP_SIM_IS_PAIRING (self), NULL);

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  hap_sim_dict_add (&dict, "controller-id", "s", self->controller_id);
  hap_sim_dict_add (&dict, "admin", "b", self->admin);
  hap_sim_dict_add (&dict, "fingerprint", "s", self->fingerprint);
  hap_sim_dict_add (&dict, "added", "x", self->added);
  return g_variant_builder_end (&dict);
}

static gboolean
same_pairing (HapSimPairing *item, const HapPairing *pairing)
{
  g_autofree char *fingerprint = key_fingerprint (pairing->public_key);

  return g_strcmp0 (item->controller_id, pairing->identifier) == 0 &&
         item->admin == pairing->admin && item->added == MAX (pairing->added, 0) &&
         g_strcmp0 (item->fingerprint, fingerprint) == 0;
}

/**
 * hap_sim_pairing_list_sync:
 * @store: a list of [class@HapSimPairing]
 * @pairings: (element-type HapPairing) (nullable): the pairings there are now
 *
 * Makes @store list @pairings in their order. Only a list that differs is changed,
 * in one splice, so that a refresh without a change emits no
 * [signal@Gio.ListModel::items-changed].
 */
void
hap_sim_pairing_list_sync (GListStore *store, GPtrArray *pairings)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (store));
  guint n_pairings = pairings != NULL ? pairings->len : 0;
  g_autoptr(GPtrArray) items = NULL;
  guint same = 0;

  g_return_if_fail (G_IS_LIST_STORE (store));

  for (; same < n_items && same < n_pairings; same++)
    {
      g_autoptr(HapSimPairing) item = g_list_model_get_item (G_LIST_MODEL (store), same);

      if (!same_pairing (item, g_ptr_array_index (pairings, same)))
        break;
    }
  if (same == n_items && same == n_pairings)
    return;
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = same; i < n_pairings; i++)
    g_ptr_array_add (items, hap_sim_pairing_new (g_ptr_array_index (pairings, i)));
  g_list_store_splice (store, same, n_items - same, items->pdata, items->len);
}
