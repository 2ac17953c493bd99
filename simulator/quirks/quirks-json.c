/* quirks-json.c — JSON body quirks (simulator/QUIRKS.md rows 28–36 and the JSON parser
 * variants)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server writes compact JSON (docs/protocol.md §4; no whitespace outside strings), so
 * the quirks work on its bytes directly rather than going through a JSON tree: a tree
 * written again by json-glib would change the numbers (json-glib prints doubles with 17
 * digits: 21.3 becomes 21.300000000000001) and hide the one thing a quirk changes.
 * Syntax quirks (trailing commas, comments, quotes, BOM, encoding, NaN, ids as strings)
 * apply to every JSON response and to events; shape and status quirks apply to the
 * responses the catalog row names.
 */
#include "hap-sim-quirk.h"
#include "hap-sim-json-text.h"

#include <string.h>

#define CT_JSON "application/hap+json"

static gboolean
is_json_body (const char *content_type, GByteArray *body)
{
  return content_type != NULL && g_str_equal (content_type, CT_JSON) && body->len > 0;
}

/* ---- a walker over the server's JSON text ------------------------------------------- */

typedef struct
{
  gsize key_start, key_len;   /* the key's bytes, without the quotes */
  gsize start, end;           /* the value's bytes */
} JsonMember;

/* Called for every object, innermost first, with its members (JsonMember). */
typedef void (*ObjectVisitor) (const guint8 *text, GArray *members, gpointer user_data);

#define WALK_ERROR     G_MAXSIZE
#define WALK_MAX_DEPTH 64

static gsize
skip_ws (const guint8 *s, gsize len, gsize pos)
{
  while (pos < len && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\r' || s[pos] == '\n'))
    pos++;
  return pos;
}

/* @pos is at a '"'; returns the position after the closing quote. */
static gsize
skip_string (const guint8 *s, gsize len, gsize pos)
{
  for (pos++; pos < len; pos++)
    {
      if (s[pos] == '\\')
        pos++;
      else if (s[pos] == '"')
        return pos + 1;
    }
  return WALK_ERROR;
}

static gsize
walk_value (const guint8 *s, gsize len, gsize pos, guint depth,
            ObjectVisitor visit, gpointer user_data)
{
  if ((pos = skip_ws (s, len, pos)) >= len || depth > WALK_MAX_DEPTH)
    return WALK_ERROR;

  if (s[pos] == '"')
    return skip_string (s, len, pos);

  if (s[pos] == '{')
    {
      g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (JsonMember));

      pos = skip_ws (s, len, pos + 1);
      if (pos < len && s[pos] == '}')
        {
          visit (s, members, user_data);
          return pos + 1;
        }
      while (pos < len)
        {
          JsonMember m;

          if (s[pos] != '"')
            return WALK_ERROR;
          m.key_start = pos + 1;
          if ((pos = skip_string (s, len, pos)) == WALK_ERROR)
            return WALK_ERROR;
          m.key_len = pos - 1 - m.key_start;
          pos = skip_ws (s, len, pos);
          if (pos >= len || s[pos] != ':')
            return WALK_ERROR;
          m.start = skip_ws (s, len, pos + 1);
          if ((m.end = walk_value (s, len, m.start, depth + 1, visit, user_data)) == WALK_ERROR)
            return WALK_ERROR;
          g_array_append_val (members, m);
          pos = skip_ws (s, len, m.end);
          if (pos < len && s[pos] == ',')
            {
              pos = skip_ws (s, len, pos + 1);
              continue;
            }
          if (pos < len && s[pos] == '}')
            {
              visit (s, members, user_data);
              return pos + 1;
            }
          return WALK_ERROR;
        }
      return WALK_ERROR;
    }

  if (s[pos] == '[')
    {
      pos = skip_ws (s, len, pos + 1);
      if (pos < len && s[pos] == ']')
        return pos + 1;
      while (pos < len)
        {
          if ((pos = walk_value (s, len, pos, depth + 1, visit, user_data)) == WALK_ERROR)
            return WALK_ERROR;
          pos = skip_ws (s, len, pos);
          if (pos < len && s[pos] == ',')
            {
              pos++;
              continue;
            }
          if (pos < len && s[pos] == ']')
            return pos + 1;
          return WALK_ERROR;
        }
      return WALK_ERROR;
    }

  /* A number or a literal. */
  {
    gsize start = pos;
    while (pos < len && strchr (",]} \t\r\n", s[pos]) == NULL)
      pos++;
    return pos > start ? pos : WALK_ERROR;
  }
}

