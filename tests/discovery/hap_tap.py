"""TAP for the Python tests: named checks, tests run so that one that raises is a failure
(never a skip), and the report meson reads."""
import sys


class Tap:
    def __init__(self):
        self.results = []

    def check(self, name, cond, detail=""):
        self.results.append((name, bool(cond)))
        if not cond:
            print(f"# FAILED {name}: {str(detail)[-2000:]}", file=sys.stderr)
        return bool(cond)

    def run(self, tests, *args):
        """Runs each test(*args); an exception fails that test and the others still run."""
        for test in tests:
            try:
                test(*args)
            except Exception as e:  # a crash of one test is a failure, not a skip
                self.check(test.__name__, False, repr(e))

    def report(self):
        """Prints the TAP plan and lines; returns the exit status."""
        print(f"1..{len(self.results)}")
        for i, (name, ok) in enumerate(self.results, 1):
            print(f"{'ok' if ok else 'not ok'} {i} - {name}")
        return 0 if all(ok for _, ok in self.results) else 1
