/* hap-json-reader.c — where each JSON path is in the source text, errors that point
 * there ("FILE:LINE:COL: PATH: message") and typed access to members and elements
 *
 * Positions: json-glib 1.6 emits JsonParser::object-member only after it has consumed
 * the member's value and the comma after it, so json_parser_get_current_line/pos()
 * point past the value there. Instead, once json-glib has accepted the text, a small
 * scanner walks the same text and records where each path's key and value start.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "hap-json-reader.h"
#include "hap-error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NESTING 256

typedef struct
{
  guint line, col;          /* where the value starts, 1-based, columns in bytes */
  guint key_line, key_col;  /* where its member name starts, or 0 */
} Pos;

/* Indexed by HapJsonKind. */
static const char * const kind_names[] = {
  "a string", "an integer", "a number", "true or false", "an array", "an object",
};

/* Paths ------------------------------------------------------------------------- */

char *
hap_json_reader_child_path (const char *path,
                             const char *key)
{
  if (key == NULL)
    return g_strdup (path);
  if (*path == '\0')
    return g_strdup (key);

  return g_strconcat (path, *key == '[' ? "" : ".", key, NULL);
}

char *
hap_json_reader_element_path (const char *path,
                               guint       index_)
{
  return g_strdup_printf ("%s[%u]", path, index_);
}

/* Position index ---------------------------------------------------------------- */

typedef struct
{
  const char *p, *end;
  guint       line, col;
  GHashTable *positions;
  /* Set by hap_json_reader_check_literals(): the origin for messages, and where the
   * first literal json-glib cannot represent is reported (the scan stops there). */
  const char *origin;
  GError    **problem;
} Scanner;

static void
scan_advance (Scanner *s)
{
  if (*s->p == '\n')
    {
      s->line++;
      s->col = 0;
    }
  s->col++;
  s->p++;
}

/* Whitespace and comments, which json-glib 1.6 accepts between tokens: its scanner
 * ends a comment at the next '/' after the opening one, so C comments work and so do
 * "//" and "/x/" (hap-json.c). */
static void
scan_skip (Scanner *s)
{
  while (s->p < s->end)
    {
      if (strchr (" \t\r\n", *s->p) != NULL)
        scan_advance (s);
      else if (*s->p == '/')
        {
          scan_advance (s);
          while (s->p < s->end && *s->p != '/')
            scan_advance (s);
          if (s->p < s->end)
            scan_advance (s);
        }
      else
        break;
    }
}

/* A string literal's text. Escapes are kept as the escaped character, which is exact
 * for \" and \\; a key with other escapes just misses its position (the enclosing
 * object's is used). */
static char *
scan_string (Scanner  *s,
             gboolean *has_nul)
{
  GString *str = g_string_new (NULL);
  char quote = *s->p;

  *has_nul = FALSE;
  scan_advance (s);
  while (s->p < s->end && *s->p != quote)
    {
      /* json-glib takes escapes in "…" only (GScanner's rules for '…'). */
      if (quote == '"' && *s->p == '\\' && s->p + 1 < s->end)
        {
          /* \u0000: json-glib keeps the string only up to it, silently. */
          if ((gsize) (s->end - s->p) >= 6 && s->p[1] == 'u' && memcmp (s->p + 2, "0000", 4) == 0)
            *has_nul = TRUE;
          scan_advance (s);
        }
      g_string_append_c (str, *s->p);
      scan_advance (s);
    }
  if (s->p < s->end)
    scan_advance (s);

  return g_string_free (str, FALSE);
}

static Pos *
scan_pos (Scanner    *s,
          const char *path)
{
  Pos *pos = g_hash_table_lookup (s->positions, path);

  if (pos == NULL)
    {
      pos = g_new0 (Pos, 1);
      g_hash_table_insert (s->positions, g_strdup (path), pos);
    }
  return pos;
}

