"""Tries to hang the grader by sleeping (not using CPU) for 1000 s inside a derivative call."""
import time


def dL_dZ(Y, Z, N):
    time.sleep(1000)
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
