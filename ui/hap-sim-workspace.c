/* hap-sim-workspace.c — the folder of accessory files the desktop app serves
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A definition is checked as the engine would load it before it is written, and every
 * write is g_file_set_contents_full() (temp file, fsync, rename): neither a crash nor a
 * bad definition leaves a broken file behind.
 */
#define G_LOG_DOMAIN "hap-sim-workspace"

#include "hap-sim-workspace.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include <libhap-glib/hap.h>
#include "hap-sim-error.h"
#include "hap-sim-json-text.h"

struct _HapSimWorkspace
{
  GObject       parent_instance;

  HapSimEngine *engine;
  char         *dir;
};

enum { PROP_0, PROP_ENGINE, PROP_DIR, N_PROPS };

G_DEFINE_FINAL_TYPE (HapSimWorkspace, hap_sim_workspace, G_TYPE_OBJECT)

static GParamSpec *properties [N_PROPS];

/* ---- JSON text ------------------------------------------------------------------- */

/* json-glib 1.6 prints doubles with 17 digits (0.2 → 0.20000000000000001); a file the
 * user wrote should keep its numbers as written, so number tokens with a fraction or an
 * exponent are rewritten with the fewest digits that read back the same. */
static void
append_number (GString *out, const char *token, gsize len)
{
  g_autofree char *text = g_strndup (token, len);
  g_autofree char *buffer = NULL;
  double value;

  if (strpbrk (text, ".eE") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  value = g_ascii_strtod (text, NULL);
  if (!isfinite (value))
    {
      g_string_append (out, text);
      return;
    }
  buffer = hap_double_to_string (value);
  /* Still a double once read back ("21" would be an integer). */
  g_string_append (out, buffer);
  if (strpbrk (buffer, ".eEn") == NULL)
    g_string_append (out, ".0");
}

static char *
tidy_numbers (const char *json)
{
  GString *out = g_string_sized_new (strlen (json) + 1);
  gsize json_len = strlen (json);

  for (const char *p = json; *p != '\0'; p++)
    {
      if (*p == '"')
        {
          gsize end = hap_sim_json_string_end (json, json_len, (gsize) (p - json));

          g_string_append_len (out, p, (gssize) (json + end - p));
          p = json + end - 1;
        }
      else if (*p == '-' || g_ascii_isdigit (*p))
        {
          gsize len = strspn (p, "-+.eE0123456789");

          append_number (out, p, len);
          p += len - 1;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static char *
to_text (JsonNode *root)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  g_autofree char *tidy = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  tidy = tidy_numbers (text);
  return g_strconcat (tidy, "\n", NULL);
}

static JsonNode *
parse_file (const char *path, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;
  JsonNode *root;

  /* Bounded nesting before json-glib's recursive parser (hap-json.c). */
  if (!g_file_get_contents (path, &text, &length, &local_error) ||
      !(root = hap_json_parse (text, (gssize) length, &local_error)))
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_FAILED, "%s: %s", path,
                   local_error->message);
      return NULL;
    }
  return root;
}

/* The array of accessories of a definition, or NULL (and an error) when it has none. */
static JsonArray *
get_accessories (JsonNode *definition, GError **error)
{
  JsonNode *node;
  JsonArray *array;

  if (definition == NULL || !JSON_NODE_HOLDS_OBJECT (definition) ||
      (node = json_object_get_member (json_node_get_object (definition), "accessories")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node) ||
      json_array_get_length (array = json_node_get_array (node)) == 0 ||
      !JSON_NODE_HOLDS_OBJECT (json_array_get_element (array, 0)))
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                   _("the definition has no accessory"));
      return NULL;
    }
  return array;
}

static JsonObject *
get_first (JsonNode *definition, GError **error)
{
  JsonArray *accessories = get_accessories (definition, error);

  return accessories != NULL ? json_array_get_object_element (accessories, 0) : NULL;
}

static const char *
first_name (JsonNode *definition)
{
  JsonObject *first = get_first (definition, NULL);
  JsonNode *name = first != NULL ? json_object_get_member (first, "name") : NULL;

  return name != NULL && JSON_NODE_HOLDS_VALUE (name) &&
         json_node_get_value_type (name) == G_TYPE_STRING ? json_node_get_string (name) : NULL;
}

/* ---- files ------------------------------------------------------------------------ */

