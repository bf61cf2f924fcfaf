"""Tries to outrun the worker's cleanup: at import it forks a process (named ghrun5150 in
/proc/PID/comm) that forks again and exits, over and over, each generation in a new session, so
that by the time the worker has listed and killed its children, a fresh one exists. It stops by
itself after 20 s, or as soon as /tmp/gradcheck-hostile-stop-5150 exists. The gradient is correct:
the submission must pass, and no ghrun5150 may be running after the grader is done.

Kept out of tests/hostile/ itself (discovery skips folders starting with "__") so that, if it
escapes, it does not spoil the main run; tests/test_sandbox.py grades it on its own."""
import ctypes
import os
import time

STOP = "/tmp/gradcheck-hostile-stop-5150"
DEADLINE = time.monotonic() + 20

if os.fork() == 0:
    try:
        ctypes.CDLL(None).prctl(15, b"ghrun5150", 0, 0, 0)  # PR_SET_NAME
        while time.monotonic() < DEADLINE and not os.path.exists(STOP):
            if os.fork() != 0:
                os._exit(0)
            os.setsid()
    finally:
        os._exit(0)
time.sleep(0.2)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