/* FALSE when @body is not JSON this walker understands (then nothing is changed). */
static gboolean
walk_objects (GByteArray *body, ObjectVisitor visit, gpointer user_data)
{
  gsize end = walk_value (body->data, body->len, 0, 0, visit, user_data);

  return end != WALK_ERROR && skip_ws (body->data, body->len, end) == body->len;
}

static const JsonMember *
find_member (const guint8 *text, GArray *members, const char *key)
{
  gsize key_len = strlen (key);

  for (guint i = 0; i < members->len; i++)
    {
      const JsonMember *m = &g_array_index (members, JsonMember, i);
      if (m->key_len == key_len && memcmp (text + m->key_start, key, key_len) == 0)
        return m;
    }
  return NULL;
}

/* The member's value as an unsigned integer; FALSE when it is not one. */
static gboolean
member_uint (const guint8 *text, const JsonMember *m, guint64 *out)
{
  g_autofree char *copy = NULL;

  if (m == NULL || m->end == m->start || !g_ascii_isdigit (text[m->start]))
    return FALSE;
  copy = g_strndup ((const char *) text + m->start, m->end - m->start);
  return g_ascii_string_to_unsigned (copy, 10, 0, G_MAXUINT64, out, NULL);
}

/* Replacements of byte ranges, applied together. */
typedef struct
{
  gsize  start, end;
  char  *text;
} Edit;

static void
edit_clear (gpointer data)
{
  g_free (((Edit *) data)->text);
}

static GArray *
edits_new (void)
{
  GArray *edits = g_array_new (FALSE, FALSE, sizeof (Edit));

  g_array_set_clear_func (edits, edit_clear);
  return edits;
}

static void
edits_add (GArray *edits, gsize start, gsize end, char *text)
{
  Edit edit = { start, end, text };

  g_array_append_val (edits, edit);
}

static gint
edit_compare (gconstpointer a, gconstpointer b)
{
  const Edit *ea = a, *eb = b;

  return ea->start < eb->start ? -1 : ea->start > eb->start;
}

/* The walker visits inner objects first, so edits come in no particular order; they
 * never overlap (each replaces one scalar value). */
static void
edits_apply (GArray *edits, GByteArray *body)
{
  g_autoptr(GByteArray) out = NULL;
  gsize pos = 0;

  if (edits->len == 0)
    return;
  g_array_sort (edits, edit_compare);
  out = g_byte_array_sized_new (body->len + 16 * edits->len);
  for (guint i = 0; i < edits->len; i++)
    {
      Edit *edit = &g_array_index (edits, Edit, i);

      g_byte_array_append (out, body->data + pos, edit->start - pos);
      g_byte_array_append (out, (const guint8 *) edit->text, strlen (edit->text));
      pos = edit->end;
    }
  g_byte_array_append (out, body->data + pos, body->len - pos);
  hap_sim_body_replace (body, out->data, out->len);
}

static void
visit_nothing (const guint8 *text, GArray *members, gpointer user_data)
{
}

/* The rows of the server's {"characteristics":[…]} body (GET and PUT /characteristics),
 * as byte ranges of @body, or NULL when the body has another shape. */
static GArray *
characteristics_rows (GByteArray *body)
{
  static const char prefix[] = "{\"characteristics\":[";
  const guint8 *s = body->data;
  gsize len = body->len, pos = sizeof prefix - 1, end;
  g_autoptr(GArray) rows = NULL;

  if (len < pos + 2 || memcmp (s, prefix, pos) != 0 || s[len - 2] != ']' || s[len - 1] != '}')
    return NULL;
  end = len - 2;
  rows = g_array_new (FALSE, FALSE, sizeof (JsonMember));
  while (pos < end)
    {
      JsonMember row = { 0, 0, pos, walk_value (s, end, pos, 0, visit_nothing, NULL) };

      if (row.end == WALK_ERROR)
        return NULL;
      g_array_append_val (rows, row);
      pos = row.end;
      if (pos < end)
        {
          if (s[pos] != ',')
            return NULL;
          pos++;
        }
    }
  return g_steal_pointer (&rows);
}

/* The "status" of one row, or 0 when it has none. */
static gint64
row_status (GByteArray *body, const JsonMember *row)
{
  g_autoptr(JsonNode) node = hap_sim_parse_json (body->data + row->start, row->end - row->start);
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  object = json_node_get_object (node);
  return json_object_has_member (object, "status")
         ? json_object_get_int_member (object, "status") : 0;
}

typedef void (*BodyTransform) (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body);

/* Runs @transform on the body of an EVENT message and fixes its Content-Length. Left
 * alone when an HTTP quirk already changed the framing (no Content-Length). */
