/* hap-provision.c — provisions devices at the factory: each gets a random setup code and
 * setup ID, and a state directory holding the code's SRP verifier, never the code; the
 * factory gets what goes on each label (code, X-HM:// payload, QR code PNG) and a manifest.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout of OUTDIR (mode 0700; every file 0600 but the state directories' own):
 *   state/device-NNNN/            the device's state directory, to copy onto the device
 *   labels/device-NNNN.png        the QR code of its setup payload (labels/ is 0700)
 *   manifest-FIRST-LAST.json/.csv serial, device ID, setup ID, setup code, setup payload,
 *                                 label and state paths of this batch
 * Only the labels and the manifest hold codes: they go to the label printer, not to the
 * device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libhap-glib/hap.h>

#include "hap-setup-qr.h"
#include "i18n/hap-i18n.h"

typedef struct
{
  char *serial;       /* "device-0001" */
  char *setup_code;
  char *setup_id;
  char *payload;
  char *device_id;    /* set by the worker */
  char *state_dir;
  char *label;
  GError *error;      /* set by the worker on failure */
} Device;

typedef struct
{
  HapProvisionFlags flags;
} Batch;

static void
wipe_string (char *secret)
{
  if (secret != NULL)
    explicit_bzero (secret, strlen (secret));
  g_free (secret);
}

static void
device_free (Device *device)
{
  g_free (device->serial);
  wipe_string (device->setup_code);
  g_free (device->setup_id);
  wipe_string (device->payload);
  g_free (device->device_id);
  g_free (device->state_dir);
  g_free (device->label);
  g_clear_error (&device->error);
  g_free (device);
}

/* One device: the verifier's 3072-bit exponentiation dominates, so devices are provisioned
 * on a thread per core. */
static void
provision_one (gpointer data, gpointer user_data)
{
  Device *device = data;
  Batch *batch = user_data;

  if (hap_provision_state_dir (device->state_dir, device->setup_code, device->setup_id,
                               batch->flags, &device->device_id, &device->error))
    hap_setup_qr_to_png (device->payload, device->label, &device->error);
}

