#!/usr/bin/python3
"""`gi-docgen check` over Hap-1.gir: every public symbol (functions, types, members,
properties, signals) has a documentation comment. Prints TAP.
   check_documented.py GI-DOCGEN HAP-1.GIR"""
import subprocess, sys

gidocgen, gir = sys.argv[1], sys.argv[2]
run = subprocess.run([gidocgen, "check", gir], capture_output=True, text=True, timeout=300)
warnings = [l for l in (run.stdout + run.stderr).splitlines() if "WARNING" in l]
ok = run.returncode == 0 and not warnings
print("1..1")
for line in warnings:
    print(f"# {line}")
print(f"{'ok' if ok else 'not ok'} 1 - every public symbol is documented ({len(warnings)} warnings)")
sys.exit(0 if ok else 1)
