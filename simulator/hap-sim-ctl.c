/* hap-sim-ctl.c — `hap-simulator ctl`: the D-Bus control API from the terminal
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One synchronous call per command (io.github.hapsim.Simulator1.xml documents them), no
 * generated proxy: the interface is small and the replies are aa{sv} that are printed
 * either as JSON (json_gvariant_serialize, exactly what the API returned) or as an
 * aligned table. Exit status: 0 success, 1 the simulator refused or could not be
 * reached, 2 usage.
 */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include "i18n/hap-i18n.h"

#include <libhap-glib/hap.h>
#include "hap-setup-qr.h"
#include "hap-sim-dbus.h"

#define PROGRAM "hap-simulator ctl"

typedef struct
{
  const char      *bus_spec;   /* "session", "system" or an address */
  const char      *name;
  gboolean         json;
  GDBusConnection *bus;
} Ctl;

/* Positional arguments and the command's own --options, in any order after it. */
typedef struct
{
  const char *name;        /* "--since" */
  gboolean    has_value;
  const char *value;       /* the value, or "" for a flag that was given; NULL when absent */
} Option;

typedef struct
{
  const char *name;
  const char *usage;       /* arguments after the name */
  const char *summary;
  int       (*run)         (Ctl *ctl, int argc, char **argv);  /* argv[0]: the command */
} Command;

static const Command *find_command (const char *name);

/* ---- output ----------------------------------------------------------------------- */

static int
usage_error (const char *format, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr (_("%s: %s\nTry '%s --help'.\n"), PROGRAM, message, PROGRAM);
  return 2;
}

static int
fail (GError *error)
{
  g_dbus_error_strip_remote_error (error);
  g_printerr (PROGRAM ": %s\n", error->message);
  return 1;
}

static void
print_json (GVariant *value, gboolean pretty)
{
  g_autoptr(JsonNode) node = json_gvariant_serialize (value);
  g_autofree char *text = json_to_string (node, pretty);

  g_print ("%s\n", text);
}

static char *
value_to_json (GVariant *value)
{
  g_autoptr(JsonNode) node = NULL;

  /* Data and TLV8 values are base64 on the wire (docs/protocol.md §4.7): show them so. */
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize len = 0;
      const guint8 *data = g_variant_get_fixed_array (value, &len, 1);
      g_autofree char *base64 = g_base64_encode (data, len);

      node = json_node_init_string (json_node_alloc (), base64);
      return json_to_string (node, FALSE);
    }
  /* Float values are stored as doubles: the shortest form that reads back shows 12.3
   * rather than the 12.300000000000001 json-glib would print. */
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE) && isfinite (g_variant_get_double (value)))
    return hap_double_to_string (g_variant_get_double (value));
  node = json_gvariant_serialize (value);
  return json_to_string (node, FALSE);
}

typedef enum
{
  SHOW_PLAIN,
  SHOW_JSON,       /* the value as JSON (characteristic values) */
  SHOW_TIME_US,    /* µs since the epoch, local time */
  SHOW_TIME_S,     /* s since the epoch, 0: unknown */
  SHOW_PARAMS,     /* a{sv} → "k=v k=v" */
  SHOW_DEFAULTS,   /* aa{sv} of quirk parameters → "name=default …" */
  SHOW_DASH,       /* a string, "-" when empty */
} Show;

typedef struct
{
  const char *key;
  const char *header;
  Show        show;
} Column;

static char *
format_time (gint64 seconds, gint64 usec, gboolean with_usec)
{
  g_autoptr(GDateTime) base = g_date_time_new_from_unix_local (seconds);
  g_autoptr(GDateTime) time = base ? g_date_time_add (base, usec) : NULL;

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, with_usec ? "%Y-%m-%d %H:%M:%S.%f" : "%Y-%m-%d %H:%M:%S");
}

static char *
format_plain (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);
      return format_plain (inner);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (value) ? "yes" : "no");
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY))
    {
      g_autofree const char **items = g_variant_get_strv (value, NULL);
      return g_strjoinv (",", (char **) items);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    return g_strdup_printf ("%g", g_variant_get_double (value));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      g_autoptr(GString) text = g_string_new (NULL);
      GVariantIter iter;
      const char *key;
      GVariant *item;

      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&sv}", &key, &item))
        {
          g_autofree char *shown = format_plain (item);
          g_string_append_printf (text, "%s%s=%s", text->len ? " " : "", key, shown);
          g_variant_unref (item);
        }
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  return g_variant_print (value, FALSE);
}

static char *
format_cell (GVariant *value, Show show)
{
  switch (show)
    {
    case SHOW_JSON:
      {
        g_autoptr(GVariant) inner = g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT)
                                    ? g_variant_get_variant (value) : g_variant_ref (value);
        return value_to_json (inner);
      }
    case SHOW_TIME_US:
      {
        gint64 us = g_variant_get_int64 (value);
        if (us == 0)
          return g_strdup ("-");
        return format_time (us / G_USEC_PER_SEC, us % G_USEC_PER_SEC, TRUE);
      }
    case SHOW_TIME_S:
      {
        gint64 s = g_variant_get_int64 (value);
        return s == 0 ? g_strdup ("-") : format_time (s, 0, FALSE);
      }
    case SHOW_DEFAULTS:
      {
        g_autoptr(GString) text = g_string_new (NULL);
        GVariantIter iter;
        GVariant *param;

        g_variant_iter_init (&iter, value);
        while ((param = g_variant_iter_next_value (&iter)) != NULL)
          {
            const char *name = "?", *def = "";
            g_variant_lookup (param, "name", "&s", &name);
            g_variant_lookup (param, "default", "&s", &def);
            g_string_append_printf (text, "%s%s=%s", text->len ? " " : "", name, def);
            g_variant_unref (param);
          }
        return g_string_free (g_steal_pointer (&text), FALSE);
      }
    case SHOW_DASH:
      {
        g_autofree char *text = format_plain (value);
        return g_strdup (text[0] != '\0' ? text : "-");
      }
    case SHOW_PARAMS:
    case SHOW_PLAIN:
    default:
      return format_plain (value);
    }
}