static void
rewrite_event (HapSimQuirk *quirk, HapMessageKind kind, GByteArray *message,
               BodyTransform transform)
{
  static const char cl[] = "\r\nContent-Length:";
  g_autoptr(GByteArray) body = NULL;
  g_autoptr(GByteArray) out = NULL;
  g_autofree char *head = NULL;
  g_autofree char *number = NULL;
  const char *end, *line, *line_end;

  if (kind != HAP_MESSAGE_EVENT)
    return;
  end = g_strstr_len ((const char *) message->data, message->len, "\r\n\r\n");
  if (end == NULL)
    return;
  head = g_strndup ((const char *) message->data, end - (const char *) message->data + 2);
  line = strstr (head, cl);
  if (line == NULL)
    return;
  line_end = strstr (line + 2, "\r\n");

  body = g_byte_array_new ();
  g_byte_array_append (body, (const guint8 *) end + 4,
                       message->len - (end + 4 - (const char *) message->data));
  transform (quirk, NULL, body);

  number = g_strdup_printf ("%s %u", cl, body->len);
  out = g_byte_array_sized_new (message->len + 16);
  g_byte_array_append (out, (const guint8 *) head, line - head);
  g_byte_array_append (out, (const guint8 *) number, strlen (number));
  g_byte_array_append (out, (const guint8 *) line_end, strlen (line_end));
  g_byte_array_append (out, (const guint8 *) "\r\n", 2);
  g_byte_array_append (out, body->data, body->len);
  hap_sim_body_replace (message, out->data, out->len);
}

