"""A private test bench: a dbus-daemon (allow-all policy) as the system bus,
hap-virtual-bluez on it, and hap-simulator processes serving accessories over BLE.

Binaries come from the environment (meson passes the build's own): HAP_SIMULATOR and
HAP_VIRTUAL_BLUEZ. Every process is ours, started here and stopped by its PID. Logs stay in
the bench's directory; stop() checks them for sanitizer reports and GLib criticals."""
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/> <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/> <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""

# What must never appear in a log of ours.
BAD_LOG = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|"
                     r"-CRITICAL \*\*|\bCRITICAL\b.*\*\*|g_assertion|Segmentation fault")


class BenchError(Exception):
    pass


def _read_line(proc, deadline, what):
    """One stdout line of @proc before @deadline (monotonic)."""
    buf = b""
    fd = proc.stdout.fileno()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BenchError("%s: no output line in time" % what)
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 1)
        if not chunk:
            raise BenchError("%s exited (status %s) before its line" % (what, proc.poll()))
        if chunk == b"\n":
            return buf.decode()
        buf += chunk


class Process:
    def __init__(self, name, argv, log_path, env):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, env=env,
                                     stdin=subprocess.DEVNULL)

    @property
    def pid(self):
        return self.proc.pid

    def stop(self, timeout=20):
        """SIGTERM, then SIGKILL after @timeout s; the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


class Accessory:
    """One hap-simulator serving one accessory file on one adapter."""

    def __init__(self, bench, path, adapter, label, setup_code="518-08-582", state_dir=None, extra=()):
        self.bench = bench
        self.label = label
        self.adapter = adapter
        self.path = path
        self.setup_code = setup_code
        self.bus_name = "io.github.hapsim.Simulator.%s" % label.replace("-", "_")
        self.state_dir = state_dir or os.path.join(bench.dir, "state-" + label)
        self.extra = list(extra)
        self.process = None
        self.ready = None
        self.starts = 0

    def start(self, timeout=30):
        self.starts += 1
        argv = [self.bench.simulator, "--headless", "--state-dir", self.state_dir,
                "--ble-adapter", self.adapter, "--bus", self.bench.address,
                "--bus-name", self.bus_name, "--setup-code", self.setup_code] + self.extra + [self.path]
        log = os.path.join(self.bench.dir, "sim-%s-%d.log" % (self.label, self.starts))
        self.process = Process("hap-simulator " + self.label, argv, log, self.bench.env)
        deadline = time.monotonic() + timeout
        while True:
            line = _read_line(self.process.proc, deadline, self.process.name)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "ready":
                self.ready = event
                return event

    def stop(self):
        if self.process is None:
            return
        status = self.process.stop()
        self.bench.check_log(self.process, status)
        self.process = None

    def restart(self):
        self.stop()
        return self.start()

    @property
    def device_id(self):
        return self.ready["device_id"]

    def ctl(self, *args, check=True):
        """hap-simulator ctl on this simulator's control bus name; its stdout."""
        argv = [self.bench.simulator, "ctl", "--bus", self.bench.address, "--name", self.bus_name] + list(args)
        result = subprocess.run(argv, capture_output=True, env=self.bench.env, timeout=30)
        if check and result.returncode != 0:
            raise BenchError("%s failed (%d): %s" % (" ".join(args), result.returncode, result.stderr.decode()))
        return result.stdout.decode()

    def set_value(self, characteristic, json_value):
        return self.ctl("set", self.device_id, characteristic, json_value)

    def get_value(self, characteristic):
        return json.loads(self.ctl("get", self.device_id, characteristic))

    def log_text(self):
        return self.process.log_text() if self.process else ""


class Bench:
    def __init__(self, adapters=2, vbluez_args=()):
        self.simulator = os.environ.get("HAP_SIMULATOR")
        self.vbluez = os.environ.get("HAP_VIRTUAL_BLUEZ")
        for name, value in (("HAP_SIMULATOR", self.simulator), ("HAP_VIRTUAL_BLUEZ", self.vbluez)):
            if not value or not os.access(value, os.X_OK):
                raise BenchError("%s must name an executable (got %r)" % (name, value))
        self.dir = tempfile.mkdtemp(prefix="hapble-")
        self.errors = []
        self.accessories = []
        self.dbus = None
        self.vb = None
        bus_path = os.path.join(self.dir, "bus")
        with open(os.path.join(self.dir, "bus.conf"), "w") as f:
            f.write(BUS_CONFIG % bus_path)
        self.address = "unix:path=" + bus_path
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address, G_DEBUG="gc-friendly")
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)
        # bleak (dbus-fast) in this process reads the variable when it connects.
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        try:
            self.dbus = Process("dbus-daemon", ["dbus-daemon", "--nofork", "--print-address",
                                                "--config-file", os.path.join(self.dir, "bus.conf")],
                                os.path.join(self.dir, "dbus.log"), self.env)
            _read_line(self.dbus.proc, time.monotonic() + 10, "dbus-daemon")
            self.vb = Process("hap-virtual-bluez", [self.vbluez, "--bus", self.address,
                                                    "--adapters", str(adapters)] + list(vbluez_args),
                              os.path.join(self.dir, "vbluez.log"), self.env)
            line = _read_line(self.vb.proc, time.monotonic() + 20, "hap-virtual-bluez")
            if line.strip() != "ready":
                raise BenchError("hap-virtual-bluez said %r" % line)
        except BaseException:
            self.close(check=False)
            raise

    def accessory(self, path, adapter, label, **kwargs):
        acc = Accessory(self, path, adapter, label, **kwargs)
        self.accessories.append(acc)
        acc.start()
        return acc

    def check_log(self, process, status):
        text = process.log_text()
        for line in text.splitlines():
            if BAD_LOG.search(line):
                self.errors.append("%s: %s" % (process.name, line))
        if status not in (0, -signal.SIGTERM):
            self.errors.append("%s exited with status %s (log %s)" % (process.name, status, process.log_path))

    def close(self, check=True, keep=False):
        """Stops everything; the directory (logs, states) stays when something failed,
        when @keep, or with HAPBLE_KEEP set. Returns the log problems found."""
        for acc in self.accessories:
            acc.stop()
        if self.vb is not None:
            status = self.vb.stop()
            if check:
                self.check_log(self.vb, status)
        if self.dbus is not None:
            self.dbus.stop()
        if check and not keep and not self.errors and not os.environ.get("HAPBLE_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        return self.errors