static gboolean
write_text (const char *path, const char *text, GError **error)
{
  return g_file_set_contents_full (path, text, -1,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                   0644, error);
}

static gboolean
set_errno_error (GError **error, const char *what, const char *path)
{
  int saved = errno;

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), _("cannot %s %s: %s"), what,
               path, g_strerror (saved));
  return FALSE;
}

static gboolean
remove_tree (const char *path, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return TRUE;   /* never started: nothing stored */
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        {
          if (!remove_tree (child, error))
            return FALSE;
        }
      else if (g_unlink (child) != 0)
        return set_errno_error (error, "remove", child);
    }
  if (g_rmdir (path) != 0)
    return set_errno_error (error, "remove", path);
  return TRUE;
}

/* "Desk Lamp" → "desk-lamp": lowercase ASCII letters and digits, '-' between words. */
static char *
slugify (const char *name)
{
  GString *slug = g_string_new (NULL);

  for (const char *p = name; p != NULL && *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (slug, g_ascii_tolower (*p));
      else if (slug->len > 0 && slug->str[slug->len - 1] != '-')
        g_string_append_c (slug, '-');
    }
  while (slug->len > 0 && slug->str[slug->len - 1] == '-')
    g_string_truncate (slug, slug->len - 1);
  if (slug->len == 0)
    g_string_append (slug, "accessory");  /* i18n-ignore: a file name, kept ASCII */
  return g_string_free (slug, FALSE);
}

static gboolean
id_in_use (HapSimWorkspace *self, const char *id)
{
  GPtrArray *accessories = hap_sim_engine_get_accessories (self->engine);

  for (guint i = 0; i < accessories->len; i++)
    if (g_str_equal (hap_sim_accessory_get_id (g_ptr_array_index (accessories, i)), id))
      return TRUE;
  return FALSE;
}

/* DIR/SLUG.json, or SLUG-2.json…, free both as a file and as an engine id: the id is the
 * file's stem, and the state directory is named after it, so the next start must give
 * the file the same id. */
static char *
unique_path (HapSimWorkspace *self, const char *stem)
{
  g_autofree char *slug = slugify (stem);

  for (guint n = 1;; n++)
    {
      g_autofree char *id = n == 1 ? g_strdup (slug) : g_strdup_printf ("%s-%u", slug, n);
      g_autofree char *file = g_strconcat (id, ".json", NULL);
      g_autofree char *path = g_build_filename (self->dir, file, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS) && !id_in_use (self, id))
        return g_steal_pointer (&path);
    }
}