static gboolean
make_private_dir (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("%s: cannot create with mode 0700: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static void
append_csv_field (GString *out, const char *value, gboolean last)
{
  /* RFC 4180: quote every field; a quote inside is doubled. */
  g_string_append_c (out, '"');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append (out, last ? "\"\r\n" : "\",");
}

static gboolean
write_manifests (const char *outdir, GPtrArray *devices, guint first, GError **error)
{
  static const char *const columns[] = { "serial", "device_id", "setup_id", "setup_code",
                                         "setup_payload", "label", "state_dir" };
  g_autoptr(GString) csv = g_string_new (NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *stem = g_strdup_printf ("manifest-%04u-%04u", first, first + devices->len - 1);
  g_autofree char *csv_path = g_strdup_printf ("%s/%s.csv", outdir, stem);
  g_autofree char *json_path = g_strdup_printf ("%s/%s.json", outdir, stem);
  gsize json_len = 0;
  gboolean ok;

  for (gsize c = 0; c < G_N_ELEMENTS (columns); c++)
    append_csv_field (csv, columns[c], c + 1 == G_N_ELEMENTS (columns));
  json_builder_begin_array (builder);
  for (guint i = 0; i < devices->len; i++)
    {
      Device *d = g_ptr_array_index (devices, i);
      const char *values[] = { d->serial, d->device_id, d->setup_id, d->setup_code,
                               d->payload, d->label, d->state_dir };

      json_builder_begin_object (builder);
      for (gsize c = 0; c < G_N_ELEMENTS (columns); c++)
        {
          append_csv_field (csv, values[c], c + 1 == G_N_ELEMENTS (columns));
          json_builder_set_member_name (builder, columns[c]);
          json_builder_add_string_value (builder, values[c]);
        }
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json = json_generator_to_data (generator, &json_len);

  /* The manifest lists every code of the batch: 0600, written atomically. (json-glib's
   * own copies of the strings are freed unwiped: the manifest itself is the secret.) */
  ok = g_file_set_contents_full (csv_path, csv->str, (gssize) csv->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error) &&
       g_file_set_contents_full (json_path, json, (gssize) json_len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
  explicit_bzero (csv->str, csv->len);
  explicit_bzero (json, json_len);
  if (ok)
    g_print ("%s\n%s\n", json_path, csv_path);
  return ok;
}

/* Codes and setup IDs distinct within the batch: with 10^8 codes, 1,000 random draws
 * collide with a probability of about 0.5 %, which a factory must not ship. */
static char *
draw_unique (GHashTable *seen, char *(*generate) (void))
{
  for (;;)
    {
      char *value = generate ();

      if (g_hash_table_add (seen, value))
        return g_strdup (value);
    }
}

static gboolean
parse_transports (const char *text, HapSetupFlags *flags, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  *flags = HAP_SETUP_FLAG_NONE;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (g_str_equal (parts[i], "ip"))
        *flags |= HAP_SETUP_FLAG_IP;
      else if (g_str_equal (parts[i], "ble"))
        *flags |= HAP_SETUP_FLAG_BLE;
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--transports: expected ip, ble or ip,ble, not “%s”"), text);
          return FALSE;
        }
    }
  return *flags != HAP_SETUP_FLAG_NONE;
}

int
main (int argc, char *argv[])
{
  g_autofree char *accessory_file = NULL;
  g_autofree char *transports_text = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) device_free);
  g_autoptr(GHashTable) codes = g_hash_table_new_full (g_str_hash, g_str_equal, (GDestroyNotify) wipe_string, NULL);
  g_autoptr(GHashTable) setup_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *state_root = NULL;
  g_autofree char *label_root = NULL;
  GThreadPool *pool;
  HapSetupFlags setup_flags = HAP_SETUP_FLAG_IP;
  gboolean replace = FALSE;
  int category = -1, count = 1, first = 1;
  guint failed = 0;
  const char *outdir;
  GOptionEntry entries[] = {
    { "accessory", 'a', 0, G_OPTION_ARG_FILENAME, &accessory_file,
      N_("Category and transports from this accessory file"), "FILE" },
    { "category", 'c', 0, G_OPTION_ARG_INT, &category, N_("Accessory category (1..255)"), "N" },
    { "transports", 't', 0, G_OPTION_ARG_STRING, &transports_text,
      N_("ip, ble or ip,ble (default: the file's, or ip)"), "LIST" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, N_("Number of devices (default 1)"), "N" },
    { "first", 0, 0, G_OPTION_ARG_INT, &first, N_("Number of the first device (default 1)"), "N" },
    { "replace", 0, 0, G_OPTION_ARG_NONE, &replace,
      N_("Replace devices already provisioned in OUTDIR (their identities are lost)"), NULL },
    { NULL }
  };
  Batch batch;

  hap_i18n_init ();
  context = g_option_context_new (_("OUTDIR — provision HomeKit devices at the factory"));
  g_option_context_set_summary (context,
    _("Each device gets a random setup code and setup ID; its state directory keeps the code's\n"
    "SRP salt and verifier, never the code. The labels (QR code PNGs) and the manifest\n"
    "(JSON and CSV) carry the codes for the label printer."));
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("hap-provision: %s\n", error->message);
      return 2;
    }
  if (argc != 2 || count < 1 || count > 100000 || first < 1 || first > 999999 ||
      (accessory_file == NULL && (category < 1 || category > 255)))
    {
      g_printerr (_("hap-provision: expected OUTDIR, --accessory FILE or --category 1..255, "
                  "--count 1..100000 and --first 1..999999\n"));
      return 2;
    }
  outdir = argv[1];

  if (accessory_file != NULL)
    {
      g_autoptr(HapAccessory) accessory = hap_accessory_new_from_file (accessory_file, &error);
      HapTransportFlags transports;

      if (accessory == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      if (category < 0)
        category = hap_accessory_get_category (accessory);
      transports = hap_accessory_get_transports (accessory);
      setup_flags = ((transports & HAP_TRANSPORT_IP) ? HAP_SETUP_FLAG_IP : 0) |
                    ((transports & HAP_TRANSPORT_BLE) ? HAP_SETUP_FLAG_BLE : 0);
    }
  if (transports_text != NULL && !parse_transports (transports_text, &setup_flags, &error))
    {
      g_printerr ("hap-provision: %s\n", error ? error->message : _("--transports: empty"));
      return 2;
    }

  state_root = g_build_filename (outdir, "state", NULL);
  label_root = g_build_filename (outdir, "labels", NULL);
  if (!make_private_dir (outdir, &error) || !make_private_dir (state_root, &error) ||
      !make_private_dir (label_root, &error))
    {
      g_printerr ("hap-provision: %s\n", error->message);
      return 1;
    }

  for (int i = 0; i < count; i++)
    {
      Device *device = g_new0 (Device, 1);

      device->serial = g_strdup_printf ("device-%04d", first + i);
      device->setup_code = draw_unique (codes, hap_setup_code_generate);
      device->setup_id = draw_unique (setup_ids, hap_setup_id_generate);
      device->payload = hap_setup_payload_build (device->setup_code, device->setup_id,
                                                 (guint) category, setup_flags);
      device->state_dir = g_build_filename (state_root, device->serial, NULL);
      device->label = g_strdup_printf ("%s/%s.png", label_root, device->serial);
      g_ptr_array_add (devices, device);
    }

  /* Refuse before anything is written: a half-provisioned batch is worse than none. */
  for (guint i = 0; i < devices->len && !replace; i++)
    {
      Device *device = g_ptr_array_index (devices, i);
      g_autofree char *identity = g_build_filename (device->state_dir, "identity", NULL);

      if (g_file_test (identity, G_FILE_TEST_EXISTS))
        {
          g_printerr (_("hap-provision: %s already holds a device; pass --replace to replace "
                      "it (its identity and pairings are lost) or --first to number past it\n"),
                      device->state_dir);
          return 1;
        }
    }

  batch.flags = replace ? HAP_PROVISION_REPLACE : HAP_PROVISION_FLAGS_NONE;
  pool = g_thread_pool_new (provision_one, &batch, (int) g_get_num_processors (), TRUE, NULL);
  for (guint i = 0; i < devices->len; i++)
    g_thread_pool_push (pool, g_ptr_array_index (devices, i), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);

  for (guint i = 0; i < devices->len; i++)
    {
      Device *device = g_ptr_array_index (devices, i);

      if (device->error != NULL)
        {
          g_printerr ("hap-provision: %s: %s\n", device->serial, device->error->message);
          failed++;
        }
    }
  if (failed > 0)
    {
      g_printerr (_("hap-provision: %u of %u devices not provisioned; no manifest written\n"),
                  failed, devices->len);
      return 1;
    }
  if (!write_manifests (outdir, devices, (guint) first, &error))
    {
      g_printerr ("hap-provision: %s\n", error->message);
      return 1;
    }
  return 0;
}
