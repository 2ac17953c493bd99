#!/usr/bin/env python3
# gen-catalog.py — turns data/hap-types.json into hap-catalog-data.c
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: python3 gen-catalog.py <hap-types.json> <hap-catalog-data.c>
#
# Only the standard library is used: the build may run under any python3.
#
# The generated file defines the tables that hap-catalog.c searches:
#   - characteristics and services sorted by ASCII-lowercase name (binary search with
#     g_ascii_strcasecmp), plus index arrays sorted by full UUID and by display name;
#   - categories sorted by name (aliases included) and one canonical name per id.

import json
import re
import sys

FORMATS = {
    'bool': 'HAP_FORMAT_BOOL',
    'uint8': 'HAP_FORMAT_UINT8',
    'uint16': 'HAP_FORMAT_UINT16',
    'uint32': 'HAP_FORMAT_UINT32',
    'uint64': 'HAP_FORMAT_UINT64',
    'int': 'HAP_FORMAT_INT',
    'float': 'HAP_FORMAT_FLOAT',
    'string': 'HAP_FORMAT_STRING',
    'tlv8': 'HAP_FORMAT_TLV8',
    'data': 'HAP_FORMAT_DATA',
}

PERMS = {
    'pr': 'HAP_PERM_PAIRED_READ',
    'pw': 'HAP_PERM_PAIRED_WRITE',
    'ev': 'HAP_PERM_EVENTS',
    'aa': 'HAP_PERM_ADDITIONAL_AUTH',
    'tw': 'HAP_PERM_TIMED_WRITE',
    'hd': 'HAP_PERM_HIDDEN',
    'wr': 'HAP_PERM_WRITE_RESPONSE',
}

# Spellings used by older metadata for the same permissions.
PERM_ALIASES = {
    'read': 'pr', 'paired_read': 'pr',
    'write': 'pw', 'paired_write': 'pw',
    'notify': 'ev', 'events': 'ev', 'cnotify': 'ev',
    'additional_authorization': 'aa',
    'timed_write': 'tw',
    'hidden': 'hd',
    'write_response': 'wr',
}

# Where the "categories" map lists several names for one id, the name used in
# docs/protocol.md §4.14 wins; other aliases fall back to the first name in sorted order.
CANONICAL_CATEGORY = {
    11: 'SECURITY_SYSTEM',
    17: 'IP_CAMERA',
}

# Service display names that the CamelCase split below gets wrong.
SERVICE_DISPLAY_NAMES = {
    'WiFiRouter': 'Wi-Fi Router',
    'WiFiSatellite': 'Wi-Fi Satellite',
    'WiFiTransport': 'Wi-Fi Transport',
}

def fail(msg):
    sys.stderr.write('gen-catalog.py: %s\n' % msg)
    sys.exit(1)


def c_string(s):
    if s is None:
        return 'NULL'
    if not all(32 <= ord(ch) < 127 for ch in s):
        fail('non-ASCII or control character in %r' % s)
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def c_double(v):
    r = repr(float(v))
    if r in ('inf', '-inf', 'nan'):
        fail('non-finite number %r' % v)
    return r


def ident(name):
    return re.sub(r'[^A-Za-z0-9_]', '_', name)


def normalize_uuid(u, what):
    u = u.upper()
    if not re.fullmatch(r'[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}', u):
        fail('%s: %r is not a UUID' % (what, u))
    return u


def split_camel(name):
    if name in SERVICE_DISPLAY_NAMES:
        return SERVICE_DISPLAY_NAMES[name]
    s = re.sub(r'(?<=[a-z0-9])(?=[A-Z])', ' ', name)
    s = re.sub(r'(?<=[A-Z])(?=[A-Z][a-z])', ' ', s)
    return s