static gboolean scan_problem (Scanner    *s,
                              guint       line,
                              guint       col,
                              const char *path,
                              const char *format,
                              ...) G_GNUC_PRINTF (5, 6);

/* Reports a literal json-glib would read as something else, when checking literals.
 * Returns FALSE then, to stop the scan; TRUE (go on) when only scanning positions. */
static gboolean
scan_problem (Scanner    *s,
              guint       line,
              guint       col,
              const char *path,
              const char *format,
              ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (s->problem == NULL)
    return TRUE;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (s->problem, HAP_ERROR, HAP_ERROR_INVALID_FILE, "%s:%u:%u: %s: %s", s->origin,
               line, col, *path != '\0' ? path : "(top level)", message);
  return FALSE;
}

/* json-glib reads integers as gint64 and wraps or saturates beyond (2^64 reads as -1),
 * and numbers beyond double as infinity; such a literal is refused as written. */
static gboolean
scan_number (Scanner    *s,
             const char *path,
             const char *start,
             guint       line,
             guint       col)
{
  g_autofree char *literal = g_strndup (start, (gsize) (s->p - start));
  const char *digits = literal + (*literal == '-' || *literal == '+');
  gboolean is_hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
  char *end = NULL;

  if (!g_ascii_isdigit (*digits) && *digits != '.')
    return TRUE;  /* true, false, null, or a syntax json-glib has refused already */

  errno = 0;
  if (!is_hex && strpbrk (literal, ".eE") != NULL)
    {
      double v = g_ascii_strtod (literal, &end);

      if (!isfinite (v))
        return scan_problem (s, line, col, path, "%s is out of range (not a finite number)", literal);
      return TRUE;
    }

  g_ascii_strtoll (literal, &end, 0);
  if (errno == ERANGE)
    return scan_problem (s, line, col, path, "%s is out of range (integers in JSON files are %"
                         G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")", literal, G_MININT64, G_MAXINT64);
  return TRUE;
}

static gboolean
scan_value (Scanner    *s,
            const char *path,
            guint       depth)
{
  Pos *pos;
  char open;
  guint index_ = 0;

  scan_skip (s);
  if (s->p >= s->end || depth > MAX_NESTING)
    return FALSE;

  pos = scan_pos (s, path);
  pos->line = s->line;
  pos->col = s->col;

  if (*s->p == '"' || *s->p == '\'')
    {
      gboolean has_nul;

      g_free (scan_string (s, &has_nul));
      if (has_nul)
        return scan_problem (s, pos->line, pos->col, path, "contains NUL (\\u0000)");
      return TRUE;
    }
  if (*s->p != '{' && *s->p != '[')
    {
      const char *start = s->p;

      /* Numbers, true, false, null. */
      while (s->p < s->end && strchr (" \t\r\n,]}:/", *s->p) == NULL)
        scan_advance (s);
      return scan_number (s, path, start, pos->line, pos->col);
    }

  open = *s->p;
  scan_advance (s);
  for (;;)
    {
      g_autofree char *child = NULL;
      guint key_line = 0, key_col = 0;

      scan_skip (s);
      if (s->p >= s->end)
        return FALSE;
      if (*s->p == (open == '{' ? '}' : ']'))
        break;
      if (*s->p == ',')
        {
          scan_advance (s);
          continue;
        }

      if (open == '{')
        {
          g_autofree char *key = NULL;
          gboolean has_nul;

          if (*s->p != '"' && *s->p != '\'')
            return FALSE;
          key_line = s->line;
          key_col = s->col;
          key = scan_string (s, &has_nul);
          if (has_nul)
            return scan_problem (s, key_line, key_col, path, "a member name contains NUL (\\u0000)");
          scan_skip (s);
          if (s->p >= s->end || *s->p != ':')
            return FALSE;
          scan_advance (s);
          child = hap_json_reader_child_path (path, key);
        }
      else
        child = hap_json_reader_element_path (path, index_++);

      {
        const char *before = s->p;

        /* A value that takes no text would loop here for ever: stop instead. */
        if (!scan_value (s, child, depth + 1) || s->p == before)
          return FALSE;
      }
      if (key_line > 0)
        {
          pos = scan_pos (s, child);
          pos->key_line = key_line;
          pos->key_col = key_col;
        }
    }
  scan_advance (s);

  return TRUE;
}

