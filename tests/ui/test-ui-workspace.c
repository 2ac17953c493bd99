/* test-ui-workspace.c — HapSimWorkspace: the folder of accessory files the app serves,
 * every edit written back atomically and served again
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ui-fixture.h"

#include <glib/gstdio.h>
#include <string.h>

#include "hap-sim-error.h"
#include "hap-sim-inspect.h"
#include "hap-sim-ui-util.h"
#include "hap-sim-workspace.h"

#define LAMP \
  "{\"accessories\": [{\"name\": \"Desk Lamp\", \"category\": \"LIGHTBULB\", \"services\": [" \
  "{\"type\": \"Lightbulb\", \"primary\": true, \"characteristics\": [" \
  "{\"type\": \"On\", \"value\": true}, {\"type\": \"Hue\", \"value\": 0.2, \"minStep\": 0.1}]}]}]}"

typedef struct
{
  UiFixture       *fixture;
  HapSimWorkspace *workspace;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->fixture = ui_fixture_new ();
  f->workspace = hap_sim_workspace_new (f->fixture->engine, f->fixture->workspace);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->workspace);
  ui_fixture_free (f->fixture);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonNode *
parse_file (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return parse (text);
}

static char *
read_text (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&text);
}

static char *
in_workspace (Fixture *f, const char *name)
{
  return g_build_filename (f->fixture->workspace, name, NULL);
}

static char *
source_file (const char *relative)
{
  return g_build_filename (g_getenv ("HAP_SOURCE_ROOT"), relative, NULL);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The workspace's entries, sorted, joined with spaces: "camera.json snapshot.jpg". */
static char *
list_sorted (Fixture *f)
{
  g_autoptr(GDir) dir = g_dir_open (f->fixture->workspace, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static JsonObject *
first_accessory (JsonNode *definition)
{
  JsonObject *root = json_node_get_object (definition);

  return json_array_get_object_element (json_object_get_array_member (root, "accessories"), 0);
}

static JsonObject *
object_member (JsonNode *node, const char *member)
{
  return json_object_get_object_member (json_node_get_object (node), member);
}

static gboolean
same_member (JsonNode *a, JsonNode *b, const char *member)
{
  return json_node_equal (json_object_get_member (json_node_get_object (a), member),
                          json_object_get_member (json_node_get_object (b), member));
}

static char *
accessory_file (const char *name)
{
  return g_build_filename (g_getenv ("HAP_ACCESSORIES_DIR"), name, NULL);
}

static void
disable_all_quirks (HapSimAccessory *accessory)
{
  GPtrArray *quirks = hap_sim_accessory_get_quirks (accessory);
  g_autoptr(GError) error = NULL;

  while (quirks->len > 0)
    {
      HapSimQuirk *quirk = g_ptr_array_index (quirks, 0);

      g_assert_true (hap_sim_accessory_disable_quirk (accessory, quirk->info->name, &error));
      g_assert_no_error (error);
    }
}

static HapSimAccessory *
create (Fixture *f, const char *text)
{
  g_autoptr(JsonNode) definition = parse (text);
  g_autoptr(GError) error = NULL;
  HapSimAccessory *accessory = hap_sim_workspace_create (f->workspace, definition, &error);

  g_assert_no_error (error);
  g_assert_nonnull (accessory);
  return accessory;
}

static const char *
device_id (HapSimAccessory *accessory)
{
  g_assert_nonnull (hap_sim_accessory_get_server (accessory));
  return hap_accessory_server_get_device_id (hap_sim_accessory_get_server (accessory));
}

static guint16
port_of (HapSimAccessory *accessory)
{
  return hap_accessory_server_get_port (hap_sim_accessory_get_server (accessory));
}

static gboolean
is_served (HapSimAccessory *accessory)
{
  HapSimState state = hap_sim_accessory_get_state (accessory);

  return state == HAP_SIM_STATE_RUNNING || state == HAP_SIM_STATE_ADVERTISED;
}

static gboolean
engine_has (Fixture *f, HapSimAccessory *accessory)
{
  GPtrArray *accessories = hap_sim_engine_get_accessories (f->fixture->engine);

  return g_ptr_array_find (accessories, accessory, NULL);
}

/* No temporary file of an atomic write (NAME.XXXXXX) or of validation is left behind. */
static void
assert_no_temp_files (Fixture *f)
{
  g_autofree char *names = list_sorted (f);
  g_auto(GStrv) entries = g_strsplit (names, " ", -1);

  for (guint i = 0; entries[i] != NULL && *entries[i] != '\0'; i++)
    if (!g_str_has_suffix (entries[i], ".json") && !g_str_has_suffix (entries[i], ".jpg"))
      g_error ("unexpected file in the workspace: %s", entries[i]);
    else
      g_assert_cmpint (entries[i][0], !=, '.');
}

/* ---- create ----------------------------------------------------------------------- */

static void
test_create (Fixture *f, gconstpointer data)
{
  g_autofree char *path = in_workspace (f, "desk-lamp.json");
  g_autofree char *text = NULL;
  g_autofree char *names = NULL;
  g_autoptr(HapAccessory) loaded = NULL;
  g_autoptr(GError) error = NULL;
  HapSimAccessory *accessory = create (f, LAMP);

  g_assert_cmpstr (hap_sim_accessory_get_file (accessory), ==, path);
  g_assert_cmpstr (hap_sim_accessory_get_id (accessory), ==, "desk-lamp");
  g_assert_cmpstr (hap_sim_accessory_get_name (accessory), ==, "Desk Lamp");
  g_assert_true (is_served (accessory));
  g_assert_true (engine_has (f, accessory));

  /* Pretty, 2-space indent, numbers as written, and it loads. */
  text = read_text (path);
  g_assert_true (g_str_has_prefix (text, "{\n  \"accessories\" : [\n    {\n"));
  g_assert_nonnull (strstr (text, "\"value\" : 0.2,\n"));
  g_assert_nonnull (strstr (text, "\"minStep\" : 0.1\n"));
  g_assert_null (strstr (text, "0.2000"));
  g_assert_true (g_str_has_suffix (text, "}\n"));
  loaded = hap_accessory_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_accessory_get_name (loaded), ==, "Desk Lamp");

  /* The same name again: a new file; names become slugs. */
  accessory = create (f, LAMP);
  g_assert_cmpstr (hap_sim_accessory_get_id (accessory), ==, "desk-lamp-2");
  accessory = create (f, "{\"accessories\": [{\"name\": \"  Hall / Light #1 (Über)\", "
                         "\"services\": [{\"type\": \"Switch\"}]}]}");
  g_assert_cmpstr (hap_sim_accessory_get_id (accessory), ==, "hall-light-1-ber");

  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "desk-lamp-2.json desk-lamp.json hall-light-1-ber.json");
  assert_no_temp_files (f);
}

