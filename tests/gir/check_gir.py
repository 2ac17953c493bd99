#!/usr/bin/python3
"""Checks Hap-1.gir: every public function is introspectable (the few skipped on
purpose name an introspectable alternative), every enum and flags type has a GType, and
the functions that walk the accessory tree return typed lists. Prints TAP."""
import sys
import xml.etree.ElementTree as ET

NS = {"core": "http://www.gtk.org/introspection/core/1.0",
      "c": "http://www.gtk.org/introspection/c/1.0",
      "glib": "http://www.gtk.org/introspection/glib/1.0"}
C_ID = "{%s}identifier" % NS["c"]
GET_TYPE = "{%s}get-type" % NS["glib"]

# Skipped with (skip) on purpose → the binding-friendly function to use instead.
SKIPPED = {
    "hap_characteristic_set_valid_values_range": "hap_characteristic_add_valid_values_range",
}
TREE_WALKERS = {
    "hap_accessory_get_services": "Service",
    "hap_accessory_get_bridged_accessories": "Accessory",
    "hap_service_get_characteristics": "Characteristic",
    "hap_service_get_linked_services": "Service",
}

root = ET.parse(sys.argv[1]).getroot()
namespace = root.find("core:namespace", NS)
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"# FAILED {name}: {detail}", file=sys.stderr)


callables = {}
for tag in ("function", "method", "constructor"):
    for node in namespace.iter("{%s}%s" % (NS["core"], tag)):
        callables[node.get(C_ID)] = node

check("the GIR lists the public functions", len(callables) > 150, len(callables))
bad = sorted(c for c, n in callables.items() if n.get("introspectable") == "0" and c not in SKIPPED)
check("no public function is non-introspectable", not bad, bad)
for skipped, alternative in SKIPPED.items():
    alt = callables.get(alternative)
    check(f"{skipped} has an introspectable alternative",
          alt is not None and alt.get("introspectable") != "0", alternative)

for tag in ("enumeration", "bitfield"):
    for node in namespace.findall("core:" + tag, NS):
        check(f"{node.get('name')} has a GType", node.get(GET_TYPE), node.attrib)

for symbol, element in TREE_WALKERS.items():
    node = callables.get(symbol)
    ret = node.find("core:return-value", NS) if node is not None else None
    inner = ret.find("core:array/core:type", NS) if ret is not None else None
    check(f"{symbol} returns a list of {element}", inner is not None and inner.get("name") == element,
          ET.tostring(ret).decode() if ret is not None else symbol)

print(f"1..{len(results)}")
for i, (name, ok) in enumerate(results, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {name}")
sys.exit(0 if all(ok for _, ok in results) else 1)
