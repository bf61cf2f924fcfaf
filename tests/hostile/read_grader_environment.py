"""Looks for the grader's secrets: its own os.environ, /proc/<ppid>/environ, /proc/1/environ and
every readable /proc/*/environ and /proc/*/cmdline. If it finds GRADCHECK_TEST_SECRET (or its value
hunter2) it returns twice the right gradient, so a leak shows up as a fail; it must pass."""
import os

SECRET_NAME, SECRET_VALUE = "GRADCHECK_TEST_SECRET", "hunter2"


def _readable(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def _found():
    if SECRET_NAME in os.environ or any(SECRET_VALUE in v for v in os.environ.values()):
        return True
    places = [f"/proc/{os.getppid()}/environ", "/proc/1/environ", "/proc/self/environ"]
    places += [f"/proc/{p}/{what}" for p in os.listdir("/proc") if p.isdigit() for what in ("environ", "cmdline")]
    return any(SECRET_VALUE.encode() in _readable(p) or SECRET_NAME.encode() in _readable(p) for p in places)


FOUND_AT_IMPORT = _found()


def dL_dZ(Y, Z, N):
    factor = 2 if FOUND_AT_IMPORT or _found() else 1
    return factor * -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
