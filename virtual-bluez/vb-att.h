/* vb-att.h — ATT/GATT rules of bluetoothd 5.66 that the virtual BlueZ reproduces
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions, no I/O: error code mappings in both directions, characteristic and
 * descriptor flag parsing, permission checks.
 */
#pragma once

#include <glib.h>

#include "vb-error.h"

G_BEGIN_DECLS

/* ATT error codes (Core Vol 3 Part F §3.4.1.1) and the two common profile errors
 * bluetoothd uses (Core Supplement Part B §1.2). */
enum
{
  VB_ATT_OK                          = 0x00,
  VB_ATT_INVALID_HANDLE              = 0x01,
  VB_ATT_READ_NOT_PERMITTED          = 0x02,
  VB_ATT_WRITE_NOT_PERMITTED         = 0x03,
  VB_ATT_INVALID_PDU                 = 0x04,
  VB_ATT_AUTHENTICATION              = 0x05,
  VB_ATT_REQUEST_NOT_SUPPORTED       = 0x06,
  VB_ATT_INVALID_OFFSET              = 0x07,
  VB_ATT_AUTHORIZATION               = 0x08,
  VB_ATT_PREPARE_QUEUE_FULL          = 0x09,
  VB_ATT_INSUFFICIENT_ENC_KEY_SIZE   = 0x0c,
  VB_ATT_INVALID_VALUE_LEN           = 0x0d,
  VB_ATT_UNLIKELY                    = 0x0e,
  VB_ATT_INSUFFICIENT_ENCRYPTION     = 0x0f,
  VB_ATT_INSUFFICIENT_RESOURCES      = 0x11,
  VB_ATT_CCC_IMPROPERLY_CONFIGURED   = 0xfd,
  VB_ATT_ALREADY_IN_PROGRESS         = 0xfe,
};

/* Characteristic properties (Core Vol 3 Part G §3.3.1.1) and extended properties. */
enum
{
  VB_PROP_BROADCAST       = 0x01,
  VB_PROP_READ            = 0x02,
  VB_PROP_WRITE_NO_RSP    = 0x04,
  VB_PROP_WRITE           = 0x08,
  VB_PROP_NOTIFY          = 0x10,
  VB_PROP_INDICATE        = 0x20,
  VB_PROP_SIGNED_WRITE    = 0x40,
  VB_PROP_EXT_PROP        = 0x80,
};

enum
{
  VB_EXT_RELIABLE_WRITE   = 0x01,
  VB_EXT_WRITABLE_AUX     = 0x02,
};

/* Attribute permissions as bluetoothd derives them from Flags (BT_ATT_PERM_*). */
enum
{
  VB_PERM_READ            = 0x01,
  VB_PERM_WRITE           = 0x02,
  VB_PERM_READ_ENCRYPT    = 0x04,
  VB_PERM_WRITE_ENCRYPT   = 0x08,
  VB_PERM_READ_AUTHEN     = 0x10,
  VB_PERM_WRITE_AUTHEN    = 0x20,
  VB_PERM_READ_SECURE     = 0x40,
  VB_PERM_WRITE_SECURE    = 0x80,
};

/* Parses a characteristic's Flags like bluetoothd's parse_chrc_flags(): an unknown
 * flag or an empty list is an error. Encryption flags imply read/write. */
gboolean vb_att_parse_chrc_flags (const char *const *flags,
                                  guint8            *props,
                                  guint8            *ext_props,
                                  guint32           *perm,
                                  gboolean          *authorize,
                                  GError           **error);

/* Same for a descriptor (parse_desc_flags()): read, write, encrypt-*, secure-*,
 * authorize. */
gboolean vb_att_parse_desc_flags (const char *const *flags,
                                  guint32           *perm,
                                  gboolean          *authorize,
                                  GError           **error);

/* The Flags a bluetoothd *client* shows for a remote characteristic (gatt-client.c
 * chrc_props, then chrc_ext_props): only what travels on the wire. */
GVariant *vb_att_client_flags (guint8 props,
                               guint8 ext_props);

/* The ATT error a read (@write FALSE) or write needs on an unencrypted link with no
 * pairing, like shared/gatt-server.c check_permissions(); 0 when allowed. A
 * permission mask of 0 allows everything (bluetoothd checks "perm && …"). */
guint8 vb_att_check_permissions (guint32  perm,
                                 gboolean write);

/* Maps an application's D-Bus error reply to an ATT error like bluetoothd's
 * dbus_error_to_att_ecode() (5.66 parses "0x80".."0x9f" out of Failed; docs/bluez.md
 * §1.1). @name NULL (no reply, timeout) gives Unlikely. */
guint8 vb_att_error_from_app (const char *name,
                              const char *message,
                              guint8      permission_error);

/* The D-Bus error a bluetoothd client returns for ATT error @att_error
 * (gatt-client.c create_gatt_dbus_error()). */
GError *vb_att_error_to_client (guint8 att_error);

G_END_DECLS
