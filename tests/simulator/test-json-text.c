/* test-json-text.c — hap_sim_json_string_end(), which the JSON syntax quirks and the
 * app's file writer use to leave strings alone
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-sim-json-text.h"

#include <string.h>

static gsize
end_of (const char *text, gsize start)
{
  return hap_sim_json_string_end (text, strlen (text), start);
}

static void
test_string_end (void)
{
  /* Just past the closing quote. */
  g_assert_cmpuint (end_of ("\"abc\",1", 0), ==, 5);
  g_assert_cmpuint (end_of ("[\"\"]", 1), ==, 3);
  g_assert_cmpuint (end_of ("{\"a\":\"b\"}", 5), ==, 8);
  /* Escapes: an escaped quote or backslash does not end the string. */
  g_assert_cmpuint (end_of ("\"a\\\"b\" ", 0), ==, 6);
  g_assert_cmpuint (end_of ("\"a\\\\\" ", 0), ==, 5);
  g_assert_cmpuint (end_of ("\"\\u0022\"", 0), ==, 8);
  /* Brackets, commas and white space inside are text. */
  g_assert_cmpuint (end_of ("\"[ , }\"]", 0), ==, 7);
}

static void
test_unterminated (void)
{
  /* The text ends inside the string, also right after a backslash: never past @len. */
  g_assert_cmpuint (end_of ("\"abc", 0), ==, 4);
  g_assert_cmpuint (end_of ("\"abc\\", 0), ==, 5);
  g_assert_cmpuint (end_of ("\"", 0), ==, 1);
  /* @len, not the nul, bounds the walk: the quote at index 3 is beyond it. */
  g_assert_cmpuint (hap_sim_json_string_end ("\"ab\"", 3, 0), ==, 3);
  g_assert_cmpuint (hap_sim_json_string_end ("\"", 1, 5), ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-text/string-end", test_string_end);
  g_test_add_func ("/json-text/unterminated", test_unterminated);
  return g_test_run ();
}