static gboolean
same_file (const char *a, const char *b)
{
  GStatBuf sa, sb;

  if (g_stat (a, &sa) != 0 || g_stat (b, &sb) != 0)
    return FALSE;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static gboolean
same_contents (const char *a, const char *b)
{
  g_autofree char *ca = NULL, *cb = NULL;
  gsize la = 0, lb = 0;

  return g_file_get_contents (a, &ca, &la, NULL) && g_file_get_contents (b, &cb, &lb, NULL) &&
         la == lb && memcmp (ca, cb, la) == 0;
}

/* Makes the relative "snapshot" paths of @definition (a file of @from_dir) valid in
 * @to_dir: each image is copied there (under a free name, unless the same image is
 * there already) and the path rewritten. @copied gets the paths of new files, so that a
 * failure can take them back. Returns FALSE on an I/O error. */
static gboolean
relocate_snapshots (JsonNode    *definition,
                    const char  *from_dir,
                    const char  *to_dir,
                    gboolean    *changed,
                    GPtrArray   *copied,
                    GError     **error)
{
  JsonArray *accessories = get_accessories (definition, NULL);

  *changed = FALSE;
  if (accessories == NULL || same_file (from_dir, to_dir))
    return TRUE;

  for (guint i = 0; i < json_array_get_length (accessories); i++)
    {
      JsonNode *element = json_array_get_element (accessories, i);
      JsonNode *node;
      g_autofree char *source = NULL, *base = NULL, *stem = NULL, *target = NULL, *name = NULL;
      const char *extension;
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (!JSON_NODE_HOLDS_OBJECT (element) ||
          (node = json_object_get_member (json_node_get_object (element), "snapshot")) == NULL ||
          json_node_get_value_type (node) != G_TYPE_STRING ||
          g_path_is_absolute (json_node_get_string (node)))
        continue;

      source = g_build_filename (from_dir, json_node_get_string (node), NULL);
      base = g_path_get_basename (source);
      extension = strrchr (base, '.');
      stem = extension != NULL && extension != base ? g_strndup (base, extension - base)
                                                   : g_strdup (base);
      extension = extension != NULL && extension != base ? extension : "";
      for (guint n = 1;; n++)
        {
          g_clear_pointer (&name, g_free);
          g_clear_pointer (&target, g_free);
          name = n == 1 ? g_strdup (base) : g_strdup_printf ("%s-%u%s", stem, n, extension);
          target = g_build_filename (to_dir, name, NULL);
          if (!g_file_test (target, G_FILE_TEST_EXISTS) || same_contents (source, target))
            break;
        }

      if (!g_file_test (target, G_FILE_TEST_EXISTS))
        {
          if (!g_file_get_contents (source, &contents, &length, error) ||
              !g_file_set_contents_full (target, contents, (gssize) length,
                                         G_FILE_SET_CONTENTS_CONSISTENT |
                                         G_FILE_SET_CONTENTS_DURABLE, 0644, error))
            return FALSE;
          g_ptr_array_add (copied, g_strdup (target));
        }
      if (!g_str_equal (name, json_node_get_string (node)))
        {
          json_object_set_string_member (json_node_get_object (element), "snapshot", name);
          *changed = TRUE;
        }
    }
  return TRUE;
}

static void
unlink_all (GPtrArray *paths)
{
  for (guint i = 0; i < paths->len; i++)
    g_unlink (g_ptr_array_index (paths, i));
}

/* ---- checking and serving -------------------------------------------------------- */

/* Checks @text as the contents of @path would be checked by the engine: the SDK loader
 * (messages name @path), then the "simulator" section, which only the simulator reads,
 * from a hidden temporary file next to @path (relative snapshots resolve the same). */
static gboolean
validate_text (const char *path, const char *text, GError **error)
{
  g_autoptr(HapAccessory) accessory = NULL;
  g_autoptr(HapSimAccessory) probe = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *template = NULL;
  g_autofree char *state = NULL;
  int fd;

  if ((accessory = hap_accessory_new_from_data (text, -1, path, error)) == NULL)
    return FALSE;
  if (strstr (text, "\"simulator\"") == NULL)
    return TRUE;

  template = g_strdup_printf ("%s/.%s-XXXXXX", dir, base);  /* i18n-ignore: a mkstemp template */
  if ((fd = g_mkstemp_full (template, O_RDWR, 0600)) < 0)
    return set_errno_error (error, "create", template);
  g_close (fd, NULL);
  if (!g_file_set_contents (template, text, -1, error))
    {
      g_unlink (template);
      return FALSE;
    }
  /* Nothing is started, so the state directory is never touched. */
  state = g_build_filename (dir, ".validate-state", NULL);
  probe = hap_sim_accessory_new_from_file ("validate", template, state, NULL, &local_error);
  g_unlink (template);
  if (probe == NULL)
    {
      g_autoptr(GString) message = g_string_new (local_error->message);

      /* Name the file the user knows. */
      g_string_replace (message, template, path, 0);
      g_set_error_literal (error, local_error->domain, local_error->code, message->str);
      return FALSE;
    }
  return TRUE;
}

/* Adds @path to the engine and starts it (on @port when not 0). A @fresh accessory
 * (new file, new id) must get a new identity: a state directory of that id can only be
 * left over from a file that is gone, so it is wiped first. */
static HapSimAccessory *
serve (HapSimWorkspace *self,
       const char      *path,
       guint16          port,
       gboolean         fresh,
       GError         **error)
{
  HapSimAccessory *accessory = hap_sim_engine_add_file (self->engine, path, FALSE, error);

  if (accessory == NULL)
    return NULL;
  if (port != 0)
    hap_sim_accessory_set_port (accessory, port);
  if ((fresh && !remove_tree (hap_sim_accessory_get_state_dir (accessory), error)) ||
      !hap_sim_accessory_start (accessory, error))
    {
      hap_sim_engine_remove (self->engine, hap_sim_accessory_get_id (accessory), NULL);
      return NULL;
    }
  return accessory;
}

/* Writes @definition as a new file (named after @stem, made unique) and serves it. */
static HapSimAccessory *
create_file (HapSimWorkspace *self,
             JsonNode        *definition,
             const char      *stem,
             GError         **error)
{
  g_autofree char *path = unique_path (self, stem);
  g_autofree char *text = to_text (definition);
  HapSimAccessory *accessory;

  if (!validate_text (path, text, error) || !write_text (path, text, error))
    return NULL;
  if ((accessory = serve (self, path, 0, TRUE, error)) == NULL)
    g_unlink (path);
  return accessory;
}

/* Sets "name" on the first accessory, and on behaviours that named it. */
static void
set_first_name (JsonNode *definition, const char *name)
{
  JsonObject *first = get_first (definition, NULL);
  g_autofree char *old = g_strdup (first_name (definition));
  JsonObject *section;
  JsonArray *behaviours;

  json_object_set_string_member (first, "name", name);
  if (old == NULL ||
      !json_object_has_member (json_node_get_object (definition), "simulator") ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (definition),
                                                       "simulator")))
    return;
  section = json_object_get_object_member (json_node_get_object (definition), "simulator");
  if (!json_object_has_member (section, "behaviours") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (section, "behaviours")))
    return;
  behaviours = json_object_get_array_member (section, "behaviours");
  for (guint i = 0; i < json_array_get_length (behaviours); i++)
    {
      JsonNode *element = json_array_get_element (behaviours, i);
      JsonObject *behaviour = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element)
                                                                : NULL;
      JsonNode *target = behaviour ? json_object_get_member (behaviour, "accessory") : NULL;

      if (target != NULL && json_node_get_value_type (target) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (target), old))
        json_object_set_string_member (behaviour, "accessory", name);
    }
}

