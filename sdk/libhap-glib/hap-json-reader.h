/* hap-json-reader.h — reading JSON documents with errors that point into the text
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The accessory loader reports "FILE:LINE:COL: PATH: message" for anything wrong in an
 * accessory file. An application that keeps its own settings in the same file (the
 * simulator's "simulator" section, say) reads them with the same reader, so that its
 * messages look the same and point at the same places.
 *
 * Paths name a value the way messages show it: "" for the top level, then member names
 * joined by "." and "[index]" for array elements, e.g. accessories[0].services[2].iid.
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <json-glib/json-glib.h>

#include "hap-version.h"

G_BEGIN_DECLS

/**
 * HapJsonReader:
 * @origin: the name of the input in messages (a file name)
 * @positions: where each path's value starts, from hap_json_reader_scan_positions();
 *   without it messages carry line 1, column 1
 *
 * What a reader needs to point at a path: set both fields, on the stack. The reader
 * owns neither.
 */
typedef struct
{
  const char *origin;
  GHashTable *positions;
} HapJsonReader;

/**
 * HapJsonKind:
 * @HAP_JSON_KIND_STRING: a string
 * @HAP_JSON_KIND_INTEGER: an integer
 * @HAP_JSON_KIND_NUMBER: an integer or a double
 * @HAP_JSON_KIND_BOOLEAN: true or false
 * @HAP_JSON_KIND_ARRAY: an array
 * @HAP_JSON_KIND_OBJECT: an object
 *
 * What a value must be; messages name it in "expected …, got …".
 */
typedef enum
{
  HAP_JSON_KIND_STRING,
  HAP_JSON_KIND_INTEGER,
  HAP_JSON_KIND_NUMBER,
  HAP_JSON_KIND_BOOLEAN,
  HAP_JSON_KIND_ARRAY,
  HAP_JSON_KIND_OBJECT,
} HapJsonKind;

/**
 * hap_json_reader_child_path:
 * @path: a path
 * @key: (nullable): a member name, or "[index]"
 *
 * Returns: (transfer full): @path plus @key, or a copy of @path when @key is %NULL
 */
HAP_AVAILABLE_IN_ALL
char       *hap_json_reader_child_path     (const char         *path,
                                            const char         *key);
/**
 * hap_json_reader_element_path:
 * @path: the path of an array
 * @index_: an element index
 *
 * Returns: (transfer full): @path plus "[@index_]"
 */
HAP_AVAILABLE_IN_ALL
char       *hap_json_reader_element_path   (const char         *path,
                                            guint               index_);

/**
 * hap_json_reader_scan_positions:
 * @text: (array length=length): JSON text json-glib has accepted
 * @length: its length in bytes
 *
 * Finds where each path's value (and member name) starts in @text.
 *
 * Returns: (transfer full): the table for #HapJsonReader.positions (its contents are
 *   private to the reader)
 */
HAP_AVAILABLE_IN_ALL
GHashTable *hap_json_reader_scan_positions (const char         *text,
                                            gsize               length);

/**
 * hap_json_reader_check_literals:
 * @origin: the name of the input in messages
 * @text: (array length=length): JSON text json-glib has accepted
 * @length: its length in bytes
 * @error: return location for a #GError
 *
 * Checks what json-glib reads differently from the text: integers beyond #gint64 (it
 * wraps 2^64 to -1), numbers beyond #gdouble (infinity) and strings with \u0000 (it
 * cuts them there).
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_FILE ("ORIGIN:LINE:COL: PATH: 2^64 literal
 *   is out of range (…)", "…: contains NUL (\u0000)") for the first one
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_check_literals (const char         *origin,
                                            const char         *text,
                                            gsize               length,
                                            GError            **error);

/**
 * hap_json_reader_fail: (skip)
 * @self: a reader
 * @path: the path of the value at fault
 * @key: (nullable): a member of it, as for hap_json_reader_child_path()
 * @error: return location for a #GError
 * @format: printf()-style message
 * @...: its arguments
 *
 * Sets a %HAP_ERROR_INVALID_FILE error "ORIGIN:LINE:COL: PATH: message" pointing at
 * the value.
 *
 * Returns: %FALSE, to be returned by the caller
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_fail           (HapJsonReader      *self,
                                            const char         *path,
                                            const char         *key,
                                            GError            **error,
                                            const char         *format,
                                            ...) G_GNUC_PRINTF (5, 6);
/**
 * hap_json_reader_fail_key: (skip)
 * @self: a reader
 * @path: the path of the object
 * @key: the member at fault
 * @error: return location for a #GError
 * @format: printf()-style message
 * @...: its arguments
 *
 * As hap_json_reader_fail(), pointing at the member name instead of its value.
 *
 * Returns: %FALSE
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_fail_key       (HapJsonReader      *self,
                                            const char         *path,
                                            const char         *key,
                                            GError            **error,
                                            const char         *format,
                                            ...) G_GNUC_PRINTF (5, 6);

/**
 * hap_json_reader_describe_node:
 * @node: (nullable): a node
 *
 * Returns: "an object", "a string", "null"… for "got …" in messages
 */
HAP_AVAILABLE_IN_ALL
const char *hap_json_reader_describe_node  (JsonNode           *node);
/**
 * hap_json_reader_node_is:
 * @node: a node
 * @kind: what it must be
 *
 * Returns: whether @node is of @kind
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_node_is        (JsonNode           *node,
                                            HapJsonKind         kind);

/**
 * hap_json_reader_member:
 * @self: a reader
 * @object: an object
 * @path: its path
 * @key: a member name
 * @kind: what the member must be
 * @required: whether it must be present
 * @out: (out) (transfer none) (nullable): the member, %NULL when absent
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_FILE when the member is of another kind, or
 *   missing and @required
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_member         (HapJsonReader      *self,
                                            JsonObject         *object,
                                            const char         *path,
                                            const char         *key,
                                            HapJsonKind         kind,
                                            gboolean            required,
                                            JsonNode          **out,
                                            GError            **error);
/**
 * hap_json_reader_element:
 * @self: a reader
 * @array: an array
 * @index_: an element index
 * @path: the array's path
 * @kind: what the element must be
 * @out: (out) (transfer none): the element
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_FILE when the element is of another kind
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_element        (HapJsonReader      *self,
                                            JsonArray          *array,
                                            guint               index_,
                                            const char         *path,
                                            HapJsonKind         kind,
                                            JsonNode          **out,
                                            GError            **error);
/**
 * hap_json_reader_int_in_range:
 * @self: a reader
 * @node: an integer node
 * @path: the path of its object
 * @key: (nullable): its member name
 * @min: the least value allowed
 * @max: the greatest value allowed
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_FILE when @node is outside [@min, @max]
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_int_in_range   (HapJsonReader      *self,
                                            JsonNode           *node,
                                            const char         *path,
                                            const char         *key,
                                            gint64              min,
                                            gint64              max,
                                            GError            **error);
/**
 * hap_json_reader_check_keys:
 * @self: a reader
 * @object: an object
 * @path: its path
 * @allowed: (array zero-terminated=1): the member names allowed
 * @error: return location for a #GError
 *
 * Returns: %FALSE with %HAP_ERROR_INVALID_FILE pointing at the first member not in
 *   @allowed
 */
HAP_AVAILABLE_IN_ALL
gboolean    hap_json_reader_check_keys     (HapJsonReader      *self,
                                            JsonObject         *object,
                                            const char         *path,
                                            const char * const *allowed,
                                            GError            **error);

G_END_DECLS
