/* vb-gatt-db.h — one adapter's GATT database as bluetoothd 5.66 builds it
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure data and rules, no I/O: reading an application's GetManagedObjects reply
 * (gatt-database.c client_ready_cb() and friends), ATT handle allocation
 * (shared/gatt-db.c), bluetoothd's own services, lookups by handle.
 *
 * Handle layout. bluetoothd registers its core services before any application
 * (register_core_services()): GAP 0x1800 at 0x0001-0x0005 (Device Name, Appearance),
 * GATT 0x1801 at 0x0006-0x000F (Service Changed + CCC, Client Supported Features,
 * Database Hash; the last two handles are kept for Server Supported Features, present
 * only with EATT) and, because main.c sets DeviceID source 0x0002 by default, Device
 * Information 0x180A at 0x0010-0x0012 (PnP ID). The first application service
 * therefore starts at 0x0013. New services go after the highest handle ever used
 * (gatt_db_insert_service() uses last_handle + 1 and never moves it back), in the
 * order of the application's reply; a non-zero Handle asks for a place.
 */
#pragma once

#include <gio/gio.h>

#include "vb-uuid.h"

G_BEGIN_DECLS

#define VB_GATT_FIRST_APP_HANDLE 0x0013

typedef enum
{
  VB_DESC_APP,   /* exported by the application */
  VB_DESC_CCC,   /* Client Characteristic Configuration, added by bluetoothd */
  VB_DESC_CEP,   /* Characteristic Extended Properties, added by bluetoothd */
} VbDescKind;

typedef struct
{
  VbDescKind kind;
  char *path;                   /* VB_DESC_APP only */
  char uuid[VB_UUID_STRLEN];
  guint16 handle;
  guint16 requested_handle;
  gboolean has_handle_property; /* allocated handle is written back */
  guint32 perm;
  gboolean authorize;
  guint8 cep_value[2];          /* VB_DESC_CEP */
} VbGattDesc;

typedef struct
{
  char *path;                   /* NULL for bluetoothd's own */
  char uuid[VB_UUID_STRLEN];
  guint16 decl_handle;
  guint16 value_handle;         /* decl_handle + 1 */
  guint16 requested_handle;     /* a value handle */
  gboolean has_handle_property;
  guint8 props;
  guint8 ext_props;
  guint32 perm;
  gboolean authorize;
  gboolean notify_acquired;     /* the object has NotifyAcquired: AcquireNotify is used */
  guint ntfy_cnt;               /* bluetoothd's aggregate subscriber count */
  VbGattDesc *ccc;              /* in @descs; NULL without notify/indicate */
  GPtrArray *descs;             /* VbGattDesc, in handle order */
} VbGattChrc;

typedef struct
{
  char *path;                   /* NULL for bluetoothd's own */
  char uuid[VB_UUID_STRLEN];
  gboolean primary;
  gboolean core;                /* registered by bluetoothd itself */
  gboolean hidden;              /* claimed by a bluetoothd profile: centrals do not export it */
  guint16 start;
  guint16 end;
  guint16 requested_handle;
  gboolean has_handle_property;
  GPtrArray *include_paths;     /* char *, as the application listed them */
  GArray *include_handles;      /* guint16 start handles of included services */
  GPtrArray *chrcs;             /* VbGattChrc, in handle order */
  gpointer owner;               /* the registering application (opaque here) */
} VbGattService;

typedef struct
{
  GPtrArray *services;          /* VbGattService, by start handle */
  guint next_handle;            /* where the next automatic service starts */
  guint generation;             /* bumped on every change */
} VbGattDb;

/* What a handle designates. */
typedef enum
{
  VB_ATTR_NONE,
  VB_ATTR_SERVICE,
  VB_ATTR_INCLUDE,
  VB_ATTR_CHRC_DECL,
  VB_ATTR_CHRC_VALUE,
  VB_ATTR_DESC,
} VbAttrKind;

typedef struct
{
  VbAttrKind kind;
  VbGattService *service;
  VbGattChrc *chrc;
  VbGattDesc *desc;
} VbGattAttr;

void vb_gatt_service_free (VbGattService *service);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbGattService, vb_gatt_service_free)

/* Reads an application's GetManagedObjects reply (a{oa{sa{sv}}}) into services with
 * their characteristics and descriptors, in the order bluetoothd inserts them.
 * @n_profiles counts GattProfile1 objects. Errors carry bluetoothd's reply text:
 * "No object received", "No valid service object found (…)" or "Failed to create
 * entry in database (…)". A descriptor with UUID 0x2902 is refused: bluetoothd adds
 * the CCC itself and 5.66 would silently publish a duplicate (docs/bluez.md §1.1). */
GPtrArray *vb_gatt_parse_objects (GVariant  *objects,
                                  guint     *n_profiles,
                                  GError   **error);

void vb_gatt_db_init (VbGattDb *db);
void vb_gatt_db_clear (VbGattDb *db);

/* Allocates handles for @services (from vb_gatt_parse_objects(), consumed) and adds
 * them to @db, tagged with @owner. All or nothing: on failure none stays (but, as in
 * bluetoothd, next_handle may have moved). */
gboolean vb_gatt_db_insert (VbGattDb   *db,
                            GPtrArray  *services,
                            gpointer    owner,
                            GError    **error);

/* Removes and frees @service. */
void vb_gatt_db_remove (VbGattDb      *db,
                        VbGattService *service);

VbGattService *vb_gatt_db_find_service (VbGattDb   *db,
                                        gpointer    owner,
                                        const char *path);

VbGattAttr vb_gatt_db_lookup (VbGattDb *db,
                              guint16   handle);

/* A characteristic by its application object path. */
VbGattChrc *vb_gatt_db_find_chrc (VbGattDb   *db,
                                  gpointer    owner,
                                  const char *path,
                                  VbGattService **service);

/* A string that changes whenever what a central would discover in @service does
 * (handles, UUIDs, properties): the key of the central's cache. */
char *vb_gatt_service_signature (const VbGattService *service);

G_END_DECLS