/* An aligned table of @list (aa{sv}); absent keys show as "-". */
static void
print_table (GVariant *list, const Column *columns, guint n_columns)
{
  guint n_rows = g_variant_n_children (list);
  g_autofree guint *widths = g_new0 (guint, n_columns);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint c = 0; c < n_columns; c++)
    widths[c] = g_utf8_strlen (columns[c].header, -1);
  for (guint r = 0; r < n_rows; r++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (list, r);

      for (guint c = 0; c < n_columns; c++)
        {
          g_autoptr(GVariant) value = g_variant_lookup_value (row, columns[c].key, NULL);
          char *cell = value ? format_cell (value, columns[c].show) : g_strdup ("-");

          widths[c] = MAX (widths[c], (guint) g_utf8_strlen (cell, -1));
          g_ptr_array_add (cells, cell);
        }
    }
  for (guint r = 0; r <= n_rows; r++)
    {
      g_string_truncate (line, 0);
      for (guint c = 0; c < n_columns; c++)
        {
          const char *cell = r == 0 ? columns[c].header : g_ptr_array_index (cells, (r - 1) * n_columns + c);

          g_string_append (line, cell);
          if (c + 1 < n_columns)
            for (guint pad = g_utf8_strlen (cell, -1); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      g_print ("%s\n", line->str);
    }
}

static void
print_list (Ctl *ctl, GVariant *list, const Column *columns, guint n_columns)
{
  if (ctl->json)
    print_json (list, TRUE);
  else
    print_table (list, columns, n_columns);
}

/* ---- arguments -------------------------------------------------------------------- */

/* Splits @argv (after the command name) into positionals and @options. "--" ends the
 * options, so that a value such as "--x" can still be given. */
static gboolean
parse_args (int argc, char **argv, Option *options, guint n_options, GPtrArray *positional)
{
  gboolean options_done = FALSE;

  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      Option *option = NULL;
      const char *eq;
      gsize len;

      if (options_done || !g_str_has_prefix (arg, "--"))
        {
          g_ptr_array_add (positional, (gpointer) arg);
          continue;
        }
      if (strcmp (arg, "--") == 0)
        {
          options_done = TRUE;
          continue;
        }
      eq = strchr (arg, '=');
      len = eq ? (gsize) (eq - arg) : strlen (arg);
      for (guint o = 0; o < n_options; o++)
        if (strlen (options[o].name) == len && strncmp (options[o].name, arg, len) == 0)
          option = &options[o];
      if (option == NULL)
        {
          usage_error (_("%s: unknown option %.*s"), argv[0], (int) len, arg);
          return FALSE;
        }
      if (!option->has_value)
        {
          if (eq != NULL)
            {
              usage_error (_("%s: %s takes no value"), argv[0], option->name);
              return FALSE;
            }
          option->value = "";
        }
      else if (eq != NULL)
        option->value = eq + 1;
      else if (i + 1 < argc)
        option->value = argv[++i];
      else
        {
          usage_error (_("%s: %s needs a value"), argv[0], option->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
parse_uint (const char *command, const char *what, const char *text, guint64 max, guint64 *out)
{
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, out, &error))
    {
      usage_error ("%s: %s: %s", command, what, error->message);
      return FALSE;
    }
  return TRUE;
}

static int
expect_args (const char *command, GPtrArray *positional, guint min, guint max)
{
  const Command *cmd = find_command (command);

  if (positional->len < min || positional->len > max)
    return usage_error (_("usage: %s %s"), command, cmd && cmd->usage ? cmd->usage : "");
  return 0;
}

/* A command-line value for SetValue or a quirk parameter: JSON (true, 42, 21.5, "text"),
 * or, when it is not JSON at all, the text itself as a string (Name/Name Kitchen). */
static GVariant *
parse_value (const char *text, GError **error)
{
  g_autoptr(JsonNode) node = hap_json_parse (text, -1, NULL);

  if (node == NULL)
    return g_variant_new_string (text);
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      GType type = json_node_get_value_type (node);

      if (type == G_TYPE_BOOLEAN)
        return g_variant_new_boolean (json_node_get_boolean (node));
      if (type == G_TYPE_INT64)
        return g_variant_new_int64 (json_node_get_int (node));
      if (type == G_TYPE_DOUBLE)
        return g_variant_new_double (json_node_get_double (node));
      return g_variant_new_string (json_node_get_string (node));
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("%s: expected a JSON boolean, number or string"), text);
  return NULL;
}

/* ---- the bus ---------------------------------------------------------------------- */

static GDBusConnection *
connect_bus (const char *spec, GError **error)
{
  if (spec == NULL || strcmp (spec, "session") == 0)
    return g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (strcmp (spec, "system") == 0)
    return g_bus_get_sync (G_BUS_TYPE_SYSTEM, NULL, error);
  return g_dbus_connection_new_for_address_sync (spec,
                                                 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                 NULL, NULL, error);
}

static GVariant *
call (Ctl *ctl, const char *method, GVariant *parameters, const char *reply_type, GError **error)
{
  /* No auto-start: the simulator is something one runs, not a service to activate. */
  return g_dbus_connection_call_sync (ctl->bus, ctl->name, HAP_SIM_DBUS_PATH, HAP_SIM_DBUS_INTERFACE, method,
                                      parameters, reply_type ? G_VARIANT_TYPE (reply_type) : NULL,
                                      G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, NULL, error);
}

/* A method that takes the accessory id and returns nothing. */
static int
call_simple (Ctl *ctl, const char *method, GVariant *parameters)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, method, parameters, "()", &error);

  return reply ? 0 : fail (error);
}

/* A method returning (aa{sv}), printed as a list. */
static int
call_list (Ctl *ctl, const char *method, GVariant *parameters, const Column *columns, guint n_columns)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call (ctl, method, parameters, "(aa{sv})", &error);
  g_autoptr(GVariant) list = NULL;

  if (reply == NULL)
    return fail (error);
  list = g_variant_get_child_value (reply, 0);
  print_list (ctl, list, columns, n_columns);
  return 0;
}

/* ---- commands --------------------------------------------------------------------- */

/* `COMMAND` without arguments: one listing of the whole simulator. */
static int
list_all (Ctl *ctl, int argc, char **argv, const char *method, const Column *columns, guint n_columns)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 0, 0)) != 0)
    return status;
  return call_list (ctl, method, NULL, columns, n_columns);
}

static int
cmd_list (Ctl *ctl, int argc, char **argv)
{
  static const Column columns[] = {
    { "id", "ID", SHOW_PLAIN }, { "name", "NAME", SHOW_PLAIN }, { "state", "STATE", SHOW_PLAIN },
    { "port", "PORT", SHOW_PLAIN }, { "device-id", "DEVICE-ID", SHOW_PLAIN },
    { "paired", "PAIRED", SHOW_PLAIN }, { "sessions", "SESSIONS", SHOW_PLAIN },
    { "bridged", "BRIDGED", SHOW_PLAIN }, { "transports", "TRANSPORTS", SHOW_PLAIN },
    { "quirks", "QUIRKS", SHOW_PLAIN },
  };
  return list_all (ctl, argc, argv, "ListAccessories", columns, G_N_ELEMENTS (columns));
}

