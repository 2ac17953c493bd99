#!/usr/bin/python3
"""Screenshots of the whole X screen (ImageMagick `import -window root`), checked to be
more than a blank frame: a PNG with at most MIN_COLOURS distinct colours fails.

    screenshots.py OUT.png     (DISPLAY must be set)
"""
import os
import subprocess
import sys

MIN_COLOURS = 10


def colours(path):
    r = subprocess.run(["identify", "-format", "%k", path], capture_output=True, text=True, timeout=60)
    return int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip().isdigit() else 0


def capture(path):
    """Returns (ok, detail)."""
    r = subprocess.run(["import", "-window", "root", path], capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or not os.path.exists(path):
        return False, f"import failed ({r.returncode}): {r.stderr.strip()}"
    n = colours(path)
    return n > MIN_COLOURS, f"{n} colours, {os.path.getsize(path)} bytes"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: screenshots.py OUT.png")
    ok, detail = capture(sys.argv[1])
    print(f"{sys.argv[1]}: {detail}")
    sys.exit(0 if ok else 1)
