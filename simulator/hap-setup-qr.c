/* hap-setup-qr.c — QR codes through libqrencode, PNG through libpng
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "hap-setup-qr.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <png.h>
#include <qrencode.h>
#include <glib/gi18n.h>

#define QUIET_ZONE 4
#define PNG_SCALE  8

static QRcode *
encode (const char *payload)
{
  /* Apple's setup codes are printed at error correction level Q in the HAP spec's
   * examples; byte mode keeps "X-HM://" as is. */
  return QRcode_encodeString (payload, 0, QR_ECLEVEL_Q, QR_MODE_8, 1);
}

static gboolean
dark (QRcode *qr, int x, int y)
{
  if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
    return FALSE;
  return qr->data[y * qr->width + x] & 1;
}

guint8 *
hap_setup_qr_modules (const char *payload, guint *width)
{
  QRcode *qr = encode (payload);
  guint8 *modules;

  *width = 0;
  if (qr == NULL)
    return NULL;
  modules = g_malloc ((gsize) qr->width * qr->width);
  for (int i = 0; i < qr->width * qr->width; i++)
    modules[i] = qr->data[i] & 1;
  *width = (guint) qr->width;
  QRcode_free (qr);
  return modules;
}

char *
hap_setup_qr_to_text (const char *payload)
{
  QRcode *qr = encode (payload);
  GString *out;

  if (qr == NULL)
    return NULL;
  out = g_string_new (NULL);
  for (int y = -QUIET_ZONE; y < qr->width + QUIET_ZONE; y += 2)
    {
      for (int x = -QUIET_ZONE; x < qr->width + QUIET_ZONE; x++)
        {
          gboolean top = dark (qr, x, y), bottom = dark (qr, x, y + 1);
          /* Light is drawn, dark is blank: █ both light, ▀ top light, ▄ bottom light. */
          if (!top && !bottom)
            g_string_append (out, "█");
          else if (!top)
            g_string_append (out, "▀");
          else if (!bottom)
            g_string_append (out, "▄");
          else
            g_string_append_c (out, ' ');
        }
      g_string_append_c (out, '\n');
    }
  QRcode_free (qr);
  return g_string_free (out, FALSE);
}

gboolean
hap_setup_qr_to_png (const char *payload, const char *path, GError **error)
{
  QRcode *qr = encode (payload);
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  png_structp png = NULL;
  png_infop info = NULL;
  g_autofree guint8 *row = NULL;
  FILE *fp = NULL;
  int fd, size, saved;

  if (qr == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("cannot encode “%s” as a QR code"), payload);
      return FALSE;
    }
  size = (qr->width + 2 * QUIET_ZONE) * PNG_SCALE;
  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0 || (fp = fdopen (fd, "wb")) == NULL)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      QRcode_free (qr);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path, g_strerror (saved));
      return FALSE;
    }

  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png ? png_create_info_struct (png) : NULL;
  if (png == NULL || info == NULL || setjmp (png_jmpbuf (png)))
    {
      png_destroy_write_struct (&png, &info);
      fclose (fp);
      g_unlink (tmp);
      QRcode_free (qr);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: cannot write PNG"), path);
      return FALSE;
    }
  png_init_io (png, fp);
  png_set_IHDR (png, info, (png_uint_32) size, (png_uint_32) size, 8, PNG_COLOR_TYPE_GRAY,
                PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  row = g_malloc ((gsize) size);
  for (int py = 0; py < size; py++)
    {
      int y = py / PNG_SCALE - QUIET_ZONE;
      for (int px = 0; px < size; px++)
        row[px] = dark (qr, px / PNG_SCALE - QUIET_ZONE, y) ? 0 : 255;
      png_write_row (png, row);
    }
  png_write_end (png, NULL);
  png_destroy_write_struct (&png, &info);
  QRcode_free (qr);

  {
    gboolean ok = fflush (fp) == 0 && fsync (fileno (fp)) == 0;

    saved = errno;
    if (fclose (fp) != 0 && ok)
      {
        ok = FALSE;
        saved = errno;
      }
    if (ok && g_rename (tmp, path) != 0)
      {
        ok = FALSE;
        saved = errno;
      }
    if (ok)
      return TRUE;
  }
    {
      g_unlink (tmp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
}
