#!/usr/bin/python3
"""bench/run.sh --smoke BUILD: every row of the table measured for hap-simulator (and for
HAP-NodeJS where it runs), and the four targets of the benchmark present (TAP)."""
import os
import subprocess
import sys

RUN, BUILD = sys.argv[1], sys.argv[2]
n = 0
failed = 0


def check(name, ok, diag=""):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {name}")
    if not ok:
        failed += 1
        for line in str(diag).splitlines()[-30:]:
            print(f"# {line}")
    return ok


def is_number(cell):
    text = cell.split(" ")[0].replace(",", "")
    try:
        float(text)
        return True
    except ValueError:
        return False


env = dict(os.environ, BENCH_BUILD=BUILD)
r = subprocess.run(["bash", RUN, "--smoke"], capture_output=True, text=True, env=env, timeout=280)
check("bench/run.sh --smoke exits 0", r.returncode == 0, r.stderr)
rows = [[c.strip() for c in line.split("|")[1:-1]] for line in r.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| metric")]
check("the table has its 51 rows, five columns each", len(rows) == 51 and all(len(row) == 5 for row in rows),
      r.stdout)
sim_missing = [row[0] for row in rows if not is_number(row[1])]
check("every row measured for hap-simulator", not sim_missing, sim_missing)
node_missing = [row[0] for row in rows if row[2] != "not run" and not is_number(row[2])]
check("every HAP-NodeJS row that runs measured", not node_missing, node_missing)
targets = {row[0].split(":")[0] + ":" + row[0].split(":")[1] if ":" in row[0] else row[0]: row[4]
           for row in rows if row[4]}
check("four targets stated (GET CPU, pair-verify CPU, pair-setup latency, idle RSS)",
      len(targets) == 4 and all("not judged" in t for t in targets.values()), targets)
print(f"1..{n}")
sys.exit(1 if failed else 0)