GHashTable *
hap_json_reader_scan_positions (const char *text,
                                 gsize       length)
{
  Scanner scanner = { 0 };

  scanner.p = text;
  scanner.end = text + length;
  scanner.line = scanner.col = 1;
  scanner.positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  /* Partial results are fine: lookups fall back to the enclosing path. */
  scan_value (&scanner, "", 0);

  return scanner.positions;
}

gboolean
hap_json_reader_check_literals (const char  *origin,
                                 const char  *text,
                                 gsize        length,
                                 GError     **error)
{
  g_autoptr(GError) problem = NULL;
  Scanner scanner = { 0 };

  scanner.p = text;
  scanner.end = text + length;
  scanner.line = scanner.col = 1;
  scanner.positions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  scanner.origin = origin;
  scanner.problem = &problem;

  scan_value (&scanner, "", 0);
  g_hash_table_unref (scanner.positions);

  if (problem != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&problem));
      return FALSE;
    }
  return TRUE;
}

/* Errors and typed access ------------------------------------------------------- */

static const Pos *
find_pos (HapJsonReader *self,
          const char    *path)
{
  g_autofree char *prefix = g_strdup (path);

  for (;;)
    {
      const Pos *pos = g_hash_table_lookup (self->positions, prefix);
      char *dot, *bracket;

      if (pos != NULL && pos->line > 0)
        return pos;
      if (*prefix == '\0')
        return NULL;

      /* An unknown position is the enclosing one's: "a.b[2].c" → "a.b[2]" → "a.b". */
      dot = strrchr (prefix, '.');
      bracket = strrchr (prefix, '[');
      if (dot != NULL && bracket != NULL)
        *(dot > bracket ? dot : bracket) = '\0';
      else if (dot != NULL || bracket != NULL)
        *(dot != NULL ? dot : bracket) = '\0';
      else
        *prefix = '\0';
    }
}

static gboolean
fail_valist (HapJsonReader  *self,
             const char     *path,
             const char     *key,
             gboolean        at_key,
             GError        **error,
             const char     *format,
             va_list         args) G_GNUC_PRINTF (6, 0);

/* Sets "ORIGIN:LINE:COL: PATH: message" for @path (plus @key, a member name or an
 * "[index]") and returns FALSE. @at_key points at the member name, not its value. */
static gboolean
fail_valist (HapJsonReader  *self,
             const char     *path,
             const char     *key,
             gboolean        at_key,
             GError        **error,
             const char     *format,
             va_list         args)
{
  g_autofree char *full = hap_json_reader_child_path (path, key);
  g_autofree char *message = g_strdup_vprintf (format, args);
  const Pos *pos = find_pos (self, full);
  guint line = 1, col = 1;

  if (pos != NULL)
    {
      gboolean use_key = at_key && pos->key_line > 0;

      line = use_key ? pos->key_line : pos->line;
      col = use_key ? pos->key_col : pos->col;
    }

  g_set_error (error, HAP_ERROR, HAP_ERROR_INVALID_FILE, "%s:%u:%u: %s: %s",
               self->origin, line, col, *full != '\0' ? full : "(top level)", message);
  return FALSE;
}

gboolean
hap_json_reader_fail (HapJsonReader  *self,
                       const char     *path,
                       const char     *key,
                       GError        **error,
                       const char     *format,
                       ...)
{
  va_list args;

  va_start (args, format);
  fail_valist (self, path, key, FALSE, error, format, args);
  va_end (args);
  return FALSE;
}