/* A syntax quirk: @transform applies to every JSON response body and every event. */
#define SYNTAX_QUIRK_HOOKS(name)                                                           \
  static void                                                                              \
  name##_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,       \
                   guint *status, const char **content_type, GByteArray *body)             \
  {                                                                                        \
    if (is_json_body (*content_type, body))                                                \
      name##_transform (quirk, request, body);                                             \
  }                                                                                        \
  static void                                                                              \
  name##_message (HapSimQuirk *quirk, HapConnection *conn, HapMessageKind kind,            \
                  HapHttpMessage *request, GByteArray *message)                            \
  {                                                                                        \
    rewrite_event (quirk, kind, message, name##_transform);                                \
  }

/* ---- #28 json-trailing-commas ------------------------------------------------------- */

/* HA #52642 / aiohomekit PR #46: the Netatmo Relay's JSON has a comma before closing
 * brackets. A comma goes before every ] and } that closes a non-empty container
 * ("[,]" is not what a trailing-comma serializer writes). Strict parsers (json-glib,
 * Python's json, Node's JSON.parse in hap-controller) reject it; aiohomekit strips them
 * with a regex since PR #46. */
static void
trailing_commas_transform (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (body->len + 32);
  guint8 prev = 0;   /* last byte outside strings that is not whitespace */

  for (gsize i = 0; i < body->len; i++)
    {
      guint8 c = body->data[i];

      if (c == '"')
        {
          gsize end = hap_sim_json_string_end ((const char *) body->data, body->len, i);

          g_byte_array_append (out, &body->data[i], (guint) (end - i));
          prev = c;
          i = end - 1;
          continue;
        }
      if ((c == ']' || c == '}') && prev != 0 && prev != '[' && prev != '{' && prev != ',')
        g_byte_array_append (out, (const guint8 *) ",", 1);
      g_byte_array_append (out, &c, 1);
      if (!g_ascii_isspace (c))
        prev = c;
    }
  hap_sim_body_replace (body, out->data, out->len);
}

SYNTAX_QUIRK_HOOKS (trailing_commas)

/* ---- variant: json-comments --------------------------------------------------------- */

/* A comment line before the JSON. JSON has no comments: json-glib accepts the block
 * style but not // or #; Python's json and JSON.parse (hap-controller) accept none. */
static void
comments_transform (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body)
{
  const char *style = hap_sim_quirk_get_string (quirk, "style");
  const char *comment = g_str_equal (style, "hash") ? "# firmware 1.0\n"
                        : g_str_equal (style, "block") ? "/* firmware 1.0 */\n"
                        : "// firmware 1.0\n";

  g_byte_array_prepend (body, (const guint8 *) comment, strlen (comment));
}

SYNTAX_QUIRK_HOOKS (comments)

static const HapSimQuirkParam comments_params[] = {
  { "style", HAP_SIM_PARAM_STRING, "// line comment, # line comment or /* block */",
    "slash", 0, 0, "slash|hash|block" },
  { NULL }
};

/* ---- variant: json-single-quotes ---------------------------------------------------- */

/* Strings in single quotes, as a hand-written serializer might produce. A ' inside a
 * string becomes \' and an escaped \" a plain ". json-glib accepts this; Python's json
 * and JSON.parse do not. */
/* Not hap_sim_json_string_end(): this one rewrites each escape inside the strings. */
static void
single_quotes_transform (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (body->len + 8);
  gboolean in_string = FALSE;

  for (gsize i = 0; i < body->len; i++)
    {
      guint8 c = body->data[i];

      if (!in_string)
        {
          if (c == '"')
            {
              c = '\'';
              in_string = TRUE;
            }
          g_byte_array_append (out, &c, 1);
          continue;
        }
      if (c == '\\' && i + 1 < body->len)
        {
          guint8 next = body->data[++i];
          if (next != '"')
            g_byte_array_append (out, &c, 1);
          g_byte_array_append (out, &next, 1);
        }
      else if (c == '\'')
        g_byte_array_append (out, (const guint8 *) "\\'", 2);
      else if (c == '"')
        {
          g_byte_array_append (out, (const guint8 *) "'", 1);
          in_string = FALSE;
        }
      else
        g_byte_array_append (out, &c, 1);
    }
  hap_sim_body_replace (body, out->data, out->len);
}

SYNTAX_QUIRK_HOOKS (single_quotes)

/* ---- variant: json-bom -------------------------------------------------------------- */

/* docs/protocol.md §4.1: JSON is UTF-8 without BOM. json-glib and Python's json.loads
 * on bytes skip it; json.loads on a decoded str (aiohomekit decodes the body first) and
 * JSON.parse (hap-controller) reject it. */
static void
bom_transform (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body)
{
  static const guint8 bom[3] = { 0xEF, 0xBB, 0xBF };

  g_byte_array_prepend (body, bom, sizeof bom);
}

SYNTAX_QUIRK_HOOKS (bom)

/* ---- variant: json-invalid-utf8 ----------------------------------------------------- */

/* Strings in Latin-1: characters up to U+00FF become one byte (ü → FC), others '?'. That
 * is not UTF-8 (docs/protocol.md §4.1) and fails a strict decode such as aiohomekit's
 * response.body.decode("utf-8"). Names and values that are plain ASCII are unchanged, as
 * on such a device. */
static void
invalid_utf8_transform (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body)
{
  g_autoptr(GByteArray) out = g_byte_array_sized_new (body->len);
  const char *p = (const char *) body->data, *end = p + body->len;

  while (p < end)
    {
      guint8 c = (guint8) *p;
      gunichar u;

      if (c < 0x80)
        {
          g_byte_array_append (out, &c, 1);
          p++;
          continue;
        }
      u = g_utf8_get_char_validated (p, end - p);
      if (u == (gunichar) -1 || u == (gunichar) -2)
        {
          g_byte_array_append (out, &c, 1);
          p++;
          continue;
        }
      c = u <= 0xFF ? (guint8) u : '?';
      g_byte_array_append (out, &c, 1);
      p = g_utf8_next_char (p);
    }
  hap_sim_body_replace (body, out->data, out->len);
}

SYNTAX_QUIRK_HOOKS (invalid_utf8)

/* ---- variant: json-string-ids ------------------------------------------------------- */

/* "aid":"1","iid":"9": numbers as strings, in /accessories, characteristic rows and
 * events. A controller that keys its characteristics by integer (aid, iid), as
 * aiohomekit does, no longer matches the rows. */
static void
string_ids_visit (const guint8 *text, GArray *members, gpointer user_data)
{
  GArray *edits = user_data;
  static const char * const keys[] = { "aid", "iid" };

  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      const JsonMember *m = find_member (text, members, keys[k]);
      guint64 value;

      if (member_uint (text, m, &value))
        edits_add (edits, m->start, m->end, g_strdup_printf ("\"%" G_GUINT64_FORMAT "\"", value));
    }
}

static void
string_ids_transform (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body)
{
  g_autoptr(GArray) edits = edits_new ();

  if (walk_objects (body, string_ids_visit, edits))
    edits_apply (edits, body);
}

SYNTAX_QUIRK_HOOKS (string_ids)

/* ---- variant: json-nan -------------------------------------------------------------- */

/* The value of every float characteristic in rows that name aid and iid (GET and PUT
 * /characteristics, events) becomes NaN (or ±Infinity): what a C printf("%f") of a
 * failed sensor reading gives. Python's json accepts NaN, JSON.parse and json-glib do
 * not. /accessories is left alone (its rows carry no aid). */
typedef struct
{
  HapSimQuirk *quirk;
  GArray      *edits;
} NanWalk;