static int
cmd_add (Ctl *ctl, int argc, char **argv)
{
  Option options[] = { { "--no-start", FALSE, NULL } };
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree char *path = NULL;
  const char *id;
  int status;

  if (!parse_args (argc, argv, options, G_N_ELEMENTS (options), positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 1, 1)) != 0)
    return status;
  /* The simulator's working directory is not ours. */
  path = g_canonicalize_filename (g_ptr_array_index (positional, 0), NULL);
  reply = call (ctl, "AddAccessory", g_variant_new ("(sb)", path, options[0].value == NULL), "(s)", &error);
  if (reply == NULL)
    return fail (error);
  g_variant_get (reply, "(&s)", &id);
  g_print ("%s\n", id);
  return 0;
}

/* remove, stop, start, identify, factory-reset: ID only. */
static int
cmd_id_only (Ctl *ctl, int argc, char **argv)
{
  static const struct { const char *command, *method; } map[] = {
    { "remove", "RemoveAccessory" }, { "stop", "StopAccessory" }, { "start", "StartAccessory" },
    { "identify", "Identify" }, { "factory-reset", "FactoryReset" },
  };
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  const char *method = NULL;
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 1, 1)) != 0)
    return status;
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (strcmp (map[i].command, argv[0]) == 0)
      method = map[i].method;
  g_assert (method != NULL);
  return call_simple (ctl, method, g_variant_new ("(s)", (const char *) g_ptr_array_index (positional, 0)));
}

static int
cmd_power_cycle (Ctl *ctl, int argc, char **argv)
{
  Option options[] = { { "--off-ms", TRUE, NULL } };
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  guint64 off_ms = 1000;
  int status;

  if (!parse_args (argc, argv, options, G_N_ELEMENTS (options), positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 1, 1)) != 0)
    return status;
  if (options[0].value != NULL && !parse_uint (argv[0], "--off-ms", options[0].value, G_MAXUINT32, &off_ms))
    return 2;
  return call_simple (ctl, "PowerCycle",
                      g_variant_new ("(su)", (const char *) g_ptr_array_index (positional, 0), (guint32) off_ms));
}

static int
cmd_restart (Ctl *ctl, int argc, char **argv)
{
  Option options[] = { { "--new-port", FALSE, NULL } };
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  int status;

  if (!parse_args (argc, argv, options, G_N_ELEMENTS (options), positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 1, 1)) != 0)
    return status;
  return call_simple (ctl, "Restart",
                      g_variant_new ("(sb)", (const char *) g_ptr_array_index (positional, 0),
                                     options[0].value != NULL));
}

/* `COMMAND ID`: one listing of that accessory. */
static int
list_for_id (Ctl *ctl, int argc, char **argv, const char *method, const Column *columns, guint n_columns)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 1, 1)) != 0)
    return status;
  return call_list (ctl, method, g_variant_new ("(s)", (const char *) g_ptr_array_index (positional, 0)),
                    columns, n_columns);
}

/* `COMMAND ID` for a method answering one a{sv}: printed as JSON with --json (then NULL
 * and *status 0), else returned for the command to print; NULL with *status set on
 * errors. */
static GVariant *
dict_for_id (Ctl *ctl, int argc, char **argv, const char *method, int *status)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *dict;

  if (!parse_args (argc, argv, NULL, 0, positional))
    {
      *status = 2;
      return NULL;
    }
  if ((*status = expect_args (argv[0], positional, 1, 1)) != 0)
    return NULL;
  reply = call (ctl, method, g_variant_new ("(s)", (const char *) g_ptr_array_index (positional, 0)),
                "(a{sv})", &error);
  if (reply == NULL)
    {
      *status = fail (error);
      return NULL;
    }
  dict = g_variant_get_child_value (reply, 0);
  if (ctl->json)
    {
      print_json (dict, TRUE);
      g_variant_unref (dict);
      return NULL;
    }
  return dict;
}

static int
cmd_chars (Ctl *ctl, int argc, char **argv)
{
  static const Column columns[] = {
    { "aid", "AID", SHOW_PLAIN }, { "iid", "IID", SHOW_PLAIN }, { "accessory", "ACCESSORY", SHOW_PLAIN },
    { "service", "SERVICE", SHOW_PLAIN }, { "type", "TYPE", SHOW_PLAIN }, { "format", "FORMAT", SHOW_PLAIN },
    { "perms", "PERMS", SHOW_PLAIN }, { "value", "VALUE", SHOW_JSON }, { "unit", "UNIT", SHOW_PLAIN },
  };
  return list_for_id (ctl, argc, argv, "ListCharacteristics", columns, G_N_ELEMENTS (columns));
}

static int
cmd_get (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autofree char *text = NULL;
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 2, 2)) != 0)
    return status;
  reply = call (ctl, "GetValue", g_variant_new ("(ss)", (const char *) g_ptr_array_index (positional, 0),
                                                (const char *) g_ptr_array_index (positional, 1)),
                "(v)", &error);
  if (reply == NULL)
    return fail (error);
  g_variant_get (reply, "(v)", &value);
  text = value_to_json (value);
  g_print ("%s\n", text);
  return 0;
}

static int
cmd_set (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GVariant *value;
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 3, 3)) != 0)
    return status;
  value = parse_value (g_ptr_array_index (positional, 2), &error);
  if (value == NULL)
    return usage_error (_("set: %s"), error->message);
  return call_simple (ctl, "SetValue", g_variant_new ("(ssv)", (const char *) g_ptr_array_index (positional, 0),
                                                      (const char *) g_ptr_array_index (positional, 1), value));
}

static int
cmd_identify_log (Ctl *ctl, int argc, char **argv)
{
  static const Column columns[] = {
    { "time", "TIME", SHOW_TIME_US }, { "source", "SOURCE", SHOW_PLAIN },
    { "accessory", "ACCESSORY", SHOW_PLAIN },
  };
  return list_for_id (ctl, argc, argv, "GetIdentifyLog", columns, G_N_ELEMENTS (columns));
}

static int
cmd_setup (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GVariant) setup = NULL;
  const char *code = "", *payload = "", *setup_id = "";
  gboolean provisioned = FALSE;
  int status = 0;

  if ((setup = dict_for_id (ctl, argc, argv, "GetSetup", &status)) == NULL)
    return status;
  g_variant_lookup (setup, "setup-code", "&s", &code);
  g_variant_lookup (setup, "setup-payload", "&s", &payload);
  g_variant_lookup (setup, "setup-id", "&s", &setup_id);
  g_variant_lookup (setup, "provisioned", "b", &provisioned);
  if (provisioned)
    {
      /* A provisioned device keeps only its code's SRP verifier (docs/provisioning.md). */
      g_print (_("setup code     (provisioned: on the device's label only)\nsetup id       %s\n"), setup_id);
      return 0;
    }
  g_print (_("setup code     %s\nsetup payload  %s\nsetup id       %s\n"), code, payload, setup_id);
  if (isatty (STDOUT_FILENO) && payload[0] != '\0')
    {
      g_autofree char *qr = hap_setup_qr_to_text (payload);
      g_print ("\n%s\n", qr);
    }
  return 0;
}

