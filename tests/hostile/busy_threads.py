"""Starts threads (daemon and non-daemon) that spin forever, at import; the gradient is correct.
Tries to keep the submission's process alive after grading and to burn the grader's CPU; must
pass, and nothing may be left running."""
import threading


def _spin():
    x = 0
    while True:
        x += 1


for daemon in (True, False):
    threading.Thread(target=_spin, daemon=daemon).start()


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