static void
nan_visit (const guint8 *text, GArray *members, gpointer user_data)
{
  NanWalk *walk = user_data;
  const JsonMember *value = find_member (text, members, "value");
  guint64 aid, iid;
  HapCharacteristic *c;

  if (value == NULL ||
      !member_uint (text, find_member (text, members, "aid"), &aid) ||
      !member_uint (text, find_member (text, members, "iid"), &iid) ||
      (c = hap_sim_quirk_lookup_characteristic (walk->quirk, aid, iid)) == NULL ||
      hap_characteristic_get_format (c) != HAP_FORMAT_FLOAT)
    return;
  edits_add (walk->edits, value->start, value->end,
             g_strdup (hap_sim_quirk_get_string (walk->quirk, "token")));
}

static void
nan_transform (HapSimQuirk *quirk, HapHttpMessage *request, GByteArray *body)
{
  g_autoptr(GArray) edits = edits_new ();
  NanWalk walk = { quirk, edits };

  if (walk_objects (body, nan_visit, &walk))
    edits_apply (edits, body);
}

SYNTAX_QUIRK_HOOKS (nan)

static const HapSimQuirkParam nan_params[] = {
  { "token", HAP_SIM_PARAM_STRING, "the token written instead of the number",
    "NaN", 0, 0, "NaN|Infinity|-Infinity" },
  { NULL }
};

/* ---- #29 json-non-json-body --------------------------------------------------------- */

/* HA #152240, #152692, #153070 / aiohomekit #508: Hunter SIMPLEconnect fans and the
 * iHome iSS50 answered the many-id GET /characteristics of HA 2025.9 with the text
 * "wsgi handler failed"; an IKEA Dirigera with more than 50 devices sent an HTML error
 * page (ioBroker.homekit-controller #422). The HTTP status is a parameter (default 500,
 * what a failing WSGI handler sends); aiohomekit raises only for 4xx, so with 500 it
 * feeds the text to its JSON parser ("Unable to parse text"), as in the reports. */
static guint
count_ids (HapHttpMessage *request)
{
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) query = NULL;
  const char *ids;
  guint n = 1;

  if (!hap_http_split_target (request->target, &path, &query, NULL) ||
      (ids = g_hash_table_lookup (query, "id")) == NULL || *ids == '\0')
    return 0;
  for (const char *p = ids; *p != '\0'; p++)
    n += *p == ',';
  return n;
}

static void
non_json_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                   guint *status, const char **content_type, GByteArray *body)
{
  static const char text[] = "wsgi handler failed";
  static const char html[] =
    "<html><head><title>500 Internal Server Error</title></head>"
    "<body><h1>Internal Server Error</h1></body></html>";
  gboolean is_html;

  if (!hap_sim_request_is (request, "GET", "/characteristics") ||
      count_ids (request) < hap_sim_quirk_get_uint (quirk, "min-ids"))
    return;
  is_html = g_str_equal (hap_sim_quirk_get_string (quirk, "style"), "html");
  *status = hap_sim_quirk_get_uint (quirk, "status");
  *content_type = is_html ? "text/html" : "text/plain";
  if (is_html)
    hap_sim_body_replace (body, html, sizeof html - 1);
  else
    hap_sim_body_replace (body, text, sizeof text - 1);
}

static const HapSimQuirkParam non_json_params[] = {
  { "style", HAP_SIM_PARAM_STRING,
    "plain text \"wsgi handler failed\" (Hunter, iHome) or an HTML error page (IKEA Dirigera)",
    "text", 0, 0, "text|html" },
  { "min-ids", HAP_SIM_PARAM_UINT,
    "how many ids a GET /characteristics must ask for to fail", "1", 1, 10000, NULL },
  { "status", HAP_SIM_PARAM_UINT, "the HTTP status of the failure", "500", 100, 599, NULL },
  { NULL }
};

/* ---- #30 json-compact-requests ------------------------------------------------------ */

/* 8bd86c0 (aiohomekit serialize_json): the Tado Internet Bridge depends on the compact
 * JSON an iPhone sends. A PUT /characteristics body with whitespace outside strings gets
 * what an accessory answers to a body its parser cannot read (docs/protocol.md §4.2:
 * malformed JSON → 400, with -70410 in HAP-NodeJS), or — "ignore", closer to the
 * commit's "some of the time" — 204 without writing anything. aiohomekit
 * (serialize_json) and hap-controller (JSON.stringify) send compact JSON; json.dumps with
 * its default separators and hand-written requests do not. */
static gboolean
has_whitespace_outside_strings (GBytes *bytes)
{
  gsize len;
  const guint8 *s = g_bytes_get_data (bytes, &len);

  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '"')
        i = hap_sim_json_string_end ((const char *) s, len, i) - 1;
      else if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
        return TRUE;
    }
  return FALSE;
}

