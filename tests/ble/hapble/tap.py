"""A small TAP runner for asyncio test cases that share one Bench.

Each case is an async function taking a Fixture; cases run concurrently up to --jobs,
each with its own adapters (taken from a pool) and its own hap-simulator. A case fails
when it raises, or when a log of its processes has a sanitizer report or a GLib
critical (checked when its accessory stops)."""
import argparse
import asyncio
import os
import time
import traceback

from . import bench as bench_mod

CASES = []


def case(group, adapters=2, long=False):
    """Registers a test case; @adapters is how many virtual adapters it needs (the first
    serves the accessory), @long marks those waiting out a 10 s or 30 s timer."""
    def register(func):
        CASES.append({"name": func.__name__, "group": group, "func": func, "adapters": adapters,
                      "long": long})
        return func
    return register


class AdapterPool:
    def __init__(self, count):
        self.free = ["hci%d" % i for i in range(count)]
        self.cond = asyncio.Condition()

    async def take(self, n):
        async with self.cond:
            await self.cond.wait_for(lambda: len(self.free) >= n)
            taken, self.free = self.free[:n], self.free[n:]
            return taken

    async def give(self, adapters):
        async with self.cond:
            self.free.extend(adapters)
            self.cond.notify_all()


def main(fixture_class, argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--group", action="append", help="run only these groups")
    parser.add_argument("--case", action="append", help="run only these cases")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("HAPBLE_JOBS", "3")))
    parser.add_argument("--no-long", action="store_true", help="skip the cases marked long")
    parser.add_argument("--mtu", type=int, default=517, help="ATT MTU of hap-virtual-bluez's links")
    parser.add_argument("--experimental", action="store_true",
                        help="hap-virtual-bluez as bluetoothd -E (experimental interfaces)")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)

    cases = [c for c in CASES
             if (not args.group or c["group"] in args.group) and (not args.case or c["name"] in args.case)
             and not (args.no_long and c["long"])]
    if args.list:
        for c in cases:
            print("%-10s %s%s" % (c["group"], c["name"], " (long)" if c["long"] else ""))
        return 0
    if not cases:
        print("1..0 # no cases selected")
        return 1
    # Long cases first: they mostly wait, and they decide the total time.
    cases.sort(key=lambda c: not c["long"])
    return asyncio.run(_run(fixture_class, cases, args.jobs, args.mtu, args.experimental))


async def _run(fixture_class, cases, jobs, mtu, experimental=False):
    need = max(c["adapters"] for c in cases)
    adapters = min(16, max(need, 2 * jobs + 1))
    try:
        bench = bench_mod.Bench(adapters=adapters,
                                vbluez_args=["--mtu", str(mtu)] + (["--experimental"] if experimental else []))
        bench.mtu = mtu
    except bench_mod.BenchError as error:
        print("Bail out! %s" % error, flush=True)
        return 1
    pool = AdapterPool(adapters)
    semaphore = asyncio.Semaphore(jobs)
    results = []
    counter = [0]
    print("1..%d" % (len(cases) + 1), flush=True)
    started = time.monotonic()

    async def run_one(c):
        async with semaphore:
            taken = await pool.take(c["adapters"])
            fixture = fixture_class(bench, taken, c["name"])
            errors_before = len(bench.errors)
            t0 = time.monotonic()
            failure = None
            try:
                await c["func"](fixture)
            except BaseException as exc:   # noqa: B902 — report everything, including timeouts
                failure = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            finally:
                try:
                    await fixture.close()
                except BaseException as exc:
                    failure = (failure or "") + "closing: %r\n" % exc
                await pool.give(taken)
            new_errors = bench.errors[errors_before:]
            if new_errors:
                failure = (failure or "") + "log problems:\n" + "\n".join(new_errors)
            counter[0] += 1
            elapsed = time.monotonic() - t0
            status = "ok" if failure is None else "not ok"
            print("%s %d - %s/%s # %.1f s" % (status, counter[0], c["group"], c["name"], elapsed), flush=True)
            if failure:
                for line in failure.rstrip().splitlines():
                    print("#   " + line, flush=True)
                for line in fixture.log_tail().splitlines():
                    print("#   | " + line, flush=True)
            results.append(failure is None)

    try:
        await asyncio.gather(*(run_one(c) for c in cases))
    finally:
        errors = bench.close(keep=not all(results) or len(results) < len(cases))
    counter[0] += 1
    # The cases own their simulators' logs; hap-virtual-bluez's is checked here, at its
    # exit (where its leaks show).
    vb_errors = [e for e in errors if e.startswith("hap-virtual-bluez")]
    print("%s %d - hap-virtual-bluez exited cleanly, no sanitizer report # %.1f s total"
          % ("ok" if not vb_errors else "not ok", counter[0], time.monotonic() - started), flush=True)
    for e in vb_errors:
        print("#   " + e)
    if os.path.isdir(bench.dir):
        print("# logs kept in " + bench.dir)
    return 0 if all(results) and not vb_errors else 1
