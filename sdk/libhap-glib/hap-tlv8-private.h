/* hap-tlv8-private.h — TLV8 reader and writer (docs/protocol.md §1)
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "hap-wire.h"

G_BEGIN_DECLS

/* The TLV8 codec, item types, methods and errors are public (hap-wire.h). */

#define HAP_PAIRING_FLAG_TRANSIENT 0x00000010u
#define HAP_PAIRING_FLAG_SPLIT     0x01000000u

G_END_DECLS
