/* hap-json.c — JSON text with bounded nesting
 *
 * Why a pre-scan: json-glib's parser recurses once per nested array or object and has
 * no depth limit, so about 100,000 '[' (100 KB, well inside a HAP body or an accessory
 * file) overflow the stack and take the whole process down before any check on the
 * parsed tree could run. Counting brackets first is one linear pass without recursion
 * and needs no second JSON parser.
 *
 * The count never underestimates json-glib's nesting: a bracket outside strings and
 * comments is either one json-glib nests into or the token it stops at with a syntax
 * error. Strings and comments are skipped exactly as json-glib skips them
 * (tests/test-loader.c checks each rule against json-glib): "…" with backslash escapes,
 * '…' without any, and comments that run from a '/' to the next '/' — except that
 * json-glib 1.8 and later end one that starts with slash-star at star-slash, where 1.6
 * (Debian 12) ends it at the next '/' (slash-star-slash is a whole comment there).
 * Skipping more than json-glib does would let brackets through uncounted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-json.h"
#include "hap-error.h"

#include <string.h>

/* Whether the json-glib in use ends a slash-star comment at star-slash (1.8 and later)
 * rather than at the next '/' (1.6). Asked of the library itself, once: what matters is
 * the scanner that will run, not the headers this was built with. */
static gboolean
scanner_ends_c_comments (void)
{
  static gsize answer = 0;   /* 1: at the next '/', 2: at star-slash */

  if (g_once_init_enter (&answer))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      g_once_init_leave (&answer, json_parser_load_from_data (parser, "[/*/1]", -1, NULL) ? 1 : 2);
    }
  return answer == 2;
}

gboolean
hap_json_check_depth (const char *text,
                      gssize      length,
                      guint       max_depth,
                      guint      *out_line,
                      guint      *out_column)
{
  const char *p, *end;
  const char *line_start;
  guint line = 1;
  guint depth = 0;

  g_return_val_if_fail (text != NULL || length == 0, FALSE);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = (gssize) strlen (text);

  p = line_start = text;
  end = text + length;
  while (p < end)
    {
      char c = *p;

      if (c == '\n')
        {
          line++;
          line_start = p + 1;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              if (out_line != NULL)
                *out_line = line;
              if (out_column != NULL)
                *out_column = (guint) (p - line_start) + 1;
              return FALSE;
            }
        }
      else if (c == ']' || c == '}')
        {
          if (depth > 0)
            depth--;
        }
      else if (c == '"' || c == '\'')
        {
          /* json-glib takes "…" with escapes and '…' without (GScanner's rules). */
          for (p++; p < end && *p != c; p++)
            {
              if (c == '"' && *p == '\\' && p + 1 < end)
                p++;
              if (*p == '\n')
                {
                  line++;
                  line_start = p + 1;
                }
            }
        }
      else if (c == '/')
        {
          gboolean c_comment = p + 1 < end && p[1] == '*' && scanner_ends_c_comments ();
          const char *body = p + (c_comment ? 2 : 1);

          /* A comment ends at the next '/' (json-glib 1.6: whatever comes before it), or
           * for slash-star on json-glib 1.8 and later at the first star-slash after it. */
          for (p = body;
               p < end && (c_comment ? !(*p == '/' && p > body && p[-1] == '*') : *p != '/');
               p++)
            if (*p == '\n')
              {
                line++;
                line_start = p + 1;
              }
        }
      if (p < end)
        p++;
    }

  return TRUE;
}

JsonNode *
hap_json_parse (const char  *text,
                gssize       length,
                GError     **error)
{
  /* Mutable nodes: some callers edit the tree (hap-accessory-server.c strips values). */
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint line = 0, column = 0;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = (gssize) strlen (text);

  if (!hap_json_check_depth (text, length, HAP_JSON_MAX_DEPTH, &line, &column))
    {
      g_set_error (error, HAP_ERROR, HAP_ERROR_TOO_LARGE,
                   "%u:%u: JSON nests deeper than %u levels", line, column, HAP_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, length, error))
    return NULL;
  if (json_parser_get_root (parser) == NULL)
    {
      g_set_error_literal (error, HAP_ERROR, HAP_ERROR_INVALID_DATA, "empty JSON text");
      return NULL;
    }

  return json_node_ref (json_parser_get_root (parser));
}