gboolean
hap_json_reader_fail_key (HapJsonReader  *self,
                           const char     *path,
                           const char     *key,
                           GError        **error,
                           const char     *format,
                           ...)
{
  va_list args;

  va_start (args, format);
  fail_valist (self, path, key, TRUE, error, format, args);
  va_end (args);
  return FALSE;
}

const char *
hap_json_reader_describe_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "an object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "an array";
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN: return "a boolean";
    case G_TYPE_INT64:   return "an integer";
    case G_TYPE_DOUBLE:  return "a number";
    case G_TYPE_STRING:  return "a string";
    default:             return "a value";
    }
}

gboolean
hap_json_reader_node_is (JsonNode    *node,
                          HapJsonKind  kind)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;

  switch (kind)
    {
    case HAP_JSON_KIND_STRING:  return type == G_TYPE_STRING;
    case HAP_JSON_KIND_INTEGER: return type == G_TYPE_INT64;
    case HAP_JSON_KIND_NUMBER:  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
    case HAP_JSON_KIND_BOOLEAN: return type == G_TYPE_BOOLEAN;
    case HAP_JSON_KIND_ARRAY:   return JSON_NODE_HOLDS_ARRAY (node);
    case HAP_JSON_KIND_OBJECT:  return JSON_NODE_HOLDS_OBJECT (node);
    default:                    return FALSE;
    }
}

/* @key of @object, checked to be of @kind; *out is NULL when absent. */
gboolean
hap_json_reader_member (HapJsonReader  *self,
                         JsonObject     *object,
                         const char     *path,
                         const char     *key,
                         HapJsonKind     kind,
                         gboolean        required,
                         JsonNode      **out,
                         GError        **error)
{
  *out = json_object_get_member (object, key);
  if (*out == NULL)
    return !required || hap_json_reader_fail (self, path, NULL, error,
                                                "missing required key “%s”", key);
  if (!hap_json_reader_node_is (*out, kind))
    return hap_json_reader_fail (self, path, key, error, "expected %s, got %s", kind_names[kind],
                                  hap_json_reader_describe_node (*out));

  return TRUE;
}

/* Element @index_ of @array (at @path), checked to be of @kind. */
gboolean
hap_json_reader_element (HapJsonReader  *self,
                          JsonArray      *array,
                          guint           index_,
                          const char     *path,
                          HapJsonKind     kind,
                          JsonNode      **out,
                          GError        **error)
{
  char key[16];

  *out = json_array_get_element (array, index_);
  g_snprintf (key, sizeof key, "[%u]", index_);
  if (!hap_json_reader_node_is (*out, kind))
    return hap_json_reader_fail (self, path, key, error, "expected %s, got %s", kind_names[kind],
                                  hap_json_reader_describe_node (*out));

  return TRUE;
}

gboolean
hap_json_reader_int_in_range (HapJsonReader  *self,
                               JsonNode       *node,
                               const char     *path,
                               const char     *key,
                               gint64          min,
                               gint64          max,
                               GError        **error)
{
  gint64 v = json_node_get_int (node);

  if (v < min || v > max)
    return hap_json_reader_fail (self, path, key, error, "%" G_GINT64_FORMAT " is out of range (%"
                                  G_GINT64_FORMAT " to %" G_GINT64_FORMAT ")", v, min, max);
  return TRUE;
}

gboolean
hap_json_reader_check_keys (HapJsonReader       *self,
                             JsonObject          *object,
                             const char          *path,
                             const char * const  *allowed,
                             GError             **error)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      if (!g_strv_contains (allowed, l->data))
        {
          g_autofree char *expected = g_strjoinv (", ", (char **) allowed);

          /* A typo must not be silently ignored. */
          return hap_json_reader_fail_key (self, path, l->data, error,
                                            "unknown key “%s” (expected one of %s)",
                                            (const char *) l->data, expected);
        }
    }

  return TRUE;
}
