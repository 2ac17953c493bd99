#!/usr/bin/python3
"""Hostile network clients against a real hap-simulator on 127.0.0.1 (issue 13): each
case starts its own simulator, attacks it, and asserts the exact outcome. Runs in a
private network namespace (meson.build). Prints TAP.

  test_hardening.py fd-flood       2,000 idle connections at a 1,024-descriptor limit
  test_hardening.py fd-exhaustion  the same with caps above the limit: accept backs off
  test_hardening.py pipelining     100 clients pipelining requests, never reading
  test_hardening.py timers         --idle-timeout and --stall-timeout on the wire
  test_hardening.py file-limits    the file's "simulator" → "connections" section
"""
import json, os, resource, select, shutil, socket, subprocess, sys, tempfile, time

SIM = os.environ["HAP_SIMULATOR"]
HAPCTL = os.environ["HAPCTL"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
CODE = "031-45-154"
WORK = tempfile.mkdtemp(prefix="hap-hardening-")
CASE_DIR = WORK   # each case's own state, controller and logs


def sanitized(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


# Under AddressSanitizer RSS is the sanitizer's: shadow memory, a quarantine of freed
# blocks (256 MB by default) and an allocator that keeps freed chunks in its own caches,
# where malloc_trim has no say. The simulator then runs with a small quarantine, and the
# memory checks allow for what the allocator keeps (ASAN_SLACK_KB); the release build is
# held to the exact figures.
ASAN = sanitized(SIM)
ASAN_SLACK_KB = 16 * 1024 if ASAN else 0
# What may stay after 100 flooding connections close: the heap pages that malloc_trim
# cannot hand back because live blocks sit among the freed ones. Since connections take
# turns (16 requests each per main-loop turn) all of them hold their read and parsed
# requests at once, which leaves 2–4 MB of such pages (measured 12 MB after, 8 MB idle;
# 10 MB before turns). Issue 13's bug kept 110 MB.
AFTER_CLOSE_KB = 6 * 1024
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond)))
    if not cond:
        print(f"# FAILED {name}: {detail}", file=sys.stderr)


class Simulator:
    def __init__(self, *args, files=None, nofile=None):
        self.stderr_path = os.path.join(CASE_DIR, "sim.err")
        self.stderr = open(self.stderr_path, "w")

        def limit():
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        files = files or [os.path.join(ACCESSORIES, "lightbulb.json")]
        env = dict(os.environ)
        if ASAN:
            env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                                   ":quarantine_size_mb=4:allocator_release_to_os_interval_ms=100").lstrip(":")
        self.proc = subprocess.Popen([SIM, "--headless", "--bus", "none", "--bind", "127.0.0.1",
                                      "--setup-code", CODE, "--state-dir", os.path.join(CASE_DIR, "state"),
                                      *args, *files],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True,
                                     preexec_fn=limit, env=env)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("simulator exited before ready: " + open(self.stderr_path).read())
        self.ready = json.loads(line)
        self.port = self.ready["port"]
        self.addr = f"127.0.0.1:{self.port}"

    def stderr_size(self):
        self.stderr.flush()
        return os.path.getsize(self.stderr_path)

    def stderr_text(self):
        return open(self.stderr_path, errors="replace").read()

    def status(self, key):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return -1

    def rss_kb(self):
        return self.status("VmRSS")

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def n_fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


def hapctl(*args, timeout=30):
    return subprocess.run([HAPCTL, "--controller", os.path.join(CASE_DIR, "controller"), *args],
                          capture_output=True, text=True, timeout=timeout)


def pair(sim):
    r = hapctl("pair", sim.addr, CODE)
    check("a controller pairs", r.returncode == 0, r.stderr)


def timed_accessories(sim):
    """A paired controller's full round trip (connect, Pair Verify, GET /accessories)."""
    start = time.monotonic()
    # hapctl gives up when one answer takes over 10 s (its default --timeout). Before each
    # connection answered at most REQUESTS_PER_TURN pipelined requests per main-loop turn,
    # the controller waited for everything the flood had queued: 3.5 s here and over 10 s
    # on Debian 13 under the sanitizers; now well under a second in both.
    r = hapctl("accessories", sim.addr, timeout=90 if ASAN else 20)
    return r, time.monotonic() - start


