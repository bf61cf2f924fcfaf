"""Tries to sabotage the other submissions graded at the same time (--jobs 2): for 2.5 s after
import it sends SIGKILL to every process it may signal (os.kill(-1, SIGKILL)). Its own gradient is
correct. Graded together with victim_slow_correct.py, which must still pass."""
import os
import signal
import time

_end = time.monotonic() + 2.5
while time.monotonic() < _end:
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    time.sleep(0.005)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