static HapHookVerdict
compact_request (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                 guint *delay_ms)
{
  static const char error[] = "{\"status\":-70410}";

  if (!hap_sim_request_is (request, "PUT", "/characteristics") ||
      !has_whitespace_outside_strings (request->body))
    return HAP_HOOK_CONTINUE;
  if (g_str_equal (hap_sim_quirk_get_string (quirk, "reply"), "ignore"))
    hap_connection_send_response (conn, 204, NULL, NULL, 0);
  else
    hap_connection_send_response (conn, 400, CT_JSON, (const guint8 *) error, sizeof error - 1);
  return HAP_HOOK_ANSWERED;
}

static const HapSimQuirkParam compact_params[] = {
  { "reply", HAP_SIM_PARAM_STRING,
    "400 with status -70410, or 204 without performing the write",
    "error", 0, 0, "error|ignore" },
  { NULL }
};

/* ---- #31 json-global-status --------------------------------------------------------- */

/* aiohomekit PR #497, HA PR #152209, HA #98112: Honeywell T9/T10 thermostats and Aqara
 * G2H cameras, asked for many characteristics, answer {"status":-70407} (out of
 * resources) with no characteristics list. The HTTP status defaults to 500, the ADK's
 * for out of resources (docs/protocol.md §4.2); aiohomekit before PR #497 raised
 * KeyError: 'characteristics'. "every" answers only every Nth read so that polling sees
 * both. */
typedef struct
{
  guint reads;
} GlobalStatusState;

static void
global_status_enable (HapSimQuirk *quirk)
{
  if (quirk->state == NULL)
    quirk->state = g_new0 (GlobalStatusState, 1);
}

static void
global_status_disable (HapSimQuirk *quirk)
{
  g_clear_pointer (&quirk->state, g_free);
}

static void
global_status_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                        guint *status, const char **content_type, GByteArray *body)
{
  static const char error[] = "{\"status\":-70407}";
  GlobalStatusState *state = quirk->state;

  if (state == NULL || !hap_sim_request_is (request, "GET", "/characteristics") ||
      (*status != 200 && *status != 207))
    return;
  if (++state->reads % hap_sim_quirk_get_uint (quirk, "every") != 0)
    return;
  *status = hap_sim_quirk_get_uint (quirk, "http-status");
  *content_type = CT_JSON;
  hap_sim_body_replace (body, error, sizeof error - 1);
}

static const HapSimQuirkParam global_status_params[] = {
  { "every", HAP_SIM_PARAM_UINT, "answer every Nth GET /characteristics this way",
    "1", 1, 1000000, NULL },
  { "http-status", HAP_SIM_PARAM_UINT, "the HTTP status of those answers",
    "500", 100, 599, NULL },
  { NULL }
};

/* ---- #32 json-status-rows-without-ids ----------------------------------------------- */

/* aiohomekit PR #394: a Somfy TaHoma switch answers subscription PUTs (items with "ev"
 * and no "value") with {"characteristics":[{"status":0}, …]}, one row per item, no aid or
 * iid (207, the status of a body with per-item statuses). aiohomekit raised KeyError:
 * 'aid' and lost events until that PR. */
static gboolean
is_subscription_put (HapHttpMessage *request)
{
  gsize len;
  const guint8 *data;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *items;

  if (!hap_sim_request_is (request, "PUT", "/characteristics"))
    return FALSE;
  data = g_bytes_get_data (request->body, &len);
  root = hap_sim_parse_json (data, len);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      !json_object_has_member (json_node_get_object (root), "characteristics") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root),
                                                      "characteristics")))
    return FALSE;
  items = json_object_get_array_member (json_node_get_object (root), "characteristics");
  if (json_array_get_length (items) == 0)
    return FALSE;
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      if (!JSON_NODE_HOLDS_OBJECT (item) ||
          !json_object_has_member (json_node_get_object (item), "ev") ||
          json_object_has_member (json_node_get_object (item), "value"))
        return FALSE;
    }
  return TRUE;
}

