#!/usr/bin/python3
"""Browses a DNS-SD service type on 127.0.0.1 with python3-zeroconf (an mDNS stack
independent of Avahi) and prints {name: {"port": …, "txt": {…}, "items": […]}} as JSON:
"txt" as zeroconf decodes the record (its properties), "items" the record's strings as they
came on the wire ("key=value", "key=" or "key"), which zeroconf's decoding may merge."""
import json, sys, time
from zeroconf import IPVersion, ServiceBrowser, Zeroconf

service_type, seconds = sys.argv[1], float(sys.argv[2])
zc = Zeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
names = set()


class Listener:
    def add_service(self, zc, type_, name):
        names.add(name)

    def update_service(self, zc, type_, name):
        names.add(name)

    def remove_service(self, zc, type_, name):
        names.discard(name)


ServiceBrowser(zc, service_type, Listener())
time.sleep(seconds)
out = {}
for name in names:
    info = zc.get_service_info(service_type, name, timeout=3000)
    if info is None:
        continue
    txt = {k.decode(): (v.decode() if v is not None else None) for k, v in info.properties.items()}
    items, i = [], 0
    while i < len(info.text):
        length = info.text[i]
        if length:
            items.append(info.text[i + 1:i + 1 + length].decode("utf-8", "replace"))
        i += 1 + length
    out[name[: -len(service_type) - 1]] = {"port": info.port, "txt": txt, "items": sorted(items)}
zc.close()
print(json.dumps(out))