static void
test_create_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonNode) bad = parse ("{\"accessories\": [{\"name\": \"Bad\", \"services\": ["
                                   "{\"type\": \"Lightbulb\", \"characteristics\": ["
                                   "{\"type\": \"Brightness\", \"value\": 150}]}]}]}");
  g_autoptr(JsonNode) bad_behaviour =
    parse ("{\"accessories\": [{\"name\": \"Bad\", \"services\": [{\"type\": \"Switch\"}]}],"
           " \"simulator\": {\"behaviours\": [{\"characteristic\": \"On\", \"kind\": \"drift\","
           " \"interval-ms\": 1000}]}}");
  g_autoptr(JsonNode) empty = parse ("{\"accessories\": []}");
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  guint before = hap_sim_engine_get_accessories (f->fixture->engine)->len;

  g_assert_null (hap_sim_workspace_create (f->workspace, bad, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_regex_match_simple ("bad\\.json:\\d+:\\d+: .*value.*above maxValue",
                                       error->message, 0, 0));
  g_clear_error (&error);

  /* The simulator section is checked too, with the real file name in the message. */
  g_assert_null (hap_sim_workspace_create (f->workspace, bad_behaviour, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_regex_match_simple ("/bad\\.json:\\d+:\\d+: simulator\\.behaviours",
                                       error->message, 0, 0));
  g_clear_error (&error);

  g_assert_null (hap_sim_workspace_create (f->workspace, empty, &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT);

  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "");
  g_assert_cmpuint (hap_sim_engine_get_accessories (f->fixture->engine)->len, ==, before);
}

/* ---- replace and rename ------------------------------------------------------------ */

typedef struct
{
  HapTestClient *client;
  guint16        port;
} VerifyCall;

static gpointer
verify_thread (gpointer data)
{
  VerifyCall *call = data;

  hap_test_client_connect (call->client, call->port);
  return GINT_TO_POINTER (hap_test_client_pair_verify (call->client));
}

static gboolean
has_pairing (HapSimAccessory *accessory, const char *controller)
{
  g_autoptr(GVariant) pairings = hap_sim_inspect_pairings (accessory);

  for (gsize i = 0; i < g_variant_n_children (pairings); i++)
    {
      g_autoptr(GVariant) pairing = g_variant_get_child_value (pairings, i);
      const char *id = NULL;

      if (g_variant_lookup (pairing, "controller-id", "&s", &id) && g_str_equal (id, controller))
        return TRUE;
    }
  return FALSE;
}

static void
test_replace (Fixture *f, gconstpointer data)
{
  g_autoptr(HapTestClient) client = NULL;
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonNode) bad = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  HapSimAccessory *accessory = create (f, LAMP);
  HapSimAccessory *replaced;
  JsonArray *characteristics;
  VerifyCall call;
  guint16 port = port_of (accessory);

  client = ui_pair_controller (port, "controller-1");
  id = g_strdup (device_id (accessory));
  g_assert_true (has_pairing (accessory, "controller-1"));

  definition = hap_sim_workspace_dup_definition (f->workspace, accessory, &error);
  g_assert_no_error (error);
  characteristics = json_object_get_array_member (
    json_array_get_object_element (json_object_get_array_member (
      json_array_get_object_element (json_object_get_array_member (
        json_node_get_object (definition), "accessories"), 0), "services"), 0),
    "characteristics");
  json_array_add_element (characteristics,
                          parse ("{\"type\": \"Brightness\", \"value\": 40}"));

  replaced = hap_sim_workspace_replace (f->workspace, accessory, definition, &error);
  g_assert_no_error (error);
  g_assert_nonnull (replaced);
  g_assert_false (engine_has (f, accessory));
  g_assert_true (engine_has (f, replaced));
  g_assert_true (is_served (replaced));
  g_assert_cmpstr (hap_sim_accessory_get_id (replaced), ==, "desk-lamp");
  g_assert_cmpstr (device_id (replaced), ==, id);
  g_assert_cmpuint (port_of (replaced), ==, port);
  g_assert_true (has_pairing (replaced, "controller-1"));
  g_assert_nonnull (hap_sim_accessory_find (replaced, "Lightbulb/Brightness", NULL));

  /* The controller paired before still verifies: same identity and keys. */
  call = (VerifyCall) { client, port_of (replaced) };
  g_assert_cmpint (GPOINTER_TO_INT (ui_run_in_thread (verify_thread, &call)), ==, 0);

  /* A definition that does not load changes nothing. */
  before = read_text (hap_sim_accessory_get_file (replaced));
  bad = parse ("{\"accessories\": [{\"name\": \"Desk Lamp\", \"colour\": \"red\"}]}");
  g_assert_null (hap_sim_workspace_replace (f->workspace, replaced, bad, &error));
  g_assert_nonnull (error);
  g_assert_true (g_regex_match_simple ("desk-lamp\\.json:\\d+:\\d+: ", error->message, 0, 0));
  after = read_text (hap_sim_accessory_get_file (replaced));
  g_assert_cmpstr (before, ==, after);
  g_assert_true (engine_has (f, replaced));
  g_assert_true (is_served (replaced));
  assert_no_temp_files (f);
}

