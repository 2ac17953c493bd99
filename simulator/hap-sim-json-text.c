/* hap-sim-json-text.c — walking JSON text outside its strings
 *
 * Several rewriters (the JSON syntax quirks, the app's number tidying) change text
 * between tokens and must leave strings alone; each used to carry its own "in string"
 * state machine. They all read strict JSON ("…" with backslash escapes), unlike the
 * SDK's depth pre-scan (hap-json.c), which must skip strings and comments exactly as
 * json-glib's lenient scanner does, and the trace's scanner (hap-sim-trace.c), which
 * validates whole values while it copies them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-json-text.h"

gsize
hap_sim_json_string_end (const char *text,
                         gsize       len,
                         gsize       start)
{
  g_return_val_if_fail (text != NULL || len == 0, len);

  for (gsize i = start + 1; i < len; i++)
    {
      if (text[i] == '\\')
        i++;
      else if (text[i] == '"')
        return i + 1;
    }
  return len;
}