def open_idle(port, n):
    """n connections that never send a byte (non-blocking connects, then held)."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        socks.append(s)
    return socks


def raise_own_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    check(f"the test itself may open {needed} descriptors", soft >= needed, f"hard limit {hard}")


def flood(sim, name):
    """2,000 idle connections at the simulator's 1,024-descriptor limit."""
    pair(sim)
    raise_own_fd_limit(2200)
    before = sim.stderr_size()
    socks = open_idle(sim.port, 2000)
    time.sleep(2.0)   # the server churns through the backlog
    check(f"{name}: simulator alive under the flood", sim.alive())
    check(f"{name}: within its descriptor limit", 0 < sim.n_fds() <= 1024, sim.n_fds())
    cpu0 = sim.cpu_seconds()
    time.sleep(2.0)
    spent = sim.cpu_seconds() - cpu0
    check(f"{name}: no accept spin while the flood sits idle (CPU {spent:.2f} s in 2 s)", spent < 0.3)
    r, elapsed = timed_accessories(sim)
    check(f"{name}: a paired controller is answered", r.returncode == 0 and r.stdout.strip() != "", r.stderr)
    check(f"{name}: within 1 s ({elapsed:.3f} s)", elapsed < 1.0)
    grown = sim.stderr_size() - before
    check(f"{name}: stderr grew by less than 10 KB ({grown} bytes)", grown < 10 * 1024, sim.stderr_text()[-2000:])
    for s in socks:
        s.close()
    return grown


def case_fd_flood():
    sim = Simulator(nofile=1024)
    try:
        flood(sim, "default caps")
        text = sim.stderr_text()
        check("the cap is logged once", text.count("at the connection limit") == 1, text[-2000:])
        check("no 'Too many open files' (the cap stays below the descriptor limit)",
              "Too many open files" not in text, text[-2000:])
    finally:
        sim.stop()


def case_fd_exhaustion():
    # Caps above the descriptor limit: accept itself fails with EMFILE.
    sim = Simulator("--max-connections", "0", "--max-process-connections", "100000", nofile=1024)
    try:
        flood(sim, "caps above the descriptor limit")
        text = sim.stderr_text()
        check("out of descriptors is logged once", text.count("cannot accept connections") == 1, text[-2000:])
        check("and only that: no per-attempt lines", text.count("Too many open files") == 1, text[-2000:])
    finally:
        sim.stop()


def case_pipelining():
    sim = Simulator()
    try:
        pair(sim)
        time.sleep(1.0)
        idle = sim.rss_kb()
        request = b"GET /accessories HTTP/1.1\r\nHost: x\r\n\r\n" * 400
        socks = []
        for _ in range(100):
            s = socket.create_connection(("127.0.0.1", sim.port))
            s.setblocking(False)
            socks.append(s)
        peak = 0
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            for s in socks:
                try:
                    s.send(request)
                except BlockingIOError:
                    pass
                except OSError:
                    pass
            peak = max(peak, sim.rss_kb())
            time.sleep(0.01)
        check(f"100 pipelining clients: RSS under 60 MB (peak {peak // 1024} MB, idle {idle // 1024} MB)",
              0 < peak < 60 * 1024 + (idle - 15 * 1024 if ASAN else 0))
        r, elapsed = timed_accessories(sim)
        check(f"a paired controller is answered meanwhile ({elapsed:.2f} s)", r.returncode == 0, r.stderr)
        for s in socks:
            s.close()
        after = peak
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            after = sim.rss_kb()
            if after <= idle + AFTER_CLOSE_KB + ASAN_SLACK_KB:
                break
            time.sleep(0.2)
        check(f"RSS back near idle after they close ({after // 1024} MB, idle {idle // 1024} MB)",
              after <= idle + AFTER_CLOSE_KB + ASAN_SLACK_KB)
    finally:
        sim.stop()