static void
test_rename (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) definition = NULL;
  g_autofree char *id = NULL;
  g_autofree char *path = in_workspace (f, "desk-lamp.json");
  HapSimAccessory *accessory = create (f, LAMP);
  HapSimAccessory *renamed;

  id = g_strdup (device_id (accessory));
  renamed = hap_sim_workspace_rename (f->workspace, accessory, "Reading Lamp & Co", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_sim_accessory_get_name (renamed), ==, "Reading Lamp & Co");
  g_assert_cmpstr (hap_accessory_get_name (hap_sim_accessory_get_accessory (renamed)), ==,
                   "Reading Lamp & Co");
  g_assert_cmpstr (hap_sim_accessory_get_file (renamed), ==, path);
  g_assert_cmpstr (hap_sim_accessory_get_id (renamed), ==, "desk-lamp");
  g_assert_cmpstr (device_id (renamed), ==, id);
  definition = parse_file (path);
  g_assert_cmpstr (json_object_get_string_member (first_accessory (definition), "name"), ==,
                   "Reading Lamp & Co");

  g_assert_null (hap_sim_workspace_rename (f->workspace, renamed, "  ", &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT);
  g_assert_true (engine_has (f, renamed));
}

/* A bridge whose behaviour names the first accessory: the rename follows. */
static void
test_rename_behaviours (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) definition = NULL;
  HapSimAccessory *accessory = create (
    f, "{\"accessories\": [{\"name\": \"Plug\", \"services\": [{\"type\": \"Outlet\"}]}],"
       " \"simulator\": {\"behaviours\": [{\"accessory\": \"Plug\", \"characteristic\": \"On\","
       " \"kind\": \"toggle\", \"interval-ms\": 60000}]}}");
  HapSimAccessory *renamed = hap_sim_workspace_rename (f->workspace, accessory, "Socket", &error);
  JsonObject *behaviour;

  g_assert_no_error (error);
  g_assert_nonnull (renamed);
  definition = parse_file (hap_sim_accessory_get_file (renamed));
  behaviour = json_array_get_object_element (
    json_object_get_array_member (object_member (definition, "simulator"), "behaviours"), 0);
  g_assert_cmpstr (json_object_get_string_member (behaviour, "accessory"), ==, "Socket");
}

