#!/usr/bin/python3
"""HapControllerConnection's asynchronous API over HAP-BLE (tests/ble/test-ble-async.c):
a private bus with hap-virtual-bluez, hap-simulator serving a lightbulb over BLE on
hci0 with every HAP-BLE response 250 ms late (the ble-slow-response quirk), and the C
test as the controller on hci1. Its TAP is passed through; the logs
of the others are printed after a failure.
Environment: HAP_SIMULATOR, HAP_VIRTUAL_BLUEZ, HAP_ACCESSORIES_DIR, HAP_TEST_BLE_ASYNC;
HAP_VIRTUAL_BLUEZ_ARGS (options of the virtual BlueZ, e.g. --mtu 100)."""
import json, os, re, shutil, signal, subprocess, sys, tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "discovery"))
from hap_namespace import start_private_system_bus  # noqa: E402

SIM = os.environ["HAP_SIMULATOR"]
VBLUEZ = os.environ["HAP_VIRTUAL_BLUEZ"]
ACCESSORIES = os.environ["HAP_ACCESSORIES_DIR"]
TEST = os.environ["HAP_TEST_BLE_ASYNC"]
CODE = "031-45-154"
# hap-virtual-bluez's public address of hci0: 00:AA:01:01:00:(index + 1).
ACCESSORY_ADDRESS = "00:AA:01:01:00:01"
SLOW_MS = 250
WORK = tempfile.mkdtemp(prefix="ble-async-test-")
BAD_LOG = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|CRITICAL|g_assertion")
processes = []


def log(name):
    return open(os.path.join(WORK, name), "a")


def start():
    processes.append(start_private_system_bus(WORK, log("dbus.log")))
    extra = os.environ.get("HAP_VIRTUAL_BLUEZ_ARGS", "").split()
    daemon = subprocess.Popen([VBLUEZ, *extra], stdout=subprocess.PIPE, stderr=log("virtual-bluez.log"), text=True)
    processes.append(daemon)
    if daemon.stdout.readline().strip() != "ready":
        raise RuntimeError("hap-virtual-bluez did not start")
    with open(os.path.join(ACCESSORIES, "lightbulb.json")) as f:
        description = json.load(f)
    description["transports"] = ["ble"]
    # Every procedure answered SLOW_MS late: a call that blocked its caller for one of
    # them would stall the test's main loop that long (test-ble-async.c's MAX_STALL_MS).
    description["simulator"] = {"quirks": {"ble-slow-response": {"delay-ms": SLOW_MS}}}
    path = os.path.join(WORK, "lamp.json")
    with open(path, "w") as f:
        json.dump(description, f)
    sim = subprocess.Popen([SIM, "--headless", "--bus", os.environ["DBUS_SYSTEM_BUS_ADDRESS"], "--setup-code", CODE,
                            "--state-dir", os.path.join(WORK, "state"), "--ble-adapter", "hci0", path],
                           stdout=subprocess.PIPE, stderr=log("sim.log"), text=True)
    processes.append(sim)
    if not sim.stdout.readline():
        raise RuntimeError("the simulator exited before ready")


def main():
    status = 1
    try:
        start()
        r = subprocess.run([TEST, "--tap", "--verbose", "hci1", ACCESSORY_ADDRESS, CODE, os.path.join(WORK, "controller")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
        for line in r.stdout.splitlines():
            # The test's own messages and GLib's stay comments; its TAP lines pass.
            print(line if re.match(r"^(ok|not ok|1\.\.|#|Bail out)", line) else "# " + line)
        status = r.returncode
    except Exception as e:  # a crash of the harness is a failure, not a skip
        print("Bail out! " + repr(e))
    finally:
        for proc in reversed(processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for name in ("sim.log", "virtual-bluez.log"):
            path = os.path.join(WORK, name)
            text = open(path).read() if os.path.exists(path) else ""
            if BAD_LOG.search(text):
                print(f"not ok - {name} is clean # {BAD_LOG.search(text).group(0)}")
                status = 1
            if status != 0:
                print(f"# --- {name} (end) ---")
                for line in text[-3000:].splitlines():
                    print("# " + line)
        shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(status)


main()