def closed_after(sock, timeout):
    """Seconds until the peer closes @sock, or None after @timeout."""
    start = time.monotonic()
    while True:
        left = timeout - (time.monotonic() - start)
        if left <= 0:
            return None
        readable, _, _ = select.select([sock], [], [], left)
        if readable:
            try:
                if sock.recv(65536) == b"":
                    return time.monotonic() - start
            except ConnectionResetError:
                return time.monotonic() - start


def case_timers():
    sim = Simulator("--idle-timeout", "800", "--stall-timeout", "400")
    try:
        idle = socket.create_connection(("127.0.0.1", sim.port))
        t = closed_after(idle, 3.0)
        check(f"--idle-timeout 800: an idle unpaired connection is closed after it ({t})",
              t is not None and 0.7 <= t <= 1.6)
        stalled = socket.create_connection(("127.0.0.1", sim.port))
        stalled.sendall(b"PUT /characteristics HTTP/1.1\r\nContent-Type: application/hap+json\r\n"
                        b"Content-Length: 100\r\n\r\n{\"characteristics\":")
        t = closed_after(stalled, 3.0)
        check(f"--stall-timeout 400: a body shorter than its Content-Length is closed after it ({t})",
              t is not None and 0.3 <= t <= 0.9)
        check("the simulator still serves", sim.alive())
        idle.close()
        stalled.close()
    finally:
        sim.stop()
    r = subprocess.run([SIM, "--headless", "--bus", "none", "--idle-timeout", "-5",
                        os.path.join(ACCESSORIES, "lightbulb.json")], capture_output=True, text=True, timeout=10)
    check("--idle-timeout -5 is a usage error", r.returncode == 2 and "--idle-timeout must be 0..4294967295" in r.stderr,
          r.stderr)


def accessory_file(name, connections):
    with open(os.path.join(ACCESSORIES, "lightbulb.json")) as f:
        doc = json.load(f)
    doc.setdefault("simulator", {})["connections"] = connections
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
    return path


def case_file_limits():
    path = accessory_file("capped.json", {"max": 2, "idle-timeout-ms": 60000})
    sim = Simulator(files=[path])
    try:
        first = socket.create_connection(("127.0.0.1", sim.port))
        time.sleep(0.2)
        second = socket.create_connection(("127.0.0.1", sim.port))
        time.sleep(0.2)
        third = socket.create_connection(("127.0.0.1", sim.port))
        t = closed_after(first, 2.0)
        check(f"file max 2: the third connection evicts the first ({t})", t is not None)
        check("file max 2: the second stays", closed_after(second, 0.5) is None)
        check("file max 2: the third stays", closed_after(third, 0.5) is None)
        for s in (first, second, third):
            s.close()
    finally:
        sim.stop()
    bad = accessory_file("bad.json", {"max": -1})
    r = subprocess.run([SIM, "--headless", "--bus", "none", "--state-dir", os.path.join(WORK, "bad-state"), bad],
                       capture_output=True, text=True, timeout=10)
    check("a negative cap in the file is refused with FILE:LINE:COL and the key",
          r.returncode == 1 and f"{bad}:" in r.stderr and "simulator.connections.max" in r.stderr, r.stderr)
    unknown = accessory_file("unknown.json", {"maximum": 3})
    r = subprocess.run([SIM, "--headless", "--bus", "none", "--state-dir", os.path.join(WORK, "bad-state"), unknown],
                       capture_output=True, text=True, timeout=10)
    check("an unknown key in simulator.connections is refused",
          r.returncode == 1 and "maximum" in r.stderr, r.stderr)


CASES = {
    "fd-flood": case_fd_flood,
    "fd-exhaustion": case_fd_exhaustion,
    "pipelining": case_pipelining,
    "timers": case_timers,
    "file-limits": case_file_limits,
}


def main():
    global CASE_DIR
    names = sys.argv[1:] or list(CASES)
    try:
        for name in names:
            CASE_DIR = os.path.join(WORK, name)
            os.mkdir(CASE_DIR)
            CASES[name]()
    except Exception as e:  # a crash of the harness is a failure, not a skip
        check("harness ran to the end", False, repr(e))
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    print(f"1..{len(results)}")
    for i, (name, ok) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} - {name}")
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