/* ---- duplicate and delete ---------------------------------------------------------- */

static void
test_duplicate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  HapSimAccessory *accessory = create (f, LAMP);
  HapSimAccessory *copy, *copy2, *copy3;

  copy = hap_sim_workspace_duplicate (f->workspace, accessory, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_sim_accessory_get_name (copy), ==, "Desk Lamp 2");
  g_assert_cmpstr (hap_sim_accessory_get_id (copy), ==, "desk-lamp-2");
  g_assert_true (is_served (copy));
  g_assert_true (engine_has (f, accessory));
  g_assert_cmpstr (device_id (copy), !=, device_id (accessory));
  g_assert_cmpstr (hap_sim_accessory_get_state_dir (copy), !=,
                   hap_sim_accessory_get_state_dir (accessory));
  g_assert_nonnull (hap_sim_accessory_find (copy, "Lightbulb/Hue", NULL));

  copy2 = hap_sim_workspace_duplicate (f->workspace, accessory, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_sim_accessory_get_name (copy2), ==, "Desk Lamp 3");
  copy3 = hap_sim_workspace_duplicate (f->workspace, copy, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_sim_accessory_get_name (copy3), ==, "Desk Lamp 4");

  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "desk-lamp-2.json desk-lamp-3.json desk-lamp-4.json desk-lamp.json");
}

/* An accessory served from elsewhere (here accessories/camera.json): its snapshot comes
 * into the workspace with the copy. */
static void
test_duplicate_snapshot (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *names = NULL;
  HapSimAccessory *camera = ui_fixture_add (f->fixture, "camera.json");
  HapSimAccessory *copy = hap_sim_workspace_duplicate (f->workspace, camera, &error);

  g_assert_no_error (error);
  g_assert_nonnull (copy);
  g_assert_true (is_served (copy));
  g_assert_nonnull (hap_accessory_get_snapshot (hap_sim_accessory_get_accessory (copy)));
  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "garden-camera-2.json snapshot.jpg");
}

