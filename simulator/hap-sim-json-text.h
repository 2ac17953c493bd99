/* hap-sim-json-text.h — walking JSON text outside its strings, for the quirks that
 * rewrite bodies byte by byte and the app's file writer
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where the string whose opening '"' is at @start of @text (@len bytes, not
 * necessarily valid JSON nor nul-terminated) ends: the index just past its closing '"',
 * or @len when the text ends inside it. A backslash takes the byte after it along, so
 * an escaped quote does not end the string. */
gsize hap_sim_json_string_end (const char *text,
                               gsize       len,
                               gsize       start);

G_END_DECLS
