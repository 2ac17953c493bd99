/* hap-json-reader-private.h — JSON paths, their positions in the source text, errors
 * that point there and typed access to members and elements (hap-json-reader.c)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Paths name a value the way messages show it: "" for the top level, then member names
 * joined by "." and "[index]" for array elements, e.g. accessories[0].services[2].iid.
 * Every failure is one HAP_ERROR_INVALID_FILE error reading
 * "ORIGIN:LINE:COL: PATH: message".
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *origin;     /* file name used in messages */
  GHashTable *positions;  /* path → position, from _hap_json_reader_scan_positions() */
} HapJsonReader;

/* What a value must be; names the expected kind in "expected …, got …" messages. */
typedef enum
{
  HAP_JSON_KIND_STRING,
  HAP_JSON_KIND_INTEGER,
  HAP_JSON_KIND_NUMBER,   /* an integer or a double */
  HAP_JSON_KIND_BOOLEAN,
  HAP_JSON_KIND_ARRAY,
  HAP_JSON_KIND_OBJECT,
} HapJsonKind;

/* @path plus member @key (or an "[index]" as @key), or a copy of @path when @key is
 * NULL. */
char       *_hap_json_reader_child_path     (const char         *path,
                                             const char         *key);
/* @path plus "[@index_]". */
char       *_hap_json_reader_element_path   (const char         *path,
                                             guint               index_);

/* Where each path's value (and member name) starts in @text, as a new table for
 * HapJsonReader.positions. Call it once json-glib has accepted @text. */
GHashTable *_hap_json_reader_scan_positions (const char         *text,
                                             gsize               length);

/* Checks what json-glib reads differently from the text, once it has accepted @text:
 * integers beyond gint64 (it wraps 2^64 to -1), numbers beyond double (infinity) and
 * strings with \u0000 (it cuts them there). Fails with "ORIGIN:LINE:COL: PATH: 2^64
 * literal is out of range (…)" or "…: contains NUL (\u0000)" for the first one. */
gboolean    _hap_json_reader_check_literals (const char         *origin,
                                             const char         *text,
                                             gsize               length,
                                             GError            **error);

/* Sets the error for @path (plus @key, as for _hap_json_reader_child_path()), at its
 * value, and returns FALSE. */
gboolean    _hap_json_reader_fail           (HapJsonReader      *self,
                                             const char         *path,
                                             const char         *key,
                                             GError            **error,
                                             const char         *format,
                                             ...) G_GNUC_PRINTF (5, 6);
/* The same, pointing at the member name instead of its value. */
gboolean    _hap_json_reader_fail_key       (HapJsonReader      *self,
                                             const char         *path,
                                             const char         *key,
                                             GError            **error,
                                             const char         *format,
                                             ...) G_GNUC_PRINTF (5, 6);

/* "an object", "a string", "null"… for "got …" in messages. */
const char *_hap_json_reader_describe_node  (JsonNode           *node);
gboolean    _hap_json_reader_node_is        (JsonNode           *node,
                                             HapJsonKind         kind);

/* @key of @object (at @path), checked to be of @kind; *out is NULL when absent. */
gboolean    _hap_json_reader_member         (HapJsonReader      *self,
                                             JsonObject         *object,
                                             const char         *path,
                                             const char         *key,
                                             HapJsonKind         kind,
                                             gboolean            required,
                                             JsonNode          **out,
                                             GError            **error);
/* Element @index_ of @array (at @path), checked to be of @kind. */
gboolean    _hap_json_reader_element        (HapJsonReader      *self,
                                             JsonArray          *array,
                                             guint               index_,
                                             const char         *path,
                                             HapJsonKind         kind,
                                             JsonNode          **out,
                                             GError            **error);
/* Checks that the integer @node (at @path plus @key) is within [@min, @max]. */
gboolean    _hap_json_reader_int_in_range   (HapJsonReader      *self,
                                             JsonNode           *node,
                                             const char         *path,
                                             const char         *key,
                                             gint64              min,
                                             gint64              max,
                                             GError            **error);
/* Refuses any member of @object not in the NULL-terminated @allowed. */
gboolean    _hap_json_reader_check_keys     (HapJsonReader      *self,
                                             JsonObject         *object,
                                             const char         *path,
                                             const char * const *allowed,
                                             GError            **error);

G_END_DECLS
