/* hap-sim-quirk.h — the quirk catalog: deliberate protocol misbehaviours of real devices
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A quirk is a static HapSimQuirkInfo (name, layer, description naming the device it
 * imitates, parameters, hooks). Enabling one on an accessory makes a HapSimQuirk: the
 * info, the parameter values, and the quirk's own state. The accessory calls the hooks
 * of its enabled quirks, in the order they were enabled, from the server hooks
 * (hap-inspection.h). Hooks run on the main context; timers a quirk starts must be
 * removed by its disable hook.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libhap-glib/hap.h>

#include <libhap-glib/hap-inspection.h>

G_BEGIN_DECLS

typedef struct _HapSimAccessory HapSimAccessory;
typedef struct _HapSimQuirk     HapSimQuirk;

typedef enum
{
  HAP_SIM_LAYER_TXT,     /* mDNS TXT record */
  HAP_SIM_LAYER_HTTP,    /* HTTP framing and transport */
  HAP_SIM_LAYER_TLV,     /* pairing TLV8 */
  HAP_SIM_LAYER_JSON,    /* body syntax and shape */
  HAP_SIM_LAYER_VAL,     /* characteristic values and metadata */
  HAP_SIM_LAYER_EV,      /* events and subscriptions */
  HAP_SIM_LAYER_FAULT,   /* fault injection: latency, hangs, drops, restarts, storms */
  HAP_SIM_LAYER_BLE,     /* HAP over Bluetooth LE: GATT database, PDUs, advertising */
} HapSimLayer;

typedef enum
{
  HAP_SIM_PARAM_BOOL,
  HAP_SIM_PARAM_UINT,     /* 0 … G_MAXUINT32 (clamped to min/max) */
  HAP_SIM_PARAM_INT,
  HAP_SIM_PARAM_DOUBLE,
  HAP_SIM_PARAM_STRING,   /* max gives the allowed values as "a|b|c" in choices */
} HapSimParamType;

typedef struct
{
  const char      *name;           /* "delay-ms" */
  HapSimParamType  type;
  const char      *description;
  const char      *default_value;  /* as text: "3000", "true", "drop" */
  double           min, max;       /* numbers; both 0: unbounded */
  const char      *choices;        /* strings: "close|hang", or NULL for any */
} HapSimQuirkParam;

typedef struct
{
  const char             *name;         /* stable, kebab-case: "txt-uppercase-keys" */
  HapSimLayer             layer;
  const char             *description;  /* one line, naming the device it imitates */
  guint                   catalog_row;  /* Row of simulator/QUIRKS.md, 0 for faults */
  const HapSimQuirkParam *params;       /* terminated by a NULL name; NULL for none */

  /* Every hook may be NULL. They mirror HapServerHooks (see there). */
  void           (*enable)   (HapSimQuirk *quirk);   /* also after a parameter change */
  void           (*disable)  (HapSimQuirk *quirk);   /* free state, stop timers */
  gboolean       (*accept)   (HapSimQuirk *quirk, HapConnection *conn);
  void           (*closed)   (HapSimQuirk *quirk, HapConnection *conn);
  HapHookVerdict (*request)  (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                              guint *delay_ms);
  void           (*response) (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                              guint *status, const char **content_type, GByteArray *body);
  void           (*message)  (HapSimQuirk *quirk, HapConnection *conn, HapMessageKind kind,
                              HapHttpMessage *request, GByteArray *message);
  void           (*txt)      (HapSimQuirk *quirk, GPtrArray *items);
  /* The accessory's server started (again) — after power-cycle or restart too. */
  void           (*started)  (HapSimQuirk *quirk);

  /* HAP over BLE: these mirror HapBleHooks (hap-inspection.h). */
  void           (*ble_connected)     (HapSimQuirk *quirk, HapBleConnection *connection);
  void           (*ble_disconnected)  (HapSimQuirk *quirk, HapBleConnection *connection);
  HapHookVerdict (*ble_request)       (HapSimQuirk *quirk, HapBleConnection *connection,
                                       const HapBleRequestInfo *request, guint *delay_ms);
  void           (*ble_response)      (HapSimQuirk *quirk, HapBleConnection *connection,
                                       const HapBleRequestInfo *request, HapBleResponseInfo *response);
  void           (*ble_advertisement) (HapSimQuirk *quirk, const HapBleAdvertisementInfo *info,
                                       GByteArray *payload);
  /* A quirk with this hook changes the GATT database: the accessory restarts its BLE
   * transport when it is switched on or off. */
  gboolean       (*ble_gatt_include)  (HapSimQuirk *quirk, HapService *service,
                                       HapCharacteristic *characteristic);
} HapSimQuirkInfo;

struct _HapSimQuirk
{
  const HapSimQuirkInfo *info;
  HapSimAccessory       *accessory;   /* not owned */
  GHashTable            *params;      /* name → GVariant (b, u, i, d or s), every param set */
  gpointer               state;       /* the quirk's own; free it in disable */
  GHashTable            *conn_data;   /* HapConnection or HapBleConnection → data */
};

