"""A correct submission that takes 1.5 s to import (graded next to kill_everyone.py): must pass."""
import time

time.sleep(1.5)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