static void
rows_without_ids_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                           guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(GString) out = NULL;
  g_autoptr(GArray) rows = NULL;
  g_autoptr(JsonNode) root = NULL;
  const guint8 *data;
  gsize len;
  guint n;

  if ((*status != 204 && *status != 207) || !is_subscription_put (request))
    return;
  if (*status == 207 && (rows = characteristics_rows (body)) == NULL)
    return;
  data = g_bytes_get_data (request->body, &len);
  root = hap_sim_parse_json (data, len);
  n = json_array_get_length (json_object_get_array_member (json_node_get_object (root),
                                                          "characteristics"));
  out = g_string_new ("{\"characteristics\":[");
  for (guint i = 0; i < n; i++)
    {
      gint64 row = rows != NULL && i < rows->len
                   ? row_status (body, &g_array_index (rows, JsonMember, i)) : 0;
      g_string_append_printf (out, "%s{\"status\":%" G_GINT64_FORMAT "}", i > 0 ? "," : "", row);
    }
  g_string_append (out, "]}");
  *status = 207;
  *content_type = CT_JSON;
  hap_sim_body_replace (body, out->str, out->len);
}

/* ---- #33 json-non-object-items ------------------------------------------------------ */

/* 3874ec6, aiohomekit PR #501: some accessories (Somfy TaHoma V2 covers in aiohomekit
 * #465) answer a write with `true` for each item that succeeded, mixed with the error
 * rows of those that failed: {"characteristics":[true,{"aid":1,"iid":10,"status":-70404}]}.
 * Rows of a PUT /characteristics 207 with status 0 are replaced by the "item" parameter.
 * aiohomekit raised "'bool' object is not subscriptable" until PR #501. */
static void
non_object_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                     guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GArray) edits = NULL;

  if (!hap_sim_request_is (request, "PUT", "/characteristics") || *status != 207 ||
      (rows = characteristics_rows (body)) == NULL)
    return;
  edits = edits_new ();
  for (guint i = 0; i < rows->len; i++)
    {
      const JsonMember *row = &g_array_index (rows, JsonMember, i);
      if (row_status (body, row) == 0)
        edits_add (edits, row->start, row->end, g_strdup (hap_sim_quirk_get_string (quirk, "item")));
    }
  edits_apply (edits, body);
}

static const HapSimQuirkParam non_object_params[] = {
  { "item", HAP_SIM_PARAM_STRING, "the JSON written instead of a successful row",
    "true", 0, 0, NULL },
  { NULL }
};

/* ---- #34 json-positive-status and #35 json-undefined-status ------------------------- */

/* 79bce8e: Chamberlain myQ sends HAP status codes without their sign (70402 for -70402).
 * Every negative "status" in a JSON response loses its minus. A controller that maps
 * codes onto the table of docs/protocol.md §4.4 finds no entry (79bce8e is aiohomekit's
 * fix for it). */
static void
positive_status_visit (const guint8 *text, GArray *members, gpointer user_data)
{
  const JsonMember *m = find_member (text, members, "status");

  if (m != NULL && m->end > m->start && text[m->start] == '-')
    edits_add (user_data, m->start, m->start + 1, g_strdup (""));
}

/* 62dac2b: a status code HAP does not define (docs/protocol.md §4.4 lists -70401 …
 * -70412). Every non-zero "status" becomes the parameter. */
typedef struct
{
  GArray *edits;
  gint    status;
} UndefinedWalk;

static void
undefined_status_visit (const guint8 *text, GArray *members, gpointer user_data)
{
  UndefinedWalk *walk = user_data;
  const JsonMember *m = find_member (text, members, "status");

  if (m != NULL && !(m->end == m->start + 1 && text[m->start] == '0'))
    edits_add (walk->edits, m->start, m->end, g_strdup_printf ("%d", walk->status));
}

static void
positive_status_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                          guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(GArray) edits = edits_new ();

  if (is_json_body (*content_type, body) && walk_objects (body, positive_status_visit, edits))
    edits_apply (edits, body);
}

static void
undefined_status_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                           guint *status, const char **content_type, GByteArray *body)
{
  g_autoptr(GArray) edits = edits_new ();
  UndefinedWalk walk = { edits, hap_sim_quirk_get_int (quirk, "status") };

  if (is_json_body (*content_type, body) && walk_objects (body, undefined_status_visit, &walk))
    edits_apply (edits, body);
}

static const HapSimQuirkParam undefined_status_params[] = {
  { "status", HAP_SIM_PARAM_INT, "the status code sent for every failure",
    "-70499", -2147483648.0, 2147483647.0, NULL },
  { NULL }
};

/* ---- #36 json-write-response-dict --------------------------------------------------- */

/* aiohomekit PR #278 (HA #85400): a roller shutter answered a failed write with the
 * characteristics member as a single dict instead of a list:
 * {"characteristics":{"aid":1,"iid":10,"status":-70402}}. Done for PUT
 * /characteristics 207 bodies with exactly one row (a shutter writes one
 * characteristic); longer lists stay lists. */