static void
test_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = in_workspace (f, "desk-lamp.json");
  g_autofree char *state_dir = NULL;
  g_autofree char *names = NULL;
  HapSimAccessory *accessory = create (f, LAMP);
  HapSimAccessory *other = create (f, LAMP);

  g_object_ref (accessory);
  state_dir = g_strdup (hap_sim_accessory_get_state_dir (accessory));
  g_assert_true (g_file_test (state_dir, G_FILE_TEST_IS_DIR));

  g_assert_true (hap_sim_workspace_delete (f->workspace, accessory, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (state_dir, G_FILE_TEST_EXISTS));
  g_assert_false (engine_has (f, accessory));
  g_assert_null (hap_sim_engine_lookup (f->fixture->engine, "desk-lamp", NULL));
  g_assert_null (hap_sim_accessory_get_server (accessory));
  g_assert_true (engine_has (f, other));
  g_assert_true (is_served (other));
  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "desk-lamp-2.json");
  g_object_unref (accessory);

  /* A file served from outside the workspace stays where it is. */
  accessory = ui_fixture_add (f->fixture, "camera.json");
  g_object_ref (accessory);
  g_free (path);
  path = g_strdup (hap_sim_accessory_get_file (accessory));
  g_assert_true (hap_sim_workspace_delete (f->workspace, accessory, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (engine_has (f, accessory));
  g_assert_false (g_file_test (hap_sim_accessory_get_state_dir (accessory), G_FILE_TEST_EXISTS));
  g_object_unref (accessory);
}

/* ---- import and export ------------------------------------------------------------- */

static void
test_import_broken (Fixture *f, gconstpointer data)
{
  g_autofree char *path = source_file ("tests/data/broken/value-out-of-range.json");
  g_autofree char *syntax_path = source_file ("tests/data/broken/not-json.json");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) syntax = g_file_new_for_path (syntax_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *escaped = g_regex_escape_string (path, -1);
  g_autofree char *names = NULL;
  guint before = hap_sim_engine_get_accessories (f->fixture->engine)->len;

  g_assert_null (hap_sim_workspace_import (f->workspace, file, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  pattern = g_strdup_printf ("^%s:\\d+:\\d+: ", escaped);
  g_assert_true (g_regex_match_simple (pattern, error->message, 0, 0));
  g_clear_error (&error);

  g_assert_null (hap_sim_workspace_import (f->workspace, syntax, &error));
  g_assert_nonnull (error);
  g_assert_true (g_regex_match_simple ("not-json\\.json:\\d+:\\d+: invalid JSON", error->message,
                                       0, 0));

  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "");
  g_assert_cmpuint (hap_sim_engine_get_accessories (f->fixture->engine)->len, ==, before);
}

static void
test_import_snapshot (Fixture *f, gconstpointer data)
{
  g_autofree char *camera_path = accessory_file ("camera.json");
  g_autofree char *bridge_path = accessory_file ("bridge.json");
  g_autofree char *snapshot = in_workspace (f, "snapshot.jpg");
  g_autofree char *source_text = NULL, *copied_text = NULL, *names = NULL;
  g_autofree char *imported_path = NULL;
  g_autoptr(GFile) camera = g_file_new_for_path (camera_path);
  g_autoptr(GFile) bridge = g_file_new_for_path (bridge_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) definition = NULL;
  HapSimAccessory *accessory;

  accessory = hap_sim_workspace_import (f->workspace, camera, &error);
  g_assert_no_error (error);
  g_assert_true (is_served (accessory));
  g_assert_cmpstr (hap_sim_accessory_get_id (accessory), ==, "camera");
  g_assert_nonnull (hap_accessory_get_snapshot (hap_sim_accessory_get_accessory (accessory)));
  /* Copied as written: comments, layout and all. */
  source_text = read_text (camera_path);
  copied_text = read_text (hap_sim_accessory_get_file (accessory));
  g_assert_cmpstr (source_text, ==, copied_text);
  g_assert_true (g_file_test (snapshot, G_FILE_TEST_IS_REGULAR));

  /* The bridge uses the same image: it is not copied twice. */
  accessory = hap_sim_workspace_import (f->workspace, bridge, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hap_sim_accessory_get_id (accessory), ==, "bridge");
  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "bridge.json camera.json snapshot.jpg");
  g_clear_pointer (&names, g_free);

  /* Another image of that name is there: the camera's gets a new name and the file
   * follows; the same file name again gets "-2". */
  g_file_set_contents (snapshot, "\xff\xd8\xff\xe0 another image", -1, &error);
  g_assert_no_error (error);
  accessory = hap_sim_workspace_import (f->workspace, camera, &error);
  g_assert_no_error (error);
  g_assert_true (is_served (accessory));
  g_assert_cmpstr (hap_sim_accessory_get_id (accessory), ==, "camera-2");
  imported_path = in_workspace (f, "camera-2.json");
  definition = parse_file (imported_path);
  g_assert_cmpstr (json_object_get_string_member (first_accessory (definition), "snapshot"), ==,
                   "snapshot-2.jpg");
  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "bridge.json camera-2.json camera.json snapshot-2.jpg snapshot.jpg");
  assert_no_temp_files (f);
}

/* "Import Device Dump…": what a real device answered to GET /accessories (and Home
 * Assistant's diagnostics around it) is imported as written and served. */
static void
test_import_dump (Fixture *f, gconstpointer data)
{
  g_autofree char *dump_path = g_test_build_filename (G_TEST_DIST, "data", "real-devices", "koogeek_ls1.json", NULL);
  g_autofree char *ha_path = g_test_build_filename (G_TEST_DIST, "data", "dumps", "ha-diagnostics-koogeek.json", NULL);
  g_autoptr(GFile) dump = g_file_new_for_path (dump_path);
  g_autoptr(GFile) ha = g_file_new_for_path (ha_path);
  g_autofree char *source_text = NULL, *copied_text = NULL, *names = NULL;
  g_autoptr(GError) error = NULL;
  HapSimAccessory *accessory;
  HapAccessory *device;

  accessory = hap_sim_workspace_import (f->workspace, dump, &error);
  g_assert_no_error (error);
  g_assert_true (is_served (accessory));
  g_assert_cmpstr (hap_sim_accessory_get_id (accessory), ==, "koogeek-ls1");
  device = hap_sim_accessory_get_accessory (accessory);
  g_assert_cmpstr (hap_accessory_get_name (device), ==, "Koogeek-LS1-20833F");
  /* The recorded services, vendor ones by UUID, and no Protocol Information added. */
  g_assert_cmpuint (hap_accessory_get_services (device)->len, ==, 5);
  g_assert_nonnull (hap_accessory_get_service (device, "4AAAF940-0DEC-11E5-B939-0800200C9A66"));
  /* A vendor characteristic shows its description and UUID. */
  g_assert_cmpstr (hap_sim_ui_characteristic_label (hap_accessory_get_characteristic_by_iid (device, 14)), ==,
                   "TIMER_SETTINGS (4AAAF942-0DEC-11E5-B939-0800200C9A66)");
  source_text = read_text (dump_path);
  copied_text = read_text (hap_sim_accessory_get_file (accessory));
  g_assert_cmpstr (source_text, ==, copied_text);
  /* The editor and rename would rewrite the dump in the simulator's format: refused,
   * with the file to change instead, and the file left as recorded. */
  g_assert_true (hap_accessory_is_recorded (device));
  g_assert_null (hap_sim_workspace_dup_definition (f->workspace, accessory, &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "recorded"));
  g_assert_nonnull (strstr (error->message, hap_sim_accessory_get_file (accessory)));
  g_clear_error (&error);
  g_assert_null (hap_sim_workspace_rename (f->workspace, accessory, "Renamed", &error));
  g_assert_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_FAILED);
  g_clear_error (&error);
  g_clear_pointer (&copied_text, g_free);
  copied_text = read_text (hap_sim_accessory_get_file (accessory));
  g_assert_cmpstr (source_text, ==, copied_text);

  accessory = hap_sim_workspace_import (f->workspace, ha, &error);
  g_assert_no_error (error);
  g_assert_true (is_served (accessory));
  g_assert_cmpstr (hap_accessory_get_name (hap_sim_accessory_get_accessory (accessory)), ==, "Koogeek-LS1-20833F");
  names = list_sorted (f);
  g_assert_cmpstr (names, ==, "ha-diagnostics-koogeek.json koogeek-ls1.json");
  assert_no_temp_files (f);
}