static int
cmd_pairings (Ctl *ctl, int argc, char **argv)
{
  static const Column columns[] = {
    { "controller-id", "CONTROLLER", SHOW_PLAIN }, { "admin", "ADMIN", SHOW_PLAIN },
    { "added", "ADDED", SHOW_TIME_S }, { "fingerprint", "KEY FINGERPRINT", SHOW_PLAIN },
  };
  return list_for_id (ctl, argc, argv, "ListPairings", columns, G_N_ELEMENTS (columns));
}

static int
cmd_unpair (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 2, 2)) != 0)
    return status;
  return call_simple (ctl, "RemovePairing", g_variant_new ("(ss)", (const char *) g_ptr_array_index (positional, 0),
                                                           (const char *) g_ptr_array_index (positional, 1)));
}

static int
cmd_sessions (Ctl *ctl, int argc, char **argv)
{
  static const Column columns[] = {
    { "session", "SESSION", SHOW_PLAIN }, { "peer", "PEER", SHOW_PLAIN },
    { "controller-id", "CONTROLLER", SHOW_PLAIN }, { "secured", "SECURED", SHOW_PLAIN },
    { "connected", "CONNECTED", SHOW_TIME_US }, { "requests", "REQUESTS", SHOW_PLAIN },
    { "bytes-in", "IN", SHOW_PLAIN }, { "bytes-out", "OUT", SHOW_PLAIN },
    { "subscriptions", "SUBSCRIPTIONS", SHOW_PLAIN },
  };
  return list_for_id (ctl, argc, argv, "ListSessions", columns, G_N_ELEMENTS (columns));
}

static int
cmd_quirks (Ctl *ctl, int argc, char **argv)
{
  static const Column catalog_columns[] = {
    { "name", "NAME", SHOW_PLAIN }, { "layer", "LAYER", SHOW_PLAIN }, { "catalog-row", "ROW", SHOW_PLAIN },
    { "params", "PARAMETERS (DEFAULT)", SHOW_DEFAULTS }, { "description", "DESCRIPTION", SHOW_PLAIN },
  };
  static const Column enabled_columns[] = {
    { "name", "NAME", SHOW_PLAIN }, { "layer", "LAYER", SHOW_PLAIN }, { "params", "PARAMETERS", SHOW_PARAMS },
  };
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 0, 1)) != 0)
    return status;
  if (positional->len == 0)
    return call_list (ctl, "ListQuirks", NULL, catalog_columns, G_N_ELEMENTS (catalog_columns));
  return call_list (ctl, "GetQuirks", g_variant_new ("(s)", (const char *) g_ptr_array_index (positional, 0)),
                    enabled_columns, G_N_ELEMENTS (enabled_columns));
}

static int
cmd_quirk (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  const char *id, *name, *action;
  GVariantBuilder params;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if (positional->len < 3)
    return usage_error (_("usage: quirk ID NAME on [KEY=VALUE…] | quirk ID NAME off"));
  id = g_ptr_array_index (positional, 0);
  name = g_ptr_array_index (positional, 1);
  action = g_ptr_array_index (positional, 2);
  if (strcmp (action, "off") == 0)
    {
      if (positional->len != 3)
        return usage_error (_("quirk … off takes no parameters"));
      return call_simple (ctl, "DisableQuirk", g_variant_new ("(ss)", id, name));
    }
  if (strcmp (action, "on") != 0)
    return usage_error (_("quirk: expected on or off, not \"%s\""), action);

  g_variant_builder_init (&params, G_VARIANT_TYPE_VARDICT);
  for (guint i = 3; i < positional->len; i++)
    {
      const char *arg = g_ptr_array_index (positional, i);
      const char *eq = strchr (arg, '=');
      g_autofree char *key = NULL;
      g_autoptr(GError) error = NULL;
      GVariant *value;

      if (eq == NULL || eq == arg)
        {
          g_variant_builder_clear (&params);
          return usage_error (_("quirk: expected KEY=VALUE, not \"%s\""), arg);
        }
      key = g_strndup (arg, eq - arg);
      value = parse_value (eq + 1, &error);
      if (value == NULL)
        {
          g_variant_builder_clear (&params);
          return usage_error (_("quirk: %s: %s"), key, error->message);
        }
      g_variant_builder_add (&params, "{sv}", key, value);
    }
  return call_simple (ctl, "EnableQuirk", g_variant_new ("(ssa{sv})", id, name, &params));
}

/* ---- Bluetooth LE ----------------------------------------------------------------- */

/* Broadcast interval codes (docs/protocol.md §5.12, Broadcast Interval). */
static const char *
interval_name (guint32 code)
{
  switch (code)
    {
    case 1: return "20 ms";
    case 2: return "1280 ms";
    case 3: return "2560 ms";
    default: return "?";
    }
}

typedef struct
{
  guint32 iid;
  guint32 interval;
} Broadcast;

static gint
compare_broadcasts (gconstpointer a, gconstpointer b)
{
  guint32 x = ((const Broadcast *) a)->iid, y = ((const Broadcast *) b)->iid;

  return x < y ? -1 : x > y;
}

/* The advertisement as on the air (hex) and its status flags, decoded
 * (docs/protocol.md §5.2: bit 0 set while unpaired). */
static void
print_advertisement (GVariant *ble)
{
  g_autoptr(GVariant) bytes = g_variant_lookup_value (ble, "advertisement", G_VARIANT_TYPE_BYTESTRING);
  g_autoptr(GVariant) fields = g_variant_lookup_value (ble, "advertisement-fields", G_VARIANT_TYPE_VARDICT);
  g_autoptr(GString) hex = g_string_new (NULL);
  const guint8 *data = NULL;
  gsize len = 0;
  guint8 sf;

  if (bytes != NULL)
    data = g_variant_get_fixed_array (bytes, &len, 1);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf (hex, "%02x", data[i]);
  g_print (_("advertisement   %s\n"), hex->len > 0 ? hex->str : "-");
  if (fields != NULL && g_variant_lookup (fields, "sf", "y", &sf))
    g_print (_("status flags    0x%02x (%s)\n"), sf, (sf & 0x01) ? _("not paired") : _("paired"));
  else
    g_print (_("status flags    -\n"));
}

