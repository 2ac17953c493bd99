/* hap-setup-qr.h — setup payload QR codes for terminals and PNG files
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The QR code of @payload as text: two modules per character cell with Unicode half
 * blocks, dark modules drawn as spaces on a light background (with the 4-module quiet
 * zone) so it scans on dark and light terminals alike. */
char     *hap_setup_qr_to_text (const char  *payload);
/* Writes a PNG (8 pixels per module, quiet zone included), mode 0644, atomically. */
gboolean  hap_setup_qr_to_png  (const char  *payload,
                                const char  *path,
                                GError     **error);
/* The QR code's modules, @width × @width row by row (no quiet zone), 1 for dark and 0
 * for light: for drawing it elsewhere (the desktop app). NULL if it cannot be encoded. */
guint8   *hap_setup_qr_modules (const char  *payload,
                                guint       *width);

G_END_DECLS