def perms_expr(entry):
    flags = []
    for p in entry.get('perms', []):
        key = PERM_ALIASES.get(p.lower(), p.lower())
        if key not in PERMS:
            fail('characteristic %s: unknown permission %r' % (entry['name'], p))
        if PERMS[key] not in flags:
            flags.append(PERMS[key])
    # adminOnlyAccess lists the access kinds (0 read, 1 write, 2 notify) restricted to
    # admin controllers; the model only keeps "some access is admin-only".
    if entry.get('adminOnlyAccess'):
        flags.append('HAP_PERM_ADMIN_ONLY')
    return ' | '.join(flags) if flags else 'HAP_PERM_NONE'


def main():
    if len(sys.argv) != 3:
        fail('usage: gen-catalog.py <hap-types.json> <out.c>')
    src, out_path = sys.argv[1], sys.argv[2]
    with open(src, encoding='utf-8') as f:
        data = json.load(f)

    chars = list(data['characteristics'])
    services = list(data['services'])
    categories = data['categories']

    for c in chars:
        c['uuid'] = normalize_uuid(c['uuid'], c['name'])
        c.setdefault('displayName', c['name'])
    for s in services:
        s['uuid'] = normalize_uuid(s['uuid'], s['name'])
        s['displayName'] = split_camel(s['name'])

    chars.sort(key=lambda c: c['name'].lower())
    services.sort(key=lambda s: s['name'].lower())

    char_names = {c['name'] for c in chars}
    for what, items, key in (('characteristic', chars, 'name'),
                             ('characteristic display', chars, 'displayName'),
                             ('service', services, 'name'),
                             ('service display', services, 'displayName')):
        seen = set()
        for it in items:
            k = it[key].lower()
            if k in seen:
                fail('duplicate %s name %r' % (what, it[key]))
            seen.add(k)
    for s in services:
        for n in s.get('required', []) + s.get('optional', []):
            if n not in char_names:
                fail('service %s refers to unknown characteristic %r' % (s['name'], n))

    out = []
    w = out.append
    w('/* hap-catalog-data.c — GENERATED FILE, DO NOT EDIT.')
    w(' *')
    w(' * Generated by sdk/libhap-glib/gen-catalog.py from data/hap-types.json')
    w(' * (%d characteristics, %d services, %d category names).'
      % (len(chars), len(services), len(categories)))
    w(' * Regenerated by the build whenever either file changes.')
    w(' */')
    w('#include "hap-catalog.h"')
    w('')
    w('/* Declarations shared with hap-catalog.c. */')
    w('extern const HapCharacteristicType _hap_catalog_characteristics[];')
    w('extern const guint _hap_catalog_n_characteristics;')
    w('extern const guint16 _hap_catalog_characteristics_by_uuid[];')
    w('extern const guint16 _hap_catalog_characteristics_by_display_name[];')
    w('extern const HapServiceType _hap_catalog_services[];')
    w('extern const guint _hap_catalog_n_services;')
    w('extern const guint16 _hap_catalog_services_by_uuid[];')
    w('extern const char * const _hap_catalog_service_display_names[];')
    w('extern const guint16 _hap_catalog_services_by_display_name[];')
    w('extern const HapCatalogConstant _hap_catalog_category_names[];')
    w('extern const guint _hap_catalog_n_category_names;')
    w('extern const HapCatalogConstant _hap_catalog_categories[];')
    w('extern const guint _hap_catalog_n_categories;')
    w('')

    # Per-characteristic valid values and constants.
    for c in chars:
        cid = ident(c['name'])
        vv = c.get('validValues')
        if vv:
            w('static const int valid_values_%s[] = { %s };'
              % (cid, ', '.join(str(int(v)) for v in vv)))
        consts = c.get('constants')
        if consts:
            w('static const HapCatalogConstant constants_%s[] = {' % cid)
            for k, v in consts.items():
                w('  { %s, %d },' % (c_string(k), int(v)))
            w('};')
    w('')

    w('const HapCharacteristicType _hap_catalog_characteristics[] = {')
    for c in chars:
        cid = ident(c['name'])
        fmt = c.get('format')
        if fmt is None:
            # An entry without a format carries opaque bytes.
            fmt = 'data'
        if fmt not in FORMATS:
            fail('characteristic %s: unknown format %r' % (c['name'], fmt))
        vv = c.get('validValues')
        consts = c.get('constants')
        w('  {')
        w('    .name = %s,' % c_string(c['name']))
        w('    .display_name = %s,' % c_string(c['displayName']))
        w('    .uuid = %s,' % c_string(c['uuid']))
        w('    .format = %s,' % FORMATS[fmt])
        w('    .perms = %s,' % perms_expr(c))
        w('    .unit = %s,' % c_string(c.get('unit')))
        for key, cname in (('minValue', 'min_value'), ('maxValue', 'max_value'),
                           ('minStep', 'min_step')):
            if key in c and c[key] is not None:
                w('    .has_%s = TRUE, .%s = %s,' % (cname, cname, c_double(c[key])))
        w('    .max_len = %d,' % int(c.get('maxLen', -1)))
        if vv:
            w('    .valid_values = valid_values_%s, .n_valid_values = %d,' % (cid, len(vv)))
        if consts:
            w('    .constants = constants_%s, .n_constants = %d,' % (cid, len(consts)))
        w('  },')
    w('};')
    w('const guint _hap_catalog_n_characteristics = %d;' % len(chars))
    w('')

    def index_array(name, items, key):
        order = sorted(range(len(items)), key=lambda i: (key(items[i]), items[i]['name'].lower()))
        w('const guint16 %s[] = {' % name)
        for i in range(0, len(order), 16):
            w('  ' + ', '.join(str(x) for x in order[i:i + 16]) + ',')
        w('};')
        w('')

    index_array('_hap_catalog_characteristics_by_uuid', chars, lambda c: c['uuid'])
    index_array('_hap_catalog_characteristics_by_display_name', chars,
                lambda c: c['displayName'].lower())

    for s in services:
        sid = ident(s['name'])
        for kind in ('required', 'optional'):
            names = s.get(kind, [])
            w('static const char * const %s_%s[] = { %s };'
              % (kind, sid, ', '.join([c_string(n) for n in names] + ['NULL'])))
    w('')
    w('const HapServiceType _hap_catalog_services[] = {')
    for s in services:
        sid = ident(s['name'])
        w('  { %s, %s, required_%s, optional_%s },'
          % (c_string(s['name']), c_string(s['uuid']), sid, sid))
    w('};')
    w('const guint _hap_catalog_n_services = %d;' % len(services))
    w('')
    w('/* Parallel to _hap_catalog_services: the name split into words. */')
    w('const char * const _hap_catalog_service_display_names[] = {')
    for s in services:
        w('  %s,' % c_string(s['displayName']))
    w('};')
    w('')
    index_array('_hap_catalog_services_by_uuid', services, lambda s: s['uuid'])
    index_array('_hap_catalog_services_by_display_name', services,
                lambda s: s['displayName'].lower())

    by_id = {}
    for name, cid in categories.items():
        if not re.fullmatch(r'[A-Z0-9_]+', name):
            fail('category name %r is not UPPER_CASE' % name)
        by_id.setdefault(int(cid), []).append(name)
    w('/* Every category name, aliases included, sorted by name. */')
    w('const HapCatalogConstant _hap_catalog_category_names[] = {')
    for name in sorted(categories):
        w('  { %s, %d },' % (c_string(name), int(categories[name])))
    w('};')
    w('const guint _hap_catalog_n_category_names = %d;' % len(categories))
    w('')
    w('/* One canonical name per id, sorted by id (docs/protocol.md §4.14). */')
    w('const HapCatalogConstant _hap_catalog_categories[] = {')
    for cid in sorted(by_id):
        names = sorted(by_id[cid])
        canonical = CANONICAL_CATEGORY.get(cid, names[0])
        if canonical not in names:
            fail('canonical category %s is not listed for id %d' % (canonical, cid))
        w('  { %s, %d },' % (c_string(canonical), cid))
    w('};')
    w('const guint _hap_catalog_n_categories = %d;' % len(by_id))

    with open(out_path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
