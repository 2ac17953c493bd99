/* vb-att.c — ATT/GATT rules of bluetoothd 5.66 that the virtual BlueZ reproduces
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "vb-att.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  const char *name;
  guint8 props;
  guint8 ext_props;
  guint32 perm;
} FlagRule;

/* gatt-database.c parse_chrc_flags() of 5.66, in its order. */
static const FlagRule chrc_rules[] = {
  { "broadcast",                   VB_PROP_BROADCAST,    0, 0 },
  { "read",                        VB_PROP_READ,         0, VB_PERM_READ },
  { "write-without-response",      VB_PROP_WRITE_NO_RSP, 0, VB_PERM_WRITE },
  { "write",                       VB_PROP_WRITE,        0, VB_PERM_WRITE },
  { "notify",                      VB_PROP_NOTIFY,       0, 0 },
  { "indicate",                    VB_PROP_INDICATE,     0, 0 },
  { "authenticated-signed-writes", VB_PROP_SIGNED_WRITE, 0, VB_PERM_WRITE },
  { "extended-properties",         VB_PROP_EXT_PROP,     0, 0 },
  { "reliable-write",              0, VB_EXT_RELIABLE_WRITE, VB_PERM_WRITE },
  { "writable-auxiliaries",        0, VB_EXT_WRITABLE_AUX, 0 },
  /* The encryption flags set extended-property bits in bluetoothd too (which is why
   * such characteristics get a CEP descriptor). */
  { "encrypt-read",                VB_PROP_READ,  0x04, VB_PERM_READ | VB_PERM_READ_ENCRYPT },
  { "encrypt-write",               VB_PROP_WRITE, 0x08, VB_PERM_WRITE | VB_PERM_WRITE_ENCRYPT },
  { "encrypt-authenticated-read",  VB_PROP_READ,  0x10, VB_PERM_READ | VB_PERM_READ_AUTHEN },
  { "encrypt-authenticated-write", VB_PROP_WRITE, 0x20, VB_PERM_WRITE | VB_PERM_WRITE_AUTHEN },
  { "secure-read",                 VB_PROP_READ,  0x10, VB_PERM_READ | VB_PERM_READ_SECURE },
  { "secure-write",                VB_PROP_WRITE, 0x20, VB_PERM_WRITE | VB_PERM_WRITE_SECURE },
};

static const FlagRule desc_rules[] = {
  { "read",                        0, 0, VB_PERM_READ },
  { "write",                       0, 0, VB_PERM_WRITE },
  { "encrypt-read",                0, 0, VB_PERM_READ | VB_PERM_READ_ENCRYPT },
  { "encrypt-write",               0, 0, VB_PERM_WRITE | VB_PERM_WRITE_ENCRYPT },
  { "encrypt-authenticated-read",  0, 0, VB_PERM_READ | VB_PERM_READ_AUTHEN },
  { "encrypt-authenticated-write", 0, 0, VB_PERM_WRITE | VB_PERM_WRITE_AUTHEN },
  { "secure-read",                 0, 0, VB_PERM_READ | VB_PERM_READ_SECURE },
  { "secure-write",                0, 0, VB_PERM_WRITE | VB_PERM_WRITE_SECURE },
};

static gboolean
parse_flags (const FlagRule    *rules,
             gsize              n_rules,
             const char        *what,
             const char *const *flags,
             guint8            *props,
             guint8            *ext_props,
             guint32           *perm,
             gboolean          *authorize,
             GError           **error)
{
  *props = *ext_props = 0;
  *perm = 0;
  *authorize = FALSE;

  /* bluetoothd iterates with do { } while over the array: an empty Flags fails. */
  if (flags == NULL || flags[0] == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s has empty Flags", what);
      return FALSE;
    }
  for (gsize i = 0; flags[i] != NULL; i++)
    {
      gsize r;

      if (strcmp (flags[i], "authorize") == 0)
        {
          *authorize = TRUE;
          continue;
        }
      for (r = 0; r < n_rules; r++)
        if (strcmp (flags[i], rules[r].name) == 0)
          break;
      if (r == n_rules)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "invalid %s flag: %s", what, flags[i]);
          return FALSE;
        }
      *props |= rules[r].props;
      *ext_props |= rules[r].ext_props;
      *perm |= rules[r].perm;
    }
  if (*ext_props != 0)
    *props |= VB_PROP_EXT_PROP;
  return TRUE;
}

gboolean
vb_att_parse_chrc_flags (const char *const *flags,
                         guint8            *props,
                         guint8            *ext_props,
                         guint32           *perm,
                         gboolean          *authorize,
                         GError           **error)
{
  return parse_flags (chrc_rules, G_N_ELEMENTS (chrc_rules), "characteristic", flags,
                      props, ext_props, perm, authorize, error);
}

gboolean
vb_att_parse_desc_flags (const char *const *flags,
                         guint32           *perm,
                         gboolean          *authorize,
                         GError           **error)
{
  guint8 props, ext_props;

  return parse_flags (desc_rules, G_N_ELEMENTS (desc_rules), "descriptor", flags,
                      &props, &ext_props, perm, authorize, error);
}