/* The enabled quirks into "simulator"."quirks", in the format the simulator reads
 * (hap-sim-accessory.c: an object of quirk name → object of parameters). */
static void
apply_quirks (JsonNode *definition, HapSimAccessory *accessory)
{
  JsonObject *root = json_node_get_object (definition);
  GPtrArray *quirks = hap_sim_accessory_get_quirks (accessory);
  JsonNode *node = json_object_get_member (root, "simulator");
  JsonObject *section = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node)
                                                                      : NULL;
  JsonObject *object;

  if (quirks->len == 0)
    {
      if (section != NULL)
        {
          json_object_remove_member (section, "quirks");
          if (json_object_get_size (section) == 0)
            json_object_remove_member (root, "simulator");
        }
      return;
    }

  if (section == NULL)
    {
      section = json_object_new ();
      json_object_set_object_member (root, "simulator", section);
    }
  object = json_object_new ();
  for (guint i = 0; i < quirks->len; i++)
    {
      HapSimQuirk *quirk = g_ptr_array_index (quirks, i);
      g_autoptr(GVariant) params = hap_sim_quirk_dup_params (quirk);
      JsonObject *values = json_object_new ();
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, params);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
        {
          if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
            json_object_set_boolean_member (values, key, g_variant_get_boolean (value));
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
            json_object_set_int_member (values, key, g_variant_get_uint32 (value));
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
            json_object_set_int_member (values, key, g_variant_get_int32 (value));
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
            json_object_set_double_member (values, key, g_variant_get_double (value));
          else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
            json_object_set_string_member (values, key, g_variant_get_string (value, NULL));
          g_variant_unref (value);
        }
      json_object_set_object_member (object, quirk->info->name, values);
    }
  json_object_set_object_member (section, "quirks", object);
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
hap_sim_workspace_dispose (GObject *object)
{
  HapSimWorkspace *self = HAP_SIM_WORKSPACE (object);

  g_clear_object (&self->engine);
  G_OBJECT_CLASS (hap_sim_workspace_parent_class)->dispose (object);
}

static void
hap_sim_workspace_finalize (GObject *object)
{
  HapSimWorkspace *self = HAP_SIM_WORKSPACE (object);

  g_free (self->dir);
  G_OBJECT_CLASS (hap_sim_workspace_parent_class)->finalize (object);
}

