"""Tries to end the grader itself: sys.exit(0) while being imported (a 'success' exit code)."""
import sys

sys.exit(0)


def dL_dZ(Y, Z, N):
    return -(1 / N) * (Y / Z - (1 - Y) / (1 - Z))