GVariant *
vb_att_client_flags (guint8 props,
                     guint8 ext_props)
{
  static const char *const prop_names[8] = {
    "broadcast", "read", "write-without-response", "write", "notify", "indicate",
    "authenticated-signed-writes", "extended-properties",
  };
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint bit = 0; bit < 8; bit++)
    if (props & (1u << bit))
      g_variant_builder_add (&builder, "s", prop_names[bit]);
  if (ext_props & VB_EXT_RELIABLE_WRITE)
    g_variant_builder_add (&builder, "s", "reliable-write");
  if (ext_props & VB_EXT_WRITABLE_AUX)
    g_variant_builder_add (&builder, "s", "writable-auxiliaries");
  return g_variant_builder_end (&builder);
}

guint8
vb_att_check_permissions (guint32  perm,
                          gboolean write)
{
  guint32 base = write ? VB_PERM_WRITE : VB_PERM_READ;
  guint32 secure = write ? VB_PERM_WRITE_SECURE : VB_PERM_READ_SECURE;
  guint32 authen = write ? VB_PERM_WRITE_AUTHEN : VB_PERM_READ_AUTHEN;
  guint32 encrypt = write ? VB_PERM_WRITE_ENCRYPT : VB_PERM_READ_ENCRYPT;

  if (perm == 0)
    return VB_ATT_OK;
  if (!(perm & base))
    return write ? VB_ATT_WRITE_NOT_PERMITTED : VB_ATT_READ_NOT_PERMITTED;
  /* Links of the virtual BlueZ are never encrypted: nothing pairs (HAP does not use
   * LE pairing, docs/bluez.md §2). */
  if (perm & (secure | authen))
    return VB_ATT_AUTHENTICATION;
  if (perm & encrypt)
    return VB_ATT_INSUFFICIENT_ENCRYPTION;
  return VB_ATT_OK;
}

guint8
vb_att_error_from_app (const char *name,
                       const char *message,
                       guint8      permission_error)
{
  if (name == NULL)
    return VB_ATT_UNLIKELY;
  if (strcmp (name, "org.bluez.Error.Failed") == 0)
    {
      char *end = NULL;
      long code;

      /* 5.66 ("gatt: Parse error message", Aug 2022): a message that is a whole number
       * selects the application error; anything else is 0x80. */
      if (message == NULL)
        return 0x80;
      errno = 0;
      code = strtol (message, &end, 0);
      if (end == NULL || *end != '\0')
        return 0x80;
      if (errno != 0 || code < 0x80 || code > 0x9f)
        return VB_ATT_UNLIKELY;
      return (guint8) code;
    }
  if (strcmp (name, "org.bluez.Error.NotSupported") == 0)
    return VB_ATT_REQUEST_NOT_SUPPORTED;
  if (strcmp (name, "org.bluez.Error.NotAuthorized") == 0)
    return VB_ATT_AUTHORIZATION;
  if (strcmp (name, "org.bluez.Error.InvalidValueLength") == 0)
    return VB_ATT_INVALID_VALUE_LEN;
  if (strcmp (name, "org.bluez.Error.InvalidOffset") == 0)
    return VB_ATT_INVALID_OFFSET;
  if (strcmp (name, "org.bluez.Error.InProgress") == 0)
    return VB_ATT_ALREADY_IN_PROGRESS;
  if (strcmp (name, "org.bluez.Error.NotPermitted") == 0)
    return permission_error;
  return VB_ATT_UNLIKELY;
}

GError *
vb_att_error_to_client (guint8 att_error)
{
  switch (att_error)
    {
    case VB_ATT_READ_NOT_PERMITTED:
      return g_error_new_literal (VB_ERROR, VB_ERROR_NOT_PERMITTED, "Read not permitted");
    case VB_ATT_WRITE_NOT_PERMITTED:
      return g_error_new_literal (VB_ERROR, VB_ERROR_NOT_PERMITTED, "Write not permitted");
    case VB_ATT_AUTHENTICATION:
    case VB_ATT_INSUFFICIENT_ENCRYPTION:
    case VB_ATT_INSUFFICIENT_ENC_KEY_SIZE:
      return g_error_new_literal (VB_ERROR, VB_ERROR_NOT_PERMITTED, "Not paired");
    case VB_ATT_INVALID_OFFSET:
      return g_error_new_literal (VB_ERROR, VB_ERROR_INVALID_ARGUMENTS, "Invalid offset");
    case VB_ATT_INVALID_VALUE_LEN:
      return g_error_new_literal (VB_ERROR, VB_ERROR_INVALID_ARGUMENTS, "Invalid Length");
    case VB_ATT_AUTHORIZATION:
      return g_error_new_literal (VB_ERROR, VB_ERROR_NOT_AUTHORIZED, VB_MSG_NOT_AUTHORIZED);
    case VB_ATT_REQUEST_NOT_SUPPORTED:
      return g_error_new_literal (VB_ERROR, VB_ERROR_NOT_SUPPORTED, VB_MSG_NOT_SUPPORTED);
    case VB_ATT_OK:
      return g_error_new_literal (VB_ERROR, VB_ERROR_FAILED, "Operation failed");
    default:
      return g_error_new (VB_ERROR, VB_ERROR_FAILED, "Operation failed with ATT error: 0x%02x",
                          att_error);
    }
}