static int
cmd_ble (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GVariant) ble = NULL;
  g_autoptr(GVariant) transports = NULL;
  g_autoptr(GVariant) broadcasts = NULL;
  g_autoptr(GVariant) central = NULL;
  g_autofree char *transport_text = NULL;
  const char *adapter = "", *in_use = NULL, *state = NULL, *advertising_id = "";
  guint32 gsn = 0, cn = 0;
  gboolean has_key = FALSE;
  int status = 0;

  if ((ble = dict_for_id (ctl, argc, argv, "GetBle", &status)) == NULL)
    return status;
  transports = g_variant_lookup_value (ble, "transports", G_VARIANT_TYPE_STRING_ARRAY);
  transport_text = transports ? format_plain (transports) : g_strdup ("-");
  g_variant_lookup (ble, "adapter", "&s", &adapter);
  g_variant_lookup (ble, "adapter-in-use", "&s", &in_use);
  g_variant_lookup (ble, "state", "&s", &state);
  g_print (_("transports      %s\n"), transport_text);
  if (state == NULL)
    {
      /* Stopped, or no BLE: only what it would use. */
      g_print (_("adapter         %s\n"), adapter[0] ? adapter : _("(the first usable)"));
      g_print (_("state           %s\n"), transports && strstr (transport_text, "ble") ? _("stopped") : _("no BLE"));
      return 0;
    }
  if (in_use != NULL && in_use[0] != '\0')
    g_print (_("adapter         %s%s\n"), in_use, adapter[0] ? "" : _(" (the first usable)"));
  else
    g_print (_("adapter         - (waiting for %s)\n"), adapter[0] ? adapter : _("BlueZ or an adapter"));
  g_print (_("state           %s\n"), state);
  central = g_variant_lookup_value (ble, "central", G_VARIANT_TYPE_VARDICT);
  if (central != NULL)
    {
      const char *address = "", *controller = "";
      gboolean secured = FALSE;

      g_variant_lookup (central, "address", "&s", &address);
      g_variant_lookup (central, "controller-id", "&s", &controller);
      g_variant_lookup (central, "secured", "b", &secured);
      g_print (_("central         %s (%s%s%s)\n"), address, secured ? _("secured") : _("not secured"),
               controller[0] ? _(", controller ") : "", controller);
    }
  else
    g_print (_("central         -\n"));
  g_variant_lookup (ble, "gsn", "u", &gsn);
  g_variant_lookup (ble, "cn", "u", &cn);
  g_variant_lookup (ble, "advertising-id", "&s", &advertising_id);
  g_variant_lookup (ble, "broadcast-key", "b", &has_key);
  g_print (_("gsn             %u\n"), gsn);
  g_print (_("cn              %u\n"), cn);
  g_print (_("advertising id  %s\n"), advertising_id);
  g_print (_("broadcast key   %s\n"), has_key ? _("yes") : _("no"));
  print_advertisement (ble);
  broadcasts = g_variant_lookup_value (ble, "broadcasts", G_VARIANT_TYPE ("a{uu}"));
  if (broadcasts != NULL && g_variant_n_children (broadcasts) > 0)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (Broadcast));
      GVariantIter iter;
      Broadcast item;

      g_variant_iter_init (&iter, broadcasts);
      while (g_variant_iter_next (&iter, "{uu}", &item.iid, &item.interval))
        g_array_append_val (items, item);
      g_array_sort (items, compare_broadcasts);
      for (guint i = 0; i < items->len; i++)
        {
          const Broadcast *b = &g_array_index (items, Broadcast, i);
          /* A HAP-BLE accessory has aid 1 (docs/protocol.md §5.3). */
          g_string_append_printf (text, _("%s1.%u every %s"), i ? ", " : "", b->iid, interval_name (b->interval));
        }
      g_print (_("broadcasts      %s\n"), text->str);
    }
  else
    g_print (_("broadcasts      -\n"));
  return 0;
}

static int
cmd_adapters (Ctl *ctl, int argc, char **argv)
{
  static const Column columns[] = {
    { "name", "NAME", SHOW_PLAIN }, { "address", "ADDRESS", SHOW_PLAIN },
    { "peripheral", "PERIPHERAL", SHOW_PLAIN }, { "powered", "POWERED", SHOW_PLAIN },
    { "used-by", "USED-BY", SHOW_DASH },
  };
  return list_all (ctl, argc, argv, "ListAdapters", columns, G_N_ELEMENTS (columns));
}

static int
cmd_transports (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_auto(GStrv) names = NULL;
  GVariantBuilder list;
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 2, 2)) != 0)
    return status;
  names = g_strsplit (g_ptr_array_index (positional, 1), ",", -1);
  g_variant_builder_init (&list, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (strcmp (names[i], "ip") != 0 && strcmp (names[i], "ble") != 0)
        {
          g_variant_builder_clear (&list);
          return usage_error (_("transports: expected ip, ble or ip,ble, not \"%s\""),
                              (const char *) g_ptr_array_index (positional, 1));
        }
      g_variant_builder_add (&list, "s", names[i]);
    }
  return call_simple (ctl, "SetTransports",
                      g_variant_new ("(sas)", (const char *) g_ptr_array_index (positional, 0), &list));
}

static int
cmd_adapter (Ctl *ctl, int argc, char **argv)
{
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  const char *name;
  int status;

  if (!parse_args (argc, argv, NULL, 0, positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 2, 2)) != 0)
    return status;
  name = g_ptr_array_index (positional, 1);
  /* "auto": BlueZ's first adapter that can be a peripheral. */
  if (strcmp (name, "auto") == 0)
    name = "";
  return call_simple (ctl, "SetBleAdapter", g_variant_new ("(ss)", (const char *) g_ptr_array_index (positional, 0), name));
}

/* ---- trace ------------------------------------------------------------------------ */

typedef struct
{
  GMainLoop *loop;
  const char *id;       /* the accessory's own id, as signals name it */
  guint64    last;      /* newest seq printed (or skipped) */
  guint64    count;     /* stop after this many lines (0: never) */
  guint64    printed;
  const char *transport; /* "ip" or "ble": only those entries; NULL: all */
  int        status;
} Follow;