static void
enable_quirks (HapSimAccessory *accessory)
{
  g_autoptr(GError) error = NULL;
  GVariantDict latency, push, immediate, stale;

  g_variant_dict_init (&latency, NULL);
  g_variant_dict_insert (&latency, "delay-ms", "u", 800);
  g_assert_true (hap_sim_accessory_enable_quirk (accessory, "fault-latency",
                                                 g_variant_dict_end (&latency), &error));
  g_variant_dict_init (&push, NULL);
  g_variant_dict_insert (&push, "mode", "s", "close");
  g_assert_true (hap_sim_accessory_enable_quirk (accessory, "ev-no-push",
                                                 g_variant_dict_end (&push), &error));
  g_variant_dict_init (&immediate, NULL);
  g_variant_dict_insert (&immediate, "unchanged", "b", TRUE);
  g_assert_true (hap_sim_accessory_enable_quirk (accessory, "ev-immediate-event",
                                                 g_variant_dict_end (&immediate), &error));
  g_variant_dict_init (&stale, NULL);
  g_variant_dict_insert (&stale, "value", "d", 42.5);
  g_assert_true (hap_sim_accessory_enable_quirk (accessory, "val-stale-accessories",
                                                 g_variant_dict_end (&stale), &error));
  g_assert_no_error (error);
}

/* @path served by a new engine: the quirks it starts with are the file's. */
static void
assert_quirks_load (const char *path)
{
  g_autofree char *state = g_dir_make_tmp ("ui-ws-state-XXXXXX", NULL);
  g_autoptr(HapSimEngine) engine = hap_sim_engine_new (state);
  g_autoptr(GError) error = NULL;
  HapSimAccessory *accessory;
  HapSimQuirk *quirk;
  GPtrArray *quirks;

  hap_sim_engine_set_advertise (engine, FALSE);
  accessory = hap_sim_engine_add_file (engine, path, FALSE, &error);
  g_assert_no_error (error);
  quirks = hap_sim_accessory_get_quirks (accessory);
  g_assert_cmpuint (quirks->len, ==, 4);
  /* In the order enabled. */
  g_assert_cmpstr (((HapSimQuirk *) g_ptr_array_index (quirks, 0))->info->name, ==,
                   "fault-latency");
  g_assert_cmpstr (((HapSimQuirk *) g_ptr_array_index (quirks, 3))->info->name, ==,
                   "val-stale-accessories");
  quirk = hap_sim_accessory_get_quirk (accessory, "fault-latency");
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "delay-ms"), ==, 800);
  g_assert_cmpuint (hap_sim_quirk_get_uint (quirk, "jitter-ms"), ==, 0);
  quirk = hap_sim_accessory_get_quirk (accessory, "ev-no-push");
  g_assert_cmpstr (hap_sim_quirk_get_string (quirk, "mode"), ==, "close");
  quirk = hap_sim_accessory_get_quirk (accessory, "ev-immediate-event");
  g_assert_true (hap_sim_quirk_get_bool (quirk, "unchanged"));
  quirk = hap_sim_accessory_get_quirk (accessory, "val-stale-accessories");
  g_assert_cmpfloat (hap_sim_quirk_get_double (quirk, "value"), ==, 42.5);
  g_clear_object (&engine);
  g_rmdir (state);
}