/* ---- catalog ---------------------------------------------------------------------- */

const char            *hap_sim_layer_to_string     (HapSimLayer  layer);   /* "TXT", … */
/* Every quirk, sorted by layer then name. */
const HapSimQuirkInfo * const *hap_sim_quirk_catalog (guint *n_quirks);
const HapSimQuirkInfo *hap_sim_quirk_lookup        (const char  *name);

/* Per-layer tables, one per quirks-*.c file. */
const HapSimQuirkInfo *hap_sim_quirks_txt          (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_http         (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_tlv          (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_json         (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_values       (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_events       (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_faults       (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_ble          (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_ble_advertising (guint *n);
const HapSimQuirkInfo *hap_sim_quirks_ble_faults   (guint *n);

/* ---- one enabled quirk ------------------------------------------------------------- */

/* Parameters from @params (a{sv}; numbers may come as any D-Bus integer or double type,
 * or as strings) over the defaults (a floating @params is consumed);
 * HAP_SIM_ERROR_INVALID_ARGUMENT names a bad or unknown one. */
HapSimQuirk *hap_sim_quirk_new        (const HapSimQuirkInfo *info,
                                       HapSimAccessory       *accessory,
                                       GVariant              *params,
                                       GError               **error);
void         hap_sim_quirk_free       (HapSimQuirk *quirk);   /* calls disable */
gboolean     hap_sim_quirk_get_bool   (HapSimQuirk *quirk, const char *param);
guint        hap_sim_quirk_get_uint   (HapSimQuirk *quirk, const char *param);
gint         hap_sim_quirk_get_int    (HapSimQuirk *quirk, const char *param);
double       hap_sim_quirk_get_double (HapSimQuirk *quirk, const char *param);
const char  *hap_sim_quirk_get_string (HapSimQuirk *quirk, const char *param);
/* The parameter values as a{sv}. */
GVariant    *hap_sim_quirk_dup_params (HapSimQuirk *quirk);
/* The accessory's running server, or NULL while it is stopped. */
HapAccessoryServer *hap_sim_quirk_get_server (HapSimQuirk *quirk);

/* Per-connection data of this quirk, freed with @destroy when the connection (a
 * HapConnection or a HapBleConnection) closes or the quirk is disabled. */
gpointer     hap_sim_quirk_get_conn_data (HapSimQuirk   *quirk,
                                          gconstpointer  conn);
void         hap_sim_quirk_set_conn_data (HapSimQuirk   *quirk,
                                          gconstpointer  conn,
                                          gpointer       data,
                                          GDestroyNotify destroy);
/* Called by the accessory: drops @conn's data. */
void         hap_sim_quirk_forget_conn   (HapSimQuirk   *quirk,
                                          gconstpointer  conn);

/* ---- helpers for quirk code ------------------------------------------------------- */

/* TRUE when @request (maybe NULL) is @method (NULL: any) on @path (query ignored). */
gboolean     hap_sim_request_is          (HapHttpMessage *request,
                                          const char     *method,
                                          const char     *path);
/* @data parsed as JSON, or NULL when it is not JSON. */
JsonNode    *hap_sim_parse_json          (const guint8   *data,
                                          gsize           len);
/* Typed access to bodies parsed with hap_sim_parse_json(); NULL/FALSE when @object is
 * NULL, the member is absent or of another type (uint: a non-negative integer). */
JsonArray   *hap_sim_json_member_array   (JsonObject     *object,
                                          const char     *name);
JsonObject  *hap_sim_json_element_object (JsonArray      *array,
                                          guint           index);
gboolean     hap_sim_json_member_uint    (JsonObject     *object,
                                          const char     *name,
                                          guint64        *out);
void         hap_sim_body_replace        (GByteArray     *body,
                                          const void     *data,
                                          gsize           len);
/* Compact JSON of @node, as the server writes it. */
void         hap_sim_body_replace_json   (GByteArray     *body,
                                          JsonNode       *node);
/* Request hooks may rewrite what the server will handle (e.g. drop some entries of a
 * write so that the server answers only the rest); the trace keeps the original. */
void         hap_sim_request_replace_body_json (HapHttpMessage *request,
                                                JsonNode       *node);
/* A characteristic of the quirk's accessory, or NULL. */
HapCharacteristic *hap_sim_quirk_lookup_characteristic (HapSimQuirk *quirk,
                                          guint64         aid,
                                          guint64         iid);
/* A timeout of @ms (0: an idle) on the thread-default context, the accessory's, when
 * called from a hook; remove it with hap_sim_quirk_clear_source() in the disable hook. */
GSource     *hap_sim_quirk_add_timeout   (guint           ms,
                                          GSourceFunc     func,
                                          gpointer        data);
/* Destroys and unrefs *@source, if any, and sets it to NULL. */
void         hap_sim_quirk_clear_source  (GSource       **source);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HapSimQuirk, hap_sim_quirk_free)

G_END_DECLS