static guint64
line_seq (const char *line)
{
  g_autoptr(JsonNode) node = hap_json_parse (line, -1, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;
  return (guint64) json_object_get_int_member_with_default (json_node_get_object (node), "seq", 0);
}

/* The entry's transport: BLE entries say "transport":"ble", IP ones say nothing
 * (hap-sim-trace.h). */
static gboolean
line_matches (const char *line, const char *transport)
{
  g_autoptr(JsonNode) node = NULL;

  if (transport == NULL)
    return TRUE;
  node = hap_json_parse (line, -1, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  return strcmp (json_object_get_string_member_with_default (json_node_get_object (node), "transport", "ip"),
                 transport) == 0;
}

/* Returns FALSE once --count lines are out. */
static gboolean
follow_print (Follow *follow, const char *line)
{
  if (!line_matches (line, follow->transport))
    return TRUE;
  g_print ("%s\n", line);
  fflush (stdout);
  follow->printed++;
  return follow->count == 0 || follow->printed < follow->count;
}

static void
on_trace_entry (GDBusConnection *connection, const char *sender, const char *path,
                const char *interface, const char *signal, GVariant *parameters, gpointer user_data)
{
  Follow *follow = user_data;
  const char *id, *line;
  guint64 seq;

  g_variant_get (parameters, "(&s&s)", &id, &line);
  /* Several signals may be dispatched in the iteration that reached --count. */
  if (strcmp (id, follow->id) != 0 || (follow->count != 0 && follow->printed >= follow->count))
    return;
  /* Lines that GetTrace already returned can arrive again as signals: skip them. */
  seq = line_seq (line);
  if (seq != 0 && seq <= follow->last)
    return;
  follow->last = MAX (follow->last, seq);
  if (!follow_print (follow, line))
    g_main_loop_quit (follow->loop);
}

static void
on_accessory_removed (GDBusConnection *connection, const char *sender, const char *path,
                      const char *interface, const char *signal, GVariant *parameters, gpointer user_data)
{
  Follow *follow = user_data;
  const char *id;

  g_variant_get (parameters, "(&s)", &id);
  if (strcmp (id, follow->id) != 0)
    return;
  g_printerr (_("%s: %s was removed\n"), PROGRAM, id);
  follow->status = 1;
  g_main_loop_quit (follow->loop);
}

static void
on_simulator_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Follow *follow = user_data;

  g_printerr (_("%s: %s left the bus\n"), PROGRAM, name);
  follow->status = 1;
  g_main_loop_quit (follow->loop);
}

static gboolean
on_interrupt (gpointer user_data)
{
  Follow *follow = user_data;

  g_main_loop_quit (follow->loop);
  return G_SOURCE_CONTINUE;
}

/* Signals name the accessory by its id; the user may have given its name or device ID. */
static char *
resolve_id (Ctl *ctl, const char *given)
{
  g_autoptr(GVariant) reply = call (ctl, "ListAccessories", NULL, "(aa{sv})", NULL);
  g_autoptr(GVariant) list = NULL;
  GVariantIter iter;
  GVariant *row;

  if (reply == NULL)
    return g_strdup (given);
  list = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, list);
  while ((row = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) owned G_GNUC_UNUSED = row;
      const char *id = "", *name = "", *device_id = "";

      g_variant_lookup (row, "id", "&s", &id);
      g_variant_lookup (row, "name", "&s", &name);
      g_variant_lookup (row, "device-id", "&s", &device_id);
      if (strcmp (id, given) == 0)
        return g_strdup (id);
      if (strcmp (device_id, given) == 0 || strcmp (name, given) == 0)
        return g_strdup (id);
    }
  return g_strdup (given);
}

static int
cmd_trace (Ctl *ctl, int argc, char **argv)
{
  Option options[] = {
    { "--since", TRUE, NULL }, { "--max", TRUE, NULL }, { "--follow", FALSE, NULL },
    { "--clear", FALSE, NULL }, { "--count", TRUE, NULL }, { "--transport", TRUE, NULL },
  };
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) owner = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *id = NULL;
  g_autofree const char **lines = NULL;
  Follow follow = { 0 };
  guint64 since = 0, max = 0, count = 0, last = 0;
  gboolean following = FALSE;
  const char *unique = NULL;
  guint subscription = 0, removed = 0, watch = 0, sigint = 0, sigterm = 0;
  int status;

  if (!parse_args (argc, argv, options, G_N_ELEMENTS (options), positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 1, 1)) != 0)
    return status;
  if ((options[0].value && !parse_uint (argv[0], "--since", options[0].value, G_MAXUINT64, &since)) ||
      (options[1].value && !parse_uint (argv[0], "--max", options[1].value, G_MAXUINT32, &max)) ||
      (options[4].value && !parse_uint (argv[0], "--count", options[4].value, G_MAXUINT64, &count)))
    return 2;
  following = options[2].value != NULL;
  if (following && options[3].value != NULL)
    return usage_error (_("trace: --follow and --clear do not go together"));
  if (options[4].value != NULL && !following)
    return usage_error (_("trace: --count goes with --follow"));
  if (options[5].value != NULL && strcmp (options[5].value, "ip") != 0 && strcmp (options[5].value, "ble") != 0)
    return usage_error (_("trace: --transport: expected ip or ble, not \"%s\""), options[5].value);
  follow.transport = options[5].value;

  if (following)
    {
      /* Subscribe before the backlog is read so that nothing falls in between; match
       * the owner's unique name, which a well-known name could be taken over from. */
      owner = g_dbus_connection_call_sync (ctl->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                           "org.freedesktop.DBus", "GetNameOwner", g_variant_new ("(s)", ctl->name),
                                           G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
      if (owner == NULL)
        return fail (error);
      g_variant_get (owner, "(&s)", &unique);
      id = resolve_id (ctl, g_ptr_array_index (positional, 0));
      loop = g_main_loop_new (NULL, FALSE);
      follow.loop = loop;
      follow.id = id;
      follow.count = count;
      subscription = g_dbus_connection_signal_subscribe (ctl->bus, unique, HAP_SIM_DBUS_INTERFACE, "TraceEntry",
                                                         HAP_SIM_DBUS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                         on_trace_entry, &follow, NULL);
      reply = call (ctl, "FollowTrace", g_variant_new ("(sb)", id, TRUE), "()", &error);
      if (reply == NULL)
        {
          g_dbus_connection_signal_unsubscribe (ctl->bus, subscription);
          return fail (error);
        }
      g_clear_pointer (&reply, g_variant_unref);
    }

  reply = call (ctl, "GetTrace", g_variant_new ("(stu)", (const char *) g_ptr_array_index (positional, 0),
                                                since, (guint32) max),
                "(tas)", &error);
  if (reply == NULL)
    {
      if (subscription != 0)
        g_dbus_connection_signal_unsubscribe (ctl->bus, subscription);
      return fail (error);
    }
  g_variant_get (reply, "(t^a&s)", &last, &lines);
  /* Signals for entries up to here were printed above, or are older than asked for. */
  follow.last = MAX (since, last);
  for (guint i = 0; lines[i] != NULL; i++)
    if (!follow_print (&follow, lines[i]))
      break;

  if (!following)
    {
      if (options[3].value != NULL)
        return call_simple (ctl, "ClearTrace", g_variant_new ("(s)", (const char *) g_ptr_array_index (positional, 0)));
      return 0;
    }

  if (count == 0 || follow.printed < count)
    {
      removed = g_dbus_connection_signal_subscribe (ctl->bus, unique, HAP_SIM_DBUS_INTERFACE, "AccessoryRemoved",
                                                    HAP_SIM_DBUS_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                    on_accessory_removed, &follow, NULL);
      watch = g_bus_watch_name_on_connection (ctl->bus, unique, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                              on_simulator_vanished, &follow, NULL);
      sigint = g_unix_signal_add (SIGINT, on_interrupt, &follow);
      sigterm = g_unix_signal_add (SIGTERM, on_interrupt, &follow);
      g_main_loop_run (loop);
      g_source_remove (sigint);
      g_source_remove (sigterm);
      g_bus_unwatch_name (watch);
      g_dbus_connection_signal_unsubscribe (ctl->bus, removed);
    }
  g_dbus_connection_signal_unsubscribe (ctl->bus, subscription);
  if (follow.status == 0)
    {
      g_autoptr(GVariant) done G_GNUC_UNUSED = call (ctl, "FollowTrace", g_variant_new ("(sb)", id, FALSE), "()", NULL);
    }
  return follow.status;
}