static void
hap_sim_workspace_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HapSimWorkspace *self = HAP_SIM_WORKSPACE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_DIR:
      g_value_set_string (value, self->dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_workspace_set_property (GObject *object, guint prop_id, const GValue *value,
                                GParamSpec *pspec)
{
  HapSimWorkspace *self = HAP_SIM_WORKSPACE (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      self->engine = g_value_dup_object (value);
      break;
    case PROP_DIR:
      self->dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hap_sim_workspace_constructed (GObject *object)
{
  HapSimWorkspace *self = HAP_SIM_WORKSPACE (object);

  G_OBJECT_CLASS (hap_sim_workspace_parent_class)->constructed (object);
  if (g_mkdir_with_parents (self->dir, 0700) != 0)
    g_warning ("cannot create %s: %s", self->dir, g_strerror (errno));
}

static void
hap_sim_workspace_class_init (HapSimWorkspaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hap_sim_workspace_dispose;
  object_class->finalize = hap_sim_workspace_finalize;
  object_class->get_property = hap_sim_workspace_get_property;
  object_class->set_property = hap_sim_workspace_set_property;
  object_class->constructed = hap_sim_workspace_constructed;

  properties [PROP_ENGINE] =
    g_param_spec_object ("engine", NULL, NULL, HAP_SIM_TYPE_ENGINE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));
  properties [PROP_DIR] =
    g_param_spec_string ("dir", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hap_sim_workspace_init (HapSimWorkspace *self)
{
}

/* ---- API -------------------------------------------------------------------------- */

HapSimWorkspace *
hap_sim_workspace_new (HapSimEngine *engine, const char *dir)
{
  g_return_val_if_fail (HAP_SIM_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (dir != NULL, NULL);

  return g_object_new (HAP_SIM_TYPE_WORKSPACE, "engine", engine, "dir", dir, NULL);
}

const char *
hap_sim_workspace_get_dir (HapSimWorkspace *self)
{
  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  return self->dir;
}

HapSimEngine *
hap_sim_workspace_get_engine (HapSimWorkspace *self)
{
  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  return self->engine;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static gboolean
is_served (HapSimWorkspace *self, const char *path)
{
  GPtrArray *accessories = hap_sim_engine_get_accessories (self->engine);

  for (guint i = 0; i < accessories->len; i++)
    if (g_strcmp0 (hap_sim_accessory_get_file (g_ptr_array_index (accessories, i)), path) == 0)
      return TRUE;
  return FALSE;
}

void
hap_sim_workspace_load (HapSimWorkspace *self, gboolean start, GPtrArray *errors)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_return_if_fail (HAP_SIM_IS_WORKSPACE (self));

  if ((dir = g_dir_open (self->dir, 0, &error)) == NULL)
    {
      if (errors != NULL)
        g_ptr_array_add (errors, g_steal_pointer (&error));
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json") && name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (self->dir, g_ptr_array_index (names, i), NULL);

      if (is_served (self, path))
        continue;
      if (hap_sim_engine_add_file (self->engine, path, start, &error) == NULL)
        {
          g_debug ("%s", error->message);
          if (errors != NULL)
            g_ptr_array_add (errors, g_steal_pointer (&error));
          g_clear_error (&error);
        }
    }
}

HapSimAccessory *
hap_sim_workspace_create (HapSimWorkspace *self, JsonNode *definition, GError **error)
{
  const char *name;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (definition != NULL, NULL);

  if (get_first (definition, error) == NULL)
    return NULL;
  name = first_name (definition);
  return create_file (self, definition, name != NULL ? name : "accessory", error);
}

JsonNode *
hap_sim_workspace_dup_definition (HapSimWorkspace *self,
                                  HapSimAccessory *accessory,
                                  GError         **error)
{
  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), NULL);

  /* A device dump has no definition in the simulator's format: turning it into one
   * (what the editor and rename write back) would drop the recorded aids, iids and
   * metadata that make it that device. */
  if (hap_accessory_is_recorded (hap_sim_accessory_get_accessory (accessory)))
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_FAILED,
                   _("%s is served as a real device recorded it; editing would rewrite it in the "
                     "simulator's format and lose the recording. Change the file itself: %s"),
                   hap_sim_accessory_get_id (accessory), hap_sim_accessory_get_file (accessory));
      return NULL;
    }
  return parse_file (hap_sim_accessory_get_file (accessory), error);
}

HapSimAccessory *
hap_sim_workspace_replace (HapSimWorkspace *self,
                           HapSimAccessory *accessory,
                           JsonNode        *definition,
                           GError         **error)
{
  g_autoptr(HapSimAccessory) old = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *old_text = NULL;
  HapAccessoryServer *server;
  HapSimAccessory *replacement;
  guint16 port;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), NULL);
  g_return_val_if_fail (definition != NULL, NULL);

  old = g_object_ref (accessory);
  path = g_strdup (hap_sim_accessory_get_file (old));
  if (get_first (definition, error) == NULL)
    return NULL;
  text = to_text (definition);
  if (!validate_text (path, text, error) ||
      !g_file_get_contents (path, &old_text, NULL, error) ||
      !write_text (path, text, error))
    return NULL;

  /* The same file gives the same id, state directory and identity; the same port
   * saves controllers a new lookup. */
  server = hap_sim_accessory_get_server (old);
  port = server != NULL ? hap_accessory_server_get_port (server) : 0;
  if (!hap_sim_engine_remove (self->engine, hap_sim_accessory_get_id (old), error))
    {
      write_text (path, old_text, NULL);
      return NULL;
    }
  if ((replacement = serve (self, path, port, FALSE, &local_error)) != NULL)
    return replacement;

  /* Put back what was served: nothing changes on a failure. */
  g_propagate_error (error, g_steal_pointer (&local_error));
  if (write_text (path, old_text, NULL))
    serve (self, path, port, FALSE, NULL);
  return NULL;
}

