/* hap-model-private.h — model internals used by the IP server
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "hap-accessory.h"
#include "hap-wire.h"

G_BEGIN_DECLS

typedef enum
{
  HAP_JSON_AID   = 1 << 0, /* "aid": the owning accessory's aid */
  HAP_JSON_VALUE = 1 << 1, /* "value" (only for readable ones; null for event-only types) */
  HAP_JSON_TYPE  = 1 << 2, /* "type" in short form */
  HAP_JSON_PERMS = 1 << 3, /* "perms" */
  HAP_JSON_META  = 1 << 4, /* format, unit, minValue, maxValue, minStep, maxLen,
                              maxDataLen, valid-values, valid-values-range, description */
  HAP_JSON_EV    = 1 << 5, /* "ev": subscribed (see @subscribed) */
  HAP_JSON_DB    = HAP_JSON_VALUE | HAP_JSON_TYPE | HAP_JSON_PERMS | HAP_JSON_META,
} HapJsonFlags;

/* hap_json_append_string() and hap_json_append_node() are public (hap-wire.h). */
/* Appends @value (of @format's variant type) as JSON: bool as true/false, numbers,
 * strings, base64 for tlv8/data. */
void      hap_json_append_value          (GString           *out,
                                          HapFormat          format,
                                          GVariant          *value);

/* Appends one characteristic object, e.g. {"aid":1,"iid":9,"value":50}. @value
 * overrides the stored value when non-NULL (a read handler's answer). */
void      _hap_characteristic_append_json (HapCharacteristic *self,
                                           GString           *out,
                                           HapJsonFlags       flags,
                                           GVariant          *value,
                                           gboolean           subscribed);
/* Appends the whole accessory object for GET /accessories (docs/protocol.md §4.10):
 * {"aid":1,"services":[{"iid":1,"type":"3E","primary":false,"hidden":false,
 *   "linked":[],"characteristics":[…]}]} */
void      _hap_accessory_append_json      (HapAccessory      *self,
                                           GString           *out);

/* Emitted on HapCharacteristic as
 *   "value-changed" (GVariant *value, gpointer origin)
 * after a stored value changed (or on every set for event-only types), and on
 * HapAccessory as
 *   "identify" ()
 * when Identify is written or POST /identify arrives. */

/* Assigns iids to services and characteristics of @self whose iid is 0, keeping those
 * already set. @id_map (string → GUINT_TO_POINTER-encoded iid, owned keys) maps stable
 * keys to iids: "svc:<UUID>#<n>" for the n-th service of that type and
 * "svc:<UUID>#<n>/chr:<UUID>#<m>" for its m-th characteristic of a type. Keys found in
 * the map reuse their iid; new keys get the next iid above every iid in use and are
 * added to the map. The Accessory Information service always gets iid 1.
 * Returns TRUE if @id_map gained entries. */
gboolean  _hap_accessory_assign_iids      (HapAccessory      *self,
                                           GHashTable        *id_map);
/* Adds the Protocol Information service (A2, Version "1.1.0") if absent. */
void      _hap_accessory_ensure_protocol_information (HapAccessory *self);
/* Emits HapAccessory::identify. */
void      _hap_accessory_identify         (HapAccessory      *self);

/* Digits of G_MAXUINT64. */
#define HAP_DECIMAL_DIGITS 20

/* Writes @value in decimal at the end of @buf and returns its first digit (not
 * NUL-terminated). Every response head and characteristic read carries numbers, and
 * printf parses its format each time (bench/README.md, "Where the accessory's time
 * goes"). */
const char *_hap_format_decimal           (guint64           value,
                                           char              buf[HAP_DECIMAL_DIGITS]);
/* Appends @value in decimal, as "%" G_GUINT64_FORMAT or "%" G_GINT64_FORMAT would. */
void      _hap_string_append_uint64      (GString           *out,
                                          guint64            value);
void      _hap_string_append_int64       (GString           *out,
                                          gint64             value);

/* Appends a finite double in its shortest round-trip form, whole numbers without an
 * exponent ("100", "0.1", "21.5"); NaN and infinities as null. */