static void
test_export (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("ui-ws-export-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "exported.json", NULL);
  g_autofree char *snapshot = g_build_filename (dir, "snapshot.jpg", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(JsonNode) exported = NULL;
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) saved = NULL;
  g_autoptr(HapAccessory) loaded = NULL;
  HapSimAccessory *accessory = create (f, LAMP);
  HapSimAccessory *camera = ui_fixture_add (f->fixture, "camera.json");
  JsonObject *root, *quirks, *params;

  enable_quirks (accessory);
  definition = hap_sim_workspace_dup_definition (f->workspace, accessory, &error);
  g_assert_no_error (error);
  before = parse_file (hap_sim_accessory_get_file (accessory));

  g_assert_true (hap_sim_workspace_export (f->workspace, accessory, file, &error));
  g_assert_no_error (error);
  exported = parse_file (path);
  root = json_node_get_object (exported);
  /* The definition, plus the quirks on now. */
  g_assert_true (json_node_equal (json_object_get_member (root, "accessories"),
                                  json_object_get_member (json_node_get_object (definition),
                                                          "accessories")));
  quirks = json_object_get_object_member (object_member (exported, "simulator"), "quirks");
  g_assert_cmpuint (json_object_get_size (quirks), ==, 4);
  params = json_object_get_object_member (quirks, "fault-latency");
  g_assert_cmpint (json_object_get_int_member (params, "delay-ms"), ==, 800);
  params = json_object_get_object_member (quirks, "ev-no-push");
  g_assert_cmpstr (json_object_get_string_member (params, "mode"), ==, "close");
  json_object_remove_member (root, "simulator");
  g_assert_true (json_node_equal (exported, definition));
  assert_quirks_load (path);

  /* Exporting does not change the workspace file. */
  saved = parse_file (hap_sim_accessory_get_file (accessory));
  g_assert_true (json_node_equal (saved, before));

  /* A snapshot goes along with the file. */
  g_clear_object (&file);
  g_free (path);
  path = g_build_filename (dir, "camera.json", NULL);
  file = g_file_new_for_path (path);
  g_assert_true (hap_sim_workspace_export (f->workspace, camera, file, &error));
  g_assert_no_error (error);
  loaded = hap_accessory_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (snapshot, G_FILE_TEST_IS_REGULAR));

  g_unlink (snapshot);
  g_unlink (path);
  g_free (path);
  path = g_build_filename (dir, "exported.json", NULL);
  g_unlink (path);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* ---- quirks ------------------------------------------------------------------------ */

static void
test_save_quirks (Fixture *f, gconstpointer data)
{
  g_autofree char *source = accessory_file ("sensor-pack.json");
  g_autoptr(GFile) file = g_file_new_for_path (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) original = parse_file (source);
  g_autoptr(JsonNode) saved = NULL;
  g_autoptr(JsonNode) cleared = NULL;
  g_autoptr(JsonNode) lamp_saved = NULL;
  HapSimAccessory *accessory = hap_sim_workspace_import (f->workspace, file, &error);
  HapSimAccessory *lamp = create (f, LAMP);
  JsonObject *section;

  g_assert_no_error (error);
  enable_quirks (accessory);
  g_assert_true (hap_sim_workspace_save_quirks (f->workspace, accessory, &error));
  g_assert_no_error (error);
  assert_quirks_load (hap_sim_accessory_get_file (accessory));

  /* Everything else of the file is kept: accessories and behaviours. */
  saved = parse_file (hap_sim_accessory_get_file (accessory));
  g_assert_true (same_member (saved, original, "accessories"));
  section = json_object_get_object_member (json_node_get_object (saved), "simulator");
  g_assert_true (json_node_equal (json_object_get_member (section, "behaviours"),
                                  json_object_get_member (json_object_get_object_member (
                                    json_node_get_object (original), "simulator"), "behaviours")));
  g_assert_true (json_object_has_member (section, "quirks"));
  /* Nothing restarted: still the same accessory, running. */
  g_assert_true (engine_has (f, accessory));
  g_assert_true (is_served (accessory));

  /* None on: "quirks" goes, behaviours stay. */
  disable_all_quirks (accessory);
  g_assert_true (hap_sim_workspace_save_quirks (f->workspace, accessory, &error));
  g_assert_no_error (error);
  cleared = parse_file (hap_sim_accessory_get_file (accessory));
  g_assert_true (json_node_equal (cleared, original));

  /* A file without a "simulator" section gets one, and loses it again. */
  enable_quirks (lamp);
  g_assert_true (hap_sim_workspace_save_quirks (f->workspace, lamp, &error));
  assert_quirks_load (hap_sim_accessory_get_file (lamp));
  disable_all_quirks (lamp);
  g_assert_true (hap_sim_workspace_save_quirks (f->workspace, lamp, &error));
  lamp_saved = parse_file (hap_sim_accessory_get_file (lamp));
  g_assert_false (json_object_has_member (json_node_get_object (lamp_saved), "simulator"));
  assert_no_temp_files (f);
}

/* ---- load -------------------------------------------------------------------------- */

static void
write_file (Fixture *f, const char *name, const char *text)
{
  g_autofree char *path = in_workspace (f, name);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_load (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  GPtrArray *accessories = hap_sim_engine_get_accessories (f->fixture->engine);
  GError *error;

  write_file (f, "a-lamp.json", LAMP);
  write_file (f, "b-broken.json", "{\"accessories\": [{\"name\": \"Broken\",\n"
                                  "  \"services\": [{\"type\": \"Nonsense\"}]}]}");
  write_file (f, "c-switch.json", "{\"accessories\": [{\"name\": \"Switch\", "
                                  "\"services\": [{\"type\": \"Switch\"}]}]}");
  write_file (f, "notes.txt", "not an accessory");

  hap_sim_workspace_load (f->workspace, TRUE, errors);
  g_assert_cmpuint (errors->len, ==, 1);
  error = g_ptr_array_index (errors, 0);
  g_test_message ("%s", error->message);
  g_assert_true (g_regex_match_simple ("b-broken\\.json:2:\\d+: .*Nonsense", error->message, 0, 0));

  g_assert_cmpuint (accessories->len, ==, 2);
  g_assert_cmpstr (hap_sim_accessory_get_id (g_ptr_array_index (accessories, 0)), ==, "a-lamp");
  g_assert_cmpstr (hap_sim_accessory_get_id (g_ptr_array_index (accessories, 1)), ==, "c-switch");
  g_assert_true (is_served (g_ptr_array_index (accessories, 0)));
  g_assert_true (is_served (g_ptr_array_index (accessories, 1)));

  /* Loading again serves nothing twice. */
  g_ptr_array_set_size (errors, 0);
  hap_sim_workspace_load (f->workspace, TRUE, errors);
  g_assert_cmpuint (accessories->len, ==, 2);
  g_assert_cmpuint (errors->len, ==, 1);

  /* Without starting ("start accessories at launch" off), a new file is added stopped:
   * it never listens, not even briefly. */
  write_file (f, "d-outlet.json", "{\"accessories\": [{\"name\": \"Outlet\", "
                                  "\"services\": [{\"type\": \"Outlet\"}]}]}");
  g_ptr_array_set_size (errors, 0);
  hap_sim_workspace_load (f->workspace, FALSE, errors);
  g_assert_cmpuint (accessories->len, ==, 3);
  g_assert_cmpstr (hap_sim_accessory_get_id (g_ptr_array_index (accessories, 2)), ==, "d-outlet");
  g_assert_cmpint (hap_sim_accessory_get_state (g_ptr_array_index (accessories, 2)), ==, HAP_SIM_STATE_STOPPED);
  g_assert_null (hap_sim_accessory_get_server (g_ptr_array_index (accessories, 2)));
}

static void
test_new_creates_dir (void)
{
  g_autofree char *base = g_dir_make_tmp ("ui-ws-new-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (base, "sub", "workspace", NULL);
  g_autoptr(HapSimEngine) engine = hap_sim_engine_new (base);
  g_autoptr(HapSimWorkspace) workspace = hap_sim_workspace_new (engine, dir);
  g_autofree char *parent = g_path_get_dirname (dir);
  GStatBuf st;

  g_assert_cmpstr (hap_sim_workspace_get_dir (workspace), ==, dir);
  g_assert_true (hap_sim_workspace_get_engine (workspace) == engine);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_rmdir (dir);
  g_rmdir (parent);
  g_rmdir (base);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);

  g_test_add_func ("/workspace/new", test_new_creates_dir);
#define ADD(path, func) \
  g_test_add ("/workspace/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("create", test_create);
  ADD ("create-invalid", test_create_invalid);
  ADD ("replace", test_replace);
  ADD ("rename", test_rename);
  ADD ("rename-behaviours", test_rename_behaviours);
  ADD ("duplicate", test_duplicate);
  ADD ("duplicate-snapshot", test_duplicate_snapshot);
  ADD ("delete", test_delete);
  ADD ("import-broken", test_import_broken);
  ADD ("import-snapshot", test_import_snapshot);
  ADD ("import-dump", test_import_dump);
  ADD ("export", test_export);
  ADD ("save-quirks", test_save_quirks);
  ADD ("load", test_load);
#undef ADD
  return g_test_run ();
}