HapSimAccessory *
hap_sim_workspace_rename (HapSimWorkspace *self,
                          HapSimAccessory *accessory,
                          const char      *name,
                          GError         **error)
{
  g_autoptr(JsonNode) definition = NULL;
  g_autofree char *stripped = NULL;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  stripped = g_strstrip (g_strdup (name));
  if (*stripped == '\0')
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                   _("the name must not be empty"));
      return NULL;
    }
  if ((definition = hap_sim_workspace_dup_definition (self, accessory, error)) == NULL ||
      get_first (definition, error) == NULL)
    return NULL;
  set_first_name (definition, stripped);
  return hap_sim_workspace_replace (self, accessory, definition, error);
}

static gboolean
name_in_use (HapSimWorkspace *self, const char *name)
{
  GPtrArray *accessories = hap_sim_engine_get_accessories (self->engine);
  g_autofree char *slug = slugify (name);
  g_autofree char *file = g_strconcat (slug, ".json", NULL);
  g_autofree char *path = g_build_filename (self->dir, file, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  for (guint i = 0; i < accessories->len; i++)
    {
      HapSimAccessory *accessory = g_ptr_array_index (accessories, i);

      if (g_str_equal (hap_accessory_get_name (hap_sim_accessory_get_accessory (accessory)), name))
        return TRUE;
    }
  return FALSE;
}

/* "Desk Lamp" → "Desk Lamp 2"; "Desk Lamp 2" → "Desk Lamp 3". */
static char *
copy_name (HapSimWorkspace *self, const char *name)
{
  const char *space = strrchr (name, ' ');
  g_autofree char *base = NULL;
  guint64 n = 2;

  if (space != NULL && space[1] != '\0' && strspn (space + 1, "0123456789") == strlen (space + 1) &&
      g_ascii_string_to_unsigned (space + 1, 10, 1, G_MAXUINT32, &n, NULL))
    {
      base = g_strndup (name, space - name);
      n++;
    }
  else
    base = g_strdup (name);

  for (;; n++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s %" G_GUINT64_FORMAT, base, n);

      if (!name_in_use (self, candidate))
        return g_steal_pointer (&candidate);
    }
}

HapSimAccessory *
hap_sim_workspace_duplicate (HapSimWorkspace *self,
                             HapSimAccessory *accessory,
                             GError         **error)
{
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(GPtrArray) copied = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *from_dir = NULL;
  g_autofree char *name = NULL;
  HapSimAccessory *copy;
  gboolean changed;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), NULL);

  if ((definition = hap_sim_workspace_dup_definition (self, accessory, error)) == NULL ||
      get_first (definition, error) == NULL)
    return NULL;
  name = copy_name (self, first_name (definition) != NULL ? first_name (definition)
                                                          : hap_sim_accessory_get_name (accessory));
  set_first_name (definition, name);

  from_dir = g_path_get_dirname (hap_sim_accessory_get_file (accessory));
  if (!relocate_snapshots (definition, from_dir, self->dir, &changed, copied, error))
    {
      unlink_all (copied);
      return NULL;
    }
  if ((copy = create_file (self, definition, name, error)) == NULL)
    unlink_all (copied);
  return copy;
}