/* ---- wait ------------------------------------------------------------------------- */

static int
cmd_wait (Ctl *ctl, int argc, char **argv)
{
  Option options[] = { { "--timeout", TRUE, NULL } };
  g_autoptr(GPtrArray) positional = g_ptr_array_new ();
  g_autofree char *reason = NULL;
  guint64 timeout = 30;
  gint64 deadline;
  int status;

  if (!parse_args (argc, argv, options, G_N_ELEMENTS (options), positional))
    return 2;
  if ((status = expect_args (argv[0], positional, 0, 0)) != 0)
    return status;
  if (options[0].value != NULL && !parse_uint (argv[0], "--timeout", options[0].value, 24 * 3600, &timeout))
    return 2;
  deadline = g_get_monotonic_time () + (gint64) timeout * G_USEC_PER_SEC;

  /* Everything is retried: in a CI job the bus, the name and the accessories all come up
   * in their own time. */
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = NULL;

      if (ctl->bus == NULL)
        ctl->bus = connect_bus (ctl->bus_spec, &error);
      if (ctl->bus != NULL)
        reply = call (ctl, "ListAccessories", NULL, "(aa{sv})", &error);
      if (reply != NULL)
        {
          g_autoptr(GVariant) list = g_variant_get_child_value (reply, 0);
          g_autoptr(GString) waiting = g_string_new (NULL);
          GVariantIter iter;
          GVariant *row;

          g_variant_iter_init (&iter, list);
          while ((row = g_variant_iter_next_value (&iter)) != NULL)
            {
              const char *id = "", *state = "stopped";

              g_variant_lookup (row, "id", "&s", &id);
              g_variant_lookup (row, "state", "&s", &state);
              if (strcmp (state, "running") != 0 && strcmp (state, "advertised") != 0)
                g_string_append_printf (waiting, "%s%s (%s)", waiting->len ? ", " : "", id, state);
              g_variant_unref (row);
            }
          /* Files still to start at start-up (GetStarting; a simulator without the
           * method starts them all before it takes its name). */
          if (waiting->len == 0)
            {
              g_autoptr(GVariant) starting = call (ctl, "GetStarting", NULL, "(u)", NULL);
              guint n = 0;

              if (starting != NULL)
                g_variant_get (starting, "(u)", &n);
              if (n > 0)
                g_string_printf (waiting, ngettext ("%u file still to start", "%u files still to start", n), n);
            }
          if (waiting->len == 0)
            {
              if (ctl->json)
                print_json (list, TRUE);
              else
                g_print (_("%zu accessories running\n"), g_variant_n_children (list));
              return 0;
            }
          g_free (reason);
          reason = g_strdup_printf (_("not running: %s"), waiting->str);
        }
      else
        {
          if (ctl->bus != NULL && g_dbus_connection_is_closed (ctl->bus))
            g_clear_object (&ctl->bus);
          g_dbus_error_strip_remote_error (error);
          g_free (reason);
          reason = g_strdup (error->message);
        }
      if (g_get_monotonic_time () >= deadline)
        break;
      g_usleep (100 * 1000);
    }
  g_printerr (_("%s: wait: timed out after %llu s (%s)\n"), PROGRAM, (unsigned long long) timeout, reason);
  return 1;
}

/* ---- main ------------------------------------------------------------------------- */

static const Command commands[] = {
  { "list", "", N_("the accessories: id, name, state, port, device ID, pairing, sessions, transports"),
    cmd_list },
  { "add", "FILE [--no-start]", N_("load an accessory file and start it; prints its id"), cmd_add },
  { "remove", "ID", N_("stop an accessory and take it out of the workspace"), cmd_id_only },
  { "stop", "ID", N_("close its connections and port, withdraw its DNS-SD record"), cmd_id_only },
  { "start", "ID", N_("listen and advertise again"), cmd_id_only },
  { "power-cycle", "ID [--off-ms N]", N_("off for N ms (default 1000), then on again, same port"), cmd_power_cycle },
  { "restart", "ID [--new-port]", N_("stop and start (on another port with --new-port)"), cmd_restart },
  { "chars", "ID", N_("every characteristic: aid, iid, service, type, format, perms, value"), cmd_chars },
  { "get", "ID CHAR", N_("one value, as JSON (CHAR: 1.10 or Lightbulb/On)"), cmd_get },
  { "set", "ID CHAR VALUE", N_("change a value as the device would (VALUE: JSON)"), cmd_set },
  { "identify", "ID", N_("run the identify routine as if its button was pressed"), cmd_id_only },
  { "identify-log", "ID", N_("the last identify requests and who sent them"), cmd_identify_log },
  { "setup", "ID", N_("setup code, setup payload (QR code on a terminal), setup ID"), cmd_setup },
  { "pairings", "ID", N_("paired controllers: id, admin, key fingerprint, when added"), cmd_pairings },
  { "unpair", "ID CONTROLLER", N_("remove a pairing; that controller's sessions close"), cmd_unpair },
  { "factory-reset", "ID", N_("wipe identity, keys and pairings"), cmd_id_only },
  { "sessions", "ID", N_("open connections: peer, controller, traffic, subscriptions"), cmd_sessions },
  { "quirks", "[ID]", N_("the quirk catalog, or the quirks enabled on ID"), cmd_quirks },
  { "quirk", "ID NAME on [KEY=VALUE…]", N_("enable a quirk (or change its parameters)"), cmd_quirk },
  { "quirk", "ID NAME off", N_("disable it"), cmd_quirk },
  { "trace", "ID [--since N] [--max N] [--clear]", N_("the traffic trace as JSON lines (--clear: then empty it)"),
    cmd_trace },
  { "trace", "ID --follow [--count N]", N_("… and keep printing new entries (N lines in all)"), cmd_trace },
  { "trace", "ID --transport ip|ble …", N_("… only the entries of HAP over IP, or only those over BLE"), cmd_trace },
  { "ble", "ID", N_("HAP over BLE: transports, adapter, state, central, GSN, CN, broadcasts"), cmd_ble },
  { "adapters", "", N_("BlueZ's adapters: name, address, peripheral role, powered, used by"), cmd_adapters },
  { "transports", "ID ip|ble|ip,ble", N_("serve on IP, BLE or both (a running accessory restarts)"),
    cmd_transports },
  { "adapter", "ID NAME|auto", N_("move HAP over BLE to adapter NAME (auto: the first usable)"), cmd_adapter },
  { "wait", "[--timeout S]", N_("until the simulator is on the bus and every accessory runs"), cmd_wait },
};

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];
  return NULL;
}

