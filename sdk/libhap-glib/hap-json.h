/* hap-json.h — JSON text with bounded nesting: the one way libhap-glib, the simulator
 * and the tools turn JSON text into a JsonNode
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(__HAP_INSIDE__) && !defined(HAP_COMPILATION)
# error "Only <libhap-glib/hap.h> can be included directly."
#endif

#include <json-glib/json-glib.h>
#include "hap-version.h"

G_BEGIN_DECLS

/**
 * HAP_JSON_MAX_DEPTH:
 *
 * How deeply arrays and objects may nest in JSON that libhap-glib reads: HAP bodies,
 * accessory files, controller responses. HAP's own documents nest four deep.
 */
#define HAP_JSON_MAX_DEPTH 256

/**
 * hap_json_check_depth:
 * @text: (array length=length): JSON text, not necessarily valid
 * @length: length of @text in bytes, or -1 if it is nul-terminated
 * @max_depth: how many arrays and objects may be open at once
 * @out_line: (out) (optional): the 1-based line of the first `[` or `{` past @max_depth
 * @out_column: (out) (optional): its 1-based column, in bytes
 *
 * Checks the nesting of @text without parsing it and without recursion, so that a
 * parser that recurses per level (json-glib does) is never handed more than @max_depth
 * levels. Strings (with their escapes) and comments are skipped as json-glib skips them.
 *
 * Returns: %TRUE if no more than @max_depth arrays and objects are ever open at once
 */
HAP_AVAILABLE_IN_ALL
gboolean  hap_json_check_depth (const char  *text,
                                gssize       length,
                                guint        max_depth,
                                guint       *out_line,
                                guint       *out_column);

/**
 * hap_json_parse:
 * @text: (array length=length): JSON text
 * @length: length of @text in bytes, or -1 if it is nul-terminated
 * @error: return location for a #GError
 *
 * Parses @text after hap_json_check_depth() with %HAP_JSON_MAX_DEPTH has accepted it.
 * Too deep a text fails with %HAP_ERROR_TOO_LARGE ("LINE:COL: JSON nests deeper than
 * 256 levels"); a syntax error with json-glib's #JsonParserError; empty text with
 * %HAP_ERROR_INVALID_DATA.
 *
 * Returns: (transfer full): the root node, or %NULL with @error set
 */
HAP_AVAILABLE_IN_ALL
JsonNode *hap_json_parse       (const char  *text,
                                gssize       length,
                                GError     **error);

G_END_DECLS