gboolean
hap_sim_workspace_delete (HapSimWorkspace *self,
                          HapSimAccessory *accessory,
                          GError         **error)
{
  g_autoptr(HapSimAccessory) held = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *state_dir = NULL;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), FALSE);

  held = g_object_ref (accessory);
  path = g_strdup (hap_sim_accessory_get_file (held));
  dir = g_path_get_dirname (path);
  state_dir = g_strdup (hap_sim_accessory_get_state_dir (held));

  if (!hap_sim_engine_remove (self->engine, hap_sim_accessory_get_id (held), error))
    return FALSE;
  /* Only the workspace's own files: one served from elsewhere (given on the command
   * line) belongs to the user. */
  if (same_file (dir, self->dir) && g_unlink (path) != 0 && errno != ENOENT)
    return set_errno_error (error, "remove", path);
  return remove_tree (state_dir, error);
}

HapSimAccessory *
hap_sim_workspace_import (HapSimWorkspace *self,
                          GFile           *file,
                          GError         **error)
{
  g_autoptr(HapSimAccessory) probe = NULL;
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(GPtrArray) copied = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *source = NULL;
  g_autofree char *from_dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *state = NULL;
  HapSimAccessory *accessory;
  gboolean changed;
  char *dot;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  if ((source = g_file_get_path (file)) == NULL)
    {
      g_set_error (error, HAP_SIM_ERROR, HAP_SIM_ERROR_INVALID_ARGUMENT,
                   _("%s: only local files can be imported"), g_file_peek_path (file));
      return NULL;
    }

  /* Everything the engine would check, with the source's own name in the messages.
   * Nothing is started, so the state directory is not touched. */
  state = g_build_filename (self->dir, ".import-state", NULL);
  if ((probe = hap_sim_accessory_new_from_file ("import", source, state, NULL, error)) == NULL ||
      !g_file_get_contents (source, &contents, NULL, error) ||
      (definition = parse_file (source, error)) == NULL)
    return NULL;

  base = g_path_get_basename (source);
  if ((dot = strrchr (base, '.')) != NULL && dot != base)
    *dot = '\0';
  path = unique_path (self, base);
  from_dir = g_path_get_dirname (source);
  if (!relocate_snapshots (definition, from_dir, self->dir, &changed, copied, error))
    {
      unlink_all (copied);
      return NULL;
    }
  /* The file as the user wrote it (comments and all), unless a path had to change. */
  if (changed)
    {
      g_free (contents);
      contents = to_text (definition);
    }
  if (!write_text (path, contents, error))
    {
      unlink_all (copied);
      return NULL;
    }
  if ((accessory = serve (self, path, 0, TRUE, error)) == NULL)
    {
      g_unlink (path);
      unlink_all (copied);
    }
  return accessory;
}

gboolean
hap_sim_workspace_export (HapSimWorkspace *self,
                          HapSimAccessory *accessory,
                          GFile           *file,
                          GError         **error)
{
  g_autoptr(JsonNode) definition = NULL;
  g_autoptr(GPtrArray) copied = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GFile) parent = NULL;
  g_autofree char *from_dir = NULL;
  g_autofree char *text = NULL;
  gboolean changed;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if ((definition = hap_sim_workspace_dup_definition (self, accessory, error)) == NULL ||
      get_first (definition, error) == NULL)
    return FALSE;
  apply_quirks (definition, accessory);

  /* A snapshot goes along, so that the exported file loads where it is. */
  parent = g_file_get_parent (file);
  from_dir = g_path_get_dirname (hap_sim_accessory_get_file (accessory));
  if (parent != NULL && g_file_peek_path (parent) != NULL &&
      !relocate_snapshots (definition, from_dir, g_file_peek_path (parent), &changed, copied,
                           error))
    return FALSE;

  text = to_text (definition);
  if (g_file_peek_path (file) != NULL)
    return write_text (g_file_peek_path (file), text, error);
  return g_file_replace_contents (file, text, strlen (text), NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

gboolean
hap_sim_workspace_save_quirks (HapSimWorkspace *self,
                               HapSimAccessory *accessory,
                               GError         **error)
{
  g_autoptr(JsonNode) definition = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (HAP_SIM_IS_WORKSPACE (self), FALSE);
  g_return_val_if_fail (HAP_SIM_IS_ACCESSORY (accessory), FALSE);

  if ((definition = hap_sim_workspace_dup_definition (self, accessory, error)) == NULL ||
      get_first (definition, error) == NULL)
    return FALSE;
  apply_quirks (definition, accessory);
  text = to_text (definition);
  return write_text (hap_sim_accessory_get_file (accessory), text, error);
}