/* Command lines, the same in every language. */
static const char *const examples[] = {
  "wait --timeout 60",
  "--json list",
  "add accessories/outlet.json",
  "set lightbulb Lightbulb/Brightness 40",
  "set lightbulb Lightbulb/On true",
  "set sensor-pack TemperatureSensor/CurrentTemperature 21.5",
  "get lightbulb 1.10",
  "quirk lightbulb fault-latency on delay-ms=2000",
  "trace lightbulb --follow",
  "adapters",
  "ble bedside-lamp",
  "adapter bedside-lamp hci1",
  "trace bedside-lamp --transport ble --follow",
  "--bus unix:path=/tmp/bus power-cycle lightbulb --off-ms 5000",
};

static void
print_help (void)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *help = NULL;
  guint width = 0;

  /* The names come in through %s: xgettext sees no macros inside a literal. */
  g_string_append_printf (text, _(
    "Usage: %s [--bus session|system|ADDRESS] [--name BUSNAME] [--json] COMMAND [ARG…]\n"
    "\n"
    "Controls a running hap-simulator through its D-Bus API (interface\n"
    "%s at %s).\n"
    "\n"
    "Options:\n"
    "  --bus session|system|ADDRESS  the bus the simulator is on (default: session)\n"
    "  --name BUSNAME                its bus name (default: %s)\n"
    "  --json                        print listings as JSON\n"
    "  -h, --help                    show this help\n"
    "\n"
    "Commands (ID: the id shown by list, or the device ID or name):\n"),
    PROGRAM, HAP_SIM_DBUS_INTERFACE, HAP_SIM_DBUS_PATH, HAP_SIM_DBUS_NAME);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    width = MAX (width, (guint) g_utf8_strlen (commands[i].name, -1) + 1 +
                        (guint) g_utf8_strlen (commands[i].usage, -1));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *synopsis = g_strdup_printf ("%s%s%s", commands[i].name,
                                                   commands[i].usage[0] ? " " : "", commands[i].usage);
      g_string_append_printf (text, "  %s", synopsis);
      for (guint pad = g_utf8_strlen (synopsis, -1); pad < width + 2; pad++)
        g_string_append_c (text, ' ');
      g_string_append_printf (text, "%s\n", _(commands[i].summary));
    }
  g_string_append (text, _("\nExamples:\n"));
  for (guint i = 0; i < G_N_ELEMENTS (examples); i++)
    g_string_append_printf (text, "  %s %s\n", PROGRAM, examples[i]);
  g_string_append (text, _(
    "\n"
    "Output: listings as aligned tables, or JSON with --json (the API's aa{sv} as they are);\n"
    "trace prints one JSON line per entry (see simulator/hap-sim-trace.h).\n"
    "Exit status: 0 success, 1 the simulator refused or could not be reached, 2 usage.\n"));
  /* Not text->str: GLib 2.76+ inlines g_string_append with a NULL branch, which gcc 14's
   * -Wnull-dereference flags. */
  help = g_string_free (g_steal_pointer (&text), FALSE);
  g_print ("%s", help);
}

int
hap_sim_ctl_main (int argc, char **argv)
{
  Ctl ctl = { NULL, HAP_SIM_DBUS_NAME, FALSE, NULL };
  g_autoptr(GPtrArray) rest = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const Command *command;
  gboolean options_done = FALSE;
  int status;

  hap_i18n_init ();
  /* The global options may come before or after the command ("ctl list --json"). */
  for (int i = 1; i < argc; i++)
    {
      const char *arg = argv[i];
      const char **target = NULL;

      if (options_done)
        {
          g_ptr_array_add (rest, argv[i]);
          continue;
        }
      if (strcmp (arg, "--") == 0)
        {
          options_done = TRUE;
          g_ptr_array_add (rest, argv[i]);
          continue;
        }
      if (strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0)
        {
          print_help ();
          return 0;
        }
      if (strcmp (arg, "--json") == 0)
        {
          ctl.json = TRUE;
          continue;
        }
      if (g_str_has_prefix (arg, "--bus"))
        target = &ctl.bus_spec;
      else if (g_str_has_prefix (arg, "--name"))
        target = &ctl.name;
      if (target != NULL)
        {
          const char *opt = target == &ctl.bus_spec ? "--bus" : "--name";
          gsize len = strlen (opt);

          if (arg[len] == '=')
            *target = arg + len + 1;
          else if (arg[len] != '\0')
            target = NULL;   /* e.g. "--busy": left to the command to refuse */
          else if (i + 1 < argc)
            *target = argv[++i];
          else
            return usage_error (_("%s needs a value"), opt);
          if (target != NULL)
            continue;
        }
      g_ptr_array_add (rest, argv[i]);
    }
  if (rest->len == 0)
    return usage_error (_("no command given"));
  command = find_command (g_ptr_array_index (rest, 0));
  if (command == NULL)
    return usage_error (_("unknown command \"%s\""), (const char *) g_ptr_array_index (rest, 0));
  if (ctl.name[0] == '\0' || !g_dbus_is_name (ctl.name))
    return usage_error (_("--name: \"%s\" is not a bus name"), ctl.name);

  /* wait connects (and reconnects) by itself: the bus may not be up yet. */
  if (command->run != cmd_wait)
    {
      ctl.bus = connect_bus (ctl.bus_spec, &error);
      if (ctl.bus == NULL)
        {
          g_printerr (_("%s: cannot connect to the %s bus: %s\n"), PROGRAM,
                      ctl.bus_spec ? ctl.bus_spec : _("session"), error->message);
          return 1;
        }
    }
  g_ptr_array_add (rest, NULL);
  status = command->run (&ctl, (int) rest->len - 1, (char **) rest->pdata);
  fflush (stdout);
  if (ctl.bus != NULL)
    {
      /* Flush what was sent (FollowTrace off) before the process goes. */
      g_dbus_connection_flush_sync (ctl.bus, NULL, NULL);
      g_object_unref (ctl.bus);
    }
  return status;
}
