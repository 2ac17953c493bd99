#!/usr/bin/python3
"""in-binfmt-ns.py INTERPRETER MAGIC MASK COMMAND [ARG...]

Runs COMMAND (as root) in a new user namespace that maps every ID to itself, with a mount
namespace of its own and a binfmt_misc instance of its own (Linux 6.7 and later) in which
ELF programs matching MAGIC/MASK (hex) run under INTERPRETER (e.g. qemu-aarch64).

Why: a test that re-executes itself (g_test_trap_subprocess) execs an arm64 program,
which only qemu-user's exe_wrapper knew how to run. A private binfmt_misc instance makes
the kernel run it under QEMU too, without registering anything for the rest of the host.
The identity mapping (written from outside, as util-linux's unshare needs newuidmap for
it) keeps root's tests root, with nobody (65534) mapped for those that drop privileges.
"""
import ctypes
import os
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNS = 0x00020000
BINFMT = "/proc/sys/fs/binfmt_misc"


def die(message):
    sys.stderr.write(f"in-binfmt-ns: {message}\n")
    sys.exit(1)


def main():
    if len(sys.argv) < 5:
        die("usage: in-binfmt-ns.py INTERPRETER MAGIC MASK COMMAND [ARG...]")
    interpreter, magic, mask = sys.argv[1:4]
    command = sys.argv[4:]
    if os.geteuid() != 0:
        die("run me as root")
    libc = ctypes.CDLL(None, use_errno=True)
    ready_r, ready_w = os.pipe()
    mapped_r, mapped_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(ready_r)
        os.close(mapped_w)
        if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0:
            os.write(ready_w, b"!")
            die(f"unshare: {os.strerror(ctypes.get_errno())}")
        os.write(ready_w, b".")
        if os.read(mapped_r, 1) != b".":
            os._exit(1)
        # Root of the new namespace now: mount and register, then run the command.
        try:
            if libc.mount(b"none", b"/", None, 0x40000 | 0x4000, None) != 0:  # MS_PRIVATE|MS_REC
                die(f"making / private: {os.strerror(ctypes.get_errno())}")
            if libc.mount(b"binfmt_misc", BINFMT.encode(), b"binfmt_misc", 0, None) != 0:
                die(f"mounting binfmt_misc (needs Linux 6.7): {os.strerror(ctypes.get_errno())}")
            name = os.path.basename(interpreter)
            hexed = lambda h: "".join(f"\\x{h[i:i + 2]}" for i in range(0, len(h), 2))
            # F: the interpreter is opened now, so it is found whatever root a program has.
            with open(f"{BINFMT}/register", "w") as register:
                register.write(f":{name}:M::{hexed(magic)}:{hexed(mask)}:{interpreter}:F")
            os.execvp(command[0], command)
        except OSError as e:
            die(str(e))
    os.close(ready_w)
    os.close(mapped_r)
    if os.read(ready_r, 1) != b".":
        os.waitpid(pid, 0)
        sys.exit(1)
    for kind in ("uid_map", "gid_map"):
        with open(f"/proc/{pid}/{kind}", "w") as f:
            f.write("0 0 65536\n")
    os.write(mapped_w, b".")
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