void      hap_json_append_double         (GString           *out,
                                          double             value);

/* Weak back pointers, set by the container when a child is added (NULL when it goes
 * away); not for applications. */
void      _hap_characteristic_set_service (HapCharacteristic *self,
                                           HapService        *service);
void      _hap_service_set_accessory      (HapService        *self,
                                           HapAccessory      *accessory);

/* Constraints on a characteristic's value (docs/protocol.md §4.7, §4.10). */
typedef struct
{
  double  min_value;     /* NAN when unset */
  double  max_value;     /* NAN when unset */
  double  min_step;      /* NAN when unset */
  int     max_len;       /* strings, in bytes: -1 means the default 64 */
  int     max_data_len;  /* data: -1 means the default 2097152 */
  GArray *valid_values;  /* int, or NULL */
  GArray *valid_ranges;  /* int start/end pairs (inclusive), or NULL */
} HapValueConstraints;

const HapValueConstraints *_hap_characteristic_get_constraints (HapCharacteristic *self);

/* Per-format value rules, shared by HapCharacteristic and the loader (hap-types.c). */
/* The default value (full reference): 0, FALSE, "" or empty, moved into the
 * constraints. */
GVariant *_hap_value_default   (HapFormat                  format,
                                const HapValueConstraints *constraints);
/* FALSE with HAP_STATUS_ERROR/HAP_STATUS_INVALID_VALUE and a message saying why. */
gboolean  _hap_value_validate  (HapFormat                  format,
                                const HapValueConstraints *constraints,
                                GVariant                  *value,
                                GError                   **error);
/* JSON → floating GVariant of @format's type, range-checked for the format only;
 * NULL with HAP_STATUS_ERROR/HAP_STATUS_INVALID_VALUE. */
GVariant *_hap_value_from_json (HapFormat                  format,
                                JsonNode                  *node,
                                GError                   **error);

/* "As recorded" objects (hap-accessory-dump.c): an accessory loaded from what a real
 * device answered to GET /accessories is served with the JSON objects it recorded —
 * types as written, perms, metadata, unknown members — so that a controller cannot tell
 * it from the device. The model still holds format, perms and constraints (parsed from
 * the recording) for reads, writes and their validation. */

/* Keeps @recorded (the characteristic object as recorded) and its "value" member, which
 * is served until a value is set. */
void        _hap_characteristic_set_recorded        (HapCharacteristic *self,
                                                     JsonObject        *recorded);
JsonObject *_hap_characteristic_get_recorded        (HapCharacteristic *self);
/* The recorded "value" while no value has been set since; else NULL. */
JsonNode   *_hap_characteristic_get_recorded_value  (HapCharacteristic *self);
void        _hap_service_set_recorded               (HapService        *self,
                                                     JsonObject        *recorded);
JsonObject *_hap_service_get_recorded               (HapService        *self);
/* Turns @self into a recorded accessory (the first call): drops the services hap_accessory_new() made
 * (the recording brings its own, Accessory Information wherever it stands, or none),
 * keeps every iid as given and adds no Protocol Information. @root_index is where the
 * aid-1 accessory stood among the recorded accessories (its bridged ones keep their
 * order around it); @config_number is the recorded configuration number, 0 if none.
 * Later calls only update these two. */
void        _hap_accessory_set_recorded             (HapAccessory      *self,
                                                     guint              root_index,
                                                     guint              config_number);
/* Append a recorded service or characteristic object (hap-recorded-json.c): members in
 * recorded order, the live iid, value and "ev" where the flags ask for them. */
void        _hap_service_append_recorded_json       (HapService        *self,
                                                     GString           *out);
void        _hap_characteristic_append_recorded_json (HapCharacteristic *self,
                                                      GString           *out,
                                                      HapJsonFlags       flags,
                                                      GVariant          *value,
                                                      gboolean           subscribed);
gboolean    _hap_accessory_get_recorded             (HapAccessory      *self,
                                                     guint             *root_index,
                                                     guint             *config_number);

G_END_DECLS