static void
write_dict_response (HapSimQuirk *quirk, HapConnection *conn, HapHttpMessage *request,
                     guint *status, const char **content_type, GByteArray *body)
{
  static const char prefix[] = "{\"characteristics\":";
  g_autoptr(GArray) rows = NULL;
  g_autoptr(GByteArray) out = NULL;
  const JsonMember *row;

  if (!hap_sim_request_is (request, "PUT", "/characteristics") || *status != 207 ||
      (rows = characteristics_rows (body)) == NULL || rows->len != 1)
    return;
  row = &g_array_index (rows, JsonMember, 0);
  out = g_byte_array_sized_new (body->len);
  g_byte_array_append (out, (const guint8 *) prefix, sizeof prefix - 1);
  g_byte_array_append (out, body->data + row->start, row->end - row->start);
  g_byte_array_append (out, (const guint8 *) "}", 1);
  hap_sim_body_replace (body, out->data, out->len);
}

/* ---- the table ---------------------------------------------------------------------- */

#define SYNTAX_HOOKS(name) .response = name##_response, .message = name##_message

static const HapSimQuirkInfo json_quirks[] = {
  {
    .name = "json-trailing-commas",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "Trailing commas before every ] and } in JSON bodies (Netatmo Relay)",
    .catalog_row = 28,
    SYNTAX_HOOKS (trailing_commas),
  },
  {
    .name = "json-non-json-body",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "\"wsgi handler failed\" or an HTML page instead of JSON for GET "
                   "/characteristics (Hunter SIMPLEconnect, iHome iSS50, IKEA Dirigera)",
    .catalog_row = 29,
    .params = non_json_params,
    .response = non_json_response,
  },
  {
    .name = "json-compact-requests",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "Rejects PUT /characteristics bodies that are not compact JSON (Tado "
                   "Internet Bridge)",
    .catalog_row = 30,
    .params = compact_params,
    .request = compact_request,
  },
  {
    .name = "json-global-status",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "{\"status\":-70407} without a characteristics list for reads "
                   "(Honeywell T9/T10, Aqara G2H)",
    .catalog_row = 31,
    .params = global_status_params,
    .enable = global_status_enable,
    .disable = global_status_disable,
    .response = global_status_response,
  },
  {
    .name = "json-status-rows-without-ids",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "Subscription PUTs answered with status rows without aid and iid "
                   "(Somfy TaHoma switch)",
    .catalog_row = 32,
    .response = rows_without_ids_response,
  },
  {
    .name = "json-non-object-items",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "true instead of the row of each successful write in a 207 (unnamed; "
                   "Somfy TaHoma V2 covers)",
    .catalog_row = 33,
    .params = non_object_params,
    .response = non_object_response,
  },
  {
    .name = "json-positive-status",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "Positive HAP status codes (70402 for -70402) (Chamberlain myQ)",
    .catalog_row = 34,
    .response = positive_status_response,
  },
  {
    .name = "json-undefined-status",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "A status code HAP does not define for every failure (unnamed device)",
    .catalog_row = 35,
    .params = undefined_status_params,
    .response = undefined_status_response,
  },
  {
    .name = "json-write-response-dict",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "Write responses with a single dict instead of a list of rows (roller "
                   "shutter of HA #85400)",
    .catalog_row = 36,
    .response = write_dict_response,
  },
  {
    .name = "json-comments",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "A comment line before JSON bodies (parser variant; no device named)",
    .catalog_row = 0,
    .params = comments_params,
    SYNTAX_HOOKS (comments),
  },
  {
    .name = "json-single-quotes",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "JSON strings in single quotes (parser variant; no device named)",
    .catalog_row = 0,
    SYNTAX_HOOKS (single_quotes),
  },
  {
    .name = "json-bom",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "A UTF-8 byte order mark before JSON bodies (parser variant; no device "
                   "named)",
    .catalog_row = 0,
    SYNTAX_HOOKS (bom),
  },
  {
    .name = "json-invalid-utf8",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "JSON strings in Latin-1, not UTF-8 (parser variant; no device named)",
    .catalog_row = 0,
    SYNTAX_HOOKS (invalid_utf8),
  },
  {
    .name = "json-string-ids",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "aid and iid as JSON strings (parser variant; no device named)",
    .catalog_row = 0,
    SYNTAX_HOOKS (string_ids),
  },
  {
    .name = "json-nan",
    .layer = HAP_SIM_LAYER_JSON,
    .description = "NaN for float characteristic values (parser variant; no device named)",
    .catalog_row = 0,
    .params = nan_params,
    SYNTAX_HOOKS (nan),
  },
};

const HapSimQuirkInfo *
hap_sim_quirks_json (guint *n)
{
  *n = G_N_ELEMENTS (json_quirks);
  return json_quirks;
}
